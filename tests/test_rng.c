/*
 * Unit tests of rng: a seeded stream repeats for the same seed and name
 * and differs for another name or seed; uuids are lower-case version 4;
 * unseeded draws differ from call to call; ms_rng_unit stays in [0, 1).
 */
#include "testutil.h"

#include <ctype.h>
#include <string.h>

#include "rng.h"

#define NBYTES 64
#define NDRAWS 10000


/* Assert s is a lower-case RFC 4122 version 4 uuid. */
static void assert_uuid_v4(const char *s)
{
	assert_int_equal(strlen(s), MS_UUID_BUFSZ - 1);
	assert_int_equal(strlen(s), 36);
	for (size_t i = 0; i < 36; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			assert_int_equal(s[i], '-');
			continue;
		}
		assert_true(isxdigit((unsigned char)s[i]));
		assert_false(isupper((unsigned char)s[i]));
	}
	assert_int_equal(s[14], '4');
	assert_non_null(strchr("89ab", s[19]));
}


static void test_rng_same_seed_same_bytes(void **state)
{
	struct ms_rng a, b;
	unsigned char x[NBYTES], y[NBYTES], z[NBYTES];

	(void)state;
	ms_rng_init(&a, true, 12345, "acme");
	ms_rng_init(&b, true, 12345, "acme");
	ms_rng_bytes(&a, x, sizeof(x));
	ms_rng_bytes(&b, y, sizeof(y));
	assert_memory_equal(x, y, sizeof(x));
	/* The stream moves on: the next draw is not the first again. */
	ms_rng_bytes(&a, z, sizeof(z));
	assert_memory_not_equal(x, z, sizeof(x));
	ms_rng_bytes(&b, y, sizeof(y));
	assert_memory_equal(z, y, sizeof(z));
}


static void test_rng_same_seed_same_uuids(void **state)
{
	struct ms_rng a, b;
	char u[MS_UUID_BUFSZ], v[MS_UUID_BUFSZ], w[MS_UUID_BUFSZ];

	(void)state;
	ms_rng_init(&a, true, 7, "tenant-1");
	ms_rng_init(&b, true, 7, "tenant-1");
	for (int i = 0; i < 10; i++) {
		ms_rng_uuid(&a, u);
		ms_rng_uuid(&b, v);
		assert_string_equal(u, v);
		assert_uuid_v4(u);
	}
	ms_rng_uuid(&a, w);
	assert_string_not_equal(u, w);
}


static void test_rng_names_give_different_streams(void **state)
{
	static const char *const names[] = {"a", "b", "acme", "acme2",
					    "", NULL};
	unsigned char x[6][NBYTES];
	struct ms_rng r;

	(void)state;
	/* NULL is the empty name, so it is left out of the comparison. */
	for (int i = 0; i < 6; i++) {
		ms_rng_init(&r, true, 1, names[i]);
		ms_rng_bytes(&r, x[i], NBYTES);
	}
	for (int i = 0; i < 5; i++) {
		for (int k = i + 1; k < 5; k++)
			assert_memory_not_equal(x[i], x[k], NBYTES);
	}
}


static void test_rng_seeds_give_different_streams(void **state)
{
	struct ms_rng a, b;
	unsigned char x[NBYTES], y[NBYTES];

	(void)state;
	ms_rng_init(&a, true, 1, "acme");
	ms_rng_init(&b, true, 2, "acme");
	ms_rng_bytes(&a, x, sizeof(x));
	ms_rng_bytes(&b, y, sizeof(y));
	assert_memory_not_equal(x, y, sizeof(x));
}


/* --seed takes any 64-bit number: seeds that differ only above bit 47
 * must not give the same stream. */
static void test_rng_seed_high_bits_matter(void **state)
{
	struct ms_rng a, b;
	unsigned char x[NBYTES], y[NBYTES];

	(void)state;
	ms_rng_init(&a, true, 1, "acme");
	ms_rng_init(&b, true, 1 + (UINT64_C(1) << 48), "acme");
	ms_rng_bytes(&a, x, sizeof(x));
	ms_rng_bytes(&b, y, sizeof(y));
	assert_memory_not_equal(x, y, sizeof(x));

	ms_rng_init(&a, true, 0, "acme");
	ms_rng_init(&b, true, UINT64_C(0xffff) << 48, "acme");
	ms_rng_bytes(&a, x, sizeof(x));
	ms_rng_bytes(&b, y, sizeof(y));
	assert_memory_not_equal(x, y, sizeof(x));
}


static void test_rng_uuid_shape(void **state)
{
	struct ms_rng seeded, unseeded;
	char u[MS_UUID_BUFSZ];

	(void)state;
	ms_rng_init(&seeded, true, 3, "x");
	ms_rng_init(&unseeded, false, 0, NULL);
	for (int i = 0; i < 200; i++) {
		ms_rng_uuid(&seeded, u);
		assert_uuid_v4(u);
		ms_rng_uuid(&unseeded, u);
		assert_uuid_v4(u);
	}
}


static void test_rng_unseeded_differs(void **state)
{
	struct ms_rng a, b;
	unsigned char x[NBYTES], y[NBYTES];
	char u[MS_UUID_BUFSZ], v[MS_UUID_BUFSZ];

	(void)state;
	/* The seed is ignored when not seeded. */
	ms_rng_init(&a, false, 5, "acme");
	ms_rng_init(&b, false, 5, "acme");
	ms_rng_bytes(&a, x, sizeof(x));
	ms_rng_bytes(&a, y, sizeof(y));
	assert_memory_not_equal(x, y, sizeof(x));
	ms_rng_bytes(&b, y, sizeof(y));
	assert_memory_not_equal(x, y, sizeof(x));
	ms_rng_uuid(&a, u);
	ms_rng_uuid(&b, v);
	assert_string_not_equal(u, v);
	ms_rng_uuid(&a, v);
	assert_string_not_equal(u, v);
	assert_true(ms_rng_unit(&a) != ms_rng_unit(&a));
}


static void test_rng_unit_range(void **state)
{
	struct ms_rng seeded, unseeded;
	double sum = 0, lo = 1, hi = 0;

	(void)state;
	ms_rng_init(&seeded, true, 11, "unit");
	ms_rng_init(&unseeded, false, 0, NULL);
	for (int i = 0; i < NDRAWS; i++) {
		double u = ms_rng_unit(&seeded);
		double v = ms_rng_unit(&unseeded);

		assert_true(u >= 0.0 && u < 1.0);
		assert_true(v >= 0.0 && v < 1.0);
		sum += u;
		lo = u < lo ? u : lo;
		hi = u > hi ? u : hi;
	}
	/* Uniform: the mean is near 1/2 and the draws spread out. The
	 * bounds are many standard deviations wide (sd of the mean ~0.003). */
	assert_true(sum / NDRAWS > 0.47 && sum / NDRAWS < 0.53);
	assert_true(lo < 0.01);
	assert_true(hi > 0.99);
}


static void test_rng_unit_repeats_when_seeded(void **state)
{
	struct ms_rng a, b;

	(void)state;
	ms_rng_init(&a, true, 99, "p");
	ms_rng_init(&b, true, 99, "p");
	for (int i = 0; i < 100; i++)
		assert_true(ms_rng_unit(&a) == ms_rng_unit(&b));
}


int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rng_same_seed_same_bytes),
		cmocka_unit_test(test_rng_same_seed_same_uuids),
		cmocka_unit_test(test_rng_names_give_different_streams),
		cmocka_unit_test(test_rng_seeds_give_different_streams),
		cmocka_unit_test(test_rng_seed_high_bits_matter),
		cmocka_unit_test(test_rng_uuid_shape),
		cmocka_unit_test(test_rng_unseeded_differs),
		cmocka_unit_test(test_rng_unit_range),
		cmocka_unit_test(test_rng_unit_repeats_when_seeded),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
