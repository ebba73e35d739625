/*-------------------------------------------------------------------------
 *
 * enforce.c
 *	  Judging each statement before it runs, and refusing what the policy
 *	  or the clock forbids.
 *
 * Every statement that runs reaches ExecutorStart and ExecutorRun
 * (plannable statements, including cached plans of prepared statements
 * and PL/pgSQL, which skip the planner) or ProcessUtility (everything
 * else); the hook layer (src/hooks/hooks.c) asks here at each.  The acting
 * identity is checked before each statement runs: an expired token, or one
 * that no longer verifies after a key reload, may do nothing but replace
 * or reset itself (src/identity/token_statements.c).
 *
 * Then the policy decides the statement (src/policy): the hook layer
 * fails a denied statement with SQLSTATE 42501 before it runs, and lets
 * one held for approval through only by using an approval (src/approval).
 * One with a row budget runs counted (src/guard/budget.c).  Each decision
 * is noted (src/policy/decisions.c) for the statement's audit event.
 * Parallel workers are skipped: their leader already checked the
 * statement.  So are the extension's own internal statements
 * (governance_inhibit).
 *
 * A transaction commits only while its identity may act (see
 * governance_guard_pre_commit()).
 *
 * src/guard/enforce.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/parallel.h"
#include "access/xact.h"
#include "executor/executor.h"
#include "governance/common.h"
#include "governance/guard.h"
#include "governance/identity.h"
#include "governance/policy.h"
#include "libpq/libpq-be.h"
#include "miscadmin.h"
#include "nodes/plannodes.h"
#include "tcop/tcopprot.h"
#include "tcop/utility.h"
#include "utils/memutils.h"
#include "utils/regproc.h"

/* Did a statement of ours run in this transaction? */
static bool gov_xact_acted = false;

/*
 * Statements PostgreSQL generates while running another (the sequence
 * behind a serial column, the index behind a constraint) were judged as
 * part of that statement.  What a user wrote inside another statement
 * (the elements of CREATE SCHEMA) is judged like any statement.
 */
static bool
gov_generated_subcommand(Node *stmt, ProcessUtilityContext context)
{
	if (context != PROCESS_UTILITY_SUBCOMMAND)
		return false;
	switch (nodeTag(stmt))
	{
		case T_CreateSeqStmt:
		case T_AlterSeqStmt:
		case T_IndexStmt:
		case T_AlterTableStmt:
			return true;
		default:
			return false;
	}
}

/* The message of a denial: "delete on public.t is denied by ...". */
char *
governance_guard_denial_message(const GovDecision *d)
{
	return psprintf("%s is denied by governance rule \"%s\"",
					governance_action_text(&d->action), d->rule);
}

/* Fail a denied statement. */
void
governance_guard_refuse(const GovDecision *d, const char *message)
{
	ereport(ERROR,
			(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
			 errmsg("%s", message),
			 errdetail("Rule \"%s\" denies %s to this principal%s%s.", d->rule,
					   governance_action_text(&d->action),
					   governance_environment && governance_environment[0] ?
					   " in environment " : "",
					   governance_environment ? governance_environment : ""),
			 d->action.unfiltered ?
			 errhint("Add a WHERE clause that selects the rows to change.  governance.check() shows how a statement will be decided before it runs.") :
			 errhint("governance.check() shows how a statement will be decided before it runs; a governance administrator can change the policy.")));
}

/*
 * Before a plannable statement starts: the identity must be usable, and
 * the policy decides it.  True when *d is a decision to enforce (with the
 * statement's actions); a plain SELECT skips classification when no rule
 * that applies to this principal names select.
 */
bool
governance_guard_judge_plan(QueryDesc *qd, int eflags, GovDecision *d,
							List **actions)
{
	PlannedStmt *pstmt = qd->plannedstmt;

	gov_xact_acted = true;
	if (IsParallelWorker())
		return false;
	if (!governance_identity_usable() && !governance_plan_only_sets_token(pstmt))
		governance_identity_refuse();
	if (governance_inhibit != 0 || (eflags & EXEC_FLAG_EXPLAIN_ONLY) != 0 ||
		!governance_policy_active())
		return false;
	if (pstmt->commandType == CMD_SELECT && !pstmt->hasModifyingCTE &&
		(governance_policy_ops() & GOV_OP_SELECT) == 0)
	{
		/* No rule for this principal names select: allowed as it stands. */
		memset(d, 0, sizeof(*d));
		d->effect = GOV_ALLOW;
		d->max_rows = -1;
		governance_decision_note(qd, d, 0);
		return false;
	}
	if (governance_plan_only_sets_token(pstmt))
		return false;
	/* Names are looked up below and copied: the cache may tidy itself. */
	governance_names_collect();
	*actions = governance_plan_actions(pstmt);
	governance_decide(*actions, d);
	return true;
}

/*
 * Once the executor has started: count the statement's writes if it has a
 * budget or runs under one.  d is NULL if the statement was not judged.
 */
void
governance_guard_executor_started(QueryDesc *qd, int eflags, const GovDecision *d)
{
	GovDecision none;

	if (d == NULL)
	{
		memset(&none, 0, sizeof(none));
		none.max_rows = -1;
		d = &none;
	}
	if ((d->max_rows >= 0 || governance_budget_any()) && !IsParallelWorker() &&
		governance_inhibit == 0 && (eflags & EXEC_FLAG_EXPLAIN_ONLY) == 0)
		governance_budget_install(qd, d);
}

/*
 * Checked again when the plan runs: with the extended protocol a portal is
 * started at Bind and may be executed later, after the token expired.
 */
void
governance_guard_run_check(QueryDesc *qd)
{
	if (!IsParallelWorker() && !governance_identity_usable() &&
		!governance_plan_only_sets_token(qd->plannedstmt))
		governance_identity_refuse();
}

/*
 * Before a utility statement runs.  COMMIT PREPARED makes a transaction
 * durable at once, past the pre-commit check: it is a commit, so the clock
 * is checked first.  True when *d is a decision to enforce.
 */
bool
governance_guard_judge_utility(PlannedStmt *pstmt, ProcessUtilityContext context,
							   GovDecision *d, List **actions)
{
	Node	   *stmt = pstmt->utilityStmt;
	bool		sets_token;

	gov_xact_acted = true;
	if (IsParallelWorker())
		return false;
	sets_token = governance_utility_only_sets_token(stmt);
	if ((!sets_token || (IsA(stmt, TransactionStmt) &&
						 ((TransactionStmt *) stmt)->kind == TRANS_STMT_COMMIT_PREPARED)) &&
		!governance_identity_usable())
		governance_identity_refuse();
	if (sets_token || governance_inhibit != 0 ||
		gov_generated_subcommand(stmt, context) || !governance_policy_active())
		return false;
	*actions = governance_utility_actions(stmt);
	governance_decide(*actions, d);
	return true;
}

/* COPY FROM reports its rows only at the end: too many rolls back. */
void
governance_guard_utility_done(PlannedStmt *pstmt, const GovDecision *d,
							  QueryCompletion *qc)
{
	Node	   *stmt = pstmt->utilityStmt;

	if (IsA(stmt, CopyStmt) && ((CopyStmt *) stmt)->is_from &&
		d->max_rows >= 0 && qc != NULL && qc->nprocessed > (uint64) d->max_rows)
	{
		governance_decision_stopped(pstmt);
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("COPY loaded " UINT64_FORMAT " rows, more than the " INT64_FORMAT " of governance rule \"%s\"",
						qc->nprocessed, d->max_rows, d->budget_rule),
				 errdetail("The rows are rolled back."),
				 errhint("Load the rows in smaller batches, or ask a governance administrator for a larger budget.")));
	}
}

/*
 * A transaction commits only while its identity may act: a procedure that
 * loops over COMMIT, or a client that holds a transaction open past the
 * token's expiry, cannot make its changes durable after it.  (An ERROR
 * here aborts the transaction instead.)
 *
 * The one transaction not refused: the one in which an idle session reads
 * the notifications sent to it.  No client statement is under way, none
 * of ours ran in it, and it has no transaction id: it makes nothing
 * durable, and refusing it would end the session, which is reading the
 * client's next message.  (A procedure's COMMIT happens under its CALL,
 * and whatever it changed took an id.)
 */
void
governance_guard_pre_commit(void)
{
	bool		idle_read = !gov_xact_acted && debug_query_string == NULL &&
		!TransactionIdIsValid(GetTopTransactionIdIfAny());

	if (!idle_read && !IsParallelWorker() && !governance_identity_usable())
		governance_identity_refuse();
}

void
governance_guard_xact_end(void)
{
	gov_xact_acted = false;
	governance_budget_xact_end();
}

/*
 * Fastpath function calls (protocol message 'F', libpq's PQfn, which the
 * large-object functions use) run a function without a statement: no
 * planner, executor or utility hook sees them.  PostgreSQL announces each
 * with OAT_FUNCTION_EXECUTE, which otherwise fires only under a statement.
 * So a function announced while no statement is under way, in a client
 * backend, is decided as a statement of its own: the identity is checked
 * against the clock, the policy decides it (operation "other" on the
 * function, schema.name), and the hook layer records it before it runs --
 * a call that cannot be recorded does not run.  Its text stands in
 * debug_query_string until the next message, so an error it raises is
 * recorded and logged with it.
 *
 * "No statement under way" is what PostgreSQL says (debug_query_string is
 * NULL: no SQL message is being run) or, once a fastpath call has put its
 * own text there (or a log entry its redacted copy of it), what the hook
 * layer says: none of its planner, executor or utility calls is running.  A call that follows another fastpath call
 * with no SQL in between (libpq's lo_import: lo_creat, lo_open, lowrite,
 * lo_close) is a call of its own, never one "run by" the call before.
 */
static char *gov_fastpath_text = NULL;	/* in TopMemoryContext */

bool
governance_guard_is_fastpath(bool statement_under_way)
{
	if (MyProcPort == NULL || IsParallelWorker())
		return false;
	if (debug_query_string == NULL)
		return true;
	return !statement_under_way &&
		governance_secrecy_shows(debug_query_string, gov_fastpath_text);
}

/*
 * Begin a fastpath call of fn: its text, and whether *d (with *actions) is
 * a decision to enforce.
 */
bool
governance_guard_judge_fastpath(Oid fn, const char **text, GovDecision *d,
								List **actions)
{
	char	   *signature = format_procedure_qualified(fn);
	GovAction  *a;
	char	   *name;

	gov_xact_acted = true;
	if (gov_fastpath_text != NULL)
		pfree(gov_fastpath_text);
	gov_fastpath_text = MemoryContextStrdup(TopMemoryContext,
											psprintf("fastpath function call %s", signature));
	debug_query_string = gov_fastpath_text;
	*text = gov_fastpath_text;
	governance_decisions_reset();

	if (!governance_identity_usable())
		governance_identity_refuse();
	if (governance_inhibit != 0 || !governance_policy_active())
		return false;
	a = palloc0(sizeof(GovAction));
	name = pstrdup(signature);
	if (strchr(name, '(') != NULL)
		*strchr(name, '(') = '\0';
	a->op = GOV_OP_OTHER;
	a->relid = InvalidOid;
	a->object = name;
	*actions = list_make1(a);
	governance_decide(*actions, d);
	return true;
}
