/*
 * datadir.h — where the enrichment data lives.
 *
 * Precedence (first that is set wins; the directory must exist):
 *   1. --data-dir DIR on the command line
 *   2. $VIGIL_DATA
 *   3. <directory of the running binary>/../data   (build/vigil in a checkout,
 *      where `make deps` puts the data)
 *   4. <directory of the running binary>/../share/vigil   (make install)
 *   5. /usr/local/share/vigil, /usr/share/vigil
 * For 3–5 a directory counts only when it holds asn-ipv4.csv.
 */
#ifndef VG_DATADIR_H
#define VG_DATADIR_H

#include <stddef.h>

#include "core/err.h"

/* Resolve the data directory into out (PATH_MAX bytes recommended). */
int datadir_resolve(const char *cli_dir, char *out, size_t outlen, struct vg_err *err);

#endif
