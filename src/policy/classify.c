/*-------------------------------------------------------------------------
 *
 * classify.c
 *	  What a statement does, as actions the policy can decide.
 *
 * A plannable statement is classified from its PlannedStmt, the form in
 * which every statement reaches the executor: typed at the prompt,
 * prepared, cached by PL/pgSQL, produced by a rule or run by a function.
 * Its relations and what it does to each come from the range table
 * (the permissions the executor is about to check); which writes are
 * unfiltered comes from the plan.
 *
 * The rule: a write is filtered only when some clause that restricts the
 * rows it reaches provably reads a column of the relation it writes -- a
 * WHERE on the target, a join condition connecting it to another
 * relation, a MERGE condition, or WHERE CURRENT OF.  "Provably" means the
 * column is traced through the plan: an upper node's OUTER and INNER
 * references through its inputs' target lists, a nest-loop parameter back
 * to the outer column that sets it, down to the scan of the target
 * itself.  A clause that merely sits above a join containing the target
 * (a condition between two other tables, a LATERAL function of another
 * table's column) reaches no target column and does not count.  The planner has folded constants by then, so WHERE
 * true and WHERE 1 = 1 are gone; a clause that does not mention the
 * target (WHERE (SELECT true), a condition on another table only, or a
 * volatile function of nothing) restricts nothing and does not count.
 * Tautologies on the target's own columns (WHERE id = id) cannot be told
 * apart from real filters; row budgets are the backstop for those.
 *
 * A utility statement is classified by its command tag, with the objects
 * of the statements that name relations (classify_utility.c).
 *
 * src/policy/classify.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "catalog/heap.h"
#include "catalog/namespace.h"
#include "catalog/pg_inherits.h"
#include "catalog/pg_class.h"
#include "governance/common.h"
#include "governance/policy.h"
#include "policy_internal.h"
#include "nodes/nodeFuncs.h"
#include "nodes/primnodes.h"
#include "optimizer/tlist.h"
#include "parser/parsetree.h"
#include "storage/lockdefs.h"
#include "tcop/utility.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/syscache.h"

GovAction *
governance_action_new(List **actions, uint32 op, Oid relid, const char *object)
{
	GovAction  *a = palloc0(sizeof(GovAction));

	a->op = op;
	a->relid = relid;
	a->object = object ? pstrdup(object) : NULL;
	a->destructive = (op & (GOV_OP_DROP | GOV_OP_TRUNCATE)) != 0;
	*actions = lappend(*actions, a);
	return a;
}

/* "schema.name" of a relation, or NULL if it is gone. */
const char *
governance_relation_object(Oid relid)
{
	GovRelNames *names = governance_relation_names(relid);

	return names ? names->name : NULL;
}

/*
 * "schema.name" of a relation a utility statement names.  A relation the
 * statement creates does not exist yet: it will be in its creation schema.
 */
char *
governance_rangevar_object(RangeVar *rv, bool creating, Oid *relid)
{
	const char *nsp = rv->schemaname;

	*relid = InvalidOid;
	if (!creating)
	{
		*relid = RangeVarGetRelid(rv, NoLock, true);
		if (OidIsValid(*relid))
		{
			const char *name = governance_relation_object(*relid);

			/* Dropped since it was looked up: name it as the statement does. */
			if (name != NULL)
				return pstrdup(name);
		}
	}
	if (nsp == NULL)
	{
		Oid			nspid = creating ? RangeVarGetCreationNamespace(rv)
			: InvalidOid;

		nsp = OidIsValid(nspid) ? get_namespace_name(nspid) : "*";
	}
	return psprintf("%s.%s", nsp, rv->relname);
}

/* --- plans ------------------------------------------------------------ */

typedef struct GovFilterScan
{
	Bitmapset  *targets;		/* range table indexes written */
	Bitmapset  *target_params;	/* PARAM_EXEC ids carrying a target's column */
	bool		opaque;			/* target is a view with INSTEAD OF triggers */
	bool		empty;			/* a gate stands for a relation proved empty */
} GovFilterScan;

/* Any Var at all, or WHERE CURRENT OF. */
static bool
gov_has_var_walker(Node *node, void *context)
{
	if (node == NULL)
		return false;
	if (IsA(node, Var) || IsA(node, CurrentOfExpr))
		return true;
	return expression_tree_walker(node, gov_has_var_walker, context);
}

static bool gov_reads_target(Node *expr, Plan *plan, GovFilterScan *ctx,
							 int depth);

/* Does output column attno of plan carry a column of a target? */
static bool
gov_output_reads_target(Plan *plan, AttrNumber attno, GovFilterScan *ctx,
						int depth)
{
	TargetEntry *tle;

	if (plan == NULL)
		return false;
	/* Append and MergeAppend pass their children's columns on. */
	if (IsA(plan, Append) || IsA(plan, MergeAppend))
	{
		List	   *children = IsA(plan, Append) ?
			((Append *) plan)->appendplans : ((MergeAppend *) plan)->mergeplans;
		ListCell   *lc;

		foreach(lc, children)
			if (gov_output_reads_target(lfirst(lc), attno, ctx, depth + 1))
				return true;
		return false;
	}
	tle = get_tle_by_resno(plan->targetlist, attno);
	return tle != NULL && gov_reads_target((Node *) tle->expr, plan, ctx, depth + 1);
}

typedef struct GovReadsTarget
{
	Plan	   *plan;			/* the node the expression belongs to */
	GovFilterScan *ctx;
	int			depth;
} GovReadsTarget;

static bool
gov_reads_target_walker(Node *node, GovReadsTarget *rt)
{
	if (node == NULL)
		return false;
	if (IsA(node, Var))
	{
		Var		   *v = (Var *) node;
		Plan	   *plan = rt->plan;

		if (v->varlevelsup > 0)
			return false;
		if (v->varno == OUTER_VAR)
			return gov_output_reads_target(IsA(plan, Append) || IsA(plan, MergeAppend) ?
										   plan : plan->lefttree,
										   v->varattno, rt->ctx, rt->depth);
		if (v->varno == INNER_VAR)
			return gov_output_reads_target(plan->righttree, v->varattno,
										   rt->ctx, rt->depth);
		if (IsA(plan, SubqueryScan) &&
			(Index) v->varno == ((SubqueryScan *) plan)->scan.scanrelid)
			return gov_output_reads_target(((SubqueryScan *) plan)->subplan,
										   v->varattno, rt->ctx, rt->depth);
		if (v->varno == INDEX_VAR)
			return IsA(plan, IndexScan) || IsA(plan, IndexOnlyScan) ||
				IsA(plan, ForeignScan) || IsA(plan, CustomScan) ?
				bms_is_member(((Scan *) plan)->scanrelid, rt->ctx->targets) : false;
		return !IS_SPECIAL_VARNO(v->varno) &&
			bms_is_member(v->varno, rt->ctx->targets);
	}
	if (IsA(node, CurrentOfExpr))
		return true;
	if (IsA(node, Param))
	{
		Param	   *p = (Param *) node;

		return p->paramkind == PARAM_EXEC &&
			bms_is_member(p->paramid, rt->ctx->target_params);
	}
	return expression_tree_walker(node, gov_reads_target_walker, rt);
}

/*
 * Does an expression of a plan node provably read a column of a target?
 * Its Vars are followed down through the inputs' target lists (OUTER and
 * INNER references, subquery scans, appends) to the scan that produced
 * them, and its parameters back to the nest-loop parameters that set
 * them.  Only a Var of a target relation itself counts.
 */
static bool
gov_reads_target(Node *expr, Plan *plan, GovFilterScan *ctx, int depth)
{
	GovReadsTarget rt = {plan, ctx, depth};

	/* Pathologically deep: unproved, so not a filter. */
	if (expr == NULL || plan == NULL || depth > 200)
		return false;
	return gov_reads_target_walker(expr, &rt);
}

/*
 * What a plan node hands up, as far as the write is concerned: whether
 * rows of a target flow out of it, whether some of them flow out with no
 * filter on their path, and whether the rows it hands up are restricted
 * by a clause that reads a target (so that a join keeping only rows with
 * a partner restricts the target's rows too).
 */
#define GOV_ROWS		0x01	/* rows of a target flow out */
#define GOV_ROWS_OPEN	0x02	/* ... some of them unfiltered */
#define GOV_RESTRICTED	0x04	/* the rows handed up depend on a target */

static bool
gov_clause_reads_target(List *clauses, Plan *plan, GovFilterScan *ctx)
{
	return clauses != NIL && gov_reads_target((Node *) clauses, plan, ctx, 0);
}

/* Filter what one side of a node hands up, given what restricts it there. */
static int
gov_side_filtered(int side, bool restricted)
{
	if (restricted && (side & GOV_ROWS))
		side &= ~GOV_ROWS_OPEN;
	if (restricted)
		side |= GOV_RESTRICTED;
	return side;
}

static int	gov_scan_plan(Plan *plan, GovFilterScan *ctx);

/* Several inputs handed up side by side (Append, MergeAppend). */
static int
gov_scan_plans(List *plans, GovFilterScan *ctx)
{
	ListCell   *lc;
	int			out = 0;
	bool		all_restricted = plans != NIL;

	foreach(lc, plans)
	{
		int			child = gov_scan_plan(lfirst(lc), ctx);

		out |= child & (GOV_ROWS | GOV_ROWS_OPEN);
		all_restricted &= (child & GOV_RESTRICTED) != 0;
	}
	return out | (all_restricted ? GOV_RESTRICTED : 0);
}

/*
 * A join: the rows of each side are filtered by the join's clauses (or by
 * the other side's restriction) only when that side is not preserved, that
 * is, when a row of it without a partner is dropped.  The clauses above the
 * join (plan->qual) filter both sides.
 */
static int
gov_scan_join(Plan *plan, JoinType jt, List *joinclauses, GovFilterScan *ctx,
			  int outer)
{
	int			inner = gov_scan_plan(plan->righttree, ctx);
	bool		on_clause = gov_clause_reads_target(joinclauses, plan, ctx);
	bool		above = gov_clause_reads_target(plan->qual, plan, ctx);
	bool		outer_dropped = jt == JOIN_INNER || jt == JOIN_SEMI ||
		jt == JOIN_ANTI || jt == JOIN_RIGHT;
	bool		inner_dropped = jt == JOIN_INNER || jt == JOIN_LEFT;
	int			out;

	outer = gov_side_filtered(outer, above ||
							  (outer_dropped && (on_clause || (inner & GOV_RESTRICTED))));
	/* Semi and anti joins hand up only their outer rows. */
	if (jt == JOIN_SEMI || jt == JOIN_ANTI)
		return outer;
	inner = gov_side_filtered(inner, above ||
							  (inner_dropped && (on_clause || (outer & GOV_RESTRICTED))));
	out = (outer | inner) & (GOV_ROWS | GOV_ROWS_OPEN);
	/* Fewer rows come up when a side that is not preserved has fewer. */
	if (above ||
		((outer & GOV_RESTRICTED) && jt != JOIN_RIGHT && jt != JOIN_FULL) ||
		((inner & GOV_RESTRICTED) && jt != JOIN_LEFT && jt != JOIN_FULL))
		out |= GOV_RESTRICTED;
	return out;
}

/*
 * Walk a write's input plan (see GOV_ROWS).  A target's rows are filtered
 * only by a clause on their own path that provably reads a column of a
 * target (gov_reads_target): a condition between other relations, a
 * nest-loop parameter taken from another relation, a join clause of a
 * join that keeps the target's rows whatever it finds, or a constant
 * false gate over other relations restricts nothing the write reaches.
 */
static int
gov_scan_plan(Plan *plan, GovFilterScan *ctx)
{
	if (plan == NULL)
		return 0;
	switch (nodeTag(plan))
	{
		case T_SeqScan:
		case T_SampleScan:
		case T_IndexScan:
		case T_IndexOnlyScan:
		case T_BitmapHeapScan:
		case T_TidScan:
		case T_TidRangeScan:
		case T_ForeignScan:
		case T_CustomScan:
			{
				Scan	   *scan = (Scan *) plan;
				List	   *clauses = plan->qual;

				if (IsA(plan, IndexScan))
					clauses = list_concat_copy(clauses, ((IndexScan *) plan)->indexqualorig);
				else if (IsA(plan, IndexOnlyScan))
					clauses = list_concat_copy(clauses, ((IndexOnlyScan *) plan)->indexqual);
				else if (IsA(plan, BitmapHeapScan))
					clauses = list_concat_copy(clauses, ((BitmapHeapScan *) plan)->bitmapqualorig);
				else if (IsA(plan, TidScan))
					clauses = list_concat_copy(clauses, ((TidScan *) plan)->tidquals);
				else if (IsA(plan, TidRangeScan))
					clauses = list_concat_copy(clauses, ((TidRangeScan *) plan)->tidrangequals);

				/*
				 * Rows of a view with INSTEAD OF triggers come from the
				 * relations under it: a clause on any of them filters.
				 */
				if (scan->scanrelid > 0 &&
					(ctx->opaque || bms_is_member(scan->scanrelid, ctx->targets)))
				{
					/* The scan of a target: any column of its own filters. */
					if (gov_has_var_walker((Node *) clauses, NULL))
						return GOV_ROWS | GOV_RESTRICTED;
					return GOV_ROWS | GOV_ROWS_OPEN;
				}
				if (IsA(plan, CustomScan))
					return gov_scan_plans(((CustomScan *) plan)->custom_plans, ctx) |
						(gov_clause_reads_target(clauses, plan, ctx) ? GOV_RESTRICTED : 0);
				/* Another relation's scan, driven by a target's column. */
				return gov_clause_reads_target(clauses, plan, ctx) ? GOV_RESTRICTED : 0;
			}
		case T_Append:
			return gov_scan_plans(((Append *) plan)->appendplans, ctx);
		case T_MergeAppend:
			return gov_scan_plans(((MergeAppend *) plan)->mergeplans, ctx);
		case T_SubqueryScan:
			{
				int			sub = gov_scan_plan(((SubqueryScan *) plan)->subplan, ctx);

				return gov_side_filtered(sub,
										 (ctx->opaque && gov_has_var_walker((Node *) plan->qual, NULL)) ||
										 gov_clause_reads_target(plan->qual, plan, ctx));
			}
		case T_NestLoop:
			{
				NestLoop   *nl = (NestLoop *) plan;
				int			outer = gov_scan_plan(plan->lefttree, ctx);
				ListCell   *lc;

				/* Parameters the outer side hands the inner side. */
				foreach(lc, nl->nestParams)
				{
					NestLoopParam *nlp = lfirst_node(NestLoopParam, lc);

					if (gov_reads_target((Node *) nlp->paramval, plan, ctx, 0))
						ctx->target_params = bms_add_member(ctx->target_params,
															nlp->paramno);
				}
				return gov_scan_join(plan, nl->join.jointype, nl->join.joinqual,
									 ctx, outer);
			}
		case T_MergeJoin:
			{
				MergeJoin  *mj = (MergeJoin *) plan;

				return gov_scan_join(plan, mj->join.jointype,
									 list_concat_copy(mj->join.joinqual, mj->mergeclauses),
									 ctx, gov_scan_plan(plan->lefttree, ctx));
			}
		case T_HashJoin:
			{
				HashJoin   *hj = (HashJoin *) plan;

				return gov_scan_join(plan, hj->join.jointype,
									 list_concat_copy(hj->join.joinqual, hj->hashclauses),
									 ctx, gov_scan_plan(plan->lefttree, ctx));
			}
		case T_Result:
			{
				int			in = gov_scan_plan(plan->lefttree, ctx);
				ListCell   *lc;

				/*
				 * WHERE false: a constant gate that lets no row through
				 * filters the target's rows only if they pass it.  With
				 * no input it stands for a relation proved empty.
				 */
				foreach(lc, (List *) ((Result *) plan)->resconstantqual)
				{
					Const	   *c = lfirst(lc);

					if (IsA(c, Const) && (c->constisnull || !DatumGetBool(c->constvalue)))
					{
						if (plan->lefttree == NULL)
							ctx->empty = true;
						in &= ~GOV_ROWS_OPEN;
					}
				}
				return gov_side_filtered(in, gov_clause_reads_target(plan->qual, plan, ctx));
			}
		default:
			{
				/* Sort, Material, Hash, Gather, Unique, ...: their inputs. */
				int			in = gov_scan_plan(plan->lefttree, ctx);

				in |= gov_scan_plan(plan->righttree, ctx);
				return gov_side_filtered(in, gov_clause_reads_target(plan->qual, plan, ctx));
			}
	}
}

/*
 * Does every MERGE action that changes matched rows have a condition that
 * reads a column of the target?  Its target Vars keep their range table
 * index; its other Vars refer to the join below (INNER_VAR), which may
 * hand a target's column on too.
 */
static bool
gov_merge_actions_filter(ModifyTable *mt, GovFilterScan *ctx)
{
	ListCell   *l1,
			   *l2;
	bool		any_matched = false;
	Plan		above = {0};

	above.righttree = mt->plan.lefttree;
	foreach(l1, mt->mergeActionLists)
	{
		foreach(l2, (List *) lfirst(l1))
		{
			MergeAction *action = lfirst_node(MergeAction, l2);

			if (!action->matched || action->commandType == CMD_INSERT ||
				action->commandType == CMD_NOTHING)
				continue;
			any_matched = true;
			if (!gov_reads_target(action->qual, &above, ctx, 0))
				return false;
		}
	}
	return any_matched;
}

/* Is this UPDATE, DELETE or MERGE without an effective filter? */
static bool
gov_modify_unfiltered(ModifyTable *mt, List *rtable)
{
	GovFilterScan ctx = {NULL, NULL, false, false};
	ListCell   *lc;
	int			rows;

	foreach(lc, mt->resultRelations)
	{
		RangeTblEntry *rte = rt_fetch(lfirst_int(lc), rtable);

		ctx.targets = bms_add_member(ctx.targets, lfirst_int(lc));
		/*
		 * Not foreign tables: with direct modification their WHERE goes
		 * to the remote server and is not in the plan, so a DELETE on one
		 * is judged unfiltered unless a clause on it stays local -- a
		 * refusal too many, never one too few.
		 */
		if (rte->relkind == RELKIND_VIEW)
			ctx.opaque = true;
	}
	rows = gov_scan_plan(mt->plan.lefttree, &ctx);

	/*
	 * Filtered when no target row reaches the write unfiltered: some do and
	 * all are filtered, or none do because the planner proved the target
	 * empty.  No target scan found and no such proof: unfiltered.
	 */
	if (!(rows & GOV_ROWS_OPEN) && ((rows & GOV_ROWS) || ctx.empty))
		return false;
	if (mt->operation == CMD_MERGE)
	{
		ListCell   *l1,
				   *l2;
		bool		writes_matched = false;

		foreach(l1, mt->mergeActionLists)
			foreach(l2, (List *) lfirst(l1))
			{
				MergeAction *action = lfirst_node(MergeAction, l2);

				if (action->matched && (action->commandType == CMD_UPDATE ||
										action->commandType == CMD_DELETE))
					writes_matched = true;
			}
		if (!writes_matched)
			return false;		/* inserts only */
		return !gov_merge_actions_filter(mt, &ctx);
	}
	return true;
}

static void
gov_mark_modify(ModifyTable *mt, List *rtable, uint32 *ops, bool *unfiltered,
				Index n)
{
	bool		unf;
	ListCell   *lc;

	if (mt->operation == CMD_MERGE && mt->nominalRelation > 0 &&
		mt->nominalRelation <= n)
		ops[mt->nominalRelation - 1] |= GOV_OP_MERGE;
	if (mt->operation != CMD_UPDATE && mt->operation != CMD_DELETE &&
		mt->operation != CMD_MERGE)
		return;
	unf = gov_modify_unfiltered(mt, rtable);
	if (!unf)
		return;
	if (mt->nominalRelation > 0 && mt->nominalRelation <= n)
		unfiltered[mt->nominalRelation - 1] = true;
	if (mt->rootRelation > 0 && mt->rootRelation <= n)
		unfiltered[mt->rootRelation - 1] = true;
	foreach(lc, mt->resultRelations)
		if (lfirst_int(lc) > 0 && (Index) lfirst_int(lc) <= n)
			unfiltered[lfirst_int(lc) - 1] = true;
}

List *
governance_plan_actions(PlannedStmt *pstmt)
{
	int			n = list_length(pstmt->rtable);
	uint32	   *ops;
	bool	   *unfiltered;
	List	   *actions = NIL;
	ListCell   *lc;
	int			i;

	if (n == 0)
		return NIL;
	ops = palloc0(sizeof(uint32) * n);
	unfiltered = palloc0(sizeof(bool) * n);
	i = 0;
	foreach(lc, pstmt->rtable)
	{
		RangeTblEntry *rte = lfirst_node(RangeTblEntry, lc);

		if (rte->rtekind == RTE_RELATION && rte->requiredPerms != 0)
		{
			if (rte->requiredPerms & ACL_SELECT)
				ops[i] |= GOV_OP_SELECT;
			if (rte->requiredPerms & ACL_INSERT)
				ops[i] |= GOV_OP_INSERT;
			if (rte->requiredPerms & ACL_DELETE)
				ops[i] |= GOV_OP_DELETE;
			/* SELECT FOR UPDATE asks for UPDATE too, but only locks rows. */
			if ((rte->requiredPerms & ACL_UPDATE) &&
				rte->rellockmode >= RowExclusiveLock)
				ops[i] |= GOV_OP_UPDATE;
		}
		i++;
	}
	if (pstmt->planTree && IsA(pstmt->planTree, ModifyTable))
		gov_mark_modify((ModifyTable *) pstmt->planTree, pstmt->rtable, ops,
						unfiltered, n);
	foreach(lc, pstmt->subplans)
	{
		Plan	   *sub = lfirst(lc);

		if (sub && IsA(sub, ModifyTable))
			gov_mark_modify((ModifyTable *) sub, pstmt->rtable, ops, unfiltered, n);
	}

	i = 0;
	foreach(lc, pstmt->rtable)
	{
		RangeTblEntry *rte = lfirst_node(RangeTblEntry, lc);
		uint32		op;

		for (op = 1; ops[i] != 0 && op <= GOV_OP_MERGE; op <<= 1)
			if (ops[i] & op)
			{
				GovAction  *a = governance_action_new(&actions, op, rte->relid, NULL);

				a->unfiltered = unfiltered[i] && (op & GOV_OP_FILTERABLE);
			}
		i++;
	}
	return actions;
}

/* The object of an action, looked up the first time it is needed. */
const char *
governance_action_object(GovAction *a)
{
	if (a->object == NULL && OidIsValid(a->relid))
	{
		const char *name = governance_relation_object(a->relid);

		/* The cache entry may go at the next invalidation: copy. */
		a->object = name ? pstrdup(name) : NULL;
	}
	return a->object;
}

/* "delete:unfiltered on public.orders", for messages and events. */
char *
governance_action_text(const GovAction *a)
{
	const char *qual = a->unfiltered ? ":unfiltered" :
		(a->destructive && a->op == GOV_OP_ALTER) ? ":destructive" : "";
	/* The object name is a cache filled on first use, not a change. */
	const char *object = governance_action_object((GovAction *) a);

	if (object != NULL)
		return psprintf("%s%s on %s", governance_op_name(a->op), qual, object);
	return psprintf("%s%s", governance_op_name(a->op), qual);
}
