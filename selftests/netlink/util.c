// SPDX-License-Identifier: GPL-2.0
/*
 * util.c - helpers for the netlink API tests.
 */
#define _GNU_SOURCE
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <string.h>
#include <unistd.h>
#include <sys/prctl.h>
#include <linux/capability.h>
#include <linux/meshtun.h>
#include <netlink/genl/genl.h>
#include <netlink/route/link.h>
#include <sys/syscall.h>

static int with_route_socket(int (*fn)(struct nl_sock *sk, const char *name),
			     const char *name)
{
	struct nl_sock *sk = nl_socket_alloc();
	int ret;

	if (!sk)
		return -ENOMEM;
	ret = nl_connect(sk, NETLINK_ROUTE);
	if (!ret)
		ret = fn(sk, name);
	nl_socket_free(sk);
	return ret;
}

static int do_link_add(struct nl_sock *sk, const char *name)
{
	struct rtnl_link *link = rtnl_link_alloc();
	int ret;

	if (!link)
		return -ENOMEM;
	rtnl_link_set_name(link, name);
	ret = rtnl_link_set_type(link, "meshtun");
	if (!ret)
		ret = rtnl_link_add(sk, link, NLM_F_CREATE | NLM_F_EXCL);
	rtnl_link_put(link);
	return ret ? -EIO : 0;
}

static int do_link_del(struct nl_sock *sk, const char *name)
{
	struct rtnl_link *link = rtnl_link_alloc();
	int ret;

	if (!link)
		return -ENOMEM;
	rtnl_link_set_name(link, name);
	ret = rtnl_link_delete(sk, link);
	rtnl_link_put(link);
	return ret ? -EIO : 0;
}

int link_add(const char *name)
{
	return with_route_socket(do_link_add, name);
}

int link_del(const char *name)
{
	return with_route_socket(do_link_del, name);
}

static int parse_device(struct nl_msg *msg, void *arg)
{
	struct nlattr *tb[MESHTUN_DEVICE_A_MAX + 1];
	struct test_device *dev = arg;

	if (genlmsg_parse(nlmsg_hdr(msg), 0, tb, MESHTUN_DEVICE_A_MAX, NULL) < 0)
		return -EBADMSG;
	dev->messages++;
	if (tb[MESHTUN_DEVICE_A_IFINDEX])
		dev->ifindex = nla_get_u32(tb[MESHTUN_DEVICE_A_IFINDEX]);
	if (tb[MESHTUN_DEVICE_A_IFNAME])
		nla_strlcpy(dev->ifname, tb[MESHTUN_DEVICE_A_IFNAME], sizeof(dev->ifname));
	return 0;
}

int get_device_by_name(struct mt_netlink *g, const char *name, struct test_device *out)
{
	struct nl_msg *msg = mt_netlink_genl_msg(g, MESHTUN_CMD_GET_DEVICE, NLM_F_DUMP);

	memset(out, 0, sizeof(*out));
	if (!msg || nla_put_string(msg, MESHTUN_DEVICE_A_IFNAME, name) < 0)
		return -ENOMEM;
	return mt_netlink_request(g, msg, parse_device, out);
}

int get_device_by_index(struct mt_netlink *g, uint32_t ifindex, struct test_device *out)
{
	struct nl_msg *msg = mt_netlink_genl_msg(g, MESHTUN_CMD_GET_DEVICE, NLM_F_DUMP);

	memset(out, 0, sizeof(*out));
	if (!msg || nla_put_u32(msg, MESHTUN_DEVICE_A_IFINDEX, ifindex) < 0)
		return -ENOMEM;
	return mt_netlink_request(g, msg, parse_device, out);
}

int drop_privileges(void)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct data[2] = { 0 };

	if (setgroups(0, NULL) || setresgid(65534, 65534, 65534) ||
	    setresuid(65534, 65534, 65534))
		return -errno;
	/* Changing uid from 0 clears the capabilities; make sure of it. */
	if (syscall(SYS_capset, &hdr, data))
		return -errno;
	return 0;
}

static int write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY);
	ssize_t len = (ssize_t)strlen(text);
	int ok;

	if (fd < 0)
		return -1;
	ok = write(fd, text, len) == len;
	close(fd);
	return ok ? 0 : -1;
}

int enter_user_namespace(void)
{
	if (unshare(CLONE_NEWUSER))
		return -errno;
	if (write_file("/proc/self/setgroups", "deny") ||
	    write_file("/proc/self/uid_map", "0 0 1") ||
	    write_file("/proc/self/gid_map", "0 0 1"))
		return -EPERM;
	return 0;
}
