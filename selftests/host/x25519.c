// SPDX-License-Identifier: GPL-2.0
/*
 * x25519.c - the X25519 mtctl links (libsodium's) against the test vectors
 * of RFC 7748: the function's vector (5.2), its iterated form after 1 and
 * 1000 rounds (5.2), and the Diffie-Hellman example (6.1), whose public
 * keys come from mtctl's own mt_key_public(); and mt_key_generate()'s
 * clamping. Prints TAP.
 */
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "../../tools/key.h"

static int n, failed;

static void hex(const char *text, unsigned char out[32])
{
	int i;

	for (i = 0; i < 32; i++)
		sscanf(text + 2 * i, "%2hhx", &out[i]);
}

static void expect(const char *name, const unsigned char got[32], const char *want_hex)
{
	unsigned char want[32];
	int ok;

	hex(want_hex, want);
	ok = !memcmp(got, want, 32);
	failed |= !ok;
	printf("%s %d - x25519: %s\n", ok ? "ok" : "not ok", ++n, name);
}

/* A failure (an all-zero result) fails the test whose value it spoils. */
static void x25519(unsigned char out[32], const unsigned char scalar[32],
		   const unsigned char point[32])
{
	if (crypto_scalarmult_curve25519(out, scalar, point))
		memset(out, 0, 32);
}

int main(void)
{
	unsigned char scalar[32], u[32], out[32], k[32] = { 9 }, prev[32] = { 9 };
	unsigned char alice[32], bob[32], alice_pub[32], bob_pub[32], s1[32], s2[32];
	int i, ok;

	if (sodium_init() < 0) {
		printf("Bail out! sodium_init failed\n");
		return 1;
	}
	hex("a546e36bf0527c9d3b16154b82465edd62144c0ac1fc5a18506a2244ba449ac4", scalar);
	hex("e6db6867583030db3594c1a424b15f7c726624ec26b3353b10a903a6d0ab1c4c", u);
	x25519(out, scalar, u);
	expect("RFC 7748 5.2 vector", out,
	       "c3da55379de9c6908e94ea4df28d084f32eccf03491c71f754b4075577a28552");

	for (i = 1; i <= 1000; i++) {
		x25519(out, k, prev);
		memcpy(prev, k, 32);
		memcpy(k, out, 32);
		if (i == 1)
			expect("RFC 7748 5.2, 1 iteration", k,
			       "422c8e7a6227d7bca1350b3e2bb7279f7897b87bb6854b783c60e80311ae3079");
	}
	expect("RFC 7748 5.2, 1000 iterations", k,
	       "684cf59ba83309552800ef566f2f4d3c1c3887c49360e3875f2eb94d99532c51");

	hex("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a", alice);
	hex("5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb", bob);
	ok = !mt_key_public(alice_pub, alice) && !mt_key_public(bob_pub, bob);
	failed |= !ok;
	printf("%s %d - mt_key_public returns 0\n", ok ? "ok" : "not ok", ++n);
	expect("RFC 7748 6.1, Alice's public key", alice_pub,
	       "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a");
	expect("RFC 7748 6.1, Bob's public key", bob_pub,
	       "de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f");
	x25519(s1, alice, bob_pub);
	x25519(s2, bob, alice_pub);
	expect("RFC 7748 6.1, shared secret (Alice)", s1,
	       "4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742");
	expect("RFC 7748 6.1, shared secret (Bob)", s2,
	       "4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742");

	/* genkey's keys are clamped (RFC 7748 5), and two are not the same. */
	ok = !mt_key_generate(s1, true) && !mt_key_generate(s2, true) &&
	     !(s1[0] & 7) && (s1[31] & 0xc0) == 0x40 && memcmp(s1, s2, 32);
	failed |= !ok;
	printf("%s %d - mt_key_generate: clamped, random\n", ok ? "ok" : "not ok", ++n);
	printf("1..%d\n", n);
	return failed;
}
