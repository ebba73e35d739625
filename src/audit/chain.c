/*-------------------------------------------------------------------------
 *
 * chain.c
 *	  The hash chain of a batch of rendered audit lines, computed with
 *	  SHA-256 run over many lines at once.
 *
 * A line's hash is HMAC-SHA-256 (or SHA-256 without a key) over its bytes
 * up to and including prev_hash's closing quote (see audit_record.h), and
 * the worker computes one for every event: on a CPU without SHA
 * instructions that is most of what an event costs the worker.  The trail
 * is GOV_AUDIT_STRANDS interleaved chains (strands): the line with
 * sequence number s carries the hash of line s - GOV_AUDIT_STRANDS as its
 * prev_hash.  So any GOV_AUDIT_STRANDS consecutive lines are independent
 * of one another, and all of their blocks, including the HMAC's outer
 * block, are hashed together: sixteen lines in the lanes of AVX-512
 * registers, or eight at a time in AVX2 registers.  A single chain would
 * leave the three or four blocks at the end of every line, which depend
 * on the line before, to run one line after another at a quarter of the
 * speed; that serial part was the largest cost of an event.
 *
 * The result is standard HMAC-SHA-256, the same as OpenSSL's, which the
 * verifier uses: a line hashed here that OpenSSL disagrees with fails
 * verification.  The multi-lane SHA-256 is written here from FIPS 180-4,
 * and so is the padding.  Single blocks (no SIMD, or a lone line) go
 * through OpenSSL's SHA256_Transform (deprecated in 3.0, but the only
 * interface to its assembly block function) where it is available, else
 * through the C version.
 *
 * Plain C, no server headers, no allocation; single-threaded use.
 *
 * src/audit/chain.c
 *
 *-------------------------------------------------------------------------
 */
#include <stdint.h>
#include <string.h>

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define GOV_HAVE_SIMD 1
#endif

/* SHA256_Transform is deprecated since OpenSSL 3.0; see above. */
#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/opensslv.h>
#include <openssl/sha.h>

#include "governance/audit_record.h"

#if OPENSSL_VERSION_MAJOR < 4 && !defined(OPENSSL_NO_DEPRECATED_3_0)
#define GOV_OPENSSL_TRANSFORM 1
#endif

#define GOV_SHA_BLOCK 64

static const uint32_t gov_sha_k[64] = {
	0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1,
	0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3,
	0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786,
	0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
	0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147,
	0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
	0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
	0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
	0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a,
	0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208,
	0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2
};

static const uint32_t gov_sha_iv[8] = {
	0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
	0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19
};

#define ROTR(x, n)	(((x) >> (n)) | ((x) << (32 - (n))))

static inline uint32_t
gov_be32(const unsigned char *p)
{
	return ((uint32_t) p[0] << 24) | ((uint32_t) p[1] << 16) |
		((uint32_t) p[2] << 8) | (uint32_t) p[3];
}

#ifdef GOV_OPENSSL_TRANSFORM

/* SHA-256's compression function over nblocks blocks, one stream. */
static void
gov_sha_blocks(uint32_t st[8], const unsigned char *p, size_t nblocks)
{
	SHA256_CTX	c;
	int			i;

	for (i = 0; i < 8; i++)
		c.h[i] = st[i];
	while (nblocks-- > 0)
	{
		SHA256_Transform(&c, p);
		p += GOV_SHA_BLOCK;
	}
	for (i = 0; i < 8; i++)
		st[i] = c.h[i];
}

#else

/* One round; the eight working variables rotate by renaming, not moving. */
#define GOV_ROUND(a, b, c, d, e, f, g, h, t) \
	do { \
		uint32_t	t1 = (h) + (ROTR(e, 6) ^ ROTR(e, 11) ^ ROTR(e, 25)) + \
			((g) ^ ((e) & ((f) ^ (g)))) + gov_sha_k[t] + w[t]; \
		uint32_t	t2 = (ROTR(a, 2) ^ ROTR(a, 13) ^ ROTR(a, 22)) + \
			(((a) & (b)) | ((c) & ((a) | (b)))); \
		(d) += t1; \
		(h) = t1 + t2; \
	} while (0)

/* SHA-256's compression function over nblocks blocks, one stream. */
static void
gov_sha_blocks(uint32_t st[8], const unsigned char *p, size_t nblocks)
{
	while (nblocks-- > 0)
	{
		uint32_t	w[64];
		uint32_t	a = st[0],
					b = st[1],
					c = st[2],
					d = st[3],
					e = st[4],
					f = st[5],
					g = st[6],
					h = st[7];
		int			t;

		for (t = 0; t < 16; t++)
			w[t] = gov_be32(p + 4 * t);
		for (t = 16; t < 64; t++)
		{
			uint32_t	s0 = ROTR(w[t - 15], 7) ^ ROTR(w[t - 15], 18) ^ (w[t - 15] >> 3);
			uint32_t	s1 = ROTR(w[t - 2], 17) ^ ROTR(w[t - 2], 19) ^ (w[t - 2] >> 10);

			w[t] = w[t - 16] + s0 + w[t - 7] + s1;
		}
		for (t = 0; t < 64; t += 8)
		{
			GOV_ROUND(a, b, c, d, e, f, g, h, t);
			GOV_ROUND(h, a, b, c, d, e, f, g, t + 1);
			GOV_ROUND(g, h, a, b, c, d, e, f, t + 2);
			GOV_ROUND(f, g, h, a, b, c, d, e, t + 3);
			GOV_ROUND(e, f, g, h, a, b, c, d, t + 4);
			GOV_ROUND(d, e, f, g, h, a, b, c, t + 5);
			GOV_ROUND(c, d, e, f, g, h, a, b, t + 6);
			GOV_ROUND(b, c, d, e, f, g, h, a, t + 7);
		}
		st[0] += a;
		st[1] += b;
		st[2] += c;
		st[3] += d;
		st[4] += e;
		st[5] += f;
		st[6] += g;
		st[7] += h;
		p += GOV_SHA_BLOCK;
	}
}

#endif							/* GOV_OPENSSL_TRANSFORM */


/*
 * A message to hash from a shared initial state: nhead blocks at head,
 * then ntail blocks (the last bytes and the padding) at tail.
 */
typedef struct GovStream
{
	const unsigned char *head;
	size_t		nhead;
	const unsigned char *tail;
	size_t		ntail;
} GovStream;

static inline const unsigned char *
gov_stream_block(const GovStream *s, size_t k)
{
	return k < s->nhead ? s->head + k * GOV_SHA_BLOCK :
		s->tail + (k - s->nhead) * GOV_SHA_BLOCK;
}

/* The most blocks any of n streams has. */
static inline size_t
gov_streams_most(const GovStream *s, int n)
{
	size_t		most = 0;
	int			i;

	for (i = 0; i < n; i++)
		if (s[i].nhead + s[i].ntail > most)
			most = s[i].nhead + s[i].ntail;
	return most;
}

/*
 * Block k of each of n streams for a step over lanes lanes, into p; lanes
 * past n or past their stream's end read block 0 of stream 0 and are left
 * out of the mask of lanes to update, which is returned.
 */
static inline unsigned
gov_streams_step(const GovStream *s, int n, int lanes, size_t k,
				 const unsigned char **p)
{
	unsigned	active = 0;
	int			i;

	for (i = 0; i < lanes; i++)
	{
		if (i < n && k < s[i].nhead + s[i].ntail)
		{
			active |= 1u << i;
			p[i] = gov_stream_block(&s[i], k);
		}
		else
			p[i] = gov_stream_block(&s[0], 0);
	}
	return active;
}

/* Lane i of rows[j] (lanes wide) is word j of stream i's state. */
static inline void
gov_streams_out(const uint32_t *rows, int lanes, int n, uint32_t out[][8])
{
	int			i,
				j;

	for (i = 0; i < n; i++)
		for (j = 0; j < 8; j++)
			out[i][j] = rows[j * lanes + i];
}

#ifdef GOV_HAVE_SIMD

#define V8_ROTR(x, n) \
	_mm256_or_si256(_mm256_srli_epi32((x), (n)), _mm256_slli_epi32((x), 32 - (n)))

/*
 * The compression function over one block of each of eight streams: lane
 * i of st[j] is word j of stream i's state, p[i] its block.  Lanes whose
 * bit in active is clear keep their state (their p[i] is still read).
 */
__attribute__((target("avx2")))
static void
gov_sha_block_x8(__m256i st[8], const unsigned char *const p[8], unsigned active)
{
	const __m256i bswap = _mm256_setr_epi8(3, 2, 1, 0, 7, 6, 5, 4, 11, 10, 9, 8,
										   15, 14, 13, 12, 3, 2, 1, 0, 7, 6, 5, 4,
										   11, 10, 9, 8, 15, 14, 13, 12);
	__m256i		w[16];
	__m256i		a = st[0],
				b = st[1],
				c = st[2],
				d = st[3],
				e = st[4],
				f = st[5],
				g = st[6],
				h = st[7];
	__m256i		keep;
	int			half,
				t;

	/*
	 * Load each stream's block as two rows of eight words and transpose
	 * the two 8x8 matrices, so w[t] holds word t of every stream.
	 */
	for (half = 0; half < 2; half++)
	{
		__m256i		r[8],
					u[8],
					v[8];
		int			i;

		for (i = 0; i < 8; i++)
			r[i] = _mm256_shuffle_epi8(_mm256_loadu_si256((const __m256i *) (p[i] + 32 * half)),
									   bswap);
		for (i = 0; i < 8; i += 2)
		{
			u[i] = _mm256_unpacklo_epi32(r[i], r[i + 1]);
			u[i + 1] = _mm256_unpackhi_epi32(r[i], r[i + 1]);
		}
		for (i = 0; i < 8; i += 4)
		{
			v[i] = _mm256_unpacklo_epi64(u[i], u[i + 2]);
			v[i + 1] = _mm256_unpackhi_epi64(u[i], u[i + 2]);
			v[i + 2] = _mm256_unpacklo_epi64(u[i + 1], u[i + 3]);
			v[i + 3] = _mm256_unpackhi_epi64(u[i + 1], u[i + 3]);
		}
		for (i = 0; i < 4; i++)
		{
			w[8 * half + i] = _mm256_permute2x128_si256(v[i], v[i + 4], 0x20);
			w[8 * half + i + 4] = _mm256_permute2x128_si256(v[i], v[i + 4], 0x31);
		}
	}

	for (t = 0; t < 64; t++)
	{
		__m256i		wt,
					t1,
					t2;

		if (t < 16)
			wt = w[t];
		else
		{
			__m256i		w15 = w[(t - 15) & 15];
			__m256i		w2 = w[(t - 2) & 15];
			__m256i		s0 = _mm256_xor_si256(_mm256_xor_si256(V8_ROTR(w15, 7), V8_ROTR(w15, 18)),
											  _mm256_srli_epi32(w15, 3));
			__m256i		s1 = _mm256_xor_si256(_mm256_xor_si256(V8_ROTR(w2, 17), V8_ROTR(w2, 19)),
											  _mm256_srli_epi32(w2, 10));

			wt = _mm256_add_epi32(_mm256_add_epi32(w[t & 15], s0),
								  _mm256_add_epi32(w[(t - 7) & 15], s1));
			w[t & 15] = wt;
		}
		t1 = _mm256_add_epi32(h, _mm256_xor_si256(_mm256_xor_si256(V8_ROTR(e, 6), V8_ROTR(e, 11)),
												  V8_ROTR(e, 25)));
		t1 = _mm256_add_epi32(t1, _mm256_xor_si256(_mm256_and_si256(e, f),
												   _mm256_andnot_si256(e, g)));
		t1 = _mm256_add_epi32(t1, _mm256_add_epi32(_mm256_set1_epi32((int) gov_sha_k[t]), wt));
		t2 = _mm256_add_epi32(_mm256_xor_si256(_mm256_xor_si256(V8_ROTR(a, 2), V8_ROTR(a, 13)),
											   V8_ROTR(a, 22)),
							  _mm256_or_si256(_mm256_and_si256(a, b),
											  _mm256_and_si256(c, _mm256_or_si256(a, b))));
		h = g;
		g = f;
		f = e;
		e = _mm256_add_epi32(d, t1);
		d = c;
		c = b;
		b = a;
		a = _mm256_add_epi32(t1, t2);
	}

	/* keep: all ones in the lanes to update */
	keep = _mm256_cmpgt_epi32(_mm256_and_si256(_mm256_set1_epi32((int) active),
											   _mm256_setr_epi32(1, 2, 4, 8, 16, 32, 64, 128)),
							  _mm256_setzero_si256());
	st[0] = _mm256_blendv_epi8(st[0], _mm256_add_epi32(st[0], a), keep);
	st[1] = _mm256_blendv_epi8(st[1], _mm256_add_epi32(st[1], b), keep);
	st[2] = _mm256_blendv_epi8(st[2], _mm256_add_epi32(st[2], c), keep);
	st[3] = _mm256_blendv_epi8(st[3], _mm256_add_epi32(st[3], d), keep);
	st[4] = _mm256_blendv_epi8(st[4], _mm256_add_epi32(st[4], e), keep);
	st[5] = _mm256_blendv_epi8(st[5], _mm256_add_epi32(st[5], f), keep);
	st[6] = _mm256_blendv_epi8(st[6], _mm256_add_epi32(st[6], g), keep);
	st[7] = _mm256_blendv_epi8(st[7], _mm256_add_epi32(st[7], h), keep);
}

/* Up to eight streams from init, stream i's final state to out[i]. */
__attribute__((target("avx2")))
static void
gov_sha_streams_x8(const uint32_t init[8], const GovStream *s, int n,
				   uint32_t out[][8])
{
	__m256i		st[8];
	const unsigned char *p[8];
	uint32_t	rows[8][8];
	size_t		most = gov_streams_most(s, n),
				k;
	int			j;

	for (j = 0; j < 8; j++)
		st[j] = _mm256_set1_epi32((int) init[j]);
	for (k = 0; k < most; k++)
		gov_sha_block_x8(st, p, gov_streams_step(s, n, 8, k, p));
	for (j = 0; j < 8; j++)
		_mm256_storeu_si256((__m256i *) rows[j], st[j]);
	gov_streams_out(&rows[0][0], 8, n, out);
}

/*
 * The same over sixteen streams in AVX-512 registers, whose rotate and
 * three-input logic instructions make a round about half as many
 * instructions as in AVX2.
 */
#define V16_ROTR(x, n)	_mm512_ror_epi32((x), (n))
#define V16_XOR3(x, y, z)	_mm512_ternarylogic_epi32((x), (y), (z), 0x96)
#define V16_CH(x, y, z)		_mm512_ternarylogic_epi32((x), (y), (z), 0xca)
#define V16_MAJ(x, y, z)	_mm512_ternarylogic_epi32((x), (y), (z), 0xe8)

__attribute__((target("avx512f,avx512bw")))
static void
gov_sha_block_x16(__m512i st[8], const unsigned char *const p[16], __mmask16 active)
{
	const __m512i bswap = _mm512_set_epi8(12, 13, 14, 15, 8, 9, 10, 11, 4, 5, 6, 7, 0, 1, 2, 3,
										  12, 13, 14, 15, 8, 9, 10, 11, 4, 5, 6, 7, 0, 1, 2, 3,
										  12, 13, 14, 15, 8, 9, 10, 11, 4, 5, 6, 7, 0, 1, 2, 3,
										  12, 13, 14, 15, 8, 9, 10, 11, 4, 5, 6, 7, 0, 1, 2, 3);
	__m512i		w[16],
				u[16];
	__m512i		a = st[0],
				b = st[1],
				c = st[2],
				d = st[3],
				e = st[4],
				f = st[5],
				g = st[6],
				h = st[7];
	int			i,
				t;

	/* Row i is stream i's block; transpose so w[t] is word t of each. */
#pragma GCC unroll 16
	for (i = 0; i < 16; i++)
		w[i] = _mm512_shuffle_epi8(_mm512_loadu_si512((const void *) p[i]), bswap);
#pragma GCC unroll 16
	for (i = 0; i < 16; i += 2)
	{
		u[i] = _mm512_unpacklo_epi32(w[i], w[i + 1]);
		u[i + 1] = _mm512_unpackhi_epi32(w[i], w[i + 1]);
	}
#pragma GCC unroll 16
	for (i = 0; i < 16; i += 4)
	{
		w[i] = _mm512_unpacklo_epi64(u[i], u[i + 2]);
		w[i + 1] = _mm512_unpackhi_epi64(u[i], u[i + 2]);
		w[i + 2] = _mm512_unpacklo_epi64(u[i + 1], u[i + 3]);
		w[i + 3] = _mm512_unpackhi_epi64(u[i + 1], u[i + 3]);
	}
#pragma GCC unroll 16
	for (i = 0; i < 16; i++)
	{
		int			x = (i & 3) + 8 * (i >> 3);

		if (i & 4)
			continue;
		u[x] = _mm512_shuffle_i32x4(w[x], w[x + 4], 0x88);
		u[x + 4] = _mm512_shuffle_i32x4(w[x], w[x + 4], 0xdd);
	}
#pragma GCC unroll 16
	for (i = 0; i < 8; i++)
	{
		w[i] = _mm512_shuffle_i32x4(u[i], u[i + 8], 0x88);
		w[i + 8] = _mm512_shuffle_i32x4(u[i], u[i + 8], 0xdd);
	}

#pragma GCC unroll 64
	for (t = 0; t < 64; t++)
	{
		__m512i		wt,
					t1,
					t2;

		if (t < 16)
			wt = w[t];
		else
		{
			__m512i		w15 = w[(t - 15) & 15];
			__m512i		w2 = w[(t - 2) & 15];
			__m512i		s0 = V16_XOR3(V16_ROTR(w15, 7), V16_ROTR(w15, 18),
									  _mm512_srli_epi32(w15, 3));
			__m512i		s1 = V16_XOR3(V16_ROTR(w2, 17), V16_ROTR(w2, 19),
									  _mm512_srli_epi32(w2, 10));

			wt = _mm512_add_epi32(_mm512_add_epi32(w[t & 15], s0),
								  _mm512_add_epi32(w[(t - 7) & 15], s1));
			w[t & 15] = wt;
		}
		t1 = _mm512_add_epi32(h, V16_XOR3(V16_ROTR(e, 6), V16_ROTR(e, 11), V16_ROTR(e, 25)));
		t1 = _mm512_add_epi32(t1, V16_CH(e, f, g));
		t1 = _mm512_add_epi32(t1, _mm512_add_epi32(_mm512_set1_epi32((int) gov_sha_k[t]), wt));
		t2 = _mm512_add_epi32(V16_XOR3(V16_ROTR(a, 2), V16_ROTR(a, 13), V16_ROTR(a, 22)),
							  V16_MAJ(a, b, c));
		h = g;
		g = f;
		f = e;
		e = _mm512_add_epi32(d, t1);
		d = c;
		c = b;
		b = a;
		a = _mm512_add_epi32(t1, t2);
	}
	st[0] = _mm512_mask_add_epi32(st[0], active, st[0], a);
	st[1] = _mm512_mask_add_epi32(st[1], active, st[1], b);
	st[2] = _mm512_mask_add_epi32(st[2], active, st[2], c);
	st[3] = _mm512_mask_add_epi32(st[3], active, st[3], d);
	st[4] = _mm512_mask_add_epi32(st[4], active, st[4], e);
	st[5] = _mm512_mask_add_epi32(st[5], active, st[5], f);
	st[6] = _mm512_mask_add_epi32(st[6], active, st[6], g);
	st[7] = _mm512_mask_add_epi32(st[7], active, st[7], h);
}

__attribute__((target("avx512f,avx512bw")))
static void
gov_sha_streams_x16(const uint32_t init[8], const GovStream *s, int n,
					uint32_t out[][8])
{
	__m512i		st[8];
	const unsigned char *p[16];
	uint32_t	rows[8][16];
	size_t		most = gov_streams_most(s, n),
				k;
	int			j;

	for (j = 0; j < 8; j++)
		st[j] = _mm512_set1_epi32((int) init[j]);
	for (k = 0; k < most; k++)
		gov_sha_block_x16(st, p, (__mmask16) gov_streams_step(s, n, 16, k, p));
	for (j = 0; j < 8; j++)
		_mm512_storeu_si512((void *) rows[j], st[j]);
	gov_streams_out(&rows[0][0], 16, n, out);
}

#endif							/* GOV_HAVE_SIMD */

/* Widest lanes to use: unknown (-1), none, AVX2, AVX-512; see below. */
static int	gov_simd = -1;
static int	gov_simd_limit = GOV_CHAIN_SIMD_AVX512;

int
gov_audit_chain_simd(int limit)
{
	if (gov_simd < 0)
	{
		gov_simd = GOV_CHAIN_SIMD_NONE;
#ifdef GOV_HAVE_SIMD
		if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw"))
			gov_simd = GOV_CHAIN_SIMD_AVX512;
		else if (__builtin_cpu_supports("avx2"))
			gov_simd = GOV_CHAIN_SIMD_AVX2;
#endif
	}
	if (limit >= 0)
		gov_simd_limit = limit;
	return gov_simd < gov_simd_limit ? gov_simd : gov_simd_limit;
}

/* Hash n (at most GOV_AUDIT_STRANDS) streams from init into out. */
static void
gov_sha_streams(const uint32_t init[8], const GovStream *s, int n,
				uint32_t out[][8])
{
	int			simd = gov_audit_chain_simd(-1);
	int			i;

#ifdef GOV_HAVE_SIMD
	if (simd == GOV_CHAIN_SIMD_AVX512 && n > 1)
	{
		gov_sha_streams_x16(init, s, n, out);
		return;
	}
	if (simd >= GOV_CHAIN_SIMD_AVX2 && n > 1)
	{
		for (i = 0; i < n; i += 8)
			gov_sha_streams_x8(init, s + i, n - i < 8 ? n - i : 8, out + i);
		return;
	}
#else
	(void) simd;
#endif
	for (i = 0; i < n; i++)
	{
		memcpy(out[i], init, 8 * sizeof(uint32_t));
		gov_sha_blocks(out[i], s[i].head, s[i].nhead);
		gov_sha_blocks(out[i], s[i].tail, s[i].ntail);
	}
}

/*
 * The blocks holding a message's last len bytes and its padding, for a
 * message of total bytes; returns how many (one or two).
 */
static size_t
gov_sha_pad(unsigned char *buf, const unsigned char *last, size_t len,
			uint64_t total)
{
	size_t		padded = (len + 9 + GOV_SHA_BLOCK - 1) / GOV_SHA_BLOCK * GOV_SHA_BLOCK;
	uint64_t	bits = total * 8;
	int			i;

	memcpy(buf, last, len);
	buf[len] = 0x80;
	memset(buf + len + 1, 0, padded - len - 1);
	for (i = 0; i < 8; i++)
		buf[padded - 1 - i] = (unsigned char) (bits >> (8 * i));
	return padded / GOV_SHA_BLOCK;
}

static void
gov_sha_digest(const uint32_t st[8], unsigned char digest[32])
{
	int			i;

	for (i = 0; i < 8; i++)
	{
		digest[4 * i] = (unsigned char) (st[i] >> 24);
		digest[4 * i + 1] = (unsigned char) (st[i] >> 16);
		digest[4 * i + 2] = (unsigned char) (st[i] >> 8);
		digest[4 * i + 3] = (unsigned char) st[i];
	}
}

/* The states after HMAC's first inner and outer blocks (the keyed pads). */
static void
gov_hmac_pads(const unsigned char *key, size_t keylen, uint32_t in[8],
			  uint32_t out[8])
{
	unsigned char k[GOV_SHA_BLOCK];
	unsigned char pad[2 * GOV_SHA_BLOCK];
	int			i;

	memset(k, 0, sizeof(k));
	if (keylen > GOV_SHA_BLOCK)
	{
		uint32_t	st[8];
		size_t		full = keylen / GOV_SHA_BLOCK;

		memcpy(st, gov_sha_iv, sizeof(st));
		gov_sha_blocks(st, key, full);
		gov_sha_blocks(st, pad, gov_sha_pad(pad, key + full * GOV_SHA_BLOCK,
											keylen - full * GOV_SHA_BLOCK, keylen));
		gov_sha_digest(st, k);
		explicit_bzero(st, sizeof(st));
	}
	else
		memcpy(k, key, keylen);
	memcpy(in, gov_sha_iv, 8 * sizeof(uint32_t));
	memcpy(out, gov_sha_iv, 8 * sizeof(uint32_t));
	for (i = 0; i < GOV_SHA_BLOCK; i++)
		pad[i] = k[i] ^ 0x36;
	gov_sha_blocks(in, pad, 1);
	for (i = 0; i < GOV_SHA_BLOCK; i++)
		pad[i] = k[i] ^ 0x5c;
	gov_sha_blocks(out, pad, 1);
	explicit_bzero(k, sizeof(k));
	explicit_bzero(pad, sizeof(pad));
}

static void
gov_hex(const unsigned char *md, char *out)
{
	static const char hex[] = "0123456789abcdef";
	int			i;

	for (i = 0; i < 32; i++)
	{
		out[2 * i] = hex[md[i] >> 4];
		out[2 * i + 1] = hex[md[i] & 0x0f];
	}
}

void
gov_audit_chain(char *const *lines, const size_t *prefix, uint64_t first_seq,
				int n, GovAuditHeads *heads, const unsigned char *key,
				size_t keylen)
{
	uint32_t	init[8],
				outer[8];
	size_t		base = 0;
	int			first = 0;

	if (key != NULL && keylen > 0)
	{
		gov_hmac_pads(key, keylen, init, outer);
		base = GOV_SHA_BLOCK;
	}
	else
		memcpy(init, gov_sha_iv, sizeof(init));

	while (first < n)
	{
		GovStream	s[GOV_AUDIT_STRANDS];
		unsigned char tails[GOV_AUDIT_STRANDS][2 * GOV_SHA_BLOCK];
		uint32_t	st[GOV_AUDIT_STRANDS][8];
		/* The next GOV_AUDIT_STRANDS lines: none needs another's hash. */
		int			m = n - first < GOV_AUDIT_STRANDS ? n - first : GOV_AUDIT_STRANDS,
					i;

		for (i = 0; i < m; i++)
		{
			unsigned char *line = (unsigned char *) lines[first + i];
			size_t		len = prefix[first + i] + 65;	/* through prev_hash's quote */
			size_t		full = len / GOV_SHA_BLOCK;

			memcpy(line + prefix[first + i],
				   heads->hash[GOV_AUDIT_STRAND(first_seq + first + i)], 64);
			s[i].head = line;
			s[i].nhead = full;
			s[i].tail = tails[i];
			s[i].ntail = gov_sha_pad(tails[i], line + full * GOV_SHA_BLOCK,
									 len - full * GOV_SHA_BLOCK, base + len);
		}
		gov_sha_streams(init, s, m, st);

		if (base > 0)
		{
			/* HMAC's outer hash: one block, the inner digest and padding. */
			for (i = 0; i < m; i++)
			{
				unsigned char md[32];

				gov_sha_digest(st[i], md);
				s[i].head = NULL;
				s[i].nhead = 0;
				s[i].tail = tails[i];
				s[i].ntail = gov_sha_pad(tails[i], md, 32, GOV_SHA_BLOCK + 32);
			}
			gov_sha_streams(outer, s, m, st);
		}

		for (i = 0; i < m; i++)
		{
			char	   *hash = lines[first + i] + prefix[first + i] + 64 + GOV_AUDIT_HASH_GAP;
			char	   *head = heads->hash[GOV_AUDIT_STRAND(first_seq + first + i)];
			unsigned char md[32];

			gov_sha_digest(st[i], md);
			gov_hex(md, hash);
			memcpy(head, hash, 64);
			head[64] = '\0';
		}
		first += m;
	}
	/* The keyed states are as good as the key. */
	explicit_bzero(init, sizeof(init));
	explicit_bzero(outer, sizeof(outer));
}
