/*-------------------------------------------------------------------------
 *
 * discover.h
 *	  Discovery: which columns hold sensitive data, and the labels they
 *	  should carry.
 *
 * A column is scored from its name (the name rules of common_detect.h),
 * its type, and, when its values are read, the share of sampled values a
 * detector accepts (score.c).  governance.discover() samples the tables
 * the caller may read (sample.c, discover.c); governance.apply_discovery()
 * labels what it proposes; governance.auto_label checks the names of
 * columns as they are created (auto_label.c).  Only the hook layer
 * includes this header.
 *
 * src/include/governance/discover.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef GOVERNANCE_DISCOVER_H
#define GOVERNANCE_DISCOVER_H

#include "catalog/objectaccess.h"
#include "governance/common_detect.h"
#include "nodes/parsenodes.h"
#include "nodes/pg_list.h"

/* What the type of a column lets discovery conclude. */
typedef enum GovTypeClass
{
	GOV_TYPE_NEVER,				/* boolean, floats, ...: never proposed */
	GOV_TYPE_TEXT,				/* strings: names, whole values, secrets in text */
	GOV_TYPE_JSON,				/* json, jsonb: names, secrets in the text */
	GOV_TYPE_INET,				/* an IP address by its type */
	GOV_TYPE_CIDR,				/* a network, seldom one person's */
	GOV_TYPE_DATE,				/* dates and timestamps: dates of birth by name */
	GOV_TYPE_NUMBER,			/* integers and numeric: by name only */
	GOV_TYPE_OPAQUE,			/* bytea, uuid, arrays, others: by name only */
} GovTypeClass;

/* What the sampled values of one column showed. */
typedef struct GovValueStats
{
	int			nonnull;		/* non-null values looked at */
	int			accepted;		/* of them, accepted whole by a detector */
	int			by[GOV_DETECT_COUNT];	/* ... by which detector */
	int			containing;		/* not accepted whole, but hold a secret */
	int			contains[GOV_DETECT_COUNT]; /* ... found by which detector */
} GovValueStats;

/* A proposal: a label (NULL: nothing), its confidence, why. */
#define GOV_EVIDENCE_LEN 320
typedef struct GovProposal
{
	const char *label;			/* "secret", "email", "pii" or NULL */
	float		confidence;		/* in [0,1] */
	char		evidence[GOV_EVIDENCE_LEN];
} GovProposal;

/* The confidence at or above which auto_label = apply labels at once. */
#define GOV_AUTO_LABEL_APPLY_AT 0.8f

/* score.c */
extern GovTypeClass governance_type_class(Oid typid);
extern bool governance_type_sampled(GovTypeClass tc, const char *name_label);
extern bool governance_name_says_ssn(const char *name);
extern void governance_value_stats_add(GovValueStats *vs, const char *s,
									   size_t len, GovTypeClass tc,
									   bool ssn_name);
extern void governance_score_column(const char *name, Oid typid,
									const GovValueStats *vs,
									const char *unsampled, GovProposal *out);

/* sample.c: sample a relation's columns (attnums) into stats[] */
extern bool governance_type_readable(Oid typid);
extern bool governance_sample_relation(Oid relid, const AttrNumber *attnums,
									   const GovTypeClass *classes, int ncols,
									   int sample_rows, GovValueStats *stats,
									   const char **unsampled);

/* discover.c: every proposal for the readable tables of some schemas */
typedef struct GovDiscovered
{
	Oid			relid;
	AttrNumber	attnum;
	char	   *column;
	char	   *label;
	float		confidence;
	char	   *evidence;
	bool		labelled;		/* the column carries this label already */
} GovDiscovered;

extern List *governance_discover_run(const char *schema_filter, int sample_rows);

/*
 * auto_label.c: the utility hook's and the object-access hook's part.
 * begin() counts the statement's nesting level before it runs; the
 * object-access hook reports each relation created, column added and
 * column renamed, by oid; end() scores them once the statement succeeded,
 * abort() forgets them if it failed.
 */
typedef struct GovAutoLabel
{
	bool		active;			/* begin() ran; end() or abort() not yet */
	int			level;			/* the statement's nesting level */
	int			saved_rename_level; /* the enclosing statement's, restored */
	char	   *into_name;		/* CREATE TABLE AS: the new relation's name */
	List	   *origins;		/* CREATE TABLE AS: labels copied columns had */
} GovAutoLabel;

extern void governance_auto_label_begin(Node *stmt, GovAutoLabel *state);
extern void governance_auto_label_object_access(ObjectAccessType access,
												Oid classId, Oid objectId,
												int subId, void *arg);
extern void governance_auto_label_end(GovAutoLabel *state);
extern void governance_auto_label_abort(GovAutoLabel *state);

#endif							/* GOVERNANCE_DISCOVER_H */
