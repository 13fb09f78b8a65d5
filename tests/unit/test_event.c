/*
 * test_event.c — the harmonisation table, field setting, IntelMQ-style
 * sanitising and the JSON writer.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "event/event.h"

static void test_schema(void **state)
{
    (void)state;
    assert_non_null(field_find("source.ip", 9));
    assert_int_equal(field_find("source.ip", 9)->type, FT_IP);
    assert_int_equal(field_find("malware.name", 12)->type, FT_LOWERCASE);
    assert_int_equal(field_find("extra.payload.family", 20)->type, FT_JSONDICT);
    assert_null(field_find("source.nonsense", 15));
    assert_string_equal(field_class_taxonomy("infected-system"), "malicious-code");
    assert_null(field_class_taxonomy("bogus"));
    size_t n;
    const struct field_def *all = field_all(&n);
    assert_true(n > 70);
    for (size_t k = 1; k < n; k++)
        assert_true(strcmp(all[k - 1].name, all[k].name) < 0);
}

static void test_sanitise(void **state)
{
    (void)state;
    struct event ev;
    struct vg_err err;
    struct vg_buf out = VG_BUF_INIT;
    event_init(&ev);
    assert_int_equal(event_set_cstr(&ev, "source.ip", "::FFFF:1.2.3.4"), 0);
    assert_int_equal(event_set_cstr(&ev, "malware.name", "B67-SS-TINBA"), 0);
    assert_int_equal(event_set_cstr(&ev, "time.source", "2020-05-24 22:45:28"), 0);
    assert_int_equal(event_set_cstr(&ev, "source.port", "65116"), 0);
    assert_int_equal(event_set_cstr(&ev, "tlp", "amber"), 0);
    assert_int_equal(event_set_cstr(&ev, "source.fqdn", "Example.COM."), 0);
    assert_int_equal(event_set_float(&ev, "feed.accuracy", 20), 0);
    assert_int_equal(event_set_int(&ev, "extra.total_encounters", 3), 0);
    assert_int_equal(event_set_json(&ev, "extra.malware", "{\"a\":[1,2]}", 11), 0);
    assert_int_equal(event_set_cstr(&ev, "classification.type", "infected-system"), 0);
    assert_int_not_equal(event_set_cstr(&ev, "source.bogus", "x"), 0);
    assert_int_not_equal(event_set_cstr(&ev, "extra", "x"), 0);
    assert_int_equal(event_validate(&ev, &err), 0);
    assert_int_equal(event_write_json(&ev, &out), 0);
    assert_string_equal(out.data,
                        "{\"classification.type\":\"infected-system\","
                        "\"extra.malware\":{\"a\":[1,2]},\"extra.total_encounters\":3,"
                        "\"feed.accuracy\":20.0,\"malware.name\":\"b67-ss-tinba\","
                        "\"source.fqdn\":\"example.com\",\"source.ip\":\"1.2.3.4\","
                        "\"source.port\":65116,\"time.source\":\"2020-05-24T22:45:28+00:00\","
                        "\"tlp\":\"AMBER\"}");
    /* replace keeps one field */
    assert_int_equal(event_set_cstr(&ev, "source.ip", "5.6.7.8"), 0);
    assert_string_equal(event_get_str(&ev, "source.ip"), "5.6.7.8");
    assert_int_equal(event_remove(&ev, "source.ip"), 0);
    assert_null(event_get(&ev, "source.ip"));
    event_clear(&ev);
    assert_int_equal(ev.n, 0);

    const char *bad[][2] = {
        {"source.ip", "300.1.2.3"},      {"time.source", "yesterday"},
        {"source.asn", "0"},             {"classification.type", "bogus"},
        {"tlp", "YELLOW"},               {"source.port", "eighty"},
        {"feed.accuracy", "101"},        {"source.fqdn", "1.2.3.4"},
    };
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        event_clear(&ev);
        assert_int_equal(event_set_cstr(&ev, bad[k][0], bad[k][1]), 0);
        assert_int_not_equal(event_validate(&ev, &err), 0);
        assert_non_null(strstr(err.msg, bad[k][0]));
    }
    event_free(&ev);
    vg_buf_free(&out);
}

static void test_double(void **state)
{
    (void)state;
    struct vg_buf b = VG_BUF_INIT;
    event_write_double(&b, 48.2);
    vg_buf_putc(&b, ' ');
    event_write_double(&b, 16.3667);
    vg_buf_putc(&b, ' ');
    event_write_double(&b, 0.1 + 0.2);
    vg_buf_putc(&b, ' ');
    event_write_double(&b, 1e300);
    assert_string_equal(b.data, "48.2 16.3667 0.30000000000000004 1e+300");
    vg_buf_reset(&b);
    event_write_double(&b, 20);
    vg_buf_putc(&b, ' ');
    event_write_double(&b, 0.0001);
    vg_buf_putc(&b, ' ');
    event_write_double(&b, 1e16);
    vg_buf_putc(&b, ' ');
    event_write_double(&b, -105.834);
    assert_string_equal(b.data, "20.0 0.0001 1e+16 -105.834");
    vg_buf_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_schema),
        cmocka_unit_test(test_sanitise),
        cmocka_unit_test(test_double),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
