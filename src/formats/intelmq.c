/*
 * intelmq.c — IntelMQ events as JSON lines.
 *
 * Input: one IntelMQ event per line (RFC 8259 JSON object), as IntelMQ's
 * file output writes them: flat dotted keys of the harmonisation
 * ("source.ip", "classification.type", "extra.x" ...) and optionally
 * "__type": "Event".  Also read:
 *   - the hierarchical form ({"source": {"ip": ...}}), flattened by joining
 *     the keys with '.' until they name a harmonised field;
 *   - "extra" as one object (or, as old IntelMQ wrote it, a string holding
 *     a JSON object): each member becomes extra.<member>, as IntelMQ's
 *     add("extra", dict) does.
 * Each value keeps its JSON type (string, integer — int64 preserved —,
 * float, boolean); an object or array under extra.* is kept as raw JSON
 * text (event_set_json), re-serialised here in a canonical form (members in
 * input order, shortest round-trip floats), so that reading what
 * event_write_json wrote gives back the same bytes.  null and, for
 * harmonised fields, "", "-" and "N/A" are skipped, as IntelMQ's add()
 * ignores them.  A key that is neither harmonised nor under extra., a
 * value of the wrong kind, duplicate keys, or a line that is not a JSON
 * object rejects the line; then event_validate decides.
 *
 * Output needs no code here: event_write_json writes this format.
 */
#include "formats/format.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>

#define NAME_MAX_LEN 512

struct iq_ctx {
    struct event ev;
    struct vg_buf js; /* canonical JSON of one nested value */
    char name[NAME_MAX_LEN + 1];
    char why[600];
};

/* Canonical JSON text of a value: members in input order (jansson keeps
 * insertion order), numbers as the event writer writes them. */
static int json_canon(struct vg_buf *b, json_t *v)
{
    int rc = 0;
    switch (json_typeof(v)) {
    case JSON_OBJECT: {
        const char *k;
        json_t *m;
        int first = 1;
        rc = vg_buf_putc(b, '{');
        json_object_foreach(v, k, m)
        {
            if (!rc && !first)
                rc = vg_buf_putc(b, ',');
            first = 0;
            if (!rc)
                rc = vg_buf_json_str(b, k, strlen(k));
            if (!rc)
                rc = vg_buf_putc(b, ':');
            if (!rc)
                rc = json_canon(b, m);
        }
        return rc ? rc : vg_buf_putc(b, '}');
    }
    case JSON_ARRAY: {
        size_t i;
        json_t *m;
        rc = vg_buf_putc(b, '[');
        json_array_foreach(v, i, m)
        {
            if (!rc && i)
                rc = vg_buf_putc(b, ',');
            if (!rc)
                rc = json_canon(b, m);
        }
        return rc ? rc : vg_buf_putc(b, ']');
    }
    case JSON_STRING:
        return vg_buf_json_str(b, json_string_value(v), json_string_length(v));
    case JSON_INTEGER:
        return vg_buf_printf(b, "%lld", (long long)json_integer_value(v));
    case JSON_REAL:
        return event_write_double(b, json_real_value(v));
    case JSON_TRUE:
        return vg_buf_puts(b, "true");
    case JSON_FALSE:
        return vg_buf_puts(b, "false");
    case JSON_NULL:
        return vg_buf_puts(b, "null");
    }
    return VG_EINVAL;
}

static const char *kind_name(json_t *v)
{
    switch (json_typeof(v)) {
    case JSON_OBJECT:
        return "an object";
    case JSON_ARRAY:
        return "an array";
    case JSON_STRING:
        return "a string";
    case JSON_INTEGER:
        return "an integer";
    case JSON_REAL:
        return "a number";
    case JSON_TRUE:
    case JSON_FALSE:
        return "a boolean";
    case JSON_NULL:
        return "null";
    }
    return "?";
}

static int set_value(struct iq_ctx *c, const char *name, json_t *v)
{
    int rc;
    size_t n = strlen(name);
    const struct field_def *def = field_find(name, n);
    int extra = def && def->type == FT_JSONDICT;
    switch (json_typeof(v)) {
    case JSON_NULL:
        return 0;
    case JSON_STRING: {
        const char *s = json_string_value(v);
        size_t len = json_string_length(v);
        if (!extra &&
            (len == 0 || strcmp(s, "-") == 0 || strcmp(s, "N/A") == 0))
            return 0;
        rc = event_set_strn(&c->ev, name, n, s, len);
        break;
    }
    case JSON_INTEGER:
        rc = event_set_int(&c->ev, name, (int64_t)json_integer_value(v));
        break;
    case JSON_REAL:
        rc = event_set_float(&c->ev, name, json_real_value(v));
        break;
    case JSON_TRUE:
    case JSON_FALSE:
        rc = event_set_bool(&c->ev, name, json_is_true(v));
        break;
    case JSON_OBJECT:
    case JSON_ARRAY:
        if (!extra && def->type != FT_JSON) {
            snprintf(c->why, sizeof c->why, "field %s: %s is not a valid value",
                     name, kind_name(v));
            return VG_EINVAL;
        }
        vg_buf_reset(&c->js);
        if ((rc = json_canon(&c->js, v)))
            return rc;
        rc = event_set_json(&c->ev, name, c->js.data, c->js.len);
        break;
    default:
        return VG_EINVAL;
    }
    if (rc)
        snprintf(c->why, sizeof c->why, "field %s: cannot be stored (%s)", name,
                 rc == VG_ENOMEM ? "out of memory" : "invalid name");
    return rc;
}

/* "extra" given whole: each member is extra.<member>. */
static int set_extra_object(struct iq_ctx *c, json_t *obj)
{
    const char *k;
    json_t *m;
    json_object_foreach(obj, k, m)
    {
        char name[NAME_MAX_LEN + 1];
        if (strlen(k) + 6 > NAME_MAX_LEN || !*k) {
            snprintf(c->why, sizeof c->why,
                     "extra key \"%.60s\" is empty or too long", k);
            return VG_EINVAL;
        }
        snprintf(name, sizeof name, "extra.%s", k);
        int rc = set_value(c, name, m);
        if (rc)
            return rc;
    }
    return 0;
}

/* 1 when some harmonised field starts with "prefix." (the hierarchical
 * form may nest under it). */
static int is_field_prefix(const char *prefix, size_t n)
{
    size_t count;
    const struct field_def *all = field_all(&count);
    for (size_t k = 0; k < count; k++)
        if (strncmp(all[k].name, prefix, n) == 0 && all[k].name[n] == '.')
            return 1;
    return 0;
}

/* Set one member; `name` is the dotted key so far (in c->name). */
static int set_member(struct iq_ctx *c, size_t nlen, json_t *v)
{
    const char *name = c->name;
    const struct field_def *def = field_find(name, nlen);
    if (strcmp(name, "extra") == 0) {
        if (json_is_object(v))
            return set_extra_object(c, v);
        if (json_is_string(v)) { /* IntelMQ < 1.1 wrote extra as JSON text */
            json_t *inner = json_loads(json_string_value(v), 0, NULL);
            int rc;
            if (!json_is_object(inner)) {
                json_decref(inner);
                snprintf(c->why, sizeof c->why,
                         "field extra: not a JSON object");
                return VG_EINVAL;
            }
            rc = set_extra_object(c, inner);
            json_decref(inner);
            return rc;
        }
        snprintf(c->why, sizeof c->why, "field extra: %s is not a valid value",
                 kind_name(v));
        return VG_EINVAL;
    }
    if (def)
        return set_value(c, name, v);
    if (json_is_object(v) && is_field_prefix(name, nlen)) {
        const char *k;
        json_t *m;
        json_object_foreach(v, k, m)
        {
            size_t kl = strlen(k);
            if (nlen + 1 + kl > NAME_MAX_LEN) {
                snprintf(c->why, sizeof c->why, "key %.60s...: too long", name);
                return VG_EINVAL;
            }
            c->name[nlen] = '.';
            memcpy(c->name + nlen + 1, k, kl + 1);
            int rc = set_member(c, nlen + 1 + kl, m);
            c->name[nlen] = '\0';
            if (rc)
                return rc;
        }
        return 0;
    }
    snprintf(c->why, sizeof c->why,
             "unknown field \"%.100s\" (not in the IntelMQ "
             "harmonisation; vendor fields belong under extra.)",
             name);
    return VG_EINVAL;
}

static int line_to_event(struct iq_ctx *c, const char *p, size_t n)
{
    json_error_t je;
    json_t *root = json_loadb(p, n, JSON_REJECT_DUPLICATES, &je);
    int rc = 0;
    if (!root) {
        snprintf(c->why, sizeof c->why, "not JSON: %s (column %d)", je.text,
                 je.column);
        return VG_EPARSE;
    }
    if (!json_is_object(root)) {
        snprintf(c->why, sizeof c->why, "not a JSON object");
        rc = VG_EPARSE;
        goto out;
    }
    event_clear(&c->ev);
    const char *k;
    json_t *v;
    json_object_foreach(root, k, v)
    {
        size_t kl = strlen(k);
        if (strcmp(k, "__type") == 0) {
            if (!json_is_string(v) ||
                strcmp(json_string_value(v), "Event") != 0) {
                snprintf(c->why, sizeof c->why,
                         "__type is not \"Event\": not an IntelMQ event");
                rc = VG_EINVAL;
                goto out;
            }
            continue;
        }
        if (kl == 0 || kl > NAME_MAX_LEN) {
            snprintf(c->why, sizeof c->why,
                     "key \"%.60s\" is empty or too long", k);
            rc = VG_EINVAL;
            goto out;
        }
        memcpy(c->name, k, kl + 1);
        if ((rc = set_member(c, kl, v)))
            goto out;
    }
    struct vg_err err = {0, ""};
    if ((rc = event_validate(&c->ev, &err)))
        snprintf(c->why, sizeof c->why, "%s", err.msg);
out:
    json_decref(root);
    return rc;
}

static int iq_parse(struct vg_input *in, const struct format_options *opt,
                    const struct format_sink *sink, struct vg_err *err)
{
    struct iq_ctx c;
    struct vg_line line;
    int rc = 0, got;
    memset(&c, 0, sizeof c);
    event_init(&c.ev);
    while ((got = vg_input_getline(in, &line, err)) == 1) {
        struct format_record r = {.file = vg_input_name(in), .line = line.lineno, .raw = line.p, .raw_len = line.len};
        size_t k = 0;
        while (k < line.len &&
               (line.p[k] == ' ' || line.p[k] == '\t' || line.p[k] == '\r'))
            k++;
        if (k == line.len && !line.overlong)
            continue; /* blank line */
        const char *reason = NULL;
        if (line.overlong)
            reason = "line too long";
        else if (format_is_binary(line.p, line.len))
            reason = "binary data (NUL or control bytes) in the line";
        else {
            int lrc = line_to_event(&c, line.p, line.len);
            if (lrc == VG_ENOMEM) {
                rc = vg_err_set(err, VG_ENOMEM, "out of memory");
                break;
            }
            if (lrc)
                reason = c.why;
            else if (opt && opt->feed_name &&
                     event_set_cstr(&c.ev, "feed.name", opt->feed_name))
                reason = "cannot set feed.name";
        }
        /* a non-zero answer from the sink stops the parse and is returned */
        if ((rc = reason ? sink->reject(sink->ctx, &r, reason)
                         : sink->emit(sink->ctx, &c.ev, &r)))
            break;
    }
    if (got < 0)
        rc = got;
    event_free(&c.ev);
    vg_buf_free(&c.js);
    return rc;
}

/* JSON lines whose first object has IntelMQ keys. */
static int iq_detect(const char *name, const char *head, size_t len)
{
    static const char *flat[] = {"\"source.ip\"",
                                 "\"classification.type\"",
                                 "\"feed.name\"",
                                 "\"time.source\"",
                                 "\"classification.taxonomy\"",
                                 "\"time.observation\""};
    static const char *nested[] = {"\"classification\"", "\"feed\"",
                                   "\"__type\""};
    size_t k = 0;
    while (k < len && (head[k] == ' ' || head[k] == '\t' || head[k] == '\r' ||
                       head[k] == '\n'))
        k++;
    if (k == len || head[k] != '{')
        return 0;
    const char *nl = memchr(head + k, '\n', len - k);
    size_t ln = nl ? (size_t)(nl - head - k) : len - k;
    const char *p = head + k;
    int hits = 0, nest = 0;
    for (size_t i = 0; i < sizeof flat / sizeof flat[0]; i++)
        hits += memmem(p, ln, flat[i], strlen(flat[i])) != NULL;
    for (size_t i = 0; i < sizeof nested / sizeof nested[0]; i++)
        nest += memmem(p, ln, nested[i], strlen(nested[i])) != NULL;
    (void)name;
    if (hits >= 2)
        return 90;
    if (hits == 1)
        return 70;
    return nest >= 2 ? 50 : 0;
}

const struct format_driver format_intelmq = {
    "intelmq",
    "IntelMQ events, one JSON object per line (flat or hierarchical keys)",
    iq_detect,
    iq_parse,
};
