/*-------------------------------------------------------------------------
 *
 * rewrite.c
 *	  Masking is a rewrite: every read of a labelled column by a masked
 *	  identity becomes a read of its mask.
 *
 * The planner hook (src/hooks/hooks.c) hands here each query after the
 * rewriter expanded views and rules, from every path that plans: simple
 * and extended protocol, SPI (functions, procedures, DO), cursors, CREATE
 * TABLE AS, COPY (query), EXPLAIN.  It replaces each Var of a labelled column, wherever it stands
 * (target list, WHERE, JOIN, GROUP BY, ORDER BY, HAVING, window clauses,
 * RETURNING, sublinks, CTEs, join alias lists), by a call of the label's
 * mask function around it, so no expression, predicate, ordering or
 * aggregate ever sees the clear value.  A whole-row reference to such a
 * relation becomes a row built of the masked columns.  Nothing else is
 * changed: the masked query is then planned as usual.
 *
 * What is left clear, on purpose: row-level security quals (policies act
 * on stored values) and the EXCLUDED row of ON CONFLICT (the caller's own
 * new values).  Constraints and indexes act on stored values too.
 *
 * Writes: an INSERT, UPDATE or MERGE that would store a value derived from
 * a masked read is refused, since it would replace real data with a mask.
 *
 * Plans depend on who planned them: a plan that read a labelled relation
 * is marked as depending on the role, and identity and label changes
 * reset the plan cache (labels.c).
 *
 * src/mask/rewrite.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/parallel.h"
#include "access/relation.h"
#include "access/sysattr.h"
#include "catalog/pg_statistic.h"
#include "catalog/pg_statistic_ext_data.h"
#include "catalog/pg_class.h"
#include "catalog/pg_language.h"
#include "catalog/pg_proc.h"
#include "catalog/pg_type.h"
#include "fmgr.h"
#include "governance/common.h"
#include "governance/identity.h"
#include "governance/mask.h"
#include "governance/policy.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "nodes/nodeFuncs.h"
#include "optimizer/optimizer.h"
#include "optimizer/plancat.h"
#include "parser/parse_func.h"
#include "parser/parsetree.h"
#include "rewrite/rowsecurity.h"
#include "utils/lsyscache.h"
#include "utils/acl.h"
#include "utils/rel.h"
#include "utils/syscache.h"

typedef struct GovMaskContext
{
	List	   *queries;		/* the query being masked first, then outer */
	int			nmasked;		/* mask calls made */
	bool		touched;		/* a labelled relation was read */
} GovMaskContext;

static Node *gov_mask_mutator(Node *node, GovMaskContext *ctx);

/*
 * A type's base type and whether a mask serves it never change (a domain
 * keeps its base type): remembered for the backend's life, a few at a time.
 */
typedef struct GovTypeMask
{
	Oid			type;
	GovMaskKind kind;
	Oid			basetype;
	bool		supported;
} GovTypeMask;

#define GOV_TYPE_MASK_SLOTS 16
static GovTypeMask gov_type_masks[GOV_TYPE_MASK_SLOTS];
static int	gov_type_masks_next = 0;

static const GovTypeMask *
gov_type_mask(Oid type, GovMaskKind kind)
{
	GovTypeMask *e;

	for (int i = 0; i < GOV_TYPE_MASK_SLOTS; i++)
		if (gov_type_masks[i].type == type && gov_type_masks[i].kind == kind &&
			OidIsValid(type))
			return &gov_type_masks[i];
	e = &gov_type_masks[gov_type_masks_next];
	gov_type_masks_next = (gov_type_masks_next + 1) % GOV_TYPE_MASK_SLOTS;
	e->type = InvalidOid;		/* until filled: an error below leaves no entry */
	e->basetype = getBaseType(type);
	e->supported = governance_mask_supports(kind, type);
	e->kind = kind;
	e->type = type;
	return e;
}

/* The mask of one labelled column read through var. */
static Node *
gov_mask_var(Var *var, int label)
{
	GovMaskKind kind = governance_label_kind(label);
	const GovTypeMask *tm = gov_type_mask(var->vartype, kind);
	Oid			basetype = tm->basetype;
	Oid			fn;
	Expr	   *arg;
	FuncExpr   *call;

	/* A label whose mask cannot serve the column (its type changed): NULL. */
	if (!tm->supported)
		kind = GOV_MASK_NULL;
	fn = governance_mask_function_oid(kind);
	if (!OidIsValid(fn))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_FUNCTION),
				 errmsg("mask function governance.%s is missing",
						governance_mask_function_name(kind)),
				 errhint("Reinstall the governance extension.")));
	/* A domain's value goes in as its base type, and comes out so. */
	arg = basetype == var->vartype ? (Expr *) var :
		(Expr *) makeRelabelType((Expr *) var, basetype, -1, var->varcollid,
								 COERCE_IMPLICIT_CAST);
	call = makeFuncExpr(fn, basetype, list_make1(arg), var->varcollid,
						var->varcollid, COERCE_EXPLICIT_CALL);
	call->location = GOV_MASK_REWRITE_LOCATION;
	if (basetype == var->vartype && var->vartypmod < 0)
		return (Node *) call;
	/* Keep the column's exact type (domain, typmod) for what reads it. */
	return (Node *) makeRelabelType((Expr *) call, var->vartype, var->vartypmod,
									var->varcollid, COERCE_IMPLICIT_CAST);
}

static int
gov_label_in(const GovColumnLabel *cols, int n, AttrNumber attnum)
{
	for (int i = 0; i < n; i++)
		if (cols[i].attnum == attnum)
			return cols[i].label;
	return GOV_NO_LABEL;
}

/*
 * A whole-row reference to a relation with masked columns: a row of the
 * relation's type built from its columns, the labelled ones masked; NULL
 * where the reference is NULL (the null side of an outer join).
 */
static Node *
gov_mask_whole_row(Var *var, Oid relid, const GovColumnLabel *cols, int n,
				   GovMaskContext *ctx)
{
	Relation	rel = relation_open(relid, NoLock);
	TupleDesc	desc = RelationGetDescr(rel);
	RowExpr    *row = makeNode(RowExpr);
	CaseExpr   *c = makeNode(CaseExpr);
	CaseWhen   *w = makeNode(CaseWhen);
	NullTest   *isnull = makeNode(NullTest);

	for (int i = 0; i < desc->natts; i++)
	{
		Form_pg_attribute att = TupleDescAttr(desc, i);
		Node	   *arg;
		int			label;

		if (att->attisdropped)
		{
			row->args = lappend(row->args, makeNullConst(INT4OID, -1, InvalidOid));
			row->colnames = lappend(row->colnames, makeString(pstrdup("")));
			continue;
		}
		arg = (Node *) makeVar(var->varno, att->attnum, att->atttypid,
							   att->atttypmod, att->attcollation, var->varlevelsup);
		label = gov_label_in(cols, n, att->attnum);
		if (label != GOV_NO_LABEL && governance_label_masked(label))
		{
			arg = gov_mask_var((Var *) arg, label);
			ctx->nmasked++;
		}
		row->args = lappend(row->args, arg);
		row->colnames = lappend(row->colnames, makeString(pstrdup(NameStr(att->attname))));
	}
	relation_close(rel, NoLock);
	row->row_typeid = var->vartype;
	row->row_format = COERCE_IMPLICIT_CAST;
	row->location = -1;

	isnull->arg = (Expr *) copyObject(var);
	isnull->nulltesttype = IS_NULL;
	isnull->argisrow = false;
	isnull->location = -1;
	w->expr = (Expr *) isnull;
	w->result = (Expr *) makeNullConst(var->vartype, -1, InvalidOid);
	w->location = -1;
	c->casetype = var->vartype;
	c->casecollid = InvalidOid;
	c->args = list_make1(w);
	c->defresult = (Expr *) row;
	c->location = -1;
	return (Node *) c;
}

static Node *
gov_mask_var_ref(Var *var, GovMaskContext *ctx)
{
	Query	   *q;
	RangeTblEntry *rte;
	const GovColumnLabel *cols;
	int			n;
	int			label;

	if ((int) var->varlevelsup >= list_length(ctx->queries))
		return NULL;
	q = list_nth(ctx->queries, var->varlevelsup);
	if (var->varno < 1 || var->varno > list_length(q->rtable))
		return NULL;
	rte = rt_fetch(var->varno, q->rtable);
	if (rte->rtekind != RTE_RELATION)
		return NULL;
	/* The EXCLUDED row of ON CONFLICT holds the caller's own new values. */
	if (q->onConflict != NULL && var->varno == q->onConflict->exclRelIndex)
		return NULL;
	cols = governance_relation_labels(rte->relid, &n);
	if (n == 0)
		return NULL;
	ctx->touched = true;
	if (var->varattno == 0)
	{
		for (int i = 0; i < n; i++)
			if (governance_label_masked(cols[i].label))
				return gov_mask_whole_row(var, rte->relid, cols, n, ctx);
		return NULL;
	}
	label = gov_label_in(cols, n, var->varattno);
	if (label == GOV_NO_LABEL || !governance_label_masked(label))
		return NULL;
	ctx->nmasked++;
	return gov_mask_var((Var *) copyObject(var), label);
}

/* --- statistics ------------------------------------------------------ */

/*
 * pg_stats and pg_stats_ext show most common values and histograms: for a
 * masked identity, the rows of columns it reads masked are filtered out by
 * a security qual on the catalog itself, whatever view or query reads it.
 */
static void
gov_filter_statistics(Query *q)
{
	ListCell   *lc;
	int			rti = 0;

	foreach(lc, q->rtable)
	{
		RangeTblEntry *rte = lfirst_node(RangeTblEntry, lc);
		const char *fname;
		List	   *args;
		Oid			argtypes[2];
		Oid			fn;
		Oid			schema;

		rti++;
		if (rte->rtekind != RTE_RELATION)
			continue;
		if (rte->relid == StatisticRelationId)
		{
			fname = "stat_visible";
			argtypes[0] = OIDOID;
			argtypes[1] = INT2OID;
			args = list_make2(makeVar(rti, Anum_pg_statistic_starelid, OIDOID, -1, InvalidOid, 0),
							  makeVar(rti, Anum_pg_statistic_staattnum, INT2OID, -1, InvalidOid, 0));
		}
		else if (rte->relid == StatisticExtDataRelationId)
		{
			fname = "stat_ext_visible";
			argtypes[0] = OIDOID;
			args = list_make1(makeVar(rti, Anum_pg_statistic_ext_data_stxoid, OIDOID, -1, InvalidOid, 0));
		}
		else
			continue;
		schema = governance_schema_oid();
		fn = LookupFuncName(list_make2(makeString(get_namespace_name(schema)),
									   makeString(pstrdup(fname))),
							list_length(args), argtypes, true);
		if (!OidIsValid(fn))
			ereport(ERROR,
					(errcode(ERRCODE_UNDEFINED_FUNCTION),
					 errmsg("function governance.%s is missing", fname),
					 errhint("Reinstall the governance extension.")));
		rte->securityQuals = lcons(makeFuncExpr(fn, BOOLOID, args, InvalidOid,
												InvalidOid, COERCE_EXPLICIT_CALL),
								   rte->securityQuals);
	}
}

/* --- the walk -------------------------------------------------------- */


static Query *
gov_mask_query(Query *q, GovMaskContext *ctx)
{
	/* Copies: the walk below changes sublinks' queries in place. */
	List	   *wco = copyObject(q->withCheckOptions);
	List	   *keep = NIL;
	List	   *orig = NIL;
	ListCell   *lc;
	ListCell   *c2;
	ListCell   *c3;
	Query	   *newq;
	int			rti = 0;
	List	   *arbiter_elems = NIL;
	Node	   *arbiter_where = NULL;
	bool		trusted_target = false;

	/*
	 * Row-level security policies are written by a table's owner.  On a
	 * table an administrator owns they act on stored values: keep them as
	 * they are.  On anyone else's they are masked like the reader's own
	 * conditions, or a masked owner could write a policy whose subquery
	 * tests guesses against clear values.
	 * The rewriter puts policies in front of a relation's security quals; the
	 * ones after them come from security-barrier views written through,
	 * whose conditions are the reader's own: those are masked.  How many
	 * are the policies' is asked of the same function the rewriter used.
	 */
	foreach(lc, q->rtable)
	{
		RangeTblEntry *rte = lfirst_node(RangeTblEntry, lc);
		int			nkeep = 0;

		rti++;
		if (rte->rtekind == RTE_RELATION && rte->securityQuals != NIL)
		{
			Relation	rel = relation_open(rte->relid, NoLock);
			bool		rls = rel->rd_rel->relrowsecurity &&
				governance_role_is_admin(rel->rd_rel->relowner);

			relation_close(rel, NoLock);
			if (rls)
			{
				List	   *quals = NIL;
				List	   *checks = NIL;
				bool		has_rls = false;
				bool		has_sublinks = false;

				get_row_security_policies(q, rte, rti, &quals, &checks,
										  &has_rls, &has_sublinks);
				nkeep = Min(list_length(quals), list_length(rte->securityQuals));
			}
		}
		keep = lappend_int(keep, nkeep);
		orig = lappend(orig, nkeep > 0 ? copyObject(rte->securityQuals) : NIL);
	}

	/* ON CONFLICT's target names stored columns, to find their index. */
	if (q->onConflict != NULL)
	{
		arbiter_elems = q->onConflict->arbiterElems;
		arbiter_where = q->onConflict->arbiterWhere;
	}

	ctx->queries = lcons(q, ctx->queries);
	newq = query_tree_mutator(q, gov_mask_mutator, (void *) ctx, QTW_DONT_COPY_QUERY);
	if (newq->onConflict != NULL)
	{
		newq->onConflict->arbiterElems = arbiter_elems;
		newq->onConflict->arbiterWhere = arbiter_where;
	}

	/*
	 * WITH CHECK OPTION of a view is the writer's own condition: masked.
	 * Policies' checks act on stored values where an administrator owns
	 * the table written (gov_owner_trusted), and are masked elsewhere.
	 */
	if (wco != NIL && q->resultRelation > 0)
	{
		RangeTblEntry *target = rt_fetch(q->resultRelation, q->rtable);
		HeapTuple	tup = SearchSysCache1(RELOID, ObjectIdGetDatum(target->relid));

		if (HeapTupleIsValid(tup))
		{
			trusted_target = governance_role_is_admin(((Form_pg_class) GETSTRUCT(tup))->relowner);
			ReleaseSysCache(tup);
		}
	}
	newq->withCheckOptions = NIL;
	foreach(lc, wco)
	{
		WithCheckOption *w = lfirst_node(WithCheckOption, lc);

		if (w->kind == WCO_VIEW_CHECK || !trusted_target)
			w = (WithCheckOption *) gov_mask_mutator((Node *) w, ctx);
		newq->withCheckOptions = lappend(newq->withCheckOptions, w);
	}
	forthree(lc, newq->rtable, c2, keep, c3, orig)
	{
		RangeTblEntry *rte = lfirst_node(RangeTblEntry, lc);
		int			nkeep = lfirst_int(c2);

		if (nkeep > 0)
			rte->securityQuals =
				list_concat(list_copy_head((List *) lfirst(c3), nkeep),
							list_copy_tail(rte->securityQuals, nkeep));
	}

	governance_mask_check_stores(newq, ctx->queries);
	gov_filter_statistics(newq);
	ctx->queries = list_delete_first(ctx->queries);
	return newq;
}

static Node *
gov_mask_mutator(Node *node, GovMaskContext *ctx)
{
	if (node == NULL)
		return NULL;
	if (IsA(node, Var))
	{
		Node	   *masked = gov_mask_var_ref((Var *) node, ctx);

		if (masked != NULL)
			return masked;
		return (Node *) copyObject(node);
	}
	if (IsA(node, Query))
		return (Node *) gov_mask_query((Query *) node, ctx);
	return expression_tree_mutator(node, gov_mask_mutator, (void *) ctx);
}

/* --- SQL functions the planner would inline -------------------------- */

/*
 * A set-returning SQL function in FROM is inlined by the planner after
 * this hook ran: its query would never be masked.  For a masked identity
 * such functions are not inlined (PostgreSQL does not inline a function
 * an fmgr hook wants to see); they run as functions, and their queries
 * come through the planner hook like any other.  A plan that could have
 * inlined one depends on the role (see gov_survey_query).
 */
static bool
gov_is_sql_srf(Oid fn)
{
	HeapTuple	tup = SearchSysCache1(PROCOID, ObjectIdGetDatum(fn));
	bool		result;

	if (!HeapTupleIsValid(tup))
		return false;
	result = ((Form_pg_proc) GETSTRUCT(tup))->prolang == SQLlanguageId &&
		((Form_pg_proc) GETSTRUCT(tup))->proretset;
	ReleaseSysCache(tup);
	return result;
}

/* For namepath.c's needs_fmgr_hook, the one such hook of the extension. */
bool
governance_mask_keeps_function(Oid fn)
{
	return governance_mask_state_masked_any() && gov_is_sql_srf(fn);
}

/* --- does the query need the walk at all? ---------------------------- */

/*
 * What a query reads, surveyed cheaply before anything is copied: range
 * tables, subqueries and CTEs, and expressions only for their sublinks.
 * touched: a labelled relation (or an inlinable SQL function) is read,
 * so the plan depends on the role.  masked: something in it is read
 * masked by the acting principal, so the rewrite must run.
 */
typedef struct GovSurvey
{
	bool		touched;
	bool		masked;
} GovSurvey;

static void gov_survey_query(Query *q, GovSurvey *s);

static bool
gov_survey_sublinks(Node *node, GovSurvey *s)
{
	if (node == NULL)
		return false;
	if (IsA(node, SubLink))
	{
		gov_survey_query((Query *) ((SubLink *) node)->subselect, s);
		return gov_survey_sublinks(((SubLink *) node)->testexpr, s);
	}
	if (IsA(node, Query))
		return false;
	return expression_tree_walker(node, gov_survey_sublinks, (void *) s);
}

static void
gov_survey_query(Query *q, GovSurvey *s)
{
	ListCell   *lc;

	foreach(lc, q->rtable)
	{
		RangeTblEntry *rte = lfirst_node(RangeTblEntry, lc);

		if (rte->rtekind == RTE_RELATION)
		{
			int			n;
			const GovColumnLabel *cols;

			if (rte->relid == StatisticRelationId ||
				rte->relid == StatisticExtDataRelationId)
			{
				s->masked |= governance_masking_possible();
				continue;
			}
			cols = governance_relation_labels(rte->relid, &n);
			if (n == 0)
				continue;
			s->touched = true;
			for (int i = 0; i < n && !s->masked; i++)
				s->masked = governance_label_masked(cols[i].label);
		}
		else if (rte->rtekind == RTE_SUBQUERY)
			gov_survey_query(rte->subquery, s);
		else if (rte->rtekind == RTE_FUNCTION)
		{
			ListCell   *f;

			foreach(f, rte->functions)
			{
				Node	   *e = ((RangeTblFunction *) lfirst(f))->funcexpr;

				if (e && IsA(e, FuncExpr) && gov_is_sql_srf(((FuncExpr *) e)->funcid))
				{
					s->touched = true;
					s->masked |= governance_masking_possible();
				}
			}
		}
	}
	foreach(lc, q->cteList)
		gov_survey_query((Query *) lfirst_node(CommonTableExpr, lc)->ctequery, s);
	if (q->hasSubLinks)
		(void) query_tree_walker(q, gov_survey_sublinks, (void *) s,
								 QTW_IGNORE_RT_SUBQUERIES | QTW_IGNORE_CTE_SUBQUERIES);
}

static bool
gov_reads_relation_walker(Node *node, void *context)
{
	if (node == NULL)
		return false;
	if (IsA(node, RangeTblEntry))
		return ((RangeTblEntry *) node)->rtekind == RTE_RELATION;
	if (IsA(node, Query))
		return query_tree_walker((Query *) node, gov_reads_relation_walker, context,
								 QTW_EXAMINE_RTES_BEFORE);
	return expression_tree_walker(node, gov_reads_relation_walker, context);
}

/* Does a query, its subqueries and CTEs included, read a relation? */
static bool
gov_query_reads_relation(Query *q)
{
	return gov_reads_relation_walker((Node *) q, NULL);
}

/*
 * Before planning: the query to plan, masked for the acting identity if it
 * reads labelled columns masked; what the planning needs is kept in *mp.
 */
Query *
governance_mask_plan_begin(Query *parse, const char *query_string,
						   int cursorOptions, GovMaskPlanning *mp)
{
	GovMaskContext ctx = {NIL, 0, false};

	mp->touched = false;
	mp->fk_exempt = false;
	mp->masked = false;

	/*
	 * A parallel worker runs the plan its leader judged, masked and
	 * recorded, but knows no identity of its own: a statement it plans
	 * itself (a PARALLEL SAFE function's query) would be read clear, past
	 * the policy and the clock.  The rule: a worker plans no statement
	 * that reads a relation.
	 */
	if (IsParallelWorker() && gov_query_reads_relation(parse))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("a statement run inside a parallel worker cannot read tables under governance"),
				 errdetail("Only the leader knows the identity that acts; a worker's own statements would be neither masked, judged nor recorded."),
				 errhint("Mark the function that runs it PARALLEL RESTRICTED.")));

	/*
	 * A plan that reads a labelled relation depends on who reads: it is
	 * marked so even when nothing is masked, so that a clear plan is not
	 * reused after SET ROLE to a masked role.
	 */
	if (!IsParallelWorker() && governance_labels_exist())
	{
		GovSurvey	survey = {false, false};

		gov_survey_query(parse, &survey);
		ctx.touched = survey.touched;
		mp->touched = survey.touched;

		/*
		 * A WITH HOLD cursor keeps its rows after the transaction, where
		 * no identity change can reach them: not over labelled data.
		 */
		if (survey.touched && (cursorOptions & CURSOR_OPT_HOLD))
			ereport(ERROR,
					(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
					 errmsg("a WITH HOLD cursor cannot read labelled columns"),
					 errdetail("Its rows would outlive the identity that read them."),
					 errhint("Declare the cursor without WITH HOLD, inside a transaction.")));

		if (survey.masked)
		{
			if (governance_mask_in_fk_statement() &&
				parse->querySource == QSRC_ORIGINAL)
			{
				/*
				 * Masked, a foreign-key statement would compare masked
				 * values; changed by the tables' code, it cannot run clear.
				 */
				if (!governance_mask_fk_query_as_written(parse))
					ereport(ERROR,
							(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
							 errmsg("a foreign-key check or action changed by a rule or row-security policy cannot read columns the acting identity reads masked"),
							 errdetail("A rule or policy of a table it reads adds conditions to it; run clear, they would read clear values."),
							 errhint("Drop the rule or policy, or ask a governance administrator to make the change.")));
				mp->fk_exempt = true;
			}
			else
			{
				/*
				 * A foreign-key action set off by another one (a cascade
				 * reaching a third table) cannot be told from the code of
				 * the tables it changes: masked, it would miss its rows,
				 * so it is refused instead.
				 */
				if (InNoForceRLSOperation() && parse->querySource == QSRC_ORIGINAL &&
					governance_mask_fk_text(query_string))
					ereport(ERROR,
							(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
							 errmsg("a foreign-key action on columns the acting identity reads masked cannot run inside another foreign-key action"),
							 errdetail("Masked, it would compare masked values and miss its rows."),
							 errhint("Ask a governance administrator to make the change, or to unmask the label for the tables' owner.")));
				parse = gov_mask_query(parse, &ctx);
				mp->masked = true;
			}
		}
	}
	return parse;
}
