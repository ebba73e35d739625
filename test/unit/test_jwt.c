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

#include "governance/jwt.h"

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

/* Paths of the generated key files. */
static char secret_path[256], rsa_pem[256], rsa_pub[256], rsa1024_pem[256],
			rsa1024_pub[256], p256_pem[256], p256_pub[256], p256b_pem[256],
			p256b_pub[256], p384_pem[256], p384_pub[256], p521_pem[256],
			p521_pub[256];

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

/* Verify and compare the status; claims are freed unless the caller keeps them. */
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
			cap = cap ? cap * 2 : 1024;
			out = realloc(out, cap);
			if (out == NULL)
				break;
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
	if (EVP_PKEY_base_id(pk) == EVP_PKEY_RSA)
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

static GovJwtKeySet *
set_from_file(const char *path)
{
	char	   *pem = slurp(path, NULL);
	GovJwtKeySet *ks = set_from(pem);

	free(pem);
	return ks;
}

/* Does add_public refuse this material, leaving the set as it was? */
static void
expect_load_refused(const char *name, const char *buf, size_t len)
{
	GovJwtKeySet *ks = gov_jwt_keyset_new();
	char		err[256] = "";
	bool		ok;

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
		{rsa_pem, rsa_pub, "rsa", "-algorithm RSA -pkeyopt rsa_keygen_bits:2048"},
		{rsa1024_pem, rsa1024_pub, "rsa1024", "-algorithm RSA -pkeyopt rsa_keygen_bits:1024"},
		{p256_pem, p256_pub, "p256", "-algorithm EC -pkeyopt ec_paramgen_curve:P-256"},
		{p256b_pem, p256b_pub, "p256b", "-algorithm EC -pkeyopt ec_paramgen_curve:P-256"},
		{p384_pem, p384_pub, "p384", "-algorithm EC -pkeyopt ec_paramgen_curve:P-384"},
		{p521_pem, p521_pub, "p521", "-algorithm EC -pkeyopt ec_paramgen_curve:P-521"},
	};
	char		cmd[1024];
	size_t		i;

	if (mkdtemp(tmpdir) == NULL)
		return 0;
	snprintf(secret_path, sizeof(secret_path), "%s/secret.bin", tmpdir);
	snprintf(cmd, sizeof(cmd), "openssl rand -out %s 48", secret_path);
	if (system(cmd) != 0)
		return 0;
	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
	{
		snprintf(keys[i].pem, 256, "%s/%s.pem", tmpdir, keys[i].name);
		snprintf(keys[i].pub, 256, "%s/%s.pub", tmpdir, keys[i].name);
		snprintf(cmd, sizeof(cmd),
				 "openssl genpkey %s -out %s 2>/dev/null && "
				 "openssl pkey -in %s -pubout -out %s",
				 keys[i].genopt, keys[i].pem, keys[i].pem, keys[i].pub);
		if (system(cmd) != 0)
			return 0;
	}
	return 1;
}

/*@CASES@*/

int
main(int argc, char **argv)
{
	if (argc > 1)
		root = argv[1];
	if (!make_keys())
	{
		printf("FAIL - generate keys with openssl\n");
		printf("0 passed, 1 failed\n");
		return 1;
	}
	run_api_cases();
	run_rfc_cases();
	run_minted_cases();
	run_attack_cases();
	run_kid_cases();
	run_claim_cases();
	run_malformed_cases();
	run_key_loading_cases();

	{
		char		cmd[512];

		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
		if (system(cmd) != 0)
			printf("# could not remove %s\n", tmpdir);
	}
	printf("%d passed, %d failed\n", npassed, nfailed);
	return nfailed == 0 ? 0 : 1;
}
