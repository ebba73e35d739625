/*-------------------------------------------------------------------------
 *
 * secrecy.c
 *	  Keeping tokens out of server logs and the activity views.
 *
 * PostgreSQL itself writes statement text to places other roles can read:
 * the server log (log_statement, the STATEMENT line after an error) and
 * pg_stat_activity.query, which every session of the same role sees.  A
 * statement that sets governance.token carries a credential in its text.
 * An emit_log_hook rewrites every token-shaped run (and the last value
 * given to the setting, however malformed) in the message, detail, hint,
 * context and internal query of each log entry, and hides the statement
 * line when the statement holds a token.  The token's check hook replaces
 * the backend's activity string with a redacted copy before anything else
 * can read it at leisure.
 *
 * src/identity/secrecy.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/parallel.h"
#include "governance/identity.h"
#include "governance/redact.h"
#include "tcop/tcopprot.h"
#include "utils/backend_status.h"
#include "utils/elog.h"
#include "utils/memutils.h"

static emit_log_hook_type prev_emit_log_hook = NULL;

/* Replace *field by a redacted copy in the current (error) context. */
static void
gov_redact_field(char **field)
{
	char	   *clean;

	if (*field == NULL)
		return;
	clean = gov_redact_tokens(*field, governance_last_token_attempt);
	if (clean == NULL)
		return;
	*field = pstrdup(clean);
	free(clean);
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
	if (debug_query_string != NULL &&
		gov_has_token(debug_query_string, governance_last_token_attempt))
		edata->hide_stmt = true;
	if (prev_emit_log_hook)
		prev_emit_log_hook(edata);
}

void
governance_secrecy_init(void)
{
	prev_emit_log_hook = emit_log_hook;
	emit_log_hook = gov_emit_log;
}

/* A palloc'd redacted copy of text, or NULL if it holds no token. */
char *
governance_redact_text(const char *text)
{
	char	   *clean = gov_redact_tokens(text, governance_last_token_attempt);
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
	char	   *clean;

	if (debug_query_string == NULL || IsParallelWorker() || MyBEEntry == NULL)
		return;
	clean = governance_redact_text(debug_query_string);
	if (clean == NULL)
		return;
	pgstat_report_activity(STATE_RUNNING, clean);
	pfree(clean);
}
