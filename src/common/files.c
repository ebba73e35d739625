/*-------------------------------------------------------------------------
 *
 * files.c
 *	  Files that hold secrets: they must be regular files only their owner
 *	  can read.
 *
 * The HTTP collector's headers file (an Authorization token) and the
 * syslog client's private key are named by settings; a file open to the
 * group or others is refused when the setting is made, and again each
 * time it is read, since its mode may change in between.
 *
 * src/common/files.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <sys/stat.h>

#include "governance/common.h"
#include "utils/guc.h"

bool
governance_file_private(const char *path, char *err, size_t errlen)
{
	struct stat st;

	if (stat(path, &st) != 0 || !S_ISREG(st.st_mode))
	{
		snprintf(err, errlen, "\"%s\" is not a readable file", path);
		return false;
	}
	if ((st.st_mode & (S_IRWXG | S_IRWXO)) != 0)
	{
		snprintf(err, errlen, "\"%s\" must not be accessible by group or others (chmod 0600)", path);
		return false;
	}
	return true;
}

/* A setting naming such a file: empty, or a private file. */
bool
governance_private_file_check(char **newval, void **extra, GucSource source)
{
	char		err[MAXPGPATH + 128];

	if (*newval == NULL || (*newval)[0] == '\0')
		return true;
	if (governance_file_private(*newval, err, sizeof(err)))
		return true;
	GUC_check_errdetail("%s.", err);
	return false;
}
