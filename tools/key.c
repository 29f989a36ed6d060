// SPDX-License-Identifier: GPL-2.0
/*
 * key.c - base64 keys, key files, key generation. The curve is libsodium's
 * (constant-time X25519, the system's random source); the joining work
 * will take its Ed25519 signatures from the same library.
 */
#include "key.h"

#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

static const char b64[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

void mt_key_to_base64(char out[MT_KEY_B64_LEN + 1], const uint8_t key[32])
{
	unsigned int i, o = 0;

	for (i = 0; i < 30; i += 3) {
		uint32_t v = key[i] << 16 | key[i + 1] << 8 | key[i + 2];

		out[o++] = b64[v >> 18];
		out[o++] = b64[(v >> 12) & 63];
		out[o++] = b64[(v >> 6) & 63];
		out[o++] = b64[v & 63];
	}
	/* 32 = 30 + 2: the last group has two bytes and one '='. */
	{
		uint32_t v = key[30] << 16 | key[31] << 8;

		out[o++] = b64[v >> 18];
		out[o++] = b64[(v >> 12) & 63];
		out[o++] = b64[(v >> 6) & 63];
		out[o++] = '=';
	}
	out[o] = '\0';
}

static int b64_value(char c)
{
	const char *p = c ? strchr(b64, c) : NULL;

	return p ? (int)(p - b64) : -1;
}

bool mt_key_from_base64(uint8_t key[32], const char *text)
{
	unsigned int i, o = 0;
	uint32_t v;
	int d[4];

	if (strlen(text) != MT_KEY_B64_LEN || text[43] != '=')
		return false;
	for (i = 0; i < 44; i += 4) {
		unsigned int j, n = i == 40 ? 3 : 4;

		for (j = 0; j < n; j++) {
			d[j] = b64_value(text[i + j]);
			if (d[j] < 0)
				return false;
		}
		if (n == 3) {
			v = d[0] << 18 | d[1] << 12 | d[2] << 6;
			/* The unused low bits must be zero (canonical encoding). */
			if (v & 0xff)
				return false;
			key[o++] = v >> 16;
			key[o++] = (v >> 8) & 0xff;
		} else {
			v = d[0] << 18 | d[1] << 12 | d[2] << 6 | d[3];
			key[o++] = v >> 16;
			key[o++] = (v >> 8) & 0xff;
			key[o++] = v & 0xff;
		}
	}
	explicit_bzero(&v, sizeof(v));
	explicit_bzero(d, sizeof(d));
	return true;
}

int mt_key_read_file(uint8_t key[32], const char *path)
{
	char buf[MT_KEY_B64_LEN + 3];
	FILE *f = strcmp(path, "-") ? fopen(path, "r") : stdin;
	size_t n;
	int ret = 0;

	if (!f)
		return -errno;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	if (f != stdin)
		fclose(f);
	buf[n] = '\0';
	/* One key, optionally followed by a newline. */
	while (n && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
		buf[--n] = '\0';
	if (!mt_key_from_base64(key, buf))
		ret = -EINVAL;
	explicit_bzero(buf, sizeof(buf));
	return ret;
}

/* libsodium picks its implementations once; safe to call again. */
static int sodium_ready(void)
{
	return sodium_init() < 0 ? -EIO : 0;
}

int mt_key_generate(uint8_t key[32], bool clamp)
{
	int ret = sodium_ready();

	if (ret)
		return ret;
	randombytes_buf(key, 32);
	if (clamp) {
		key[0] &= 248;
		key[31] = (key[31] & 127) | 64;
	}
	return 0;
}

int mt_key_public(uint8_t public_key[32], const uint8_t private_key[32])
{
	int ret = sodium_ready();

	if (ret)
		return ret;
	/* Fails only for a result of all zeros, which scalar * 9 never is. */
	return crypto_scalarmult_curve25519_base(public_key, private_key) ? -EINVAL : 0;
}

bool mt_key_is_zero(const uint8_t key[32])
{
	uint8_t acc = 0;
	unsigned int i;

	for (i = 0; i < 32; i++)
		acc |= key[i];
	return !acc;
}
