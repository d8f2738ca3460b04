/* Test-only random numbers: a small, explicit-state, seedable generator.
 *
 * xoshiro256** (Blackman and Vigna) seeded through splitmix64, uniform
 * doubles in the open interval (0,1) and standard normals by Marsaglia's
 * polar method with the platform libm.  This is a tool for the test suites
 * only; it is not the production generator (that is the counter-based one
 * in kernels/), and its streams are not meant to match it.
 *
 * A (seed, stream) pair names an independent-looking stream, so a test can
 * give every configuration its own stream and stay reproducible whatever
 * order the configurations run in.
 */
#ifndef REFIT_TEST_RNG_H
#define REFIT_TEST_RNG_H

#include <stdint.h>

typedef struct refit_test_rng {
    uint64_t s[4];     /* xoshiro256** state, never all zero */
    double spare;      /* the second normal of the last polar-method pair */
    int has_spare;
} refit_test_rng;

/* Seed from (seed, stream); any values are allowed. */
void refit_test_rng_seed(refit_test_rng *rng, uint64_t seed, uint64_t stream);

/* The next 64 random bits. */
uint64_t refit_test_rng_next(refit_test_rng *rng);

/* Uniform on (0,1): never 0 (safe for log) and never 1; 52 random bits. */
double refit_test_rng_uniform(refit_test_rng *rng);

/* A standard normal N(0,1). */
double refit_test_rng_normal(refit_test_rng *rng);

/* An unsigned integer read from environment variable `name`, or `fallback`
 * when it is unset, empty or not a whole number. */
uint64_t refit_test_env_u64(const char *name, uint64_t fallback);

#endif /* REFIT_TEST_RNG_H */
