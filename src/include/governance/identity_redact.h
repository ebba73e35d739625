/*-------------------------------------------------------------------------
 *
 * identity_redact.h
 *	  Finding and hiding tokens in text, independent of the server.
 *
 * src/include/governance/identity_redact.h
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
 * starting as base64url of a JSON object does), every such run inside the
 * decoded value of a string literal, and the contents of the literals given
 * to governance.token are replaced by GOV_REDACTED; NULL if there was
 * nothing to replace.  When memory runs out, gov_unredactable, a fixed
 * text, stands for the whole text: never the text itself.  Free the result
 * with gov_redact_free().  Tokens are found by what they are, never by a
 * value a session chose: a value it chose could make us hide any text it
 * likes.
 */
extern char *gov_redact_tokens(const char *text);
extern void gov_redact_free(char *redacted);
extern const char gov_unredactable[];

/* Does text hold anything gov_redact_tokens would replace? */
extern bool gov_holds_token(const char *text);

/*
 * The same runs overwritten in place by GOV_REDACTED and blanks (X's for a
 * literal shorter than that), so that the text keeps its length and every
 * offset into it (statement and constant locations) stays right.  Returns
 * whether anything was overwritten.  When memory runs out, the whole text
 * is overwritten.
 */
extern bool gov_redact_tokens_in_place(char *text);

#endif							/* GOVERNANCE_REDACT_H */
