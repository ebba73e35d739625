/*-------------------------------------------------------------------------
 *
 * redact.c
 *	  Finding and hiding tokens in text.
 *
 * A token is a credential: wherever text that may contain one leaves the
 * backend (server log lines, the activity string other sessions see, the
 * text handed to pg_stat_statements and pgaudit, the audit trail), it
 * passes through here.  Three rules decide what is hidden:
 *
 * 1. A token is found by its shape, not by knowing it: three base64 or
 *    base64url runs joined by dots, the first two decoding to the start of
 *    a JSON object, as every compact JWS does, whether or not it verifies.
 * 2. A string literal is judged by its value, not its spelling: the value
 *    of every literal the text holds (escape strings E'...', Unicode
 *    strings U&'...' and names U&"..." with or without UESCAPE, dollar
 *    quoting, literals
 *    continued across lines) is decoded and searched again, as text and as
 *    SQL, to a bounded depth (a DO body holding an EXECUTE holding a
 *    literal).  What is found hides the literal's whole contents when the
 *    decoding moved characters, or exactly the run when it did not.
 * 3. Where a value is given to governance.token, the literals of that value
 *    are hidden whatever they hold: SET [LOCAL | SESSION] governance.token
 *    {= | TO} ... (ALTER ROLE and ALTER SYSTEM too) and the second argument
 *    of set_config('governance.token', ...).  A log line such as
 *    log_statement's is written before the value is ever checked.
 *
 * Nothing is hidden because it equals a value a session gave: that value
 * is the session's choice, and it could choose the text of the statement
 * it wants kept out of the audit trail.  And a token the client computes
 * with SQL ('ey' || 'J...', decode(...)) is published by that client: the
 * setting takes a literal, and a computed one is out of reach of any
 * redactor.
 *
 * When memory runs out the text is not passed on at all (GOV_UNREDACTABLE
 * stands in for it): a redactor that gives up must not fail open.
 *
 * Plain C, no server headers, so that it can be unit-tested and fuzzed.
 *
 * src/identity/redact.c
 *
 *-------------------------------------------------------------------------
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "governance/identity_redact.h"
#include "jwt_internal.h"
#include "redact_internal.h"

#define GOV_MIN_FIRST_SEGMENT 8
#define GOV_SETTING_NAME "governance.token"
/* How deep literals inside literals are searched as SQL. */
#define GOV_LITERAL_DEPTH 4

const char gov_unredactable[] = "<text not shown: it could not be redacted>";

/* --- rule 1: the shape of a token ------------------------------------ */

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
gov_json_object_start(const char *seg, const char *end)
{
	unsigned int bits = 0;
	int			nbits = 0;
	bool		open = false;
	int			v;

	for (; seg < end && (v = gov_b64_value(*seg)) >= 0; seg++)
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
 * run must not continue a longer run on its left ('=' before it is not a
 * part of it: padding only ends a run, and token=eyJ... is a token).
 */
static size_t
gov_jwt_run(const char *text, size_t len, size_t i)
{
	size_t		j = i;
	int			segment = 0;
	size_t		seglen = 0;

	if (i > 0 && (gov_b64_value(text[i - 1]) >= 0 || text[i - 1] == '.'))
		return 0;
	if (!gov_json_object_start(text + i, text + len))
		return 0;
	for (;;)
	{
		char		c = j < len ? text[j] : '\0';

		if (j < len && gov_is_b64url(c))
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
			if (segment == 1 && !gov_json_object_start(text + j, text + len))
				return 0;
			continue;
		}
		break;
	}
	return segment == 2 ? j - i : 0;
}

/* --- what is to be hidden -------------------------------------------- */

typedef struct GovSpans
{
	size_t	   *start;
	size_t	   *end;
	size_t		n;
	size_t		cap;
	bool		failed;			/* out of memory: hide everything */
} GovSpans;

static void
gov_span_add(GovSpans *s, size_t start, size_t end)
{
	if (s->failed || end <= start)
		return;
	if (s->n == s->cap)
	{
		size_t		cap = s->cap ? s->cap * 2 : 8;
		size_t	   *a = realloc(s->start, cap * sizeof(size_t));

		if (a == NULL)
		{
			s->failed = true;
			return;
		}
		s->start = a;
		a = realloc(s->end, cap * sizeof(size_t));
		if (a == NULL)
		{
			s->failed = true;
			return;
		}
		s->end = a;
		s->cap = cap;
	}
	s->start[s->n] = start;
	s->end[s->n] = end;
	s->n++;
}

static void
gov_spans_free(GovSpans *s)
{
	free(s->start);
	free(s->end);
}

/* Every JWT-shaped run of the text (rule 1). */
static void
gov_find_runs(const char *text, size_t len, GovSpans *s)
{
	size_t		i = 0;

	while (i < len)
	{
		char		c = text[i];
		size_t		n;

		/*
		 * Only these characters can start a run: a JSON object encodes from
		 * '{' to 'e', from a blank to 'I', 'C' or 'D'.
		 */
		if ((c == 'e' || c == 'I' || c == 'C' || c == 'D') &&
			(n = gov_jwt_run(text, len, i)) > 0)
		{
			gov_span_add(s, i, i + n);
			i += n;
			continue;
		}
		i++;
	}
}

/* --- rule 2: a literal's value --------------------------------------- */

static int
gov_hex(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Up to n hex digits at t[*i] (at least one); their value, or -1. */
static long
gov_hex_digits(const char *t, size_t end, size_t *i, int n, bool exact)
{
	long		v = 0;
	int			k;

	for (k = 0; k < n && *i < end && gov_hex(t[*i]) >= 0; k++, (*i)++)
		v = v * 16 + gov_hex(t[*i]);
	if (k == 0 || (exact && k < n))
		return -1;
	return v;
}

/*
 * Decode the value of a literal: bytes into out, and for each byte the
 * offset in t its source starts at into map (map[n] is the contents' end).
 * Escapes that name a character outside ASCII give one byte, '?': a token
 * is ASCII.  A plain literal is decoded as an escape string when
 * backslash_escapes (standard_conforming_strings off).  Returns the length.
 */
size_t
gov_decode_literal(const char *t, const GovTok *tok, bool backslash_escapes,
				   char *out, uint32_t *map)
{
	size_t		i = tok->cstart;
	size_t		end = tok->cend;
	size_t		n = 0;
	char		quote = tok->kind == GOV_TK_QUOTED ? '"' : '\'';
	bool		bs = tok->kind == GOV_TK_STRING &&
		(tok->form == 'e' || (tok->form == 'q' && backslash_escapes));

	while (i < end)
	{
		size_t		from = i;
		char		c = t[i];

		if (tok->form == 'd')
		{
			out[n] = c;
			map[n++] = (uint32_t) from;
			i++;
			continue;
		}
		if (c == quote)
		{
			if (i + 1 < end && t[i + 1] == quote)
			{
				out[n] = quote;
				map[n++] = (uint32_t) from;
				i += 2;
				continue;
			}

			/*
			 * A continuation: blanks and comments holding a newline, then
			 * the next part's quote, skipped as the lexer skipped them.
			 */
			i++;
			gov_skip_space(t, end, &i);
			i++;
			continue;
		}
		if (bs && c == '\\' && i + 1 < end)
		{
			char		e = t[++i];
			long		v = -1;

			switch (e)
			{
				case 'b':
					v = '\b';
					i++;
					break;
				case 'f':
					v = '\f';
					i++;
					break;
				case 'n':
					v = '\n';
					i++;
					break;
				case 'r':
					v = '\r';
					i++;
					break;
				case 't':
					v = '\t';
					i++;
					break;
				case 'x':
					i++;
					v = gov_hex_digits(t, end, &i, 2, false);
					if (v < 0)
						v = 'x';
					break;
				case 'u':
				case 'U':
					i++;
					v = gov_hex_digits(t, end, &i, e == 'u' ? 4 : 8, true);
					if (v < 0)
						v = '?';
					break;
				default:
					if (e >= '0' && e <= '7')
					{
						int			k;

						v = 0;
						for (k = 0; k < 3 && i < end && t[i] >= '0' && t[i] <= '7'; k++, i++)
							v = v * 8 + (t[i] - '0');
						v &= 0xff;
					}
					else
					{
						v = (unsigned char) e;
						i++;
					}
			}
			out[n] = v > 0x7f && e != 'x' && !(e >= '0' && e <= '7') ? '?' : (char) v;
			map[n++] = (uint32_t) from;
			continue;
		}
		if (tok->form == 'u' && c == tok->uescape && i + 1 < end)
		{
			long		v;

			i++;
			if (t[i] == tok->uescape)
			{
				v = (unsigned char) t[i];
				i++;
			}
			else if (t[i] == '+')
			{
				i++;
				v = gov_hex_digits(t, end, &i, 6, true);
			}
			else
				v = gov_hex_digits(t, end, &i, 4, true);
			out[n] = v < 0 || v > 0x7f ? '?' : (char) v;
			map[n++] = (uint32_t) from;
			continue;
		}
		out[n] = c;
		map[n++] = (uint32_t) from;
		i++;
	}
	map[n] = (uint32_t) end;
	return n;
}

static void gov_find_spans(const char *t, size_t len, int depth, GovSpans *s);

/*
 * Rule 2 for one literal: search its value; whatever is found there is
 * hidden in the text, from the source of its first byte to the source of
 * the byte after it, so that an escape is hidden whole or not at all.
 */
static void
gov_literal_spans(const char *t, const GovTok *tok, int depth, GovSpans *s)
{
	size_t		clen = tok->cend - tok->cstart;
	bool		backslash = memchr(t + tok->cstart, '\\', clen) != NULL;

	/* A Unicode escape character that could not be read: hidden whole. */
	if (tok->form == 'u' && tok->uescape == '\0')
	{
		gov_span_add(s, tok->cstart, tok->cend);
		return;
	}

	/*
	 * Without a dot or an escape no value can hold a token, and only a
	 * Unicode string escapes with another character.
	 */
	if (tok->form != 'u' && !backslash && memchr(t + tok->cstart, '.', clen) == NULL)
		return;
	{
		char	   *value = malloc(clen + 1);
		uint32_t   *map = malloc((clen + 1) * sizeof(uint32_t));
		GovSpans	inner = {0};
		size_t		n,
					k;

		if (value == NULL || map == NULL)
		{
			free(value);
			free(map);
			s->failed = true;
			return;
		}
		n = gov_decode_literal(t, tok, gov_plain_backslash, value, map);
		if (depth < GOV_LITERAL_DEPTH)
			gov_find_spans(value, n, depth + 1, &inner);
		else if (memchr(value, '\'', n) != NULL || memchr(value, '$', n) != NULL ||
				 memchr(value, '\\', n) != NULL || memchr(value, '&', n) != NULL)
		{
			/*
			 * Deeper than we decode, and its value could still hold a
			 * literal or an escape: hidden whole rather than passed on.
			 */
			gov_span_add(&inner, 0, n);
		}
		else
			gov_find_runs(value, n, &inner);
		if (inner.failed)
			s->failed = true;
		else
			for (k = 0; k < inner.n; k++)
				gov_span_add(s, map[inner.start[k]], map[inner.end[k]]);
		gov_spans_free(&inner);
		free(value);
		free(map);
	}
}

/* --- rule 3: the value given to the setting -------------------------- */

/*
 * Does the token read word (case-insensitive): a word, or a literal or
 * quoted name of any spelling whose value is it?  A value much longer
 * than the word is no match, so a small buffer is enough.
 */
static bool
gov_tok_reads(const char *t, const GovTok *tok, const char *word)
{
	size_t		n = strlen(word);
	size_t		clen = tok->cend - tok->cstart;
	char		value[64];
	uint32_t	map[sizeof(value) + 1];

	if (tok->kind == GOV_TK_WORD)
		return gov_tok_word(t, tok, word);
	if (tok->kind != GOV_TK_STRING && tok->kind != GOV_TK_QUOTED)
		return false;
	if (clen == n && strncasecmp(t + tok->cstart, word, n) == 0)
		return true;
	if (tok->form == 'd' || clen >= sizeof(value))
		return false;
	return gov_decode_literal(t, tok, gov_plain_backslash, value, map) == n &&
		strncasecmp(value, word, n) == 0;
}

static bool
gov_names_setting(const char *t, const GovTok *tok)
{
	return tok->kind != GOV_TK_WORD && gov_tok_reads(t, tok, GOV_SETTING_NAME);
}

/* Hide the contents of every literal and quoted name in [*pos, stop). */
static void
gov_hide_literals(const char *t, size_t len, size_t *pos, GovSpans *s,
				  bool (*stop) (const char *, const GovTok *, int *), int *state)
{
	GovTok		tok;

	for (;;)
	{
		size_t		before = *pos;

		gov_lex(t, len, pos, &tok);
		if (tok.kind == GOV_TK_END || stop(t, &tok, state))
		{
			*pos = before;
			return;
		}
		if (tok.kind == GOV_TK_STRING || tok.kind == GOV_TK_QUOTED)
			gov_span_add(s, tok.cstart, tok.cend);
	}
}

/*
 * The value of SET: literals, words or quoted names separated by commas;
 * *state is 0 where one is expected, 1 after it.
 */
static bool
gov_set_value_ends(const char *t, const GovTok *tok, int *state)
{
	if (*state == 0)
	{
		if (tok->kind == GOV_TK_PUNCT)
			return t[tok->start] != '-' && t[tok->start] != '+';
		*state = 1;
		return false;
	}
	if (gov_tok_punct(t, tok, ','))
	{
		*state = 0;
		return false;
	}
	return true;
}

/* set_config's second argument ends at ',' or ')' outside parentheses. */
static bool
gov_argument_ends(const char *t, const GovTok *tok, int *depth)
{
	if (tok->kind != GOV_TK_PUNCT)
		return false;
	if (t[tok->start] == '(' || t[tok->start] == '[')
		(*depth)++;
	else if (t[tok->start] == ')' || t[tok->start] == ']')
	{
		if (*depth == 0)
			return true;
		(*depth)--;
	}
	else if (t[tok->start] == ',' || t[tok->start] == ';')
		return *depth == 0 || t[tok->start] == ';';
	return false;
}

/*
 * At SET, LOCAL or SESSION: is it followed by the setting's name and = or
 * TO?  If so, hide the value's literals.  Returns where to go on from.
 */
static size_t
gov_after_set(const char *t, size_t len, size_t pos, GovSpans *s)
{
	GovTok		a,
				b,
				c;
	int			state = 0;
	size_t		from = pos;

	gov_lex(t, len, &pos, &a);
	if (!gov_names_setting(t, &a))
	{
		/* governance . token, each part maybe quoted or escaped */
		if (!gov_tok_reads(t, &a, "governance"))
			return from;
		gov_lex(t, len, &pos, &b);
		if (!gov_tok_punct(t, &b, '.'))
			return from;
		gov_lex(t, len, &pos, &b);
		if (!gov_tok_reads(t, &b, "token"))
			return from;
	}
	gov_lex(t, len, &pos, &c);
	if (!gov_tok_punct(t, &c, '=') && !gov_tok_word(t, &c, "to"))
		return from;
	gov_hide_literals(t, len, &pos, s, gov_set_value_ends, &state);
	return pos;
}

/*
 * At set_config: ( name , value ...  The value's literals are hidden
 * unless the name is a literal that reads another setting: a name the
 * statement computes may be this one.  Returns where to go on from: after
 * the hidden value, or after the name of another setting (whose value is
 * searched like any text).
 */
static size_t
gov_after_set_config(const char *t, size_t len, size_t pos, int level, GovSpans *s)
{
	GovTok		tok,
				name;
	int			depth = 0;
	bool		plain = true;	/* the name is one literal (and a cast) */
	size_t		from = pos;

	gov_lex(t, len, &pos, &tok);
	if (!gov_tok_punct(t, &tok, '('))
		return from;
	gov_lex(t, len, &pos, &name);
	if (name.kind != GOV_TK_STRING)
		plain = false;
	else
		gov_literal_spans(t, &name, level, s);
	/* To the comma that ends the name, outside parentheses. */
	for (;;)
	{
		gov_lex(t, len, &pos, &tok);
		if (tok.kind == GOV_TK_END)
			return pos;
		if (depth == 0 && gov_tok_punct(t, &tok, ','))
			break;
		if (depth == 0 && gov_tok_punct(t, &tok, ')'))
			return pos;
		if (gov_tok_punct(t, &tok, '('))
			depth++;
		else if (gov_tok_punct(t, &tok, ')'))
			depth--;
		else if (!gov_tok_punct(t, &tok, ':') && tok.kind != GOV_TK_WORD)
			plain = false;
		/* Literals of a computed name are searched like any (rule 2). */
		if (tok.kind == GOV_TK_STRING)
			gov_literal_spans(t, &tok, level, s);
	}
	if (plain && !gov_names_setting(t, &name))
		return pos;
	depth = 0;
	gov_hide_literals(t, len, &pos, s, gov_argument_ends, &depth);
	return pos;
}

/* --- all three rules -------------------------------------------------- */

/* Does t hold word, in any case? */
static bool
gov_contains_ci(const char *t, size_t len, const char *word)
{
	size_t		n = strlen(word);
	size_t		i;

	for (i = 0; i + n <= len; i++)
		if ((t[i] | 0x20) == word[0] && strncasecmp(t + i, word, n) == 0)
			return true;
	return false;
}

/*
 * Could the text hold anything but a plain run of rule 1?  Rules 2 and 3
 * matter only with an escape, a Unicode string, the setting's name, or a
 * literal continued on another line.
 */
static bool
gov_needs_lexing(const char *t, size_t len)
{
	const char *p;

	if (memchr(t, '\\', len) != NULL || memchr(t, '&', len) != NULL ||
		gov_contains_ci(t, len, "token"))
		return true;
	/* Each byte once: the search goes on from where the blanks ended. */
	for (p = t; (p = memchr(p, '\'', len - (size_t) (p - t))) != NULL;)
	{
		size_t		k = (size_t) (p - t) + 1;

		if (gov_skip_space(t, len, &k) && k < len && t[k] == '\'')
			return true;
		if (k >= len)
			break;
		p = t + (k > (size_t) (p - t) + 1 ? k : (size_t) (p - t) + 1);
	}
	return false;
}

static void
gov_find_spans(const char *t, size_t len, int depth, GovSpans *s)
{
	size_t		pos = 0;
	GovTok		tok;

	gov_find_runs(t, len, s);
	if (!gov_needs_lexing(t, len))
		return;
	for (;;)
	{
		gov_lex(t, len, &pos, &tok);
		if (tok.kind == GOV_TK_END || s->failed)
			break;
		if (tok.kind == GOV_TK_STRING ||
			(tok.kind == GOV_TK_QUOTED && tok.form == 'u'))
			gov_literal_spans(t, &tok, depth, s);
		else if (gov_tok_word(t, &tok, "set") || gov_tok_word(t, &tok, "local") ||
				 gov_tok_word(t, &tok, "session"))
			pos = gov_after_set(t, len, pos, s);
		else if (gov_tok_word(t, &tok, "set_config"))
			pos = gov_after_set_config(t, len, pos, depth, s);
	}
}

static int
gov_span_cmp(const void *a, const void *b)
{
	const size_t *x = a,
			   *y = b;

	return x[0] < y[0] ? -1 : x[0] > y[0];
}

/*
 * The spans to hide in text, sorted and merged into pairs (start, end) in
 * *pairs; returns their number, or -1 when memory ran out.
 */
static long
gov_spans_of(const char *text, size_t len, size_t **pairs)
{
	GovSpans	s = {0};
	size_t	   *p;
	size_t		k,
				n = 0;

	*pairs = NULL;
	if (memchr(text, '.', len) == NULL && memchr(text, '\\', len) == NULL &&
		memchr(text, '&', len) == NULL)
		return 0;
	/*
	 * Plain strings lexed as the server does with standard_conforming_strings
	 * on, and, if a backslash could make a difference, as it does with it
	 * off: the text does not say which was in force.
	 */
	gov_plain_backslash = false;
	gov_find_spans(text, len, 0, &s);
	if (!s.failed && memchr(text, '\\', len) != NULL)
	{
		gov_plain_backslash = true;
		gov_find_spans(text, len, 0, &s);
		gov_plain_backslash = false;
	}
	if (s.failed)
	{
		gov_spans_free(&s);
		return -1;
	}
	if (s.n == 0)
	{
		gov_spans_free(&s);
		return 0;
	}
	p = malloc(2 * s.n * sizeof(size_t));
	if (p == NULL)
	{
		gov_spans_free(&s);
		return -1;
	}
	for (k = 0; k < s.n; k++)
	{
		p[2 * k] = s.start[k];
		p[2 * k + 1] = s.end[k];
	}
	gov_spans_free(&s);
	qsort(p, s.n, 2 * sizeof(size_t), gov_span_cmp);
	for (k = 0; k < s.n; k++)
	{
		if (n > 0 && p[2 * k] <= p[2 * n - 1])
		{
			if (p[2 * k + 1] > p[2 * n - 1])
				p[2 * n - 1] = p[2 * k + 1];
			continue;
		}
		p[2 * n] = p[2 * k];
		p[2 * n + 1] = p[2 * k + 1];
		n++;
	}
	*pairs = p;
	return (long) n;
}

char *
gov_redact_tokens(const char *text)
{
	size_t		len,
				from = 0,
				o = 0,
				k,
				*pairs;
	long		n;
	char	   *out;

	if (text == NULL)
		return NULL;
	len = strlen(text);
	n = gov_spans_of(text, len, &pairs);
	if (n < 0)
		return (char *) gov_unredactable;
	if (n == 0)
		return NULL;
	/* Each span is replaced by GOV_REDACTED: at most that much longer. */
	out = malloc(len + 1 + (size_t) n * sizeof(GOV_REDACTED));
	if (out == NULL)
	{
		free(pairs);
		return (char *) gov_unredactable;
	}
	for (k = 0; k < (size_t) n; k++)
	{
		memcpy(out + o, text + from, pairs[2 * k] - from);
		o += pairs[2 * k] - from;
		memcpy(out + o, GOV_REDACTED, sizeof(GOV_REDACTED) - 1);
		o += sizeof(GOV_REDACTED) - 1;
		from = pairs[2 * k + 1];
	}
	memcpy(out + o, text + from, len - from);
	out[o + len - from] = '\0';
	free(pairs);
	return out;
}

void
gov_redact_free(char *redacted)
{
	if (redacted != gov_unredactable)
		free(redacted);
}

bool
gov_holds_token(const char *text)
{
	size_t	   *pairs;
	long		n;

	if (text == NULL)
		return false;
	n = gov_spans_of(text, strlen(text), &pairs);
	free(pairs);
	return n != 0;
}

bool
gov_redact_tokens_in_place(char *text)
{
	size_t		len,
				k,
				*pairs;
	long		n;

	if (text == NULL)
		return false;
	len = strlen(text);
	n = gov_spans_of(text, len, &pairs);
	if (n < 0)
	{
		memset(text, 'X', len);
		return true;
	}
	for (k = 0; k < (size_t) n; k++)
	{
		size_t		start = pairs[2 * k],
					runlen = pairs[2 * k + 1] - start,
					mark = sizeof(GOV_REDACTED) - 1;

		/* "<redacted>" and blanks; a run shorter than that, X's. */
		if (runlen >= mark)
		{
			memcpy(text + start, GOV_REDACTED, mark);
			memset(text + start + mark, ' ', runlen - mark);
		}
		else
			memset(text + start, 'X', runlen);
	}
	free(pairs);
	return n > 0;
}
