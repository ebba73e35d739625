/*-------------------------------------------------------------------------
 *
 * events.c
 *	  Building audit events in a backend and appending them to the ring.
 *
 * Every event starts with the same fields: time, type, action, database,
 * pid, session id, the database role and current role, the acting
 * identity (kind, sub, actor, roles, token id and fingerprint; never the
 * token), client address and application name.  A record is built on the
 * stack (no allocation) and copied into the ring; catalog lookups happen
 * only inside a transaction and their results are cached per backend.
 *
 * src/audit/events.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xact.h"
#include "access/xlog.h"
#include "common/hashfn.h"
#include "governance/audit.h"
#include "governance/common.h"
#include "governance/identity.h"
#include "libpq/libpq-be.h"
#include "miscadmin.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/timestamp.h"

/* Role names by OID, cached: the session user rarely changes. */
static Oid	gov_cached_role = InvalidOid;
static char gov_cached_role_name[NAMEDATALEN];

static int64
gov_unix_micros(TimestampTz ts)
{
	return (int64) ts + (int64) (POSTGRES_EPOCH_JDATE - UNIX_EPOCH_JDATE) * USECS_PER_DAY;
}

static const char *
gov_role_name(Oid role)
{
	if (!OidIsValid(role))
		return NULL;
	if (role == gov_cached_role)
		return gov_cached_role_name;
	if (!IsTransactionState())
		return NULL;
	{
		char	   *name = GetUserNameFromId(role, true);

		if (name == NULL)
			return NULL;
		strlcpy(gov_cached_role_name, name, NAMEDATALEN);
		gov_cached_role = role;
		return gov_cached_role_name;
	}
}

void
governance_audit_common(GovAuditRecord *r, const char *type,
						const char *action, const GovIdentity *id)
{
	governance_audit_common_at(r, type, action, id, GetCurrentTimestamp());
}

/*
 * The same with the event's time given: a statement event takes the time
 * it reads for the statement's duration anyway (one clock read, not two).
 */
void
governance_audit_common_at(GovAuditRecord *r, const char *type,
						   const char *action, const GovIdentity *id,
						   TimestampTz now)
{
	/*
	 * Database, pid, session id and login role never change in a process:
	 * encoded once, copied into every event.  Keyed by pid, so a copy
	 * inherited across fork() is never used.
	 */
	static char session_fields[512];
	static size_t session_len = 0;
	static int	session_pid = 0;

	if (session_pid != MyProcPid)
	{
		GovAuditRecord s;
		char		session[32];

		snprintf(session, sizeof(session), "%lx.%x", (long) MyStartTime, MyProcPid);
		gov_audit_record_init(&s, session_fields, sizeof(session_fields));
		if (MyProcPort != NULL)
			gov_audit_put_str(&s, GOV_AF_DATABASE, MyProcPort->database_name);
		gov_audit_put_int(&s, GOV_AF_PID, MyProcPid);
		gov_audit_put_str(&s, GOV_AF_SESSION_ID, session);
		if (MyProcPort != NULL)
			gov_audit_put_str(&s, GOV_AF_DB_ROLE, MyProcPort->user_name);
		/* Which server: so a collector can merge a fleet's trails. */
		{
			char		server[32];

			snprintf(server, sizeof(server), UINT64_FORMAT, GetSystemIdentifier());
			gov_audit_put_str(&s, GOV_AF_SERVER, server);
		}
		if (cluster_name != NULL && cluster_name[0] != '\0')
			gov_audit_put_str(&s, GOV_AF_CLUSTER, cluster_name);
		session_len = s.len;
		session_pid = MyProcPid;
	}
	gov_audit_put_int(r, GOV_AF_TIME, gov_unix_micros(now));
	gov_audit_put_str(r, GOV_AF_TYPE, type);
	gov_audit_put_str(r, GOV_AF_ACTION, action);
	gov_audit_put_fields(r, session_fields, session_len);
	if (governance_environment != NULL && governance_environment[0] != '\0')
		gov_audit_put_str(r, GOV_AF_ENVIRONMENT, governance_environment);
	if (OidIsValid(GetUserId()) && GetUserId() != GetSessionUserId())
		gov_audit_put_str(r, GOV_AF_CURRENT_ROLE, gov_role_name(GetUserId()));
	gov_audit_put_str(r, GOV_AF_IDENTITY_KIND, id ? "token" : "role");
	if (id != NULL)
	{
		const char *roles[64];
		const char *p = id->data + id->roles_off;
		char		token_id[256];
		int			i,
					n = Min(id->nroles, (int) lengthof(roles));

		gov_audit_put_str(r, GOV_AF_SUB, GovIdentityString(id, id->sub_off));
		gov_audit_put_str(r, GOV_AF_ACTOR, GovIdentityString(id, id->actor_off));
		for (i = 0; i < n; i++, p += strlen(p) + 1)
			roles[i] = p;
		gov_audit_put_strs(r, GOV_AF_ROLES, roles, n);
		governance_identity_token_id(id, token_id, sizeof(token_id));
		gov_audit_put_str(r, GOV_AF_TOKEN_ID, token_id);
		gov_audit_put_str(r, GOV_AF_TOKEN_FINGERPRINT, id->fingerprint);
	}
	if (MyProcPort != NULL && MyProcPort->remote_host != NULL)
		gov_audit_put_str(r, GOV_AF_CLIENT_ADDR, MyProcPort->remote_host);
	if (application_name != NULL && application_name[0] != '\0')
		gov_audit_put_str(r, GOV_AF_APPLICATION_NAME, application_name);
}

/* The last event this backend appended: reading the trail waits for it. */
static uint64 gov_last_emitted = 0;

/*
 * Who appends, for the ring's fair share: the issuer and subject of the
 * acting token, or the session's role.  Every session of one identity
 * gets the same key.
 */
static uint32
gov_actor_key(void)
{
	const GovIdentity *id = governance_current_identity();
	const char *sub;
	const char *iss;
	uint32		key;

	if (id == NULL || (sub = GovIdentityString(id, id->sub_off)) == NULL)
		return hash_bytes_uint32((uint32) GetSessionUserId());
	key = hash_bytes((const unsigned char *) sub, strlen(sub));
	iss = GovIdentityString(id, id->iss_off);
	if (iss != NULL)
		key = hash_combine(key, hash_bytes((const unsigned char *) iss, strlen(iss)));
	return key;
}

uint64
governance_audit_emit(GovAuditRecord *r, int elevel)
{
	size_t		len = gov_audit_record_finish(r);
	uint64		seq = governance_ring_append(r->data, len, elevel, gov_actor_key());

	if (seq != 0)
		gov_last_emitted = seq;
	return seq;
}

void
governance_audit_wait_own_events(void)
{
	governance_ring_wait_durable(gov_last_emitted);
}

/*
 * The token whose acceptance was recorded last in this session.  A client
 * that sets the same token again in each transaction (SET LOCAL, as
 * PostgREST does) does not change who acts: that is recorded once, and
 * again only after the session acted as someone else in between.
 */
static char gov_recorded_fingerprint[65] = "";

static bool
gov_audit_identity(const char *action, const GovIdentity *id,
						  const char *refused_fingerprint, const char *reason)
{
	char		buf[4096];
	GovAuditRecord r;

	if (strcmp(action, "token_accepted") == 0)
	{
		if (id != NULL && strcmp(gov_recorded_fingerprint, id->fingerprint) == 0)
			return true;
	}
	else if (strcmp(action, "reset") == 0)
		gov_recorded_fingerprint[0] = '\0';

	gov_audit_record_init(&r, buf, sizeof(buf));
	governance_audit_common(&r, "identity", action, id);
	if (refused_fingerprint != NULL)
		gov_audit_put_str(&r, GOV_AF_REFUSED_TOKEN, refused_fingerprint);
	if (reason != NULL)
		gov_audit_put_str(&r, GOV_AF_DETAIL, reason);
	/* Recorded whatever audit_level says; callers may not throw. */
	if (governance_audit_emit(&r, WARNING) == 0)
		return governance_audit_on_full == GOV_AUDIT_FULL_DROP;
	if (strcmp(action, "token_accepted") == 0 && id != NULL)
		strlcpy(gov_recorded_fingerprint, id->fingerprint, sizeof(gov_recorded_fingerprint));
	return true;
}

/* The identity listener: every change of who acts is recorded. */
bool
governance_audit_identity_event(GovIdentityEvent event, const GovIdentity *id,
								const char *refused_fingerprint,
								const char *reason)
{
	switch (event)
	{
		case GOV_IDENTITY_ACCEPTED:
			return gov_audit_identity("token_accepted", id, NULL, NULL);
		case GOV_IDENTITY_REFUSED:
			return gov_audit_identity("token_refused", id,
											 refused_fingerprint, reason);
		case GOV_IDENTITY_RESET:
			return gov_audit_identity("reset", id, NULL, NULL);
		case GOV_IDENTITY_CHANGED:
			break;
	}
	return true;
}

void
governance_audit_connection(const char *action, const char *detail)
{
	char		buf[4096];
	GovAuditRecord r;

	gov_audit_record_init(&r, buf, sizeof(buf));
	governance_audit_common(&r, "connection", action, NULL);
	if (detail != NULL)
		gov_audit_put_str(&r, GOV_AF_DETAIL, detail);
	(void) governance_audit_emit(&r, WARNING);
}

/*
 * Events that describe a change made by the current transaction (a policy
 * edited, an approval granted or used) are recorded only if it commits:
 * they are queued and appended just before commit, where a full ring
 * still fails the commit rather than lose them.
 */
typedef struct GovCommitEvent
{
	GovAuditRecord record;
	SubTransactionId subxid;	/* dropped if this subtransaction aborts */
} GovCommitEvent;

static List *gov_commit_events = NIL;

void
governance_audit_commit_events_subxact(SubXactEvent event,
									   SubTransactionId mySubid,
									   SubTransactionId parentSubid)
{
	ListCell   *lc;

	foreach(lc, gov_commit_events)
	{
		GovCommitEvent *e = lfirst(lc);

		if (e->subxid != mySubid)
			continue;
		if (event == SUBXACT_EVENT_ABORT_SUB)
			gov_commit_events = foreach_delete_current(gov_commit_events, lc);
		else if (event == SUBXACT_EVENT_COMMIT_SUB)
			e->subxid = parentSubid;
	}
}

void
governance_audit_commit_events(XactEvent event)
{
	if (gov_commit_events == NIL)
		return;
	if (event == XACT_EVENT_PRE_COMMIT || event == XACT_EVENT_PARALLEL_PRE_COMMIT)
	{
		ListCell   *lc;

		foreach(lc, gov_commit_events)
		{
			GovCommitEvent *e = lfirst(lc);

			(void) governance_audit_emit(&e->record, ERROR);
		}
		gov_commit_events = NIL;
	}
	else if (event == XACT_EVENT_PRE_PREPARE && gov_commit_events != NIL)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("cannot PREPARE a transaction that changed the governance policy or decided or used an approval"),
				 errdetail("Such changes are recorded in the audit trail when they commit, which a prepared transaction does later, elsewhere.")));
	else if (event == XACT_EVENT_ABORT || event == XACT_EVENT_PARALLEL_ABORT ||
			 event == XACT_EVENT_COMMIT || event == XACT_EVENT_PARALLEL_COMMIT ||
			 event == XACT_EVENT_PREPARE)
		gov_commit_events = NIL;	/* the memory went with the transaction */
}

void
governance_audit_at_commit(GovAuditRecord *r)
{
	MemoryContext old = MemoryContextSwitchTo(TopTransactionContext);
	GovCommitEvent *e = palloc(sizeof(GovCommitEvent));

	e->record = *r;
	e->record.data = palloc(r->cap);
	memcpy(e->record.data, r->data, r->len);
	e->subxid = GetCurrentSubTransactionId();
	gov_commit_events = lappend(gov_commit_events, e);
	MemoryContextSwitchTo(old);
}
