// SPDX-License-Identifier: GPL-2.0
/*
 * config.c - SET_DEVICE and GET_DEVICE: every attribute round-trips,
 * bad requests are rejected with an extack naming the attribute and
 * change nothing, large configurations dump completely and consistently.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>
#include <time.h>
#include <sys/socket.h>
#include <linux/genetlink.h>
#include <linux/meshtun.h>
#include <linux/netlink.h>
#include <netlink/genl/genl.h>

#include "kselftest_harness.h"
#include "util.h"
#include "../../tools/conf.h"

/* RFC 7748, section 6.1: Alice's private and public keys. */
static const uint8_t alice_private[32] = {
	0x77, 0x07, 0x6d, 0x0a, 0x73, 0x18, 0xa5, 0x7d, 0x3c, 0x16, 0xc1, 0x72,
	0x51, 0xb2, 0x66, 0x45, 0xdf, 0x4c, 0x2f, 0x87, 0xeb, 0xc0, 0x99, 0x2a,
	0xb1, 0x77, 0xfb, 0xa5, 0x1d, 0xb9, 0x2c, 0x2a,
};
static const uint8_t alice_public[32] = {
	0x85, 0x20, 0xf0, 0x09, 0x89, 0x30, 0xa7, 0x54, 0x74, 0x8b, 0x7d, 0xdc,
	0xb4, 0x3e, 0xf7, 0x5a, 0x0d, 0xbf, 0x3a, 0x0d, 0x26, 0x38, 0x1a, 0xf4,
	0xeb, 0xa4, 0xa9, 0x8e, 0xaa, 0x9b, 0x4e, 0x6a,
};

static void peer_key(uint8_t key[32], unsigned int n)
{
	memset(key, 0x42, 32);
	memcpy(key, &n, sizeof(n));
}

static struct mt_peer_conf *add_peer(struct mt_device_conf *c, unsigned int n)
{
	struct mt_peer_conf *p = mt_conf_add_peer(c);

	if (p)
		peer_key(p->public_key, n);
	return p;
}

static void add_ip(struct mt_peer_conf *p, const char *text, int cidr)
{
	struct mt_allowedip *ip = mt_conf_add_allowedip(p);

	ip->family = strchr(text, ':') ? AF_INET6 : AF_INET;
	inet_pton(ip->family, text, ip->addr);
	ip->cidr = cidr;
}

static char *ip_text(const struct mt_allowedip *ip, char *buf)
{
	char addr[INET6_ADDRSTRLEN];

	inet_ntop(ip->family, ip->addr, addr, sizeof(addr));
	sprintf(buf, "%s/%u", addr, ip->cidr);
	return buf;
}

/* A full textual image of the device, to compare before and after. */
static char *snapshot(struct mt_netlink *g, const char *dev)
{
	struct mt_device_conf c;
	char *out = NULL, buf[64];
	size_t len = 0, i, j;
	FILE *f;

	if (mt_conf_get(g, dev, &c))
		return strdup("(get failed)");
	f = open_memstream(&out, &len);
	fprintf(f, "port %u mark %u relay %d pub %d", c.listen_port, c.fwmark, c.relay,
		c.has_public_key);
	for (i = 0; i < 32; i++)
		fprintf(f, "%02x", c.private_key[i]);
	for (i = 0; i < c.n_peers; i++) {
		struct mt_peer_conf *p = &c.peers[i];

		fprintf(f, "\npeer %02x%02x%02x%02x ka %u ep %d psk %02x hub %d", p->public_key[0],
			p->public_key[1], p->public_key[2], p->public_key[3], p->keepalive,
			p->endpoint.sa.sa_family, p->preshared_key[0], p->hub);
		for (j = 0; j < p->n_allowedips; j++)
			fprintf(f, " %s", ip_text(&p->allowedips[j], buf));
	}
	fclose(f);
	mt_conf_free(&c);
	return out;
}

FIXTURE(config) {
	struct mt_netlink g;
	struct mt_device_conf c;
};

FIXTURE_SETUP(config)
{
	link_del("mtc0");
	ASSERT_EQ(0, link_add("mtc0"));
	ASSERT_EQ(0, mt_netlink_open_genl(&self->g));
	memset(&self->c, 0, sizeof(self->c));
	strcpy(self->c.ifname, "mtc0");
}

FIXTURE_TEARDOWN(config)
{
	mt_conf_free(&self->c);
	mt_netlink_close(&self->g);
	link_del("mtc0");
}

TEST_F(config, private_key_gives_public_key)
{
	struct mt_device_conf got;

	memcpy(self->c.private_key, alice_private, 32);
	self->c.set_private_key = true;
	ASSERT_EQ(0, mt_conf_set(&self->g, &self->c)) TH_LOG("%s", self->g.message);
	ASSERT_EQ(0, mt_conf_get(&self->g, "mtc0", &got));
	EXPECT_TRUE(got.has_public_key);
	EXPECT_EQ(0, memcmp(alice_public, got.public_key, 32));
	/* The key comes back clamped, as the kernel uses it. */
	EXPECT_EQ(alice_private[0] & 248, got.private_key[0]);
	EXPECT_EQ(0, memcmp(alice_private + 1, got.private_key + 1, 30));
	mt_conf_free(&got);

	/* 32 zero bytes remove the key. */
	memset(self->c.private_key, 0, 32);
	ASSERT_EQ(0, mt_conf_set(&self->g, &self->c));
	ASSERT_EQ(0, mt_conf_get(&self->g, "mtc0", &got));
	EXPECT_FALSE(got.has_public_key);
	mt_conf_free(&got);
}

TEST_F(config, port_and_fwmark)
{
	struct mt_device_conf got;

	self->c.set_listen_port = self->c.set_fwmark = true;
	self->c.listen_port = 51820;
	self->c.fwmark = 0x1234;
	ASSERT_EQ(0, mt_conf_set(&self->g, &self->c));
	ASSERT_EQ(0, mt_conf_get(&self->g, "mtc0", &got));
	EXPECT_EQ(51820, got.listen_port);
	EXPECT_EQ(0x1234U, got.fwmark);
	mt_conf_free(&got);
}

/* Relay and hubs: set, read back, unset; a peer leaving takes its hub mark along. */
TEST_F(config, relay_and_hubs)
{
	struct mt_device_conf got;
	struct mt_peer_conf *p;

	self->c.set_relay = true;
	self->c.relay = true;
	p = add_peer(&self->c, 1);
	p->set_hub = true;
	p->hub = true;
	add_peer(&self->c, 2);
	ASSERT_EQ(0, mt_conf_set(&self->g, &self->c)) TH_LOG("%s", self->g.message);
	ASSERT_EQ(0, mt_conf_get(&self->g, "mtc0", &got));
	EXPECT_TRUE(got.relay);
	ASSERT_EQ(2U, got.n_peers);
	EXPECT_TRUE(got.peers[0].hub);
	EXPECT_FALSE(got.peers[1].hub);
	/* Nothing said yet about what they speak, nor sent to them. */
	EXPECT_EQ(MESHTUN_PEER_MESH_UNKNOWN, got.peers[0].mesh);
	EXPECT_EQ(MESHTUN_PEER_PATH_NONE, got.peers[0].path);
	EXPECT_FALSE(got.peers[0].has_relay_hub);
	mt_conf_free(&got);

	/* Off again; the hub removed and added back is no hub any more. */
	self->c.relay = false;
	self->c.peers[0].hub = false;
	self->c.peers[0].flags = MESHTUN_PEER_F_REMOVE_ME;
	self->c.peers[1].set_hub = true;
	self->c.peers[1].hub = true;
	ASSERT_EQ(0, mt_conf_set(&self->g, &self->c)) TH_LOG("%s", self->g.message);
	self->c.peers[0].flags = 0;
	self->c.peers[0].set_hub = false;
	self->c.peers[1].set_hub = false;
	ASSERT_EQ(0, mt_conf_set(&self->g, &self->c)) TH_LOG("%s", self->g.message);
	ASSERT_EQ(0, mt_conf_get(&self->g, "mtc0", &got));
	EXPECT_FALSE(got.relay);
	ASSERT_EQ(2U, got.n_peers);
	EXPECT_TRUE(got.peers[0].hub) TH_LOG("peer 2 stays a hub");
	EXPECT_FALSE(got.peers[1].hub) TH_LOG("peer 1 came back without its mark");
	mt_conf_free(&got);
}

TEST_F(config, peers_round_trip)
{
	struct mt_device_conf got;
	struct mt_peer_conf *p;
	char buf[64];

	p = add_peer(&self->c, 1);
	p->set_preshared_key = true;
	memset(p->preshared_key, 7, 32);
	p->set_endpoint = true;
	p->endpoint.sin.sin_family = AF_INET;
	p->endpoint.sin.sin_port = htons(51820);
	inet_pton(AF_INET, "192.0.2.1", &p->endpoint.sin.sin_addr);
	p->set_keepalive = true;
	p->keepalive = 25;
	add_ip(p, "10.0.0.77", 24);	/* host bits go */
	add_ip(p, "fd00::1", 64);
	p = add_peer(&self->c, 2);
	p->set_endpoint = true;
	p->endpoint.sin6.sin6_family = AF_INET6;
	p->endpoint.sin6.sin6_port = htons(1);
	inet_pton(AF_INET6, "2001:db8::1", &p->endpoint.sin6.sin6_addr);
	add_ip(p, "0.0.0.0", 0);
	ASSERT_EQ(0, mt_conf_set(&self->g, &self->c)) TH_LOG("%s", self->g.message);

	ASSERT_EQ(0, mt_conf_get(&self->g, "mtc0", &got));
	ASSERT_EQ(2U, got.n_peers);
	p = &got.peers[0];
	EXPECT_EQ(0, memcmp(p->public_key, self->c.peers[0].public_key, 32));
	EXPECT_EQ(7, p->preshared_key[31]);
	EXPECT_EQ(AF_INET, p->endpoint.sa.sa_family);
	EXPECT_EQ(htons(51820), p->endpoint.sin.sin_port);
	EXPECT_EQ(25, p->keepalive);
	EXPECT_EQ(1U, p->protocol_version);
	ASSERT_EQ(2U, p->n_allowedips);
	EXPECT_STREQ("10.0.0.0/24", ip_text(&p->allowedips[0], buf));
	EXPECT_STREQ("fd00::/64", ip_text(&p->allowedips[1], buf));
	p = &got.peers[1];
	EXPECT_EQ(AF_INET6, p->endpoint.sa.sa_family);
	ASSERT_EQ(1U, p->n_allowedips);
	EXPECT_STREQ("0.0.0.0/0", ip_text(&p->allowedips[0], buf));
	mt_conf_free(&got);
}

TEST_F(config, allowedip_moves_and_removal)
{
	struct mt_device_conf got;
	struct mt_peer_conf *p;

	add_ip(add_peer(&self->c, 1), "10.1.0.0", 16);
	add_ip(add_peer(&self->c, 2), "10.2.0.0", 16);
	ASSERT_EQ(0, mt_conf_set(&self->g, &self->c));
	mt_conf_free(&self->c);
	strcpy(self->c.ifname, "mtc0");

	/* 10.1/16 to peer 2: it leaves peer 1. */
	add_ip(add_peer(&self->c, 2), "10.1.0.0", 16);
	ASSERT_EQ(0, mt_conf_set(&self->g, &self->c));
	ASSERT_EQ(0, mt_conf_get(&self->g, "mtc0", &got));
	ASSERT_EQ(2U, got.n_peers);
	EXPECT_EQ(0U, got.peers[0].n_allowedips);
	EXPECT_EQ(2U, got.peers[1].n_allowedips);
	mt_conf_free(&got);

	/* Remove one allowed IP, then replace the rest, then remove the peer. */
	mt_conf_free(&self->c);
	strcpy(self->c.ifname, "mtc0");
	p = add_peer(&self->c, 2);
	add_ip(p, "10.1.0.0", 16);
	p->allowedips[0].remove = true;
	ASSERT_EQ(0, mt_conf_set(&self->g, &self->c));
	ASSERT_EQ(0, mt_conf_get(&self->g, "mtc0", &got));
	EXPECT_EQ(1U, got.peers[1].n_allowedips);
	mt_conf_free(&got);

	p->allowedips[0].remove = false;
	p->flags = MESHTUN_PEER_F_REPLACE_ALLOWEDIPS;
	ASSERT_EQ(0, mt_conf_set(&self->g, &self->c));
	ASSERT_EQ(0, mt_conf_get(&self->g, "mtc0", &got));
	ASSERT_EQ(1U, got.peers[1].n_allowedips);
	EXPECT_EQ(1, got.peers[1].allowedips[0].addr[1]);
	mt_conf_free(&got);

	p->flags = MESHTUN_PEER_F_REMOVE_ME;
	ASSERT_EQ(0, mt_conf_set(&self->g, &self->c));
	ASSERT_EQ(0, mt_conf_get(&self->g, "mtc0", &got));
	EXPECT_EQ(1U, got.n_peers);
	mt_conf_free(&got);
}

TEST_F(config, replace_peers_keeps_only_named_ones)
{
	struct mt_device_conf got;
	unsigned int i;

	for (i = 1; i <= 5; i++)
		add_ip(add_peer(&self->c, i), "10.0.0.0", 8 + i);
	ASSERT_EQ(0, mt_conf_set(&self->g, &self->c));
	mt_conf_free(&self->c);
	strcpy(self->c.ifname, "mtc0");
	self->c.flags = MESHTUN_DEVICE_F_REPLACE_PEERS;
	add_peer(&self->c, 3);
	add_peer(&self->c, 9);
	ASSERT_EQ(0, mt_conf_set(&self->g, &self->c));
	ASSERT_EQ(0, mt_conf_get(&self->g, "mtc0", &got));
	ASSERT_EQ(2U, got.n_peers);
	EXPECT_EQ(3, got.peers[0].public_key[0]);
	EXPECT_EQ(1U, got.peers[0].n_allowedips);	/* kept: not recreated */
	EXPECT_EQ(9, got.peers[1].public_key[0]);
	mt_conf_free(&got);
}

/* ---- rejections: each names its attribute and changes nothing ---- */

enum { A_DEV, A_PEER, A_IP, A_IP6 };

struct bad_case {
	const char *name;
	int level;		/* where the bad attribute goes */
	int type;
	int len;
	const void *data;
	int err;
	const char *message;	/* part of the extack message, or NULL */
};

static const uint8_t zeros[64];
static const uint16_t bad_family = 99;
static const uint8_t cidr33 = 33, cidr129 = 129, two = 2;

/* A request: one good peer, then a second whose part "level" is bad. */
static struct nl_msg *bad_request(struct mt_netlink *g, const struct bad_case *bc)
{
	struct nl_msg *msg = mt_netlink_genl_msg(g, MESHTUN_CMD_SET_DEVICE, 0);
	struct nlattr *peers, *peer, *ips, *ip;
	bool v6 = bc->level == A_IP6;
	int level = v6 ? A_IP : bc->level;
	uint16_t fam = v6 ? AF_INET6 : AF_INET;
	uint8_t cidr = 8;
	uint8_t key[32];

	nla_put_string(msg, MESHTUN_DEVICE_A_IFNAME, "mtc0");
	nla_put_u16(msg, MESHTUN_DEVICE_A_LISTEN_PORT, 4000);
	if (level == A_DEV)
		nla_put(msg, bc->type, bc->len, bc->data);
	peers = nla_nest_start(msg, MESHTUN_DEVICE_A_PEERS);
	peer = nla_nest_start(msg, 0);
	peer_key(key, 100);
	nla_put(msg, MESHTUN_PEER_A_PUBLIC_KEY, 32, key);
	nla_nest_end(msg, peer);
	peer = nla_nest_start(msg, 0);
	peer_key(key, 101);
	nla_put(msg, MESHTUN_PEER_A_PUBLIC_KEY, 32, key);
	if (level == A_PEER)
		nla_put(msg, bc->type, bc->len, bc->data);
	ips = nla_nest_start(msg, MESHTUN_PEER_A_ALLOWEDIPS);
	ip = nla_nest_start(msg, 0);
	if (level == A_IP && bc->type == MESHTUN_ALLOWEDIP_A_FAMILY)
		nla_put(msg, bc->type, bc->len, bc->data);
	else
		nla_put_u16(msg, MESHTUN_ALLOWEDIP_A_FAMILY, fam);
	if (level == A_IP && bc->type == MESHTUN_ALLOWEDIP_A_IPADDR)
		nla_put(msg, bc->type, bc->len, bc->data);
	else
		nla_put(msg, MESHTUN_ALLOWEDIP_A_IPADDR, v6 ? 16 : 4, zeros);
	if (level == A_IP && bc->type == MESHTUN_ALLOWEDIP_A_CIDR_MASK)
		nla_put(msg, bc->type, bc->len, bc->data);
	else
		nla_put_u8(msg, MESHTUN_ALLOWEDIP_A_CIDR_MASK, cidr);
	if (level == A_IP && bc->type > MESHTUN_ALLOWEDIP_A_CIDR_MASK)
		nla_put(msg, bc->type, bc->len, bc->data);
	nla_nest_end(msg, ip);
	nla_nest_end(msg, ips);
	nla_nest_end(msg, peer);
	nla_nest_end(msg, peers);
	return msg;
}

static const struct sockaddr_in ep_port0 = { .sin_family = AF_INET, .sin_addr = { 0x01020304 } };
static const struct sockaddr_in ep_any = { .sin_family = AF_INET, .sin_port = 0x1234 };
static const struct sockaddr_in6 ep_v6 = { .sin6_family = AF_INET6, .sin6_port = 0x1234 };
static const uint32_t bad_flags = 0x80;
static const uint32_t update_only = MESHTUN_PEER_F_UPDATE_ONLY;

static const struct bad_case bad_cases[] = {
	{ "private key 31 bytes", A_DEV, MESHTUN_DEVICE_A_PRIVATE_KEY, 31, zeros, -ERANGE, NULL },
	{ "private key 33 bytes", A_DEV, MESHTUN_DEVICE_A_PRIVATE_KEY, 33, zeros, -ERANGE, NULL },
	{ "public key is read-only", A_DEV, MESHTUN_DEVICE_A_PUBLIC_KEY, 32, zeros, -EINVAL,
	  "derived" },
	{ "unknown device flag", A_DEV, MESHTUN_DEVICE_A_FLAGS, 4, &bad_flags, -EINVAL, NULL },
	{ "listen port 3 bytes", A_DEV, MESHTUN_DEVICE_A_LISTEN_PORT, 3, zeros, -EINVAL, NULL },
	{ "reserved device attribute", A_DEV, 10, 4, zeros, -EINVAL, NULL },
	{ "relay 2", A_DEV, MESHTUN_DEVICE_A_RELAY, 1, &two, -ERANGE, NULL },
	{ "peer key 16 bytes", A_PEER, MESHTUN_PEER_A_PUBLIC_KEY, 16, zeros, -ERANGE, NULL },
	{ "preshared key 31 bytes", A_PEER, MESHTUN_PEER_A_PRESHARED_KEY, 31, zeros, -ERANGE, NULL },
	{ "unknown peer flag", A_PEER, MESHTUN_PEER_A_FLAGS, 4, &bad_flags, -EINVAL, NULL },
	{ "endpoint port 0", A_PEER, MESHTUN_PEER_A_ENDPOINT, sizeof(ep_port0), &ep_port0,
	  -EINVAL, "port must not be 0" },
	{ "endpoint 0.0.0.0", A_PEER, MESHTUN_PEER_A_ENDPOINT, sizeof(ep_any), &ep_any,
	  -EINVAL, "unicast" },
	{ "endpoint v6 family, v4 length", A_PEER, MESHTUN_PEER_A_ENDPOINT, sizeof(ep_port0),
	  &ep_v6, -EINVAL, "sockaddr_in" },
	{ "endpoint 3 bytes", A_PEER, MESHTUN_PEER_A_ENDPOINT, 3, zeros, -EINVAL, "sockaddr_in" },
	{ "rx bytes are read-only", A_PEER, MESHTUN_PEER_A_RX_BYTES, 8, zeros, -EINVAL,
	  "read-only" },
	{ "protocol version 2", A_PEER, MESHTUN_PEER_A_PROTOCOL_VERSION, 4, &bad_flags,
	  -ERANGE, NULL },
	{ "update-only of an unknown peer", A_PEER, MESHTUN_PEER_A_FLAGS, 4, &update_only,
	  -ENOENT, "no peer" },
	{ "allowed IPs not nested", A_PEER, MESHTUN_PEER_A_ALLOWEDIPS, 5, "abcde", -EINVAL, NULL },
	{ "reserved peer attribute", A_PEER, 15, 4, zeros, -EINVAL, NULL },
	{ "hub 2", A_PEER, MESHTUN_PEER_A_HUB, 1, &two, -ERANGE, NULL },
	{ "hub of 4 bytes", A_PEER, MESHTUN_PEER_A_HUB, 4, zeros, -EINVAL, NULL },
	{ "mesh is read-only", A_PEER, MESHTUN_PEER_A_MESH, 1, zeros, -EINVAL, "read-only" },
	{ "path is read-only", A_PEER, MESHTUN_PEER_A_PATH, 1, zeros, -EINVAL, "read-only" },
	{ "relay hub is read-only", A_PEER, MESHTUN_PEER_A_RELAY_HUB, 32, zeros, -EINVAL,
	  "read-only" },
	{ "unknown family", A_IP, MESHTUN_ALLOWEDIP_A_FAMILY, 2, &bad_family, -EAFNOSUPPORT,
	  "AF_INET" },
	{ "cidr 33 for IPv4", A_IP, MESHTUN_ALLOWEDIP_A_CIDR_MASK, 1, &cidr33, -EINVAL,
	  "cidr" },
	{ "IPv4 address of 5 bytes", A_IP, MESHTUN_ALLOWEDIP_A_IPADDR, 5, zeros, -EINVAL,
	  "length" },
	{ "IPv4 address of 17 bytes", A_IP, MESHTUN_ALLOWEDIP_A_IPADDR, 17, zeros, -ERANGE, NULL },
	{ "unknown allowed IP flag", A_IP, MESHTUN_ALLOWEDIP_A_FLAGS, 4, &bad_flags, -EINVAL,
	  NULL },
	{ "cidr 129 for IPv6", A_IP6, MESHTUN_ALLOWEDIP_A_CIDR_MASK, 1, &cidr129, -EINVAL,
	  "cidr" },
	{ "IPv6 address of 4 bytes", A_IP6, MESHTUN_ALLOWEDIP_A_IPADDR, 4, zeros, -EINVAL,
	  "length" },
	{ "allowed IP without an address", A_IP6, MESHTUN_ALLOWEDIP_A_IPADDR, 0, zeros, -EINVAL,
	  NULL },
	{ "ifindex of 3 bytes", A_DEV, MESHTUN_DEVICE_A_IFINDEX, 3, zeros, -EINVAL, NULL },
};

/* Values at the edges of what each attribute takes are accepted. */
TEST_F(config, boundaries_accepted)
{
	struct mt_device_conf got;
	struct mt_peer_conf *p;
	char buf[64];

	self->c.set_listen_port = self->c.set_fwmark = true;
	self->c.listen_port = 65535;
	self->c.fwmark = 0xffffffff;
	p = add_peer(&self->c, 1);
	p->set_keepalive = true;
	p->keepalive = 65535;
	p->set_endpoint = true;
	p->endpoint.sin.sin_family = AF_INET;
	p->endpoint.sin.sin_port = htons(65535);
	p->endpoint.sin.sin_addr.s_addr = htonl(0x01000001);
	add_ip(p, "255.255.255.255", 32);
	add_ip(p, "0.0.0.0", 0);
	add_ip(p, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 128);
	add_ip(p, "::", 0);
	ASSERT_EQ(0, mt_conf_set(&self->g, &self->c)) TH_LOG("%s", self->g.message);
	ASSERT_EQ(0, mt_conf_get(&self->g, "mtc0", &got));
	EXPECT_EQ(65535, got.listen_port);
	EXPECT_EQ(0xffffffffU, got.fwmark);
	ASSERT_EQ(1U, got.n_peers);
	EXPECT_EQ(65535, got.peers[0].keepalive);
	ASSERT_EQ(4U, got.peers[0].n_allowedips);
	EXPECT_STREQ("255.255.255.255/32", ip_text(&got.peers[0].allowedips[0], buf));
	EXPECT_STREQ("0.0.0.0/0", ip_text(&got.peers[0].allowedips[1], buf));
	EXPECT_STREQ("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128",
		     ip_text(&got.peers[0].allowedips[2], buf));
	EXPECT_STREQ("::/0", ip_text(&got.peers[0].allowedips[3], buf));
	mt_conf_free(&got);

	/* And the other ends: port 0 (any free port), no mark, keepalive off. */
	self->c.listen_port = 0;
	self->c.fwmark = 0;
	self->c.peers[0].keepalive = 0;
	ASSERT_EQ(0, mt_conf_set(&self->g, &self->c));
	ASSERT_EQ(0, mt_conf_get(&self->g, "mtc0", &got));
	EXPECT_EQ(0, got.listen_port);
	EXPECT_EQ(0U, got.fwmark);
	EXPECT_EQ(0, got.peers[0].keepalive);
	mt_conf_free(&got);
}

/*
 * A device moved into a namespace owned by another user namespace: that
 * namespace's root may configure peers, but not the listen port or the
 * fwmark, which belong to the namespace the device was created in.
 */
static int in_moved_namespace(int ready_fd, int moved_fd)
{
	struct mt_device_conf c = { .ifname = "mtp0" }, got;
	struct mt_netlink g;
	char byte = 0;
	int ret;

	if (enter_user_namespace())
		return 10;
	if (unshare(CLONE_NEWNET))
		return 12;
	if (write(ready_fd, &byte, 1) != 1 || read(moved_fd, &byte, 1) != 1)
		return 13;
	if (mt_netlink_open_genl(&g))
		return 14;
	if (mt_conf_get(&g, "mtp0", &got))
		return 15;
	mt_conf_free(&got);
	add_ip(add_peer(&c, 1), "10.0.0.0", 8);
	if (mt_conf_set(&g, &c))
		return 16;
	mt_conf_free(&c);
	strcpy(c.ifname, "mtp0");
	c.set_listen_port = true;
	c.listen_port = 1234;
	ret = mt_conf_set(&g, &c);
	if (ret != -EPERM || !strstr(g.message, "created in"))
		return 17;
	c.set_listen_port = false;
	c.set_fwmark = true;
	c.fwmark = 1;
	if (mt_conf_set(&g, &c) != -EPERM)
		return 18;
	mt_netlink_close(&g);
	return 0;
}

TEST(listen_port_needs_admin_of_creating_namespace)
{
	int ready[2], moved[2], status;
	char byte = 0, cmd[128];
	pid_t pid;

	ASSERT_EQ(0, pipe(ready));
	ASSERT_EQ(0, pipe(moved));
	link_del("mtp0");
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0)
		_exit(in_moved_namespace(ready[1], moved[0]));
	ASSERT_EQ(1, read(ready[0], &byte, 1));
	ASSERT_EQ(0, link_add("mtp0"));
	snprintf(cmd, sizeof(cmd), "ip link set mtp0 netns %d", pid);
	ASSERT_EQ(0, system(cmd));
	ASSERT_EQ(1, write(moved[1], &byte, 1));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
}

TEST_F(config, rejected_requests_change_nothing)
{
	char *before, *after;
	unsigned int i;

	add_ip(add_peer(&self->c, 1), "10.9.0.0", 16);
	self->c.set_listen_port = true;
	self->c.listen_port = 1000;
	ASSERT_EQ(0, mt_conf_set(&self->g, &self->c));
	before = snapshot(&self->g, "mtc0");

	for (i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		const struct bad_case *bc = &bad_cases[i];
		int ret = mt_netlink_request(&self->g, bad_request(&self->g, bc), NULL, NULL);

		EXPECT_EQ(bc->err, ret) TH_LOG("%s: got %d (%s)", bc->name, ret, self->g.message);
		EXPECT_NE(-1, self->g.offset) TH_LOG("%s: no attribute named", bc->name);
		if (bc->message)
			EXPECT_NE(NULL, strstr(self->g.message, bc->message))
				TH_LOG("%s: message \"%s\"", bc->name, self->g.message);
		after = snapshot(&self->g, "mtc0");
		EXPECT_STREQ(before, after) TH_LOG("%s changed the device", bc->name);
		free(after);
	}
	free(before);
}

TEST_F(config, duplicate_and_own_keys_rejected)
{
	char *before, *after;

	memcpy(self->c.private_key, alice_private, 32);
	self->c.set_private_key = true;
	ASSERT_EQ(0, mt_conf_set(&self->g, &self->c));
	before = snapshot(&self->g, "mtc0");
	mt_conf_free(&self->c);
	strcpy(self->c.ifname, "mtc0");

	add_peer(&self->c, 5);
	add_peer(&self->c, 6);
	add_peer(&self->c, 5);
	EXPECT_EQ(-EINVAL, mt_conf_set(&self->g, &self->c));
	EXPECT_NE(NULL, strstr(self->g.message, "more than once"));
	self->c.n_peers = 2;
	memcpy(self->c.peers[1].public_key, alice_public, 32);
	EXPECT_EQ(-EINVAL, mt_conf_set(&self->g, &self->c));
	EXPECT_NE(NULL, strstr(self->g.message, "own public key"));
	after = snapshot(&self->g, "mtc0");
	EXPECT_STREQ(before, after);
	free(before);
	free(after);
}

static int write_param(const char *value)
{
	FILE *f = fopen("/sys/module/meshtun/parameters/max_peers", "w");
	int ok;

	if (!f)
		return -1;
	ok = fputs(value, f) >= 0;
	return fclose(f) == 0 && ok ? 0 : -1;
}

TEST_F(config, too_many_peers)
{
	char *before, *after;
	unsigned int i;

	ASSERT_EQ(0, write_param("4"));
	for (i = 1; i <= 3; i++)
		add_peer(&self->c, i);
	EXPECT_EQ(0, mt_conf_set(&self->g, &self->c));
	before = snapshot(&self->g, "mtc0");
	mt_conf_free(&self->c);
	strcpy(self->c.ifname, "mtc0");
	add_peer(&self->c, 10);
	add_peer(&self->c, 11);
	EXPECT_EQ(-E2BIG, mt_conf_set(&self->g, &self->c));
	EXPECT_STREQ("too many peers", self->g.message);
	after = snapshot(&self->g, "mtc0");
	EXPECT_STREQ(before, after);
	/* Removing one in the same request makes room for both. */
	add_peer(&self->c, 1)->flags = MESHTUN_PEER_F_REMOVE_ME;
	EXPECT_EQ(0, mt_conf_set(&self->g, &self->c)) TH_LOG("%s", self->g.message);
	mt_conf_free(&self->c);
	strcpy(self->c.ifname, "mtc0");
	add_peer(&self->c, 12);
	EXPECT_EQ(-E2BIG, mt_conf_set(&self->g, &self->c));
	write_param("1048576");
	free(before);
	free(after);
}

/*
 * 10,000 peers with 4 allowed IPs each: set, then dump complete. The debug
 * kernel's suite asks for fewer (MT_MANY_PEERS): still dumps of many
 * messages, in minutes rather than hours there.
 */
static unsigned int many_peers(void)
{
	const char *env = getenv("MT_MANY_PEERS");
	unsigned long n = env ? strtoul(env, NULL, 10) : 0;

	return n >= 100 && n <= 100000 ? (unsigned int)n : 10000;
}

#define MANY many_peers()

static void build_many(struct mt_device_conf *c, unsigned int salt)
{
	unsigned int i, j;

	for (i = 0; i < MANY; i++) {
		struct mt_peer_conf *p = add_peer(c, i + 1);

		for (j = 0; j < 4; j++) {
			struct mt_allowedip *ip = mt_conf_add_allowedip(p);

			/* 10.S.I.I/32, 11.S.I.I/32, fd02:S:I..., fd03:S:I...: all distinct. */
			ip->family = j < 2 ? AF_INET : AF_INET6;
			ip->addr[0] = j < 2 ? 10 + j : 0xfd;
			ip->addr[1] = j < 2 ? (uint8_t)salt : j;
			ip->addr[2] = (uint8_t)(i >> 8);
			ip->addr[3] = (uint8_t)i;
			ip->addr[4] = (uint8_t)salt;
			ip->cidr = j < 2 ? 32 : 128;
		}
	}
}

static int check_many(struct mt_device_conf *got, unsigned int salt)
{
	unsigned int i, j;

	if (got->n_peers != MANY)
		return -1;
	for (i = 0; i < MANY; i++) {
		struct mt_peer_conf *p = &got->peers[i];
		uint32_t key;

		memcpy(&key, p->public_key, 4);
		if (key != i + 1 || p->n_allowedips != 4)
			return -2;
		for (j = 0; j < 4; j++)
			if (p->allowedips[j].addr[j < 2 ? 1 : 4] != (uint8_t)salt)
				return -3;
	}
	return 0;
}

/* Seconds on Debian's kernels; minutes on the debug kernel (KASAN, lockdep). */
TEST_F_TIMEOUT(config, ten_thousand_peers_dump_complete, 600)
{
	struct mt_device_conf got;

	build_many(&self->c, 1);
	ASSERT_EQ(0, mt_conf_set(&self->g, &self->c)) TH_LOG("%s", self->g.message);
	ASSERT_EQ(0, mt_conf_get(&self->g, "mtc0", &got));
	EXPECT_EQ(0, check_many(&got, 1));
	mt_conf_free(&got);
}

struct churn {
	volatile int stop;
	int sets;
	int errors;
};

static void *churn_thread(void *arg)
{
	struct churn *ch = arg;
	struct mt_netlink g;
	unsigned int salt = 2;

	if (mt_netlink_open_genl(&g)) {
		ch->errors++;
		return NULL;
	}
	while (!ch->stop) {
		struct mt_device_conf c = { .ifname = "mtc0" };
		unsigned int i;

		/* Replace every peer's allowed IPs, in a few requests. */
		build_many(&c, salt++);
		for (i = 0; i < c.n_peers; i++)
			c.peers[i].flags = MESHTUN_PEER_F_REPLACE_ALLOWEDIPS |
					   MESHTUN_PEER_F_UPDATE_ONLY;
		if (mt_conf_set(&g, &c))
			ch->errors++;
		ch->sets++;
		mt_conf_free(&c);
		/* Leave gaps in which a whole dump can get through. */
		usleep(200 * 1000);
	}
	mt_netlink_close(&g);
	return NULL;
}

TEST_F_TIMEOUT(config, concurrent_set_and_dump, 600)
{
	struct churn ch = { 0 };
	pthread_t thread;
	int dumps = 0, complete = 0, i;

	build_many(&self->c, 1);
	ASSERT_EQ(0, mt_conf_set(&self->g, &self->c));
	ASSERT_EQ(0, pthread_create(&thread, NULL, churn_thread, &ch));
	for (i = 0; i < 6; i++) {
		struct mt_device_conf got;
		int ret = mt_conf_get(&self->g, "mtc0", &got);

		dumps++;
		if (ret == -EINTR)
			continue;	/* interrupted every retry: allowed, reported */
		ASSERT_EQ(0, ret);
		/* A dump that was not interrupted is complete and whole. */
		EXPECT_EQ((int)MANY, (int)got.n_peers);
		for (unsigned int p = 0; p < got.n_peers; p++)
			ASSERT_EQ(4U, got.peers[p].n_allowedips);
		complete++;
		mt_conf_free(&got);
	}
	ch.stop = 1;
	pthread_join(thread, NULL);
	EXPECT_EQ(0, ch.errors);
	EXPECT_LT(0, ch.sets);
	EXPECT_LT(0, complete);
	TH_LOG("%d dumps (%d complete) during %d sets", dumps, complete, ch.sets);
}

/* ---- dumps hold nothing between their messages ---- */

/* n peers, 10 + n and 20 + n, each with two allowed IPs of its own. */
static void build_peers(struct mt_device_conf *c, unsigned int first, unsigned int n)
{
	unsigned int i, j;

	for (i = first; i < first + n; i++) {
		struct mt_peer_conf *p = add_peer(c, i);

		for (j = 0; j < 2; j++) {
			struct mt_allowedip *ip = mt_conf_add_allowedip(p);

			ip->family = AF_INET;
			ip->addr[0] = 10 + j;
			ip->addr[1] = (uint8_t)(i >> 8);
			ip->addr[2] = (uint8_t)i;
			ip->cidr = 24;
		}
	}
}

/*
 * A GET_DEVICE dump of ifname on a raw socket of its own, sent and not
 * read: the kernel fills the first message at once, then waits for the
 * reader. The socket, or -errno. Reads time out after 30 s.
 */
static int dump_start(const struct mt_netlink *g, const char *ifname)
{
	struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
	struct timeval timeout = { .tv_sec = 30 };
	struct {
		struct nlmsghdr nlh;
		struct genlmsghdr genl;
		struct nlattr name;
		char ifname[IFNAMSIZ];
	} req;
	int one = 1, fd;

	memset(&req, 0, sizeof(req));
	req.name.nla_type = MESHTUN_DEVICE_A_IFNAME;
	req.name.nla_len = (uint16_t)(NLA_HDRLEN + strlen(ifname) + 1);
	strncpy(req.ifname, ifname, IFNAMSIZ - 1);
	req.nlh.nlmsg_len = NLMSG_LENGTH(GENL_HDRLEN + NLA_ALIGN(req.name.nla_len));
	req.nlh.nlmsg_type = (uint16_t)g->family_id;
	req.nlh.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	req.nlh.nlmsg_seq = 1;
	req.genl.cmd = MESHTUN_CMD_GET_DEVICE;
	req.genl.version = MESHTUN_GENL_VERSION;

	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);
	if (fd < 0)
		return -errno;
	setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
	if (sendto(fd, &req, req.nlh.nlmsg_len, 0, (struct sockaddr *)&kernel,
		   sizeof(kernel)) < 0) {
		int err = -errno;

		close(fd);
		return err;
	}
	return fd;
}

struct dump_result {
	int messages;		/* data messages */
	int interrupted;	/* of which flagged NLM_F_DUMP_INTR */
	bool last_interrupted;	/* the last of them was */
	int allowedips;		/* allowed IPs in them */
	bool ended;		/* NLMSG_DONE or an error came */
	int error;		/* the end's status: 0 or -errno */
	char message[256];	/* its extack message */
};

static void count_allowedips(struct dump_result *r, const struct nlmsghdr *nlh)
{
	struct nlattr *tb[MESHTUN_DEVICE_A_MAX + 1], *peer, *ips, *ip;
	int rem, prem, irem;

	if (genlmsg_parse((struct nlmsghdr *)nlh, 0, tb, MESHTUN_DEVICE_A_MAX, NULL) < 0 ||
	    !tb[MESHTUN_DEVICE_A_PEERS])
		return;
	nla_for_each_nested(peer, tb[MESHTUN_DEVICE_A_PEERS], prem) {
		nla_for_each_nested(ips, peer, rem) {
			if (nla_type(ips) != MESHTUN_PEER_A_ALLOWEDIPS)
				continue;
			nla_for_each_nested(ip, ips, irem)
				r->allowedips++;
		}
	}
}

/* The end's extack message, after the status in a DONE or error payload. */
static void end_message(struct dump_result *r, const struct nlmsghdr *nlh, size_t payload)
{
	const struct nlattr *a;
	int rem;

	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS) ||
	    nlh->nlmsg_len < NLMSG_LENGTH(NLMSG_ALIGN(payload)))
		return;
	a = (const struct nlattr *)((const char *)NLMSG_DATA(nlh) + NLMSG_ALIGN(payload));
	rem = (int)(nlh->nlmsg_len - NLMSG_LENGTH(NLMSG_ALIGN(payload)));
	for (; nla_ok(a, rem); a = nla_next(a, &rem))
		if (nla_type(a) == NLMSGERR_ATTR_MSG)
			snprintf(r->message, sizeof(r->message), "%.*s", nla_len(a),
				 (const char *)nla_data(a));
}

/*
 * Read a dump on (at most limit data messages, or to its end, whichever
 * comes first), adding to r, in reads of size bytes (at most 64 KiB; the
 * kernel sizes the messages to the largest read, up to 32 KiB). Each read
 * makes the kernel fill the next message. Returns 0, or -errno when
 * reading failed (a timeout: -EAGAIN; a message larger than size:
 * -EMSGSIZE).
 */
static int dump_read_sized(int fd, struct dump_result *r, int limit, size_t size)
{
	static uint8_t buf[65536];
	int n = 0;

	while (!r->ended && n < limit) {
		ssize_t len = recv(fd, buf, size, MSG_TRUNC);
		struct nlmsghdr *nlh;
		int rem;

		if (len < 0)
			return -errno;
		if ((size_t)len > size)
			return -EMSGSIZE;
		rem = (int)len;
		for (nlh = (struct nlmsghdr *)buf; NLMSG_OK(nlh, rem); nlh = NLMSG_NEXT(nlh, rem)) {
			if (nlh->nlmsg_type == NLMSG_DONE) {
				r->ended = true;
				if (nlh->nlmsg_len >= NLMSG_LENGTH(sizeof(int)))
					r->error = *(int *)NLMSG_DATA(nlh);
				end_message(r, nlh, sizeof(int));
				if (nlh->nlmsg_flags & NLM_F_DUMP_INTR)
					r->interrupted++;
			} else if (nlh->nlmsg_type == NLMSG_ERROR) {
				struct nlmsgerr *e = NLMSG_DATA(nlh);

				r->ended = true;
				r->error = e->error;
				end_message(r, nlh, sizeof(*e));
			} else {
				n++;
				r->messages++;
				r->last_interrupted = nlh->nlmsg_flags & NLM_F_DUMP_INTR;
				r->interrupted += r->last_interrupted;
				count_allowedips(r, nlh);
			}
		}
	}
	return 0;
}

/* In small reads: small messages, so that a dump of a few hundred peers takes many. */
static int dump_read(int fd, struct dump_result *r, int limit)
{
	return dump_read_sized(fd, r, limit, 4096);
}

/* Wait at most ms for a child: true (with its status) if it ended. */
static bool wait_child(pid_t pid, int ms, int *status)
{
	int i;

	for (i = 0; i < ms / 50; i++) {
		if (waitpid(pid, status, WNOHANG) == pid)
			return true;
		usleep(50 * 1000);
	}
	return false;
}

static int child_link_del(const char *name)
{
	return link_del(name) ? 1 : 0;
}

/*
 * A dump started and never read must not keep its device: `ip link del`
 * ends at once, and the dump, read afterwards, gives nothing more of the
 * deleted device but its end, with an error. (A reference kept between
 * messages made the deletion wait for ever in netdev_wait_allrefs(); here
 * the dump's socket is closed after 20 s to let it finish.)
 */
TEST_F_TIMEOUT(config, unread_dump_holds_no_device, 120)
{
	struct dump_result r = { 0 };
	int fd, status = -1;
	bool ended;
	pid_t pid;

	build_peers(&self->c, 1, 200);
	ASSERT_EQ(0, mt_conf_set(&self->g, &self->c)) TH_LOG("%s", self->g.message);
	fd = dump_start(&self->g, "mtc0");
	ASSERT_LE(0, fd) TH_LOG("dump: %s", strerror(-fd));

	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		close(fd);	/* the parent's to close */
		_exit(child_link_del("mtc0"));
	}
	ended = wait_child(pid, 20 * 1000, &status);
	EXPECT_TRUE(ended) TH_LOG("ip link del waits for the unread dump");
	if (!ended) {
		close(fd);
		fd = -1;
		waitpid(pid, &status, 0);
	}
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	if (fd < 0)
		return;
	EXPECT_EQ(0, dump_read(fd, &r, 1000));
	close(fd);
	/* The first message was filled before the deletion; then only the end. */
	EXPECT_GE(1, r.messages) TH_LOG("%d messages of a deleted device", r.messages);
	EXPECT_TRUE(r.ended);
	EXPECT_EQ(-ENODEV, r.error) TH_LOG("%s", r.message);
}

/* The device moved to another namespace in the middle of a dump: the next message fails. */
TEST_F_TIMEOUT(config, dump_of_a_moved_device_ends, 120)
{
	struct dump_result r = { 0 };
	int fd;

	build_peers(&self->c, 1, 200);
	ASSERT_EQ(0, mt_conf_set(&self->g, &self->c)) TH_LOG("%s", self->g.message);
	fd = dump_start(&self->g, "mtc0");
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, dump_read(fd, &r, 2));
	ASSERT_EQ(2, r.messages);
	ASSERT_FALSE(r.ended);

	system("ip netns del mtcm 2>/dev/null");
	ASSERT_EQ(0, system("ip netns add mtcm && ip link set mtc0 netns mtcm"));
	EXPECT_EQ(0, dump_read(fd, &r, 1000));
	close(fd);
	/* At most the message filled ahead while the second was read. */
	EXPECT_GE(3, r.messages) TH_LOG("%d messages from a device in another namespace",
					r.messages);
	EXPECT_TRUE(r.ended);
	EXPECT_EQ(-ENODEV, r.error);
	EXPECT_NE(NULL, strstr(r.message, "network namespace")) TH_LOG("%s", r.message);
	/* It is still there, configured, where it went. */
	EXPECT_EQ(0, system("ip -n mtcm link show mtc0 >/dev/null"));
	system("ip netns del mtcm");
}

/*
 * A device in a namespace being deleted while a dump of it waits unread:
 * the namespace's teardown (cleanup_net(), one worker for the whole host)
 * must not wait for the dump. A veth peer in a second namespace, deleted
 * after it, shows the teardown got through: its other end here goes too.
 */
TEST_F_TIMEOUT(config, unread_dump_does_not_stall_namespace_teardown, 120)
{
	struct dump_result r = { 0 };
	bool gone = false;
	int fd, i;

	build_peers(&self->c, 1, 200);
	ASSERT_EQ(0, mt_conf_set(&self->g, &self->c)) TH_LOG("%s", self->g.message);
	fd = dump_start(&self->g, "mtc0");
	ASSERT_LE(0, fd);

	system("ip netns del mtcb 2>/dev/null; ip netns del mtcd 2>/dev/null;"
	       "ip link del mtcv0 2>/dev/null");
	ASSERT_EQ(0, system("ip netns add mtcb && ip link set mtc0 netns mtcb &&"
			    "ip netns add mtcd &&"
			    "ip link add mtcv0 type veth peer name mtcv1 netns mtcd"));
	ASSERT_EQ(0, system("ip netns del mtcb && ip netns del mtcd"));
	for (i = 0; i < 400 && !gone; i++) {
		gone = !if_nametoindex("mtcv0");
		if (!gone)
			usleep(50 * 1000);
	}
	EXPECT_TRUE(gone) TH_LOG("namespace teardown waits for the unread dump");
	if (!gone) {
		/* Let the teardown finish before the next test. */
		close(fd);
		for (i = 0; i < 600 && if_nametoindex("mtcv0"); i++)
			usleep(50 * 1000);
		return;
	}
	EXPECT_EQ(0, dump_read(fd, &r, 1000));
	close(fd);
	EXPECT_GE(1, r.messages);
	EXPECT_TRUE(r.ended);
	EXPECT_EQ(-ENODEV, r.error) TH_LOG("%s", r.message);
}

/*
 * A change between two messages ends the dump: the next message is
 * flagged and is its last. Here the peer the dump is in the middle of
 * goes (and is freed, with its allowed IPs) between two messages: the
 * dump must not follow its place there (KASAN on the debug kernel), nor
 * go on with the other peers.
 */
TEST_F_TIMEOUT(config, interrupted_dump_ends_flagged, 120)
{
	struct dump_result r = { 0 };
	struct mt_peer_conf *p;
	unsigned int i;
	int fd, before;

	/* One peer with 1000 allowed IPs spans several messages. */
	p = add_peer(&self->c, 1);
	for (i = 0; i < 1000; i++) {
		struct mt_allowedip *ip = mt_conf_add_allowedip(p);

		ip->family = AF_INET;
		ip->addr[0] = 10;
		ip->addr[1] = (uint8_t)(i >> 8);
		ip->addr[2] = (uint8_t)i;
		ip->cidr = 24;
	}
	build_peers(&self->c, 2, 50);
	ASSERT_EQ(0, mt_conf_set(&self->g, &self->c)) TH_LOG("%s", self->g.message);
	fd = dump_start(&self->g, "mtc0");
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, dump_read(fd, &r, 2));
	ASSERT_FALSE(r.ended);
	EXPECT_EQ(0, r.interrupted);
	before = r.messages;

	mt_conf_free(&self->c);
	memset(&self->c, 0, sizeof(self->c));
	strcpy(self->c.ifname, "mtc0");
	add_peer(&self->c, 1)->flags = MESHTUN_PEER_F_REMOVE_ME;
	ASSERT_EQ(0, mt_conf_set(&self->g, &self->c)) TH_LOG("%s", self->g.message);

	EXPECT_EQ(0, dump_read(fd, &r, 1000));
	close(fd);
	EXPECT_TRUE(r.ended);
	EXPECT_EQ(0, r.error) TH_LOG("%s", r.message);
	EXPECT_EQ(1, r.interrupted);
	EXPECT_TRUE(r.last_interrupted);
	/* At most the message filled ahead, then the flagged one. */
	EXPECT_GE(before + 2, r.messages) TH_LOG("%d messages after the change",
						 r.messages - before);
	EXPECT_GT(1000, r.allowedips) TH_LOG("%d allowed IPs", r.allowedips);
}

/* Seconds to dump mtc0 to its end, with 4 KiB reads; *ips gets the allowed IPs. */
static double time_dump(const struct mt_netlink *g, int *ips)
{
	struct dump_result r = { 0 };
	struct timespec t0, t1;
	int fd = dump_start(g, "mtc0");

	*ips = -1;
	if (fd < 0)
		return -1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (dump_read_sized(fd, &r, 1 << 30, 4096) || !r.ended || r.error || r.interrupted) {
		close(fd);
		return -1;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	close(fd);
	*ips = r.allowedips;
	return (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
}

/* The allowed IPs 10.x.y.z/32 numbered from first to first + n - 1, for peer 1. */
static void add_many_ips(struct mt_device_conf *c, unsigned int first, unsigned int n)
{
	struct mt_peer_conf *p = add_peer(c, 1);
	unsigned int i;

	for (i = first; i < first + n; i++) {
		struct mt_allowedip *ip = mt_conf_add_allowedip(p);

		ip->family = AF_INET;
		ip->addr[0] = 10;
		ip->addr[1] = (uint8_t)(i >> 16);
		ip->addr[2] = (uint8_t)(i >> 8);
		ip->addr[3] = (uint8_t)i;
		ip->cidr = 32;
	}
}

/*
 * A peer's allowed IPs resume where the last message stopped, in O(1):
 * four times the allowed IPs take about four times as long to dump, not
 * sixteen or more (skipping from the head of the list in each message
 * took 65 times as long). MANY / 10,000 scales it: 50,000 and 200,000
 * on Debian's kernels. The best of three runs each, against noise.
 */
TEST_F_TIMEOUT(config, allowedips_dump_in_linear_time, 600)
{
	unsigned int n = MANY * 5;
	double t1 = 1e9, t4 = 1e9, t;
	int ips, i;

	add_many_ips(&self->c, 0, n);
	ASSERT_EQ(0, mt_conf_set(&self->g, &self->c)) TH_LOG("%s", self->g.message);
	for (i = 0; i < 3; i++) {
		t = time_dump(&self->g, &ips);
		ASSERT_EQ((int)n, ips);
		t1 = t < t1 ? t : t1;
	}
	mt_conf_free(&self->c);
	memset(&self->c, 0, sizeof(self->c));
	strcpy(self->c.ifname, "mtc0");
	add_many_ips(&self->c, n, 3 * n);
	ASSERT_EQ(0, mt_conf_set(&self->g, &self->c)) TH_LOG("%s", self->g.message);
	for (i = 0; i < 3; i++) {
		t = time_dump(&self->g, &ips);
		ASSERT_EQ((int)(4 * n), ips);
		t4 = t < t4 ? t : t4;
	}
	TH_LOG("%u allowed IPs: %.3f s, %u: %.3f s (x%.1f)", n, t1, 4 * n, t4, t4 / t1);
	EXPECT_GT(10.0, t4 / t1);
}

/* ---- hubs: at most MT_MESH_MAX_HUBS (16) per device ---- */

struct hub_peer {
	unsigned int key;
	int hub;		/* 0 or 1; -1: no HUB attribute */
	bool remove;
};

/*
 * A SET request for mtc0 with these peers; *named gets the offset of the
 * HUB attribute of peers[expect], as the kernel's extack gives it.
 */
static struct nl_msg *hub_request(struct mt_netlink *g, const struct hub_peer *peers,
				  unsigned int n, uint32_t flags, unsigned int expect, int *named)
{
	struct nl_msg *msg = mt_netlink_genl_msg(g, MESHTUN_CMD_SET_DEVICE, 0);
	struct nlattr *list, *peer;
	uint8_t key[32];
	unsigned int i;

	nla_put_string(msg, MESHTUN_DEVICE_A_IFNAME, "mtc0");
	if (flags)
		nla_put_u32(msg, MESHTUN_DEVICE_A_FLAGS, flags);
	list = nla_nest_start(msg, MESHTUN_DEVICE_A_PEERS);
	for (i = 0; i < n; i++) {
		peer = nla_nest_start(msg, 0);
		peer_key(key, peers[i].key);
		nla_put(msg, MESHTUN_PEER_A_PUBLIC_KEY, 32, key);
		if (peers[i].remove)
			nla_put_u32(msg, MESHTUN_PEER_A_FLAGS, MESHTUN_PEER_F_REMOVE_ME);
		if (i == expect)
			*named = (int)((char *)nlmsg_tail(nlmsg_hdr(msg)) -
				       (char *)nlmsg_hdr(msg));
		if (peers[i].hub >= 0)
			nla_put_u8(msg, MESHTUN_PEER_A_HUB, (uint8_t)peers[i].hub);
		nla_nest_end(msg, peer);
	}
	nla_nest_end(msg, list);
	return msg;
}

static int count_hubs(struct mt_netlink *g)
{
	struct mt_device_conf got;
	int hubs = 0;
	size_t i;

	if (mt_conf_get(g, "mtc0", &got))
		return -1;
	for (i = 0; i < got.n_peers; i++)
		hubs += got.peers[i].hub;
	mt_conf_free(&got);
	return hubs;
}

TEST_F(config, hubs_capped)
{
	struct hub_peer one_more[] = { { 17, 1, false } };
	/* Peer 1 unmarked: room for one; 17 takes it, 19 (new) goes over. */
	struct hub_peer two_more[] = { { 18, -1, false }, { 17, 1, false }, { 19, 1, false },
				       { 1, 0, false } };
	/* Unmarked or removed later in the request: the room counts. */
	struct hub_peer swap[] = { { 17, 1, false }, { 1, 0, false } };
	struct hub_peer removal[] = { { 20, 1, false }, { 2, -1, true } };
	struct hub_peer replace[17];
	char *before, *after;
	int named = -2, ret;
	unsigned int i;

	for (i = 1; i <= 16; i++) {
		struct mt_peer_conf *p = add_peer(&self->c, i);

		p->set_hub = p->hub = true;
	}
	add_peer(&self->c, 17);
	add_peer(&self->c, 18);
	ASSERT_EQ(0, mt_conf_set(&self->g, &self->c)) TH_LOG("%s", self->g.message);
	ASSERT_EQ(16, count_hubs(&self->g));
	before = snapshot(&self->g, "mtc0");

	ret = mt_netlink_request(&self->g, hub_request(&self->g, one_more, 1, 0, 0, &named),
			      NULL, NULL);
	EXPECT_EQ(-E2BIG, ret);
	EXPECT_NE(NULL, strstr(self->g.message, "too many hubs")) TH_LOG("%s", self->g.message);
	EXPECT_EQ(named, self->g.offset) TH_LOG("the HUB attribute is named");
	after = snapshot(&self->g, "mtc0");
	EXPECT_STREQ(before, after);
	free(after);

	ret = mt_netlink_request(&self->g, hub_request(&self->g, two_more, 4, 0, 2, &named),
			      NULL, NULL);
	EXPECT_EQ(-E2BIG, ret);
	EXPECT_EQ(named, self->g.offset) TH_LOG("the first HUB over the limit is named");
	after = snapshot(&self->g, "mtc0");
	EXPECT_STREQ(before, after) TH_LOG("peer 19 was not created, peer 1 kept its mark");
	free(after);

	/* REPLACE_PEERS: 17 hubs are refused, 16 are fine. */
	for (i = 0; i < 17; i++)
		replace[i] = (struct hub_peer){ 100 + i, 1, false };
	ret = mt_netlink_request(&self->g, hub_request(&self->g, replace, 17,
						    MESHTUN_DEVICE_F_REPLACE_PEERS, 16, &named),
			      NULL, NULL);
	EXPECT_EQ(-E2BIG, ret);
	EXPECT_EQ(named, self->g.offset);
	after = snapshot(&self->g, "mtc0");
	EXPECT_STREQ(before, after);
	free(after);
	free(before);

	EXPECT_EQ(0, mt_netlink_request(&self->g, hub_request(&self->g, swap, 2, 0, 0, &named),
				     NULL, NULL)) TH_LOG("%s", self->g.message);
	EXPECT_EQ(16, count_hubs(&self->g));
	EXPECT_EQ(0, mt_netlink_request(&self->g, hub_request(&self->g, removal, 2, 0, 0, &named),
				     NULL, NULL)) TH_LOG("%s", self->g.message);
	EXPECT_EQ(16, count_hubs(&self->g));
	EXPECT_EQ(0, mt_netlink_request(&self->g, hub_request(&self->g, replace, 16,
							   MESHTUN_DEVICE_F_REPLACE_PEERS, 0,
							   &named), NULL, NULL))
		TH_LOG("%s", self->g.message);
	EXPECT_EQ(16, count_hubs(&self->g));
}

TEST_HARNESS_MAIN
