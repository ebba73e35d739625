/*-------------------------------------------------------------------------
 *
 * line_check.c
 *	  Checking the lines of the audit trail: each line's own hash, its link
 *	  to the line it chains to, and the run of sequence numbers; the keys
 *	  the chain is made with, and the key_rolled events that change them.
 *
 * Plain C, no server headers, like record.c: the worker (reading where
 * the trail stands when it starts), the command-line verifier
 * (tools/verify-audit) and the unit tests and fuzzer share it.  A line is
 * untrusted input here: it may be cut, altered or made up, and every
 * read stays within its length.  Nothing a line says is believed before
 * it verifies under the key in force: only then may a key_rolled event
 * move the walk to another key, and only to one the verifier was given.
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

/*
 * gov_audit_check_line, also saying whether the line failed only because
 * its hash does not match (*hash_failed): a well-formed line that another
 * key may verify.
 */
static bool
gov_check_line(const char *line, size_t len, uint64_t expect_seq,
			   const char *prev_hash, const unsigned char *key,
			   size_t keylen, uint64_t *seq_out, char *hash_out,
			   bool *hash_failed, char *why, size_t whylen)
{
	static const char hash_key[] = ",\"hash\":\"";
	static const char prev_key[] = ",\"prev_hash\":\"";
	const char *h = NULL;
	const char *p;
	char		computed[GOV_AUDIT_HASH_HEX];
	unsigned long long seq;
	uint64_t	seq64;
	size_t		end;

	*hash_failed = false;
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
		*hash_failed = true;
		return false;
	}
	*seq_out = seq;
	memcpy(hash_out, computed, GOV_AUDIT_HASH_HEX);
	return true;
}

bool
gov_audit_check_line(const char *line, size_t len, uint64_t expect_seq,
					 const char *prev_hash, const unsigned char *key,
					 size_t keylen, uint64_t *seq_out, char *hash_out,
					 char *why, size_t whylen)
{
	bool		hash_failed;

	return gov_check_line(line, len, expect_seq, prev_hash, key, keylen,
						  seq_out, hash_out, &hash_failed, why, whylen);
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

bool
gov_audit_line_links(const char *line, size_t len, uint64_t *seq, char *prev_out,
					 char *hash_out)
{
	static const char prev_key[] = ",\"prev_hash\":\"";
	static const char hash_key[] = "\",\"hash\":\"";
	size_t		pl = sizeof(prev_key) - 1;
	size_t		hl = sizeof(hash_key) - 1;

	while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
		len--;
	/* ...,"prev_hash":"<64>","hash":"<64>"} */
	if (len < 7 + pl + 64 + hl + 64 + 2 ||
		memcmp(line + len - 2 - 64 - hl - 64 - pl, prev_key, pl) != 0 ||
		memcmp(line + len - 2 - 64 - hl, hash_key, hl) != 0 ||
		!gov_audit_line_tail(line, len, seq, hash_out))
		return false;
	memcpy(prev_out, line + len - 2 - 64 - hl - 64, 64);
	prev_out[64] = '\0';
	return true;
}

void
gov_audit_heads_genesis(GovAuditHeads *heads)
{
	int			i;

	for (i = 0; i < GOV_AUDIT_STRANDS; i++)
		memcpy(heads->hash[i], gov_audit_genesis_hash, GOV_AUDIT_HASH_HEX);
}


uint64_t
gov_audit_file_first_seq(const char *path)
{
	const char *name = strrchr(path, '/');
	size_t		plen = strlen(GOV_AUDIT_FILE_PREFIX);
	size_t		slen = strlen(GOV_AUDIT_FILE_SUFFIX);
	uint64_t	seq = 0;

	/*
	 * Exactly audit-<20 digits, not all zero>.jsonl: the name says where
	 * the file starts in the trail, and is handed to the archive command,
	 * so nothing else is one of ours.
	 */
	name = name ? name + 1 : path;
	if (strlen(name) != plen + 20 + slen ||
		strncmp(name, GOV_AUDIT_FILE_PREFIX, plen) != 0 ||
		strcmp(name + plen + 20, GOV_AUDIT_FILE_SUFFIX) != 0)
		return 0;
	for (int i = 0; i < 20; i++)
	{
		unsigned	d = (unsigned) (name[plen + i] - '0');

		if (name[plen + i] < '0' || name[plen + i] > '9' ||
			seq > (UINT64_MAX - d) / 10)
			return 0;
		seq = seq * 10 + d;
	}
	return seq;
}

/* ---------------------------------------------------------------------
 * Keys
 * ---------------------------------------------------------------------
 */

void
gov_audit_key_id(const unsigned char *key, size_t keylen, char *id_out)
{
	char		hex[GOV_AUDIT_HASH_HEX];

	if (key == NULL)
	{
		strcpy(id_out, GOV_AUDIT_KEY_NONE);
		return;
	}
	gov_audit_hash(key, keylen, GOV_AUDIT_KEY_ID_TEXT,
				   sizeof(GOV_AUDIT_KEY_ID_TEXT) - 1, hex);
	memcpy(id_out, hex, GOV_AUDIT_KEY_ID_LEN - 1);
	id_out[GOV_AUDIT_KEY_ID_LEN - 1] = '\0';
}

void
gov_audit_keyring_init(GovAuditKeyring *ring)
{
	memset(ring, 0, sizeof(*ring));
}

bool
gov_audit_keyring_add(GovAuditKeyring *ring, const unsigned char *key,
					  size_t keylen)
{
	GovAuditKey *k;
	char		id[GOV_AUDIT_KEY_ID_LEN];

	gov_audit_key_id(key, keylen, id);
	if (gov_audit_keyring_find(ring, id) >= 0)
		return true;
	if (ring->nkeys >= GOV_AUDIT_MAX_KEYS)
		return false;
	k = &ring->keys[ring->nkeys];
	k->key = NULL;
	k->keylen = 0;
	if (key != NULL)
	{
		if ((k->key = malloc(keylen > 0 ? keylen : 1)) == NULL)
			return false;
		memcpy(k->key, key, keylen);
		k->keylen = keylen;
	}
	memcpy(k->id, id, GOV_AUDIT_KEY_ID_LEN);
	ring->nkeys++;
	return true;
}

int
gov_audit_keyring_find(const GovAuditKeyring *ring, const char *id)
{
	for (int i = 0; i < ring->nkeys; i++)
		if (strcmp(ring->keys[i].id, id) == 0)
			return i;
	return -1;
}

void
gov_audit_keyring_free(GovAuditKeyring *ring)
{
	for (int i = 0; i < ring->nkeys; i++)
		if (ring->keys[i].key != NULL)
		{
			OPENSSL_cleanse(ring->keys[i].key, ring->keys[i].keylen);
			free(ring->keys[i].key);
		}
	gov_audit_keyring_init(ring);
}

/* ---------------------------------------------------------------------
 * Rolling the key
 * ---------------------------------------------------------------------
 */

void
gov_audit_roll_proof(const unsigned char *newkey, size_t newkeylen, uint64_t seq,
					 const char *old_id, const char *new_id, char *hex_out)
{
	char		text[128];
	int			n;

	n = snprintf(text, sizeof(text), "governance audit key roll\nseq %llu\nold_key %s\nnew_key %s\n",
				 (unsigned long long) seq, old_id, new_id);
	gov_audit_hash(newkey, newkeylen, text, (size_t) n, hex_out);
}

/*
 * The value of a line's string member name, copied into out: at most
 * outlen - 1 characters of [0-9a-z_].  The member is found by ,"name":"
 * -- a quote after a comma is never escaped, so in a line the worker
 * rendered it is outside every string, and no statement's text can
 * imitate it.  Only lines that verified under a key are read so.
 */
static bool
gov_line_member(const char *line, size_t len, const char *name, char *out,
				size_t outlen)
{
	char		pat[64];
	size_t		plen;

	plen = (size_t) snprintf(pat, sizeof(pat), ",\"%s\":\"", name);
	for (size_t i = 0; i + plen <= len; i++)
	{
		size_t		j = 0;

		if (memcmp(line + i, pat, plen) != 0)
			continue;
		for (i += plen; i < len && line[i] != '"'; i++, j++)
		{
			if (j + 1 >= outlen ||
				!((line[i] >= '0' && line[i] <= '9') ||
				  (line[i] >= 'a' && line[i] <= 'z') || line[i] == '_'))
				return false;
			out[j] = line[i];
		}
		out[j] = '\0';
		return i < len && j > 0;
	}
	return false;
}

/*
 * The key in force after a line that verified under ring key k: k, or the
 * key a key_rolled event moves to once it proves it.  -1 with why if the
 * event names a key the ring lacks, another key before it, or its proof
 * does not match.  allow_unknown accepts an event chained with its new
 * key that says the key before it was unknown (where the worker resumes a
 * trail; a verifier never crosses one).
 */
static int
gov_roll_target(const GovAuditKeyring *ring, int k, const char *line, size_t len,
				uint64_t seq, bool allow_unknown, char *why, size_t whylen)
{
	char		type[16];
	char		old_id[GOV_AUDIT_KEY_ID_LEN + 8];
	char		new_id[GOV_AUDIT_KEY_ID_LEN];
	char		proof[GOV_AUDIT_HASH_HEX];
	char		expect[GOV_AUDIT_HASH_HEX];
	unsigned long long s = seq;
	int			t;

	if (!gov_line_member(line, len, "type", type, sizeof(type)) ||
		strcmp(type, GOV_AUDIT_KEY_ROLLED) != 0)
		return k;
	if (!gov_line_member(line, len, "old_key", old_id, sizeof(old_id)) ||
		!gov_line_member(line, len, "new_key", new_id, sizeof(new_id)) ||
		!gov_line_member(line, len, "new_key_proof", proof, sizeof(proof)) ||
		strlen(proof) != 64)
	{
		snprintf(why, whylen, "line %llu is a key_rolled event without a valid old_key, new_key and new_key_proof", s);
		return -1;
	}
	t = gov_audit_keyring_find(ring, new_id);
	if (t < 0)
	{
		snprintf(why, whylen, "line %llu rolls the chain key to key %s, which is not among the keys given", s, new_id);
		return -1;
	}
	if (strcmp(old_id, ring->keys[k].id) != 0 &&
		!(allow_unknown && t == k && strcmp(old_id, GOV_AUDIT_KEY_UNKNOWN) == 0))
	{
		snprintf(why, whylen, "line %llu rolls the chain key from key %s, but it is chained under key %s",
				 s, old_id, ring->keys[k].id);
		return -1;
	}
	gov_audit_roll_proof(ring->keys[t].key, ring->keys[t].keylen, seq, old_id,
						 new_id, expect);
	if (CRYPTO_memcmp(expect, proof, 64) != 0)
	{
		snprintf(why, whylen, "line %llu's proof of the new key does not match", s);
		return -1;
	}
	return t;
}

int
gov_audit_keyring_end_key(const GovAuditKeyring *ring, const char *line,
						  size_t len)
{
	for (int k = 0; k < ring->nkeys; k++)
	{
		uint64_t	seq;
		char		hash[GOV_AUDIT_HASH_HEX];
		char		why[256];
		bool		hash_failed;

		if (gov_check_line(line, len, 0, NULL, ring->keys[k].key, ring->keys[k].keylen,
						   &seq, hash, &hash_failed, why, sizeof(why)))
			return gov_roll_target(ring, k, line, len, seq, true, why, sizeof(why));
	}
	return -1;
}

/* ---------------------------------------------------------------------
 * Walking a trail
 * ---------------------------------------------------------------------
 */

void
gov_audit_walk_start(GovAuditWalk *walk, uint64_t first_seq,
					 const GovAuditKeyring *ring)
{
	memset(walk, 0, sizeof(*walk));
	walk->expect = first_seq;
	walk->ring = ring;
	walk->key = -1;
	walk->anchor_seal_key = -1;
	walk->anchor_key = -1;
	if (first_seq == 1)
	{
		gov_audit_heads_genesis(&walk->heads);
		walk->known = (1u << GOV_AUDIT_STRANDS) - 1;
	}
}

void
gov_audit_walk_start_anchored(GovAuditWalk *walk, uint64_t next_seq,
							  const GovAuditHeads *heads,
							  const GovAuditKeyring *ring, int key)
{
	memset(walk, 0, sizeof(*walk));
	walk->expect = next_seq;
	walk->heads = *heads;
	walk->known = (1u << GOV_AUDIT_STRANDS) - 1;
	walk->ring = ring;
	walk->key = key;
	walk->key_since = next_seq;
	walk->anchor_seal_key = -1;
	walk->anchor_key = -1;
}

/*
 * A line whose hash does not match under the key in force: if another key
 * of the ring verifies it, say which, since that is what happened (a line
 * forged with a retired key, or a key changed with no roll the verifier
 * can follow) rather than an altered byte.
 */
static void
gov_explain_other_key(const GovAuditWalk *walk, const char *line, size_t len,
					  char *why, size_t whylen)
{
	const GovAuditKeyring *ring = walk->ring;
	const char *in_force = ring->keys[walk->key].id;

	for (int k = 0; k < ring->nkeys; k++)
	{
		uint64_t	seq;
		char		hash[GOV_AUDIT_HASH_HEX];
		char		w[256];
		char		old_id[GOV_AUDIT_KEY_ID_LEN + 8];
		bool		hash_failed;
		unsigned long long s;

		if (k == walk->key ||
			!gov_check_line(line, len, 0, NULL, ring->keys[k].key, ring->keys[k].keylen,
							&seq, hash, &hash_failed, w, sizeof(w)))
			continue;
		s = seq;
		if (gov_line_member(line, len, "old_key", old_id, sizeof(old_id)) &&
			strcmp(old_id, GOV_AUDIT_KEY_UNKNOWN) == 0)
			snprintf(why, whylen, "line %llu rolls the chain key from a key the audit worker could not vouch for (old_key \"unknown\"): it is chained under key %s, the lines before it under key %s; the key changed while the server was not running, or the end of the trail was altered before a restart",
					 s, ring->keys[k].id, in_force);
		else
			snprintf(why, whylen, "line %llu is chained under key %s, not under key %s, which is in force there (no key_rolled event leads to it)",
					 s, ring->keys[k].id, in_force);
		return;
	}
}

bool
gov_audit_walk_line(GovAuditWalk *walk, const char *line, size_t len,
					uint64_t *bad_seq, char *why, size_t whylen)
{
	const GovAuditKeyring *ring = walk->ring;
	const char *prev = NULL;
	uint64_t	seq = 0;
	char		hash[GOV_AUDIT_HASH_HEX];
	bool		hash_failed = false;
	int			k = walk->key;

	/* The line must carry expect, so its strand is known before reading it. */
	if (walk->expect != 0 &&
		(walk->known & (1u << GOV_AUDIT_STRAND(walk->expect))))
		prev = walk->heads.hash[GOV_AUDIT_STRAND(walk->expect)];
	if (k < 0)
	{
		/* The first line: the key in force is the one that verifies it. */
		for (k = 0; k < ring->nkeys; k++)
			if (gov_check_line(line, len, walk->expect, prev, ring->keys[k].key,
							   ring->keys[k].keylen, &seq, hash, &hash_failed,
							   why, whylen))
				break;
		if (k == ring->nkeys)
		{
			*bad_seq = seq != 0 ? seq : walk->expect;
			if (hash_failed || ring->nkeys == 0)
				snprintf(why, whylen, "the first line does not verify under any key given (sequence number %llu)",
						 (unsigned long long) *bad_seq);
			return false;
		}
		walk->key_since = seq;
	}
	else if (!gov_check_line(line, len, walk->expect, prev, ring->keys[k].key,
							 ring->keys[k].keylen, &seq, hash, &hash_failed,
							 why, whylen))
	{
		*bad_seq = seq != 0 ? seq : walk->expect;
		if (hash_failed)
			gov_explain_other_key(walk, line, len, why, whylen);
		return false;
	}

	/* It verified under the key in force: only now is its content believed. */
	walk->key = gov_roll_target(ring, k, line, len, seq, false, why, whylen);
	if (walk->key < 0)
	{
		walk->key = k;
		*bad_seq = seq;
		return false;
	}
	if (walk->key != k)
		walk->key_since = seq + 1;
	memcpy(walk->heads.hash[GOV_AUDIT_STRAND(seq)], hash, GOV_AUDIT_HASH_HEX);
	walk->known |= 1u << GOV_AUDIT_STRAND(seq);
	walk->expect = seq + 1;
	walk->events++;

	/*
	 * The walk reaches the anchor (a file before it was left, a removal
	 * cut short): the trail must go on from exactly what it records.
	 */
	if (walk->anchor_seq != 0 && walk->expect == walk->anchor_seq)
	{
		bool		match = walk->key == walk->anchor_key;

		/*
		 * Every strand walked so far must end where the anchor says; the
		 * others (a short first file) take the anchor's heads, which the
		 * lines after it must chain to.
		 */
		for (int i = 0; i < GOV_AUDIT_STRANDS && match; i++)
		{
			if (walk->known & (1u << i))
				match = memcmp(walk->heads.hash[i], walk->anchor_heads.hash[i], 64) == 0;
			else
				memcpy(walk->heads.hash[i], walk->anchor_heads.hash[i], GOV_AUDIT_HASH_HEX);
		}
		if (!match)
		{
			*bad_seq = walk->anchor_seq;
			snprintf(why, whylen, "the trail before sequence number %llu does not lead to the anchor (its hashes or its key differ from what the anchor records)",
					 (unsigned long long) walk->anchor_seq);
			return false;
		}
		walk->known = (1u << GOV_AUDIT_STRANDS) - 1;
		walk->anchor_passed = true;
	}
	return true;
}

/*
 * The anchor is text: "governance-anchor 1", "next_seq N", "key <id>"
 * (the key in force at N), one "head" line per strand, then "seal" and
 * the hash of everything before it with the key the trail ends under.
 */
size_t
gov_audit_anchor_render(uint64_t next_seq, const GovAuditHeads *heads,
						const char *key_in_force, const unsigned char *key,
						size_t keylen, char *out, size_t outlen)
{
	size_t		used;
	int			n;
	char		seal[GOV_AUDIT_HASH_HEX];

	n = snprintf(out, outlen, "governance-anchor 1\nnext_seq %llu\nkey %s\n",
				 (unsigned long long) next_seq, key_in_force);
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
gov_audit_anchor_parse(const char *buf, size_t len, const GovAuditKeyring *ring,
					   uint64_t *next_seq, GovAuditHeads *heads, int *key_out,
					   int *seal_key_out, char *why, size_t whylen)
{
	static const char magic[] = "governance-anchor 1\nnext_seq ";
	const char *p = buf;
	const char *end = buf + len;
	uint64_t	seq = 0;
	char		in_force[GOV_AUDIT_KEY_ID_LEN];

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
	{
		/* "key <id>\n": the key in force at seq. */
		const char *nl = memchr(p, '\n', end - p);

		if (end - p < 5 || memcmp(p, "key ", 4) != 0 || nl == NULL ||
			nl - (p + 4) >= GOV_AUDIT_KEY_ID_LEN)
		{
			snprintf(why, whylen, "the anchor does not name the key in force where it stands");
			return false;
		}
		memcpy(in_force, p + 4, nl - (p + 4));
		in_force[nl - (p + 4)] = '\0';
		p = nl + 1;
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
	if (end - p != 5 + 64 + 1 || memcmp(p, "seal ", 5) != 0 || p[5 + 64] != '\n')
	{
		snprintf(why, whylen, "the anchor's seal does not match (altered, or sealed with another key)");
		return false;
	}
	/*
	 * Sealed with the key the trail ends under: which one is told here and
	 * checked once the walk has reached the end (gov_audit_walk_end).
	 */
	for (int k = 0; k < ring->nkeys; k++)
	{
		char		seal[GOV_AUDIT_HASH_HEX];

		gov_audit_hash(ring->keys[k].key, ring->keys[k].keylen, buf,
					   (size_t) (p - buf), seal);
		if (CRYPTO_memcmp(p + 5, seal, 64) == 0)
		{
			*key_out = gov_audit_keyring_find(ring, in_force);
			if (*key_out < 0)
			{
				snprintf(why, whylen, "the anchor names key %s in force at sequence number %llu, which is not among the keys given",
						 in_force, (unsigned long long) seq);
				return false;
			}
			*next_seq = seq;
			*seal_key_out = k;
			return true;
		}
	}
	snprintf(why, whylen, "the anchor's seal does not match (altered, or sealed with another key)");
	return false;
}

bool
gov_audit_walk_start_trail(GovAuditWalk *walk, uint64_t first_seq,
						   const char *anchor, size_t anchor_len,
						   const GovAuditKeyring *ring, uint64_t *bad_seq,
						   char *why, size_t whylen)
{
	GovAuditHeads heads;
	uint64_t	anchor_seq = 0;
	int			key = -1;
	int			seal_key = -1;

	gov_audit_walk_start(walk, first_seq, ring);
	if (first_seq <= 1)
		return true;

	/*
	 * A trail that does not start at sequence number 1 had its oldest files
	 * removed: it verifies only from the anchor that names its first event.
	 */
	*bad_seq = first_seq - 1;
	if (anchor == NULL)
	{
		snprintf(why, whylen, "the trail does not start at sequence number 1 and no anchor records what came before it");
		return false;
	}
	if (!gov_audit_anchor_parse(anchor, anchor_len, ring, &anchor_seq, &heads,
								&key, &seal_key, why, whylen))
		return false;
	if (anchor_seq < first_seq)
	{
		*bad_seq = anchor_seq;
		snprintf(why, whylen, "events from %llu on are missing: files were removed past the anchor",
				 (unsigned long long) anchor_seq);
		return false;
	}
	/*
	 * At the first file, the walk starts from the anchor; past it (a
	 * removal cut short), the first file is walked from its own first line
	 * and must lead to the anchor.
	 */
	if (anchor_seq == first_seq)
	{
		gov_audit_walk_start_anchored(walk, anchor_seq, &heads, ring, key);
		walk->anchor_passed = true;
	}
	walk->anchor_seq = anchor_seq;
	walk->anchor_heads = heads;
	walk->anchor_key = key;
	walk->anchor_seal_key = seal_key;
	return true;
}

bool
gov_audit_walk_end(const GovAuditWalk *walk, char *why, size_t whylen)
{
	if (walk->anchor_seq != 0 && !walk->anchor_passed)
	{
		snprintf(why, whylen, "the trail ends before the anchor (sequence number %llu): the anchor is not this trail's",
				 (unsigned long long) walk->anchor_seq);
		return false;
	}
	if (walk->anchor_seal_key < 0 || walk->key < 0 ||
		walk->anchor_seal_key == walk->key)
		return true;
	snprintf(why, whylen, "the anchor is sealed with key %s, not with key %s, under which the trail ends: it was not written by the server (a retired key sealed it)",
			 walk->ring->keys[walk->anchor_seal_key].id, walk->ring->keys[walk->key].id);
	return false;
}
