// SPDX-License-Identifier: GPL-2.0
/*
 * nft.c - the nftables objects of `mtctl up`, spoken as raw nf_tables
 * netlink through libnl, so that mtctl needs neither nft(8) nor libnftnl.
 *
 * A change is one batch sent in one sendmsg(): NFNL_MSG_BATCH_BEGIN, the
 * requests, NFNL_MSG_BATCH_END. The kernel runs every request, commits
 * only when all succeeded, and then answers each request in order (every
 * one asks for an ack). Failures of the batch as a whole (no nf_tables,
 * a failed commit) are answered on the batch begin's sequence number
 * instead, ahead of anything else. After a first failure the kernel still
 * runs the rest, whose errors are mostly echoes of the first: only the
 * first is reported.
 *
 * The rules are the expressions nft(8) itself generates, so that
 * `nft list ruleset` reads them back as the rules they were meant to be.
 */
#include "nft.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <netinet/ip.h>
#include <netinet/ip6.h>
#include <netinet/udp.h>
#include <linux/netfilter.h>
#include <linux/netfilter_ipv4.h>
#include <linux/netfilter/nf_conntrack_common.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <netlink/attr.h>
#include <netlink/msg.h>
#include <netlink/socket.h>

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

/* The chains of a plan's table, in packet path order. */
#define CHAIN_GUARD	"guard"
#define CHAIN_DNAT	"dnat"
#define CHAIN_FORWARD	"forward"
#define CHAIN_MASQ	"masquerade"

/*
 * Registers: NFT_REG_1 is 16 bytes wide, enough for an interface name or
 * an IPv6 address; a DNAT target's port goes in the next one.
 */
#define REG_A	NFT_REG_1
#define REG_B	NFT_REG_2

#define STEP_LEN 96

struct batch {
	int family;		/* of the table every request names */
	const char *table;
	bool batched;		/* a transaction, or one plain request */
	struct nl_msg *msg;	/* the request being built */
	struct nlattr *exprs, *expr, *expr_data;	/* its open nests */
	char *buf;		/* the finished requests */
	size_t len, cap;
	uint32_t seq;		/* the first message's; message i has seq + i */
	unsigned int n;
	char (*steps)[STEP_LEN];	/* what each message does, for errors */
	const char *chain;	/* the chain rules are being added to */
	unsigned int rule;	/* and how many so far */
	int err;		/* the first failure while building */
};

/* What the kernel answered. */
struct answer {
	int error;		/* the first error, 0 if none */
	unsigned int error_index;	/* and which message it answered */
	char extack[256];
	int (*reply)(const struct nlmsghdr *nlh, void *arg);	/* to a GET */
	void *arg;
};

/*
 * Sequence numbers only go up, so that a late answer to an earlier request
 * (one left unread after its batch failed as a whole) is never taken for
 * an answer to a later one on the same socket.
 */
static uint32_t next_seq;

/* Every builder is a no-op once building failed: callers check b->err once. */
static void msg_start(struct batch *b, uint16_t type, int family, uint16_t res_id, int flags,
		      const char *step)
{
	char (*steps)[STEP_LEN];
	struct nlmsghdr *nlh;
	struct nfgenmsg *nfg;

	if (b->err)
		return;
	steps = realloc(b->steps, (b->n + 1) * sizeof(*steps));
	if (!steps) {
		b->err = -ENOMEM;
		return;
	}
	b->steps = steps;
	snprintf(steps[b->n], STEP_LEN, "%s", step);
	b->msg = nlmsg_alloc();
	if (!b->msg) {
		b->err = -ENOMEM;
		return;
	}
	nlh = nlmsg_put(b->msg, NL_AUTO_PORT, b->seq + b->n, type, sizeof(*nfg),
			NLM_F_REQUEST | flags);
	if (!nlh) {
		b->err = -EMSGSIZE;
		return;
	}
	nfg = nlmsg_data(nlh);
	nfg->nfgen_family = family;
	nfg->version = NFNETLINK_V0;
	nfg->res_id = htons(res_id);
}

static void msg_end(struct batch *b)
{
	struct nlmsghdr *nlh;
	size_t len;
	char *buf;

	if (!b->err) {
		nlh = nlmsg_hdr(b->msg);
		len = NLMSG_ALIGN(nlh->nlmsg_len);
		if (b->len + len > b->cap) {
			buf = realloc(b->buf, b->cap * 2 + len);
			if (buf) {
				b->buf = buf;
				b->cap = b->cap * 2 + len;
			} else {
				b->err = -ENOMEM;
			}
		}
		if (!b->err) {
			memcpy(b->buf + b->len, nlh, len);
			b->len += len;
			b->n++;
		}
	}
	nlmsg_free(b->msg);
	b->msg = NULL;
}

/* A request of nf_tables about b's table; every one asks for an ack. */
static void __attribute__((format(printf, 4, 5)))
request_start(struct batch *b, uint8_t cmd, int flags, const char *fmt, ...)
{
	char step[STEP_LEN];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(step, sizeof(step), fmt, ap);
	va_end(ap);
	msg_start(b, NFNL_SUBSYS_NFTABLES << 8 | cmd, b->family, 0, flags | NLM_F_ACK, step);
}

static void put(struct batch *b, int type, const void *data, size_t len)
{
	if (!b->err && nla_put(b->msg, type, len, data) < 0)
		b->err = -EMSGSIZE;
}

static void put_be32(struct batch *b, int type, uint32_t value)
{
	uint32_t be = htonl(value);

	put(b, type, &be, sizeof(be));
}

static void put_str(struct batch *b, int type, const char *s)
{
	put(b, type, s, strlen(s) + 1);
}

static struct nlattr *nest_start(struct batch *b, int type)
{
	struct nlattr *nest;

	if (b->err)
		return NULL;
	nest = nla_nest_start(b->msg, type | NLA_F_NESTED);
	if (!nest)
		b->err = -EMSGSIZE;
	return nest;
}

static void nest_end(struct batch *b, struct nlattr *nest)
{
	if (!b->err)
		nla_nest_end(b->msg, nest);
}

/* Constants (struct nft_data) travel as a nest holding one value. */
static void put_data(struct batch *b, int type, const void *data, size_t len)
{
	struct nlattr *nest = nest_start(b, type);

	put(b, NFTA_DATA_VALUE, data, len);
	nest_end(b, nest);
}

static void batch_init(struct batch *b, int family, const char *table, bool batched)
{
	memset(b, 0, sizeof(*b));
	b->family = family;
	b->table = table;
	b->batched = batched;
	if (!next_seq)
		next_seq = (uint32_t)time(NULL);
	b->seq = next_seq;
	if (batched) {
		msg_start(b, NFNL_MSG_BATCH_BEGIN, AF_UNSPEC, NFNL_SUBSYS_NFTABLES, 0, "");
		msg_end(b);
	}
}

static void batch_free(struct batch *b)
{
	nlmsg_free(b->msg);
	free(b->buf);
	free(b->steps);
}

static void table_request(struct batch *b, uint8_t cmd, int flags)
{
	request_start(b, cmd, flags, "%s", "");
	put_str(b, NFTA_TABLE_NAME, b->table);
	msg_end(b);
}

static void chain_add(struct batch *b, const char *name, const char *type, int hook,
		      int priority)
{
	struct nlattr *nest;

	request_start(b, NFT_MSG_NEWCHAIN, NLM_F_CREATE | NLM_F_EXCL, "adding chain %s", name);
	put_str(b, NFTA_CHAIN_TABLE, b->table);
	put_str(b, NFTA_CHAIN_NAME, name);
	nest = nest_start(b, NFTA_CHAIN_HOOK);
	put_be32(b, NFTA_HOOK_HOOKNUM, hook);
	put_be32(b, NFTA_HOOK_PRIORITY, (uint32_t)priority);
	nest_end(b, nest);
	put_str(b, NFTA_CHAIN_TYPE, type);
	msg_end(b);
}

static void chain_del(struct batch *b, const char *name)
{
	request_start(b, NFT_MSG_DELCHAIN, 0, "deleting chain %s", name);
	put_str(b, NFTA_CHAIN_TABLE, b->table);
	put_str(b, NFTA_CHAIN_NAME, name);
	msg_end(b);
}

/* Without NLM_F_APPEND a new rule would go first: keep the order written. */
static void rule_start(struct batch *b, const char *chain)
{
	if (!b->chain || strcmp(b->chain, chain))
		b->rule = 0;
	b->chain = chain;
	b->rule++;
	request_start(b, NFT_MSG_NEWRULE, NLM_F_CREATE | NLM_F_APPEND,
		      "adding rule %u of chain %s", b->rule, chain);
	put_str(b, NFTA_RULE_TABLE, b->table);
	put_str(b, NFTA_RULE_CHAIN, chain);
	b->exprs = nest_start(b, NFTA_RULE_EXPRESSIONS);
}

static void rule_end(struct batch *b)
{
	nest_end(b, b->exprs);
	msg_end(b);
}

static void expr_start(struct batch *b, const char *name)
{
	b->expr = nest_start(b, NFTA_LIST_ELEM);
	put_str(b, NFTA_EXPR_NAME, name);
	b->expr_data = nest_start(b, NFTA_EXPR_DATA);
}

static void expr_end(struct batch *b)
{
	nest_end(b, b->expr_data);
	nest_end(b, b->expr);
}

/* The expressions, each named after the rule syntax it implements. */

static void put_cmp(struct batch *b, enum nft_cmp_ops op, const void *data, size_t len)
{
	expr_start(b, "cmp");
	put_be32(b, NFTA_CMP_SREG, REG_A);
	put_be32(b, NFTA_CMP_OP, op);
	put_data(b, NFTA_CMP_DATA, data, len);
	expr_end(b);
}

static void put_meta_cmp(struct batch *b, enum nft_meta_keys key, enum nft_cmp_ops op,
			 const void *data, size_t len)
{
	expr_start(b, "meta");
	put_be32(b, NFTA_META_KEY, key);
	put_be32(b, NFTA_META_DREG, REG_A);
	expr_end(b);
	put_cmp(b, op, data, len);
}

/* iifname/oifname: the kernel loads the whole NUL-padded IFNAMSIZ buffer. */
static void put_ifname_cmp(struct batch *b, enum nft_meta_keys key, enum nft_cmp_ops op,
			   const char *ifname)
{
	char name[IFNAMSIZ] = "";

	strncpy(name, ifname, IFNAMSIZ - 1);
	put_meta_cmp(b, key, op, name, sizeof(name));
}

static void put_payload_load(struct batch *b, enum nft_payload_bases base, unsigned int offset,
			     unsigned int len)
{
	expr_start(b, "payload");
	put_be32(b, NFTA_PAYLOAD_DREG, REG_A);
	put_be32(b, NFTA_PAYLOAD_BASE, base);
	put_be32(b, NFTA_PAYLOAD_OFFSET, offset);
	put_be32(b, NFTA_PAYLOAD_LEN, len);
	expr_end(b);
}

static void put_payload_cmp(struct batch *b, enum nft_payload_bases base, unsigned int offset,
			    const void *data, size_t len)
{
	put_payload_load(b, base, offset, len);
	put_cmp(b, NFT_CMP_EQ, data, len);
}

static size_t addr_len(int family)
{
	return family == AF_INET ? sizeof(struct in_addr) : sizeof(struct in6_addr);
}

/*
 * meta nfproto ipv4|ipv6: the network header of an inet chain's packet may
 * be either, so any match on it has to check which first (as nft does).
 */
static void put_nfproto(struct batch *b, int family)
{
	uint8_t proto = family == AF_INET ? NFPROTO_IPV4 : NFPROTO_IPV6;

	if (b->family == NFPROTO_INET)
		put_meta_cmp(b, NFT_META_NFPROTO, NFT_CMP_EQ, &proto, sizeof(proto));
}

/* ip daddr / ip6 daddr, into REG_A. */
static void put_daddr_load(struct batch *b, int family)
{
	put_nfproto(b, family);
	put_payload_load(b, NFT_PAYLOAD_NETWORK_HEADER,
			 family == AF_INET ? offsetof(struct iphdr, daddr) :
			 offsetof(struct ip6_hdr, ip6_dst), addr_len(family));
}

/* ip saddr / ip6 saddr, into REG_A. */
static void put_saddr_load(struct batch *b, int family)
{
	put_nfproto(b, family);
	put_payload_load(b, NFT_PAYLOAD_NETWORK_HEADER,
			 family == AF_INET ? offsetof(struct iphdr, saddr) :
			 offsetof(struct ip6_hdr, ip6_src), addr_len(family));
}

/* ct state / ct status: some of the bits in MASK set. */
static void put_ct_any(struct batch *b, enum nft_ct_keys key, uint32_t mask)
{
	uint32_t zero = 0;

	expr_start(b, "ct");
	put_be32(b, NFTA_CT_KEY, key);
	put_be32(b, NFTA_CT_DREG, REG_A);
	expr_end(b);
	expr_start(b, "bitwise");
	put_be32(b, NFTA_BITWISE_SREG, REG_A);
	put_be32(b, NFTA_BITWISE_DREG, REG_A);
	put_be32(b, NFTA_BITWISE_LEN, sizeof(mask));
	put_data(b, NFTA_BITWISE_MASK, &mask, sizeof(mask));
	put_data(b, NFTA_BITWISE_XOR, &zero, sizeof(zero));
	expr_end(b);
	put_cmp(b, NFT_CMP_NEQ, &zero, sizeof(zero));
}

/* fib saddr type != local: the route type (host order u32) of the source. */
static void put_fib_saddr_not_local(struct batch *b)
{
	uint32_t local = RTN_LOCAL;

	expr_start(b, "fib");
	put_be32(b, NFTA_FIB_DREG, REG_A);
	put_be32(b, NFTA_FIB_RESULT, NFT_FIB_RESULT_ADDRTYPE);
	put_be32(b, NFTA_FIB_FLAGS, NFTA_FIB_F_SADDR);
	expr_end(b);
	put_cmp(b, NFT_CMP_NEQ, &local, sizeof(local));
}

static void put_immediate(struct batch *b, enum nft_registers reg, const void *data, size_t len)
{
	expr_start(b, "immediate");
	put_be32(b, NFTA_IMMEDIATE_DREG, reg);
	put_data(b, NFTA_IMMEDIATE_DATA, data, len);
	expr_end(b);
}

static void put_verdict(struct batch *b, int verdict)
{
	struct nlattr *data, *nest;

	expr_start(b, "immediate");
	put_be32(b, NFTA_IMMEDIATE_DREG, NFT_REG_VERDICT);
	data = nest_start(b, NFTA_IMMEDIATE_DATA);
	nest = nest_start(b, NFTA_DATA_VERDICT);
	put_be32(b, NFTA_VERDICT_CODE, (uint32_t)verdict);
	nest_end(b, nest);
	nest_end(b, data);
	expr_end(b);
}

static void put_masquerade(struct batch *b)
{
	expr_start(b, "masq");
	expr_end(b);
}

/* dnat to the address in REG_A, port in REG_B; an inet chain must say which family. */
static void put_dnat(struct batch *b, int family)
{
	expr_start(b, "nat");
	put_be32(b, NFTA_NAT_TYPE, NFT_NAT_DNAT);
	put_be32(b, NFTA_NAT_FAMILY, family == AF_INET ? NFPROTO_IPV4 : NFPROTO_IPV6);
	put_be32(b, NFTA_NAT_REG_ADDR_MIN, REG_A);
	put_be32(b, NFTA_NAT_REG_PROTO_MIN, REG_B);
	expr_end(b);
}

/* The rules of a plan. */

static void add_guard(struct batch *b, const struct mt_nft_plan *plan)
{
	const struct mt_allowedip *a;

	/* raw: ahead of conntrack, so the spoofed packets create no state */
	chain_add(b, CHAIN_GUARD, "filter", NF_INET_PRE_ROUTING, NF_IP_PRI_RAW);
	for (a = plan->guard; a < plan->guard + plan->n_guard; a++) {
		rule_start(b, CHAIN_GUARD);
		put_ifname_cmp(b, NFT_META_IIFNAME, NFT_CMP_NEQ, plan->dev);
		put_daddr_load(b, a->family);
		put_cmp(b, NFT_CMP_EQ, a->addr, addr_len(a->family));
		put_fib_saddr_not_local(b);
		put_verdict(b, NF_DROP);
		rule_end(b);
	}
}

static void add_dnat(struct batch *b, const struct mt_nft_plan *plan)
{
	const struct mt_forward *f;

	chain_add(b, CHAIN_DNAT, "nat", NF_INET_PRE_ROUTING, NF_IP_PRI_NAT_DST);
	for (f = plan->forwards; f < plan->forwards + plan->n_forwards; f++) {
		int family = f->to.sa.sa_family;
		uint8_t l4proto = f->protocol;
		uint16_t port = htons(f->port);

		rule_start(b, CHAIN_DNAT);
		put_ifname_cmp(b, NFT_META_IIFNAME, NFT_CMP_NEQ, plan->dev);
		put_nfproto(b, family);
		put_meta_cmp(b, NFT_META_L4PROTO, NFT_CMP_EQ, &l4proto, sizeof(l4proto));
		/* th dport: TCP and UDP keep the destination port at the same place */
		put_payload_cmp(b, NFT_PAYLOAD_TRANSPORT_HEADER, offsetof(struct udphdr, dest),
				&port, sizeof(port));
		if (family == AF_INET) {
			put_immediate(b, REG_A, &f->to.sin.sin_addr, sizeof(struct in_addr));
			put_immediate(b, REG_B, &f->to.sin.sin_port, sizeof(port));
		} else {
			put_immediate(b, REG_A, &f->to.sin6.sin6_addr, sizeof(struct in6_addr));
			put_immediate(b, REG_B, &f->to.sin6.sin6_port, sizeof(port));
		}
		put_dnat(b, family);
		rule_end(b);
	}
}

static void add_forward(struct batch *b, const struct mt_nft_plan *plan, bool gateway)
{
	chain_add(b, CHAIN_FORWARD, "filter", NF_INET_FORWARD, NF_IP_PRI_FILTER);
	if (gateway) {
		rule_start(b, CHAIN_FORWARD);
		put_ifname_cmp(b, NFT_META_IIFNAME, NFT_CMP_EQ, plan->dev);
		put_ifname_cmp(b, NFT_META_OIFNAME, NFT_CMP_EQ, plan->gateway);
		put_verdict(b, NF_ACCEPT);
		rule_end(b);

		rule_start(b, CHAIN_FORWARD);
		put_ifname_cmp(b, NFT_META_IIFNAME, NFT_CMP_EQ, plan->gateway);
		put_ifname_cmp(b, NFT_META_OIFNAME, NFT_CMP_EQ, plan->dev);
		put_ct_any(b, NFT_CT_STATE, NF_CT_STATE_BIT(IP_CT_ESTABLISHED) |
			   NF_CT_STATE_BIT(IP_CT_RELATED));
		put_verdict(b, NF_ACCEPT);
		rule_end(b);
	}
	if (plan->n_forwards) {
		rule_start(b, CHAIN_FORWARD);
		put_ct_any(b, NFT_CT_STATUS, IPS_DST_NAT);
		put_verdict(b, NF_ACCEPT);
		rule_end(b);
	}
}

static void add_masquerade(struct batch *b, const struct mt_nft_plan *plan, bool gateway)
{
	const struct mt_allowedip *a;

	chain_add(b, CHAIN_MASQ, "nat", NF_INET_POST_ROUTING, NF_IP_PRI_NAT_SRC);
	/*
	 * A connected socket chose its source by the tunnel's route before
	 * the set's chain marked its packets off the tunnel: outside, that
	 * source has to become this node's own.
	 */
	for (a = plan->bypass_sources; a < plan->bypass_sources + plan->n_bypass_sources; a++) {
		rule_start(b, CHAIN_MASQ);
		put_meta_cmp(b, NFT_META_MARK, NFT_CMP_EQ, &plan->bypass_mark,
			     sizeof(plan->bypass_mark));
		put_ifname_cmp(b, NFT_META_OIFNAME, NFT_CMP_NEQ, plan->dev);
		put_saddr_load(b, a->family);
		put_cmp(b, NFT_CMP_EQ, a->addr, addr_len(a->family));
		put_masquerade(b);
		rule_end(b);
	}
	if (gateway) {
		/* postrouting knows the input interface of what it forwards */
		rule_start(b, CHAIN_MASQ);
		put_ifname_cmp(b, NFT_META_IIFNAME, NFT_CMP_EQ, plan->dev);
		put_ifname_cmp(b, NFT_META_OIFNAME, NFT_CMP_EQ, plan->gateway);
		put_masquerade(b);
		rule_end(b);
	}
	if (plan->n_forwards) {
		/*
		 * The peer behind the tunnel answers this node, not the
		 * client, so the replies come back here to be un-DNATed
		 * whatever the peer's own routes are.
		 */
		rule_start(b, CHAIN_MASQ);
		put_ifname_cmp(b, NFT_META_OIFNAME, NFT_CMP_EQ, plan->dev);
		put_ct_any(b, NFT_CT_STATUS, IPS_DST_NAT);
		put_masquerade(b);
		rule_end(b);
	}
}

/* Talking to the kernel. */

static struct nl_sock *nft_open(int *ret)
{
	struct nl_sock *sk = nl_socket_alloc();
	int one = 1;

	if (!sk) {
		*ret = -ENOMEM;
		return NULL;
	}
	if (nl_connect(sk, NETLINK_NETFILTER) < 0) {
		nl_socket_free(sk);
		*ret = -EPROTONOSUPPORT;
		return NULL;
	}
	/* Best effort: the kernel's messages make errors readable, short acks save room. */
	setsockopt(nl_socket_get_fd(sk), SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	setsockopt(nl_socket_get_fd(sk), SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
	nl_socket_enable_msg_peek(sk);
	return sk;
}

static void parse_extack(struct answer *ans, const struct nlmsghdr *nlh)
{
	const struct nlmsgerr *e = nlmsg_data(nlh);
	const struct nlattr *attr;
	size_t payload = sizeof(*e);
	int rem;

	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return;
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
		payload += e->msg.nlmsg_len - NLMSG_HDRLEN;
	if (nlh->nlmsg_len < NLMSG_HDRLEN + NLMSG_ALIGN(payload))
		return;
	attr = (const struct nlattr *)((const char *)e + NLMSG_ALIGN(payload));
	rem = nlh->nlmsg_len - NLMSG_HDRLEN - NLMSG_ALIGN(payload);
	for (; nla_ok(attr, rem); attr = nla_next(attr, &rem))
		if (nla_type(attr) == NLMSGERR_ATTR_MSG)
			snprintf(ans->extack, sizeof(ans->extack), "%.*s", nla_len(attr),
				 (const char *)nla_data(attr));
}

/*
 * Send what b holds and read the answers: one per request, or a single one
 * to the batch begin when the batch failed as a whole.
 */
static int talk(struct nl_sock *sk, struct batch *b, struct answer *ans)
{
	unsigned int pending;
	int ret = 0;

	if (b->batched) {
		msg_start(b, NFNL_MSG_BATCH_END, AF_UNSPEC, NFNL_SUBSYS_NFTABLES, 0, "");
		msg_end(b);
	}
	if (b->err)
		return b->err;
	next_seq = b->seq + b->n;
	/* the batch begin and end are not answered */
	pending = b->batched ? b->n - 2 : b->n;
	if (nl_sendto(sk, b->buf, b->len) < 0)
		return -EIO;
	while (pending && !ret) {
		unsigned char *buf = NULL;
		struct sockaddr_nl from;
		struct nlmsghdr *nlh;
		int len;

		len = nl_recv(sk, &from, &buf, NULL);
		if (len <= 0)
			return len == -NLE_NOMEM ? -ENOBUFS : -EIO;
		for (nlh = (struct nlmsghdr *)buf; nlmsg_ok(nlh, len);
		     nlh = nlmsg_next(nlh, &len)) {
			unsigned int i = nlh->nlmsg_seq - b->seq;
			const struct nlmsgerr *e;

			if (i >= b->n || !pending)
				continue;
			if (nlh->nlmsg_type != NLMSG_ERROR) {
				if (ans->reply && !ans->error && !ret)
					ret = ans->reply(nlh, ans->arg);
				continue;
			}
			if (nlh->nlmsg_len < (uint32_t)nlmsg_size(sizeof(*e))) {
				ret = -EIO;
				break;
			}
			e = nlmsg_data(nlh);
			if (e->error && !ans->error) {
				ans->error = e->error;
				ans->error_index = i;
				parse_extack(ans, nlh);
			}
			pending = b->batched && i == 0 ? 0 : pending - 1;
		}
		free(buf);
	}
	return ret ?: ans->error;
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

/* Run b on sk and describe a failure as "WHAT: STEP: ERRNO: EXTACK". */
static int run(struct nl_sock *sk, struct batch *b, const char *what, char *err, size_t errlen)
{
	struct answer ans = { 0 };
	const char *step = "";
	int ret;

	ret = talk(sk, b, &ans);
	/* An answer to the batch begin is about the whole batch: no step to name. */
	if (ret && ans.error == ret)
		step = b->steps[ans.error_index];
	if (ret)
		failf(err, errlen, 0, "%s%s%s: %s%s%s", what, *step ? ": " : "", step,
		      strerror(-ret), *ans.extack ? ": " : "", ans.extack);
	batch_free(b);
	return ret;
}

/* Open a socket, run one batch on it, close it. */
static int run_once(struct batch *b, const char *what, char *err, size_t errlen)
{
	struct nl_sock *sk;
	int ret;

	sk = nft_open(&ret);
	if (!sk) {
		batch_free(b);
		failf(err, errlen, ret, "%s: opening a netfilter netlink socket", what);
		return ret;
	}
	ret = run(sk, b, what, err, errlen);
	nl_socket_free(sk);
	return ret;
}

bool mt_nft_plan_empty(const struct mt_nft_plan *plan)
{
	return !plan->n_guard && !plan->n_forwards && !(plan->gateway && plan->gateway[0]) &&
	       !plan->n_bypass_sources;
}

static bool ifname_ok(const char *name)
{
	return name && name[0] && strlen(name) < IFNAMSIZ;
}

static int check_plan(const struct mt_nft_plan *plan, const char *what, char *err, size_t errlen)
{
	size_t i;

	if (!ifname_ok(plan->dev) || (plan->gateway && plan->gateway[0] &&
				      !ifname_ok(plan->gateway)))
		goto bad;
	for (i = 0; i < plan->n_guard; i++)
		if (plan->guard[i].family != AF_INET && plan->guard[i].family != AF_INET6)
			goto bad;
	for (i = 0; i < plan->n_bypass_sources; i++)
		if (plan->bypass_sources[i].family != AF_INET &&
		    plan->bypass_sources[i].family != AF_INET6)
			goto bad;
	for (i = 0; i < plan->n_forwards; i++)
		if ((plan->forwards[i].protocol != IPPROTO_TCP &&
		     plan->forwards[i].protocol != IPPROTO_UDP) ||
		    (plan->forwards[i].to.sa.sa_family != AF_INET &&
		     plan->forwards[i].to.sa.sa_family != AF_INET6))
			goto bad;
	return 0;
bad:
	failf(err, errlen, -EINVAL, "%s", what);
	return -EINVAL;
}

int mt_nft_table_add(const char *name, const struct mt_nft_plan *plan, char *err, size_t errlen)
{
	bool gateway = plan->gateway && plan->gateway[0];
	char what[300];
	struct batch b;
	int ret;

	snprintf(what, sizeof(what), "creating table inet %s", name);
	ret = check_plan(plan, what, err, errlen);
	if (ret || mt_nft_plan_empty(plan))
		return ret;
	batch_init(&b, NFPROTO_INET, name, true);
	table_request(&b, NFT_MSG_NEWTABLE, NLM_F_CREATE | NLM_F_EXCL);
	if (plan->n_guard)
		add_guard(&b, plan);
	if (plan->n_forwards)
		add_dnat(&b, plan);
	if (gateway || plan->n_forwards)
		add_forward(&b, plan, gateway);
	if (gateway || plan->n_forwards || plan->n_bypass_sources)
		add_masquerade(&b, plan, gateway);
	return run_once(&b, what, err, errlen);
}

int mt_nft_table_del(const char *name, char *err, size_t errlen)
{
	char what[300];
	struct batch b;

	snprintf(what, sizeof(what), "deleting table inet %s", name);
	batch_init(&b, NFPROTO_INET, name, true);
	table_request(&b, NFT_MSG_DELTABLE, 0);
	return run_once(&b, what, err, errlen);
}

/* The mark chains. */

static int nfproto(const char *family)
{
	if (!strcmp(family, "ip"))
		return NFPROTO_IPV4;
	if (!strcmp(family, "ip6"))
		return NFPROTO_IPV6;
	if (!strcmp(family, "inet"))
		return NFPROTO_INET;
	return -EINVAL;
}

/*
 * nft(8)'s numbers for the key types, which it stores in the set for
 * itself: the kernel only knows the key length, and a mark is 4 bytes too.
 */
enum { NFT_TYPE_IPADDR = 7, NFT_TYPE_IP6ADDR = 8 };

struct set_key {
	uint32_t type, len;
};

static int set_key(const struct nlmsghdr *nlh, void *arg)
{
	struct nlattr *tb[NFTA_SET_MAX + 1];
	struct set_key *key = arg;

	if (nlmsg_parse((struct nlmsghdr *)nlh, sizeof(struct nfgenmsg), tb, NFTA_SET_MAX,
			NULL) < 0 || !tb[NFTA_SET_KEY_LEN])
		return -EIO;
	key->len = ntohl(nla_get_u32(tb[NFTA_SET_KEY_LEN]));
	if (tb[NFTA_SET_KEY_TYPE])
		key->type = ntohl(nla_get_u32(tb[NFTA_SET_KEY_TYPE]));
	return 0;
}

/*
 * The address family of SET's keys, from their length and type (an inet
 * table's sets may hold either), or -errno with err filled.
 */
static int set_family(struct nl_sock *sk, const struct mt_nft_set *set, const char *what,
		      char *err, size_t errlen)
{
	struct answer ans = { 0 };
	struct set_key key = { 0 };
	struct batch b;
	int ret;

	/* First the table, so that a missing one is told from a missing set. */
	batch_init(&b, nfproto(set->family), set->table, false);
	table_request(&b, NFT_MSG_GETTABLE, 0);
	ret = talk(sk, &b, &ans);
	batch_free(&b);
	if (ret) {
		failf(err, errlen, ret, "%s: table %s %s%s%s", what, set->family, set->table,
		      *ans.extack ? ": " : "", ans.extack);
		return ret;
	}

	ans = (struct answer){ .reply = set_key, .arg = &key };
	batch_init(&b, nfproto(set->family), set->table, false);
	request_start(&b, NFT_MSG_GETSET, 0, "%s", "");
	put_str(&b, NFTA_SET_TABLE, set->table);
	put_str(&b, NFTA_SET_NAME, set->set);
	msg_end(&b);
	ret = talk(sk, &b, &ans);
	batch_free(&b);
	if (ret) {
		failf(err, errlen, ret, "%s: set %s in table %s %s%s%s", what, set->set,
		      set->family, set->table, *ans.extack ? ": " : "", ans.extack);
		return ret;
	}

	/* A set of another type's keys (zero: a type nft does not know) matches no address. */
	if (key.len == 4 && (!key.type || key.type == NFT_TYPE_IPADDR) &&
	    strcmp(set->family, "ip6"))
		return AF_INET;
	if (key.len == 16 && (!key.type || key.type == NFT_TYPE_IP6ADDR) &&
	    strcmp(set->family, "ip"))
		return AF_INET6;
	failf(err, errlen, -EINVAL, "%s: set %s holds no %s addresses", what, set->set,
	      !strcmp(set->family, "ip6") ? "IPv6" : !strcmp(set->family, "ip") ? "IPv4" :
	      "IPv4 or IPv6");
	return -EINVAL;
}

/* ip daddr @SET meta mark set MARK */
static void add_mark_rule(struct batch *b, const char *chain, int family, const char *set,
			  uint32_t mark)
{
	rule_start(b, chain);
	put_daddr_load(b, family);
	expr_start(b, "lookup");
	put_str(b, NFTA_LOOKUP_SET, set);
	put_be32(b, NFTA_LOOKUP_SREG, REG_A);
	expr_end(b);
	/* a mark is a host order u32 */
	put_immediate(b, REG_A, &mark, sizeof(mark));
	expr_start(b, "meta");
	put_be32(b, NFTA_META_KEY, NFT_META_MARK);
	put_be32(b, NFTA_META_SREG, REG_A);
	expr_end(b);
	rule_end(b);
}

/* A change of the mark chains: the second one's name, what it does, its socket. */
struct mark_change {
	char in[NFT_NAME_MAXLEN + 4];
	char what[1024];
	struct nl_sock *sk;
};

static int mark_change_open(struct mark_change *c, const struct mt_nft_set *set,
			    const char *name, const char *verb, char *err, size_t errlen)
{
	int ret;

	snprintf(c->in, sizeof(c->in), "%s-in", name);
	snprintf(c->what, sizeof(c->what), "%s chains %s and %s in table %s %s", verb, name,
		 c->in, set->family, set->table);
	if (nfproto(set->family) < 0) {
		failf(err, errlen, -EINVAL, "%s: family %s", c->what, set->family);
		return -EINVAL;
	}
	c->sk = nft_open(&ret);
	if (!c->sk) {
		failf(err, errlen, ret, "%s: opening a netfilter netlink socket", c->what);
		return ret;
	}
	return 0;
}

int mt_nft_mark_chain_add(const struct mt_nft_set *set, const char *name, uint32_t mark,
			  char *err, size_t errlen)
{
	struct mark_change c;
	struct batch b;
	int ret, family;

	ret = mark_change_open(&c, set, name, "adding", err, errlen);
	if (ret)
		return ret;
	family = set_family(c.sk, set, c.what, err, errlen);
	if (family < 0) {
		nl_socket_free(c.sk);
		return family;
	}
	batch_init(&b, nfproto(set->family), set->table, true);
	/*
	 * A route chain routes again what it re-marks: this host's own
	 * packets. Forwarded ones are routed after prerouting anyway.
	 */
	chain_add(&b, name, "route", NF_INET_LOCAL_OUT, NF_IP_PRI_MANGLE);
	add_mark_rule(&b, name, family, set->set, mark);
	chain_add(&b, c.in, "filter", NF_INET_PRE_ROUTING, NF_IP_PRI_MANGLE);
	add_mark_rule(&b, c.in, family, set->set, mark);
	ret = run(c.sk, &b, c.what, err, errlen);
	nl_socket_free(c.sk);
	return ret;
}

static int del_chains(struct mark_change *c, const struct mt_nft_set *set, const char *first,
		      const char *second, char *err, size_t errlen)
{
	struct batch b;

	batch_init(&b, nfproto(set->family), set->table, true);
	if (first)
		chain_del(&b, first);
	if (second)
		chain_del(&b, second);
	return run(c->sk, &b, c->what, err, errlen);
}

int mt_nft_mark_chain_del(const struct mt_nft_set *set, const char *name, char *err,
			  size_t errlen)
{
	struct mark_change c;
	int ret, ret_in;

	ret = mark_change_open(&c, set, name, "deleting", err, errlen);
	if (ret)
		return ret;
	ret = del_chains(&c, set, name, c.in, err, errlen);
	if (ret == -ENOENT) {
		/* One may be gone already (a half-done down): delete the other alone. */
		ret = del_chains(&c, set, name, NULL, err, errlen);
		if (ret && ret != -ENOENT)
			goto out;
		ret_in = del_chains(&c, set, NULL, c.in, err, errlen);
		if (ret_in && ret_in != -ENOENT)
			ret = ret_in;
		else if (ret && ret_in)
			failf(err, errlen, ret, "%s", c.what);
		else
			ret = 0;
		if (!ret && errlen)
			err[0] = '\0';
	}
out:
	nl_socket_free(c.sk);
	return ret;
}
