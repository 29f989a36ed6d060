// SPDX-License-Identifier: GPL-2.0
/*
 * up.c - `mtctl up`: the device from a configuration file, and the
 * routing around it (up_internal.h lists the parts), each change recorded
 * before it is made (record.h); on any failure everything recorded is
 * removed again (down.c).
 */
#include "up_internal.h"
#include "ini.h"
#include "parse.h"
#include "rtnl.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

int up_fail(struct up *u, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	mt_cli_vfail(u->cli, err, u->name, fmt, ap);
	va_end(ap);
	return err;
}

int up_fail_record(struct up *u, int err)
{
	return up_fail(u, err, "recording in %s: %s", u->record_path, strerror(-err));
}

static const char *dir_from_env(const char *var, const char *fallback)
{
	const char *dir = getenv(var);

	return dir && *dir ? dir : fallback;
}

/* FILE (a path, or ending in .conf) or NAME: device name and paths. */
int up_resolve(struct up *u, const char *arg)
{
	const char *base = strrchr(arg, '/');
	size_t len, i;
	bool file;

	base = base ? base + 1 : arg;
	len = strlen(base);
	file = base != arg || (len > 5 && !strcmp(base + len - 5, ".conf"));
	if (len > 5 && !strcmp(base + len - 5, ".conf"))
		len -= 5;
	for (i = 0; i < len; i++)
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_=+.-",
			    base[i]))
			break;
	if (!len || len >= IFNAMSIZ || i < len) {
		char why[128];

		snprintf(why, sizeof(why), "not a configuration file or interface name (1 to %d "
			 "of A-Z a-z 0-9 _=+.-, with .conf for a file)", IFNAMSIZ - 1);
		return mt_cli_fail_word(u->cli, arg, why);
	}
	memcpy(u->name, base, len);
	u->name[len] = '\0';
	if (file)
		snprintf(u->conf_path, sizeof(u->conf_path), "%s", arg);
	else
		snprintf(u->conf_path, sizeof(u->conf_path), "%s/%s.conf",
			 dir_from_env("MTCTL_CONFIG_DIR", "/etc/meshtun"), u->name);
	snprintf(u->record_path, sizeof(u->record_path), "%s/%s.state",
		 dir_from_env("MTCTL_STATE_DIR", "/run/meshtun"), u->name);
	return 0;
}

static const char *const hook_names[MT_HOOKS] = {
	[MT_PRE_UP] = "PreUp",
	[MT_POST_UP] = "PostUp",
	[MT_PRE_DOWN] = "PreDown",
	[MT_POST_DOWN] = "PostDown",
};

/* Run hooks of one kind in order, %i standing for the interface name. */
int up_run_hooks(struct up *u, enum mt_hook kind, char *const *hooks, size_t n)
{
	size_t i;
	int ret = 0;

	for (i = 0; !ret && i < n; i++) {
		char *cmd = malloc(strlen(hooks[i]) * IFNAMSIZ + 1), *out = cmd;
		const char *in;
		int status;

		if (!cmd)
			return up_fail(u, -ENOMEM, "out of memory");
		for (in = hooks[i]; *in; in++) {
			if (in[0] == '%' && in[1] == 'i') {
				out = stpcpy(out, u->name);
				in++;
			} else {
				*out++ = *in;
			}
		}
		*out = '\0';
		fflush(NULL);
		status = system(cmd);
		if (status == -1 || !WIFEXITED(status) || WEXITSTATUS(status))
			ret = up_fail(u, -ECHILD, "%s hook \"%s\" failed (status %d)",
				      hook_names[kind], cmd, status == -1 ? -1 :
				      WIFEXITED(status) ? WEXITSTATUS(status) : 128);
		free(cmd);
	}
	return ret;
}

/* Send an RTM_NEW* request, recorded first; DESC says what it is. */
int up_install(struct up *u, struct nl_msg *msg, const char *desc)
{
	int ret;

	if (!msg)
		return up_fail(u, -ENOMEM, "%s: out of memory", desc);
	ret = mt_record_add_rtnl(&u->rec, nlmsg_hdr(msg), desc);
	if (ret) {
		nlmsg_free(msg);
		return up_fail_record(u, ret);
	}
	ret = mt_netlink_request(&u->rtnl, msg, NULL, NULL);
	if (ret) {
		mt_record_undo(&u->rec);
		return up_fail(u, ret, "%s: %s%s%s", desc, strerror(-ret),
			       u->rtnl.message[0] ? ": " : "", u->rtnl.message);
	}
	return 0;
}

/* Read (value NULL: into buf) or write a sysctl, a path under /proc/sys. */
int up_sysctl_io(const char *key, const char *value, char *buf, size_t len)
{
	char path[256];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/sys/%s", key);
	fd = open(path, (value ? O_WRONLY : O_RDONLY) | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = value ? write(fd, value, strlen(value)) : read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -errno;
	if (!value) {
		buf[n] = '\0';
		buf[strcspn(buf, "\n")] = '\0';
	}
	return 0;
}

/* Set a sysctl (a path under /proc/sys) unless it has the value already. */
int up_set_sysctl(struct up *u, const char *key, const char *value)
{
	struct mt_record_entry e = { .type = MT_RECORD_SYSCTL };
	int ret;

	snprintf(e.sysctl.key, sizeof(e.sysctl.key), "%s", key);
	ret = up_sysctl_io(key, NULL, e.sysctl.old, sizeof(e.sysctl.old));
	if (!ret && !strcmp(e.sysctl.old, value))
		return 0;
	if (!ret) {
		ret = mt_record_add(&u->rec, &e);
		if (ret)
			return up_fail_record(u, ret);
		ret = up_sysctl_io(key, value, NULL, 0);
		if (ret)
			mt_record_undo(&u->rec);
	}
	return ret ? up_fail(u, ret, "sysctl %s = %s: %s", key, value, strerror(-ret)) : 0;
}

/* The device with its keys, peers and addresses, its MTU, and up. */
static int install_device(struct up *u)
{
	char desc[160], buf[64];
	size_t i;
	int ret;

	snprintf(desc, sizeof(desc), "link %s type meshtun", u->name);
	ret = up_install(u, mt_rtnl_link_new(u->name, "meshtun"), desc);
	if (ret)
		return ret;
	u->ifindex = if_nametoindex(u->name);
	snprintf(u->conf.ifname, sizeof(u->conf.ifname), "%s", u->name);
	ret = mt_conf_set(u->g, &u->conf);
	/* The kernel has the keys now; the watcher forked later must not. */
	explicit_bzero(u->conf.private_key, sizeof(u->conf.private_key));
	for (i = 0; i < u->conf.n_peers; i++)
		explicit_bzero(u->conf.peers[i].preshared_key,
			       sizeof(u->conf.peers[i].preshared_key));
	if (ret)
		return up_fail(u, ret, "configuring the device: %s%s%s", strerror(-ret),
			       u->g->message[0] ? ": " : "", u->g->message);
	for (i = 0; i < u->up.addresses.n; i++) {
		const struct mt_allowedip *a = &u->up.addresses.items[i];

		snprintf(desc, sizeof(desc), "address %s dev %s",
			 mt_format_cidr(a, buf, sizeof(buf)), u->name);
		ret = up_install(u, mt_rtnl_addr_new(u->ifindex, a), desc);
		if (ret)
			return ret;
	}
	ret = mt_rtnl_link_set(&u->rtnl, u->ifindex, u->up.mtu ? u->up.mtu : up_outer_mtu(u),
			       true);
	if (ret)
		return up_fail(u, ret, "setting MTU and bringing the device up: %s%s%s",
			       strerror(-ret), u->rtnl.message[0] ? ": " : "", u->rtnl.message);
	return 0;
}

/* The watcher of split-default's endpoint routes, recorded once it runs. */
static int start_watcher(struct up *u)
{
	struct mt_record_entry e = { .type = MT_RECORD_WATCHPID };
	int ret;

	e.watchpid = mt_watch_run(&u->watch);
	if (e.watchpid < 0)
		return up_fail(u, e.watchpid, "starting the endpoint watcher: %s",
			       strerror(-e.watchpid));
	ret = mt_record_add(&u->rec, &e);
	if (ret) {
		kill(e.watchpid, SIGTERM);
		return up_fail_record(u, ret);
	}
	return 0;
}

/* Everything, in order; the down hooks are recorded first, for down to run. */
static int install_all(struct up *u)
{
	struct mt_record_entry e = { .type = MT_RECORD_HOOK };
	size_t i;
	int ret = 0;

	for (e.hook.kind = MT_PRE_DOWN; !ret && e.hook.kind <= MT_POST_DOWN; e.hook.kind++)
		for (i = 0; !ret && i < u->up.n_hooks[e.hook.kind]; i++) {
			e.hook.command = u->up.hooks[e.hook.kind][i];
			ret = mt_record_add(&u->rec, &e);
		}
	if (ret)
		return up_fail_record(u, ret);
	ret = up_plan(u);
	if (!ret)
		ret = up_run_hooks(u, MT_PRE_UP, u->up.hooks[MT_PRE_UP], u->up.n_hooks[MT_PRE_UP]);
	if (!ret)
		ret = install_device(u);
	if (!ret)
		ret = up_install_routing(u);
	if (!ret)
		ret = up_install_gateway(u);
	if (!ret)
		ret = up_install_nft(u);
	if (!ret && u->split)
		ret = start_watcher(u);
	if (!ret)
		ret = up_run_hooks(u, MT_POST_UP, u->up.hooks[MT_POST_UP],
				   u->up.n_hooks[MT_POST_UP]);
	return ret;
}

/* Nothing of a failed up stays: what the record lists is removed again. */
static void roll_back(struct up *u)
{
	struct mt_record_list list;

	mt_cli_report(u->cli);
	if (mt_record_read(u->record_path, true, &list))
		return;
	/* Nothing recorded (rtnetlink never opened, say): nothing to remove. */
	if (!list.n || !up_remove_all(u, &list))
		unlink(u->record_path);
	mt_record_free(&list);
}

static int up(struct up *u)
{
	char err[512], *dir;
	int ret;

	ret = mt_ini_read(u->conf_path, &u->conf, &u->up, err, sizeof(err));
	if (ret)
		return up_fail(u, ret, "%s", ret == -ENOMEM ? "out of memory" : err);
	if (u->up.dns_servers.n || u->up.n_dns_search)
		fprintf(stderr, "%s: up %s: DNS is not applied (a PostUp hook may hand it to "
			"resolvconf)\n", u->cli->prog, u->name);
	if (if_nametoindex(u->name))
		return up_fail(u, -EEXIST, "a device of that name exists");
	dir = strdup(u->record_path);
	if (dir) {
		*strrchr(dir, '/') = '\0';
		mkdir(dir, 0700);
		free(dir);
	}
	ret = mt_record_create(&u->rec, u->record_path);
	if (ret == -EEXIST)
		return up_fail(u, ret, "%s exists: it is up, or was not taken down (mtctl down %s)",
			       u->record_path, u->name);
	if (ret)
		return up_fail(u, ret, "creating %s: %s", u->record_path, strerror(-ret));
	ret = mt_netlink_open_rtnl(&u->rtnl);
	if (ret) {
		up_fail(u, ret, "rtnetlink: %s", strerror(-ret));
	} else {
		ret = install_all(u);
		mt_netlink_close(&u->rtnl);
	}
	mt_record_close(&u->rec);
	if (ret)
		roll_back(u);
	return ret;
}

int mt_cmd_up(struct mt_cli *cli, int argc, char **argv)
{
	struct up u = { .cli = cli, .g = cli->genl, .rec = { .fd = -1 } };
	int ret;

	if (argc != 1)
		return mt_cli_fail(cli, -EINVAL, "expected \"FILE\" or \"NAME\"");
	ret = up_resolve(&u, argv[0]);
	if (!ret)
		ret = up(&u);
	mt_watch_free(&u.watch);
	free(u.routed);
	mt_up_free(&u.up);
	mt_conf_free(&u.conf);
	return ret;
}
