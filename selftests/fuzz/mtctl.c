// SPDX-License-Identifier: GPL-2.0
/*
 * mtctl.c - a libFuzzer harness for mtctl's parsers, built with ASan and
 * UBSan (selftests/Makefile: build/tests/fuzz-mtctl).
 *
 * The first byte of an input picks what the rest is fed to:
 *   0  one word to every word parser (CIDR, endpoint, port, fwmark,
 *      keepalive, on/off, base64 key); a CIDR that parses must format and parse
 *      back to itself
 *   1  a configuration file (mt_ini_read), read as mtctl up reads it (its
 *      own keys too), then as setconf does; one that parses must write out
 *      (showconf's format), read back, and write out the same again
 * Any other first byte is taken modulo 2. A broken round trip aborts, which
 * libFuzzer reports like a crash.
 *
 * Endpoints resolve with AI_NUMERICHOST here (getaddrinfo is wrapped at
 * link time): random words must not become DNS queries.
 */
#define _GNU_SOURCE
#include <netdb.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "../../tools/conf.h"
#include "../../tools/ini.h"
#include "../../tools/key.h"
#include "../../tools/parse.h"

int __real_getaddrinfo(const char *node, const char *service, const struct addrinfo *hints,
		       struct addrinfo **res);

int __wrap_getaddrinfo(const char *node, const char *service, const struct addrinfo *hints,
		       struct addrinfo **res)
{
	struct addrinfo numeric = { 0 };

	if (hints)
		numeric = *hints;
	numeric.ai_flags |= AI_NUMERICHOST;
	return __real_getaddrinfo(node, service, &numeric, res);
}

static void words(const char *text)
{
	struct mt_allowedip ip, again;
	union mt_sockaddr ep;
	char buf[128];
	uint8_t key[32];
	uint32_t u32;
	uint16_t u16;
	bool flag;

	if (!mt_parse_cidr(&ip, text, NULL)) {
		mt_format_cidr(&ip, buf, sizeof(buf));
		if (mt_parse_cidr(&again, buf, NULL) || again.family != ip.family ||
		    again.cidr != ip.cidr ||
		    memcmp(again.addr, ip.addr, ip.family == AF_INET ? 4 : 16)) {
			fprintf(stderr, "CIDR \"%s\" formats as \"%s\", which does not parse back\n",
				text, buf);
			abort();
		}
	}
	if (!mt_parse_endpoint(&ep, text, NULL))
		mt_format_endpoint(&ep, buf, sizeof(buf));
	mt_parse_u16(&u16, text);
	mt_parse_fwmark(&u32, text);
	mt_parse_keepalive(&u16, text);
	mt_parse_switch(&flag, text);
	mt_key_from_base64(key, text);
}

/* Data in a file descriptor, for the parser that reads files by name. */
static int as_file(const void *data, size_t size, char path[64])
{
	int fd = memfd_create("fuzz", MFD_CLOEXEC);

	if (fd < 0 || write(fd, data, size) != (ssize_t)size) {
		perror("memfd");
		abort();
	}
	snprintf(path, 64, "/proc/self/fd/%d", fd);
	return fd;
}

/* showconf's text of a configuration, in a malloc'd buffer. */
static char *written(const struct mt_device_conf *conf, size_t *len)
{
	char *text = NULL;
	FILE *f = open_memstream(&text, len);

	if (!f)
		abort();
	mt_ini_write(f, conf);
	fclose(f);
	return text;
}

static void config_file(const uint8_t *data, size_t size)
{
	struct mt_device_conf conf, again;
	char path[64], err[256];
	char *text1, *text2;
	size_t len1, len2;
	int fd, fd2;

	struct mt_up_conf up;

	fd = as_file(data, size, path);
	/* As mtctl up reads it: every key of up too. */
	memset(&conf, 0, sizeof(conf));
	memset(&up, 0, sizeof(up));
	mt_ini_read(path, &conf, &up, err, sizeof(err));
	mt_up_free(&up);
	mt_conf_free(&conf);
	/* As setconf reads it, for the round trip. */
	memset(&conf, 0, sizeof(conf));
	if (mt_ini_read(path, &conf, NULL, err, sizeof(err))) {
		close(fd);
		mt_conf_free(&conf);
		return;
	}
	close(fd);
	text1 = written(&conf, &len1);
	fd2 = as_file(text1, len1, path);
	memset(&again, 0, sizeof(again));
	if (mt_ini_read(path, &again, NULL, err, sizeof(err))) {
		fprintf(stderr, "showconf's output does not read back: %s\n%s", err, text1);
		abort();
	}
	close(fd2);
	text2 = written(&again, &len2);
	if (len1 != len2 || memcmp(text1, text2, len1)) {
		fprintf(stderr, "a second round trip differs:\n%s---\n%s", text1, text2);
		abort();
	}
	free(text1);
	free(text2);
	mt_conf_free(&conf);
	mt_conf_free(&again);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text;

	if (size < 1)
		return 0;
	if (data[0] % 2 == 0) {
		text = malloc(size);
		if (!text)
			return 0;
		memcpy(text, data + 1, size - 1);
		text[size - 1] = '\0';
		words(text);
		free(text);
	} else {
		config_file(data + 1, size - 1);
	}
	return 0;
}
