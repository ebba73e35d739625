/*-------------------------------------------------------------------------
 *
 * detect_values.c
 *	  Whole-value detectors of personal data: e-mail addresses, phone
 *	  numbers, US social security numbers, payment card numbers, IBANs.
 *
 * Plain C, no server headers.  Each gov_is_*() takes a value already
 * trimmed of surrounding blanks and says whether the whole value has the
 * shape its comment states; each reads only inside [s, s + n), allocates
 * nothing and runs in time linear in n.  The rules are written to be
 * narrow: discovery proposes a label from them, so a false positive
 * costs an administrator's attention, and most columns hold ids, dates,
 * amounts and words that must stay quiet.  IP addresses are in
 * detect_net.c.
 *
 * src/common/detect_values.c
 *
 *-------------------------------------------------------------------------
 */
#include <string.h>

#include "detect_internal.h"

/*
 * E-mail: local@domain, at most 254 bytes, exactly one '@'.
 *
 * The local part is 1-64 bytes of letters, digits, the RFC 5322 atom
 * specials !#$%&'*+/=?^_`{|}~- and dots, not beginning or ending with a
 * dot and without two dots in a row (quoted local parts are not
 * accepted: nobody stores them).  The domain is two or more labels
 * separated by dots, each 1-63 bytes of letters, digits and hyphens (or
 * bytes >= 0x80, internationalised names) not beginning or ending with a
 * hyphen; the last label, the TLD, is two or more ASCII letters or an
 * "xn--" punycode label.  No blanks anywhere.
 */
bool
gov_is_email(const char *s, size_t n)
{
	const char *at;
	size_t		local,
				i,
				label_start,
				labels = 0;
	bool		tld_alpha;

	if (n < 6 || n > 254)
		return false;
	at = memchr(s, '@', n);
	if (at == NULL)
		return false;
	local = (size_t) (at - s);
	if (local == 0 || local > 64 || s[0] == '.' || s[local - 1] == '.')
		return false;
	for (i = 0; i < local; i++)
	{
		unsigned char c = (unsigned char) s[i];

		if (gov_isalnum(c) || c >= 0x80)
			continue;
		if (c == '.')
		{
			if (s[i + 1] == '.')
				return false;
			continue;
		}
		if (strchr("!#$%&'*+/=?^_`{|}~-", c) == NULL || c == '\0')
			return false;
	}

	/* The domain: labels, the last one the TLD. */
	label_start = local + 1;
	for (i = label_start;; i++)
	{
		if (i == n || s[i] == '.')
		{
			size_t		llen = i - label_start;

			if (llen == 0 || llen > 63 || s[label_start] == '-' ||
				s[i - 1] == '-')
				return false;
			labels++;
			if (i == n)
				break;
			label_start = i + 1;
			continue;
		}
		if (!gov_isalnum((unsigned char) s[i]) && s[i] != '-' &&
			(unsigned char) s[i] < 0x80)
			return false;
	}
	if (labels < 2)
		return false;

	/* label_start is the TLD's first byte */
	tld_alpha = n - label_start >= 2;
	for (i = label_start; i < n && tld_alpha; i++)
		if (!gov_cc((unsigned char) s[i], GOV_CC_ALPHA))
			tld_alpha = false;
	if (!tld_alpha && !(n - label_start > 4 &&
						gov_has_prefix_ci(s + label_start, n - label_start,
										  "xn--")))
		return false;
	return true;
}

/*
 * Phone numbers: E.164 and the common national forms.
 *
 * The value is digits with, between them, separators: a single space,
 * dash or dot, and at most one pair of parentheses around a group of 1-5
 * digits (an area code, "(555) 123-4567", "+44 (0)20 ...").  A leading
 * '+' (international form) is followed by a country code not beginning
 * with 0 and 8-15 digits in all, with or without separators.  Without '+'
 * (national form) there are 9-12 digits and at least one separator: a
 * bare run of digits is an id or an amount, not a phone.  Dots are used
 * alone (never mixed with dashes), and groups of three after the first
 * separated by dots are an amount ("1.234.567.890"); date shapes (4-2-2,
 * 2-2-4, and a first group that reads as a year before a group of two),
 * the SSN shape (3-2-4) and a ZIP+4 code (5-4) are refused, and when
 * there are separators no group is longer than 8 digits.
 */
bool
gov_is_phone(const char *s, size_t n)
{
	enum
	{
		P_START, P_DIGIT, P_SEP, P_OPEN, P_CLOSE
	}			prev = P_START;
	size_t		i = 0,
				digits = 0,
				ngroups = 0,
				group = 0,
				in_paren_digits = 0;
	int			groups[16];
	bool		plus = false,
				paren_seen = false,
				in_paren = false,
				dash = false,
				dot = false;

	if (n < 9 || n > 32)
		return false;
	if (s[0] == '+')
	{
		plus = true;
		i = 1;
		if (s[1] < '1' || s[1] > '9')
			return false;
	}
	for (; i <= n; i++)
	{
		unsigned char c = i < n ? (unsigned char) s[i] : 0;

		if (i < n && gov_isdigit(c))
		{
			digits++;
			group++;
			if (in_paren)
				in_paren_digits++;
			prev = P_DIGIT;
			continue;
		}
		/* any other byte, or the end, closes the group under way */
		if (group > 0)
		{
			if (ngroups == 16)
				return false;
			groups[ngroups++] = (int) group;
			group = 0;
		}
		if (i == n)
			break;
		if (c == '(')
		{
			if (paren_seen || !(prev == P_START ? !plus :
								(prev == P_SEP && s[i - 1] == ' ')))
				return false;
			paren_seen = in_paren = true;
			prev = P_OPEN;
		}
		else if (c == ')')
		{
			if (!in_paren || prev != P_DIGIT || in_paren_digits > 5)
				return false;
			in_paren = false;
			prev = P_CLOSE;
		}
		else if (c == ' ' || c == '-' || c == '.')
		{
			if (in_paren || !(prev == P_DIGIT ||
							  (prev == P_CLOSE && c != '.')))
				return false;
			dash |= (c == '-');
			dot |= (c == '.');
			prev = P_SEP;
		}
		else
			return false;
	}
	if (prev != P_DIGIT || in_paren || (dash && dot))
		return false;

	if (plus ? (digits < 8 || digits > 15) :
		(digits < 9 || digits > 12 || ngroups < 2))
		return false;
	for (size_t g = 0; g < ngroups && ngroups > 1; g++)
		if (groups[g] > 8)
			return false;

	if (ngroups == 3 &&
		((groups[0] == 4 && groups[1] == 2 && groups[2] == 2) ||
		 (groups[0] == 2 && groups[1] == 2 && groups[2] == 4) ||
		 (!plus && groups[0] == 3 && groups[1] == 2 && groups[2] == 4)))
		return false;
	if (!plus && ngroups == 2 && groups[0] == 5 && groups[1] == 4)
		return false;			/* a ZIP+4 code */
	if (!plus && ngroups >= 3 && groups[0] == 4 && groups[1] == 2 &&
		(GOV_PREFIX(s, n, "19") || GOV_PREFIX(s, n, "20")))
		return false;			/* a date and time: 2024 01 15 10 30 */
	if (dot && ngroups >= 3 && groups[0] <= 3)
	{
		bool		thousands = true;

		for (size_t g = 1; g < ngroups; g++)
			if (groups[g] != 3)
				thousands = false;
		if (thousands)
			return false;
	}
	return true;
}

/*
 * A US social security number's nine digits: area (3) not 000, 666 or
 * 900-999; group (2) not 00; serial (4) not 0000.
 */
static bool
gov_ssn_digits_ok(const char *a, const char *g, const char *sn)
{
	if ((a[0] == '0' && a[1] == '0' && a[2] == '0') ||
		(a[0] == '6' && a[1] == '6' && a[2] == '6') || a[0] == '9')
		return false;
	if (g[0] == '0' && g[1] == '0')
		return false;
	if (sn[0] == '0' && sn[1] == '0' && sn[2] == '0' && sn[3] == '0')
		return false;
	return true;
}

/*
 * Nine bare digits, blanks around them ignored, in the SSN ranges (see
 * common_detect.h).
 */
bool
governance_detect_ssn_digits(const char *s, size_t len)
{
	if (s == NULL)
		return false;
	while (len > 0 && gov_cc((unsigned char) s[0], GOV_CC_BLANK))
	{
		s++;
		len--;
	}
	while (len > 0 && gov_cc((unsigned char) s[len - 1], GOV_CC_BLANK))
		len--;
	if (len != 9)
		return false;
	for (size_t i = 0; i < 9; i++)
		if (!gov_isdigit((unsigned char) s[i]))
			return false;
	return gov_ssn_digits_ok(s, s + 3, s + 5);
}

/*
 * SSN, whole value: exactly AAA-GG-SSSS with dashes and the ranges of
 * gov_ssn_digits_ok().  Nine bare digits are not accepted here: alone
 * they are as likely an id.
 */
bool
gov_is_ssn(const char *s, size_t n)
{
	static const char shape[] = "ddd-dd-dddd";

	if (n != 11)
		return false;
	for (size_t i = 0; i < 11; i++)
	{
		if (shape[i] == 'd' ? !gov_isdigit((unsigned char) s[i]) : s[i] != '-')
			return false;
	}
	return gov_ssn_digits_ok(s, s + 4, s + 7);
}

/* Do the first k digits, read as a number, lie in [lo, hi]? */
static bool
gov_iin_in(const char *d, int k, int lo, int hi)
{
	int			v = 0;

	for (int i = 0; i < k; i++)
		v = v * 10 + (d[i] - '0');
	return v >= lo && v <= hi;
}

/*
 * A card number's digits: an issuer's prefix (IIN) with a length that
 * issuer uses, and the Luhn check.
 *
 *	Visa 4 (13, 16, 19); Mastercard 51-55, 2221-2720 (16); Amex 34, 37
 *	(15); Discover 6011, 644-649, 65 (16-19); JCB 3528-3589 (16-19);
 *	Diners 300-305, 36, 38 (14-19); UnionPay 62 (16-19); Maestro 50,
 *	56-69 (13-19).
 *
 * The Luhn check: from the rightmost digit, double every second digit
 * (subtracting 9 when the double exceeds 9); the sum is a multiple of 10.
 * It catches every single-digit error, so a random 16-digit id passes
 * only one time in ten and the prefix rule removes most of the rest.
 */
bool
gov_card_number_ok(const char *d, size_t n)
{
	bool		iin = false;
	int			sum = 0;

	if (n < 13 || n > 19)
		return false;
	switch (d[0])
	{
		case '4':
			iin = (n == 13 || n == 16 || n == 19);
			break;
		case '5':
			if (gov_iin_in(d, 2, 51, 55))
				iin = (n == 16);
			else
				iin = (d[1] == '0' || d[1] >= '6');	/* Maestro */
			break;
		case '2':
			iin = gov_iin_in(d, 4, 2221, 2720) && n == 16;
			break;
		case '3':
			if (d[1] == '4' || d[1] == '7')
				iin = (n == 15);
			else if (gov_iin_in(d, 4, 3528, 3589))
				iin = (n >= 16);
			else if (gov_iin_in(d, 3, 300, 305) || d[1] == '6' || d[1] == '8')
				iin = (n >= 14);
			break;
		case '6':
			/* Discover, UnionPay and Maestro 56-69 cover every 6x */
			iin = true;
			break;
		default:
			break;
	}
	if (!iin)
		return false;

	for (size_t i = 0; i < n; i++)
	{
		int			v = d[n - 1 - i] - '0';

		if (i % 2 == 1)
		{
			v *= 2;
			if (v > 9)
				v -= 9;
		}
		sum += v;
	}
	return sum % 10 == 0;
}

/*
 * Card number, whole value: 13-19 digits, bare or in groups separated
 * by one space or one dash, the same separator throughout; the first
 * group has four digits, every group but the last four to six, the
 * last one to six (4-4-4-4, 4-6-5, 4-6-4, 4-4-4-4-3, 4-4-4-1); then
 * gov_card_number_ok().
 */
bool
gov_is_card(const char *s, size_t n)
{
	char		digits[19];
	size_t		nd = 0,
				group = 0,
				ngroups = 0;
	char		sep = 0;

	if (n < 13 || n > 19 + 6)
		return false;
	for (size_t i = 0; i <= n; i++)
	{
		if (i < n && gov_isdigit((unsigned char) s[i]))
		{
			if (nd == 19)
				return false;
			digits[nd++] = s[i];
			group++;
			continue;
		}
		if (i < n && s[i] != ' ' && s[i] != '-')
			return false;
		if (i < n && sep != 0 && s[i] != sep)
			return false;
		if (i < n)
			sep = s[i];
		/* a group ends; a single group is the bare form */
		if (ngroups == 0 && i == n)
			break;
		if (group == 0 || group > 6)
			return false;
		if (ngroups == 0 && i < n && group != 4)
			return false;
		if (ngroups > 0 && i < n && group < 4)
			return false;
		ngroups++;
		group = 0;
	}
	return gov_card_number_ok(digits, nd);
}

/* IBAN lengths by country (ISO 13616 registry). */
typedef struct GovIbanCountry
{
	char		cc[3];
	unsigned char len;
} GovIbanCountry;

static const GovIbanCountry gov_iban_countries[] = {
	{"AD", 24}, {"AE", 23}, {"AL", 28}, {"AT", 20}, {"AZ", 28},
	{"BA", 20}, {"BE", 16}, {"BG", 22}, {"BH", 22}, {"BI", 27},
	{"BR", 29}, {"BY", 28}, {"CH", 21}, {"CR", 22}, {"CY", 28},
	{"CZ", 24}, {"DE", 22}, {"DJ", 27}, {"DK", 18}, {"DO", 28},
	{"EE", 20}, {"EG", 29}, {"ES", 24}, {"FI", 18}, {"FK", 18},
	{"FO", 18}, {"FR", 27}, {"GB", 22}, {"GE", 22}, {"GI", 23},
	{"GL", 18}, {"GR", 27}, {"GT", 28}, {"HR", 21}, {"HU", 28},
	{"IE", 22}, {"IL", 23}, {"IQ", 23}, {"IS", 26}, {"IT", 27},
	{"JO", 30}, {"KW", 30}, {"KZ", 20}, {"LB", 28}, {"LC", 32},
	{"LI", 21}, {"LT", 20}, {"LU", 20}, {"LV", 21}, {"LY", 25},
	{"MC", 27}, {"MD", 24}, {"ME", 22}, {"MK", 19}, {"MN", 20},
	{"MR", 27}, {"MT", 31}, {"MU", 30}, {"NI", 28}, {"NL", 18},
	{"NO", 15}, {"OM", 23}, {"PK", 24}, {"PL", 28}, {"PS", 29},
	{"PT", 25}, {"QA", 29}, {"RO", 24}, {"RS", 22}, {"RU", 33},
	{"SA", 24}, {"SC", 31}, {"SD", 18}, {"SE", 24}, {"SI", 19},
	{"SK", 24}, {"SM", 27}, {"SO", 23}, {"ST", 25}, {"SV", 28},
	{"TL", 23}, {"TN", 24}, {"TR", 26}, {"UA", 29}, {"VA", 22},
	{"VG", 24}, {"XK", 20}, {"YE", 30},
};

/* The IBAN length of a country code, 0 for a country without IBANs. */
static int
gov_iban_length(char a, char b)
{
	for (size_t i = 0; i < sizeof(gov_iban_countries) / sizeof(gov_iban_countries[0]); i++)
		if (gov_iban_countries[i].cc[0] == a && gov_iban_countries[i].cc[1] == b)
			return gov_iban_countries[i].len;
	return 0;
}

/*
 * IBAN, whole value: a country code of two capital letters, two check
 * digits, then the BBAN of capital letters and digits, as long in all as
 * the country's entry in the registry; either compact or in groups of
 * four separated by one space (the last group 1-4).  The check: move the
 * first four characters to the end, read letters as 10..35, and the
 * number mod 97 is 1 (computed digit by digit, so no big numbers).
 */
bool
gov_is_iban(const char *s, size_t n)
{
	char		c[34];
	size_t		nc = 0;
	int			want;
	unsigned	rem = 0;
	bool		spaced;

	if (n < 15 || n > 42)
		return false;
	spaced = (n > 4 && s[4] == ' ');
	for (size_t i = 0; i < n; i++)
	{
		unsigned char ch = (unsigned char) s[i];

		if (spaced && i % 5 == 4)
		{
			if (ch != ' ' || i == n - 1)
				return false;
			continue;
		}
		if (!(gov_isdigit(ch) || (ch >= 'A' && ch <= 'Z')) || nc == 34)
			return false;
		c[nc++] = (char) ch;
	}
	if (!(c[0] >= 'A' && c[0] <= 'Z' && c[1] >= 'A' && c[1] <= 'Z' &&
		  gov_isdigit((unsigned char) c[2]) && gov_isdigit((unsigned char) c[3])))
		return false;
	want = gov_iban_length(c[0], c[1]);
	if (want == 0 || (size_t) want != nc)
		return false;
	for (size_t k = 0; k < nc; k++)
	{
		char		ch = c[(k + 4) % nc];

		if (gov_isdigit((unsigned char) ch))
			rem = (rem * 10 + (unsigned) (ch - '0')) % 97;
		else
			rem = (rem * 100 + (unsigned) (ch - 'A' + 10)) % 97;
	}
	return rem == 1;
}
