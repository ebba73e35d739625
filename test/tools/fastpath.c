/*-------------------------------------------------------------------------
 *
 * fastpath.c
 *	  A libpq client that calls one function by the fastpath protocol
 *	  (message 'F', PQfn), as the large-object functions of every driver
 *	  do, after running some SQL in the same session.
 *
 * Usage: fastpath CONNINFO SETUP-SQL SIGNATURE [ARG ...]
 *   The function is looked up first; then SETUP-SQL runs, one transaction
 *   a line (empty: nothing; errors are reported on stderr and ignored).  A
 *   line "\fn SIGNATURE [ARG ...]" is a fastpath call of its own (its
 *   result or error on stderr), and "\sleep SECONDS" waits, so that calls
 *   can follow each other with no SQL in between, as libpq's large-object
 *   functions make them.  SIGNATURE is a regprocedure such as
 *   'pg_catalog.setval(regclass,bigint)'; each ARG is i4:N, i8:N or t:TEXT,
 *   sent in binary.  Prints "result: <bytes in hex>" or "error: <SQLSTATE>
 *   <message>" for the last call and exits 0 either way (1 on usage or
 *   connection failure).
 *
 * test/tools/fastpath.c
 *
 *-------------------------------------------------------------------------
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>

#include "libpq-fe.h"

static void
print_error(PGresult *res, PGconn *conn)
{
	const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
	const char *msg = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;

	printf("error: %s %s\n", state ? state : "?????",
		   msg ? msg : PQerrorMessage(conn));
}

#define MAX_ARGS 8

/* The OID of a function given by its signature, or 0 (error printed). */
static unsigned int
lookup(PGconn *conn, const char *signature)
{
	char		q[512];
	PGresult   *res;
	unsigned int fnoid;

	snprintf(q, sizeof(q), "SELECT '%s'::regprocedure::oid", signature);
	res = PQexec(conn, q);
	if (PQresultStatus(res) != PGRES_TUPLES_OK)
	{
		print_error(res, conn);
		PQclear(res);
		return 0;
	}
	fnoid = (unsigned int) strtoul(PQgetvalue(res, 0, 0), NULL, 10);
	PQclear(res);
	return fnoid;
}

/* Call fnoid by fastpath with args as given; print the outcome to out. */
static void
call(PGconn *conn, unsigned int fnoid, char **argv, int nargs, FILE *out)
{
	PQArgBlock	args[MAX_ARGS];
	uint64_t	big[MAX_ARGS];
	char		buf[1024];
	int			len = 0;
	PGresult   *res;

	for (int i = 0; i < nargs; i++)
	{
		const char *a = argv[i];

		if (strncmp(a, "i4:", 3) == 0)
		{
			args[i].isint = 1;
			args[i].len = 4;
			args[i].u.integer = atoi(a + 3);
		}
		else if (strncmp(a, "i8:", 3) == 0)
		{
			uint64_t	v = (uint64_t) strtoll(a + 3, NULL, 10);

			big[i] = ((uint64_t) htonl((uint32_t) v) << 32) | htonl((uint32_t) (v >> 32));
			args[i].isint = 0;
			args[i].len = 8;
			args[i].u.ptr = (int *) &big[i];
		}
		else if (strncmp(a, "t:", 2) == 0)
		{
			args[i].isint = 0;
			args[i].len = (int) strlen(a + 2);
			args[i].u.ptr = (int *) (a + 2);
		}
		else
		{
			fprintf(stderr, "bad argument: %s\n", a);
			exit(1);
		}
	}
	memset(buf, 0, sizeof(buf));
	res = PQfn(conn, (int) fnoid, (int *) buf, &len, 0, args, nargs);
	if (PQresultStatus(res) != PGRES_COMMAND_OK)
	{
		const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
		const char *msg = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);

		fprintf(out, "error: %s %s\n", state ? state : "?????",
				msg ? msg : PQerrorMessage(conn));
	}
	else
	{
		fprintf(out, "result:");
		for (int i = 0; i < len && i < (int) sizeof(buf); i++)
			fprintf(out, "%02x", (unsigned char) buf[i]);
		fprintf(out, "\n");
	}
	PQclear(res);
}

/*
 * A "\fn SIGNATURE ARG..." line of the setup, split at blanks in place.
 * Every function is looked up before the setup runs: a lookup is an SQL
 * statement, and calls must follow each other with none in between.
 */
typedef struct SetupCall
{
	unsigned int fnoid;
	char	   *words[MAX_ARGS + 1];
	int			n;
} SetupCall;

static void
setup_parse(PGconn *conn, char *line, SetupCall *c)
{
	char	   *rest = line;

	c->n = 0;
	c->fnoid = 0;
	for (char *w = strtok_r(rest, " ", &rest); w != NULL && c->n <= MAX_ARGS;
		 w = strtok_r(NULL, " ", &rest))
		c->words[c->n++] = w;
	if (c->n > 0)
		c->fnoid = lookup(conn, c->words[0]);
}

static void
setup_call(PGconn *conn, SetupCall *c)
{
	if (c->fnoid == 0)
		return;
	fprintf(stderr, "\\fn %s: ", c->words[0]);
	call(conn, c->fnoid, c->words + 1, c->n - 1, stderr);
}

int
main(int argc, char **argv)
{
	PGconn	   *conn;
	PGresult   *res;
	int			nargs = argc - 4;
	unsigned int fnoid;
	char	   *next;
	char	   *lines[64];
	SetupCall	calls[64];
	int			nlines = 0;

	if (argc < 4 || nargs > MAX_ARGS)
	{
		fprintf(stderr, "usage: fastpath CONNINFO SETUP-SQL SIGNATURE [ARG ...]\n");
		return 1;
	}
	conn = PQconnectdb(argv[1]);
	if (PQstatus(conn) != CONNECTION_OK)
	{
		fprintf(stderr, "%s", PQerrorMessage(conn));
		return 1;
	}
	if ((fnoid = lookup(conn, argv[3])) == 0)
		return 0;

	/* Each line of SETUP-SQL is one transaction; its errors are ignored. */
	for (char *line = strtok_r(argv[2], "\n", &next); line != NULL && nlines < 64;
		 line = strtok_r(NULL, "\n", &next))
		lines[nlines++] = line;
	for (int i = 0; i < nlines; i++)
		if (strncmp(lines[i], "\\fn ", 4) == 0)
			setup_parse(conn, lines[i] + 4, &calls[i]);
	for (int i = 0; i < nlines; i++)
	{
		if (strncmp(lines[i], "\\fn ", 4) == 0)
		{
			setup_call(conn, &calls[i]);
			continue;
		}
		if (strncmp(lines[i], "\\sleep ", 7) == 0)
		{
			sleep((unsigned int) atoi(lines[i] + 7));
			continue;
		}
		res = PQexec(conn, lines[i]);
		if (PQresultStatus(res) != PGRES_COMMAND_OK &&
			PQresultStatus(res) != PGRES_TUPLES_OK)
			fprintf(stderr, "setup: %s", PQerrorMessage(conn));
		PQclear(res);
	}
	call(conn, fnoid, argv + 4, nargs, stdout);
	PQfinish(conn);
	return 0;
}
