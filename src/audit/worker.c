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
 * Rolling the key: when the configured chain key is not the one the trail
 * ends under (changed at a reload, or while the server was down), the
 * worker puts a key_rolled record in the ring, which it renders with both
 * keys' ids and a proof made with the new key, chains with the old key,
 * and chains every later line with the new one.  The key the trail ends
 * under is learned at start from its last line, so a crash anywhere in
 * between leaves nothing to remember.
 *
 * On SIGTERM the worker drains what the ring holds and exits; what a
 * backend adds later stays in the ring file for the next start.
 *
 * src/audit/worker.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xlog.h"
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
	int			roll;			/* the key_rolled line in lines, -1 if none */
	bool		full;
	/* The lines in buf, chained once the batch is complete. */
	int			nlines;
	char	  **lines;
	size_t	   *prefix;
} GovBatch;

/* The configured key first, then the retired ones. */
static GovAuditKeyring gov_keys;

/*
 * The key the trail ends under, which chains every line until a
 * key_rolled event moves it to the configured key: a copy (one key, or
 * none at all when the trail ends under no key the worker holds), since a
 * reload replaces gov_keys.
 */
static GovAuditKeyring gov_trail_key;

/* A key_rolled record waits in the ring. */
static bool gov_roll_requested = false;

/*
 * Take the chain's settings: its keys (the configured one is none, plain
 * SHA-256, if the setting is empty) and the widest SIMD to hash with,
 * logged when it changes.
 */
static bool
gov_load_chain_settings(void)
{
	static int	last_simd = -1;
	int			simd = gov_audit_chain_simd(governance_audit_chain_simd);
	char		err[1024];
	GovAuditKeyring keys;

	if (simd != last_simd)
		ereport(LOG,
				(errmsg("governance audit worker hashes %s",
						simd == GOV_CHAIN_SIMD_AVX512 ? "16 lines at a time with AVX-512" :
						simd == GOV_CHAIN_SIMD_AVX2 ? "8 lines at a time with AVX2" :
						"one line at a time, without SIMD instructions")));
	last_simd = simd;
	if (!governance_sink_read_keyring(&keys, err, sizeof(err)))
	{
		/*
		 * A configured key that cannot be read is never taken for "no key":
		 * that would roll the chain to plain SHA-256, which anyone can
		 * forge.  The key in force stays; at start, the worker waits.
		 */
		if (keys.keys[0].key == NULL && governance_audit_hmac_key_file[0] != '\0')
		{
			ereport(WARNING,
					(errmsg("%s", err),
					 errdetail(gov_keys.nkeys > 0 ?
							   "The audit trail goes on with the chain key in force until the configured one can be read." :
							   "Events wait in the ring until the chain key can be read.")));
			gov_audit_keyring_free(&keys);
			return gov_keys.nkeys > 0;
		}
		/* A retired key that cannot be read matters only to verifiers. */
		ereport(WARNING, (errmsg("%s", err)));
	}
	gov_audit_keyring_free(&gov_keys);
	gov_keys = keys;
	return true;
}

/* The key the trail ends under: key of gov_keys, or -1 for none it holds. */
static void
gov_set_trail_key(int key)
{
	gov_audit_keyring_free(&gov_trail_key);
	if (key >= 0)
		gov_audit_keyring_add(&gov_trail_key, gov_keys.keys[key].key,
							  gov_keys.keys[key].keylen);
}

static const char *
gov_trail_key_id(void)
{
	return gov_trail_key.nkeys > 0 ? gov_trail_key.keys[0].id : GOV_AUDIT_KEY_UNKNOWN;
}

/*
 * When the configured key is not the one the trail ends under, put a
 * key_rolled record in the ring: it takes the next sequence number like
 * any event, and is written at once, whatever else is going on.  Which
 * keys it names is decided when it is rendered (gov_batch_visit), from
 * the trail as it then ends: a record reserved before a crash is still
 * right after it.
 */
static void
gov_request_roll(void)
{
	char		buf[256];
	char		server[32];
	GovAuditRecord r;

	if (gov_roll_requested ||
		strcmp(gov_trail_key_id(), gov_keys.keys[0].id) == 0)
		return;
	gov_audit_record_init(&r, buf, sizeof(buf));
	gov_audit_put_int(&r, GOV_AF_TIME, (int64) GetCurrentTimestamp() +
					  (int64) (POSTGRES_EPOCH_JDATE - UNIX_EPOCH_JDATE) * USECS_PER_DAY);
	gov_audit_put_str(&r, GOV_AF_TYPE, GOV_AUDIT_KEY_ROLLED);
	snprintf(server, sizeof(server), UINT64_FORMAT, GetSystemIdentifier());
	gov_audit_put_str(&r, GOV_AF_SERVER, server);
	if (cluster_name != NULL && cluster_name[0] != '\0')
		gov_audit_put_str(&r, GOV_AF_CLUSTER, cluster_name);
	/* A full ring: asked again at the next round. */
	gov_roll_requested = governance_ring_try_append(buf, gov_audit_record_finish(&r)) != 0;
}

/*
 * The key_rolled record at seq as written: the ids of the key the trail
 * ends under and of the configured key, and the proof, made with the
 * configured key, that binds them to this line.
 */
static size_t
gov_render_roll(uint64 seq, const char *rec, size_t len, char *out, size_t cap)
{
	GovAuditRecord r;
	const GovAuditKey *new_key = &gov_keys.keys[0];
	char		proof[GOV_AUDIT_HASH_HEX];

	gov_audit_roll_proof(new_key->key, new_key->keylen, seq, gov_trail_key_id(),
						 new_key->id, proof);
	gov_audit_record_init(&r, out, cap);
	gov_audit_put_fields(&r, rec, len);
	gov_audit_put_str(&r, GOV_AF_OLD_KEY, gov_trail_key_id());
	gov_audit_put_str(&r, GOV_AF_NEW_KEY, new_key->id);
	gov_audit_put_str(&r, GOV_AF_NEW_KEY_PROOF, proof);
	return gov_audit_record_finish(&r);
}

/* Render one ring record into the batch; false when the batch is full. */
static bool
gov_batch_visit(uint64 seq, bool lost, const char *rec, size_t len, void *arg)
{
	GovBatch   *b = (GovBatch *) arg;
	char		lostrec[256];
	char		rollrec[512];
	size_t		n;

	if (b->len + GOV_LINE_MAX(len) > GOV_BATCH_BYTES)
	{
		b->full = true;
		return false;
	}
	/* One roll a batch, chained in two parts: a second one starts the next. */
	if (b->roll >= 0 && !lost &&
		gov_audit_record_has(rec, len, GOV_AF_TYPE, GOV_AUDIT_KEY_ROLLED))
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
	else if (gov_audit_record_has(rec, len, GOV_AF_TYPE, GOV_AUDIT_KEY_ROLLED))
	{
		b->roll = b->nlines;
		len = gov_render_roll(seq, rec, len, rollrec, sizeof(rollrec));
		rec = rollrec;
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

/*
 * Hash the whole batch at once, many lines in parallel: up to and with
 * its key_rolled line under the key the trail ends under, the rest under
 * the configured key.  (A trail that ends under no key the worker holds
 * has all of it chained under the configured key.)
 */
static void
gov_chain_batch(GovBatch *b)
{
	const GovAuditKey *before = gov_trail_key.nkeys > 0 ? &gov_trail_key.keys[0] : &gov_keys.keys[0];
	const GovAuditKey *after = &gov_keys.keys[0];
	int			split = b->roll >= 0 ? b->roll + 1 : b->nlines;

	gov_audit_chain(b->lines, b->prefix, b->first_seq, split, &b->heads,
					before->key, before->keylen);
	gov_audit_chain(b->lines + split, b->prefix + split, b->first_seq + split,
					b->nlines - split, &b->heads, after->key, after->keylen);
}

/* The key_rolled line at seq is durable: the trail is under the new key. */
static void
gov_rolled(uint64 seq)
{
	if (gov_trail_key.nkeys == 0)
		ereport(WARNING,
				(errmsg("governance audit chain key rolled to key %s at sequence number %llu from a key the audit worker does not hold",
						gov_keys.keys[0].id, (unsigned long long) seq),
				 errdetail("The lines before it were chained with a key that is in neither governance.audit_hmac_key_file nor governance.audit_hmac_old_key_files."),
				 errhint("Verification will break at sequence number %llu unless that key is added to governance.audit_hmac_old_key_files.",
						 (unsigned long long) seq)));
	else
		ereport(LOG,
				(errmsg("governance audit chain key rolled from key %s to key %s at sequence number %llu",
						gov_trail_key.keys[0].id, gov_keys.keys[0].id, (unsigned long long) seq)));
	gov_set_trail_key(0);
	gov_roll_requested = false;
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
	while (!gov_load_chain_settings())
	{
		(void) WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH,
						 5000, PG_WAIT_EXTENSION);
		ResetLatch(MyLatch);
		CHECK_FOR_INTERRUPTS();
		if (ConfigReloadPending)
		{
			ConfigReloadPending = false;
			ProcessConfigFile(PGC_SIGHUP);
		}
		if (ShutdownRequestPending)
			proc_exit(1);
	}

	memset(&b, 0, sizeof(b));
	b.buf = MemoryContextAlloc(TopMemoryContext, GOV_BATCH_BYTES);
	b.lines = MemoryContextAlloc(TopMemoryContext, GOV_BATCH_RECORDS * sizeof(char *));
	b.prefix = MemoryContextAlloc(TopMemoryContext, GOV_BATCH_RECORDS * sizeof(size_t));
	b.sink = &sink;

	while (!governance_sink_open(&sink, &gov_keys, err, sizeof(err)))
	{
		static TimestampTz last_warning = 0;

		/* Backends waiting for room set the latch: say it once a minute. */
		if (TimestampDifferenceExceeds(last_warning, GetCurrentTimestamp(), 60000))
		{
			ereport(WARNING, (errmsg("governance audit sink unavailable: %s", err)));
			last_warning = GetCurrentTimestamp();
		}
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

	/*
	 * The trail goes on under the configured key.  If its last line is not
	 * chained with it, the key changed while the server was not running,
	 * or lines were cut and forged: the files cannot tell which, and
	 * whoever holds a retired key can make the end of the trail verify
	 * under it.  So a roll is bound to both keys only when the worker
	 * makes it at a reload, holding the key it was chaining with; here it
	 * rolls from an unknown key, which verifiers report.
	 */
	gov_set_trail_key(sink.end_key == 0 ? 0 : -1);
	if (sink.end_key != 0)
		ereport(WARNING,
				(errmsg("the last line of the audit trail (sequence number %llu) is not chained with the configured audit chain key",
						(unsigned long long) sink.last_seq),
				 errdetail("The key was changed while the server was not running, or the end of the trail was altered.  A key_rolled event from an unknown key follows; verifiers report the chain broken there."),
				 errhint("Rotate the chain key with a reload while the server runs: the roll is then bound to both keys.")));
	gov_request_roll();

	for (;;)
	{
		uint64		end_pos;
		int			n;

		CHECK_FOR_INTERRUPTS();
		if (ConfigReloadPending)
		{
			ConfigReloadPending = false;
			ProcessConfigFile(PGC_SIGHUP);
			(void) gov_load_chain_settings();
			governance_sink_apply_mode();
		}
		/* After a reload that changed the key, or a ring that was full. */
		gov_request_roll();

		b.len = 0;
		b.nlines = 0;
		b.full = false;
		b.first_seq = 0;
		b.last_seq = 0;
		b.roll = -1;
		b.heads = sink.heads;
		n = governance_ring_read(gov_batch_visit, &b, GOV_BATCH_RECORDS, &end_pos);
		gov_chain_batch(&b);

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
				if (b.roll >= 0)
					gov_rolled(b.first_seq + b.roll);
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
