/*-------------------------------------------------------------------------
 *
 * common_curl.h
 *	  libcurl, opened at run time by the workers that use it.
 *
 * Linked into the extension, libcurl and the libraries it brings (TLS,
 * LDAP, SSH, ...) would be mapped into every backend and run their exit
 * handlers there, for code only two background workers run: the key set
 * fetcher and the audit shipper open it themselves (src/common/curl.c).
 *
 * src/include/governance/common_curl.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef GOVERNANCE_COMMON_CURL_H
#define GOVERNANCE_COMMON_CURL_H

#include <curl/curl.h>

typedef struct GovCurl
{
	CURLcode	(*global_init) (long flags);
	void		(*global_cleanup) (void);
	CURL	   *(*easy_init) (void);
	CURLcode	(*easy_setopt) (CURL *curl, CURLoption option,...);
	CURLcode	(*easy_perform) (CURL *curl);
	CURLcode	(*easy_getinfo) (CURL *curl, CURLINFO info,...);
	void		(*easy_cleanup) (CURL *curl);
	const char *(*easy_strerror) (CURLcode code);
	struct curl_slist *(*slist_append) (struct curl_slist *list, const char *s);
	void		(*slist_free_all) (struct curl_slist *list);
} GovCurl;

/* Filled by governance_curl_load(). */
extern GovCurl governance_curl;

/*
 * Open libcurl.so.4 and find its functions; false with a reason if it
 * cannot be.  Call once, in the worker, before using governance_curl.
 */
extern bool governance_curl_load(char *err, size_t errlen);

/*
 * In a worker: open and start libcurl, or say in the log why it cannot be
 * (what: what the worker does, for the message; setting: the setting that
 * needs it) and end the worker for good (exit status 0 is not restarted).
 */
extern void governance_curl_start(const char *what, const char *setting);

/*
 * Verify the server's certificate and name, against the CAs of ca_file
 * alone if one is named (it replaces the system's, it does not add to
 * them), else the system's.
 */
extern void governance_curl_trust(CURL *curl, const char *ca_file);

#endif							/* GOVERNANCE_COMMON_CURL_H */
