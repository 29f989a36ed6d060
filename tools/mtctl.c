// SPDX-License-Identifier: GPL-2.0
/*
 * mtctl - configure meshtun devices.
 *
 *   mtctl [-j] show [dev DEV] [FIELD]
 *   mtctl showconf dev DEV
 *   mtctl set dev DEV [private-key FILE] [listen-port N] [fwmark M|off] [relay on|off]
 *             [peer KEY [remove] [preshared-key FILE] [endpoint HOST:PORT]
 *              [persistent-keepalive N|off] [hub on|off] [allowed-ips [+|-]CIDR[,...]]]...
 *   mtctl setconf|addconf|syncconf dev DEV FILE
 *   mtctl up|down FILE|NAME
 *   mtctl genkey | genpsk | pubkey
 *
 * Errors name the word (or file, line and key) that could not be used and
 * show the kernel's extended acknowledgement; the exit status is non-zero
 * on any failure. Keys read from files are zeroed after use; private keys
 * are printed only by showconf.
 */
#include "conf.h"
#include "genl.h"
#include "ini.h"
#include "key.h"
#include "parse.h"
#include "up.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <netlink/route/link.h>

#define MTCTL_VERSION "0.1.0"

static const char *prog = "mtctl";
static bool json;

static void usage(FILE *out)
{
	fprintf(out,
		"usage: %s [-j] show [dev DEV] [public-key | private-key | listen-port | fwmark |\n"
		"                 peers | preshared-keys | endpoints | allowed-ips | handshakes |\n"
		"                 transfer | persistent-keepalive | hubs | paths | dump]\n"
		"       %s showconf dev DEV\n"
		"       %s set dev DEV [private-key FILE] [listen-port N] [fwmark M|off]\n"
		"                [relay on|off]\n"
		"                [peer KEY [remove] [preshared-key FILE] [endpoint HOST:PORT]\n"
		"                 [persistent-keepalive N|off] [hub on|off]\n"
		"                 [allowed-ips [+|-]CIDR[,...]]]...\n"
		"       %s setconf | addconf | syncconf dev DEV FILE\n"
		"       %s up | down FILE | NAME\n"
		"       %s genkey | genpsk | pubkey\n"
		"       %s help | --version\n",
		prog, prog, prog, prog, prog, prog, prog);
}

static int fail_request(struct mt_genl *g, const char *what, int err)
{
	fprintf(stderr, "%s: %s: %s%s%s\n", prog, what, strerror(-err),
		g->message[0] ? ": " : "", g->message);
	return 1;
}

static int fail_word(const char *cmd, const char *word, const char *why)
{
	fprintf(stderr, "%s: %s: cannot parse \"%s\"%s%s\n", prog, cmd, word,
		why ? ": " : "", why ? why : "");
	return 1;
}

/* "dev DEV" at argv[0..1], checked; returns the name or NULL. */
static const char *dev_arg(const char *cmd, int argc, char **argv)
{
	if (argc < 2 || strcmp(argv[0], "dev")) {
		fprintf(stderr, "%s: %s: expected \"dev DEV\"%s%s%s\n", prog, cmd,
			argc ? ", not \"" : "", argc ? argv[0] : "", argc ? "\"" : "");
		return NULL;
	}
	if (strlen(argv[1]) >= IFNAMSIZ) {
		fprintf(stderr, "%s: %s: device name \"%s\" is too long\n", prog, cmd, argv[1]);
		return NULL;
	}
	return argv[1];
}

/* ---- show ---- */

/* Names of every meshtun device in this network namespace. */
static int list_devices(char ***names, int *count)
{
	struct nl_cache *cache = NULL;
	struct nl_object *obj;
	struct nl_sock *sk;
	int ret;

	*names = NULL;
	*count = 0;
	sk = nl_socket_alloc();
	if (!sk)
		return -ENOMEM;
	ret = nl_connect(sk, NETLINK_ROUTE);
	if (!ret)
		ret = rtnl_link_alloc_cache(sk, AF_UNSPEC, &cache);
	if (ret) {
		nl_socket_free(sk);
		return -EIO;
	}
	for (obj = nl_cache_get_first(cache); obj; obj = nl_cache_get_next(obj)) {
		struct rtnl_link *link = (struct rtnl_link *)obj;
		const char *type = rtnl_link_get_type(link);
		char **grown;

		if (!type || strcmp(type, "meshtun"))
			continue;
		grown = realloc(*names, (*count + 1) * sizeof(**names));
		if (!grown) {
			ret = -ENOMEM;
			break;
		}
		*names = grown;
		(*names)[*count] = strdup(rtnl_link_get_name(link));
		if (!(*names)[*count]) {
			ret = -ENOMEM;
			break;
		}
		(*count)++;
	}
	nl_cache_free(cache);
	nl_socket_free(sk);
	return ret;
}

static const char *b64(const uint8_t *key, char *buf)
{
	mt_key_to_base64(buf, key);
	return buf;
}

static void print_bytes(uint64_t n)
{
	static const char *const units[] = { "B", "KiB", "MiB", "GiB", "TiB" };
	double v = (double)n;
	unsigned int u = 0;

	while (v >= 1024 && u < 4) {
		v /= 1024;
		u++;
	}
	if (u)
		printf("%.2f %s", v, units[u]);
	else
		printf("%llu B", (unsigned long long)n);
}

static void print_ago(const struct timespec *ts)
{
	long long ago = (long long)time(NULL) - ts->tv_sec;

	if (ago < 0)
		ago = 0;
	if (ago >= 3600)
		printf("%lld hour%s, ", ago / 3600, ago / 3600 == 1 ? "" : "s");
	if (ago >= 60)
		printf("%lld minute%s, ", ago / 60 % 60, ago / 60 % 60 == 1 ? "" : "s");
	printf("%lld second%s ago", ago % 60, ago % 60 == 1 ? "" : "s");
}

static void print_allowedips(const struct mt_peer_conf *p, const char *sep)
{
	char buf[64];
	size_t j;

	if (!p->n_allowedips)
		printf("(none)");
	for (j = 0; j < p->n_allowedips; j++)
		printf("%s%s", j ? sep : "", mt_format_cidr(&p->allowedips[j], buf, sizeof(buf)));
}

static bool has_hubs(const struct mt_device_conf *c)
{
	size_t i;

	for (i = 0; i < c->n_peers; i++)
		if (c->peers[i].hub)
			return true;
	return false;
}

static const char *path_name(const struct mt_peer_conf *p)
{
	switch (p->path) {
	case MESHTUN_PEER_PATH_DIRECT:
		return "direct";
	case MESHTUN_PEER_PATH_RELAYED:
		return "relayed";
	}
	return "none";
}

static const char *mesh_name(const struct mt_peer_conf *p)
{
	switch (p->mesh) {
	case MESHTUN_PEER_MESH_YES:
		return "yes";
	case MESHTUN_PEER_MESH_NO:
		return "no";
	}
	return "unknown";
}

static void show_pretty(const struct mt_device_conf *c)
{
	char key[MT_KEY_B64_LEN + 1], buf[128];
	size_t i;

	printf("interface: %s\n", c->ifname);
	if (c->has_public_key) {
		printf("  public key: %s\n", b64(c->public_key, key));
		printf("  private key: (hidden)\n");
	}
	printf("  listening port: %u\n", c->listen_port);
	if (c->fwmark)
		printf("  fwmark: 0x%x\n", c->fwmark);
	if (c->relay)
		printf("  relay: on (a hub for its peers)\n");
	for (i = 0; i < c->n_peers; i++) {
		const struct mt_peer_conf *p = &c->peers[i];

		printf("\npeer: %s\n", b64(p->public_key, key));
		if (p->hub)
			printf("  hub: yes\n");
		if (!mt_key_is_zero(p->preshared_key))
			printf("  preshared key: (hidden)\n");
		if (p->endpoint.sa.sa_family)
			printf("  endpoint: %s\n", mt_format_endpoint(&p->endpoint, buf, sizeof(buf)));
		/* A mesh's paths; without hubs every path is WireGuard's, straight. */
		if (p->path == MESHTUN_PEER_PATH_RELAYED)
			printf("  path: relayed via %s\n",
			       p->has_relay_hub ? b64(p->relay_hub, buf) : "a hub since removed");
		else if (p->path == MESHTUN_PEER_PATH_DIRECT && has_hubs(c))
			printf("  path: direct\n");
		printf("  allowed ips: ");
		print_allowedips(p, ", ");
		printf("\n");
		if (p->last_handshake.tv_sec) {
			printf("  latest handshake: ");
			print_ago(&p->last_handshake);
			printf("\n");
		}
		if (p->rx_bytes || p->tx_bytes) {
			printf("  transfer: ");
			print_bytes(p->rx_bytes);
			printf(" received, ");
			print_bytes(p->tx_bytes);
			printf(" sent\n");
		}
		if (p->keepalive)
			printf("  persistent keepalive: every %u second%s\n", p->keepalive,
			       p->keepalive == 1 ? "" : "s");
	}
	explicit_bzero(key, sizeof(key));
}

static void json_string(const char *name, const char *value, bool comma)
{
	/* Values here are keys, addresses and interface names: nothing to escape
	 * but quotes and backslashes, which interface names may hold.
	 */
	printf("\"%s\":\"", name);
	for (; *value; value++) {
		if (*value == '"' || *value == '\\')
			putchar('\\');
		if ((unsigned char)*value < 0x20)
			printf("\\u%04x", *value);
		else
			putchar(*value);
	}
	printf("\"%s", comma ? "," : "");
}

static void show_json(const struct mt_device_conf *c)
{
	char key[MT_KEY_B64_LEN + 1], buf[128];
	size_t i, j;

	printf("{");
	json_string("ifname", c->ifname, true);
	printf("\"ifindex\":%u,", c->ifindex);
	if (c->has_public_key)
		json_string("public_key", b64(c->public_key, key), true);
	printf("\"listen_port\":%u,\"fwmark\":%u,\"relay\":%s,\"peers\":[", c->listen_port,
	       c->fwmark, c->relay ? "true" : "false");
	for (i = 0; i < c->n_peers; i++) {
		const struct mt_peer_conf *p = &c->peers[i];

		printf("%s{", i ? "," : "");
		json_string("public_key", b64(p->public_key, key), true);
		printf("\"preshared_key\":%s,", mt_key_is_zero(p->preshared_key) ? "false" : "true");
		if (p->endpoint.sa.sa_family)
			json_string("endpoint", mt_format_endpoint(&p->endpoint, buf, sizeof(buf)), true);
		printf("\"allowed_ips\":[");
		for (j = 0; j < p->n_allowedips; j++)
			printf("%s\"%s\"", j ? "," : "",
			       mt_format_cidr(&p->allowedips[j], buf, sizeof(buf)));
		printf("],\"latest_handshake\":%lld,\"rx_bytes\":%llu,\"tx_bytes\":%llu,"
		       "\"persistent_keepalive\":%u,\"protocol_version\":%u,\"hub\":%s,",
		       (long long)p->last_handshake.tv_sec, (unsigned long long)p->rx_bytes,
		       (unsigned long long)p->tx_bytes, p->keepalive, p->protocol_version,
		       p->hub ? "true" : "false");
		json_string("mesh", mesh_name(p), true);
		if (p->path == MESHTUN_PEER_PATH_RELAYED && p->has_relay_hub)
			json_string("relay_hub", b64(p->relay_hub, buf), true);
		json_string("path", path_name(p), false);
		printf("}");
	}
	printf("]}");
}

static const char *const fields[] = {
	"public-key", "private-key", "listen-port", "fwmark", "peers", "preshared-keys",
	"endpoints", "allowed-ips", "handshakes", "transfer", "persistent-keepalive", "hubs",
	"paths", "dump",
};

/* One field, wg(8)-style: one line per value, tab-separated. */
static void show_field(const struct mt_device_conf *c, const char *field, bool prefix)
{
	char key[MT_KEY_B64_LEN + 1], buf[128];
	const char *pre = prefix ? c->ifname : "";
	const char *tab = prefix ? "\t" : "";
	size_t i;

	if (!strcmp(field, "public-key")) {
		printf("%s%s%s\n", pre, tab, c->has_public_key ? b64(c->public_key, key) : "(none)");
	} else if (!strcmp(field, "private-key")) {
		printf("%s%s%s\n", pre, tab,
		       mt_key_is_zero(c->private_key) ? "(none)" : b64(c->private_key, key));
	} else if (!strcmp(field, "listen-port")) {
		printf("%s%s%u\n", pre, tab, c->listen_port);
	} else if (!strcmp(field, "fwmark")) {
		if (c->fwmark)
			printf("%s%s0x%x\n", pre, tab, c->fwmark);
		else
			printf("%s%soff\n", pre, tab);
	} else if (!strcmp(field, "dump")) {
		printf("%s%s%s\t%s\t%u\t", pre, tab,
		       mt_key_is_zero(c->private_key) ? "(none)" : b64(c->private_key, key),
		       c->has_public_key ? b64(c->public_key, buf) : "(none)", c->listen_port);
		if (c->fwmark)
			printf("0x%x\n", c->fwmark);
		else
			printf("off\n");
	}
	for (i = 0; i < c->n_peers; i++) {
		const struct mt_peer_conf *p = &c->peers[i];

		if (!strcmp(field, "public-key") || !strcmp(field, "private-key") ||
		    !strcmp(field, "listen-port") || !strcmp(field, "fwmark"))
			break;
		printf("%s%s%s", pre, tab, b64(p->public_key, key));
		if (!strcmp(field, "preshared-keys") || !strcmp(field, "dump"))
			printf("\t%s", mt_key_is_zero(p->preshared_key) ? "(none)" :
			       b64(p->preshared_key, key));
		if (!strcmp(field, "endpoints") || !strcmp(field, "dump"))
			printf("\t%s", mt_format_endpoint(&p->endpoint, buf, sizeof(buf)));
		if (!strcmp(field, "allowed-ips") || !strcmp(field, "dump")) {
			printf("\t");
			print_allowedips(p, !strcmp(field, "dump") ? "," : " ");
		}
		if (!strcmp(field, "handshakes") || !strcmp(field, "dump"))
			printf("\t%lld", (long long)p->last_handshake.tv_sec);
		if (!strcmp(field, "transfer") || !strcmp(field, "dump"))
			printf("\t%llu\t%llu", (unsigned long long)p->rx_bytes,
			       (unsigned long long)p->tx_bytes);
		if (!strcmp(field, "persistent-keepalive") || !strcmp(field, "dump")) {
			if (p->keepalive)
				printf("\t%u", p->keepalive);
			else
				printf("\toff");
		}
		if (!strcmp(field, "hubs"))
			printf("\t%s", p->hub ? "on" : "off");
		/* KEY, direct|relayed|none, the hub's key or (none), and whether it speaks mesh. */
		if (!strcmp(field, "paths"))
			printf("\t%s\t%s\t%s", path_name(p),
			       p->path == MESHTUN_PEER_PATH_RELAYED && p->has_relay_hub ?
			       b64(p->relay_hub, buf) : "(none)", mesh_name(p));
		printf("\n");
	}
	explicit_bzero(key, sizeof(key));
}

static int show_one(struct mt_genl *g, const char *dev, const char *field, bool prefix,
		    bool first)
{
	struct mt_device_conf c;
	int ret;

	ret = mt_conf_get(g, dev, &c);
	if (ret)
		return fail_request(g, dev, ret);
	if (json)
		printf("%s", first ? "" : ",");
	if (json)
		show_json(&c);
	else if (field)
		show_field(&c, field, prefix);
	else {
		if (!first)
			printf("\n");
		show_pretty(&c);
	}
	mt_conf_free(&c);
	return 0;
}

static int cmd_show(struct mt_genl *g, int argc, char **argv)
{
	const char *dev = NULL, *field = NULL;
	char **names = NULL;
	int count = 0, i, ret = 0;
	size_t f;

	if (argc >= 1 && !strcmp(argv[0], "dev")) {
		dev = dev_arg("show", argc, argv);
		if (!dev)
			return 1;
		argc -= 2;
		argv += 2;
	}
	if (argc > 1)
		return fail_word("show", argv[1], "expected at most one field");
	if (argc == 1) {
		for (f = 0; f < sizeof(fields) / sizeof(fields[0]); f++)
			if (!strcmp(argv[0], fields[f]))
				field = fields[f];
		if (!field)
			return fail_word("show", argv[0], "not a device or field");
		if (json)
			return fail_word("show", argv[0], "-j shows whole devices, not fields");
	}
	if (dev) {
		if (json)
			printf("[");
		ret = show_one(g, dev, field, false, true);
		if (json)
			printf("]\n");
		return ret;
	}
	if (list_devices(&names, &count) < 0) {
		fprintf(stderr, "%s: show: cannot list network devices\n", prog);
		return 1;
	}
	if (json)
		printf("[");
	for (i = 0; i < count; i++) {
		ret |= show_one(g, names[i], field, true, i == 0);
		free(names[i]);
	}
	if (json)
		printf("]\n");
	free(names);
	return ret;
}

static int cmd_showconf(struct mt_genl *g, int argc, char **argv)
{
	struct mt_device_conf c;
	const char *dev = dev_arg("showconf", argc, argv);
	int ret;

	if (!dev)
		return 1;
	if (argc > 2)
		return fail_word("showconf", argv[2], "unexpected word");
	ret = mt_conf_get(g, dev, &c);
	if (ret)
		return fail_request(g, dev, ret);
	mt_ini_write(stdout, &c);
	mt_conf_free(&c);
	return 0;
}

/* ---- set ---- */

/* A key from a file; an empty file (e.g. /dev/null) means "no key". */
static int key_file(uint8_t key[32], const char *path, const char *what)
{
	FILE *f = fopen(path, "r");
	int c, ret;

	if (!f) {
		fprintf(stderr, "%s: set: %s \"%s\": %s\n", prog, what, path, strerror(errno));
		return -1;
	}
	c = fgetc(f);
	fclose(f);
	if (c == EOF) {
		memset(key, 0, 32);
		return 0;
	}
	ret = mt_key_read_file(key, path);
	if (ret) {
		fprintf(stderr, "%s: set: %s \"%s\": %s\n", prog, what, path,
			ret == -EINVAL ? "not a base64 key of 32 bytes" : strerror(-ret));
		return -1;
	}
	return 0;
}

static int parse_allowedips_word(struct mt_peer_conf *peer, char *word)
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
			return fail_word("set", item, "mix of plain and +/- allowed IPs");
		ip = mt_conf_add_allowedip(peer);
		if (!ip)
			return 1;
		if (mt_parse_cidr(ip, text, &why))
			return fail_word("set", item, why);
		ip->remove = remove;
	}
	/* A plain list replaces the peer's allowed IPs; +/- edit them. */
	if (plain || (!plain && !signed_items))
		peer->flags |= MESHTUN_PEER_F_REPLACE_ALLOWEDIPS;
	return 0;
}

static int parse_set(struct mt_device_conf *c, int argc, char **argv)
{
	struct mt_peer_conf *peer = NULL;
	const char *why = NULL;
	int i;

	for (i = 0; i < argc; i++) {
		const char *w = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (!strcmp(w, "remove") && peer) {
			peer->flags |= MESHTUN_PEER_F_REMOVE_ME;
			continue;
		}
		if (!v)
			return fail_word("set", w, "missing value or unknown word");
		i++;
		if (!strcmp(w, "peer")) {
			peer = mt_conf_add_peer(c);
			if (!peer)
				return 1;
			if (!mt_key_from_base64(peer->public_key, v))
				return fail_word("set", v, "not a base64 public key");
		} else if (!peer && !strcmp(w, "private-key")) {
			if (key_file(c->private_key, v, "private-key"))
				return 1;
			c->set_private_key = true;
		} else if (!peer && !strcmp(w, "listen-port")) {
			if (mt_parse_u16(&c->listen_port, v))
				return fail_word("set", v, "not a port (0 to 65535)");
			c->set_listen_port = true;
		} else if (!peer && !strcmp(w, "fwmark")) {
			if (mt_parse_fwmark(&c->fwmark, v))
				return fail_word("set", v, "not a mark (a 32-bit number or off)");
			c->set_fwmark = true;
		} else if (!peer && !strcmp(w, "relay")) {
			if (mt_parse_switch(&c->relay, v))
				return fail_word("set", v, "not on or off");
			c->set_relay = true;
		} else if (peer && !strcmp(w, "preshared-key")) {
			if (key_file(peer->preshared_key, v, "preshared-key"))
				return 1;
			peer->set_preshared_key = true;
		} else if (peer && !strcmp(w, "endpoint")) {
			if (mt_parse_endpoint(&peer->endpoint, v, &why))
				return fail_word("set", v, why);
			peer->set_endpoint = true;
		} else if (peer && !strcmp(w, "persistent-keepalive")) {
			if (mt_parse_keepalive(&peer->keepalive, v))
				return fail_word("set", v, "not 0 to 65535 seconds or off");
			peer->set_keepalive = true;
		} else if (peer && !strcmp(w, "hub")) {
			if (mt_parse_switch(&peer->hub, v))
				return fail_word("set", v, "not on or off");
			peer->set_hub = true;
		} else if (peer && !strcmp(w, "allowed-ips")) {
			char *copy = strdup(v);
			int ret;

			if (!copy)
				return 1;
			ret = parse_allowedips_word(peer, copy);
			free(copy);
			if (ret)
				return ret;
		} else {
			return fail_word("set", w, peer ? "not a peer setting" : "not a device setting");
		}
	}
	return 0;
}

static int cmd_set(struct mt_genl *g, int argc, char **argv)
{
	struct mt_device_conf c = { 0 };
	const char *dev = dev_arg("set", argc, argv);
	int ret;

	if (!dev)
		return 1;
	snprintf(c.ifname, sizeof(c.ifname), "%s", dev);
	ret = parse_set(&c, argc - 2, argv + 2);
	if (!ret) {
		ret = mt_conf_set(g, &c);
		ret = ret ? fail_request(g, dev, ret) : 0;
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

static int cmd_conf(struct mt_genl *g, const char *cmd, int argc, char **argv)
{
	struct mt_device_conf want = { 0 }, have;
	const char *dev = dev_arg(cmd, argc, argv);
	char err[512];
	size_t i;
	int ret;

	if (!dev)
		return 1;
	if (argc != 3) {
		fprintf(stderr, "%s: %s: expected \"dev DEV FILE\"\n", prog, cmd);
		return 1;
	}
	ret = mt_ini_read(argv[2], &want, NULL, err, sizeof(err));
	if (ret) {
		fprintf(stderr, "%s: %s: %s\n", prog, cmd, ret == -ENOMEM ? "out of memory" : err);
		mt_conf_free(&want);
		return 1;
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
		ret = mt_conf_get(g, dev, &have);
		if (ret) {
			mt_conf_free(&want);
			return fail_request(g, dev, ret);
		}
		sync_diff(&want, &have);
		mt_conf_free(&have);
	}
	ret = mt_conf_set(g, &want);
	mt_conf_free(&want);
	return ret ? fail_request(g, dev, ret) : 0;
}

static int cmd_setconf(struct mt_genl *g, int argc, char **argv)
{
	return cmd_conf(g, "setconf", argc, argv);
}

static int cmd_addconf(struct mt_genl *g, int argc, char **argv)
{
	return cmd_conf(g, "addconf", argc, argv);
}

static int cmd_syncconf(struct mt_genl *g, int argc, char **argv)
{
	return cmd_conf(g, "syncconf", argc, argv);
}

/* "up FILE|NAME" */
static int cmd_up(struct mt_genl *g, int argc, char **argv)
{
	if (argc != 1) {
		fprintf(stderr, "%s: up: expected \"FILE\" or \"NAME\"\n", prog);
		return 1;
	}
	return mt_up(prog, g, argv[0]);
}

/* ---- keys: no kernel needed ---- */

static int cmd_key(const char *cmd, int argc)
{
	char text[MT_KEY_B64_LEN + 1], line[128];
	uint8_t key[32], pub[32];
	int ret = 0;

	if (argc) {
		fprintf(stderr, "%s: %s takes no arguments\n", prog, cmd);
		return 1;
	}
	if (!strcmp(cmd, "pubkey")) {
		size_t n;

		if (!fgets(line, sizeof(line), stdin)) {
			fprintf(stderr, "%s: pubkey: expected a private key on standard input\n", prog);
			return 1;
		}
		n = strcspn(line, "\r\n");
		line[n] = '\0';
		if (!mt_key_from_base64(key, line) || mt_key_public(pub, key)) {
			fprintf(stderr, "%s: pubkey: not a base64 private key of 32 bytes\n", prog);
			ret = 1;
		} else {
			mt_key_to_base64(text, pub);
			printf("%s\n", text);
		}
		explicit_bzero(line, sizeof(line));
	} else if (mt_key_generate(key, !strcmp(cmd, "genkey"))) {
		fprintf(stderr, "%s: %s: no randomness: %s\n", prog, cmd, strerror(errno));
		ret = 1;
	} else {
		mt_key_to_base64(text, key);
		printf("%s\n", text);
	}
	explicit_bzero(key, sizeof(key));
	explicit_bzero(text, sizeof(text));
	return ret;
}

int main(int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*run)(struct mt_genl *g, int argc, char **argv);
	} commands[] = {
		{ "show", cmd_show },
		{ "showconf", cmd_showconf },
		{ "set", cmd_set },
		{ "setconf", cmd_setconf },
		{ "addconf", cmd_addconf },
		{ "syncconf", cmd_syncconf },
		{ "up", cmd_up },
	};
	struct mt_genl g;
	unsigned int i;
	int ret;

	if (argc >= 2 && !strcmp(argv[1], "-j")) {
		json = true;
		argc--;
		argv++;
	}
	if (argc < 2 || !strcmp(argv[1], "help") || !strcmp(argv[1], "-h") ||
	    !strcmp(argv[1], "--help")) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2;
	}
	if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "-V")) {
		printf("mtctl %s\n", MTCTL_VERSION);
		return 0;
	}
	if (!strcmp(argv[1], "genkey") || !strcmp(argv[1], "genpsk") ||
	    !strcmp(argv[1], "pubkey"))
		return cmd_key(argv[1], argc - 2);
	/* Taking a device down needs its record and rtnetlink, not the module. */
	if (!strcmp(argv[1], "down")) {
		if (argc != 3) {
			fprintf(stderr, "%s: down: expected \"FILE\" or \"NAME\"\n", prog);
			return 1;
		}
		return mt_down(prog, argv[2]);
	}
	/* A dump of a large mesh is megabytes: write it in few, large pieces. */
	if (!isatty(STDOUT_FILENO))
		setvbuf(stdout, NULL, _IOFBF, 1 << 16);
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		if (strcmp(argv[1], commands[i].name))
			continue;
		ret = mt_genl_open(&g);
		if (ret) {
			fprintf(stderr, "%s: %s\n", prog,
				g.message[0] ? g.message : strerror(-ret));
			return 1;
		}
		ret = commands[i].run(&g, argc - 2, argv + 2);
		mt_genl_close(&g);
		/* Output that did not all get written is a failure too. */
		if (fflush(stdout) || ferror(stdout)) {
			fprintf(stderr, "%s: writing the output: %s\n", prog, strerror(errno));
			ret = 1;
		}
		return ret;
	}
	fprintf(stderr, "%s: unknown command \"%s\"\n", prog, argv[1]);
	usage(stderr);
	return 1;
}
