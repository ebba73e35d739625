/*-------------------------------------------------------------------------
 *
 * classify_utility.c
 *	  What a utility statement does, as actions the policy can decide.
 *
 * A utility statement is classified by its command tag, with the objects
 * of the statements that name relations: TRUNCATE with the tables it
 * reaches through inheritance and CASCADE, DROP SCHEMA with the relations
 * in it, ALTER TABLE as destructive when it drops or rewrites data.
 * Statements that run another (EXPLAIN ANALYZE, CREATE TABLE AS, COPY
 * (query)) are judged again by the executor when their query runs.
 *
 * src/policy/classify_utility.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "catalog/heap.h"
#include "catalog/namespace.h"
#include "catalog/pg_inherits.h"
#include "catalog/pg_class.h"
#include "governance/common.h"
#include "governance/policy.h"
#include "nodes/nodeFuncs.h"
#include "policy_internal.h"
#include "storage/lockdefs.h"
#include "tcop/utility.h"
#include "utils/lsyscache.h"
#include "utils/syscache.h"

static void
gov_rangevar_action(List **actions, uint32 op, RangeVar *rv, bool creating)
{
	Oid			relid;
	char	   *object = governance_rangevar_object(rv, creating, &relid);

	governance_action_new(actions, op, relid, object);
}

/*
 * TRUNCATE empties the tables it names, their partitions and children
 * (unless ONLY), and with CASCADE every table whose foreign keys reach
 * them: each is an action, so a rule naming any of them applies.
 */
static List *
gov_truncate_actions(TruncateStmt *stmt)
{
	List	   *actions = NIL;
	List	   *relids = NIL;
	ListCell   *lc;

	foreach(lc, stmt->relations)
	{
		RangeVar   *rv = lfirst(lc);
		Oid			relid = RangeVarGetRelid(rv, NoLock, true);

		if (!OidIsValid(relid))
		{
			gov_rangevar_action(&actions, GOV_OP_TRUNCATE, rv, false);
			continue;
		}
		if (rv->inh)
			relids = list_concat_unique_oid(relids, find_all_inheritors(relid, NoLock, NULL));
		else
			relids = list_append_unique_oid(relids, relid);
	}
	if (stmt->behavior == DROP_CASCADE)
	{
		for (;;)
		{
			List	   *more = heap_truncate_find_FKs(relids);
			int			before = list_length(relids);

			relids = list_concat_unique_oid(relids, more);
			if (list_length(relids) == before)
				break;
		}
	}
	foreach(lc, relids)
		governance_action_new(&actions, GOV_OP_TRUNCATE, lfirst_oid(lc), NULL);
	return actions;
}

/* A drop action for every relation in a schema (DROP SCHEMA ... CASCADE). */
static void
gov_schema_relation_actions(List **actions, Oid nspid)
{
	Relation	rel;
	SysScanDesc scan;
	HeapTuple	tup;

	if (!OidIsValid(nspid))
		return;
	rel = table_open(RelationRelationId, AccessShareLock);
	scan = systable_beginscan(rel, InvalidOid, false, NULL, 0, NULL);
	while ((tup = systable_getnext(scan)) != NULL)
	{
		Form_pg_class cls = (Form_pg_class) GETSTRUCT(tup);

		if (cls->relnamespace == nspid &&
			(cls->relkind == RELKIND_RELATION || cls->relkind == RELKIND_PARTITIONED_TABLE ||
			 cls->relkind == RELKIND_VIEW || cls->relkind == RELKIND_MATVIEW ||
			 cls->relkind == RELKIND_FOREIGN_TABLE || cls->relkind == RELKIND_SEQUENCE))
			governance_action_new(actions, GOV_OP_DROP, cls->oid, NULL);
	}
	systable_endscan(scan);
	table_close(rel, AccessShareLock);
}

/* ALTER TABLE subcommands that destroy data or break what reads it. */
static bool
gov_alter_is_destructive(AlterTableStmt *stmt)
{
	ListCell   *lc;

	foreach(lc, stmt->cmds)
	{
		AlterTableCmd *cmd = lfirst_node(AlterTableCmd, lc);

		switch (cmd->subtype)
		{
			case AT_DropColumn:
			case AT_AlterColumnType:
			case AT_DetachPartition:
			case AT_DetachPartitionFinalize:
			case AT_DropInherit:
			case AT_DropExpression:
			case AT_SetUnLogged:
				return true;
			default:
				break;
		}
	}
	return false;
}

/* Statements that only wrap statements judged where they run, or none. */
static bool
gov_utility_is_wrapper(Node *stmt)
{
	switch (nodeTag(stmt))
	{
		case T_TransactionStmt:
		case T_PrepareStmt:
		case T_ExecuteStmt:
		case T_DeallocateStmt:
		case T_ExplainStmt:
		case T_DeclareCursorStmt:
		case T_FetchStmt:
		case T_ClosePortalStmt:
			return true;
		default:
			return false;
	}
}

static uint32
gov_tag_op(Node *stmt)
{
	const char *tag = GetCommandTagName(CreateCommandTag(stmt));

	if (strncmp(tag, "CREATE ", 7) == 0 || strcmp(tag, "SELECT INTO") == 0)
		return GOV_OP_CREATE;
	if (strncmp(tag, "DROP ", 5) == 0 || strcmp(tag, "DROP") == 0)
		return GOV_OP_DROP;
	if (strcmp(tag, "ALTER SYSTEM") == 0)
		return GOV_OP_ALTER_SYSTEM;
	if (strncmp(tag, "ALTER ", 6) == 0 || strcmp(tag, "COMMENT") == 0 ||
		strcmp(tag, "SECURITY LABEL") == 0 || strcmp(tag, "IMPORT FOREIGN SCHEMA") == 0)
		return GOV_OP_ALTER;
	if (strcmp(tag, "GRANT") == 0 || strcmp(tag, "GRANT ROLE") == 0)
		return GOV_OP_GRANT;
	if (strcmp(tag, "REVOKE") == 0 || strcmp(tag, "REVOKE ROLE") == 0)
		return GOV_OP_REVOKE;
	if (strcmp(tag, "TRUNCATE TABLE") == 0)
		return GOV_OP_TRUNCATE;
	return GOV_OP_OTHER;
}

List *
governance_utility_actions(Node *stmt)
{
	List	   *actions = NIL;
	uint32		op;
	ListCell   *lc;

	/*
	 * EXPLAIN ANALYZE CREATE TABLE AS (or SELECT INTO, CREATE MATERIALIZED
	 * VIEW) creates its relation without passing ProcessUtility again.
	 */
	if (stmt != NULL && IsA(stmt, ExplainStmt))
	{
		Node	   *inner = ((ExplainStmt *) stmt)->query;

		/* Parse analysis has wrapped it in a utility Query. */
		if (inner != NULL && IsA(inner, Query) &&
			((Query *) inner)->commandType == CMD_UTILITY)
			inner = ((Query *) inner)->utilityStmt;
		if (inner != NULL && IsA(inner, CreateTableAsStmt))
			return governance_utility_actions(inner);
	}
	if (stmt == NULL || gov_utility_is_wrapper(stmt))
		return NIL;
	op = gov_tag_op(stmt);

	switch (nodeTag(stmt))
	{
		case T_TruncateStmt:
			return gov_truncate_actions((TruncateStmt *) stmt);
		case T_DropStmt:
			{
				DropStmt   *drop = (DropStmt *) stmt;

				switch (drop->removeType)
				{
					case OBJECT_TABLE:
					case OBJECT_VIEW:
					case OBJECT_MATVIEW:
					case OBJECT_INDEX:
					case OBJECT_SEQUENCE:
					case OBJECT_FOREIGN_TABLE:
						foreach(lc, drop->objects)
						{
							RangeVar   *rv = makeRangeVarFromNameList(lfirst(lc));

							/* DROP ... IF EXISTS of nothing drops nothing. */
							if (drop->missing_ok &&
								!OidIsValid(RangeVarGetRelid(rv, NoLock, true)))
								continue;
							gov_rangevar_action(&actions, GOV_OP_DROP, rv, false);
						}
						return actions;
					case OBJECT_SCHEMA:
						foreach(lc, drop->objects)
						{
							governance_action_new(&actions, GOV_OP_DROP, InvalidOid,
										   psprintf("%s.*", strVal(lfirst(lc))));
							/* CASCADE drops every relation in it. */
							if (drop->behavior == DROP_CASCADE)
								gov_schema_relation_actions(&actions,
															get_namespace_oid(strVal(lfirst(lc)), true));
						}
						return actions;
					default:
						break;
				}
				break;
			}
		case T_AlterTableStmt:
			{
				AlterTableStmt *alter = (AlterTableStmt *) stmt;
				Oid			relid;
				char	   *object = governance_rangevar_object(alter->relation, false, &relid);
				GovAction  *a = governance_action_new(&actions, GOV_OP_ALTER, relid, object);

				a->destructive = gov_alter_is_destructive(alter);
				return actions;
			}
		case T_RenameStmt:
			{
				RenameStmt *rename = (RenameStmt *) stmt;

				if (rename->relation == NULL)
					break;
				/* The relation under its old name and under its new one. */
				gov_rangevar_action(&actions, GOV_OP_ALTER, rename->relation, false);
				if (rename->renameType == OBJECT_TABLE || rename->renameType == OBJECT_VIEW ||
					rename->renameType == OBJECT_MATVIEW || rename->renameType == OBJECT_INDEX ||
					rename->renameType == OBJECT_SEQUENCE ||
					rename->renameType == OBJECT_FOREIGN_TABLE)
				{
					RangeVar   *to = copyObject(rename->relation);

					to->relname = rename->newname;
					gov_rangevar_action(&actions, GOV_OP_ALTER, to, true);
				}
				return actions;
			}
		case T_AlterObjectSchemaStmt:
			{
				AlterObjectSchemaStmt *move = (AlterObjectSchemaStmt *) stmt;

				if (move->relation == NULL)
					break;
				/* Moving a relation out of reach of a rule is altering it. */
				gov_rangevar_action(&actions, GOV_OP_ALTER, move->relation, false);
				governance_action_new(&actions, GOV_OP_ALTER, InvalidOid,
							   psprintf("%s.%s", move->newschema, move->relation->relname));
				return actions;
			}
		case T_CreateTrigStmt:
			gov_rangevar_action(&actions, GOV_OP_CREATE,
								((CreateTrigStmt *) stmt)->relation, false);
			return actions;
		case T_RuleStmt:
			gov_rangevar_action(&actions, GOV_OP_CREATE,
								((RuleStmt *) stmt)->relation, false);
			return actions;
		case T_CreateStmt:
			gov_rangevar_action(&actions, GOV_OP_CREATE,
								((CreateStmt *) stmt)->relation, true);
			return actions;
		case T_ViewStmt:
			gov_rangevar_action(&actions, GOV_OP_CREATE,
								((ViewStmt *) stmt)->view, true);
			return actions;
		case T_CreateTableAsStmt:
			gov_rangevar_action(&actions, GOV_OP_CREATE,
								((CreateTableAsStmt *) stmt)->into->rel, true);
			return actions;
		case T_IndexStmt:
			gov_rangevar_action(&actions, GOV_OP_CREATE,
								((IndexStmt *) stmt)->relation, false);
			return actions;
		case T_CopyStmt:
			{
				CopyStmt   *copy = (CopyStmt *) stmt;

				op = copy->is_from ? GOV_OP_COPY_FROM : GOV_OP_COPY_TO;
				if (copy->relation != NULL)
					gov_rangevar_action(&actions, op, copy->relation, false);
				else
					governance_action_new(&actions, op, InvalidOid, NULL);
				return actions;
			}
		case T_GrantStmt:
			{
				GrantStmt  *grant = (GrantStmt *) stmt;

				op = grant->is_grant ? GOV_OP_GRANT : GOV_OP_REVOKE;
				if (grant->objtype == OBJECT_TABLE &&
					grant->targtype == ACL_TARGET_OBJECT)
				{
					foreach(lc, grant->objects)
						gov_rangevar_action(&actions, op, lfirst(lc), false);
					return actions;
				}
				if (grant->objtype == OBJECT_TABLE &&
					grant->targtype == ACL_TARGET_ALL_IN_SCHEMA)
				{
					foreach(lc, grant->objects)
						governance_action_new(&actions, op, InvalidOid,
									   psprintf("%s.*", strVal(lfirst(lc))));
					return actions;
				}
				break;
			}
		default:
			break;
	}
	governance_action_new(&actions, op, InvalidOid, NULL);
	return actions;
}

