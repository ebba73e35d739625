/*-------------------------------------------------------------------------
 *
 * policy_sql.c
 *	  The policy in SQL: the rules table's triggers.
 *
 * Every row written to governance.rules is compiled by the same code the
 * backends' caches use, so a rule that would not compile never lands.
 * Every change sends a relcache invalidation of the table, which tells
 * every backend (this one at its next command) to read the rules again,
 * and queues a policy event for the audit trail, appended if the change
 * commits.
 *
 * src/policy/policy_sql.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "commands/defrem.h"
#include "commands/prepare.h"
#include "commands/trigger.h"
#include "rewrite/rewriteHandler.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "governance/audit.h"
#include "governance/policy.h"
#include "governance/policy_rule.h"
#include "lib/stringinfo.h"
#include "executor/executor.h"
#include "nodes/nodeFuncs.h"
#include "optimizer/optimizer.h"
#include "parser/analyze.h"
#include "parser/parse_coerce.h"
#include "parser/parse_collate.h"
#include "parser/parse_expr.h"
#include "parser/parse_node.h"
#include "tcop/tcopprot.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/inval.h"
#include "utils/json.h"
#include "utils/jsonb.h"
#include "utils/rel.h"

static char **
gov_trigger_text_array(HeapTuple tup, TupleDesc desc, int att, int *n)
{
	bool		isnull;
	Datum		d = heap_getattr(tup, att, desc, &isnull);

	return governance_text_array(d, isnull, n);
}

/* The table whose triggers the functions below are. */
static const char *const gov_rules_table[] = {"rules", NULL};

/* BEFORE INSERT OR UPDATE: refuse a rule that does not compile. */
PG_FUNCTION_INFO_V1(governance_rule_check_1_0);
Datum
governance_rule_check_1_0(PG_FUNCTION_ARGS)
{
	TriggerData *trig = governance_own_trigger(fcinfo, gov_rules_table);
	HeapTuple	tup;
	TupleDesc	desc;
	GovRuleInput in;
	GovRule		rule;
	char		err[512];
	bool		isnull;
	Datum		d;

	tup = TRIGGER_FIRED_BY_UPDATE(trig->tg_event) ? trig->tg_newtuple : trig->tg_trigtuple;
	desc = RelationGetDescr(trig->tg_relation);
	memset(&in, 0, sizeof(in));
	d = heap_getattr(tup, GOV_RULE_ATT_NAME, desc, &isnull);
	in.name = isnull ? NULL : TextDatumGetCString(d);
	d = heap_getattr(tup, GOV_RULE_ATT_PRIORITY, desc, &isnull);
	in.priority = isnull ? 0 : DatumGetInt32(d);
	in.principals = gov_trigger_text_array(tup, desc, GOV_RULE_ATT_PRINCIPALS, &in.nprincipals);
	in.environments = gov_trigger_text_array(tup, desc, GOV_RULE_ATT_ENVIRONMENTS, &in.nenvironments);
	in.operations = gov_trigger_text_array(tup, desc, GOV_RULE_ATT_OPERATIONS, &in.noperations);
	in.objects = gov_trigger_text_array(tup, desc, GOV_RULE_ATT_OBJECTS, &in.nobjects);
	d = heap_getattr(tup, GOV_RULE_ATT_EFFECT, desc, &isnull);
	in.effect = isnull ? NULL : TextDatumGetCString(d);
	d = heap_getattr(tup, GOV_RULE_ATT_MAX_ROWS, desc, &isnull);
	in.has_max_rows = !isnull;
	in.max_rows = isnull ? 0 : DatumGetInt64(d);
	if (!governance_rule_compile(&in, &rule, err, sizeof(err)))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid governance rule \"%s\"", in.name ? in.name : ""),
				 errdetail("%s", err),
				 errhint("See the README's section on rules for the vocabulary.")));
	return PointerGetDatum(tup);
}

/* AFTER each change: invalidate every backend's cache, record the change. */
PG_FUNCTION_INFO_V1(governance_rules_changed_1_0);
Datum
governance_rules_changed_1_0(PG_FUNCTION_ARGS)
{
	TriggerData *trig = governance_own_trigger(fcinfo, gov_rules_table);
	const char *action;
	const char *name = NULL;
	char		buf[2048];
	GovAuditRecord r;

	CacheInvalidateRelcache(trig->tg_relation);
	if (TRIGGER_FIRED_BY_TRUNCATE(trig->tg_event))
		action = "rules_truncated";
	else if (TRIGGER_FIRED_BY_INSERT(trig->tg_event))
		action = "rule_added";
	else if (TRIGGER_FIRED_BY_UPDATE(trig->tg_event))
		action = "rule_changed";
	else
		action = "rule_dropped";
	if (TRIGGER_FIRED_FOR_ROW(trig->tg_event))
	{
		HeapTuple	tup = TRIGGER_FIRED_BY_UPDATE(trig->tg_event) ?
			trig->tg_newtuple : trig->tg_trigtuple;
		bool		isnull;
		Datum		d = heap_getattr(tup, GOV_RULE_ATT_NAME,
									 RelationGetDescr(trig->tg_relation), &isnull);

		name = isnull ? NULL : TextDatumGetCString(d);
	}
	gov_audit_record_init(&r, buf, sizeof(buf));
	governance_audit_common(&r, "policy", action, governance_current_identity());
	gov_audit_put_str(&r, GOV_AF_RULE, name);
	governance_audit_at_commit(&r);
	return PointerGetDatum(NULL);
}
