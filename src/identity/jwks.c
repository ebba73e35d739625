/*-------------------------------------------------------------------------
 *
 * jwks.c
 *	  Key sets published by identity providers at an https:// URL:
 *	  the settings, the copies kept in the data directory, and what
 *	  backends and the fetching worker share.
 *
 * The worker (jwks_worker.c) fetches each URL of governance.jwks_url and,
 * when a fetched set loads and differs from the kept copy, replaces the
 * copy in pg_governance_jwks/ (written whole, then renamed) and advances
 * a generation counter in shared memory.  Backends build their key set
 * from the key files and these copies, and build it again when the
 * counter moves; the counter also enters the verification generation, so
 * a session acting by a key the provider withdrew is stopped at its next
 * statement.  A copy survives restarts: a server that starts without
 * network verifies with the last set it fetched.
 *
 * A token naming a key id that no key has may have been signed by a key
 * the provider published since the last fetch: the backend asks the
 * worker for a fetch and waits for its answer, a few seconds at most.
 * The worker fetches at most once every GOV_JWKS_MIN_INTERVAL_MS, so
 * tokens with made-up key ids cannot make it hammer the provider.
 *
 * src/identity/jwks.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <sys/stat.h>

#include "funcapi.h"
#include "governance/common.h"
#include "governance/identity.h"
#include "governance/identity_jwt.h"
#include "miscadmin.h"
#include "port/atomics.h"
#include "storage/latch.h"
#include "storage/shmem.h"
#include "storage/spin.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/timestamp.h"
#include "utils/wait_event.h"

#include "jwks_internal.h"

/* How long a backend waits for the worker to answer, at most. */
#define GOV_JWKS_WAIT_MS	10000

static GovJwksShared *gov_jwks = NULL;

Size
governance_jwks_shmem_size(void)
{
	return sizeof(GovJwksShared);
}

void
governance_jwks_shmem_init(void)
{
	bool		found;

	gov_jwks = ShmemInitStruct("governance jwks", sizeof(GovJwksShared), &found);
	if (!found)
	{
		memset(gov_jwks, 0, sizeof(GovJwksShared));
		SpinLockInit(&gov_jwks->mutex);

		/*
		 * A generation no key set was built under before: shared memory is
		 * made again after a backend crashes, and a count starting from 0
		 * again would let sets built before the crash pass for current.
		 */
		pg_atomic_init_u64(&gov_jwks->generation, (uint64) GetCurrentTimestamp());
		pg_atomic_init_u64(&gov_jwks->requested, 0);
		pg_atomic_init_u64(&gov_jwks->answered, 0);
	}
}

GovJwksShared *
governance_jwks_shared(void)
{
	return gov_jwks;
}

uint64
governance_jwks_generation(void)
{
	return gov_jwks == NULL ? 0 : pg_atomic_read_u64(&gov_jwks->generation);
}

/*
 * Split governance.jwks_url into its URLs, trimmed, empty items dropped.
 * Returns how many (at most GOV_JWKS_MAX_URLS are looked at); the strings
 * are palloc'd in the current context.
 */
int
governance_jwks_urls(const char *list, char **urls)
{
	char	   *copy;
	char	   *item,
			   *save = NULL;
	int			n = 0;

	if (list == NULL || list[0] == '\0')
		return 0;
	copy = pstrdup(list);
	for (item = strtok_r(copy, ",", &save); item != NULL && n < GOV_JWKS_MAX_URLS;
		 item = strtok_r(NULL, ",", &save))
	{
		item = governance_trim_blanks(item);
		if (*item != '\0')
			urls[n++] = pstrdup(item);
	}
	pfree(copy);
	return n;
}

/*
 * The file in the data directory that keeps the last good set fetched
 * from url: named by the SHA-256 of the URL, so that a changed list of
 * URLs never reads another URL's keys.
 */
void
governance_jwks_cache_path(const char *url, char *path, Size len)
{
	char		hex[GOV_JWT_FINGERPRINT_LEN];

	gov_jwt_fingerprint(url, strlen(url), hex);
	snprintf(path, len, "%s/%.32s.json", GOV_JWKS_CACHE_DIR, hex);
}

/*
 * governance.jwks_url: https:// URLs only (the keys that decide who acts
 * must not come over a channel anyone on the path can rewrite), at most
 * GOV_JWKS_MAX_URLS, none with blanks or control characters inside.
 */
bool
governance_jwks_url_check(char **newval, void **extra, GucSource source)
{
	const char *p = *newval;
	int			n = 0;

	if (p == NULL)
		return true;
	while (*p != '\0')
	{
		const char *start,
				   *end;

		while (*p == ' ' || *p == '\t' || *p == ',')
			p++;
		if (*p == '\0')
			break;
		start = p;
		while (*p != '\0' && *p != ',')
			p++;
		end = p;
		while (end > start && (end[-1] == ' ' || end[-1] == '\t'))
			end--;
		if (++n > GOV_JWKS_MAX_URLS)
		{
			GUC_check_errdetail("At most %d URLs may be given.", GOV_JWKS_MAX_URLS);
			return false;
		}
		if (end - start >= GOV_JWKS_URL_LEN)
		{
			GUC_check_errdetail("A URL may have at most %d characters.", GOV_JWKS_URL_LEN - 1);
			return false;
		}
		if (end - start <= 8 || pg_strncasecmp(start, "https://", 8) != 0)
		{
			GUC_check_errdetail("\"%.*s\" is not an https:// URL.", (int) Min(end - start, 200), start);
			GUC_check_errhint("Key sets are fetched over TLS only; name a private CA with governance.jwks_ca_file.");
			return false;
		}
		for (const char *c = start; c < end; c++)
			if ((unsigned char) *c <= ' ' || *c == 0x7f)
			{
				GUC_check_errdetail("A URL may not contain blanks or control characters.");
				return false;
			}
	}
	return true;
}

/* governance.jwks_ca_file: empty, or a readable regular file. */
bool
governance_jwks_ca_file_check(char **newval, void **extra, GucSource source)
{
	struct stat st;

	if (*newval == NULL || (*newval)[0] == '\0')
		return true;
	if (stat(*newval, &st) != 0 || !S_ISREG(st.st_mode))
	{
		GUC_check_errdetail("\"%s\" is not a readable file.", *newval);
		return false;
	}
	return true;
}

/*
 * A token names a key id no key has: ask the worker to fetch the sets now
 * and wait for its answer.  True if the worker answered (whether or not
 * the sets changed), false if no URL is configured, no worker runs, or it
 * did not answer in time.
 */
bool
governance_jwks_refresh_and_wait(void)
{
	uint64		ticket;
	Latch	   *worker;
	TimestampTz give_up;

	if (gov_jwks == NULL || governance_jwks_url == NULL || governance_jwks_url[0] == '\0')
		return false;
	SpinLockAcquire(&gov_jwks->mutex);
	worker = gov_jwks->worker_latch;
	SpinLockRelease(&gov_jwks->mutex);
	if (worker == NULL)
		return false;

	ticket = pg_atomic_add_fetch_u64(&gov_jwks->requested, 1);
	SetLatch(worker);
	give_up = TimestampTzPlusMilliseconds(GetCurrentTimestamp(), GOV_JWKS_WAIT_MS);
	while (pg_atomic_read_u64(&gov_jwks->answered) < ticket)
	{
		/* A cancel or a shutdown ends the wait; the token is refused. */
		if (QueryCancelPending || ProcDiePending ||
			GetCurrentTimestamp() >= give_up)
			return false;
		(void) WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH,
						 50, PG_WAIT_EXTENSION);
		ResetLatch(MyLatch);
	}
	return true;
}

/*
 * governance.jwks_status(): one row per URL of governance.jwks_url, as
 * the worker last saw it.
 */
PG_FUNCTION_INFO_V1(governance_jwks_status_1_0);

Datum
governance_jwks_status_1_0(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	GovJwksSource sources[GOV_JWKS_MAX_URLS];
	int			n;

	if (!governance_role_is_admin(GetUserId()))
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("permission denied for governance.jwks_status()"),
				 errhint("Only superusers and members of governance_admin may see how key sets are fetched.")));
	InitMaterializedSRF(fcinfo, 0);
	if (gov_jwks == NULL)
		PG_RETURN_VOID();
	SpinLockAcquire(&gov_jwks->mutex);
	n = gov_jwks->nsources;
	memcpy(sources, gov_jwks->sources, sizeof(sources));
	SpinLockRelease(&gov_jwks->mutex);

	for (int i = 0; i < n; i++)
	{
		GovJwksSource *s = &sources[i];
		Datum		values[7];
		bool		nulls[7] = {0};

		values[0] = CStringGetTextDatum(s->url);
		values[1] = Int32GetDatum(s->nkeys);
		nulls[1] = s->fetched_at == 0 && s->nkeys == 0;
		values[2] = CStringGetTextDatum(s->kids);
		nulls[2] = s->kids[0] == '\0';
		values[3] = TimestampTzGetDatum(s->fetched_at);
		nulls[3] = s->fetched_at == 0;
		values[4] = TimestampTzGetDatum(s->changed_at);
		nulls[4] = s->changed_at == 0;
		values[5] = TimestampTzGetDatum(s->failed_at);
		nulls[5] = s->failed_at == 0;
		values[6] = CStringGetTextDatum(s->error);
		nulls[6] = s->error[0] == '\0';
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	PG_RETURN_VOID();
}
