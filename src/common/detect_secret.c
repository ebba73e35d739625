/*-------------------------------------------------------------------------
 *
 * detect_secret.c
 *	  The output scan's search for secrets anywhere in a text:
 *	  governance_detect_secret().
 *
 * Plain C, no server headers.  The scan runs over every text value a
 * masked identity receives, so it is built as a pre-filter and checks.
 *
 * The pre-filter looks, at each position p, for one of a few byte
 * patterns that every secret it knows contains and ordinary text rarely
 * does (gov_trigger_at() is the exact rule), 16 or 32 positions at a
 * time with SSE2 or AVX2 (detect_scan.h; AVX2 is used when the CPU has
 * it, decided once).  Only at a trigger does a full check run
 * (gov_candidate()).  Every full check reads a bounded number of bytes
 * (detect_keys.c), except two whose reading is not bounded, and these
 * read each byte a fixed number of times: a JWT check starts only where
 * a run of base64url starts and reads three runs, so a byte is read by
 * at most three of them; a card check reads a run of digit groups and
 * moves the scan's resume point past it (nothing a check looks for can
 * begin inside such a run, so nothing is missed).  The scan is therefore
 * linear in the text whatever it holds, and costs the pre-filter alone
 * on text that holds no trigger.
 *
 * The triggers (p is the position the pre-filter reports):
 *	"-B"		the last dash of "-----BEGIN": a PEM private key at p - 4;
 *	"yJ"		"eyJ" ('{"' in base64url): a JWT at p - 1;
 *	"y="		"AccountKey=", "SharedAccessKey=": an Azure key after p + 1;
 *	"y.2"		"ya29.": a GCP OAuth token at p;
 *	"Iz"		"AIza": a GCP API key at p - 1;
 *	"g="		"sig=": an Azure shared access signature at p - 2;
 *	"g.._"		"ghp_" and its siblings at p; "p.._" "github_pat_" at p - 7;
 *	"sk_", "rk_", "sk-", "rk-": Stripe and OpenAI style keys at p;
 *	"x...-"		"xoxb-" and its siblings: Slack tokens at p;
 *	"p..-"		"glpat-": a GitLab token at p - 2;
 *	"cr.t"		"secret" in any case: an AWS secret key after its name;
 *	"A..A"		AKIA, ASIA, AROA, ...: an AWS access key id at p;
 *	"dddd?dddd...d"	digits at 0-3, 5-8 and 12, a digit, space or dash at
 *				4: the start of a card number (bare, or a group of four,
 *				a separator, then groups of four to six digits: 4-4-4-4,
 *				4-6-5, 4-5-..., 4-4-4-1).
 * ('.' stands for any byte.)  SSNs, phone numbers and e-mail addresses
 * are not secrets for this scan.
 *
 * src/common/detect_secret.c
 *
 *-------------------------------------------------------------------------
 */
#include <string.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <cpuid.h>
#include <immintrin.h>
#define GOV_HAVE_AVX2_SCAN 1
#endif

#include "detect_internal.h"

/* At most this many digit groups are remembered in a run. */
#define GOV_CARD_MAX_GROUPS 8

/* Is c, in either case, the lower-case letter want? */
static inline bool
gov_lower_is(unsigned char c, char want)
{
	return (c | 0x20) == (unsigned char) want;
}

/* The byte at s[p + k], NUL past the end. */
static inline unsigned char
gov_at(const char *s, size_t n, size_t p, size_t k)
{
	return p + k < n ? (unsigned char) s[p + k] : 0;
}

/*
 * The pre-filter's rule at position p: is there a trigger (see the file
 * header)?  Bytes past the end count as NUL.  The vector loop
 * (detect_scan.h) computes exactly this for a block of positions; this
 * scalar form is the reference the tests compare it with.
 */
static bool
gov_trigger_at(const char *s, size_t n, size_t p)
{
	unsigned char c0 = gov_at(s, n, p, 0),
				c1 = gov_at(s, n, p, 1),
				c2 = gov_at(s, n, p, 2),
				c3 = gov_at(s, n, p, 3),
				c4 = gov_at(s, n, p, 4);

	if (gov_isdigit(c0))
	{
		static const int card[] = {1, 2, 3, 5, 6, 7, 8, 12};

		for (int k = 0; k < 8; k++)
			if (!gov_isdigit(gov_at(s, n, p, card[k])))
				return false;
		return gov_isdigit(c4) || c4 == ' ' || c4 == '-';
	}
	return (c0 == '-' && c1 == 'B') ||
		(c0 == 'y' && (c1 == 'J' || c1 == '=' || c2 == '2')) ||
		(c0 == 'I' && c1 == 'z') ||
		(c0 == 'g' && (c1 == '=' || c3 == '_')) ||
		(c0 == 'p' && (c3 == '_' || c3 == '-')) ||
		((c0 == 's' || c0 == 'r') && c1 == 'k' && (c2 == '_' || c2 == '-')) ||
		(c0 == 'x' && c4 == '-') ||
		(c0 == 'A' && c3 == 'A') ||
		(gov_lower_is(c0, 'c') && gov_lower_is(c1, 'r') && gov_lower_is(c3, 't'));
}

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
 * the last 4-6, the last 1-6), then gov_card_number_ok().
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
		if ((g < b && (len[g] < 4 || len[g] > 6)) || (a < b && len[g] > 6) ||
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
 * and each stretch is tried whole, without its first group, without its
 * last, and without both ("2024-01-15 4111 1111 1111 1111" finds the
 * card after the date, "4111 1111 1111 1111 12" the card before an
 * expiry date).  Sets *resume to the end of the run:
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
		if (gov_card_groups_ok(s, start, len, a, b) ||
			gov_card_groups_ok(s, start, len, a + 1, b) ||
			gov_card_groups_ok(s, start, len, a, b - 1) ||
			gov_card_groups_ok(s, start, len, a + 1, b - 1))
			return true;
		a = (b > a) ? b : b + 1;
		if (b + 1 >= ngroups)
			break;
	}
	return false;
}


/*
 * The full checks for the trigger at p (several triggers may share a
 * position, so each is tested again here).  *resume may be moved
 * forward past bytes a check has consumed.
 */
static GovDetector
gov_candidate(const char *s, size_t n, size_t p, size_t *resume)
{
	unsigned char c0 = gov_at(s, n, p, 0),
				c1 = gov_at(s, n, p, 1),
				c2 = gov_at(s, n, p, 2),
				c3 = gov_at(s, n, p, 3),
				c4 = gov_at(s, n, p, 4);
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
				/*
				 * No resume past a failed header: a run of base64url can
				 * hold "-----BEGIN" or "_secret_access_key", whose checks
				 * must still run.
				 */
				if (gov_jwt_at(s + p - 1, n - p + 1, &len))
					return GOV_DETECT_JWT;
			}
			if (c1 == '=' && gov_azure_key_at(s, n, p + 1))
				return GOV_DETECT_AZURE_KEY;
			if (c2 == '2' && gov_gcp_oauth_at(s, n, p))
				return GOV_DETECT_GCP_KEY;
			break;
		case 'I':
			if (c1 == 'z' && p >= 1 && gov_gcp_api_key_at(s, n, p - 1))
				return GOV_DETECT_GCP_KEY;
			break;
		case 'g':
			if (c1 == '=' && p >= 2 && gov_azure_sas_at(s, n, p - 2))
				return GOV_DETECT_AZURE_KEY;
			if (c3 == '_' && gov_known_token_at(s, n, p))
				return GOV_DETECT_TOKEN;
			break;
		case 'p':
			if (c3 == '_' && p >= 7 && gov_known_token_at(s, n, p - 7))
				return GOV_DETECT_TOKEN;
			if (c3 == '-' && p >= 2 && gov_known_token_at(s, n, p - 2))
				return GOV_DETECT_TOKEN;
			break;
		case 's':
		case 'r':
			if (c1 == 'k' && (c2 == '_' || c2 == '-') &&
				gov_known_token_at(s, n, p))
				return GOV_DETECT_TOKEN;
			break;
		case 'x':
			if (c4 == '-' && gov_known_token_at(s, n, p))
				return GOV_DETECT_TOKEN;
			break;
		case 'A':
			if (c3 == 'A' && gov_aws_key_id_at(s, n, p))
				return GOV_DETECT_AWS_KEY;
			break;
		default:
			break;
	}
	if (gov_lower_is(c0, 'c') && gov_lower_is(c1, 'r') && gov_lower_is(c3, 't') &&
		p >= 2 && gov_aws_secret_at(s, n, p - 2))
		return GOV_DETECT_AWS_KEY;
	return GOV_DETECT_NONE;
}

/*
 * The scan position by position with gov_trigger_at(): the whole scan
 * where no vector loop is compiled, the reference the tests compare the
 * vector loops with otherwise.
 */
GovDetector
gov_detect_secret_scalar(const char *s, size_t len)
{
	size_t		resume = 0;
	GovDetector d;

	if (s == NULL)
		return GOV_DETECT_NONE;
	for (size_t p = 0; p < len; p++)
	{
		if (p < resume || !gov_trigger_at(s, len, p))
			continue;
		d = gov_candidate(s, len, p, &resume);
		if (d != GOV_DETECT_NONE)
			return d;
	}
	return GOV_DETECT_NONE;
}

#if defined(__SSE2__)
#define GOV_SCAN_NAME gov_scan_sse2
#define GOV_SCAN_ATTR
#define GOV_SCAN_WIDTH 16
#define GOV_V __m128i
#define GOV_LOAD(p) _mm_loadu_si128((const __m128i *) (p))
#define GOV_SET1(c) _mm_set1_epi8((char) (c))
#define GOV_EQ(a, b) _mm_cmpeq_epi8((a), (b))
#define GOV_AND(a, b) _mm_and_si128((a), (b))
#define GOV_OR(a, b) _mm_or_si128((a), (b))
#define GOV_ADD(a, b) _mm_add_epi8((a), (b))
#define GOV_LT(a, b) _mm_cmplt_epi8((a), (b))
#define GOV_MOVEMASK(v) _mm_movemask_epi8(v)
#include "detect_scan.h"
#endif

#if defined(GOV_HAVE_AVX2_SCAN)
#define GOV_SCAN_NAME gov_scan_avx2
#define GOV_SCAN_ATTR __attribute__((target("avx2")))
#define GOV_SCAN_WIDTH 32
#define GOV_V __m256i
#define GOV_LOAD(p) _mm256_loadu_si256((const __m256i *) (p))
#define GOV_SET1(c) _mm256_set1_epi8((char) (c))
#define GOV_EQ(a, b) _mm256_cmpeq_epi8((a), (b))
#define GOV_AND(a, b) _mm256_and_si256((a), (b))
#define GOV_OR(a, b) _mm256_or_si256((a), (b))
#define GOV_ADD(a, b) _mm256_add_epi8((a), (b))
#define GOV_LT(a, b) _mm256_cmpgt_epi8((b), (a))
#define GOV_MOVEMASK(v) _mm256_movemask_epi8(v)
#include "detect_scan.h"

/*
 * Does the CPU run AVX2, with the OS saving its registers?  Asked once
 * (CPUID and XGETBV, as PostgreSQL asks before using SSE 4.2 for
 * CRC-32C); two backends' threads racing at first use only ask twice.
 */
static bool
gov_have_avx2(void)
{
	static int	known = -1;
	unsigned int a,
				b,
				c,
				d;

	if (known >= 0)
		return known == 1;
	known = 0;
	if (__get_cpuid(1, &a, &b, &c, &d) && (c & bit_OSXSAVE) &&
		__get_cpuid_count(7, 0, &a, &b, &c, &d) && (b & bit_AVX2))
	{
		unsigned int lo,
					hi;

		__asm__ __volatile__("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
		if ((lo & 0x6) == 0x6)	/* the OS saves XMM and YMM state */
			known = 1;
	}
	return known == 1;
}
#endif

/*
 * The output scan (see common_detect.h): the widest vector loop the CPU
 * runs, which runs a full check at every trigger at or after the resume
 * point.
 */
GovDetector
governance_detect_secret(const char *s, size_t len)
{
	size_t		resume = 0;

	if (s == NULL)
		return GOV_DETECT_NONE;
#if defined(GOV_HAVE_AVX2_SCAN)
	if (len >= 64 && gov_have_avx2())
		return gov_scan_avx2(s, len, &resume);
#endif
#if defined(__SSE2__)
	return gov_scan_sse2(s, len, &resume);
#else
	return gov_detect_secret_scalar(s, len);
#endif
}
