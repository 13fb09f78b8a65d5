/*
 * test_intelmq.c — the IntelMQ JSON-lines driver.
 *
 * Lines written here cover the JSON types, the hierarchical and legacy
 * "extra" forms, canonical re-serialisation and every kind of bad line.
 * With the samples ($VIGIL_SAMPLES), every expected IntelMQ event of the
 * CTIP and Shadowserver parsers (IntelMQ's own test expectations) must
 * survive parse -> write -> parse -> write: identical bytes the second
 * time, and every field of the original present with the same value.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "formats/format.h"

struct out {
    struct vg_buf text; /* written events, one per line */
    size_t nev, nrej;
    uint64_t rej_line[64];
    char rej_reason[64][256];
};

static int on_emit(void *ctx, struct event *ev, const struct format_record *rec)
{
    struct out *o = ctx;
    assert_true(rec->line >= 1);
    assert_int_equal(event_write_json(ev, &o->text), 0);
    assert_int_equal(vg_buf_putc(&o->text, '\n'), 0);
    o->nev++;
    return 0;
}

static int on_reject(void *ctx, const struct format_record *rec,
                     const char *reason)
{
    struct out *o = ctx;
    if (o->nrej < 64) {
        o->rej_line[o->nrej] = rec->line;
        snprintf(o->rej_reason[o->nrej], sizeof o->rej_reason[0], "%s", reason);
    }
    o->nrej++;
    return 0;
}

static int parse_text(const char *text, size_t len,
                      const struct format_options *opt, struct out *o)
{
    struct vg_input *in;
    struct vg_err err = {0, ""};
    struct format_sink sink = {on_emit, on_reject, o};
    vg_buf_reset(&o->text);
    o->nev = o->nrej = 0;
    assert_int_equal(vg_input_open_mem(&in, "events.jsonl", text, len, &err),
                     0);
    int rc = format_intelmq.parse(in, opt, &sink, &err);
    vg_input_close(in);
    return rc;
}

/* parse -> write -> parse -> write; returns the first writing (caller
 * frees) after checking the second is identical. */
static char *round_trip(const char *line, struct out *o)
{
    struct format_options opt = {0};
    assert_int_equal(parse_text(line, strlen(line), &opt, o), 0);
    if (o->nrej)
        fail_msg("rejected: %s: %s", o->rej_reason[0], line);
    char *first = strdup(o->text.data ? o->text.data : "");
    assert_int_equal(parse_text(first, strlen(first), &opt, o), 0);
    assert_int_equal(o->nrej, 0);
    assert_string_equal(o->text.data ? o->text.data : "", first);
    return first;
}

static int same_value(json_t *a, json_t *b)
{
    if (!a || !b)
        return 0;
    if (json_is_number(a) && json_is_number(b))
        return json_number_value(a) == json_number_value(b);
    return json_equal(a, b);
}

static void test_types(void **state)
{
    (void)state;
    struct out o = {0};
    const char *line =
        "{\"__type\": \"Event\", \"source.ip\": \"192.0.2.1\", "
        "\"source.port\": 8080,"
        " \"source.asn\": 64500, \"feed.accuracy\": 20.0, "
        "\"source.geolocation.latitude\": 48.2,"
        " \"source.tor_node\": false, \"time.source\": "
        "\"2024-01-02T03:04:05.123456+00:00\","
        " \"classification.type\": \"infected-system\", \"malware.name\": "
        "\"zeus\","
        " \"extra.big\": 9223372036854775807, \"extra.neg\": "
        "-9223372036854775808,"
        " \"extra.f\": 0.1, \"extra.obj\": {\"b\": [1, 2.5, \"x\", null, "
        "true], \"a\": {}},"
        " \"extra.arr\": [], \"extra.s\": "
        "\"tab\\tquote\\\"nl\\n\\u00e9\\u2603\\ud83d\\ude00\","
        " \"extra.empty\": \"\", \"extra.null\": null, \"comment\": \"\"}\n";
    char *w = round_trip(line, &o);
    assert_int_equal(o.nev, 1);
    /* canonical text: sorted keys, shortest floats, nested order kept */
    const char *want =
        "{\"classification.type\":\"infected-system\",\"extra.arr\":[],"
        "\"extra.big\":9223372036854775807,\"extra.empty\":\"\",\"extra.f\":0."
        "1,"
        "\"extra.neg\":-9223372036854775808,"
        "\"extra.obj\":{\"b\":[1,2.5,\"x\",null,true],\"a\":{}},"
        "\"extra.s\":"
        "\"tab\\tquote\\\"nl\\n\xc3\xa9\xe2\x98\x83\xf0\x9f\x98\x80\","
        "\"feed.accuracy\":20.0,\"malware.name\":\"zeus\",\"source.asn\":64500,"
        "\"source.geolocation.latitude\":48.2,\"source.ip\":\"192.0.2.1\","
        "\"source.port\":8080,\"source.tor_node\":false,"
        "\"time.source\":\"2024-01-02T03:04:05.123456+00:00\"}\n";
    assert_string_equal(w, want);
    free(w);
    vg_buf_free(&o.text);
}

static void test_forms(void **state)
{
    (void)state;
    struct out o = {0};
    /* hierarchical, with sanitising (case, IPv6 text) */
    char *w =
        round_trip("{\"source\": {\"ip\": \"2001:DB8::0001\", \"geolocation\": "
                   "{\"cc\": \"at\"}},"
                   " \"classification\": {\"type\": \"scanner\", \"taxonomy\": "
                   "\"Information-Gathering\"}, \"extra\": {\"a\": {\"b\": 1}, "
                   "\"c\": [1]}}",
                   &o);
    assert_string_equal(
        w, "{\"classification.taxonomy\":\"information-gathering\","
           "\"classification.type\":\"scanner\",\"extra.a\":{\"b\":1},"
           "\"extra.c\":[1],\"source.geolocation.cc\":\"AT\","
           "\"source.ip\":\"2001:db8::1\"}\n");
    free(w);
    /* "extra" as a JSON string (IntelMQ before 1.1) */
    w = round_trip("{\"source.ip\": \"192.0.2.1\", \"extra\": \"{\\\"x\\\": 1, "
                   "\\\"y\\\": \\\"z\\\"}\"}",
                   &o);
    assert_string_equal(
        w, "{\"extra.x\":1,\"extra.y\":\"z\",\"source.ip\":\"192.0.2.1\"}\n");
    free(w);
    /* values IntelMQ's add() ignores */
    w = round_trip("{\"source.ip\": \"192.0.2.1\", \"comment\": \"-\", "
                   "\"status\": \"N/A\","
                   " \"source.fqdn\": null}",
                   &o);
    assert_string_equal(w, "{\"source.ip\":\"192.0.2.1\"}\n");
    free(w);
    /* feed name override */
    struct format_options opt = {0};
    opt.feed_name = "Mine";
    const char *l = "{\"feed.name\": \"Theirs\", \"source.ip\": \"192.0.2.1\"}";
    assert_int_equal(parse_text(l, strlen(l), &opt, &o), 0);
    assert_string_equal(
        o.text.data, "{\"feed.name\":\"Mine\",\"source.ip\":\"192.0.2.1\"}\n");
    vg_buf_free(&o.text);
}

static void test_rejects(void **state)
{
    (void)state;
    struct out o = {0};
    struct format_options opt = {0};
    static const char text[] =
        /* 1 */ "{\"source.ip\": \"192.0.2.1\"}\n"
                /* 2 */ "{\"source.ip\": \"192.0.2.1\"\n"
                /* 3 */ "[1, 2]\n"
                /* 4 */ "{\"foo\": 1}\n"
                /* 5 */ "{\"source.ip\": \"1.2.3\"}\n"
                /* 6 */ "{\"source.port\": \"abc\"}\n"
                /* 7 */ "{\"__type\": \"Report\", \"raw\": \"eA==\"}\n"
                /* 8 */ "{\"source.ip\": {\"a\": 1}}\n"
                /* 9 */ "{\"source.ip\": \"192.0.2.1\", \"source.ip\": "
                "\"192.0.2.2\"}\n"
                /* 10 */ "{\"time.source\": \"yesterday\"}\n"
                /* 11 */ "{\"classification.type\": \"nonsense\"}\n"
                /* 12 */ "\n"
                /* 13 */ "{\"source.ip\": \"19\x01"
                "2.0.2.1\"}\n"
                /* 14 */ "\x00\x01\x02\xff\n"
                /* 15 */ "{\"source.asn\": 0}\n"
                /* 16 */ "{\"source\": {\"nope\": 1}}\n"
                /* 17 */ "{\"extra\": 5}\n"
                /* 18 */ "{\"source.port\": 1e400}\n"
                /* 19 */ "{\"extra.x\": \"\\u0000\"}\n"
                /* 20 */ "{\"source.ip\": \"192.0.2.20\"}";
    static const struct {
        uint64_t line;
        const char *why;
    } want[] = {
        {2, "not JSON"},
        {3, "not a JSON object"},
        {4, "unknown field \"foo\""},
        {5, "source.ip"},
        {6, "source.port"},
        {7, "__type"},
        {8, "source.ip"},
        {9, "not JSON"},
        {10, "time.source"},
        {11, "classification.type"},
        {13, "binary"},
        {14, "binary"},
        {15, "source.asn"},
        {16, "source.nope"},
        {17, "extra"},
        {18, "not JSON"},
        {19, "not JSON"},
    };
    assert_int_equal(parse_text(text, sizeof text - 1, &opt, &o), 0);
    assert_int_equal(o.nev, 2);
    assert_int_equal(o.nrej, sizeof want / sizeof want[0]);
    for (size_t k = 0; k < o.nrej; k++) {
        assert_int_equal(o.rej_line[k], want[k].line);
        if (!strstr(o.rej_reason[k], want[k].why))
            fail_msg("line %llu: \"%s\" lacks \"%s\"",
                     (unsigned long long)want[k].line, o.rej_reason[k],
                     want[k].why);
    }
    assert_string_equal(
        o.text.data,
        "{\"source.ip\":\"192.0.2.1\"}\n{\"source.ip\":\"192.0.2.20\"}\n");
    vg_buf_free(&o.text);
}

static int stop(void *ctx, struct event *ev, const struct format_record *rec)
{
    (void)ev, (void)rec;
    ++*(int *)ctx;
    return 7;
}

static int stop_rej(void *ctx, const struct format_record *rec,
                    const char *reason)
{
    (void)rec, (void)reason;
    ++*(int *)ctx;
    return 9;
}

static void test_sink_stop(void **state)
{
    (void)state;
    int n = 0;
    struct vg_err err = {0, ""};
    struct vg_input *in;
    struct format_sink s = {stop, stop_rej, &n};
    const char t[] =
        "{\"source.ip\": \"192.0.2.1\"}\n{\"source.ip\": \"192.0.2.2\"}\n";
    assert_int_equal(vg_input_open_mem(&in, "x", t, sizeof t - 1, &err), 0);
    assert_int_equal(format_intelmq.parse(in, NULL, &s, &err), 7);
    vg_input_close(in);
    assert_int_equal(n, 1);
    const char t2[] = "nope\n{\"source.ip\": \"192.0.2.2\"}\n";
    assert_int_equal(vg_input_open_mem(&in, "x", t2, sizeof t2 - 1, &err), 0);
    assert_int_equal(format_intelmq.parse(in, NULL, &s, &err), 9);
    vg_input_close(in);
}

static void test_detect(void **state)
{
    (void)state;
    const char *flat = "{\"feed.name\": \"x\", \"source.ip\": \"192.0.2.1\"}\n";
    const char *nested =
        "{\"__type\": \"Event\", \"classification\": {\"type\": \"spam\"}}\n";
    const char *ctip = "{\"DataFeed\": \"CTIP-Infected\", \"SourcedFrom\": "
                       "\"SinkHoleMessage\"}\n";
    const char *csv = "\"timestamp\",\"ip\"\n";
    assert_true(format_intelmq.detect("a.jsonl", flat, strlen(flat)) >= 90);
    assert_true(format_intelmq.detect("a.jsonl", nested, strlen(nested)) >= 50);
    assert_int_equal(format_intelmq.detect("a.jsonl", ctip, strlen(ctip)), 0);
    assert_int_equal(format_intelmq.detect("a.csv", csv, strlen(csv)), 0);
    assert_int_equal(format_intelmq.detect("a", "", 0), 0);
}

/* ---- IntelMQ's expected events ------------------------------------------ */

static const char *samples(void)
{
    const char *s = getenv("VIGIL_SAMPLES");
    return s && *s ? s : "../shared/data";
}

static size_t check_event(json_t *orig, struct out *o, size_t *fields)
{
    char *line = json_dumps(orig, JSON_COMPACT | JSON_REAL_PRECISION(17));
    assert_non_null(line);
    char *w = round_trip(line, o);
    json_error_t je;
    json_t *back = json_loads(w, 0, &je);
    assert_non_null(back);
    const char *k;
    json_t *v;
    json_object_foreach(orig, k, v)
    {
        if (strcmp(k, "__type") == 0)
            continue;
        if (!same_value(v, json_object_get(back, k))) {
            char *got = json_dumps(json_object_get(back, k), JSON_ENCODE_ANY);
            fail_msg("field %s changed: %s", k, got ? got : "(missing)");
        }
        (*fields)++;
    }
    json_decref(back);
    free(w);
    free(line);
    return 1;
}

static void check_file(const char *path, struct out *o, size_t *events,
                       size_t *fields)
{
    json_error_t je;
    json_t *doc = json_load_file(path, 0, &je);
    if (!doc)
        fail_msg("%s: %s", path, je.text);
    json_t *evs = json_object_get(doc, "EVENTS");
    if (!evs)
        evs = json_object_get(doc, "EXAMPLE_EVENTS");
    if (json_is_object(evs)) {
        *events += check_event(evs, o, fields);
    } else {
        size_t i;
        json_t *e;
        json_array_foreach(evs, i, e) *events += check_event(e, o, fields);
    }
    json_decref(doc);
}

static void test_expected_round_trip(void **state)
{
    (void)state;
    static const char *dirs[] = {"ctip", "shadowserver/expected"};
    struct out o = {0};
    size_t files = 0, events = 0, fields = 0;
    for (size_t d = 0; d < 2; d++) {
        char dir[1024];
        snprintf(dir, sizeof dir, "%s/%s", samples(), dirs[d]);
        DIR *dh = opendir(dir);
        if (!dh)
            skip();
        struct dirent *de;
        while ((de = readdir(dh))) {
            if (!strstr(de->d_name, "expected_events") ||
                !strstr(de->d_name, ".json"))
                continue;
            char path[2048];
            snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
            check_file(path, &o, &events, &fields);
            files++;
        }
        closedir(dh);
    }
    printf("  round trip: %zu files, %zu events, %zu fields unchanged\n", files,
           events, fields);
    assert_true(files >= 90);
    assert_true(events >= 250);
    vg_buf_free(&o.text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_types),
        cmocka_unit_test(test_forms),
        cmocka_unit_test(test_rejects),
        cmocka_unit_test(test_sink_stop),
        cmocka_unit_test(test_detect),
        cmocka_unit_test(test_expected_round_trip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
