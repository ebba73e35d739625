/*-------------------------------------------------------------------------
 *
 * labels_sql.c
 *	  SQL interface of labels: labelling columns, the security label
 *	  provider, the triggers guarding the taxonomy and the grants, and the
 *	  statistics filters the rewrite applies.
 *
 * A column label is a security label of provider "governance".  It can be
 * set two ways, governance.label_column() and SECURITY LABEL FOR
 * governance (what pg_dump writes); both pass gov_check_column_label(), so
 * the rules are the same: admins only, a known label, a column whose type
 * the label's mask serves, on a table (not a view, not a partition).  Both
 * record an audit event at commit and invalidate every backend's labels.
 *
 * src/mask/labels_sql.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "catalog/index.h"
#include "catalog/indexing.h"
#include "catalog/pg_class.h"
#include "catalog/pg_inherits.h"
#include "catalog/pg_seclabel.h"
#include "catalog/pg_statistic_ext.h"
#include "commands/seclabel.h"
#include "commands/trigger.h"
#include "fmgr.h"
#include "governance/audit.h"
#include "governance/audit_record.h"
#include "governance/common.h"
#include "governance/identity.h"
#include "governance/mask.h"
#include "governance/policy_rule.h"
#include "miscadmin.h"
#include "storage/lmgr.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/syscache.h"

#define GOV_LABEL_PROVIDER	"governance"

static void
gov_require_admin(const char *what)
{
	if (!governance_role_is_admin(GetUserId()))
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("permission denied to %s", what),
				 errhint("Labels and unmask grants are managed by superusers and members of governance_admin.")));
}

/* Record a label change; it is written when the transaction commits. */
static void
gov_label_event(const char *action, const char *label, const char *mask,
				const char *principal, const char *column, const char *detail)
{
	char		buf[2048];
	GovAuditRecord r;

	gov_audit_record_init(&r, buf, sizeof(buf));
	governance_audit_common(&r, "label", action, governance_current_identity());
	gov_audit_put_str(&r, GOV_AF_LABEL, label);
	if (mask)
		gov_audit_put_str(&r, GOV_AF_MASK, mask);
	if (principal)
		gov_audit_put_str(&r, GOV_AF_PRINCIPAL, principal);
	if (column)
		gov_audit_put_strs(&r, GOV_AF_COLUMNS, &column, 1);
	if (detail)
		gov_audit_put_str(&r, GOV_AF_DETAIL, detail);
	governance_audit_at_commit(&r);
}

/* Look a label up in governance.labels as this transaction sees it. */
static bool
gov_find_label(const char *label, GovMaskKind *kind)
{
	Oid			schema = governance_schema_oid();
	Oid			relid = OidIsValid(schema) ? get_relname_relid("labels", schema) : InvalidOid;
	Relation	rel;
	SysScanDesc scan;
	ScanKeyData key;
	HeapTuple	tup;
	bool		found = false;

	if (!OidIsValid(relid))
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("extension \"governance\" is not installed in this database"),
				 errhint("Run CREATE EXTENSION governance first.")));
	rel = table_open(relid, AccessShareLock);
	ScanKeyInit(&key, 1, BTEqualStrategyNumber, F_TEXTEQ, CStringGetTextDatum(label));
	scan = systable_beginscan(rel, InvalidOid, false, NULL, 1, &key);
	if (HeapTupleIsValid(tup = systable_getnext(scan)))
	{
		bool		isnull;
		Datum		mask = heap_getattr(tup, 2, RelationGetDescr(rel), &isnull);

		found = true;
		if (isnull || !governance_mask_kind_parse(TextDatumGetCString(mask), kind))
			*kind = GOV_MASK_NULL;
	}
	systable_endscan(scan);
	table_close(rel, AccessShareLock);
	return found;
}

/*
 * May this column carry this label (NULL: lose its label)?  Errors out
 * with the reason if not.  Whether the caller may change labels at all
 * is the caller's to check first.
 */
static void
gov_check_column_label(Oid relid, AttrNumber attnum, const char *label,
					   bool from_statement)
{
	char		relkind = get_rel_relkind(relid);
	HeapTuple	atttup;
	Form_pg_attribute att;
	GovMaskKind kind;

	if (relkind == RELKIND_VIEW)
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("cannot label a column of view \"%s\"", get_rel_name(relid)),
				 errhint("Label the columns of the tables the view reads: reads through the view are masked.")));
	if (relkind != RELKIND_RELATION && relkind != RELKIND_PARTITIONED_TABLE &&
		relkind != RELKIND_MATVIEW && relkind != RELKIND_FOREIGN_TABLE)
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("\"%s\" is not a table, materialized view or foreign table",
						get_rel_name(relid))));
	if (attnum <= 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_COLUMN_REFERENCE),
				 errmsg("cannot label a system column")));
	atttup = SearchSysCache2(ATTNUM, ObjectIdGetDatum(relid), Int16GetDatum(attnum));
	if (!HeapTupleIsValid(atttup))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_COLUMN),
				 errmsg("column %d of relation \"%s\" does not exist", attnum,
						get_rel_name(relid))));
	att = (Form_pg_attribute) GETSTRUCT(atttup);
	if (att->attisdropped)
	{
		ReleaseSysCache(atttup);
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_COLUMN),
				 errmsg("column %d of relation \"%s\" has been dropped", attnum,
						get_rel_name(relid))));
	}

	/*
	 * A column a parent gives (attinhcount > 0: every column of a
	 * partition) carries the parent's label: reads through the parent
	 * deliver it under the parent's column, which only the parent's label
	 * masks, and a label of its own would make the two disagree.  A column
	 * an inheritance child has and its parents lack (attinhcount = 0) is
	 * another matter: no read of a parent ever delivers it (the parent's
	 * scan of the child projects the parent's columns only), and a read of
	 * the child masks it by the child's own labels.  It may be labelled;
	 * what would make a parent deliver it later (ALTER TABLE parent ADD
	 * COLUMN of its name, merged into it) is refused (src/mask/utility.c).
	 */
	if (label != NULL && att->attinhcount > 0)
	{
		ReleaseSysCache(atttup);
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("cannot label column \"%s\" of \"%s\", which it inherits from another table",
						get_attname(relid, attnum, false), get_rel_name(relid)),
				 errhint("Label the column of its parent: partitions and children carry their parents' labels.")));
	}
	if (label != NULL)
	{
		bool		known = gov_find_label(label, &kind);

		if (!known && from_statement)
		{
			/*
			 * pg_dump restores column labels before the extension's tables'
			 * rows, so a label of the DBA's own may not be defined yet.  The
			 * column then reads NULL to everyone but superusers until it is.
			 */
			ereport(WARNING,
					(errcode(ERRCODE_UNDEFINED_OBJECT),
					 errmsg("label \"%s\" is not defined", label),
					 errdetail("Until it is, column \"%s\" reads NULL for everyone but superusers.",
							   NameStr(att->attname)),
					 errhint("Define it with governance.define_label().")));
			ReleaseSysCache(atttup);
			return;
		}
		if (!known)
			ereport(ERROR,
					(errcode(ERRCODE_UNDEFINED_OBJECT),
					 errmsg("label \"%s\" does not exist", label),
					 errhint("See governance.labels, or define it with governance.define_label().")));
		if (!governance_mask_supports(kind, att->atttypid))
			ereport(ERROR,
					(errcode(ERRCODE_DATATYPE_MISMATCH),
					 errmsg("label \"%s\" cannot be put on column \"%s\" of type %s",
							label, NameStr(att->attname), format_type_be(att->atttypid)),
					 errdetail("Its mask, \"%s\", cannot produce a value of that type.",
							   governance_mask_kind_name(kind)),
					 errhint("Choose a label whose mask serves the type, or define one with governance.define_label().")));
	}
	ReleaseSysCache(atttup);
}

/*
 * After a column label changed: invalidate, and record it (with why, if
 * the extension itself made the change).
 */
static void
gov_column_label_changed(Oid relid, AttrNumber attnum, const char *label,
						 const char *old, const char *why)
{
	char	   *rel = get_rel_name(relid);
	char	   *nsp = get_namespace_name(get_rel_namespace(relid));
	char	   *col = get_attname(relid, attnum, false);
	char	   *qualified = psprintf("%s.%s.%s", nsp, rel, col);

	governance_labels_changed(relid);
	if (label != NULL)
		governance_warn_attached_code(relid, attnum);
	gov_label_event(label ? "column_labelled" : "column_unlabelled",
					label ? label : old, NULL, NULL, qualified, why);
}

/* The provider hook: SECURITY LABEL FOR governance ON COLUMN ... */
static void
gov_seclabel_hook(const ObjectAddress *object, const char *seclabel)
{
	char	   *old;

	if (object->classId != RelationRelationId || object->objectSubId == 0)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("governance labels are put on columns only"),
				 errhint("Use SECURITY LABEL FOR governance ON COLUMN table.column IS 'label'.")));
	gov_require_admin(seclabel ? "label columns" : "remove column labels");
	gov_check_column_label(object->objectId, object->objectSubId, seclabel, true);
	old = GetSecurityLabel(object, GOV_LABEL_PROVIDER);
	gov_column_label_changed(object->objectId, object->objectSubId, seclabel, old,
							 NULL);
}

void
governance_mask_provider_init(void)
{
	register_label_provider(GOV_LABEL_PROVIDER, gov_seclabel_hook);
}

static AttrNumber
gov_column_arg(Oid relid, Name column)
{
	AttrNumber	attnum = get_attnum(relid, NameStr(*column));

	if (attnum == InvalidAttrNumber)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_COLUMN),
				 errmsg("column \"%s\" of relation \"%s\" does not exist",
						NameStr(*column), get_rel_name(relid))));
	return attnum;
}

/* governance.label_column(relation regclass, column_name name, label text) */
PG_FUNCTION_INFO_V1(governance_label_column_1_0);
Datum
governance_label_column_1_0(PG_FUNCTION_ARGS)
{
	Oid			relid;
	AttrNumber	attnum;
	char	   *label;
	ObjectAddress addr;
	char	   *old;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1) || PG_ARGISNULL(2))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("relation, column and label must not be null"),
				 errhint("Remove a label with governance.unlabel_column().")));
	relid = PG_GETARG_OID(0);
	gov_require_admin("label columns");
	if (!SearchSysCacheExists1(RELOID, ObjectIdGetDatum(relid)))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_TABLE),
				 errmsg("relation with OID %u does not exist", relid)));
	attnum = gov_column_arg(relid, PG_GETARG_NAME(1));
	label = text_to_cstring(PG_GETARG_TEXT_PP(2));
	/* Lock out concurrent DDL on the table while its label changes. */
	LockRelationOid(relid, ShareUpdateExclusiveLock);
	gov_check_column_label(relid, attnum, label, false);
	ObjectAddressSubSet(addr, RelationRelationId, relid, attnum);
	old = GetSecurityLabel(&addr, GOV_LABEL_PROVIDER);
	SetSecurityLabel(&addr, GOV_LABEL_PROVIDER, label);
	gov_column_label_changed(relid, attnum, label, old, NULL);
	PG_RETURN_VOID();
}

/* governance.unlabel_column(relation regclass, column_name name) */
PG_FUNCTION_INFO_V1(governance_unlabel_column_1_0);
Datum
governance_unlabel_column_1_0(PG_FUNCTION_ARGS)
{
	Oid			relid;
	AttrNumber	attnum;
	ObjectAddress addr;
	char	   *old;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("relation and column must not be null")));
	relid = PG_GETARG_OID(0);
	gov_require_admin("remove column labels");
	if (!SearchSysCacheExists1(RELOID, ObjectIdGetDatum(relid)))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_TABLE),
				 errmsg("relation with OID %u does not exist", relid)));
	attnum = gov_column_arg(relid, PG_GETARG_NAME(1));
	LockRelationOid(relid, ShareUpdateExclusiveLock);
	ObjectAddressSubSet(addr, RelationRelationId, relid, attnum);
	old = GetSecurityLabel(&addr, GOV_LABEL_PROVIDER);
	if (old == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("column \"%s\" of relation \"%s\" has no label",
						NameStr(*PG_GETARG_NAME(1)), get_rel_name(relid))));
	SetSecurityLabel(&addr, GOV_LABEL_PROVIDER, NULL);
	gov_column_label_changed(relid, attnum, NULL, old, NULL);
	PG_RETURN_VOID();
}

/*
 * Put a label on a column for the extension itself (discovery and
 * auto_label): the column is checked as label_column() checks it, but
 * not the caller, who need not administer governance (a table's creator
 * under governance.auto_label = apply).  The change is invalidated and
 * audited exactly as label_column()'s, with why in the event's detail.
 */
void
governance_set_column_label(Oid relid, AttrNumber attnum, const char *label,
							const char *why)
{
	ObjectAddress addr;
	char	   *old;

	LockRelationOid(relid, ShareUpdateExclusiveLock);
	gov_check_column_label(relid, attnum, label, false);
	ObjectAddressSubSet(addr, RelationRelationId, relid, attnum);
	old = GetSecurityLabel(&addr, GOV_LABEL_PROVIDER);
	SetSecurityLabel(&addr, GOV_LABEL_PROVIDER, label);
	gov_column_label_changed(relid, attnum, label, old, why);
}

/*
 * The label a column carries itself (not through a parent), or NULL.
 */
char *
governance_column_own_label(Oid relid, AttrNumber attnum)
{
	ObjectAddress addr;

	ObjectAddressSubSet(addr, RelationRelationId, relid, attnum);
	return GetSecurityLabel(&addr, GOV_LABEL_PROVIDER);
}

/*
 * Is the label defined, and can its mask produce a value of this type?
 * Discovery asks before it proposes a label it could not put on.
 */
bool
governance_label_serves(const char *label, Oid typid)
{
	GovMaskKind kind;

	return gov_find_label(label, &kind) && governance_mask_supports(kind, typid);
}

typedef struct GovLabelUses
{
	const char *label;			/* NULL: any label */
	GovMaskKind kind;
	const char *unserved;		/* a column the kind cannot serve */
	int			n;
} GovLabelUses;

static bool
gov_count_use(Oid relid, AttrNumber attnum, const char *label, void *arg)
{
	GovLabelUses *u = arg;

	if (label == NULL || (u->label != NULL && strcmp(label, u->label) != 0))
		return false;
	u->n++;
	if (u->unserved == NULL &&
		!governance_mask_supports(u->kind, get_atttype(relid, attnum)))
		u->unserved = psprintf("%s.%s", get_rel_name(relid),
							   get_attname(relid, attnum, false));
	return false;
}

/*
 * How many columns carry this label (any label, when label is NULL)?
 * With unserved, also one whose type the mask kind cannot serve.
 */
static int
gov_label_uses(const char *label, GovMaskKind kind, const char **unserved)
{
	GovLabelUses u = {label, kind, NULL, 0};

	(void) governance_scan_column_labels(gov_count_use, &u);
	if (unserved != NULL)
		*unserved = u.unserved;
	return u.n;
}

static char *
gov_tuple_text(HeapTuple tup, TupleDesc desc, int att)
{
	bool		isnull;
	Datum		d = heap_getattr(tup, att, desc, &isnull);

	return isnull ? NULL : TextDatumGetCString(d);
}

/* The tables whose triggers the functions below are. */
static const char *const gov_labels_table[] = {"labels", NULL};
static const char *const gov_grants_table[] = {"unmask_grants", NULL};
static const char *const gov_label_tables[] = {"labels", "unmask_grants", NULL};

/*
 * BEFORE trigger on governance.labels: a label's name is an identifier, its
 * mask one the code knows and serving every column that carries it; a
 * label in use is neither renamed nor dropped.
 */
PG_FUNCTION_INFO_V1(governance_label_check_1_0);
Datum
governance_label_check_1_0(PG_FUNCTION_ARGS)
{
	TriggerData *trig = governance_own_trigger(fcinfo, gov_labels_table);
	TupleDesc	desc;
	char	   *name;
	char	   *old = NULL;
	char	   *mask;
	GovMaskKind kind;
	const char *unserved = NULL;
	int			uses;

	if (TRIGGER_FIRED_BY_TRUNCATE(trig->tg_event))
	{
		if ((uses = gov_label_uses(NULL, GOV_MASK_NULL, NULL)) > 0)
			ereport(ERROR,
					(errcode(ERRCODE_DEPENDENT_OBJECTS_STILL_EXIST),
					 errmsg("cannot empty governance.labels while columns carry labels"),
					 errdetail_plural("%d column carries a label.", "%d columns carry a label.", uses, uses)));
		return PointerGetDatum(NULL);
	}
	desc = RelationGetDescr(trig->tg_relation);
	if (!TRIGGER_FIRED_BY_INSERT(trig->tg_event))
		old = gov_tuple_text(trig->tg_trigtuple, desc, 1);
	if (TRIGGER_FIRED_BY_DELETE(trig->tg_event))
	{
		if ((uses = gov_label_uses(old, GOV_MASK_NULL, NULL)) > 0)
			ereport(ERROR,
					(errcode(ERRCODE_DEPENDENT_OBJECTS_STILL_EXIST),
					 errmsg("label \"%s\" is in use", old),
					 errdetail_plural("%d column carries it.", "%d columns carry it.", uses, uses),
					 errhint("Remove it from them with governance.unlabel_column() first; see governance.column_labels.")));
		return PointerGetDatum(trig->tg_trigtuple);
	}
	name = gov_tuple_text(trig->tg_newtuple ? trig->tg_newtuple : trig->tg_trigtuple, desc, 1);
	mask = gov_tuple_text(trig->tg_newtuple ? trig->tg_newtuple : trig->tg_trigtuple, desc, 2);
	if (name == NULL || name[0] == '\0' || strspn(name, "abcdefghijklmnopqrstuvwxyz0123456789_") != strlen(name))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid label name \"%s\"", name ? name : ""),
				 errdetail("A label name is made of lower-case letters, digits and underscores.")));
	if (mask == NULL || !governance_mask_kind_parse(mask, &kind))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("unknown mask \"%s\"", mask ? mask : ""),
				 errdetail("The masks are partial, email, redact, pseudonym and null.")));
	if (old != NULL && strcmp(old, name) != 0 &&
		(uses = gov_label_uses(old, GOV_MASK_NULL, NULL)) > 0)
		ereport(ERROR,
				(errcode(ERRCODE_DEPENDENT_OBJECTS_STILL_EXIST),
				 errmsg("cannot rename label \"%s\": it is in use", old),
				 errdetail_plural("%d column carries it.", "%d columns carry it.", uses, uses)));
	if (gov_label_uses(name, kind, &unserved) > 0 && unserved != NULL)
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("mask \"%s\" cannot serve every column labelled \"%s\"", mask, name),
				 errdetail("Column %s has a type the mask cannot produce.", unserved)));
	return PointerGetDatum(trig->tg_newtuple ? trig->tg_newtuple : trig->tg_trigtuple);
}

/* BEFORE trigger on governance.unmask_grants: the principal must parse. */
PG_FUNCTION_INFO_V1(governance_unmask_grant_check_1_0);
Datum
governance_unmask_grant_check_1_0(PG_FUNCTION_ARGS)
{
	TriggerData *trig = governance_own_trigger(fcinfo, gov_grants_table);
	HeapTuple	tup;
	char	   *principal;
	GovPrincipal p;
	char		err[256];

	tup = trig->tg_newtuple ? trig->tg_newtuple : trig->tg_trigtuple;
	principal = gov_tuple_text(tup, RelationGetDescr(trig->tg_relation), 2);
	if (principal == NULL || !governance_principal_parse(principal, &p, err, sizeof(err)))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid principal \"%s\"", principal ? principal : ""),
				 errdetail("%s", principal ? err : "A principal is required."),
				 errhint("Principals are written as in policy rules: sub:<glob>, actor:<glob>, role:<glob>, db:<glob>, token, agent.")));
	if (p.negated || p.kind == GOV_PRINCIPAL_ANY)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("principal \"%s\" cannot be unmasked", principal),
				 errdetail("An unmask grant names who reads clear values; \"any\" and negated patterns would unmask nearly everyone."),
				 errhint("Name the subjects, actors or roles that may read clear values.")));
	return PointerGetDatum(tup);
}

/*
 * AFTER trigger on governance.labels and governance.unmask_grants: every
 * backend reads them again, and the change is recorded.
 */
PG_FUNCTION_INFO_V1(governance_labels_changed_1_0);
Datum
governance_labels_changed_1_0(PG_FUNCTION_ARGS)
{
	TriggerData *trig = governance_own_trigger(fcinfo, gov_label_tables);
	bool		grants;
	HeapTuple	tup;
	TupleDesc	desc;
	const char *action;

	governance_labels_changed(InvalidOid);
	grants = strcmp(RelationGetRelationName(trig->tg_relation), "unmask_grants") == 0;
	if (TRIGGER_FIRED_BY_TRUNCATE(trig->tg_event))
	{
		gov_label_event(grants ? "unmask_grants_truncated" : "labels_truncated",
						NULL, NULL, NULL, NULL, NULL);
		return PointerGetDatum(NULL);
	}
	desc = RelationGetDescr(trig->tg_relation);
	tup = TRIGGER_FIRED_BY_UPDATE(trig->tg_event) ? trig->tg_newtuple : trig->tg_trigtuple;
	if (TRIGGER_FIRED_BY_INSERT(trig->tg_event))
		action = grants ? "unmask_granted" : "label_defined";
	else if (TRIGGER_FIRED_BY_UPDATE(trig->tg_event))
		action = grants ? "unmask_grant_changed" : "label_changed";
	else
		action = grants ? "unmask_revoked" : "label_dropped";
	gov_label_event(action, gov_tuple_text(tup, desc, 1),
					grants ? NULL : gov_tuple_text(tup, desc, 2),
					grants ? gov_tuple_text(tup, desc, 2) : NULL, NULL, NULL);
	return PointerGetDatum(NULL);
}

/*
 * governance.stat_visible(starelid oid, staattnum int2): may the acting
 * principal see the statistics of this column?  Not when it reads the
 * column masked: pg_stats would show clear values.  The rewrite adds it
 * as a security qual on every read of pg_statistic.
 */
PG_FUNCTION_INFO_V1(governance_stat_visible_1_0);
Datum
governance_stat_visible_1_0(PG_FUNCTION_ARGS)
{
	Oid			relid = PG_GETARG_OID(0);
	AttrNumber	attnum = PG_GETARG_INT16(1);
	int			label;

	if (!governance_masking_possible())
		PG_RETURN_BOOL(true);
	/* An expression index's statistics are of its table's columns. */
	if (get_rel_relkind(relid) == RELKIND_INDEX ||
		get_rel_relkind(relid) == RELKIND_PARTITIONED_INDEX)
	{
		Oid			heap = IndexGetRelation(relid, true);
		int			n;
		const GovColumnLabel *cols = OidIsValid(heap) ?
			governance_relation_labels(heap, &n) : NULL;

		for (int i = 0; cols != NULL && i < n; i++)
			if (governance_label_masked(cols[i].label))
				PG_RETURN_BOOL(false);
		PG_RETURN_BOOL(true);
	}
	label = governance_column_label_of(relid, attnum);
	PG_RETURN_BOOL(label == GOV_NO_LABEL || !governance_label_masked(label));
}

/*
 * governance.stat_ext_visible(stxoid oid): the same for extended
 * statistics, hidden when their table has any column read masked.
 */
PG_FUNCTION_INFO_V1(governance_stat_ext_visible_1_0);
Datum
governance_stat_ext_visible_1_0(PG_FUNCTION_ARGS)
{
	Oid			stxoid = PG_GETARG_OID(0);
	HeapTuple	tup = SearchSysCache1(STATEXTOID, ObjectIdGetDatum(stxoid));
	Oid			relid;
	int			n;
	const GovColumnLabel *cols;

	if (!governance_masking_possible())
	{
		if (HeapTupleIsValid(tup))
			ReleaseSysCache(tup);
		PG_RETURN_BOOL(true);
	}
	if (!HeapTupleIsValid(tup))
		PG_RETURN_BOOL(false);
	relid = ((Form_pg_statistic_ext) GETSTRUCT(tup))->stxrelid;
	ReleaseSysCache(tup);
	cols = governance_relation_labels(relid, &n);
	for (int i = 0; i < n; i++)
		if (governance_label_masked(cols[i].label))
			PG_RETURN_BOOL(false);
	PG_RETURN_BOOL(true);
}
