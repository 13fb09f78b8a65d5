/*
 * ss_schema.c — Shadowserver report mappings: the schema file and the
 * built-in generic mapping (see ss_schema.h).
 *
 * Loading follows how IntelMQ's Shadowserver parser reads the schema
 * (intelmq/bots/parsers/shadowserver/_config.py: reports are found by
 * their "file_name", items are [intelmq_key, column, conversion]); every
 * decision that does not depend on a row — which conversion, whether the
 * key is a harmonised field or lands under extra. — is taken here once, so
 * that the per-record loop in shadowserver.c only looks things up.
 *
 * The built-in mapping is vigil's own: Shadowserver reports share one
 * column vocabulary (timestamp, ip/src_ip, port/src_port, asn, geo, region,
 * city, hostname, naics, sector, infection, family, tag, dst_*, http_*...),
 * so a table of those column names, the report family of the type (scan_*,
 * event4_sinkhole*, honeypot ...) and a table of report names is enough to
 * give the core fields (time.source, source.ip/port, malware.name,
 * classification, feed.name) without the schema file.  Everything else
 * lands under extra.<column>.
 */
#include "formats/ss_schema.h"

#include <ctype.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- conversions -------------------------------------------------------- */

static const struct {
    const char *name;
    enum ss_conv conv;
} conv_names[] = {
    {"add_UTC_to_timestamp", SS_CONV_UTC_TIMESTAMP},
    {"convert_bool", SS_CONV_BOOL},
    {"validate_to_none", SS_CONV_TO_NONE},
    {"convert_int", SS_CONV_INT},
    {"convert_float", SS_CONV_FLOAT},
    {"convert_http_host_and_url", SS_CONV_HOST_URL},
    {"invalidate_zero", SS_CONV_INVALIDATE_ZERO},
    {"set_tor_node", SS_CONV_TOR_NODE},
    {"validate_ip", SS_CONV_IP},
    {"validate_network", SS_CONV_NETWORK},
    {"validate_fqdn", SS_CONV_FQDN},
    {"convert_date", SS_CONV_DATE},
    {"convert_date_utc", SS_CONV_DATE_UTC},
    {"force_base64", SS_CONV_BASE64},
    {"scan_exchange_taxonomy", SS_CONV_EXCH_TAXONOMY},
    {"scan_exchange_type", SS_CONV_EXCH_TYPE},
    {"scan_exchange_identifier", SS_CONV_EXCH_IDENT},
    {"extract_cve_from_tag", SS_CONV_CVE_FROM_TAG},
    {"category_or_detail", SS_CONV_CATEGORY_OR_DETAIL},
};

const char *ss_conv_name(enum ss_conv c)
{
    if (c == SS_CONV_NONE)
        return "none";
    for (size_t k = 0; k < sizeof conv_names / sizeof conv_names[0]; k++)
        if (conv_names[k].conv == c)
            return conv_names[k].name;
    return "unknown";
}

static enum ss_conv conv_lookup(const char *name)
{
    for (size_t k = 0; k < sizeof conv_names / sizeof conv_names[0]; k++)
        if (strcmp(conv_names[k].name, name) == 0)
            return conv_names[k].conv;
    return SS_CONV_UNKNOWN;
}

/* ---- items -------------------------------------------------------------- */

static char *arena_cat(struct vg_arena *a, const char *x, const char *y)
{
    size_t nx = strlen(x), ny = strlen(y);
    char *s = vg_arena_alloc(a, nx + ny + 1);
    if (!s)
        return NULL;
    memcpy(s, x, nx);
    memcpy(s + nx, y, ny + 1);
    return s;
}

/* Decide where an item's value lands, as IntelMQ's parse_line does: key
 * "extra." -> extra.<column>; "extra.x" -> extra.x; false/"__IGNORE__" ->
 * dropped; a harmonised field -> that field; any other key (InvalidKey in
 * IntelMQ) -> extra.<key>. */
static int item_resolve(struct vg_arena *a, struct ss_item *it)
{
    if (!it->key || strcmp(it->key, "__IGNORE__") == 0) {
        it->target = SS_TGT_IGNORE;
        it->out_name = NULL;
        return 0;
    }
    size_t n = strlen(it->key);
    if (strcmp(it->key, "extra.") == 0 || strcmp(it->key, "extra") == 0) {
        it->target = SS_TGT_EXTRA;
        it->out_name = arena_cat(a, "extra.", it->column);
    } else if (n > 6 && memcmp(it->key, "extra.", 6) == 0) {
        it->target = SS_TGT_EXTRA;
        it->out_name = it->key;
    } else {
        const struct field_def *def = field_find(it->key, n);
        if (def && def->type != FT_JSONDICT) {
            it->target = SS_TGT_FIELD;
            it->def = def;
            it->out_name = def->name;
        } else {
            it->target = SS_TGT_EXTRA;
            it->out_name = arena_cat(a, "extra.", it->key);
        }
    }
    return it->out_name ? 0 : VG_ENOMEM;
}

/* ---- loading ------------------------------------------------------------ */

static const char *jstr(struct vg_arena *a, json_t *v)
{
    if (!json_is_string(v))
        return NULL;
    return vg_arena_strndup(a, json_string_value(v), json_string_length(v));
}

static int load_items(struct vg_arena *a, const char *rkey, const char *which,
                      json_t *arr, int required, struct ss_item *out, size_t *n,
                      struct vg_err *err)
{
    size_t k;
    json_t *item;
    if (!arr)
        return 0;
    if (!json_is_array(arr))
        return vg_err_set(err, VG_EDATA, "report %s: %s is not an array", rkey,
                          which);
    json_array_foreach(arr, k, item)
    {
        struct ss_item *it = &out[(*n)++];
        memset(it, 0, sizeof *it);
        json_t *key = json_array_get(item, 0), *col = json_array_get(item, 1);
        json_t *conv = json_array_get(item, 2);
        if (!json_is_array(item) || !col || !json_is_string(col) ||
            !(json_is_string(key) || json_is_false(key)))
            return vg_err_set(err, VG_EDATA,
                              "report %s: %s[%zu] is not [key, column, ...]",
                              rkey, which, k);
        it->key = json_is_string(key) ? jstr(a, key) : NULL;
        it->column = jstr(a, col);
        it->required = (uint8_t)required;
        it->conv = SS_CONV_NONE;
        if (conv && json_is_string(conv))
            it->conv = conv_lookup(json_string_value(conv));
        else if (conv && !json_is_null(conv) && !json_is_false(conv))
            return vg_err_set(err, VG_EDATA,
                              "report %s: %s[%zu]: conversion is not a name",
                              rkey, which, k);
        if ((json_is_string(key) && !it->key) || !it->column ||
            item_resolve(a, it))
            return vg_err_set(err, VG_ENOMEM, "out of memory");
    }
    return 0;
}

static int load_report(struct vg_arena *a, const char *rkey, json_t *obj,
                       struct ss_report *r, struct vg_err *err)
{
    int rc;
    if (!json_is_object(obj))
        return vg_err_set(err, VG_EDATA, "report %s is not an object", rkey);
    json_t *req = json_object_get(obj, "required_fields");
    json_t *opt = json_object_get(obj, "optional_fields");
    json_t *cst = json_object_get(obj, "constant_fields");
    r->name = vg_arena_strndup(a, rkey, strlen(rkey));
    r->feed_name = jstr(a, json_object_get(obj, "feed_name"));
    r->file_name = jstr(a, json_object_get(obj, "file_name"));
    if (!r->name || !r->feed_name || !r->file_name)
        return vg_err_set(err, VG_EDATA,
                          "report %s: feed_name or file_name missing", rkey);
    size_t cap = json_array_size(req) + json_array_size(opt);
    r->items = vg_arena_alloc(a, (cap ? cap : 1) * sizeof *r->items);
    if (!r->items)
        return vg_err_set(err, VG_ENOMEM, "out of memory");
    r->nitems = 0;
    if ((rc = load_items(a, rkey, "required_fields", req, 1, r->items,
                         &r->nitems, err)))
        return rc;
    r->nrequired = r->nitems;
    if ((rc = load_items(a, rkey, "optional_fields", opt, 0, r->items,
                         &r->nitems, err)))
        return rc;
    r->nconsts = 0;
    if (cst && !json_is_object(cst))
        return vg_err_set(err, VG_EDATA,
                          "report %s: constant_fields is not an object", rkey);
    r->consts =
        vg_arena_alloc(a, (json_object_size(cst) + 1) * sizeof *r->consts);
    if (!r->consts)
        return vg_err_set(err, VG_ENOMEM, "out of memory");
    const char *ck;
    json_t *cv;
    json_object_foreach(cst, ck, cv)
    {
        struct ss_const *c = &r->consts[r->nconsts++];
        c->key = vg_arena_strndup(a, ck, strlen(ck));
        c->value = jstr(a, cv);
        if (!c->value)
            return vg_err_set(err, VG_EDATA,
                              "report %s: constant %s is not a string", rkey,
                              ck);
    }
    return 0;
}

int ss_schema_load(struct ss_schema **out, const char *path, struct vg_err *err)
{
    json_error_t jerr;
    int rc = 0;
    *out = NULL;
    json_t *root = json_load_file(path, 0, &jerr);
    if (!root)
        return vg_err_set(err, VG_EDATA, "%s:%d: %s", path, jerr.line,
                          jerr.text);
    struct ss_schema *s = calloc(1, sizeof *s);
    if (!s) {
        rc = vg_err_set(err, VG_ENOMEM, "out of memory");
        goto out;
    }
    vg_arena_init(&s->arena, 64 * 1024);
    s->date_created = "";
    if (!json_is_object(root)) {
        rc =
            vg_err_set(err, VG_EDATA, "%s: not a JSON object of reports", path);
        goto out;
    }
    s->reports = vg_arena_alloc(&s->arena, (json_object_size(root) + 1) *
                                               sizeof *s->reports);
    if (!s->reports) {
        rc = vg_err_set(err, VG_ENOMEM, "out of memory");
        goto out;
    }
    const char *key;
    json_t *val;
    json_object_foreach(root, key, val)
    {
        if (strcmp(key, "_meta") == 0) {
            const char *d =
                jstr(&s->arena, json_object_get(val, "date_created"));
            if (d)
                s->date_created = d;
            continue;
        }
        if ((rc = load_report(&s->arena, key, val, &s->reports[s->n], err))) {
            vg_err_prefix(err, "%s: ", path);
            goto out;
        }
        s->n++;
    }
    if (s->n == 0)
        rc = vg_err_set(err, VG_EDATA, "%s: no reports in the schema", path);
out:
    json_decref(root);
    if (rc) {
        ss_schema_free(s);
        return rc;
    }
    *out = s;
    return 0;
}

void ss_schema_free(struct ss_schema *s)
{
    if (!s)
        return;
    vg_arena_free(&s->arena);
    free(s);
}

const char *ss_schema_env_path(void)
{
    const char *p = getenv("VIGIL_SHADOWSERVER_SCHEMA");
    return p && *p ? p : NULL;
}

const char *ss_schema_resolve(const char *cli_path, const char *data_dir,
                              char *buf, size_t n)
{
    if (cli_path && *cli_path)
        return cli_path;
    const char *env = ss_schema_env_path();
    if (env)
        return env;
    if (!data_dir || !*data_dir ||
        (size_t)snprintf(buf, n, "%s/shadowserver-schema.json", data_dir) >= n)
        return NULL;
    return access(buf, R_OK) == 0 ? buf : NULL;
}

const struct ss_report *ss_schema_find(const struct ss_schema *s,
                                       const char *type)
{
    if (!s || !type)
        return NULL;
    for (size_t k = 0; k < s->n; k++)
        if (strcmp(s->reports[k].file_name, type) == 0)
            return &s->reports[k];
    for (size_t k = 0; k < s->n; k++)
        if (strcmp(s->reports[k].name, type) == 0)
            return &s->reports[k];
    return NULL;
}

static int has_col(const char *const *cols, size_t n, const char *c)
{
    for (size_t k = 0; k < n; k++)
        if (strcmp(cols[k], c) == 0)
            return 1;
    return 0;
}

const struct ss_report *ss_schema_match_header(const struct ss_schema *s,
                                               const char *const *cols,
                                               size_t ncols, int *score)
{
    const struct ss_report *best = NULL;
    int best_score = 0;
    if (!s || ncols == 0)
        return NULL;
    for (size_t r = 0; r < s->n; r++) {
        const struct ss_report *rep = &s->reports[r];
        size_t k, known = 0, distinct = 0;
        int ok = 1;
        for (k = 0; k < rep->nrequired && ok; k++)
            ok = has_col(cols, ncols, rep->items[k].column);
        if (!ok)
            continue;
        for (k = 0; k < rep->nitems; k++) {
            /* count each report column once */
            size_t j;
            for (j = 0; j < k; j++)
                if (strcmp(rep->items[j].column, rep->items[k].column) == 0)
                    break;
            if (j < k)
                continue;
            distinct++;
            known += (size_t)has_col(cols, ncols, rep->items[k].column);
        }
        /* Jaccard similarity of the two column sets */
        size_t uni = ncols + distinct - known;
        int sc = uni ? (int)(known * 100 / uni) : 0;
        if (sc > best_score) {
            best_score = sc;
            best = rep;
        }
    }
    if (score)
        *score = best_score;
    return best;
}

/* ---- file names --------------------------------------------------------- */

static int is_word(char c)
{
    return isalnum((unsigned char)c) || c == '_';
}

/* IntelMQ's pattern ^(?:\d{4}-\d{2}-\d{2}-)?(\w+)(-\w+)*\.csv$ and the
 * Shadowserver report file-name format "YYYY-MM-DD-<type>-<details>.csv". */
int ss_type_from_filename(const char *path, char *out, size_t outlen)
{
    const char *b = strrchr(path, '/');
    b = b ? b + 1 : path;
    size_t n = strlen(b);
    if (n < 5 || strcmp(b + n - 4, ".csv") != 0)
        return VG_ENOTFOUND;
    n -= 4;
    size_t i = 0;
    if (n > 11 && isdigit((unsigned char)b[0]) &&
        isdigit((unsigned char)b[1]) && isdigit((unsigned char)b[2]) &&
        isdigit((unsigned char)b[3]) && b[4] == '-' &&
        isdigit((unsigned char)b[5]) && isdigit((unsigned char)b[6]) &&
        b[7] == '-' && isdigit((unsigned char)b[8]) &&
        isdigit((unsigned char)b[9]) && b[10] == '-')
        i = 11;
    size_t start = i;
    while (i < n && is_word(b[i]))
        i++;
    size_t end = i;
    if (end == start)
        return VG_ENOTFOUND;
    /* the rest must be (-\w+)* */
    while (i < n) {
        if (b[i] != '-' || i + 1 >= n || !is_word(b[i + 1]))
            return VG_ENOTFOUND;
        i++;
        while (i < n && is_word(b[i]))
            i++;
    }
    if (end - start + 1 > outlen)
        return VG_ENOTFOUND;
    memcpy(out, b + start, end - start);
    out[end - start] = '\0';
    return 0;
}

/* ---- built-in mapping --------------------------------------------------- */

/* Shadowserver report names by file-name type, with the classification.type
 * where it differs from the report family (ss_builtin_class_type).  Sorted
 * by type for bsearch. */
static const struct builtin_report {
    const char *type, *feed_name, *class_type;
} builtin_reports[] = {
    {"blocklist", "Blocklist", NULL},
    {"compromised_account", "Compromised-Account", "data-leak"},
    {"compromised_iot", "Compromised-IoT-Device", NULL},
    {"compromised_iot6", "IPv6-Compromised-IoT-Device", NULL},
    {"compromised_website", "Compromised-Website", NULL},
    {"compromised_website6", "IPv6-Compromised-Website", NULL},
    {"device_id", "Device-Identification IPv4", NULL},
    {"device_id6", "Device-Identification IPv6", NULL},
    {"event4_ddos_participant", "DDoS-Participant", NULL},
    {"event4_honeypot_adb_scan", "Honeypot-ADB-Scanner", NULL},
    {"event4_honeypot_brute_force", "Honeypot-Brute-Force-Events", NULL},
    {"event4_honeypot_darknet", "Honeypot-Darknet", NULL},
    {"event4_honeypot_ddos", "Honeypot-DDoS", NULL},
    {"event4_honeypot_ddos_amp", "Honeypot-Amplification-DDoS-Events", NULL},
    {"event4_honeypot_ddos_target", "Honeypot-DDoS-Target", NULL},
    {"event4_honeypot_http_scan", "Honeypot-HTTP-Scan", NULL},
    {"event4_honeypot_ics_scan", "Honeypot-ICS-Scanner", NULL},
    {"event4_honeypot_ikev2_scan", "Honeypot-IKEv2-Scanner", NULL},
    {"event4_honeypot_rdp_scan", "Honeypot-RDP-Scanner", NULL},
    {"event4_honeypot_rocketmq_scan", "Honeypot-RocketMQ-Scanner", NULL},
    {"event4_honeypot_smb_scan", "Honeypot-SMB-Scanner", NULL},
    {"event4_ip_spoofer", "IP-Spoofer-Events", NULL},
    {"event4_microsoft_sinkhole", "Microsoft-Sinkhole-Events IPv4", NULL},
    {"event4_microsoft_sinkhole_http", "Microsoft-Sinkhole-Events-HTTP IPv4",
     NULL},
    {"event4_sinkhole", "Sinkhole-Events IPv4", NULL},
    {"event4_sinkhole_dns", "Sinkhole-DNS", "other"},
    {"event4_sinkhole_http", "Sinkhole-Events-HTTP IPv4", NULL},
    {"event4_sinkhole_http_referer", "Sinkhole-Events-HTTP-Referer IPv4", NULL},
    {"event6_sinkhole", "Sinkhole-Events IPv6", NULL},
    {"event6_sinkhole_http", "Sinkhole-Events-HTTP IPv6", NULL},
    {"event6_sinkhole_http_referer", "Sinkhole-Events-HTTP-Referer IPv6", NULL},
    {"malware_url", "Malware-URL", NULL},
    {"phish_url", "Phish-URL", NULL},
    {"population6_bgp", "IPv6-Accessible-BGP", "vulnerable-system"},
    {"population6_http_proxy", "IPv6-Accessible-HTTP-Proxy", NULL},
    {"population6_isakmp", "IPv6-Accessible-ISAKMP", NULL},
    {"population6_msmq", "IPv6-Accessible-MSMQ", "vulnerable-system"},
    {"population_bgp", "Accessible-BGP", "vulnerable-system"},
    {"population_http_proxy", "Accessible-HTTP-Proxy", NULL},
    {"population_isakmp", "Accessible-ISAKMP", NULL},
    {"population_msmq", "Accessible-MSMQ", "vulnerable-system"},
    {"population_ntrip", "Accessible-NTRIP", NULL},
    {"ransomware_victim", "Ransomware-victim", NULL},
    {"sandbox_conn", "Sandbox-Connections", NULL},
    {"sandbox_dns", "Sandbox-DNS", "other"},
    {"sandbox_url", "Sandbox-URL", NULL},
    {"scan6_activemq", "IPv6-Accessible-ActiveMQ", NULL},
    {"scan6_badsecrets", "IPv6-Badsecrets", "weak-crypto"},
    {"scan6_bgp", "IPv6-Open-BGP", NULL},
    {"scan6_cwmp", "IPv6-Accessible-CWMP", NULL},
    {"scan6_dns", "IPv6-DNS-Open-Resolvers", NULL},
    {"scan6_elasticsearch", "IPv6-Open-Elasticsearch", NULL},
    {"scan6_exchange", "IPv6-Vulnerable-Exchange", NULL},
    {"scan6_ftp", "IPv6-Accessible-FTP", NULL},
    {"scan6_http", "IPv6-Accessible-HTTP", "other"},
    {"scan6_http_proxy", "IPv6-Open-HTTP-Proxy", NULL},
    {"scan6_http_vulnerable", "IPv6-Vulnerable-HTTP", NULL},
    {"scan6_imap", "IPv6-Accessible-IMAP", "other"},
    {"scan6_imap_vulnerable", "IPv6-Vulnerable-IMAP", NULL},
    {"scan6_ip_tunnel", "IPv6-Open-IP-Tunnel", NULL},
    {"scan6_ipp", "IPv6-Open-IPP", NULL},
    {"scan6_isakmp", "IPv6-Vulnerable-ISAKMP", NULL},
    {"scan6_ldap_tcp", "IPv6-Open-LDAP-TCP", NULL},
    {"scan6_mongodb", "IPv6-Open-MongoDB", NULL},
    {"scan6_mqtt", "IPv6-Open-MQTT", NULL},
    {"scan6_mqtt_anon", "IPv6-Open-Anonymous-MQTT", NULL},
    {"scan6_msrpc", "IPv6-Accessible-MS-RPC",
     "potentially-unwanted-accessible"},
    {"scan6_mysql", "IPv6-Accessible-MySQL", NULL},
    {"scan6_ntp", "IPv6-NTP-Version", NULL},
    {"scan6_ntpmonitor", "IPv6-NTP-Monitor", NULL},
    {"scan6_pop3", "IPv6-Accessible-POP3", "other"},
    {"scan6_pop3_vulnerable", "IPv6-Vulnerable-POP3", NULL},
    {"scan6_postgres", "IPv6-Accessible-PostgreSQL", NULL},
    {"scan6_rdp", "IPv6-Accessible-RDP", NULL},
    {"scan6_rsync", "IPv6-Accessible-Rsync", NULL},
    {"scan6_slp", "IPv6-Accessible-SLP", NULL},
    {"scan6_smb", "IPv6-Accessible-SMB", NULL},
    {"scan6_smtp", "IPv6-Accessible-SMTP", "other"},
    {"scan6_smtp_vulnerable", "IPv6-Vulnerable-SMTP", NULL},
    {"scan6_snmp", "IPv6-Open-SNMP", NULL},
    {"scan6_ssh", "IPv6-Accessible-SSH", "other"},
    {"scan6_ssl", "IPv6-Accessible-SSL", "other"},
    {"scan6_ssl_freak", "SSL-FREAK-Vulnerable-Servers IPv6", "weak-crypto"},
    {"scan6_ssl_poodle", "SSL-POODLE-Vulnerable-Servers IPv6", "weak-crypto"},
    {"scan6_stun", "IPv6-Accessible-Session-Traversal-Utilities-for-NAT",
     "other"},
    {"scan6_telnet", "IPv6-Accessible-Telnet", NULL},
    {"scan6_vnc", "IPv6-Accessible-VNC", NULL},
    {"scan_activemq", "Accessible-ActiveMQ", NULL},
    {"scan_adb", "Accessible-ADB", NULL},
    {"scan_afp", "Accessible-AFP", NULL},
    {"scan_amqp", "Accessible-AMQP", NULL},
    {"scan_ard", "Accessible-ARD", NULL},
    {"scan_badsecrets", "Badsecrets", "weak-crypto"},
    {"scan_bgp", "Open-BGP", NULL},
    {"scan_chargen", "Open-Chargen", NULL},
    {"scan_cisco_smart_install", "Accessible-Cisco-Smart-Install", NULL},
    {"scan_coap", "Accessible-CoAP", NULL},
    {"scan_couchdb", "Accessible-CouchDB", NULL},
    {"scan_cwmp", "Accessible-CWMP", NULL},
    {"scan_db2", "Open-DB2-Discovery-Service", NULL},
    {"scan_ddos_middlebox", "Vulnerable-DDoS-Middlebox", NULL},
    {"scan_dns", "DNS-Open-Resolvers", NULL},
    {"scan_docker", "Accessible-Docker", NULL},
    {"scan_dvr_dhcpdiscover", "Accessible-DVR-DHCPDiscover", NULL},
    {"scan_elasticsearch", "Open-Elasticsearch", NULL},
    {"scan_epmd", "Accessible-Erlang-Port-Mapper-Daemon", NULL},
    {"scan_exchange", "Vulnerable-Exchange-Server", NULL},
    {"scan_ftp", "Accessible-FTP", NULL},
    {"scan_gtp", "Accessible-GPRS-Tunneling-Protocol-GTP",
     "potentially-unwanted-accessible"},
    {"scan_hadoop", "Accessible-Hadoop", NULL},
    {"scan_http", "Accessible-HTTP", "other"},
    {"scan_http_proxy", "Open-HTTP-Proxy", NULL},
    {"scan_http_vulnerable", "Vulnerable-HTTP", NULL},
    {"scan_ics", "Accessible-ICS", NULL},
    {"scan_imap", "Accessible-IMAP", "other"},
    {"scan_imap_vulnerable", "Vulnerable-IMAP", NULL},
    {"scan_ip_tunnel", "Open-IP-Tunnel", NULL},
    {"scan_ipmi", "Open-IPMI", NULL},
    {"scan_ipp", "Open-IPP", NULL},
    {"scan_isakmp", "Vulnerable-ISAKMP", NULL},
    {"scan_kubernetes", "Accessible-Kubernetes-API", NULL},
    {"scan_ldap_tcp", "Open-LDAP-TCP", NULL},
    {"scan_ldap_udp", "Open-LDAP", NULL},
    {"scan_loop_dos", "Loop-DoS", NULL},
    {"scan_mdns", "Open-mDNS", NULL},
    {"scan_memcached", "Open-Memcached", NULL},
    {"scan_mongodb", "Open-MongoDB", NULL},
    {"scan_mqtt", "Open-MQTT", NULL},
    {"scan_mqtt_anon", "Open-Anonymous-MQTT", NULL},
    {"scan_msrpc", "Accessible-MS-RPC", "potentially-unwanted-accessible"},
    {"scan_mssql", "Open-MSSQL", NULL},
    {"scan_mysql", "Accessible-MySQL", NULL},
    {"scan_nat_pmp", "Open-NATPMP", NULL},
    {"scan_netbios", "Open-NetBIOS-Nameservice", NULL},
    {"scan_netis_router", "Open-Netis", NULL},
    {"scan_ntp", "NTP-Version", NULL},
    {"scan_ntpmonitor", "NTP-Monitor", NULL},
    {"scan_pop3", "Accessible-POP3", "other"},
    {"scan_pop3_vulnerable", "Vulnerable-POP3", NULL},
    {"scan_portmapper", "Open-Portmapper", NULL},
    {"scan_post_exploitation_framework", "Post-Exploitation-Framework",
     "infected-system"},
    {"scan_postgres", "Accessible-PostgreSQL", NULL},
    {"scan_qotd", "Open-QOTD", NULL},
    {"scan_quic", "Accessible-QUIC", "other"},
    {"scan_radmin", "Accessible-Radmin", NULL},
    {"scan_rdp", "Accessible-RDP", NULL},
    {"scan_rdpeudp", "Accessible-MS-RDPEUDP", NULL},
    {"scan_redis", "Open-Redis", NULL},
    {"scan_rsync", "Accessible-Rsync", NULL},
    {"scan_sip", "Accessible-SIP", NULL},
    {"scan_slp", "Accessible-SLP", NULL},
    {"scan_smb", "Accessible-SMB", NULL},
    {"scan_smtp", "Accessible-SMTP", "other"},
    {"scan_smtp_vulnerable", "Vulnerable-SMTP", NULL},
    {"scan_snmp", "Open-SNMP", NULL},
    {"scan_socks", "Accessible-SOCKS4/5-Proxy", NULL},
    {"scan_ssdp", "Open-SSDP", NULL},
    {"scan_ssh", "Accessible-SSH", "other"},
    {"scan_ssl", "Accessible-SSL", "other"},
    {"scan_ssl_freak", "SSL-FREAK-Vulnerable-Servers", "weak-crypto"},
    {"scan_ssl_poodle", "SSL-POODLE-Vulnerable-Servers IPv4", "weak-crypto"},
    {"scan_stun", "Accessible-Session-Traversal-Utilities-for-NAT", "other"},
    {"scan_synfulknock", "SYNful-Knock", NULL},
    {"scan_telnet", "Accessible-Telnet", NULL},
    {"scan_tftp", "Open-TFTP", NULL},
    {"scan_ubiquiti", "Accessible-Ubiquiti-Discovery-Service", NULL},
    {"scan_vnc", "Accessible-VNC", NULL},
    {"scan_ws_discovery", "Accessible-WS-Discovery-Service", NULL},
    {"scan_xdmcp", "Open-XDMCP", NULL},
    {"spam_url", "Spam-URL", NULL},
    {"special", "Special", NULL},
};

static int cmp_builtin(const void *key, const void *elem)
{
    return strcmp(key, ((const struct builtin_report *)elem)->type);
}

static const struct builtin_report *builtin_find(const char *type)
{
    if (!type)
        return NULL;
    return bsearch(type, builtin_reports,
                   sizeof builtin_reports / sizeof builtin_reports[0],
                   sizeof builtin_reports[0], cmp_builtin);
}

const char *ss_builtin_feed_name(const char *type)
{
    const struct builtin_report *b = builtin_find(type);
    return b ? b->feed_name : NULL;
}

static int starts(const char *s, const char *p)
{
    return strncmp(s, p, strlen(p)) == 0;
}

static int ends(const char *s, const char *p)
{
    size_t n = strlen(s), m = strlen(p);
    return n >= m && strcmp(s + n - m, p) == 0;
}

/* RSIT classification by report family (Shadowserver's report catalogue:
 * sinkholes see infected machines, scans see exposed services, honeypots see
 * attackers). */
const char *ss_builtin_class_type(const char *type)
{
    const struct builtin_report *b = builtin_find(type);
    if (b && b->class_type)
        return b->class_type;
    if (!type)
        return "undetermined";
    if (strcmp(type, "blocklist") == 0)
        return "blacklist";
    if (strstr(type, "honeypot")) {
        if (ends(type, "_scan"))
            return "scanner";
        if (strstr(type, "brute_force"))
            return "brute-force";
        if (strstr(type, "ddos"))
            return "ddos";
        return "other";
    }
    if (strstr(type, "ddos_participant"))
        return "ddos";
    if (strstr(type, "ip_spoofer"))
        return "masquerade";
    if (strstr(type, "sinkhole") || strstr(type, "drone") ||
        strstr(type, "botnet"))
        return "infected-system";
    if (starts(type, "scan"))
        return "vulnerable-system";
    if (starts(type, "population"))
        return "other";
    if (starts(type, "compromised") || starts(type, "ransomware"))
        return "system-compromise";
    if (starts(type, "sandbox_") || strcmp(type, "malware_url") == 0)
        return "malware-distribution";
    if (strcmp(type, "phish_url") == 0)
        return "phishing";
    if (strcmp(type, "spam_url") == 0)
        return "spam";
    if (strcmp(type, "special") == 0)
        return "vulnerable-system";
    return "undetermined";
}

/* The column vocabulary.  Several columns can feed one field (src_ip, ip,
 * http_referer_ip -> source.ip): the first present in the header wins, the
 * others stay for extra.<column>.  `where` limits an entry to report types
 * whose name contains one of the '|'-separated words (NULL: any report). */
static const struct vocab {
    const char *column, *key;
    enum ss_conv conv;
    uint8_t required;
    const char *where;
} vocab[] = {
    {"timestamp", "time.source", SS_CONV_UTC_TIMESTAMP, 1, NULL},
    {"src_ip", "source.ip", SS_CONV_IP, 1, NULL},
    {"ip", "source.ip", SS_CONV_IP, 1, NULL},
    {"http_referer_ip", "source.ip", SS_CONV_IP, 0, NULL},
    {"src_port", "source.port", SS_CONV_INT, 1, NULL},
    {"port", "source.port", SS_CONV_INT, 1, NULL},
    {"src_asn", "source.asn", SS_CONV_INVALIDATE_ZERO, 0, NULL},
    {"asn", "source.asn", SS_CONV_INVALIDATE_ZERO, 0, NULL},
    {"src_geo", "source.geolocation.cc", SS_CONV_NONE, 0, NULL},
    {"geo", "source.geolocation.cc", SS_CONV_NONE, 0, NULL},
    {"src_region", "source.geolocation.region", SS_CONV_NONE, 0, NULL},
    {"region", "source.geolocation.region", SS_CONV_NONE, 0, NULL},
    {"src_city", "source.geolocation.city", SS_CONV_NONE, 0, NULL},
    {"city", "source.geolocation.city", SS_CONV_NONE, 0, NULL},
    {"src_hostname", "source.reverse_dns", SS_CONV_NONE, 0, NULL},
    {"hostname", "source.reverse_dns", SS_CONV_NONE, 0, NULL},
    {"src_naics", "extra.source.naics", SS_CONV_INVALIDATE_ZERO, 0, NULL},
    {"naics", "extra.source.naics", SS_CONV_INVALIDATE_ZERO, 0, NULL},
    {"sic", "extra.source.sic", SS_CONV_INVALIDATE_ZERO, 0, NULL},
    {"src_sector", "extra.source.sector", SS_CONV_TO_NONE, 0, NULL},
    {"sector", "extra.source.sector", SS_CONV_TO_NONE, 0, NULL},
    {"protocol", "protocol.transport", SS_CONV_NONE, 0, NULL},
    {"dst_ip", "destination.ip", SS_CONV_IP, 0, NULL},
    {"dst_port", "destination.port", SS_CONV_INT, 0, NULL},
    {"dst_asn", "destination.asn", SS_CONV_INVALIDATE_ZERO, 0, NULL},
    {"dst_geo", "destination.geolocation.cc", SS_CONV_NONE, 0, NULL},
    {"dst_region", "destination.geolocation.region", SS_CONV_NONE, 0, NULL},
    {"dst_city", "destination.geolocation.city", SS_CONV_NONE, 0, NULL},
    {"dst_hostname", "destination.reverse_dns", SS_CONV_TO_NONE, 0, NULL},
    {"dst_naics", "extra.destination.naics", SS_CONV_INVALIDATE_ZERO, 0, NULL},
    {"dst_sector", "extra.destination.sector", SS_CONV_TO_NONE, 0, NULL},
    {"infection", "malware.name", SS_CONV_TO_NONE, 0, NULL},
    {"infection", "classification.identifier", SS_CONV_TO_NONE, 0, "sinkhole"},
    {"family", "extra.family", SS_CONV_TO_NONE, 0, NULL},
    {"tag", "classification.taxonomy", SS_CONV_EXCH_TAXONOMY, 0, "exchange"},
    {"tag", "classification.type", SS_CONV_EXCH_TYPE, 0, "exchange"},
    {"tag", "classification.identifier", SS_CONV_EXCH_IDENT, 0, "exchange"},
    {"tag", "extra.tag", SS_CONV_TO_NONE, 0, NULL},
    {"http_url", "destination.url", SS_CONV_HOST_URL, 0, NULL},
    {"url", "destination.url", SS_CONV_HOST_URL, 0,
     "sinkhole|sandbox|exchange|honeypot"},
    {"url", "source.url", SS_CONV_HOST_URL, 0, NULL},
    {"http_host", "destination.fqdn", SS_CONV_FQDN, 0,
     "sinkhole|sandbox|exchange|honeypot"},
    {"http_host", "source.fqdn", SS_CONV_FQDN, 0, NULL},
    {"host", "destination.fqdn", SS_CONV_FQDN, 0,
     "sinkhole|sandbox|exchange|honeypot"},
    {"host", "source.fqdn", SS_CONV_FQDN, 0, NULL},
    {"sha256", "malware.hash.sha256", SS_CONV_TO_NONE, 0, NULL},
    {"sha1", "malware.hash.sha1", SS_CONV_TO_NONE, 0, NULL},
    {"md5", "malware.hash.md5", SS_CONV_TO_NONE, 0, NULL},
    {"md5hash", "malware.hash.md5", SS_CONV_TO_NONE, 0, NULL},
    {"application", "extra.application", SS_CONV_TO_NONE, 0, NULL},
    {"public_source", "extra.public_source", SS_CONV_TO_NONE, 0, NULL},
};

#define NVOCAB (sizeof vocab / sizeof vocab[0])

static int where_matches(const char *where, const char *type)
{
    if (!where)
        return 1;
    if (!type)
        return 0;
    const char *p = where;
    while (*p) {
        const char *bar = strchr(p, '|');
        size_t n = bar ? (size_t)(bar - p) : strlen(p);
        char word[32];
        if (n < sizeof word) {
            memcpy(word, p, n);
            word[n] = '\0';
            if (strstr(type, word))
                return 1;
        }
        p += n + (bar ? 1 : 0);
    }
    return 0;
}

int ss_builtin_report(struct vg_arena *arena, const char *type,
                      const char *const *cols, size_t ncols,
                      const struct ss_report **out, struct vg_err *err)
{
    struct ss_report *r = vg_arena_alloc(arena, sizeof *r);
    struct ss_item *items = vg_arena_alloc(arena, NVOCAB * sizeof *items);
    struct ss_const *consts = vg_arena_alloc(arena, 2 * sizeof *consts);
    const char *taken[NVOCAB]; /* keys already fed by a column */
    size_t ntaken = 0;
    if (!r || !items || !consts)
        return vg_err_set(err, VG_ENOMEM, "out of memory");
    memset(r, 0, sizeof *r);
    const char *feed = ss_builtin_feed_name(type);
    /* the type may live on the caller's stack: keep a copy */
    r->name =
        type ? vg_arena_strndup(arena, type, strlen(type)) : "shadowserver";
    if (!r->name)
        return vg_err_set(err, VG_ENOMEM, "out of memory");
    r->file_name = r->name;
    r->feed_name = feed ? feed : r->name;
    r->items = items;
    /* two passes so that required items come first, as in a schema */
    for (int pass = 1; pass >= 0; pass--) {
        for (size_t v = 0; v < NVOCAB; v++) {
            const struct vocab *w = &vocab[v];
            if (w->required != pass || !has_col(cols, ncols, w->column) ||
                !where_matches(w->where, type))
                continue;
            size_t t;
            for (t = 0; t < ntaken; t++)
                if (strcmp(taken[t], w->key) == 0)
                    break;
            if (t < ntaken)
                continue;
            taken[ntaken++] = w->key;
            struct ss_item *it = &items[r->nitems++];
            memset(it, 0, sizeof *it);
            it->key = w->key;
            it->column = w->column;
            it->conv = w->conv;
            it->required = w->required;
            if (item_resolve(arena, it))
                return vg_err_set(err, VG_ENOMEM, "out of memory");
        }
        if (pass == 1)
            r->nrequired = r->nitems;
    }
    const char *ct = ss_builtin_class_type(type);
    r->consts = consts;
    /* exchange reports take their classification from the tag column */
    int has_class = 0;
    for (size_t k = 0; k < r->nitems; k++)
        if (strcmp(r->items[k].key, "classification.type") == 0)
            has_class = 1;
    if (!has_class) {
        consts[r->nconsts++] = (struct ss_const){"classification.type", ct};
        const char *tax = field_class_taxonomy(ct);
        if (tax)
            consts[r->nconsts++] =
                (struct ss_const){"classification.taxonomy", tax};
    }
    *out = r;
    return 0;
}
