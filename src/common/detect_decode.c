/*-------------------------------------------------------------------------
 *
 * detect_decode.c
 *	  Text as a client decodes it: one unit at a time, through JSON string
 *	  escapes (and the \xHH of string literals), percent-encoding, HTML
 *	  and XML character references and markup line breaks.
 *
 * Plain C, no server headers.  The rule this file serves: every check of
 * governance_detect_secret() sees a value after the decodings a client
 * applies to text it receives.  Those encoders escape only punctuation,
 * blanks, control bytes and non-ASCII characters, never an ASCII letter
 * or digit (and rarely '-', '_', '.' and '~': a JavaScript or HTML
 * encoder that escapes all punctuation writes '-' as "\x2d" or "&#45;");
 * so the scan's triggers, made of letters and digits, are found in the
 * raw bytes, and what a check reads after its trigger -- separators,
 * '/', '+', '=', line breaks, spaces of any kind, a PEM header's dashes
 * -- it reads through gov_unit().  A letter escaped for no reason is a
 * transformation of the text, not an encoding, and is not decoded
 * before a trigger is looked for.  A unit is at most
 * GOV_UNIT_MAX raw bytes, and gov_unit() reads nothing past n, so a
 * check that reads a bounded number of units reads a bounded number of
 * bytes.
 *
 * src/common/detect_decode.c
 *
 *-------------------------------------------------------------------------
 */
#include <string.h>

#include "detect_internal.h"

/* Value of a hex digit, or -1. */
int
gov_hexval(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = gov_lower(c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* Four hex digits at s[j..j+4) (inside n), or -1. */
static long
gov_hex4(const char *s, size_t n, size_t j)
{
	long		v = 0;

	if (j + 4 > n)
		return -1;
	for (size_t k = 0; k < 4; k++)
	{
		int			h = gov_hexval((unsigned char) s[j + k]);

		if (h < 0)
			return -1;
		v = v * 16 + h;
	}
	return v;
}

/*
 * A JSON escape at s[j] (a run of one to eight backslashes: JSON inside
 * JSON doubles them), or the "\xHH" of a JavaScript, Python or C string
 * literal: the character and the raw length, 0 if none.
 * "\uD83D\uDE00" is one character; a lone surrogate stands for itself.
 */
static size_t
gov_json_escape(const char *s, size_t n, size_t j, uint32_t *cp)
{
	size_t		k = j;
	long		v,
				lo;

	while (k < n && s[k] == '\\' && k - j < 8)
		k++;
	if (k >= n)
		return 0;
	switch (s[k])
	{
		case 'n':
			*cp = '\n';
			return k + 1 - j;
		case 'r':
			*cp = '\r';
			return k + 1 - j;
		case 't':
			*cp = '\t';
			return k + 1 - j;
		case 'b':
			*cp = '\b';
			return k + 1 - j;
		case 'f':
			*cp = '\f';
			return k + 1 - j;
		case '/':
		case '"':
		case '\'':
			*cp = (unsigned char) s[k];
			return k + 1 - j;
		case 'x':
			if (k + 2 < n && gov_hexval((unsigned char) s[k + 1]) >= 0 &&
				gov_hexval((unsigned char) s[k + 2]) >= 0)
			{
				*cp = (uint32_t) (gov_hexval((unsigned char) s[k + 1]) * 16 +
								  gov_hexval((unsigned char) s[k + 2]));
				return k + 3 - j;
			}
			break;
		case 'u':
			v = gov_hex4(s, n, k + 1);
			if (v < 0)
				return 0;
			*cp = (uint32_t) v;
			if (v >= 0xD800 && v <= 0xDBFF)
			{
				size_t		m = k + 5,
							b = m;

				while (b < n && s[b] == '\\' && b - m < 8)
					b++;
				if (b > m && b + 1 < n && s[b] == 'u' &&
					(lo = gov_hex4(s, n, b + 1)) >= 0xDC00 && lo <= 0xDFFF)
				{
					*cp = 0x10000 + (((uint32_t) v - 0xD800) << 10) +
						((uint32_t) lo - 0xDC00);
					return b + 5 - j;
				}
			}
			return k + 5 - j;
		default:
			break;
	}
	if (k - j >= 2)
	{
		/* an escaped backslash */
		*cp = '\\';
		return 2;
	}
	return 0;
}

/* The length of a UTF-8 sequence by its lead byte, 0 if not a lead. */
static int
gov_utf8_len(unsigned char c)
{
	if (c >= 0xC2 && c <= 0xDF)
		return 2;
	if (c >= 0xE0 && c <= 0xEF)
		return 3;
	if (c >= 0xF0 && c <= 0xF4)
		return 4;
	return 0;
}

/* A byte written %HH at s[j], or -1. */
static int
gov_pct_byte(const char *s, size_t n, size_t j)
{
	int			h,
				l;

	if (j + 3 > n || s[j] != '%')
		return -1;
	h = gov_hexval((unsigned char) s[j + 1]);
	l = gov_hexval((unsigned char) s[j + 2]);
	if (h < 0 || l < 0)
		return -1;
	return h * 16 + l;
}

/*
 * A UTF-8 character at s[j], its bytes raw (pct false) or each written
 * %HH (pct true): the character and the raw length, 0 if the bytes are
 * not a whole sequence.
 */
static size_t
gov_utf8_at(const char *s, size_t n, size_t j, bool pct, uint32_t *cp)
{
	size_t		step = pct ? 3 : 1;
	int			b0 = pct ? gov_pct_byte(s, n, j) : (j < n ? (unsigned char) s[j] : -1),
				len;
	uint32_t	v;

	if (b0 < 0)
		return 0;
	len = gov_utf8_len((unsigned char) b0);
	if (len == 0)
		return 0;
	v = (uint32_t) b0 & (0x3F >> (len - 1));
	for (int i = 1; i < len; i++)
	{
		size_t		at = j + (size_t) i * step;
		int			b = pct ? gov_pct_byte(s, n, at) :
			(at < n ? (unsigned char) s[at] : -1);

		if (b < 0 || (b & 0xC0) != 0x80)
			return 0;
		v = (v << 6) | ((uint32_t) b & 0x3F);
	}
	*cp = v;
	return (size_t) len * step;
}

/*
 * An HTML or XML character reference at s[j] ('&'): "&#13;", "&#x0d;"
 * (the semicolon required), or one of the names amp, lt, gt, quot,
 * apos, nbsp, Tab, NewLine.  The character and the raw length, 0 if none.
 */
static size_t
gov_entity(const char *s, size_t n, size_t j, uint32_t *cp)
{
	static const struct
	{
		const char *name;
		uint32_t	cp;
	}			names[] = {
		{"amp;", '&'}, {"lt;", '<'}, {"gt;", '>'}, {"quot;", '"'},
		{"apos;", '\''}, {"nbsp;", 0xA0}, {"Tab;", '\t'}, {"NewLine;", '\n'},
	};
	size_t		k = j + 1;
	uint32_t	v = 0;
	int			digits = 0;

	if (k < n && s[k] == '#')
	{
		bool		hex = (k + 1 < n && (s[k + 1] == 'x' || s[k + 1] == 'X'));

		k += hex ? 2 : 1;
		while (k < n && digits < 7)
		{
			int			d = hex ? gov_hexval((unsigned char) s[k]) :
				(gov_isdigit((unsigned char) s[k]) ? s[k] - '0' : -1);

			if (d < 0)
				break;
			v = v * (hex ? 16 : 10) + (uint32_t) d;
			digits++;
			k++;
		}
		if (digits == 0 || k >= n || s[k] != ';' || v > 0x10FFFF)
			return 0;
		*cp = v;
		return k + 1 - j;
	}
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
	{
		size_t		len = strlen(names[i].name);

		if (gov_has_prefix(s + k, n - k, names[i].name, len))
		{
			*cp = names[i].cp;
			return 1 + len;
		}
	}
	return 0;
}

/* A markup line break at s[j] ('<'): <br>, <br/>, <br /> in any case. */
static size_t
gov_markup_break(const char *s, size_t n, size_t j)
{
	size_t		k = j + 1;

	if (!gov_has_prefix_ci(s + k, n - k, "br"))
		return 0;
	k += 2;
	if (k < n && s[k] == ' ')
		k++;
	if (k < n && s[k] == '/')
		k++;
	return (k < n && s[k] == '>') ? k + 1 - j : 0;
}

/*
 * The unit of text at s[j] (j < n) as a client decodes it: sets *cp to
 * the character and returns the number of raw bytes it takes (1 to
 * GOV_UNIT_MAX).  Decoded: JSON string escapes (\n \r \t \b \f \/ \"
 * \uXXXX with surrogate pairs, backslashes doubled by JSON in JSON) and
 * the \xHH of JavaScript and Python string literals,
 * percent-encoding (also of UTF-8 sequences), HTML/XML character
 * references and markup line breaks (to '\n'); raw UTF-8 sequences
 * become their character.  Anything else is its own byte.
 */
size_t
gov_unit(const char *s, size_t n, size_t j, uint32_t *cp)
{
	unsigned char c = (unsigned char) s[j];
	size_t		len = 0;
	int			b;

	switch (c)
	{
		case '\\':
			len = gov_json_escape(s, n, j, cp);
			break;
		case '%':
			b = gov_pct_byte(s, n, j);
			if (b >= 0x80)
				len = gov_utf8_at(s, n, j, true, cp);
			else if (b >= 0)
			{
				*cp = (uint32_t) b;
				len = 3;
			}
			break;
		case '&':
			len = gov_entity(s, n, j, cp);
			break;
		case '<':
			len = gov_markup_break(s, n, j);
			*cp = '\n';
			break;
		default:
			if (c >= 0x80)
				len = gov_utf8_at(s, n, j, false, cp);
			break;
	}
	if (len == 0)
	{
		*cp = c;
		len = 1;
	}
	return len;
}

/*
 * Is cp a space that separates the groups of a number as people write
 * it: a space, a tab, or a Unicode space (no-break, figure, thin, narrow
 * no-break, ideographic ...)?  Line breaks are not: a number is written
 * on one line, and digits on separate lines are separate values.
 */
bool
gov_is_space_cp(uint32_t cp)
{
	return cp == ' ' || cp == '\t' || cp == 0xA0 || cp == 0x1680 ||
		(cp >= 0x2000 && cp <= 0x200A) || cp == 0x202F || cp == 0x205F ||
		cp == 0x3000;
}

/* Is cp a blank or line break of any kind? */
bool
gov_is_blank_cp(uint32_t cp)
{
	return gov_is_space_cp(cp) || cp == '\n' || cp == '\r' || cp == '\v' ||
		cp == '\f' || cp == 0x2028 || cp == 0x2029 || cp == 0x85;
}

/*
 * Is cp a dash as people and word processors write one between digit
 * groups: '-', the hyphens and dashes U+2010-U+2015 (an en dash is what
 * autocorrection makes of " - "), the minus sign U+2212, the two- and
 * three-em dashes U+2E3A, U+2E3B, the small and fullwidth hyphen-minus
 * U+FE63, U+FF0D, the small em dash U+FE58?
 */
bool
gov_is_dash_cp(uint32_t cp)
{
	return cp == '-' || (cp >= 0x2010 && cp <= 0x2015) || cp == 0x2212 ||
		cp == 0x2E3A || cp == 0x2E3B ||
		cp == 0xFE58 || cp == 0xFE63 || cp == 0xFF0D;
}

/*
 * Is cp a dot as written between digit groups: '.', the middle dot
 * U+00B7, the one dot leader U+2024, the hyphenation point U+2027, the
 * bullet U+2022 and bullet operator U+2219, the dot operator U+22C5, the
 * katakana middle dots U+30FB and U+FF65, the fullwidth full stop U+FF0E?
 */
bool
gov_is_dot_cp(uint32_t cp)
{
	return cp == '.' || cp == 0xB7 || cp == 0x2022 || cp == 0x2024 ||
		cp == 0x2027 || cp == 0x2219 || cp == 0x22C5 || cp == 0x30FB ||
		cp == 0xFF0E || cp == 0xFF65;
}

/*
 * Is cp a character that is not seen: the soft hyphen U+00AD, the
 * Mongolian vowel separator U+180E, the zero-width space, non-joiner and
 * joiner U+200B-U+200D, the word joiner and invisible operators
 * U+2060-U+2064, the zero-width no-break space U+FEFF?  Text copied from web
 * pages and editors carries them between characters.
 */
bool
gov_is_invisible_cp(uint32_t cp)
{
	return cp == 0xAD || cp == 0x180E || (cp >= 0x200B && cp <= 0x200D) ||
		(cp >= 0x2060 && cp <= 0x2064) || cp == 0xFEFF;
}
