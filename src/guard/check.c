/*-------------------------------------------------------------------------
 *
 * check.c
 *	  governance.check(statement): how a statement would be decided, before
 *	  it runs.
 *
 * A dry run: it parses, analyses, rewrites and plans the statement exactly
 * as running it would, classifies the result and decides it, but executes
 * nothing.  A utility statement that runs a query (EXPLAIN ANALYZE, COPY
 * (query) TO, CREATE TABLE AS, DECLARE, EXECUTE) is decided with that
 * query's plan too, as the guard decides it when it runs: the answer is
 * the one running the statement would get, an approval waiting for it
 * included.
 *
 * src/guard/check.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "commands/defrem.h"
#include "commands/prepare.h"
#include "rewrite/rewriteHandler.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "governance/approval.h"
#include "governance/common.h"
#include "governance/guard.h"
#include "governance/identity.h"
#include "governance/policy.h"
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
#include "utils/json.h"
#include "utils/jsonb.h"
#include "utils/rel.h"


static void
gov_json_kv(StringInfo out, const char *key, const char *value, bool comma)
{
	if (comma)
		appendStringInfoChar(out, ',');
	escape_json(out, key);
	appendStringInfoChar(out, ':');
	if (value == NULL)
		appendStringInfoString(out, "null");
	else
		escape_json(out, value);
}

/* Is an approval for this fingerprint waiting to be used by this session? */
static bool
gov_approval_waiting(const char *fingerprint)
{
	const char *actor;
	char	   *requester = governance_requester(&actor);
	Oid			types[3] = {TEXTOID, TEXTOID, TEXTOID};
	Datum		values[3];
	char		nulls[3] = {' ', ' ', ' '};
	bool		found;

	if (!OidIsValid(governance_schema_oid()))
		return false;
	values[0] = CStringGetTextDatum(requester);
	values[1] = actor ? CStringGetTextDatum(actor) : (Datum) 0;
	nulls[1] = actor ? ' ' : 'n';
	values[2] = CStringGetTextDatum(fingerprint);
	SPI_connect();
	governance_spi_internal("SELECT 1 FROM governance.approvals"
							" WHERE database = current_database() AND requester = $1"
							"   AND requester_actor IS NOT DISTINCT FROM $2"
							"   AND fingerprint = $3 AND decision = 'approved'"
							"   AND consumed_at IS NULL AND expires_at > clock_timestamp()",
							3, types, values, nulls);
	found = SPI_processed > 0;
	SPI_finish();
	return found;
}

static const char *
gov_reason(const GovDecision *d)
{
	char	   *action = governance_action_text(&d->action);

	switch (d->effect)
	{
		case GOV_ALLOW:
			return d->rule ? psprintf("rule \"%s\" allows %s", d->rule, action)
				: "no rule matches; statements are allowed unless a rule says otherwise";
		case GOV_LIMIT_ROWS:
			return psprintf("rule \"%s\" allows %s changing at most " INT64_FORMAT " rows",
							d->budget_rule, action, d->max_rows);
		case GOV_REQUIRE_APPROVAL:
			return psprintf("rule \"%s\" requires approval for %s", d->rule, action);
		case GOV_DENY:
			return psprintf("rule \"%s\" denies %s", d->rule, action);
	}
	return NULL;
}

/* Does EXPLAIN run its statement (ANALYZE)? */
static bool
gov_explain_analyzes(ExplainStmt *es)
{
	ListCell   *lc;
	bool		analyze = false;

	foreach(lc, es->options)
	{
		DefElem    *opt = lfirst_node(DefElem, lc);

		if (strcmp(opt->defname, "analyze") == 0)
			analyze = defGetBoolean(opt);
	}
	return analyze;
}

static List *gov_statement_actions(PlannedStmt *p, const char *sql, int depth);

/* The actions of the plans of analysed, not yet rewritten queries. */
static List *
gov_query_actions_with(Query *query, const char *sql, int depth, ParamListInfo params)
{
	List	   *actions = NIL;
	List	   *plans = pg_plan_queries(QueryRewrite(copyObject(query)), sql,
										CURSOR_OPT_PARALLEL_OK, params);
	ListCell   *lc;

	foreach(lc, plans)
		actions = list_concat(actions,
							  gov_statement_actions(lfirst_node(PlannedStmt, lc),
													sql, depth + 1));
	return actions;
}

static List *
gov_query_actions(Query *query, const char *sql, int depth)
{
	return gov_query_actions_with(query, sql, depth, NULL);
}

/*
 * The values EXECUTE would bind, if computing them has no effect (no
 * volatile function): a custom plan folds them as constants, and may drop
 * the very clause that made the generic plan filtered.  NULL if they
 * cannot be known without running something.
 */
static ParamListInfo
gov_execute_params(ExecuteStmt *es, CachedPlanSource *src, const char *sql)
{
	ParseState *pstate;
	ParamListInfo params;
	EState	   *estate;
	ListCell   *lc;
	int			i = 0;

	if (src->num_params == 0 || list_length(es->params) != src->num_params)
		return NULL;
	pstate = make_parsestate(NULL);
	pstate->p_sourcetext = sql;
	params = makeParamList(src->num_params);
	estate = CreateExecutorState();
	foreach(lc, es->params)
	{
		Node	   *e = transformExpr(pstate, copyObject(lfirst(lc)), EXPR_KIND_EXECUTE_PARAMETER);
		bool		isnull;

		e = coerce_to_target_type(pstate, e, exprType(e), src->param_types[i], -1,
								  COERCION_ASSIGNMENT, COERCE_IMPLICIT_CAST, -1);
		if (e == NULL || contain_volatile_functions(e))
		{
			FreeExecutorState(estate);
			return NULL;
		}
		assign_expr_collations(pstate, e);
		params->params[i].value =
			ExecEvalExprSwitchContext(ExecPrepareExpr((Expr *) e, estate),
									  GetPerTupleExprContext(estate), &isnull);
		params->params[i].isnull = isnull;
		params->params[i].pflags = PARAM_FLAG_CONST;
		params->params[i].ptype = src->param_types[i];
		i++;
	}
	/* The values live in the executor state's memory: keep it. */
	return params;
}

/*
 * What a statement does when it runs, as the hooks see it: a utility
 * statement's own actions and those of the query it runs (EXPLAIN ANALYZE,
 * COPY (query) TO, CREATE TABLE AS, DECLARE CURSOR, EXECUTE), which the
 * executor hooks judge when they start it.
 */
static List *
gov_statement_actions(PlannedStmt *p, const char *sql, int depth)
{
	Node	   *stmt = p->utilityStmt;
	List	   *actions;

	if (stmt == NULL)
		return governance_plan_actions(p);
	if (governance_utility_only_sets_token(stmt))
		return NIL;				/* never judged, as when it runs */
	actions = governance_utility_actions(stmt);
	if (depth > 8)
		return actions;
	if (IsA(stmt, ExplainStmt) && gov_explain_analyzes((ExplainStmt *) stmt))
		actions = list_concat(actions,
							  gov_query_actions(castNode(Query, ((ExplainStmt *) stmt)->query),
												sql, depth));
	else if (IsA(stmt, CreateTableAsStmt))
		actions = list_concat(actions,
							  gov_query_actions(castNode(Query, ((CreateTableAsStmt *) stmt)->query),
												sql, depth));
	else if (IsA(stmt, DeclareCursorStmt))
		actions = list_concat(actions,
							  gov_query_actions(castNode(Query, ((DeclareCursorStmt *) stmt)->query),
												sql, depth));
	else if (IsA(stmt, CopyStmt) && ((CopyStmt *) stmt)->query != NULL)
	{
		RawStmt    *raw = makeNode(RawStmt);
		List	   *queries;
		ListCell   *lc;

		raw->stmt = copyObject(((CopyStmt *) stmt)->query);
		raw->stmt_location = -1;
		queries = pg_analyze_and_rewrite_fixedparams(raw, sql, NULL, 0, NULL);
		foreach(lc, pg_plan_queries(queries, sql, CURSOR_OPT_PARALLEL_OK, NULL))
			actions = list_concat(actions,
								  gov_statement_actions(lfirst_node(PlannedStmt, lc),
														sql, depth + 1));
	}
	else if (IsA(stmt, ExecuteStmt))
	{
		PreparedStatement *ps = FetchPreparedStatement(((ExecuteStmt *) stmt)->name, false);

		/*
		 * Analysed afresh from its parse tree, as EXECUTE would when the
		 * tables changed since PREPARE: the cached queries may name
		 * relations that are gone.
		 */
		if (ps != NULL && ps->plansource->raw_parse_tree != NULL)
		{
			CachedPlanSource *src = ps->plansource;
			Query	   *query = parse_analyze_fixedparams(copyObject(src->raw_parse_tree),
														  src->query_string,
														  src->param_types,
														  src->num_params, NULL);

			ParamListInfo params = gov_execute_params((ExecuteStmt *) stmt, src, sql);

			/*
			 * EXECUTE runs a custom plan for its values or the generic one,
			 * as the plan cache chooses: both are judged, the stricter
			 * answer wins.
			 */
			actions = list_concat(actions, gov_query_actions(query, sql, depth));
			if (params != NULL)
				actions = list_concat(actions,
									  gov_query_actions_with(query, sql, depth, params));
		}
	}
	return actions;
}

PG_FUNCTION_INFO_V1(governance_check_1_0);
Datum
governance_check_1_0(PG_FUNCTION_ARGS)
{
	char	   *sql = text_to_cstring(PG_GETARG_TEXT_PP(0));
	List	   *raw = pg_parse_query(sql);
	StringInfoData out;
	StringInfoData stmts;
	GovDecision worst;
	bool		first = true;
	ListCell   *lc;

	if (raw == NIL)
		ereport(ERROR,
				(errcode(ERRCODE_SYNTAX_ERROR),
				 errmsg("governance.check() needs a statement")));
	memset(&worst, 0, sizeof(worst));
	worst.max_rows = -1;
	initStringInfo(&stmts);
	appendStringInfoChar(&stmts, '[');
	foreach(lc, raw)
	{
		RawStmt    *rs = lfirst_node(RawStmt, lc);
		int			loc = rs->stmt_location < 0 ? 0 : rs->stmt_location;
		int			len = rs->stmt_len > 0 ? rs->stmt_len : (int) strlen(sql + loc);
		List	   *queries = pg_analyze_and_rewrite_fixedparams(rs, sql, NULL, 0, NULL);
		List	   *plans = pg_plan_queries(queries, sql, CURSOR_OPT_PARALLEL_OK, NULL);
		List	   *actions = NIL;
		ListCell   *lp;
		GovDecision d;
		char	   *fingerprint;

		foreach(lp, plans)
			actions = list_concat(actions,
								  gov_statement_actions(lfirst_node(PlannedStmt, lp),
														sql, 0));
		governance_decide(actions, &d);
		fingerprint = governance_statement_fingerprint(sql + loc, len, actions, NULL);

		if (!first)
			appendStringInfoChar(&stmts, ',');
		first = false;
		appendStringInfoChar(&stmts, '{');
		gov_json_kv(&stmts, "statement", pnstrdup(sql + loc, len), false);
		gov_json_kv(&stmts, "decision", governance_effect_name(d.effect), true);
		gov_json_kv(&stmts, "rule", d.rule, true);
		gov_json_kv(&stmts, "reason", gov_reason(&d), true);
		appendStringInfo(&stmts, ",\"max_rows\":");
		if (d.max_rows >= 0)
			appendStringInfo(&stmts, INT64_FORMAT, d.max_rows);
		else
			appendStringInfoString(&stmts, "null");
		gov_json_kv(&stmts, "fingerprint", fingerprint, true);
		if (d.effect == GOV_REQUIRE_APPROVAL)
			gov_json_kv(&stmts, "approval",
						fingerprint && gov_approval_waiting(fingerprint) ? "granted" : "required",
						true);
		appendStringInfoString(&stmts, ",\"actions\":[");
		foreach(lp, actions)
		{
			if (lp != list_head(actions))
				appendStringInfoChar(&stmts, ',');
			escape_json(&stmts, governance_action_text(lfirst(lp)));
		}
		appendStringInfoString(&stmts, "]}");

		if (d.effect > worst.effect ||
			(d.effect == worst.effect && worst.rule == NULL && d.rule != NULL))
			worst = d;
		if (d.max_rows >= 0 && (worst.max_rows < 0 || d.max_rows < worst.max_rows))
		{
			worst.max_rows = d.max_rows;
			worst.budget_rule = d.budget_rule;
		}
	}
	appendStringInfoChar(&stmts, ']');

	initStringInfo(&out);
	appendStringInfoChar(&out, '{');
	gov_json_kv(&out, "decision", governance_effect_name(worst.effect), false);
	gov_json_kv(&out, "rule", worst.rule, true);
	gov_json_kv(&out, "reason", gov_reason(&worst), true);
	appendStringInfo(&out, ",\"max_rows\":");
	if (worst.max_rows >= 0)
		appendStringInfo(&out, INT64_FORMAT, worst.max_rows);
	else
		appendStringInfoString(&out, "null");
	appendStringInfo(&out, ",\"statements\":%s}", stmts.data);
	PG_RETURN_DATUM(DirectFunctionCall1(jsonb_in, CStringGetDatum(out.data)));
}
