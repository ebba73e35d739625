/*-------------------------------------------------------------------------
 *
 * retention.c
 *	  Keeping the audit directory in bounds: the oldest files are removed,
 *	  but only once nothing would be lost by it.
 *
 * The audit shipper asks here, now and then, whether files should go: the
 * oldest file goes when it is older than governance.audit_retention or the
 * trail is larger than governance.audit_max_size, and only if (1) every
 * enabled sink has delivered past it (the HTTP shipper's acknowledged
 * cursor) and (2) governance.audit_archive_command, if set, has succeeded
 * for it (like archive_command: %p is its path, %f its name).  The two
 * newest files are never removed.  This runs in the audit shipper, off
 * the path of statements: an archive command may take its time.  What is kept chains to what was removed
 * through the anchor (see audit_record.h), written before the file goes:
 * the trail still verifies from the first file that remains, and a file
 * removed by anything else is found missing.
 *
 * src/audit/retention.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <sys/stat.h>
#include <unistd.h>

#include "access/htup_details.h"
#include "funcapi.h"
#include "governance/audit.h"
#include "governance/audit_record.h"
#include "governance/common.h"
#include "storage/fd.h"
#include "storage/spin.h"
#include "storage/shmem.h"
#include "utils/builtins.h"
#include "utils/timestamp.h"

/* Shared with governance.audit_retention_status(). */
typedef struct GovRetentionShared
{
	slock_t		mutex;
	uint64		removed_files;
	TimestampTz last_removal;
	char		blocked[256];	/* why the oldest file that should go stays */
} GovRetentionShared;

static GovRetentionShared *gov_retention = NULL;

Size
governance_retention_shmem_size(void)
{
	return sizeof(GovRetentionShared);
}

void
governance_retention_shmem_init(void)
{
	bool		found;

	gov_retention = ShmemInitStruct("governance audit retention",
									sizeof(GovRetentionShared), &found);
	if (!found)
	{
		memset(gov_retention, 0, sizeof(GovRetentionShared));
		SpinLockInit(&gov_retention->mutex);
	}
}

static void
gov_blocked(const char *why, bool removed)
{
	SpinLockAcquire(&gov_retention->mutex);
	strlcpy(gov_retention->blocked, why ? why : "", sizeof(gov_retention->blocked));
	if (removed)
	{
		gov_retention->removed_files++;
		gov_retention->last_removal = GetCurrentTimestamp();
	}
	SpinLockRelease(&gov_retention->mutex);
}

void
governance_retention_status(uint64 *removed, TimestampTz *last, char *blocked,
							size_t len)
{
	*removed = 0;
	*last = 0;
	blocked[0] = '\0';
	if (gov_retention == NULL)
		return;
	SpinLockAcquire(&gov_retention->mutex);
	*removed = gov_retention->removed_files;
	*last = gov_retention->last_removal;
	strlcpy(blocked, gov_retention->blocked, len);
	SpinLockRelease(&gov_retention->mutex);
}

/* The anchor file's path. */
static void
gov_anchor_path(char *path, size_t len)
{
	snprintf(path, len, "%s/%s", governance_audit_directory, GOV_AUDIT_ANCHOR_FILE);
}

int
governance_anchor_read(char *buf, size_t cap)
{
	char		path[MAXPGPATH];
	FILE	   *f;
	size_t		n;

	gov_anchor_path(path, sizeof(path));
	f = fopen(path, "r");
	if (f == NULL)
		return -1;
	n = fread(buf, 1, cap, f);
	fclose(f);
	return (int) n;
}

/*
 * The chain key was rotated (a reload): the anchor, sealed with the key in
 * force until now, is sealed again with the new one.  Only the server,
 * which holds both keys at this moment, can do this; afterwards an anchor
 * sealed with the retired key is not believed (gov_audit_walk_end), so
 * whoever holds that key cannot write one that passes.
 */
void
governance_anchor_reseal(const unsigned char *oldkey, size_t oldlen,
						 const unsigned char *newkey, size_t newlen)
{
	char		buf[GOV_AUDIT_ANCHOR_MAX];
	char		sealed[GOV_AUDIT_ANCHOR_MAX];
	char		path[MAXPGPATH];
	char		why[512];
	int			len = governance_anchor_read(buf, sizeof(buf));
	GovAuditKeyring ring;
	GovAuditHeads heads;
	uint64_t	next_seq;
	int			key,
				seal_key;
	size_t		n;

	if (len < 0)
		return;					/* no anchor: nothing was removed yet */
	gov_audit_keyring_init(&ring);
	gov_audit_keyring_add(&ring, oldkey, oldlen);
	gov_audit_keyring_add(&ring, newkey, newlen);
	(void) governance_sink_add_old_keys(&ring, why, sizeof(why));
	if (!gov_audit_anchor_parse(buf, len, &ring, &next_seq, &heads, &key, &seal_key,
								why, sizeof(why)) || seal_key != 0)
	{
		ereport(WARNING,
				(errmsg("governance could not seal the audit anchor with the new chain key: it is not sealed with the key in force until now"),
				 errdetail("%s", why[0] ? why : "It is sealed with another key."),
				 errhint("governance.verify_audit() will report the anchor.")));
		gov_audit_keyring_free(&ring);
		return;
	}
	n = gov_audit_anchor_render(next_seq, &heads, ring.keys[key].id, newkey, newlen,
								sealed, sizeof(sealed));
	gov_anchor_path(path, sizeof(path));
	if (n == 0 || !governance_write_durably(path, sealed, n, why, sizeof(why)))
		ereport(WARNING,
				(errmsg("governance could not seal the audit anchor with the new chain key: %s", why)));
	gov_audit_keyring_free(&ring);
}

/*
 * Verify the file to be removed, continuing the walk from the anchor (or
 * from the genesis hash if it is the trail's first), and learn the heads
 * and the key in force after it.  Nothing is sealed into the anchor that
 * was not verified here: a file replaced by made-up lines stops retention.
 */
static bool
gov_verify_file(const char *path, GovAuditWalk *walk, char *why, size_t whylen)
{
	FILE	   *f = fopen(path, "r");
	char	   *line = NULL;
	size_t		cap = 0;
	ssize_t		len;
	bool		ok = f != NULL;

	if (f == NULL)
		snprintf(why, whylen, "could not read \"%s\": %m", path);
	while (ok && (len = getline(&line, &cap, f)) > 0)
	{
		uint64_t	bad = 0;
		char		w[512];

		if (!gov_audit_walk_line(walk, line, (size_t) len, &bad, w, sizeof(w)))
		{
			snprintf(why, whylen, "\"%s\" does not verify at sequence number %llu (%s): it is kept",
					 path, (unsigned long long) bad, w);
			ok = false;
		}
	}
	free(line);
	if (f)
		fclose(f);
	return ok;
}

/* Run governance.audit_archive_command for one file; true if it exited 0. */
static bool
gov_archive(const char *path, char *why, size_t whylen)
{
	StringInfoData cmd;
	const char *name = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
	int			rc;

	initStringInfo(&cmd);
	for (const char *c = governance_audit_archive_command; *c; c++)
	{
		if (c[0] == '%' && c[1] == 'p')
			appendStringInfoString(&cmd, path), c++;
		else if (c[0] == '%' && c[1] == 'f')
			appendStringInfoString(&cmd, name), c++;
		else if (c[0] == '%' && c[1] == '%')
			appendStringInfoChar(&cmd, '%'), c++;
		else
			appendStringInfoChar(&cmd, *c);
	}
	fflush(NULL);
	rc = system(cmd.data);
	if (rc != 0)
		snprintf(why, whylen, "governance.audit_archive_command failed for \"%s\" (exit status %d)",
				 name, WIFEXITED(rc) ? WEXITSTATUS(rc) : -1);
	pfree(cmd.data);
	return rc == 0;
}

void
governance_retention_run(const unsigned char *key, size_t keylen)
{
	List	   *files;
	int			nfiles;
	int64		total = 0;
	TimestampTz now = GetCurrentTimestamp();
	char		why[1024] = "";
	bool		any_removed = false;
	GovAuditKeyring ring;
	char		keyerr[512] = "";

	if (governance_audit_retention <= 0 && governance_audit_max_size <= 0)
	{
		gov_blocked(NULL, false);
		return;
	}

	/*
	 * The files to go may be chained with retired keys: they verify with
	 * the chain's key and the old ones (a key that cannot be read makes
	 * the files that need it stay, and says so).
	 */
	gov_audit_keyring_init(&ring);
	gov_audit_keyring_add(&ring, key, keylen);
	(void) governance_sink_add_old_keys(&ring, keyerr, sizeof(keyerr));
	files = governance_sink_files();
	nfiles = list_length(files);
	for (int i = 0; i < nfiles; i++)
	{
		struct stat st;

		if (stat((char *) list_nth(files, i), &st) == 0)
			total += st.st_size;
	}

	/*
	 * The oldest file first; never the two newest: the one being written,
	 * and the one before it, where a worker that starts again finds the
	 * last hashes of the chain when the newest has few lines yet.
	 */
	for (int i = 0; i + 2 < nfiles; i++)
	{
		const char *path = list_nth(files, i);
		const char *next = list_nth(files, i + 1);
		struct stat st;
		bool		too_old,
					too_big;
		uint64		last_in_file;
		GovAuditHeads heads;
		const char *key_in_force;
		char		aw[512];
		char		sealed[GOV_AUDIT_ANCHOR_MAX];
		size_t		n;
		char		apath[MAXPGPATH];
		uint64		acked;
		bool		shipping;

		if (stat(path, &st) != 0)
			break;
		too_old = governance_audit_retention > 0 &&
			TimestampDifferenceExceeds(time_t_to_timestamptz(st.st_mtime), now,
									   governance_audit_retention * 1000);
		too_big = governance_audit_max_size > 0 &&
			total > (int64) governance_audit_max_size * 1024;
		if (!too_old && !too_big)
			break;
		last_in_file = gov_audit_file_first_seq(next) - 1;

		/*
		 * The audit worker, when it starts again, finds the last hash of
		 * every strand in the last GOV_AUDIT_STRANDS events: they stay.
		 */
		if (governance_ring_written_seq() < last_in_file + GOV_AUDIT_STRANDS)
			break;

		/* (1) Every enabled sink has delivered past it. */
		acked = governance_ship_acked_seq(&shipping);
		if (shipping && acked < last_in_file)
		{
			snprintf(why, sizeof(why), "\"%s\" is not yet delivered to the collector (acknowledged up to %llu, the file ends at %llu)",
					 path, (unsigned long long) acked, (unsigned long long) last_in_file);
			break;
		}
		/*
		 * The file must continue the trail from the anchor (or start it),
		 * and verify; then the anchor moves past it, sealed with the key in
		 * force now, and it goes.
		 */
		{
			GovAuditWalk walk;
			char		anchor[GOV_AUDIT_ANCHOR_MAX];
			int			alen = governance_anchor_read(anchor, sizeof(anchor));
			uint64_t	bad;

			if (!gov_audit_walk_start_trail(&walk, gov_audit_file_first_seq(path),
											alen >= 0 ? anchor : NULL, Max(alen, 0),
											&ring, &bad, aw, sizeof(aw)))
			{
				snprintf(why, sizeof(why), "the trail cannot be verified from \"%s\": %s", path, aw);
				break;
			}
			/*
			 * Only an anchor the server sealed with the key in force now
			 * is extended: one sealed with a retired key was written by
			 * whoever held it, not by the server.
			 */
			if (walk.anchor_seal_key > 0)
			{
				snprintf(why, sizeof(why), "the anchor is sealed with key %s, not with the configured chain key %s: it was not written by the server",
						 ring.keys[walk.anchor_seal_key].id, ring.keys[0].id);
				break;
			}
			/*
			 * The first file starts at the anchor, or (a removal cut short)
			 * leads to it within itself.
			 */
			if (walk.known == 0 &&
				(walk.anchor_seq == 0 || walk.anchor_seq > last_in_file + 1))
			{
				snprintf(why, sizeof(why), "\"%s\" does not start where the anchor says the trail goes on",
						 path);
				break;
			}
			if (!gov_verify_file(path, &walk, why, sizeof(why)))
				break;
			if (walk.anchor_seq != 0 && !walk.anchor_passed)
			{
				snprintf(why, sizeof(why), "\"%s\" does not lead to the anchor", path);
				break;
			}
			if (walk.expect != last_in_file + 1)
			{
				snprintf(why, sizeof(why), "\"%s\" ends at %llu, not where the next file begins",
						 path, (unsigned long long) (walk.expect - 1));
				break;
			}
			heads = walk.heads;
			key_in_force = ring.keys[walk.key].id;
		}

		/*
		 * (2) It is archived, if an archive command is set: run each time
		 * a verified file is about to go (the command must be idempotent,
		 * as archive_command's must), never taken on a marker's word.
		 */
		if (governance_audit_archive_command != NULL &&
			governance_audit_archive_command[0] != '\0' &&
			!gov_archive(path, why, sizeof(why)))
			break;
		/* Sealed with the key in force now, naming the one in force there. */
		n = gov_audit_anchor_render(last_in_file + 1, &heads, key_in_force,
									ring.keys[0].key, ring.keys[0].keylen,
									sealed, sizeof(sealed));
		gov_anchor_path(apath, sizeof(apath));
		if (n == 0 || !governance_write_durably(apath, sealed, n, why, sizeof(why)))
			break;
		if (unlink(path) != 0)
		{
			snprintf(why, sizeof(why), "could not remove \"%s\": %m", path);
			break;
		}
		fsync_fname(governance_audit_directory, true);
		total -= st.st_size;
		any_removed = true;
		gov_blocked(NULL, true);
		ereport(LOG,
				(errmsg("governance removed audit file \"%s\" (events to %llu): %s",
						path, (unsigned long long) last_in_file,
						too_old ? "older than governance.audit_retention" :
						"the trail exceeded governance.audit_max_size"),
				 errdetail("The trail now starts at sequence number %llu; the anchor records what it chains to.",
						   (unsigned long long) (last_in_file + 1))));
	}
	list_free_deep(files);
	gov_audit_keyring_free(&ring);
	if (why[0] != '\0' && keyerr[0] != '\0')
	{
		strlcat(why, "; ", sizeof(why));
		strlcat(why, keyerr, sizeof(why));
	}
	if (why[0] != '\0')
	{
		static TimestampTz last_warning = 0;

		gov_blocked(why, false);
		if (TimestampDifferenceExceeds(last_warning, now, 60000))
		{
			ereport(WARNING,
					(errmsg("governance cannot remove old audit files yet"),
					 errdetail("%s", why)));
			last_warning = now;
		}
	}
	else if (!any_removed)
		gov_blocked(NULL, false);
}

/*
 * governance.audit_retention(): the trail's files as they stand, and what
 * keeps the oldest from going, if anything.
 */
PG_FUNCTION_INFO_V1(governance_audit_retention_1_0);

Datum
governance_audit_retention_1_0(PG_FUNCTION_ARGS)
{
	TupleDesc	tupdesc;
	Datum		values[6];
	bool		nulls[6] = {0};
	List	   *files;
	ListCell   *lc;
	int64		bytes = 0;
	uint64		removed;
	TimestampTz last;
	char		blocked[256];

	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");
	files = governance_sink_files();
	foreach(lc, files)
	{
		struct stat st;

		if (stat((char *) lfirst(lc), &st) == 0)
			bytes += st.st_size;
	}
	governance_retention_status(&removed, &last, blocked, sizeof(blocked));
	values[0] = Int32GetDatum(list_length(files));
	values[1] = Int64GetDatum(bytes);
	if (files != NIL)
	{
		const char *first = linitial(files);

		values[2] = Int64GetDatum((int64) gov_audit_file_first_seq(first));
	}
	else
		nulls[2] = true;
	values[3] = Int64GetDatum((int64) removed);
	values[4] = TimestampTzGetDatum(last);
	nulls[4] = last == 0;
	values[5] = CStringGetTextDatum(blocked);
	nulls[5] = blocked[0] == '\0';
	list_free_deep(files);
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(tupdesc, values, nulls)));
}
