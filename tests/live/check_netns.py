#!/usr/bin/env python3
"""check_netns.py - checks sockscope's live NDJSON (DIR/out.ndjson) against the
traffic traffic.py made (DIR/clients.json) and against `ss -tan` taken in both
namespaces while the connections were open (DIR/ss-a.txt, DIR/ss-b.txt).
DIR/before-sigint.ndjson is the output as it stood just before SIGINT.
usage: check_netns.py DIR      exit 0 when every check passes"""
import json
import os
import sys

failures = []


def check(cond, msg):
    if not cond:
        failures.append(msg)
    return cond


def load(path):
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]


def ss_established(path):
    """(local_addr, local_port, remote_addr, remote_port) of ESTAB rows."""
    rows = []
    for line in open(path):
        f = line.split()
        if len(f) < 5 or f[0] != "ESTAB":
            continue
        def split(ep):
            a, p = ep.rsplit(":", 1)
            return a.strip("[]"), int(p)
        la, lp = split(f[3])
        ra, rp = split(f[4])
        rows.append((la, lp, ra, rp))
    return rows


def main():
    d = sys.argv[1]
    recs = load(os.path.join(d, "out.ndjson"))
    before = load(os.path.join(d, "before-sigint.ndjson"))
    cl = json.load(open(os.path.join(d, "clients.json")))
    conns = [r for r in recs if r["type"] == "connection"]
    socks = [r for r in recs if r["type"] == "socket"]
    ports = [r for r in recs if r["type"] == "port"]
    updates = [r for r in recs if r["type"] == "update"]
    snaps = [r for r in recs if r["type"] == "snapshot"]
    caps = [r for r in recs if r["type"] == "capture"]

    def conn_of(proto, oh, op, rh, rp):
        return [c for c in conns if c["proto"] == proto and c["id.orig_h"] == oh and
                c["id.orig_p"] == op and c["id.resp_h"] == rh and c["id.resp_p"] == rp]

    # the listener port: open, with the 4 clients
    p8080 = [p for p in ports if p["proto"] == "tcp" and p["addr"] == "10.99.0.2" and p["port"] == 8080]
    if check(len(p8080) == 1, "no port record for tcp 10.99.0.2:8080"):
        p = p8080[0]
        check(p["status"] == "open", "10.99.0.2:8080 status %s, expected open" % p["status"])
        check(p["connections"]["total"] >= 4, "10.99.0.2:8080 has %d connections, expected 4+" %
              p["connections"]["total"])
        check(p["remote_sockets"] >= 4, "10.99.0.2:8080 remote_sockets %d" % p["remote_sockets"])

    # each TCP client: one connection; the first two closed before SIGINT (and
    # were emitted then, by the timer), the others ended by the shutdown
    before_uids = {r["uid"] for r in before if r["type"] == "connection"}
    for i, (addr, port) in enumerate(cl["tcp"]):
        cs = conn_of("tcp", addr, port, "10.99.0.2", 8080)
        if not check(len(cs) == 1, "client %s:%d: %d connection records" % (addr, port, len(cs))):
            continue
        c = cs[0]
        check(c["orig_pkts"] >= 3 and c["resp_pkts"] >= 2, "client %d: too few packets %s/%s" %
              (i, c["orig_pkts"], c["resp_pkts"]))
        check(c["orig_bytes"] == len(b"hello %d" % i), "client %d: orig_bytes %s" % (i, c["orig_bytes"]))
        if i < 2:
            check(c["conn_state"] == "SF", "closed client %d: conn_state %s" % (i, c["conn_state"]))
            check(c["end_reason"] == "closed", "closed client %d: end_reason %s" % (i, c["end_reason"]))
            check(c["uid"] in before_uids,
                  "closed client %d: not emitted before SIGINT (no expiry without packets)" % i)
        else:
            check(c["end_reason"] == "shutdown", "open client %d: end_reason %s" % (i, c["end_reason"]))
            check(c["orig_state"] == "ESTABLISHED" and c["resp_state"] == "ESTABLISHED",
                  "open client %d: states %s/%s" % (i, c["orig_state"], c["resp_state"]))
            check(c["uid"] not in before_uids, "open client %d emitted before SIGINT" % i)
            # interim updates: same uid, counters never above the final ones
            ups = [u for u in updates if u["uid"] == c["uid"]]
            if check(len(ups) >= 1, "open client %d: no update record" % i):
                for u in ups:
                    check(u["end_reason"] == "open", "update end_reason %s" % u["end_reason"])
                    check(u["orig_pkts"] <= c["orig_pkts"] and u["resp_pkts"] <= c["resp_pkts"],
                          "update counters above the final record")
                    check(u["id.orig_p"] == c["id.orig_p"], "update 5-tuple differs")

    # the refused connection
    addr, port = cl["refused"]
    cs = conn_of("tcp", addr, port, "10.99.0.2", 8099)
    if check(len(cs) == 1, "refused connection %s:%d not found" % (addr, port)):
        check(cs[0]["conn_state"] == "REJ", "refused connection: conn_state %s" % cs[0]["conn_state"])
        s = [x for x in socks if x["uid"] == cs[0]["uid"] and x["side"] == "orig"]
        if check(len(s) == 1, "refused connection: no originator socket"):
            rb = s[0]["refused_by"]
            check(rb is not None and rb["kind"] == "rst" and rb["from"] == "10.99.0.2",
                  "refused connection: refused_by %s" % rb)
    p8099 = [p for p in ports if p["proto"] == "tcp" and p["port"] == 8099]
    check(len(p8099) == 1 and p8099[0]["status"] == "closed", "port 8099 not reported closed")

    # the UDP exchange, both directions
    addr, port = cl["udp"]
    cs = conn_of("udp", addr, port, "10.99.0.2", 9999)
    if check(len(cs) == 1, "UDP flow %s:%d -> 10.99.0.2:9999 not found" % (addr, port)):
        check(cs[0]["orig_pkts"] == 1 and cs[0]["resp_pkts"] == 1,
              "UDP flow: %s/%s packets" % (cs[0]["orig_pkts"], cs[0]["resp_pkts"]))
        check(cs[0]["orig_bytes"] == 4 and cs[0]["resp_bytes"] == 9,
              "UDP flow: %s/%s bytes" % (cs[0]["orig_bytes"], cs[0]["resp_bytes"]))

    # the IPv6 connection
    addr, port = cl["tcp6"]
    cs = conn_of("tcp", addr, port, "fd99::2", 8081)
    if check(len(cs) == 1, "IPv6 connection [%s]:%d -> [fd99::2]:8081 not found" % (addr, port)):
        check(cs[0]["end_reason"] == "shutdown", "IPv6 connection: end_reason %s" % cs[0]["end_reason"])
        check(cs[0]["history"].startswith("ShAD"), "IPv6 connection: history %s" % cs[0]["history"])

    # every ESTAB row of ss in either namespace is a socket sockscope saw
    sock_keys = {(s["local_addr"], s["local_port"], s["remote_addr"], s["remote_port"]) for s in socks}
    n_rows = 0
    for f in ("ss-a.txt", "ss-b.txt"):
        for row in ss_established(os.path.join(d, f)):
            n_rows += 1
            check(row in sock_keys, "%s: ESTAB %s:%d <-> %s:%d has no socket record" % ((f,) + row))
    check(n_rows == 2 * (len(cl["tcp"]) + 1), "ss showed %d ESTAB rows, expected %d" %
          (n_rows, 2 * (len(cl["tcp"]) + 1)))

    # snapshots while running: the listener port open, 5 TCP connections alive
    check(len(snaps) >= 1, "no snapshot record (--interval 1)")
    if snaps:
        check(any(any(p["port"] == 8080 and p["status"] == "open" for p in s["ports"]) for s in snaps),
              "no snapshot shows 10.99.0.2:8080 open")
    # the final capture record: last, with the interface statistics
    if check(len(caps) == 1 and recs[-1]["type"] == "capture", "capture record is not the last line"):
        live = caps[0].get("live")
        if check(live is not None, "capture record has no live statistics"):
            check(live["interface"] == "veth-a", "live.interface %s" % live["interface"])
            check(live["received"] >= caps[0]["frames"], "live.received %d < frames %d" %
                  (live["received"], caps[0]["frames"]))
            check(live["dropped_kernel"] == 0, "kernel dropped %d packets" % live["dropped_kernel"])
        check(caps[0]["connections"]["total"] == len(conns), "capture total %d != %d records" %
              (caps[0]["connections"]["total"], len(conns)))

    for f in failures:
        print("FAIL:", f)
    print("check_netns: %d connections, %d sockets, %d ports, %d updates, %d snapshots; %d failure(s)" %
          (len(conns), len(socks), len(ports), len(updates), len(snaps), len(failures)))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
