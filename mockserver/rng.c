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
	r->state[0] = (unsigned short)h;
	r->state[1] = (unsigned short)(h >> 16);
	r->state[2] = (unsigned short)(h >> 32);
}


void ms_rng_bytes(struct ms_rng *r, void *buf, size_t len)
{
	unsigned char *out = buf;
	size_t done = 0;

	if (!r->seeded) {
		while (done < len) {
			ssize_t n = getrandom(out + done, len - done, 0);
			if (n > 0)
				done += (size_t)n;
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

	if (!r->seeded) {
		uuid_generate_random(u);
	} else {
		ms_rng_bytes(r, u, sizeof(u));
		u[6] = (unsigned char)((u[6] & 0x0f) | 0x40); /* version 4 */
		u[8] = (unsigned char)((u[8] & 0x3f) | 0x80); /* RFC 4122 */
	}
	uuid_unparse_lower(u, out);
}


double ms_rng_unit(struct ms_rng *r)
{
	uint32_t v;

	ms_rng_bytes(r, &v, sizeof(v));
	return (double)v / 4294967296.0;
}
