/*-------------------------------------------------------------------------
 *
 * jwt_internal.h
 *	  What the verifier (jwt.c, jwt_claims.c), the key loader
 *	  (jwt_keyset.c) and the redactor (redact.c) share.
 *
 * Plain C, private to src/identity.
 *
 * src/identity/jwt_internal.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef GOVERNANCE_JWT_INTERNAL_H
#define GOVERNANCE_JWT_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "governance/identity_jwt.h"

#define GOV_JWT_MAX_KEYS	64
#define GOV_JWT_MIN_RSA_BITS 2048

typedef enum GovKeyKind
{
	GOV_KEY_HMAC,
	GOV_KEY_RSA,
	GOV_KEY_EC,
	GOV_KEY_ED25519
} GovKeyKind;

struct evp_pkey_st;

/*
 * One key.  A public key is parsed once, when the set is built, and kept as
 * OpenSSL's key object, which verifications only read.
 */
typedef struct GovJwtKey
{
	GovKeyKind	kind;
	char	   *kid;			/* NULL if the key has none */
	uint32_t	algs;			/* algorithms this key admits */
	unsigned char *material;	/* HMAC secret; NULL for a public key */
	size_t		material_len;
	struct evp_pkey_st *pkey;	/* public key; NULL for an HMAC secret */
	size_t		ec_size;		/* EC: bytes of R and of S in a signature */
} GovJwtKey;

struct GovJwtKeySet
{
	int			nkeys;
	GovJwtKey	keys[GOV_JWT_MAX_KEYS];
};

/* Write a formatted reason into a caller's buffer, if there is one. */
extern void gov_say(char *buf, size_t len, const char *fmt,...)
			__attribute__((format(printf, 3, 4)));

/* Strict unpadded base64url; malloc'd, NUL-terminated, or NULL. */
extern int	gov_b64url_value(unsigned char c);
extern unsigned char *gov_b64url_decode(const char *in, size_t len, size_t *outlen);

/*
 * Run one check that fails for each algorithm a key admits, so that the
 * methods OpenSSL fetches at a first use, and the key's own precomputed
 * values, are ready before any token arrives: a key set loaded in the
 * postmaster is inherited ready by every backend.
 */
extern void gov_jwt_key_warm(const GovJwtKey *key);

/* The claims of a verified payload (jwt_claims.c). */
struct json_t;
extern GovJwtStatus gov_jwt_check_claims(struct json_t *payload,
										 const GovJwtOptions *opts,
										 GovJwtClaims *c, char *detail,
										 size_t detaillen);

#endif							/* GOVERNANCE_JWT_INTERNAL_H */
