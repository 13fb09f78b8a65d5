/*
 * json_scan.h — an allocation-free, bounds-checked JSON scanner (RFC 8259).
 *
 * The scanner never builds a tree.  It walks a (pointer, length) buffer in
 * place and hands out values that point into it: strings as the span between
 * their quotes (decoded only on request), numbers already converted
 * (integers exactly as int64, reals as double), objects and arrays as their
 * raw span, which can be walked again with an iterator.  Nothing is
 * allocated; nothing past the buffer is read; the buffer need not be
 * NUL-terminated.
 *
 * Strict: every value handed out has been validated completely (the whole
 * text of a container is checked when it is skipped over), so walking it
 * later cannot fail — except the containers a lazy iterator hands out
 * unscanned, which are checked as they are walked or skipped.  Errors name the byte offset from the start of the
 * document.  The limits are those of jansson (which the tests compare the
 * scanner against): nesting at most JSON_SCAN_MAX_DEPTH values deep,
 * integers must fit int64_t, reals must be finite (RFC 8259 §6 lets an
 * implementation set such limits), object keys must not hold "\u0000".
 * In string values "\u0000" is accepted (RFC 8259 §7); the decoded string
 * then contains a NUL byte, and its length says so.
 * Duplicate object keys are all reported, in order; callers that want
 * "last one wins" (jansson, Python) let later members overwrite earlier ones.
 */
#ifndef VG_JSON_SCAN_H
#define VG_JSON_SCAN_H

#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/err.h"

/* Deepest nesting accepted: a top-level value is depth 1, a value inside it
 * depth 2...  Equal to jansson's JSON_PARSER_MAX_DEPTH. */
#define JSON_SCAN_MAX_DEPTH 2048u

enum json_scan_type {
    JSCAN_NONE = 0,
    JSCAN_NULL,
    JSCAN_FALSE,
    JSCAN_TRUE,
    JSCAN_INT,
    JSCAN_FLOAT,
    JSCAN_STRING,
    JSCAN_ARRAY,
    JSCAN_OBJECT,
};

/* One value.  Every pointer points into the scanned buffer and stays valid
 * as long as the buffer does. */
struct json_scan_value {
    enum json_scan_type type;
    unsigned depth;     /* 1 for the top-level value */
    const char *raw;    /* the value's text: "..." with quotes, {...}, 1.5 */
    size_t raw_len;
    size_t offset;      /* raw - start of the document */
    const char *str;    /* JSCAN_STRING: the bytes between the quotes */
    size_t str_len;
    int escaped;        /* JSCAN_STRING: str holds '\' escapes */
    int64_t i;          /* JSCAN_INT */
    double f;           /* JSCAN_FLOAT (and JSCAN_INT, converted) */
};

/* A cursor over the members of one object or the elements of one array.
 * Plain data: copy it, keep it on the stack, no cleanup.
 *
 * Lazy mode (set it->lazy after opening): *_next hands out an object or
 * array member without scanning it — v->raw points at its bracket and
 * v->raw_len is 0 — so that the caller can walk it in the same pass with
 * json_scan_descend, or ask for its span with json_scan_complete.  If it
 * does neither, the next *_next skips (and validates) it as usual. */
struct json_scan_iter {
    const char *doc;    /* start of the document (offsets count from here) */
    const char *p;      /* next unread byte */
    const char *end;    /* end of the container's text (of the document for
                           an iterator made by json_scan_open or descend) */
    unsigned depth;     /* depth of the container itself */
    unsigned max_depth;
    char kind;          /* '{' or '[' */
    char state;         /* 0 before the first member, 1 after one, 2 done */
    char top;           /* the container is the whole document */
    char lazy;          /* hand out containers unscanned (see above) */
    const char *pending;           /* lazy: the unscanned container */
    struct json_scan_iter *up;     /* descend: the parent to resume */
    const char *start;             /* descend: our opening bracket */
    size_t err_offset;  /* byte offset of the last error */
};

/* Validate a whole document: one JSON value with optional surrounding
 * whitespace.  Returns 0, VG_EPARSE (malformed) or VG_ELIMIT (too deep). */
int json_scan_validate(const char *p, size_t n);

/* As json_scan_validate, with the nesting limit (clamped to
 * JSON_SCAN_MAX_DEPTH), the offset of the first error (*err_off, may be
 * NULL) and a message in err (may be NULL). */
int json_scan_check(const char *p, size_t n, unsigned max_depth, size_t *err_off,
                    struct vg_err *err);

/* Parse and validate a whole document into *v (a container is validated and
 * returned as its span, to walk with json_scan_enter).  Returns 0 or a
 * negative code with err set ("JSON: ... at byte N"). */
int json_scan_parse(const char *p, size_t n, unsigned max_depth,
                    struct json_scan_value *v, struct vg_err *err);

/* Start walking a document that must be one object or array, validating as
 * the walk proceeds (in one pass when the iterator is lazy and nested
 * containers are descended into).  it->kind says which.  The
 * walk is complete — and the document proven valid, trailing whitespace
 * included — only when *_next has returned 0; a caller must not act on what
 * it read before that unless partial results are acceptable. */
int json_scan_open(struct json_scan_iter *it, const char *p, size_t n,
                   unsigned max_depth, struct vg_err *err);

/* Start walking an object or array value obtained from the scanner.
 * Returns 0, or VG_EINVAL when v is not a container. */
int json_scan_enter(struct json_scan_iter *it, const struct json_scan_value *v);

/* Walk the container a lazy parent has just handed out (the last value
 * its *_next returned), validating as the walk proceeds; once the child has
 * returned 0, the parent continues after the container.  The parent must
 * stay in place until then.  The child starts non-lazy.  Returns 0, or
 * VG_EINVAL when the parent has no unscanned container. */
int json_scan_descend(struct json_scan_iter *child, struct json_scan_iter *parent);

/* Scan the unscanned container v a lazy parent has just handed out, so
 * that v->raw_len gets its span.  Returns 0 or negative (err set). */
int json_scan_complete(struct json_scan_iter *parent, struct json_scan_value *v,
                       struct vg_err *err);

/* Take the unscanned container v a lazy parent has just handed out without
 * scanning it when its bytes are exactly the n bytes of text, a JSON value
 * the caller knows to be valid (a template): returns 1 and the parent
 * continues after it, v->raw_len its span; 0 (nothing changed) otherwise. */
int json_scan_take_exact(struct json_scan_iter *parent, struct json_scan_value *v,
                         const char *text, size_t n);

/* Next member of an object: returns 1 with *key (a JSCAN_STRING) and *val
 * set, 0 after the last member, negative on malformed input (err set). */
int json_scan_object_next(struct json_scan_iter *it, struct json_scan_value *key,
                          struct json_scan_value *val, struct vg_err *err);

/* Next element of an array: 1, 0 at the end, negative on error. */
int json_scan_array_next(struct json_scan_iter *it, struct json_scan_value *val,
                         struct vg_err *err);

/* Decode a JSCAN_STRING (escapes, \uXXXX and surrogate pairs to UTF-8)
 * into out, which must hold v->str_len bytes (decoding never grows a
 * string).  Returns the decoded length.  Not NUL-terminated. */
size_t json_scan_str_decode(const struct json_scan_value *v, char *out);

/* The decoded bytes of a JSCAN_STRING: without escapes, *s points straight
 * into the buffer (no copy, not NUL-terminated); otherwise the string is
 * decoded into the arena (NUL-terminated).  Returns 0 or VG_ENOMEM. */
int json_scan_str_get(const struct json_scan_value *v, struct vg_arena *a,
                      const char **s, size_t *n);

/* 1 when the decoded JSCAN_STRING equals s[0..n). */
int json_scan_str_eq(const struct json_scan_value *v, const char *s, size_t n);

/* Find key in an object value (the last member of that name, as jansson
 * and Python keep it).  Returns 1 found, 0 absent, negative on error. */
int json_scan_find(const struct json_scan_value *obj, const char *key, size_t klen,
                   struct json_scan_value *out, struct vg_err *err);

/* Follow a dotted key path ("SourceIpInfo.SourceIpAsnNumber") through
 * nested objects.  Returns 1 found, 0 absent (or a step is not an object),
 * negative on error. */
int json_scan_path(const struct json_scan_value *obj, const char *path,
                   struct json_scan_value *out, struct vg_err *err);

/* A name for a type ("string", "object"...). */
const char *json_scan_type_name(enum json_scan_type t);

/* 1 when p[0..n) is valid UTF-8 (RFC 3629: no overlongs, no surrogates). */
int json_scan_utf8_valid(const char *p, size_t n);

#endif
