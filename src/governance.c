/*-------------------------------------------------------------------------
 *
 * governance.c
 *	  Entry point: settings, hooks and shared memory of the extension.
 *
 * The extension must be loaded by shared_preload_libraries: it needs
 * shared memory and hooks in every backend from the first statement on,
 * and a session must not be able to run before governance is in force.
 * Loaded any other way, _PG_init refuses.
 *
 * Every setting is defined here and nowhere else.  Policy settings are
 * PGC_SIGHUP or PGC_SUSET; the only setting an ordinary session may change
 * is its own token, which is verified before it takes effect.
 *
 * src/governance.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "fmgr.h"
#include "governance/governance.h"
#include "governance/guard.h"
#include "governance/identity.h"
#include "governance/jwt.h"
#include "miscadmin.h"
#include "storage/ipc.h"
#include "storage/lwlock.h"
#include "storage/shmem.h"
#include "utils/guc.h"

PG_MODULE_MAGIC;

char	   *governance_token = NULL;
char	   *governance_jwt_public_keys_file = NULL;
char	   *governance_jwt_hmac_secret_file = NULL;
char	   *governance_jwt_issuer = NULL;
char	   *governance_jwt_audience = NULL;
char	   *governance_jwt_roles_claim = NULL;
char	   *governance_jwt_algorithms = NULL;
int			governance_jwt_clock_skew = 30;
int			governance_token_cache_size = 256;

static shmem_request_hook_type prev_shmem_request_hook = NULL;
static shmem_startup_hook_type prev_shmem_startup_hook = NULL;

void		_PG_init(void);

static void
gov_shmem_request(void)
{
	if (prev_shmem_request_hook)
		prev_shmem_request_hook();
	RequestAddinShmemSpace(governance_sessions_shmem_size());
}

static void
gov_shmem_startup(void)
{
	if (prev_shmem_startup_hook)
		prev_shmem_startup_hook();
	LWLockAcquire(AddinShmemInitLock, LW_EXCLUSIVE);
	governance_sessions_shmem_init();
	LWLockRelease(AddinShmemInitLock);
}

static void
gov_define_settings(void)
{
	DefineCustomStringVariable("governance.token",
							   "JWT naming the identity this session acts as.",
							   "Verified when set; an invalid token is refused and the previous identity stays. Empty: the database role acts.",
							   &governance_token,
							   "",
							   PGC_USERSET,
							   GUC_NO_SHOW_ALL | GUC_NOT_IN_SAMPLE | GUC_DISALLOW_IN_FILE,
							   governance_token_check,
							   governance_token_assign,
							   governance_token_show);

	DefineCustomStringVariable("governance.jwt_public_keys_file",
							   "File of public keys that verify tokens: PEM public keys or a JWKS document.",
							   "Relative paths are relative to the data directory. Edit the file and reload to rotate keys.",
							   &governance_jwt_public_keys_file,
							   "",
							   PGC_SIGHUP,
							   GUC_SUPERUSER_ONLY,
							   governance_public_keys_check,
							   governance_verify_settings_assign,
							   NULL);

	DefineCustomStringVariable("governance.jwt_hmac_secret_file",
							   "File holding the shared secret that verifies HS256/384/512 tokens.",
							   "At least 32 bytes; one trailing newline is ignored; mode 0600.",
							   &governance_jwt_hmac_secret_file,
							   "",
							   PGC_SIGHUP,
							   GUC_SUPERUSER_ONLY,
							   governance_hmac_secret_check,
							   governance_verify_settings_assign,
							   NULL);

	DefineCustomStringVariable("governance.jwt_issuer",
							   "Issuer (iss) a token must carry; empty: not checked.",
							   NULL,
							   &governance_jwt_issuer,
							   "",
							   PGC_SIGHUP,
							   0,
							   NULL,
							   governance_verify_settings_assign,
							   NULL);

	DefineCustomStringVariable("governance.jwt_audience",
							   "Audience (aud) a token must be meant for; empty: not checked.",
							   NULL,
							   &governance_jwt_audience,
							   "",
							   PGC_SIGHUP,
							   0,
							   NULL,
							   governance_verify_settings_assign,
							   NULL);

	DefineCustomStringVariable("governance.jwt_roles_claim",
							   "Claim holding the identity's roles; a dotted path reaches into objects.",
							   NULL,
							   &governance_jwt_roles_claim,
							   "roles",
							   PGC_SIGHUP,
							   0,
							   NULL,
							   governance_verify_settings_assign,
							   NULL);

	DefineCustomStringVariable("governance.jwt_algorithms",
							   "Algorithms a token may use (each key further restricts its own).",
							   NULL,
							   &governance_jwt_algorithms,
							   "RS256,RS384,RS512,ES256,ES384,ES512,HS256,HS384,HS512",
							   PGC_SIGHUP,
							   GUC_LIST_INPUT,
							   governance_algorithms_check,
							   governance_algorithms_assign,
							   NULL);

	DefineCustomIntVariable("governance.jwt_clock_skew",
							"Clock difference tolerated when checking exp and nbf.",
							NULL,
							&governance_jwt_clock_skew,
							30, 0, 3600,
							PGC_SIGHUP,
							GUC_UNIT_S,
							NULL,
							governance_verify_int_assign,
							NULL);

	DefineCustomIntVariable("governance.token_cache_size",
							"Verified tokens remembered per backend.",
							NULL,
							&governance_token_cache_size,
							256, 1, 100000,
							PGC_SUSET,
							0,
							NULL, NULL, NULL);

	MarkGUCPrefixReserved("governance");
}

void
_PG_init(void)
{
	if (!process_shared_preload_libraries_in_progress)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("governance must be loaded via shared_preload_libraries"),
				 errdetail("Governance needs shared memory and must be in force before any session runs."),
				 errhint("Add governance to shared_preload_libraries in postgresql.conf and restart the server.")));

	{
		char		err[256];

		if (!gov_jwt_library_load(err, sizeof(err)))
			ereport(ERROR,
					(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
					 errmsg("governance cannot verify tokens"),
					 errdetail("%s", err),
					 errhint("Install libjwt (Debian package libjwt0).")));
	}

	gov_define_settings();

	prev_shmem_request_hook = shmem_request_hook;
	shmem_request_hook = gov_shmem_request;
	prev_shmem_startup_hook = shmem_startup_hook;
	shmem_startup_hook = gov_shmem_startup;

	governance_secrecy_init();
	governance_guard_init();
}
