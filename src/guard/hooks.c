/*-------------------------------------------------------------------------
 *
 * hooks.c
 *	  The executor and utility hooks every statement passes through.
 *
 * Every statement that runs reaches ExecutorStart and ExecutorRun
 * (plannable statements, including cached plans of prepared statements
 * and PL/pgSQL, which skip the planner) or ProcessUtility (everything
 * else).  Here the acting
 * identity is checked before each one runs: an expired token, or one that
 * no longer verifies after a key reload, may do nothing but replace or
 * reset itself (SET/RESET governance.token, RESET ALL, DISCARD, transaction
 * control, or SELECT set_config('governance.token', ...)).
 *
 * A statement that sets the token carries a credential in its text; the
 * utility hook hands the hooks after it (pg_stat_statements, pgaudit) a
 * redacted text instead.  That protects them only when governance is
 * listed after them in shared_preload_libraries, so that its hook runs
 * first.
 *
 * Hooks are chained, never exclusive.  Parallel workers are skipped: their
 * leader already checked the statement.
 *
 * src/guard/hooks.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/parallel.h"
#include "executor/executor.h"
#include "governance/guard.h"
#include "governance/identity.h"
#include "nodes/plannodes.h"
#include "tcop/utility.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"

static ExecutorStart_hook_type prev_ExecutorStart = NULL;
static ExecutorRun_hook_type prev_ExecutorRun = NULL;
static ProcessUtility_hook_type prev_ProcessUtility = NULL;

static bool
gov_names_token_setting(const char *name)
{
	return name != NULL && pg_strcasecmp(name, "governance.token") == 0;
}

/* A constant or a parameter: nothing that reads data. */
static bool
gov_is_value(Node *node)
{
	return node != NULL && (IsA(node, Const) || IsA(node, Param));
}

/*
 * Is this plan nothing but set_config('governance.token', <value>, <value>)
 * calls, the function form of SET that PostgREST-style clients use?  The
 * arguments must be constants or parameters and the plan may hold no
 * subplans: an expired identity must not get a query evaluated by passing
 * it as an argument.
 */
static bool
gov_plan_only_sets_token(PlannedStmt *pstmt)
{
	ListCell   *lc;

	if (pstmt->commandType != CMD_SELECT || pstmt->planTree == NULL ||
		!IsA(pstmt->planTree, Result) || pstmt->planTree->lefttree != NULL ||
		((Result *) pstmt->planTree)->resconstantqual != NULL ||
		pstmt->planTree->initPlan != NIL || pstmt->subplans != NIL ||
		pstmt->planTree->targetlist == NIL)
		return false;
	foreach(lc, pstmt->planTree->targetlist)
	{
		TargetEntry *tle = lfirst_node(TargetEntry, lc);
		FuncExpr   *f = (FuncExpr *) tle->expr;
		Const	   *name;

		if (!IsA(f, FuncExpr) || f->funcid != F_SET_CONFIG ||
			list_length(f->args) != 3)
			return false;
		name = (Const *) linitial(f->args);
		if (!gov_is_value(lsecond(f->args)) || !gov_is_value(lthird(f->args)))
			return false;
		if (!IsA(name, Const) || name->constisnull ||
			!gov_names_token_setting(TextDatumGetCString(name->constvalue)))
			return false;
	}
	return true;
}

/* Does this utility statement only replace or reset the token? */
static bool
gov_utility_only_sets_token(Node *stmt)
{
	if (IsA(stmt, VariableSetStmt))
	{
		VariableSetStmt *set = (VariableSetStmt *) stmt;

		return set->kind == VAR_RESET_ALL || gov_names_token_setting(set->name);
	}
	return IsA(stmt, TransactionStmt) || IsA(stmt, DiscardStmt);
}

static void
gov_ExecutorStart(QueryDesc *queryDesc, int eflags)
{
	if (!IsParallelWorker() && !governance_identity_usable() &&
		!gov_plan_only_sets_token(queryDesc->plannedstmt))
		governance_identity_refuse();

	if (prev_ExecutorStart)
		prev_ExecutorStart(queryDesc, eflags);
	else
		standard_ExecutorStart(queryDesc, eflags);
}

/*
 * Checked again when the plan runs: with the extended protocol a portal is
 * started at Bind and may be executed later, after the token expired.
 */
static void
gov_ExecutorRun(QueryDesc *queryDesc, ScanDirection direction, uint64 count,
				bool execute_once)
{
	if (!IsParallelWorker() && !governance_identity_usable() &&
		!gov_plan_only_sets_token(queryDesc->plannedstmt))
		governance_identity_refuse();

	if (prev_ExecutorRun)
		prev_ExecutorRun(queryDesc, direction, count, execute_once);
	else
		standard_ExecutorRun(queryDesc, direction, count, execute_once);
}

static void
gov_ProcessUtility(PlannedStmt *pstmt, const char *queryString,
				   bool readOnlyTree, ProcessUtilityContext context,
				   ParamListInfo params, QueryEnvironment *queryEnv,
				   DestReceiver *dest, QueryCompletion *qc)
{
	Node	   *stmt = pstmt->utilityStmt;

	if (!IsParallelWorker() && !governance_identity_usable() &&
		!gov_utility_only_sets_token(stmt))
		governance_identity_refuse();

	/*
	 * Hand later hooks (pg_stat_statements, pgaudit) the statement's text
	 * without the token.  Without later hooks, nothing records the text.
	 */
	if (prev_ProcessUtility != NULL &&
		IsA(stmt, VariableSetStmt) && queryString != NULL &&
		gov_names_token_setting(((VariableSetStmt *) stmt)->name))
	{
		const char *own = queryString;
		char	   *clean;

		if (pstmt->stmt_location >= 0 && pstmt->stmt_len > 0)
			own = pnstrdup(queryString + pstmt->stmt_location, pstmt->stmt_len);
		else if (pstmt->stmt_location > 0)
			own = queryString + pstmt->stmt_location;
		clean = governance_redact_text(own);
		if (clean != NULL)
		{
			PlannedStmt *copy = makeNode(PlannedStmt);

			memcpy(copy, pstmt, sizeof(PlannedStmt));
			copy->stmt_location = 0;
			copy->stmt_len = 0;
			pstmt = copy;
			queryString = clean;
		}
	}

	if (prev_ProcessUtility)
		prev_ProcessUtility(pstmt, queryString, readOnlyTree, context,
							params, queryEnv, dest, qc);
	else
		standard_ProcessUtility(pstmt, queryString, readOnlyTree, context,
								params, queryEnv, dest, qc);
}

void
governance_guard_init(void)
{
	prev_ExecutorStart = ExecutorStart_hook;
	ExecutorStart_hook = gov_ExecutorStart;
	prev_ExecutorRun = ExecutorRun_hook;
	ExecutorRun_hook = gov_ExecutorRun;
	prev_ProcessUtility = ProcessUtility_hook;
	ProcessUtility_hook = gov_ProcessUtility;
}
