/*-------------------------------------------------------------------------
 *
 * worker.c
 *	  What the extension's background workers share: registering one, and
 *	  writing a small file so that a crash leaves the old one or the new
 *	  one, never a part.
 *
 * src/common/worker.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <fcntl.h>
#include <unistd.h>

#include "governance/common.h"
#include "postmaster/bgworker.h"
#include "storage/fd.h"

void
governance_worker_register(const char *function, const char *type,
						   int restart_seconds)
{
	BackgroundWorker worker;

	memset(&worker, 0, sizeof(worker));
	worker.bgw_flags = BGWORKER_SHMEM_ACCESS;
	worker.bgw_start_time = BgWorkerStart_PostmasterStart;
	worker.bgw_restart_time = restart_seconds;
	strlcpy(worker.bgw_library_name, "governance", BGW_MAXLEN);
	strlcpy(worker.bgw_function_name, function, BGW_MAXLEN);
	strlcpy(worker.bgw_name, type, BGW_MAXLEN);
	strlcpy(worker.bgw_type, type, BGW_MAXLEN);
	RegisterBackgroundWorker(&worker);
}

bool
governance_write_durably(const char *path, const char *data, size_t len,
						 char *err, size_t errlen)
{
	char		tmp[MAXPGPATH];
	int			fd;

	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	/*
	 * A fresh file, never one found there: whoever may create entries in
	 * the directory could have put a link to another file in its place.
	 */
	(void) unlink(tmp);
	fd = OpenTransientFile(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | PG_BINARY);
	if (fd < 0)
	{
		snprintf(err, errlen, "could not create \"%s\": %m", tmp);
		return false;
	}
	if (write(fd, data, len) != (ssize_t) len || pg_fsync(fd) != 0)
	{
		snprintf(err, errlen, "could not write \"%s\": %m", tmp);
		CloseTransientFile(fd);
		unlink(tmp);
		return false;
	}
	CloseTransientFile(fd);
	if (durable_rename(tmp, path, LOG) != 0)
	{
		snprintf(err, errlen, "could not rename \"%s\" to \"%s\"", tmp, path);
		unlink(tmp);
		return false;
	}
	return true;
}
