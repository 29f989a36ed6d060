// SPDX-License-Identifier: GPL-2.0
/*
 * netlink.c - mtctl's netlink layer: the meshtun family and rtnetlink.
 *
 * libnl 3.7 does not parse extended acknowledgements, so the error and
 * dump-done handlers here read the kernel's message and offending
 * attribute offset from the trailing TLVs themselves.
 */
#include "netlink.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <linux/meshtun.h>
#include <linux/netlink.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

struct request_state {
	struct mt_netlink *g;
	int (*reply)(struct nl_msg *msg, void *arg);
	void *arg;
	int error;
	int done;
	int interrupted;
};

/* Copy the extack TLVs that follow an error or done payload. */
static void parse_extack(struct mt_netlink *g, const struct nlmsghdr *nlh,
			 size_t payload_len)
{
	const struct nlattr *attr;
	int rem;

	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS) ||
	    nlh->nlmsg_len < NLMSG_HDRLEN + NLMSG_ALIGN(payload_len))
		return;
	attr = (const struct nlattr *)((const char *)nlmsg_data(nlh) +
				       NLMSG_ALIGN(payload_len));
	rem = nlh->nlmsg_len - NLMSG_HDRLEN - NLMSG_ALIGN(payload_len);
	for (; nla_ok(attr, rem); attr = nla_next(attr, &rem)) {
		switch (nla_type(attr)) {
		case NLMSGERR_ATTR_MSG:
			snprintf(g->message, sizeof(g->message), "%.*s",
				 nla_len(attr), (const char *)nla_data(attr));
			break;
		case NLMSGERR_ATTR_OFFS:
			if (nla_len(attr) >= 4)
				g->offset = (int)nla_get_u32((struct nlattr *)attr);
			break;
		}
	}
}

static int on_error(struct sockaddr_nl *who, struct nlmsgerr *err, void *arg)
{
	struct request_state *st = arg;
	const struct nlmsghdr *nlh;
	size_t payload;

	(void)who;
	nlh = (const struct nlmsghdr *)((const char *)err - NLMSG_HDRLEN);
	payload = sizeof(*err);
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
		payload += err->msg.nlmsg_len - NLMSG_HDRLEN;
	parse_extack(st->g, nlh, payload);
	st->error = err->error;
	st->done = 1;
	return NL_STOP;
}

/* A dump ends with NLMSG_DONE, whose payload is the dump's status. */
static int on_finish(struct nl_msg *msg, void *arg)
{
	struct request_state *st = arg;
	struct nlmsghdr *nlh = nlmsg_hdr(msg);

	if (nlmsg_datalen(nlh) >= (int)sizeof(int)) {
		int status = *(int *)nlmsg_data(nlh);

		if (status < 0) {
			st->error = status;
			parse_extack(st->g, nlh, sizeof(int));
		}
	}
	st->done = 1;
	return NL_STOP;
}

static int on_ack(struct nl_msg *msg, void *arg)
{
	struct request_state *st = arg;

	(void)msg;
	st->done = 1;
	return NL_STOP;
}

/* The configuration changed during the dump: finish reading, then retry. */
static int on_dump_intr(struct nl_msg *msg, void *arg)
{
	struct request_state *st = arg;

	(void)msg;
	st->interrupted = 1;
	return NL_OK;
}

static int on_valid(struct nl_msg *msg, void *arg)
{
	struct request_state *st = arg;
	int ret;

	if (!st->reply)
		return NL_OK;
	/* On a failure, read the rest of the reply so the socket stays usable. */
	if (st->error)
		return NL_SKIP;
	ret = st->reply(msg, st->arg);
	if (ret < 0) {
		st->error = ret;
		return NL_SKIP;
	}
	return NL_OK;
}

/* A socket of PROTOCOL that reports extended acknowledgements. */
static int connect_protocol(struct mt_netlink *g, int protocol)
{
	int one = 1;

	memset(g, 0, sizeof(*g));
	g->offset = -1;
	g->sk = nl_socket_alloc();
	if (!g->sk)
		return -ENOMEM;
	if (nl_connect(g->sk, protocol) < 0) {
		nl_socket_free(g->sk);
		g->sk = NULL;
		return -EIO;
	}
	/* Best effort: older kernels lack these options. */
	setsockopt(nl_socket_get_fd(g->sk), SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	setsockopt(nl_socket_get_fd(g->sk), SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
	return 0;
}

int mt_netlink_open_rtnl(struct mt_netlink *g)
{
	int ret = connect_protocol(g, NETLINK_ROUTE);

	if (!ret) {
		nl_socket_set_msg_buf_size(g->sk, 32768);
		nl_socket_enable_msg_peek(g->sk);
	}
	return ret;
}

int mt_netlink_open_genl(struct mt_netlink *g)
{
	int ret;

	ret = connect_protocol(g, NETLINK_GENERIC);
	if (ret)
		return ret;
	ret = genl_ctrl_resolve(g->sk, MESHTUN_GENL_NAME);
	if (ret < 0) {
		snprintf(g->message, sizeof(g->message),
			 "generic netlink family \"%s\" not found (is the meshtun module loaded?)",
			 MESHTUN_GENL_NAME);
		ret = -NLE_OBJ_NOTFOUND;
		goto err;
	}
	g->family_id = ret;
	/*
	 * The kernel sizes dump messages to the largest buffer we read with
	 * (up to 32 KiB): offer that much, so big dumps take few messages.
	 */
	nl_socket_set_msg_buf_size(g->sk, 32768);
	nl_socket_enable_msg_peek(g->sk);
	return 0;
err:
	nl_socket_free(g->sk);
	g->sk = NULL;
	return ret == -NLE_OBJ_NOTFOUND ? -ENOENT : -EIO;
}

void mt_netlink_close(struct mt_netlink *g)
{
	if (g->sk)
		nl_socket_free(g->sk);
	g->sk = NULL;
}

struct nl_msg *mt_netlink_genl_msg(struct mt_netlink *g, uint8_t cmd, int flags)
{
	struct nl_msg *msg = nlmsg_alloc();

	if (!msg)
		return NULL;
	if (!genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, g->family_id, 0,
			 flags | NLM_F_ACK, cmd, MESHTUN_GENL_VERSION)) {
		nlmsg_free(msg);
		return NULL;
	}
	return msg;
}

int mt_netlink_request(struct mt_netlink *g, struct nl_msg *msg,
		    int (*reply)(struct nl_msg *msg, void *arg), void *arg)
{
	struct request_state st = { .g = g, .reply = reply, .arg = arg };
	struct nl_cb *cb, *sock_cb;
	int ret;

	g->message[0] = '\0';
	g->offset = -1;
	/* nl_socket_get_cb() hands out a reference of its own. */
	sock_cb = nl_socket_get_cb(g->sk);
	cb = sock_cb ? nl_cb_clone(sock_cb) : NULL;
	nl_cb_put(sock_cb);
	if (!cb) {
		nlmsg_free(msg);
		return -ENOMEM;
	}
	nl_cb_err(cb, NL_CB_CUSTOM, on_error, &st);
	nl_cb_set(cb, NL_CB_FINISH, NL_CB_CUSTOM, on_finish, &st);
	nl_cb_set(cb, NL_CB_ACK, NL_CB_CUSTOM, on_ack, &st);
	nl_cb_set(cb, NL_CB_VALID, NL_CB_CUSTOM, on_valid, &st);
	nl_cb_set(cb, NL_CB_DUMP_INTR, NL_CB_CUSTOM, on_dump_intr, &st);

	ret = nl_send_auto(g->sk, msg);
	nlmsg_free(msg);
	if (ret < 0) {
		nl_cb_put(cb);
		return -EIO;
	}
	while (!st.done) {
		ret = nl_recvmsgs(g->sk, cb);
		if (ret < 0) {
			if (!st.error) {
				st.error = -EIO;
				snprintf(g->message, sizeof(g->message),
					 "netlink: %s", nl_geterror(ret));
			}
			break;
		}
	}
	nl_cb_put(cb);
	if (!st.error && st.interrupted)
		return -EINTR;
	return st.error;
}
