/* SPDX-License-Identifier: GPL-2.0 */
/*
 * parse.h - the words of mtctl's grammar and config files.
 *
 *   mt_parse_cidr()      "10.0.0.0/8", "fd00::1" (a host)  -> allowed IP
 *   mt_parse_endpoint()  "HOST:PORT", "[V6]:PORT"; hostnames resolved
 *   mt_parse_u16()       decimal 0..65535
 *   mt_parse_u32()       decimal MIN..MAX
 *   mt_trim()            a string without its leading and trailing space
 *                        (trailing space cut in place)
 *   mt_parse_fwmark()    decimal or 0x hex, "off" = 0
 *   mt_parse_keepalive() 0..65535 seconds, "off" = 0
 *   mt_parse_switch()    on/off, yes/no, true/false, 1/0 (any case)
 *   mt_addr_len()        the bytes of an address of a family (4 or 16)
 *   mt_format_addr()     IPv4/IPv6 address -> text, as inet_ntop writes it
 *   mt_format_cidr()     allowed IP -> text
 *   mt_format_endpoint() sockaddr -> "1.2.3.4:5" or "[::1]:5"
 *
 * Parsers return 0 or a negative errno; on failure *why (if not NULL)
 * says what was wrong with the word.
 */
#ifndef MT_TOOLS_PARSE_H
#define MT_TOOLS_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "conf.h"

/* The longest address text, with its NUL: INET6_ADDRSTRLEN. */
#define MT_ADDR_TEXT_LEN 46

int mt_parse_cidr(struct mt_allowedip *ip, const char *text, const char **why);
int mt_parse_endpoint(union mt_sockaddr *ep, const char *text, const char **why);
int mt_parse_u16(uint16_t *out, const char *text);
int mt_parse_u32(uint32_t *out, const char *text, uint32_t min, uint32_t max);
char *mt_trim(char *s);
int mt_parse_fwmark(uint32_t *out, const char *text);
int mt_parse_keepalive(uint16_t *out, const char *text);
int mt_parse_switch(bool *out, const char *text);
size_t mt_addr_len(int family);
char *mt_format_addr(int family, const void *addr, char buf[MT_ADDR_TEXT_LEN]);
const char *mt_format_cidr(const struct mt_allowedip *ip, char *buf, size_t len);
const char *mt_format_endpoint(const union mt_sockaddr *ep, char *buf, size_t len);

#endif /* MT_TOOLS_PARSE_H */
