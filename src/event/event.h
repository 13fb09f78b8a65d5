/*
 * event.h — the normalised event: an ordered set of harmonised fields.
 *
 * Field names follow IntelMQ's harmonisation (field.h); values are typed
 * (string, integer, float, boolean, or raw JSON text for nested "extra."
 * values).  An event owns an arena: every name and value set on it is
 * copied there and lives until event_clear/event_free, so parsers can set
 * values straight from their input buffers.  Parsers reuse one event per
 * record (event_clear between records): nothing is allocated in steady
 * state.
 *
 * Names are checked against the schema when set: a name that is neither a
 * harmonised field nor under "extra." is refused with VG_EINVAL — unknown
 * vendor fields belong under "extra.".
 *
 * The hot path: a parser sets the same few dozen names on every record, so
 * it resolves each name once (event_name_init: the schema lookup, the
 * hash, the extra.* key check) and sets values through the resolved name
 * (event_put_*), which costs one probe of the event's index.
 */
#ifndef VG_EVENT_H
#define VG_EVENT_H

#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/err.h"
#include "event/field.h"

enum ev_kind { EV_STR, EV_INT, EV_FLOAT, EV_BOOL, EV_JSON };

/* ev_field.flags */
enum {
    /* The value is already what event_validate would make of it (the
     * setter vouched for it: event_put_canonical); validation skips it. */
    EVF_CANONICAL = 1,
};

struct ev_field {
    const char *name; /* NUL-terminated; static for schema fields and for
                         names set through a struct ev_name, else in the
                         event's arena */
    uint32_t name_len;
    uint32_t name_hash; /* of the name: lets lookups skip most memcmps */
    uint8_t kind;
    uint8_t flags;    /* EVF_*; every setter resets them */
    const struct field_def *def;
    const char *s; /* EV_STR, EV_JSON: NUL-terminated, len bytes */
    uint32_t len;
    int64_t i;     /* EV_INT, EV_BOOL */
    double f;      /* EV_FLOAT */
};

#define EV_INDEX_SLOTS 256 /* power of two; at most EV_INDEX_SLOTS/2 fields indexed */

struct event {
    struct vg_arena arena;
    struct ev_field *f;
    uint32_t n, cap;
    /* open-addressing index by name hash: field number + 1, 0 = empty.
     * Fields beyond EV_INDEX_SLOTS/2 are found by a linear scan. */
    uint16_t index[EV_INDEX_SLOTS];
};

/* A record that stands for several events of one observation (a sighting
 * count, an exported observation) says so in two fields under vigil's own
 * extra namespace, read by the ingest pipeline:
 *   extra.vigil.events     integer >= 1: the number of events (default 1)
 *   extra.vigil.last_seen  DateTime on the UTC day of time.source, not
 *                          before it: the last event (time.source is the
 *                          first)
 * Writers of exports set them and readers of STIX and MISP fill them, so
 * that an exported observation reads back as the same observation. */
#define EVENT_EXTRA_EVENTS "extra.vigil.events"
#define EVENT_EXTRA_LAST_SEEN "extra.vigil.last_seen"
#define EVENT_EVENTS_MAX INT64_C(1000000000000) /* 10^12: beyond is not a count */

void event_init(struct event *ev);
void event_clear(struct event *ev);
void event_free(struct event *ev);

/* Set (replace if present) a field.  name_len may be 0 for strlen(name). */
int event_set_str(struct event *ev, const char *name, const char *s, size_t len);
int event_set_cstr(struct event *ev, const char *name, const char *s);
int event_set_int(struct event *ev, const char *name, int64_t v);
int event_set_float(struct event *ev, const char *name, double v);
int event_set_bool(struct event *ev, const char *name, int v);
/* raw must be one valid JSON value (object, array, ...), copied verbatim. */
int event_set_json(struct event *ev, const char *name, const char *raw, size_t len);
/* As the setters, for names not NUL-terminated (e.g. built from input). */
int event_set_strn(struct event *ev, const char *name, size_t name_len,
                   const char *s, size_t len);

/* A field name resolved once for the event_put_* setters.  The name's
 * bytes are not copied: they must stay valid (and unchanged) as long as any
 * event holds a field set through it — string literals and a driver's
 * static tables qualify.  Plain data: no cleanup. */
struct ev_name {
    const char *name; /* NUL-terminated */
    uint32_t len;
    uint32_t hash;
    const struct field_def *def;
};

/* Resolve name (len bytes, NUL-terminated at len) for the event_put_*
 * setters.  Returns 0, or VG_EINVAL for a name event_set_* would refuse. */
int event_name_init(struct ev_name *n, const char *name, size_t len);

/* As event_set_str/int/float/bool, through a resolved name.  The value is
 * copied into the event's arena; the name is not (see struct ev_name). */
int event_put_str(struct event *ev, const struct ev_name *n, const char *s, size_t len);
int event_put_int(struct event *ev, const struct ev_name *n, int64_t v);
int event_put_float(struct event *ev, const struct ev_name *n, double v);
int event_put_bool(struct event *ev, const struct ev_name *n, int v);
/* As event_put_str, for a value the caller vouches is already canonical:
 * exactly the text event_validate would leave (e.g. vt_format_iso output
 * for a DateTime, ip_format output for an IPAddress), so that validation
 * skips the field instead of parsing and formatting it again. */
int event_put_canonical(struct event *ev, const struct ev_name *n, const char *s, size_t len);
/* Make n a string field of len bytes and return its value's storage in the
 * event's arena (len + 1 bytes, NUL-terminated at len) for the caller to
 * fill before the event is used again, so that a long value produced in
 * place (raw's base64) is not copied.  NULL when out of memory or len is
 * too long. */
char *event_put_str_buf(struct event *ev, const struct ev_name *n, size_t len);

/* Remember the event's fields in save (a buffer the caller owns and may
 * reuse), so that event_restore can take back every set and remove made
 * after this call: a parser that maps a nested document before it knows
 * whether the document is well-formed undoes what it set.  0 or
 * VG_ENOMEM. */
int event_save(const struct event *ev, struct vg_buf *save);
/* Put the fields back as the last event_save into save found them.  Valid
 * only until the next event_clear (the values set since stay in the
 * arena, unused). */
void event_restore(struct event *ev, const struct vg_buf *save);

const struct ev_field *event_get(const struct event *ev, const char *name);
/* As event_get, through a resolved name (no hashing: for per-record reads). */
const struct ev_field *event_find(const struct event *ev, const struct ev_name *n);
/* The string value of a field (EV_STR) or NULL. */
const char *event_get_str(const struct event *ev, const char *name);
int event_remove(struct event *ev, const char *name);

/* Normalise and check every field against its harmonisation type, as
 * IntelMQ's sanitising `add` does: lower/upper-case strings, canonical IP
 * text, DateTime as "YYYY-MM-DDTHH:MM:SS[.ffffff]+00:00", ASN range, TLP
 * vocabulary, FQDN without trailing dot...  On failure err names the field
 * and the value. */
int event_validate(struct event *ev, struct vg_err *err);

/* Append the event as one IntelMQ JSON object (flat dotted keys, sorted),
 * without a trailing newline. */
int event_write_json(const struct event *ev, struct vg_buf *out);

/* Append a double in the shortest form that reads back identically, always
 * with a decimal point or exponent (as Python's repr). */
int event_write_double(struct vg_buf *out, double v);

#endif
