/*-------------------------------------------------------------------------
 *
 * test_line_check.c
 *	  Unit test of the audit trail's line checker, linked alone with
 *	  src/audit/record.c, src/audit/line_check.c and src/audit/chain.c.
 *
 * A trail is built here as the worker builds it (records rendered and
 * chained, sixteen strands, with and without a key), then each case
 * tampers with it the way an intruder with write access to the files
 * could -- alter a byte, delete, insert, reorder or duplicate a line, cut
 * a line short, forge a line with another key, reset the chain -- and
 * asserts that the walk stops at the first sequence number no longer
 * intact, with a reason.  Lines that are not ours at all (empty, binary,
 * a number too large, a hash of the wrong length) are refused without
 * reading past their length: each is checked from a heap copy of exactly
 * its size, so AddressSanitizer, when the test is built with it, reports
 * any read beyond.
 *
 * Each case prints one line; the last line is "N passed, N failed".
 *
 * test/unit/test_line_check.c
 *
 *-------------------------------------------------------------------------
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "governance/audit_record.h"

#define NLINES 40
#define LINE_CAP 4096

typedef struct Trail
{
	char	   *line[NLINES];
	size_t		len[NLINES];
} Trail;

static const unsigned char key[] = "a chain key of thirty-two bytes!";

/* A trail of NLINES events from sequence number 1, chained with key. */
static void
make_trail(Trail *t, const unsigned char *k, size_t klen)
{
	GovAuditHeads heads;
	size_t		prefix[NLINES];

	gov_audit_heads_genesis(&heads);
	for (int i = 0; i < NLINES; i++)
	{
		char		buf[1024];
		char		stmt[64];
		GovAuditRecord r;
		size_t		reclen;

		gov_audit_record_init(&r, buf, sizeof(buf));
		gov_audit_put_str(&r, GOV_AF_TYPE, "statement");
		snprintf(stmt, sizeof(stmt), "SELECT %d FROM t WHERE note = 'x\"y'", i);
		gov_audit_put_str(&r, GOV_AF_STATEMENT, stmt);
		gov_audit_put_int(&r, GOV_AF_ROWS, i);
		reclen = gov_audit_record_finish(&r);
		t->line[i] = malloc(LINE_CAP);
		t->len[i] = gov_audit_render_line(buf, reclen, (uint64_t) i + 1,
										  t->line[i], LINE_CAP, &prefix[i]);
		if (t->len[i] == 0)
		{
			fprintf(stderr, "cannot render line %d\n", i);
			exit(2);
		}
	}
	gov_audit_chain(t->line, prefix, 1, NLINES, &heads, k, klen);
}

static void
free_trail(Trail *t)
{
	for (int i = 0; i < NLINES; i++)
		free(t->line[i]);
}

/*
 * Walk lines in the given order (indexes into t, -1 ends), each from a
 * heap copy of exactly its length.  Returns the sequence number the walk
 * stopped at, 0 if every line verified; why says why.
 */
static uint64_t
walk(const Trail *t, const int *order, uint64_t first, const unsigned char *k,
	 size_t klen, char *why, size_t whylen)
{
	GovAuditWalk w;

	why[0] = '\0';
	gov_audit_walk_start(&w, first);
	for (int i = 0; order[i] >= 0; i++)
	{
		size_t		n = t->len[order[i]];
		char	   *copy = malloc(n ? n : 1);
		uint64_t	bad = 0;
		bool		ok;

		memcpy(copy, t->line[order[i]], n);
		ok = gov_audit_walk_line(&w, copy, n, k, klen, &bad, why, whylen);
		free(copy);
		if (!ok)
			return bad ? bad : (uint64_t) -1;
	}
	return 0;
}

static void
in_order(int *order, int n)
{
	for (int i = 0; i < n; i++)
		order[i] = i;
	order[n] = -1;
}

/* Check one line, given as a string, from a heap copy of its length. */
static bool
check_text(const char *text, uint64_t expect, char *why, size_t whylen)
{
	size_t		n = strlen(text);
	char	   *copy = malloc(n ? n : 1);
	uint64_t	seq = 0;
	char		hash[GOV_AUDIT_HASH_HEX];
	bool		ok;

	memcpy(copy, text, n);
	ok = gov_audit_check_line(copy, n, expect, NULL, NULL, 0, &seq, hash,
							  why, whylen);
	free(copy);
	return ok;
}

int
main(void)
{
	Trail		t;
	int			order[NLINES + 4];
	char		why[256];
	uint64_t	bad;

	make_trail(&t, key, sizeof(key) - 1);

	/* A trail as written verifies, with the key. */
	in_order(order, NLINES);
	bad = walk(&t, order, 1, key, sizeof(key) - 1, why, sizeof(why));
	check(bad == 0, "an untouched trail verifies", "stopped at %llu: %s",
		  (unsigned long long) bad, why);

	/* Without the key (or with another) it does not. */
	bad = walk(&t, order, 1, (const unsigned char *) "another key", 11, why, sizeof(why));
	check(bad == 1, "another key fails at the first line", "stopped at %llu",
		  (unsigned long long) bad);
	bad = walk(&t, order, 1, NULL, 0, why, sizeof(why));
	check(bad == 1, "no key fails a keyed trail", "stopped at %llu",
		  (unsigned long long) bad);

	/* Attack: one byte of a statement altered. */
	{
		char	   *p = strstr(t.line[20], "SELECT 20");

		p[7] = '9';
		bad = walk(&t, order, 1, key, sizeof(key) - 1, why, sizeof(why));
		check(bad == 21 && why[0] != '\0', "an altered byte stops the walk at its line",
			  "stopped at %llu: %s", (unsigned long long) bad, why);
		p[7] = '2';
	}

	/* Attack: a line deleted. */
	{
		int			k = 0;

		for (int i = 0; i < NLINES; i++)
			if (i != 10)
				order[k++] = i;
		order[k] = -1;
		bad = walk(&t, order, 1, key, sizeof(key) - 1, why, sizeof(why));
		check(bad == 11, "a deleted line stops the walk where it was",
			  "stopped at %llu: %s", (unsigned long long) bad, why);
	}

	/* Attack: two lines swapped. */
	in_order(order, NLINES);
	order[5] = 6;
	order[6] = 5;
	bad = walk(&t, order, 1, key, sizeof(key) - 1, why, sizeof(why));
	check(bad == 6, "swapped lines stop the walk at the first", "stopped at %llu: %s",
		  (unsigned long long) bad, why);

	/* Attack: a line repeated. */
	in_order(order, NLINES);
	for (int i = NLINES; i > 8; i--)
		order[i] = order[i - 1];
	order[NLINES + 1] = -1;
	bad = walk(&t, order, 1, key, sizeof(key) - 1, why, sizeof(why));
	check(bad == 10, "a repeated line stops the walk after its first copy", "stopped at %llu: %s",
		  (unsigned long long) bad, why);

	/* Attack: the tail of the trail cut off mid-line. */
	in_order(order, NLINES);
	{
		size_t		saved = t.len[NLINES - 1];

		t.len[NLINES - 1] = saved / 2;
		bad = walk(&t, order, 1, key, sizeof(key) - 1, why, sizeof(why));
		check(bad == NLINES, "a torn last line is refused", "stopped at %llu: %s",
			  (unsigned long long) bad, why);
		t.len[NLINES - 1] = saved;
	}

	/*
	 * Attack: the first lines deleted and the rest presented as a whole
	 * trail: the first line left no longer chains to the genesis hash.
	 */
	{
		int			k = 0;

		for (int i = 3; i < NLINES; i++)
			order[k++] = i;
		order[k] = -1;
		bad = walk(&t, order, 1, key, sizeof(key) - 1, why, sizeof(why));
		check(bad == 1 || bad == 4, "a trail missing its first lines is refused",
			  "stopped at %llu: %s", (unsigned long long) bad, why);
		/* Walked as a trail that starts later, what is left verifies. */
		bad = walk(&t, order, 0, key, sizeof(key) - 1, why, sizeof(why));
		check(bad == 0, "the same lines verify as a trail starting at 4",
			  "stopped at %llu: %s", (unsigned long long) bad, why);
	}

	/* Attack: a line forged and chained with another key. */
	{
		Trail		forged;

		make_trail(&forged, (const unsigned char *) "the intruder's key", 18);
		in_order(order, NLINES);
		free(t.line[30]);
		t.line[30] = forged.line[30];
		t.len[30] = forged.len[30];
		forged.line[30] = malloc(1);
		bad = walk(&t, order, 1, key, sizeof(key) - 1, why, sizeof(why));
		check(bad == 31, "a line chained with another key is refused",
			  "stopped at %llu: %s", (unsigned long long) bad, why);
		free_trail(&forged);
	}
	free_trail(&t);

	/* Without a key the chain is SHA-256 and verifies without one. */
	make_trail(&t, NULL, 0);
	in_order(order, NLINES);
	bad = walk(&t, order, 1, NULL, 0, why, sizeof(why));
	check(bad == 0, "a trail chained without a key verifies without one",
		  "stopped at %llu: %s", (unsigned long long) bad, why);
	{
		char		seqhash[GOV_AUDIT_HASH_HEX];
		uint64_t	seq = 0;

		check(gov_audit_line_tail(t.line[7], t.len[7], &seq, seqhash) && seq == 8,
			  "the tail of a line gives its sequence number", "got %llu",
			  (unsigned long long) seq);
	}
	free_trail(&t);

	/* Lines that are not ours. */
	{
		static const char *const junk[] = {
			"",
			"\n",
			"{}",
			"{\"seq\":",
			"{\"seq\":x,\"hash\":\"00\"}",
			"{\"seq\":99999999999999999999999999,\"time\":\"t\"}",
			"{\"seq\":1,\"prev_hash\":\"0000\",\"hash\":\"0000\"}",
			"{\"seq\":1,\"hash\":\"",
			"{\"seq\":1,\"prev_hash\":\"0000000000000000000000000000000000000000000000000000000000000000\",\"hash\":\"zz00000000000000000000000000000000000000000000000000000000000000\"}",
			"\xff\xfe{\"seq\":1}",
			/* A line cut after its sequence number: read within its length. */
			"{\"seq\":12345678901234567890",
			"{\"seq\":184467440737095516160,\"hash\":\"0\"}",
			"{\"seq\":-1,\"prev_hash\":\"\",\"hash\":\"\"}",
			NULL
		};

		for (int i = 0; junk[i] != NULL; i++)
		{
			char		name[64];

			snprintf(name, sizeof(name), "a line not ours is refused (%d)", i);
			check(!check_text(junk[i], 0, why, sizeof(why)) && why[0] != '\0',
				  name, "accepted");
		}
	}

	/*
	 * The anchor: it reads back as written; altered, sealed with another
	 * key, cut short or not ours, it is refused.
	 */
	{
		static const unsigned char key[] = "anchor-test-key";
		static const unsigned char other[] = "another-key";
		GovAuditHeads heads,
					back;
		char		buf[GOV_AUDIT_ANCHOR_MAX];
		size_t		n;
		uint64_t	next = 0;

		gov_audit_heads_genesis(&heads);
		heads.hash[3][0] = 'a';
		heads.hash[15][63] = 'f';
		n = gov_audit_anchor_render(4242, &heads, key, sizeof(key) - 1, buf, sizeof(buf));
		check(n > 0 && gov_audit_anchor_parse(buf, n, key, sizeof(key) - 1, &next, &back,
											  why, sizeof(why)) &&
			  next == 4242 && memcmp(&back, &heads, sizeof(heads)) == 0,
			  "an anchor reads back as written", "%s", why);
		check(!gov_audit_anchor_parse(buf, n, other, sizeof(other) - 1, &next, &back,
									  why, sizeof(why)) && strstr(why, "seal") != NULL,
			  "an anchor sealed with another key is refused", "accepted");
		buf[29] = buf[29] == '4' ? '5' : '4';	/* the first digit of next_seq */
		check(!gov_audit_anchor_parse(buf, n, key, sizeof(key) - 1, &next, &back,
									  why, sizeof(why)),
			  "an altered anchor is refused", "accepted");
		buf[29] = buf[29] == '4' ? '5' : '4';
		check(!gov_audit_anchor_parse(buf, n - 10, key, sizeof(key) - 1, &next, &back,
									  why, sizeof(why)),
			  "an anchor cut short is refused", "accepted");
		check(!gov_audit_anchor_parse("hello\n", 6, key, sizeof(key) - 1, &next, &back,
									  why, sizeof(why)),
			  "a file that is not an anchor is refused", "accepted");
		check(gov_audit_anchor_render(1, &heads, key, sizeof(key) - 1, buf, 64) == 0,
			  "an anchor does not overflow a small buffer", "rendered");
	}

	return check_summary();
}
