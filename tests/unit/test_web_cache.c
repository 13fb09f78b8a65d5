/*
 * test_web_cache.c — the answer cache (src/web/cache.h): hits, exact
 * invalidation by data version, keys that differ only in the scope part,
 * the memory bound, held entries surviving eviction, and one computation
 * per question when threads ask at once.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "web/cache.h"

static struct web_cache *make(size_t bytes)
{
    struct web_cache *c;
    struct vg_err err = {0};
    assert_int_equal(web_cache_new(&c, bytes, &err), 0);
    assert_non_null(c);
    return c;
}

/* Look key up at version v; on a miss fill it with body. */
static int ask(struct web_cache *c, const char *key, uint64_t v, const char *body)
{
    struct web_cache_entry *e;
    int r = web_cache_lookup(c, key, strlen(key) + 1, v, &e);
    if (r == WEB_CACHE_HIT) {
        assert_int_equal(e->len, strlen(body));
        assert_memory_equal(e->body, body, e->len);
        assert_int_equal(e->status, 200);
        /* the audit figures travel with the answer */
        assert_int_equal(e->audit_records, strlen(body) * 10);
        assert_int_equal(e->audit_tlp, (int)strlen(body) % 5);
        web_cache_release(c, e);
    } else if (r == WEB_CACHE_MISS) {
        assert_int_equal(web_cache_fill(c, e, body, strlen(body), 200, strlen(body) * 10,
                                        (int)strlen(body) % 5), 0);
    } else {
        assert_null(e);
    }
    return r;
}

static void test_hit_and_version(void **state)
{
    (void)state;
    struct web_cache *c = make(1 << 20);
    assert_int_equal(ask(c, "a", 5, "one"), WEB_CACHE_MISS);
    assert_int_equal(ask(c, "a", 5, "one"), WEB_CACHE_HIT);
    assert_int_equal(ask(c, "b", 5, "two"), WEB_CACHE_MISS);
    /* a commit: nothing of version 5 is served at 6 */
    assert_int_equal(ask(c, "a", 6, "uno"), WEB_CACHE_MISS);
    assert_int_equal(ask(c, "a", 6, "uno"), WEB_CACHE_HIT);
    assert_int_equal(ask(c, "b", 6, "dos"), WEB_CACHE_MISS);
    /* a reader still in an older snapshot computes for itself */
    assert_int_equal(ask(c, "a", 5, "one"), WEB_CACHE_BYPASS);
    assert_int_equal(ask(c, "a", 6, "uno"), WEB_CACHE_HIT);
    struct web_cache_stats st;
    web_cache_stats_get(c, &st);
    assert_int_equal(st.entries, 2);
    assert_int_equal(st.hits, 3);
    web_cache_free(c);
}

/* Keys are bytes: "scope\0route" never equals "other\0route", nor a prefix
 * of a longer key. */
static void test_scope_in_key(void **state)
{
    (void)state;
    struct web_cache *c = make(1 << 20);
    struct web_cache_entry *e;
    static const char k1[] = "org-a\0landscape", k2[] = "org-b\0landscape", k3[] = "\0landscape";
    assert_int_equal(web_cache_lookup(c, k1, sizeof k1, 1, &e), WEB_CACHE_MISS);
    assert_int_equal(web_cache_fill(c, e, "A", 1, 200, 0, -1), 0);
    assert_int_equal(web_cache_lookup(c, k2, sizeof k2, 1, &e), WEB_CACHE_MISS);
    assert_int_equal(web_cache_fill(c, e, "B", 1, 200, 0, -1), 0);
    assert_int_equal(web_cache_lookup(c, k3, sizeof k3, 1, &e), WEB_CACHE_MISS);
    web_cache_abandon(c, e); /* a failed computation is not kept */
    assert_int_equal(web_cache_lookup(c, k3, sizeof k3, 1, &e), WEB_CACHE_MISS);
    assert_int_equal(web_cache_fill(c, e, "all", 3, 200, 0, -1), 0);
    assert_int_equal(web_cache_lookup(c, k2, sizeof k2, 1, &e), WEB_CACHE_HIT);
    assert_memory_equal(e->body, "B", 1);
    web_cache_release(c, e);
    assert_int_equal(web_cache_lookup(c, k1, sizeof k1 - 1, 1, &e), WEB_CACHE_MISS);
    web_cache_abandon(c, e);
    web_cache_free(c);
}

static void test_bound_and_held(void **state)
{
    (void)state;
    char body[1000], key[16];
    memset(body, 'x', sizeof body - 1);
    body[sizeof body - 1] = '\0';
    struct web_cache *c = make(64 * 1024);
    struct web_cache_entry *held;
    assert_int_equal(web_cache_lookup(c, "held", 5, 1, &held), WEB_CACHE_MISS);
    assert_int_equal(web_cache_fill(c, held, "kept", 4, 200, 0, -1), 0);
    assert_int_equal(web_cache_lookup(c, "held", 5, 1, &held), WEB_CACHE_HIT);
    for (int k = 0; k < 500; k++) {
        snprintf(key, sizeof key, "k%d", k);
        ask(c, key, 1, body);
        struct web_cache_stats st;
        web_cache_stats_get(c, &st);
        assert_true(st.bytes <= st.max_bytes);
    }
    /* the newest are there, the oldest went */
    assert_int_equal(ask(c, "k499", 1, body), WEB_CACHE_HIT);
    assert_int_equal(ask(c, "k0", 1, body), WEB_CACHE_MISS);
    /* evicted while held: still readable until released */
    assert_memory_equal(held->body, "kept", 4);
    web_cache_release(c, held);
    /* an answer over a quarter of the cache is handed out, not kept */
    static char big[20000];
    memset(big, 'y', sizeof big - 1);
    assert_int_equal(ask(c, "big", 1, big), WEB_CACHE_MISS);
    assert_int_equal(ask(c, "big", 1, big), WEB_CACHE_MISS);
    web_cache_free(c);
}

static struct web_cache *shared;
static pthread_mutex_t count_lock = PTHREAD_MUTEX_INITIALIZER;
static int computed;

static void *asker(void *arg)
{
    (void)arg;
    struct web_cache_entry *e;
    int r = web_cache_lookup(shared, "same", 5, 9, &e);
    if (r == WEB_CACHE_MISS) {
        pthread_mutex_lock(&count_lock);
        computed++;
        pthread_mutex_unlock(&count_lock);
        /* long enough for the others to arrive and wait */
        struct timespec ts = {0, 50 * 1000 * 1000};
        nanosleep(&ts, NULL);
        web_cache_fill(shared, e, "answer", 6, 200, 0, -1);
    } else if (r == WEB_CACHE_HIT) {
        if (e->len != 6 || memcmp(e->body, "answer", 6))
            return (void *)1;
        web_cache_release(shared, e);
    } else {
        return (void *)1;
    }
    return NULL;
}

static void test_single_flight(void **state)
{
    (void)state;
    pthread_t t[8];
    shared = make(1 << 20);
    computed = 0;
    for (int k = 0; k < 8; k++)
        assert_int_equal(pthread_create(&t[k], NULL, asker, NULL), 0);
    for (int k = 0; k < 8; k++) {
        void *r;
        pthread_join(t[k], &r);
        assert_null(r);
    }
    assert_int_equal(computed, 1);
    web_cache_free(shared);
}

static void test_no_cache(void **state)
{
    (void)state;
    struct web_cache *c;
    struct web_cache_entry *e;
    struct vg_err err = {0};
    assert_int_equal(web_cache_new(&c, 0, &err), 0);
    assert_null(c);
    assert_int_equal(web_cache_lookup(c, "a", 1, 1, &e), WEB_CACHE_BYPASS);
    web_cache_release(c, NULL);
    web_cache_free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hit_and_version), cmocka_unit_test(test_scope_in_key),
        cmocka_unit_test(test_bound_and_held),  cmocka_unit_test(test_single_flight),
        cmocka_unit_test(test_no_cache),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
