// SPDX-License-Identifier: GPL-2.0
/*
 * record.c - the record of `mtctl up` (tools/record.c): every kind of
 * entry written and read back unchanged, the header checked, an entry
 * taken back, a rewrite of the watcher's record, and lines that are not
 * entries kept whole as unknown rather than misread. Prints TAP.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../tools/record.h"

static int n, failed;

static void report(int ok, const char *what)
{
	failed |= !ok;
	printf("%s %d - record: %s\n", ok ? "ok" : "not ok", ++n, what);
}

static uint8_t payload[] = { 0x0a, 0x00, 0x18, 0x00, 0xff, 0x01, 0x7f };

/* One of each kind, with the values that are easiest to misread. */
static struct mt_record_entry sample[] = {
	{ .type = MT_RECORD_HOOK,
	  .hook = { .kind = MT_PRE_DOWN, .command = "echo a  b %i >>/tmp/x" } },
	{ .type = MT_RECORD_HOOK, .hook = { .kind = MT_POST_DOWN, .command = "true" } },
	{ .type = MT_RECORD_RTNL,
	  .rtnl = { .msg_type = 24, .payload = payload, .len = sizeof(payload),
		    .desc = "route 10.0.0.0/24 dev mt0 table 51820" } },
	{ .type = MT_RECORD_RTNL, .rtnl = { .msg_type = 16, .payload = payload, .len = 0,
					    .desc = "" } },
	{ .type = MT_RECORD_SYSCTL,
	  .sysctl = { .key = "net/ipv4/ping_group_range", .old = "1\t0" } },
	{ .type = MT_RECORD_NFT_TABLE, .nft_table = "meshtun-mt/2e0" },
	{ .type = MT_RECORD_NFT_MARK,
	  .nft_mark = { .set = { "inet", "filter", "bypass4" }, .chain = "meshtun-mt0-1" } },
	{ .type = MT_RECORD_WATCH, .watch = "/run/meshtun dir/mt0.watch" },
	{ .type = MT_RECORD_WATCHPID, .watchpid = 4242 },
};

#define N_SAMPLE (sizeof(sample) / sizeof(sample[0]))

static int same_entry(const struct mt_record_entry *a, const struct mt_record_entry *b)
{
	if (a->type != b->type)
		return 0;
	switch (a->type) {
	case MT_RECORD_HOOK:
		return a->hook.kind == b->hook.kind && !strcmp(a->hook.command, b->hook.command);
	case MT_RECORD_RTNL:
		return a->rtnl.msg_type == b->rtnl.msg_type && a->rtnl.len == b->rtnl.len &&
		       !memcmp(a->rtnl.payload, b->rtnl.payload, a->rtnl.len) &&
		       !strcmp(a->rtnl.desc, b->rtnl.desc);
	case MT_RECORD_SYSCTL:
		return !strcmp(a->sysctl.key, b->sysctl.key) &&
		       !strcmp(a->sysctl.old, b->sysctl.old);
	case MT_RECORD_NFT_TABLE:
		return !strcmp(a->nft_table, b->nft_table);
	case MT_RECORD_NFT_MARK:
		return !strcmp(a->nft_mark.set.family, b->nft_mark.set.family) &&
		       !strcmp(a->nft_mark.set.table, b->nft_mark.set.table) &&
		       !strcmp(a->nft_mark.set.set, b->nft_mark.set.set) &&
		       !strcmp(a->nft_mark.chain, b->nft_mark.chain);
	case MT_RECORD_WATCH:
		return !strcmp(a->watch, b->watch);
	case MT_RECORD_WATCHPID:
		return a->watchpid == b->watchpid;
	case MT_RECORD_UNKNOWN:
		return !strcmp(a->line, b->line);
	}
	return 0;
}

static int same_list(const struct mt_record_list *list, const struct mt_record_entry *want,
		     size_t n_want)
{
	size_t i;

	if (list->n != n_want) {
		printf("# %zu entries read, %zu written\n", list->n, n_want);
		return 0;
	}
	for (i = 0; i < n_want; i++) {
		if (!same_entry(&list->entries[i], &want[i])) {
			char *got = mt_record_format(&list->entries[i]);

			printf("# entry %zu read back as \"%s\"\n", i, got ? got : "?");
			free(got);
			return 0;
		}
	}
	return 1;
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	if (f) {
		fputs(text, f);
		fclose(f);
	}
}

/* This network namespace as a record's header names it. */
static const char *netns_of_self(void)
{
	static char id[64];
	struct stat st;

	if (stat("/proc/self/ns/net", &st))
		return "unknown";
	snprintf(id, sizeof(id), "%llu:%llu", (unsigned long long)st.st_dev,
		 (unsigned long long)st.st_ino);
	return id;
}

/* The line written for an entry is what the format says it is. */
static int formats_as(const struct mt_record_entry *e, const char *want)
{
	char *got = mt_record_format(e);
	int ok = got && !strcmp(got, want);

	if (!ok)
		printf("# \"%s\", want \"%s\"\n", got ? got : "(null)", want);
	free(got);
	return ok;
}

int main(void)
{
	char dir[] = "/tmp/mt-record-XXXXXX", path[256], watch[256], text[512];
	struct mt_record_list list;
	struct mt_record rec;
	size_t i;
	int ret, ok;

	if (!mkdtemp(dir)) {
		printf("Bail out! mkdtemp: %s\n", strerror(errno));
		return 1;
	}
	snprintf(path, sizeof(path), "%s/mt0.state", dir);
	snprintf(watch, sizeof(watch), "%s/mt0.watch", dir);

	report(formats_as(&sample[2], "rtnl 24 0a001800ff017f route 10.0.0.0/24 dev mt0 table 51820"),
	       "an rtnl entry is TYPE, payload in hex, description");
	report(formats_as(&sample[6], "nft mark inet filter bypass4 meshtun-mt0-1"),
	       "an nft mark entry names family, table, set and chain");

	ret = mt_record_create(&rec, path);
	report(!ret, "a new record is created");
	for (i = 0, ok = !ret; ok && i < N_SAMPLE; i++)
		ok = !mt_record_add(&rec, &sample[i]);
	report(ok, "one entry of every kind is added");
	ret = mt_record_read(path, true, &list);
	report(!ret && same_list(&list, sample, N_SAMPLE), "each reads back as written");
	mt_record_free(&list);

	ok = !mt_record_add(&rec, &sample[0]) && !mt_record_undo(&rec);
	ret = mt_record_read(path, true, &list);
	report(ok && !ret && same_list(&list, sample, N_SAMPLE), "an entry taken back is gone");
	mt_record_free(&list);
	mt_record_close(&rec);

	report(mt_record_create(&rec, path) == -EEXIST, "a second record at the path is refused");

	/* Nothing but entries can be taken back, and only down's hooks written. */
	unlink(path);
	ret = mt_record_create(&rec, path);
	ok = !ret && !mt_record_undo(&rec) && !mt_record_read(path, true, &list) && list.n == 0;
	mt_record_free(&list);
	report(ok, "an undo right after create leaves the header");
	ok = mt_record_add(&rec, &(struct mt_record_entry){ .type = MT_RECORD_HOOK,
		.hook = { .kind = MT_POST_UP, .command = "true" } }) == -EINVAL &&
	     mt_record_add(&rec, &(struct mt_record_entry){ .type = MT_RECORD_UNKNOWN,
		.line = "x" }) == -EINVAL;
	report(ok, "an up hook or an unknown entry is not written");
	mt_record_close(&rec);

	/*
	 * A record as the mtctl before record.c wrote it (its lines were
	 * printf'd one by one): still read, entry by entry.
	 */
	snprintf(text, sizeof(text), "meshtun-state 1\nnetns %s\nhook predown echo a b\n"
		 "rtnl 16 0A0B link mt0 type meshtun\nsysctl net/ipv4/ip_forward 0\n"
		 "nft table meshtun-mt0\nnft mark inet t s meshtun-mt0-0\n"
		 "watch /run/meshtun/mt0.watch\nwatchpid 77\n", netns_of_self());
	write_file(path, text);
	ret = mt_record_read(path, true, &list);
	ok = !ret && list.n == 7 && list.entries[0].type == MT_RECORD_HOOK &&
	     list.entries[1].type == MT_RECORD_RTNL && list.entries[1].rtnl.len == 2 &&
	     list.entries[1].rtnl.payload[0] == 0x0a && list.entries[1].rtnl.payload[1] == 0x0b &&
	     !strcmp(list.entries[1].rtnl.desc, "link mt0 type meshtun") &&
	     list.entries[2].type == MT_RECORD_SYSCTL && list.entries[3].type == MT_RECORD_NFT_TABLE &&
	     list.entries[4].type == MT_RECORD_NFT_MARK && list.entries[5].type == MT_RECORD_WATCH &&
	     list.entries[6].type == MT_RECORD_WATCHPID && list.entries[6].watchpid == 77;
	report(ok, "a record of the previous mtctl reads entry by entry (hex in either case)");
	mt_record_free(&list);

	write_file(path, "meshtun-state 2\nnetns 1:1\n");
	report(mt_record_read(path, true, &list) == -EBADMSG, "another format is not a record");
	write_file(path, "rtnl 24 00 x\n");
	report(mt_record_read(path, true, &list) == -EBADMSG, "a file without the header is not");
	write_file(path, "meshtun-state 1\nnetns 1:1\n");
	report(mt_record_read(path, true, &list) == -EXDEV,
	       "another network namespace's record is refused");
	report(mt_record_read(watch, false, &list) == -ENOENT, "a missing record is -ENOENT");

	/* Lines no entry parses are kept whole, never half-read. */
	write_file(watch, "rtnl 24 0a0 odd hex\nrtnl 24 zz bad hex\nrtnl x 00 no type\n"
		   "sysctl novalue\nnft mark inet filter toofew\nwatchpid -3\nwatchpid 12x\n"
		   "hook sometimes echo\nbogus\n\n");
	ret = mt_record_read(watch, false, &list);
	ok = !ret && list.n == 10;
	for (i = 0; ok && i < list.n; i++)
		ok = list.entries[i].type == MT_RECORD_UNKNOWN;
	report(ok, "malformed lines are read as unknown entries");
	ok = ok && !strcmp(list.entries[0].line, "rtnl 24 0a0 odd hex") &&
	     !strcmp(list.entries[8].line, "bogus");
	report(ok, "an unknown entry keeps its line");
	mt_record_free(&list);

	/* The watcher's record: replaced whole, no header. */
	ret = mt_record_write(watch, &sample[2], 2);
	ok = !ret && !mt_record_read(watch, false, &list) && same_list(&list, &sample[2], 2);
	mt_record_free(&list);
	report(ok, "a rewritten record holds just the new entries");
	ret = mt_record_write(watch, NULL, 0);
	ok = !ret && !mt_record_read(watch, false, &list) && list.n == 0;
	mt_record_free(&list);
	report(ok, "a record rewritten empty is empty");
	snprintf(text, sizeof(text), "%s.new", watch);
	report(access(text, F_OK), "no temporary file is left");

	unlink(watch);
	unlink(path);
	rmdir(dir);
	printf("1..%d\n", n);
	return failed;
}
