/*-------------------------------------------------------------------------
 *
 * audit_internal.h
 *	  What the statement events (statement.c), the nested cap (nested.c)
 *	  and the statement text (statement_text.c) share.  Private to src/audit.
 *
 * src/audit/audit_internal.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef GOVERNANCE_AUDIT_INTERNAL_H
#define GOVERNANCE_AUDIT_INTERNAL_H

#include "access/xlogdefs.h"
#include "executor/execdesc.h"
#include "governance/audit_record.h"
#include "nodes/plannodes.h"

extern void governance_audit_nested_reset(void);
extern bool governance_audit_nested_past_cap(void);
extern bool governance_audit_nested_recordable(bool changes);
extern void governance_audit_nested_unrecorded(PlannedStmt *pstmt);
extern bool governance_audit_query_changed(QueryDesc *queryDesc, XLogRecPtr wal);
extern bool governance_audit_utility_changes(Node *stmt);
extern void governance_audit_put_nested_unrecorded(GovAuditRecord *r);
/* The statement's own text of source (statement_text.c). */
extern void governance_audit_put_statement(GovAuditRecord *r, const char *source,
										   int location, int len, bool may_lex);

#endif							/* GOVERNANCE_AUDIT_INTERNAL_H */
