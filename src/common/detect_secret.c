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
 * time with SSSE3 or AVX2 (detect_scan.h; the widest the CPU runs,
 * decided once; a CPU without SSSE3 gets the scalar scan).  The vector
 * loop classifies each byte by table lookups on its two nibbles: the
 * card rule exactly, the letter triggers through sixteen buckets that
 * let through a few more positions than the rule, each of which then
 * gets gov_trigger_at(); its cost does not grow with the number of
 * letter triggers.  Only at a trigger does a full check run
 * (gov_candidate()).  Every full check reads a bounded number of bytes
 * (detect_keys.c, detect_pem.c), except two whose reading is not
 * bounded, and these read each byte a fixed number of times: a JWT
 * check starts only where a run of base64url starts and reads at most
 * five runs (an encrypted token has five), so a byte is read by at most
 * five of them; a card check reads a run of digit groups and moves the
 * scan's resume point past it (nothing a check looks for can begin
 * inside such a run, so nothing is missed).  The scan is therefore
 * linear in the text whatever it holds, and costs the pre-filter alone
 * on text that holds no trigger.
 *
 * The triggers (p is the position the pre-filter reports):
 *	"-BE", ";BE", "dBE", "DBE"	"BEGIN" after a dash, raw or escaped
 *				("\u002d", "&#45;", "&#x2d;", "%2D", "\x2d"): a PEM private
 *				key whose "BEGIN" is at p + 1;
 *	"LS0t"		base64 of "---": a PEM private key in base64 at p;
 *	"ey[AI-L]", "ew[ko0]"	base64url of '{' then a blank or a quote: a
 *				JWT at p;
 *	"I[CAH]", "[CD][SQX]", "C[ign]"	base64url of blanks then '{': a JWT
 *				whose JSON begins with blanks, at p.  (The rule: a JWT is
 *				found by its structure, three runs of base64url whose
 *				first decodes to a JSON object, five for an encrypted
 *				one; the first two or three characters of base64url of
 *				a JSON object after any blanks are one of these, so no
 *				spelling of its first bytes escapes the pre-filter.)
 *	"tKey", "sKey"	"AccountKey", "SharedAccessKey": an Azure key after
 *				p + 4;
 *	"y.2"		"ya29.": a GCP OAuth token at p;
 *	"Iz"		"AIza": a GCP API key at p - 1;
 *	"g="		"sig=": an Azure shared access signature at p - 2;
 *	"g.._"		"ghp_" and its siblings at p; "p.._" "github_pat_" at p - 7;
 *	"gl[cdfprs]", "GR13"	"glpat-", "gldt-", "glrt-" ..., "GR1348941":
 *				GitLab tokens at p;
 *	"sk_", "rk_", "sk-", "rk-": Stripe and OpenAI style keys at p;
 *	"x...-"		"xoxb-", "xoxe-", "xapp-" and their siblings: Slack
 *				tokens at p;
 *	"wh.e", "np._", "SG."	"whsec_", "npm_", "SG.": Stripe webhook
 *				secrets, npm and SendGrid keys at p;
 *	"k.c"		"hooks.slack.com": a Slack webhook URL;
 *	"cr.t"		"secret" in any case: an AWS secret key after its name;
 *	"A..A", "ak.a", "as.a"	AKIA, ASIA, AROA, ... and akia, asia in
 *				lower case: an AWS access key id at p;
 *	"dddd"		four digits followed by more digits (a bare run: digits
 *				at 4-12), or by one to three of blank, tab, '-', '.', '/'
 *				and four digits, or by up to two of them and '_' or a
 *				byte that begins an escape or a UTF-8 sequence ('\', '%',
 *				'&', >= 0x80: a Unicode space, dash or invisible
 *				character): the start of a card number;
 *	four fullwidth digits (EF BC 90-99 four times): the same.
 * ('.' stands for any byte.)  Triggers are made of letters and digits
 * (and the byte before "BEGIN"), which no encoder a client decodes ever
 * escapes; the checks read what follows through those decodings
 * (detect_decode.c).  A letter escaped for no reason ("\u0041KIA...",
 * "&#65;KIA...") is a transformation, as reverse() is, and is not looked
 * for; the dashes of a PEM header, which some encoders do escape, are.
 * SSNs, phone numbers and e-mail addresses are not secrets for this
 * scan.
 *
 * src/common/detect_secret.c
 *
 *-------------------------------------------------------------------------
 */
#include <string.h>

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <cpuid.h>
#include <immintrin.h>
#define GOV_HAVE_VECTOR_SCAN 1
#endif

#include "detect_internal.h"

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

/* Are s[p..p+4) four digits (bytes past the end being NUL)? */
static inline bool
gov_digits4(const char *s, size_t n, size_t p)
{
	for (size_t k = 0; k < 4; k++)
		if (!gov_isdigit(gov_at(s, n, p, k)))
			return false;
	return true;
}

/*
 * Are s[p..p+12) four fullwidth digits (U+FF10-U+FF19, EF BC 90-99)?
 */
static inline bool
gov_fullwidth_digits4(const char *s, size_t n, size_t p)
{
	for (size_t k = 0; k < 12; k += 3)
	{
		unsigned char c = gov_at(s, n, p, k + 2);

		if (gov_at(s, n, p, k) != 0xEF || gov_at(s, n, p, k + 1) != 0xBC ||
			c < 0x90 || c > 0x99)
			return false;
	}
	return true;
}

/*
 * An ASCII byte that may stand between the digit groups of a card: a
 * blank, a tab, '-', '.', '/'.  (Other separators -- '_', Unicode spaces,
 * dashes and invisible characters, escapes -- begin with '_', a byte >=
 * 0x80, '\\', '%' or '&', which the pre-filter takes as a trigger by
 * itself after four digits.)
 */
static inline bool
gov_card_sep_byte(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '-' || c == '.' || c == '/';
}

/*
 * The pre-filter's rule at position p: is there a trigger (see the file
 * header)?  Bytes past the end count as NUL.  The vector loop
 * (detect_scan.h) computes the card rule exactly for a block of
 * positions and calls this at each position a letter bucket lets through
 * (gov_bucket_a, gov_bucket_b: a letter trigger added here must be added
 * to a bucket too); this scalar form is also the reference the tests
 * compare the vector loops with.
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
		if (!gov_digits4(s, n, p))
			return false;
		if (gov_isdigit(c4))
			return gov_digits4(s, n, p + 4) && gov_digits4(s, n, p + 8) &&
				gov_isdigit(gov_at(s, n, p, 12));
		for (size_t k = 4; k <= 6; k++)
		{
			unsigned char c = gov_at(s, n, p, k);

			if (c == '\\' || c == '%' || c == '&' || c == '_' || c >= 0x80)
				return true;
			if (!gov_card_sep_byte(c))
				return false;
			if (gov_digits4(s, n, p + k + 1))
				return true;
		}
		return false;
	}
	return (c1 == 'B' && c2 == 'E' &&
			(c0 == '-' || c0 == ';' || c0 == 'd' || c0 == 'D')) ||
		(c0 == 'e' && ((c1 == 'y' && ((c2 >= 'I' && c2 <= 'L') || c2 == 'A')) ||
					   (c1 == 'w' && (c2 == 'k' || c2 == 'o' || c2 == '0')))) ||
		(c0 == 'I' && (c1 == 'C' || c1 == 'A' || c1 == 'H')) ||
		((c0 == 'C' || c0 == 'D') && (c1 == 'S' || c1 == 'Q' || c1 == 'X')) ||
		(c0 == 'C' && (c1 == 'i' || c1 == 'g' || c1 == 'n')) ||
		(c0 == 'L' && c1 == 'S' && c2 == '0' && c3 == 't') ||
		((c0 == 't' || c0 == 's') && c1 == 'K' && c2 == 'e' && c3 == 'y') ||
		(c0 == 'y' && c2 == '2') ||
		(c0 == 'I' && c1 == 'z') ||
		(c0 == 'G' && c1 == 'R' && c2 == '1' && c3 == '3') ||
		(c0 == 'g' && (c1 == '=' || c3 == '_')) ||
		(c0 == 'g' && c1 == 'l' && (c2 == 'c' || c2 == 'd' || c2 == 'f' ||
									c2 == 'p' || c2 == 'r' || c2 == 's')) ||
		(c0 == 'p' && c3 == '_') ||
		((c0 == 's' || c0 == 'r') && c1 == 'k' && (c2 == '_' || c2 == '-')) ||
		(c0 == 'x' && c4 == '-') ||
		(c0 == 'A' && c3 == 'A') ||
		(c0 == 'a' && c3 == 'a' && (c1 == 'k' || c1 == 's')) ||
		(c0 == 'k' && c1 == '.' && c2 == 'c') ||
		(c0 == 'w' && c1 == 'h' && c3 == 'e') ||
		(c0 == 'n' && c1 == 'p' && c3 == '_') ||
		(c0 == 'S' && c1 == 'G' && c2 == '.') ||
		(c0 == 0xEF && gov_fullwidth_digits4(s, n, p)) ||
		(gov_lower_is(c0, 'c') && gov_lower_is(c1, 'r') && gov_lower_is(c3, 't'));
}

#if defined(GOV_HAVE_VECTOR_SCAN)

/*
 * The vector pre-filter's byte classes (detect_scan.h), each a set of
 * bytes {low nibble in L, high nibble in H}, looked up in two 16-byte
 * tables, one per nibble.
 *
 * The card classes are exact: the bit's bytes are the class.  A digit is
 * the top bit, so that a movemask gives the digits.
 */
#define GOV_K_DIGIT		0x80	/* 0-9 */
#define GOV_K_SEP		0x40	/* blank - . / */
#define GOV_K_TAB		0x20	/* tab */
#define GOV_K_ESCAPE	0x1c	/* \ _ (0x10), % & (0x08), >= 0x80 (0x04) */

/*
 * The letter buckets: every letter trigger of gov_trigger_at() is in one
 * bucket, whose bytes at each offset include the trigger's (NULL: any
 * byte; "": no byte, a bucket not used).  A bucket lets through the
 * bytes whose low nibble is one of its bytes' and whose high nibble is
 * one of its bytes', a superset; gov_trigger_at() decides.  Set A looks
 * at p, p + 1 and p + 2, set B at p, p + 1 and p + 3.  Buckets are
 * chosen so that ordinary text rarely passes: a trigger added to a
 * bucket costs nothing per byte, only its false passes.
 */
static const char *const gov_bucket_a[8][3] = {
	{"-;dDS", "BG", "E."},		/* "[-;dD]BE"; "SG." */
	{"e", "yw", "AIJKLko0"},	/* "ey[AI-L]", "ew[ko0]" */
	{"ICDG", "CAHSQXzR", NULL},	/* "I[CAH]", "Iz", "[CD][SQX]", "GR" */
	{"C", "ign", NULL},			/* "C[ign]" */
	{"Lst", "SK", "0e"},		/* "LS0"; "[st]Ke" */
	{"y", NULL, "2"},			/* "y.2" */
	{"sr", "k", "_-"},			/* "[sr]k[_-]" */
	{"kg", ".l", "cdfprs"},		/* "k.c"; "gl[cdfprs]" */
};
static const char *const gov_bucket_b[8][3] = {
	{"gpn", NULL, "_"},			/* "g.._", "p.._", "np._" */
	{"g", "=", NULL},			/* "g=" */
	{"x", NULL, NULL},			/* "x...-": see GOV_BUCKET_X */
	{"A", NULL, "A"},			/* "A..A" */
	{"a", "k", "a"},			/* "ak.a" */
	{"a", "s", "a"},			/* "as.a" */
	{"w\xEF", "h\xBC", "e\xEF"},	/* "wh.e"; fullwidth digits */
	{"cC", "rR", "tT"},			/* "cr.t" in any case */
};

/*
 * The bucket of set B whose trigger ends at p + 4, which no set looks
 * at: its positions pass only with a card separator byte at p + 4 (a
 * superset of '-'), from the card masks.
 */
#define GOV_BUCKET_X	0x04

typedef struct GovScanTables
{
	uint8_t		card_lo[16];
	uint8_t		card_hi[16];
	uint8_t		a_lo[3][16];	/* set A, offsets 0, 1, 2 */
	uint8_t		a_hi[3][16];
	uint8_t		b_lo[3][16];	/* set B, offsets 0, 1, 3 */
	uint8_t		b_hi[3][16];
} GovScanTables;

static GovScanTables gov_scan_tables = {
	/* by low nibble: digits 0-9, blank 0, tab 9, % & 5 6, \ c, - . / d-f, */
	/* _ f, >= 0x80 all */
	.card_lo = {0xC4, 0x84, 0x84, 0x84, 0x84, 0x8C, 0x8C, 0x84,
	0x84, 0xA4, 0x04, 0x04, 0x14, 0x44, 0x44, 0x54},
	/* by high nibble: tab 0, blank - . / % & 2, digits 3, \ _ 5, >= 0x80 8-f */
	.card_hi = {0x20, 0x00, 0x48, 0x80, 0x00, 0x10, 0x00, 0x00,
	0x04, 0x04, 0x04, 0x04, 0x04, 0x04, 0x04, 0x04},
};

/* One set of bucket tables from its list (see above). */
static void
gov_bucket_tables(const char *const spec[8][3], uint8_t lo[3][16], uint8_t hi[3][16])
{
	memset(lo, 0, 3 * 16);
	memset(hi, 0, 3 * 16);
	for (int b = 0; b < 8; b++)
		for (int k = 0; k < 3; k++)
		{
			uint8_t		bit = (uint8_t) (1u << b);

			if (spec[b][k] == NULL)
				for (int n = 0; n < 16; n++)
				{
					lo[k][n] |= bit;
					hi[k][n] |= bit;
				}
			else
				for (const unsigned char *c = (const unsigned char *) spec[b][k]; *c; c++)
				{
					lo[k][*c & 15] |= bit;
					hi[k][*c >> 4] |= bit;
				}
		}
}
#endif							/* GOV_HAVE_VECTOR_SCAN */

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
				c3 = gov_at(s, n, p, 3);
	size_t		len;

	if (gov_isdigit(c0) || (c0 == 0xEF && gov_fullwidth_digits4(s, n, p)))
		return gov_card_run(s, n, p, resume) ? GOV_DETECT_CARD : GOV_DETECT_NONE;
	if (c1 == 'B' && c2 == 'E' &&
		(c0 == '-' || c0 == ';' || c0 == 'd' || c0 == 'D') &&
		gov_pem_private_at(s, n, p + 1))
		return GOV_DETECT_PRIVATE_KEY;

	switch (c0)
	{
		case 'e':
		case 'I':
		case 'C':
		case 'D':

			/*
			 * A JWT's header: the pre-filter saw the first characters of
			 * base64url of a JSON object, after optional blanks.  No
			 * resume past a failed header: a run of base64url can hold
			 * "-----BEGIN" or "_secret_access_key", whose checks must
			 * still run.
			 */
			if (!(c0 == 'I' && c1 == 'z') && !(c0 == 'D' && c1 == 'B') &&
				gov_boundary_before(s, p, true) &&
				gov_jwt_at(s + p, n - p, &len))
				return GOV_DETECT_JWT;
			if (c0 == 'I' && c1 == 'z' && p >= 1 && gov_gcp_api_key_at(s, n, p - 1))
				return GOV_DETECT_GCP_KEY;
			break;
		case 'L':
			if (gov_pem_base64_at(s, n, p))
				return GOV_DETECT_PRIVATE_KEY;
			break;
		case 't':
			if (gov_azure_key_at(s, n, p))
				return GOV_DETECT_AZURE_KEY;
			break;
		case 'y':
			if (c2 == '2' && gov_gcp_oauth_at(s, n, p))
				return GOV_DETECT_GCP_KEY;
			break;
		case 'g':
			if (c1 == '=' && p >= 2 && gov_azure_sas_at(s, n, p - 2))
				return GOV_DETECT_AZURE_KEY;
			if ((c3 == '_' || c1 == 'l') && gov_known_token_at(s, n, p))
				return GOV_DETECT_TOKEN;
			break;
		case 'p':
			if (c3 == '_' && p >= 7 && gov_known_token_at(s, n, p - 7))
				return GOV_DETECT_TOKEN;
			break;
		case 's':
		case 'r':
			if (c1 == 'k' && (c2 == '_' || c2 == '-') &&
				gov_known_token_at(s, n, p))
				return GOV_DETECT_TOKEN;
			if (c0 == 's' && c1 == 'K' && gov_azure_key_at(s, n, p))
				return GOV_DETECT_AZURE_KEY;
			break;
		case 'x':
		case 'w':
		case 'n':
		case 'S':
		case 'G':
			if (gov_known_token_at(s, n, p))
				return GOV_DETECT_TOKEN;
			break;
		case 'k':
			if (c1 == '.' && gov_slack_webhook_at(s, n, p))
				return GOV_DETECT_TOKEN;
			break;
		case 'A':
		case 'a':
			if (gov_aws_key_id_at(s, n, p))
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
 * where no vector loop is compiled or the CPU runs none, the reference
 * the tests compare the vector loops with otherwise.
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

#if defined(GOV_HAVE_VECTOR_SCAN)
#define GOV_SCAN_NAME gov_scan_ssse3
#define GOV_SCAN_ATTR __attribute__((target("ssse3")))
#define GOV_SCAN_WIDTH 16
#define GOV_V __m128i
#define GOV_LOAD(p) _mm_loadu_si128((const __m128i *) (p))
#define GOV_TABLE(t) _mm_loadu_si128((const __m128i *) (t))
#define GOV_SET1(c) _mm_set1_epi8((char) (c))
#define GOV_EQ(a, b) _mm_cmpeq_epi8((a), (b))
#define GOV_GT(a, b) _mm_cmpgt_epi8((a), (b))
#define GOV_AND(a, b) _mm_and_si128((a), (b))
#define GOV_OR(a, b) _mm_or_si128((a), (b))
#define GOV_SRL4(v) _mm_srli_epi16((v), 4)
#define GOV_SHIFTZ(v, k) _mm_alignr_epi8(_mm_setzero_si128(), (v), (k))
#define GOV_SHUFFLE(t, i) _mm_shuffle_epi8((t), (i))
#define GOV_MOVEMASK(v) _mm_movemask_epi8(v)
#include "detect_scan.h"

#define GOV_SCAN_NAME gov_scan_avx2
#define GOV_SCAN_ATTR __attribute__((target("avx2")))
#define GOV_SCAN_WIDTH 32
#define GOV_V __m256i
#define GOV_LOAD(p) _mm256_loadu_si256((const __m256i *) (p))
#define GOV_TABLE(t) _mm256_broadcastsi128_si256(_mm_loadu_si128((const __m128i *) (t)))
#define GOV_SET1(c) _mm256_set1_epi8((char) (c))
#define GOV_EQ(a, b) _mm256_cmpeq_epi8((a), (b))
#define GOV_GT(a, b) _mm256_cmpgt_epi8((a), (b))
#define GOV_AND(a, b) _mm256_and_si256((a), (b))
#define GOV_OR(a, b) _mm256_or_si256((a), (b))
#define GOV_SRL4(v) _mm256_srli_epi16((v), 4)
#define GOV_SHIFTZ(v, k) _mm256_alignr_epi8(_mm256_permute2x128_si256((v), (v), 0x81), (v), (k))
#define GOV_SHUFFLE(t, i) _mm256_shuffle_epi8((t), (i))
#define GOV_MOVEMASK(v) _mm256_movemask_epi8(v)
#include "detect_scan.h"

/* What the CPU runs: unknown (-1), neither loop, SSSE3, AVX2 as well. */
#define GOV_SCAN_NONE	0
#define GOV_SCAN_SSSE3	1
#define GOV_SCAN_AVX2	2
static int	gov_scan_level = -1;

/*
 * The widest vector loop the CPU runs, AVX2 only with the OS saving its
 * registers (CPUID and XGETBV, as PostgreSQL asks before using SSE 4.2
 * for CRC-32C), and the bucket tables built: once.  The tables are built
 * aside and copied in, so two threads racing at first use only write
 * the same bytes; the level is published after them.
 */
static int
gov_scan_setup(void)
{
	int			level = __atomic_load_n(&gov_scan_level, __ATOMIC_ACQUIRE);
	GovScanTables tables;
	unsigned int a,
				b,
				c,
				d;

	if (level >= 0)
		return level;
	tables = gov_scan_tables;
	gov_bucket_tables(gov_bucket_a, tables.a_lo, tables.a_hi);
	gov_bucket_tables(gov_bucket_b, tables.b_lo, tables.b_hi);
	memcpy(&gov_scan_tables, &tables, sizeof(tables));
	level = GOV_SCAN_NONE;
	if (__get_cpuid(1, &a, &b, &c, &d) && (c & bit_SSSE3))
	{
		level = GOV_SCAN_SSSE3;
		if ((c & bit_OSXSAVE) &&
			__get_cpuid_count(7, 0, &a, &b, &c, &d) && (b & bit_AVX2))
		{
			unsigned int lo,
						hi;

			__asm__ __volatile__("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
			if ((lo & 0x6) == 0x6)	/* the OS saves XMM and YMM state */
				level = GOV_SCAN_AVX2;
		}
	}
	__atomic_store_n(&gov_scan_level, level, __ATOMIC_RELEASE);
	return level;
}
#endif							/* GOV_HAVE_VECTOR_SCAN */

/*
 * The output scan (see common_detect.h): the widest vector loop the CPU
 * runs, which runs a full check at every trigger at or after the resume
 * point.
 */
GovDetector
governance_detect_secret(const char *s, size_t len)
{
#if defined(GOV_HAVE_VECTOR_SCAN)
	size_t		resume = 0;
#endif

	if (s == NULL)
		return GOV_DETECT_NONE;
#if defined(GOV_HAVE_VECTOR_SCAN)
	switch (gov_scan_setup())
	{
		case GOV_SCAN_AVX2:
			if (len >= 64)
				return gov_scan_avx2(s, len, &resume);
			/* FALLTHROUGH */
		case GOV_SCAN_SSSE3:
			return gov_scan_ssse3(s, len, &resume);
		default:
			break;
	}
#endif
	return gov_detect_secret_scalar(s, len);
}
