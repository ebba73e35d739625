/*-------------------------------------------------------------------------
 *
 * outscan_messages.c
 *	  The output scan's messages: the fields of an error or notice, the
 *	  payload of a notification, the value of a reported setting, as they
 *	  go to the client of a masked identity or to the server log.
 *
 * A NOTICE a function raises, an error that quotes a value, a NOTIFY
 * payload, a setting made from a value read (set_config()) all carry data
 * to the client without passing a receiver.  For a masked identity under
 * the scan (governance.output_scan on, and the statement's own role a
 * masked identity or not known not to be one:
 * governance_identity_masked_last(), which reads no catalog), every such
 * string in which a detector fires is replaced by the redaction of the
 * output scan, "[redacted: <detector>]".  When an error's internal query
 * is replaced, its position in it (internalpos, the 'p' field) goes too:
 * the excerpt a client shows would point into the redaction.
 *
 * The rule that closes the class: every message the backend sends its
 * client goes through PqCommMethods->putmessage (or _noblock), which the
 * hook layer wraps for each client backend once it is connected
 * (src/hooks/wire.c).  The wrapper hands each message here: the types that
 * carry text (ErrorResponse, NoticeResponse, NotificationResponse,
 * ParameterStatus) are rewritten when a detector fires in one of their
 * strings; any other type (a DataRow among them: rows pass the receiver)
 * is sent as it is after a switch on its type byte.  Whether a message is
 * also logged (log_min_messages) does not matter to the client: the
 * server log is scrubbed separately, by governance_outscan_scrub_message()
 * from the log hook, for the messages that are logged.
 *
 * The wire scrub runs while a message is being sent, often while an error
 * is being reported: it reads no catalog, raises no error and allocates
 * only with MCXT_ALLOC_NO_OOM, in the caller's memory context (the error
 * context while an error is reported), freeing what it took once the
 * message is sent.  The redactions it writes are made once, when the
 * wrapper is installed.  If the memory for the rewritten message cannot
 * be had, the message is still rewritten, into a fixed buffer on the
 * caller's stack: each string in which a detector fires, or longer than
 * GOV_OUT_WIRE_KEEP bytes, becomes GOV_OUT_WIRE_WITHHELD, and an error's
 * fields that do not fit are left out.  A message in which a detector
 * fires is never sent as it was.
 *
 * src/mask/outscan_messages.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/parallel.h"
#include "catalog/namespace.h"
#include "governance/common.h"
#include "governance/common_detect.h"
#include "governance/mask.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "outscan_internal.h"
#include "utils/memutils.h"

/*
 * When the rewritten message cannot be allocated: the text a string that
 * fired, or that is too long to keep, is replaced by, and how long a
 * string may be to be kept (a severity, an SQLSTATE, a channel's name).
 */
#define GOV_OUT_WIRE_WITHHELD "[redacted: out of memory]"
#define GOV_OUT_WIRE_KEEP 64

/* The redaction of each detector, for the wire: made before it is needed. */
static const char *gov_wire_redactions[GOV_DETECT_COUNT];

/*
 * How a message's strings are laid out: after a fixed header of header
 * bytes, NUL-terminated strings to the end of the message; if typed, each
 * led by a field type byte, the list ended by a zero byte.
 */
typedef struct GovWireLayout
{
	size_t		header;			/* bytes before the first string */
	bool		typed;			/* each string led by a type byte */
	size_t		trailer;		/* bytes after each string, kept */
} GovWireLayout;

/*
 * The conversion from the client's encoding to the server's, for the wire:
 * a message is scrubbed as it is sent, after the server converted it to
 * the client's encoding, and the detectors read the server's (UTF-8:
 * fullwidth digits, a bullet between a card's groups).  Looked up where
 * the catalogs can be read (governance_outscan_wire_encoding(), at each
 * statement of a masked identity that hands rows on, and after each SET
 * or RESET statement, PL/pgSQL's included), used where they cannot;
 * gov_wire_client is -1 when nothing is cached.
 */
static int	gov_wire_client = -1;
static int	gov_wire_server = -1;
static bool gov_wire_converts = false;
static FmgrInfo gov_wire_conv;

/*
 * The conversion from the database's encoding to UTF-8, which the
 * detectors read, where the database's is another (not SQL_ASCII, whose
 * bytes have no encoding to convert from): looked up with the wire's.
 * gov_out_not_utf8 is true until the database is known to be UTF-8 or
 * SQL_ASCII (gov_out_detect() asks gov_out_detect_utf8() meanwhile);
 * gov_utf8_converts once the conversion is looked up.
 */
bool		gov_out_not_utf8 = true;
static bool gov_utf8_looked_up = false;
static bool gov_utf8_converts = false;
static FmgrInfo gov_utf8_conv;

void
governance_outscan_wire_encoding(void)
{
	int			client = pg_get_client_encoding(),
				server = GetDatabaseEncoding();
	Oid			proc;

	if (!gov_utf8_looked_up)
	{
		gov_out_not_utf8 = server != PG_UTF8 && server != PG_SQL_ASCII;
		if (gov_out_not_utf8)
		{
			/* none (MULE_INTERNAL): what is not ASCII is withheld */
			proc = FindDefaultConversionProc(server, PG_UTF8);
			if (OidIsValid(proc))
			{
				fmgr_info_cxt(proc, &gov_utf8_conv, TopMemoryContext);
				gov_utf8_converts = true;
			}
		}
		gov_utf8_looked_up = true;
	}
	if (client == gov_wire_client && server == gov_wire_server)
		return;
	gov_wire_client = -1;
	gov_wire_converts = false;
	if (client != server && client != PG_SQL_ASCII && server != PG_SQL_ASCII)
	{
		proc = FindDefaultConversionProc(client, server);
		if (!OidIsValid(proc))
			return;
		fmgr_info_cxt(proc, &gov_wire_conv, TopMemoryContext);
		gov_wire_converts = true;
	}
	gov_wire_client = client;
	gov_wire_server = server;
}

/* Is s[0, len) ASCII? */
static bool
gov_ascii(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (IS_HIGHBIT_SET(s[i]))
			return false;
	return true;
}

/*
 * s[0, len) converted by conv from encoding from to encoding to, NUL
 * terminated, in a new allocation; NULL if it cannot be converted whole
 * (a character the conversion refuses, no error raised) or memory runs
 * out.
 */
static char *
gov_convert(FmgrInfo *conv, int from, int to, const char *s, size_t len)
{
	char	   *buf;
	int			done;

	if (len > MaxAllocSize / MAX_CONVERSION_GROWTH - 1)
		return NULL;
	buf = MemoryContextAllocExtended(CurrentMemoryContext,
									 len * MAX_CONVERSION_GROWTH + 1, MCXT_ALLOC_NO_OOM);
	if (buf == NULL)
		return NULL;
	buf[0] = '\0';
	done = DatumGetInt32(FunctionCall6(conv, Int32GetDatum(from), Int32GetDatum(to),
									   CStringGetDatum(s), CStringGetDatum(buf),
									   Int32GetDatum((int) len), BoolGetDatum(true)));
	if (done < 0 || (size_t) done < len)
	{
		pfree(buf);
		return NULL;
	}
	return buf;
}

/*
 * A string of the database's encoding, not UTF-8, read converted to UTF-8
 * (gov_out_detect()): its characters beyond ASCII (fullwidth digits, a
 * dash or a bullet between a card's groups) are in another byte form
 * than the detectors read.  A string that cannot be converted whole, or
 * for which memory runs out, is withheld, as a card (fail closed).
 */
GovDetector
gov_out_detect_utf8(const char *s, size_t len)
{
	GovDetector d;
	char	   *buf;

	/*
	 * Not looked up yet (a message before the session's first statement
	 * was planned): a database known to be UTF-8 needs nothing, and is
	 * remembered; SQL_ASCII is also the encoding before the database is
	 * known, so it is not.
	 */
	if (!gov_utf8_looked_up)
	{
		int			server = GetDatabaseEncoding();

		if (server == PG_UTF8)
			gov_out_not_utf8 = false;
		if (server == PG_UTF8 || server == PG_SQL_ASCII)
			return GOV_DETECT_NONE;
	}
	if (gov_ascii(s, len))
		return GOV_DETECT_NONE;
	if (!gov_utf8_converts ||
		(buf = gov_convert(&gov_utf8_conv, GetDatabaseEncoding(), PG_UTF8, s, len)) == NULL)
		return GOV_DETECT_CARD;
	d = governance_detect_secret(buf, strlen(buf));
	pfree(buf);
	return d;
}

/*
 * The detector that fires in a string of a message as sent: as its bytes,
 * then, if the client's encoding is another and the string is not ASCII,
 * converted back to the server's; a string that cannot be read back
 * whole is withheld, as a card.
 */
static GovDetector
gov_wire_detect(const char *s, size_t len)
{
	int			client = pg_get_client_encoding();
	GovDetector d;
	char	   *buf;

	if (len < GOV_OUT_MIN_SECRET)
		return GOV_DETECT_NONE;
	/* sent as the server wrote it: read as the server's text */
	if (client == GetDatabaseEncoding())
		return gov_out_detect(s, len);
	/* in another encoding: its ASCII secrets as they are */
	d = governance_detect_secret(s, len);
	if (d != GOV_DETECT_NONE)
		return d;
	if (gov_ascii(s, len))
		return GOV_DETECT_NONE;

	/*
	 * The conversion back is not known: nothing was planned yet in the
	 * session (an error in its first statement's text), or the client's
	 * encoding changed since, by no SET statement (set_config(), say):
	 * fail closed.
	 */
	if (client != gov_wire_client)
		return GOV_DETECT_CARD;
	/* SQL_ASCII on either side: no conversion, the server's bytes */
	if (!gov_wire_converts)
		return gov_out_detect(s, len);
	/*
	 * A conversion with no error stops at a character it cannot convert:
	 * the server's own conversions to JOHAB write fullwidth digits and
	 * the separators of a card (U+00B7, U+3000, U+FF0D ...) as bytes that
	 * JOHAB's conversion back refuses, GBK's the euro sign.  What cannot
	 * be read cannot be cleared: such a string is withheld (fail closed),
	 * as one too long to convert or when memory runs out.
	 */
	buf = gov_convert(&gov_wire_conv, gov_wire_client, gov_wire_server, s, len);
	if (buf == NULL)
		return GOV_DETECT_CARD;
	d = gov_out_detect(buf, strlen(buf));
	pfree(buf);
	return d;
}

/* Replace a message's field in which a detector fires; true if it did. */
static bool
gov_scrub_field(char **field)
{
	GovDetector d;

	if (*field == NULL ||
		(d = gov_out_detect(*field, strlen(*field))) == GOV_DETECT_NONE)
		return false;
	*field = pstrdup(gov_out_redaction(1U << d));
	return true;
}

/*
 * A message is about to be logged (the log hook): for a masked identity
 * under the scan, each field the log writes in which a detector fires is
 * replaced by the redaction, whether or not the client gets the message
 * too (a WARNING under client_min_messages = error is logged alone).  The
 * client's copy is scrubbed where it is sent (governance_outscan_wire()),
 * whether or not the message is logged; a message replaced here reaches
 * it replaced.  Messages of processes with no client (workers) are left
 * as they are.  This may run where the catalogs cannot be read.
 */
void
governance_outscan_scrub_message(ErrorData *edata)
{
	if (!governance_output_scan || MyProcPort == NULL || IsParallelWorker() ||
		!governance_identity_masked_last())
		return;
	gov_scrub_field(&edata->message);
	gov_scrub_field(&edata->detail);
	gov_scrub_field(&edata->hint);
	gov_scrub_field(&edata->context);
	/* RAISE ... USING SCHEMA, TABLE, COLUMN, DATATYPE, CONSTRAINT take any text */
	gov_scrub_field(&edata->schema_name);
	gov_scrub_field(&edata->table_name);
	gov_scrub_field(&edata->column_name);
	gov_scrub_field(&edata->datatype_name);
	gov_scrub_field(&edata->constraint_name);
	if (gov_scrub_field(&edata->internalquery))
		edata->internalpos = 0;	/* its excerpt would point into the redaction */
}

/*
 * The wire scrub is about to be installed in this backend: the redactions
 * it writes are made now, where an error can still be raised.
 */
void
governance_outscan_wire_prepare(void)
{
	MemoryContext old = MemoryContextSwitchTo(TopMemoryContext);

	for (int d = 1; d < GOV_DETECT_COUNT; d++)
		if (gov_wire_redactions[d] == NULL)
			gov_wire_redactions[d] = gov_out_redaction(1U << d);
	MemoryContextSwitchTo(old);
}

/* Append len bytes to out (if given) at *n. */
static inline void
gov_wire_put(char *out, size_t *n, const char *s, size_t len)
{
	if (out != NULL)
		memcpy(out + *n, s, len);
	*n += len;
}

/* One pass over a message's strings (gov_wire_rewrite()). */
typedef struct GovWirePass
{
	bool		fallback;		/* no memory for the copy: see the header */
	bool		drop_pos;		/* leave the internal position ('p') out */
	bool		fired;			/* out: a detector fired in a string */
	bool		query_fired;	/* out: in the internal query ('q') */
} GovWirePass;

/*
 * Write message s into out, of cap bytes, each string in which a detector
 * fires replaced by its redaction; with out NULL, only count.  Returns the
 * length.  For the fallback (no memory for the copy), a string that fired
 * or is longer than GOV_OUT_WIRE_KEEP is replaced by
 * GOV_OUT_WIRE_WITHHELD, and the typed fields that no longer fit in out
 * are left out.  A string that runs to the end of a malformed message is
 * taken whole and terminated.
 */
static size_t
gov_wire_rewrite(const char *s, size_t len, const GovWireLayout *lay,
				 char *out, size_t cap, GovWirePass *pass)
{
	size_t		pos = Min(lay->header, len);
	size_t		n = 0;

	pass->fired = false;
	pass->query_fired = false;
	gov_wire_put(out, &n, s, pos);
	while (pos < len)
	{
		char		type = lay->typed ? s[pos] : '\0';
		const char *str = s + pos + (lay->typed ? 1 : 0);
		size_t		slen = strnlen(str, s + len - str);
		const char *repl = NULL;
		size_t		rlen;
		GovDetector d;

		if (lay->typed && type == '\0')
			break;
		pos = (str - s) + slen + 1;
		if (lay->typed && pass->drop_pos && type == PG_DIAG_INTERNAL_POSITION)
			continue;
		d = gov_wire_detect(str, slen);
		if (d != GOV_DETECT_NONE)
		{
			pass->fired = true;
			if (type == PG_DIAG_INTERNAL_QUERY)
				pass->query_fired = true;
			repl = pass->fallback || gov_wire_redactions[d] == NULL ?
				GOV_OUT_WIRE_WITHHELD : gov_wire_redactions[d];
		}
		else if (pass->fallback && slen > GOV_OUT_WIRE_KEEP)
			repl = GOV_OUT_WIRE_WITHHELD;
		rlen = repl != NULL ? strlen(repl) : slen;

		/* the fallback: a field, its NUL and the list's end must fit */
		if (pass->fallback && n + (lay->typed ? 1 : 0) + rlen + 2 > cap)
			break;
		if (pass->fallback && n + rlen + 1 + lay->trailer > cap)
			break;
		if (lay->typed)
			gov_wire_put(out, &n, &type, 1);
		gov_wire_put(out, &n, repl != NULL ? repl : str, rlen);
		gov_wire_put(out, &n, "", 1);
		if (lay->trailer > 0)
		{
			size_t		t = Min(lay->trailer, len - Min(pos, len));

			gov_wire_put(out, &n, s + pos, t);
			pos += t;
		}
	}
	if (lay->typed)
		gov_wire_put(out, &n, "", 1);
	Assert(out == NULL || n <= cap);
	return n;
}

/*
 * A protocol message of type msgtype is about to be sent to the client:
 * false if it goes as it is; true if w holds what to send instead (the
 * message with each string in which a detector fires replaced), to be
 * released by governance_outscan_wire_sent() once sent.  Raises no error.
 * The types read are those governance_outscan_wire_reads() names.
 */
bool
governance_outscan_wire(char msgtype, const char *s, size_t len, GovOutWire *w)
{
	GovWireLayout lay;
	GovWirePass pass = {0};
	size_t		need;

	switch (msgtype)
	{
		case 'E':				/* ErrorResponse */
		case 'N':				/* NoticeResponse */
			lay.header = 0;
			lay.typed = true;
			lay.trailer = 0;
			break;
		case 'A':				/* NotificationResponse: pid, channel, payload */
			lay.header = 4;
			lay.typed = false;
			lay.trailer = 0;
			break;
		case 'S':				/* ParameterStatus: name, value */
			lay.header = 0;
			lay.typed = false;
			lay.trailer = 0;
			break;
		case 'T':

			/*
			 * RowDescription: a count, then each column's name and 18
			 * bytes (table, column number, type, length, modifier,
			 * format).  A column can be named from data (a view or an
			 * alias written by dynamic SQL from a value read).
			 */
			lay.header = 2;
			lay.typed = false;
			lay.trailer = 18;
			break;
		default:
			return false;
	}
	if (!governance_output_scan || !governance_identity_masked_last())
		return false;

	need = gov_wire_rewrite(s, len, &lay, NULL, 0, &pass);
	if (!pass.fired)
		return false;
	pass.drop_pos = pass.query_fired;
	w->copy = NULL;
	if (AllocSizeIsValid(need))
		w->copy = MemoryContextAllocExtended(CurrentMemoryContext, need,
											 MCXT_ALLOC_NO_OOM);
	if (w->copy != NULL)
	{
		w->len = gov_wire_rewrite(s, len, &lay, w->copy, need, &pass);
		w->data = w->copy;
	}
	else
	{
		pass.fallback = true;
		w->len = gov_wire_rewrite(s, len, &lay, w->fallback,
								  sizeof(w->fallback), &pass);
		w->data = w->fallback;
	}
	return true;
}

/* The message governance_outscan_wire() rewrote was sent. */
void
governance_outscan_wire_sent(GovOutWire *w)
{
	if (w->copy != NULL)
		pfree(w->copy);
	w->copy = NULL;
}
