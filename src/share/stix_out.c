/*
 * stix_out.c — observations as one STIX 2.1 bundle (OASIS STIX Version 2.1,
 * Committee Specification / OASIS Standard, 2021).
 *
 * The bundle (§8) holds:
 *   identity            the producing organisation (§4.5), created_by_ref
 *                       of every other object
 *   marking-definition  the TLP 2.0 markings in use, as OASIS published them
 *                       (event/tlp.h); every object carries one in
 *                       object_marking_refs (§7.2)
 *   malware             one per family (§4.11): name, is_family true
 *   ipv4-addr/ipv6-addr one per address (§6.4, §6.5), with the id §2.9
 *                       fixes for it (UUIDv5 in the SCO namespace of the
 *                       canonical {"value":...}), marked with the strictest
 *                       TLP of the address's observations in the bundle
 * and for each observation (the infected host on one day):
 *   indicator           pattern [ipv4-addr:value = '…'] (§4.7, patterning
 *                       §9), valid from the first event to the end of the
 *                       day
 *   relationship        indicator "indicates" malware (§5.1), when the
 *                       observation has a family
 *   observed-data       first/last_observed, number_observed = events,
 *                       object_refs the address (§4.14)
 *   sighting            of the indicator (§5.2): count, first/last_seen,
 *                       observed_data_refs, where_sighted_refs the producer;
 *                       custom properties (§11.1) x_vigil_feed and
 *                       x_vigil_classification keep the feed and IntelMQ's
 *                       classification.type, and x_vigil_events the count
 *                       when it exceeds STIX's 999,999,999
 * Ids are UUIDv5 of the observation's key (share_int.h), so re-exporting
 * gives the same ids.  An observation's objects are created at the start
 * of its day (part of the key, so the same for every version, §3.2) and
 * modified when the store took the version they show (its last event when
 * later, or when the store did not record it): counting more events makes
 * a new version.  Millisecond precision, as §3.2 requires of them; identity
 * and malware carry a fixed date (their content never changes).
 * Observation times (first/last_observed, first/last_seen, valid_from) keep
 * vigil's microseconds, so the reader gets back exactly what was stored.
 *
 * Objects are written one per line as they are made (the bundle is never
 * held in memory); only one address's observations are buffered, to mark
 * its cyber-observable.  The bundle's own id, a UUIDv5 of the SHA-256 of
 * every object written, follows the objects: the same data gives the same
 * bundle, byte for byte.
 */
#include "share/share_int.h"
#include "core/hash.h"
#include "core/ip.h"
#include "core/vtime.h"

#include <jansson.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>

/* STIX 2.1 §2.9: the namespace of deterministic cyber-observable ids. */
static const struct vg_uuid sco_namespace = {{0x00, 0xab, 0xed, 0xb4, 0xaa, 0x42, 0x46, 0x6c, 0x9c,
                                               0x01, 0xfe, 0xd2, 0x33, 0x15, 0xa9, 0xb7}};

/* created/modified of the objects whose content never changes */
#define FIXED_TIME "2020-01-01T00:00:00.000Z"
/* §4.14, §5.2: number_observed and count stop here */
#define STIX_COUNT_MAX 999999999u

struct strset {
    char **slot;
    size_t cap, n;
};

struct stix {
    struct share_writer w;
    struct share_file out;
    const char *producer;
    char identity[SHARE_ID_MAX];
    unsigned markings; /* bit per TLP level written */
    struct strset families;
    /* the observations of the current address */
    struct landscape_obs *grp;
    size_t ngrp, capgrp;
    struct vg_arena arena;
    struct vg_buf text;
    EVP_MD_CTX *sha;
    uint64_t objects;
    int (*stored)(void *ctx, const char *id, int64_t stored_us);
    void *stored_ctx;
};

/* ---- a set of family names (open addressing, FNV-1a) --------------------- */

static uint64_t str_hash(const char *s)
{
    return vg_hash_bytes(s, strlen(s));
}

/* 1 when s was added, 0 when present, VG_ENOMEM. */
static int strset_add(struct strset *set, const char *s)
{
    if ((set->n + 1) * 2 > set->cap) {
        size_t ncap = set->cap ? set->cap * 2 : 64;
        char **ns = calloc(ncap, sizeof *ns);
        if (!ns)
            return VG_ENOMEM;
        for (size_t k = 0; k < set->cap; k++)
            if (set->slot[k]) {
                size_t i = str_hash(set->slot[k]) & (ncap - 1);
                while (ns[i])
                    i = (i + 1) & (ncap - 1);
                ns[i] = set->slot[k];
            }
        free(set->slot);
        set->slot = ns;
        set->cap = ncap;
    }
    size_t i = str_hash(s) & (set->cap - 1);
    for (; set->slot[i]; i = (i + 1) & (set->cap - 1))
        if (strcmp(set->slot[i], s) == 0)
            return 0;
    if (!(set->slot[i] = strdup(s)))
        return VG_ENOMEM;
    set->n++;
    return 1;
}

static void strset_free(struct strset *set)
{
    for (size_t k = 0; k < set->cap; k++)
        free(set->slot[k]);
    free(set->slot);
}

/* ---- writing objects ------------------------------------------------------ */

/* Write one object (its reference is taken) and feed it to the bundle's
 * hash. */
static int emit(struct stix *s, json_t *obj, struct vg_err *err)
{
    if (!obj)
        return vg_err_set(err, VG_ENOMEM, "out of memory building a STIX object");
    size_t need = json_dumpb(obj, NULL, 0, JSON_COMPACT);
    int rc = 0;
    vg_buf_reset(&s->text);
    if (!need || vg_buf_reserve(&s->text, need + 3))
        rc = vg_err_set(err, VG_ENOMEM, "out of memory writing a STIX object");
    else {
        if (s->objects)
            memcpy(s->text.data, ",\n", 2), s->text.len = 2;
        s->text.len += json_dumpb(obj, s->text.data + s->text.len, need, JSON_COMPACT);
        EVP_DigestUpdate(s->sha, s->text.data, s->text.len);
        rc = share_file_write(&s->out, s->text.data, s->text.len, err);
        s->objects++;
    }
    json_decref(obj);
    return rc;
}

static json_t *marking_refs(enum tlp_level t)
{
    return json_pack("[s]", tlp_stix_marking_id(t));
}

static int emit_marking(struct stix *s, enum tlp_level t, struct vg_err *err)
{
    if (s->markings & (1u << t))
        return 0;
    s->markings |= 1u << t;
    char name[32];
    snprintf(name, sizeof name, "TLP:%s", tlp_name(t));
    return emit(s,
                json_pack("{s:s, s:s, s:s, s:s, s:s, s:{s:{s:s, s:s}}}", "type",
                          "marking-definition", "spec_version", "2.1", "id",
                          tlp_stix_marking_id(t), "created", TLP_STIX_CREATED, "name", name,
                          "extensions", TLP_STIX_EXTENSION_ID, "extension_type",
                          "property-extension", "tlp_2_0", tlp_stix_value(t)),
                err);
}

static enum tlp_level obs_tlp(const struct landscape_obs *o)
{
    enum tlp_level t = tlp_parse(o->obs.tlp, strlen(o->obs.tlp));
    return t == TLP_NONE ? TLP_RED : t; /* as the export driver ranks it */
}

static void sco_id(const struct ip_addr *ip, char *out)
{
    char text[IP_STRLEN], uuid[UUID_STRLEN];
    struct vg_buf name = VG_BUF_INIT;
    struct vg_uuid u;
    ip_format(ip, text);
    memset(&u, 0, sizeof u);
    /* §2.9: the JCS form of the id-contributing properties, here "value" */
    if (!vg_buf_puts(&name, "{\"value\":") && !vg_buf_json_str(&name, text, strlen(text)) &&
        !vg_buf_putc(&name, '}'))
        uuid_v5(&sco_namespace, name.data, name.len, &u);
    vg_buf_free(&name);
    uuid_format(&u, uuid);
    snprintf(out, SHARE_ID_MAX, "%s--%s", ip_is_v4(ip) ? "ipv4-addr" : "ipv6-addr", uuid);
}

/* IntelMQ's classification.type → STIX indicator-type-ov (§10.12). */
static const char *indicator_type(const char *type)
{
    static const char *const compromised[] = {
        "infected-system", "system-compromise", "application-compromise",
        "privileged-account-compromise", "unprivileged-account-compromise"};
    static const char *const malicious[] = {
        "c2-server", "malware-distribution", "malware-configuration", "phishing", "scanner",
        "brute-force", "ddos", "dos", "spam", "exploit", "ids-alert", "blacklist"};
    for (size_t k = 0; k < sizeof compromised / sizeof compromised[0]; k++)
        if (strcmp(type, compromised[k]) == 0)
            return "compromised";
    for (size_t k = 0; k < sizeof malicious / sizeof malicious[0]; k++)
        if (strcmp(type, malicious[k]) == 0)
            return "malicious-activity";
    return "unknown";
}

static int emit_malware(struct stix *s, const char *family, const char *id, struct vg_err *err)
{
    int added = strset_add(&s->families, family);
    if (added < 0)
        return vg_err_set(err, VG_ENOMEM, "out of memory");
    if (!added)
        return 0;
    return emit(s,
                json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:o, s:b, s:o}", "type", "malware",
                          "spec_version", "2.1", "id", id, "created", FIXED_TIME, "modified",
                          FIXED_TIME, "created_by_ref", s->identity, "name",
                          share_json_str(family), "is_family", 1, "object_marking_refs",
                          marking_refs(TLP_CLEAR)),
                err);
}

static int emit_observation(struct stix *s, const struct landscape_obs *o, const char *sco,
                            struct vg_err *err)
{
    const struct store_obs *b = &o->obs;
    char day[16], ip[IP_STRLEN];
    const char *parts[SHARE_OBS_PARTS];
    char ind[SHARE_ID_MAX], od[SHARE_ID_MAX], sig[SHARE_ID_MAX], rel[SHARE_ID_MAX];
    char mal[SHARE_ID_MAX] = "";
    char created[32], modified[32], first[32], last[32], until[32];
    int rc;
    enum tlp_level t = obs_tlp(o);
    share_obs_name(o, "indicator", s->producer, day, ip, parts);
    if ((rc = share_id("indicator", parts, SHARE_OBS_PARTS, ind, err)))
        return rc;
    parts[0] = "observed-data";
    if ((rc = share_id("observed-data", parts, SHARE_OBS_PARTS, od, err)))
        return rc;
    parts[0] = "sighting";
    if ((rc = share_id("sighting", parts, SHARE_OBS_PARTS, sig, err)))
        return rc;
    if (b->family[0]) {
        const char *mp[3] = {"malware", s->producer, b->family};
        const char *rp[5] = {"relationship", s->producer, ind, "indicates", mal};
        if ((rc = share_id("malware", mp, 3, mal, err)) ||
            (rc = share_id("relationship", rp, 5, rel, err)) ||
            (rc = emit_malware(s, b->family, mal, err)))
            return rc;
    }
    if ((rc = emit_marking(s, t, err)))
        return rc;
    vt_format_utc((int64_t)b->day * VT_US_PER_DAY, 3, created);
    vt_format_utc(o->added_us > b->last_us ? o->added_us : b->last_us, 3, modified);
    vt_format_utc(b->first_us, 6, first);
    vt_format_utc(b->last_us, 6, last);
    int64_t end_of_day = ((int64_t)b->day + 1) * VT_US_PER_DAY;
    vt_format_utc(end_of_day, 3, until);
    char pattern[IP_STRLEN + 32], name[IP_STRLEN + 300];
    snprintf(pattern, sizeof pattern, "[%s:value = '%s']",
             ip_is_v4(&b->ip) ? "ipv4-addr" : "ipv6-addr", ip);
    snprintf(name, sizeof name, "%s: %.256s on %s", ip,
             b->family[0] ? b->family : b->type[0] ? b->type : "host", day);
    json_t *indicator = json_pack(
        "{s:s, s:s, s:s, s:s, s:s, s:s, s:o, s:[s], s:s, s:s, s:s, s:s, s:o}", "type",
        "indicator", "spec_version", "2.1", "id", ind, "created", created, "modified", modified,
        "created_by_ref", s->identity, "name", share_json_str(name), "indicator_types",
        indicator_type(b->type), "pattern", pattern, "pattern_type", "stix", "pattern_version",
        "2.1", "valid_from", first, "object_marking_refs", marking_refs(t));
    /* §4.7: valid_until must be later than valid_from */
    if (indicator && b->first_us < end_of_day &&
        json_object_set_new(indicator, "valid_until", json_string(until)))
        indicator = (json_decref(indicator), NULL);
    if ((rc = emit(s, indicator, err)))
        return rc;
    if (b->family[0] &&
        (rc = emit(s,
                   json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:o}", "type",
                             "relationship", "spec_version", "2.1", "id", rel, "created",
                             created, "modified", modified, "created_by_ref", s->identity,
                             "relationship_type", "indicates", "source_ref", ind, "target_ref",
                             mal, "object_marking_refs", marking_refs(t)),
                   err)))
        return rc;
    json_int_t count = b->events > STIX_COUNT_MAX ? STIX_COUNT_MAX : (json_int_t)b->events;
    if ((rc = emit(s,
                   json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:I, s:[s], s:o}", "type",
                             "observed-data", "spec_version", "2.1", "id", od, "created",
                             created, "modified", modified, "created_by_ref", s->identity,
                             "first_observed", first, "last_observed", last, "number_observed",
                             count, "object_refs", sco, "object_marking_refs",
                             marking_refs(t)),
                   err)))
        return rc;
    json_t *sighting = json_pack(
        "{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:I, s:s, s:[s], s:[s], s:o}", "type",
        "sighting", "spec_version", "2.1", "id", sig, "created", created, "modified", modified,
        "created_by_ref", s->identity, "first_seen", first, "last_seen", last, "count", count,
        "sighting_of_ref", ind, "observed_data_refs", od, "where_sighted_refs", s->identity,
        "object_marking_refs", marking_refs(t));
    if (s->stored && ((rc = s->stored(s->stored_ctx, ind, o->added_us)) ||
                      (b->family[0] && (rc = s->stored(s->stored_ctx, rel, o->added_us))) ||
                      (rc = s->stored(s->stored_ctx, od, o->added_us)) ||
                      (rc = s->stored(s->stored_ctx, sig, o->added_us)))) {
        json_decref(sighting);
        return vg_err_set(err, rc, "out of memory");
    }
    if (sighting && ((b->feed[0] &&
                      json_object_set_new(sighting, "x_vigil_feed", share_json_str(b->feed))) ||
                     (b->type[0] && json_object_set_new(sighting, "x_vigil_classification",
                                                        json_string(b->type))) ||
                     (b->events > STIX_COUNT_MAX &&
                      json_object_set_new(sighting, "x_vigil_events",
                                          json_integer((json_int_t)b->events)))))
        sighting = (json_decref(sighting), NULL);
    return emit(s, sighting, err);
}

/* Write the buffered address: its cyber-observable, then its observations. */
static int flush_address(struct stix *s, struct vg_err *err)
{
    if (!s->ngrp)
        return 0;
    enum tlp_level strictest = TLP_CLEAR;
    int64_t stored = s->grp[0].added_us;
    for (size_t k = 0; k < s->ngrp; k++) {
        strictest = tlp_stricter(strictest, obs_tlp(&s->grp[k]));
        if (s->grp[k].added_us < stored)
            stored = s->grp[k].added_us;
    }
    char sco[SHARE_ID_MAX], ip[IP_STRLEN];
    const struct ip_addr *addr = &s->grp[0].obs.ip;
    sco_id(addr, sco);
    ip_format(addr, ip);
    int rc = emit_marking(s, strictest, err);
    rc = rc ? rc
            : emit(s,
                   json_pack("{s:s, s:s, s:s, s:s, s:o}", "type",
                             ip_is_v4(addr) ? "ipv4-addr" : "ipv6-addr", "spec_version", "2.1",
                             "id", sco, "value", ip, "object_marking_refs",
                             marking_refs(strictest)),
                   err);
    if (!rc && s->stored && (rc = s->stored(s->stored_ctx, sco, stored)))
        rc = vg_err_set(err, rc, "out of memory");
    for (size_t k = 0; k < s->ngrp && !rc; k++)
        rc = emit_observation(s, &s->grp[k], sco, err);
    s->ngrp = 0;
    vg_arena_reset(&s->arena);
    return rc;
}

static const char *keep(struct stix *s, const char *v)
{
    return vg_arena_strndup(&s->arena, v, strlen(v));
}

static int stix_put(struct share_writer *w, const struct landscape_obs *o, struct vg_err *err)
{
    struct stix *s = (struct stix *)w;
    int rc;
    if (s->ngrp && memcmp(s->grp[0].obs.ip.b, o->obs.ip.b, 16) != 0 &&
        (rc = flush_address(s, err)))
        return rc;
    if (s->ngrp == s->capgrp) {
        size_t nc = s->capgrp ? s->capgrp * 2 : 64;
        struct landscape_obs *ng = realloc(s->grp, nc * sizeof *ng);
        if (!ng)
            return vg_err_set(err, VG_ENOMEM, "out of memory");
        s->grp = ng;
        s->capgrp = nc;
    }
    struct landscape_obs *c = &s->grp[s->ngrp];
    *c = *o;
    c->obs.type = keep(s, o->obs.type);
    c->obs.family = keep(s, o->obs.family);
    c->obs.feed = keep(s, o->obs.feed);
    c->obs.tlp = keep(s, o->obs.tlp);
    c->obs.cc = c->obs.region = c->obs.city = c->as_name = ""; /* not written */
    if (!c->obs.type || !c->obs.family || !c->obs.feed || !c->obs.tlp)
        return vg_err_set(err, VG_ENOMEM, "out of memory");
    s->ngrp++;
    return 0;
}

static int stix_finish(struct share_writer *w, struct share_stats *stats, struct vg_err *err)
{
    struct stix *s = (struct stix *)w;
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    char hex[2 * EVP_MAX_MD_SIZE + 1], id[SHARE_ID_MAX], tail[SHARE_ID_MAX + 32];
    int rc = flush_address(s, err);
    if (rc)
        return rc;
    if (!EVP_DigestFinal_ex(s->sha, md, &mdlen))
        return vg_err_set(err, VG_ENOMEM, "hashing the bundle failed");
    for (unsigned k = 0; k < mdlen; k++)
        snprintf(hex + 2 * k, 3, "%02x", md[k]);
    const char *parts[3] = {"bundle", s->producer, hex};
    if ((rc = share_id("bundle", parts, 3, id, err)))
        return rc;
    int n = snprintf(tail, sizeof tail, "\n],\"id\":\"%s\"}\n", id);
    if ((rc = share_file_write(&s->out, tail, (size_t)n, err)))
        return rc;
    stats->objects = s->objects;
    return share_file_commit(&s->out, err);
}

static void stix_free(struct share_writer *w)
{
    struct stix *s = (struct stix *)w;
    if (!s)
        return;
    share_file_discard(&s->out);
    strset_free(&s->families);
    free(s->grp);
    vg_arena_free(&s->arena);
    vg_buf_free(&s->text);
    EVP_MD_CTX_free(s->sha);
    free(s);
}

int share_stix_new(struct share_writer **out, const struct share_options *opt,
                   struct vg_err *err)
{
    static const char head[] = "{\"type\":\"bundle\",\"objects\":[\n";
    struct stix *s = calloc(1, sizeof *s);
    int rc;
    if (!s)
        return vg_err_set(err, VG_ENOMEM, "out of memory");
    s->w = (struct share_writer){LANDSCAPE_ORDER_IP, stix_put, stix_finish, stix_free};
    s->producer = share_producer(opt);
    s->stored = opt->stored;
    s->stored_ctx = opt->stored_ctx;
    vg_arena_init(&s->arena, 16 * 1024);
    const char *parts[2] = {"identity", s->producer};
    if (!(s->sha = EVP_MD_CTX_new()) || !EVP_DigestInit_ex(s->sha, EVP_sha256(), NULL))
        rc = vg_err_set(err, VG_ENOMEM, "out of memory");
    else if (!(rc = share_id("identity", parts, 2, s->identity, err)) &&
             !(rc = share_file_open(&s->out, opt->path, opt->out, err)) &&
             !(rc = share_file_write(&s->out, head, sizeof head - 1, err)) &&
             !(rc = emit_marking(s, TLP_CLEAR, err)))
        rc = emit(s,
                  json_pack("{s:s, s:s, s:s, s:s, s:s, s:o, s:s, s:o}", "type", "identity",
                            "spec_version", "2.1", "id", s->identity, "created", FIXED_TIME,
                            "modified", FIXED_TIME, "name", share_json_str(s->producer),
                            "identity_class", "organization", "object_marking_refs",
                            marking_refs(TLP_CLEAR)),
                  err);
    if (rc) {
        stix_free(&s->w);
        return rc;
    }
    *out = &s->w;
    return 0;
}
