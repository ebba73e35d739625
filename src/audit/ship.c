/*-------------------------------------------------------------------------
 *
 * ship.c
 *	  The audit shipper: a background worker that delivers the trail to
 *	  the configured collectors (an HTTP endpoint, a syslog server), with
 *	  nothing lost.
 *
 * The JSON-lines files stay the source of truth; the shipper reads them,
 * never the ring, so a collector that is down slows nothing: statements
 * go on being recorded, and delivery catches up later.  For each sink
 * (ship_http.c, ship_syslog.c) it gathers batches of complete, durable
 * lines, each event exactly as in the file with its seq, and hands them
 * to the sink, which returns only once it knows they arrived: a 2xx
 * answer from an HTTP collector, every byte acknowledged by a syslog
 * server's TCP stack.  Only then does that sink's delivery cursor, the
 * last delivered sequence number, move; each is kept in the audit
 * directory (<sink>.cursor, written whole, flushed, renamed, sealed with
 * the chain key), so a restart, a killed shipper or an outage resumes
 * where delivery stopped.  Every event arrives at least once; a collector
 * drops repeats by seq.  A failed delivery is retried after 1, 2, 4 ...
 * seconds, at most a minute apart, each sink on its own.
 *
 * The shipper also keeps the disk in bounds (retention.c): the oldest
 * files go only once every configured sink has delivered past them.
 *
 * src/audit/ship.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "access/xlog.h"
#include "funcapi.h"
#include "governance/audit.h"
#include "governance/audit_record.h"
#include "governance/common.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "postmaster/bgworker.h"
#include "postmaster/interrupt.h"
#include "ship_internal.h"
#include "storage/fd.h"
#include "storage/ipc.h"
#include "storage/latch.h"
#include "storage/shmem.h"
#include "storage/spin.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/memutils.h"
#include "utils/timestamp.h"

PGDLLEXPORT void governance_audit_shipper_main(Datum arg);

/* A batch holds at most this many bytes of lines. */
#define GOV_SHIP_MAX_BYTES (4 * 1024 * 1024)

/* The longest pause between two attempts after failures. */
#define GOV_SHIP_MAX_BACKOFF_MS 60000

/* How often an idle sink looks for new events. */
#define GOV_SHIP_POLL_MS 500

static const GovShipSink *const gov_sinks[] = {
	&governance_ship_http,
	&governance_ship_syslog,
};

#define GOV_SHIP_SINKS ((int) lengthof(gov_sinks))

/* Where one sink's delivery stands, shared with audit_delivery(). */
typedef struct GovShipSlot
{
	bool		checked;		/* acked_seq was checked against the trail */
	uint64		acked_seq;		/* the delivery cursor */
	uint64		delivered;		/* events delivered since the start */
	uint64		failures;		/* failed attempts in a row */
	TimestampTz last_success;
	TimestampTz last_failure;
	char		error[256];
} GovShipSlot;

typedef struct GovShipShared
{
	slock_t		mutex;
	bool		running;
	int			pid;			/* of the shipper, while it runs */
	GovShipSlot slot[lengthof(gov_sinks)];
} GovShipShared;

static GovShipShared *gov_ship = NULL;

/* The chain where delivery stands: the last hash of each strand known. */
typedef struct GovAuditChainAt
{
	GovAuditHeads heads;
	uint32		known;			/* strands whose head is known */
} GovAuditChainAt;


/* Where sink i delivers, or NULL if it is not configured. */
static const char *
gov_destination(int i)
{
	const char *a = *gov_sinks[i]->address;

	return a != NULL && a[0] != '\0' ? a : NULL;
}

Size
governance_ship_shmem_size(void)
{
	return sizeof(GovShipShared);
}

void
governance_ship_shmem_init(void)
{
	bool		found;

	gov_ship = ShmemInitStruct("governance audit shipper", sizeof(GovShipShared), &found);
	if (!found)
	{
		memset(gov_ship, 0, sizeof(GovShipShared));
		SpinLockInit(&gov_ship->mutex);
	}
}

/*
 * The last event every configured sink has delivered (0 while the shipper
 * has not checked their cursors), and whether any sink is configured.
 */
uint64
governance_ship_acked_seq(bool *enabled)
{
	uint64		acked = PG_UINT64_MAX;

	*enabled = false;
	for (int i = 0; i < GOV_SHIP_SINKS; i++)
	{
		if (gov_destination(i) == NULL)
			continue;
		*enabled = true;
		if (gov_ship == NULL)
			return 0;
		SpinLockAcquire(&gov_ship->mutex);
		acked = Min(acked, gov_ship->running && gov_ship->slot[i].checked ?
					gov_ship->slot[i].acked_seq : 0);
		SpinLockRelease(&gov_ship->mutex);
	}
	return *enabled ? acked : 0;
}

/* --- the cursors -------------------------------------------------------- */

static void
gov_cursor_path(const GovShipSink *sink, char *path, size_t len)
{
	snprintf(path, len, "%s/%s.cursor", governance_audit_directory, sink->name);
}

/*
 * A cursor is "N <hash> <seal>": the last event delivered, the hash of its
 * line, and a seal with the chain's key over the sink's name, both and
 * the server's system identifier.  A cursor written by anything but the
 * shipper (moved ahead to pass over events not delivered) does not seal;
 * one copied from another sink, or from another server sharing the key
 * (a standby shares the system identifier), does not name this trail's
 * line N: neither is believed.
 */
static void
gov_cursor_seal(const GovShipSink *sink, uint64 seq, const char *line_hash,
				const unsigned char *key, size_t keylen, char *seal)
{
	char		text[192];
	int			n = snprintf(text, sizeof(text), "governance-cursor %s " UINT64_FORMAT " " UINT64_FORMAT " %.64s",
							 sink->name, GetSystemIdentifier(), seq, line_hash);

	gov_audit_hash(key, keylen, text, (size_t) n, seal);
}

/*
 * Where delivery may start, proved by walking this trail: the walk from
 * its first file (or the anchor the server sealed, which the first file
 * must continue) up to the line a cursor names, whose hash must be the
 * one the cursor recorded.  Returns that sequence number; or, if the
 * cursor is not proved (no cursor, another trail's, a line forged or
 * planted), the last event before the trail's verified start: everything
 * it holds is delivered.  Nothing here is taken from a file's name or a
 * line's own word: only the chain, under the keys, moves the position.
 */
static uint64
gov_proved_position(uint64 claimed, const char *claimed_hash,
					const unsigned char *key, size_t keylen, bool *proved,
					bool *verified, GovAuditChainAt *chain)
{
	List	   *files = governance_sink_files();
	GovAuditKeyring ring;
	GovAuditWalk walk;
	char		anchor[GOV_AUDIT_ANCHOR_MAX];
	int			alen = governance_anchor_read(anchor, sizeof(anchor));
	char		why[512];
	uint64_t	bad;
	uint64		start = 0;
	ListCell   *lc;
	bool		ok;

	*proved = false;
	gov_audit_keyring_init(&ring);
	gov_audit_keyring_add(&ring, key, keylen);
	(void) governance_sink_add_old_keys(&ring, why, sizeof(why));
	/*
	 * A trail chained without a key before one was set: its lines before
	 * the roll are as forgeable as they always were, and the roll to the
	 * key is proved by the key.
	 */
	gov_audit_keyring_add(&ring, NULL, 0);
	ok = gov_audit_walk_start_trail(&walk, files != NIL ? gov_audit_file_first_seq(linitial(files)) : 0,
									alen >= 0 ? anchor : NULL, Max(alen, 0), &ring,
									&bad, why, sizeof(why)) &&
		(walk.anchor_seq == 0 || walk.anchor_seal_key == 0);
	if (ok)
		start = walk.anchor_seq != 0 ? walk.anchor_seq : Max(walk.expect, 1);
	/* Events the anchor says were removed were delivered, or are gone. */
	if (ok && claimed > 0 && claimed < start && walk.anchor_seq != 0)
		*proved = true;
	foreach(lc, files)
	{
		FILE	   *f;
		char	   *line = NULL;
		size_t		cap = 0;
		ssize_t		len;

		if (!ok || *proved || walk.expect > claimed)
			break;
		if ((f = fopen(lfirst(lc), "r")) == NULL)
		{
			ok = false;
			break;
		}
		while (ok && !*proved && (len = getline(&line, &cap, f)) > 0)
		{
			uint64_t	seq;
			char		hash[GOV_AUDIT_HASH_HEX];

			ok = gov_audit_walk_line(&walk, line, (size_t) len, &bad, why, sizeof(why));
			if (ok && gov_audit_line_tail(line, (size_t) len, &seq, hash) && seq == claimed)
				*proved = memcmp(hash, claimed_hash, 64) == 0;
		}
		free(line);
		fclose(f);
	}
	list_free_deep(files);
	gov_audit_keyring_free(&ring);
	*verified = ok;
	memset(chain, 0, sizeof(*chain));
	if (*proved)
	{
		/* Where the walk stood: at the line proved (nothing known if gone). */
		if (walk.expect == claimed + 1)
		{
			chain->heads = walk.heads;
			chain->known = walk.known;
		}
		return claimed;
	}
	if (!ok)
	{
		/*
		 * A trail that does not verify from its start proves nothing, not
		 * even where it starts (its first files may be missing for a
		 * while): no position is taken from it.  Delivery waits, and
		 * retention with it, until it verifies.
		 */
		ereport(LOG,
				(errmsg("governance audit shipper: the trail does not verify (%s); delivery waits until it does", why)));
		return 0;
	}
	/* At the trail's start: the anchor's heads, or the genesis hashes. */
	if (walk.anchor_seq != 0)
	{
		chain->heads = walk.anchor_heads;
		chain->known = (1u << GOV_AUDIT_STRANDS) - 1;
	}
	else if (start == 1)
	{
		gov_audit_heads_genesis(&chain->heads);
		chain->known = (1u << GOV_AUDIT_STRANDS) - 1;
	}
	return start > 0 ? start - 1 : 0;
}

/*
 * Is the line at seq, as the files hold it now, the one with this hash?
 * True too when seq is before the trail's first file: retention can then
 * remove nothing up to it.  (Looked up by name only, so it can be fooled
 * into "no": that only makes the shipper prove its position again.)
 */
static bool
gov_still_delivered(uint64 seq, const char *hash)
{
	List	   *files = governance_sink_files();
	ListCell   *lc;
	const char *path = NULL;
	bool		same = false;

	foreach(lc, files)
		if (gov_audit_file_first_seq(lfirst(lc)) <= seq)
			path = lfirst(lc);
	if (path == NULL)
		same = true;
	else
	{
		FILE	   *f = fopen(path, "r");
		char	   *line = NULL;
		size_t		cap = 0;
		ssize_t		len;

		while (f != NULL && (len = getline(&line, &cap, f)) > 0)
		{
			uint64_t	s;
			char		h[GOV_AUDIT_HASH_HEX];

			if (gov_audit_line_tail(line, (size_t) len, &s, h) && s == seq)
			{
				same = memcmp(h, hash, 64) == 0;
				break;
			}
		}
		free(line);
		if (f != NULL)
			fclose(f);
	}
	list_free_deep(files);
	return same;
}

static uint64
gov_cursor_read(const GovShipSink *sink, const unsigned char *key, size_t keylen,
				char *hash_out, bool *verified, GovAuditChainAt *chain)
{
	char		path[MAXPGPATH];
	char		buf[256] = "";
	char		seal[GOV_AUDIT_HASH_HEX];
	char		hash[GOV_AUDIT_HASH_HEX];
	FILE	   *f;
	uint64		seq = 0;
	char	   *end;
	bool		sealed = false;
	bool		proved;
	uint64		at;

	memset(hash_out, '0', 64);
	hash_out[64] = '\0';
	gov_cursor_path(sink, path, sizeof(path));
	f = fopen(path, "r");
	if (f != NULL)
	{
		if (fgets(buf, sizeof(buf), f) == NULL)
			buf[0] = '\0';
		fclose(f);
		seq = strtou64(buf, &end, 10);
		if (buf[0] >= '0' && buf[0] <= '9' && *end == ' ' &&
			strspn(end + 1, "0123456789abcdef") == 64 && end[65] == ' ')
		{
			memcpy(hash, end + 1, 64);
			hash[64] = '\0';
			gov_cursor_seal(sink, seq, hash, key, keylen, seal);
			sealed = CRYPTO_memcmp(end + 66, seal, 64) == 0 && end[130] == '\n';
		}
	}
	/* Sealed, it must still be proved to name this trail's line. */
	at = gov_proved_position(sealed ? seq : 0, sealed ? hash : "", key, keylen, &proved,
							 verified, chain);
	if (proved)
	{
		memcpy(hash_out, hash, GOV_AUDIT_HASH_HEX);
		return at;
	}
	if (f != NULL && *verified)
		ereport(LOG,
				(errmsg("governance audit shipper: \"%s\" is not a delivery cursor it wrote for this trail; the trail is delivered again from its start",
						path)));
	return at;
}

/* A cursor moves durably: written whole, flushed, renamed over. */
static bool
gov_cursor_write(const GovShipSink *sink, uint64 seq, const char *line_hash,
				 const unsigned char *key, size_t keylen, char *err, size_t errlen)
{
	char		path[MAXPGPATH];
	char		buf[256];
	char		seal[GOV_AUDIT_HASH_HEX];
	int			n;

	gov_cursor_seal(sink, seq, line_hash, key, keylen, seal);
	n = snprintf(buf, sizeof(buf), UINT64_FORMAT " %.64s %s\n", seq, line_hash, seal);
	gov_cursor_path(sink, path, sizeof(path));
	return governance_write_durably(path, buf, n, err, errlen);
}

/* --- reading the trail -------------------------------------------------- */

/* Where the next line to ship is: a file, an offset, and its seq. */
typedef struct GovShipPos
{
	char		path[MAXPGPATH];
	off_t		offset;
	uint64		next_seq;		/* seq expected at offset; 0 if unknown */
} GovShipPos;

/*
 * Position pos at the line after acked: in the newest file whose first
 * sequence number is at most acked + 1, scanning from its start.  False
 * if no file holds it: the position never moves past events because
 * their files are missing (gov_gather then finds the gap, and delivery
 * stops there with the error).
 */
static bool
gov_seek(GovShipPos *pos, uint64 acked)
{
	List	   *files = governance_sink_files();
	ListCell   *lc;
	const char *best = NULL;

	foreach(lc, files)
	{
		const char *path = lfirst(lc);

		if (gov_audit_file_first_seq(path) <= acked + 1)
			best = path;
	}
	if (best == NULL)
	{
		list_free_deep(files);
		return false;
	}
	strlcpy(pos->path, best, sizeof(pos->path));
	pos->offset = 0;
	pos->next_seq = 0;
	list_free_deep(files);
	return true;
}

/*
 * Gather the lines after acked, at most max events, none beyond the
 * durable written_seq, into buf; moves pos past them.  Returns the seq of
 * the last line gathered, or 0 if there is none (with *bad_line set if a
 * complete line that is not the next event stopped it).  A file ended,
 * the next one is taken.
 */
static uint64
gov_gather(GovShipPos *pos, uint64 acked, uint64 written_seq, int max,
		   StringInfo buf, bool *bad_line, GovAuditChainAt *chain)
{
	uint64		last = 0;
	int			n = 0;

	while (n < max && buf->len < GOV_SHIP_MAX_BYTES)
	{
		FILE	   *f = fopen(pos->path, "r");
		char	   *line = NULL;
		size_t		cap = 0;
		ssize_t		len;

		if (f == NULL || fseeko(f, pos->offset, SEEK_SET) != 0)
		{
			if (f)
				fclose(f);
			break;
		}
		while (n < max && buf->len < GOV_SHIP_MAX_BYTES &&
			   (len = getline(&line, &cap, f)) > 0)
		{
			uint64_t	seq = 0;

			if (line[len - 1] != '\n')
				break;			/* being written: not yet complete */
			if (gov_audit_line_seq(line, (size_t) len, &seq) == 0)
			{
				*bad_line = true;
				break;
			}
			/*
			 * What was delivered is passed over; after it, sequence numbers
			 * must follow on one by one: a line claiming a later number
			 * must not make the shipper pass over events, nor wait for it.
			 */
			if (seq <= acked && last == 0)
			{
				pos->offset += len;
				continue;
			}
			if (seq != (last != 0 ? last : acked) + 1)
			{
				*bad_line = true;
				break;
			}
			if (seq > written_seq)
				break;			/* the next event, not yet durable */
			/*
			 * And each line must chain to the one delivered sixteen before
			 * it: delivery follows the chain, so lines put in place of
			 * others (another trail's, under the same key) stop it.
			 */
			{
				uint64_t	s;
				char		prev[GOV_AUDIT_HASH_HEX];
				char		hash[GOV_AUDIT_HASH_HEX];
				int			strand = GOV_AUDIT_STRAND(seq);

				if (!gov_audit_line_links(line, (size_t) len, &s, prev, hash) ||
					((chain->known & (1u << strand)) &&
					 memcmp(prev, chain->heads.hash[strand], 64) != 0))
				{
					*bad_line = true;
					break;
				}
				memcpy(chain->heads.hash[strand], hash, GOV_AUDIT_HASH_HEX);
				chain->known |= 1u << strand;
			}
			pos->offset += len;
			appendBinaryStringInfo(buf, line, (int) len);
			last = seq;
			n++;
		}
		free(line);
		fclose(f);
		if (n >= max || buf->len >= GOV_SHIP_MAX_BYTES)
			break;
		/* This file is exhausted: on to the next one, if there is one. */
		{
			List	   *files = governance_sink_files();
			ListCell   *lc;
			bool		moved = false;

			foreach(lc, files)
			{
				const char *path = lfirst(lc);

				if (strcmp(path, pos->path) > 0)
				{
					struct stat st;

					/* Only once this file has no more complete lines. */
					if (stat(pos->path, &st) == 0 && st.st_size > pos->offset)
						break;
					strlcpy(pos->path, path, sizeof(pos->path));
					pos->offset = 0;
					moved = true;
					break;
				}
			}
			list_free_deep(files);
			if (!moved)
				break;
		}
	}
	return last;
}


/* --- delivery ----------------------------------------------------------- */

/* What the shipper knows of one sink. */
typedef struct GovShipState
{
	bool		configured;		/* as of the last round */
	bool		checked;		/* acked checked against the trail's end */
	uint64		acked;
	char		acked_hash[GOV_AUDIT_HASH_HEX];	/* of the line acked */
	bool		unproved;		/* the trail did not verify: wait, prove again */
	GovAuditChainAt chain;		/* at acked */
	TimestampTz proved_at;
	GovShipPos	pos;
	bool		positioned;
	long		backoff_ms;
	TimestampTz next_try;		/* not before, after a failure */
	TimestampTz last_complaint;
} GovShipState;

static void
gov_note(int i, bool ok, uint64 acked, int events, const char *error)
{
	GovShipSlot *s = &gov_ship->slot[i];

	SpinLockAcquire(&gov_ship->mutex);
	if (ok)
	{
		s->checked = true;
		s->acked_seq = acked;
		s->delivered += events;
		s->failures = 0;
		if (events > 0)
			s->last_success = GetCurrentTimestamp();
		s->error[0] = '\0';
	}
	else
	{
		s->failures++;
		s->last_failure = GetCurrentTimestamp();
		strlcpy(s->error, error, sizeof(s->error));
	}
	SpinLockRelease(&gov_ship->mutex);
}

/* Log a failure, at most once a minute per sink. */
static void
gov_complain(GovShipState *st, int elevel, const char *msg, const char *detail,
			 const char *hint)
{
	if (st->last_complaint != 0 &&
		!TimestampDifferenceExceeds(st->last_complaint, GetCurrentTimestamp(), 60000))
		return;
	ereport(elevel,
			(errmsg_internal("%s", msg),
			 detail ? errdetail_internal("%s", detail) : 0,
			 hint ? errhint("%s", hint) : 0));
	st->last_complaint = GetCurrentTimestamp();
}

/*
 * Delivery stops where it stands, at a trail that does not go on as it
 * should there: said in audit_delivery() and the log, and looked at again
 * in a while.
 */
static long
gov_ship_stopped(int i, GovShipState *st, const char *what)
{
	char		err[256];
	char		msg[512];

	snprintf(err, sizeof(err), "%s the event after sequence number " UINT64_FORMAT,
			 what, st->acked);
	gov_note(i, false, st->acked, 0, err);
	snprintf(msg, sizeof(msg), "governance cannot ship the audit trail to the %s sink: %s",
			 gov_sinks[i]->name, err);
	gov_complain(st, LOG, msg, NULL,
				 "governance.verify_audit() says where the trail is damaged.");
	return 5000;
}

/*
 * One round for one sink: deliver the next batch if there is one.
 * Returns how long the sink can wait before its next round (0: at once).
 */
static long
gov_ship_round(int i, GovShipState *st, uint64 written, StringInfo buf,
			   const unsigned char *key, size_t keylen)
{
	const GovShipSink *sink = gov_sinks[i];
	char		err[512] = "";
	char		msg[768];
	bool		bad_line = false;
	uint64		last;
	int			events = 0;
	char		hash[GOV_AUDIT_HASH_HEX];
	GovAuditChainAt chain = st->chain;	/* moves only with a delivery */

	if (st->next_try != 0 && GetCurrentTimestamp() < st->next_try)
	{
		long		secs;
		int			usecs;

		TimestampDifference(GetCurrentTimestamp(), st->next_try, &secs, &usecs);
		return secs * 1000 + usecs / 1000 + 1;
	}
	/*
	 * A trail that did not verify from its start gave no position: prove
	 * it again now and then; meanwhile nothing is delivered, and the slot
	 * stays unchecked, so retention waits too.
	 */
	if (st->unproved)
	{
		bool		verified;

		if (!TimestampDifferenceExceeds(st->proved_at, GetCurrentTimestamp(), 5000))
			return 1000;
		st->acked = gov_cursor_read(sink, key, keylen, st->acked_hash, &verified, &st->chain);
		st->proved_at = GetCurrentTimestamp();
		if (!verified)
		{
			gov_note(i, false, st->acked, 0, "the trail does not verify from its start; delivery waits until it does");
			return 5000;
		}
		st->unproved = false;
		st->positioned = false;
	}
	/*
	 * A cursor past the trail's end (once the audit worker has said where
	 * the end is) is not believed: deliver it all again.
	 */
	if (!st->checked)
	{
		if (written == 0)
			return GOV_SHIP_POLL_MS;
		if (st->acked > written)
		{
			ereport(LOG,
					(errmsg("governance audit shipper: the %s delivery cursor (" UINT64_FORMAT ") is past the end of the trail (" UINT64_FORMAT "); the trail is delivered again from its start",
							sink->name, st->acked, written)));
			st->acked = 0;
			st->positioned = false;
		}
		gov_note(i, true, st->acked, 0, NULL);
		st->checked = true;
	}
	if (written <= st->acked)
		return GOV_SHIP_POLL_MS;
	if (!st->positioned && !(st->positioned = gov_seek(&st->pos, st->acked)))
		return gov_ship_stopped(i, st, "no file of the trail holds");
	resetStringInfo(buf);
	last = st->positioned ?
		gov_gather(&st->pos, st->acked, written, *sink->batch, buf,
				   &bad_line, &chain) : 0;
	if (last == 0 && !bad_line)
	{
		/* Nothing complete to send: look again from the cursor later. */
		st->positioned = false;
		return GOV_SHIP_POLL_MS;
	}
	if (last == 0)
	{
		/*
		 * The trail does not go on as delivered: lines changed under the
		 * shipper, or put in place of others.  Its position is proved
		 * again (delivering again what that cannot prove).
		 */
		st->positioned = false;
		st->unproved = true;
		st->proved_at = GetCurrentTimestamp();
		return gov_ship_stopped(i, st, "the trail holds a line that is not");
	}
	for (int j = 0; j < buf->len; j++)
		events += buf->data[j] == '\n';
	{
		/* The hash of the last line gathered, for the cursor. */
		const char *l = buf->data + buf->len - 1;
		uint64_t	s;

		while (l > buf->data && l[-1] != '\n')
			l--;
		if (!gov_audit_line_tail(l, buf->data + buf->len - l, &s, hash))
			memset(hash, '0', 64);
		hash[64] = '\0';
	}
	if (sink->deliver(buf->data, buf->len, err, sizeof(err)) &&
		gov_cursor_write(sink, last, hash, key, keylen, err, sizeof(err)))
	{
		st->acked = last;
		memcpy(st->acked_hash, hash, GOV_AUDIT_HASH_HEX);
		st->chain = chain;
		gov_note(i, true, last, events, NULL);
		st->backoff_ms = 0;
		st->next_try = 0;
		return 0;				/* there may be more */
	}
	gov_note(i, false, st->acked, 0, err);
	/* Read the same lines again next time. */
	st->positioned = false;
	st->backoff_ms = st->backoff_ms == 0 ? 1000 :
		Min(st->backoff_ms * 2, GOV_SHIP_MAX_BACKOFF_MS);
	st->next_try = TimestampTzPlusMilliseconds(GetCurrentTimestamp(), st->backoff_ms);
	snprintf(msg, sizeof(msg), "governance could not deliver audit events after sequence number " UINT64_FORMAT " to the %s sink: %s",
			 st->acked, sink->name, err);
	{
		char		detail[128];

		snprintf(detail, sizeof(detail), "Statements go on being recorded; delivery is retried in %ld ms.",
				 st->backoff_ms);
		gov_complain(st, LOG, msg, detail, NULL);
	}
	return st->backoff_ms;
}

static void
gov_ship_exit(int code, Datum arg)
{
	SpinLockAcquire(&gov_ship->mutex);
	gov_ship->running = false;
	SpinLockRelease(&gov_ship->mutex);
}

void
governance_audit_shipper_main(Datum arg)
{
	GovShipState state[lengthof(gov_sinks)];
	StringInfoData buf;
	TimestampTz last_retention = 0;
	unsigned char *key = NULL;
	size_t		keylen = 0;
	bool		key_ok;
	char		err[512] = "";

	pqsignal(SIGHUP, SignalHandlerForConfigReload);
	pqsignal(SIGTERM, SignalHandlerForShutdownRequest);
	BackgroundWorkerUnblockSignals();

	for (int i = 0; i < GOV_SHIP_SINKS; i++)
		gov_sinks[i]->start();
	key = governance_sink_read_key(&keylen, err, sizeof(err));
	key_ok = key != NULL || err[0] == '\0';
	memset(state, 0, sizeof(state));
	SpinLockAcquire(&gov_ship->mutex);
	gov_ship->running = true;
	gov_ship->pid = MyProcPid;
	for (int i = 0; i < GOV_SHIP_SINKS; i++)
		gov_ship->slot[i].checked = false;	/* published once checked */
	SpinLockRelease(&gov_ship->mutex);
	before_shmem_exit(gov_ship_exit, 0);
	initStringInfo(&buf);

	for (;;)
	{
		uint64		written;
		long		sleep_ms = 5000;

		CHECK_FOR_INTERRUPTS();
		/*
		 * A reload before a shutdown: a rotated key's anchor is sealed
		 * again before the shipper stops.
		 */
		if (ConfigReloadPending)
		{
			ConfigReloadPending = false;
			ProcessConfigFile(PGC_SIGHUP);
			/* New settings may have mended a sink: try each again at once. */
			for (int i = 0; i < GOV_SHIP_SINKS; i++)
			{
				gov_sinks[i]->reload();
				state[i].backoff_ms = 0;
				state[i].next_try = 0;
			}
			{
				unsigned char *old = key;
				size_t		oldlen = keylen;

				err[0] = '\0';
				key = governance_sink_read_key(&keylen, err, sizeof(err));
				key_ok = key != NULL || err[0] == '\0';
				/* Rotated: the anchor is sealed with the new key at once. */
				if (!key_ok)
				{
					/* Unreadable now: keep the key in force. */
					governance_sink_free_key(key, keylen);
					key = old;
					keylen = oldlen;
					key_ok = true;
				}
				else
				{
					if (keylen != oldlen || (keylen > 0 && memcmp(key, old, keylen) != 0))
						governance_anchor_reseal(old, oldlen, key, keylen);
					governance_sink_free_key(old, oldlen);
				}
			}
			/*
			 * The chain key may have been rotated: seal the cursors with
			 * the key in force now, or the next start would not believe
			 * them (and deliver the whole trail again).
			 */
			for (int i = 0; i < GOV_SHIP_SINKS; i++)
				if (state[i].configured && state[i].checked && state[i].acked > 0 &&
					!gov_cursor_write(gov_sinks[i], state[i].acked, state[i].acked_hash,
									  key, keylen, err, sizeof(err)))
					ereport(LOG,
							(errmsg("governance audit shipper: could not write the %s delivery cursor: %s",
									gov_sinks[i]->name, err)));
		}
		if (ShutdownRequestPending)
			break;
		/* Now and then: may the oldest files go?  (Not without the key.) */
		if (key_ok && TimestampDifferenceExceeds(last_retention, GetCurrentTimestamp(), 5000))
		{
			/*
			 * Before retention trusts the positions: the line each sink
			 * delivered up to must still be the one it delivered (files put
			 * in place of others since are not).  If not, the sink proves
			 * its position again, and waits unchecked meanwhile.
			 */
			for (int i = 0; i < GOV_SHIP_SINKS; i++)
				if (state[i].configured && !state[i].unproved && state[i].acked > 0 &&
					!gov_still_delivered(state[i].acked, state[i].acked_hash))
				{
					ereport(LOG,
							(errmsg("governance audit shipper: the %s sink's line " UINT64_FORMAT " is not the one it delivered; its position is proved again",
									gov_sinks[i]->name, state[i].acked)));
					state[i].unproved = true;
					state[i].proved_at = 0;
					state[i].checked = false;
					SpinLockAcquire(&gov_ship->mutex);
					gov_ship->slot[i].checked = false;
					SpinLockRelease(&gov_ship->mutex);
				}
			governance_retention_run(key, keylen);
			last_retention = GetCurrentTimestamp();
		}
		written = governance_ring_written_seq();
		for (int i = 0; i < GOV_SHIP_SINKS && !ShutdownRequestPending; i++)
		{
			GovShipState *st = &state[i];
			bool		configured = gov_destination(i) != NULL;

			/* A sink configured anew starts from its own cursor. */
			if (configured && !st->configured)
			{
				memset(st, 0, sizeof(*st));
				st->acked = gov_cursor_read(gov_sinks[i], key, keylen, st->acked_hash,
											&st->unproved, &st->chain);
				st->unproved = !st->unproved;
				st->proved_at = GetCurrentTimestamp();
				SpinLockAcquire(&gov_ship->mutex);
				gov_ship->slot[i].checked = false;
				SpinLockRelease(&gov_ship->mutex);
			}
			st->configured = configured;
			if (configured)
				sleep_ms = Min(sleep_ms, gov_ship_round(i, st, written, &buf, key, keylen));
		}
		if (sleep_ms > 0)
		{
			(void) WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH,
							 sleep_ms, PG_WAIT_EXTENSION);
			ResetLatch(MyLatch);
		}
	}
	for (int i = 0; i < GOV_SHIP_SINKS; i++)
		gov_sinks[i]->stop();
	proc_exit(0);
}

void
governance_audit_shipper_register(void)
{
	governance_worker_register("governance_audit_shipper_main",
							   "governance audit shipper", 1);
}

/*
 * governance.audit_delivery(): where delivery stands, one row for each
 * configured sink.
 */
PG_FUNCTION_INFO_V1(governance_audit_delivery_1_0);

Datum
governance_audit_delivery_1_0(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	uint64		written = governance_ring_written_seq();

	InitMaterializedSRF(fcinfo, 0);
	if (gov_ship == NULL)
		PG_RETURN_VOID();
	for (int i = 0; i < GOV_SHIP_SINKS; i++)
	{
		const char *dest = gov_destination(i);
		GovShipSlot s;
		bool		running;
		int			pid;
		Datum		values[11];
		bool		nulls[11] = {0};

		if (dest == NULL)
			continue;
		SpinLockAcquire(&gov_ship->mutex);
		s = gov_ship->slot[i];
		running = gov_ship->running;
		pid = gov_ship->pid;
		SpinLockRelease(&gov_ship->mutex);

		values[0] = CStringGetTextDatum(gov_sinks[i]->name);
		values[1] = CStringGetTextDatum(dest);
		values[2] = BoolGetDatum(running);
		values[3] = Int64GetDatum((int64) s.acked_seq);
		values[4] = Int64GetDatum((int64) written);
		values[5] = Int64GetDatum(written > s.acked_seq ? (int64) (written - s.acked_seq) : 0);
		values[6] = Int64GetDatum((int64) s.delivered);
		values[7] = TimestampTzGetDatum(s.last_success);
		nulls[7] = s.last_success == 0;
		values[8] = TimestampTzGetDatum(s.last_failure);
		nulls[8] = s.last_failure == 0;
		values[9] = CStringGetTextDatum(s.error);
		nulls[9] = s.error[0] == '\0';
		values[10] = Int32GetDatum(pid);
		nulls[10] = !running;
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	PG_RETURN_VOID();
}
