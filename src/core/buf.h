/*
 * buf.h — growable byte buffers and a bump arena.
 *
 * struct vg_buf is a dynamic string (always NUL-terminated when len > 0 or
 * after any append).  The caller owns the struct; vg_buf_free releases the
 * bytes.  Appends return 0 or VG_ENOMEM; a buffer has a hard cap (max, 0 =
 * unlimited) and refuses to grow past it with VG_ELIMIT, so that hostile
 * input cannot make us allocate without bound.
 *
 * struct vg_arena hands out memory that lives until vg_arena_reset or
 * vg_arena_free: parsers allocate every string of one record in it and reset
 * it per record or per batch, instead of many small frees.
 */
#ifndef VG_BUF_H
#define VG_BUF_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct vg_buf {
    char *data;
    size_t len;
    size_t cap;
    size_t max; /* 0 = no limit */
};

#define VG_BUF_INIT {NULL, 0, 0, 0}

int vg_buf_reserve(struct vg_buf *b, size_t extra);
int vg_buf_append(struct vg_buf *b, const void *p, size_t n);
int vg_buf_puts(struct vg_buf *b, const char *s);
int vg_buf_putc(struct vg_buf *b, char c);
int vg_buf_printf(struct vg_buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Append s as a JSON string literal, quotes included (RFC 8259 escaping;
 * bytes that are not valid UTF-8 are written as U+FFFD). */
int vg_buf_json_str(struct vg_buf *b, const char *s, size_t n);
/* Append s as text, each byte that is not part of valid UTF-8 replaced by
 * U+FFFD (what vg_buf_json_str does inside its quotes). */
int vg_buf_utf8(struct vg_buf *b, const char *s, size_t n);
void vg_buf_reset(struct vg_buf *b);
void vg_buf_free(struct vg_buf *b);

struct vg_arena_block;
struct vg_arena {
    struct vg_arena_block *head;
    size_t block_size;
    /* the free bytes of the head block: allocation is a pointer bump,
     * inline, because parsers allocate every value of every record here */
    unsigned char *next, *limit;
};

void vg_arena_init(struct vg_arena *a, size_t block_size);
/* Out of line part of vg_arena_alloc: a new block.  Not for direct use. */
void *vg_arena_alloc_block(struct vg_arena *a, size_t n);

/* Returns NULL only when out of memory.  Alignment 8. */
static inline void *vg_arena_alloc(struct vg_arena *a, size_t n)
{
    n = (n + 7) & ~(size_t)7;
    if (n && (size_t)(a->limit - a->next) >= n) {
        void *p = a->next;
        a->next += n;
        return p;
    }
    return vg_arena_alloc_block(a, n);
}

/* Copy n bytes and NUL-terminate. */
static inline char *vg_arena_strndup(struct vg_arena *a, const char *s, size_t n)
{
    char *p = vg_arena_alloc(a, n + 1);
    if (!p)
        return NULL;
    if (n)
        memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

/* Forget every allocation but keep the first block for reuse. */
void vg_arena_reset(struct vg_arena *a);
void vg_arena_free(struct vg_arena *a);

#endif
