/*-------------------------------------------------------------------------
 *
 * jwks_worker.c
 *	  The background worker that fetches identity providers' key sets.
 *
 * Every governance.jwks_refresh, and when a backend meets a key id no key
 * has, the worker fetches each URL of governance.jwks_url with libcurl:
 * https only (redirects too), the server's certificate verified against
 * the system's CAs or governance.jwks_ca_file, at most GOV_JWKS_MAX_BYTES,
 * within a time limit.  A set that arrives is loaded exactly as a key file
 * is (keys not for signatures or of algorithms not verified here are
 * skipped and named); one that does not load is refused.  Only a set that
 * loads, and differs from the kept copy, replaces it.  Whatever fails (the
 * provider down, a bad certificate, a huge or malformed answer) is logged
 * and the last good set stays in force; the URL is tried again after a
 * pause that doubles up to the refresh interval.
 *
 * src/identity/jwks_worker.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <curl/curl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "governance/common.h"
#include "governance/common_curl.h"
#include "governance/identity.h"
#include "governance/identity_jwt.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "postmaster/bgworker.h"
#include "postmaster/interrupt.h"
#include "storage/fd.h"
#include "storage/ipc.h"
#include "storage/latch.h"
#include "utils/guc.h"
#include "utils/memutils.h"
#include "utils/timestamp.h"

#include "jwks_internal.h"

PGDLLEXPORT void governance_jwks_worker_main(Datum arg);

/* What the worker remembers of one URL between fetches. */
typedef struct GovJwksPlan
{
	char		url[GOV_JWKS_URL_LEN];
	TimestampTz next_at;		/* when to fetch it next */
	int			backoff_ms;		/* pause after a failure; 0 after success */
} GovJwksPlan;

/* The body of an answer, as it arrives. */
typedef struct GovBody
{
	char	   *data;
	size_t		len;
	bool		too_big;
} GovBody;

static size_t
gov_body_write(char *ptr, size_t size, size_t nmemb, void *arg)
{
	GovBody    *body = (GovBody *) arg;
	size_t		n = size * nmemb;
	char	   *grown;

	if (body->len + n > GOV_JWKS_MAX_BYTES)
	{
		body->too_big = true;
		return 0;				/* curl stops the transfer */
	}
	grown = realloc(body->data, body->len + n + 1);
	if (grown == NULL)
		return 0;
	body->data = grown;
	memcpy(body->data + body->len, ptr, n);
	body->len += n;
	body->data[body->len] = '\0';
	return n;
}

/*
 * Fetch one URL.  Returns the malloc'd body of a 200 answer, or NULL with
 * the reason in err.
 */
static char *
gov_fetch(const char *url, size_t *len, char *err, size_t errlen)
{
	CURL	   *curl = governance_curl.easy_init();
	char		curl_err[CURL_ERROR_SIZE] = "";
	GovBody		body = {0};
	struct curl_slist *headers = NULL;
	CURLcode	rc;
	long		status = 0;

	if (curl == NULL)
	{
		snprintf(err, errlen, "could not start libcurl");
		return NULL;
	}
	headers = governance_curl.slist_append(headers, "Accept: application/jwk-set+json, application/json");
	governance_curl.easy_setopt(curl, CURLOPT_URL, url);
	governance_curl.easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
	governance_curl.easy_setopt(curl, CURLOPT_ERRORBUFFER, curl_err);
	governance_curl.easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
	governance_curl.easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "https");
	governance_curl.easy_setopt(curl, CURLOPT_REDIR_PROTOCOLS_STR, "https");
	governance_curl.easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 1L);
	governance_curl.easy_setopt(curl, CURLOPT_MAXREDIRS, 3L);
	governance_curl_trust(curl, governance_jwks_ca_file);
	governance_curl.easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, 5000L);
	governance_curl.easy_setopt(curl, CURLOPT_TIMEOUT_MS, 15000L);
	governance_curl.easy_setopt(curl, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t) GOV_JWKS_MAX_BYTES);
	governance_curl.easy_setopt(curl, CURLOPT_USERAGENT, "governance (PostgreSQL extension)");
	governance_curl.easy_setopt(curl, CURLOPT_WRITEFUNCTION, gov_body_write);
	governance_curl.easy_setopt(curl, CURLOPT_WRITEDATA, &body);

	rc = governance_curl.easy_perform(curl);
	governance_curl.easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
	governance_curl.slist_free_all(headers);
	governance_curl.easy_cleanup(curl);

	if (body.too_big || rc == CURLE_FILESIZE_EXCEEDED)
		snprintf(err, errlen, "the answer is larger than %d bytes", GOV_JWKS_MAX_BYTES);
	else if (rc != CURLE_OK)
		snprintf(err, errlen, "%s", curl_err[0] ? curl_err : governance_curl.easy_strerror(rc));
	else if (status != 200)
		snprintf(err, errlen, "the server answered with HTTP status %ld", status);
	else if (body.data == NULL)
		snprintf(err, errlen, "the answer is empty");
	else
	{
		*len = body.len;
		return body.data;
	}
	free(body.data);
	return NULL;
}

/* The kept copy of a URL's set, malloc'd, or NULL if there is none. */
static char *
gov_read_kept(const char *path, size_t *len)
{
	struct stat st;
	FILE	   *f;
	char	   *buf;

	if (stat(path, &st) != 0 || st.st_size > GOV_JWKS_MAX_BYTES)
		return NULL;
	f = fopen(path, "rb");
	if (f == NULL)
		return NULL;
	buf = malloc(st.st_size + 1);
	if (buf != NULL)
	{
		*len = fread(buf, 1, st.st_size, f);
		buf[*len] = '\0';
	}
	fclose(f);
	return buf;
}

/* Replace the kept copy: written whole, flushed, then renamed over it. */
static bool
gov_keep(const char *path, const char *data, size_t len, char *err, size_t errlen)
{
	if (MakePGDirectory(GOV_JWKS_CACHE_DIR) < 0 && errno != EEXIST)
	{
		snprintf(err, errlen, "could not create directory \"%s\": %m", GOV_JWKS_CACHE_DIR);
		return false;
	}
	return governance_write_durably(path, data, len, err, errlen);
}

/* Publish what became of a URL for governance.jwks_status(). */
static void
gov_report(int slot, const char *url, const GovJwtKeySet *ks, bool fetched,
		   bool changed, const char *error)
{
	GovJwksShared *shared = governance_jwks_shared();
	GovJwksSource *s = &shared->sources[slot];
	TimestampTz now = GetCurrentTimestamp();

	SpinLockAcquire(&shared->mutex);
	if (strcmp(s->url, url) != 0)
	{
		memset(s, 0, sizeof(*s));
		strlcpy(s->url, url, sizeof(s->url));
	}
	if (ks != NULL)
	{
		s->nkeys = gov_jwt_keyset_count(ks);
		gov_jwt_keyset_describe(ks, 0, s->kids, sizeof(s->kids));
	}
	if (fetched)
	{
		s->fetched_at = now;
		s->error[0] = '\0';
	}
	if (changed)
		s->changed_at = now;
	if (error != NULL)
	{
		s->failed_at = now;
		strlcpy(s->error, error, sizeof(s->error));
	}
	SpinLockRelease(&shared->mutex);
}

/*
 * Fetch one URL and keep its set if it loads and changed.  True if the
 * fetch gave a good set (changed or not).
 */
static bool
gov_refresh_one(int slot, const char *url)
{
	char		path[MAXPGPATH];
	char		err[512] = "";
	char		notes[2048] = "";
	size_t		len = 0,
				kept_len = 0;
	char	   *body;
	char	   *kept;
	GovJwtKeySet *ks;
	bool		same;

	governance_jwks_cache_path(url, path, sizeof(path));
	body = gov_fetch(url, &len, err, sizeof(err));
	if (body == NULL)
	{
		ereport(LOG,
				(errmsg("governance could not fetch the key set at \"%s\": %s", url, err),
				 errdetail("The last key set fetched from it stays in force.")));
		gov_report(slot, url, NULL, false, false, err);
		return false;
	}
	ks = gov_jwt_keyset_new();
	if (ks == NULL ||
		!gov_jwt_keyset_add_published(ks, body, len, notes, sizeof(notes),
										 err, sizeof(err)))
	{
		char		why[600];

		snprintf(why, sizeof(why), "the answer is not a usable key set: %s", err);
		ereport(LOG,
				(errmsg("governance refused the key set at \"%s\": %s", url, why),
				 errdetail("The last key set fetched from it stays in force.")));
		gov_report(slot, url, NULL, false, false, why);
		gov_jwt_keyset_free(ks);
		free(body);
		return false;
	}

	kept = gov_read_kept(path, &kept_len);
	same = kept != NULL && kept_len == len && memcmp(kept, body, len) == 0;
	free(kept);
	if (!same)
	{
		char		keys[2048];
		char	   *line,
				   *save = NULL;

		if (!gov_keep(path, body, len, err, sizeof(err)))
		{
			ereport(LOG,
					(errmsg("governance could not keep the key set fetched from \"%s\": %s", url, err)));
			gov_report(slot, url, NULL, false, false, err);
			gov_jwt_keyset_free(ks);
			free(body);
			return false;
		}
		for (line = strtok_r(notes, "\n", &save); line != NULL;
			 line = strtok_r(NULL, "\n", &save))
			ereport(LOG,
					(errmsg("governance skipped a key of \"%s\": %s", url, line)));
		gov_jwt_keyset_describe(ks, 0, keys, sizeof(keys));
		ereport(LOG,
				(errmsg("governance fetched %d verification key%s from \"%s\": %s",
						gov_jwt_keyset_count(ks),
						gov_jwt_keyset_count(ks) == 1 ? "" : "s", url, keys)));
		pg_atomic_add_fetch_u64(&governance_jwks_shared()->generation, 1);
	}
	gov_report(slot, url, ks, true, !same, NULL);
	gov_jwt_keyset_free(ks);
	free(body);
	return true;
}

/* Take the URL list from the settings, keeping what is known of each. */
static int
gov_plan_urls(GovJwksPlan *plans, int nplans)
{
	GovJwksShared *shared = governance_jwks_shared();
	char	   *urls[GOV_JWKS_MAX_URLS];
	GovJwksPlan fresh[GOV_JWKS_MAX_URLS];
	int			n = governance_jwks_urls(governance_jwks_url, urls);

	for (int i = 0; i < n; i++)
	{
		memset(&fresh[i], 0, sizeof(fresh[i]));
		strlcpy(fresh[i].url, urls[i], sizeof(fresh[i].url));
		for (int j = 0; j < nplans; j++)
			if (strcmp(plans[j].url, urls[i]) == 0)
				fresh[i] = plans[j];
	}
	memcpy(plans, fresh, n * sizeof(GovJwksPlan));

	SpinLockAcquire(&shared->mutex);
	for (int i = 0; i < n; i++)
		if (strcmp(shared->sources[i].url, urls[i]) != 0)
		{
			memset(&shared->sources[i], 0, sizeof(GovJwksSource));
			strlcpy(shared->sources[i].url, urls[i], GOV_JWKS_URL_LEN);
		}
	shared->nsources = n;
	SpinLockRelease(&shared->mutex);
	return n;
}

static void
gov_jwks_worker_exit(int code, Datum arg)
{
	GovJwksShared *shared = governance_jwks_shared();

	SpinLockAcquire(&shared->mutex);
	shared->worker_latch = NULL;
	SpinLockRelease(&shared->mutex);
	/* Whoever waits is answered: the token is judged with what there is. */
	pg_atomic_write_u64(&shared->answered, pg_atomic_read_u64(&shared->requested));
}

void
governance_jwks_worker_main(Datum arg)
{
	GovJwksShared *shared = governance_jwks_shared();
	GovJwksPlan plans[GOV_JWKS_MAX_URLS];
	int			nplans = 0;
	TimestampTz last_fetch = 0;

	pqsignal(SIGHUP, SignalHandlerForConfigReload);
	pqsignal(SIGTERM, SignalHandlerForShutdownRequest);
	BackgroundWorkerUnblockSignals();

	/*
	 * Without libcurl no set is fetched: the worker ends for good, and a
	 * token with an unknown key id is judged at once with the keys there
	 * are (no worker latch to wake).
	 */
	governance_curl_start("fetch key sets", "governance.jwks_url");
	SpinLockAcquire(&shared->mutex);
	shared->worker_latch = MyLatch;
	SpinLockRelease(&shared->mutex);
	before_shmem_exit(gov_jwks_worker_exit, 0);
	memset(plans, 0, sizeof(plans));
	nplans = gov_plan_urls(plans, 0);

	for (;;)
	{
		TimestampTz now;
		TimestampTz wake;
		uint64		requested;
		bool		asked;
		long		sleep_ms;

		CHECK_FOR_INTERRUPTS();
		if (ShutdownRequestPending)
			break;
		if (ConfigReloadPending)
		{
			ConfigReloadPending = false;
			ProcessConfigFile(PGC_SIGHUP);
			nplans = gov_plan_urls(plans, nplans);
		}

		now = GetCurrentTimestamp();
		requested = pg_atomic_read_u64(&shared->requested);
		asked = requested > pg_atomic_read_u64(&shared->answered);
		/* Fetches are at least GOV_JWKS_MIN_INTERVAL_MS apart. */
		if (last_fetch == 0 ||
			TimestampDifferenceExceeds(last_fetch, now, GOV_JWKS_MIN_INTERVAL_MS))
		{
			bool		fetched = false;

			for (int i = 0; i < nplans; i++)
			{
				GovJwksPlan *p = &plans[i];

				if (!asked && p->next_at > now)
					continue;
				fetched = true;
				if (gov_refresh_one(i, p->url))
				{
					p->backoff_ms = 0;
					p->next_at = TimestampTzPlusMilliseconds(GetCurrentTimestamp(),
															 (int64) governance_jwks_refresh * 1000);
				}
				else
				{
					p->backoff_ms = p->backoff_ms == 0 ? GOV_JWKS_MIN_INTERVAL_MS :
						Min(p->backoff_ms * 2, governance_jwks_refresh * 1000);
					p->next_at = TimestampTzPlusMilliseconds(GetCurrentTimestamp(),
															 p->backoff_ms);
				}
			}
			if (fetched)
				last_fetch = GetCurrentTimestamp();
			if (asked)
				pg_atomic_write_u64(&shared->answered, requested);
		}

		/* Sleep until the next URL is due, or a backend asks. */
		now = GetCurrentTimestamp();
		wake = TimestampTzPlusMilliseconds(now, (int64) governance_jwks_refresh * 1000);
		for (int i = 0; i < nplans; i++)
			if (plans[i].next_at < wake)
				wake = plans[i].next_at;
		if (pg_atomic_read_u64(&shared->requested) > pg_atomic_read_u64(&shared->answered) &&
			last_fetch != 0)
		{
			TimestampTz allowed = TimestampTzPlusMilliseconds(last_fetch, GOV_JWKS_MIN_INTERVAL_MS);

			if (allowed < wake)
				wake = allowed;
		}
		sleep_ms = wake > now ? (long) ((wake - now) / 1000) + 1 : 0;
		if (nplans == 0)
			sleep_ms = -1;
		(void) WaitLatch(MyLatch,
						 WL_LATCH_SET | WL_EXIT_ON_PM_DEATH | (sleep_ms >= 0 ? WL_TIMEOUT : 0),
						 sleep_ms, PG_WAIT_EXTENSION);
		ResetLatch(MyLatch);
	}
	governance_curl.global_cleanup();
	proc_exit(0);
}

void
governance_jwks_worker_register(void)
{
	governance_worker_register("governance_jwks_worker_main",
							   "governance key set fetcher", 5);
}
