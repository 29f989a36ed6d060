// SPDX-License-Identifier: GPL-2.0
/*
 * cmd_set.c - `mtctl set` (wg(8)'s words) and `mtctl setconf`, `addconf`
 * and `syncconf` (a configuration file: the whole configuration, added
 * to what is there, or only what differs from it).
 */
#include "cli.h"
#include "conf.h"
#include "netlink.h"
#include "ini.h"
#include "key.h"
#include "parse.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A key from a file; an empty file (e.g. /dev/null) means "no key". */
static int key_file(struct mt_cli *cli, uint8_t key[32], const char *path, const char *what)
{
	FILE *f = fopen(path, "r");
	int c, ret;

	if (!f)
		return mt_cli_fail(cli, -errno, "%s \"%s\": %s", what, path, strerror(errno));
	c = fgetc(f);
	fclose(f);
	if (c == EOF) {
		memset(key, 0, 32);
		return 0;
	}
	ret = mt_key_read_file(key, path);
	if (ret)
		return mt_cli_fail(cli, ret, "%s \"%s\": %s", what, path,
				   ret == -EINVAL ? "not a base64 key of 32 bytes" : strerror(-ret));
	return 0;
}

static int parse_allowedips_word(struct mt_cli *cli, struct mt_peer_conf *peer, char *word)
{
	char *save = NULL, *item;
	int plain = 0, signed_items = 0;
	const char *why = NULL;

	for (item = strtok_r(word, ",", &save); item; item = strtok_r(NULL, ",", &save)) {
		struct mt_allowedip *ip;
		bool remove = false;
		const char *text = item;

		if (*text == '+' || *text == '-') {
			remove = *text == '-';
			text++;
			signed_items++;
		} else {
			plain++;
		}
		if (plain && signed_items)
			return mt_cli_fail_word(cli, item, "mix of plain and +/- allowed IPs");
		ip = mt_conf_add_allowedip(peer);
		if (!ip)
			return mt_cli_fail(cli, -ENOMEM, "out of memory");
		if (mt_parse_cidr(ip, text, &why))
			return mt_cli_fail_word(cli, item, why);
		ip->remove = remove;
	}
	/* A plain list replaces the peer's allowed IPs; +/- edit them. */
	if (plain || (!plain && !signed_items))
		peer->flags |= MESHTUN_PEER_F_REPLACE_ALLOWEDIPS;
	return 0;
}

static int parse_set(struct mt_cli *cli, struct mt_device_conf *c, int argc, char **argv)
{
	struct mt_peer_conf *peer = NULL;
	const char *why = NULL;
	int i, ret;

	for (i = 0; i < argc; i++) {
		const char *w = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (!strcmp(w, "remove") && peer) {
			peer->flags |= MESHTUN_PEER_F_REMOVE_ME;
			continue;
		}
		if (!v)
			return mt_cli_fail_word(cli, w, "missing value or unknown word");
		i++;
		if (!strcmp(w, "peer")) {
			peer = mt_conf_add_peer(c);
			if (!peer)
				return mt_cli_fail(cli, -ENOMEM, "out of memory");
			if (!mt_key_from_base64(peer->public_key, v))
				return mt_cli_fail_word(cli, v, "not a base64 public key");
		} else if (!peer && !strcmp(w, "private-key")) {
			ret = key_file(cli, c->private_key, v, "private-key");
			if (ret)
				return ret;
			c->set_private_key = true;
		} else if (!peer && !strcmp(w, "listen-port")) {
			if (mt_parse_u16(&c->listen_port, v))
				return mt_cli_fail_word(cli, v, "not a port (0 to 65535)");
			c->set_listen_port = true;
		} else if (!peer && !strcmp(w, "fwmark")) {
			if (mt_parse_fwmark(&c->fwmark, v))
				return mt_cli_fail_word(cli, v, "not a mark (a 32-bit number or off)");
			c->set_fwmark = true;
		} else if (!peer && !strcmp(w, "relay")) {
			if (mt_parse_switch(&c->relay, v))
				return mt_cli_fail_word(cli, v, "not on or off");
			c->set_relay = true;
		} else if (peer && !strcmp(w, "preshared-key")) {
			ret = key_file(cli, peer->preshared_key, v, "preshared-key");
			if (ret)
				return ret;
			peer->set_preshared_key = true;
		} else if (peer && !strcmp(w, "endpoint")) {
			if (mt_parse_endpoint(&peer->endpoint, v, &why))
				return mt_cli_fail_word(cli, v, why);
			peer->set_endpoint = true;
		} else if (peer && !strcmp(w, "persistent-keepalive")) {
			if (mt_parse_keepalive(&peer->keepalive, v))
				return mt_cli_fail_word(cli, v, "not 0 to 65535 seconds or off");
			peer->set_keepalive = true;
		} else if (peer && !strcmp(w, "hub")) {
			if (mt_parse_switch(&peer->hub, v))
				return mt_cli_fail_word(cli, v, "not on or off");
			peer->set_hub = true;
		} else if (peer && !strcmp(w, "allowed-ips")) {
			char *copy = strdup(v);

			if (!copy)
				return mt_cli_fail(cli, -ENOMEM, "out of memory");
			ret = parse_allowedips_word(cli, peer, copy);
			free(copy);
			if (ret)
				return ret;
		} else {
			return mt_cli_fail_word(cli, w, peer ? "not a peer setting" : "not a device setting");
		}
	}
	return 0;
}

int mt_cmd_set(struct mt_cli *cli, int argc, char **argv)
{
	struct mt_device_conf c = { 0 };
	const char *dev = mt_cli_dev(cli, argc, argv);
	int ret;

	if (!dev)
		return -EINVAL;
	snprintf(c.ifname, sizeof(c.ifname), "%s", dev);
	ret = parse_set(cli, &c, argc - 2, argv + 2);
	if (!ret) {
		ret = mt_conf_set(cli->genl, &c);
		if (ret)
			mt_cli_fail_request(cli, dev, ret);
	}
	mt_conf_free(&c);
	return ret;
}

/* ---- setconf, addconf, syncconf ---- */

static bool same_allowedips(const struct mt_peer_conf *a, const struct mt_peer_conf *b)
{
	size_t i, j;

	if (a->n_allowedips != b->n_allowedips)
		return false;
	for (i = 0; i < a->n_allowedips; i++) {
		for (j = 0; j < b->n_allowedips; j++)
			if (a->allowedips[i].family == b->allowedips[j].family &&
			    a->allowedips[i].cidr == b->allowedips[j].cidr &&
			    !memcmp(a->allowedips[i].addr, b->allowedips[j].addr, 16))
				break;
		if (j == b->n_allowedips)
			return false;
	}
	return true;
}

/* Host bits off, as the kernel keeps them, so comparisons are fair. */
static void mask_allowedips(struct mt_device_conf *c)
{
	size_t i, j, b;

	for (i = 0; i < c->n_peers; i++)
		for (j = 0; j < c->peers[i].n_allowedips; j++) {
			struct mt_allowedip *ip = &c->peers[i].allowedips[j];

			for (b = ip->cidr; b < 128; b++)
				ip->addr[b / 8] &= ~(0x80 >> (b % 8));
		}
}

/* Turn the file's configuration into only what differs from the device's. */
static void sync_diff(struct mt_device_conf *want, const struct mt_device_conf *have)
{
	size_t i, n = want->n_peers;

	mask_allowedips(want);
	if (want->set_private_key && !memcmp(want->private_key, have->private_key, 32))
		want->set_private_key = false;
	if (want->set_listen_port && want->listen_port == have->listen_port)
		want->set_listen_port = false;
	if (want->set_fwmark && want->fwmark == have->fwmark)
		want->set_fwmark = false;
	/* The file is the whole configuration: no Relay key means relay off. */
	want->set_relay = want->relay != have->relay;
	for (i = 0; i < n; i++) {
		struct mt_peer_conf *p = &want->peers[i];
		const struct mt_peer_conf *cur = mt_conf_find_peer(have, p->public_key);

		if (!cur) {
			p->set_preshared_key = p->set_keepalive = p->set_hub = true;
			continue;
		}
		p->set_preshared_key = !!memcmp(p->preshared_key, cur->preshared_key, 32);
		p->set_keepalive = p->keepalive != cur->keepalive;
		p->set_hub = p->hub != cur->hub;
		if (p->set_endpoint && !memcmp(&p->endpoint, &cur->endpoint, sizeof(p->endpoint)))
			p->set_endpoint = false;
		if (same_allowedips(p, cur))
			p->n_allowedips = 0;
		else
			p->flags |= MESHTUN_PEER_F_REPLACE_ALLOWEDIPS;
	}
	for (i = 0; i < have->n_peers; i++) {
		struct mt_peer_conf *gone;

		if (mt_conf_find_peer(want, have->peers[i].public_key))
			continue;
		gone = mt_conf_add_peer(want);
		if (!gone)
			continue;
		memcpy(gone->public_key, have->peers[i].public_key, 32);
		gone->flags = MESHTUN_PEER_F_REMOVE_ME;
	}
	/* Peers with nothing to change need not be sent. */
	for (i = 0; i < want->n_peers;) {
		struct mt_peer_conf *p = &want->peers[i];

		if (!p->flags && !p->set_preshared_key && !p->set_keepalive && !p->set_hub &&
		    !p->set_endpoint && !p->n_allowedips && mt_conf_find_peer(have, p->public_key)) {
			free(p->allowedips);
			explicit_bzero(p->preshared_key, 32);
			memmove(p, p + 1, (want->n_peers - i - 1) * sizeof(*p));
			want->n_peers--;
			continue;
		}
		i++;
	}
}

/* setconf, addconf and syncconf: the same file, applied three ways. */
int mt_cmd_conf(struct mt_cli *cli, int argc, char **argv)
{
	struct mt_device_conf want = { 0 }, have;
	const char *dev = mt_cli_dev(cli, argc, argv);
	const char *cmd = cli->cmd;
	char err[512];
	size_t i;
	int ret;

	if (!dev)
		return -EINVAL;
	if (argc != 3)
		return mt_cli_fail(cli, -EINVAL, "expected \"dev DEV FILE\"");
	ret = mt_ini_read(argv[2], &want, NULL, err, sizeof(err));
	if (ret) {
		mt_conf_free(&want);
		return mt_cli_fail(cli, ret, "%s", ret == -ENOMEM ? "out of memory" : err);
	}
	snprintf(want.ifname, sizeof(want.ifname), "%s", dev);
	if (!strcmp(cmd, "setconf")) {
		/* The file is the whole configuration: unnamed peers go, and named
		 * ones get exactly what the file says.
		 */
		want.flags = MESHTUN_DEVICE_F_REPLACE_PEERS;
		want.set_relay = true;
		for (i = 0; i < want.n_peers; i++) {
			want.peers[i].flags |= MESHTUN_PEER_F_REPLACE_ALLOWEDIPS;
			want.peers[i].set_preshared_key = true;
			want.peers[i].set_keepalive = true;
			want.peers[i].set_hub = true;
		}
	} else if (!strcmp(cmd, "syncconf")) {
		ret = mt_conf_get(cli->genl, dev, &have);
		if (ret) {
			mt_conf_free(&want);
			return mt_cli_fail_request(cli, dev, ret);
		}
		sync_diff(&want, &have);
		mt_conf_free(&have);
	}
	ret = mt_conf_set(cli->genl, &want);
	mt_conf_free(&want);
	return ret ? mt_cli_fail_request(cli, dev, ret) : 0;
}
