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
 * starting as base64url of a JSON object does) and every
 * occurrence of exact (if not NULL and at least 8 bytes) is replaced by
 * GOV_REDACTED; NULL if there was nothing to replace (or no memory).
 */
extern char *gov_redact_tokens(const char *text, const char *exact);

/* Does text hold anything gov_redact_tokens would replace? */
extern bool gov_has_token(const char *text, const char *exact);

#endif							/* GOVERNANCE_REDACT_H */
