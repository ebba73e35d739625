/*-------------------------------------------------------------------------
 *
 * discover.c
 *	  governance.discover() and governance.apply_discovery(): the labels
 *	  the columns of the tables the caller may read should carry, and
 *	  putting them on.
 *
 * discover() is SECURITY INVOKER and reads as the caller: a table the
 * caller may not SELECT is neither read nor reported, a column without
 * column privilege neither, a table whose row-level security policies
 * apply to the caller is scored by its names only, and a read the policy
 * refuses skips its table with a NOTICE.  Only the planning of a sample
 * is its table owner's (sample.c): what the planner runs of a table's
 * definition runs with its owner's rights, never the caller's.
 * System schemas, the governance schema, temporary tables, partitions and
 * inheritance children (sampled and labelled through their parents) are
 * left out.  A column that carries a label already is reported with it
 * and evidence "labelled", and its values are not read.  Evidence names
 * rules, detectors and counts, never a value.
 *
 * apply_discovery() is for administrators: it labels what discover()
 * proposes at or above a confidence, through the path label_column()
 * takes, so each label is checked, invalidated and audited as one set by
 * hand is.
 *
 * src/discover/discover.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "access/genam.h"
#include "access/relation.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "access/xact.h"
#include "catalog/catalog.h"
#include "catalog/namespace.h"
#include "catalog/pg_class.h"
#include "catalog/pg_collation.h"
#include "catalog/pg_inherits.h"
#include "funcapi.h"
#include "governance/common.h"
#include "governance/discover.h"
#include "governance/mask.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/syscache.h"
#include "utils/tuplestore.h"

typedef struct GovRelEntry
{
	Oid			relid;
	char	   *nspname;
	char	   *relname;
} GovRelEntry;

static int
gov_rel_cmp(const ListCell *a, const ListCell *b)
{
	const GovRelEntry *x = lfirst(a);
	const GovRelEntry *y = lfirst(b);
	int			c = strcmp(x->nspname, y->nspname);

	return c != 0 ? c : strcmp(x->relname, y->relname);
}

/*
 * The relations discovery looks at, in schemas whose name is LIKE filter
 * (NULL: every schema), by schema and name.
 */
static List *
gov_relations(const char *filter)
{
	Relation	rel = table_open(RelationRelationId, AccessShareLock);
	SysScanDesc scan = systable_beginscan(rel, InvalidOid, false, NULL, 0, NULL);
	Oid			own = governance_schema_oid();
	text	   *pattern = filter ? cstring_to_text(filter) : NULL;
	List	   *out = NIL;
	ListCell   *lc;
	HeapTuple	tup;

	while (HeapTupleIsValid(tup = systable_getnext(scan)))
	{
		Form_pg_class c = (Form_pg_class) GETSTRUCT(tup);
		char	   *nsp;
		GovRelEntry *e;

		if (c->relkind != RELKIND_RELATION && c->relkind != RELKIND_PARTITIONED_TABLE &&
			c->relkind != RELKIND_MATVIEW && c->relkind != RELKIND_FOREIGN_TABLE)
			continue;
		if (c->relispartition || c->relpersistence == RELPERSISTENCE_TEMP ||
			c->relnamespace == own || IsCatalogNamespace(c->relnamespace) ||
			IsToastNamespace(c->relnamespace) || isAnyTempNamespace(c->relnamespace))
			continue;
		nsp = get_namespace_name(c->relnamespace);
		if (nsp == NULL || strcmp(nsp, "information_schema") == 0)
			continue;
		if (pattern != NULL)
		{
			NameData	n;

			namestrcpy(&n, nsp);
			if (!DatumGetBool(DirectFunctionCall2Coll(namelike, C_COLLATION_OID,
													  NameGetDatum(&n),
													  PointerGetDatum(pattern))))
				continue;
		}
		e = palloc(sizeof(GovRelEntry));
		e->relid = c->oid;
		e->nspname = nsp;
		e->relname = pstrdup(NameStr(c->relname));
		out = lappend(out, e);
	}
	systable_endscan(scan);
	table_close(rel, AccessShareLock);

	/* Children of inheritance are sampled and labelled through parents. */
	foreach(lc, out)
	{
		GovRelEntry *e = lfirst(lc);

		if (has_superclass(e->relid))
			out = foreach_delete_current(out, lc);
	}
	list_sort(out, gov_rel_cmp);
	return out;
}

/*
 * Sample a relation in a subtransaction of its own, with row_security off
 * (sample.c: discovery never evaluates a policy another role wrote; the
 * server refuses a table whose policies would apply instead).  A read
 * refused (42501: a policy would apply, or the guard's policy denies it)
 * or cut short (a row budget, 54000) leaves the table's values unread,
 * with a NOTICE saying why, and *unsampled set; so does an error of the
 * owner's code while the sample is planned (sample.c says so itself);
 * any other error is the statement's.  The rollback of the subtransaction
 * also gives back the caller's user id should the error come while the
 * sample is planned as the owner.
 */
/* A sample's arguments, for the subtransaction it runs in. */
typedef struct GovSampleArgs
{
	Oid			relid;
	const AttrNumber *attnums;
	const GovTypeClass *classes;
	int			ncols;
	int			sample_rows;
	GovValueStats *stats;
	const char **unsampled;
} GovSampleArgs;

static void
gov_sample_unguarded(void *arg)
{
	GovSampleArgs *a = arg;
	int			nestlevel = NewGUCNestLevel();

	(void) set_config_option("row_security", "off", PGC_USERSET,
							 PGC_S_SESSION, GUC_ACTION_SAVE, true, 0, false);
	(void) governance_sample_relation(a->relid, a->attnums, a->classes, a->ncols,
									  a->sample_rows, a->stats, a->unsampled);
	AtEOXact_GUC(true, nestlevel);
}

static bool
gov_sample_guarded(Oid relid, const AttrNumber *attnums,
				   const GovTypeClass *classes, int ncols, int sample_rows,
				   GovValueStats *stats, const char **unsampled)
{
	GovSampleArgs args = {relid, attnums, classes, ncols, sample_rows, stats, unsampled};
	ErrorData  *edata = governance_subxact_try(gov_sample_unguarded, &args);

	if (edata == NULL)
		return true;
	if (edata->sqlerrcode != ERRCODE_INSUFFICIENT_PRIVILEGE &&
		edata->sqlerrcode != ERRCODE_PROGRAM_LIMIT_EXCEEDED)
		ReThrowError(edata);
	ereport(NOTICE,
			(errmsg("values of relation \"%s\" were not sampled: %s",
					get_rel_name(relid), edata->message),
			 errdetail("Discovery reads with the caller's privileges and under the policy, and evaluates no row-level security policy; the relation is scored by its column names and types only.")));
	*unsampled = edata->sqlerrcode == ERRCODE_PROGRAM_LIMIT_EXCEEDED ?
		"refused: row budget" : "refused";
	FreeErrorData(edata);
	memset(stats, 0, sizeof(GovValueStats) * ncols);
	return false;
}

/*
 * Discover one relation: its labelled columns as they are, and a
 * proposal for each other column the caller may read.  Entries are made
 * in cxt.
 */
static List *
gov_discover_relation(Oid relid, int sample_rows, MemoryContext cxt, List *out)
{
	Oid			user = GetUserId();
	bool		whole = pg_class_aclcheck(relid, user, ACL_SELECT) == ACLCHECK_OK;
	Relation	rel;
	TupleDesc	desc;
	int			natts;
	AttrNumber *readable;
	char	  **labels;
	AttrNumber *sampled;
	GovTypeClass *classes;
	GovValueStats *stats;
	bool	   *unreadable;
	int			nreadable = 0,
				nsampled = 0;
	const char *unsampled = NULL;

	/* The lock is kept: the kind, columns and policies cannot change now. */
	rel = relation_open(relid, AccessShareLock);
	if (rel->rd_rel->relkind != RELKIND_RELATION &&
		rel->rd_rel->relkind != RELKIND_PARTITIONED_TABLE &&
		rel->rd_rel->relkind != RELKIND_MATVIEW &&
		rel->rd_rel->relkind != RELKIND_FOREIGN_TABLE)
	{
		/* made a view since it was listed: not discovery's to read */
		relation_close(rel, NoLock);
		return out;
	}
	desc = RelationGetDescr(rel);
	natts = desc->natts;
	readable = palloc(sizeof(AttrNumber) * Max(natts, 1));
	labels = palloc0(sizeof(char *) * Max(natts, 1));
	sampled = palloc(sizeof(AttrNumber) * Max(natts, 1));
	classes = palloc(sizeof(GovTypeClass) * Max(natts, 1));
	stats = palloc0(sizeof(GovValueStats) * Max(natts, 1));
	unreadable = palloc0(sizeof(bool) * Max(natts, 1));

	for (int i = 0; i < natts; i++)
	{
		Form_pg_attribute att = TupleDescAttr(desc, i);
		GovTypeClass tc;
		float		c;
		const char *ev;

		if (att->attisdropped)
			continue;
		if (!whole &&
			pg_attribute_aclcheck(relid, att->attnum, user, ACL_SELECT) != ACLCHECK_OK)
			continue;
		labels[nreadable] = governance_column_own_label(relid, att->attnum);
		readable[nreadable++] = att->attnum;
		if (labels[nreadable - 1] != NULL)
			continue;
		tc = governance_type_class(att->atttypid);
		if (!governance_type_readable(att->atttypid))
			unreadable[nreadable - 1] = true;
		else if (governance_type_sampled(tc, governance_detect_name(NameStr(att->attname),
																	 strlen(NameStr(att->attname)),
																	 &c, &ev)))
		{
			classes[nsampled] = tc;
			sampled[nsampled++] = att->attnum;
		}
	}
	relation_close(rel, NoLock);

	/* Not a column the caller may read: not reported at all. */
	if (nreadable == 0)
		return out;
	/* A read refused: the names and types are still scored. */
	if (nsampled > 0)
		(void) gov_sample_guarded(relid, sampled, classes, nsampled, sample_rows,
								  stats, &unsampled);

	for (int i = 0, s = 0; i < nreadable; i++)
	{
		AttrNumber	attnum = readable[i];
		char	   *column = get_attname(relid, attnum, false);
		GovProposal p;
		GovDiscovered *d;
		const GovValueStats *vs = NULL;
		MemoryContext old;

		if (labels[i] == NULL && s < nsampled && sampled[s] == attnum)
		{
			vs = &stats[s++];
			/*
			 * Labelled while it was sampled: the plan was made as the
			 * owner, whose masks are not the caller's, so what was read
			 * of it is dropped and it is reported with its label.
			 */
			labels[i] = governance_column_own_label(relid, attnum);
		}
		if (labels[i] == NULL)
		{
			governance_score_column(column, get_atttype(relid, attnum), vs,
									unreadable[i] ? "type not built in" : unsampled,
									&p);
			if (p.label == NULL)
				continue;
		}
		old = MemoryContextSwitchTo(cxt);
		d = palloc(sizeof(GovDiscovered));
		d->relid = relid;
		d->attnum = attnum;
		d->column = pstrdup(column);
		d->labelled = labels[i] != NULL;
		d->label = pstrdup(d->labelled ? labels[i] : p.label);
		d->confidence = d->labelled ? 1.0f : p.confidence;
		d->evidence = pstrdup(d->labelled ? "labelled" : p.evidence);
		out = lappend(out, d);
		MemoryContextSwitchTo(old);
	}
	return out;
}

/*
 * Every proposal, and every labelled column, of the relations the caller
 * may read in schemas LIKE schema_filter (NULL: all but the system's).
 * The list and its entries live in the caller's memory context.
 */
List *
governance_discover_run(const char *schema_filter, int sample_rows)
{
	MemoryContext cxt = CurrentMemoryContext;
	MemoryContext per_rel;
	List	   *rels;
	List	   *out = NIL;
	ListCell   *lc;

	if (!OidIsValid(governance_schema_oid()))
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("extension \"governance\" is not installed in this database"),
				 errhint("Run CREATE EXTENSION governance first.")));
	rels = gov_relations(schema_filter);

	/*
	 * What one relation needs (its columns, their counts, the sample's
	 * text) lives in a context reset after it; only the proposals are kept.
	 */
	per_rel = AllocSetContextCreate(CurrentMemoryContext, "governance discover relation",
									ALLOCSET_DEFAULT_SIZES);
	foreach(lc, rels)
	{
		GovRelEntry *e = lfirst(lc);
		MemoryContext old;

		CHECK_FOR_INTERRUPTS();
		/* Dropped since the list was made: nothing to say of it. */
		if (!SearchSysCacheExists1(RELOID, ObjectIdGetDatum(e->relid)))
			continue;
		old = MemoryContextSwitchTo(per_rel);
		out = gov_discover_relation(e->relid, sample_rows, cxt, out);
		MemoryContextSwitchTo(old);
		MemoryContextReset(per_rel);
	}
	MemoryContextDelete(per_rel);
	return out;
}

/*
 * The schema filter a caller gave (NULL: every schema), checked: LIKE
 * itself finds a dangling escape only when matching gets to it.
 */
static char *
gov_schema_filter_arg(FunctionCallInfo fcinfo, int argno)
{
	char	   *filter;
	size_t		len;
	size_t		escapes = 0;

	if (PG_ARGISNULL(argno))
		return NULL;
	filter = text_to_cstring(PG_GETARG_TEXT_PP(argno));
	len = strlen(filter);
	while (escapes < len && filter[len - 1 - escapes] == '\\')
		escapes++;
	if (escapes % 2 == 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_ESCAPE_SEQUENCE),
				 errmsg("schema_filter must not end with an escape character"),
				 errdetail("It is a LIKE pattern, in which a backslash makes the next character stand for itself."),
				 errhint("Write \\\\ for a backslash.")));
	return filter;
}

/* The sample size a caller asked for, checked. */
static int
gov_sample_rows_arg(FunctionCallInfo fcinfo, int argno)
{
	int			n;

	if (PG_ARGISNULL(argno))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("sample_rows must not be null"),
				 errhint("Leave it out for the default of 1000 rows per table.")));
	n = PG_GETARG_INT32(argno);
	if (n < 1 || n > 1000000)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("sample_rows must be between 1 and 1000000, not %d", n),
				 errdetail("It is the number of rows read from each table.")));
	return n;
}

/*
 * governance.discover(schema_filter text, sample_rows int)
 *	 RETURNS TABLE (relation regclass, column_name name, label text,
 *					confidence real, evidence text)
 */
PG_FUNCTION_INFO_V1(governance_discover_1_0);
Datum
governance_discover_1_0(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	char	   *filter = gov_schema_filter_arg(fcinfo, 0);
	int			sample_rows = gov_sample_rows_arg(fcinfo, 1);
	List	   *found;
	ListCell   *lc;

	InitMaterializedSRF(fcinfo, 0);
	found = governance_discover_run(filter, sample_rows);
	foreach(lc, found)
	{
		GovDiscovered *d = lfirst(lc);
		Datum		values[5];
		bool		nulls[5] = {false, false, false, false, false};
		NameData	column;

		namestrcpy(&column, d->column);
		values[0] = ObjectIdGetDatum(d->relid);
		values[1] = NameGetDatum(&column);
		values[2] = CStringGetTextDatum(d->label);
		values[3] = Float4GetDatum(d->confidence);
		values[4] = CStringGetTextDatum(d->evidence);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	return (Datum) 0;
}

/*
 * governance.apply_discovery(min_confidence real, schema_filter text)
 *	 RETURNS int: labels what discover() proposes at or above
 *	 min_confidence on columns without a label; how many it labelled.
 */
PG_FUNCTION_INFO_V1(governance_apply_discovery_1_0);
Datum
governance_apply_discovery_1_0(PG_FUNCTION_ARGS)
{
	float4		min_confidence;
	char	   *filter;
	List	   *found;
	ListCell   *lc;
	int			n = 0;

	if (!governance_role_is_admin(GetUserId()))
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("permission denied to apply discovery"),
				 errhint("Labels are managed by superusers and members of governance_admin; governance.discover() shows the proposals to anyone.")));
	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("min_confidence must not be null"),
				 errhint("Leave it out for the default of 0.8.")));
	min_confidence = PG_GETARG_FLOAT4(0);
	if (isnan(min_confidence) || min_confidence < 0 || min_confidence > 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("min_confidence must be between 0 and 1, not %g", min_confidence)));
	filter = gov_schema_filter_arg(fcinfo, 1);

	found = governance_discover_run(filter, 1000);
	foreach(lc, found)
	{
		GovDiscovered *d = lfirst(lc);
		Oid			type = get_atttype(d->relid, d->attnum);

		if (d->labelled || d->confidence < min_confidence)
			continue;
		if (!governance_label_serves(d->label, type))
		{
			ereport(WARNING,
					(errcode(ERRCODE_DATATYPE_MISMATCH),
					 errmsg("column \"%s\" of relation \"%s\" was not labelled \"%s\"",
							d->column, get_rel_name(d->relid), d->label),
					 errdetail("The label is not defined, or its mask cannot produce a value of type %s.",
							   format_type_be(type)),
					 errhint("Label it with governance.label_column() and a label whose mask serves the type.")));
			continue;
		}
		governance_set_column_label(d->relid, d->attnum, d->label,
									psprintf("apply_discovery: %.2f: %s",
											 d->confidence, d->evidence));
		n++;
	}
	PG_RETURN_INT32(n);
}
