/*-------------------------------------------------------------------------
 *
 * mask.h
 *	  Sensitivity labels and the masks that stand in for labelled columns.
 *
 * A label (pii, email, secret, pseudonym, ...) names a mask kind.  Columns
 * carry labels as security labels of provider "governance".  A masked
 * identity reads every labelled column through its label's mask: the
 * planner hook wraps each read of the column in the mask function of the
 * label's kind (masks.c holds the functions, rewrite.c the rewrite,
 * labels.c the catalog and the per-backend caches).
 *
 * src/include/governance/mask.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef GOVERNANCE_MASK_H
#define GOVERNANCE_MASK_H

#include "access/attnum.h"
#include "nodes/params.h"
#include "nodes/plannodes.h"
#include "optimizer/planner.h"

/* The masks there are; a label names one. */
typedef enum GovMaskKind
{
	GOV_MASK_PARTIAL,			/* a little of the value stays recognisable */
	GOV_MASK_EMAIL,				/* keeps the shape of an address */
	GOV_MASK_REDACT,			/* one fixed value of the type */
	GOV_MASK_PSEUDONYM,			/* keyed HMAC-SHA-256: deterministic */
	GOV_MASK_NULL,				/* NULL, for any type */
	GOV_MASK_NKINDS
} GovMaskKind;

/*
 * The location the rewrite gives the mask calls it makes.  The parser
 * never gives a negative location other than -1, so a call carrying this
 * one was made by the rewrite, around a labelled column; the pseudonym
 * mask is computed for nobody else (it would be a guessing oracle).
 */
#define GOV_MASK_REWRITE_LOCATION	(-7207)

/* masks.c */
extern bool governance_mask_kind_parse(const char *name, GovMaskKind *kind);
extern const char *governance_mask_kind_name(GovMaskKind kind);
extern bool governance_mask_supports(GovMaskKind kind, Oid typid);
extern const char *governance_mask_function_name(GovMaskKind kind);

/* pseudonym.c */
#define GOV_PSEUDONYM_MAC_LEN	32
extern void governance_pseudonym_mac(Oid base, Datum value,
									 unsigned char *mac);

/* labels.c */
typedef struct GovColumnLabel
{
	AttrNumber	attnum;
	int			label;			/* index into the label taxonomy */
} GovColumnLabel;

/* governance_column_label_of() for a column without a label */
#define GOV_NO_LABEL	(-2)

extern const GovColumnLabel *governance_relation_labels(Oid relid, int *n);
extern int	governance_column_label_of(Oid relid, AttrNumber attnum);
extern bool governance_labels_cached(void);

/* delivered.c */
typedef struct GovDelivered
{
	Oid			relid;
	AttrNumber	attnum;
	int			label;
	bool		masked;
} GovDelivered;

extern int	governance_mask_delivered(PlannedStmt *pstmt, GovDelivered *out, int max);
extern const char *governance_label_name(int label);
extern GovMaskKind governance_label_kind(int label);
extern bool governance_label_masked(int label);
extern bool governance_masking_possible(void);
extern bool governance_labels_exist(void);
extern Oid	governance_mask_function_oid(GovMaskKind kind);
extern void governance_labels_init(void);
extern void governance_mask_identity_changed(void);
extern void governance_labels_changed(Oid relid);
extern bool governance_mask_state_masked_any(void);
extern bool governance_role_is_admin(Oid role);

typedef bool (*GovColumnLabelVisitor) (Oid relid, AttrNumber attnum,
									   const char *label, void *arg);
extern bool governance_scan_column_labels(GovColumnLabelVisitor visit, void *arg);
extern void governance_mask_provider_init(void);

/* rewrite.c */
extern PlannedStmt *governance_planner(Query *parse, const char *query_string,
									   int cursorOptions,
									   ParamListInfo boundParams);
extern void governance_mask_rewrite_init(void);
extern void governance_namepath_init(void);
extern bool governance_mask_keeps_function(Oid fn);
extern bool governance_identity_owns(Oid owner);
extern void governance_foreign_code_check(PlannedStmt *pstmt);
extern void governance_temp_objects_discarded(void);
extern bool governance_domain_labelled(Oid domain);
extern void governance_refuse_code_change(Node *stmt);
extern void governance_warn_attached_code(Oid relid, AttrNumber attnum);
extern void governance_refuse_pseudonym_write(const char *column,
											  const char *relation);
extern bool governance_mask_frame_enter(void);
extern void governance_mask_frame_leave(bool saved);
extern bool governance_mask_in_fk_statement(void);
extern void governance_mask_check_plan(PlannedStmt *pstmt);

/* utility.c */
extern void governance_mask_utility_init(void);

/* scrub.c */
extern void governance_mask_scrub_init(void);
extern void governance_mask_rethrow_scrubbed(MemoryContext cxt) pg_attribute_noreturn();

extern char *governance_pseudonym_key_file;

#endif							/* GOVERNANCE_MASK_H */
