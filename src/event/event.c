/*
 * event.c — typed field storage, IntelMQ-compatible sanitising and writing.
 *
 * Fields live in an array in the order they were set; an open-addressing
 * index keyed by a hash of the name finds them (the first EV_INDEX_SLOTS/2
 * fields; any beyond are searched linearly).  A name set by text is hashed
 * and looked up in the schema on every set; a name resolved once into a
 * struct ev_name carries its hash and definition, so the parsers' hot path
 * costs one probe of the index per field.  Validation follows IntelMQ's
 * harmonization.py semantics for each type, and skips values their setter
 * marked as already canonical.
 */
#include "event/event.h"
#include "core/hash.h"
#include "core/ip.h"
#include "core/vtime.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void event_init(struct event *ev)
{
    vg_arena_init(&ev->arena, 16 * 1024);
    ev->f = NULL;
    ev->n = ev->cap = 0;
    memset(ev->index, 0, sizeof ev->index);
}

void event_clear(struct event *ev)
{
    vg_arena_reset(&ev->arena);
    ev->n = 0;
    memset(ev->index, 0, sizeof ev->index);
}

void event_free(struct event *ev)
{
    if (!ev)
        return;
    vg_arena_free(&ev->arena);
    free(ev->f);
    ev->f = NULL;
    ev->n = ev->cap = 0;
}

/* A word-at-a-time hash of a field name: names are 5..60 bytes and are
 * hashed for every field a parser sets, so a byte-wise hash with its
 * multiply chain per byte showed up at the top of the parse profile. */
static uint32_t name_hash(const char *name, size_t len)
{
    return (uint32_t)vg_hash_bytes(name, len);
}

/* The schema by name hash, built once: field_find's binary search costs a
 * string comparison per step, and every new field of every record needs it. */
#define SCHEMA_SLOTS 512
static const struct field_def *schema_slots[SCHEMA_SLOTS];
static uint32_t schema_hashes[SCHEMA_SLOTS];
static const struct field_def *extra_def; /* what every extra.* name shares */
static pthread_once_t schema_once = PTHREAD_ONCE_INIT;

static void schema_build(void)
{
    size_t n;
    const struct field_def *all = field_all(&n);
    for (size_t k = 0; k < n; k++) {
        uint32_t h = name_hash(all[k].name, strlen(all[k].name));
        uint32_t i = h & (SCHEMA_SLOTS - 1);
        while (schema_slots[i])
            i = (i + 1) & (SCHEMA_SLOTS - 1);
        schema_slots[i] = &all[k];
        schema_hashes[i] = h;
    }
    extra_def = field_find("extra", 5);
}

static const struct field_def *schema_find(const char *name, size_t len, uint32_t h)
{
    pthread_once(&schema_once, schema_build);
    if (len > 6 && memcmp(name, "extra.", 6) == 0)
        return extra_def;
    for (uint32_t i = h & (SCHEMA_SLOTS - 1); schema_slots[i]; i = (i + 1) & (SCHEMA_SLOTS - 1))
        if (schema_hashes[i] == h && strncmp(schema_slots[i]->name, name, len) == 0 &&
            schema_slots[i]->name[len] == '\0')
            return schema_slots[i];
    return NULL;
}

/* The definition of a name a field may have, or NULL: a schema field, or
 * "extra." and a key of printable characters. */
static const struct field_def *name_def(const char *name, size_t len, uint32_t h)
{
    const struct field_def *def = schema_find(name, len, h);
    if (!def || def->type != FT_JSONDICT)
        return def;
    if (len <= 6)
        return NULL; /* "extra" itself is not a field */
    for (size_t k = 6; k < len; k++) {
        unsigned char c = (unsigned char)name[k];
        if (c < 0x20 || c == 0x7f || c == '"' || c == '\\')
            return NULL;
    }
    return def;
}

#define INDEXED (EV_INDEX_SLOTS / 2)

static inline int same_name(const struct ev_field *f, const char *name, size_t len, uint32_t h)
{
    return f->name_hash == h && f->name_len == len &&
           (f->name == name || memcmp(f->name, name, len) == 0);
}

/* The fields beyond the index, searched linearly (events that large are
 * rare: out of line). */
static __attribute__((noinline)) struct ev_field *find_unindexed(const struct event *ev,
                                                                 const char *name, size_t len,
                                                                 uint32_t h)
{
    for (uint32_t k = INDEXED; k < ev->n; k++)
        if (same_name(&ev->f[k], name, len, h))
            return &ev->f[k];
    return NULL;
}

/* Inline: every set of every record starts here, and it usually ends at
 * the first, empty, slot. */
static inline struct ev_field *find_hashed(const struct event *ev, const char *name,
                                           size_t len, uint32_t h)
{
    for (uint32_t i = h & (EV_INDEX_SLOTS - 1);; i = (i + 1) & (EV_INDEX_SLOTS - 1)) {
        uint16_t v = ev->index[i];
        if (!v)
            break;
        if (same_name(&ev->f[v - 1], name, len, h))
            return &ev->f[v - 1];
    }
    return ev->n > INDEXED ? find_unindexed(ev, name, len, h) : NULL;
}

static inline void index_add(struct event *ev, uint32_t k)
{
    if (k >= INDEXED)
        return;
    uint32_t i = ev->f[k].name_hash & (EV_INDEX_SLOTS - 1);
    while (ev->index[i])
        i = (i + 1) & (EV_INDEX_SLOTS - 1);
    ev->index[i] = (uint16_t)(k + 1);
}

static struct ev_field *find(const struct event *ev, const char *name, size_t len)
{
    return find_hashed(ev, name, len, name_hash(name, len));
}

static __attribute__((noinline)) int grow_array(struct event *ev);

/* Room for one more field; 0 or VG_ENOMEM. */
static inline int grow(struct event *ev)
{
    return ev->n < ev->cap ? 0 : grow_array(ev);
}

static int grow_array(struct event *ev)
{
    uint32_t cap = ev->cap ? ev->cap * 2 : 32;
    struct ev_field *nf = realloc(ev->f, cap * sizeof *nf);
    if (!nf)
        return VG_ENOMEM;
    ev->f = nf;
    ev->cap = cap;
    return 0;
}

/* Append a field (grow() has made room); name must outlive it. */
static inline struct ev_field *append(struct event *ev, const char *name, size_t len,
                                      uint32_t h, const struct field_def *def)
{
    struct ev_field *f = &ev->f[ev->n];
    f->name = name;
    f->name_len = (uint32_t)len;
    f->name_hash = h;
    f->def = def;
    f->flags = 0;
    index_add(ev, ev->n);
    ev->n++;
    return f;
}

/* Find or append the slot for name; NULL on bad name or no memory. */
static struct ev_field *slot(struct event *ev, const char *name, size_t len)
{
    uint32_t h = name_hash(name, len);
    struct ev_field *f = find_hashed(ev, name, len, h);
    if (f) {
        f->flags = 0;
        return f;
    }
    const struct field_def *def = name_def(name, len, h);
    if (!def || grow(ev))
        return NULL;
    const char *keep = def->name;
    if (def->type == FT_JSONDICT && !(keep = vg_arena_strndup(&ev->arena, name, len)))
        return NULL;
    return append(ev, keep, len, h, def);
}

/* slot() for a resolved name: NULL only when out of memory.  One probe
 * sequence serves both the lookup and the insertion (the empty slot that
 * ends it is where index_add would put the new field). */
static inline struct ev_field *slot_named(struct event *ev, const struct ev_name *n)
{
    struct ev_field *f;
    uint32_t i = n->hash & (EV_INDEX_SLOTS - 1);
    for (;; i = (i + 1) & (EV_INDEX_SLOTS - 1)) {
        uint16_t v = ev->index[i];
        if (!v)
            break;
        f = &ev->f[v - 1];
        if (same_name(f, n->name, n->len, n->hash)) {
            f->flags = 0;
            return f;
        }
    }
    if (ev->n > INDEXED && (f = find_unindexed(ev, n->name, n->len, n->hash))) {
        f->flags = 0;
        return f;
    }
    if (grow(ev))
        return NULL;
    f = &ev->f[ev->n];
    f->name = n->name;
    f->name_len = n->len;
    f->name_hash = n->hash;
    f->def = n->def;
    f->flags = 0;
    if (ev->n < INDEXED)
        ev->index[i] = (uint16_t)(ev->n + 1);
    ev->n++;
    return f;
}

int event_name_init(struct ev_name *n, const char *name, size_t len)
{
    uint32_t h = name_hash(name, len);
    const struct field_def *def = name_def(name, len, h);
    if (!def || len > UINT32_MAX)
        return VG_EINVAL;
    /* a schema field keeps the table's spelling, as slot() does */
    n->name = def->type == FT_JSONDICT ? name : def->name;
    n->len = (uint32_t)len;
    n->hash = h;
    n->def = def;
    return 0;
}

/* memcpy for the short values most fields hold, without the call: two
 * overlapping words (never reading outside s[0..n)). */
static inline void copy_short(char *d, const char *s, size_t n)
{
    if (n > 16) {
        memcpy(d, s, n);
    } else if (n >= 8) {
        uint64_t a, b;
        memcpy(&a, s, 8);
        memcpy(&b, s + n - 8, 8);
        memcpy(d, &a, 8);
        memcpy(d + n - 8, &b, 8);
    } else if (n >= 4) {
        uint32_t a, b;
        memcpy(&a, s, 4);
        memcpy(&b, s + n - 4, 4);
        memcpy(d, &a, 4);
        memcpy(d + n - 4, &b, 4);
    } else {
        for (size_t k = 0; k < n; k++)
            d[k] = s[k];
    }
}

int event_put_str(struct event *ev, const struct ev_name *n, const char *s, size_t len)
{
    if (len > UINT32_MAX)
        return VG_ELIMIT;
    struct ev_field *f = slot_named(ev, n);
    char *copy = f ? vg_arena_alloc(&ev->arena, len + 1) : NULL;
    if (!copy)
        return VG_ENOMEM;
    copy_short(copy, s, len);
    copy[len] = '\0';
    f->kind = EV_STR;
    f->s = copy;
    f->len = (uint32_t)len;
    return 0;
}

int event_put_canonical(struct event *ev, const struct ev_name *n, const char *s, size_t len)
{
    int rc = event_put_str(ev, n, s, len);
    if (!rc)
        find_hashed(ev, n->name, n->len, n->hash)->flags = EVF_CANONICAL;
    return rc;
}

char *event_put_str_buf(struct event *ev, const struct ev_name *n, size_t len)
{
    if (len > UINT32_MAX)
        return NULL;
    struct ev_field *f = slot_named(ev, n);
    char *buf = f ? vg_arena_alloc(&ev->arena, len + 1) : NULL;
    if (!buf)
        return NULL;
    buf[len] = '\0';
    f->kind = EV_STR;
    f->s = buf;
    f->len = (uint32_t)len;
    return buf;
}

int event_put_int(struct event *ev, const struct ev_name *n, int64_t v)
{
    struct ev_field *f = slot_named(ev, n);
    if (!f)
        return VG_ENOMEM;
    f->kind = EV_INT;
    f->i = v;
    return 0;
}

int event_put_float(struct event *ev, const struct ev_name *n, double v)
{
    struct ev_field *f = slot_named(ev, n);
    if (!f)
        return VG_ENOMEM;
    f->kind = EV_FLOAT;
    f->f = v;
    return 0;
}

int event_put_bool(struct event *ev, const struct ev_name *n, int v)
{
    struct ev_field *f = slot_named(ev, n);
    if (!f)
        return VG_ENOMEM;
    f->kind = EV_BOOL;
    f->i = v ? 1 : 0;
    return 0;
}

int event_set_strn(struct event *ev, const char *name, size_t name_len,
                   const char *s, size_t len)
{
    if (len > UINT32_MAX)
        return VG_ELIMIT;
    struct ev_field *f = slot(ev, name, name_len);
    if (!f)
        return VG_EINVAL;
    char *copy = vg_arena_strndup(&ev->arena, s, len);
    if (!copy)
        return VG_ENOMEM;
    f->kind = EV_STR;
    f->s = copy;
    f->len = (uint32_t)len;
    return 0;
}

int event_set_str(struct event *ev, const char *name, const char *s, size_t len)
{
    return event_set_strn(ev, name, strlen(name), s, len);
}

int event_set_cstr(struct event *ev, const char *name, const char *s)
{
    return event_set_strn(ev, name, strlen(name), s, strlen(s));
}

int event_set_int(struct event *ev, const char *name, int64_t v)
{
    struct ev_field *f = slot(ev, name, strlen(name));
    if (!f)
        return VG_EINVAL;
    f->kind = EV_INT;
    f->i = v;
    return 0;
}

int event_set_float(struct event *ev, const char *name, double v)
{
    struct ev_field *f = slot(ev, name, strlen(name));
    if (!f)
        return VG_EINVAL;
    f->kind = EV_FLOAT;
    f->f = v;
    return 0;
}

int event_set_bool(struct event *ev, const char *name, int v)
{
    struct ev_field *f = slot(ev, name, strlen(name));
    if (!f)
        return VG_EINVAL;
    f->kind = EV_BOOL;
    f->i = v ? 1 : 0;
    return 0;
}

int event_set_json(struct event *ev, const char *name, const char *raw, size_t len)
{
    int rc = event_set_str(ev, name, raw, len);
    if (rc)
        return rc;
    find(ev, name, strlen(name))->kind = EV_JSON;
    return 0;
}

int event_save(const struct event *ev, struct vg_buf *save)
{
    size_t need = sizeof ev->n + sizeof ev->index + ev->n * sizeof *ev->f;
    vg_buf_reset(save);
    if (vg_buf_reserve(save, need))
        return VG_ENOMEM;
    char *o = save->data;
    memcpy(o, &ev->n, sizeof ev->n);
    memcpy(o + sizeof ev->n, ev->index, sizeof ev->index);
    if (ev->n)
        memcpy(o + sizeof ev->n + sizeof ev->index, ev->f, ev->n * sizeof *ev->f);
    save->len = need;
    return 0;
}

void event_restore(struct event *ev, const struct vg_buf *save)
{
    const char *p = save->data;
    uint32_t n;
    memcpy(&n, p, sizeof n);
    /* the array only grows between save and restore: n fits */
    memcpy(ev->index, p + sizeof n, sizeof ev->index);
    if (n)
        memcpy(ev->f, p + sizeof n + sizeof ev->index, n * sizeof *ev->f);
    ev->n = n;
}

const struct ev_field *event_get(const struct event *ev, const char *name)
{
    return find(ev, name, strlen(name));
}

const struct ev_field *event_find(const struct event *ev, const struct ev_name *n)
{
    return find_hashed(ev, n->name, n->len, n->hash);
}

const char *event_get_str(const struct event *ev, const char *name)
{
    const struct ev_field *f = find(ev, name, strlen(name));
    return f && f->kind == EV_STR ? f->s : NULL;
}

int event_remove(struct event *ev, const char *name)
{
    struct ev_field *f = find(ev, name, strlen(name));
    if (!f)
        return VG_ENOTFOUND;
    size_t k = (size_t)(f - ev->f);
    memmove(f, f + 1, (ev->n - k - 1) * sizeof *f);
    ev->n--;
    /* field numbers moved: rebuild the index */
    memset(ev->index, 0, sizeof ev->index);
    for (uint32_t j = 0; j < ev->n; j++)
        index_add(ev, j);
    return 0;
}

/* ---- validation ---------------------------------------------------------- */

static int bad(struct vg_err *err, const struct ev_field *f, const char *why)
{
    if (f->kind == EV_STR)
        return vg_err_set(err, VG_EINVAL, "field %s: %s: \"%.80s\"", f->name, why, f->s);
    return vg_err_set(err, VG_EINVAL, "field %s: %s", f->name, why);
}

/* Parse an integer held as a string ("65116"); IntelMQ accepts them. */
static int str_to_int(const char *s, size_t n, int64_t *out)
{
    if (n == 0 || n > 20)
        return -1;
    if (n <= 18) {
        /* the usual case, plain digits that cannot overflow, without the
         * copy and strtoll (which the rest goes through, for its rules on
         * signs, spaces and overflow) */
        int64_t v = 0;
        size_t k = 0;
        for (; k < n && s[k] >= '0' && s[k] <= '9'; k++)
            v = v * 10 + (s[k] - '0');
        if (k == n) {
            *out = v;
            return 0;
        }
    }
    char tmp[24];
    memcpy(tmp, s, n);
    tmp[n] = '\0';
    char *end;
    long long v = strtoll(tmp, &end, 10);
    if (*end != '\0')
        return -1;
    *out = v;
    return 0;
}

static int want_int(struct ev_field *f, struct vg_err *err)
{
    if (f->kind == EV_INT)
        return 0;
    if (f->kind == EV_STR && str_to_int(f->s, f->len, &f->i) == 0) {
        f->kind = EV_INT;
        return 0;
    }
    if (f->kind == EV_FLOAT && f->f == floor(f->f) && fabs(f->f) < 9e18) {
        f->i = (int64_t)f->f;
        f->kind = EV_INT;
        return 0;
    }
    return bad(err, f, "not an integer");
}

static int want_float(struct ev_field *f, struct vg_err *err)
{
    if (f->kind == EV_FLOAT)
        return isfinite(f->f) ? 0 : bad(err, f, "not a finite number");
    if (f->kind == EV_INT) {
        f->f = (double)f->i;
        f->kind = EV_FLOAT;
        return 0;
    }
    if (f->kind == EV_STR && f->len > 0 && f->len < 64) {
        char *end;
        double v = strtod(f->s, &end);
        if (*end == '\0' && isfinite(v)) {
            f->f = v;
            f->kind = EV_FLOAT;
            return 0;
        }
    }
    return bad(err, f, "not a number");
}

/* ASCII case mapping, as toupper/tolower in the C locale (vigil never
 * calls setlocale), without a call per byte. */
static void str_case(struct event *ev, struct ev_field *f, int upper)
{
    char *s = (char *)f->s; /* arena-owned: ours to change */
    unsigned char lo = upper ? 'a' : 'A';
    (void)ev;
    for (uint32_t k = 0; k < f->len; k++) {
        unsigned char c = (unsigned char)s[k];
        if ((unsigned char)(c - lo) < 26)
            s[k] = (char)(c ^ 0x20);
    }
}

static int replace_str(struct event *ev, struct ev_field *f, const char *s, size_t n)
{
    char *copy = vg_arena_strndup(&ev->arena, s, n);
    if (!copy)
        return VG_ENOMEM;
    f->s = copy;
    f->len = (uint32_t)n;
    f->kind = EV_STR;
    return 0;
}

static int valid_fqdn(const char *s, size_t n)
{
    if (n == 0 || n > 253)
        return 0;
    for (size_t k = 0; k < n; k++) {
        unsigned char c = (unsigned char)s[k];
        if (c <= 0x20 || c == 0x7f || c == '/' || c == ':' || c == '@')
            return 0;
    }
    if (s[0] == '.')
        return 0;
    struct ip_addr a;
    return ip_parse(s, n, &a) != 0; /* an IP address is not an FQDN */
}

static int validate_field(struct event *ev, struct ev_field *f, struct vg_err *err)
{
    int rc;
    switch (f->def->type) {
    case FT_STRING:
    case FT_REGISTRY:
        if (f->kind != EV_STR)
            return bad(err, f, "not a string");
        if (f->len == 0)
            return bad(err, f, "empty string");
        if (f->def->type == FT_REGISTRY)
            str_case(ev, f, 1);
        return 0;
    case FT_LOWERCASE:
    case FT_UPPERCASE:
        if (f->kind != EV_STR || f->len == 0)
            return bad(err, f, "not a non-empty string");
        str_case(ev, f, f->def->type == FT_UPPERCASE);
        return 0;
    case FT_INTEGER:
        return want_int(f, err);
    case FT_ASN:
        if ((rc = want_int(f, err)))
            return rc;
        if (f->i < 1 || f->i > 4294967295LL)
            return bad(err, f, "ASN out of range");
        return 0;
    case FT_FLOAT:
        return want_float(f, err);
    case FT_ACCURACY:
        if ((rc = want_float(f, err)))
            return rc;
        if (f->f < 0 || f->f > 100)
            return bad(err, f, "accuracy outside 0..100");
        return 0;
    case FT_BOOLEAN:
        if (f->kind == EV_BOOL)
            return 0;
        if (f->kind == EV_STR && (strcmp(f->s, "true") == 0 || strcmp(f->s, "false") == 0)) {
            f->i = f->s[0] == 't';
            f->kind = EV_BOOL;
            return 0;
        }
        return bad(err, f, "not a boolean");
    case FT_IP: {
        struct ip_addr a;
        char txt[IP_STRLEN];
        if (f->kind != EV_STR || ip_parse(f->s, f->len, &a))
            return bad(err, f, "not an IP address");
        size_t n = ip_format(&a, txt);
        if (n != f->len || memcmp(txt, f->s, n))
            return replace_str(ev, f, txt, n);
        return 0;
    }
    case FT_NETWORK: {
        if (f->kind != EV_STR)
            return bad(err, f, "not a network");
        const char *slash = memchr(f->s, '/', f->len);
        struct ip_addr a;
        size_t alen = slash ? (size_t)(slash - f->s) : f->len;
        if (ip_parse(f->s, alen, &a))
            return bad(err, f, "not a network");
        if (slash) {
            int64_t bits;
            if (str_to_int(slash + 1, f->len - alen - 1, &bits) || bits < 0 ||
                bits > (ip_is_v4(&a) ? 32 : 128))
                return bad(err, f, "bad prefix length");
        }
        return 0;
    }
    case FT_DATETIME: {
        int64_t us;
        char txt[40];
        if (f->kind != EV_STR || vt_parse(f->s, f->len, &us))
            return bad(err, f, "not a date-time");
        size_t n = vt_format_iso(us, txt);
        if (n == f->len && memcmp(txt, f->s, n) == 0)
            return 0; /* already IntelMQ's form */
        return replace_str(ev, f, txt, n);
    }
    case FT_FQDN:
        if (f->kind != EV_STR)
            return bad(err, f, "not a domain name");
        while (f->len > 1 && f->s[f->len - 1] == '.') /* IntelMQ: rstrip('.') */
            f->len--, ((char *)f->s)[f->len] = '\0';
        if (!valid_fqdn(f->s, f->len))
            return bad(err, f, "not a domain name");
        str_case(ev, f, 0);
        return 0;
    case FT_URL:
        if (f->kind != EV_STR || f->len == 0)
            return bad(err, f, "not a URL");
        for (uint32_t k = 0; k < f->len; k++)
            if ((unsigned char)f->s[k] <= 0x20 && f->s[k] != ' ')
                return bad(err, f, "control character in URL");
        return 0;
    case FT_CLASS_TYPE:
        if (f->kind != EV_STR || !field_class_taxonomy(f->s))
            return bad(err, f, "not a classification type");
        return 0;
    case FT_CLASS_TAXONOMY:
        if (f->kind != EV_STR || f->len == 0)
            return bad(err, f, "not a taxonomy");
        str_case(ev, f, 0);
        return 0;
    case FT_TLP: {
        static const char *ok[] = {"CLEAR", "WHITE", "GREEN", "AMBER", "AMBER+STRICT", "RED"};
        if (f->kind != EV_STR)
            return bad(err, f, "not a TLP");
        str_case(ev, f, 1);
        if (f->len > 4 && memcmp(f->s, "TLP:", 4) == 0)
            replace_str(ev, f, f->s + 4, f->len - 4);
        for (size_t k = 0; k < sizeof ok / sizeof ok[0]; k++)
            if (strcmp(f->s, ok[k]) == 0)
                return 0;
        return bad(err, f, "not a TLP 2.0 label");
    }
    case FT_BASE64:
    case FT_JSON:
        if (f->kind != EV_STR && f->kind != EV_JSON)
            return bad(err, f, "not text");
        return 0;
    case FT_JSONDICT:
        return 0; /* extra.*: any JSON value */
    }
    return 0;
}

int event_validate(struct event *ev, struct vg_err *err)
{
    int rc;
    for (uint32_t k = 0; k < ev->n; k++) {
        struct ev_field *f = &ev->f[k];
        if (f->flags & EVF_CANONICAL)
            continue;
        /* the commonest fields need nothing (as validate_field finds):
         * decided here by plain branches, not the switch's indirect jump */
        enum field_type t = f->def->type;
        if (t == FT_JSONDICT || (t == FT_STRING && f->kind == EV_STR && f->len))
            continue;
        if ((rc = validate_field(ev, f, err)))
            return rc;
    }
    return 0;
}

/* ---- writing ------------------------------------------------------------- */

int event_write_double(struct vg_buf *out, double v)
{
    /* Python's repr: the shortest digits that read back exactly, in fixed
     * notation when the exponent is in [-4, 16), else d.ddde+XX. */
    char tmp[48];
    if (!isfinite(v))
        return vg_buf_puts(out, "null");
    int prec;
    for (prec = 0; prec <= 16; prec++) {
        snprintf(tmp, sizeof tmp, "%.*e", prec, v);
        if (strtod(tmp, NULL) == v)
            break;
    }
    if (prec > 16)
        prec = 16;
    char *e = strchr(tmp, 'e');
    int exp = atoi(e + 1);
    if (exp < -4 || exp >= 16) {
        /* mantissa as printed, exponent with at least two digits */
        *e = '\0';
        return vg_buf_printf(out, "%se%c%02d", tmp, exp < 0 ? '-' : '+', exp < 0 ? -exp : exp);
    }
    int decimals = prec - exp;
    if (decimals < 1)
        decimals = 1;
    snprintf(tmp, sizeof tmp, "%.*f", decimals, v);
    /* drop trailing zeros beyond the first decimal */
    size_t n = strlen(tmp);
    while (n > 2 && tmp[n - 1] == '0' && tmp[n - 2] != '.')
        tmp[--n] = '\0';
    return vg_buf_puts(out, tmp);
}

static int cmp_field_ptr(const void *a, const void *b)
{
    const struct ev_field *x = *(const struct ev_field *const *)a;
    const struct ev_field *y = *(const struct ev_field *const *)b;
    return strcmp(x->name, y->name);
}

int event_write_json(const struct event *ev, struct vg_buf *out)
{
    const struct ev_field *stack[128];
    const struct ev_field **order = stack;
    int rc = 0;
    if (ev->n > 128 && !(order = malloc(ev->n * sizeof *order)))
        return VG_ENOMEM;
    for (uint32_t k = 0; k < ev->n; k++)
        order[k] = &ev->f[k];
    qsort(order, ev->n, sizeof *order, cmp_field_ptr);
    rc = vg_buf_putc(out, '{');
    for (uint32_t k = 0; k < ev->n && !rc; k++) {
        const struct ev_field *f = order[k];
        if (k)
            rc = vg_buf_putc(out, ',');
        if (!rc)
            rc = vg_buf_json_str(out, f->name, f->name_len);
        if (!rc)
            rc = vg_buf_putc(out, ':');
        if (rc)
            break;
        switch (f->kind) {
        case EV_STR: rc = vg_buf_json_str(out, f->s, f->len); break;
        case EV_INT: rc = vg_buf_printf(out, "%lld", (long long)f->i); break;
        case EV_FLOAT: rc = event_write_double(out, f->f); break;
        case EV_BOOL: rc = vg_buf_puts(out, f->i ? "true" : "false"); break;
        case EV_JSON: rc = vg_buf_append(out, f->s, f->len); break;
        }
    }
    if (!rc)
        rc = vg_buf_putc(out, '}');
    if (order != stack)
        free(order);
    return rc;
}
