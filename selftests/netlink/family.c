// SPDX-License-Identifier: GPL-2.0
/*
 * family.c - the meshtun generic netlink family: it resolves, has the
 * advertised version, finds devices by index and name, rejects what it
 * must with an extack message, and refuses callers without CAP_NET_ADMIN
 * over the device's network namespace.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/meshtun.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/family.h>
#include <netlink/genl/genl.h>

#include "kselftest_harness.h"
#include "util.h"

FIXTURE(family) {
	struct mt_netlink g;
	uint32_t ifindex;
};

FIXTURE_SETUP(family)
{
	link_del("mtf0");
	ASSERT_EQ(0, link_add("mtf0"));
	self->ifindex = if_nametoindex("mtf0");
	ASSERT_NE(0U, self->ifindex);
	ASSERT_EQ(0, mt_netlink_open_genl(&self->g)) TH_LOG("open: %s", self->g.message);
}

FIXTURE_TEARDOWN(family)
{
	mt_netlink_close(&self->g);
	link_del("mtf0");
}

TEST_F(family, resolves_with_version_1)
{
	struct nl_cache *cache;
	struct genl_family *fam;

	ASSERT_GT(self->g.family_id, 0);
	ASSERT_EQ(0, genl_ctrl_alloc_cache(self->g.sk, &cache));
	fam = genl_ctrl_search_by_name(cache, MESHTUN_GENL_NAME);
	ASSERT_NE(NULL, fam);
	EXPECT_EQ(MESHTUN_GENL_VERSION, (int)genl_family_get_version(fam));
	EXPECT_EQ(self->g.family_id, (int)genl_family_get_id(fam));
	EXPECT_EQ(MESHTUN_DEVICE_A_MAX, (int)genl_family_get_maxattr(fam));
	genl_family_put(fam);
	nl_cache_free(cache);
}

TEST_F(family, get_by_name)
{
	struct test_device dev;

	ASSERT_EQ(0, get_device_by_name(&self->g, "mtf0", &dev)) TH_LOG("%s", self->g.message);
	EXPECT_EQ(self->ifindex, dev.ifindex);
	EXPECT_STREQ("mtf0", dev.ifname);
	EXPECT_EQ(1, dev.messages);
}

TEST_F(family, get_by_index)
{
	struct test_device dev;

	ASSERT_EQ(0, get_device_by_index(&self->g, self->ifindex, &dev));
	EXPECT_EQ(self->ifindex, dev.ifindex);
	EXPECT_STREQ("mtf0", dev.ifname);
}

TEST_F(family, get_unknown_device)
{
	struct test_device dev;

	EXPECT_EQ(-ENODEV, get_device_by_name(&self->g, "nosuchdev", &dev));
	EXPECT_STREQ("no such meshtun device", self->g.message);
	EXPECT_EQ(-ENODEV, get_device_by_index(&self->g, 0x7fffffff, &dev));
	EXPECT_STREQ("no such meshtun device", self->g.message);
}

TEST_F(family, get_device_of_another_kind)
{
	struct test_device dev;

	EXPECT_EQ(-ENODEV, get_device_by_name(&self->g, "lo", &dev));
	EXPECT_STREQ("no such meshtun device", self->g.message);
	EXPECT_EQ(-ENODEV, get_device_by_index(&self->g, 1, &dev));
}

TEST_F(family, get_needs_exactly_one_selector)
{
	struct nl_msg *msg;

	msg = mt_netlink_genl_msg(&self->g, MESHTUN_CMD_GET_DEVICE, NLM_F_DUMP);
	ASSERT_NE(NULL, msg);
	EXPECT_EQ(-EINVAL, mt_netlink_request(&self->g, msg, NULL, NULL));
	EXPECT_NE(NULL, strstr(self->g.message, "missing MESHTUN_DEVICE_A_IFINDEX"));

	msg = mt_netlink_genl_msg(&self->g, MESHTUN_CMD_GET_DEVICE, NLM_F_DUMP);
	ASSERT_NE(NULL, msg);
	nla_put_u32(msg, MESHTUN_DEVICE_A_IFINDEX, self->ifindex);
	nla_put_string(msg, MESHTUN_DEVICE_A_IFNAME, "mtf0");
	EXPECT_EQ(-EINVAL, mt_netlink_request(&self->g, msg, NULL, NULL));
	EXPECT_NE(NULL, strstr(self->g.message, "not both"));
}

TEST_F(family, strict_attribute_validation)
{
	struct nl_msg *msg;

	/* An attribute the family does not know. */
	msg = mt_netlink_genl_msg(&self->g, MESHTUN_CMD_SET_DEVICE, 0);
	ASSERT_NE(NULL, msg);
	nla_put_u32(msg, MESHTUN_DEVICE_A_IFINDEX, self->ifindex);
	nla_put_u32(msg, MESHTUN_DEVICE_A_MAX + 7, 1);
	EXPECT_EQ(-EINVAL, mt_netlink_request(&self->g, msg, NULL, NULL));
	EXPECT_NE(-1, self->g.offset);

	/* A u32 attribute two bytes long. */
	msg = mt_netlink_genl_msg(&self->g, MESHTUN_CMD_SET_DEVICE, 0);
	ASSERT_NE(NULL, msg);
	nla_put_u16(msg, MESHTUN_DEVICE_A_IFINDEX, 1);
	EXPECT_NE(0, mt_netlink_request(&self->g, msg, NULL, NULL));
	EXPECT_NE(-1, self->g.offset);

	/* A name that is not NUL-terminated within IFNAMSIZ. */
	msg = mt_netlink_genl_msg(&self->g, MESHTUN_CMD_SET_DEVICE, 0);
	ASSERT_NE(NULL, msg);
	nla_put(msg, MESHTUN_DEVICE_A_IFNAME, 20, "mtf0mtf0mtf0mtf0mtf0");
	EXPECT_NE(0, mt_netlink_request(&self->g, msg, NULL, NULL));
	EXPECT_NE(-1, self->g.offset);

	/* A command the family does not have. */
	msg = mt_netlink_genl_msg(&self->g, MESHTUN_CMD_MAX + 1, 0);
	ASSERT_NE(NULL, msg);
	EXPECT_EQ(-EOPNOTSUPP, mt_netlink_request(&self->g, msg, NULL, NULL));
}

TEST_F(family, set_device)
{
	struct nl_msg *msg;

	msg = mt_netlink_genl_msg(&self->g, MESHTUN_CMD_SET_DEVICE, 0);
	ASSERT_NE(NULL, msg);
	nla_put_string(msg, MESHTUN_DEVICE_A_IFNAME, "mtf0");
	EXPECT_EQ(0, mt_netlink_request(&self->g, msg, NULL, NULL)) TH_LOG("%s", self->g.message);

	msg = mt_netlink_genl_msg(&self->g, MESHTUN_CMD_SET_DEVICE, 0);
	ASSERT_NE(NULL, msg);
	nla_put_string(msg, MESHTUN_DEVICE_A_IFNAME, "lo");
	EXPECT_EQ(-ENODEV, mt_netlink_request(&self->g, msg, NULL, NULL));
	EXPECT_STREQ("no such meshtun device", self->g.message);
	/* Requests (unlike dumps, on 6.1) also point at the attribute. */
	EXPECT_NE(-1, self->g.offset);
}

/* Run fn in a child process; its exit status is the result. */
static int in_child(int (*fn)(uint32_t ifindex), uint32_t ifindex)
{
	int status;
	pid_t pid = fork();

	if (pid < 0)
		return -1;
	if (pid == 0)
		_exit(fn(ifindex));
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

/* Both commands from a socket without CAP_NET_ADMIN: 0 when both get EPERM. */
static int both_refused(uint32_t ifindex)
{
	struct test_device dev;
	struct mt_netlink g;
	struct nl_msg *msg;

	if (mt_netlink_open_genl(&g))
		return 10;
	if (get_device_by_index(&g, ifindex, &dev) != -EPERM)
		return 11;
	msg = mt_netlink_genl_msg(&g, MESHTUN_CMD_SET_DEVICE, 0);
	if (!msg)
		return 12;
	nla_put_u32(msg, MESHTUN_DEVICE_A_IFINDEX, ifindex);
	if (mt_netlink_request(&g, msg, NULL, NULL) != -EPERM)
		return 13;
	mt_netlink_close(&g);
	return 0;
}

static int unprivileged_user(uint32_t ifindex)
{
	if (drop_privileges())
		return 20;
	return both_refused(ifindex);
}

/* Root of a new user namespace is not an admin of the initial netns. */
static int user_namespace_root(uint32_t ifindex)
{
	if (enter_user_namespace())
		return 30;
	return both_refused(ifindex);
}

/* ... but it is an admin of a network namespace it creates. */
static int user_namespace_own_netns(uint32_t ifindex)
{
	struct test_device dev;
	struct mt_netlink g;

	(void)ifindex;
	if (enter_user_namespace())
		return 40;
	if (unshare(CLONE_NEWNET))
		return 42;
	if (link_add("mtu0"))
		return 43;
	if (mt_netlink_open_genl(&g))
		return 44;
	if (get_device_by_name(&g, "mtu0", &dev) || strcmp(dev.ifname, "mtu0"))
		return 45;
	/* The initial namespace's device is not visible from here. */
	if (get_device_by_name(&g, "mtf0", &dev) != -ENODEV)
		return 46;
	mt_netlink_close(&g);
	return 0;
}

TEST_F(family, unprivileged_user_refused)
{
	EXPECT_EQ(0, in_child(unprivileged_user, self->ifindex));
}

TEST_F(family, user_namespace_root_refused)
{
	EXPECT_EQ(0, in_child(user_namespace_root, self->ifindex));
}

TEST_F(family, user_namespace_admin_of_own_netns)
{
	EXPECT_EQ(0, in_child(user_namespace_own_netns, self->ifindex));
}

TEST_HARNESS_MAIN
