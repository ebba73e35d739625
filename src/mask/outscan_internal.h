/*-------------------------------------------------------------------------
 *
 * outscan_internal.h
 *	  What the output scan's receiver (outscan.c), its scanning of values
 *	  by type (outscan_values.c) and of messages (outscan_messages.c)
 *	  share.
 *
 * src/mask/outscan_internal.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef GOVERNANCE_OUTSCAN_INTERNAL_H
#define GOVERNANCE_OUTSCAN_INTERNAL_H

#include "access/tupdesc.h"
#include "fmgr.h"
#include "governance/common_detect.h"
#include "nodes/pg_list.h"

/*
 * The shortest secret the detectors find: a card number of 13 digits
 * (keys and tokens are longer).  A shorter string is not searched: most
 * of the strings of a row (a status, a city, a JSON key) are shorter, and
 * a call costs more than its bytes.
 */
#define GOV_OUT_MIN_SECRET 13

/* The database's encoding is not UTF-8 (outscan_messages.c). */
extern bool gov_out_not_utf8;
extern GovDetector gov_out_detect_utf8(const char *s, size_t len);

/*
 * The first detector that fires in s[0, len); none in a shorter string.
 * The detectors read UTF-8: in a database of another encoding, a string
 * in which they find nothing as it is is read again converted.
 */
static inline GovDetector
gov_out_detect(const char *s, size_t len)
{
	GovDetector d;

	if (len < GOV_OUT_MIN_SECRET)
		return GOV_DETECT_NONE;
	d = governance_detect_secret(s, len);
	if (d == GOV_DETECT_NONE && gov_out_not_utf8)
		d = gov_out_detect_utf8(s, len);
	return d;
}

/* How the values of a type are scanned. */
typedef enum GovOutKind
{
	GOV_OUT_SKIP,				/* a fixed format: not scanned */
	GOV_OUT_TEXT,				/* text, varchar, bpchar, xml: its bytes */
	GOV_OUT_BYTES,				/* bytea: its bytes, as text or binary */
	GOV_OUT_JSON,				/* json: its text */
	GOV_OUT_JSONB,				/* jsonb: its keys and strings */
	GOV_OUT_NAME,				/* name */
	GOV_OUT_ARRAY,				/* element by element */
	GOV_OUT_ROW,				/* composite or record: field by field */
	GOV_OUT_OTHER				/* what the type's output function gives */
} GovOutKind;

typedef struct GovOutType GovOutType;

struct GovOutType
{
	Oid			typid;			/* as the column or value gives it */
	int32		typmod;
	GovOutKind	kind;
	int16		typlen;			/* of the base type */
	bool		typbyval;
	char		typalign;
	/* GOV_OUT_ARRAY */
	Oid			elemid;
	GovOutType *elem;
	/* GOV_OUT_ROW: the row type's descriptor and its fields' kinds */
	TupleDesc	tupdesc;
	GovOutType **fields;
	/* GOV_OUT_OTHER */
	FmgrInfo	out;
	FmgrInfo	in;
	Oid			ioparam;
	bool		in_accepts;		/* the input function takes a redaction */
};

/* The types a receiver met, and the memory they live in. */
typedef struct GovOutTypes
{
	MemoryContext cxt;
	List	   *types;
} GovOutTypes;

/* What scanning one value found. */
typedef struct GovOutFound
{
	uint32		detectors;		/* bit (1 << GovDetector) of each that fired */
	uint64		bytes;			/* bytes scanned */
} GovOutFound;

extern GovOutType *gov_out_type(GovOutTypes *types, Oid typid, int32 typmod);
extern bool gov_out_scan(GovOutTypes *types, GovOutType *t, Datum value,
						 GovOutFound *found, Datum *out, bool *outnull);
extern uint64 gov_out_size(int16 typlen, Datum value);
extern const char *gov_out_redaction(uint32 detectors);

/* outscan_nodetree.c */
extern GovDetector gov_out_node_tree_detect(const char *s, size_t len);

#endif							/* GOVERNANCE_OUTSCAN_INTERNAL_H */
