/*-------------------------------------------------------------------------
 *
 * statement_text.c
 *	  A statement's text as the audit trail records it: its own text out
 *	  of a multi-statement string, never a token, literals replaced if
 *	  asked, cut to a bound so that no filler hides what it does.
 *
 * With governance.audit_statement = normalized, a literal typed into a
 * statement (often the very personal data the trail should not hold, as in
 * WHERE email = 'ada@example.com') is replaced by '?'.  The text is run
 * through PostgreSQL's own lexer, so quoting, dollar quoting, escape
 * strings and comments are understood exactly as the server understands
 * them; text the lexer rejects is not recorded at all.
 *
 * src/audit/statement_text.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "audit_internal.h"
#include "common/cryptohash.h"
#include "common/sha2.h"
#include "governance/audit.h"
#include "governance/identity.h"
#include "utils/builtins.h"
#include "governance/common.h"
#include "lib/stringinfo.h"
#include "nodes/parsenodes.h"
#include "parser/scanner.h"
/* gram.h needs the scanner's and the parse nodes' types first. */
#include "parser/gram.h"

typedef struct GovNormalize
{
	const char *text;
	int			done;			/* bytes of text already copied */
	StringInfoData out;
} GovNormalize;

static void
gov_normalize_token(int tok, core_YYSTYPE *val, int location,
					const char *scanbuf, void *arg)
{
	GovNormalize *n = arg;

	if (tok != SCONST && tok != USCONST && tok != ICONST &&
		tok != FCONST && tok != BCONST && tok != XCONST)
		return;
	appendBinaryStringInfo(&n->out, n->text + n->done, location - n->done);
	appendStringInfoChar(&n->out, '?');
	n->done = location + strlen(scanbuf + location);
}

char *
governance_normalize_statement(const char *text, int len)
{
	GovNormalize n;

	n.text = text;
	n.done = 0;
	initStringInfo(&n.out);
	/* Text the lexer refuses is not recorded at all. */
	if (!governance_lex(text, len, gov_normalize_token, &n))
		return NULL;
	appendBinaryStringInfo(&n.out, text + n.done, len - n.done);
	return n.out.data;
}

/*
 * Abridging: a statement too long for the trail is shortened where its
 * bulk cannot be what it does -- long literals and long runs of comments,
 * blanks or control bytes between tokens keep their first and last bytes
 * around an ellipsis, and a run of tokens that repeats itself word for
 * word (1, 1, 1, ... or x = x AND x = x AND ...) keeps its first two
 * repetitions and its last token -- so that filler cannot push the
 * statement itself past the cap.
 */
#define GOV_LONG_TOKEN 64
#define GOV_LONG_GAP 24
#define GOV_MAX_PERIOD 8

typedef struct GovAbridgeToken
{
	int			kind;			/* the lexer's token code */
	int			start;
	int			end;
} GovAbridgeToken;

typedef struct GovAbridge
{
	GovAbridgeToken *toks;
	int			n;
	int			size;
} GovAbridge;

static void
gov_abridge_token(int tok, core_YYSTYPE *val, int location,
				  const char *scanbuf, void *arg)
{
	GovAbridge *a = arg;

	if (a->n == a->size)
	{
		a->size *= 2;
		a->toks = repalloc(a->toks, a->size * sizeof(GovAbridgeToken));
	}
	a->toks[a->n].kind = tok;
	a->toks[a->n].start = location;
	a->toks[a->n].end = location + strlen(scanbuf + location);
	a->n++;
}

/* A cut point at or before pos that does not split a character. */
static int
gov_char_start(const char *text, int pos)
{
	while (pos > 0 && ((unsigned char) text[pos] & 0xC0) == 0x80)
		pos--;
	return pos;
}

/* Copy text[from, to), keeping head and tail bytes of it if longer than max. */
static void
gov_abridge_span(StringInfo out, const char *text, int from, int to, int max,
				 int head, int tail)
{
	if (to - from <= max)
	{
		appendBinaryStringInfo(out, text + from, to - from);
		return;
	}
	head = gov_char_start(text, from + head) - from;
	tail = to - gov_char_start(text, to - tail);
	appendBinaryStringInfo(out, text + from, head);
	appendStringInfoString(out, "…");
	appendBinaryStringInfo(out, text + to - tail, tail);
}

/*
 * Mark the tokens dropped from runs that repeat themselves: where tokens
 * i-p and i are the same text for at least four periods in a row, the run
 * keeps its first two periods and its last token.
 */
/* The same token, to the byte: 13 is not 0, lo_unlink is not abs. */
static bool
gov_same_token(const char *text, const GovAbridgeToken *x, const GovAbridgeToken *y)
{
	return x->kind == y->kind && x->end - x->start == y->end - y->start &&
		memcmp(text + x->start, text + y->start, x->end - x->start) == 0;
}

static void
gov_abridge_repeats(const char *text, const GovAbridge *a, bool *drop)
{
	for (int p = 1; p <= GOV_MAX_PERIOD; p++)
	{
		int			i = p;

		while (i < a->n)
		{
			int			j = i;

			while (j < a->n && gov_same_token(text, &a->toks[j], &a->toks[j - p]))
				j++;
			/* tokens i-p .. j-1 repeat with period p */
			if (j - (i - p) >= 4 * p)
				for (int k = i + p; k < j - 1; k++)
					drop[k] = true;
			i = j + 1;
		}
	}
}

char *
governance_abridge_statement(const char *text, int len)
{
	GovAbridge	a;
	StringInfoData out;
	bool	   *drop;
	int			done = 0;

	a.size = 64;
	a.n = 0;
	a.toks = palloc(a.size * sizeof(GovAbridgeToken));
	if (!governance_lex(text, len, gov_abridge_token, &a))
		return NULL;
	drop = palloc0(Max(a.n, 1) * sizeof(bool));
	gov_abridge_repeats(text, &a, drop);
	initStringInfo(&out);
	for (int i = 0; i < a.n; i++)
	{
		if (drop[i])
		{
			/* One ellipsis for a dropped stretch, its blanks included. */
			if (i == 0 || !drop[i - 1])
				appendStringInfoString(&out, " … ");
			done = a.toks[i].end;
			continue;
		}
		/* What lies between the last token and this one: blanks, comments. */
		if (i > 0 && drop[i - 1])
			done = a.toks[i].start;
		gov_abridge_span(&out, text, done, a.toks[i].start, GOV_LONG_GAP, 8, 8);
		gov_abridge_span(&out, text, a.toks[i].start, a.toks[i].end, GOV_LONG_TOKEN, 24, 8);
		done = a.toks[i].end;
	}
	gov_abridge_span(&out, text, done, len, GOV_LONG_GAP, 8, 8);
	pfree(drop);
	pfree(a.toks);
	return out.data;
}

/*
 * The statement's text, cut to governance.audit_statement_max bytes as
 * rendered (escapes included, so a control byte counts six); a cut text
 * is recorded with the whole text's length and SHA-256, which identify it
 * without storing it.  So no statement can make an event big.  What is
 * cut is chosen so that no mass of filler hides the statement: long
 * literals and comments are shortened first, then head and tail are kept.
 */
static void
gov_put_capped_text(GovAuditRecord *r, const char *text, bool may_lex)
{
	size_t		n = strlen(text);
	const char *kept = text;
	size_t		nkept = n;
	size_t		head,
				tail;
	int			budget = governance_audit_statement_max;
	uint8		digest[PG_SHA256_DIGEST_LENGTH];
	char		hex[PG_SHA256_DIGEST_LENGTH * 2 + 1];
	pg_cryptohash_ctx *ctx;

	/* Most statements fit however they are escaped. */
	if (n * 6 <= (size_t) budget)
	{
		gov_audit_put_strn(r, GOV_AF_STATEMENT, text, n);
		return;
	}
	if (gov_audit_json_fit(text, n, budget) == n)
	{
		gov_audit_put_strn(r, GOV_AF_STATEMENT, text, n);
		return;
	}

	/*
	 * Too long.  First shorten what cannot be what the statement does (long
	 * literals, comments, blanks); if that is still too long, keep its head
	 * and its tail, so that neither a leading nor a trailing mass hides it.
	 */
	if (may_lex)
	{
		char	   *abridged = governance_abridge_statement(text, (int) n);

		if (abridged != NULL)
		{
			kept = abridged;
			nkept = strlen(abridged);
		}
	}
	head = gov_audit_json_fit(kept, nkept, budget * 3 / 5);
	if (head == nkept)
		gov_audit_put_strn(r, GOV_AF_STATEMENT, kept, nkept);
	else
	{
		StringInfoData both;

		tail = gov_audit_json_fit_tail(kept, nkept, budget - budget * 3 / 5 - 8);
		initStringInfo(&both);
		appendBinaryStringInfo(&both, kept, head);
		appendStringInfoString(&both, " … ");
		appendBinaryStringInfo(&both, kept + nkept - tail, tail);
		gov_audit_put_strn(r, GOV_AF_STATEMENT, both.data, both.len);
	}
	gov_audit_put_int(r, GOV_AF_STATEMENT_LENGTH, (int64) n);
	ctx = pg_cryptohash_create(PG_SHA256);
	if (ctx == NULL || pg_cryptohash_init(ctx) < 0 ||
		pg_cryptohash_update(ctx, (const uint8 *) text, n) < 0 ||
		pg_cryptohash_final(ctx, digest, sizeof(digest)) < 0)
		elog(ERROR, "could not compute the SHA-256 of a statement");
	pg_cryptohash_free(ctx);
	hex_encode((const char *) digest, sizeof(digest), hex);
	hex[sizeof(hex) - 1] = '\0';
	gov_audit_put_str(r, GOV_AF_STATEMENT_SHA256, hex);
}

/* The statement's own text out of a possibly multi-statement string. */
void
governance_audit_put_statement(GovAuditRecord *r, const char *source, int location,
				  int len, bool may_lex)
{
	const char *text;
	char	   *clean;
	char		local[1024];

	if (source == NULL || governance_audit_statement == GOV_AUDIT_STMT_NONE)
		return;
	if (location < 0)
		location = 0;
	if (len <= 0)
		len = strlen(source + location);
	while (len > 0 && isspace((unsigned char) source[location]))
		location++, len--;
	if (governance_audit_statement == GOV_AUDIT_STMT_NORMALIZED)
	{
		if (!may_lex)
			return;
		text = governance_normalize_statement(source + location, len);
		if (text == NULL)
			return;
	}
	else if (source[location + len] == '\0')
		text = source + location;	/* the rest of the string: no copy */
	else if (len < (int) sizeof(local))
	{
		/* Redaction wants a terminated string; most statements are short. */
		memcpy(local, source + location, len);
		local[len] = '\0';
		text = local;
	}
	else
		text = pnstrdup(source + location, len);
	/* Never a token, whatever the statement held. */
	clean = governance_redact_text(text);
	gov_put_capped_text(r, clean ? clean : text, may_lex);
}
