/*-------------------------------------------------------------------------
 *
 * lex.c
 *	  Statement text read as the server reads it.
 *
 * The audit normalises and abridges statements, the approvals fingerprint
 * them: both need tokens exactly as PostgreSQL's own lexer sees them
 * (quoting, dollar quoting, escape strings, comments), never a guess.
 *
 * src/common/lex.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "governance/common.h"
#include "parser/scanner.h"
/* gram.h needs the scanner's and the parse nodes' types first. */
#include "nodes/parsenodes.h"
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
