/*
 * rollup.h — landscape queries answered from the daily rollups.
 *
 * The rollups (store.h) keep, per day and (type, family, feed, tlp, asn,
 * country, region), the events and the exact set of address ids.  A query
 * reads the rows of its day range, groups them in C by the requested keys,
 * ORs the sets of each group and takes cardinalities: the same numbers as
 * COUNT(DISTINCT ip) over the observations, at a fraction of the rows.
 * A query by at most one key without filters (the dashboard's tables and
 * charts) reads the slices of that key instead: per day, or per block of
 * ROLLUP_BLOCK_DAYS days inside the period, one row per value.
 */
#ifndef VG_ROLLUP_H
#define VG_ROLLUP_H

#include "landscape/landscape.h"

/* 1 when landscape_rollup_run can answer q on st: the schema has rollups
 * and no key needs a column the rollups lack (city). */
int landscape_rollup_can(struct store *st, const struct landscape_query *q);

/* Run q from the rollups; same contract and results as landscape_run (res
 * initialised here, released with landscape_result_free).  VG_EUSAGE when
 * landscape_rollup_can says no. */
int landscape_rollup_run(struct store *st, const struct landscape_query *q,
                         struct landscape_result *res, struct vg_err *err);

/* The feeds summary (landscape_feeds_run) from the FEED slices and the
 * store's observation counts.  VG_ENOTFOUND when the store has no counts
 * (the caller then asks the observations). */
int landscape_rollup_feeds(struct store *st, struct landscape_feeds *out, struct vg_err *err);

#endif
