/*
 * field.h — the schema of the normalised event, as data.
 *
 * One table lists every field of IntelMQ's harmonisation (name and type);
 * parsers, validation and writers all read it, so that a field is declared
 * once.  Fields under "extra." are free-form (IntelMQ's JSONDict "extra"):
 * any vendor field we do not map lands there instead of being dropped.
 */
#ifndef VG_FIELD_H
#define VG_FIELD_H

#include <stddef.h>

enum field_type {
    FT_STRING,
    FT_LOWERCASE,     /* LowercaseString: lower-cased on set */
    FT_UPPERCASE,     /* UppercaseString */
    FT_INTEGER,
    FT_FLOAT,
    FT_BOOLEAN,
    FT_IP,            /* IPAddress */
    FT_NETWORK,       /* IPNetwork */
    FT_DATETIME,
    FT_FQDN,
    FT_URL,
    FT_ASN,
    FT_ACCURACY,      /* float 0..100 */
    FT_CLASS_TYPE,    /* ClassificationType (a fixed vocabulary) */
    FT_CLASS_TAXONOMY,
    FT_BASE64,
    FT_JSON,
    FT_JSONDICT,      /* "extra" and everything under "extra." */
    FT_REGISTRY,
    FT_TLP,
};

struct field_def {
    const char *name;
    enum field_type type;
};

/* The definition of a field, or NULL when the name is not in the schema.
 * "extra.anything" returns the definition of "extra". */
const struct field_def *field_find(const char *name, size_t len);

/* All fields, in schema order; *n receives the count. */
const struct field_def *field_all(size_t *n);

const char *field_type_name(enum field_type t);

/* The classification.type vocabulary of IntelMQ (RSIT) and its taxonomy. */
const char *field_class_taxonomy(const char *type);
/* The k-th classification type of the vocabulary (sorted), NULL past the
 * end: to list or check the vocabulary. */
const char *field_class_type_at(size_t k);

#endif
