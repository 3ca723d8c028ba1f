#!/usr/bin/env python3
"""check-no-dpi.py - `--no-dpi` turns detection off and changes nothing else.

Usage: check-no-dpi.py SOCKSCOPE SAMPLES_DIR

For every sample capture, the NDJSON output with --no-dpi must have the same
records in the same order as the output with detection on. Connection records
must be equal once the detection fields are removed (service, app_*,
dpi_packets) and carry none of them with --no-dpi; the capture summary must be
equal but for dpi_peak_inspecting, which is 0 with --no-dpi. Other records
(ports, sockets: the views) must agree on every field both runs print; fields
only the detection run prints are listed. The run with detection must name at
least one service, so the comparison cannot pass vacuously.
"""
import json
import os
import subprocess
import sys

DPI_KEYS = ("service", "app_protocol", "app_category", "app_confidence", "app_host",
            "app_host_truncated", "app_port_mismatch", "dpi_packets", "dpi_peak_inspecting")


def records(exe, path, extra):
    out = subprocess.run([exe, "-r", path, "--ndjson", "--seed", "1"] + extra, check=True,
                         capture_output=True, text=True).stdout
    return [json.loads(line) for line in out.splitlines() if line.strip()]


def strip_conn(o):
    return {k: v for k, v in o.items() if k not in DPI_KEYS}


def compare(on, off, extra):
    """'' if the records agree under the rules above, else why not."""
    if on.get("type") != off.get("type"):
        return "record types differ: %s / %s" % (on.get("type"), off.get("type"))
    t = on.get("type")
    if t == "connection":
        leaked = sorted(k for k in off if k in DPI_KEYS)
        if leaked:
            return "--no-dpi connection record has %s" % leaked
        return "" if strip_conn(on) == off else "connection %s differs" % on.get("uid")
    if t == "capture":
        a, b = json.loads(json.dumps(on)), json.loads(json.dumps(off))
        if b.get("connections", {}).pop("dpi_peak_inspecting", 0) != 0:
            return "--no-dpi capture summary has dpi_peak_inspecting != 0"
        a.get("connections", {}).pop("dpi_peak_inspecting", None)
        return "" if a == b else "capture summaries differ"
    if t == "port":
        # detection results of the port: empty and false without DPI
        if off.get("detected") not in (None, []) or off.get("mismatch") not in (None, False):
            return "--no-dpi port record has detected protocols"
        on = {k: v for k, v in on.items() if k not in ("detected", "mismatch")}
        off = {k: v for k, v in off.items() if k not in ("detected", "mismatch")}
    for k in set(on) | set(off):
        if k in on and k in off:
            if on[k] != off[k]:
                return "%s record field %s differs" % (t, k)
        elif k in on:
            extra.add("%s.%s" % (t, k))
        else:
            return "%s record field %s only with --no-dpi" % (t, k)
    return ""


def main():
    exe, samples = sys.argv[1], sys.argv[2]
    files = sorted(f for f in os.listdir(samples) if f.endswith((".pcap", ".pcapng")))
    if not files:
        print("SKIP: no samples in %s" % samples)
        return 77
    bad = 0
    services = 0
    for f in files:
        path = os.path.join(samples, f)
        on, off = records(exe, path, []), records(exe, path, ["--no-dpi"])
        services += sum(1 for o in on if o.get("type") == "connection" and o.get("service"))
        extra = set()
        if len(on) != len(off):
            why = "%d records with detection, %d without" % (len(on), len(off))
        else:
            why = next((w for w in (compare(a, b, extra) for a, b in zip(on, off)) if w), "")
        if why:
            print("FAIL %s: %s" % (f, why))
            bad += 1
        else:
            print("ok   %s: %d records%s" % (f, len(on), (", detection adds " +
                  ", ".join(sorted(extra))) if extra else ""))
    if services == 0:
        print("FAIL: detection named no service on any sample")
        bad += 1
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
