/* SPDX-License-Identifier: GPL-2.0 */
/*
 * key.h - Curve25519 keys as WireGuard users know them: 32 bytes, written
 * in base64 (44 characters).
 *
 *   mt_key_to_base64()    encode (out: MT_KEY_B64_LEN + 1 bytes)
 *   mt_key_from_base64()  decode; false unless exactly one valid key
 *   mt_key_read_file()    read a base64 key from a file ("-": stdin)
 *   mt_key_generate()     32 random bytes, clamped for use as a private key
 *   mt_key_public()       the public key of a private key (libsodium's X25519)
 *   mt_key_is_zero()      all 32 bytes zero
 */
#ifndef MT_TOOLS_KEY_H
#define MT_TOOLS_KEY_H

#include <stdbool.h>
#include <stdint.h>

#define MT_KEY_B64_LEN 44

void mt_key_to_base64(char out[MT_KEY_B64_LEN + 1], const uint8_t key[32]);
bool mt_key_from_base64(uint8_t key[32], const char *text);
int mt_key_read_file(uint8_t key[32], const char *path);
int mt_key_generate(uint8_t key[32], bool clamp);
int mt_key_public(uint8_t public_key[32], const uint8_t private_key[32]);
bool mt_key_is_zero(const uint8_t key[32]);

#endif /* MT_TOOLS_KEY_H */
