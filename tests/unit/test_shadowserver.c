/*
 * test_shadowserver.c — the Shadowserver CSV driver.
 *
 * Without the third-party samples: file-name parsing, detection, malformed
 * records (short rows, binary garbage, bad timestamps, bad IPs, broken
 * quoting, overlong records), every conversion function through a small
 * schema written here, and the built-in mapping.
 *
 * With the samples ($VIGIL_SAMPLES, default ../shared/data): conformance
 * against IntelMQ's expected events for every sample CSV, with the current
 * (2026) Shadowserver schema.  The expectations were made with IntelMQ and
 * the 2023 schema; where the current schema maps a column differently the
 * current schema wins, and every such difference is listed in `diffs`
 * below with the reason — each entry is checked against the schema file
 * itself, and an entry no sample needs any more fails the test, so the list
 * stays the exact set of differences.  Then the built-in mapping is run on
 * the same samples and its core fields compared with the schema's.
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
#include "formats/ss_schema.h"

/* ---- a sink that keeps everything --------------------------------------- */

struct got {
    char **events; /* event_write_json text */
    size_t nev;
    uint64_t *rej_line;
    char **rej_reason, **rej_raw;
    size_t nrej;
};

static char *dupn(const char *s, size_t n)
{
    char *d = malloc(n + 1);
    assert_non_null(d);
    memcpy(d, s, n);
    d[n] = '\0';
    return d;
}

static int keep_event(void *ctx, struct event *ev,
                      const struct format_record *rec)
{
    struct got *g = ctx;
    struct vg_buf b = VG_BUF_INIT;
    assert_non_null(rec->file);
    assert_true(rec->line >= 2);
    assert_int_equal(event_write_json(ev, &b), 0);
    g->events = realloc(g->events, (g->nev + 1) * sizeof *g->events);
    g->events[g->nev++] = dupn(b.data, b.len);
    vg_buf_free(&b);
    return 0;
}

static int keep_reject(void *ctx, const struct format_record *rec,
                       const char *reason)
{
    struct got *g = ctx;
    g->rej_line = realloc(g->rej_line, (g->nrej + 1) * sizeof *g->rej_line);
    g->rej_reason =
        realloc(g->rej_reason, (g->nrej + 1) * sizeof *g->rej_reason);
    g->rej_raw = realloc(g->rej_raw, (g->nrej + 1) * sizeof *g->rej_raw);
    g->rej_line[g->nrej] = rec->line;
    g->rej_reason[g->nrej] = dupn(reason, strlen(reason));
    g->rej_raw[g->nrej] = dupn(rec->raw, rec->raw_len);
    g->nrej++;
    return 0;
}

static void got_free(struct got *g)
{
    for (size_t k = 0; k < g->nev; k++)
        free(g->events[k]);
    for (size_t k = 0; k < g->nrej; k++)
        free(g->rej_reason[k]), free(g->rej_raw[k]);
    free(g->events);
    free(g->rej_line);
    free(g->rej_reason);
    free(g->rej_raw);
    memset(g, 0, sizeof *g);
}

static int run_mem(const char *name, const char *text, size_t len,
                   const struct format_options *opt, struct got *g,
                   struct vg_err *err)
{
    struct vg_input *in;
    struct format_sink sink = {keep_event, keep_reject, g};
    assert_int_equal(vg_input_open_mem(&in, name, text, len, err), 0);
    int rc = format_shadowserver.parse(in, opt, &sink, err);
    vg_input_close(in);
    return rc;
}

static int run_file(const char *path, const struct format_options *opt,
                    struct got *g, struct vg_err *err)
{
    struct vg_input *in;
    struct format_sink sink = {keep_event, keep_reject, g};
    assert_int_equal(vg_input_open(&in, path, 0, err), 0);
    int rc = format_shadowserver.parse(in, opt, &sink, err);
    vg_input_close(in);
    return rc;
}

static json_t *ev_json(const struct got *g, size_t k)
{
    json_error_t je;
    json_t *j = json_loads(g->events[k], 0, &je);
    if (!j)
        fail_msg("event %zu is not JSON: %s: %s", k, je.text, g->events[k]);
    return j;
}

static const char *jget_str(json_t *o, const char *key)
{
    return json_string_value(json_object_get(o, key));
}

/* ---- samples ------------------------------------------------------------ */

static const char *samples(void)
{
    const char *s = getenv("VIGIL_SAMPLES");
    return s && *s ? s : "../shared/data";
}

static int have_samples(char *schema, size_t n)
{
    snprintf(schema, n, "%s/shadowserver/report_schema/intelmq.json",
             samples());
    return access(schema, R_OK) == 0;
}

/* ---- tests without samples ---------------------------------------------- */

static void test_filename(void **state)
{
    (void)state;
    char t[64];
    assert_int_equal(ss_type_from_filename(
                         "2019-01-01-scan_http-country-geo.csv", t, sizeof t),
                     0);
    assert_string_equal(t, "scan_http");
    assert_int_equal(
        ss_type_from_filename("/a/b/event4_sinkhole.csv", t, sizeof t), 0);
    assert_string_equal(t, "event4_sinkhole");
    assert_int_equal(
        ss_type_from_filename("2024-07-04-dns_openresolver-123-sample-asn.csv",
                              t, sizeof t),
        0);
    assert_string_equal(t, "dns_openresolver");
    assert_int_equal(
        ss_type_from_filename("2020-04-03-scan_ics-sample-asn-delayed.csv", t,
                              sizeof t),
        0);
    assert_string_equal(t, "scan_ics");
    assert_int_not_equal(ss_type_from_filename("scan_http.txt", t, sizeof t),
                         0);
    assert_int_not_equal(ss_type_from_filename("2019-01-01-.csv", t, sizeof t),
                         0);
    assert_int_not_equal(ss_type_from_filename("a b.csv", t, sizeof t), 0);
    assert_int_not_equal(ss_type_from_filename("<stdin>", t, sizeof t), 0);
}

static void test_schema_path(void **state)
{
    (void)state;
    char buf[256], dir[] = "/tmp/vigil-ss-dir-XXXXXX";
    assert_non_null(mkdtemp(dir));
    unsetenv("VIGIL_SHADOWSERVER_SCHEMA");
    assert_string_equal(ss_schema_resolve("a.json", dir, buf, sizeof buf),
                        "a.json");
    assert_null(ss_schema_resolve(NULL, dir, buf, sizeof buf));
    assert_null(ss_schema_resolve(NULL, NULL, buf, sizeof buf));
    char file[300];
    snprintf(file, sizeof file, "%s/shadowserver-schema.json", dir);
    FILE *f = fopen(file, "w");
    assert_non_null(f);
    fclose(f);
    assert_string_equal(ss_schema_resolve(NULL, dir, buf, sizeof buf), file);
    setenv("VIGIL_SHADOWSERVER_SCHEMA", "env.json", 1);
    assert_string_equal(ss_schema_resolve(NULL, dir, buf, sizeof buf),
                        "env.json");
    assert_string_equal(ss_schema_resolve("a.json", dir, buf, sizeof buf),
                        "a.json");
    unsetenv("VIGIL_SHADOWSERVER_SCHEMA");
    unlink(file);
    rmdir(dir);
}

static void test_detect(void **state)
{
    (void)state;
    const char *h1 = "\"timestamp\",\"ip\",\"port\"\n\"2024-01-01 "
                     "00:00:00\",\"1.2.3.4\",80\n";
    const char *h2 = "{\"source.ip\": \"1.2.3.4\"}\n";
    int a = format_shadowserver.detect("2024-01-01-scan_http-x.csv", h1,
                                       strlen(h1));
    int b = format_shadowserver.detect("<stdin>", h1, strlen(h1));
    int c = format_shadowserver.detect("x.json", h2, strlen(h2));
    assert_true(a > b);
    assert_true(b >= 50);
    assert_int_equal(c, 0);
}

/* A sinkhole report written for this test (documentation addresses). */
#define SINK_HDR                                                               \
    "\"timestamp\",\"protocol\",\"src_ip\",\"src_port\",\"src_asn\",\"src_"    \
    "geo\",\"src_region\","                                                    \
    "\"src_city\",\"src_hostname\",\"src_naics\",\"dst_ip\",\"dst_port\","     \
    "\"infection\","                                                           \
    "\"family\",\"tag\",\"http_url\",\"http_host\"\n"

static void test_records(void **state)
{
    (void)state;
    struct got g = {0};
    struct vg_err err = {0, ""};
    struct format_options opt = {0};
    unsetenv("VIGIL_SHADOWSERVER_SCHEMA");
    const char text[] = SINK_HDR
        /* 2 */
        "\"2024-03-01 "
        "10:00:00\",\"tcp\",\"192.0.2.1\",4444,64500,\"AT\",\"WIEN\","
        "\"VIENNA\","
        "\"host.example.net\",517311,\"198.51.100.7\",80,\"Andromeda\","
        "\"andromeda\",\"x\","
        "\"GET /gate.php HTTP/1.1\",\"c2.example.com\"\n"
        /* 3: short */ "\"2024-03-01 10:00:01\",\"tcp\",\"192.0.2.2\",4444\n"
        /* 4: family only */
        "\"2024-03-01 10:00:02\",\"udp\",\"192.0.2.3\",53,0,\"AT\",,,,0,,,,"
        "\"Mirai\",,,\n"
        /* 5: NUL */ "\"2024-03-01 "
        "10:00:03\",\"tcp\",\"192.0.2.4\",1,1,\"AT\",,,,0,,,"
        "\"a\0b\",,,,\n"
        /* 6: bad time */
        "\"2024-13-45 99:00:00\",\"tcp\",\"192.0.2.5\",1,1,\"AT\",,,,0,,,,,,,\n"
        /* 7: bad ip */
        "\"2024-03-01 10:00:04\",\"tcp\",\"300.1.2.3\",1,1,\"AT\",,,,0,,,,,,,\n"
        /* 8: bad port */ "\"2024-03-01 "
        "10:00:05\",\"tcp\",\"192.0.2.6\",http,1,\"AT\",,,,0,"
        ",,,,,,\n"
        /* 9: bad quoting */ "\"2024-03-01 "
        "10:00:06\",\"tcp\",\"192.0.2\"7\",1,1,\"AT\",,,,"
        "0,,,,,,,\n"
        /* 10-11: a quoted line break */
        "\"2024-03-01 10:00:07\",\"tcp\",\"192.0.2.8\",1,1,\"AT\","
        "\"LINE\nTWO\",,,0,,,\"zeus\",,,,\n"
        /* 12: too long */ "\"2024-03-01 "
        "10:00:08\",\"tcp\",\"192.0.2.9\",1,1,\"AT\",,,,0,,,"
        ",,,,,,\n"
        /* 13: good, CRLF */
        "\"2024-03-01 10:00:09\",\"tcp\",\"2001:DB8::1\",5,1,\"AT\",,,,0,,,"
        "\"unknown\",\"Necurs\",,,\r\n"
        /* 14: binary garbage */ "\x01\x02\xff\xfe garbage \x7f\n"
        /* 15: empty */ "\n"
        /* 16: last line without newline */
        "\"2024-03-01 10:00:10\",\"tcp\",\"192.0.2.10\",6,0,"
        "\"AT\",,,,0,,,\"conficker\",,,,";
    assert_int_equal(run_mem("2024-03-01-event4_sinkhole_http-test.csv", text,
                             sizeof text - 1, &opt, &g, &err),
                     0);
    assert_int_equal(g.nev, 5);
    static const struct {
        uint64_t line;
        const char *why;
    } rej[] = {
        {3, "expected 17 columns"},
        {5, "binary"},
        {6, "timestamp"},
        {7, "not an IP address"},
        {8, "not an integer"},
        {9, "malformed CSV"},
        {12, "expected 17 columns"},
        {14, ""},
    };
    assert_int_equal(g.nrej, sizeof rej / sizeof rej[0]);
    for (size_t k = 0; k < g.nrej; k++) {
        assert_int_equal(g.rej_line[k], rej[k].line);
        if (!strstr(g.rej_reason[k], rej[k].why))
            fail_msg("line %llu: reason \"%s\" lacks \"%s\"",
                     (unsigned long long)rej[k].line, g.rej_reason[k],
                     rej[k].why);
    }
    json_t *e = ev_json(&g, 0);
    assert_string_equal(jget_str(e, "time.source"),
                        "2024-03-01T10:00:00+00:00");
    assert_string_equal(jget_str(e, "source.ip"), "192.0.2.1");
    assert_int_equal(json_integer_value(json_object_get(e, "source.port")),
                     4444);
    assert_int_equal(json_integer_value(json_object_get(e, "source.asn")),
                     64500);
    assert_string_equal(jget_str(e, "malware.name"), "andromeda");
    assert_string_equal(jget_str(e, "classification.type"), "infected-system");
    assert_string_equal(jget_str(e, "classification.taxonomy"),
                        "malicious-code");
    assert_string_equal(jget_str(e, "feed.name"), "Sinkhole-Events-HTTP IPv4");
    assert_string_equal(jget_str(e, "destination.url"),
                        "http://c2.example.com/gate.php");
    assert_string_equal(jget_str(e, "destination.fqdn"), "c2.example.com");
    assert_string_equal(jget_str(e, "source.reverse_dns"), "host.example.net");
    assert_int_equal(
        json_integer_value(json_object_get(e, "extra.source.naics")), 517311);
    assert_string_equal(jget_str(e, "extra.tag"), "x");
    assert_non_null(jget_str(e, "raw"));
    json_decref(e);
    e = ev_json(&g, 1); /* infection empty: malware.name from family */
    assert_string_equal(jget_str(e, "malware.name"), "mirai");
    assert_null(json_object_get(e, "source.asn")); /* invalidate_zero */
    assert_null(json_object_get(e, "extra.source.naics"));
    json_decref(e);
    e = ev_json(&g, 2); /* multi-line record */
    assert_string_equal(jget_str(e, "source.geolocation.region"), "LINE\nTWO");
    assert_string_equal(jget_str(e, "malware.name"), "zeus");
    json_decref(e);
    e = ev_json(&g, 3); /* "unknown" infection -> family; IPv6 canonical */
    assert_string_equal(jget_str(e, "malware.name"), "necurs");
    assert_string_equal(jget_str(e, "source.ip"), "2001:db8::1");
    json_decref(e);
    e = ev_json(&g, 4);
    assert_string_equal(jget_str(e, "malware.name"), "conficker");
    json_decref(e);
    got_free(&g);
}

static void test_edges(void **state)
{
    (void)state;
    struct got g = {0};
    struct vg_err err = {0, ""};
    struct format_options opt = {0};
    unsetenv("VIGIL_SHADOWSERVER_SCHEMA");
    /* empty input, header only */
    assert_int_equal(run_mem("scan_http.csv", "", 0, &opt, &g, &err), 0);
    assert_int_equal(g.nev + g.nrej, 0);
    assert_int_equal(
        run_mem("scan_http.csv", "timestamp,ip,port\n", 18, &opt, &g, &err), 0);
    assert_int_equal(g.nev + g.nrej, 0);
    /* no timestamp column: not a report */
    assert_int_equal(
        run_mem("scan_http.csv", "ip,port\n1.2.3.4,80\n", 19, &opt, &g, &err),
        VG_EPARSE);
    /* binary header */
    assert_int_equal(run_mem("x.csv", "\x00\x01\x02\n", 4, &opt, &g, &err),
                     VG_EPARSE);
    /* BOM, unquoted header, unterminated quote at the end */
    const char t1[] =
        "\xEF\xBB\xBFtimestamp,ip,port\n2024-01-01 00:00:00,192.0.2.1,22\n"
        "2024-01-01 00:00:01,\"192.0.2.2,22\n";
    assert_int_equal(
        run_mem("2024-01-01-scan_ssh-x.csv", t1, sizeof t1 - 1, &opt, &g, &err),
        0);
    assert_int_equal(g.nev, 1);
    assert_int_equal(g.nrej, 1);
    assert_int_equal(g.rej_line[0], 3);
    json_t *e = ev_json(&g, 0);
    assert_string_equal(jget_str(e, "feed.name"), "Accessible-SSH");
    assert_string_equal(jget_str(e, "classification.type"), "other");
    json_decref(e);
    got_free(&g);
    /* Shadowserver's \" inside quoted fields */
    const char t2[] =
        "\"timestamp\",\"ip\",\"port\",\"www_authenticate\",\"server\"\n"
        "\"2024-01-01 00:00:00\",\"192.0.2.1\",80,\"Basic realm=\\\"x, "
        "y\\\"\",\"z\"\n";
    assert_int_equal(run_mem("2024-01-01-scan_http-x.csv", t2, sizeof t2 - 1,
                             &opt, &g, &err),
                     0);
    assert_int_equal(g.nev, 1);
    e = ev_json(&g, 0);
    assert_string_equal(jget_str(e, "extra.www_authenticate"),
                        "Basic realm=\"x, y\"");
    assert_string_equal(jget_str(e, "extra.server"), "z");
    json_decref(e);
    got_free(&g);
    /* the same at the end of the input, without a newline */
    const char t2b[] = "timestamp,ip,port,x\n"
                       "2024-01-01 00:00:00,192.0.2.1,1,\"x\\\",y\"";
    assert_int_equal(run_mem("2024-01-01-scan_http-x.csv", t2b, sizeof t2b - 1,
                             &opt, &g, &err),
                     0);
    assert_int_equal(g.nrej, 0);
    assert_int_equal(g.nev, 1);
    e = ev_json(&g, 0);
    assert_string_equal(jget_str(e, "extra.x"), "x\",y");
    json_decref(e);
    got_free(&g);
    /* an endless field: rejected, later records still read */
    size_t big = (5u << 20);
    char *t3 = malloc(big + 200);
    assert_non_null(t3);
    int n = sprintf(t3, "timestamp,ip,port\n2024-01-01 00:00:00,\"");
    memset(t3 + n, 'A', big);
    n += (int)big;
    n += sprintf(t3 + n, "\",1\n2024-01-01 00:00:01,192.0.2.1,1\n");
    assert_int_equal(run_mem("scan_ftp.csv", t3, (size_t)n, &opt, &g, &err), 0);
    assert_int_equal(g.nev, 1);
    assert_true(g.nrej >= 1);
    assert_int_equal(g.rej_line[0], 2);
    free(t3);
    got_free(&g);
}

static int stop_emit(void *ctx, struct event *ev,
                     const struct format_record *rec)
{
    (void)ev, (void)rec;
    ++*(int *)ctx;
    return 42;
}

static int no_reject(void *ctx, const struct format_record *rec,
                     const char *reason)
{
    (void)ctx, (void)rec, (void)reason;
    return 0;
}

static void test_sink_stop(void **state)
{
    (void)state;
    struct vg_err err = {0, ""};
    struct format_options opt = {0};
    int calls = 0;
    const char t[] = "timestamp,ip,port\n2024-01-01 00:00:00,192.0.2.1,1\n"
                     "2024-01-01 00:00:00,192.0.2.2,1\n";
    struct vg_input *in;
    struct format_sink s = {stop_emit, no_reject, &calls};
    assert_int_equal(
        vg_input_open_mem(&in, "scan_ftp.csv", t, sizeof t - 1, &err), 0);
    assert_int_equal(format_shadowserver.parse(in, &opt, &s, &err), 42);
    assert_int_equal(calls, 1);
    vg_input_close(in);
}

/* A schema written for this test: one report exercising every conversion. */
static const char test_schema[] =
    "{\"_meta\": {\"date_created\": \"2026-01-01T00:00:00Z\"},\n"
    " \"test_report\": {\"feed_name\": \"Test-Feed\", \"file_name\": "
    "\"test_report\",\n"
    "  \"constant_fields\": {\"classification.type\": \"vulnerable-system\",\n"
    "     \"classification.taxonomy\": \"vulnerable\", "
    "\"protocol.application\": \"HTTP\",\n"
    "     \"severity_note\": \"x\"},\n"
    "  \"required_fields\": [[\"time.source\", \"timestamp\", "
    "\"add_UTC_to_timestamp\"],\n"
    "     [\"source.ip\", \"ip\", \"validate_ip\"], [\"source.port\", "
    "\"port\", \"convert_int\"]],\n"
    "  \"optional_fields\": [[\"source.network\", \"ip\", "
    "\"validate_network\"],\n"
    "     [\"extra.\", \"flag\", \"convert_bool\"], [\"source.asn\", \"asn\", "
    "\"invalidate_zero\"],\n"
    "     [\"extra.\", \"note\", \"validate_to_none\"], [\"extra.ratio\", "
    "\"r\", \"convert_float\"],\n"
    "     [\"source.reverse_dns\", \"hostname\"], [\"severity\", "
    "\"severity\"],\n"
    "     [\"extra.\", \"http_date\", \"convert_date\"], [\"extra.\", "
    "\"seen\", \"convert_date_utc\"],\n"
    "     [\"extra.\", \"body\", \"force_base64\"], [\"extra.\", \"b64\", "
    "\"force_base64\"],\n"
    "     [\"extra.cves\", \"tag\", \"extract_cve_from_tag\"],\n"
    "     [\"source.url\", \"url\", \"convert_http_host_and_url\", true],\n"
    "     [\"event_description.text\", \"category\", \"category_or_detail\", "
    "true],\n"
    "     [\"__IGNORE__\", \"secret\"], [false, \"secret2\"], [\"extra.\", "
    "\"dash\"],\n"
    "     [\"extra.\", \"empty\"], [\"source.fqdn\", \"http_host\", "
    "\"validate_fqdn\"]]}}\n";

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    assert_int_equal(fwrite(text, 1, strlen(text), f), strlen(text));
    fclose(f);
}

/* One record of the test report read under `name`: its feed name. */
static const char short_report[] =
    "timestamp,ip,port,flag,asn,note,r,hostname,severity,http_date,seen,body\n"
    "2024-05-06 07:08:09,192.0.2.1,1,1,1,,,,,,,\n";

static void expect_feed(const char *name, const struct format_options *opt,
                        const char *feed)
{
    struct got g = {0};
    struct vg_err err = {0, ""};
    assert_int_equal(
        run_mem(name, short_report, sizeof short_report - 1, opt, &g, &err), 0);
    assert_int_equal(g.nev, 1);
    json_t *e = ev_json(&g, 0);
    assert_string_equal(jget_str(e, "feed.name"), feed);
    assert_string_equal(jget_str(e, "classification.type"),
                        "vulnerable-system");
    json_decref(e);
    got_free(&g);
}

static void test_conversions(void **state)
{
    (void)state;
    char path[] = "/tmp/vigil-ss-schema-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    write_file(path, test_schema);
    struct format_options opt = {0};
    opt.schema_path = path;
    struct got g = {0};
    struct vg_err err = {0, ""};
    const char text[] =
        "timestamp,ip,port,flag,asn,note,r,hostname,severity,http_date,seen,"
        "body,b64,tag,url,"
        "http_host,application,category,detail,secret,secret2,dash,empty,"
        "leftover\n"
        "2024-05-06 07:08:09,192.0.2.1,8080,Yes,0,unknown,0.25,bad host!,high,"
        "\"Mon, 23 Apr 2018 13:25:29 GMT\",2021-03-27T00:00:01.5Z,GET / "
        "HTTP/1.0,QUJD,"
        "x;cve-2021-26855;CVE-2020-0001;cve-2021-26855,\"GET /a/b.php?x=1 "
        "HTTP/1.1\","
        "www.example.com,https,,detail text,s,s2,-,,left\n"
        "2024-05-06 "
        "07:08:10,192.0.2.0/"
        "24,,disabled,64496,n1,,Host.Example.COM.,,,,,,,,,,cat,,,"
        ",,,\n";
    assert_int_equal(run_mem("2024-05-06-test_report-x.csv", text,
                             sizeof text - 1, &opt, &g, &err),
                     0);
    if (g.nrej)
        fail_msg("rejected: %s", g.rej_reason[0]);
    assert_int_equal(g.nev, 2);
    json_t *e = ev_json(&g, 0);
    assert_string_equal(jget_str(e, "feed.name"), "Test-Feed");
    assert_string_equal(jget_str(e, "time.source"),
                        "2024-05-06T07:08:09+00:00");
    assert_true(json_is_true(json_object_get(e, "extra.flag")));
    assert_null(json_object_get(e, "source.asn"));
    assert_null(json_object_get(e, "extra.note"));
    assert_true(fabs(json_real_value(json_object_get(e, "extra.ratio")) -
                     0.25) < 1e-12);
    /* an invalid harmonised value leaves its column for extra */
    assert_null(json_object_get(e, "source.reverse_dns"));
    assert_string_equal(jget_str(e, "extra.hostname"), "bad host!");
    /* a key outside the harmonisation lands under extra.<key> */
    assert_string_equal(jget_str(e, "extra.severity"), "high");
    assert_string_equal(jget_str(e, "extra.severity_note"), "x");
    assert_string_equal(jget_str(e, "extra.http_date"),
                        "2018-04-23T13:25:29+00:00");
    assert_string_equal(jget_str(e, "extra.seen"),
                        "2021-03-27T00:00:01.500000+00:00");
    assert_string_equal(jget_str(e, "extra.body"), "R0VUIC8gSFRUUC8xLjA=");
    assert_string_equal(jget_str(e, "extra.b64"), "QUJD");
    assert_string_equal(jget_str(e, "extra.cves"),
                        "CVE-2020-0001;cve-2021-26855");
    assert_string_equal(jget_str(e, "source.url"),
                        "https://www.example.com/a/b.php?x=1");
    assert_string_equal(jget_str(e, "source.fqdn"), "www.example.com");
    assert_string_equal(jget_str(e, "event_description.text"), "detail text");
    assert_string_equal(jget_str(e, "protocol.application"), "http");
    assert_null(json_object_get(e, "extra.secret"));
    assert_null(json_object_get(e, "extra.secret2"));
    assert_string_equal(jget_str(e, "extra.dash"), "-");
    assert_null(json_object_get(e, "extra.empty"));
    assert_string_equal(jget_str(e, "extra.leftover"), "left");
    assert_string_equal(jget_str(e, "extra.application"), "https");
    json_decref(e);
    e = ev_json(&g, 1);
    /* validate_ip drops a network (which validate_network takes), empty
     * required port is left out as IntelMQ does */
    assert_null(json_object_get(e, "source.ip"));
    assert_string_equal(jget_str(e, "source.network"), "192.0.2.0/24");
    assert_null(json_object_get(e, "source.port"));
    assert_true(json_is_false(json_object_get(e, "extra.flag")));
    assert_int_equal(json_integer_value(json_object_get(e, "source.asn")),
                     64496);
    assert_string_equal(jget_str(e, "extra.note"), "n1");
    assert_string_equal(jget_str(e, "source.reverse_dns"), "host.example.com");
    assert_string_equal(jget_str(e, "event_description.text"), "cat");
    json_decref(e);
    got_free(&g);

    /* feed name and report overrides; the header picks the report when the
     * name says nothing */
    opt.feed_name = "My-Feed";
    expect_feed("<stdin>", &opt, "My-Feed");
    opt.feed_name = NULL;
    /* a file name that names no known report: the header decides too */
    expect_feed("renamed.csv", &opt, "Test-Feed");
    opt.report = "test_report";
    expect_feed("whatever.csv", &opt, "Test-Feed");
    /* the environment names the schema when the options do not */
    opt.report = NULL;
    opt.schema_path = NULL;
    setenv("VIGIL_SHADOWSERVER_SCHEMA", path, 1);
    expect_feed("2024-05-06-test_report-x.csv", &opt, "Test-Feed");
    unsetenv("VIGIL_SHADOWSERVER_SCHEMA");
    /* a broken schema is an error, not a silent fallback */
    write_file(path, "{\"r\": {\"feed_name\": 1}}");
    opt.schema_path = path;
    assert_int_equal(
        run_mem("x.csv", short_report, sizeof short_report - 1, &opt, &g, &err),
        VG_EDATA);
    unlink(path);
    assert_int_not_equal(
        run_mem("x.csv", short_report, sizeof short_report - 1, &opt, &g, &err),
        0);
    got_free(&g);
}

/* ---- conformance with IntelMQ's expected events ------------------------- */

enum diff_kind {
    D_FEED,  /* feed.name: the schema's feed_name (the test report set its own)
              */
    D_CONST, /* the schema's constant_fields value */
    D_RENAMED, /* the same value now under `to` */
    D_DROPPED, /* the current schema no longer produces the field */
    D_EMPTY,   /* the schema maps the field from a column that is empty here */
    D_RAW,     /* the column is no longer mapped: its raw text under extra */
    D_SAME_AS, /* the value is now that of the expected field `to` */
    D_UNESCAPED, /* CSV dialect: \" read as an escaped quote, Python kept it */
};

struct diff {
    const char *report; /* file-name type, "*" for all */
    const char *key;    /* expected field */
    enum diff_kind kind;
    const char *to;
    int used;
};

/* Every difference between IntelMQ's expectations (2023 schema) and the
 * current schema, found by running this test; each is verified against the
 * schema file in check_diff(). */
static struct diff diffs[] = {
    /* The test reports carried their own feed.name (IntelMQ keeps a report's
     * feed.name); vigil names the feed from the schema. */
    {"*", "feed.name", D_FEED, NULL, 0},
    /* Columns renamed or remapped by the current schema */
    {"blocklist", "extra.source", D_RENAMED, "extra.source_name", 0},
    {"device_id", "extra.device_vendor", D_RENAMED, "extra.product.vendor", 0},
    {"device_id", "extra.device_model", D_RENAMED, "extra.product.name", 0},
    {"event4_ddos_participant", "extra.device_vendor", D_RENAMED,
     "extra.product.vendor", 0},
    {"event4_ddos_participant", "extra.device_model", D_RENAMED,
     "extra.product.name", 0},
    {"scan_dvr_dhcpdiscover", "extra.device_vendor", D_RENAMED,
     "extra.product.vendor", 0},
    {"scan_dvr_dhcpdiscover", "extra.device_model", D_RENAMED,
     "extra.product.name", 0},
    {"scan_dvr_dhcpdiscover", "extra.device_version", D_RENAMED,
     "extra.product.version", 0},
    {"scan_ics", "extra.device_vendor", D_RENAMED, "extra.product.vendor", 0},
    {"scan_ics", "extra.device_model", D_RENAMED, "extra.product.name", 0},
    {"scan_ics", "extra.device_version", D_RENAMED, "extra.product.version", 0},
    {"scan_snmp", "extra.device_vendor", D_RENAMED, "extra.product.vendor", 0},
    {"scan_ssh", "extra.device_vendor", D_RENAMED, "extra.product.vendor", 0},
    {"scan_amqp", "extra.product", D_RENAMED, "extra.product.name", 0},
    {"scan_amqp", "extra.product_version", D_RENAMED, "extra.product.version",
     0},
    {"scan_vnc", "extra.product", D_RENAMED, "extra.product.name", 0},
    {"scan_isakmp", "extra.exchange_type", D_RENAMED,
     "extra.isakmp_exchange_type", 0},
    {"scan_isakmp", "extra.spi_size", D_RENAMED, "extra.isakmp_spi_size", 0},
    {"scan_ubiquiti", "extra.response_size", D_RENAMED, "extra.size", 0},
    {"scan_http", "extra.source.sic", D_RENAMED, "extra.sic", 0},
    {"scan_xdmcp", "extra.status", D_RENAMED, "status", 0},
    {"special", "extra.status", D_RENAMED, "status", 0},
    {"event4_sinkhole_http_referer", "extra.http_referer_ip", D_RENAMED,
     "source.ip", 0},
    {"sandbox_conn", "destination.fqdn", D_RENAMED, "extra.host", 0},
    {"sandbox_url", "destination.fqdn", D_RENAMED, "extra.host", 0},
    {"sandbox_dns", "malware.hash.md5", D_RENAMED, "extra.md5hash", 0},
    {"sandbox_dns", "extra.dns_query_type", D_RENAMED, "extra.type", 0},
    /* tag was malware.name in 2023; now only extra.tag */
    {"compromised_website", "malware.name", D_RENAMED, "extra.tag", 0},
    {"population_http_proxy", "malware.name", D_RENAMED, "extra.tag", 0},
    {"special", "malware.name", D_RENAMED, "extra.tag", 0},
    {"malware_url", "malware.name", D_RENAMED, "extra.tag", 0},
    /* infection now feeds malware.name and classification.identifier only */
    {"event4_microsoft_sinkhole", "extra.infection", D_DROPPED, NULL, 0},
    {"event4_microsoft_sinkhole_http", "extra.infection", D_DROPPED, NULL, 0},
    {"event4_sinkhole", "extra.infection", D_DROPPED, NULL, 0},
    {"event4_sinkhole_dns", "extra.infection", D_DROPPED, NULL, 0},
    {"event6_sinkhole_http", "extra.infection", D_DROPPED, NULL, 0},
    {"event4_microsoft_sinkhole", "malware.name", D_SAME_AS, "extra.infection",
     0},
    {"event6_sinkhole_http", "classification.identifier", D_SAME_AS,
     "extra.infection", 0},
    /* identifiers the 2023 config took from tag; now from the empty infection
     */
    {"event4_sinkhole_http", "classification.identifier", D_EMPTY, NULL, 0},
    {"event4_sinkhole_http_referer", "classification.identifier", D_EMPTY, NULL,
     0},
    /* classification changed in the schema's constant fields */
    {"event4_sinkhole_http_referer", "classification.type", D_CONST, NULL, 0},
    {"event4_sinkhole_http_referer", "classification.taxonomy", D_CONST, NULL,
     0},
    {"scan_couchdb", "classification.type", D_CONST, NULL, 0},
    {"scan_couchdb", "classification.taxonomy", D_CONST, NULL, 0},
    {"scan_mysql", "classification.type", D_CONST, NULL, 0},
    {"scan_mysql", "classification.taxonomy", D_CONST, NULL, 0},
    {"scan_postgres", "classification.type", D_CONST, NULL, 0},
    {"scan_postgres", "classification.taxonomy", D_CONST, NULL, 0},
    {"scan_ssl_freak", "classification.type", D_CONST, NULL, 0},
    {"scan_ssl_poodle", "classification.type", D_CONST, NULL, 0},
    {"scan_http_vulnerable", "classification.identifier", D_CONST, NULL, 0},
    /* columns the schema no longer maps (no conversion: text under extra) */
    {"*", "extra.sic", D_RAW, NULL, 0},
    {"*", "extra.size", D_RAW, NULL, 0},
    {"scan_smb", "extra.smb_implant", D_RAW, NULL, 0},
    /* Shadowserver's \" inside quoted fields (Python's csv keeps the
     * backslashes and drops one quote) */
    {"population_http_proxy", "extra.proxy_authenticate", D_UNESCAPED, NULL, 0},
    {"scan_http_vulnerable", "extra.www_authenticate", D_UNESCAPED, NULL, 0},
    {"scan_mdns", "extra.http_info", D_UNESCAPED, NULL, 0},
    /* phish_url is not in the current schema: the built-in mapping reads it
     * and gives no identifier, and takes host as source.fqdn */
    {"phish_url", "classification.identifier", D_DROPPED, NULL, 0},
};

/* Sample rows vigil rejects on purpose (IntelMQ pads short rows or drops an
 * unparsable address silently). */
static const struct {
    const char *report;
    uint64_t line;
    const char *why;
} known_rejects[] = {
    {"event4_honeypot_ddos", 2, "expected 60 columns"},
    {"event4_honeypot_ddos", 3, "expected 60 columns"},
    {"event4_honeypot_ddos", 4, "expected 60 columns"},
    {"event4_microsoft_sinkhole", 7, "expected 30 columns"},
    {"scan_rdp", 2, "expected 32 columns"},
    {"scan_rdp", 3, "expected 32 columns"},
    {"scan_synfulknock", 4, "expected 19 columns"},
    {"event4_honeypot_ddos_amp", 6, "not an IP address"},
};

/* The report of the current schema for a type. */
static json_t *schema_report(json_t *schema, const char *type)
{
    const char *k;
    json_t *v;
    json_object_foreach(schema, k, v)
    {
        const char *fn = jget_str(v, "file_name");
        if (fn && strcmp(fn, type) == 0)
            return v;
    }
    return NULL;
}

/* The event field an item of the schema fills (IntelMQ's rules). */
static void item_target(json_t *item, char *out, size_t n)
{
    const char *key = json_string_value(json_array_get(item, 0));
    const char *col = json_string_value(json_array_get(item, 1));
    const struct field_def *def = key ? field_find(key, strlen(key)) : NULL;
    if (!key || !col)
        snprintf(out, n, "-");
    else if (strcmp(key, "extra.") == 0)
        snprintf(out, n, "extra.%s", col);
    else if (strncmp(key, "extra.", 6) == 0 ||
             (def && def->type != FT_JSONDICT))
        snprintf(out, n, "%s", key);
    else
        snprintf(out, n, "extra.%s", key);
}

/* 1 when some item of the report fills `field`; its column in *col. */
static int schema_fills(json_t *rep, const char *field, const char **col)
{
    const char *lists[] = {"required_fields", "optional_fields"};
    for (int l = 0; l < 2; l++) {
        size_t k;
        json_t *item;
        json_array_foreach(json_object_get(rep, lists[l]), k, item)
        {
            char t[256];
            item_target(item, t, sizeof t);
            if (strcmp(t, field) == 0) {
                if (col)
                    *col = json_string_value(json_array_get(item, 1));
                return 1;
            }
        }
    }
    return 0;
}

static int schema_uses_column(json_t *rep, const char *column)
{
    const char *lists[] = {"required_fields", "optional_fields"};
    for (int l = 0; l < 2; l++) {
        size_t k;
        json_t *item;
        json_array_foreach(json_object_get(rep, lists[l]), k, item)
        {
            const char *c = json_string_value(json_array_get(item, 1));
            if (c && strcmp(c, column) == 0)
                return 1;
        }
    }
    return 0;
}

/* Values equal as IntelMQ's JSON would compare them (numbers numerically). */
static int same_value(json_t *a, json_t *b)
{
    if (!a || !b)
        return 0;
    if (json_is_number(a) && json_is_number(b))
        return fabs(json_number_value(a) - json_number_value(b)) <=
               1e-9 * fabs(json_number_value(a));
    return json_equal(a, b);
}

/* Same value, or the same text where one side kept a number as text. */
static int loose_value(json_t *a, json_t *b)
{
    char ta[64], tb[64];
    if (same_value(a, b))
        return 1;
    if (!a || !b)
        return 0;
    if (json_is_string(a) &&
        json_is_string(b)) /* malware.name is lower-cased */
        return strcasecmp(json_string_value(a), json_string_value(b)) == 0;
    if (json_is_integer(a) && json_is_string(b)) {
        snprintf(ta, sizeof ta, "%lld", (long long)json_integer_value(a));
        return strcmp(ta, json_string_value(b)) == 0;
    }
    if (json_is_string(a) && json_is_integer(b)) {
        snprintf(tb, sizeof tb, "%lld", (long long)json_integer_value(b));
        return strcmp(json_string_value(a), tb) == 0;
    }
    return 0;
}

static void strip_chars(const char *s, const char *drop, char *out, size_t n)
{
    size_t o = 0;
    for (; *s && o + 1 < n; s++)
        if (!strchr(drop, *s))
            out[o++] = *s;
    out[o] = '\0';
}

/* A mismatch must be a listed difference that the schema explains. */
static void check_diff(json_t *rep, const char *type, const char *key,
                       json_t *want, json_t *exp_event, json_t *got)
{
    struct diff *d = NULL;
    json_t *have = json_object_get(got, key);
    for (size_t k = 0; k < sizeof diffs / sizeof diffs[0] && !d; k++)
        if ((strcmp(diffs[k].report, "*") == 0 ||
             strcmp(diffs[k].report, type) == 0) &&
            strcmp(diffs[k].key, key) == 0)
            d = &diffs[k];
    if (!d) {
        char *w = json_dumps(want, JSON_ENCODE_ANY),
             *h = have ? json_dumps(have, JSON_ENCODE_ANY) : NULL;
        fail_msg("%s: %s: expected %s, got %s (not a listed schema difference)",
                 type, key, w, h ? h : "nothing");
    }
    d->used = 1;
    const char *col = NULL;
    switch (d->kind) {
    case D_FEED: {
        /* a report the schema lacks is named by the built-in table */
        const char *feed = jget_str(rep, "feed_name");
        assert_non_null(have);
        assert_string_equal(json_string_value(have),
                            feed ? feed : ss_builtin_feed_name(type));
        break;
    }
    case D_CONST: {
        const char *c = jget_str(json_object_get(rep, "constant_fields"), key);
        if (!c)
            fail_msg("%s: %s: the schema has no constant for it", type, key);
        assert_non_null(have);
        if (strcasecmp(json_string_value(have), c) != 0)
            fail_msg("%s: %s: got %s, schema constant %s", type, key,
                     json_string_value(have), c);
        break;
    }
    case D_RENAMED: {
        json_t *moved = json_object_get(got, d->to);
        if (!loose_value(want, moved))
            fail_msg("%s: %s moved to %s but the value differs", type, key,
                     d->to);
        if (schema_fills(rep, key, NULL) && have)
            fail_msg("%s: %s is still produced", type, key);
        /* the new place is an item of the schema or an unmapped column */
        if (!schema_fills(rep, d->to, NULL) &&
            !(strncmp(d->to, "extra.", 6) == 0 &&
              !schema_uses_column(rep, d->to + 6)))
            fail_msg("%s: the schema does not fill %s", type, d->to);
        break;
    }
    case D_DROPPED:
        assert_null(have);
        if (schema_fills(rep, key, NULL))
            fail_msg("%s: the schema still fills %s", type, key);
        break;
    case D_EMPTY:
        assert_null(have);
        if (!schema_fills(rep, key, &col))
            fail_msg("%s: the schema does not fill %s", type, key);
        break;
    case D_RAW:
        if (!have || !json_is_string(have))
            fail_msg("%s: %s should be the column's text", type, key);
        if (schema_uses_column(rep, key + 6))
            fail_msg("%s: the schema maps column %s", type, key + 6);
        break;
    case D_SAME_AS: {
        json_t *other = json_object_get(exp_event, d->to);
        assert_non_null(other);
        assert_non_null(have);
        if (strcasecmp(json_string_value(have), json_string_value(other)) != 0)
            fail_msg("%s: %s is %s, expected the value of %s", type, key,
                     json_string_value(have), d->to);
        if (!schema_fills(rep, key, &col) && strcmp(key, "malware.name") != 0)
            fail_msg("%s: the schema does not fill %s", type, key);
        break;
    }
    case D_UNESCAPED: {
        char a[4096], b[4096];
        assert_non_null(have);
        assert_null(strchr(json_string_value(have), '\\'));
        strip_chars(json_string_value(want), "\\\"", a, sizeof a);
        strip_chars(json_string_value(have), "\\\"", b, sizeof b);
        assert_string_equal(a, b);
        break;
    }
    }
}

struct totals {
    size_t files, expected, matched, fields, equal, differ, rejected;
};

static json_t *load_json(const char *path)
{
    json_error_t je;
    json_t *j = json_load_file(path, 0, &je);
    if (!j)
        fail_msg("%s: %s", path, je.text);
    return j;
}

/* The report type of an expected file, from its report's file name. */
static int expected_type(json_t *doc, char *type, size_t n)
{
    const char *fn =
        jget_str(json_object_get(doc, "EXAMPLE_REPORT"), "extra.file_name");
    return fn ? ss_type_from_filename(fn, type, n) : -1;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Expected files, sorted, without the HEAD_ ones (a test schema of their
 * own). */
static size_t expected_files(char ***out)
{
    char dir[1024];
    snprintf(dir, sizeof dir, "%s/shadowserver/expected", samples());
    DIR *d = opendir(dir);
    char **names = NULL;
    size_t n = 0;
    struct dirent *de;
    assert_non_null(d);
    while ((de = readdir(d))) {
        if (strncmp(de->d_name, "test_", 5) != 0 ||
            !strstr(de->d_name, ".expected_events"))
            continue;
        names = realloc(names, (n + 1) * sizeof *names);
        size_t len = strlen(dir) + strlen(de->d_name) + 2;
        names[n] = malloc(len);
        snprintf(names[n++], len, "%s/%s", dir, de->d_name);
    }
    closedir(d);
    qsort(names, n, sizeof *names, cmp_str);
    *out = names;
    return n;
}

static void test_conformance(void **state)
{
    (void)state;
    char schema_path[1024];
    if (!have_samples(schema_path, sizeof schema_path))
        skip();
    unsetenv("VIGIL_SHADOWSERVER_SCHEMA");
    json_t *schema = load_json(schema_path), *none = json_object();
    char **files;
    size_t nfiles = expected_files(&files);
    struct totals t = {0};
    int seen_family[6] = {0};
    static const char *families[] = {"event4_sinkhole",
                                     "event4_sinkhole_http",
                                     "event4_microsoft_sinkhole",
                                     "compromised_website",
                                     "honeypot",
                                     "scan_"};
    for (size_t f = 0; f < nfiles; f++) {
        json_t *doc = load_json(files[f]);
        char type[128], csv[1024];
        assert_int_equal(expected_type(doc, type, sizeof type), 0);
        snprintf(csv, sizeof csv, "%s/shadowserver/testdata/%s.csv", samples(),
                 type);
        if (access(csv, R_OK) != 0) {
            json_decref(doc);
            continue;
        }
        json_t *rep = schema_report(schema, type);
        struct format_options opt = {0};
        opt.schema_path = schema_path;
        struct got g = {0};
        struct vg_err err = {0, ""};
        if (run_file(csv, &opt, &g, &err))
            fail_msg("%s: %s", csv, err.msg);
        json_t *events = json_object_get(doc, "EVENTS");
        size_t i, matched = 0, fields = 0, equal = 0, differ = 0, rejected = 0;
        json_t *exp;
        json_array_foreach(events, i, exp)
        {
            const char *raw = jget_str(exp, "raw");
            json_t *got = NULL;
            assert_non_null(raw);
            for (size_t k = 0; k < g.nev && !got; k++) {
                json_t *e = ev_json(&g, k);
                if (strcmp(jget_str(e, "raw"), raw) == 0)
                    got = e;
                else
                    json_decref(e);
            }
            if (!got) {
                /* then vigil must have rejected that row on purpose */
                int ok = 0;
                for (size_t r = 0; r < g.nrej && !ok; r++)
                    for (size_t q = 0;
                         q < sizeof known_rejects / sizeof known_rejects[0];
                         q++)
                        if (strcmp(known_rejects[q].report, type) == 0 &&
                            known_rejects[q].line == g.rej_line[r] &&
                            strstr(g.rej_reason[r], known_rejects[q].why))
                            ok = 1;
                if (!ok)
                    fail_msg("%s: expected event %zu has no output and no "
                             "listed reject",
                             type, i);
                rejected++;
                continue;
            }
            matched++;
            const char *key;
            json_t *want;
            json_object_foreach(exp, key, want)
            {
                if (strcmp(key, "__type") == 0 ||
                    strcmp(key, "time.observation") == 0)
                    continue; /* set by IntelMQ's report, not by the parser */
                fields++;
                if (same_value(want, json_object_get(got, key))) {
                    equal++;
                    continue;
                }
                differ++;
                if (!rep && strcmp(type, "phish_url") != 0)
                    fail_msg("%s: not in the schema", type);
                check_diff(rep ? rep : none, type, key, want, exp, got);
            }
            json_decref(got);
        }
        /* every rejected row is a listed one */
        for (size_t r = 0; r < g.nrej; r++) {
            int ok = 0;
            for (size_t q = 0;
                 q < sizeof known_rejects / sizeof known_rejects[0]; q++)
                ok |= strcmp(known_rejects[q].report, type) == 0 &&
                      known_rejects[q].line == g.rej_line[r];
            if (!ok)
                fail_msg("%s:%llu rejected: %s", type,
                         (unsigned long long)g.rej_line[r], g.rej_reason[r]);
        }
        printf(
            "  %-32s %2zu expected, %2zu matched, %3zu/%3zu fields equal, %2zu "
            "schema "
            "differences, %zu rejected on purpose (%zu events, %zu rejects)\n",
            type, json_array_size(events), matched, equal, fields, differ,
            rejected, g.nev, g.nrej);
        for (size_t k = 0; k < 6 && matched; k++)
            if (k == 4   ? strstr(type, families[k]) != NULL
                : k == 5 ? strncmp(type, families[k], 5) == 0
                         : strcmp(type, families[k]) == 0)
                seen_family[k] = 1;
        t.files++;
        t.expected += json_array_size(events);
        t.matched += matched;
        t.fields += fields;
        t.equal += equal;
        t.differ += differ;
        t.rejected += rejected;
        got_free(&g);
        json_decref(doc);
    }
    printf("  total: %zu files, %zu expected events, %zu matched, %zu rejected "
           "on purpose; "
           "%zu of %zu fields equal, %zu explained by the current schema\n",
           t.files, t.expected, t.matched, t.rejected, t.equal, t.fields,
           t.differ);
    for (size_t k = 0; k < sizeof diffs / sizeof diffs[0]; k++)
        if (!diffs[k].used)
            fail_msg("listed difference %s %s no longer occurs",
                     diffs[k].report, diffs[k].key);
    for (size_t k = 0; k < 6; k++)
        if (!seen_family[k])
            fail_msg("no sample of %s", families[k]);
    assert_true(t.files >= 90);
    assert_true(t.matched * 100 >= t.expected * 95);
    for (size_t f = 0; f < nfiles; f++)
        free(files[f]);
    free(files);
    json_decref(schema);
    json_decref(none);
}

/* The built-in mapping gives the same core fields as the schema. */
static void test_builtin_vs_schema(void **state)
{
    (void)state;
    static const char *core[] = {"time.source",         "source.ip",
                                 "source.port",         "malware.name",
                                 "classification.type", "feed.name"};
    char schema_path[1024], dir[1024];
    if (!have_samples(schema_path, sizeof schema_path))
        skip();
    unsetenv("VIGIL_SHADOWSERVER_SCHEMA");
    snprintf(dir, sizeof dir, "%s/shadowserver/testdata", samples());
    DIR *d = opendir(dir);
    assert_non_null(d);
    struct dirent *de;
    size_t files = 0, events = 0, compared = 0;
    while ((de = readdir(d))) {
        size_t n = strlen(de->d_name);
        if (n < 5 || strcmp(de->d_name + n - 4, ".csv") != 0)
            continue;
        char path[2048];
        snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
        struct format_options with = {0}, without = {0};
        with.schema_path = schema_path;
        struct got a = {0}, b = {0};
        struct vg_err err = {0, ""};
        assert_int_equal(run_file(path, &with, &a, &err), 0);
        assert_int_equal(run_file(path, &without, &b, &err), 0);
        if (a.nev != b.nev || a.nrej != b.nrej)
            fail_msg("%s: schema %zu events %zu rejects, built-in %zu events "
                     "%zu rejects",
                     de->d_name, a.nev, a.nrej, b.nev, b.nrej);
        for (size_t k = 0; k < a.nev; k++) {
            json_t *x = ev_json(&a, k), *y = ev_json(&b, k);
            assert_string_equal(jget_str(x, "raw"), jget_str(y, "raw"));
            for (size_t c = 0; c < sizeof core / sizeof core[0]; c++) {
                json_t *vx = json_object_get(x, core[c]),
                       *vy = json_object_get(y, core[c]);
                if (!(vx == NULL && vy == NULL) && !same_value(vx, vy))
                    fail_msg("%s event %zu: %s: schema %s, built-in %s",
                             de->d_name, k, core[c],
                             vx ? json_string_value(vx) : "(none)",
                             vy ? json_string_value(vy) : "(none)");
                compared++;
            }
            json_decref(x);
            json_decref(y);
        }
        files++;
        events += a.nev;
        got_free(&a);
        got_free(&b);
    }
    closedir(d);
    printf("  built-in mapping: %zu files, %zu events, %zu core fields equal "
           "to the schema's\n",
           files, events, compared);
    assert_true(files >= 90);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_filename),
        cmocka_unit_test(test_schema_path),
        cmocka_unit_test(test_detect),
        cmocka_unit_test(test_records),
        cmocka_unit_test(test_edges),
        cmocka_unit_test(test_sink_stop),
        cmocka_unit_test(test_conversions),
        cmocka_unit_test(test_conformance),
        cmocka_unit_test(test_builtin_vs_schema),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
