/*-------------------------------------------------------------------------
 *
 * detect_keys.c
 *	  Secrets with a known shape at an offset of a text: AWS, GCP and
 *	  Azure credentials, and tokens with a vendor prefix.  (PEM private
 *	  keys: detect_pem.c.)
 *
 * Plain C, no server headers.  Every gov_*_at(s, n, i) asks whether the
 * secret it knows begins at s[i] (reading s[i - k] only to see that
 * nothing of the same alphabet precedes it) and reads a bounded number of
 * bytes from there, whatever the text holds: that bound is what keeps
 * governance_detect_secret() linear in the text when an attacker writes
 * the same prefix a million times.
 *
 * Every check sees the text as a client decodes it (detect_decode.c):
 * the names and prefixes that trigger a check are letters and digits,
 * which no encoder escapes, and are matched raw; what follows them --
 * separators, quotes, '=' and padding, '/' and '+' inside base64, line
 * breaks -- is read unit by unit through gov_unit(), so "\/", "%2F",
 * "&#47;", "\u002F" are all '/', and "&#13;", "<br>", "\n", "%0A" are
 * all line breaks.  The alphabets of the other keys (AWS key ids, GCP
 * keys, vendor tokens: letters, digits, '-', '_') need no decoding.
 *
 * src/common/detect_keys.c
 *
 *-------------------------------------------------------------------------
 */
#include <string.h>

#include "detect_internal.h"

/*
 * Is s[i] preceded by a token boundary, for a token whose alphabet is
 * the classes cls (plus '_' and '-' when urlsafe)?  Yes at the start of
 * the text, after a byte outside the alphabet, and after an escape that
 * stands for one: "%20" (percent-encoding), "\n" and the like (a JSON
 * string's escaped line break or tab), "\u0022", "\x20" (a JavaScript or
 * Python string literal's).
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
	if (i >= 4 && s[i - 4] == '\\' && s[i - 3] == 'x' &&
		gov_hexval((unsigned char) s[i - 2]) >= 0 && gov_hexval(c) >= 0)
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
 * AWS access key id at s[i]: one of the prefixes AKIA (long-term), ASIA
 * (temporary), AROA, AIDA, AGPA, ANPA, ANVA, AIPA (role, user, group,
 * policy and instance profile ids) and 16 bytes of base32 [A-Z2-7], as a
 * token: no letter or digit right before or after (a longer alphanumeric
 * run is something else).  Also the same in lower case for the two key
 * kinds that are credentials, "akia" and "asia" and 16 bytes of [a-z2-7]
 * holding a digit (a text search column folds case; the digit keeps out
 * compound words such as "asiapacificcustomer", and a key without one,
 * one in twenty-eight, is lost only in its folded copy).
 */
bool
gov_aws_key_id_at(const char *s, size_t n, size_t i)
{
	static const char prefixes[][5] = {"AKIA", "ASIA", "AROA", "AIDA",
	"AGPA", "ANPA", "ANVA", "AIPA"};
	bool		known = false,
				lower = false,
				digit = false;

	if (n - i < 20 || !gov_boundary_before(s, i, false))
		return false;
	if (s[i] == 'a' && s[i + 3] == 'a' && s[i + 2] == 'i' &&
		(s[i + 1] == 'k' || s[i + 1] == 's'))
		known = lower = true;
	for (size_t p = 0; p < 8 && !known; p++)
		known = (s[i + 1] == prefixes[p][1] && s[i + 2] == prefixes[p][2] &&
				 s[i] == 'A' && s[i + 3] == 'A');
	if (!known)
		return false;
	for (size_t k = 4; k < 20; k++)
	{
		unsigned char c = (unsigned char) s[i + k];

		if (c >= '2' && c <= '7')
			digit = true;
		else if (!(lower ? (c >= 'a' && c <= 'z') : (c >= 'A' && c <= 'Z')))
			return false;
	}
	return (digit || !lower) && gov_boundary_after(s, n, i + 20, false);
}

/* Is cp in the alphabet of an AWS secret key or a base64 key? */
static inline bool
gov_b64_cp(uint32_t cp)
{
	return cp < 128 && (gov_isalnum((unsigned char) cp) || cp == '/' || cp == '+');
}

/*
 * A 40-byte AWS secret access key at s[i], read as a client decodes it
 * (gov_unit: "\/" and "%2F" are '/'): exactly 40 characters of
 * [A-Za-z0-9/+] between boundaries, holding upper case, lower case and a
 * digit or '/' or '+' (a random key lacks one of them about once in a
 * thousand; a word, a hex digest or a number lacks them always).  Sets
 * *end past the characters read.
 */
static bool
gov_aws_secret_value(const char *s, size_t n, size_t i, size_t *end)
{
	uint8_t		seen = 0;
	size_t		k,
				j = i;

	for (k = 0; k < 41 && j < n; k++)
	{
		uint32_t	cp;
		size_t		len = gov_unit(s, n, j, &cp);

		if (!gov_b64_cp(cp))
			break;
		if (gov_isalnum((unsigned char) cp))
			seen |= gov_detect_class[cp] & GOV_CC_ALNUM;
		else
			seen |= GOV_CC_B64;
		j += len;
	}
	*end = j;
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
 * gov_aws_context_end): a 40-character key (gov_aws_secret_value)
 * beginning at a boundary within 40 characters after the context word,
 * whatever stands between them, all read as a client decodes them --
 * so every way of writing a name and its value holds: "key": "value",
 * key=value, key: value, KEY='value', YAML, env files, the same inside
 * JSON strings (\"key\": \"value\") or HTML (&quot;).  Reads at most
 * 40 + 41 units past the context.
 */
/* Where the name whose "secret" is at s[i] begins: at "aws" if it has it. */
static size_t
gov_aws_name_start(const char *s, size_t i)
{
	if (i >= 3 && gov_has_prefix_ci(s + i - 3, 3, "aws"))
		return i - 3;
	if (i >= 4 && (s[i - 1] == '_' || s[i - 1] == '-') &&
		gov_has_prefix_ci(s + i - 4, 3, "aws"))
		return i - 4;
	return i;
}

/*
 * A 40-byte AWS secret access key ending within 40 bytes before s[name],
 * where its name begins: the value written before its name, as a jsonb
 * object holds {"value": "<key>", "variable": "AWS_SECRET_ACCESS_KEY"}
 * (its keys ordered by length).  Read as raw bytes (no escapes): a run
 * of exactly 40 bytes of [A-Za-z0-9/+] between boundaries, holding upper
 * case, lower case and a digit, '/' or '+', a quote between it and the
 * name (a quoted value, as JSON writes it; prose with a path or a
 * CamelCase word before the name has none).  Reads at most 81 bytes
 * before s[name].
 */
static bool
gov_aws_secret_before(const char *s, size_t name)
{
	size_t		lo = name > 81 ? name - 81 : 0;
	size_t		k = name;

	while (k > lo)
	{
		size_t		end,
					start;
		uint8_t		seen = 0;

		/* the end of the next run of key bytes before k */
		while (k > lo && !gov_b64_cp((unsigned char) s[k - 1]))
			k--;
		if (k == lo || name - k > 40)
			return false;
		end = k;
		while (k > 0 && gov_b64_cp((unsigned char) s[k - 1]))
		{
			unsigned char c = (unsigned char) s[k - 1];

			seen |= gov_isalnum(c) ? (gov_detect_class[c] & GOV_CC_ALNUM) : GOV_CC_DIGIT;
			k--;
			if (end - k > 40)
				break;
		}
		start = k;
		if (end - start == 40 && (start == 0 || !gov_b64_cp((unsigned char) s[start - 1])) &&
			(seen & GOV_CC_UPPER) && (seen & GOV_CC_LOWER) && (seen & GOV_CC_DIGIT) &&
			memchr(s + end, '"', name - end) != NULL)
			return true;
		/* a longer run: go on before it */
		while (k > lo && gov_b64_cp((unsigned char) s[k - 1]))
			k--;
	}
	return false;
}

bool
gov_aws_secret_at(const char *s, size_t n, size_t i)
{
	size_t		end = gov_aws_context_end(s, n, i),
				j;
	bool		prev_in = true; /* the context word's last letter */

	if (end == 0)
		return false;
	if (gov_aws_secret_before(s, gov_aws_name_start(s, i)))
		return true;
	j = end;
	for (int units = 0; j < n && units <= 40; units++)
	{
		uint32_t	cp;
		size_t		len = gov_unit(s, n, j, &cp),
					vend;
		bool		in = gov_b64_cp(cp);

		if (in && !prev_in)
		{
			if (gov_aws_secret_value(s, n, j, &vend))
				return true;
		}
		prev_in = in;
		j += len;
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

/* Units at most between an Azure key's name and its value. */
#define GOV_AZURE_SEP_UNITS	8

/*
 * Azure keys after their names "AccountKey" (also "accountKey") or
 * "SharedAccessKey", whose "tKey" or "sKey" begins at s[t]: the name
 * begins a parameter or a member (after ';', '?', '&', a quote, a blank
 * or the start), then an optional closing quote, blanks, '=' or ':',
 * blanks and an optional opening quote, at most GOV_AZURE_SEP_UNITS
 * units in all -- a connection string's "AccountKey=", YAML's
 * "AccountKey: ", an ini file's "AccountKey = ", JSON's "\"AccountKey\":
 * \"" -- then the key: a storage account key is 86-88 characters of
 * base64 ending "==" (64 bytes encoded), a shared access key 44 to 88
 * characters of base64 ending '=' and a whole number of base64 quads.
 * Everything after the name is read as a client decodes it ("%3D",
 * "\u003d", "&#61;", "\"", "\/", "%2B", "%3D%3D").  Reads at most
 * GOV_AZURE_SEP_UNITS + 92 units.
 */
bool
gov_azure_key_at(const char *s, size_t n, size_t t)
{
	size_t		start,
				len = 0,
				pad = 0,
				j = t + 4;
	uint32_t	cp = 0;
	bool		storage,
				sep = false;
	int			units = 0;

	if (j > n || !gov_has_prefix(s + t + 1, n - t - 1, "Key", 3))
		return false;
	if (t >= 6 && (gov_has_prefix(s + t - 6, 7, "Account", 7) ||
				   gov_has_prefix(s + t - 6, 7, "account", 7)))
	{
		storage = true;
		start = t - 6;
	}
	else if (t >= 11 && gov_has_prefix(s + t - 11, 12, "SharedAccess", 12))
	{
		storage = false;
		start = t - 11;
	}
	else
		return false;
	if (!gov_boundary_before(s, start, false))
		return false;

	/* the separator: quote? blanks '=' or ':' blanks quote? */
	while (j < n && units < GOV_AZURE_SEP_UNITS)
	{
		size_t		u = gov_unit(s, n, j, &cp);

		if (cp == '=' || cp == ':')
		{
			if (sep)
				break;
			sep = true;
		}
		else if (!(cp == ' ' || cp == '\t' || cp == '"' || cp == '\''))
			break;
		j += u;
		units++;
	}
	if (!sep)
		return false;

	while (j < n && len < 89)
	{
		size_t		u = gov_unit(s, n, j, &cp);

		if (!gov_b64_cp(cp))
			break;
		len++;
		j += u;
	}
	while (j < n && pad < 3)
	{
		size_t		u = gov_unit(s, n, j, &cp);

		if (cp != '=')
			break;
		pad++;
		j += u;
	}
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
 * base64, usually percent-encoded (%2B, %2F, %3D; read through
 * gov_unit like every other escape), of 43 to 88 bytes decoded and ending '=' (an HMAC-SHA256 is 44 with its '='), in a query
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
		uint32_t	v;
		size_t		u = gov_unit(s, n, j, &v);

		if (!(gov_b64_cp(v) || v == '='))
			break;
		j += u;
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
 * Tokens with a vendor's prefix at s[i], at a boundary; only shapes
 * whose prefix says "secret" and nothing else:
 *	GitHub: ghp_, gho_, ghu_, ghs_, ghr_ + 36 or more [A-Za-z0-9];
 *	  github_pat_ + 36 or more [A-Za-z0-9_];
 *	Slack: xoxb-, xoxa-, xoxp-, xoxr-, xoxs-, xoxe- (refresh, also as
 *	  xoxe.xoxp-), xapp- + 20 or more [A-Za-z0-9-] holding a digit;
 *	Stripe: sk_live_, rk_live_ + 20 or more [A-Za-z0-9]; whsec_ + 24 or
 *	  more [A-Za-z0-9] (webhook signing secrets);
 *	OpenAI style: sk- + 40 or more [A-Za-z0-9_-] holding a digit and a
 *	  letter;
 *	GitLab: glpat- (personal, project and group access tokens), gldt-
 *	  (deploy), glrt- and glrtr- (runner authentication), glptt-
 *	  (pipeline trigger), glcbt- (CI/CD job), glft- (feed), glsoat- (SCIM)
 *	  and glffct- (feature flags client) + 20 or more [A-Za-z0-9_-];
 *	  GR1348941 (runner registration) + 20 or more [A-Za-z0-9_-];
 *	npm: npm_ + 36 or more [A-Za-z0-9];
 *	SendGrid: SG. + 22 [A-Za-z0-9_-] + '.' + 43 [A-Za-z0-9_-].
 * Not secrets, so not here: Stripe test keys (sk_test_) and publishable
 * keys (pk_live_), Twilio SK and AC ids (identifiers; the secret beside
 * them has no prefix), Heroku API keys (UUIDs).  Reads at most 69 bytes.
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
			if (p[1] == 'l')
			{
				static const char *const gitlab[] = {"glpat-", "gldt-", "glrt-",
				"glrtr-", "glptt-", "glcbt-", "glft-", "glsoat-", "glffct-"};

				for (size_t k = 0; k < sizeof(gitlab) / sizeof(gitlab[0]); k++)
				{
					size_t		plen = strlen(gitlab[k]);

					if (gov_has_prefix(p, rest, gitlab[k], plen))
						return gov_run(s, n, i + plen, GOV_CC_ALNUM, "_-",
									   20) == 20;
				}
			}
			return false;
		case 'G':
			return GOV_PREFIX(p, rest, "GR1348941") &&
				gov_run(s, n, i + 9, GOV_CC_ALNUM, "_-", 20) == 20;
		case 'x':
			if (!(GOV_PREFIX(p, rest, "xapp-") ||
				  (GOV_PREFIX(p, rest, "xox") && p[4] == '-' &&
				   (p[3] == 'b' || p[3] == 'a' || p[3] == 'p' || p[3] == 'r' ||
					p[3] == 's' || p[3] == 'e'))))
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
		case 'w':
			return GOV_PREFIX(p, rest, "whsec_") &&
				gov_run(s, n, i + 6, GOV_CC_ALNUM, "", 24) == 24;
		case 'n':
			return GOV_PREFIX(p, rest, "npm_") &&
				gov_run(s, n, i + 4, GOV_CC_ALNUM, "", 36) == 36;
		case 'S':
			return GOV_PREFIX(p, rest, "SG.") && rest >= 69 &&
				gov_run(s, n, i + 3, GOV_CC_ALNUM, "_-", 23) == 22 &&
				p[25] == '.' &&
				gov_run(s, n, i + 26, GOV_CC_ALNUM, "_-", 44) == 43;
		default:
			return false;
	}
}

/*
 * A Slack incoming-webhook URL, whose "k.com" of "hooks.slack.com"
 * begins at s[i]: then "/services/", 'T' and 8-12 [A-Z0-9], '/', 'B' and
 * 8-12 [A-Z0-9], '/', 24 [A-Za-z0-9] -- the slashes read as a client
 * decodes them ("\/" in JSON, "%2F").  The URL is the credential.
 * Reads at most about 80 units.
 */
bool
gov_slack_webhook_at(const char *s, size_t n, size_t i)
{
	static const char path[] = "/services/";
	size_t		j,
				k;
	uint32_t	cp;

	if (i < 10 || !gov_has_prefix(s + i - 10, n - (i - 10), "hooks.slack.com", 15))
		return false;
	j = i + 5;
	for (k = 0; path[k] != '\0'; k++)
	{
		if (j >= n)
			return false;
		j += gov_unit(s, n, j, &cp);
		if (cp != (unsigned char) path[k])
			return false;
	}
	for (int part = 0; part < 3; part++)
	{
		size_t		len = 0,
					want_min = part < 2 ? 9 : 24,
					want_max = part < 2 ? 13 : 24;

		if (part < 2 && (j >= n || s[j] != (part == 0 ? 'T' : 'B')))
			return false;
		while (j + len < n && len <= want_max &&
			   (part < 2 ? (gov_cc((unsigned char) s[j + len], GOV_CC_UPPER) ||
							gov_isdigit((unsigned char) s[j + len])) :
				gov_isalnum((unsigned char) s[j + len])))
			len++;
		if (len < want_min || len > want_max)
			return false;
		j += len;
		if (part < 2)
		{
			if (j >= n)
				return false;
			j += gov_unit(s, n, j, &cp);
			if (cp != '/')
				return false;
		}
	}
	return true;
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
