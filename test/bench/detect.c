/*-------------------------------------------------------------------------
 *
 * detect.c
 *	  What the output scan (governance_detect_secret) costs per byte of
 *	  ordinary values, against a pass of memchr over the same bytes.
 *
 * Three corpora stand for what a masked client reads, each generated
 * here from a fixed seed and cut into values as rows deliver them:
 *	prose	English sentences with capitals, punctuation, years and
 *			amounts (values of 40-400 bytes), one word in twenty from a
 *			list of words that hold a trigger or part of one;
 *	ids		CSV lines of ids, UUIDs, ISO timestamps, amounts, status
 *			words (one line a value);
 *	json	JSON documents of users and orders without secrets (nested
 *			objects, arrays, dates, numbers, e-mail-free names);
 *	binary	random bytes, as compressed or encrypted data (an image, an
 *			archive) is, in values of 40-400 bytes like prose: a bytea
 *			that is not UTF-8.  Timed twice: searched whole, and as the
 *			output scan searches it, its runs of ASCII text
 *			(governance_detect_text_runs(), then the search of those).
 * Each corpus is 8 MB.  For each, the scan is called once per value and
 * the baseline calls memchr() for a byte that never occurs on the same
 * values, so both pay the same per-call overhead and read every byte.
 * Before timing, the scan must find nothing in every corpus (a corpus
 * that makes it fire would time the wrong path) and must find a card
 * number planted in a copy (a scan that does nothing would be fast).
 * Reports the fastest of N runs in ns/byte and the ratio scan/memchr.
 * Files named on the command line are timed the same way, one value a
 * line (real text: a table's column written by COPY, a document).
 *
 * Build and run: test/bench/detect.sh [FILE...]
 *
 * test/bench/detect.c
 *
 *-------------------------------------------------------------------------
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "governance/common_detect.h"

#define CORPUS_BYTES (8u << 20)
#define MAX_VALUES (CORPUS_BYTES / 16)
#define RUNS 9

typedef struct Corpus
{
	const char *name;
	char	   *buf;
	size_t		len;
	size_t		nvalues;
	size_t	   *off;
	size_t	   *vlen;
	bool		runs;			/* searched by its runs of text */
} Corpus;

static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

/* xorshift64*: the corpora are the same on every run. */
static uint32_t
rnd(uint32_t bound)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return (uint32_t) ((rng_state * 0x2545F4914F6CDD1DULL) >> 32) % bound;
}

/* Common words, drawn nineteen times in twenty. */
static const char *const words[] = {
	"the", "of", "and", "to", "in", "a", "is", "that", "for", "it", "as",
	"was", "with", "be", "by", "on", "not", "he", "this", "are", "or",
	"his", "from", "at", "which", "but", "have", "an", "had", "they",
	"you", "were", "their", "one", "all", "we", "can", "her", "has",
	"there", "been", "if", "more", "when", "will", "would", "who", "so",
	"no", "customer", "order", "delivery", "account", "payment", "report",
	"meeting", "schedule", "project", "quarter", "revenue", "great",
	"people", "through", "because", "between", "important", "government",
	"available", "information", "different", "following", "example",
	"question", "company", "problem", "service", "number", "system",
	"program", "general", "public", "however", "support", "market",
	"business", "country", "national", "development", "yesterday",
	"Berlin", "Madrid", "London", "John", "Maria", "January", "Friday",
	"expected", "background", "create", "across", "increase", "described",
	"well-known", "e-mail", "self-service", "look", "back", "big", "design",
};

/*
 * Words that contain a trigger or part of one (and other languages),
 * drawn one time in twenty, so full checks run and fail as they do on
 * real text: "secret", "AREA", "desk", "playa", "xoxo" ...
 */
static const char *const rare_words[] = {
	"Kundenkonto", "Lieferung", "Rechnung", "bitte", "Zahlung", "pedido",
	"cuenta", "entrega", "gracias", "factura", "key", "token", "secret",
	"secretary", "password", "keys", "JSON", "SQL", "API", "AWS", "AI",
	"IAM", "ASAP", "AGAIN", "ALPHA", "AREA", "IDEA", "xoxo", "skip", "desk",
	"risk", "task", "bank", "ya", "playa", "signal", "sig", "begin",
	"Begin", "scripture", "accurate", "critical", "re-run", "task-based",
	"desk-top", "ask-me", "Izmir", "Biz", "sk_test", "ghost_town",
};
/* English-like prose, with the odd number and amount. */
static void
make_prose(Corpus *c)
{
	size_t		p = 0;

	c->name = "prose";
	while (p + 512 < CORPUS_BYTES && c->nvalues < MAX_VALUES)
	{
		size_t		start = p,
					target = 40 + rnd(360);
		bool		cap = true;

		while (p - start < target)
		{
			const char *w = rnd(20) == 0 ?
				rare_words[rnd(sizeof(rare_words) / sizeof(rare_words[0]))] :
				words[rnd(sizeof(words) / sizeof(words[0]))];
			int			r = rnd(100);

			if (r < 3)
				p += sprintf(c->buf + p, "%u", 1990 + rnd(40));
			else if (r < 5)
				p += sprintf(c->buf + p, "$%u.%02u", rnd(10000), rnd(100));
			else if (r < 6)
				p += sprintf(c->buf + p, "%u%%", rnd(100));
			else
			{
				p += sprintf(c->buf + p, "%s", w);
				if (cap && w[0] >= 'a' && w[0] <= 'z')
					c->buf[p - strlen(w)] -= 32;
			}
			cap = false;
			r = rnd(100);
			if (r < 8)
			{
				c->buf[p++] = '.';
				cap = true;
			}
			else if (r < 14)
				c->buf[p++] = ',';
			c->buf[p++] = ' ';
		}
		c->off[c->nvalues] = start;
		c->vlen[c->nvalues++] = p - start;
	}
	c->len = p;
}

/* A random version-less UUID in its text form. */
static void
uuid(char *out)
{
	static const char hex[] = "0123456789abcdef";

	for (int i = 0; i < 36; i++)
		out[i] = (i == 8 || i == 13 || i == 18 || i == 23) ? '-' : hex[rnd(16)];
	out[36] = '\0';
}

/* CSV of ids, UUIDs, timestamps, amounts, statuses. */
static void
make_ids(Corpus *c)
{
	static const char *const status[] = {"shipped", "pending", "cancelled",
	"delivered", "refunded"};
	size_t		p = 0;

	c->name = "ids";
	while (p + 512 < CORPUS_BYTES && c->nvalues < MAX_VALUES)
	{
		char		u[40],
					u2[40];
		size_t		start = p;

		uuid(u);
		uuid(u2);
		p += sprintf(c->buf + p,
					 "%u,%s,%04u-%02u-%02uT%02u:%02u:%02u.%03uZ,%u.%02u,%s,%s,ORD-%07u,%u",
					 rnd(100000000), u, 2015 + rnd(10), 1 + rnd(12), 1 + rnd(28),
					 rnd(24), rnd(60), rnd(60), rnd(1000), rnd(100000), rnd(100),
					 status[rnd(5)], u2, rnd(10000000), 1700000000u + rnd(100000000));
		c->off[c->nvalues] = start;
		c->vlen[c->nvalues++] = p - start;
	}
	c->len = p;
}

/* JSON documents of users and orders, no secrets. */
static void
make_json(Corpus *c)
{
	static const char *const names[] = {"Alice Martin", "Bob Stone",
	"Carla Ruiz", "Dieter Schmidt", "Eve Adams", "Jakob Kowalski"};
	static const char *const cities[] = {"Berlin", "Madrid", "Lisbon",
	"Springfield", "Amsterdam", "Milano"};
	size_t		p = 0;

	c->name = "json";
	while (p + 2048 < CORPUS_BYTES && c->nvalues < MAX_VALUES)
	{
		char		u[40];
		size_t		start = p;
		int			items = 1 + rnd(4);

		uuid(u);
		p += sprintf(c->buf + p,
					 "{\"id\": \"%s\", \"created_at\": \"%04u-%02u-%02uT%02u:%02u:%02uZ\", "
					 "\"customer\": {\"name\": \"%s\", \"city\": \"%s\", \"vip\": %s, "
					 "\"tags\": [\"retail\", \"newsletter\"]}, \"total\": %u.%02u, "
					 "\"currency\": \"EUR\", \"items\": [",
					 u, 2015 + rnd(10), 1 + rnd(12), 1 + rnd(28), rnd(24), rnd(60),
					 rnd(60), names[rnd(6)], cities[rnd(6)], rnd(2) ? "true" : "false",
					 rnd(10000), rnd(100));
		for (int i = 0; i < items; i++)
			p += sprintf(c->buf + p,
						 "%s{\"sku\": \"SKU-%05u\", \"qty\": %u, \"price\": %u.%02u, "
						 "\"description\": \"Blue cotton shirt, size %c\"}",
						 i ? ", " : "", rnd(100000), 1 + rnd(5), rnd(200), rnd(100),
						 "SMLX"[rnd(4)]);
		p += sprintf(c->buf + p, "], \"note\": \"Leave at the back door, ring twice.\"}");
		c->off[c->nvalues] = start;
		c->vlen[c->nvalues++] = p - start;
	}
	c->len = p;
}

/* Random bytes, in values of prose's lengths. */
static void
make_binary(Corpus *c)
{
	size_t		p = 0;

	c->name = "binary";
	while (p + 512 < CORPUS_BYTES && c->nvalues < MAX_VALUES)
	{
		size_t		start = p,
					target = 40 + rnd(360);

		while (p - start < target)
			c->buf[p++] = (char) rnd(256);
		c->off[c->nvalues] = start;
		c->vlen[c->nvalues++] = p - start;
	}
	c->len = p;
}

/* Monotonic time in nanoseconds. */
static double
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static volatile size_t sink;

/* The output scan's search of binary bytes: their runs of text. */
static GovDetector
search_runs(const char *s, size_t len)
{
	static char runs[1024];
	size_t		n = governance_detect_text_runs(s, len, runs);

	return n > 0 ? governance_detect_secret(runs, n) : GOV_DETECT_NONE;
}

/* One pass of the scan over every value; the number that fired. */
static size_t
pass_scan(const Corpus *c)
{
	size_t		fired = 0;

	if (c->runs)
		for (size_t i = 0; i < c->nvalues; i++)
			fired += search_runs(c->buf + c->off[i], c->vlen[i]) != GOV_DETECT_NONE;
	else
		for (size_t i = 0; i < c->nvalues; i++)
			fired += governance_detect_secret(c->buf + c->off[i], c->vlen[i]) != GOV_DETECT_NONE;
	return fired;
}

/* One pass of memchr over every value, for a byte not there. */
static size_t
pass_memchr(const Corpus *c)
{
	size_t		found = 0;

	for (size_t i = 0; i < c->nvalues; i++)
		found += memchr(c->buf + c->off[i], 0x01, c->vlen[i]) != NULL;
	return found;
}

/* Check the scan finds nothing and finds a planted card; time it. */
static int
bench(Corpus *c)
{
	double		best_scan = 1e30,
				best_mem = 1e30;
	char	   *planted;

	if (pass_scan(c) != 0)
	{
		fprintf(stderr, "%s: the scan fires on the corpus; the benchmark would time the wrong path\n", c->name);
		return 1;
	}
	planted = malloc(c->vlen[0] + 32);
	memcpy(planted, c->buf + c->off[0], c->vlen[0]);
	memcpy(planted + c->vlen[0], ";4111 1111 1111 1111", 20);
	if ((c->runs ? search_runs(planted, c->vlen[0] + 20) :
		 governance_detect_secret(planted, c->vlen[0] + 20)) != GOV_DETECT_CARD)
	{
		fprintf(stderr, "%s: a planted card number is not found\n", c->name);
		return 1;
	}
	free(planted);

	for (int r = 0; r < RUNS; r++)
	{
		double		t0 = now_ns();

		sink += pass_scan(c);
		t0 = now_ns() - t0;
		if (t0 < best_scan)
			best_scan = t0;
		t0 = now_ns();
		sink += pass_memchr(c);
		t0 = now_ns() - t0;
		if (t0 < best_mem)
			best_mem = t0;
	}
	printf("%-6s%s %6.2f MB %7zu values  scan %.3f ns/byte  memchr %.3f ns/byte  ratio %.2f\n",
		   c->name, c->runs ? " runs" : "     ", c->len / 1e6, c->nvalues, best_scan / c->len, best_mem / c->len,
		   best_scan / best_mem);
	return 0;
}

/* An empty corpus with room for CORPUS_BYTES in MAX_VALUES values. */
static void
corpus_init(Corpus *c)
{
	memset(c, 0, sizeof(*c));
	c->buf = malloc(CORPUS_BYTES);
	c->off = malloc(MAX_VALUES * sizeof(size_t));
	c->vlen = malloc(MAX_VALUES * sizeof(size_t));
}

/*
 * A corpus from a file, one value a line (at most CORPUS_BYTES): text a
 * user has, such as a table's values written by COPY.  NULL if it cannot
 * be read.
 */
static Corpus *
file_corpus(const char *path)
{
	Corpus	   *c = malloc(sizeof(Corpus));
	FILE	   *f = fopen(path, "rb");
	const char *slash = strrchr(path, '/');
	size_t		start = 0;

	if (f == NULL)
		return NULL;
	corpus_init(c);
	c->name = slash ? slash + 1 : path;
	c->len = fread(c->buf, 1, CORPUS_BYTES, f);
	fclose(f);
	for (size_t i = 0; i <= c->len && c->nvalues < MAX_VALUES; i++)
	{
		if (i < c->len && c->buf[i] != '\n')
			continue;
		if (i > start)
		{
			c->off[c->nvalues] = start;
			c->vlen[c->nvalues++] = i - start;
		}
		start = i + 1;
	}
	return c;
}

/*
 * Build the corpora and time each; the binary one a second time by its
 * runs; then each file named, one value a line.
 */
int
main(int argc, char **argv)
{
	Corpus		cs[5];
	void		(*make[4]) (Corpus *) = {make_prose, make_ids, make_json, make_binary};
	int			rc = 0;

	for (int i = 0; i < 4; i++)
	{
		corpus_init(&cs[i]);
		make[i] (&cs[i]);
	}
	cs[4] = cs[3];
	cs[4].runs = true;
	printf("governance_detect_secret, one call per value, fastest of %d runs\n", RUNS);
	for (int i = 0; i < 5; i++)
		rc |= bench(&cs[i]);
	for (int i = 1; i < argc; i++)
	{
		Corpus	   *c = file_corpus(argv[i]);

		if (c == NULL || c->nvalues == 0)
		{
			fprintf(stderr, "%s: cannot be read, or holds no value\n", argv[i]);
			rc = 1;
			continue;
		}
		rc |= bench(c);
	}
	return rc;
}
