/*
 * strtab.c — interned strings with their output forms made once.
 *
 * Region, city and organisation names repeat in millions of records; each
 * distinct one is escaped for JSON and quoted for CSV here, once, so that
 * the record writers only copy bytes.  Storage is an arena freed with the
 * table; lookup is open addressing on a 64-bit hash.
 */
#include "sim/sim_int.h"
#include "core/hash.h"

#include <stdlib.h>
#include <string.h>

#define MAX_STR 1024

void *sim_grow(void *v, size_t *cap, size_t n, size_t elem)
{
    if (n < *cap)
        return v;
    size_t c = *cap ? *cap * 2 : 64;
    void *nv = realloc(v, c * elem);
    if (nv)
        *cap = c;
    return nv;
}

void sim_strtab_init(struct sim_strtab *t)
{
    memset(t, 0, sizeof *t);
    vg_arena_init(&t->arena, 64 * 1024);
}

void sim_strtab_free(struct sim_strtab *t)
{
    if (!t)
        return;
    free(t->v);
    free(t->slots);
    vg_arena_free(&t->arena);
    memset(t, 0, sizeof *t);
}

static int grow_slots(struct sim_strtab *t)
{
    uint32_t n = t->nslots ? t->nslots * 2 : 256;
    uint32_t *slots = calloc(n, sizeof *slots);
    if (!slots)
        return VG_ENOMEM;
    for (uint32_t i = 0; i < t->n; i++) {
        uint64_t h = vg_hash_bytes(t->v[i].raw, t->v[i].raw_len);
        uint32_t j = (uint32_t)(h & (n - 1));
        while (slots[j])
            j = (j + 1) & (n - 1);
        slots[j] = i + 1;
    }
    free(t->slots);
    t->slots = slots;
    t->nslots = n;
    return 0;
}

/* Shadowserver writes place names in ASCII capitals (upper); bytes that
 * would break a one-line CSV row become spaces. */
static char *csv_form(struct vg_arena *a, const char *s, size_t n, int upper, uint32_t *len)
{
    if (n == 0) {
        *len = 0;
        return vg_arena_strndup(a, "", 0);
    }
    char *out = vg_arena_alloc(a, 2 * n + 3);
    if (!out)
        return NULL;
    size_t k = 0;
    out[k++] = '"';
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (upper && c >= 'a' && c <= 'z')
            c = (char)(c - 'a' + 'A');
        else if (c == '\n' || c == '\r' || c == '\0')
            c = ' ';
        if (c == '"')
            out[k++] = '"';
        out[k++] = c;
    }
    out[k++] = '"';
    out[k] = '\0';
    *len = (uint32_t)k;
    return out;
}

int sim_str_make(struct vg_arena *a, const char *s, size_t n, int upper, struct sim_str *out)
{
    struct vg_buf b = VG_BUF_INIT;
    if (vg_buf_json_str(&b, s, n)) {
        vg_buf_free(&b);
        return VG_ENOMEM;
    }
    out->raw = vg_arena_strndup(a, s, n);
    out->raw_len = (uint32_t)n;
    out->json = vg_arena_strndup(a, b.data, b.len);
    out->json_len = (uint32_t)b.len;
    vg_buf_free(&b);
    out->csv = csv_form(a, s, n, upper, &out->csv_len);
    return out->raw && out->json && out->csv ? 0 : VG_ENOMEM;
}

uint32_t sim_strtab_intern(struct sim_strtab *t, const char *s, size_t n)
{
    if (n > MAX_STR) {
        n = MAX_STR;
        while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
            n--; /* do not split a UTF-8 sequence */
    }
    if ((t->n + 1) * 2 > t->nslots && grow_slots(t))
        return UINT32_MAX;
    uint64_t h = vg_hash_bytes(s, n);
    uint32_t j = (uint32_t)(h & (t->nslots - 1));
    while (t->slots[j]) {
        const struct sim_str *e = &t->v[t->slots[j] - 1];
        if (e->raw_len == n && memcmp(e->raw, s, n) == 0)
            return t->slots[j] - 1;
        j = (j + 1) & (t->nslots - 1);
    }
    struct sim_str *v = sim_grow(t->v, &t->cap, t->n, sizeof *v);
    if (!v)
        return UINT32_MAX;
    t->v = v;
    if (sim_str_make(&t->arena, s, n, 1, &t->v[t->n]))
        return UINT32_MAX;
    t->slots[j] = t->n + 1;
    return t->n++;
}
