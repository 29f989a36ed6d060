// SPDX-License-Identifier: GPL-2.0
/*
 * netlink.c - the "meshtun" generic netlink family.
 *
 * GET_DEVICE is a dump so that a device's configuration may span several
 * messages; SET_DEVICE applies a configuration request. Both need
 * CAP_NET_ADMIN over the device's network namespace.
 */
#include "netlink.h"
#include "compat.h"
#include "device.h"

#include <linux/if.h>
#include <linux/meshtun.h>
#include <linux/netdevice.h>
#include <net/genetlink.h>
#include <net/sock.h>

static struct genl_family mt_genl_family;

static const struct nla_policy mt_device_policy[MESHTUN_DEVICE_A_MAX + 1] = {
	[MESHTUN_DEVICE_A_IFINDEX] = { .type = NLA_U32 },
	[MESHTUN_DEVICE_A_IFNAME] = { .type = NLA_NUL_STRING, .len = IFNAMSIZ - 1 },
};

/*
 * The meshtun device a request names, with a reference held, or an
 * ERR_PTR with the extack naming the attribute at fault.
 */
static struct mt_device *mt_lookup_device(struct net *net, struct nlattr **attrs,
					  struct netlink_ext_ack *extack)
{
	struct nlattr *ifindex = attrs[MESHTUN_DEVICE_A_IFINDEX];
	struct nlattr *ifname = attrs[MESHTUN_DEVICE_A_IFNAME];
	struct net_device *dev = NULL;
	struct mt_device *mt;

	if (ifindex && ifname) {
		NL_SET_ERR_MSG_ATTR(extack, ifname,
				    "give MESHTUN_DEVICE_A_IFINDEX or MESHTUN_DEVICE_A_IFNAME, not both");
		return ERR_PTR(-EINVAL);
	}
	if (!ifindex && !ifname) {
		NL_SET_ERR_MSG(extack,
			       "missing MESHTUN_DEVICE_A_IFINDEX or MESHTUN_DEVICE_A_IFNAME");
		return ERR_PTR(-EINVAL);
	}
	if (ifindex)
		dev = dev_get_by_index(net, nla_get_u32(ifindex));
	else
		dev = dev_get_by_name(net, nla_data(ifname));

	mt = mt_device_from_netdev(dev);
	if (!mt) {
		NL_SET_ERR_MSG_ATTR(extack, ifindex ?: ifname, "no such meshtun device");
		if (dev)
			dev_put(dev);
		return ERR_PTR(-ENODEV);
	}
	return mt;
}

static void mt_put_device(struct mt_device *mt)
{
	dev_put(mt->dev);
}

/*
 * Dump state in cb->args: [0] the device being dumped, [1] set once it has
 * been dumped in full. The device is looked up by the first dumpit call
 * rather than by .start because only dumpit has an extack on every
 * supported kernel.
 */
static int mt_get_device_dumpit(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct mt_device *mt = (struct mt_device *)cb->args[0];
	struct net_device *dev;
	void *hdr;

	if (!mt) {
		mt = mt_lookup_device(sock_net(cb->skb->sk),
				      mt_compat_dump_attrs(cb), cb->extack);
		if (IS_ERR(mt))
			return PTR_ERR(mt);
		cb->args[0] = (long)mt;
	}
	/* Everything fits in the first message; a second call ends the dump. */
	if (cb->args[1])
		return 0;

	dev = mt->dev;
	hdr = genlmsg_put(skb, NETLINK_CB(cb->skb).portid, cb->nlh->nlmsg_seq,
			  &mt_genl_family, NLM_F_MULTI, MESHTUN_CMD_GET_DEVICE);
	if (!hdr)
		return -EMSGSIZE;
	genl_dump_check_consistent(cb, hdr);

	if (nla_put_u32(skb, MESHTUN_DEVICE_A_IFINDEX, dev->ifindex) ||
	    nla_put_string(skb, MESHTUN_DEVICE_A_IFNAME, dev->name)) {
		genlmsg_cancel(skb, hdr);
		return -EMSGSIZE;
	}
	genlmsg_end(skb, hdr);
	cb->args[1] = 1;
	return skb->len;
}

static int mt_get_device_done(struct netlink_callback *cb)
{
	struct mt_device *mt = (struct mt_device *)cb->args[0];

	if (mt)
		mt_put_device(mt);
	return 0;
}

static int mt_set_device_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct mt_device *mt;

	mt = mt_lookup_device(genl_info_net(info), info->attrs, info->extack);
	if (IS_ERR(mt))
		return PTR_ERR(mt);

	mutex_lock(&mt->config_lock);
	/* The device names no further settable attribute yet. */
	mutex_unlock(&mt->config_lock);

	mt_put_device(mt);
	return 0;
}

static const struct genl_ops mt_genl_ops[] = {
	{
		.cmd = MESHTUN_CMD_GET_DEVICE,
		.dumpit = mt_get_device_dumpit,
		.done = mt_get_device_done,
		.flags = GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd = MESHTUN_CMD_SET_DEVICE,
		.doit = mt_set_device_doit,
		.flags = GENL_UNS_ADMIN_PERM,
	},
};

static struct genl_family mt_genl_family __ro_after_init = {
	.ops = mt_genl_ops,
	.n_ops = ARRAY_SIZE(mt_genl_ops),
	.name = MESHTUN_GENL_NAME,
	.version = MESHTUN_GENL_VERSION,
	.maxattr = MESHTUN_DEVICE_A_MAX,
	.policy = mt_device_policy,
	.module = THIS_MODULE,
	.netnsok = true,
};

int __init mt_genl_init(void)
{
	return genl_register_family(&mt_genl_family);
}

void mt_genl_uninit(void)
{
	genl_unregister_family(&mt_genl_family);
}

MODULE_ALIAS_GENL_FAMILY(MESHTUN_GENL_NAME);
