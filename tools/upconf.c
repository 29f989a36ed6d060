// SPDX-License-Identifier: GPL-2.0
/*
 * upconf.c - the [Interface] keys that only `mtctl up` reads.
 */
#include "upconf.h"
#include "parse.h"

#include <ctype.h>
#include <errno.h>
#include <netinet/in.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char *const up_keys[] = {
	"Address", "DNS", "MTU", "Table", "PreUp", "PostUp", "PreDown", "PostDown",
	"SaveConfig", "FullTunnel", "Direct", "DirectSet", "Tunnel", "Users",
	"BypassUsers", "Gateway", "Forward",
};

bool mt_up_is_key(const char *key)
{
	size_t i;

	for (i = 0; i < sizeof(up_keys) / sizeof(up_keys[0]); i++)
		if (!strcasecmp(key, up_keys[i]))
			return true;
	return false;
}

static int whyf(char *why, size_t whylen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, whylen, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

/*
 * Append a copy of item to the array of *n elements whose pointer is at
 * arrayp (a T ** for any T): 0 or -ENOMEM. The pointer is read and written
 * with memcpy, not through a void **, which would alias a T *.
 */
static int append(void *arrayp, size_t *n, size_t size, const void *item)
{
	void *array;
	char *p;

	memcpy(&array, arrayp, sizeof(array));
	p = realloc(array, (*n + 1) * size);
	if (!p)
		return -ENOMEM;
	memcpy(p + *n * size, item, size);
	memcpy(arrayp, &p, sizeof(p));
	(*n)++;
	return 0;
}

/* The next comma-separated item of *rest, trimmed; NULL at the end. */
static char *next_item(char **rest)
{
	char *item;

	while (*rest) {
		item = strsep(rest, ",");
		item = mt_trim(item);
		if (*item)
			return item;
	}
	return NULL;
}

static int add_prefix(struct mt_prefix_list *list, const char *text, bool keep_host,
		      char *why, size_t whylen)
{
	struct mt_allowedip ip;
	const char *what = NULL;
	int bits, i;

	if (mt_parse_cidr(&ip, text, &what))
		return whyf(why, whylen, "\"%s\": %s", text, what);
	if (!keep_host) {
		/* A prefix with host bits set is a typo more often than not. */
		bits = ip.family == AF_INET ? 32 : 128;
		for (i = ip.cidr; i < bits; i++)
			if (ip.addr[i / 8] & (0x80 >> (i % 8)))
				return whyf(why, whylen, "\"%s\": host bits set after /%u", text,
					    ip.cidr);
	}
	return append(&list->items, &list->n, sizeof(ip), &ip);
}

static int prefix_list(struct mt_prefix_list *list, char *value, bool keep_host, char *why,
		       size_t whylen)
{
	char *item;
	int ret;

	while ((item = next_item(&value)))
		if ((ret = add_prefix(list, item, keep_host, why, whylen)))
			return ret;
	return 0;
}

/* "1000", "1000-1999" or a user name. */
static int uid_list(struct mt_uid_range **ranges, size_t *n, char *value, char *why,
		    size_t whylen)
{
	struct mt_uid_range r;
	struct passwd *pw;
	char *item, *dash;
	int ret;

	while ((item = next_item(&value))) {
		dash = strchr(item, '-');
		if (isdigit((unsigned char)*item)) {
			if (dash)
				*dash = '\0';
			if (mt_parse_u32(&r.start, item, 0, UINT32_MAX - 1) ||
			    mt_parse_u32(&r.end, dash ? dash + 1 : item, 0, UINT32_MAX - 1)) {
				if (dash)
					*dash = '-';
				return whyf(why, whylen, "\"%s\" is not a uid or uid range", item);
			}
			if (r.end < r.start)
				return whyf(why, whylen, "\"%s-%s\": the range ends before it starts",
					    item, dash + 1);
		} else {
			pw = getpwnam(item);
			if (!pw)
				return whyf(why, whylen, "\"%s\" is no user of this system", item);
			r.start = r.end = pw->pw_uid;
		}
		if ((ret = append(ranges, n, sizeof(r), &r)))
			return ret;
	}
	return 0;
}

/* nftables names: what nft accepts unquoted. */
static bool nft_name(const char *s)
{
	size_t len = strlen(s);

	if (!len || len > 255 || !isalpha((unsigned char)*s))
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && *s != '_' && *s != '.' && *s != '-')
			return false;
	return true;
}

static int direct_set(struct mt_up_conf *up, char *value, char *why, size_t whylen)
{
	char *words[4], *save = NULL, *w;
	struct mt_nft_set set = { 0 };
	int n = 0;

	for (w = strtok_r(value, " \t", &save); w && n < 4; w = strtok_r(NULL, " \t", &save))
		words[n++] = w;
	if (n != 3)
		return whyf(why, whylen, "want FAMILY TABLE SET, as \"inet meshtun direct\"");
	if (strcmp(words[0], "ip") && strcmp(words[0], "ip6") && strcmp(words[0], "inet"))
		return whyf(why, whylen, "\"%s\" is not an nftables family (ip, ip6 or inet)",
			    words[0]);
	if (!nft_name(words[1]))
		return whyf(why, whylen, "\"%s\" is not an nftables table name", words[1]);
	if (!nft_name(words[2]))
		return whyf(why, whylen, "\"%s\" is not an nftables set name", words[2]);
	strcpy(set.family, words[0]);
	strcpy(set.table, words[1]);
	strcpy(set.set, words[2]);
	return append(&up->direct_sets, &up->n_direct_sets, sizeof(set), &set);
}

/* "tcp/8080 -> 10.0.0.3:80" */
static int forward(struct mt_up_conf *up, char *value, char *why, size_t whylen)
{
	struct mt_forward f = { 0 };
	const char *what = NULL;
	char *arrow, *slash, *from, *to;
	uint16_t port;

	arrow = strstr(value, "->");
	if (!arrow)
		return whyf(why, whylen, "want PROTO/PORT -> ADDRESS:PORT, as \"tcp/80 -> 10.0.0.3:80\"");
	*arrow = '\0';
	from = mt_trim(value);
	to = mt_trim(arrow + 2);
	slash = strchr(from, '/');
	if (!slash)
		return whyf(why, whylen, "\"%s\": want PROTO/PORT, as tcp/80", from);
	*slash = '\0';
	if (!strcasecmp(from, "tcp"))
		f.protocol = IPPROTO_TCP;
	else if (!strcasecmp(from, "udp"))
		f.protocol = IPPROTO_UDP;
	else
		return whyf(why, whylen, "\"%s\" is not a protocol (tcp or udp)", from);
	if (mt_parse_u16(&port, slash + 1) || !port)
		return whyf(why, whylen, "\"%s\" is not a port (1 to 65535)", slash + 1);
	f.port = port;
	/* Numeric only: a name could resolve differently at down than at up. */
	if (!isdigit((unsigned char)*to) && *to != '[')
		return whyf(why, whylen, "\"%s\": want a numeric ADDRESS:PORT", to);
	if (mt_parse_endpoint(&f.to, to, &what) ||
	    (f.to.sa.sa_family == AF_INET ? !f.to.sin.sin_port : !f.to.sin6.sin6_port))
		return whyf(why, whylen, "\"%s\": %s", to, what ? what : "want ADDRESS:PORT");
	return append(&up->forwards, &up->n_forwards, sizeof(f), &f);
}

static int hook(struct mt_up_conf *up, enum mt_hook h, const char *value)
{
	char *copy = strdup(value);

	if (!copy || append(&up->hooks[h], &up->n_hooks[h], sizeof(copy), &copy)) {
		free(copy);
		return -ENOMEM;
	}
	return 0;
}

static int dns(struct mt_up_conf *up, char *value, char *why, size_t whylen)
{
	struct mt_allowedip ip;
	char *item, *copy;
	int ret;

	while ((item = next_item(&value))) {
		if (!mt_parse_cidr(&ip, item, NULL) && !strchr(item, '/')) {
			if ((ret = add_prefix(&up->dns_servers, item, true, why, whylen)))
				return ret;
			continue;
		}
		/* Anything else is a search domain, as for wg-quick. */
		if (strchr(item, '/') || strchr(item, ' '))
			return whyf(why, whylen, "\"%s\" is neither an address nor a domain", item);
		copy = strdup(item);
		if (!copy || append(&up->dns_search, &up->n_dns_search, sizeof(copy), &copy)) {
			free(copy);
			return -ENOMEM;
		}
	}
	return 0;
}

int mt_up_key(struct mt_up_conf *up, const char *key, char *value, char *why, size_t whylen)
{
	static const char *const hook_keys[MT_HOOKS] = { "PreUp", "PostUp", "PreDown", "PostDown" };
	static const char *const modes[] = { "auto", "rules", "split-default", "off" };
	uint32_t n;
	size_t i;

	if (!strcasecmp(key, "Address"))
		return prefix_list(&up->addresses, value, true, why, whylen) ?: 1;
	if (!strcasecmp(key, "DNS"))
		return dns(up, value, why, whylen) ?: 1;
	if (!strcasecmp(key, "MTU")) {
		if (mt_parse_u32(&up->mtu, value, 68, 65535))
			return whyf(why, whylen, "\"%s\" is not an MTU (68 to 65535)", value);
		return 1;
	}
	if (!strcasecmp(key, "Table")) {
		if (!strcasecmp(value, "off")) {
			up->table_mode = MT_TABLE_OFF;
		} else if (!strcasecmp(value, "auto")) {
			up->table_mode = MT_TABLE_AUTO;
		} else if (!strcasecmp(value, "main")) {
			up->table_mode = MT_TABLE_NUMBER;
			up->table = 254;	/* RT_TABLE_MAIN */
		} else if (!mt_parse_u32(&n, value, 1, UINT32_MAX) && n != 255) {
			up->table_mode = MT_TABLE_NUMBER;
			up->table = n;
		} else {
			return whyf(why, whylen, "\"%s\" is not a table (off, auto, main or a number "
				    "other than 0 and 255)", value);
		}
		return 1;
	}
	for (i = 0; i < MT_HOOKS; i++)
		if (!strcasecmp(key, hook_keys[i]))
			return hook(up, (enum mt_hook)i, value) ?: 1;
	if (!strcasecmp(key, "SaveConfig")) {
		if (strcasecmp(value, "false"))
			return whyf(why, whylen, "\"%s\": mtctl never writes the file back (false only)",
				    value);
		return 1;
	}
	if (!strcasecmp(key, "FullTunnel")) {
		for (i = 0; i < sizeof(modes) / sizeof(modes[0]); i++)
			if (!strcasecmp(value, modes[i])) {
				up->full_tunnel = (enum mt_full_tunnel)i;
				return 1;
			}
		return whyf(why, whylen, "\"%s\" is not auto, rules, split-default or off", value);
	}
	if (!strcasecmp(key, "Direct"))
		return prefix_list(&up->direct, value, false, why, whylen) ?: 1;
	if (!strcasecmp(key, "Tunnel"))
		return prefix_list(&up->tunnel, value, false, why, whylen) ?: 1;
	if (!strcasecmp(key, "DirectSet"))
		return direct_set(up, value, why, whylen) ?: 1;
	if (!strcasecmp(key, "Users"))
		return uid_list(&up->users, &up->n_users, value, why, whylen) ?: 1;
	if (!strcasecmp(key, "BypassUsers"))
		return uid_list(&up->bypass_users, &up->n_bypass_users, value, why, whylen) ?: 1;
	if (!strcasecmp(key, "Gateway")) {
		if (!*value || strlen(value) >= IFNAMSIZ || strpbrk(value, "/: \t"))
			return whyf(why, whylen, "\"%s\" is not an interface name", value);
		strcpy(up->gateway, value);
		return 1;
	}
	if (!strcasecmp(key, "Forward"))
		return forward(up, value, why, whylen) ?: 1;
	return 0;
}

/* Whether any peer routes a default route of the family. */
static bool has_default(const struct mt_device_conf *conf, int family)
{
	size_t i, j;

	for (i = 0; i < conf->n_peers; i++)
		for (j = 0; j < conf->peers[i].n_allowedips; j++)
			if (conf->peers[i].allowedips[j].family == family &&
			    !conf->peers[i].allowedips[j].cidr)
				return true;
	return false;
}

int mt_up_check(const struct mt_up_conf *up, const struct mt_device_conf *conf, char *why,
		size_t whylen)
{
	bool full = has_default(conf, AF_INET) || has_default(conf, AF_INET6);

	if (up->n_users && up->n_bypass_users)
		return whyf(why, whylen, "Users and BypassUsers: give one or the other");
	if (up->tunnel.n && (up->direct.n || up->n_direct_sets))
		return whyf(why, whylen, "Tunnel and Direct: give one or the other");
	if ((up->direct.n || up->n_direct_sets) && (!full || up->full_tunnel == MT_FULL_OFF))
		return whyf(why, whylen, "Direct and DirectSet need a full tunnel "
			    "(a peer with AllowedIPs 0.0.0.0/0 or ::/0)");
	if ((up->n_users || up->n_bypass_users || up->n_direct_sets) &&
	    up->full_tunnel == MT_FULL_SPLIT_DEFAULT)
		return whyf(why, whylen, "Users, BypassUsers and DirectSet need policy rules: "
			    "FullTunnel = split-default has none");
	if (up->table_mode == MT_TABLE_OFF &&
	    (up->n_users || up->n_bypass_users || up->direct.n || up->n_direct_sets ||
	     up->tunnel.n))
		return whyf(why, whylen, "Table = off installs no routes: Users, BypassUsers, "
			    "Direct, DirectSet and Tunnel need them");
	if (up->n_forwards && !up->gateway[0])
		return whyf(why, whylen, "Forward needs Gateway (the interface the ports are on)");
	return 0;
}

static void free_strings(char **strings, size_t n)
{
	while (n--)
		free(strings[n]);
	free(strings);
}

void mt_up_free(struct mt_up_conf *up)
{
	size_t i;

	free(up->addresses.items);
	free(up->dns_servers.items);
	free_strings(up->dns_search, up->n_dns_search);
	free(up->direct.items);
	free(up->tunnel.items);
	free(up->direct_sets);
	free(up->users);
	free(up->bypass_users);
	free(up->forwards);
	for (i = 0; i < MT_HOOKS; i++)
		free_strings(up->hooks[i], up->n_hooks[i]);
	memset(up, 0, sizeof(*up));
}

bool mt_prefix_list_has(const struct mt_prefix_list *list, int family)
{
	size_t i;

	for (i = 0; i < list->n; i++)
		if (list->items[i].family == family)
			return true;
	return false;
}
