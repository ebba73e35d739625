/*-------------------------------------------------------------------------
 *
 * subxact.c
 *	  Running a step that may fail in a subtransaction of its own, its
 *	  error caught for the caller to judge.
 *
 * Discovery samples a table (and plans the sample as its owner) and the
 * output scan tries whether a type's input takes a redaction: steps whose
 * failure is the table's or the type's, not the statement's.  Each runs
 * here; the caller decides from the error whether the statement goes on
 * or fails after all (an interrupt, no memory).
 *
 * src/common/subxact.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xact.h"
#include "governance/common.h"
#include "utils/memutils.h"
#include "utils/resowner.h"

/*
 * Run fn(arg) in a subtransaction of its own.  NULL if it returned; else
 * the error it raised, copied into the caller's memory context, the
 * subtransaction rolled back (which also gives back the user id, the
 * security context and the settings changed inside it).  The caller
 * re-throws it (ReThrowError) or frees it (FreeErrorData).
 */
ErrorData *
governance_subxact_try(void (*fn) (void *arg), void *arg)
{
	MemoryContext cxt = CurrentMemoryContext;
	ResourceOwner owner = CurrentResourceOwner;
	ErrorData  *volatile edata = NULL;

	BeginInternalSubTransaction(NULL);
	MemoryContextSwitchTo(cxt);
	PG_TRY();
	{
		fn(arg);
		ReleaseCurrentSubTransaction();
	}
	PG_CATCH();
	{
		MemoryContextSwitchTo(cxt);
		edata = CopyErrorData();
		FlushErrorState();
		RollbackAndReleaseCurrentSubTransaction();
	}
	PG_END_TRY();
	MemoryContextSwitchTo(cxt);
	CurrentResourceOwner = owner;
	return edata;
}
