/*-------------------------------------------------------------------------
 *
 * detect.c
 *	  The detectors' names and labels, and whole-value detection: which
 *	  detector accepts a sampled value as a whole.
 *
 * Plain C, no server headers (see common_detect.h).  The rules are in
 * the files named beside each detector below; this file decides the
 * order in which they are tried, which matters where two shapes overlap
 * (an SSN is also shaped like a national phone number, an AWS secret key
 * like any 40-byte token).  Nothing here allocates or keeps state.
 *
 * src/common/detect.c
 *
 *-------------------------------------------------------------------------
 */
#include <string.h>

#include "detect_internal.h"

#define D	GOV_CC_DIGIT | GOV_CC_HEX
#define U	GOV_CC_UPPER
#define UH	GOV_CC_UPPER | GOV_CC_HEX
#define L	GOV_CC_LOWER
#define LH	GOV_CC_LOWER | GOV_CC_HEX
#define S	GOV_CC_URLSAFE
#define B	GOV_CC_B64
#define W	GOV_CC_BLANK

/* The class of every byte; bytes >= 0x80 have none. */
const uint8_t gov_detect_class[256] = {
	['\t'] = W, ['\n'] = W, ['\v'] = W, ['\f'] = W, ['\r'] = W, [' '] = W,
	['+'] = B, ['/'] = B, ['-'] = S, ['_'] = S,
	['0'] = D, ['1'] = D, ['2'] = D, ['3'] = D, ['4'] = D,
	['5'] = D, ['6'] = D, ['7'] = D, ['8'] = D, ['9'] = D,
	['A'] = UH, ['B'] = UH, ['C'] = UH, ['D'] = UH, ['E'] = UH, ['F'] = UH,
	['G'] = U, ['H'] = U, ['I'] = U, ['J'] = U, ['K'] = U, ['L'] = U,
	['M'] = U, ['N'] = U, ['O'] = U, ['P'] = U, ['Q'] = U, ['R'] = U,
	['S'] = U, ['T'] = U, ['U'] = U, ['V'] = U, ['W'] = U, ['X'] = U,
	['Y'] = U, ['Z'] = U,
	['a'] = LH, ['b'] = LH, ['c'] = LH, ['d'] = LH, ['e'] = LH, ['f'] = LH,
	['g'] = L, ['h'] = L, ['i'] = L, ['j'] = L, ['k'] = L, ['l'] = L,
	['m'] = L, ['n'] = L, ['o'] = L, ['p'] = L, ['q'] = L, ['r'] = L,
	['s'] = L, ['t'] = L, ['u'] = L, ['v'] = L, ['w'] = L, ['x'] = L,
	['y'] = L, ['z'] = L,
};

#undef D
#undef U
#undef UH
#undef L
#undef LH
#undef S
#undef B
#undef W

/* Names as SQL and the audit trail show them, in enum order. */
static const char *const gov_detector_names[GOV_DETECT_COUNT] = {
	[GOV_DETECT_NONE] = "none",
	[GOV_DETECT_EMAIL] = "email",
	[GOV_DETECT_PHONE] = "phone",
	[GOV_DETECT_SSN] = "ssn",
	[GOV_DETECT_CARD] = "card",
	[GOV_DETECT_IBAN] = "iban",
	[GOV_DETECT_IP] = "ip",
	[GOV_DETECT_JWT] = "jwt",
	[GOV_DETECT_PRIVATE_KEY] = "private_key",
	[GOV_DETECT_AWS_KEY] = "aws_key",
	[GOV_DETECT_GCP_KEY] = "gcp_key",
	[GOV_DETECT_AZURE_KEY] = "azure_key",
	[GOV_DETECT_TOKEN] = "token",
	[GOV_DETECT_PASSWORD_HASH] = "password_hash",
};

/*
 * The name of a detector.  Out-of-range values get "none" rather than a
 * crash: the value may come from a stored row written by another
 * version.
 */
const char *
governance_detector_name(GovDetector d)
{
	if ((int) d <= 0 || (int) d >= GOV_DETECT_COUNT)
		return "none";
	return gov_detector_names[d];
}

/*
 * The label a detector proposes.  Anything that opens a door (keys,
 * tokens, hashes) or that law treats as a key to a person's money or
 * identity (card numbers, SSNs) is "secret"; e-mail addresses have their
 * own label because masks for them keep the domain; the rest of what
 * identifies a person is "pii".  NULL for GOV_DETECT_NONE.
 */
const char *
governance_detector_label(GovDetector d)
{
	switch (d)
	{
		case GOV_DETECT_EMAIL:
			return "email";
		case GOV_DETECT_PHONE:
		case GOV_DETECT_IP:
		case GOV_DETECT_IBAN:
			return "pii";
		case GOV_DETECT_SSN:
		case GOV_DETECT_CARD:
		case GOV_DETECT_JWT:
		case GOV_DETECT_PRIVATE_KEY:
		case GOV_DETECT_AWS_KEY:
		case GOV_DETECT_GCP_KEY:
		case GOV_DETECT_AZURE_KEY:
		case GOV_DETECT_TOKEN:
		case GOV_DETECT_PASSWORD_HASH:
			return "secret";
		default:
			return NULL;
	}
}

/*
 * Does s[0..n) begin with lit, ignoring ASCII case?  (lit is lower
 * case.)
 */
bool
gov_has_prefix_ci(const char *s, size_t n, const char *lit)
{
	size_t		i;

	for (i = 0; lit[i] != '\0'; i++)
		if (i >= n || gov_lower((unsigned char) s[i]) != (unsigned char) lit[i])
			return false;
	return true;
}

/*
 * The first occurrence of lit[0..litlen) in s[0..n), or NULL.  memchr on
 * the first byte then a compare: linear enough for the rare texts that
 * reach it.
 */
const char *
gov_find(const char *s, size_t n, const char *lit, size_t litlen)
{
	const char *end = s + n;

	if (litlen == 0 || n < litlen)
		return NULL;
	while (s <= end - litlen)
	{
		const char *p = memchr(s, lit[0], (size_t) (end - litlen - s) + 1);

		if (p == NULL)
			return NULL;
		if (memcmp(p, lit, litlen) == 0)
			return p;
		s = p + 1;
	}
	return NULL;
}

/* Is there a blank in s[0..n)? */
static bool
gov_has_blank(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (gov_cc((unsigned char) s[i], GOV_CC_BLANK))
			return true;
	return false;
}

/*
 * A secret that is the whole value (s trimmed): the scan's own checks at
 * offset 0, each required to span the value (or, for connection strings
 * and documents, to be what the value is made of).
 */
static GovDetector
gov_secret_value(const char *s, size_t n)
{
	size_t		len;

	switch (s[0])
	{
		case '-':
			/* "-----BEGIN", perhaps after more dashes */
			{
				size_t		b = 0;

				while (b < n && b < 16 && s[b] == '-')
					b++;
				if (gov_pem_private_at(s, n, b))
					return GOV_DETECT_PRIVATE_KEY;
			}
			break;
		case 'L':
			/* base64 of a PEM text (a Kubernetes Secret's tls.key) */
			if (gov_pem_base64_at(s, n, 0))
				return GOV_DETECT_PRIVATE_KEY;
			break;
		case 'e':
		case 'I':
		case 'C':
		case 'D':
			/* base64url of a JSON object, perhaps after blanks */
			if (gov_jwt_at(s, n, &len) && len == n)
				return GOV_DETECT_JWT;
			break;
		case 'a':
		case 'A':
			if (n == 20 && gov_aws_key_id_at(s, n, 0))
				return GOV_DETECT_AWS_KEY;
			if (n == 39 && gov_gcp_api_key_at(s, n, 0))
				return GOV_DETECT_GCP_KEY;
			break;
		case 'y':
			if (gov_gcp_oauth_at(s, n, 0) && !gov_has_blank(s, n))
				return GOV_DETECT_GCP_KEY;
			break;
		case '{':
			if (gov_gcp_service_account(s, n))
				return GOV_DETECT_GCP_KEY;
			break;
		default:
			break;
	}
	if (gov_known_token_at(s, n, 0) && !gov_has_blank(s, n))
		return GOV_DETECT_TOKEN;
	if (gov_is_password_hash(s, n))
		return GOV_DETECT_PASSWORD_HASH;
	/* Azure connection strings and SAS URLs: the scan, without blanks */
	if (n >= 44 && !gov_has_blank(s, n) &&
		(gov_find(s, n, "AccountKey=", 11) || gov_find(s, n, "sig=", 4)) &&
		governance_detect_secret(s, n) == GOV_DETECT_AZURE_KEY)
		return GOV_DETECT_AZURE_KEY;
	/* Slack webhook URLs: the URL is the credential */
	if (n >= 60 && !gov_has_blank(s, n) && gov_find(s, n, "hooks.slack.com", 15) &&
		governance_detect_secret(s, n) == GOV_DETECT_TOKEN)
		return GOV_DETECT_TOKEN;
	return GOV_DETECT_NONE;
}

/*
 * Whole-value detection: trims blanks, then tries the detectors from the
 * most specific shape to the least -- secrets with a prefix or a
 * structure, then SSN before phone (an SSN has a phone's shape), card,
 * IBAN, IP, e-mail, phone, and last the high-entropy token, which is what
 * a value with none of the other shapes may still be (a 40-byte AWS
 * secret key alone is one of those: without its context word nothing
 * tells it from another random token).
 */
GovDetector
governance_detect_value(const char *s, size_t len)
{
	GovDetector d;

	if (s == NULL)
		return GOV_DETECT_NONE;
	while (len > 0 && gov_cc((unsigned char) s[0], GOV_CC_BLANK))
	{
		s++;
		len--;
	}
	while (len > 0 && gov_cc((unsigned char) s[len - 1], GOV_CC_BLANK))
		len--;
	if (len < 3)
		return GOV_DETECT_NONE;

	d = gov_secret_value(s, len);
	if (d != GOV_DETECT_NONE)
		return d;
	if (gov_is_ssn(s, len))
		return GOV_DETECT_SSN;
	if (gov_is_card(s, len))
		return GOV_DETECT_CARD;
	if (gov_is_iban(s, len))
		return GOV_DETECT_IBAN;
	if (gov_is_ipv4(s, len) || gov_is_ipv6(s, len))
		return GOV_DETECT_IP;
	if (gov_is_email(s, len))
		return GOV_DETECT_EMAIL;
	if (gov_is_phone(s, len))
		return GOV_DETECT_PHONE;
	if (gov_is_token(s, len))
		return GOV_DETECT_TOKEN;
	return GOV_DETECT_NONE;
}
