/*-------------------------------------------------------------------------
 *
 * fastpath.c
 *	  A libpq client that calls one function by the fastpath protocol
 *	  (message 'F', PQfn), as the large-object functions of every driver
 *	  do, after running some SQL in the same session.
 *
 * Usage: fastpath CONNINFO SETUP-SQL SIGNATURE [ARG ...]
 *   The function is looked up first; then SETUP-SQL runs, one transaction a line (empty: nothing; errors
 *   are reported on stderr and ignored); SIGNATURE is a regprocedure
 *   such as 'pg_catalog.setval(regclass,bigint)'; each ARG is i4:N, i8:N
 *   or t:TEXT, sent in binary.  Prints "result: <int or text>" or
 *   "error: <SQLSTATE> <message>" and exits 0 either way (1 on usage or
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

int
main(int argc, char **argv)
{
	PGconn	   *conn;
	PGresult   *res;
	PQArgBlock	args[8];
	uint64_t	big[8];
	char		buf[1024];
	int			nargs = argc - 4;
	int			len = 0;
	char		oidq[512];
	unsigned int fnoid;

	if (argc < 4 || nargs > 8)
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
	snprintf(oidq, sizeof(oidq), "SELECT '%s'::regprocedure::oid", argv[3]);
	res = PQexec(conn, oidq);
	if (PQresultStatus(res) != PGRES_TUPLES_OK)
	{
		print_error(res, conn);
		return 0;
	}
	fnoid = (unsigned int) strtoul(PQgetvalue(res, 0, 0), NULL, 10);
	PQclear(res);

	/* Each line of SETUP-SQL is one transaction; its errors are ignored. */
	for (char *line = strtok(argv[2], "\n"); line != NULL; line = strtok(NULL, "\n"))
	{
		res = PQexec(conn, line);
		if (PQresultStatus(res) != PGRES_COMMAND_OK &&
			PQresultStatus(res) != PGRES_TUPLES_OK)
			fprintf(stderr, "setup: %s", PQerrorMessage(conn));
		PQclear(res);
	}
	for (int i = 0; i < nargs; i++)
	{
		const char *a = argv[4 + i];

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
			return 1;
		}
	}
	memset(buf, 0, sizeof(buf));
	res = PQfn(conn, (int) fnoid, (int *) buf, &len, 0, args, nargs);
	if (PQresultStatus(res) != PGRES_COMMAND_OK)
		print_error(res, conn);
	else
	{
		printf("result:");
		for (int i = 0; i < len && i < (int) sizeof(buf); i++)
			printf("%02x", (unsigned char) buf[i]);
		printf("\n");
	}
	PQclear(res);
	PQfinish(conn);
	return 0;
}
