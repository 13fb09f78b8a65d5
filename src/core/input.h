/*
 * input.h — a buffered, hashing reader over one input file or stdin.
 *
 * Every byte read passes through a SHA-256 state, so that when the input is
 * exhausted its identity (the hash of its bytes) is known without reading it
 * twice — also for stdin.  Lines are returned as pointers into the reader's
 * own buffer: valid until the next call.  A line longer than max_line is
 * returned cut to max_line with `overlong` set and the rest skipped, so that
 * a hostile file cannot make the reader grow without bound.
 */
#ifndef VG_INPUT_H
#define VG_INPUT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "core/err.h"

struct vg_input;

struct vg_line {
    const char *p;  /* not NUL-terminated; excludes "\n" and a final "\r" */
    size_t len;
    uint64_t lineno; /* 1-based line number of the first byte */
    int overlong;
};

/* path "-" is stdin.  max_line 0 = 16 MiB. */
int vg_input_open(struct vg_input **out, const char *path, size_t max_line,
                  struct vg_err *err);
/* Wrap an in-memory buffer (not copied; must outlive the reader). */
int vg_input_open_mem(struct vg_input **out, const char *name, const void *data,
                      size_t len, struct vg_err *err);
void vg_input_close(struct vg_input *in);

const char *vg_input_name(const struct vg_input *in);

/* Peek at up to want bytes of the start of the input without consuming them
 * (for format detection).  Sets *p and *n (n may be smaller at EOF). */
int vg_input_peek(struct vg_input *in, size_t want, const char **p, size_t *n,
                  struct vg_err *err);

/* Next line: returns 1 with *line set, 0 at end of input, <0 on I/O error. */
int vg_input_getline(struct vg_input *in, struct vg_line *line, struct vg_err *err);

/* Read callbacks for streaming parsers (libcsv): returns bytes read, 0 at
 * EOF, <0 on error.  Do not mix with getline on the same reader. */
long vg_input_read(struct vg_input *in, char *buf, size_t cap, struct vg_err *err);

/* Read everything that is left (at most max bytes, else VG_ELIMIT) into a
 * buffer the reader owns until close. */
int vg_input_slurp(struct vg_input *in, size_t max, const char **p, size_t *n,
                   struct vg_err *err);

/* Bytes consumed so far, and total size if known (regular file) else 0. */
uint64_t vg_input_offset(const struct vg_input *in);
uint64_t vg_input_size(const struct vg_input *in);

/* After end of input: the SHA-256 of all bytes, lower-case hex (65 bytes). */
int vg_input_sha256_hex(struct vg_input *in, char hex[65]);

#endif
