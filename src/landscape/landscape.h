/*
 * landscape.h — the queries behind every landscape table, chart and report.
 *
 * A query selects observations by day range and country and groups them by
 * up to eight keys; each group reports `ips` (distinct source addresses in
 * the group over the whole selection — exact, never a sum of daily counts)
 * and `events` (accepted records).  The total reports the distinct addresses
 * of the whole selection, which is not the sum of the groups' and is not cut
 * by `top`.
 */
#ifndef VG_LANDSCAPE_H
#define VG_LANDSCAPE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "core/buf.h"
#include "core/err.h"
#include "store/store.h"

struct access_subject;

enum landscape_key { LK_FAMILY, LK_ASN, LK_REGION, LK_DAY, LK_TYPE, LK_FEED, LK_COUNTRY, LK_CITY,
                     LK_TLP, LK_PROVINCE, LK_ISP, LK_IP, LK_COUNT };

#define LANDSCAPE_MAX_KEYS 8

struct landscape_query {
    int64_t from_day, to_day; /* inclusive; INT32_MIN/INT32_MAX for "all" */
    char country[3];          /* "" = every country */
    enum landscape_key keys[LANDSCAPE_MAX_KEYS];
    size_t nkeys;
    uint64_t top;             /* 0 = every group */
    /* Filters (exact match; NULL / 0 = no filter): the drill-down from any
     * number to the rows behind it. */
    const char *family, *region, *type, *feed;
    const char *province; /* matches the code, the Vietnamese or the English name */
    const char *isp;
    uint32_t asn;
    /* a new field must join landscape_query_key */
    /* Who reads (access/policy.h): every number is computed only from the
     * observations this reader may read one by one.  NULL: the operator,
     * who reads everything.  Borrowed.  Not part of
     * landscape_query_key: the web's answer cache keys by the reader's scope. */
    const struct access_subject *reader;
};

struct places;
/* Load the province and ISP mapping tables (src/enrich/places.h) into this
 * store connection for the `province` and `isp` keys and filters.  places
 * may be NULL: the keys then map nothing (province "" and the AS name as
 * operator).  Call once per connection before landscape_run. */
int landscape_places_attach(struct store *st, const struct places *places, struct vg_err *err);

void landscape_query_init(struct landscape_query *q);

/* Set one query parameter by its name as the CLI and the API spell it
 * (by, from, to, country, top, family, asn, region, type, feed); value is
 * borrowed (must outlive q).  VG_EUSAGE with a clear message when the name is
 * unknown or the value malformed.  Both the CLI and the HTTP API go through
 * this one function, so they accept exactly the same things. */
int landscape_query_set(struct landscape_query *q, const char *name, const char *value,
                        struct vg_err *err);
/* Append the normalised form of q to out: equal for two queries exactly
 * when they ask the same question (however the parameters were ordered or
 * spelled: "AS45899" and "45899", "vn" and "VN"); what a cache of answers
 * is keyed by.  Binary (lengths before strings); 0 or VG_ENOMEM. */
int landscape_query_key(const struct landscape_query *q, struct vg_buf *out);
/* Checks that need every parameter (from <= to). */
int landscape_query_check(const struct landscape_query *q, struct vg_err *err);
/* Parse "family,asn,day" into q->keys; VG_EUSAGE with a message naming the
 * bad key. */
int landscape_parse_keys(const char *s, struct landscape_query *q, struct vg_err *err);
const char *landscape_key_name(enum landscape_key k);

struct landscape_cell {
    int is_int;
    int64_t i;       /* asn, day number */
    const char *s;   /* text keys; for asn the AS name; for province the
                        Vietnamese name; for ip the address (RFC 5952) */
    const char *s2;  /* province: the English name */
    const char *s3;  /* province: the code */
};

struct landscape_row {
    struct landscape_cell cells[LANDSCAPE_MAX_KEYS];
    uint64_t ips, events;
};

struct landscape_result {
    struct landscape_row *rows;
    size_t nrows, cap;
    uint64_t total_ips, total_events;
    /* For the audit log (filled when q->reader is set): the events at
     * TLP:AMBER or stricter the answer was computed from, and the strictest
     * label among them (enum tlp_level, -1 when none). */
    uint64_t strict_events;
    int strictest;
    struct vg_arena arena; /* owns the strings of the rows */
};

/* Run q; res is initialised here and must be released with
 * landscape_result_free.  Answers from the daily rollups (rollup.h) when
 * they can, else from the observations (always for a reader whose policy
 * depends on more than the rollups hold). */
int landscape_run(struct store *st, const struct landscape_query *q,
                  struct landscape_result *res, struct vg_err *err);
/* The reference: q over the observations table with COUNT(DISTINCT ip);
 * same contract.  Slower; tests compare the rollups against it. */
int landscape_run_sql(struct store *st, const struct landscape_query *q,
                      struct landscape_result *res, struct vg_err *err);
void landscape_result_free(struct landscape_result *res);

/* Bind reader's policy to st's row filter (store_access.h: the SQL
 * function vg_may_read) for the queries that follow, until
 * landscape_reader_unbind.  reader NULL or reading everything: every row
 * passes.  One binding per connection at a time. */
void landscape_reader_bind(struct store *st, const struct access_subject *reader);
void landscape_reader_unbind(struct store *st);
/* What is stored per feed: the observations, their distinct addresses and
 * events, the first and last day. */
struct landscape_feed {
    const char *feed; /* owned by the arena of the list */
    uint64_t ips, events, observations;
    int64_t first_day, last_day;
};

struct landscape_feeds {
    struct landscape_feed *rows; /* in feed order (bytes) */
    size_t n;
    struct vg_arena arena;
};

/* The feeds summary: from the rollups and the store's observation counts
 * when it has them (a few hundred rows read), else from the observations
 * (every row read).  out is initialised here; release with
 * landscape_feeds_free. */
int landscape_feeds_run(struct store *st, struct landscape_feeds *out, struct vg_err *err);
/* The reference over the observations table; same contract. */
int landscape_feeds_run_sql(struct store *st, struct landscape_feeds *out, struct vg_err *err);
/* The summary as reader may see it: from the observations it may read
 * (every row read), or landscape_feeds_run for a reader who reads
 * everything (NULL: the operator). */
int landscape_feeds_run_for(struct store *st, const struct access_subject *reader,
                            struct landscape_feeds *out, struct vg_err *err);
void landscape_feeds_free(struct landscape_feeds *f);
/* The number of observations stored: the store's counts, else COUNT(*). */
int landscape_observation_count(struct store *st, uint64_t *n, struct vg_err *err);

/* One stored observation as a reader of single observations (an export, a
 * policy deciding what a caller may read) sees it: the key, the counts and
 * the enrichment of store_obs, and the AS name.  Strings are valid only
 * during the callback. */
struct landscape_obs {
    struct store_obs obs;
    const char *as_name; /* "" when unknown */
    int64_t added_us;    /* when this version of it was stored (0: before
                            schema 6 recorded it) */
};

typedef int (*landscape_obs_fn)(void *ctx, const struct landscape_obs *o);

enum landscape_obs_order {
    LANDSCAPE_ORDER_DAY,   /* day, address, type, family, feed, tlp: the
                              table's own order, no sort */
    LANDSCAPE_ORDER_IP,    /* address, day, type, family, feed, tlp */
    LANDSCAPE_ORDER_GROUP, /* day, feed, family, type, tlp, address */
};

/* Call fn for every observation q selects (its period, country and
 * filters; keys and top are ignored), in the given order.  A non-zero
 * return from fn stops the walk and is returned.  The province and ISP
 * filters need landscape_places_attach first, as landscape_run does. */
int landscape_obs_each(struct store *st, const struct landscape_query *q,
                       enum landscape_obs_order order, landscape_obs_fn fn, void *ctx,
                       struct vg_err *err);

/* {"rows":[{<keys>..., "ips":N, "events":N}...], "total":{"ips":N,"events":N}}
 * asn rows add "as_name"; province rows add "province_en" and
 * "province_code". */
int landscape_write_json(const struct landscape_query *q, const struct landscape_result *res,
                         struct vg_buf *out);
/* An aligned table a person can read. */
void landscape_write_table(const struct landscape_query *q,
                           const struct landscape_result *res, FILE *out);

#endif
