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

char *
governance_normalize_statement(const char *text, int len)
{
	char	   *copy = pnstrdup(text, len);
	core_yyscan_t scanner;
	core_yy_extra_type extra;
	core_YYSTYPE yylval;
	YYLTYPE		yylloc;
	StringInfoData out;
	int			done = 0;
	char	   *result = NULL;
	MemoryContext oldcxt = CurrentMemoryContext;

	initStringInfo(&out);
	scanner = scanner_init(copy, &extra, &ScanKeywords, ScanKeywordTokens);
	PG_TRY();
	{
		for (;;)
		{
			int			tok = core_yylex(&yylval, &yylloc, scanner);
			int			tlen;

			if (tok == 0)
				break;
			if (tok != SCONST && tok != USCONST && tok != ICONST &&
				tok != FCONST && tok != BCONST && tok != XCONST)
				continue;
			/* The lexer ends the current token with a NUL in scanbuf. */
			tlen = strlen(extra.scanbuf + yylloc);
			appendBinaryStringInfo(&out, copy + done, yylloc - done);
			appendStringInfoChar(&out, '?');
			done = yylloc + tlen;
		}
		appendBinaryStringInfo(&out, copy + done, len - done);
		result = out.data;
	}
	PG_CATCH();
	{
		/* The lexer refused the text: record nothing of it. */
		MemoryContextSwitchTo(oldcxt);
		FlushErrorState();
		result = NULL;
	}
	PG_END_TRY();
	scanner_finish(scanner);
	return result;
}
