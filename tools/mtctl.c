// SPDX-License-Identifier: GPL-2.0
/*
 * mtctl - configure meshtun devices: the command table and main().
 *
 *   mtctl [-j] show [dev DEV] [FIELD]
 *   mtctl showconf dev DEV
 *   mtctl set dev DEV [private-key FILE] [listen-port N] [fwmark M|off] [relay on|off]
 *             [peer KEY [remove] [preshared-key FILE] [endpoint HOST:PORT]
 *              [persistent-keepalive N|off] [hub on|off] [allowed-ips [+|-]CIDR[,...]]]...
 *   mtctl setconf|addconf|syncconf dev DEV FILE
 *   mtctl up|down FILE|NAME
 *   mtctl genkey | genpsk | pubkey
 *
 * Errors name the word (or file, line and key) that could not be used and
 * show the kernel's extended acknowledgement; the exit status is non-zero
 * on any failure. Keys read from files are zeroed after use; private keys
 * are printed only by showconf and `show private-key`. The subcommands
 * live one family per file (cli.h lists them).
 */
#include "cli.h"
#include "netlink.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define MTCTL_VERSION "0.1.0"

/*
 * Every subcommand, once: dispatch, `mtctl help` and (later) the shell
 * completion are made from this table. A row whose usage is NULL is
 * described in the row before it.
 */
static const struct mt_command {
	const char *name;
	mt_command_fn *run;
	bool needs_genl;	/* talks to the module: open the family first */
	const char *usage;	/* the words after "mtctl"; lines after the first
				 * are indented from the first word */
} commands[] = {
	{ "show", mt_cmd_show, true,
	  "[-j] show [dev DEV] [public-key | private-key | listen-port | fwmark |\n"
	  "    peers | preshared-keys | endpoints | allowed-ips | handshakes |\n"
	  "    transfer | persistent-keepalive | hubs | paths | dump]" },
	{ "showconf", mt_cmd_showconf, true, "showconf dev DEV" },
	{ "set", mt_cmd_set, true,
	  "set dev DEV [private-key FILE] [listen-port N] [fwmark M|off]\n"
	  "   [relay on|off]\n"
	  "   [peer KEY [remove] [preshared-key FILE] [endpoint HOST:PORT]\n"
	  "    [persistent-keepalive N|off] [hub on|off]\n"
	  "    [allowed-ips [+|-]CIDR[,...]]]..." },
	{ "setconf", mt_cmd_conf, true, "setconf | addconf | syncconf dev DEV FILE" },
	{ "addconf", mt_cmd_conf, true, NULL },
	{ "syncconf", mt_cmd_conf, true, NULL },
	{ "up", mt_cmd_up, true, "up | down FILE | NAME" },
	/* Taking a device down needs its record and rtnetlink, not the module. */
	{ "down", mt_cmd_down, false, NULL },
	{ "genkey", mt_cmd_key, false, "genkey | genpsk | pubkey" },
	{ "genpsk", mt_cmd_key, false, NULL },
	{ "pubkey", mt_cmd_key, false, NULL },
};

#define N_COMMANDS (sizeof(commands) / sizeof(commands[0]))

/* Each usage line, its continuation lines indented under the first word. */
static void usage(FILE *out, const char *prog)
{
	const char *indent = "       ";
	unsigned int i;

	for (i = 0; i < N_COMMANDS; i++) {
		const char *line = commands[i].usage;

		if (!line)
			continue;
		fprintf(out, "%s%s ", i ? indent : "usage: ", prog);
		for (; *line; line++) {
			fputc(*line, out);
			if (*line == '\n')
				fprintf(out, "%s%*s", indent, (int)strlen(prog) + 1, "");
		}
		fputc('\n', out);
	}
	fprintf(out, "%s%s help | --version\n", indent, prog);
}

static int run(const struct mt_command *c, struct mt_cli *cli, int argc, char **argv)
{
	struct mt_netlink genl;
	int ret;

	if (c->needs_genl) {
		ret = mt_netlink_open_genl(&genl);
		if (ret) {
			fprintf(stderr, "%s: %s\n", cli->prog,
				genl.message[0] ? genl.message : strerror(-ret));
			return 1;
		}
		cli->genl = &genl;
	}
	ret = c->run(cli, argc, argv);
	if (cli->genl)
		mt_netlink_close(cli->genl);
	cli->genl = NULL;
	/* Output that did not all get written is a failure too. */
	if (fflush(stdout) || ferror(stdout)) {
		mt_cli_fail(cli, -EIO, "writing the output: %s", strerror(errno));
		if (!ret)
			ret = -EIO;
	}
	mt_cli_report(cli);
	return ret ? 1 : 0;
}

int main(int argc, char **argv)
{
	struct mt_cli cli = { .prog = "mtctl" };
	unsigned int i;

	if (argc >= 2 && !strcmp(argv[1], "-j")) {
		cli.json = true;
		argc--;
		argv++;
	}
	if (argc < 2 || !strcmp(argv[1], "help") || !strcmp(argv[1], "-h") ||
	    !strcmp(argv[1], "--help")) {
		usage(argc < 2 ? stderr : stdout, cli.prog);
		return argc < 2;
	}
	if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "-V")) {
		printf("mtctl %s\n", MTCTL_VERSION);
		return 0;
	}
	/* A dump of a large mesh is megabytes: write it in few, large pieces. */
	if (!isatty(STDOUT_FILENO))
		setvbuf(stdout, NULL, _IOFBF, 1 << 16);
	for (i = 0; i < N_COMMANDS; i++) {
		if (strcmp(argv[1], commands[i].name))
			continue;
		cli.cmd = commands[i].name;
		return run(&commands[i], &cli, argc - 2, argv + 2);
	}
	fprintf(stderr, "%s: unknown command \"%s\"\n", cli.prog, argv[1]);
	usage(stderr, cli.prog);
	return 1;
}
