/*
 * datadir.c — find the enrichment data directory (precedence in datadir.h).
 *
 * An explicit choice (--data-dir, $VIGIL_DATA) is taken as given and only
 * has to exist: a user who names a directory wants to hear that it is wrong,
 * not to have another one picked silently.  The implicit candidates (beside
 * the binary, the install prefix, the system share directories) count only
 * when they hold asn-ipv4.csv, so that an empty or unrelated directory of
 * that name is passed over.  When nothing is found the error lists every
 * place searched, in order, so the user can see why, and says how to fix it.
 *
 * The binary's directory comes from /proc/self/exe (Linux): argv[0] is not
 * reliable when vigil is started through $PATH or a symlink.
 */
#include "enrich/datadir.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MARKER "asn-ipv4.csv"

/* NULL when path is a directory, else why not. */
static const char *not_dir(const char *path)
{
    struct stat st;
    if (stat(path, &st) != 0)
        return strerror(errno);
    return S_ISDIR(st.st_mode) ? NULL : "not a directory";
}

static int has_marker(const char *dir)
{
    char path[PATH_MAX];
    struct stat st;
    int n = snprintf(path, sizeof path, "%s/" MARKER, dir);
    return n > 0 && (size_t)n < sizeof path && stat(path, &st) == 0 &&
           S_ISREG(st.st_mode);
}

/* Copy dir into out, canonical when it resolves (messages and table paths
 * then name the real place, not "build/../data"). */
static int put(const char *dir, char *out, size_t outlen, struct vg_err *err)
{
    char real[PATH_MAX];
    const char *s = realpath(dir, real) ? real : dir;
    size_t n = strlen(s);
    if (n + 1 > outlen)
        return vg_err_set(err, VG_ELIMIT, "data directory path too long: %s",
                          s);
    memcpy(out, s, n + 1);
    return 0;
}

/* The directory holding the running binary, or "" when unknown. */
static void exe_dir(char *out, size_t outlen)
{
    char buf[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
    out[0] = '\0';
    if (n <= 0)
        return;
    buf[n] = '\0';
    char *slash = strrchr(buf, '/');
    if (!slash)
        return;
    *slash = '\0';
    if ((size_t)(slash - buf) + 1 <= outlen)
        memcpy(out, buf, (size_t)(slash - buf) + 1);
}

int datadir_resolve(const char *cli_dir, char *out, size_t outlen,
                    struct vg_err *err)
{
    if (cli_dir && *cli_dir) {
        const char *why = not_dir(cli_dir);
        if (why)
            return vg_err_set(err, VG_EDATA, "--data-dir %s: %s", cli_dir, why);
        return put(cli_dir, out, outlen, err);
    }
    const char *env = getenv("VIGIL_DATA");
    if (env && *env) {
        const char *why = not_dir(env);
        if (why)
            return vg_err_set(
                err, VG_EDATA,
                "$VIGIL_DATA=%s: %s; run `make deps` to fetch the data there, "
                "or unset it, or pass --data-dir DIR",
                env, why);
        return put(env, out, outlen, err);
    }

    char bindir[PATH_MAX], cand[4][PATH_MAX];
    int nc = 0;
    exe_dir(bindir, sizeof bindir);
    if (bindir[0]) {
        snprintf(cand[nc++], PATH_MAX, "%.*s/../data", PATH_MAX - 16, bindir);
        snprintf(cand[nc++], PATH_MAX, "%.*s/../share/vigil", PATH_MAX - 16,
                 bindir);
    }
    snprintf(cand[nc++], PATH_MAX, "/usr/local/share/vigil");
    snprintf(cand[nc++], PATH_MAX, "/usr/share/vigil");
    for (int k = 0; k < nc; k++)
        if (has_marker(cand[k]))
            return put(cand[k], out, outlen, err);

    char list[4 * 128] = "";
    size_t len = 0;
    for (int k = 0; k < nc && len < sizeof list; k++) {
        char real[PATH_MAX];
        /* show the canonical form of the binary-relative candidates */
        const char *shown = realpath(cand[k], real) ? real : cand[k];
        int w = snprintf(list + len, sizeof list - len, "%s%s", k ? ", " : "",
                         shown);
        if (w < 0)
            break;
        len += (size_t)w;
    }
    return vg_err_set(
        err, VG_EDATA,
        "no enrichment data found: --data-dir not given, $VIGIL_DATA not set, "
        "and no " MARKER " in %s; run `make deps` (installs it into data/ of "
        "the checkout) or pass --data-dir DIR",
        list);
}
