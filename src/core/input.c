/*
 * input.c — buffered hashing reader (see input.h).
 *
 * The buffer holds [start, end) of unread bytes; lines are found with memchr
 * and returned in place.  When a line straddles the end of the buffer the
 * unread tail is moved to the front and more is read; the buffer grows up to
 * max_line.  Hashing happens as bytes enter the buffer.
 */
#include "core/input.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define CHUNK (1u << 18)

struct vg_input {
    char *name;
    int fd;        /* -1 for memory */
    int owns_fd;
    char *buf;
    size_t cap, start, end;
    size_t max_line;
    int eof;
    int skip_to_nl;
    uint64_t lineno;
    uint64_t consumed;
    uint64_t size;
    const char *mem; /* memory input */
    size_t mem_len, mem_pos;
    EVP_MD_CTX *sha;
    char *slurp;
};

static int input_new(struct vg_input **out, const char *name, size_t max_line,
                     struct vg_err *err)
{
    struct vg_input *in = calloc(1, sizeof *in);
    if (!in || !(in->name = strdup(name))) {
        free(in);
        return vg_err_set(err, VG_ENOMEM, "out of memory");
    }
    in->fd = -1;
    in->max_line = max_line ? max_line : (16u << 20);
    in->cap = CHUNK < in->max_line ? CHUNK : in->max_line;
    in->cap += 1;
    if (!(in->buf = malloc(in->cap))) {
        free(in->name);
        free(in);
        return vg_err_set(err, VG_ENOMEM, "out of memory");
    }
    in->sha = EVP_MD_CTX_new();
    if (!in->sha || !EVP_DigestInit_ex(in->sha, EVP_sha256(), NULL)) {
        EVP_MD_CTX_free(in->sha);
        free(in->buf);
        free(in->name);
        free(in);
        return vg_err_set(err, VG_ENOMEM, "cannot start SHA-256");
    }
    *out = in;
    return 0;
}

int vg_input_open(struct vg_input **out, const char *path, size_t max_line,
                  struct vg_err *err)
{
    int rc;
    int is_stdin = strcmp(path, "-") == 0;
    if ((rc = input_new(out, is_stdin ? "<stdin>" : path, max_line, err)))
        return rc;
    struct vg_input *in = *out;
    if (is_stdin) {
        in->fd = 0;
    } else {
        in->fd = open(path, O_RDONLY | O_CLOEXEC);
        if (in->fd < 0) {
            rc = vg_err_set(err, VG_EIO, "%s: %s", path, strerror(errno));
            vg_input_close(in);
            *out = NULL;
            return rc;
        }
        in->owns_fd = 1;
        struct stat st;
        if (fstat(in->fd, &st) == 0 && S_ISREG(st.st_mode))
            in->size = (uint64_t)st.st_size;
        else if (fstat(in->fd, &st) == 0 && S_ISDIR(st.st_mode)) {
            rc = vg_err_set(err, VG_EIO, "%s: is a directory", path);
            vg_input_close(in);
            *out = NULL;
            return rc;
        }
#ifdef POSIX_FADV_SEQUENTIAL
        posix_fadvise(in->fd, 0, 0, POSIX_FADV_SEQUENTIAL);
#endif
    }
    return 0;
}

int vg_input_open_mem(struct vg_input **out, const char *name, const void *data,
                      size_t len, struct vg_err *err)
{
    int rc;
    if ((rc = input_new(out, name, 0, err)))
        return rc;
    (*out)->mem = data;
    (*out)->mem_len = len;
    (*out)->size = len;
    return 0;
}

void vg_input_close(struct vg_input *in)
{
    if (!in)
        return;
    if (in->owns_fd && in->fd >= 0)
        close(in->fd);
    free(in->buf);
    free(in->slurp);
    free(in->name);
    EVP_MD_CTX_free(in->sha);
    free(in);
}

const char *vg_input_name(const struct vg_input *in)
{
    return in->name;
}

/* Read more bytes after end; returns bytes read, 0 at EOF, <0 on error. */
static long fill(struct vg_input *in, struct vg_err *err)
{
    if (in->eof)
        return 0;
    /* Move the unread tail (usually part of one line) to the front only
     * when the room after it runs short: moving whenever half the buffer
     * was consumed would copy a large share of the input twice. */
    if (in->start > 0 && in->cap - 1 - in->end < (in->cap - 1) / 4) {
        memmove(in->buf, in->buf + in->start, in->end - in->start);
        in->end -= in->start;
        in->start = 0;
    }
    if (in->end == in->cap - 1) {
        size_t ncap = (in->cap - 1) * 2 + 1;
        if (ncap - 1 > in->max_line + CHUNK)
            ncap = in->max_line + CHUNK + 1;
        if (ncap <= in->cap)
            return 0; /* cannot grow: caller handles overlong */
        char *nb = realloc(in->buf, ncap);
        if (!nb)
            return vg_err_set(err, VG_ENOMEM, "out of memory");
        in->buf = nb;
        in->cap = ncap;
    }
    size_t room = in->cap - 1 - in->end;
    long got;
    if (in->mem) {
        size_t left = in->mem_len - in->mem_pos;
        size_t n = left < room ? left : room;
        memcpy(in->buf + in->end, in->mem + in->mem_pos, n);
        in->mem_pos += n;
        got = (long)n;
    } else {
        ssize_t r;
        do {
            r = read(in->fd, in->buf + in->end, room);
        } while (r < 0 && errno == EINTR);
        if (r < 0)
            return vg_err_set(err, VG_EIO, "%s: read: %s", in->name, strerror(errno));
        got = (long)r;
    }
    if (got == 0) {
        in->eof = 1;
        return 0;
    }
    EVP_DigestUpdate(in->sha, in->buf + in->end, (size_t)got);
    in->end += (size_t)got;
    return got;
}

int vg_input_peek(struct vg_input *in, size_t want, const char **p, size_t *n,
                  struct vg_err *err)
{
    if (want > in->cap - 1)
        want = in->cap - 1;
    while (in->end - in->start < want) {
        long r = fill(in, err);
        if (r < 0)
            return (int)r;
        if (r == 0)
            break;
    }
    *p = in->buf + in->start;
    *n = in->end - in->start < want ? in->end - in->start : want;
    return 0;
}

int vg_input_getline(struct vg_input *in, struct vg_line *line, struct vg_err *err)
{
    /* The previous line was overlong: drop bytes up to its newline first. */
    while (in->skip_to_nl) {
        char *s = in->buf + in->start;
        size_t avail = in->end - in->start;
        char *nl = avail ? memchr(s, '\n', avail) : NULL;
        if (nl) {
            size_t k = (size_t)(nl - s) + 1;
            in->start += k;
            in->consumed += k;
            in->skip_to_nl = 0;
            break;
        }
        in->consumed += avail;
        in->start = in->end = 0;
        long r = fill(in, err);
        if (r < 0)
            return (int)r;
        if (r == 0)
            in->skip_to_nl = 0;
    }
    size_t scanned = 0;
    for (;;) {
        char *s = in->buf + in->start;
        size_t avail = in->end - in->start;
        char *nl = scanned < avail ? memchr(s + scanned, '\n', avail - scanned) : NULL;
        size_t len = nl ? (size_t)(nl - s) : avail;
        if (len > in->max_line || (!nl && avail >= in->max_line)) {
            line->p = s;
            line->len = in->max_line;
            line->lineno = ++in->lineno;
            line->overlong = 1;
            if (nl) {
                in->start += len + 1;
                in->consumed += len + 1;
            } else {
                in->start += avail;
                in->consumed += avail;
                in->skip_to_nl = 1;
            }
            return 1;
        }
        if (nl || (in->eof && avail > 0)) {
            line->p = s;
            line->lineno = ++in->lineno;
            line->overlong = 0;
            size_t consume = nl ? len + 1 : len;
            if (len > 0 && s[len - 1] == '\r')
                len--;
            line->len = len;
            in->start += consume;
            in->consumed += consume;
            return 1;
        }
        if (in->eof)
            return 0;
        size_t before = in->start;
        scanned = avail;
        long r = fill(in, err);
        if (r < 0)
            return (int)r;
        (void)before;
    }
}

long vg_input_read(struct vg_input *in, char *buf, size_t cap, struct vg_err *err)
{
    if (in->end == in->start) {
        in->start = in->end = 0;
        long r = fill(in, err);
        if (r <= 0)
            return r;
    }
    size_t n = in->end - in->start;
    if (n > cap)
        n = cap;
    memcpy(buf, in->buf + in->start, n);
    in->start += n;
    in->consumed += n;
    return (long)n;
}

int vg_input_slurp(struct vg_input *in, size_t max, const char **p, size_t *n,
                   struct vg_err *err)
{
    size_t len = 0, cap = 1 << 16;
    char *out = malloc(cap);
    if (!out)
        return vg_err_set(err, VG_ENOMEM, "out of memory");
    for (;;) {
        if (cap - len < 65536) {
            cap *= 2;
            char *no = realloc(out, cap);
            if (!no) {
                free(out);
                return vg_err_set(err, VG_ENOMEM, "out of memory");
            }
            out = no;
        }
        long r = vg_input_read(in, out + len, cap - len - 1, err);
        if (r < 0) {
            free(out);
            return (int)r;
        }
        if (r == 0)
            break;
        len += (size_t)r;
        if (len > max) {
            free(out);
            return vg_err_set(err, VG_ELIMIT, "%s: larger than %zu bytes", in->name, max);
        }
    }
    out[len] = '\0';
    free(in->slurp);
    in->slurp = out;
    *p = out;
    *n = len;
    return 0;
}

uint64_t vg_input_offset(const struct vg_input *in)
{
    return in->consumed;
}

uint64_t vg_input_size(const struct vg_input *in)
{
    return in->size;
}

int vg_input_sha256_hex(struct vg_input *in, char hex[65])
{
    static const char digits[] = "0123456789abcdef";
    unsigned char h[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    EVP_MD_CTX *copy = EVP_MD_CTX_new();
    if (!copy || !EVP_MD_CTX_copy_ex(copy, in->sha) || !EVP_DigestFinal_ex(copy, h, &n) ||
        n != 32) {
        EVP_MD_CTX_free(copy);
        hex[0] = '\0';
        return VG_ENOMEM;
    }
    EVP_MD_CTX_free(copy);
    for (unsigned k = 0; k < 32; k++) {
        hex[2 * k] = digits[h[k] >> 4];
        hex[2 * k + 1] = digits[h[k] & 15];
    }
    hex[64] = '\0';
    return 0;
}
