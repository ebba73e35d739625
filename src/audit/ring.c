/*-------------------------------------------------------------------------
 *
 * ring.c
 *	  The audit ring: a multi-producer, single-consumer queue of audit
 *	  records shared by every backend and the audit worker.
 *
 * The ring lives in a file, pg_dynshmem/governance.ring, mapped shared
 * into the postmaster before it forks, so every process sees the same
 * memory.  Being a file mapping rather than System V or anonymous shared
 * memory, its contents outlive a crash of any process, including the
 * postmaster's reinitialisation of shared memory after one (which is what
 * a SIGKILLed audit worker triggers): events already in the ring are
 * drained by the next worker, never lost.  pg_dynshmem is where
 * PostgreSQL keeps file-backed shared memory; base backups copy none of
 * it, so a standby starts with a ring of its own.
 *
 * Protocol.  Positions are 64-bit byte offsets that only grow; the byte
 * at position p lives at data[p % size].  A producer takes the spinlock,
 * checks there is room (head - tail + need <= size), writes the record's
 * header in state RESERVED with the next sequence number, advances head
 * and releases the lock: a few dozen instructions.  It then copies the
 * record in without the lock and, after a write barrier, marks it READY.
 * A record never wraps: if it does not fit before the end, a PADDING
 * record fills the end.  The single consumer reads from tail, in order,
 * until it meets a record that is not READY; after the sink has made the
 * batch durable it advances tail, which frees the space, and wakes
 * producers waiting for room or for durability.
 *
 * After a crash, records still RESERVED belonged to a process that died
 * while copying; they become LOST, and the worker writes a "lost" event
 * in their place so the sequence stays gapless and the loss is visible.
 *
 * Volatile coordination (condition variables, the worker's latch) is in
 * ordinary shared memory, re-created on every restart.
 *
 * src/audit/ring.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "governance/audit.h"
#include "governance/common.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "port/atomics.h"
#include "storage/condition_variable.h"
#include "storage/ipc.h"
#include "storage/latch.h"
#include "storage/shmem.h"
#include "storage/spin.h"
#include "utils/timestamp.h"
#include "utils/wait_event.h"

#define GOV_RING_FILE		"pg_dynshmem/governance.ring"
#define GOV_RING_MAGIC		0x474f5652	/* "GOVR" */
#define GOV_RING_VERSION	3
#define GOV_RING_HEADER		4096

#define GOV_REC_RESERVED	1
#define GOV_REC_READY		2
#define GOV_REC_PADDING		3
#define GOV_REC_LOST		4

typedef struct GovRingControl
{
	uint32		magic;
	uint32		version;
	uint64		size;			/* bytes of data after the header */
	slock_t		lock;			/* protects head, tail, next_seq */
	uint64		head;
	uint64		tail;
	uint64		next_seq;
	pg_atomic_uint64 written_seq;	/* durable in the sinks up to here */
	/* counters */
	pg_atomic_uint64 enqueued;
	pg_atomic_uint64 written;
	pg_atomic_uint64 dropped;
	pg_atomic_uint64 lost;
	pg_atomic_uint64 worker_starts;
	pg_atomic_uint64 sink_errors;
	pg_atomic_uint64 throttled; /* waits of sessions over their fair share */
	uint64		high_water;		/* under lock */
	pg_atomic_uint64 last_flush;
} GovRingControl;

typedef struct GovRecordHeader
{
	uint32		len;			/* whole record, MAXALIGNed */
	volatile uint32 state;
	uint64		seq;
	uint32		datalen;		/* the record's own bytes */
} GovRecordHeader;

#define GOV_REC_HEADER MAXALIGN(sizeof(GovRecordHeader))

/*
 * What each actor appended recently, for the fair share: an actor is the
 * subject a token names, or the database role when no token acts, hashed
 * into one of these buckets, so that all the sessions of one identity
 * share one budget.  (Two actors that share a bucket share a budget: a
 * stricter share for both, never a looser one.)
 */
#define GOV_ACTOR_BUCKETS 256

typedef struct GovActorBudget
{
	pg_atomic_uint64 bytes;		/* appended since start */
	pg_atomic_uint64 start;		/* TimestampTz the window began */
} GovActorBudget;

typedef struct GovRingShared
{
	ConditionVariable space_cv; /* room was freed */
	ConditionVariable durable_cv;	/* written_seq advanced */
	Latch	   *worker_latch;
	int			worker_pid;
	GovActorBudget actors[GOV_ACTOR_BUCKETS];
} GovRingShared;

static GovRingControl *gov_ring = NULL;
static char *gov_ring_data = NULL;
static GovRingShared *gov_ring_shared = NULL;

Size
governance_ring_shmem_size(void)
{
	return MAXALIGN(sizeof(GovRingShared));
}

/*
 * Map the ring file, creating it if needed.  Runs in the postmaster at
 * start and after every crash; a mapping made earlier in this postmaster
 * is reused, since it is the same file.
 */
static void
gov_ring_map(void)
{
	Size		want = (Size) governance_audit_ring_size * 1024;
	struct stat st;
	int			fd;
	void	   *p;
	Size		total;
	bool		fresh;

	fd = open(GOV_RING_FILE, O_RDWR | O_CREAT | PG_BINARY, S_IRUSR | S_IWUSR);
	if (fd < 0)
		ereport(FATAL,
				(errcode_for_file_access(),
				 errmsg("could not open audit ring file \"%s\": %m", GOV_RING_FILE)));
	if (fstat(fd, &st) != 0)
		ereport(FATAL,
				(errcode_for_file_access(),
				 errmsg("could not stat audit ring file \"%s\": %m", GOV_RING_FILE)));

	/* An existing ring keeps its size until it has been drained. */
	fresh = st.st_size < GOV_RING_HEADER;
	if (!fresh)
	{
		GovRingControl old;

		if (pread(fd, &old, sizeof(old), 0) != sizeof(old) ||
			old.magic != GOV_RING_MAGIC || old.version != GOV_RING_VERSION ||
			(off_t) (GOV_RING_HEADER + old.size) != st.st_size)
		{
			ereport(LOG,
					(errmsg("audit ring file \"%s\" is not a governance ring; starting a new one",
							GOV_RING_FILE)));
			fresh = true;
		}
		else if (old.size != want)
		{
			if (old.head != old.tail)
			{
				ereport(LOG,
						(errmsg("governance.audit_ring_size takes effect once the audit ring is drained")));
				want = old.size;
			}
			else
				fresh = true;
		}
	}
	total = GOV_RING_HEADER + want;
	if (fresh && (ftruncate(fd, 0) != 0 || ftruncate(fd, total) != 0))
		ereport(FATAL,
				(errcode_for_file_access(),
				 errmsg("could not size audit ring file \"%s\": %m", GOV_RING_FILE)));
	p = mmap(NULL, total, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	if (p == MAP_FAILED)
		ereport(FATAL,
				(errmsg("could not map audit ring file \"%s\": %m", GOV_RING_FILE)));
	gov_ring = (GovRingControl *) p;
	gov_ring_data = (char *) p + GOV_RING_HEADER;

	if (fresh)
	{
		uint64		last_seq = 0;

		memset(gov_ring, 0, sizeof(GovRingControl));
		gov_ring->magic = GOV_RING_MAGIC;
		gov_ring->version = GOV_RING_VERSION;
		gov_ring->size = want;
		/* Continue the sequence of the trail already written. */
		governance_sink_last_seq(&last_seq);
		gov_ring->next_seq = last_seq + 1;
		pg_atomic_init_u64(&gov_ring->written_seq, last_seq);
		pg_atomic_init_u64(&gov_ring->enqueued, 0);
		pg_atomic_init_u64(&gov_ring->written, 0);
		pg_atomic_init_u64(&gov_ring->dropped, 0);
		pg_atomic_init_u64(&gov_ring->lost, 0);
		pg_atomic_init_u64(&gov_ring->worker_starts, 0);
		pg_atomic_init_u64(&gov_ring->sink_errors, 0);
		pg_atomic_init_u64(&gov_ring->throttled, 0);
		pg_atomic_init_u64(&gov_ring->last_flush, 0);
	}
}

/*
 * After a crash no process holds the lock or is still copying: reset the
 * lock, and mark records that were never finished as lost.
 */
static void
gov_ring_recover(void)
{
	uint64		pos = gov_ring->tail;

	SpinLockInit(&gov_ring->lock);
	while (pos < gov_ring->head)
	{
		uint64		off = pos % gov_ring->size;
		GovRecordHeader *h;

		if (gov_ring->size - off < GOV_REC_HEADER)
		{
			pos += gov_ring->size - off;
			continue;
		}
		h = (GovRecordHeader *) (gov_ring_data + off);
		if (h->len < GOV_REC_HEADER || h->len > gov_ring->size)
		{
			/* Cannot happen unless the file was damaged: drop the rest. */
			ereport(LOG,
					(errmsg("audit ring damaged at position %llu; %llu bytes of events are lost",
							(unsigned long long) pos,
							(unsigned long long) (gov_ring->head - pos))));
			pg_atomic_fetch_add_u64(&gov_ring->lost, 1);
			gov_ring->head = pos;
			break;
		}
		if (h->state == GOV_REC_RESERVED)
			h->state = GOV_REC_LOST;
		pos += h->len;
	}
}

void
governance_ring_shmem_init(void)
{
	bool		found;

	gov_ring_shared = ShmemInitStruct("governance audit ring",
									  governance_ring_shmem_size(), &found);
	if (!found)
	{
		ConditionVariableInit(&gov_ring_shared->space_cv);
		ConditionVariableInit(&gov_ring_shared->durable_cv);
		gov_ring_shared->worker_latch = NULL;
		for (int i = 0; i < GOV_ACTOR_BUCKETS; i++)
		{
			pg_atomic_init_u64(&gov_ring_shared->actors[i].bytes, 0);
			pg_atomic_init_u64(&gov_ring_shared->actors[i].start, 0);
		}
	}
	if (!IsUnderPostmaster)
	{
		if (gov_ring == NULL)
			gov_ring_map();
		gov_ring_recover();
	}
}

/*
 * Reserve room for a record; false if the ring is full.  *busy says the
 * ring is over a quarter full, so the worker should be woken.
 */
static bool
gov_ring_reserve(size_t need, uint64 *pos_out, uint64 *seq_out, bool *busy)
{
	uint64		size = gov_ring->size;
	uint64		off,
				to_end,
				pad;
	bool		ok = false;

	SpinLockAcquire(&gov_ring->lock);
	off = gov_ring->head % size;
	to_end = size - off;
	pad = to_end < need ? to_end : 0;
	if (gov_ring->head + pad + need - gov_ring->tail <= size)
	{
		GovRecordHeader *h;

		if (pad >= GOV_REC_HEADER)
		{
			h = (GovRecordHeader *) (gov_ring_data + off);
			h->len = (uint32) pad;
			h->seq = 0;
			h->state = GOV_REC_PADDING;
		}
		gov_ring->head += pad;
		*pos_out = gov_ring->head;
		*seq_out = gov_ring->next_seq++;
		h = (GovRecordHeader *) (gov_ring_data + gov_ring->head % size);
		h->len = (uint32) need;
		h->seq = *seq_out;
		h->datalen = 0;
		h->state = GOV_REC_RESERVED;
		gov_ring->head += need;
		if (gov_ring->head - gov_ring->tail > gov_ring->high_water)
			gov_ring->high_water = gov_ring->head - gov_ring->tail;
		*busy = gov_ring->head - gov_ring->tail > size / 4;
		ok = true;
	}
	SpinLockRelease(&gov_ring->lock);
	return ok;
}

/*
 * Fair share.  An actor -- all the sessions of one identity together --
 * that has appended more than an eighth of the ring in the last
 * governance.audit_fair_share_window (100 ms),
 * while the ring is over half full, waits until the worker has drained it
 * below half before appending more: the one that fills the ring is the
 * one that waits, however many sessions it opens, and identities that
 * write at the rate statements normally run keep appending until the ring
 * is truly full.  (Together with the caps on one event's size and on the
 * nested statements of one statement, this bounds what one identity can
 * cost the others.)
 */
static void
gov_ring_fair_share(size_t need, int elevel, uint32 actor)
{
	GovActorBudget *b = &gov_ring_shared->actors[actor % GOV_ACTOR_BUCKETS];
	TimestampTz now;
	TimestampTz deadline;
	uint64		start = pg_atomic_read_u64(&b->start);

	if (pg_atomic_add_fetch_u64(&b->bytes, need) <= gov_ring->size / 8)
		return;
	now = GetCurrentTimestamp();
	if (now - (TimestampTz) start > (TimestampTz) governance_audit_fair_share_window * 1000)
	{
		/* A new window; a race between two sessions only resets it twice. */
		if (pg_atomic_compare_exchange_u64(&b->start, &start, (uint64) now))
			pg_atomic_write_u64(&b->bytes, need);
		return;
	}
	if (elevel == LOG || governance_audit_on_full == GOV_AUDIT_FULL_DROP)
		return;
	deadline = TimestampTzPlusMilliseconds(now, governance_audit_full_timeout);
	for (;;)
	{
		uint64		fill;

		SpinLockAcquire(&gov_ring->lock);
		fill = gov_ring->head - gov_ring->tail;
		SpinLockRelease(&gov_ring->lock);
		if (fill <= gov_ring->size / 2 || GetCurrentTimestamp() >= deadline)
			break;
		pg_atomic_fetch_add_u64(&gov_ring->throttled, 1);
		if (gov_ring_shared->worker_latch != NULL)
			SetLatch(gov_ring_shared->worker_latch);
		ConditionVariableTimedSleep(&gov_ring_shared->space_cv, 10,
									PG_WAIT_EXTENSION);
	}
	ConditionVariableCancelSleep();
	/* Still over its share until the window ends: every session of it. */
}

/* Copy a record into the room reserved for it at pos, and publish it. */
static void
gov_ring_publish(uint64 pos, const char *rec, size_t len, bool busy)
{
	GovRecordHeader *h = (GovRecordHeader *) (gov_ring_data + pos % gov_ring->size);

	memcpy((char *) h + GOV_REC_HEADER, rec, len);
	h->datalen = (uint32) len;
	pg_write_barrier();
	h->state = GOV_REC_READY;
	pg_atomic_fetch_add_u64(&gov_ring->enqueued, 1);
	if (busy && gov_ring_shared->worker_latch != NULL)
		SetLatch(gov_ring_shared->worker_latch);
}

uint64
governance_ring_append(const char *rec, size_t len, int elevel, uint32 actor)
{
	size_t		need = MAXALIGN(GOV_REC_HEADER + len);
	uint64		pos,
				seq;
	TimestampTz deadline = 0;
	bool		busy = false;

	if (gov_ring == NULL)
		return 0;
	if (need > gov_ring->size / 4)
		elog(ERROR, "audit record of %zu bytes is too large for the ring", len);
	gov_ring_fair_share(need, elevel, actor);

	while (!gov_ring_reserve(need, &pos, &seq, &busy))
	{
		/* Callers reporting at LOG must not wait (they are reporting). */
		if (governance_audit_on_full == GOV_AUDIT_FULL_DROP || elevel == LOG)
		{
			pg_atomic_fetch_add_u64(&gov_ring->dropped, 1);
			return 0;
		}
		if (gov_ring_shared->worker_latch != NULL)
			SetLatch(gov_ring_shared->worker_latch);
		if (deadline == 0)
			deadline = TimestampTzPlusMilliseconds(GetCurrentTimestamp(),
												   governance_audit_full_timeout);
		else if (GetCurrentTimestamp() >= deadline)
		{
			ConditionVariableCancelSleep();
			ereport(elevel,
					(errcode(ERRCODE_INSUFFICIENT_RESOURCES),
					 errmsg("audit trail is full"),
					 errdetail("No room in the audit ring for %d ms; the statement is refused rather than run unaudited.",
							   governance_audit_full_timeout),
					 errhint("Check that the governance audit worker is running and its sink is writable; see governance.audit_stats.")));
			return 0;
		}
		ConditionVariableTimedSleep(&gov_ring_shared->space_cv, 100,
									PG_WAIT_EXTENSION);
	}
	ConditionVariableCancelSleep();
	gov_ring_publish(pos, rec, len, busy);
	return seq;
}

uint64
governance_ring_try_append(const char *rec, size_t len)
{
	size_t		need = MAXALIGN(GOV_REC_HEADER + len);
	uint64		pos,
				seq;
	bool		busy;

	if (gov_ring == NULL || need > gov_ring->size / 4 ||
		!gov_ring_reserve(need, &pos, &seq, &busy))
		return 0;
	gov_ring_publish(pos, rec, len, busy);
	return seq;
}

void
governance_ring_wait_durable(uint64 seq)
{
	if (gov_ring == NULL || seq == 0)
		return;
	while (pg_atomic_read_u64(&gov_ring->written_seq) < seq)
	{
		if (gov_ring_shared->worker_latch != NULL)
			SetLatch(gov_ring_shared->worker_latch);
		ConditionVariableTimedSleep(&gov_ring_shared->durable_cv, 100,
									PG_WAIT_EXTENSION);
	}
	ConditionVariableCancelSleep();
}

void
governance_ring_worker_attach(Latch *latch)
{
	gov_ring_shared->worker_latch = latch;
	gov_ring_shared->worker_pid = MyProcPid;
	pg_atomic_fetch_add_u64(&gov_ring->worker_starts, 1);
}

/*
 * Visit up to max finished records from the tail, in order, without
 * consuming them.  Returns how many were visited; *end_pos is where the
 * next read would start.
 */
int
governance_ring_read(GovRingVisitor visit, void *arg, int max,
					 uint64 *end_pos)
{
	uint64		head;
	uint64		pos;
	int			n = 0;

	SpinLockAcquire(&gov_ring->lock);
	head = gov_ring->head;
	pos = gov_ring->tail;
	SpinLockRelease(&gov_ring->lock);

	while (pos < head && n < max)
	{
		uint64		off = pos % gov_ring->size;
		GovRecordHeader *h;
		uint32		state;

		if (gov_ring->size - off < GOV_REC_HEADER)
		{
			pos += gov_ring->size - off;
			continue;
		}
		h = (GovRecordHeader *) (gov_ring_data + off);
		state = h->state;
		if (state == GOV_REC_PADDING)
		{
			pos += h->len;
			continue;
		}
		if (state != GOV_REC_READY && state != GOV_REC_LOST)
			break;
		pg_read_barrier();
		if (!visit(h->seq, state == GOV_REC_LOST, (char *) h + GOV_REC_HEADER,
				   h->datalen, arg))
			break;
		if (state == GOV_REC_LOST)
			pg_atomic_fetch_add_u64(&gov_ring->lost, 1);
		pos += h->len;
		n++;
	}
	*end_pos = pos;
	return n;
}

/* The sinks hold everything before end_pos: free it and wake waiters. */
void
governance_ring_consumed(uint64 end_pos, uint64 last_seq)
{
	SpinLockAcquire(&gov_ring->lock);
	Assert(end_pos >= gov_ring->tail && end_pos <= gov_ring->head);
	gov_ring->tail = end_pos;
	SpinLockRelease(&gov_ring->lock);
	if (last_seq > pg_atomic_read_u64(&gov_ring->written_seq))
		pg_atomic_write_u64(&gov_ring->written_seq, last_seq);
	ConditionVariableBroadcast(&gov_ring_shared->space_cv);
	ConditionVariableBroadcast(&gov_ring_shared->durable_cv);
}

uint64
governance_ring_written_seq(void)
{
	return pg_atomic_read_u64(&gov_ring->written_seq);
}

void
governance_ring_set_written_seq(uint64 seq)
{
	pg_atomic_write_u64(&gov_ring->written_seq, seq);
}

void
governance_ring_note_flush(uint64 nrecords, int64 when)
{
	pg_atomic_fetch_add_u64(&gov_ring->written, nrecords);
	pg_atomic_write_u64(&gov_ring->last_flush, (uint64) when);
}

void
governance_ring_note_sink_error(void)
{
	pg_atomic_fetch_add_u64(&gov_ring->sink_errors, 1);
}

void
governance_ring_stats(GovAuditStats *s)
{
	memset(s, 0, sizeof(*s));
	if (gov_ring == NULL)
		return;
	SpinLockAcquire(&gov_ring->lock);
	s->ring_used = gov_ring->head - gov_ring->tail;
	s->high_water = gov_ring->high_water;
	s->next_seq = gov_ring->next_seq;
	SpinLockRelease(&gov_ring->lock);
	s->ring_bytes = gov_ring->size;
	s->enqueued = pg_atomic_read_u64(&gov_ring->enqueued);
	s->written = pg_atomic_read_u64(&gov_ring->written);
	s->dropped = pg_atomic_read_u64(&gov_ring->dropped);
	s->lost = pg_atomic_read_u64(&gov_ring->lost);
	s->worker_starts = pg_atomic_read_u64(&gov_ring->worker_starts);
	s->sink_errors = pg_atomic_read_u64(&gov_ring->sink_errors);
	s->throttled = pg_atomic_read_u64(&gov_ring->throttled);
	s->last_flush = (int64) pg_atomic_read_u64(&gov_ring->last_flush);
	s->written_seq = pg_atomic_read_u64(&gov_ring->written_seq);
	s->worker_pid = gov_ring_shared->worker_pid;
}
