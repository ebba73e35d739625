/*-------------------------------------------------------------------------
 *
 * delivered.c
 *	  Which labelled columns a statement hands its client, masked or clear.
 *
 * The audit records, for each statement, the labelled columns whose values
 * reached the client.  They are found in the finished plan: each output
 * column of the top plan node (or of RETURNING) is followed down through
 * the plan — OUTER_VAR and INNER_VAR to the child's target list, a
 * subquery scan to its subplan, a CTE scan to the CTE's plan, a sublink's
 * plan to its first column — to the scans that read the table columns.
 * A mask call the rewrite made marks its column as delivered masked; a
 * labelled column reached without one, as delivered clear.  A column read
 * only in a WHERE clause, a join or an ordering is not delivered.
 *
 * It runs when the executor starts, and brings the label cache up to date
 * (reading the catalogs) as it goes.
 *
 * src/mask/delivered.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "governance/common.h"
#include "governance/mask.h"
#include "nodes/nodeFuncs.h"
#include "nodes/plannodes.h"
#include "parser/parsetree.h"

typedef struct GovDelivered
{
	Oid			relid;
	AttrNumber	attnum;
	int			label;
	bool		masked;
} GovDelivered;

typedef struct GovDeliveredContext
{
	PlannedStmt *pstmt;
	Plan	   *plan;			/* the node the expression belongs to */
	int			depth;
	bool		under_mask;		/* inside a mask call of the rewrite */
	GovDelivered *out;
	int			max;
	int			n;
} GovDeliveredContext;

static bool gov_delivered_walker(Node *node, GovDeliveredContext *ctx);

static void
gov_note(GovDeliveredContext *ctx, Oid relid, AttrNumber attnum, bool masked)
{
	int			label = governance_column_label_of(relid, attnum);

	if (label == GOV_NO_LABEL)
		return;
	/* What the rewrite masked is masked; a clear read is clear. */
	for (int i = 0; i < ctx->n; i++)
		if (ctx->out[i].relid == relid && ctx->out[i].attnum == attnum &&
			ctx->out[i].masked == masked)
			return;
	if (ctx->n < ctx->max)
	{
		ctx->out[ctx->n].relid = relid;
		ctx->out[ctx->n].attnum = attnum;
		ctx->out[ctx->n].label = label;
		ctx->out[ctx->n].masked = masked;
		ctx->n++;
	}
}

/* Follow a column of a plan node's output down into that node. */
static void
gov_follow(GovDeliveredContext *ctx, Plan *plan, List *tlist, AttrNumber attno)
{
	Plan	   *saved = ctx->plan;
	TargetEntry *tle;

	if (plan == NULL || attno < 1 || attno > list_length(tlist) || ctx->depth > 64)
		return;
	tle = list_nth_node(TargetEntry, tlist, attno - 1);
	ctx->plan = plan;
	ctx->depth++;
	(void) gov_delivered_walker((Node *) tle->expr, ctx);
	ctx->depth--;
	ctx->plan = saved;
}

static Plan *
gov_child(Plan *plan, bool outer)
{
	if (plan == NULL)
		return NULL;
	if (outer && outerPlan(plan) == NULL)
	{
		/* Append-like nodes: every child has the same output. */
		if (IsA(plan, Append) && ((Append *) plan)->appendplans != NIL)
			return linitial(((Append *) plan)->appendplans);
		if (IsA(plan, MergeAppend) && ((MergeAppend *) plan)->mergeplans != NIL)
			return linitial(((MergeAppend *) plan)->mergeplans);
	}
	return outer ? outerPlan(plan) : innerPlan(plan);
}

static void
gov_var(Var *var, GovDeliveredContext *ctx)
{
	Plan	   *plan = ctx->plan;
	RangeTblEntry *rte;

	if (var->varlevelsup != 0)
		return;
	if (var->varno == OUTER_VAR || var->varno == INNER_VAR)
	{
		Plan	   *child = gov_child(plan, var->varno == OUTER_VAR);

		if (child != NULL)
			gov_follow(ctx, child, child->targetlist, var->varattno);
		return;
	}
	if (var->varno == INDEX_VAR)
	{
		if (plan != NULL && IsA(plan, IndexOnlyScan))
			gov_follow(ctx, plan, ((IndexOnlyScan *) plan)->indextlist, var->varattno);
		return;
	}
	if (IS_SPECIAL_VARNO(var->varno) || var->varno < 1 ||
		var->varno > list_length(ctx->pstmt->rtable))
		return;
	if (plan != NULL && IsA(plan, SubqueryScan) &&
		(int) ((Scan *) plan)->scanrelid == var->varno)
	{
		Plan	   *sub = ((SubqueryScan *) plan)->subplan;

		gov_follow(ctx, sub, sub->targetlist, var->varattno);
		return;
	}
	if (plan != NULL && IsA(plan, CteScan) &&
		(int) ((Scan *) plan)->scanrelid == var->varno)
	{
		int			id = ((CteScan *) plan)->ctePlanId;

		if (id >= 1 && id <= list_length(ctx->pstmt->subplans))
		{
			Plan	   *sub = list_nth(ctx->pstmt->subplans, id - 1);

			if (sub != NULL)
				gov_follow(ctx, sub, sub->targetlist, var->varattno);
		}
		return;
	}
	rte = rt_fetch(var->varno, ctx->pstmt->rtable);
	if (rte->rtekind != RTE_RELATION)
		return;
	if (var->varattno > 0)
		gov_note(ctx, rte->relid, var->varattno, ctx->under_mask);
	else if (var->varattno == 0)
	{
		int			n;
		const GovColumnLabel *cols = governance_relation_labels(rte->relid, &n);

		for (int i = 0; i < n; i++)
			gov_note(ctx, rte->relid, cols[i].attnum, ctx->under_mask);
	}
}

static bool
gov_delivered_walker(Node *node, GovDeliveredContext *ctx)
{
	if (node == NULL)
		return false;
	if (IsA(node, Var))
	{
		gov_var((Var *) node, ctx);
		return false;
	}
	if (IsA(node, FuncExpr) &&
		((FuncExpr *) node)->location == GOV_MASK_REWRITE_LOCATION)
	{
		bool		saved = ctx->under_mask;

		ctx->under_mask = true;
		(void) expression_tree_walker(node, gov_delivered_walker, (void *) ctx);
		ctx->under_mask = saved;
		return false;
	}
	if (IsA(node, Param) && ((Param *) node)->paramkind == PARAM_EXEC)
	{
		/* The output of an initplan: follow the column it sets. */
		List	   *lists[2] = {ctx->plan ? ctx->plan->initPlan : NIL,
		ctx->pstmt->planTree->initPlan};

		for (int k = 0; k < 2; k++)
		{
			ListCell   *lc;

			foreach(lc, lists[k])
			{
				SubPlan    *sp = lfirst_node(SubPlan, lc);
				int			pos = -1;
				Plan	   *sub;
				ListCell   *pc;

				foreach(pc, sp->setParam)
					if (lfirst_int(pc) == ((Param *) node)->paramid)
						pos = foreach_current_index(pc);

				if (pos < 0 || sp->plan_id < 1 ||
					sp->plan_id > list_length(ctx->pstmt->subplans))
					continue;
				sub = list_nth(ctx->pstmt->subplans, sp->plan_id - 1);
				if (sub != NULL)
					gov_follow(ctx, sub, sub->targetlist, pos + 1);
				return false;
			}
		}
		return false;
	}
	if (IsA(node, SubPlan))
	{
		SubPlan    *sp = (SubPlan *) node;

		/* Scalar and array sublinks hand on their first column. */
		if ((sp->subLinkType == EXPR_SUBLINK || sp->subLinkType == ARRAY_SUBLINK) &&
			sp->plan_id >= 1 && sp->plan_id <= list_length(ctx->pstmt->subplans))
		{
			Plan	   *sub = list_nth(ctx->pstmt->subplans, sp->plan_id - 1);

			if (sub != NULL)
				gov_follow(ctx, sub, sub->targetlist, 1);
		}
		return false;
	}
	return expression_tree_walker(node, gov_delivered_walker, (void *) ctx);
}

/*
 * The labelled columns a plan delivers, at most max of them, into out;
 * returns how many.
 */
static int
gov_delivered(PlannedStmt *pstmt, GovDelivered *out, int max)
{
	GovDeliveredContext ctx = {pstmt, NULL, 0, false, out, max, 0};
	Plan	   *top = pstmt->planTree;
	ListCell   *lc;

	if (top == NULL || !governance_labels_exist())
		return 0;
	if (IsA(top, ModifyTable))
	{
		ModifyTable *mt = (ModifyTable *) top;

		/* RETURNING reads the result relation and the subplan's output. */
		ctx.plan = top;
		foreach(lc, mt->returningLists)
			(void) gov_delivered_walker((Node *) lfirst(lc), &ctx);
		return ctx.n;
	}
	ctx.plan = top;
	foreach(lc, top->targetlist)
	{
		TargetEntry *tle = lfirst_node(TargetEntry, lc);

		if (!tle->resjunk)
			(void) gov_delivered_walker((Node *) tle->expr, &ctx);
	}
	return ctx.n;
}

/*
 * The same, named for the audit: "schema.table.column:label", split into
 * what is delivered masked and what clear, allocated in cxt.
 */
#define GOV_MAX_DELIVERED 64

void
governance_mask_delivered_names(PlannedStmt *pstmt, MemoryContext cxt,
								const char ***masked, int *nmasked,
								const char ***clear, int *nclear)
{
	GovDelivered out[GOV_MAX_DELIVERED];
	MemoryContext old;
	int			n;

	*nmasked = *nclear = 0;
	*masked = *clear = NULL;
	n = gov_delivered(pstmt, out, GOV_MAX_DELIVERED);
	if (n == 0)
		return;
	old = MemoryContextSwitchTo(cxt);
	*masked = palloc(sizeof(char *) * n);
	*clear = palloc(sizeof(char *) * n);
	for (int i = 0; i < n; i++)
	{
		GovRelNames *names = governance_relation_names(out[i].relid);
		const char *col = names ? governance_column_name(names, out[i].relid, out[i].attnum) : NULL;
		const char *item;

		if (col == NULL)
			continue;
		item = psprintf("%s:%s", col, governance_label_name(out[i].label));
		if (out[i].masked)
			(*masked)[(*nmasked)++] = item;
		else
			(*clear)[(*nclear)++] = item;
	}
	MemoryContextSwitchTo(old);
}

/*
 * Is expr, an expression of plan node plan, a labelled column read as
 * such: the mask call the rewrite made, or, through nodes that pass their
 * input's columns on (joins, sorts, subqueries, CTEs, every branch of a
 * UNION ALL), a plain reference to a labelled table column?  The output
 * scan leaves such columns alone: masked they hold no secret, and read
 * clear they are what the identity is allowed to see.  Anything else (an
 * expression, a function's result, a node not known here) is not.
 */
static bool
gov_plain_labelled(PlannedStmt *pstmt, Plan *plan, Node *expr, int depth)
{
	Var		   *var;
	RangeTblEntry *rte;

	while (expr != NULL && IsA(expr, RelabelType))
		expr = (Node *) ((RelabelType *) expr)->arg;
	if (expr == NULL || plan == NULL || depth > 64)
		return false;
	if (IsA(expr, FuncExpr))
		return ((FuncExpr *) expr)->location == GOV_MASK_REWRITE_LOCATION;
	if (!IsA(expr, Var) || ((Var *) expr)->varlevelsup != 0)
		return false;
	var = (Var *) expr;
	if (var->varno == OUTER_VAR || var->varno == INNER_VAR)
	{
		List	   *children = NIL;
		ListCell   *lc;

		if (IsA(plan, Append))
			children = ((Append *) plan)->appendplans;
		else if (IsA(plan, MergeAppend))
			children = ((MergeAppend *) plan)->mergeplans;
		else
			switch (nodeTag(plan))
			{
				case T_Result:
				case T_Sort:
				case T_IncrementalSort:
				case T_Material:
				case T_Memoize:
				case T_Unique:
				case T_Limit:
				case T_LockRows:
				case T_Agg:
				case T_Group:
				case T_WindowAgg:
				case T_Hash:
				case T_Gather:
				case T_GatherMerge:
				case T_NestLoop:
				case T_MergeJoin:
				case T_HashJoin:
				case T_ModifyTable:
					children = list_make1(gov_child(plan, var->varno == OUTER_VAR));
					break;
				default:
					return false;
			}
		if (children == NIL)
			return false;
		foreach(lc, children)
		{
			Plan	   *child = lfirst(lc);

			if (child == NULL || var->varattno < 1 ||
				var->varattno > list_length(child->targetlist) ||
				!gov_plain_labelled(pstmt, child,
									(Node *) list_nth_node(TargetEntry, child->targetlist,
														   var->varattno - 1)->expr,
									depth + 1))
				return false;
		}
		return true;
	}
	if (var->varno == INDEX_VAR)
		return IsA(plan, IndexOnlyScan) && var->varattno >= 1 &&
			var->varattno <= list_length(((IndexOnlyScan *) plan)->indextlist) &&
			gov_plain_labelled(pstmt, plan,
							   (Node *) list_nth_node(TargetEntry, ((IndexOnlyScan *) plan)->indextlist,
													  var->varattno - 1)->expr,
							   depth + 1);
	if (IS_SPECIAL_VARNO(var->varno) || var->varno < 1 ||
		var->varno > list_length(pstmt->rtable) || var->varattno < 1)
		return false;
	if (IsA(plan, SubqueryScan) && (int) ((Scan *) plan)->scanrelid == var->varno)
	{
		Plan	   *sub = ((SubqueryScan *) plan)->subplan;

		return sub != NULL && var->varattno <= list_length(sub->targetlist) &&
			gov_plain_labelled(pstmt, sub,
							   (Node *) list_nth_node(TargetEntry, sub->targetlist,
													  var->varattno - 1)->expr,
							   depth + 1);
	}
	if (IsA(plan, CteScan) && (int) ((Scan *) plan)->scanrelid == var->varno)
	{
		int			id = ((CteScan *) plan)->ctePlanId;
		Plan	   *sub = id >= 1 && id <= list_length(pstmt->subplans) ?
			list_nth(pstmt->subplans, id - 1) : NULL;

		return sub != NULL && var->varattno <= list_length(sub->targetlist) &&
			gov_plain_labelled(pstmt, sub,
							   (Node *) list_nth_node(TargetEntry, sub->targetlist,
													  var->varattno - 1)->expr,
							   depth + 1);
	}
	rte = rt_fetch(var->varno, pstmt->rtable);
	return rte->rtekind == RTE_RELATION &&
		governance_column_label_of(rte->relid, var->varattno) != GOV_NO_LABEL;
}

/*
 * For the output scan: which of the n columns a plan delivers (its select
 * list, or its RETURNING list) are labelled columns read as such (see
 * gov_plain_labelled), palloc'd in the current memory context; NULL when
 * none is, or when the plan delivers another number of columns.
 */
bool *
governance_mask_labelled_outputs(PlannedStmt *pstmt, int n)
{
	Plan	   *top = pstmt->planTree;
	bool	   *out = NULL;
	int			i = 0;
	ListCell   *lc;

	if (top == NULL || n <= 0 || !governance_labels_exist())
		return NULL;
	if (IsA(top, ModifyTable))
	{
		ModifyTable *mt = (ModifyTable *) top;

		/* A column is labelled only if it is so for every result relation. */
		foreach(lc, mt->returningLists)
		{
			List	   *rl = lfirst(lc);
			ListCell   *tc;

			if (list_length(rl) != n)
				return NULL;
			if (out == NULL)
				out = palloc(sizeof(bool) * n);
			i = 0;
			foreach(tc, rl)
			{
				bool		labelled = gov_plain_labelled(pstmt, top,
														  (Node *) lfirst_node(TargetEntry, tc)->expr, 0);

				out[i] = (foreach_current_index(lc) == 0 ? labelled : out[i] && labelled);
				i++;
			}
		}
		return out;
	}
	out = palloc0(sizeof(bool) * n);
	foreach(lc, top->targetlist)
	{
		TargetEntry *tle = lfirst_node(TargetEntry, lc);

		if (tle->resjunk)
			continue;
		if (i >= n)
			return NULL;
		out[i++] = gov_plain_labelled(pstmt, top, (Node *) tle->expr, 0);
	}
	return i == n ? out : NULL;
}
