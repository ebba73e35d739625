/*-------------------------------------------------------------------------
 *
 * audit_record.h
 *	  Audit events as compact records, and their JSON-lines rendering with
 *	  the hash chain; independent of the server.
 *
 * A backend builds a record (a list of typed fields) on the statement path
 * and copies it into the shared ring; the audit worker renders it as one
 * JSON line, adding the sequence number and the hash chain.  Rendering and
 * verifying need no server, so the command-line verifier and the unit
 * tests link this alone.
 *
 * A line is {"seq":N,<fields...>,"prev_hash":"<hex>","hash":"<hex>"}; the
 * hash is HMAC-SHA-256 (keyed) or SHA-256 (no key) over the line's bytes up
 * to and including the prev_hash value's closing quote, and prev_hash is
 * the hash of the line GOV_AUDIT_STRANDS sequence numbers earlier.
 *
 * src/include/governance/audit_record.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef GOVERNANCE_AUDIT_RECORD_H
#define GOVERNANCE_AUDIT_RECORD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Fields, in the order they are usually written. */
typedef enum GovAuditField
{
	GOV_AF_TIME,				/* int: Unix microseconds, rendered ISO 8601 */
	GOV_AF_TYPE,				/* str: connection, identity, statement, ... */
	GOV_AF_ACTION,				/* str: what happened within the type */
	GOV_AF_DATABASE,
	GOV_AF_PID,
	GOV_AF_SESSION_ID,
	GOV_AF_DB_ROLE,
	GOV_AF_CURRENT_ROLE,
	GOV_AF_IDENTITY_KIND,
	GOV_AF_SUB,
	GOV_AF_ACTOR,
	GOV_AF_ROLES,				/* array of str */
	GOV_AF_TOKEN_ID,
	GOV_AF_TOKEN_FINGERPRINT,
	GOV_AF_CLIENT_ADDR,
	GOV_AF_APPLICATION_NAME,
	GOV_AF_NESTED,				/* bool */
	GOV_AF_NESTING_LEVEL,		/* int */
	GOV_AF_COMMAND_TAG,
	GOV_AF_STATEMENT,
	GOV_AF_RELATIONS,			/* array of str */
	GOV_AF_COLUMNS,				/* array of str: schema.table.column */
	GOV_AF_ROWS,
	GOV_AF_DURATION_US,
	GOV_AF_DECISION,
	GOV_AF_RULE,
	GOV_AF_SQLSTATE,
	GOV_AF_MESSAGE,
	GOV_AF_DETAIL,
	GOV_AF_REFUSED_TOKEN,		/* fingerprint of a token that was refused */
	GOV_AF_REQUEST_ID,			/* int: an approval request (its event's seq) */
	GOV_AF_FINGERPRINT,			/* str: a statement's fingerprint */
	GOV_AF_POLICY_ACTION,		/* str: the action a decision is about */
	GOV_AF_MAX_ROWS,			/* int: the row budget in force */
	GOV_AF_REQUESTER,			/* str: who asks for approval, sub:/db: */
	GOV_AF_SESSION_ROLE,		/* str: the session role of a requester */
	GOV_AF_ACTIONS,				/* array of str: every action of a statement */
	GOV_AF_TRUNCATED,			/* bool: a field was cut to fit */
	GOV_AF_LABEL,				/* str: a sensitivity label */
	GOV_AF_MASK,				/* str: the mask a label names */
	GOV_AF_PRINCIPAL,			/* str: a principal pattern */
	GOV_AF_MASKED,				/* array of str: column:label read masked */
	GOV_AF_UNMASKED,			/* array of str: column:label read clear */
	GOV_AF_STATEMENT_LENGTH,	/* int: bytes of a statement cut to fit */
	GOV_AF_STATEMENT_SHA256,	/* str: hex SHA-256 of that whole statement */
	GOV_AF_NESTED_UNRECORDED,	/* int: nested statements counted, not recorded */
	GOV_AF_NESTED_UNRECORDED_RELATIONS,	/* array of str: what they read */
	GOV_AF_SERVER,				/* str: the cluster's system identifier */
	GOV_AF_CLUSTER,				/* str: cluster_name, if set */
	GOV_AF_ENVIRONMENT,			/* str: governance.environment, if set */
	GOV_AF_OLD_KEY,				/* str: key_rolled: the id of the key before */
	GOV_AF_NEW_KEY,				/* str: key_rolled: the id of the key after */
	GOV_AF_NEW_KEY_PROOF,		/* str: key_rolled: HMAC with the new key */
	GOV_AF_BYTES,				/* int: bytes of the values delivered */
	GOV_AF_REDACTED,			/* int: values the output scan replaced */
	GOV_AF_REDACTED_BY,			/* array of str: the detectors that fired */
	GOV_AF_NFIELDS
} GovAuditField;

typedef enum GovAuditKind
{
	GOV_AK_STR = 1,
	GOV_AK_INT = 2,
	GOV_AK_BOOL = 3,
	GOV_AK_STRS = 4				/* NUL-separated strings */
} GovAuditKind;

/* Largest record a backend builds. */
#define GOV_AUDIT_MAX_RECORD	16384

/* A record being built, in caller-provided memory of cap bytes. */
typedef struct GovAuditRecord
{
	char	   *data;
	size_t		len;
	size_t		cap;
	bool		truncated;
} GovAuditRecord;

extern void gov_audit_record_init(GovAuditRecord *rec, char *buf, size_t cap);
extern void gov_audit_put_str(GovAuditRecord *rec, GovAuditField f, const char *s);
extern void gov_audit_put_strn(GovAuditRecord *rec, GovAuditField f,
							   const char *s, size_t len);
extern size_t gov_audit_json_fit(const char *s, size_t n, size_t max);
extern size_t gov_audit_json_fit_tail(const char *s, size_t n, size_t max);
extern void gov_audit_put_int(GovAuditRecord *rec, GovAuditField f, int64_t v);
extern void gov_audit_put_bool(GovAuditRecord *rec, GovAuditField f, bool v);
extern void gov_audit_put_strs(GovAuditRecord *rec, GovAuditField f,
							   const char *const *v, int n);
/* Append fields another record holds (its first len bytes), all or none. */
extern void gov_audit_put_fields(GovAuditRecord *rec, const char *fields,
								 size_t len);
/* Does a finished record hold string field f with exactly this value? */
extern bool gov_audit_record_has(const char *rec, size_t len, GovAuditField f,
								 const char *value);
/* Close the record (adds "truncated" if needed); returns its length. */
extern size_t gov_audit_record_finish(GovAuditRecord *rec);

#define GOV_AUDIT_HASH_HEX 65

/*
 * Render one record as a JSON line (with '\n') into out (cap bytes),
 * chaining it to prev_hash and writing its own hash into hash_out.
 * Returns the line length, or 0 if out is too small or the record is
 * malformed.
 */
extern size_t gov_audit_render(const char *rec, size_t reclen, uint64_t seq,
							   const char *prev_hash,
							   const unsigned char *key, size_t keylen,
							   char *out, size_t cap, char *hash_out);

/*
 * Render one record as a JSON line (with '\n') into out (cap bytes) with
 * room for both hashes: the previous line's hash goes at out + *prefix
 * (64 hex digits), the line's own 64 + GOV_AUDIT_HASH_GAP bytes later;
 * what is hashed is the line's first *prefix + 65 bytes.  Returns the line
 * length, or 0 if out is too small or the record is malformed.
 */
extern size_t gov_audit_render_line(const char *rec, size_t reclen,
									uint64_t seq, char *out, size_t cap,
									size_t *prefix);

#define GOV_AUDIT_HASH_GAP 10	/* strlen("\",\"hash\":\"") */

/*
 * The chain has GOV_AUDIT_STRANDS strands: the line with sequence number
 * s carries, as prev_hash, the hash of line s - GOV_AUDIT_STRANDS (the
 * genesis hash for the first GOV_AUDIT_STRANDS lines of a trail), so that
 * consecutive lines can be hashed at the same time.  heads holds the last
 * hash of each strand, indexed by GOV_AUDIT_STRAND(seq).
 */
#define GOV_AUDIT_STRANDS 16
#define GOV_AUDIT_STRAND(seq) ((int) ((seq) % GOV_AUDIT_STRANDS))

typedef struct GovAuditHeads
{
	char		hash[GOV_AUDIT_STRANDS][GOV_AUDIT_HASH_HEX];
} GovAuditHeads;

/* Every strand at the genesis hash: a trail with no line yet. */
/*
 * A line's sequence number, prev_hash and hash, as it says (not checked):
 * false if it does not end as a chained line does.
 */
extern bool gov_audit_line_links(const char *line, size_t len, uint64_t *seq,
								 char *prev_out, char *hash_out);
extern void gov_audit_heads_genesis(GovAuditHeads *heads);

/*
 * Chain n lines rendered by gov_audit_render_line (prefix[i] as it set
 * it; line i carries sequence number first_seq + i), filling in both
 * hashes of each and advancing heads (src/audit/chain.c).
 */
extern void gov_audit_chain(char *const *lines, const size_t *prefix,
							uint64_t first_seq, int n, GovAuditHeads *heads,
							const unsigned char *key, size_t keylen);

/*
 * The widest SIMD gov_audit_chain uses: what the CPU has, capped by limit
 * (one of the values below) when limit >= 0, for tests of every path.
 */
#define GOV_CHAIN_SIMD_NONE 0
#define GOV_CHAIN_SIMD_AVX2 1
#define GOV_CHAIN_SIMD_AVX512 2
extern int	gov_audit_chain_simd(int limit);

/* The hash of a line's chained prefix (HMAC-SHA-256, or SHA-256 if no key). */
extern void gov_audit_hash(const unsigned char *key, size_t keylen,
						   const char *data, size_t len, char *hex_out);

/* The first hash of a chain: 64 zeros. */
extern const char gov_audit_genesis_hash[GOV_AUDIT_HASH_HEX];

/*
 * Check one line against the chain.  expect_seq is the sequence number the
 * line must carry (0: take whatever it carries), prev_hash the hash its
 * prev_hash must be (NULL: not checked).  On success returns true and fills seq_out and hash_out.
 * On failure returns false with a reason, and seq_out is the first sequence
 * number at which the trail is no longer intact.
 */
/*
 * The sequence number a line starts with ({"seq":N,), read within its
 * length; returns the offset just past N, or 0 if the line does not start
 * so.
 */
extern size_t gov_audit_line_seq(const char *line, size_t len, uint64_t *seq);
extern bool gov_audit_check_line(const char *line, size_t len,
								 uint64_t expect_seq, const char *prev_hash,
								 const unsigned char *key, size_t keylen,
								 uint64_t *seq_out, char *hash_out,
								 char *why, size_t whylen);

/*
 * Read the sequence number and hash of a line without checking it (to
 * resume a chain).  False if the line is not shaped like ours.
 */
extern bool gov_audit_line_tail(const char *line, size_t len, uint64_t *seq,
								char *hash_out);

/*
 * The trail's files: audit-<first sequence number, 20 digits>.jsonl.  The
 * first sequence number a file's name (or path) gives: exactly that shape,
 * not all zeros; 0 for any other name.
 */
#define GOV_AUDIT_FILE_PREFIX "audit-"
#define GOV_AUDIT_FILE_SUFFIX ".jsonl"
extern uint64_t gov_audit_file_first_seq(const char *path);

/*
 * Chain keys.  A key is named in the trail by its id: the first 16 hex
 * digits of HMAC-SHA-256(key, GOV_AUDIT_KEY_ID_TEXT), "none" for no key
 * (plain SHA-256).  The id tells which key to use without revealing it.
 */
#define GOV_AUDIT_KEY_ID_LEN 17		/* 16 hex digits (or "none"), NUL */
#define GOV_AUDIT_KEY_ID_TEXT "governance audit chain key id"
#define GOV_AUDIT_KEY_NONE "none"
#define GOV_AUDIT_KEY_UNKNOWN "unknown"	/* a key_rolled event's old_key when
										 * the worker did not hold it */
#define GOV_AUDIT_MAX_KEYS 16

extern void gov_audit_key_id(const unsigned char *key, size_t keylen, char *id_out);

/*
 * The keys a verifier (or the worker) holds: the configured key first,
 * then retired ones.  The ring owns copies of its keys, wiped when freed;
 * a key given twice is held once.
 */
typedef struct GovAuditKey
{
	unsigned char *key;			/* NULL: no key, plain SHA-256 */
	size_t		keylen;
	char		id[GOV_AUDIT_KEY_ID_LEN];
} GovAuditKey;

typedef struct GovAuditKeyring
{
	int			nkeys;
	GovAuditKey keys[GOV_AUDIT_MAX_KEYS];
} GovAuditKeyring;

extern void gov_audit_keyring_init(GovAuditKeyring *ring);
/* Add a copy of a key (NULL: no key); false if the ring is full or out of memory. */
extern bool gov_audit_keyring_add(GovAuditKeyring *ring, const unsigned char *key,
								  size_t keylen);
/* The index of the key with this id, -1 if the ring has none. */
extern int	gov_audit_keyring_find(const GovAuditKeyring *ring, const char *id);
extern void gov_audit_keyring_free(GovAuditKeyring *ring);

/*
 * Rolling the chain key.  The event {"type":"key_rolled","old_key":<id>,
 * "new_key":<id>,"new_key_proof":<hex>} is chained with the old key, and
 * every line after it with the new one; the proof is the HMAC with the
 * new key of a text naming the event's sequence number and both ids, so
 * the event is bound to both keys.
 */
#define GOV_AUDIT_KEY_ROLLED "key_rolled"
extern void gov_audit_roll_proof(const unsigned char *newkey, size_t newkeylen,
								 uint64_t seq, const char *old_id,
								 const char *new_id, char *hex_out);

/*
 * The key in force after a line, when the line is the last of a trail:
 * the index of the key its own hash verifies under, or of the key it
 * rolls to if it is a key_rolled event that proves it; -1 if no key of
 * the ring does.  (Its link to earlier lines is not checked.)
 */
extern int	gov_audit_keyring_end_key(const GovAuditKeyring *ring,
									  const char *line, size_t len);

/*
 * Walking a trail line by line to verify it.  Start with the sequence
 * number of its first line (1 for a whole trail, whose strands start at
 * the genesis hash; 0 if unknown, which checks no line against hashes
 * before the walk) and the keys; then give it each line.  The key in
 * force is found by trying the ring's keys on the first line, and moves
 * to the new key at each key_rolled event that verifies under the key in
 * force and proves the new one.  A line that breaks the trail returns
 * false with the first sequence number no longer intact and why.
 */
typedef struct GovAuditWalk
{
	uint64_t	expect;			/* next sequence number, 0 if unknown */
	GovAuditHeads heads;
	uint32_t	known;			/* strands whose head is known */
	uint64_t	events;			/* lines verified */
	const GovAuditKeyring *ring;
	int			key;			/* the key in force (in ring), -1: not yet known */
	uint64_t	key_since;		/* the first line chained under it */
	/*
	 * The anchor beside the files, if any.  The walk must pass through
	 * its sequence number with exactly its heads and under the key it
	 * names (checked as it gets there), and the anchor must be sealed with
	 * the key the trail ends under (checked at the end): an anchor is
	 * never just taken, whichever file it stands at.
	 */
	uint64_t	anchor_seq;		/* 0: no anchor */
	GovAuditHeads anchor_heads;
	int			anchor_key;		/* the key it names in force there */
	int			anchor_seal_key;	/* the key that sealed it */
	bool		anchor_passed;	/* the walk reached it, matching */
} GovAuditWalk;

extern void gov_audit_walk_start(GovAuditWalk *walk, uint64_t first_seq,
								 const GovAuditKeyring *ring);

/*
 * Start a walk at next_seq with every strand's head known and the key in
 * force known: the anchor recorded when the files before next_seq were
 * removed, and the key that sealed it.
 */
extern void gov_audit_walk_start_anchored(GovAuditWalk *walk, uint64_t next_seq,
										  const GovAuditHeads *heads,
										  const GovAuditKeyring *ring, int key);

extern bool gov_audit_walk_line(GovAuditWalk *walk, const char *line, size_t len,
								uint64_t *bad_seq, char *why, size_t whylen);

/*
 * The anchor: when the oldest files of a trail are removed, what the rest
 * chains to is kept in GOV_AUDIT_ANCHOR_FILE beside them: the sequence
 * number of the first event kept and the head of every strand before it,
 * sealed with the key in force at that point of the chain (HMAC-SHA-256,
 * or SHA-256 without one).  A trail that does not start at sequence
 * number 1 verifies only from an anchor that names its first event.
 */
#define GOV_AUDIT_ANCHOR_FILE "anchor"
#define GOV_AUDIT_ANCHOR_MAX 2048

/*
 * Render an anchor into out, naming the key in force at next_seq and
 * sealed with key, which must be the one the trail ends under; returns
 * its length (0 if out is too small).
 */
extern size_t gov_audit_anchor_render(uint64_t next_seq, const GovAuditHeads *heads,
									  const char *key_in_force,
									  const unsigned char *key, size_t keylen,
									  char *out, size_t outlen);

/*
 * Read and check an anchor against every key of the ring; false with a
 * reason if it is not intact or names a key in force the ring does not
 * hold, else *key_out is that key and *seal_key_out the key that sealed it.
 */
extern bool gov_audit_anchor_parse(const char *buf, size_t len,
								   const GovAuditKeyring *ring,
								   uint64_t *next_seq, GovAuditHeads *heads,
								   int *key_out, int *seal_key_out,
								   char *why, size_t whylen);

/*
 * Start the walk of a whole trail as it stands: its first file starts at
 * first_seq (0: no file), and anchor (anchor_len bytes, NULL if there is
 * none) is the anchor beside the files.  A trail from sequence number 1
 * starts at the genesis hash; one that starts later needs the anchor that
 * names its first event (an anchor further on, left by removal cut short,
 * lets the first file be walked from its own first line).  False with
 * the sequence number at which the trail is broken and why.
 */
extern bool gov_audit_walk_start_trail(GovAuditWalk *walk, uint64_t first_seq,
									   const char *anchor, size_t anchor_len,
									   const GovAuditKeyring *ring,
									   uint64_t *bad_seq, char *why, size_t whylen);

/*
 * The walk has reached the trail's end: an anchor it started from must be
 * sealed with the key the trail ends under.  Anchors are sealed with the
 * key in force at the end of the trail and sealed again at each roll, by
 * the server, which holds both keys then: a holder of a retired key cannot
 * write one that passes.  False with why if it is not.
 */
extern bool gov_audit_walk_end(const GovAuditWalk *walk, char *why, size_t whylen);

#endif							/* GOVERNANCE_AUDIT_RECORD_H */
