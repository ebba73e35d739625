/*-------------------------------------------------------------------------
 *
 * wire.c
 *	  The messages a client backend sends its client: a table of
 *	  PqCommMethods around the one in place, whose putmessage hands each
 *	  message to the output scan first.
 *
 * PostgreSQL has no hook for a message on its way to the client: the log
 * hook (emit_log_hook) sees only what the server logs, and a NOTICE below
 * log_min_messages reaches the client without it; a notification or a
 * reported setting passes no hook at all.  Every message the backend
 * sends its client, though, is handed to PqCommMethods->putmessage (or
 * putmessage_noblock): pq_endmessage() for what is built with pqformat.c,
 * the error reporting's send_message_to_frontend() among them.  So the
 * backend's table is replaced by one of ours that calls the same
 * functions but those two, which go through the output scan
 * (src/mask/outscan_messages.c) and then call the table's own.
 *
 * Installed once per client backend, from the ClientAuthentication hook:
 * after pq_init() set the table up for the client's socket, before any
 * statement runs.  Parallel workers and background workers never
 * authenticate a client (and a parallel worker's table sends to a shm_mq
 * the leader reads, where the leader's own table sends the messages on).
 * The table in place is chained, not assumed to be PostgreSQL's.
 *
 * The wrappers run while messages are being sent, an error's among them:
 * they raise no error, and the scan allocates nothing that can fail
 * (src/mask/outscan_messages.c says how it fails closed).  A row
 * (DataRow) and every other type not carrying free text costs a test of
 * its type byte.
 *
 * src/hooks/wire.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "governance/hooks.h"
#include "governance/mask.h"
#include "libpq/libpq.h"

/* The table in place before ours, and ours. */
static const PQcommMethods *prev_PqCommMethods = NULL;
static PQcommMethods gov_comm_methods;

/*
 * mask: no secret in a message to a masked identity's client.  The
 * messages the scan reads are handed to it out of line, so that a row
 * (DataRow) costs a test of its type and no more.
 */
static pg_noinline int
gov_putmessage_scanned(char msgtype, const char *s, size_t len, bool noblock)
{
	GovOutWire	w;
	int			result = 0;

	if (!governance_outscan_wire(msgtype, s, len, &w))
	{
		w.data = s;
		w.len = len;
		w.copy = NULL;
	}
	if (noblock)
		prev_PqCommMethods->putmessage_noblock(msgtype, w.data, w.len);
	else
		result = prev_PqCommMethods->putmessage(msgtype, w.data, w.len);
	governance_outscan_wire_sent(&w);
	return result;
}

static int
gov_putmessage(char msgtype, const char *s, size_t len)
{
	if (governance_outscan_wire_reads(msgtype))
		return gov_putmessage_scanned(msgtype, s, len, false);
	return prev_PqCommMethods->putmessage(msgtype, s, len);
}

static void
gov_putmessage_noblock(char msgtype, const char *s, size_t len)
{
	if (governance_outscan_wire_reads(msgtype))
		(void) gov_putmessage_scanned(msgtype, s, len, true);
	else
		prev_PqCommMethods->putmessage_noblock(msgtype, s, len);
}

/*
 * A client backend has authenticated its client (or is about to refuse
 * it): its messages to the client pass the output scan from now on.
 */
void
governance_hooks_wire_install(void)
{
	if (prev_PqCommMethods != NULL)
		return;
	governance_outscan_wire_prepare();
	prev_PqCommMethods = PqCommMethods;
	gov_comm_methods = *PqCommMethods;
	gov_comm_methods.putmessage = gov_putmessage;
	gov_comm_methods.putmessage_noblock = gov_putmessage_noblock;
	PqCommMethods = &gov_comm_methods;
}
