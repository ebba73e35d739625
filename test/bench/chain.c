/*-------------------------------------------------------------------------
 *
 * chain.c
 *	  What the audit worker spends per event on rendering and hashing,
 *	  and a check that the batched hash chain is the standard one.
 *
 * The check chains batches of every size that matters to the lanes (0 to
 * 17, 100, 1001 lines) of lines of many lengths, with no key and with
 * keys shorter than, as long as and longer than a SHA-256 block, and
 * verifies every line with gov_audit_check_line, which hashes with
 * OpenSSL's HMAC: a line chained wrongly fails.  The timing renders and
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
#include <time.h>

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

/* Chain n lines of varied lengths and verify each with OpenSSL. */
static int
check(int n, const unsigned char *key, size_t keylen)
{
	char		rec[GOV_AUDIT_MAX_RECORD];
	char		hash[GOV_AUDIT_HASH_HEX],
				expect[GOV_AUDIT_HASH_HEX],
				why[256];
	size_t		off = 0;
	uint64_t	seq;
	int			i;

	for (i = 0; i < n; i++)
	{
		size_t		rl = make_record(rec, sizeof(rec), (i * 37) % 700);

		lines[i] = buf + off;
		lens[i] = gov_audit_render_line(rec, rl, 1000 + i, buf + off,
										sizeof(buf) - off, &prefix[i]);
		if (lens[i] == 0)
			return 0;
		off += lens[i];
	}
	/* Chained from some earlier line, not only from the genesis hash. */
	memcpy(hash, "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", 65);
	memcpy(expect, hash, sizeof(hash));
	gov_audit_chain(lines, prefix, n, hash, key, keylen, hash);
	for (i = 0; i < n; i++)
	{
		char		prev[GOV_AUDIT_HASH_HEX];

		memcpy(prev, expect, sizeof(prev));
		if (!gov_audit_check_line(lines[i], lens[i], 1000 + i, prev, key, keylen,
								  &seq, expect, why, sizeof(why)))
		{
			printf("FAILED: %d lines, key of %zu bytes, line %d: %s\n",
				   n, keylen, i, why);
			return 0;
		}
	}
	if (memcmp(hash, expect, 64) != 0)
	{
		printf("FAILED: %d lines, key of %zu bytes: wrong last hash\n", n, keylen);
		return 0;
	}
	return 1;
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
	size_t		rl = make_record(rec, sizeof(rec), -1);
	double		start = cpu_ns();
	int			done,
				i;

	memcpy(hash, gov_audit_genesis_hash, sizeof(hash));
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
			gov_audit_chain(lines, prefix, BATCH, hash, key, keylen, hash);
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
	size_t		k;
	size_t		s;
	int			ok = 1,
				mode;

	for (k = 0; k < sizeof(key); k++)
		key[k] = (unsigned char) (k * 7 + 3);
	for (k = 0; k < sizeof(keylens) / sizeof(keylens[0]); k++)
		for (s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++)
			ok &= check(sizes[s], keylens[k] ? key : NULL, keylens[k]);
	printf("batched chain = OpenSSL HMAC-SHA-256 chain: %s\n", ok ? "yes" : "NO");

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
