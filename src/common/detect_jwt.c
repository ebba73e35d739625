/*-------------------------------------------------------------------------
 *
 * detect_jwt.c
 *	  Recognising a JSON web token: three base64url segments whose first
 *	  two decode to JSON objects, the first one naming an "alg"; or an
 *	  encrypted one (JWE), five segments whose first names an "enc".
 *
 * Plain C, no server headers.  This is recognition, not verification
 * (src/identity/jwt.c verifies): the segments are decoded and the JSON
 * is checked for well-formedness as it is decoded, byte by byte, so
 * nothing is allocated and no segment is read twice.  Nesting deeper
 * than GOV_JSON_DEPTH is refused rather than followed, so the stack used
 * is bounded whatever the input.
 *
 * src/common/detect_jwt.c
 *
 *-------------------------------------------------------------------------
 */
#include "detect_internal.h"

#define GOV_JSON_DEPTH 32

/* base64url digit values; 0 also for bytes outside it (see gov_b64url) */
static const signed char gov_b64url_value[256] = {
	['A'] = 0, ['B'] = 1, ['C'] = 2, ['D'] = 3, ['E'] = 4, ['F'] = 5,
	['G'] = 6, ['H'] = 7, ['I'] = 8, ['J'] = 9, ['K'] = 10, ['L'] = 11,
	['M'] = 12, ['N'] = 13, ['O'] = 14, ['P'] = 15, ['Q'] = 16, ['R'] = 17,
	['S'] = 18, ['T'] = 19, ['U'] = 20, ['V'] = 21, ['W'] = 22, ['X'] = 23,
	['Y'] = 24, ['Z'] = 25,
	['a'] = 26, ['b'] = 27, ['c'] = 28, ['d'] = 29, ['e'] = 30, ['f'] = 31,
	['g'] = 32, ['h'] = 33, ['i'] = 34, ['j'] = 35, ['k'] = 36, ['l'] = 37,
	['m'] = 38, ['n'] = 39, ['o'] = 40, ['p'] = 41, ['q'] = 42, ['r'] = 43,
	['s'] = 44, ['t'] = 45, ['u'] = 46, ['v'] = 47, ['w'] = 48, ['x'] = 49,
	['y'] = 50, ['z'] = 51,
	['0'] = 52, ['1'] = 53, ['2'] = 54, ['3'] = 55, ['4'] = 56, ['5'] = 57,
	['6'] = 58, ['7'] = 59, ['8'] = 60, ['9'] = 61, ['-'] = 62, ['_'] = 63,
};

/* Is c in the base64url alphabet?  ('A' is the one whose value is 0.) */
static inline bool
gov_b64url(unsigned char c)
{
	return gov_b64url_value[c] != 0 || c == 'A';
}

/*
 * A segment decoded as it is read, with one byte of lookahead (cur, -1
 * at the end) for the JSON checker.
 */
typedef struct GovB64Reader
{
	const char *s;
	size_t		n;
	size_t		pos;
	uint32_t	bits;
	int			nbits;
	int			cur;
} GovB64Reader;

/* Decode the next byte into r->cur (-1 when the segment is used up). */
static void
gov_b64_advance(GovB64Reader *r)
{
	while (r->nbits < 8)
	{
		if (r->pos >= r->n)
		{
			r->cur = -1;
			return;
		}
		r->bits = (r->bits << 6) |
			(uint32_t) gov_b64url_value[(unsigned char) r->s[r->pos++]];
		r->nbits += 6;
	}
	r->nbits -= 8;
	r->cur = (int) ((r->bits >> r->nbits) & 0xFF);
}

/* Blanks between JSON tokens (RFC 8259 allows four). */
static void
gov_json_ws(GovB64Reader *r)
{
	while (r->cur == ' ' || r->cur == '\t' || r->cur == '\n' || r->cur == '\r')
		gov_b64_advance(r);
}

/* Expect the literal lit (true, false, null) from r->cur on. */
static bool
gov_json_literal(GovB64Reader *r, const char *lit)
{
	for (; *lit; lit++)
	{
		if (r->cur != (unsigned char) *lit)
			return false;
		gov_b64_advance(r);
	}
	return true;
}

/* What a member's name is, for the header's checks. */
#define GOV_NAME_OTHER	0
#define GOV_NAME_ALG	1
#define GOV_NAME_ENC	2

/*
 * A JSON string from its opening quote; *name says whether its contents
 * were exactly "alg" or "enc" (written plainly: an escaped spelling is
 * not what issuers write, and refusing it only makes a token less likely
 * to be recognised here, never more).
 */
static bool
gov_json_string(GovB64Reader *r, int *name)
{
	char		first[4];
	int			k = 0;
	bool		plain = true;

	gov_b64_advance(r);			/* the quote */
	for (;;)
	{
		int			c = r->cur;

		if (c < 0x20)			/* the end (-1) or a control byte */
			return false;
		gov_b64_advance(r);
		if (c == '"')
			break;
		if (c == '\\')
		{
			plain = false;
			c = r->cur;
			gov_b64_advance(r);
			if (c == 'u')
			{
				for (int i = 0; i < 4; i++)
				{
					if (r->cur < 0 || !gov_cc((unsigned char) r->cur, GOV_CC_HEX))
						return false;
					gov_b64_advance(r);
				}
			}
			else if (c < 0 || !(c == '"' || c == '\\' || c == '/' || c == 'b' ||
								c == 'f' || c == 'n' || c == 'r' || c == 't'))
				return false;
			continue;
		}
		if (k < 4)
			first[k] = (char) c;
		k++;
	}
	if (name)
	{
		*name = GOV_NAME_OTHER;
		if (plain && k == 3 && first[0] == 'a' && first[1] == 'l' &&
			first[2] == 'g')
			*name = GOV_NAME_ALG;
		else if (plain && k == 3 && first[0] == 'e' && first[1] == 'n' &&
				 first[2] == 'c')
			*name = GOV_NAME_ENC;
	}
	return true;
}

/* A JSON number: -?int(.frac)?([eE][+-]?exp)? */
static bool
gov_json_number(GovB64Reader *r)
{
	int			ndig = 0;

	if (r->cur == '-')
		gov_b64_advance(r);
	if (r->cur == '0')
	{
		gov_b64_advance(r);
		ndig = 1;
	}
	else
		while (r->cur >= '0' && r->cur <= '9')
		{
			gov_b64_advance(r);
			ndig++;
		}
	if (ndig == 0)
		return false;
	if (r->cur == '.')
	{
		gov_b64_advance(r);
		ndig = 0;
		while (r->cur >= '0' && r->cur <= '9')
		{
			gov_b64_advance(r);
			ndig++;
		}
		if (ndig == 0)
			return false;
	}
	if (r->cur == 'e' || r->cur == 'E')
	{
		gov_b64_advance(r);
		if (r->cur == '+' || r->cur == '-')
			gov_b64_advance(r);
		ndig = 0;
		while (r->cur >= '0' && r->cur <= '9')
		{
			gov_b64_advance(r);
			ndig++;
		}
		if (ndig == 0)
			return false;
	}
	return true;
}

/*
 * One JSON value from r->cur (after blanks).  At depth 0 with found
 * non-NULL, a member named "alg" or "enc" of the object sets the bit
 * (1 << GOV_NAME_ALG, 1 << GOV_NAME_ENC) in *found.
 */
static bool
gov_json_value(GovB64Reader *r, int depth, int *found)
{
	gov_json_ws(r);
	switch (r->cur)
	{
		case '{':
		case '[':
			{
				bool		object = (r->cur == '{');
				int			close = object ? '}' : ']';

				if (depth >= GOV_JSON_DEPTH)
					return false;
				gov_b64_advance(r);
				gov_json_ws(r);
				if (r->cur == close)
				{
					gov_b64_advance(r);
					return true;
				}
				for (;;)
				{
					if (object)
					{
						int			name = GOV_NAME_OTHER;

						gov_json_ws(r);
						if (r->cur != '"' || !gov_json_string(r, &name))
							return false;
						if (name != GOV_NAME_OTHER && found && depth == 0)
							*found |= 1 << name;
						gov_json_ws(r);
						if (r->cur != ':')
							return false;
						gov_b64_advance(r);
					}
					if (!gov_json_value(r, depth + 1, NULL))
						return false;
					gov_json_ws(r);
					if (r->cur == ',')
					{
						gov_b64_advance(r);
						continue;
					}
					if (r->cur != close)
						return false;
					gov_b64_advance(r);
					return true;
				}
			}
		case '"':
			return gov_json_string(r, NULL);
		case 't':
			return gov_json_literal(r, "true");
		case 'f':
			return gov_json_literal(r, "false");
		case 'n':
			return gov_json_literal(r, "null");
		default:
			return gov_json_number(r);
	}
}

/*
 * Does the base64url segment s[0..n) decode to a JSON object and nothing
 * after it but blanks?  Sets *found to the header members it names
 * (gov_json_value) when found is not NULL.
 */
static bool
gov_segment_is_object(const char *s, size_t n, int *found)
{
	GovB64Reader r = {s, n, 0, 0, 0, 0};

	if (n % 4 == 1)
		return false;			/* not a whole number of bytes */
	gov_b64_advance(&r);
	gov_json_ws(&r);
	if (r.cur != '{')
		return false;
	if (!gov_json_value(&r, 0, found))
		return false;
	gov_json_ws(&r);
	return r.cur == -1;
}

/*
 * The segment at s[0..n): the length of its run of base64url bytes in
 * *run, and the offset just past it and its padding, if any: one or two
 * '=' that make the run a whole number of quads (some libraries keep
 * base64's padding).
 */
static size_t
gov_segment(const char *s, size_t n, size_t *run)
{
	size_t		i = 0,
				pad = 0;

	while (i < n && gov_b64url((unsigned char) s[i]))
		i++;
	*run = i;
	while (i + pad < n && pad < 2 && s[i + pad] == '=')
		pad++;
	if (pad > 0 && (*run + pad) % 4 == 0)
		i += pad;
	return i;
}

/*
 * A JWT at s, whose segments are runs of base64url bytes (each perhaps
 * padded, gov_segment) separated by dots:
 *	signed (JWS): header "." payload "." signature (which may be empty:
 *	  an unsigned token is still a credential somewhere), the header
 *	  decoding to a JSON object with a top-level "alg" member and no
 *	  "enc", the payload to a JSON object;
 *	encrypted (JWE): header "." encrypted key "." IV "." ciphertext "."
 *	  tag, the header decoding to a JSON object with top-level "alg" and
 *	  "enc" members, the key empty or not (it is empty for "dir"), the
 *	  other three not, none of a length base64 cannot have.
 * The caller checks what precedes s.  *len is the token's length when
 * there is one; otherwise the length of the run the header would be (at
 * least 1), so a scan can go on after it: a later token cannot start
 * inside that run.  The header is read twice, every other segment at
 * most twice.
 */
bool
gov_jwt_at(const char *s, size_t n, size_t *len)
{
	size_t		h,
				run,
				at,
				seg[5],
				end[5];
	int			found = 0,
				nseg;

	end[0] = gov_segment(s, n, &h);
	*len = h > 0 ? h : 1;
	if (h < 4 || end[0] == n || s[end[0]] != '.')
		return false;
	seg[0] = h;
	/* the segments after the header, up to five in all */
	for (nseg = 1, at = end[0] + 1; nseg < 5; nseg++)
	{
		end[nseg] = at + gov_segment(s + at, n - at, &run);
		seg[nseg] = run;
		if (run % 4 == 1)
			break;
		if (end[nseg] == n || s[end[nseg]] != '.')
		{
			nseg++;
			break;
		}
		at = end[nseg] + 1;
	}
	if (nseg < 3 || !gov_segment_is_object(s, h, &found) ||
		!(found & (1 << GOV_NAME_ALG)))
		return false;
	if (found & (1 << GOV_NAME_ENC))
	{
		if (nseg < 5 || seg[2] == 0 || seg[3] == 0 || seg[4] == 0 ||
			seg[1] % 4 == 1)
			return false;
		*len = end[4];
		return true;
	}
	if (seg[1] < 3 || seg[2] % 4 == 1 ||
		!gov_segment_is_object(s + end[0] + 1, seg[1], NULL))
		return false;
	*len = end[2];
	return true;
}
