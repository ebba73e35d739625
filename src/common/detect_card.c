/*-------------------------------------------------------------------------
 *
 * detect_card.c
 *	  Payment card numbers inside a text, for governance_detect_secret().
 *
 * Plain C, no server headers.  The rule, written so that no way of
 * laying out the digits hides them: a card is 13-19 digits (an issuer's
 * prefix at one of its lengths and the Luhn check, gov_card_number_ok)
 * in groups, the first of several groups four digits, the middle ones
 * four to six, the last one to six; a digit is an ASCII digit or a
 * fullwidth one (U+FF10-U+FF19, what an East Asian input method types),
 * raw UTF-8.  Between two groups stand at most GOV_CARD_SEP_UNITS
 * separators, each a space of any kind (space, tab, no-break, figure,
 * thin, narrow no-break, ideographic ... see gov_is_space_cp), a dash
 * of any kind (hyphen-minus, the hyphens and dashes U+2010-U+2015 --
 * autocorrection's en dash --, the minus sign, the fullwidth
 * hyphen-minus: gov_is_dash_cp), a dot of any kind (full stop, middle
 * dots, bullets: gov_is_dot_cp), a slash, an underscore or an
 * invisible character (soft hyphen, zero-width space and joiners:
 * gov_is_invisible_cp), also when written as an escape a client decodes
 * (gov_unit: "\u00a0", "&nbsp;", "%C2%A0", "&#8211;"); the kinds may
 * change from one gap to the next.  A line break is not a separator:
 * digits on separate lines are separate values (a column of four-digit
 * codes is not a card one time in ten).  Whatever precedes the digits
 * does not hide them -- a word joined by a dash or an underscore
 * ("ref-4111..."), a date, a list of other numbers -- except what makes
 * them part of something else: a letter or digit right before or after
 * (an identifier or a longer number; a letter or digit that ends an
 * escape, "\u0020" or "\x20", is read as the character it stands for),
 * a decimal point between the run and other ASCII digits ("0.4111...",
 * "4111....50", a fraction or an amount), a comma after the run before
 * one to three digits that end there ("4111...,50 EUR": cents or
 * thousands; gov_card_comma_amount() says where a comma separates
 * fields instead: "42,4111...,2025", "alice,4111...,123"),
 * and a '+' before at most 15 digits (an E.164 phone number).
 *
 * The run of digit groups is read once, left to right; at each group
 * the card shapes ending there (at most five groups: 4+4+4+4+3 is 19
 * digits) are tried, so the work per group is bounded and the scan can
 * resume after the run: nothing a check looks for begins inside it.
 *
 * src/common/detect_card.c
 *
 *-------------------------------------------------------------------------
 */
#include <string.h>

#include "detect_internal.h"

/* Separator units between two groups, at most. */
#define GOV_CARD_SEP_UNITS	3
/* Groups remembered (a card has at most five). */
#define GOV_CARD_RING		8

typedef struct GovCardGroup
{
	char		digits[19];		/* its first digits, as ASCII */
	size_t		len;			/* its digits, all of them */
	bool		can_start;		/* may a card begin with this group? */
} GovCardGroup;

/*
 * The digit at s[i]: an ASCII digit (one byte) or a fullwidth one (the
 * three bytes EF BC 90-99); its value as an ASCII digit and its length
 * in *len, or 0 if none.
 */
static inline char
gov_card_digit(const char *s, size_t n, size_t i, size_t *len)
{
	unsigned char c = (unsigned char) s[i];

	if (gov_isdigit(c))
	{
		*len = 1;
		return (char) c;
	}
	if (c == 0xEF && i + 2 < n && (unsigned char) s[i + 1] == 0xBC &&
		(unsigned char) s[i + 2] >= 0x90 && (unsigned char) s[i + 2] <= 0x99)
	{
		*len = 3;
		return (char) ('0' + (unsigned char) s[i + 2] - 0x90);
	}
	return 0;
}

/*
 * Does a fullwidth letter or digit end at s[i] (U+FF10-U+FF19,
 * U+FF21-U+FF3A, U+FF41-U+FF5A)?  Joined to a run, it makes the run part
 * of a word as an ASCII one does.
 */
static bool
gov_card_fullwidth_alnum_before(const char *s, size_t i)
{
	unsigned char b1,
				b2;

	if (i < 3 || (unsigned char) s[i - 3] != 0xEF)
		return false;
	b1 = (unsigned char) s[i - 2];
	b2 = (unsigned char) s[i - 1];
	if (b1 == 0xBC)
		return (b2 >= 0x90 && b2 <= 0x99) || (b2 >= 0xA1 && b2 <= 0xBA);
	return b1 == 0xBD && b2 >= 0x81 && b2 <= 0x9A;
}

/*
 * Is p inside an escape that ends with digits ("\u00a0", "%20", "\x20"),
 * which the scan reached because the escape's last hex digits and the
 * digits after it made four in a row?  Returns the escape's end, 0 if
 * not.
 */
static size_t
gov_card_in_escape(const char *s, size_t n, size_t p)
{
	for (size_t k = 1; k <= 4 && k + 1 <= p; k++)
		if (s[p - k] == 'u' && s[p - k - 1] == '\\' && p - k + 5 <= n)
			return p - k + 5;
	for (size_t k = 1; k <= 2 && k + 1 <= p; k++)
		if (s[p - k] == 'x' && s[p - k - 1] == '\\' && p - k + 3 <= n)
			return p - k + 3;
	if (p >= 1 && s[p - 1] == '%' && p + 2 <= n)
		return p + 2;
	if (p >= 2 && s[p - 2] == '%' && gov_hexval((unsigned char) s[p - 1]) >= 0)
		return p + 1;
	return 0;
}

/*
 * Is cp a separator between a card's digit groups (see the header)?
 * ASCII first: it is what most gaps hold.
 */
static inline bool
gov_card_sep_cp(uint32_t cp)
{
	if (cp < 0x80)
		return cp == ' ' || cp == '\t' || cp == '-' || cp == '.' ||
			cp == '/' || cp == '_';
	return gov_is_space_cp(cp) || gov_is_dash_cp(cp) ||
		gov_is_dot_cp(cp) || gov_is_invisible_cp(cp) ||
	/* slashes and underscores of other widths, and what CJK text writes as a dash or a stop */
		cp == 0xFF0F || cp == 0x2215 || cp == 0x2044 || cp == 0xFF3F ||
		cp == 0x30FC || cp == 0x2500 || cp == 0x2501 || cp == 0x3002 || cp == 0xFF61;
}

/*
 * The separators after a group ending at i: up to GOV_CARD_SEP_UNITS
 * units, each a separator (gov_card_sep_cp), then a digit.  Returns the
 * offset of that digit, 0 if there is no next group; sets *decimal when
 * the separator is a single '.' (a decimal point).
 */
static size_t
gov_card_separator(const char *s, size_t n, size_t i, bool *decimal)
{
	size_t		j = i;
	int			units = 0;
	uint32_t	cp = 0;

	*decimal = false;
	while (j < n && units < GOV_CARD_SEP_UNITS)
	{
		size_t		len = gov_unit(s, n, j, &cp),
					dlen;

		if (!gov_card_sep_cp(cp))
			break;
		j += len;
		units++;
		if (j < n && gov_card_digit(s, n, j, &dlen) != 0)
		{
			/*
			 * A decimal point: one '.' after an ASCII digit, as the
			 * start of a run is judged (gov_card_run()); one after a
			 * fullwidth digit is read as a separator, a false positive
			 * at worst.
			 */
			*decimal = (units == 1 && cp == '.' && len == 1 && i >= 1 &&
						gov_isdigit((unsigned char) s[i - 1]));
			return j;
		}
	}
	return 0;
}

/*
 * Try the card shapes made of groups a..b of the ring (indices counted
 * from the run's start; b is the newest): see the file header.
 */
static bool
gov_card_range(const GovCardGroup *ring, size_t a, size_t b, bool plus)
{
	char		digits[19];
	size_t		nd = 0;

	if (!ring[a % GOV_CARD_RING].can_start)
		return false;
	for (size_t g = a; g <= b; g++)
	{
		const GovCardGroup *gr = &ring[g % GOV_CARD_RING];

		if (a < b && ((g == a && gr->len != 4) ||
					  (g > a && g < b && (gr->len < 4 || gr->len > 6)) ||
					  (g == b && gr->len > 6)))
			return false;
		if (nd + gr->len > 19)
			return false;
		memcpy(digits + nd, gr->digits, gr->len);
		nd += gr->len;
	}
	if (plus && a == 0 && nd <= 15)
		return false;			/* +CC...: an E.164 phone number */
	return gov_card_number_ok(digits, nd);
}

/*
 * Does a comma at s[i] make the digits before it an amount: followed by
 * one to three digits and then no more of a field (not a digit, letter,
 * ',', '/' or '-': "4111...,50 EUR", cents or thousands)?  A comma
 * before more digits, or before a field ("...,123,", "...,12/27"),
 * separates fields or list items (CSV, string_agg()), and so does every
 * comma after a run that itself follows a comma (field is true): a card
 * there is found.  (A point before digits is a fraction whatever their
 * number.)
 */
static bool
gov_card_comma_amount(const char *s, size_t n, size_t i, bool field)
{
	size_t		k = 0;
	unsigned char c;

	if (field || i >= n || s[i] != ',')
		return false;
	while (i + 1 + k < n && gov_isdigit((unsigned char) s[i + 1 + k]))
		k++;
	if (k < 1 || k > 3)
		return false;
	c = i + 1 + k < n ? (unsigned char) s[i + 1 + k] : 0;
	return !gov_isalnum(c) && c != ',' && c != '/' && c != '-';
}

/*
 * Card numbers in the run of digit groups at p, where the pre-filter saw
 * four digits (see the file header).  Sets *resume to the end of the
 * run, or past the escape p is inside.
 */
bool
gov_card_run(const char *s, size_t n, size_t p, size_t *resume)
{
	GovCardGroup ring[GOV_CARD_RING];
	size_t		i = p,
				ngroups = 0,
				esc,
				dlen;
	bool		plus = false,
				first_ok = true,
				field = p > 0 && s[p - 1] == ',';

	esc = gov_card_in_escape(s, n, p);
	if (esc > p)
	{
		*resume = esc;
		return false;
	}
	if (p > 0)
	{
		unsigned char c = (unsigned char) s[p - 1];

		if ((gov_isalnum(c) && !gov_boundary_before(s, p, false)) ||
			gov_card_fullwidth_alnum_before(s, p))
			first_ok = false;	/* an identifier or a longer number */
		else if (c == '.' && p >= 2 &&
				 gov_isdigit((unsigned char) s[p - 2]) &&
				 !gov_boundary_before(s, p - 1, false))
			first_ok = false;	/* a fraction (not after "\u2013") */
		plus = (c == '+');
	}

	for (;;)
	{
		GovCardGroup *g = &ring[ngroups % GOV_CARD_RING];
		size_t		next;
		bool		decimal = false,
					right_ok;
		char		d;

		g->len = 0;
		while (i < n && (d = gov_card_digit(s, n, i, &dlen)) != 0)
		{
			if (g->len < sizeof(g->digits))
				g->digits[g->len] = d;
			g->len++;
			i += dlen;
		}
		g->can_start = first_ok;
		next = gov_card_separator(s, n, i, &decimal);
		if (next != 0)
			right_ok = !decimal;
		else
			right_ok = !(i < n && gov_isalnum((unsigned char) s[i])) &&
				!(i + 1 < n && s[i] == '.' && gov_isdigit((unsigned char) s[i + 1])) &&
				!gov_card_comma_amount(s, n, i, field);
		for (size_t k = 0; right_ok && k < 5 && k <= ngroups; k++)
			if (gov_card_range(ring, ngroups - k, ngroups, plus))
			{
				*resume = i;
				return true;
			}
		ngroups++;
		if (next == 0)
			break;
		/* a group after a decimal point does not begin a card */
		first_ok = !decimal;
		i = next;
	}
	*resume = i;
	return false;
}
