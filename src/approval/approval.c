/*-------------------------------------------------------------------------
 *
 * approval.c
 *	  Using approvals and raising approval requests.
 *
 * When the policy holds a statement for approval, the guard calls
 * governance_approval_enforce().  An approved, unused, unexpired row of
 * governance.approvals for the same requester, database and statement
 * fingerprint is marked used by an UPDATE in the statement's own
 * transaction, so a statement that fails leaves its approval standing and
 * two sessions cannot both use one approval (the second waits for the
 * first's row lock and then finds it used).  Expiry is judged by the clock
 * when the statement runs, not by now(): that is when its transaction
 * began, which may be long before.
 *
 * Otherwise a request is raised: an audit event, appended to the ring and
 * waited for until it is durable, because the statement's transaction is
 * about to roll back.  Its sequence number is the request id.  NOTIFY is
 * transactional and would roll back too, so a short-lived background
 * worker connected to the same database sends it.  A session that repeats
 * a statement still waiting for a decision is pointed at its existing
 * request instead of raising another.
 *
 * The extension's tables are read and written through SPI as their owner,
 * with the search path pinned to pg_catalog, while the guard and the audit
 * ignore these internal statements (governance_inhibit).
 *
 * src/approval/approval.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "access/xact.h"
#include "catalog/pg_class.h"
#include "catalog/pg_type.h"
#include "commands/async.h"
#include "executor/spi.h"
#include "governance/approval.h"
#include "governance/audit.h"
#include "governance/common.h"
#include "governance/identity.h"
#include "miscadmin.h"
#include "postmaster/bgworker.h"
#include "storage/ipc.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/syscache.h"
#include "utils/timestamp.h"


/* Requests this session raised, so repeating a statement does not flood. */
#define GOV_PENDING_SLOTS 8
typedef struct GovPending
{
	char		requester[NAMEDATALEN * 2];	/* and actor, as "sub:x/actor" */
	char		fingerprint[65];
	int64		request_id;
	TimestampTz at;
} GovPending;
static GovPending gov_pending[GOV_PENDING_SLOTS];
static int	gov_pending_next = 0;

char *
governance_requester(const char **actor)
{
	const GovIdentity *id = governance_current_identity();

	*actor = NULL;
	if (id != NULL && id->sub_off >= 0)
	{
		*actor = GovIdentityString(id, id->actor_off);
		return psprintf("sub:%s", GovIdentityString(id, id->sub_off));
	}
	return psprintf("db:%s", GetUserNameFromId(GetSessionUserId(), false));
}

/* Mark an approval for this statement used; its request id, or 0. */
static int64
gov_consume(const char *requester, const char *actor, const char *fingerprint)
{
	Oid			types[3] = {TEXTOID, TEXTOID, TEXTOID};
	Datum		values[3];
	char		nulls[3] = {' ', ' ', ' '};
	int64		id = 0;

	values[0] = CStringGetTextDatum(requester);
	values[1] = actor ? CStringGetTextDatum(actor) : (Datum) 0;
	nulls[1] = actor ? ' ' : 'n';
	values[2] = CStringGetTextDatum(fingerprint);
	SPI_connect();
	governance_spi_internal(
		"UPDATE governance.approvals"
		"   SET consumed_at = clock_timestamp(), consumed_by_pid = pg_backend_pid()"
		" WHERE request_id = (SELECT a.request_id FROM governance.approvals a"
		"                      WHERE a.database = current_database()"
		"                        AND a.requester = $1"
		"                        AND a.requester_actor IS NOT DISTINCT FROM $2"
		"                        AND a.fingerprint = $3"
		"                        AND a.decision = 'approved'"
		"                        AND a.consumed_at IS NULL"
		"                        AND a.expires_at > clock_timestamp()"
		"                      ORDER BY a.request_id LIMIT 1)"
		"   AND consumed_at IS NULL"
		" RETURNING request_id",
		3, types, values, nulls);
	if (SPI_processed > 0)
	{
		bool		isnull;

		id = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0],
										 SPI_tuptable->tupdesc, 1, &isnull));
	}
	SPI_finish();
	return id;
}

/*
 * What became of a request this session raised: 'd' denied (with who and
 * why), 'a' approved, 'p' still pending.
 */
static char
gov_request_state(int64 id, char **decided_by, char **comment)
{
	Oid			types[1] = {INT8OID};
	Datum		values[1] = {Int64GetDatum(id)};
	char		state = 'p';
	MemoryContext caller = CurrentMemoryContext;

	SPI_connect();
	governance_spi_internal("SELECT decision, decided_by, comment"
							"  FROM governance.approvals WHERE request_id = $1",
							1, types, values, NULL);
	if (SPI_processed > 0)
	{
		char	   *decision = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1);
		char	   *by = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2);
		char	   *why = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 3);

		state = strcmp(decision, "denied") == 0 ? 'd' : 'a';
		*decided_by = by ? MemoryContextStrdup(caller, by) : NULL;
		*comment = why ? MemoryContextStrdup(caller, why) : NULL;
	}
	SPI_finish();
	return state;
}

/*
 * Announce a request from a worker, since this transaction rolls back.
 * A session has at most one announcing worker at a time, so a flood of
 * requests cannot take every worker slot of the server.
 */
static BackgroundWorkerHandle *gov_announcer = NULL;

static void
gov_announce(int64 request_id)
{
	BackgroundWorker worker;
	pid_t		pid;
	MemoryContext old;

	if (gov_announcer != NULL &&
		GetBackgroundWorkerPid(gov_announcer, &pid) != BGWH_STOPPED)
	{
		ereport(LOG,
				(errmsg("approval request %lld was not announced on channel governance_approvals",
						(long long) request_id),
				 errdetail("This session's previous announcement is still being sent."),
				 errhint("The request is recorded in the audit trail and listed in governance.approval_requests.")));
		return;
	}

	memset(&worker, 0, sizeof(worker));
	worker.bgw_flags = BGWORKER_SHMEM_ACCESS | BGWORKER_BACKEND_DATABASE_CONNECTION;
	worker.bgw_start_time = BgWorkerStart_RecoveryFinished;
	worker.bgw_restart_time = BGW_NEVER_RESTART;
	strlcpy(worker.bgw_library_name, "governance", BGW_MAXLEN);
	strlcpy(worker.bgw_function_name, "governance_notify_main", BGW_MAXLEN);
	snprintf(worker.bgw_name, BGW_MAXLEN, "governance approval notice %lld",
			 (long long) request_id);
	strlcpy(worker.bgw_type, "governance approval notice", BGW_MAXLEN);
	worker.bgw_main_arg = Int64GetDatum(request_id);
	memcpy(worker.bgw_extra, &MyDatabaseId, sizeof(Oid));
	worker.bgw_notify_pid = 0;
	if (gov_announcer != NULL)
		pfree(gov_announcer);
	gov_announcer = NULL;
	old = MemoryContextSwitchTo(TopMemoryContext);
	if (!RegisterDynamicBackgroundWorker(&worker, &gov_announcer))
		ereport(LOG,
				(errmsg("approval request %lld could not be announced on channel governance_approvals",
						(long long) request_id),
				 errdetail("No background worker slot is free."),
				 errhint("Raise max_worker_processes.  The request is recorded in the audit trail and listed in governance.approval_requests.")));
	MemoryContextSwitchTo(old);
}

/* The worker that sends the NOTIFY for one request. */
PGDLLEXPORT void governance_notify_main(Datum arg);
void
governance_notify_main(Datum arg)
{
	Oid			dboid;
	char		payload[64];

	memcpy(&dboid, MyBgworkerEntry->bgw_extra, sizeof(Oid));
	BackgroundWorkerUnblockSignals();
	BackgroundWorkerInitializeConnectionByOid(dboid, InvalidOid, 0);
	snprintf(payload, sizeof(payload), "{\"request_id\":%lld}",
			 (long long) DatumGetInt64(arg));
	StartTransactionCommand();
	Async_Notify("governance_approvals", payload);
	CommitTransactionCommand();
	proc_exit(0);
}

/* Record a request durably; returns its id. */
static int64
gov_raise_request(const GovDecision *d, const char *text, int len,
				  const char *requester, const char *fingerprint,
				  List *actions, const char *parameters)
{
	const char **texts = palloc(sizeof(char *) * Max(list_length(actions), 1));
	ListCell   *lc;
	int			n = 0;
	char		buf[GOV_AUDIT_MAX_RECORD];
	GovAuditRecord r;
	char	   *stmt = pnstrdup(text, len);
	char	   *clean = governance_redact_text(stmt);
	int64		seq;

	gov_audit_record_init(&r, buf, sizeof(buf));
	governance_audit_common(&r, "approval", "requested",
							governance_current_identity());
	gov_audit_put_str(&r, GOV_AF_DECISION, "require_approval");
	gov_audit_put_str(&r, GOV_AF_REQUESTER, requester);
	gov_audit_put_str(&r, GOV_AF_SESSION_ROLE,
					  GetUserNameFromId(GetSessionUserId(), false));
	gov_audit_put_str(&r, GOV_AF_RULE, d->rule);
	gov_audit_put_str(&r, GOV_AF_POLICY_ACTION, governance_action_text(&d->action));
	gov_audit_put_str(&r, GOV_AF_FINGERPRINT, fingerprint);
	gov_audit_put_str(&r, GOV_AF_STATEMENT, clean ? clean : stmt);
	/* What the approver approves includes every action and the values. */
	foreach(lc, actions)
		texts[n++] = governance_action_text(lfirst(lc));
	gov_audit_put_strs(&r, GOV_AF_ACTIONS, texts, n);
	if (parameters != NULL)
		gov_audit_put_str(&r, GOV_AF_DETAIL, psprintf("parameters: %s", parameters));
	/* An approver must see all of what they approve. */
	if (r.truncated)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("%s requires approval, and this statement is too long to be shown to an approver",
						governance_action_text(&d->action)),
				 errdetail("An approval request holds at most %d bytes of statement, actions and parameters.",
						   GOV_AUDIT_MAX_RECORD),
				 errhint("Split the statement, or ask a governance administrator to change the policy.")));
	seq = (int64) governance_audit_emit(&r, ERROR);
	if (seq == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_RESOURCES),
				 errmsg("approval request could not be recorded: the audit ring is full"),
				 errdetail("governance.audit_on_full = drop dropped the request."),
				 errhint("Retry when the audit worker has caught up.")));
	/* The transaction rolls back; the request must outlive it. */
	governance_ring_wait_durable((uint64) seq);
	gov_announce(seq);
	return seq;
}

/* Queue the event that records an approval being used. */
static void
gov_record_consumed(const GovDecision *d, int64 id, const char *fingerprint)
{
	char		buf[4096];
	GovAuditRecord r;

	gov_audit_record_init(&r, buf, sizeof(buf));
	governance_audit_common(&r, "approval", "consumed",
							governance_current_identity());
	gov_audit_put_int(&r, GOV_AF_REQUEST_ID, id);
	gov_audit_put_str(&r, GOV_AF_RULE, d->rule);
	gov_audit_put_str(&r, GOV_AF_POLICY_ACTION, governance_action_text(&d->action));
	gov_audit_put_str(&r, GOV_AF_FINGERPRINT, fingerprint);
	governance_audit_at_commit(&r);
}

int64
governance_approval_enforce(const GovDecision *d, const char *text, int len,
							List *actions, ParamListInfo params)
{
	const char *actor;
	char	   *requester = governance_requester(&actor);
	char	   *fingerprint = governance_statement_fingerprint(text, len, actions, params);
	char	   *action = governance_action_text(&d->action);
	GovPending *slot = NULL;
	char		who[NAMEDATALEN * 2];
	int64		id;
	int			i;

	snprintf(who, sizeof(who), "%s/%s", requester, actor ? actor : "");

	if (fingerprint == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_GOVERNANCE_APPROVAL_REQUIRED),
				 errmsg("%s requires approval, and this statement cannot be fingerprinted", action),
				 errdetail("Governance rule \"%s\" requires approval.", d->rule)));

	id = gov_consume(requester, actor, fingerprint);
	if (id != 0)
	{
		gov_record_consumed(d, id, fingerprint);
		return id;
	}

	/* A request of ours for this statement, still waiting? */
	for (i = 0; i < GOV_PENDING_SLOTS; i++)
		if (gov_pending[i].request_id != 0 &&
			strcmp(gov_pending[i].fingerprint, fingerprint) == 0 &&
			strcmp(gov_pending[i].requester, who) == 0 &&
			GetCurrentTimestamp() - gov_pending[i].at <
			(int64) governance_approval_ttl * USECS_PER_SEC)
			slot = &gov_pending[i];
	if (slot != NULL)
	{
		char	   *by = NULL;
		char	   *why = NULL;
		char		state = gov_request_state(slot->request_id, &by, &why);

		if (state == 'd')
		{
			int64		denied = slot->request_id;

			slot->request_id = 0;
			ereport(ERROR,
					(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
					 errmsg("%s was denied approval (request %lld)", action, (long long) denied),
					 errdetail("%s denied request %lld%s%s.", by ? by : "An approver",
							   (long long) denied, why ? ": " : "", why ? why : ""),
					 errhint("Running the statement again raises a new request.")));
		}
		if (state == 'p')
			id = slot->request_id;
	}
	if (id == 0)
	{
		id = gov_raise_request(d, text, len, requester, fingerprint, actions,
							   governance_parameter_text(params));
		slot = &gov_pending[gov_pending_next];
		gov_pending_next = (gov_pending_next + 1) % GOV_PENDING_SLOTS;
		strlcpy(slot->fingerprint, fingerprint, sizeof(slot->fingerprint));
		strlcpy(slot->requester, who, sizeof(slot->requester));
		slot->request_id = id;
		slot->at = GetCurrentTimestamp();
	}
	ereport(ERROR,
			(errcode(ERRCODE_GOVERNANCE_APPROVAL_REQUIRED),
			 errmsg("%s requires approval (request %lld)", action, (long long) id),
			 errdetail("Governance rule \"%s\" requires a second person's approval. Request %lld is recorded and was announced on channel governance_approvals.",
					   d->rule, (long long) id),
			 errhint("Ask an approver to run SELECT governance.approve(%lld, '<reason>'), then run the same statement again.",
					 (long long) id)));
	return 0;					/* not reached */
}
