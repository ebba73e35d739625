/*-------------------------------------------------------------------------
 *
 * labels.c
 *	  Sensitivity labels: the taxonomy, the columns that carry them, and
 *	  which of them the acting identity reads masked.
 *
 * The taxonomy (governance.labels) and the unmask grants
 * (governance.unmask_grants) are read by heap scans into a per-backend
 * cache; column labels are PostgreSQL security labels of provider
 * "governance", read per relation from pg_seclabel.  A relation inherits
 * the labels of its parents (partitions and inheritance children read
 * through the parent would otherwise show what the parent masks).
 *
 * Invalidation: any change to the taxonomy, the grants or a column label
 * sends a relcache invalidation for governance.labels (the sentinel), and
 * for the labelled relation.  The sentinel drops every cached entry and
 * resets the plan cache, so no plan made under the old labels runs again;
 * a relation's own invalidation drops its entry only.  Callbacks only mark
 * things stale: memory is released by governance_labels_refresh(), called
 * where no pointer into the cache is held (the start of planning, of a
 * utility statement, of an SQL function, of the executor for the audit).
 *
 * Who is masked: a label is read clear by superusers and by principals an
 * unmask grant names (the policy's principal patterns); by everyone else
 * masked.  The answer is cached per identity, database role and taxonomy
 * generation.
 *
 * src/mask/labels.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/heapam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "access/tableam.h"
#include "catalog/indexing.h"
#include "catalog/namespace.h"
#include "catalog/pg_class.h"
#include "catalog/pg_inherits.h"
#include "catalog/pg_seclabel.h"
#include "catalog/pg_type.h"
#include "commands/seclabel.h"
#include "governance/common.h"
#include "governance/identity.h"
#include "governance/mask.h"
#include "governance/policy.h"
#include "miscadmin.h"
#include "parser/parse_func.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/hsearch.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/plancache.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"
#include "utils/syscache.h"

#define GOV_LABEL_PROVIDER	"governance"

typedef struct GovLabelDef
{
	char	   *name;
	GovMaskKind kind;
} GovLabelDef;

typedef struct GovUnmaskGrant
{
	int			label;
	char	   *principal;
} GovUnmaskGrant;

typedef struct GovRelLabels
{
	Oid			relid;			/* hash key */
	bool		valid;
	int			n;
	GovColumnLabel *cols;
} GovRelLabels;

static MemoryContext GovLabelsContext = NULL;
static bool gov_labels_valid = false;
static bool gov_labels_reset_pending = true;
static Oid	gov_labels_relid = InvalidOid;
static Oid	gov_grants_relid = InvalidOid;
static GovLabelDef *gov_labels = NULL;
static int	gov_nlabels = 0;
static GovUnmaskGrant *gov_grants = NULL;
static int	gov_ngrants = 0;
static bool gov_any_column_labels = false;
static bool gov_unknown_labels = false;
static Oid	gov_mask_fn[GOV_MASK_NKINDS];
static HTAB *gov_rel_labels = NULL;
static uint64 gov_labels_generation = 0;

/* The masked state of the acting principal, and what it was computed for. */
static bool *gov_masked = NULL;
static bool gov_masked_any = false;
static bool gov_masked_valid = false;
/* The same for the statement's own role (not a foreign key's owner). */
static bool gov_outer_masked_any = false;
static bool gov_outer_valid = false;
static Oid	gov_outer_role = InvalidOid;
static uint64 gov_masked_generation = 0;
static Oid	gov_masked_role = InvalidOid;
static char gov_masked_for[65] = "";

/* Label index for a label text no longer in the taxonomy: mask to NULL. */
#define GOV_LABEL_UNKNOWN	(-1)

static void
gov_labels_mark_stale(void)
{
	gov_labels_valid = false;
	gov_labels_reset_pending = true;
	gov_masked_valid = false;
	gov_outer_valid = false;
}

static void
gov_labels_relcache_cb(Datum arg, Oid relid)
{
	if (!OidIsValid(relid) || relid == gov_labels_relid ||
		relid == gov_grants_relid)
	{
		/* Plans made under the old labels or grants must not run again. */
		gov_labels_mark_stale();
		ResetPlanCache();
		return;
	}
	if (gov_rel_labels != NULL)
	{
		GovRelLabels *e = hash_search(gov_rel_labels, &relid, HASH_FIND, NULL);

		if (e != NULL)
			e->valid = false;
	}
}

/* A role changed (superuser, membership): who is masked may change. */
static void
gov_labels_authid_cb(Datum arg, int cacheid, uint32 hashvalue)
{
	gov_masked_valid = false;
	gov_outer_valid = false;
	/* Plans are marked as depending on the role, not on its memberships. */
	ResetPlanCache();
}

/*
 * The session's identity changed: recompute, and plan everything again,
 * unless the database is known to have no labelled column, in which case
 * no plan holds a mask (labelling one later resets every plan through the
 * relcache callback).  This runs in GUC assign hooks, also while a
 * transaction ends, so it reads the cache and never the catalogs: an
 * invalid cache counts as labels present.  Applications that set a token
 * in every transaction keep their cached plans.
 */
static void
gov_mask_identity_changed(void)
{
	gov_masked_valid = false;
	gov_outer_valid = false;
	if (!gov_labels_valid || gov_labels_reset_pending || gov_any_column_labels)
		ResetPlanCache();
}

/* The identity listener: when another identity acts, masks change. */
bool
governance_mask_identity_event(GovIdentityEvent event, const GovIdentity *id,
							   const char *refused_fingerprint,
							   const char *reason)
{
	if (event == GOV_IDENTITY_CHANGED)
	{
		gov_mask_identity_changed();
		governance_mask_cursors_identity_changed();
	}
	return true;
}

static int
gov_label_index(const char *name)
{
	for (int i = 0; i < gov_nlabels; i++)
		if (strcmp(gov_labels[i].name, name) == 0)
			return i;
	return GOV_LABEL_UNKNOWN;
}

static Oid
gov_lookup_mask_fn(Oid schema, GovMaskKind kind)
{
	Oid			argtype = ANYELEMENTOID;
	List	   *name = list_make2(makeString(get_namespace_name(schema)),
								  makeString(pstrdup(governance_mask_function_name(kind))));

	return LookupFuncName(name, 1, &argtype, true);
}

/*
 * Call visit for every column carrying a governance label (relid, attnum,
 * the label's text), until it returns true; returns whether one did.  The
 * one scan of pg_seclabel the extension makes: it has no index on the
 * provider, and labelled columns are few.
 */
bool
governance_scan_column_labels(GovColumnLabelVisitor visit, void *arg)
{
	Relation	rel = table_open(SecLabelRelationId, AccessShareLock);
	SysScanDesc scan;
	ScanKeyData key;
	HeapTuple	tup;
	bool		stopped = false;

	ScanKeyInit(&key, Anum_pg_seclabel_provider, BTEqualStrategyNumber,
				F_TEXTEQ, CStringGetTextDatum(GOV_LABEL_PROVIDER));
	scan = systable_beginscan(rel, InvalidOid, false, NULL, 1, &key);
	while (!stopped && HeapTupleIsValid(tup = systable_getnext(scan)))
	{
		FormData_pg_seclabel *sl = (FormData_pg_seclabel *) GETSTRUCT(tup);
		bool		isnull;
		Datum		label = heap_getattr(tup, Anum_pg_seclabel_label,
										 RelationGetDescr(rel), &isnull);

		if (sl->classoid != RelationRelationId || sl->objsubid <= 0)
			continue;
		stopped = visit(sl->objoid, sl->objsubid,
						isnull ? NULL : TextDatumGetCString(label), arg);
	}
	systable_endscan(scan);
	table_close(rel, AccessShareLock);
	return stopped;
}

/*
 * Seen while loading: columns carry labels, and one carries a label the
 * taxonomy does not define (restored before its definition, or left by a
 * damaged table).  Such a column reads NULL for everyone but superusers.
 */
static bool
gov_note_column_label(Oid relid, AttrNumber attnum, const char *label, void *arg)
{
	gov_any_column_labels = true;
	gov_unknown_labels = label == NULL || gov_label_index(label) == GOV_LABEL_UNKNOWN;
	return gov_unknown_labels;
}

static void
gov_load_labels(void)
{
	Oid			schema;
	Relation	rel;
	TableScanDesc scan;
	HeapTuple	tup;
	Snapshot	snap;
	MemoryContext old;
	int			cap;
	HASHCTL		ctl;

	if (GovLabelsContext != NULL)
		MemoryContextReset(GovLabelsContext);
	else
		GovLabelsContext = AllocSetContextCreate(CacheMemoryContext,
												 "governance labels",
												 ALLOCSET_SMALL_SIZES);
	gov_labels_reset_pending = false;
	gov_labels_generation++;
	gov_labels = NULL;
	gov_nlabels = 0;
	gov_grants = NULL;
	gov_ngrants = 0;
	gov_masked = NULL;
	gov_masked_valid = false;
	gov_any_column_labels = false;
	memset(gov_mask_fn, 0, sizeof(gov_mask_fn));

	old = MemoryContextSwitchTo(GovLabelsContext);
	ctl.keysize = sizeof(Oid);
	ctl.entrysize = sizeof(GovRelLabels);
	ctl.hcxt = GovLabelsContext;
	gov_rel_labels = hash_create("governance column labels", 64, &ctl,
								 HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);

	/* Mark valid first: an invalidation while reading loads again. */
	gov_labels_valid = true;
	schema = governance_schema_oid();
	if (!OidIsValid(schema) ||
		!OidIsValid(gov_labels_relid = get_relname_relid("labels", schema)) ||
		!OidIsValid(gov_grants_relid = get_relname_relid("unmask_grants", schema)))
	{
		/* No extension here, or its script is running: look again later. */
		gov_labels_valid = OidIsValid(schema) ? false : true;
		MemoryContextSwitchTo(old);
		return;
	}

	snap = RegisterSnapshot(GetLatestSnapshot());

	cap = 8;
	gov_labels = palloc(sizeof(GovLabelDef) * cap);
	rel = table_open(gov_labels_relid, AccessShareLock);
	scan = table_beginscan(rel, snap, 0, NULL);
	while ((tup = heap_getnext(scan, ForwardScanDirection)) != NULL)
	{
		bool		n1,
					n2;
		Datum		name = heap_getattr(tup, 1, RelationGetDescr(rel), &n1);
		Datum		mask = heap_getattr(tup, 2, RelationGetDescr(rel), &n2);
		GovMaskKind kind;

		if (n1)
			continue;
		/* A mask the code does not know (a damaged row) masks to NULL. */
		if (n2 || !governance_mask_kind_parse(TextDatumGetCString(mask), &kind))
			kind = GOV_MASK_NULL;
		if (gov_nlabels == cap)
			gov_labels = repalloc(gov_labels, sizeof(GovLabelDef) * (cap *= 2));
		gov_labels[gov_nlabels].name = TextDatumGetCString(name);
		gov_labels[gov_nlabels].kind = kind;
		gov_nlabels++;
	}
	table_endscan(scan);
	table_close(rel, AccessShareLock);

	cap = 8;
	gov_grants = palloc(sizeof(GovUnmaskGrant) * cap);
	rel = table_open(gov_grants_relid, AccessShareLock);
	scan = table_beginscan(rel, snap, 0, NULL);
	while ((tup = heap_getnext(scan, ForwardScanDirection)) != NULL)
	{
		bool		n1,
					n2;
		Datum		label = heap_getattr(tup, 1, RelationGetDescr(rel), &n1);
		Datum		principal = heap_getattr(tup, 2, RelationGetDescr(rel), &n2);
		int			idx;

		if (n1 || n2 ||
			(idx = gov_label_index(TextDatumGetCString(label))) == GOV_LABEL_UNKNOWN)
			continue;
		if (gov_ngrants == cap)
			gov_grants = repalloc(gov_grants, sizeof(GovUnmaskGrant) * (cap *= 2));
		gov_grants[gov_ngrants].label = idx;
		gov_grants[gov_ngrants].principal = TextDatumGetCString(principal);
		gov_ngrants++;
	}
	table_endscan(scan);
	table_close(rel, AccessShareLock);
	UnregisterSnapshot(snap);

	for (int k = 0; k < GOV_MASK_NKINDS; k++)
		gov_mask_fn[k] = gov_lookup_mask_fn(schema, (GovMaskKind) k);
	gov_unknown_labels = false;
	(void) governance_scan_column_labels(gov_note_column_label, NULL);
	gov_masked = palloc0(sizeof(bool) * Max(gov_nlabels, 1));
	MemoryContextSwitchTo(old);
}

/*
 * Bring the caches up to date.  Frees what callbacks marked stale, so it
 * runs only where nobody holds a pointer into them.
 */
static void
governance_labels_refresh(void)
{
	if (gov_labels_valid && !gov_labels_reset_pending)
		return;
	PG_TRY();
	{
		gov_load_labels();
	}
	PG_CATCH();
	{
		gov_labels_valid = false;
		gov_labels_reset_pending = true;
		PG_RE_THROW();
	}
	PG_END_TRY();
}

/* Recompute which labels the acting principal reads masked. */
static void
gov_refresh_masked(void)
{
	const GovIdentity *id = governance_current_identity();
	const char *who = id ? id->fingerprint : "";

	if (gov_masked_valid && gov_masked_generation == gov_labels_generation &&
		gov_masked_role == GetUserId() && strcmp(gov_masked_for, who) == 0)
		return;
	gov_masked_any = false;
	if (superuser())
		memset(gov_masked, 0, sizeof(bool) * Max(gov_nlabels, 1));
	else
	{
		for (int i = 0; i < gov_nlabels; i++)
			gov_masked[i] = true;
		for (int g = 0; g < gov_ngrants; g++)
			if (gov_masked[gov_grants[g].label] &&
				governance_principal_matches(gov_grants[g].principal))
				gov_masked[gov_grants[g].label] = false;
		for (int i = 0; i < gov_nlabels; i++)
			gov_masked_any |= gov_masked[i];
		/* A column whose label the taxonomy lacks is masked for all. */
		gov_masked_any |= gov_unknown_labels;
	}
	/*
	 * Foreign-key checks and SECURITY DEFINER functions plan as another
	 * role; the errors they raise are still reported to the statement's
	 * own role, whose state the error hook needs.
	 */
	if (!InLocalUserIdChange() && !InSecurityRestrictedOperation())
	{
		gov_outer_masked_any = gov_masked_any;
		gov_outer_role = GetUserId();
		gov_outer_valid = true;
	}
	gov_masked_generation = gov_labels_generation;
	gov_masked_role = GetUserId();
	strlcpy(gov_masked_for, who, sizeof(gov_masked_for));
	gov_masked_valid = true;
}

/*
 * Could any read be masked for the acting principal?  The planner hook's
 * fast path: false when no column carries a label, or when the principal
 * reads every label clear.
 */
bool
governance_masking_possible(void)
{
	if (!IsTransactionState())
		return false;
	governance_labels_refresh();
	if (!gov_any_column_labels)
		return false;
	gov_refresh_masked();
	return gov_masked_any;
}

/*
 * Is the acting principal a masked identity: does it read some label of
 * the taxonomy masked, whether or not a column carries that label yet?
 * The output scan (outscan.c) applies to such identities only.  False
 * where the extension is not created.
 */
bool
governance_identity_masked(void)
{
	if (!IsTransactionState())
		return false;
	governance_labels_refresh();
	if (gov_nlabels == 0 || gov_masked == NULL)
		return false;
	gov_refresh_masked();
	return gov_masked_any;
}

/* Does any column of this database carry a label? */
bool
governance_labels_exist(void)
{
	if (!IsTransactionState())
		return false;
	governance_labels_refresh();
	return gov_any_column_labels;
}

/* Does the acting principal read this label masked? */
bool
governance_label_masked(int label)
{
	if (label < 0 || label >= gov_nlabels)
		return !superuser();
	gov_refresh_masked();
	return gov_masked[label];
}

/*
 * For the error-report hook, which may run in an aborted transaction:
 * whether the statement's own role reads any label masked, as last
 * computed, without catalog access.  Unknown counts as masked when the
 * database has labelled columns.
 */
bool
governance_mask_state_masked_any(void)
{
	if (!gov_any_column_labels)
		return false;
	/* Computed for another role (SET ROLE since): unknown, so masked. */
	if (!gov_outer_valid ||
		(!InLocalUserIdChange() && !InSecurityRestrictedOperation() &&
		 GetUserId() != gov_outer_role))
		return true;
	return gov_outer_masked_any;
}

/*
 * For messages, which may be reported in an aborted transaction, before
 * the first statement, or while planning: is the statement's own role a
 * masked identity (governance_identity_masked()), as last computed,
 * without catalog access?  Unknown (nothing computed yet, or computed for
 * another role or identity since invalidated) counts as masked.
 */
bool
governance_identity_masked_last(void)
{
	if (!gov_outer_valid ||
		(!InLocalUserIdChange() && !InSecurityRestrictedOperation() &&
		 GetUserId() != gov_outer_role))
		return true;
	return gov_outer_masked_any;
}

const char *
governance_label_name(int label)
{
	return (label >= 0 && label < gov_nlabels) ? gov_labels[label].name : "(unknown)";
}

GovMaskKind
governance_label_kind(int label)
{
	return (label >= 0 && label < gov_nlabels) ? gov_labels[label].kind : GOV_MASK_NULL;
}

Oid
governance_mask_function_oid(GovMaskKind kind)
{
	return gov_mask_fn[kind];
}

/* Read one relation's own governance labels from pg_seclabel. */
static void
gov_own_labels(Oid relid, List **attnums, List **labels)
{
	Relation	rel = table_open(SecLabelRelationId, AccessShareLock);
	SysScanDesc scan;
	ScanKeyData keys[2];
	HeapTuple	tup;

	ScanKeyInit(&keys[0], Anum_pg_seclabel_objoid, BTEqualStrategyNumber,
				F_OIDEQ, ObjectIdGetDatum(relid));
	ScanKeyInit(&keys[1], Anum_pg_seclabel_classoid, BTEqualStrategyNumber,
				F_OIDEQ, ObjectIdGetDatum(RelationRelationId));
	scan = systable_beginscan(rel, SecLabelObjectIndexId, true, NULL, 2, keys);
	while (HeapTupleIsValid(tup = systable_getnext(scan)))
	{
		FormData_pg_seclabel *sl = (FormData_pg_seclabel *) GETSTRUCT(tup);
		bool		isnull;
		Datum		provider = heap_getattr(tup, Anum_pg_seclabel_provider,
										   RelationGetDescr(rel), &isnull);
		Datum		label;

		if (isnull || sl->objsubid <= 0 ||
			strcmp(TextDatumGetCString(provider), GOV_LABEL_PROVIDER) != 0)
			continue;
		label = heap_getattr(tup, Anum_pg_seclabel_label, RelationGetDescr(rel), &isnull);
		if (isnull)
			continue;
		*attnums = lappend_int(*attnums, sl->objsubid);
		*labels = lappend(*labels, TextDatumGetCString(label));
	}
	systable_endscan(scan);
	table_close(rel, AccessShareLock);
}

/* The direct parents of a relation (partition parent, INHERITS). */
static List *
gov_parents(Oid relid)
{
	Relation	rel = table_open(InheritsRelationId, AccessShareLock);
	SysScanDesc scan;
	ScanKeyData key;
	HeapTuple	tup;
	List	   *out = NIL;

	ScanKeyInit(&key, Anum_pg_inherits_inhrelid, BTEqualStrategyNumber,
				F_OIDEQ, ObjectIdGetDatum(relid));
	scan = systable_beginscan(rel, InheritsRelidSeqnoIndexId, true, NULL, 1, &key);
	while (HeapTupleIsValid(tup = systable_getnext(scan)))
		out = lappend_oid(out, ((Form_pg_inherits) GETSTRUCT(tup))->inhparent);
	systable_endscan(scan);
	table_close(rel, AccessShareLock);
	return out;
}

/*
 * Collect the labels of relid and of its ancestors, as attnums of relid.
 * A column labelled twice keeps the first label found (its own).
 */
static void
gov_collect_labels(Oid relid, Oid target, List **attnums, List **labels, int depth)
{
	List	   *own_att = NIL;
	List	   *own_lab = NIL;
	ListCell   *a,
			   *l;

	if (depth > 64)
		return;
	gov_own_labels(relid, &own_att, &own_lab);
	forboth(a, own_att, l, own_lab)
	{
		AttrNumber	att = lfirst_int(a);

		if (relid != target)
		{
			char	   *name = get_attname(relid, att, true);

			att = name ? get_attnum(target, name) : InvalidAttrNumber;
			if (att == InvalidAttrNumber)
				continue;
		}
		if (!list_member_int(*attnums, att))
		{
			*attnums = lappend_int(*attnums, att);
			*labels = lappend(*labels, lfirst(l));
		}
	}
	foreach(a, gov_parents(relid))
		gov_collect_labels(lfirst_oid(a), target, attnums, labels, depth + 1);
}

/*
 * The labelled columns of a relation, its ancestors' labels included;
 * NULL (and *n = 0) when it has none.  Valid until the next refresh.
 */
const GovColumnLabel *
governance_relation_labels(Oid relid, int *n)
{
	GovRelLabels *e;
	bool		found;

	*n = 0;
	if (gov_rel_labels == NULL || !gov_any_column_labels)
		return NULL;
	e = hash_search(gov_rel_labels, &relid, HASH_ENTER, &found);
	if (!found || !e->valid)
	{
		List	   *attnums = NIL;
		List	   *labels = NIL;
		ListCell   *a,
				   *l;
		int			i = 0;

		/*
		 * Valid first, so an invalidation while collecting makes the next
		 * call collect again; invalid again if collecting fails, or the
		 * relation would read as unlabelled from then on.
		 */
		e->valid = true;
		e->n = 0;
		e->cols = NULL;
		PG_TRY();
		{
			gov_collect_labels(relid, relid, &attnums, &labels, 0);
		}
		PG_CATCH();
		{
			e->valid = false;
			PG_RE_THROW();
		}
		PG_END_TRY();
		if (attnums != NIL)
		{
			e->cols = MemoryContextAlloc(GovLabelsContext,
										 sizeof(GovColumnLabel) * list_length(attnums));
			forboth(a, attnums, l, labels)
			{
				e->cols[i].attnum = lfirst_int(a);
				e->cols[i].label = gov_label_index(lfirst(l));
				i++;
			}
			e->n = i;
		}
	}
	*n = e->n;
	return e->cols;
}

/* Are labels loaded, and do columns carry any? */
bool
governance_labels_cached(void)
{
	return gov_rel_labels != NULL && gov_any_column_labels;
}

/* The label of one column, or GOV_NO_LABEL. */
int
governance_column_label_of(Oid relid, AttrNumber attnum)
{
	int			n;
	const GovColumnLabel *cols = governance_relation_labels(relid, &n);

	for (int i = 0; i < n; i++)
		if (cols[i].attnum == attnum)
			return cols[i].label;
	return GOV_NO_LABEL;
}

void
governance_labels_init(void)
{
	CacheRegisterRelcacheCallback(gov_labels_relcache_cb, (Datum) 0);
	CacheRegisterSyscacheCallback(AUTHOID, gov_labels_authid_cb, (Datum) 0);
	CacheRegisterSyscacheCallback(AUTHMEMROLEMEM, gov_labels_authid_cb, (Datum) 0);
}

/* Make every backend read the labels again when this transaction commits. */
void
governance_labels_changed(Oid relid)
{
	Oid			schema = governance_schema_oid();
	Oid			sentinel = OidIsValid(schema) ? get_relname_relid("labels", schema) : InvalidOid;

	if (OidIsValid(sentinel))
		CacheInvalidateRelcacheByRelid(sentinel);
	if (OidIsValid(relid))
		CacheInvalidateRelcacheByRelid(relid);
	gov_labels_mark_stale();
}
