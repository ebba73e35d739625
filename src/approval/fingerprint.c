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
 * Text alone does not say what a statement acts on: DROP TABLE x names
 * another table under another search_path, and a prepared DELETE ...
 * WHERE id = $1 deletes another row with another parameter.  So the hash
 * also covers the statement's actions as the policy saw them -- each
 * operation with the OID and the schema-qualified name of its relation --
 * and the values of its parameters.
 *
 * src/approval/fingerprint.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "common/cryptohash.h"
#include "common/sha2.h"
#include "governance/approval.h"
#include "governance/audit.h"
#include "lib/stringinfo.h"
#include "nodes/parsenodes.h"
#include "parser/scanner.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
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

/*
 * The values of a statement's parameters, as "$1 = 'v', $2 = NULL", or
 * NULL if it has none.  PL/pgSQL supplies its variables through a fetch
 * hook, so each parameter is fetched the way the executor would.
 */
char *
governance_parameter_text(ParamListInfo params)
{
	StringInfoData buf;
	int			i;

	if (params == NULL || params->numParams <= 0)
		return NULL;
	initStringInfo(&buf);
	for (i = 0; i < params->numParams; i++)
	{
		ParamExternData workspace;
		ParamExternData *prm;

		if (params->paramFetch != NULL)
			prm = params->paramFetch(params, i + 1, false, &workspace);
		else
			prm = &params->params[i];
		if (i > 0)
			appendStringInfoString(&buf, ", ");
		appendStringInfo(&buf, "$%d = ", i + 1);
		if (prm == NULL || !OidIsValid(prm->ptype))
			appendStringInfoString(&buf, "?");
		else if (prm->isnull)
			appendStringInfoString(&buf, "NULL");
		else
		{
			Oid			out;
			bool		varlena;

			getTypeOutputInfo(prm->ptype, &out, &varlena);
			appendStringInfo(&buf, "%s::%s",
							 quote_literal_cstr(OidOutputFunctionCall(out, prm->value)),
							 format_type_be(prm->ptype));
		}
	}
	return buf.data;
}

char *
governance_statement_fingerprint(const char *text, int len, List *actions,
								 ParamListInfo params)
{
	StringInfoData buf;
	pg_cryptohash_ctx *ctx;
	uint8		digest[PG_SHA256_DIGEST_LENGTH];
	char	   *hex;
	char	   *values;
	ListCell   *lc;
	int			i;

	initStringInfo(&buf);
	if (!governance_lex(text, len, gov_fingerprint_token, &buf))
		return NULL;
	foreach(lc, actions)
	{
		GovAction  *a = lfirst(lc);
		const char *object = governance_action_object(a);

		appendStringInfo(&buf, "action:%u:%d:%d:%u:%zu:%s\n", a->op, a->unfiltered,
						 a->destructive, a->relid, object ? strlen(object) : 0,
						 object ? object : "");
	}
	values = governance_parameter_text(params);
	if (values != NULL)
		appendStringInfo(&buf, "params:%zu:%s\n", strlen(values), values);
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
