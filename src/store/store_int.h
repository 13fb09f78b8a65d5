/*
 * store_int.h — private to src/store/: the connection object shared by
 * store.c (schema, observations, inputs, queries) and store_rollup.c
 * (address ids and the daily rollups kept beside the observations).
 */
#ifndef VG_STORE_INT_H
#define VG_STORE_INT_H

#include <sqlite3.h>

#include "store/store.h"
#include "store/store_access.h"

struct rollup_state; /* store_rollup.c */


struct store {
    sqlite3 *db;
    int version; /* schema version after open/migration */
    int64_t tx_us; /* wall time the current write transaction began */
    sqlite3_stmt *obs_put, *obs_ins, *asn_put, *archive_put, *file_add, *file_finish, *file_exists;
    sqlite3_stmt *version_bump;                     /* writable connections */
    sqlite3_stmt *import_get, *import_put;          /* schema 8 and later */
    sqlite3_stmt *version_get, *read_begin, *read_end; /* schema 4 and later */
    struct rollup_state *ru; /* writable connections only; NULL until rollup_init */
    /* the archive file (schema 9, store_archive_put), opened at first use */
    int arch_fd;      /* -1: not open */
    int arch_rdonly;  /* opened for reading only */
    int64_t arch_end; /* where this transaction appends; -1: not known yet */
    int arch_dirty;   /* frames written in this transaction: synced before COMMIT */
    /* store_access.c */
    sqlite3_stmt *access_last; /* whose row the last access call handed out */
    int (*row_filter)(void *ctx, const struct store_row_view *row);
    void *row_filter_ctx;
};

/* Register vg_may_read on this connection; release what the access calls
 * hold (store_access.c). */
int store_access_init(struct store *s, struct vg_err *err);
void store_access_fini(struct store *s);

int store_db_err(struct store *s, struct vg_err *err, const char *what);
int store_exec(struct store *s, const char *sql, struct vg_err *err);

/* Prepare the rollup statements, the id cache and the move trigger of this
 * writable connection; idempotent.  Needs the schema of version 2. */
int rollup_init(struct store *s, struct vg_err *err);
void rollup_fini(struct store *s);
/* Account one observation just written: its address id (assigned here when
 * new) joins the pending rollup group, its events are added. */
int rollup_obs_add(struct store *s, const struct store_obs *o, struct vg_err *err);
/* Merge every pending group into the rollups table (inside the caller's
 * transaction) and forget them. */
int rollup_flush(struct store *s, struct vg_err *err);
/* Forget pending groups and cached ids (after a rollback). */
void rollup_discard(struct store *s);
/* Add the observations gained per feed since the last call (counted by
 * rollup_flush) to the meta counters, inside the caller's transaction. */
int rollup_counts_apply(struct store *s, struct vg_err *err);
/* Forget them (a migration counts from the table itself). */
void rollup_counts_discard(struct store *s);
/* Migration steps: the rollups (version 2; addrs is filled by the
 * migration's SQL), the slices (version 3) of every observation stored. */
int rollup_build(struct store *s, struct vg_err *err);
int rollup_build_slices(struct store *s, struct vg_err *err);
/* Migration step 5: the 4-, 64- and 256-day block levels from the stored
 * slices of the next shorter level. */
int rollup_build_levels(struct store *s, struct vg_err *err);

#endif
