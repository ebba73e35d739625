/*-------------------------------------------------------------------------
 *
 * ship_internal.h
 *	  A destination the audit shipper delivers the trail to.  Private to
 *	  src/audit: the shipper (ship.c) and its sinks (ship_http.c,
 *	  ship_syslog.c).
 *
 * The shipper owns everything that makes delivery lossless: reading
 * complete, durable lines from the files, the sealed cursor of each sink,
 * retries with back-off, and the status governance.audit_delivery() shows.
 * A sink only says whether it is configured and delivers one batch of
 * lines, returning true only once it knows the batch arrived.
 *
 * src/audit/ship_internal.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef GOVERNANCE_SHIP_INTERNAL_H
#define GOVERNANCE_SHIP_INTERNAL_H

typedef struct GovShipSink
{
	const char *name;			/* "http", "syslog": the cursor is <name>.cursor */
	/* The shipper is starting. */
	void		(*start) (void);
	/* The setting that says where it delivers; empty: not configured. */
	char	  **address;
	/* Most events in one batch. */
	const int  *batch;
	/* The settings may have changed: read them again, drop connections. */
	void		(*reload) (void);
	/*
	 * Deliver lines (len bytes of complete JSON lines); true once the
	 * sink knows they arrived, else false with the reason.
	 */
	bool		(*deliver) (const char *lines, size_t len, char *err, size_t errlen);
	/* The shipper is stopping. */
	void		(*stop) (void);
} GovShipSink;

extern const GovShipSink governance_ship_http;
extern const GovShipSink governance_ship_syslog;

#endif							/* GOVERNANCE_SHIP_INTERNAL_H */
