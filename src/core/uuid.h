/*
 * uuid.h — name-based UUIDs (RFC 9562 §5.5, version 5: SHA-1) and their
 * text form.
 *
 * Exports name every object by a UUIDv5 of a namespace and a canonical
 * name, so that exporting the same data twice gives the same ids (STIX 2.1
 * §2.9 does the same for cyber-observables).  The text form is the
 * lower-case 8-4-4-4-12 hex of RFC 9562 §4.
 */
#ifndef VG_UUID_H
#define VG_UUID_H

#include <stddef.h>
#include <stdint.h>

#define UUID_STRLEN 37 /* 36 characters and the NUL */

struct vg_uuid {
    uint8_t b[16];
};

/* UUIDv5 of name (len bytes) in namespace ns.  0, or VG_ENOMEM when
 * libcrypto cannot make a digest context. */
int uuid_v5(const struct vg_uuid *ns, const void *name, size_t len, struct vg_uuid *out);

/* Parse "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx" (either case, exactly 36
 * characters).  Returns 0 or VG_EINVAL. */
int uuid_parse(const char *s, size_t n, struct vg_uuid *out);

/* Lower-case text into out (UUID_STRLEN bytes); returns 36. */
size_t uuid_format(const struct vg_uuid *u, char *out);

#endif
