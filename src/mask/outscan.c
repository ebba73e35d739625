/*-------------------------------------------------------------------------
 *
 * outscan.c
 *	  The output scan: a DestReceiver around the one that hands rows to
 *	  the client of a masked identity, which searches the values of
 *	  unlabelled columns for secrets and replaces each value in which a
 *	  detector fires, and counts the rows and bytes delivered.
 *
 * Masking is a rewrite of the query (rewrite.c); what it cannot know is a
 * secret pasted into a column nobody labelled.  The output scan catches
 * those on their way out, for identities that read some label masked
 * (governance_identity_masked()), while governance.output_scan is on.  For
 * every other identity no receiver is installed at all.
 *
 * The rule that closes the class of paths by which rows reach a client:
 * rows reach it only through a receiver of type DestRemote,
 * DestRemoteExecute, DestRemoteSimple or DestDebug (the protocol, simple
 * or extended, binary or text, and single-user mode), DestCopyOut (COPY TO,
 * which PostgreSQL also uses for COPY TO a file), or through a portal's
 * hold store, which RunFromStore sends on with no hook of ours around it
 * (the result of INSERT/UPDATE/DELETE ... RETURNING, of a data-modifying
 * CTE, of a utility statement that returns rows, a WITH HOLD cursor after
 * its transaction).  So, while a masked identity acts:
 *
 *	  1. every receiver of those types handed to the executor (ExecutorRun)
 *		 or to a utility statement (ProcessUtility) is wrapped, unless it is
 *		 already ours;
 *	  2. every receiver that fills the hold store of the portal being run
 *		 (a DestTuplestore receiver handed to the executor or to a utility
 *		 statement for one of the portal's own statements while that
 *		 portal's hold store exists: FillPortalStore, and
 *		 PersistHoldablePortal when a WITH HOLD cursor is held at commit) is
 *		 wrapped, so rows are scanned on their way into the store; except
 *		 for the portals that never reach a client by themselves: pinned
 *		 ones, the internal cursors of PL/pgSQL FOR loops, which never
 *		 outlive the loop, and the hidden portal in which EXECUTE runs a
 *		 prepared statement, dropped before EXECUTE returns (its rows go to
 *		 EXECUTE's receiver, rule 1): what a function reads through them
 *		 must not be changed;
 *	  3. COPY table TO, which reads the table without the executor, is
 *		 turned into COPY (SELECT columns FROM ONLY table) TO
 *		 (src/mask/utility.c), so its rows pass rule 1.
 *
 * Everything else a statement reads (SPI, SQL functions, RETURN QUERY, a
 * CTE, a subquery) reaches the client only through the outer statement's
 * receiver, where it is scanned: a function's result is scanned where the
 * query that calls it delivers it.  FETCH, EXECUTE, CALL (its output
 * parameters), EXPLAIN and SHOW hand their rows to the receiver given to
 * their utility statement (rule 1 or 2); a cursor fetched through the
 * protocol runs the executor (rule 1) or reads its hold store (rule 2).
 * A fastpath function call sends its result with no receiver at all: for
 * a masked identity, one whose result type is scanned is refused.
 *
 * Messages are not rows, but a NOTICE a function raises, an error that
 * quotes a value, a NOTIFY payload or a reported setting carries data
 * too: for a masked identity under the scan, each string of a message in
 * which a detector fires is replaced, where the message is sent to the
 * client and where it is logged, the internal query too, whenever the
 * statement's own role is a masked identity or is not known not to be one
 * (governance_identity_masked_last(): a message may be reported where the
 * catalogs cannot be read); see outscan_messages.c.  Out of scope: the
 * replication protocol, the server log of other sessions' work
 * (docs/masking.md).
 *
 * Columns that the plan shows to be a labelled column read as such (its
 * mask, or the column itself read clear by an identity granted it) are not
 * scanned: masked they carry no secret, clear they are what the identity
 * may see.  Values are scanned as described in outscan_values.c.  A
 * receiver learns which of its columns those are only from the plan whose
 * rows it is handed: the plan the executor runs into it, or, for a
 * utility statement's receiver, the plan that filled the hold store of
 * the portal active when it starts up, recorded when that plan's run ends
 * (gov_fill).  So nothing a nested statement runs (a function executing
 * another prepared statement inside CALL, EXECUTE or EXPLAIN) can change
 * which columns another statement's receiver leaves unscanned; a receiver
 * told nothing scans every column.
 *
 * Failing closed: an error while scanning (no memory, a cancel, a type
 * whose output function fails) fails the statement; a value is never
 * delivered unscanned.  CHECK_FOR_INTERRUPTS runs between values.
 *
 * Memory: a receiver and the types it met live in a context of its own,
 * a child of the memory current when it was made, deleted when the hook
 * that made it returns (either way); each row's scanning allocates in a
 * child context reset after the row is handed on.
 *
 * src/mask/outscan.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/parallel.h"
#include "executor/executor.h"
#include "governance/common.h"
#include "governance/common_detect.h"
#include "governance/mask.h"
#include "miscadmin.h"
#include "outscan_internal.h"
#include "tcop/pquery.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/portal.h"

typedef struct GovOutScan
{
	DestReceiver pub;			/* first: what the executor calls */
	DestReceiver *inner;		/* the receiver rows are handed on to */
	MemoryContext cxt;			/* this receiver's memory */
	MemoryContext rowcxt;		/* one row's scanning, reset after it */
	GovOutTypes types;
	bool		count_rows;		/* rows and bytes are counted here */
	bool		from_store;		/* a utility statement's: see gov_fill */
	bool	   *labelled;		/* output columns not to scan, or NULL */
	int			nlabelled;
	int			natts;			/* at startup */
	GovOutType **cols;			/* NULL: not scanned */
	int16	   *attlen;
	TupleTableSlot *slot;		/* a row with values replaced */
	GovOutScanTally tally;
} GovOutScan;

/* The receiver of the utility statement under way that scans (FETCH, ...). */
static GovOutScan *gov_utility_scan = NULL;

/* Utility statements under way (kept in step by utility_begin and _end). */
static int	gov_utility_depth = 0;

/*
 * The column names of the FORCE_QUOTE list of the COPY TO under way (the
 * String nodes of a copy of its statement), or NIL: see
 * governance_outscan_executor_started().
 */
static List *gov_copy_quoted = NIL;

/*
 * Which output columns of the rows a portal's hold store holds are
 * labelled, from the plan that last filled a store (see
 * gov_outscan_plan_fill()): a utility statement's receiver takes it when
 * it starts up while that portal is the active one, which is when the
 * store's rows are what it is handed (RunFromStore).  In
 * TopMemoryContext; NULL labelled: none.
 */
static struct
{
	Portal		portal;			/* NULL: none recorded */
	bool	   *labelled;
	int			nlabelled;
}			gov_fill;


static bool gov_outscan_receive(TupleTableSlot *slot, DestReceiver *self);
static void gov_outscan_take_fill(GovOutScan *s);

/* Is the output scan in force for who acts now? */
bool
governance_outscan_active(void)
{
	if (!governance_output_scan || IsParallelWorker() || governance_inhibit != 0 ||
		!governance_identity_masked())
		return false;
	/* where the catalogs can be read: what the wire will need */
	governance_outscan_wire_encoding();
	return true;
}

/*
 * Is a receiver of this type handed for this statement a way to the
 * client (rules 1 and 2 above)?  *fill: it fills a portal's hold store.
 */
static bool
gov_reaches_client(DestReceiver *dest, PlannedStmt *pstmt, bool *fill)
{
	*fill = false;
	switch (dest->mydest)
	{
		case DestRemote:
		case DestRemoteExecute:
		case DestRemoteSimple:
		case DestDebug:
		case DestCopyOut:
			return true;
		case DestTuplestore:
			*fill = ActivePortal != NULL && ActivePortal->holdStore != NULL &&
				!ActivePortal->portalPinned &&
				list_member_ptr(ActivePortal->stmts, pstmt);
			return *fill;
		default:
			return false;
	}
}

static void
gov_outscan_startup(DestReceiver *self, int operation, TupleDesc typeinfo)
{
	GovOutScan *s = (GovOutScan *) self;
	MemoryContext old = MemoryContextSwitchTo(s->cxt);

	if (s->slot != NULL)
		ExecDropSingleTupleTableSlot(s->slot);
	if (s->from_store)
		gov_outscan_take_fill(s);
	s->natts = typeinfo->natts;
	s->cols = palloc0(sizeof(GovOutType *) * Max(s->natts, 1));
	s->attlen = palloc0(sizeof(int16) * Max(s->natts, 1));
	for (int i = 0; i < s->natts; i++)
	{
		Form_pg_attribute att = TupleDescAttr(typeinfo, i);
		GovOutType *t;

		s->attlen[i] = att->attlen;
		if (att->attisdropped ||
			(s->labelled != NULL && s->nlabelled == s->natts && s->labelled[i]))
			continue;
		t = gov_out_type(&s->types, att->atttypid, att->atttypmod);
		if (t->kind != GOV_OUT_SKIP)
			s->cols[i] = t;
	}
	s->slot = MakeSingleTupleTableSlot(typeinfo, &TTSOpsVirtual);
	MemoryContextSwitchTo(old);
	s->inner->rStartup(s->inner, operation, typeinfo);
}

/*
 * A row: each value of a scanned column is searched; if any is replaced,
 * a copy of the row with the replacements is handed on, else the row.
 */
static bool
gov_outscan_receive(TupleTableSlot *slot, DestReceiver *self)
{
	GovOutScan *s = (GovOutScan *) self;
	TupleTableSlot *pass = slot;
	MemoryContext old;
	int			natts = Min(s->natts, slot->tts_tupleDescriptor->natts);
	bool		result;

	slot_getallattrs(slot);
	old = MemoryContextSwitchTo(s->rowcxt);
	for (int i = 0; i < natts; i++)
	{
		GovOutFound found = {0, 0};
		Datum		repl;
		bool		replnull;

		if (slot->tts_isnull[i])
			continue;
		if (s->cols[i] == NULL)
		{
			s->tally.bytes += s->attlen[i] > 0 ? (uint64) s->attlen[i] :
				gov_out_size(s->attlen[i], slot->tts_values[i]);
			continue;
		}
		CHECK_FOR_INTERRUPTS();

		/*
		 * The common case inline: text stored in line, in which no detector
		 * fires.
		 */
		if (s->cols[i]->kind == GOV_OUT_TEXT || s->cols[i]->kind == GOV_OUT_JSON)
		{
			struct varlena *p = (struct varlena *) DatumGetPointer(slot->tts_values[i]);

			if (!VARATT_IS_COMPRESSED(p) && !VARATT_IS_EXTERNAL(p) &&
				gov_out_detect(VARDATA_ANY(p), VARSIZE_ANY_EXHDR(p)) == GOV_DETECT_NONE)
			{
				s->tally.bytes += VARSIZE_ANY_EXHDR(p);
				continue;
			}
		}
		if (gov_out_scan(&s->types, s->cols[i], slot->tts_values[i], &found,
						 &repl, &replnull))
		{
			if (pass == slot)
			{
				pass = s->slot;
				ExecClearTuple(pass);
				memcpy(pass->tts_values, slot->tts_values, sizeof(Datum) * natts);
				memcpy(pass->tts_isnull, slot->tts_isnull, sizeof(bool) * natts);
				for (int k = natts; k < pass->tts_tupleDescriptor->natts; k++)
					pass->tts_isnull[k] = true;
				ExecStoreVirtualTuple(pass);
			}
			pass->tts_values[i] = repl;
			pass->tts_isnull[i] = replnull;
			s->tally.redacted++;
			s->tally.detectors |= found.detectors;
		}
		s->tally.bytes += found.bytes;
	}
	MemoryContextSwitchTo(old);
	result = s->inner->receiveSlot(pass, s->inner);
	if (pass != slot)
		ExecClearTuple(pass);
	MemoryContextReset(s->rowcxt);
	s->tally.rows++;
	return result;
}

static void
gov_outscan_shutdown(DestReceiver *self)
{
	GovOutScan *s = (GovOutScan *) self;

	s->inner->rShutdown(s->inner);
	if (s->slot != NULL)
	{
		ExecDropSingleTupleTableSlot(s->slot);
		s->slot = NULL;
	}
}

/* The receiver is freed with its context by the hook that made it. */
static void
gov_outscan_destroy(DestReceiver *self)
{
}

static GovOutScan *
gov_outscan_create(DestReceiver *inner, bool count_rows)
{
	MemoryContext cxt = AllocSetContextCreate(CurrentMemoryContext,
											  "governance output scan",
											  ALLOCSET_SMALL_SIZES);
	GovOutScan *s = MemoryContextAllocZero(cxt, sizeof(GovOutScan));

	s->pub.receiveSlot = gov_outscan_receive;
	s->pub.rStartup = gov_outscan_startup;
	s->pub.rShutdown = gov_outscan_shutdown;
	s->pub.rDestroy = gov_outscan_destroy;
	s->pub.mydest = inner->mydest;
	s->inner = inner;
	s->cxt = cxt;
	s->rowcxt = AllocSetContextCreate(cxt, "governance output scan row",
									  ALLOCSET_DEFAULT_SIZES);
	s->types.cxt = cxt;
	s->count_rows = count_rows;
	return s;
}

/*
 * Which output columns of a plan are labelled columns read as such, in
 * cxt (NULL: none); *n is how many columns it outputs.
 */
static bool *
gov_plan_labelled(PlannedStmt *pstmt, MemoryContext cxt, int *n)
{
	MemoryContext old;
	bool	   *labelled;

	*n = ExecCleanTargetListLength(pstmt->planTree->targetlist);
	if (IsA(pstmt->planTree, ModifyTable))
		*n = ((ModifyTable *) pstmt->planTree)->returningLists != NIL ?
			list_length(linitial(((ModifyTable *) pstmt->planTree)->returningLists)) : 0;
	if (!pstmt->dependsOnRole)
		return NULL;
	old = MemoryContextSwitchTo(cxt);
	labelled = governance_mask_labelled_outputs(pstmt, *n);
	MemoryContextSwitchTo(old);
	return labelled;
}

/* Tell a receiver which columns of the plan whose rows it gets are labelled. */
static void
gov_outscan_plan(GovOutScan *s, PlannedStmt *pstmt)
{
	s->labelled = gov_plan_labelled(pstmt, s->cxt, &s->nlabelled);
}

/* Forget the record of the last store filled. */
static void
gov_outscan_forget_fill(void)
{
	if (gov_fill.labelled != NULL)
		pfree(gov_fill.labelled);
	gov_fill.portal = NULL;
	gov_fill.labelled = NULL;
	gov_fill.nlabelled = 0;
}

/*
 * A plan filled the hold store of portal (rule 2, or the hidden portal of
 * EXECUTE), and has returned: record which of its output columns are
 * labelled, for the receiver the store's rows will be handed to.  Only
 * when the run ends, so that what ran inside it (a function running
 * EXECUTE of another prepared statement, which fills a store of its own)
 * cannot leave its columns in place of these.  Without the scan in force
 * nothing is left unscanned.
 */
static void
gov_outscan_plan_fill(Portal portal, PlannedStmt *pstmt)
{
	gov_outscan_forget_fill();
	if (governance_outscan_active())
		gov_fill.labelled = gov_plan_labelled(pstmt, TopMemoryContext,
											  &gov_fill.nlabelled);
	gov_fill.portal = portal;
}

/*
 * A utility statement's receiver starts up: if the active portal is the
 * one whose store was last filled, the rows it is about to be handed are
 * that store's, and the record says which columns are labelled.  Any
 * other portal (CALL's output parameters, EXPLAIN's lines, SHOW) leaves
 * the receiver's columns as the plan that writes into it said, or all
 * scanned.  The record is used once.
 */
static void
gov_outscan_take_fill(GovOutScan *s)
{
	if (gov_fill.portal != NULL && gov_fill.portal == ActivePortal)
	{
		s->labelled = gov_fill.labelled == NULL ? NULL :
			MemoryContextAlloc(s->cxt, sizeof(bool) * gov_fill.nlabelled);
		if (s->labelled != NULL)
			memcpy(s->labelled, gov_fill.labelled, sizeof(bool) * gov_fill.nlabelled);
		s->nlabelled = gov_fill.nlabelled;
	}
	gov_outscan_forget_fill();
}

static void
gov_outscan_finish(GovOutScan *s, GovOutScanTally *tally)
{
	if (s->count_rows)
		*tally = s->tally;
	else
	{
		/* A store filled for a statement that counts where it delivers. */
		memset(tally, 0, sizeof(*tally));
		tally->redacted = s->tally.redacted;
		tally->detectors = s->tally.detectors;
	}
	tally->scanned = true;
	MemoryContextDelete(s->cxt);
}

/*
 * ExecutorRun is about to run queryDesc: wrap its receiver if its rows
 * reach the client of a masked identity.  A receiver that is already ours
 * (a cursor fetched by FETCH, a statement run by EXECUTE) learns the
 * plan's labelled columns instead.
 */
void
governance_outscan_run_begin(QueryDesc *queryDesc, GovOutScanRun *run)
{
	DestReceiver *dest = queryDesc->dest;
	GovOutScan *s;
	bool		fill;

	memset(run, 0, sizeof(*run));
	if (dest == NULL)
		return;
	if (dest->receiveSlot == gov_outscan_receive)
	{
		gov_outscan_plan((GovOutScan *) dest, queryDesc->plannedstmt);
		return;
	}
	if (!gov_reaches_client(dest, queryDesc->plannedstmt, &fill))
		return;

	/*
	 * The portal EXECUTE runs a prepared statement in is hidden from
	 * pg_cursors and dropped before EXECUTE returns: its store's rows go
	 * to EXECUTE's receiver alone, scanned there if they reach a client,
	 * and a function running EXECUTE reads them unchanged.
	 */
	if (fill)
		run->fill_portal = ActivePortal;
	if (fill && !ActivePortal->visible && gov_utility_depth > 0)
		return;
	if (!governance_outscan_active())
		return;

	/*
	 * A store filled under a FETCH or EXECUTE (a cursor over INSERT ...
	 * RETURNING, say) is scanned here and again as that statement hands
	 * the rows on: its receiver counts them, and learns which are labelled
	 * from the record made when this run ends.
	 */
	s = gov_outscan_create(dest, !(fill && gov_utility_scan != NULL));
	gov_outscan_plan(s, queryDesc->plannedstmt);
	run->saved = dest;
	run->scan = &s->pub;
	queryDesc->dest = &s->pub;
}

/*
 * The executor started queryDesc.  COPY (query) TO writes its header line
 * (HEADER) from the result's column names before it runs the query, with
 * no receiver between: for a masked identity under the scan, a column
 * name in which a detector fires (a column named by dynamic SQL after a
 * value read) is replaced in the result's descriptor, which the header is
 * written from.  (The protocol's RowDescription is scrubbed where it is
 * sent, outscan_messages.c.)
 *
 * COPY looks the names of its FORCE_QUOTE list up in that descriptor
 * afterwards: a name replaced here is replaced in the list too, and a
 * replacement another column has (replaced before, or so named) gets
 * the column's number after it, so that each name stands for one column.
 */
void
governance_outscan_executor_started(QueryDesc *queryDesc)
{
	TupleDesc	desc = queryDesc->tupDesc;

	if (queryDesc->dest == NULL || queryDesc->dest->mydest != DestCopyOut ||
		desc == NULL || !governance_outscan_active())
		return;
	for (int i = 0; i < desc->natts; i++)
	{
		Form_pg_attribute att = TupleDescAttr(desc, i);
		const char *name = NameStr(att->attname);
		GovDetector d = gov_out_detect(name, strnlen(name, NAMEDATALEN));
		NameData	old;
		ListCell   *lc;

		if (d == GOV_DETECT_NONE)
			continue;
		old = att->attname;
		namestrcpy(&att->attname, gov_out_redaction(1U << d));
		for (int j = 0; j < desc->natts; j++)
			if (j != i &&
				namestrcmp(&TupleDescAttr(desc, j)->attname, NameStr(att->attname)) == 0)
			{
				namestrcpy(&att->attname, psprintf("%s %d", gov_out_redaction(1U << d), i + 1));
				break;
			}
		foreach(lc, gov_copy_quoted)
			if (strcmp(strVal(lfirst(lc)), NameStr(old)) == 0)
				lfirst(lc) = makeString(pstrdup(NameStr(att->attname)));
	}
}

/*
 * COPY ... TO with a FORCE_QUOTE list of names, under the scan: its
 * statement is copied (*pstmtp, *readOnlyTree false) and the list's names
 * are kept for governance_outscan_executor_started(), which replaces
 * those a detector fires in as it replaces the columns' names.
 */
static void
gov_copy_quote_names(PlannedStmt **pstmtp, bool *readOnlyTree)
{
	CopyStmt   *copy = (CopyStmt *) (*pstmtp)->utilityStmt;
	ListCell   *lc;

	foreach(lc, copy->options)
	{
		DefElem    *opt = lfirst_node(DefElem, lc);

		if (strcmp(opt->defname, "force_quote") != 0 || !IsA(opt->arg, List))
			continue;
		copy = copyObject(copy);
		governance_utility_replace(pstmtp, readOnlyTree, (Node *) copy);
		opt = lfirst_node(DefElem, list_nth_cell(copy->options, foreach_current_index(lc)));
		gov_copy_quoted = (List *) opt->arg;
		return;
	}
}

/* ExecutorRun returned, or failed: the receiver put back, its counts. */
void
governance_outscan_run_end(QueryDesc *queryDesc, GovOutScanRun *run,
						   bool failed, GovOutScanTally *tally)
{
	memset(tally, 0, sizeof(*tally));
	if (run->fill_portal != NULL)
	{
		if (failed)
			gov_outscan_forget_fill();
		else
			gov_outscan_plan_fill((Portal) run->fill_portal, queryDesc->plannedstmt);
		run->fill_portal = NULL;
	}
	if (run->scan == NULL)
		return;
	queryDesc->dest = run->saved;
	gov_outscan_finish((GovOutScan *) run->scan, tally);
	run->scan = NULL;
}

/*
 * A utility statement is about to run with receiver dest: the receiver to
 * give it instead, if its rows reach the client of a masked identity
 * (FETCH, EXECUTE, CALL, EXPLAIN, SHOW ...).  While it runs, it is the
 * receiver that queries run under it report to.  run->delivers: the
 * statement delivers rows, and the rows the executor delivers under it
 * are counted for it: when its receiver is ours, and for COPY TO, whose
 * rows leave through a receiver of COPY's own making (to a file too),
 * not through dest.
 */
DestReceiver *
governance_outscan_utility_begin(PlannedStmt **pstmtp, bool *readOnlyTree,
								 DestReceiver *dest, GovOutScanRun *run)
{
	PlannedStmt *pstmt = *pstmtp;
	GovOutScan *s;
	bool		fill;

	memset(run, 0, sizeof(*run));
	run->outer = gov_utility_scan;
	run->outer_quoted = gov_copy_quoted;
	run->begun = true;
	run->delivers = IsA(pstmt->utilityStmt, CopyStmt) &&
		!((CopyStmt *) pstmt->utilityStmt)->is_from;
	gov_utility_depth++;
	gov_copy_quoted = NIL;
	if (run->delivers && governance_outscan_active())
		gov_copy_quote_names(pstmtp, readOnlyTree);
	pstmt = *pstmtp;
	if (dest == NULL || dest->receiveSlot == gov_outscan_receive ||
		!gov_reaches_client(dest, pstmt, &fill) ||
		!governance_outscan_active())
		return dest;
	s = gov_outscan_create(dest, true);
	s->from_store = true;
	gov_outscan_forget_fill();
	run->saved = dest;
	run->scan = &s->pub;
	run->delivers = true;
	gov_utility_scan = s;
	return &s->pub;
}

/* The utility statement returned, or failed. */
void
governance_outscan_utility_end(GovOutScanRun *run, GovOutScanTally *tally)
{
	memset(tally, 0, sizeof(*tally));
	if (!run->begun)
		return;
	run->begun = false;
	gov_utility_depth--;
	gov_utility_scan = (GovOutScan *) run->outer;
	gov_copy_quoted = (List *) run->outer_quoted;
	if (run->scan == NULL)
		return;
	gov_outscan_finish((GovOutScan *) run->scan, tally);
	run->scan = NULL;
}

/* The names of the detectors in a tally's mask, at most max of them. */
int
governance_outscan_detector_names(uint32 detectors, const char **names, int max)
{
	int			n = 0;

	for (int d = 1; d < GOV_DETECT_COUNT && n < max; d++)
		if (detectors & (1U << d))
			names[n++] = governance_detector_name((GovDetector) d);
	return n;
}

/*
 * A fastpath function call sends its result to the client with no
 * receiver: for a masked identity under the output scan, a function whose
 * result would be scanned is refused.  (Of the large-object functions
 * libpq calls this way, loread, which lo_read() calls, returns bytea and
 * is refused; the others return integers and oids.)
 */
void
governance_outscan_fastpath(Oid fn)
{
	GovOutTypes types;
	MemoryContext cxt;
	bool		scanned;

	if (!governance_outscan_active())
		return;
	cxt = AllocSetContextCreate(CurrentMemoryContext, "governance output scan",
								ALLOCSET_SMALL_SIZES);
	types.cxt = cxt;
	types.types = NIL;
	scanned = gov_out_type(&types, get_func_rettype(fn), -1)->kind != GOV_OUT_SKIP;
	MemoryContextDelete(cxt);
	if (scanned)
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("fastpath call of function %s is not allowed while the output scan is on",
						get_func_name(fn)),
				 errdetail("Its result would reach the client without being scanned for secrets."),
				 errhint("Call the function in a SELECT statement.")));
}
