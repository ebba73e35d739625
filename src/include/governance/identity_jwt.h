/*-------------------------------------------------------------------------
 *
 * identity_jwt.h
 *	  JSON Web Token verification, independent of the server.
 *
 * Nothing here includes a PostgreSQL header: the verifier links alone into
 * unit tests and fuzz targets.  All memory is malloc'd and freed by the
 * functions named below; no function keeps a pointer to its inputs.
 *
 * A key set is built once from key material (PEM public keys, a JWKS
 * document or an HMAC secret) and is then read-only, so it may be shared by
 * any number of verifications.  Every key carries the set of algorithms it
 * admits; a token whose "alg" the chosen key does not admit is refused
 * before any signature is computed, which is what defeats "alg: none" and
 * the RSA-public-key-as-HMAC-secret forgery.
 *
 * src/include/governance/identity_jwt.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef GOVERNANCE_JWT_H
#define GOVERNANCE_JWT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Algorithms, as bits of a mask. */
#define GOV_JWT_HS256	(1u << 0)
#define GOV_JWT_HS384	(1u << 1)
#define GOV_JWT_HS512	(1u << 2)
#define GOV_JWT_RS256	(1u << 3)
#define GOV_JWT_RS384	(1u << 4)
#define GOV_JWT_RS512	(1u << 5)
#define GOV_JWT_ES256	(1u << 6)
#define GOV_JWT_ES384	(1u << 7)
#define GOV_JWT_ES512	(1u << 8)
#define GOV_JWT_PS256	(1u << 9)
#define GOV_JWT_PS384	(1u << 10)
#define GOV_JWT_PS512	(1u << 11)
#define GOV_JWT_EDDSA	(1u << 12)	/* Ed25519 (RFC 8037) */
#define GOV_JWT_HS_ALL	(GOV_JWT_HS256 | GOV_JWT_HS384 | GOV_JWT_HS512)
#define GOV_JWT_RS_ALL	(GOV_JWT_RS256 | GOV_JWT_RS384 | GOV_JWT_RS512)
#define GOV_JWT_PS_ALL	(GOV_JWT_PS256 | GOV_JWT_PS384 | GOV_JWT_PS512)
#define GOV_JWT_ES_ALL	(GOV_JWT_ES256 | GOV_JWT_ES384 | GOV_JWT_ES512)
#define GOV_JWT_ALG_ALL (GOV_JWT_HS_ALL | GOV_JWT_RS_ALL | GOV_JWT_PS_ALL | \
						 GOV_JWT_ES_ALL | GOV_JWT_EDDSA)

/* Longest token accepted, in bytes. */
#define GOV_JWT_MAX_TOKEN_LEN	16384

/* Shortest HMAC secret accepted, in bytes (RFC 7518 3.2: >= hash size). */
#define GOV_JWT_MIN_HMAC_LEN	32

/* Length of a fingerprint: hex SHA-256 and its terminator. */
#define GOV_JWT_FINGERPRINT_LEN 65

typedef enum GovJwtStatus
{
	GOV_JWT_OK = 0,
	GOV_JWT_MALFORMED,			/* not three base64url segments of JSON */
	GOV_JWT_TOO_LONG,			/* longer than the configured maximum */
	GOV_JWT_UNSUPPORTED_ALG,	/* "none" or an algorithm we do not know */
	GOV_JWT_ALG_NOT_ALLOWED,	/* known algorithm, but not for this key */
	GOV_JWT_NO_KEYS,			/* no key is configured */
	GOV_JWT_UNKNOWN_KEY,		/* "kid" names no configured key */
	GOV_JWT_BAD_SIGNATURE,		/* no admitted key verifies the signature */
	GOV_JWT_EXPIRED,			/* now >= exp + leeway */
	GOV_JWT_NOT_YET_VALID,		/* now + leeway < nbf */
	GOV_JWT_WRONG_ISSUER,		/* iss differs from the configured issuer */
	GOV_JWT_WRONG_AUDIENCE,		/* aud lacks the configured audience */
	GOV_JWT_MISSING_CLAIM,		/* a required claim is absent */
	GOV_JWT_BAD_CLAIM,			/* a claim has the wrong JSON type */
	GOV_JWT_NO_MEMORY
} GovJwtStatus;

typedef struct GovJwtKeySet GovJwtKeySet;

/* What a verification checks besides the signature. */
typedef struct GovJwtOptions
{
	int64_t		now;			/* seconds since the epoch */
	int64_t		leeway;			/* clock skew tolerated, seconds */
	const char *issuer;			/* NULL or "": iss is not checked */
	const char *audience;		/* NULL or "": aud is not checked */
	const char *roles_claim;	/* dotted path, e.g. "realm_access.roles" */
	uint32_t	allowed_algs;	/* GOV_JWT_* mask, further restricting keys */
	size_t		max_len;		/* 0 means GOV_JWT_MAX_TOKEN_LEN */
	bool		require_sub;
	bool		require_exp;
} GovJwtOptions;

/* The verified content of a token; strings are malloc'd, NULL if absent. */
typedef struct GovJwtClaims
{
	char		alg[8];			/* as in the header, e.g. "RS256", "EdDSA" */
	char	   *kid;			/* header "kid" */
	char	   *sub;
	char	   *actor;			/* act.sub (RFC 8693) */
	char	   *jti;
	char	   *iss;
	char	  **roles;			/* from the roles claim */
	int			nroles;
	bool		has_exp;
	bool		has_nbf;
	int64_t		exp;
	int64_t		nbf;
	char	   *payload;		/* the claims object as compact JSON */
} GovJwtClaims;

/* Key sets. */
extern GovJwtKeySet *gov_jwt_keyset_new(void);
extern void gov_jwt_keyset_free(GovJwtKeySet *ks);
extern int	gov_jwt_keyset_count(const GovJwtKeySet *ks);
/* A hex digest of the keys (what they accept), into out[65]; "" if none. */
extern void gov_jwt_keyset_digest(const GovJwtKeySet *ks, char *out);

/*
 * Add keys; each returns false and writes a reason into err on failure, in
 * which case the set is left as it was.  gov_jwt_keyset_add_public reads one
 * or more PEM public keys or a JWKS document (or a single JWK), telling them
 * apart by content.  gov_jwt_keyset_add_hmac takes a raw shared secret.
 */
extern bool gov_jwt_keyset_add_public(GovJwtKeySet *ks, const char *buf,
									  size_t len, char *err, size_t errlen);
/*
 * The same, naming in notes (one line each) the keys of a JWKS that were
 * skipped: keys not for signatures, or of an algorithm, key type or curve
 * this server does not verify.  The rest are loaded; a set of which no key
 * can be used is refused.
 */
extern bool gov_jwt_keyset_add_public_noted(GovJwtKeySet *ks, const char *buf,
											size_t len, char *notes,
											size_t noteslen, char *err,
											size_t errlen);
/*
 * The same, for a key set published at a URL: an HMAC secret ("kty":
 * "oct") in it is skipped and noted, since whoever can read the URL could
 * sign with it.
 */
extern bool gov_jwt_keyset_add_published(GovJwtKeySet *ks, const char *buf,
										 size_t len, char *notes,
										 size_t noteslen, char *err,
										 size_t errlen);
/* The keys from index first on, for the server log. */
extern void gov_jwt_keyset_describe(const GovJwtKeySet *ks, int first,
									char *buf, size_t len);
extern void gov_jwt_alg_names(uint32_t bits, char *buf, size_t len);
/*
 * Add copies of the keys of src (parsed keys are shared, not parsed
 * again); all or none.
 */
extern bool gov_jwt_keyset_append(GovJwtKeySet *ks, const GovJwtKeySet *src,
								  char *err, size_t errlen);
extern bool gov_jwt_keyset_add_hmac(GovJwtKeySet *ks,
									const unsigned char *secret, size_t len,
									char *err, size_t errlen);

/*
 * Verify a token.  On GOV_JWT_OK *claims is filled and must be released with
 * gov_jwt_claims_free; otherwise *claims is zeroed and detail (if given)
 * holds one sentence saying what was wrong, never the token itself.
 */
extern GovJwtStatus gov_jwt_verify(const GovJwtKeySet *ks, const char *token,
								   size_t len, const GovJwtOptions *opts,
								   GovJwtClaims *claims,
								   char *detail, size_t detaillen);

/*
 * The same for a token whose exact text (by its SHA-256) a verification
 * with the same key set and options already accepted, in this process or
 * another: everything is checked again (header, the key that admits it,
 * every claim, the clock) except the signature arithmetic.  The caller
 * vouches for that earlier verification.
 */
extern GovJwtStatus gov_jwt_verify_again(const GovJwtKeySet *ks,
										 const char *token, size_t len,
										 const GovJwtOptions *opts,
										 GovJwtClaims *claims,
										 char *detail, size_t detaillen);

/* Re-check exp and nbf of already verified claims at another instant. */
extern GovJwtStatus gov_jwt_check_time(const GovJwtClaims *claims,
									   int64_t now, int64_t leeway);

/* The detail sentence for GOV_JWT_EXPIRED or GOV_JWT_NOT_YET_VALID. */
extern void gov_jwt_time_detail(GovJwtStatus status, int64_t leeway,
								char *detail, size_t detaillen);

extern void gov_jwt_claims_free(GovJwtClaims *claims);

/* A short phrase for a status, e.g. "token has expired". */
extern const char *gov_jwt_status_message(GovJwtStatus status);

/* Parse "RS256" etc. into its GOV_JWT_* bit; 0 if unknown. */
extern uint32_t gov_jwt_alg_from_name(const char *name);
/*
 * Is governance.jwt_roles_claim usable: a JSON Pointer ("/a/b") or names
 * joined by dots ("a.b")?  False with a reason if not.
 */
extern bool gov_jwt_roles_path_valid(const char *path, char *err, size_t errlen);

/* Hex SHA-256 of the bytes, into out[GOV_JWT_FINGERPRINT_LEN]. */
extern void gov_jwt_fingerprint(const char *data, size_t len, char *out);

#endif							/* GOVERNANCE_JWT_H */
