/*-------------------------------------------------------------------------
 *
 * verify-audit.c
 *	  Command-line verifier of a governance audit trail.
 *
 * Usage: verify-audit [--key FILE] AUDIT-FILE...
 *
 * Walks the files in the order given (oldest first), checking every line's
 * hash and its link to the line before, and that sequence numbers run on
 * without a gap.  A trail whose first file is named for sequence number 1
 * must start from the genesis hash.  Prints "ok: N events" and exits 0, or
 * the first sequence number at which the chain breaks and why, and exits
 * 1.  Needs no server: it links only src/audit/record.c and libcrypto.
 *
 * test/tools/verify-audit.c
 *
 *-------------------------------------------------------------------------
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "governance/audit_record.h"

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
	char		prev[GOV_AUDIT_HASH_HEX];
	int			have_prev = 0;
	unsigned long long expect = 0;
	unsigned long long events = 0;
	int			i = 1;
	char	   *line = NULL;
	size_t		cap = 0;

	if (argc > 2 && strcmp(argv[1], "--key") == 0)
	{
		key = read_key(argv[2], &keylen);
		i = 3;
	}
	if (i >= argc)
	{
		fprintf(stderr, "usage: %s [--key FILE] AUDIT-FILE...\n", argv[0]);
		return 2;
	}
	{
		const char *name = strrchr(argv[i], '/');
		const char *digits = strstr(name ? name : argv[i], "audit-");

		if (digits != NULL)
			expect = strtoull(digits + 6, NULL, 10);
		if (expect == 1)
		{
			memcpy(prev, gov_audit_genesis_hash, GOV_AUDIT_HASH_HEX);
			have_prev = 1;
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
			uint64_t	seq = 0;
			char		hash[GOV_AUDIT_HASH_HEX];
			char		why[256];

			if (!gov_audit_check_line(line, (size_t) n, expect,
									  have_prev ? prev : NULL, key, keylen,
									  &seq, hash, why, sizeof(why)))
			{
				printf("broken at sequence number %llu in %s: %s\n",
					   (unsigned long long) (seq ? seq : expect), argv[i], why);
				return 1;
			}
			memcpy(prev, hash, GOV_AUDIT_HASH_HEX);
			have_prev = 1;
			expect = seq + 1;
			events++;
		}
		fclose(f);
	}
	printf("ok: %llu events\n", events);
	free(line);
	free(key);
	return 0;
}
