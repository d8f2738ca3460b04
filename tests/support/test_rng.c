/* Test-only random numbers: xoshiro256** seeded by splitmix64, polar-method normals. */
#include "test_rng.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>

static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += UINT64_C(0x9e3779b97f4a7c15));
    z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
    return z ^ (z >> 31);
}

static uint64_t rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

void refit_test_rng_seed(refit_test_rng *rng, uint64_t seed, uint64_t stream)
{
    /* Scramble the stream number before combining, so that nearby
     * (seed, stream) pairs give unrelated splitmix64 sequences. */
    uint64_t t = stream;
    uint64_t x = seed ^ splitmix64(&t);
    for (int i = 0; i < 4; i++) rng->s[i] = splitmix64(&x);
    if ((rng->s[0] | rng->s[1] | rng->s[2] | rng->s[3]) == 0) rng->s[0] = 1;
    rng->spare = 0.0;
    rng->has_spare = 0;
}

uint64_t refit_test_rng_next(refit_test_rng *rng)
{
    uint64_t *s = rng->s;
    uint64_t result = rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

double refit_test_rng_uniform(refit_test_rng *rng)
{
    /* (j + 1/2) 2^-52 for j in [0, 2^52): exact, in [2^-53, 1 - 2^-53]. */
    uint64_t j = refit_test_rng_next(rng) >> 12;
    return ((double)j + 0.5) * 0x1p-52;
}

double refit_test_rng_normal(refit_test_rng *rng)
{
    /* Marsaglia's polar method: (u, v) uniform in the unit disc, then
     * (u, v) sqrt(-2 ln s / s) are two independent N(0,1).  s > 0 always,
     * since 2U - 1 is never 0 on our grid (kept as a guard). */
    double u, v, s, f;
    if (rng->has_spare) {
        rng->has_spare = 0;
        return rng->spare;
    }
    do {
        u = 2.0 * refit_test_rng_uniform(rng) - 1.0;
        v = 2.0 * refit_test_rng_uniform(rng) - 1.0;
        s = u * u + v * v;
    } while (s >= 1.0 || s == 0.0);
    f = sqrt(-2.0 * log(s) / s);
    rng->spare = v * f;
    rng->has_spare = 1;
    return u * f;
}

uint64_t refit_test_env_u64(const char *name, uint64_t fallback)
{
    const char *v = getenv(name);
    char *end = NULL;
    unsigned long long x;
    if (!v || !*v) return fallback;
    errno = 0;
    x = strtoull(v, &end, 0);
    if (errno != 0 || !end || *end != '\0' || v[0] == '-') return fallback;
    return (uint64_t)x;
}
