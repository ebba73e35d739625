/*-------------------------------------------------------------------------
 *
 * test_detect.c
 *	  Unit test of the value detectors and the secret scan, linked alone
 *	  with src/common/detect*.c (column names: test_detect_name.c).
 *
 * Every detector gets values it must accept and values just beside them
 * it must refuse (a Luhn digit off by one, an IBAN with wrong check
 * digits, 256 in an IPv4 address, area 666 in an SSN, a JWT whose header
 * is not JSON, a PEM public key, AKIA inside a longer run).  The secret
 * scan gets secrets inside prose, JSON (escaped), URLs (percent-encoded)
 * and a corpus of ordinary text in three languages that must give
 * nothing; on every text the vector scan must agree with the scalar
 * reference.  Every input is passed from a heap copy of exactly its
 * length, so AddressSanitizer, which run.sh builds this with, reports a
 * read past the end.  With --linear, the scan's time on 4 MB and 16 MB
 * of adversarial input (the same trigger repeated) must grow about four
 * times, not sixteen.
 *
 * Test data (card numbers, IBANs, tokens) is built here, with check
 * digits computed by code written for the test.  The cases are in the
 * files this one includes, so one set of counts covers them:
 * test_detect_values.c (whole values), test_detect_scan.c (the scan),
 * test_detect_keys.c (keys and tokens, every variant of each rule),
 * test_detect_decode.c (secrets written through escapes and layouts a
 * client decodes, the classes of attack 15) and test_detect_layouts.c
 * (keys set in other text, base64 of keys, more vendors, Unicode in card
 * numbers: the classes of attack 24).
 *
 * Each case prints one line; the last line is "N passed, N failed".
 *
 * test/unit/test_detect.c
 *
 *-------------------------------------------------------------------------
 */
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "governance/common_detect.h"

/* The scalar reference scan (src/common/detect_secret.c). */
extern GovDetector gov_detect_secret_scalar(const char *s, size_t len);

/* The scan's anchors, and the vector loop's buckets (detect_secret.c). */
extern bool gov_anchor_pair(unsigned char a, unsigned char b);
extern bool gov_scan_pair_passes(unsigned char a, unsigned char b);

/* A heap copy of exactly len bytes, no NUL after it. */
static char *
exact(const char *s, size_t len)
{
	char	   *c = malloc(len > 0 ? len : 1);

	memcpy(c, s, len);
	return c;
}

/* Whole-value detection of s, from an exact copy. */
static GovDetector
value_of(const char *s)
{
	size_t		n = strlen(s);
	char	   *c = exact(s, n);
	GovDetector d = governance_detect_value(c, n);

	free(c);
	return d;
}

/* The scan, from an exact copy; checks the scalar reference agrees. */
static GovDetector
secret_of(const char *s, size_t n)
{
	char	   *c = exact(s, n);
	GovDetector d = governance_detect_secret(c, n);
	GovDetector r = gov_detect_secret_scalar(c, n);

	free(c);
	if (d != r)
	{
		check(false, "vector scan agrees with the scalar one", "%s vs %s on [%.60s]",
			  governance_detector_name(d), governance_detector_name(r), s);
		return GOV_DETECT_COUNT;
	}
	return d;
}

/* One case: s as a whole is want. */
static void
expect_value(const char *s, GovDetector want)
{
	GovDetector d = value_of(s);
	char		name[160];

	snprintf(name, sizeof(name), "value %s: %.90s", governance_detector_name(want), s);
	for (char *p = name; *p; p++)
		if ((unsigned char) *p < ' ')
			*p = '.';
	check(d == want, name, "got %s", governance_detector_name(d));
}

/* One case: the scan of s finds want first. */
static void
expect_secret(const char *what, const char *s, GovDetector want)
{
	GovDetector d = secret_of(s, strlen(s));
	char		name[200];

	snprintf(name, sizeof(name), "scan %s: %s", governance_detector_name(want), what);
	check(d == want, name, "got %s on [%.120s]", governance_detector_name(d), s);
}

/*
 * Each of the n texts the scan finds want first, named "what i"; with
 * pad set, also after 13, 26 and 39 blanks ("what i at +k"), so that
 * the text meets the vector loop's blocks at other offsets.
 */
static void
expect_each(const char *what, const char *const *texts, size_t n, bool pad,
			GovDetector want)
{
	char		t[512],
				name[160];

	for (size_t i = 0; i < n; i++)
		for (int k = 0; k < (pad ? 40 : 1); k += 13)
		{
			snprintf(t, sizeof(t), "%*s%s", k, "", texts[i]);
			if (pad)
				snprintf(name, sizeof(name), "%s %zu at +%d", what, i, k);
			else
				snprintf(name, sizeof(name), "%s %zu", what, i);
			expect_secret(name, t, want);
		}
}

#define LENGTH(a) (sizeof(a) / sizeof((a)[0]))

/* ---- test data ---- */

/* The Luhn check digit for the digits of body. */
static char
luhn_digit(const char *body)
{
	size_t		n = strlen(body);
	int			sum = 0;

	/* counted from the right of the number with its check digit */
	for (size_t i = 0; i < n; i++)
	{
		int			v = body[n - 1 - i] - '0';

		if (i % 2 == 0)
			v = v * 2 > 9 ? v * 2 - 9 : v * 2;
		sum += v;
	}
	return (char) ('0' + (10 - sum % 10) % 10);
}

/* prefix padded with digits to len - 1, plus the Luhn digit. */
static void
make_card(char *out, const char *prefix, int len)
{
	size_t		p = strlen(prefix);

	strcpy(out, prefix);
	for (int i = (int) p; i < len - 1; i++)
		out[i] = (char) ('0' + (i * 7 + 3) % 10);
	out[len - 1] = '\0';
	out[len - 1] = luhn_digit(out);
	out[len] = '\0';
}

/* The same number with its last digit one higher (mod 10). */
static void
luhn_off(char *out, const char *card)
{
	size_t		n = strlen(card);

	strcpy(out, card);
	out[n - 1] = (char) ('0' + (out[n - 1] - '0' + 1) % 10);
}

/* Digits grouped by sep: groups lists the group sizes, 0-terminated. */
static void
group(char *out, const char *digits, const int *groups, char sep)
{
	size_t		o = 0,
				d = 0;

	for (int g = 0; groups[g]; g++)
	{
		if (g > 0)
			out[o++] = sep;
		for (int k = 0; k < groups[g]; k++)
			out[o++] = digits[d++];
	}
	out[o] = '\0';
}

/* An IBAN for country cc and bban, check digits computed; compact. */
static void
make_iban(char *out, const char *cc, const char *bban)
{
	char		r[64];
	int			rem = 0;

	snprintf(r, sizeof(r), "%s%s00", bban, cc);
	for (const char *p = r; *p; p++)
	{
		if (*p >= '0' && *p <= '9')
			rem = (rem * 10 + (*p - '0')) % 97;
		else
			rem = (rem * 100 + (*p - 'A' + 10)) % 97;
	}
	sprintf(out, "%s%02d%s", cc, 98 - rem, bban);
}

/* The IBAN in groups of four. */
static void
spaced(char *out, const char *iban)
{
	size_t		o = 0;

	for (size_t i = 0; iban[i]; i++)
	{
		if (i > 0 && i % 4 == 0)
			out[o++] = ' ';
		out[o++] = iban[i];
	}
	out[o] = '\0';
}

/* base64url without padding, written for the test. */
static void
b64url(const char *in, char *out)
{
	static const char a[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	size_t		n = strlen(in),
				o = 0;

	for (size_t i = 0; i < n; i += 3)
	{
		uint32_t	v = (uint32_t) (unsigned char) in[i] << 16;

		if (i + 1 < n)
			v |= (uint32_t) (unsigned char) in[i + 1] << 8;
		if (i + 2 < n)
			v |= (unsigned char) in[i + 2];
		out[o++] = a[(v >> 18) & 63];
		out[o++] = a[(v >> 12) & 63];
		if (i + 1 < n)
			out[o++] = a[(v >> 6) & 63];
		if (i + 2 < n)
			out[o++] = a[v & 63];
	}
	out[o] = '\0';
}

/* A token from its header and payload JSON and a signature text. */
static void
make_jwt(char *out, const char *header, const char *payload, const char *sig)
{
	char		h[512],
				p[512];

	b64url(header, h);
	b64url(payload, p);
	sprintf(out, "%s.%s.%s", h, p, sig);
}

/* n pseudo-random bytes of alphabet a (a fixed sequence per seed). */
static void
random_run(char *out, size_t n, const char *a, unsigned seed)
{
	size_t		k = strlen(a);
	uint32_t	x = seed * 2654435761u + 1;

	for (size_t i = 0; i < n; i++)
	{
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		out[i] = a[x % k];
	}
	out[n] = '\0';
}

#define B64 "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
#define B62 "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
#define B64URL B62 "-_"
#define HEX "0123456789abcdef"

#include "test_detect_values.c"
#include "test_detect_scan.c"
#include "test_detect_keys.c"
#include "test_detect_decode.c"
#include "test_detect_layouts.c"

/* The timing took too long: a scan that is not linear never ends. */
static void
too_slow(int sig)
{
	static const char msg[] =
		"FAIL linear: the scans did not finish within 120 seconds\n";

	(void) sig;
	if (write(1, msg, sizeof(msg) - 1) < 0)
		_exit(2);
	printf("%d passed, %d failed\n", npassed, nfailed + 1);
	fflush(stdout);
	_exit(1);
}

/*
 * Usage: test_detect [--linear]: without an argument every case but the
 * timing (run.sh builds that with the sanitizers), with --linear only
 * the timing (run.sh builds that with -O2 and no sanitizer, whose
 * slowdown would make 16 MB take minutes).
 */
int
main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "--linear") == 0)
	{
		signal(SIGALRM, too_slow);
		alarm(120);
		test_scan_linear();
		return check_summary();
	}
	test_email();
	test_phone();
	test_ssn();
	test_card();
	test_iban();
	test_ip();
	test_jwt();
	test_password_hash();
	test_tokens();
	test_labels();
	test_scan_anchors();
	test_scan_finds();
	test_scan_quiet();
	test_aws();
	test_gcp();
	test_azure();
	test_pem();
	test_jwt_scan();
	test_ssn_ranges();
	test_jwt_blanks();
	test_escaped_keys();
	test_card_layouts();
	test_pem_markup();
	test_more_shapes();
	test_pem_in_text();
	test_pem_as_array();
	test_more_vendors();
	test_pem_base64();
	test_card_unicode();
	test_card_mixed_widths();
	test_aws_value_first();
	test_escaped_dashes();
	return check_summary();
}
