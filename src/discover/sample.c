/*-------------------------------------------------------------------------
 *
 * sample.c
 *	  Reading a bounded sample of a relation's values, with the caller's
 *	  privileges, for discovery.
 *
 * A sample is one SELECT through SPI, run as the caller: privileges, the
 * policy and the masks apply to it as to any of the caller's statements,
 * and the audit records it.  It never reads a whole large table: a table
 * whose rows (estimated from its statistics and its size now) are more
 * than twice the sample is read with TABLESAMPLE SYSTEM at the percentage
 * of its pages that holds about one and a half samples, REPEATABLE so
 * that the same table gives the same proposals, and LIMIT; a small table,
 * or an unanalyzed one of at most GOV_SMALL_PAGES pages, with LIMIT alone.
 * Each value is read cut to GOV_SAMPLE_BYTES bytes.
 *
 * The rule: discovery never evaluates code another role wrote while it
 * reads.  An administrator runs discover() over tables other roles own;
 * whatever of theirs the read evaluated would run with the
 * administrator's rights.  A plain SELECT can run such code in these
 * ways, and each is closed here:
 *
 *	- row-level security policies: the sample runs with row_security = off,
 *	  so the server refuses (42501), rather than evaluates, a table whose
 *	  policies would apply to the caller; the table is then scored by its
 *	  names and types only (discover.c);
 *	- casts to text: only columns whose type, after domains, is a built-in
 *	  type (created at initdb, OID below FirstNormalObjectId) are read.
 *	  CREATE CAST needs to own its source or target type, so every cast
 *	  between two built-in types is the bootstrap superuser's; a domain is
 *	  cast as its base type, and an extension's or a user's type (citext,
 *	  an enum, a composite) is not read at all;
 *	- views and rules, foreign tables (a wrapper's code and an unbounded
 *	  remote read): only tables, partitioned tables and populated
 *	  materialized views are read, their kind checked here, under the lock
 *	  the read keeps, not only when the relations were listed; a tree with
 *	  a foreign partition or child is not read;
 *	- names resolved by search_path: the table, left(), text and the
 *	  sampling method are schema-qualified, the query uses no operator,
 *	  and discover() and apply_discovery() run with search_path pg_catalog,
 *	  pg_temp.
 *
 * Triggers, defaults, generated columns and index expressions do not run
 * on a read; the planner calls no function of a query without quals.
 * Running the sample as the table's owner under
 * SECURITY_RESTRICTED_OPERATION, as ANALYZE does, was not chosen: it
 * would still run the owner's code (which may fail, loop or write the
 * owner's tables), and the read would no longer be the caller's, so the
 * caller's privileges, the policy and the masks would not apply to it.
 *
 * Memory: rows are fetched through a cursor GOV_FETCH_ROWS at a time and
 * each batch is freed once its values have been counted, so a sample holds
 * at most GOV_FETCH_ROWS rows of GOV_SAMPLE_BYTES per column at once,
 * whatever sample_rows is.  Values go no further than the detectors: only
 * their counts are kept.
 *
 * src/discover/sample.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "access/table.h"
#include "access/transam.h"
#include "catalog/pg_class.h"
#include "catalog/pg_inherits.h"
#include "executor/spi.h"
#include "governance/discover.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "storage/bufmgr.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"

/* An unanalyzed table this small is read with LIMIT alone. */
#define GOV_SMALL_PAGES		128
/* Rows per page assumed for a large table never analyzed. */
#define GOV_ASSUMED_DENSITY 40.0
/* The bytes of each value the detectors see. */
#define GOV_SAMPLE_BYTES	8192
/* Rows fetched, and held, at once. */
#define GOV_FETCH_ROWS		64

/*
 * The pages a relation and its partitions or children have now, and the
 * rows per page their statistics say (negative: never analyzed).  False
 * if one of them is a foreign table, which cannot be sampled.
 */
static bool
gov_relation_size(Oid relid, BlockNumber *pages, double *density)
{
	List	   *rels = list_make1_oid(relid);
	ListCell   *lc;
	double		tuples = 0,
				counted_pages = 0;
	bool		known = false;

	if (get_rel_relkind(relid) == RELKIND_PARTITIONED_TABLE ||
		has_subclass(relid))
		rels = find_all_inheritors(relid, AccessShareLock, NULL);
	*pages = 0;
	foreach(lc, rels)
	{
		Relation	rel = table_open(lfirst_oid(lc), AccessShareLock);
		char		kind = rel->rd_rel->relkind;

		if (kind != RELKIND_RELATION && kind != RELKIND_MATVIEW &&
			kind != RELKIND_PARTITIONED_TABLE)
		{
			/* a foreign table, or anything else: its code is not run */
			table_close(rel, AccessShareLock);
			return false;
		}
		if (kind == RELKIND_RELATION || kind == RELKIND_MATVIEW)
		{
			*pages += RelationGetNumberOfBlocks(rel);
			if (rel->rd_rel->reltuples >= 0 && rel->rd_rel->relpages > 0)
			{
				tuples += rel->rd_rel->reltuples;
				counted_pages += rel->rd_rel->relpages;
				known = true;
			}
		}
		table_close(rel, AccessShareLock);
	}
	*density = known ? tuples / counted_pages : -1;
	return true;
}

/*
 * The FROM clause's sampling and the LIMIT for a relation: empty and a
 * LIMIT for a small one, TABLESAMPLE SYSTEM for a large one.
 */
static void
gov_sampling_clause(StringInfo sql, BlockNumber pages, double density,
					int sample_rows)
{
	double		estimate;
	double		percent;

	if (density >= 0)
		estimate = density * pages;
	else
		estimate = pages <= GOV_SMALL_PAGES ? 0 : GOV_ASSUMED_DENSITY * pages;
	if (estimate <= 2.0 * sample_rows)
	{
		appendStringInfo(sql, " LIMIT %d", sample_rows);
		return;
	}
	percent = 100.0 * 1.5 * sample_rows / estimate;
	/* At least a few pages, so that a sample is never empty by chance. */
	percent = Max(percent, 100.0 * 4 / pages);
	percent = Min(percent, 100.0);
	appendStringInfo(sql, " TABLESAMPLE pg_catalog.system (%.6f) REPEATABLE (0) LIMIT %d",
					 percent, sample_rows);
}

/*
 * May a column of this type be read by discovery?  Only if its type, after
 * domains, was created at initdb: the cast of such a type to text is the
 * bootstrap superuser's, since CREATE CAST needs to own one of the two
 * types (and a cast from a domain is ignored for its base type's).  Any
 * other type's cast or output function may be code another role wrote.
 */
bool
governance_type_readable(Oid typid)
{
	return getBaseType(typid) < FirstNormalObjectId;
}

/*
 * Sample the columns attnums (of classes) of a relation the caller may
 * read, adding what their values show to stats.  False, with why in
 * *unsampled, if it cannot be sampled (a foreign table, a view, a
 * materialized view never populated).  The caller has connected SPI,
 * locks the relation (AccessShareLock, kept) and sets row_security off.
 */
bool
governance_sample_relation(Oid relid, const AttrNumber *attnums,
						   const GovTypeClass *classes, int ncols,
						   int sample_rows, GovValueStats *stats,
						   const char **unsampled)
{
	StringInfoData sql;
	BlockNumber pages;
	double		density;
	char		kind;
	bool	   *ssn;
	SPIPlanPtr	plan;
	Portal		portal;
	MemoryContext batch;
	MemoryContext old;

	*unsampled = NULL;
	if (ncols == 0)
		return true;
	/* Checked under the lock the read keeps: the kind cannot change now. */
	kind = get_rel_relkind(relid);
	if (kind == RELKIND_FOREIGN_TABLE)
	{
		*unsampled = "foreign table";
		return false;
	}
	if (kind != RELKIND_RELATION && kind != RELKIND_MATVIEW &&
		kind != RELKIND_PARTITIONED_TABLE)
	{
		*unsampled = "not a table";
		return false;
	}
	if (!gov_relation_size(relid, &pages, &density))
	{
		*unsampled = "foreign table";
		return false;
	}
	if (kind == RELKIND_MATVIEW)
	{
		Relation	rel = table_open(relid, AccessShareLock);
		bool		populated = RelationIsPopulated(rel);

		table_close(rel, AccessShareLock);
		if (!populated)
		{
			*unsampled = "not populated";
			return false;
		}
	}
	if (pages == 0)
		return true;

	initStringInfo(&sql);
	appendStringInfoString(&sql, "SELECT ");
	for (int i = 0; i < ncols; i++)
	{
		/* The rule above, where the query is made: no other cast runs. */
		if (!governance_type_readable(get_atttype(relid, attnums[i])))
			elog(ERROR, "column %d of relation %u is of a type discovery does not read",
				 attnums[i], relid);
		appendStringInfo(&sql, "%spg_catalog.\"left\"(%s::pg_catalog.text, %d)",
						 i ? ", " : "",
						 quote_identifier(get_attname(relid, attnums[i], false)),
						 GOV_SAMPLE_BYTES);
	}
	appendStringInfo(&sql, " FROM %s",
					 quote_qualified_identifier(get_namespace_name(get_rel_namespace(relid)),
												get_rel_name(relid)));
	gov_sampling_clause(&sql, pages, density, sample_rows);

	ssn = palloc(sizeof(bool) * ncols);
	for (int i = 0; i < ncols; i++)
		ssn[i] = governance_name_says_ssn(get_attname(relid, attnums[i], false));

	plan = SPI_prepare(sql.data, 0, NULL);
	if (plan == NULL)
		elog(ERROR, "sampling relation %u failed: %s", relid,
			 SPI_result_code_string(SPI_result));
	portal = SPI_cursor_open(NULL, plan, NULL, NULL, true);
	batch = AllocSetContextCreate(CurrentMemoryContext, "governance sample batch",
								  ALLOCSET_DEFAULT_SIZES);
	for (;;)
	{
		SPI_cursor_fetch(portal, true, GOV_FETCH_ROWS);
		if (SPI_processed == 0)
		{
			SPI_freetuptable(SPI_tuptable);
			break;
		}
		old = MemoryContextSwitchTo(batch);
		for (uint64 r = 0; r < SPI_processed; r++)
		{
			HeapTuple	tup = SPI_tuptable->vals[r];

			for (int i = 0; i < ncols; i++)
			{
				bool		isnull;
				Datum		d = SPI_getbinval(tup, SPI_tuptable->tupdesc, i + 1, &isnull);
				text	   *t;

				if (isnull)
					continue;
				t = DatumGetTextPP(d);
				governance_value_stats_add(&stats[i], VARDATA_ANY(t),
										   VARSIZE_ANY_EXHDR(t), classes[i], ssn[i]);
			}
			CHECK_FOR_INTERRUPTS();
		}
		MemoryContextSwitchTo(old);
		MemoryContextReset(batch);
		SPI_freetuptable(SPI_tuptable);
	}
	SPI_cursor_close(portal);
	SPI_freeplan(plan);
	MemoryContextDelete(batch);
	pfree(sql.data);
	pfree(ssn);
	return true;
}
