/*-------------------------------------------------------------------------
 *
 * governance-token.c
 *	  Mint a JSON Web Token from a key file, for trying governance out.
 *
 * In production an identity provider issues tokens; this tool lets a DBA
 * make one from a private key (or an HMAC secret) to see a governed
 * session work before wiring one up.  The algorithm follows from the key
 * (RSA: RS256, EC: ES256/384/512 by curve, Ed25519: EdDSA, a secret:
 * HS256) unless --alg names another the key can make (PS256 with an RSA
 * key, say).  The token goes to standard output; every mistake is a
 * message on standard error and exit status 2.
 *
 * tools/governance-token.c
 *
 *-------------------------------------------------------------------------
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

static const char *progname = "governance-token";

static void
usage(FILE *out)
{
	fprintf(out,
			"%s mints a JSON Web Token for trying governance out.\n"
			"\n"
			"Usage:\n"
			"  %s --key PRIVATE-KEY.pem --sub SUBJECT [OPTION]...\n"
			"  %s --secret-file SECRET --sub SUBJECT [OPTION]...\n"
			"\n"
			"Key:\n"
			"  --key FILE          PEM private key: RSA, EC (P-256, P-384, P-521) or Ed25519\n"
			"  --secret-file FILE  HMAC secret (at least 32 bytes; a trailing newline is ignored)\n"
			"  --alg ALG           RS256 RS384 RS512 PS256 PS384 PS512 ES256 ES384 ES512 EdDSA\n"
			"                      HS256 HS384 HS512 (default: what the key makes: RS256,\n"
			"                      ES256/384/512 by curve, EdDSA, HS256)\n"
			"  --kid KID           key id to put in the header\n"
			"\n"
			"Claims:\n"
			"  --sub SUBJECT       who acts (required)\n"
			"  --roles A,B         roles, as the \"roles\" claim\n"
			"  --actor NAME        the agent acting for the subject (act.sub, RFC 8693)\n"
			"  --iss ISSUER        issuer, as governance.jwt_issuer expects\n"
			"  --aud AUDIENCE      audience, as governance.jwt_audience expects\n"
			"  --expires-in TIME   lifetime: 90s, 15m, 8h or 2d (default 1h)\n"
			"  --jti ID            token id\n"
			"  --claim NAME=VALUE  any other claim; VALUE is JSON if it parses, else a string\n"
			"                      (repeatable)\n"
			"\n"
			"  --help              show this help and exit\n"
			"\n"
			"Example:\n"
			"  openssl genpkey -algorithm ED25519 -out idp.key\n"
			"  openssl pkey -in idp.key -pubout -out idp.pub   # governance.jwt_public_keys_file\n"
			"  %s --key idp.key --sub alice@example.com --roles analyst --expires-in 15m\n",
			progname, progname, progname, progname);
}

static void
fail(const char *fmt,...)
{
	va_list		ap;

	fprintf(stderr, "%s: ", progname);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
	exit(2);
}

/* Unpadded base64url of the bytes, malloc'd. */
static char *
b64url(const unsigned char *in, size_t len)
{
	static const char alphabet[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	char	   *out = malloc(4 * ((len + 2) / 3) + 1);
	size_t		o = 0;

	if (out == NULL)
		fail("out of memory");
	for (size_t i = 0; i < len; i += 3)
	{
		unsigned long v = (unsigned long) in[i] << 16;

		if (i + 1 < len)
			v |= (unsigned long) in[i + 1] << 8;
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

/* "90s", "15m", "8h", "2d" or plain seconds; -1 if it is none of them. */
static long
parse_duration(const char *s)
{
	char	   *end;
	long		n;

	errno = 0;
	n = strtol(s, &end, 10);
	if (errno != 0 || end == s || n <= 0)
		return -1;
	if (*end == '\0' || strcmp(end, "s") == 0)
		return n;
	if (strcmp(end, "m") == 0 && n <= 525600)
		return n * 60;
	if (strcmp(end, "h") == 0 && n <= 8760)
		return n * 3600;
	if (strcmp(end, "d") == 0 && n <= 365)
		return n * 86400;
	return -1;
}

/* A JSON string of a command-line value, which must be UTF-8. */
static json_t *
utf8(const char *opt, const char *val)
{
	json_t	   *s = json_string(val);

	if (s == NULL)
		fail("%s: \"%s\" is not valid UTF-8", opt, val);
	return s;
}

static unsigned char *
read_file(const char *path, size_t *len)
{
	FILE	   *f = fopen(path, "rb");
	unsigned char *buf;

	if (f == NULL)
		fail("could not open \"%s\": %s", path, strerror(errno));
	buf = malloc(1024 * 1024);
	if (buf == NULL)
		fail("out of memory");
	*len = fread(buf, 1, 1024 * 1024, f);
	fclose(f);
	return buf;
}

/* The algorithm a private key makes by default. */
static const char *
default_alg(EVP_PKEY *pkey)
{
	char		group[64] = "";

	switch (EVP_PKEY_base_id(pkey))
	{
		case EVP_PKEY_RSA:
			return "RS256";
		case EVP_PKEY_ED25519:
			return "EdDSA";
		case EVP_PKEY_EC:
			EVP_PKEY_get_utf8_string_param(pkey, OSSL_PKEY_PARAM_GROUP_NAME,
										   group, sizeof(group), NULL);
			if (strcmp(group, "prime256v1") == 0)
				return "ES256";
			if (strcmp(group, "secp384r1") == 0)
				return "ES384";
			if (strcmp(group, "secp521r1") == 0)
				return "ES512";
			fail("EC curve \"%s\" is not one governance verifies (P-256, P-384, P-521)", group);
	}
	fail("the key is neither RSA, EC nor Ed25519");
	return NULL;
}

static const EVP_MD *
digest_of(const char *alg)
{
	const char *bits = alg + 2;

	if (strcmp(bits, "256") == 0)
		return EVP_sha256();
	if (strcmp(bits, "384") == 0)
		return EVP_sha384();
	if (strcmp(bits, "512") == 0)
		return EVP_sha512();
	return NULL;
}

/* Does the key make signatures of this algorithm? */
static bool
key_makes(EVP_PKEY *pkey, const char *alg)
{
	if (strcmp(alg, "EdDSA") == 0)
		return EVP_PKEY_base_id(pkey) == EVP_PKEY_ED25519;
	if (strncmp(alg, "RS", 2) == 0 || strncmp(alg, "PS", 2) == 0)
		return EVP_PKEY_base_id(pkey) == EVP_PKEY_RSA && digest_of(alg) != NULL;
	if (strncmp(alg, "ES", 2) == 0)
		return EVP_PKEY_base_id(pkey) == EVP_PKEY_EC && strcmp(default_alg(pkey), alg) == 0;
	return false;
}

/* Sign with a private key; JWS form (R||S for ECDSA). */
static unsigned char *
sign_pkey(EVP_PKEY *pkey, const char *alg, const char *input, size_t *siglen)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	EVP_PKEY_CTX *pctx = NULL;
	const EVP_MD *md = strcmp(alg, "EdDSA") == 0 ? NULL : digest_of(alg);
	unsigned char *sig;
	size_t		len = 0;

	if (ctx == NULL || EVP_DigestSignInit(ctx, &pctx, md, NULL, pkey) != 1)
		fail("could not start signing");
	if (strncmp(alg, "PS", 2) == 0 &&
		(EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) != 1 ||
		 EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST) != 1 ||
		 EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, md) != 1))
		fail("could not set up RSA-PSS");
	if (EVP_DigestSign(ctx, NULL, &len, (const unsigned char *) input, strlen(input)) != 1 ||
		(sig = malloc(len)) == NULL ||
		EVP_DigestSign(ctx, sig, &len, (const unsigned char *) input, strlen(input)) != 1)
		fail("could not sign");
	EVP_MD_CTX_free(ctx);

	if (strncmp(alg, "ES", 2) == 0)
	{
		const unsigned char *p = sig;
		ECDSA_SIG  *es = d2i_ECDSA_SIG(NULL, &p, (long) len);
		size_t		half = strcmp(alg, "ES256") == 0 ? 32 : strcmp(alg, "ES384") == 0 ? 48 : 66;
		unsigned char *raw = malloc(2 * half);

		if (es == NULL || raw == NULL ||
			BN_bn2binpad(ECDSA_SIG_get0_r(es), raw, (int) half) < 0 ||
			BN_bn2binpad(ECDSA_SIG_get0_s(es), raw + half, (int) half) < 0)
			fail("could not encode the ECDSA signature");
		ECDSA_SIG_free(es);
		free(sig);
		sig = raw;
		len = 2 * half;
	}
	*siglen = len;
	return sig;
}

int
main(int argc, char **argv)
{
	const char *key_file = NULL,
			   *secret_file = NULL,
			   *alg = NULL,
			   *kid = NULL;
	long		lifetime = 3600;
	json_t	   *claims = json_object();
	json_t	   *header = json_object();
	char	   *hjson,
			   *cjson,
			   *h64,
			   *c64,
			   *s64,
			   *input;
	unsigned char *sig;
	size_t		siglen = 0;
	unsigned char *secret = NULL;
	size_t		secret_len = 0;
	EVP_PKEY   *pkey = NULL;
	time_t		now = time(NULL);

	if (claims == NULL || header == NULL)
		fail("out of memory");
	for (int i = 1; i < argc; i++)
	{
		const char *opt = argv[i];
		const char *val = i + 1 < argc ? argv[i + 1] : NULL;

		if (strcmp(opt, "--help") == 0 || strcmp(opt, "-h") == 0)
		{
			usage(stdout);
			return 0;
		}
		if (strncmp(opt, "--", 2) != 0)
			fail("unexpected argument \"%s\" (see --help)", opt);
		if (val == NULL)
			fail("%s needs a value (see --help)", opt);
		i++;
		if (strcmp(opt, "--key") == 0)
			key_file = val;
		else if (strcmp(opt, "--secret-file") == 0)
			secret_file = val;
		else if (strcmp(opt, "--alg") == 0)
			alg = val;
		else if (strcmp(opt, "--kid") == 0)
		{
			json_decref(utf8(opt, val));
			kid = val;
		}
		else if (strcmp(opt, "--sub") == 0 || strcmp(opt, "--iss") == 0 ||
				 strcmp(opt, "--aud") == 0 || strcmp(opt, "--jti") == 0)
		{
			if (val[0] == '\0')
				fail("%s may not be empty", opt);
			json_object_set_new(claims, opt + 2, utf8(opt, val));
		}
		else if (strcmp(opt, "--actor") == 0)
		{
			json_t	   *act = json_object();

			if (val[0] == '\0')
				fail("--actor may not be empty");
			json_object_set_new(act, "sub", utf8(opt, val));
			json_object_set_new(claims, "act", act);
		}
		else if (strcmp(opt, "--roles") == 0)
		{
			json_t	   *roles = json_array();
			char	   *copy = strdup(val),
					   *role,
					   *save = NULL;

			for (role = strtok_r(copy, ",", &save); role != NULL; role = strtok_r(NULL, ",", &save))
				json_array_append_new(roles, utf8(opt, role));
			free(copy);
			json_object_set_new(claims, "roles", roles);
		}
		else if (strcmp(opt, "--expires-in") == 0)
		{
			if ((lifetime = parse_duration(val)) < 0)
				fail("--expires-in \"%s\" is not a duration like 90s, 15m, 8h or 2d", val);
		}
		else if (strcmp(opt, "--claim") == 0)
		{
			const char *eq = strchr(val, '=');
			char	   *name;
			json_t	   *v;

			if (eq == NULL || eq == val)
				fail("--claim wants NAME=VALUE, not \"%s\"", val);
			name = strndup(val, eq - val);
			/* What an option sets is set by that option, once. */
			for (const char *const *own = (const char *const[]) {
					"sub", "iss", "aud", "jti", "act", "roles", "exp", "iat", NULL}; *own; own++)
				if (strcmp(name, *own) == 0)
					fail("--claim %s: set \"%s\" with its own option (see --help)", name, name);
			json_decref(utf8("--claim", name));
			v = json_loads(eq + 1, JSON_DECODE_ANY | JSON_REJECT_DUPLICATES, NULL);
			if (v == NULL)
				v = json_string(eq + 1);
			if (v == NULL)
				fail("--claim %s: the value is neither JSON nor UTF-8 text", name);
			json_object_set_new(claims, name, v);
			free(name);
		}
		else
			fail("unknown option \"%s\" (see --help)", opt);
	}
	if (json_object_get(claims, "sub") == NULL)
		fail("--sub is required: a token names who acts (see --help)");
	if ((key_file == NULL) == (secret_file == NULL))
		fail("give exactly one of --key and --secret-file (see --help)");
	json_object_set_new(claims, "iat", json_integer(now));
	json_object_set_new(claims, "exp", json_integer(now + lifetime));

	/* The key decides the algorithm, unless --alg names one it makes. */
	if (secret_file != NULL)
	{
		secret = read_file(secret_file, &secret_len);
		/* As the server reads it: one trailing newline, then one CR. */
		if (secret_len > 0 && secret[secret_len - 1] == '\n')
			secret_len--;
		if (secret_len > 0 && secret[secret_len - 1] == '\r')
			secret_len--;
		if (secret_len < 32)
			fail("the HMAC secret has %zu bytes; governance wants at least 32", secret_len);
		if (alg == NULL)
			alg = "HS256";
		if (strncmp(alg, "HS", 2) != 0 || digest_of(alg) == NULL)
			fail("an HMAC secret makes HS256, HS384 or HS512, not \"%s\"", alg);
	}
	else
	{
		FILE	   *f = fopen(key_file, "r");

		if (f == NULL)
			fail("could not open \"%s\": %s", key_file, strerror(errno));
		pkey = PEM_read_PrivateKey(f, NULL, NULL, NULL);
		fclose(f);
		if (pkey == NULL)
			fail("\"%s\" holds no PEM private key (a public key verifies; it cannot sign)", key_file);
		if (alg == NULL)
			alg = default_alg(pkey);
		if (!key_makes(pkey, alg))
			fail("this key cannot make %s signatures (it makes %s%s)", alg, default_alg(pkey),
				 EVP_PKEY_base_id(pkey) == EVP_PKEY_RSA ? ", RS384, RS512 or PS256/384/512" : "");
	}

	json_object_set_new(header, "alg", json_string(alg));
	json_object_set_new(header, "typ", json_string("JWT"));
	if (kid != NULL)
		json_object_set_new(header, "kid", json_string(kid));
	hjson = json_dumps(header, JSON_COMPACT | JSON_PRESERVE_ORDER);
	cjson = json_dumps(claims, JSON_COMPACT | JSON_PRESERVE_ORDER);
	if (hjson == NULL || cjson == NULL)
		fail("out of memory");
	h64 = b64url((unsigned char *) hjson, strlen(hjson));
	c64 = b64url((unsigned char *) cjson, strlen(cjson));
	input = malloc(strlen(h64) + strlen(c64) + 2);
	if (input == NULL)
		fail("out of memory");
	sprintf(input, "%s.%s", h64, c64);

	if (pkey != NULL)
	{
		sig = sign_pkey(pkey, alg, input, &siglen);
		EVP_PKEY_free(pkey);
	}
	else
	{
		unsigned int maclen = 0;

		sig = malloc(EVP_MAX_MD_SIZE);
		if (sig == NULL || HMAC(digest_of(alg), secret, (int) secret_len, (unsigned char *) input,
								strlen(input), sig, &maclen) == NULL)
			fail("could not compute the HMAC");
		siglen = maclen;
		OPENSSL_cleanse(secret, secret_len);
		free(secret);
	}
	s64 = b64url(sig, siglen);
	printf("%s.%s\n", input, s64);
	free(s64);
	free(sig);
	free(input);
	free(h64);
	free(c64);
	free(hjson);
	free(cjson);
	json_decref(header);
	json_decref(claims);
	return 0;
}
