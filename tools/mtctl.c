// SPDX-License-Identifier: GPL-2.0
/*
 * mtctl - configure meshtun devices.
 *
 *   mtctl show [dev DEV]     the meshtun devices, or one of them
 *   mtctl set dev DEV        apply settings to a device
 *   mtctl help | --version
 *
 * Errors name the word that could not be used and show the kernel's
 * extended acknowledgement; the exit status is non-zero on any failure.
 */
#include "genl.h"

#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/meshtun.h>
#include <netlink/genl/genl.h>
#include <netlink/route/link.h>

#define MTCTL_VERSION "0.1.0"

static const char *prog = "mtctl";

static void usage(FILE *out)
{
	fprintf(out,
		"usage: %s show [dev DEV]\n"
		"       %s set dev DEV\n"
		"       %s help | --version\n",
		prog, prog, prog);
}

static int fail_request(struct mt_genl *g, const char *what, int err)
{
	fprintf(stderr, "%s: %s: %s%s%s\n", prog, what, strerror(-err),
		g->message[0] ? ": " : "", g->message);
	return 1;
}

/* Names of every meshtun device in this network namespace, in ifindex order. */
static int list_devices(char ***names, int *count)
{
	struct nl_cache *cache = NULL;
	struct nl_sock *sk;
	struct nl_object *obj;
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

struct device_info {
	uint32_t ifindex;
	char ifname[IFNAMSIZ];
};

static int parse_device(struct nl_msg *msg, void *arg)
{
	struct nlattr *tb[MESHTUN_DEVICE_A_MAX + 1];
	struct device_info *info = arg;
	int ret;

	ret = genlmsg_parse(nlmsg_hdr(msg), 0, tb, MESHTUN_DEVICE_A_MAX, NULL);
	if (ret < 0)
		return -EIO;
	if (tb[MESHTUN_DEVICE_A_IFINDEX])
		info->ifindex = nla_get_u32(tb[MESHTUN_DEVICE_A_IFINDEX]);
	if (tb[MESHTUN_DEVICE_A_IFNAME])
		nla_strlcpy(info->ifname, tb[MESHTUN_DEVICE_A_IFNAME], sizeof(info->ifname));
	return 0;
}

static int show_device(struct mt_genl *g, const char *name)
{
	struct device_info info = { 0 };
	struct nl_msg *msg;
	int ret;

	msg = mt_genl_msg(g, MESHTUN_CMD_GET_DEVICE, NLM_F_DUMP);
	if (!msg || nla_put_string(msg, MESHTUN_DEVICE_A_IFNAME, name) < 0) {
		nlmsg_free(msg);
		return fail_request(g, name, -ENOMEM);
	}
	ret = mt_genl_request(g, msg, parse_device, &info);
	if (ret)
		return fail_request(g, name, ret);
	printf("interface: %s\n", info.ifname);
	printf("  ifindex: %u\n", info.ifindex);
	return 0;
}

static int cmd_show(struct mt_genl *g, int argc, char **argv)
{
	char **names;
	int count, i, ret = 0;

	if (argc == 2 && !strcmp(argv[0], "dev"))
		return show_device(g, argv[1]);
	if (argc > 0) {
		fprintf(stderr, "%s: show: cannot use \"%s\" here (expected \"dev DEV\")\n",
			prog, argv[0]);
		return 1;
	}
	if (list_devices(&names, &count) < 0) {
		fprintf(stderr, "%s: show: cannot list network devices\n", prog);
		return 1;
	}
	for (i = 0; i < count; i++) {
		if (i)
			putchar('\n');
		ret |= show_device(g, names[i]);
		free(names[i]);
	}
	free(names);
	return ret;
}

static int cmd_set(struct mt_genl *g, int argc, char **argv)
{
	const char *dev = NULL;
	struct nl_msg *msg;
	int i, ret;

	for (i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "dev") && i + 1 < argc && !dev) {
			dev = argv[++i];
			continue;
		}
		fprintf(stderr, "%s: set: cannot use \"%s\" here\n", prog, argv[i]);
		return 1;
	}
	if (!dev) {
		fprintf(stderr, "%s: set: missing \"dev DEV\"\n", prog);
		return 1;
	}
	if (strlen(dev) >= IFNAMSIZ) {
		fprintf(stderr, "%s: set: device name \"%s\" is too long\n", prog, dev);
		return 1;
	}
	msg = mt_genl_msg(g, MESHTUN_CMD_SET_DEVICE, 0);
	if (!msg || nla_put_string(msg, MESHTUN_DEVICE_A_IFNAME, dev) < 0) {
		nlmsg_free(msg);
		return fail_request(g, dev, -ENOMEM);
	}
	ret = mt_genl_request(g, msg, NULL, NULL);
	return ret ? fail_request(g, dev, ret) : 0;
}

int main(int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*run)(struct mt_genl *g, int argc, char **argv);
	} commands[] = {
		{ "show", cmd_show },
		{ "set", cmd_set },
	};
	struct mt_genl g;
	unsigned int i;
	int ret;

	if (argc < 2 || !strcmp(argv[1], "help") || !strcmp(argv[1], "-h") ||
	    !strcmp(argv[1], "--help")) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2;
	}
	if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "-V")) {
		printf("mtctl %s\n", MTCTL_VERSION);
		return 0;
	}
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
		return ret;
	}
	fprintf(stderr, "%s: unknown command \"%s\"\n", prog, argv[1]);
	usage(stderr);
	return 1;
}
