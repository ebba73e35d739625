/*-------------------------------------------------------------------------
 *
 * redact_lex.c
 *	  A lexer for SQL, as much of it as the redactor needs: words, quoted
 *	  names, string literals of every form, punctuation; blanks and
 *	  comments skipped.
 *
 * Plain C, no server headers, like redact.c, which uses it to find the
 * literals whose values it decodes (rule 2) and the values given to the
 * token setting (rule 3).  It never fails: text it cannot read as SQL is
 * read as words and punctuation, and every position stays within the
 * text's length.
 *
 * src/identity/redact_lex.c
 *
 *-------------------------------------------------------------------------
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <ctype.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>

#include "redact_internal.h"

/*
 * Whether plain '...' strings take backslash escapes, as they do with
 * standard_conforming_strings off.  The text does not say which holds, so
 * text with a backslash is lexed both ways and what either finds hidden.
 */
bool		gov_plain_backslash = false;

static bool
gov_ident_start(char c)
{
	return isalpha((unsigned char) c) || c == '_' || (unsigned char) c >= 0x80;
}

static bool
gov_ident_char(char c)
{
	return gov_ident_start(c) || isdigit((unsigned char) c) || c == '$';
}

/* Skip blanks and comments from *pos; return whether a newline was passed. */
bool
gov_skip_space(const char *t, size_t len, size_t *pos)
{
	size_t		i = *pos;
	bool		newline = false;

	while (i < len)
	{
		if (t[i] == '\n' || t[i] == '\r')
		{
			newline = true;
			i++;
		}
		else if (isspace((unsigned char) t[i]))
			i++;
		else if (t[i] == '-' && i + 1 < len && t[i + 1] == '-')
		{
			while (i < len && t[i] != '\n' && t[i] != '\r')
				i++;
		}
		else if (t[i] == '/' && i + 1 < len && t[i + 1] == '*')
		{
			int			depth = 1;

			i += 2;
			while (i < len && depth > 0)
			{
				if (t[i] == '/' && i + 1 < len && t[i + 1] == '*')
				{
					depth++;
					i += 2;
				}
				else if (t[i] == '*' && i + 1 < len && t[i + 1] == '/')
				{
					depth--;
					i += 2;
				}
				else
					i++;
			}
		}
		else
			break;
	}
	*pos = i;
	return newline;
}

/*
 * A quoted string from the quote at t[i]: its closing quote, following
 * continuations (quote, blanks holding a newline, quote).  In an escape
 * string a backslash takes the next character along.  Returns the end of
 * the whole literal; *cend is where its contents end.
 */
static size_t
gov_scan_quoted(const char *t, size_t len, size_t i, bool backslash, size_t *cend)
{
	i++;
	for (;;)
	{
		while (i < len && t[i] != '\'')
		{
			if (backslash && t[i] == '\\' && i + 1 < len)
				i++;
			i++;
		}
		if (i >= len)
		{
			*cend = len;
			return len;
		}
		if (i + 1 < len && t[i + 1] == '\'')
		{
			i += 2;
			continue;
		}
		/* t[i] closes, unless a continuation follows */
		{
			size_t		k = i + 1;

			if (gov_skip_space(t, len, &k) && k < len && t[k] == '\'')
			{
				i = k + 1;
				continue;
			}
		}
		*cend = i;
		return i + 1;
	}
}

/*
 * A Unicode string or name may be followed by UESCAPE and a literal of
 * any spelling ('!', E'!', $$!$$) holding one character.  One that cannot
 * be read leaves uescape 0: the literal's value is unknown.
 */
static void
gov_lex_uescape(const char *t, size_t len, GovTok *tok)
{
	size_t		k = tok->end;
	GovTok		esc;
	char		value[8];
	uint32_t	map[sizeof(value) + 1];

	gov_skip_space(t, len, &k);
	if (!(k + 7 <= len && strncasecmp(t + k, "uescape", 7) == 0 &&
		  (k + 7 == len || !gov_ident_char(t[k + 7]))))
		return;
	k += 7;
	gov_lex(t, len, &k, &esc);
	tok->end = esc.end;
	if (esc.kind == GOV_TK_STRING && esc.cend - esc.cstart < sizeof(value) &&
		gov_decode_literal(t, &esc, gov_plain_backslash, value, map) == 1)
		tok->uescape = value[0];
	else
		tok->uescape = '\0';
}

/* The next token at or after *pos. */
void
gov_lex(const char *t, size_t len, size_t *pos, GovTok *tok)
{
	size_t		i = *pos;
	char		c;

	gov_skip_space(t, len, &i);
	memset(tok, 0, sizeof(*tok));
	tok->start = i;
	if (i >= len)
	{
		tok->kind = GOV_TK_END;
		tok->end = len;
		*pos = len;
		return;
	}
	c = t[i];
	if (c == '\'' ||
		((c == 'E' || c == 'e' || c == 'N' || c == 'n' || c == 'B' || c == 'b' ||
		  c == 'X' || c == 'x') && i + 1 < len && t[i + 1] == '\'') ||
		((c == 'U' || c == 'u') && i + 2 < len && t[i + 1] == '&' && t[i + 2] == '\''))
	{
		size_t		q = c == '\'' ? i : (t[i + 1] == '&' ? i + 2 : i + 1);

		tok->kind = GOV_TK_STRING;
		tok->form = (c == 'E' || c == 'e') ? 'e' : (q == i + 2 ? 'u' : 'q');
		tok->cstart = q + 1;
		tok->end = gov_scan_quoted(t, len, q,
								   tok->form == 'e' || (tok->form == 'q' && gov_plain_backslash),
								   &tok->cend);
		tok->uescape = '\\';
		if (tok->form == 'u')
			gov_lex_uescape(t, len, tok);
	}
	else if (c == '"' || ((c == 'U' || c == 'u') && i + 2 < len && t[i + 1] == '&' && t[i + 2] == '"'))
	{
		size_t		k = c == '"' ? i + 1 : i + 3;

		tok->kind = GOV_TK_QUOTED;
		tok->form = c == '"' ? 'q' : 'u';
		tok->uescape = '\\';
		tok->cstart = k;
		for (;;)
		{
			while (k < len && t[k] != '"')
				k++;
			if (k + 1 < len && t[k + 1] == '"')
			{
				k += 2;
				continue;
			}
			break;
		}
		tok->cend = k;
		tok->end = k < len ? k + 1 : len;
		if (tok->form == 'u')
			gov_lex_uescape(t, len, tok);
	}
	else if (c == '$' && i + 1 < len && (t[i + 1] == '$' || gov_ident_start(t[i + 1])))
	{
		/* $tag$ ... $tag$, or a word such as $1 that is not one */
		size_t		k = i + 1;
		size_t		taglen;

		while (k < len && t[k] != '$' && gov_ident_char(t[k]))
			k++;
		if (k < len && t[k] == '$')
		{
			const char *close;

			taglen = k + 1 - i;
			tok->kind = GOV_TK_STRING;
			tok->form = 'd';
			tok->cstart = k + 1;
			close = memmem(t + k + 1, len - (k + 1), t + i, taglen);
			tok->cend = close ? (size_t) (close - t) : len;
			tok->end = close ? tok->cend + taglen : len;
		}
		else
		{
			tok->kind = GOV_TK_PUNCT;
			tok->end = i + 1;
		}
	}
	else if (gov_ident_char(c))
	{
		size_t		k = i;

		while (k < len && gov_ident_char(t[k]))
			k++;
		tok->kind = GOV_TK_WORD;
		tok->end = k;
	}
	else
	{
		tok->kind = GOV_TK_PUNCT;
		tok->end = i + 1;
	}
	*pos = tok->end;
}

/* Is the token this word (case-insensitive), or this one character? */
bool
gov_tok_word(const char *t, const GovTok *tok, const char *word)
{
	size_t		n = strlen(word);

	return tok->kind == GOV_TK_WORD && tok->end - tok->start == n &&
		strncasecmp(t + tok->start, word, n) == 0;
}

bool
gov_tok_punct(const char *t, const GovTok *tok, char c)
{
	return tok->kind == GOV_TK_PUNCT && t[tok->start] == c;
}

