/*
 * ss_schema.h — how Shadowserver report columns map onto the normalised
 * event: Shadowserver's own IntelMQ report schema loaded at run time, or a
 * built-in generic mapping when no schema file is available.
 *
 * The schema (Shadowserver's "intelmq.json", which IntelMQ downloads as
 * shadowserver-schema.json) is a JSON object: report key -> {feed_name,
 * file_name, constant_fields, required_fields, optional_fields}; each field
 * item is [intelmq_key, csv_column, conversion?, pass_row?].  It carries no
 * licence, so vigil never ships it: it is read from a path the user gives.
 *
 * A struct ss_report is one report's mapping, independent of any file; the
 * Shadowserver driver binds it to a header row (column indexes) per input.
 */
#ifndef VG_SS_SCHEMA_H
#define VG_SS_SCHEMA_H

#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/err.h"
#include "event/field.h"

/* The conversion functions of IntelMQ's Shadowserver parser (_config.py),
 * by the names the schema uses. */
enum ss_conv {
    SS_CONV_NONE,
    SS_CONV_UTC_TIMESTAMP,   /* add_UTC_to_timestamp: naive time is UTC */
    SS_CONV_BOOL,            /* convert_bool: y/yes/true/enabled/1, n/no/... */
    SS_CONV_TO_NONE,         /* validate_to_none: "", "0", "unknown" -> none */
    SS_CONV_INT,             /* convert_int: "" -> none */
    SS_CONV_FLOAT,           /* convert_float */
    SS_CONV_HOST_URL,        /* convert_http_host_and_url (uses the row) */
    SS_CONV_INVALIDATE_ZERO, /* invalidate_zero: int, 0 -> none */
    SS_CONV_TOR_NODE,        /* set_tor_node: non-empty -> true */
    SS_CONV_IP,              /* validate_ip: "0.0.0.0", CIDR, invalid -> none */
    SS_CONV_NETWORK,         /* validate_network: only "a/len" */
    SS_CONV_FQDN,            /* validate_fqdn */
    SS_CONV_DATE,            /* convert_date: any date text -> DateTime */
    SS_CONV_DATE_UTC,        /* convert_date_utc: naive date is UTC */
    SS_CONV_BASE64,          /* force_base64 */
    SS_CONV_EXCH_TAXONOMY,   /* scan_exchange_taxonomy */
    SS_CONV_EXCH_TYPE,       /* scan_exchange_type */
    SS_CONV_EXCH_IDENT,      /* scan_exchange_identifier */
    SS_CONV_CVE_FROM_TAG,    /* extract_cve_from_tag */
    SS_CONV_CATEGORY_OR_DETAIL, /* category_or_detail (uses the row) */
    SS_CONV_UNKNOWN, /* a name this build does not know: value kept */
};

/* Where an item's value goes, decided once when the schema is loaded. */
enum ss_target {
    SS_TGT_FIELD,  /* a harmonised field: sanitised, invalid -> extra */
    SS_TGT_EXTRA,  /* "extra.<name>" as given (typed value) */
    SS_TGT_IGNORE, /* false / "__IGNORE__": the column is dropped */
};

struct ss_item {
    const char *key;      /* as in the schema ("extra." for extra.<column>) */
    const char *column;   /* CSV column */
    const char *out_name; /* event field name the value lands under */
    const struct field_def *def; /* SS_TGT_FIELD only */
    enum ss_target target;
    enum ss_conv conv;
    uint8_t required;
};

struct ss_const {
    const char *key;
    const char *value;
};

struct ss_report {
    const char *name;      /* schema key ("event_sinkhole") */
    const char *file_name; /* report type in file names ("event4_sinkhole") */
    const char *feed_name;
    struct ss_item *items; /* required items first, in schema order */
    size_t nitems, nrequired;
    struct ss_const *consts;
    size_t nconsts;
};

struct ss_schema {
    struct vg_arena arena; /* every string and array below */
    struct ss_report *reports;
    size_t n;
    const char *date_created; /* "_meta.date_created" or "" */
    int builtin;              /* 1 for the built-in generic mapping */
};

/* Load a schema file.  *out is allocated here; free it with ss_schema_free.
 * Items whose key is neither harmonised nor "extra." (e.g. "severity",
 * "product.name" in schemas newer than our harmonisation) land under
 * "extra.<key>", as IntelMQ's parser does on InvalidKey. */
int ss_schema_load(struct ss_schema **out, const char *path,
                   struct vg_err *err);
void ss_schema_free(struct ss_schema *s);

/* The schema to use when the caller names none: $VIGIL_SHADOWSERVER_SCHEMA
 * when set, else NULL.  (The driver falls back on this itself.) */
const char *ss_schema_env_path(void);

/* The schema path by vigil's precedence, for the CLI: cli_path (--schema)
 * when given, else $VIGIL_SHADOWSERVER_SCHEMA, else
 * <data_dir>/shadowserver-schema.json when that file exists (data_dir may be
 * NULL), else NULL: the built-in mapping.  A path built here is written to
 * buf (n bytes) and buf is returned. */
const char *ss_schema_resolve(const char *cli_path, const char *data_dir,
                              char *buf, size_t n);

/* The report for a report type: matched against file_name first (as
 * IntelMQ does), then against the schema key.  NULL when unknown. */
const struct ss_report *ss_schema_find(const struct ss_schema *s,
                                       const char *type);

/* The report whose columns best cover a header row: every required column
 * must be present; the score is the share of header columns the report
 * knows (0..100).  NULL when nothing fits. */
const struct ss_report *ss_schema_match_header(const struct ss_schema *s,
                                               const char *const *cols,
                                               size_t ncols, int *score);

/* Build the built-in generic mapping for one report type (may be NULL or
 * unknown) and header row: column vocabulary -> fields, classification per
 * report family, feed name from a table of report names.  The report and
 * its strings live in *arena (owned by the caller). */
int ss_builtin_report(struct vg_arena *arena, const char *type,
                      const char *const *cols, size_t ncols,
                      const struct ss_report **out, struct vg_err *err);

/* The feed name of a known report type, or NULL. */
const char *ss_builtin_feed_name(const char *type);

/* classification.type for a report type by its family (scan_* ->
 * vulnerable-system, sinkhole -> infected-system, ...); never NULL. */
const char *ss_builtin_class_type(const char *type);

/* The report type in a file name "[YYYY-MM-DD-]<type>[-...].csv" (directory
 * ignored), written to out; 0 on success, VG_ENOTFOUND when the name does
 * not have that form. */
int ss_type_from_filename(const char *path, char *out, size_t outlen);

/* The name of a conversion as the schema spells it (for messages). */
const char *ss_conv_name(enum ss_conv c);

#endif
