/*-------------------------------------------------------------------------
 *
 * approval_sql.c
 *	  governance.approve() and governance.deny().
 *
 * A request is read from the audit trail by its id (the sequence number
 * of its event), so it exists even though the statement that raised it
 * rolled back.  Deciding it checks, in order: that the caller may approve
 * (a token whose roles include governance.approver_role or, without a
 * token, a session role that is a superuser or a member of
 * governance_approver), that the
 * caller is not an agent acting for someone, that the request exists, is
 * for this database, is not the caller's own and has not expired.  The
 * decision is a row of governance.approvals keyed by the request id, so a
 * second decision on the same request finds the first one and is refused.
 *
 * src/approval/approval_sql.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xact.h"
#include "catalog/pg_type.h"
#include "commands/dbcommands.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "governance/approval.h"
#include "governance/audit.h"
#include "governance/common.h"
#include "governance/identity.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/timestamp.h"

/* May the acting identity decide approval requests? */
static bool
gov_is_approver(void)
{
	const GovIdentity *id = governance_current_identity();

	if (id != NULL)
	{
		const char *p = id->data + id->roles_off;
		int			i;

		if (governance_approver_role == NULL || governance_approver_role[0] == '\0')
			return false;
		for (i = 0; i < id->nroles; i++, p += strlen(p) + 1)
			if (strcmp(p, governance_approver_role) == 0)
				return true;
		return false;
	}
	/* The role that logged in decides, whatever SET ROLE says. */
	if (superuser_arg(GetSessionUserId()))
		return true;
	{
		Oid			approver = get_role_oid("governance_approver", true);

		return OidIsValid(approver) &&
			has_privs_of_role(GetSessionUserId(), approver);
	}
}

/* The name part of "sub:alice" or "db:alice". */
static const char *
gov_principal_name(const char *principal)
{
	const char *colon = strchr(principal, ':');

	return colon ? colon + 1 : principal;
}

static Datum
gov_decide_request(FunctionCallInfo fcinfo, bool approve)
{
	int64		id = PG_GETARG_INT64(0);
	char	   *comment = PG_ARGISNULL(1) ? NULL : text_to_cstring(PG_GETARG_TEXT_PP(1));
	const GovIdentity *me = governance_current_identity();
	const char *my_actor;
	char	   *me_principal = governance_requester(&my_actor);
	Jsonb	   *ev;
	char	   *type,
			   *action,
			   *database,
			   *kind,
			   *sub,
			   *actor,
			   *db_role,
			   *time,
			   *fingerprint,
			   *statement,
			   *rule;
	char	   *requester;
	char	   *session_role;
	TimestampTz requested_at;
	TimestampTz now = GetCurrentTimestamp();
	Oid			types[12] = {INT8OID, TEXTOID, TEXTOID, TEXTOID, TEXTOID, TEXTOID,
	TEXTOID, TIMESTAMPTZOID, TEXTOID, TEXTOID, TEXTOID, TIMESTAMPTZOID};
	Datum		values[12];
	char		nulls[12];
	char		buf[4096];
	GovAuditRecord r;
	const char *verb = approve ? "approve" : "deny";

	if (!gov_is_approver())
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("only approvers may decide approval requests"),
				 errdetail("Approvers are members of the role governance_approver, or act with a token whose roles include \"%s\".",
						   governance_approver_role ? governance_approver_role : ""),
				 errhint("Ask an approver to decide request %lld.", (long long) id)));
	if (me != NULL && me->actor_off >= 0)
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("an agent cannot decide approval requests"),
				 errdetail("This token names actor \"%s\" acting for \"%s\"; approvals are given by people.",
						   GovIdentityString(me, me->actor_off),
						   gov_principal_name(me_principal))));

	ev = governance_audit_event((uint64) id);
	type = ev ? governance_jsonb_string(ev, "type") : NULL;
	action = ev ? governance_jsonb_string(ev, "action") : NULL;
	if (ev == NULL || type == NULL || strcmp(type, "approval") != 0 ||
		action == NULL || strcmp(action, "requested") != 0)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("approval request %lld does not exist", (long long) id),
				 errhint("Pending requests are listed in governance.approval_requests.")));
	{
		JsonbValue	k;
		JsonbValue *v;

		/* A request cut to fit cannot be approved: the approver saw part. */
		k.type = jbvString;
		k.val.string.val = "truncated";
		k.val.string.len = strlen("truncated");
		v = findJsonbValueFromContainer(&ev->root, JB_FOBJECT, &k);
		if (v != NULL && v->type == jbvBool && v->val.boolean)
			ereport(ERROR,
					(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
					 errmsg("approval request %lld was recorded incompletely and cannot be decided",
							(long long) id)));
	}
	database = governance_jsonb_string(ev, "database");
	kind = governance_jsonb_string(ev, "identity_kind");
	sub = governance_jsonb_string(ev, "sub");
	actor = governance_jsonb_string(ev, "actor");
	db_role = governance_jsonb_string(ev, "db_role");
	time = governance_jsonb_string(ev, "time");
	fingerprint = governance_jsonb_string(ev, "fingerprint");
	statement = governance_jsonb_string(ev, "statement");
	rule = governance_jsonb_string(ev, "rule");
	if (database == NULL || fingerprint == NULL || time == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_CORRUPTED),
				 errmsg("approval request %lld is incomplete in the audit trail", (long long) id)));
	if (strcmp(database, get_database_name(MyDatabaseId)) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("approval request %lld belongs to database \"%s\"", (long long) id, database),
				 errhint("Connect to database \"%s\" to decide it.", database)));
	requester = governance_jsonb_string(ev, "requester");
	session_role = governance_jsonb_string(ev, "session_role");
	if (requester == NULL)
		requester = (kind != NULL && strcmp(kind, "token") == 0 && sub != NULL) ?
			psprintf("sub:%s", sub) : psprintf("db:%s", db_role ? db_role : "");
	if (session_role == NULL)
		session_role = db_role;
	/*
	 * Not the same person: the same subject or role name; or, deciding
	 * without a token, the login the request came from (an agent that
	 * drops its token to approve as its database role).  With a token the
	 * subject is the person, whatever pooled login carries it.
	 */
	if (strcmp(requester, me_principal) == 0 ||
		strcmp(gov_principal_name(requester), gov_principal_name(me_principal)) == 0 ||
		(me == NULL && session_role != NULL &&
		 strcmp(session_role, GetUserNameFromId(GetSessionUserId(), false)) == 0))
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("nobody may %s their own approval request", verb),
				 errdetail("Request %lld was raised by %s.", (long long) id, requester),
				 errhint("Ask another approver.")));
	requested_at = DatumGetTimestampTz(DirectFunctionCall3(timestamptz_in,
														   CStringGetDatum(time),
														   ObjectIdGetDatum(InvalidOid),
														   Int32GetDatum(-1)));
	if (now - requested_at >= (int64) governance_approval_ttl * USECS_PER_SEC)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("approval request %lld has expired", (long long) id),
				 errdetail("It was raised at %s; requests can be decided for governance.approval_ttl (%d s).",
						   time, governance_approval_ttl),
				 errhint("The requester can run the statement again to raise a new request.")));

	memset(nulls, ' ', sizeof(nulls));
	values[0] = Int64GetDatum(id);
	values[1] = CStringGetTextDatum(database);
	values[2] = CStringGetTextDatum(requester);
	values[3] = actor ? CStringGetTextDatum(actor) : (Datum) 0;
	nulls[3] = actor ? ' ' : 'n';
	values[4] = statement ? CStringGetTextDatum(statement) : (Datum) 0;
	nulls[4] = statement ? ' ' : 'n';
	values[5] = CStringGetTextDatum(fingerprint);
	values[6] = rule ? CStringGetTextDatum(rule) : (Datum) 0;
	nulls[6] = rule ? ' ' : 'n';
	values[7] = TimestampTzGetDatum(requested_at);
	values[8] = CStringGetTextDatum(approve ? "approved" : "denied");
	values[9] = CStringGetTextDatum(me_principal);
	values[10] = comment ? CStringGetTextDatum(comment) : (Datum) 0;
	nulls[10] = comment ? ' ' : 'n';
	values[11] = TimestampTzGetDatum(TimestampTzPlusMilliseconds(GetCurrentTransactionStartTimestamp(),
																 (int64) (int64) (int64) governance_approval_ttl * 1000));

	SPI_connect();
	governance_spi_internal(
		"INSERT INTO governance.approvals AS a"
		"  (request_id, database, requester, requester_actor, statement,"
		"   fingerprint, rule, requested_at, decision, decided_by, comment,"
		"   decided_at, expires_at)"
		" VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, now(), $12)"
		" ON CONFLICT (request_id) DO NOTHING RETURNING request_id",
		12, types, values, nulls);
	if (SPI_processed == 0)
	{
		governance_spi_internal("SELECT decision, decided_by, decided_at"
								"  FROM governance.approvals WHERE request_id = $1",
								1, types, values, NULL);
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("approval request %lld is already decided", (long long) id),
				 errdetail("It was %s by %s at %s.",
						   SPI_processed ? SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1) : "decided",
						   SPI_processed ? SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2) : "someone",
						   SPI_processed ? SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 3) : "some time")));
	}
	SPI_finish();

	gov_audit_record_init(&r, buf, sizeof(buf));
	governance_audit_common(&r, "approval", approve ? "approved" : "denied", me);
	gov_audit_put_int(&r, GOV_AF_REQUEST_ID, id);
	gov_audit_put_str(&r, GOV_AF_RULE, rule);
	gov_audit_put_str(&r, GOV_AF_FINGERPRINT, fingerprint);
	gov_audit_put_str(&r, GOV_AF_DETAIL, comment);
	governance_audit_at_commit(&r);
	PG_RETURN_VOID();
}

PG_FUNCTION_INFO_V1(governance_approve_1_0);
Datum
governance_approve_1_0(PG_FUNCTION_ARGS)
{
	return gov_decide_request(fcinfo, true);
}

PG_FUNCTION_INFO_V1(governance_deny_1_0);
Datum
governance_deny_1_0(PG_FUNCTION_ARGS)
{
	return gov_decide_request(fcinfo, false);
}
