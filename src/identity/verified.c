/*-------------------------------------------------------------------------
 *
 * verified.c
 *	  Tokens verified by any backend, shared, so that a new connection
 *	  with a token already seen skips the signature arithmetic.
 *
 * Agents reconnect with the same token many times over its life; checking
 * its signature again in each new backend is most of what a token costs a
 * connection (an ECDSA check alone is about a third of a plain backend's
 * work).  Each backend keeps its own cache of verified tokens; this is
 * the cluster's: a table in shared memory of the SHA-256 of each token's
 * text, with the stamp of the keys and settings it was verified under.
 *
 * The caller takes the key set and its stamp together
 * (governance_keyset_stamped) and records what it verified with that set
 * under that stamp, never under one taken later.
 *
 * A hit says only "these exact bytes had a valid signature under these
 * exact keys and settings": the token is verified again by
 * gov_jwt_verify_again, which checks everything (header, the key that
 * admits it, every claim, the clock) except the signature arithmetic.  The
 * stamp (governance_verify_stamp) changes with any verification setting,
 * with the content of any key file and with every key set fetched anew
 * from a URL, so a token verified under keys since withdrawn never hits.
 * A slot is overwritten by the next token that hashes to it: a miss only
 * costs the full check.
 *
 * src/identity/verified.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "governance/identity.h"
#include "governance/identity_jwt.h"
#include "storage/shmem.h"
#include "storage/spin.h"

#define GOV_VERIFIED_SLOTS 1024

typedef struct GovVerifiedSlot
{
	slock_t		mutex;
	char		fingerprint[GOV_JWT_FINGERPRINT_LEN];	/* hex SHA-256 of the token */
	char		stamp[GOV_VERIFY_STAMP_LEN];	/* what it was verified under */
} GovVerifiedSlot;

static GovVerifiedSlot *gov_verified = NULL;

Size
governance_verified_shmem_size(void)
{
	return mul_size(GOV_VERIFIED_SLOTS, sizeof(GovVerifiedSlot));
}

void
governance_verified_shmem_init(void)
{
	bool		found;

	gov_verified = ShmemInitStruct("governance verified tokens",
								   governance_verified_shmem_size(), &found);
	if (!found)
	{
		memset(gov_verified, 0, governance_verified_shmem_size());
		for (int i = 0; i < GOV_VERIFIED_SLOTS; i++)
			SpinLockInit(&gov_verified[i].mutex);
	}
}

/* The slot of a fingerprint: its first 32 bits, as hex. */
static GovVerifiedSlot *
gov_slot(const char *fingerprint)
{
	uint32		h = 0;

	if (gov_verified == NULL || strlen(fingerprint) != GOV_JWT_FINGERPRINT_LEN - 1)
		return NULL;
	for (int i = 0; i < 8; i++)
	{
		char		c = fingerprint[i];

		h = (h << 4) | (uint32) (c <= '9' ? c - '0' : c - 'a' + 10);
	}
	return &gov_verified[h % GOV_VERIFIED_SLOTS];
}

bool
governance_verified_before(const char *fingerprint, const char *stamp)
{
	GovVerifiedSlot *slot = gov_slot(fingerprint);
	bool		hit;

	if (slot == NULL || stamp[0] == '\0')
		return false;
	SpinLockAcquire(&slot->mutex);
	hit = strcmp(slot->fingerprint, fingerprint) == 0 && strcmp(slot->stamp, stamp) == 0;
	SpinLockRelease(&slot->mutex);
	return hit;
}

void
governance_verified_remember(const char *fingerprint, const char *stamp)
{
	GovVerifiedSlot *slot = gov_slot(fingerprint);

	if (slot == NULL || stamp[0] == '\0')
		return;
	SpinLockAcquire(&slot->mutex);
	strlcpy(slot->fingerprint, fingerprint, sizeof(slot->fingerprint));
	strlcpy(slot->stamp, stamp, sizeof(slot->stamp));
	SpinLockRelease(&slot->mutex);
}
