/*-------------------------------------------------------------------------
 *
 * sample.c
 *	  Reading a bounded sample of a relation's values, with the caller's
 *	  privileges, for discovery.
 *
 * A sample is one SELECT through SPI, run as the caller: privileges,
 * row-level security, the policy and the masks apply to it as to any of
 * the caller's statements, and the audit records it.  It never reads a
 * whole large table: a table whose rows (estimated from its statistics
 * and its size now) are more than twice the sample is read with
 * TABLESAMPLE SYSTEM at the percentage of its pages that holds about one
 * and a half samples, REPEATABLE so that the same table gives the same
 * proposals, and LIMIT; a small table, or an unanalyzed one of at most
 * GOV_SMALL_PAGES pages, with LIMIT alone.  Each value is read cut to
 * GOV_SAMPLE_BYTES bytes.
 *
 * Values go no further than the detectors: only their counts are kept.
 *
 * src/discover/sample.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "access/table.h"
#include "catalog/pg_class.h"
#include "catalog/pg_inherits.h"
#include "executor/spi.h"
#include "governance/discover.h"
#include "lib/stringinfo.h"
#include "storage/bufmgr.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"

/* An unanalyzed table this small is read with LIMIT alone. */
#define GOV_SMALL_PAGES		128
/* Rows per page assumed for a large table never analyzed. */
#define GOV_ASSUMED_DENSITY 40.0
/* The bytes of each value the detectors see. */
#define GOV_SAMPLE_BYTES	8192

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

		if (kind == RELKIND_FOREIGN_TABLE)
		{
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
	appendStringInfo(sql, " TABLESAMPLE SYSTEM (%.6f) REPEATABLE (0) LIMIT %d",
					 percent, sample_rows);
}

/*
 * Sample the columns attnums (of classes) of a relation the caller may
 * read, adding what their values show to stats.  False, with why in
 * *unsampled, if it cannot be sampled (a foreign table, a materialized
 * view never populated).  The caller has connected SPI.
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
	char		kind = get_rel_relkind(relid);
	bool	   *ssn;
	int			rc;

	*unsampled = NULL;
	if (ncols == 0)
		return true;
	if (kind == RELKIND_FOREIGN_TABLE || !gov_relation_size(relid, &pages, &density))
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
		appendStringInfo(&sql, "%spg_catalog.\"left\"(%s::pg_catalog.text, %d)",
						 i ? ", " : "",
						 quote_identifier(get_attname(relid, attnums[i], false)),
						 GOV_SAMPLE_BYTES);
	appendStringInfo(&sql, " FROM %s",
					 quote_qualified_identifier(get_namespace_name(get_rel_namespace(relid)),
												get_rel_name(relid)));
	gov_sampling_clause(&sql, pages, density, sample_rows);

	rc = SPI_execute(sql.data, true, 0);
	if (rc != SPI_OK_SELECT)
		elog(ERROR, "sampling relation %u failed: %s", relid,
			 SPI_result_code_string(rc));
	ssn = palloc(sizeof(bool) * ncols);
	for (int i = 0; i < ncols; i++)
		ssn[i] = governance_name_says_ssn(get_attname(relid, attnums[i], false));
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
	}
	SPI_freetuptable(SPI_tuptable);
	pfree(sql.data);
	return true;
}
