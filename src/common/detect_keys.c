/*-------------------------------------------------------------------------
 *
 * detect_keys.c
 *	  Secrets with a known shape at an offset of a text: PEM private keys,
 *	  AWS, GCP and Azure credentials, and tokens with a vendor prefix.
 *
 * Plain C, no server headers.  Every gov_*_at(s, n, i) asks whether the
 * secret it knows begins at s[i] (reading s[i - k] only to see that
 * nothing of the same alphabet precedes it) and reads a bounded number of
 * bytes from there, whatever the text holds: that bound is what keeps
 * governance_detect_secret() linear in the text when an attacker writes
 * the same prefix a million times.  Texts may be JSON (escaped line
 * breaks, \/ and \uXXXX escapes) or percent-encoded; the PEM check reads
 * through both, the others need no decoding because their alphabets
 * need no escaping.
 *
 * src/common/detect_keys.c
 *
 *-------------------------------------------------------------------------
 */
#include "detect_internal.h"

/* How far a PEM body is read looking for enough base64. */
#define GOV_PEM_BODY_SCAN	512
/* A PEM body holds at least this much base64 (RSA-512 is ~470). */
#define GOV_PEM_MIN_B64		40

/* Value of a hex digit, or -1. */
static int
gov_hexval(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = gov_lower(c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/*
 * Is s[i] preceded by a token boundary, for a token whose alphabet is
 * the classes cls (plus '_' and '-' when urlsafe)?  Yes at the start of
 * the text, after a byte outside the alphabet, and after an escape that
 * stands for one: "%20" (percent-encoding), "\n" and the like (a JSON
 * string's escaped line break or tab), "\u0022".
 */
bool
gov_boundary_before(const char *s, size_t i, bool urlsafe)
{
	unsigned char c;

	if (i == 0)
		return true;
	c = (unsigned char) s[i - 1];
	if (!gov_isalnum(c) && !(urlsafe && (c == '_' || c == '-')))
		return true;
	if (i >= 3 && s[i - 3] == '%' && gov_hexval((unsigned char) s[i - 2]) >= 0 &&
		gov_hexval(c) >= 0)
		return true;
	if (i >= 2 && s[i - 2] == '\\' && (c == 'n' || c == 'r' || c == 't'))
		return true;
	if (i >= 6 && s[i - 6] == '\\' && s[i - 5] == 'u' &&
		gov_hexval((unsigned char) s[i - 4]) >= 0 &&
		gov_hexval((unsigned char) s[i - 3]) >= 0 &&
		gov_hexval((unsigned char) s[i - 2]) >= 0 && gov_hexval(c) >= 0)
		return true;
	return false;
}

/* Is s[i] (i <= n) at the end of the text or followed by no alnum? */
static bool
gov_boundary_after(const char *s, size_t n, size_t i, bool urlsafe)
{
	unsigned char c;

	if (i >= n)
		return true;
	c = (unsigned char) s[i];
	return !gov_isalnum(c) && !(urlsafe && (c == '_' || c == '-'));
}

/*
 * Length of the run at s[i] of bytes in classes or in extra (a short
 * string: "_-" for base64url), counting at most max.
 */
static size_t
gov_run(const char *s, size_t n, size_t i, uint8_t classes, const char *extra,
		size_t max)
{
	size_t		k = 0;

	while (i + k < n && k < max)
	{
		unsigned char c = (unsigned char) s[i + k];
		const char *e;

		if (!gov_cc(c, classes))
		{
			for (e = extra; *e != '\0' && (unsigned char) *e != c; e++)
				;
			if (*e == '\0')
				break;
		}
		k++;
	}
	return k;
}

/*
 * A separator inside a PEM header at s[*j]: a space, "%20" or '+'
 * (percent and form encoding).  Advances *j past it.
 */
static bool
gov_pem_space(const char *s, size_t n, size_t *j)
{
	if (*j < n && (s[*j] == ' ' || s[*j] == '+'))
	{
		(*j)++;
		return true;
	}
	if (*j + 3 <= n && s[*j] == '%' && s[*j + 1] == '2' && s[*j + 2] == '0')
	{
		*j += 3;
		return true;
	}
	return false;
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
 * The length of a line break at s[j] (LF, CR, "\n", "\r", "%0A",
 * "%0D"), 0 if there is none.
 */
static size_t
gov_pem_line_break(const char *s, size_t n, size_t j)
{
	if (j >= n)
		return 0;
	if (s[j] == '\n' || s[j] == '\r')
		return 1;
	if (s[j] == '\\' && j + 1 < n && (s[j + 1] == 'n' || s[j + 1] == 'r'))
		return 2;
	if (s[j] == '%' && j + 2 < n && s[j + 1] == '0' &&
		(gov_lower((unsigned char) s[j + 2]) == 'a' ||
		 gov_lower((unsigned char) s[j + 2]) == 'd'))
		return 3;
	return 0;
}

/*
 * One unit of a PEM body at s[*j], decoded through the escapes a key
 * meets on its way into JSON or a URL: sets *b64 for a base64 byte
 * (also written "\/", "\u002B", "%2B", ...), *brk for a line break
 * (LF, CR, "\n", "\r", "\u000A", "%0A", and blanks); returns false for
 * anything else.  Advances *j past the unit.
 */
static bool
gov_pem_unit(const char *s, size_t n, size_t *j, bool *b64, bool *brk)
{
	unsigned char c = (unsigned char) s[*j];
	int			v = -1;

	*b64 = *brk = false;
	if (gov_isalnum(c) || c == '+' || c == '/' || c == '=')
	{
		*b64 = true;
		(*j)++;
		return true;
	}
	if (c == '\n' || c == '\r' || c == ' ' || c == '\t')
	{
		*brk = true;
		(*j)++;
		return true;
	}
	if (c == '\\')
	{
		size_t		k = *j;

		/* one or more backslashes (JSON inside JSON doubles them) */
		while (k < n && s[k] == '\\' && k - *j < 8)
			k++;
		if (k >= n)
			return false;
		if (s[k] == 'n' || s[k] == 'r' || s[k] == 't')
		{
			*brk = true;
			*j = k + 1;
			return true;
		}
		if (s[k] == '/')
		{
			*b64 = true;
			*j = k + 1;
			return true;
		}
		if (s[k] == 'u' && k + 5 <= n && s[k + 1] == '0' && s[k + 2] == '0' &&
			gov_hexval((unsigned char) s[k + 3]) >= 0 &&
			gov_hexval((unsigned char) s[k + 4]) >= 0)
			v = gov_hexval((unsigned char) s[k + 3]) * 16 +
				gov_hexval((unsigned char) s[k + 4]);
		if (v < 0)
			return false;
		*j = k + 5;
	}
	else if (c == '%')
	{
		if (*j + 3 > n || gov_hexval((unsigned char) s[*j + 1]) < 0 ||
			gov_hexval((unsigned char) s[*j + 2]) < 0)
			return false;
		v = gov_hexval((unsigned char) s[*j + 1]) * 16 +
			gov_hexval((unsigned char) s[*j + 2]);
		*j += 3;
	}
	else
		return false;

	/* an escaped byte */
	if (v == '\n' || v == '\r' || v == ' ' || v == '\t')
		*brk = true;
	else if (v == '+' || v == '/' || v == '=' || gov_isalnum((unsigned char) v))
		*b64 = true;
	else
		return false;
	return true;
}

/*
 * PEM private key at s[i], which begins "-----BEGIN": then a space,
 * optionally one of RSA, EC, DSA, OPENSSH, ENCRYPTED, PGP and a space,
 * "PRIVATE KEY" (" BLOCK" after PGP), "-----" -- spaces also written
 * "%20" or '+' -- then a body holding at least GOV_PEM_MIN_B64 base64
 * bytes before anything that is neither base64 nor a line break, both
 * read through JSON and percent escapes (gov_pem_unit).  Encrypted keys'
 * "Proc-Type:" and "DEK-Info:" header lines are stepped over.  A public
 * key or certificate does not match: its header says so.  Reads at most
 * GOV_PEM_BODY_SCAN bytes of body.
 */
bool
gov_pem_private_at(const char *s, size_t n, size_t i)
{
	static const char *const types[] = {"RSA", "EC", "DSA", "OPENSSH",
	"ENCRYPTED", "PGP"};
	size_t		j = i,
				limit;
	int			count = 0;
	bool		pgp = false,
				line_start = true;

	if (!gov_eat(s, n, &j, "-----BEGIN") || !gov_pem_space(s, n, &j))
		return false;
	for (size_t t = 0; t < sizeof(types) / sizeof(types[0]); t++)
	{
		size_t		k = j;

		if (gov_eat(s, n, &k, types[t]) && gov_pem_space(s, n, &k))
		{
			j = k;
			pgp = (t == 5);
			break;
		}
	}
	if (!gov_eat(s, n, &j, "PRIVATE") || !gov_pem_space(s, n, &j) ||
		!gov_eat(s, n, &j, "KEY"))
		return false;
	if (pgp && (!gov_pem_space(s, n, &j) || !gov_eat(s, n, &j, "BLOCK")))
		return false;
	if (!gov_eat(s, n, &j, "-----"))
		return false;

	limit = (n - j > GOV_PEM_BODY_SCAN) ? j + GOV_PEM_BODY_SCAN : n;
	while (j < limit)
	{
		bool		b64,
					brk;

		if (line_start && (gov_eat(s, limit, &j, "Proc-Type:") ||
						   gov_eat(s, limit, &j, "DEK-Info:") ||
						   gov_eat(s, limit, &j, "Version:") ||
						   gov_eat(s, limit, &j, "Comment:")))
		{
			/* a header line: step to its line break */
			while (j < limit && gov_pem_line_break(s, limit, j) == 0)
				j++;
			j += gov_pem_line_break(s, limit, j);
			line_start = true;
			continue;
		}
		if (!gov_pem_unit(s, limit, &j, &b64, &brk))
			return false;
		if (b64 && ++count >= GOV_PEM_MIN_B64)
			return true;
		line_start = brk;
	}
	return false;
}

/*
 * AWS access key id at s[i]: one of the prefixes AKIA (long-term), ASIA
 * (temporary), AROA, AIDA, AGPA, ANPA, ANVA, AIPA (role, user, group,
 * policy and instance profile ids) and 16 bytes of base32 [A-Z2-7], as a
 * token: no letter or digit right before or after (a longer alphanumeric
 * run is something else).
 */
bool
gov_aws_key_id_at(const char *s, size_t n, size_t i)
{
	static const char prefixes[][5] = {"AKIA", "ASIA", "AROA", "AIDA",
	"AGPA", "ANPA", "ANVA", "AIPA"};
	bool		known = false;

	if (n - i < 20 || !gov_boundary_before(s, i, false))
		return false;
	for (size_t p = 0; p < 8 && !known; p++)
		known = (s[i + 1] == prefixes[p][1] && s[i + 2] == prefixes[p][2] &&
				 s[i] == 'A' && s[i + 3] == 'A');
	if (!known)
		return false;
	for (size_t k = 4; k < 20; k++)
	{
		unsigned char c = (unsigned char) s[i + k];

		if (!((c >= 'A' && c <= 'Z') || (c >= '2' && c <= '7')))
			return false;
	}
	return gov_boundary_after(s, n, i + 20, false);
}

/*
 * A 40-byte AWS secret access key at s[i]: exactly 40 bytes of
 * [A-Za-z0-9/+] between boundaries, holding upper case, lower case and a
 * digit or '/' or '+' (a random key lacks one of them about once in a
 * thousand; a word, a hex digest or a number lacks them always).
 */
static bool
gov_aws_secret_value(const char *s, size_t n, size_t i)
{
	uint8_t		seen = 0;
	size_t		k;

	for (k = 0; k < 41 && i + k < n; k++)
	{
		unsigned char c = (unsigned char) s[i + k];

		if (gov_isalnum(c))
			seen |= gov_detect_class[c] & GOV_CC_ALNUM;
		else if (c == '/' || c == '+')
			seen |= GOV_CC_B64;
		else
			break;
	}
	return k == 40 && (seen & GOV_CC_UPPER) && (seen & GOV_CC_LOWER) &&
		(seen & (GOV_CC_DIGIT | GOV_CC_B64));
}

/*
 * The context that makes a 40-byte string an AWS secret key, "secret"
 * (any case) at s[i]: preceded by "aws" (with '_', '-' or nothing
 * between) or followed by "_access_key", "-access-key" or "accesskey"
 * (any case).  Returns the offset just past the context, 0 if none:
 * aws_secret_access_key, secret_access_key, aws_secret, SecretAccessKey,
 * AWS_SECRET_ACCESS_KEY.
 */
static size_t
gov_aws_context_end(const char *s, size_t n, size_t i)
{
	static const char *const tails[] = {"_access_key", "-access-key",
	"accesskey"};
	size_t		end;
	bool		aws = false;

	if (!gov_has_prefix_ci(s + i, n - i, "secret"))
		return 0;
	end = i + 6;
	if (i >= 3 && gov_has_prefix_ci(s + i - 3, 3, "aws"))
		aws = true;
	else if (i >= 4 && (s[i - 1] == '_' || s[i - 1] == '-') &&
			 gov_has_prefix_ci(s + i - 4, 3, "aws"))
		aws = true;
	for (size_t t = 0; t < 3; t++)
	{
		size_t		len = t == 2 ? 9 : 11;

		if (gov_has_prefix_ci(s + end, n - end, tails[t]))
		{
			end += len;
			return end;
		}
	}
	return aws ? end : 0;
}

/*
 * AWS secret access key after a context word at s[i] ("secret", see
 * gov_aws_context_end): a 40-byte key (gov_aws_secret_value) beginning
 * within 40 bytes after the context word, at a boundary.  Reads at most
 * 40 + 41 bytes past the context.
 */
bool
gov_aws_secret_at(const char *s, size_t n, size_t i)
{
	size_t		end = gov_aws_context_end(s, n, i);

	if (end == 0)
		return false;
	for (size_t j = end; j < n && j <= end + 40; j++)
	{
		unsigned char c = (unsigned char) s[j];
		unsigned char prev = (unsigned char) s[j - 1];

		if ((gov_isalnum(c) || c == '/' || c == '+') &&
			!(gov_isalnum(prev) || prev == '/' || prev == '+'))
		{
			if (gov_aws_secret_value(s, n, j))
				return true;
		}
	}
	return false;
}

/*
 * GCP API key at s[i]: "AIza" and 35 bytes of [0-9A-Za-z_-], a token of
 * exactly that length.
 */
bool
gov_gcp_api_key_at(const char *s, size_t n, size_t i)
{
	if (n - i < 39 || !GOV_PREFIX(s + i, n - i, "AIza") ||
		!gov_boundary_before(s, i, true))
		return false;
	return gov_run(s, n, i + 4, GOV_CC_ALNUM, "_-", 35) == 35 &&
		gov_boundary_after(s, n, i + 39, true);
}

/*
 * GCP OAuth access token at s[i]: "ya29." and at least 30 bytes of
 * [A-Za-z0-9_-] (real ones run to 150 and more).
 */
bool
gov_gcp_oauth_at(const char *s, size_t n, size_t i)
{
	if (!GOV_PREFIX(s + i, n - i, "ya29.") || !gov_boundary_before(s, i, true))
		return false;
	return gov_run(s, n, i + 5, GOV_CC_ALNUM, "_-", 30) == 30;
}

/*
 * Azure keys after "AccountKey=" or "SharedAccessKey=" ending with the
 * '=' at s[eq]: a storage account key is 86-88 bytes of base64 ending
 * "==" (64 bytes encoded), a shared access key 44 to 88 bytes of base64
 * ending '=' and a whole number of base64 quads.  The name must begin a
 * parameter (after ';', '?', '&', a quote, a blank or the start).
 */
bool
gov_azure_key_at(const char *s, size_t n, size_t eq)
{
	size_t		start,
				len,
				pad = 0;
	bool		storage;

	if (eq >= 10 && gov_has_prefix(s + eq - 10, 10, "AccountKey", 10))
	{
		storage = true;
		start = eq - 10;
	}
	else if (eq >= 15 && gov_has_prefix(s + eq - 15, 15, "SharedAccessKey", 15))
	{
		storage = false;
		start = eq - 15;
	}
	else
		return false;
	if (start > 0 && gov_isalnum((unsigned char) s[start - 1]))
		return false;
	len = gov_run(s, n, eq + 1, GOV_CC_ALNUM, "+/", 89);
	while (eq + 1 + len + pad < n && pad < 3 && s[eq + 1 + len + pad] == '=')
		pad++;
	if (storage)
		return pad == 2 && len + pad >= 86 && len + pad <= 88;
	return pad >= 1 && pad <= 2 && len + pad >= 44 && len + pad <= 88 &&
		(len + pad) % 4 == 0;
}

/*
 * Is there, within 512 bytes before s[from] or after s[to], a query
 * parameter "sv=" or "se=" (at the start or after '?', '&' or ';')?
 */
static bool
gov_sas_context(const char *s, size_t n, size_t from, size_t to)
{
	size_t		lo = from > 512 ? from - 512 : 0,
				hi = n - to > 512 ? to + 512 : n;

	for (size_t k = lo; k + 3 <= hi; k++)
	{
		if (k >= from && k < to)
			continue;
		if (s[k] == 's' && (s[k + 1] == 'v' || s[k + 1] == 'e') &&
			s[k + 2] == '=' &&
			(k == 0 || s[k - 1] == '?' || s[k - 1] == '&' || s[k - 1] == ';'))
			return true;
	}
	return false;
}

/*
 * Azure shared access signature at s[i], which begins "sig=": a query
 * parameter (at the start or after '?', '&' or ';') whose value is
 * base64, usually percent-encoded (%2B, %2F, %3D), of 43 to 88 bytes
 * decoded and ending '=' (an HMAC-SHA256 is 44 with its '='), in a query
 * that also has "sv=" or "se=" (the version or expiry every SAS token
 * carries).  Reads at most 88 * 3 bytes of value and 512 bytes around.
 */
bool
gov_azure_sas_at(const char *s, size_t n, size_t i)
{
	size_t		j,
				decoded = 0;
	bool		last_pad = false;

	if (!GOV_PREFIX(s + i, n - i, "sig=") ||
		!(i == 0 || s[i - 1] == '?' || s[i - 1] == '&' || s[i - 1] == ';'))
		return false;
	for (j = i + 4; j < n && decoded <= 88;)
	{
		unsigned char c = (unsigned char) s[j];
		int			v = -1;

		if (gov_isalnum(c) || c == '+' || c == '/' || c == '=')
		{
			v = c;
			j++;
		}
		else if (c == '%' && j + 3 <= n &&
				 gov_hexval((unsigned char) s[j + 1]) >= 0 &&
				 gov_hexval((unsigned char) s[j + 2]) >= 0)
		{
			v = gov_hexval((unsigned char) s[j + 1]) * 16 +
				gov_hexval((unsigned char) s[j + 2]);
			if (v != '+' && v != '/' && v != '=')
				break;
			j += 3;
		}
		else
			break;
		if (last_pad && v != '=')
			return false;		/* data after padding */
		last_pad = (v == '=');
		decoded++;
	}
	if (!last_pad || decoded < 43 || decoded > 88)
		return false;
	return gov_sas_context(s, n, i, j);
}

/*
 * Tokens with a vendor's prefix at s[i], at a boundary:
 *	GitHub: ghp_, gho_, ghu_, ghs_, ghr_ + 36 or more [A-Za-z0-9];
 *	  github_pat_ + 36 or more [A-Za-z0-9_];
 *	Slack: xoxb-, xoxa-, xoxp-, xoxr-, xoxs- + 20 or more [A-Za-z0-9-]
 *	  holding a digit;
 *	Stripe: sk_live_, rk_live_ + 20 or more [A-Za-z0-9];
 *	OpenAI style: sk- + 40 or more [A-Za-z0-9_-] holding a digit and a
 *	  letter;
 *	GitLab: glpat- + 20 or more [A-Za-z0-9_-].
 * Test keys (sk_test_) are not secrets.  Reads at most 60 bytes.
 */
bool
gov_known_token_at(const char *s, size_t n, size_t i)
{
	size_t		rest = n - i;
	const char *p = s + i;
	uint8_t		seen = 0;
	size_t		len = 0;

	if (rest < 20 || !gov_boundary_before(s, i, true))
		return false;
	switch (p[0])
	{
		case 'g':
			if (p[1] == 'h' && p[3] == '_' && (p[2] == 'p' || p[2] == 'o' ||
											   p[2] == 'u' || p[2] == 's' ||
											   p[2] == 'r'))
				return gov_run(s, n, i + 4, GOV_CC_ALNUM, "", 36) == 36;
			if (GOV_PREFIX(p, rest, "github_pat_"))
				return gov_run(s, n, i + 11, GOV_CC_ALNUM, "_", 36) == 36;
			if (GOV_PREFIX(p, rest, "glpat-"))
				return gov_run(s, n, i + 6, GOV_CC_ALNUM, "_-", 20) == 20;
			return false;
		case 'x':
			if (!GOV_PREFIX(p, rest, "xox") || p[4] != '-' ||
				!(p[3] == 'b' || p[3] == 'a' || p[3] == 'p' || p[3] == 'r' ||
				  p[3] == 's'))
				return false;
			while (i + 5 + len < n && len < 60 &&
				   (gov_isalnum((unsigned char) p[5 + len]) || p[5 + len] == '-'))
				seen |= gov_detect_class[(unsigned char) p[5 + len++]];
			return len >= 20 && (seen & GOV_CC_DIGIT);
		case 's':
		case 'r':
			if (GOV_PREFIX(p + 1, rest - 1, "k_live_"))
				return gov_run(s, n, i + 8, GOV_CC_ALNUM, "", 20) == 20;
			if (p[0] != 's' || p[1] != 'k' || p[2] != '-')
				return false;
			while (i + 3 + len < n && len < 60 &&
				   (gov_isalnum((unsigned char) p[3 + len]) ||
					p[3 + len] == '-' || p[3 + len] == '_'))
				seen |= gov_detect_class[(unsigned char) p[3 + len++]];
			return len >= 40 && (seen & GOV_CC_DIGIT) && (seen & GOV_CC_ALPHA);
		default:
			return false;
	}
}

/*
 * GCP service account key, whole value: a JSON document holding the
 * member "type": "service_account" and a member "private_key" whose
 * value is a string (blanks allowed around the colon).  Linear: each
 * search walks the text once.
 */
bool
gov_gcp_service_account(const char *s, size_t n)
{
	static const char type_key[] = "\"type\"";
	static const char pk_key[] = "\"private_key\"";
	const char *p;
	bool		type_ok = false,
				pk_ok = false;

	if (n < 40 || s[0] != '{')
		return false;
	for (p = s; !type_ok && (p = gov_find(p, (size_t) (s + n - p), type_key, 6)) != NULL;)
	{
		size_t		j = (size_t) (p - s) + 6;

		while (j < n && gov_cc((unsigned char) s[j], GOV_CC_BLANK))
			j++;
		p += 6;
		if (j >= n || s[j] != ':')
			continue;
		j++;
		while (j < n && gov_cc((unsigned char) s[j], GOV_CC_BLANK))
			j++;
		type_ok = GOV_PREFIX(s + j, n - j, "\"service_account\"");
	}
	for (p = s; !pk_ok && (p = gov_find(p, (size_t) (s + n - p), pk_key, 13)) != NULL;)
	{
		size_t		j = (size_t) (p - s) + 13;

		while (j < n && gov_cc((unsigned char) s[j], GOV_CC_BLANK))
			j++;
		p += 13;
		if (j >= n || s[j] != ':')
			continue;
		j++;
		while (j < n && gov_cc((unsigned char) s[j], GOV_CC_BLANK))
			j++;
		pk_ok = (j < n && s[j] == '"');
	}
	return type_ok && pk_ok;
}
