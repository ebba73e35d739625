/*-------------------------------------------------------------------------
 *
 * line_check.c
 *	  Checking the lines of the audit trail: each line's own hash, its link
 *	  to the line it chains to, and the run of sequence numbers.
 *
 * Plain C, no server headers, like record.c: the worker (reading where
 * the trail stands when it starts), the command-line verifier
 * (tools/verify-audit) and the unit tests and fuzzer share it.  A line is
 * untrusted input here: it may be cut, altered or made up, and every
 * read stays within its length.
 *
 * src/audit/line_check.c
 *
 *-------------------------------------------------------------------------
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "governance/audit_record.h"

/*
 * The sequence number a line starts with ({"seq":N,), read within its
 * length: a line is not a string, and a cut one may end in digits.  Returns
 * the offset just past N, or 0 if the line does not start so.
 */
size_t
gov_audit_line_seq(const char *line, size_t len, uint64_t *seq)
{
	size_t		i = 7;

	*seq = 0;
	if (len < 8 || memcmp(line, "{\"seq\":", 7) != 0)
		return 0;
	while (i < len && line[i] >= '0' && line[i] <= '9')
	{
		unsigned	d = (unsigned) (line[i] - '0');

		if (*seq > (UINT64_MAX - d) / 10)
			return 0;
		*seq = *seq * 10 + d;
		i++;
	}
	return i == 7 ? 0 : i;
}

bool
gov_audit_check_line(const char *line, size_t len, uint64_t expect_seq,
					 const char *prev_hash, const unsigned char *key,
					 size_t keylen, uint64_t *seq_out, char *hash_out,
					 char *why, size_t whylen)
{
	static const char hash_key[] = ",\"hash\":\"";
	static const char prev_key[] = ",\"prev_hash\":\"";
	const char *h = NULL;
	const char *p;
	char		computed[GOV_AUDIT_HASH_HEX];
	unsigned long long seq;
	uint64_t	seq64;
	size_t		end;

	while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
		len--;
	if (len < 20 || memcmp(line, "{\"seq\":", 7) != 0)
	{
		snprintf(why, whylen, "line does not start with a sequence number");
		return false;
	}
	end = gov_audit_line_seq(line, len, &seq64);
	seq = seq64;
	if (end == 0 || end >= len || line[end] != ',')
	{
		snprintf(why, whylen, "sequence number is not a number");
		return false;
	}
	/* The hash member is the last one: find its last occurrence. */
	for (p = line; p + sizeof(hash_key) - 1 <= line + len; p++)
		if (memcmp(p, hash_key, sizeof(hash_key) - 1) == 0)
			h = p;
	if (h == NULL || (size_t) (line + len - h) != sizeof(hash_key) - 1 + 64 + 2 ||
		memcmp(line + len - 2, "\"}", 2) != 0)
	{
		snprintf(why, whylen, "line %llu has no trailing hash", seq);
		return false;
	}
	if (h - line < (ptrdiff_t) (sizeof(prev_key) - 1 + 65) ||
		memcmp(h - 65 - (sizeof(prev_key) - 1), prev_key, sizeof(prev_key) - 1) != 0)
	{
		snprintf(why, whylen, "line %llu has no prev_hash before its hash", seq);
		return false;
	}
	if (expect_seq != 0 && seq != expect_seq)
	{
		snprintf(why, whylen, "expected sequence number %llu, found %llu (a line was deleted, inserted or moved)",
				 (unsigned long long) expect_seq, seq);
		/* The trail is intact up to the line that should be here. */
		*seq_out = expect_seq;
		return false;
	}
	if (prev_hash != NULL && memcmp(h - 65, prev_hash, 64) != 0)
	{
		if (seq > GOV_AUDIT_STRANDS)
			snprintf(why, whylen, "line %llu does not chain to line %llu (its prev_hash is not that line's hash)",
					 seq, seq - GOV_AUDIT_STRANDS);
		else
			snprintf(why, whylen, "line %llu does not chain to the start of the trail", seq);
		*seq_out = seq;
		return false;
	}
	gov_audit_hash(key, keylen, line, (size_t) (h - line), computed);
	if (CRYPTO_memcmp(computed, h + sizeof(hash_key) - 1, 64) != 0)
	{
		snprintf(why, whylen, "line %llu was altered (its hash does not match)", seq);
		*seq_out = seq;
		return false;
	}
	*seq_out = seq;
	memcpy(hash_out, computed, GOV_AUDIT_HASH_HEX);
	return true;
}

bool
gov_audit_line_tail(const char *line, size_t len, uint64_t *seq,
					char *hash_out)
{
	static const char hash_key[] = ",\"hash\":\"";
	size_t		hl = sizeof(hash_key) - 1;

	while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
		len--;
	if (len < 7 + hl + 64 + 2 || strncmp(line, "{\"seq\":", 7) != 0 ||
		memcmp(line + len - 2 - 64 - hl, hash_key, hl) != 0)
		return false;
	if (gov_audit_line_seq(line, len, seq) == 0)
		return false;
	memcpy(hash_out, line + len - 2 - 64, 64);
	hash_out[64] = '\0';
	return true;
}

void
gov_audit_heads_genesis(GovAuditHeads *heads)
{
	int			i;

	for (i = 0; i < GOV_AUDIT_STRANDS; i++)
		memcpy(heads->hash[i], gov_audit_genesis_hash, GOV_AUDIT_HASH_HEX);
}

void
gov_audit_walk_start(GovAuditWalk *walk, uint64_t first_seq)
{
	memset(walk, 0, sizeof(*walk));
	walk->expect = first_seq;
	if (first_seq == 1)
	{
		gov_audit_heads_genesis(&walk->heads);
		walk->known = (1u << GOV_AUDIT_STRANDS) - 1;
	}
}

bool
gov_audit_walk_line(GovAuditWalk *walk, const char *line, size_t len,
					const unsigned char *key, size_t keylen,
					uint64_t *bad_seq, char *why, size_t whylen)
{
	const char *prev = NULL;
	uint64_t	seq = 0;
	char		hash[GOV_AUDIT_HASH_HEX];

	/* The line must carry expect, so its strand is known before reading it. */
	if (walk->expect != 0 &&
		(walk->known & (1u << GOV_AUDIT_STRAND(walk->expect))))
		prev = walk->heads.hash[GOV_AUDIT_STRAND(walk->expect)];
	if (!gov_audit_check_line(line, len, walk->expect, prev, key, keylen,
							  &seq, hash, why, whylen))
	{
		*bad_seq = seq != 0 ? seq : walk->expect;
		return false;
	}
	memcpy(walk->heads.hash[GOV_AUDIT_STRAND(seq)], hash, GOV_AUDIT_HASH_HEX);
	walk->known |= 1u << GOV_AUDIT_STRAND(seq);
	walk->expect = seq + 1;
	walk->events++;
	return true;
}

void
gov_audit_walk_start_anchored(GovAuditWalk *walk, uint64_t next_seq,
							  const GovAuditHeads *heads)
{
	memset(walk, 0, sizeof(*walk));
	walk->expect = next_seq;
	walk->heads = *heads;
	walk->known = (1u << GOV_AUDIT_STRANDS) - 1;
}

/*
 * The anchor is text: "governance-anchor 1", "next_seq N", one "head"
 * line per strand, then "seal" and the hash of everything before it.
 */
size_t
gov_audit_anchor_render(uint64_t next_seq, const GovAuditHeads *heads,
						const unsigned char *key, size_t keylen,
						char *out, size_t outlen)
{
	size_t		used;
	int			n;
	char		seal[GOV_AUDIT_HASH_HEX];

	n = snprintf(out, outlen, "governance-anchor 1\nnext_seq %llu\n",
				 (unsigned long long) next_seq);
	if (n < 0 || (size_t) n >= outlen)
		return 0;
	used = (size_t) n;
	for (int i = 0; i < GOV_AUDIT_STRANDS; i++)
	{
		n = snprintf(out + used, outlen - used, "head %.64s\n", heads->hash[i]);
		if (n < 0 || (size_t) n >= outlen - used)
			return 0;
		used += (size_t) n;
	}
	gov_audit_hash(key, keylen, out, used, seal);
	n = snprintf(out + used, outlen - used, "seal %.64s\n", seal);
	if (n < 0 || (size_t) n >= outlen - used)
		return 0;
	return used + (size_t) n;
}

bool
gov_audit_anchor_parse(const char *buf, size_t len, const unsigned char *key,
					   size_t keylen, uint64_t *next_seq, GovAuditHeads *heads,
					   char *why, size_t whylen)
{
	static const char magic[] = "governance-anchor 1\nnext_seq ";
	const char *p = buf;
	const char *end = buf + len;
	const char *sealed;
	char		seal[GOV_AUDIT_HASH_HEX];
	uint64_t	seq = 0;

	if (len < sizeof(magic) - 1 || memcmp(buf, magic, sizeof(magic) - 1) != 0)
	{
		snprintf(why, whylen, "the anchor is not one this extension wrote");
		return false;
	}
	p += sizeof(magic) - 1;
	while (p < end && *p >= '0' && *p <= '9')
	{
		if (seq > (UINT64_MAX - 9) / 10)
			break;
		seq = seq * 10 + (uint64_t) (*p++ - '0');
	}
	if (p >= end || *p++ != '\n' || seq < 2)
	{
		snprintf(why, whylen, "the anchor's sequence number is not valid");
		return false;
	}
	for (int i = 0; i < GOV_AUDIT_STRANDS; i++)
	{
		if (end - p < 5 + 64 + 1 || memcmp(p, "head ", 5) != 0 || p[5 + 64] != '\n')
		{
			snprintf(why, whylen, "the anchor's head %d is not valid", i);
			return false;
		}
		for (int j = 0; j < 64; j++)
			if (strchr("0123456789abcdef", p[5 + j]) == NULL || p[5 + j] == '\0')
			{
				snprintf(why, whylen, "the anchor's head %d is not valid", i);
				return false;
			}
		memcpy(heads->hash[i], p + 5, 64);
		heads->hash[i][64] = '\0';
		p += 5 + 64 + 1;
	}
	sealed = p;
	gov_audit_hash(key, keylen, buf, (size_t) (sealed - buf), seal);
	if (end - p != 5 + 64 + 1 || memcmp(p, "seal ", 5) != 0 || p[5 + 64] != '\n' ||
		memcmp(p + 5, seal, 64) != 0)
	{
		snprintf(why, whylen, "the anchor's seal does not match (altered, or sealed with another key)");
		return false;
	}
	*next_seq = seq;
	return true;
}
