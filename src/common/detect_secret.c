/*-------------------------------------------------------------------------
 *
 * detect_secret.c
 *	  The output scan's search for secrets anywhere in a text:
 *	  governance_detect_secret().
 *
 * Plain C, no server headers.  The scan runs over every text value a
 * masked identity receives, so it is built as a pre-filter and checks:
 *
 * The pre-filter looks, at each position p, for one of a few byte pairs
 * that every secret it knows contains and ordinary text rarely does
 * (gov_trigger_at() is the exact rule), 16 positions at a time with SSE2
 * where the compiler targets it.  Only at a trigger does a full check
 * run (gov_candidate()), and every full check reads a bounded number of
 * bytes (detect_keys.c) or consumes what it reads: a JWT check that
 * fails and a card check, the only ones whose reading is not bounded,
 * move the scan's resume point past the run they read, so no byte is
 * read by them more than a fixed number of times.  The scan is therefore
 * linear in the text whatever it holds, and costs the pre-filter alone
 * on text that holds no trigger.
 *
 * The triggers (p is the position the pre-filter reports):
 *	"-B"	the last dash of "-----BEGIN": a PEM private key at p - 4;
 *	"yJ"	"eyJ" ('{"' in base64url): a JWT at p - 1;
 *	"A..A"	AKIA, ASIA, AROA, ...: an AWS access key id at p;
 *	"Iz"	"AIza": a GCP API key at p - 1;
 *	"a2"	"ya29.": a GCP OAuth token at p - 1;
 *	"y="	"AccountKey=", "SharedAccessKey=": an Azure key after p + 1;
 *	"g="	"sig=": an Azure shared access signature at p - 2;
 *	"g.._"	"ghp_" and its siblings, "b_" "github_pat_", "xo" "xoxb-",
 *	"k_" "sk_live_", "k-" "sk-", "p..-" "glpat-": vendor tokens;
 *	"cr"	"secret" in any case: an AWS secret key after its name;
 *	dddd	four digits: a card number at p.
 * (Triggers on a later byte of their secret cost a look back, which is
 * bounded too.)  SSNs, phone numbers and e-mail addresses are not
 * secrets for this scan.
 *
 * src/common/detect_secret.c
 *
 *-------------------------------------------------------------------------
 */
#include <string.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "detect_internal.h"

/* At most this many digit groups are remembered in a run. */
#define GOV_CARD_MAX_GROUPS 8

static inline bool
gov_lower_is(unsigned char c, char want)
{
	return (c | 0x20) == (unsigned char) want;
}

/*
 * The pre-filter's rule at position p: is there a trigger (see the file
 * header)?  Bytes past the end count as NUL.  The SSE2 block filter
 * computes exactly this for sixteen positions at once.
 */
static inline bool
gov_trigger_at(const char *s, size_t n, size_t p)
{
	unsigned char c0 = (unsigned char) s[p];
	unsigned char c1 = p + 1 < n ? (unsigned char) s[p + 1] : 0;
	unsigned char c2 = p + 2 < n ? (unsigned char) s[p + 2] : 0;
	unsigned char c3 = p + 3 < n ? (unsigned char) s[p + 3] : 0;

	if (gov_isdigit(c0) && gov_isdigit(c1) && gov_isdigit(c2) && gov_isdigit(c3))
		return true;
	switch (c1)
	{
		case 'B':
			if (c0 == '-')
				return true;
			break;
		case 'J':
			if (c0 == 'y')
				return true;
			break;
		case 'z':
			if (c0 == 'I')
				return true;
			break;
		case '2':
			if (c0 == 'a')
				return true;
			break;
		case '=':
			if (c0 == 'y' || c0 == 'g')
				return true;
			break;
		case '_':
			if (c0 == 'b' || c0 == 'k')
				return true;
			break;
		case '-':
			if (c0 == 'k')
				return true;
			break;
		case 'o':
			if (c0 == 'x')
				return true;
			break;
		default:
			break;
	}
	if (gov_lower_is(c0, 'c') && gov_lower_is(c1, 'r'))
		return true;
	return (c3 == 'A' && c0 == 'A') || (c3 == '_' && c0 == 'g') ||
		(c3 == '-' && c0 == 'p');
}

#if defined(__SSE2__)
/*
 * gov_trigger_at() for the sixteen positions p..p+15, as a bit mask;
 * reads p[0..32).
 */
static inline uint32_t
gov_block_mask(const char *p)
{
	const __m128i v0 = _mm_loadu_si128((const __m128i *) p);
	const __m128i v1 = _mm_loadu_si128((const __m128i *) (p + 1));
	const __m128i v3 = _mm_loadu_si128((const __m128i *) (p + 3));
	const __m128i v16 = _mm_loadu_si128((const __m128i *) (p + 16));
	const __m128i fold = _mm_set1_epi8(0x20);
	const __m128i shift = _mm_set1_epi8((char) (0x80 - '0'));
	const __m128i ten = _mm_set1_epi8((char) (0x80 + 10));
	__m128i		m,
				t;
	uint32_t	d,
				run4;

#define GOV_EQ(v, c) _mm_cmpeq_epi8((v), _mm_set1_epi8((char) (c)))

	/* digits: '0'..'9' moved to -128..-119, then a signed compare */
	d = (uint32_t) _mm_movemask_epi8(_mm_cmplt_epi8(_mm_add_epi8(v0, shift), ten)) |
		((uint32_t) _mm_movemask_epi8(_mm_cmplt_epi8(_mm_add_epi8(v16, shift), ten)) << 16);
	run4 = d & (d >> 1) & (d >> 2) & (d >> 3);

	m = _mm_and_si128(GOV_EQ(v1, 'B'), GOV_EQ(v0, '-'));
	t = GOV_EQ(v0, 'y');
	m = _mm_or_si128(m, _mm_and_si128(t, _mm_or_si128(GOV_EQ(v1, 'J'),
													   GOV_EQ(v1, '='))));
	m = _mm_or_si128(m, _mm_and_si128(GOV_EQ(v1, 'z'), GOV_EQ(v0, 'I')));
	m = _mm_or_si128(m, _mm_and_si128(GOV_EQ(v1, '2'), GOV_EQ(v0, 'a')));
	t = GOV_EQ(v0, 'g');
	m = _mm_or_si128(m, _mm_and_si128(t, _mm_or_si128(GOV_EQ(v1, '='),
													   GOV_EQ(v3, '_'))));
	t = GOV_EQ(v0, 'k');
	m = _mm_or_si128(m, _mm_and_si128(_mm_or_si128(t, GOV_EQ(v0, 'b')),
									  GOV_EQ(v1, '_')));
	m = _mm_or_si128(m, _mm_and_si128(t, GOV_EQ(v1, '-')));
	m = _mm_or_si128(m, _mm_and_si128(GOV_EQ(v1, 'o'), GOV_EQ(v0, 'x')));
	m = _mm_or_si128(m, _mm_and_si128(GOV_EQ(_mm_or_si128(v0, fold), 'c'),
									  GOV_EQ(_mm_or_si128(v1, fold), 'r')));
	m = _mm_or_si128(m, _mm_and_si128(GOV_EQ(v3, 'A'), GOV_EQ(v0, 'A')));
	m = _mm_or_si128(m, _mm_and_si128(GOV_EQ(v3, '-'), GOV_EQ(v0, 'p')));

#undef GOV_EQ

	return ((uint32_t) _mm_movemask_epi8(m) | run4) & 0xFFFF;
}
#endif

/* The left edge of a card number's run of digits at p. */
static bool
gov_card_left_ok(const char *s, size_t p)
{
	unsigned char c;

	if (p == 0)
		return true;
	c = (unsigned char) s[p - 1];
	if (c == '.' || c == ',' || c == '+' || c == '/' || c == '_' ||
		c == '-' || c == '\\' || c == '%')
		return false;
	return gov_boundary_before(s, p, false);
}

/* The right edge of a card number's run ending at e. */
static bool
gov_card_right_ok(const char *s, size_t n, size_t e)
{
	unsigned char c;

	if (e >= n)
		return true;
	c = (unsigned char) s[e];
	if (gov_isalnum(c) || c == '_')
		return false;
	if ((c == '.' || c == ',') && e + 1 < n && gov_isdigit((unsigned char) s[e + 1]))
		return false;
	return true;
}

/*
 * Groups a..b of a run as one card number: digits grouped like
 * gov_is_card() (the first of several groups has four digits, all but
 * the last 3-6), then gov_card_number_ok().
 */
static bool
gov_card_groups_ok(const char *s, const size_t *start, const size_t *len,
				   int a, int b)
{
	char		digits[19];
	size_t		nd = 0;

	if (a > b)
		return false;
	if (a < b && len[a] != 4)
		return false;
	for (int g = a; g <= b; g++)
	{
		if ((g < b && (len[g] < 3 || len[g] > 6)) || (a < b && len[g] > 6) ||
			nd + len[g] > 19)
			return false;
		memcpy(digits + nd, s + start[g], len[g]);
		nd += len[g];
	}
	return gov_card_number_ok(digits, nd);
}

/*
 * Card numbers in the run of digits at p (p begins four digits): the
 * run is digits with single spaces or dashes between them; it must
 * stand alone (gov_card_left_ok, gov_card_right_ok).  Its groups are cut
 * where the separator changes kind (a card uses one kind throughout),
 * and each stretch is tried whole and without a first or last group it
 * shares with a neighbouring stretch ("2024-01-15 4111 1111 1111 1111"
 * finds the card after the date).  Sets *resume to the end of the run:
 * nothing inside it is tried again.  At most GOV_CARD_MAX_GROUPS groups
 * are considered; a longer run is a list of numbers, not a card.
 */
static bool
gov_card_run(const char *s, size_t n, size_t p, size_t *resume)
{
	size_t		start[GOV_CARD_MAX_GROUPS],
				len[GOV_CARD_MAX_GROUPS];
	char		sep[GOV_CARD_MAX_GROUPS];	/* the byte before group g */
	int			ngroups = 0;
	bool		overflow = false;
	size_t		i = p;

	for (;;)
	{
		size_t		g = i;

		while (i < n && gov_isdigit((unsigned char) s[i]))
			i++;
		if (ngroups < GOV_CARD_MAX_GROUPS)
		{
			start[ngroups] = g;
			len[ngroups] = i - g;
			sep[ngroups] = (g == p) ? 0 : s[g - 1];
			ngroups++;
		}
		else
			overflow = true;
		if (i + 1 < n && (s[i] == ' ' || s[i] == '-') &&
			gov_isdigit((unsigned char) s[i + 1]))
		{
			i++;
			continue;
		}
		break;
	}
	*resume = i;
	if (overflow || !gov_card_left_ok(s, p) || !gov_card_right_ok(s, n, i))
		return false;

	for (int a = 0; a < ngroups;)
	{
		int			b = a;

		/* the stretch a..b: groups joined by the separator after a */
		while (b + 1 < ngroups && (b == a || sep[b + 1] == sep[a + 1]))
			b++;
		if (gov_card_groups_ok(s, start, len, a, b))
			return true;
		if (a > 0 && gov_card_groups_ok(s, start, len, a + 1, b))
			return true;
		if (b + 1 < ngroups && gov_card_groups_ok(s, start, len, a, b - 1))
			return true;
		if (a > 0 && b + 1 < ngroups &&
			gov_card_groups_ok(s, start, len, a + 1, b - 1))
			return true;
		a = (b > a) ? b : b + 1;
		if (b + 1 >= ngroups)
			break;
	}
	return false;
}

/*
 * The full checks for the trigger at p.  *resume may be moved forward
 * past bytes a check has consumed.
 */
static GovDetector
gov_candidate(const char *s, size_t n, size_t p, size_t *resume)
{
	unsigned char c0 = (unsigned char) s[p];
	unsigned char c1 = p + 1 < n ? (unsigned char) s[p + 1] : 0;
	unsigned char c3 = p + 3 < n ? (unsigned char) s[p + 3] : 0;
	size_t		len;

	if (gov_isdigit(c0))
		return gov_card_run(s, n, p, resume) ? GOV_DETECT_CARD : GOV_DETECT_NONE;

	switch (c0)
	{
		case '-':
			if (c1 == 'B' && p >= 4 && gov_pem_private_at(s, n, p - 4))
				return GOV_DETECT_PRIVATE_KEY;
			break;
		case 'y':
			if (c1 == 'J' && p >= 1 && s[p - 1] == 'e' &&
				gov_boundary_before(s, p - 1, true))
			{
				if (gov_jwt_at(s + p - 1, n - p + 1, &len))
					return GOV_DETECT_JWT;
				if (p - 1 + len > *resume)
					*resume = p - 1 + len;
			}
			if (c1 == '=' && gov_azure_key_at(s, n, p + 1))
				return GOV_DETECT_AZURE_KEY;
			break;
		case 'A':
			if (c3 == 'A' && gov_aws_key_id_at(s, n, p))
				return GOV_DETECT_AWS_KEY;
			break;
		case 'I':
			if (c1 == 'z' && p >= 1 && gov_gcp_api_key_at(s, n, p - 1))
				return GOV_DETECT_GCP_KEY;
			break;
		case 'a':
			if (c1 == '2' && p >= 1 && gov_gcp_oauth_at(s, n, p - 1))
				return GOV_DETECT_GCP_KEY;
			break;
		case 'g':
			if (c1 == '=' && p >= 2 && gov_azure_sas_at(s, n, p - 2))
				return GOV_DETECT_AZURE_KEY;
			if (c3 == '_' && gov_known_token_at(s, n, p))
				return GOV_DETECT_TOKEN;
			break;
		case 'b':
			if (c1 == '_' && p >= 5 && gov_known_token_at(s, n, p - 5))
				return GOV_DETECT_TOKEN;
			break;
		case 'x':
			if (c1 == 'o' && gov_known_token_at(s, n, p))
				return GOV_DETECT_TOKEN;
			break;
		case 'k':
			if ((c1 == '_' || c1 == '-') && p >= 1 &&
				gov_known_token_at(s, n, p - 1))
				return GOV_DETECT_TOKEN;
			break;
		case 'p':
			if (c3 == '-' && p >= 2 && gov_known_token_at(s, n, p - 2))
				return GOV_DETECT_TOKEN;
			break;
		default:
			break;
	}
	if (gov_lower_is(c0, 'c') && gov_lower_is(c1, 'r') && p >= 2 &&
		gov_aws_secret_at(s, n, p - 2))
		return GOV_DETECT_AWS_KEY;
	return GOV_DETECT_NONE;
}

/*
 * The output scan (see common_detect.h): the pre-filter over the whole
 * text, a full check at each trigger at or after the resume point.
 */
GovDetector
governance_detect_secret(const char *s, size_t len)
{
	size_t		p = 0,
				resume = 0;
	GovDetector d;

	if (s == NULL)
		return GOV_DETECT_NONE;
#if defined(__SSE2__)
	while (len >= 32 && p <= len - 32)
	{
		uint32_t	mask;

		if (resume > p)
		{
			p = resume;
			continue;
		}
		mask = gov_block_mask(s + p);
		while (mask != 0)
		{
			size_t		q = p + (size_t) __builtin_ctz(mask);

			mask &= mask - 1;
			if (q < resume)
				continue;
			d = gov_candidate(s, len, q, &resume);
			if (d != GOV_DETECT_NONE)
				return d;
		}
		p += 16;
	}
#endif
	for (; p < len; p++)
	{
		if (p < resume || !gov_trigger_at(s, len, p))
			continue;
		d = gov_candidate(s, len, p, &resume);
		if (d != GOV_DETECT_NONE)
			return d;
	}
	return GOV_DETECT_NONE;
}
