/*-------------------------------------------------------------------------
 *
 * sessions.c
 *	  Each backend's identity in shared memory, for governance.sessions.
 *
 * One slot per backend, indexed by BackendId.  Only the owning backend
 * writes its slot, from the governance.token assign hook, and clears it at
 * exit; readers copy a slot under its spinlock.  A slot with pid 0 means
 * the backend acts as its database role.  Strings are truncated to the
 * slot's fixed sizes; the token itself is never stored, only its id.
 *
 * src/identity/sessions.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "fmgr.h"
#include "funcapi.h"
#include "governance/identity.h"
#include "miscadmin.h"
#include "storage/backendid.h"
#include "storage/ipc.h"
#include "storage/shmem.h"
#include "storage/spin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/timestamp.h"

#define GOV_SLOT_TEXT 256

typedef struct GovSessionSlot
{
	slock_t		mutex;
	int			pid;			/* 0: no token identity */
	bool		has_exp;
	int64		exp;
	char		sub[GOV_SLOT_TEXT];
	char		actor[GOV_SLOT_TEXT];
	char		roles[GOV_SLOT_TEXT];	/* NUL-separated, nroles of them */
	int			nroles;
	char		token_id[GOV_SLOT_TEXT];
} GovSessionSlot;

static GovSessionSlot *gov_sessions = NULL;
static bool gov_exit_registered = false;

Size
governance_sessions_shmem_size(void)
{
	return mul_size(MaxBackends, sizeof(GovSessionSlot));
}

void
governance_sessions_shmem_init(void)
{
	bool		found;
	int			i;

	gov_sessions = ShmemInitStruct("governance sessions",
								   governance_sessions_shmem_size(), &found);
	if (!found)
	{
		memset(gov_sessions, 0, governance_sessions_shmem_size());
		for (i = 0; i < MaxBackends; i++)
			SpinLockInit(&gov_sessions[i].mutex);
	}
}

static GovSessionSlot *
gov_my_slot(void)
{
	if (gov_sessions == NULL || MyBackendId == InvalidBackendId ||
		MyBackendId > MaxBackends)
		return NULL;
	return &gov_sessions[MyBackendId - 1];
}

static void
gov_sessions_exit(int code, Datum arg)
{
	governance_sessions_publish(NULL);
}

void
governance_sessions_publish(const GovIdentity *id)
{
	GovSessionSlot *slot = gov_my_slot();
	GovSessionSlot copy;

	if (slot == NULL)
		return;
	memset(&copy, 0, sizeof(copy));
	if (id != NULL)
	{
		const char *s = GovIdentityString(id, id->sub_off);
		const char *a = GovIdentityString(id, id->actor_off);
		const char *r = id->data + id->roles_off;
		Size		used = 0;
		int			i;

		copy.pid = MyProcPid;
		copy.has_exp = id->has_exp;
		copy.exp = id->exp;
		strlcpy(copy.sub, s ? s : "", GOV_SLOT_TEXT);
		strlcpy(copy.actor, a ? a : "", GOV_SLOT_TEXT);
		governance_identity_token_id(id, copy.token_id, GOV_SLOT_TEXT);
		for (i = 0; i < id->nroles; i++)
		{
			Size		len = strlen(r) + 1;

			if (used + len > GOV_SLOT_TEXT)
				break;
			memcpy(copy.roles + used, r, len);
			used += len;
			copy.nroles++;
			r += len;
		}
		if (!gov_exit_registered)
		{
			before_shmem_exit(gov_sessions_exit, 0);
			gov_exit_registered = true;
		}
	}
	SpinLockAcquire(&slot->mutex);
	slot->pid = copy.pid;
	slot->has_exp = copy.has_exp;
	slot->exp = copy.exp;
	memcpy(slot->sub, copy.sub, GOV_SLOT_TEXT);
	memcpy(slot->actor, copy.actor, GOV_SLOT_TEXT);
	memcpy(slot->roles, copy.roles, GOV_SLOT_TEXT);
	slot->nroles = copy.nroles;
	memcpy(slot->token_id, copy.token_id, GOV_SLOT_TEXT);
	SpinLockRelease(&slot->mutex);
}

/*
 * governance.session_identities(): one row per backend acting as a token
 * identity: pid, sub, actor, roles, token_id, expires_at.
 */
PG_FUNCTION_INFO_V1(governance_session_identities_1_0);
Datum
governance_session_identities_1_0(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	int			i;

	InitMaterializedSRF(fcinfo, 0);
	if (gov_sessions == NULL)
		PG_RETURN_VOID();
	for (i = 0; i < MaxBackends; i++)
	{
		GovSessionSlot s;
		Datum		values[6];
		bool		nulls[6] = {0};
		Datum	   *roles;
		const char *r;
		int			j;

		SpinLockAcquire(&gov_sessions[i].mutex);
		memcpy(&s, &gov_sessions[i], sizeof(s));
		SpinLockRelease(&gov_sessions[i].mutex);
		if (s.pid == 0)
			continue;

		values[0] = Int32GetDatum(s.pid);
		values[1] = CStringGetTextDatum(s.sub);
		if (s.actor[0] != '\0')
			values[2] = CStringGetTextDatum(s.actor);
		else
			nulls[2] = true;
		roles = palloc(sizeof(Datum) * Max(s.nroles, 1));
		for (j = 0, r = s.roles; j < s.nroles; j++, r += strlen(r) + 1)
			roles[j] = CStringGetTextDatum(r);
		values[3] = PointerGetDatum(construct_array(roles, s.nroles, TEXTOID,
													-1, false, TYPALIGN_INT));
		values[4] = CStringGetTextDatum(s.token_id);
		if (s.has_exp)
			values[5] = TimestampTzGetDatum(time_t_to_timestamptz((pg_time_t) s.exp));
		else
			nulls[5] = true;
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	PG_RETURN_VOID();
}
