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

#define GOV_MIN_FIRST_SEGMENT 8
#define GOV_MAX_LITERAL 65536

/*
 * A character of base64url or of standard base64 (with padding): a token
 * re-encoded in the standard alphabet is the same credential.
 */
static bool
gov_is_b64url(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		(c >= '0' && c <= '9') || c == '-' || c == '_' ||
		c == '+' || c == '/' || c == '=';
}

/*
 * Does a segment look like base64url of a JSON object?  '{' encodes to 'e'
 * and, followed by '"' or a blank, the second character is 'y' or 'w'.
 * Requiring this of the header and the claims keeps qualified names such
 * as schema.table.column from looking like tokens.
 */
static bool
gov_json_object_start(const char *seg)
{
	return seg[0] == 'e' && (seg[1] == 'y' || seg[1] == 'w');
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

/*
 * If text[i] starts the name of the token setting followed by a string
 * literal value that could be a token, return the offset and length of
 * the literal's contents.  Only a literal made of token characters
 * qualifies, so text that merely mentions the setting (in a comment, say)
 * cannot make us hide arbitrary text that follows it.
 */
static bool
gov_setting_literal(const char *text, size_t i, size_t *start, size_t *len)
{
	size_t		j = i + strlen(GOV_SETTING_NAME);
	size_t		k;

	if (strncasecmp(text + i, GOV_SETTING_NAME, strlen(GOV_SETTING_NAME)) != 0)
		return false;
	/* The name's closing quote, blanks, then =, TO or a comma. */
	if (text[j] == '\'' || text[j] == '"')
		j++;
	while (isspace((unsigned char) text[j]))
		j++;
	if (text[j] == '=' || text[j] == ',')
		j++;
	else if (strncasecmp(text + j, "to", 2) == 0 && !isalnum((unsigned char) text[j + 2]))
		j += 2;
	else
		return false;
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

		/* Only three characters can start anything we replace. */
		if (c != 'e' && c != 'g' && c != 'G')
		{
			i++;
			continue;
		}
		if (c == 'e' && (n = gov_jwt_run(text, i)) > 0)
		{
			*start = i;
			*runlen = n;
			*pos = i + n;
			return true;
		}
		if (c != 'e' && gov_setting_literal(text, i, start, runlen) && *runlen > 0)
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
