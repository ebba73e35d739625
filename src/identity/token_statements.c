/*-------------------------------------------------------------------------
 *
 * token_statements.c
 *	  Recognising the statements that only replace or reset the token.
 *
 * Such a statement is never judged by the policy, so no policy can keep a
 * session from changing who it acts as; and an identity that may no longer
 * act (its token expired, or no longer verifies after a key reload) may
 * still run it, to replace itself.  The forms: SET/RESET governance.token,
 * RESET ALL, DISCARD, transaction control, and SELECT set_config(
 * 'governance.token', ...) with constant or parameter arguments, which
 * PostgREST-style clients use.
 *
 * src/identity/token_statements.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "governance/identity.h"
#include "nodes/parsenodes.h"
#include "nodes/plannodes.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"

/* A constant or a parameter: nothing that reads data. */
static bool
gov_is_value(Node *node)
{
	return node != NULL && (IsA(node, Const) || IsA(node, Param));
}

/* Is every entry set_config('governance.token', <value>, <value>)? */
static bool
gov_tlist_only_sets_token(List *tlist)
{
	ListCell   *lc;

	foreach(lc, tlist)
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
			!governance_names_token_setting(TextDatumGetCString(name->constvalue)))
			return false;
	}
	return true;
}

/*
 * Is this plan nothing but set_config('governance.token', <value>, <value>)
 * calls, the function form of SET that PostgREST-style clients use?  The
 * arguments must be constants or parameters and the plan may hold no
 * subplans: an expired identity must not get a query evaluated by passing
 * it as an argument.
 */
bool
governance_plan_only_sets_token(PlannedStmt *pstmt)
{
	if (pstmt->commandType != CMD_SELECT || pstmt->planTree == NULL ||
		!IsA(pstmt->planTree, Result) || pstmt->planTree->lefttree != NULL ||
		((Result *) pstmt->planTree)->resconstantqual != NULL ||
		pstmt->planTree->initPlan != NIL || pstmt->subplans != NIL ||
		pstmt->planTree->targetlist == NIL)
		return false;
	return gov_tlist_only_sets_token(pstmt->planTree->targetlist);
}

/*
 * The same, decided on the query before it is planned: planning folds
 * constants, and so calls IMMUTABLE functions, so an expired identity
 * gets no query planned but this one.
 */
bool
governance_query_only_sets_token(Query *q)
{
	if (q->commandType != CMD_SELECT || q->utilityStmt != NULL || q->rtable != NIL ||
		q->hasSubLinks || q->cteList != NIL || q->setOperations != NULL ||
		q->hasAggs || q->hasWindowFuncs || q->hasTargetSRFs ||
		(q->jointree != NULL && (q->jointree->quals != NULL || q->jointree->fromlist != NIL)) ||
		q->targetList == NIL)
		return false;
	return gov_tlist_only_sets_token(q->targetList);
}

/*
 * Does this utility statement only replace or reset the token?  Such a
 * statement is never judged by the policy, so no policy can keep a session
 * from changing who it acts as (governance.check() asks here too).
 */
bool
governance_utility_only_sets_token(Node *stmt)
{
	if (IsA(stmt, VariableSetStmt))
	{
		VariableSetStmt *set = (VariableSetStmt *) stmt;

		return set->kind == VAR_RESET_ALL || governance_names_token_setting(set->name);
	}
	return IsA(stmt, TransactionStmt) || IsA(stmt, DiscardStmt);
}
