/*-------------------------------------------------------------------------
 *
 * secrecy.c
 *	  Keeping tokens out of server logs and the activity views.
 *
 * PostgreSQL itself writes statement text to places other roles can read:
 * the server log (log_statement, the STATEMENT line after an error) and
 * pg_stat_activity.query, which every session of the same role sees.  A
 * statement that sets governance.token carries a credential in its text.
 * An emit_log_hook rewrites every token-shaped run (and the value given to
 * the setting by the statement under way, however malformed) in the
 * message, detail, hint, context and internal query of each log entry,
 * and points debug_query_string at a redacted copy of the statement, so
 * the STATEMENT line (and csvlog/jsonlog's query field) show it redacted.
 * The token's check hook, and the log hook on errors (a SET refused in an
 * aborted transaction, a batch that fails to parse), replace the backend's
 * activity string with a redacted copy before anything else can read it
 * at leisure.
 *
 * Other extensions' utility hooks (pg_stat_statements, pgaudit) see the
 * text of a statement that sets the token redacted: ours is the innermost
 * of governance's hooks, so what comes after it is theirs, and a session
 * with none pays nothing.
 *
 * The exact value last given to the setting is matched only during the
 * statement that gave it: otherwise a session could set a value such as
 * "division by zero" and have every later mention of it blanked out.
 *
 * src/identity/secrecy.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/parallel.h"
#include "access/xact.h"
#include "governance/identity.h"
#include "nodes/parsenodes.h"
#include "tcop/utility.h"
#include "governance/redact.h"
#include "tcop/tcopprot.h"
#include "utils/backend_status.h"
#include "utils/elog.h"
#include "utils/memutils.h"

static emit_log_hook_type prev_emit_log_hook = NULL;
static ProcessUtility_hook_type prev_ProcessUtility = NULL;

/*
 * Our redacted copy of the statement, which debug_query_string may show,
 * and the text it was made from: a prepared statement that sets the token
 * in every transaction is redacted once, then recognised.
 */
static char *gov_redacted_query = NULL;
static char *gov_redacted_source = NULL;

/* The token value attempted by the statement under way, if any. */
static const char *
gov_attempt(void)
{
	if (governance_last_token_attempt != NULL &&
		governance_last_token_attempt_at == GetCurrentStatementStartTimestamp())
		return governance_last_token_attempt;
	return NULL;
}

/* Replace *field by a redacted copy in the current (error) context. */
static void
gov_redact_field(char **field)
{
	char	   *clean;

	if (*field == NULL)
		return;
	clean = gov_redact_tokens(*field, gov_attempt());
	if (clean == NULL)
		return;
	*field = pstrdup(clean);
	free(clean);
}

/*
 * Point debug_query_string at a redacted copy of the statement if it holds
 * a token.  Returns whether it now points at our copy.
 */
static bool
gov_redact_query(void)
{
	char	   *clean;

	if (debug_query_string == NULL)
		return false;
	if (debug_query_string == gov_redacted_query)
		return true;
	if (gov_redacted_source != NULL &&
		strcmp(debug_query_string, gov_redacted_source) == 0)
	{
		debug_query_string = gov_redacted_query;
		return true;
	}
	clean = gov_redact_tokens(debug_query_string, gov_attempt());
	if (clean == NULL)
		return false;
	free(gov_redacted_source);
	gov_redacted_source = strdup(debug_query_string);
	free(gov_redacted_query);
	gov_redacted_query = clean;
	debug_query_string = clean;
	return true;
}

static void
gov_report_activity(void)
{
	if (!IsParallelWorker() && MyBEEntry != NULL)
		pgstat_report_activity(STATE_RUNNING, debug_query_string);
}

static void
gov_emit_log(ErrorData *edata)
{
	gov_redact_field(&edata->message);
	gov_redact_field(&edata->detail);
	gov_redact_field(&edata->detail_log);
	gov_redact_field(&edata->hint);
	gov_redact_field(&edata->context);
	gov_redact_field(&edata->internalquery);
	if (gov_redact_query() && edata->elevel <= ERROR && CritSectionCount == 0)
		gov_report_activity();
	if (prev_emit_log_hook)
		prev_emit_log_hook(edata);
}

/*
 * Hand the hooks after ours a statement that sets the token with its text
 * redacted.  Installed only when there are such hooks.
 */
static void
gov_secrecy_ProcessUtility(PlannedStmt *pstmt, const char *queryString,
						   bool readOnlyTree, ProcessUtilityContext context,
						   ParamListInfo params, QueryEnvironment *queryEnv,
						   DestReceiver *dest, QueryCompletion *qc)
{
	Node	   *stmt = pstmt->utilityStmt;

	if (IsA(stmt, VariableSetStmt) && queryString != NULL &&
		governance_names_token_setting(((VariableSetStmt *) stmt)->name))
	{
		const char *own = queryString;
		char	   *clean;

		if (pstmt->stmt_location >= 0 && pstmt->stmt_len > 0)
			own = pnstrdup(queryString + pstmt->stmt_location, pstmt->stmt_len);
		else if (pstmt->stmt_location > 0)
			own = queryString + pstmt->stmt_location;
		clean = governance_redact_text(own);
		if (clean != NULL)
		{
			PlannedStmt *copy = makeNode(PlannedStmt);

			memcpy(copy, pstmt, sizeof(PlannedStmt));
			copy->stmt_location = 0;
			copy->stmt_len = 0;
			pstmt = copy;
			queryString = clean;
		}
	}
	prev_ProcessUtility(pstmt, queryString, readOnlyTree, context,
						params, queryEnv, dest, qc);
}

void
governance_secrecy_init(void)
{
	prev_emit_log_hook = emit_log_hook;
	emit_log_hook = gov_emit_log;
	/* Before governance's other hooks, so it runs after them. */
	if (ProcessUtility_hook != NULL)
	{
		prev_ProcessUtility = ProcessUtility_hook;
		ProcessUtility_hook = gov_secrecy_ProcessUtility;
	}
}

/* A palloc'd redacted copy of text, or NULL if it holds no token. */
char *
governance_redact_text(const char *text)
{
	char	   *clean = gov_redact_tokens(text, gov_attempt());
	char	   *result;

	if (clean == NULL)
		return NULL;
	result = pstrdup(clean);
	free(clean);
	return result;
}

/*
 * Replace the activity string other sessions see with a redacted copy of
 * the statement, if it holds a token.
 */
void
governance_redact_activity(void)
{
	if (gov_redact_query())
		gov_report_activity();
}
