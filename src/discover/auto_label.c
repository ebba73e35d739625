/*-------------------------------------------------------------------------
 *
 * auto_label.c
 *	  governance.auto_label: the names of columns are checked as they are
 *	  created, and a label is suggested or put on at once.
 *
 * The rule: auto_label learns what a statement created or renamed from
 * the server itself, by object id, never by parsing the statement and
 * looking a name up again.  A second lookup is a different question: a
 * temporary table of the same name answers it first, and every DDL form
 * the parser knows but the list of statements here forgets (ALTER TYPE
 * ... ADD or RENAME ATTRIBUTE ... CASCADE on typed tables, tables a
 * function creates) goes unscored.  So the object-access hook reports
 * (hooks.c calls governance_auto_label_object_access()):
 *
 *	- OAT_POST_CREATE of a relation (subId 0, not internal: no toast table
 *	  and no rewrite's transient heap): each of its columns is new;
 *	- OAT_POST_CREATE of a column (subId > 0): ALTER TABLE ... ADD COLUMN,
 *	  also for each typed table ALTER TYPE ... ADD ATTRIBUTE ... CASCADE
 *	  reaches and each child an added column recurses to;
 *	- OAT_POST_ALTER of a column while the statement at this nesting level
 *	  is a RENAME of a column or attribute (renameatt calls it for each
 *	  relation it renames in, typed tables and children included).
 *
 * The (relation oid, attnum) pairs are kept, with the nesting level of
 * the utility statement they were seen under, and scored when that
 * statement ends: CREATE TABLE AS creates its table in the executor it
 * runs, inside the statement.  What is scored is decided then, from the
 * catalog by oid: a relation dropped or rolled back since is gone; a
 * temporary one (relpersistence), a partition, a view, an index or a
 * composite type is skipped; a column a parent gave (attinhcount > 0)
 * carries the parent's label and is skipped, while a column of an
 * inheritance child its parents lack (attinhcount = 0) is scored, at
 * CREATE, ADD COLUMN and RENAME COLUMN alike.  Only names and types are
 * scored, no value is read; a column of CREATE TABLE AS copied from a
 * labelled column is proposed its label.  Under "suggest" each proposal
 * is a NOTICE and a row of governance.label_suggestions; under "apply" a
 * proposal of confidence 0.8 or more labels the column at once (audited
 * as a label set by hand, with the creating identity as the actor), the
 * others are suggested.
 *
 * Left alone: temporary relations (they end with the session, and what a
 * masked identity copies into one was read masked), partitions and
 * inherited columns (labelled through their parents), the extension's
 * own statements and every extension script, binary upgrade, parallel
 * workers (which run no utility statement), databases without the
 * extension.
 *
 * Memory: the pairs live in TopTransactionContext, stamped with the
 * transaction's local id, so a list a COMMIT inside a procedure freed is
 * never read; a statement that fails drops the pairs of its level.
 *
 * Everything happens in the statement's transaction: a rollback takes the
 * label or the suggestion with it.  An error here fails the statement,
 * which the audit then records as failed: a column is never created
 * without the label auto_label = apply owes it.
 *
 * src/discover/auto_label.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "access/parallel.h"
#include "access/relation.h"
#include "access/xact.h"
#include "catalog/namespace.h"
#include "catalog/objectaccess.h"
#include "catalog/partition.h"
#include "catalog/pg_attribute.h"
#include "catalog/pg_class.h"
#include "catalog/pg_inherits.h"
#include "catalog/pg_type.h"
#include "commands/event_trigger.h"
#include "commands/extension.h"
#include "executor/spi.h"
#include "governance/common.h"
#include "governance/discover.h"
#include "governance/identity.h"
#include "governance/mask.h"
#include "miscadmin.h"
#include "nodes/parsenodes.h"
#include "storage/proc.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/syscache.h"

/* The label a column of CREATE TABLE AS copies from a labelled column. */
typedef struct GovOrigin
{
	char	   *column;			/* the new column's name */
	char	   *label;
	char	   *source;			/* "schema.table.column" */
} GovOrigin;

/* A column (attnum > 0) or every column (0) of a relation seen created. */
typedef struct GovNewColumn
{
	Oid			relid;
	AttrNumber	attnum;
	int			level;			/* the utility statement's nesting level */
} GovNewColumn;

/* The pairs seen, in TopTransactionContext of transaction gov_new_lxid. */
static List *gov_new = NIL;
static LocalTransactionId gov_new_lxid = InvalidLocalTransactionId;

/* Utility statements under way, and the level of a RENAME among them. */
static int	gov_level = 0;
static int	gov_rename_level = 0;

/*
 * The label a column carries, itself or, for a partition, through its
 * parents (the labels that mask it).
 */
static char *
gov_label_through_parents(Oid relid, AttrNumber attnum, Oid *from)
{
	for (int depth = 0; depth < 32 && OidIsValid(relid); depth++)
	{
		char	   *label = governance_column_own_label(relid, attnum);
		char	   *name;
		Oid			parent;

		if (label != NULL)
		{
			*from = relid;
			return label;
		}
		if (!get_rel_relispartition(relid))
			return NULL;
		parent = get_partition_parent(relid, true);
		name = get_attname(relid, attnum, true);
		if (!OidIsValid(parent) || name == NULL)
			return NULL;
		attnum = get_attnum(parent, name);
		relid = parent;
	}
	return NULL;
}

/*
 * The labelled columns a CREATE TABLE AS query copies as they are, under
 * the names the new relation gives them.
 */
static List *
gov_origins(IntoClause *into, Node *query)
{
	List	   *out = NIL;
	ListCell   *lc;
	ListCell   *name;
	Query	   *q;

	if (query == NULL || !IsA(query, Query))
		return NIL;
	q = (Query *) query;
	name = list_head(into->colNames);
	foreach(lc, q->targetList)
	{
		TargetEntry *tle = lfirst(lc);
		char	   *column;
		char	   *label;
		Oid			from = InvalidOid;

		if (tle->resjunk)
			continue;
		column = name ? strVal(lfirst(name)) : tle->resname;
		if (name)
			name = lnext(into->colNames, name);
		if (column == NULL || !OidIsValid(tle->resorigtbl) || tle->resorigcol <= 0)
			continue;
		label = gov_label_through_parents(tle->resorigtbl, tle->resorigcol, &from);
		if (label != NULL)
		{
			GovOrigin  *o = palloc(sizeof(GovOrigin));

			o->column = pstrdup(column);
			o->label = label;
			o->source = psprintf("%s.%s.%s",
								 get_namespace_name(get_rel_namespace(tle->resorigtbl)),
								 get_rel_name(tle->resorigtbl),
								 get_attname(tle->resorigtbl, tle->resorigcol, false));
			out = lappend(out, o);
		}
	}
	return out;
}

/*
 * Before a utility statement runs: count its nesting level, note whether
 * it renames columns, and for CREATE TABLE AS the labels of the columns
 * its query copies.  What it creates is learned from the object-access
 * hook as it runs.  Every call is matched by governance_auto_label_end()
 * or, if the statement fails, governance_auto_label_abort().
 */
void
governance_auto_label_begin(Node *stmt, GovAutoLabel *state)
{
	memset(state, 0, sizeof(*state));
	state->level = ++gov_level;
	state->saved_rename_level = gov_rename_level;
	state->active = true;
	if (governance_auto_label == GOV_AUTO_LABEL_OFF || governance_inhibit > 0 ||
		creating_extension || IsBinaryUpgrade || IsParallelWorker() ||
		!IsTransactionState())
		return;
	if (IsA(stmt, RenameStmt) &&
		(((RenameStmt *) stmt)->renameType == OBJECT_COLUMN ||
		 ((RenameStmt *) stmt)->renameType == OBJECT_ATTRIBUTE))
		gov_rename_level = state->level;
	else if (IsA(stmt, CreateTableAsStmt) &&
			 ((CreateTableAsStmt *) stmt)->into->rel->relpersistence != RELPERSISTENCE_TEMP &&
			 OidIsValid(governance_schema_oid()))
	{
		CreateTableAsStmt *ctas = (CreateTableAsStmt *) stmt;

		state->into_name = pstrdup(ctas->into->rel->relname);
		state->origins = gov_origins(ctas->into, ctas->query);
	}
}

/* The pairs seen in this transaction (a list of an earlier one is gone). */
static List *
gov_new_columns(void)
{
	if (gov_new_lxid != MyProc->lxid)
	{
		gov_new = NIL;
		gov_new_lxid = MyProc->lxid;
	}
	return gov_new;
}

/*
 * The object-access hook's part: note a relation created, a column
 * added, or a column renamed by a RENAME at the current level.
 */
void
governance_auto_label_object_access(ObjectAccessType access, Oid classId,
									Oid objectId, int subId, void *arg)
{
	MemoryContext old;
	GovNewColumn *c;

	if (classId != RelationRelationId || gov_level == 0 ||
		governance_auto_label == GOV_AUTO_LABEL_OFF || governance_inhibit > 0 ||
		creating_extension || IsBinaryUpgrade || IsParallelWorker())
		return;
	if (access == OAT_POST_CREATE)
	{
		ObjectAccessPostCreate *pc = arg;

		if (subId == 0 && pc != NULL && pc->is_internal)
			return;				/* a toast table, a rewrite's new heap */
	}
	else if (access == OAT_POST_ALTER)
	{
		ObjectAccessPostAlter *pa = arg;

		if (subId <= 0 || gov_rename_level != gov_level ||
			(pa != NULL && pa->is_internal))
			return;
	}
	else
		return;

	(void) gov_new_columns();
	old = MemoryContextSwitchTo(TopTransactionContext);
	c = palloc(sizeof(GovNewColumn));
	c->relid = objectId;
	c->attnum = (AttrNumber) subId;
	c->level = gov_level;
	gov_new = lappend(gov_new, c);
	MemoryContextSwitchTo(old);
}

/*
 * The pairs seen at level or deeper, taken off the list (a copy in the
 * current context).
 */
static List *
gov_take(int level)
{
	List	   *taken = NIL;
	ListCell   *lc;

	foreach(lc, gov_new_columns())
	{
		GovNewColumn *c = lfirst(lc);

		if (c->level < level)
			continue;
		taken = lappend(taken, c);
		gov_new = foreach_delete_current(gov_new, lc);
	}
	return taken;
}

/* The statement failed: forget what it created (its level and deeper). */
void
governance_auto_label_abort(GovAutoLabel *state)
{
	if (!state->active)
		return;
	state->active = false;
	gov_level = state->level - 1;
	gov_rename_level = state->saved_rename_level;
	(void) gov_take(state->level);
}

/* "sub:alice" for a token identity, "db:bob" for a database role. */
static char *
gov_suggested_by(char **actor)
{
	const GovIdentity *id = governance_current_identity();

	*actor = NULL;
	if (id != NULL && id->sub_off >= 0)
	{
		const char *a = GovIdentityString(id, id->actor_off);

		*actor = a ? pstrdup(a) : NULL;
		return psprintf("sub:%s", GovIdentityString(id, id->sub_off));
	}
	return psprintf("db:%s", GetUserNameFromId(GetUserId(), false));
}

/* Record a suggestion, once per column and label, in this transaction. */
static void
gov_record_suggestion(Oid relid, const char *column, const GovProposal *p)
{
	Oid			types[7] = {REGCLASSOID, NAMEOID, TEXTOID, FLOAT4OID, TEXTOID,
		TEXTOID, TEXTOID};
	Datum		values[7];
	char		nulls[8] = "       ";
	NameData	name;
	char	   *actor;
	char	   *by = gov_suggested_by(&actor);

	namestrcpy(&name, column);
	values[0] = ObjectIdGetDatum(relid);
	values[1] = NameGetDatum(&name);
	values[2] = CStringGetTextDatum(p->label);
	values[3] = Float4GetDatum(p->confidence);
	values[4] = CStringGetTextDatum(p->evidence);
	values[5] = CStringGetTextDatum(by);
	values[6] = actor ? CStringGetTextDatum(actor) : (Datum) 0;
	if (actor == NULL)
		nulls[6] = 'n';
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	(void) governance_spi_internal(
		"INSERT INTO governance.label_suggestions"
		" (relation, column_name, label, confidence, evidence, suggested_by, actor)"
		" SELECT $1, $2, $3, $4, $5, $6, $7"
		" WHERE NOT EXISTS (SELECT FROM governance.label_suggestions AS s"
		"                    WHERE s.relation = $1 AND s.column_name = $2"
		"                      AND s.label = $3)",
		7, types, values, nulls);
	SPI_finish();
}

/* Propose a label for one new column, and suggest or apply it. */
static void
gov_auto_label_column(Oid relid, AttrNumber attnum, List *origins)
{
	char	   *column = get_attname(relid, attnum, false);
	Oid			type = get_atttype(relid, attnum);
	char	   *qualified = quote_qualified_identifier(get_namespace_name(get_rel_namespace(relid)),
													   get_rel_name(relid));
	GovProposal p;
	ListCell   *lc;
	bool		serves;

	if (governance_column_own_label(relid, attnum) != NULL)
		return;
	p.label = NULL;
	foreach(lc, origins)
	{
		GovOrigin  *o = lfirst(lc);

		if (strcmp(o->column, column) == 0)
		{
			p.label = o->label;
			p.confidence = 0.95f;
			snprintf(p.evidence, sizeof(p.evidence), "copy of %s, labelled %s",
					 o->source, o->label);
			break;
		}
	}
	if (p.label == NULL)
		governance_score_column(column, type, NULL, NULL, &p);
	if (p.label == NULL)
		return;

	serves = governance_label_serves(p.label, type);
	if (governance_auto_label == GOV_AUTO_LABEL_APPLY &&
		p.confidence >= GOV_AUTO_LABEL_APPLY_AT && serves)
	{
		governance_set_column_label(relid, attnum, p.label,
									psprintf("auto_label: %.2f: %s",
											 p.confidence, p.evidence));
		ereport(NOTICE,
				(errmsg("column \"%s\" of relation \"%s\" labelled \"%s\" (confidence %.2f)",
						column, get_rel_name(relid), p.label, p.confidence),
				 errdetail("governance.auto_label is apply. Evidence: %s.", p.evidence),
				 errhint("Remove it with governance.unlabel_column() if the column holds nothing sensitive.")));
		return;
	}
	gov_record_suggestion(relid, column, &p);
	ereport(NOTICE,
			(errmsg("column \"%s\" of relation \"%s\" should carry label \"%s\" (confidence %.2f)",
					column, get_rel_name(relid), p.label, p.confidence),
			 serves ?
			 errdetail("Evidence: %s.", p.evidence) :
			 errdetail("Evidence: %s. The mask of label \"%s\" cannot produce a value of type %s.",
					   p.evidence, p.label, format_type_be(type)),
			 errhint("An administrator labels it with SELECT governance.label_column(%s, %s, %s); the suggestion is in governance.label_suggestions.",
					 quote_literal_cstr(qualified), quote_literal_cstr(column),
					 quote_literal_cstr(p.label))));
}

/*
 * Should a column seen created be scored?  Decided from the catalog by
 * oid: it and its relation still exist, the relation is a table,
 * partitioned table, materialized view or foreign table, neither
 * temporary nor a partition, and no parent gave the column.
 */
static bool
gov_scored(Oid relid, AttrNumber attnum)
{
	HeapTuple	tup;
	bool		ok;

	tup = SearchSysCache2(ATTNUM, ObjectIdGetDatum(relid), Int16GetDatum(attnum));
	if (!HeapTupleIsValid(tup))
		return false;
	ok = !((Form_pg_attribute) GETSTRUCT(tup))->attisdropped &&
		((Form_pg_attribute) GETSTRUCT(tup))->attinhcount == 0;
	ReleaseSysCache(tup);
	return ok;
}

static bool
gov_relation_scored(Oid relid, int *natts)
{
	HeapTuple	tup = SearchSysCache1(RELOID, ObjectIdGetDatum(relid));
	Form_pg_class c;
	bool		ok;

	if (!HeapTupleIsValid(tup))
		return false;
	c = (Form_pg_class) GETSTRUCT(tup);
	*natts = c->relnatts;
	ok = (c->relkind == RELKIND_RELATION || c->relkind == RELKIND_PARTITIONED_TABLE ||
		  c->relkind == RELKIND_MATVIEW || c->relkind == RELKIND_FOREIGN_TABLE) &&
		c->relpersistence != RELPERSISTENCE_TEMP && !c->relispartition;
	ReleaseSysCache(tup);
	return ok;
}

/*
 * After the statement succeeded: propose a label for each column it (or a
 * statement it ran) created or renamed, and suggest or apply it.
 */
void
governance_auto_label_end(GovAutoLabel *state)
{
	List	   *taken;
	List	   *done = NIL;
	ListCell   *lc;

	if (!state->active)
		return;
	/* first: an error below is the statement's, and abort() a no-op */
	state->active = false;
	gov_level = state->level - 1;
	gov_rename_level = state->saved_rename_level;
	taken = gov_take(state->level);
	if (taken == NIL || governance_auto_label == GOV_AUTO_LABEL_OFF ||
		!OidIsValid(governance_schema_oid()))
		return;
	CommandCounterIncrement();
	foreach(lc, taken)
	{
		GovNewColumn *c = lfirst(lc);
		List	   *origins = NIL;
		int			natts;

		if (!gov_relation_scored(c->relid, &natts))
			continue;
		if (c->attnum > 0)
		{
			if (gov_scored(c->relid, c->attnum) &&
				!list_member(done, list_make2_oid(c->relid, c->attnum)))
			{
				done = lappend(done, list_make2_oid(c->relid, c->attnum));
				gov_auto_label_column(c->relid, c->attnum, NIL);
			}
			continue;
		}
		/* The table CREATE TABLE AS made: its copied columns' labels. */
		if (state->into_name != NULL && c->level == state->level &&
			strcmp(get_rel_name(c->relid), state->into_name) == 0)
			origins = state->origins;
		for (AttrNumber a = 1; a <= natts; a++)
		{
			if (!gov_scored(c->relid, a) ||
				list_member(done, list_make2_oid(c->relid, a)))
				continue;
			done = lappend(done, list_make2_oid(c->relid, a));
			gov_auto_label_column(c->relid, a, origins);
		}
	}
}

/*
 * The sql_drop event trigger governance_forget_suggestions: suggestions
 * about a relation or column that is dropped are forgotten with it, so
 * that no row names an OID a later relation may get.
 */
PG_FUNCTION_INFO_V1(governance_forget_suggestions_1_0);
Datum
governance_forget_suggestions_1_0(PG_FUNCTION_ARGS)
{
	if (!CALLED_AS_EVENT_TRIGGER(fcinfo))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("function governance.forget_suggestions() can only be called as an event trigger")));
	if (!OidIsValid(governance_schema_oid()) ||
		!OidIsValid(get_relname_relid("label_suggestions", governance_schema_oid())))
		PG_RETURN_VOID();
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	(void) governance_spi_internal(
		"DELETE FROM governance.label_suggestions AS s"
		" USING pg_catalog.pg_event_trigger_dropped_objects() AS d"
		" WHERE d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass"
		"   AND d.objid = s.relation::pg_catalog.oid"
		"   AND (d.objsubid = 0 OR d.address_names[3] = s.column_name::pg_catalog.text)",
		0, NULL, NULL, NULL);
	SPI_finish();
	PG_RETURN_VOID();
}
