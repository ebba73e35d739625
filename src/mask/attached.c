/*-------------------------------------------------------------------------
 *
 * attached.c
 *	  Code attached to a labelled table is code a masked identity cannot
 *	  change.
 *
 * Triggers, index expressions and predicates, CHECK constraints, column
 * defaults and generated columns, rules, policies and extended statistics
 * of a table see its rows in clear, and so do the CHECK constraints of a
 * domain that is a labelled column's type.  A masked identity may not
 * attach such code to a table with columns it reads masked (utility.c).
 * Code attached before the label was set is still there, and the functions
 * it calls are the identity's to replace: CREATE OR REPLACE FUNCTION, then
 * an UPDATE, REINDEX, VACUUM FULL or ANALYZE runs the new body on every
 * clear value.
 *
 * The rule: a masked identity whose roles own a function that code
 * attached to such a table (or such a domain) calls, directly or through
 * an operator, may not change code at all -- create, replace, alter,
 * rename, move or give away a function, procedure, aggregate, operator or
 * cast -- since what a function calls by name is recorded nowhere.  It
 * can still drop that code (its own table's trigger, say), or an
 * administrator can take the function over.
 *
 * src/mask/attached.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "catalog/dependency.h"
#include "catalog/indexing.h"
#include "catalog/objectaddress.h"
#include "catalog/pg_constraint.h"
#include "catalog/pg_depend.h"
#include "catalog/pg_language.h"
#include "catalog/pg_operator.h"
#include "catalog/pg_proc.h"
#include "catalog/pg_type.h"
#include "governance/mask.h"
#include "nodes/parsenodes.h"
#include "utils/fmgroids.h"
#include "utils/lsyscache.h"
#include "utils/regproc.h"
#include "utils/rel.h"
#include "utils/syscache.h"
#include "miscadmin.h"

/* Does the acting principal read any column of this relation masked? */
static bool
gov_relation_read_masked(Oid relid)
{
	int			n;
	const GovColumnLabel *cols = governance_relation_labels(relid, &n);

	for (int i = 0; i < n; i++)
		if (governance_label_masked(cols[i].label))
			return true;
	return false;
}

/*
 * Is the object (class, objid) code on a relation read masked, or on a
 * domain that is a labelled column's type?  It is on what it depends on
 * automatically or internally.
 */
static bool
gov_object_on_masked(Oid classid, Oid objid)
{
	Relation	dep = table_open(DependRelationId, AccessShareLock);
	ScanKeyData key[2];
	SysScanDesc scan;
	HeapTuple	tup;
	bool		found = false;

	ScanKeyInit(&key[0], Anum_pg_depend_classid, BTEqualStrategyNumber, F_OIDEQ,
				ObjectIdGetDatum(classid));
	ScanKeyInit(&key[1], Anum_pg_depend_objid, BTEqualStrategyNumber, F_OIDEQ,
				ObjectIdGetDatum(objid));
	scan = systable_beginscan(dep, DependDependerIndexId, true, NULL, 2, key);
	while (!found && HeapTupleIsValid(tup = systable_getnext(scan)))
	{
		Form_pg_depend d = (Form_pg_depend) GETSTRUCT(tup);

		if (d->deptype != DEPENDENCY_AUTO && d->deptype != DEPENDENCY_INTERNAL)
			continue;
		if (d->refclassid == RelationRelationId)
			found = gov_relation_read_masked(d->refobjid);
		else if (d->refclassid == TypeRelationId && classid == ConstraintRelationId)
			found = governance_domain_labelled(d->refobjid);
	}
	systable_endscan(scan);
	table_close(dep, AccessShareLock);
	return found;
}

/*
 * Is the function called by code on a masked relation, directly or
 * through an operator it implements?  *what names that code.
 */
static bool
gov_function_attached(Oid fn, int depth, ObjectAddress *what)
{
	Relation	dep = table_open(DependRelationId, AccessShareLock);
	ScanKeyData key[2];
	SysScanDesc scan;
	HeapTuple	tup;
	bool		found = false;

	ScanKeyInit(&key[0], Anum_pg_depend_refclassid, BTEqualStrategyNumber, F_OIDEQ,
				ObjectIdGetDatum(depth == 0 ? ProcedureRelationId : OperatorRelationId));
	ScanKeyInit(&key[1], Anum_pg_depend_refobjid, BTEqualStrategyNumber, F_OIDEQ,
				ObjectIdGetDatum(fn));
	scan = systable_beginscan(dep, DependReferenceIndexId, true, NULL, 2, key);
	while (!found && HeapTupleIsValid(tup = systable_getnext(scan)))
	{
		Form_pg_depend d = (Form_pg_depend) GETSTRUCT(tup);

		if (d->classid == OperatorRelationId && depth == 0)
			found = gov_function_attached(d->objid, 1, what);
		else if (gov_object_on_masked(d->classid, d->objid))
		{
			what->classId = d->classid;
			what->objectId = d->objid;
			what->objectSubId = 0;
			found = true;
		}
	}
	systable_endscan(scan);
	table_close(dep, AccessShareLock);
	return found;
}

/*
 * Do the acting identity's roles own a function that code on a relation
 * it reads masked calls?  If so, *detail says which.
 */
static bool
gov_owns_attached_code(char **detail)
{
	Relation	procs = table_open(ProcedureRelationId, AccessShareLock);
	SysScanDesc scan = systable_beginscan(procs, InvalidOid, false, NULL, 0, NULL);
	HeapTuple	tup;
	bool		found = false;

	while (!found && HeapTupleIsValid(tup = systable_getnext(scan)))
	{
		Form_pg_proc proc = (Form_pg_proc) GETSTRUCT(tup);
		ObjectAddress what;

		if (proc->prolang == INTERNALlanguageId || proc->prolang == ClanguageId ||
			!governance_identity_owns(proc->proowner))
			continue;
		if (gov_function_attached(proc->oid, 0, &what))
		{
			*detail = psprintf("%s calls %s, which the identity owns.",
							   getObjectDescription(&what, false),
							   format_procedure(proc->oid));
			found = true;
		}
	}
	systable_endscan(scan);
	table_close(procs, AccessShareLock);
	return found;
}

/* Does the statement create or change code, and what is it called? */
static const char *
gov_code_statement(Node *stmt)
{
	ObjectType	type;

	switch (nodeTag(stmt))
	{
		case T_CreateFunctionStmt:
			return ((CreateFunctionStmt *) stmt)->is_procedure ?
				"CREATE PROCEDURE" : "CREATE FUNCTION";
		case T_AlterFunctionStmt:
			return "ALTER FUNCTION";
		case T_DefineStmt:
			type = ((DefineStmt *) stmt)->kind;
			if (type == OBJECT_AGGREGATE)
				return "CREATE AGGREGATE";
			if (type == OBJECT_OPERATOR)
				return "CREATE OPERATOR";
			return NULL;
		case T_AlterOperatorStmt:
			return "ALTER OPERATOR";
		case T_CreateCastStmt:
			return "CREATE CAST";
		case T_RenameStmt:
			type = ((RenameStmt *) stmt)->renameType;
			break;
		case T_AlterObjectSchemaStmt:
			type = ((AlterObjectSchemaStmt *) stmt)->objectType;
			break;
		case T_AlterOwnerStmt:
			type = ((AlterOwnerStmt *) stmt)->objectType;
			break;
		default:
			return NULL;
	}
	switch (type)
	{
		case OBJECT_FUNCTION:
		case OBJECT_PROCEDURE:
		case OBJECT_ROUTINE:
		case OBJECT_AGGREGATE:
		case OBJECT_OPERATOR:
			return IsA(stmt, RenameStmt) ? "renaming code" :
				IsA(stmt, AlterOwnerStmt) ? "giving code away" : "moving code";
		default:
			return NULL;
	}
}

void
governance_refuse_code_change(Node *stmt)
{
	const char *what = gov_code_statement(stmt);
	char	   *detail;

	if (what == NULL || !governance_mask_state_masked_any())
		return;
	if (gov_owns_attached_code(&detail))
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("%s is not allowed for an identity whose functions run on values it reads masked",
						what),
				 errdetail("%s", detail),
				 errhint("Drop that code, or ask a governance administrator to take the function over.")));
}

/*
 * The functions the object (class, objid) calls, directly or through an
 * operator, that a role other than an administrator owns: one WARNING
 * each.  Returns how many.
 */
static int
gov_warn_calls(Oid classid, Oid objid, const char *column)
{
	Relation	dep = table_open(DependRelationId, AccessShareLock);
	ScanKeyData key[2];
	SysScanDesc scan;
	HeapTuple	tup;
	int			n = 0;

	ScanKeyInit(&key[0], Anum_pg_depend_classid, BTEqualStrategyNumber, F_OIDEQ,
				ObjectIdGetDatum(classid));
	ScanKeyInit(&key[1], Anum_pg_depend_objid, BTEqualStrategyNumber, F_OIDEQ,
				ObjectIdGetDatum(objid));
	scan = systable_beginscan(dep, DependDependerIndexId, true, NULL, 2, key);
	while (HeapTupleIsValid(tup = systable_getnext(scan)))
	{
		Form_pg_depend d = (Form_pg_depend) GETSTRUCT(tup);
		Oid			fn = InvalidOid;
		HeapTuple	ptup;
		Form_pg_proc proc;
		ObjectAddress what;

		if (d->refclassid == ProcedureRelationId)
			fn = d->refobjid;
		else if (d->refclassid == OperatorRelationId)
			fn = get_opcode(d->refobjid);
		if (!OidIsValid(fn))
			continue;
		ptup = SearchSysCache1(PROCOID, ObjectIdGetDatum(fn));
		if (!HeapTupleIsValid(ptup))
			continue;
		proc = (Form_pg_proc) GETSTRUCT(ptup);
		if (proc->prolang != INTERNALlanguageId && proc->prolang != ClanguageId &&
			!governance_role_is_admin(proc->proowner))
		{
			ObjectAddressSet(what, classid, objid);
			ereport(WARNING,
					(errcode(ERRCODE_WARNING),
					 errmsg("%s runs on the clear values of %s and calls %s, owned by %s",
							getObjectDescription(&what, false), column,
							format_procedure(fn),
							GetUserNameFromId(proc->proowner, false)),
					 errdetail("That role is not a governance administrator: it can change the function, and identities acting as it cannot change code while it is called there."),
					 errhint("Make an administrator the function's owner, or drop the code.")));
			n++;
		}
		ReleaseSysCache(ptup);
	}
	systable_endscan(scan);
	table_close(dep, AccessShareLock);
	return n;
}

/* What is attached to (class, objid), automatically or internally. */
static void
gov_warn_attached_to(Oid refclass, Oid refobj, const char *column)
{
	List	   *seen = NIL;
	Relation	dep = table_open(DependRelationId, AccessShareLock);
	ScanKeyData key[2];
	SysScanDesc scan;
	HeapTuple	tup;

	ScanKeyInit(&key[0], Anum_pg_depend_refclassid, BTEqualStrategyNumber, F_OIDEQ,
				ObjectIdGetDatum(refclass));
	ScanKeyInit(&key[1], Anum_pg_depend_refobjid, BTEqualStrategyNumber, F_OIDEQ,
				ObjectIdGetDatum(refobj));
	scan = systable_beginscan(dep, DependReferenceIndexId, true, NULL, 2, key);
	while (HeapTupleIsValid(tup = systable_getnext(scan)))
	{
		Form_pg_depend d = (Form_pg_depend) GETSTRUCT(tup);

		ListCell   *lc;
		bool		again = false;

		if (d->deptype != DEPENDENCY_AUTO && d->deptype != DEPENDENCY_INTERNAL)
			continue;
		/* An index depends on each of its columns: one warning each. */
		foreach(lc, seen)
			again |= ((ObjectAddress *) lfirst(lc))->classId == d->classid &&
				((ObjectAddress *) lfirst(lc))->objectId == d->objid;
		if (again)
			continue;
		{
			ObjectAddress *a = palloc(sizeof(ObjectAddress));

			ObjectAddressSet(*a, d->classid, d->objid);
			seen = lappend(seen, a);
		}
		(void) gov_warn_calls(d->classid, d->objid, column);
	}
	systable_endscan(scan);
	table_close(dep, AccessShareLock);
}

/*
 * A column was just labelled: warn of code that runs on its clear values
 * and calls functions a role other than an administrator owns -- the
 * relation's triggers, indexes, constraints, defaults, rules, policies and
 * statistics, and the constraints of the column's domains.
 */
void
governance_warn_attached_code(Oid relid, AttrNumber attnum)
{
	char	   *column = psprintf("%s.%s.%s",
								  get_namespace_name(get_rel_namespace(relid)),
								  get_rel_name(relid), get_attname(relid, attnum, false));
	Oid			type = get_atttype(relid, attnum);

	gov_warn_attached_to(RelationRelationId, relid, column);
	/* The column's domain, the domain that is based on, and so on. */
	for (int depth = 0; OidIsValid(type) && depth < 32; depth++)
	{
		HeapTuple	t = SearchSysCache1(TYPEOID, ObjectIdGetDatum(type));
		Form_pg_type tf;

		if (!HeapTupleIsValid(t))
			break;
		tf = (Form_pg_type) GETSTRUCT(t);
		if (tf->typtype != TYPTYPE_DOMAIN)
		{
			ReleaseSysCache(t);
			break;
		}
		gov_warn_attached_to(TypeRelationId, type, column);
		type = tf->typbasetype;
		ReleaseSysCache(t);
	}
}
