/*-------------------------------------------------------------------------
 *
 * governance.h
 *	  Settings shared by every part of the extension.
 *
 * Every setting is defined once, in src/governance.c; the variables below
 * are the values the GUC machinery maintains for them.  Nothing else is
 * global across concerns.
 *
 * src/include/governance/governance.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef GOVERNANCE_GOVERNANCE_H
#define GOVERNANCE_GOVERNANCE_H

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
extern int	governance_audit_chain_simd;	/* GOV_CHAIN_SIMD_* */

/*
 * Above zero while the extension runs its own statements (reading and
 * writing its tables through SPI): the guard and the audit leave them be.
 */
extern int	governance_inhibit;

#endif							/* GOVERNANCE_GOVERNANCE_H */
