// SPDX-License-Identifier: GPL-2.0
/*
 * cmd_keys.c - `mtctl genkey`, `genpsk` and `pubkey`, as wg(8)'s: base64
 * keys on standard output, no kernel needed.
 */
#include "cli.h"
#include "key.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

int mt_cmd_key(struct mt_cli *cli, int argc, char **argv)
{
	char text[MT_KEY_B64_LEN + 1], line[128];
	uint8_t key[32], pub[32];
	int ret = 0;

	if (argc)
		return mt_cli_fail_word(cli, argv[0], "takes no arguments");
	if (!strcmp(cli->cmd, "pubkey")) {
		size_t n;

		if (!fgets(line, sizeof(line), stdin))
			return mt_cli_fail(cli, -EINVAL, "expected a private key on standard input");
		n = strcspn(line, "\r\n");
		line[n] = '\0';
		if (!mt_key_from_base64(key, line) || mt_key_public(pub, key)) {
			ret = mt_cli_fail(cli, -EINVAL, "not a base64 private key of 32 bytes");
		} else {
			mt_key_to_base64(text, pub);
			printf("%s\n", text);
		}
		explicit_bzero(line, sizeof(line));
		explicit_bzero(pub, sizeof(pub));
	} else {
		/* genkey's keys are clamped, genpsk's are 32 plain random bytes. */
		ret = mt_key_generate(key, !strcmp(cli->cmd, "genkey"));
		if (ret) {
			mt_cli_fail(cli, ret, "no randomness: %s", strerror(-ret));
		} else {
			mt_key_to_base64(text, key);
			printf("%s\n", text);
		}
	}
	explicit_bzero(key, sizeof(key));
	explicit_bzero(text, sizeof(text));
	return ret;
}
