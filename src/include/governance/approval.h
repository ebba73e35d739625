/*-------------------------------------------------------------------------
 *
 * approval.h
 *	  Approvals: a second person's consent to one exact statement.
 *
 * A statement a rule holds for approval fails with SQLSTATE VG001 and
 * raises a request, recorded as an event of the audit trail (so it
 * survives the rollback of the statement that raised it; the request's id
 * is that event's sequence number) and announced on the NOTIFY channel
 * governance_approvals.  An approver decides it with governance.approve()
 * or governance.deny(); the decision is a row of governance.approvals.
 * The requester then runs the same statement again, which consumes the
 * approval in its own transaction.
 *
 * src/include/governance/approval.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef GOVERNANCE_APPROVAL_H
#define GOVERNANCE_APPROVAL_H

#include "governance/policy.h"
#include "nodes/params.h"

/* SQLSTATE of a statement waiting for approval. */
#define ERRCODE_GOVERNANCE_APPROVAL_REQUIRED MAKE_SQLSTATE('V','G','0','0','1')

/*
 * The fingerprint of a statement: SHA-256 over its tokens as the server's
 * lexer reads them (whitespace, comments and the case of keywords and
 * identifiers do not change it, any other change does), the relations its
 * actions resolve to and its parameter values.  NULL if the lexer refuses
 * the text.
 */
extern char *governance_statement_fingerprint(const char *text, int len,
											  List *actions, ParamListInfo params);
extern char *governance_parameter_text(ParamListInfo params);

/* Who asks, as approvals bind it: "sub:<sub>" or "db:<session role>". */
extern char *governance_requester(const char **actor);

/*
 * Use an approval for this statement if one is waiting: true (and the
 * request id) if it was consumed.  Otherwise raise a request and fail
 * with VG001.
 */
extern int64 governance_approval_enforce(const GovDecision *d,
										 const char *text, int len,
										 List *actions, ParamListInfo params);

#endif							/* GOVERNANCE_APPROVAL_H */
