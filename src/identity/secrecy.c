/*-------------------------------------------------------------------------
 *
 * secrecy.c
 *	  Keeping tokens out of server logs and the activity views.
 *
 * PostgreSQL itself writes statement text to places other roles can read:
 * the server log (log_statement, the STATEMENT line after an error) and
 * pg_stat_activity.query, which every session of the same role sees.  A
 * statement that sets governance.token carries a credential in its text.
 * Each log entry has every token-shaped run (and the value given to
 * the setting by the statement under way, however malformed) in the
 * message, detail, hint, context and internal query rewritten before it
 * is emitted, and debug_query_string pointed at a redacted copy of the statement, so
 * the STATEMENT line (and csvlog/jsonlog's query field) show it redacted.
 * The token's check hook, and the log hook on errors (a SET refused in an
 * aborted transaction, a batch that fails to parse), replace the backend's
 * activity string with a redacted copy before anything else can read it
 * at leisure.
 *
 * Other extensions' hooks (pg_stat_statements, pgaudit) see every
 * statement's text with its tokens redacted, whatever the statement: the
 * hook layer (src/hooks/hooks.c) hands them the copies made here when it
 * calls the hook installed before ours, and a server with none pays
 * nothing.  That holds only when governance is listed after them in
 * shared_preload_libraries; _PG_init warns when it is not.
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
#include "tcop/utility.h"
#include "governance/identity_redact.h"
#include "tcop/tcopprot.h"
#include "utils/backend_status.h"
#include "utils/elog.h"
#include "utils/memutils.h"

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

/* Redact every field of a log entry, and the statement it names. */
void
governance_secrecy_emit_log(ErrorData *edata)
{
	gov_redact_field(&edata->message);
	gov_redact_field(&edata->detail);
	gov_redact_field(&edata->detail_log);
	gov_redact_field(&edata->hint);
	gov_redact_field(&edata->context);
	gov_redact_field(&edata->internalquery);
	if (gov_redact_query() && edata->elevel <= ERROR && CritSectionCount == 0)
		gov_report_activity();
}

/*
 * Hand the hooks after ours (pg_stat_statements, pgaudit, ...) every
 * statement with its tokens redacted, whatever the statement: a SET, a
 * DO block or a procedure call with a token in its body, an EXPLAIN of a
 * set_config().  The rule: no text that reaches another extension's hook
 * from ours holds a token-shaped run.  A utility hook is handed a
 * redacted copy of the statement alone; the parse-analysis, planner and
 * executor hooks a copy of the same length, the runs overwritten, so that
 * the locations of statements and constants in it stay right.  The hook
 * layer asks for them only when there is a hook after ours.
 */
void
governance_secrecy_utility_text(PlannedStmt **pstmt, const char **queryString)
{
	if (*queryString != NULL && gov_holds_token(*queryString))
	{
		const char *own = *queryString;
		char	   *clean;

		if ((*pstmt)->stmt_location >= 0 && (*pstmt)->stmt_len > 0)
			own = pnstrdup(*queryString + (*pstmt)->stmt_location, (*pstmt)->stmt_len);
		else if ((*pstmt)->stmt_location > 0)
			own = *queryString + (*pstmt)->stmt_location;
		clean = governance_redact_text(own);
		if (clean != NULL)
		{
			PlannedStmt *copy = makeNode(PlannedStmt);

			memcpy(copy, *pstmt, sizeof(PlannedStmt));
			copy->stmt_location = 0;
			copy->stmt_len = 0;
			*pstmt = copy;
			*queryString = clean;
		}
	}
}

/* A copy of text of the same length with its tokens overwritten, or NULL. */
char *
governance_secrecy_same_length_copy(const char *text, MemoryContext cxt)
{
	char	   *copy;

	if (!gov_holds_token(text))
		return NULL;
	copy = MemoryContextStrdup(cxt, text);
	(void) gov_redact_tokens_in_place(copy);
	return copy;
}

/*
 * The executor hooks after ours read queryDesc->sourceText, at any of the
 * four: for a statement with a token, the hook layer points it at a
 * redacted copy (made once, in the QueryDesc's own memory) around the
 * next hook's call, and governance's own concerns, which run before, see
 * the original.
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

/*
 * A statement about to start: if its text holds a token, make the
 * redacted copy the hooks after ours will be shown.
 */
void
governance_secrecy_executor_start(QueryDesc *queryDesc)
{
	char	   *clean = governance_secrecy_same_length_copy(queryDesc->sourceText,
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
}

/*
 * Show the hooks after ours the redacted text of the statement, if it has
 * one; returns the text to put back with governance_secrecy_show(), or
 * NULL if nothing was changed.
 */
const char *
governance_secrecy_hide(QueryDesc *queryDesc)
{
	GovCleanText *ct = gov_clean_texts ? gov_clean_text_of(queryDesc) : NULL;

	if (ct == NULL)
		return NULL;
	queryDesc->sourceText = ct->clean;
	return ct->orig;
}

void
governance_secrecy_show(QueryDesc *queryDesc, const char *orig)
{
	if (orig != NULL)
		queryDesc->sourceText = orig;
}

/* The statement has ended: its redacted copy goes. */
void
governance_secrecy_executor_end(QueryDesc *queryDesc)
{
	GovCleanText *ct = gov_clean_texts ? gov_clean_text_of(queryDesc) : NULL;

	if (ct != NULL)
	{
		gov_clean_texts = list_delete_ptr(gov_clean_texts, ct);
		pfree(ct);
	}
}

/* Queries of an ended transaction are gone (their copies with them). */
void
governance_secrecy_xact_end(XactEvent event)
{
	if (gov_clean_texts != NIL &&
		(event == XACT_EVENT_ABORT || event == XACT_EVENT_COMMIT ||
		 event == XACT_EVENT_PARALLEL_ABORT || event == XACT_EVENT_PREPARE))
	{
		list_free_deep(gov_clean_texts);
		gov_clean_texts = NIL;
	}
}

/*
 * Does debug_query_string show text: text itself, or the redacted copy of
 * it that a log entry put there?  (The guard asks, to tell a fastpath
 * call's own text from a statement's.)
 */
bool
governance_secrecy_shows(const char *shown, const char *text)
{
	if (shown == NULL || text == NULL)
		return false;
	return shown == text ||
		(shown == gov_redacted_query && gov_redacted_source != NULL &&
		 strcmp(gov_redacted_source, text) == 0);
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
