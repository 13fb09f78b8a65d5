/*
 * simulate.h — seeded, deterministic national infection telemetry with
 * ground truth (`vigil simulate`, the tests, the benchmarks, the demo, the
 * training exercises).
 *
 * A run builds a population inside one country's real address space: the
 * IPv4 ranges of the ASN table whose geolocation is the country, weighted by
 * announced size so that the big ISPs dominate as they do in reality.  Each
 * simulated host is one address; its ASN and region are exactly what
 * vigil's own enricher says for that address.  Hosts carry one or two
 * infections (malware families with CTIP ThreatCodes and Shadowserver
 * infection names, Zipf-like popularity, per-ISP and per-province skew),
 * each with an infection day and a cleanup day (churn) and a heavy-tailed
 * beaconing rate.  Every beacon becomes one record in one feed: a Microsoft
 * CTIP Azure JSON line or a Shadowserver event4_sinkhole CSV row.
 *
 * The ground truth is what `vigil landscape` must report after ingesting the
 * output: per (ASN, family), region, day and family the number of distinct
 * source addresses and of accepted records, where family is malware.name as
 * vigil stores it (CTIP: the ThreatCode lower-cased; Shadowserver: the
 * `infection` column lower-cased) and region is the enricher's region
 * string, "" for addresses the geo database knows no region for.  Groups
 * without records are left out.  Malformed records (--malformed) are counted
 * but belong to no group.
 *
 * Determinism: the same configuration and enrichment data give the same
 * bytes on every platform: all randomness comes from our own generator
 * (splitmix64 streams keyed by seed, infection and day), the few
 * transcendental functions are computed with our own IEEE-only code (no
 * libm rounding differences), and sorting is our own stable sort.
 *
 * Memory: the population (hosts, infections, per-group counters and
 * distinct-host bitsets) plus one day's events (processed in time windows
 * of at most a few million events); never the whole output.
 */
#ifndef VG_SIMULATE_H
#define VG_SIMULATE_H

#include <limits.h>
#include <stdint.h>
#include <stdio.h>

#include "core/err.h"
#include "enrich/enrich.h"

enum sim_feed { SIM_FEED_CTIP = 0, SIM_FEED_SHADOWSERVER = 1, SIM_NFEEDS = 2 };

#define SIM_FORMAT_CTIP (1u << SIM_FEED_CTIP)
#define SIM_FORMAT_SHADOWSERVER (1u << SIM_FEED_SHADOWSERVER)
#define SIM_FORMAT_BOTH (SIM_FORMAT_CTIP | SIM_FORMAT_SHADOWSERVER)

#define SIM_MAX_DAYS 3660u
#define SIM_MAX_HOSTS 50000000u
#define SIM_MAX_MALFORMED 0.5

struct sim_config {
    uint64_t seed;
    char country[3];    /* ISO 3166-1 alpha-2, upper case */
    int64_t start_day;  /* days since 1970-01-01 */
    uint32_t days;      /* 1..SIM_MAX_DAYS */
    uint64_t hosts;     /* infected hosts placed (1..SIM_MAX_HOSTS) */
    uint64_t events;    /* target total records (malformed included); 0 = the
                           model's own beaconing intensity */
    double malformed;   /* fraction of records that are malformed, 0..0.5 */
    unsigned formats;   /* SIM_FORMAT_* bits, at least one */
};

/* Defaults: seed 1, VN, 2026-10-01, 30 days, 20000 hosts, model intensity,
 * no malformed records, both formats. */
void sim_config_init(struct sim_config *cfg);

/* One country's address space, built from the enricher's ASN table and geo
 * database.  Building it looks up every announced IPv4 range (about half a
 * second); keep it to run several simulations of the same country.  The
 * enricher is borrowed and must outlive the space. */
struct sim_space;

/* VG_ENOTFOUND when the data holds no address of the country. */
int sim_space_open(struct sim_space **out, const struct enricher *en, const char *country,
                   struct vg_err *err);
void sim_space_close(struct sim_space *s);
/* Addresses in the space and the number of distinct ASNs announcing them. */
uint64_t sim_space_addresses(const struct sim_space *s);
size_t sim_space_isps(const struct sim_space *s);

/* Where the records go.  For each day and each enabled feed the generator
 * calls begin, then write any number of times with whole records (each ends
 * in '\n'), then end.  name is the file name of the day in a directory
 * layout ("ctip-YYYY-MM-DD.json", "YYYY-MM-DD-event4_sinkhole-vn-sample.csv").
 * begin returns 1 when the records start a new file (the generator then
 * writes the CSV header first), 0 when they continue an open stream, or <0
 * with err set; write and end return 0 or <0 with err set, which stops the
 * run with that error.  The bytes passed to write are valid only during the
 * call. */
struct sim_sink {
    int (*begin)(void *ctx, enum sim_feed feed, int64_t day, const char *name,
                 struct vg_err *err);
    int (*write)(void *ctx, enum sim_feed feed, const void *p, size_t n, struct vg_err *err);
    int (*end)(void *ctx, enum sim_feed feed, struct vg_err *err);
    void *ctx;
};

/* A sink writing per-day files into a directory.  init creates the
 * directory (and its parents) when missing; close closes any open file and
 * accepts a sink that was never initialised past a failed init. */
struct sim_dir_sink {
    struct sim_sink sink;
    char dir[PATH_MAX];
    char path[SIM_NFEEDS][PATH_MAX];
    FILE *f[SIM_NFEEDS];
};
int sim_dir_sink_init(struct sim_dir_sink *s, const char *dir, struct vg_err *err);
void sim_dir_sink_close(struct sim_dir_sink *s);

/* A sink writing every day of one feed to one stream (a file or a pipe);
 * name labels I/O errors.  The stream is borrowed, never closed; the CSV
 * header is written once. */
struct sim_stream_sink {
    struct sim_sink sink;
    FILE *f;
    const char *name;
    int started;
};
void sim_stream_sink_init(struct sim_stream_sink *s, FILE *f, const char *name);

struct sim_stats {
    uint64_t records;   /* lines written, header excluded */
    uint64_t malformed;
    uint64_t accepted;
    uint64_t ips;       /* distinct addresses with accepted records */
    uint64_t hosts, infections;
    uint64_t bytes[SIM_NFEEDS];
};

/* Run the simulation cfg inside space (whose country must be cfg->country),
 * writing records to sink and, when truth is not NULL, the ground truth JSON
 * (one object, see the file comment of simulate.c for its exact shape) to
 * truth.  stats may be NULL.  Returns 0, VG_EUSAGE for a bad configuration,
 * VG_ENOMEM, VG_EIO, or whatever the sink returned. */
int sim_run(const struct sim_config *cfg, const struct sim_space *space,
            const struct sim_sink *sink, FILE *truth, struct sim_stats *stats,
            struct vg_err *err);

#endif
