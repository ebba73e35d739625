/*-------------------------------------------------------------------------
 *
 * catalog.c
 *	  The extension in the catalogs: its schema, its own triggers, its
 *	  administrators, and the internal statements it runs on its tables.
 *
 * The schema is found through pg_extension (a schema that merely has the
 * name is not the extension's) and remembered until pg_namespace changes.
 *
 * src/common/catalog.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/skey.h"
#include "access/table.h"
#include "access/xact.h"
#include "catalog/indexing.h"
#include "catalog/pg_class.h"
#include "catalog/pg_extension.h"
#include "commands/extension.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "governance/common.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/guc.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/syscache.h"

static Oid	gov_schema = InvalidOid;	/* cached; InvalidOid: look up */

/* The extension may have appeared or gone away. */
static void
gov_namespace_cb(Datum arg, int cacheid, uint32 hashvalue)
{
	gov_schema = InvalidOid;
}

void
governance_common_init(void)
{
	CacheRegisterSyscacheCallback(NAMESPACEOID, gov_namespace_cb, (Datum) 0);
}

/* The schema an extension lives in (not exported by PostgreSQL 15). */
static Oid
gov_extension_schema(Oid ext)
{
	Relation	rel = table_open(ExtensionRelationId, AccessShareLock);
	ScanKeyData key;
	SysScanDesc scan;
	HeapTuple	tup;
	Oid			nsp = InvalidOid;

	ScanKeyInit(&key, Anum_pg_extension_oid, BTEqualStrategyNumber, F_OIDEQ,
				ObjectIdGetDatum(ext));
	scan = systable_beginscan(rel, ExtensionOidIndexId, true, NULL, 1, &key);
	tup = systable_getnext(scan);
	if (HeapTupleIsValid(tup))
		nsp = ((Form_pg_extension) GETSTRUCT(tup))->extnamespace;
	systable_endscan(scan);
	table_close(rel, AccessShareLock);
	return nsp;
}

/*
 * The governance schema of this database, if the extension is created
 * here, remembered until pg_namespace changes.
 */
Oid
governance_schema_oid(void)
{
	/*
	 * The extension's own schema, found through the extension: a schema
	 * that merely has the name (made by a role in a database without the
	 * extension) is not the policy.
	 */
	if (!OidIsValid(gov_schema) && IsTransactionState())
	{
		Oid			ext = get_extension_oid("governance", true);

		if (OidIsValid(ext))
			gov_schema = gov_extension_schema(ext);
	}
	return gov_schema;
}

/*
 * The trigger data of a call of one of the extension's trigger functions,
 * which must be fired by one of the extension's own tables (named in
 * tables, NULL-terminated).  The functions are not executable by PUBLIC,
 * but a role that owns a table could still attach them through a role that
 * can: fired by any other table, they would record forged governance
 * events and invalidate every backend's caches, so they refuse.
 */
TriggerData *
governance_own_trigger(FunctionCallInfo fcinfo, const char *const *tables)
{
	TriggerData *trig = (TriggerData *) fcinfo->context;
	Oid			schema = governance_schema_oid();

	if (!CALLED_AS_TRIGGER(fcinfo))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("function %s can only be called as a trigger",
						get_func_name(fcinfo->flinfo->fn_oid))));
	if (OidIsValid(schema) &&
		RelationGetNamespace(trig->tg_relation) == schema)
	{
		for (int i = 0; tables[i] != NULL; i++)
			if (strcmp(RelationGetRelationName(trig->tg_relation), tables[i]) == 0)
				return trig;
	}
	ereport(ERROR,
			(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
			 errmsg("trigger function %s may only be fired by the governance extension's own tables",
					get_func_name(fcinfo->flinfo->fn_oid)),
			 errdetail("It was fired by relation \"%s\".",
					   RelationGetRelationName(trig->tg_relation))));
	return NULL;				/* keep the compiler quiet */
}

/*
 * Superusers and members of governance_admin: they manage labels, and
 * the policies on tables they own act on stored values (rewrite.c).
 */
bool
governance_role_is_admin(Oid role)
{
	Oid			admin;

	if (superuser_arg(role))
		return true;
	admin = get_role_oid("governance_admin", true);
	return OidIsValid(admin) && has_privs_of_role(role, admin);
}

/* The owner of governance.approvals, who runs the internal statements. */
static Oid
gov_approvals_owner(void)
{
	Oid			relid = get_relname_relid("approvals", governance_schema_oid());
	HeapTuple	tup;
	Oid			owner;

	if (!OidIsValid(relid))
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("the governance extension is not created in this database"),
				 errhint("Run CREATE EXTENSION governance.")));
	tup = SearchSysCache1(RELOID, ObjectIdGetDatum(relid));
	if (!HeapTupleIsValid(tup))
		elog(ERROR, "cache lookup failed for relation %u", relid);
	owner = ((Form_pg_class) GETSTRUCT(tup))->relowner;
	ReleaseSysCache(tup);
	return owner;
}

/*
 * Run one internal statement through SPI as the tables' owner with a safe
 * search path.  The caller has connected SPI; returns SPI_execute's code.
 */
int
governance_spi_internal(const char *sql, int nargs, Oid *types,
						Datum *values, const char *nulls)
{
	Oid			save_user;
	int			save_sec;
	int			nestlevel;
	volatile int rc = 0;

	GetUserIdAndSecContext(&save_user, &save_sec);
	SetUserIdAndSecContext(gov_approvals_owner(),
						   save_sec | SECURITY_LOCAL_USERID_CHANGE |
						   SECURITY_RESTRICTED_OPERATION);
	nestlevel = NewGUCNestLevel();
	governance_inhibit++;
	PG_TRY();
	{
		(void) set_config_option("search_path", "pg_catalog, pg_temp",
								 PGC_USERSET, PGC_S_SESSION, GUC_ACTION_SAVE,
								 true, 0, false);
		rc = SPI_execute_with_args(sql, nargs, types, values, nulls, false, 0);
	}
	PG_CATCH();
	{
		/* The (sub)transaction abort restores the setting and the user. */
		governance_inhibit--;
		PG_RE_THROW();
	}
	PG_END_TRY();
	governance_inhibit--;
	AtEOXact_GUC(true, nestlevel);
	SetUserIdAndSecContext(save_user, save_sec);
	if (rc < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INTERNAL_ERROR),
				 errmsg("internal governance statement failed: %s",
						SPI_result_code_string(rc))));
	return rc;
}
