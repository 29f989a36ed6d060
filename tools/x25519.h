/* SPDX-License-Identifier: GPL-2.0 */
/*
 * x25519.h - the X25519 function of RFC 7748 (Curve25519 Diffie-Hellman),
 * enough for `mtctl pubkey`: constant-time in the scalar.
 *
 *   mt_x25519()         out = scalar * point (u-coordinates, 32 bytes each)
 *   mt_x25519_base()    out = scalar * 9, a private key's public key
 */
#ifndef MT_TOOLS_X25519_H
#define MT_TOOLS_X25519_H

#include <stdint.h>

void mt_x25519(uint8_t out[32], const uint8_t scalar[32], const uint8_t point[32]);
void mt_x25519_base(uint8_t out[32], const uint8_t scalar[32]);

#endif /* MT_TOOLS_X25519_H */
