#!/usr/bin/env python3
"""zeek_facts_check.py - sockscope's conn.log against what Zeek itself reported
for the same corpus captures (tests/corpus/zeek_facts.tsv, from Zeek's btest
baselines): conn_state, history, bytes, packets, missed bytes, duration,
Community ID and service of each connection Zeek logged, and, where the baseline lists
them all, no connection more or less.

usage: zeek_facts_check.py SOCKSCOPE CORPUS_DIR
exit 0 when every fact holds, 1 otherwise, 77 when CORPUS_DIR/good is absent.
"""
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
VALUE_COLUMNS = ["conn_state", "history", "orig_bytes", "resp_bytes", "missed_bytes",
                 "orig_pkts", "orig_ip_bytes", "resp_pkts", "resp_ip_bytes", "duration",
                 "community_id", "service"]
ID_COLUMNS = [("orig_h", "id.orig_h"), ("orig_p", "id.orig_p"), ("resp_h", "id.resp_h"),
              ("resp_p", "id.resp_p"), ("proto", "proto")]


def read_facts():
    lines = [l.rstrip("\n") for l in open(os.path.join(HERE, "zeek_facts.tsv"))
             if l.strip() and not l.startswith("#")]
    header = lines[0].split("\t")
    return [dict(zip(header, l.split("\t"))) for l in lines[1:]]


def conn_log(sockscope, capture):
    p = subprocess.run([sockscope, "--seed", "1", "-r", capture, "--conn-log"],
                       capture_output=True, text=True, timeout=300)
    if p.returncode not in (0, 1):
        raise RuntimeError("exit %d: %s" % (p.returncode, p.stderr[:200]))
    fields, recs = None, []
    for line in p.stdout.split("\n"):
        if line.startswith("#fields\t"):
            fields = line.split("\t")[1:]
        elif line and not line.startswith("#"):
            recs.append(dict(zip(fields, line.split("\t"))))
    # conn.log is in the order connections end: nth counts in start order
    return sorted(recs, key=lambda r: float(r["ts"]))


def matches(fact, rec):
    return all(fact[f] == "?" or fact[f] == rec[c] for f, c in ID_COLUMNS)


def same_value(col, want, got):
    if col == "duration" and want not in ("-", "?") and got not in ("-", "?"):
        return abs(float(want) - float(got)) < 1.5e-6  # both rounded to the microsecond
    return want == got


def main():
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    sockscope, corpus = sys.argv[1], sys.argv[2]
    if not os.path.isdir(os.path.join(corpus, "good")):
        print("zeek_facts_check: %s/good not found, skipping (set SOCKSCOPE_CORPUS_DIR)" % corpus)
        return 77
    facts = read_facts()
    problems, checked = [], 0
    by_trace = {}
    for f in facts:
        by_trace.setdefault(f["trace"], []).append(f)
    for trace, tfacts in sorted(by_trace.items()):
        try:
            recs = conn_log(sockscope, os.path.join(corpus, "good", trace))
        except (RuntimeError, subprocess.TimeoutExpired) as e:
            problems.append("%s: %s" % (trace, e))
            continue
        for f in tfacts:
            cands = [r for r in recs if matches(f, r)]
            nth = int(f["nth"])
            if len(cands) < nth:
                problems.append("%s: no connection %s:%s -> %s:%s %s #%d (Zeek: %s)" %
                                (trace, f["orig_h"], f["orig_p"], f["resp_h"], f["resp_p"],
                                 f["proto"], nth, f["source"]))
                continue
            rec = cands[nth - 1]
            for col in VALUE_COLUMNS:
                if f[col] == "?":
                    continue
                checked += 1
                if not same_value(col, f[col], rec[col]):
                    problems.append("%s: %s:%s -> %s:%s: %s is %s, Zeek's %s (%s)" %
                                    (trace, rec["id.orig_h"], rec["id.orig_p"], rec["id.resp_h"],
                                     rec["id.resp_p"], col, rec[col], f[col], f["source"]))
        if any(f["complete"] == "Y" for f in tfacts):
            checked += 1
            ours = [r for r in recs if not any(matches(f, r) for f in tfacts)]
            if len(recs) != len(tfacts) or ours:
                problems.append("%s: %d connections, Zeek's baseline lists %d%s" %
                                (trace, len(recs), len(tfacts),
                                 "; not in it: " + ", ".join(
                                     "%s:%s -> %s:%s %s" % (r["id.orig_h"], r["id.orig_p"],
                                                            r["id.resp_h"], r["id.resp_p"],
                                                            r["proto"]) for r in ours[:5])
                                 if ours else ""))
    for p in problems:
        print(p)
    print("zeek_facts_check: %d captures, %d connections, %d facts checked, %d difference(s)" %
          (len(by_trace), len(facts), checked, len(problems)))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
