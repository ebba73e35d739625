/*-------------------------------------------------------------------------
 *
 * masks.c
 *	  The mask functions: the values a masked identity reads instead.
 *
 * Each mask kind is one SQL function governance.mask_<kind>(anyelement)
 * returning anyelement.  A mask always returns a value of the base type of
 * its argument, so a masked column keeps its type and every query over it
 * still plans.  For a domain argument, anyelement keeps the domain as the
 * declared result type although the value was never checked against the
 * domain's constraints (a redacted string need not satisfy them); a caller
 * that must not pass such a value off as the domain relabels the argument
 * to the base type first, and the result is then of that type.
 *
 * Which kinds produce which types is decided in one place,
 * gov_kind_supports(); the rewrite asks before it wraps a column, and the
 * functions check again, so a call that slipped through fails instead of
 * returning a value of the wrong type.
 *
 * The pseudonym is a keyed MAC of the value (pseudonym.c), so equal
 * values give equal pseudonyms and joins still work.  Whoever can compute
 * it for a value of their choosing can confirm a guess, so it is computed
 * only for the calls the rewrite makes (marked with
 * GOV_MASK_REWRITE_LOCATION) and for administrators.
 *
 * Per-call-site state (the resolved types and the outcome of the
 * privilege check) lives in fn_extra, in fn_mcxt.
 *
 * src/mask/masks.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <float.h>
#include <math.h>
#include <sys/socket.h>

#include "catalog/pg_type.h"
#include "fmgr.h"
#include "governance/mask.h"
#include "lib/stringinfo.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "nodes/primnodes.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/date.h"
#include "utils/datetime.h"
#include "utils/float.h"
#include "utils/inet.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/numeric.h"
#include "utils/timestamp.h"
#include "utils/uuid.h"

/* What a redacted string reads: always this long, so no length leaks. */
#define GOV_REDACTED			"********"

/* Pseudonymous dates fall in 1900-01-01 .. 2099-12-31. */
#define GOV_PSEUDONYM_DAYS		73049

static const char *const gov_kind_names[GOV_MASK_NKINDS] = {
	"partial", "email", "redact", "pseudonym", "null"
};

static const char *const gov_function_names[GOV_MASK_NKINDS] = {
	"mask_partial", "mask_email", "mask_redact", "mask_pseudonym", "mask_null"
};

/* For the error that refuses a type; keep in step with gov_kind_supports. */
static const char *const gov_kind_types[GOV_MASK_NKINDS] = {
	"text, character varying, character, name, smallint, integer, bigint, numeric, real, double precision, date, timestamp, timestamptz, time, uuid, jsonb, bytea, inet and cidr",
	"text, character varying and character",
	"those of mask \"partial\" and boolean and interval",
	"text, character varying, character, name, smallint, integer, bigint, numeric, uuid, bytea, jsonb and date",
	"every type"
};

/* What a call site resolved once: its types and the privilege check. */
typedef struct GovMaskCall
{
	Oid			argtype;		/* the argument's type as written */
	Oid			base;			/* its base type: the result's type */
	Oid			checked_user;	/* pseudonym: user the check was made for */
	bool		allowed;		/* pseudonym: may that user compute it? */
} GovMaskCall;

bool
governance_mask_kind_parse(const char *name, GovMaskKind *kind)
{
	int			i;

	for (i = 0; i < GOV_MASK_NKINDS; i++)
		if (strcmp(name, gov_kind_names[i]) == 0)
		{
			*kind = (GovMaskKind) i;
			return true;
		}
	return false;
}

const char *
governance_mask_kind_name(GovMaskKind kind)
{
	return (unsigned) kind < GOV_MASK_NKINDS ? gov_kind_names[kind] : NULL;
}

const char *
governance_mask_function_name(GovMaskKind kind)
{
	return (unsigned) kind < GOV_MASK_NKINDS ? gov_function_names[kind] : NULL;
}

/* The types masked as strings. */
static inline bool
gov_is_text(Oid base)
{
	return base == TEXTOID || base == VARCHAROID || base == BPCHAROID ||
		base == NAMEOID;
}

static bool
gov_in(Oid base, const Oid *types)
{
	for (; OidIsValid(*types); types++)
		if (*types == base)
			return true;
	return false;
}

/* The support matrix, on base types only. */
static bool
gov_kind_supports(GovMaskKind kind, Oid base)
{
	static const Oid partial[] = {
		INT2OID, INT4OID, INT8OID, NUMERICOID, FLOAT4OID, FLOAT8OID,
		DATEOID, TIMESTAMPOID, TIMESTAMPTZOID, TIMEOID, UUIDOID, JSONBOID,
		BYTEAOID, INETOID, CIDROID, InvalidOid
	};
	static const Oid redact_more[] = {
		BOOLOID, INTERVALOID, InvalidOid
	};
	static const Oid pseudonym[] = {
		INT2OID, INT4OID, INT8OID, NUMERICOID, UUIDOID, BYTEAOID, JSONBOID,
		DATEOID, InvalidOid
	};

	switch (kind)
	{
		case GOV_MASK_PARTIAL:
			return gov_is_text(base) || gov_in(base, partial);
		case GOV_MASK_EMAIL:
			return base == TEXTOID || base == VARCHAROID || base == BPCHAROID;
		case GOV_MASK_REDACT:
			return gov_is_text(base) || gov_in(base, partial) ||
				gov_in(base, redact_more);
		case GOV_MASK_PSEUDONYM:
			return gov_is_text(base) || gov_in(base, pseudonym);
		case GOV_MASK_NULL:
			return true;
		default:
			return false;
	}
}

/*
 * Can this kind stand in for a column of this type?  The rewrite asks
 * before it wraps a column; a domain is judged by its base type because
 * that is the type the mask returns.
 */
bool
governance_mask_supports(GovMaskKind kind, Oid typid)
{
	if (kind == GOV_MASK_NULL)
		return true;
	if (!OidIsValid(typid))
		return false;
	return gov_kind_supports(kind, getBaseType(typid));
}

/* ---------- text-like values ---------- */

/*
 * The bytes of a text-like value.  A bpchar's padding is not part of the
 * value (bpchar compares without it), so it is cut off here and
 * *padded_chars says how many characters the padded value had.
 */
static char *
gov_text_bytes(Datum value, Oid base, int *len, int *padded_chars)
{
	char	   *s;

	if (base == NAMEOID)
	{
		s = NameStr(*DatumGetName(value));
		*len = strlen(s);
	}
	else
	{
		text	   *t = DatumGetTextPP(value);

		s = VARDATA_ANY(t);
		*len = VARSIZE_ANY_EXHDR(t);
	}
	if (padded_chars != NULL)
		*padded_chars = -1;
	if (base == BPCHAROID)
	{
		if (padded_chars != NULL)
			*padded_chars = pg_mbstrlen_with_len(s, *len);
		/* Server encodings never use a space as a trailing byte. */
		while (*len > 0 && s[*len - 1] == ' ')
			(*len)--;
	}
	return s;
}

/* A value of a text-like type holding buf, padded for bpchar. */
static Datum
gov_text_result(Oid base, StringInfo buf, int padded_chars)
{
	if (base == NAMEOID)
	{
		Name		n = (Name) palloc0(NAMEDATALEN);

		/* No mask makes a name longer; the bound only guards. */
		memcpy(NameStr(*n), buf->data, Min(buf->len, NAMEDATALEN - 1));
		return NameGetDatum(n);
	}
	if (padded_chars > 0)
	{
		int			chars = pg_mbstrlen_with_len(buf->data, buf->len);

		for (; chars < padded_chars; chars++)
			appendStringInfoChar(buf, ' ');
	}
	return PointerGetDatum(cstring_to_text_with_len(buf->data, buf->len));
}

/* Length of the character at p, never past end. */
static inline int
gov_char_len(const char *p, const char *end)
{
	int			l = pg_mblen(p);

	return Min(l, (int) (end - p));
}

/* Append s[0..len) with every character masked, the first one kept. */
static void
gov_mask_run(StringInfo out, const char *s, int len, bool keep_first)
{
	const char *p = s;
	const char *end = s + len;

	if (keep_first && p < end)
	{
		int			l = gov_char_len(p, end);

		appendBinaryStringInfo(out, p, l);
		p += l;
	}
	for (; p < end; p += gov_char_len(p, end))
		appendStringInfoChar(out, '*');
}

/*
 * The partial mask of a string: the first and last characters stay, the
 * rest are stars.  Short strings keep less, since the two ends of a
 * three-character string say too much and a two-character one is nearly
 * all ends.
 */
static void
gov_partial_string(StringInfo out, const char *s, int len)
{
	const char *end = s + len;
	const char *p;
	const char *last = s;
	int			chars = 0;

	for (p = s; p < end; p += gov_char_len(p, end))
	{
		last = p;
		chars++;
	}
	if (chars <= 2)
		gov_mask_run(out, s, len, false);
	else if (chars <= 4)
		gov_mask_run(out, s, len, true);
	else
	{
		gov_mask_run(out, s, last - s, true);
		appendBinaryStringInfo(out, last, end - last);
	}
}

/*
 * The email mask: "alice@example.com" reads "a****@e******.com".  The
 * address is split at its last '@' (a quoted local part may hold more);
 * the top-level domain stays so the kind of address remains visible.
 */
static void
gov_email_string(StringInfo out, const char *s, int len)
{
	const char *at = NULL;
	const char *dot = NULL;
	const char *p;
	const char *domain;

	/* '@' and '.' are never trailing bytes in a server encoding. */
	for (p = s; p < s + len; p++)
		if (*p == '@')
			at = p;
	if (at == NULL)
	{
		gov_partial_string(out, s, len);
		return;
	}
	gov_mask_run(out, s, at - s, true);
	appendStringInfoChar(out, '@');
	domain = at + 1;
	for (p = domain; p < s + len; p++)
		if (*p == '.')
			dot = p;
	if (dot == NULL)
		dot = s + len;
	gov_mask_run(out, domain, dot - domain, true);
	appendBinaryStringInfo(out, dot, s + len - dot);
}

/* ---------- numbers, dates and times ---------- */

/* Keep the sign and leading digit of the integer part: 48213 -> 40000. */
static int64
gov_partial_int(int64 v)
{
	uint64		a = v < 0 ? -(uint64) v : (uint64) v;
	uint64		p = 1;

	if (a < 10)
		return 0;
	while (a / p >= 10)
		p *= 10;
	a = (a / p) * p;
	/* At most 9 * 10^18 in magnitude, so it fits either way. */
	return v < 0 ? -(int64) a : (int64) a;
}

/*
 * The same for a decimal string of the integer part: "-48213" keeps
 * "-4" and zeros.  digits points past the sign.  Returns a new string.
 */
static char *
gov_leading_digit(bool negative, const char *digits, int ndigits)
{
	char	   *r;

	if (ndigits <= 1)
		return pstrdup("0");
	r = palloc(ndigits + 2);
	r[0] = '-';
	r[1] = digits[0];
	memset(r + 2, '0', ndigits - 1);
	r[ndigits + 1] = '\0';
	return negative ? r : r + 1;
}

static Numeric
gov_partial_numeric(Numeric num)
{
	char	   *s;
	char	   *digits;
	bool		negative;

	if (numeric_is_nan(num) || numeric_is_inf(num))
		return num;
	/* numeric_out never uses an exponent: the integer digits are literal. */
	s = DatumGetCString(DirectFunctionCall1(numeric_out, NumericGetDatum(num)));
	negative = (s[0] == '-');
	digits = negative ? s + 1 : s;
	s = gov_leading_digit(negative, digits, strcspn(digits, "."));
	return DatumGetNumeric(DirectFunctionCall3(numeric_in, CStringGetDatum(s),
											   ObjectIdGetDatum(InvalidOid),
											   Int32GetDatum(-1)));
}

/* For floats, through the exact decimal digits of the integer part. */
static double
gov_partial_float(double v, bool single)
{
	char		buf[DBL_MAX_10_EXP + 8];
	char	   *s;
	double		a;

	if (isnan(v) || isinf(v))
		return v;
	a = trunc(fabs(v));
	if (a < 10.0)
		return 0.0;				/* and so -0 and -7.5 read 0 */
	snprintf(buf, sizeof(buf), "%.0f", a);
	s = gov_leading_digit(v < 0, buf, strlen(buf));
	/* Parse as the type so the one rounding is to the nearest float4. */
	return single ? (double) strtof(s, NULL) : strtod(s, NULL);
}

/* January 1 of a Julian day's year, or the earliest date there is. */
static DateADT
gov_year_start(int year)
{
	int			jd = date2j(year, 1, 1);

	return (DateADT) (Max(jd, DATETIME_MIN_JULIAN) - POSTGRES_EPOCH_JDATE);
}

static DateADT
gov_partial_date(DateADT d)
{
	int			y,
				m,
				day;

	if (DATE_NOT_FINITE(d))
		return d;
	j2date(d + POSTGRES_EPOCH_JDATE, &y, &m, &day);
	return gov_year_start(y);
}

/* The start of the year; a timestamptz's year as it is in UTC. */
static Timestamp
gov_partial_timestamp(Timestamp ts)
{
	struct pg_tm tm;
	fsec_t		fsec;
	Timestamp	r;

	if (TIMESTAMP_NOT_FINITE(ts))
		return ts;
	if (timestamp2tm(ts, NULL, &tm, &fsec, NULL, NULL) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
				 errmsg("timestamp out of range")));
	r = (Timestamp) gov_year_start(tm.tm_year) * USECS_PER_DAY;
	return Max(r, MIN_TIMESTAMP);
}

/* ---------- jsonb ---------- */

/* The partial mask of every string and number; structure and keys stay. */
static Jsonb *
gov_partial_jsonb(Jsonb *jb)
{
	JsonbParseState *state = NULL;
	JsonbIterator *it = JsonbIteratorInit(&jb->root);
	JsonbValue	v;
	JsonbValue *res = NULL;
	JsonbIteratorToken tok;

	while ((tok = JsonbIteratorNext(&it, &v, false)) != WJB_DONE)
	{
		if (tok == WJB_VALUE || tok == WJB_ELEM)
		{
			if (v.type == jbvString)
			{
				StringInfoData buf;

				initStringInfo(&buf);
				gov_partial_string(&buf, v.val.string.val, v.val.string.len);
				v.val.string.val = buf.data;
				v.val.string.len = buf.len;
			}
			else if (v.type == jbvNumeric)
				v.val.numeric = gov_partial_numeric(v.val.numeric);
			res = pushJsonbValue(&state, tok, &v);
		}
		else if (tok == WJB_KEY)
			res = pushJsonbValue(&state, tok, &v);
		else if (tok == WJB_BEGIN_ARRAY && v.val.array.rawScalar)
			res = pushJsonbValue(&state, tok, &v);	/* a bare scalar */
		else
			res = pushJsonbValue(&state, tok, NULL);
	}
	return JsonbValueToJsonb(res);
}

/* A jsonb document that is one JSON string. */
static Jsonb *
gov_jsonb_string(const char *s, int len)
{
	JsonbValue	v;

	v.type = jbvString;
	v.val.string.val = (char *) s;
	v.val.string.len = len;
	return JsonbValueToJsonb(&v);
}

/* ---------- the call site ---------- */

/*
 * May this call compute a pseudonym?  Yes if the rewrite made it, around
 * a labelled column; otherwise only for superusers and governance
 * administrators, who could read the key anyway or are trusted to.
 */
static bool
gov_pseudonym_allowed(FunctionCallInfo fcinfo)
{
	Node	   *expr = fcinfo->flinfo ? fcinfo->flinfo->fn_expr : NULL;
	Oid			admin;

	if (expr != NULL && IsA(expr, FuncExpr) &&
		((FuncExpr *) expr)->location == GOV_MASK_REWRITE_LOCATION)
		return true;
	if (superuser())
		return true;
	admin = get_role_oid("governance_admin", true);
	return OidIsValid(admin) && has_privs_of_role(GetUserId(), admin);
}

static void
gov_pseudonym_refuse(void)
{
	ereport(ERROR,
			(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
			 errmsg("pseudonyms are computed only for labelled columns"),
			 errdetail("Computing the pseudonym of a chosen value would let anyone confirm a guess of a masked value."),
			 errhint("Read the labelled column instead, or ask a member of governance_admin.")));
}

/*
 * Resolve the call site once: refuse a pseudonym to whom it must not be
 * computed, and a type the kind cannot produce.  The privilege check is
 * remembered with the user it was made for and made again if the current
 * user is another one by the next call, which costs one comparison.
 */
static GovMaskCall *
gov_mask_call(FunctionCallInfo fcinfo, GovMaskKind kind)
{
	FmgrInfo   *flinfo = fcinfo->flinfo;
	GovMaskCall *call;
	Oid			argtype;

	/* Without a call expression, nothing says the rewrite made the call. */
	if (kind == GOV_MASK_PSEUDONYM && (flinfo == NULL || flinfo->fn_expr == NULL) &&
		!gov_pseudonym_allowed(fcinfo))
		gov_pseudonym_refuse();
	argtype = flinfo ? get_fn_expr_argtype(flinfo, 0) : InvalidOid;
	if (!OidIsValid(argtype))
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("could not determine the type of the value to mask"),
				 errdetail("Mask \"%s\" was called without a call expression.",
						   gov_kind_names[kind])));

	call = (GovMaskCall *) flinfo->fn_extra;
	if (call == NULL || call->argtype != argtype)
	{
		call = MemoryContextAllocZero(flinfo->fn_mcxt, sizeof(GovMaskCall));
		call->argtype = argtype;
		call->base = getBaseType(argtype);
		flinfo->fn_extra = call;
	}
	if (kind == GOV_MASK_PSEUDONYM && call->checked_user != GetUserId())
	{
		call->allowed = gov_pseudonym_allowed(fcinfo);
		call->checked_user = GetUserId();
	}
	if (kind == GOV_MASK_PSEUDONYM && !call->allowed)
		gov_pseudonym_refuse();

	if (!gov_kind_supports(kind, call->base))
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("mask \"%s\" cannot produce a value of type %s",
						gov_kind_names[kind], format_type_be(call->base)),
				 errdetail("Mask \"%s\" produces values of %s; a domain is masked as its base type.",
						   gov_kind_names[kind], gov_kind_types[kind]),
				 errhint("Use a mask that supports the column's type; mask \"null\" supports every type.")));
	return call;
}

/* ---------- the SQL functions ---------- */

PG_FUNCTION_INFO_V1(governance_mask_partial_1_0);
PG_FUNCTION_INFO_V1(governance_mask_email_1_0);
PG_FUNCTION_INFO_V1(governance_mask_redact_1_0);
PG_FUNCTION_INFO_V1(governance_mask_pseudonym_1_0);
PG_FUNCTION_INFO_V1(governance_mask_null_1_0);

/* A little of the value stays recognisable; see the helpers above. */
Datum
governance_mask_partial_1_0(PG_FUNCTION_ARGS)
{
	GovMaskCall *call = gov_mask_call(fcinfo, GOV_MASK_PARTIAL);
	Datum		value = PG_GETARG_DATUM(0);

	if (gov_is_text(call->base))
	{
		StringInfoData buf;
		int			len,
					padded;
		char	   *s = gov_text_bytes(value, call->base, &len, &padded);

		initStringInfo(&buf);
		gov_partial_string(&buf, s, len);
		return gov_text_result(call->base, &buf, padded);
	}
	switch (call->base)
	{
		case INT2OID:
			PG_RETURN_INT16((int16) gov_partial_int(PG_GETARG_INT16(0)));
		case INT4OID:
			PG_RETURN_INT32((int32) gov_partial_int(PG_GETARG_INT32(0)));
		case INT8OID:
			PG_RETURN_INT64(gov_partial_int(PG_GETARG_INT64(0)));
		case NUMERICOID:
			PG_RETURN_NUMERIC(gov_partial_numeric(PG_GETARG_NUMERIC(0)));
		case FLOAT4OID:
			PG_RETURN_FLOAT4((float4) gov_partial_float(PG_GETARG_FLOAT4(0), true));
		case FLOAT8OID:
			PG_RETURN_FLOAT8(gov_partial_float(PG_GETARG_FLOAT8(0), false));
		case DATEOID:
			PG_RETURN_DATEADT(gov_partial_date(PG_GETARG_DATEADT(0)));
		case TIMESTAMPOID:
			PG_RETURN_TIMESTAMP(gov_partial_timestamp(PG_GETARG_TIMESTAMP(0)));
		case TIMESTAMPTZOID:
			PG_RETURN_TIMESTAMPTZ(gov_partial_timestamp(PG_GETARG_TIMESTAMPTZ(0)));
		case TIMEOID:
			{
				TimeADT		t = PG_GETARG_TIMEADT(0);

				PG_RETURN_TIMEADT(t - t % USECS_PER_HOUR);
			}
		case UUIDOID:
			{
				pg_uuid_t  *u = palloc0(sizeof(pg_uuid_t));

				memcpy(u->data, PG_GETARG_UUID_P(0)->data, 4);
				PG_RETURN_UUID_P(u);
			}
		case BYTEAOID:
			{
				bytea	   *b = PG_GETARG_BYTEA_PP(0);
				size_t		n = VARSIZE_ANY_EXHDR(b);
				bytea	   *r = palloc0(VARHDRSZ + n);

				SET_VARSIZE(r, VARHDRSZ + n);
				if (n > 0)
					VARDATA(r)[0] = VARDATA_ANY(b)[0];
				PG_RETURN_BYTEA_P(r);
			}
		case JSONBOID:
			PG_RETURN_JSONB_P(gov_partial_jsonb(PG_GETARG_JSONB_P(0)));
		case INETOID:
		case CIDROID:
			{
				inet	   *v = PG_GETARG_INET_PP(0);
				inet	   *r = palloc0(sizeof(inet));
				int			keep = ip_family(v) == PGSQL_AF_INET ? 1 : 2;

				/*
				 * The first byte of an IPv4 address, the first two of an
				 * IPv6 one, with the value's own prefix length: a cidr's
				 * host bits stay zero.
				 */
				ip_family(r) = ip_family(v);
				ip_bits(r) = ip_bits(v);
				memcpy(ip_addr(r), ip_addr(v), keep);
				SET_INET_VARSIZE(r);
				PG_RETURN_INET_P(r);
			}
	}
	elog(ERROR, "mask \"partial\" has no rule for type %u", call->base);
	PG_RETURN_NULL();
}

/* The shape of an address; anything else is masked as partial. */
Datum
governance_mask_email_1_0(PG_FUNCTION_ARGS)
{
	GovMaskCall *call = gov_mask_call(fcinfo, GOV_MASK_EMAIL);
	StringInfoData buf;
	int			len,
				padded;
	char	   *s = gov_text_bytes(PG_GETARG_DATUM(0), call->base, &len, &padded);

	initStringInfo(&buf);
	gov_email_string(&buf, s, len);
	return gov_text_result(call->base, &buf, padded);
}

/* One fixed value per type: nothing of the value is left. */
Datum
governance_mask_redact_1_0(PG_FUNCTION_ARGS)
{
	GovMaskCall *call = gov_mask_call(fcinfo, GOV_MASK_REDACT);
	DateADT		epoch = UNIX_EPOCH_JDATE - POSTGRES_EPOCH_JDATE;

	if (gov_is_text(call->base))
	{
		StringInfoData buf;

		initStringInfo(&buf);
		appendStringInfoString(&buf, GOV_REDACTED);
		return gov_text_result(call->base, &buf, -1);
	}
	switch (call->base)
	{
		case INT2OID:
			PG_RETURN_INT16(0);
		case INT4OID:
			PG_RETURN_INT32(0);
		case INT8OID:
			PG_RETURN_INT64(0);
		case NUMERICOID:
			PG_RETURN_NUMERIC(int64_to_numeric(0));
		case FLOAT4OID:
			PG_RETURN_FLOAT4(0.0f);
		case FLOAT8OID:
			PG_RETURN_FLOAT8(0.0);
		case BOOLOID:
			PG_RETURN_BOOL(false);
		case DATEOID:
			PG_RETURN_DATEADT(epoch);
		case TIMESTAMPOID:
		case TIMESTAMPTZOID:
			PG_RETURN_TIMESTAMP((Timestamp) epoch * USECS_PER_DAY);
		case TIMEOID:
			PG_RETURN_TIMEADT(0);
		case INTERVALOID:
			PG_RETURN_INTERVAL_P(palloc0(sizeof(Interval)));
		case UUIDOID:
			PG_RETURN_UUID_P(palloc0(sizeof(pg_uuid_t)));
		case BYTEAOID:
			{
				bytea	   *r = palloc(VARHDRSZ);

				SET_VARSIZE(r, VARHDRSZ);
				PG_RETURN_BYTEA_P(r);
			}
		case JSONBOID:
			PG_RETURN_JSONB_P(gov_jsonb_string(GOV_REDACTED, strlen(GOV_REDACTED)));
		case INETOID:
		case CIDROID:
			{
				inet	   *r = palloc0(sizeof(inet));

				/* The unspecified network of the value's own family. */
				ip_family(r) = ip_family(PG_GETARG_INET_PP(0));
				ip_bits(r) = 0;
				SET_INET_VARSIZE(r);
				PG_RETURN_INET_P(r);
			}
	}
	elog(ERROR, "mask \"redact\" has no rule for type %u", call->base);
	PG_RETURN_NULL();
}

/*
 * The keyed MAC of the value, shaped as a value of the type: equal values
 * get equal pseudonyms, in this cluster, as long as the key stays.
 */
Datum
governance_mask_pseudonym_1_0(PG_FUNCTION_ARGS)
{
	GovMaskCall *call = gov_mask_call(fcinfo, GOV_MASK_PSEUDONYM);
	unsigned char mac[GOV_PSEUDONYM_MAC_LEN];
	char		hex[17];
	uint64		n = 0;
	int			i;

	governance_pseudonym_mac(call->base, PG_GETARG_DATUM(0), mac);
	for (i = 0; i < 8; i++)
		n = (n << 8) | mac[i];
	hex_encode((const char *) mac, 8, hex);
	hex[16] = '\0';

	if (gov_is_text(call->base))
	{
		StringInfoData buf;

		initStringInfo(&buf);
		appendStringInfoString(&buf, hex);
		return gov_text_result(call->base, &buf, -1);
	}
	switch (call->base)
	{
		case INT2OID:
			PG_RETURN_INT16((int16) (n & 0x7fff));
		case INT4OID:
			PG_RETURN_INT32((int32) (n & 0x7fffffff));
		case INT8OID:
			PG_RETURN_INT64((int64) (n & PG_INT64_MAX));
		case NUMERICOID:
			PG_RETURN_NUMERIC(int64_to_numeric((int64) (n & PG_INT64_MAX)));
		case UUIDOID:
			{
				pg_uuid_t  *u = palloc(sizeof(pg_uuid_t));

				memcpy(u->data, mac, UUID_LEN);
				u->data[6] = (u->data[6] & 0x0f) | 0x40;	/* version 4 */
				u->data[8] = (u->data[8] & 0x3f) | 0x80;	/* RFC 4122 variant */
				PG_RETURN_UUID_P(u);
			}
		case BYTEAOID:
			{
				bytea	   *r = palloc(VARHDRSZ + GOV_PSEUDONYM_MAC_LEN);

				SET_VARSIZE(r, VARHDRSZ + GOV_PSEUDONYM_MAC_LEN);
				memcpy(VARDATA(r), mac, GOV_PSEUDONYM_MAC_LEN);
				PG_RETURN_BYTEA_P(r);
			}
		case JSONBOID:
			PG_RETURN_JSONB_P(gov_jsonb_string(hex, 16));
		case DATEOID:
			PG_RETURN_DATEADT(date2j(1900, 1, 1) - POSTGRES_EPOCH_JDATE +
							  (DateADT) (n % GOV_PSEUDONYM_DAYS));
	}
	elog(ERROR, "mask \"pseudonym\" has no rule for type %u", call->base);
	PG_RETURN_NULL();
}

/* NULL, for any type; not strict, so it need not look at the value. */
Datum
governance_mask_null_1_0(PG_FUNCTION_ARGS)
{
	PG_RETURN_NULL();
}
