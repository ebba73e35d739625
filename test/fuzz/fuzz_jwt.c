/*-------------------------------------------------------------------------
 *
 * fuzz_jwt.c
 *	  libFuzzer target for the JWT verifier and the key loader.
 *
 * Every input is used twice: as a token verified against a fixed key set
 * (an HMAC secret and an EC P-256 public key, both constant here), and as
 * key material handed to gov_jwt_keyset_add_public on a fresh set.  The
 * fixed set is built on the first call and kept for the life of the
 * process; everything made for one input is freed before returning, so
 * LeakSanitizer reports any allocation the verifier forgets.
 *
 * The seed corpus in test/fuzz/corpus/jwt holds tokens signed with these keys
 * (so the claims checks run on them) and key documents in each format.
 *
 * test/fuzz/fuzz_jwt.c
 *
 *-------------------------------------------------------------------------
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "governance/identity_jwt.h"

/* The shared secret the HS* seeds are signed with (40 bytes). */
static const char fuzz_hmac_secret[] =
	"governance-fuzz-hmac-secret-0123456789ab";

/* The public half of the P-256 key the ES256 seeds are signed with. */
static const char fuzz_ec_public_pem[] =
	"-----BEGIN PUBLIC KEY-----\n"
	"MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEN0x/i+UU+Khppy4fBgmwSu9TzaN3\n"
	"thDGgenpx5KZVIdgaXNkfUGfv7mLlrfx5wBr2fvCKoAI/72+xFkPFkXO+w==\n"
	"-----END PUBLIC KEY-----\n";

static GovJwtKeySet *fuzz_keys;

/*
 * Build the fixed key set.  A failure here is a broken target, not a
 * finding, so stop loudly rather than fuzz with no keys.
 */
static void
fuzz_build_keys(void)
{
	char		err[256];

	fuzz_keys = gov_jwt_keyset_new();
	if (fuzz_keys == NULL ||
		!gov_jwt_keyset_add_hmac(fuzz_keys,
								 (const unsigned char *) fuzz_hmac_secret,
								 sizeof(fuzz_hmac_secret) - 1,
								 err, sizeof(err)) ||
		!gov_jwt_keyset_add_public(fuzz_keys, fuzz_ec_public_pem,
								   sizeof(fuzz_ec_public_pem) - 1,
								   err, sizeof(err)))
	{
		fprintf(stderr, "fuzz_jwt: cannot build the key set: %s\n", err);
		abort();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	GovJwtOptions opts;
	GovJwtClaims claims;
	GovJwtKeySet *loaded;
	char		detail[256];
	char		err[256];

	if (fuzz_keys == NULL)
		fuzz_build_keys();

	/*
	 * As a token.  The seeds carry iat 1700000000 and exp an hour later;
	 * every optional check is switched on so that all of them run.
	 */
	memset(&opts, 0, sizeof(opts));
	opts.now = 1700000000;
	opts.leeway = 60;
	opts.issuer = "https://issuer.test";
	opts.audience = "governance";
	opts.roles_claim = "realm_access.roles";
	opts.allowed_algs = GOV_JWT_ALG_ALL;
	opts.require_sub = true;
	opts.require_exp = true;
	if (gov_jwt_verify(fuzz_keys, (const char *) data, size, &opts, &claims,
					   detail, sizeof(detail)) == GOV_JWT_OK)
	{
		/* Touch what a caller would read, then re-check the time. */
		(void) gov_jwt_check_time(&claims, opts.now + 7200, 0);
		gov_jwt_claims_free(&claims);
	}

	/* As key material (PEM, JWKS or a single JWK). */
	loaded = gov_jwt_keyset_new();
	if (loaded == NULL)
		abort();
	if (!gov_jwt_keyset_add_public(loaded, (const char *) data, size,
								   err, sizeof(err)) &&
		gov_jwt_keyset_count(loaded) != 0)
	{
		/* The header promises a failed add leaves the set as it was. */
		fprintf(stderr, "fuzz_jwt: failed add left %d keys\n",
				gov_jwt_keyset_count(loaded));
		abort();
	}
	gov_jwt_keyset_free(loaded);
	return 0;
}
