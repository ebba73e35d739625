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
 * one the key admits (RSA keys admit RS* and PS*, EC keys only the ES
 * variant of their curve, Ed25519 keys EdDSA, HMAC secrets HS*, a JWK's
 * "alg" pins exactly one); only then is the signature checked, by OpenSSL
 * with that key and exactly the padding, digest and signature encoding the
 * algorithm names (RFC 7518 section 3, RFC 8037).  HMAC signatures are
 * compared in constant time.  The base64url text and the JSON of both
 * header and claims are decoded strictly (alphabet, no padding, no
 * duplicate members) and the claims are checked here: exp, nbf, iss, aud,
 * and the types of sub, act, jti and roles.
 *
 * src/identity/jwt.c
 *
 *-------------------------------------------------------------------------
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rsa.h>
#include <openssl/sha.h>

#include "governance/identity_jwt.h"


#include "jwt_internal.h"

static const struct
{
	const char *name;
	uint32_t	bit;
}			gov_algs[] =
{
	{"HS256", GOV_JWT_HS256},
	{"HS384", GOV_JWT_HS384},
	{"HS512", GOV_JWT_HS512},
	{"RS256", GOV_JWT_RS256},
	{"RS384", GOV_JWT_RS384},
	{"RS512", GOV_JWT_RS512},
	{"PS256", GOV_JWT_PS256},
	{"PS384", GOV_JWT_PS384},
	{"PS512", GOV_JWT_PS512},
	{"ES256", GOV_JWT_ES256},
	{"ES384", GOV_JWT_ES384},
	{"ES512", GOV_JWT_ES512},
	{"EdDSA", GOV_JWT_EDDSA},
};

#define GOV_NALGS (sizeof(gov_algs) / sizeof(gov_algs[0]))

/* Write a formatted reason into a caller's buffer, if there is one. */
void
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

/* The names of the algorithms in bits, blank-separated, into buf. */
void
gov_jwt_alg_names(uint32_t bits, char *buf, size_t len)
{
	size_t		used = 0;

	if (len == 0)
		return;
	buf[0] = '\0';
	for (size_t i = 0; i < GOV_NALGS && used < len; i++)
		if (bits & gov_algs[i].bit)
			used += snprintf(buf + used, len - used, "%s%s",
							 used ? " " : "", gov_algs[i].name);
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

/* The value of a base64url character, or -1. */
int
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
unsigned char *
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
 * Verification
 * ---------------------------------------------------------------------
 */

/* The digest an algorithm names; NULL for EdDSA, which hashes itself. */
static const EVP_MD *
gov_alg_digest(uint32_t alg)
{
	if (alg & (GOV_JWT_HS256 | GOV_JWT_RS256 | GOV_JWT_PS256 | GOV_JWT_ES256))
		return EVP_sha256();
	if (alg & (GOV_JWT_HS384 | GOV_JWT_RS384 | GOV_JWT_PS384 | GOV_JWT_ES384))
		return EVP_sha384();
	if (alg & (GOV_JWT_HS512 | GOV_JWT_RS512 | GOV_JWT_PS512 | GOV_JWT_ES512))
		return EVP_sha512();
	return NULL;
}

/*
 * Check an HMAC signature in constant time.  signing_input is
 * "header.payload"; sig is the raw decoded signature.
 */
static bool
gov_hmac_matches(const GovJwtKey *key, uint32_t alg, const char *signing_input,
				 size_t inlen, const unsigned char *sig, size_t siglen)
{
	unsigned char mac[EVP_MAX_MD_SIZE];
	unsigned int maclen = 0;

	if (HMAC(gov_alg_digest(alg), key->material, (int) key->material_len,
			 (const unsigned char *) signing_input, inlen, mac, &maclen) == NULL)
		return false;
	return maclen == siglen && CRYPTO_memcmp(mac, sig, maclen) == 0;
}

/*
 * A JWS ECDSA signature is R and S as fixed-size big-endian integers, one
 * after the other (RFC 7518 3.4); OpenSSL verifies the DER form.  Any other
 * length is refused.  (ECDSA itself admits two signatures of one message,
 * with S and with n - S; both verify, so a token's text, and hence its
 * fingerprint, is not unique to its claims: jti identifies a token.)
 */
static unsigned char *
gov_ecdsa_der(const GovJwtKey *key, const unsigned char *sig, size_t siglen,
			  int *derlen)
{
	ECDSA_SIG  *es;
	BIGNUM	   *r,
			   *s;
	unsigned char *der = NULL;

	*derlen = 0;
	if (siglen != 2 * key->ec_size)
		return NULL;
	es = ECDSA_SIG_new();
	r = BN_bin2bn(sig, (int) key->ec_size, NULL);
	s = BN_bin2bn(sig + key->ec_size, (int) key->ec_size, NULL);
	if (es == NULL || r == NULL || s == NULL || !ECDSA_SIG_set0(es, r, s))
	{
		BN_free(r);
		BN_free(s);
		ECDSA_SIG_free(es);
		return NULL;
	}
	*derlen = i2d_ECDSA_SIG(es, &der);
	ECDSA_SIG_free(es);
	if (*derlen <= 0)
	{
		OPENSSL_free(der);
		return NULL;
	}
	return der;
}

/*
 * Check a public-key signature with OpenSSL: PKCS #1 v1.5 for RS*, PSS with
 * MGF1 of the same digest and a salt as long as the digest for PS*, ECDSA
 * over the curve's fixed-size R||S for ES*, Ed25519 for EdDSA.
 */
static bool
gov_pkey_verifies(const GovJwtKey *key, uint32_t alg, const char *signing_input,
				  size_t inlen, const unsigned char *sig, size_t siglen)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	EVP_PKEY_CTX *pctx = NULL;
	unsigned char *der = NULL;
	int			derlen = 0;
	bool		ok = false;

	if (ctx == NULL || key->pkey == NULL)
		goto done;
	/*
	 * An RSA signature is exactly as long as the modulus (RFC 8017 8.1.2,
	 * 8.2.2): OpenSSL would also take one with a leading zero byte left
	 * out, a second text of the same token.
	 */
	if (key->kind == GOV_KEY_RSA && siglen != (size_t) EVP_PKEY_get_size(key->pkey))
		goto done;
	if (key->kind == GOV_KEY_EC)
	{
		der = gov_ecdsa_der(key, sig, siglen, &derlen);
		if (der == NULL)
			goto done;
		sig = der;
		siglen = (size_t) derlen;
	}
	if (EVP_DigestVerifyInit(ctx, &pctx, gov_alg_digest(alg), NULL, key->pkey) != 1)
		goto done;
	if (alg & GOV_JWT_PS_ALL)
	{
		if (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) != 1 ||
			EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST) != 1 ||
			EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, gov_alg_digest(alg)) != 1)
			goto done;
	}
	else if (alg & GOV_JWT_RS_ALL)
	{
		if (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) != 1)
			goto done;
	}
	ok = EVP_DigestVerify(ctx, sig, siglen,
						  (const unsigned char *) signing_input, inlen) == 1;

done:
	OPENSSL_free(der);
	EVP_MD_CTX_free(ctx);
	return ok;
}

void
gov_jwt_key_warm(const GovJwtKey *key)
{
	static const char input[] = "e30.e30";
	unsigned char sig[2 * 66];
	size_t		siglen;

	if (key->pkey == NULL)
		return;
	siglen = key->kind == GOV_KEY_EC ? 2 * key->ec_size : key->kind == GOV_KEY_ED25519 ? 64 : 0;
	for (size_t i = 0; i < GOV_NALGS; i++)
	{
		unsigned char *rsa_sig = NULL;

		if ((key->algs & gov_algs[i].bit) == 0)
			continue;
		if (key->kind == GOV_KEY_RSA)
		{
			siglen = (size_t) EVP_PKEY_get_size(key->pkey);
			rsa_sig = calloc(1, siglen);
			if (rsa_sig == NULL)
				continue;
			rsa_sig[siglen - 1] = 1;
		}
		else
			memset(sig, 1, sizeof(sig));
		(void) gov_pkey_verifies(key, gov_algs[i].bit, input, sizeof(input) - 1,
								 rsa_sig != NULL ? rsa_sig : sig, siglen);
		free(rsa_sig);
	}
	ERR_clear_error();
}

/*
 * The media types a token's "typ" may name (RFC 7519 5.1, RFC 9068 2.1),
 * compared without case and with the "application/" prefix optional
 * (RFC 7515 4.1.9).
 */
static bool
gov_typ_accepted(const char *typ)
{
	if (strncasecmp(typ, "application/", 12) == 0)
		typ += 12;
	return strcasecmp(typ, "JWT") == 0 || strcasecmp(typ, "at+jwt") == 0;
}

/*
 * Inspect the header: the algorithm must be known and allowed, "crit" is
 * refused (we understand no extension), "typ" if present names a JWT or an
 * OAuth access token in JWT form.
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
	if (v != NULL && (!json_is_string(v) || !gov_typ_accepted(json_string_value(v))))
	{
		gov_say(detail, detaillen, "The header's \"typ\" must be \"JWT\" or \"at+jwt\".");
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
 * Find the key that verifies the signature.  With a kid that a key of the
 * set has, only that key is tried; with one no key has, the keys that have
 * no kid (PEM keys, JWKs without one) and admit the algorithm, as for a
 * token without a kid: an identity provider names its keys, a PEM file
 * cannot.  If there are none, the kid is unknown.  Without a kid, every
 * key admitting the algorithm.
 */
static GovJwtStatus
gov_check_signature(const GovJwtKeySet *ks, const char *token, size_t dot2,
					const char *sigtext, size_t siglen, uint32_t alg,
					const GovJwtClaims *c, bool already_verified,
					char *detail, size_t detaillen)
{
	unsigned char *sig = NULL;
	size_t		rawlen = 0;
	bool		any_admits = false;
	bool		kid_known = false;
	int			i;

	if (ks == NULL || ks->nkeys == 0)
	{
		gov_say(detail, detaillen, "Configure governance.jwt_public_keys_file or governance.jwt_hmac_secret_file.");
		return GOV_JWT_NO_KEYS;
	}
	if (c->kid != NULL)
	{
		bool		keyless = false;

		for (i = 0; i < ks->nkeys; i++)
			keyless |= ks->keys[i].kid == NULL && (ks->keys[i].algs & alg) != 0;
		for (i = 0; i < ks->nkeys; i++)
			if (ks->keys[i].kid != NULL && strcmp(ks->keys[i].kid, c->kid) == 0)
				break;
		kid_known = i < ks->nkeys;
		if (!kid_known && !keyless)
		{
			gov_say(detail, detaillen, "No configured key has the token's key id.");
			return GOV_JWT_UNKNOWN_KEY;
		}
		if (kid_known && (ks->keys[i].algs & alg) == 0)
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
		if (c->kid != NULL &&
			(kid_known ? (key->kid == NULL || strcmp(key->kid, c->kid) != 0)
			 : key->kid != NULL))
			continue;
		any_admits = true;
		if (already_verified ||
			(key->kind == GOV_KEY_HMAC ?
			 gov_hmac_matches(key, alg, token, dot2, sig, rawlen) :
			 gov_pkey_verifies(key, alg, token, dot2, sig, rawlen)))
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

static GovJwtStatus gov_verify(const GovJwtKeySet *ks, const char *token,
								size_t len, const GovJwtOptions *opts,
								GovJwtClaims *claims, bool already_verified,
								char *detail, size_t detaillen);

GovJwtStatus
gov_jwt_verify(const GovJwtKeySet *ks, const char *token, size_t len,
			   const GovJwtOptions *opts, GovJwtClaims *claims,
			   char *detail, size_t detaillen)
{
	return gov_verify(ks, token, len, opts, claims, false, detail, detaillen);
}

GovJwtStatus
gov_jwt_verify_again(const GovJwtKeySet *ks, const char *token, size_t len,
					 const GovJwtOptions *opts, GovJwtClaims *claims,
					 char *detail, size_t detaillen)
{
	return gov_verify(ks, token, len, opts, claims, true, detail, detaillen);
}

static GovJwtStatus
gov_verify(const GovJwtKeySet *ks, const char *token, size_t len,
		   const GovJwtOptions *opts, GovJwtClaims *claims,
		   bool already_verified, char *detail, size_t detaillen)
{
	size_t		max_len = opts->max_len ? opts->max_len : GOV_JWT_MAX_TOKEN_LEN;
	size_t		dot1 = 0,
				dot2 = 0,
				i;
	int			ndots = 0;
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

	st = gov_check_signature(ks, token, dot2, token + dot2 + 1, len - dot2 - 1,
							 alg, claims, already_verified, detail, detaillen);
	if (st != GOV_JWT_OK)
		goto done;

	st = gov_jwt_check_claims(payload, opts, claims, detail, detaillen);

done:
	/* Leave no OpenSSL errors behind for the backend's other users. */
	ERR_clear_error();
	json_decref(header);
	json_decref(payload);
	if (st != GOV_JWT_OK)
		gov_jwt_claims_free(claims);
	return st;
}
