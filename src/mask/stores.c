/*-------------------------------------------------------------------------
 *
 * stores.c
 *	  Writes by a masked identity: no stored value derived from a masked
 *	  read, no pseudonym written.
 *
 * An INSERT, UPDATE, MERGE or ON CONFLICT UPDATE that would store a value
 * derived from a column the identity reads masked is refused, since it
 * would replace real data with a mask: the target list of each write is
 * followed through subqueries, CTEs and outer queries to the columns it
 * reads.  The rewrite (rewrite.c) asks here for every query it masks,
 * with the queries around it (innermost first).
 *
 * src/mask/stores.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "governance/mask.h"
#include "nodes/nodeFuncs.h"
#include "nodes/parsenodes.h"
#include "parser/parsetree.h"
#include "utils/lsyscache.h"

typedef struct GovTaintContext
{
	List	   *queries;
	int			depth;
} GovTaintContext;

static bool gov_taint_walker(Node *node, GovTaintContext *ctx);

static bool
gov_tlist_carries(List *tlist, AttrNumber resno, List *queries, int depth)
{
	GovTaintContext sub = {queries, depth + 1};
	ListCell   *lc;

	/* Deep or recursive nesting: assume the worst. */
	if (depth > 32)
		return true;
	foreach(lc, tlist)
	{
		TargetEntry *tle = lfirst_node(TargetEntry, lc);

		if ((resno == 0 || tle->resno == resno) &&
			gov_taint_walker((Node *) tle->expr, &sub))
			return true;
	}
	return false;
}

static bool
gov_var_carries(Var *var, GovTaintContext *ctx)
{
	Query	   *q;
	RangeTblEntry *rte;

	if ((int) var->varlevelsup >= list_length(ctx->queries))
		return false;
	q = list_nth(ctx->queries, var->varlevelsup);
	if (var->varno < 1 || var->varno > list_length(q->rtable))
		return false;
	rte = rt_fetch(var->varno, q->rtable);
	switch (rte->rtekind)
	{
		case RTE_SUBQUERY:
			return gov_tlist_carries(rte->subquery->targetList, var->varattno,
									 lcons(rte->subquery,
										   list_copy_tail(ctx->queries, var->varlevelsup)),
									 ctx->depth);
		case RTE_CTE:
			{
				Index		up = var->varlevelsup + rte->ctelevelsup;
				Query	   *owner;
				ListCell   *lc;

				if ((int) up >= list_length(ctx->queries))
					return true;
				owner = list_nth(ctx->queries, up);
				foreach(lc, owner->cteList)
				{
					CommonTableExpr *cte = lfirst_node(CommonTableExpr, lc);
					Query	   *cq = (Query *) cte->ctequery;

					if (strcmp(cte->ctename, rte->ctename) != 0)
						continue;
					return gov_tlist_carries(cq->commandType == CMD_SELECT ?
											 cq->targetList : cq->returningList,
											 var->varattno,
											 lcons(cq, list_copy_tail(ctx->queries, up)),
											 ctx->depth);
				}
				return true;
			}
		case RTE_JOIN:
			if (var->varattno == 0)
				return gov_taint_walker((Node *) rte->joinaliasvars, ctx);
			if (var->varattno > list_length(rte->joinaliasvars))
				return false;
			return gov_taint_walker(list_nth(rte->joinaliasvars, var->varattno - 1), ctx);
		case RTE_FUNCTION:
			return gov_taint_walker((Node *) rte->functions, ctx);
		case RTE_TABLEFUNC:
			return gov_taint_walker((Node *) rte->tablefunc, ctx);
		case RTE_VALUES:
			return gov_taint_walker((Node *) rte->values_lists, ctx);
		default:
			return false;
	}
}

static bool
gov_taint_walker(Node *node, GovTaintContext *ctx)
{
	if (node == NULL)
		return false;
	if (IsA(node, FuncExpr))
	{
		if (((FuncExpr *) node)->location == GOV_MASK_REWRITE_LOCATION)
			return true;
	}
	else if (IsA(node, Var))
		return gov_var_carries((Var *) node, ctx);
	else if (IsA(node, SubLink))
	{
		SubLink    *sl = (SubLink *) node;
		Query	   *sq = (Query *) sl->subselect;

		/* Only these sublinks hand values of the subquery on. */
		if (sl->subLinkType == EXPR_SUBLINK || sl->subLinkType == ARRAY_SUBLINK ||
			sl->subLinkType == MULTIEXPR_SUBLINK)
			return gov_tlist_carries(sq->targetList, 0,
									 lcons(sq, ctx->queries), ctx->depth);
		return gov_taint_walker(sl->testexpr, ctx);
	}
	else if (IsA(node, Query))
		return false;
	return expression_tree_walker(node, gov_taint_walker, (void *) ctx);
}

static void
gov_refuse_masked_store(List *tlist, Query *q, List *queries)
{
	GovTaintContext tctx = {queries, 0};
	ListCell   *lc;

	foreach(lc, tlist)
	{
		TargetEntry *tle = lfirst_node(TargetEntry, lc);
		RangeTblEntry *target;

		if (tle->resjunk || !gov_taint_walker((Node *) tle->expr, &tctx))
			continue;
		target = rt_fetch(q->resultRelation, q->rtable);
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("cannot store a masked value in column \"%s\" of relation \"%s\"",
						tle->resname ? tle->resname : "?", get_rel_name(target->relid)),
				 errdetail("The value is derived from a labelled column you read masked; storing it would replace real data with its mask."),
				 errhint("Write fresh values, or ask a governance administrator to unmask the label for you with governance.grant_unmasked().")));
	}
}

/*
 * A pseudonym is deterministic: an identity that can write a chosen value
 * into a pseudonym column, then read it back masked, learns the
 * pseudonym of its guess and can compare it with everyone's.  So writing
 * such a column is refused to identities that read it masked.
 */
void
governance_refuse_pseudonym_write(const char *column, const char *relation)
{
	ereport(ERROR,
			(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
			 errmsg("cannot write column \"%s\" of relation \"%s\": you read it as a pseudonym",
					column, relation),
			 errdetail("Writing chosen values into a pseudonym column and reading them back would confirm guesses of everyone's values."),
			 errhint("Ask a governance administrator to unmask the label for you with governance.grant_unmasked().")));
}

static void
gov_refuse_pseudonym_targets(List *tlist, Query *q)
{
	RangeTblEntry *target;
	ListCell   *lc;

	if (q->resultRelation <= 0)
		return;
	target = rt_fetch(q->resultRelation, q->rtable);
	foreach(lc, tlist)
	{
		TargetEntry *tle = lfirst_node(TargetEntry, lc);
		int			label;

		if (tle->resjunk)
			continue;
		label = governance_column_label_of(target->relid, tle->resno);
		if (label != GOV_NO_LABEL && governance_label_kind(label) == GOV_MASK_PSEUDONYM &&
			governance_label_masked(label))
			governance_refuse_pseudonym_write(tle->resname ? tle->resname : "?",
											  get_rel_name(target->relid));
	}
}

void
governance_mask_check_stores(Query *q, List *queries)
{
	ListCell   *lc;

	if (q->commandType == CMD_INSERT || q->commandType == CMD_UPDATE)
		gov_refuse_pseudonym_targets(q->targetList, q);
	if (q->onConflict != NULL && q->onConflict->action == ONCONFLICT_UPDATE)
		gov_refuse_pseudonym_targets(q->onConflict->onConflictSet, q);
	if (q->commandType == CMD_MERGE)
		foreach(lc, q->mergeActionList)
		{
			MergeAction *a = lfirst_node(MergeAction, lc);

			if (a->commandType == CMD_INSERT || a->commandType == CMD_UPDATE)
				gov_refuse_pseudonym_targets(a->targetList, q);
		}

	if (q->commandType == CMD_INSERT || q->commandType == CMD_UPDATE)
		gov_refuse_masked_store(q->targetList, q, queries);
	if (q->onConflict != NULL && q->onConflict->action == ONCONFLICT_UPDATE)
		gov_refuse_masked_store(q->onConflict->onConflictSet, q, queries);
	if (q->commandType == CMD_MERGE)
		foreach(lc, q->mergeActionList)
		{
			MergeAction *a = lfirst_node(MergeAction, lc);

			if (a->commandType == CMD_INSERT || a->commandType == CMD_UPDATE)
				gov_refuse_masked_store(a->targetList, q, queries);
		}
}

