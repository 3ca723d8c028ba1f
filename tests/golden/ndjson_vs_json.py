#!/usr/bin/env python3
"""ndjson_vs_json.py - the NDJSON stream and the JSON document of one capture
hold the same records: every `connection` line equals the document's
connection of its uid, the `port` lines equal the document's ports (same
order), the `capture` line its capture; every `socket` line is one of the
document's sockets (by uid and side) with the same endpoints, transitions and
counts. The stream's ports are built from what it keeps of each connection
(views_build_ports), the document's from the records (views_build), and its
sockets are written as each connection ends, before the capture's end decides
a socket's final role and state (and ends a TIME_WAIT that ran out before
it, a last transition to CLOSED): those are the document's alone.

usage: ndjson_vs_json.py SOCKSCOPE CAPTURE...   (or --dir DIR: every capture in it)
Exit 0 when every capture agrees; 1 with one line per difference otherwise;
77 when --dir names a directory that is absent (the corpus is optional).
"""
import json
import os
import subprocess
import sys

import capture_args

# a socket's members that the stream writes as the connection ends and the
# document as the capture ends (views.h: the role from its port's status, the
# state at the capture end, whether its local endpoint is a port)
SOCKET_DECIDED_AT_END = {"role", "state", "local_is_port", "diagnostics"}


def run(sockscope, capture, fmt):
    p = subprocess.run([sockscope, "-r", capture, "--seed", "1", fmt],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=300)
    return p.returncode, p.stdout.decode("utf-8", "replace")


def check(sockscope, capture, problems):
    name = os.path.basename(capture)
    rc_j, out_j = run(sockscope, capture, "--json")
    rc_n, out_n = run(sockscope, capture, "--ndjson")
    if rc_j != rc_n:
        problems.append("%s: exit %d with --json, %d with --ndjson" % (name, rc_j, rc_n))
        return 0
    try:
        doc = json.loads(out_j)
        lines = [json.loads(l) for l in out_n.splitlines()]
    except ValueError as e:
        problems.append("%s: output is not JSON: %s" % (name, e))
        return 0
    by_type = {}
    for rec in lines:
        by_type.setdefault(rec.pop("type", None), []).append(rec)
    compared = 0
    if by_type.get("capture") != [doc.get("capture")]:
        problems.append("%s: the capture line differs from the document's capture" % name)
    compared += 1
    ports = by_type.get("port", [])
    if ports != doc.get("ports", []):
        problems.append("%s: %d port lines, %d ports in the document, or they differ" %
                        (name, len(ports), len(doc.get("ports", []))))
        for a, b in zip(ports, doc.get("ports", [])):
            if a != b:
                problems.append("%s:   first difference: %s vs %s" %
                                (name, json.dumps(a)[:300], json.dumps(b)[:300]))
                break
    compared += len(ports)
    conns = {c["uid"]: c for c in doc.get("connections", [])}
    streamed = by_type.get("connection", [])
    if len(streamed) != len(conns):
        problems.append("%s: %d connection lines, %d connections in the document" %
                        (name, len(streamed), len(conns)))
    for c in streamed:
        if conns.get(c.get("uid")) != c:
            problems.append("%s: connection %s differs from the document's" % (name, c.get("uid")))
        compared += 1
    socks = {(s["uid"], s["side"]): s for s in doc.get("sockets", [])}
    streamed = by_type.get("socket", [])
    if len(streamed) != len(socks):
        problems.append("%s: %d socket lines, %d sockets in the document" %
                        (name, len(streamed), len(socks)))
    for s in streamed:
        d = socks.pop((s.get("uid"), s.get("side")), None)
        if d is None:
            problems.append("%s: socket %s %s not in the document (or twice)" %
                            (name, s.get("uid"), s.get("side")))
            continue
        ts, td = s.get("transitions"), d.get("transitions")
        if (isinstance(ts, list) and isinstance(td, list) and len(td) == len(ts) + 1 and
                td[:-1] == ts and td[-1].get("from") == "TIME_WAIT" and
                td[-1].get("to") == "CLOSED"):
            d = dict(d, transitions=ts)  # the TIME_WAIT that ran out before the end
        for k in set(s) | set(d):
            if k not in SOCKET_DECIDED_AT_END and s.get(k) != d.get(k):
                problems.append("%s: socket %s %s: %s is %r in the stream, %r in the document" %
                                (name, s.get("uid"), s.get("side"), k, s.get(k), d.get(k)))
        compared += 1
    unknown = set(by_type) - {"capture", "port", "connection", "socket"}
    if unknown:
        problems.append("%s: lines of unexpected types %s" % (name, sorted(map(str, unknown))))
    return compared


if __name__ == "__main__":
    sys.exit(capture_args.run("ndjson_vs_json", __doc__, check, "records"))
