/*-------------------------------------------------------------------------
 *
 * ship_syslog.c
 *	  Delivering the audit trail to a syslog server over TCP or TLS.
 *
 * Each event becomes one RFC 5424 message whose structured data carries
 * the event, byte for byte as in the file, and its sequence number:
 *
 *	<134>1 2026-12-07T05:00:00.123456Z db1 governance - statement
 *		[event@32473 seq="42" event="{\"seq\":42,...}"]
 *
 * framed by octet counting (RFC 6587; RFC 5425 over TLS), so an event
 * may hold newlines and any length the server accepts.
 *
 * Syslog has no acknowledgement.  What the shipper can know is that the
 * syslog server's host received every byte: after a batch is written,
 * the sink waits until the socket's send queue is empty (SIOCOUTQ counts
 * the bytes not yet acknowledged by the peer's TCP stack) and only then
 * reports the batch delivered, so the cursor moves past it.  A connection
 * that drops, resets or stalls before that fails the batch, and it is
 * sent again, whole, on a new connection: events the server did receive
 * arrive twice, with the same seq.  What can still be lost is what the
 * server's host acknowledged but the server itself had not yet stored
 * when it died (rsyslog's queue settings decide that).
 *
 * Plain TCP goes only to this host (a local relay that forwards over
 * TLS), as plain http:// does: statement text does not cross a network in
 * clear.  TLS verifies the server's certificate and its name (or IP
 * address) against governance.audit_syslog_ca_file or the system's
 * authorities, and may present a client certificate for servers that ask
 * for one.
 *
 * src/audit/ship_syslog.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <linux/sockios.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "governance/audit.h"
#include "governance/audit_record.h"
#include "governance/common.h"
#include "lib/stringinfo.h"
#include "postmaster/interrupt.h"
#include "ship_internal.h"
#include "utils/guc.h"
#include "utils/timestamp.h"

/* The structured data's SD-ID (32473: the enterprise number for examples). */
#define GOV_SYSLOG_SDID "event@32473"

/* Events per batch: each batch waits for the server's acknowledgement. */
static const int gov_syslog_batch = 1000;

/* Poll in slices this long, so a shutdown is never kept waiting. */
#define GOV_SYSLOG_SLICE_MS 200

/* --- settings ----------------------------------------------------------- */

/*
 * Split "host:port" or "[v6 address]:port" into its parts; false with a
 * reason if it is neither.
 */
static bool
gov_syslog_split(const char *addr, char *host, size_t hostlen, char *port,
				 size_t portlen, char *why, size_t whylen)
{
	const char *colon;
	const char *h = addr;
	size_t		hl;

	if (addr[0] == '[')
	{
		const char *close = strchr(addr, ']');

		if (close == NULL || close[1] != ':')
		{
			snprintf(why, whylen, "an IPv6 address is written [address]:port");
			return false;
		}
		h = addr + 1;
		hl = close - h;
		colon = close + 1;
	}
	else
	{
		colon = strrchr(addr, ':');
		if (colon == NULL)
		{
			snprintf(why, whylen, "the port is missing (host:port)");
			return false;
		}
		hl = colon - h;
		if (memchr(h, ':', hl) != NULL)
		{
			snprintf(why, whylen, "an IPv6 address is written [address]:port");
			return false;
		}
	}
	if (hl == 0 || hl >= hostlen)
	{
		snprintf(why, whylen, "the host is empty or too long");
		return false;
	}
	for (size_t i = 0; i < hl; i++)
		if (!(isalnum((unsigned char) h[i]) || strchr(".-_:%", h[i]) != NULL))
		{
			snprintf(why, whylen, "the host holds a character a host name does not");
			return false;
		}
	{
		const char *p = colon + 1;
		size_t		pl = strlen(p);
		long		n;

		if (pl == 0 || pl > 5 || strspn(p, "0123456789") != pl ||
			(n = strtol(p, NULL, 10)) < 1 || n > 65535 || pl >= portlen)
		{
			snprintf(why, whylen, "the port is not a number from 1 to 65535");
			return false;
		}
	}
	memcpy(host, h, hl);
	host[hl] = '\0';
	strlcpy(port, colon + 1, portlen);
	return true;
}

bool
governance_audit_syslog_address_check(char **newval, void **extra, GucSource source)
{
	char		host[256];
	char		port[8];
	char		why[128];

	if (*newval == NULL || (*newval)[0] == '\0')
		return true;
	if (gov_syslog_split(*newval, host, sizeof(host), port, sizeof(port), why, sizeof(why)))
		return true;
	GUC_check_errdetail("\"%.200s\" is not host:port: %s.", *newval, why);
	return false;
}

/* --- the connection ----------------------------------------------------- */

static int	gov_fd = -1;
static SSL_CTX *gov_ctx = NULL;
static SSL *gov_ssl = NULL;
static char gov_hostname[256];

static void
gov_syslog_disconnect(void)
{
	if (gov_ssl != NULL)
		SSL_free(gov_ssl);
	gov_ssl = NULL;
	if (gov_ctx != NULL)
		SSL_CTX_free(gov_ctx);
	gov_ctx = NULL;
	if (gov_fd >= 0)
		close(gov_fd);
	gov_fd = -1;
}

/* The last OpenSSL error as text, for a reason. */
static void
gov_ssl_reason(const char *what, char *err, size_t errlen)
{
	unsigned long e = ERR_get_error();
	char		buf[256];

	if (e != 0)
		ERR_error_string_n(e, buf, sizeof(buf));
	else
		strlcpy(buf, "the connection closed", sizeof(buf));
	if (gov_ssl != NULL && SSL_get_verify_result(gov_ssl) != X509_V_OK)
		snprintf(buf, sizeof(buf), "certificate verification failed: %s",
				 X509_verify_cert_error_string(SSL_get_verify_result(gov_ssl)));
	snprintf(err, errlen, "%s: %s", what, buf);
	ERR_clear_error();
}

/*
 * Wait until fd is ready for events, in slices so a shutdown request is
 * seen, until deadline.  Returns the revents, 0 on timeout or shutdown.
 */
static short
gov_wait(short events, TimestampTz deadline)
{
	for (;;)
	{
		struct pollfd p = {.fd = gov_fd,.events = events};
		long		secs;
		int			usecs;
		long		ms;
		int			rc;

		if (ShutdownRequestPending)
			return 0;
		TimestampDifference(GetCurrentTimestamp(), deadline, &secs, &usecs);
		ms = secs * 1000 + usecs / 1000;
		if (ms <= 0)
			return 0;
		rc = poll(&p, 1, (int) Min(ms, GOV_SYSLOG_SLICE_MS));
		if (rc > 0)
			return p.revents;
		if (rc < 0 && errno != EINTR)
			return POLLERR;
	}
}

static bool
gov_is_loopback(const struct sockaddr *sa)
{
	if (sa->sa_family == AF_INET)
		return (ntohl(((const struct sockaddr_in *) sa)->sin_addr.s_addr) >> 24) == 127;
	if (sa->sa_family == AF_INET6)
		return IN6_IS_ADDR_LOOPBACK(&((const struct sockaddr_in6 *) sa)->sin6_addr);
	return false;
}

/* Open the TCP connection to one of host's addresses. */
static bool
gov_tcp_connect(const char *host, const char *port, bool tls, TimestampTz deadline,
				char *err, size_t errlen)
{
	struct addrinfo hints = {0};
	struct addrinfo *res = NULL;
	int			rc;

	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	rc = getaddrinfo(host, port, &hints, &res);
	if (rc != 0)
	{
		snprintf(err, errlen, "could not resolve \"%s\": %s", host, gai_strerror(rc));
		return false;
	}
	snprintf(err, errlen, "no address of \"%s\" could be reached", host);
	for (struct addrinfo *ai = res; ai != NULL && gov_fd < 0; ai = ai->ai_next)
	{
		int			fd;
		int			one = 1;

		if (!tls && !gov_is_loopback(ai->ai_addr))
		{
			snprintf(err, errlen, "plain tcp is accepted only to this host (\"%s\" is not a loopback address); use governance.audit_syslog_protocol = tls",
					 host);
			continue;
		}
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
					ai->ai_protocol);
		if (fd < 0)
			continue;
		(void) setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		(void) setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof(one));
		gov_fd = fd;
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) != 0)
		{
			int			soerr = 0;
			socklen_t	sl = sizeof(soerr);

			if (errno != EINPROGRESS ||
				!(gov_wait(POLLOUT, deadline) & POLLOUT) ||
				getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) != 0 || soerr != 0)
			{
				errno = soerr;
				snprintf(err, errlen, "could not connect to %s: %s", host,
						 soerr ? strerror(soerr) : "timed out");
				close(fd);
				gov_fd = -1;
			}
		}
	}
	freeaddrinfo(res);
	return gov_fd >= 0;
}

/*
 * Is the connection still there?  A syslog server sends nothing, so
 * anything readable is its end of the connection (TLS may also read
 * session tickets, which are not application data).
 */
static bool
gov_syslog_alive(void)
{
	struct pollfd p = {.fd = gov_fd,.events = POLLIN};
	char		scratch[512];

	if (poll(&p, 1, 0) <= 0)
		return true;
	if (p.revents & (POLLERR | POLLHUP | POLLNVAL))
		return false;
	if (gov_ssl != NULL)
	{
		int			rc = SSL_read(gov_ssl, scratch, sizeof(scratch));
		int			e = rc > 0 ? SSL_ERROR_NONE : SSL_get_error(gov_ssl, rc);

		ERR_clear_error();
		return e == SSL_ERROR_NONE || e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE;
	}
	return recv(gov_fd, scratch, sizeof(scratch), MSG_DONTWAIT) > 0;
}

static bool
gov_tls_connect(const char *host, TimestampTz deadline, char *err, size_t errlen)
{
	unsigned char addr[16];
	bool		is_ip = inet_pton(AF_INET, host, addr) == 1 ||
		inet_pton(AF_INET6, host, addr) == 1;

	gov_ctx = SSL_CTX_new(TLS_client_method());
	if (gov_ctx == NULL)
	{
		gov_ssl_reason("could not start TLS", err, errlen);
		return false;
	}
	/*
	 * TLS 1.2: a server that refuses the client's certificate (or wants
	 * one and gets none) says so in the handshake.  With TLS 1.3 it says
	 * so after the handshake, by which time its host may have acknowledged
	 * events it then drops: delivery could not be known.
	 */
	SSL_CTX_set_min_proto_version(gov_ctx, TLS1_2_VERSION);
	SSL_CTX_set_max_proto_version(gov_ctx, TLS1_2_VERSION);
	SSL_CTX_set_verify(gov_ctx, SSL_VERIFY_PEER, NULL);
	SSL_CTX_set_mode(gov_ctx, SSL_MODE_ENABLE_PARTIAL_WRITE |
					 SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
	/* The CA file replaces the system's authorities; it is not added to them. */
	if (governance_audit_syslog_ca_file != NULL && governance_audit_syslog_ca_file[0] != '\0')
	{
		if (SSL_CTX_load_verify_locations(gov_ctx, governance_audit_syslog_ca_file, NULL) != 1)
		{
			gov_ssl_reason("could not read governance.audit_syslog_ca_file", err, errlen);
			return false;
		}
	}
	else if (SSL_CTX_set_default_verify_paths(gov_ctx) != 1)
	{
		gov_ssl_reason("could not read the system's certificate authorities", err, errlen);
		return false;
	}
	if (governance_audit_syslog_cert_file != NULL && governance_audit_syslog_cert_file[0] != '\0')
	{
		if (SSL_CTX_use_certificate_chain_file(gov_ctx, governance_audit_syslog_cert_file) != 1 ||
			SSL_CTX_use_PrivateKey_file(gov_ctx, governance_audit_syslog_key_file,
										SSL_FILETYPE_PEM) != 1 ||
			SSL_CTX_check_private_key(gov_ctx) != 1)
		{
			gov_ssl_reason("could not use the client certificate (governance.audit_syslog_cert_file, governance.audit_syslog_key_file)",
						   err, errlen);
			return false;
		}
	}
	gov_ssl = SSL_new(gov_ctx);
	if (gov_ssl == NULL || SSL_set_fd(gov_ssl, gov_fd) != 1)
	{
		gov_ssl_reason("could not start TLS", err, errlen);
		return false;
	}
	/* The certificate must name the host (or its address) we asked for. */
	if (is_ip)
		X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(gov_ssl), host);
	else
	{
		SSL_set_hostflags(gov_ssl, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
		SSL_set1_host(gov_ssl, host);
		SSL_set_tlsext_host_name(gov_ssl, host);
	}
	for (;;)
	{
		int			rc = SSL_connect(gov_ssl);
		int			e;

		if (rc == 1)
		{
			/*
			 * With TLS 1.3 the server judges the client's certificate after
			 * the handshake: give its answer (a refusal, or session tickets)
			 * a moment to arrive before anything is sent.
			 */
			if ((gov_wait(POLLIN, TimestampTzPlusMilliseconds(GetCurrentTimestamp(), 100)) & POLLIN) &&
				!gov_syslog_alive())
			{
				gov_ssl_reason("the syslog server closed the connection after the TLS handshake (does it require a client certificate?)",
							   err, errlen);
				return false;
			}
			return true;
		}
		e = SSL_get_error(gov_ssl, rc);
		if ((e == SSL_ERROR_WANT_READ && (gov_wait(POLLIN, deadline) & (POLLIN | POLLHUP | POLLERR))) ||
			(e == SSL_ERROR_WANT_WRITE && (gov_wait(POLLOUT, deadline) & (POLLOUT | POLLHUP | POLLERR))))
			continue;
		if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE)
			snprintf(err, errlen, "the TLS handshake with %s timed out", host);
		else
			gov_ssl_reason("the TLS handshake failed", err, errlen);
		return false;
	}
}

static bool
gov_syslog_connect(char *err, size_t errlen)
{
	char		host[256];
	char		port[8];
	bool		tls = governance_audit_syslog_protocol == GOV_SYSLOG_TLS;
	TimestampTz deadline = TimestampTzPlusMilliseconds(GetCurrentTimestamp(),
													   governance_audit_syslog_timeout * 1000);

	if (!gov_syslog_split(governance_audit_syslog_address, host, sizeof(host),
						  port, sizeof(port), err, errlen))
		return false;
	if (!gov_tcp_connect(host, port, tls, deadline, err, errlen))
		return false;
	if (tls && !gov_tls_connect(host, deadline, err, errlen))
	{
		gov_syslog_disconnect();
		return false;
	}
	return true;
}

/* Write all of buf, or fail with the reason. */
static bool
gov_syslog_write(const char *buf, size_t len, TimestampTz deadline, char *err,
				 size_t errlen)
{
	size_t		done = 0;

	while (done < len)
	{
		ssize_t		n;
		short		want = POLLOUT;

		if (gov_ssl != NULL)
		{
			int			rc = SSL_write(gov_ssl, buf + done, (int) Min(len - done, 1 << 20));

			if (rc > 0)
				n = rc;
			else
			{
				int			e = SSL_get_error(gov_ssl, rc);

				if (e != SSL_ERROR_WANT_WRITE && e != SSL_ERROR_WANT_READ)
				{
					gov_ssl_reason("could not send to the syslog server", err, errlen);
					return false;
				}
				want = e == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT;
				n = 0;
			}
		}
		else
		{
			n = send(gov_fd, buf + done, len - done, MSG_NOSIGNAL);
			if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
			{
				snprintf(err, errlen, "could not send to the syslog server: %m");
				return false;
			}
			n = Max(n, 0);
		}
		done += n;
		if (done < len && n == 0 && !(gov_wait(want, deadline) & (want | POLLERR | POLLHUP)))
		{
			snprintf(err, errlen, ShutdownRequestPending ?
					 "the shipper is stopping" :
					 "sending to the syslog server timed out");
			return false;
		}
	}
	return true;
}

/*
 * Wait until the server's host has acknowledged every byte sent: the
 * socket's send queue (bytes not yet acknowledged by the peer) is empty.
 */
static bool
gov_syslog_acknowledged(TimestampTz deadline, char *err, size_t errlen)
{
	for (;;)
	{
		int			pending = 0;

		if (ioctl(gov_fd, SIOCOUTQ, &pending) != 0)
		{
			snprintf(err, errlen, "could not read the socket's send queue: %m");
			return false;
		}
		/*
		 * Acknowledged, and the connection still up: a TLS 1.3 server that
		 * refuses the client's certificate does so after the handshake, and
		 * its host may acknowledge bytes before the refusal closes it.
		 */
		if (pending == 0 && gov_syslog_alive())
			return true;
		if (pending == 0 || !gov_syslog_alive())
		{
			snprintf(err, errlen, "the syslog server closed the connection before the batch was known to arrive");
			return false;
		}
		if (ShutdownRequestPending || GetCurrentTimestamp() >= deadline)
		{
			snprintf(err, errlen, "the syslog server did not acknowledge %d bytes in time",
					 pending);
			return false;
		}
		pg_usleep(2000L);
	}
}

/* --- messages ----------------------------------------------------------- */

/*
 * The string value of a top-level member the event starts with ("time",
 * "type"), if it is made of the characters allowed, else NULL.  The
 * shipper does not trust the trail's lines: what goes into a syslog
 * header must be what the header allows.
 */
static const char *
gov_member(const char *line, size_t len, const char *name, const char *allowed,
		   size_t maxlen, size_t *vlen)
{
	char		key[32];
	const char *p;
	const char *end = line + len;
	size_t		kl;

	kl = snprintf(key, sizeof(key), ",\"%s\":\"", name);
	for (p = line; p + kl <= end; p++)
		if (memcmp(p, key, kl) == 0)
			break;
	if (p + kl > end)
		return NULL;
	p += kl;
	*vlen = 0;
	while (p + *vlen < end && p[*vlen] != '"')
	{
		if (strchr(allowed, p[*vlen]) == NULL || p[*vlen] == '\0' || *vlen >= maxlen)
			return NULL;
		(*vlen)++;
	}
	return *vlen > 0 && p + *vlen < end ? p : NULL;
}

/* The bytes a structured data value escapes with a backslash. */
static const bool gov_sd_escaped[256] = {['"'] = true, ['\\'] = true, [']'] = true};

/* Append one event as a framed RFC 5424 message. */
static void
gov_syslog_message(StringInfo out, const char *line, size_t len)
{
	static const char time_chars[] = "0123456789-:.TZ+";
	static const char name_chars[] = "abcdefghijklmnopqrstuvwxyz_";
	char		head[512];
	int			hlen;
	size_t		escapes = 0;
	char	   *p;
	const char *time;
	const char *type;
	size_t		tlen = 0;
	size_t		ylen = 0;
	uint64_t	seq = 0;
	int			severity;

	while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
		len--;
	(void) gov_audit_line_seq(line, len, &seq);
	time = gov_member(line, len, "time", time_chars, 40, &tlen);
	type = gov_member(line, len, "type", name_chars, 32, &ylen);
	/* What calls for attention is a notice or a warning; the rest is info. */
	if (type != NULL && ylen == 4 && memcmp(type, "lost", 4) == 0)
		severity = 3;
	else if (type != NULL && ylen == 6 && memcmp(type, "denied", 6) == 0)
		severity = 4;
	else
		severity = 6;

	/* The header, up to the value's opening quote. */
	hlen = snprintf(head, sizeof(head), "<%d>1 %.*s %s governance - %.*s [" GOV_SYSLOG_SDID " seq=\"%llu\" event=\"",
					governance_audit_syslog_facility * 8 + severity,
					time ? (int) tlen : 1, time ? time : "-", gov_hostname,
					type ? (int) ylen : 1, type ? type : "-", (unsigned long long) seq);
	/* A parameter's value escapes '"', '\' and ']' (RFC 5424, 6.3.3). */
	for (size_t i = 0; i < len; i++)
		escapes += gov_sd_escaped[(unsigned char) line[i]];
	appendStringInfo(out, "%zu ", (size_t) hlen + len + escapes + 2);
	appendBinaryStringInfo(out, head, hlen);
	enlargeStringInfo(out, (int) (len + escapes + 2));
	p = out->data + out->len;
	for (size_t i = 0; i < len; i++)
	{
		if (gov_sd_escaped[(unsigned char) line[i]])
			*p++ = '\\';
		*p++ = line[i];
	}
	*p++ = '"';
	*p++ = ']';
	out->len = p - out->data;
	*p = '\0';
}

/* --- the sink ----------------------------------------------------------- */

static StringInfoData gov_frames;

static void
gov_syslog_start(void)
{
	/* The HOSTNAME field: printable ASCII, no spaces, at most 255 bytes. */
	if (gethostname(gov_hostname, sizeof(gov_hostname)) != 0)
		gov_hostname[0] = '\0';
	gov_hostname[sizeof(gov_hostname) - 1] = '\0';
	for (char *p = gov_hostname; *p; p++)
		if (*p <= 32 || *p >= 127)
			*p = '_';
	if (gov_hostname[0] == '\0')
		strlcpy(gov_hostname, "-", sizeof(gov_hostname));
	initStringInfo(&gov_frames);
}

static void
gov_syslog_reload(void)
{
	/* The address, protocol or certificates may have changed. */
	gov_syslog_disconnect();
}

static bool
gov_syslog_deliver(const char *lines, size_t len, char *err, size_t errlen)
{
	const char *p = lines;
	const char *end = lines + len;
	TimestampTz deadline;

	resetStringInfo(&gov_frames);
	while (p < end)
	{
		const char *nl = memchr(p, '\n', end - p);
		const char *e = nl ? nl : end;

		gov_syslog_message(&gov_frames, p, e - p);
		p = nl ? nl + 1 : end;
	}
	if (gov_fd >= 0 && !gov_syslog_alive())
		gov_syslog_disconnect();
	if (gov_fd < 0 && !gov_syslog_connect(err, errlen))
	{
		gov_syslog_disconnect();
		return false;
	}
	deadline = TimestampTzPlusMilliseconds(GetCurrentTimestamp(),
										   governance_audit_syslog_timeout * 1000);
	if (!gov_syslog_write(gov_frames.data, gov_frames.len, deadline, err, errlen) ||
		!gov_syslog_acknowledged(deadline, err, errlen))
	{
		/* The batch goes again, whole, on a new connection. */
		gov_syslog_disconnect();
		return false;
	}
	return true;
}

static void
gov_syslog_stop(void)
{
	if (gov_ssl != NULL)
		(void) SSL_shutdown(gov_ssl);
	gov_syslog_disconnect();
}

const GovShipSink governance_ship_syslog = {
	.name = "syslog",
	.start = gov_syslog_start,
	.address = &governance_audit_syslog_address,
	.batch = &gov_syslog_batch,
	.reload = gov_syslog_reload,
	.deliver = gov_syslog_deliver,
	.stop = gov_syslog_stop,
};
