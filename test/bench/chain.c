/*-------------------------------------------------------------------------
 *
 * chain.c
 *	  What the audit worker spends per event on rendering and hashing,
 *	  and a check that the batched hash chain is the standard one.
 *
 * The check chains batches of every size that matters to the lanes and
 * strands (0 to 17, 100, 1001 lines) of lines of many lengths, from the
 * start of a trail and from the middle, with no key and with keys shorter
 * than, as long as and longer than a SHA-256 block, with every SIMD width
 * the CPU has, and verifies every line with gov_audit_walk_line, which
 * hashes with OpenSSL's HMAC: a line chained wrongly fails.  The timing renders and
 * hashes a typical select-only event (the one pgbench -S produces) in
 * batches as the worker does, per-line with OpenSSL and batched, and
 * reports the fastest of several runs in nanoseconds of CPU per event.
 *
 * Build and run: test/bench/chain.sh
 *
 * test/bench/chain.c
 *
 *-------------------------------------------------------------------------
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "governance/audit_record.h"

#define MAX_LINES 2000
#define BATCH 4000
#define EVENTS 200000

static char buf[32 << 20];
static char *lines[BATCH];
static size_t prefix[BATCH];
static size_t lens[BATCH];

/* A statement event; stmtlen < 0 gives pgbench -S's statement. */
static size_t
make_record(char *rec, size_t cap, int stmtlen)
{
	static const char *const rels[] = {"public.pgbench_accounts"};
	static const char *const cols[] = {"public.pgbench_accounts.aid",
	"public.pgbench_accounts.abalance"};
	char		stmt[1024];
	GovAuditRecord r;

	if (stmtlen >= 0)
	{
		/* Quotes and control characters, so escaping is chained too. */
		memset(stmt, 'x', stmtlen);
		memcpy(stmt, "SELECT \"a\"\n\t\\", stmtlen < 14 ? stmtlen : 14);
		stmt[stmtlen] = '\0';
	}
	else
		strcpy(stmt, "SELECT abalance FROM pgbench_accounts WHERE aid = $1");
	gov_audit_record_init(&r, rec, cap);
	gov_audit_put_int(&r, GOV_AF_TIME, 1795000000123456LL);
	gov_audit_put_str(&r, GOV_AF_TYPE, "statement");
	gov_audit_put_str(&r, GOV_AF_ACTION, "completed");
	gov_audit_put_str(&r, GOV_AF_DATABASE, "bench");
	gov_audit_put_int(&r, GOV_AF_PID, 1760);
	gov_audit_put_str(&r, GOV_AF_SESSION_ID, "6b02653b.6e0");
	gov_audit_put_str(&r, GOV_AF_DB_ROLE, "bench");
	gov_audit_put_str(&r, GOV_AF_IDENTITY_KIND, "role");
	gov_audit_put_str(&r, GOV_AF_CLIENT_ADDR, "[local]");
	gov_audit_put_str(&r, GOV_AF_APPLICATION_NAME, "pgbench");
	gov_audit_put_bool(&r, GOV_AF_NESTED, false);
	gov_audit_put_str(&r, GOV_AF_COMMAND_TAG, "SELECT");
	gov_audit_put_str(&r, GOV_AF_STATEMENT, stmt);
	gov_audit_put_strs(&r, GOV_AF_RELATIONS, rels, 1);
	gov_audit_put_strs(&r, GOV_AF_COLUMNS, cols, 2);
	gov_audit_put_int(&r, GOV_AF_ROWS, 1);
	gov_audit_put_int(&r, GOV_AF_DURATION_US, 16);
	return gov_audit_record_finish(&r);
}

/*
 * Chain n lines of varied lengths, continuing a trail whose last line is
 * first - 1, and verify each with OpenSSL.
 */
static int
check(int n, uint64_t first, const unsigned char *key, size_t keylen)
{
	char		rec[GOV_AUDIT_MAX_RECORD];
	char		why[256];
	GovAuditHeads heads;
	GovAuditWalk walk;
	GovAuditKeyring ring;
	size_t		off = 0;
	uint64_t	bad;
	int			i;
	int			ok = 1;

	for (i = 0; i < n; i++)
	{
		size_t		rl = make_record(rec, sizeof(rec), (i * 37) % 700);

		lines[i] = buf + off;
		lens[i] = gov_audit_render_line(rec, rl, first + i, buf + off,
										sizeof(buf) - off, &prefix[i]);
		if (lens[i] == 0)
			return 0;
		off += lens[i];
	}
	/* Chained from earlier lines, each strand's own, unless at genesis. */
	gov_audit_keyring_init(&ring);
	gov_audit_keyring_add(&ring, key, keylen);
	gov_audit_walk_start(&walk, first, &ring);
	if (first > 1)
	{
		for (i = 0; i < GOV_AUDIT_STRANDS; i++)
		{
			snprintf(walk.heads.hash[i], GOV_AUDIT_HASH_HEX,
					 "%02d23456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", i);
			walk.known |= 1u << i;
		}
	}
	heads = walk.heads;
	gov_audit_chain(lines, prefix, first, n, &heads, key, keylen);
	for (i = 0; i < n; i++)
	{
		if (!gov_audit_walk_line(&walk, lines[i], lens[i], &bad, why, sizeof(why)))
		{
			printf("FAILED: %d lines from %llu, key of %zu bytes, line %d: %s\n",
				   n, (unsigned long long) first, keylen, i, why);
			ok = 0;
			break;
		}
	}
	if (ok && memcmp(&heads, &walk.heads, sizeof(heads)) != 0)
	{
		printf("FAILED: %d lines, key of %zu bytes: wrong strand heads\n", n, keylen);
		ok = 0;
	}
	gov_audit_keyring_free(&ring);
	return ok;
}

/* JSON string escaping written the plain way, to check the fast one. */
static size_t
reference_escape(const char *v, size_t n, char *out)
{
	size_t		o = 0,
				i;

	out[o++] = '"';
	for (i = 0; i < n; i++)
	{
		unsigned char c = (unsigned char) v[i];

		if (c == '"' || c == '\\')
		{
			out[o++] = '\\';
			out[o++] = (char) c;
		}
		else if (c == '\n')
			o += sprintf(out + o, "\\n");
		else if (c == '\r')
			o += sprintf(out + o, "\\r");
		else if (c == '\t')
			o += sprintf(out + o, "\\t");
		else if (c < 0x20 || c == 0x7f)
			o += sprintf(out + o, "\\u%04x", c);
		else
			out[o++] = (char) c;
	}
	out[o++] = '"';
	out[o] = '\0';
	return o;
}

/*
 * Render a one-field record whose value is every length up to 70 with a
 * byte that needs escaping at every position (and none), from a record
 * that ends on the last byte of a page followed by an unmapped page, so
 * a scan reading past the value's end would crash; compare with the
 * plain escaper.
 */
static int
check_escaping(void)
{
	static const char specials[] = {'"', '\\', '\n', '\r', '\t', 0x01, 0x1f, 0x7f, (char) 0xc3};
	long		page = sysconf(_SC_PAGESIZE);
	char	   *map = mmap(NULL, 2 * page, PROT_READ | PROT_WRITE,
						   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char		rec[256],
				value[80],
				expect[600],
				out[1024];
	int			len,
				pos,
				k,
				bad = 0;

	if (map == MAP_FAILED || mprotect(map + page, page, PROT_NONE) != 0)
	{
		printf("FAILED: cannot map a guard page\n");
		return 0;
	}
	for (len = 0; len <= 70; len++)
		for (pos = -1; pos < len; pos++)
			for (k = 0; k < (int) sizeof(specials); k++)
			{
				GovAuditRecord r;
				size_t		rl,
							prefix,
							n,
							el;
				char	   *at;
				char	   *v;

				memset(value, 'a' + len % 26, len);
				if (pos >= 0)
					value[pos] = specials[k];
				value[len] = '\0';
				gov_audit_record_init(&r, rec, sizeof(rec));
				gov_audit_put_str(&r, GOV_AF_STATEMENT, value);
				rl = gov_audit_record_finish(&r);
				at = map + page - rl;
				memcpy(at, rec, rl);
				n = gov_audit_render_line(at, rl, 7, out, sizeof(out), &prefix);
				el = reference_escape(value, len, expect);
				v = strstr(out, "\"statement\":");
				if (n == 0 || v == NULL || strncmp(v + 12, expect, el) != 0 ||
					strncmp(v + 12 + el, ",\"prev_hash\"", 12) != 0)
				{
					if (bad++ < 3)
						printf("FAILED: escaping a value of %d bytes, byte 0x%02x at %d: %s\n",
							   len, (unsigned char) specials[k], pos, out);
				}
				if (pos < 0)
					break;		/* no special byte: one case, not one per k */
			}
	munmap(map, 2 * page);
	return bad == 0;
}

static double
cpu_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
	return t.tv_sec * 1e9 + t.tv_nsec;
}

/* CPU per event: 0 render only, 1 render + per-line OpenSSL, 2 batched. */
static double
time_events(int mode, const unsigned char *key, size_t keylen)
{
	char		rec[GOV_AUDIT_MAX_RECORD];
	char		hash[GOV_AUDIT_HASH_HEX];
	GovAuditHeads heads;
	size_t		rl = make_record(rec, sizeof(rec), -1);
	double		start = cpu_ns();
	int			done,
				i;

	memcpy(hash, gov_audit_genesis_hash, sizeof(hash));
	gov_audit_heads_genesis(&heads);
	for (done = 0; done < EVENTS; done += BATCH)
	{
		size_t		off = 0;

		for (i = 0; i < BATCH; i++)
		{
			lines[i] = buf + off;
			if (mode == 1)
				lens[i] = gov_audit_render(rec, rl, done + i + 1, hash, key, keylen,
										   buf + off, sizeof(buf) - off, hash);
			else
				lens[i] = gov_audit_render_line(rec, rl, done + i + 1, buf + off,
												sizeof(buf) - off, &prefix[i]);
			off += lens[i];
		}
		if (mode == 2)
			gov_audit_chain(lines, prefix, done + 1, BATCH, &heads, key, keylen);
	}
	return (cpu_ns() - start) / EVENTS;
}

int
main(void)
{
	static const size_t keylens[] = {0, 1, 32, 64, 65, 200};
	static const int sizes[] = {0, 1, 2, 3, 7, 8, 9, 15, 16, 17, 100, 1001};
	unsigned char key[200];
	const char *const names[] = {"render only", "render + OpenSSL HMAC per line",
	"render + batched chain"};
	static const char *const simd_names[] = {"no SIMD", "AVX2 (8 lanes)",
	"AVX-512 (16 lanes)"};
	size_t		k;
	size_t		s;
	int			ok = 1,
				escaping,
				level,
				mode;

	for (k = 0; k < sizeof(key); k++)
		key[k] = (unsigned char) (k * 7 + 3);
	for (level = GOV_CHAIN_SIMD_NONE; level <= GOV_CHAIN_SIMD_AVX512; level++)
	{
		if (gov_audit_chain_simd(level) != level)
			continue;			/* the CPU lacks it */
		printf("checking the chain with %s\n", simd_names[level]);
		for (k = 0; k < sizeof(keylens) / sizeof(keylens[0]); k++)
			for (s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++)
			{
				ok &= check(sizes[s], 1, keylens[k] ? key : NULL, keylens[k]);
				ok &= check(sizes[s], 1000 + s, keylens[k] ? key : NULL, keylens[k]);
			}
	}
	gov_audit_chain_simd(GOV_CHAIN_SIMD_AVX512);
	printf("batched chain = OpenSSL HMAC-SHA-256 chain: %s\n", ok ? "yes" : "NO");
	escaping = check_escaping();
	printf("JSON escaping = plain escaping, values at a page's end: %s\n",
		   escaping ? "yes" : "NO");
	ok &= escaping;
	printf("timed with %s\n", simd_names[gov_audit_chain_simd(-1)]);

	printf("CPU per select-only event (%d events, batches of %d, best of 5):\n",
		   EVENTS, BATCH);
	for (mode = 0; mode < 3; mode++)
	{
		double		best = 1e18;
		int			run;

		for (run = 0; run < 5; run++)
		{
			double		t = time_events(mode, key, 32);

			if (t < best)
				best = t;
		}
		printf("  %-32s %6.0f ns\n", names[mode], best);
	}
	return ok ? 0 : 1;
}
