/*-------------------------------------------------------------------------
 *
 * names.h
 *	  Qualified names of relations and columns, cached per backend.
 *
 * src/include/governance/names.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef GOVERNANCE_NAMES_H
#define GOVERNANCE_NAMES_H

#include "access/attnum.h"

/* The cached names of one relation. */
typedef struct GovRelNames
{
	Oid			relid;			/* hash key */
	bool		valid;			/* false: refill before use */
	bool		exists;			/* the relation was found */
	int			ncols;			/* length of cols */
	char	  **cols;			/* by attnum - 1; NULL until looked up */
	char	   *name;			/* "schema.table" */
} GovRelNames;

/* A relation's entry, filled and valid; NULL if the relation is gone. */
extern GovRelNames *governance_relation_names(Oid relid);

/* "schema.table.column" of a column of a cached relation, or NULL. */
extern const char *governance_column_name(GovRelNames *e, Oid relid, AttrNumber att);

/* Free replaced names; call only where no cached name is in use. */
extern void governance_names_collect(void);

#endif							/* GOVERNANCE_NAMES_H */
