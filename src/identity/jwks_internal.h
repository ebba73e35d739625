/*-------------------------------------------------------------------------
 *
 * jwks_internal.h
 *	  What the key sets fetched from URLs (jwks.c), their worker
 *	  (jwks_worker.c) and the key settings (key_settings.c) share.
 *
 * Private to src/identity.
 *
 * src/identity/jwks_internal.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef GOVERNANCE_JWKS_INTERNAL_H
#define GOVERNANCE_JWKS_INTERNAL_H

#include "port/atomics.h"
#include "storage/latch.h"
#include "storage/spin.h"
#include "utils/timestamp.h"

/* At most this many URLs, each shorter than GOV_JWKS_URL_LEN. */
#define GOV_JWKS_MAX_URLS	8
#define GOV_JWKS_URL_LEN	1024

/* Where the last good sets are kept, relative to the data directory. */
#define GOV_JWKS_CACHE_DIR	"pg_governance_jwks"

/* The largest key set accepted from a URL. */
#define GOV_JWKS_MAX_BYTES	(1024 * 1024)

/* Two fetches of the sets are at least this far apart. */
#define GOV_JWKS_MIN_INTERVAL_MS 5000

/* One URL as the worker last saw it, for governance.jwks_status(). */
typedef struct GovJwksSource
{
	char		url[GOV_JWKS_URL_LEN];
	int			nkeys;			/* keys of the set in force */
	char		kids[512];		/* their key ids and algorithms */
	TimestampTz fetched_at;		/* last fetch that gave a good set */
	TimestampTz changed_at;		/* last time the set in force changed */
	TimestampTz failed_at;		/* last fetch that failed */
	char		error[256];		/* why it failed; empty after a success */
} GovJwksSource;

typedef struct GovJwksShared
{
	pg_atomic_uint64 generation;	/* advanced when a kept set changes */
	pg_atomic_uint64 requested; /* fetches asked for by backends */
	pg_atomic_uint64 answered;	/* of those, answered by the worker */
	slock_t		mutex;			/* protects what follows */
	Latch	   *worker_latch;	/* NULL while no worker runs */
	int			nsources;
	GovJwksSource sources[GOV_JWKS_MAX_URLS];
} GovJwksShared;

extern GovJwksShared *governance_jwks_shared(void);
extern int	governance_jwks_urls(const char *list, char **urls);
extern void governance_jwks_cache_path(const char *url, char *path, Size len);

#endif							/* GOVERNANCE_JWKS_INTERNAL_H */
