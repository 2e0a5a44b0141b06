/*
 * rng: where token secrets and ids come from.
 *
 * Unseeded, bytes come from the kernel (getrandom), drawn a pool at a
 * time; ids are version 4 UUIDs made of them, written out by libuuid
 * (its own generator reseeds libc's random() on every call, which made
 * a reset of 1,000 tokens five times slower).
 * Seeded (--seed N), each tenant draws from its own nrand48 stream, set up
 * from the seed and the tenant's name, so the same requests against the
 * same tenant produce the same secrets and ids on every run, whatever the
 * other tenants do. The struct is owned by a tenant and guarded by its
 * lock.
 */
#ifndef MS_RNG_H
#define MS_RNG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MS_UUID_BUFSZ 37

/* Kernel bytes drawn at once: a reset of 1,000 tokens draws 16 KB of
 * ids, and 256 bytes at a time was 63 system calls a reset. */
#define MS_RNG_POOL 4096

struct ms_rng {
	bool seeded;
	unsigned short state[3];
	unsigned char pool[MS_RNG_POOL];  /* unseeded: kernel bytes ahead */
	size_t pool_left;
};

/* Seeded when seeded is true, from seed and the name (may be NULL). */
void ms_rng_init(struct ms_rng *r, bool seeded, uint64_t seed,
		 const char *name);

/* Make dst a copy of src. Seeded, dst draws what src would draw next;
 * unseeded, dst starts with an empty pool of its own, so that no kernel
 * byte is handed out twice. */
void ms_rng_copy(struct ms_rng *dst, const struct ms_rng *src);

/* Fill buf with len random bytes. */
void ms_rng_bytes(struct ms_rng *r, void *buf, size_t len);

/* A random (version 4) UUID, lower case, into out (MS_UUID_BUFSZ). */
void ms_rng_uuid(struct ms_rng *r, char *out);

/* A uniform double in [0, 1), for probabilities. */
double ms_rng_unit(struct ms_rng *r);

#endif /* MS_RNG_H */
