// SPDX-License-Identifier: GPL-2.0
/*
 * parse.c - the words of mtctl's grammar and config files.
 */
#include "parse.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

const char *mt_format_cidr(const struct mt_allowedip *ip, char *buf, size_t len)
{
	char addr[INET6_ADDRSTRLEN];

	inet_ntop(ip->family, ip->addr, addr, sizeof(addr));
	snprintf(buf, len, "%s/%u", addr, ip->cidr);
	return buf;
}

const char *mt_format_endpoint(const union mt_sockaddr *ep, char *buf, size_t len)
{
	char addr[INET6_ADDRSTRLEN];

	if (ep->sa.sa_family == AF_INET) {
		inet_ntop(AF_INET, &ep->sin.sin_addr, addr, sizeof(addr));
		snprintf(buf, len, "%s:%u", addr, ntohs(ep->sin.sin_port));
	} else if (ep->sa.sa_family == AF_INET6) {
		inet_ntop(AF_INET6, &ep->sin6.sin6_addr, addr, sizeof(addr));
		snprintf(buf, len, "[%s]:%u", addr, ntohs(ep->sin6.sin6_port));
	} else {
		snprintf(buf, len, "(none)");
	}
	return buf;
}
