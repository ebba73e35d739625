/*-------------------------------------------------------------------------
 *
 * audit_sql.c
 *	  The audit trail in SQL: reading it, verifying its chain, statistics.
 *
 * The trail is read from the sink's files, not from a table, so it can be
 * queried from every database that has the extension and on a hot
 * standby.  governance.audit_events() takes a time range and a subject:
 * files are named for their first sequence number and start with their
 * earliest event, so files wholly outside the range are skipped unread,
 * and lines are matched against the subject as text before being parsed.
 *
 * src/audit/audit_sql.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "fmgr.h"
#include "funcapi.h"
#include "governance/audit.h"
#include "governance/common.h"
#include "lib/stringinfo.h"
#include "storage/fd.h"
#include "utils/builtins.h"
#include "utils/json.h"
#include "utils/jsonb.h"
#include "utils/timestamp.h"

/* Read one line (without its newline) into buf; false at end of file. */
static bool
gov_read_line(FILE *f, StringInfo buf)
{
	char		chunk[8192];

	resetStringInfo(buf);
	while (fgets(chunk, sizeof(chunk), f) != NULL)
	{
		size_t		n = strlen(chunk);

		if (n > 0 && chunk[n - 1] == '\n')
		{
			appendBinaryStringInfo(buf, chunk, n - 1);
			return true;
		}
		appendBinaryStringInfo(buf, chunk, n);
	}
	return buf->len > 0;
}

/* The "time" of an event line, or 0 if it has none. */
static TimestampTz
gov_line_time(const char *line)
{
	const char *p = strstr(line, ",\"time\":\"");
	char		ts[40];
	const char *end;

	if (p == NULL)
		return 0;
	p += 9;
	end = strchr(p, '"');
	if (end == NULL || end - p >= (ptrdiff_t) sizeof(ts))
		return 0;
	memcpy(ts, p, end - p);
	ts[end - p] = '\0';
	return DatumGetTimestampTz(DirectFunctionCall3(timestamptz_in,
												   CStringGetDatum(ts),
												   ObjectIdGetDatum(InvalidOid),
												   Int32GetDatum(-1)));
}

/* The first event time in a file, 0 if it cannot be read. */
static TimestampTz
gov_file_start(const char *path)
{
	FILE	   *f = AllocateFile(path, "r");
	StringInfoData line;
	TimestampTz t = 0;

	if (f == NULL)
		return 0;
	initStringInfo(&line);
	while (t == 0 && gov_read_line(f, &line))
		t = gov_line_time(line.data);
	FreeFile(f);
	pfree(line.data);
	return t;
}

/* A string member of an event, palloc'd, or NULL if absent or not a string. */
char *
governance_jsonb_string(Jsonb *j, const char *key)
{
	JsonbValue	k;
	JsonbValue *v;

	k.type = jbvString;
	k.val.string.val = (char *) key;
	k.val.string.len = strlen(key);
	v = findJsonbValueFromContainer(&j->root, JB_FOBJECT, &k);
	if (v == NULL || v->type != jbvString)
		return NULL;
	return pnstrdup(v->val.string.val, v->val.string.len);
}

static text *
gov_jsonb_text(Jsonb *j, const char *key)
{
	char	   *s = governance_jsonb_string(j, key);

	return s ? cstring_to_text(s) : NULL;
}

/*
 * governance.audit_events(since, until, sub): the events of the trail in
 * order, optionally within [since, until] and for one subject.
 */
PG_FUNCTION_INFO_V1(governance_audit_events_1_0);
Datum
governance_audit_events_1_0(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	bool		has_since = !PG_ARGISNULL(0);
	bool		has_until = !PG_ARGISNULL(1);
	TimestampTz since = has_since ? PG_GETARG_TIMESTAMPTZ(0) : 0;
	TimestampTz until = has_until ? PG_GETARG_TIMESTAMPTZ(1) : 0;
	char	   *sub = PG_ARGISNULL(2) ? NULL : text_to_cstring(PG_GETARG_TEXT_PP(2));
	char	   *sub_pattern = NULL;
	List	   *files;
	ListCell   *lc;
	StringInfoData line;
	static const char *const columns[] = {"type", "action", "sub", "actor", "db_role",
	"database", "command_tag", "statement", "sqlstate"};

	InitMaterializedSRF(fcinfo, 0);
	/* A session reads its own events: wait until they are written. */
	governance_audit_wait_own_events();
	if (sub != NULL)
	{
		StringInfoData pat;

		initStringInfo(&pat);
		appendStringInfoString(&pat, ",\"sub\":");
		escape_json(&pat, sub);
		sub_pattern = pat.data;
	}
	files = governance_sink_files();
	initStringInfo(&line);
	foreach(lc, files)
	{
		const char *path = lfirst(lc);
		FILE	   *f;

		/* A file ends where the next begins: skip files before "since". */
		if (has_since && lnext(files, lc) != NULL)
		{
			TimestampTz next = gov_file_start(lfirst(lnext(files, lc)));

			if (next != 0 && next < since)
				continue;
		}
		if (has_until)
		{
			TimestampTz start = gov_file_start(path);

			if (start != 0 && start > until)
				break;
		}
		f = AllocateFile(path, "r");
		if (f == NULL)
			ereport(ERROR,
					(errcode_for_file_access(),
					 errmsg("could not open audit file \"%s\": %m", path)));
		while (gov_read_line(f, &line))
		{
			Datum		values[12];
			bool		nulls[12] = {0};
			Jsonb	   *event;
			TimestampTz t;
			int			i;

			if (sub_pattern != NULL && strstr(line.data, sub_pattern) == NULL)
				continue;
			t = gov_line_time(line.data);
			if ((has_since && t < since) || (has_until && t > until))
				continue;
			event = DatumGetJsonbP(DirectFunctionCall1(jsonb_in, CStringGetDatum(line.data)));
			values[0] = Int64GetDatum(strtoll(line.data + 7, NULL, 10));
			if (t != 0)
				values[1] = TimestampTzGetDatum(t);
			else
				nulls[1] = true;
			for (i = 0; i < (int) lengthof(columns); i++)
			{
				text	   *v = gov_jsonb_text(event, columns[i]);

				if (v != NULL)
					values[2 + i] = PointerGetDatum(v);
				else
					nulls[2 + i] = true;
			}
			values[11] = JsonbPGetDatum(event);
			tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
		}
		FreeFile(f);
	}
	PG_RETURN_VOID();
}

/*
 * governance.verify_audit(): walk the whole trail and report the first
 * sequence number at which the chain breaks (a line deleted, inserted,
 * altered or moved), or that it holds.
 */
PG_FUNCTION_INFO_V1(governance_verify_audit_1_0);
Datum
governance_verify_audit_1_0(PG_FUNCTION_ARGS)
{
	TupleDesc	tupdesc;
	Datum		values[5];
	bool		nulls[5] = {0};
	char		keyerr[1024];
	GovAuditKeyring ring;
	List	   *files;
	ListCell   *lc;
	StringInfoData line;
	GovAuditWalk walk;
	char		anchor[GOV_AUDIT_ANCHOR_MAX];
	int			alen;
	char		why[512] = "";
	const char *bad_file = NULL;
	uint64_t	bad_seq = 0;

	/* Every key the trail may still need: a file that cannot be read is an error. */
	if (!governance_sink_read_keyring(&ring, keyerr, sizeof(keyerr)))
	{
		gov_audit_keyring_free(&ring);
		ereport(ERROR,
				(errcode(ERRCODE_CONFIG_FILE_ERROR),
				 errmsg("cannot verify the audit trail"),
				 errdetail("%s", keyerr)));
	}
	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");
	governance_audit_wait_own_events();
	files = governance_sink_files();
	initStringInfo(&line);
	/* The trail starts where its first file's name says, or at the anchor. */
	alen = governance_anchor_read(anchor, sizeof(anchor));
	if (!gov_audit_walk_start_trail(&walk, files != NIL ? gov_audit_file_first_seq(linitial(files)) : 0,
									alen >= 0 ? anchor : NULL, Max(alen, 0), &ring,
									&bad_seq, why, sizeof(why)))
		bad_file = linitial(files);
	foreach(lc, files)
	{
		FILE	   *f;

		if (bad_file != NULL)
			break;
		f = AllocateFile(lfirst(lc), "r");
		if (f == NULL)
			ereport(ERROR,
					(errcode_for_file_access(),
					 errmsg("could not open audit file \"%s\": %m", (char *) lfirst(lc))));
		while (bad_file == NULL && gov_read_line(f, &line))
		{
			if (!gov_audit_walk_line(&walk, line.data, line.len, &bad_seq, why, sizeof(why)))
				bad_file = lfirst(lc);
		}
		FreeFile(f);
	}

	/*
	 * The trail must end under the configured key (the first of the ring):
	 * ending under a retired one, it was either not yet rolled by the
	 * worker, or lines were cut after the roll and forged with the
	 * retired key, which whoever held it could do.
	 */
	if (bad_file == NULL && !gov_audit_walk_end(&walk, why, sizeof(why)))
	{
		bad_file = linitial(files);
		bad_seq = walk.key_since;
	}
	else if (bad_file == NULL && walk.key > 0)
	{
		bad_file = llast(files);
		bad_seq = walk.key_since;
		snprintf(why, sizeof(why), "the trail ends under key %s, not under the configured key %s: from sequence number %llu on it is chained with a retired key (a reload has not reached the audit worker yet, or lines were forged with a retired key after the roll)",
				 ring.keys[walk.key].id, ring.keys[0].id, (unsigned long long) walk.key_since);
	}
	gov_audit_keyring_free(&ring);
	values[0] = BoolGetDatum(bad_file == NULL);
	values[1] = Int64GetDatum((int64) walk.events);
	if (bad_file != NULL)
	{
		values[2] = Int64GetDatum((int64) bad_seq);
		values[3] = CStringGetTextDatum(bad_file);
		values[4] = CStringGetTextDatum(why);
	}
	else
		nulls[2] = nulls[3] = nulls[4] = true;
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(tupdesc, values, nulls)));
}

/* governance.audit_stats(): the pipeline's counters. */
PG_FUNCTION_INFO_V1(governance_audit_stats_1_0);
Datum
governance_audit_stats_1_0(PG_FUNCTION_ARGS)
{
	TupleDesc	tupdesc;
	GovAuditStats s;
	Datum		values[16];
	bool		nulls[16] = {0};
	bool		shipping;
	uint64		delivered;
	uint64		removed;
	TimestampTz last_removal;
	char		blocked[256];

	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");
	governance_ring_stats(&s);
	delivered = governance_ship_acked_seq(&shipping);
	governance_retention_status(&removed, &last_removal, blocked, sizeof(blocked));
	values[0] = Int64GetDatum((int64) s.enqueued);
	values[1] = Int64GetDatum((int64) s.written);
	values[2] = Int64GetDatum((int64) s.dropped);
	values[3] = Int64GetDatum((int64) s.lost);
	values[4] = Int64GetDatum((int64) s.ring_bytes);
	values[5] = Int64GetDatum((int64) s.ring_used);
	values[6] = Int64GetDatum((int64) s.high_water);
	values[7] = Int64GetDatum((int64) (s.worker_starts > 0 ? s.worker_starts - 1 : 0));
	values[8] = Int64GetDatum((int64) s.sink_errors);
	if (s.last_flush != 0)
		values[9] = TimestampTzGetDatum((TimestampTz) s.last_flush);
	else
		nulls[9] = true;
	values[10] = Int64GetDatum((int64) (s.next_seq > 0 ? s.next_seq - 1 : 0));
	values[11] = Int64GetDatum((int64) s.written_seq);
	values[12] = Int32GetDatum(s.worker_pid);
	nulls[12] = s.worker_pid == 0;
	values[13] = Int64GetDatum((int64) s.throttled);
	/* Events durable but not yet delivered to every configured sink. */
	values[14] = Int64GetDatum(s.written_seq > delivered ? (int64) (s.written_seq - delivered) : 0);
	nulls[14] = !shipping;
	values[15] = CStringGetTextDatum(blocked);
	nulls[15] = blocked[0] == '\0';
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(tupdesc, values, nulls)));
}

/*
 * The line of the event with sequence number seq, as jsonb, or NULL if the
 * trail does not hold it.  Files are named for their first sequence
 * number, so only the one file that can hold it is read.
 */
Jsonb *
governance_audit_event(uint64 seq)
{
	List	   *files = governance_sink_files();
	const char *path = NULL;
	ListCell   *lc;
	FILE	   *f;
	StringInfoData line;
	char		prefix[32];
	Jsonb	   *result = NULL;

	foreach(lc, files)
	{
		if (gov_audit_file_first_seq(lfirst(lc)) > seq)
			break;
		path = lfirst(lc);
	}
	if (path == NULL || (f = AllocateFile(path, "r")) == NULL)
		return NULL;
	snprintf(prefix, sizeof(prefix), "{\"seq\":" UINT64_FORMAT ",", seq);
	initStringInfo(&line);
	while (gov_read_line(f, &line))
		if (strncmp(line.data, prefix, strlen(prefix)) == 0)
		{
			result = DatumGetJsonbP(DirectFunctionCall1(jsonb_in,
														CStringGetDatum(line.data)));
			break;
		}
	FreeFile(f);
	pfree(line.data);
	return result;
}
