#!/usr/bin/env python3
"""compressed_check.py - every corpus capture, compressed, reads as itself.

  compressed_check.py SOCKSCOPE CORPUS

Each file of good/ and malformed/ is compressed with gzip, zstd or lz4 in turn
(the file's place in the sorted list picks the codec; zstd and lz4 only where
zstd(1) and lz4(1) are installed) and read under its own name from a temporary
directory. Against the plain file's run (`--ndjson --no-dpi --seed 3`): the same
exit code, the same records but for `capture.inputs` (whose `compression` must
name the codec), the same messages with the directory's name replaced. A file
that is not a capture, or too short for a file header, gets the plain run's
message with the codec in it ("(lz4-compressed, magic 0x...)", "truncated
file header (gzip-compressed)"). Captures that
are already compressed are left out (sockscope decompresses once).

The decompressing window (analyzer/filebuf.c) must hand the readers exactly the
bytes of the plain file, so that records cut short or damaged inside are reported
as they are in the plain file, record number and all.

Exits 77 (skipped, for ctest) with a message when the corpus is absent.
"""
import concurrent.futures
import gzip
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

SKIP = 77
OPTIONS = ["--ndjson", "--no-dpi", "--seed", "3"]


def compress(data, codec):
    if codec == "gzip":
        return gzip.compress(data, compresslevel=6, mtime=0)
    cmd = {"zstd": ["zstd", "-q", "-c", "-3"],
           "lz4": ["lz4", "-q", "-c", "-B4", "-BD"]}[codec]
    return subprocess.run(cmd, input=data, capture_output=True, check=True).stdout


def run(sockscope, path):
    try:
        p = subprocess.run([sockscope, "-r", path] + OPTIONS, capture_output=True, timeout=600)
    except subprocess.TimeoutExpired:
        return "timeout", [], ""
    return p.returncode, p.stdout.decode("utf-8", "replace").splitlines(), \
        p.stderr.decode("utf-8", "replace")


def without_inputs(lines):
    """The records, the capture record's inputs taken out and returned apart."""
    out, inputs = [], None
    for line in lines:
        rec = json.loads(line)
        if rec.get("type") == "capture":
            inputs = rec.pop("inputs")
        out.append(rec)
    return out, inputs


def check(sockscope, path, codec, tmp):
    name = os.path.basename(path)
    with open(path, "rb") as f:
        data = f.read()
    packed = os.path.join(tmp, name)
    with open(packed, "wb") as f:
        f.write(compress(data, codec))
    try:
        rc1, out1, err1 = run(sockscope, path)
        rc2, out2, err2 = run(sockscope, packed)
    finally:
        os.unlink(packed)
    # the messages (stderr, capture.input_error) name the file where it was read
    err2 = err2.replace(tmp + "/", os.path.dirname(path) + "/")
    out2 = [line.replace(json.dumps(tmp + "/")[1:-1], json.dumps(os.path.dirname(path) + "/")[1:-1])
            for line in out2]
    if rc2 == "timeout" or rc1 != rc2:
        return f"{name} ({codec}): exit {rc2}, plain {rc1}"
    # not a capture, or too short for a magic number: the codec named in the
    # message (a pcap file header cut after its magic is the reader's to report)
    err1 = re.sub(r"\(magic (0x[0-9a-f]{8})\)", rf"({codec}-compressed, magic \1)", err1)
    if len(data) < 4:
        err1 = err1.replace(": truncated file header\n", f": truncated file header ({codec}-compressed)\n")
    if err1 != err2:
        return f"{name} ({codec}): stderr {err2.strip()!r}, plain {err1.strip()!r}"
    try:
        recs1, in1 = without_inputs(out1)
        recs2, in2 = without_inputs(out2)
    except (ValueError, KeyError) as e:
        return f"{name} ({codec}): unreadable output: {e}"
    if len(recs1) != len(recs2):
        return f"{name} ({codec}): {len(recs2)} records, plain {len(recs1)}"
    for r1, r2 in zip(recs1, recs2):
        if r1 != r2:
            return f"{name} ({codec}): a {r2.get('type')} record differs from the plain file's"
    if in1 is not None or in2 is not None:
        if in1 is None or in2 is None or len(in1) != 1 or len(in2) != 1:
            return f"{name} ({codec}): capture.inputs {in2}, plain {in1}"
        want = dict(in1[0], compression=codec)  # its path too: the directory replaced
        if in2[0] != want:
            return f"{name} ({codec}): capture.inputs {in2[0]}, want {want}"
    return None


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    sockscope, corpus = sys.argv[1:]
    if not os.path.exists(os.path.join(corpus, "MANIFEST.tsv")):
        print(f"compressed_check.py: no corpus at {corpus}: skipped")
        sys.exit(SKIP)
    codecs = ["gzip"] + [c for c in ("zstd", "lz4") if shutil.which(c)]
    files = sorted(os.path.join(corpus, d, n) for d in ("good", "malformed")
                   for n in os.listdir(os.path.join(corpus, d)))
    left_out = []
    jobs = []
    with tempfile.TemporaryDirectory() as tmp, \
            concurrent.futures.ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        for i, path in enumerate(files):
            with open(path, "rb") as f:
                head = f.read(4)
            if head[:3] == b"\x1f\x8b\x08" or head == b"\x28\xb5\x2f\xfd" or head == b"\x04\x22\x4d\x18":
                left_out.append(os.path.basename(path))
                continue
            jobs.append(pool.submit(check, sockscope, path, codecs[i % len(codecs)], tmp))
        failures = [r for r in (j.result() for j in jobs) if r is not None]
    for f in failures:
        print("FAIL:", f)
    print(f"compressed_check.py: {len(jobs)} captures read compressed ({', '.join(codecs)} in turn), "
          f"{len(failures)} differ; left out (already compressed): {', '.join(left_out) or 'none'}")
    if len(codecs) < 3:
        print("compressed_check.py: zstd(1) or lz4(1) missing: those codecs not checked")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
