/*
 * tlp.h — the Traffic Light Protocol 2.0 labels (FIRST, "TLP version 2.0",
 * August 2022) and how the sharing formats spell them.
 *
 * One table serves every reader and writer: the label vigil stores
 * ("AMBER+STRICT"), its order (a label may be read by whoever may read a
 * stricter one's audience — CLEAR < GREEN < AMBER < AMBER+STRICT < RED),
 * the STIX 2.1 marking-definition of the OASIS TLP 2.0 extension
 * (extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d, published in
 * oasis-open/cti-stix-common-objects, extension-definition-specifications/
 * tlp-2.0), the TLP 1.0 markings STIX 2.1 §7.2.1.4 predefines, and the MISP
 * "tlp" taxonomy's tags.  TLP 1.0's WHITE is read as CLEAR, as FIRST's TLP
 * 2.0 text says ("TLP:CLEAR ... replaces TLP:WHITE").
 */
#ifndef VG_TLP_H
#define VG_TLP_H

#include <stddef.h>

enum tlp_level {
    TLP_CLEAR = 0,
    TLP_GREEN = 1,
    TLP_AMBER = 2,
    TLP_AMBER_STRICT = 3,
    TLP_RED = 4,
    TLP_COUNT = 5, /* the number of labels */
    TLP_NONE = -1, /* not a TLP label */
};

/* "CLEAR", "tlp:amber+strict", "White", "TLP:RED"... (case-insensitive,
 * optional "TLP:" prefix; WHITE is CLEAR).  TLP_NONE when not a label. */
enum tlp_level tlp_parse(const char *s, size_t n);

/* The label as vigil stores it: "CLEAR", "GREEN", "AMBER", "AMBER+STRICT",
 * "RED"; NULL for TLP_NONE. */
const char *tlp_name(enum tlp_level t);

/* The stricter of two levels (TLP_NONE counts as unknown: the other wins). */
enum tlp_level tlp_stricter(enum tlp_level a, enum tlp_level b);

/* STIX 2.1: the id of the TLP 2.0 marking-definition of a level, and the
 * level a marking-definition id names (TLP 2.0 ids and the TLP 1.0 ids of
 * STIX 2.1 §7.2.1.4), TLP_NONE for any other id. */
const char *tlp_stix_marking_id(enum tlp_level t);
enum tlp_level tlp_from_stix_marking_id(const char *id);
/* The value of the extension's "tlp_2_0" property ("amber+strict"). */
const char *tlp_stix_value(enum tlp_level t);
#define TLP_STIX_EXTENSION_ID "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d"
/* The "created" time OASIS published the five marking objects with. */
#define TLP_STIX_CREATED "2022-10-01T00:00:00.000Z"

/* MISP: the tag of the "tlp" taxonomy ("tlp:amber+strict") and its colour;
 * tlp_parse reads a tag back. */
const char *tlp_misp_tag(enum tlp_level t);
const char *tlp_misp_colour(enum tlp_level t);

#endif
