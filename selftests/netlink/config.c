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
#include <linux/meshtun.h>
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
static char *snapshot(struct mt_genl *g, const char *dev)
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
	struct mt_genl g;
	struct mt_device_conf c;
};

FIXTURE_SETUP(config)
{
	link_del("mtc0");
	ASSERT_EQ(0, link_add("mtc0"));
	ASSERT_EQ(0, mt_genl_open(&self->g));
	memset(&self->c, 0, sizeof(self->c));
	strcpy(self->c.ifname, "mtc0");
}

FIXTURE_TEARDOWN(config)
{
	mt_conf_free(&self->c);
	mt_genl_close(&self->g);
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
static struct nl_msg *bad_request(struct mt_genl *g, const struct bad_case *bc)
{
	struct nl_msg *msg = mt_genl_msg(g, MESHTUN_CMD_SET_DEVICE, 0);
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
	struct mt_genl g;
	char byte = 0;
	int ret;

	if (enter_user_namespace())
		return 10;
	if (unshare(CLONE_NEWNET))
		return 12;
	if (write(ready_fd, &byte, 1) != 1 || read(moved_fd, &byte, 1) != 1)
		return 13;
	if (mt_genl_open(&g))
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
	mt_genl_close(&g);
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
		int ret = mt_genl_request(&self->g, bad_request(&self->g, bc), NULL, NULL);

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
	struct mt_genl g;
	unsigned int salt = 2;

	if (mt_genl_open(&g)) {
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
	mt_genl_close(&g);
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

TEST_HARNESS_MAIN
