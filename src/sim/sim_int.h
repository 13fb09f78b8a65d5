/*
 * sim_int.h — what the files of src/sim share and nobody else needs: the
 * random streams and their distributions, interned strings, the malware
 * family table, the address space, the population and the per-run state.
 *
 * Random streams are splitmix64 (Steele, Lea, Flood 2014): a 64-bit counter
 * advanced by the golden-ratio increment and finalised by a bijective mix.
 * A stream is keyed by hashing (seed, purpose, infection, day), so any day of
 * any infection can be regenerated on its own: that is what lets a day be
 * processed in several time windows without holding it in memory.
 */
#ifndef VG_SIM_INT_H
#define VG_SIM_INT_H

#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/err.h"
#include "core/vtime.h"
#include "sim/simulate.h"

/* ---- random streams --------------------------------------------------- */

struct sim_rng {
    uint64_t s;
};

static inline uint64_t sim_mix(uint64_t z)
{
    z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
    return z ^ (z >> 31);
}

static inline uint64_t sim_next(struct sim_rng *r)
{
    r->s += UINT64_C(0x9e3779b97f4a7c15);
    return sim_mix(r->s);
}

/* A stream for (seed, a, b): distinct keys give unrelated streams. */
static inline void sim_rng_key(struct sim_rng *r, uint64_t seed, uint64_t a, uint64_t b)
{
    r->s = sim_mix(sim_mix(sim_mix(seed ^ UINT64_C(0x5851f42d4c957f2d)) ^ a) + b);
}

/* Uniform in [0, 1) with 53 bits. */
static inline double sim_u01(uint64_t x)
{
    return (double)(x >> 11) * 0x1.0p-53;
}

/* High 64 bits of a*b: uniform integer below n is sim_mulhi(random, n). */
static inline uint64_t sim_mulhi(uint64_t a, uint64_t b)
{
    uint64_t alo = (uint32_t)a, ahi = a >> 32, blo = (uint32_t)b, bhi = b >> 32;
    uint64_t p0 = alo * blo, p1 = alo * bhi, p2 = ahi * blo, p3 = ahi * bhi;
    uint64_t mid = (p0 >> 32) + (uint32_t)p1 + (uint32_t)p2;
    return p3 + (p1 >> 32) + (p2 >> 32) + (mid >> 32);
}

static inline uint64_t sim_below(struct sim_rng *r, uint64_t n)
{
    return sim_mulhi(sim_next(r), n);
}

/* Distributions, computed with IEEE basic operations only (sim_math.c). */
double sim_log(double x);
double sim_exp(double x);
double sim_normal(struct sim_rng *r);
double sim_lognormal(struct sim_rng *r, double mu, double sigma);
double sim_exponential(struct sim_rng *r, double mean);
uint32_t sim_poisson(struct sim_rng *r, double lambda);

/* Room for element n of the array v (*cap allocated, elem bytes each):
 * returns v or its reallocation (doubling), or NULL when out of memory (v
 * is then still valid). */
void *sim_grow(void *v, size_t *cap, size_t n, size_t elem);

/* ---- interned strings --------------------------------------------------- */

/* A string with its JSON literal (quotes included) and its Shadowserver CSV
 * field (ASCII upper-cased, quoted, quotes doubled; empty when the string
 * is empty).  Ids are dense, in order of first appearance. */
struct sim_str {
    const char *raw, *json, *csv;
    uint32_t raw_len, json_len, csv_len;
};

struct sim_strtab {
    struct sim_str *v;
    uint32_t n;
    size_t cap;
    uint32_t *slots; /* open addressing: id + 1, 0 = empty */
    uint32_t nslots;
    struct vg_arena arena;
};

/* Fill out with the three forms of s (n bytes), stored in a; upper: CSV in
 * ASCII capitals.  0 or VG_ENOMEM. */
int sim_str_make(struct vg_arena *a, const char *s, size_t n, int upper, struct sim_str *out);

void sim_strtab_init(struct sim_strtab *t);
void sim_strtab_free(struct sim_strtab *t);
/* The id of s (added when new), or UINT32_MAX when out of memory.  Strings
 * longer than 1024 bytes are cut (at a UTF-8 boundary) before interning so
 * that every record has a known maximum size. */
uint32_t sim_strtab_intern(struct sim_strtab *t, const char *s, size_t n);

/* ---- malware families (families.c) -------------------------------------- */

enum sim_payload { SIM_PAYLOAD_SINKHOLE, SIM_PAYLOAD_BOT, SIM_PAYLOAD_NULL, SIM_PAYLOAD_TEXT };

struct sim_family {
    const char *malware;      /* CTIP "Malware" */
    const char *threat_code;  /* CTIP "ThreatCode"; NULL: not in CTIP */
    const char *infection;    /* Shadowserver "infection"; NULL: not there */
    const char *ss_family;    /* Shadowserver "family" */
    const char *tag;          /* Shadowserver "tag" or "" */
    const char *custom1;      /* CTIP CustomField1 */
    const char *domain;       /* a sinkholed C2 domain */
    const char *handler;      /* sinkhole handler name */
    uint16_t port;            /* C2 port */
    uint8_t udp;
    uint8_t payload;          /* enum sim_payload */
    uint8_t http;             /* HttpInfo filled in part of the lines */
    double ctip_share;        /* beacons that reach a Microsoft sinkhole */
    double rate;              /* median beacons per day of an infection */
    double life;              /* mean infection lifetime, days */
};

extern const struct sim_family sim_families[];
extern const size_t sim_nfamilies;

/* ---- address space (space.c) -------------------------------------------- */

struct sim_block {
    uint32_t first, size;
    uint32_t isp;    /* dense ISP index */
    uint32_t region; /* id in the space's region table */
};

struct sim_space {
    const struct enricher *en;
    char cc[3];
    struct sim_block *blocks;
    uint64_t *cum; /* cum[i] = addresses in blocks before i; cum[n] = total */
    size_t nblocks;
    uint32_t *isp_asn;
    size_t nisp, cap_isp;
    struct sim_strtab regions;
};

/* The block holding address number a (0 <= a < total). */
size_t sim_space_find(const struct sim_space *s, uint64_t a);

/* ---- population and run state (simulate.c) ------------------------------ */

struct sim_host {
    uint32_t v4;
    uint32_t asn;
    uint32_t asn_idx;      /* dense index into run->asns (sorted by ASN) */
    uint32_t region, city; /* ids in run->regions / run->cities */
    uint32_t org;          /* id in run->orgs */
    int32_t lat, lon;      /* degrees * 1e4 */
    uint8_t has_latlon;
    uint8_t conn;          /* connection type index */
    uint8_t iplen;
    char ip[16];
};

struct sim_inf {
    uint32_t host;
    uint16_t fam;
    int32_t start, end; /* active on period days [start, end) */
    double rate;        /* mean beacons per online day */
    double p_on;        /* probability that the host is online on a day */
};

/* One generated beacon: time in the day, the infection, the feed and 31
 * random bits that decide the record's details. */
struct sim_ev {
    uint64_t t;
    uint32_t inf;
    uint32_t bits; /* bit 31: feed */
};

struct sim_family_rt {
    char name[SIM_NFEEDS][64];   /* malware.name as vigil stores it */
    size_t name_len[SIM_NFEEDS];
    struct sim_str malware, threat_code, infection, ss_family, tag, custom1, domain, handler;
    double weight;
    int32_t campaign; /* day of a campaign burst, -1 = none */
};

struct sim_run {
    const struct sim_config *cfg;
    const struct sim_space *space;
    uint64_t seed;
    struct sim_family_rt *fam;
    size_t nfam;
    struct sim_host *hosts;
    size_t nhosts;
    struct sim_inf *inf;
    size_t ninf, capinf;
    uint32_t *asns; /* distinct ASNs of the hosts, sorted */
    size_t nasns;
    struct sim_strtab regions, cities, orgs;
    char cc_lower[3];
};

/* Beacons of one day processed at once (memory: 32 bytes each); a bigger
 * day is done in time windows.  Tests lower it (at least 1024 is used) to
 * check that windows do not change the output. */
extern size_t sim_window_events;

/* ---- records (records.c) ------------------------------------------------ */

/* The largest record a writer can produce. */
#define SIM_MAX_RECORD 32768

/* Per-day text precomputed once. */
struct sim_day {
    int64_t day;
    int64_t unix_s;       /* midnight, seconds since the epoch */
    int64_t ticks;        /* midnight, NT ticks */
    char date[11];        /* YYYY-MM-DD */
    char txt[48];         /* "Sunday May 24 2020 " */
    size_t txt_len;
};

void sim_day_init(struct sim_day *d, int64_t day);

enum sim_bad {
    SIM_GOOD = 0,
    /* CTIP */
    SIM_BAD_TRUNCATED,
    SIM_BAD_ADDRESS,
    SIM_BAD_NO_ADDRESS,
    SIM_BAD_TIME,
    SIM_BAD_BINARY,
    /* Shadowserver */
    SIM_BAD_COLUMNS,
    SIM_BAD_TIMESTAMP,
};

/* Write one record (with its '\n') at p, which has SIM_MAX_RECORD bytes;
 * returns the end.  attr is 64 random bits deciding the details; bad makes
 * the record malformed in that way (attr also picks the variant). */
char *sim_ctip_write(char *p, const struct sim_run *run, const struct sim_day *d,
                     const struct sim_ev *ev, uint64_t attr, enum sim_bad bad);
char *sim_shadowserver_write(char *p, const struct sim_run *run, const struct sim_day *d,
                             const struct sim_ev *ev, uint64_t attr, enum sim_bad bad);
/* The event4_sinkhole header line. */
extern const char sim_shadowserver_header[];

/* ---- ground truth (truth.c) --------------------------------------------- */

struct sim_truth;

int sim_truth_new(struct sim_truth **out, const struct sim_run *run, struct vg_err *err);
void sim_truth_free(struct sim_truth *t);
/* One accepted record of infection inf in feed on period day d. */
void sim_truth_count(struct sim_truth *t, uint32_t inf, enum sim_feed feed, uint32_t d);
void sim_truth_malformed(struct sim_truth *t);
/* Close period day d (its distinct addresses). */
void sim_truth_day_end(struct sim_truth *t, uint32_t d);
/* After the last day: the distinct-address sums.  Then the final counts and
 * the JSON document (appended to b). */
void sim_truth_finish(struct sim_truth *t);
void sim_truth_stats(const struct sim_truth *t, struct sim_stats *st);
int sim_truth_json(struct sim_truth *t, struct vg_buf *b, struct vg_err *err);

#endif
