/*
 * ingest.h — one input file through parse → validate → enrich → aggregate →
 * store, with a reject channel.
 *
 * Each input is one transaction: its observations, archived records and
 * files row are committed together, or not at all (a crash, a kill or an
 * I/O error leaves the store as it was).  The input's identity is the
 * SHA-256 of its bytes, computed while it is read; when a completed input
 * with the same hash is already stored, the transaction is rolled back and
 * the input counts as skipped.  Rejected records are collected per input and
 * appended to the rejects file (JSON lines {file, line, reason, record})
 * only after the commit, so a rejected record is reported exactly once.
 */
#ifndef VG_INGEST_H
#define VG_INGEST_H

#include <stdint.h>
#include <stdio.h>

#include "core/err.h"
#include "enrich/enrich.h"
#include "formats/format.h"
#include "store/store.h"

struct ingest_options {
    const char *format;       /* driver name or NULL = detect per input */
    struct format_options fmt;
    const char *rejects_path; /* JSON lines; NULL = no rejects file */
    int archive;              /* keep raw accepted records (default on) */
    int progress;             /* progress bar on stderr */
    size_t max_observations;  /* aggregator flush threshold, 0 = default */
    /* The TLP 2.0 label of records that carry none (or a word that means
     * none, such as CTIP's "Unknown"); NULL = the feed's default (AMBER for
     * every format vigil reads: none of them is meant for the public). */
    const char *default_tlp;
};

struct ingest_stats {
    uint64_t files, skipped_files, records, accepted, rejected, observations;
    uint64_t bytes;
};

struct ingest;

/* The store and enricher are borrowed: they must outlive the ingest. */
int ingest_new(struct ingest **out, struct store *st, const struct enricher *en,
               const struct ingest_options *opt, struct vg_err *err);
void ingest_free(struct ingest *ing);

/* Ingest one input ("-" = stdin), adding its counts to *stats (and, when
 * file_stats is not NULL, this input's counts alone there).  Returns 0 when
 * the input was read to the end (rejects or not), <0 on an I/O, usage or
 * database error (the input's transaction rolled back). */
int ingest_file(struct ingest *ing, const char *path, struct ingest_stats *stats,
                struct ingest_stats *file_stats, struct vg_err *err);

#endif
