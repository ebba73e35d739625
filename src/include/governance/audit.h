/*-------------------------------------------------------------------------
 *
 * audit.h
 *	  The audit trail: events built in backends, appended to a shared
 *	  ring, shipped to the sinks by one background worker.
 *
 * The audit receives: the hook layer hands it each statement's outcome
 * (its decision as a GovAuditDecision, the labelled columns it delivers,
 * its error), and identity changes arrive through identity's listener.
 * It reads no other concern but identity, whose acting identity every
 * event names.
 *
 * src/include/governance/audit.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef GOVERNANCE_AUDIT_H
#define GOVERNANCE_AUDIT_H

#include "datatype/timestamp.h"
#include "executor/execdesc.h"
#include "governance/audit_record.h"
#include "governance/identity.h"
#include "nodes/pg_list.h"
#include "nodes/plannodes.h"
#include "storage/latch.h"
#include "tcop/cmdtag.h"
#include "utils/elog.h"
#include "utils/jsonb.h"

/* governance.audit_level */
typedef enum GovAuditLevel
{
	GOV_AUDIT_NONE,
	GOV_AUDIT_DDL,
	GOV_AUDIT_WRITE,
	GOV_AUDIT_ALL
} GovAuditLevel;

/* governance.audit_statement */
typedef enum GovAuditStatement
{
	GOV_AUDIT_STMT_FULL,
	GOV_AUDIT_STMT_NORMALIZED,
	GOV_AUDIT_STMT_NONE
} GovAuditStatement;

/* governance.audit_on_full */
typedef enum GovAuditOnFull
{
	GOV_AUDIT_FULL_BLOCK,
	GOV_AUDIT_FULL_DROP
} GovAuditOnFull;

/* Ring (src/audit/ring.c). */
extern Size governance_ring_shmem_size(void);
extern void governance_ring_shmem_init(void);

/*
 * Append a finished record.  Returns its sequence number, or 0 if it was
 * dropped (governance.audit_on_full = drop).  With block, waits for room
 * up to governance.audit_full_timeout and then, if elevel is ERROR,
 * raises "audit trail is full"; with WARNING returns 0 after reporting at
 * that level (for callers that must not throw); with LOG it does not wait
 * at all (callers inside error reporting) and counts the event dropped.
 */
extern uint64 governance_ring_append(const char *rec, size_t len, int elevel,
									 uint32 actor);

/*
 * Append a record if there is room now, without waiting: its sequence
 * number, or 0 (for the worker, which cannot wait for itself).
 */
extern uint64 governance_ring_try_append(const char *rec, size_t len);

/* Wait until every event up to seq is durable in the sinks. */
extern void governance_ring_wait_durable(uint64 seq);

/* For the worker. */
/* Returns false to stop before this record (it is left for later). */
typedef bool (*GovRingVisitor) (uint64 seq, bool lost, const char *rec,
								size_t len, void *arg);

extern void governance_ring_worker_attach(Latch *latch);
extern int	governance_ring_read(GovRingVisitor visit, void *arg, int max,
								 uint64 *end_pos);
extern void governance_ring_consumed(uint64 end_pos, uint64 last_seq);
extern uint64 governance_ring_written_seq(void);
extern void governance_ring_set_written_seq(uint64 seq);

/* Counters for governance.audit_stats. */
typedef struct GovAuditStats
{
	uint64		enqueued;
	uint64		written;
	uint64		dropped;
	uint64		lost;
	uint64		ring_bytes;
	uint64		ring_used;
	uint64		high_water;
	uint64		worker_starts;
	uint64		sink_errors;
	uint64		throttled;		/* waits of sessions over their fair share */
	int64		last_flush;		/* TimestampTz, 0 if never */
	uint64		next_seq;
	uint64		written_seq;
	int			worker_pid;		/* last worker to start */
} GovAuditStats;

extern void governance_ring_stats(GovAuditStats *stats);
extern void governance_ring_note_flush(uint64 nrecords, int64 when);
extern void governance_ring_note_sink_error(void);

/* Events (src/audit/events.c). */
/* The fields every event carries; id is the identity to record (or NULL). */
extern void governance_audit_common(GovAuditRecord *r, const char *type,
									const char *action, const GovIdentity *id);
/* The same, with the event's time given. */
extern void governance_audit_common_at(GovAuditRecord *r, const char *type,
									   const char *action,
									   const GovIdentity *id,
									   TimestampTz now);

/* Finish and append; returns the sequence number, 0 if dropped. */
extern uint64 governance_audit_emit(GovAuditRecord *r, int elevel);

/* Append when the current transaction commits; dropped if it aborts. */
extern void governance_audit_at_commit(GovAuditRecord *r);

/* Wait until every event this backend appended is durable. */
extern void governance_audit_wait_own_events(void);

extern void governance_audit_connection(const char *action, const char *detail);

/* The event with this sequence number from the trail, or NULL. */
extern Jsonb *governance_audit_event(uint64 seq);
extern char *governance_jsonb_string(Jsonb *j, const char *key);

/*
 * Statements (src/audit/statement.c), driven by the hook layer.
 *
 * The policy's decision on a statement, as the audit records it (see
 * governance_decision_describe()); effect NULL: the statement was not
 * judged, or for a failure, nothing blocked it.
 */
typedef struct GovAuditDecision
{
	const char *effect;
	const char *rule;			/* NULL: no rule matched */
	const char *action;			/* what the rule decided, when it has one */
	int64		max_rows;		/* -1: no row budget */
	int64		request_id;		/* the approval used, 0 if none */
} GovAuditDecision;

/*
 * What the output scan saw a statement deliver (the hook layer hands it
 * over; detectors are named by static strings).  scanned: a receiver of
 * the scan was in place, so rows and bytes were counted.
 */
#define GOV_AUDIT_MAX_REDACTORS 16

typedef struct GovAuditOutput
{
	bool		scanned;
	uint64		rows;
	uint64		bytes;
	uint64		redacted;
	int			nredacted_by;
	const char *redacted_by[GOV_AUDIT_MAX_REDACTORS];
} GovAuditOutput;

/* Add what out says to into (rows, bytes and redactions summed). */
extern void governance_audit_output_add(GovAuditOutput *into,
										const GovAuditOutput *out);

/* A plannable statement being recorded (opaque). */
typedef struct GovAuditQuery GovAuditQuery;

/*
 * A statement starts.  True when it is a top-level one: the decisions
 * noted for the last one are to be forgotten.
 */
extern bool governance_audit_statement_start(void);

/* ExecutorStart has run: the query, if the audit level records it. */
extern GovAuditQuery *governance_audit_query_started(QueryDesc *queryDesc,
													 int eflags);

/*
 * The labelled columns the query hands its client, as
 * "schema.table.column:label" (in the query's memory).
 */
extern void governance_audit_query_delivered(GovAuditQuery *q,
											 const char **masked, int nmasked,
											 const char **clear, int nclear);

/* What the output scan saw the query deliver, added to its event. */
extern void governance_audit_query_output(QueryDesc *queryDesc,
										  const GovAuditOutput *out);

/* A nested statement failed in ExecutorStart. */
extern void governance_audit_start_failed(QueryDesc *queryDesc, int eflags,
										  const GovAuditDecision *blocking);

/*
 * ExecutorRun or ExecutorFinish: the nesting level of what it runs.  -1
 * when the audit is off and keeps no level.
 */
extern int	governance_audit_nest(void);
extern void governance_audit_unnest(int level);

/*
 * The query failed in ExecutorRun (finishing false) or ExecutorFinish.
 * blocking: the decision that stopped it, if one did.  True when a
 * top-level failure was recorded.
 */
extern bool governance_audit_query_failed(QueryDesc *queryDesc, int level,
										  bool finishing,
										  const GovAuditDecision *blocking);

/*
 * ExecutorEnd: the query to record now, or NULL (not recorded, or past
 * the nested cap, where it is only counted).
 */
extern GovAuditQuery *governance_audit_query_ending(QueryDesc *queryDesc);
/* Record it; true when it was a top-level statement. */
extern bool governance_audit_query_end(GovAuditQuery *q, QueryDesc *queryDesc,
									   const GovAuditDecision *decision);

/* A utility statement under way: kept by the caller, on its stack. */
typedef struct GovAuditUtility
{
	int			level;
	bool		audited;
	bool		top_level;		/* a top-level statement began */
	TimestampTz start;
	CommandTag	tag;
	const char *source;			/* its own text, copied, or NULL */
	int			location;
	int			len;
	GovAuditOutput output;		/* what the output scan saw it deliver */
} GovAuditUtility;

/* Copy what is needed before it runs, and nest. */
extern void governance_audit_utility_begin(GovAuditUtility *u,
										   PlannedStmt *pstmt,
										   const char *queryString);
/* It failed; true when a top-level failure was recorded. */
extern bool governance_audit_utility_failed(GovAuditUtility *u,
											PlannedStmt *pstmt,
											const char *queryString,
											const GovAuditDecision *blocking);
/* It completed; true when it was a top-level statement. */
extern bool governance_audit_utility_done(GovAuditUtility *u, Node *stmt,
										  QueryCompletion *qc,
										  const GovAuditDecision *decision);

/* A fastpath function call, recorded before it runs. */
extern void governance_audit_fastpath(const char *text,
									  const GovAuditDecision *decision);

/* A statement run by another was refused by the policy. */
extern void governance_audit_refusal(const char *source, int location, int len,
									 const char *sqlstate, const char *message,
									 const GovAuditDecision *blocking);

/*
 * An error or FATAL is being reported; true when a top-level statement's
 * failure ended here (the decisions are to be forgotten).
 */
extern bool governance_audit_error_reported(ErrorData *edata,
											const GovAuditDecision *blocking);
/* Does this error need the blocking decision described? */
extern bool governance_audit_wants_error(ErrorData *edata);

/* Transaction ends and subtransaction ends. */
extern void governance_audit_xact_end(XactEvent event);
extern void governance_audit_subxact_end(SubXactEvent event,
										 SubTransactionId mySubid,
										 SubTransactionId parentSubid);
extern void governance_audit_commit_events(XactEvent event);
extern void governance_audit_commit_events_subxact(SubXactEvent event,
												   SubTransactionId mySubid,
												   SubTransactionId parentSubid);

/* The identity listener (see governance_identity_listen()). */
extern bool governance_audit_identity_event(GovIdentityEvent event,
											const GovIdentity *id,
											const char *refused_fingerprint,
											const char *reason);

extern void governance_audit_statement_init(void);

/* Statement text as the trail records it (src/audit/statement_text.c). */
/*
 * The text with every literal replaced by '?' (palloc'd), or NULL if the
 * lexer refuses it.  Must not be called while an error is being handled.
 */
extern char *governance_normalize_statement(const char *text, int len);
extern char *governance_abridge_statement(const char *text, int len);

/* The JSON-lines file sink (src/audit/sink.c). */
/* Files are audit-<first seq, 20 digits>.jsonl in governance.audit_directory. */
#define GOV_SINK_PREFIX GOV_AUDIT_FILE_PREFIX
#define GOV_SINK_SUFFIX GOV_AUDIT_FILE_SUFFIX

typedef struct GovSink
{
	int			fd;				/* -1 when closed */
	char		path[1024];
	off_t		size;			/* bytes known complete */
	uint64		last_seq;		/* last sequence number in the trail */
	GovAuditHeads heads;		/* the last hash of each strand */
	int			end_key;		/* the key the trail ends under, in the keyring
								 * it was opened with; -1: none of it */
} GovSink;

/* The last sequence number already in the trail (0 if none). */
extern void governance_sink_last_seq(uint64 *seq);

/*
 * Open the newest file for appending, cutting off a torn last line, and
 * learn where the chain stands: its strands' heads, and which key of the
 * ring its last line is under.  False with a reason on failure.
 */
extern bool governance_sink_open(GovSink *sink, const GovAuditKeyring *ring,
								 char *err, size_t errlen);

/*
 * Append a batch of complete lines whose first sequence number is
 * first_seq, starting a new file first if the current one is full, and
 * make it durable.  On failure the file is cut back to where it was, so a
 * retry writes the batch again whole.
 */
extern bool governance_sink_append(GovSink *sink, const char *buf, size_t len,
								   uint64 first_seq, char *err, size_t errlen);

extern void governance_sink_close(GovSink *sink);

/* governance.audit_file_mode */
typedef enum GovAuditFileMode
{
	GOV_AUDIT_FILE_MODE_0600,
	GOV_AUDIT_FILE_MODE_0640
} GovAuditFileMode;

/* Give the directory and the files the configured mode. */
extern void governance_sink_apply_mode(void);

/*
 * The hash chain's key (governance.audit_hmac_key_file), malloc'd; NULL
 * with *len 0 and an empty err if none is configured, NULL with a reason
 * in err if it cannot be read.  Release with governance_sink_free_key.
 */
#define GOV_SINK_MAX_KEY 1024
extern unsigned char *governance_sink_read_key(size_t *len, char *err, size_t errlen);
extern void governance_sink_free_key(unsigned char *key, size_t len);

/*
 * The keys the trail may be chained with: the configured key first (none,
 * plain SHA-256, if it is not set or cannot be read), then those of
 * governance.audit_hmac_old_key_files.  False if a file cannot be read,
 * with every problem in err; the keys that could be read are in the ring
 * all the same.  Release with gov_audit_keyring_free.
 */
extern bool governance_sink_read_keyring(GovAuditKeyring *ring, char *err,
										 size_t errlen);
/* Only the retired keys, added to ring; the same. */
extern bool governance_sink_add_old_keys(GovAuditKeyring *ring, char *err,
										 size_t errlen);

/* The trail's files, oldest first (palloc'd list of palloc'd paths). */
extern List *governance_sink_files(void);

/* Worker (src/audit/worker.c). */
extern void governance_audit_worker_register(void);

/* Keeping the directory in bounds (src/audit/retention.c). */
extern Size governance_retention_shmem_size(void);
extern void governance_retention_shmem_init(void);
extern void governance_retention_run(const unsigned char *key, size_t keylen);
extern void governance_anchor_reseal(const unsigned char *oldkey, size_t oldlen,
									 const unsigned char *newkey, size_t newlen);
extern void governance_retention_status(uint64 *removed, TimestampTz *last,
										char *blocked, size_t len);
/*
 * The anchor in the audit directory, as it is (to be checked with
 * gov_audit_anchor_parse): its length, or -1 if there is none.
 */
extern int	governance_anchor_read(char *buf, size_t cap);

/* The audit shipper (src/audit/ship.c) and its HTTP sink (ship_http.c). */
/* The acknowledged cursor, and whether shipping is enabled at all. */
extern uint64 governance_ship_acked_seq(bool *enabled);
extern Size governance_ship_shmem_size(void);
extern void governance_ship_shmem_init(void);
extern void governance_audit_shipper_register(void);
extern bool governance_audit_http_url_check(char **newval, void **extra, GucSource source);

/* Shipping to a syslog server (src/audit/ship_syslog.c). */
typedef enum GovSyslogProtocol
{
	GOV_SYSLOG_TCP,
	GOV_SYSLOG_TLS
} GovSyslogProtocol;
extern bool governance_audit_syslog_address_check(char **newval, void **extra, GucSource source);

#endif							/* GOVERNANCE_AUDIT_H */
