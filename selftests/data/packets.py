#!/usr/bin/env python3
"""Craft, capture and replay meshtun/WireGuard messages for the tests.

  packets.py capture IFACE PORT COUNT FILE   save COUNT UDP payloads sent
                                             to PORT arriving on IFACE (hex lines);
                                             FILE.ready appears once it listens
  packets.py send HOST PORT FILE [MUTATION]  send the saved payloads again;
                                             MUTATION: none, flip (corrupt
                                             the last byte)
  packets.py garbage HOST PORT KIND N [PUB]  send N messages of one kind:
                                             short, type, index, badmac,
                                             badinit (valid MAC1 only)
  packets.py flood HOST PORT PUBKEY N        N initiations with a valid MAC1,
                                             from four processes; prints how
                                             many cookie replies came back
  packets.py sweep HOST PORT                 data messages with receiver
                                             indices that fall in every
                                             bucket of the device's index
                                             table (hash_32, 13 bits), so
                                             that every entry is looked at
  packets.py fuzz HOST PORT FILE PUBKEY N SEED
                                             N messages, each a mutation of a
                                             saved data message or a made-up
                                             handshake message (see MUTATIONS);
                                             prints how many cookie replies
                                             came back
"""
import random
import base64
import hashlib
import os
import socket
import struct
import sys
import time

ETH_P_ALL = 3


def udp_payloads(iface, port, count, ready):
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
    s.bind((iface, 0))
    s.settimeout(10)
    open(ready, "w").close()  # the caller may start sending now
    got = []
    while len(got) < count:
        frame, addr = s.recvfrom(65535)
        if addr[2] == socket.PACKET_OUTGOING:
            continue  # only what arrives: what IFACE's side sends has other keys
        eth_type = struct.unpack("!H", frame[12:14])[0]
        if eth_type == 0x0800:
            ihl = (frame[14] & 0xF) * 4
            if frame[23] != 17:
                continue
            udp = frame[14 + ihl:]
        elif eth_type == 0x86DD:
            if frame[20] != 17:
                continue
            udp = frame[54:]
        else:
            continue
        if struct.unpack("!H", udp[2:4])[0] == port and udp[8] == 4:
            got.append(udp[8:])
    return got


def family(host):
    return socket.AF_INET6 if ":" in host else socket.AF_INET


def mac1_key(pub_b64):
    return hashlib.blake2s(b"mac1----" + base64.b64decode(pub_b64)).digest()


def initiation(key=None):
    body = struct.pack("<I", 1) + os.urandom(4 + 32 + 48 + 28)
    mac1 = hashlib.blake2s(body, key=key, digest_size=16).digest() if key else os.urandom(16)
    return body + mac1 + bytes(16)


def count_cookies(s):
    """Read what waits on the non-blocking socket s: how many cookie replies."""
    n = 0
    try:
        while True:
            r = s.recv(2048)
            n += len(r) == 64 and r[0] == 3
    except BlockingIOError:
        pass
    return n


def linger_for_cookies(s, seconds):
    """Cookie replies to what was sent last may come a little later."""
    n = 0
    deadline = time.time() + seconds
    while time.time() < deadline:
        n += count_cookies(s)
        time.sleep(0.05)
    return n


def flood_one(dest, msgs, n):
    """Send n of msgs to dest; the number of cookie replies received."""
    s = socket.socket(family(dest[0]), socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
    s.setblocking(False)
    cookies = 0
    for i in range(n):
        try:
            s.sendto(msgs[i % len(msgs)], dest)
        except BlockingIOError:
            pass
        if i % 64 == 0:
            cookies += count_cookies(s)
    return cookies + linger_for_cookies(s, 3)


def mutate(rng, saved, mac1):
    """One message that no receiver may accept: a mutation of a saved data
    message (which is a replay unless changed) or a made-up handshake."""
    kind = rng.choice(MUTATIONS)
    p = bytearray(rng.choice(saved))
    if kind == "replay":
        pass
    elif kind == "flip":
        for _ in range(rng.randint(1, 8)):
            p[rng.randrange(4, len(p))] ^= 1 << rng.randrange(8)
    elif kind == "reserved":
        p[rng.randint(1, 3)] = rng.randint(1, 255)
    elif kind == "type":
        p[0:4] = struct.pack("<I", rng.choice([0, 5, 255, rng.randint(5, (1 << 32) - 1)]))
    elif kind == "truncate":
        p = p[:rng.randrange(len(p))]
    elif kind == "extend":
        p += rng.randbytes(rng.randint(1, 64))
    elif kind == "init":
        p = bytearray(initiation(mac1 if rng.random() < 0.5 else None))
    elif kind == "response":
        p = bytearray(struct.pack("<I", 2) + rng.randbytes(88))
    elif kind == "cookie":
        p = bytearray(struct.pack("<I", 3) + rng.randbytes(60))
    else:  # anything of any length
        p = bytearray(rng.randbytes(rng.randint(0, 200)))
        if p and rng.random() < 0.7:
            p[0:4] = struct.pack("<I", rng.randint(1, 4))
    return bytes(p)


MUTATIONS = ["replay", "flip", "reserved", "type", "truncate", "extend", "init",
             "response", "cookie", "random"]


def sweep_indices(bits=13):
    """One receiver index per bucket of the kernel's hash_32(index, bits)."""
    seen, out, v = set(), [], 0
    while len(seen) < 1 << bits:
        b = ((v * 0x61C88647) & 0xFFFFFFFF) >> (32 - bits)
        if b not in seen:
            seen.add(b)
            out.append(v)
        v += 1
    return out


def main(argv):
    cmd = argv[1]
    if cmd == "capture":
        iface, port, count, path = argv[2], int(argv[3]), int(argv[4]), argv[5]
        with open(path, "w") as f:
            for p in udp_payloads(iface, port, count, path + ".ready"):
                f.write(p.hex() + "\n")
        return 0
    host, port = argv[2], int(argv[3])
    s = socket.socket(family(host), socket.SOCK_DGRAM)
    dest = (host, port)
    if cmd == "send":
        mutation = argv[5] if len(argv) > 5 else "none"
        for line in open(argv[4]):
            p = bytearray(bytes.fromhex(line.strip()))
            if mutation == "flip":
                p[-1] ^= 0x55
            s.sendto(bytes(p), dest)
        return 0
    if cmd == "garbage":
        kind, n = argv[4], int(argv[5])
        for _ in range(n):
            if kind == "short":
                p = struct.pack("<I", 4) + os.urandom(8)
            elif kind == "type":
                p = struct.pack("<I", 9) + os.urandom(60)
            elif kind == "index":
                p = struct.pack("<I", 4) + os.urandom(4 + 8 + 48)
            elif kind == "badmac":
                p = initiation()
            elif kind == "badinit":
                p = initiation(mac1_key(argv[6]))
            else:
                raise SystemExit("unknown kind " + kind)
            s.sendto(p, dest)
        return 0
    if cmd == "sweep":
        for v in sweep_indices():
            while True:
                try:
                    s.sendto(struct.pack("<IIQ", 4, v, 0) + bytes(16), dest)
                    break
                except BlockingIOError:
                    time.sleep(0.001)
        return 0
    if cmd == "flood":
        # Four senders of ready-made messages (MAC1 computed once): enough
        # to outpace the handshake workers on any machine, so that the
        # device comes under load and answers with cookies.
        key, n = mac1_key(argv[4]), int(argv[5])
        msgs = [initiation(key) for _ in range(256)]
        s.close()
        readers = []
        for _ in range(4):
            r, w = os.pipe()
            if os.fork() == 0:
                os.close(r)
                os.write(w, b"%d" % flood_one(dest, msgs, n // 4))
                os._exit(0)
            os.close(w)
            readers.append(r)
        total = 0
        for r in readers:
            total += int(os.read(r, 64) or b"0")
            os.close(r)
        while True:
            try:
                os.wait()
            except ChildProcessError:
                break
        print(total)
        return 0
    if cmd == "fuzz":
        saved = [bytes.fromhex(line.strip()) for line in open(argv[4])]
        mac1, n, rng = mac1_key(argv[5]), int(argv[6]), random.Random(int(argv[7]))
        s.setblocking(False)
        cookies = 0
        for i in range(n):
            while True:
                try:
                    s.sendto(mutate(rng, saved, mac1), dest)
                    break
                except BlockingIOError:
                    time.sleep(0.001)
            if i % 32 == 0:
                cookies += count_cookies(s)
        cookies += linger_for_cookies(s, 2)
        print(cookies)
        return 0
    raise SystemExit(__doc__)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
