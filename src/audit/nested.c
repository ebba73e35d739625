/*-------------------------------------------------------------------------
 *
 * nested.c
 *	  The nested cap: which statements run by a top-level statement are
 *	  recorded one by one, and which only counted.
 *
 * Nested statements of the top-level statement under way: recorded one by
 * one up to governance.audit_nested_max, then only counted, the count and
 * the relations they read going into the top-level statement's own event.
 * So one statement (a DO loop over EXECUTE, say) adds at most that many
 * events of reading to the trail.  The cap never hides a change: past it,
 * a nested statement that changed rows, or a utility statement that can
 * change anything, is still recorded in full (see
 * governance_audit_nested_recordable()).  What it costs is bounded by what
 * the statement did to the database.
 *
 * src/audit/nested.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xact.h"
#include "access/xlog.h"
#include "audit_internal.h"
#include "commands/defrem.h"
#include "executor/executor.h"
#include "governance/audit.h"
#include "governance/common.h"
#include "nodes/nodeFuncs.h"
#include "nodes/plannodes.h"
#include "storage/ipc.h"
#include "utils/fmgroids.h"

#define GOV_UNRECORDED_RELATIONS 32
static int64 gov_nested_recorded = 0;
static int64 gov_nested_unrecorded = 0;
static Oid	gov_unrecorded_rels[GOV_UNRECORDED_RELATIONS];
static int	gov_unrecorded_nrels = 0;

/* A top-level statement starts: its nested statements are counted anew. */
void
governance_audit_nested_reset(void)
{
	gov_nested_recorded = 0;
	gov_nested_unrecorded = 0;
	gov_unrecorded_nrels = 0;
}

/* Past the cap: a statement is recorded only if it changed something. */
bool
governance_audit_nested_past_cap(void)
{
	return gov_nested_recorded >= governance_audit_nested_max;
}

/*
 * Record a completed nested statement, or only count it past the cap?
 * changes: it changed something, and is recorded whatever the count.
 */
bool
governance_audit_nested_recordable(bool changes)
{
	if (gov_nested_recorded >= governance_audit_nested_max && !changes)
	{
		gov_nested_unrecorded++;
		return false;
	}
	gov_nested_recorded++;
	return true;
}

/* Remember the relations a statement past the cap read (the first 32). */
void
governance_audit_nested_unrecorded(PlannedStmt *pstmt)
{
	ListCell   *lc;

	foreach(lc, pstmt->rtable)
	{
		RangeTblEntry *rte = lfirst_node(RangeTblEntry, lc);
		int			k;

		if (rte->rtekind != RTE_RELATION || rte->requiredPerms == 0)
			continue;
		for (k = 0; k < gov_unrecorded_nrels; k++)
			if (gov_unrecorded_rels[k] == rte->relid)
				break;
		if (k == gov_unrecorded_nrels && k < GOV_UNRECORDED_RELATIONS)
			gov_unrecorded_rels[gov_unrecorded_nrels++] = rte->relid;
	}
}

/*
 * Did a plannable statement change anything?  Rows it wrote, and whatever
 * it made the transaction write to the WAL: a function it called that
 * changes a sequence (setval) or a large object (lo_put), say.  A write
 * that touched nothing, and a read, changed nothing a later reader of the
 * trail could miss.
 */
/*
 * Functions that change something outside the rows of a table, some of
 * them without writing WAL (nextval logs one value in 32; an unlogged
 * sequence never does): sequences, large objects, notifications.
 */
static bool
gov_changing_function(Oid fn)
{
	switch (fn)
	{
		case F_NEXTVAL:
		case F_SETVAL_REGCLASS_INT8:
		case F_SETVAL_REGCLASS_INT8_BOOL:
		case F_LO_CREATE:
		case F_LO_CREAT:
		case F_LO_IMPORT_TEXT:
		case F_LO_IMPORT_TEXT_OID:
		case F_LO_EXPORT:
		case F_LOWRITE:
		case F_LO_TRUNCATE:
		case F_LO_TRUNCATE64:
		case F_LO_UNLINK:
		case F_LO_FROM_BYTEA:
		case F_LO_PUT:
		case F_PG_NOTIFY:
			return true;
		default:
			return false;
	}
}

static bool
gov_calls_changing_function(Node *node, void *arg)
{
	if (node == NULL)
		return false;
	if (IsA(node, FuncExpr) && gov_changing_function(((FuncExpr *) node)->funcid))
		return true;
	return expression_tree_walker(node, gov_calls_changing_function, arg);
}

/* Does any expression of the plan call one of those functions? */
static bool
gov_plan_calls_changing_function(Plan *plan)
{
	ListCell   *lc;

	if (plan == NULL)
		return false;
	if (gov_calls_changing_function((Node *) plan->targetlist, NULL) ||
		gov_calls_changing_function((Node *) plan->qual, NULL))
		return true;
	if (IsA(plan, FunctionScan) &&
		gov_calls_changing_function((Node *) ((FunctionScan *) plan)->functions, NULL))
		return true;
	if (IsA(plan, ValuesScan) &&
		gov_calls_changing_function((Node *) ((ValuesScan *) plan)->values_lists, NULL))
		return true;
	if (IsA(plan, ProjectSet) || IsA(plan, Result))
	{
		if (IsA(plan, Result) &&
			gov_calls_changing_function(((Result *) plan)->resconstantqual, NULL))
			return true;
	}
	if (IsA(plan, Append))
		foreach(lc, ((Append *) plan)->appendplans)
			if (gov_plan_calls_changing_function(lfirst(lc)))
				return true;
	if (IsA(plan, SubqueryScan) &&
		gov_plan_calls_changing_function(((SubqueryScan *) plan)->subplan))
		return true;
	return gov_plan_calls_changing_function(plan->lefttree) ||
		gov_plan_calls_changing_function(plan->righttree);
}

bool
governance_audit_query_changed(QueryDesc *queryDesc, XLogRecPtr wal)
{
	PlannedStmt *pstmt = queryDesc->plannedstmt;
	ListCell   *lc;

	if (pstmt->hasModifyingCTE || XactLastRecEnd != wal)
		return true;
	if (pstmt->commandType != CMD_SELECT && queryDesc->estate != NULL &&
		queryDesc->estate->es_processed > 0)
		return true;
	/* Past the cap only: the plan is walked for what changes without WAL. */
	if (gov_plan_calls_changing_function(pstmt->planTree))
		return true;
	foreach(lc, pstmt->subplans)
		if (gov_plan_calls_changing_function(lfirst(lc)))
			return true;
	return false;
}

/*
 * Can a utility statement change anything?  Only these cannot: showing or
 * setting an ordinary setting, transaction control, cursors (their query
 * is a plannable statement of its own), and a plain EXPLAIN.
 */
bool
governance_audit_utility_changes(Node *stmt)
{
	switch (nodeTag(stmt))
	{
		case T_VariableShowStmt:
		case T_TransactionStmt:
		case T_DeclareCursorStmt:
		case T_FetchStmt:
		case T_ClosePortalStmt:
			return false;
		case T_VariableSetStmt:
			{
				const char *name = ((VariableSetStmt *) stmt)->name;

				return name == NULL || pg_strcasecmp(name, "role") == 0 ||
					pg_strcasecmp(name, "session_authorization") == 0 ||
					pg_strncasecmp(name, "governance.", 11) == 0;
			}
		case T_ExplainStmt:
			{
				ListCell   *lc;

				foreach(lc, ((ExplainStmt *) stmt)->options)
				{
					DefElem    *opt = lfirst_node(DefElem, lc);

					if (strcmp(opt->defname, "analyze") == 0 && defGetBoolean(opt))
						return true;
				}
				return false;
			}
		default:
			return true;
	}
}

/* The top-level statement's event says how many went unrecorded. */
void
governance_audit_put_nested_unrecorded(GovAuditRecord *r)
{
	const char *names[GOV_UNRECORDED_RELATIONS];
	int			n = 0;

	if (gov_nested_unrecorded == 0)
		return;
	gov_audit_put_int(r, GOV_AF_NESTED_UNRECORDED, gov_nested_unrecorded);
	/* Names need the catalogs: not while the backend is exiting. */
	if (!IsTransactionState() || proc_exit_inprogress)
		return;
	governance_names_collect();
	for (int k = 0; k < gov_unrecorded_nrels; k++)
	{
		GovRelNames *rn = governance_relation_names(gov_unrecorded_rels[k]);

		if (rn != NULL)
			names[n++] = rn->name;
	}
	if (n > 0)
		gov_audit_put_strs(r, GOV_AF_NESTED_UNRECORDED_RELATIONS, names, n);
}

