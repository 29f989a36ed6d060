#!/usr/bin/python3
"""A made-up meshtun peer for the tests: it shakes hands with a device, as
a meshtun peer does (the mesh signal in its sender index) or as a plain
WireGuard peer, then sends the plaintexts it is given as data messages and
prints what the device sends back.

  meshpeer.py PRIVATE_KEY_FILE DEVICE_PUBLIC_KEY HOST PORT [options] HEX...

  --plain          no mesh signal: the device must take us for WireGuard
  --replay N       send the Nth message (from 0) once more, same counter
  --listen SECONDS how long to listen for answers afterwards (default 2)

Each HEX is one plaintext (a mesh message, or an IP packet), sent 20 ms
after the one before; "sleep:SECONDS" in their place pauses. Prints one
line per data message received: "rx TYPE LEN HEX" (TYPE: the first
byte of the plaintext, in hex; LEN 0 for a keepalive). Exits non-zero if
the handshake fails.

Needs python3-cryptography (X25519, ChaCha20-Poly1305); BLAKE2s is
hashlib's.
"""
import argparse
import base64
import hashlib
import hmac
import os
import socket
import struct
import sys
import time

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

CONSTRUCTION = b"Noise_IKpsk2_25519_ChaChaPoly_BLAKE2s"
IDENTIFIER = b"WireGuard v1 zx2c4 Jason@zx2c4.com"
LABEL_MAC1 = b"mac1----"
SIGNAL_INITIATOR = b"meshtun mesh 2 i"


def blake2s(data, key=b"", size=32):
    return hashlib.blake2s(data, key=key, digest_size=size).digest()


def hmac_blake2s(key, data):
    return hmac.new(key, data, hashlib.blake2s).digest()


def kdf(ck, data, n):
    secret = hmac_blake2s(ck, data)
    out, prev = [], b""
    for i in range(1, n + 1):
        prev = hmac_blake2s(secret, prev + bytes([i]))
        out.append(prev)
    return out


def aead(key, counter, data, ad, decrypt=False):
    box = ChaCha20Poly1305(key)
    nonce = b"\0" * 4 + struct.pack("<Q", counter)
    return box.decrypt(nonce, data, ad) if decrypt else box.encrypt(nonce, data, ad)


def raw(public):
    return public.public_bytes(Encoding.Raw, PublicFormat.Raw)


def tai64n():
    now = time.time()
    return struct.pack(">QI", 0x400000000000000A + int(now), int(now % 1 * 1e9) & ~0xFFFFF)


def handshake(sock, dest, static, peer_pub, signal):
    """The initiator's side of Noise IK; returns (send key, receive key, receiver index)."""
    s_pub = raw(static.public_key())
    ck = blake2s(CONSTRUCTION)
    h = blake2s(blake2s(ck + IDENTIFIER) + peer_pub)
    e = X25519PrivateKey.generate()
    e_pub = raw(e.public_key())
    h = blake2s(h + e_pub)
    (ck,) = kdf(ck, e_pub, 1)
    ck, k = kdf(ck, e.exchange(X25519PublicKey.from_public_bytes(peer_pub)), 2)
    enc_static = aead(k, 0, s_pub, h)
    h = blake2s(h + enc_static)
    ss = static.exchange(X25519PublicKey.from_public_bytes(peer_pub))
    ck, k = kdf(ck, ss, 2)
    enc_time = aead(k, 0, tai64n(), h)
    h = blake2s(h + enc_time)
    sender = blake2s(SIGNAL_INITIATOR + e_pub, key=ss, size=4) if signal else os.urandom(4)
    msg = struct.pack("<I", 1) + sender + e_pub + enc_static + enc_time
    msg += blake2s(msg, key=blake2s(LABEL_MAC1 + peer_pub), size=16) + b"\0" * 16
    sock.sendto(msg, dest)

    deadline = time.time() + 10
    while time.time() < deadline:
        sock.settimeout(max(0.1, deadline - time.time()))
        try:
            resp, _ = sock.recvfrom(2048)
        except socket.timeout:
            break
        if len(resp) != 92 or resp[0] != 2 or resp[8:12] != sender:
            continue
        their_index, e_r = resp[4:8], resp[12:44]
        h2 = blake2s(h + e_r)
        (ck2,) = kdf(ck, e_r, 1)
        (ck2,) = kdf(ck2, e.exchange(X25519PublicKey.from_public_bytes(e_r)), 1)
        (ck2,) = kdf(ck2, static.exchange(X25519PublicKey.from_public_bytes(e_r)), 1)
        ck2, tau, k = kdf(ck2, b"\0" * 32, 3)
        h2 = blake2s(h2 + tau)
        aead(k, 0, resp[44:60], h2, decrypt=True)  # raises if it does not authenticate
        send_key, recv_key = kdf(ck2, b"", 2)
        return send_key, recv_key, their_index
    sys.exit("meshpeer: no handshake response")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("key_file")
    ap.add_argument("peer_pub")
    ap.add_argument("host")
    ap.add_argument("port", type=int)
    ap.add_argument("--plain", action="store_true")
    ap.add_argument("--replay", type=int, default=-1)
    ap.add_argument("--listen", type=float, default=2)
    ap.add_argument("messages", nargs="*")
    a = ap.parse_intermixed_args()

    with open(a.key_file) as f:
        static = X25519PrivateKey.from_private_bytes(base64.b64decode(f.read().strip()))
    peer_pub = base64.b64decode(a.peer_pub)
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    dest = (a.host, a.port)
    send_key, recv_key, their_index = handshake(sock, dest, static, peer_pub, not a.plain)

    sent = []
    counter = 0
    for text in a.messages:
        if text.startswith("sleep:"):
            time.sleep(float(text[6:]))
            continue
        plain = bytes.fromhex(text)
        plain += b"\0" * (-len(plain) % 16)
        msg = struct.pack("<I", 4) + their_index + struct.pack("<Q", counter)
        msg += aead(send_key, counter, plain, b"")
        sock.sendto(msg, dest)
        sent.append(msg)
        counter += 1
        time.sleep(0.02)
    if 0 <= a.replay < len(sent):
        sock.sendto(sent[a.replay], dest)

    deadline = time.time() + a.listen
    while time.time() < deadline:
        sock.settimeout(max(0.05, deadline - time.time()))
        try:
            msg, _ = sock.recvfrom(65535)
        except socket.timeout:
            break
        if len(msg) < 32 or msg[0] != 4:
            continue
        counter = struct.unpack("<Q", msg[8:16])[0]
        try:
            plain = aead(recv_key, counter, msg[16:], b"", decrypt=True)
        except Exception:
            print("rx undecryptable", flush=True)
            continue
        print("rx %02x %d %s" % (plain[0] if plain else 0, len(plain), plain.hex()), flush=True)


if __name__ == "__main__":
    main()
