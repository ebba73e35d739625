/*-------------------------------------------------------------------------
 *
 * identity_sql.c
 *	  SQL functions over the session's identity: whoami() and claim().
 *
 * claim() is meant for row-level security policies, where it runs once
 * per row, so the claims of the acting identity are parsed into jsonb once
 * and kept (in TopMemoryContext) until the identity changes.  The cache is
 * keyed by the token's fingerprint, never by pointer, since the GUC
 * machinery may reuse memory.
 *
 * src/identity/identity_sql.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "fmgr.h"
#include "governance/identity.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/json.h"
#include "utils/jsonb.h"
#include "utils/memutils.h"
#include "utils/timestamp.h"

static Jsonb *gov_claims_jsonb = NULL;
static char gov_claims_fingerprint[65];

/* The acting identity's claims as jsonb, parsed once per identity. */
static Jsonb *
gov_current_claims(const GovIdentity *id)
{
	Jsonb	   *parsed;

	if (gov_claims_jsonb != NULL &&
		strcmp(gov_claims_fingerprint, id->fingerprint) == 0)
		return gov_claims_jsonb;
	if (gov_claims_jsonb != NULL)
		pfree(gov_claims_jsonb);
	gov_claims_jsonb = NULL;
	parsed = DatumGetJsonbP(DirectFunctionCall1(jsonb_in,
												CStringGetDatum(GovIdentityString(id, id->payload_off))));
	gov_claims_jsonb = MemoryContextAlloc(TopMemoryContext, VARSIZE(parsed));
	memcpy(gov_claims_jsonb, parsed, VARSIZE(parsed));
	strlcpy(gov_claims_fingerprint, id->fingerprint, sizeof(gov_claims_fingerprint));
	return gov_claims_jsonb;
}

static void
gov_json_field(StringInfo buf, const char *key, const char *value, bool first)
{
	if (!first)
		appendStringInfoChar(buf, ',');
	escape_json(buf, key);
	appendStringInfoChar(buf, ':');
	if (value == NULL)
		appendStringInfoString(buf, "null");
	else
		escape_json(buf, value);
}

/*
 * governance.whoami(): who acts in this session, as jsonb.  Never the
 * token; its id and fingerprint identify it.
 */
PG_FUNCTION_INFO_V1(governance_whoami_1_0);
Datum
governance_whoami_1_0(PG_FUNCTION_ARGS)
{
	const GovIdentity *id = governance_current_identity();
	StringInfoData buf;
	char		token_id[256];
	int			i;

	initStringInfo(&buf);
	appendStringInfoChar(&buf, '{');
	gov_json_field(&buf, "kind", id ? "token" : "role", true);
	gov_json_field(&buf, "db_role", GetUserNameFromId(GetSessionUserId(), false), false);
	gov_json_field(&buf, "current_role", GetUserNameFromId(GetUserId(), false), false);
	if (id != NULL)
	{
		const char *r = id->data + id->roles_off;

		governance_identity_token_id(id, token_id, sizeof(token_id));
		gov_json_field(&buf, "sub", GovIdentityString(id, id->sub_off), false);
		gov_json_field(&buf, "actor", GovIdentityString(id, id->actor_off), false);
		gov_json_field(&buf, "issuer", GovIdentityString(id, id->iss_off), false);
		gov_json_field(&buf, "token_id", token_id, false);
		gov_json_field(&buf, "token_fingerprint", id->fingerprint, false);
		gov_json_field(&buf, "algorithm", id->alg, false);
		gov_json_field(&buf, "key_id", GovIdentityString(id, id->kid_off), false);
		gov_json_field(&buf, "expires_at",
					   id->has_exp ?
					   timestamptz_to_str(time_t_to_timestamptz((pg_time_t) id->exp)) : NULL,
					   false);
		appendStringInfoString(&buf, ",\"roles\":[");
		for (i = 0; i < id->nroles; i++, r += strlen(r) + 1)
		{
			if (i > 0)
				appendStringInfoChar(&buf, ',');
			escape_json(&buf, r);
		}
		appendStringInfoChar(&buf, ']');
	}
	appendStringInfoChar(&buf, '}');
	PG_RETURN_DATUM(DirectFunctionCall1(jsonb_in, CStringGetDatum(buf.data)));
}

/*
 * governance.claims(): the verified claims object of the acting token, as
 * identity providers shape it (nested objects, URL-named claims), for
 * row-level security policies; NULL when the role acts.
 */
PG_FUNCTION_INFO_V1(governance_claims_1_0);
Datum
governance_claims_1_0(PG_FUNCTION_ARGS)
{
	const GovIdentity *id = governance_current_identity();
	Jsonb	   *claims;
	Jsonb	   *copy;

	if (id == NULL)
		PG_RETURN_NULL();
	claims = gov_current_claims(id);
	copy = palloc(VARSIZE(claims));
	memcpy(copy, claims, VARSIZE(claims));
	PG_RETURN_JSONB_P(copy);
}

/*
 * governance.claim(name): a verified claim of the acting token as text:
 * strings as themselves, other values as JSON; NULL if absent or if the
 * role acts.
 */
PG_FUNCTION_INFO_V1(governance_claim_1_0);
Datum
governance_claim_1_0(PG_FUNCTION_ARGS)
{
	const GovIdentity *id = governance_current_identity();
	text	   *name = PG_GETARG_TEXT_PP(0);
	Jsonb	   *claims;
	JsonbValue	key;
	JsonbValue *v;

	if (id == NULL)
		PG_RETURN_NULL();
	claims = gov_current_claims(id);
	key.type = jbvString;
	key.val.string.val = VARDATA_ANY(name);
	key.val.string.len = VARSIZE_ANY_EXHDR(name);
	v = findJsonbValueFromContainer(&claims->root, JB_FOBJECT, &key);
	if (v == NULL || v->type == jbvNull)
		PG_RETURN_NULL();
	if (v->type == jbvString)
		PG_RETURN_TEXT_P(cstring_to_text_with_len(v->val.string.val,
												  v->val.string.len));
	PG_RETURN_TEXT_P(cstring_to_text(JsonbToCString(NULL,
													&JsonbValueToJsonb(v)->root,
													VARSIZE(claims))));
}
