#!/usr/bin/env python3
"""compare-ndpireader.py - per-flow application protocol: sockscope vs ndpiReader.

Usage: compare-ndpireader.py SOCKSCOPE CORPUS_DIR [--min-agree 0.95] [--list]

For every ndpi__* capture in CORPUS_DIR/good, runs `sockscope --ndjson` and
Debian's `ndpiReader -v 2` (libndpi-bin, the same nDPI 4.2 library) and
compares the protocol name each gives a TCP/UDP flow ("TLS.Google" as
ndpi_protocol2name prints it). Flows are matched by transport and the unordered
pair of endpoints (plus the VLAN id when ndpiReader prints one); ndpiReader
keeps one flow per 5-tuple, so it is compared with our first incarnation.
Every disagreement is listed with its kind (see tests/dpi/NOTES.md). Exits 0
when at least --min-agree of ndpiReader's flows agree, 1 otherwise, 77 (skip)
when the corpus or ndpiReader is absent.
"""
import argparse
import ipaddress
import json
import os
import re
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

SKIP = 77

# "\t12\tTCP 1.2.3.4:80 <-> [::1]:5000 [VLAN: 5][proto: 91.126/TLS.Google][...][Confidence: DPI]..."
FLOW_RE = re.compile(
    r"^\s+\d+\s+(TCP|UDP)\s+(\S+):(\d+)\s+(?:<->|->)\s+(\S+):(\d+)\s+"
    r"(?:\[VLAN: (\d+)\])?\[proto: [0-9.]+/([^\]]+)\]")
CONF_RE = re.compile(r"\[Confidence: ([^\]]+)\]")


def norm_addr(a):
    """Canonical text of an address; ndpiReader's own text when it does not
    parse (4.2 prints some IPv6 addresses malformed, e.g. "...::19::")."""
    try:
        return str(ipaddress.ip_address(a.strip("[]")))
    except ValueError:
        return "unparsable:" + a


def flow_key(proto, a, ap, b, bp):
    return (proto, frozenset([(norm_addr(a), int(ap)), (norm_addr(b), int(bp))]))


def run_ndpireader(path):
    """ndpiReader's TCP/UDP flows: list of dicts (key, vlan, name, confidence)."""
    try:
        out = subprocess.run(["ndpiReader", "-i", path, "-v", "2", "-q"], capture_output=True,
                             text=True, errors="replace", timeout=300).stdout
    except subprocess.TimeoutExpired:
        return None
    flows = []
    for line in out.splitlines():
        m = FLOW_RE.match(line)
        if not m:
            continue
        proto, a, ap, b, bp, vlan, name = m.groups()
        c = CONF_RE.search(line)
        flows.append({"key": flow_key(proto.lower(), a, ap, b, bp),
                      "vlan": int(vlan) if vlan else None, "name": name,
                      "confidence": c.group(1) if c else "?",
                      "text": "%s %s:%s <-> %s:%s" % (proto, a, ap, b, bp)})
    return flows


def run_sockscope(exe, path):
    """Our TCP/UDP connection records, grouped by flow key; None on failure."""
    p = subprocess.run([exe, "-r", path, "--ndjson", "--seed", "1"], capture_output=True,
                       text=True, errors="replace", timeout=600)
    if p.returncode != 0:
        return None, p.stderr.strip()[-400:]
    conns = {}
    for line in p.stdout.splitlines():
        try:
            o = json.loads(line)
        except ValueError:
            continue
        if o.get("type") != "connection" or o.get("proto") not in ("tcp", "udp"):
            continue
        k = flow_key(o["proto"], o["id.orig_h"], o["id.orig_p"], o["id.resp_h"], o["id.resp_p"])
        conns.setdefault(k, []).append(o)
    for lst in conns.values():
        lst.sort(key=lambda o: (o["ts"], o.get("incarnation", 1)))
    return conns, None


def classify(rf, ours):
    """Kind of a disagreement (NOTES.md has one paragraph per kind)."""
    if not ours:
        if any(a.startswith("unparsable:") for a, _ in rf["key"][1]):
            return "address"
        return "missing"
    first = ours[0]
    mine = first.get("app_protocol")
    if mine is None:
        return "not-inspected"
    names = {o.get("app_protocol") for o in ours}
    if len(ours) > 1 and rf["name"] in names:
        return "split"
    if first.get("app_confidence") != "DPI" or rf["confidence"] != "DPI":
        return "guess"
    if mine.split(".")[0] == rf["name"].split(".")[0]:
        return "sub-protocol"
    return "other"


def compare_file(exe, path):
    rflows = run_ndpireader(path)
    conns, err = run_sockscope(exe, path)
    res = {"file": os.path.basename(path), "total": 0, "agree": 0, "diffs": [], "error": err}
    if conns is None or rflows is None:
        res["error"] = err or "ndpiReader timed out"
        return res
    for rf in rflows:
        cands = conns.get(rf["key"], [])
        if rf["vlan"] is not None:
            vl = [o for o in cands if rf["vlan"] in (o.get("vlan"), o.get("inner_vlan"))]
            cands = vl or cands
        res["total"] += 1
        mine = cands[0].get("app_protocol") if cands else None
        if mine == rf["name"]:
            res["agree"] += 1
            continue
        res["diffs"].append({"flow": rf["text"], "ndpiReader": rf["name"],
                             "ndpiReader_confidence": rf["confidence"],
                             "sockscope": mine if cands else "(no connection)",
                             "sockscope_confidence": cands[0].get("app_confidence") if cands else "",
                             "incarnations": len(cands), "kind": classify(rf, cands)})
    return res


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("sockscope")
    ap.add_argument("corpus")
    ap.add_argument("--min-agree", type=float, default=0.95)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--only", help="substring of the file names to compare")
    args = ap.parse_args()

    good = os.path.join(args.corpus, "good")
    if not os.path.isdir(good):
        print("SKIP: no corpus at %s" % good)
        return SKIP
    if shutil.which("ndpiReader") is None:
        print("SKIP: ndpiReader not found (apt-get install libndpi-bin)")
        return SKIP
    files = sorted(f for f in os.listdir(good) if f.startswith("ndpi__"))
    if args.only:
        files = [f for f in files if args.only in f]
    if not files:
        print("SKIP: no ndpi__ captures in %s" % good)
        return SKIP

    with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        results = list(pool.map(lambda f: compare_file(args.sockscope, os.path.join(good, f)),
                                files))

    total = agree = 0
    kinds = {}
    failed = []
    for r in results:
        if r["error"] and r["total"] == 0:
            failed.append(r)
            continue
        total += r["total"]
        agree += r["agree"]
        for d in r["diffs"]:
            kinds[d["kind"]] = kinds.get(d["kind"], 0) + 1
            print("DIFF %-8s %s: %s: ndpiReader %s (%s), sockscope %s (%s)%s" % (
                d["kind"], r["file"], d["flow"], d["ndpiReader"], d["ndpiReader_confidence"],
                d["sockscope"], d["sockscope_confidence"] or "-",
                ", %d incarnations" % d["incarnations"] if d["incarnations"] > 1 else ""))
    for r in failed:
        print("FAILED %s: sockscope: %s" % (r["file"], r["error"]))
    ratio = agree / total if total else 1.0
    print("files %d, ndpiReader TCP/UDP flows %d, agree %d (%.2f%%), disagree %d: %s" % (
        len(results), total, agree, 100.0 * ratio, total - agree,
        ", ".join("%s %d" % kv for kv in sorted(kinds.items())) or "none"))
    if failed:
        print("FAIL: sockscope failed on %d file(s)" % len(failed))
        return 1
    if ratio < args.min_agree:
        print("FAIL: agreement %.2f%% below %.0f%%" % (100.0 * ratio, 100.0 * args.min_agree))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
