// SPDX-License-Identifier: GPL-2.0
/*
 * conf.c - a meshtun device's configuration, read from and written to the
 * kernel.
 *
 * Reading: GET_DEVICE dumps arrive over several messages; a peer may
 * continue from one message into the next (same public key), its allowed
 * IPs appended. Writing: a configuration larger than one request is split
 * at peer (or allowed-IP) boundaries; only the first request carries the
 * device attributes and REPLACE_PEERS, and a peer continued in a later
 * request loses its REPLACE_ALLOWEDIPS flag there.
 */
#include "conf.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <netlink/genl/genl.h>

/* Room for one SET request; the kernel takes far larger ones. */
#define MT_REQUEST_SIZE (32 * 1024)
#define MT_DUMP_RETRIES 8

static void *grow(void *array, size_t *cap, size_t need, size_t size)
{
	size_t n = *cap ? *cap : 4;
	void *bigger;

	if (need <= *cap)
		return array;
	while (n < need)
		n *= 2;
	bigger = realloc(array, n * size);
	if (!bigger)
		return NULL;
	memset((char *)bigger + *cap * size, 0, (n - *cap) * size);
	*cap = n;
	return bigger;
}

struct mt_peer_conf *mt_conf_add_peer(struct mt_device_conf *conf)
{
	struct mt_peer_conf *peers;

	peers = grow(conf->peers, &conf->cap_peers, conf->n_peers + 1, sizeof(*peers));
	if (!peers)
		return NULL;
	conf->peers = peers;
	return &conf->peers[conf->n_peers++];
}

struct mt_allowedip *mt_conf_add_allowedip(struct mt_peer_conf *peer)
{
	struct mt_allowedip *ips;

	ips = grow(peer->allowedips, &peer->cap_allowedips, peer->n_allowedips + 1,
		   sizeof(*ips));
	if (!ips)
		return NULL;
	peer->allowedips = ips;
	return &peer->allowedips[peer->n_allowedips++];
}

struct mt_peer_conf *mt_conf_find_peer(const struct mt_device_conf *conf, const uint8_t *key)
{
	size_t i;

	for (i = 0; i < conf->n_peers; i++)
		if (!memcmp(conf->peers[i].public_key, key, MESHTUN_KEY_LEN))
			return &conf->peers[i];
	return NULL;
}

static void zero(void *p, size_t len)
{
	explicit_bzero(p, len);
}

void mt_conf_free(struct mt_device_conf *conf)
{
	size_t i;

	for (i = 0; i < conf->n_peers; i++) {
		free(conf->peers[i].allowedips);
		zero(conf->peers[i].preshared_key, MESHTUN_KEY_LEN);
	}
	free(conf->peers);
	zero(conf, sizeof(*conf));
}

/* ---- reading ---- */

static int parse_allowedips(struct mt_peer_conf *peer, struct nlattr *list)
{
	struct nlattr *nest, *tb[MESHTUN_ALLOWEDIP_A_MAX + 1];
	int rem;

	nla_for_each_nested(nest, list, rem) {
		struct mt_allowedip *ip;
		int len;

		if (nla_parse_nested(tb, MESHTUN_ALLOWEDIP_A_MAX, nest, NULL) < 0 ||
		    !tb[MESHTUN_ALLOWEDIP_A_FAMILY] || !tb[MESHTUN_ALLOWEDIP_A_IPADDR] ||
		    !tb[MESHTUN_ALLOWEDIP_A_CIDR_MASK])
			return -EBADMSG;
		ip = mt_conf_add_allowedip(peer);
		if (!ip)
			return -ENOMEM;
		ip->family = nla_get_u16(tb[MESHTUN_ALLOWEDIP_A_FAMILY]);
		len = nla_len(tb[MESHTUN_ALLOWEDIP_A_IPADDR]);
		if ((ip->family != AF_INET || len != 4) && (ip->family != AF_INET6 || len != 16))
			return -EBADMSG;
		memcpy(ip->addr, nla_data(tb[MESHTUN_ALLOWEDIP_A_IPADDR]), len);
		ip->cidr = nla_get_u8(tb[MESHTUN_ALLOWEDIP_A_CIDR_MASK]);
	}
	return 0;
}

static int parse_peer(struct mt_device_conf *conf, struct nlattr *nest)
{
	struct nlattr *tb[MESHTUN_PEER_A_MAX + 1];
	struct mt_peer_conf *peer;
	struct nlattr *a;

	if (nla_parse_nested(tb, MESHTUN_PEER_A_MAX, nest, NULL) < 0 ||
	    !tb[MESHTUN_PEER_A_PUBLIC_KEY] ||
	    nla_len(tb[MESHTUN_PEER_A_PUBLIC_KEY]) != MESHTUN_KEY_LEN)
		return -EBADMSG;
	/* A peer continued from the previous message is the last one. */
	peer = conf->n_peers ? &conf->peers[conf->n_peers - 1] : NULL;
	if (!peer || memcmp(peer->public_key, nla_data(tb[MESHTUN_PEER_A_PUBLIC_KEY]),
			    MESHTUN_KEY_LEN)) {
		peer = mt_conf_add_peer(conf);
		if (!peer)
			return -ENOMEM;
		memcpy(peer->public_key, nla_data(tb[MESHTUN_PEER_A_PUBLIC_KEY]),
		       MESHTUN_KEY_LEN);
		peer->set_preshared_key = true;
		peer->set_keepalive = true;
		peer->set_hub = true;
	}
	a = tb[MESHTUN_PEER_A_PRESHARED_KEY];
	if (a && nla_len(a) == MESHTUN_KEY_LEN)
		memcpy(peer->preshared_key, nla_data(a), MESHTUN_KEY_LEN);
	a = tb[MESHTUN_PEER_A_ENDPOINT];
	if (a && nla_len(a) <= (int)sizeof(peer->endpoint)) {
		memcpy(&peer->endpoint, nla_data(a), nla_len(a));
		peer->set_endpoint = true;
	}
	if (tb[MESHTUN_PEER_A_PERSISTENT_KEEPALIVE_INTERVAL])
		peer->keepalive = nla_get_u16(tb[MESHTUN_PEER_A_PERSISTENT_KEEPALIVE_INTERVAL]);
	a = tb[MESHTUN_PEER_A_LAST_HANDSHAKE_TIME];
	if (a && nla_len(a) == 16) {
		int64_t ts[2];

		memcpy(ts, nla_data(a), sizeof(ts));
		peer->last_handshake.tv_sec = ts[0];
		peer->last_handshake.tv_nsec = ts[1];
	}
	if (tb[MESHTUN_PEER_A_RX_BYTES])
		peer->rx_bytes = nla_get_u64(tb[MESHTUN_PEER_A_RX_BYTES]);
	if (tb[MESHTUN_PEER_A_TX_BYTES])
		peer->tx_bytes = nla_get_u64(tb[MESHTUN_PEER_A_TX_BYTES]);
	if (tb[MESHTUN_PEER_A_PROTOCOL_VERSION])
		peer->protocol_version = nla_get_u32(tb[MESHTUN_PEER_A_PROTOCOL_VERSION]);
	if (tb[MESHTUN_PEER_A_HUB])
		peer->hub = nla_get_u8(tb[MESHTUN_PEER_A_HUB]);
	if (tb[MESHTUN_PEER_A_MESH])
		peer->mesh = nla_get_u8(tb[MESHTUN_PEER_A_MESH]);
	if (tb[MESHTUN_PEER_A_PATH])
		peer->path = nla_get_u8(tb[MESHTUN_PEER_A_PATH]);
	a = tb[MESHTUN_PEER_A_RELAY_HUB];
	if (a && nla_len(a) == MESHTUN_KEY_LEN) {
		memcpy(peer->relay_hub, nla_data(a), MESHTUN_KEY_LEN);
		peer->has_relay_hub = true;
	}
	if (tb[MESHTUN_PEER_A_ALLOWEDIPS])
		return parse_allowedips(peer, tb[MESHTUN_PEER_A_ALLOWEDIPS]);
	return 0;
}

static int parse_get_reply(struct nl_msg *msg, void *arg)
{
	struct nlattr *tb[MESHTUN_DEVICE_A_MAX + 1], *nest;
	struct mt_device_conf *conf = arg;
	struct nlattr *a;
	int rem, ret;

	if (genlmsg_parse(nlmsg_hdr(msg), 0, tb, MESHTUN_DEVICE_A_MAX, NULL) < 0)
		return -EBADMSG;
	if (tb[MESHTUN_DEVICE_A_IFINDEX])
		conf->ifindex = nla_get_u32(tb[MESHTUN_DEVICE_A_IFINDEX]);
	if (tb[MESHTUN_DEVICE_A_IFNAME])
		nla_strlcpy(conf->ifname, tb[MESHTUN_DEVICE_A_IFNAME], sizeof(conf->ifname));
	a = tb[MESHTUN_DEVICE_A_PRIVATE_KEY];
	if (a && nla_len(a) == MESHTUN_KEY_LEN)
		memcpy(conf->private_key, nla_data(a), MESHTUN_KEY_LEN);
	a = tb[MESHTUN_DEVICE_A_PUBLIC_KEY];
	if (a && nla_len(a) == MESHTUN_KEY_LEN) {
		memcpy(conf->public_key, nla_data(a), MESHTUN_KEY_LEN);
		conf->has_public_key = true;
	}
	if (tb[MESHTUN_DEVICE_A_LISTEN_PORT])
		conf->listen_port = nla_get_u16(tb[MESHTUN_DEVICE_A_LISTEN_PORT]);
	if (tb[MESHTUN_DEVICE_A_FWMARK])
		conf->fwmark = nla_get_u32(tb[MESHTUN_DEVICE_A_FWMARK]);
	if (tb[MESHTUN_DEVICE_A_RELAY])
		conf->relay = nla_get_u8(tb[MESHTUN_DEVICE_A_RELAY]);
	if (!tb[MESHTUN_DEVICE_A_PEERS])
		return 0;
	nla_for_each_nested(nest, tb[MESHTUN_DEVICE_A_PEERS], rem) {
		ret = parse_peer(conf, nest);
		if (ret)
			return ret;
	}
	return 0;
}

int mt_conf_get(struct mt_netlink *g, const char *ifname, struct mt_device_conf *conf)
{
	int tries, ret = -EINTR;

	for (tries = 0; tries < MT_DUMP_RETRIES && ret == -EINTR; tries++) {
		struct nl_msg *msg;

		memset(conf, 0, sizeof(*conf));
		msg = mt_netlink_genl_msg(g, MESHTUN_CMD_GET_DEVICE, NLM_F_DUMP);
		if (!msg || nla_put_string(msg, MESHTUN_DEVICE_A_IFNAME, ifname) < 0) {
			nlmsg_free(msg);
			return -ENOMEM;
		}
		ret = mt_netlink_request(g, msg, parse_get_reply, conf);
		if (ret)
			mt_conf_free(conf);
	}
	if (!ret) {
		conf->set_private_key = true;
		conf->set_listen_port = true;
		conf->set_fwmark = true;
		conf->set_relay = true;
	}
	return ret;
}

/* ---- writing ---- */

struct request {
	struct nl_msg *msg;
	struct nlattr *peers;
	bool first;
};

static int start_request(struct mt_netlink *g, const struct mt_device_conf *conf,
			 struct request *req)
{
	struct nl_msg *msg = nlmsg_alloc_size(MT_REQUEST_SIZE);

	req->msg = msg;
	req->peers = NULL;
	if (!msg || !genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, g->family_id, 0, NLM_F_ACK,
				 MESHTUN_CMD_SET_DEVICE, MESHTUN_GENL_VERSION))
		return -ENOMEM;
	if (conf->ifindex ? nla_put_u32(msg, MESHTUN_DEVICE_A_IFINDEX, conf->ifindex) :
			    nla_put_string(msg, MESHTUN_DEVICE_A_IFNAME, conf->ifname))
		return -ENOMEM;
	if (!req->first)
		return 0;
	if ((conf->set_private_key &&
	     nla_put(msg, MESHTUN_DEVICE_A_PRIVATE_KEY, MESHTUN_KEY_LEN, conf->private_key)) ||
	    (conf->set_listen_port &&
	     nla_put_u16(msg, MESHTUN_DEVICE_A_LISTEN_PORT, conf->listen_port)) ||
	    (conf->set_fwmark && nla_put_u32(msg, MESHTUN_DEVICE_A_FWMARK, conf->fwmark)) ||
	    (conf->set_relay && nla_put_u8(msg, MESHTUN_DEVICE_A_RELAY, conf->relay)) ||
	    (conf->flags && nla_put_u32(msg, MESHTUN_DEVICE_A_FLAGS, conf->flags)))
		return -ENOMEM;
	return 0;
}

static int put_allowedip(struct nl_msg *msg, const struct mt_allowedip *ip)
{
	struct nlattr *nest = nla_nest_start(msg, 0);

	if (!nest)
		return -ENOSPC;
	if (nla_put_u16(msg, MESHTUN_ALLOWEDIP_A_FAMILY, ip->family) ||
	    nla_put(msg, MESHTUN_ALLOWEDIP_A_IPADDR, ip->family == AF_INET ? 4 : 16, ip->addr) ||
	    nla_put_u8(msg, MESHTUN_ALLOWEDIP_A_CIDR_MASK, ip->cidr) ||
	    (ip->remove && nla_put_u32(msg, MESHTUN_ALLOWEDIP_A_FLAGS,
				       MESHTUN_ALLOWEDIP_F_REMOVE_ME))) {
		nla_nest_cancel(msg, nest);
		return -ENOSPC;
	}
	nla_nest_end(msg, nest);
	return 0;
}

/*
 * Put as much of a peer as fits, from allowed IP *next_ip on. Returns 0
 * when the peer is complete, -ENOSPC when the request is full.
 */
static int put_peer(struct request *req, const struct mt_peer_conf *peer, size_t *next_ip)
{
	struct nl_msg *msg = req->msg;
	bool continued = *next_ip > 0;
	struct nlattr *nest, *ips;
	uint32_t flags = peer->flags;
	size_t start = *next_ip;

	if (continued)
		flags &= ~MESHTUN_PEER_F_REPLACE_ALLOWEDIPS;
	nest = nla_nest_start(msg, 0);
	if (!nest)
		return -ENOSPC;
	if (nla_put(msg, MESHTUN_PEER_A_PUBLIC_KEY, MESHTUN_KEY_LEN, peer->public_key) ||
	    (flags && nla_put_u32(msg, MESHTUN_PEER_A_FLAGS, flags)))
		goto full;
	if (!continued && !(peer->flags & MESHTUN_PEER_F_REMOVE_ME)) {
		if ((peer->set_preshared_key &&
		     nla_put(msg, MESHTUN_PEER_A_PRESHARED_KEY, MESHTUN_KEY_LEN,
			     peer->preshared_key)) ||
		    (peer->set_endpoint &&
		     nla_put(msg, MESHTUN_PEER_A_ENDPOINT,
			     peer->endpoint.sa.sa_family == AF_INET ?
			     sizeof(peer->endpoint.sin) : sizeof(peer->endpoint.sin6),
			     &peer->endpoint)) ||
		    (peer->set_keepalive &&
		     nla_put_u16(msg, MESHTUN_PEER_A_PERSISTENT_KEEPALIVE_INTERVAL,
				 peer->keepalive)) ||
		    (peer->set_hub && nla_put_u8(msg, MESHTUN_PEER_A_HUB, peer->hub)))
			goto full;
	}
	if (peer->n_allowedips && !(peer->flags & MESHTUN_PEER_F_REMOVE_ME)) {
		ips = nla_nest_start(msg, MESHTUN_PEER_A_ALLOWEDIPS);
		if (!ips)
			goto full;
		for (; *next_ip < peer->n_allowedips; (*next_ip)++) {
			if (put_allowedip(msg, &peer->allowedips[*next_ip]))
				break;
		}
		nla_nest_end(msg, ips);
		if (*next_ip < peer->n_allowedips) {
			/* Not even one allowed IP fit: the peer goes whole into the next. */
			if (*next_ip == start)
				goto full;
			nla_nest_end(msg, nest);
			return -ENOSPC;
		}
	}
	nla_nest_end(msg, nest);
	*next_ip = 0;
	return 0;
full:
	*next_ip = start;
	nla_nest_cancel(msg, nest);
	return -ENOSPC;
}

static int send_request(struct mt_netlink *g, struct request *req)
{
	struct nl_msg *msg = req->msg;

	if (req->peers)
		nla_nest_end(msg, req->peers);
	req->msg = NULL;
	return mt_netlink_request(g, msg, NULL, NULL);
}

int mt_conf_set(struct mt_netlink *g, const struct mt_device_conf *conf)
{
	struct request req = { .first = true };
	size_t p = 0, next_ip = 0;
	bool progress;
	int ret;

	do {
		ret = start_request(g, conf, &req);
		if (ret)
			goto out;
		progress = req.first;
		if (p < conf->n_peers) {
			req.peers = nla_nest_start(req.msg, MESHTUN_DEVICE_A_PEERS);
			if (!req.peers) {
				ret = -ENOMEM;
				goto out;
			}
		}
		while (p < conf->n_peers) {
			size_t before = next_ip;

			ret = put_peer(&req, &conf->peers[p], &next_ip);
			if (ret == 0) {
				p++;
				progress = true;
				continue;
			}
			if (next_ip != before)
				progress = true;
			break;
		}
		if (!progress) {
			/* One peer alone does not fit an empty request. */
			ret = -E2BIG;
			goto out;
		}
		ret = send_request(g, &req);
		if (ret)
			goto out;
		req.first = false;
	} while (p < conf->n_peers);
out:
	nlmsg_free(req.msg);
	return ret;
}
