/*
 * random.c — the distributions the simulator draws from, computed so that
 * every platform gets the same bits.
 *
 * libm's exp and log may differ in the last place between C libraries, and
 * one ulp is enough to change a Poisson count and then every byte after it.
 * So log and exp are computed here from IEEE-754 basic operations (which are
 * correctly rounded everywhere) plus frexp/ldexp/floor (exact):
 *   log: x = m·2^e with m in [√½, √2); log m = 2·atanh(z), z = (m-1)/(m+1),
 *        |z| < 0.172, by its odd power series to z^25 (error < 1e-19);
 *   exp: x = k·ln2 + r with |r| <= ln2/2; e^r by Taylor to r^18.
 * Accuracy is about 1e-15 relative, far beyond what a simulation needs; what
 * matters is that it is the same everywhere.  Floating-point contraction
 * into FMA would change results between machines, so it is turned off for
 * clang (GCC does not contract in ISO C mode).
 */
#ifdef __clang__
#pragma STDC FP_CONTRACT OFF
#endif

#include "sim/sim_int.h"

#include <math.h>

#define LN2 0.693147180559945309417232121458
#define SQRT_HALF 0.707106781186547524400844362105

double sim_log(double x)
{
    if (!(x > 0))
        return -INFINITY;
    if (x == INFINITY)
        return x;
    int e;
    double m = frexp(x, &e);
    if (m < SQRT_HALF) {
        m *= 2;
        e--;
    }
    double z = (m - 1) / (m + 1), z2 = z * z, t = z, s = 0;
    for (int k = 1; k <= 25; k += 2) {
        s += t / k;
        t *= z2;
    }
    return 2 * s + e * LN2;
}

double sim_exp(double x)
{
    if (x < -745)
        return 0;
    if (x > 709)
        return INFINITY;
    double k = floor(x / LN2 + 0.5);
    double r = x - k * LN2, t = 1, s = 1;
    for (int n = 1; n <= 18; n++) {
        t = t * r / n;
        s += t;
    }
    return ldexp(s, (int)k);
}

/* Marsaglia's polar method; the second variate is dropped so that a draw
 * consumes a well-defined part of the stream. */
double sim_normal(struct sim_rng *r)
{
    for (;;) {
        double u = 2 * sim_u01(sim_next(r)) - 1;
        double v = 2 * sim_u01(sim_next(r)) - 1;
        double s = u * u + v * v;
        if (s > 0 && s < 1)
            return u * sqrt(-2 * sim_log(s) / s);
    }
}

double sim_lognormal(struct sim_rng *r, double mu, double sigma)
{
    return sim_exp(mu + sigma * sim_normal(r));
}

double sim_exponential(struct sim_rng *r, double mean)
{
    return -mean * sim_log(1 - sim_u01(sim_next(r)));
}

/* Knuth's product method below 30 (cost ~lambda draws); above, the normal
 * approximation, whose error at lambda >= 30 is invisible in a landscape. */
uint32_t sim_poisson(struct sim_rng *r, double lambda)
{
    if (!(lambda > 0))
        return 0;
    if (lambda < 30) {
        double limit = sim_exp(-lambda), p = 1;
        uint32_t k = 0;
        for (;;) {
            p *= sim_u01(sim_next(r));
            if (p <= limit)
                return k;
            k++;
        }
    }
    double v = floor(lambda + sqrt(lambda) * sim_normal(r) + 0.5);
    if (v < 0)
        return 0;
    if (v > 4e9)
        return 4000000000u;
    return (uint32_t)v;
}
