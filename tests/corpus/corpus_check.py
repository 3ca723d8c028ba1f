#!/usr/bin/env python3
"""corpus_check.py - sockscope against the public capture corpus (../shared/corpus).

  corpus_check.py good      SOCKSCOPE CORPUS   every good/ file: exit 0, frame count = MANIFEST,
                                               anomalies only where MANIFEST says why
  corpus_check.py malformed SOCKSCOPE CORPUS   every malformed/ file: no crash, hang or sanitizer
                                               report; a clear error or anomaly counts; the
                                               frames read (those before an error included)
                                               equal tshark's (reference/tshark/summary.tsv),
                                               or the difference is in frames_allowlist.tsv
  corpus_check.py tshark    SOCKSCOPE CORPUS   per-5-tuple frames and wire bytes each way equal
                                               tshark's TCP/UDP/SCTP conversation tables, or the
                                               difference is in the allow-list (allowlist.tsv)

Exits 77 (skipped, for ctest) with a message when the corpus is absent.
"""
import concurrent.futures
import gzip
import ipaddress
import json
import os
import re
import subprocess
import sys

SKIP = 77


def manifest(corpus):
    rows = []
    with open(os.path.join(corpus, "MANIFEST.tsv"), encoding="utf-8") as f:
        header = f.readline().rstrip("\n").split("\t")
        for line in f:
            rows.append(dict(zip(header, line.rstrip("\n").split("\t"))))
    return rows


def run(cmd, timeout):
    try:
        p = subprocess.run(cmd, capture_output=True, timeout=timeout)
        return p.returncode, p.stdout, p.stderr.decode("utf-8", "replace")
    except subprocess.TimeoutExpired:
        return "timeout", b"", ""


def sanitizer_report(stderr):
    return any(s in stderr for s in ("AddressSanitizer", "runtime error:", "LeakSanitizer",
                                     "UndefinedBehaviorSanitizer"))


# Which MANIFEST words explain which anomaly (corpus README, "How to use" item 1).
EXPLAINED = [
    (re.compile(r"(cut_by_snaplen|_truncated$|^link_truncated$|frag_incomplete_capture)"),
     re.compile(r"snaplen|caplen<len|truncat", re.I)),
    (re.compile(r"checksum"), re.compile(r"checksum", re.I)),
    (re.compile(r"^icmp_quote"), re.compile(r"ICMP", re.I)),
    (re.compile(r"^frag_"), re.compile(r"fragment", re.I)),
]
# The three files the corpus README keeps on purpose with L3/L4 problems.
L34_EXCEPTIONS = ("ndpi__ip_fragmented_garbage", "zeek__tcp_reassembly",
                  "zeek__tunnels_gtp_gtp9_unknown_or_too_short_payload")


def check_good(binary, corpus):
    rows = [r for r in manifest(corpus) if r["file"].startswith("good/")]
    failures = []

    def one(r):
        path = os.path.join(corpus, r["file"])
        rc, out, err = run([binary, "-r", path, "--stats", "--json"], 120)
        if rc != 0 or sanitizer_report(err):
            return r, f"exit {rc}: {err.strip()[:300]}"
        try:
            cap = json.loads(out)["capture"]
        except (ValueError, KeyError) as e:
            return r, f"bad JSON: {e}"
        if cap["frames"] != int(r["packets"]):
            return r, f"frames {cap['frames']} != MANIFEST {r['packets']}"
        why = r["what_it_exercises"]
        if any(x in r["file"] for x in L34_EXCEPTIONS):
            return r, None
        bad = []
        for name in cap["anomalies"]:
            ok = any(a.search(name) and w.search(why) for a, w in EXPLAINED)
            if not ok:
                bad.append(f"{name}={cap['anomalies'][name]}")
        if bad:
            return r, "unexplained anomalies: " + ", ".join(bad)
        return r, None

    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as ex:
        for r, msg in ex.map(one, rows):
            if msg:
                failures.append(f"{r['file']}: {msg}")
    for f in failures:
        print("FAIL", f)
    print(f"good: {len(rows) - len(failures)} passed, {len(failures)} failed")
    return 1 if failures else 0


def tshark_frames(corpus):
    """file -> frames tshark read, from reference/tshark/summary.tsv (None when
    the corpus has no such file)"""
    frames = {}
    path = os.path.join(corpus, "reference", "tshark", "summary.tsv")
    if not os.path.exists(path):
        print(f"malformed: no {path}: frame counts not compared with tshark's")
        return None
    with open(path, encoding="utf-8") as f:
        header = f.readline().rstrip("\n").split("\t")
        for line in f:
            row = dict(zip(header, line.rstrip("\n").split("\t")))
            frames[row["file"]] = int(row["frames"])
    return frames


def check_malformed(binary, corpus):
    rows = [r for r in manifest(corpus) if r["file"].startswith("malformed/")]
    failures, outcomes = [], {"error": 0, "anomalies": 0, "clean": 0}
    reference = tshark_frames(corpus)
    allow = load_allowlist(os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                        "frames_allowlist.tsv"))
    used = set()

    def frames_differ(r, out):
        """None when the frames read (0 when nothing was: the file did not
        open) are tshark's or the difference is allowed, else why not"""
        if reference is None:
            return None
        try:
            ours = json.loads(out)["capture"]["frames"] if out else 0
        except (ValueError, KeyError) as e:
            return f"bad JSON: {e}"
        base = os.path.basename(r["file"])
        listed = [rx for rx, _ in allow if rx.search(base)]
        theirs = reference.get(r["file"])
        if theirs is None:
            return "not in tshark's summary.tsv"
        if listed:
            used.update(rx.pattern for rx in listed)
            if ours == theirs:
                return f"allow-listed, yet {ours} frames as tshark (stale entry)"
            return None
        if ours != theirs:
            return f"{ours} frames, tshark {theirs} (not in frames_allowlist.tsv)"
        return None

    def one(r):
        path = os.path.join(corpus, r["file"])
        rc, out, err = run([binary, "-r", path, "--stats", "--json"], 10)
        if rc == "timeout":
            return r, "hang (over 10 s)", None
        if sanitizer_report(err):
            return r, "sanitizer report: " + err.strip()[:300], None
        if rc not in (0, 1):
            return r, f"exit {rc} (crash?): {err.strip()[:200]}", None
        differ = frames_differ(r, out)
        if differ:
            return r, differ, None
        if rc == 1:
            lines = [l for l in err.strip().splitlines() if l]
            if not lines or not lines[0].startswith("sockscope: "):
                return r, "error without a one-line message", None
            return r, None, "error"
        try:
            cap = json.loads(out)["capture"]
        except (ValueError, KeyError) as e:
            return r, f"bad JSON: {e}", None
        return r, None, "anomalies" if cap["anomalies"] else "clean"

    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as ex:
        for r, msg, kind in ex.map(one, rows):
            if msg:
                failures.append(f"{r['file']}: {msg}")
            else:
                outcomes[kind] += 1
    for rx, _ in allow:
        if reference is not None and rx.pattern not in used:
            failures.append(f"frames_allowlist.tsv: {rx.pattern} matches no malformed file")
    for f in failures:
        print("FAIL", f)
    print("malformed outcomes: " + ", ".join(f"{k} {v}" for k, v in outcomes.items()))
    print(f"malformed: {len(rows) - len(failures)} passed, {len(failures)} failed")
    return 1 if failures else 0


# tshark 4.0 prints byte counts of 10000 and more in SI units, truncated:
# "16 kB" is 16000..16999 bytes. Counts are kept as (value, scale).
SIZE = r"(\d+)\s+(bytes|kB|MB|GB)"
CONV_LINE = re.compile(r"^(\S+)\s+<->\s+(\S+)\s+(\d+)\s+" + SIZE + r"\s+(\d+)\s+" + SIZE)
SCALE = {"bytes": 1, "kB": 1000, "MB": 1000000, "GB": 1000000000}


def split_endpoint(s):
    addr, _, port = s.rpartition(":")
    return str(ipaddress.ip_address(addr)), int(port)


def canon(proto, a, b):
    """Canonical key and whether (a -> b) is the forward direction."""
    ka = (ipaddress.ip_address(a[0]).packed, a[1])
    kb = (ipaddress.ip_address(b[0]).packed, b[1])
    if ka <= kb:
        return (proto, a, b), True
    return (proto, b, a), False


def tshark_table(corpus, fname):
    base = os.path.join(corpus, "reference", "tshark", fname + ".conv.txt")
    if os.path.exists(base):
        text = open(base, encoding="utf-8").read()
    elif os.path.exists(base + ".gz"):
        text = gzip.open(base + ".gz", "rt", encoding="utf-8").read()
    else:
        return None
    table, proto = {}, None
    for line in text.splitlines():
        if line.endswith("Conversations"):
            proto = line.split()[0].lower()
            continue
        m = CONV_LINE.match(line)
        if not m or proto is None:
            continue
        a, b = split_endpoint(m.group(1)), split_endpoint(m.group(2))
        # "->" is A to B, "<-" is B to A
        b2a_f, a2b_f = int(m.group(3)), int(m.group(6))
        b2a_b = (int(m.group(4)), SCALE[m.group(5)])
        a2b_b = (int(m.group(7)), SCALE[m.group(8)])
        key, fwd = canon(proto, a, b)
        # a 5-tuple reused by several conversations: sum them, keeping the scale
        # exact only when every part is in bytes
        e = table.setdefault(key, [0, (0, 1), 0, (0, 1)])  # lo->hi frames, bytes, hi->lo ...
        def add(x, y):
            # (value, 1) exact bytes; (value, 1000...) truncated SI; (raw sum, -1) mixed
            if x[1] == 1 and y[1] == 1:
                return (x[0] + y[0], 1)
            if x == (0, 1):
                return y
            raw = lambda z: z[0] if z[1] in (1, -1) else z[0] * z[1]
            return (raw(x) + raw(y), -1)
        if fwd:
            e[0] += a2b_f; e[1] = add(e[1], a2b_b); e[2] += b2a_f; e[3] = add(e[3], b2a_b)
        else:
            e[0] += b2a_f; e[1] = add(e[1], b2a_b); e[2] += a2b_f; e[3] = add(e[3], a2b_b)
    return table


def our_table(binary, path):
    rc, out, err = run([binary, "-r", path, "--ndjson", "--no-dpi"], 300)
    if rc != 0:
        return None, f"exit {rc}: {err.strip()[:200]}"
    table = {}
    for line in out.decode().splitlines():
        rec = json.loads(line)
        proto = {6: "tcp", 17: "udp", 132: "sctp"}.get(rec.get("ip_proto"))
        if rec.get("type") != "connection" or proto is None:
            continue
        a = (rec["id.orig_h"], rec["id.orig_p"])
        b = (rec["id.resp_h"], rec["id.resp_p"])
        key, fwd = canon(proto, a, b)
        e = table.setdefault(key, [0, 0, 0, 0])
        o = (rec["orig_pkts"], rec["orig_wire_bytes"])
        r = (rec["resp_pkts"], rec["resp_wire_bytes"])
        if fwd:
            e[0] += o[0]; e[1] += o[1]; e[2] += r[0]; e[3] += r[1]
        else:
            e[0] += r[0]; e[1] += r[1]; e[2] += o[0]; e[3] += o[1]
    return table, None


def bytes_match(ref, ours):
    value, scale = ref
    if scale == 1:
        return value == ours
    if scale == -1:  # several truncated parts summed: within one unit per part
        return abs(value - ours) < 1000 * 64
    return ours // scale == value


def same(t, o):
    return t[0] == o[0] and t[2] == o[2] and bytes_match(t[1], o[1]) and bytes_match(t[3], o[3])


def load_allowlist(path):
    """allowlist.tsv: file-name regex <TAB> reason. A listed file may differ from tshark."""
    allow = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.startswith("#") or not line.strip():
                continue
            pat, reason = line.rstrip("\n").split("\t", 1)
            allow.append((re.compile(pat), reason))
    return allow


def check_tshark(binary, corpus):
    here = os.path.dirname(os.path.abspath(__file__))
    allow = load_allowlist(os.path.join(here, "allowlist.tsv"))
    rows = [r for r in manifest(corpus) if r["file"].startswith("good/")]
    failures, allowed, agreed = [], [], 0

    def one(r):
        name = os.path.basename(r["file"])
        ref = tshark_table(corpus, r["file"])
        if ref is None:
            return r, "no tshark reference", None
        ours, err = our_table(binary, os.path.join(corpus, r["file"]))
        if ours is None:
            return r, err, None
        diffs = []
        for key in sorted(set(ref) | set(ours), key=str):
            t, o = ref.get(key, [0, (0, 1), 0, (0, 1)]), ours.get(key, [0, 0, 0, 0])
            if not same(t, o):
                diffs.append(f"{key[0]} {key[1][0]}:{key[1][1]} <-> {key[2][0]}:{key[2][1]} "
                             f"tshark {t} ours {o}")
        if not diffs:
            if any(pat.search(name) for pat, _ in allow):
                return r, "agrees with tshark but is in allowlist.tsv: remove the stale entry", None
            return r, None, None
        reasons = [reason for pat, reason in allow if pat.search(name)]
        if reasons:
            return r, None, (reasons[0], len(diffs))
        return r, f"{len(diffs)} conversation(s) differ; first: " + "; ".join(diffs[:3]), None

    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as ex:
        for r, msg, allowed_by in ex.map(one, rows):
            if msg:
                failures.append(f"{r['file']}: {msg}")
            elif allowed_by:
                allowed.append(f"{r['file']}: {allowed_by[1]} differing, allowed: {allowed_by[0]}")
            else:
                agreed += 1
    for a in allowed:
        print("ALLOWED", a)
    for f in failures:
        print("FAIL", f)
    print(f"tshark: {agreed} files agree exactly, {len(allowed)} differ as allowed, "
          f"{len(failures)} differ unexplained")
    print(f"tshark: {agreed + len(allowed)} passed, {len(failures)} failed")
    return 1 if failures else 0


def main():
    if len(sys.argv) != 4 or sys.argv[1] not in ("good", "malformed", "tshark"):
        print(__doc__)
        return 2
    mode, binary, corpus = sys.argv[1:]
    if not os.path.exists(os.path.join(corpus, "MANIFEST.tsv")):
        print(f"corpus not found at {corpus}: skipping (it is optional on a fresh clone)")
        return SKIP
    return {"good": check_good, "malformed": check_malformed, "tshark": check_tshark}[mode](
        binary, corpus)


if __name__ == "__main__":
    sys.exit(main())
