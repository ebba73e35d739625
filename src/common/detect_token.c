/*-------------------------------------------------------------------------
 *
 * detect_token.c
 *	  Whole-value detectors of password hashes and of opaque high-entropy
 *	  tokens (API keys, session ids, secrets without a known prefix).
 *
 * Plain C, no server headers.  Used by discovery on sampled values only:
 * a token without a prefix cannot be told from an id or a digest inside
 * running text, so the output scan does not look for them.  Each
 * function reads only inside [s, s + n) and allocates nothing.
 *
 * src/common/detect_token.c
 *
 *-------------------------------------------------------------------------
 */
#include <math.h>
#include <string.h>

#include "detect_internal.h"

/* Is every byte of s[0..n) in classes or in extra? */
static bool
gov_all_in(const char *s, size_t n, uint8_t classes, const char *extra)
{
	for (size_t i = 0; i < n; i++)
	{
		unsigned char c = (unsigned char) s[i];

		if (!gov_cc(c, classes) && (c == '\0' || strchr(extra, c) == NULL))
			return false;
	}
	return true;
}

/* The length of the run at s of bytes in classes or extra. */
static size_t
gov_span(const char *s, size_t n, uint8_t classes, const char *extra)
{
	size_t		i = 0;

	while (i < n && (gov_cc((unsigned char) s[i], classes) ||
					 (s[i] != '\0' && strchr(extra, s[i]) != NULL)))
		i++;
	return i;
}

/*
 * crypt(3)'s "$id$[rounds=N$]salt$hash" for MD5 ($1$, 22 bytes of hash),
 * SHA-256 ($5$, 43) and SHA-512 ($6$, 86): salt 1-16 bytes and hash in
 * the alphabet [./0-9A-Za-z].
 */
static bool
gov_is_crypt(const char *s, size_t n)
{
	size_t		j = 3,
				salt,
				want;

	if (n < 4 || s[0] != '$' || s[2] != '$')
		return false;
	switch (s[1])
	{
		case '1':
			want = 22;
			break;
		case '5':
			want = 43;
			break;
		case '6':
			want = 86;
			break;
		default:
			return false;
	}
	if (s[1] != '1' && GOV_PREFIX(s + j, n - j, "rounds="))
	{
		j += 7;
		j += gov_span(s + j, n - j, GOV_CC_DIGIT, "");
		if (j >= n || s[j] != '$')
			return false;
		j++;
	}
	salt = gov_span(s + j, n - j, GOV_CC_ALNUM, "./");
	if (salt == 0 || salt > 16 || j + salt >= n || s[j + salt] != '$')
		return false;
	j += salt + 1;
	return n - j == want && gov_all_in(s + j, want, GOV_CC_ALNUM, "./");
}

/*
 * Password hashes, whole value:
 *	bcrypt: "$2a$", "$2b$" or "$2y$", a cost of two digits 04-31, '$',
 *	  then 53 bytes of [./A-Za-z0-9] (22 of salt, 31 of hash);
 *	argon2: "$argon2i$", "$argon2d$" or "$argon2id$" then at least two
 *	  more '$'-separated fields (parameters, salt, hash) of
 *	  [A-Za-z0-9+/=,.-];
 *	PostgreSQL SCRAM: "SCRAM-SHA-256$" iterations ':' salt '$' stored
 *	  key ':' server key, the last three base64;
 *	PostgreSQL MD5: "md5" and 32 lower-case hex digits;
 *	crypt(3): see gov_is_crypt();
 *	Django: "pbkdf2_sha256$" or "pbkdf2_sha1$", iterations, '$', salt,
 *	  '$', base64 hash.
 */
bool
gov_is_password_hash(const char *s, size_t n)
{
	if (n < 20)
		return false;
	if (s[0] == '$')
	{
		if (n == 60 && s[1] == '2' && (s[2] == 'a' || s[2] == 'b' || s[2] == 'y') &&
			s[3] == '$' && gov_isdigit((unsigned char) s[4]) &&
			gov_isdigit((unsigned char) s[5]) && s[6] == '$')
		{
			int			cost = (s[4] - '0') * 10 + (s[5] - '0');

			return cost >= 4 && cost <= 31 &&
				gov_all_in(s + 7, 53, GOV_CC_ALNUM, "./");
		}
		if (GOV_PREFIX(s, n, "$argon2"))
		{
			size_t		j = 7,
						fields = 0;

			if (GOV_PREFIX(s + j, n - j, "id$"))
				j += 3;
			else if (GOV_PREFIX(s + j, n - j, "i$") || GOV_PREFIX(s + j, n - j, "d$"))
				j += 2;
			else
				return false;
			while (j < n)
			{
				size_t		f = gov_span(s + j, n - j, GOV_CC_ALNUM, "+/=,.-");

				if (f == 0)
					return false;
				fields++;
				j += f;
				if (j < n && s[j++] != '$')
					return false;
			}
			return fields >= 3 || (fields >= 2 && s[n - 1] != '$');
		}
		return gov_is_crypt(s, n);
	}
	if (GOV_PREFIX(s, n, "SCRAM-SHA-256$"))
	{
		size_t		j = 14,
					k;

		k = gov_span(s + j, n - j, GOV_CC_DIGIT, "");
		if (k == 0 || j + k >= n || s[j + k] != ':')
			return false;
		j += k + 1;
		k = gov_span(s + j, n - j, GOV_CC_ALNUM, "+/=");
		if (k == 0 || j + k >= n || s[j + k] != '$')
			return false;
		j += k + 1;
		k = gov_span(s + j, n - j, GOV_CC_ALNUM, "+/=");
		if (k == 0 || j + k >= n || s[j + k] != ':')
			return false;
		j += k + 1;
		return j < n && gov_all_in(s + j, n - j, GOV_CC_ALNUM, "+/=");
	}
	if (n == 35 && GOV_PREFIX(s, n, "md5"))
		return gov_all_in(s + 3, 32, GOV_CC_DIGIT, "abcdef");
	if (GOV_PREFIX(s, n, "pbkdf2_sha256$") || GOV_PREFIX(s, n, "pbkdf2_sha1$"))
	{
		size_t		j = (s[10] == '2') ? 14 : 12,
					k;

		k = gov_span(s + j, n - j, GOV_CC_DIGIT, "");
		if (k == 0 || j + k >= n || s[j + k] != '$')
			return false;
		j += k + 1;
		k = gov_span(s + j, n - j, GOV_CC_ALNUM, "./+");
		if (k == 0 || j + k >= n || s[j + k] != '$')
			return false;
		j += k + 1;
		return n - j >= 20 && gov_all_in(s + j, n - j, GOV_CC_ALNUM, "+/=");
	}
	return false;
}

/*
 * Is s[0..n) a UUID: 8-4-4-4-12 hex digits, or 32 bare hex digits whose
 * version (the 13th) is 1-8 and variant (the 17th) 8, 9, a or b, as
 * RFC 4122 writes them?  (A random 32-digit key has that shape one time
 * in eight, and is then taken for a UUID.)
 */
static bool
gov_is_uuid(const char *s, size_t n)
{
	if (n == 32)
	{
		for (size_t i = 0; i < 32; i++)
			if (!gov_cc((unsigned char) s[i], GOV_CC_HEX))
				return false;
		return s[12] >= '1' && s[12] <= '8' &&
			strchr("89abAB", s[16]) != NULL;
	}
	if (n == 36)
	{
		for (size_t i = 0; i < 36; i++)
		{
			if (i == 8 || i == 13 || i == 18 || i == 23)
			{
				if (s[i] != '-')
					return false;
			}
			else if (!gov_cc((unsigned char) s[i], GOV_CC_HEX))
				return false;
		}
		return true;
	}
	return false;
}

/* Does s[0..n) begin like a date, YYYY-MM-DD or YYYYMMDDT? */
static bool
gov_is_date_like(const char *s, size_t n)
{
	static const char dashed[] = "dddd-dd-dd";
	size_t		i;

	if (n < 9)
		return false;
	for (i = 0; i < 10 && i < n; i++)
		if (dashed[i] == 'd' ? !gov_isdigit((unsigned char) s[i]) : s[i] != '-')
			break;
	if (i == 10)
		return true;
	for (i = 0; i < 8; i++)
		if (!gov_isdigit((unsigned char) s[i]))
			return false;
	return s[8] == 'T';
}

/*
 * A path, URL or compound of words: split on / . - _ : @ ? = & + ~ and
 * each piece is all letters or all digits, or at most four bytes ("v2",
 * "x86", "h264").  Random tokens mix classes inside long pieces;
 * "/usr/local/lib/x86" and "customer-profile-settings-v2" do not.
 */
static bool
gov_is_words(const char *s, size_t n)
{
	uint8_t		piece = 0;
	size_t		piece_len = 0;

	for (size_t i = 0; i <= n; i++)
	{
		unsigned char c = i < n ? (unsigned char) s[i] : '/';

		if (strchr("/.-_:@?=&+~", c) != NULL && c != '\0')
		{
			if ((piece & GOV_CC_ALPHA) && (piece & GOV_CC_DIGIT) &&
				piece_len > 4)
				return false;
			piece = 0;
			piece_len = 0;
			continue;
		}
		piece_len++;
		piece |= gov_detect_class[c] & GOV_CC_ALNUM;
		if (!gov_cc(c, GOV_CC_ALNUM))
			piece |= GOV_CC_ALPHA | GOV_CC_DIGIT;	/* other symbol: mixed */
	}
	return true;
}

/*
 * How much of s[0..n) is made of words: letters in runs that read like
 * a word (a camelCase piece of 5+ letters whose vowels are between a
 * fifth and two thirds of it), as a fraction of n.  Random base62 rarely
 * has a same-case run that long and never several.
 */
static double
gov_word_fraction(const char *s, size_t n)
{
	size_t		covered = 0,
				i = 0;

	while (i < n)
	{
		size_t		start = i,
					vowels = 0,
					len;

		if (!gov_cc((unsigned char) s[i], GOV_CC_ALPHA))
		{
			i++;
			continue;
		}
		/* one upper-case letter then lower case, or all upper case */
		if (gov_cc((unsigned char) s[i], GOV_CC_UPPER))
			i++;
		if (i < n && gov_cc((unsigned char) s[i], GOV_CC_LOWER))
			while (i < n && gov_cc((unsigned char) s[i], GOV_CC_LOWER))
				i++;
		else
			while (i < n && gov_cc((unsigned char) s[i], GOV_CC_UPPER))
				i++;
		len = i - start;
		for (size_t k = start; k < i; k++)
			if (strchr("aeiouyAEIOUY", s[k]) != NULL)
				vowels++;
		if (len >= 5 && vowels * 5 >= len && vowels * 3 <= len * 2)
			covered += len;
	}
	return (double) covered / (double) n;
}

/*
 * An opaque token, whole value:
 *	- 20 to 4096 bytes of printable ASCII without blanks;
 *	- not a UUID, not starting like a date, not a URL ("://"), not JSON
 *	  or markup (a first byte of { [ < or a quote), not a path or
 *	  compound of words (gov_is_words), less than half words
 *	  (gov_word_fraction);
 *	- either three or more of the classes upper case, lower case,
 *	  digits, symbols, or 32 or more hex digits (a digest or a key);
 *	- Shannon entropy per byte of at least 0.8 * log2(min(n, A)), A being
 *	  the size of the alphabet the value draws from: 16 for hex,
 *	  otherwise 26 for each case of letters present, 10 for digits and
 *	  the number of distinct symbols.  The empirical entropy of n random
 *	  draws from an alphabet of A symbols is close to log2(min(n, A))
 *	  (about 4.0 bits for 20 base62 bytes against a bound of 4.32, 3.7
 *	  for 32 hex digits against 4, 5.0 for 64 base36 bytes against
 *	  5.17), while anything made by a person repeats its bytes and falls
 *	  well below 80% of it ("Password123!" style values, repeated or
 *	  sequential digits).
 */
bool
gov_is_token(const char *s, size_t n)
{
	unsigned	counts[128];
	uint8_t		seen = 0;
	int			classes = 0;
	bool		hex = true;
	double		h = 0.0,
				alphabet,
				bound;

	if (n < 20 || n > 4096 || s[0] == '{' || s[0] == '[' || s[0] == '<' ||
		s[0] == '"' || s[0] == '\'' || gov_find(s, n, "://", 3) != NULL)
		return false;
	memset(counts, 0, sizeof(counts));
	for (size_t i = 0; i < n; i++)
	{
		unsigned char c = (unsigned char) s[i];

		if (c <= ' ' || c >= 127)
			return false;
		counts[c]++;
		if (gov_cc(c, GOV_CC_ALNUM))
			seen |= gov_detect_class[c] & GOV_CC_ALNUM;
		else
			seen |= GOV_CC_B64;	/* "a symbol" */
		if (!gov_cc(c, GOV_CC_HEX))
			hex = false;
	}
	classes = ((seen & GOV_CC_UPPER) != 0) + ((seen & GOV_CC_LOWER) != 0) +
		((seen & GOV_CC_DIGIT) != 0) + ((seen & GOV_CC_B64) != 0);
	if (!(classes >= 3 || (hex && n >= 32)))
		return false;
	if (gov_is_uuid(s, n) || gov_is_date_like(s, n) || gov_is_words(s, n) ||
		gov_word_fraction(s, n) >= 0.5)
		return false;

	for (int c = 0; c < 128; c++)
	{
		if (counts[c] > 0)
		{
			double		p = (double) counts[c] / (double) n;

			h -= p * log2(p);
		}
	}
	if (hex)
		alphabet = 16.0;
	else
	{
		alphabet = 0.0;
		if (seen & GOV_CC_UPPER)
			alphabet += 26.0;
		if (seen & GOV_CC_LOWER)
			alphabet += 26.0;
		if (seen & GOV_CC_DIGIT)
			alphabet += 10.0;
		for (int c = 33; c < 127; c++)
			if (counts[c] > 0 && !gov_cc((unsigned char) c, GOV_CC_ALNUM))
				alphabet += 1.0;
	}
	bound = 0.8 * log2((double) n < alphabet ? (double) n : alphabet);
	return h >= bound;
}
