#!/usr/bin/env python3
"""traffic.py - real TCP/UDP traffic for the live-capture tests (run inside a
network namespace with `ip netns exec`). Bounded in count and time.

  traffic.py server DIR    listeners on 10.99.0.2:8080 (TCP), [fd99::2]:8081
                           (TCP) and 10.99.0.2:9999 (UDP echo); echoes, keeps
                           accepted connections open until DIR/stop exists
  traffic.py client DIR N  from 10.99.0.1: N concurrent TCP clients to :8080,
                           one IPv6 client to [fd99::2]:8081, one connection
                           to the closed port 8099 (refused), one UDP exchange;
                           writes DIR/clients.json and DIR/clients-ready, closes
                           the first two clients when DIR/close-some exists
                           (then writes DIR/closed), exits when DIR/stop exists
  traffic.py flood N       N SYNs with unique source ports from 10.99.0.2 to
                           10.99.0.1:80, crafted by hand on a raw socket
"""
import json
import os
import random
import select
import socket
import struct
import sys
import time

DEADLINE_S = 60  # no process of the test outlives this


def wait_file(path, deadline):
    while not os.path.exists(path):
        if time.time() > deadline:
            sys.exit("traffic.py: timed out waiting for %s" % path)
        time.sleep(0.05)


def server(d):
    deadline = time.time() + DEADLINE_S
    l4 = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    l4.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    l4.bind(("10.99.0.2", 8080))
    l4.listen(16)
    l6 = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
    l6.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    l6.bind(("fd99::2", 8081))
    l6.listen(16)
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    u.bind(("10.99.0.2", 9999))
    open(os.path.join(d, "server-ready"), "w").close()
    conns = []
    while not os.path.exists(os.path.join(d, "stop")) and time.time() < deadline:
        r, _, _ = select.select([l4, l6, u] + conns, [], [], 0.1)
        for s in r:
            if s in (l4, l6):
                c, _ = s.accept()
                conns.append(c)
            elif s is u:
                data, peer = u.recvfrom(2048)
                u.sendto(b"echo " + data, peer)
            else:
                data = s.recv(2048)
                if data:
                    s.sendall(b"echo " + data)
                else:
                    s.close()
                    conns.remove(s)
    for c in conns:
        c.close()


def client(d, n):
    deadline = time.time() + DEADLINE_S
    rec = {"tcp": [], "tcp6": None, "refused": None, "udp": None}
    socks = []
    for i in range(n):
        s = socket.create_connection(("10.99.0.2", 8080), timeout=5)
        socks.append(s)
    for i, s in enumerate(socks):
        s.sendall(b"hello %d" % i)
        if not s.recv(2048).startswith(b"echo "):
            sys.exit("traffic.py: bad echo")
        rec["tcp"].append(list(s.getsockname()[:2]))
    s6 = socket.create_connection(("fd99::2", 8081), timeout=5)
    s6.sendall(b"hello v6")
    s6.recv(2048)
    rec["tcp6"] = list(s6.getsockname()[:2])
    r = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    r.bind(("10.99.0.1", 0))
    rec["refused"] = list(r.getsockname()[:2])
    try:
        r.settimeout(5)
        r.connect(("10.99.0.2", 8099))
        sys.exit("traffic.py: port 8099 unexpectedly accepted")
    except ConnectionRefusedError:
        pass
    r.close()
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    u.bind(("10.99.0.1", 0))
    u.settimeout(5)
    u.sendto(b"ping", ("10.99.0.2", 9999))
    u.recvfrom(2048)
    rec["udp"] = list(u.getsockname()[:2])
    u.close()
    with open(os.path.join(d, "clients.json"), "w") as f:
        json.dump(rec, f)
    open(os.path.join(d, "clients-ready"), "w").close()
    wait_file(os.path.join(d, "close-some"), deadline)
    for s in socks[:2]:
        s.close()
    time.sleep(0.3)
    open(os.path.join(d, "closed"), "w").close()
    wait_file(os.path.join(d, "stop"), deadline)
    for s in socks[2:] + [s6]:
        s.close()


def checksum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def flood(n):
    src, dst = socket.inet_aton("10.99.0.2"), socket.inet_aton("10.99.0.1")
    raw = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
    raw.setsockopt(socket.IPPROTO_IP, socket.IP_HDRINCL, 1)
    ports = random.sample(range(1024, 65536), n)  # unique 5-tuples
    deadline = time.time() + DEADLINE_S
    for i, sport in enumerate(ports):
        seq = random.getrandbits(32)
        tcp = struct.pack("!HHIIBBHHH", sport, 80, seq, 0, 5 << 4, 0x02, 64240, 0, 0)
        pseudo = src + dst + struct.pack("!BBH", 0, 6, len(tcp))
        tcp = tcp[:16] + struct.pack("!H", checksum(pseudo + tcp)) + tcp[18:]
        ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), i & 0xFFFF, 0, 64, 6, 0, src, dst)
        ip = ip[:10] + struct.pack("!H", checksum(ip)) + ip[12:]
        raw.sendto(ip + tcp, ("10.99.0.1", 0))
        if i % 25 == 24:
            time.sleep(0.01)  # paced: at most 2.5k SYN/s, so that even a sanitizer build keeps up
        if time.time() > deadline:
            sys.exit("traffic.py: flood timed out")


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    if sys.argv[1] == "server":
        server(sys.argv[2])
    elif sys.argv[1] == "client":
        client(sys.argv[2], int(sys.argv[3]))
    elif sys.argv[1] == "flood":
        flood(int(sys.argv[2]))
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
