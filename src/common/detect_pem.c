/*-------------------------------------------------------------------------
 *
 * detect_pem.c
 *	  PEM private keys in a text, for governance_detect_secret() and
 *	  whole values: the header and a body, whatever text the key's lines
 *	  are set in; and the same written in base64.
 *
 * Plain C, no server headers.  The rule (gov_pem_private_at): a header
 * "-----BEGIN <kind> PRIVATE KEY-----" and, close after it, lines of
 * base64.  The header alone does not fire: documentation names it, and
 * a template leaves the body out.  The body does not have to be laid out
 * as a PEM file is: a key pasted into source code, a quoted e-mail, a
 * comment, a table or an array of lines keeps its lines of base64 but
 * puts other text between them, so the body is found by its lines alone
 * (long runs of base64 mixing upper case, lower case and digits, which
 * prose, paths and digests do not make), whatever stands between them.
 *
 * Every byte after the trigger is read as a client decodes it
 * (detect_decode.c): the spaces and dashes of the header ("%20", "&nbsp;",
 * "\u002d", "&#45;" -- some encoders escape every '-'), the line breaks
 * and escapes between and inside the lines ("\n", "<br>", "\/", "%2B").
 * Each check reads a bounded number of bytes from its trigger:
 * GOV_PEM_BODY_SCAN after a header, GOV_PEM_B64_UNITS of base64.
 *
 * src/common/detect_pem.c
 *
 *-------------------------------------------------------------------------
 */
#include "detect_internal.h"

/* How far a PEM body is read looking for its base64 (raw bytes). */
#define GOV_PEM_BODY_SCAN	1024
/* Raw bytes at most before a body line, after the header or a line. */
#define GOV_PEM_GAP_MAX		256
/* A run of base64 at least this long is a body line (PEM's are 64). */
#define GOV_PEM_LINE_MIN	16
/* A PEM body holds at least this much base64 (RSA-512 is ~470). */
#define GOV_PEM_MIN_B64		40
/* The raw bytes of one dash at most: eight backslashes, "u002d". */
#define GOV_DASH_UNIT_MAX	13
/* Base64 of a PEM text: bytes decoded at most, units read at most. */
#define GOV_PEM_B64_BYTES	768
#define GOV_PEM_B64_UNITS	1200

/*
 * A space inside a PEM header at s[*j]: a space of any kind as a client
 * decodes it (also "%20", "&nbsp;", "\u0020"), or '+' (form encoding).
 * Advances *j past it.
 */
static bool
gov_pem_space(const char *s, size_t n, size_t *j)
{
	uint32_t	cp;
	size_t		len;

	if (*j >= n)
		return false;
	if (s[*j] == '+')
	{
		(*j)++;
		return true;
	}
	len = gov_unit(s, n, *j, &cp);
	if (!gov_is_space_cp(cp))
		return false;
	*j += len;
	return true;
}

/* Does s[*j..n) begin with word?  Advances *j past it if so. */
static bool
gov_eat(const char *s, size_t n, size_t *j, const char *word)
{
	size_t		k = 0;

	while (word[k] != '\0')
	{
		if (*j + k >= n || s[*j + k] != word[k])
			return false;
		k++;
	}
	*j += k;
	return true;
}

/*
 * A dash at s[*j] as a client decodes it ('-', "\u002d", "&#45;",
 * "%2D", "\x2d"): advances *j past it.
 */
static bool
gov_dash(const char *s, size_t n, size_t *j)
{
	uint32_t	cp;
	size_t		len;

	if (*j >= n)
		return false;
	len = gov_unit(s, n, *j, &cp);
	if (cp != '-')
		return false;
	*j += len;
	return true;
}

/*
 * The start of a dash, as a client decodes it, that ends just before
 * s[end]; SIZE_MAX if none.  Tried from the longest spelling down, so
 * that "\\u002d" (JSON inside JSON) is one dash, not a backslash and a
 * dash.
 */
static size_t
gov_dash_before(const char *s, size_t end)
{
	uint32_t	cp;
	size_t		len = end < GOV_DASH_UNIT_MAX ? end : GOV_DASH_UNIT_MAX;

	if (end == 0)
		return SIZE_MAX;
	if (s[end - 1] == '-')
		return end - 1;
	for (; len >= 3; len--)
		if (gov_unit(s, end, end - len, &cp) == len && cp == '-')
			return end - len;
	return SIZE_MAX;
}

/*
 * The body of a PEM private key after its header, which ends at s[j]:
 * within GOV_PEM_BODY_SCAN bytes and before the next five dashes (the
 * END line, or another PEM block's header), base64 lines -- runs of at
 * least GOV_PEM_LINE_MIN characters of base64 ([A-Za-z0-9+/=], read as a
 * client decodes them, so "\/", "%2B", "&#43;" are in a run), each holding
 * an upper-case letter, a lower-case letter and a digit -- that together
 * hold at least GOV_PEM_MIN_B64 characters, each beginning within
 * GOV_PEM_GAP_MAX bytes of the header or of the line before it.  What
 * stands between the lines does not matter: line breaks, blanks and
 * markup, but also the quotes, '+' and "\n" of a key written as a string
 * literal in source code, the "> " of a quoted e-mail, the "# " of a
 * comment, the '|' of a table, the "," or "\", \"" between the elements of
 * an array of lines, an encrypted key's "Proc-Type:" and "DEK-Info:"
 * lines.  Prose is not a body: its words are short runs, and a word,
 * path or hex digest of sixteen characters or more lacks one of the
 * three classes.  Reads at most GOV_PEM_BODY_SCAN bytes.
 */
static bool
gov_pem_body(const char *s, size_t n, size_t j)
{
	size_t		limit = n - j > GOV_PEM_BODY_SCAN ? j + GOV_PEM_BODY_SCAN : n,
				last = j,		/* the end of the header or of a line */
				run = 0,
				run_start = j,
				total = 0;
	uint8_t		seen = 0;
	int			dashes = 0;

	for (;;)
	{
		uint32_t	cp = 0;
		size_t		len = 0;

		if (j < limit)
		{
			len = gov_unit(s, limit, j, &cp);
			if (cp < 128 && (gov_isalnum((unsigned char) cp) || cp == '+' ||
							 cp == '/' || cp == '='))
			{
				if (run == 0)
				{
					run_start = j;
					seen = 0;
					if (run_start - last > GOV_PEM_GAP_MAX)
						return false;
				}
				run++;
				if (gov_isalnum((unsigned char) cp))
					seen |= gov_detect_class[cp] & GOV_CC_ALNUM;
				dashes = 0;
				j += len;
				continue;
			}
		}
		/* a run ends here (or none was open) */
		if (run >= GOV_PEM_LINE_MIN && (seen & GOV_CC_ALNUM) == GOV_CC_ALNUM)
		{
			total += run;
			last = j;
			if (total >= GOV_PEM_MIN_B64)
				return true;
		}
		run = 0;
		if (j >= limit || j - last > GOV_PEM_GAP_MAX)
			return false;
		dashes = (cp == '-') ? dashes + 1 : 0;
		if (dashes == 5)
			return false;
		j += len;
	}
}

/*
 * PEM private key whose "BEGIN" is at s[b]: five dashes before it, then
 * a space, up to three words of capital letters and digits naming its
 * kind, each followed by a space (RSA, EC, DSA, OPENSSH, ENCRYPTED, PGP,
 * SSH2 ENCRYPTED, ...), "PRIVATE KEY", optionally " BLOCK" (PGP), five
 * dashes; a body (gov_pem_body) after it.  Dashes and spaces are read as
 * a client decodes them ("\u002d", "&#45;", "%2D"; "%20", '+', "&nbsp;").
 * A private key is a secret whatever its kind and whatever text its lines
 * are set in, so the header and a body fire together; a header alone
 * (documentation naming it, a template with the body left out) does not.
 * A public key or certificate does not match: its header says so.
 */
bool
gov_pem_private_at(const char *s, size_t n, size_t b)
{
	size_t		j = b,
				k = b;
	int			words = 0;

	for (int d = 0; d < 5; d++)
		if ((k = gov_dash_before(s, k)) == SIZE_MAX)
			return false;
	if (!gov_eat(s, n, &j, "BEGIN") || !gov_pem_space(s, n, &j))
		return false;
	for (;;)
	{
		size_t		w = 0;

		k = j;
		if (gov_eat(s, n, &k, "PRIVATE") && gov_pem_space(s, n, &k) &&
			gov_eat(s, n, &k, "KEY"))
		{
			j = k;
			break;
		}
		if (words == 3)
			return false;
		k = j;
		while (k < n && w < 16 && (gov_cc((unsigned char) s[k], GOV_CC_UPPER) ||
								   gov_isdigit((unsigned char) s[k])))
			k++, w++;
		if (w == 0 || !gov_pem_space(s, n, &k))
			return false;
		j = k;
		words++;
	}
	k = j;
	if (gov_pem_space(s, n, &k) && gov_eat(s, n, &k, "BLOCK"))
		j = k;
	for (int d = 0; d < 5; d++)
		if (!gov_dash(s, n, &j))
			return false;
	return gov_pem_body(s, n, j);
}

/* The value of a base64 character, -1 for another character. */
static int
gov_b64_value(uint32_t cp)
{
	if (cp >= 'A' && cp <= 'Z')
		return (int) (cp - 'A');
	if (cp >= 'a' && cp <= 'z')
		return (int) (cp - 'a') + 26;
	if (cp >= '0' && cp <= '9')
		return (int) (cp - '0') + 52;
	if (cp == '+')
		return 62;
	if (cp == '/')
		return 63;
	return -1;
}

/*
 * A PEM private key written in base64, as kubeconfig files
 * (client-key-data) and Kubernetes Secrets (tls.key) carry one, where
 * "LS0t", base64 of "---", begins at s[p]: whatever the alignment of
 * "-----BEGIN" in the encoded text, one of its three-byte groups is
 * "---", so "LS0t" is in the encoding at a quad boundary.  Decoded from
 * the quad before it (if that is four base64 characters: the first
 * dashes may be there) into a buffer, through line breaks and blanks
 * (base64 is wrapped at 64 or 76 characters) and read as a client
 * decodes it ("\/"), until its end, '=', GOV_PEM_B64_BYTES bytes or the
 * END line; the decoded text must hold "-----BEGIN" within its first
 * bytes and be a PEM private key (gov_pem_private_at).  A "LS0t" after
 * another (a longer run of dashes) is left to the first.  Reads at most
 * GOV_PEM_B64_UNITS units and 4 bytes before p.
 */
bool
gov_pem_base64_at(const char *s, size_t n, size_t p)
{
	unsigned char buf[GOV_PEM_B64_BYTES];
	size_t		j = p,
				len = 0,
				b = 0;
	uint32_t	bits = 0;
	int			nbits = 0,
				dashes = 0,
				dash_runs = 0;

	if (p >= 4 && gov_has_prefix(s + p - 4, 4, "LS0t", 4))
		return false;
	if (p >= 4)
	{
		bool		quad = true;

		for (size_t k = p - 4; k < p; k++)
			quad = quad && gov_b64_value((unsigned char) s[k]) >= 0;
		if (quad)
			j = p - 4;
	}
	for (int units = 0; j < n && units < GOV_PEM_B64_UNITS; units++)
	{
		uint32_t	cp;
		int			v;

		j += gov_unit(s, n, j, &cp);
		v = gov_b64_value(cp);
		if (v < 0)
		{
			if (gov_is_blank_cp(cp))
				continue;
			break;
		}
		bits = (bits << 6) | (uint32_t) v;
		nbits += 6;
		if (nbits < 8)
			continue;
		nbits -= 8;
		buf[len] = (unsigned char) ((bits >> nbits) & 0xFF);

		/* the header's first dashes, "BEGIN" within the first 24 bytes */
		if (b == 0 && len >= 9 && len < 24 &&
			gov_has_prefix((const char *) buf + len - 9, 10, "-----BEGIN", 10))
			b = len - 4;
		if (b == 0 && len >= 24)
			return false;
		/* stop at the END line: the third run of five dashes */
		dashes = buf[len] == '-' ? dashes + 1 : 0;
		len++;
		if ((dashes == 5 && ++dash_runs == 3) || len == sizeof(buf))
			break;
	}
	return b != 0 && gov_pem_private_at((const char *) buf, len, b);
}
