/*-------------------------------------------------------------------------
 *
 * discover_sql.c
 *	  The detectors and the column scoring as SQL functions:
 *	  governance.detect(value) and governance.detect_column(name, type).
 *
 * Both look at what they are given and nothing else: they read no table,
 * so anyone may call them.  A masked identity that passes a labelled
 * column to detect() passes its mask, since the rewrite masks the read.
 *
 * src/discover/discover_sql.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "funcapi.h"
#include "governance/common_detect.h"
#include "governance/discover.h"
#include "utils/builtins.h"

/*
 * governance.detect(value text) RETURNS text: the detector whose
 * whole-value rule accepts the value, or NULL.
 */
PG_FUNCTION_INFO_V1(governance_detect_1_0);
Datum
governance_detect_1_0(PG_FUNCTION_ARGS)
{
	text	   *value = PG_GETARG_TEXT_PP(0);
	GovDetector d = governance_detect_value(VARDATA_ANY(value),
											VARSIZE_ANY_EXHDR(value));

	if (d == GOV_DETECT_NONE)
		PG_RETURN_NULL();
	PG_RETURN_TEXT_P(cstring_to_text(governance_detector_name(d)));
}

/*
 * governance.detect_column(column_name text, column_type regtype)
 *	 RETURNS (label text, confidence real, evidence text): what the name
 *	 rules propose for a column of that name, as far as its type allows
 *	 (NULL type: the name alone), as governance.auto_label would; all
 *	 NULL when nothing is proposed.
 */
PG_FUNCTION_INFO_V1(governance_detect_column_1_0);
Datum
governance_detect_column_1_0(PG_FUNCTION_ARGS)
{
	TupleDesc	desc;
	Datum		values[3];
	bool		nulls[3] = {true, true, true};
	char	   *name;
	GovProposal p;

	if (get_call_result_type(fcinfo, NULL, &desc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");
	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("column_name must not be null")));
	name = text_to_cstring(PG_GETARG_TEXT_PP(0));
	if (PG_ARGISNULL(1))
	{
		float		c = 0;
		const char *ev = NULL;

		p.label = governance_detect_name(name, strlen(name), &c, &ev);
		p.confidence = c;
		strlcpy(p.evidence, ev ? ev : "", sizeof(p.evidence));
	}
	else
		governance_score_column(name, PG_GETARG_OID(1), NULL, NULL, &p);
	if (p.label != NULL)
	{
		values[0] = CStringGetTextDatum(p.label);
		values[1] = Float4GetDatum(p.confidence);
		values[2] = CStringGetTextDatum(p.evidence);
		nulls[0] = nulls[1] = nulls[2] = false;
	}
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(BlessTupleDesc(desc),
													  values, nulls)));
}
