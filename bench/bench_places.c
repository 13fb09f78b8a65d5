/*
 * bench_places.c — the province and ISP tables against the real data: a
 * benchmark, and the listing tool behind scripts/list-regions and
 * scripts/list-asns.
 *
 *   build/bench/bench_places [--data-dir D] [--etc E]
 *       time the walk of one country's networks, province_lookup and
 *       isp_lookup (best of three; addresses' regions drawn from the walk)
 *   build/bench/bench_places --regions CC [--check] [--data-dir D] [--etc E]
 *       every distinct region (state1) the geo databases give country CC:
 *       region, IPv4 networks, IPv4 addresses, IPv6 networks, province code
 *       ("?" = not in the table).  --check: also list table rows the
 *       databases do not use (stderr), and exit 1 when a region is unmapped.
 *   build/bench/bench_places --asns CC [--min N] [--data-dir D] [--etc E]
 *       every ASN announcing CC's space: asn, AS name, IPv4 addresses,
 *       IPv6 networks, the ISP table's operator ("-" = not listed); --min N
 *       keeps those with at least N IPv4 addresses.
 *
 * The tables come from E (default: etc/ of the working directory when it
 * has them, as in a checkout, else as places_open finds them); the data
 * directory as datadir.h, else ./data.
 */
#include "enrich/asn.h"
#include "enrich/datadir.h"
#include "enrich/geo_walk.h"
#include "enrich/places.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

struct region {
    char *name;
    size_t len;
    uint64_t v4_nets, v4_addrs, v6_nets;
};

struct regions {
    struct region *v;
    size_t n, cap;
    uint64_t nets;
};

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int collect(const struct geo_net *net, void *ctx)
{
    struct regions *rs = ctx;
    const char *name = net->region ? net->region : "";
    size_t len = net->region ? net->region_len : 0, i;
    rs->nets++;
    for (i = 0; i < rs->n; i++)
        if (rs->v[i].len == len && memcmp(rs->v[i].name, name, len) == 0)
            break;
    if (i == rs->n) {
        if (rs->n == rs->cap) {
            size_t ncap = rs->cap ? rs->cap * 2 : 64;
            struct region *nv = realloc(rs->v, ncap * sizeof *nv);
            if (!nv)
                return VG_ENOMEM;
            rs->v = nv;
            rs->cap = ncap;
        }
        memset(&rs->v[i], 0, sizeof rs->v[i]);
        if (!(rs->v[i].name = strndup(name, len)))
            return VG_ENOMEM;
        rs->v[i].len = len;
        rs->n++;
    }
    if (net->family == 4) {
        rs->v[i].v4_nets++;
        rs->v[i].v4_addrs += UINT64_C(1) << (32 - net->prefix);
    } else {
        rs->v[i].v6_nets++;
    }
    return 0;
}

static int region_cmp(const void *a, const void *b)
{
    const struct region *x = a, *y = b;
    return strcmp(x->name, y->name);
}

static void regions_free(struct regions *rs)
{
    for (size_t i = 0; i < rs->n; i++)
        free(rs->v[i].name);
    free(rs->v);
}

static int load_tables(struct places **out, const char *etc,
                       const char *data_dir, struct vg_err *err)
{
    char a[PATH_MAX], b[PATH_MAX];
    if (!etc && access("etc/" PLACES_PROVINCES_VN, R_OK) == 0)
        etc = "etc";
    if (!etc)
        return places_open(out, data_dir, err);
    snprintf(a, sizeof a, "%s/%s", etc, PLACES_PROVINCES_VN);
    snprintf(b, sizeof b, "%s/%s", etc, PLACES_ISPS);
    return places_load(out, a, b, err);
}

static int list_regions(const char *data_dir, const struct places *pl,
                        const char *cc, int check)
{
    struct regions rs = {0};
    struct vg_err err = {0};
    int unmapped = 0;
    size_t named = 0;
    if (geo_walk_networks(data_dir, cc, collect, &rs, &err) != 0) {
        fprintf(stderr, "bench_places: %s\n",
                err.msg[0] ? err.msg : "out of memory");
        regions_free(&rs);
        return 2;
    }
    qsort(rs.v, rs.n, sizeof *rs.v, region_cmp);
    printf("region\tipv4_networks\tipv4_addresses\tipv6_networks\tprovince\n");
    for (size_t i = 0; i < rs.n; i++) {
        const struct region *r = &rs.v[i];
        const struct province *pv = province_lookup(pl, cc, r->name, r->len);
        /* a record without a region is no name to map: province key "" */
        const char *code = pv ? pv->code : r->len ? "?" : "";
        unmapped += r->len && !pv;
        named += r->len > 0;
        printf("%s\t%llu\t%llu\t%llu\t%s\n", r->len ? r->name : "(none)",
               (unsigned long long)r->v4_nets, (unsigned long long)r->v4_addrs,
               (unsigned long long)r->v6_nets, code);
    }
    if (check) {
        size_t unused = 0;
        for (size_t i = 0; i < places_province_count(pl); i++) {
            const struct province_row *row = places_province_at(pl, i);
            size_t k;
            if (strcmp(row->cc, cc) != 0)
                continue;
            for (k = 0; k < rs.n; k++)
                if (strcmp(rs.v[k].name, row->region) == 0)
                    break;
            if (k == rs.n) {
                if (!unused++)
                    fprintf(stderr, "table rows the databases do not use "
                                    "(kept for other versions):\n");
                fprintf(stderr, "  line %llu: %s\n",
                        (unsigned long long)row->line, row->region);
            }
        }
        fprintf(stderr,
                "%zu regions in the databases, %d not in the table; "
                "%zu table rows unused\n",
                named, unmapped, unused);
    }
    regions_free(&rs);
    return check && unmapped ? 1 : 0;
}

static int list_asns(const char *data_dir, const struct places *pl,
                     const char *cc, uint64_t min)
{
    struct asn_table *t = NULL;
    struct places_asn_space *v = NULL;
    struct vg_err err = {0};
    size_t n = 0;
    if (asn_table_open(&t, data_dir, &err) != 0 ||
        places_asn_space(t, data_dir, cc, &v, &n, &err) != 0) {
        fprintf(stderr, "bench_places: %s\n", err.msg);
        asn_table_close(t);
        return 2;
    }
    printf("asn\tname\tipv4_addresses\tipv6_networks\tisp\n");
    for (size_t i = 0; i < n; i++) {
        const char *isp = isp_lookup(pl, v[i].asn);
        if (v[i].v4_addrs < min)
            continue;
        printf("%u\t%s\t%llu\t%llu\t%s\n", v[i].asn, v[i].name,
               (unsigned long long)v[i].v4_addrs,
               (unsigned long long)v[i].v6_nets, isp ? isp : "-");
    }
    free(v);
    asn_table_close(t);
    return 0;
}

static volatile uintptr_t sink;

static int bench(const char *data_dir, const struct places *pl)
{
    struct regions rs = {0};
    struct vg_err err = {0};
    double best = 1e30;
    for (int run = 0; run < 3; run++) {
        double t0 = now();
        regions_free(&rs);
        memset(&rs, 0, sizeof rs);
        if (geo_walk_networks(data_dir, "VN", collect, &rs, &err) != 0) {
            fprintf(stderr, "bench_places: %s\n", err.msg);
            return 2;
        }
        double dt = now() - t0;
        best = dt < best ? dt : best;
    }
    printf("geo walk, VN networks of both databases: %.2f s (%llu networks, "
           "%zu regions)\n",
           best, (unsigned long long)rs.nets, rs.n);

    enum { N = 1 << 20 };
    const char **name = malloc(N * sizeof *name);
    size_t *len = malloc(N * sizeof *len);
    uint32_t *asn = malloc(N * sizeof *asn);
    uint64_t rng = 0x9E3779B97F4A7C15ull;
    if (!name || !len || !asn || !rs.n) {
        free(name), free(len), free(asn);
        regions_free(&rs);
        return 2;
    }
    for (size_t i = 0; i < N; i++) {
        rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
        const struct region *r = &rs.v[rng % rs.n];
        name[i] = r->name;
        len[i] = r->len;
        /* ASNs: half listed operators, half arbitrary */
        size_t ni = places_isp_count(pl);
        asn[i] = (rng >> 32) & 1 && ni
                     ? places_isp_at(pl, (rng >> 33) % ni)->asn
                     : (uint32_t)(rng >> 40);
    }
    best = 1e30;
    for (int run = 0; run < 3; run++) {
        double t0 = now();
        for (size_t i = 0; i < N; i++)
            sink += (uintptr_t)province_lookup(pl, "VN", name[i], len[i]);
        double dt = now() - t0;
        best = dt < best ? dt : best;
    }
    printf("province_lookup: %.1f ns/lookup (%zu table rows)\n", best / N * 1e9,
           places_province_count(pl));
    best = 1e30;
    for (int run = 0; run < 3; run++) {
        double t0 = now();
        for (size_t i = 0; i < N; i++)
            sink += (uintptr_t)isp_lookup(pl, asn[i]);
        double dt = now() - t0;
        best = dt < best ? dt : best;
    }
    printf("isp_lookup: %.1f ns/lookup (%zu table rows)\n", best / N * 1e9,
           places_isp_count(pl));
    free(name), free(len), free(asn);
    regions_free(&rs);
    return 0;
}

int main(int argc, char **argv)
{
    const char *data_opt = NULL, *etc = NULL, *regions = NULL, *asns = NULL;
    int check = 0;
    uint64_t min = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--check")) {
            check = 1;
            continue;
        }
        if (!v) {
            fprintf(stderr, "usage: bench_places [--regions CC [--check] | "
                            "--asns CC [--min N]] [--data-dir D] [--etc E]\n");
            return 2;
        }
        if (!strcmp(a, "--data-dir"))
            data_opt = v;
        else if (!strcmp(a, "--etc"))
            etc = v;
        else if (!strcmp(a, "--regions"))
            regions = v;
        else if (!strcmp(a, "--asns"))
            asns = v;
        else if (!strcmp(a, "--min"))
            min = strtoull(v, NULL, 10);
        else {
            fprintf(stderr, "bench_places: unknown option %s\n", a);
            return 2;
        }
        i++;
    }
    char data_dir[PATH_MAX];
    struct vg_err err = {0};
    struct places *pl = NULL;
    if (datadir_resolve(data_opt, data_dir, sizeof data_dir, &err) != 0) {
        if (data_opt)
            goto fail;
        snprintf(data_dir, sizeof data_dir, "data");
    }
    if (load_tables(&pl, etc, data_dir, &err) != 0)
        goto fail;
    int rc = regions ? list_regions(data_dir, pl, regions, check)
             : asns  ? list_asns(data_dir, pl, asns, min)
                     : bench(data_dir, pl);
    places_free(pl);
    return rc;
fail:
    fprintf(stderr, "bench_places: %s\n", err.msg);
    return 2;
}
