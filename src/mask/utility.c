/*-------------------------------------------------------------------------
 *
 * utility.c
 *	  Masking at the utility statements that read or reshape a labelled
 *	  table without going through the planner.
 *
 * COPY table TO reads the heap directly: for a masked identity it becomes
 * COPY (SELECT columns FROM ONLY table) TO, which the planner hook masks,
 * the way PostgreSQL itself turns it into a query under row-level security;
 * and so it does for any table while the output scan is in force, so that
 * its rows pass the scan's receiver (src/mask/outscan.c).
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
 * identity changed (WITH HOLD cursors even hold their rows already).  A
 * top-level statement that changes who acts closes every cursor; and the
 * identity each SQL cursor was declared under is remembered, so FETCH or
 * MOVE under another one (after set_config(), say) is refused.
 *
 * Also refused to a masked identity: a partition or child of a table it
 * reads masked, a foreign key onto such columns, COPY FROM into pseudonym
 * columns (see stores.c); and to everyone, making a table with labels of
 * its own a partition or child (labels pass down, not up).
 *
 * src/mask/utility.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/parallel.h"
#include "access/table.h"
#include "catalog/pg_inherits.h"
#include "catalog/namespace.h"
#include "access/relation.h"
#include "access/sysattr.h"
#include "access/htup_details.h"
#include "catalog/pg_class.h"
#include "catalog/pg_type.h"
#include "parser/parse_type.h"
#include "utils/portal.h"
#include "utils/syscache.h"
#include "governance/common.h"
#include "governance/identity.h"
#include "governance/mask.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "access/xact.h"
#include "executor/executor.h"
#include "tcop/utility.h"
#include "utils/hsearch.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/relcache.h"

/*
 * Who declared each SQL cursor: token fingerprint and current role; for a
 * WITH HOLD cursor declared in the current transaction, how many identity
 * changes the session had seen then.
 */
typedef struct GovCursorOwner
{
	char		name[NAMEDATALEN];	/* hash key */
	char		who[65];
	Oid			role;
	bool		held_here;		/* WITH HOLD, declared in this transaction */
	uint64		changes;		/* gov_identity_changes at the DECLARE */
} GovCursorOwner;

static HTAB *gov_cursor_owners = NULL;

/* Identity changes seen by this session, ever. */
static uint64 gov_identity_changes = 0;

static void
gov_acting(char *who, Oid *role)
{
	const GovIdentity *id = governance_current_identity();

	strlcpy(who, id ? id->fingerprint : "", 65);
	*role = GetUserId();
}

static void
gov_remember_cursor(const char *name, bool holdable)
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
	e->held_here = holdable;
	e->changes = gov_identity_changes;
}

/*
 * Before a commit: a WITH HOLD cursor declared in this transaction has just
 * had its rows read (PostgreSQL holds cursors before it calls us), under
 * whoever acted at that moment, which need not be who declared it: the
 * token may have been set after the DECLARE, or by the cursor's own query
 * as its rows were read.  If the identity changed at all since the
 * DECLARE, whose masks the held rows carry cannot be told, so the cursor
 * is made unusable.
 */
void
governance_mask_pre_commit(void)
{
	HASH_SEQ_STATUS status;
	GovCursorOwner *e;

	if (gov_cursor_owners == NULL)
		return;
	hash_seq_init(&status, gov_cursor_owners);
	while ((e = hash_seq_search(&status)) != NULL)
	{
		Portal		portal;

		if (!e->held_here)
			continue;
		e->held_here = false;
		if (e->changes == gov_identity_changes)
			continue;
		portal = GetPortalByName(e->name);
		if (portal != NULL && portal->status == PORTAL_READY)
			portal->status = PORTAL_FAILED;
	}
}

/*
 * The identity changed (by SET, set_config() from anywhere, or the end of
 * the transaction that SET LOCAL the token): every SQL cursor another
 * identity declared and whose rows are already held is made unusable at
 * once.  A WITH HOLD cursor, once its transaction committed, holds rows
 * read with its identity's masks, and fetching them runs no plan and
 * passes no statement of ours (a PL/pgSQL FETCH, the protocol's Execute of
 * the cursor's name): PostgreSQL refuses to run a failed portal, however
 * it is reached ("portal cannot be run").  A cursor that still runs its
 * plan is refused at its next fetch by the executor check below, with a
 * message that says why.  This runs inside the setting's assign hook, so
 * it only looks portals up and marks them; it cannot fail.
 */
void
governance_mask_cursors_identity_changed(void)
{
	HASH_SEQ_STATUS status;
	GovCursorOwner *e;
	char		who[65];
	Oid			role;

	gov_identity_changes++;
	if (gov_cursor_owners == NULL)
		return;
	gov_acting(who, &role);
	hash_seq_init(&status, gov_cursor_owners);
	while ((e = hash_seq_search(&status)) != NULL)
	{
		Portal		portal;

		if (strcmp(e->who, who) == 0)
			continue;
		portal = GetPortalByName(e->name);
		if (portal != NULL && portal->status == PORTAL_READY && portal->holdStore != NULL)
			portal->status = PORTAL_FAILED;
	}
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

/* A column reference to name, for a select list. */
static ResTarget *
gov_column_target(const char *name)
{
	ColumnRef  *col = makeNode(ColumnRef);
	ResTarget  *rt = makeNode(ResTarget);

	col->fields = list_make1(makeString(pstrdup(name)));
	col->location = -1;
	rt->val = (Node *) col;
	rt->name = pstrdup(name);
	rt->location = -1;
	return rt;
}

/*
 * COPY rel [(cols)] TO ...  ->  COPY (SELECT cols FROM ONLY rel) TO ...
 * Without a column list, COPY TO writes every column but dropped and
 * generated ones, in order: so does the query.
 */
static CopyStmt *
gov_copy_as_query(CopyStmt *copy, Oid relid)
{
	CopyStmt   *q = copyObject(copy);
	SelectStmt *select = makeNode(SelectStmt);
	RangeVar   *from = copyObject(copy->relation);
	ListCell   *lc;

	from->inh = false;			/* COPY table TO reads the table alone */
	if (copy->attlist == NIL)
	{
		Relation	rel = relation_open(relid, AccessShareLock);
		TupleDesc	desc = RelationGetDescr(rel);

		for (int i = 0; i < desc->natts; i++)
		{
			Form_pg_attribute att = TupleDescAttr(desc, i);

			if (!att->attisdropped && !att->attgenerated)
				select->targetList = lappend(select->targetList,
											 gov_column_target(NameStr(att->attname)));
		}
		relation_close(rel, NoLock);
	}
	else
		foreach(lc, copy->attlist)
			select->targetList = lappend(select->targetList,
										 gov_column_target(strVal(lfirst(lc))));
	select->fromClause = list_make1(from);
	q->relation = NULL;
	q->attlist = NIL;
	q->query = (Node *) select;
	return q;
}

/*
 * Run stmt instead of the utility statement of *pstmtp: *pstmtp becomes a
 * copy with stmt in it, a tree of this backend's making, which the hooks
 * and PostgreSQL after may change (*readOnlyTree false).
 */
void
governance_utility_replace(PlannedStmt **pstmtp, bool *readOnlyTree, Node *stmt)
{
	PlannedStmt *p = makeNode(PlannedStmt);

	memcpy(p, *pstmtp, sizeof(PlannedStmt));
	p->utilityStmt = stmt;
	*pstmtp = p;
	*readOnlyTree = false;
}

/*
 * COPY table TO reads the heap directly: turned into COPY (query) TO when
 * masking or the output scan must see its rows (*pstmtp is then a copy).
 * Other relation kinds PostgreSQL itself refuses to COPY TO.
 */
static void
gov_copy_through_query(PlannedStmt **pstmtp, bool *readOnlyTree, bool masked)
{
	PlannedStmt *pstmt = *pstmtp;
	CopyStmt   *copy = (CopyStmt *) pstmt->utilityStmt;
	Oid			relid;

	if (copy->is_from || copy->relation == NULL)
		return;
	relid = gov_rangevar_relid(copy->relation);
	if (!OidIsValid(relid) || get_rel_relkind(relid) != RELKIND_RELATION)
		return;
	if (!(masked && gov_reads_masked(relid)) && !governance_outscan_active())
		return;
	governance_utility_replace(pstmtp, readOnlyTree, (Node *) gov_copy_as_query(copy, relid));
}

/* Does the acting principal read this column masked? */
static bool
gov_column_masked(Oid relid, AttrNumber attnum)
{
	int			label = governance_column_label_of(relid, attnum);

	return label != GOV_NO_LABEL && governance_label_masked(label);
}

/*
 * A foreign key that references columns the acting principal reads
 * masked: ON UPDATE CASCADE would copy their clear values into its table.
 */
static bool
gov_fk_reaches_masked(Constraint *c)
{
	Oid			pk = c->contype == CONSTR_FOREIGN ? gov_rangevar_relid(c->pktable) : InvalidOid;
	ListCell   *lc;

	if (!OidIsValid(pk) || !gov_reads_masked(pk))
		return false;
	if (c->pk_attrs == NIL)
	{
		/* The primary key's columns. */
		Relation	rel = relation_open(pk, AccessShareLock);
		Bitmapset  *cols = RelationGetIndexAttrBitmap(rel, INDEX_ATTR_BITMAP_PRIMARY_KEY);
		int			k = -1;
		bool		masked = false;

		relation_close(rel, AccessShareLock);
		while ((k = bms_next_member(cols, k)) >= 0)
			masked |= gov_column_masked(pk, k + FirstLowInvalidHeapAttributeNumber);
		return masked;
	}
	foreach(lc, c->pk_attrs)
		if (gov_column_masked(pk, get_attnum(pk, strVal(lfirst(lc)))))
			return true;
	return false;
}

static bool
gov_constraints_reach_masked(List *elts)
{
	ListCell   *lc;

	foreach(lc, elts)
	{
		Node	   *n = lfirst(lc);

		if (IsA(n, Constraint) && gov_fk_reaches_masked((Constraint *) n))
			return true;
		if (IsA(n, ColumnDef) && gov_constraints_reach_masked(((ColumnDef *) n)->constraints))
			return true;
	}
	return false;
}

/* Is the domain in arg (at any depth) the type of this labelled column? */
static bool
gov_column_of_domain(Oid relid, AttrNumber attnum, const char *label, void *arg)
{
	Oid			domain = *(Oid *) arg;
	Oid			type = get_atttype(relid, attnum);

	/* Walk the chain of domains down to the base type. */
	for (int depth = 0; OidIsValid(type) && depth < 32; depth++)
	{
		HeapTuple	t = SearchSysCache1(TYPEOID, ObjectIdGetDatum(type));
		Form_pg_type tf;

		if (!HeapTupleIsValid(t))
			break;
		if (type == domain)
		{
			ReleaseSysCache(t);
			return true;
		}
		tf = (Form_pg_type) GETSTRUCT(t);
		type = tf->typtype == TYPTYPE_DOMAIN ? tf->typbasetype : InvalidOid;
		ReleaseSysCache(t);
	}
	return false;
}

bool
governance_domain_labelled(Oid domain)
{
	return governance_scan_column_labels(gov_column_of_domain, &domain);
}

/*
 * Statements that would let a masked identity run its own code on clear
 * values without touching a labelled table's definition: a partition or
 * child of one (its CHECK constraints and triggers see the rows routed to
 * it), a foreign key onto masked columns (ON UPDATE CASCADE copies them).
 */
static const char *
gov_reaches_masked(Node *stmt)
{
	ListCell   *lc;

	if (IsA(stmt, AlterDomainStmt) &&
		governance_domain_labelled(typenameTypeId(NULL, makeTypeNameFromNameList(((AlterDomainStmt *) stmt)->typeName))))
		return "ALTER DOMAIN on the type of a labelled column";
	if (IsA(stmt, CreateStmt))
	{
		CreateStmt *cs = (CreateStmt *) stmt;

		foreach(lc, cs->inhRelations)
			if (gov_reads_masked(gov_rangevar_relid(lfirst_node(RangeVar, lc))))
				return "a partition or child of a table with masked columns";
		if (gov_constraints_reach_masked(cs->tableElts) ||
			gov_constraints_reach_masked(cs->constraints))
			return "a foreign key onto masked columns";
	}
	else if (IsA(stmt, AlterTableStmt))
	{
		foreach(lc, ((AlterTableStmt *) stmt)->cmds)
		{
			AlterTableCmd *cmd = lfirst_node(AlterTableCmd, lc);

			if (cmd->subtype == AT_AddInherit &&
				gov_reads_masked(gov_rangevar_relid((RangeVar *) cmd->def)))
				return "a child of a table with masked columns";
			if ((cmd->subtype == AT_AddConstraint || cmd->subtype == AT_AddColumn) &&
				cmd->def != NULL && gov_constraints_reach_masked(list_make1(cmd->def)))
				return "a foreign key onto masked columns";
		}
	}
	return NULL;
}

/*
 * A column an inheritance child has and its parents lack may carry a label
 * of its own (src/mask/labels_sql.c), because no read of a parent delivers
 * it.  Adding a column of its name to a parent would merge the two, and
 * reads of the parent would deliver the child's values under the parent's
 * unlabelled column: refused, for everyone.  rels are the relations the
 * column is added to (a table, or the typed tables of a type); each of
 * their descendants is checked.
 */
static void
gov_refuse_merge_into_labelled(List *rels, const char *colname)
{
	ListCell   *lc;

	foreach(lc, rels)
	{
		Oid			relid = lfirst_oid(lc);
		ListCell   *c;

		if (!OidIsValid(relid) || !has_subclass(relid))
			continue;
		foreach(c, find_all_inheritors(relid, AccessShareLock, NULL))
		{
			Oid			child = lfirst_oid(c);
			AttrNumber	att = child == relid ? InvalidAttrNumber : get_attnum(child, colname);

			if (att > 0 && governance_column_own_label(child, att) != NULL)
				ereport(ERROR,
						(errcode(ERRCODE_WRONG_OBJECT_TYPE),
						 errmsg("cannot add column \"%s\" to \"%s\": child \"%s\" has a labelled column of that name",
								colname, get_rel_name(relid), get_rel_name(child)),
						 errdetail("The two would be merged, and reads of the parent would deliver the child's values under an unlabelled column."),
						 errhint("Rename the child's column, or remove its label with governance.unlabel_column() and label the parent's column once added.")));
		}
	}
}

/* The typed tables of a composite type (CREATE TABLE ... OF type). */
static List *
gov_typed_tables(Oid typid)
{
	Relation	rel = table_open(RelationRelationId, AccessShareLock);
	SysScanDesc scan = systable_beginscan(rel, InvalidOid, false, NULL, 0, NULL);
	HeapTuple	tup;
	List	   *out = NIL;

	while (OidIsValid(typid) && HeapTupleIsValid(tup = systable_getnext(scan)))
		if (((Form_pg_class) GETSTRUCT(tup))->reloftype == typid)
			out = lappend_oid(out, ((Form_pg_class) GETSTRUCT(tup))->oid);
	systable_endscan(scan);
	table_close(rel, AccessShareLock);
	return out;
}

/*
 * Labels flow from a parent to its partitions and children, never up: a
 * table with labels of its own may not become a partition or a child, or
 * reads through its new parent would not be masked.  For everyone.
 */
static void
gov_refuse_labelled_child(Node *stmt)
{
	AlterTableStmt *at = (AlterTableStmt *) stmt;
	ListCell   *lc;

	/* A child of a labelled table may have no other parent to be read by. */
	if (IsA(stmt, CreateStmt) && list_length(((CreateStmt *) stmt)->inhRelations) > 1)
	{
		foreach(lc, ((CreateStmt *) stmt)->inhRelations)
		{
			int			n;

			(void) governance_relation_labels(gov_rangevar_relid(lfirst_node(RangeVar, lc)), &n);
			if (n > 0)
				ereport(ERROR,
						(errcode(ERRCODE_WRONG_OBJECT_TYPE),
						 errmsg("a child of labelled table \"%s\" cannot have other parents",
								lfirst_node(RangeVar, lc)->relname),
						 errdetail("Reads through the other parents would not be masked.")));
		}
	}
	if (!IsA(stmt, AlterTableStmt))
		return;
	foreach(lc, at->cmds)
	{
		AlterTableCmd *cmd = lfirst_node(AlterTableCmd, lc);
		RangeVar   *child = NULL;
		int			n;

		if (cmd->subtype == AT_AddColumn && cmd->def != NULL && IsA(cmd->def, ColumnDef))
		{
			List	   *rels = NIL;

			/* ALTER TYPE names the composite type's relation */
			if (at->objtype == OBJECT_TYPE)
				rels = gov_typed_tables(get_rel_type_id(gov_rangevar_relid(at->relation)));
			else
				rels = list_make1_oid(gov_rangevar_relid(at->relation));
			gov_refuse_merge_into_labelled(rels, ((ColumnDef *) cmd->def)->colname);
			continue;
		}

		if (cmd->subtype == AT_AttachPartition && cmd->def != NULL &&
			IsA(cmd->def, PartitionCmd))
			child = ((PartitionCmd *) cmd->def)->name;
		else if (cmd->subtype == AT_AddInherit)
			child = at->relation;
		if (child == NULL)
			continue;
		(void) governance_relation_labels(gov_rangevar_relid(child), &n);
		if (n > 0)
			ereport(ERROR,
					(errcode(ERRCODE_WRONG_OBJECT_TYPE),
					 errmsg("table \"%s\" has labelled columns and cannot become a partition or a child",
							child->relname),
					 errdetail("Labels pass from a parent to its partitions, not back: reads through the parent would not be masked."),
					 errhint("Remove its labels with governance.unlabel_column(), attach it, then label the parent's columns.")));
	}
}

/* COPY FROM into pseudonym columns read masked: see gov_refuse_pseudonym_write. */
static void
gov_refuse_copy_pseudonyms(CopyStmt *copy)
{
	Oid			relid = gov_rangevar_relid(copy->relation);
	int			n;
	const GovColumnLabel *cols = governance_relation_labels(relid, &n);

	for (int i = 0; i < n; i++)
	{
		const char *col = get_attname(relid, cols[i].attnum, true);
		bool		listed = copy->attlist == NIL;
		ListCell   *lc;

		foreach(lc, copy->attlist)
			listed |= col != NULL && strcmp(strVal(lfirst(lc)), col) == 0;
		if (listed && governance_label_kind(cols[i].label) == GOV_MASK_PSEUDONYM &&
			governance_label_masked(cols[i].label))
			governance_refuse_pseudonym_write(col ? col : "?", copy->relation->relname);
	}
}

/*
 * Before a utility statement runs: refuse what a masked identity may not
 * do, and turn its COPY of a labelled table into a masked query (*pstmt
 * is then a copy).  Errors the statement raises are scrubbed by the hook
 * layer (governance_mask_rethrow_scrubbed): row contents in an error are
 * hidden where the statement ends, for a utility statement too, since SET
 * CONSTRAINTS ... IMMEDIATE or COMMIT runs deferred constraint checks,
 * whose errors an exception block may read.
 */
void
governance_mask_utility_begin(PlannedStmt **pstmtp, bool *readOnlyTree,
							  GovMaskUtility *state)
{
	PlannedStmt *pstmt = *pstmtp;
	Node	   *stmt = pstmt->utilityStmt;

	gov_acting(state->who_before, &state->role_before);
	state->declared = NULL;
	state->holdable = false;
	if (!IsParallelWorker() && IsA(stmt, DeclareCursorStmt))
	{
		state->declared = pstrdup(((DeclareCursorStmt *) stmt)->portalname);
		state->holdable = (((DeclareCursorStmt *) stmt)->options & CURSOR_OPT_HOLD) != 0;
	}
	else if (!IsParallelWorker() && IsA(stmt, FetchStmt) && governance_labels_exist())
		gov_check_cursor(((FetchStmt *) stmt)->portalname);

	if (!IsParallelWorker() && governance_labels_exist())
		gov_refuse_labelled_child(stmt);

	if (!IsParallelWorker() && governance_masking_possible())
	{
		const char *what = NULL;
		RangeVar   *rv = gov_reshaped_relation(stmt, &what);
		const char *reach = gov_reaches_masked(stmt);

		if (reach != NULL)
			ereport(ERROR,
					(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
					 errmsg("%s is not allowed for an identity that reads them masked", reach),
					 errdetail("Its constraints, triggers or cascades would act on clear values."),
					 errhint("Ask a governance administrator to make the change.")));

		governance_refuse_code_change(stmt);

		if (rv != NULL && gov_reads_masked(gov_rangevar_relid(rv)))
			ereport(ERROR,
					(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
					 errmsg("%s on \"%s\" is not allowed for an identity that reads its labelled columns masked",
							what, rv->relname),
					 errdetail("Triggers, indexes, constraints, rules, policies and statistics act on clear values."),
					 errhint("Ask a governance administrator to make the change.")));

		if (IsA(stmt, CopyStmt) && ((CopyStmt *) stmt)->is_from &&
			((CopyStmt *) stmt)->relation != NULL)
			gov_refuse_copy_pseudonyms((CopyStmt *) stmt);
	}

	/*
	 * COPY table TO: masked reads of its labelled columns, and its rows
	 * through the output scan (outscan.c).
	 */
	if (!IsParallelWorker() && IsA(stmt, CopyStmt))
		gov_copy_through_query(pstmtp, readOnlyTree, governance_masking_possible());
}

/* After a utility statement ran. */
void
governance_mask_utility_end(Node *stmt, ProcessUtilityContext context,
							GovMaskUtility *state)
{
	/* The session's temporary tables and types are gone. */
	if (IsA(stmt, DiscardStmt) &&
		(((DiscardStmt *) stmt)->target == DISCARD_TEMP ||
		 ((DiscardStmt *) stmt)->target == DISCARD_ALL))
		governance_temp_objects_discarded();

	/* Recorded once the cursor exists: a failed DECLARE changes nothing. */
	if (state->declared != NULL)
		gov_remember_cursor(state->declared, state->holdable);

	/*
	 * Forgotten once the cursor is gone: a CLOSE that failed (a cursor's
	 * own query closing it, say) leaves it and its owner in place.
	 */
	if (IsA(stmt, ClosePortalStmt) && gov_cursor_owners != NULL)
	{
		HASH_SEQ_STATUS status;
		GovCursorOwner *e;

		hash_seq_init(&status, gov_cursor_owners);
		while ((e = hash_seq_search(&status)) != NULL)
			if (GetPortalByName(e->name) == NULL)
				(void) hash_search(gov_cursor_owners, e->name, HASH_REMOVE, NULL);
	}

	/*
	 * A top-level statement changed who acts (SET governance.token, SET
	 * ROLE, SET SESSION AUTHORIZATION): every open cursor was read with the
	 * old identity's masks, however it is fetched later (FETCH, PL/pgSQL,
	 * SPI), so all are closed, as DISCARD ALL would.
	 */
	if (context == PROCESS_UTILITY_TOPLEVEL && !IsParallelWorker())
	{
		char		who_after[65];
		Oid			role_after;

		gov_acting(who_after, &role_after);
		if ((role_after != state->role_before ||
			 strcmp(who_after, state->who_before) != 0) &&
			governance_labels_exist())
		{
			PortalHashTableDeleteAll();
			if (gov_cursor_owners != NULL)
			{
				hash_destroy(gov_cursor_owners);
				gov_cursor_owners = NULL;
			}
		}
	}
}

/*
 * A plan reading labelled relations runs only under the identity that
 * started it.  A cursor's plan runs again at every fetch, whichever way
 * it is fetched (SQL FETCH, PL/pgSQL, SPI, the extended protocol's
 * Execute): if the token or the role changed since it started, even by
 * set_config(), the fetch is refused.
 */
typedef struct GovRunOwner
{
	QueryDesc  *qd;
	char		who[65];
	Oid			role;
} GovRunOwner;

static List *gov_run_owners = NIL;	/* in TopMemoryContext */

/*
 * Before the executor starts: a plan made unmasked for a foreign-key check
 * runs only as one, and code another role wrote uses no temporary table
 * of the identity.  The hook layer then starts the executor in a mask
 * frame of its own (governance_mask_frame_enter): executor start-up can
 * run code of the tables read (the support functions that prune
 * partitions), which must not pass for the foreign-key statement being
 * started.
 */
void
governance_mask_executor_start(QueryDesc *queryDesc)
{
	if (queryDesc->plannedstmt->dependsOnRole && !IsParallelWorker())
		governance_mask_check_plan(queryDesc->plannedstmt);
	governance_foreign_code_check(queryDesc->plannedstmt);
}

/* The executor started: remember who started a plan over labelled data. */
void
governance_mask_executor_started(QueryDesc *queryDesc)
{
	if (queryDesc->plannedstmt->dependsOnRole && !IsParallelWorker() &&
		governance_labels_cached())
	{
		MemoryContext old = MemoryContextSwitchTo(TopMemoryContext);
		GovRunOwner *o = palloc(sizeof(GovRunOwner));

		o->qd = queryDesc;
		gov_acting(o->who, &o->role);
		gov_run_owners = lappend(gov_run_owners, o);
		MemoryContextSwitchTo(old);
	}
}

/* Before each run of the plan: only under the identity that started it. */
void
governance_mask_run_check(QueryDesc *queryDesc)
{
	ListCell   *lc;

	foreach(lc, gov_run_owners)
	{
		GovRunOwner *o = lfirst(lc);
		char		who[65];
		Oid			role;

		if (o->qd != queryDesc)
			continue;
		gov_acting(who, &role);
		if (strcmp(who, o->who) != 0 || role != o->role)
			ereport(ERROR,
					(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
					 errmsg("this cursor or portal was started by another identity"),
					 errdetail("It reads labelled columns with that identity's masks."),
					 errhint("Open it again.")));
		break;
	}
}

void
governance_mask_executor_end(QueryDesc *queryDesc)
{
	ListCell   *lc;

	foreach(lc, gov_run_owners)
		if (((GovRunOwner *) lfirst(lc))->qd == queryDesc)
		{
			pfree(lfirst(lc));
			gov_run_owners = foreach_delete_current(gov_run_owners, lc);
			break;
		}
}

/* Portals of the transaction are gone: so are their owners. */
void
governance_mask_xact_end(XactEvent event)
{
	if (event == XACT_EVENT_ABORT || event == XACT_EVENT_PARALLEL_ABORT ||
		event == XACT_EVENT_COMMIT || event == XACT_EVENT_PREPARE)
	{
		list_free_deep(gov_run_owners);
		gov_run_owners = NIL;
	}
}
