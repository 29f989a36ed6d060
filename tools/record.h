/* SPDX-License-Identifier: GPL-2.0 */
/*
 * record.h - the record of what `mtctl up` installed, so that `mtctl down`
 * removes exactly that, even after a crash in between. This file owns the
 * record's format: one writer and one reader per kind of entry, used by
 * up, down and the endpoint watcher alike.
 *
 * A record is a text file, one entry per line:
 *
 *   meshtun-state 1                      header: the format,
 *   netns DEV:INODE                      and the network namespace it is of
 *   hook predown|postdown COMMAND        a hook for down to run
 *   rtnl TYPE HEX DESCRIPTION            an RTM_NEW* request (its payload in
 *                                        hex); removed as its RTM_DEL* twin
 *   sysctl KEY OLD                       a sysctl and the value it had
 *   nft table NAME                       table inet NAME
 *   nft mark FAMILY TABLE SET CHAIN      the DirectSet chains in the user's
 *                                        table
 *   watch PATH                           the watcher's own record (entries
 *                                        only, no header) of endpoint routes
 *   watchpid PID                         the endpoint watcher
 *
 * Each entry is written and synced before the change it describes is
 * made (the watcher's pid: once it runs, which is what a failed up and
 * down look for), and a change that fails takes its entry back; so the
 * record always covers everything installed (at worst it names something
 * that never was, which removal then finds absent).
 *
 *   mt_record_create()    a new record at PATH with its header (-EEXIST if
 *                         there is one)
 *   mt_record_add()       append an entry and sync it (-EINVAL for an
 *                         unknown one, or a hook down does not run)
 *   mt_record_add_rtnl()  append the entry of a rtnetlink request
 *   mt_record_undo()      take the last entry back (never the header)
 *   mt_record_close()     close the record (the file stays)
 *   mt_record_write()     replace the file at PATH, atomically, by these
 *                         entries without a header (the watcher's record)
 *   mt_record_read()      every entry of the file at PATH, in order; with
 *                         the header checked (-EBADMSG: not a record,
 *                         -EXDEV: another network namespace's) or without
 *   mt_record_free()      free what mt_record_read() returned
 *   mt_record_format()    one entry as its line (malloc'd, no newline)
 */
#ifndef MT_TOOLS_RECORD_H
#define MT_TOOLS_RECORD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <linux/netlink.h>

#include "upconf.h"

enum mt_record_type {
	MT_RECORD_HOOK,
	MT_RECORD_RTNL,
	MT_RECORD_SYSCTL,
	MT_RECORD_NFT_TABLE,
	MT_RECORD_NFT_MARK,
	MT_RECORD_WATCH,
	MT_RECORD_WATCHPID,
	MT_RECORD_UNKNOWN,	/* read back only: a line this version cannot parse */
};

struct mt_record_entry {
	enum mt_record_type type;
	union {
		struct {
			enum mt_hook kind;	/* MT_PRE_DOWN or MT_POST_DOWN */
			char *command;
		} hook;
		struct {
			uint16_t msg_type;	/* RTM_NEW* */
			uint8_t *payload;	/* after the netlink header */
			size_t len;
			char *desc;		/* what it is, for messages */
		} rtnl;
		struct {
			char key[256];		/* a path under /proc/sys */
			char old[64];
		} sysctl;
		char nft_table[64];
		struct {
			struct mt_nft_set set;
			char chain[64];
		} nft_mark;
		char *watch;			/* path of the watcher's record */
		pid_t watchpid;
		char *line;			/* MT_RECORD_UNKNOWN */
	};
};

struct mt_record {
	int fd;
	off_t end, last;	/* length now, and before the last entry */
};

struct mt_record_list {
	struct mt_record_entry *entries;
	size_t n;
};

int mt_record_create(struct mt_record *rec, const char *path);
int mt_record_add(struct mt_record *rec, const struct mt_record_entry *e);
int mt_record_add_rtnl(struct mt_record *rec, const struct nlmsghdr *nlh, const char *desc);
int mt_record_undo(struct mt_record *rec);
void mt_record_close(struct mt_record *rec);
int mt_record_write(const char *path, const struct mt_record_entry *entries, size_t n);
int mt_record_read(const char *path, bool header, struct mt_record_list *list);
void mt_record_free(struct mt_record_list *list);
char *mt_record_format(const struct mt_record_entry *e);

#endif /* MT_TOOLS_RECORD_H */
