/*-------------------------------------------------------------------------
 *
 * hooks.c
 *	  The executor and utility hooks every statement passes through.
 *
 * Every statement that runs reaches ExecutorStart and ExecutorRun
 * (plannable statements, including cached plans of prepared statements
 * and PL/pgSQL, which skip the planner) or ProcessUtility (everything
 * else).  Here the acting
 * identity is checked before each one runs: an expired token, or one that
 * no longer verifies after a key reload, may do nothing but replace or
 * reset itself (SET/RESET governance.token, RESET ALL, DISCARD, transaction
 * control, or SELECT set_config('governance.token', ...)).
 *
 * A statement that sets the token carries a credential in its text; the
 * utility hook hands the hooks after it (pg_stat_statements, pgaudit) a
 * redacted text instead.  That protects them only when governance is
 * listed after them in shared_preload_libraries, so that its hook runs
 * first.
 *
 * Then the policy decides the statement (src/policy): a denied statement
 * fails with SQLSTATE 42501 before it runs, one held for approval uses an
 * approval or raises a request (src/approval), and one with a row budget
 * runs with a counter on the input of each of its writes: every row that
 * reaches a ModifyTable is a row about to be changed, and the statement
 * fails (rolling back) the moment one more than the budget arrives.  The
 * statements it sets off while it runs (triggers, foreign key cascades,
 * functions) count into its budget too, through a stack of budget frames
 * kept in step by ExecutorRun/ExecutorFinish and dropped with the
 * (sub)transaction when an error unwinds them.  COPY FROM is counted when
 * it ends.
 *
 * Recent decisions are kept for the audit events that record them.  Hooks
 * are chained, never exclusive.  Parallel workers are
 * skipped: their leader already checked the statement.  So are the
 * extension's own internal statements (governance_inhibit).
 *
 * src/guard/hooks.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/parallel.h"
#include "access/xact.h"
#include "catalog/objectaccess.h"
#include "executor/executor.h"
#include "governance/approval.h"
#include "governance/audit_events.h"
#include "governance/governance.h"
#include "governance/guard.h"
#include "governance/identity.h"
#include "governance/names.h"
#include "governance/policy.h"
#include "libpq/libpq-be.h"
#include "miscadmin.h"
#include "nodes/execnodes.h"
#include "nodes/plannodes.h"
#include "tcop/tcopprot.h"
#include "tcop/utility.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/memutils.h"
#include "utils/regproc.h"

static ExecutorStart_hook_type prev_ExecutorStart = NULL;
static ExecutorRun_hook_type prev_ExecutorRun = NULL;
static ExecutorFinish_hook_type prev_ExecutorFinish = NULL;
static ExecutorEnd_hook_type prev_ExecutorEnd = NULL;
static ProcessUtility_hook_type prev_ProcessUtility = NULL;

/*
 * Recent decisions, newest last, for the audit events of the statements
 * they decided; emptied when a top-level statement starts or ends.
 */
#define GOV_DECISION_NOTES 16
static GovDecisionNote gov_notes[GOV_DECISION_NOTES];
static int	gov_nnotes = 0;

/*
 * Row budgets.  Each running statement that has a budget, or runs inside
 * one that has, is a frame; the input node of each of its writes is
 * wrapped so that every row reaching the write is counted into its frame
 * and into every enclosing frame still running.  So the rows a statement
 * changes include those changed by what it sets off: triggers, foreign
 * key cascades, functions it calls.
 */
#define GOV_MAX_BUDGET_FRAMES 64
typedef struct GovBudgetFrame
{
	QueryDesc  *owner;
	SubTransactionId subxid;
	int64		rows;
	int64		max_rows;		/* -1: counts only for enclosing frames */
	int			running;		/* inside its ExecutorRun/ExecutorFinish */
	char		rule[NAMEDATALEN];
} GovBudgetFrame;

static GovBudgetFrame gov_frames[GOV_MAX_BUDGET_FRAMES];
static int	gov_nframes = 0;

#define GOV_MAX_BUDGET_NODES 128
typedef struct GovBudgetNode
{
	PlanState  *input;
	ExecProcNodeMtd real;
	QueryDesc  *owner;
	SubTransactionId subxid;
} GovBudgetNode;

static GovBudgetNode gov_budget_nodes[GOV_MAX_BUDGET_NODES];
static int	gov_nbudget_nodes = 0;

/* A constant or a parameter: nothing that reads data. */
static bool
gov_is_value(Node *node)
{
	return node != NULL && (IsA(node, Const) || IsA(node, Param));
}

/* Is every entry set_config('governance.token', <value>, <value>)? */
static bool
gov_tlist_only_sets_token(List *tlist)
{
	ListCell   *lc;

	foreach(lc, tlist)
	{
		TargetEntry *tle = lfirst_node(TargetEntry, lc);
		FuncExpr   *f = (FuncExpr *) tle->expr;
		Const	   *name;

		if (!IsA(f, FuncExpr) || f->funcid != F_SET_CONFIG ||
			list_length(f->args) != 3)
			return false;
		name = (Const *) linitial(f->args);
		if (!gov_is_value(lsecond(f->args)) || !gov_is_value(lthird(f->args)))
			return false;
		if (!IsA(name, Const) || name->constisnull ||
			!governance_names_token_setting(TextDatumGetCString(name->constvalue)))
			return false;
	}
	return true;
}

/*
 * Is this plan nothing but set_config('governance.token', <value>, <value>)
 * calls, the function form of SET that PostgREST-style clients use?  The
 * arguments must be constants or parameters and the plan may hold no
 * subplans: an expired identity must not get a query evaluated by passing
 * it as an argument.
 */
static bool
gov_plan_only_sets_token(PlannedStmt *pstmt)
{
	if (pstmt->commandType != CMD_SELECT || pstmt->planTree == NULL ||
		!IsA(pstmt->planTree, Result) || pstmt->planTree->lefttree != NULL ||
		((Result *) pstmt->planTree)->resconstantqual != NULL ||
		pstmt->planTree->initPlan != NIL || pstmt->subplans != NIL ||
		pstmt->planTree->targetlist == NIL)
		return false;
	return gov_tlist_only_sets_token(pstmt->planTree->targetlist);
}

/*
 * The same, decided on the query before it is planned: planning folds
 * constants, and so calls IMMUTABLE functions, so an expired identity
 * gets no query planned but this one.
 */
bool
governance_query_only_sets_token(Query *q)
{
	if (q->commandType != CMD_SELECT || q->utilityStmt != NULL || q->rtable != NIL ||
		q->hasSubLinks || q->cteList != NIL || q->setOperations != NULL ||
		q->hasAggs || q->hasWindowFuncs || q->hasTargetSRFs ||
		(q->jointree != NULL && (q->jointree->quals != NULL || q->jointree->fromlist != NIL)) ||
		q->targetList == NIL)
		return false;
	return gov_tlist_only_sets_token(q->targetList);
}

/*
 * Statements PostgreSQL generates while running another (the sequence
 * behind a serial column, the index behind a constraint) were judged as
 * part of that statement.  What a user wrote inside another statement
 * (the elements of CREATE SCHEMA) is judged like any statement.
 */
static bool
gov_generated_subcommand(Node *stmt, ProcessUtilityContext context)
{
	if (context != PROCESS_UTILITY_SUBCOMMAND)
		return false;
	switch (nodeTag(stmt))
	{
		case T_CreateSeqStmt:
		case T_AlterSeqStmt:
		case T_IndexStmt:
		case T_AlterTableStmt:
			return true;
		default:
			return false;
	}
}

/*
 * Does this utility statement only replace or reset the token?  Such a
 * statement is never judged by the policy, so no policy can keep a session
 * from changing who it acts as (governance.check() asks here too).
 */
bool
governance_utility_only_sets_token(Node *stmt)
{
	if (IsA(stmt, VariableSetStmt))
	{
		VariableSetStmt *set = (VariableSetStmt *) stmt;

		return set->kind == VAR_RESET_ALL || governance_names_token_setting(set->name);
	}
	return IsA(stmt, TransactionStmt) || IsA(stmt, DiscardStmt);
}

/* Remember a decision for the audit event of the statement. */
static void
gov_note_decision(const void *subject, const GovDecision *d, int64 request_id)
{
	GovDecisionNote *n;

	if (gov_nnotes > 0 && gov_notes[gov_nnotes - 1].subject == subject)
		n = &gov_notes[gov_nnotes - 1];
	else
	{
		if (gov_nnotes == GOV_DECISION_NOTES)
		{
			memmove(&gov_notes[0], &gov_notes[1],
					sizeof(GovDecisionNote) * (GOV_DECISION_NOTES - 1));
			gov_nnotes--;
		}
		n = &gov_notes[gov_nnotes++];
	}
	n->subject = subject;
	n->effect = d->effect;
	strlcpy(n->rule, d->rule ? d->rule : "", sizeof(n->rule));
	/* Formatted only if an audit event wants it: names by OID later. */
	n->action = d->action;
	n->action.object = NULL;
	n->object[0] = '\0';
	/* A denial is recorded while its error is reported: no lookups then. */
	if (d->effect == GOV_DENY || d->effect == GOV_REQUIRE_APPROVAL ||
		(!OidIsValid(d->action.relid) && d->action.object != NULL))
	{
		const char *object = governance_action_object((GovAction *) &d->action);

		if (object != NULL)
		{
			strlcpy(n->object, object, sizeof(n->object));
			n->action.object = n->object;
		}
	}
	n->max_rows = d->max_rows;
	n->request_id = request_id;
	n->stopped = false;
}

const GovDecisionNote *
governance_decision_for(const void *subject)
{
	int			i;

	for (i = gov_nnotes - 1; i >= 0; i--)
		if (gov_notes[i].subject == subject)
			return &gov_notes[i];
	return NULL;
}

const GovDecisionNote *
governance_decision_blocking(void)
{
	int			i;

	for (i = gov_nnotes - 1; i >= 0; i--)
		if (gov_notes[i].effect == GOV_DENY || gov_notes[i].stopped ||
			(gov_notes[i].effect == GOV_REQUIRE_APPROVAL &&
			 gov_notes[i].request_id == 0))
			return &gov_notes[i];
	return NULL;
}

void
governance_decisions_reset(void)
{
	gov_nnotes = 0;
}

/*
 * A budget stopped the statement: its failure is recorded while the error
 * is reported, where no catalog lookup may happen, so name the object now.
 */
static void
gov_note_stopped(GovDecisionNote *n)
{
	n->stopped = true;
	if (n->action.object == NULL && OidIsValid(n->action.relid))
	{
		GovAction	a = n->action;
		const char *object = governance_action_object(&a);

		if (object != NULL)
		{
			strlcpy(n->object, object, sizeof(n->object));
			n->action.object = n->object;
		}
	}
}

/*
 * Apply a decision: fail a denied statement, let one held for approval
 * through only by using an approval.  text is the statement's own text.
 */
static void
gov_enforce(const void *subject, GovDecision *d, const char *text, int location,
			int len, List *actions, ParamListInfo params)
{
	int64		request_id = 0;

	if (location < 0)
		location = 0;
	if (len <= 0)
		len = strlen(text + location);
	gov_note_decision(subject, d, 0);
	if (d->effect == GOV_DENY)
	{
		char	   *action = governance_action_text(&d->action);
		char	   *message = psprintf("%s is denied by governance rule \"%s\"",
									   action, d->rule);

		/*
		 * A statement run by another (a function, a DO block) may have its
		 * denial caught by an exception handler, and then no failure
		 * reaches the top: record it here.  Top-level denials are recorded
		 * as the statement's failure.
		 */
		if (text != debug_query_string)
			governance_audit_refusal(text, location, len, "42501", message);
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("%s", message),
				 errdetail("Rule \"%s\" denies %s to this principal%s%s.", d->rule,
						   action,
						   governance_environment && governance_environment[0] ?
						   " in environment " : "",
						   governance_environment ? governance_environment : ""),
				 d->action.unfiltered ?
				 errhint("Add a WHERE clause that selects the rows to change.  governance.check() shows how a statement will be decided before it runs.") :
				 errhint("governance.check() shows how a statement will be decided before it runs; a governance administrator can change the policy.")));
	}
	if (d->effect == GOV_REQUIRE_APPROVAL)
	{
		request_id = governance_approval_enforce(d, text + location, len,
												 actions, params);
		gov_note_decision(subject, d, request_id);
	}
}

static int
gov_frame_of(QueryDesc *qd)
{
	int			i;

	for (i = gov_nframes - 1; i >= 0; i--)
		if (gov_frames[i].owner == qd)
			return i;
	return -1;
}

/* Is a statement with a budget running, so that nested writes count? */
static bool
gov_budget_enclosing(void)
{
	int			i;

	for (i = 0; i < gov_nframes; i++)
		if (gov_frames[i].running > 0 && gov_frames[i].max_rows >= 0)
			return true;
	return false;
}

/* Count one row into a write; fail once a budget is exceeded. */
static TupleTableSlot *
gov_budget_exec(PlanState *node)
{
	GovBudgetNode *b = NULL;
	TupleTableSlot *slot;
	int			i,
				own;

	for (i = gov_nbudget_nodes - 1; i >= 0; i--)
		if (gov_budget_nodes[i].input == node)
		{
			b = &gov_budget_nodes[i];
			break;
		}
	if (b == NULL)
		elog(ERROR, "governance row budget lost track of a plan node");
	slot = b->real(node);
	if (TupIsNull(slot))
		return slot;
	own = gov_frame_of(b->owner);
	for (i = gov_nframes - 1; i >= 0; i--)
	{
		GovBudgetFrame *f = &gov_frames[i];

		if (i != own && f->running == 0)
			continue;
		if (++f->rows > f->max_rows && f->max_rows >= 0)
		{
			GovDecisionNote *n = (GovDecisionNote *) governance_decision_for(f->owner);

			if (n != NULL)
				gov_note_stopped(n);
			ereport(ERROR,
					(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
					 errmsg("statement would change more than " INT64_FORMAT " rows, the limit of governance rule \"%s\"",
							f->max_rows, f->rule),
					 errdetail("Rule \"%s\" allows at most " INT64_FORMAT " rows per statement, counting rows changed by the triggers, cascades and functions it sets off; the statement was stopped and its changes are rolled back.",
							   f->rule, f->max_rows),
					 errhint("Change the rows in smaller batches, or ask a governance administrator for a larger budget.")));
		}
	}
	return slot;
}

static void
gov_budget_wrap(QueryDesc *qd, PlanState *ps)
{
	GovBudgetNode *b;
	PlanState  *input;

	if (ps == NULL || !IsA(ps, ModifyTableState))
		return;
	input = outerPlanState(ps);
	if (input == NULL)
		return;
	if (gov_nbudget_nodes >= GOV_MAX_BUDGET_NODES)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("too many nested writes under a row budget"),
				 errdetail("At most %d writes can be counted at once.",
						   GOV_MAX_BUDGET_NODES)));
	b = &gov_budget_nodes[gov_nbudget_nodes++];
	b->input = input;
	b->real = input->ExecProcNodeReal;
	b->owner = qd;
	b->subxid = GetCurrentSubTransactionId();
	input->ExecProcNodeReal = gov_budget_exec;
}

/*
 * Give a statement a frame and count the rows reaching each of its writes
 * (data-modifying CTEs included), if it has a budget or runs under one.
 */
static void
gov_budget_install(QueryDesc *qd, const GovDecision *d)
{
	GovBudgetFrame *f;
	ListCell   *lc;

	if (d->max_rows < 0 && !gov_budget_enclosing())
		return;
	if (gov_nframes >= GOV_MAX_BUDGET_FRAMES)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("too many nested statements under a row budget"),
				 errdetail("At most %d statements can be counted at once.",
						   GOV_MAX_BUDGET_FRAMES)));
	f = &gov_frames[gov_nframes++];
	f->owner = qd;
	f->subxid = GetCurrentSubTransactionId();
	f->rows = 0;
	f->max_rows = d->max_rows;
	f->running = 0;
	strlcpy(f->rule, d->budget_rule ? d->budget_rule : "", sizeof(f->rule));
	gov_budget_wrap(qd, qd->planstate);
	foreach(lc, qd->estate->es_subplanstates)
		gov_budget_wrap(qd, lfirst(lc));
}

static void
gov_budget_forget(QueryDesc *qd)
{
	int			i,
				j;

	for (i = j = 0; i < gov_nbudget_nodes; i++)
		if (gov_budget_nodes[i].owner != qd)
			gov_budget_nodes[j++] = gov_budget_nodes[i];
	gov_nbudget_nodes = j;
	for (i = j = 0; i < gov_nframes; i++)
		if (gov_frames[i].owner != qd)
			gov_frames[j++] = gov_frames[i];
	gov_nframes = j;
}

/*
 * A transaction commits only while its identity may act: a procedure that
 * loops over COMMIT, or a client that holds a transaction open past the
 * token's expiry, cannot make its changes durable after it.  (An ERROR
 * here aborts the transaction instead.)
 */
static bool gov_xact_acted = false;

static void
gov_guard_xact_callback(XactEvent event, void *arg)
{
	/*
	 * The one transaction not refused: the one in which an idle session
	 * reads the notifications sent to it.  No client statement is under
	 * way, none of ours ran in it, and it has no transaction id: it makes
	 * nothing durable, and refusing it would end the session, which is
	 * reading the client's next message.  (A procedure's COMMIT happens
	 * under its CALL, and whatever it changed took an id.)
	 */
	if (event == XACT_EVENT_PRE_COMMIT || event == XACT_EVENT_PRE_PREPARE)
	{
		bool		idle_read = !gov_xact_acted && debug_query_string == NULL &&
			!TransactionIdIsValid(GetTopTransactionIdIfAny());

		if (!idle_read && !IsParallelWorker() && !governance_identity_usable())
			governance_identity_refuse();
		return;
	}
	gov_xact_acted = false;
	gov_nbudget_nodes = 0;
	gov_nframes = 0;
}

static void
gov_guard_subxact_callback(SubXactEvent event, SubTransactionId mySubid,
						   SubTransactionId parentSubid, void *arg)
{
	int			i,
				j;

	if (event == SUBXACT_EVENT_COMMIT_SUB)
	{
		/* What outlives a released subtransaction belongs to its parent. */
		for (i = 0; i < gov_nbudget_nodes; i++)
			if (gov_budget_nodes[i].subxid == mySubid)
				gov_budget_nodes[i].subxid = parentSubid;
		for (i = 0; i < gov_nframes; i++)
			if (gov_frames[i].subxid == mySubid)
				gov_frames[i].subxid = parentSubid;
		return;
	}
	if (event != SUBXACT_EVENT_ABORT_SUB)
		return;
	for (i = j = 0; i < gov_nbudget_nodes; i++)
		if (gov_budget_nodes[i].subxid != mySubid)
			gov_budget_nodes[j++] = gov_budget_nodes[i];
	gov_nbudget_nodes = j;
	for (i = j = 0; i < gov_nframes; i++)
		if (gov_frames[i].subxid != mySubid)
			gov_frames[j++] = gov_frames[i];
	gov_nframes = j;
}

/*
 * Decide a plannable statement.  A plain SELECT skips classification when
 * no rule that applies to this principal names select.
 */
static bool
gov_judge_plan(QueryDesc *qd, GovDecision *d)
{
	PlannedStmt *pstmt = qd->plannedstmt;
	List	   *actions;

	if (!governance_policy_active())
		return false;
	if (pstmt->commandType == CMD_SELECT && !pstmt->hasModifyingCTE &&
		(governance_policy_ops() & GOV_OP_SELECT) == 0)
	{
		/* No rule for this principal names select: allowed as it stands. */
		memset(d, 0, sizeof(*d));
		d->effect = GOV_ALLOW;
		d->max_rows = -1;
		gov_note_decision(qd, d, 0);
		return false;
	}
	if (gov_plan_only_sets_token(pstmt))
		return false;
	/* Names are looked up below and copied: the cache may tidy itself. */
	governance_names_collect();
	actions = governance_plan_actions(pstmt);
	governance_decide(actions, d);
	gov_enforce(qd, d, qd->sourceText, pstmt->stmt_location, pstmt->stmt_len,
				actions, qd->params);
	return true;
}

static void
gov_ExecutorStart(QueryDesc *queryDesc, int eflags)
{
	GovDecision d;
	bool		judged = false;

	gov_xact_acted = true;
	if (!IsParallelWorker())
	{
		if (!governance_identity_usable() &&
			!gov_plan_only_sets_token(queryDesc->plannedstmt))
			governance_identity_refuse();
		if (governance_inhibit == 0 && (eflags & EXEC_FLAG_EXPLAIN_ONLY) == 0)
			judged = gov_judge_plan(queryDesc, &d);
	}

	if (prev_ExecutorStart)
		prev_ExecutorStart(queryDesc, eflags);
	else
		standard_ExecutorStart(queryDesc, eflags);

	if (!judged)
	{
		memset(&d, 0, sizeof(d));
		d.max_rows = -1;
	}
	if ((d.max_rows >= 0 || gov_nframes > 0) && !IsParallelWorker() &&
		governance_inhibit == 0 && (eflags & EXEC_FLAG_EXPLAIN_ONLY) == 0)
		gov_budget_install(queryDesc, &d);
}

static void
gov_ExecutorEnd(QueryDesc *queryDesc)
{
	gov_budget_forget(queryDesc);
	if (prev_ExecutorEnd)
		prev_ExecutorEnd(queryDesc);
	else
		standard_ExecutorEnd(queryDesc);
}

/* The arguments of ExecutorRun, to pass through gov_run_in_frame. */
typedef struct GovRunArgs
{
	QueryDesc  *queryDesc;
	ScanDirection direction;
	uint64		count;
	bool		execute_once;
} GovRunArgs;

static void
gov_run_next(void *arg)
{
	GovRunArgs *a = arg;

	if (prev_ExecutorRun)
		prev_ExecutorRun(a->queryDesc, a->direction, a->count, a->execute_once);
	else
		standard_ExecutorRun(a->queryDesc, a->direction, a->count, a->execute_once);
}

/*
 * Run the next hook with the statement's budget frame, if it has one,
 * marked running: rows changed meanwhile by what it sets off count for it.
 */
static void
gov_run_in_frame(QueryDesc *qd, void (*next) (void *), void *arg)
{
	int			frame = gov_nframes > 0 ? gov_frame_of(qd) : -1;

	if (frame < 0)
	{
		next(arg);
		return;
	}
	gov_frames[frame].running++;
	PG_TRY();
	{
		next(arg);
	}
	PG_FINALLY();
	{
		/* The frame may be gone if a subtransaction aborted under it. */
		frame = gov_frame_of(qd);
		if (frame >= 0)
			gov_frames[frame].running--;
	}
	PG_END_TRY();
}

/*
 * Checked again when the plan runs: with the extended protocol a portal is
 * started at Bind and may be executed later, after the token expired.
 */
static void
gov_ExecutorRun(QueryDesc *queryDesc, ScanDirection direction, uint64 count,
				bool execute_once)
{
	GovRunArgs	args = {queryDesc, direction, count, execute_once};

	if (!IsParallelWorker() && !governance_identity_usable() &&
		!gov_plan_only_sets_token(queryDesc->plannedstmt))
		governance_identity_refuse();

	gov_run_in_frame(queryDesc, gov_run_next, &args);
}

static void
gov_finish_next(void *arg)
{
	QueryDesc  *queryDesc = ((GovRunArgs *) arg)->queryDesc;

	if (prev_ExecutorFinish)
		prev_ExecutorFinish(queryDesc);
	else
		standard_ExecutorFinish(queryDesc);
}

/* Triggers (foreign key cascades among them) fire here: still running. */
static void
gov_ExecutorFinish(QueryDesc *queryDesc)
{
	GovRunArgs	args = {queryDesc};

	gov_run_in_frame(queryDesc, gov_finish_next, &args);
}

static void
gov_ProcessUtility(PlannedStmt *pstmt, const char *queryString,
				   bool readOnlyTree, ProcessUtilityContext context,
				   ParamListInfo params, QueryEnvironment *queryEnv,
				   DestReceiver *dest, QueryCompletion *qc)
{
	Node	   *stmt = pstmt->utilityStmt;
	GovDecision d;
	bool		judged = false;
	bool		copy_from = IsA(stmt, CopyStmt) && ((CopyStmt *) stmt)->is_from;

	gov_xact_acted = true;
	if (!IsParallelWorker())
	{
		bool		sets_token = governance_utility_only_sets_token(stmt);

		/*
		 * COMMIT PREPARED makes a transaction durable at once, past the
		 * pre-commit check: it is a commit, so the clock is checked first.
		 */
		if ((!sets_token || (IsA(stmt, TransactionStmt) &&
							 ((TransactionStmt *) stmt)->kind == TRANS_STMT_COMMIT_PREPARED)) &&
			!governance_identity_usable())
			governance_identity_refuse();
		if (!sets_token && governance_inhibit == 0 &&
			!gov_generated_subcommand(stmt, context) && governance_policy_active())
		{
			List	   *actions = governance_utility_actions(stmt);

			governance_decide(actions, &d);
			gov_enforce(pstmt, &d, queryString, pstmt->stmt_location,
						pstmt->stmt_len, actions, params);
			judged = true;
		}
	}

	if (prev_ProcessUtility)
		prev_ProcessUtility(pstmt, queryString, readOnlyTree, context,
							params, queryEnv, dest, qc);
	else
		standard_ProcessUtility(pstmt, queryString, readOnlyTree, context,
								params, queryEnv, dest, qc);

	/* COPY FROM reports its rows only at the end: too many rolls back. */
	if (judged && copy_from && d.max_rows >= 0 && qc != NULL &&
		qc->nprocessed > (uint64) d.max_rows)
	{
		GovDecisionNote *n = (GovDecisionNote *) governance_decision_for(pstmt);

		if (n != NULL)
			gov_note_stopped(n);
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("COPY loaded " UINT64_FORMAT " rows, more than the " INT64_FORMAT " of governance rule \"%s\"",
						qc->nprocessed, d.max_rows, d.budget_rule),
				 errdetail("The rows are rolled back."),
				 errhint("Load the rows in smaller batches, or ask a governance administrator for a larger budget.")));
	}
}

/*
 * Fastpath function calls (protocol message 'F', libpq's PQfn, which the
 * large-object functions use) run a function without a statement: no
 * planner, executor or utility hook sees them.  PostgreSQL announces each
 * with OAT_FUNCTION_EXECUTE, which otherwise fires only while a statement
 * is under way (debug_query_string set).  So a call announced with no
 * statement under way, in a client backend, is decided as a statement of
 * its own: the identity is checked against the clock, the policy decides
 * it (operation "other" on the function, schema.name), and it is recorded
 * before it runs -- a call that cannot be recorded does not run.  Its text
 * stands in debug_query_string until the next message, so an error it
 * raises is recorded and logged with it.
 */
static object_access_hook_type prev_object_access = NULL;
static char *gov_fastpath_text = NULL;	/* in TopMemoryContext */

static void
gov_fastpath_call(Oid fn)
{
	GovDecision d;
	char	   *signature = format_procedure_qualified(fn);
	char	   *name;

	gov_xact_acted = true;
	if (gov_fastpath_text != NULL)
		pfree(gov_fastpath_text);
	gov_fastpath_text = MemoryContextStrdup(TopMemoryContext,
											psprintf("fastpath function call %s", signature));
	debug_query_string = gov_fastpath_text;
	governance_decisions_reset();

	if (!governance_identity_usable())
		governance_identity_refuse();
	if (governance_inhibit == 0 && governance_policy_active())
	{
		GovAction  *a = palloc0(sizeof(GovAction));

		name = pstrdup(signature);
		if (strchr(name, '(') != NULL)
			*strchr(name, '(') = '\0';
		a->op = GOV_OP_OTHER;
		a->relid = InvalidOid;
		a->object = name;
		governance_decide(list_make1(a), &d);
		gov_enforce(gov_fastpath_text, &d, gov_fastpath_text, 0, -1,
					list_make1(a), NULL);
	}
	governance_audit_fastpath(gov_fastpath_text,
							  governance_decision_for(gov_fastpath_text));
}

static void
gov_object_access(ObjectAccessType access, Oid classId, Oid objectId,
				  int subId, void *arg)
{
	if (prev_object_access)
		prev_object_access(access, classId, objectId, subId, arg);
	if (access == OAT_FUNCTION_EXECUTE && debug_query_string == NULL &&
		MyProcPort != NULL && !IsParallelWorker())
		gov_fastpath_call(objectId);
}

void
governance_guard_init(void)
{
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
	prev_object_access = object_access_hook;
	object_access_hook = gov_object_access;
	RegisterXactCallback(gov_guard_xact_callback, NULL);
	RegisterSubXactCallback(gov_guard_subxact_callback, NULL);
}
