/*
 * cmd_pull.c — `vigil pull taxii URL --collection ID`: read a TAXII 2.1
 * collection (libcurl) and ingest its STIX objects.
 *
 * Every page of GET {api root}/collections/{id}/objects/ is fetched
 * (limit, then next, while "more" is true; added_after when given) and
 * the objects of all pages are written, in order, as one TAXII envelope
 * into a temporary file beside the database: a sighting refers to
 * observed-data and addresses that may arrive on another page, and the
 * STIX driver resolves references within one input.  That file is then
 * ingested as `vigil ingest --format stix` would (the same pipeline, the
 * same rejects file, the same crash safety); the same content pulled
 * again has the same hash and is skipped, so nothing is counted twice.
 * Labels travel with the objects (their TLP markings).
 */
#include "cli/cli.h"
#include "core/buf.h"

#include <curl/curl.h>
#include <getopt.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#define PULL_MAX_PAGE (64u << 20) /* bytes of one TAXII page */
#define PULL_MAX_PAGES 100000

static void help(FILE *out)
{
    fprintf(out,
            "usage: vigil pull taxii URL --collection ID [options]\n\n"
            "Read a TAXII 2.1 collection and ingest its STIX 2.1 objects (sightings,\n"
            "observed-data, indicators) with their TLP markings.  URL is the API root\n"
            "(e.g. https://cert.example/taxii2/api/).\n\n"
            "options:\n"
            "  --collection ID    the collection's id (required)\n"
            "  --token TOKEN      send 'Authorization: Bearer TOKEN' (default: $VIGIL_TAXII_TOKEN)\n"
            "  --added-after TIME only objects added after TIME (RFC 3339); default: after\n"
            "                     the last object of the previous pull of this collection\n"
            "                     (kept in <db>.taxii-ID.last), else everything\n"
            "  --limit N          objects per page asked for (default 1000)\n"
            "  --db PATH          database (default: $VIGIL_DB, else ./vigil.db)\n"
            "  --tlp LABEL        the label of objects without a TLP marking (default AMBER)\n"
            "  --data-dir DIR     enrichment data (as vigil ingest)\n"
            "  --insecure         do not verify the server's TLS certificate\n"
            "  -q, --quiet        no summary on stderr\n"
            "  -h, --help         this text\n\n"
            "exit status: 0 pulled and ingested, 1 some objects rejected, 2 usage, network,\n"
            "TAXII or database error\n");
}

struct page {
    struct vg_buf body;
    int too_big;
    char added_last[48]; /* X-TAXII-Date-Added-Last of the page, or "" */
};

static size_t on_header(char *p, size_t size, size_t n, void *ctx)
{
    struct page *pg = ctx;
    size_t len = size * n;
    static const char name[] = "x-taxii-date-added-last:";
    if (len > sizeof name && strncasecmp(p, name, sizeof name - 1) == 0) {
        const char *v = p + sizeof name - 1;
        size_t k = len - (sizeof name - 1);
        while (k && (*v == ' ' || *v == '\t'))
            v++, k--;
        while (k && (v[k - 1] == '\r' || v[k - 1] == '\n' || v[k - 1] == ' '))
            k--;
        if (k < sizeof pg->added_last)
            snprintf(pg->added_last, sizeof pg->added_last, "%.*s", (int)k, v);
    }
    return len;
}

static size_t on_data(char *p, size_t size, size_t n, void *ctx)
{
    struct page *pg = ctx;
    size_t len = size * n;
    if (pg->body.len + len > PULL_MAX_PAGE) {
        pg->too_big = 1;
        return 0;
    }
    return vg_buf_append(&pg->body, p, len) ? 0 : len;
}

/* GET url into pg; the HTTP status, or -1 (message printed). */
static long fetch(CURL *curl, const char *url, struct curl_slist *headers, struct page *pg)
{
    vg_buf_reset(&pg->body);
    pg->too_big = 0;
    pg->added_last[0] = '\0';
    curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(curl, CURLOPT_HEADERDATA, pg);
    curl_easy_setopt(curl, CURLOPT_URL, url);
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, pg);
    CURLcode rc = curl_easy_perform(curl);
    if (rc != CURLE_OK) {
        fprintf(stderr, "vigil pull: %s: %s\n", url,
                pg->too_big ? "a page larger than 64 MiB" : curl_easy_strerror(rc));
        return -1;
    }
    long status = 0;
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
    return status;
}

static int append_query(struct vg_buf *url, const char *base, const char *limit,
                        const char *added_after, const char *next, CURL *curl)
{
    int rc = vg_buf_printf(url, "%s?limit=%s", base, limit);
    char *e;
    if (!rc && added_after) {
        e = curl_easy_escape(curl, added_after, 0);
        rc = !e || vg_buf_printf(url, "&added_after=%s", e);
        curl_free(e);
    }
    if (!rc && next) {
        e = curl_easy_escape(curl, next, 0);
        rc = !e || vg_buf_printf(url, "&next=%s", e);
        curl_free(e);
    }
    return rc;
}

int cmd_pull(int argc, char **argv)
{
    static const struct option opts[] = {
        {"collection", required_argument, NULL, 'c'}, {"token", required_argument, NULL, 't'},
        {"added-after", required_argument, NULL, 'a'}, {"limit", required_argument, NULL, 'l'},
        {"db", required_argument, NULL, 'd'},         {"tlp", required_argument, NULL, 'T'},
        {"data-dir", required_argument, NULL, 'D'},   {"insecure", no_argument, NULL, 'k'},
        {"quiet", no_argument, NULL, 'q'},            {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *collection = NULL, *token = getenv("VIGIL_TAXII_TOKEN"), *added_after = NULL,
               *limit = "1000", *db = NULL, *tlp = NULL, *data_dir = NULL;
    int insecure = 0, quiet = 0, c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "qh", opts, NULL)) != -1) {
        switch (c) {
        case 'c': collection = optarg; break;
        case 't': token = optarg; break;
        case 'a': added_after = optarg; break;
        case 'l': limit = optarg; break;
        case 'd': db = optarg; break;
        case 'T': tlp = optarg; break;
        case 'D': data_dir = optarg; break;
        case 'k': insecure = 1; break;
        case 'q': quiet = 1; break;
        case 'h': help(stdout); return EXIT_OK;
        default: return cli_usage_error("pull", "bad option");
        }
    }
    if (optind + 2 != argc || strcmp(argv[optind], "taxii") != 0)
        return cli_usage_error("pull", "give 'taxii URL' (the API root)");
    const char *root = argv[optind + 1];
    if (!collection)
        return cli_usage_error("pull", "--collection ID is required");
    if (strncmp(root, "http://", 7) != 0 && strncmp(root, "https://", 8) != 0)
        return cli_usage_error("pull", "URL: '%.200s' is not an http(s) URL", root);
    if (strspn(collection, "0123456789abcdefABCDEF-") != strlen(collection) || !*collection ||
        strlen(collection) > 64)
        return cli_usage_error("pull", "--collection: '%.80s' is not a collection id", collection);
    char *end;
    long lim = strtol(limit, &end, 10);
    if (*end || lim <= 0 || lim > 100000)
        return cli_usage_error("pull", "--limit: '%.40s' is not a number of objects", limit);

    struct vg_buf base = VG_BUF_INIT, url = VG_BUF_INIT, auth = VG_BUF_INIT;
    if (vg_buf_printf(&base, "%s%scollections/%s/objects/", root,
                      root[strlen(root) - 1] == '/' ? "" : "/", collection))
        return EXIT_USAGE;
    CURL *curl = curl_easy_init();
    if (!curl) {
        fprintf(stderr, "vigil pull: cannot start libcurl\n");
        return EXIT_USAGE;
    }
    struct curl_slist *headers =
        curl_slist_append(NULL, "Accept: application/taxii+json;version=2.1");
    if (token && *token && !vg_buf_printf(&auth, "Authorization: Bearer %s", token))
        headers = curl_slist_append(headers, auth.data);
    curl_easy_setopt(curl, CURLOPT_USERAGENT, "vigil-pull/1");
    curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, 20L);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT, 600L);
    curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
    if (insecure) {
        curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 0L);
        curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 0L);
    }

    /* the envelope of every page's objects, in a file beside the database */
    const char *dbp = cli_db_path(db);
    char tmp[PATH_MAX], state[PATH_MAX], last[48] = "", saved[48] = "";
    snprintf(tmp, sizeof tmp, "%s.taxii-%s.json", dbp, collection);
    /* where the previous pull of this collection stopped: without
     * --added-after, only what was added since is asked for, so that a
     * pull never ingests an object twice */
    snprintf(state, sizeof state, "%s.taxii-%s.last", dbp, collection);
    FILE *sf = added_after ? NULL : fopen(state, "r");
    if (sf) {
        char line[600];
        size_t rl = strlen(root);
        while (fgets(line, sizeof line, sf))
            if (strncmp(line, root, rl) == 0 && line[rl] == ' ') {
                snprintf(saved, sizeof saved, "%.40s", line + rl + 1);
                saved[strcspn(saved, "\r\n")] = '\0';
            }
        fclose(sf);
        if (saved[0])
            added_after = saved;
    }
    FILE *f = fopen(tmp, "w");
    int code = EXIT_USAGE;
    struct page pg = {VG_BUF_INIT, 0, ""};
    char *next = NULL;
    size_t pages = 0, objects = 0;
    if (!f) {
        fprintf(stderr, "vigil pull: cannot write %s\n", tmp);
        goto out;
    }
    fputs("{\"objects\":[", f);
    /* an incremental pull first takes the context objects again (the
     * malware, identities, markings and addresses that new sightings refer
     * to were sent before), then what was added since */
    int pass = added_after ? 0 : 1;
    for (;;) {
        vg_buf_reset(&url);
        if (append_query(&url, base.data, limit, pass ? added_after : NULL, next, curl) ||
            (!pass && vg_buf_puts(&url, "&match%5Btype%5D=malware,identity,marking-definition,"
                                        "ipv4-addr,ipv6-addr")))
            goto out;
        long status = fetch(curl, url.data, headers, &pg);
        if (status < 0)
            goto out;
        json_error_t je;
        json_t *j = json_loadb(pg.body.data ? pg.body.data : "", pg.body.len, 0, &je);
        if (status != 200) {
            const char *desc = json_string_value(json_object_get(j, "description"));
            const char *title = json_string_value(json_object_get(j, "title"));
            fprintf(stderr, "vigil pull: %s: HTTP %ld%s%s%s%s\n", url.data, status,
                    title ? ": " : "", title ? title : "", desc ? ": " : "", desc ? desc : "");
            json_decref(j);
            goto out;
        }
        json_t *objs = json_object_get(j, "objects");
        if (!json_is_object(j) || (objs && !json_is_array(objs))) {
            fprintf(stderr, "vigil pull: %s: not a TAXII envelope%s%s\n", url.data,
                    j ? "" : ": ", j ? "" : je.text);
            json_decref(j);
            goto out;
        }
        size_t i;
        json_t *o;
        json_array_foreach(objs, i, o)
        {
            char *text = json_dumps(o, JSON_COMPACT);
            if (!text) {
                json_decref(j);
                goto out;
            }
            fprintf(f, "%s\n%s", objects++ ? "," : "", text);
            free(text);
        }
        pages++;
        if (pass && pg.added_last[0] && strcmp(pg.added_last, last) > 0)
            snprintf(last, sizeof last, "%s", pg.added_last);
        free(next);
        next = NULL;
        const char *nx = json_string_value(json_object_get(j, "next"));
        int more = json_is_true(json_object_get(j, "more"));
        if (more && nx)
            next = strdup(nx);
        json_decref(j);
        if ((!more || !next) && pass++)
            break;
        if (!more || !next) {
            free(next);
            next = NULL;
            continue;
        }
        if (pages >= PULL_MAX_PAGES) {
            fprintf(stderr, "vigil pull: more than %u pages: stopping\n", PULL_MAX_PAGES);
            goto out;
        }
    }
    fputs("]}\n", f);
    if (fclose(f) != 0) {
        f = NULL;
        fprintf(stderr, "vigil pull: cannot write %s\n", tmp);
        goto out;
    }
    f = NULL;
    if (!quiet)
        fprintf(stderr, "vigil pull: %zu object%s in %zu page%s from %s\n", objects,
                objects == 1 ? "" : "s", pages, pages == 1 ? "" : "s", base.data);
    {
        char *args[16];
        int n = 0;
        args[n++] = "ingest";
        args[n++] = "--db";
        args[n++] = (char *)dbp;
        args[n++] = "--format";
        args[n++] = "stix";
        if (tlp)
            args[n++] = "--tlp", args[n++] = (char *)tlp;
        if (data_dir)
            args[n++] = "--data-dir", args[n++] = (char *)data_dir;
        if (quiet)
            args[n++] = "--quiet";
        args[n++] = tmp;
        args[n] = NULL;
        code = cmd_ingest(n, args);
    }
    if ((code == EXIT_OK || code == 1) && last[0]) {
        char tmpstate[PATH_MAX + 8];
        snprintf(tmpstate, sizeof tmpstate, "%s.tmp", state);
        FILE *w = fopen(tmpstate, "w");
        if (!w || fprintf(w, "%s %s\n", root, last) < 0 || fclose(w) != 0 ||
            rename(tmpstate, state) != 0)
            fprintf(stderr, "vigil pull: cannot record the pull's position in %s\n", state);
    }
out:
    if (f)
        fclose(f);
    unlink(tmp);
    free(next);
    vg_buf_free(&pg.body);
    vg_buf_free(&base);
    vg_buf_free(&url);
    vg_buf_free(&auth);
    curl_slist_free_all(headers);
    curl_easy_cleanup(curl);
    return code;
}
