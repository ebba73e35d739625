/*-------------------------------------------------------------------------
 *
 * namepath.c
 *	  Code someone else wrote never resolves a name where a masked
 *	  identity can plant one.
 *
 * An administrator's trigger on a labelled table sees clear values: that
 * is its job (NEW.email := lower(NEW.email)).  But a PL/pgSQL or SQL
 * function resolves the names in its body when it runs, through the
 * session's search_path, which the masked identity sets: with its own
 * schema first it shadows lower(), = or ||, or a table the code writes to,
 * and its function receives the clear values.  pg_temp, searched first for
 * relations unless listed, does the same for tables.
 *
 * The rule: while a masked identity acts, a function in a language that
 * resolves names at run time (anything but C and internal), owned by a
 * role the identity is not a member of, runs with the search_path its
 * owner's code is meant to run with -- its own SET search_path, else what
 * a session of its owner would start with -- never the session's, minus
 * every schema the identity could have planted a name in (a role it can
 * act as, INHERIT or not, may create objects there, owns the schema, or
 * owns an object there), and with
 * pg_temp last; and its statements touch no relation of the session's
 * temporary schema that the call did not create itself.  The identity's
 * roles are the role it acts as and the session's user (unless a
 * superuser).  A procedure, which could end the transaction and the
 * setting with it, is refused instead when the path would change.  The
 * identity's own functions keep its path: they see masked values only.
 * Superusers, and identities that read nothing masked, are not affected.
 *
 * src/mask/namepath.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "access/xact.h"
#include "catalog/namespace.h"
#include "catalog/objectaccess.h"
#include "catalog/pg_language.h"
#include "catalog/pg_namespace.h"
#include "catalog/dependency.h"
#include "catalog/pg_auth_members.h"
#include "catalog/pg_authid.h"
#include "catalog/pg_db_role_setting.h"
#include "catalog/pg_class.h"
#include "catalog/pg_operator.h"
#include "catalog/pg_proc.h"
#include "catalog/pg_shdepend.h"
#include "catalog/pg_type.h"
#include "catalog/indexing.h"
#include "governance/mask.h"
#include "miscadmin.h"
#include "storage/proc.h"
#include "utils/acl.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/lsyscache.h"
#include "utils/regproc.h"
#include "utils/rel.h"
#include "utils/relcache.h"
#include "utils/guc.h"
#include "utils/inval.h"
#include "utils/memutils.h"
#include "utils/snapmgr.h"
#include "utils/catcache.h"
#include "utils/syscache.h"
#include "utils/varlena.h"

/*
 * The paths pinned calls run with, one per owner of code, for the roles
 * and the transaction they were computed in (settings of roles and
 * databases are read once per transaction).
 */
#define GOV_PATH_CACHE 8

typedef struct GovPathEntry
{
	Oid			owner;
	char	   *own;			/* the function's own SET search_path, or NULL */
	Oid			session;
	Oid			outer;
	LocalTransactionId lxid;
	char	   *path;			/* in TopMemoryContext */
} GovPathEntry;

static GovPathEntry gov_paths[GOV_PATH_CACHE];
static int	gov_npaths = 0;

static void
gov_path_forget(Datum arg, int cacheid, uint32 hashvalue)
{
	for (int i = 0; i < gov_npaths; i++)
	{
		pfree(gov_paths[i].path);
		if (gov_paths[i].own != NULL)
			pfree(gov_paths[i].own);
	}
	gov_npaths = 0;
}

/*
 * The roles whose names a masked identity controls: the role it acts as
 * (SET ROLE included), and the session's user unless that is a superuser
 * (an administrator's session that set a role to try it out).
 */
static bool
gov_session_user_counts(void)
{
	return GetSessionUserId() != GetOuterUserId() && !superuser_arg(GetSessionUserId());
}

/*
 * The schemas in which a role owns functions, operators, types or
 * relations: a name it planted there stays planted when its right to
 * create is revoked.  From the owner dependencies of pg_shdepend.
 */
static List *
gov_owned_object_schemas(Oid role, List *schemas)
{
	Relation	shdep = table_open(SharedDependRelationId, AccessShareLock);
	ScanKeyData key[2];
	SysScanDesc scan;
	HeapTuple	tup;

	ScanKeyInit(&key[0], Anum_pg_shdepend_refclassid, BTEqualStrategyNumber, F_OIDEQ,
				ObjectIdGetDatum(AuthIdRelationId));
	ScanKeyInit(&key[1], Anum_pg_shdepend_refobjid, BTEqualStrategyNumber, F_OIDEQ,
				ObjectIdGetDatum(role));
	scan = systable_beginscan(shdep, SharedDependReferenceIndexId, true, NULL, 2, key);
	while (HeapTupleIsValid(tup = systable_getnext(scan)))
	{
		Form_pg_shdepend d = (Form_pg_shdepend) GETSTRUCT(tup);
		Oid			nsp = InvalidOid;

		if (d->deptype != SHARED_DEPENDENCY_OWNER || d->dbid != MyDatabaseId)
			continue;
		if (d->classid == ProcedureRelationId)
			nsp = get_func_namespace(d->objid);
		else if (d->classid == RelationRelationId)
			nsp = get_rel_namespace(d->objid);
		else if (d->classid == OperatorRelationId)
		{
			HeapTuple	o = SearchSysCache1(OPEROID, ObjectIdGetDatum(d->objid));

			if (HeapTupleIsValid(o))
			{
				nsp = ((Form_pg_operator) GETSTRUCT(o))->oprnamespace;
				ReleaseSysCache(o);
			}
		}
		else if (d->classid == TypeRelationId)
		{
			HeapTuple	ty = SearchSysCache1(TYPEOID, ObjectIdGetDatum(d->objid));

			if (HeapTupleIsValid(ty))
			{
				nsp = ((Form_pg_type) GETSTRUCT(ty))->typnamespace;
				ReleaseSysCache(ty);
			}
		}
		if (OidIsValid(nsp))
			schemas = list_append_unique_oid(schemas, nsp);
	}
	systable_endscan(scan);
	table_close(shdep, AccessShareLock);
	return schemas;
}

/*
 * Every role the identity can act as: the role it acts as, the session's
 * user unless a superuser, and every role either is a member of, with or
 * without INHERIT (SET ROLE reaches those too).
 */
static List *
gov_identity_roles(void)
{
	List	   *roles = list_make1_oid(GetOuterUserId());

	if (gov_session_user_counts())
		roles = list_append_unique_oid(roles, GetSessionUserId());
	/* By index: the roles appended are visited in turn. */
	for (int r = 0; r < list_length(roles); r++)
	{
		CatCList   *memberships = SearchSysCacheList1(AUTHMEMMEMROLE,
													  ObjectIdGetDatum(list_nth_oid(roles, r)));

		for (int i = 0; i < memberships->n_members; i++)
		{
			Form_pg_auth_members m =
				(Form_pg_auth_members) GETSTRUCT(&memberships->members[i]->tuple);

			roles = list_append_unique_oid(roles, m->roleid);
		}
		ReleaseSysCacheList(memberships);
	}
	return roles;
}

/*
 * Could the identity have planted a name in nsp?  It could if any role it
 * can act as may create objects there, if it owns the schema (an owner
 * grants itself the right back at will), or if it owns an object there.
 */
static bool
gov_schema_planted(Oid nsp, List *roles, List *owned)
{
	HeapTuple	tup;
	Oid			owner = InvalidOid;
	ListCell   *lc;

	foreach(lc, roles)
		if (pg_namespace_aclcheck(nsp, lfirst_oid(lc), ACL_CREATE) == ACLCHECK_OK)
			return true;
	if (list_member_oid(owned, nsp))
		return true;
	tup = SearchSysCache1(NAMESPACEOID, ObjectIdGetDatum(nsp));
	if (HeapTupleIsValid(tup))
	{
		owner = ((Form_pg_namespace) GETSTRUCT(tup))->nspowner;
		ReleaseSysCache(tup);
	}
	return OidIsValid(owner) && list_member_oid(roles, owner);
}

/* Is the object the identity's own (owned by a role it belongs to)? */
bool
governance_identity_owns(Oid owner)
{
	return is_member_of_role(GetOuterUserId(), owner) ||
		(gov_session_user_counts() && is_member_of_role(GetSessionUserId(), owner));
}

/*
 * The search_path an owner's code is meant to run with: what a session of
 * the owner would start with in this database (ALTER ROLE ... IN DATABASE
 * SET, ALTER ROLE ... SET, ALTER DATABASE ... SET), else the server's
 * default, "$user", public.  Never the session's own path: the acting
 * identity chooses that, and with it which schemas the code finds names
 * in (a path of pg_temp alone leaves it nothing but the identity's).
 */
static char *
gov_owner_path(Oid owner)
{
	static const Oid pairs[3][2] = {{1, 1}, {0, 1}, {1, 0}};
	Relation	rel = table_open(DbRoleSettingRelationId, AccessShareLock);
	char	   *found = NULL;

	for (int k = 0; k < 3 && found == NULL; k++)
	{
		ScanKeyData key[2];
		SysScanDesc scan;
		HeapTuple	tup;

		ScanKeyInit(&key[0], Anum_pg_db_role_setting_setdatabase, BTEqualStrategyNumber,
					F_OIDEQ, ObjectIdGetDatum(pairs[k][0] ? MyDatabaseId : InvalidOid));
		ScanKeyInit(&key[1], Anum_pg_db_role_setting_setrole, BTEqualStrategyNumber,
					F_OIDEQ, ObjectIdGetDatum(pairs[k][1] ? owner : InvalidOid));
		scan = systable_beginscan(rel, DbRoleSettingDatidRolidIndexId, true, NULL, 2, key);
		if (HeapTupleIsValid(tup = systable_getnext(scan)))
		{
			bool		isnull;
			Datum		d = heap_getattr(tup, Anum_pg_db_role_setting_setconfig,
										 RelationGetDescr(rel), &isnull);

			if (!isnull)
			{
				ArrayType  *a = DatumGetArrayTypeP(d);
				Datum	   *items;
				int			n;

				deconstruct_array(a, TEXTOID, -1, false, TYPALIGN_INT, &items, NULL, &n);
				for (int i = 0; i < n && found == NULL; i++)
				{
					char	   *item = TextDatumGetCString(items[i]);

					if (pg_strncasecmp(item, "search_path=", 12) == 0)
						found = pstrdup(item + 12);
				}
			}
		}
		systable_endscan(scan);
	}
	table_close(rel, AccessShareLock);
	return found != NULL ? found : pstrdup("\"$user\", public");
}

/*
 * The owner's path with the schemas a masked identity could have planted a
 * name in removed, and pg_temp last; palloc'd in TopMemoryContext.
 */
static char *
gov_filtered_path(Oid owner, const char *own)
{
	char	   *raw = own != NULL ? pstrdup(own) : gov_owner_path(owner);
	List	   *names;
	ListCell   *lc;
	StringInfoData out;
	List	   *roles = gov_identity_roles();
	List	   *owned = NIL;

	foreach(lc, roles)
		owned = gov_owned_object_schemas(lfirst_oid(lc), owned);
	initStringInfo(&out);
	/* A path that cannot be read: pg_catalog alone. */
	if (SplitIdentifierString(raw, ',', &names))
	{
		foreach(lc, names)
		{
			const char *name = (const char *) lfirst(lc);
			Oid			nsp;

			if (strcmp(name, "$user") == 0)
				name = GetUserNameFromId(owner, true);
			if (name == NULL || strcmp(name, "pg_temp") == 0)
				continue;
			nsp = get_namespace_oid(name, true);
			if (!OidIsValid(nsp) || isAnyTempNamespace(nsp))
				continue;
			if (nsp != PG_CATALOG_NAMESPACE && gov_schema_planted(nsp, roles, owned))
				continue;
			if (out.len > 0)
				appendStringInfoString(&out, ", ");
			appendStringInfoString(&out, quote_identifier(name));
		}
	}
	if (out.len > 0)
		appendStringInfoString(&out, ", ");
	appendStringInfoString(&out, "pg_temp");
	pfree(raw);
	return MemoryContextStrdup(TopMemoryContext, out.data);
}

/*
 * The path code of this owner runs with (own: the function's own SET
 * search_path, if it has one), computed once per transaction.
 */
static const char *
gov_pinned_path(Oid owner, const char *own)
{
	GovPathEntry *e = NULL;

	for (int i = 0; i < gov_npaths; i++)
		if (gov_paths[i].owner == owner && gov_paths[i].session == GetSessionUserId() &&
			gov_paths[i].outer == GetOuterUserId() && gov_paths[i].lxid == MyProc->lxid &&
			(own == NULL ? gov_paths[i].own == NULL :
			 gov_paths[i].own != NULL && strcmp(gov_paths[i].own, own) == 0))
			return gov_paths[i].path;
	if (gov_npaths == GOV_PATH_CACHE)
		gov_path_forget(0, 0, 0);
	e = &gov_paths[gov_npaths];
	e->path = gov_filtered_path(owner, own);
	e->own = own != NULL ? MemoryContextStrdup(TopMemoryContext, own) : NULL;
	e->owner = owner;
	e->session = GetSessionUserId();
	e->outer = GetOuterUserId();
	e->lxid = MyProc->lxid;
	gov_npaths++;
	return e->path;
}

/* Does a function's SET clause (proconfig) set search_path? */
static bool
gov_sets_search_path(HeapTuple proctup)
{
	bool		isnull;
	Datum		d = SysCacheGetAttr(PROCOID, proctup, Anum_pg_proc_proconfig, &isnull);
	Datum	   *items;
	int			n;
	bool		found = false;

	if (isnull)
		return false;
	deconstruct_array(DatumGetArrayTypeP(d), TEXTOID, -1, false, TYPALIGN_INT,
					  &items, NULL, &n);
	for (int i = 0; i < n && !found; i++)
		found = pg_strncasecmp(TextDatumGetCString(items[i]), "search_path=", 12) == 0;
	return found;
}

/*
 * Has the session made temporary relations or types since it last
 * discarded them?  Names of relations and types are looked up in pg_temp
 * wherever it stands in the path (a table, a domain, a table's row type):
 * one the identity made, named like one the code means -- or like one the
 * code's path lacks -- would receive the values the code handles.
 */
typedef enum GovTempState
{
	GOV_TEMP_NONE,				/* none made since the session began */
	GOV_TEMP_SOME,				/* some made, none discarded since */
	GOV_TEMP_UNKNOWN			/* a DISCARD committed: ask the catalog */
} GovTempState;

static GovTempState gov_temp_state = GOV_TEMP_NONE;

/* Does the session's temporary schema hold a relation or a type? */
static bool
gov_temp_schema_holds_objects(void)
{
	Oid			temp,
				temp_toast;
	static const Oid catalogs[2] = {RelationRelationId, TypeRelationId};
	bool		found = false;

	GetTempNamespaceState(&temp, &temp_toast);
	if (!OidIsValid(temp))
		return false;
	for (int k = 0; k < 2 && !found; k++)
	{
		Relation	rel = table_open(catalogs[k], AccessShareLock);
		ScanKeyData key;
		SysScanDesc scan;

		ScanKeyInit(&key, k == 0 ? Anum_pg_class_relnamespace : Anum_pg_type_typnamespace,
					BTEqualStrategyNumber, F_OIDEQ, ObjectIdGetDatum(temp));
		scan = systable_beginscan(rel, InvalidOid, false, NULL, 1, &key);
		found = HeapTupleIsValid(systable_getnext(scan));
		systable_endscan(scan);
		table_close(rel, AccessShareLock);
	}
	return found;
}

/* Has the identity temporary tables or types? */
static bool
gov_temp_objects(void)
{
	if (gov_temp_state == GOV_TEMP_UNKNOWN)
		gov_temp_state = gov_temp_schema_holds_objects() ? GOV_TEMP_SOME : GOV_TEMP_NONE;
	return gov_temp_state == GOV_TEMP_SOME;
}

/* The namespace of a relation or type just made, read past the catalog
 * snapshot (its row is not visible to it yet). */
static Oid
gov_new_object_namespace(Oid classId, Oid objectId)
{
	Relation	rel = table_open(classId, AccessShareLock);
	ScanKeyData key;
	SysScanDesc scan;
	HeapTuple	tup;
	Oid			nsp = InvalidOid;

	ScanKeyInit(&key, classId == RelationRelationId ? Anum_pg_class_oid : Anum_pg_type_oid,
				BTEqualStrategyNumber, F_OIDEQ, ObjectIdGetDatum(objectId));
	scan = systable_beginscan(rel, classId == RelationRelationId ? ClassOidIndexId : TypeOidIndexId,
							  true, SnapshotSelf, 1, &key);
	if (HeapTupleIsValid(tup = systable_getnext(scan)))
		nsp = classId == RelationRelationId ?
			((Form_pg_class) GETSTRUCT(tup))->relnamespace :
			((Form_pg_type) GETSTRUCT(tup))->typnamespace;
	systable_endscan(scan);
	table_close(rel, AccessShareLock);
	return nsp;
}

void
governance_namepath_object_access(ObjectAccessType access, Oid classId,
								  Oid objectId, int subId)
{
	if (access == OAT_POST_CREATE && subId == 0 && gov_temp_state != GOV_TEMP_SOME &&
		(classId == RelationRelationId || classId == TypeRelationId))
	{
		Oid			temp,
					temp_toast;

		GetTempNamespaceState(&temp, &temp_toast);
		if (OidIsValid(temp) &&
			isTempOrTempToastNamespace(gov_new_object_namespace(classId, objectId)))
			gov_temp_state = GOV_TEMP_SOME;
	}
}

/*
 * DISCARD TEMP (or ALL) ran: the flag is cleared when the transaction that
 * ran it commits, unless the subtransaction it ran in was rolled back --
 * a DISCARD that is undone brings every temporary object back.
 */
static SubTransactionId gov_discard_subid = InvalidSubTransactionId;

void
governance_temp_objects_discarded(void)
{
	gov_discard_subid = GetCurrentSubTransactionId();
}

void
governance_namepath_subxact_end(SubXactEvent event, SubTransactionId mySubid,
								SubTransactionId parentSubid)
{
	/* Undone with the subtransaction it ran in, or one that holds it. */
	if (event == SUBXACT_EVENT_ABORT_SUB && gov_discard_subid != InvalidSubTransactionId &&
		gov_discard_subid >= mySubid)
		gov_discard_subid = InvalidSubTransactionId;
}

/*
 * What each call through the hook opened, innermost last (calls nest, and
 * each start has one end or abort): the GUC nest level of the pinned path
 * (0: none; negative: closed by the function's own SET clauses) and the
 * error context that says so.
 */
typedef struct GovPin
{
	int			level;
	ErrorContextCallback *context;
	bool		foreign;		/* code another role wrote */
	CommandId	since_cid;		/* the command the call began in */
} GovPin;

static GovPin *gov_pins = NULL;
static int	gov_pin_depth = 0;
static int	gov_pin_size = 0;

/* An error in a pinned call says which path it ran with. */
static void
gov_pin_context(void *arg)
{
	errcontext("names resolved with search_path = %s (code another role wrote does not search schemas the acting identity can create objects in)",
			   (const char *) arg);
}

/*
 * What the pinning needs to know of a function, read from pg_proc once
 * and kept until pg_proc changes: a trigger calls its function once per
 * row, each call passing the hook.
 */
typedef struct GovFnFacts
{
	Oid			fn;				/* InvalidOid: empty */
	bool		runtime_names;	/* a language resolving names when it runs */
	bool		has_config;		/* has SET clauses */
	bool		own_path;		/* one of them sets search_path */
	char		kind;
	Oid			owner;
} GovFnFacts;

#define GOV_FN_FACTS 64
static GovFnFacts gov_fn_facts[GOV_FN_FACTS];

static void
gov_fn_facts_forget(Datum arg, int cacheid, uint32 hashvalue)
{
	memset(gov_fn_facts, 0, sizeof(gov_fn_facts));
}

static const GovFnFacts *
gov_fn_facts_of(Oid fn)
{
	GovFnFacts *f = &gov_fn_facts[fn % GOV_FN_FACTS];
	HeapTuple	tup;
	Form_pg_proc proc;

	if (f->fn == fn)
		return f;
	tup = SearchSysCache1(PROCOID, ObjectIdGetDatum(fn));
	if (!HeapTupleIsValid(tup))
		return NULL;
	proc = (Form_pg_proc) GETSTRUCT(tup);
	f->runtime_names = proc->prolang != INTERNALlanguageId && proc->prolang != ClanguageId;
	f->has_config = !heap_attisnull(tup, Anum_pg_proc_proconfig, NULL);
	f->own_path = f->has_config && gov_sets_search_path(tup);
	f->kind = proc->prokind;
	f->owner = proc->proowner;
	f->fn = fn;
	ReleaseSysCache(tup);
	return f;
}

/* Does fn run with the pinned path?  Its facts in *facts if so. */
static bool
gov_pin_needed(Oid fn, const GovFnFacts **facts)
{
	const GovFnFacts *f;

	if (!governance_mask_state_masked_any() || superuser_arg(GetOuterUserId()))
		return false;
	f = gov_fn_facts_of(fn);
	if (f == NULL || !f->runtime_names || governance_identity_owns(f->owner))
		return false;
	if (facts != NULL)
		*facts = f;
	return true;
}

bool
governance_namepath_needs_fmgr(Oid fn)
{
	return governance_mask_keeps_function(fn) || gov_pin_needed(fn, NULL);
}

/* Pin the path for this call, if it needs it. */
static void
gov_pin_start(Oid fn, GovPin *pin)
{
	const GovFnFacts *f = NULL;
	const char *path;

	pin->level = 0;
	pin->context = NULL;
	pin->since_cid = GetCurrentCommandId(false);
	pin->foreign = gov_pin_needed(fn, &f);
	if (!pin->foreign)
		return;
	if (gov_temp_objects())
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("%s, which another role wrote, does not run while a masked identity has temporary tables or types",
						format_procedure(fn)),
				 errdetail("Its names of tables and types are looked up in the session's temporary schema too, where a table or type of the identity's could receive the values it handles."),
				 errhint("DISCARD TEMP first, or use tables of a schema of your own.")));
	/* Its own SET clause is in force already (applied before this hook). */
	path = gov_pinned_path(f->owner, f->own_path ? namespace_search_path : NULL);
	if (strcmp(path, namespace_search_path) == 0)
		return;

	/*
	 * A procedure may end the transaction (COMMIT, ROLLBACK), and with it
	 * the setting: the rest of it would run with the session's path.  A
	 * function cannot, so only procedures are refused.
	 */
	if (f->kind == PROKIND_PROCEDURE)
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("procedure %s would resolve names in schemas the acting identity can create objects in",
						format_procedure(fn)),
				 errdetail("While a masked identity acts, code another role wrote resolves names with search_path = %s.", path),
				 errhint("SET search_path to schemas the identity cannot create objects in, with pg_temp last, before the CALL.")));
	pin->level = NewGUCNestLevel();
	(void) set_config_option("search_path", path, PGC_USERSET, PGC_S_SESSION,
							 GUC_ACTION_SAVE, true, 0, false);

	/*
	 * A function with SET clauses of its own closes their level, ours
	 * inside it, before the call's end reaches us: nothing to close then.
	 */
	if (f->has_config)
		pin->level = -pin->level;
	pin->context = MemoryContextAlloc(TopTransactionContext, sizeof(ErrorContextCallback));
	pin->context->callback = gov_pin_context;
	pin->context->arg = MemoryContextStrdup(TopTransactionContext, path);
	pin->context->previous = error_context_stack;
	error_context_stack = pin->context;
}

void
governance_namepath_fmgr(FmgrHookEventType event, FmgrInfo *flinfo)
{
	GovPin	   *pin;

	if (event == FHET_START)
	{
		GovPin		pin;

		/*
		 * Counted only once started: a call refused here never reaches
		 * the end or abort event that would uncount it.
		 */
		gov_pin_start(flinfo->fn_oid, &pin);
		if (gov_pin_depth == gov_pin_size)
		{
			int			size = gov_pin_size ? 2 * gov_pin_size : 16;

			gov_pins = gov_pins == NULL ?
				MemoryContextAlloc(TopMemoryContext, size * sizeof(GovPin)) :
				repalloc(gov_pins, size * sizeof(GovPin));
			gov_pin_size = size;
		}
		gov_pins[gov_pin_depth++] = pin;
		return;
	}
	if (gov_pin_depth == 0)
		return;
	pin = &gov_pins[--gov_pin_depth];

	/*
	 * On abort the (sub)transaction's end restores the setting, and the
	 * caller's PG_CATCH the error context stack.
	 */
	if (event != FHET_END || pin->context == NULL)
		return;
	if (error_context_stack == pin->context)
		error_context_stack = pin->context->previous;
	pfree(pin->context->arg);
	pfree(pin->context);
	if (pin->level > 0)
		AtEOXact_GUC(true, pin->level);
}

/*
 * A statement of code another role wrote, running for a masked identity,
 * touches no relation of the session's temporary schema that the call did
 * not create itself: pg_temp is searched for relations wherever it stands
 * in the path, so a temporary table of the identity's named like the
 * table the code meant (or like none it can find) would receive its clear
 * values.
 */
void
governance_foreign_code_check(PlannedStmt *pstmt)
{
	const GovPin *pin = NULL;
	ListCell   *lc;

	for (int i = gov_pin_depth - 1; i >= 0; i--)
		if (gov_pins[i].foreign)
		{
			pin = &gov_pins[i];
			break;
		}
	if (pin == NULL)
		return;
	foreach(lc, pstmt->rtable)
	{
		RangeTblEntry *rte = lfirst_node(RangeTblEntry, lc);
		HeapTuple	tup;
		bool		inside;

		if (rte->rtekind != RTE_RELATION || !isTempNamespace(get_rel_namespace(rte->relid)))
			continue;
		/*
		 * Made inside the call: its catalog row was written by this
		 * transaction at or after the command the call began in.
		 */
		tup = SearchSysCache1(RELOID, ObjectIdGetDatum(rte->relid));
		if (!HeapTupleIsValid(tup))
			continue;
		inside = TransactionIdIsCurrentTransactionId(HeapTupleHeaderGetXmin(tup->t_data)) &&
			HeapTupleHeaderGetCmin(tup->t_data) >= pin->since_cid;
		ReleaseSysCache(tup);
		if (!inside)
			ereport(ERROR,
					(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
					 errmsg("code another role wrote may not use temporary table \"%s\" of a masked identity",
							get_rel_name(rte->relid)),
					 errdetail("Temporary tables are found by name before any other, so one could receive the values that code handles."),
					 errhint("Qualify the names of tables in such code with their schema.")));
	}
}

/* A transaction that ends inside a pinned call (an error) leaves none. */
void
governance_namepath_xact_end(XactEvent event)
{
	if (event == XACT_EVENT_ABORT || event == XACT_EVENT_PARALLEL_ABORT)
		gov_pin_depth = 0;
	/*
	 * What the DISCARD left, and what was made after it, is the catalog's to
	 * say, at the next call that needs to know.
	 */
	if (event == XACT_EVENT_COMMIT && gov_discard_subid != InvalidSubTransactionId)
		gov_temp_state = GOV_TEMP_UNKNOWN;
	if (event == XACT_EVENT_COMMIT || event == XACT_EVENT_ABORT ||
		event == XACT_EVENT_PREPARE)
		gov_discard_subid = InvalidSubTransactionId;
}

void
governance_namepath_init(void)
{
	CacheRegisterSyscacheCallback(NAMESPACEOID, gov_path_forget, (Datum) 0);
	CacheRegisterSyscacheCallback(AUTHMEMROLEMEM, gov_path_forget, (Datum) 0);
	CacheRegisterSyscacheCallback(PROCOID, gov_path_forget, (Datum) 0);
	CacheRegisterSyscacheCallback(PROCOID, gov_fn_facts_forget, (Datum) 0);
	CacheRegisterSyscacheCallback(OPEROID, gov_path_forget, (Datum) 0);
	CacheRegisterSyscacheCallback(TYPEOID, gov_path_forget, (Datum) 0);
}
