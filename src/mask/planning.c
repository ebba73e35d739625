/*-------------------------------------------------------------------------
 *
 * planning.c
 *	  What the planner may use for a masked identity: no foreign-key
 *	  statement planned unmasked outside the foreign-key code, no index
 *	  on a column it reads masked.
 *
 * The rewrite (rewrite.c) decides which queries are masked; this file
 * keeps the statement frames that tell a foreign-key statement from the
 * code it sets off, marks and checks the plans made unmasked for one, and
 * hides from the planner the indexes that order or select by clear
 * values.  The hook layer enters a frame around planning and every
 * executor phase.
 *
 * src/mask/planning.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "access/sysattr.h"
#include "catalog/pg_class.h"
#include "governance/mask.h"
#include "miscadmin.h"
#include "nodes/pathnodes.h"
#include "nodes/plannodes.h"
#include "optimizer/optimizer.h"
#include "parser/parsetree.h"
#include "rewrite/rowsecurity.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/relcache.h"
#include "utils/syscache.h"

/* --- foreign keys: the only statements never masked ------------------ */

/*
 * Foreign-key checks and actions (ri_triggers.c) compare stored values and
 * must never be masked: a masked key would fail every check or make a
 * cascade miss its rows.  They run under SECURITY_NOFORCE_RLS, but so does
 * everything they set off (the triggers, rules, defaults, constraints and
 * functions of the tables they change), which is the masked identity's own
 * code.  The rule: the only statements planned unmasked are the original
 * queries that the foreign-key code itself plans, recognised as planned
 * directly in a no-force-RLS operation from a statement frame (executor
 * start, run or finish, planning) that was entered outside one.  Anything planned
 * inside such a query's planning or execution entered its frame inside
 * the operation and is masked.  A rule's action query is not original.
 */
static bool gov_frame_noforce = false;

bool
governance_mask_frame_enter(void)
{
	bool		saved = gov_frame_noforce;

	gov_frame_noforce = InNoForceRLSOperation();
	return saved;
}

void
governance_mask_frame_leave(bool saved)
{
	gov_frame_noforce = saved;
}

/* Is what is planned or started now a foreign-key statement itself? */
bool
governance_mask_in_fk_statement(void)
{
	return InNoForceRLSOperation() && !gov_frame_noforce;
}

/*
 * Is a query the foreign-key code planned still only what that code wrote?
 * The rewriter can add to it the code of the tables it reads: the negated
 * condition of a conditional INSTEAD rule (which leaves the query
 * original) or a row-security qual.  So a query is exempt only when it
 * reads plain tables without rules or security quals and has no sublinks
 * and no WITH: then no expression of it reads another table, and whatever
 * it calls plans its own statements, which are masked.
 */
static bool
gov_relation_has_rules(Oid relid)
{
	HeapTuple	tup = SearchSysCache1(RELOID, ObjectIdGetDatum(relid));
	bool		rules;

	if (!HeapTupleIsValid(tup))
		return true;			/* gone: not proved plain */
	rules = ((Form_pg_class) GETSTRUCT(tup))->relhasrules;
	ReleaseSysCache(tup);
	return rules;
}

bool
governance_mask_fk_query_as_written(Query *q)
{
	ListCell   *lc;

	if (q->hasSubLinks || q->cteList != NIL || q->setOperations != NULL ||
		q->hasRowSecurity)
		return false;
	foreach(lc, q->rtable)
	{
		RangeTblEntry *rte = lfirst_node(RangeTblEntry, lc);

		if (rte->rtekind == RTE_JOIN)
			continue;
		if (rte->rtekind != RTE_RELATION || rte->securityQuals != NIL ||
			gov_relation_has_rules(rte->relid))
			return false;
	}
	return true;
}

/* The text ri_triggers.c gives its checks and actions. */
bool
governance_mask_fk_text(const char *text)
{
	return text != NULL &&
		(strncmp(text, "SELECT 1 FROM ONLY ", 19) == 0 ||
		 strncmp(text, "DELETE FROM ONLY ", 17) == 0 ||
		 strncmp(text, "UPDATE ONLY ", 12) == 0);
}

/*
 * A plan made unmasked for a foreign-key statement carries this mark: it
 * runs only where that exemption holds (see governance_mask_check_plan),
 * so it is never reused where masking applies.  A PlanInvalItem with a
 * cache id no syscache has never matches an invalidation.
 */
#define GOV_FK_PLAN_MARK	(-7207)

static void
gov_mark_fk_plan(PlannedStmt *pstmt)
{
	PlanInvalItem *mark = makeNode(PlanInvalItem);

	mark->cacheId = GOV_FK_PLAN_MARK;
	mark->hashValue = 0;
	pstmt->invalItems = lappend(pstmt->invalItems, mark);
}

void
governance_mask_check_plan(PlannedStmt *pstmt)
{
	ListCell   *lc;

	foreach(lc, pstmt->invalItems)
	{
		PlanInvalItem *item = lfirst_node(PlanInvalItem, lc);

		if (item->cacheId == GOV_FK_PLAN_MARK &&
			!governance_mask_in_fk_statement())
			ereport(ERROR,
					(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
					 errmsg("a plan made unmasked for a foreign-key check cannot run here"),
					 errdetail("The plan reads labelled columns clear; only the foreign-key check itself may.")));
	}
}

/* --- indexes: no order or selection by a masked clear value ----------- */

/*
 * An index on a masked column orders and selects rows by clear values: an
 * index-only scan hands them back in clear sort order, and a probe row
 * inserted into it turns that order into a binary search.  The rule: for
 * a masked identity the planner never sees an index whose keys,
 * expressions or predicate read a column it reads masked, so no access
 * path (index, index-only and bitmap scans, merge joins fed by them,
 * uniqueness proofs) depends on one.  Everything else that orders or
 * groups (sorts, hashing, DISTINCT, windows, merge joins) sees only the
 * masked expressions the rewrite left.
 */
static bool gov_planning_masked = false;

static bool
gov_attnos_masked(Oid relid, Bitmapset *attnos)
{
	int			k = -1;

	while ((k = bms_next_member(attnos, k)) >= 0)
	{
		AttrNumber	att = k + FirstLowInvalidHeapAttributeNumber;
		int			label;

		if (att == 0)
			return true;		/* a whole-row reference reads them all */
		label = governance_column_label_of(relid, att);
		if (label != GOV_NO_LABEL && governance_label_masked(label))
			return true;
	}
	return false;
}

static bool
gov_index_reads_masked(Oid relid, IndexOptInfo *index, Index varno)
{
	Bitmapset  *attnos = NULL;

	for (int i = 0; i < index->ncolumns; i++)
		if (index->indexkeys[i] != 0)
			attnos = bms_add_member(attnos,
									index->indexkeys[i] - FirstLowInvalidHeapAttributeNumber);
	pull_varattnos((Node *) index->indexprs, varno, &attnos);
	pull_varattnos((Node *) index->indpred, varno, &attnos);
	return gov_attnos_masked(relid, attnos);
}

void
governance_mask_relation_info(Oid relid, RelOptInfo *rel)
{
	if (gov_planning_masked && rel->indexlist != NIL)
	{
		int			n;
		ListCell   *lc;

		(void) governance_relation_labels(relid, &n);
		if (n == 0)
			return;
		foreach(lc, rel->indexlist)
			if (gov_index_reads_masked(relid, lfirst(lc), rel->relid))
				rel->indexlist = foreach_delete_current(rel->indexlist, lc);
	}
}

/*
 * Planning runs in a statement frame of its own (see
 * governance_mask_frame_enter), with the index filter on if the query was
 * masked.  The hook layer leaves it in PG_FINALLY.
 */
void
governance_mask_planning_enter(GovMaskPlanning *mp)
{
	mp->saved_frame = governance_mask_frame_enter();
	mp->saved_masked = gov_planning_masked;
	gov_planning_masked = mp->masked;
}

void
governance_mask_planning_leave(GovMaskPlanning *mp)
{
	governance_mask_frame_leave(mp->saved_frame);
	gov_planning_masked = mp->saved_masked;
}

/* Planned for this role's masks: plan again under another role. */
void
governance_mask_plan_end(PlannedStmt *result, GovMaskPlanning *mp)
{
	if (mp->touched)
		result->dependsOnRole = true;
	if (mp->fk_exempt)
		gov_mark_fk_plan(result);
}
