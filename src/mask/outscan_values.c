/*-------------------------------------------------------------------------
 *
 * outscan_values.c
 *	  The output scan's values: which types are scanned, how a value of
 *	  each is searched for secrets, and what is delivered instead of one
 *	  in which a detector fires.
 *
 * The rule: every value whose text form can carry arbitrary characters is
 * scanned, as the text a client would receive or as the strings that text
 * is made of.  So text, varchar, bpchar, xml and refcursor (their bytes),
 * bytea (its bytes, not their hex: as text if they are UTF-8, else their
 * runs of ASCII text: gov_detect_bytes()), name, json (its text), jsonb
 * (its keys and strings written as its text writes them: gov_jsonb_text),
 * arrays of any scanned type element by element and then, if none
 * fired, as their whole text (a secret written across elements, a key
 * stored as an array of its lines), composite and record values field by
 * field and then whole, domains as their base type, and every type this
 * file does not know (extension types such as citext, hstore or ltree,
 * ranges over scanned types, tsvector, enums, the reg* types and aclitem,
 * whose text is a name or a label of up to 63 bytes of any characters):
 * the text their output function gives.  (A bytea in such a text, in a
 * range over bytea or nested deeper than GOV_OUT_MAX_DEPTH, is its hex
 * there, which no detector reads, as it does not read encode().)
 * Skipped are the built-in types with a fixed format, whose text form is
 * made of digits, signs and a few punctuation marks (bool, "char", the
 * integers, oid, xid, cid, tid, float, numeric, money, dates and times,
 * uuid, network addresses, bit strings, geometric types, lsn, snapshots),
 * and arrays, ranges and rows made only of skipped types.
 *
 * A value in which a detector fires is replaced, keeping its type:
 * text-like types by the text "[redacted: <detector>]"; bytea by the bytes
 * of that text; json and jsonb by a JSON string holding that text; an
 * array by the same array with the elements that fired replaced; a row by
 * the same row with the fields that fired replaced; an array or a row in
 * which only the whole text fired by NULL; any other type by its input
 * function applied to the redaction text if that function accepts it
 * (citext does), else NULL.  Whether an input function accepts it is
 * tried once per type and backend, in a subtransaction, when the type is
 * first met (never during a parallel operation, where a type not yet
 * tried is replaced by NULL).
 *
 * Memory: the types a receiver met live in its own context (GovOutTypes);
 * everything a scan allocates is in the caller's current context, which
 * the receiver resets after each row.  Whether input functions accept a
 * redaction is kept for the backend's life in TopMemoryContext.
 *
 * src/mask/outscan_values.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/detoast.h"
#include "access/htup_details.h"
#include "access/xact.h"
#include "catalog/pg_type.h"
#include "funcapi.h"
#include "governance/common.h"
#include "governance/common_detect.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "outscan_internal.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/fmgrprotos.h"
#include "utils/hsearch.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/typcache.h"

/* Arrays of rows of arrays ...: deeper than this, scanned as text. */
#define GOV_OUT_MAX_DEPTH 16

/* Whether a type's input function takes a redaction, per backend. */
typedef struct GovInputAccepts
{
	Oid			typid;			/* hash key: a base type */
	bool		accepts;
} GovInputAccepts;

static HTAB *gov_input_accepts = NULL;

/* The built-in types whose text form has a fixed format: never scanned. */
static bool
gov_fixed_format(Oid base)
{
	switch (base)
	{
		case BOOLOID:
		case CHAROID:
		case INT2OID:
		case INT4OID:
		case INT8OID:
		case OIDOID:
		case XIDOID:
		case XID8OID:
		case CIDOID:
		case TIDOID:
		case FLOAT4OID:
		case FLOAT8OID:
		case NUMERICOID:
		case MONEYOID:
		case DATEOID:
		case TIMEOID:
		case TIMETZOID:
		case TIMESTAMPOID:
		case TIMESTAMPTZOID:
		case INTERVALOID:
		case UUIDOID:
		case INETOID:
		case CIDROID:
		case MACADDROID:
		case MACADDR8OID:
		case BITOID:
		case VARBITOID:
		case PG_LSNOID:
		case POINTOID:
		case LSEGOID:
		case PATHOID:
		case BOXOID:
		case POLYGONOID:
		case LINEOID:
		case CIRCLEOID:
		case INT2VECTOROID:
		case OIDVECTOROID:
		case TXID_SNAPSHOTOID:
		case PG_SNAPSHOTOID:
		case VOIDOID:
			return true;
		default:
			return false;
	}
}

/* The input function of t applied to the longest redaction text. */
static void
gov_input_redaction(void *arg)
{
	GovOutType *t = arg;

	(void) InputFunctionCall(&t->in,
							 (char *) gov_out_redaction(1U << GOV_DETECT_PASSWORD_HASH),
							 t->ioparam, -1);
}

/*
 * Does the input function of base type typid accept the longest redaction
 * text?  Tried once per backend in a subtransaction, where one can be
 * started; an error that is not about the value (a cancel, a shutdown, no
 * memory) is raised again.
 */
static bool
gov_input_takes_redaction(GovOutType *t, Oid typid)
{
	GovInputAccepts *e;
	bool		found;
	bool		accepts;
	ErrorData  *edata;

	if (gov_input_accepts == NULL)
	{
		HASHCTL		ctl;

		ctl.keysize = sizeof(Oid);
		ctl.entrysize = sizeof(GovInputAccepts);
		gov_input_accepts = hash_create("governance output scan inputs", 32,
										&ctl, HASH_ELEM | HASH_BLOBS);
	}
	e = hash_search(gov_input_accepts, &typid, HASH_FIND, &found);
	if (e != NULL)
		return e->accepts;
	if (IsInParallelMode() || !IsTransactionState())
		return false;

	edata = governance_subxact_try(gov_input_redaction, t);
	accepts = edata == NULL;
	if (edata != NULL)
	{
		int			category = ERRCODE_TO_CATEGORY(edata->sqlerrcode);

		if (category == ERRCODE_OPERATOR_INTERVENTION ||
			category == ERRCODE_INSUFFICIENT_RESOURCES ||
			category == ERRCODE_PROGRAM_LIMIT_EXCEEDED)
			ReThrowError(edata);
		FreeErrorData(edata);
	}

	e = hash_search(gov_input_accepts, &typid, HASH_ENTER, &found);
	e->accepts = accepts;
	return accepts;
}

/* Set up what scanning a value of base type base with its text needs. */
static void
gov_out_other(GovOutTypes *types, GovOutType *t, Oid base)
{
	Oid			fn;
	bool		isvarlena;

	t->kind = GOV_OUT_OTHER;
	getTypeOutputInfo(base, &fn, &isvarlena);
	fmgr_info_cxt(fn, &t->out, types->cxt);
	getTypeInputInfo(base, &fn, &t->ioparam);
	fmgr_info_cxt(fn, &t->in, types->cxt);
	t->in_accepts = gov_input_takes_redaction(t, base);
}

static GovOutType *gov_out_type_at(GovOutTypes *types, Oid typid, int32 typmod,
								   int depth);

/* A container's output function: its whole text is scanned too. */
static void
gov_out_text_fn(GovOutTypes *types, GovOutType *t, Oid base)
{
	Oid			fn;
	bool		isvarlena;

	getTypeOutputInfo(base, &fn, &isvarlena);
	fmgr_info_cxt(fn, &t->out, types->cxt);
}

/* A row type: its descriptor, and its fields' kinds; SKIP if none scans. */
static void
gov_out_row(GovOutTypes *types, GovOutType *t, Oid base, int32 typmod,
			int depth)
{
	bool		any = false;

	t->tupdesc = lookup_rowtype_tupdesc_copy(base, typmod);
	t->fields = palloc0(sizeof(GovOutType *) * Max(t->tupdesc->natts, 1));
	for (int i = 0; i < t->tupdesc->natts; i++)
	{
		Form_pg_attribute att = TupleDescAttr(t->tupdesc, i);

		if (att->attisdropped)
			continue;
		t->fields[i] = gov_out_type_at(types, att->atttypid, att->atttypmod,
									   depth + 1);
		if (t->fields[i]->kind == GOV_OUT_SKIP)
			t->fields[i] = NULL;
		else
			any = true;
	}
	t->kind = any ? GOV_OUT_ROW : GOV_OUT_SKIP;
}

static GovOutType *
gov_out_type_at(GovOutTypes *types, Oid typid, int32 typmod, int depth)
{
	GovOutType *t;
	ListCell   *lc;
	MemoryContext old;
	Oid			base;
	int32		basemod = typmod;
	char		typtype;

	foreach(lc, types->types)
	{
		t = lfirst(lc);
		if (t->typid == typid && t->typmod == typmod)
			return t;
	}

	old = MemoryContextSwitchTo(types->cxt);
	t = palloc0(sizeof(GovOutType));
	t->typid = typid;
	t->typmod = typmod;
	base = getBaseTypeAndTypmod(typid, &basemod);
	get_typlenbyvalalign(base, &t->typlen, &t->typbyval, &t->typalign);
	typtype = get_typtype(base);

	if (depth > GOV_OUT_MAX_DEPTH)
		gov_out_other(types, t, base);
	else if (base == TEXTOID || base == VARCHAROID || base == BPCHAROID ||
			 base == XMLOID || base == REFCURSOROID)
		t->kind = GOV_OUT_TEXT;
	else if (base == BYTEAOID)
		t->kind = GOV_OUT_BYTES;
	else if (base == JSONOID)
		t->kind = GOV_OUT_JSON;
	else if (base == JSONBOID)
		t->kind = GOV_OUT_JSONB;
	else if (base == NAMEOID)
		t->kind = GOV_OUT_NAME;
	else if (gov_fixed_format(base))
		t->kind = GOV_OUT_SKIP;
	else if (typtype == TYPTYPE_COMPOSITE ||
			 (base == RECORDOID && basemod >= 0))
		gov_out_row(types, t, base, basemod, depth);
	else if (base == RECORDOID)
	{
		/* Each value names its row type: looked up value by value. */
		t->kind = GOV_OUT_ROW;
	}
	else if (typtype == TYPTYPE_RANGE || typtype == TYPTYPE_MULTIRANGE)
	{
		Oid			range = typtype == TYPTYPE_RANGE ? base : get_multirange_range(base);
		Oid			sub = OidIsValid(range) ? get_range_subtype(range) : InvalidOid;

		if (OidIsValid(sub) &&
			gov_out_type_at(types, sub, -1, depth + 1)->kind == GOV_OUT_SKIP)
			t->kind = GOV_OUT_SKIP;
		else
			gov_out_other(types, t, base);
	}
	else if (OidIsValid(t->elemid = get_element_type(base)) && t->typlen == -1)
	{
		t->elem = gov_out_type_at(types, t->elemid, basemod, depth + 1);
		t->kind = t->elem->kind == GOV_OUT_SKIP ? GOV_OUT_SKIP : GOV_OUT_ARRAY;
	}
	else
		gov_out_other(types, t, base);

	if (t->kind == GOV_OUT_ARRAY || t->kind == GOV_OUT_ROW)
		gov_out_text_fn(types, t, base);
	types->types = lappend(types->types, t);
	MemoryContextSwitchTo(old);
	return t;
}

/* How values of this type (a column's, an element's, a field's) are scanned. */
GovOutType *
gov_out_type(GovOutTypes *types, Oid typid, int32 typmod)
{
	return gov_out_type_at(types, typid, typmod, 0);
}

/* Bytes of a value not scanned: its width, its length as stored. */
uint64
gov_out_size(int16 typlen, Datum value)
{
	if (typlen > 0)
		return typlen;
	if (typlen == -1)
	{
		struct varlena *p = (struct varlena *) DatumGetPointer(value);

		if (VARATT_IS_EXTERNAL(p) || VARATT_IS_COMPRESSED(p))
			return toast_raw_datum_size(value) - VARHDRSZ;
		return VARSIZE_ANY_EXHDR(p);
	}
	return strlen(DatumGetCString(value));
}

/* The first detector among those fired (a bit mask). */
static GovDetector
gov_first(uint32 detectors)
{
	for (int d = 1; d < GOV_DETECT_COUNT; d++)
		if (detectors & (1U << d))
			return (GovDetector) d;
	return GOV_DETECT_NONE;
}

/* "[redacted: <detector>]", for the first of the detectors that fired. */
const char *
gov_out_redaction(uint32 detectors)
{
	return psprintf("[redacted: %s]", governance_detector_name(gov_first(detectors)));
}

static GovDetector
gov_detect(const char *s, size_t len, GovOutFound *found)
{
	found->bytes += len;
	return gov_out_detect(s, len);
}

/*
 * Are these bytes UTF-8 text: well-formed, with no NUL?  Stops at the
 * first byte that is not, which in binary bytes comes early
 * (pg_encoding_verifymbstr() reads a value to its end before it reports
 * an error, which on binary bytes costs more than the search of text).
 * ASCII is passed over sixteen bytes at a time.
 */
static bool
gov_utf8_text(const char *s, size_t len)
{
	const uint64 high = UINT64CONST(0x8080808080808080);
	const uint64 ones = UINT64CONST(0x0101010101010101);
	size_t		i = 0;

	for (;;)
	{
		unsigned char c;
		int			l;

		while (len - i >= 2 * sizeof(uint64))
		{
			uint64		a;
			uint64		b;

			memcpy(&a, s + i, sizeof(a));
			memcpy(&b, s + i + sizeof(a), sizeof(b));
			/* a byte >= 0x80, or a NUL (a zero byte borrows): stop */
			if (((a | b | ((a - ones) & ~a) | ((b - ones) & ~b)) & high) != 0)
				break;
			i += 2 * sizeof(uint64);
		}
		if (i >= len)
			return true;
		c = (unsigned char) s[i];
		if (c == '\0')
			return false;
		if (c < 0x80)
		{
			i++;
			continue;
		}
		l = pg_utf_mblen((const unsigned char *) s + i);
		if ((size_t) l > len - i ||
			!pg_utf8_islegal((const unsigned char *) s + i, l))
			return false;
		i += l;
	}
}

/*
 * A bytea's bytes.  Bytes that are UTF-8 text are what a client may
 * decode as text: searched as a text value is.  Other bytes are binary
 * (an image, an archive, text in another encoding): their runs of ASCII
 * text are searched, where a secret among them is written
 * (governance_detect_text_runs()), as searching the bytes whole would cost
 * more than searching text of their length.
 */
static GovDetector
gov_detect_bytes(bytea *b, GovOutFound *found)
{
	const char *s = VARDATA_ANY(b);
	size_t		len = VARSIZE_ANY_EXHDR(b);
	char	   *runs;
	size_t		n;
	GovDetector d = GOV_DETECT_NONE;

	found->bytes += len;
	if (len < GOV_OUT_MIN_SECRET)
		return GOV_DETECT_NONE;
	/* UTF-8 whatever the database's encoding: read as it is */
	if (gov_utf8_text(s, len))
		return governance_detect_secret(s, len);
	runs = palloc(len + 1);
	n = governance_detect_text_runs(s, len, runs);
	if (n > 0)
		d = governance_detect_secret(runs, n);
	pfree(runs);
	return d;
}

/* The redaction of a value of type t whose scan fired detectors. */
static void
gov_redact(GovOutType *t, uint32 detectors, Datum *out, bool *outnull)
{
	const char *r = gov_out_redaction(detectors);

	*outnull = false;
	switch (t->kind)
	{
		case GOV_OUT_TEXT:
		case GOV_OUT_BYTES:
			/* a bytea holding the text's bytes: the two share their layout */
			*out = PointerGetDatum(cstring_to_text(r));
			break;
		case GOV_OUT_JSON:
			*out = PointerGetDatum(cstring_to_text(psprintf("\"%s\"", r)));
			break;
		case GOV_OUT_JSONB:
			*out = DirectFunctionCall1(jsonb_in, CStringGetDatum(psprintf("\"%s\"", r)));
			break;
		case GOV_OUT_NAME:
			{
				Name		n = palloc0(NAMEDATALEN);

				namestrcpy(n, r);
				*out = NameGetDatum(n);
			}
			break;
		case GOV_OUT_OTHER:
			if (t->in_accepts)
				*out = InputFunctionCall(&t->in, (char *) r, t->ioparam, t->typmod);
			else
				*outnull = true;
			break;
		default:
			*outnull = true;
			break;
	}
}

static bool gov_out_scan_at(GovOutTypes *types, GovOutType *t, Datum value,
							GovOutFound *found, Datum *out, bool *outnull,
							int depth);

/* An array: the elements that fire are replaced. */
static bool
gov_scan_array(GovOutTypes *types, GovOutType *t, Datum value,
			   GovOutFound *found, Datum *out, int depth)
{
	ArrayType  *a = DatumGetArrayTypeP(value);
	Datum	   *elems;
	bool	   *nulls;
	int			n;
	bool		changed = false;

	deconstruct_array(a, t->elemid, t->elem->typlen, t->elem->typbyval,
					  t->elem->typalign, &elems, &nulls, &n);
	for (int i = 0; i < n; i++)
	{
		if (nulls[i])
			continue;
		CHECK_FOR_INTERRUPTS();
		changed |= gov_out_scan_at(types, t->elem, elems[i], found,
								   &elems[i], &nulls[i], depth + 1);
	}
	if (changed)
		*out = PointerGetDatum(construct_md_array(elems, nulls, ARR_NDIM(a),
												  ARR_DIMS(a), ARR_LBOUND(a),
												  t->elemid, t->elem->typlen,
												  t->elem->typbyval,
												  t->elem->typalign));
	return changed;
}

/* A row: the fields that fire are replaced. */
static bool
gov_scan_row(GovOutTypes *types, GovOutType *t, Datum value,
			 GovOutFound *found, Datum *out, int depth)
{
	HeapTupleHeader td = DatumGetHeapTupleHeader(value);
	Oid			id = HeapTupleHeaderGetTypeId(td);
	int32		mod = HeapTupleHeaderGetTypMod(td);
	GovOutType *rt = t;
	HeapTupleData tuple;
	Datum	   *values;
	bool	   *nulls;
	bool		changed = false;
	int			natts;

	if (rt->tupdesc == NULL || rt->tupdesc->tdtypeid != id ||
		rt->tupdesc->tdtypmod != mod)
		rt = gov_out_type_at(types, id, mod, depth);
	if (rt->kind != GOV_OUT_ROW || rt->tupdesc == NULL)
		return false;
	natts = rt->tupdesc->natts;
	tuple.t_len = HeapTupleHeaderGetDatumLength(td);
	ItemPointerSetInvalid(&tuple.t_self);
	tuple.t_tableOid = InvalidOid;
	tuple.t_data = td;
	values = palloc(sizeof(Datum) * Max(natts, 1));
	nulls = palloc(sizeof(bool) * Max(natts, 1));
	heap_deform_tuple(&tuple, rt->tupdesc, values, nulls);
	for (int i = 0; i < natts; i++)
	{
		if (rt->fields[i] == NULL || nulls[i])
			continue;
		CHECK_FOR_INTERRUPTS();
		changed |= gov_out_scan_at(types, rt->fields[i], values[i], found,
								   &values[i], &nulls[i], depth + 1);
	}
	if (changed)
		*out = HeapTupleGetDatum(heap_form_tuple(rt->tupdesc, values, nulls));
	return changed;
}

/*
 * A jsonb's text as the scan reads it, written from the value in place:
 * its keys and strings in the order and with the punctuation its text
 * form has ({"key": "value", "k2": ["a", "b"]}), so a secret known by a
 * name that is not its own key, or spread over an array, is in one text;
 * its strings as they are (unescaped, which the detectors read as they
 * read an escape), and every number, boolean and null as 0 (the scan does
 * not search numbers: see docs/masking.md).  It leaves out the cost of
 * jsonb_out, whose formatting of numbers is most of it.  Writes at p,
 * returns the end.
 */
static char *
gov_jsonb_text(const JsonbContainer *jc, char *p)
{
	uint32		n = JsonContainerSize(jc);
	bool		object = JsonContainerIsObject(jc);
	uint32		nchildren = object ? n * 2 : n;
	const char *data = (const char *) &jc->children[nchildren];
	uint32		koffset = 0;	/* where the i-th key starts */
	uint32		offset = object ? getJsonbOffset(jc, n) : 0;	/* the i-th value */

	check_stack_depth();
	*p++ = object ? '{' : '[';
	for (uint32 i = 0; i < n; i++)
	{
		JEntry		je = jc->children[object ? n + i : i];
		uint32		start = offset;

		JBE_ADVANCE_OFFSET(offset, je);
		if ((i & 1023) == 1023)
			CHECK_FOR_INTERRUPTS();
		if (i > 0)
		{
			*p++ = ',';
			*p++ = ' ';
		}
		if (object)
		{
			uint32		kstart = koffset;

			JBE_ADVANCE_OFFSET(koffset, jc->children[i]);
			*p++ = '"';
			memcpy(p, data + kstart, koffset - kstart);
			p += koffset - kstart;
			memcpy(p, "\": ", 3);
			p += 3;
		}
		if (JBE_ISSTRING(je))
		{
			*p++ = '"';
			memcpy(p, data + start, offset - start);
			p += offset - start;
			*p++ = '"';
		}
		else if (JBE_ISCONTAINER(je))
			p = gov_jsonb_text((const JsonbContainer *) (data + INTALIGN(start)), p);
		else
			*p++ = '0';
	}
	*p++ = object ? '}' : ']';
	return p;
}

/*
 * An array's or a row's text, as a client receives it, searched whole: a
 * secret written across its elements or fields (a private key stored as
 * an array of its lines) is in no single one of them.  Its bytes are
 * counted where its elements are.
 */
static GovDetector
gov_detect_whole(GovOutType *t, Datum value)
{
	GovOutFound whole = {0, 0};
	char	   *s = OutputFunctionCall(&t->out, value);

	return gov_detect(s, strlen(s), &whole);
}

static bool
gov_out_scan_at(GovOutTypes *types, GovOutType *t, Datum value,
				GovOutFound *found, Datum *out, bool *outnull, int depth)
{
	GovDetector d = GOV_DETECT_NONE;

	switch (t->kind)
	{
		case GOV_OUT_SKIP:
			return false;
		case GOV_OUT_TEXT:
		case GOV_OUT_JSON:
			{
				struct varlena *p = pg_detoast_datum_packed((struct varlena *) DatumGetPointer(value));

				d = gov_detect(VARDATA_ANY(p), VARSIZE_ANY_EXHDR(p), found);
			}
			break;
		case GOV_OUT_BYTES:
			d = gov_detect_bytes(DatumGetByteaPP(value), found);
			break;
		case GOV_OUT_JSONB:
			{
				Jsonb	   *j = DatumGetJsonbP(value);

				/*
				 * Each entry's punctuation (at most 6 bytes) is less than
				 * twice its 4-byte JEntry; every other byte is copied once.
				 */
				char	   *text = palloc(2 * (Size) VARSIZE(j) + 16);
				char	   *end = gov_jsonb_text(&j->root, text);

				d = gov_detect(text, end - text, found);
			}
			break;
		case GOV_OUT_NAME:
			{
				const char *s = NameStr(*DatumGetName(value));

				d = gov_detect(s, strnlen(s, NAMEDATALEN), found);
			}
			break;
		case GOV_OUT_OTHER:
			{
				char	   *s = OutputFunctionCall(&t->out, value);

				d = gov_detect(s, strlen(s), found);
				if (d == GOV_DETECT_NONE && t->typid == PG_NODE_TREEOID)
					d = gov_out_node_tree_detect(s, strlen(s));
			}
			break;
		case GOV_OUT_ARRAY:
		case GOV_OUT_ROW:
			if (t->kind == GOV_OUT_ARRAY ?
				gov_scan_array(types, t, value, found, out, depth) :
				gov_scan_row(types, t, value, found, out, depth))
			{
				*outnull = false;
				return true;
			}
			/* a secret split over its elements or fields: the whole text */
			if (depth == 0)
				d = gov_detect_whole(t, value);
			break;
	}
	if (d == GOV_DETECT_NONE)
		return false;
	found->detectors |= 1U << d;
	gov_redact(t, 1U << d, out, outnull);
	return true;
}

/*
 * Scan a value of type t.  True if a detector fired in it: *out and
 * *outnull are then what to deliver instead, and found says which fired.
 */
bool
gov_out_scan(GovOutTypes *types, GovOutType *t, Datum value,
			 GovOutFound *found, Datum *out, bool *outnull)
{
	return gov_out_scan_at(types, t, value, found, out, outnull, 0);
}
