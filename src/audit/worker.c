/*-------------------------------------------------------------------------
 *
 * worker.c
 *	  The audit worker: drains the ring to the sink in batches.
 *
 * One background worker, registered at preload and started with the
 * postmaster (so it runs on a hot standby too), restarted a second after
 * it dies.  Each round it renders the finished records at the ring's tail
 * as JSON lines, then chains them (prev_hash, hash) in one pass over the
 * batch, which hashes many lines at a time (src/audit/chain.c), appends
 * the batch to the sink with
 * one write and one fdatasync, and
 * only then frees the ring space and wakes backends waiting for room or
 * for durability.  If the sink fails, nothing is freed: the events wait
 * in the ring, the failure is logged (at most once a minute), and the
 * batch is retried with back-off.
 *
 * Exactly once: sequence numbers are assigned when a record is reserved
 * and the sink knows the last one it holds, so records already written
 * before a crash (written, but not yet freed) are skipped on restart.
 *
 * On SIGTERM the worker drains what the ring holds and exits; what a
 * backend adds later stays in the ring file for the next start.
 *
 * src/audit/worker.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "governance/audit.h"
#include "governance/common.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "postmaster/bgworker.h"
#include "postmaster/interrupt.h"
#include "storage/ipc.h"
#include "storage/latch.h"
#include "utils/guc.h"
#include "utils/memutils.h"
#include "utils/timestamp.h"

PGDLLEXPORT void governance_audit_worker_main(Datum arg);

#define GOV_BATCH_RECORDS	16384
/*
 * How long the worker gathers events between batches.  Each batch costs
 * one fdatasync, which on virtual disks costs more CPU than rendering a
 * thousand events; gathering for this long makes one sync serve all of
 * them.  Backends that wait (audit_sync, a ring a quarter full) wake the
 * worker at once.
 */
#define GOV_GATHER_MS		100
#define GOV_BATCH_BYTES		(8 * 1024 * 1024)
/* Longest line a record of len bytes renders to: every byte escaped. */
#define GOV_LINE_MAX(len)	(6 * (len) + 1024)

typedef struct GovBatch
{
	GovSink    *sink;
	char	   *buf;
	size_t		len;
	uint64		first_seq;		/* first line in buf, 0 if none */
	uint64		last_seq;		/* last record visited (written or skipped) */
	GovAuditHeads heads;		/* chain position after buf */
	unsigned char *key;
	size_t		keylen;
	bool		full;
	/* The lines in buf, chained once the batch is complete. */
	int			nlines;
	char	  **lines;
	size_t	   *prefix;
} GovBatch;

static unsigned char *gov_hmac_key = NULL;
static size_t gov_hmac_keylen = 0;

/*
 * Take the chain's settings: its key (none, plain SHA-256, if the setting
 * is empty) and the widest SIMD to hash with, logged when it changes.
 */
static void
gov_load_chain_settings(void)
{
	static int	last_simd = -1;
	int			simd = gov_audit_chain_simd(governance_audit_chain_simd);
	char		err[512];

	if (simd != last_simd)
		ereport(LOG,
				(errmsg("governance audit worker hashes %s",
						simd == GOV_CHAIN_SIMD_AVX512 ? "16 lines at a time with AVX-512" :
						simd == GOV_CHAIN_SIMD_AVX2 ? "8 lines at a time with AVX2" :
						"one line at a time, without SIMD instructions")));
	last_simd = simd;
	governance_sink_free_key(gov_hmac_key, gov_hmac_keylen);
	gov_hmac_key = governance_sink_read_key(&gov_hmac_keylen, err, sizeof(err));
	if (gov_hmac_key == NULL && err[0] != '\0')
		ereport(WARNING,
				(errmsg("%s; chaining with plain SHA-256", err)));
}

/* Render one ring record into the batch; false when the batch is full. */
static bool
gov_batch_visit(uint64 seq, bool lost, const char *rec, size_t len, void *arg)
{
	GovBatch   *b = (GovBatch *) arg;
	char		lostrec[256];
	size_t		n;

	if (b->len + GOV_LINE_MAX(len) > GOV_BATCH_BYTES)
	{
		b->full = true;
		return false;
	}
	b->last_seq = seq;
	if (seq <= b->sink->last_seq)
		return true;			/* written before a crash: not again */
	if (lost)
	{
		GovAuditRecord r;

		gov_audit_record_init(&r, lostrec, sizeof(lostrec));
		gov_audit_put_int(&r, GOV_AF_TIME, (int64) GetCurrentTimestamp() +
						  (int64) (POSTGRES_EPOCH_JDATE - UNIX_EPOCH_JDATE) * USECS_PER_DAY);
		gov_audit_put_str(&r, GOV_AF_TYPE, "lost");
		gov_audit_put_str(&r, GOV_AF_DETAIL,
						  "A process ended before its event was complete.");
		rec = lostrec;
		len = gov_audit_record_finish(&r);
	}
	n = gov_audit_render_line(rec, len, seq, b->buf + b->len,
							  GOV_BATCH_BYTES - b->len, &b->prefix[b->nlines]);
	if (n == 0)
	{
		/* Cannot render (no room is excluded by the caller): say so. */
		GovAuditRecord r;

		gov_audit_record_init(&r, lostrec, sizeof(lostrec));
		gov_audit_put_str(&r, GOV_AF_TYPE, "lost");
		gov_audit_put_str(&r, GOV_AF_DETAIL, "The event could not be rendered.");
		len = gov_audit_record_finish(&r);
		n = gov_audit_render_line(lostrec, len, seq, b->buf + b->len,
								  GOV_BATCH_BYTES - b->len, &b->prefix[b->nlines]);
	}
	if (b->first_seq == 0)
		b->first_seq = seq;
	/* The sequence is gapless: line i carries first_seq + i. */
	Assert(seq == b->first_seq + b->nlines);
	b->lines[b->nlines++] = b->buf + b->len;
	b->len += n;
	return true;
}

void
governance_audit_worker_main(Datum arg)
{
	GovSink		sink;
	GovBatch	b;
	char		err[1024];
	long		backoff_ms = 0;
	TimestampTz last_complaint = 0;

	pqsignal(SIGHUP, SignalHandlerForConfigReload);
	pqsignal(SIGTERM, SignalHandlerForShutdownRequest);
	BackgroundWorkerUnblockSignals();

	governance_ring_worker_attach(MyLatch);
	gov_load_chain_settings();

	memset(&b, 0, sizeof(b));
	b.buf = MemoryContextAlloc(TopMemoryContext, GOV_BATCH_BYTES);
	b.lines = MemoryContextAlloc(TopMemoryContext, GOV_BATCH_RECORDS * sizeof(char *));
	b.prefix = MemoryContextAlloc(TopMemoryContext, GOV_BATCH_RECORDS * sizeof(size_t));
	b.sink = &sink;

	while (!governance_sink_open(&sink, err, sizeof(err)))
	{
		ereport(WARNING, (errmsg("governance audit sink unavailable: %s", err)));
		governance_ring_note_sink_error();
		(void) WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH,
						 5000, PG_WAIT_EXTENSION);
		ResetLatch(MyLatch);
		CHECK_FOR_INTERRUPTS();
		if (ShutdownRequestPending)
			proc_exit(1);
	}
	if (sink.last_seq > governance_ring_written_seq())
		governance_ring_set_written_seq(sink.last_seq);
	ereport(LOG,
			(errmsg("governance audit worker started; the trail ends at sequence number %llu",
					(unsigned long long) sink.last_seq)));

	for (;;)
	{
		uint64		end_pos;
		int			n;

		CHECK_FOR_INTERRUPTS();
		if (ConfigReloadPending)
		{
			ConfigReloadPending = false;
			ProcessConfigFile(PGC_SIGHUP);
			gov_load_chain_settings();
			governance_sink_apply_mode();
		}

		b.len = 0;
		b.nlines = 0;
		b.full = false;
		b.first_seq = 0;
		b.last_seq = 0;
		b.key = gov_hmac_key;
		b.keylen = gov_hmac_keylen;
		b.heads = sink.heads;
		n = governance_ring_read(gov_batch_visit, &b, GOV_BATCH_RECORDS, &end_pos);
		/* Hash the whole batch at once, many lines in parallel. */
		gov_audit_chain(b.lines, b.prefix, b.first_seq, b.nlines, &b.heads, b.key,
						b.keylen);

		if (n > 0)
		{
			if (b.len == 0 ||
				governance_sink_append(&sink, b.buf, b.len, b.first_seq, err, sizeof(err)))
			{
				if (b.len > 0)
				{
					sink.last_seq = b.last_seq;
					sink.heads = b.heads;
				}
				governance_ring_consumed(end_pos, b.last_seq);
				governance_ring_note_flush(n, GetCurrentTimestamp());
				backoff_ms = 0;
				/* A full batch, or draining at shutdown: go on at once. */
				if (n == GOV_BATCH_RECORDS || b.full || ShutdownRequestPending)
					continue;
			}
			else
			{
				governance_ring_note_sink_error();
				if (last_complaint == 0 ||
					TimestampDifferenceExceeds(last_complaint, GetCurrentTimestamp(), 60000))
				{
					ereport(WARNING,
							(errmsg("governance audit sink failed; events wait in the ring and will be retried"),
							 errdetail("%s", err)));
					last_complaint = GetCurrentTimestamp();
				}
				backoff_ms = Min(Max(backoff_ms * 2, 100), 5000);
			}
		}
		else if (ShutdownRequestPending)
			break;

		/*
		 * Backends do not wake the worker for each event (that would cost
		 * them a system call); those that wait for it set its latch.
		 */
		(void) WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH,
						 backoff_ms > 0 ? backoff_ms : GOV_GATHER_MS, PG_WAIT_EXTENSION);
		ResetLatch(MyLatch);
	}

	governance_sink_close(&sink);
	ereport(LOG,
			(errmsg("governance audit worker stopping; the trail ends at sequence number %llu",
					(unsigned long long) sink.last_seq)));
	proc_exit(1);
}

void
governance_audit_worker_register(void)
{
	governance_worker_register("governance_audit_worker_main",
							   "governance audit worker", 1);
}
