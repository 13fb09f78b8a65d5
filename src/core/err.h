/*
 * err.h — the one error type of vigil.
 *
 * Every function that can fail returns int: 0 (VG_OK) on success, a negative
 * VG_E* code on failure, and writes a human message into a caller-owned
 * struct vg_err.  The message names what failed and where (file, line,
 * field) so that the CLI can print it unchanged.  Callers check every call:
 *
 *     if ((rc = store_open(&st, path, &err)) < 0)
 *         goto out;
 */
#ifndef VG_ERR_H
#define VG_ERR_H

#include <stddef.h>

enum vg_code {
    VG_OK = 0,
    VG_ENOMEM = -1,   /* allocation failed */
    VG_EIO = -2,      /* read/write/open of a file failed */
    VG_EPARSE = -3,   /* malformed input */
    VG_EUSAGE = -4,   /* bad arguments */
    VG_ENOTFOUND = -5,
    VG_EDB = -6,      /* the store failed */
    VG_EDATA = -7,    /* enrichment data missing or corrupt */
    VG_ELIMIT = -8,   /* a size limit was exceeded */
    VG_EINVAL = -9,   /* a value failed validation */
    VG_EAUTH = -10,   /* no valid credentials (unknown, expired or revoked) */
    VG_EPERM = -11,   /* valid credentials, but not allowed to do this */
};

struct vg_err {
    int code;
    char msg[512];
};

/* Record code and a printf-style message in err (which may be NULL); returns
 * code so that callers can write `return vg_err_set(err, VG_EIO, ...)`. */
int vg_err_set(struct vg_err *err, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Prefix the message already in err with more context ("file.csv: ...").
 * Returns err->code. */
int vg_err_prefix(struct vg_err *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

void vg_err_clear(struct vg_err *err);

/* A short name for a code ("I/O error", ...). */
const char *vg_code_name(int code);

#endif
