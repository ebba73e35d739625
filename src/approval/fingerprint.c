/*-------------------------------------------------------------------------
 *
 * fingerprint.c
 *	  The fingerprint an approval is bound to.
 *
 * A statement is fingerprinted through the server's own lexer: the hash
 * covers each token's kind and value as the parser will see them.
 * Keywords and unquoted identifiers arrive folded to lower case, string
 * literals arrive with their quoting resolved ('a' and $$a$$ are the same
 * value), comments and whitespace never arrive.  Everything that changes
 * what the parser builds -- a name, a literal, an operator, CASCADE --
 * changes the fingerprint.  Spelling the same meaning differently
 * (public.t where t resolves to public.t) gives a different fingerprint:
 * approvals err on the side of asking again.
 *
 * src/approval/fingerprint.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "common/cryptohash.h"
#include "common/sha2.h"
#include "governance/approval.h"
#include "governance/audit_statement.h"
#include "lib/stringinfo.h"
#include "nodes/parsenodes.h"
#include "parser/scanner.h"
/* gram.h needs the scanner's and the parse nodes' types first. */
#include "parser/gram.h"

static void
gov_fingerprint_token(int tok, core_YYSTYPE *val, int location,
					  const char *scanbuf, void *arg)
{
	StringInfo	buf = arg;

	/* "DROP TABLE t;" and "DROP TABLE t" are one statement. */
	if (tok == ';')
		return;
	/* A separator no token value contains in this position. */
	appendStringInfo(buf, "%d:", tok);
	switch (tok)
	{
		case IDENT:
		case UIDENT:
		case FCONST:
		case SCONST:
		case USCONST:
		case BCONST:
		case XCONST:
		case Op:
			appendStringInfo(buf, "%zu:", strlen(val->str));
			appendStringInfoString(buf, val->str);
			break;
		case ICONST:
		case PARAM:
			appendStringInfo(buf, "%d", val->ival);
			break;
		default:
			break;
	}
	appendStringInfoChar(buf, '\n');
}

char *
governance_statement_fingerprint(const char *text, int len)
{
	StringInfoData buf;
	pg_cryptohash_ctx *ctx;
	uint8		digest[PG_SHA256_DIGEST_LENGTH];
	char	   *hex;
	int			i;

	initStringInfo(&buf);
	if (!governance_lex(text, len, gov_fingerprint_token, &buf))
		return NULL;
	ctx = pg_cryptohash_create(PG_SHA256);
	if (ctx == NULL || pg_cryptohash_init(ctx) < 0 ||
		pg_cryptohash_update(ctx, (uint8 *) buf.data, buf.len) < 0 ||
		pg_cryptohash_final(ctx, digest, sizeof(digest)) < 0)
		elog(ERROR, "could not compute a statement fingerprint");
	pg_cryptohash_free(ctx);
	hex = palloc(PG_SHA256_DIGEST_LENGTH * 2 + 1);
	for (i = 0; i < PG_SHA256_DIGEST_LENGTH; i++)
		sprintf(hex + i * 2, "%02x", digest[i]);
	pfree(buf.data);
	return hex;
}
