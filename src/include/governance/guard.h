/*-------------------------------------------------------------------------
 *
 * guard.h
 *	  The hooks every statement passes through.
 *
 * src/include/governance/guard.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef GOVERNANCE_GUARD_H
#define GOVERNANCE_GUARD_H

#include "governance/policy.h"

extern void governance_guard_init(void);
extern bool governance_utility_only_sets_token(Node *stmt);
extern bool governance_query_only_sets_token(Query *q);

/*
 * The decision on the statement judged last, for its audit event: subject
 * is the QueryDesc (plannable) or PlannedStmt (utility) it was made for.
 */
typedef struct GovDecisionNote
{
	const void *subject;
	GovEffect	effect;
	char		rule[NAMEDATALEN];	/* empty: no rule matched */
	GovAction	action;			/* what the rule decided; object NULL */
	char		object[NAMEDATALEN * 2 + 2];	/* if it has no relation */
	int64		max_rows;
	int64		request_id;		/* the approval used, 0 if none */
	bool		stopped;		/* the row budget stopped the statement */
} GovDecisionNote;

/* The decision on a statement, or NULL if it was not judged. */
extern const GovDecisionNote *governance_decision_for(const void *subject);
/*
 * The latest denial, unmet approval or exceeded budget since the top-level
 * statement began.
 */
extern const GovDecisionNote *governance_decision_blocking(void);
extern void governance_decisions_reset(void);

#endif							/* GOVERNANCE_GUARD_H */
