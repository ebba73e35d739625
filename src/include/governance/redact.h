/*-------------------------------------------------------------------------
 *
 * redact.h
 *	  Finding and hiding tokens in text, independent of the server.
 *
 * src/include/governance/redact.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef GOVERNANCE_REDACT_H
#define GOVERNANCE_REDACT_H

#include <stdbool.h>
#include <stddef.h>

#define GOV_REDACTED "<redacted>"

/*
 * Return a malloc'd copy of text in which every JWT-shaped run (three dot-
 * separated base64url runs, the first two at least 8 characters long and
 * starting as base64url of a JSON object does) and the contents of every
 * string literal given to governance.token (made of token characters) are
 * replaced by GOV_REDACTED; NULL if there was nothing to replace (or no
 * memory).  Tokens are found by what they are, never by a value a session
 * chose: a value it chose could make us hide any text it likes.
 */
extern char *gov_redact_tokens(const char *text);

/* Does text hold anything gov_redact_tokens would replace? */
extern bool gov_holds_token(const char *text);

/*
 * The same runs overwritten in place by GOV_REDACTED and blanks (X's for a
 * literal shorter than that), so that the text keeps its length and every
 * offset into it (statement and constant locations) stays right.  Returns
 * whether anything was overwritten.
 */
extern bool gov_redact_tokens_in_place(char *text);

#endif							/* GOVERNANCE_REDACT_H */
