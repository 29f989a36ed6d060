// SPDX-License-Identifier: GPL-2.0
/*
 * parse.c - the words of mtctl's grammar and config files.
 */
#include "parse.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static int parse_ulong(unsigned long *out, const char *text, int base, unsigned long max)
{
	char *end;

	if (!*text || *text == '-' || *text == '+' || *text == ' ')
		return -EINVAL;
	errno = 0;
	*out = strtoul(text, &end, base);
	if (errno || *end || *out > max)
		return -EINVAL;
	return 0;
}

int mt_parse_u32(uint32_t *out, const char *text, uint32_t min, uint32_t max)
{
	unsigned long v;

	if (parse_ulong(&v, text, 10, max) || v < min)
		return -EINVAL;
	*out = v;
	return 0;
}

char *mt_trim(char *s)
{
	char *end;

	while (isspace((unsigned char)*s))
		s++;
	end = s + strlen(s);
	while (end > s && isspace((unsigned char)end[-1]))
		*--end = '\0';
	return s;
}

int mt_parse_u16(uint16_t *out, const char *text)
{
	unsigned long v;

	if (parse_ulong(&v, text, 10, 65535))
		return -EINVAL;
	*out = v;
	return 0;
}

int mt_parse_fwmark(uint32_t *out, const char *text)
{
	unsigned long v;

	if (!strcmp(text, "off")) {
		*out = 0;
		return 0;
	}
	if (parse_ulong(&v, text, 0, 0xffffffffUL))
		return -EINVAL;
	*out = v;
	return 0;
}

int mt_parse_keepalive(uint16_t *out, const char *text)
{
	if (!strcmp(text, "off")) {
		*out = 0;
		return 0;
	}
	return mt_parse_u16(out, text);
}

int mt_parse_switch(bool *out, const char *text)
{
	static const char *const on[] = { "on", "yes", "true", "1" };
	static const char *const off[] = { "off", "no", "false", "0" };
	size_t i;

	for (i = 0; i < sizeof(on) / sizeof(on[0]); i++) {
		if (!strcasecmp(text, on[i]) || !strcasecmp(text, off[i])) {
			*out = !strcasecmp(text, on[i]);
			return 0;
		}
	}
	return -EINVAL;
}

int mt_parse_cidr(struct mt_allowedip *ip, const char *text, const char **why)
{
	char addr[INET6_ADDRSTRLEN + 1];
	const char *slash = strchr(text, '/');
	size_t len = slash ? (size_t)(slash - text) : strlen(text);
	unsigned long cidr;

	memset(ip, 0, sizeof(*ip));
	if (len == 0 || len >= sizeof(addr))
		goto bad_addr;
	memcpy(addr, text, len);
	addr[len] = '\0';
	if (inet_pton(AF_INET, addr, ip->addr) == 1)
		ip->family = AF_INET;
	else if (inet_pton(AF_INET6, addr, ip->addr) == 1)
		ip->family = AF_INET6;
	else
		goto bad_addr;
	cidr = ip->family == AF_INET ? 32 : 128;
	if (slash && parse_ulong(&cidr, slash + 1, 10, cidr)) {
		if (why)
			*why = ip->family == AF_INET ? "prefix length must be 0 to 32" :
						       "prefix length must be 0 to 128";
		return -EINVAL;
	}
	ip->cidr = cidr;
	return 0;
bad_addr:
	if (why)
		*why = "not an IPv4 or IPv6 address";
	return -EINVAL;
}

int mt_parse_endpoint(union mt_sockaddr *ep, const char *text, const char **why)
{
	struct addrinfo hints = { .ai_socktype = SOCK_DGRAM, .ai_protocol = IPPROTO_UDP };
	struct addrinfo *res;
	char host[1025];
	const char *port, *colon;
	size_t len;
	uint16_t portnum;
	int ret;

	memset(ep, 0, sizeof(*ep));
	if (text[0] == '[') {
		colon = strchr(text, ']');
		if (!colon || colon[1] != ':')
			goto bad_form;
		len = colon - text - 1;
		memcpy(host, text + 1, len < sizeof(host) ? len : 0);
		port = colon + 2;
	} else {
		colon = strrchr(text, ':');
		if (!colon || strchr(text, ':') != colon)
			goto bad_form;
		len = colon - text;
		port = colon + 1;
		if (len < sizeof(host))
			memcpy(host, text, len);
	}
	if (len == 0 || len >= sizeof(host))
		goto bad_form;
	host[len] = '\0';
	if (mt_parse_u16(&portnum, port) || !portnum) {
		if (why)
			*why = "port must be 1 to 65535";
		return -EINVAL;
	}
	ret = getaddrinfo(host, port, &hints, &res);
	if (ret) {
		if (why)
			*why = gai_strerror(ret);
		return -EHOSTUNREACH;
	}
	/* The first address the resolver prefers. */
	if (res->ai_addrlen > sizeof(*ep)) {
		freeaddrinfo(res);
		goto bad_form;
	}
	memcpy(ep, res->ai_addr, res->ai_addrlen);
	freeaddrinfo(res);
	return 0;
bad_form:
	if (why)
		*why = "expected HOST:PORT or [IPV6]:PORT";
	return -EINVAL;
}

/*
 * Append a decimal number. Dumps format tens of thousands of addresses:
 * plain digits cost a fraction of snprintf's format parsing (which glibc's
 * inet_ntop uses for every byte or group).
 */
static char *append_uint(char *p, unsigned int v)
{
	char digits[10];
	int n = 0;

	do {
		digits[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (n)
		*p++ = digits[--n];
	return p;
}

static char *append_ipv4(char *p, const uint8_t *a)
{
	int i;

	for (i = 0; i < 4; i++) {
		if (i)
			*p++ = '.';
		p = append_uint(p, a[i]);
	}
	return p;
}

/*
 * RFC 5952 text, as inet_ntop writes it: lowercase hex without leading
 * zeros, the longest run of two or more zero groups (the first of equal
 * runs) as "::", and the IPv4-compatible and IPv4-mapped forms
 * (::a.b.c.d, ::ffff:a.b.c.d) with a dotted quad.
 */
static char *append_ipv6(char *p, const uint8_t *a)
{
	static const char hex[] = "0123456789abcdef";
	int best = -1, best_len = 0, run = -1, i;
	unsigned int group[8];

	for (i = 0; i < 8; i++) {
		group[i] = (unsigned int)a[2 * i] << 8 | a[2 * i + 1];
		if (group[i]) {
			run = -1;
			continue;
		}
		if (run < 0)
			run = i;
		if (i - run + 1 > best_len) {
			best = run;
			best_len = i - run + 1;
		}
	}
	if (best_len < 2)
		best = -1;
	for (i = 0; i < 8; i++) {
		int shift, started = 0;

		if (i == best) {
			*p++ = ':';
			if (i + best_len == 8)
				*p++ = ':';
			i += best_len - 1;
			continue;
		}
		if (i)
			*p++ = ':';
		if (i == 6 && best == 0 && (best_len == 6 || (best_len == 5 && group[5] == 0xffff)))
			return append_ipv4(p, a + 12);
		for (shift = 12; shift >= 0; shift -= 4) {
			unsigned int digit = group[i] >> shift & 15;

			if (digit || started || !shift) {
				*p++ = hex[digit];
				started = 1;
			}
		}
	}
	return p;
}

static char *append_addr(char *p, int family, const void *addr)
{
	return family == AF_INET ? append_ipv4(p, addr) : append_ipv6(p, addr);
}

size_t mt_addr_len(int family)
{
	return family == AF_INET6 ? 16 : 4;
}

char *mt_format_addr(int family, const void *addr, char buf[MT_ADDR_TEXT_LEN])
{
	*append_addr(buf, family, addr) = '\0';
	return buf;
}

const char *mt_format_cidr(const struct mt_allowedip *ip, char *buf, size_t len)
{
	char *p;

	/* address, '/', three digits, NUL */
	if (len < MT_ADDR_TEXT_LEN + 4) {
		snprintf(buf, len, "?");
		return buf;
	}
	p = append_addr(buf, ip->family, ip->addr);
	*p++ = '/';
	*append_uint(p, ip->cidr) = '\0';
	return buf;
}

const char *mt_format_endpoint(const union mt_sockaddr *ep, char *buf, size_t len)
{
	char *p = buf;
	uint16_t port;

	/* '[', address, "]:", five digits, NUL */
	if (len < MT_ADDR_TEXT_LEN + 8 ||
	    (ep->sa.sa_family != AF_INET && ep->sa.sa_family != AF_INET6)) {
		snprintf(buf, len, "(none)");
		return buf;
	}
	if (ep->sa.sa_family == AF_INET) {
		p = append_ipv4(p, (const uint8_t *)&ep->sin.sin_addr);
		port = ntohs(ep->sin.sin_port);
	} else {
		*p++ = '[';
		p = append_ipv6(p, (const uint8_t *)&ep->sin6.sin6_addr);
		*p++ = ']';
		port = ntohs(ep->sin6.sin6_port);
	}
	*p++ = ':';
	*append_uint(p, port) = '\0';
	return buf;
}
