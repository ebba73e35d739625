/*-------------------------------------------------------------------------
 *
 * test_jwt.c
 *	  Unit test of the JWT verifier, linked alone with src/identity/jwt.c.
 *
 * Tokens come from two places that share nothing with the code under test:
 * the published examples of RFC 7515 Appendix A, and test/tools/mint-token,
 * which signs with the openssl command line.  Keys are generated afresh for
 * every run in a private temporary directory that is removed at the end.
 * JWKs for those keys are derived here with libcrypto's parameter API.
 *
 * Each case prints one line; the last line is "N passed, N failed" and the
 * exit status is non-zero if anything failed.  The first argument, if
 * given, is the repository root (default: the current directory).
 *
 * test/unit/test_jwt.c
 *
 *-------------------------------------------------------------------------
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include "governance/identity_jwt.h"

/* The instant minted tokens are made for; exp etc. are relative to it. */
#define NOW 1700000000

/* RFC 7515 Appendix A: the claims shared by A.1, A.2 and A.3. */
#define RFC_EXP 1300819380
#define RFC_PAYLOAD \
	"eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxl" \
	"LmNvbS9pc19yb290Ijp0cnVlfQ"

/* A.1: HS256 with a 64-byte oct key. */
static const char rfc_a1_token[] =
	"eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9." RFC_PAYLOAD
	".dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
static const char rfc_a1_jwks[] =
	"{\"keys\":[{\"kty\":\"oct\",\"k\":\"AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ"
	"-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow\"}]}";

/* A.2: RS256 with a 2048-bit key; only the public members n and e kept. */
static const char rfc_a2_token[] =
	"eyJhbGciOiJSUzI1NiJ9." RFC_PAYLOAD "."
	"cC4hiUPoj9Eetdgtv3hF80EGrhuB__dzERat0XF9g2VtQgr9PJbu3XOiZj5RZmh7AAuHIm4B"
	"h-0Qc_lF5YKt_O8W2Fp5jujGbds9uJdbF9CUAr7t1dnZcAcQjbKBYNX4BAynRFdiuB--f_nZ"
	"LgrnbyTyWzO75vRK5h6xBArLIARNPvkSjtQBMHlb1L07Qe7K0GarZRmB_eSN9383LcOLn6_d"
	"O--xi12jzDwusC-eOkHWEsqtFZESc6BfI7noOPqvhJ1phCnvWh6IeYI2w9QOYEUipUTI8np6"
	"LbgGY9Fs98rqVt5AXLIhWkWywlVmtVrBp0igcN_IoypGlUPQGe77Rw";
#define RFC_A2_N \
	"ofgWCuLjybRlzo0tZWJjNiuSfb4p4fAkd_wWJcyQoTbji9k0l8W26mPddxHmfHQp-Vaw-4qP" \
	"CJrcS2mJPMEzP1Pt0Bm4d4QlL-yRT-SFd2lZS-pCgNMsD1W_YpRPEwOWvG6b32690r2jZ47s" \
	"oMZo9wGzjb_7OMg0LOL-bSf63kpaSHSXndS5z5rexMdbBYUsLA9e-KXBdQOS-UTo7WTBEMa2" \
	"R2CapHg665xsmtdVMTBQY4uDZlxvb3qCo5ZwKh9kG4LT6_I5IhlJH7aGhyxXFvUK-DWNmoud" \
	"F8NAco9_h9iaGNj8q2ethFkMLs91kzk2PAcDTW9gb54h4FRWyuXpoQ"
static const char rfc_a2_jwks[] =
	"{\"keys\":[{\"kty\":\"RSA\",\"n\":\"" RFC_A2_N "\",\"e\":\"AQAB\"}]}";

/* A.3: ES256 on P-256; the private scalar d removed. */
static const char rfc_a3_token[] =
	"eyJhbGciOiJFUzI1NiJ9." RFC_PAYLOAD "."
	"DtEhU3ljbEg8L38VWAfUAqOyKAM6-Xx-F4GawxaepmXFCgfTjDxw5djxLa8ISlSApmWQxfKT"
	"UJqPP3-Kg6NU1Q";
#define RFC_A3_XY \
	"\"x\":\"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU\"," \
	"\"y\":\"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0\""
static const char rfc_a3_jwks[] =
	"{\"keys\":[{\"kty\":\"EC\",\"crv\":\"P-256\"," RFC_A3_XY "}]}";

static const char *const status_names[] = {
	"OK", "MALFORMED", "TOO_LONG", "UNSUPPORTED_ALG", "ALG_NOT_ALLOWED",
	"NO_KEYS", "UNKNOWN_KEY", "BAD_SIGNATURE", "EXPIRED", "NOT_YET_VALID",
	"WRONG_ISSUER", "WRONG_AUDIENCE", "MISSING_CLAIM", "BAD_CLAIM",
	"NO_MEMORY"
};

static int	npassed;
static int	nfailed;
static const char *root = ".";
static char tmpdir[] = "/tmp/test_jwt.XXXXXX";
static bool tmpdir_made;

/* Paths of the generated key files. */
static char secret_path[256], rsa_pem[256], rsa_pub[256], rsa1024_pem[256],
			rsa1024_pub[256], p256_pem[256], p256_pub[256], p256b_pem[256],
			p256b_pub[256], p384_pem[256], p384_pub[256], p521_pem[256],
			p521_pub[256], ed_pem[256], ed_pub[256], ed448_pem[256],
			ed448_pub[256];

/* The enum name of a status, for failure notes. */
static const char *
status_name(GovJwtStatus st)
{
	if ((size_t) st < sizeof(status_names) / sizeof(status_names[0]))
		return status_names[st];
	return "(out of range)";
}

/* Record one case; the note explains a failure. */
static void
check(int ok, const char *name, const char *fmt,...)
{
	va_list		ap;

	if (ok)
	{
		npassed++;
		printf("ok   - %s\n", name);
		return;
	}
	nfailed++;
	printf("FAIL - %s: ", name);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
}

/* Options every case starts from: all algorithms, no optional checks. */
static GovJwtOptions
base_opts(void)
{
	GovJwtOptions o;

	memset(&o, 0, sizeof(o));
	o.now = NOW;
	o.allowed_algs = GOV_JWT_ALG_ALL;
	return o;
}

/*
 * Verify and compare the status.  On success the claims are handed to keep
 * if given, else freed.
 */
static int
expect_claims(const char *name, const GovJwtKeySet *ks, const char *token,
			  size_t len, const GovJwtOptions *o, GovJwtStatus want,
			  GovJwtClaims *keep)
{
	GovJwtClaims c;
	char		detail[256];
	GovJwtStatus got;

	if (token == NULL)
	{
		check(0, name, "no token (minting failed)");
		return 0;
	}
	memset(&c, 0x5a, sizeof(c));
	got = gov_jwt_verify(ks, token, len, o, &c, detail, sizeof(detail));
	check(got == want, name, "expected %s, got %s (%s)",
		  status_name(want), status_name(got), detail);
	if (got == GOV_JWT_OK && keep != NULL)
		*keep = c;
	else
		gov_jwt_claims_free(&c);
	return got == want;
}

/* expect_claims for a NUL-terminated token whose claims are not needed. */
static int
expect(const char *name, const GovJwtKeySet *ks, const char *token,
	   const GovJwtOptions *o, GovJwtStatus want)
{
	return expect_claims(name, ks, token, token ? strlen(token) : 0, o, want,
						 NULL);
}

/* Verify and require any refusal at all (the status is not the point). */
static void
expect_refused(const char *name, const GovJwtKeySet *ks, const char *token,
			   const GovJwtOptions *o)
{
	GovJwtClaims c;
	GovJwtStatus got;

	if (token == NULL)
	{
		check(0, name, "no token (minting failed)");
		return;
	}
	got = gov_jwt_verify(ks, token, strlen(token), o, &c, NULL, 0);
	check(got != GOV_JWT_OK, name, "accepted");
	gov_jwt_claims_free(&c);
}

/* Read a whole file; *len gets its size.  NULL on error. */
static char *
slurp(const char *path, size_t *len)
{
	FILE	   *f = fopen(path, "rb");
	char	   *buf;
	long		n;

	if (f == NULL)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = malloc(n + 1);
	if (buf == NULL || fread(buf, 1, n, f) != (size_t) n)
	{
		free(buf);
		fclose(f);
		return NULL;
	}
	buf[n] = '\0';
	fclose(f);
	if (len)
		*len = (size_t) n;
	return buf;
}

/* Append s to the command, quoted for /bin/sh. */
static void
append_quoted(char *cmd, size_t size, const char *s)
{
	size_t		o = strlen(cmd);

	if (o + 3 < size)
		cmd[o++] = ' ', cmd[o++] = '\'';
	for (; *s && o + 6 < size; s++)
	{
		if (*s == '\'')
		{
			memcpy(cmd + o, "'\\''", 4);
			o += 4;
		}
		else
			cmd[o++] = *s;
	}
	cmd[o++] = '\'';
	cmd[o] = '\0';
}

/*
 * Run test/tools/mint-token with the given arguments (NULL-terminated) and
 * return the token it prints, malloc'd, or NULL if it failed.
 */
static char *
mint(const char *arg,...)
{
	char		cmd[16384];
	char	   *out = NULL;
	size_t		len = 0,
				cap = 0;
	va_list		ap;
	FILE	   *p;
	int			ch;

	snprintf(cmd, sizeof(cmd), "perl");
	{
		char		tool[512];

		snprintf(tool, sizeof(tool), "%s/test/tools/mint-token", root);
		append_quoted(cmd, sizeof(cmd), tool);
	}
	va_start(ap, arg);
	for (; arg != NULL; arg = va_arg(ap, const char *))
		append_quoted(cmd, sizeof(cmd), arg);
	va_end(ap);

	p = popen(cmd, "r");
	if (p == NULL)
		return NULL;
	while ((ch = fgetc(p)) != EOF)
	{
		if (len + 2 > cap)
		{
			char	   *bigger = realloc(out, cap = cap ? cap * 2 : 1024);

			if (bigger == NULL)
			{
				free(out);
				out = NULL;
				break;
			}
			out = bigger;
		}
		out[len++] = (char) ch;
	}
	if (pclose(p) != 0 || out == NULL)
	{
		free(out);
		return NULL;
	}
	while (len > 0 && (out[len - 1] == '\n' || out[len - 1] == '\r'))
		len--;
	out[len] = '\0';
	return out;
}

/* Unpadded base64url of bytes, malloc'd. */
static char *
b64url(const unsigned char *in, size_t len)
{
	static const char alphabet[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	char	   *out = malloc(len * 4 / 3 + 4);
	size_t		i,
				o = 0;

	for (i = 0; i < len; i += 3)
	{
		uint32_t	v = (uint32_t) in[i] << 16;

		if (i + 1 < len)
			v |= (uint32_t) in[i + 1] << 8;
		if (i + 2 < len)
			v |= in[i + 2];
		out[o++] = alphabet[(v >> 18) & 63];
		out[o++] = alphabet[(v >> 12) & 63];
		if (i + 1 < len)
			out[o++] = alphabet[(v >> 6) & 63];
		if (i + 2 < len)
			out[o++] = alphabet[v & 63];
	}
	out[o] = '\0';
	return out;
}

/* A BIGNUM as base64url, left-padded to pad bytes (0: minimal). */
static char *
bn_b64url(const BIGNUM *bn, int pad)
{
	unsigned char buf[1024];
	int			n = pad ? BN_bn2binpad(bn, buf, pad) : BN_bn2bin(bn, buf);

	return n < 0 ? NULL : b64url(buf, (size_t) n);
}

/*
 * The public JWK of a PEM public key file, malloc'd JSON text; kid may be
 * NULL.  Coordinates of EC keys are padded to the field size as RFC 7518
 * 6.2.1.2 requires.
 */
static char *
jwk_from_pem(const char *path, const char *kid)
{
	FILE	   *f = fopen(path, "r");
	EVP_PKEY   *pk = f ? PEM_read_PUBKEY(f, NULL, NULL, NULL) : NULL;
	BIGNUM	   *a = NULL,
			   *b = NULL;
	char	   *s1 = NULL,
			   *s2 = NULL,
			   *out = malloc(4096);
	char		kidpart[128] = "";

	if (f)
		fclose(f);
	if (pk == NULL || out == NULL)
		goto fail;
	if (kid)
		snprintf(kidpart, sizeof(kidpart), "\"kid\":\"%s\",", kid);
	if (EVP_PKEY_base_id(pk) == EVP_PKEY_ED25519)
	{
		unsigned char raw[32];
		size_t		rawlen = sizeof(raw);

		if (!EVP_PKEY_get_raw_public_key(pk, raw, &rawlen))
			goto fail;
		s1 = b64url(raw, rawlen);
		snprintf(out, 4096, "{\"kty\":\"OKP\",%s\"crv\":\"Ed25519\",\"x\":\"%s\"}",
				 kidpart, s1);
	}
	else if (EVP_PKEY_base_id(pk) == EVP_PKEY_RSA)
	{
		if (!EVP_PKEY_get_bn_param(pk, OSSL_PKEY_PARAM_RSA_N, &a) ||
			!EVP_PKEY_get_bn_param(pk, OSSL_PKEY_PARAM_RSA_E, &b))
			goto fail;
		s1 = bn_b64url(a, 0);
		s2 = bn_b64url(b, 0);
		snprintf(out, 4096, "{\"kty\":\"RSA\",%s\"n\":\"%s\",\"e\":\"%s\"}",
				 kidpart, s1, s2);
	}
	else
	{
		char		group[64];
		const char *crv;
		int			flen;

		if (!EVP_PKEY_get_utf8_string_param(pk, OSSL_PKEY_PARAM_GROUP_NAME,
											group, sizeof(group), NULL) ||
			!EVP_PKEY_get_bn_param(pk, OSSL_PKEY_PARAM_EC_PUB_X, &a) ||
			!EVP_PKEY_get_bn_param(pk, OSSL_PKEY_PARAM_EC_PUB_Y, &b))
			goto fail;
		if (strcmp(group, "prime256v1") == 0)
			crv = "P-256", flen = 32;
		else if (strcmp(group, "secp384r1") == 0)
			crv = "P-384", flen = 48;
		else
			crv = "P-521", flen = 66;
		s1 = bn_b64url(a, flen);
		s2 = bn_b64url(b, flen);
		snprintf(out, 4096,
				 "{\"kty\":\"EC\",%s\"crv\":\"%s\",\"x\":\"%s\",\"y\":\"%s\"}",
				 kidpart, crv, s1, s2);
	}
	BN_free(a);
	BN_free(b);
	free(s1);
	free(s2);
	EVP_PKEY_free(pk);
	return out;

fail:
	BN_free(a);
	BN_free(b);
	EVP_PKEY_free(pk);
	free(out);
	return NULL;
}

/* A key set from one buffer of public key material; NULL if refused. */
static GovJwtKeySet *
set_from(const char *material)
{
	GovJwtKeySet *ks = gov_jwt_keyset_new();
	char		err[256];

	if (material == NULL ||
		!gov_jwt_keyset_add_public(ks, material, strlen(material), err,
								   sizeof(err)))
	{
		printf("# key set refused: %s\n", material ? err : "no material");
		gov_jwt_keyset_free(ks);
		return NULL;
	}
	return ks;
}

/* A key set from a PEM file; NULL if refused. */
static GovJwtKeySet *
set_from_file(const char *path)
{
	char	   *pem = slurp(path, NULL);
	GovJwtKeySet *ks = set_from(pem);

	free(pem);
	return ks;
}

/*
 * Does add_public refuse this material, leaving the set as it was and
 * saying why?  len 0 means strlen(buf).
 */
static void
expect_load_refused(const char *name, const char *buf, size_t len)
{
	GovJwtKeySet *ks = gov_jwt_keyset_new();
	char		err[256] = "";
	bool		ok;

	if (len == 0)
		len = strlen(buf);
	ok = gov_jwt_keyset_add_public(ks, buf, len, err, sizeof(err));
	check(!ok && gov_jwt_keyset_count(ks) == 0 && err[0] != '\0', name,
		  "accepted=%d count=%d err=\"%s\"", ok, gov_jwt_keyset_count(ks),
		  err);
	gov_jwt_keyset_free(ks);
}

/* Replace the character at pos (negative: from the end) with c. */
static char *
with_char(const char *token, long pos, char c)
{
	char	   *t = strdup(token);
	size_t		len = strlen(t);

	t[pos < 0 ? (long) len + pos : pos] = c;
	return t;
}

/* The token with its payload replaced by json; the signature is kept. */
static char *
swap_payload(const char *token, const char *json)
{
	const char *d1 = strchr(token, '.');
	const char *d2 = strchr(d1 + 1, '.');
	char	   *p = b64url((const unsigned char *) json, strlen(json));
	char	   *out = malloc(strlen(token) + strlen(p) + 2);

	sprintf(out, "%.*s.%s%s", (int) (d1 - token), token, p, d2);
	free(p);
	return out;
}

/* a followed by b, malloc'd. */
static char *
concat(const char *a, const char *b)
{
	char	   *s = malloc(strlen(a) + strlen(b) + 1);

	strcpy(s, a);
	strcat(s, b);
	return s;
}

/* Make the keys this run uses; returns 0 on failure. */
static int
make_keys(void)
{
	static const struct
	{
		char	   *pem;
		char	   *pub;
		const char *name;
		const char *genopt;
	}			keys[] = {
		{rsa_pem, rsa_pub, "rsa", "RSA -pkeyopt rsa_keygen_bits:2048"},
		{rsa1024_pem, rsa1024_pub, "rsa1024",
		"RSA -pkeyopt rsa_keygen_bits:1024"},
		{p256_pem, p256_pub, "p256", "EC -pkeyopt ec_paramgen_curve:P-256"},
		{p256b_pem, p256b_pub, "p256b", "EC -pkeyopt ec_paramgen_curve:P-256"},
		{p384_pem, p384_pub, "p384", "EC -pkeyopt ec_paramgen_curve:P-384"},
		{p521_pem, p521_pub, "p521", "EC -pkeyopt ec_paramgen_curve:P-521"},
		{ed_pem, ed_pub, "ed25519", "ED25519"},
		{ed448_pem, ed448_pub, "ed448", "ED448"},
	};
	char		cmd[1024];
	size_t		i;

	if (mkdtemp(tmpdir) == NULL)
		return 0;
	tmpdir_made = true;
	snprintf(secret_path, sizeof(secret_path), "%s/secret.bin", tmpdir);
	snprintf(cmd, sizeof(cmd), "openssl rand -out %s 48", secret_path);
	if (system(cmd) != 0)
		return 0;
	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
	{
		snprintf(keys[i].pem, 256, "%s/%s.pem", tmpdir, keys[i].name);
		snprintf(keys[i].pub, 256, "%s/%s.pub", tmpdir, keys[i].name);
		snprintf(cmd, sizeof(cmd),
				 "openssl genpkey -algorithm %s -out %s 2>/dev/null && "
				 "openssl pkey -in %s -pubout -out %s",
				 keys[i].genopt, keys[i].pem, keys[i].pem, keys[i].pub);
		if (system(cmd) != 0)
			return 0;
	}
	return 1;
}

/* ---------------------------------------------------------------------
 * Weak keys and second texts of one token
 * ---------------------------------------------------------------------
 */

/* An OKP JWK whose 32 raw bytes are y (little-endian, as RFC 8032). */
static char *
ed_jwk(const unsigned char *raw)
{
	char	   *x = b64url(raw, 32);
	char	   *doc = malloc(256);

	snprintf(doc, 256, "{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"x\":\"%s\"}", x);
	free(x);
	return doc;
}

/*
 * Sign header.payload with PS256 until the signature begins with a zero
 * byte (one in 256): its text without that byte is a second, shorter
 * signature that a lax verifier takes.
 */
static char *
ps256_with_leading_zero(const char *pem_path, char **shorter)
{
	static const char input[] =
		"eyJhbGciOiJQUzI1NiJ9.eyJzdWIiOiJtYWxsb3J5IiwiZXhwIjoxNzAwMDAwNjAwfQ";
	FILE	   *f = fopen(pem_path, "r");
	EVP_PKEY   *pkey = f ? PEM_read_PrivateKey(f, NULL, NULL, NULL) : NULL;
	unsigned char sig[512];
	char	   *out = NULL;

	if (f)
		fclose(f);
	for (int tries = 0; pkey != NULL && tries < 5000 && out == NULL; tries++)
	{
		EVP_MD_CTX *ctx = EVP_MD_CTX_new();
		EVP_PKEY_CTX *pctx = NULL;
		size_t		len = sizeof(sig);

		if (EVP_DigestSignInit(ctx, &pctx, EVP_sha256(), NULL, pkey) == 1 &&
			EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) == 1 &&
			EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST) == 1 &&
			EVP_DigestSign(ctx, sig, &len, (const unsigned char *) input, strlen(input)) == 1 &&
			sig[0] == 0)
		{
			char	   *full = b64url(sig, len);
			char	   *cut = b64url(sig + 1, len - 1);

			out = malloc(strlen(input) + strlen(full) + 2);
			*shorter = malloc(strlen(input) + strlen(cut) + 2);
			sprintf(out, "%s.%s", input, full);
			sprintf(*shorter, "%s.%s", input, cut);
			free(full);
			free(cut);
		}
		EVP_MD_CTX_free(ctx);
	}
	EVP_PKEY_free(pkey);
	return out;
}

static void
run_weak_key_cases(void)
{
	GovJwtOptions o = base_opts();
	unsigned char raw[32];
	char	   *doc;
	char	   *t,
			   *shorter = NULL;
	GovJwtKeySet *ks;
	char	   *n;
	BIGNUM	   *bn = NULL;
	char		jwk[4096];

	/*
	 * A published set (fetched from a URL) may not carry an HMAC secret:
	 * it is skipped and named; the same set from a file loads it.
	 */
	{
		static const char set[] =
			"{\"keys\":[{\"kty\":\"oct\",\"kid\":\"shared\",\"k\":"
			"\"c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LXNlY3JldC0xMjM0\"},"
			"{\"kty\":\"EC\",\"crv\":\"P-256\"," RFC_A3_XY "}]}";
		char		notes[512] = "";
		char		err[256] = "";
		bool		ok;

		ks = gov_jwt_keyset_new();
		ok = gov_jwt_keyset_add_published(ks, set, strlen(set), notes, sizeof(notes),
										  err, sizeof(err));
		check(ok && gov_jwt_keyset_count(ks) == 1 && strstr(notes, "\"shared\"") != NULL &&
			  strstr(notes, "HMAC secret") != NULL,
			  "a published set's HMAC secret is skipped and named", "ok=%d notes=%s err=%s",
			  ok, notes, err);
		gov_jwt_keyset_free(ks);
		ks = gov_jwt_keyset_new();
		ok = gov_jwt_keyset_add_public(ks, set, strlen(set), err, sizeof(err));
		check(ok && gov_jwt_keyset_count(ks) == 2, "the same set from a file loads the secret",
			  "ok=%d err=%s", ok, err);
		gov_jwt_keyset_free(ks);
	}

	/* Ed25519: y = 1 (the neutral point) and y = p - 1 (order 2). */
	memset(raw, 0, 32);
	raw[0] = 1;
	doc = ed_jwk(raw);
	expect_load_refused("Ed25519 key that is the neutral point refused", doc, 0);
	free(doc);
	memset(raw, 0xff, 32);
	raw[0] = 0xec;
	raw[31] = 0x7f;
	doc = ed_jwk(raw);
	expect_load_refused("Ed25519 key of order 2 refused", doc, 0);
	free(doc);
	/* y = 0: the points of order 4, with either sign of x. */
	memset(raw, 0, 32);
	doc = ed_jwk(raw);
	expect_load_refused("Ed25519 key of order 4 refused", doc, 0);
	free(doc);
	raw[31] = 0x80;
	doc = ed_jwk(raw);
	expect_load_refused("Ed25519 key of order 4 (other sign) refused", doc, 0);
	free(doc);
	/* y = p: not canonical (it would mean y = 0). */
	memset(raw, 0xff, 32);
	raw[0] = 0xed;
	raw[31] = 0x7f;
	doc = ed_jwk(raw);
	expect_load_refused("Ed25519 key with y = p (not canonical) refused", doc, 0);
	free(doc);
	/* A real key still loads (the generated one). */
	ks = set_from_file(ed_pub);
	check(ks != NULL, "a generated Ed25519 key passes the same checks", "refused");
	gov_jwt_keyset_free(ks);

	/* RSA: the modulus of a real key with exponents 1, 3 and an even one. */
	{
		FILE	   *f = fopen(rsa_pub, "r");
		EVP_PKEY   *pk = f ? PEM_read_PUBKEY(f, NULL, NULL, NULL) : NULL;

		if (f)
			fclose(f);
		if (pk != NULL)
			EVP_PKEY_get_bn_param(pk, OSSL_PKEY_PARAM_RSA_N, &bn);
		EVP_PKEY_free(pk);
	}
	n = bn ? bn_b64url(bn, 0) : strdup("");
	snprintf(jwk, sizeof(jwk), "{\"kty\":\"RSA\",\"n\":\"%s\",\"e\":\"AQ\"}", n);
	expect_load_refused("RSA key with e = 1 refused", jwk, 0);
	snprintf(jwk, sizeof(jwk), "{\"kty\":\"RSA\",\"n\":\"%s\",\"e\":\"Aw\"}", n);
	expect_load_refused("RSA key with e = 3 refused", jwk, 0);
	snprintf(jwk, sizeof(jwk), "{\"kty\":\"RSA\",\"n\":\"%s\",\"e\":\"AQAC\"}", n);
	expect_load_refused("RSA key with an even e refused", jwk, 0);
	snprintf(jwk, sizeof(jwk), "{\"kty\":\"RSA\",\"n\":\"%s\",\"e\":\"AQAB\"}", n);
	ks = set_from(jwk);
	check(ks != NULL, "the same modulus with e = 65537 loads", "refused");

	/* An RSA signature one byte short of the modulus is refused. */
	t = ps256_with_leading_zero(rsa_pem, &shorter);
	check(t != NULL, "a PS256 signature beginning with a zero byte was made", "none in 5000 tries");
	if (t != NULL && ks != NULL)
	{
		expect("PS256 signature of the modulus' length accepted", ks, t, &o, GOV_JWT_OK);
		expect("the same signature without its leading zero refused", ks, shorter, &o,
			   GOV_JWT_BAD_SIGNATURE);
	}
	free(t);
	free(shorter);
	gov_jwt_keyset_free(ks);
	free(n);
	BN_free(bn);
}

/* ---------------------------------------------------------------------
 * Small API functions
 * ---------------------------------------------------------------------
 */
static void
run_api_cases(void)
{
	char		fp[GOV_JWT_FINGERPRINT_LEN];
	GovJwtClaims c;
	GovJwtOptions o = base_opts();
	GovJwtKeySet *ks;
	int			i,
				named = 1;

	/* Algorithm names map to their mask bits. */
	check(gov_jwt_alg_from_name("HS384") == GOV_JWT_HS384 &&
		  gov_jwt_alg_from_name("RS256") == GOV_JWT_RS256 &&
		  gov_jwt_alg_from_name("ES512") == GOV_JWT_ES512,
		  "alg_from_name maps HS384, RS256, ES512", "a name maps wrongly");

	/* "none", other case, unknown and empty names have no bit. */
	check(gov_jwt_alg_from_name("none") == 0 &&
		  gov_jwt_alg_from_name("rs256") == 0 &&
		  gov_jwt_alg_from_name("eddsa") == 0 &&
		  gov_jwt_alg_from_name("ES256K") == 0 &&
		  gov_jwt_alg_from_name("") == 0,
		  "alg_from_name refuses none, rs256, eddsa, ES256K, empty", "got a bit");
	check(gov_jwt_alg_from_name("PS384") == GOV_JWT_PS384 &&
		  gov_jwt_alg_from_name("EdDSA") == GOV_JWT_EDDSA,
		  "alg_from_name maps PS384 and EdDSA", "a name maps wrongly");

	/* The fingerprint is hex SHA-256 (the FIPS 180-2 "abc" vector). */
	gov_jwt_fingerprint("abc", 3, fp);
	check(strcmp(fp, "ba7816bf8f01cfea414140de5dae2223"
				 "b00361a396177a9cb410ff61f20015ad") == 0,
		  "fingerprint is hex SHA-256", "got %s", fp);

	/* Every status has a phrase for error messages. */
	for (i = GOV_JWT_OK; i <= GOV_JWT_NO_MEMORY; i++)
	{
		const char *m = gov_jwt_status_message((GovJwtStatus) i);

		if (m == NULL || m[0] == '\0')
			named = 0;
	}
	check(named, "every status has a message", "a status has none");

	/* check_time: expired at exp, not valid before nbf, leeway both ways. */
	memset(&c, 0, sizeof(c));
	c.has_exp = true;
	c.exp = NOW + 10;
	c.has_nbf = true;
	c.nbf = NOW - 10;
	check(gov_jwt_check_time(&c, NOW, 0) == GOV_JWT_OK &&
		  gov_jwt_check_time(&c, NOW + 9, 0) == GOV_JWT_OK &&
		  gov_jwt_check_time(&c, NOW + 10, 0) == GOV_JWT_EXPIRED &&
		  gov_jwt_check_time(&c, NOW + 10, 1) == GOV_JWT_OK &&
		  gov_jwt_check_time(&c, NOW - 10, 0) == GOV_JWT_OK &&
		  gov_jwt_check_time(&c, NOW - 11, 0) == GOV_JWT_NOT_YET_VALID &&
		  gov_jwt_check_time(&c, NOW - 11, 1) == GOV_JWT_OK,
		  "check_time boundaries for exp, nbf and leeway", "wrong status");

	/* Claims without exp or nbf are never expired by check_time. */
	memset(&c, 0, sizeof(c));
	check(gov_jwt_check_time(&c, INT64_MAX / 2, 0) == GOV_JWT_OK,
		  "check_time without exp/nbf", "refused");

	/* A key set with no keys verifies nothing. */
	ks = gov_jwt_keyset_new();
	o.now = RFC_EXP - 1;
	check(ks != NULL && gov_jwt_keyset_count(ks) == 0,
		  "new key set is empty", "count is not 0");
	expect("empty key set -> NO_KEYS", ks, rfc_a1_token, &o,
		   GOV_JWT_NO_KEYS);
	gov_jwt_keyset_free(ks);
}

/* ---------------------------------------------------------------------
 * RFC 7515 Appendix A examples
 * ---------------------------------------------------------------------
 */
static void
run_rfc_cases(void)
{
	const char *labels[] = {"A.1 HS256", "A.2 RS256", "A.3 ES256"};
	const char *tokens[] = {rfc_a1_token, rfc_a2_token, rfc_a3_token};
	const char *algs[] = {"HS256", "RS256", "ES256"};
	GovJwtKeySet *sets[3];
	GovJwtKeySet *rsa_ec;
	GovJwtOptions o;
	GovJwtClaims c;
	char		name[128];
	int			i;

	sets[0] = set_from(rfc_a1_jwks);
	sets[1] = set_from(rfc_a2_jwks);
	sets[2] = set_from(rfc_a3_jwks);
	rsa_ec = set_from("{\"keys\":[{\"kty\":\"RSA\",\"n\":\"" RFC_A2_N
					  "\",\"e\":\"AQAB\"},{\"kty\":\"EC\",\"crv\":\"P-256\","
					  RFC_A3_XY "}]}");

	/* The published public keys load from JWK documents. */
	check(sets[0] && sets[1] && sets[2] && rsa_ec,
		  "RFC 7515 A.1-A.3 keys load as JWKS", "a key set was refused");
	if (!sets[0] || !sets[1] || !sets[2] || !rsa_ec)
		return;

	for (i = 0; i < 3; i++)
	{
		char	   *bad;
		size_t		len = strlen(tokens[i]);

		o = base_opts();
		o.issuer = "joe";
		o.require_sub = false;

		/* The published example verifies one second before its exp. */
		o.now = RFC_EXP - 1;
		snprintf(name, sizeof(name), "RFC 7515 %s verifies before exp",
				 labels[i]);
		if (expect_claims(name, sets[i], tokens[i], len, &o, GOV_JWT_OK, &c))
		{
			/* Its claims come back: alg, iss, exp; no sub. */
			snprintf(name, sizeof(name), "RFC 7515 %s claims", labels[i]);
			check(strcmp(c.alg, algs[i]) == 0 && c.iss != NULL &&
				  strcmp(c.iss, "joe") == 0 && c.has_exp &&
				  c.exp == RFC_EXP && !c.has_nbf && c.sub == NULL &&
				  c.kid == NULL && c.payload != NULL &&
				  strstr(c.payload, "is_root") != NULL, name,
				  "alg=%s iss=%s exp=%lld", c.alg, c.iss ? c.iss : "(null)",
				  (long long) c.exp);
			gov_jwt_claims_free(&c);
		}

		/* At exp itself the token is expired (now >= exp). */
		o.now = RFC_EXP;
		snprintf(name, sizeof(name), "RFC 7515 %s expired at exp", labels[i]);
		expect(name, sets[i], tokens[i], &o, GOV_JWT_EXPIRED);

		/* Long after exp it stays expired. */
		o.now = NOW;
		snprintf(name, sizeof(name), "RFC 7515 %s expired today", labels[i]);
		expect(name, sets[i], tokens[i], &o, GOV_JWT_EXPIRED);

		/* One changed character in the signature fails verification. */
		o.now = RFC_EXP - 1;
		bad = with_char(tokens[i], -10,
						tokens[i][len - 10] == 'A' ? 'B' : 'A');
		snprintf(name, sizeof(name), "RFC 7515 %s with a changed signature",
				 labels[i]);
		expect(name, sets[i], bad, &o, GOV_JWT_BAD_SIGNATURE);
		free(bad);

		/* A different payload under the original signature fails too. */
		bad = swap_payload(tokens[i], "{\"iss\":\"joe\",\"exp\":1300819380,"
						   "\"http://example.com/is_root\":false}");
		snprintf(name, sizeof(name), "RFC 7515 %s with a changed payload",
				 labels[i]);
		expect(name, sets[i], bad, &o, GOV_JWT_BAD_SIGNATURE);
		free(bad);
	}

	o = base_opts();
	o.now = RFC_EXP - 1;

	/* A.1 (HS256) against A.2's key set: an RSA key does not admit HS256. */
	expect("RFC A.1 token against A.2 key set", sets[1], rfc_a1_token, &o,
		   GOV_JWT_ALG_NOT_ALLOWED);

	/* An HS token against an RSA+EC-only set is refused before any HMAC. */
	expect("HS256 token against RSA+EC set", rsa_ec, rfc_a1_token, &o,
		   GOV_JWT_ALG_NOT_ALLOWED);

	/* A.2 (RS256) against A.3's EC key: the EC key admits only ES256. */
	expect("RFC A.2 token against A.3 key set", sets[2], rfc_a2_token, &o,
		   GOV_JWT_ALG_NOT_ALLOWED);

	/* A.3 (ES256) against A.1's oct key: HMAC secrets admit only HS*. */
	expect("RFC A.3 token against A.1 key set", sets[0], rfc_a3_token, &o,
		   GOV_JWT_ALG_NOT_ALLOWED);

	/* The issuer is compared: A.3 is not from "mallory". */
	o.issuer = "mallory";
	expect("RFC A.3 with another issuer", sets[2], rfc_a3_token, &o,
		   GOV_JWT_WRONG_ISSUER);
	o.issuer = NULL;

	/* {"alg":"none"} over the A payload, no signature: unsupported. */
	expect("alg none, empty signature", sets[0],
		   "eyJhbGciOiJub25lIn0." RFC_PAYLOAD ".", &o,
		   GOV_JWT_UNSUPPORTED_ALG);

	/* {"alg":"none"} carrying A.1's signature: still unsupported. */
	expect("alg none, A.1 signature attached", sets[0],
		   "eyJhbGciOiJub25lIn0." RFC_PAYLOAD
		   ".dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk", &o,
		   GOV_JWT_UNSUPPORTED_ALG);

	/* Narrowing allowed_algs to RS* refuses A.1 even with its own key. */
	o.allowed_algs = GOV_JWT_RS_ALL;
	expect("RFC A.1 with HS not allowed", sets[0], rfc_a1_token, &o,
		   GOV_JWT_ALG_NOT_ALLOWED);

	for (i = 0; i < 3; i++)
		gov_jwt_keyset_free(sets[i]);
	gov_jwt_keyset_free(rsa_ec);
}

/* ---------------------------------------------------------------------
 * Tokens minted by openssl, every algorithm, PEM and JWKS loading
 * ---------------------------------------------------------------------
 */
#define MINT_CLAIMS \
	"{\"sub\":\"alice\",\"iss\":\"https://issuer.test\"," \
	"\"aud\":\"governance\"," \
	"\"exp\":1700000600,\"iat\":1700000000,\"jti\":\"t-1\"}"

/* A key set holding the generated HMAC secret, raw or as an oct JWK. */
static GovJwtKeySet *
hmac_set(bool as_jwk)
{
	size_t		len;
	char	   *secret = slurp(secret_path, &len);
	GovJwtKeySet *ks = NULL;
	char		err[256];

	if (secret == NULL)
		return NULL;
	if (as_jwk)
	{
		char	   *k = b64url((unsigned char *) secret, len);
		char		doc[256];

		snprintf(doc, sizeof(doc),
				 "{\"keys\":[{\"kty\":\"oct\",\"k\":\"%s\"}]}", k);
		free(k);
		ks = set_from(doc);
	}
	else
	{
		ks = gov_jwt_keyset_new();
		if (!gov_jwt_keyset_add_hmac(ks, (unsigned char *) secret, len, err,
									 sizeof(err)))
		{
			printf("# HMAC secret refused: %s\n", err);
			gov_jwt_keyset_free(ks);
			ks = NULL;
		}
	}
	free(secret);
	return ks;
}

/*
 * Every algorithm, signed by openssl with a fresh key, must verify with the
 * key loaded either way, and must still honour exp.
 */
static void
run_minted_cases(void)
{
	static const struct
	{
		const char *alg;
		const char *pem;
		const char *pub;
	}			algs[] = {
		{"HS256", NULL, NULL}, {"HS384", NULL, NULL}, {"HS512", NULL, NULL},
		{"RS256", rsa_pem, rsa_pub}, {"RS384", rsa_pem, rsa_pub},
		{"RS512", rsa_pem, rsa_pub}, {"PS256", rsa_pem, rsa_pub},
		{"PS384", rsa_pem, rsa_pub}, {"PS512", rsa_pem, rsa_pub},
		{"ES256", p256_pem, p256_pub}, {"ES384", p384_pem, p384_pub},
		{"ES512", p521_pem, p521_pub}, {"EdDSA", ed_pem, ed_pub},
	};
	GovJwtOptions o = base_opts();
	GovJwtKeySet *p384set;
	char		name[128];
	char	   *t;
	size_t		i;

	o.issuer = "https://issuer.test";
	o.audience = "governance";
	o.require_sub = true;
	o.require_exp = true;

	for (i = 0; i < sizeof(algs) / sizeof(algs[0]); i++)
	{
		bool		hs = algs[i].pem == NULL;
		GovJwtKeySet *pemset;
		GovJwtKeySet *jwkset;
		GovJwtClaims c;
		char	   *jwk = NULL;

		if (hs)
		{
			t = mint("--alg", algs[i].alg, "--secret-file", secret_path,
					 "--claims", MINT_CLAIMS, NULL);
			pemset = hmac_set(false);
			jwkset = hmac_set(true);
		}
		else
		{
			t = mint("--alg", algs[i].alg, "--key", algs[i].pem,
					 "--claims", MINT_CLAIMS, NULL);
			pemset = set_from_file(algs[i].pub);
			jwk = jwk_from_pem(algs[i].pub, NULL);
			jwkset = set_from(jwk);
		}

		/* An openssl-signed token verifies with a PEM key / raw secret. */
		snprintf(name, sizeof(name), "minted %s via %s", algs[i].alg,
				 hs ? "raw secret" : "PEM");
		if (pemset == NULL)
			check(0, name, "key not loaded");
		else if (expect_claims(name, pemset, t, t ? strlen(t) : 0, &o,
							   GOV_JWT_OK, &c))
		{
			/* Its claims come back as minted. */
			snprintf(name, sizeof(name), "minted %s claims", algs[i].alg);
			check(strcmp(c.alg, algs[i].alg) == 0 && c.sub &&
				  strcmp(c.sub, "alice") == 0 && c.jti &&
				  strcmp(c.jti, "t-1") == 0 && c.exp == NOW + 600 &&
				  c.actor == NULL && c.nroles == 0, name,
				  "alg=%s sub=%s", c.alg, c.sub ? c.sub : "(null)");
			gov_jwt_claims_free(&c);
		}

		/* The same token verifies with the key given as a JWKS. */
		snprintf(name, sizeof(name), "minted %s via JWKS", algs[i].alg);
		if (jwkset == NULL)
			check(0, name, "JWKS not loaded: %s", jwk ? jwk : "(no JWK)");
		else
			expect(name, jwkset, t, &o, GOV_JWT_OK);

		/* One second after exp the same token is refused. */
		o.now = NOW + 600;
		snprintf(name, sizeof(name), "minted %s expired", algs[i].alg);
		if (pemset)
			expect(name, pemset, t, &o, GOV_JWT_EXPIRED);
		o.now = NOW;

		free(jwk);
		free(t);
		gov_jwt_keyset_free(pemset);
		gov_jwt_keyset_free(jwkset);
	}

	/* An ES256 token is refused by a P-384 key: curves pin algorithms. */
	p384set = set_from_file(p384_pub);
	t = mint("--alg", "ES256", "--key", p256_pem, "--claims", MINT_CLAIMS,
			 NULL);
	if (p384set)
		expect("ES256 token against a P-384 key", p384set, t, &o,
			   GOV_JWT_ALG_NOT_ALLOWED);
	free(t);
	gov_jwt_keyset_free(p384set);

	/* A JWK's "alg" pins the key: RS512 is refused by an RS256-only key. */
	{
		char	   *jwk = jwk_from_pem(rsa_pub, NULL);
		char		doc[4200];
		GovJwtKeySet *ks;

		snprintf(doc, sizeof(doc), "{\"alg\":\"RS256\",%s",
				 jwk ? jwk + 1 : "");
		ks = set_from(doc);
		t = mint("--alg", "RS512", "--key", rsa_pem, "--claims", MINT_CLAIMS,
				 NULL);
		if (ks)
			expect("RS512 token against a JWK pinned to RS256", ks, t, &o,
				   GOV_JWT_ALG_NOT_ALLOWED);
		else
			check(0, "RS512 token against a JWK pinned to RS256",
				  "pinned JWK refused");
		free(t);
		free(jwk);
		gov_jwt_keyset_free(ks);
	}
}

/*
 * gov_jwt_verify_again: a token verified before is checked again in full
 * but for the signature arithmetic, which its caller vouches for.
 */
static void
run_verify_again_cases(void)
{
	GovJwtOptions o = base_opts();
	GovJwtKeySet *rsaset = set_from_file(rsa_pub);
	GovJwtKeySet *ecset = set_from_file(p256_pub);
	GovJwtClaims c;
	char		detail[256];
	char	   *t = mint("--alg", "RS256", "--key", rsa_pem, "--claims", MINT_CLAIMS, NULL);
	char	   *forged;
	GovJwtStatus st;

	st = gov_jwt_verify_again(rsaset, t, strlen(t), &o, &c, detail, sizeof(detail));
	check(st == GOV_JWT_OK && c.sub != NULL && strcmp(c.sub, "alice") == 0,
		  "verify_again: a verified token's claims", "%s %s", status_name(st), detail);
	if (st == GOV_JWT_OK)
		gov_jwt_claims_free(&c);
	/* Everything but the arithmetic is checked again. */
	o.now = NOW + 600;
	st = gov_jwt_verify_again(rsaset, t, strlen(t), &o, &c, detail, sizeof(detail));
	check(st == GOV_JWT_EXPIRED, "verify_again: the clock is checked", "%s", status_name(st));
	o.now = NOW;
	o.issuer = "https://other.test";
	st = gov_jwt_verify_again(rsaset, t, strlen(t), &o, &c, detail, sizeof(detail));
	check(st == GOV_JWT_WRONG_ISSUER, "verify_again: the issuer is checked", "%s", status_name(st));
	o.issuer = NULL;
	st = gov_jwt_verify_again(ecset, t, strlen(t), &o, &c, detail, sizeof(detail));
	check(st == GOV_JWT_ALG_NOT_ALLOWED, "verify_again: a key must still admit the algorithm",
		  "%s", status_name(st));
	o.allowed_algs = GOV_JWT_ES_ALL;
	st = gov_jwt_verify_again(rsaset, t, strlen(t), &o, &c, detail, sizeof(detail));
	check(st == GOV_JWT_ALG_NOT_ALLOWED, "verify_again: the allowed algorithms are checked",
		  "%s", status_name(st));
	o.allowed_algs = GOV_JWT_ALG_ALL;
	/* The contract: the signature is what the caller vouched for. */
	forged = with_char(t, -3, t[strlen(t) - 3] == 'A' ? 'B' : 'A');
	expect("verify: a changed signature is refused", rsaset, forged, &o, GOV_JWT_BAD_SIGNATURE);
	st = gov_jwt_verify_again(rsaset, forged, strlen(forged), &o, &c, detail, sizeof(detail));
	check(st == GOV_JWT_OK, "verify_again: the signature is not computed", "%s", status_name(st));
	if (st == GOV_JWT_OK)
		gov_jwt_claims_free(&c);
	free(forged);
	free(t);
	gov_jwt_keyset_free(rsaset);
	gov_jwt_keyset_free(ecset);
}

/*
 * The digest of a key set changes with any key and is the same for the
 * same keys loaded again.
 */
static void
run_keyset_digest_cases(void)
{
	GovJwtKeySet *a = set_from_file(rsa_pub);
	GovJwtKeySet *b = set_from_file(rsa_pub);
	GovJwtKeySet *c = set_from_file(p256_pub);
	char		da[GOV_JWT_FINGERPRINT_LEN],
				db[GOV_JWT_FINGERPRINT_LEN],
				dc[GOV_JWT_FINGERPRINT_LEN];
	char		err[256];
	size_t		len = 0;
	char	   *pem = slurp(p256_pub, &len);

	gov_jwt_keyset_digest(a, da);
	gov_jwt_keyset_digest(b, db);
	gov_jwt_keyset_digest(c, dc);
	check(strlen(da) == 64 && strcmp(da, db) == 0, "keyset digest: the same keys, the same digest",
		  "%s / %s", da, db);
	check(strcmp(da, dc) != 0, "keyset digest: other keys, another digest", "%s", da);
	if (pem != NULL && gov_jwt_keyset_add_public(b, pem, len, err, sizeof(err)))
	{
		gov_jwt_keyset_digest(b, db);
		check(strcmp(da, db) != 0, "keyset digest: a key added changes it", "%s", db);
	}
	free(pem);
	gov_jwt_keyset_free(a);
	gov_jwt_keyset_free(b);
	gov_jwt_keyset_free(c);
}

/* ---------------------------------------------------------------------
 * Forgeries
 * ---------------------------------------------------------------------
 */
#define ATTACK_CLAIMS "{\"sub\":\"mallory\",\"exp\":1700000600}"

/*
 * Known ways of getting a token past a verifier: each states the attack and
 * asserts the refusal.
 */
static void
run_attack_cases(void)
{
	GovJwtOptions o = base_opts();
	GovJwtKeySet *rsaset = set_from_file(rsa_pub);
	GovJwtKeySet *mixed = hmac_set(false);
	GovJwtKeySet *ecset = set_from_file(p256_pub);
	GovJwtKeySet *hs = hmac_set(false);
	char	   *pem = slurp(rsa_pub, NULL);
	char		err[256];
	char	   *t,
			   *t2,
			   *forged;

	if (!rsaset || !mixed || !ecset || !hs || !pem ||
		!gov_jwt_keyset_add_public(mixed, pem, strlen(pem), err, sizeof(err)))
	{
		check(0, "attack key sets", "could not build them");
		return;
	}

	/* Key confusion: HS256 keyed with the RSA public PEM, RSA-only set. */
	t = mint("--alg", "HS256", "--hmac-key-file", rsa_pub,
			 "--claims", ATTACK_CLAIMS, NULL);
	expect("HS256 keyed with RSA public key, RSA set", rsaset, t, &o,
		   GOV_JWT_ALG_NOT_ALLOWED);

	/* ... and with a real HMAC secret in the set, the PEM is not it. */
	expect("HS256 keyed with RSA public key, RSA+HMAC set", mixed, t, &o,
		   GOV_JWT_BAD_SIGNATURE);
	free(t);

	/* Header says RS256, signature is an HMAC keyed with the public key. */
	t = mint("--alg", "RS256", "--sign-alg", "HS256", "--hmac-key-file",
			 rsa_pub, "--claims", ATTACK_CLAIMS, NULL);
	expect("RS256 header over an HMAC signature", rsaset, t, &o,
		   GOV_JWT_BAD_SIGNATURE);
	free(t);

	/* alg none from the tool: refused even by a set admitting HS and RS. */
	t = mint("--alg", "none", "--claims", ATTACK_CLAIMS, NULL);
	expect("minted alg none", mixed, t, &o, GOV_JWT_UNSUPPORTED_ALG);
	free(t);

	/* "None" in another case is not a way around the refusal. */
	t = mint("--alg", "None", "--sign-alg", "none", "--claims", ATTACK_CLAIMS,
			 NULL);
	expect("minted alg None", mixed, t, &o, GOV_JWT_UNSUPPORTED_ALG);
	free(t);

	/* Algorithm names are case-sensitive: "rs256" is not RS256. */
	t = mint("--alg", "rs256", "--sign-alg", "RS256", "--key", rsa_pem,
			 "--claims", ATTACK_CLAIMS, NULL);
	expect("alg rs256 (lower case)", rsaset, t, &o, GOV_JWT_UNSUPPORTED_ALG);
	free(t);

	/* Header claims RS512 while the signature was made with RS256. */
	t = mint("--alg", "RS512", "--sign-alg", "RS256", "--key", rsa_pem,
			 "--claims", ATTACK_CLAIMS, NULL);
	expect("RS512 header over an RS256 signature", rsaset, t, &o,
		   GOV_JWT_BAD_SIGNATURE);
	free(t);

	/*
	 * One RSA key admits PKCS #1 v1.5 and PSS, but a signature is checked
	 * with exactly the padding its header names.
	 */
	t = mint("--alg", "PS256", "--sign-alg", "RS256", "--key", rsa_pem,
			 "--claims", ATTACK_CLAIMS, NULL);
	expect("PS256 header over a PKCS #1 v1.5 signature", rsaset, t, &o,
		   GOV_JWT_BAD_SIGNATURE);
	free(t);
	t = mint("--alg", "RS256", "--sign-alg", "PS256", "--key", rsa_pem,
			 "--claims", ATTACK_CLAIMS, NULL);
	expect("RS256 header over a PSS signature", rsaset, t, &o,
		   GOV_JWT_BAD_SIGNATURE);
	free(t);
	t = mint("--alg", "PS256", "--sign-alg", "PS512", "--key", rsa_pem,
			 "--claims", ATTACK_CLAIMS, NULL);
	expect("PS256 header over a PS512 signature", rsaset, t, &o,
		   GOV_JWT_BAD_SIGNATURE);
	free(t);
	/* RFC 7518 3.5: the salt is as long as the digest, not shorter. */
	t = mint("--alg", "PS256", "--pss-saltlen", "0", "--key", rsa_pem,
			 "--claims", ATTACK_CLAIMS, NULL);
	expect("PS256 with an empty salt", rsaset, t, &o, GOV_JWT_BAD_SIGNATURE);
	free(t);
	t = mint("--alg", "PS256", "--pss-saltlen", "20", "--key", rsa_pem,
			 "--claims", ATTACK_CLAIMS, NULL);
	expect("PS256 with a 20-byte salt", rsaset, t, &o, GOV_JWT_BAD_SIGNATURE);
	free(t);

	/* An EdDSA token is not checked by an RSA key, nor ES256 by Ed25519. */
	t = mint("--alg", "EdDSA", "--key", ed_pem, "--claims", ATTACK_CLAIMS,
			 NULL);
	expect("EdDSA token against an RSA key", rsaset, t, &o,
		   GOV_JWT_ALG_NOT_ALLOWED);
	free(t);
	{
		GovJwtKeySet *edset = set_from_file(ed_pub);

		t = mint("--alg", "ES256", "--key", p256_pem, "--claims",
				 ATTACK_CLAIMS, NULL);
		expect("ES256 token against an Ed25519 key", edset, t, &o,
			   GOV_JWT_ALG_NOT_ALLOWED);
		free(t);
		/* Ed25519 signature under another Ed25519 key's token: refused. */
		t = mint("--alg", "EdDSA", "--key", ed_pem, "--claims",
				 ATTACK_CLAIMS, NULL);
		t2 = swap_payload(t, "{\"sub\":\"root\",\"exp\":1700000600}");
		expect("payload swapped under a valid EdDSA signature", edset, t2,
			   &o, GOV_JWT_BAD_SIGNATURE);
		free(t2);
		free(t);
		gov_jwt_keyset_free(edset);
	}

	/*
	 * An ECDSA signature has one encoding in a JWS, R||S; OpenSSL's DER
	 * form of the same signature is refused.
	 */
	t = mint("--alg", "ES256", "--ecdsa-der", "--key", p256_pem,
			 "--claims", ATTACK_CLAIMS, NULL);
	expect("ES256 with a DER-encoded signature", ecset, t, &o,
		   GOV_JWT_BAD_SIGNATURE);
	free(t);

	/* A valid RS256 token is refused when allowed_algs admits only ES*. */
	t = mint("--alg", "RS256", "--key", rsa_pem, "--claims", ATTACK_CLAIMS,
			 NULL);
	o.allowed_algs = GOV_JWT_ES_ALL;
	expect("RS256 token with only ES allowed", rsaset, t, &o,
		   GOV_JWT_ALG_NOT_ALLOWED);
	o.allowed_algs = GOV_JWT_ALG_ALL;

	/* Privilege escalation: another payload under a valid signature. */
	t2 = swap_payload(t, "{\"sub\":\"admin\",\"exp\":1700000600}");
	expect("payload swapped under a valid RS256 signature", rsaset, t2, &o,
		   GOV_JWT_BAD_SIGNATURE);
	free(t2);
	free(t);

	/* The ES256 all-zero signature (CVE-2022-21449 "psychic") fails. */
	t = mint("--alg", "ES256", "--key", p256_pem, "--claims", ATTACK_CLAIMS,
			 NULL);
	if (t)
	{
		static const unsigned char zero[64];
		char	   *z = b64url(zero, sizeof(zero));
		char	   *head = strdup(t);

		*strrchr(head, '.') = '\0';
		forged = malloc(strlen(head) + strlen(z) + 2);
		sprintf(forged, "%s.%s", head, z);
		expect("ES256 signature r=s=0", ecset, forged, &o,
			   GOV_JWT_BAD_SIGNATURE);
		free(forged);

		/* A truncated ES256 signature (63 bytes) fails. */
		forged = strdup(t);
		forged[strlen(forged) - 2] = '\0';
		expect_refused("ES256 signature one byte short", ecset, forged, &o);
		free(forged);

		/* Unused low bits set in the last character: one text per value. */
		forged = with_char(t, -1, t[strlen(t) - 1] == 'A' ? 'B' :
						   t[strlen(t) - 1] == 'Q' ? 'R' :
						   t[strlen(t) - 1] == 'g' ? 'h' : 'x');
		expect_refused("ES256 signature in non-canonical base64url", ecset,
					   forged, &o);
		free(forged);
		free(head);
		free(z);
	}
	else
		check(0, "ES256 forgeries", "minting failed");
	free(t);

	/* An HS256 token with an empty signature is refused. */
	t = mint("--alg", "HS256", "--secret-file", secret_path,
			 "--claims", ATTACK_CLAIMS, NULL);
	if (t)
	{
		forged = strdup(t);
		strrchr(forged, '.')[1] = '\0';
		expect("HS256 with an empty signature", hs, forged, &o,
			   GOV_JWT_BAD_SIGNATURE);
		free(forged);

		/* A truncated HMAC (first 16 bytes only) is refused. */
		forged = strdup(t);
		strrchr(forged, '.')[23] = '\0';
		expect("HS256 with a truncated MAC", hs, forged, &o,
			   GOV_JWT_BAD_SIGNATURE);
		free(forged);
	}
	free(t);

	/* A "crit" header names extensions we do not implement: refused. */
	t = mint("--alg", "HS256", "--secret-file", secret_path, "--header",
			 "{\"crit\":[\"exp\"]}", "--claims", ATTACK_CLAIMS, NULL);
	expect_refused("header with crit", hs, t, &o);
	free(t);

	free(pem);
	gov_jwt_keyset_free(rsaset);
	gov_jwt_keyset_free(mixed);
	gov_jwt_keyset_free(ecset);
	gov_jwt_keyset_free(hs);
}

/* ---------------------------------------------------------------------
 * Key ids
 * ---------------------------------------------------------------------
 */
static void
run_kid_cases(void)
{
	GovJwtOptions o = base_opts();
	char	   *j1 = jwk_from_pem(p256_pub, "k1");
	char	   *j2 = jwk_from_pem(p256b_pub, "k2");
	char	   *jr = jwk_from_pem(rsa_pub, "r1");
	char	   *jdup = jwk_from_pem(p256b_pub, "k1");
	char		doc[8192];
	GovJwtKeySet *ks,
			   *mixed;
	GovJwtClaims c;
	char	   *t;

	snprintf(doc, sizeof(doc), "{\"keys\":[%s,%s]}", j1, j2);
	ks = set_from(doc);
	snprintf(doc, sizeof(doc), "{\"keys\":[%s,%s]}", j1, jr);
	mixed = set_from(doc);

	/* Two keys with kids load as two keys. */
	check(ks && gov_jwt_keyset_count(ks) == 2 && mixed,
		  "JWKS with kids k1, k2", "not loaded");
	if (!ks || !mixed)
		goto done;

	/* A token naming k2 and signed by k2 verifies; the kid comes back. */
	t = mint("--alg", "ES256", "--key", p256b_pem, "--header",
			 "{\"kid\":\"k2\"}", "--claims", ATTACK_CLAIMS, NULL);
	if (expect_claims("kid k2 selects k2", ks, t, t ? strlen(t) : 0, &o,
					  GOV_JWT_OK, &c))
	{
		check(c.kid && strcmp(c.kid, "k2") == 0, "kid returned in claims",
			  "kid=%s", c.kid ? c.kid : "(null)");
		gov_jwt_claims_free(&c);
	}
	free(t);

	/* Signed by k2 but naming k1: only k1 is tried, so it fails. */
	t = mint("--alg", "ES256", "--key", p256b_pem, "--header",
			 "{\"kid\":\"k1\"}", "--claims", ATTACK_CLAIMS, NULL);
	expect("kid k1 on a k2 signature", ks, t, &o, GOV_JWT_BAD_SIGNATURE);
	free(t);

	/* A kid that no key has is UNKNOWN_KEY. */
	t = mint("--alg", "ES256", "--key", p256b_pem, "--header",
			 "{\"kid\":\"k9\"}", "--claims", ATTACK_CLAIMS, NULL);
	expect("unknown kid", ks, t, &o, GOV_JWT_UNKNOWN_KEY);
	free(t);

	/* Without a kid every admitting key is tried; k2's token verifies. */
	t = mint("--alg", "ES256", "--key", p256b_pem, "--claims", ATTACK_CLAIMS,
			 NULL);
	expect("no kid, second key verifies", ks, t, &o, GOV_JWT_OK);
	free(t);

	/* A kid naming an RSA key on an ES256 token: the key does not admit it. */
	t = mint("--alg", "ES256", "--key", p256_pem, "--header",
			 "{\"kid\":\"r1\"}", "--claims", ATTACK_CLAIMS, NULL);
	expect("kid of an RSA key on an ES256 token", mixed, t, &o,
		   GOV_JWT_ALG_NOT_ALLOWED);
	free(t);

	/* A kid that is not a string is refused. */
	t = mint("--alg", "ES256", "--key", p256b_pem, "--header",
			 "{\"kid\":2}", "--claims", ATTACK_CLAIMS, NULL);
	expect_refused("numeric kid", ks, t, &o);
	free(t);

	/* A JWKS repeating a kid is refused: rotation must be unambiguous. */
	snprintf(doc, sizeof(doc), "{\"keys\":[%s,%s]}", j1, jdup);
	expect_load_refused("JWKS with a repeated kid", doc, strlen(doc));

done:
	gov_jwt_keyset_free(ks);
	gov_jwt_keyset_free(mixed);
	free(j1);
	free(j2);
	free(jr);
	free(jdup);
}

/* ---------------------------------------------------------------------
 * Claims (HS256 tokens minted with the generated secret)
 * ---------------------------------------------------------------------
 */
typedef struct ClaimCase
{
	const char *name;
	const char *claims;
	GovJwtStatus want;
	int64_t		now;			/* 0: NOW */
	int64_t		leeway;
	const char *issuer;
	const char *audience;
	const char *roles_claim;
	bool		require_sub;
	bool		require_exp;
} ClaimCase;

static const ClaimCase claim_cases[] = {
	/* iss must equal the configured issuer. */
	{.name = "wrong iss",
		.claims = "{\"sub\":\"a\",\"iss\":\"https://evil.test\"}",
	.want = GOV_JWT_WRONG_ISSUER, .issuer = "https://issuer.test"},
	/* A missing iss does not satisfy a configured issuer. */
	{.name = "missing iss",
		.claims = "{\"sub\":\"a\"}",
	.want = GOV_JWT_WRONG_ISSUER, .issuer = "https://issuer.test"},
	/* Issuers compare exactly: a longer string is another issuer. */
	{.name = "iss with a suffix",
		.claims = "{\"iss\":\"https://issuer.test.evil\"}",
	.want = GOV_JWT_WRONG_ISSUER, .issuer = "https://issuer.test"},
	/* ... and so is a shorter one that is a prefix of it. */
	{.name = "iss a prefix of the issuer",
		.claims = "{\"iss\":\"https://issuer\"}",
	.want = GOV_JWT_WRONG_ISSUER, .issuer = "https://issuer.test"},
	/* No configured issuer: iss is not checked. */
	{.name = "iss unchecked",
		.claims = "{\"iss\":\"https://evil.test\"}",
	.want = GOV_JWT_OK},
	/* aud as a string must equal the audience. */
	{.name = "wrong aud (string)",
		.claims = "{\"aud\":\"governance-staging\"}",
	.want = GOV_JWT_WRONG_AUDIENCE, .audience = "governance"},
	/* aud as an array must contain the audience. */
	{.name = "wrong aud (array)",
		.claims = "{\"aud\":[\"a\",\"governance-x\"]}",
	.want = GOV_JWT_WRONG_AUDIENCE, .audience = "governance"},
	/* An audience that is a prefix of the configured one does not match. */
	{.name = "aud a prefix", .claims = "{\"aud\":[\"gov\"]}",
	.want = GOV_JWT_WRONG_AUDIENCE, .audience = "governance"},
	/* An array containing the audience is accepted. */
	{.name = "aud array containing it",
		.claims = "{\"aud\":[\"a\",\"governance\"]}",
	.want = GOV_JWT_OK, .audience = "governance"},
	/* A string equal to the audience is accepted. */
	{.name = "aud string equal",
		.claims = "{\"aud\":\"governance\"}",
	.want = GOV_JWT_OK, .audience = "governance"},
	/* A missing aud does not satisfy a configured audience. */
	{.name = "missing aud",
		.claims = "{\"sub\":\"a\"}",
	.want = GOV_JWT_WRONG_AUDIENCE, .audience = "governance"},
	/* aud of another JSON type is a bad claim. */
	{.name = "aud as number",
		.claims = "{\"aud\":5}",
	.want = GOV_JWT_BAD_CLAIM, .audience = "governance"},
	/* nbf in the future: not yet valid. */
	{.name = "nbf in the future",
		.claims = "{\"nbf\":1700000060}",
	.want = GOV_JWT_NOT_YET_VALID},
	/* One second before exp is fine. */
	{.name = "exp - 1",
		.claims = "{\"exp\":1700000010}",
	.want = GOV_JWT_OK, .now = NOW + 9},
	/* At exp the token has expired. */
	{.name = "at exp",
		.claims = "{\"exp\":1700000010}",
	.want = GOV_JWT_EXPIRED, .now = NOW + 10},
	/* Leeway extends exp: now = exp + leeway - 1 passes. */
	{.name = "exp within leeway",
		.claims = "{\"exp\":1700000010}",
	.want = GOV_JWT_OK, .now = NOW + 14, .leeway = 5},
	/* now = exp + leeway is expired. */
	{.name = "exp at leeway edge",
		.claims = "{\"exp\":1700000010}",
	.want = GOV_JWT_EXPIRED, .now = NOW + 15, .leeway = 5},
	/* At nbf the token is valid. */
	{.name = "at nbf",
		.claims = "{\"nbf\":1700000010}",
	.want = GOV_JWT_OK, .now = NOW + 10},
	/* One second before nbf it is not. */
	{.name = "nbf - 1",
		.claims = "{\"nbf\":1700000010}",
	.want = GOV_JWT_NOT_YET_VALID, .now = NOW + 9},
	/* Leeway admits now + leeway = nbf. */
	{.name = "nbf within leeway",
		.claims = "{\"nbf\":1700000010}",
	.want = GOV_JWT_OK, .now = NOW + 5, .leeway = 5},
	/* now + leeway = nbf - 1 is not yet valid. */
	{.name = "nbf at leeway edge",
		.claims = "{\"nbf\":1700000010}",
	.want = GOV_JWT_NOT_YET_VALID, .now = NOW + 4, .leeway = 5},
	/* A fractional NumericDate (RFC 7519 2) is accepted. */
	{.name = "fractional exp",
		.claims = "{\"exp\":1700000600.5}",
	.want = GOV_JWT_OK},
	/* exp at INT64_MAX with leeway: far future, no overflow to the past. */
	{.name = "exp at INT64_MAX with leeway",
		.claims = "{\"exp\":9223372036854775807}",
	.want = GOV_JWT_OK, .leeway = 60},
	/* exp far in the past, below any int32: expired. */
	{.name = "exp negative",
		.claims = "{\"exp\":-9223372036854775807}",
	.want = GOV_JWT_EXPIRED, .leeway = 60},
	/* require_exp with no exp: missing claim. */
	{.name = "exp required, absent",
		.claims = "{\"sub\":\"a\"}",
	.want = GOV_JWT_MISSING_CLAIM, .require_exp = true},
	/* Without require_exp a token without exp is accepted. */
	{.name = "exp not required, absent",
		.claims = "{\"sub\":\"a\"}",
	.want = GOV_JWT_OK},
	/* require_sub with no sub: missing claim. */
	{.name = "sub required, absent",
		.claims = "{\"iss\":\"x\"}",
	.want = GOV_JWT_MISSING_CLAIM, .require_sub = true},
	/* An empty sub names nobody; it counts as missing. */
	{.name = "sub required, empty",
		.claims = "{\"sub\":\"\"}",
	.want = GOV_JWT_MISSING_CLAIM, .require_sub = true},
	/* sub as a number is the wrong type. */
	{.name = "sub as number",
		.claims = "{\"sub\":42}",
	.want = GOV_JWT_BAD_CLAIM},
	/* exp as a string is the wrong type. */
	{.name = "exp as string",
		.claims = "{\"exp\":\"1700000600\"}",
	.want = GOV_JWT_BAD_CLAIM},
	/* exp as a boolean is the wrong type. */
	{.name = "exp as boolean",
		.claims = "{\"exp\":true}",
	.want = GOV_JWT_BAD_CLAIM},
	/* nbf as a string is the wrong type. */
	{.name = "nbf as string",
		.claims = "{\"nbf\":\"0\"}",
	.want = GOV_JWT_BAD_CLAIM},
	/* jti as a number is the wrong type. */
	{.name = "jti as number",
		.claims = "{\"jti\":7}",
	.want = GOV_JWT_BAD_CLAIM},
	/* iss as an array is the wrong type. */
	{.name = "iss as array",
		.claims = "{\"iss\":[\"https://issuer.test\"]}",
	.want = GOV_JWT_BAD_CLAIM, .issuer = "https://issuer.test"},
	/* act as a string is the wrong type (RFC 8693 says object). */
	{.name = "act as string",
		.claims = "{\"sub\":\"a\",\"act\":\"bot\"}",
	.want = GOV_JWT_BAD_CLAIM},
	/* act.sub as a number is the wrong type. */
	{.name = "act.sub as number",
		.claims = "{\"sub\":\"a\",\"act\":{\"sub\":1}}",
	.want = GOV_JWT_BAD_CLAIM},
	/* roles as an object is the wrong type. */
	{.name = "roles as object",
		.claims = "{\"roles\":{\"admin\":true}}",
	.want = GOV_JWT_BAD_CLAIM, .roles_claim = "roles"},
	/* A roles array holding a number is the wrong type. */
	{.name = "roles array with a number",
		.claims = "{\"roles\":[\"reader\",1]}",
	.want = GOV_JWT_BAD_CLAIM, .roles_claim = "roles"},
	/* A nested roles path ending in an object is the wrong type. */
	{.name = "nested roles as object",
		.claims = "{\"realm_access\":{\"roles\":{\"r\":1}}}",
	.want = GOV_JWT_BAD_CLAIM, .roles_claim = "realm_access.roles"},
	/* A payload repeating "sub" is malformed (which one would we trust?). */
	{.name = "duplicate sub in payload",
		.claims = "{\"sub\":\"alice\",\"sub\":\"admin\"}",
	.want = GOV_JWT_MALFORMED},
	/* A payload that is a JSON array is malformed. */
	{.name = "payload is an array",
		.claims = "[\"sub\",\"alice\"]",
	.want = GOV_JWT_MALFORMED},
	/* A payload that is not JSON is malformed. */
	{.name = "payload not JSON",
		.claims = "sub=alice",
	.want = GOV_JWT_MALFORMED},
	/* Bytes after the JSON object are malformed. */
	{.name = "payload with trailing bytes",
		.claims = "{\"sub\":\"a\"} x",
	.want = GOV_JWT_MALFORMED},
	/* Invalid UTF-8 inside a JSON string is malformed. */
	{.name = "payload with invalid UTF-8",
		.claims = "{\"sub\":\"\xff\xfe\"}",
	.want = GOV_JWT_MALFORMED},
	/* A NUL escaped into sub could truncate the identity: refused. */
	{.name = "sub with \\u0000",
		.claims = "{\"sub\":\"admin\\u0000x\"}",
	.want = GOV_JWT_MALFORMED},
};

/* Run the table above, then the cases that read claims back. */
static void
run_claim_cases(void)
{
	GovJwtKeySet *hs = hmac_set(false);
	GovJwtClaims c;
	GovJwtOptions o;
	char		name[160];
	char	   *t;
	size_t		i;

	if (hs == NULL)
	{
		check(0, "claim key set", "HMAC secret not loaded");
		return;
	}
	for (i = 0; i < sizeof(claim_cases) / sizeof(claim_cases[0]); i++)
	{
		const ClaimCase *cc = &claim_cases[i];

		o = base_opts();
		o.now = cc->now ? cc->now : NOW;
		o.leeway = cc->leeway;
		o.issuer = cc->issuer;
		o.audience = cc->audience;
		o.roles_claim = cc->roles_claim;
		o.require_sub = cc->require_sub;
		o.require_exp = cc->require_exp;
		t = mint("--alg", "HS256", "--secret-file", secret_path,
				 "--claims", cc->claims, NULL);
		snprintf(name, sizeof(name), "claims: %s", cc->name);
		expect(name, hs, t, &o, cc->want);
		free(t);
	}

	o = base_opts();

	/* Roles come from a nested dotted path, in order. */
	o.roles_claim = "realm_access.roles";
	t = mint("--alg", "HS256", "--secret-file", secret_path, "--claims",
			 "{\"sub\":\"alice\",\"roles\":[\"decoy\"],\"realm_access\":"
			 "{\"roles\":[\"reader\",\"writer\"]}}", NULL);
	if (expect_claims("claims: nested roles verify", hs, t, t ? strlen(t) : 0,
					  &o, GOV_JWT_OK, &c))
	{
		check(c.nroles == 2 && c.roles && strcmp(c.roles[0], "reader") == 0 &&
			  strcmp(c.roles[1], "writer") == 0,
			  "claims: realm_access.roles extracted", "nroles=%d", c.nroles);
		gov_jwt_claims_free(&c);
	}
	free(t);

	/* A roles path that is absent gives no roles, not an error. */
	t = mint("--alg", "HS256", "--secret-file", secret_path, "--claims",
			 "{\"sub\":\"alice\",\"realm_access\":{}}", NULL);
	if (expect_claims("claims: absent roles path", hs, t, t ? strlen(t) : 0,
					  &o, GOV_JWT_OK, &c))
	{
		check(c.nroles == 0, "claims: absent roles give none", "nroles=%d",
			  c.nroles);
		gov_jwt_claims_free(&c);
	}
	free(t);

	/* A top-level roles claim is read by a path without dots. */
	o.roles_claim = "roles";
	t = mint("--alg", "HS256", "--secret-file", secret_path, "--claims",
			 "{\"sub\":\"alice\",\"roles\":[\"auditor\"]}", NULL);
	if (expect_claims("claims: top-level roles", hs, t, t ? strlen(t) : 0,
					  &o, GOV_JWT_OK, &c))
	{
		check(c.nroles == 1 && strcmp(c.roles[0], "auditor") == 0,
			  "claims: roles extracted", "nroles=%d", c.nroles);
		gov_jwt_claims_free(&c);
	}
	free(t);
	o.roles_claim = NULL;

	/* act.sub is the actor; sub stays the person it acts for. */
	t = mint("--alg", "HS256", "--secret-file", secret_path, "--claims",
			 "{\"sub\":\"alice\",\"act\":{\"sub\":\"agent-7\","
			 "\"act\":{\"sub\":\"orchestrator\"}},\"exp\":1700000600}", NULL);
	if (expect_claims("claims: act.sub verifies", hs, t, t ? strlen(t) : 0,
					  &o, GOV_JWT_OK, &c))
	{
		check(c.actor && strcmp(c.actor, "agent-7") == 0 && c.sub &&
			  strcmp(c.sub, "alice") == 0, "claims: act.sub is the actor",
			  "actor=%s", c.actor ? c.actor : "(null)");

		/* The payload comes back as compact JSON. */
		check(c.payload && strstr(c.payload, "\"agent-7\"") &&
			  !strchr(c.payload, '\n'), "claims: payload as compact JSON",
			  "payload=%s", c.payload ? c.payload : "(null)");

		/* Re-checking at exp finds the identity expired. */
		check(gov_jwt_check_time(&c, NOW + 600, 0) == GOV_JWT_EXPIRED &&
			  gov_jwt_check_time(&c, NOW + 599, 0) == GOV_JWT_OK,
			  "claims: check_time on verified claims", "wrong status");
		gov_jwt_claims_free(&c);
	}
	free(t);
	gov_jwt_keyset_free(hs);
}

/* ---------------------------------------------------------------------
 * Malformed tokens
 * ---------------------------------------------------------------------
 */
static void
run_malformed_cases(void)
{
	GovJwtKeySet *hs = hmac_set(false);
	GovJwtOptions o = base_opts();
	GovJwtClaims c;
	char		detail[256];
	char	   *t,
			   *bad,
			   *big;
	size_t		len;
	bool		zeroed;

	t = mint("--alg", "HS256", "--secret-file", secret_path, "--claims",
			 "{\"sub\":\"alice\",\"exp\":1700000600}", NULL);
	if (hs == NULL || t == NULL)
	{
		check(0, "malformed-token fixtures", "no key set or no token");
		gov_jwt_keyset_free(hs);
		free(t);
		return;
	}
	len = strlen(t);

	/* The untouched token verifies, so each refusal below is the change's. */
	expect("malformed: the base token verifies", hs, t, &o, GOV_JWT_OK);

	/* A zero-length token is malformed. */
	expect_claims("malformed: empty", hs, "", 0, &o, GOV_JWT_MALFORMED, NULL);

	/* Two segments (no signature part) are malformed. */
	bad = strdup(t);
	*strrchr(bad, '.') = '\0';
	expect("malformed: two segments", hs, bad, &o, GOV_JWT_MALFORMED);
	free(bad);

	/* Four segments (a JWE-like tail) are malformed. */
	bad = concat(t, ".AAAA");
	expect("malformed: four segments", hs, bad, &o, GOV_JWT_MALFORMED);
	free(bad);

	/* An empty header segment is malformed. */
	bad = strdup(strchr(t, '.'));
	expect("malformed: empty header", hs, bad, &o, GOV_JWT_MALFORMED);
	free(bad);

	/* '+' from standard base64 is not base64url. */
	bad = with_char(t, 3, '+');
	expect("malformed: '+' in header", hs, bad, &o, GOV_JWT_MALFORMED);
	free(bad);

	/* '/' from standard base64 is not base64url. */
	bad = with_char(t, (long) len - 3, '/');
	expect("malformed: '/' in signature", hs, bad, &o, GOV_JWT_MALFORMED);
	free(bad);

	/* A space inside the payload is not base64url. */
	bad = with_char(t, strchr(t, '.') - t + 3, ' ');
	expect("malformed: space in payload", hs, bad, &o, GOV_JWT_MALFORMED);
	free(bad);

	/* '=' padding is not allowed in a JWS segment. */
	bad = concat(t, "=");
	expect("malformed: '=' after signature", hs, bad, &o, GOV_JWT_MALFORMED);
	free(bad);

	/* ... nor inside, after the header. */
	bad = malloc(len + 2);
	sprintf(bad, "%.*s=%s", (int) (strchr(t, '.') - t), t, strchr(t, '.'));
	expect("malformed: '=' after header", hs, bad, &o, GOV_JWT_MALFORMED);
	free(bad);

	/* A header segment whose length no base64 text can have. */
	bad = malloc(len + 2);
	sprintf(bad, "%.*sA%s", (int) (strchr(t, '.') - t), t, strchr(t, '.'));
	expect_refused("malformed: header of impossible length", hs, bad, &o);
	free(bad);

	/* A raw non-UTF-8 byte in the token text is malformed. */
	bad = with_char(t, 5, (char) 0xff);
	expect("malformed: byte 0xff in token", hs, bad, &o, GOV_JWT_MALFORMED);
	free(bad);

	/* A NUL inside the given length is malformed (no C-string cut). */
	bad = strdup(t);
	bad[len - 5] = '\0';
	expect_claims("malformed: NUL inside the token", hs, bad, len, &o,
				  GOV_JWT_MALFORMED, NULL);
	free(bad);

	/* Only len bytes are read: bytes after them do not matter. */
	bad = concat(t, ".junk");
	expect_claims("length respected: trailing bytes ignored", hs, bad, len,
				  &o, GOV_JWT_OK, NULL);
	free(bad);

	/* One byte short of the token is refused. */
	expect_claims("length respected: one byte short", hs, t, len - 1, &o,
				  GOV_JWT_BAD_SIGNATURE, NULL);

	/* A 1 MiB token is refused by length before anything else. */
	big = malloc(1 << 20);
	memset(big, 'A', 1 << 20);
	big[100] = '.';
	big[200] = '.';
	expect_claims("malformed: 1 MiB token", hs, big, 1 << 20, &o,
				  GOV_JWT_TOO_LONG, NULL);

	/* The default limit is inclusive: 16384 bytes is not too long. */
	expect_claims("length limit: 16384 bytes not too long", hs, big,
				  GOV_JWT_MAX_TOKEN_LEN, &o, GOV_JWT_MALFORMED, NULL);

	/* 16385 bytes is. */
	expect_claims("length limit: 16385 bytes too long", hs, big,
				  GOV_JWT_MAX_TOKEN_LEN + 1, &o, GOV_JWT_TOO_LONG, NULL);
	free(big);

	/* A configured max_len equal to the token's length admits it. */
	o.max_len = len;
	expect("length limit: max_len = length", hs, t, &o, GOV_JWT_OK);

	/* One less and it is too long. */
	o.max_len = len - 1;
	expect("length limit: max_len = length - 1", hs, t, &o,
		   GOV_JWT_TOO_LONG);
	o.max_len = 0;

	/* Duplicate "alg": the HS256 signer and a "none" reader could disagree. */
	bad = mint("--alg", "HS256", "--raw-header",
			   "{\"alg\":\"HS256\",\"alg\":\"none\"}", "--secret-file",
			   secret_path, "--claims", "{\"sub\":\"a\"}", NULL);
	expect("malformed: duplicate alg in header", hs, bad, &o,
		   GOV_JWT_MALFORMED);
	free(bad);

	/* The same with the members the other way round. */
	bad = mint("--alg", "HS256", "--raw-header",
			   "{\"alg\":\"none\",\"alg\":\"HS256\"}", "--secret-file",
			   secret_path, "--claims", "{\"sub\":\"a\"}", NULL);
	expect("malformed: duplicate alg, none first", hs, bad, &o,
		   GOV_JWT_MALFORMED);
	free(bad);

	/* Duplicate "kid" in the header is malformed too. */
	bad = mint("--alg", "HS256", "--raw-header",
			   "{\"alg\":\"HS256\",\"kid\":\"a\",\"kid\":\"b\"}",
			   "--secret-file", secret_path, "--claims", "{\"sub\":\"a\"}",
			   NULL);
	expect("malformed: duplicate kid in header", hs, bad, &o,
		   GOV_JWT_MALFORMED);
	free(bad);

	/* A header that is a JSON array is malformed. */
	bad = mint("--alg", "HS256", "--raw-header", "[\"HS256\"]",
			   "--secret-file", secret_path, "--claims", "{}", NULL);
	expect("malformed: header is an array", hs, bad, &o, GOV_JWT_MALFORMED);
	free(bad);

	/* A header that is not JSON is malformed. */
	bad = mint("--alg", "HS256", "--raw-header", "alg=HS256",
			   "--secret-file", secret_path, "--claims", "{}", NULL);
	expect("malformed: header not JSON", hs, bad, &o, GOV_JWT_MALFORMED);
	free(bad);

	/* A header without "alg" is malformed. */
	bad = mint("--alg", "HS256", "--raw-header", "{\"typ\":\"JWT\"}",
			   "--secret-file", secret_path, "--claims", "{}", NULL);
	expect("malformed: header without alg", hs, bad, &o, GOV_JWT_MALFORMED);
	free(bad);

	/* An "alg" that is not a string is refused. */
	bad = mint("--alg", "HS256", "--raw-header", "{\"alg\":256}",
			   "--secret-file", secret_path, "--claims", "{}", NULL);
	expect_refused("malformed: numeric alg", hs, bad, &o);
	free(bad);

	/* On failure the claims are zeroed and detail never quotes the token. */
	bad = with_char(t, -5, t[len - 5] == 'A' ? 'B' : 'A');
	memset(&c, 0x5a, sizeof(c));
	gov_jwt_verify(hs, bad, len, &o, &c, detail, sizeof(detail));
	zeroed = c.kid == NULL && c.sub == NULL && c.actor == NULL &&
		c.jti == NULL && c.iss == NULL && c.roles == NULL && c.nroles == 0 &&
		c.payload == NULL && !c.has_exp && c.alg[0] == '\0';
	check(zeroed, "failure leaves claims zeroed", "claims not zeroed");
	check(detail[0] != '\0' && strstr(detail, strrchr(bad, '.') + 1) == NULL &&
		  strstr(detail, "eyJ") == NULL, "detail does not quote the token",
		  "detail=\"%s\"", detail);
	free(bad);

	free(t);
	gov_jwt_keyset_free(hs);
}

/* ---------------------------------------------------------------------
 * Key loading
 * ---------------------------------------------------------------------
 */

/* A JWK with extra members inserted before its closing brace. */
static char *
jwk_plus(const char *jwk, const char *extra)
{
	size_t		n = strlen(jwk);
	char	   *out = malloc(n + strlen(extra) + 1);

	memcpy(out, jwk, n - 1);
	strcpy(out + n - 1, extra);
	strcat(out, "}");
	return out;
}

/*
 * Key material an operator might get wrong: each refusal must leave the set
 * unchanged and say why.
 */
static void
run_key_loading_cases(void)
{
	unsigned char secret[64];
	char		err[256];
	char		doc[8192];
	char	   *rsa = jwk_from_pem(rsa_pub, NULL);
	char	   *ec = jwk_from_pem(p256_pub, NULL);
	char	   *rsa_small = jwk_from_pem(rsa1024_pub, NULL);
	char	   *s,
			   *s2;
	GovJwtKeySet *ks;
	bool		ok;

	memset(secret, 0x42, sizeof(secret));

	/* An HMAC secret shorter than 32 bytes is refused, set unchanged. */
	ks = gov_jwt_keyset_new();
	err[0] = '\0';
	ok = gov_jwt_keyset_add_hmac(ks, secret, GOV_JWT_MIN_HMAC_LEN - 1, err,
								 sizeof(err));
	check(!ok && gov_jwt_keyset_count(ks) == 0 && err[0] != '\0',
		  "HMAC secret of 31 bytes refused", "accepted=%d", ok);

	/* 32 bytes is enough. */
	ok = gov_jwt_keyset_add_hmac(ks, secret, GOV_JWT_MIN_HMAC_LEN, err,
								 sizeof(err));
	check(ok && gov_jwt_keyset_count(ks) == 1, "HMAC secret of 32 bytes",
		  "refused: %s", err);
	gov_jwt_keyset_free(ks);

	/* An oct JWK with a 31-byte k is refused the same way. */
	s = b64url(secret, GOV_JWT_MIN_HMAC_LEN - 1);
	snprintf(doc, sizeof(doc),
			 "{\"keys\":[{\"kty\":\"oct\",\"k\":\"%s\"}]}", s);
	free(s);
	expect_load_refused("oct JWK of 31 bytes refused", doc, strlen(doc));

	/* A PEM RSA private key is refused: the file must hold public keys. */
	s = slurp(rsa_pem, NULL);
	expect_load_refused("PEM RSA private key refused", s, strlen(s));
	free(s);

	/* A PEM EC private key is refused. */
	s = slurp(p256_pem, NULL);
	expect_load_refused("PEM EC private key refused", s, strlen(s));

	/* A public key followed by a private key is refused as a whole. */
	s2 = slurp(p256_pub, NULL);
	{
		char	   *both = concat(s2, s);

		expect_load_refused("PEM public + private key refused", both,
							strlen(both));
		free(both);
	}
	free(s);

	/* A PEM file whose second key is corrupt is refused, not shortened. */
	s = concat(s2, "-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0D"
			   "AQcDQgAE\n-----END PUBLIC KEY-----\n");
	expect_load_refused("PEM with a corrupt second key refused", s, strlen(s));
	free(s);
	free(s2);

	/* An EC JWK with the private "d" is refused (A.3 with its d). */
	expect_load_refused("EC JWK with private d refused",
						"{\"keys\":[{\"kty\":\"EC\",\"crv\":\"P-256\","
						RFC_A3_XY ",\"d\":\"jpsQnnGQmL-YBIffH1136cspYG6-0iY7"
						"X1fCE9-E9LI\"}]}", 0);

	/* An RSA JWK with a private member is refused, whatever its value. */
	if (rsa && ec && rsa_small)
	{
		const char *members[] = {"d", "p", "q", "dp", "dq", "qi"};
		size_t		i;
		bool		all = true;

		for (i = 0; i < sizeof(members) / sizeof(members[0]); i++)
		{
			GovJwtKeySet *k = gov_jwt_keyset_new();
			char		extra[32];

			snprintf(extra, sizeof(extra), ",\"%s\":\"AQAB\"", members[i]);
			s = jwk_plus(rsa, extra);
			if (gov_jwt_keyset_add_public(k, s, strlen(s), err, sizeof(err)))
			{
				printf("# RSA JWK with \"%s\" accepted\n", members[i]);
				all = false;
			}
			free(s);
			gov_jwt_keyset_free(k);
		}
		check(all, "RSA JWK with d/p/q/dp/dq/qi refused", "one was accepted");

		/* A 1024-bit RSA key is refused as PEM. */
		s = slurp(rsa1024_pub, NULL);
		expect_load_refused("RSA 1024-bit PEM refused", s, strlen(s));
		free(s);

		/* ... and as a JWK. */
		expect_load_refused("RSA 1024-bit JWK refused", rsa_small,
							strlen(rsa_small));

		/* A JWK whose "alg" does not fit its kty (HS256 on RSA) is refused. */
		s = jwk_plus(rsa, ",\"alg\":\"HS256\"");
		expect_load_refused("RSA JWK with alg HS256 refused", s, strlen(s));
		free(s);

		/* A JWK for encryption ("use":"enc") is refused. */
		s = jwk_plus(ec, ",\"use\":\"enc\"");
		expect_load_refused("JWK with use enc refused", s, strlen(s));
		free(s);

		/*
		 * A JWKS whose second key is malformed is refused whole, and the set
		 * is left as it was.
		 */
		ks = set_from(ec);
		snprintf(doc, sizeof(doc), "{\"keys\":[%s,{\"kty\":\"RSA\",\"n\":\"not base64!\",\"e\":\"AQAB\"}]}", rsa);
		ok = ks && gov_jwt_keyset_add_public(ks, doc, strlen(doc), err,
											 sizeof(err));
		check(ks && !ok && gov_jwt_keyset_count(ks) == 1,
			  "failed JWKS leaves the set as it was", "accepted=%d count=%d",
			  ok, ks ? gov_jwt_keyset_count(ks) : -1);
		gov_jwt_keyset_free(ks);

		/*
		 * A well-formed key this server does not take (too short) is
		 * skipped and named, as identity providers' sets need: one such
		 * key must not stop the rotation of the rest.
		 */
		{
			char		notes[512] = "";

			ks = gov_jwt_keyset_new();
			snprintf(doc, sizeof(doc), "{\"keys\":[%s,%s]}", rsa, rsa_small);
			ok = gov_jwt_keyset_add_public_noted(ks, doc, strlen(doc), notes, sizeof(notes),
												 err, sizeof(err));
			check(ok && gov_jwt_keyset_count(ks) == 1 && strstr(notes, "1024 bits") != NULL,
				  "a too-short key in a set is skipped and named", "ok=%d count=%d notes=%s err=%s",
				  ok, gov_jwt_keyset_count(ks), notes, err);
			gov_jwt_keyset_free(ks);
		}

		/* A single JWK (not wrapped in "keys") loads. */
		ks = set_from(rsa);
		check(ks && gov_jwt_keyset_count(ks) == 1, "single JWK loads",
			  "refused");
		gov_jwt_keyset_free(ks);
	}
	else
		check(0, "JWKs from generated keys", "could not derive them");

	/* Two PEM public keys in one buffer load as two keys. */
	s = slurp(rsa_pub, NULL);
	s2 = slurp(p384_pub, NULL);
	{
		char	   *both = concat(s, s2);

		ks = set_from(both);
		check(ks && gov_jwt_keyset_count(ks) == 2, "two PEM keys in one file",
			  "count=%d", ks ? gov_jwt_keyset_count(ks) : -1);
		gov_jwt_keyset_free(ks);

		/* A NUL byte inside key material is refused. */
		both[strlen(s)] = '\0';
		expect_load_refused("NUL inside key material refused", both,
							strlen(s) + strlen(s2));
		free(both);
	}
	free(s);
	free(s2);

	/* An EC point not on the curve is refused (A.3 with y changed). */
	expect_load_refused("EC JWK point off the curve refused",
						"{\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\"f83OJ3D2xF1"
						"Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU\",\"y\":\"y_FEzRu9m3"
						"6HLN_tue659LNpXW6pCyStikYjKIWI5a0\"}", 0);

	/* An EC coordinate of the wrong length (31 bytes) is refused. */
	memset(secret, 0x11, sizeof(secret));
	s = b64url(secret, 31);
	s2 = b64url(secret, 32);
	snprintf(doc, sizeof(doc),
			 "{\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\"%s\",\"y\":\"%s\"}",
			 s, s2);
	expect_load_refused("EC JWK with a 31-byte x refused", doc, 0);
	free(s);
	free(s2);

	/* A lone key of a curve not verified here (Ed448) is refused. */
	expect_load_refused("Ed448 OKP JWK refused",
						"{\"kty\":\"OKP\",\"crv\":\"Ed448\",\"x\":\"11qYAYKxC"
						"rfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo\"}", 0);

	/* Garbage text is refused. */
	expect_load_refused("garbage refused", "hello, world\n", 0);

	/* Empty input is refused. */
	expect_load_refused("empty key material refused", "", 0);

	/* Truncated JSON is refused. */
	expect_load_refused("truncated JWKS refused", "{\"keys\":[", 0);

	/* A JWKS with no keys is refused. */
	expect_load_refused("JWKS with empty keys refused", "{\"keys\":[]}", 0);

	free(rsa);
	free(ec);
	free(rsa_small);
}

/* ---------------------------------------------------------------------
 * Tokens and key sets as identity providers make them
 * ---------------------------------------------------------------------
 */
static void
run_provider_cases(void)
{
	GovJwtOptions o = base_opts();
	char	   *jsig = jwk_from_pem(p256_pub, "sig-1");
	char	   *jrsa = jwk_from_pem(rsa_pub, "rsa-1");
	char	   *jenc,
			   *jps,
			   *jonly;
	char		doc[16384];
	char		notes[1024];
	char		err[256];
	GovJwtKeySet *ks;
	char	   *t;
	bool		ok;

	/*
	 * typ names a JWT or an OAuth access token in JWT form (RFC 9068),
	 * without regard to case and with "application/" optional; a token of
	 * another kind (a security event, a logout token) is refused.
	 */
	ks = set_from_file(p256_pub);
	{
		static const char *const accepted[] = {
			"JWT", "jwt", "application/jwt", "at+jwt", "AT+JWT",
			"application/at+jwt", "Application/AT+JWT"
		};
		static const char *const refused[] = {
			"secevent+jwt", "logout+jwt", "application/", "at+jwt ",
			"application/application/jwt", "JOSE", ""
		};

		for (size_t k = 0; k < sizeof(accepted) / sizeof(accepted[0]); k++)
		{
			char		hdr[96],
						name[96];

			snprintf(hdr, sizeof(hdr), "{\"typ\":\"%s\"}", accepted[k]);
			snprintf(name, sizeof(name), "typ \"%s\" accepted", accepted[k]);
			t = mint("--alg", "ES256", "--key", p256_pem, "--header", hdr,
					 "--claims", ATTACK_CLAIMS, NULL);
			expect(name, ks, t, &o, GOV_JWT_OK);
			free(t);
		}
		for (size_t k = 0; k < sizeof(refused) / sizeof(refused[0]); k++)
		{
			char		hdr[96],
						name[96];

			snprintf(hdr, sizeof(hdr), "{\"typ\":\"%s\"}", refused[k]);
			snprintf(name, sizeof(name), "typ \"%s\" refused", refused[k]);
			t = mint("--alg", "ES256", "--key", p256_pem, "--header", hdr,
					 "--claims", ATTACK_CLAIMS, NULL);
			expect(name, ks, t, &o, GOV_JWT_MALFORMED);
			free(t);
		}
	}

	/*
	 * A token naming a kid, checked against PEM keys (which have none): the
	 * keys admitting its algorithm are tried, as without a kid.
	 */
	t = mint("--alg", "ES256", "--key", p256_pem, "--header",
			 "{\"kid\":\"okta-2024\"}", "--claims", ATTACK_CLAIMS, NULL);
	expect("kid against keys without kids: verified", ks, t, &o, GOV_JWT_OK);
	free(t);
	/* ... but not by a key of another signer. */
	t = mint("--alg", "ES256", "--key", p256b_pem, "--header",
			 "{\"kid\":\"okta-2024\"}", "--claims", ATTACK_CLAIMS, NULL);
	expect("kid against keys without kids: another signer refused", ks, t, &o,
		   GOV_JWT_BAD_SIGNATURE);
	free(t);
	gov_jwt_keyset_free(ks);

	/*
	 * Keys with and without kids in one set: a kid the set has selects that
	 * key alone; a kid it lacks is tried against the keys without one only.
	 */
	ks = set_from(jsig);
	{
		size_t		pemlen = 0;
		char	   *pem = slurp(p256b_pub, &pemlen);

		ok = ks && pem && gov_jwt_keyset_add_public(ks, pem, pemlen, err, sizeof(err));
		free(pem);
	}
	check(ok, "a JWK with a kid and a PEM key in one set", "%s", err);
	t = mint("--alg", "ES256", "--key", p256b_pem, "--header",
			 "{\"kid\":\"unknown\"}", "--claims", ATTACK_CLAIMS, NULL);
	expect("unknown kid verified by the key without one", ks, t, &o, GOV_JWT_OK);
	free(t);
	t = mint("--alg", "ES256", "--key", p256_pem, "--header",
			 "{\"kid\":\"unknown\"}", "--claims", ATTACK_CLAIMS, NULL);
	expect("unknown kid is not tried against keys that have kids", ks, t, &o,
		   GOV_JWT_BAD_SIGNATURE);
	free(t);
	t = mint("--alg", "ES256", "--key", p256b_pem, "--header",
			 "{\"kid\":\"sig-1\"}", "--claims", ATTACK_CLAIMS, NULL);
	expect("a known kid selects its key alone", ks, t, &o, GOV_JWT_BAD_SIGNATURE);
	free(t);
	gov_jwt_keyset_free(ks);

	/*
	 * Ed25519 keys load from PEM and as OKP JWKs; an Ed448 key, which no
	 * JWS algorithm of ours verifies, is refused alone and skipped in a
	 * set; an OKP JWK with a short "x" or a private "d" is refused.
	 */
	{
		char	   *jed = jwk_from_pem(ed_pub, "ed-1");
		size_t		plen = 0;
		char	   *ed448 = slurp(ed448_pub, &plen);

		ks = set_from_file(ed_pub);
		check(ks != NULL && gov_jwt_keyset_count(ks) == 1, "Ed25519 PEM key loads",
			  "refused");
		gov_jwt_keyset_free(ks);
		ks = set_from(jed);
		check(ks != NULL, "Ed25519 OKP JWK loads", "refused: %s", jed ? jed : "(none)");
		t = mint("--alg", "EdDSA", "--key", ed_pem, "--header",
				 "{\"kid\":\"ed-1\"}", "--claims", ATTACK_CLAIMS, NULL);
		if (ks)
			expect("EdDSA token verified by its OKP JWK", ks, t, &o, GOV_JWT_OK);
		free(t);
		gov_jwt_keyset_free(ks);
		if (ed448)
			expect_load_refused("Ed448 PEM key refused", ed448, plen);
		free(ed448);
		snprintf(doc, sizeof(doc),
				 "{\"keys\":[%s,{\"kty\":\"OKP\",\"crv\":\"Ed448\",\"kid\":\"ed448\","
				 "\"x\":\"AAAA\"}]}", jed ? jed : "{}");
		ks = gov_jwt_keyset_new();
		notes[0] = '\0';
		ok = gov_jwt_keyset_add_public_noted(ks, doc, strlen(doc), notes, sizeof(notes),
											 err, sizeof(err));
		check(ok && gov_jwt_keyset_count(ks) == 1 && strstr(notes, "\"ed448\"") != NULL &&
			  strstr(notes, "Ed448") != NULL,
			  "an Ed448 JWK is skipped and named", "ok=%d notes=%s err=%s", ok, notes, err);
		gov_jwt_keyset_free(ks);
		expect_load_refused("OKP JWK with a short x refused",
							"{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"x\":\"AAAA\"}", 0);
		expect_load_refused("OKP JWK with a private d refused",
							"{\"kty\":\"OKP\",\"crv\":\"Ed25519\","
							"\"x\":\"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo\","
							"\"d\":\"nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A\"}", 0);
		expect_load_refused("OKP JWK pinned to RS256 refused",
							"{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"alg\":\"RS256\","
							"\"x\":\"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo\"}", 0);
		free(jed);
	}

	/*
	 * A Keycloak set: a signing key and an encryption key.  The encryption
	 * key is skipped and named; the signing key loads.
	 */
	jenc = jwk_plus(jrsa, ",\"use\":\"enc\"");
	snprintf(doc, sizeof(doc), "{\"keys\":[%s,%s]}", jsig, jenc);
	ks = gov_jwt_keyset_new();
	notes[0] = '\0';
	ok = gov_jwt_keyset_add_public_noted(ks, doc, strlen(doc), notes, sizeof(notes),
										 err, sizeof(err));
	check(ok && gov_jwt_keyset_count(ks) == 1, "a set with an enc key loads its signing key",
		  "%s", ok ? "wrong count" : err);
	check(strstr(notes, "\"rsa-1\"") != NULL && strstr(notes, "enc") != NULL,
		  "the enc key is named as skipped, with why", "notes: %s", notes);
	gov_jwt_keyset_free(ks);

	/* A set with a key of an algorithm not verified here (secp256k1). */
	jps = jwk_plus(jrsa, ",\"alg\":\"ES256K\"");
	snprintf(doc, sizeof(doc), "{\"keys\":[%s,%s]}", jps, jsig);
	ks = gov_jwt_keyset_new();
	notes[0] = '\0';
	ok = gov_jwt_keyset_add_public_noted(ks, doc, strlen(doc), notes, sizeof(notes),
										 err, sizeof(err));
	check(ok && gov_jwt_keyset_count(ks) == 1 && strstr(notes, "ES256K") != NULL,
		  "a key of another algorithm is skipped and named", "%s / %s", err, notes);
	gov_jwt_keyset_free(ks);

	/* An Auth0 set pinning PS256 on its RSA key: loaded, for PS256 only. */
	free(jps);
	jps = jwk_plus(jrsa, ",\"alg\":\"PS256\"");
	snprintf(doc, sizeof(doc), "{\"keys\":[%s]}", jps);
	ks = set_from(doc);
	check(ks != NULL, "an RSA JWK pinned to PS256 loads", "refused");
	t = mint("--alg", "PS256", "--key", rsa_pem, "--header",
			 "{\"kid\":\"rsa-1\"}", "--claims", ATTACK_CLAIMS, NULL);
	if (ks)
		expect("PS256 token verified by the pinned key", ks, t, &o, GOV_JWT_OK);
	free(t);
	t = mint("--alg", "RS256", "--key", rsa_pem, "--header",
			 "{\"kid\":\"rsa-1\"}", "--claims", ATTACK_CLAIMS, NULL);
	if (ks)
		expect("RS256 token refused by the key pinned to PS256", ks, t, &o,
			   GOV_JWT_ALG_NOT_ALLOWED);
	free(t);
	gov_jwt_keyset_free(ks);

	/* An Ed25519 key (kty OKP) beside an EC key: both load. */
	snprintf(doc, sizeof(doc),
			 "{\"keys\":[{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"kid\":\"ed\",\"x\":\"11qYAYKxC"
			 "rfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo\"},%s]}", jsig);
	ks = gov_jwt_keyset_new();
	notes[0] = '\0';
	ok = gov_jwt_keyset_add_public_noted(ks, doc, strlen(doc), notes, sizeof(notes),
										 err, sizeof(err));
	check(ok && gov_jwt_keyset_count(ks) == 2 && notes[0] == '\0',
		  "an Ed25519 key loads beside an EC key", "%s / %s", err, notes);
	gov_jwt_keyset_free(ks);

	/* A set of which no key can verify signatures is refused whole. */
	jonly = jwk_plus(jsig, ",\"use\":\"enc\"");
	snprintf(doc, sizeof(doc), "{\"keys\":[%s,%s]}", jonly, jenc);
	expect_load_refused("a set with only encryption keys refused", doc, strlen(doc));

	/* A key that would be skipped but holds private material: refused whole. */
	{
		char	   *priv = jwk_plus(jenc, ",\"d\":\"AQAB\"");

		snprintf(doc, sizeof(doc), "{\"keys\":[%s,%s]}", jsig, priv);
		expect_load_refused("an enc key with private material refused whole", doc,
							strlen(doc));
		free(priv);
	}

	/* A skipped key does not excuse a broken one: still refused whole. */
	snprintf(doc, sizeof(doc), "{\"keys\":[%s,%s,{\"kty\":\"RSA\",\"n\":\"AQ\"}]}",
			 jenc, jsig);
	expect_load_refused("a broken signing key beside a skipped one refused", doc,
						strlen(doc));

	free(jsig);
	free(jrsa);
	free(jenc);
	free(jps);
	free(jonly);

	/*
	 * Roles where identity providers put them: a URL-named claim (Auth0),
	 * found by a JSON Pointer; a nested one by pointer or dotted path.
	 */
	{
		static const struct
		{
			const char *path;
			const char *want;	/* the first role, or NULL: none found */
		}			paths[] = {
			{"/https:~1~1example.com~1roles", "sales"},
			{"/realm_access/roles", "reader"},
			{"realm_access.roles", "reader"},
			{"/a~0b", "tilde"},
			{"/missing", NULL},
		};
		GovJwtKeySet *ecks = set_from_file(p256_pub);

		t = mint("--alg", "ES256", "--key", p256_pem, "--claims",
				 "{\"sub\":\"u\",\"exp\":4102444800,"
				 "\"https://example.com/roles\":[\"sales\"],"
				 "\"realm_access\":{\"roles\":[\"reader\"]},\"a~b\":\"tilde\"}", NULL);
		for (size_t k = 0; k < sizeof(paths) / sizeof(paths[0]); k++)
		{
			GovJwtClaims c;
			char		name[128];

			o.roles_claim = paths[k].path;
			snprintf(name, sizeof(name), "roles by path %s", paths[k].path);
			if (expect_claims(name, ecks, t, t ? strlen(t) : 0, &o, GOV_JWT_OK, &c))
			{
				check(paths[k].want == NULL ? c.nroles == 0 :
					  (c.nroles == 1 && strcmp(c.roles[0], paths[k].want) == 0),
					  name, "nroles %d", c.nroles);
				gov_jwt_claims_free(&c);
			}
		}
		o.roles_claim = NULL;
		free(t);
		gov_jwt_keyset_free(ecks);
	}

	/* A roles setting that could find no roles is refused, with why. */
	{
		static const char *const bad[] = {
			"https://example.com/roles",	/* a URL split at its dots */
			"/a~2b",			/* an escape RFC 6901 has not */
			"realm_access..roles",
			"roles.",
			".roles",
			NULL
		};
		static const char *const good[] = {
			"", "roles", "cognito:groups", "realm_access.roles", "/", "/x/~0~1", NULL
		};

		for (int k = 0; bad[k] != NULL; k++)
		{
			char		name[128];

			err[0] = '\0';
			snprintf(name, sizeof(name), "roles path %s refused", bad[k]);
			check(!gov_jwt_roles_path_valid(bad[k], err, sizeof(err)) && err[0] != '\0',
				  name, "accepted");
		}
		for (int k = 0; good[k] != NULL; k++)
		{
			char		name[128];

			snprintf(name, sizeof(name), "roles path \"%s\" accepted", good[k]);
			check(gov_jwt_roles_path_valid(good[k], err, sizeof(err)), name, "%s", err);
		}
	}
}

/* Generate keys, run every group of cases, clean up, report. */
int
main(int argc, char **argv)
{
	if (argc > 1)
		root = argv[1];
	if (make_keys())
	{
		run_api_cases();
		run_rfc_cases();
		run_minted_cases();
		run_attack_cases();
		run_kid_cases();
		run_claim_cases();
		run_malformed_cases();
		run_key_loading_cases();
		run_provider_cases();
		run_weak_key_cases();
		run_verify_again_cases();
		run_keyset_digest_cases();
	}
	else
		check(0, "generate keys with openssl", "see the messages above");

	if (tmpdir_made)
	{
		char		cmd[512];

		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
		if (system(cmd) != 0)
			printf("# could not remove %s\n", tmpdir);
	}
	printf("%d passed, %d failed\n", npassed, nfailed);
	return nfailed == 0 ? 0 : 1;
}
