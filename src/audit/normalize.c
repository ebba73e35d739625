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

#include "governance/audit_statement.h"
#include "lib/stringinfo.h"
#include "nodes/parsenodes.h"
#include "parser/scanner.h"
/* gram.h needs the scanner's and the parse nodes' types first. */
#include "parser/gram.h"

/*
 * Run text through the core lexer, calling fn for each token.  False if
 * the lexer refuses the text (the error is swallowed).  The lexer ends the
 * current token with a NUL in its scan buffer, so fn can read the token's
 * source text at extra->scanbuf + location.
 */
bool
governance_lex(const char *text, int len, GovTokenFn fn, void *arg)
{
	char	   *copy = pnstrdup(text, len);
	core_yyscan_t scanner;
	core_yy_extra_type extra;
	core_YYSTYPE yylval;
	YYLTYPE		yylloc;
	bool		ok = true;
	MemoryContext oldcxt = CurrentMemoryContext;

	scanner = scanner_init(copy, &extra, &ScanKeywords, ScanKeywordTokens);
	PG_TRY();
	{
		int			tok;

		while ((tok = core_yylex(&yylval, &yylloc, scanner)) != 0)
			fn(tok, &yylval, yylloc, extra.scanbuf, arg);
	}
	PG_CATCH();
	{
		MemoryContextSwitchTo(oldcxt);
		FlushErrorState();
		ok = false;
	}
	PG_END_TRY();
	scanner_finish(scanner);
	return ok;
}

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
 * around an ellipsis -- so that a leading comment cannot push the
 * statement itself past the cap.
 */
#define GOV_LONG_TOKEN 64
#define GOV_LONG_GAP 24

typedef struct GovAbridge
{
	const char *text;
	int			len;
	int			done;			/* bytes of text already copied */
	StringInfoData out;
} GovAbridge;

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
gov_abridge_span(GovAbridge *a, int from, int to, int max, int head, int tail)
{
	if (to - from <= max)
	{
		appendBinaryStringInfo(&a->out, a->text + from, to - from);
		return;
	}
	head = gov_char_start(a->text, from + head) - from;
	tail = to - gov_char_start(a->text, to - tail);
	appendBinaryStringInfo(&a->out, a->text + from, head);
	appendStringInfoString(&a->out, "…");
	appendBinaryStringInfo(&a->out, a->text + to - tail, tail);
}

static void
gov_abridge_token(int tok, core_YYSTYPE *val, int location,
				  const char *scanbuf, void *arg)
{
	GovAbridge *a = arg;
	int			end = location + strlen(scanbuf + location);

	/* What lies between the last token and this one: blanks, comments. */
	gov_abridge_span(a, a->done, location, GOV_LONG_GAP, 8, 8);
	gov_abridge_span(a, location, end, GOV_LONG_TOKEN, 24, 8);
	a->done = end;
}

char *
governance_abridge_statement(const char *text, int len)
{
	GovAbridge	a;

	a.text = text;
	a.len = len;
	a.done = 0;
	initStringInfo(&a.out);
	if (!governance_lex(text, len, gov_abridge_token, &a))
		return NULL;
	gov_abridge_span(&a, a.done, len, GOV_LONG_GAP, 8, 8);
	return a.out.data;
}
