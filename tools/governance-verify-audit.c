/*-------------------------------------------------------------------------
 *
 * governance-verify-audit.c
 *	  Command-line verifier of a governance audit trail.
 *
 * Usage: governance-verify-audit [--key FILE]... AUDIT-FILE...
 *
 * Walks the files in the order given (oldest first), checking every line's
 * hash and its link to the line before it in its strand, and that sequence
 * numbers run on without a gap.  A trail whose first file is named for
 * sequence number 1 must start from the genesis hash; one that starts
 * later, from the anchor beside its files.  The keys given are tried for
 * the first line, and the walk follows each key_rolled event to the key it
 * proves; the trail must end under the first key given, the one in force,
 * which must also be the key that sealed the anchor.  Prints "ok: N
 * events, ending under key ID"
 * and exits 0, or the first sequence number at which the chain breaks and
 * why, and exits 1.  Needs no server: it links only
 * src/audit/record.c, src/audit/line_check.c and libcrypto.  "make"
 * builds it and "make install" installs it beside PostgreSQL's programs.
 *
 * tools/governance-verify-audit.c
 *
 *-------------------------------------------------------------------------
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "governance/audit_record.h"

static void
usage(FILE *out, const char *progname)
{
	fprintf(out,
			"%s checks a governance audit trail without a server.\n"
			"\n"
			"Usage:\n"
			"  %s [--key FILE]... AUDIT-FILE...\n"
			"\n"
			"Give the files oldest first (pg_governance/audit-*.jsonl in the data directory\n"
			"sort that way).  Every line's hash and its link to the line before it are\n"
			"checked, and sequence numbers must run on without a gap.\n"
			"\n"
			"  --key FILE  a chain key: first the one in force\n"
			"              (governance.audit_hmac_key_file), which the trail must end\n"
			"              under; without it a trail chained with a key does not verify.\n"
			"              Give it again for each retired key the trail was chained with\n"
			"              (governance.audit_hmac_old_key_files): the walk crosses each\n"
			"              key_rolled event to the key it proves\n"
			"  --help      show this help and exit\n"
			"\n"
			"Prints \"ok: N events, ending under key ID\" and exits 0, or the first\n"
			"sequence number at which the chain breaks and why, and exits 1; exits 2 on a\n"
			"usage or file error.\n",
			progname, progname);
}

/* A key file, read as the server reads governance.audit_hmac_key_file. */
static void
add_key(GovAuditKeyring *ring, const char *progname, const char *path)
{
	FILE	   *f = fopen(path, "rb");
	unsigned char buf[1024];
	size_t		len;

	if (f == NULL)
	{
		perror(path);
		exit(2);
	}
	len = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	/* A trailing newline, as editors leave it, is not part of the key. */
	while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == '\r'))
		len--;
	if (len == 0)
	{
		fprintf(stderr, "%s: the key file \"%s\" is empty\n", progname, path);
		exit(2);
	}
	if (!gov_audit_keyring_add(ring, buf, len))
	{
		fprintf(stderr, "%s: at most %d keys can be given\n", progname, GOV_AUDIT_MAX_KEYS);
		exit(2);
	}
}

int
main(int argc, char **argv)
{
	GovAuditKeyring ring;
	uint64_t	first_seq;
	GovAuditWalk walk;
	int			i = 1;
	char	   *line = NULL;
	size_t		cap = 0;
	uint64_t	bad_seq = 0;
	char		why[512];

	const char *progname = strrchr(argv[0], '/') ? strrchr(argv[0], '/') + 1 : argv[0];

	if (argc > 1 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0))
	{
		usage(stdout, progname);
		return 0;
	}
	gov_audit_keyring_init(&ring);
	for (; i + 1 < argc && strcmp(argv[i], "--key") == 0; i += 2)
		add_key(&ring, progname, argv[i + 1]);
	if (i >= argc || strncmp(argv[i], "--", 2) == 0)
	{
		usage(stderr, progname);
		return 2;
	}
	/* No key given: the trail is checked as chained with plain SHA-256. */
	if (ring.nkeys == 0)
		gov_audit_keyring_add(&ring, NULL, 0);

	/* Where the trail starts is what its first file is named for. */
	first_seq = gov_audit_file_first_seq(argv[i]);
	if (first_seq == 0)
	{
		fprintf(stderr, "%s: \"%s\" is not named audit-<20 digits>.jsonl, so where the trail starts is not known; give the files as the extension names them\n",
				progname, argv[i]);
		return 2;
	}
	/* The anchor, if any, is beside the first file. */
	{
		char		apath[4096];
		char		buf[GOV_AUDIT_ANCHOR_MAX];
		const char *slash = strrchr(argv[i], '/');
		FILE	   *af;
		size_t		n = 0;

		snprintf(apath, sizeof(apath), "%.*s%s", slash ? (int) (slash - argv[i] + 1) : 0,
				 argv[i], GOV_AUDIT_ANCHOR_FILE);
		af = fopen(apath, "r");
		if (af != NULL)
		{
			n = fread(buf, 1, sizeof(buf), af);
			fclose(af);
		}
		if (!gov_audit_walk_start_trail(&walk, first_seq, af ? buf : NULL, n, &ring,
										&bad_seq, why, sizeof(why)))
		{
			printf("broken at sequence number %llu in %s: %s\n",
				   (unsigned long long) bad_seq, argv[i], why);
			return 1;
		}
	}
	for (; i < argc; i++)
	{
		FILE	   *f = fopen(argv[i], "r");
		ssize_t		n;

		if (f == NULL)
		{
			perror(argv[i]);
			return 2;
		}
		while ((n = getline(&line, &cap, f)) > 0)
		{
			if (!gov_audit_walk_line(&walk, line, (size_t) n, &bad_seq, why, sizeof(why)))
			{
				printf("broken at sequence number %llu in %s: %s\n",
					   (unsigned long long) bad_seq, argv[i], why);
				return 1;
			}
		}
		fclose(f);
	}
	if (!gov_audit_walk_end(&walk, why, sizeof(why)))
	{
		printf("broken: %s\n", why);
		return 1;
	}
	/*
	 * The first key given is the one in force now: a trail that ends under
	 * another was cut after a roll and continued with a retired key (or
	 * the worker has not rolled it yet).
	 */
	if (walk.key > 0)
	{
		printf("broken at sequence number %llu: the trail ends under key %s, not under key %s, the first --key given (the one in force): from there on it is chained with a retired key\n",
			   (unsigned long long) walk.key_since, ring.keys[walk.key].id, ring.keys[0].id);
		return 1;
	}
	if (walk.key >= 0)
		printf("ok: %llu events, ending under key %s\n", (unsigned long long) walk.events,
			   ring.keys[walk.key].id);
	else
		printf("ok: %llu events\n", (unsigned long long) walk.events);
	free(line);
	gov_audit_keyring_free(&ring);
	return 0;
}
