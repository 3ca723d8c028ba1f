#!/usr/bin/env python3
"""tcp_analysis_check.py - sockscope's per-direction TCP retransmission,
out-of-order and keep-alive counts against Wireshark's sequence analysis,
over the corpus.

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
import re
import shutil
import subprocess
import sys

SKIP = 77
KINDS = ("retransmissions", "out_of_order", "keepalives")


def tshark_marks(path):
    """{(src, sport, dst, dport): [retransmissions, out_of_order, keepalives]}."""
    cmd = ["tshark", "-n", "-r", path, "-Y", "tcp", "-T", "fields", "-E", "separator=\t",
           "-e", "frame.protocols", "-e", "ip.src", "-e", "ipv6.src", "-e", "ip.dst",
           "-e", "ipv6.dst", "-e", "tcp.srcport", "-e", "tcp.dstport",
           "-e", "tcp.analysis.retransmission", "-e", "tcp.analysis.out_of_order",
           "-e", "tcp.analysis.keep_alive"]
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    marks = collections.defaultdict(lambda: [0, 0, 0])
    for line in p.stdout.splitlines():
        c = line.split("\t")
        if len(c) < 10 or "," in c[5]:
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
    return marks


def sockscope_counts(binary, path):
    """The same keys from sockscope's connection records; None on failure."""
    p = subprocess.run([binary, "-r", path, "--ndjson", "--no-dpi"], capture_output=True,
                       text=True, timeout=300)
    if p.returncode != 0:
        return None
    counts = collections.defaultdict(lambda: [0, 0, 0])
    for line in p.stdout.splitlines():
        o = json.loads(line)
        if o.get("proto") != "tcp" or "tcp" not in o or "id.orig_h" not in o:
            continue
        o_h, o_p, r_h, r_p = o["id.orig_h"], str(o["id.orig_p"]), o["id.resp_h"], str(o["id.resp_p"])
        for side, key in (("orig", (o_h, o_p, r_h, r_p)), ("resp", (r_h, r_p, o_h, o_p))):
            t = o["tcp"][side]
            for i, kind in enumerate(KINDS):
                counts[key][i] += t[kind]
    return counts


def allowlist():
    entries = []
    with open(os.path.join(os.path.dirname(__file__), "tcp_analysis_allowlist.tsv"),
              encoding="utf-8") as f:
        for line in f:
            if line.startswith("#") or not line.strip():
                continue
            regex, why = line.rstrip("\n").split("\t", 1)
            entries.append((re.compile(regex), why))
    return entries


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
    allowed = allowlist()

    def one(name):
        path = os.path.join(good, name)
        ss = sockscope_counts(binary, path)
        if ss is None:
            return name, ["sockscope failed"], 0
        ts = tshark_marks(path)
        diffs = []
        for key in sorted(ss):
            for i, kind in enumerate(KINDS):
                if ss[key][i] != ts[key][i]:
                    diffs.append(f"{' '.join(key)} {kind}: sockscope {ss[key][i]}, tshark {ts[key][i]}")
        return name, diffs, sum(sum(v) for v in ss.values())

    failures, listed_ok, marked = [], 0, 0
    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as ex:
        for name, diffs, n in ex.map(one, files):
            marked += n
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
          f"{listed_ok} listed differences, {len(failures)} failures")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
