/*
 * ip.h — IP addresses as 16 bytes.
 *
 * Every address is held as an IPv6 address in network byte order; an IPv4
 * address a.b.c.d is the IPv4-mapped ::ffff:a.b.c.d (RFC 4291 §2.5.5.2), so
 * that one key type serves both families and ::ffff:a.b.c.d written by a
 * feed is the same address as a.b.c.d.
 */
#ifndef VG_IP_H
#define VG_IP_H

#include <stddef.h>
#include <stdint.h>

#define IP_STRLEN 46 /* INET6_ADDRSTRLEN */

struct ip_addr {
    uint8_t b[16];
};

/* Parse a textual IPv4 (dotted quad, no leading zeros beyond "0") or IPv6
 * address (RFC 4291 §2.2, zone ids refused).  Surrounding whitespace is not
 * accepted.  Returns 0 or VG_EINVAL. */
int ip_parse(const char *s, size_t n, struct ip_addr *out);

/* 1 if the address is IPv4 (IPv4-mapped). */
int ip_is_v4(const struct ip_addr *a);
uint32_t ip_v4(const struct ip_addr *a); /* host order; only if ip_is_v4 */
void ip_from_v4(struct ip_addr *a, uint32_t v4);

/* Write the canonical text: dotted quad for IPv4, RFC 5952 for IPv6.
 * out must hold IP_STRLEN bytes.  Returns the length. */
size_t ip_format(const struct ip_addr *a, char *out);

/* 1 when the address can be a real infected host on the Internet: not
 * unspecified, loopback, multicast, broadcast, link-local or reserved
 * (documentation and private ranges are allowed: feeds and tests use them). */
int ip_is_routable_host(const struct ip_addr *a);

int ip_cmp(const struct ip_addr *a, const struct ip_addr *b);

#endif
