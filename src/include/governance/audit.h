/*-------------------------------------------------------------------------
 *
 * audit.h
 *	  The audit pipeline: backends append events to a shared ring, one
 *	  background worker ships them to the sinks.
 *
 * src/include/governance/audit.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef GOVERNANCE_AUDIT_H
#define GOVERNANCE_AUDIT_H

#include "governance/audit_record.h"
#include "storage/latch.h"

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

/* Worker (src/audit/worker.c). */
extern void governance_audit_worker_register(void);

#endif							/* GOVERNANCE_AUDIT_H */
