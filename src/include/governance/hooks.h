/*-------------------------------------------------------------------------
 *
 * hooks.h
 *	  The hook layer: every PostgreSQL hook the extension installs.
 *
 * src/include/governance/hooks.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef GOVERNANCE_HOOKS_H
#define GOVERNANCE_HOOKS_H

/* Install every hook, once, from _PG_init (src/hooks/hooks.c). */
extern void governance_hooks_install(void);

/*
 * Wrap the sending of messages to the client, once per client backend,
 * from the ClientAuthentication hook (src/hooks/wire.c).
 */
extern void governance_hooks_wire_install(void);

#endif							/* GOVERNANCE_HOOKS_H */
