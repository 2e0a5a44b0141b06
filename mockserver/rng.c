/*
 * rng: see rng.h.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <uuid/uuid.h>
#include "rng.h"


void ms_rng_init(struct ms_rng *r, bool seeded, uint64_t seed,
		 const char *name)
{
	uint64_t h = seed ^ 0x9e3779b97f4a7c15ULL;

	/* FNV-1a over the name, folded into the seed: one stream a tenant. */
	for (const char *p = name ? name : ""; *p; p++)
		h = (h ^ (unsigned char)*p) * 0x100000001b3ULL;
	h ^= h >> 48;   /* the state keeps 48 bits: fold the top ones in */
	r->seeded = seeded;
	r->pool_left = 0;
	r->state[0] = (unsigned short)h;
	r->state[1] = (unsigned short)(h >> 16);
	r->state[2] = (unsigned short)(h >> 32);
}


void ms_rng_copy(struct ms_rng *dst, const struct ms_rng *src)
{
	dst->seeded = src->seeded;
	memcpy(dst->state, src->state, sizeof(dst->state));
	memset(dst->pool, 0, sizeof(dst->pool));
	dst->pool_left = 0;
}


static void pool_fill(struct ms_rng *r)
{
	size_t got = 0;

	while (got < MS_RNG_POOL) {
		ssize_t n = getrandom(r->pool + got, MS_RNG_POOL - got, 0);
		if (n > 0)
			got += (size_t)n;
	}
	r->pool_left = MS_RNG_POOL;
}


void ms_rng_bytes(struct ms_rng *r, void *buf, size_t len)
{
	unsigned char *out = buf;
	size_t done = 0;

	if (!r->seeded) {
		while (done < len) {
			size_t take;
			if (r->pool_left == 0)
				pool_fill(r);
			take = len - done < r->pool_left ? len - done
							 : r->pool_left;
			memcpy(out + done, r->pool + MS_RNG_POOL - r->pool_left,
			       take);
			/* Used bytes are wiped: a secret never lies twice. */
			memset(r->pool + MS_RNG_POOL - r->pool_left, 0, take);
			r->pool_left -= take;
			done += take;
		}
		return;
	}
	while (done < len) {
		long v = jrand48(r->state);
		for (int i = 0; i < 4 && done < len; i++)
			out[done++] = (unsigned char)(v >> (8 * i));
	}
}


void ms_rng_uuid(struct ms_rng *r, char *out)
{
	uuid_t u;

	ms_rng_bytes(r, u, sizeof(u));
	u[6] = (unsigned char)((u[6] & 0x0f) | 0x40); /* version 4 */
	u[8] = (unsigned char)((u[8] & 0x3f) | 0x80); /* RFC 4122 */
	uuid_unparse_lower(u, out);
}


double ms_rng_unit(struct ms_rng *r)
{
	uint32_t v;

	ms_rng_bytes(r, &v, sizeof(v));
	return (double)v / 4294967296.0;
}
