/*-------------------------------------------------------------------------
 *
 * statement.c
 *	  Audit events for statements: what the hook layer hands the audit at
 *	  each point of a statement's life.
 *
 * A plannable statement is recorded at ExecutorEnd, when its rows are
 * known; a utility statement after ProcessUtility returns.  Statements run
 * by functions, DO blocks and procedures reach the same hooks while an
 * outer statement runs; they are recorded with nested = true and their
 * nesting level.  A top-level statement that fails is recorded from a
 * PG_CATCH around its execution, with its SQLSTATE and message, before the
 * error propagates; one that fails before execution (a syntax error, say)
 * is recorded when its error is reported.
 *
 * The audit only receives.  The hook layer (src/hooks/hooks.c) calls the
 * functions here in the order it states; it hands over the decision on a
 * statement already described (GovAuditDecision) and the labelled columns
 * a query delivers already named, so nothing here reads the policy, the
 * guard or the masks.
 *
 * Nothing is allocated on the statement path for statements the audit
 * level skips.  Per-query state lives in a table keyed by the QueryDesc
 * that grows with the number of open queries (a statement that cannot be
 * given a slot fails: it is never run unrecorded); the nesting counter
 * changes only in PG_TRY/PG_FINALLY.
 * Parallel workers record nothing: their leader records the statement.
 *
 * The names of the relations and columns a statement touches come from
 * the per-backend name cache (src/common/names.c) rather than from catalog
 * lookups and string formatting for every statement, which cost more than
 * the rest of the event together.
 *
 * src/audit/statement.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/parallel.h"
#include "access/xact.h"
#include "access/xlog.h"
#include "commands/defrem.h"
#include "executor/executor.h"
#include "audit_internal.h"
#include "governance/audit.h"
#include "governance/common.h"
#include "storage/ipc.h"
#include "miscadmin.h"
#include "nodes/nodeFuncs.h"
#include "nodes/plannodes.h"
#include "parser/parsetree.h"
#include "tcop/cmdtag.h"
#include "tcop/tcopprot.h"
#include "tcop/utility.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/hsearch.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/syscache.h"
#include "utils/timestamp.h"

#define GOV_MAX_OBJECTS 64

struct GovAuditQuery
{
	QueryDesc  *query;			/* NULL: slot free */
	TimestampTz start;
	int			level;
	SubTransactionId subxid;	/* where it started; dies with it */
	XLogRecPtr	wal;			/* the transaction's WAL end when it started */
	/* Labelled columns it hands the client, as "schema.table.column:label" */
	const char **masked;
	const char **clear;
	int			nmasked;
	int			nclear;
	GovAuditOutput output;		/* what the output scan saw it deliver */
};

typedef struct GovAuditQuery GovQueryState;

/*
 * Open queries (cursors keep theirs open): the table grows as needed, in
 * TopMemoryContext, so there is no number of open cursors past which
 * statements would go unrecorded.
 */
static GovQueryState *gov_queries = NULL;
static int	gov_queries_size = 0;
static int	gov_queries_used = 0;	/* slots taken, so ExecutorEnd can skip */
static int	gov_nesting = 0;

/* The top-level error that a PG_CATCH already recorded. */
static bool gov_error_recorded = false;

/* A top-level statement starts: its nested statements are counted anew. */
static void
gov_top_level_start(void)
{
	gov_error_recorded = false;
	governance_audit_nested_reset();
}

/* A failure event audit_sync must wait for once the error is reported. */
static uint64 gov_failure_seq = 0;

static MemoryContext gov_audit_cxt = NULL;

static GovQueryState *gov_find_query(QueryDesc *query);

/* The audit level a plannable statement belongs to. */
static GovAuditLevel
gov_plan_class(PlannedStmt *pstmt)
{
	if (pstmt->commandType == CMD_SELECT && !pstmt->hasModifyingCTE)
		return GOV_AUDIT_ALL;
	return GOV_AUDIT_WRITE;
}

/* The audit level a utility statement belongs to, as log_statement sees it. */
static GovAuditLevel
gov_utility_class(Node *stmt)
{
	switch (GetCommandLogLevel(stmt))
	{
		case LOGSTMT_DDL:
			return GOV_AUDIT_DDL;
		case LOGSTMT_MOD:
			return GOV_AUDIT_WRITE;
		default:
			return GOV_AUDIT_ALL;
	}
}

static bool
gov_audited(GovAuditLevel class)
{
	return !IsParallelWorker() && (int) governance_audit_level >= (int) class &&
		governance_audit_level != GOV_AUDIT_NONE && governance_inhibit == 0;
}

/* The policy's decision on the statement, if it was judged. */
static void
gov_put_decision(GovAuditRecord *r, const GovAuditDecision *d)
{
	if (d == NULL || d->effect == NULL)
		return;
	gov_audit_put_str(r, GOV_AF_DECISION, d->effect);
	if (d->rule != NULL)
	{
		gov_audit_put_str(r, GOV_AF_RULE, d->rule);
		gov_audit_put_str(r, GOV_AF_POLICY_ACTION, d->action);
	}
	if (d->max_rows >= 0)
		gov_audit_put_int(r, GOV_AF_MAX_ROWS, d->max_rows);
	if (d->request_id != 0)
		gov_audit_put_int(r, GOV_AF_REQUEST_ID, d->request_id);
}

/*
 * The labelled columns the statement hands its client, named when its
 * executor starts (src/mask/delivered.c): an invalidation later in the
 * statement may empty the label cache before it ends.
 */
void
governance_audit_query_delivered(GovAuditQuery *q, const char **masked,
								 int nmasked, const char **clear, int nclear)
{
	q->masked = masked;
	q->nmasked = nmasked;
	q->clear = clear;
	q->nclear = nclear;
}

void
governance_audit_output_add(GovAuditOutput *into, const GovAuditOutput *out)
{
	if (!out->scanned)
		return;
	into->scanned = true;
	into->rows += out->rows;
	into->bytes += out->bytes;
	into->redacted += out->redacted;
	for (int i = 0; i < out->nredacted_by; i++)
	{
		int			k;

		for (k = 0; k < into->nredacted_by; k++)
			if (strcmp(into->redacted_by[k], out->redacted_by[i]) == 0)
				break;
		if (k == into->nredacted_by && k < GOV_AUDIT_MAX_REDACTORS)
			into->redacted_by[into->nredacted_by++] = out->redacted_by[i];
	}
}

/* The query's slot, if it is being recorded, gets what was delivered. */
void
governance_audit_query_output(QueryDesc *queryDesc, const GovAuditOutput *out)
{
	GovQueryState *slot = gov_find_query(queryDesc);

	if (slot != NULL)
		governance_audit_output_add(&slot->output, out);
}

/*
 * What the output scan saw, when it saw rows: the bytes delivered and,
 * when it replaced values, how many and which detectors fired; rows too
 * when the statement counts none of its own (the output parameters of a
 * CALL).
 */
static void
gov_put_output(GovAuditRecord *r, const GovAuditOutput *out, bool has_rows)
{
	if (out == NULL || !out->scanned || (out->rows == 0 && out->redacted == 0))
		return;
	if (!has_rows && out->rows > 0)
		gov_audit_put_int(r, GOV_AF_ROWS, (int64) out->rows);
	gov_audit_put_int(r, GOV_AF_BYTES, (int64) out->bytes);
	if (out->redacted > 0)
	{
		gov_audit_put_int(r, GOV_AF_REDACTED, (int64) out->redacted);
		gov_audit_put_strs(r, GOV_AF_REDACTED_BY, out->redacted_by,
						   out->nredacted_by);
	}
}

/*
 * "schema.table" of each relation the plan reads or writes, its columns,
 * and the labelled columns it hands the client masked or clear.
 */
static void
gov_put_objects(GovAuditRecord *r, PlannedStmt *pstmt, const GovQueryState *slot)
{
	const char *rels[GOV_MAX_OBJECTS];
	const char *cols[GOV_MAX_OBJECTS];
	int			nrels = 0,
				ncols = 0;
	ListCell   *lc;

	/* No name from the cache is in use here: it may tidy itself. */
	governance_names_collect();

	foreach(lc, pstmt->rtable)
	{
		RangeTblEntry *rte = lfirst_node(RangeTblEntry, lc);
		GovRelNames *names;
		Bitmapset  *attrs;
		int			k = -1;

		if (rte->rtekind != RTE_RELATION || rte->requiredPerms == 0 ||
			nrels >= GOV_MAX_OBJECTS)
			continue;
		names = governance_relation_names(rte->relid);
		if (names == NULL)
			continue;
		rels[nrels++] = names->name;
		/* Most statements only read: no set to build. */
		attrs = rte->selectedCols;
		if (rte->insertedCols != NULL || rte->updatedCols != NULL)
			attrs = bms_union(attrs,
							  bms_union(rte->insertedCols, rte->updatedCols));
		while ((k = bms_next_member(attrs, k)) >= 0 && ncols < GOV_MAX_OBJECTS)
		{
			AttrNumber	att = k + FirstLowInvalidHeapAttributeNumber;
			const char *name;

			if (att <= 0)
				continue;		/* whole-row and system columns */
			name = governance_column_name(names, rte->relid, att);
			if (name != NULL)
				cols[ncols++] = name;
		}
	}
	if (nrels > 0)
		gov_audit_put_strs(r, GOV_AF_RELATIONS, rels, nrels);
	if (ncols > 0)
		gov_audit_put_strs(r, GOV_AF_COLUMNS, cols, ncols);
	if (slot->nmasked > 0)
		gov_audit_put_strs(r, GOV_AF_MASKED, slot->masked, slot->nmasked);
	if (slot->nclear > 0)
		gov_audit_put_strs(r, GOV_AF_UNMASKED, slot->clear, slot->nclear);
}

/* Record a statement; audit_sync waits for top-level ones. */
static void
gov_emit_statement(GovAuditRecord *r, int level, int elevel)
{
	uint64		seq;

	seq = governance_audit_emit(r, elevel);
	if (level == 0 && governance_audit_sync && seq != 0)
		governance_ring_wait_durable(seq);
}

static void
gov_statement_header(GovAuditRecord *r, const char *action, int level,
					 const char *tag, TimestampTz now)
{
	governance_audit_common_at(r, "statement", action,
							   governance_current_identity(), now);
	gov_audit_put_bool(r, GOV_AF_NESTED, level > 0);
	if (level > 0)
		gov_audit_put_int(r, GOV_AF_NESTING_LEVEL, level);
	if (tag != NULL)
		gov_audit_put_str(r, GOV_AF_COMMAND_TAG, tag);
}

/*
 * Record the error now being raised by a statement.  A nested one is
 * recorded too (a caught error leaves no other trace of what it read),
 * within the nested cap: a failed statement changed nothing.
 */
static bool
gov_record_failure(const char *source, int location, int len, const char *tag,
				   TimestampTz start, int level, QueryDesc *query,
				   const GovQueryState *slot, const GovAuditOutput *output,
				   const GovAuditDecision *blocking)
{
	MemoryContext old;
	ErrorData  *edata;
	char		buf[GOV_AUDIT_MAX_RECORD];
	GovAuditRecord r;
	TimestampTz now = GetCurrentTimestamp();

	if (level > 0 && !governance_audit_nested_recordable(false))
		return false;
	old = MemoryContextSwitchTo(gov_audit_cxt);
	edata = CopyErrorData();
	gov_audit_record_init(&r, buf, sizeof(buf));
	gov_statement_header(&r, "failed", level, tag, now);
	governance_audit_put_statement(&r, source, location, len, true);
	/* What a nested statement read: a caught error leaves no other trace. */
	if (level > 0 && query != NULL && slot != NULL)
		gov_put_objects(&r, query->plannedstmt, slot);
	gov_put_output(&r, output, false);
	if (start != 0)
		gov_audit_put_int(&r, GOV_AF_DURATION_US, (int64) (now - start));
	gov_put_decision(&r, blocking);
	if (level == 0)
		governance_audit_put_nested_unrecorded(&r);
	gov_audit_put_str(&r, GOV_AF_SQLSTATE, unpack_sql_state(edata->sqlerrcode));
	if (edata->message != NULL)
	{
		char	   *clean = governance_redact_text(edata->message);

		gov_audit_put_str(&r, GOV_AF_MESSAGE, clean ? clean : edata->message);
	}
	/* Failing anyway: a full ring must not replace the statement's error. */
	if (level == 0)
	{
		gov_failure_seq = governance_audit_emit(&r, WARNING);
		gov_error_recorded = true;
	}
	else
		(void) governance_audit_emit(&r, WARNING);
	MemoryContextSwitchTo(old);
	MemoryContextReset(gov_audit_cxt);
	return level == 0;
}

/* Failures are recorded at every audit level when the policy caused them. */
static bool
gov_failure_audited(const GovAuditDecision *blocking)
{
	return !IsParallelWorker() && governance_inhibit == 0 &&
		(governance_audit_level != GOV_AUDIT_NONE ||
		 (blocking != NULL && blocking->effect != NULL));
}

static GovQueryState *
gov_find_query(QueryDesc *query)
{
	int			i;

	if (query != NULL && gov_queries_used == 0)
		return NULL;
	for (i = 0; i < gov_queries_size; i++)
		if (gov_queries[i].query == query)
			return &gov_queries[i];
	return NULL;
}

/* A free slot, the table grown if it is full (an error if no memory). */
static GovQueryState *
gov_new_query_slot(void)
{
	GovQueryState *slot = gov_queries_used < gov_queries_size ?
		gov_find_query(NULL) : NULL;

	if (slot == NULL)
	{
		int			size = Max(gov_queries_size * 2, 64);

		gov_queries = gov_queries == NULL ?
			MemoryContextAllocZero(TopMemoryContext, sizeof(GovQueryState) * size) :
			repalloc(gov_queries, sizeof(GovQueryState) * size);
		memset(gov_queries + gov_queries_size, 0,
			   sizeof(GovQueryState) * (size - gov_queries_size));
		slot = &gov_queries[gov_queries_size];
		gov_queries_size = size;
	}
	return slot;
}


/*
 * A statement starts.  A top-level one (not run by another, nor by the
 * extension itself) has its nested statements counted anew.
 */
bool
governance_audit_statement_start(void)
{
	if (gov_nesting != 0 || governance_inhibit != 0)
		return false;
	gov_top_level_start();
	return true;
}

/* ExecutorStart has run: take a slot if the audit level records it. */
GovAuditQuery *
governance_audit_query_started(QueryDesc *queryDesc, int eflags)
{
	GovQueryState *slot;

	if ((eflags & EXEC_FLAG_EXPLAIN_ONLY) != 0 ||
		!gov_audited(gov_plan_class(queryDesc->plannedstmt)))
		return NULL;
	slot = gov_new_query_slot();
	slot->query = queryDesc;
	gov_queries_used++;
	slot->start = GetCurrentTimestamp();
	slot->level = gov_nesting;
	slot->subxid = GetCurrentSubTransactionId();
	slot->wal = XactLastRecEnd;
	slot->nmasked = slot->nclear = 0;
	memset(&slot->output, 0, sizeof(slot->output));
	return slot;
}

/*
 * A nested statement failed in ExecutorStart, before it had a slot: a
 * permission refused on a table it names, say.  An exception block may
 * catch the error and leave no other trace, so it is recorded now, with
 * the relations it names, if the audit level records statements of its
 * kind (within the nested cap).  A top-level one is recorded as its error
 * is reported.
 */
void
governance_audit_start_failed(QueryDesc *queryDesc, int eflags,
							  const GovAuditDecision *blocking)
{
	PlannedStmt *pstmt = queryDesc->plannedstmt;
	GovQueryState none;

	if (gov_nesting == 0 || (eflags & EXEC_FLAG_EXPLAIN_ONLY) != 0 ||
		!gov_audited(gov_plan_class(pstmt)) || !gov_failure_audited(blocking))
		return;
	memset(&none, 0, sizeof(none));
	(void) gov_record_failure(queryDesc->sourceText, pstmt->stmt_location,
							  pstmt->stmt_len,
							  GetCommandTagName(CreateCommandTag((Node *) pstmt)),
							  0, gov_nesting, queryDesc, &none, NULL, blocking);
}

/*
 * What ExecutorRun and ExecutorFinish run is one level deeper.  With the
 * audit off there is nothing to record and no level to keep (it is reset
 * at abort).
 */
int
governance_audit_nest(void)
{
	if (governance_audit_level == GOV_AUDIT_NONE)
		return -1;
	return gov_nesting++;
}

void
governance_audit_unnest(int level)
{
	if (level >= 0)
		gov_nesting = level;
}

/*
 * A plannable statement is failing: record it (a top-level one whenever
 * failures are audited, a nested one if it was being audited), and free
 * its slot.  A top-level statement failing in ExecutorFinish is recorded
 * where it ends instead.
 */
bool
governance_audit_query_failed(QueryDesc *queryDesc, int level, bool finishing,
							  const GovAuditDecision *blocking)
{
	GovQueryState *slot;
	bool		top = false;

	if (level < 0)
		return false;
	gov_nesting = level;
	if (finishing && level == 0)
		return false;
	slot = gov_find_query(queryDesc);
	if ((level == 0 && gov_failure_audited(blocking)) ||
		(level > 0 && slot != NULL && gov_failure_audited(blocking)))
		top = gov_record_failure(queryDesc->sourceText,
								 queryDesc->plannedstmt->stmt_location,
								 queryDesc->plannedstmt->stmt_len,
								 GetCommandTagName(CreateCommandTag((Node *) queryDesc->plannedstmt)),
								 slot ? slot->start : 0, level, queryDesc, slot,
								 slot ? &slot->output : NULL, blocking);
	if (slot != NULL)
	{
		slot->query = NULL;
		gov_queries_used--;
	}
	return top;
}

/*
 * ExecutorEnd: the slot to record, or NULL.  A nested statement past the
 * cap is only counted, with the relations it read.
 */
GovAuditQuery *
governance_audit_query_ending(QueryDesc *queryDesc)
{
	GovQueryState *slot = gov_find_query(queryDesc);

	if (slot != NULL && slot->level > 0 &&
		!governance_audit_nested_recordable(governance_audit_nested_past_cap() &&
										   governance_audit_query_changed(queryDesc, slot->wal)))
	{
		governance_audit_nested_unrecorded(queryDesc->plannedstmt);
		slot->query = NULL;
		gov_queries_used--;
		slot = NULL;
	}
	return slot;
}

bool
governance_audit_query_end(GovAuditQuery *slot, QueryDesc *queryDesc,
						   const GovAuditDecision *decision)
{
	PlannedStmt *pstmt = queryDesc->plannedstmt;
	char		buf[GOV_AUDIT_MAX_RECORD];
	GovAuditRecord r;
	int			level = slot->level;
	TimestampTz now = GetCurrentTimestamp();

	gov_audit_record_init(&r, buf, sizeof(buf));
	gov_statement_header(&r, "completed", level,
						 GetCommandTagName(CreateCommandTag((Node *) pstmt)),
						 now);
	governance_audit_put_statement(&r, queryDesc->sourceText, pstmt->stmt_location,
					  pstmt->stmt_len, true);
	gov_put_objects(&r, pstmt, slot);
	gov_put_decision(&r, decision);
	if (queryDesc->estate != NULL)
		gov_audit_put_int(&r, GOV_AF_ROWS, (int64) queryDesc->estate->es_processed);
	gov_put_output(&r, &slot->output, queryDesc->estate != NULL);
	gov_audit_put_int(&r, GOV_AF_DURATION_US, (int64) (now - slot->start));
	slot->query = NULL;
	gov_queries_used--;
	if (level == 0)
		governance_audit_put_nested_unrecorded(&r);
	gov_emit_statement(&r, level, ERROR);
	return level == 0;
}

/*
 * A utility statement is about to run.  Its text is copied first: the
 * statement may free it (ROLLBACK of a portal).
 */
void
governance_audit_utility_begin(GovAuditUtility *u, PlannedStmt *pstmt,
							   const char *queryString)
{
	Node	   *stmt = pstmt->utilityStmt;

	u->level = gov_nesting;
	u->audited = gov_audited(gov_utility_class(stmt));
	u->start = u->audited ? GetCurrentTimestamp() : 0;
	u->tag = CreateCommandTag(stmt);
	u->location = pstmt->stmt_location;
	u->len = pstmt->stmt_len;
	u->source = NULL;
	u->top_level = u->level == 0 && governance_inhibit == 0;
	memset(&u->output, 0, sizeof(u->output));

	if (u->top_level)
		gov_top_level_start();
	/*
	 * A SET of the token is recorded as what the parse tree says it is, its
	 * value hidden whatever it holds (a malformed token is a credential
	 * too, and text scanning cannot tell where a malformed value ends).
	 */
	if (IsA(stmt, VariableSetStmt) &&
		((VariableSetStmt *) stmt)->kind == VAR_SET_VALUE &&
		governance_names_token_setting(((VariableSetStmt *) stmt)->name))
	{
		u->source = ((VariableSetStmt *) stmt)->is_local ?
			"SET LOCAL governance.token = '<redacted>'" :
			"SET governance.token = '<redacted>'";
		u->location = 0;
		u->len = strlen(u->source);
	}
	else if ((u->audited || governance_audit_level == GOV_AUDIT_NONE) &&
			 queryString != NULL)
	{
		if (u->location < 0)
			u->location = 0;
		if (u->len <= 0)
			u->len = strlen(queryString + u->location);
		u->source = pnstrdup(queryString + u->location, u->len);
		u->location = 0;
	}
	gov_nesting++;
}

bool
governance_audit_utility_failed(GovAuditUtility *u, PlannedStmt *pstmt,
								const char *queryString,
								const GovAuditDecision *blocking)
{
	gov_nesting = u->level;
	if ((u->level == 0 || u->audited) && gov_failure_audited(blocking))
		return gov_record_failure(u->source ? u->source : queryString,
								  u->source ? 0 : pstmt->stmt_location,
								  u->source ? u->len : pstmt->stmt_len,
								  GetCommandTagName(u->tag), u->start,
								  u->level, NULL, NULL, &u->output, blocking);
	return false;
}

bool
governance_audit_utility_done(GovAuditUtility *u, Node *stmt,
							  QueryCompletion *qc,
							  const GovAuditDecision *decision)
{
	char		buf[GOV_AUDIT_MAX_RECORD];
	GovAuditRecord r;
	TimestampTz now;

	gov_nesting = u->level;
	if (!u->audited ||
		(u->level > 0 && !governance_audit_nested_recordable(governance_audit_utility_changes(stmt))))
		return false;
	now = GetCurrentTimestamp();
	gov_audit_record_init(&r, buf, sizeof(buf));
	gov_statement_header(&r, "completed", u->level, GetCommandTagName(u->tag),
						 now);
	governance_audit_put_statement(&r, u->source, 0, u->len, true);
	gov_put_decision(&r, decision);
	if (qc != NULL && qc->nprocessed > 0)
		gov_audit_put_int(&r, GOV_AF_ROWS, (int64) qc->nprocessed);
	gov_put_output(&r, &u->output, qc != NULL && qc->nprocessed > 0);
	gov_audit_put_int(&r, GOV_AF_DURATION_US, (int64) (now - u->start));
	if (u->level == 0)
		governance_audit_put_nested_unrecorded(&r);
	gov_emit_statement(&r, u->level, ERROR);
	return u->level == 0;
}

/*
 * A fastpath function call, recorded before it runs (src/guard/enforce.c):
 * under audit_sync, once durable; with the ring full, the call fails.
 */
void
governance_audit_fastpath(const char *text, const GovAuditDecision *decision)
{
	char		buf[GOV_AUDIT_MAX_RECORD];
	GovAuditRecord r;

	if (!gov_audited(GOV_AUDIT_WRITE))
		return;
	gov_error_recorded = false;
	gov_audit_record_init(&r, buf, sizeof(buf));
	gov_statement_header(&r, "called", 0, "FASTPATH", GetCurrentTimestamp());
	governance_audit_put_statement(&r, text, 0, 0, false);
	gov_put_decision(&r, decision);
	gov_emit_statement(&r, 0, ERROR);
}

/*
 * A statement run by another was refused by the policy: recorded now,
 * whatever the audit level, since an exception handler may catch the
 * error before any failure reaches the top level.
 */
void
governance_audit_refusal(const char *source, int location, int len,
						 const char *sqlstate, const char *message,
						 const GovAuditDecision *blocking)
{
	char		buf[GOV_AUDIT_MAX_RECORD];
	GovAuditRecord r;

	if (IsParallelWorker() || governance_inhibit > 0)
		return;
	gov_audit_record_init(&r, buf, sizeof(buf));
	gov_statement_header(&r, "failed", Max(gov_nesting, 1), NULL,
						 GetCurrentTimestamp());
	governance_audit_put_statement(&r, source, location, len, true);
	gov_put_decision(&r, blocking);
	gov_audit_put_str(&r, GOV_AF_SQLSTATE, sqlstate);
	gov_audit_put_str(&r, GOV_AF_MESSAGE, message);
	(void) governance_audit_emit(&r, ERROR);
}

/*
 * A statement ended by FATAL (pg_terminate_backend(), a lost client
 * connection, an administrator's shutdown) never returns to a PG_CATCH:
 * the backend exits once the error is reported.  So it is recorded here,
 * as a failure with the rows it had delivered, if a statement was under
 * way (a FATAL while idle ends no statement; the disconnection itself is
 * the session's end).  No catalog access: the transaction is broken.
 */
static void
gov_record_fatal(ErrorData *edata, const GovAuditDecision *blocking)
{
	char		buf[GOV_AUDIT_MAX_RECORD];
	GovAuditRecord r;
	GovQueryState *top = NULL;
	TimestampTz now = GetCurrentTimestamp();

	if (debug_query_string == NULL || MyProcPort == NULL ||
		!gov_failure_audited(blocking) || gov_error_recorded)
		return;
	for (int i = 0; i < gov_queries_size; i++)
		if (gov_queries[i].query != NULL && gov_queries[i].level == 0)
			top = &gov_queries[i];
	gov_audit_record_init(&r, buf, sizeof(buf));
	gov_statement_header(&r, "failed", 0, NULL, now);
	if (top != NULL)
		governance_audit_put_statement(&r, top->query->sourceText,
						  top->query->plannedstmt->stmt_location,
						  top->query->plannedstmt->stmt_len, false);
	else
		governance_audit_put_statement(&r, debug_query_string, 0, 0, false);
	gov_put_decision(&r, blocking);
	if (top != NULL && top->query->estate != NULL)
		gov_audit_put_int(&r, GOV_AF_ROWS, (int64) top->query->estate->es_processed);
	if (top != NULL)
		gov_audit_put_int(&r, GOV_AF_DURATION_US, (int64) (now - top->start));
	governance_audit_put_nested_unrecorded(&r);
	gov_audit_put_str(&r, GOV_AF_SQLSTATE, unpack_sql_state(edata->sqlerrcode));
	if (edata->message != NULL)
		gov_audit_put_str(&r, GOV_AF_MESSAGE, edata->message);
	(void) governance_audit_emit(&r, LOG);
	gov_error_recorded = true;
}

/* Only a FATAL, or an ERROR ending a top-level statement, is recorded here. */
bool
governance_audit_wants_error(ErrorData *edata)
{
	return edata->elevel == FATAL ||
		(edata->elevel == ERROR && gov_nesting == 0 && MyProcPort != NULL);
}

/*
 * An error is being reported.  A top-level statement that failed before
 * reaching the executor or ProcessUtility (a syntax or analysis error) is
 * recorded now; one a PG_CATCH already recorded is not recorded twice.
 */
bool
governance_audit_error_reported(ErrorData *edata, const GovAuditDecision *blocking)
{
	if (edata->elevel == FATAL)
	{
		gov_record_fatal(edata, blocking);
		return false;
	}
	if (edata->elevel != ERROR || gov_nesting != 0 || MyProcPort == NULL ||
		!gov_failure_audited(blocking))
		return false;
	if (gov_error_recorded)
		gov_error_recorded = false;
	else
	{
		char		buf[GOV_AUDIT_MAX_RECORD];
		GovAuditRecord r;

		gov_audit_record_init(&r, buf, sizeof(buf));
		gov_statement_header(&r, "failed", 0, NULL, GetCurrentTimestamp());
		/* Inside error reporting: no lexing (normalized records no text). */
		governance_audit_put_statement(&r, debug_query_string, 0, 0, false);
		gov_put_decision(&r, blocking);
		gov_audit_put_str(&r, GOV_AF_SQLSTATE, unpack_sql_state(edata->sqlerrcode));
		if (edata->message != NULL)
			gov_audit_put_str(&r, GOV_AF_MESSAGE, edata->message);
		gov_failure_seq = governance_audit_emit(&r, LOG);
	}

	/*
	 * The error is about to reach the client: under audit_sync, not before
	 * its event is durable.  Top-level errors are reported from the main
	 * loop's error recovery, with interrupts held, where waiting is safe.
	 */
	if (governance_audit_sync && gov_failure_seq != 0 && InterruptHoldoffCount > 0)
		governance_ring_wait_durable(gov_failure_seq);
	gov_failure_seq = 0;
	return true;
}

/*
 * A query whose (sub)transaction aborts never reaches ExecutorEnd: free
 * its slot, so the table neither fills up nor matches a later QueryDesc
 * that happens to reuse the address.  The nesting level is not touched:
 * an error has put it back already (PG_CATCH), and a procedure's ROLLBACK
 * aborts a transaction while its CALL, one level up, still runs.
 */
void
governance_audit_xact_end(XactEvent event)
{
	int			i;

	if (event != XACT_EVENT_ABORT && event != XACT_EVENT_PARALLEL_ABORT)
		return;
	for (i = 0; i < gov_queries_size; i++)
		gov_queries[i].query = NULL;
	gov_queries_used = 0;
}

void
governance_audit_subxact_end(SubXactEvent event, SubTransactionId mySubid,
							 SubTransactionId parentSubid)
{
	int			i;

	/*
	 * A query still open when its subtransaction is released (a cursor)
	 * now dies with the parent: without this, the parent's abort would
	 * leave its slot taken for good, and enough of them would stop the
	 * session's statements from being audited at all.
	 */
	if (event == SUBXACT_EVENT_COMMIT_SUB)
	{
		for (i = 0; i < gov_queries_size; i++)
			if (gov_queries[i].query != NULL && gov_queries[i].subxid == mySubid)
				gov_queries[i].subxid = parentSubid;
		return;
	}
	if (event != SUBXACT_EVENT_ABORT_SUB)
		return;
	for (i = 0; i < gov_queries_size; i++)
		if (gov_queries[i].query != NULL && gov_queries[i].subxid == mySubid)
		{
			gov_queries[i].query = NULL;
			gov_queries_used--;
		}
}

void
governance_audit_statement_init(void)
{
	gov_audit_cxt = AllocSetContextCreate(TopMemoryContext,
										  "governance audit",
										  ALLOCSET_SMALL_SIZES);
}
