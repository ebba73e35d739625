/*-------------------------------------------------------------------------
 *
 * guard.h
 *	  The guard: judging each statement before it runs, refusing what the
 *	  policy or the clock forbids, and counting rows against budgets.
 *
 * The hook layer (src/hooks/hooks.c) calls these at each point of a
 * statement's life; nothing here installs a hook.
 *
 * src/include/governance/guard.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef GOVERNANCE_GUARD_H
#define GOVERNANCE_GUARD_H

#include "access/xact.h"
#include "catalog/objectaccess.h"
#include "executor/execdesc.h"
#include "governance/policy.h"
#include "tcop/cmdtag.h"
#include "tcop/utility.h"

/* Judging and refusing (src/guard/enforce.c). */
extern bool governance_guard_judge_plan(QueryDesc *qd, int eflags,
										GovDecision *d, List **actions);
extern void governance_guard_executor_started(QueryDesc *qd, int eflags,
											  const GovDecision *d);
extern void governance_guard_run_check(QueryDesc *qd);
extern bool governance_guard_judge_utility(PlannedStmt *pstmt,
										   ProcessUtilityContext context,
										   GovDecision *d, List **actions);
extern void governance_guard_utility_done(PlannedStmt *pstmt,
										  const GovDecision *d,
										  QueryCompletion *qc);
extern char *governance_guard_denial_message(const GovDecision *d);
extern void governance_guard_refuse(const GovDecision *d, const char *message) pg_attribute_noreturn();
extern void governance_guard_pre_commit(void);
extern void governance_guard_xact_end(void);
extern bool governance_guard_is_fastpath(bool statement_under_way);
extern bool governance_guard_judge_fastpath(Oid fn, const char **text,
											GovDecision *d, List **actions);

/* Row budgets (src/guard/budget.c). */
extern void governance_budget_install(QueryDesc *qd, const GovDecision *d);
extern void governance_budget_forget(QueryDesc *qd);
extern bool governance_budget_run_enter(QueryDesc *qd);
extern void governance_budget_run_leave(QueryDesc *qd);
extern bool governance_budget_any(void);
extern void governance_budget_xact_end(void);
extern void governance_budget_subxact_end(SubXactEvent event,
										  SubTransactionId mySubid,
										  SubTransactionId parentSubid);

#endif							/* GOVERNANCE_GUARD_H */
