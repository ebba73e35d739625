/*-------------------------------------------------------------------------
 *
 * curl.c
 *	  Opening libcurl at run time (see common_curl.h).
 *
 * src/common/curl.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <dlfcn.h>

#include "governance/common_curl.h"
#include "storage/ipc.h"

GovCurl		governance_curl;

bool
governance_curl_load(char *err, size_t errlen)
{
	void	   *lib = dlopen("libcurl.so.4", RTLD_NOW | RTLD_LOCAL);

	if (lib == NULL)
	{
		snprintf(err, errlen, "could not load libcurl.so.4: %s", dlerror());
		return false;
	}
#define GOV_CURL_SYM(field, name) \
	if ((*(void **) &governance_curl.field = dlsym(lib, name)) == NULL) \
	{ \
		snprintf(err, errlen, "libcurl.so.4 lacks %s", name); \
		return false; \
	}
	GOV_CURL_SYM(global_init, "curl_global_init");
	GOV_CURL_SYM(global_cleanup, "curl_global_cleanup");
	GOV_CURL_SYM(easy_init, "curl_easy_init");
	GOV_CURL_SYM(easy_setopt, "curl_easy_setopt");
	GOV_CURL_SYM(easy_perform, "curl_easy_perform");
	GOV_CURL_SYM(easy_getinfo, "curl_easy_getinfo");
	GOV_CURL_SYM(easy_cleanup, "curl_easy_cleanup");
	GOV_CURL_SYM(easy_strerror, "curl_easy_strerror");
	GOV_CURL_SYM(slist_append, "curl_slist_append");
	GOV_CURL_SYM(slist_free_all, "curl_slist_free_all");
#undef GOV_CURL_SYM
	return true;
}

void
governance_curl_start(const char *what, const char *setting)
{
	char		err[256] = "";

	if (governance_curl_load(err, sizeof(err)) &&
		governance_curl.global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK)
		return;
	ereport(LOG,
			(errmsg("governance cannot %s: libcurl could not be started", what),
			 errdetail("%s", err[0] ? err : "curl_global_init failed"),
			 errhint("Install libcurl (Debian package libcurl4) and restart the server to use %s.",
					 setting)));
	proc_exit(0);
}

void
governance_curl_trust(CURL *curl, const char *ca_file)
{
	governance_curl.easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 1L);
	governance_curl.easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 2L);
	if (ca_file != NULL && ca_file[0] != '\0')
	{
		governance_curl.easy_setopt(curl, CURLOPT_CAINFO, ca_file);
		governance_curl.easy_setopt(curl, CURLOPT_CAPATH, NULL);
	}
}
