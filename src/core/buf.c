/*
 * buf.c — dynamic buffers and the bump arena (see buf.h).
 *
 * The arena is a singly linked list of blocks; the newest is at the head and
 * is the only one allocated from: struct vg_arena keeps its free range, so
 * that an allocation is an inline pointer bump (buf.h) and only a new
 * block comes here.  Requests larger than a block get a block of their
 * own.  Reset keeps the oldest block, so a parser that resets per record
 * allocates nothing in steady state.
 */
#include "core/buf.h"
#include "core/err.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int vg_buf_reserve(struct vg_buf *b, size_t extra)
{
    size_t need = b->len + extra + 1;
    if (need <= b->cap)
        return 0;
    if (b->max && need > b->max + 1)
        return VG_ELIMIT;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < need)
        cap *= 2;
    if (b->max && cap > b->max + 1)
        cap = b->max + 1;
    char *p = realloc(b->data, cap);
    if (!p)
        return VG_ENOMEM;
    b->data = p;
    b->cap = cap;
    return 0;
}

int vg_buf_append(struct vg_buf *b, const void *p, size_t n)
{
    int rc = vg_buf_reserve(b, n);
    if (rc)
        return rc;
    if (n)
        memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = '\0';
    return 0;
}

int vg_buf_puts(struct vg_buf *b, const char *s)
{
    return vg_buf_append(b, s, strlen(s));
}

int vg_buf_putc(struct vg_buf *b, char c)
{
    return vg_buf_append(b, &c, 1);
}

int vg_buf_printf(struct vg_buf *b, const char *fmt, ...)
{
    va_list ap;
    char small[256];
    va_start(ap, fmt);
    int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n < 0)
        return VG_EINVAL;
    if ((size_t)n < sizeof small)
        return vg_buf_append(b, small, (size_t)n);
    int rc = vg_buf_reserve(b, (size_t)n);
    if (rc)
        return rc;
    va_start(ap, fmt);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
    return 0;
}

/* Length of the valid UTF-8 sequence at s (1..4), or 0 if invalid. */
static size_t utf8_seq_len(const unsigned char *s, size_t n)
{
    unsigned char c = s[0];
    size_t len;
    uint32_t cp;
    if (c < 0x80)
        return 1;
    if (c >= 0xc2 && c <= 0xdf) {
        len = 2;
        cp = c & 0x1f;
    } else if (c >= 0xe0 && c <= 0xef) {
        len = 3;
        cp = c & 0x0f;
    } else if (c >= 0xf0 && c <= 0xf4) {
        len = 4;
        cp = c & 0x07;
    } else {
        return 0;
    }
    if (n < len)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        cp = (cp << 6) | (s[i] & 0x3f);
    }
    if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
        (cp >= 0xd800 && cp <= 0xdfff))
        return 0;
    return len;
}

int vg_buf_utf8(struct vg_buf *b, const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s;
    int rc = vg_buf_reserve(b, n);
    for (size_t i = 0; i < n && !rc;) {
        size_t l = utf8_seq_len(p + i, n - i);
        rc = l ? vg_buf_append(b, s + i, l) : vg_buf_append(b, "\xef\xbf\xbd", 3);
        i += l ? l : 1;
    }
    return rc;
}

int vg_buf_json_str(struct vg_buf *b, const char *s, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    const unsigned char *p = (const unsigned char *)s;
    int rc = vg_buf_reserve(b, n + 2);
    if (rc)
        return rc;
    b->data[b->len++] = '"';
    size_t i = 0;
    while (i < n) {
        size_t run = i;
        /* fast path: plain printable ASCII */
        while (run < n && p[run] >= 0x20 && p[run] < 0x80 && p[run] != '"' &&
               p[run] != '\\')
            run++;
        if (run > i) {
            if ((rc = vg_buf_append(b, s + i, run - i)))
                return rc;
            i = run;
            continue;
        }
        unsigned char c = p[i];
        char esc[8];
        size_t elen = 2;
        esc[0] = '\\';
        switch (c) {
        case '"': esc[1] = '"'; break;
        case '\\': esc[1] = '\\'; break;
        case '\n': esc[1] = 'n'; break;
        case '\r': esc[1] = 'r'; break;
        case '\t': esc[1] = 't'; break;
        case '\b': esc[1] = 'b'; break;
        case '\f': esc[1] = 'f'; break;
        default:
            if (c < 0x20) {
                esc[1] = 'u';
                esc[2] = '0';
                esc[3] = '0';
                esc[4] = hex[c >> 4];
                esc[5] = hex[c & 15];
                elen = 6;
            } else {
                size_t l = utf8_seq_len(p + i, n - i);
                if (l) {
                    if ((rc = vg_buf_append(b, s + i, l)))
                        return rc;
                    i += l;
                } else {
                    if ((rc = vg_buf_append(b, "\xef\xbf\xbd", 3)))
                        return rc;
                    i++;
                }
                continue;
            }
        }
        if ((rc = vg_buf_append(b, esc, elen)))
            return rc;
        i++;
    }
    return vg_buf_putc(b, '"');
}

void vg_buf_reset(struct vg_buf *b)
{
    b->len = 0;
    if (b->data)
        b->data[0] = '\0';
}

void vg_buf_free(struct vg_buf *b)
{
    if (!b)
        return;
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}

struct vg_arena_block {
    struct vg_arena_block *next;
    size_t size;
    /* max_align_t would be nicer; 16 keeps doubles and pointers happy */
    _Alignas(16) unsigned char mem[];
};

void vg_arena_init(struct vg_arena *a, size_t block_size)
{
    a->head = NULL;
    a->block_size = block_size ? block_size : 64 * 1024;
    a->next = a->limit = NULL;
}

void *vg_arena_alloc_block(struct vg_arena *a, size_t n)
{
    n = (n + 7) & ~(size_t)7;
    if (a->head && (size_t)(a->limit - a->next) >= n) {
        void *p = a->next; /* n == 0 */
        a->next += n;
        return p;
    }
    size_t size = n > a->block_size ? n : a->block_size;
    struct vg_arena_block *b = malloc(sizeof *b + size);
    if (!b)
        return NULL;
    b->size = size;
    b->next = a->head;
    a->head = b;
    a->next = b->mem + n;
    a->limit = b->mem + size;
    return b->mem;
}

void vg_arena_reset(struct vg_arena *a)
{
    struct vg_arena_block *b = a->head, *keep = NULL;
    while (b) {
        struct vg_arena_block *next = b->next;
        if (!next) {
            keep = b;
        } else {
            free(b);
        }
        b = next;
    }
    if (keep && keep->size != a->block_size) {
        free(keep);
        keep = NULL;
    }
    a->head = keep;
    a->next = keep ? keep->mem : NULL;
    a->limit = keep ? keep->mem + keep->size : NULL;
}

void vg_arena_free(struct vg_arena *a)
{
    if (!a)
        return;
    struct vg_arena_block *b = a->head;
    while (b) {
        struct vg_arena_block *next = b->next;
        free(b);
        b = next;
    }
    a->head = NULL;
    a->next = a->limit = NULL;
}
