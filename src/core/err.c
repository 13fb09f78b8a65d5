/*
 * err.c — formatting of the caller-owned error buffer (see err.h).
 */
#include "core/err.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int vg_err_set(struct vg_err *err, int code, const char *fmt, ...)
{
    if (err) {
        va_list ap;
        err->code = code;
        va_start(ap, fmt);
        vsnprintf(err->msg, sizeof err->msg, fmt, ap);
        va_end(ap);
    }
    return code;
}

int vg_err_prefix(struct vg_err *err, const char *fmt, ...)
{
    if (!err)
        return VG_EINVAL;
    char head[256], old[sizeof err->msg];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(head, sizeof head, fmt, ap);
    va_end(ap);
    memcpy(old, err->msg, sizeof old);
    size_t hl = strlen(head);
    if (hl > sizeof err->msg - 3)
        hl = sizeof err->msg - 3;
    memcpy(err->msg, head, hl);
    memcpy(err->msg + hl, ": ", 2);
    size_t room = sizeof err->msg - hl - 3;
    size_t ol = strnlen(old, room);
    memcpy(err->msg + hl + 2, old, ol);
    err->msg[hl + 2 + ol] = 0;
    return err->code;
}

void vg_err_clear(struct vg_err *err)
{
    if (err) {
        err->code = 0;
        err->msg[0] = '\0';
    }
}

const char *vg_code_name(int code)
{
    switch (code) {
    case VG_OK: return "ok";
    case VG_ENOMEM: return "out of memory";
    case VG_EIO: return "I/O error";
    case VG_EPARSE: return "parse error";
    case VG_EUSAGE: return "usage error";
    case VG_ENOTFOUND: return "not found";
    case VG_EDB: return "database error";
    case VG_EDATA: return "enrichment data error";
    case VG_ELIMIT: return "limit exceeded";
    case VG_EINVAL: return "invalid value";
    case VG_EAUTH: return "authentication failed";
    case VG_EPERM: return "permission denied";
    }
    return "error";
}
