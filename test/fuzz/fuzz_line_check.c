/*-------------------------------------------------------------------------
 *
 * fuzz_line_check.c
 *	  libFuzzer target for the audit trail's line checker.
 *
 * The checker reads files an intruder may have written: every input is a
 * run of lines, walked as a trail (chained without a key, with the fixed
 * key the seeds were chained with, and with that key and a second one it
 * may roll to), each line also checked on
 * its own and its tail read.  Each line is handed over as a heap copy of
 * exactly its length, so AddressSanitizer sees any read beyond it.  Two
 * properties besides what the sanitizers catch: a walk that accepts a
 * line counts it, and one that refuses a line says why and names a
 * sequence number (unless the walk did not know where the trail starts
 * and its first line has none).
 *
 * The seeds in test/fuzz/corpus/line_check are trails written by the
 * extension's own record and chain code.
 *
 * test/fuzz/fuzz_line_check.c
 *
 *-------------------------------------------------------------------------
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "governance/audit_record.h"

static const unsigned char fuzz_key[] = "a chain key of thirty-two bytes!";
/* A second key, so that walks try several keys and key_rolled events. */
static const unsigned char fuzz_roll_key[] = "the key that follows, 32 bytes!!";

static void
fuzz_walk(const uint8_t *data, size_t size, const GovAuditKeyring *ring,
		  uint64_t first)
{
	GovAuditWalk w;
	size_t		start = 0;
	const unsigned char *key = ring->keys[0].key;
	size_t		keylen = ring->keys[0].keylen;

	gov_audit_walk_start(&w, first, ring);
	while (start < size)
	{
		const uint8_t *nl = memchr(data + start, '\n', size - start);
		size_t		len = nl ? (size_t) (nl - (data + start)) + 1 : size - start;
		char	   *line = malloc(len ? len : 1);
		char		why[256] = "";
		char		hash[GOV_AUDIT_HASH_HEX];
		uint64_t	bad = 0,
					seq = 0,
					before = w.events,
					expect = w.expect;

		memcpy(line, data + start, len);
		if (gov_audit_walk_line(&w, line, len, &bad, why, sizeof(why)))
		{
			if (w.events != before + 1)
			{
				fprintf(stderr, "an accepted line was not counted\n");
				abort();
			}
		}
		else if (why[0] == '\0' || (bad == 0 && expect != 0))
		{
			fprintf(stderr, "a refused line has no reason or sequence number\n");
			abort();
		}
		(void) gov_audit_check_line(line, len, 0, NULL, key, keylen, &seq, hash,
									why, sizeof(why));
		(void) gov_audit_line_tail(line, len, &seq, hash);
		(void) gov_audit_keyring_end_key(ring, line, len);
		free(line);
		if (!nl)
			break;
		start += len;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static GovAuditKeyring none,
				keyed,
				both;

	if (none.nkeys == 0)
	{
		gov_audit_keyring_add(&none, NULL, 0);
		gov_audit_keyring_add(&keyed, fuzz_key, sizeof(fuzz_key) - 1);
		gov_audit_keyring_add(&both, fuzz_key, sizeof(fuzz_key) - 1);
		gov_audit_keyring_add(&both, fuzz_roll_key, sizeof(fuzz_roll_key) - 1);
	}
	fuzz_walk(data, size, &none, 1);
	fuzz_walk(data, size, &keyed, 1);
	fuzz_walk(data, size, &keyed, 0);
	fuzz_walk(data, size, &both, 1);
	return 0;
}
