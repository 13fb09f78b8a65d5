/*
 * field.c — the harmonisation table (IntelMQ's harmonization.conf, event
 * section: field names and types) and the classification vocabulary.
 *
 * The table is sorted by name so that field_find is a binary search.
 */
#include "event/field.h"

#include <string.h>

static const struct field_def fields[] = {
    {"classification.identifier", FT_STRING},
    {"classification.taxonomy", FT_CLASS_TAXONOMY},
    {"classification.type", FT_CLASS_TYPE},
    {"comment", FT_STRING},
    {"destination.abuse_contact", FT_LOWERCASE},
    {"destination.account", FT_STRING},
    {"destination.allocated", FT_DATETIME},
    {"destination.as_name", FT_STRING},
    {"destination.asn", FT_ASN},
    {"destination.domain_suffix", FT_FQDN},
    {"destination.fqdn", FT_FQDN},
    {"destination.geolocation.cc", FT_UPPERCASE},
    {"destination.geolocation.city", FT_STRING},
    {"destination.geolocation.country", FT_STRING},
    {"destination.geolocation.latitude", FT_FLOAT},
    {"destination.geolocation.longitude", FT_FLOAT},
    {"destination.geolocation.region", FT_STRING},
    {"destination.geolocation.state", FT_STRING},
    {"destination.ip", FT_IP},
    {"destination.local_hostname", FT_STRING},
    {"destination.local_ip", FT_IP},
    {"destination.network", FT_NETWORK},
    {"destination.port", FT_INTEGER},
    {"destination.registry", FT_REGISTRY},
    {"destination.reverse_dns", FT_FQDN},
    {"destination.tor_node", FT_BOOLEAN},
    {"destination.url", FT_URL},
    {"destination.urlpath", FT_STRING},
    {"event_description.target", FT_STRING},
    {"event_description.text", FT_STRING},
    {"event_description.url", FT_URL},
    {"event_hash", FT_UPPERCASE},
    {"extra", FT_JSONDICT},
    {"feed.accuracy", FT_ACCURACY},
    {"feed.code", FT_STRING},
    {"feed.documentation", FT_STRING},
    {"feed.name", FT_STRING},
    {"feed.provider", FT_STRING},
    {"feed.url", FT_URL},
    {"malware.hash.md5", FT_STRING},
    {"malware.hash.sha1", FT_STRING},
    {"malware.hash.sha256", FT_STRING},
    {"malware.name", FT_LOWERCASE},
    {"malware.version", FT_STRING},
    {"misp.attribute_uuid", FT_LOWERCASE},
    {"misp.event_uuid", FT_LOWERCASE},
    {"output", FT_JSON},
    {"protocol.application", FT_LOWERCASE},
    {"protocol.transport", FT_LOWERCASE},
    {"raw", FT_BASE64},
    {"rtir_id", FT_INTEGER},
    {"screenshot_url", FT_URL},
    {"source.abuse_contact", FT_LOWERCASE},
    {"source.account", FT_STRING},
    {"source.allocated", FT_DATETIME},
    {"source.as_name", FT_STRING},
    {"source.asn", FT_ASN},
    {"source.domain_suffix", FT_FQDN},
    {"source.fqdn", FT_FQDN},
    {"source.geolocation.cc", FT_UPPERCASE},
    {"source.geolocation.city", FT_STRING},
    {"source.geolocation.country", FT_STRING},
    {"source.geolocation.cymru_cc", FT_UPPERCASE},
    {"source.geolocation.geoip_cc", FT_UPPERCASE},
    {"source.geolocation.latitude", FT_FLOAT},
    {"source.geolocation.longitude", FT_FLOAT},
    {"source.geolocation.region", FT_STRING},
    {"source.geolocation.state", FT_STRING},
    {"source.ip", FT_IP},
    {"source.local_hostname", FT_STRING},
    {"source.local_ip", FT_IP},
    {"source.network", FT_NETWORK},
    {"source.port", FT_INTEGER},
    {"source.registry", FT_REGISTRY},
    {"source.reverse_dns", FT_FQDN},
    {"source.tor_node", FT_BOOLEAN},
    {"source.url", FT_URL},
    {"source.urlpath", FT_STRING},
    {"status", FT_STRING},
    {"time.observation", FT_DATETIME},
    {"time.source", FT_DATETIME},
    {"tlp", FT_TLP},
};

#define NFIELDS (sizeof fields / sizeof fields[0])

/* Compare a (alen bytes) with the NUL-terminated b without measuring b:
 * this runs a few times for every field a parser sets. */
static int cmp_name(const char *a, size_t alen, const char *b)
{
    for (size_t k = 0; k < alen; k++) {
        unsigned char x = (unsigned char)a[k], y = (unsigned char)b[k];
        if (x != y)
            return y == 0 ? 1 : (x < y ? -1 : 1);
    }
    return b[alen] ? -1 : 0;
}

const struct field_def *field_find(const char *name, size_t len)
{
    if (len > 6 && memcmp(name, "extra.", 6) == 0)
        name = "extra", len = 5;
    size_t lo = 0, hi = NFIELDS;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int c = cmp_name(name, len, fields[mid].name);
        if (c == 0)
            return &fields[mid];
        if (c < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return NULL;
}

const struct field_def *field_all(size_t *n)
{
    *n = NFIELDS;
    return fields;
}

const char *field_type_name(enum field_type t)
{
    static const char *names[] = {
        "String", "LowercaseString", "UppercaseString", "Integer", "Float",
        "Boolean", "IPAddress", "IPNetwork", "DateTime", "FQDN", "URL", "ASN",
        "Accuracy", "ClassificationType", "ClassificationTaxonomy", "Base64",
        "JSON", "JSONDict", "Registry", "TLP",
    };
    return (size_t)t < sizeof names / sizeof names[0] ? names[t] : "?";
}

/* RSIT-based classification of IntelMQ 3: type -> taxonomy, sorted by type. */
static const struct {
    const char *type, *taxonomy;
} class_types[] = {
    {"application-compromise", "intrusions"},
    {"blacklist", "other"},
    {"brute-force", "intrusion-attempts"},
    {"burglary", "intrusions"},
    {"c2-server", "malicious-code"},
    {"copyright", "fraud"},
    {"data-leak", "information-content-security"},
    {"data-loss", "information-content-security"},
    {"ddos", "availability"},
    {"ddos-amplifier", "vulnerable"},
    {"dos", "availability"},
    {"exploit", "intrusion-attempts"},
    {"harmful-speech", "abusive-content"},
    {"ids-alert", "intrusion-attempts"},
    {"infected-system", "malicious-code"},
    {"information-disclosure", "vulnerable"},
    {"malware-configuration", "malicious-code"},
    {"malware-distribution", "malicious-code"},
    {"masquerade", "fraud"},
    {"other", "other"},
    {"outage", "availability"},
    {"phishing", "fraud"},
    {"potentially-unwanted-accessible", "vulnerable"},
    {"privileged-account-compromise", "intrusions"},
    {"sabotage", "availability"},
    {"scanner", "information-gathering"},
    {"sniffing", "information-gathering"},
    {"social-engineering", "information-gathering"},
    {"spam", "abusive-content"},
    {"system-compromise", "intrusions"},
    {"test", "test"},
    {"unauthorised-information-access", "information-content-security"},
    {"unauthorised-information-modification", "information-content-security"},
    {"unauthorized-use-of-resources", "fraud"},
    {"undetermined", "other"},
    {"unknown", "other"},
    {"unprivileged-account-compromise", "intrusions"},
    {"violence", "abusive-content"},
    {"vulnerable-system", "vulnerable"},
    {"weak-crypto", "vulnerable"},
};

/* A binary search: class_types is sorted by type (test_event checks), and
 * every record's classification.type is looked up here. */
const char *field_class_taxonomy(const char *type)
{
    size_t lo = 0, hi = sizeof class_types / sizeof class_types[0];
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int c = strcmp(type, class_types[mid].type);
        if (c == 0)
            return class_types[mid].taxonomy;
        if (c < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return NULL;
}

const char *field_class_type_at(size_t k)
{
    return k < sizeof class_types / sizeof class_types[0] ? class_types[k].type : NULL;
}
