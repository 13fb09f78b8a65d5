/*
 * spool.c — the watched spool directory: drop a feed file in, it is
 * ingested and moved to done/ (or to failed/ with NAME.reason beside it).
 *
 * A background thread polls the directory every second (portable, and a
 * second is nothing next to how feeds arrive).  A file is taken only when
 * its size and modification time are the same as at the previous poll, so
 * a file still being copied in is left alone; writers that can should write
 * NAME.tmp or .NAME and rename, which is always safe: dotfiles and *.tmp are
 * never taken.  Ingests go through web_app_ingest, the same lock and
 * read-write connection as uploads, so the spool and the API never write at
 * once, and readers are never blocked (WAL).
 */
#include "web/web_int.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

struct spool_entry {
    char name[256];
    off_t size;
    struct timespec mtime;
    int seen;
};

struct web_spool {
    struct web_app *app;
    char dir[PATH_MAX];
    pthread_t thread;
    int started;
    pthread_mutex_t lock;
    pthread_cond_t cond;
    int stop;
    struct spool_entry *e;
    size_t n, cap;
};

static int ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

/* dir/sub/name, or with ".N" appended when that is taken (done/ keeps every
 * file that was dropped, even under a name seen before). */
static int free_name(const char *dir, const char *sub, const char *name, char *out, size_t len)
{
    for (int k = 0; k < 1000; k++) {
        int n = k ? snprintf(out, len, "%s/%s/%s.%d", dir, sub, name, k)
                  : snprintf(out, len, "%s/%s/%s", dir, sub, name);
        if (n < 0 || (size_t)n >= len)
            return -1;
        if (access(out, F_OK) != 0 && errno == ENOENT)
            return 0;
    }
    return -1;
}

static void ingest_one(struct web_spool *s, const char *name)
{
    char path[PATH_MAX + 256], dest[PATH_MAX + 300];
    snprintf(path, sizeof path, "%s/%s", s->dir, name);
    struct web_ingest_request rq = {.path = path, .name = name};
    struct ingest_stats st;
    struct vg_err err = {0};
    double secs;
    int rc = web_app_ingest(s->app, &rq, &st, &secs, &err);
    const char *sub = rc ? "failed" : "done";
    if (free_name(s->dir, sub, name, dest, sizeof dest) || rename(path, dest)) {
        fprintf(stderr, "vigil serve: spool: %s: cannot move it to %s/: %s\n", name, sub,
                strerror(errno));
        return;
    }
    if (rc) {
        char reason[sizeof dest + 8];
        snprintf(reason, sizeof reason, "%s.reason", dest);
        FILE *f = fopen(reason, "w");
        if (f) {
            fprintf(f, "%s\n", err.msg);
            fclose(f);
        }
        fprintf(stderr, "vigil serve: spool: %s: failed: %s -> %s\n", name, err.msg, dest);
    } else if (st.skipped_files) {
        fprintf(stderr, "vigil serve: spool: %s: already ingested (same SHA-256) -> %s\n", name,
                dest);
    } else {
        fprintf(stderr,
                "vigil serve: spool: %s: %llu records, %llu accepted, %llu rejected, %llu "
                "observations (%.2f s) -> %s\n",
                name, (unsigned long long)st.records, (unsigned long long)st.accepted,
                (unsigned long long)st.rejected, (unsigned long long)st.observations, secs, dest);
    }
}

static struct spool_entry *entry(struct web_spool *s, const char *name)
{
    for (size_t k = 0; k < s->n; k++)
        if (strcmp(s->e[k].name, name) == 0)
            return &s->e[k];
    if (s->n == s->cap) {
        size_t nc = s->cap ? s->cap * 2 : 16;
        struct spool_entry *ne = realloc(s->e, nc * sizeof *ne);
        if (!ne)
            return NULL;
        s->e = ne;
        s->cap = nc;
    }
    struct spool_entry *e = &s->e[s->n++];
    memset(e, 0, sizeof *e);
    snprintf(e->name, sizeof e->name, "%s", name);
    e->size = -1;
    return e;
}

static int stopping(struct web_spool *s)
{
    pthread_mutex_lock(&s->lock);
    int stop = s->stop;
    pthread_mutex_unlock(&s->lock);
    return stop;
}

/* One poll: remember what is there, ingest what has not changed since the
 * previous poll. */
static void scan(struct web_spool *s)
{
    DIR *d = opendir(s->dir);
    if (!d) {
        fprintf(stderr, "vigil serve: spool: %s: %s\n", s->dir, strerror(errno));
        return;
    }
    char (*ready)[256] = NULL;
    size_t nready = 0, capready = 0;
    for (size_t k = 0; k < s->n; k++)
        s->e[k].seen = 0;
    struct dirent *de;
    while ((de = readdir(d))) {
        struct stat st;
        if (de->d_name[0] == '.' || ends_with(de->d_name, ".tmp") ||
            fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) || !S_ISREG(st.st_mode))
            continue;
        struct spool_entry *e = entry(s, de->d_name);
        if (!e)
            break;
        e->seen = 1;
        if (e->size == st.st_size && e->mtime.tv_sec == st.st_mtim.tv_sec &&
            e->mtime.tv_nsec == st.st_mtim.tv_nsec) {
            if (nready == capready) {
                size_t nc = capready ? capready * 2 : 8;
                char(*nr)[256] = realloc(ready, nc * sizeof *nr);
                if (!nr)
                    break;
                ready = nr;
                capready = nc;
            }
            memcpy(ready[nready++], e->name, sizeof e->name);
            e->seen = 0; /* moved away below */
        }
        e->size = st.st_size;
        e->mtime = st.st_mtim;
    }
    closedir(d);
    size_t kept = 0;
    for (size_t k = 0; k < s->n; k++)
        if (s->e[k].seen)
            s->e[kept++] = s->e[k];
    s->n = kept;
    for (size_t k = 0; k < nready && !stopping(s); k++)
        ingest_one(s, ready[k]);
    free(ready);
}

static void *spool_main(void *arg)
{
    struct web_spool *s = arg;
    pthread_mutex_lock(&s->lock);
    while (!s->stop) {
        pthread_mutex_unlock(&s->lock);
        scan(s);
        pthread_mutex_lock(&s->lock);
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_sec += 1;
        while (!s->stop && pthread_cond_timedwait(&s->cond, &s->lock, &until) != ETIMEDOUT)
            ;
    }
    pthread_mutex_unlock(&s->lock);
    return NULL;
}

int web_spool_start(struct web_spool **out, struct web_app *app, const char *dir,
                    struct vg_err *err)
{
    struct stat st;
    char sub[PATH_MAX + 16];
    if (stat(dir, &st) || !S_ISDIR(st.st_mode))
        return vg_err_set(err, VG_EUSAGE, "--spool %s: not a directory", dir);
    if (strlen(dir) >= PATH_MAX - 16)
        return vg_err_set(err, VG_EUSAGE, "--spool %s: path too long", dir);
    for (int k = 0; k < 2; k++) {
        snprintf(sub, sizeof sub, "%s/%s", dir, k ? "failed" : "done");
        if (mkdir(sub, 0750) && errno != EEXIST)
            return vg_err_set(err, VG_EIO, "%s: %s", sub, strerror(errno));
    }
    struct web_spool *s = calloc(1, sizeof *s);
    if (!s)
        return vg_err_set(err, VG_ENOMEM, "out of memory");
    s->app = app;
    snprintf(s->dir, sizeof s->dir, "%s", dir);
    pthread_mutex_init(&s->lock, NULL);
    pthread_cond_init(&s->cond, NULL);
    if (pthread_create(&s->thread, NULL, spool_main, s)) {
        web_spool_stop(s);
        return vg_err_set(err, VG_ENOMEM, "cannot start the spool thread");
    }
    s->started = 1;
    *out = s;
    return 0;
}

void web_spool_stop(struct web_spool *s)
{
    if (!s)
        return;
    if (s->started) {
        pthread_mutex_lock(&s->lock);
        s->stop = 1;
        pthread_cond_signal(&s->cond);
        pthread_mutex_unlock(&s->lock);
        pthread_join(s->thread, NULL);
    }
    pthread_mutex_destroy(&s->lock);
    pthread_cond_destroy(&s->cond);
    free(s->e);
    free(s);
}
