/*
 * bench_year.c — a year of national observations straight into a store,
 * then landscape query latencies in process.
 *
 *   build/bench/bench_year [--db PATH] [--hosts N] [--events N] [--days N]
 *                          [--reuse] [--runs N] [--by KEY] [--no-reference]
 *
 * The data is generated here, not parsed: the parsers have their own
 * benchmarks, and a year of raw records would take hours to parse on a
 * laptop.  The model keeps the shape that matters for the rollups: hosts
 * (default 300,000 addresses of one country) carry one or two infections
 * (30 families, Zipf popularity) with an infection window (mean 45 days)
 * inside which they beacon on most days; 200 ASNs with Zipf sizes, the
 * big five spanning every one of 63 regions, the others one or two home
 * regions; two feeds, two TLPs.  Events per observation are uniform with
 * the mean that reaches --events (default 100 million) over the year.
 * Each day is one transaction of sorted batched store_obs_put calls, as an
 * ingest of that day's files writes them; memory is one day's batch.
 *
 * Then by=family, asn, province and day over the last 7, 30 and 365 days,
 * each run --runs times (default 50; 10 for a year): p50 and p99 wall time
 * of landscape_run (the rollups) and, once per query, the SQL reference.
 * With --reuse an existing --db is queried without being rebuilt; --by runs
 * one key only, --no-reference skips the SQL reference (minutes on a year).
 */
#include "core/vtime.h"
#include "landscape/landscape.h"
#include "store/store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#define NFAM 30
#define NASN 200
#define NREG 63

static uint64_t mix(uint64_t x)
{
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* index into a Zipf(1) distribution of n items from a uniform hash */
static unsigned zipf(const double *cum, unsigned n, uint64_t h)
{
    double u = (double)(h >> 11) / 9007199254740992.0 * cum[n - 1];
    unsigned lo = 0, hi = n - 1;
    while (lo < hi) {
        unsigned mid = (lo + hi) / 2;
        if (cum[mid] < u)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

struct model {
    uint64_t hosts;
    unsigned days;
    int32_t day0;
    double fam_cum[NFAM], asn_cum[NASN], reg_cum[NREG];
    char fam[NFAM][16], reg[NREG][16], city[NREG][3][16];
    uint64_t per_obs; /* mean events per observation, times 2 minus 1 */
};

/* infection k (0 or 1) of host h: its family, window and feed; 0 when the
 * host has no second infection */
static int infection(const struct model *m, uint64_t h, int k, unsigned *fam, int32_t *from,
                     int32_t *to, unsigned *feed)
{
    uint64_t r = mix(h * 4 + (uint64_t)k + 1);
    if (k == 1 && r % 5)
        return 0; /* one host in five has a second infection */
    *fam = zipf(m->fam_cum, NFAM, mix(r));
    int32_t span = (int32_t)m->days + 60;
    *from = (int32_t)(mix(r + 1) % (uint64_t)span) - 60;
    *to = *from + 1 + (int32_t)(mix(r + 2) % 90); /* mean 45 days */
    *feed = mix(r + 3) % 4 == 0;                  /* a quarter from the second feed */
    return 1;
}

static void place(const struct model *m, uint64_t h, unsigned *asn, unsigned *reg, unsigned *city)
{
    uint64_t r = mix(h ^ 0xa5a5a5a5ULL);
    *asn = zipf(m->asn_cum, NASN, r);
    if (*asn < 5)
        *reg = zipf(m->reg_cum, NREG, mix(r + 7));
    else
        *reg = (unsigned)((mix(*asn) + (mix(r + 7) & 1)) % NREG);
    *city = (unsigned)(mix(r + 9) % 3);
}

static int build(struct store *st, struct model *m, uint64_t target)
{
    struct vg_err err = {0};
    enum { BATCH = 4096 };
    struct store_obs *batch = malloc(BATCH * sizeof *batch);
    static const char *const feeds[] = {"ctip", "shadowserver"};
    char asn_names[NASN][24];
    if (!batch)
        return 1;

    /* pass 1: observations per year, for the events per observation */
    uint64_t nobs = 0;
    for (uint64_t h = 0; h < m->hosts; h++)
        for (int k = 0; k < 2; k++) {
            unsigned fam, feed;
            int32_t from, to;
            if (!infection(m, h, k, &fam, &from, &to, &feed))
                continue;
            for (int32_t d = from < 0 ? 0 : from; d < to && d < (int32_t)m->days; d++)
                nobs += mix(h * 131 + (uint64_t)d * 7 + (uint64_t)k) % 5 != 0;
        }
    uint64_t mean = nobs ? (target + nobs - 1) / nobs : 1;
    m->per_obs = mean * 2 - 1;
    printf("model: %llu hosts, %u days, %llu observations, mean %llu events each\n",
           (unsigned long long)m->hosts, m->days, (unsigned long long)nobs,
           (unsigned long long)mean);

    if (store_begin(st, &err))
        goto fail;
    for (unsigned a = 0; a < NASN; a++) {
        snprintf(asn_names[a], sizeof asn_names[a], "AS-NET-%u", a);
        if (store_asn_put(st, 64512 + a, asn_names[a], &err))
            goto fail;
    }
    if (store_commit(st, &err))
        goto fail;

    double t0 = now();
    uint64_t events = 0, written = 0;
    for (int32_t d = 0; d < (int32_t)m->days; d++) {
        size_t nb = 0;
        if (store_begin(st, &err))
            goto fail;
        int32_t day = m->day0 + d;
        for (uint64_t h = 0; h < m->hosts; h++) {
            for (int k = 0; k < 2; k++) {
                unsigned fam, feed, asn, reg, city;
                int32_t from, to;
                if (!infection(m, h, k, &fam, &from, &to, &feed) || d < from || d >= to ||
                    mix(h * 131 + (uint64_t)d * 7 + (uint64_t)k) % 5 == 0)
                    continue;
                place(m, h, &asn, &reg, &city);
                struct store_obs *o = &batch[nb++];
                memset(o, 0, sizeof *o);
                o->day = day;
                uint32_t v4 = (14u << 24 | 160u << 16) + (uint32_t)h * 7;
                o->ip.b[10] = o->ip.b[11] = 0xff;
                o->ip.b[12] = (unsigned char)(v4 >> 24);
                o->ip.b[13] = (unsigned char)(v4 >> 16);
                o->ip.b[14] = (unsigned char)(v4 >> 8);
                o->ip.b[15] = (unsigned char)v4;
                o->type = "infected-system";
                o->family = m->fam[fam];
                o->feed = feeds[feed];
                o->tlp = mix(h + 99) % 10 ? "AMBER" : "GREEN";
                o->asn = 64512 + asn;
                o->cc = "VN";
                o->region = m->reg[reg];
                o->city = m->city[reg][city];
                o->events = 1 + mix(h * 31 + (uint64_t)d) % m->per_obs;
                o->first_us = (int64_t)day * VT_US_PER_DAY + 3600000000LL;
                o->last_us = o->first_us + 3600000000LL;
                events += o->events;
                if (nb == BATCH) {
                    if (store_obs_put(st, batch, nb, &err))
                        goto fail;
                    written += nb;
                    nb = 0;
                }
            }
        }
        if (nb && store_obs_put(st, batch, nb, &err))
            goto fail;
        written += nb;
        if (store_commit(st, &err))
            goto fail;
        if (d % 73 == 72)
            printf("  day %d: %llu observations, %llu events, %.1f s\n", d + 1,
                   (unsigned long long)written, (unsigned long long)events, now() - t0);
        fflush(stdout);
    }
    double dt = now() - t0;
    printf("built: %llu events in %llu observations over %u days in %.1f s"
           " (%.0f observations/s)\n",
           (unsigned long long)events, (unsigned long long)written, m->days, dt,
           (double)written / dt);
    free(batch);
    return 0;
fail:
    fprintf(stderr, "bench_year: %s\n", err.msg);
    free(batch);
    return 1;
}

/* CPU time of this thread: on a shared machine the wall times vary with
 * the neighbours' load, the CPU time much less */
static double cpu_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static int count_rows(void *ctx, int ncol, const struct store_value *v)
{
    (void)ncol;
    *(int64_t *)ctx = v[0].i;
    return 0;
}

int main(int argc, char **argv)
{
    const char *db = "/tmp/vigil-bench-year.db";
    uint64_t hosts = 300000, target = 100000000;
    unsigned days = 365, runs = 50;
    int reuse = 0, reference = 1;
    const char *only = NULL;
    for (int k = 1; k < argc; k++) {
        const char *v = k + 1 < argc ? argv[k + 1] : NULL;
        if (!strcmp(argv[k], "--reuse"))
            reuse = 1;
        else if (v && !strcmp(argv[k], "--db"))
            db = argv[++k];
        else if (v && !strcmp(argv[k], "--hosts"))
            hosts = strtoull(argv[++k], NULL, 10);
        else if (v && !strcmp(argv[k], "--events"))
            target = strtoull(argv[++k], NULL, 10);
        else if (v && !strcmp(argv[k], "--days"))
            days = (unsigned)strtoul(argv[++k], NULL, 10);
        else if (v && !strcmp(argv[k], "--runs"))
            runs = (unsigned)strtoul(argv[++k], NULL, 10);
        else if (v && !strcmp(argv[k], "--by"))
            only = argv[++k];
        else if (!strcmp(argv[k], "--no-reference"))
            reference = 0;
        else {
            fprintf(stderr, "usage: bench_year [--db PATH] [--hosts N] [--events N] [--days N]"
                            " [--reuse] [--runs N] [--by KEY] [--no-reference]\n");
            return 2;
        }
    }
    if (!hosts || !days || days > 3660 || !runs) {
        fprintf(stderr, "bench_year: bad --hosts, --days or --runs\n");
        return 2;
    }
    struct model m = {.hosts = hosts, .days = days};
    int64_t day0;
    vt_parse_day("2025-10-01", &day0);
    m.day0 = (int32_t)day0;
    double c = 0;
    for (unsigned k = 0; k < NFAM; k++) {
        m.fam_cum[k] = c += 1.0 / (k + 1);
        snprintf(m.fam[k], sizeof m.fam[k], "family%02u", k);
    }
    c = 0;
    for (unsigned k = 0; k < NASN; k++)
        m.asn_cum[k] = c += 1.0 / (k + 1);
    c = 0;
    for (unsigned k = 0; k < NREG; k++) {
        m.reg_cum[k] = c += 1.0 / (k + 1);
        snprintf(m.reg[k], sizeof m.reg[k], "Region %02u", k);
        for (unsigned i = 0; i < 3; i++)
            snprintf(m.city[k][i], sizeof m.city[k][i], "City %02u-%u", k, i);
    }

    struct vg_err err = {0};
    struct store *st;
    if (!reuse) {
        char p[4200];
        remove(db);
        snprintf(p, sizeof p, "%s-wal", db);
        remove(p);
        snprintf(p, sizeof p, "%s-shm", db);
        remove(p);
    }
    double t_open = now();
    if (store_open(&st, db, STORE_RW, &err)) {
        fprintf(stderr, "bench_year: %s\n", err.msg);
        return 1;
    }
    if (reuse) /* an older store is migrated here */
        printf("opened %s in %.1f s\n", db, now() - t_open);
    if (!reuse && build(st, &m, target)) {
        store_close(st);
        return 1;
    }
    struct stat sb;
    int64_t nroll = 0, nobs = 0;
    store_query(st, "SELECT count(*) FROM rollups", NULL, 0, count_rows, &nroll, &err);
    int64_t nslices = 0;
    store_query(st, "SELECT count(*) FROM observations", NULL, 0, count_rows, &nobs, &err);
    store_query(st, "SELECT count(*) FROM rollup_slices", NULL, 0, count_rows, &nslices, &err);
    printf("store: %s, %.0f MiB, %lld observations, %lld rollup rows, %lld slice rows\n", db,
           stat(db, &sb) ? 0.0 : (double)sb.st_size / 1048576.0, (long long)nobs,
           (long long)nroll, (long long)nslices);

    /* provinces: three regions per province code, so the key merges */
    struct store_province_map pm[NREG];
    char codes[NREG][8], names[NREG][24];
    for (unsigned k = 0; k < NREG; k++) {
        snprintf(codes[k], sizeof codes[k], "P%02u", k / 3);
        snprintf(names[k], sizeof names[k], "Province %02u", k / 3);
        pm[k] = (struct store_province_map){"VN", m.reg[k], codes[k], names[k], names[k]};
    }
    if (store_places_load(st, pm, NREG, NULL, 0, &err)) {
        fprintf(stderr, "bench_year: %s\n", err.msg);
        store_close(st);
        return 1;
    }

    static const char *const bys[] = {"family", "asn", "province", "day"};
    static const unsigned spans[] = {7, 30, 365};
    double *lat = malloc(runs * sizeof *lat), *cpu = malloc(runs * sizeof *cpu);
    printf("%-9s %5s %6s %10s %10s %10s %10s %8s\n", "by", "days", "rows", "p50 ms", "p99 ms",
           "cpu50 ms", "sql ms", "same");
    for (size_t b = 0; b < sizeof bys / sizeof bys[0]; b++)
        for (size_t s = 0; s < sizeof spans / sizeof spans[0]; s++) {
            if (spans[s] > days || (only && strcmp(only, bys[b])))
                continue;
            struct landscape_query q;
            landscape_query_init(&q);
            landscape_parse_keys(bys[b], &q, &err);
            q.to_day = m.day0 + (int32_t)days - 1;
            q.from_day = q.to_day - spans[s] + 1;
            unsigned n = spans[s] >= 365 && runs > 10 ? 10 : runs;
            struct landscape_result r;
            size_t rows = 0;
            for (unsigned i = 0; i < n; i++) {
                double t = now(), c0 = cpu_now();
                if (landscape_run(st, &q, &r, &err)) {
                    fprintf(stderr, "bench_year: %s\n", err.msg);
                    return 1;
                }
                lat[i] = (now() - t) * 1000;
                cpu[i] = (cpu_now() - c0) * 1000;
                rows = r.nrows;
                if (i + 1 < n)
                    landscape_result_free(&r);
            }
            qsort(lat, n, sizeof *lat, cmp_double);
            qsort(cpu, n, sizeof *cpu, cmp_double);
            /* the reference once, and the two answers compared */
            struct landscape_result ref = {0};
            struct vg_buf ja = VG_BUF_INIT, jb = VG_BUF_INIT;
            double t = now(), sql = 0;
            if (reference) {
                if (landscape_run_sql(st, &q, &ref, &err)) {
                    fprintf(stderr, "bench_year: %s\n", err.msg);
                    return 1;
                }
                sql = (now() - t) * 1000;
                landscape_write_json(&q, &r, &ja);
                landscape_write_json(&q, &ref, &jb);
            }
            printf("%-9s %5u %6zu %10.2f %10.2f %10.2f %10.1f %8s\n", bys[b], spans[s], rows,
                   lat[(n - 1) / 2], lat[(size_t)((n - 1) * 0.99)], cpu[(n - 1) / 2], sql,
                   !reference ? "-" : strcmp(ja.data, jb.data) ? "DIFFER" : "yes");
            fflush(stdout);
            landscape_result_free(&r);
            landscape_result_free(&ref);
            vg_buf_free(&ja);
            vg_buf_free(&jb);
        }
    free(lat);
    free(cpu);
    store_close(st);
    return 0;
}
