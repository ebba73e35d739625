/*-------------------------------------------------------------------------
 *
 * utility.c
 *	  Masking at the utility statements that read or reshape a labelled
 *	  table without going through the planner.
 *
 * COPY table TO reads the heap directly: for a masked identity it becomes
 * COPY (SELECT columns FROM ONLY table) TO, which the planner hook masks,
 * the way PostgreSQL itself turns it into a query under row-level security.
 *
 * A masked identity that owns a labelled table could attach code that
 * runs on clear values: a trigger copying OLD.email elsewhere, an index or
 * CHECK expression calling a leaky function, a generated column, a rule,
 * a policy, extended statistics.  So a masked identity may not run
 * ALTER TABLE, CREATE TRIGGER, CREATE INDEX, CREATE RULE, CREATE or ALTER
 * POLICY, or CREATE STATISTICS on a relation with columns it reads masked.
 *
 * A cursor runs the plan it was declared with: one declared by an identity
 * that read clear values must not be fetched from after the session's
 * identity changed (WITH HOLD cursors even hold their rows already).  The
 * identity each cursor was declared under is remembered, and FETCH or
 * MOVE under another one is refused.
 *
 * src/mask/utility.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/parallel.h"
#include "catalog/namespace.h"
#include "catalog/pg_class.h"
#include "governance/governance.h"
#include "governance/identity.h"
#include "governance/mask.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "tcop/utility.h"
#include "utils/hsearch.h"
#include "utils/lsyscache.h"

static ProcessUtility_hook_type prev_ProcessUtility = NULL;

/* Who declared each SQL cursor: token fingerprint and current role. */
typedef struct GovCursorOwner
{
	char		name[NAMEDATALEN];	/* hash key */
	char		who[65];
	Oid			role;
} GovCursorOwner;

static HTAB *gov_cursor_owners = NULL;

static void
gov_acting(char *who, Oid *role)
{
	const GovIdentity *id = governance_current_identity();

	strlcpy(who, id ? id->fingerprint : "", 65);
	*role = GetUserId();
}

static void
gov_remember_cursor(const char *name)
{
	GovCursorOwner *e;

	if (gov_cursor_owners == NULL)
	{
		HASHCTL		ctl;

		ctl.keysize = NAMEDATALEN;
		ctl.entrysize = sizeof(GovCursorOwner);
		gov_cursor_owners = hash_create("governance cursor owners", 16, &ctl,
										HASH_ELEM | HASH_STRINGS);
	}
	e = hash_search(gov_cursor_owners, name, HASH_ENTER, NULL);
	gov_acting(e->who, &e->role);
}

/* FETCH or MOVE: only under the identity that declared the cursor. */
static void
gov_check_cursor(const char *name)
{
	GovCursorOwner *e;
	char		who[65];
	Oid			role;

	if (gov_cursor_owners == NULL || name == NULL ||
		(e = hash_search(gov_cursor_owners, name, HASH_FIND, NULL)) == NULL)
		return;
	gov_acting(who, &role);
	if (strcmp(who, e->who) != 0 || role != e->role)
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("cursor \"%s\" was declared by another identity", name),
				 errdetail("Its rows were read with that identity's masks."),
				 errhint("Declare the cursor again.")));
}

/* Does the acting principal read any column of this relation masked? */
static bool
gov_reads_masked(Oid relid)
{
	int			n;
	const GovColumnLabel *cols;

	if (!OidIsValid(relid))
		return false;
	cols = governance_relation_labels(relid, &n);
	for (int i = 0; i < n; i++)
		if (governance_label_masked(cols[i].label))
			return true;
	return false;
}

static Oid
gov_rangevar_relid(RangeVar *rv)
{
	return rv ? RangeVarGetRelid(rv, NoLock, true) : InvalidOid;
}

/* The relation a statement would attach code or storage to, if any. */
static RangeVar *
gov_reshaped_relation(Node *stmt, const char **what)
{
	switch (nodeTag(stmt))
	{
		case T_AlterTableStmt:
			*what = "ALTER TABLE";
			return ((AlterTableStmt *) stmt)->relation;
		case T_CreateTrigStmt:
			*what = "CREATE TRIGGER";
			return ((CreateTrigStmt *) stmt)->relation;
		case T_IndexStmt:
			*what = "CREATE INDEX";
			return ((IndexStmt *) stmt)->relation;
		case T_RuleStmt:
			*what = "CREATE RULE";
			return ((RuleStmt *) stmt)->relation;
		case T_CreatePolicyStmt:
			*what = "CREATE POLICY";
			return ((CreatePolicyStmt *) stmt)->table;
		case T_AlterPolicyStmt:
			*what = "ALTER POLICY";
			return ((AlterPolicyStmt *) stmt)->table;
		case T_CreateStatsStmt:
			{
				CreateStatsStmt *cs = (CreateStatsStmt *) stmt;

				*what = "CREATE STATISTICS";
				if (list_length(cs->relations) == 1 && IsA(linitial(cs->relations), RangeVar))
					return linitial_node(RangeVar, cs->relations);
				return NULL;
			}
		default:
			return NULL;
	}
}

/* COPY rel [(cols)] TO ...  ->  COPY (SELECT cols FROM ONLY rel) TO ... */
static CopyStmt *
gov_copy_as_query(CopyStmt *copy)
{
	CopyStmt   *q = copyObject(copy);
	SelectStmt *select = makeNode(SelectStmt);
	RangeVar   *from = copyObject(copy->relation);
	ListCell   *lc;

	from->inh = false;			/* COPY table TO reads the table alone */
	if (copy->attlist == NIL)
	{
		ColumnRef  *star = makeNode(ColumnRef);
		ResTarget  *rt = makeNode(ResTarget);

		star->fields = list_make1(makeNode(A_Star));
		star->location = -1;
		rt->val = (Node *) star;
		rt->location = -1;
		select->targetList = list_make1(rt);
	}
	else
		foreach(lc, copy->attlist)
		{
			ColumnRef  *col = makeNode(ColumnRef);
			ResTarget  *rt = makeNode(ResTarget);

			col->fields = list_make1(makeString(pstrdup(strVal(lfirst(lc)))));
			col->location = -1;
			rt->val = (Node *) col;
			rt->name = pstrdup(strVal(lfirst(lc)));
			rt->location = -1;
			select->targetList = lappend(select->targetList, rt);
		}
	select->fromClause = list_make1(from);
	q->relation = NULL;
	q->attlist = NIL;
	q->query = (Node *) select;
	return q;
}

static void
gov_mask_ProcessUtility(PlannedStmt *pstmt, const char *queryString,
						bool readOnlyTree, ProcessUtilityContext context,
						ParamListInfo params, QueryEnvironment *queryEnv,
						DestReceiver *dest, QueryCompletion *qc)
{
	Node	   *stmt = pstmt->utilityStmt;

	if (!IsParallelWorker() && IsA(stmt, DeclareCursorStmt))
		gov_remember_cursor(((DeclareCursorStmt *) stmt)->portalname);
	else if (!IsParallelWorker() && IsA(stmt, FetchStmt) && governance_labels_exist())
		gov_check_cursor(((FetchStmt *) stmt)->portalname);

	if (!IsParallelWorker() && governance_masking_possible())
	{
		const char *what = NULL;
		RangeVar   *rv = gov_reshaped_relation(stmt, &what);

		if (rv != NULL && gov_reads_masked(gov_rangevar_relid(rv)))
			ereport(ERROR,
					(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
					 errmsg("%s on \"%s\" is not allowed for an identity that reads its labelled columns masked",
							what, rv->relname),
					 errdetail("Triggers, indexes, constraints, rules, policies and statistics act on clear values."),
					 errhint("Ask a governance administrator to make the change.")));

		if (IsA(stmt, CopyStmt))
		{
			CopyStmt   *copy = (CopyStmt *) stmt;

			Oid			relid = copy->relation ? gov_rangevar_relid(copy->relation) : InvalidOid;

			/* Other relation kinds PostgreSQL itself refuses to COPY TO. */
			if (!copy->is_from && OidIsValid(relid) &&
				get_rel_relkind(relid) == RELKIND_RELATION && gov_reads_masked(relid))
			{
				PlannedStmt *p = makeNode(PlannedStmt);

				memcpy(p, pstmt, sizeof(PlannedStmt));
				p->utilityStmt = (Node *) gov_copy_as_query(copy);
				pstmt = p;
				readOnlyTree = false;
			}
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
governance_mask_utility_init(void)
{
	prev_ProcessUtility = ProcessUtility_hook;
	ProcessUtility_hook = gov_mask_ProcessUtility;
}
