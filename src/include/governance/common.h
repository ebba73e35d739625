/*-------------------------------------------------------------------------
 *
 * common.h
 *	  What every concern of the extension shares: the settings, the
 *	  extension's schema, its internal statements, who administers it,
 *	  the names of relations and columns, and the server's lexer.
 *
 * Every setting is defined once, in src/governance.c; the variables below
 * are the values the GUC machinery maintains for them.  src/common
 * depends on no concern: any concern may include this header.
 *
 * src/include/governance/common.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef GOVERNANCE_COMMON_H
#define GOVERNANCE_COMMON_H

#include "access/attnum.h"
#include "fmgr.h"
#include "parser/scanner.h"
#include "utils/guc.h"

/* Identity (src/identity). */
extern char *governance_token;
extern char *governance_jwt_public_keys_file;
extern char *governance_jwt_hmac_secret_file;
extern char *governance_jwt_issuer;
extern char *governance_jwt_audience;
extern char *governance_jwt_roles_claim;
extern char *governance_jwt_algorithms;
extern int	governance_jwt_clock_skew;
extern int	governance_token_cache_size;
extern int	governance_token_scope;
extern char *governance_jwks_url;
extern int	governance_jwks_refresh;
extern char *governance_jwks_ca_file;

/* Policy and approvals (src/policy, src/approval). */
extern char *governance_environment;
extern int	governance_approval_ttl;
extern char *governance_approver_role;

/* Masks (src/mask). */
extern char *governance_pseudonym_key_file;
extern bool governance_output_scan;

/* Discovery (src/discover): what a column's creation does. */
typedef enum GovAutoLabelMode
{
	GOV_AUTO_LABEL_OFF,			/* nothing */
	GOV_AUTO_LABEL_SUGGEST,		/* a NOTICE and a row in label_suggestions */
	GOV_AUTO_LABEL_APPLY		/* labelled at once when sure enough */
} GovAutoLabelMode;
extern int	governance_auto_label;

/* Audit (src/audit). */
extern int	governance_audit_level;
extern int	governance_audit_statement;
extern bool governance_audit_sync;
extern int	governance_audit_on_full;
extern int	governance_audit_full_timeout;
extern int	governance_audit_fair_share_window;
extern int	governance_audit_statement_max;
extern int	governance_audit_nested_max;
extern int	governance_audit_ring_size;
extern char *governance_audit_directory;
extern int	governance_audit_file_size;
extern char *governance_audit_hmac_key_file;
extern char *governance_audit_hmac_old_key_files;
extern int	governance_audit_file_mode;	/* GOV_AUDIT_FILE_MODE_* */
extern int	governance_audit_retention;
extern int	governance_audit_max_size;
extern char *governance_audit_archive_command;
extern char *governance_audit_http_url;
extern char *governance_audit_http_headers_file;
extern char *governance_audit_http_ca_file;
extern int	governance_audit_http_timeout;
extern int	governance_audit_http_batch;
extern char *governance_audit_syslog_address;
extern int	governance_audit_syslog_protocol;	/* GOV_SYSLOG_* */
extern char *governance_audit_syslog_ca_file;
extern char *governance_audit_syslog_cert_file;
extern char *governance_audit_syslog_key_file;
extern int	governance_audit_syslog_facility;	/* the syslog facility's code */
extern int	governance_audit_syslog_timeout;
extern int	governance_audit_chain_simd;	/* GOV_CHAIN_SIMD_* */

/*
 * Above zero while the extension runs its own statements (reading and
 * writing its tables through SPI): the guard and the audit leave them be.
 */
extern int	governance_inhibit;

/* Files that hold secrets: regular, readable by their owner only (files.c). */
extern bool governance_file_private(const char *path, char *err, size_t errlen);
extern bool governance_private_file_check(char **newval, void **extra, GucSource source);

/* The extension's catalog (src/common/catalog.c). */
extern void governance_common_init(void);
/* The extension's schema in this database; InvalidOid if not created. */
extern Oid	governance_schema_oid(void);
struct TriggerData;
extern struct TriggerData *governance_own_trigger(FunctionCallInfo fcinfo,
												  const char *const *tables);
/* Superusers and members of governance_admin. */
extern bool governance_role_is_admin(Oid role);
/*
 * Run one internal statement through SPI as the owner of the extension's
 * tables with a safe search path (the caller has connected SPI).
 */
extern int	governance_spi_internal(const char *sql, int nargs, Oid *types,
									Datum *values, const char *nulls);

/* Qualified names of relations and columns (src/common/names.c). */
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

/*
 * An item of a comma-separated setting without the blanks and tabs around
 * it, cut in place; returns where it starts.  Allocates nothing, so GUC
 * check hooks may use it.
 */
extern char *governance_trim_blanks(char *item);

/*
 * Background workers (src/common/worker.c): register one of this library
 * (restarted that many seconds after it fails), and replace a small file
 * so that a crash leaves the old content or the new, never a part of
 * either (written to a temporary, flushed, renamed over).
 */
extern void governance_worker_register(const char *function, const char *type,
									   int restart_seconds);
extern bool governance_write_durably(const char *path, const char *data,
									 size_t len, char *err, size_t errlen);

/*
 * Each token of text as the server's lexer reads it (keywords and
 * unquoted identifiers folded, comments and whitespace gone).  False if
 * the lexer refuses the text (src/common/lex.c).
 */
typedef void (*GovTokenFn) (int token, core_YYSTYPE *value, int location,
							const char *scanbuf, void *arg);
extern bool governance_lex(const char *text, int len, GovTokenFn fn, void *arg);

/* subxact.c: a step run in a subtransaction, its error caught */
extern ErrorData *governance_subxact_try(void (*fn) (void *arg), void *arg);

#endif							/* GOVERNANCE_COMMON_H */
