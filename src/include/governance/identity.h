/*-------------------------------------------------------------------------
 *
 * identity.h
 *	  Who is acting: the verified identity of the session.
 *
 * A session acts either as its database role (no token) or as the subject
 * of a verified JWT.  The token identity lives in the "extra" of the
 * governance.token setting, so SET LOCAL, RESET and transaction rollback
 * restore the previous identity exactly as they restore the setting.
 *
 * src/include/governance/identity.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef GOVERNANCE_IDENTITY_H
#define GOVERNANCE_IDENTITY_H

#include "access/xact.h"
#include "datatype/timestamp.h"
#include "executor/execdesc.h"
#include "nodes/parsenodes.h"
#include "nodes/plannodes.h"
#include "utils/elog.h"
#include "utils/guc.h"

/*
 * A verified token identity: one malloc'd chunk, owned by the GUC machinery
 * once handed to it.  Strings live in data[] and are found by offset; an
 * offset of -1 means the claim was absent.  roles are nroles consecutive
 * NUL-terminated strings starting at roles_off.
 */
typedef struct GovIdentity
{
	int64		exp;			/* seconds since the Unix epoch */
	int64		nbf;
	bool		has_exp;
	bool		has_nbf;
	uint64		verified_generation;	/* key/option generation checked */
	int			revoked_status; /* GovJwtStatus once it stopped verifying */
	char		fingerprint[65];	/* hex SHA-256 of the token */
	char		alg[8];
	int			nroles;
	int			sub_off;
	int			actor_off;
	int			jti_off;
	int			iss_off;
	int			kid_off;
	int			roles_off;
	int			payload_off;
	Size		size;			/* of the whole chunk */
	char		data[FLEXIBLE_ARRAY_MEMBER];
} GovIdentity;

#define GovIdentityString(id, off) ((off) < 0 ? NULL : (id)->data + (off))

/* GUC hooks for governance.token and the verification settings. */
extern bool governance_token_check(char **newval, void **extra, GucSource source);
extern void governance_token_assign(const char *newval, void *extra);
extern const char *governance_token_show(void);
extern bool governance_public_keys_check(char **newval, void **extra, GucSource source);
extern bool governance_hmac_secret_check(char **newval, void **extra, GucSource source);
extern bool governance_algorithms_check(char **newval, void **extra, GucSource source);
extern bool governance_roles_claim_check(char **newval, void **extra, GucSource source);
extern void governance_algorithms_assign(const char *newval, void *extra);
extern void governance_verify_settings_assign(const char *newval, void *extra);
extern void governance_verify_int_assign(int newval, void *extra);

/*
 * Verification state (src/identity/key_settings.c): the key set and options in
 * force, and a generation that changes whenever either may have changed.
 */
struct GovJwtKeySet;
struct GovJwtOptions;
extern uint64 governance_verify_generation(void);

/*
 * The key set in force together with its stamp: a digest of the
 * verification settings and of the keys themselves ("" if unknown), taken
 * at the same moment, so that what is verified with this set is recorded
 * under this stamp.  Processes with the same stamp accept the same tokens.
 */
#define GOV_VERIFY_STAMP_LEN 65
extern const struct GovJwtKeySet *governance_keyset_stamped(const char **load_error,
															char *stamp,
															uint64 *generation);

/*
 * Tokens verified by any backend (src/identity/verified.c), by the hex
 * SHA-256 of their text, under a stamp.
 */
extern Size governance_verified_shmem_size(void);
extern void governance_verified_shmem_init(void);
extern bool governance_verified_before(const char *fingerprint, const char *stamp);
extern void governance_verified_remember(const char *fingerprint, const char *stamp);
extern const struct GovJwtKeySet *governance_keyset(const char **load_error);
extern void governance_verify_options(struct GovJwtOptions *opts, int64 now);

/*
 * Key sets fetched from identity providers' URLs (src/identity/jwks.c,
 * jwks_worker.c).  The generation advances whenever a kept set changes.
 * A backend meeting an unknown key id asks the worker for a fetch and
 * waits for its answer (false: none came).
 */
extern Size governance_jwks_shmem_size(void);
extern void governance_jwks_shmem_init(void);
extern uint64 governance_jwks_generation(void);
extern bool governance_jwks_refresh_and_wait(void);
extern bool governance_jwks_url_check(char **newval, void **extra, GucSource source);
extern bool governance_jwks_ca_file_check(char **newval, void **extra, GucSource source);
extern void governance_jwks_worker_register(void);

/* governance.token_scope: how long a token set by a client may last. */
typedef enum GovTokenScope
{
	GOV_TOKEN_SCOPE_SESSION,	/* until replaced, reset or disconnected */
	GOV_TOKEN_SCOPE_TRANSACTION /* only SET LOCAL: never past its transaction */
} GovTokenScope;

/*
 * The transaction scope (src/identity/token_scope.c).  Refuse a statement
 * that would set the token for the whole session (SET without LOCAL);
 * does the token the session would keep after its transaction hold a
 * token (then no statement runs and no commit happens); may a token come
 * from this source (not from the connection's startup options)?
 */
extern void governance_token_scope_check_set(Node *stmt);
extern bool governance_token_outlives_transaction(void);
extern void governance_token_scope_refuse(void);
extern bool governance_token_scope_admits_source(GucSource source);

/* The acting identity; NULL when the database role acts. */
extern const GovIdentity *governance_current_identity(void);
/* Does a SET, RESET or set_config() name the token setting? */
extern bool governance_names_token_setting(const char *name);

/* The token id: jti if present, otherwise "sha256:" + fingerprint. */
extern void governance_identity_token_id(const GovIdentity *id, char *buf, Size len);

/*
 * Whether the identity may act at this statement (not expired, still
 * verifies), and the error for when it may not.  Callers let a statement
 * that only replaces the token through.
 */
extern bool governance_identity_usable(void);
extern void governance_identity_refuse(void);

/*
 * Statements that only replace or reset the token (src/identity/
 * token_statements.c): no policy judges them, and an identity that may no
 * longer act may still run them.
 */
extern bool governance_utility_only_sets_token(Node *stmt);
extern bool governance_query_only_sets_token(Query *q);
extern bool governance_plan_only_sets_token(PlannedStmt *pstmt);

/*
 * Who listens to changes of identity.  A listener of GOV_IDENTITY_ACCEPTED
 * may refuse the change by returning false (the audit does when it cannot
 * record it); the other events cannot be refused.  Listeners are called in
 * the order they were added.
 */
typedef enum GovIdentityEvent
{
	GOV_IDENTITY_ACCEPTED,		/* a token verified and is about to act */
	GOV_IDENTITY_REFUSED,		/* a token was refused */
	GOV_IDENTITY_RESET,			/* RESET of the token, or RESET ALL, ran */
	GOV_IDENTITY_CHANGED		/* another identity now acts */
} GovIdentityEvent;

typedef bool (*GovIdentityListener) (GovIdentityEvent event,
									 const GovIdentity *id,
									 const char *refused_fingerprint,
									 const char *reason);
extern void governance_identity_listen(GovIdentityListener listener);
/* A utility statement ended: tell the listeners if it reset the token. */
extern void governance_identity_statement_done(Node *stmt);

/*
 * Hiding the token from logs, activity views and other extensions' hooks
 * (src/identity/secrecy.c).
 */
extern char *governance_redact_text(const char *text);
extern void governance_redact_activity(void);
extern bool governance_secrecy_shows(const char *shown, const char *text);
extern void governance_secrecy_emit_log(ErrorData *edata);
extern void governance_secrecy_utility_text(PlannedStmt **pstmt,
											const char **queryString);
extern char *governance_secrecy_same_length_copy(const char *text,
												 MemoryContext cxt);
extern void governance_secrecy_executor_start(QueryDesc *queryDesc);
extern const char *governance_secrecy_hide(QueryDesc *queryDesc);
extern void governance_secrecy_show(QueryDesc *queryDesc, const char *orig);
extern void governance_secrecy_executor_end(QueryDesc *queryDesc);
extern void governance_secrecy_xact_end(XactEvent event);

/* Per-backend identity in shared memory, for governance.sessions. */
extern Size governance_sessions_shmem_size(void);
extern void governance_sessions_shmem_init(void);
extern void governance_sessions_publish(const GovIdentity *id);

#endif							/* GOVERNANCE_IDENTITY_H */
