/*-------------------------------------------------------------------------
 *
 * policy.h
 *	  The policy: rules, what a statement does, and the decision.
 *
 * A statement is judged as a set of actions: an operation class on an
 * object (DELETE FROM a USING b is a delete of a and a select of b).  Each
 * action is decided by the highest-priority rule that matches the acting
 * principal, the environment, the operation and the object; the
 * statement's decision is the most restrictive of its actions' decisions,
 * and its row budget the smallest.
 *
 * src/include/governance/policy.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef GOVERNANCE_POLICY_H
#define GOVERNANCE_POLICY_H

#include "access/xact.h"
#include "governance/common.h"
#include "nodes/parsenodes.h"
#include "nodes/plannodes.h"
#include "utils/jsonb.h"

/* Operation classes, as bits. */
#define GOV_OP_SELECT		(1u << 0)
#define GOV_OP_INSERT		(1u << 1)
#define GOV_OP_UPDATE		(1u << 2)
#define GOV_OP_DELETE		(1u << 3)
#define GOV_OP_MERGE		(1u << 4)
#define GOV_OP_TRUNCATE		(1u << 5)
#define GOV_OP_COPY_TO		(1u << 6)
#define GOV_OP_COPY_FROM	(1u << 7)
#define GOV_OP_CREATE		(1u << 8)
#define GOV_OP_ALTER		(1u << 9)
#define GOV_OP_DROP			(1u << 10)
#define GOV_OP_GRANT		(1u << 11)
#define GOV_OP_REVOKE		(1u << 12)
#define GOV_OP_ALTER_SYSTEM (1u << 13)
#define GOV_OP_OTHER		(1u << 14)
#define GOV_OP_NCLASSES		15

#define GOV_OP_DDL		(GOV_OP_CREATE | GOV_OP_ALTER | GOV_OP_DROP)
#define GOV_OP_WRITE	(GOV_OP_INSERT | GOV_OP_UPDATE | GOV_OP_DELETE | \
						 GOV_OP_MERGE | GOV_OP_TRUNCATE | GOV_OP_COPY_FROM)
#define GOV_OP_READ		(GOV_OP_SELECT | GOV_OP_COPY_TO)
#define GOV_OP_ALL		((1u << GOV_OP_NCLASSES) - 1)
/* The writes whose rows a budget counts. */
#define GOV_OP_COUNTABLE (GOV_OP_INSERT | GOV_OP_UPDATE | GOV_OP_DELETE | \
						  GOV_OP_MERGE | GOV_OP_COPY_FROM)
/* The writes that can be unfiltered. */
#define GOV_OP_FILTERABLE (GOV_OP_UPDATE | GOV_OP_DELETE | GOV_OP_MERGE)

typedef enum GovEffect
{
	GOV_ALLOW = 0,
	GOV_LIMIT_ROWS,
	GOV_REQUIRE_APPROVAL,
	GOV_DENY
} GovEffect;

/* One thing a statement does. */
typedef struct GovAction
{
	uint32		op;				/* one GOV_OP_* bit */
	bool		unfiltered;		/* update/delete/merge without a WHERE */
	bool		destructive;	/* drop, or an ALTER that destroys data */
	Oid			relid;			/* InvalidOid if none or not yet created */
	char	   *object;			/* "schema.name", or NULL */
} GovAction;

/* The decision on a statement. */
typedef struct GovDecision
{
	GovEffect	effect;
	const char *rule;			/* deciding rule, NULL: no rule matched */
	int64		max_rows;		/* row budget, -1: none */
	const char *budget_rule;	/* the rule that set max_rows */
	GovAction	action;			/* the action the effect is about */
} GovDecision;

/*
 * The decision on a statement, noted for its audit event: subject is the
 * QueryDesc (plannable), PlannedStmt (utility) or text (fastpath call) it
 * was made for (src/policy/decisions.c).
 */
typedef struct GovDecisionNote
{
	const void *subject;
	SubTransactionId subxid;	/* where it was made; gone if rolled back */
	GovEffect	effect;
	char		rule[NAMEDATALEN];	/* empty: no rule matched */
	GovAction	action;			/* what the rule decided; object NULL */
	char		object[NAMEDATALEN * 2 + 2];	/* named when noted, or "" */
	int64		max_rows;
	int64		request_id;		/* the approval used, 0 if none */
	bool		stopped;		/* the row budget stopped the statement */
} GovDecisionNote;

extern void governance_decision_note(const void *subject, const GovDecision *d,
									 int64 request_id);
/* The row budget stopped the statement. */
extern void governance_decision_stopped(const void *subject);
/* The decision on a statement, or NULL if it was not judged. */
extern const GovDecisionNote *governance_decision_for(const void *subject);
/*
 * The latest denial, unmet approval or exceeded budget since the top-level
 * statement began.
 */
extern const GovDecisionNote *governance_decision_blocking(void);
extern void governance_decisions_reset(void);
/* The statement ended; a subtransaction was rolled back. */
extern void governance_decision_forget(const void *subject);
extern void governance_decisions_subxact_abort(SubTransactionId mySubid);
/* A decision as the audit records it (n may be NULL). */
struct GovAuditDecision;
extern void governance_decision_describe(const GovDecisionNote *n,
										 struct GovAuditDecision *out);

/* Collect a statement's actions (src/policy/classify.c). */
extern List *governance_plan_actions(PlannedStmt *pstmt);
extern List *governance_utility_actions(Node *stmt);
extern const char *governance_op_name(uint32 op);
extern const char *governance_action_object(GovAction *a);
extern char *governance_action_text(const GovAction *a);

/* Decide (src/policy/decide.c). */
extern void governance_decide(List *actions, GovDecision *out);
extern const char *governance_effect_name(GovEffect e);
extern bool governance_policy_active(void);
/* Operation classes some rule applying to the acting principal names. */
extern uint32 governance_policy_ops(void);
extern void governance_policy_init(void);
extern void governance_policy_xact_end(XactEvent event);
extern void governance_environment_assign(const char *newval, void *extra);
extern bool governance_principal_matches(const char *pattern);

#endif							/* GOVERNANCE_POLICY_H */
