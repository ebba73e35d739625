/*-------------------------------------------------------------------------
 *
 * names.c
 *	  Qualified names of relations and columns, cached per backend.
 *
 * The audit trail names every relation and column a statement touches,
 * and the policy matches rules against relation names: catalog lookups
 * and string formatting for each statement would cost more than the rest
 * of either.  Entries live in a context under CacheMemoryContext.  An
 * entry is marked stale by the relcache invalidation of its relation (a
 * rename, a column rename, SET SCHEMA, DROP) and every entry by a change
 * of pg_namespace (a schema rename); a stale entry is refilled on its next
 * use.  Invalidation callbacks only mark entries stale, never free them:
 * they can run while an entry is being filled, inside the catalog lookups
 * themselves.  The names a refilled entry replaces may still be in use
 * (a relation listed twice in one event), so they are freed only at
 * governance_names_collect(), which the audit calls before looking up the
 * next statement's objects.  Callers that keep a name beyond that copy it.
 *
 * src/common/names.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "governance/common.h"
#include "utils/hsearch.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/syscache.h"

/* Past this many relations the cache starts afresh (temporary tables). */
#define GOV_MAX_CACHED_RELS 1024

static HTAB *gov_names = NULL;
static MemoryContext gov_names_cxt = NULL;

/* Names replaced by a refill, freed before the next statement's lookups. */
static char **gov_names_garbage = NULL;
static int	gov_names_ngarbage = 0;
static int	gov_names_maxgarbage = 0;

/* A relation's names changed (or all relations', for InvalidOid). */
static void
gov_names_relcache_cb(Datum arg, Oid relid)
{
	HASH_SEQ_STATUS seq;
	GovRelNames *e;

	if (gov_names == NULL)
		return;
	if (OidIsValid(relid))
	{
		e = hash_search(gov_names, &relid, HASH_FIND, NULL);
		if (e != NULL)
			e->valid = false;
		return;
	}
	hash_seq_init(&seq, gov_names);
	while ((e = hash_seq_search(&seq)) != NULL)
		e->valid = false;
}

/* A schema was renamed (or dropped): every qualified name may be stale. */
static void
gov_names_namespace_cb(Datum arg, int cacheid, uint32 hashvalue)
{
	gov_names_relcache_cb(arg, InvalidOid);
}

static void
gov_names_discard(char *p)
{
	if (p == NULL)
		return;
	if (gov_names_ngarbage == gov_names_maxgarbage)
	{
		gov_names_maxgarbage = Max(16, 2 * gov_names_maxgarbage);
		if (gov_names_garbage == NULL)
			gov_names_garbage = MemoryContextAlloc(gov_names_cxt,
												   gov_names_maxgarbage * sizeof(char *));
		else
			gov_names_garbage = repalloc(gov_names_garbage,
										 gov_names_maxgarbage * sizeof(char *));
	}
	gov_names_garbage[gov_names_ngarbage++] = p;
}

/* The cache entry of a relation, filled and valid; NULL if it is gone. */
GovRelNames *
governance_relation_names(Oid relid)
{
	GovRelNames *e;
	bool		found;
	char	   *rel,
			   *nsp;

	if (gov_names == NULL)
	{
		HASHCTL		ctl;

		if (gov_names_cxt == NULL)
		{
			gov_names_cxt = AllocSetContextCreate(CacheMemoryContext,
												  "governance audit names",
												  ALLOCSET_SMALL_SIZES);
			CacheRegisterRelcacheCallback(gov_names_relcache_cb, (Datum) 0);
			CacheRegisterSyscacheCallback(NAMESPACEOID, gov_names_namespace_cb,
										  (Datum) 0);
		}
		ctl.keysize = sizeof(Oid);
		ctl.entrysize = sizeof(GovRelNames);
		ctl.hcxt = gov_names_cxt;
		gov_names = hash_create("governance audit names", 64, &ctl,
								HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
	}
	e = hash_search(gov_names, &relid, HASH_ENTER, &found);
	if (found && e->valid)
		return e->exists ? e : NULL;
	if (found)
	{
		int			i;

		for (i = 0; i < e->ncols; i++)
			gov_names_discard(e->cols[i]);
		gov_names_discard((char *) e->cols);
		gov_names_discard(e->name);
	}
	e->cols = NULL;
	e->ncols = 0;
	e->name = NULL;
	e->exists = false;
	/* Before the lookups: an invalidation they process marks it stale. */
	e->valid = true;
	rel = get_rel_name(relid);
	nsp = rel ? get_namespace_name(get_rel_namespace(relid)) : NULL;
	if (rel == NULL || nsp == NULL)
		return NULL;
	e->name = MemoryContextAlloc(gov_names_cxt, strlen(nsp) + strlen(rel) + 2);
	sprintf(e->name, "%s.%s", nsp, rel);
	e->exists = true;
	return e;
}

/* "schema.table.column" of a column of a cached relation, or NULL. */
const char *
governance_column_name(GovRelNames *e, Oid relid, AttrNumber att)
{
	char	   *name;

	if (att > e->ncols)
	{
		int			n = Max(att, 8);

		if (e->cols == NULL)
			e->cols = MemoryContextAllocZero(gov_names_cxt, n * sizeof(char *));
		else
		{
			e->cols = repalloc(e->cols, n * sizeof(char *));
			memset(e->cols + e->ncols, 0, (n - e->ncols) * sizeof(char *));
		}
		e->ncols = n;
	}
	if (e->cols[att - 1] != NULL)
		return e->cols[att - 1];
	name = get_attname(relid, att, true);
	if (name == NULL)
		return NULL;
	e->cols[att - 1] = MemoryContextAlloc(gov_names_cxt,
										  strlen(e->name) + strlen(name) + 2);
	sprintf(e->cols[att - 1], "%s.%s", e->name, name);
	return e->cols[att - 1];
}

/*
 * Free the names refilled entries replaced, and start afresh if the cache
 * has grown too large.  Only where no cached name is in use.
 */
void
governance_names_collect(void)
{
	if (gov_names != NULL && hash_get_num_entries(gov_names) > GOV_MAX_CACHED_RELS)
	{
		hash_destroy(gov_names);
		MemoryContextReset(gov_names_cxt);
		gov_names = NULL;
		gov_names_garbage = NULL;
		gov_names_ngarbage = gov_names_maxgarbage = 0;
	}
	while (gov_names_ngarbage > 0)
		pfree(gov_names_garbage[--gov_names_ngarbage]);
}

char *
governance_trim_blanks(char *item)
{
	char	   *end;

	while (*item == ' ' || *item == '\t')
		item++;
	end = item + strlen(item);
	while (end > item && (end[-1] == ' ' || end[-1] == '\t'))
		*--end = '\0';
	return item;
}
