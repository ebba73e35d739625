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

/*
 * The text with every literal replaced by '?' (palloc'd), or NULL if the
 * lexer refuses it.  Must not be called while an error is being handled.
 */
extern char *governance_normalize_statement(const char *text, int len);

#endif							/* GOVERNANCE_AUDIT_STATEMENT_H */
