/*-------------------------------------------------------------------------
 *
 * detect_secret.c
 *	  The output scan's search for secrets anywhere in a text:
 *	  governance_detect_secret().
 *
 * Plain C, no server headers.  The scan runs over every text value a
 * masked identity receives, so it is built as a pre-filter and checks.
 *
 * The pre-filter looks, at each position p, for an anchor: one of a few
 * pairs of bytes s[p], s[p + 1] that every secret it knows holds at a
 * known distance from its start and ordinary text rarely does, or the
 * four digits a card number begins with.  gov_trigger_at() is the exact
 * rule: the anchor and the few bytes around it its secret needs.  The
 * vector loop (detect_scan.h; SSSE3 or AVX2, the widest the CPU runs,
 * decided once; a CPU without SSSE3 gets the scalar scan) classifies
 * each byte by table lookups on its nibbles, as a first byte and as a
 * second: fourteen buckets of pairs and the digits, a superset of the
 * anchors, 16 or 32 positions at a time; each pair it lets through gets
 * the exact test, the digits the card rule on masks, and each trigger
 * the full checks (gov_candidate()).  Its cost per byte does not grow with the
 * number of anchors, only its false passes do, which is why the pairs
 * are chosen rare in prose, code and JSON.  Every full check reads a
 * bounded number of bytes (detect_keys.c, detect_pem.c), except two
 * whose reading is not bounded, and these read each byte a fixed number
 * of times: a JWT check starts only where a run of base64url starts and
 * reads at most five runs (an encrypted token has five), so a byte is
 * read by at most five of them; a card check reads a run of digit groups
 * and moves the scan's resume point past it (nothing a check looks for
 * can begin inside such a run, so nothing is missed).  The scan is
 * therefore linear in the text whatever it holds, and costs the
 * pre-filter alone on text that holds no anchor.
 *
 * The anchors, at p, p + 1, and what the trigger further needs ('.' is
 * any byte; a secret "at p - k" begins k bytes before the anchor):
 *	"BE" after '-', ';', 'd' or 'D'	"BEGIN" after a dash, raw or
 *				escaped ("\u002d", "&#45;", "&#x2d;", "%2D", "\x2d"): a
 *				PEM private key whose "BEGIN" is at p;
 *	"LS" before "0t"	base64 of "---": a PEM private key in base64 at p;
 *	"y[AI-L]" after 'e', "ew" before [ko0]	base64url of '{' then a
 *				blank or a quote: a JWT at p - 1, at p;
 *	"I[CAH]", "[CD][SQX]", "C[ign]"	base64url of blanks then '{': a JWT
 *				whose JSON begins with blanks, at p.  (The rule: a JWT is
 *				found by its structure, three runs of base64url whose
 *				first decodes to a JSON object, five for an encrypted
 *				one; the first two or three characters of base64url of
 *				a JSON object after any blanks are one of these, so no
 *				spelling of its first bytes escapes the pre-filter.)
 *	"tK", "sK" before "ey"	"AccountKey", "SharedAccessKey": an Azure key
 *				after p + 4;
 *	"a2" in "ya29."	a GCP OAuth token at p - 1;
 *	"Iz"		"AIza": a GCP API key at p - 1;
 *	"g="		"sig=": an Azure shared access signature at p - 2;
 *	"[pousr]_" in "gh._", "t_" in "github_pat_"	GitHub tokens at p - 2,
 *				p - 9;
 *	"[tr]-" in "glpat-", "gldt-" and their siblings, "GR" in "GR13":
 *				GitLab tokens at p - 3, p - 4 or p - 5, at p;
 *	"k_", "k-" after 's' or 'r'	"sk_live_", "rk_live_", "sk-": Stripe
 *				and OpenAI style keys at p - 1;
 *	"xo" in "xox.-", "p-" in "xapp-"	Slack tokens at p, p - 3;
 *	"c_" in "whsec_", "m_" in "npm_", "SG" in "SG."	Stripe webhook
 *				secrets, npm and SendGrid keys at p - 4, p - 2, p;
 *	"k." in "k.c"	"hooks.slack.com": a Slack webhook URL;
 *	"cr" in "cr.t", in any case	"secret": an AWS secret key after its
 *				name, "secret" at p - 2;
 *	"A[KSRIGN]" before 'A', "ia" in "akia", "asia"	AKIA, ASIA, AROA, ...
 *				and akia, asia in lower case: an AWS access key id at p,
 *				at p - 2;
 *	four digits	ASCII or fullwidth (EF BC 90-99), in any mix, followed
 *				by nine more (a bare run), or by one to three of blank,
 *				tab, '-', '.', '/' and four digits, or by up to two of
 *				them and '_' or a byte that begins an escape or a UTF-8
 *				sequence ('\', '%', '&', >= 0x80: a Unicode space, dash
 *				or invisible character): the start of a card number at
 *				p (EF BC is the anchor of a fullwidth digit, and of a
 *				digit before one).
 * Anchors are made of letters and digits, which no encoder a client
 * decodes ever escapes, and of the '-', '_', '.' or '=' a vendor's prefix
 * or a URL's parameter holds literally (the checks read those literally
 * too); the checks read what follows through those decodings
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

/*
 * The length of the digit at s[p]: 1 for an ASCII digit, 3 for a
 * fullwidth one (U+FF10-U+FF19, EF BC 90-99), 0 if there is none.  A
 * card may mix the two (gov_card_run() reads either), so its rule counts
 * digits, not bytes.
 */
static inline size_t
gov_digit_len(const char *s, size_t n, size_t p)
{
	unsigned char c = gov_at(s, n, p, 0),
				c2;

	if (gov_isdigit(c))
		return 1;
	if (c != 0xEF || gov_at(s, n, p, 1) != 0xBC)
		return 0;
	c2 = gov_at(s, n, p, 2);
	return c2 >= 0x90 && c2 <= 0x99 ? 3 : 0;
}

/* Are there k digits of either width from s[p] on?  *end past them. */
static inline bool
gov_digits(const char *s, size_t n, size_t p, int k, size_t *end)
{
	for (int i = 0; i < k; i++)
	{
		size_t		len = gov_digit_len(s, n, p);

		if (len == 0)
			return false;
		p += len;
	}
	*end = p;
	return true;
}

/*
 * What may follow a card's digit group, by ASCII byte: one that may stand
 * between the groups (GOV_CARD_SEP: a blank, a tab, '-', '.', '/'), or
 * one that begins another separator (GOV_CARD_OTHER: '_', '\\', '%',
 * '&'; so do the bytes >= 0x80 of Unicode spaces, dashes and invisible
 * characters), which the pre-filter takes as a trigger by itself after
 * four digits.
 */
#define GOV_CARD_SEP	1
#define GOV_CARD_OTHER	2
static const uint8_t gov_card_follow[128] = {
	[' '] = GOV_CARD_SEP, ['\t'] = GOV_CARD_SEP, ['-'] = GOV_CARD_SEP,
	['.'] = GOV_CARD_SEP, ['/'] = GOV_CARD_SEP,
	['_'] = GOV_CARD_OTHER, ['\\'] = GOV_CARD_OTHER, ['%'] = GOV_CARD_OTHER,
	['&'] = GOV_CARD_OTHER,
};

static inline uint8_t
gov_card_follower(unsigned char c)
{
	return c >= 0x80 ? GOV_CARD_OTHER : gov_card_follow[c];
}

/* The byte at s[p - k], NUL before the start. */
static inline unsigned char
gov_before(const char *s, size_t p, size_t k)
{
	return p >= k ? (unsigned char) s[p - k] : 0;
}

/* Do the k bytes before s[p] spell lit? */
static inline bool
gov_preceded_by(const char *s, size_t p, const char *lit, size_t k)
{
	return p >= k && memcmp(s + p - k, lit, k) == 0;
}

/*
 * Is (a, b) an anchor (see the file header)?  The first test of
 * gov_trigger_at() for all but the digits; the vector loop's buckets let
 * every such pair through (gov_buckets; the unit tests try all 65,536
 * pairs).
 */
bool
gov_anchor_pair(unsigned char a, unsigned char b)
{
	switch (a)
	{
		case 'A':
			return b == 'K' || b == 'S' || b == 'R' || b == 'I' || b == 'G' || b == 'N';
		case 'B':
			return b == 'E';
		case 'C':
			return b == 'S' || b == 'Q' || b == 'X' || b == 'i' || b == 'g' ||
				b == 'n' || b == 'r' || b == 'R';
		case 'D':
			return b == 'S' || b == 'Q' || b == 'X';
		case 'G':
			return b == 'R';
		case 'I':
			return b == 'C' || b == 'A' || b == 'H' || b == 'z';
		case 'L':
			return b == 'S';
		case 'S':
			return b == 'G';
		case 'y':
			return b == 'A' || (b >= 'I' && b <= 'L');
		case 'a':
			return b == '2';
		case 'c':
			return b == 'r' || b == 'R' || b == '_';
		case 'e':
			return b == 'w';
		case 'g':
			return b == '=';
		case 'i':
			return b == 'a';
		case 'k':
			return b == '.' || b == '_' || b == '-';
		case 'x':
			return b == 'o';
		case 'm':
		case 'o':
		case 'u':
			return b == '_';
		case 'p':
		case 'r':
		case 't':
			return b == '_' || b == '-' || (a == 't' && b == 'K');
		case 's':
			return b == '_' || b == 'K';
		case 0xEF:
			return b == 0xBC;
		default:
			return false;
	}
}

/*
 * The vendor tokens whose prefix ends at the anchor s[p] c1, c1 being
 * '_' or '-': the starts of those that can (at most one in practice; a
 * GitLab prefix is tried at each length), into start[]; their number.
 */
static int
gov_prefix_starts(const char *s, size_t p, unsigned char c0, unsigned char c1,
				  size_t start[3])
{
	unsigned char b1 = gov_before(s, p, 1);
	int			m = 0;

	if (c0 == 'k' && (b1 == 's' || b1 == 'r'))
		start[m++] = p - 1;		/* sk_live_, rk_live_, sk- */
	else if (c1 == '_')
	{
		if (c0 == 'c' && gov_preceded_by(s, p, "whse", 4))
			start[m++] = p - 4;
		else if (c0 == 'm' && gov_preceded_by(s, p, "np", 2))
			start[m++] = p - 2;
		else if (c0 == 't' && gov_preceded_by(s, p, "github_pa", 9))
			start[m++] = p - 9;
		else if (c0 != 'c' && c0 != 'm' && gov_preceded_by(s, p, "gh", 2))
			start[m++] = p - 2; /* ghp_, gho_, ghu_, ghs_, ghr_ */
	}
	else if (c0 == 'p' && gov_preceded_by(s, p, "xap", 3))
		start[m++] = p - 3;		/* xapp- */
	else if (c0 == 't' || c0 == 'r')
	{
		for (size_t k = 3; k <= 5; k++)
			if (gov_before(s, p, k) == 'g' && gov_before(s, p, k - 1) == 'l')
				start[m++] = p - k; /* glpat-, gldt-, glsoat- ... */
	}
	return m;
}

/* The first bytes of a JWT's base64url at p (see the file header). */
static inline bool
gov_jwt_anchor(unsigned char c0, unsigned char c1, unsigned char c2)
{
	return (c0 == 'e' && c1 == 'w' && (c2 == 'k' || c2 == 'o' || c2 == '0')) ||
		(c0 == 'I' && (c1 == 'C' || c1 == 'A' || c1 == 'H')) ||
		((c0 == 'C' || c0 == 'D') && (c1 == 'S' || c1 == 'Q' || c1 == 'X')) ||
		(c0 == 'C' && (c1 == 'i' || c1 == 'g' || c1 == 'n'));
}

/*
 * The digit-group rule's second half, after four digits that end at e
 * and no digit at e: one to three of blank, tab, '-', '.', '/' and four
 * digits, or up to two of them and a byte that begins another separator
 * (file header).
 */
static inline bool
gov_card_after(const char *s, size_t n, size_t e)
{
	size_t		end;

	for (size_t k = 0; k <= 2; k++)
	{
		uint8_t		f = gov_card_follower(gov_at(s, n, e, k));

		if (f != GOV_CARD_SEP)
			return f == GOV_CARD_OTHER;
		if (gov_digits(s, n, e + k + 1, 4, &end))
			return true;
	}
	return false;
}

/*
 * The digit-group rule at p (file header): four digits of either width,
 * then nine more (a bare run) or what gov_card_after() takes.
 */
static bool
gov_card_start(const char *s, size_t n, size_t p)
{
	size_t		e,
				end;

	if (!gov_digits(s, n, p, 4, &e))
		return false;
	if (gov_digit_len(s, n, e) != 0)
		return gov_digits(s, n, e, 9, &end);
	return gov_card_after(s, n, e);
}

/*
 * The pre-filter's rule at position p: is there a trigger (see the file
 * header)?  Bytes past the end count as NUL, bytes before the start too.
 * The vector loop (detect_scan.h) calls this at each position its
 * buckets or its digit masks let through; this scalar form is also the
 * reference the tests compare the vector loops with.
 */
static bool
gov_trigger_at(const char *s, size_t n, size_t p)
{
	unsigned char c0 = gov_at(s, n, p, 0),
				c1 = gov_at(s, n, p, 1),
				c2 = gov_at(s, n, p, 2),
				c3 = gov_at(s, n, p, 3),
				b1 = gov_before(s, p, 1);
	size_t		start[3];

	if (gov_digit_len(s, n, p) != 0)
		return gov_card_start(s, n, p);
	if (!gov_anchor_pair(c0, c1))
		return false;
	if (gov_jwt_anchor(c0, c1, c2))
		return true;
	switch (c0)
	{
		case 'B':
			return b1 == '-' || b1 == ';' || b1 == 'd' || b1 == 'D';
		case 'S':
			return c2 == '.';	/* SG. */
		case 'L':
			return c2 == '0' && c3 == 't';	/* LS0t */
		case 'y':
			return b1 == 'e';
		case 'I':
			return p >= 1;		/* Iz */
		case 'G':
			return c2 == '1' && c3 == '3';
		case 'A':
			return c3 == 'A';
		case 'i':
			return gov_before(s, p, 2) == 'a' && (b1 == 'k' || b1 == 's');
		case 'g':
			return p >= 2;
		case 'a':
			if (c1 == '2')
				return b1 == 'y';
			break;
		case 'k':
			if (c1 == '.')
				return c2 == 'c';
			break;
		case 'x':
			return c2 == 'x' && gov_at(s, n, p, 4) == '-';	/* xox.- */
		case 't':
		case 's':
			if (c1 == 'K')
				return c2 == 'e' && c3 == 'y';
			break;
		default:
			break;
	}
	if (c1 == 'r' || c1 == 'R')
		return p >= 2 && gov_lower_is(c3, 't');	/* [cC][rR]: "secret" */
	if (c1 == '_' || c1 == '-')
		return gov_prefix_starts(s, p, c0, c1, start) > 0;
	return false;
}

#if defined(GOV_HAVE_VECTOR_SCAN)

/*
 * The vector pre-filter's byte classes (detect_scan.h): each byte is
 * looked up as the first byte of a pair (tables "first") and as the
 * second (tables "second"), in two sets of tables, each lookup two
 * 16-byte tables, one per nibble, ANDed, so that a bit's class is the
 * bytes {low nibble in L, high nibble in H}.  The bits are buckets (but
 * bit 7 of the first set): a position passes when one bucket's bit is
 * set for its byte as a first byte and for the next byte as a second.
 * Each bucket is listed by the first and second bytes of its anchors; it
 * lets through the pairs of their nibble closures, a superset that
 * gov_pair_is_anchor() and gov_trigger_at() then decide.  The buckets
 * are chosen so that the closures hold few pairs of prose, code or JSON:
 * a pair common in English (ca, ea, er, in, o.) in a closure costs a
 * false pass at every occurrence, so the anchors made of lower case
 * letters have a bucket each.  An anchor added to a bucket costs nothing
 * per byte, only its closure's false passes.
 */
#define GOV_NBUCKETS	15
static const char *const gov_buckets[GOV_NBUCKETS][2] = {
	/* the first set, bits 0-6 */
	/* upper case pairs: BE, LS, SG, I[CAH], [CD][SQX], GR, A[KSRIGN], CR */
	{"ABCDGILS", "EGCAHSQXRKIN"},
	/* xapp-, GitLab's gl..[tr]- */
	{"ptr", "-"},
	/* C[ign], Iz, Cr */
	{"CI", "ignzr"},
	{"e", "w"},
	{"g", "="},
	{"c", "r"},
	{"x", "o"},					/* xox.- */
	/* the second set, bits 0-7 */
	{"i", "a"},
	{"k", ".-"},				/* hooks.slack.com, sk- */
	/* fullwidth digits, and a digit before one (a card may mix widths) */
	{"\xEF" "0123456789", "\xBC\xEF"},
	{"a", "2"},					/* ya29. */
	{"y", "AIJKL"},
	{"ts", "K"},
	{"c", "R"},
	/* gh[pousr]_, github_pat_, [sr]k_, whsec_, npm_ */
	{"pousrtkcm", "_"},
};

/*
 * Bit 7 of both lookups of the first set is a digit, exactly: a movemask
 * of the first lookup is the block's digits, and the AND of the two has
 * bit 7 where two digits follow each other, the only place a card can
 * begin.
 */
#define GOV_K_DIGIT		0x80
#define GOV_K_BUCKETS	0x7F


typedef struct GovScanTables
{
	uint8_t		first_lo[2][16];
	uint8_t		first_hi[2][16];
	uint8_t		second_lo[2][16];
	uint8_t		second_hi[2][16];
} GovScanTables;

static GovScanTables gov_scan_tables;

/*
 * gov_anchor_pair() as a bit table, built with the vector tables: the
 * exact test of a pair a bucket let through, a few instructions where
 * the function's switch costs a call.
 */
static uint8_t gov_anchor_bits[256][32];

static inline bool
gov_pair_is_anchor(unsigned char a, unsigned char b)
{
	return (gov_anchor_bits[a][b >> 3] >> (b & 7)) & 1;
}

/* The tables from gov_buckets and the digits' bit. */
static void
gov_scan_build(GovScanTables *tb)
{
	memset(tb, 0, sizeof(*tb));
	for (int b = 0; b < GOV_NBUCKETS; b++)
	{
		int			set = b < 7 ? 0 : 1;
		uint8_t		bit = (uint8_t) (1u << (b < 7 ? b : b - 7));

		for (const unsigned char *c = (const unsigned char *) gov_buckets[b][0]; *c; c++)
		{
			tb->first_lo[set][*c & 15] |= bit;
			tb->first_hi[set][*c >> 4] |= bit;
		}
		for (const unsigned char *c = (const unsigned char *) gov_buckets[b][1]; *c; c++)
		{
			tb->second_lo[set][*c & 15] |= bit;
			tb->second_hi[set][*c >> 4] |= bit;
		}
	}
	for (int d = 0; d <= 9; d++)
	{
		tb->first_lo[0][d] |= GOV_K_DIGIT;
		tb->second_lo[0][d] |= GOV_K_DIGIT;
	}
	tb->first_hi[0][3] |= GOV_K_DIGIT;
	tb->second_hi[0][3] |= GOV_K_DIGIT;
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
				c3 = gov_at(s, n, p, 3),
				b1 = gov_before(s, p, 1);
	size_t		start[3],
				len;
	int			m;

	if (gov_digit_len(s, n, p) != 0)
		return gov_card_run(s, n, p, resume) ? GOV_DETECT_CARD : GOV_DETECT_NONE;

	/*
	 * A JWT's header: the anchor is the first characters of base64url of
	 * a JSON object, after optional blanks.  No resume past a failed
	 * header: a run of base64url can hold "-----BEGIN" or
	 * "_secret_access_key", whose checks must still run.
	 */
	if (gov_jwt_anchor(c0, c1, c2) && gov_boundary_before(s, p, true) &&
		gov_jwt_at(s + p, n - p, &len))
		return GOV_DETECT_JWT;
	if (c0 == 'y' && b1 == 'e' && gov_anchor_pair(c0, c1) &&
		gov_boundary_before(s, p - 1, true) && gov_jwt_at(s + p - 1, n - p + 1, &len))
		return GOV_DETECT_JWT;

	switch (c0)
	{
		case 'B':
			if (c1 == 'E' && (b1 == '-' || b1 == ';' || b1 == 'd' || b1 == 'D') &&
				gov_pem_private_at(s, n, p))
				return GOV_DETECT_PRIVATE_KEY;
			break;
		case 'S':
			if (c1 == 'G' && gov_known_token_at(s, n, p))
				return GOV_DETECT_TOKEN;
			break;
		case 'L':
			if (c1 == 'S' && gov_pem_base64_at(s, n, p))
				return GOV_DETECT_PRIVATE_KEY;
			break;
		case 'I':
			if (c1 == 'z' && p >= 1 && gov_gcp_api_key_at(s, n, p - 1))
				return GOV_DETECT_GCP_KEY;
			break;
		case 'a':
			if (c1 == '2' && b1 == 'y' && gov_gcp_oauth_at(s, n, p - 1))
				return GOV_DETECT_GCP_KEY;
			break;
		case 't':
		case 's':
			if (c1 == 'K' && gov_azure_key_at(s, n, p))
				return GOV_DETECT_AZURE_KEY;
			break;
		case 'g':
			if (c1 == '=' && p >= 2 && gov_azure_sas_at(s, n, p - 2))
				return GOV_DETECT_AZURE_KEY;
			break;
		case 'k':
			if (c1 == '.' && gov_slack_webhook_at(s, n, p))
				return GOV_DETECT_TOKEN;
			break;
		case 'x':
			if (c1 == 'o' && gov_known_token_at(s, n, p))
				return GOV_DETECT_TOKEN;
			break;
		case 'G':
			if (c1 == 'R' && gov_known_token_at(s, n, p))
				return GOV_DETECT_TOKEN;
			break;
		case 'A':
			if (gov_anchor_pair(c0, c1) && gov_aws_key_id_at(s, n, p))
				return GOV_DETECT_AWS_KEY;
			break;
		case 'i':
			if (c1 == 'a' && p >= 2 && gov_aws_key_id_at(s, n, p - 2))
				return GOV_DETECT_AWS_KEY;
			break;
		default:
			break;
	}
	if ((c0 == 'c' || c0 == 'C') && (c1 == 'r' || c1 == 'R') && gov_lower_is(c3, 't') &&
		p >= 2 && gov_aws_secret_at(s, n, p - 2))
		return GOV_DETECT_AWS_KEY;
	if ((c1 == '_' || c1 == '-') && gov_anchor_pair(c0, c1))
	{
		m = gov_prefix_starts(s, p, c0, c1, start);
		for (int k = 0; k < m; k++)
			if (gov_known_token_at(s, n, start[k]))
				return GOV_DETECT_TOKEN;
	}
	return GOV_DETECT_NONE;
}

/*
 * Does the pre-filter let the pair (a, b) through?  For the unit tests,
 * which check it against gov_anchor_pair() for every pair.  The scalar
 * scan lets every pair through.
 */
bool
gov_scan_pair_passes(unsigned char a, unsigned char b)
{
#if defined(GOV_HAVE_VECTOR_SCAN)
	GovScanTables tb;

	gov_scan_build(&tb);
	return (tb.first_lo[0][a & 15] & tb.first_hi[0][a >> 4] &
			tb.second_lo[0][b & 15] & tb.second_hi[0][b >> 4] & GOV_K_BUCKETS) != 0 ||
		(tb.first_lo[1][a & 15] & tb.first_hi[1][a >> 4] &
		 tb.second_lo[1][b & 15] & tb.second_hi[1][b >> 4]) != 0;
#else
	(void) a;
	(void) b;
	return true;
#endif
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
/*
 * Copy n bytes, 1 <= n <= 32, by moves of fixed sizes that may overlap:
 * the last block of every text is copied, and a call to memcpy would cost
 * as much as the scan of a short text.
 */
static inline void
gov_copy_short(char *dst, const char *src, size_t n)
{
	if (n >= 16)
	{
		memcpy(dst, src, 16);
		memcpy(dst + n - 16, src + n - 16, 16);
	}
	else if (n >= 8)
	{
		memcpy(dst, src, 8);
		memcpy(dst + n - 8, src + n - 8, 8);
	}
	else if (n >= 4)
	{
		memcpy(dst, src, 4);
		memcpy(dst + n - 4, src + n - 4, 4);
	}
	else if (n > 0)
	{
		dst[0] = src[0];
		dst[n / 2] = src[n / 2];
		dst[n - 1] = src[n - 1];
	}
}

/*
 * The positions of the block at from that may hold a trigger (todo; bit
 * i for from + i), in order, those at or after the resume point: each
 * gets gov_trigger_at() (the vector loop's card positions are the rule's
 * but where a fullwidth digit is near, then every digit is handed on),
 * and each trigger gov_candidate().  Returns the first detector that fires.
 */
static GovDetector
gov_scan_positions(const char *s, size_t n, size_t from, uint64_t todo,
				   size_t *resume)
{
	while (todo != 0)
	{
		size_t		at = from + (size_t) __builtin_ctzll(todo);
		GovDetector det;

		todo &= todo - 1;
		if (at >= n)
			break;
		if (at < *resume || !gov_trigger_at(s, n, at))
			continue;
		det = gov_candidate(s, n, at, resume);
		if (det != GOV_DETECT_NONE)
			return det;
	}
	return GOV_DETECT_NONE;
}

#define GOV_SCAN_NAME gov_scan_ssse3
#define GOV_SCAN_ATTR __attribute__((target("ssse3")))
#define GOV_SCAN_WIDTH 16
#define GOV_V __m128i
#define GOV_LOAD(p) _mm_loadu_si128((const __m128i *) (p))
#define GOV_STORE(p, v) _mm_storeu_si128((__m128i *) (p), (v))
#define GOV_TABLE(t) _mm_loadu_si128((const __m128i *) (t))
#define GOV_SET1(c) _mm_set1_epi8((char) (c))
#define GOV_AND(a, b) _mm_and_si128((a), (b))
#define GOV_OR(a, b) _mm_or_si128((a), (b))
#define GOV_SRL4(v) _mm_srli_epi16((v), 4)
#define GOV_EQ(a, b) _mm_cmpeq_epi8((a), (b))
#define GOV_GT(a, b) _mm_cmpgt_epi8((a), (b))
#define GOV_SHUFFLE(t, i) _mm_shuffle_epi8((t), (i))
#define GOV_MOVEMASK(v) _mm_movemask_epi8(v)
#define GOV_NONZERO(a, b) \
	(_mm_movemask_epi8(_mm_cmpeq_epi8(_mm_and_si128((a), (b)), _mm_setzero_si128())) != 0xFFFF)
#define GOV_ZERO_MASK(v) _mm_movemask_epi8(_mm_cmpeq_epi8((v), _mm_setzero_si128()))
#include "detect_scan.h"

#define GOV_SCAN_NAME gov_scan_avx2
#define GOV_SCAN_ATTR __attribute__((target("avx2")))
#define GOV_SCAN_WIDTH 32
#define GOV_V __m256i
#define GOV_LOAD(p) _mm256_loadu_si256((const __m256i *) (p))
#define GOV_STORE(p, v) _mm256_storeu_si256((__m256i *) (p), (v))
#define GOV_TABLE(t) _mm256_broadcastsi128_si256(_mm_loadu_si128((const __m128i *) (t)))
#define GOV_SET1(c) _mm256_set1_epi8((char) (c))
#define GOV_AND(a, b) _mm256_and_si256((a), (b))
#define GOV_OR(a, b) _mm256_or_si256((a), (b))
#define GOV_SRL4(v) _mm256_srli_epi16((v), 4)
#define GOV_EQ(a, b) _mm256_cmpeq_epi8((a), (b))
#define GOV_GT(a, b) _mm256_cmpgt_epi8((a), (b))
#define GOV_SHUFFLE(t, i) _mm256_shuffle_epi8((t), (i))
#define GOV_MOVEMASK(v) _mm256_movemask_epi8(v)
#define GOV_NONZERO(a, b) (!_mm256_testz_si256((a), (b)))
#define GOV_ZERO_MASK(v) _mm256_movemask_epi8(_mm256_cmpeq_epi8((v), _mm256_setzero_si256()))
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
	gov_scan_build(&tables);
	memcpy(&gov_scan_tables, &tables, sizeof(tables));
	for (int a = 0; a < 256; a++)
		for (int b = 0; b < 256; b++)
			if (gov_anchor_pair((unsigned char) a, (unsigned char) b))
				gov_anchor_bits[a][b >> 3] |= (uint8_t) (1u << (b & 7));
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
	if (s == NULL)
		return GOV_DETECT_NONE;
#if defined(GOV_HAVE_VECTOR_SCAN)
	switch (gov_scan_setup())
	{
		case GOV_SCAN_AVX2:
			return gov_scan_avx2(s, len);
		case GOV_SCAN_SSSE3:
			return gov_scan_ssse3(s, len);
		default:
			break;
	}
#endif
	return gov_detect_secret_scalar(s, len);
}
