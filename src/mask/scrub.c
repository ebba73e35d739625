/*-------------------------------------------------------------------------
 *
 * scrub.c
 *	  Error messages must not show a masked identity the clear values its
 *	  queries cannot read.
 *
 * Constraint violations echo row contents: "Failing row contains (...)"
 * for NOT NULL, CHECK, partition routing and WITH CHECK OPTION, and
 * "Key (email)=(...)" for unique, exclusion and foreign keys.  An UPDATE
 * of one column by a masked identity would make the server print the
 * stored, clear values of every other column of the row.  For such an
 * identity the detail of these errors is replaced before it is sent; the
 * server log keeps the original (detail_log), for the DBA.
 *
 * The log hook (src/hooks/hooks.c) calls it while an error is being
 * reported, possibly in an aborted transaction: it does no catalog access and uses the masked state as last
 * computed (unknown counts as masked).
 *
 * src/mask/scrub.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "governance/mask.h"
#include "utils/elog.h"

/* Errors whose detail may quote stored row contents. */
static bool
gov_quotes_rows(int sqlerrcode)
{
	return ERRCODE_TO_CATEGORY(sqlerrcode) == ERRCODE_INTEGRITY_CONSTRAINT_VIOLATION ||
		sqlerrcode == ERRCODE_WITH_CHECK_OPTION_VIOLATION;
}

#define GOV_ROWS_HIDDEN "Row contents are not shown to an identity that reads labelled columns masked."

/* Hide the row contents an error's detail quotes; did it change? */
static bool
gov_scrub_error(ErrorData *edata)
{
	if (edata->elevel >= ERROR && edata->detail != NULL &&
		gov_quotes_rows(edata->sqlerrcode) && governance_mask_state_masked_any() &&
		strcmp(edata->detail, GOV_ROWS_HIDDEN) != 0)
	{
		if (edata->detail_log == NULL)
			edata->detail_log = edata->detail;
		edata->detail = pstrdup(GOV_ROWS_HIDDEN);
		return true;
	}
	return false;
}

/* An error or message about to be emitted. */
void
governance_mask_scrub_log(ErrorData *edata)
{
	(void) gov_scrub_error(edata);
}

/*
 * An error a statement raised, on its way to whoever catches it: an
 * exception block reads its detail (GET STACKED DIAGNOSTICS) without the
 * error ever being emitted, so row contents are hidden where the
 * statement ends, not only when the error is logged or sent.  Called in
 * PG_CATCH with the memory context of before PG_TRY; never returns.
 */
void
governance_mask_rethrow_scrubbed(MemoryContext cxt)
{
	MemoryContext ecxt;
	ErrorData  *edata;

	if (!governance_mask_state_masked_any())
		PG_RE_THROW();
	ecxt = MemoryContextSwitchTo(cxt);
	edata = CopyErrorData();
	if (gov_scrub_error(edata))
	{
		FlushErrorState();
		ReThrowError(edata);
	}
	FreeErrorData(edata);
	MemoryContextSwitchTo(ecxt);
	PG_RE_THROW();
}
