#!/usr/bin/env python3
"""connlog_vs_json.py - the conn.log and the JSON document of one capture hold
the same records: every conn.log column equals the JSON member it is named
after, with Zeek's ASCII conventions ("-" unset, "(empty)" an empty set or
vector, T/F, seconds with six decimals), and the header lines are well formed.

usage: connlog_vs_json.py SOCKSCOPE CAPTURE...   (or --dir DIR: every capture in it)
Exit 0 when every capture agrees; 1 with one line per difference otherwise;
77 when --dir names a directory that is absent (the corpus is optional).
"""
import decimal
import json
import os
import subprocess
import sys

import capture_args

# conn.log column -> where its value is in a JSON connection record: a member
# name, or a path through nested objects ("tcp.orig.retransmissions"). Columns
# not listed are read from the member of the same name.
JSON_PATH = {
    "orig_missed_bytes": "tcp.orig.missed_bytes",
    "resp_missed_bytes": "tcp.resp.missed_bytes",
    "orig_retransmissions": "tcp.orig.retransmissions",
    "resp_retransmissions": "tcp.resp.retransmissions",
    "orig_out_of_order": "tcp.orig.out_of_order",
    "resp_out_of_order": "tcp.resp.out_of_order",
    "orig_zero_window": "tcp.orig.zero_window",
    "resp_zero_window": "tcp.resp.zero_window",
    "orig_dup_acks": "tcp.orig.dup_acks",
    "resp_dup_acks": "tcp.resp.dup_acks",
    "orig_keepalives": "tcp.orig.keepalives",
    "resp_keepalives": "tcp.resp.keepalives",
    "orig_mss": "tcp.orig.mss",
    "resp_mss": "tcp.resp.mss",
    "orig_wscale": "tcp.orig.wscale",
    "resp_wscale": "tcp.resp.wscale",
    "rtt_syn_synack": "tcp.rtt_syn_synack",
    "rtt_synack_ack": "tcp.rtt_synack_ack",
    "out_of_window_rsts": "tcp.out_of_window_rsts",
    "refused_by_rst": "tcp.refused_by_rst",
    "icmp_error_type": "icmp_error.type",
    "icmp_error_code": "icmp_error.code",
    "icmp_error_from": "icmp_error.from",
    "icmp_error_ts": "icmp_error.ts",
    "icmp_error_mtu": "icmp_error.mtu",
}
# Zeek's columns that sockscope leaves unset (no Site::local_nets here)
ALWAYS_UNSET = {"local_orig", "local_resp"}
# JSON members conn.log leaves out: the encapsulation chains (tunnel_parents
# names the carriers, as in Zeek)
NOT_IN_CONN_LOG = {"tunnel", "sibling_tunnel"}
# sets that the JSON record leaves out when empty
OMITTED_WHEN_EMPTY = {"tunnel_parents"}
# strings that the JSON record holds as "" where Zeek's conn.log leaves them
# unset (Zeek logs no history for a connection without one)
UNSET_WHEN_EMPTY = {"history"}
HEADER = ["#separator \\x09", "#set_separator\t,", "#empty_field\t(empty)",
          "#unset_field\t-", "#path\tconn"]


def json_value(rec, column):
    if column in rec:  # Zeek's dotted names ("id.orig_h") are members themselves
        return rec[column]
    cur = rec
    for part in JSON_PATH.get(column, column).split("."):
        if not isinstance(cur, dict) or part not in cur:
            return None
        cur = cur[part]
    return cur


def json_members(rec, prefix=""):
    """the paths of rec's members, nested objects walked ("tcp.orig.mss")"""
    for k, v in rec.items():
        if isinstance(v, dict):
            yield from json_members(v, prefix + k + ".")
        else:
            yield prefix + k


def unescape(s):
    out, i = [], 0
    while i < len(s):
        if s.startswith("\\x", i) and i + 4 <= len(s):
            out.append(chr(int(s[i + 2:i + 4], 16)))
            i += 4
        else:
            out.append(s[i])
            i += 1
    return "".join(out)


def transition_text(t):
    return "%.6f %s %s->%s" % (t["ts"], t["side"], t["from"], t["to"])


def same(ztype, text, value):
    """text (a conn.log field) against value (the JSON member, None if absent)"""
    if text == "-":
        # unset: the member absent or null; a TCP-only list is absent too
        return value is None
    if value is None:
        return False
    if ztype.startswith(("set[", "vector[")):
        items = [] if text == "(empty)" else [unescape(x) for x in text.split(",")]
        if not isinstance(value, list):
            value = [value]
        want = [transition_text(v) if isinstance(v, dict) else str(v) for v in value]
        return items == want
    if ztype == "bool":
        return text in ("T", "F") and (text == "T") == value
    if ztype in ("time", "interval"):
        # six decimals: the JSON number (which may carry nanoseconds) rounded
        # to the microsecond, half up, exactly (a tolerance relative to the
        # value, 1e-9 of it, let an epoch time be 1.7 s off)
        if len(text.split(".")[-1]) != 6 or isinstance(value, bool):
            return False
        want = decimal.Decimal(repr(float(value))).quantize(decimal.Decimal("0.000001"),
                                                            rounding=decimal.ROUND_HALF_UP)
        return decimal.Decimal(text) == want
    if ztype in ("count", "int", "port"):
        return isinstance(value, int) and not isinstance(value, bool) and int(text) == value
    # a string: the JSON value as Zeek's writer escapes it, byte for byte
    return text == zeek_escape(str(value))


def zeek_escape(s):
    """s as Zeek's ASCII writer writes a string field"""
    if s == "":
        return "(empty)"
    if s in ("-", "(empty)"):  # the unset and empty marks: first byte escaped
        return "\\x%02x" % ord(s[0]) + s[1:]
    out = []
    for b in s.encode("utf-8"):
        if b < 0x20 or b >= 0x7f or b == 0x5c:
            out.append("\\x%02x" % b)
        else:
            out.append(chr(b))
    return "".join(out)


def check(sockscope, capture, problems):
    name = os.path.basename(capture)
    runs = {}
    for fmt in ("--conn-log", "--json"):
        p = subprocess.run([sockscope, "--seed", "1", "-r", capture, fmt],
                           capture_output=True, timeout=600)
        if p.returncode not in (0, 1):  # 1: input ended early, results still written
            problems.append("%s: %s exited %d: %s" % (name, fmt, p.returncode,
                                                       p.stderr.decode(errors="replace")[:200]))
            return 0
        runs[fmt] = p.stdout.decode("utf-8", errors="strict")
    lines = runs["--conn-log"].split("\n")
    if lines[-1] != "":
        problems.append("%s: conn.log does not end with a newline" % name)
    lines = lines[:-1]
    if lines[:5] != HEADER or not lines[5].startswith("#open\t"):
        problems.append("%s: conn.log header lines differ: %r" % (name, lines[:6]))
        return 0
    fields = lines[6].split("\t")
    types = lines[7].split("\t")
    if fields[0] != "#fields" or types[0] != "#types" or len(fields) != len(types):
        problems.append("%s: #fields/#types lines malformed" % name)
        return 0
    fields, types = fields[1:], types[1:]
    if not lines[-1].startswith("#close\t"):
        problems.append("%s: no #close line at the end" % name)
    records = lines[8:-1]
    conns = json.loads(runs["--json"]).get("connections", [])
    if len(records) != len(conns):
        problems.append("%s: %d conn.log records, %d JSON connections" %
                        (name, len(records), len(conns)))
        return 0
    # every member of a JSON record has its column (flattened as JSON_PATH says)
    by_path = {v: k for k, v in JSON_PATH.items()}
    for rec in conns:
        for path in json_members(rec):
            if by_path.get(path, path) not in fields and path not in NOT_IN_CONN_LOG:
                problems.append("%s: JSON member %s has no conn.log column" % (name, path))
                NOT_IN_CONN_LOG.add(path)  # once
    # conn.log is written as connections end, the JSON document in start
    # order: pair them by uid
    by_uid = {rec.get("uid"): rec for rec in conns}
    if len(by_uid) != len(conns):
        problems.append("%s: uids repeat in the JSON document" % name)
    n = 0
    for line in records:
        cols = line.split("\t")
        if len(cols) != len(fields):
            problems.append("%s: record of %d columns, header of %d" % (name, len(cols), len(fields)))
            continue
        rec = by_uid.pop(cols[fields.index("uid")], None)
        if rec is None:
            problems.append("%s: uid %s in conn.log, not in the JSON document (or twice)" %
                            (name, cols[fields.index("uid")]))
            continue
        if rec.get("proto") == "tcp":
            # Zeek's missed_bytes is the sum of the two directions' shares
            tcp = rec.get("tcp", {})
            share = sum(tcp.get(s, {}).get("missed_bytes", -1) for s in ("orig", "resp"))
            if share != rec.get("missed_bytes"):
                problems.append("%s: uid %s: missed_bytes %s, the directions' %s" %
                                (name, rec.get("uid"), rec.get("missed_bytes"), share))
        for field, ztype, text in zip(fields, types, cols):
            n += 1
            if field in ALWAYS_UNSET:
                ok = text == "-"
                value = "(unset)"
            else:
                value = json_value(rec, field)
                if value is None and field in OMITTED_WHEN_EMPTY:
                    value = []
                if value == "" and field in UNSET_WHEN_EMPTY:
                    value = None
                ok = same(ztype, text, value)
            if not ok:
                problems.append("%s: uid %s: %s is %r in conn.log, %r in JSON" %
                                (name, rec.get("uid"), field, text, value))
    return n


if __name__ == "__main__":
    sys.exit(capture_args.run("connlog_vs_json", __doc__, check, "fields"))
