// SPDX-License-Identifier: GPL-2.0
/*
 * record.c - the record of what `mtctl up` installed: its format, written
 * and read here only.
 */
#define _GNU_SOURCE
#include "record.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define RECORD_MAGIC "meshtun-state 1"

/* ---- one writer and one reader per kind of entry ---- */

static char *format_hook(const struct mt_record_entry *e)
{
	char *line;

	return asprintf(&line, "hook %s %s", e->hook.kind == MT_PRE_DOWN ? "predown" : "postdown",
			e->hook.command) < 0 ? NULL : line;
}

static int parse_hook(struct mt_record_entry *e, const char *rest)
{
	if (!strncmp(rest, "predown ", 8))
		e->hook.kind = MT_PRE_DOWN;
	else if (!strncmp(rest, "postdown ", 9))
		e->hook.kind = MT_POST_DOWN;
	else
		return -EINVAL;
	e->hook.command = strdup(strchr(rest, ' ') + 1);
	return e->hook.command ? 0 : -ENOMEM;
}

static char *format_rtnl(const struct mt_record_entry *e)
{
	char *line = malloc(32 + 2 * e->rtnl.len + strlen(e->rtnl.desc));
	size_t i;
	int n;

	if (!line)
		return NULL;
	n = sprintf(line, "rtnl %u ", e->rtnl.msg_type);
	for (i = 0; i < e->rtnl.len; i++)
		n += sprintf(line + n, "%02x", e->rtnl.payload[i]);
	sprintf(line + n, " %s", e->rtnl.desc);
	return line;
}

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static int parse_rtnl(struct mt_record_entry *e, const char *rest)
{
	const char *hex, *end;
	unsigned long type;
	size_t i;
	char *p;

	errno = 0;
	type = strtoul(rest, &p, 10);
	if (errno || p == rest || *p != ' ' || type > UINT16_MAX)
		return -EINVAL;
	hex = p + 1;
	end = strchrnul(hex, ' ');
	if ((end - hex) % 2)
		return -EINVAL;
	e->rtnl.msg_type = type;
	e->rtnl.len = (end - hex) / 2;
	e->rtnl.payload = malloc(e->rtnl.len ? e->rtnl.len : 1);
	e->rtnl.desc = strdup(*end ? end + 1 : "");
	if (!e->rtnl.payload || !e->rtnl.desc)
		return -ENOMEM;
	for (i = 0; i < e->rtnl.len; i++) {
		int hi = hex_digit(hex[2 * i]), lo = hex_digit(hex[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return -EINVAL;
		e->rtnl.payload[i] = hi << 4 | lo;
	}
	return 0;
}

static char *format_sysctl(const struct mt_record_entry *e)
{
	char *line;

	return asprintf(&line, "sysctl %s %s", e->sysctl.key, e->sysctl.old) < 0 ? NULL : line;
}

/* The old value is the rest of the line: some sysctls hold several words. */
static int parse_sysctl(struct mt_record_entry *e, const char *rest)
{
	const char *space = strchr(rest, ' ');

	if (!space || space == rest || (size_t)(space - rest) >= sizeof(e->sysctl.key) ||
	    strlen(space + 1) >= sizeof(e->sysctl.old))
		return -EINVAL;
	memcpy(e->sysctl.key, rest, space - rest);
	e->sysctl.key[space - rest] = '\0';
	strcpy(e->sysctl.old, space + 1);
	return 0;
}

static char *format_nft_table(const struct mt_record_entry *e)
{
	char *line;

	return asprintf(&line, "nft table %s", e->nft_table) < 0 ? NULL : line;
}

static int parse_nft_table(struct mt_record_entry *e, const char *rest)
{
	if (!*rest || strchr(rest, ' ') || strlen(rest) >= sizeof(e->nft_table))
		return -EINVAL;
	strcpy(e->nft_table, rest);
	return 0;
}

static char *format_nft_mark(const struct mt_record_entry *e)
{
	const struct mt_nft_set *s = &e->nft_mark.set;
	char *line;

	return asprintf(&line, "nft mark %s %s %s %s", s->family, s->table, s->set,
			e->nft_mark.chain) < 0 ? NULL : line;
}

/* Copy the next space-separated word of *text into out; false if none or too long. */
static bool next_word(const char **text, char *out, size_t len)
{
	size_t n = strcspn(*text, " ");

	if (!n || n >= len)
		return false;
	memcpy(out, *text, n);
	out[n] = '\0';
	*text += n + ((*text)[n] == ' ');
	return true;
}

static int parse_nft_mark(struct mt_record_entry *e, const char *rest)
{
	struct mt_nft_set *s = &e->nft_mark.set;

	if (!next_word(&rest, s->family, sizeof(s->family)) ||
	    !next_word(&rest, s->table, sizeof(s->table)) ||
	    !next_word(&rest, s->set, sizeof(s->set)) ||
	    !next_word(&rest, e->nft_mark.chain, sizeof(e->nft_mark.chain)) || *rest)
		return -EINVAL;
	return 0;
}

static char *format_watch(const struct mt_record_entry *e)
{
	char *line;

	return asprintf(&line, "watch %s", e->watch) < 0 ? NULL : line;
}

static int parse_watch(struct mt_record_entry *e, const char *rest)
{
	if (!*rest)
		return -EINVAL;
	e->watch = strdup(rest);
	return e->watch ? 0 : -ENOMEM;
}

static char *format_watchpid(const struct mt_record_entry *e)
{
	char *line;

	return asprintf(&line, "watchpid %d", (int)e->watchpid) < 0 ? NULL : line;
}

static int parse_watchpid(struct mt_record_entry *e, const char *rest)
{
	long pid;
	char *end;

	errno = 0;
	pid = strtol(rest, &end, 10);
	if (errno || end == rest || *end || pid <= 0 || pid > INT_MAX)
		return -EINVAL;
	e->watchpid = pid;
	return 0;
}

static const struct {
	const char *word;	/* the line starts with it and a space */
	char *(*format)(const struct mt_record_entry *e);
	int (*parse)(struct mt_record_entry *e, const char *rest);
} kinds[] = {
	[MT_RECORD_HOOK] = { "hook", format_hook, parse_hook },
	[MT_RECORD_RTNL] = { "rtnl", format_rtnl, parse_rtnl },
	[MT_RECORD_SYSCTL] = { "sysctl", format_sysctl, parse_sysctl },
	[MT_RECORD_NFT_TABLE] = { "nft table", format_nft_table, parse_nft_table },
	[MT_RECORD_NFT_MARK] = { "nft mark", format_nft_mark, parse_nft_mark },
	[MT_RECORD_WATCH] = { "watch", format_watch, parse_watch },
	[MT_RECORD_WATCHPID] = { "watchpid", format_watchpid, parse_watchpid },
};

char *mt_record_format(const struct mt_record_entry *e)
{
	if (e->type == MT_RECORD_UNKNOWN)
		return strdup(e->line);
	return kinds[e->type].format(e);
}

/* Only what down can act on: its own hooks, and nothing unknown. */
static bool writable(const struct mt_record_entry *e)
{
	if (e->type == MT_RECORD_HOOK)
		return e->hook.kind == MT_PRE_DOWN || e->hook.kind == MT_POST_DOWN;
	return e->type != MT_RECORD_UNKNOWN;
}

static void free_entry(struct mt_record_entry *e)
{
	switch (e->type) {
	case MT_RECORD_HOOK:
		free(e->hook.command);
		break;
	case MT_RECORD_RTNL:
		free(e->rtnl.payload);
		free(e->rtnl.desc);
		break;
	case MT_RECORD_WATCH:
		free(e->watch);
		break;
	case MT_RECORD_UNKNOWN:
		free(e->line);
		break;
	default:
		break;
	}
}

/* A line this version cannot parse is kept whole, for down to name it. */
static int parse_line(struct mt_record_entry *e, const char *line)
{
	size_t i, len;
	int ret;

	for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		len = strlen(kinds[i].word);
		if (strncmp(line, kinds[i].word, len) || line[len] != ' ')
			continue;
		memset(e, 0, sizeof(*e));
		e->type = i;
		ret = kinds[i].parse(e, line + len + 1);
		if (!ret)
			return 0;
		free_entry(e);
		if (ret == -ENOMEM)
			return ret;
		break;
	}
	memset(e, 0, sizeof(*e));
	e->type = MT_RECORD_UNKNOWN;
	e->line = strdup(line);
	return e->line ? 0 : -ENOMEM;
}

/* ---- the file ---- */

/* The network namespace we run in, to refuse another one's record. */
static void netns_id(char *buf, size_t len)
{
	struct stat st;

	if (stat("/proc/self/ns/net", &st))
		snprintf(buf, len, "unknown");
	else
		snprintf(buf, len, "%llu:%llu", (unsigned long long)st.st_dev,
			 (unsigned long long)st.st_ino);
}

static int append_line(struct mt_record *rec, const char *line)
{
	size_t len = strlen(line);
	ssize_t n;

	n = pwrite(rec->fd, line, len, rec->end);
	if (n == (ssize_t)len)
		n = pwrite(rec->fd, "\n", 1, rec->end + len) == 1 ? n + 1 : -1;
	if (n != (ssize_t)len + 1 || fdatasync(rec->fd))
		return n < 0 || n == (ssize_t)len + 1 ? -errno : -EIO;
	rec->last = rec->end;
	rec->end += n;
	return 0;
}

int mt_record_create(struct mt_record *rec, const char *path)
{
	char header[128], ns[64];
	int ret;

	rec->fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	rec->end = rec->last = 0;
	if (rec->fd < 0)
		return -errno;
	netns_id(ns, sizeof(ns));
	snprintf(header, sizeof(header), "%s\nnetns %s", RECORD_MAGIC, ns);
	ret = append_line(rec, header);
	if (ret) {
		close(rec->fd);
		rec->fd = -1;
		unlink(path);
	}
	/* The header is not an entry: no undo takes it back. */
	rec->last = rec->end;
	return ret;
}

int mt_record_add(struct mt_record *rec, const struct mt_record_entry *e)
{
	char *line;
	int ret;

	if (!writable(e))
		return -EINVAL;
	line = mt_record_format(e);
	if (!line)
		return -ENOMEM;
	ret = append_line(rec, line);
	free(line);
	return ret;
}

int mt_record_add_rtnl(struct mt_record *rec, const struct nlmsghdr *nlh, const char *desc)
{
	struct mt_record_entry e = {
		.type = MT_RECORD_RTNL,
		.rtnl = {
			.msg_type = nlh->nlmsg_type,
			.payload = (uint8_t *)NLMSG_DATA(nlh),
			.len = nlh->nlmsg_len - NLMSG_HDRLEN,
			.desc = (char *)desc,
		},
	};

	return mt_record_add(rec, &e);
}

int mt_record_undo(struct mt_record *rec)
{
	if (ftruncate(rec->fd, rec->last) || fdatasync(rec->fd))
		return -errno;
	rec->end = rec->last;
	return 0;
}

void mt_record_close(struct mt_record *rec)
{
	if (rec->fd >= 0)
		close(rec->fd);
	rec->fd = -1;
}

int mt_record_write(const char *path, const struct mt_record_entry *entries, size_t n)
{
	char tmp[PATH_MAX + 8];
	size_t i;
	FILE *f;
	int ret = 0;

	snprintf(tmp, sizeof(tmp), "%s.new", path);
	f = fopen(tmp, "we");
	if (!f)
		return -errno;
	for (i = 0; i < n && !ret; i++) {
		char *line = writable(&entries[i]) ? mt_record_format(&entries[i]) : NULL;

		if (!line)
			ret = -ENOMEM;
		else if (fprintf(f, "%s\n", line) < 0)
			ret = -EIO;
		free(line);
	}
	if (fflush(f) || fdatasync(fileno(f)))
		ret = ret ? ret : -errno;
	if (fclose(f) && !ret)
		ret = -errno;
	if (!ret && rename(tmp, path))
		ret = -errno;
	if (ret)
		unlink(tmp);
	return ret;
}

static int check_header(FILE *f, char **line, size_t *size)
{
	char ns[64];
	ssize_t len;

	len = getline(line, size, f);
	if (len < 0 || strcmp(*line, RECORD_MAGIC "\n"))
		return ferror(f) ? -EIO : -EBADMSG;
	len = getline(line, size, f);
	if (len < 0 || strncmp(*line, "netns ", 6))
		return ferror(f) ? -EIO : -EBADMSG;
	(*line)[strcspn(*line, "\n")] = '\0';
	netns_id(ns, sizeof(ns));
	return strcmp(*line + 6, ns) ? -EXDEV : 0;
}

int mt_record_read(const char *path, bool header, struct mt_record_list *list)
{
	FILE *f = fopen(path, "re");
	size_t cap = 0, size = 0;
	char *line = NULL;
	ssize_t len;
	int ret = 0;

	list->entries = NULL;
	list->n = 0;
	if (!f)
		return -errno;
	if (header)
		ret = check_header(f, &line, &size);
	while (!ret && (len = getline(&line, &size, f)) >= 0) {
		if (len && line[len - 1] == '\n')
			line[len - 1] = '\0';
		if (list->n == cap) {
			struct mt_record_entry *more;

			cap = cap ? 2 * cap : 16;
			more = realloc(list->entries, cap * sizeof(*more));
			if (!more) {
				ret = -ENOMEM;
				break;
			}
			list->entries = more;
		}
		ret = parse_line(&list->entries[list->n], line);
		if (!ret)
			list->n++;
	}
	free(line);
	if (!ret && ferror(f))
		ret = -EIO;
	fclose(f);
	if (ret)
		mt_record_free(list);
	return ret;
}

void mt_record_free(struct mt_record_list *list)
{
	while (list->n--)
		free_entry(&list->entries[list->n]);
	free(list->entries);
	list->entries = NULL;
	list->n = 0;
}
