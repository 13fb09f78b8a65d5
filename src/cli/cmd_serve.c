/*
 * cmd_serve.c — `vigil serve`: the HTTP API and the dashboard (src/web/).
 *
 * This file is the process around the server: options, the banner that
 * says which access mode it runs in, and a clean stop.  SIGINT and SIGTERM
 * only write a byte to a self-pipe (the one async-signal-safe thing worth
 * doing); the main thread sleeps in poll() on it, then stops the daemon —
 * which lets running requests and the current ingest finish — closes the
 * store and exits 0.  A second signal during that stop exits at once (every
 * ingest is one transaction, so that is safe too).
 *
 * On start the URL to open is printed on stdout (one line, flushed), so a
 * script can start `vigil serve --listen 127.0.0.1:0` and read the port the
 * kernel chose; logs and the access log go to stderr.
 */
#include "cli/cli.h"
#include "cli/cli_common.h"
#include "enrich/places.h"
#include "web/web.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <sys/wait.h>
#include <time.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void help(FILE *out)
{
    fprintf(out,
            "usage: vigil serve [options]\n\n"
            "Serve the JSON API (/api/v1/, described at /api/v1/openapi.json) and the\n"
            "dashboard.  Operator mode: on a loopback address and until an organisation\n"
            "exists, every caller sees everything.  Access control: once an organisation\n"
            "exists ('vigil org add'), or when listening beyond loopback, every read needs\n"
            "a token ('Authorization: Bearer TOKEN', 'vigil token create') or a dashboard\n"
            "session; without one only TLP:CLEAR data is served.  vigil speaks plain\n"
            "HTTP: beyond loopback, put a TLS-terminating proxy in front of it.\n\n"
            "options:\n"
            "  --db PATH          database (default: $VIGIL_DB, else ./vigil.db); created\n"
            "                     when absent\n"
            "  --listen ADDR:PORT address to listen on (default: %s); IPv4,\n"
            "                     [IPv6] or localhost; port 0 = any free\n"
            "                     port (the URL printed on stdout tells which)\n"
            "  --spool DIR        watch DIR: files dropped there are ingested and moved to\n"
            "                     DIR/done/ or DIR/failed/ (with NAME.reason); dotfiles and\n"
            "                     *.tmp are left alone, so write NAME.tmp and rename\n"
            "  --data-dir DIR     enrichment data (see 'vigil ingest --help')\n"
            "  --schema PATH      Shadowserver report schema for ingests (see 'vigil ingest\n"
            "                     --help')\n"
            "  --max-upload SIZE  largest POST /api/v1/ingest body, bytes or with K, M, G\n"
            "                     (default: 256M)\n"
            "  --cache SIZE       memory for answers kept between ingests (rendered JSON,\n"
            "                     dropped by the next committed ingest), bytes or with K,\n"
            "                     M, G; 0 = compute every answer (default: 64M)\n"
            "  --threads N        HTTP worker threads, 1..%d (default: one per CPU)\n"
            "  --pull-taxii URL   pull a TAXII 2.1 collection (API root URL) at start and\n"
            "                     then every --pull-every seconds, as 'vigil pull taxii'\n"
            "                     in a child process ($VIGIL_TAXII_TOKEN is its token)\n"
            "  --pull-collection ID  the collection of --pull-taxii (required with it)\n"
            "  --pull-every SECS  seconds between pulls, 60..604800 (default: 3600)\n"
            "  -q, --quiet        no access log\n"
            "  -h, --help         this text\n\n"
            "Logs go to stderr, one access log line per request:\n"
            "  TIME CLIENT METHOD PATH?QUERY STATUS BYTES DURATIONms\n"
            "Rejected records of ingests go to <db>.rejects.jsonl, as with 'vigil ingest'.\n"
            "SIGINT or SIGTERM stops the server cleanly (exit 0).\n"
            "exit status: 0 stopped by a signal, 2 usage error or cannot start\n",
            WEB_DEFAULT_LISTEN, WEB_MAX_THREADS);
}

static double mono_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* `vigil pull taxii URL --collection ID --db DB` as a child process: the
 * pull's ingest is a writer like any other (SQLite serialises it with the
 * server's), and answers follow the store's data version. */
static pid_t start_pull(const char *url, const char *coll, const char *db, const char *data_dir)
{
    char self[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    if (n <= 0) {
        fprintf(stderr, "vigil serve: cannot find the vigil binary for the pull\n");
        return 0;
    }
    self[n] = '\0';
    pid_t pid = fork();
    if (pid < 0) {
        fprintf(stderr, "vigil serve: cannot start the pull: %s\n", strerror(errno));
        return 0;
    }
    if (pid == 0) {
        signal(SIGINT, SIG_DFL);
        signal(SIGTERM, SIG_DFL);
        signal(SIGPIPE, SIG_DFL);
        if (data_dir)
            execl(self, "vigil", "pull", "taxii", url, "--collection", coll, "--db", db,
                  "--data-dir", data_dir, (char *)NULL);
        else
            execl(self, "vigil", "pull", "taxii", url, "--collection", coll, "--db", db,
                  (char *)NULL);
        _exit(127);
    }
    fprintf(stderr, "vigil serve: pulling %s (collection %s)\n", url, coll);
    return pid;
}

static int stop_pipe[2] = {-1, -1};
static volatile sig_atomic_t signals_seen;

static void on_signal(int sig)
{
    int saved = errno;
    char b = (char)sig;
    if (++signals_seen > 1)
        _exit(1);
    ssize_t w = write(stop_pipe[1], &b, 1);
    (void)w;
    errno = saved;
}

static int parse_size(const char *s, uint64_t *out)
{
    char *end;
    if (!s || *s < '0' || *s > '9')
        return -1;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    unsigned shift = 0;
    switch (*end) {
    case 'k': case 'K': shift = 10; end++; break;
    case 'm': case 'M': shift = 20; end++; break;
    case 'g': case 'G': shift = 30; end++; break;
    default: break;
    }
    if (shift && (strcmp(end, "iB") == 0 || strcmp(end, "B") == 0))
        end += strlen(end);
    if (errno || *end || !v || v > (UINT64_MAX >> shift))
        return -1;
    *out = (uint64_t)v << shift;
    return 0;
}

int cmd_serve(int argc, char **argv)
{
    static const struct option opts[] = {
        {"db", required_argument, NULL, 'd'},         {"listen", required_argument, NULL, 'l'},
        {"spool", required_argument, NULL, 's'},      {"data-dir", required_argument, NULL, 'D'},
        {"schema", required_argument, NULL, 'S'},     {"max-upload", required_argument, NULL, 'm'},
        {"quiet", no_argument, NULL, 'q'},            {"help", no_argument, NULL, 'h'},
        {"cache", required_argument, NULL, 'c'},      {"threads", required_argument, NULL, 't'},
        {"pull-taxii", required_argument, NULL, 'P'}, {"pull-collection", required_argument, NULL, 'C'},
        {"pull-every", required_argument, NULL, 'E'},
        {NULL, 0, NULL, 0},
    };
    const char *db = NULL, *listen_at = WEB_DEFAULT_LISTEN, *spool = NULL, *data_dir = NULL;
    const char *schema = NULL, *pull_url = NULL, *pull_coll = NULL;
    unsigned long pull_every = 3600;
    uint64_t max_upload = WEB_DEFAULT_MAX_UPLOAD, cache = WEB_DEFAULT_CACHE;
    unsigned long threads = 0;
    int quiet = 0, c;
    char *end;
    optind = 1;
    while ((c = getopt_long(argc, argv, "qh", opts, NULL)) != -1) {
        switch (c) {
        case 'd': db = optarg; break;
        case 'l': listen_at = optarg; break;
        case 's': spool = optarg; break;
        case 'D': data_dir = optarg; break;
        case 'S': schema = optarg; break;
        case 'm':
            if (parse_size(optarg, &max_upload))
                return cli_usage_error("serve", "--max-upload '%s': give a size like 256M",
                                       optarg);
            break;
        case 'c':
            if (strcmp(optarg, "0") == 0)
                cache = 0;
            else if (parse_size(optarg, &cache) || cache > SIZE_MAX / 2)
                return cli_usage_error("serve", "--cache '%s': give a size like 64M, or 0",
                                       optarg);
            break;
        case 't':
            threads = *optarg >= '1' && *optarg <= '9' ? strtoul(optarg, &end, 10) : 0;
            if (!threads || *end || threads > WEB_MAX_THREADS)
                return cli_usage_error("serve", "--threads '%s': give 1 to %d", optarg,
                                       WEB_MAX_THREADS);
            break;
        case 'P': pull_url = optarg; break;
        case 'C': pull_coll = optarg; break;
        case 'E':
            pull_every = strtoul(optarg, &end, 10);
            if (*end || pull_every < 60 || pull_every > 604800)
                return cli_usage_error("serve", "--pull-every: '%.40s' is not 60..604800 seconds",
                                       optarg);
            break;
        case 'q': quiet = 1; break;
        case 'h': help(stdout); return EXIT_OK;
        default: return cli_usage_error("serve", "bad option");
        }
    }
    if (optind < argc)
        return cli_usage_error("serve", "unexpected argument '%s'", argv[optind]);

    struct vg_err err = {0};
    struct web_config cfg = {
        .db_path = cli_db_path(db), .spool_dir = spool, .max_upload = max_upload, .quiet = quiet,
        .threads = (unsigned)threads, .cache_bytes = cache,
    };
    if (!pull_url != !pull_coll)
        return cli_usage_error("serve", "--pull-taxii URL and --pull-collection ID go together");
    if (pull_url && strncmp(pull_url, "http://", 7) != 0 && strncmp(pull_url, "https://", 8) != 0)
        return cli_usage_error("serve", "--pull-taxii: '%.200s' is not an http(s) URL", pull_url);
    if (web_listen_parse(listen_at, &cfg.listen, &err))
        return cli_usage_error("serve", "%s", err.msg);

    struct enricher *en = NULL;
    struct places *places = NULL;
    struct web_server *srv = NULL;
    char dir[PATH_MAX];
    int code = EXIT_USAGE;
    struct sigaction sa, old_int, old_term, old_pipe;
    int handlers = 0;
    if (cli_open_enricher(data_dir, dir, &en, &err)) {
        fprintf(stderr, "vigil serve: %s\n", err.msg);
        goto out;
    }
    cfg.schema_path = cli_schema_path(schema, dir);
    /* as `vigil landscape`: without the tables only province and isp are empty */
    struct vg_err perr = {0};
    if (places_open(&places, dir, &perr))
        fprintf(stderr, "vigil serve: warning: the province and isp keys map nothing: %s\n",
                perr.msg);
    cfg.places = places;
    if (pipe2(stop_pipe, O_CLOEXEC)) {
        fprintf(stderr, "vigil serve: pipe: %s\n", strerror(errno));
        goto out;
    }
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, &old_int);
    sigaction(SIGTERM, &sa, &old_term);
    sa.sa_handler = SIG_IGN; /* a client that hangs up must not kill the server */
    sigaction(SIGPIPE, &sa, &old_pipe);
    handlers = 1;
    if (web_server_start(&srv, &cfg, en, &err)) {
        fprintf(stderr, "vigil serve: %s\n", err.msg);
        goto out;
    }
    if (web_server_access_on(srv))
        fprintf(stderr, "vigil serve: access control: every read needs a token or a session; "
                        "anonymous callers get TLP:CLEAR only%s\n",
                cfg.listen.loopback ? "" : " (no TLS here: use a TLS proxy in front)");
    else
        fprintf(stderr, "vigil serve: operator mode: every local caller sees everything "
                        "(loopback only, until an organisation exists)\n");
    fprintf(stderr,
            "vigil serve: database %s%s%s, max upload %llu bytes\n"
            "vigil serve: open http://%s:%u/ (API: /api/v1/, OpenAPI: /api/v1/openapi.json)\n",
            cfg.db_path, spool ? ", spool " : "", spool ? spool : "",
            (unsigned long long)max_upload, cfg.listen.host, web_server_port(srv));
    printf("http://%s:%u/\n", cfg.listen.host, web_server_port(srv));
    fflush(stdout);

    pid_t puller = 0;
    double next_pull = pull_url ? mono_now() : -1;
    for (;;) {
        if (puller > 0) { /* reap the last pull */
            int status;
            pid_t done = waitpid(puller, &status, WNOHANG);
            if (done == puller) {
                fprintf(stderr, "vigil serve: pull of %s %s\n", pull_url,
                        WIFEXITED(status) && WEXITSTATUS(status) == 0 ? "done"
                        : WIFEXITED(status) && WEXITSTATUS(status) == 1
                            ? "done, with rejected objects"
                            : "failed (see the lines above)");
                puller = 0;
            }
        }
        if (pull_url && puller == 0 && mono_now() >= next_pull) {
            puller = start_pull(pull_url, pull_coll, cfg.db_path, data_dir);
            next_pull = mono_now() + (double)pull_every;
        }
        int wait_ms = -1;
        if (puller > 0)
            wait_ms = 500;
        else if (pull_url)
            wait_ms = (int)((next_pull - mono_now()) * 1000) + 1;
        struct pollfd p = {.fd = stop_pipe[0], .events = POLLIN};
        int r = poll(&p, 1, wait_ms < 0 ? -1 : wait_ms);
        if (r > 0)
            break;
        if (r < 0 && errno != EINTR) {
            fprintf(stderr, "vigil serve: poll: %s\n", strerror(errno));
            break;
        }
    }
    if (puller > 0) { /* a pull in progress ends as an interrupted ingest */
        kill(puller, SIGTERM);
        waitpid(puller, NULL, 0);
    }
    fprintf(stderr, "vigil serve: stopping\n");
    web_server_stop(srv);
    srv = NULL;
    fprintf(stderr, "vigil serve: stopped\n");
    code = EXIT_OK;
out:
    web_server_stop(srv);
    places_free(places);
    enricher_close(en);
    if (handlers) {
        sigaction(SIGINT, &old_int, NULL);
        sigaction(SIGTERM, &old_term, NULL);
        sigaction(SIGPIPE, &old_pipe, NULL);
    }
    for (int k = 0; k < 2; k++)
        if (stop_pipe[k] >= 0) {
            close(stop_pipe[k]);
            stop_pipe[k] = -1;
        }
    return code;
}
