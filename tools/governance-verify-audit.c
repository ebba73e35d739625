/*-------------------------------------------------------------------------
 *
 * governance-verify-audit.c
 *	  Command-line verifier of a governance audit trail.
 *
 * Usage: governance-verify-audit [--key FILE] AUDIT-FILE...
 *
 * Walks the files in the order given (oldest first), checking every line's
 * hash and its link to the line before it in its strand, and that sequence
 * numbers run on without a gap.  A trail whose first file is named for
 * sequence number 1 must start from the genesis hash.  Prints "ok: N
 * events" and exits 0, or the first sequence number at which the chain
 * breaks and why, and exits 1.  Needs no server: it links only
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
			"  %s [--key FILE] AUDIT-FILE...\n"
			"\n"
			"Give the files oldest first (pg_governance/audit-*.jsonl in the data directory\n"
			"sort that way).  Every line's hash and its link to the line before it are\n"
			"checked, and sequence numbers must run on without a gap.\n"
			"\n"
			"  --key FILE  the chain key (governance.audit_hmac_key_file): without it a\n"
			"              trail chained with a key does not verify\n"
			"  --help      show this help and exit\n"
			"\n"
			"Prints \"ok: N events\" and exits 0, or the first sequence number at which the\n"
			"chain breaks and why, and exits 1; exits 2 on a usage or file error.\n",
			progname, progname);
}

static unsigned char *
read_key(const char *path, size_t *len)
{
	FILE	   *f = fopen(path, "rb");
	unsigned char *buf = malloc(1024);

	if (f == NULL || buf == NULL)
	{
		perror(path);
		exit(2);
	}
	*len = fread(buf, 1, 1024, f);
	fclose(f);
	while (*len > 0 && (buf[*len - 1] == '\n' || buf[*len - 1] == '\r'))
		(*len)--;
	return buf;
}

int
main(int argc, char **argv)
{
	unsigned char *key = NULL;
	size_t		keylen = 0;
	unsigned long long first_seq = 0;
	GovAuditWalk walk;
	int			i = 1;
	char	   *line = NULL;
	size_t		cap = 0;

	const char *progname = strrchr(argv[0], '/') ? strrchr(argv[0], '/') + 1 : argv[0];

	if (argc > 1 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0))
	{
		usage(stdout, progname);
		return 0;
	}
	if (argc > 2 && strcmp(argv[1], "--key") == 0)
	{
		key = read_key(argv[2], &keylen);
		i = 3;
	}
	if (i >= argc || strncmp(argv[i], "--", 2) == 0)
	{
		usage(stderr, progname);
		return 2;
	}
	{
		const char *name = strrchr(argv[i], '/');
		const char *digits = strstr(name ? name : argv[i], "audit-");

		if (digits != NULL && strspn(digits + 6, "0123456789") == 20)
			first_seq = strtoull(digits + 6, NULL, 10);
		/* Where the trail starts is what its first file is named for. */
		if (first_seq == 0)
		{
			fprintf(stderr, "%s: \"%s\" is not named audit-<20 digits>.jsonl, so where the trail starts is not known; give the files as the extension names them\n",
					progname, argv[i]);
			return 2;
		}
	}
	/*
	 * A trail that does not start at sequence number 1 had its oldest files
	 * removed: it verifies only from the anchor beside them that names its
	 * first event.
	 */
	if (first_seq > 1)
	{
		char		apath[4096];
		char		buf[GOV_AUDIT_ANCHOR_MAX];
		const char *slash = strrchr(argv[i], '/');
		FILE	   *af;
		size_t		n = 0;
		uint64_t	anchor_seq = 0;
		GovAuditHeads heads;
		char		why[256];

		snprintf(apath, sizeof(apath), "%.*s%s", slash ? (int) (slash - argv[i] + 1) : 0,
				 argv[i], GOV_AUDIT_ANCHOR_FILE);
		af = fopen(apath, "r");
		if (af != NULL)
		{
			n = fread(buf, 1, sizeof(buf), af);
			fclose(af);
		}
		if (af == NULL)
		{
			printf("broken at sequence number %llu in %s: the trail does not start at sequence number 1 and no anchor (%s) records what came before it\n",
				   first_seq - 1, argv[i], apath);
			return 1;
		}
		if (!gov_audit_anchor_parse(buf, n, key, keylen, &anchor_seq, &heads, why, sizeof(why)))
		{
			printf("broken at sequence number %llu in %s: %s\n", first_seq - 1, apath, why);
			return 1;
		}
		if (anchor_seq < first_seq)
		{
			printf("broken at sequence number %llu in %s: events from %llu on are missing: files were removed past the anchor\n",
				   (unsigned long long) anchor_seq, argv[i], (unsigned long long) anchor_seq);
			return 1;
		}
		if (anchor_seq == first_seq)
			gov_audit_walk_start_anchored(&walk, anchor_seq, &heads);
		else
			gov_audit_walk_start(&walk, first_seq);
	}
	else
		gov_audit_walk_start(&walk, first_seq);
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
			uint64_t	bad_seq = 0;
			char		why[256];

			if (!gov_audit_walk_line(&walk, line, (size_t) n, key, keylen,
									 &bad_seq, why, sizeof(why)))
			{
				printf("broken at sequence number %llu in %s: %s\n",
					   (unsigned long long) bad_seq, argv[i], why);
				return 1;
			}
		}
		fclose(f);
	}
	printf("ok: %llu events\n", (unsigned long long) walk.events);
	free(line);
	free(key);
	return 0;
}
