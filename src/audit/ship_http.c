/*-------------------------------------------------------------------------
 *
 * ship_http.c
 *	  Delivering the audit trail to an HTTP collector: a batch of lines is
 *	  POSTed as newline-delimited JSON, and a 2xx answer acknowledges it.
 *
 * The URL must be https://, or http:// to this host only (a local agent
 * such as Vector or Fluent Bit); the certificate is verified, against
 * governance.audit_http_ca_file if set.  governance.audit_http_headers_file
 * adds headers such as an Authorization token for Splunk HEC, Datadog or
 * Elastic; it holds credentials, so it must be readable by its owner only,
 * and it may not set the headers that frame the request.
 *
 * src/audit/ship_http.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"


#include "governance/audit.h"
#include "governance/common.h"
#include "governance/common_curl.h"
#include "postmaster/interrupt.h"
#include "ship_internal.h"

/* --- settings ----------------------------------------------------------- */

/*
 * governance.audit_http_url: https://, or http:// to this host only (a
 * local agent such as Vector or Fluent Bit): statement text must not cross
 * a network in clear.
 */
bool
governance_audit_http_url_check(char **newval, void **extra, GucSource source)
{
	const char *u = *newval;

	if (u == NULL || u[0] == '\0')
		return true;
	if (pg_strncasecmp(u, "https://", 8) == 0 && u[8] != '\0')
		return true;
	if (pg_strncasecmp(u, "http://", 7) == 0)
	{
		/*
		 * The authority runs to the first '/', '?' or '#'; it must be one
		 * of these hosts, with a port or not, and nothing else (no user
		 * part: "http://127.0.0.1:x@elsewhere/" is elsewhere).
		 */
		static const char *const hosts[] = {"localhost", "127.0.0.1", "[::1]"};
		const char *auth = u + 7;
		size_t		alen = strcspn(auth, "/?#");
		bool		ok = false;

		for (int i = 0; i < (int) lengthof(hosts) && !ok; i++)
		{
			size_t		hlen = strlen(hosts[i]);

			if (alen >= hlen && pg_strncasecmp(auth, hosts[i], hlen) == 0)
			{
				const char *rest = auth + hlen;
				size_t		rlen = alen - hlen;

				ok = rlen == 0 ||
					(rest[0] == ':' && rlen > 1 && rlen <= 6 &&
					 strspn(rest + 1, "0123456789") == rlen - 1);
			}
		}
		if (ok)
			return true;
		GUC_check_errdetail("Plain http:// is accepted only to this host (localhost, 127.0.0.1, [::1], with a port or not).");
		GUC_check_errhint("Use https://, or a local agent that forwards over TLS.");
		return false;
	}
	GUC_check_errdetail("\"%.200s\" is not an https:// URL.", u);
	return false;
}

/* The headers, as libcurl takes them; NULL with a reason on failure. */
static struct curl_slist *
gov_read_headers(char *err, size_t errlen, bool *ok)
{
	struct curl_slist *list = NULL;
	FILE	   *f;
	char		line[8192];

	*ok = true;
	list = governance_curl.slist_append(list, "Content-Type: application/x-ndjson");
	/* The body goes with the request, not after a "100 Continue". */
	list = governance_curl.slist_append(list, "Expect:");
	if (governance_audit_http_headers_file == NULL ||
		governance_audit_http_headers_file[0] == '\0')
		return list;
	if (!governance_file_private(governance_audit_http_headers_file, err, errlen) ||
		(f = fopen(governance_audit_http_headers_file, "r")) == NULL)
	{
		if (err[0] == '\0')
			snprintf(err, errlen, "could not open \"%s\": %m", governance_audit_http_headers_file);
		*ok = false;
		return list;
	}
	while (fgets(line, sizeof(line), f) != NULL)
	{
		size_t		n = strlen(line);

		while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
			line[--n] = '\0';
		if (n == 0 || line[0] == '#')
			continue;
		if (strchr(line, ':') == NULL || line[0] == ':' || strchr(line, '\r') != NULL)
		{
			snprintf(err, errlen, "a line of \"%s\" is not \"Name: value\"",
					 governance_audit_http_headers_file);
			*ok = false;
			break;
		}
		/* What frames the request is the shipper's to say. */
		{
			static const char *const own[] = {"content-length:", "content-type:",
				"transfer-encoding:", "host:", "expect:", "connection:"};

			for (int i = 0; i < (int) lengthof(own); i++)
				if (pg_strncasecmp(line, own[i], strlen(own[i])) == 0)
				{
					snprintf(err, errlen, "\"%s\" may not set the header %.*s",
							 governance_audit_http_headers_file,
							 (int) strlen(own[i]) - 1, line);
					*ok = false;
				}
			if (!*ok)
				break;
		}
		list = governance_curl.slist_append(list, line);
	}
	explicit_bzero(line, sizeof(line));
	fclose(f);
	return list;
}

/* --- delivery ----------------------------------------------------------- */

static size_t
gov_discard(char *ptr, size_t size, size_t nmemb, void *arg)
{
	return size * nmemb;
}

/* A delivery under way gives way to a shutdown. */
static int
gov_progress(void *arg, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
			 curl_off_t ulnow)
{
	return ShutdownRequestPending ? 1 : 0;
}

/* POST one batch; true on a 2xx answer, else false with the reason. */
static bool
gov_post(const char *body, size_t len, struct curl_slist *headers, char *err,
		 size_t errlen)
{
	CURL	   *curl = governance_curl.easy_init();
	char		curl_err[CURL_ERROR_SIZE] = "";
	CURLcode	rc;
	long		status = 0;

	if (curl == NULL)
	{
		snprintf(err, errlen, "could not start libcurl");
		return false;
	}
	governance_curl.easy_setopt(curl, CURLOPT_URL, governance_audit_http_url);
	governance_curl.easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
	governance_curl.easy_setopt(curl, CURLOPT_POST, 1L);
	governance_curl.easy_setopt(curl, CURLOPT_POSTFIELDS, body);
	governance_curl.easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t) len);
	governance_curl.easy_setopt(curl, CURLOPT_ERRORBUFFER, curl_err);
	governance_curl.easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
	governance_curl.easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "https,http");
	governance_curl.easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L);
	/* This host's collector is reached directly, never through a proxy. */
	governance_curl.easy_setopt(curl, CURLOPT_NOPROXY, "localhost,127.0.0.1,::1");
	governance_curl_trust(curl, governance_audit_http_ca_file);
	governance_curl.easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, 10000L);
	governance_curl.easy_setopt(curl, CURLOPT_TIMEOUT_MS,
								(long) governance_audit_http_timeout * 1000L);
	governance_curl.easy_setopt(curl, CURLOPT_USERAGENT, "governance audit shipper");
	governance_curl.easy_setopt(curl, CURLOPT_WRITEFUNCTION, gov_discard);
	governance_curl.easy_setopt(curl, CURLOPT_NOPROGRESS, 0L);
	governance_curl.easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, gov_progress);

	rc = governance_curl.easy_perform(curl);
	governance_curl.easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
	governance_curl.easy_cleanup(curl);
	if (rc != CURLE_OK)
		snprintf(err, errlen, "%s", curl_err[0] ? curl_err : governance_curl.easy_strerror(rc));
	else if (status < 200 || status > 299)
		snprintf(err, errlen, "the collector answered with HTTP status %ld", status);
	else
		return true;
	return false;
}

/* --- the sink ----------------------------------------------------------- */

static struct curl_slist *gov_headers = NULL;
static bool gov_headers_read = false;
static bool gov_headers_ok = false;
static char gov_headers_err[512];

static void
gov_http_load_headers(void)
{
	if (gov_headers != NULL)
		governance_curl.slist_free_all(gov_headers);
	gov_headers_err[0] = '\0';
	gov_headers = gov_read_headers(gov_headers_err, sizeof(gov_headers_err),
								   &gov_headers_ok);
	gov_headers_read = true;
}

/*
 * The headers file is read again at once, so a mistake in it is in the log
 * when the reload that made it is, not only when an event next waits.
 */
static void
gov_http_reload(void)
{
	gov_headers_read = false;
	if (governance_audit_http_url == NULL || governance_audit_http_url[0] == '\0')
		return;
	gov_http_load_headers();
	if (!gov_headers_ok)
		ereport(LOG,
				(errmsg("governance audit shipper: the http sink cannot deliver: %s",
						gov_headers_err)));
}

static bool
gov_http_deliver(const char *lines, size_t len, char *err, size_t errlen)
{
	if (!gov_headers_read)
		gov_http_load_headers();
	if (!gov_headers_ok)
	{
		snprintf(err, errlen, "%s", gov_headers_err);
		return false;
	}
	return gov_post(lines, len, gov_headers, err, errlen);
}

static void
gov_http_start(void)
{
	governance_curl_start("ship the audit trail", "governance.audit_http_url");
}

static void
gov_http_stop(void)
{
	if (gov_headers != NULL)
		governance_curl.slist_free_all(gov_headers);
	gov_headers = NULL;
	governance_curl.global_cleanup();
}

const GovShipSink governance_ship_http = {
	.name = "http",
	.start = gov_http_start,
	.address = &governance_audit_http_url,
	.batch = &governance_audit_http_batch,
	.reload = gov_http_reload,
	.deliver = gov_http_deliver,
	.stop = gov_http_stop,
};
