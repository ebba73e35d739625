/*-------------------------------------------------------------------------
 *
 * ship.c
 *	  The audit shipper: a background worker that delivers the trail to
 *	  an HTTP collector, acknowledged, with nothing lost.
 *
 * The JSON-lines files stay the source of truth; the shipper reads them,
 * never the ring, so a collector that is down slows nothing: statements
 * go on being recorded, and delivery catches up later.  It POSTs batches
 * of complete, durable lines (newline-delimited JSON, each event exactly
 * as in the file, with its seq) to governance.audit_http_url, with the
 * headers of governance.audit_http_headers_file (an Authorization token
 * for Splunk HEC, Datadog or Elastic), and takes a 2xx answer as the
 * acknowledgement.  Only then does the delivery cursor, the last
 * acknowledged sequence number, move; it is kept in the audit directory
 * (written whole, flushed, renamed), so a restart, a killed shipper or an
 * outage resumes where delivery stopped.  Every event arrives at least
 * once; a collector drops repeats by seq.  A failed delivery is retried
 * after 1, 2, 4 ... seconds, at most a minute apart.
 *
 * src/audit/ship.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "funcapi.h"
#include "governance/audit.h"
#include "governance/audit_record.h"
#include "governance/common.h"
#include "governance/common_curl.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "postmaster/bgworker.h"
#include "postmaster/interrupt.h"
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

/* The cursor file, in governance.audit_directory. */
#define GOV_SHIP_CURSOR "http.cursor"

/* A batch holds at most this many bytes of lines. */
#define GOV_SHIP_MAX_BYTES (4 * 1024 * 1024)

/* The longest pause between two attempts after failures. */
#define GOV_SHIP_MAX_BACKOFF_MS 60000

/* Shared with governance.audit_delivery(). */
typedef struct GovShipShared
{
	slock_t		mutex;
	bool		running;
	int			pid;			/* of the shipper, while it runs */
	uint64		acked_seq;		/* the delivery cursor */
	uint64		delivered;		/* events acknowledged since the start */
	uint64		failures;		/* failed attempts in a row */
	TimestampTz last_success;
	TimestampTz last_failure;
	char		error[256];
} GovShipShared;

static GovShipShared *gov_ship = NULL;

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

uint64
governance_ship_acked_seq(bool *enabled)
{
	uint64		acked;

	*enabled = governance_audit_http_url != NULL && governance_audit_http_url[0] != '\0';
	if (gov_ship == NULL)
		return 0;
	/* What the running shipper checked and holds; nothing before it runs. */
	SpinLockAcquire(&gov_ship->mutex);
	acked = gov_ship->running ? gov_ship->acked_seq : 0;
	SpinLockRelease(&gov_ship->mutex);
	return acked;
}

/* --- settings ----------------------------------------------------------- */

/*
 * governance.audit_http_url: https://, or http:// to this host only (a
 * local agent such as Vector or Fluent Bit): statement text must not cross
 * a network in clear.
 */
bool
governance_audit_http_url_check(char **newval, void **extra, GucSource source)
{
	const char *u = *newval;

	if (u == NULL || u[0] == '\0')
		return true;
	if (pg_strncasecmp(u, "https://", 8) == 0 && u[8] != '\0')
		return true;
	if (pg_strncasecmp(u, "http://", 7) == 0)
	{
		/*
		 * The authority runs to the first '/', '?' or '#'; it must be one
		 * of these hosts, with a port or not, and nothing else (no user
		 * part: "http://127.0.0.1:x@elsewhere/" is elsewhere).
		 */
		static const char *const hosts[] = {"localhost", "127.0.0.1", "[::1]"};
		const char *auth = u + 7;
		size_t		alen = strcspn(auth, "/?#");
		bool		ok = false;

		for (int i = 0; i < (int) lengthof(hosts) && !ok; i++)
		{
			size_t		hlen = strlen(hosts[i]);

			if (alen >= hlen && pg_strncasecmp(auth, hosts[i], hlen) == 0)
			{
				const char *rest = auth + hlen;
				size_t		rlen = alen - hlen;

				ok = rlen == 0 ||
					(rest[0] == ':' && rlen > 1 && rlen <= 6 &&
					 strspn(rest + 1, "0123456789") == rlen - 1);
			}
		}
		if (ok)
			return true;
		GUC_check_errdetail("Plain http:// is accepted only to this host (localhost, 127.0.0.1, [::1], with a port or not).");
		GUC_check_errhint("Use https://, or a local agent that forwards over TLS.");
		return false;
	}
	GUC_check_errdetail("\"%.200s\" is not an https:// URL.", u);
	return false;
}

/*
 * governance.audit_http_headers_file: lines "Name: value"; it holds
 * credentials, so it must be readable by its owner only.
 */
static bool
gov_headers_file_ok(const char *path, char *err, size_t errlen)
{
	struct stat st;

	if (stat(path, &st) != 0 || !S_ISREG(st.st_mode))
	{
		snprintf(err, errlen, "\"%s\" is not a readable file", path);
		return false;
	}
	if ((st.st_mode & (S_IRWXG | S_IRWXO)) != 0)
	{
		snprintf(err, errlen, "\"%s\" must not be accessible by group or others (chmod 0600)", path);
		return false;
	}
	return true;
}

bool
governance_audit_http_headers_check(char **newval, void **extra, GucSource source)
{
	char		err[512];

	if (*newval == NULL || (*newval)[0] == '\0')
		return true;
	if (gov_headers_file_ok(*newval, err, sizeof(err)))
		return true;
	GUC_check_errdetail("%s.", err);
	return false;
}

/* The headers, as libcurl takes them; NULL with a reason on failure. */
static struct curl_slist *
gov_read_headers(char *err, size_t errlen, bool *ok)
{
	struct curl_slist *list = NULL;
	FILE	   *f;
	char		line[8192];

	*ok = true;
	list = governance_curl.slist_append(list, "Content-Type: application/x-ndjson");
	/* The body goes with the request, not after a "100 Continue". */
	list = governance_curl.slist_append(list, "Expect:");
	if (governance_audit_http_headers_file == NULL ||
		governance_audit_http_headers_file[0] == '\0')
		return list;
	if (!gov_headers_file_ok(governance_audit_http_headers_file, err, errlen) ||
		(f = fopen(governance_audit_http_headers_file, "r")) == NULL)
	{
		if (err[0] == '\0')
			snprintf(err, errlen, "could not open \"%s\": %m", governance_audit_http_headers_file);
		*ok = false;
		return list;
	}
	while (fgets(line, sizeof(line), f) != NULL)
	{
		size_t		n = strlen(line);

		while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
			line[--n] = '\0';
		if (n == 0 || line[0] == '#')
			continue;
		if (strchr(line, ':') == NULL || line[0] == ':' || strchr(line, '\r') != NULL)
		{
			snprintf(err, errlen, "a line of \"%s\" is not \"Name: value\"",
					 governance_audit_http_headers_file);
			*ok = false;
			break;
		}
		/* What frames the request is the shipper's to say. */
		{
			static const char *const own[] = {"content-length:", "content-type:",
				"transfer-encoding:", "host:", "expect:", "connection:"};

			for (int i = 0; i < (int) lengthof(own); i++)
				if (pg_strncasecmp(line, own[i], strlen(own[i])) == 0)
				{
					snprintf(err, errlen, "\"%s\" may not set the header %.*s",
							 governance_audit_http_headers_file,
							 (int) strlen(own[i]) - 1, line);
					*ok = false;
				}
			if (!*ok)
				break;
		}
		list = governance_curl.slist_append(list, line);
	}
	explicit_bzero(line, sizeof(line));
	fclose(f);
	return list;
}

/* --- the cursor --------------------------------------------------------- */

static void
gov_cursor_path(char *path, size_t len)
{
	snprintf(path, len, "%s/%s", governance_audit_directory, GOV_SHIP_CURSOR);
}

/*
 * The cursor is sealed like the anchor, with the chain's key: a cursor
 * written by anything but the shipper (moved ahead to pass over events
 * not delivered) is not believed.
 */
static void
gov_cursor_seal(uint64 seq, const unsigned char *key, size_t keylen, char *seal)
{
	char		text[64];
	int			n = snprintf(text, sizeof(text), "governance-cursor " UINT64_FORMAT, seq);

	gov_audit_hash(key, keylen, text, (size_t) n, seal);
}

static uint64
gov_cursor_read(const unsigned char *key, size_t keylen)
{
	char		path[MAXPGPATH];
	char		buf[128] = "";
	char		seal[GOV_AUDIT_HASH_HEX];
	FILE	   *f;
	uint64		seq;
	char	   *end;

	gov_cursor_path(path, sizeof(path));
	f = fopen(path, "r");
	if (f == NULL)
		return 0;
	if (fgets(buf, sizeof(buf), f) == NULL)
		buf[0] = '\0';
	fclose(f);
	/* "N <seal>", or it is not a cursor: deliver from the start. */
	seq = strtou64(buf, &end, 10);
	gov_cursor_seal(seq, key, keylen, seal);
	if (buf[0] < '0' || buf[0] > '9' || *end != ' ' ||
		strncmp(end + 1, seal, GOV_AUDIT_HASH_HEX - 1) != 0 ||
		end[GOV_AUDIT_HASH_HEX] != '\n')
	{
		ereport(LOG,
				(errmsg("governance audit shipper: \"%s\" is not a delivery cursor it wrote; the trail is delivered again from its start",
						path)));
		return 0;
	}
	return seq;
}

/* The cursor moves durably: written whole, flushed, renamed over. */
static bool
gov_cursor_write(uint64 seq, const unsigned char *key, size_t keylen,
				 char *err, size_t errlen)
{
	char		path[MAXPGPATH];
	char		buf[128];
	char		seal[GOV_AUDIT_HASH_HEX];
	int			n;

	gov_cursor_seal(seq, key, keylen, seal);
	n = snprintf(buf, sizeof(buf), UINT64_FORMAT " %s\n", seq, seal);

	gov_cursor_path(path, sizeof(path));
	return governance_write_durably(path, buf, n, err, errlen);
}

/* --- reading the trail -------------------------------------------------- */

/* A complete line that is not an event was met in the trail. */
static bool gov_bad_line = false;

/* Where the next line to ship is: a file, an offset, and its seq. */
typedef struct GovShipPos
{
	char		path[MAXPGPATH];
	off_t		offset;
	uint64		next_seq;		/* seq expected at offset; 0 if unknown */
} GovShipPos;

/* The first sequence number of a trail file, from its name. */
static uint64
gov_file_first_seq(const char *path)
{
	const char *name = strrchr(path, '/');
	const char *digits = strstr(name ? name : path, GOV_SINK_PREFIX);

	return digits ? strtou64(digits + strlen(GOV_SINK_PREFIX), NULL, 10) : 0;
}

/*
 * Position pos at the line after acked: in the newest file whose first
 * sequence number is at most acked + 1, scanning from its start.
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

		if (gov_file_first_seq(path) <= acked + 1)
			best = path;
	}
	if (best == NULL && files != NIL)
		best = linitial(files);
	if (best == NULL)
		return false;
	strlcpy(pos->path, best, sizeof(pos->path));
	pos->offset = 0;
	pos->next_seq = 0;
	list_free_deep(files);
	return true;
}

/*
 * Gather the lines after acked, at most max events, none beyond the
 * durable written_seq, into buf; moves pos past them.  Returns the seq of
 * the last line gathered, or 0 if there is none.  A file ended, the next
 * one is taken.
 */
static uint64
gov_gather(GovShipPos *pos, uint64 acked, uint64 written_seq, int max,
		   StringInfo buf)
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
				gov_bad_line = true;
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
				gov_bad_line = true;
				break;
			}
			if (seq > written_seq)
				break;			/* the next event, not yet durable */
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

static size_t
gov_discard(char *ptr, size_t size, size_t nmemb, void *arg)
{
	return size * nmemb;
}

/* A delivery under way gives way to a shutdown. */
static int
gov_progress(void *arg, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
			 curl_off_t ulnow)
{
	return ShutdownRequestPending ? 1 : 0;
}

/* POST one batch; true on a 2xx answer, else false with the reason. */
static bool
gov_post(const char *body, size_t len, struct curl_slist *headers, char *err,
		 size_t errlen)
{
	CURL	   *curl = governance_curl.easy_init();
	char		curl_err[CURL_ERROR_SIZE] = "";
	CURLcode	rc;
	long		status = 0;

	if (curl == NULL)
	{
		snprintf(err, errlen, "could not start libcurl");
		return false;
	}
	governance_curl.easy_setopt(curl, CURLOPT_URL, governance_audit_http_url);
	governance_curl.easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
	governance_curl.easy_setopt(curl, CURLOPT_POST, 1L);
	governance_curl.easy_setopt(curl, CURLOPT_POSTFIELDS, body);
	governance_curl.easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t) len);
	governance_curl.easy_setopt(curl, CURLOPT_ERRORBUFFER, curl_err);
	governance_curl.easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
	governance_curl.easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "https,http");
	governance_curl.easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L);
	/* This host's collector is reached directly, never through a proxy. */
	governance_curl.easy_setopt(curl, CURLOPT_NOPROXY, "localhost,127.0.0.1,::1");
	governance_curl_trust(curl, governance_audit_http_ca_file);
	governance_curl.easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, 10000L);
	governance_curl.easy_setopt(curl, CURLOPT_TIMEOUT_MS,
								(long) governance_audit_http_timeout * 1000L);
	governance_curl.easy_setopt(curl, CURLOPT_USERAGENT, "governance audit shipper");
	governance_curl.easy_setopt(curl, CURLOPT_WRITEFUNCTION, gov_discard);
	governance_curl.easy_setopt(curl, CURLOPT_NOPROGRESS, 0L);
	governance_curl.easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, gov_progress);

	rc = governance_curl.easy_perform(curl);
	governance_curl.easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
	governance_curl.easy_cleanup(curl);
	if (rc != CURLE_OK)
		snprintf(err, errlen, "%s", curl_err[0] ? curl_err : governance_curl.easy_strerror(rc));
	else if (status < 200 || status > 299)
		snprintf(err, errlen, "the collector answered with HTTP status %ld", status);
	else
		return true;
	return false;
}

static void
gov_note(bool ok, uint64 acked, int events, const char *error)
{
	SpinLockAcquire(&gov_ship->mutex);
	if (ok)
	{
		gov_ship->acked_seq = acked;
		gov_ship->delivered += events;
		gov_ship->failures = 0;
		gov_ship->last_success = GetCurrentTimestamp();
		gov_ship->error[0] = '\0';
	}
	else
	{
		gov_ship->failures++;
		gov_ship->last_failure = GetCurrentTimestamp();
		strlcpy(gov_ship->error, error, sizeof(gov_ship->error));
	}
	SpinLockRelease(&gov_ship->mutex);
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
	GovShipPos	pos;
	bool		positioned = false;
	uint64		acked;
	long		backoff_ms = 0;
	struct curl_slist *headers = NULL;
	bool		headers_ok = false;
	bool		headers_read = false;
	char		err[512];
	StringInfoData buf;
	TimestampTz last_complaint = 0;
	TimestampTz last_retention = 0;
	unsigned char *key = NULL;
	size_t		keylen = 0;
	bool		key_ok;
	bool		checked = false;	/* the cursor against the trail's end */

	pqsignal(SIGHUP, SignalHandlerForConfigReload);
	pqsignal(SIGTERM, SignalHandlerForShutdownRequest);
	BackgroundWorkerUnblockSignals();

	governance_curl_start("ship the audit trail", "governance.audit_http_url");
	err[0] = '\0';
	key = governance_sink_read_key(&keylen, err, sizeof(err));
	key_ok = key != NULL || err[0] == '\0';
	acked = gov_cursor_read(key, keylen);
	SpinLockAcquire(&gov_ship->mutex);
	gov_ship->running = true;
	gov_ship->pid = MyProcPid;
	gov_ship->acked_seq = 0;	/* published once checked against the trail */
	SpinLockRelease(&gov_ship->mutex);
	before_shmem_exit(gov_ship_exit, 0);
	initStringInfo(&buf);

	for (;;)
	{
		uint64		written;
		uint64		last;
		long		sleep_ms = 500;

		CHECK_FOR_INTERRUPTS();
		if (ShutdownRequestPending)
			break;
		if (ConfigReloadPending)
		{
			ConfigReloadPending = false;
			ProcessConfigFile(PGC_SIGHUP);
			headers_read = false;
			governance_sink_free_key(key, keylen);
			err[0] = '\0';
			key = governance_sink_read_key(&keylen, err, sizeof(err));
			key_ok = key != NULL || err[0] == '\0';
		}
		/* Now and then: may the oldest files go?  (Not without the key.) */
		if (key_ok && TimestampDifferenceExceeds(last_retention, GetCurrentTimestamp(), 5000))
		{
			governance_retention_run(key, keylen);
			last_retention = GetCurrentTimestamp();
		}
		if (governance_audit_http_url == NULL || governance_audit_http_url[0] == '\0')
			sleep_ms = 5000;
		else
		{
			if (!headers_read)
			{
				if (headers != NULL)
					governance_curl.slist_free_all(headers);
				err[0] = '\0';
				headers = gov_read_headers(err, sizeof(err), &headers_ok);
				headers_read = true;
				if (!headers_ok)
					ereport(LOG,
							(errmsg("governance cannot ship the audit trail: %s", err)));
			}
			written = governance_ring_written_seq();
			/*
			 * A cursor past the trail's end (once the audit worker has
			 * said where the end is) is not believed: deliver it all again.
			 */
			if (written > 0 && !checked)
			{
				if (acked > written)
				{
					ereport(LOG,
							(errmsg("governance audit shipper: the delivery cursor (%llu) is past the end of the trail (%llu); the trail is delivered again from its start",
									(unsigned long long) acked, (unsigned long long) written)));
					acked = 0;
					positioned = false;
				}
				gov_note(true, acked, 0, NULL);
				checked = true;
			}
			if (checked && headers_ok && written > acked)
			{
				if (!positioned)
					positioned = gov_seek(&pos, acked);
				resetStringInfo(&buf);
				last = positioned ?
					gov_gather(&pos, acked, written, governance_audit_http_batch, &buf) : 0;
				if (last != 0)
				{
					int			events = 0;

					for (int i = 0; i < buf.len; i++)
						events += buf.data[i] == '\n';
					err[0] = '\0';
					if (gov_post(buf.data, buf.len, headers, err, sizeof(err)) &&
						gov_cursor_write(last, key, keylen, err, sizeof(err)))
					{
						acked = last;
						gov_note(true, acked, events, NULL);
						backoff_ms = 0;
						sleep_ms = 0;	/* there may be more */
					}
					else
					{
						gov_note(false, acked, 0, err);
						/* Read the same lines again next time. */
						positioned = false;
						backoff_ms = backoff_ms == 0 ? 1000 :
							Min(backoff_ms * 2, GOV_SHIP_MAX_BACKOFF_MS);
						sleep_ms = backoff_ms;
						if (TimestampDifferenceExceeds(last_complaint, GetCurrentTimestamp(), 60000))
						{
							ereport(LOG,
									(errmsg("governance could not deliver audit events after sequence number " UINT64_FORMAT " to the collector: %s",
											acked, err),
									 errdetail("Statements go on being recorded; delivery is retried in %ld ms.",
											   backoff_ms)));
							last_complaint = GetCurrentTimestamp();
						}
					}
				}
				else if (gov_bad_line)
				{
					gov_bad_line = false;
					positioned = false;
					snprintf(err, sizeof(err), "the trail holds a line that is not the event after sequence number %llu",
							 (unsigned long long) acked);
					gov_note(false, acked, 0, err);
					if (TimestampDifferenceExceeds(last_complaint, GetCurrentTimestamp(), 60000))
					{
						ereport(LOG,
								(errmsg("governance cannot ship the audit trail: %s", err),
								 errhint("governance.verify_audit() says where the trail is damaged.")));
						last_complaint = GetCurrentTimestamp();
					}
					sleep_ms = 5000;
				}
				else if (positioned)
				{
					/* Nothing complete to send: look again from the cursor later. */
					positioned = false;
				}
			}
		}
		if (sleep_ms > 0)
		{
			(void) WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH,
							 sleep_ms, PG_WAIT_EXTENSION);
			ResetLatch(MyLatch);
		}
	}
	if (headers != NULL)
		governance_curl.slist_free_all(headers);
	governance_curl.global_cleanup();
	proc_exit(0);
}

void
governance_audit_shipper_register(void)
{
	governance_worker_register("governance_audit_shipper_main",
							   "governance audit shipper", 1);
}

/*
 * governance.audit_delivery(): where delivery to the collector stands.
 */
PG_FUNCTION_INFO_V1(governance_audit_delivery_1_0);

Datum
governance_audit_delivery_1_0(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	GovShipShared s;
	Datum		values[11];
	bool		nulls[11] = {0};
	uint64		written = governance_ring_written_seq();

	InitMaterializedSRF(fcinfo, 0);
	if (gov_ship == NULL)
		PG_RETURN_VOID();
	SpinLockAcquire(&gov_ship->mutex);
	s = *gov_ship;
	SpinLockRelease(&gov_ship->mutex);

	values[0] = CStringGetTextDatum("http");
	values[1] = CStringGetTextDatum(governance_audit_http_url ? governance_audit_http_url : "");
	nulls[1] = governance_audit_http_url == NULL || governance_audit_http_url[0] == '\0';
	values[2] = BoolGetDatum(s.running);
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
	values[10] = Int32GetDatum(s.pid);
	nulls[10] = !s.running;
	tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	PG_RETURN_VOID();
}
