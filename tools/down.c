// SPDX-License-Identifier: GPL-2.0
/*
 * down.c - `mtctl down`, and the removal of what a record lists, which a
 * failed `mtctl up` uses too.
 *
 * Removal replays the record backwards: each rtnetlink request is sent
 * again as its RTM_DEL* twin, each sysctl gets its old value back, each
 * nftables object is deleted, the watcher is stopped and its own record
 * replayed. An object that is gone already counts as removed; a removal
 * that fails is reported and the rest are still tried, and the record
 * stays until everything it lists is gone.
 */
#include "up_internal.h"
#include "nft.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* Stop the endpoint watcher if it still runs (and is one). */
static void stop_watcher(pid_t pid)
{
	char path[64], comm[32] = "";
	FILE *f;
	int i;

	snprintf(path, sizeof(path), "/proc/%d/comm", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return;
	if (!fgets(comm, sizeof(comm), f) || strcmp(comm, "mtctl\n")) {
		fclose(f);
		return;
	}
	fclose(f);
	kill(pid, SIGTERM);
	/* Reaped if it is our child (a failed up), else gone by itself. */
	for (i = 0; i < 300 && (waitpid(pid, NULL, WNOHANG) == 0 || !kill(pid, 0)); i++)
		usleep(10000);
}

static int remove_rtnl(struct mt_netlink *rtnl, const struct mt_record_entry *e, char *err,
		       size_t errlen)
{
	struct nl_msg *msg = nlmsg_alloc_simple(e->rtnl.msg_type + 1, 0);
	int ret;

	if (!msg || nlmsg_append(msg, e->rtnl.payload, e->rtnl.len, NLMSG_ALIGNTO) < 0) {
		nlmsg_free(msg);
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	ret = mt_netlink_request(rtnl, msg, NULL, NULL);
	if (ret == -ENOENT || ret == -ESRCH || ret == -ENODEV || ret == -EADDRNOTAVAIL)
		return 0;
	if (ret)
		snprintf(err, errlen, "%s%s%s", strerror(-ret), rtnl->message[0] ? ": " : "",
			 rtnl->message);
	return ret;
}

static int remove_entry(struct mt_netlink *rtnl, const struct mt_record_entry *e, char *err,
			size_t errlen);

/* The watcher's record: its routes, newest first, then the file. */
static int remove_watch(struct mt_netlink *rtnl, const char *path, char *err, size_t errlen)
{
	struct mt_record_list list;
	size_t i;
	int ret = mt_record_read(path, false, &list);

	if (ret == -ENOENT)
		return 0;
	for (i = list.n; !ret && i--;)
		ret = remove_entry(rtnl, &list.entries[i], err, errlen);
	mt_record_free(&list);
	if (!ret && unlink(path))
		ret = -errno;
	if (ret && !err[0])
		snprintf(err, errlen, "the endpoint routes' record: %s", strerror(-ret));
	return ret;
}

/* Remove what one entry lists; 0 also when it is gone already. */
static int remove_entry(struct mt_netlink *rtnl, const struct mt_record_entry *e, char *err,
			size_t errlen)
{
	int ret = 0;

	err[0] = '\0';
	switch (e->type) {
	case MT_RECORD_HOOK:
		break;		/* run by down itself, in their place */
	case MT_RECORD_RTNL:
		ret = remove_rtnl(rtnl, e, err, errlen);
		break;
	case MT_RECORD_SYSCTL:
		ret = up_sysctl_io(e->sysctl.key, e->sysctl.old, NULL, 0);
		if (ret)
			snprintf(err, errlen, "%s", strerror(-ret));
		break;
	case MT_RECORD_NFT_TABLE:
		ret = mt_nft_table_del(e->nft_table, err, errlen);
		ret = ret == -ENOENT ? 0 : ret;
		break;
	case MT_RECORD_NFT_MARK:
		ret = mt_nft_mark_chain_del(&e->nft_mark.set, e->nft_mark.chain, err, errlen);
		ret = ret == -ENOENT ? 0 : ret;
		break;
	case MT_RECORD_WATCHPID:
		stop_watcher(e->watchpid);
		break;
	case MT_RECORD_WATCH:
		ret = remove_watch(rtnl, e->watch, err, errlen);
		break;
	case MT_RECORD_UNKNOWN:
		/* A hook line is down's to run, never to remove: as before, none stops it. */
		if (!strncmp(e->line, "hook ", 5))
			break;
		snprintf(err, errlen, "not understood");
		ret = -EINVAL;
		break;
	}
	return ret;
}

/*
 * Remove every entry, newest first. Each failure is printed as it
 * happens, since the rest are still tried; the return is the first one.
 */
int up_remove_all(struct up *u, const struct mt_record_list *list)
{
	struct mt_netlink rtnl;
	char err[512];
	size_t i = list->n;
	int ret = mt_netlink_open_rtnl(&rtnl), first = 0;

	if (ret) {
		up_fail(u, ret, "rtnetlink: %s", strerror(-ret));
		mt_cli_report(u->cli);
		return ret;
	}
	while (i--) {
		char *line;

		ret = remove_entry(&rtnl, &list->entries[i], err, sizeof(err));
		if (!ret)
			continue;
		line = mt_record_format(&list->entries[i]);
		up_fail(u, ret, "removing \"%.120s\": %s", line ? line : "?", err);
		free(line);
		mt_cli_report(u->cli);
		first = first ?: ret;
	}
	mt_netlink_close(&rtnl);
	return first;
}

/* Run the record's hooks of one kind in order, up to the first that fails. */
static int run_recorded_hooks(struct up *u, const struct mt_record_list *list, enum mt_hook kind)
{
	char **hooks = calloc(list->n ? list->n : 1, sizeof(*hooks));
	size_t i, n = 0;
	int ret;

	if (!hooks) {
		ret = up_fail(u, -ENOMEM, "out of memory");
	} else {
		for (i = 0; i < list->n; i++)
			if (list->entries[i].type == MT_RECORD_HOOK &&
			    list->entries[i].hook.kind == kind)
				hooks[n++] = list->entries[i].hook.command;
		ret = up_run_hooks(u, kind, hooks, n);
		free(hooks);
	}
	if (ret)
		mt_cli_report(u->cli);
	return ret;
}

int mt_cmd_down(struct mt_cli *cli, int argc, char **argv)
{
	struct up u = { .cli = cli, .rec = { .fd = -1 } };
	struct mt_record_list list;
	int ret, failed;

	if (argc != 1)
		return mt_cli_fail(cli, -EINVAL, "expected \"FILE\" or \"NAME\"");
	ret = up_resolve(&u, argv[0]);
	if (ret)
		return ret;
	ret = mt_record_read(u.record_path, true, &list);
	if (ret == -ENOENT)
		return up_fail(&u, ret, "not brought up by mtctl up: no record %s",
			       u.record_path);
	if (ret == -EBADMSG)
		return up_fail(&u, ret, "%s is not a record of mtctl up", u.record_path);
	if (ret == -EXDEV)
		return up_fail(&u, ret, "%s was written in another network namespace",
			       u.record_path);
	if (ret)
		return up_fail(&u, ret, "reading %s: %s", u.record_path, strerror(-ret));
	failed = run_recorded_hooks(&u, &list, MT_PRE_DOWN);
	ret = up_remove_all(&u, &list);
	failed = failed ?: ret;
	ret = run_recorded_hooks(&u, &list, MT_POST_DOWN);
	failed = failed ?: ret;
	mt_record_free(&list);
	/* The record goes only when everything it lists is gone. */
	if (!failed && unlink(u.record_path))
		failed = up_fail(&u, -errno, "removing %s: %s", u.record_path, strerror(errno));
	return failed;
}
