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
 * intact, with a reason.  Trails whose key is rolled are walked with the
 * keys in any order, and forged the way a holder of the old key alone
 * could: a roll to a key the verifier lacks, a proof not made with the
 * new key, the roll line edited, lines after it chained with the old key.  Lines that are not ours at all (empty, binary,
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

/* Render a record as line i of t (sequence number i + 1). */
static void
render(Trail *t, int i, GovAuditRecord *r, size_t *prefix)
{
	size_t		reclen = gov_audit_record_finish(r);

	t->line[i] = malloc(LINE_CAP);
	t->len[i] = gov_audit_render_line(r->data, reclen, (uint64_t) i + 1,
									  t->line[i], LINE_CAP, prefix);
	if (t->len[i] == 0)
	{
		fprintf(stderr, "cannot render line %d\n", i);
		exit(2);
	}
}

/* Line i of t: a statement event. */
static void
render_statement(Trail *t, int i, size_t *prefix)
{
	char		buf[1024];
	char		stmt[64];
	GovAuditRecord r;

	gov_audit_record_init(&r, buf, sizeof(buf));
	gov_audit_put_str(&r, GOV_AF_TYPE, "statement");
	snprintf(stmt, sizeof(stmt), "SELECT %d FROM t WHERE note = 'x\"y'", i);
	gov_audit_put_str(&r, GOV_AF_STATEMENT, stmt);
	gov_audit_put_int(&r, GOV_AF_ROWS, i);
	render(t, i, &r, prefix);
}

/* A trail of NLINES events from sequence number 1, chained with key. */
static void
make_trail(Trail *t, const unsigned char *k, size_t klen)
{
	GovAuditHeads heads;
	size_t		prefix[NLINES];

	gov_audit_heads_genesis(&heads);
	for (int i = 0; i < NLINES; i++)
		render_statement(t, i, &prefix[i]);
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
walk_ring(const Trail *t, const int *order, uint64_t first,
		  const GovAuditKeyring *ring, GovAuditWalk *w, char *why, size_t whylen)
{
	why[0] = '\0';
	gov_audit_walk_start(w, first, ring);
	for (int i = 0; order[i] >= 0; i++)
	{
		size_t		n = t->len[order[i]];
		char	   *copy = malloc(n ? n : 1);
		uint64_t	bad = 0;
		bool		ok;

		memcpy(copy, t->line[order[i]], n);
		ok = gov_audit_walk_line(w, copy, n, &bad, why, whylen);
		free(copy);
		if (!ok)
			return bad ? bad : (uint64_t) -1;
	}
	return 0;
}

/* The same with one key (NULL: none). */
static uint64_t
walk(const Trail *t, const int *order, uint64_t first, const unsigned char *k,
	 size_t klen, char *why, size_t whylen)
{
	GovAuditKeyring ring;
	GovAuditWalk w;
	uint64_t	bad;

	gov_audit_keyring_init(&ring);
	gov_audit_keyring_add(&ring, k, klen);
	bad = walk_ring(t, order, first, &ring, &w, why, whylen);
	gov_audit_keyring_free(&ring);
	return bad;
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

#define ROLL_AT 20				/* line index of the key_rolled event */
static const unsigned char new_key[] = "the key that follows, 32 bytes!!";
static const unsigned char stolen_key[] = "a key nobody was given";

/*
 * A trail of NLINES events whose line ROLL_AT rolls the chain key from a
 * to b as the worker writes it: the event chained with a, every line
 * after it with b.  A test forging the roll passes another proof_key (the
 * proof is made with b otherwise) or another after (the key the lines
 * after the roll are chained with).
 */
static void
make_roll_trail(Trail *t, const unsigned char *a, size_t alen,
				const unsigned char *b, size_t blen,
				const unsigned char *proof_key, size_t proof_len,
				const unsigned char *after, size_t after_len)
{
	GovAuditHeads heads;
	size_t		prefix[NLINES];
	char		a_id[GOV_AUDIT_KEY_ID_LEN];
	char		b_id[GOV_AUDIT_KEY_ID_LEN];
	char		proof[GOV_AUDIT_HASH_HEX];

	gov_audit_key_id(a, alen, a_id);
	gov_audit_key_id(b, blen, b_id);
	gov_audit_roll_proof(proof_key, proof_len, ROLL_AT + 1, a_id, b_id, proof);
	for (int i = 0; i < NLINES; i++)
	{
		char		buf[1024];
		GovAuditRecord r;

		if (i != ROLL_AT)
		{
			render_statement(t, i, &prefix[i]);
			continue;
		}
		gov_audit_record_init(&r, buf, sizeof(buf));
		gov_audit_put_int(&r, GOV_AF_TIME, 1700000000000000);
		gov_audit_put_str(&r, GOV_AF_TYPE, GOV_AUDIT_KEY_ROLLED);
		gov_audit_put_str(&r, GOV_AF_OLD_KEY, a_id);
		gov_audit_put_str(&r, GOV_AF_NEW_KEY, b_id);
		gov_audit_put_str(&r, GOV_AF_NEW_KEY_PROOF, proof);
		render(t, i, &r, &prefix[i]);
	}
	gov_audit_heads_genesis(&heads);
	gov_audit_chain(t->line, prefix, 1, ROLL_AT + 1, &heads, a, alen);
	gov_audit_chain(t->line + ROLL_AT + 1, prefix + ROLL_AT + 1, ROLL_AT + 2,
					NLINES - ROLL_AT - 1, &heads, after, after_len);
}

static void
ring_of(GovAuditKeyring *ring, const unsigned char *k1, size_t l1,
		const unsigned char *k2, size_t l2)
{
	gov_audit_keyring_init(ring);
	gov_audit_keyring_add(ring, k1, l1);
	if (k2 != NULL)
		gov_audit_keyring_add(ring, k2, l2);
}

#define K(k) k, sizeof(k) - 1

/* An attack case: the walk of t with ring stops at seq, saying what. */
static void
expect_stop(const Trail *t, const GovAuditKeyring *ring, uint64_t seq,
			const char *what, const char *name)
{
	int			order[NLINES + 1];
	GovAuditWalk w;
	char		why[512];
	uint64_t	bad;

	in_order(order, NLINES);
	bad = walk_ring(t, order, 1, ring, &w, why, sizeof(why));
	check(bad == seq && strstr(why, what) != NULL, name, "stopped at %llu: %s",
		  (unsigned long long) bad, why);
}

/*
 * Start a walk of trail t at first_seq beside an anchor, and walk its
 * lines from that sequence number to the end; false at the first failure.
 */
static bool
walk_from_anchor(GovAuditWalk *w, const Trail *t, uint64_t first_seq,
				 const char *anchor, size_t n, const GovAuditKeyring *ring,
				 uint64_t *bad, char *why, size_t whylen)
{
	bool		ok = gov_audit_walk_start_trail(w, first_seq, anchor, n, ring, bad, why, whylen);

	for (int i = (int) first_seq - 1; ok && i < NLINES; i++)
		ok = gov_audit_walk_line(w, t->line[i], t->len[i], bad, why, whylen);
	return ok;
}

static void
test_key_roll(void)
{
	Trail		t;
	GovAuditKeyring both,
				new_first,
				old_only;
	GovAuditWalk w;
	int			order[NLINES + 1];
	char		why[512];
	char		id[GOV_AUDIT_KEY_ID_LEN];
	char		id2[GOV_AUDIT_KEY_ID_LEN];
	char		hex[GOV_AUDIT_HASH_HEX];
	uint64_t	bad;

	/* Key ids: 16 hex digits of the HMAC of a fixed text; "none" for no key. */
	gov_audit_key_id(K(key), id);
	gov_audit_hash(K(key), GOV_AUDIT_KEY_ID_TEXT, strlen(GOV_AUDIT_KEY_ID_TEXT), hex);
	check(strlen(id) == 16 && strncmp(id, hex, 16) == 0 &&
		  strspn(id, "0123456789abcdef") == 16,
		  "a key's id is the first 16 hex digits of its HMAC of the id text", "%s", id);
	gov_audit_key_id(K(new_key), id2);
	check(strcmp(id, id2) != 0, "two keys have two ids", "%s", id2);
	gov_audit_key_id(NULL, 0, id2);
	check(strcmp(id2, "none") == 0, "no key has the id none", "%s", id2);

	ring_of(&both, K(key), K(new_key));
	ring_of(&new_first, K(new_key), K(key));
	ring_of(&old_only, K(key), NULL, 0);
	gov_audit_keyring_add(&old_only, K(key));
	check(old_only.nkeys == 1, "a key given twice is held once", "%d keys", old_only.nkeys);

	/* Property: one walk crosses a roll, with the keys in any order. */
	make_roll_trail(&t, K(key), K(new_key), K(new_key), K(new_key));
	in_order(order, NLINES);
	bad = walk_ring(&t, order, 1, &both, &w, why, sizeof(why));
	check(bad == 0 && w.key == 1 && w.key_since == ROLL_AT + 2,
		  "a walk crosses a key roll and ends under the new key",
		  "stopped at %llu: %s", (unsigned long long) bad, why);
	bad = walk_ring(&t, order, 1, &new_first, &w, why, sizeof(why));
	check(bad == 0 && w.key == 0,
		  "the key the trail starts under is found by trying the ring's keys",
		  "stopped at %llu: %s", (unsigned long long) bad, why);
	check(gov_audit_keyring_end_key(&both, t.line[ROLL_AT], t.len[ROLL_AT]) == 1 &&
		  gov_audit_keyring_end_key(&both, t.line[NLINES - 1], t.len[NLINES - 1]) == 1 &&
		  gov_audit_keyring_end_key(&both, t.line[ROLL_AT - 1], t.len[ROLL_AT - 1]) == 0,
		  "a trail ending at or after the roll ends under the new key, before it under the old",
		  NULL);

	/* Attack: the trail shown to a verifier without the new key. */
	expect_stop(&t, &old_only, ROLL_AT + 1, "which is not among the keys given",
				"a roll to a key not in the ring stops the walk at the roll");
	free_trail(&t);

	/* Attack: a holder of the old key alone rolls to a key of its own choice. */
	make_roll_trail(&t, K(key), K(new_key), K(stolen_key), K(new_key));
	expect_stop(&t, &both, ROLL_AT + 1, "proof of the new key does not match",
				"a roll whose proof was not made with the new key is refused");
	free_trail(&t);

	/* Attack: the roll line altered (its new_key or proof edited). */
	make_roll_trail(&t, K(key), K(new_key), K(new_key), K(new_key));
	{
		char	   *p = strstr(t.line[ROLL_AT], "\"new_key\":\"") + 11;

		*p = *p == 'a' ? 'b' : 'a';
		expect_stop(&t, &both, ROLL_AT + 1, "altered",
					"an altered roll line is refused before its fields are read");
	}
	free_trail(&t);

	/* Attack: lines after the roll forged with the retired key. */
	make_roll_trail(&t, K(key), K(new_key), K(new_key), K(key));
	expect_stop(&t, &both, ROLL_AT + 2, "is chained under key",
				"a line after the roll chained with the old key is refused, naming both keys");
	free_trail(&t);

	/*
	 * A roll written when the worker did not hold the old key: "unknown"
	 * before, and the event itself chained with the new key.  The worker
	 * resumes after it; a verifier reports it.
	 */
	make_roll_trail(&t, K(key), K(new_key), K(new_key), K(new_key));
	{
		size_t		prefix[NLINES];
		GovAuditHeads heads;

		/* From the roll on, the lines are written again so. */
		for (int i = ROLL_AT; i < NLINES; i++)
		{
			free(t.line[i]);
			if (i == ROLL_AT)
			{
				char		buf[1024];
				char		proof[GOV_AUDIT_HASH_HEX];
				char		b_id[GOV_AUDIT_KEY_ID_LEN];
				GovAuditRecord r;

				gov_audit_key_id(K(new_key), b_id);
				gov_audit_roll_proof(K(new_key), ROLL_AT + 1, "unknown", b_id, proof);
				gov_audit_record_init(&r, buf, sizeof(buf));
				gov_audit_put_str(&r, GOV_AF_TYPE, GOV_AUDIT_KEY_ROLLED);
				gov_audit_put_str(&r, GOV_AF_OLD_KEY, "unknown");
				gov_audit_put_str(&r, GOV_AF_NEW_KEY, b_id);
				gov_audit_put_str(&r, GOV_AF_NEW_KEY_PROOF, proof);
				render(&t, i, &r, &prefix[i]);
			}
			else
				render_statement(&t, i, &prefix[i]);
		}
		gov_audit_heads_genesis(&heads);
		for (int i = 0; i < ROLL_AT; i++)
		{
			uint64_t	seq;
			char		hash[GOV_AUDIT_HASH_HEX];

			gov_audit_line_tail(t.line[i], t.len[i], &seq, hash);
			memcpy(heads.hash[GOV_AUDIT_STRAND(seq)], hash, GOV_AUDIT_HASH_HEX);
		}
		gov_audit_chain(t.line + ROLL_AT, prefix + ROLL_AT, ROLL_AT + 1,
						NLINES - ROLL_AT, &heads, K(new_key));
	}
	check(gov_audit_keyring_end_key(&both, t.line[ROLL_AT], t.len[ROLL_AT]) == 1,
		  "the worker resumes under the new key after a roll from an unknown key", NULL);
	expect_stop(&t, &both, ROLL_AT + 1, "could not vouch for",
				"a verifier reports a roll from an unknown key at its line");
	free_trail(&t);

	/* Nothing verifies the first line: say so. */
	make_trail(&t, K(stolen_key));
	expect_stop(&t, &both, 1, "the first line does not verify under any key given",
				"a trail chained with a key not given fails at its first line");
	free_trail(&t);

	/*
	 * The anchor past the roll names the key in force there and is sealed
	 * with the key the trail ends under, the new one: the walk from it
	 * goes on under the key it names, and at the end the seal's key must
	 * be the key the trail ends under.
	 */
	make_roll_trail(&t, K(key), K(new_key), K(new_key), K(new_key));
	{
		int			cut = ROLL_AT + 6;	/* lines before it are removed */
		char		anchor[GOV_AUDIT_ANCHOR_MAX];
		size_t		n;
		int			rest[NLINES + 1];
		int			k = 0;

		order[cut] = -1;
		bad = walk_ring(&t, order, 1, &both, &w, why, sizeof(why));
		char		new_id[GOV_AUDIT_KEY_ID_LEN];
		char		forged[GOV_AUDIT_ANCHOR_MAX];
		size_t		fn;

		GovAuditHeads at_cut;

		gov_audit_key_id(K(new_key), new_id);
		at_cut = w.heads;
		n = gov_audit_anchor_render(cut + 1, &w.heads, new_id, K(new_key), anchor, sizeof(anchor));
		/* The same anchor, sealed with the retired key: what its holder can write. */
		fn = gov_audit_anchor_render(cut + 1, &w.heads, new_id, K(key), forged, sizeof(forged));
		for (int i = cut; i < NLINES; i++)
			rest[k++] = i;
		rest[k] = -1;
		check(bad == 0 && gov_audit_walk_start_trail(&w, cut + 1, anchor, n, &new_first,
													 &bad, why, sizeof(why)) &&
			  w.key == 0 && w.known == 0xffff,
			  "an anchor sealed with the new key is found by trying the keys",
			  "%s", why);
		check(gov_audit_walk_start_trail(&w, cut + 1, anchor, n, &both, &bad, why, sizeof(why)) &&
			  w.key == 1,
			  "the key the anchor names is in force after it", "%s", why);
		for (int i = 0; rest[i] >= 0; i++)
			if (!gov_audit_walk_line(&w, t.line[rest[i]], t.len[rest[i]], &bad, why, sizeof(why)))
				break;
		check(w.expect == NLINES + 1 && gov_audit_walk_end(&w, why, sizeof(why)),
			  "the trail verifies from that anchor", "stopped at %llu: %s",
			  (unsigned long long) bad, why);
		/*
		 * Attack: files removed after the roll, and an anchor written and
		 * sealed with the retired key.  Defence: it starts the walk, but
		 * the trail ends under the new key, so the walk's end refuses it.
		 */
		check(gov_audit_walk_start_trail(&w, cut + 1, forged, fn, &both, &bad, why, sizeof(why)),
			  "an anchor sealed with a retired key parses", "%s", why);
		for (int i = 0; rest[i] >= 0; i++)
			if (!gov_audit_walk_line(&w, t.line[rest[i]], t.len[rest[i]], &bad, why, sizeof(why)))
				break;
		check(w.expect == NLINES + 1 && !gov_audit_walk_end(&w, why, sizeof(why)) &&
			  strstr(why, "retired key sealed it") != NULL,
			  "an anchor sealed with a retired key is refused at the end of the walk", "%s", why);
		check(!gov_audit_walk_start_trail(&w, cut + 1, anchor, n, &old_only, &bad, why, sizeof(why)) &&
			  bad == (uint64_t) cut && strstr(why, "seal") != NULL,
			  "without the key that sealed it, the anchor is refused", "%s", why);
		check(!gov_audit_walk_start_trail(&w, cut + 1, NULL, 0, &both, &bad, why, sizeof(why)) &&
			  strstr(why, "no anchor") != NULL,
			  "a trail that does not start at 1 needs an anchor", "%s", why);
		check(!gov_audit_walk_start_trail(&w, cut + 3, anchor, n, &both, &bad, why, sizeof(why)) &&
			  bad == (uint64_t) cut + 1 && strstr(why, "removed past the anchor") != NULL,
			  "files removed past the anchor are reported", "%s", why);
		check(gov_audit_walk_start_trail(&w, cut - 2, anchor, n, &both, &bad, why, sizeof(why)) &&
			  w.known == 0,
			  "a first file before the anchor is walked from its own first line", "%s", why);
		{
			GovAuditHeads other = at_cut;
			char		alien[GOV_AUDIT_ANCHOR_MAX];
			size_t		an;
			bool		ok;

			/* ... and must lead to it: then the trail verifies. */
			ok = walk_from_anchor(&w, &t, cut - 2, anchor, n, &both, &bad, why, sizeof(why));
			check(ok && w.anchor_passed && gov_audit_walk_end(&w, why, sizeof(why)),
				  "a first file before the anchor leads to it, and the trail verifies", "%s", why);

			/*
			 * Attack: the oldest files removed, and an anchor further on
			 * put beside the rest: one from another trail sharing the key
			 * (its hashes are not this trail's), or one far past the end.
			 * Defence: the walk must reach the anchor with its hashes.
			 */
			for (int i = 0; i < GOV_AUDIT_STRANDS; i++)
				other.hash[i][0] = other.hash[i][0] == 'a' ? 'b' : 'a';
			an = gov_audit_anchor_render(cut + 1, &other, new_id, K(new_key), alien, sizeof(alien));
			ok = walk_from_anchor(&w, &t, cut - 2, alien, an, &both, &bad, why, sizeof(why));
			check(!ok && bad == (uint64_t) cut + 1 && strstr(why, "does not lead to the anchor") != NULL,
				  "another trail's anchor further on is refused where the walk reaches it", "%s", why);
			an = gov_audit_anchor_render(999999999, &at_cut, new_id, K(new_key), alien, sizeof(alien));
			ok = walk_from_anchor(&w, &t, cut - 2, alien, an, &both, &bad, why, sizeof(why));
			check(ok && !gov_audit_walk_end(&w, why, sizeof(why)) &&
				  strstr(why, "ends before the anchor") != NULL,
				  "an anchor past the end of the trail is refused", "%s", why);
			/* Sealed with the retired key, further on: refused at the end too. */
			ok = walk_from_anchor(&w, &t, cut - 2, forged, fn, &both, &bad, why, sizeof(why));
			check(ok && !gov_audit_walk_end(&w, why, sizeof(why)) &&
				  strstr(why, "retired key sealed it") != NULL,
				  "an anchor further on sealed with a retired key is refused", "%s", why);
		}
	}
	free_trail(&t);
	gov_audit_keyring_free(&both);
	gov_audit_keyring_free(&new_first);
	gov_audit_keyring_free(&old_only);
}

/* Names of the trail's files: strictly audit-<20 digits>.jsonl. */
static void
test_file_names(void)
{
	check(gov_audit_file_first_seq("audit-00000000000000000042.jsonl") == 42 &&
		  gov_audit_file_first_seq("/x/pg_governance/audit-00000000000000000001.jsonl") == 1,
		  "a file's name gives its first sequence number", NULL);
	check(gov_audit_file_first_seq("audit-00000000000000000000.jsonl") == 0 &&
		  gov_audit_file_first_seq("audit-0000000000000000042.jsonl") == 0 &&
		  gov_audit_file_first_seq("audit-000000000000000000042.jsonl") == 0 &&
		  gov_audit_file_first_seq("audit-0000000000000000004x.jsonl") == 0 &&
		  gov_audit_file_first_seq("audit-00000000000000000042.json") == 0 &&
		  gov_audit_file_first_seq("audit-99999999999999999999.jsonl") == 0 &&
		  gov_audit_file_first_seq("x/audit-00000000000000000042.jsonl.bak") == 0,
		  "any other name gives 0", NULL);
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
		GovAuditKeyring kr,
					otr;
		int			which = -1;

		gov_audit_keyring_init(&kr);
		gov_audit_keyring_add(&kr, key, sizeof(key) - 1);
		gov_audit_keyring_init(&otr);
		gov_audit_keyring_add(&otr, other, sizeof(other) - 1);
		int			sealer = -1;

		gov_audit_heads_genesis(&heads);
		heads.hash[3][0] = 'a';
		heads.hash[15][63] = 'f';
		n = gov_audit_anchor_render(4242, &heads, kr.keys[0].id, key, sizeof(key) - 1,
									buf, sizeof(buf));
		check(n > 0 && gov_audit_anchor_parse(buf, n, &kr, &next, &back, &which, &sealer,
											  why, sizeof(why)) &&
			  next == 4242 && memcmp(&back, &heads, sizeof(heads)) == 0 &&
			  which == 0 && sealer == 0,
			  "an anchor reads back as written", "%s", why);
		check(!gov_audit_anchor_parse(buf, n, &otr, &next, &back, &which, &sealer,
									  why, sizeof(why)) && strstr(why, "seal") != NULL,
			  "an anchor sealed with another key is refused", "accepted");
		buf[29] = buf[29] == '4' ? '5' : '4';	/* the first digit of next_seq */
		check(!gov_audit_anchor_parse(buf, n, &kr, &next, &back, &which, &sealer,
									  why, sizeof(why)),
			  "an altered anchor is refused", "accepted");
		buf[29] = buf[29] == '4' ? '5' : '4';
		check(!gov_audit_anchor_parse(buf, n - 10, &kr, &next, &back, &which, &sealer,
									  why, sizeof(why)),
			  "an anchor cut short is refused", "accepted");
		check(!gov_audit_anchor_parse("hello\n", 6, &kr, &next, &back, &which, &sealer,
									  why, sizeof(why)),
			  "a file that is not an anchor is refused", "accepted");
		check(gov_audit_anchor_render(1, &heads, kr.keys[0].id, key, sizeof(key) - 1, buf, 64) == 0,
			  "an anchor does not overflow a small buffer", "rendered");
		/* An anchor naming a key in force that is not given. */
		n = gov_audit_anchor_render(4242, &heads, "0123456789abcdef", key, sizeof(key) - 1,
									buf, sizeof(buf));
		check(!gov_audit_anchor_parse(buf, n, &kr, &next, &back, &which, &sealer,
									  why, sizeof(why)) && strstr(why, "not among the keys given") != NULL,
			  "an anchor naming a key in force not given is refused", "%s", why);
		gov_audit_keyring_free(&kr);
		gov_audit_keyring_free(&otr);
	}

	test_key_roll();
	test_file_names();

	return check_summary();
}
