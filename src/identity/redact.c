/*-------------------------------------------------------------------------
 *
 * redact.c
 *	  Finding and hiding tokens in text.
 *
 * A token is a credential: wherever text that may contain one leaves the
 * backend (server log lines, the activity string other sessions see, the
 * text handed to pg_stat_statements and pgaudit), it passes through here.
 * Detection is by shape, not by knowing the token: three base64url runs
 * joined by dots, which is what every compact JWS looks like, whether or
 * not it verifies.  Statement text is redacted a second way, because a log
 * line such as log_statement's is written before the value is ever
 * checked: the string literal given to governance.token (SET ... = '...',
 * SET ... TO '...', set_config('governance.token', '...', ...)) is hidden
 * whatever it holds, provided it is made of the characters a token is
 * made of.  Nothing is hidden because it equals a value a session gave:
 * that value is the session's choice, and it could choose the text of the
 * statement it wants kept out of the audit trail.  Plain C, no server
 * headers.
 *
 * src/identity/redact.c
 *
 *-------------------------------------------------------------------------
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "governance/redact.h"
#include "jwt_internal.h"

#define GOV_MIN_FIRST_SEGMENT 8
#define GOV_MAX_LITERAL 65536

/*
 * The value of a character of base64url or of standard base64, or -1: a
 * token re-encoded in the standard alphabet is the same credential.
 */
static int
gov_b64_value(char c)
{
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return gov_b64url_value((unsigned char) c);
}

/* A character of either alphabet, or padding. */
static bool
gov_is_b64url(char c)
{
	return gov_b64_value(c) >= 0 || c == '=';
}

/*
 * Does a segment decode (base64url or base64) to a JSON object: blanks,
 * '{', blanks, then '"' or '}'?  That is what a token's header and claims
 * are, however a token encodes them (leading blanks included); qualified
 * names such as schema.table.column never decode so.
 */
static bool
gov_json_object_start(const char *seg)
{
	unsigned int bits = 0;
	int			nbits = 0;
	bool		open = false;
	int			v;

	for (; (v = gov_b64_value(*seg)) >= 0; seg++)
	{
		unsigned char byte;

		bits = (bits << 6) | (unsigned int) v;
		nbits += 6;
		if (nbits < 8)
			continue;
		nbits -= 8;
		byte = (unsigned char) (bits >> nbits);
		bits &= (1U << nbits) - 1;
		if (byte == ' ' || byte == '\t' || byte == '\n' || byte == '\r')
			continue;
		if (!open)
		{
			if (byte != '{')
				return false;
			open = true;
			continue;
		}
		return byte == '"' || byte == '}';
	}
	return false;
}

/*
 * If a JWT-shaped run starts at text[i], return its length, else 0.  The
 * run must not continue a longer word on its left.
 */
static size_t
gov_jwt_run(const char *text, size_t i)
{
	size_t		j = i;
	int			segment = 0;
	size_t		seglen = 0;

	if (i > 0 && (gov_is_b64url(text[i - 1]) || text[i - 1] == '.'))
		return 0;
	if (!gov_json_object_start(text + i))
		return 0;
	for (;;)
	{
		char		c = text[j];

		if (gov_is_b64url(c))
		{
			seglen++;
			j++;
			continue;
		}
		if (segment < 2 && seglen < GOV_MIN_FIRST_SEGMENT)
			return 0;
		if (c == '.' && segment < 2)
		{
			segment++;
			seglen = 0;
			j++;
			if (segment == 1 && !gov_json_object_start(text + j))
				return 0;
			continue;
		}
		break;
	}
	return segment == 2 ? j - i : 0;
}

#define GOV_SETTING_NAME "governance.token"

/* Could this be a token, well-formed or not: base64 characters and dots? */
static bool
gov_token_charset(const char *s, size_t len)
{
	size_t		i;

	if (len == 0 || len > GOV_MAX_LITERAL)
		return false;
	for (i = 0; i < len; i++)
		if (!gov_is_b64url(s[i]) && s[i] != '.')
			return false;
	return true;
}

static bool
gov_ident_char(char c)
{
	return isalnum((unsigned char) c) || c == '_' || c == '$';
}

/* Skip blanks backwards from text[pos - 1]; return the position after. */
static size_t
gov_skip_blanks_back(const char *text, size_t pos)
{
	while (pos > 0 && isspace((unsigned char) text[pos - 1]))
		pos--;
	return pos;
}

/* Does the word (case-insensitive) end at text[pos - 1], a whole word? */
static bool
gov_word_ends_at(const char *text, size_t pos, const char *word)
{
	size_t		n = strlen(word);

	return pos >= n && strncasecmp(text + pos - n, word, n) == 0 &&
		(pos == n || !gov_ident_char(text[pos - n - 1]));
}

/*
 * If text[i] starts the name of the token setting where a value is given
 * to it, followed by a string literal that could be a token, return the
 * offset and length of the literal's contents.  The two places are
 * SET [LOCAL | SESSION] governance.token {= | TO} '...' (ALTER ROLE ... SET
 * too) and set_config('governance.token', '...', ...).  Only a literal made
 * of token characters qualifies, and the name elsewhere (a comment, a
 * list of literals, a comparison) hides nothing, so no text can make us
 * hide other text that follows it.
 */
static bool
gov_setting_literal(const char *text, size_t i, size_t *start, size_t *len)
{
	size_t		j = i + strlen(GOV_SETTING_NAME);
	size_t		k;
	bool		literal_name = i > 0 && text[i - 1] == '\'';

	if (strncasecmp(text + i, GOV_SETTING_NAME, strlen(GOV_SETTING_NAME)) != 0)
		return false;
	if (literal_name)
	{
		/* set_config('governance.token', */
		k = gov_skip_blanks_back(text, i - 1);
		if (k == 0 || text[k - 1] != '(')
			return false;
		k = gov_skip_blanks_back(text, k - 1);
		if (!gov_word_ends_at(text, k, "set_config"))
			return false;
		if (text[j] != '\'')
			return false;
		j++;
		while (isspace((unsigned char) text[j]))
			j++;
		if (text[j] != ',')
			return false;
		j++;
	}
	else
	{
		/* SET [LOCAL | SESSION] governance.token = or TO, maybe quoted */
		bool		quoted = i > 0 && text[i - 1] == '"';

		k = gov_skip_blanks_back(text, quoted ? i - 1 : i);
		if (!gov_word_ends_at(text, k, "set") && !gov_word_ends_at(text, k, "local") &&
			!gov_word_ends_at(text, k, "session"))
			return false;
		if (quoted)
		{
			if (text[j] != '"')
				return false;
			j++;
		}
		else if (gov_ident_char(text[j]) || text[j] == '.')
			return false;
		while (isspace((unsigned char) text[j]))
			j++;
		if (text[j] == '=')
			j++;
		else if (strncasecmp(text + j, "to", 2) == 0 && !gov_ident_char(text[j + 2]))
			j += 2;
		else
			return false;
	}
	while (isspace((unsigned char) text[j]))
		j++;
	if (text[j] == 'E' || text[j] == 'e')
		j++;
	if (text[j] != '\'')
		return false;
	j++;
	for (k = j; text[k] != '\0' && text[k] != '\''; k++)
		;
	if (text[k] != '\'' || !gov_token_charset(text + j, k - j))
		return false;
	*start = j;
	*len = k - j;
	return true;
}

/*
 * Find the next run to hide at or after *pos: returns whether there is one,
 * with its offset and length.  *pos moves past it.
 */
static bool
gov_next_token(const char *text, size_t len, size_t *pos, size_t *start,
			   size_t *runlen)
{
	size_t		i = *pos;

	while (i < len)
	{
		char		c = text[i];
		size_t		n;

		/*
		 * Only these characters can start anything we replace: a JSON
		 * object encodes from '{' to 'e', from a blank to 'I', 'C' or
		 * 'D'; the setting's name starts with 'g'.
		 */
		if (c != 'e' && c != 'I' && c != 'C' && c != 'D' && c != 'g' && c != 'G')
		{
			i++;
			continue;
		}
		if (c != 'g' && c != 'G' && (n = gov_jwt_run(text, i)) > 0)
		{
			*start = i;
			*runlen = n;
			*pos = i + n;
			return true;
		}
		if ((c == 'g' || c == 'G') && gov_setting_literal(text, i, start, runlen) &&
			*runlen > 0)
		{
			*pos = *start + *runlen;
			return true;
		}
		i++;
	}
	*pos = len;
	return false;
}

char *
gov_redact_tokens(const char *text)
{
	size_t		len,
				pos = 0,
				from = 0,
				o = 0,
				start,
				runlen;
	char	   *out = NULL;

	/* Cheap pre-filter: a token has dots. */
	if (text == NULL || strchr(text, '.') == NULL)
		return NULL;
	len = strlen(text);
	while (gov_next_token(text, len, &pos, &start, &runlen))
	{
		/* Each replaced run is at least GOV_MIN_FIRST_SEGMENT bytes long,
		 * or a literal of at least one byte. */
		if (out == NULL &&
			(out = malloc(len + 1 + (len + 1) * sizeof(GOV_REDACTED))) == NULL)
			return NULL;
		memcpy(out + o, text + from, start - from);
		o += start - from;
		memcpy(out + o, GOV_REDACTED, sizeof(GOV_REDACTED) - 1);
		o += sizeof(GOV_REDACTED) - 1;
		from = start + runlen;
	}
	if (out == NULL)
		return NULL;
	memcpy(out + o, text + from, len - from);
	out[o + len - from] = '\0';
	return out;
}

bool
gov_holds_token(const char *text)
{
	size_t		pos = 0,
				start,
				runlen;

	if (text == NULL || strchr(text, '.') == NULL)
		return false;
	return gov_next_token(text, strlen(text), &pos, &start, &runlen);
}

bool
gov_redact_tokens_in_place(char *text)
{
	size_t		len,
				pos = 0,
				start,
				runlen;
	bool		changed = false;

	if (text == NULL || strchr(text, '.') == NULL)
		return false;
	len = strlen(text);
	while (gov_next_token(text, len, &pos, &start, &runlen))
	{
		size_t		mark = sizeof(GOV_REDACTED) - 1;

		/* "<redacted>" and blanks; a run shorter than that, X's. */
		if (runlen >= mark)
		{
			memcpy(text + start, GOV_REDACTED, mark);
			memset(text + start + mark, ' ', runlen - mark);
		}
		else
			memset(text + start, 'X', runlen);
		changed = true;
	}
	return changed;
}
