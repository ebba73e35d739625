/*-------------------------------------------------------------------------
 *
 * guard.h
 *	  The hooks every statement passes through.
 *
 * src/include/governance/guard.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef GOVERNANCE_GUARD_H
#define GOVERNANCE_GUARD_H

extern void governance_guard_init(void);

#endif							/* GOVERNANCE_GUARD_H */
