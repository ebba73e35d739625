/*-------------------------------------------------------------------------
 *
 * jwt_keyset.c
 *	  Key sets for the verifier: PEM public keys, JWKS documents, HMAC
 *	  secrets, each key with the algorithms it admits.
 *
 * Plain C, no server headers, like jwt.c.  A key set is built once and is
 * then read-only.  Every loader either adds all of a document's keys or
 * none, and refuses private key material: a database server needs public
 * keys only.  Public keys, from PEM or from a JWK, are parsed here once
 * into OpenSSL key objects, which verification then only reads.
 *
 * src/identity/jwt_keyset.c
 *
 *-------------------------------------------------------------------------
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "jwt_internal.h"

GovJwtKeySet *
gov_jwt_keyset_new(void)
{
	return calloc(1, sizeof(GovJwtKeySet));
}

static void
gov_key_clear(GovJwtKey *key)
{
	free(key->kid);
	EVP_PKEY_free(key->pkey);
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

/*
 * The keys of ks from index first on, as the server log names them:
 * "kid" (algorithms), or "no kid" (algorithms), comma-separated.
 */
void
gov_jwt_keyset_describe(const GovJwtKeySet *ks, int first, char *buf,
						size_t len)
{
	size_t		used = 0;

	if (len == 0)
		return;
	buf[0] = '\0';
	for (int i = first; i < ks->nkeys && used < len; i++)
	{
		char		algs[128];

		gov_jwt_alg_names(ks->keys[i].algs, algs, sizeof(algs));
		if (ks->keys[i].kid != NULL)
			used += snprintf(buf + used, len - used, "%s\"%.64s\" (%s)",
							 used ? ", " : "", ks->keys[i].kid, algs);
		else
			used += snprintf(buf + used, len - used, "%sno kid (%s)",
							 used ? ", " : "", algs);
	}
}

/*
 * A digest of what the set verifies with: each key's type, algorithms,
 * kid and key (the DER of a public key, the bytes of a secret), in order;
 * hex into out[GOV_JWT_FINGERPRINT_LEN], or "" if it cannot be computed.
 * Two sets with the same digest accept the same signatures.
 */
void
gov_jwt_keyset_digest(const GovJwtKeySet *ks, char *out)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	bool		ok = ctx != NULL && EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) == 1;

	for (int i = 0; ok && ks != NULL && i < ks->nkeys; i++)
	{
		const GovJwtKey *key = &ks->keys[i];
		unsigned char head[12];
		unsigned char *der = NULL;
		int			derlen = 0;

		memcpy(head, &key->kind, 4);
		memcpy(head + 4, &key->algs, 4);
		memset(head + 8, 0, 4);
		if (key->pkey != NULL && (derlen = i2d_PUBKEY(key->pkey, &der)) <= 0)
			ok = false;
		ok = ok && EVP_DigestUpdate(ctx, head, sizeof(head)) == 1 &&
			EVP_DigestUpdate(ctx, key->kid ? key->kid : "", key->kid ? strlen(key->kid) + 1 : 1) == 1 &&
			(der == NULL || EVP_DigestUpdate(ctx, der, derlen) == 1) &&
			(key->material == NULL || EVP_DigestUpdate(ctx, key->material, key->material_len) == 1);
		OPENSSL_free(der);
	}
	ok = ok && EVP_DigestFinal_ex(ctx, md, &mdlen) == 1;
	EVP_MD_CTX_free(ctx);
	if (!ok)
	{
		/* No digest: nothing is taken on trust (see governance_verified_*). */
		out[0] = '\0';
		return;
	}
	for (unsigned int i = 0; i < mdlen && 2 * i + 2 < GOV_JWT_FINGERPRINT_LEN; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
}

int
gov_jwt_keyset_count(const GovJwtKeySet *ks)
{
	return ks == NULL ? 0 : ks->nkeys;
}

/*
 * An Ed25519 public key must be a canonical encoding (y < p = 2^255 - 19)
 * of a point of large order.  A point of small order (the neutral point,
 * the point of order 2, those of order 4 and 8) verifies signatures that
 * anyone can make.  The check uses the birational map to Curve25519,
 * u = (1 + y) / (1 - y): the point has small order exactly when X25519
 * with any (clamped, so multiple-of-8) scalar gives zero, which OpenSSL
 * reports as a failed derivation.
 */
static bool
gov_ed25519_sound(EVP_PKEY *pkey, char *err, size_t errlen)
{
	static const unsigned char scalar[32] = {
		0x42, 0x42, 0x42, 0x42, 0x42, 0x42, 0x42, 0x42, 0x42, 0x42, 0x42,
		0x42, 0x42, 0x42, 0x42, 0x42, 0x42, 0x42, 0x42, 0x42, 0x42, 0x42,
		0x42, 0x42, 0x42, 0x42, 0x42, 0x42, 0x42, 0x42, 0x42, 0x42
	};
	unsigned char raw[32],
				be[32],
				ule[32];
	size_t		rawlen = sizeof(raw),
				outlen = 32;
	unsigned char out[32];
	BN_CTX	   *bnctx = BN_CTX_new();
	BIGNUM	   *p = BN_new(),
			   *y = BN_new(),
			   *num = BN_new(),
			   *den = BN_new(),
			   *u = BN_new();
	EVP_PKEY   *upub = NULL,
			   *priv = NULL;
	EVP_PKEY_CTX *dctx = NULL;
	bool		ok = false;
	const char *why = "could not check the Ed25519 key";

	if (bnctx == NULL || p == NULL || y == NULL || num == NULL || den == NULL || u == NULL ||
		!EVP_PKEY_get_raw_public_key(pkey, raw, &rawlen) || rawlen != 32)
		goto done;
	/* y: the little-endian bytes without the sign bit of x. */
	for (int i = 0; i < 32; i++)
		be[i] = raw[31 - i];
	be[0] &= 0x7f;
	if (!BN_bin2bn(be, 32, y) || !BN_set_bit(p, 255) || !BN_sub_word(p, 19))
		goto done;
	if (BN_cmp(y, p) >= 0)
	{
		why = "the Ed25519 key is not canonically encoded";
		goto done;
	}
	/* u = (1 + y) / (1 - y) mod p; y = 1 is the neutral point. */
	if (!BN_copy(num, y) || !BN_add_word(num, 1) ||
		!BN_mod_sub(den, BN_value_one(), y, p, bnctx))
		goto done;
	if (BN_is_zero(den))
	{
		why = "the Ed25519 key is the neutral point: it verifies any signature";
		goto done;
	}
	if (BN_mod_inverse(den, den, p, bnctx) == NULL ||
		!BN_mod_mul(u, num, den, p, bnctx) ||
		BN_bn2lebinpad(u, ule, 32) != 32)
		goto done;
	upub = EVP_PKEY_new_raw_public_key(EVP_PKEY_X25519, NULL, ule, 32);
	priv = EVP_PKEY_new_raw_private_key(EVP_PKEY_X25519, NULL, scalar, 32);
	dctx = priv ? EVP_PKEY_CTX_new(priv, NULL) : NULL;
	if (upub == NULL || dctx == NULL || EVP_PKEY_derive_init(dctx) <= 0 ||
		EVP_PKEY_derive_set_peer_ex(dctx, upub, 0) <= 0)
		goto done;
	if (EVP_PKEY_derive(dctx, out, &outlen) <= 0)
	{
		why = "the Ed25519 key is a point of small order: it verifies signatures anyone can make";
		goto done;
	}
	ok = true;

done:
	if (!ok)
		gov_say(err, errlen, "%s", why);
	EVP_PKEY_CTX_free(dctx);
	EVP_PKEY_free(upub);
	EVP_PKEY_free(priv);
	BN_free(p);
	BN_free(y);
	BN_free(num);
	BN_free(den);
	BN_free(u);
	BN_CTX_free(bnctx);
	ERR_clear_error();
	return ok;
}

/*
 * Refuse a public key that verifies signatures nobody needed the private
 * key for: an RSA exponent that is even, below 65537 (e = 1 makes the
 * "signature" the padded message itself) or above 2^256; an EC point off
 * its curve or of the wrong order; a weak Ed25519 point.
 */
static bool
gov_key_sound(EVP_PKEY *pkey, char *err, size_t errlen)
{
	EVP_PKEY_CTX *ctx;
	bool		ok;

	if (EVP_PKEY_base_id(pkey) == EVP_PKEY_RSA)
	{
		BIGNUM	   *e = NULL;

		ok = EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_RSA_E, &e) &&
			BN_is_odd(e) && BN_num_bits(e) >= 17 && BN_num_bits(e) <= 256;
		BN_free(e);
		if (!ok)
		{
			gov_say(err, errlen, "the RSA key's public exponent is not an odd number from 65537 to 2^256");
			return false;
		}
	}
	if (EVP_PKEY_base_id(pkey) == EVP_PKEY_ED25519)
		return gov_ed25519_sound(pkey, err, errlen);
	ctx = EVP_PKEY_CTX_new_from_pkey(NULL, pkey, NULL);
	ok = ctx != NULL && EVP_PKEY_public_check(ctx) == 1;
	EVP_PKEY_CTX_free(ctx);
	ERR_clear_error();
	if (!ok)
		gov_say(err, errlen, "the %s public key is not valid", EVP_PKEY_get0_type_name(pkey));
	return ok;
}

/*
 * Classify a public key, decide which algorithms it admits and keep it for
 * verification: RSA keys admit RS* and PS*, an EC key the ES variant of its
 * curve, an Ed25519 key EdDSA; a JWK's "alg" (pinned) narrows that to one.
 * The key takes a reference of its own to pkey.  Returns 1 if the key is
 * kept, 0 if this server does not take such a key (too short, of another
 * curve or type, weak: the reason in err; a key set may skip it), -1 if
 * the key contradicts itself or cannot be kept.
 */
static int
gov_key_from_pkey(EVP_PKEY *pkey, uint32_t pinned, GovJwtKey *key,
				  char *err, size_t errlen)
{
	uint32_t	algs;

	memset(key, 0, sizeof(*key));
	if (EVP_PKEY_base_id(pkey) == EVP_PKEY_RSA)
	{
		if (EVP_PKEY_get_bits(pkey) < GOV_JWT_MIN_RSA_BITS)
		{
			gov_say(err, errlen, "RSA key has %d bits; at least %d are required",
					EVP_PKEY_get_bits(pkey), GOV_JWT_MIN_RSA_BITS);
			return 0;
		}
		key->kind = GOV_KEY_RSA;
		algs = GOV_JWT_RS_ALL | GOV_JWT_PS_ALL;
	}
	else if (EVP_PKEY_base_id(pkey) == EVP_PKEY_EC)
	{
		char		group[64];
		size_t		glen = 0;

		if (!EVP_PKEY_get_utf8_string_param(pkey, OSSL_PKEY_PARAM_GROUP_NAME,
											group, sizeof(group), &glen))
		{
			gov_say(err, errlen, "EC key has no named curve");
			return 0;
		}
		if (strcmp(group, "prime256v1") == 0)
			algs = GOV_JWT_ES256, key->ec_size = 32;
		else if (strcmp(group, "secp384r1") == 0)
			algs = GOV_JWT_ES384, key->ec_size = 48;
		else if (strcmp(group, "secp521r1") == 0)
			algs = GOV_JWT_ES512, key->ec_size = 66;
		else
		{
			gov_say(err, errlen, "EC curve \"%s\" is not supported; use P-256, P-384 or P-521",
					group);
			return 0;
		}
		key->kind = GOV_KEY_EC;
	}
	else if (EVP_PKEY_base_id(pkey) == EVP_PKEY_ED25519)
	{
		key->kind = GOV_KEY_ED25519;
		algs = GOV_JWT_EDDSA;
	}
	else
	{
		gov_say(err, errlen, "only RSA, EC and Ed25519 public keys are supported");
		return 0;
	}
	if (!gov_key_sound(pkey, err, errlen))
		return 0;

	if (pinned != 0)
	{
		if ((pinned & algs) == 0)
		{
			gov_say(err, errlen, "key's \"alg\" does not fit its key type");
			return -1;
		}
		algs = pinned;
	}
	key->algs = algs;
	if (!EVP_PKEY_up_ref(pkey))
	{
		gov_say(err, errlen, "could not keep the public key");
		return -1;
	}
	key->pkey = pkey;
	gov_jwt_key_warm(key);
	return 1;
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
		ok = gov_key_from_pkey(pkey, 0, &keys[n], err, errlen) == 1;
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

/* Build an EVP_PKEY from an Ed25519 JWK ("kty": "OKP", RFC 8037). */
static EVP_PKEY *
gov_jwk_okp_pkey(json_t *jwk, char *err, size_t errlen)
{
	const char *x = json_string_value(json_object_get(jwk, "x"));
	unsigned char *raw;
	size_t		rawlen = 0;
	EVP_PKEY   *pkey = NULL;

	raw = x != NULL ? gov_b64url_decode(x, strlen(x), &rawlen) : NULL;
	if (raw != NULL && rawlen == 32)
		pkey = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, raw, rawlen);
	free(raw);
	if (pkey == NULL)
		gov_say(err, errlen, "Ed25519 JWK needs a base64url \"x\" of 32 bytes");
	return pkey;
}

/* Build an EVP_PKEY from an RSA, EC or Ed25519 JWK. */
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

	if (strcmp(kty, "OKP") == 0)
	{
		OSSL_PARAM_BLD_free(bld);
		return gov_jwk_okp_pkey(jwk, err, errlen);
	}
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

/*
 * Is the curve of an EC or OKP JWK one we verify?  An EC key without "crv"
 * is not skipped but refused as wrong, when its key is built.
 */
static bool
gov_curve_verified(const char *kty, const char *crv)
{
	if (strcmp(kty, "EC") == 0)
		return crv == NULL || strcmp(crv, "P-256") == 0 ||
			strcmp(crv, "P-384") == 0 || strcmp(crv, "P-521") == 0;
	if (strcmp(kty, "OKP") == 0)
		return crv != NULL && strcmp(crv, "Ed25519") == 0;
	return true;
}

/*
 * Turn one JWK object into a key: 1 if it was loaded, 0 if it is skipped
 * (a key not for signatures, of an algorithm, key type or curve we do not
 * verify, as identity providers publish beside their signing keys: the
 * reason in err), -1 if it is wrong (the reason in err).
 */
static int
gov_load_jwk(json_t *jwk, bool published, GovJwtKey *key, char *err,
			 size_t errlen)
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
		return -1;
	}
	if (kid != NULL && !json_is_string(kid))
	{
		gov_say(err, errlen, "JWK \"kid\" must be a string");
		return -1;
	}
	if (use != NULL && !json_is_string(use))
	{
		gov_say(err, errlen, "JWK \"use\" must be a string");
		return -1;
	}
	if (alg != NULL && !json_is_string(alg))
	{
		gov_say(err, errlen, "JWK \"alg\" must be a string");
		return -1;
	}
	/*
	 * Private key material is refused before anything is skipped: a key
	 * file must not hold it, whatever the key is for.
	 */
	for (i = 0; i < sizeof(private_members) / sizeof(private_members[0]); i++)
		if (json_object_get(jwk, private_members[i]) != NULL)
		{
			gov_say(err, errlen, "JWK contains private key material (\"%s\"); give only public keys",
					private_members[i]);
			return -1;
		}
	if (use != NULL && strcmp(json_string_value(use), "sig") != 0)
	{
		gov_say(err, errlen, "it is for \"use\": \"%.16s\", not for signatures",
				json_string_value(use));
		return 0;
	}
	if (alg != NULL)
	{
		pinned = gov_jwt_alg_from_name(json_string_value(alg));
		if (pinned == 0)
		{
			gov_say(err, errlen, "algorithm \"%.16s\" is not one this server verifies",
					json_string_value(alg));
			return 0;
		}
	}
	/* A secret that is published is no secret: anyone could sign with it. */
	if (published && strcmp(kty, "oct") == 0)
	{
		gov_say(err, errlen, "it is an HMAC secret (\"kty\": \"oct\"), which a published key set must not hold");
		return 0;
	}
	if (strcmp(kty, "oct") != 0 && strcmp(kty, "RSA") != 0 &&
		strcmp(kty, "EC") != 0 && strcmp(kty, "OKP") != 0)
	{
		gov_say(err, errlen, "key type \"%.16s\" is not one this server verifies", kty);
		return 0;
	}
	if (!gov_curve_verified(kty, json_string_value(json_object_get(jwk, "crv"))))
	{
		const char *crv = json_string_value(json_object_get(jwk, "crv"));

		gov_say(err, errlen, "curve \"%.16s\" is not one this server verifies",
				crv ? crv : "(none)");
		return 0;
	}

	if (strcmp(kty, "oct") == 0)
	{
		const char *k = json_string_value(json_object_get(jwk, "k"));
		unsigned char *secret;
		size_t		slen;

		if (k == NULL || (secret = gov_b64url_decode(k, strlen(k), &slen)) == NULL)
		{
			gov_say(err, errlen, "oct JWK needs a base64url \"k\"");
			return -1;
		}
		if (slen < GOV_JWT_MIN_HMAC_LEN)
		{
			OPENSSL_cleanse(secret, slen);
			free(secret);
			gov_say(err, errlen, "HMAC secret has %zu bytes; at least %d are required",
					slen, GOV_JWT_MIN_HMAC_LEN);
			return -1;
		}
		if (pinned != 0 && (pinned & GOV_JWT_HS_ALL) == 0)
		{
			OPENSSL_cleanse(secret, slen);
			free(secret);
			gov_say(err, errlen, "key's \"alg\" does not fit its key type");
			return -1;
		}
		memset(key, 0, sizeof(*key));
		key->kind = GOV_KEY_HMAC;
		key->algs = pinned ? pinned : GOV_JWT_HS_ALL;
		key->material = secret;
		key->material_len = slen;
	}
	else
	{
		EVP_PKEY   *pkey;
		int			got;

		pkey = gov_jwk_pkey(jwk, kty, err, errlen);
		if (pkey == NULL)
			return -1;
		/* A key this server does not take is skipped, like one not for signatures. */
		got = gov_key_from_pkey(pkey, pinned, key, err, errlen);
		EVP_PKEY_free(pkey);
		if (got != 1)
			return got;
	}

	if (kid != NULL)
	{
		key->kid = strdup(json_string_value(kid));
		if (key->kid == NULL)
		{
			gov_key_clear(key);
			gov_say(err, errlen, "out of memory");
			return -1;
		}
	}
	return 1;
}

/* Append one line to a caller's notes, if there are notes. */
static void
gov_note(char *notes, size_t noteslen, const char *fmt, const char *a,
		 const char *b)
{
	size_t		used;

	if (notes == NULL || noteslen == 0)
		return;
	used = strlen(notes);
	if (used < noteslen)
		snprintf(notes + used, noteslen - used, fmt, a, b);
}

/*
 * Read a JWKS ({"keys": [...]}) or a single JWK into keys[].  A key of the
 * set that is skipped (see gov_load_jwk) is named in notes, one line each,
 * and the rest are loaded; a set of which no key can be used is refused.
 */
static int
gov_load_jwks(const char *buf, size_t len, bool published, GovJwtKey *keys,
			  int room, char *notes, size_t noteslen, char *err, size_t errlen)
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
		/* A single JWK: one that cannot be used is a mistake. */
		n = gov_load_jwk(doc, published, &keys[0], err, errlen);
		json_decref(doc);
		return n == 1 ? 1 : -1;
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
		json_t	   *jwk = json_array_get(list, i);
		int			got;

		if (n >= room)
		{
			gov_say(err, errlen, "too many keys (at most %d)", GOV_JWT_MAX_KEYS);
			goto fail;
		}
		sub[0] = '\0';
		got = gov_load_jwk(jwk, published, &keys[n], sub, sizeof(sub));
		if (got < 0)
		{
			gov_say(err, errlen, "JWKS key %zu: %s", i, sub);
			goto fail;
		}
		if (got == 0)
		{
			const char *kid = json_string_value(json_object_get(jwk, "kid"));
			char		where[96];

			if (kid != NULL)
				snprintf(where, sizeof(where), "\"%.64s\"", kid);
			else
				snprintf(where, sizeof(where), "number %zu (no kid)", i + 1);
			gov_note(notes, noteslen, "key %s skipped: %s\n", where, sub);
			snprintf(err, errlen, "no key of the set can verify signatures (the last: %s)", sub);
			continue;
		}
		n++;
	}
	json_decref(doc);
	if (n == 0)
		return -1;
	err[0] = '\0';
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
	return gov_jwt_keyset_add_public_noted(ks, buf, len, NULL, 0, err, errlen);
}

static bool gov_add_public(GovJwtKeySet *ks, const char *buf, size_t len,
						   bool published, char *notes, size_t noteslen,
						   char *err, size_t errlen);

bool
gov_jwt_keyset_add_public_noted(GovJwtKeySet *ks, const char *buf, size_t len,
								char *notes, size_t noteslen,
								char *err, size_t errlen)
{
	return gov_add_public(ks, buf, len, false, notes, noteslen, err, errlen);
}

bool
gov_jwt_keyset_add_published(GovJwtKeySet *ks, const char *buf, size_t len,
							 char *notes, size_t noteslen,
							 char *err, size_t errlen)
{
	return gov_add_public(ks, buf, len, true, notes, noteslen, err, errlen);
}

static bool
gov_add_public(GovJwtKeySet *ks, const char *buf, size_t len, bool published,
			   char *notes, size_t noteslen, char *err, size_t errlen)
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
		n = gov_load_jwks(text, len, published, staged, room, notes, noteslen, err, errlen);
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
gov_jwt_keyset_append(GovJwtKeySet *ks, const GovJwtKeySet *src, char *err,
					  size_t errlen)
{
	GovJwtKey  *to = &ks->keys[ks->nkeys];
	int			n;

	if (src == NULL || src->nkeys == 0)
		return true;
	if (ks->nkeys + src->nkeys > GOV_JWT_MAX_KEYS)
	{
		gov_say(err, errlen, "too many keys (at most %d)", GOV_JWT_MAX_KEYS);
		return false;
	}
	if (!gov_kids_unique(ks, src->keys, src->nkeys, err, errlen))
		return false;
	for (n = 0; n < src->nkeys; n++)
	{
		const GovJwtKey *from = &src->keys[n];

		to[n] = *from;
		to[n].kid = NULL;
		to[n].material = NULL;
		to[n].pkey = NULL;
		if (from->kid != NULL && (to[n].kid = strdup(from->kid)) == NULL)
			break;
		if (from->material != NULL)
		{
			to[n].material = malloc(from->material_len);
			if (to[n].material == NULL)
				break;
			memcpy(to[n].material, from->material, from->material_len);
		}
		if (from->pkey != NULL)
		{
			if (!EVP_PKEY_up_ref(from->pkey))
				break;
			to[n].pkey = from->pkey;
		}
	}
	if (n < src->nkeys)
	{
		/* The key being copied, then those before it. */
		gov_key_clear(&to[n]);
		while (n > 0)
			gov_key_clear(&to[--n]);
		gov_say(err, errlen, "out of memory");
		return false;
	}
	ks->nkeys += n;
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
