// SPDX-License-Identifier: GPL-2.0
/*
 * x25519.c - X25519 (RFC 7748) for mtctl.
 *
 * Field elements of GF(2^255 - 19) are five 51-bit limbs; products use
 * 128-bit intermediates. The Montgomery ladder follows RFC 7748 section 5
 * step by step, swapping with masks so that neither branches nor memory
 * accesses depend on the scalar. The inverse is z^(p-2).
 */
#include "x25519.h"

#include <string.h>

typedef uint64_t fe[5];
typedef unsigned __int128 u128;

#define MASK51 ((UINT64_C(1) << 51) - 1)

static uint64_t load64(const uint8_t *p)
{
	uint64_t v = 0;
	int i;

	for (i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

static void store64(uint8_t *p, uint64_t v)
{
	int i;

	for (i = 0; i < 8; i++, v >>= 8)
		p[i] = (uint8_t)v;
}

static void fe_frombytes(fe h, const uint8_t s[32])
{
	uint64_t t0 = load64(s), t1 = load64(s + 8), t2 = load64(s + 16), t3 = load64(s + 24);

	/* The top bit is ignored, as RFC 7748 asks of u-coordinates. */
	h[0] = t0 & MASK51;
	h[1] = (t0 >> 51 | t1 << 13) & MASK51;
	h[2] = (t1 >> 38 | t2 << 26) & MASK51;
	h[3] = (t2 >> 25 | t3 << 39) & MASK51;
	h[4] = (t3 >> 12) & MASK51;
}

static void fe_carry(fe h)
{
	uint64_t c;

	c = h[0] >> 51; h[0] &= MASK51; h[1] += c;
	c = h[1] >> 51; h[1] &= MASK51; h[2] += c;
	c = h[2] >> 51; h[2] &= MASK51; h[3] += c;
	c = h[3] >> 51; h[3] &= MASK51; h[4] += c;
	c = h[4] >> 51; h[4] &= MASK51; h[0] += 19 * c;
	c = h[0] >> 51; h[0] &= MASK51; h[1] += c;
}

static void fe_tobytes(uint8_t s[32], const fe f)
{
	uint64_t h[5], q, c;

	memcpy(h, f, sizeof(h));
	fe_carry(h);
	fe_carry(h);
	/* h < 2^255 + small: subtract p once if h >= p. */
	q = (h[0] + 19) >> 51;
	q = (h[1] + q) >> 51;
	q = (h[2] + q) >> 51;
	q = (h[3] + q) >> 51;
	q = (h[4] + q) >> 51;
	h[0] += 19 * q;
	c = h[0] >> 51; h[0] &= MASK51; h[1] += c;
	c = h[1] >> 51; h[1] &= MASK51; h[2] += c;
	c = h[2] >> 51; h[2] &= MASK51; h[3] += c;
	c = h[3] >> 51; h[3] &= MASK51; h[4] += c;
	h[4] &= MASK51;
	store64(s, h[0] | h[1] << 51);
	store64(s + 8, h[1] >> 13 | h[2] << 38);
	store64(s + 16, h[2] >> 26 | h[3] << 25);
	store64(s + 24, h[3] >> 39 | h[4] << 12);
}

static void fe_add(fe h, const fe f, const fe g)
{
	int i;

	for (i = 0; i < 5; i++)
		h[i] = f[i] + g[i];
	fe_carry(h);
}

/* f - g, computed as f + 2p - g so that no limb goes negative. */
static void fe_sub(fe h, const fe f, const fe g)
{
	h[0] = f[0] + 0xfffffffffffdaULL - g[0];
	h[1] = f[1] + 0xffffffffffffeULL - g[1];
	h[2] = f[2] + 0xffffffffffffeULL - g[2];
	h[3] = f[3] + 0xffffffffffffeULL - g[3];
	h[4] = f[4] + 0xffffffffffffeULL - g[4];
	fe_carry(h);
}

static void fe_mul(fe h, const fe f, const fe g)
{
	uint64_t g1 = 19 * g[1], g2 = 19 * g[2], g3 = 19 * g[3], g4 = 19 * g[4];
	u128 r0, r1, r2, r3, r4;
	uint64_t c;

	r0 = (u128)f[0] * g[0] + (u128)f[1] * g4 + (u128)f[2] * g3 + (u128)f[3] * g2 +
	     (u128)f[4] * g1;
	r1 = (u128)f[0] * g[1] + (u128)f[1] * g[0] + (u128)f[2] * g4 + (u128)f[3] * g3 +
	     (u128)f[4] * g2;
	r2 = (u128)f[0] * g[2] + (u128)f[1] * g[1] + (u128)f[2] * g[0] + (u128)f[3] * g4 +
	     (u128)f[4] * g3;
	r3 = (u128)f[0] * g[3] + (u128)f[1] * g[2] + (u128)f[2] * g[1] + (u128)f[3] * g[0] +
	     (u128)f[4] * g4;
	r4 = (u128)f[0] * g[4] + (u128)f[1] * g[3] + (u128)f[2] * g[2] + (u128)f[3] * g[1] +
	     (u128)f[4] * g[0];

	r1 += (uint64_t)(r0 >> 51); h[0] = (uint64_t)r0 & MASK51;
	r2 += (uint64_t)(r1 >> 51); h[1] = (uint64_t)r1 & MASK51;
	r3 += (uint64_t)(r2 >> 51); h[2] = (uint64_t)r2 & MASK51;
	r4 += (uint64_t)(r3 >> 51); h[3] = (uint64_t)r3 & MASK51;
	c = (uint64_t)(r4 >> 51); h[4] = (uint64_t)r4 & MASK51;
	h[0] += 19 * c;
	c = h[0] >> 51; h[0] &= MASK51; h[1] += c;
}

static void fe_mul_small(fe h, const fe f, uint32_t n)
{
	u128 r;
	uint64_t c = 0;
	int i;

	for (i = 0; i < 5; i++) {
		r = (u128)f[i] * n + c;
		h[i] = (uint64_t)r & MASK51;
		c = (uint64_t)(r >> 51);
	}
	h[0] += 19 * c;
	fe_carry(h);
}

/* z^(p-2) = z^-1; p - 2 = 2^255 - 21: bits 254..5 set, then 01011. */
static void fe_invert(fe out, const fe z)
{
	fe r = { 1 };
	int bit;

	for (bit = 254; bit >= 0; bit--) {
		fe_mul(r, r, r);
		if (bit >= 5 || ((0x0b >> bit) & 1))
			fe_mul(r, r, z);
	}
	memcpy(out, r, sizeof(fe));
}

static void fe_cswap(fe a, fe b, uint64_t swap)
{
	uint64_t mask = 0 - swap, x;
	int i;

	for (i = 0; i < 5; i++) {
		x = mask & (a[i] ^ b[i]);
		a[i] ^= x;
		b[i] ^= x;
	}
}

void mt_x25519(uint8_t out[32], const uint8_t scalar[32], const uint8_t point[32])
{
	fe x1, x2 = { 1 }, z2 = { 0 }, x3, z3 = { 1 };
	fe a, aa, b, bb, e, c, d, da, cb, t;
	uint8_t k[32];
	uint64_t swap = 0, bit;
	int i;

	memcpy(k, scalar, 32);
	k[0] &= 248;
	k[31] &= 127;
	k[31] |= 64;
	fe_frombytes(x1, point);
	memcpy(x3, x1, sizeof(fe));

	for (i = 254; i >= 0; i--) {
		bit = (k[i / 8] >> (i % 8)) & 1;
		swap ^= bit;
		fe_cswap(x2, x3, swap);
		fe_cswap(z2, z3, swap);
		swap = bit;

		fe_add(a, x2, z2);
		fe_mul(aa, a, a);
		fe_sub(b, x2, z2);
		fe_mul(bb, b, b);
		fe_sub(e, aa, bb);
		fe_add(c, x3, z3);
		fe_sub(d, x3, z3);
		fe_mul(da, d, a);
		fe_mul(cb, c, b);
		fe_add(t, da, cb);
		fe_mul(x3, t, t);
		fe_sub(t, da, cb);
		fe_mul(t, t, t);
		fe_mul(z3, x1, t);
		fe_mul(x2, aa, bb);
		fe_mul_small(t, e, 121665);
		fe_add(t, aa, t);
		fe_mul(z2, e, t);
	}
	fe_cswap(x2, x3, swap);
	fe_cswap(z2, z3, swap);

	fe_invert(z2, z2);
	fe_mul(x2, x2, z2);
	fe_tobytes(out, x2);

	memset(k, 0, sizeof(k));
	__asm__ __volatile__("" : : "r"(k) : "memory");
}

void mt_x25519_base(uint8_t out[32], const uint8_t scalar[32])
{
	static const uint8_t nine[32] = { 9 };

	mt_x25519(out, scalar, nine);
}
