/* SPDX-License-Identifier: GPL-2.0 */
/*
 * cli.h - what every mtctl subcommand shares: its context, its signature,
 * and the one way errors are reported. A subcommand returns 0, or a
 * negative errno after recording one message that names the word, file
 * or device that failed; main() prints that message once, as
 * "mtctl: MESSAGE", and exits 1. A command that goes on after a failure
 * (down removes all it can) prints each with mt_cli_report() as it
 * happens, and returns the first one's errno.
 *
 *   struct mt_cli          program name, subcommand, -j, the netlink handle
 *   mt_command_fn          a subcommand: (cli, argc, argv) after its name
 *   mt_cli_fail()          record "CMD: MESSAGE"; returns err
 *   mt_cli_vfail()         record "CMD OBJECT: MESSAGE" (OBJECT may be
 *                          NULL), from a va_list; returns err
 *   mt_cli_fail_word()     record "CMD: cannot parse "WORD": WHY"; -EINVAL
 *   mt_cli_fail_request()  record "WHAT: strerror: the kernel's extack
 *                          message"; returns err
 *   mt_cli_report()        print the recorded message now and forget it
 *                          (for a command that goes on after a failure)
 *   mt_cli_dev()           the "dev DEV" that starts argv, or NULL with
 *                          the failure recorded
 *
 * The subcommands, one file per family:
 *   cmd_show.c  show, showconf       cmd_keys.c  genkey, genpsk, pubkey
 *   cmd_set.c   set, setconf,        up.c, down.c  up, down (their parts:
 *               addconf, syncconf                  up_internal.h)
 * and mtctl.c holds the one table that dispatches to them and writes
 * `mtctl help`.
 */
#ifndef MT_TOOLS_CLI_H
#define MT_TOOLS_CLI_H

#include <stdarg.h>
#include <stdbool.h>

struct mt_netlink;

struct mt_cli {
	const char *prog;	/* "mtctl", as messages start */
	const char *cmd;	/* the subcommand, as typed */
	bool json;		/* -j */
	struct mt_netlink *genl;	/* open when the command's row asks for it */
	char error[1024];	/* the message, after "mtctl: "; empty if none */
};

typedef int mt_command_fn(struct mt_cli *cli, int argc, char **argv);

mt_command_fn mt_cmd_show, mt_cmd_showconf;
mt_command_fn mt_cmd_set, mt_cmd_conf;
mt_command_fn mt_cmd_key;
mt_command_fn mt_cmd_up, mt_cmd_down;

int mt_cli_fail(struct mt_cli *cli, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
int mt_cli_vfail(struct mt_cli *cli, int err, const char *object, const char *fmt, va_list ap)
	__attribute__((format(printf, 4, 0)));
int mt_cli_fail_word(struct mt_cli *cli, const char *word, const char *why);
int mt_cli_fail_request(struct mt_cli *cli, const char *what, int err);
void mt_cli_report(struct mt_cli *cli);
const char *mt_cli_dev(struct mt_cli *cli, int argc, char **argv);

#endif /* MT_TOOLS_CLI_H */
