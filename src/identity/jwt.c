/*-------------------------------------------------------------------------
 *
 * jwt.c
 *	  Verification of JSON Web Tokens against a pinned key set.
 *
 * Plain C, no server headers: this file links alone into the unit test and
 * the fuzz target.  Everything it allocates is malloc'd and freed on every
 * path, including failures.
 *
 * The verifier never lets a token choose how it is checked.  The header is
 * decoded and inspected first; the key is chosen by "kid" (or, without one,
 * among the keys that admit the token's algorithm); the algorithm must be
 * one the key admits (RSA keys admit RS*, EC keys only the ES variant of
 * their curve, HMAC secrets HS*, a JWK's "alg" pins exactly one); only then
 * is the signature checked, by libjwt with that key.  libjwt 1.10 compares
 * HMAC signatures with strcmp(), so HMAC tokens are first checked here in
 * constant time.  libjwt's own decoding is lenient, so the base64url text
 * and the JSON of both header and claims are decoded here strictly
 * (alphabet, no padding, no duplicate members) and the claims are checked
 * here: exp, nbf, iss, aud, and the types of sub, act, jti and roles.
 *
 * src/identity/jwt.c
 *
 *-------------------------------------------------------------------------
 */
#ifdef GOV_JWT_DEEPBIND
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dlfcn.h>
#endif
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>
#include <jwt.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <openssl/sha.h>

#include "governance/jwt.h"

#define GOV_JWT_MAX_KEYS	64
#define GOV_JWT_MIN_RSA_BITS 2048

typedef enum GovKeyKind
{
	GOV_KEY_HMAC,
	GOV_KEY_RSA,
	GOV_KEY_EC
} GovKeyKind;

typedef struct GovJwtKey
{
	GovKeyKind	kind;
	char	   *kid;			/* NULL if the key has none */
	uint32_t	algs;			/* algorithms this key admits */
	unsigned char *material;	/* HMAC secret, or PEM text for libjwt */
	size_t		material_len;
} GovJwtKey;

struct GovJwtKeySet
{
	int			nkeys;
	GovJwtKey	keys[GOV_JWT_MAX_KEYS];
};

static const struct
{
	const char *name;
	uint32_t	bit;
	jwt_alg_t	libjwt;
}			gov_algs[] =
{
	{"HS256", GOV_JWT_HS256, JWT_ALG_HS256},
	{"HS384", GOV_JWT_HS384, JWT_ALG_HS384},
	{"HS512", GOV_JWT_HS512, JWT_ALG_HS512},
	{"RS256", GOV_JWT_RS256, JWT_ALG_RS256},
	{"RS384", GOV_JWT_RS384, JWT_ALG_RS384},
	{"RS512", GOV_JWT_RS512, JWT_ALG_RS512},
	{"ES256", GOV_JWT_ES256, JWT_ALG_ES256},
	{"ES384", GOV_JWT_ES384, JWT_ALG_ES384},
	{"ES512", GOV_JWT_ES512, JWT_ALG_ES512},
};

#define GOV_NALGS (sizeof(gov_algs) / sizeof(gov_algs[0]))

static void gov_say(char *buf, size_t len, const char *fmt,...)
			__attribute__((format(printf, 3, 4)));

/* Write a formatted reason into a caller's buffer, if there is one. */
static void
gov_say(char *buf, size_t len, const char *fmt,...)
{
	va_list		ap;

	if (buf == NULL || len == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, len, fmt, ap);
	va_end(ap);
}

uint32_t
gov_jwt_alg_from_name(const char *name)
{
	size_t		i;

	if (name == NULL)
		return 0;
	for (i = 0; i < GOV_NALGS; i++)
		if (strcmp(gov_algs[i].name, name) == 0)
			return gov_algs[i].bit;
	return 0;
}

const char *
gov_jwt_status_message(GovJwtStatus status)
{
	switch (status)
	{
		case GOV_JWT_OK:
			return "token is valid";
		case GOV_JWT_MALFORMED:
			return "token is malformed";
		case GOV_JWT_TOO_LONG:
			return "token is too long";
		case GOV_JWT_UNSUPPORTED_ALG:
			return "token uses an unsupported algorithm";
		case GOV_JWT_ALG_NOT_ALLOWED:
			return "token algorithm is not allowed for its key";
		case GOV_JWT_NO_KEYS:
			return "no token verification key is configured";
		case GOV_JWT_UNKNOWN_KEY:
			return "token names an unknown key";
		case GOV_JWT_BAD_SIGNATURE:
			return "token signature is invalid";
		case GOV_JWT_EXPIRED:
			return "token has expired";
		case GOV_JWT_NOT_YET_VALID:
			return "token is not yet valid";
		case GOV_JWT_WRONG_ISSUER:
			return "token has the wrong issuer";
		case GOV_JWT_WRONG_AUDIENCE:
			return "token has the wrong audience";
		case GOV_JWT_MISSING_CLAIM:
			return "token lacks a required claim";
		case GOV_JWT_BAD_CLAIM:
			return "token has a claim of the wrong type";
		case GOV_JWT_NO_MEMORY:
			return "out of memory while verifying token";
	}
	return "token is invalid";
}

/*
 * The fingerprint is computed on every SET of the token, cache hit or not,
 * so its digest is fetched once and its context reused: OpenSSL 3's
 * one-shot SHA256() fetches the algorithm on every call.
 */
void
gov_jwt_fingerprint(const char *data, size_t len, char *out)
{
	static EVP_MD *sha256 = NULL;
	static EVP_MD_CTX *ctx = NULL;
	unsigned char md[SHA256_DIGEST_LENGTH];
	unsigned int mdlen = 0;
	static const char hex[] = "0123456789abcdef";
	int			i;

	if (sha256 == NULL)
		sha256 = EVP_MD_fetch(NULL, "SHA256", NULL);
	if (ctx == NULL)
		ctx = EVP_MD_CTX_new();
	if (sha256 == NULL || ctx == NULL ||
		EVP_DigestInit_ex(ctx, sha256, NULL) != 1 ||
		EVP_DigestUpdate(ctx, data, len) != 1 ||
		EVP_DigestFinal_ex(ctx, md, &mdlen) != 1)
		SHA256((const unsigned char *) data, len, md);
	for (i = 0; i < SHA256_DIGEST_LENGTH; i++)
	{
		out[2 * i] = hex[md[i] >> 4];
		out[2 * i + 1] = hex[md[i] & 0x0f];
	}
	out[2 * SHA256_DIGEST_LENGTH] = '\0';
}

/* ---------------------------------------------------------------------
 * base64url
 * ---------------------------------------------------------------------
 */

static int
gov_b64url_value(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '-')
		return 62;
	if (c == '_')
		return 63;
	return -1;
}

/*
 * Decode unpadded base64url strictly: only the URL-safe alphabet, no '=',
 * no length that cannot occur, and no stray bits in the last character, so
 * each byte string has exactly one accepted text.  Returns a malloc'd buffer
 * (NUL-terminated for convenience) or NULL.
 */
static unsigned char *
gov_b64url_decode(const char *in, size_t len, size_t *outlen)
{
	unsigned char *out;
	size_t		i,
				o = 0;
	uint32_t	acc = 0;
	int			bits = 0;

	if (len % 4 == 1)
		return NULL;
	out = malloc(len * 3 / 4 + 1);
	if (out == NULL)
		return NULL;
	for (i = 0; i < len; i++)
	{
		int			v = gov_b64url_value((unsigned char) in[i]);

		if (v < 0)
		{
			free(out);
			return NULL;
		}
		acc = (acc << 6) | (uint32_t) v;
		bits += 6;
		if (bits >= 8)
		{
			bits -= 8;
			out[o++] = (unsigned char) (acc >> bits);
			acc &= (1u << bits) - 1;
		}
	}
	if (acc != 0)
	{
		free(out);
		return NULL;
	}
	out[o] = '\0';
	*outlen = o;
	return out;
}

/* Decode a base64url segment holding a JSON object. */
static json_t *
gov_decode_json_segment(const char *seg, size_t len)
{
	unsigned char *raw;
	size_t		rawlen;
	json_t	   *obj;
	json_error_t jerr;

	raw = gov_b64url_decode(seg, len, &rawlen);
	if (raw == NULL)
		return NULL;
	obj = json_loadb((const char *) raw, rawlen,
					 JSON_REJECT_DUPLICATES,
					 &jerr);
	free(raw);
	if (obj != NULL && !json_is_object(obj))
	{
		json_decref(obj);
		return NULL;
	}
	return obj;
}

/* ---------------------------------------------------------------------
 * Key sets
 * ---------------------------------------------------------------------
 */

GovJwtKeySet *
gov_jwt_keyset_new(void)
{
	return calloc(1, sizeof(GovJwtKeySet));
}

static void
gov_key_clear(GovJwtKey *key)
{
	free(key->kid);
	if (key->material != NULL)
	{
		OPENSSL_cleanse(key->material, key->material_len);
		free(key->material);
	}
	memset(key, 0, sizeof(*key));
}

void
gov_jwt_keyset_free(GovJwtKeySet *ks)
{
	int			i;

	if (ks == NULL)
		return;
	for (i = 0; i < ks->nkeys; i++)
		gov_key_clear(&ks->keys[i]);
	free(ks);
}

int
gov_jwt_keyset_count(const GovJwtKeySet *ks)
{
	return ks == NULL ? 0 : ks->nkeys;
}

/*
 * Classify a public key, decide which algorithms it admits and keep it as
 * PEM text, the form libjwt 1.10 verifies with.  Takes ownership of nothing.
 */
static bool
gov_key_from_pkey(EVP_PKEY *pkey, uint32_t pinned, GovJwtKey *key,
				  char *err, size_t errlen)
{
	BIO		   *bio;
	char	   *pem;
	long		pemlen;
	uint32_t	algs;

	memset(key, 0, sizeof(*key));
	if (EVP_PKEY_base_id(pkey) == EVP_PKEY_RSA)
	{
		if (EVP_PKEY_get_bits(pkey) < GOV_JWT_MIN_RSA_BITS)
		{
			gov_say(err, errlen, "RSA key has %d bits; at least %d are required",
					EVP_PKEY_get_bits(pkey), GOV_JWT_MIN_RSA_BITS);
			return false;
		}
		key->kind = GOV_KEY_RSA;
		algs = GOV_JWT_RS_ALL;
	}
	else if (EVP_PKEY_base_id(pkey) == EVP_PKEY_EC)
	{
		char		group[64];
		size_t		glen = 0;

		if (!EVP_PKEY_get_utf8_string_param(pkey, OSSL_PKEY_PARAM_GROUP_NAME,
											group, sizeof(group), &glen))
		{
			gov_say(err, errlen, "EC key has no named curve");
			return false;
		}
		if (strcmp(group, "prime256v1") == 0)
			algs = GOV_JWT_ES256;
		else if (strcmp(group, "secp384r1") == 0)
			algs = GOV_JWT_ES384;
		else if (strcmp(group, "secp521r1") == 0)
			algs = GOV_JWT_ES512;
		else
		{
			gov_say(err, errlen, "EC curve \"%s\" is not supported; use P-256, P-384 or P-521",
					group);
			return false;
		}
		key->kind = GOV_KEY_EC;
	}
	else
	{
		gov_say(err, errlen, "only RSA and EC public keys are supported");
		return false;
	}

	if (pinned != 0)
	{
		if ((pinned & algs) == 0)
		{
			gov_say(err, errlen, "key's \"alg\" does not fit its key type");
			return false;
		}
		algs = pinned;
	}
	key->algs = algs;

	bio = BIO_new(BIO_s_mem());
	if (bio == NULL || !PEM_write_bio_PUBKEY(bio, pkey))
	{
		BIO_free(bio);
		gov_say(err, errlen, "could not encode public key");
		return false;
	}
	pemlen = BIO_get_mem_data(bio, &pem);
	key->material = malloc(pemlen + 1);
	if (key->material == NULL)
	{
		BIO_free(bio);
		gov_say(err, errlen, "out of memory");
		return false;
	}
	memcpy(key->material, pem, pemlen);
	key->material[pemlen] = '\0';
	key->material_len = pemlen;
	BIO_free(bio);
	return true;
}

/* How many PEM blocks of any kind the text holds. */
static int
gov_count_pem_blocks(const char *buf)
{
	int			n = 0;
	const char *p = buf;

	while ((p = strstr(p, "-----BEGIN ")) != NULL)
	{
		n++;
		p += 11;
	}
	return n;
}

/* Read every PEM public key in buf into keys[]; returns count or -1. */
static int
gov_load_pem(const char *buf, size_t len, GovJwtKey *keys, int room,
			 char *err, size_t errlen)
{
	BIO		   *bio;
	int			n = 0;

	if (strstr(buf, "PRIVATE KEY") != NULL)
	{
		gov_say(err, errlen, "key file contains private key material; give only public keys");
		return -1;
	}
	bio = BIO_new_mem_buf(buf, (int) len);
	if (bio == NULL)
	{
		gov_say(err, errlen, "out of memory");
		return -1;
	}
	for (;;)
	{
		EVP_PKEY   *pkey = PEM_read_bio_PUBKEY(bio, NULL, NULL, NULL);
		bool		ok;

		if (pkey == NULL)
			break;
		if (n >= room)
		{
			EVP_PKEY_free(pkey);
			gov_say(err, errlen, "too many keys (at most %d)", GOV_JWT_MAX_KEYS);
			goto fail;
		}
		ok = gov_key_from_pkey(pkey, 0, &keys[n], err, errlen);
		EVP_PKEY_free(pkey);
		if (!ok)
			goto fail;
		n++;
	}
	BIO_free(bio);
	/* Reading stops at the first block that does not parse: refuse it. */
	ERR_clear_error();
	if (n == 0)
	{
		gov_say(err, errlen, "no PEM public key (\"BEGIN PUBLIC KEY\") found");
		return -1;
	}
	if (n != gov_count_pem_blocks(buf))
	{
		gov_say(err, errlen, "PEM block %d is not a readable public key", n + 1);
		goto fail_keys;
	}
	return n;

fail:
	BIO_free(bio);
	ERR_clear_error();
fail_keys:
	while (n > 0)
		gov_key_clear(&keys[--n]);
	return -1;
}

/* Decode a base64url JWK member into a BIGNUM, or NULL. */
static BIGNUM *
gov_jwk_bn(json_t *jwk, const char *member, size_t want_len)
{
	const char *text = json_string_value(json_object_get(jwk, member));
	unsigned char *raw;
	size_t		rawlen;
	BIGNUM	   *bn;

	if (text == NULL)
		return NULL;
	raw = gov_b64url_decode(text, strlen(text), &rawlen);
	if (raw == NULL || rawlen == 0 || (want_len != 0 && rawlen != want_len))
	{
		free(raw);
		return NULL;
	}
	bn = BN_bin2bn(raw, (int) rawlen, NULL);
	free(raw);
	return bn;
}

/* Build an EVP_PKEY from an RSA or EC JWK. */
static EVP_PKEY *
gov_jwk_pkey(json_t *jwk, const char *kty, char *err, size_t errlen)
{
	OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
	OSSL_PARAM *params = NULL;
	EVP_PKEY_CTX *ctx = NULL;
	EVP_PKEY   *pkey = NULL;
	BIGNUM	   *a = NULL,
			   *b = NULL;
	unsigned char point[1 + 2 * 66];

	if (bld == NULL)
		goto done;
	if (strcmp(kty, "RSA") == 0)
	{
		a = gov_jwk_bn(jwk, "n", 0);
		b = gov_jwk_bn(jwk, "e", 0);
		if (a == NULL || b == NULL)
		{
			gov_say(err, errlen, "RSA JWK needs base64url \"n\" and \"e\"");
			goto done;
		}
		if (!OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, a) ||
			!OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, b))
			goto done;
		ctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL);
	}
	else
	{
		const char *crv = json_string_value(json_object_get(jwk, "crv"));
		const char *group;
		size_t		flen;

		if (crv != NULL && strcmp(crv, "P-256") == 0)
			group = "prime256v1", flen = 32;
		else if (crv != NULL && strcmp(crv, "P-384") == 0)
			group = "secp384r1", flen = 48;
		else if (crv != NULL && strcmp(crv, "P-521") == 0)
			group = "secp521r1", flen = 66;
		else
		{
			gov_say(err, errlen, "EC JWK \"crv\" must be P-256, P-384 or P-521");
			goto done;
		}
		a = gov_jwk_bn(jwk, "x", flen);
		b = gov_jwk_bn(jwk, "y", flen);
		if (a == NULL || b == NULL)
		{
			gov_say(err, errlen, "EC JWK needs base64url \"x\" and \"y\" of %zu bytes", flen);
			goto done;
		}
		point[0] = 0x04;
		if (BN_bn2binpad(a, point + 1, (int) flen) < 0 ||
			BN_bn2binpad(b, point + 1 + flen, (int) flen) < 0)
			goto done;
		if (!OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME,
											 group, 0) ||
			!OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY,
											  point, 1 + 2 * flen))
			goto done;
		ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
	}
	params = OSSL_PARAM_BLD_to_param(bld);
	if (ctx == NULL || params == NULL ||
		EVP_PKEY_fromdata_init(ctx) <= 0 ||
		EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_PUBLIC_KEY, params) <= 0)
	{
		pkey = NULL;
		gov_say(err, errlen, "%s JWK does not describe a valid public key", kty);
	}

done:
	if (pkey == NULL && err != NULL && err[0] == '\0')
		gov_say(err, errlen, "could not build %s key from JWK", kty);
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	EVP_PKEY_CTX_free(ctx);
	BN_free(a);
	BN_free(b);
	return pkey;
}

/* Turn one JWK object into a key. */
static bool
gov_load_jwk(json_t *jwk, GovJwtKey *key, char *err, size_t errlen)
{
	static const char *const private_members[] = {"d", "p", "q", "dp", "dq", "qi", "oth"};
	const char *kty = json_string_value(json_object_get(jwk, "kty"));
	json_t	   *kid = json_object_get(jwk, "kid");
	json_t	   *use = json_object_get(jwk, "use");
	json_t	   *alg = json_object_get(jwk, "alg");
	uint32_t	pinned = 0;
	size_t		i;

	if (!json_is_object(jwk) || kty == NULL)
	{
		gov_say(err, errlen, "every JWK must be an object with a \"kty\"");
		return false;
	}
	if (kid != NULL && !json_is_string(kid))
	{
		gov_say(err, errlen, "JWK \"kid\" must be a string");
		return false;
	}
	if (use != NULL && (!json_is_string(use) || strcmp(json_string_value(use), "sig") != 0))
	{
		gov_say(err, errlen, "JWK \"use\" must be \"sig\"");
		return false;
	}
	if (alg != NULL)
	{
		pinned = gov_jwt_alg_from_name(json_string_value(alg));
		if (pinned == 0)
		{
			gov_say(err, errlen, "JWK \"alg\" names an unsupported algorithm");
			return false;
		}
	}

	if (strcmp(kty, "oct") == 0)
	{
		const char *k = json_string_value(json_object_get(jwk, "k"));
		unsigned char *secret;
		size_t		slen;

		if (k == NULL || (secret = gov_b64url_decode(k, strlen(k), &slen)) == NULL)
		{
			gov_say(err, errlen, "oct JWK needs a base64url \"k\"");
			return false;
		}
		if (slen < GOV_JWT_MIN_HMAC_LEN)
		{
			OPENSSL_cleanse(secret, slen);
			free(secret);
			gov_say(err, errlen, "HMAC secret has %zu bytes; at least %d are required",
					slen, GOV_JWT_MIN_HMAC_LEN);
			return false;
		}
		if (pinned != 0 && (pinned & GOV_JWT_HS_ALL) == 0)
		{
			OPENSSL_cleanse(secret, slen);
			free(secret);
			gov_say(err, errlen, "key's \"alg\" does not fit its key type");
			return false;
		}
		memset(key, 0, sizeof(*key));
		key->kind = GOV_KEY_HMAC;
		key->algs = pinned ? pinned : GOV_JWT_HS_ALL;
		key->material = secret;
		key->material_len = slen;
	}
	else if (strcmp(kty, "RSA") == 0 || strcmp(kty, "EC") == 0)
	{
		EVP_PKEY   *pkey;
		bool		ok;

		for (i = 0; i < sizeof(private_members) / sizeof(private_members[0]); i++)
			if (json_object_get(jwk, private_members[i]) != NULL)
			{
				gov_say(err, errlen, "JWK contains private key material (\"%s\"); give only public keys",
						private_members[i]);
				return false;
			}
		pkey = gov_jwk_pkey(jwk, kty, err, errlen);
		if (pkey == NULL)
			return false;
		ok = gov_key_from_pkey(pkey, pinned, key, err, errlen);
		EVP_PKEY_free(pkey);
		if (!ok)
			return false;
	}
	else
	{
		gov_say(err, errlen, "JWK \"kty\" must be RSA, EC or oct");
		return false;
	}

	if (kid != NULL)
	{
		key->kid = strdup(json_string_value(kid));
		if (key->kid == NULL)
		{
			gov_key_clear(key);
			gov_say(err, errlen, "out of memory");
			return false;
		}
	}
	return true;
}

/* Read a JWKS ({"keys": [...]}) or a single JWK into keys[]. */
static int
gov_load_jwks(const char *buf, size_t len, GovJwtKey *keys, int room,
			  char *err, size_t errlen)
{
	json_error_t jerr;
	json_t	   *doc = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr);
	json_t	   *list;
	size_t		i;
	int			n = 0;

	if (doc == NULL || !json_is_object(doc))
	{
		gov_say(err, errlen, "key document is not a JSON object (line %d: %s)",
				jerr.line, doc == NULL ? jerr.text : "not an object");
		json_decref(doc);
		return -1;
	}
	list = json_object_get(doc, "keys");
	if (list == NULL)
	{
		/* A single JWK. */
		if (!gov_load_jwk(doc, &keys[0], err, errlen))
			n = -1;
		else
			n = 1;
		json_decref(doc);
		return n;
	}
	if (!json_is_array(list) || json_array_size(list) == 0)
	{
		gov_say(err, errlen, "JWKS \"keys\" must be a non-empty array");
		json_decref(doc);
		return -1;
	}
	for (i = 0; i < json_array_size(list); i++)
	{
		char		sub[256];

		if (n >= room)
		{
			gov_say(err, errlen, "too many keys (at most %d)", GOV_JWT_MAX_KEYS);
			goto fail;
		}
		sub[0] = '\0';
		if (!gov_load_jwk(json_array_get(list, i), &keys[n], sub, sizeof(sub)))
		{
			gov_say(err, errlen, "JWKS key %zu: %s", i, sub);
			goto fail;
		}
		n++;
	}
	json_decref(doc);
	return n;

fail:
	while (n > 0)
		gov_key_clear(&keys[--n]);
	json_decref(doc);
	return -1;
}

/* Refuse a "kid" that is already in the set or repeated among the new. */
static bool
gov_kids_unique(const GovJwtKeySet *ks, const GovJwtKey *added, int nadded,
				char *err, size_t errlen)
{
	int			i,
				j;

	for (i = 0; i < nadded; i++)
	{
		if (added[i].kid == NULL)
			continue;
		for (j = 0; j < ks->nkeys + i; j++)
		{
			const GovJwtKey *other = j < ks->nkeys ? &ks->keys[j] : &added[j - ks->nkeys];

			if (other->kid != NULL && strcmp(other->kid, added[i].kid) == 0)
			{
				gov_say(err, errlen, "key id \"%s\" appears twice", added[i].kid);
				return false;
			}
		}
	}
	return true;
}

bool
gov_jwt_keyset_add_public(GovJwtKeySet *ks, const char *buf, size_t len,
						  char *err, size_t errlen)
{
	GovJwtKey  *staged;
	char	   *text;
	size_t		i;
	int			n,
				room = GOV_JWT_MAX_KEYS - ks->nkeys;

	err[0] = '\0';
	if (room <= 0)
	{
		gov_say(err, errlen, "too many keys (at most %d)", GOV_JWT_MAX_KEYS);
		return false;
	}
	/* Work on a NUL-terminated copy; key files are text. */
	text = malloc(len + 1);
	staged = calloc(room, sizeof(GovJwtKey));
	if (text == NULL || staged == NULL)
	{
		free(text);
		free(staged);
		gov_say(err, errlen, "out of memory");
		return false;
	}
	memcpy(text, buf, len);
	text[len] = '\0';
	if (strlen(text) != len)
	{
		free(text);
		free(staged);
		gov_say(err, errlen, "key file contains a NUL byte");
		return false;
	}

	for (i = 0; i < len && strchr(" \t\r\n", text[i]) != NULL; i++)
		;
	if (i < len && text[i] == '{')
		n = gov_load_jwks(text, len, staged, room, err, errlen);
	else
		n = gov_load_pem(text, len, staged, room, err, errlen);
	free(text);
	ERR_clear_error();

	if (n > 0 && !gov_kids_unique(ks, staged, n, err, errlen))
	{
		while (n > 0)
			gov_key_clear(&staged[--n]);
		n = -1;
	}
	if (n <= 0)
	{
		free(staged);
		return false;
	}
	memcpy(&ks->keys[ks->nkeys], staged, n * sizeof(GovJwtKey));
	ks->nkeys += n;
	free(staged);
	return true;
}

bool
gov_jwt_keyset_add_hmac(GovJwtKeySet *ks, const unsigned char *secret,
						size_t len, char *err, size_t errlen)
{
	GovJwtKey  *key;

	if (ks->nkeys >= GOV_JWT_MAX_KEYS)
	{
		gov_say(err, errlen, "too many keys (at most %d)", GOV_JWT_MAX_KEYS);
		return false;
	}
	if (len < GOV_JWT_MIN_HMAC_LEN)
	{
		gov_say(err, errlen, "HMAC secret has %zu bytes; at least %d are required",
				len, GOV_JWT_MIN_HMAC_LEN);
		return false;
	}
	key = &ks->keys[ks->nkeys];
	memset(key, 0, sizeof(*key));
	key->material = malloc(len);
	if (key->material == NULL)
	{
		gov_say(err, errlen, "out of memory");
		return false;
	}
	memcpy(key->material, secret, len);
	key->material_len = len;
	key->kind = GOV_KEY_HMAC;
	key->algs = GOV_JWT_HS_ALL;
	ks->nkeys++;
	return true;
}

/* ---------------------------------------------------------------------
 * Verification
 * ---------------------------------------------------------------------
 */

/*
 * Check an HMAC signature in constant time.  signing_input is
 * "header.payload"; sig is the raw decoded signature.
 */
static bool
gov_hmac_matches(const GovJwtKey *key, uint32_t alg, const char *signing_input,
				 size_t inlen, const unsigned char *sig, size_t siglen)
{
	const EVP_MD *md = alg == GOV_JWT_HS256 ? EVP_sha256() :
		alg == GOV_JWT_HS384 ? EVP_sha384() : EVP_sha512();
	unsigned char mac[EVP_MAX_MD_SIZE];
	unsigned int maclen = 0;

	if (HMAC(md, key->material, (int) key->material_len,
			 (const unsigned char *) signing_input, inlen, mac, &maclen) == NULL)
		return false;
	return maclen == siglen && CRYPTO_memcmp(mac, sig, maclen) == 0;
}

typedef int (*gov_jwt_decode_fn) (jwt_t **, const char *,
								   const unsigned char *, int);
typedef void (*gov_jwt_free_fn) (jwt_t *);

static gov_jwt_decode_fn gov_decode = NULL;
static gov_jwt_free_fn gov_free = NULL;

bool
gov_jwt_library_load(char *err, size_t errlen)
{
#ifdef GOV_JWT_DEEPBIND
	void	   *lib;

	if (gov_decode != NULL)
		return true;
	lib = dlopen("libjwt.so.0", RTLD_NOW | RTLD_LOCAL | RTLD_DEEPBIND);
	if (lib == NULL)
	{
		gov_say(err, errlen, "could not load libjwt.so.0: %s", dlerror());
		return false;
	}
	gov_decode = (gov_jwt_decode_fn) dlsym(lib, "jwt_decode");
	gov_free = (gov_jwt_free_fn) dlsym(lib, "jwt_free");
	if (gov_decode == NULL || gov_free == NULL)
	{
		gov_decode = NULL;
		gov_say(err, errlen, "libjwt.so.0 lacks jwt_decode or jwt_free");
		return false;
	}
#else
	(void) err;
	(void) errlen;
	gov_decode = jwt_decode;
	gov_free = jwt_free;
#endif
	return true;
}

/* Have libjwt verify the whole token with this key. */
static bool
gov_libjwt_verifies(const GovJwtKey *key, const char *token)
{
	jwt_t	   *jwt = NULL;
	int			rc;

	if (!gov_jwt_library_load(NULL, 0))
		return false;
	rc = gov_decode(&jwt, token, key->material, (int) key->material_len);
	if (jwt != NULL)
		gov_free(jwt);
	return rc == 0;
}

/* A NumericDate: an integer or real number of seconds. */
static bool
gov_numeric_date(json_t *v, int64_t *out)
{
	double		d;

	if (json_is_integer(v))
	{
		*out = (int64_t) json_integer_value(v);
		return true;
	}
	if (!json_is_real(v))
		return false;
	d = json_real_value(v);
	if (!(d > -9.2e18 && d < 9.2e18))
		return false;
	*out = (int64_t) d;
	return true;
}

/* Copy a string claim; a present non-string is an error. */
static GovJwtStatus
gov_string_claim(json_t *obj, const char *name, char **out,
				 char *detail, size_t detaillen)
{
	json_t	   *v = json_object_get(obj, name);

	*out = NULL;
	if (v == NULL)
		return GOV_JWT_OK;
	if (!json_is_string(v))
	{
		gov_say(detail, detaillen, "Claim \"%s\" must be a string.", name);
		return GOV_JWT_BAD_CLAIM;
	}
	*out = strdup(json_string_value(v));
	return *out == NULL ? GOV_JWT_NO_MEMORY : GOV_JWT_OK;
}

/* Find the roles claim by dotted path and copy its strings. */
static GovJwtStatus
gov_roles_claim(json_t *payload, const char *path, GovJwtClaims *c,
				char *detail, size_t detaillen)
{
	char		part[256];
	const char *p = path;
	json_t	   *v = payload;
	size_t		i,
				n;

	if (path == NULL || path[0] == '\0')
		return GOV_JWT_OK;
	while (v != NULL && *p != '\0')
	{
		const char *dot = strchr(p, '.');
		size_t		plen = dot ? (size_t) (dot - p) : strlen(p);

		if (plen == 0 || plen >= sizeof(part) || !json_is_object(v))
		{
			v = NULL;
			break;
		}
		memcpy(part, p, plen);
		part[plen] = '\0';
		v = json_object_get(v, part);
		p += plen + (dot ? 1 : 0);
	}
	if (v == NULL)
		return GOV_JWT_OK;
	if (json_is_string(v))
		n = 1;
	else if (json_is_array(v))
		n = json_array_size(v);
	else
	{
		gov_say(detail, detaillen, "Claim \"%s\" must be a string or an array of strings.", path);
		return GOV_JWT_BAD_CLAIM;
	}
	c->roles = calloc(n + 1, sizeof(char *));
	if (c->roles == NULL)
		return GOV_JWT_NO_MEMORY;
	for (i = 0; i < n; i++)
	{
		json_t	   *r = json_is_string(v) ? v : json_array_get(v, i);

		if (!json_is_string(r))
		{
			gov_say(detail, detaillen, "Claim \"%s\" must be a string or an array of strings.", path);
			return GOV_JWT_BAD_CLAIM;
		}
		c->roles[i] = strdup(json_string_value(r));
		if (c->roles[i] == NULL)
			return GOV_JWT_NO_MEMORY;
		c->nroles++;
	}
	return GOV_JWT_OK;
}

void
gov_jwt_time_detail(GovJwtStatus st, int64_t leeway, char *detail,
					size_t detaillen)
{
	gov_say(detail, detaillen, "The token's \"%s\" is in the %s (clock skew tolerated: %lld s).",
			st == GOV_JWT_EXPIRED ? "exp" : "nbf",
			st == GOV_JWT_EXPIRED ? "past" : "future",
			(long long) leeway);
}

GovJwtStatus
gov_jwt_check_time(const GovJwtClaims *c, int64_t now, int64_t leeway)
{
	/* Written so that no sum can overflow, whatever exp the token holds. */
	if (c->has_exp && now - leeway >= c->exp)
		return GOV_JWT_EXPIRED;
	if (c->has_nbf && now + leeway < c->nbf)
		return GOV_JWT_NOT_YET_VALID;
	return GOV_JWT_OK;
}

/* Check the claims and fill *c from them. */
static GovJwtStatus
gov_check_claims(json_t *payload, const GovJwtOptions *opts, GovJwtClaims *c,
				 char *detail, size_t detaillen)
{
	json_t	   *v;
	GovJwtStatus st;

	if ((v = json_object_get(payload, "exp")) != NULL)
	{
		if (!gov_numeric_date(v, &c->exp))
		{
			gov_say(detail, detaillen, "Claim \"exp\" must be a number.");
			return GOV_JWT_BAD_CLAIM;
		}
		c->has_exp = true;
	}
	else if (opts->require_exp)
	{
		gov_say(detail, detaillen, "Claim \"exp\" is required.");
		return GOV_JWT_MISSING_CLAIM;
	}
	if ((v = json_object_get(payload, "nbf")) != NULL)
	{
		if (!gov_numeric_date(v, &c->nbf))
		{
			gov_say(detail, detaillen, "Claim \"nbf\" must be a number.");
			return GOV_JWT_BAD_CLAIM;
		}
		c->has_nbf = true;
	}
	if ((v = json_object_get(payload, "iat")) != NULL)
	{
		int64_t		iat;

		if (!gov_numeric_date(v, &iat))
		{
			gov_say(detail, detaillen, "Claim \"iat\" must be a number.");
			return GOV_JWT_BAD_CLAIM;
		}
	}

	if ((st = gov_string_claim(payload, "sub", &c->sub, detail, detaillen)) != GOV_JWT_OK ||
		(st = gov_string_claim(payload, "jti", &c->jti, detail, detaillen)) != GOV_JWT_OK ||
		(st = gov_string_claim(payload, "iss", &c->iss, detail, detaillen)) != GOV_JWT_OK)
		return st;
	if (opts->require_sub && (c->sub == NULL || c->sub[0] == '\0'))
	{
		gov_say(detail, detaillen, "Claim \"sub\" is required.");
		return GOV_JWT_MISSING_CLAIM;
	}

	if ((v = json_object_get(payload, "act")) != NULL)
	{
		json_t	   *asub = json_object_get(v, "sub");

		if (!json_is_object(v) || !json_is_string(asub))
		{
			gov_say(detail, detaillen, "Claim \"act\" must be an object with a string \"sub\".");
			return GOV_JWT_BAD_CLAIM;
		}
		c->actor = strdup(json_string_value(asub));
		if (c->actor == NULL)
			return GOV_JWT_NO_MEMORY;
	}

	if ((st = gov_roles_claim(payload, opts->roles_claim, c, detail, detaillen)) != GOV_JWT_OK)
		return st;

	/* Time, then issuer and audience. */
	if ((st = gov_jwt_check_time(c, opts->now, opts->leeway)) != GOV_JWT_OK)
	{
		gov_jwt_time_detail(st, opts->leeway, detail, detaillen);
		return st;
	}
	if (opts->issuer != NULL && opts->issuer[0] != '\0' &&
		(c->iss == NULL || strcmp(c->iss, opts->issuer) != 0))
	{
		gov_say(detail, detaillen, "The token's issuer is not the configured issuer.");
		return GOV_JWT_WRONG_ISSUER;
	}
	if (opts->audience != NULL && opts->audience[0] != '\0')
	{
		bool		found = false;

		v = json_object_get(payload, "aud");
		if (json_is_string(v))
			found = strcmp(json_string_value(v), opts->audience) == 0;
		else if (json_is_array(v))
		{
			size_t		i;

			for (i = 0; i < json_array_size(v); i++)
			{
				json_t	   *a = json_array_get(v, i);

				if (!json_is_string(a))
				{
					gov_say(detail, detaillen, "Claim \"aud\" must be a string or an array of strings.");
					return GOV_JWT_BAD_CLAIM;
				}
				if (strcmp(json_string_value(a), opts->audience) == 0)
					found = true;
			}
		}
		else if (v != NULL)
		{
			gov_say(detail, detaillen, "Claim \"aud\" must be a string or an array of strings.");
			return GOV_JWT_BAD_CLAIM;
		}
		if (!found)
		{
			gov_say(detail, detaillen, "The token is not meant for the configured audience.");
			return GOV_JWT_WRONG_AUDIENCE;
		}
	}

	c->payload = json_dumps(payload, JSON_COMPACT | JSON_SORT_KEYS);
	return c->payload == NULL ? GOV_JWT_NO_MEMORY : GOV_JWT_OK;
}

void
gov_jwt_claims_free(GovJwtClaims *c)
{
	int			i;

	if (c == NULL)
		return;
	free(c->kid);
	free(c->sub);
	free(c->actor);
	free(c->jti);
	free(c->iss);
	if (c->roles != NULL)
		for (i = 0; i < c->nroles; i++)
			free(c->roles[i]);
	free(c->roles);
	free(c->payload);
	memset(c, 0, sizeof(*c));
}

/*
 * Inspect the header: the algorithm must be known and allowed, "crit" is
 * refused (we understand no extension), "typ" if present says JWT.
 */
static GovJwtStatus
gov_check_header(json_t *header, const GovJwtOptions *opts, uint32_t *alg,
				 GovJwtClaims *c, char *detail, size_t detaillen)
{
	json_t	   *v = json_object_get(header, "alg");
	const char *name = json_string_value(v);

	if (name == NULL)
	{
		gov_say(detail, detaillen, "The header has no \"alg\" string.");
		return GOV_JWT_MALFORMED;
	}
	*alg = gov_jwt_alg_from_name(name);
	if (*alg == 0)
	{
		gov_say(detail, detaillen, "Algorithm \"%.16s\" is not supported.", name);
		return GOV_JWT_UNSUPPORTED_ALG;
	}
	if ((*alg & opts->allowed_algs) == 0)
	{
		gov_say(detail, detaillen, "Algorithm %s is not among the allowed algorithms.", name);
		return GOV_JWT_ALG_NOT_ALLOWED;
	}
	snprintf(c->alg, sizeof(c->alg), "%s", name);
	if (json_object_get(header, "crit") != NULL)
	{
		gov_say(detail, detaillen, "The header has a \"crit\" member, which is not supported.");
		return GOV_JWT_MALFORMED;
	}
	v = json_object_get(header, "typ");
	if (v != NULL && (!json_is_string(v) || strcasecmp(json_string_value(v), "JWT") != 0))
	{
		gov_say(detail, detaillen, "The header's \"typ\" must be \"JWT\".");
		return GOV_JWT_MALFORMED;
	}
	v = json_object_get(header, "kid");
	if (v != NULL)
	{
		if (!json_is_string(v))
		{
			gov_say(detail, detaillen, "The header's \"kid\" must be a string.");
			return GOV_JWT_MALFORMED;
		}
		c->kid = strdup(json_string_value(v));
		if (c->kid == NULL)
			return GOV_JWT_NO_MEMORY;
	}
	return GOV_JWT_OK;
}

/*
 * Find the key that verifies the signature.  With a kid, only that key is
 * tried; without, every key admitting the algorithm.
 */
static GovJwtStatus
gov_check_signature(const GovJwtKeySet *ks, const char *token, size_t dot2,
					const char *sigtext, size_t siglen, uint32_t alg,
					const GovJwtClaims *c, char *detail, size_t detaillen)
{
	unsigned char *sig = NULL;
	size_t		rawlen = 0;
	bool		any_admits = false;
	int			i;

	if (ks == NULL || ks->nkeys == 0)
	{
		gov_say(detail, detaillen, "Configure governance.jwt_public_keys_file or governance.jwt_hmac_secret_file.");
		return GOV_JWT_NO_KEYS;
	}
	if (c->kid != NULL)
	{
		for (i = 0; i < ks->nkeys; i++)
			if (ks->keys[i].kid != NULL && strcmp(ks->keys[i].kid, c->kid) == 0)
				break;
		if (i == ks->nkeys)
		{
			gov_say(detail, detaillen, "No configured key has the token's key id.");
			return GOV_JWT_UNKNOWN_KEY;
		}
		if ((ks->keys[i].algs & alg) == 0)
		{
			gov_say(detail, detaillen, "Key \"%.64s\" does not admit algorithm %s.", c->kid, c->alg);
			return GOV_JWT_ALG_NOT_ALLOWED;
		}
	}
	if (siglen == 0 || (sig = gov_b64url_decode(sigtext, siglen, &rawlen)) == NULL)
	{
		gov_say(detail, detaillen, "The signature is empty or not base64url.");
		return GOV_JWT_BAD_SIGNATURE;
	}

	for (i = 0; i < ks->nkeys; i++)
	{
		const GovJwtKey *key = &ks->keys[i];

		if ((key->algs & alg) == 0)
			continue;
		if (c->kid != NULL && (key->kid == NULL || strcmp(key->kid, c->kid) != 0))
			continue;
		any_admits = true;
		if (key->kind == GOV_KEY_HMAC &&
			!gov_hmac_matches(key, alg, token, dot2, sig, rawlen))
			continue;
		if (gov_libjwt_verifies(key, token))
		{
			free(sig);
			return GOV_JWT_OK;
		}
	}
	free(sig);
	if (!any_admits)
	{
		gov_say(detail, detaillen, "No configured key admits algorithm %s.", c->alg);
		return GOV_JWT_ALG_NOT_ALLOWED;
	}
	gov_say(detail, detaillen, "No configured key verifies the signature.");
	return GOV_JWT_BAD_SIGNATURE;
}

GovJwtStatus
gov_jwt_verify(const GovJwtKeySet *ks, const char *token, size_t len,
			   const GovJwtOptions *opts, GovJwtClaims *claims,
			   char *detail, size_t detaillen)
{
	size_t		max_len = opts->max_len ? opts->max_len : GOV_JWT_MAX_TOKEN_LEN;
	size_t		dot1 = 0,
				dot2 = 0,
				i;
	int			ndots = 0;
	char	   *copy = NULL;
	json_t	   *header = NULL,
			   *payload = NULL;
	uint32_t	alg = 0;
	GovJwtStatus st;

	memset(claims, 0, sizeof(*claims));
	if (detail != NULL && detaillen > 0)
		detail[0] = '\0';

	if (len == 0)
	{
		gov_say(detail, detaillen, "The token is empty.");
		return GOV_JWT_MALFORMED;
	}
	if (len > max_len)
	{
		gov_say(detail, detaillen, "The token has %zu bytes; at most %zu are accepted.", len, max_len);
		return GOV_JWT_TOO_LONG;
	}
	/* Only the base64url alphabet and exactly two dots. */
	for (i = 0; i < len; i++)
	{
		if (token[i] == '.')
		{
			if (++ndots == 1)
				dot1 = i;
			else if (ndots == 2)
				dot2 = i;
		}
		else if (gov_b64url_value((unsigned char) token[i]) < 0)
		{
			gov_say(detail, detaillen, "The token contains a character outside base64url at byte %zu.", i);
			return GOV_JWT_MALFORMED;
		}
	}
	if (ndots != 2)
	{
		gov_say(detail, detaillen, "A token has three dot-separated parts; this one has %d.", ndots + 1);
		return GOV_JWT_MALFORMED;
	}
	if (dot1 == 0 || dot2 == dot1 + 1)
	{
		gov_say(detail, detaillen, "The token's %s part is empty.", dot1 == 0 ? "header" : "claims");
		return GOV_JWT_MALFORMED;
	}

	header = gov_decode_json_segment(token, dot1);
	if (header == NULL)
	{
		gov_say(detail, detaillen, "The header is not base64url-encoded JSON object.");
		st = GOV_JWT_MALFORMED;
		goto done;
	}
	if ((st = gov_check_header(header, opts, &alg, claims, detail, detaillen)) != GOV_JWT_OK)
		goto done;

	payload = gov_decode_json_segment(token + dot1 + 1, dot2 - dot1 - 1);
	if (payload == NULL)
	{
		gov_say(detail, detaillen, "The claims are not a base64url-encoded JSON object.");
		st = GOV_JWT_MALFORMED;
		goto done;
	}

	/* libjwt wants a NUL-terminated token. */
	copy = malloc(len + 1);
	if (copy == NULL)
	{
		st = GOV_JWT_NO_MEMORY;
		goto done;
	}
	memcpy(copy, token, len);
	copy[len] = '\0';
	st = gov_check_signature(ks, copy, dot2, copy + dot2 + 1, len - dot2 - 1,
							 alg, claims, detail, detaillen);
	if (st != GOV_JWT_OK)
		goto done;

	st = gov_check_claims(payload, opts, claims, detail, detaillen);

done:
	/* Leave no OpenSSL errors behind for the backend's other users. */
	ERR_clear_error();
	free(copy);
	json_decref(header);
	json_decref(payload);
	if (st != GOV_JWT_OK)
		gov_jwt_claims_free(claims);
	return st;
}
