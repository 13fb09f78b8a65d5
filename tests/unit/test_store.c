/*
 * test_store.c — the aggregator, the SQLite store and landscape queries,
 * on hand-made observations (no enrichment data needed).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zstd.h>

#include "core/vtime.h"
#include "landscape/landscape.h"
#include "pipeline/aggregate.h"
#include "store/store.h"

static char dbpath[64];

static int setup(void **state)
{
    (void)state;
    snprintf(dbpath, sizeof dbpath, "/tmp/vigil-test-store-%d.db", (int)getpid());
    unlink(dbpath);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    char p[80];
    unlink(dbpath);
    snprintf(p, sizeof p, "%s-wal", dbpath);
    unlink(p);
    snprintf(p, sizeof p, "%s-shm", dbpath);
    unlink(p);
    snprintf(p, sizeof p, "%s.archive.zst", dbpath);
    unlink(p);
    return 0;
}

static void add(struct agg *a, const char *ip, int day, const char *family, const char *cc,
                const char *region, uint32_t asn, int times)
{
    struct ip_addr addr;
    assert_int_equal(ip_parse(ip, strlen(ip), &addr), 0);
    for (int k = 0; k < times; k++) {
        int is_new;
        int64_t us = (int64_t)day * VT_US_PER_DAY + k * 1000000;
        struct agg_entry *e = agg_add(a, day, &addr, agg_intern(a, "infected-system", 15),
                                      agg_intern(a, family, strlen(family)),
                                      agg_intern(a, "ctip", 4), agg_intern(a, "AMBER", 5), us,
                                      &is_new);
        assert_non_null(e);
        assert_int_equal(is_new, k == 0);
        if (is_new) {
            e->asn = asn;
            e->cc = agg_intern(a, cc, strlen(cc));
            e->region = agg_intern(a, region, strlen(region));
        }
    }
}

static int64_t find_row(const struct landscape_result *r, size_t key, const char *s, int64_t i,
                        uint64_t *events)
{
    for (size_t k = 0; k < r->nrows; k++) {
        const struct landscape_cell *c = &r->rows[k].cells[key];
        if ((s && c->s && strcmp(c->s, s) == 0) || (!s && c->i == i)) {
            *events = r->rows[k].events;
            return (int64_t)r->rows[k].ips;
        }
    }
    return -1;
}

static void test_roundtrip(void **state)
{
    (void)state;
    struct vg_err err = {0};
    struct store *st;
    struct agg *a;
    assert_int_equal(store_open(&st, dbpath, STORE_RW, &err), 0);
    assert_int_equal(agg_new(&a, 4, &err), 0); /* tiny: forces several flushes */
    assert_int_equal(store_begin(st, &err), 0);
    int64_t id;
    struct store_file f = {.name = "t", .format = "ctip", .started_us = 1};
    assert_int_equal(store_file_add(st, &f, &id, &err), 0);
    int d0 = 20000;
    add(a, "1.1.1.1", d0, "mirai", "VN", "Hanoi", 45899, 3);
    add(a, "1.1.1.1", d0 + 1, "mirai", "VN", "Hanoi", 45899, 2);
    add(a, "2.2.2.2", d0, "mirai", "VN", "Da Nang", 7552, 1);
    add(a, "2.2.2.2", d0, "conficker", "VN", "Da Nang", 7552, 4);
    assert_int_equal(agg_flush(a, st, NULL, &err), 0);
    add(a, "2001:db8::1", d0 + 1, "conficker", "AT", "Vienna", 64496, 1);
    add(a, "1.1.1.1", d0, "mirai", "VN", "Hanoi", 45899, 5); /* same key again: summed */
    size_t written;
    assert_int_equal(agg_flush(a, st, &written, &err), 0);
    assert_int_equal(written, 2);
    assert_int_equal(store_asn_put(st, 45899, "VNPT Corp", &err), 0);
    f.sha256 = "abc";
    f.finished_us = 2;
    assert_int_equal(store_file_finish(st, id, &f, &err), 0);
    assert_int_equal(store_commit(st, &err), 0);
    int exists;
    assert_int_equal(store_file_exists(st, "abc", &exists, &err), 0);
    assert_true(exists);
    assert_int_equal(store_file_exists(st, "abd", &exists, &err), 0);
    assert_false(exists);

    /* a rolled-back transaction leaves nothing */
    assert_int_equal(store_begin(st, &err), 0);
    add(a, "9.9.9.9", d0, "mirai", "VN", "Hanoi", 45899, 1);
    assert_int_equal(agg_flush(a, st, NULL, &err), 0);
    store_rollback(st);
    store_close(st);
    agg_free(a);

    assert_int_equal(store_open(&st, dbpath, STORE_RO, &err), 0);
    struct landscape_query q;
    struct landscape_result r;
    uint64_t ev;
    landscape_query_init(&q);
    assert_int_equal(landscape_parse_keys("family", &q, &err), 0);
    assert_int_equal(landscape_run(st, &q, &r, &err), 0);
    assert_int_equal(r.nrows, 2);
    assert_int_equal(find_row(&r, 0, "mirai", 0, &ev), 2);
    assert_int_equal(ev, 3 + 2 + 1 + 5);
    assert_int_equal(find_row(&r, 0, "conficker", 0, &ev), 2);
    assert_int_equal(ev, 5);
    assert_int_equal(r.total_ips, 3);
    assert_int_equal(r.total_events, 16);
    landscape_result_free(&r);

    /* by asn, country filter, day range */
    landscape_query_init(&q);
    landscape_parse_keys("asn,day", &q, &err);
    strcpy(q.country, "VN");
    q.from_day = d0;
    q.to_day = d0;
    assert_int_equal(landscape_run(st, &q, &r, &err), 0);
    assert_int_equal(r.total_ips, 2);
    assert_int_equal(find_row(&r, 0, NULL, 45899, &ev), 1);
    assert_int_equal(ev, 8);
    assert_string_equal(r.rows[0].cells[0].s[0] ? "named" : "", "named");
    struct vg_buf out = VG_BUF_INIT;
    assert_int_equal(landscape_write_json(&q, &r, &out), 0);
    assert_non_null(strstr(out.data, "\"asn\":45899,\"as_name\":\"VNPT Corp\",\"day\":\""));
    assert_non_null(strstr(out.data, "\"total\":{\"ips\":2,\"events\":13}"));
    vg_buf_free(&out);
    landscape_result_free(&r);

    /* top cuts rows, not the total */
    landscape_query_init(&q);
    landscape_parse_keys("region", &q, &err);
    q.top = 1;
    assert_int_equal(landscape_run(st, &q, &r, &err), 0);
    assert_int_equal(r.nrows, 1);
    assert_int_equal(r.total_ips, 3);
    landscape_result_free(&r);

    assert_int_not_equal(landscape_parse_keys("family,bogus", &q, &err), 0);
    assert_int_not_equal(landscape_parse_keys("day,day", &q, &err), 0);
    store_close(st);
}

/* A record standing for several events (agg_add_span) adds its count and
 * widens first/last seen like that many single events. */
static void test_span(void **state)
{
    (void)state;
    struct agg *a;
    struct vg_err err = {0};
    struct ip_addr ip;
    int is_new;
    assert_int_equal(agg_new(&a, 0, &err), 0);
    assert_int_equal(ip_parse("192.0.2.9", 9, &ip), 0);
    uint32_t t = agg_intern(a, "infected-system", 15), f = agg_intern(a, "zeus", 4);
    uint32_t feed = agg_intern(a, "ctip", 4), tlp = agg_intern(a, "RED", 3);
    int64_t day0 = 20000 * VT_US_PER_DAY;
    struct agg_entry *e = agg_add_span(a, 20000, &ip, t, f, feed, tlp, day0 + 100, day0 + 500, 7,
                                       &is_new);
    assert_non_null(e);
    assert_int_equal(is_new, 1);
    e = agg_add(a, 20000, &ip, t, f, feed, tlp, day0 + 50, &is_new);
    assert_int_equal(is_new, 0);
    e = agg_add_span(a, 20000, &ip, t, f, feed, tlp, day0 + 200, day0 + 900, 3, &is_new);
    assert_int_equal(is_new, 0);
    assert_int_equal(e->events, 11);
    assert_int_equal(e->first_us, day0 + 50);
    assert_int_equal(e->last_us, day0 + 900);
    assert_int_equal(agg_count(a), 1);
    agg_free(a);
}

/* The raw archive: frames of one input, read back in order and whole; a
 * rolled-back transaction's frames are cut off by the next one; a database
 * in memory keeps them in the table. */
struct blocks {
    char text[256];
    size_t len, n;
    uint64_t first[8], last[8];
};

static int collect_block(void *ctx, const struct store_archive_block *b, const char *raw,
                         size_t len)
{
    struct blocks *c = ctx;
    assert_true(c->len + len < sizeof c->text && c->n < 8);
    memcpy(c->text + c->len, raw, len);
    c->len += len;
    c->first[c->n] = b->first_line;
    c->last[c->n++] = b->last_line;
    return 0;
}

static void put_block(struct store *st, int64_t file, uint64_t first, uint64_t last,
                      const char *raw)
{
    char z[512];
    struct vg_err err = {0};
    size_t n = ZSTD_compress(z, sizeof z, raw, strlen(raw), 1);
    assert_false(ZSTD_isError(n));
    assert_int_equal(store_archive_put(st, file, first, last, (uint32_t)(last - first + 1),
                                       strlen(raw), z, n, &err),
                     0);
}

static void archive_case(const char *path)
{
    struct store *st;
    struct vg_err err = {0};
    int64_t file, file2;
    struct store_file f = {.name = "a.json", .format = "ctip", .started_us = 1};
    assert_int_equal(store_open(&st, path, STORE_RW, &err), 0);
    assert_int_equal(store_begin(st, &err), 0);
    assert_int_equal(store_file_add(st, &f, &file, &err), 0);
    put_block(st, file, 1, 2, "one\ntwo\n");
    put_block(st, file, 4, 4, "four\n");
    assert_int_equal(store_commit(st, &err), 0);
    /* a transaction that does not commit */
    assert_int_equal(store_begin(st, &err), 0);
    assert_int_equal(store_file_add(st, &f, &file2, &err), 0);
    put_block(st, file2, 1, 1, "lost\n");
    store_rollback(st);
    assert_int_equal(store_begin(st, &err), 0);
    assert_int_equal(store_file_add(st, &f, &file2, &err), 0);
    put_block(st, file2, 1, 3, "x\ny\nz\n");
    assert_int_equal(store_commit(st, &err), 0);

    struct blocks c = {0};
    assert_int_equal(store_archive_read(st, file, collect_block, &c, &err), 0);
    assert_int_equal(c.n, 2);
    assert_int_equal(c.len, 13);
    assert_memory_equal(c.text, "one\ntwo\nfour\n", 13);
    assert_int_equal(c.first[1], 4);
    assert_int_equal(c.last[0], 2);
    memset(&c, 0, sizeof c);
    assert_int_equal(store_archive_read(st, file2, collect_block, &c, &err), 0);
    assert_int_equal(c.n, 1);
    assert_memory_equal(c.text, "x\ny\nz\n", 6);
    store_close(st);
    if (*path == ':')
        return;
    /* the file is the committed frames, nothing more: a zstd stream of
     * every archived record */
    char ap[96], out[64];
    snprintf(ap, sizeof ap, "%s.archive.zst", path);
    FILE *fp = fopen(ap, "rb");
    assert_non_null(fp);
    char z[1024];
    size_t zn = fread(z, 1, sizeof z, fp);
    fclose(fp);
    size_t n = ZSTD_decompress(out, sizeof out, z, zn);
    assert_false(ZSTD_isError(n));
    assert_int_equal(n, 19);
    assert_memory_equal(out, "one\ntwo\nfour\nx\ny\nz\n", 19);
    /* a reader opens the file read-only */
    assert_int_equal(store_open(&st, path, STORE_RO, &err), 0);
    memset(&c, 0, sizeof c);
    assert_int_equal(store_archive_read(st, file2, collect_block, &c, &err), 0);
    assert_int_equal(c.len, 6);
    store_close(st);
    /* a missing file is an error, not silence */
    unlink(ap);
    assert_int_equal(store_open(&st, path, STORE_RO, &err), 0);
    assert_int_not_equal(store_archive_read(st, file, collect_block, &c, &err), 0);
    assert_non_null(strstr(err.msg, "missing"));
    store_close(st);
}

static void test_archive(void **state)
{
    (void)state;
    archive_case(dbpath);
    archive_case(":memory:");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_roundtrip, setup, teardown),
        cmocka_unit_test(test_span),
        cmocka_unit_test_setup_teardown(test_archive, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
