/*
 * simulate.c — a run: the population, the days, the sinks.
 *
 * Population (one stream keyed by the seed):
 *   - family popularity: Zipf weights 1/rank jittered (lognormal, sigma
 *     0.25); half the families get a campaign day around which a share of
 *     the new infections cluster (the spikes a landscape should show);
 *   - skew: per family and ISP (lognormal, sigma 0.5, kept in [1/3, 3]), per
 *     province (sigma 0.4, in [1/2, 2]) and per family and province (sigma
 *     0.25, in [0.7, 1.4]); hosts are placed by drawing an address uniformly
 *     from the country (so ISPs weigh by announced size) and accepting it
 *     with probability skew / max skew; an address is used once, must be
 *     routable, not .0 or .255, and vigil's enricher must give it an ASN and
 *     the country;
 *   - infections: every host one, 7 % a second of another family; 60 % were
 *     infected before the period (remaining lifetime exponential with the
 *     family's mean: memoryless), the others start during it; a host is
 *     online on a given day with its own probability (0.5..1); on an online
 *     day it beacons Poisson(rate x weekday factor x daily noise) times,
 *     rate = family median x lognormal(0, 1.3): heavy-tailed, a few hosts
 *     beacon hundreds of times a day;
 *   - --events N rescales every rate so that the expected total is N.
 *
 * Days: for each day, each infection's beacons are regenerated from its
 * own stream (seed, infection, day), each beacon picks its feed (the
 * family's CTIP share) and a time uniform in the day at microsecond
 * resolution, kept 1 ms away from midnight so that no reader's rounding can
 * move it to another day.  The day's beacons are sorted by time (a stable
 * bucket sort, our own, so that the order is the same on every libc) and
 * written in that order; a day bigger than sim_window_events is done in time
 * windows, each regenerating the day and keeping its slice, which gives the
 * same bytes with bounded memory.  Malformed records are inserted before a
 * good record in a geometric number with mean f/(1-f) (so that they make
 * the fraction f of all records), never before the first good record of a
 * day so that format detection sees a real record first in every file.
 *
 * Ground truth JSON (sim_run's truth stream), exactly:
 *   {"seed":N,"country":"VN","start":"YYYY-MM-DD","days":N,"records":N,
 *    "malformed":N,"accepted":N,"total":{"ips":N,"events":N},
 *    "by_asn_family":[{"asn":N,"family":"...","ips":N,"events":N},...],
 *    "by_region":[{"region":"...","ips":N,"events":N},...],
 *    "by_day":[{"day":"YYYY-MM-DD","ips":N,"events":N},...],
 *    "by_family":[{"family":"...","ips":N,"events":N},...]}
 * sorted by the keys (ASN numerically, strings bytewise); groups without
 * records are omitted.
 */
#ifdef __clang__
#pragma STDC FP_CONTRACT OFF
#endif

#include "sim/sim_int.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/vtime.h"

#define MARGIN_US INT64_C(1000)
#define SPAN_US (VT_US_PER_DAY - 2 * MARGIN_US)
#define OUTBUF (1u << 20)

#define SKEW_ISP_MIN (1.0 / 3)
#define SKEW_ISP_MAX 3.0
#define SKEW_REG_MIN 0.5
#define SKEW_REG_MAX 2.0
#define SKEW_FREG_MIN 0.7
#define SKEW_FREG_MAX 1.4
#define SKEW_MAX (SKEW_ISP_MAX * SKEW_REG_MAX * SKEW_FREG_MAX)

#define PRE_EXISTING 0.6
#define SECOND_INFECTION 0.07
#define CAMPAIGN_SHARE 0.4
#define RATE_SIGMA 1.3
#define NOISE_SIGMA 0.35
#define WEEKEND 0.8

/* Stream purposes. */
enum { TAG_POP = 1, TAG_EV = 2, TAG_MAL = 3 };

size_t sim_window_events = (size_t)1 << 21;

void sim_config_init(struct sim_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->seed = 1;
    memcpy(cfg->country, "VN", 3);
    cfg->start_day = vt_days_from_civil(2026, 10, 1);
    cfg->days = 30;
    cfg->hosts = 20000;
    cfg->formats = SIM_FORMAT_BOTH;
}

/* ---- population --------------------------------------------------------- */

struct pop {
    struct sim_rng g;
    double *fam_cum; /* cumulative family weights */
    double *isp_skew, *reg_skew, *freg_skew;
    uint32_t *used; /* open-addressing set of used addresses (v4 + 1) */
    size_t nused_slots;
    uint64_t attempts;
    struct vg_arena arena;
};

static double clamp(double v, double lo, double hi)
{
    return v < lo ? lo : v > hi ? hi : v;
}

static void lower(char *dst, size_t cap, const char *s, size_t *len)
{
    size_t i = 0;
    for (; s && s[i] && i + 1 < cap; i++)
        dst[i] = (char)(s[i] >= 'A' && s[i] <= 'Z' ? s[i] - 'A' + 'a' : s[i]);
    dst[i] = '\0';
    *len = i;
}

static int str_of(struct vg_arena *a, const char *s, struct sim_str *out)
{
    return sim_str_make(a, s ? s : "", s ? strlen(s) : 0, 0, out);
}

static int setup_families(struct sim_run *run, struct pop *p)
{
    const struct sim_config *cfg = run->cfg;
    run->nfam = sim_nfamilies;
    run->fam = vg_arena_alloc(&p->arena, run->nfam * sizeof *run->fam);
    p->fam_cum = vg_arena_alloc(&p->arena, run->nfam * sizeof *p->fam_cum);
    if (!run->fam || !p->fam_cum)
        return VG_ENOMEM;
    double cum = 0;
    for (size_t i = 0; i < run->nfam; i++) {
        const struct sim_family *f = &sim_families[i];
        struct sim_family_rt *r = &run->fam[i];
        memset(r, 0, sizeof *r);
        lower(r->name[SIM_FEED_CTIP], sizeof r->name[0], f->threat_code,
              &r->name_len[SIM_FEED_CTIP]);
        lower(r->name[SIM_FEED_SHADOWSERVER], sizeof r->name[0], f->infection,
              &r->name_len[SIM_FEED_SHADOWSERVER]);
        if (str_of(&p->arena, f->malware, &r->malware) ||
            str_of(&p->arena, f->threat_code, &r->threat_code) ||
            str_of(&p->arena, f->infection, &r->infection) ||
            str_of(&p->arena, f->ss_family, &r->ss_family) ||
            str_of(&p->arena, f->tag, &r->tag) || str_of(&p->arena, f->custom1, &r->custom1) ||
            str_of(&p->arena, f->domain, &r->domain) ||
            str_of(&p->arena, f->handler, &r->handler))
            return VG_ENOMEM;
        r->weight = 1.0 / (double)(i + 1) * sim_lognormal(&p->g, 0, 0.25);
        r->campaign = sim_u01(sim_next(&p->g)) < 0.5 ? (int32_t)sim_below(&p->g, cfg->days) : -1;
        cum += r->weight;
        p->fam_cum[i] = cum;
    }
    return 0;
}

static int setup_skew(struct sim_run *run, struct pop *p)
{
    const struct sim_space *s = run->space;
    size_t nreg = s->regions.n;
    p->isp_skew = vg_arena_alloc(&p->arena, run->nfam * s->nisp * sizeof(double));
    p->reg_skew = vg_arena_alloc(&p->arena, nreg * sizeof(double));
    p->freg_skew = vg_arena_alloc(&p->arena, run->nfam * nreg * sizeof(double));
    if (!p->isp_skew || !p->reg_skew || !p->freg_skew)
        return VG_ENOMEM;
    for (size_t i = 0; i < run->nfam * s->nisp; i++)
        p->isp_skew[i] = clamp(sim_lognormal(&p->g, 0, 0.5), SKEW_ISP_MIN, SKEW_ISP_MAX);
    for (size_t i = 0; i < nreg; i++)
        p->reg_skew[i] = clamp(sim_lognormal(&p->g, 0, 0.4), SKEW_REG_MIN, SKEW_REG_MAX);
    for (size_t i = 0; i < run->nfam * nreg; i++)
        p->freg_skew[i] = clamp(sim_lognormal(&p->g, 0, 0.25), SKEW_FREG_MIN, SKEW_FREG_MAX);
    return 0;
}

static uint16_t pick_family(struct sim_run *run, struct pop *p)
{
    double u = sim_u01(sim_next(&p->g)) * p->fam_cum[run->nfam - 1];
    for (size_t i = 0; i < run->nfam; i++)
        if (u < p->fam_cum[i])
            return (uint16_t)i;
    return (uint16_t)(run->nfam - 1);
}

/* 1 when v was not used yet (and marks it used). */
static int claim(struct pop *p, uint32_t v)
{
    size_t mask = p->nused_slots - 1, j = sim_mix(v) & mask;
    for (; p->used[j]; j = (j + 1) & mask)
        if (p->used[j] == (uint64_t)v + 1)
            return 0;
    p->used[j] = v + 1;
    return 1;
}

static int used(const struct pop *p, uint32_t v)
{
    size_t mask = p->nused_slots - 1, j = sim_mix(v) & mask;
    for (; p->used[j]; j = (j + 1) & mask)
        if (p->used[j] == (uint64_t)v + 1)
            return 1;
    return 0;
}

static int place_host(struct sim_run *run, struct pop *p, uint16_t fam, struct sim_host *h,
                      struct vg_err *err)
{
    const struct sim_space *s = run->space;
    uint64_t total = s->cum[s->nblocks];
    uint64_t limit = 1000 + 2000 * (uint64_t)run->cfg->hosts;
    for (;;) {
        if (++p->attempts > limit)
            return vg_err_set(err, VG_ELIMIT,
                              "simulate: could not place %llu hosts in %s's %llu addresses "
                              "(too many hosts for the country?)",
                              (unsigned long long)run->cfg->hosts, s->cc,
                              (unsigned long long)total);
        uint64_t a = sim_below(&p->g, total);
        double u = sim_u01(sim_next(&p->g));
        size_t bi = sim_space_find(s, a);
        const struct sim_block *b = &s->blocks[bi];
        uint32_t v = b->first + (uint32_t)(a - s->cum[bi]);
        if ((v & 255) == 0 || (v & 255) == 255)
            continue;
        double w = p->isp_skew[(size_t)fam * s->nisp + b->isp] * p->reg_skew[b->region] *
                   p->freg_skew[(size_t)fam * s->regions.n + b->region];
        if (u * SKEW_MAX >= w || used(p, v))
            continue;
        struct ip_addr ip;
        struct enrich_result r;
        ip_from_v4(&ip, v);
        if (!ip_is_routable_host(&ip))
            continue;
        enricher_lookup(s->en, &ip, &r);
        if (!r.has_asn || r.asn == 0 || memcmp(r.geo.cc, s->cc, 3) != 0)
            continue;
        claim(p, v);
        memset(h, 0, sizeof *h);
        h->v4 = v;
        h->asn = r.asn;
        h->region = sim_strtab_intern(&run->regions, r.geo.region ? r.geo.region : "",
                                      r.geo.region ? r.geo.region_len : 0);
        h->city = sim_strtab_intern(&run->cities, r.geo.city ? r.geo.city : "",
                                    r.geo.city ? r.geo.city_len : 0);
        h->org = sim_strtab_intern(&run->orgs, r.as_name ? r.as_name : "",
                                   r.as_name ? strlen(r.as_name) : 0);
        if (h->region == UINT32_MAX || h->city == UINT32_MAX || h->org == UINT32_MAX)
            return vg_err_set(err, VG_ENOMEM, "simulate: out of memory");
        if (r.geo.has_latlon) {
            h->has_latlon = 1;
            h->lat = (int32_t)floor(r.geo.lat * 1e4 + 0.5);
            h->lon = (int32_t)floor(r.geo.lon * 1e4 + 0.5);
        }
        unsigned c = (unsigned)sim_below(&p->g, 20);
        h->conn = c < 8 ? 0 : c < 15 ? 1 : c < 19 ? 2 : 3;
        char text[IP_STRLEN];
        size_t n = ip_format(&ip, text);
        memcpy(h->ip, text, n);
        h->iplen = (uint8_t)n;
        return 0;
    }
}

static int add_infection(struct sim_run *run, struct pop *p, uint32_t host, uint16_t fam)
{
    struct sim_inf *v = sim_grow(run->inf, &run->capinf, run->ninf, sizeof *v);
    if (!v)
        return VG_ENOMEM;
    run->inf = v;
    const struct sim_family *f = &sim_families[fam];
    const struct sim_family_rt *fr = &run->fam[fam];
    int32_t days = (int32_t)run->cfg->days;
    struct sim_inf *in = &run->inf[run->ninf++];
    in->host = host;
    in->fam = fam;
    double left = sim_exponential(&p->g, f->life);
    if (left > 1e6)
        left = 1e6;
    int32_t life = 1 + (int32_t)floor(left);
    if (sim_u01(sim_next(&p->g)) < PRE_EXISTING) {
        in->start = -1 - (int32_t)sim_below(&p->g, 365);
        in->end = life;
    } else {
        int32_t start;
        if (fr->campaign >= 0 && sim_u01(sim_next(&p->g)) < CAMPAIGN_SHARE)
            start = fr->campaign + (int32_t)floor(fabs(sim_normal(&p->g)) * 1.5);
        else
            start = (int32_t)sim_below(&p->g, (uint64_t)days);
        in->start = start < days ? start : days - 1;
        in->end = in->start + life;
    }
    in->rate = f->rate * sim_lognormal(&p->g, 0, RATE_SIGMA);
    in->p_on = 0.5 + 0.5 * sim_u01(sim_next(&p->g));
    return 0;
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

static int build_population(struct sim_run *run, struct pop *p, struct vg_err *err)
{
    const struct sim_config *cfg = run->cfg;
    int rc;
    sim_rng_key(&p->g, run->seed, TAG_POP, 0);
    if ((rc = setup_families(run, p)) || (rc = setup_skew(run, p)))
        return vg_err_set(err, rc, "simulate: out of memory");
    p->nused_slots = 1024;
    while (p->nused_slots < 2 * cfg->hosts)
        p->nused_slots <<= 1;
    p->used = calloc(p->nused_slots, sizeof *p->used);
    run->hosts = malloc(cfg->hosts * sizeof *run->hosts);
    if (!p->used || !run->hosts)
        return vg_err_set(err, VG_ENOMEM, "simulate: out of memory for %llu hosts",
                          (unsigned long long)cfg->hosts);
    for (uint64_t i = 0; i < cfg->hosts; i++) {
        uint16_t f1 = pick_family(run, p);
        if ((rc = place_host(run, p, f1, &run->hosts[i], err)))
            return rc;
        run->nhosts++;
        if ((rc = add_infection(run, p, (uint32_t)i, f1)))
            return vg_err_set(err, rc, "simulate: out of memory");
        if (sim_u01(sim_next(&p->g)) < SECOND_INFECTION) {
            uint16_t f2 = f1;
            for (int k = 0; k < 64 && f2 == f1; k++)
                f2 = pick_family(run, p);
            if (f2 != f1 && (rc = add_infection(run, p, (uint32_t)i, f2)))
                return vg_err_set(err, rc, "simulate: out of memory");
        }
    }
    /* dense ASN index, in ASN order (the truth's order) */
    run->asns = malloc(run->nhosts * sizeof *run->asns);
    if (!run->asns)
        return vg_err_set(err, VG_ENOMEM, "simulate: out of memory");
    for (size_t i = 0; i < run->nhosts; i++)
        run->asns[i] = run->hosts[i].asn;
    qsort(run->asns, run->nhosts, sizeof *run->asns, cmp_u32);
    for (size_t i = 0; i < run->nhosts; i++)
        if (run->nasns == 0 || run->asns[run->nasns - 1] != run->asns[i])
            run->asns[run->nasns++] = run->asns[i];
    for (size_t i = 0; i < run->nhosts; i++) {
        uint32_t *at = bsearch(&run->hosts[i].asn, run->asns, run->nasns, sizeof *run->asns,
                               cmp_u32);
        run->hosts[i].asn_idx = (uint32_t)(at - run->asns);
    }
    return 0;
}

/* ---- beacons ------------------------------------------------------------- */

static int64_t weekday(int64_t day)
{
    int64_t w = (day + 4) % 7;
    return w < 0 ? w + 7 : w;
}

static double feed_share(const struct sim_run *run, uint16_t fam)
{
    double s = sim_families[fam].ctip_share, v = 0;
    if (run->cfg->formats & SIM_FORMAT_CTIP)
        v += s;
    if (run->cfg->formats & SIM_FORMAT_SHADOWSERVER)
        v += 1 - s;
    return v;
}

/* Scale the rates so that the expected number of records is cfg->events. */
static void scale_rates(struct sim_run *run, const double *factor)
{
    const struct sim_config *cfg = run->cfg;
    if (!cfg->events)
        return;
    double expect = 0;
    for (size_t i = 0; i < run->ninf; i++) {
        const struct sim_inf *in = &run->inf[i];
        int32_t lo = in->start > 0 ? in->start : 0;
        int32_t hi = in->end < (int32_t)cfg->days ? in->end : (int32_t)cfg->days;
        double days = 0;
        for (int32_t d = lo; d < hi; d++)
            days += factor[d];
        expect += in->rate * in->p_on * days * feed_share(run, in->fam);
    }
    if (expect <= 0)
        return;
    double scale = (double)cfg->events * (1 - cfg->malformed) / expect;
    for (size_t i = 0; i < run->ninf; i++)
        run->inf[i].rate *= scale;
}

/* The number of beacons of infection i on period day d; leaves g at the
 * first beacon's draws. */
static uint32_t day_count(const struct sim_run *run, const double *factor, uint32_t i,
                          uint32_t d, struct sim_rng *g)
{
    const struct sim_inf *in = &run->inf[i];
    if ((int32_t)d < in->start || (int32_t)d >= in->end)
        return 0;
    sim_rng_key(g, run->seed, (uint64_t)TAG_EV << 32 | i, d);
    if (sim_u01(sim_next(g)) >= in->p_on)
        return 0;
    double noise = sim_exp(NOISE_SIGMA * sim_normal(g) - NOISE_SIGMA * NOISE_SIGMA / 2);
    return sim_poisson(g, in->rate * factor[d] * noise);
}

/* Beacons of day d with times in [lo, hi) into v (capacity cap; the caller
 * sized it); returns the count. */
static size_t day_events(const struct sim_run *run, const double *factor, uint32_t d,
                         uint64_t lo, uint64_t hi, struct sim_ev *v)
{
    size_t n = 0;
    struct sim_rng g;
    for (uint32_t i = 0; i < run->ninf; i++) {
        uint32_t c = day_count(run, factor, i, d, &g);
        if (!c)
            continue;
        double share = sim_families[run->inf[i].fam].ctip_share;
        for (uint32_t k = 0; k < c; k++) {
            uint64_t r1 = sim_next(&g), r2 = sim_next(&g);
            uint64_t t = (uint64_t)MARGIN_US + sim_mulhi(r1, (uint64_t)SPAN_US);
            if (t < lo || t >= hi)
                continue;
            unsigned feed = sim_u01(r2) < share ? SIM_FEED_CTIP : SIM_FEED_SHADOWSERVER;
            if (!(run->cfg->formats & (1u << feed)))
                continue;
            v[n++] = (struct sim_ev){t, i, (uint32_t)feed << 31 | (uint32_t)(r2 & 0x7fffffff)};
        }
    }
    return n;
}

/* Stable sort by time: counting sort into buckets of equal time width, then
 * insertion sort inside each (a handful of elements). */
static void sort_events(struct sim_ev **pv, struct sim_ev **ptmp, size_t n, uint64_t lo,
                        uint64_t hi, uint32_t *count, size_t nb)
{
    struct sim_ev *v = *pv, *tmp = *ptmp;
    uint64_t width = hi - lo;
    memset(count, 0, (nb + 1) * sizeof *count);
    for (size_t i = 0; i < n; i++)
        count[(v[i].t - lo) * nb / width + 1]++;
    for (size_t b = 0; b < nb; b++)
        count[b + 1] += count[b];
    for (size_t i = 0; i < n; i++)
        tmp[count[(v[i].t - lo) * nb / width]++] = v[i];
    for (size_t i = 1; i < n; i++) {
        struct sim_ev e = tmp[i];
        size_t j = i;
        while (j > 0 && tmp[j - 1].t > e.t) {
            tmp[j] = tmp[j - 1];
            j--;
        }
        tmp[j] = e;
    }
    *pv = tmp;
    *ptmp = v;
}

/* ---- output -------------------------------------------------------------- */

struct obuf {
    char *buf;
    size_t len;
    uint64_t good_in_file, bytes;
};

static int obuf_flush(const struct sim_sink *sink, enum sim_feed feed, struct obuf *o,
                      struct vg_err *err)
{
    if (!o->len)
        return 0;
    int rc = sink->write(sink->ctx, feed, o->buf, o->len, err);
    o->bytes += o->len;
    o->len = 0;
    return rc;
}

static void file_name(const struct sim_run *run, enum sim_feed feed, const struct sim_day *d,
                      char *out, size_t cap)
{
    if (feed == SIM_FEED_CTIP)
        snprintf(out, cap, "ctip-%s.json", d->date);
    else
        snprintf(out, cap, "%s-event4_sinkhole-%s-sample.csv", d->date, run->cc_lower);
}

static enum sim_bad pick_bad(enum sim_feed feed, uint64_t r)
{
    unsigned x = (unsigned)(r % 100);
    if (feed == SIM_FEED_CTIP)
        return x < 25   ? SIM_BAD_TRUNCATED
               : x < 45 ? SIM_BAD_ADDRESS
               : x < 60 ? SIM_BAD_NO_ADDRESS
               : x < 85 ? SIM_BAD_TIME
                        : SIM_BAD_BINARY;
    return x < 30 ? SIM_BAD_COLUMNS : x < 60 ? SIM_BAD_TIMESTAMP : x < 80 ? SIM_BAD_ADDRESS
                                                                          : SIM_BAD_BINARY;
}

typedef char *(*writer_fn)(char *, const struct sim_run *, const struct sim_day *,
                           const struct sim_ev *, uint64_t, enum sim_bad);

struct emit {
    const struct sim_run *run;
    const struct sim_sink *sink;
    struct sim_truth *truth;
    struct obuf out[SIM_NFEEDS];
    struct sim_rng mal[SIM_NFEEDS];
    double mal_q; /* the malformed fraction */
};

static int emit_events(struct emit *e, const struct sim_day *day, uint32_t d,
                       const struct sim_ev *v, size_t n, struct vg_err *err)
{
    static const writer_fn writers[SIM_NFEEDS] = {sim_ctip_write, sim_shadowserver_write};
    int rc;
    for (size_t i = 0; i < n; i++) {
        enum sim_feed feed = (enum sim_feed)(v[i].bits >> 31);
        struct obuf *o = &e->out[feed];
        if (e->mal_q > 0 && o->good_in_file > 0) {
            struct sim_rng *m = &e->mal[feed];
            /* a geometric number of malformed records, mean f/(1-f) */
            while (sim_u01(sim_next(m)) < e->mal_q) {
                struct sim_ev bad = v[i];
                bad.t = (uint64_t)MARGIN_US + sim_mulhi(sim_next(m), (uint64_t)SPAN_US);
                uint64_t attr = sim_next(m);
                o->len = (size_t)(writers[feed](o->buf + o->len, e->run, day, &bad, attr,
                                                pick_bad(feed, sim_next(m))) -
                                  o->buf);
                sim_truth_malformed(e->truth);
                if (o->len >= OUTBUF && (rc = obuf_flush(e->sink, feed, o, err)))
                    return rc;
            }
        }
        uint64_t attr = sim_mix(sim_mix(v[i].t ^ (uint64_t)v[i].inf << 37) ^ v[i].bits ^
                                (uint64_t)d << 32);
        o->len = (size_t)(writers[feed](o->buf + o->len, e->run, day, &v[i], attr, SIM_GOOD) -
                          o->buf);
        o->good_in_file++;
        sim_truth_count(e->truth, v[i].inf, feed, d);
        if (o->len >= OUTBUF && (rc = obuf_flush(e->sink, feed, o, err)))
            return rc;
    }
    return 0;
}

static int check_config(const struct sim_config *cfg, const struct sim_space *space,
                        struct vg_err *err)
{
    if (cfg->days < 1 || cfg->days > SIM_MAX_DAYS)
        return vg_err_set(err, VG_EUSAGE, "simulate: days must be 1..%u, got %u", SIM_MAX_DAYS,
                          cfg->days);
    if (cfg->hosts < 1 || cfg->hosts > SIM_MAX_HOSTS)
        return vg_err_set(err, VG_EUSAGE, "simulate: hosts must be 1..%u, got %llu",
                          SIM_MAX_HOSTS, (unsigned long long)cfg->hosts);
    if (!(cfg->malformed >= 0 && cfg->malformed <= SIM_MAX_MALFORMED))
        return vg_err_set(err, VG_EUSAGE, "simulate: malformed fraction must be 0..%g, got %g",
                          SIM_MAX_MALFORMED, cfg->malformed);
    if (!cfg->formats || (cfg->formats & ~SIM_FORMAT_BOTH))
        return vg_err_set(err, VG_EUSAGE, "simulate: no output format selected");
    if (cfg->start_day < 0 || cfg->start_day + cfg->days > vt_days_from_civil(9999, 12, 31))
        return vg_err_set(err, VG_EUSAGE, "simulate: the period must lie in 1970..9999");
    if (memcmp(cfg->country, space->cc, 3) != 0)
        return vg_err_set(err, VG_EUSAGE,
                          "simulate: the address space is %s's, the configuration asks for %s",
                          space->cc, cfg->country);
    if (cfg->hosts > sim_space_addresses(space) / 4)
        return vg_err_set(err, VG_EUSAGE,
                          "simulate: %llu hosts do not fit in %s's %llu addresses (at most a "
                          "quarter of them)",
                          (unsigned long long)cfg->hosts, space->cc,
                          (unsigned long long)sim_space_addresses(space));
    return 0;
}

int sim_run(const struct sim_config *cfg, const struct sim_space *space,
            const struct sim_sink *sink, FILE *truth_out, struct sim_stats *stats,
            struct vg_err *err)
{
    struct sim_run run;
    struct pop pop;
    struct emit em;
    struct sim_ev *ev = NULL, *tmp = NULL;
    uint32_t *count = NULL;
    double *factor = NULL;
    struct vg_buf tb = VG_BUF_INIT;
    size_t evcap = 0;
    int rc;

    memset(&run, 0, sizeof run);
    memset(&pop, 0, sizeof pop);
    memset(&em, 0, sizeof em);
    vg_arena_init(&pop.arena, 64 * 1024);
    sim_strtab_init(&run.regions);
    sim_strtab_init(&run.cities);
    sim_strtab_init(&run.orgs);
    if ((rc = check_config(cfg, space, err)))
        goto out;
    run.cfg = cfg;
    run.space = space;
    run.seed = cfg->seed;
    run.cc_lower[0] = (char)(cfg->country[0] - 'A' + 'a');
    run.cc_lower[1] = (char)(cfg->country[1] - 'A' + 'a');
    if ((rc = build_population(&run, &pop, err)))
        goto out;

    factor = malloc(cfg->days * sizeof *factor);
    size_t window = sim_window_events > 1024 ? sim_window_events : 1024;
    count = malloc((window + 1) * sizeof *count);
    for (size_t k = 0; k < SIM_NFEEDS; k++)
        em.out[k].buf = malloc(OUTBUF + SIM_MAX_RECORD);
    if (!factor || !count || !em.out[0].buf || !em.out[1].buf) {
        rc = vg_err_set(err, VG_ENOMEM, "simulate: out of memory");
        goto out;
    }
    for (uint32_t d = 0; d < cfg->days; d++) {
        int64_t w = weekday(cfg->start_day + d);
        factor[d] = w == 0 || w == 6 ? WEEKEND : 1.0;
    }
    scale_rates(&run, factor);
    if ((rc = sim_truth_new(&em.truth, &run, err)))
        goto out;
    em.run = &run;
    em.sink = sink;
    em.mal_q = cfg->malformed;

    for (uint32_t d = 0; d < cfg->days; d++) {
        struct sim_day day;
        sim_day_init(&day, cfg->start_day + d);
        for (unsigned f = 0; f < SIM_NFEEDS; f++) {
            if (!(cfg->formats & (1u << f)))
                continue;
            char name[96];
            file_name(&run, (enum sim_feed)f, &day, name, sizeof name);
            rc = sink->begin(sink->ctx, (enum sim_feed)f, day.day, name, err);
            if (rc < 0)
                goto out;
            /* per day, not per file: a stream then holds exactly the
             * concatenated records of the day files */
            em.out[f].good_in_file = 0;
            if (rc == 1) {
                if (f == SIM_FEED_SHADOWSERVER) {
                    size_t n = strlen(sim_shadowserver_header);
                    memcpy(em.out[f].buf + em.out[f].len, sim_shadowserver_header, n);
                    em.out[f].len += n;
                }
            }
            sim_rng_key(&em.mal[f], run.seed, (uint64_t)TAG_MAL << 32 | f, d);
        }
        uint64_t total = 0;
        struct sim_rng g;
        for (uint32_t i = 0; i < run.ninf; i++)
            total += day_count(&run, factor, i, d, &g);
        uint64_t windows = total / window + 1;
        for (uint64_t w = 0; w < windows; w++) {
            uint64_t lo = (uint64_t)MARGIN_US + (uint64_t)SPAN_US * w / windows;
            uint64_t hi = (uint64_t)MARGIN_US + (uint64_t)SPAN_US * (w + 1) / windows;
            /* a window's share of the day can exceed the average: size the
             * buffer for the whole day when it is small, else grow on need */
            size_t need = total < window ? (size_t)total : 0;
            if (windows > 1) {
                size_t n = 0;
                struct sim_rng h;
                for (uint32_t i = 0; i < run.ninf; i++) {
                    uint32_t c = day_count(&run, factor, i, d, &h);
                    for (uint32_t k = 0; k < c; k++) {
                        uint64_t t = (uint64_t)MARGIN_US + sim_mulhi(sim_next(&h), SPAN_US);
                        sim_next(&h);
                        n += t >= lo && t < hi;
                    }
                }
                need = n;
            }
            if (need > evcap) {
                size_t cap = need + need / 8 + 1024;
                struct sim_ev *a = realloc(ev, cap * sizeof *a), *b;
                if (a)
                    ev = a;
                b = a ? realloc(tmp, cap * sizeof *b) : NULL;
                if (!a || !b) {
                    rc = vg_err_set(err, VG_ENOMEM, "simulate: out of memory for %zu events",
                                    need);
                    goto out;
                }
                tmp = b;
                evcap = cap;
            }
            size_t n = day_events(&run, factor, d, lo, hi, ev);
            size_t nb = 1024;
            while (nb < n / 2 && nb < window)
                nb <<= 1;
            sort_events(&ev, &tmp, n, lo, hi, count, nb);
            if ((rc = emit_events(&em, &day, d, ev, n, err)))
                goto out;
        }
        for (unsigned f = 0; f < SIM_NFEEDS; f++) {
            if (!(cfg->formats & (1u << f)))
                continue;
            if ((rc = obuf_flush(sink, (enum sim_feed)f, &em.out[f], err)) ||
                (rc = sink->end(sink->ctx, (enum sim_feed)f, err)))
                goto out;
        }
        sim_truth_day_end(em.truth, d);
    }
    sim_truth_finish(em.truth);
    if (truth_out) {
        if ((rc = sim_truth_json(em.truth, &tb, err)))
            goto out;
        if (fwrite(tb.data, 1, tb.len, truth_out) != tb.len || fflush(truth_out)) {
            rc = vg_err_set(err, VG_EIO, "simulate: writing the ground truth: %s",
                            strerror(errno));
            goto out;
        }
    }
    if (stats) {
        memset(stats, 0, sizeof *stats);
        sim_truth_stats(em.truth, stats);
        stats->hosts = run.nhosts;
        stats->infections = run.ninf;
        for (size_t k = 0; k < SIM_NFEEDS; k++)
            stats->bytes[k] = em.out[k].bytes;
    }
    rc = 0;
out:
    sim_truth_free(em.truth);
    for (size_t k = 0; k < SIM_NFEEDS; k++)
        free(em.out[k].buf);
    vg_buf_free(&tb);
    free(ev);
    free(tmp);
    free(count);
    free(factor);
    free(pop.used);
    vg_arena_free(&pop.arena);
    free(run.hosts);
    free(run.inf);
    free(run.asns);
    sim_strtab_free(&run.regions);
    sim_strtab_free(&run.cities);
    sim_strtab_free(&run.orgs);
    return rc;
}

/* ---- sinks ----------------------------------------------------------------- */

static int mkdir_p(const char *dir, struct vg_err *err)
{
    char path[PATH_MAX];
    size_t n = strlen(dir);
    if (n == 0 || n >= sizeof path)
        return vg_err_set(err, VG_EUSAGE, "simulate: bad output directory '%s'", dir);
    memcpy(path, dir, n + 1);
    for (size_t i = 1; i <= n; i++) {
        if (path[i] != '/' && path[i] != '\0')
            continue;
        char c = path[i];
        path[i] = '\0';
        if (mkdir(path, 0777) != 0 && errno != EEXIST)
            return vg_err_set(err, VG_EIO, "simulate: cannot create %s: %s", path,
                              strerror(errno));
        path[i] = c;
    }
    struct stat st;
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
        return vg_err_set(err, VG_EIO, "simulate: %s is not a directory", dir);
    return 0;
}

static int dir_begin(void *ctx, enum sim_feed feed, int64_t day, const char *name,
                     struct vg_err *err)
{
    struct sim_dir_sink *s = ctx;
    (void)day;
    if (s->f[feed])
        fclose(s->f[feed]);
    int n = snprintf(s->path[feed], sizeof s->path[feed], "%s/%s", s->dir, name);
    if (n < 0 || (size_t)n >= sizeof s->path[feed])
        return vg_err_set(err, VG_EIO, "simulate: path too long in %s", s->dir);
    s->f[feed] = fopen(s->path[feed], "wb");
    if (!s->f[feed])
        return vg_err_set(err, VG_EIO, "simulate: cannot create %s: %s", s->path[feed],
                          strerror(errno));
    return 1;
}

static int dir_write(void *ctx, enum sim_feed feed, const void *p, size_t n, struct vg_err *err)
{
    struct sim_dir_sink *s = ctx;
    if (fwrite(p, 1, n, s->f[feed]) != n)
        return vg_err_set(err, VG_EIO, "simulate: writing %s: %s", s->path[feed],
                          strerror(errno));
    return 0;
}

static int dir_end(void *ctx, enum sim_feed feed, struct vg_err *err)
{
    struct sim_dir_sink *s = ctx;
    FILE *f = s->f[feed];
    s->f[feed] = NULL;
    if (f && fclose(f) != 0)
        return vg_err_set(err, VG_EIO, "simulate: writing %s: %s", s->path[feed],
                          strerror(errno));
    return 0;
}

int sim_dir_sink_init(struct sim_dir_sink *s, const char *dir, struct vg_err *err)
{
    memset(s, 0, sizeof *s);
    if (strlen(dir) >= sizeof s->dir)
        return vg_err_set(err, VG_EUSAGE, "simulate: output directory name too long");
    strcpy(s->dir, dir);
    s->sink = (struct sim_sink){dir_begin, dir_write, dir_end, s};
    return mkdir_p(dir, err);
}

void sim_dir_sink_close(struct sim_dir_sink *s)
{
    if (!s)
        return;
    for (size_t k = 0; k < SIM_NFEEDS; k++) {
        if (s->f[k])
            fclose(s->f[k]);
        s->f[k] = NULL;
    }
}

static int stream_begin(void *ctx, enum sim_feed feed, int64_t day, const char *name,
                        struct vg_err *err)
{
    struct sim_stream_sink *s = ctx;
    (void)feed, (void)day, (void)name, (void)err;
    if (s->started)
        return 0;
    s->started = 1;
    return 1;
}

static int stream_write(void *ctx, enum sim_feed feed, const void *p, size_t n,
                        struct vg_err *err)
{
    struct sim_stream_sink *s = ctx;
    (void)feed;
    if (fwrite(p, 1, n, s->f) != n)
        return vg_err_set(err, VG_EIO, "simulate: writing %s: %s", s->name, strerror(errno));
    return 0;
}

static int stream_end(void *ctx, enum sim_feed feed, struct vg_err *err)
{
    struct sim_stream_sink *s = ctx;
    (void)feed;
    if (fflush(s->f) != 0 || ferror(s->f))
        return vg_err_set(err, VG_EIO, "simulate: writing %s: %s", s->name, strerror(errno));
    return 0;
}

void sim_stream_sink_init(struct sim_stream_sink *s, FILE *f, const char *name)
{
#ifdef F_SETPIPE_SZ
    /* Linux: a 64 KiB pipe costs a context switch per 64 KiB; at a gigabyte
     * per second a bigger pipe doubles the throughput to a reader.  Best
     * effort: the limit may be lower (/proc/sys/fs/pipe-max-size). */
    struct stat st;
    int fd = fileno(f);
    if (fd >= 0 && fstat(fd, &st) == 0 && S_ISFIFO(st.st_mode))
        (void)fcntl(fd, F_SETPIPE_SZ, OUTBUF);
#endif
    memset(s, 0, sizeof *s);
    s->f = f;
    s->name = name ? name : "output";
    s->sink = (struct sim_sink){stream_begin, stream_write, stream_end, s};
}
