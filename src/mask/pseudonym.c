/*-------------------------------------------------------------------------
 *
 * pseudonym.c
 *	  The pseudonym key and the keyed MAC a pseudonym is made from.
 *
 * A pseudonym is HMAC-SHA-256 of a value's text under a secret of the
 * cluster, so equal values get equal pseudonyms (joins still work) and
 * nobody without the key can compute one.  The key is the content of
 * governance.pseudonym_key_file; empty means governance_pseudonym.key in
 * the data directory, made with random bytes by the first backend that
 * needs it.
 *
 * The key lives only inside an OpenSSL MAC context owned by this backend:
 * malloc'd by OpenSSL, kept for the backend's life, and replaced when the
 * setting names another file (a reload that changes it).  Bytes read from
 * the file are wiped as soon as the context is keyed, and never appear in
 * a message.  Nothing here allocates OpenSSL state between an ereport and
 * its release, so no error path leaks it.
 *
 * Who may compute a pseudonym is masks.c's business, not this file's.
 *
 * src/mask/pseudonym.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/params.h>

#include "catalog/pg_type.h"
#include "fmgr.h"
#include "governance/mask.h"
#include "miscadmin.h"
#include "storage/fd.h"
#include "utils/builtins.h"
#include "utils/date.h"
#include "utils/datetime.h"
#include "utils/memutils.h"

/* The key file made on first use when the setting is empty. */
#define GOV_DEFAULT_KEY_FILE	"governance_pseudonym.key"
#define GOV_NEW_KEY_LEN			32
#define GOV_MIN_KEY_LEN			16
#define GOV_MAX_KEY_LEN			1024

/* The pseudonym key, as a keyed MAC context, and the setting it came from. */
static EVP_MAC_CTX *gov_mac_ctx = NULL;
static char *gov_mac_setting = NULL;

/*
 * Make the default key file: 32 random bytes, 0600.  It is written under
 * a name of this backend's own and linked into place, so another backend
 * never reads it half written; if one got there first, link() fails with
 * EEXIST and its key is the key.
 */
static void
gov_key_create(const char *path)
{
	unsigned char key[GOV_NEW_KEY_LEN];
	char	   *tmp = psprintf("%s.%d.tmp", path, MyProcPid);
	int			fd;
	bool		ok;

	if (!pg_strong_random(key, sizeof(key)))
		ereport(ERROR,
				(errcode(ERRCODE_INTERNAL_ERROR),
				 errmsg("could not generate a pseudonym key"),
				 errdetail("The system's random number generator failed.")));
	(void) unlink(tmp);
	fd = OpenTransientFilePerm(tmp, O_WRONLY | O_CREAT | O_EXCL | PG_BINARY,
							   S_IRUSR | S_IWUSR);
	ok = fd >= 0 && write(fd, key, sizeof(key)) == (ssize_t) sizeof(key) &&
		pg_fsync(fd) == 0;
	explicit_bzero(key, sizeof(key));
	if (fd >= 0)
		CloseTransientFile(fd);
	if (!ok || (link(tmp, path) != 0 && errno != EEXIST))
	{
		int			save_errno = errno;

		(void) unlink(tmp);
		errno = save_errno;
		ereport(ERROR,
				(errcode(ERRCODE_CONFIG_FILE_ERROR),
				 errmsg("could not create the pseudonym key file"),
				 errdetail_log("Creating \"%s\" failed: %m.", path),
				 errhint("Make the data directory writable, or set governance.pseudonym_key_file to a key file.")));
	}
	(void) unlink(tmp);
	/* The key must outlive a crash: pseudonyms handed out depend on it. */
	(void) fsync_fname_ext(DataDir, true, false, WARNING);
	pfree(tmp);
}

/* Refuse the key file; why and where go to the server log only. */
static void
gov_key_refuse(const char *path, const char *why)
{
	ereport(ERROR,
			(errcode(ERRCODE_CONFIG_FILE_ERROR),
			 errmsg("the pseudonym key file cannot be used"),
			 errdetail_log("\"%s\": %s.", path, why),
			 errhint("Set governance.pseudonym_key_file to a regular file of %d to %d bytes that only the server's user can read, or leave it empty to use a key made in the data directory.",
					 GOV_MIN_KEY_LEN, GOV_MAX_KEY_LEN)));
}

/*
 * Key the MAC context from the key file, unless it already was keyed from
 * the file the setting names now.  The path stays out of what the client
 * sees: the setting is visible to superusers only.
 */
static void
gov_key_ready(void)
{
	const char *setting = governance_pseudonym_key_file ? governance_pseudonym_key_file : "";
	char	   *path;
	unsigned char key[GOV_MAX_KEY_LEN + 1];
	int			len = 0;
	int			fd;
	struct stat st;
	EVP_MAC    *mac;
	EVP_MAC_CTX *ctx;
	OSSL_PARAM	params[2];

	if (gov_mac_ctx != NULL && strcmp(setting, gov_mac_setting) == 0)
		return;

	/* A relative path is relative to the data directory, our cwd. */
	path = setting[0] != '\0' ? pstrdup(setting) :
		psprintf("%s/%s", DataDir, GOV_DEFAULT_KEY_FILE);
	fd = OpenTransientFile(path, O_RDONLY | PG_BINARY);
	if (fd < 0 && errno == ENOENT && setting[0] == '\0')
	{
		gov_key_create(path);
		fd = OpenTransientFile(path, O_RDONLY | PG_BINARY);
	}
	if (fd < 0)
		gov_key_refuse(path, strerror(errno));
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) ||
		(st.st_mode & (S_IRWXG | S_IRWXO)) != 0)
	{
		CloseTransientFile(fd);
		gov_key_refuse(path, "not a regular file, or open to group or others");
	}
	while (len < (int) sizeof(key))
	{
		ssize_t		n = read(fd, key + len, sizeof(key) - len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += n;
	}
	CloseTransientFile(fd);
	if (len < GOV_MIN_KEY_LEN || len > GOV_MAX_KEY_LEN)
	{
		explicit_bzero(key, sizeof(key));
		gov_key_refuse(path, len < GOV_MIN_KEY_LEN ? "too short" : "too long");
	}

	mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
	ctx = mac ? EVP_MAC_CTX_new(mac) : NULL;
	EVP_MAC_free(mac);
	params[0] = OSSL_PARAM_construct_utf8_string("digest", (char *) "SHA256", 0);
	params[1] = OSSL_PARAM_construct_end();
	if (ctx == NULL || EVP_MAC_init(ctx, key, len, params) != 1)
	{
		explicit_bzero(key, sizeof(key));
		EVP_MAC_CTX_free(ctx);
		ereport(ERROR,
				(errcode(ERRCODE_INTERNAL_ERROR),
				 errmsg("could not set up HMAC-SHA-256 for pseudonyms")));
	}
	explicit_bzero(key, sizeof(key));

	/* Only now, when nothing can fail, does the new key replace the old. */
	EVP_MAC_CTX_free(gov_mac_ctx);
	gov_mac_ctx = ctx;
	if (gov_mac_setting != NULL)
		pfree(gov_mac_setting);
	gov_mac_setting = MemoryContextStrdup(TopMemoryContext, setting);
	pfree(path);
}

/*
 * The text a value is pseudonymised as: its output, except where that
 * output depends on a setting or differs for equal values.  A bpchar
 * loses its padding (bpchar compares without it), a numeric its trailing
 * fractional zeros (so 42.00 and the integer 42 agree), a date is written
 * in ISO style and a bytea in hex, whatever DateStyle and bytea_output
 * say.  Text and varchar are their bytes, so they agree with each other.
 */
static char *
gov_value_text(Oid base, Datum value, size_t *len)
{
	char	   *s;

	switch (base)
	{
		case TEXTOID:
		case VARCHAROID:
		case BPCHAROID:
			{
				text	   *t = DatumGetTextPP(value);

				*len = VARSIZE_ANY_EXHDR(t);
				/* Server encodings never use a space as a trailing byte. */
				while (base == BPCHAROID && *len > 0 &&
					   VARDATA_ANY(t)[*len - 1] == ' ')
					(*len)--;
				return VARDATA_ANY(t);
			}
		case NAMEOID:
			s = NameStr(*DatumGetName(value));
			break;
		case INT2OID:
			s = DatumGetCString(DirectFunctionCall1(int2out, value));
			break;
		case INT4OID:
			s = DatumGetCString(DirectFunctionCall1(int4out, value));
			break;
		case INT8OID:
			s = DatumGetCString(DirectFunctionCall1(int8out, value));
			break;
		case NUMERICOID:
			value = DirectFunctionCall1(numeric_trim_scale, value);
			s = DatumGetCString(DirectFunctionCall1(numeric_out, value));
			break;
		case UUIDOID:
			s = DatumGetCString(DirectFunctionCall1(uuid_out, value));
			break;
		case JSONBOID:
			s = DatumGetCString(DirectFunctionCall1(jsonb_out, value));
			break;
		case DATEOID:
			{
				DateADT		d = DatumGetDateADT(value);
				struct pg_tm tm;

				s = palloc(MAXDATELEN + 1);
				if (DATE_NOT_FINITE(d))
					EncodeSpecialDate(d, s);
				else
				{
					memset(&tm, 0, sizeof(tm));
					j2date(d + POSTGRES_EPOCH_JDATE,
						   &tm.tm_year, &tm.tm_mon, &tm.tm_mday);
					EncodeDateOnly(&tm, USE_ISO_DATES, s);
				}
				break;
			}
		case BYTEAOID:
			{
				bytea	   *b = DatumGetByteaPP(value);
				size_t		n = VARSIZE_ANY_EXHDR(b);

				s = palloc(2 * n + 3);
				s[0] = '\\';
				s[1] = 'x';
				hex_encode(VARDATA_ANY(b), n, s + 2);
				s[2 + 2 * n] = '\0';
				break;
			}
		default:
			elog(ERROR, "no pseudonym text for type %u", base);
	}
	*len = strlen(s);
	return s;
}

/*
 * HMAC-SHA-256 of a value of a base type the pseudonym mask supports,
 * under the pseudonym key, into mac (GOV_PSEUDONYM_MAC_LEN bytes).
 */
void
governance_pseudonym_mac(Oid base, Datum value, unsigned char *mac)
{
	size_t		len = 0;
	const char *s = gov_value_text(base, value, &len);
	size_t		maclen = 0;

	gov_key_ready();
	/* A NULL key restarts the context with the key it has. */
	if (EVP_MAC_init(gov_mac_ctx, NULL, 0, NULL) != 1 ||
		EVP_MAC_update(gov_mac_ctx, (const unsigned char *) s, len) != 1 ||
		EVP_MAC_final(gov_mac_ctx, mac, &maclen, GOV_PSEUDONYM_MAC_LEN) != 1 ||
		maclen != GOV_PSEUDONYM_MAC_LEN)
		ereport(ERROR,
				(errcode(ERRCODE_INTERNAL_ERROR),
				 errmsg("could not compute a pseudonym")));
}
