// SPDX-License-Identifier: GPL-2.0
/*
 * cmd_show.c - `mtctl show` (wg(8)'s fields, a readable summary, or JSON
 * with -j) and `mtctl showconf` (the device as a configuration file).
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
#include <time.h>
#include <netlink/route/link.h>


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

static int show_one(struct mt_cli *cli, const char *dev, const char *field, bool prefix,
		    bool first)
{
	struct mt_device_conf c;
	int ret;

	ret = mt_conf_get(cli->genl, dev, &c);
	if (ret)
		return mt_cli_fail_request(cli, dev, ret);
	if (cli->json)
		printf("%s", first ? "" : ",");
	if (cli->json)
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

int mt_cmd_show(struct mt_cli *cli, int argc, char **argv)
{
	const char *dev = NULL, *field = NULL;
	char **names = NULL;
	int count = 0, i, ret = 0;
	size_t f;

	if (argc >= 1 && !strcmp(argv[0], "dev")) {
		dev = mt_cli_dev(cli, argc, argv);
		if (!dev)
			return -EINVAL;
		argc -= 2;
		argv += 2;
	}
	if (argc > 1)
		return mt_cli_fail_word(cli, argv[1], "expected at most one field");
	if (argc == 1) {
		for (f = 0; f < sizeof(fields) / sizeof(fields[0]); f++)
			if (!strcmp(argv[0], fields[f]))
				field = fields[f];
		if (!field)
			return mt_cli_fail_word(cli, argv[0], "not a device or field");
		if (cli->json)
			return mt_cli_fail_word(cli, argv[0], "-j shows whole devices, not fields");
	}
	if (dev) {
		if (cli->json)
			printf("[");
		ret = show_one(cli, dev, field, false, true);
		if (cli->json)
			printf("]\n");
		return ret;
	}
	ret = list_devices(&names, &count);
	if (ret < 0) {
		for (i = 0; i < count; i++)
			free(names[i]);
		free(names);
		return mt_cli_fail(cli, ret, "cannot list network devices: %s", strerror(-ret));
	}
	if (cli->json)
		printf("[");
	/* A device that went away meanwhile is reported, and the others shown. */
	for (i = 0; i < count; i++) {
		int one = show_one(cli, names[i], field, true, i == 0);

		if (one) {
			mt_cli_report(cli);
			ret = one;
		}
		free(names[i]);
	}
	if (cli->json)
		printf("]\n");
	free(names);
	return ret;
}

int mt_cmd_showconf(struct mt_cli *cli, int argc, char **argv)
{
	struct mt_device_conf c;
	const char *dev = mt_cli_dev(cli, argc, argv);
	int ret;

	if (!dev)
		return -EINVAL;
	if (argc > 2)
		return mt_cli_fail_word(cli, argv[2], "unexpected word");
	ret = mt_conf_get(cli->genl, dev, &c);
	if (ret)
		return mt_cli_fail_request(cli, dev, ret);
	mt_ini_write(stdout, &c);
	mt_conf_free(&c);
	return 0;
}
