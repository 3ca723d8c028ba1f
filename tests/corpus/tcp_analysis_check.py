#!/usr/bin/env python3
"""tcp_analysis_check.py - sockscope's per-direction TCP retransmission,
out-of-order and keep-alive counts, and its handshake RTTs, against
Wireshark's sequence analysis, over the corpus.

  tcp_analysis_check.py SOCKSCOPE CORPUS

For every capture in CORPUS/good, tshark marks each TCP segment it finds sent
again (tcp.analysis.retransmission: plain, fast and spurious), out of order
(tcp.analysis.out_of_order) or a keep-alive (tcp.analysis.keep_alive); the
marks are summed per direction of each
4-tuple (the innermost IP header's addresses, as sockscope keys an inner
flow). sockscope's NDJSON records give tcp.orig/resp.retransmissions,
out_of_order and keepalives, summed over incarnations. Only directions sockscope reports as
TCP are compared: a flow it does not see at all is the conversation test's
business (corpus_check.py tshark).

Handshake RTTs: for every clean handshake (the 4-tuple's only tshark stream,
one SYN, then one SYN-ACK, and tshark's tcp.analysis.initial_rtt first set on
a plain ACK) where sockscope has one record for the 4-tuple,
rtt_syn_synack + rtt_synack_ack must equal tshark's initial RTT (SYN to the
ACK that ends the handshake) to within 2 microseconds. Handshakes with SYNs
or SYN-ACKs sent again, in reverse order, or ended by a RST are left out:
there the two measure from different SYNs (docs/json.md).

A file whose counts differ must be in tcp_analysis_allowlist.tsv with the
reason; a listed file that agrees is a stale entry and fails too. Duplicate
ACKs and zero windows are not compared: sockscope counts them by other
definitions (docs/json.md). Exits 77 (skipped) when the corpus or tshark is
absent.
"""
import collections
import concurrent.futures
import json
import os
import shutil
import subprocess
import sys

from corpus_check import load_allowlist

SKIP = 77
KINDS = ("retransmissions", "out_of_order", "keepalives")


TCP_SYN, TCP_RST, TCP_FIN, TCP_ACK = 0x02, 0x04, 0x01, 0x10
RTT_TOLERANCE = 2e-6  # both print microseconds or finer


def tshark_marks(path):
    """({(src, sport, dst, dport): [retransmissions, out_of_order, keepalives]},
    {frozenset of the two endpoints: initial RTT of its clean handshake})."""
    cmd = ["tshark", "-n", "-r", path, "-Y", "tcp", "-T", "fields", "-E", "separator=\t",
           "-e", "frame.protocols", "-e", "ip.src", "-e", "ipv6.src", "-e", "ip.dst",
           "-e", "ipv6.dst", "-e", "tcp.srcport", "-e", "tcp.dstport",
           "-e", "tcp.analysis.retransmission", "-e", "tcp.analysis.out_of_order",
           "-e", "tcp.analysis.keep_alive", "-e", "tcp.stream", "-e", "tcp.flags",
           "-e", "tcp.analysis.initial_rtt"]
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    marks = collections.defaultdict(lambda: [0, 0, 0])
    streams = {}
    for line in p.stdout.splitlines():
        c = line.split("\t")
        if len(c) < 13 or "," in c[5]:
            continue  # TCP in TCP: not a case of the corpus
        layers = c[0].split(":")
        # the IP header right below TCP: the last "ip" or "ipv6" layer before it
        below = [l for l in layers[:layers.index("tcp")] if l in ("ip", "ipv6")] \
            if "tcp" in layers else []
        if not below:
            continue
        if below[-1] == "ip":
            src, dst = c[1].split(",")[-1], c[3].split(",")[-1]
        else:
            src, dst = c[2].split(",")[-1], c[4].split(",")[-1]
        key = (src, c[5], dst, c[6])
        for i in range(len(KINDS)):
            if c[7 + i]:
                marks[key][i] += 1
        if not c[10] or not c[11]:
            continue
        flags = int(c[11], 16)
        st = streams.setdefault(c[10], {"key": frozenset([(src, c[5]), (dst, c[6])]),
                                        "syn": 0, "synack": 0, "order_ok": True,
                                        "irtt": None, "ended_by": 0})
        if flags & TCP_SYN:
            if flags & TCP_ACK:
                st["synack"] += 1
            else:
                st["syn"] += 1
                st["order_ok"] = st["order_ok"] and st["synack"] == 0
        if c[12] and st["irtt"] is None:
            st["irtt"], st["ended_by"] = float(c[12]), flags
    by_key = collections.defaultdict(list)
    for st in streams.values():
        by_key[st["key"]].append(st)
    clean = {}
    for key, sts in by_key.items():
        st = sts[0]
        if (len(sts) == 1 and st["syn"] == 1 and st["synack"] == 1 and st["order_ok"] and
                st["irtt"] is not None and st["ended_by"] & TCP_ACK and
                not st["ended_by"] & (TCP_SYN | TCP_RST | TCP_FIN)):
            clean[key] = st["irtt"]
    return marks, clean


def sockscope_counts(binary, path):
    """The same keys from sockscope's connection records, and per pair of
    endpoints the (rtt_syn_synack, rtt_synack_ack) of each record; None on
    failure."""
    p = subprocess.run([binary, "-r", path, "--ndjson", "--no-dpi"], capture_output=True,
                       text=True, timeout=300)
    if p.returncode != 0:
        return None
    counts = collections.defaultdict(lambda: [0, 0, 0])
    rtts = collections.defaultdict(list)
    for line in p.stdout.splitlines():
        o = json.loads(line)
        if o.get("proto") != "tcp" or "tcp" not in o or "id.orig_h" not in o:
            continue
        o_h, o_p, r_h, r_p = o["id.orig_h"], str(o["id.orig_p"]), o["id.resp_h"], str(o["id.resp_p"])
        rtts[frozenset([(o_h, o_p), (r_h, r_p)])].append(
            (o["tcp"].get("rtt_syn_synack"), o["tcp"].get("rtt_synack_ack")))
        for side, key in (("orig", (o_h, o_p, r_h, r_p)), ("resp", (r_h, r_p, o_h, o_p))):
            t = o["tcp"][side]
            for i, kind in enumerate(KINDS):
                counts[key][i] += t[kind]
    return counts, rtts


def main():
    if len(sys.argv) != 3:
        print("usage: tcp_analysis_check.py SOCKSCOPE CORPUS", file=sys.stderr)
        return 2
    binary, corpus = sys.argv[1:]
    good = os.path.join(corpus, "good")
    if not os.path.isdir(good):
        print(f"SKIP: no corpus at {corpus}")
        return SKIP
    if shutil.which("tshark") is None:
        print("SKIP: tshark is not installed (apt-get install tshark)")
        return SKIP
    files = sorted(os.listdir(good))
    allowed = load_allowlist(os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                          "tcp_analysis_allowlist.tsv"))

    def one(name):
        path = os.path.join(good, name)
        got = sockscope_counts(binary, path)
        if got is None:
            return name, ["sockscope failed"], 0, 0
        ss, ss_rtts = got
        ts, clean = tshark_marks(path)
        diffs = []
        for key in sorted(ss):
            for i, kind in enumerate(KINDS):
                if ss[key][i] != ts[key][i]:
                    diffs.append(f"{' '.join(key)} {kind}: sockscope {ss[key][i]}, tshark {ts[key][i]}")
        handshakes = 0
        for key, irtt in sorted(clean.items(), key=lambda kv: sorted(kv[0])):
            recs = ss_rtts.get(key, [])
            if len(recs) != 1:
                continue  # several records (VLANs, tunnels, incarnations) or none
            handshakes += 1
            a, b = recs[0]
            if a is None or b is None or abs(a + b - irtt) > RTT_TOLERANCE:
                ends = " ".join(" ".join(e) for e in sorted(key))
                diffs.append(f"{ends} handshake RTT: sockscope {a} + {b}, tshark {irtt}")
        return name, diffs, sum(sum(v) for v in ss.values()), handshakes

    failures, listed_ok, marked, handshakes = [], 0, 0, 0
    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as ex:
        for name, diffs, n, h in ex.map(one, files):
            marked += n
            handshakes += h
            why = next((w for r, w in allowed if r.search(name)), None)
            if diffs and why is None:
                failures.append(f"{name}: " + "; ".join(diffs[:4]) +
                                (f"; and {len(diffs) - 4} more" if len(diffs) > 4 else ""))
            elif not diffs and why is not None:
                failures.append(f"{name}: agrees with tshark, but the allow-list says: {why}")
            elif diffs:
                listed_ok += 1
    for f in failures:
        print("FAIL", f)
    print(f"tcp analysis: {len(files)} files, {marked} segments marked by sockscope, "
          f"{handshakes} handshake RTTs compared, {listed_ok} listed differences, "
          f"{len(failures)} failures")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
