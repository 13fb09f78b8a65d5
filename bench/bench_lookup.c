/*
 * bench_lookup.c — how fast the enrichment data opens and answers.
 *
 *   build/bench/bench_lookup [DATA_DIR]     (default: as datadir.h, else
 * ./data)
 *
 * Measures, on one core: building the ASN tables from the CSVs (in a
 * temporary directory of symlinks, so the real tables are untouched), their
 * size, opening them again (mmap + validation), ASN lookups over random
 * IPv4 addresses, over IPv4 addresses drawn from announced ranges (the
 * realistic case: feeds report hosts that exist), over IPv6 addresses from
 * announced ranges, geo lookups for both families, a whole enricher lookup
 * + apply into an event, and the process's resident memory.  Addresses are
 * generated before the clock starts; each figure is the best of three runs.
 */
#include "enrich/datadir.h"
#include "enrich/enrich.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define NADDR (1u << 20)

static uint64_t rng = 0x9E3779B97F4A7C15ull;

static uint64_t next_rand(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static volatile uint64_t sink;

/* Best-of-three rate of asn_table_lookup over addrs, with the hit share. */
static void bench_asn(const char *label, const struct asn_table *t,
                      const struct ip_addr *a, size_t n, int rounds)
{
    double best = 1e30;
    size_t hits = 0;
    for (int run = 0; run < 3; run++) {
        uint64_t sum = 0;
        hits = 0;
        double t0 = now();
        for (int r = 0; r < rounds; r++)
            for (size_t i = 0; i < n; i++) {
                uint32_t asn = 0;
                const char *name;
                if (asn_table_lookup(t, &a[i], &asn, &name)) {
                    hits++;
                    sum += asn;
                }
            }
        double dt = now() - t0;
        sink += sum;
        if (dt < best)
            best = dt;
    }
    printf("%-34s %12.0f/s   (%.1f ns each, %.0f%% found)\n", label,
           (double)n * rounds / best, best * 1e9 / ((double)n * rounds),
           100.0 * (double)hits / ((double)n * rounds));
}

static void bench_geo(const char *label, const struct geo_db *g,
                      const struct ip_addr *a, size_t n)
{
    double best = 1e30;
    size_t hits = 0;
    for (int run = 0; run < 3; run++) {
        struct geo_info gi;
        hits = 0;
        double t0 = now();
        for (size_t i = 0; i < n; i++)
            if (geo_db_lookup(g, &a[i], &gi) == 1) {
                hits++;
                sink += gi.region_len;
            }
        double dt = now() - t0;
        if (dt < best)
            best = dt;
    }
    printf("%-34s %12.0f/s   (%.1f ns each, %.0f%% found)\n", label,
           (double)n / best, best * 1e9 / (double)n,
           100.0 * (double)hits / (double)n);
}

/* IPv4 addresses drawn uniformly from the table's announced ranges. */
static void v4_from_ranges(const struct asn_table *t, struct ip_addr *a,
                           size_t n)
{
    size_t cnt = asn_table_v4_count(t);
    for (size_t i = 0; i < n; i++) {
        uint32_t first, last, asn;
        const char *name;
        asn_table_v4_range(t, next_rand() % cnt, &first, &last, &asn, &name);
        uint64_t span = (uint64_t)last - first + 1;
        ip_from_v4(&a[i], first + (uint32_t)(next_rand() % span));
    }
}

static void put_be64(uint8_t *p, uint64_t v)
{
    for (int k = 7; k >= 0; k--, v >>= 8)
        p[k] = (uint8_t)v;
}

static uint64_t get_be64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int k = 0; k < 8; k++)
        v = v << 8 | p[k];
    return v;
}

/* IPv6 addresses inside the ranges of asn-ipv6.csv; returns how many. */
static size_t v6_from_csv(const char *dir, struct ip_addr *a, size_t n)
{
    char path[PATH_MAX + 32], line[1024];
    snprintf(path, sizeof path, "%s/asn-ipv6.csv", dir);
    FILE *fp = fopen(path, "r");
    if (!fp)
        return 0;
    struct ip_addr *first = NULL, *last = NULL;
    size_t nr = 0, cap = 0;
    while (fgets(line, sizeof line, fp)) {
        char *c1 = strchr(line, ','), *c2 = c1 ? strchr(c1 + 1, ',') : NULL;
        if (!c2)
            continue;
        if (nr == cap) {
            cap = cap ? cap * 2 : 4096;
            first = realloc(first, cap * sizeof *first);
            last = realloc(last, cap * sizeof *last);
            if (!first || !last)
                exit(1);
        }
        if (ip_parse(line, (size_t)(c1 - line), &first[nr]) == 0 &&
            ip_parse(c1 + 1, (size_t)(c2 - c1 - 1), &last[nr]) == 0)
            nr++;
    }
    fclose(fp);
    for (size_t i = 0; nr && i < n; i++) {
        size_t r = next_rand() % nr;
        uint64_t fh = get_be64(first[r].b), fl = get_be64(first[r].b + 8);
        uint64_t lh = get_be64(last[r].b), ll = get_be64(last[r].b + 8);
        uint64_t h = fh, l;
        if (fh == lh) {
            uint64_t span = ll - fl;
            l = fl +
                (span == UINT64_MAX ? next_rand() : next_rand() % (span + 1));
        } else {
            h = fh + next_rand() % (lh - fh + 1);
            l = next_rand();
            if (h == fh && l < fl)
                l = fl;
            if (h == lh && l > ll)
                l = ll;
        }
        put_be64(a[i].b, h);
        put_be64(a[i].b + 8, l);
    }
    free(first);
    free(last);
    return nr ? n : 0;
}

/* Resident memory now (VmRSS) and at most (VmHWM).  File-backed pages of
 * the tables and databases count once touched, though the page cache
 * shares them between processes. */
static void print_rss(const char *when)
{
    char line[256], rss[64] = "?", hwm[64] = "?";
    FILE *fp = fopen("/proc/self/status", "r");
    while (fp && fgets(line, sizeof line, fp)) {
        line[strcspn(line, "\n")] = '\0';
        if (strncmp(line, "VmRSS:", 6) == 0)
            snprintf(rss, sizeof rss, "%s", line + 6 + strspn(line + 6, " \t"));
        if (strncmp(line, "VmHWM:", 6) == 0)
            snprintf(hwm, sizeof hwm, "%s", line + 6 + strspn(line + 6, " \t"));
    }
    if (fp)
        fclose(fp);
    printf("RSS %-30s %s (peak %s)\n", when, rss, hwm);
}

/* Time building the ASN tables from scratch in a directory of symlinks. */
static int bench_build(const char *dir)
{
    char tmp[] = "/tmp/vigil-bench-XXXXXX", src[PATH_MAX], dst[PATH_MAX + 64];
    static const char *const files[] = {"asn-ipv4.csv", "asn-ipv6.csv"};
    static const char *const tables[] = {"asn-ipv4.table", "asn-ipv6.table"};
    struct vg_err err = {0};
    struct asn_table *t;
    if (!mkdtemp(tmp) || !realpath(dir, src))
        return -1;
    for (int k = 0; k < 2; k++) {
        char from[PATH_MAX + 64];
        snprintf(from, sizeof from, "%s/%s", src, files[k]);
        snprintf(dst, sizeof dst, "%s/%s", tmp, files[k]);
        if (symlink(from, dst) != 0)
            return -1;
    }
    double t0 = now();
    if (asn_table_open(&t, tmp, &err) != 0) {
        fprintf(stderr, "bench_lookup: %s\n", err.msg);
        return -1;
    }
    double built = now() - t0;
    struct asn_table_info in;
    asn_table_get_info(t, &in);
    asn_table_close(t);
    printf("asn table build (v4+v6, parse+write): %.0f ms\n", built * 1e3);
    printf("asn table size on disk:  v4 %.1f MB (%zu ranges), v6 %.1f MB (%zu "
           "ranges)\n",
           (double)in.bytes[0] / 1e6, in.ranges[0], (double)in.bytes[1] / 1e6,
           in.ranges[1]);
    double best = 1e30;
    for (int run = 0; run < 5; run++) {
        t0 = now();
        if (asn_table_open(&t, tmp, &err) != 0)
            return -1;
        double dt = now() - t0;
        asn_table_close(t);
        if (dt < best)
            best = dt;
    }
    printf("asn table open (mmap + validate, v4+v6): %.2f ms\n", best * 1e3);
    for (int k = 0; k < 2; k++) {
        snprintf(dst, sizeof dst, "%s/%s", tmp, files[k]);
        unlink(dst);
        snprintf(dst, sizeof dst, "%s/%s", tmp, tables[k]);
        unlink(dst);
    }
    rmdir(tmp);
    return 0;
}

int main(int argc, char **argv)
{
    char dir[PATH_MAX];
    struct vg_err err = {0};
    struct enricher *e = NULL;
    if (datadir_resolve(argc > 1 ? argv[1] : NULL, dir, sizeof dir, &err) !=
        0) {
        if (argc > 1 || access("data/asn-ipv4.csv", R_OK) != 0) {
            fprintf(stderr, "bench_lookup: %s\n", err.msg);
            return 2;
        }
        snprintf(dir, sizeof dir, "data");
    }
    printf("data: %s\n", dir);
    if (bench_build(dir) != 0) {
        fprintf(stderr, "bench_lookup: could not build the tables in a "
                        "temporary directory\n");
        return 2;
    }
    if (enricher_open(&e, dir, &err) != 0) {
        fprintf(stderr, "bench_lookup: %s\n", err.msg);
        return 2;
    }
    print_rss("after enricher_open:");
    struct ip_addr *a = malloc(NADDR * sizeof *a);
    if (!a)
        return 2;

    for (size_t i = 0; i < NADDR; i++)
        ip_from_v4(&a[i], (uint32_t)next_rand());
    bench_asn("asn v4 lookups (random):", e->asn, a, NADDR, 10);
    v4_from_ranges(e->asn, a, NADDR);
    bench_asn("asn v4 lookups (from ranges):", e->asn, a, NADDR, 10);
    bench_geo("geo v4 lookups (from ranges):", e->geo, a, NADDR / 4);
    {
        struct event ev;
        struct enrich_result r;
        size_t n = NADDR / 4;
        event_init(&ev);
        double t0 = now();
        for (size_t i = 0; i < n; i++) {
            event_clear(&ev);
            enricher_lookup(e, &a[i], &r);
            if (enricher_apply(&r, &ev) != 0)
                return 2;
        }
        double dt = now() - t0;
        printf("%-34s %12.0f/s   (%.1f ns each)\n",
               "enrich lookup+apply v4:", (double)n / dt, dt * 1e9 / (double)n);
        enricher_lookup(e, &a[0], &r);
        t0 = now();
        for (size_t i = 0; i < n; i++) {
            event_clear(&ev);
            if (enricher_apply(&r, &ev) != 0)
                return 2;
        }
        dt = now() - t0;
        printf("%-34s %12.0f/s   (%.1f ns each)\n",
               "  of which apply alone:", (double)n / dt, dt * 1e9 / (double)n);
        event_free(&ev);
    }
    if (v6_from_csv(dir, a, NADDR)) {
        bench_asn("asn v6 lookups (from ranges):", e->asn, a, NADDR, 10);
        bench_geo("geo v6 lookups (from ranges):", e->geo, a, NADDR / 4);
    }
    for (size_t i = 0; i < NADDR; i++) {
        put_be64(a[i].b,
                 (next_rand() >> 3) | 0x2000000000000000ull); /* 2000::/3 */
        put_be64(a[i].b + 8, next_rand());
    }
    bench_asn("asn v6 lookups (random 2000::/3):", e->asn, a, NADDR, 10);
    free(a);
    print_rss("after the lookups:");
    enricher_close(e);
    return sink == 42 ? 1 : 0;
}
