/*-------------------------------------------------------------------------
 *
 * mask.h
 *	  Sensitivity labels and the masks that stand in for labelled columns.
 *
 * A label (pii, email, secret, pseudonym, ...) names a mask kind.  Columns
 * carry labels as security labels of provider "governance".  A masked
 * identity reads every labelled column through its label's mask: at
 * planning each read of the column in the mask function of the
 * label's kind (masks.c holds the functions, rewrite.c the rewrite,
 * labels.c the catalog and the per-backend caches).
 *
 * src/include/governance/mask.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef GOVERNANCE_MASK_H
#define GOVERNANCE_MASK_H

#include "access/attnum.h"
#include "access/xact.h"
#include "catalog/objectaccess.h"
#include "executor/execdesc.h"
#include "fmgr.h"
#include "governance/common.h"
#include "governance/identity.h"
#include "nodes/params.h"
#include "nodes/pathnodes.h"
#include "nodes/plannodes.h"
#include "optimizer/planner.h"
#include "tcop/utility.h"

/* The masks there are; a label names one. */
typedef enum GovMaskKind
{
	GOV_MASK_PARTIAL,			/* a little of the value stays recognisable */
	GOV_MASK_EMAIL,				/* keeps the shape of an address */
	GOV_MASK_REDACT,			/* one fixed value of the type */
	GOV_MASK_PSEUDONYM,			/* keyed HMAC-SHA-256: deterministic */
	GOV_MASK_NULL,				/* NULL, for any type */
	GOV_MASK_NKINDS
} GovMaskKind;

/*
 * The location the rewrite gives the mask calls it makes.  The parser
 * never gives a negative location other than -1, so a call carrying this
 * one was made by the rewrite, around a labelled column; the pseudonym
 * mask is computed for nobody else (it would be a guessing oracle).
 */
#define GOV_MASK_REWRITE_LOCATION	(-7207)

/* masks.c */
extern bool governance_mask_kind_parse(const char *name, GovMaskKind *kind);
extern const char *governance_mask_kind_name(GovMaskKind kind);
extern bool governance_mask_supports(GovMaskKind kind, Oid typid);
extern const char *governance_mask_function_name(GovMaskKind kind);

/* pseudonym.c */
#define GOV_PSEUDONYM_MAC_LEN	32
extern void governance_pseudonym_mac(Oid base, Datum value,
									 unsigned char *mac);

/* labels.c */
typedef struct GovColumnLabel
{
	AttrNumber	attnum;
	int			label;			/* index into the label taxonomy */
} GovColumnLabel;

/* governance_column_label_of() for a column without a label */
#define GOV_NO_LABEL	(-2)

extern const GovColumnLabel *governance_relation_labels(Oid relid, int *n);
extern int	governance_column_label_of(Oid relid, AttrNumber attnum);
extern bool governance_labels_cached(void);

/*
 * delivered.c: the labelled columns a plan hands its client, as
 * "schema.table.column:label" strings, in memory cxt.
 */
extern void governance_mask_delivered_names(PlannedStmt *pstmt, MemoryContext cxt,
											const char ***masked, int *nmasked,
											const char ***clear, int *nclear);
/* The output scan: which output columns are labelled columns read as such. */
extern bool *governance_mask_labelled_outputs(PlannedStmt *pstmt, int n);
extern const char *governance_label_name(int label);
extern GovMaskKind governance_label_kind(int label);
extern bool governance_label_masked(int label);
extern bool governance_masking_possible(void);
extern bool governance_labels_exist(void);
extern Oid	governance_mask_function_oid(GovMaskKind kind);
extern void governance_labels_init(void);
/* The identity listener (see governance_identity_listen()). */
extern bool governance_mask_identity_event(GovIdentityEvent event,
										   const GovIdentity *id,
										   const char *refused_fingerprint,
										   const char *reason);
extern void governance_labels_changed(Oid relid);
extern bool governance_mask_state_masked_any(void);
extern bool governance_identity_masked_last(void);
extern bool governance_identity_masked(void);

/*
 * labels_sql.c: labels put by the extension itself (discovery), checked
 * and audited as governance.label_column()'s, without the check of the
 * caller; the label a column carries itself; whether a label is defined
 * and its mask can produce a type.
 */
extern void governance_set_column_label(Oid relid, AttrNumber attnum,
										const char *label, const char *why);
extern char *governance_column_own_label(Oid relid, AttrNumber attnum);
extern bool governance_label_serves(const char *label, Oid typid);

typedef bool (*GovColumnLabelVisitor) (Oid relid, AttrNumber attnum,
									   const char *label, void *arg);
extern bool governance_scan_column_labels(GovColumnLabelVisitor visit, void *arg);
extern void governance_mask_provider_init(void);

/* rewrite.c: what planning needs, from before it to after it */
typedef struct GovMaskPlanning
{
	bool		touched;		/* reads a labelled relation */
	bool		masked;			/* the query was rewritten */
	bool		fk_exempt;		/* a foreign-key statement, planned clear */
	bool		saved_frame;
	bool		saved_masked;
} GovMaskPlanning;

extern Query *governance_mask_plan_begin(Query *parse, const char *query_string,
										 int cursorOptions, GovMaskPlanning *mp);
/* stores.c: queries are those around q, innermost first */
extern void governance_mask_check_stores(Query *q, List *queries);

/* planning.c */
extern bool governance_mask_fk_query_as_written(Query *q);
extern bool governance_mask_fk_text(const char *text);
extern void governance_mask_planning_enter(GovMaskPlanning *mp);
extern void governance_mask_planning_leave(GovMaskPlanning *mp);
extern void governance_mask_plan_end(PlannedStmt *result, GovMaskPlanning *mp);
extern void governance_mask_relation_info(Oid relid, RelOptInfo *rel);

/* namepath.c */
extern void governance_namepath_init(void);
extern bool governance_namepath_needs_fmgr(Oid fn);
extern void governance_namepath_fmgr(FmgrHookEventType event, FmgrInfo *flinfo);
extern void governance_namepath_object_access(ObjectAccessType access,
											  Oid classId, Oid objectId,
											  int subId);
extern void governance_namepath_xact_end(XactEvent event);
extern void governance_namepath_subxact_end(SubXactEvent event,
											SubTransactionId mySubid,
											SubTransactionId parentSubid);
extern bool governance_mask_keeps_function(Oid fn);
extern bool governance_identity_owns(Oid owner);
extern void governance_foreign_code_check(PlannedStmt *pstmt);
extern void governance_temp_objects_discarded(void);
extern bool governance_domain_labelled(Oid domain);
extern void governance_refuse_code_change(Node *stmt);
extern void governance_warn_attached_code(Oid relid, AttrNumber attnum);
extern void governance_refuse_pseudonym_write(const char *column,
											  const char *relation);
extern bool governance_mask_frame_enter(void);
extern void governance_mask_frame_leave(bool saved);
extern bool governance_mask_in_fk_statement(void);
extern void governance_mask_check_plan(PlannedStmt *pstmt);

/* utility.c */
typedef struct GovMaskUtility
{
	char		who_before[65];
	Oid			role_before;
	char	   *declared;		/* the cursor a DECLARE makes */
	bool		holdable;		/* ... WITH HOLD */
} GovMaskUtility;

extern void governance_utility_replace(PlannedStmt **pstmtp, bool *readOnlyTree,
									   Node *stmt);
extern void governance_mask_utility_begin(PlannedStmt **pstmt,
										  bool *readOnlyTree,
										  GovMaskUtility *state);
extern void governance_mask_utility_end(Node *stmt,
										ProcessUtilityContext context,
										GovMaskUtility *state);
extern void governance_mask_executor_start(QueryDesc *queryDesc);
extern void governance_mask_executor_started(QueryDesc *queryDesc);
extern void governance_mask_run_check(QueryDesc *queryDesc);
extern void governance_mask_executor_end(QueryDesc *queryDesc);
extern void governance_mask_xact_end(XactEvent event);
/*
 * Cursors declared by another identity are made unusable (utility.c), and
 * so, before a commit, are WITH HOLD cursors declared in the transaction
 * if the identity changed since.
 */
extern void governance_mask_cursors_identity_changed(void);
extern void governance_mask_pre_commit(void);

/*
 * outscan.c: the output scan, a receiver around the client's that redacts
 * secrets in the unlabelled values a masked identity is handed, and counts
 * what it delivers.
 */
typedef struct GovOutScanTally
{
	bool		scanned;		/* a receiver of the scan was in place */
	uint64		rows;			/* rows delivered */
	uint64		bytes;			/* bytes of the values delivered */
	uint64		redacted;		/* values replaced */
	uint32		detectors;		/* bit (1 << GovDetector) of each that fired */
} GovOutScanTally;

/* What one hook call installed, to be put back (on the caller's stack). */
typedef struct GovOutScanRun
{
	DestReceiver *saved;		/* the receiver wrapped */
	DestReceiver *scan;			/* the scan's receiver; NULL: none */
	bool		begun;			/* a utility statement's: outer is set */
	bool		delivers;		/* a utility statement's rows, delivered by
								 * the executor runs under it, are counted
								 * for it */
	void	   *outer;			/* the utility statement's scan it is under */
	void	   *outer_quoted;	/* the FORCE_QUOTE names it is under */
	void	   *fill_portal;	/* the portal whose hold store the run fills */
} GovOutScanRun;

extern bool governance_outscan_active(void);
extern void governance_outscan_run_begin(QueryDesc *queryDesc, GovOutScanRun *run);
extern void governance_outscan_executor_started(QueryDesc *queryDesc);
extern void governance_outscan_run_end(QueryDesc *queryDesc, GovOutScanRun *run,
									   bool failed, GovOutScanTally *tally);
extern DestReceiver *governance_outscan_utility_begin(PlannedStmt **pstmtp,
													  bool *readOnlyTree,
													  DestReceiver *dest,
													  GovOutScanRun *run);
extern void governance_outscan_utility_end(GovOutScanRun *run,
										   GovOutScanTally *tally);
extern int	governance_outscan_detector_names(uint32 detectors,
											  const char **names, int max);
extern void governance_outscan_fastpath(Oid fn);

/*
 * outscan_messages.c: the strings of the messages sent to a masked
 * identity's client (errors, notices, notifications, reported settings),
 * and of the messages logged, in which a detector fires are replaced.
 */
#define GOV_OUT_WIRE_FALLBACK 1024

/* A message rewritten for the client, on the sender's stack. */
typedef struct GovOutWire
{
	const char *data;			/* what to send */
	size_t		len;
	char	   *copy;			/* data, allocated: freed once sent */
	char		fallback[GOV_OUT_WIRE_FALLBACK];	/* data, when no memory */
} GovOutWire;

extern void governance_outscan_wire_encoding(void);

/*
 * Does the scan read protocol messages of this type: ErrorResponse,
 * NoticeResponse, NotificationResponse, ParameterStatus, RowDescription?
 * Inline, for the sender to pass every other message (a DataRow) at the
 * cost of a test.
 */
static inline bool
governance_outscan_wire_reads(char msgtype)
{
	switch (msgtype)
	{
		case 'E':
		case 'N':
		case 'A':
		case 'S':
		case 'T':
			return true;
		default:
			return false;
	}
}

extern void governance_outscan_scrub_message(ErrorData *edata);
extern void governance_outscan_wire_prepare(void);
extern bool governance_outscan_wire(char msgtype, const char *s, size_t len,
									GovOutWire *w);
extern void governance_outscan_wire_sent(GovOutWire *w);

/* scrub.c */
extern void governance_mask_scrub_log(ErrorData *edata);
extern void governance_mask_rethrow_scrubbed(MemoryContext cxt) pg_attribute_noreturn();

#endif							/* GOVERNANCE_MASK_H */
