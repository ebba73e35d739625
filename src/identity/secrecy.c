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
 * Other extensions' hooks (pg_stat_statements, pgaudit) see every
 * statement's text with its tokens redacted, whatever the statement: ours
 * are the innermost of governance's hooks, so what comes after them is
 * theirs, and a server with none pays nothing.  That holds only when
 * governance is listed after them in shared_preload_libraries; _PG_init
 * warns when it is not.
 *
 * src/identity/secrecy.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/parallel.h"
#include "access/xact.h"
#include "governance/identity.h"
#include "executor/executor.h"
#include "nodes/parsenodes.h"
#include "optimizer/planner.h"
#include "parser/analyze.h"
#include "tcop/utility.h"
#include "governance/redact.h"
#include "tcop/tcopprot.h"
#include "utils/backend_status.h"
#include "utils/elog.h"
#include "utils/memutils.h"

static emit_log_hook_type prev_emit_log_hook = NULL;
static ProcessUtility_hook_type prev_ProcessUtility = NULL;
static post_parse_analyze_hook_type prev_post_parse_analyze = NULL;
static planner_hook_type prev_planner = NULL;
static ExecutorStart_hook_type prev_ExecutorStart = NULL;
static ExecutorRun_hook_type prev_ExecutorRun = NULL;
static ExecutorFinish_hook_type prev_ExecutorFinish = NULL;
static ExecutorEnd_hook_type prev_ExecutorEnd = NULL;

/*
 * Our redacted copy of the statement, which debug_query_string may show,
 * and the text it was made from: a prepared statement that sets the token
 * in every transaction is redacted once, then recognised.
 */
static char *gov_redacted_query = NULL;
static char *gov_redacted_source = NULL;

/* Replace *field by a redacted copy in the current (error) context. */
static void
gov_redact_field(char **field)
{
	char	   *clean;

	if (*field == NULL)
		return;
	clean = gov_redact_tokens(*field);
	if (clean == NULL)
		return;
	*field = pstrdup(clean);
	gov_redact_free(clean);
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
	clean = gov_redact_tokens(debug_query_string);
	if (clean == NULL)
		return false;
	free(gov_redacted_source);
	gov_redacted_source = strdup(debug_query_string);
	gov_redact_free(gov_redacted_query);
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
 * Hand the hooks after ours (pg_stat_statements, pgaudit, ...) every
 * statement with its tokens redacted, whatever the statement: a SET, a
 * DO block or a procedure call with a token in its body, an EXPLAIN of a
 * set_config().  The rule: no text that reaches another extension's hook
 * from ours holds a token-shaped run.  The utility hook hands them a
 * redacted copy of the statement alone; the parse-analysis, planner and
 * executor hooks a copy of the same length, the runs overwritten, so that
 * the locations of statements and constants in it stay right.  Each is
 * installed only when there is a hook after it.
 */
static void
gov_secrecy_ProcessUtility(PlannedStmt *pstmt, const char *queryString,
						   bool readOnlyTree, ProcessUtilityContext context,
						   ParamListInfo params, QueryEnvironment *queryEnv,
						   DestReceiver *dest, QueryCompletion *qc)
{
	if (queryString != NULL && gov_holds_token(queryString))
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

/* A copy of text of the same length with its tokens overwritten, or NULL. */
static char *
gov_same_length_copy(const char *text, MemoryContext cxt)
{
	char	   *copy;

	if (!gov_holds_token(text))
		return NULL;
	copy = MemoryContextStrdup(cxt, text);
	(void) gov_redact_tokens_in_place(copy);
	return copy;
}

static void
gov_secrecy_post_parse_analyze(ParseState *pstate, Query *query,
							   JumbleState *jstate)
{
	const char *orig = pstate->p_sourcetext;
	char	   *clean = gov_same_length_copy(orig, CurrentMemoryContext);

	if (clean == NULL)
	{
		prev_post_parse_analyze(pstate, query, jstate);
		return;
	}
	pstate->p_sourcetext = clean;
	PG_TRY();
	{
		prev_post_parse_analyze(pstate, query, jstate);
	}
	PG_FINALLY();
	{
		pstate->p_sourcetext = orig;
	}
	PG_END_TRY();
}

static PlannedStmt *
gov_secrecy_planner(Query *parse, const char *query_string, int cursorOptions,
					ParamListInfo boundParams)
{
	char	   *clean = gov_same_length_copy(query_string, CurrentMemoryContext);

	return prev_planner(parse, clean ? clean : query_string, cursorOptions,
						boundParams);
}

/*
 * The executor hooks after ours read queryDesc->sourceText, at any of the
 * four: for a statement with a token, each of ours points it at a redacted
 * copy (made once, in the QueryDesc's own memory) around the next hook's
 * call, and governance's own hooks, which run before, see the original.
 */
typedef struct GovCleanText
{
	QueryDesc  *qd;
	const char *orig;
	const char *clean;
} GovCleanText;

static List *gov_clean_texts = NIL; /* in TopMemoryContext */

static GovCleanText *
gov_clean_text_of(QueryDesc *qd)
{
	ListCell   *lc;

	foreach(lc, gov_clean_texts)
		if (((GovCleanText *) lfirst(lc))->qd == qd)
			return lfirst(lc);
	return NULL;
}

/* Run call with qd's text redacted, if it has a redacted copy. */
#define GOV_WITH_CLEAN_TEXT(qd, call) \
	do { \
		GovCleanText *volatile ct_ = gov_clean_texts ? gov_clean_text_of(qd) : NULL; \
		if (ct_ == NULL) \
			call; \
		else \
		{ \
			(qd)->sourceText = ct_->clean; \
			PG_TRY(); \
			{ \
				call; \
			} \
			PG_FINALLY(); \
			{ \
				(qd)->sourceText = ct_->orig; \
			} \
			PG_END_TRY(); \
		} \
	} while (0)

static void
gov_secrecy_ExecutorStart(QueryDesc *queryDesc, int eflags)
{
	char	   *clean = gov_same_length_copy(queryDesc->sourceText,
											 GetMemoryChunkContext(queryDesc));

	if (clean != NULL)
	{
		MemoryContext old = MemoryContextSwitchTo(TopMemoryContext);
		GovCleanText *ct = palloc(sizeof(GovCleanText));

		ct->qd = queryDesc;
		ct->orig = queryDesc->sourceText;
		ct->clean = clean;
		gov_clean_texts = lappend(gov_clean_texts, ct);
		MemoryContextSwitchTo(old);
	}
	GOV_WITH_CLEAN_TEXT(queryDesc, prev_ExecutorStart(queryDesc, eflags));
}

static void
gov_secrecy_ExecutorRun(QueryDesc *queryDesc, ScanDirection direction,
						uint64 count, bool execute_once)
{
	GOV_WITH_CLEAN_TEXT(queryDesc,
						prev_ExecutorRun(queryDesc, direction, count, execute_once));
}

static void
gov_secrecy_ExecutorFinish(QueryDesc *queryDesc)
{
	GOV_WITH_CLEAN_TEXT(queryDesc, prev_ExecutorFinish(queryDesc));
}

static void
gov_secrecy_ExecutorEnd(QueryDesc *queryDesc)
{
	GovCleanText *volatile ct = gov_clean_texts ? gov_clean_text_of(queryDesc) : NULL;

	GOV_WITH_CLEAN_TEXT(queryDesc, prev_ExecutorEnd(queryDesc));
	if (ct != NULL)
	{
		gov_clean_texts = list_delete_ptr(gov_clean_texts, ct);
		pfree(ct);
	}
}

/* Queries of an ended transaction are gone (their copies with them). */
static void
gov_secrecy_xact_callback(XactEvent event, void *arg)
{
	if (gov_clean_texts != NIL &&
		(event == XACT_EVENT_ABORT || event == XACT_EVENT_COMMIT ||
		 event == XACT_EVENT_PARALLEL_ABORT || event == XACT_EVENT_PREPARE))
	{
		list_free_deep(gov_clean_texts);
		gov_clean_texts = NIL;
	}
}

void
governance_secrecy_init(void)
{
	prev_emit_log_hook = emit_log_hook;
	emit_log_hook = gov_emit_log;
	/* Before governance's other hooks, so they run after them. */
	if (ProcessUtility_hook != NULL)
	{
		prev_ProcessUtility = ProcessUtility_hook;
		ProcessUtility_hook = gov_secrecy_ProcessUtility;
	}
	if (post_parse_analyze_hook != NULL)
	{
		prev_post_parse_analyze = post_parse_analyze_hook;
		post_parse_analyze_hook = gov_secrecy_post_parse_analyze;
	}
	if (planner_hook != NULL)
	{
		prev_planner = planner_hook;
		planner_hook = gov_secrecy_planner;
	}
	if (ExecutorStart_hook != NULL || ExecutorRun_hook != NULL ||
		ExecutorFinish_hook != NULL || ExecutorEnd_hook != NULL)
	{
		prev_ExecutorStart = ExecutorStart_hook ? ExecutorStart_hook : standard_ExecutorStart;
		ExecutorStart_hook = gov_secrecy_ExecutorStart;
		prev_ExecutorRun = ExecutorRun_hook ? ExecutorRun_hook : standard_ExecutorRun;
		ExecutorRun_hook = gov_secrecy_ExecutorRun;
		prev_ExecutorFinish = ExecutorFinish_hook ? ExecutorFinish_hook : standard_ExecutorFinish;
		ExecutorFinish_hook = gov_secrecy_ExecutorFinish;
		prev_ExecutorEnd = ExecutorEnd_hook ? ExecutorEnd_hook : standard_ExecutorEnd;
		ExecutorEnd_hook = gov_secrecy_ExecutorEnd;
		RegisterXactCallback(gov_secrecy_xact_callback, NULL);
	}
}

/* A palloc'd redacted copy of text, or NULL if it holds no token. */
char *
governance_redact_text(const char *text)
{
	char	   *clean = gov_redact_tokens(text);
	char	   *result;

	if (clean == NULL)
		return NULL;
	result = pstrdup(clean);
	gov_redact_free(clean);
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
