/*-------------------------------------------------------------------------
 *
 * check.h
 *	  The one assertion the unit tests share: a case prints "ok" or
 *	  "FAIL" and its name, and is counted; check_summary() prints
 *	  "N passed, N failed" and gives the exit status.
 *
 * test/unit/check.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef GOVERNANCE_UNIT_CHECK_H
#define GOVERNANCE_UNIT_CHECK_H

#include <stdarg.h>
#include <stdio.h>

static int	npassed = 0;
static int	nfailed = 0;

/* One case: ok or not, with a reason printed when it is not. */
static void
check(int ok, const char *name, const char *fmt, ...)
{
	va_list		ap;

	printf("%s %s", ok ? "ok  " : "FAIL", name);
	if (!ok && fmt)
	{
		printf(": ");
		va_start(ap, fmt);
		vprintf(fmt, ap);
		va_end(ap);
	}
	printf("\n");
	if (ok)
		npassed++;
	else
		nfailed++;
}

static int
check_summary(void)
{
	printf("%d passed, %d failed\n", npassed, nfailed);
	return nfailed == 0 ? 0 : 1;
}

#endif							/* GOVERNANCE_UNIT_CHECK_H */
