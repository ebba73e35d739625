/*-------------------------------------------------------------------------
 *
 * identity.c
 *	  The session's verified identity: governance.token and its hooks.
 *
 * The token is verified in the setting's check hook.  A token that fails
 * is an ERROR in SQLSTATE class 28 and the setting, hence the identity,
 * keeps its previous value.  A verified identity is one malloc'd chunk
 * (GovIdentity) handed to the GUC machinery as the setting's "extra"; the
 * assign hook only points gov_identity at it.  Because the GUC machinery
 * saves and restores extras together with values, SET LOCAL, RESET, RESET
 * ALL, function SET clauses and transaction rollback all restore the
 * identity exactly as they restore the text, with no bookkeeping here.
 *
 * Verifications are cached per backend by the token's text, so setting
 * the same token again (once per transaction, as PostgREST does) costs a
 * hash, a lookup and a comparison, not a signature check.  Cache entries and identities
 * remember the verification generation (src/identity/key_settings.c): after a
 * reload changes keys or options, the cache is dropped and the current
 * identity is verified again before its next statement.
 *
 * The token is a credential.  Its setting is hidden from SHOW ALL and
 * pg_settings, SHOW and current_setting() print a fingerprint, it may not
 * be stored in catalogs (ALTER ROLE/DATABASE SET, function SET clauses) or
 * configuration files, and our error messages never echo it.  See
 * secrecy.c for logs and the activity string.
 *
 * Identity tells, it does not call: the audit (which records every change
 * of who acts) and the masks (whose plans depend on who acts) listen
 * through governance_identity_listen(), wired by the hook layer.
 *
 * src/identity/identity.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/parallel.h"
#include "access/xact.h"
#include "governance/common.h"
#include "governance/identity.h"
#include "governance/identity_jwt.h"
#include "common/hashfn.h"
#include "utils/hsearch.h"
#include "utils/memutils.h"
#include "utils/timestamp.h"

/* The acting token identity, or NULL: the extra of governance.token. */
static GovIdentity *gov_identity = NULL;

/*
 * Verified tokens.  The key is a cheap hash of the token's text; the entry
 * keeps the whole text, and a hit requires it to match byte for byte, so
 * a collision is only a miss.  (Hashing with SHA-256 on every SET would
 * cost more than the rest of the lookup; the fingerprint is computed once,
 * when the token is first verified.)
 */
typedef struct GovTokenCacheEntry
{
	uint32		hash;			/* hash key */
	char	   *token;			/* malloc'd copy */
	size_t		len;
	GovIdentity *identity;		/* malloc'd template */
} GovTokenCacheEntry;

static HTAB *gov_token_cache = NULL;
static uint64 gov_token_cache_generation = 0;

static int64
gov_unix_seconds(TimestampTz ts)
{
	return (int64) (ts / USECS_PER_SEC) +
		(int64) (POSTGRES_EPOCH_JDATE - UNIX_EPOCH_JDATE) * SECS_PER_DAY;
}

static void
gov_token_cache_reset(void)
{
	HASH_SEQ_STATUS seq;
	GovTokenCacheEntry *entry;

	if (gov_token_cache == NULL)
		return;
	hash_seq_init(&seq, gov_token_cache);
	while ((entry = hash_seq_search(&seq)) != NULL)
	{
		explicit_bzero(entry->token, entry->len);
		free(entry->token);
		free(entry->identity);
	}
	hash_destroy(gov_token_cache);
	gov_token_cache = NULL;
}

static HTAB *
gov_token_cache_get(void)
{
	if (gov_token_cache_generation != governance_verify_generation() ||
		(gov_token_cache != NULL &&
		 hash_get_num_entries(gov_token_cache) >= governance_token_cache_size))
	{
		gov_token_cache_reset();
		gov_token_cache_generation = governance_verify_generation();
	}
	if (gov_token_cache == NULL)
	{
		HASHCTL		ctl;

		ctl.keysize = sizeof(uint32);
		ctl.entrysize = sizeof(GovTokenCacheEntry);
		ctl.hcxt = TopMemoryContext;
		gov_token_cache = hash_create("governance token cache", 64, &ctl,
									  HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
	}
	return gov_token_cache;
}

static GovIdentity *
gov_identity_copy(const GovIdentity *id)
{
	GovIdentity *copy = malloc(id->size);

	if (copy != NULL)
		memcpy(copy, id, id->size);
	return copy;
}

/* Append a string to the chunk being built; returns its offset or -1. */
static int
gov_put(char *data, Size *used, const char *s)
{
	int			off;

	if (s == NULL)
		return -1;
	off = (int) *used;
	strcpy(data + *used, s);
	*used += strlen(s) + 1;
	return off;
}

/* Flatten verified claims into one malloc'd GovIdentity. */
static GovIdentity *
gov_identity_build(const GovJwtClaims *c, const char *fingerprint,
				   uint64 generation)
{
	Size		need = 0,
				used = 0;
	GovIdentity *id;
	int			i;
	const char *strings[] = {c->sub, c->actor, c->jti, c->iss, c->kid, c->payload};

	for (i = 0; i < (int) lengthof(strings); i++)
		if (strings[i] != NULL)
			need += strlen(strings[i]) + 1;
	for (i = 0; i < c->nroles; i++)
		need += strlen(c->roles[i]) + 1;

	id = malloc(offsetof(GovIdentity, data) + need + 1);
	if (id == NULL)
		return NULL;
	memset(id, 0, offsetof(GovIdentity, data));
	id->size = offsetof(GovIdentity, data) + need + 1;
	id->has_exp = c->has_exp;
	id->exp = c->exp;
	id->has_nbf = c->has_nbf;
	id->nbf = c->nbf;
	id->verified_generation = generation;
	strlcpy(id->fingerprint, fingerprint, sizeof(id->fingerprint));
	strlcpy(id->alg, c->alg, sizeof(id->alg));
	id->sub_off = gov_put(id->data, &used, c->sub);
	id->actor_off = gov_put(id->data, &used, c->actor);
	id->jti_off = gov_put(id->data, &used, c->jti);
	id->iss_off = gov_put(id->data, &used, c->iss);
	id->kid_off = gov_put(id->data, &used, c->kid);
	id->payload_off = gov_put(id->data, &used, c->payload);
	id->roles_off = (int) used;
	id->nroles = c->nroles;
	for (i = 0; i < c->nroles; i++)
		(void) gov_put(id->data, &used, c->roles[i]);
	id->data[used] = '\0';
	return id;
}

/*
 * Verify a token now.  Returns the status; on success *claims is filled and
 * must be freed by the caller.  A token another backend verified under the
 * same keys and settings (by its fingerprint, see verified.c) is checked
 * again in full but for the signature arithmetic.  With may_fetch, a token
 * naming a key id no key has (or any token, while no key is there yet)
 * first has the key sets of governance.jwks_url fetched again: the
 * identity provider may have published a new key since the last fetch.
 */
static GovJwtStatus
gov_verify_now(const char *token, const char *fingerprint, GovJwtClaims *claims,
			   char *detail, Size detaillen, bool may_fetch, uint64 *generation)
{
	GovJwtOptions opts;
	const GovJwtKeySet *ks;
	const char *load_error = NULL;
	char		stamp[GOV_VERIFY_STAMP_LEN];
	GovJwtStatus st;

	/*
	 * The set, its stamp and its generation are taken together: what is
	 * verified with this set is remembered under this stamp, and the
	 * identity says it was verified at this generation, so a set replaced
	 * meanwhile makes it be verified again before it acts.
	 */
	ks = governance_keyset_stamped(&load_error, stamp, generation);
	governance_verify_options(&opts, gov_unix_seconds(GetCurrentTimestamp()));
	if (governance_verified_before(fingerprint, stamp))
		return gov_jwt_verify_again(ks, token, strlen(token), &opts, claims,
									detail, detaillen);
	st = gov_jwt_verify(ks, token, strlen(token), &opts, claims,
						detail, detaillen);
	if (may_fetch && (st == GOV_JWT_UNKNOWN_KEY || st == GOV_JWT_NO_KEYS) &&
		governance_jwks_refresh_and_wait())
	{
		ks = governance_keyset_stamped(&load_error, stamp, generation);
		governance_verify_options(&opts, gov_unix_seconds(GetCurrentTimestamp()));
		st = gov_jwt_verify(ks, token, strlen(token), &opts, claims,
							detail, detaillen);
	}
	if (st == GOV_JWT_OK)
		governance_verified_remember(fingerprint, stamp);
	if (st == GOV_JWT_NO_KEYS && load_error != NULL)
		snprintf(detail, detaillen, "The key files could not be loaded: %s", load_error);
	return st;
}

/* Listeners of identity changes, in the order they were added. */
#define GOV_IDENTITY_LISTENERS 4
static GovIdentityListener gov_listeners[GOV_IDENTITY_LISTENERS];
static int	gov_nlisteners = 0;

void
governance_identity_listen(GovIdentityListener listener)
{
	if (gov_nlisteners == GOV_IDENTITY_LISTENERS)
		elog(ERROR, "too many listeners of identity changes");
	gov_listeners[gov_nlisteners++] = listener;
}

/* Tell every listener; false if one refused the change. */
static bool
gov_notify(GovIdentityEvent event, const GovIdentity *id,
		   const char *fingerprint, const char *reason)
{
	bool		ok = true;

	for (int i = 0; i < gov_nlisteners; i++)
		if (!gov_listeners[i] (event, id, fingerprint, reason))
			ok = false;
	return ok;
}

/* Tell of a refused token; the refusal stands whatever they say. */
static void
gov_tell_refusal(const char *fingerprint, const char *reason)
{
	if (!IsParallelWorker())
		(void) gov_notify(GOV_IDENTITY_REFUSED, gov_identity, fingerprint, reason);
}

/*
 * Hand a verified identity to the GUC machinery, once its acceptance is in
 * the audit trail: an identity change that cannot be recorded is refused.
 */
static bool
gov_accept(GovIdentity *id, void **extra)
{
	if (!IsParallelWorker() &&
		!gov_notify(GOV_IDENTITY_ACCEPTED, id, NULL, NULL))
	{
		free(id);
		GUC_check_errcode(ERRCODE_INSUFFICIENT_RESOURCES);
		GUC_check_errmsg("audit trail is full");
		GUC_check_errdetail("The identity change could not be recorded, so it is refused.");
		return false;
	}
	*extra = id;
	return true;
}

bool
governance_token_check(char **newval, void **extra, GucSource source)
{
	const char *token = *newval;
	size_t		len;
	uint32		hash;
	char		fingerprint[GOV_JWT_FINGERPRINT_LEN];
	GovTokenCacheEntry *entry;
	GovIdentity *id;
	GovJwtClaims claims;
	GovJwtStatus st;
	char		detail[256];
	bool		found;
	uint64		generation = 0;

	if (token == NULL || token[0] == '\0')
		return true;

	/* The activity string other sessions see must not show the token. */
	governance_redact_activity();

	len = strlen(token);
	gov_jwt_fingerprint(token, len, fingerprint);
	if (!governance_token_scope_admits_source(source))
	{
		gov_tell_refusal(fingerprint, "The token came with the connection while governance.token_scope is transaction.");
		GUC_check_errcode(ERRCODE_INVALID_AUTHORIZATION_SPECIFICATION);
		GUC_check_errmsg("governance.token cannot be set for the whole session: governance.token_scope is \"transaction\"");
		GUC_check_errdetail("Behind a connection pooler a session-wide token would act for the pooler's next client.");
		GUC_check_errhint("Set the token inside each transaction with SET LOCAL governance.token or set_config('governance.token', ..., true).");
		return false;
	}
	if (source != PGC_S_SESSION && source != PGC_S_CLIENT)
	{
		gov_tell_refusal(fingerprint, "The token was to be stored in a catalog or file.");
		GUC_check_errcode(ERRCODE_INVALID_PARAMETER_VALUE);
		GUC_check_errmsg("governance.token can only be set by the session itself");
		GUC_check_errdetail("A token is a credential; storing it in a configuration file, ALTER ROLE or ALTER DATABASE settings or a function's SET clause would expose it.");
		GUC_check_errhint("Use SET, SET LOCAL, set_config() or PGOPTIONS at connection time.");
		return false;
	}

	hash = hash_bytes((const unsigned char *) token, (int) Min(len, (size_t) INT_MAX));
	entry = hash_search(gov_token_cache_get(), &hash, HASH_FIND, &found);
	if (entry != NULL && (entry->len != len || memcmp(entry->token, token, len) != 0))
		entry = NULL;			/* another token with the same hash */
	if (entry != NULL)
	{
		GovJwtClaims times = {0};

		times.has_exp = entry->identity->has_exp;
		times.exp = entry->identity->exp;
		times.has_nbf = entry->identity->has_nbf;
		times.nbf = entry->identity->nbf;
		st = gov_jwt_check_time(&times, gov_unix_seconds(GetCurrentTimestamp()),
								governance_jwt_clock_skew);
		if (st == GOV_JWT_OK)
		{
			id = gov_identity_copy(entry->identity);
			if (id == NULL)
				return false;
			return gov_accept(id, extra);
		}
		gov_jwt_time_detail(st, governance_jwt_clock_skew, detail, sizeof(detail));
	}
	else
		st = gov_verify_now(token, fingerprint, &claims, detail, sizeof(detail), true,
							&generation);

	if (st != GOV_JWT_OK)
	{
		char		reason[512];

		snprintf(reason, sizeof(reason), "%s: %s", gov_jwt_status_message(st), detail);
		gov_tell_refusal(fingerprint, reason);
		GUC_check_errcode(ERRCODE_INVALID_AUTHORIZATION_SPECIFICATION);
		GUC_check_errmsg("invalid governance token: %s", gov_jwt_status_message(st));
		if (detail[0] != '\0')
			GUC_check_errdetail("%s", detail);
		GUC_check_errhint("The previous identity stays in force.");
		return false;
	}

	id = gov_identity_build(&claims, fingerprint, generation);
	gov_jwt_claims_free(&claims);
	if (id == NULL)
		return false;

	entry = hash_search(gov_token_cache_get(), &hash, HASH_ENTER, &found);
	if (found)
	{
		/* Replace the token that shared this hash. */
		explicit_bzero(entry->token, entry->len);
		free(entry->token);
		free(entry->identity);
	}
	entry->token = malloc(len);
	entry->len = len;
	entry->identity = gov_identity_copy(id);
	if (entry->token == NULL || entry->identity == NULL)
	{
		free(entry->token);
		free(entry->identity);
		hash_search(gov_token_cache, &hash, HASH_REMOVE, NULL);
	}
	else
		memcpy(entry->token, token, len);
	return gov_accept(id, extra);
}

bool
governance_names_token_setting(const char *name)
{
	return name != NULL && pg_strcasecmp(name, "governance.token") == 0;
}

void
governance_token_assign(const char *newval, void *extra)
{
	GovIdentity *id = (GovIdentity *) extra;
	bool		same = (id == NULL && gov_identity == NULL) ||
		(id != NULL && gov_identity != NULL &&
		 strcmp(id->fingerprint, gov_identity->fingerprint) == 0);

	gov_identity = id;
	governance_sessions_publish(gov_identity);
	/* Masks depend on who acts: plans made for another identity go. */
	if (!same)
		(void) gov_notify(GOV_IDENTITY_CHANGED, id, NULL, NULL);
}

/*
 * RESET of the token (or RESET ALL, or SET ... TO DEFAULT) changes who
 * acts: it is told once the statement has run.
 */
void
governance_identity_statement_done(Node *stmt)
{
	VariableSetStmt *set = (VariableSetStmt *) stmt;

	if (!IsA(stmt, VariableSetStmt))
		return;
	if (set->kind == VAR_RESET_ALL ||
		((set->kind == VAR_RESET || set->kind == VAR_SET_DEFAULT) &&
		 governance_names_token_setting(set->name)))
		(void) gov_notify(GOV_IDENTITY_RESET, gov_identity, NULL, NULL);
}

/* SHOW and current_setting() print what token is set, never the token. */
const char *
governance_token_show(void)
{
	static char buf[64];

	if (governance_token == NULL || governance_token[0] == '\0')
		return "";
	if (gov_identity == NULL)
		return "<redacted>";
	snprintf(buf, sizeof(buf), "<redacted sha256:%.16s>", gov_identity->fingerprint);
	return buf;
}

const GovIdentity *
governance_current_identity(void)
{
	return gov_identity;
}

void
governance_identity_token_id(const GovIdentity *id, char *buf, Size len)
{
	const char *jti = GovIdentityString(id, id->jti_off);

	if (jti != NULL)
		strlcpy(buf, jti, len);
	else
		snprintf(buf, len, "sha256:%s", id->fingerprint);
}

/*
 * Re-verify the current token after a reload changed keys or options; a
 * token whose key was removed stops working here.
 */
static void
gov_identity_reverify(GovIdentity *id)
{
	GovJwtClaims claims;
	char		detail[256];
	GovJwtStatus st;
	uint64		generation;

	st = gov_verify_now(governance_token, id->fingerprint, &claims, detail, sizeof(detail), false,
						&generation);
	if (st == GOV_JWT_OK)
		gov_jwt_claims_free(&claims);
	/* Expiry is judged at each statement; everything else sticks. */
	id->revoked_status = (st == GOV_JWT_EXPIRED || st == GOV_JWT_NOT_YET_VALID) ?
		GOV_JWT_OK : st;
	id->verified_generation = generation;
}

/*
 * The status of the acting identity at this moment: GOV_JWT_OK, or why it
 * may no longer act (expired, or no longer verifies after a reload).  It
 * is asked at every statement, nested ones included, and at every commit.
 * A role identity is always usable.
 */
static GovJwtStatus
gov_identity_status(void)
{
	GovIdentity *id = gov_identity;
	GovJwtClaims times = {0};
	GovJwtStatus st;

	if (id == NULL)
		return GOV_JWT_OK;
	if (id->verified_generation != governance_verify_generation())
		gov_identity_reverify(id);
	st = (GovJwtStatus) id->revoked_status;
	if (st == GOV_JWT_OK)
	{
		times.has_exp = id->has_exp;
		times.exp = id->exp;
		times.has_nbf = id->has_nbf;
		times.nbf = id->nbf;
		/*
		 * The clock now, not when the top-level statement started: a CALL
		 * or DO that runs on past the token's expiry is stopped at its next
		 * statement or commit.
		 */
		st = gov_jwt_check_time(&times, gov_unix_seconds(GetCurrentTimestamp()),
								governance_jwt_clock_skew);
	}
	return st;
}

bool
governance_identity_usable(void)
{
	return (gov_identity == NULL || gov_identity_status() == GOV_JWT_OK) &&
		!governance_token_outlives_transaction();
}

void
governance_identity_refuse(void)
{
	GovIdentity *id = gov_identity;
	GovJwtStatus st;

	if (governance_token_outlives_transaction())
		governance_token_scope_refuse();
	st = gov_identity_status();
	if (st == GOV_JWT_OK)
		return;
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_AUTHORIZATION_SPECIFICATION),
			 errmsg("governance identity is no longer valid: %s",
					gov_jwt_status_message(st)),
			 errdetail("The session acts as subject \"%s\" by a token that may no longer be used.",
					   GovIdentityString(id, id->sub_off)),
			 errhint("Set a new token with SET governance.token, or RESET governance.token.")));
}
