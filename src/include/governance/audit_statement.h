/*-------------------------------------------------------------------------
 *
 * audit_statement.h
 *	  Statement text as the audit trail records it.
 *
 * src/include/governance/audit_statement.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef GOVERNANCE_AUDIT_STATEMENT_H
#define GOVERNANCE_AUDIT_STATEMENT_H

#include "parser/scanner.h"

/*
 * The text with every literal replaced by '?' (palloc'd), or NULL if the
 * lexer refuses it.  Must not be called while an error is being handled.
 */
extern char *governance_normalize_statement(const char *text, int len);

/*
 * Each token of text as the server's lexer reads it (keywords and
 * unquoted identifiers folded, comments and whitespace gone).  False if
 * the lexer refuses the text.
 */
typedef void (*GovTokenFn) (int token, core_YYSTYPE *value, int location,
							const char *scanbuf, void *arg);
extern bool governance_lex(const char *text, int len, GovTokenFn fn, void *arg);
extern char *governance_abridge_statement(const char *text, int len);

#endif							/* GOVERNANCE_AUDIT_STATEMENT_H */
