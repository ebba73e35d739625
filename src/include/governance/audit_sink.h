/*-------------------------------------------------------------------------
 *
 * audit_sink.h
 *	  The JSON-lines file sink of the audit trail.
 *
 * src/include/governance/audit_sink.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef GOVERNANCE_AUDIT_SINK_H
#define GOVERNANCE_AUDIT_SINK_H

#include "governance/audit_record.h"
#include "nodes/pg_list.h"

/* Files are audit-<first seq, 20 digits>.jsonl in governance.audit_directory. */
#define GOV_SINK_PREFIX "audit-"
#define GOV_SINK_SUFFIX ".jsonl"

typedef struct GovSink
{
	int			fd;				/* -1 when closed */
	char		path[1024];
	off_t		size;			/* bytes known complete */
	uint64		last_seq;		/* last sequence number in the trail */
	GovAuditHeads heads;		/* the last hash of each strand */
} GovSink;

/* The last sequence number already in the trail (0 if none). */
extern void governance_sink_last_seq(uint64 *seq);

/*
 * Open the newest file for appending, cutting off a torn last line, and
 * learn where the chain stands.  False with a reason on failure.
 */
extern bool governance_sink_open(GovSink *sink, char *err, size_t errlen);

/*
 * Append a batch of complete lines whose first sequence number is
 * first_seq, starting a new file first if the current one is full, and
 * make it durable.  On failure the file is cut back to where it was, so a
 * retry writes the batch again whole.
 */
extern bool governance_sink_append(GovSink *sink, const char *buf, size_t len,
								   uint64 first_seq, char *err, size_t errlen);

extern void governance_sink_close(GovSink *sink);

/*
 * The hash chain's key (governance.audit_hmac_key_file), malloc'd; NULL
 * with *len 0 and an empty err if none is configured, NULL with a reason
 * in err if it cannot be read.  Release with governance_sink_free_key.
 */
#define GOV_SINK_MAX_KEY 1024
extern unsigned char *governance_sink_read_key(size_t *len, char *err, size_t errlen);
extern void governance_sink_free_key(unsigned char *key, size_t len);

/* The trail's files, oldest first (palloc'd list of palloc'd paths). */
extern List *governance_sink_files(void);

#endif							/* GOVERNANCE_AUDIT_SINK_H */
