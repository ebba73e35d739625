/*-------------------------------------------------------------------------
 *
 * hooks.c
 *	  Every PostgreSQL hook the extension installs, one function per hook
 *	  point, and the one order in which the concerns are called.
 *
 * The order, at every hook point:
 *
 *	  secrecy  -> identity -> policy/guard -> approval -> mask -> audit
 *
 *	  secrecy	  tokens are kept out of log entries, and out of the text
 *				  every hook installed before ours is shown
 *				  (src/identity/secrecy.c)
 *	  identity	  an identity that may no longer act does nothing but
 *				  replace itself (src/identity)
 *	  guard		  the policy decides the statement; a denial fails it, a
 *				  budget counts its rows (src/guard, src/policy)
 *	  approval	  a statement held for approval runs only by using one
 *				  (src/approval)
 *	  mask		  what a masked identity reads or reshapes (src/mask), the
 *				  output scan around the receiver of its rows
 *				  (src/mask/outscan.c) and around the sending of every
 *				  message to its client (src/hooks/wire.c, where the mask
 *				  is the only concern); with it, discovery proposes labels
 *				  for the columns a statement created, once it succeeded
 *				  (src/discover)
 *	  audit		  last: it receives the statement's outcome, the decision
 *				  described and the delivered columns named, and reads no
 *				  other concern but identity, whose acting identity every
 *				  event names (src/audit)
 *
 * Before a statement runs the concerns are called in that order; after it,
 * in the reverse order for what they undo (frames, copies), the audit
 * still last.  Only the audit's bookkeeping opens a hook (a top-level
 * statement begins, a nesting level is entered), so that whatever the
 * other concerns refuse is recorded at the right level.  Each hook calls the hook installed before ours once, in
 * the middle.  Where a concern keeps state across that call (the audit's
 * nesting level, the mask's statement frame, the row budget's running
 * mark, secrecy's redacted text) one PG_TRY here puts it back whichever
 * way the call ends; an error is recorded by the audit after every other
 * concern has put its state back, and only then are row contents scrubbed
 * from it (the audit records its message, the scrub changes its detail).
 *
 * Concerns export plain functions; none installs a hook.  Identity tells
 * its listeners (audit, mask) of changes of who acts: wired here too.
 * What is not a hook stays with its concern: each cache registers the
 * invalidation callbacks that keep it current, and the masks register the
 * security label provider "governance" (src/mask/labels_sql.c).
 *
 * Hooks are chained, never exclusive.  Parallel workers and the
 * extension's own statements (governance_inhibit) are let through by each
 * concern as it sees fit.
 *
 * src/hooks/hooks.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/parallel.h"
#include "access/xact.h"
#include "catalog/objectaccess.h"
#include "executor/executor.h"
#include "fmgr.h"
#include "governance/approval.h"
#include "governance/audit.h"
#include "governance/common.h"
#include "governance/discover.h"
#include "governance/guard.h"
#include "governance/hooks.h"
#include "governance/identity.h"
#include "governance/mask.h"
#include "governance/policy.h"
#include "libpq/auth.h"
#include "miscadmin.h"
#include "optimizer/plancat.h"
#include "optimizer/planner.h"
#include "parser/analyze.h"
#include "storage/ipc.h"
#include "storage/lwlock.h"
#include "storage/shmem.h"
#include "tcop/tcopprot.h"
#include "tcop/utility.h"
#include "utils/elog.h"

static shmem_request_hook_type prev_shmem_request_hook = NULL;
static shmem_startup_hook_type prev_shmem_startup_hook = NULL;
static ClientAuthentication_hook_type prev_ClientAuthentication = NULL;
static post_parse_analyze_hook_type prev_post_parse_analyze_hook = NULL;
static planner_hook_type prev_planner_hook = NULL;
static get_relation_info_hook_type prev_get_relation_info_hook = NULL;
static ExecutorStart_hook_type prev_ExecutorStart = NULL;
static ExecutorRun_hook_type prev_ExecutorRun = NULL;
static ExecutorFinish_hook_type prev_ExecutorFinish = NULL;
static ExecutorEnd_hook_type prev_ExecutorEnd = NULL;
static ProcessUtility_hook_type prev_ProcessUtility = NULL;
static object_access_hook_type prev_object_access_hook = NULL;
static needs_fmgr_hook_type prev_needs_fmgr_hook = NULL;
static fmgr_hook_type prev_fmgr_hook = NULL;
static emit_log_hook_type prev_emit_log_hook = NULL;

/*
 * Did another extension install an executor hook before ours?  Then its
 * hooks are shown statement text with tokens redacted (secrecy).
 */
static bool gov_others_execute = false;

/*
 * How many of our planner, executor and utility calls are under way: a
 * function announced at depth 0 is called by no statement (a fastpath
 * call, see governance_guard_is_fastpath()).  Kept in step by the PG_TRY
 * around each call.
 */
static int	gov_depth = 0;

/*
 * The output of the utility statement under way that the rows delivered
 * within it are counted for: one that hands rows to the client through a
 * receiver of the output scan (FETCH, EXECUTE, CALL, ...), or COPY TO.
 * NULL: rows are counted for the query that delivers them.
 */
static GovAuditOutput *gov_output_collector = NULL;

/* The blocking decision, described for the audit. */
static void
gov_describe_blocking(GovAuditDecision *out)
{
	governance_decision_describe(governance_decision_blocking(), out);
}

/*
 * Enforce a decision of the guard: a denial fails the statement, one held
 * for approval runs only by using an approval.  subject is what the
 * decision is noted for; text the statement's own text.
 */
static void
gov_enforce(const void *subject, GovDecision *d, const char *text, int location,
			int len, List *actions, ParamListInfo params)
{
	if (location < 0)
		location = 0;
	if (len <= 0)
		len = strlen(text + location);
	governance_decision_note(subject, d, 0);
	if (d->effect == GOV_DENY)
	{
		char	   *message = governance_guard_denial_message(d);

		/*
		 * A statement run by another (a function, a DO block) may have its
		 * denial caught by an exception handler, and then no failure
		 * reaches the top: record it here.  Top-level denials are recorded
		 * as the statement's failure.
		 */
		if (text != debug_query_string)
		{
			GovAuditDecision blocking;

			gov_describe_blocking(&blocking);
			governance_audit_refusal(text, location, len, "42501", message,
									 &blocking);
		}
		governance_guard_refuse(d, message);
	}
	if (d->effect == GOV_REQUIRE_APPROVAL)
		governance_decision_note(subject, d,
								 governance_approval_enforce(d, text + location,
															 len, actions,
															 params));
}

/* --- shared memory ------------------------------------------------------ */

static void
gov_shmem_request(void)
{
	if (prev_shmem_request_hook)
		prev_shmem_request_hook();
	RequestAddinShmemSpace(governance_sessions_shmem_size());
	RequestAddinShmemSpace(governance_ring_shmem_size());
	RequestAddinShmemSpace(governance_jwks_shmem_size());
	RequestAddinShmemSpace(governance_verified_shmem_size());
	RequestAddinShmemSpace(governance_ship_shmem_size());
	RequestAddinShmemSpace(governance_retention_shmem_size());
}

static void
gov_shmem_startup(void)
{
	if (prev_shmem_startup_hook)
		prev_shmem_startup_hook();
	LWLockAcquire(AddinShmemInitLock, LW_EXCLUSIVE);
	governance_sessions_shmem_init();
	governance_ring_shmem_init();
	governance_jwks_shmem_init();
	governance_verified_shmem_init();
	governance_ship_shmem_init();
	governance_retention_shmem_init();

	/*
	 * identity: the postmaster parses the keys, as they are now, for every
	 * backend it forks to inherit; again after a crash, when shared memory
	 * (and with it the generation of the key sets fetched from URLs) is
	 * made anew.
	 */
	(void) governance_keyset(NULL);
	LWLockRelease(AddinShmemInitLock);
}

/* --- connections -------------------------------------------------------- */

/*
 * Connection attempts, successful or not, are recorded.  mask: from now
 * on the messages to the client pass the output scan (src/hooks/wire.c).
 */
static void
gov_ClientAuthentication(Port *port, int status)
{
	if (prev_ClientAuthentication)
		prev_ClientAuthentication(port, status);
	governance_hooks_wire_install();
	governance_audit_connection(status == STATUS_OK ? "authenticated" : "refused",
								status == STATUS_OK ? NULL :
								"Client authentication failed.");
}

/* --- parse analysis and planning ---------------------------------------- */

/*
 * Installed only when another extension's hook was: it is shown the
 * statement with its tokens overwritten.
 */
static void
gov_post_parse_analyze(ParseState *pstate, Query *query, JumbleState *jstate)
{
	const char *orig = pstate->p_sourcetext;
	char	   *clean = governance_secrecy_same_length_copy(orig, CurrentMemoryContext);

	if (clean == NULL)
	{
		prev_post_parse_analyze_hook(pstate, query, jstate);
		return;
	}
	pstate->p_sourcetext = clean;
	PG_TRY();
	{
		prev_post_parse_analyze_hook(pstate, query, jstate);
	}
	PG_FINALLY();
	{
		pstate->p_sourcetext = orig;
	}
	PG_END_TRY();
}

/* The planner before ours, in the mask's planning frame. */
static PlannedStmt *
gov_plan_next(Query *parse, const char *text, int cursorOptions,
			  ParamListInfo boundParams, GovMaskPlanning *mp)
{
	PlannedStmt *volatile result = NULL;

	governance_mask_planning_enter(mp);
	gov_depth++;
	PG_TRY();
	{
		if (prev_planner_hook)
			result = prev_planner_hook(parse, text, cursorOptions, boundParams);
		else
			result = standard_planner(parse, text, cursorOptions, boundParams);
	}
	PG_FINALLY();
	{
		gov_depth--;
		governance_mask_planning_leave(mp);
	}
	PG_END_TRY();
	return result;
}

static PlannedStmt *
gov_planner(Query *parse, const char *query_string, int cursorOptions,
			ParamListInfo boundParams)
{
	PlannedStmt *result;
	const char *shown = query_string;
	GovMaskPlanning mp;

	/*
	 * identity: an identity that may no longer act gets nothing planned
	 * but the setting of a new token, since planning folds constants,
	 * which runs the IMMUTABLE functions a statement calls.
	 */
	if (!IsParallelWorker() && !governance_identity_usable() &&
		!governance_query_only_sets_token(parse))
		governance_identity_refuse();

	/*
	 * mask: the encodings the output scan reads messages in, known before
	 * planning runs a function that raises one
	 */
	if (!IsParallelWorker())
		governance_outscan_wire_encoding();

	/* mask: the query as the acting identity may read it */
	parse = governance_mask_plan_begin(parse, query_string, cursorOptions, &mp);

	/* secrecy: the planner hooks before ours see no token */
	if (prev_planner_hook)
	{
		char	   *clean = governance_secrecy_same_length_copy(query_string,
																CurrentMemoryContext);

		if (clean != NULL)
			shown = clean;
	}

	result = gov_plan_next(parse, shown, cursorOptions, boundParams, &mp);
	governance_mask_plan_end(result, &mp);
	return result;
}

/* mask: no index on a masked column is offered to a masked identity. */
static void
gov_get_relation_info(PlannerInfo *root, Oid relid, bool inhparent,
					  RelOptInfo *rel)
{
	if (prev_get_relation_info_hook)
		prev_get_relation_info_hook(root, relid, inhparent, rel);
	governance_mask_relation_info(relid, rel);
}

/* --- the executor ------------------------------------------------------- */

/* mask -> audit: what the output scan counted, as the audit records it. */
static void
gov_output_of(const GovOutScanTally *t, GovAuditOutput *out)
{
	memset(out, 0, sizeof(*out));
	out->scanned = t->scanned;
	out->rows = t->rows;
	out->bytes = t->bytes;
	out->redacted = t->redacted;
	out->nredacted_by = governance_outscan_detector_names(t->detectors,
														  out->redacted_by,
														  GOV_AUDIT_MAX_REDACTORS);
}

/*
 * The output scan's receiver of a run of the executor is taken away: what
 * it counted goes to the utility statement the run serves (COPY TO, a
 * FETCH), or else to the query's own event.
 */
static void
gov_outscan_run_done(QueryDesc *queryDesc, GovOutScanRun *run, bool failed)
{
	GovOutScanTally tally;
	GovAuditOutput out;

	governance_outscan_run_end(queryDesc, run, failed, &tally);
	if (!tally.scanned)
		return;
	gov_output_of(&tally, &out);
	if (gov_output_collector != NULL)
		governance_audit_output_add(gov_output_collector, &out);
	else
		governance_audit_query_output(queryDesc, &out);
}

/* The labelled columns a query hands its client, for its audit event. */
static void
gov_audit_delivered(GovAuditQuery *q, QueryDesc *queryDesc)
{
	const char **masked,
			  **clear;
	int			nmasked,
				nclear;

	/* A plan that reads a labelled relation depends on the role. */
	if (!queryDesc->plannedstmt->dependsOnRole || queryDesc->estate == NULL)
		return;
	governance_mask_delivered_names(queryDesc->plannedstmt,
									queryDesc->estate->es_query_cxt,
									&masked, &nmasked, &clear, &nclear);
	if (nmasked > 0 || nclear > 0)
		governance_audit_query_delivered(q, masked, nmasked, clear, nclear);
}

/*
 * A call of the executor before ours has ended, either way: it is no
 * longer under way, the hooks before ours see the original text again,
 * and the mask's statement frame is left.
 */
static void
gov_executor_left(QueryDesc *queryDesc, const char *orig, bool saved_frame)
{
	gov_depth--;
	if (orig != NULL)
		governance_secrecy_show(queryDesc, orig);
	governance_mask_frame_leave(saved_frame);
}

static void
gov_ExecutorStart(QueryDesc *queryDesc, int eflags)
{
	PlannedStmt *pstmt = queryDesc->plannedstmt;
	GovDecision d;
	List	   *actions = NIL;
	volatile bool judged = false;
	bool		saved_frame;
	const char *volatile orig = NULL;
	GovAuditQuery *q;

	/* audit: a top-level statement forgets the last one's decisions */
	if (governance_audit_statement_start())
		governance_decisions_reset();

	/* identity, guard, approval */
	if (governance_guard_judge_plan(queryDesc, eflags, &d, &actions))
	{
		gov_enforce(queryDesc, &d, queryDesc->sourceText, pstmt->stmt_location,
					pstmt->stmt_len, actions, queryDesc->params);
		judged = true;
	}

	/* mask: the executor starts in a statement frame of its own */
	governance_mask_executor_start(queryDesc);
	saved_frame = governance_mask_frame_enter();
	gov_depth++;
	PG_TRY();
	{
		if (gov_others_execute)
		{
			governance_secrecy_executor_start(queryDesc);
			orig = governance_secrecy_hide(queryDesc);
		}
		if (prev_ExecutorStart)
			prev_ExecutorStart(queryDesc, eflags);
		else
			standard_ExecutorStart(queryDesc, eflags);
	}
	PG_CATCH();
	{
		GovAuditDecision blocking;

		gov_executor_left(queryDesc, orig, saved_frame);
		/*
		 * audit: a nested statement that could not start (permission
		 * denied on a table, say); a top-level one is recorded as its
		 * error is reported.
		 */
		gov_describe_blocking(&blocking);
		governance_audit_start_failed(queryDesc, eflags, &blocking);
		PG_RE_THROW();
	}
	PG_END_TRY();
	gov_executor_left(queryDesc, orig, saved_frame);

	governance_mask_executor_started(queryDesc);
	/* mask: COPY's header line is written before the rows are run */
	governance_outscan_executor_started(queryDesc);
	governance_guard_executor_started(queryDesc, eflags, judged ? &d : NULL);
	q = governance_audit_query_started(queryDesc, eflags);
	if (q != NULL)
		gov_audit_delivered(q, queryDesc);
}

/*
 * ExecutorRun and ExecutorFinish: what runs is one audit level deeper, the
 * statement's budget frame is running, and it runs in a mask frame.  A
 * failure is recorded once all three are put back, then scrubbed.  Each
 * run of a plan (a portal may run long after it started) checks first
 * that its identity may still act and is the one that started it;
 * triggers (foreign-key cascades and checks among them) fire in
 * ExecutorFinish.
 */
static void
gov_execute(QueryDesc *queryDesc, bool finishing, ScanDirection direction,
			uint64 count, bool execute_once)
{
	MemoryContext cxt = CurrentMemoryContext;
	int			level = governance_audit_nest();
	volatile bool budgeted = false;
	volatile bool framed = false;
	volatile bool saved_frame = false;
	const char *volatile orig = NULL;
	GovOutScanRun scan;

	memset(&scan, 0, sizeof(scan));
	gov_depth++;
	PG_TRY();
	{
		if (!finishing)
			governance_guard_run_check(queryDesc);
		budgeted = governance_budget_run_enter(queryDesc);
		if (!finishing)
			governance_mask_run_check(queryDesc);
		saved_frame = governance_mask_frame_enter();
		framed = true;
		/* mask: rows for the client of a masked identity are scanned */
		if (!finishing)
			governance_outscan_run_begin(queryDesc, &scan);
		if (gov_others_execute)
			orig = governance_secrecy_hide(queryDesc);
		if (finishing)
		{
			if (prev_ExecutorFinish)
				prev_ExecutorFinish(queryDesc);
			else
				standard_ExecutorFinish(queryDesc);
		}
		else if (prev_ExecutorRun)
			prev_ExecutorRun(queryDesc, direction, count, execute_once);
		else
			standard_ExecutorRun(queryDesc, direction, count, execute_once);
	}
	PG_CATCH();
	{
		GovAuditDecision blocking;

		gov_depth--;
		if (orig != NULL)
			governance_secrecy_show(queryDesc, orig);
		gov_outscan_run_done(queryDesc, &scan, true);
		if (framed)
			governance_mask_frame_leave(saved_frame);
		if (budgeted)
			governance_budget_run_leave(queryDesc);
		/* A top-level failure in ExecutorFinish is recorded where it ends. */
		if (level > 0 || (level == 0 && !finishing))
		{
			gov_describe_blocking(&blocking);
			if (governance_audit_query_failed(queryDesc, level, finishing, &blocking))
				governance_decisions_reset();
		}
		else
			governance_audit_unnest(level);
		if (framed)
			governance_mask_rethrow_scrubbed(cxt);
		PG_RE_THROW();
	}
	PG_END_TRY();
	gov_outscan_run_done(queryDesc, &scan, false);
	gov_executor_left(queryDesc, orig, saved_frame);
	if (budgeted)
		governance_budget_run_leave(queryDesc);
	governance_audit_unnest(level);
}

static void
gov_ExecutorRun(QueryDesc *queryDesc, ScanDirection direction, uint64 count,
				bool execute_once)
{
	gov_execute(queryDesc, false, direction, count, execute_once);
}

static void
gov_ExecutorFinish(QueryDesc *queryDesc)
{
	gov_execute(queryDesc, true, NoMovementScanDirection, 0, false);
}

static void
gov_ExecutorEnd(QueryDesc *queryDesc)
{
	GovAuditQuery *q = governance_audit_query_ending(queryDesc);
	const char *volatile orig = NULL;

	/* audit first here: the query's state is still whole */
	if (q != NULL)
	{
		GovAuditDecision decision;

		governance_decision_describe(governance_decision_for(queryDesc), &decision);
		if (governance_audit_query_end(q, queryDesc, &decision))
			governance_decisions_reset();
	}
	governance_decision_forget(queryDesc);
	governance_budget_forget(queryDesc);
	governance_mask_executor_end(queryDesc);

	if (!gov_others_execute)
	{
		if (prev_ExecutorEnd)
			prev_ExecutorEnd(queryDesc);
		else
			standard_ExecutorEnd(queryDesc);
		return;
	}
	orig = governance_secrecy_hide(queryDesc);
	PG_TRY();
	{
		if (prev_ExecutorEnd)
			prev_ExecutorEnd(queryDesc);
		else
			standard_ExecutorEnd(queryDesc);
	}
	PG_FINALLY();
	{
		if (orig != NULL)
			governance_secrecy_show(queryDesc, orig);
	}
	PG_END_TRY();
	governance_secrecy_executor_end(queryDesc);
}

/* --- utility statements ------------------------------------------------- */

/* The output scan's receiver of a utility statement is taken away. */
static void
gov_outscan_utility_done(GovOutScanRun *scan, GovAuditUtility *audit)
{
	GovOutScanTally tally;
	GovAuditOutput out;

	governance_outscan_utility_end(scan, &tally);
	if (!tally.scanned)
		return;
	gov_output_of(&tally, &out);
	governance_audit_output_add(&audit->output, &out);
}

static void
gov_ProcessUtility(PlannedStmt *pstmt, const char *queryString,
				   bool readOnlyTree, ProcessUtilityContext context,
				   ParamListInfo params, QueryEnvironment *queryEnv,
				   DestReceiver *dest, QueryCompletion *qc)
{
	MemoryContext cxt = CurrentMemoryContext;
	Node	   *stmt = pstmt->utilityStmt;
	GovAuditUtility audit;
	GovMaskUtility mask;
	GovAutoLabel autolabel;
	GovDecision d;
	List	   *actions = NIL;
	volatile bool ran = false;
	GovOutScanRun scan;
	GovAuditOutput *saved_collector = gov_output_collector;

	memset(&scan, 0, sizeof(scan));

	memset(&autolabel, 0, sizeof(autolabel));
	/* audit: copies the statement's text first (a ROLLBACK may free it) */
	governance_audit_utility_begin(&audit, pstmt, queryString);
	if (audit.top_level)
		governance_decisions_reset();

	PG_TRY();
	{
		PlannedStmt *run = pstmt;
		const char *text = queryString;
		bool		judged = false;
		DestReceiver *udest;

		/* identity: under the transaction scope, SET without LOCAL */
		governance_token_scope_check_set(stmt);
		/* identity, guard, approval */
		if (governance_guard_judge_utility(pstmt, context, &d, &actions))
		{
			gov_enforce(pstmt, &d, queryString, pstmt->stmt_location,
						pstmt->stmt_len, actions, params);
			judged = true;
		}
		/* mask: refuses, or turns COPY of a table into a query */
		governance_mask_utility_begin(&run, &readOnlyTree, &mask);
		/* discovery: its nesting level; what it creates is reported below */
		governance_auto_label_begin(stmt, &autolabel);
		/* mask: rows for the client of a masked identity are scanned */
		udest = governance_outscan_utility_begin(&run, &readOnlyTree, dest, &scan);
		if (scan.delivers)
			gov_output_collector = &audit.output;
		/* secrecy: the utility hooks before ours see no token */
		if (prev_ProcessUtility)
			governance_secrecy_utility_text(&run, &text);

		ran = true;
		gov_depth++;
		if (prev_ProcessUtility)
			prev_ProcessUtility(run, text, readOnlyTree, context,
								params, queryEnv, udest, qc);
		else
			standard_ProcessUtility(run, text, readOnlyTree, context,
									params, queryEnv, udest, qc);
		gov_depth--;
		ran = false;
		gov_output_collector = saved_collector;
		gov_outscan_utility_done(&scan, &audit);
		/* mask: the wire's conversion after SET client_encoding */
		if (IsA(stmt, VariableSetStmt))
			governance_outscan_wire_encoding();

		governance_mask_utility_end(stmt, context, &mask);
		/* discovery: labels for what it created; an error fails it */
		governance_auto_label_end(&autolabel);
		if (judged)
			governance_guard_utility_done(pstmt, &d, qc);
	}
	PG_CATCH();
	{
		GovAuditDecision blocking;

		if (ran)
			gov_depth--;
		/* discovery: what a failed statement created is forgotten */
		governance_auto_label_abort(&autolabel);
		gov_output_collector = saved_collector;
		gov_outscan_utility_done(&scan, &audit);
		gov_describe_blocking(&blocking);
		if (governance_audit_utility_failed(&audit, pstmt, queryString, &blocking))
			governance_decisions_reset();
		if (ran)
			governance_mask_rethrow_scrubbed(cxt);
		PG_RE_THROW();
	}
	PG_END_TRY();
	governance_audit_unnest(audit.level);

	/* identity: a RESET of the token is told to its listeners */
	governance_identity_statement_done(stmt);

	/* audit */
	{
		GovAuditDecision decision;

		if (audit.audited)
			governance_decision_describe(governance_decision_for(pstmt), &decision);
		if (governance_audit_utility_done(&audit, stmt, qc,
										  audit.audited ? &decision : NULL))
			governance_decisions_reset();
	}
	governance_decision_forget(pstmt);
}

/* --- objects and functions ---------------------------------------------- */

/*
 * guard: a fastpath function call is decided and recorded as a statement
 * of its own (src/guard/enforce.c).  mask: the session's temporary
 * objects are tracked (src/mask/namepath.c).  discovery: the relations
 * and columns a statement creates or renames are noted by oid, for
 * auto_label to score when the statement ends (src/discover/auto_label.c).
 */
static void
gov_object_access(ObjectAccessType access, Oid classId, Oid objectId,
				  int subId, void *arg)
{
	if (prev_object_access_hook)
		prev_object_access_hook(access, classId, objectId, subId, arg);
	governance_namepath_object_access(access, classId, objectId, subId);
	/* discovery: relations created, columns added or renamed, by oid */
	governance_auto_label_object_access(access, classId, objectId, subId, arg);
	if (access == OAT_FUNCTION_EXECUTE && governance_guard_is_fastpath(gov_depth > 0))
	{
		GovDecision d;
		List	   *actions = NIL;
		const char *text;
		GovAuditDecision decision;

		if (governance_guard_judge_fastpath(objectId, &text, &d, &actions))
			gov_enforce(text, &d, text, 0, -1, actions, NULL);
		/* mask: a result no receiver scans */
		governance_outscan_fastpath(objectId);
		governance_decision_describe(governance_decision_for(text), &decision);
		governance_audit_fastpath(text, &decision);
		governance_decision_forget(text);
	}
}

/* mask: code another role wrote runs with a pinned search_path. */
static bool
gov_needs_fmgr(Oid fn)
{
	if (prev_needs_fmgr_hook && prev_needs_fmgr_hook(fn))
		return true;
	return governance_namepath_needs_fmgr(fn);
}

static void
gov_fmgr(FmgrHookEventType event, FmgrInfo *flinfo, Datum *private)
{
	if (prev_fmgr_hook)
		prev_fmgr_hook(event, flinfo, private);
	governance_namepath_fmgr(event, flinfo);
}

/* --- the log ------------------------------------------------------------ */

/*
 * secrecy: no token in any field; mask: no row contents in the detail of
 * a masked identity's errors, no secret in any field of a message it is
 * sent (the output scan); then the hooks before ours; then the audit
 * records a statement whose failure no PG_CATCH recorded.
 */
static void
gov_emit_log(ErrorData *edata)
{
	governance_secrecy_emit_log(edata);
	governance_mask_scrub_log(edata);
	governance_outscan_scrub_message(edata);
	if (prev_emit_log_hook)
		prev_emit_log_hook(edata);
	if (governance_audit_wants_error(edata))
	{
		GovAuditDecision blocking;

		gov_describe_blocking(&blocking);
		if (governance_audit_error_reported(edata, &blocking))
			governance_decisions_reset();
	}
}

/* --- transactions ------------------------------------------------------- */

/*
 * The guard refuses a commit its identity may no longer make before the
 * audit appends the events that describe the transaction's changes.
 */
static void
gov_xact_callback(XactEvent event, void *arg)
{
	if (gov_others_execute)
		governance_secrecy_xact_end(event);
	governance_policy_xact_end(event);
	if (event == XACT_EVENT_PRE_COMMIT || event == XACT_EVENT_PRE_PREPARE)
	{
		governance_guard_pre_commit();
		governance_mask_pre_commit();
	}
	else
		governance_guard_xact_end();
	governance_mask_xact_end(event);
	governance_namepath_xact_end(event);
	governance_audit_xact_end(event);
	governance_audit_commit_events(event);
}

static void
gov_subxact_callback(SubXactEvent event, SubTransactionId mySubid,
					 SubTransactionId parentSubid, void *arg)
{
	if (event == SUBXACT_EVENT_ABORT_SUB)
		governance_decisions_subxact_abort(mySubid);
	governance_budget_subxact_end(event, mySubid, parentSubid);
	governance_namepath_subxact_end(event, mySubid, parentSubid);
	governance_audit_subxact_end(event, mySubid, parentSubid);
	governance_audit_commit_events_subxact(event, mySubid, parentSubid);
}

/* --- installing --------------------------------------------------------- */

void
governance_hooks_install(void)
{
	governance_identity_listen(governance_audit_identity_event);
	governance_identity_listen(governance_mask_identity_event);

	prev_shmem_request_hook = shmem_request_hook;
	shmem_request_hook = gov_shmem_request;
	prev_shmem_startup_hook = shmem_startup_hook;
	shmem_startup_hook = gov_shmem_startup;
	prev_ClientAuthentication = ClientAuthentication_hook;
	ClientAuthentication_hook = gov_ClientAuthentication;
	if (post_parse_analyze_hook != NULL)
	{
		prev_post_parse_analyze_hook = post_parse_analyze_hook;
		post_parse_analyze_hook = gov_post_parse_analyze;
	}
	prev_planner_hook = planner_hook;
	planner_hook = gov_planner;
	prev_get_relation_info_hook = get_relation_info_hook;
	get_relation_info_hook = gov_get_relation_info;
	gov_others_execute = ExecutorStart_hook != NULL || ExecutorRun_hook != NULL ||
		ExecutorFinish_hook != NULL || ExecutorEnd_hook != NULL;
	prev_ExecutorStart = ExecutorStart_hook;
	ExecutorStart_hook = gov_ExecutorStart;
	prev_ExecutorRun = ExecutorRun_hook;
	ExecutorRun_hook = gov_ExecutorRun;
	prev_ExecutorFinish = ExecutorFinish_hook;
	ExecutorFinish_hook = gov_ExecutorFinish;
	prev_ExecutorEnd = ExecutorEnd_hook;
	ExecutorEnd_hook = gov_ExecutorEnd;
	prev_ProcessUtility = ProcessUtility_hook;
	ProcessUtility_hook = gov_ProcessUtility;
	prev_object_access_hook = object_access_hook;
	object_access_hook = gov_object_access;
	prev_needs_fmgr_hook = needs_fmgr_hook;
	needs_fmgr_hook = gov_needs_fmgr;
	prev_fmgr_hook = fmgr_hook;
	fmgr_hook = gov_fmgr;
	prev_emit_log_hook = emit_log_hook;
	emit_log_hook = gov_emit_log;
	RegisterXactCallback(gov_xact_callback, NULL);
	RegisterSubXactCallback(gov_subxact_callback, NULL);
}
