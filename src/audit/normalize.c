/*-------------------------------------------------------------------------
 *
 * normalize.c
 *	  Statement text with its literals replaced, for the audit trail.
 *
 * With governance.audit_statement = normalized, a literal typed into a
 * statement (often the very personal data the trail should not hold, as in
 * WHERE email = 'ada@example.com') is replaced by '?'.  The text is run
 * through PostgreSQL's own lexer, so quoting, dollar quoting, escape
 * strings and comments are understood exactly as the server understands
 * them; text the lexer rejects is not recorded at all.
 *
 * src/audit/normalize.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "governance/audit.h"
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
