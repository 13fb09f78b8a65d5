/*
 * uuid.c — UUIDv5 and UUID text (see uuid.h).
 *
 * RFC 9562 §5.5: SHA-1 over the namespace's 16 bytes followed by the name;
 * the first 16 bytes of the digest, with the version nibble set to 5 and
 * the variant bits to 10.  SHA-1 comes from OpenSSL's libcrypto, already
 * linked for SHA-256; its weakness does not matter here (the ids name
 * objects, they authenticate nothing).
 */
#include "core/uuid.h"
#include "core/err.h"

#include <openssl/evp.h>
#include <string.h>

int uuid_v5(const struct vg_uuid *ns, const void *name, size_t len, struct vg_uuid *out)
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    int ok = ctx && EVP_DigestInit_ex(ctx, EVP_sha1(), NULL) &&
             EVP_DigestUpdate(ctx, ns->b, sizeof ns->b) && EVP_DigestUpdate(ctx, name, len) &&
             EVP_DigestFinal_ex(ctx, md, &mdlen) && mdlen >= 16;
    EVP_MD_CTX_free(ctx);
    if (!ok)
        return VG_ENOMEM;
    memcpy(out->b, md, 16);
    out->b[6] = (uint8_t)((out->b[6] & 0x0f) | 0x50);
    out->b[8] = (uint8_t)((out->b[8] & 0x3f) | 0x80);
    return 0;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

int uuid_parse(const char *s, size_t n, struct vg_uuid *out)
{
    if (n != 36)
        return VG_EINVAL;
    size_t j = 0;
    for (size_t i = 0; i < 36;) {
        if (i == 8 || i == 13 || i == 18 || i == 23) {
            if (s[i] != '-')
                return VG_EINVAL;
            i++;
            continue;
        }
        int hi = hexval(s[i]), lo = hexval(s[i + 1]);
        if (hi < 0 || lo < 0)
            return VG_EINVAL;
        out->b[j++] = (uint8_t)(hi << 4 | lo);
        i += 2;
    }
    return 0;
}

size_t uuid_format(const struct vg_uuid *u, char *out)
{
    static const char hex[] = "0123456789abcdef";
    size_t o = 0;
    for (int k = 0; k < 16; k++) {
        if (k == 4 || k == 6 || k == 8 || k == 10)
            out[o++] = '-';
        out[o++] = hex[u->b[k] >> 4];
        out[o++] = hex[u->b[k] & 15];
    }
    out[o] = '\0';
    return o;
}
