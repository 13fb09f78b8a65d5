/*
 * test_event.c — the harmonisation table, field setting, IntelMQ-style
 * sanitising and the JSON writer.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "event/tlp.h"
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

static char *json_of(const struct event *ev)
{
    struct vg_buf b = VG_BUF_INIT;
    assert_int_equal(event_write_json(ev, &b), 0);
    return b.data;
}

/* Names resolved once, set through event_put_*, are the same fields as
 * those set by name. */
static void test_named(void **state)
{
    (void)state;
    struct ev_name ip, port, extra, acc, tor, raw, bad;
    struct event ev;
    struct vg_err err;
    assert_int_equal(event_name_init(&ip, "source.ip", 9), 0);
    assert_int_equal(event_name_init(&port, "source.port", 11), 0);
    assert_int_equal(event_name_init(&extra, "extra.payload.family", 20), 0);
    assert_int_equal(event_name_init(&acc, "feed.accuracy", 13), 0);
    assert_int_equal(event_name_init(&tor, "source.tor_node", 15), 0);
    assert_int_equal(event_name_init(&raw, "raw", 3), 0);
    assert_int_not_equal(event_name_init(&bad, "source.bogus", 12), 0);
    assert_int_not_equal(event_name_init(&bad, "extra", 5), 0);
    assert_int_not_equal(event_name_init(&bad, "extra.", 6), 0);
    assert_int_not_equal(event_name_init(&bad, "extra.a\"b", 9), 0);
    assert_int_not_equal(event_name_init(&bad, "extra.a\nb", 9), 0);
    event_init(&ev);
    assert_int_equal(event_put_str(&ev, &ip, "::ffff:192.0.2.1", 16), 0);
    assert_int_equal(event_put_str(&ev, &port, "8080", 4), 0);
    assert_int_equal(event_put_str(&ev, &extra, "tinba", 5), 0);
    assert_int_equal(event_put_float(&ev, &acc, 50), 0);
    assert_int_equal(event_put_bool(&ev, &tor, 1), 0);
    char *buf = event_put_str_buf(&ev, &raw, 4);
    assert_non_null(buf);
    memcpy(buf, "YWJj", 4);
    /* by name and by resolved name: one field */
    assert_int_equal(event_set_cstr(&ev, "extra.payload.family", "necurs"), 0);
    assert_int_equal(event_put_int(&ev, &port, 443), 0);
    assert_int_equal(ev.n, 6);
    assert_string_equal(event_get_str(&ev, "extra.payload.family"), "necurs");
    assert_int_equal(event_get(&ev, "source.port")->i, 443);
    assert_int_equal(event_validate(&ev, &err), 0);
    char *j = json_of(&ev);
    assert_string_equal(j, "{\"extra.payload.family\":\"necurs\",\"feed.accuracy\":50.0,"
                           "\"raw\":\"YWJj\",\"source.ip\":\"192.0.2.1\",\"source.port\":443,"
                           "\"source.tor_node\":true}");
    free(j);
    /* more fields than the index holds are still found */
    event_clear(&ev);
    char name[32];
    for (int k = 0; k < 300; k++) {
        snprintf(name, sizeof name, "extra.f%d", k);
        assert_int_equal(event_set_int(&ev, name, k), 0);
    }
    assert_int_equal(event_put_str(&ev, &extra, "x", 1), 0);
    assert_int_equal(event_put_str(&ev, &extra, "y", 1), 0);
    assert_int_equal(ev.n, 301);
    assert_string_equal(event_get_str(&ev, "extra.payload.family"), "y");
    assert_int_equal(event_get(&ev, "extra.f299")->i, 299);
    event_free(&ev);
}

/* A canonical value skips validation, until it is set again. */
static void test_canonical(void **state)
{
    (void)state;
    struct ev_name t;
    struct event ev;
    struct vg_err err;
    event_init(&ev);
    assert_int_equal(event_name_init(&t, "time.source", 11), 0);
    assert_int_equal(event_put_canonical(&ev, &t, "2020-05-24T22:45:28+00:00", 25), 0);
    assert_true(event_get(&ev, "time.source")->flags & EVF_CANONICAL);
    assert_int_equal(event_validate(&ev, &err), 0);
    /* the setter vouches: validation does not look (the contract) */
    assert_int_equal(event_put_canonical(&ev, &t, "garbage", 7), 0);
    assert_int_equal(event_validate(&ev, &err), 0);
    /* any other set clears the promise */
    assert_int_equal(event_set_cstr(&ev, "time.source", "garbage"), 0);
    assert_false(event_get(&ev, "time.source")->flags & EVF_CANONICAL);
    assert_int_not_equal(event_validate(&ev, &err), 0);
    assert_int_equal(event_put_canonical(&ev, &t, "x", 1), 0);
    assert_int_equal(event_put_str(&ev, &t, "2020-05-24 22:45:28", 19), 0);
    assert_int_equal(event_validate(&ev, &err), 0);
    assert_string_equal(event_get_str(&ev, "time.source"), "2020-05-24T22:45:28+00:00");
    event_free(&ev);
}

/* event_restore takes back sets, overwrites and removes since event_save. */
static void test_save_restore(void **state)
{
    (void)state;
    struct event ev;
    struct vg_buf save = VG_BUF_INIT;
    event_init(&ev);
    assert_int_equal(event_set_cstr(&ev, "source.ip", "192.0.2.1"), 0);
    assert_int_equal(event_set_cstr(&ev, "extra.user_agent", "a"), 0);
    assert_int_equal(event_set_int(&ev, "extra.n", 1), 0);
    char *before = json_of(&ev);
    assert_int_equal(event_save(&ev, &save), 0);
    assert_int_equal(event_set_cstr(&ev, "extra.user_agent", "b"), 0);
    assert_int_equal(event_remove(&ev, "extra.n"), 0);
    for (int k = 0; k < 200; k++) {
        char name[32];
        snprintf(name, sizeof name, "extra.g%d", k);
        assert_int_equal(event_set_int(&ev, name, k), 0);
    }
    event_restore(&ev, &save);
    char *after = json_of(&ev);
    assert_string_equal(before, after);
    assert_null(event_get(&ev, "extra.g0"));
    assert_int_equal(event_get(&ev, "extra.n")->i, 1);
    /* and the restored event goes on as usual */
    assert_int_equal(event_set_cstr(&ev, "extra.g0", "z"), 0);
    assert_string_equal(event_get_str(&ev, "extra.g0"), "z");
    assert_int_equal(ev.n, 4);
    free(before);
    free(after);
    vg_buf_free(&save);
    event_free(&ev);
}

/* Integers held as strings, case mapping of non-ASCII bytes, and the
 * classification vocabulary. */
static void test_sanitise_details(void **state)
{
    (void)state;
    struct event ev;
    struct vg_err err;
    static const struct {
        const char *text;
        long long want; /* 0 with ok 0: refused */
        int ok;
    } ints[] = {
        {"65116", 65116, 1},   {"007", 7, 1},    {"-5", -5, 1},
        {"+5", 5, 1},          {" 5", 5, 1},     {"123456789012345678", 123456789012345678LL, 1},
        {"9223372036854775807", 9223372036854775807LL, 1},
        {"99999999999999999999", 9223372036854775807LL, 1}, /* strtoll saturates */
        {"5 ", 0, 0},          {"0x10", 0, 0},   {"", 0, 0},
        {"123456789012345678901", 0, 0},
    };
    event_init(&ev);
    for (size_t k = 0; k < sizeof ints / sizeof ints[0]; k++) {
        event_clear(&ev);
        assert_int_equal(event_set_cstr(&ev, "source.port", ints[k].text), 0);
        int rc = event_validate(&ev, &err);
        if (ints[k].ok) {
            assert_int_equal(rc, 0);
            assert_int_equal(event_get(&ev, "source.port")->kind, EV_INT);
            assert_true(event_get(&ev, "source.port")->i == ints[k].want);
        } else {
            assert_int_not_equal(rc, 0);
        }
    }
    /* ASCII only: UTF-8 bytes stay as they are */
    event_clear(&ev);
    assert_int_equal(event_set_cstr(&ev, "malware.name", "\xc3\x84" "BC-Z@[`{"), 0);
    assert_int_equal(event_set_cstr(&ev, "source.geolocation.cc", "at\xc3\xa4"), 0);
    assert_int_equal(event_validate(&ev, &err), 0);
    assert_string_equal(event_get_str(&ev, "malware.name"), "\xc3\x84" "bc-z@[`{");
    assert_string_equal(event_get_str(&ev, "source.geolocation.cc"), "AT\xc3\xa4");
    /* the vocabulary is sorted, and every type is found */
    const char *prev = NULL, *t;
    size_t k;
    for (k = 0; (t = field_class_type_at(k)); prev = t, k++) {
        if (prev)
            assert_true(strcmp(prev, t) < 0);
        assert_non_null(field_class_taxonomy(t));
    }
    assert_int_equal(k, 40);
    assert_null(field_class_taxonomy("infected-systemx"));
    assert_null(field_class_taxonomy(""));
    assert_null(field_class_taxonomy("zzz"));
    event_free(&ev);
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

/* The TLP 2.0 table: labels, order, and the published STIX and MISP names. */
static void test_tlp(void **state)
{
    (void)state;
    assert_int_equal(tlp_parse("AMBER+STRICT", 12), TLP_AMBER_STRICT);
    assert_int_equal(tlp_parse("tlp:amber+strict", 16), TLP_AMBER_STRICT);
    assert_int_equal(tlp_parse("TLP:White", 9), TLP_CLEAR);
    assert_int_equal(tlp_parse("clear", 5), TLP_CLEAR);
    assert_int_equal(tlp_parse("Red", 3), TLP_RED);
    assert_int_equal(tlp_parse("AMBER+", 6), TLP_NONE);
    assert_int_equal(tlp_parse("", 0), TLP_NONE);
    assert_int_equal(tlp_parse("YELLOW", 6), TLP_NONE);
    assert_true(TLP_CLEAR < TLP_GREEN && TLP_GREEN < TLP_AMBER && TLP_AMBER < TLP_AMBER_STRICT &&
                TLP_AMBER_STRICT < TLP_RED);
    assert_int_equal(tlp_stricter(TLP_GREEN, TLP_AMBER), TLP_AMBER);
    assert_int_equal(tlp_stricter(TLP_NONE, TLP_GREEN), TLP_GREEN);
    assert_null(tlp_name(TLP_NONE));
    for (int k = TLP_CLEAR; k <= TLP_RED; k++) {
        const char *name = tlp_name((enum tlp_level)k);
        assert_int_equal(tlp_parse(name, strlen(name)), k);
        const char *tag = tlp_misp_tag((enum tlp_level)k);
        assert_int_equal(tlp_parse(tag, strlen(tag)), k);
        assert_int_equal(tlp_from_stix_marking_id(tlp_stix_marking_id((enum tlp_level)k)), k);
    }
    /* the ids OASIS published (cti-stix-common-objects, tlp-2.0) */
    assert_string_equal(tlp_stix_marking_id(TLP_CLEAR),
                        "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487");
    assert_string_equal(tlp_stix_marking_id(TLP_GREEN),
                        "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb");
    assert_string_equal(tlp_stix_marking_id(TLP_AMBER),
                        "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421");
    assert_string_equal(tlp_stix_marking_id(TLP_AMBER_STRICT),
                        "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003");
    assert_string_equal(tlp_stix_marking_id(TLP_RED),
                        "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1");
    /* STIX 2.1 §7.2.1.4's TLP 1.0 markings read as their 2.0 levels */
    assert_int_equal(
        tlp_from_stix_marking_id("marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9"),
        TLP_CLEAR);
    assert_int_equal(
        tlp_from_stix_marking_id("marking-definition--f88d31f6-486f-44da-b317-01333bde0b82"),
        TLP_AMBER);
    assert_int_equal(tlp_from_stix_marking_id("marking-definition--00000000-0000-4000-8000-000000000000"),
                     TLP_NONE);
    assert_string_equal(tlp_stix_value(TLP_AMBER_STRICT), "amber+strict");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_schema),
        cmocka_unit_test(test_sanitise),
        cmocka_unit_test(test_double),
        cmocka_unit_test(test_named),
        cmocka_unit_test(test_canonical),
        cmocka_unit_test(test_save_restore),
        cmocka_unit_test(test_sanitise_details),
        cmocka_unit_test(test_tlp),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
