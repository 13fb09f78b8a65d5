/*
 * policy.h — who may read what: TLP 2.0 labels, organisation scopes, and
 * the one function that decides every read.
 *
 * Every record vigil serves carries a TLP 2.0 label (FIRST, "Traffic Light
 * Protocol (TLP) Version 2.0", 2022) and is "inside" an organisation when
 * its address, ASN, country, domain or feed falls in that organisation's
 * scope.  access_may_read() decides from (reader's role, reader's scope,
 * record's label, record's place) alone; the API, the dashboard, exports,
 * TAXII and the aggregates of the landscape all call it (aggregates through
 * the store's row filter, so a count is computed only from rows the reader
 * could see one by one).
 *
 * The rules, per reader role and label ("inside": the record falls in the
 * reader's scope; a member agency's scope covers its constituents'):
 *
 *   label          provider  member   constituent  public / no token
 *   CLEAR          yes       yes      yes          yes
 *   GREEN          yes       yes      yes          no
 *   AMBER          inside    inside   inside       no
 *   AMBER+STRICT   inside    inside   inside       no
 *   RED            inside    inside   no           no
 *
 * Why, citing TLP 2.0:
 *  - CLEAR: "Recipients can spread this to the world, there is no limit on
 *    disclosure."  WHITE (TLP 1.0) is read as CLEAR.
 *  - GREEN: "recipients can spread this within their community", "but not
 *    via publicly accessible channels": every organisation of the
 *    programme is the community; anonymous and public readers are not.
 *  - AMBER: "Recipients may share TLP:AMBER information with members of
 *    their own organization and its clients on a need-to-know basis": a
 *    member agency receives what is about its country and its
 *    constituents, and passes to each constituent (its clients) only what
 *    that constituent needs to know, what is inside the constituent's own
 *    scope — an ISP never sees another ISP's addresses.
 *  - AMBER+STRICT: "Restricts sharing to the organization only": only the
 *    organisation the data is about (a constituent, inside its scope) and
 *    its member agency (which holds it as the recipient) — never another
 *    constituent, never the community.  With vigil's three levels this
 *    reaches the same readers as AMBER; the label still travels with every
 *    export and share, so that the next recipient applies the stricter
 *    rule.
 *  - RED: "For the eyes and ears of individual recipients only, no further
 *    disclosure": the member agency that received it (and the provider
 *    that is its source); it is not passed on to constituents.
 *  - A provider (the vendor's response team) is the source of its feeds:
 *    "inside" for a provider means a record of a feed it publishes (its
 *    feed scope; a provider with no feed scope is the source of every
 *    feed).  TLP 2.0 binds recipients, not the source.
 *  - The operator (the local command line, or a fresh loopback-only server
 *    with no organisation defined) reads everything.
 *  - A record without a label counts as AMBER (the default of every feed
 *    unless configured otherwise), so nothing unlabelled leaks.
 */
#ifndef VG_ACCESS_POLICY_H
#define VG_ACCESS_POLICY_H

#include <stddef.h>
#include <stdint.h>

#include "core/ip.h"
#include "event/tlp.h"

/* The labels themselves (names, order, STIX and MISP spellings) are the
 * table of event/tlp.h. */
/* The label of a stored record: tlp_parse, and AMBER for NULL, "" or an
 * unknown word (never more open than the default). */
enum tlp_level tlp_of_record(const char *s);

enum access_role { ROLE_PROVIDER = 0, ROLE_MEMBER, ROLE_CONSTITUENT, ROLE_PUBLIC, ROLE_COUNT };

/* "provider", "member", "constituent", "public" and back (-1 unknown). */
const char *access_role_name(enum access_role r);
int access_role_parse(const char *s);

struct access_prefix {
    struct ip_addr lo, hi; /* inclusive */
    unsigned bits;         /* prefix length as written (IPv4: 0..32) */
};

/* One organisation's own scope.  Arrays are owned by whoever built the
 * scope (access_scope_free for those built by the access_scope_add_*). */
struct access_scope {
    char (*countries)[3];
    size_t ncountries;
    uint32_t *asns;
    size_t nasns;
    struct access_prefix *prefixes;
    size_t nprefixes;
    char **domains; /* lower case, no trailing dot */
    size_t ndomains;
    char **feeds;   /* feed.name values (a provider's feeds) */
    size_t nfeeds;
};

void access_scope_free(struct access_scope *s);
/* Add one element, validated and normalised (CC upper case; "AS64500" or
 * "64500"; CIDR "192.0.2.0/24", "2001:db8::/32", a bare address = /32 or
 * /128; a domain name).  0, VG_EUSAGE with a message in msg (may be NULL),
 * or VG_ENOMEM. */
int access_scope_add_country(struct access_scope *s, const char *cc, char *msg, size_t msglen);
int access_scope_add_asn(struct access_scope *s, const char *asn, char *msg, size_t msglen);
int access_scope_add_prefix(struct access_scope *s, const char *cidr, char *msg, size_t msglen);
int access_scope_add_domain(struct access_scope *s, const char *name, char *msg, size_t msglen);
int access_scope_add_feed(struct access_scope *s, const char *feed, char *msg, size_t msglen);
/* Append every element of from to to.  0 or VG_ENOMEM. */
int access_scope_merge(struct access_scope *to, const struct access_scope *from);
/* 1 when the scope holds nothing at all. */
int access_scope_empty(const struct access_scope *s);

/* A reader.  operator = 1 reads everything (the other fields unused). */
struct access_subject {
    int operator;
    enum access_role role;
    int64_t org_id;
    const char *org_name;
    struct access_scope own;     /* the organisation's own scope */
    struct access_scope clients; /* member: the union of its constituents' scopes */
};

/* The anonymous reader of a server with access control on: public. */
void access_subject_anonymous(struct access_subject *s);
void access_subject_operator(struct access_subject *s);
/* Frees own and clients. */
void access_subject_release(struct access_subject *s);

/* What the policy looks at in a record.  Any pointer may be NULL (unknown:
 * then it matches no scope element of that kind). */
struct access_record {
    const char *tlp;             /* as stored ("GREEN", "AMBER+STRICT"...) */
    const char *cc;              /* source.geolocation.cc */
    uint32_t asn;                /* 0 = unknown */
    const struct ip_addr *ip;    /* source address */
    const char *feed;            /* feed.name */
    const char *domain;          /* a host or domain name the record is about */
};

/* 1 when s may read r, else 0.  The one decision behind every read. */
int access_may_read(const struct access_subject *s, const struct access_record *r);

/* 1 when access_may_read never depends on the record's address or domain
 * for this reader (no prefix or domain in its scopes), so that rows that
 * aggregate many addresses (the daily rollups: label, country, ASN and
 * feed known) can be decided whole. */
int access_decides_without_address(const struct access_subject *s);

/* 1 when the reader reads everything (the operator, or a provider of every
 * feed): no filter is needed. */
int access_reads_all(const struct access_subject *s);

#endif
