/*-------------------------------------------------------------------------
 *
 * sample.c
 *	  Reading a bounded sample of a relation's values, with the caller's
 *	  privileges, for discovery.
 *
 * A sample is one SELECT, parsed, rewritten and run as the caller:
 * privileges, the policy and the masks apply to it as to any of the
 * caller's statements, and the audit records it.  It never reads a whole
 * large table: a table whose rows (estimated from its statistics and its
 * size now) are more than twice the sample is read with TABLESAMPLE
 * SYSTEM at the percentage of its pages that holds about one and a half
 * samples, REPEATABLE so that the same table gives the same proposals,
 * and LIMIT; a small table, or an unanalyzed one of at most
 * GOV_SMALL_PAGES pages, with LIMIT alone.  Each value is read cut to
 * GOV_SAMPLE_BYTES bytes.
 *
 * The rule: discovery never runs code another role wrote with the
 * caller's rights.  An administrator runs discover() over tables other
 * roles own; whatever of theirs ran in its read would run with the
 * administrator's rights.  Code reaches a plain SELECT in two ways:
 *
 * 1. Through what the query reads and evaluates, which the query is made
 *	  to hold none of:
 *	- row-level security policies: the sample is rewritten with
 *	  row_security = off, so the server refuses (42501), rather than
 *	  evaluates, a table whose policies would apply to the caller; the
 *	  table is then scored by its names and types only (discover.c);
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
 *	  With no qual, no view and no policy, the plan evaluates nothing but
 *	  the query's own expressions; triggers, defaults and generated
 *	  columns do not run on a read.
 *
 * 2. Through the relation's definition, which the planner reads: it loads
 *	  each index's expressions and predicate, the expressions of extended
 *	  statistics and the partition key (and the partition constraint made
 *	  from it), and simplifies them, so a constant call in one of them to
 *	  a function its author declared IMMUTABLE runs while the query is
 *	  planned, also through a domain's check constraint an index
 *	  expression reaches.  Which of these the planner reads is its own
 *	  affair, and a new index can be made under the lock a read holds; so
 *	  the sample is planned as the relation's owner, in a
 *	  security-restricted operation with search_path pg_catalog, pg_temp
 *	  and a GUC nest level that is rolled back, the way ANALYZE, VACUUM and
 *	  CREATE INDEX run a table's expressions.  Whatever of the definition
 *	  runs, runs with its owner's rights and cannot change the session:
 *	  its owner gains nothing it did not have.  Only the planning: the
 *	  plan is run as the caller, whose privileges the executor checks and
 *	  whose policy and audit apply.  An error the owner's code raises
 *	  while the sample is planned leaves the relation unsampled, with a
 *	  NOTICE, and discovery goes on (its owner could otherwise stop
 *	  everyone's discover()); an interrupt (a cancel, a timeout) is the
 *	  statement's.
 *
 * Skipping every relation whose definition holds code that is not built
 * in was considered and not chosen: CREATE INDEX and CREATE STATISTICS
 * take locks a read does not block, so what was checked is not what the
 * planner reads, and the list of what the planner simplifies would be
 * ours to keep complete.
 *
 * Memory: the executor hands rows one at a time to a receiver that counts
 * their values in a context reset after each row, so a sample holds one
 * row of GOV_SAMPLE_BYTES per column at once, whatever sample_rows is.
 * Values go no further than the detectors: only their counts are kept.
 *
 * src/discover/sample.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "access/transam.h"
#include "access/xact.h"
#include "catalog/namespace.h"
#include "catalog/pg_class.h"
#include "catalog/pg_inherits.h"
#include "catalog/pg_type.h"
#include "executor/executor.h"
#include "governance/common.h"
#include "governance/discover.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "storage/bufmgr.h"
#include "tcop/tcopprot.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"
#include "utils/syscache.h"

/* An unanalyzed table this small is read with LIMIT alone. */
#define GOV_SMALL_PAGES		128
/* Rows per page assumed for a large table never analyzed. */
#define GOV_ASSUMED_DENSITY 40.0
/* The bytes of each value the detectors see. */
#define GOV_SAMPLE_BYTES	8192

/* The receiver of a sample's rows: it counts their values. */
typedef struct GovSampleReceiver
{
	DestReceiver pub;			/* first: what the executor calls */
	int			ncols;
	const GovTypeClass *classes;
	const bool *ssn;			/* the column's name says SSN */
	GovValueStats *stats;
	MemoryContext row;			/* what one row's values need; reset */
} GovSampleReceiver;

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
 * The receiver's work: count the values of one row, in a context reset
 * after it, so a sample holds one row of values at a time.
 */
static bool
gov_sample_receive(TupleTableSlot *slot, DestReceiver *self)
{
	GovSampleReceiver *r = (GovSampleReceiver *) self;
	MemoryContext old = MemoryContextSwitchTo(r->row);

	slot_getallattrs(slot);
	for (int i = 0; i < r->ncols; i++)
	{
		text	   *t;

		if (slot->tts_isnull[i])
			continue;
		t = DatumGetTextPP(slot->tts_values[i]);
		governance_value_stats_add(&r->stats[i], VARDATA_ANY(t),
								   VARSIZE_ANY_EXHDR(t), r->classes[i], r->ssn[i]);
	}
	MemoryContextSwitchTo(old);
	MemoryContextReset(r->row);
	return true;
}

static void
gov_sample_startup(DestReceiver *self, int operation, TupleDesc typeinfo)
{
}

static void
gov_sample_shutdown(DestReceiver *self)
{
}

static void
gov_sample_destroy(DestReceiver *self)
{
}

/*
 * The sample's text parsed, analyzed and rewritten as the caller: the
 * rewriter refuses a relation whose row-level security policies apply to
 * it (row_security is off), and records the caller's privileges for the
 * executor to check.
 */
static Query *
gov_sample_query(const char *sql)
{
	List	   *raw = pg_parse_query(sql);
	List	   *queries;
	Query	   *query;

	if (list_length(raw) != 1)
		elog(ERROR, "a discovery sample is one statement");
	queries = pg_analyze_and_rewrite_fixedparams(linitial_node(RawStmt, raw),
												 sql, NULL, 0, NULL);
	if (list_length(queries) != 1)
		elog(ERROR, "a discovery sample is rewritten into one query");
	query = linitial_node(Query, queries);
	if (query->commandType != CMD_SELECT || query->utilityStmt != NULL)
		elog(ERROR, "a discovery sample is a SELECT");
	return query;
}

/*
 * Did the server stop the statement (a cancel request, statement_timeout,
 * lock_timeout, a conflict with recovery)?  Those are raised only by
 * ProcessInterrupts(); the owner's code can raise the same SQLSTATEs
 * itself, and that must not stop discovery.
 */
static bool
gov_interrupted(const ErrorData *edata)
{
	return edata->funcname != NULL &&
		strcmp(edata->funcname, "ProcessInterrupts") == 0;
}

/* The owner of a relation the caller has locked. */
static Oid
gov_rel_owner(Oid relid)
{
	HeapTuple	tup = SearchSysCache1(RELOID, ObjectIdGetDatum(relid));
	Oid			owner;

	if (!HeapTupleIsValid(tup))
		elog(ERROR, "cache lookup failed for relation %u", relid);
	owner = ((Form_pg_class) GETSTRUCT(tup))->relowner;
	ReleaseSysCache(tup);
	return owner;
}

/*
 * Does the session's temporary schema hold a relation or a type?  The
 * owner's code runs in the caller's session, and names it does not
 * qualify are looked up in pg_catalog, then in the session's temporary
 * schema (PostgreSQL searches it for relations and types whatever
 * search_path says, only later when it is listed): a temporary view or
 * domain named like a table or type the owner's function reads would run
 * the caller's code with the owner's rights.  So a relation another role
 * owns is sampled only in a session that made no temporary relation or
 * type (functions and operators are never looked up there).  Read from
 * the catalogs, not from what was cached: another statement of the
 * session may have made or dropped one.
 */
static bool
gov_session_has_temp_objects(void)
{
	Oid			temp_ns,
				temp_toast_ns;
	bool		found = false;
	const struct
	{
		Oid			catalog;
		AttrNumber	nsattr;
	}			catalogs[] = {
		{RelationRelationId, Anum_pg_class_relnamespace},
		{TypeRelationId, Anum_pg_type_typnamespace},
	};

	GetTempNamespaceState(&temp_ns, &temp_toast_ns);
	if (!OidIsValid(temp_ns))
		return false;
	for (size_t c = 0; c < lengthof(catalogs) && !found; c++)
	{
		Relation	rel = table_open(catalogs[c].catalog, AccessShareLock);
		ScanKeyData key;
		SysScanDesc scan;

		ScanKeyInit(&key, catalogs[c].nsattr, BTEqualStrategyNumber, F_OIDEQ,
					ObjectIdGetDatum(temp_ns));
		scan = systable_beginscan(rel, InvalidOid, false, NULL, 1, &key);
		found = HeapTupleIsValid(systable_getnext(scan));
		systable_endscan(scan);
		table_close(rel, AccessShareLock);
	}
	return found;
}

/*
 * Plan the sample of relid as the relation's owner (the rule above, 2):
 * in a subtransaction of its own, in a security-restricted operation,
 * with search_path pg_catalog, pg_temp, in a GUC nest level rolled back
 * after it, so that whatever of the relation's definition the planner
 * runs has its owner's rights only and leaves the session as it was.
 * NULL, with a NOTICE, if that code failed; an interrupt is re-thrown.
 * The plan is made in the caller's memory context.
 */
/* A plan made as a relation's owner (gov_plan_as_owner()). */
typedef struct GovOwnerPlan
{
	Query	   *query;
	const char *sql;
	Oid			owner;
	PlannedStmt *pstmt;			/* out */
} GovOwnerPlan;

static void
gov_plan_owned(void *arg)
{
	GovOwnerPlan *p = arg;
	Oid			save_user;
	int			save_sec;
	int			nestlevel;

	GetUserIdAndSecContext(&save_user, &save_sec);
	SetUserIdAndSecContext(p->owner, save_sec | SECURITY_RESTRICTED_OPERATION);
	nestlevel = NewGUCNestLevel();
	(void) set_config_option("search_path", "pg_catalog, pg_temp",
							 PGC_USERSET, PGC_S_SESSION, GUC_ACTION_SAVE,
							 true, 0, false);
	p->pstmt = pg_plan_query(p->query, p->sql, 0, NULL);
	/* What the owner's code set is undone, as ANALYZE undoes it. */
	AtEOXact_GUC(false, nestlevel);
	SetUserIdAndSecContext(save_user, save_sec);
}

static PlannedStmt *
gov_plan_as_owner(Query *query, const char *sql, Oid relid, Oid owner)
{
	GovOwnerPlan plan = {query, sql, owner, NULL};
	ErrorData  *edata = governance_subxact_try(gov_plan_owned, &plan);

	if (edata == NULL)
		return plan.pstmt;
	/* The rollback gave back the user, its context and the settings. */
	if (gov_interrupted(edata))
		ReThrowError(edata);
	ereport(NOTICE,
			(errmsg("values of relation \"%s\" were not sampled: %s",
					get_rel_name(relid), edata->message),
			 errdetail("The error was raised by code of the relation's definition, which runs as its owner while a read of it is planned; the relation is scored by its column names and types only.")));
	FreeErrorData(edata);
	return NULL;
}

/*
 * Run the planned sample as the caller, its rows counted into stats: the
 * executor checks the caller's privileges, and the policy, masks and
 * audit see the caller's statement.
 */
static void
gov_sample_run(PlannedStmt *pstmt, const char *sql, int ncols,
			   const GovTypeClass *classes, const bool *ssn,
			   GovValueStats *stats)
{
	GovSampleReceiver recv;
	QueryDesc  *qd;

	if (!ActiveSnapshotSet())
		elog(ERROR, "a discovery sample needs an active snapshot");
	memset(&recv, 0, sizeof(recv));
	recv.pub.receiveSlot = gov_sample_receive;
	recv.pub.rStartup = gov_sample_startup;
	recv.pub.rShutdown = gov_sample_shutdown;
	recv.pub.rDestroy = gov_sample_destroy;
	recv.pub.mydest = DestNone;
	recv.ncols = ncols;
	recv.classes = classes;
	recv.ssn = ssn;
	recv.stats = stats;
	recv.row = AllocSetContextCreate(CurrentMemoryContext, "governance sample row",
									 ALLOCSET_DEFAULT_SIZES);
	qd = CreateQueryDesc(pstmt, sql, GetActiveSnapshot(), InvalidSnapshot,
						 &recv.pub, NULL, NULL, 0);
	ExecutorStart(qd, 0);
	ExecutorRun(qd, ForwardScanDirection, 0, true);
	ExecutorFinish(qd);
	ExecutorEnd(qd);
	FreeQueryDesc(qd);
	MemoryContextDelete(recv.row);
}

/*
 * Sample the columns attnums (of classes) of a relation the caller may
 * read, adding what their values show to stats.  False, with why in
 * *unsampled, if it cannot be sampled (a foreign table, a view, a
 * materialized view never populated, its owner's code failed while the
 * sample was planned).  The caller locks the relation (AccessShareLock,
 * kept), sets row_security off and runs this in a subtransaction: an
 * error here (the server refusing the read) is the caller's to handle.
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
	Query	   *query;
	PlannedStmt *pstmt;
	Oid			owner;

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

	owner = gov_rel_owner(relid);
	if (owner != GetUserId() && gov_session_has_temp_objects())
	{
		ereport(NOTICE,
				(errmsg("values of relation \"%s\" were not sampled: the session has temporary objects",
						get_rel_name(relid)),
				 errdetail("The relation's definition is planned as its owner, and names the owner's code does not qualify could find this session's temporary relations and types."),
				 errhint("Run discover() in a session that has made no temporary table or type.")));
		*unsampled = "the session has temporary objects";
		return false;
	}
	query = gov_sample_query(sql.data);
	pstmt = gov_plan_as_owner(query, sql.data, relid, owner);
	if (pstmt == NULL)
	{
		*unsampled = "its owner's code failed";
		return false;
	}
	gov_sample_run(pstmt, sql.data, ncols, classes, ssn, stats);
	pfree(sql.data);
	pfree(ssn);
	return true;
}
