// SPDX-License-Identifier: GPL-2.0
/*
 * state.c - the record of what `mtctl up` installed.
 */
#define _GNU_SOURCE
#include "state.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int mt_state_create(struct mt_state *st, const char *path)
{
	st->fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	st->end = st->last = 0;
	return st->fd < 0 ? -errno : 0;
}

int mt_state_add(struct mt_state *st, const char *fmt, ...)
{
	char *line = NULL;
	va_list ap;
	ssize_t n;
	int len;

	va_start(ap, fmt);
	len = vasprintf(&line, fmt, ap);
	va_end(ap);
	if (len < 0)
		return -ENOMEM;
	n = pwrite(st->fd, line, len, st->end);
	free(line);
	if (n != len || fdatasync(st->fd))
		return n < 0 || n == len ? -errno : -EIO;
	st->last = st->end;
	st->end += len;
	return 0;
}

int mt_state_undo(struct mt_state *st)
{
	if (ftruncate(st->fd, st->last) || fdatasync(st->fd))
		return -errno;
	st->end = st->last;
	return 0;
}

void mt_state_close(struct mt_state *st)
{
	if (st->fd >= 0)
		close(st->fd);
	st->fd = -1;
}

int mt_state_read(const char *path, char ***lines, size_t *n)
{
	FILE *f = fopen(path, "re");
	size_t cap = 0, size = 0;
	char *line = NULL;
	ssize_t len;
	int ret = 0;

	*lines = NULL;
	*n = 0;
	if (!f)
		return -errno;
	while ((len = getline(&line, &size, f)) >= 0) {
		if (len && line[len - 1] == '\n')
			line[len - 1] = '\0';
		if (*n == cap) {
			char **more = realloc(*lines, (cap = cap ? 2 * cap : 16) * sizeof(*more));

			if (!more) {
				ret = -ENOMEM;
				break;
			}
			*lines = more;
		}
		(*lines)[(*n)++] = line;
		line = NULL;
		size = 0;
	}
	free(line);
	if (!ret && ferror(f))
		ret = -EIO;
	fclose(f);
	if (ret) {
		mt_state_free(*lines, *n);
		*lines = NULL;
		*n = 0;
	}
	return ret;
}

void mt_state_free(char **lines, size_t n)
{
	while (n--)
		free(lines[n]);
	free(lines);
}
