// SPDX-License-Identifier: GPL-2.0
/*
 * nft.c - the nftables objects of `mtctl up`, written in nft's own syntax
 * and run by libnftables (the nftables project's library).
 *
 * Each change is one buffer of commands, which libnftables sends as one
 * nf_tables transaction: the kernel commits all of it or none. The rules
 * below are what `nft list table inet meshtun-NAME` prints back.
 *
 * libnftables reports failures as text ("Error: Could not process rule:
 * No such file or directory", then the command and a marker under the
 * word it refers to). The first line is what the user is shown; whether
 * an object was missing or already there is told from that text, as the
 * library keeps no errno: it is the C library's message for the errno
 * the kernel answered, in the locale mtctl runs in (mtctl never calls
 * setlocale(), so it is the C locale's).
 */
#include "nft.h"
#include "parse.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <nftables/libnftables.h>

/* The chains of a plan's table, in packet path order. */
#define CHAIN_GUARD	"guard"
#define CHAIN_DNAT	"port-forwards"
#define CHAIN_FORWARD	"forward"
#define CHAIN_MASQ	"masquerade-out"

/* A growing buffer of nft commands; a failed allocation is remembered. */
struct script {
	char *text;
	size_t len, cap;
	bool failed;
};

static void __attribute__((format(printf, 2, 3))) add(struct script *s, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (s->failed)
		return;
	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(s->text ? s->text + s->len : NULL, s->text ? s->cap - s->len : 0,
			      fmt, ap);
		va_end(ap);
		if (n < 0) {
			s->failed = true;
			return;
		}
		if (s->text && s->len + n < s->cap) {
			s->len += n;
			return;
		}
		{
			size_t cap = s->cap ? s->cap : 1024;
			char *grown;

			while (cap <= s->len + n)
				cap *= 2;
			grown = realloc(s->text, cap);
			if (!grown) {
				s->failed = true;
				return;
			}
			s->text = grown;
			s->cap = cap;
		}
	}
}

static void __attribute__((format(printf, 4, 5)))
failf(char *err, size_t errlen, int ret, const char *fmt, ...)
{
	size_t n;
	va_list ap;

	va_start(ap, fmt);
	n = snprintf(err, errlen, "nftables: ");
	if (n < errlen)
		n += vsnprintf(err + n, errlen - n, fmt, ap);
	va_end(ap);
	if (ret && n < errlen)
		snprintf(err + n, errlen - n, ": %s", strerror(-ret));
}

/* The errno behind libnftables' message, for the few a caller tells apart. */
static int error_of(const char *message)
{
	static const int known[] = { ENOENT, EEXIST, EPERM, EACCES, EOPNOTSUPP, ENOMEM, EBUSY };
	unsigned int i;

	for (i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		if (strstr(message, strerror(known[i])))
			return -known[i];
	return -EIO;
}

/*
 * Run a script as one transaction; OUTPUT (if not NULL) gets what nft
 * printed, to be freed. On failure err says "nftables: WHAT: the first
 * line of nft's message".
 */
static int run(const struct script *s, unsigned int flags, char **output, const char *what,
	       char *err, size_t errlen)
{
	struct nft_ctx *ctx;
	const char *message;
	int ret = 0;

	if (s->failed) {
		failf(err, errlen, -ENOMEM, "%s", what);
		return -ENOMEM;
	}
	ctx = nft_ctx_new(NFT_CTX_DEFAULT);
	if (!ctx) {
		failf(err, errlen, -ENOMEM, "%s", what);
		return -ENOMEM;
	}
	nft_ctx_output_set_flags(ctx, flags);
	if (nft_ctx_buffer_output(ctx) || nft_ctx_buffer_error(ctx)) {
		nft_ctx_free(ctx);
		failf(err, errlen, -ENOMEM, "%s", what);
		return -ENOMEM;
	}
	if (nft_run_cmd_from_buffer(ctx, s->text)) {
		char line[256];

		message = nft_ctx_get_error_buffer(ctx);
		if (!message)
			message = "";
		ret = error_of(message);
		if (!strncmp(message, "Error: ", 7))
			message += 7;
		snprintf(line, sizeof(line), "%.*s", (int)strcspn(message, "\n"), message);
		failf(err, errlen, 0, "%s: %s", what, line[0] ? line : "failed");
	} else if (output) {
		*output = strdup(nft_ctx_get_output_buffer(ctx) ?: "");
		if (!*output) {
			failf(err, errlen, -ENOMEM, "%s", what);
			ret = -ENOMEM;
		}
	}
	nft_ctx_free(ctx);
	return ret;
}

/* An interface name in a rule, quoted: nft's quoted strings have no escapes. */
static bool ifname_ok(const char *name)
{
	return name && name[0] && strlen(name) < IFNAMSIZ && !strpbrk(name, "\"\\\n");
}

static const char *ip_word(int family)
{
	return family == AF_INET ? "ip" : "ip6";
}

/* The rules of a plan. */

static void add_guard(struct script *s, const char *table, const struct mt_nft_plan *plan)
{
	const struct mt_allowedip *a;
	char addr[MT_ADDR_TEXT_LEN];

	/* raw: ahead of conntrack, so the spoofed packets create no state */
	add(s, "add chain inet %s " CHAIN_GUARD
	    " { type filter hook prerouting priority raw; }\n", table);
	for (a = plan->guard; a < plan->guard + plan->n_guard; a++)
		add(s, "add rule inet %s " CHAIN_GUARD
		    " iifname != \"%s\" %s daddr %s fib saddr type != local drop\n", table,
		    plan->dev, ip_word(a->family), mt_format_addr(a->family, a->addr, addr));
}

static void add_dnat(struct script *s, const char *table, const struct mt_nft_plan *plan)
{
	const struct mt_forward *f;
	char addr[MT_ADDR_TEXT_LEN];

	add(s, "add chain inet %s " CHAIN_DNAT
	    " { type nat hook prerouting priority dstnat; }\n", table);
	for (f = plan->forwards; f < plan->forwards + plan->n_forwards; f++) {
		const char *proto = f->protocol == IPPROTO_TCP ? "tcp" : "udp";

		/* th dport: TCP and UDP keep the destination port at the same place */
		if (f->to.sa.sa_family == AF_INET)
			add(s, "add rule inet %s " CHAIN_DNAT " iifname != \"%s\" meta nfproto ipv4"
			    " meta l4proto %s th dport %u dnat ip to %s:%u\n", table, plan->dev,
			    proto, f->port, mt_format_addr(AF_INET, &f->to.sin.sin_addr, addr),
			    ntohs(f->to.sin.sin_port));
		else
			add(s, "add rule inet %s " CHAIN_DNAT " iifname != \"%s\" meta nfproto ipv6"
			    " meta l4proto %s th dport %u dnat ip6 to [%s]:%u\n", table, plan->dev,
			    proto, f->port,
			    mt_format_addr(AF_INET6, &f->to.sin6.sin6_addr, addr),
			    ntohs(f->to.sin6.sin6_port));
	}
}

static void add_forward(struct script *s, const char *table, const struct mt_nft_plan *plan,
			bool gateway)
{
	add(s, "add chain inet %s " CHAIN_FORWARD
	    " { type filter hook forward priority filter; }\n", table);
	if (gateway) {
		add(s, "add rule inet %s " CHAIN_FORWARD " iifname \"%s\" oifname \"%s\" accept\n",
		    table, plan->dev, plan->gateway);
		add(s, "add rule inet %s " CHAIN_FORWARD " iifname \"%s\" oifname \"%s\""
		    " ct state established,related accept\n", table, plan->gateway, plan->dev);
	}
	if (plan->n_forwards)
		add(s, "add rule inet %s " CHAIN_FORWARD " ct status dnat accept\n", table);
}

static void add_masquerade(struct script *s, const char *table, const struct mt_nft_plan *plan,
			   bool gateway)
{
	const struct mt_allowedip *a;
	char addr[MT_ADDR_TEXT_LEN];

	add(s, "add chain inet %s " CHAIN_MASQ
	    " { type nat hook postrouting priority srcnat; }\n", table);
	/*
	 * A connected socket chose its source by the tunnel's route before
	 * the set's chain marked its packets off the tunnel: outside, that
	 * source has to become this node's own.
	 */
	for (a = plan->bypass_sources; a < plan->bypass_sources + plan->n_bypass_sources; a++)
		add(s, "add rule inet %s " CHAIN_MASQ " meta mark 0x%08x oifname != \"%s\""
		    " %s saddr %s masquerade\n", table, plan->bypass_mark, plan->dev,
		    ip_word(a->family), mt_format_addr(a->family, a->addr, addr));
	/* postrouting knows the input interface of what it forwards */
	if (gateway)
		add(s, "add rule inet %s " CHAIN_MASQ " iifname \"%s\" oifname \"%s\" masquerade\n",
		    table, plan->dev, plan->gateway);
	/*
	 * The peer behind the tunnel answers this node, not the client, so
	 * the replies come back here to be un-DNATed whatever the peer's own
	 * routes are.
	 */
	if (plan->n_forwards)
		add(s, "add rule inet %s " CHAIN_MASQ " oifname \"%s\" ct status dnat masquerade\n",
		    table, plan->dev);
}

void mt_nft_object_name(char *out, size_t len, const char *dev, int index)
{
	size_t n = snprintf(out, len, "meshtun-");
	const unsigned char *c;

	/* A device name may hold what nft names may not: those go as /XX. */
	for (c = (const unsigned char *)dev; *c && n + 4 < len; c++) {
		if (isalnum(*c) || *c == '_' || *c == '-' || *c == '.')
			out[n++] = *c;
		else
			n += snprintf(out + n, len - n, "/%02x", *c);
	}
	out[n] = '\0';
	if (index >= 0)
		snprintf(out + n, len - n, "-%d", index);
}

bool mt_nft_plan_empty(const struct mt_nft_plan *plan)
{
	return !plan->n_guard && !plan->n_forwards && !(plan->gateway && plan->gateway[0]) &&
	       !plan->n_bypass_sources;
}

static bool family_ok(int family)
{
	return family == AF_INET || family == AF_INET6;
}

static int check_plan(const struct mt_nft_plan *plan, const char *what, char *err, size_t errlen)
{
	size_t i;

	if (!ifname_ok(plan->dev) || (plan->gateway && plan->gateway[0] &&
				      !ifname_ok(plan->gateway)))
		goto bad;
	for (i = 0; i < plan->n_guard; i++)
		if (!family_ok(plan->guard[i].family))
			goto bad;
	for (i = 0; i < plan->n_bypass_sources; i++)
		if (!family_ok(plan->bypass_sources[i].family))
			goto bad;
	for (i = 0; i < plan->n_forwards; i++)
		if ((plan->forwards[i].protocol != IPPROTO_TCP &&
		     plan->forwards[i].protocol != IPPROTO_UDP) ||
		    !family_ok(plan->forwards[i].to.sa.sa_family))
			goto bad;
	return 0;
bad:
	failf(err, errlen, -EINVAL, "%s", what);
	return -EINVAL;
}

/* Table names are mtctl's own ("meshtun-" and a device name): nft identifiers. */
static bool name_ok(const char *name)
{
	const char *c;

	if (!name[0] || strlen(name) > 255)
		return false;
	for (c = name; *c; c++)
		if (!(((*c | 0x20) >= 'a' && (*c | 0x20) <= 'z') || *c == '_' ||
		      (c > name && ((*c >= '0' && *c <= '9') || strchr("-./", *c)))))
			return false;
	return true;
}

int mt_nft_table_add(const char *name, const struct mt_nft_plan *plan, char *err, size_t errlen)
{
	bool gateway = plan->gateway && plan->gateway[0];
	struct script s = { 0 };
	char what[300];
	int ret;

	snprintf(what, sizeof(what), "creating table inet %s", name);
	if (!name_ok(name)) {
		failf(err, errlen, -EINVAL, "%s", what);
		return -EINVAL;
	}
	ret = check_plan(plan, what, err, errlen);
	if (ret || mt_nft_plan_empty(plan))
		return ret;
	/* create, not add: a table of that name already there is an error */
	add(&s, "create table inet %s\n", name);
	if (plan->n_guard)
		add_guard(&s, name, plan);
	if (plan->n_forwards)
		add_dnat(&s, name, plan);
	if (gateway || plan->n_forwards)
		add_forward(&s, name, plan, gateway);
	if (gateway || plan->n_forwards || plan->n_bypass_sources)
		add_masquerade(&s, name, plan, gateway);
	ret = run(&s, 0, NULL, what, err, errlen);
	free(s.text);
	return ret;
}

int mt_nft_table_del(const char *name, char *err, size_t errlen)
{
	struct script s = { 0 };
	char what[300];
	int ret;

	snprintf(what, sizeof(what), "deleting table inet %s", name);
	if (!name_ok(name)) {
		failf(err, errlen, -EINVAL, "%s", what);
		return -EINVAL;
	}
	add(&s, "delete table inet %s\n", name);
	ret = run(&s, 0, NULL, what, err, errlen);
	free(s.text);
	return ret;
}

/* The mark chains. */

static bool set_family_ok(const char *family)
{
	return !strcmp(family, "ip") || !strcmp(family, "ip6") || !strcmp(family, "inet");
}

/*
 * The address family of SET's keys (an inet table's sets may hold either),
 * from the type nft lists it with, or -errno with err filled. The table is
 * looked for first, so that a missing one is told from a missing set.
 */
static int set_family(const struct mt_nft_set *set, const char *what, char *err, size_t errlen)
{
	struct script s = { 0 };
	char *listing = NULL;
	int ret, family = -EINVAL;

	add(&s, "list table %s %s\n", set->family, set->table);
	ret = run(&s, NFT_CTX_OUTPUT_TERSE, NULL, what, err, errlen);
	free(s.text);
	if (ret)
		return ret;
	s = (struct script){ 0 };
	/* terse: the set's declaration without its elements (a resolver's set may be large) */
	add(&s, "list set %s %s %s\n", set->family, set->table, set->set);
	ret = run(&s, NFT_CTX_OUTPUT_TERSE, &listing, what, err, errlen);
	free(s.text);
	if (ret)
		return ret;
	if (strstr(listing, "type ipv4_addr") && strcmp(set->family, "ip6"))
		family = AF_INET;
	else if (strstr(listing, "type ipv6_addr") && strcmp(set->family, "ip"))
		family = AF_INET6;
	else
		failf(err, errlen, -EINVAL, "%s: set %s holds no %s addresses", what, set->set,
		      !strcmp(set->family, "ip6") ? "IPv6" : !strcmp(set->family, "ip") ? "IPv4" :
		      "IPv4 or IPv6");
	free(listing);
	return family;
}

static int mark_change_check(const struct mt_nft_set *set, const char *name, const char *what,
			     char *err, size_t errlen)
{
	if (!set_family_ok(set->family) || !name_ok(set->table) || !name_ok(set->set) ||
	    !name_ok(name)) {
		failf(err, errlen, -EINVAL, "%s", what);
		return -EINVAL;
	}
	return 0;
}

int mt_nft_mark_chain_add(const struct mt_nft_set *set, const char *name, uint32_t mark,
			  char *err, size_t errlen)
{
	struct script s = { 0 };
	char what[1024];
	int ret, family;

	snprintf(what, sizeof(what), "adding chains %s and %s-in in table %s %s", name, name,
		 set->family, set->table);
	ret = mark_change_check(set, name, what, err, errlen);
	if (ret)
		return ret;
	family = set_family(set, what, err, errlen);
	if (family < 0)
		return family;
	/*
	 * A route chain routes again what it re-marks: this host's own
	 * packets. Forwarded ones are routed after prerouting anyway.
	 * create, not add: a chain of that name already there is an error
	 * (never a second rule appended to someone else's chain).
	 */
	add(&s, "create chain %s %s %s { type route hook output priority mangle; }\n",
	    set->family, set->table, name);
	add(&s, "add rule %s %s %s %s daddr @%s meta mark set 0x%08x\n", set->family, set->table,
	    name, ip_word(family), set->set, mark);
	add(&s, "create chain %s %s %s-in { type filter hook prerouting priority mangle; }\n",
	    set->family, set->table, name);
	add(&s, "add rule %s %s %s-in %s daddr @%s meta mark set 0x%08x\n", set->family,
	    set->table, name, ip_word(family), set->set, mark);
	ret = run(&s, 0, NULL, what, err, errlen);
	free(s.text);
	return ret;
}

static int del_chains(const struct mt_nft_set *set, const char *first, const char *suffix,
		      bool both, const char *what, char *err, size_t errlen)
{
	struct script s = { 0 };
	int ret;

	add(&s, "delete chain %s %s %s%s\n", set->family, set->table, first, suffix);
	if (both)
		add(&s, "delete chain %s %s %s-in\n", set->family, set->table, first);
	ret = run(&s, 0, NULL, what, err, errlen);
	free(s.text);
	return ret;
}

int mt_nft_mark_chain_del(const struct mt_nft_set *set, const char *name, char *err,
			  size_t errlen)
{
	char what[1024];
	int ret, ret_in;

	snprintf(what, sizeof(what), "deleting chains %s and %s-in in table %s %s", name, name,
		 set->family, set->table);
	ret = mark_change_check(set, name, what, err, errlen);
	if (ret)
		return ret;
	ret = del_chains(set, name, "", true, what, err, errlen);
	if (ret != -ENOENT)
		return ret;
	/* One may be gone already (a half-done down): delete the other alone. */
	ret = del_chains(set, name, "", false, what, err, errlen);
	if (ret && ret != -ENOENT)
		return ret;
	ret_in = del_chains(set, name, "-in", false, what, err, errlen);
	if (ret_in && ret_in != -ENOENT)
		return ret_in;
	if (ret && ret_in) {
		failf(err, errlen, -ENOENT, "%s", what);
		return -ENOENT;
	}
	if (errlen)
		err[0] = '\0';
	return 0;
}
