/* SPDX-License-Identifier: GPL-2.0 */
/*
 * state.h - the record `mtctl up` keeps of what it installed, so that
 * `mtctl down` removes exactly that, even after a crash in between.
 *
 * The record is a text file of lines, each written and synced before the
 * change it describes is made; a change that fails takes its line back.
 * So the record always covers everything installed (and at worst names
 * something that never was, which removal then finds absent).
 *
 *   mt_state_create()  a new record at PATH (-EEXIST if there is one)
 *   mt_state_add()     append a line (printf-style) and sync it
 *   mt_state_undo()    take the last line back
 *   mt_state_close()   close the record (the file stays)
 *   mt_state_read()    every line of the record at PATH, in order
 *   mt_state_free()    free what mt_state_read() returned
 */
#ifndef MT_TOOLS_STATE_H
#define MT_TOOLS_STATE_H

#include <stddef.h>
#include <sys/types.h>

struct mt_state {
	int fd;
	off_t end, last;	/* length now, and before the last line */
};

int mt_state_create(struct mt_state *st, const char *path);
int mt_state_add(struct mt_state *st, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
int mt_state_undo(struct mt_state *st);
void mt_state_close(struct mt_state *st);
int mt_state_read(const char *path, char ***lines, size_t *n);
void mt_state_free(char **lines, size_t n);

#endif /* MT_TOOLS_STATE_H */
