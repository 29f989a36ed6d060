// SPDX-License-Identifier: GPL-2.0
/*
 * format.c - mtctl's address formatting (tools/parse.c) against the C
 * library's inet_ntop, which is what users and other tools print: every
 * pattern of zero and non-zero IPv6 groups, random addresses weighted
 * towards zeros and 0xffff (where "::" and the embedded IPv4 forms come
 * from), random IPv4 addresses; then the allowed-IP and endpoint forms.
 * Prints TAP.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../tools/parse.h"

static int n, failed;

static void report(int ok, const char *what)
{
	failed |= !ok;
	printf("%s %d - format: %s\n", ok ? "ok" : "not ok", ++n, what);
}

/* Compare one address; print the first few differences. */
static int same_as_inet_ntop(int family, const uint8_t *addr)
{
	static int shown;
	char want[INET6_ADDRSTRLEN], got[MT_ADDR_TEXT_LEN];

	if (!inet_ntop(family, addr, want, sizeof(want)))
		return 0;
	mt_format_addr(family, addr, got);
	if (!strcmp(want, got))
		return 1;
	if (shown++ < 5)
		printf("# inet_ntop \"%s\", mtctl \"%s\"\n", want, got);
	return 0;
}

static unsigned int weighted_group(void)
{
	switch (rand() % 8) {
	case 0: case 1: case 2: case 3:
		return 0;
	case 4:
		return 0xffff;
	case 5:
		return 1 + rand() % 255;
	default:
		return rand() & 0xffff;
	}
}

static void put_groups(uint8_t a[16], const unsigned int g[8])
{
	int i;

	for (i = 0; i < 8; i++) {
		a[2 * i] = g[i] >> 8;
		a[2 * i + 1] = g[i] & 0xff;
	}
}

int main(void)
{
	static const unsigned int values[] = { 1, 0xf, 0x10, 0xabc, 0x1000, 0xffff };
	struct mt_allowedip ip = { .family = AF_INET6, .cidr = 128 };
	union mt_sockaddr ep;
	unsigned int g[8];
	uint8_t a[16];
	char buf[128];
	int ok, mask, v, i, k;

	srand(5952);
	ok = 1;
	for (mask = 0; mask < 256; mask++)
		for (v = 0; v < (int)(sizeof(values) / sizeof(values[0])); v++) {
			for (i = 0; i < 8; i++)
				g[i] = mask & (1 << i) ? values[(v + i) % 6] : 0;
			put_groups(a, g);
			ok &= same_as_inet_ntop(AF_INET6, a);
		}
	report(ok, "IPv6: every pattern of zero groups, as inet_ntop");

	ok = 1;
	for (k = 0; k < 200000; k++) {
		for (i = 0; i < 8; i++)
			g[i] = weighted_group();
		put_groups(a, g);
		ok &= same_as_inet_ntop(AF_INET6, a);
	}
	report(ok, "IPv6: 200,000 random addresses, as inet_ntop");

	ok = 1;
	for (i = 0; i < 16; i++)
		a[i] = 0;
	a[10] = a[11] = 0xff;
	for (k = 0; k < 256; k++) {
		a[12] = k;
		a[15] = 255 - k;
		ok &= same_as_inet_ntop(AF_INET6, a);
	}
	report(ok, "IPv4-mapped addresses, as inet_ntop");

	ok = 1;
	for (k = 0; k < 100000; k++) {
		for (i = 0; i < 4; i++)
			a[i] = k < 16 ? (k & (1 << i) ? 255 : 0) : rand() & 0xff;
		ok &= same_as_inet_ntop(AF_INET, a);
	}
	report(ok, "IPv4: 100,000 addresses, as inet_ntop");

	inet_pton(AF_INET6, "2001:db8::1", ip.addr);
	report(!strcmp(mt_format_cidr(&ip, buf, sizeof(buf)), "2001:db8::1/128"),
	       "an IPv6 allowed IP");
	ip.family = AF_INET;
	ip.cidr = 0;
	inet_pton(AF_INET, "0.0.0.0", ip.addr);
	report(!strcmp(mt_format_cidr(&ip, buf, sizeof(buf)), "0.0.0.0/0"),
	       "the IPv4 default route");

	memset(&ep, 0, sizeof(ep));
	ep.sin.sin_family = AF_INET;
	ep.sin.sin_port = htons(51820);
	inet_pton(AF_INET, "192.0.2.1", &ep.sin.sin_addr);
	report(!strcmp(mt_format_endpoint(&ep, buf, sizeof(buf)), "192.0.2.1:51820"),
	       "an IPv4 endpoint");
	memset(&ep, 0, sizeof(ep));
	ep.sin6.sin6_family = AF_INET6;
	ep.sin6.sin6_port = htons(65535);
	memset(&ep.sin6.sin6_addr, 0xff, 16);
	report(!strcmp(mt_format_endpoint(&ep, buf, sizeof(buf)),
		       "[ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff]:65535"),
	       "the longest IPv6 endpoint");
	memset(&ep, 0, sizeof(ep));
	report(!strcmp(mt_format_endpoint(&ep, buf, sizeof(buf)), "(none)"), "no endpoint");
	report(!strcmp(mt_format_endpoint(&ep, buf, 8), "(none)") &&
	       !strcmp(mt_format_cidr(&ip, buf, 8), "?"), "a buffer too short is not overrun");
	printf("1..%d\n", n);
	return failed;
}
