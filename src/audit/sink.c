/*-------------------------------------------------------------------------
 *
 * sink.c
 *	  The JSON-lines file sink: append, make durable, rotate by size.
 *
 * Only the audit worker writes; the postmaster reads the last line once at
 * ring creation, and SQL functions read the files.  A batch is written
 * with one write() and made durable with one fdatasync() (group commit:
 * one sync serves every backend waiting under governance.audit_sync).  A
 * failed write or sync cuts the file back to its previous size, so the
 * batch is retried whole and no line is ever half there or there twice.
 * A new file is started, named for its first sequence number, when the
 * current one would exceed governance.audit_file_size; the directory is
 * synced after creating it so the file itself survives a crash.
 *
 * Plain POSIX I/O rather than the server's VFD layer: the worker keeps one
 * descriptor open for ever, and the postmaster must not use VFDs.
 *
 * src/audit/sink.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "governance/audit.h"
#include "governance/common.h"
#include "nodes/pg_list.h"
#include "utils/varlena.h"

/*
 * How much of a file's end is read to resume the chain: more than
 * GOV_AUDIT_STRANDS of the longest lines a record renders to (a record of
 * at most GOV_AUDIT_MAX_RECORD bytes, every byte escaped).
 */
#define GOV_SINK_TAIL ((off_t) (GOV_AUDIT_STRANDS + 1) * (6 * GOV_AUDIT_MAX_RECORD + 1024))

static int
gov_cmp_names(const ListCell *a, const ListCell *b)
{
	return strcmp((const char *) lfirst(a), (const char *) lfirst(b));
}

List *
governance_sink_files(void)
{
	DIR		   *dir = opendir(governance_audit_directory);
	struct dirent *de;
	List	   *names = NIL;
	List	   *paths = NIL;
	ListCell   *lc;

	if (dir == NULL)
		return NIL;
	while ((de = readdir(dir)) != NULL)
		if (gov_audit_file_first_seq(de->d_name) != 0)
			names = lappend(names, pstrdup(de->d_name));
	closedir(dir);
	list_sort(names, gov_cmp_names);
	foreach(lc, names)
		paths = lappend(paths, psprintf("%s/%s", governance_audit_directory,
										(char *) lfirst(lc)));
	return paths;
}

/*
 * The last GOV_SINK_TAIL bytes (or fewer) of an open file's first end
 * bytes, palloc'd and NUL-terminated, with where they start; NULL if they
 * cannot be read.
 */
static char *
gov_read_tail(int fd, off_t end, off_t *start)
{
	char	   *buf;

	*start = end > GOV_SINK_TAIL ? end - GOV_SINK_TAIL : 0;
	buf = palloc(end - *start + 1);
	if (pread(fd, buf, end - *start, *start) != (ssize_t) (end - *start))
	{
		pfree(buf);
		return NULL;
	}
	buf[end - *start] = '\0';
	return buf;
}

/*
 * Find the last complete line of an open file: its end offset, sequence
 * number and hash, and, given a keyring, the key the trail is under after
 * it (see gov_audit_keyring_end_key; -1 if none of the ring's).  A file
 * with no complete line gives offset 0.
 */
static bool
gov_last_line(int fd, off_t size, off_t *complete, uint64 *seq, char *hash,
			  const GovAuditKeyring *ring, int *end_key)
{
	off_t		start;
	size_t		len;
	char	   *buf;
	char	   *end,
			   *line;

	*complete = 0;
	*seq = 0;
	if (size == 0)
		return true;
	if ((buf = gov_read_tail(fd, size, &start)) == NULL)
		return false;
	len = size - start;
	/* The last newline ends the last complete line. */
	end = buf + len;
	while (end > buf && end[-1] != '\n')
		end--;
	if (end == buf)
	{
		pfree(buf);
		return start == 0;		/* a torn first line: nothing complete */
	}
	*complete = start + (end - buf);
	line = end - 1;
	while (line > buf && line[-1] != '\n')
		line--;
	if (!gov_audit_line_tail(line, end - line, seq, hash))
	{
		pfree(buf);
		return false;
	}
	if (ring != NULL)
		*end_key = gov_audit_keyring_end_key(ring, line, end - line);
	pfree(buf);
	return true;
}

/*
 * Learn the last hash of every strand: the hashes of the last
 * GOV_AUDIT_STRANDS lines of the trail, which ends at last_seq in the
 * first size bytes of the newest file; older files are read when the
 * newest holds fewer lines.  Strands with no line yet stay at genesis.
 */
static bool
gov_collect_heads(List *files, off_t size, uint64 last_seq, GovAuditHeads *heads,
				  char *err, size_t errlen)
{
	uint64		lowest = last_seq > GOV_AUDIT_STRANDS ? last_seq - GOV_AUDIT_STRANDS + 1 : 1;
	uint32		need = 0,
				found = 0;
	uint64		s;

	gov_audit_heads_genesis(heads);
	for (s = lowest; s <= last_seq; s++)
		need |= 1u << GOV_AUDIT_STRAND(s);
	for (int i = list_length(files) - 1; i >= 0 && found != need; i--)
	{
		const char *path = (const char *) list_nth(files, i);
		int			fd = open(path, O_RDONLY | PG_BINARY, 0);
		struct stat st;
		off_t		end,
					start;
		char	   *buf,
				   *p;

		if (fd < 0 || fstat(fd, &st) != 0)
		{
			snprintf(err, errlen, "could not read audit file \"%s\": %m", path);
			if (fd >= 0)
				close(fd);
			return false;
		}
		end = i == list_length(files) - 1 ? Min(size, st.st_size) : st.st_size;
		buf = gov_read_tail(fd, end, &start);
		close(fd);
		if (buf == NULL)
		{
			snprintf(err, errlen, "could not read audit file \"%s\": %m", path);
			return false;
		}
		/* Complete lines only, newest first; a line cut by start is not one. */
		p = buf + (end - start);
		while (p > buf && found != need)
		{
			char	   *line = p - 1;
			uint64		seq;
			char		hash[GOV_AUDIT_HASH_HEX];

			while (line > buf && line[-1] != '\n')
				line--;
			if (line == buf && start > 0)
				break;
			if (p - line > 1 && gov_audit_line_tail(line, p - line, &seq, hash) &&
				seq >= lowest && seq <= last_seq)
			{
				memcpy(heads->hash[GOV_AUDIT_STRAND(seq)], hash, GOV_AUDIT_HASH_HEX);
				found |= 1u << GOV_AUDIT_STRAND(seq);
			}
			p = line;
		}
		pfree(buf);
	}
	if (found != need)
	{
		snprintf(err, errlen, "the audit trail does not hold the last %d lines before sequence number %llu",
				 GOV_AUDIT_STRANDS, (unsigned long long) last_seq + 1);
		return false;
	}
	return true;
}

/*
 * The newest complete line's sequence number.  A newest file without one
 * (created, then a crash before its first line was whole) is passed over:
 * the chain ends in the file before it.
 */
void
governance_sink_last_seq(uint64 *seq)
{
	List	   *files = governance_sink_files();
	char		hash[GOV_AUDIT_HASH_HEX];

	*seq = 0;
	for (int i = list_length(files) - 1; i >= 0 && *seq == 0; i--)
	{
		off_t		complete = 0;
		struct stat st;
		int			fd = open((char *) list_nth(files, i), O_RDONLY | PG_BINARY, 0);

		if (fd < 0)
			return;
		if (fstat(fd, &st) == 0)
			(void) gov_last_line(fd, st.st_size, &complete, seq, hash, NULL, NULL);
		close(fd);
		if (complete > 0)
			break;
	}
}

static bool
gov_sync_dir(char *err, size_t errlen)
{
	int			fd = open(governance_audit_directory, O_RDONLY | PG_BINARY, 0);
	int			rc;

	if (fd < 0)
	{
		snprintf(err, errlen, "could not open directory \"%s\": %m", governance_audit_directory);
		return false;
	}
	rc = fsync(fd);
	close(fd);
	if (rc != 0)
	{
		snprintf(err, errlen, "could not sync directory \"%s\": %m", governance_audit_directory);
		return false;
	}
	return true;
}

/* The mode of the files: 0600, or 0640 for a log shipper in the group. */
static mode_t
gov_file_mode(void)
{
	return governance_audit_file_mode == GOV_AUDIT_FILE_MODE_0640 ?
		(S_IRUSR | S_IWUSR | S_IRGRP) : (S_IRUSR | S_IWUSR);
}

/*
 * Give the directory and every file of the trail the configured mode
 * (the directory searchable by the group exactly when the files are
 * readable by it).  At the worker's start and at each reload.
 */
void
governance_sink_apply_mode(void)
{
	mode_t		mode = gov_file_mode();
	List	   *files;
	ListCell   *lc;

	if (chmod(governance_audit_directory,
			  (mode & S_IRGRP) ? (S_IRWXU | S_IRGRP | S_IXGRP) : S_IRWXU) != 0)
		ereport(LOG,
				(errmsg("could not change the mode of \"%s\": %m", governance_audit_directory)));
	files = governance_sink_files();
	foreach(lc, files)
		if (chmod((char *) lfirst(lc), mode) != 0)
			ereport(LOG,
					(errmsg("could not change the mode of \"%s\": %m", (char *) lfirst(lc))));
	list_free_deep(files);
}

/* Start a new file whose first line will carry first_seq. */
static bool
gov_sink_new_file(GovSink *sink, uint64 first_seq, char *err, size_t errlen)
{
	char		path[1024];
	int			fd;

	snprintf(path, sizeof(path), "%s/%s%020llu%s", governance_audit_directory,
			 GOV_SINK_PREFIX, (unsigned long long) first_seq, GOV_SINK_SUFFIX);
	fd = open(path, O_WRONLY | O_CREAT | O_APPEND | PG_BINARY, S_IRUSR | S_IWUSR);
	if (fd < 0 || fchmod(fd, gov_file_mode()) != 0)
	{
		snprintf(err, errlen, "could not create audit file \"%s\": %m", path);
		if (fd >= 0)
			close(fd);
		return false;
	}
	if (!gov_sync_dir(err, errlen))
	{
		close(fd);
		return false;
	}
	if (sink->fd >= 0)
		close(sink->fd);
	sink->fd = fd;
	strlcpy(sink->path, path, sizeof(sink->path));
	sink->size = 0;
	return true;
}

bool
governance_sink_open(GovSink *sink, const GovAuditKeyring *ring, char *err,
					 size_t errlen)
{
	List	   *files;
	struct stat st;
	off_t		complete;
	int			fd;
	char		hash[GOV_AUDIT_HASH_HEX];

	sink->fd = -1;
	sink->size = 0;
	sink->last_seq = 0;
	sink->end_key = 0;			/* a trail with no line yet takes the key given */
	gov_audit_heads_genesis(&sink->heads);

	if (mkdir(governance_audit_directory, S_IRWXU) != 0 && errno != EEXIST)
	{
		snprintf(err, errlen, "could not create directory \"%s\": %m", governance_audit_directory);
		return false;
	}
	governance_sink_apply_mode();
	files = governance_sink_files();
	if (files == NIL)
		return true;			/* the first batch creates the first file */

	fd = open((char *) llast(files), O_RDWR | O_APPEND | PG_BINARY, 0);
	if (fd < 0 || fstat(fd, &st) != 0)
	{
		snprintf(err, errlen, "could not open audit file \"%s\": %m", (char *) llast(files));
		if (fd >= 0)
			close(fd);
		return false;
	}
	if (!gov_last_line(fd, st.st_size, &complete, &sink->last_seq, hash, ring,
					   &sink->end_key))
	{
		snprintf(err, errlen, "the last line of \"%s\" is not a governance audit event", (char *) llast(files));
		close(fd);
		return false;
	}
	/* A line torn by a crash mid-write was never acknowledged: cut it. */
	if (complete < st.st_size)
	{
		if (ftruncate(fd, complete) != 0 || fsync(fd) != 0)
		{
			snprintf(err, errlen, "could not truncate torn line of \"%s\": %m", (char *) llast(files));
			close(fd);
			return false;
		}
		ereport(LOG,
				(errmsg("governance audit: removed an incomplete last line from \"%s\"",
						(char *) llast(files))));
	}
	if (complete == 0 && list_length(files) > 1)
	{
		/*
		 * A newest file with no complete line: rotation created it and a
		 * crash came before its first line was whole.  Nothing in it was
		 * ever acknowledged, and the chain ends in the file before it:
		 * remove it and resume there.
		 */
		close(fd);
		if (unlink((char *) llast(files)) != 0)
		{
			snprintf(err, errlen, "could not remove empty audit file \"%s\": %m",
					 (char *) llast(files));
			return false;
		}
		if (!gov_sync_dir(err, errlen))
			return false;
		ereport(LOG,
				(errmsg("governance audit: removed \"%s\", which a crash left without a complete line",
						(char *) llast(files))));
		return governance_sink_open(sink, ring, err, errlen);
	}
	if (!gov_collect_heads(files, complete, sink->last_seq, &sink->heads, err, errlen))
	{
		close(fd);
		return false;
	}
	sink->fd = fd;
	sink->size = complete;
	strlcpy(sink->path, (char *) llast(files), sizeof(sink->path));
	return true;
}

bool
governance_sink_append(GovSink *sink, const char *buf, size_t len,
					   uint64 first_seq, char *err, size_t errlen)
{
	size_t		done = 0;

	if (sink->fd < 0 ||
		(sink->size > 0 &&
		 sink->size + (off_t) len > (off_t) governance_audit_file_size * 1024))
	{
		if (!gov_sink_new_file(sink, first_seq, err, errlen))
			return false;
	}
	while (done < len)
	{
		ssize_t		n = write(sink->fd, buf + done, len - done);

		if (n <= 0)
		{
			snprintf(err, errlen, "could not write audit file \"%s\": %m", sink->path);
			goto undo;
		}
		done += n;
	}
	if (fdatasync(sink->fd) != 0)
	{
		snprintf(err, errlen, "could not sync audit file \"%s\": %m", sink->path);
		goto undo;
	}
	sink->size += len;
	return true;

undo:
	/* Leave the file as it was, so the retry is exact. */
	if (ftruncate(sink->fd, sink->size) != 0)
	{
		/* Cannot cut back: start over in a new file at the next attempt. */
		close(sink->fd);
		sink->fd = -1;
	}
	return false;
}

void
governance_sink_close(GovSink *sink)
{
	if (sink->fd >= 0)
		close(sink->fd);
	sink->fd = -1;
}

/*
 * One key file: its bytes, malloc'd, without a trailing newline; NULL with
 * a reason if it cannot be read or is empty.
 */
static unsigned char *
gov_read_key_file(const char *path, size_t *len, char *err, size_t errlen)
{
	FILE	   *f;
	unsigned char *buf;

	*len = 0;
	f = fopen(path, "rb");
	if (f == NULL)
	{
		snprintf(err, errlen, "could not open audit chain key \"%s\": %m", path);
		return NULL;
	}
	buf = malloc(GOV_SINK_MAX_KEY);
	if (buf == NULL)
	{
		fclose(f);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	*len = fread(buf, 1, GOV_SINK_MAX_KEY, f);
	fclose(f);
	/* A trailing newline, as editors leave it, is not part of the key. */
	while (*len > 0 && (buf[*len - 1] == '\n' || buf[*len - 1] == '\r'))
		(*len)--;
	if (*len == 0)
	{
		free(buf);
		snprintf(err, errlen, "audit chain key \"%s\" is empty", path);
		return NULL;
	}
	return buf;
}

unsigned char *
governance_sink_read_key(size_t *len, char *err, size_t errlen)
{
	*len = 0;
	err[0] = '\0';
	if (governance_audit_hmac_key_file == NULL || governance_audit_hmac_key_file[0] == '\0')
		return NULL;
	return gov_read_key_file(governance_audit_hmac_key_file, len, err, errlen);
}

/* Add one problem to err ("; " between problems). */
static void
gov_key_problem(char *err, size_t errlen, const char *problem)
{
	size_t		used = strlen(err);

	snprintf(err + used, errlen - used, "%s%s", used > 0 ? "; " : "", problem);
}

bool
governance_sink_read_keyring(GovAuditKeyring *ring, char *err, size_t errlen)
{
	size_t		keylen;
	char		problem[512];
	unsigned char *key = governance_sink_read_key(&keylen, problem, sizeof(problem));
	bool		ok;

	gov_audit_keyring_init(ring);
	err[0] = '\0';
	if (key == NULL && problem[0] != '\0')
		gov_key_problem(err, errlen, problem);
	if (!gov_audit_keyring_add(ring, key, keylen))
		gov_key_problem(err, errlen, "out of memory");
	governance_sink_free_key(key, keylen);
	ok = err[0] == '\0';
	problem[0] = '\0';
	if (!governance_sink_add_old_keys(ring, problem, sizeof(problem)))
	{
		gov_key_problem(err, errlen, problem);
		ok = false;
	}
	return ok;
}

bool
governance_sink_add_old_keys(GovAuditKeyring *ring, char *err, size_t errlen)
{
	size_t		keylen;
	unsigned char *key;
	char		problem[512];
	char	   *raw;
	List	   *paths = NIL;
	ListCell   *lc;

	err[0] = '\0';
	if (governance_audit_hmac_old_key_files == NULL ||
		governance_audit_hmac_old_key_files[0] == '\0')
		return err[0] == '\0';
	raw = pstrdup(governance_audit_hmac_old_key_files);
	if (!SplitDirectoriesString(raw, ',', &paths))
		gov_key_problem(err, errlen, "governance.audit_hmac_old_key_files is not a list of files");
	else
		foreach(lc, paths)
		{
			key = gov_read_key_file((char *) lfirst(lc), &keylen, problem, sizeof(problem));
			if (key == NULL)
				gov_key_problem(err, errlen, problem);
			else if (!gov_audit_keyring_add(ring, key, keylen))
			{
				snprintf(problem, sizeof(problem), "more than %d audit chain keys are configured",
						 GOV_AUDIT_MAX_KEYS);
				gov_key_problem(err, errlen, problem);
			}
			governance_sink_free_key(key, keylen);
		}
	list_free_deep(paths);
	pfree(raw);
	return err[0] == '\0';
}

void
governance_sink_free_key(unsigned char *key, size_t len)
{
	if (key == NULL)
		return;
	explicit_bzero(key, len);
	free(key);
}
