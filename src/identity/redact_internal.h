/*-------------------------------------------------------------------------
 *
 * redact_internal.h
 *	  What the redactor (redact.c) and its SQL lexer (redact_lex.c) share.
 *	  Plain C, private to src/identity.
 *
 * src/identity/redact_internal.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef GOVERNANCE_REDACT_INTERNAL_H
#define GOVERNANCE_REDACT_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum GovTokKind
{
	GOV_TK_END,
	GOV_TK_WORD,				/* keyword, identifier or number */
	GOV_TK_QUOTED,				/* "identifier" */
	GOV_TK_STRING,				/* a string literal of any form */
	GOV_TK_PUNCT
} GovTokKind;

typedef struct GovTok
{
	GovTokKind	kind;
	size_t		start;			/* the whole token */
	size_t		end;
	size_t		cstart;			/* a literal's or quoted name's contents */
	size_t		cend;
	char		form;			/* 'q' plain, 'e' E'', 'u' U&'', 'd' dollar */
	char		uescape;		/* U&'' escape character */
} GovTok;

/*
 * Whether plain '...' strings take backslash escapes, as they do with
 * standard_conforming_strings off (set by redact.c for each pass).
 */
extern bool gov_plain_backslash;

/* Skip blanks and comments from *pos; return whether a newline was passed. */
extern bool gov_skip_space(const char *t, size_t len, size_t *pos);
/* The next token from *pos (GOV_TK_END at the end of the text). */
extern void gov_lex(const char *t, size_t len, size_t *pos, GovTok *tok);
/* Is the token this word (case-insensitive), or this one character? */
extern bool gov_tok_word(const char *t, const GovTok *tok, const char *word);
extern bool gov_tok_punct(const char *t, const GovTok *tok, char c);

/*
 * The value of a string literal (redact.c): its length, written to out
 * (room for the contents' length), map[i] the offset in t of value byte i.
 */
extern size_t gov_decode_literal(const char *t, const GovTok *tok,
								 bool backslash_escapes, char *out,
								 uint32_t *map);

#endif							/* GOVERNANCE_REDACT_INTERNAL_H */
