/*
 * truth.c — the ground truth of a run, counted while the records are
 * written.
 *
 * Events are plain counters per group.  Distinct addresses need sets, and
 * the population makes them cheap: hosts are numbered and each host has one
 * address, one ASN and one region for the whole run, and at most one
 * infection per family.  So a bit per (infection, feed) says "this host was
 * seen under this family name", a bit per host says "seen at all", and a
 * bit per host cleared every day counts the day's addresses; the per-group
 * address counts are sums over those bits at the end.  Memory: a few bits
 * per host plus (ASNs x family names) counters.
 *
 * Family names: CTIP's is the ThreatCode lower-cased, Shadowserver's the
 * infection lower-cased; no ThreatCode equals an infection name, so each
 * name belongs to exactly one (family, feed) and name index = family * 2 +
 * feed.
 */
#include "sim/sim_int.h"

#include <stdlib.h>
#include <string.h>

struct sim_truth {
    const struct sim_run *run;
    size_t nnames;
    uint64_t *grp_events, *grp_ips;   /* [asn_idx * nnames + name] */
    uint64_t *reg_events, *reg_ips;   /* [region id] */
    uint64_t *day_events, *day_ips;   /* [period day] */
    uint64_t *name_events, *name_ips; /* [name] */
    uint64_t events, malformed, ips, day_seen;
    uint64_t *host_seen, *host_today, *inf_seen; /* bitsets */
};

static int bit_test_set(uint64_t *set, size_t i)
{
    uint64_t m = UINT64_C(1) << (i & 63);
    if (set[i >> 6] & m)
        return 1;
    set[i >> 6] |= m;
    return 0;
}

static int bit_test(const uint64_t *set, size_t i)
{
    return (set[i >> 6] >> (i & 63)) & 1;
}

int sim_truth_new(struct sim_truth **out, const struct sim_run *run, struct vg_err *err)
{
    struct sim_truth *t = calloc(1, sizeof *t);
    *out = NULL;
    if (!t)
        return vg_err_set(err, VG_ENOMEM, "simulate: out of memory");
    t->run = run;
    t->nnames = run->nfam * SIM_NFEEDS;
    size_t ngrp = run->nasns * t->nnames, nreg = run->regions.n ? run->regions.n : 1;
    size_t days = run->cfg->days;
    t->grp_events = calloc(ngrp, sizeof *t->grp_events);
    t->grp_ips = calloc(ngrp, sizeof *t->grp_ips);
    t->reg_events = calloc(nreg, sizeof *t->reg_events);
    t->reg_ips = calloc(nreg, sizeof *t->reg_ips);
    t->day_events = calloc(days, sizeof *t->day_events);
    t->day_ips = calloc(days, sizeof *t->day_ips);
    t->name_events = calloc(t->nnames, sizeof *t->name_events);
    t->name_ips = calloc(t->nnames, sizeof *t->name_ips);
    t->host_seen = calloc(run->nhosts / 64 + 1, sizeof(uint64_t));
    t->host_today = calloc(run->nhosts / 64 + 1, sizeof(uint64_t));
    t->inf_seen = calloc(run->ninf * SIM_NFEEDS / 64 + 1, sizeof(uint64_t));
    if (!t->grp_events || !t->grp_ips || !t->reg_events || !t->reg_ips || !t->day_events ||
        !t->day_ips || !t->name_events || !t->name_ips || !t->host_seen || !t->host_today ||
        !t->inf_seen) {
        sim_truth_free(t);
        return vg_err_set(err, VG_ENOMEM, "simulate: out of memory for the ground truth");
    }
    *out = t;
    return 0;
}

void sim_truth_free(struct sim_truth *t)
{
    if (!t)
        return;
    free(t->grp_events);
    free(t->grp_ips);
    free(t->reg_events);
    free(t->reg_ips);
    free(t->day_events);
    free(t->day_ips);
    free(t->name_events);
    free(t->name_ips);
    free(t->host_seen);
    free(t->host_today);
    free(t->inf_seen);
    free(t);
}

void sim_truth_count(struct sim_truth *t, uint32_t inf, enum sim_feed feed, uint32_t d)
{
    const struct sim_inf *in = &t->run->inf[inf];
    const struct sim_host *h = &t->run->hosts[in->host];
    size_t name = (size_t)in->fam * SIM_NFEEDS + feed;
    t->grp_events[h->asn_idx * t->nnames + name]++;
    t->reg_events[h->region]++;
    t->day_events[d]++;
    t->name_events[name]++;
    t->events++;
    if (!bit_test_set(t->host_today, in->host))
        t->day_seen++;
    bit_test_set(t->host_seen, in->host);
    bit_test_set(t->inf_seen, (size_t)inf * SIM_NFEEDS + feed);
}

void sim_truth_malformed(struct sim_truth *t)
{
    t->malformed++;
}

void sim_truth_day_end(struct sim_truth *t, uint32_t d)
{
    t->day_ips[d] = t->day_seen;
    t->day_seen = 0;
    memset(t->host_today, 0, (t->run->nhosts / 64 + 1) * sizeof(uint64_t));
}

void sim_truth_finish(struct sim_truth *t)
{
    const struct sim_run *run = t->run;
    memset(t->grp_ips, 0, run->nasns * t->nnames * sizeof *t->grp_ips);
    memset(t->name_ips, 0, t->nnames * sizeof *t->name_ips);
    memset(t->reg_ips, 0, (run->regions.n ? run->regions.n : 1) * sizeof *t->reg_ips);
    t->ips = 0;
    for (size_t i = 0; i < run->ninf; i++) {
        const struct sim_inf *in = &run->inf[i];
        for (size_t f = 0; f < SIM_NFEEDS; f++) {
            if (!bit_test(t->inf_seen, i * SIM_NFEEDS + f))
                continue;
            size_t name = (size_t)in->fam * SIM_NFEEDS + f;
            t->grp_ips[run->hosts[in->host].asn_idx * t->nnames + name]++;
            t->name_ips[name]++;
        }
    }
    for (size_t h = 0; h < run->nhosts; h++) {
        if (bit_test(t->host_seen, h)) {
            t->reg_ips[run->hosts[h].region]++;
            t->ips++;
        }
    }
}

void sim_truth_stats(const struct sim_truth *t, struct sim_stats *st)
{
    st->accepted = t->events;
    st->malformed = t->malformed;
    st->records = t->events + t->malformed;
    st->ips = t->ips;
}

/* Sort keys: names in byte order, as `vigil landscape` sorts them. */
struct key {
    const char *s;
    size_t len, id;
};

static int cmp_key(const void *a, const void *b)
{
    const struct key *x = a, *y = b;
    int c = memcmp(x->s, y->s, x->len < y->len ? x->len : y->len);
    if (c)
        return c;
    return (x->len > y->len) - (x->len < y->len);
}

static int put_counts(struct vg_buf *b, uint64_t ips, uint64_t events)
{
    return vg_buf_printf(b, ",\"ips\":%llu,\"events\":%llu}", (unsigned long long)ips,
                         (unsigned long long)events);
}

int sim_truth_json(struct sim_truth *t, struct vg_buf *b, struct vg_err *err)
{
    const struct sim_run *run = t->run;
    const struct sim_config *cfg = run->cfg;
    struct key *names = NULL, *regions = NULL;
    size_t nnames = 0;
    int rc = 0;
    char day[16];
    names = malloc(t->nnames * sizeof *names);
    regions = malloc((run->regions.n + 1) * sizeof *regions);
    if (!names || !regions) {
        rc = VG_ENOMEM;
        goto out;
    }
    /* keys are unique (names per (family, feed), interned regions): the
     * order is total, qsort's instability cannot show */
    for (size_t i = 0; i < t->nnames; i++) {
        const char *n = run->fam[i / SIM_NFEEDS].name[i % SIM_NFEEDS];
        if (n[0])
            names[nnames++] = (struct key){n, strlen(n), i};
    }
    for (size_t i = 0; i < run->regions.n; i++)
        regions[i] = (struct key){run->regions.v[i].raw, run->regions.v[i].raw_len, i};
    qsort(names, nnames, sizeof *names, cmp_key);
    qsort(regions, run->regions.n, sizeof *regions, cmp_key);

    vt_format_day(cfg->start_day, day);
    rc |= vg_buf_printf(b,
                        "{\"seed\":%llu,\"country\":\"%s\",\"start\":\"%s\",\"days\":%u,"
                        "\"records\":%llu,\"malformed\":%llu,\"accepted\":%llu,\n"
                        " \"total\":{\"ips\":%llu,\"events\":%llu},\n \"by_asn_family\":[",
                        (unsigned long long)cfg->seed, cfg->country, day, cfg->days,
                        (unsigned long long)(t->events + t->malformed),
                        (unsigned long long)t->malformed, (unsigned long long)t->events,
                        (unsigned long long)t->ips, (unsigned long long)t->events);
    const char *sep = "\n  ";
    for (size_t a = 0; a < run->nasns; a++) {
        for (size_t k = 0; k < nnames; k++) {
            size_t g = a * t->nnames + names[k].id;
            if (!t->grp_events[g])
                continue;
            rc |= vg_buf_printf(b, "%s{\"asn\":%u,\"family\":\"%s\"", sep, run->asns[a],
                                names[k].s);
            rc |= put_counts(b, t->grp_ips[g], t->grp_events[g]);
            sep = ",\n  ";
        }
    }
    rc |= vg_buf_puts(b, "],\n \"by_region\":[");
    sep = "\n  ";
    for (size_t k = 0; k < run->regions.n; k++) {
        size_t r = regions[k].id;
        if (!t->reg_events[r])
            continue;
        rc |= vg_buf_printf(b, "%s{\"region\":", sep);
        rc |= vg_buf_append(b, run->regions.v[r].json, run->regions.v[r].json_len);
        rc |= put_counts(b, t->reg_ips[r], t->reg_events[r]);
        sep = ",\n  ";
    }
    rc |= vg_buf_puts(b, "],\n \"by_day\":[");
    sep = "\n  ";
    for (uint32_t d = 0; d < cfg->days; d++) {
        if (!t->day_events[d])
            continue;
        vt_format_day(cfg->start_day + d, day);
        rc |= vg_buf_printf(b, "%s{\"day\":\"%s\"", sep, day);
        rc |= put_counts(b, t->day_ips[d], t->day_events[d]);
        sep = ",\n  ";
    }
    rc |= vg_buf_puts(b, "],\n \"by_family\":[");
    sep = "\n  ";
    for (size_t k = 0; k < nnames; k++) {
        size_t n = names[k].id;
        if (!t->name_events[n])
            continue;
        rc |= vg_buf_printf(b, "%s{\"family\":\"%s\"", sep, names[k].s);
        rc |= put_counts(b, t->name_ips[n], t->name_events[n]);
        sep = ",\n  ";
    }
    rc |= vg_buf_puts(b, "]}\n");
    if (rc)
        rc = VG_ENOMEM;
out:
    free(names);
    free(regions);
    if (rc)
        return vg_err_set(err, rc, "simulate: out of memory writing the ground truth");
    return 0;
}
