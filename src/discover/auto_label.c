/*-------------------------------------------------------------------------
 *
 * auto_label.c
 *	  governance.auto_label: the names of columns are checked as they are
 *	  created, and a label is suggested or put on at once.
 *
 * CREATE TABLE, CREATE FOREIGN TABLE, CREATE TABLE AS, SELECT INTO,
 * CREATE MATERIALIZED VIEW, ALTER TABLE ... ADD COLUMN (in any
 * multi-command ALTER) and ALTER TABLE ... RENAME COLUMN are looked at,
 * at any nesting level (a function or DO block creating a table is
 * covered too), once the statement has succeeded.  Only names and types
 * are scored, no value is read; a column of CREATE TABLE AS copied from a
 * labelled column is proposed its label.  Under "suggest" each proposal
 * is a NOTICE and a row of governance.label_suggestions; under "apply" a
 * proposal of confidence 0.8 or more labels the column at once (audited
 * as a label set by hand, with the creating identity as the actor), the
 * others are suggested.
 *
 * Left alone: temporary relations (they end with the session, and what a
 * masked identity copies into one was read masked), partitions and
 * inheritance children (labelled through their parents), the extension's
 * own statements and every extension script, binary upgrade, parallel
 * workers (which run no utility statement), databases without the
 * extension.
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

#include "access/parallel.h"
#include "access/relation.h"
#include "catalog/namespace.h"
#include "catalog/partition.h"
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
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"

/* The label a column of CREATE TABLE AS copies from a labelled column. */
typedef struct GovOrigin
{
	char	   *column;			/* the new column's name */
	char	   *label;
	char	   *source;			/* "schema.table.column" */
} GovOrigin;

/*
 * Is the relation a statement names temporary?  Only a first look: the
 * relation itself is looked at once it exists (CREATE TABLE pg_temp.t).
 */
static bool
gov_temporary(RangeVar *rv)
{
	return rv->relpersistence == RELPERSISTENCE_TEMP;
}

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
 * Before a utility statement runs: is it one that creates columns, and
 * which?  Notes what must be known before it runs (whether IF NOT EXISTS
 * will find the relation, which added columns exist already).
 */
void
governance_auto_label_begin(Node *stmt, GovAutoLabel *state)
{
	memset(state, 0, sizeof(*state));
	if (!IsA(stmt, CreateStmt) && !IsA(stmt, CreateForeignTableStmt) &&
		!IsA(stmt, CreateTableAsStmt) && !IsA(stmt, AlterTableStmt) &&
		!IsA(stmt, RenameStmt))
		return;
	if (governance_auto_label == GOV_AUTO_LABEL_OFF || governance_inhibit > 0 ||
		creating_extension || IsBinaryUpgrade || IsParallelWorker() ||
		!IsTransactionState() || !OidIsValid(governance_schema_oid()))
		return;

	switch (nodeTag(stmt))
	{
		case T_CreateStmt:
		case T_CreateForeignTableStmt:
			{
				CreateStmt *cs = (CreateStmt *) stmt;

				/* Partitions and children carry their parents' labels. */
				if (cs->partbound != NULL || cs->inhRelations != NIL ||
					gov_temporary(cs->relation))
					return;
				state->rel = copyObject(cs->relation);
				if (cs->if_not_exists)
					state->existing = RangeVarGetRelid(cs->relation, NoLock, true);
				state->all_columns = true;
				break;
			}
		case T_CreateTableAsStmt:
			{
				CreateTableAsStmt *ctas = (CreateTableAsStmt *) stmt;

				if ((ctas->objtype != OBJECT_TABLE && ctas->objtype != OBJECT_MATVIEW) ||
					gov_temporary(ctas->into->rel))
					return;
				state->rel = copyObject(ctas->into->rel);
				if (ctas->if_not_exists)
					state->existing = RangeVarGetRelid(ctas->into->rel, NoLock, true);
				state->all_columns = true;
				state->origins = gov_origins(ctas->into, ctas->query);
				break;
			}
		case T_AlterTableStmt:
			{
				AlterTableStmt *ats = (AlterTableStmt *) stmt;
				Oid			relid;
				ListCell   *lc;

				if (ats->objtype != OBJECT_TABLE && ats->objtype != OBJECT_MATVIEW &&
					ats->objtype != OBJECT_FOREIGN_TABLE)
					return;
				relid = RangeVarGetRelid(ats->relation, NoLock, true);
				if (!OidIsValid(relid) || has_superclass(relid) ||
					get_rel_persistence(relid) == RELPERSISTENCE_TEMP)
					return;
				foreach(lc, ats->cmds)
				{
					AlterTableCmd *cmd = lfirst(lc);
					ColumnDef  *def;

					if (cmd->subtype != AT_AddColumn || cmd->def == NULL ||
						!IsA(cmd->def, ColumnDef))
						continue;
					def = (ColumnDef *) cmd->def;
					/* ADD COLUMN IF NOT EXISTS of a column there already */
					if (get_attnum(relid, def->colname) == InvalidAttrNumber)
						state->columns = lappend(state->columns, pstrdup(def->colname));
				}
				if (state->columns == NIL)
					return;
				state->rel = copyObject(ats->relation);
				break;
			}
		case T_RenameStmt:
			{
				RenameStmt *rs = (RenameStmt *) stmt;
				Oid			relid;

				if (rs->renameType != OBJECT_COLUMN ||
					(rs->relationType != OBJECT_TABLE &&
					 rs->relationType != OBJECT_MATVIEW &&
					 rs->relationType != OBJECT_FOREIGN_TABLE))
					return;
				relid = RangeVarGetRelid(rs->relation, NoLock, true);
				if (!OidIsValid(relid) || has_superclass(relid) ||
					get_rel_persistence(relid) == RELPERSISTENCE_TEMP)
					return;
				state->rel = copyObject(rs->relation);
				state->columns = list_make1(pstrdup(rs->newname));
				break;
			}
		default:
			return;
	}
	state->active = true;
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
 * After the statement succeeded: propose a label for each column it
 * created (or renamed), and suggest or apply it.
 */
void
governance_auto_label_end(GovAutoLabel *state)
{
	Oid			relid;
	ListCell   *lc;

	if (!state->active)
		return;
	relid = RangeVarGetRelid(state->rel, NoLock, true);
	if (!OidIsValid(relid) || relid == state->existing ||
		get_rel_persistence(relid) == RELPERSISTENCE_TEMP)
		return;
	if (state->all_columns)
	{
		Relation	rel = relation_open(relid, AccessShareLock);
		TupleDesc	desc = RelationGetDescr(rel);
		int			natts = desc->natts;
		AttrNumber *attnums = palloc(sizeof(AttrNumber) * Max(natts, 1));
		int			n = 0;

		for (int i = 0; i < natts; i++)
			if (!TupleDescAttr(desc, i)->attisdropped)
				attnums[n++] = TupleDescAttr(desc, i)->attnum;
		relation_close(rel, NoLock);
		for (int i = 0; i < n; i++)
			gov_auto_label_column(relid, attnums[i], state->origins);
		return;
	}
	foreach(lc, state->columns)
	{
		AttrNumber	attnum = get_attnum(relid, lfirst(lc));

		if (attnum > 0)
			gov_auto_label_column(relid, attnum, NIL);
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
