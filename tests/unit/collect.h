/*
 * collect.h — for unit tests of format drivers: a sink that keeps every
 * record as IntelMQ JSON (jansson) and counts rejects, and helpers that run
 * a driver over a file or a string.  Header-only: each test includes it.
 */
#ifndef VG_TEST_COLLECT_H
#define VG_TEST_COLLECT_H

#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "formats/format.h"

struct got {
    json_t *events; /* IntelMQ JSON of every record, in order */
    size_t rejects;
    uint64_t reject_line;
    char reason[1024]; /* the last reject's */
};

static inline void got_init(struct got *g)
{
    g->events = json_array();
    g->rejects = 0;
    g->reject_line = 0;
    g->reason[0] = '\0';
    assert_non_null(g->events);
}

static inline void got_free(struct got *g)
{
    json_decref(g->events);
    g->events = NULL;
}

static inline int got_emit(void *ctx, struct event *ev, const struct format_record *rec)
{
    struct got *g = ctx;
    struct vg_buf b = VG_BUF_INIT;
    assert_true(rec->line >= 1);
    assert_int_equal(event_write_json(ev, &b), 0);
    json_t *j = json_loadb(b.data, b.len, 0, NULL);
    assert_non_null(j);
    json_array_append_new(g->events, j);
    vg_buf_free(&b);
    return 0;
}

static inline int got_reject(void *ctx, const struct format_record *rec, const char *reason)
{
    struct got *g = ctx;
    assert_true(rec->line >= 1);
    assert_true(reason && *reason);
    g->reject_line = rec->line;
    snprintf(g->reason, sizeof g->reason, "%s", reason);
    g->rejects++;
    return 0;
}

/* Run drv over the file (or, when text is not NULL, over text); the driver
 * must return 0. */
static inline void got_parse(const struct format_driver *drv, const char *path, const char *text,
                      struct got *g)
{
    struct vg_input *in;
    struct vg_err err = {0, ""};
    struct format_sink sink = {got_emit, got_reject, g};
    if (text)
        assert_int_equal(vg_input_open_mem(&in, "test.json", text, strlen(text), &err), 0);
    else
        assert_int_equal(vg_input_open(&in, path, 0, &err), 0);
    if (drv->parse(in, NULL, &sink, &err) != 0)
        fail_msg("%s: %s", path ? path : "text", err.msg);
    vg_input_close(in);
}

/* The string value of field in record k, or NULL. */
static inline const char *got_str(const struct got *g, size_t k, const char *field)
{
    json_t *v = json_object_get(json_array_get(g->events, k), field);
    return json_is_string(v) ? json_string_value(v) : NULL;
}

static inline long long got_int(const struct got *g, size_t k, const char *field)
{
    json_t *v = json_object_get(json_array_get(g->events, k), field);
    return json_is_integer(v) ? (long long)json_integer_value(v) : -1;
}

#endif
