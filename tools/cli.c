// SPDX-License-Identifier: GPL-2.0
/*
 * cli.c - the error reporting and argument helpers all subcommands share.
 */
#include "cli.h"
#include "netlink.h"

#include <errno.h>
#include <net/if.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* The first failure is the one the user must hear of: later ones follow from it. */
static bool recorded(const struct mt_cli *cli)
{
	return cli->error[0];
}

int mt_cli_vfail(struct mt_cli *cli, int err, const char *object, const char *fmt, va_list ap)
{
	int n;

	if (recorded(cli))
		return err;
	n = snprintf(cli->error, sizeof(cli->error), "%s%s%s: ", cli->cmd, object ? " " : "",
		     object ? object : "");
	if (n < 0 || (size_t)n >= sizeof(cli->error))
		return err;
	vsnprintf(cli->error + n, sizeof(cli->error) - n, fmt, ap);
	return err;
}

int mt_cli_fail(struct mt_cli *cli, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	mt_cli_vfail(cli, err, NULL, fmt, ap);
	va_end(ap);
	return err;
}

int mt_cli_fail_word(struct mt_cli *cli, const char *word, const char *why)
{
	return mt_cli_fail(cli, -EINVAL, "cannot parse \"%s\"%s%s", word, why ? ": " : "",
			   why ? why : "");
}

int mt_cli_fail_request(struct mt_cli *cli, const char *what, int err)
{
	const char *extack = cli->genl ? cli->genl->message : "";

	if (!recorded(cli))
		snprintf(cli->error, sizeof(cli->error), "%s: %s%s%s", what, strerror(-err),
			 extack[0] ? ": " : "", extack);
	return err;
}

void mt_cli_report(struct mt_cli *cli)
{
	if (recorded(cli))
		fprintf(stderr, "%s: %s\n", cli->prog, cli->error);
	cli->error[0] = '\0';
}

const char *mt_cli_dev(struct mt_cli *cli, int argc, char **argv)
{
	if (argc < 2 || strcmp(argv[0], "dev")) {
		mt_cli_fail(cli, -EINVAL, "expected \"dev DEV\"%s%s%s", argc ? ", not \"" : "",
			    argc ? argv[0] : "", argc ? "\"" : "");
		return NULL;
	}
	if (strlen(argv[1]) >= IFNAMSIZ) {
		mt_cli_fail(cli, -EINVAL, "device name \"%s\" is too long", argv[1]);
		return NULL;
	}
	return argv[1];
}
