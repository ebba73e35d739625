/*-------------------------------------------------------------------------
 *
 * budget.c
 *	  Row budgets: a statement stopped the moment it changes one row more
 *	  than its rule allows.
 *
 * A statement with a row budget runs with a counter on the input of each
 * of its writes: every row that reaches a ModifyTable is a row about to be
 * changed, and the statement fails (rolling back) the moment one more than
 * the budget arrives.  The statements it sets off while it runs (triggers,
 * foreign key cascades, functions) count into its budget too, through a
 * stack of budget frames kept in step by ExecutorRun/ExecutorFinish (the
 * hook layer marks a frame running around them) and dropped with the
 * (sub)transaction when an error unwinds them.  COPY FROM is counted when
 * it ends (src/guard/enforce.c).
 *
 * src/guard/budget.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xact.h"
#include "executor/executor.h"
#include "governance/guard.h"
#include "governance/policy.h"
#include "nodes/execnodes.h"

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
			governance_decision_stopped(f->owner);
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
void
governance_budget_install(QueryDesc *qd, const GovDecision *d)
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

void
governance_budget_forget(QueryDesc *qd)
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
 * The statement's frame, if it has one, is marked running around its
 * ExecutorRun and ExecutorFinish: rows changed meanwhile by what it sets
 * off count for it.  Returns whether it has a frame.
 */
bool
governance_budget_run_enter(QueryDesc *qd)
{
	int			frame = gov_nframes > 0 ? gov_frame_of(qd) : -1;

	if (frame < 0)
		return false;
	gov_frames[frame].running++;
	return true;
}

void
governance_budget_run_leave(QueryDesc *qd)
{
	/* The frame may be gone if a subtransaction aborted under it. */
	int			frame = gov_frame_of(qd);

	if (frame >= 0)
		gov_frames[frame].running--;
}

/* Does any statement run under a budget frame? */
bool
governance_budget_any(void)
{
	return gov_nframes > 0;
}

/* The transaction ended: every frame went with it. */
void
governance_budget_xact_end(void)
{
	gov_nbudget_nodes = 0;
	gov_nframes = 0;
}

void
governance_budget_subxact_end(SubXactEvent event, SubTransactionId mySubid,
							  SubTransactionId parentSubid)
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
