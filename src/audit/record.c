/*-------------------------------------------------------------------------
 *
 * record.c
 *	  Audit records: building, rendering as JSON lines, hash chaining.
 *
 * Plain C, no server headers: the worker, the command-line verifier and
 * the unit tests share it.  A record is a flat list of fields, each
 * [field:1][kind:1][length:4][bytes], built into memory the caller owns;
 * nothing here allocates.
 *
 * The chain: every line ends with "prev_hash" (the hash of the line
 * GOV_AUDIT_STRANDS sequence numbers earlier, in the same strand) and
 * "hash", computed over the line up to and including the closing quote of
 * prev_hash.  Deleting, inserting, altering or reordering a line
 * therefore breaks either that line's hash, a later line's prev_hash or
 * the run of sequence numbers; with a key (HMAC) a forger cannot
 * recompute the chain.  Checking a line is src/audit/line_check.c.
 *
 * src/audit/record.c
 *
 *-------------------------------------------------------------------------
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/params.h>
#include <openssl/sha.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "governance/audit_record.h"

#define GOV_FIELD_HEADER 6
/* Room kept free while building, for the "truncated" marker. */
#define GOV_RECORD_RESERVE 16

/*
 * Each field's name, and what precedes its value in a line: ,"name":
 * (written ready-made, so rendering copies it rather than quoting it).
 */
typedef struct GovFieldKey
{
	const char *name;
	const char *text;
	size_t		len;
} GovFieldKey;

#define GOV_KEY(name) {name, ",\"" name "\":", sizeof(",\"" name "\":") - 1}

static const GovFieldKey gov_field_keys[GOV_AF_NFIELDS] = {
	[GOV_AF_TIME] = GOV_KEY("time"),
	[GOV_AF_TYPE] = GOV_KEY("type"),
	[GOV_AF_ACTION] = GOV_KEY("action"),
	[GOV_AF_DATABASE] = GOV_KEY("database"),
	[GOV_AF_PID] = GOV_KEY("pid"),
	[GOV_AF_SESSION_ID] = GOV_KEY("session_id"),
	[GOV_AF_DB_ROLE] = GOV_KEY("db_role"),
	[GOV_AF_CURRENT_ROLE] = GOV_KEY("current_role"),
	[GOV_AF_IDENTITY_KIND] = GOV_KEY("identity_kind"),
	[GOV_AF_SUB] = GOV_KEY("sub"),
	[GOV_AF_ACTOR] = GOV_KEY("actor"),
	[GOV_AF_ROLES] = GOV_KEY("roles"),
	[GOV_AF_TOKEN_ID] = GOV_KEY("token_id"),
	[GOV_AF_TOKEN_FINGERPRINT] = GOV_KEY("token_fingerprint"),
	[GOV_AF_CLIENT_ADDR] = GOV_KEY("client_addr"),
	[GOV_AF_APPLICATION_NAME] = GOV_KEY("application_name"),
	[GOV_AF_NESTED] = GOV_KEY("nested"),
	[GOV_AF_NESTING_LEVEL] = GOV_KEY("nesting_level"),
	[GOV_AF_COMMAND_TAG] = GOV_KEY("command_tag"),
	[GOV_AF_STATEMENT] = GOV_KEY("statement"),
	[GOV_AF_RELATIONS] = GOV_KEY("relations"),
	[GOV_AF_COLUMNS] = GOV_KEY("columns"),
	[GOV_AF_ROWS] = GOV_KEY("rows"),
	[GOV_AF_DURATION_US] = GOV_KEY("duration_us"),
	[GOV_AF_DECISION] = GOV_KEY("decision"),
	[GOV_AF_RULE] = GOV_KEY("rule"),
	[GOV_AF_SQLSTATE] = GOV_KEY("sqlstate"),
	[GOV_AF_MESSAGE] = GOV_KEY("message"),
	[GOV_AF_DETAIL] = GOV_KEY("detail"),
	[GOV_AF_REFUSED_TOKEN] = GOV_KEY("refused_token_fingerprint"),
	[GOV_AF_REQUEST_ID] = GOV_KEY("request_id"),
	[GOV_AF_FINGERPRINT] = GOV_KEY("fingerprint"),
	[GOV_AF_POLICY_ACTION] = GOV_KEY("policy_action"),
	[GOV_AF_MAX_ROWS] = GOV_KEY("max_rows"),
	[GOV_AF_REQUESTER] = GOV_KEY("requester"),
	[GOV_AF_SESSION_ROLE] = GOV_KEY("session_role"),
	[GOV_AF_ACTIONS] = GOV_KEY("actions"),
	[GOV_AF_LABEL] = GOV_KEY("label"),
	[GOV_AF_MASK] = GOV_KEY("mask"),
	[GOV_AF_PRINCIPAL] = GOV_KEY("principal"),
	[GOV_AF_MASKED] = GOV_KEY("masked"),
	[GOV_AF_UNMASKED] = GOV_KEY("unmasked"),
	[GOV_AF_TRUNCATED] = GOV_KEY("truncated"),
	[GOV_AF_STATEMENT_LENGTH] = GOV_KEY("statement_length"),
	[GOV_AF_STATEMENT_SHA256] = GOV_KEY("statement_sha256"),
	[GOV_AF_NESTED_UNRECORDED] = GOV_KEY("nested_unrecorded"),
	[GOV_AF_NESTED_UNRECORDED_RELATIONS] = GOV_KEY("nested_unrecorded_relations"),
	[GOV_AF_SERVER] = GOV_KEY("server"),
	[GOV_AF_CLUSTER] = GOV_KEY("cluster"),
	[GOV_AF_ENVIRONMENT] = GOV_KEY("environment"),
	[GOV_AF_OLD_KEY] = GOV_KEY("old_key"),
	[GOV_AF_NEW_KEY] = GOV_KEY("new_key"),
	[GOV_AF_NEW_KEY_PROOF] = GOV_KEY("new_key_proof"),
	[GOV_AF_BYTES] = GOV_KEY("bytes"),
	[GOV_AF_REDACTED] = GOV_KEY("redacted"),
	[GOV_AF_REDACTED_BY] = GOV_KEY("redacted_by"),
};

const char	gov_audit_genesis_hash[GOV_AUDIT_HASH_HEX] =
"0000000000000000000000000000000000000000000000000000000000000000";

void
gov_audit_record_init(GovAuditRecord *rec, char *buf, size_t cap)
{
	rec->data = buf;
	rec->len = 0;
	rec->cap = cap;
	rec->truncated = false;
}

/*
 * Room left for the value of one more field, or -1 (and the record marked
 * truncated) if not even its header fits.
 */
static ptrdiff_t
gov_room(GovAuditRecord *rec)
{
	if (rec->len + GOV_FIELD_HEADER + GOV_RECORD_RESERVE > rec->cap)
	{
		rec->truncated = true;
		return -1;
	}
	return (ptrdiff_t) (rec->cap - rec->len - GOV_FIELD_HEADER - GOV_RECORD_RESERVE);
}

/* Write a field's header; its len bytes of value follow it. */
static void
gov_put_header(GovAuditRecord *rec, GovAuditField f, GovAuditKind kind,
			   size_t len)
{
	uint32_t	len32 = (uint32_t) len;

	rec->data[rec->len] = (char) f;
	rec->data[rec->len + 1] = (char) kind;
	memcpy(rec->data + rec->len + 2, &len32, 4);
}

/* Append one field, cutting its value to what fits. */
static void
gov_put(GovAuditRecord *rec, GovAuditField f, GovAuditKind kind,
		const void *value, size_t len)
{
	ptrdiff_t	room = gov_room(rec);

	if (room < 0)
		return;
	if (len > (size_t) room)
	{
		if (kind != GOV_AK_STR && kind != GOV_AK_STRS)
		{
			rec->truncated = true;
			return;
		}
		len = (size_t) room;
		rec->truncated = true;
	}
	gov_put_header(rec, f, kind, len);
	memcpy(rec->data + rec->len + GOV_FIELD_HEADER, value, len);
	rec->len += GOV_FIELD_HEADER + len;
}

void
gov_audit_put_str(GovAuditRecord *rec, GovAuditField f, const char *s)
{
	if (s != NULL)
		gov_put(rec, f, GOV_AK_STR, s, strlen(s));
}

void
gov_audit_put_strn(GovAuditRecord *rec, GovAuditField f, const char *s,
				   size_t len)
{
	if (s != NULL)
		gov_put(rec, f, GOV_AK_STR, s, len);
}

void
gov_audit_put_int(GovAuditRecord *rec, GovAuditField f, int64_t v)
{
	gov_put(rec, f, GOV_AK_INT, &v, sizeof(v));
}

void
gov_audit_put_bool(GovAuditRecord *rec, GovAuditField f, bool v)
{
	char		b = v ? 1 : 0;

	gov_put(rec, f, GOV_AK_BOOL, &b, 1);
}

void
gov_audit_put_strs(GovAuditRecord *rec, GovAuditField f,
				   const char *const *v, int n)
{
	size_t		off = 0;
	ptrdiff_t	room = gov_room(rec);
	int			i;

	if (room < 0)
		return;
	/* Whole strings only: drop those that do not fit. */
	for (i = 0; i < n; i++)
	{
		size_t		l = strlen(v[i]) + 1;

		if (off + l > (size_t) room)
		{
			rec->truncated = true;
			break;
		}
		memcpy(rec->data + rec->len + GOV_FIELD_HEADER + off, v[i], l);
		off += l;
	}
	gov_put_header(rec, f, GOV_AK_STRS, off);
	rec->len += GOV_FIELD_HEADER + off;
}

void
gov_audit_put_fields(GovAuditRecord *rec, const char *fields, size_t len)
{
	if (rec->len + len + GOV_RECORD_RESERVE > rec->cap)
	{
		rec->truncated = true;
		return;
	}
	memcpy(rec->data + rec->len, fields, len);
	rec->len += len;
}

/*
 * Does the record hold string field f with this value?  The worker asks
 * it of the records it drains, which are its own to trust, but reads
 * within len all the same.
 */
bool
gov_audit_record_has(const char *rec, size_t len, GovAuditField f,
					 const char *value)
{
	size_t		pos = 0;
	size_t		vlen = strlen(value);

	while (len - pos >= GOV_FIELD_HEADER)
	{
		uint32_t	flen;

		memcpy(&flen, rec + pos + 2, 4);
		if (flen > len - pos - GOV_FIELD_HEADER)
			return false;
		if ((unsigned char) rec[pos] == (unsigned char) f &&
			rec[pos + 1] == GOV_AK_STR && flen == vlen &&
			memcmp(rec + pos + GOV_FIELD_HEADER, value, vlen) == 0)
			return true;
		pos += GOV_FIELD_HEADER + flen;
	}
	return false;
}

size_t
gov_audit_record_finish(GovAuditRecord *rec)
{
	/* The reserve kept by gov_room always leaves room for this. */
	if (rec->truncated && rec->len + GOV_FIELD_HEADER + 1 <= rec->cap)
	{
		gov_put_header(rec, GOV_AF_TRUNCATED, GOV_AK_BOOL, 1);
		rec->data[rec->len + GOV_FIELD_HEADER] = 1;
		rec->len += GOV_FIELD_HEADER + 1;
	}
	return rec->len;
}

/* ---------------------------------------------------------------------
 * Rendering
 * ---------------------------------------------------------------------
 */

typedef struct GovOut
{
	char	   *buf;
	size_t		len;
	size_t		cap;
	bool		overflow;
} GovOut;

/*
 * Copy n bytes.  Lines are many short pieces (a field's key, a short
 * value), for which a call into the C library costs more than the copy:
 * up to 32 bytes are copied inline, as two overlapping moves of a power
 * of two, reading and writing only within the n bytes.  Longer copies go
 * to memcpy from a function of their own, which also keeps the compiler
 * from judging them against the sizes of short buffers passed inline.
 */
static __attribute__((noinline)) void
gov_copy_long(char *d, const char *s, size_t n)
{
	memcpy(d, s, n);
}

static inline void
gov_copy(char *d, const char *s, size_t n)
{
	uint64_t	a,
				b;
	uint32_t	c,
				e;

	if (n > 32)
		gov_copy_long(d, s, n);
	else if (n >= 16)
	{
		uint64_t	a2,
					b2;

		memcpy(&a, s, 8);
		memcpy(&a2, s + 8, 8);
		memcpy(&b, s + n - 16, 8);
		memcpy(&b2, s + n - 8, 8);
		memcpy(d, &a, 8);
		memcpy(d + 8, &a2, 8);
		memcpy(d + n - 16, &b, 8);
		memcpy(d + n - 8, &b2, 8);
	}
	else if (n >= 8)
	{
		memcpy(&a, s, 8);
		memcpy(&b, s + n - 8, 8);
		memcpy(d, &a, 8);
		memcpy(d + n - 8, &b, 8);
	}
	else if (n >= 4)
	{
		memcpy(&c, s, 4);
		memcpy(&e, s + n - 4, 4);
		memcpy(d, &c, 4);
		memcpy(d + n - 4, &e, 4);
	}
	else
		while (n-- > 0)
			*d++ = *s++;
}

static inline void
gov_out(GovOut *o, const char *s, size_t n)
{
	if (o->overflow || o->len + n >= o->cap)
	{
		o->overflow = true;
		return;
	}
	gov_copy(o->buf + o->len, s, n);
	o->len += n;
}

static void
gov_outs(GovOut *o, const char *s)
{
	gov_out(o, s, strlen(s));
}

#if defined(__SSE2__)
/* The bytes of sixteen that must be escaped, as a bit mask. */
static inline unsigned
gov_json_bad16(__m128i v)
{
	const __m128i quote = _mm_set1_epi8('"');
	const __m128i backslash = _mm_set1_epi8('\\');
	const __m128i del = _mm_set1_epi8(0x7f);
	const __m128i ctl = _mm_set1_epi8(0x1f);
	__m128i		bad = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, quote),
												_mm_cmpeq_epi8(v, backslash)),
								   _mm_or_si128(_mm_cmpeq_epi8(v, del),
												/* v <= 0x1f, unsigned */
												_mm_cmpeq_epi8(_mm_min_epu8(v, ctl), v)));

	return (unsigned) _mm_movemask_epi8(bad);
}
#endif

/*
 * The offset of the first byte of s[0..n) that must be escaped, or n.
 * Statement text is most of what the worker renders and rarely needs
 * escaping, so it is scanned sixteen bytes at a time where SSE2 exists
 * (every x86-64).  The last bytes are scanned as the sixteen ending at
 * s + n; a value shorter than that, as most are, as the sixteen starting
 * at s when they lie within one page (so the bytes read past its end are
 * mapped, and ignored), else one byte at a time.  Reading those bytes is
 * deliberate, so AddressSanitizer is told not to check this function.
 */
#if defined(__has_attribute)
#if __has_attribute(no_sanitize)
__attribute__((no_sanitize("address")))
#endif
#endif
static size_t
gov_json_clean_prefix(const char *s, size_t n)
{
	size_t		i = 0;

#if defined(__SSE2__)
	unsigned	mask;

	if (n < 16)
	{
		if (n == 0 || ((uintptr_t) s & 4095) > 4096 - 16)
			goto bytewise;
		mask = gov_json_bad16(_mm_loadu_si128((const __m128i *) s)) & ((1u << n) - 1);
		return mask != 0 ? (size_t) __builtin_ctz(mask) : n;
	}
	for (; i + 16 <= n; i += 16)
	{
		mask = gov_json_bad16(_mm_loadu_si128((const __m128i *) (s + i)));
		if (mask != 0)
			return i + __builtin_ctz(mask);
	}
	if (i == n)
		return n;
	/* The bytes before i, read again, were clean. */
	mask = gov_json_bad16(_mm_loadu_si128((const __m128i *) (s + n - 16))) >> (16 - (n - i));
	return mask != 0 ? i + __builtin_ctz(mask) : n;

bytewise:
#endif
	{
		/* Bytes that must be escaped in a JSON string. */
		static const unsigned char gov_json_escape[256] = {
			[0 ... 0x1f] = 1,['"'] = 1,['\\'] = 1,[0x7f] = 1
		};

		for (; i < n; i++)
			if (gov_json_escape[(unsigned char) s[i]])
				break;
		return i;
	}
}

/* What a byte costs rendered in a JSON string by gov_out_json_string. */
static inline size_t
gov_json_width(unsigned char c)
{
	if (c == '"' || c == '\\' || c == '\n' || c == '\r' || c == '\t')
		return 2;
	if (c < 0x20 || c == 0x7f)
		return 6;
	return 1;
}

/*
 * How many leading bytes of s[0..n) render, escaped as gov_out_json_string
 * escapes them, in at most max bytes (quotes not counted), cut where a
 * UTF-8 character starts.  A byte that renders as \u00XX counts six: the
 * cap bounds what an event costs the trail, not what it costs the sender.
 */
size_t
gov_audit_json_fit(const char *s, size_t n, size_t max)
{
	size_t		used = 0,
				i;

	for (i = 0; i < n; i++)
	{
		size_t		w = gov_json_width((unsigned char) s[i]);

		if (used + w > max)
			break;
		used += w;
	}
	/* Do not end inside a multi-byte character. */
	while (i > 0 && i < n && ((unsigned char) s[i] & 0xC0) == 0x80)
		i--;
	return i;
}

/* The same for trailing bytes: how many render in at most max bytes. */
size_t
gov_audit_json_fit_tail(const char *s, size_t n, size_t max)
{
	size_t		used = 0,
				k = 0;

	while (k < n)
	{
		size_t		w = gov_json_width((unsigned char) s[n - k - 1]);

		if (used + w > max)
			break;
		used += w;
		k++;
	}
	/* Start where a character starts. */
	while (k > 0 && ((unsigned char) s[n - k] & 0xC0) == 0x80)
		k--;
	return k;
}

/* A JSON string; control characters escaped, other bytes as they are. */
static void
gov_out_json_string(GovOut *o, const char *s, size_t n)
{
	size_t		i,
				run = 0;

	gov_out(o, "\"", 1);
	while (run < n)
	{
		unsigned char c;
		char		esc[8];

		i = run + gov_json_clean_prefix(s + run, n - run);
		gov_out(o, s + run, i - run);
		if (i == n)
			break;
		c = (unsigned char) s[i];
		run = i + 1;
		switch (c)
		{
			case '"':
				gov_out(o, "\\\"", 2);
				break;
			case '\\':
				gov_out(o, "\\\\", 2);
				break;
			case '\n':
				gov_out(o, "\\n", 2);
				break;
			case '\r':
				gov_out(o, "\\r", 2);
				break;
			case '\t':
				gov_out(o, "\\t", 2);
				break;
			default:
				snprintf(esc, sizeof(esc), "\\u%04x", c);
				gov_out(o, esc, 6);
		}
	}
	gov_out(o, "\"", 1);
}

/* A signed integer, without printf. */
static void
gov_out_int(GovOut *o, int64_t v)
{
	char		buf[24];
	int			i = sizeof(buf);
	uint64_t	u = v < 0 ? (uint64_t) 0 - (uint64_t) v : (uint64_t) v;

	do
	{
		buf[--i] = (char) ('0' + u % 10);
		u /= 10;
	} while (u > 0);
	if (v < 0)
		buf[--i] = '-';
	gov_out(o, buf + i, sizeof(buf) - i);
}

/*
 * A time as "YYYY-MM-DDTHH:MM:SS.uuuuuuZ".  The part up to the second is
 * formatted once per second: events come thousands a second.
 */
static void
gov_out_time(GovOut *o, int64_t usecs)
{
	static time_t cached_secs = -1;
	static char cached[32];
	static size_t cached_len;
	time_t		secs = (time_t) (usecs / 1000000);
	int			frac = (int) (usecs % 1000000);
	char		digits[8];
	int			i;

	if (frac < 0)
	{
		frac += 1000000;
		secs--;
	}
	if (secs != cached_secs)
	{
		struct tm	tm;

		gmtime_r(&secs, &tm);
		snprintf(cached, sizeof(cached), "\"%04d-%02d-%02dT%02d:%02d:%02d.",
				 (tm.tm_year + 1900) % 10000, (tm.tm_mon + 1) % 100, tm.tm_mday % 100,
				 tm.tm_hour % 100, tm.tm_min % 100, tm.tm_sec % 100);
		cached_len = strlen(cached);
		cached_secs = secs;
	}
	gov_out(o, cached, cached_len);
	for (i = 5; i >= 0; i--)
	{
		digits[i] = (char) ('0' + frac % 10);
		frac /= 10;
	}
	digits[6] = 'Z';
	digits[7] = '"';
	gov_out(o, digits, 8);
}

/*
 * Hashing contexts are fetched and keyed once and reused for every line:
 * OpenSSL 3's one-shot HMAC() fetches its algorithm on every call, which
 * costs more than hashing a line.  Single-threaded use only, as everywhere
 * in the server.
 */
static EVP_MAC_CTX *gov_hmac_ctx = NULL;
static unsigned char gov_hmac_key[1024];
static size_t gov_hmac_keylen = 0;
static EVP_MD_CTX *gov_sha_ctx = NULL;
static EVP_MD *gov_sha = NULL;

static bool
gov_hmac_ready(const unsigned char *key, size_t keylen)
{
	OSSL_PARAM	params[2];
	EVP_MAC    *mac;

	if (gov_hmac_ctx != NULL && keylen == gov_hmac_keylen &&
		memcmp(key, gov_hmac_key, keylen) == 0)
		return EVP_MAC_init(gov_hmac_ctx, NULL, 0, NULL) == 1;
	EVP_MAC_CTX_free(gov_hmac_ctx);
	gov_hmac_ctx = NULL;
	if (keylen > sizeof(gov_hmac_key) ||
		(mac = EVP_MAC_fetch(NULL, "HMAC", NULL)) == NULL)
		return false;
	gov_hmac_ctx = EVP_MAC_CTX_new(mac);
	EVP_MAC_free(mac);
	params[0] = OSSL_PARAM_construct_utf8_string("digest", (char *) "SHA256", 0);
	params[1] = OSSL_PARAM_construct_end();
	if (gov_hmac_ctx == NULL || EVP_MAC_init(gov_hmac_ctx, key, keylen, params) != 1)
	{
		EVP_MAC_CTX_free(gov_hmac_ctx);
		gov_hmac_ctx = NULL;
		return false;
	}
	memcpy(gov_hmac_key, key, keylen);
	gov_hmac_keylen = keylen;
	return true;
}

void
gov_audit_hash(const unsigned char *key, size_t keylen, const char *data,
			   size_t len, char *hex_out)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	size_t		mdlen = 0;
	unsigned int shalen = 0;
	static const char hex[] = "0123456789abcdef";
	size_t		i;

	memset(md, 0, sizeof(md));
	if (key != NULL && keylen > 0)
	{
		if (gov_hmac_ready(key, keylen))
		{
			EVP_MAC_update(gov_hmac_ctx, (const unsigned char *) data, len);
			EVP_MAC_final(gov_hmac_ctx, md, &mdlen, sizeof(md));
		}
	}
	else
	{
		if (gov_sha == NULL)
			gov_sha = EVP_MD_fetch(NULL, "SHA256", NULL);
		if (gov_sha_ctx == NULL)
			gov_sha_ctx = EVP_MD_CTX_new();
		if (gov_sha != NULL && gov_sha_ctx != NULL &&
			EVP_DigestInit_ex(gov_sha_ctx, gov_sha, NULL) == 1)
		{
			EVP_DigestUpdate(gov_sha_ctx, data, len);
			EVP_DigestFinal_ex(gov_sha_ctx, md, &shalen);
		}
		mdlen = shalen;
	}
	/* A failure leaves zeros, which never match: it is detected, not hidden. */
	for (i = 0; i < 32; i++)
	{
		hex_out[2 * i] = hex[md[i] >> 4];
		hex_out[2 * i + 1] = hex[md[i] & 0x0f];
	}
	hex_out[64] = '\0';
	(void) mdlen;
}

size_t
gov_audit_render(const char *rec, size_t reclen, uint64_t seq,
				 const char *prev_hash, const unsigned char *key,
				 size_t keylen, char *out, size_t cap, char *hash_out)
{
	size_t		prefix;
	size_t		n = gov_audit_render_line(rec, reclen, seq, out, cap, &prefix);

	if (n == 0)
		return 0;
	memcpy(out + prefix, prev_hash, 64);
	gov_audit_hash(key, keylen, out, prefix + 65, hash_out);
	memcpy(out + prefix + 64 + GOV_AUDIT_HASH_GAP, hash_out, 64);
	return n;
}

size_t
gov_audit_render_line(const char *rec, size_t reclen, uint64_t seq,
					  char *out, size_t cap, size_t *prefix)
{
	GovOut		o = {out, 0, cap, false};
	size_t		pos = 0;

	gov_outs(&o, "{\"seq\":");
	gov_out_int(&o, (int64_t) seq);
	while (pos < reclen)
	{
		GovAuditField f;
		GovAuditKind kind;
		uint32_t	len;
		const char *v;

		if (reclen - pos < GOV_FIELD_HEADER)
			return 0;
		f = (GovAuditField) (unsigned char) rec[pos];
		kind = (GovAuditKind) (unsigned char) rec[pos + 1];
		memcpy(&len, rec + pos + 2, 4);
		v = rec + pos + GOV_FIELD_HEADER;
		if (len > reclen - pos - GOV_FIELD_HEADER)
			return 0;
		pos += GOV_FIELD_HEADER + len;
		if (f < 0 || f >= GOV_AF_NFIELDS || gov_field_keys[f].text == NULL)
			return 0;
		gov_out(&o, gov_field_keys[f].text, gov_field_keys[f].len);
		switch (kind)
		{
			case GOV_AK_STR:
				gov_out_json_string(&o, v, len);
				break;
			case GOV_AK_INT:
				{
					int64_t		i;

					if (len != sizeof(i))
						return 0;
					memcpy(&i, v, sizeof(i));
					if (f == GOV_AF_TIME)
						gov_out_time(&o, i);
					else
						gov_out_int(&o, i);
				}
				break;
			case GOV_AK_BOOL:
				if (len != 1)
					return 0;
				gov_outs(&o, v[0] ? "true" : "false");
				break;
			case GOV_AK_STRS:
				{
					size_t		s = 0;
					bool		first = true;

					gov_outs(&o, "[");
					while (s < len)
					{
						size_t		l = strnlen(v + s, len - s);

						if (!first)
							gov_outs(&o, ",");
						gov_out_json_string(&o, v + s, l);
						first = false;
						s += l + 1;
					}
					gov_outs(&o, "]");
				}
				break;
			default:
				return 0;
		}
	}
	gov_outs(&o, ",\"prev_hash\":\"");
	*prefix = o.len;
	/* Both hashes are filled in later, in place. */
	gov_out(&o, gov_audit_genesis_hash, 64);
	gov_outs(&o, "\",\"hash\":\"");
	gov_out(&o, gov_audit_genesis_hash, 64);
	gov_outs(&o, "\"}\n");
	return o.overflow ? 0 : o.len;
}
