/*-------------------------------------------------------------------------
 *
 * key_settings.c
 *	  The verification keys and options in force in this backend.
 *
 * Keys come from files named by SIGHUP settings: public keys (PEM or
 * JWKS) and an HMAC secret, and from the sets fetched from the URLs of
 * governance.jwks_url, as kept in the data directory (jwks.c).  A check hook loads a new file completely
 * before the setting may change, so a bad file at reload is reported in the
 * server log and the old keys stay in force.  The assign hooks of every
 * verification setting only advance a generation counter; the key set is
 * (re)read lazily, at the next verification, so a reload costs nothing
 * until a token is checked.  Identities and cache entries remember the
 * generation they were verified under, which is how a key removed from the
 * file stops a session that is still using a token signed by it.
 *
 * The key set is malloc'd (it belongs to the plain-C verifier) and replaced
 * whole; nothing else keeps a pointer into it across a reload.
 *
 * src/identity/key_settings.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <sys/stat.h>

#include "governance/common.h"
#include "governance/identity.h"
#include "governance/identity_jwt.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "utils/guc.h"

#include "jwks_internal.h"

/* Largest key file read. */
#define GOV_MAX_KEY_FILE (1024 * 1024)

static GovJwtKeySet *gov_keyset = NULL;
static char gov_keyset_error[256];
static uint64 gov_generation = 1;
static uint64 gov_keyset_generation = 0;
static bool gov_settings_changed = true;
static char gov_keyset_stamp[GOV_VERIFY_STAMP_LEN];
static char gov_settings_digest[GOV_JWT_FINGERPRINT_LEN];
static uint32 gov_allowed_algs = GOV_JWT_ALG_ALL;

/*
 * Read a whole file into malloc'd memory.  Returns NULL and a reason in err
 * on failure.  Plain stdio on purpose: this runs inside GUC check hooks,
 * which must not throw.
 */
static char *
gov_read_key_file(const char *path, bool secret, size_t *len,
				  char *err, size_t errlen)
{
	struct stat st;
	FILE	   *f;
	char	   *buf;

	if (stat(path, &st) != 0)
	{
		snprintf(err, errlen, "could not stat \"%s\": %m", path);
		return NULL;
	}
	if (!S_ISREG(st.st_mode))
	{
		snprintf(err, errlen, "\"%s\" is not a regular file", path);
		return NULL;
	}
	if (secret && (st.st_mode & (S_IRWXG | S_IRWXO)) != 0)
	{
		snprintf(err, errlen, "\"%s\" must not be accessible by group or others (chmod 0600)", path);
		return NULL;
	}
	if (st.st_size > GOV_MAX_KEY_FILE)
	{
		snprintf(err, errlen, "\"%s\" is larger than %d bytes", path, GOV_MAX_KEY_FILE);
		return NULL;
	}
	f = fopen(path, "rb");
	if (f == NULL)
	{
		snprintf(err, errlen, "could not open \"%s\": %m", path);
		return NULL;
	}
	buf = malloc(st.st_size + 1);
	if (buf == NULL)
	{
		fclose(f);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	*len = fread(buf, 1, st.st_size, f);
	fclose(f);
	buf[*len] = '\0';
	return buf;
}

/*
 * Key files as last read, by path: the keys each gave, its notes (keys of
 * a JWKS skipped, one per line), what identifies its content (device,
 * inode, size, modification and change times) and a digest of it.  A file
 * whose identity has not changed is not read or parsed again: a reload
 * re-runs every setting's check hook in the postmaster and in every
 * backend, and parsing a PEM key costs millions of instructions.  The
 * entries the postmaster filled are inherited by the backends it forks,
 * so a backend started after a reload parses nothing either.
 */
typedef struct GovKeyFile
{
	char	   *path;			/* NULL: a free slot */
	bool		secret;
	bool		published;		/* a kept copy of a set fetched from a URL */
	dev_t		dev;
	ino_t		ino;
	off_t		size;
	struct timespec mtime;
	struct timespec ctime;
	char		digest[GOV_JWT_FINGERPRINT_LEN];
	GovJwtKeySet *keys;
	char	   *notes;
} GovKeyFile;

#define GOV_KEY_FILES 16
static GovKeyFile gov_key_files[GOV_KEY_FILES];
static int	gov_key_files_next = 0;

static void
gov_key_file_clear(GovKeyFile *f)
{
	free(f->path);
	free(f->notes);
	gov_jwt_keyset_free(f->keys);
	memset(f, 0, sizeof(*f));
}

static bool
gov_key_file_same(const GovKeyFile *f, const struct stat *st)
{
	return f->dev == st->st_dev && f->ino == st->st_ino && f->size == st->st_size &&
		f->mtime.tv_sec == st->st_mtim.tv_sec && f->mtime.tv_nsec == st->st_mtim.tv_nsec &&
		f->ctime.tv_sec == st->st_ctim.tv_sec && f->ctime.tv_nsec == st->st_ctim.tv_nsec;
}

/*
 * The keys of one file, read and parsed only if it changed since it was
 * last read; NULL with a reason in err if it does not load.  Plain malloc
 * and no ereport: this runs inside GUC check hooks.
 */
static const GovKeyFile *
gov_key_file_get(const char *path, bool secret, bool published, char *err,
				 size_t errlen)
{
	struct stat st;
	GovKeyFile	fresh = {0};
	GovKeyFile *slot = NULL;
	size_t		len = 0;
	char	   *buf;
	char		notes[2048] = "";
	bool		ok;
	int			i;

	if (stat(path, &st) == 0)
		for (i = 0; i < GOV_KEY_FILES; i++)
			if (gov_key_files[i].path != NULL && gov_key_files[i].secret == secret &&
				gov_key_files[i].published == published &&
				strcmp(gov_key_files[i].path, path) == 0)
			{
				if (gov_key_file_same(&gov_key_files[i], &st))
					return &gov_key_files[i];
				slot = &gov_key_files[i];
				break;
			}

	buf = gov_read_key_file(path, secret, &len, err, errlen);
	if (buf == NULL)
		return NULL;
	fresh.keys = gov_jwt_keyset_new();
	if (fresh.keys == NULL)
		ok = false, snprintf(err, errlen, "out of memory");
	else if (secret)
	{
		/* One trailing newline, as editors leave it, is not secret. */
		size_t		used = len;

		if (used > 0 && buf[used - 1] == '\n')
			used--;
		if (used > 0 && buf[used - 1] == '\r')
			used--;
		ok = gov_jwt_keyset_add_hmac(fresh.keys, (unsigned char *) buf, used, err, errlen);
	}
	else if (published)
		ok = gov_jwt_keyset_add_published(fresh.keys, buf, len, notes, sizeof(notes),
										  err, errlen);
	else
		ok = gov_jwt_keyset_add_public_noted(fresh.keys, buf, len, notes, sizeof(notes),
											 err, errlen);
	gov_jwt_fingerprint(buf, len, fresh.digest);
	explicit_bzero(buf, len);
	free(buf);
	if (ok && stat(path, &st) != 0)
		ok = false, snprintf(err, errlen, "could not stat \"%s\": %m", path);
	fresh.path = ok ? strdup(path) : NULL;
	fresh.notes = ok ? strdup(notes) : NULL;
	if (ok && (fresh.path == NULL || fresh.notes == NULL))
		ok = false, snprintf(err, errlen, "out of memory");
	if (!ok)
	{
		char		why[256];

		gov_key_file_clear(&fresh);
		snprintf(why, sizeof(why), "%s", err);
		if (strstr(why, path) == NULL)
			snprintf(err, errlen, "\"%s\": %s", path, why);
		return NULL;
	}
	fresh.secret = secret;
	fresh.published = published;
	fresh.dev = st.st_dev;
	fresh.ino = st.st_ino;
	fresh.size = st.st_size;
	fresh.mtime = st.st_mtim;
	fresh.ctime = st.st_ctim;

	if (slot == NULL)
	{
		for (i = 0; i < GOV_KEY_FILES && slot == NULL; i++)
			if (gov_key_files[i].path == NULL)
				slot = &gov_key_files[i];
		if (slot == NULL)
		{
			slot = &gov_key_files[gov_key_files_next];
			gov_key_files_next = (gov_key_files_next + 1) % GOV_KEY_FILES;
		}
	}
	gov_key_file_clear(slot);
	*slot = fresh;
	return slot;
}

/*
 * Add the keys in one file to ks; false with a reason on failure.  With
 * log, say in the server log what the file held: one line for the keys it
 * gave (their kids and algorithms), one for each key of a JWKS skipped.
 * A file that is the kept copy of a set fetched from a URL (url not NULL)
 * is loaded as a published set, and the log names the URL.
 */
static bool
gov_add_one_key_file(GovJwtKeySet *ks, const char *path, const char *url,
					 bool secret, bool log, char *err, size_t errlen)
{
	const GovKeyFile *f = gov_key_file_get(path, secret, url != NULL, err, errlen);

	if (f == NULL)
		return false;
	if (!gov_jwt_keyset_append(ks, f->keys, err, errlen))
	{
		char		why[256];

		snprintf(why, sizeof(why), "%s", err);
		snprintf(err, errlen, "\"%s\": %s", path, why);
		return false;
	}
	if (log)
	{
		char		keys[2048];
		char	   *notes = strdup(f->notes);
		char	   *line,
				   *save = NULL;

		for (line = notes ? strtok_r(notes, "\n", &save) : NULL; line != NULL;
			 line = strtok_r(NULL, "\n", &save))
			ereport(LOG,
					(errmsg("governance skipped a key of \"%s\": %s", url ? url : path, line)));
		free(notes);
		gov_jwt_keyset_describe(f->keys, 0, keys, sizeof(keys));
		ereport(LOG,
				(errmsg("governance read %d verification key%s from %s\"%s\": %s",
						gov_jwt_keyset_count(f->keys),
						gov_jwt_keyset_count(f->keys) == 1 ? "" : "s",
						url ? "the kept copy of " : "", url ? url : path, keys)));
	}
	return true;
}

/*
 * Add the keys of a setting's files: governance.jwt_public_keys_file is a
 * comma-separated list (PEM and JWKS files mixed, as identity providers
 * and rotations make them), the HMAC secret one file.  All load, or the
 * setting fails.
 */
static bool
gov_add_key_file(GovJwtKeySet *ks, const char *paths, bool secret, bool log,
				 char *err, size_t errlen)
{
	char	   *copy;
	char	   *path,
			   *save = NULL;
	bool		ok = true;

	if (paths == NULL || paths[0] == '\0')
		return true;
	if (secret)
		return gov_add_one_key_file(ks, paths, NULL, true, log, err, errlen);
	copy = strdup(paths);
	if (copy == NULL)
	{
		snprintf(err, errlen, "out of memory");
		return false;
	}
	for (path = strtok_r(copy, ",", &save); path != NULL && ok;
		 path = strtok_r(NULL, ",", &save))
	{
		path = governance_trim_blanks(path);
		if (*path == '\0')
			continue;
		ok = gov_add_one_key_file(ks, path, NULL, false, log, err, errlen);
	}
	free(copy);
	return ok;
}

/* A key file setting may change only to a file that loads. */
static bool
gov_key_file_check(char **newval, bool secret)
{
	GovJwtKeySet *ks;
	char		err[256] = "";
	bool		ok;

	if (*newval == NULL || (*newval)[0] == '\0')
		return true;
	ks = gov_jwt_keyset_new();
	if (ks == NULL)
		return false;
	/* The postmaster says what it read, at start and at each reload. */
	ok = gov_add_key_file(ks, *newval, secret, !IsUnderPostmaster, err, sizeof(err));
	gov_jwt_keyset_free(ks);
	if (!ok)
		GUC_check_errdetail("%s", err);
	return ok;
}

bool
governance_public_keys_check(char **newval, void **extra, GucSource source)
{
	return gov_key_file_check(newval, false);
}

bool
governance_hmac_secret_check(char **newval, void **extra, GucSource source)
{
	return gov_key_file_check(newval, true);
}

/*
 * governance.jwt_roles_claim: names joined by dots, or a JSON Pointer.  A
 * path that cannot find roles is refused here, at load, rather than giving
 * every identity an empty list of roles.
 */
bool
governance_roles_claim_check(char **newval, void **extra, GucSource source)
{
	char		err[512];

	if (gov_jwt_roles_path_valid(*newval, err, sizeof(err)))
		return true;
	GUC_check_errdetail("%s.", err);
	GUC_check_errhint("Examples: roles, realm_access.roles, /realm_access/roles, /https:~1~1example.com~1roles.");
	return false;
}

/* governance.jwt_algorithms: a comma-separated list of JWS names. */
bool
governance_algorithms_check(char **newval, void **extra, GucSource source)
{
	char	   *copy = pstrdup(*newval);
	char	   *tok,
			   *save = NULL;
	uint32		mask = 0;
	uint32	   *result;

	for (tok = strtok_r(copy, ", \t", &save); tok != NULL;
		 tok = strtok_r(NULL, ", \t", &save))
	{
		uint32		bit = gov_jwt_alg_from_name(tok);

		if (bit == 0)
		{
			GUC_check_errdetail("Unknown or unsupported algorithm \"%s\".", tok);
			GUC_check_errhint("Use any of HS256, HS384, HS512, RS256, RS384, RS512, PS256, PS384, PS512, ES256, ES384, ES512, EdDSA.");
			pfree(copy);
			return false;
		}
		mask |= bit;
	}
	pfree(copy);
	if (mask == 0)
	{
		GUC_check_errdetail("At least one algorithm is required.");
		return false;
	}
	result = malloc(sizeof(uint32));
	if (result == NULL)
		return false;
	*result = mask;
	*extra = result;
	return true;
}

void
governance_algorithms_assign(const char *newval, void *extra)
{
	if (extra != NULL)
		gov_allowed_algs = *(uint32 *) extra;
	gov_settings_changed = true;
}

/*
 * A verification setting was assigned, perhaps to the value it had: a
 * reload assigns every setting of the file.  Whether anything changed is
 * found out at the next verification (governance_verify_generation).
 */
void
governance_verify_settings_assign(const char *newval, void *extra)
{
	gov_settings_changed = true;
}

void
governance_verify_int_assign(int newval, void *extra)
{
	gov_settings_changed = true;
}

/* Add a string and its terminator to what the digest covers. */
static void
gov_digest_add(StringInfo buf, const char *s)
{
	appendBinaryStringInfo(buf, s ? s : "", s ? strlen(s) + 1 : 1);
}

/* Add the content digests of a setting's key files. */
static void
gov_digest_add_files(StringInfo buf, const char *paths, bool secret)
{
	char	   *copy = pstrdup(paths ? paths : "");
	char	   *path,
			   *save = NULL;

	for (path = strtok_r(copy, secret ? "" : ",", &save); path != NULL;
		 path = strtok_r(NULL, secret ? "" : ",", &save))
	{
		const char *digest = "-";

		path = governance_trim_blanks(path);
		for (int i = 0; i < GOV_KEY_FILES; i++)
			if (gov_key_files[i].path != NULL && gov_key_files[i].secret == secret &&
				strcmp(gov_key_files[i].path, path) == 0)
				digest = gov_key_files[i].digest;
		gov_digest_add(buf, digest);
	}
	pfree(copy);
}

/*
 * The generation of what verifies tokens.  It moves when a verification
 * setting, or the content of a key file as last read, really changed (not
 * on every reload, which would drop every session's cache of verified
 * tokens and verify every acting token again), or when the worker kept a
 * new set fetched from a URL.  Both counters only grow, so their sum
 * changes whenever either does.
 */
uint64
governance_verify_generation(void)
{
	if (gov_settings_changed)
	{
		StringInfoData buf;
		char		digest[GOV_JWT_FINGERPRINT_LEN];
		char		skew[16];

		gov_settings_changed = false;
		initStringInfo(&buf);
		gov_digest_add(&buf, governance_jwt_public_keys_file);
		gov_digest_add_files(&buf, governance_jwt_public_keys_file, false);
		gov_digest_add(&buf, governance_jwt_hmac_secret_file);
		gov_digest_add_files(&buf, governance_jwt_hmac_secret_file, true);
		gov_digest_add(&buf, governance_jwks_url);
		gov_digest_add(&buf, governance_jwt_issuer);
		gov_digest_add(&buf, governance_jwt_audience);
		gov_digest_add(&buf, governance_jwt_roles_claim);
		gov_digest_add(&buf, governance_jwt_algorithms);
		snprintf(skew, sizeof(skew), "%d", governance_jwt_clock_skew);
		gov_digest_add(&buf, skew);
		gov_jwt_fingerprint(buf.data, buf.len, digest);
		pfree(buf.data);
		if (strcmp(digest, gov_settings_digest) != 0)
		{
			strlcpy(gov_settings_digest, digest, sizeof(gov_settings_digest));
			gov_generation++;
		}
	}
	return gov_generation + governance_jwks_generation();
}

/*
 * Add the kept sets of the URLs of governance.jwks_url.  A URL not fetched
 * yet adds nothing (a token signed by its keys is refused until the worker
 * has fetched it, which a token naming an unknown key id asks for); a kept
 * copy that no longer loads is reported and adds nothing, the keys of the
 * other sources stay.
 */
static void
gov_add_kept_sets(GovJwtKeySet *ks, bool log)
{
	char	   *urls[GOV_JWKS_MAX_URLS];
	int			n = governance_jwks_urls(governance_jwks_url, urls);

	for (int i = 0; i < n; i++)
	{
		char		path[MAXPGPATH];
		char		err[256] = "";
		struct stat st;

		governance_jwks_cache_path(urls[i], path, sizeof(path));
		if (stat(path, &st) != 0)
		{
			if (log)
				ereport(LOG,
						(errmsg("governance has no key set from \"%s\" yet; it is fetched now", urls[i])));
			continue;
		}
		if (!gov_add_one_key_file(ks, path, urls[i], false, log, err, sizeof(err)))
			ereport(WARNING,
					(errcode(ERRCODE_CONFIG_FILE_ERROR),
					 errmsg("governance could not load the key set kept for \"%s\"", urls[i]),
					 errdetail("%s", err),
					 errhint("Its keys verify no token until it is fetched again.")));
	}
}

/*
 * The key set in force, reloading it if a setting changed since it was
 * read.  If the files no longer load (edited between the check hook and
 * now), the set is empty, so every token is refused: we fail closed, and
 * *load_error says why.
 */
const GovJwtKeySet *
governance_keyset(const char **load_error)
{
	uint64		generation = governance_verify_generation();

	if (gov_keyset_generation != generation)
	{
		GovJwtKeySet *ks = gov_jwt_keyset_new();
		char		err[256] = "";

		if (ks == NULL)
			ereport(ERROR,
					(errcode(ERRCODE_OUT_OF_MEMORY),
					 errmsg("out of memory")));
		gov_keyset_error[0] = '\0';
		if (!gov_add_key_file(ks, governance_jwt_public_keys_file, false, false,
							  err, sizeof(err)) ||
			!gov_add_key_file(ks, governance_jwt_hmac_secret_file, true, false,
							  err, sizeof(err)))
		{
			gov_jwt_keyset_free(ks);
			ks = gov_jwt_keyset_new();
			snprintf(gov_keyset_error, sizeof(gov_keyset_error), "%s", err);
			ereport(WARNING,
					(errcode(ERRCODE_CONFIG_FILE_ERROR),
					 errmsg("governance verification keys could not be loaded; every token is refused"),
					 errdetail("%s", err)));
		}
		else
			gov_add_kept_sets(ks, !IsUnderPostmaster);
		gov_jwt_keyset_free(gov_keyset);
		gov_keyset = ks;
		gov_keyset_generation = generation;

		/* The stamp: the settings' digest and the keys'. */
		{
			char		keys[GOV_JWT_FINGERPRINT_LEN];
			char		both[2 * GOV_JWT_FINGERPRINT_LEN];

			gov_jwt_keyset_digest(ks, keys);
			snprintf(both, sizeof(both), "%s:%s", gov_settings_digest, keys);
			if (keys[0] == '\0' || gov_settings_digest[0] == '\0')
				gov_keyset_stamp[0] = '\0';
			else
				gov_jwt_fingerprint(both, strlen(both), gov_keyset_stamp);
		}
	}
	if (load_error != NULL)
		*load_error = gov_keyset_error[0] ? gov_keyset_error : NULL;
	return gov_keyset;
}

const GovJwtKeySet *
governance_keyset_stamped(const char **load_error, char *stamp,
						  uint64 *generation)
{
	const GovJwtKeySet *ks = governance_keyset(load_error);

	strlcpy(stamp, gov_keyset_stamp, GOV_VERIFY_STAMP_LEN);
	*generation = gov_keyset_generation;
	return ks;
}

void
governance_verify_options(GovJwtOptions *opts, int64 now)
{
	memset(opts, 0, sizeof(*opts));
	opts->now = now;
	opts->leeway = governance_jwt_clock_skew;
	opts->issuer = governance_jwt_issuer;
	opts->audience = governance_jwt_audience;
	opts->roles_claim = governance_jwt_roles_claim;
	opts->allowed_algs = gov_allowed_algs;
	opts->max_len = GOV_JWT_MAX_TOKEN_LEN;
	opts->require_sub = true;
	opts->require_exp = true;
}
