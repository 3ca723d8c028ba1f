#!/usr/bin/env python3
"""make_seeds.py - writes the fuzzers' seed directories (build directory only).

  OUT/frame/  one seed per frame: fuzz_frame.c's selector byte for the frame's
              link type, then the frame bytes. Every frame of the captures in
              samples/, then up to FRAMES_PER_FILE frames (spread evenly) of each
              corpus good/ and malformed/ file, round robin over the files, up to
              MAX_FRAME_SEEDS in all. Frames whose link type has no selector are
              skipped.
  OUT/pcap/   whole capture files smaller than MAX_PCAP_SEED bytes from samples/
              and the corpus good/ and malformed/ directories, copied; plus, for
              the samples and up to DPI_SEEDS good files, a copy padded with zero
              bytes to a length at which fuzz_pcap.c turns nDPI on (bit 2 of
              the length clear), so every such seed is also run with detection;
              and each sample gzip-compressed (mtime 0: the same bytes every
              run) and, when zstd(1) and lz4(1) are there, zstd- and
              lz4-compressed (lz4 in 64 KiB linked blocks with block
              checksums, so more of its decoder is reached, and once more
              after a skippable frame), so the decompressing window is
              fuzzed too.
Both also get tests/fuzz/regressions/<target>/* (past findings). Seeds are named
by the SHA-1 of their content (duplicates collapse), so the output depends only
on the inputs. A missing corpus is skipped with a note.

Usage: make_seeds.py --out DIR [--source REPO] [--corpus DIR]
(--corpus defaults to $SOCKSCOPE_CORPUS_DIR, then $CORPUS.)
"""
import argparse
import gzip
import hashlib
import os
import re
import shutil
import struct
import subprocess
import sys

FRAMES_PER_FILE = 20
MAX_FRAME_SEEDS = 3000
MAX_PCAP_SEED = 64 * 1024
DPI_SEEDS = 40
MAX_FRAME_LEN = 65536  # larger frames are skipped: they would raise libFuzzer's -max_len
PCAP_LINKTYPE_MASK = 0x03FFFFFF

PCAP_MAGICS = {  # first four bytes in file order -> struct byte-order prefix
    b"\xa1\xb2\xc3\xd4": ">", b"\xd4\xc3\xb2\xa1": "<",
    b"\xa1\xb2\x3c\x4d": ">", b"\x4d\x3c\xb2\xa1": "<",
}
PCAPNG_SHB = b"\x0a\x0d\x0d\x0a"


def selector_table(fuzz_frame_c):
    """Maps link type -> selector byte, from the linktypes[] table in fuzz_frame.c
    (the target picks linktypes[data[0] % N]). The table's last entry is the
    deliberately unknown link type, which the target uses for any selector; real
    frames of that type do not exist, so it is left out."""
    with open(fuzz_frame_c, encoding="utf-8") as f:
        text = f.read()
    m = re.search(r"linktypes\[\]\s*=\s*\{(.*?)\}", text, re.S)
    if m is None:
        sys.exit("make_seeds.py: no linktypes[] table in " + fuzz_frame_c)
    body = re.sub(r"/\*.*?\*/", "", m.group(1), flags=re.S)
    values = [int(v, 0) for v in body.replace("\n", " ").split(",") if v.strip()]
    if len(values) < 2 or len(values) >= 0x40:
        sys.exit("make_seeds.py: unexpected linktypes[] table in " + fuzz_frame_c)
    table = {}
    for i, lt in enumerate(values[:-1]):
        table.setdefault(lt, i)  # selectors < 0x40: no flag bits set
    return table


def pcap_frames(data):
    """Yields (linktype, frame) for each whole record of a classic pcap; stops at
    the first damaged record."""
    order = PCAP_MAGICS.get(data[:4])
    if order is None or len(data) < 24:
        return
    linktype = struct.unpack_from(order + "I", data, 20)[0] & PCAP_LINKTYPE_MASK
    off = 24
    while off + 16 <= len(data):
        caplen = struct.unpack_from(order + "I", data, off + 8)[0]
        off += 16
        if off + caplen > len(data):
            return
        if caplen <= MAX_FRAME_LEN:
            yield linktype, data[off:off + caplen]
        off += caplen


def pcapng_frames(data):
    """Yields (linktype, frame) for the packets of EPB, SPB and obsolete packet
    blocks of a pcapng; stops at the first damaged block."""
    off = 0
    order = None
    ifaces = []
    while off + 12 <= len(data):
        if data[off:off + 4] == PCAPNG_SHB:
            bom = data[off + 8:off + 12]
            if bom == b"\x1a\x2b\x3c\x4d":
                order = ">"
            elif bom == b"\x4d\x3c\x2b\x1a":
                order = "<"
            else:
                return
            ifaces = []
        if order is None:
            return
        btype, blen = struct.unpack_from(order + "II", data, off)
        if blen < 12 or blen % 4 != 0 or off + blen > len(data):
            return
        body = data[off + 8:off + blen - 4]
        if btype == 1 and len(body) >= 8:  # interface description
            ifaces.append(struct.unpack_from(order + "H", body, 0)[0])
        elif btype in (2, 6) and len(body) >= 20:  # obsolete packet, enhanced packet
            if btype == 6:
                if_id = struct.unpack_from(order + "I", body, 0)[0]
            else:
                if_id = struct.unpack_from(order + "H", body, 0)[0]
            caplen = struct.unpack_from(order + "I", body, 12)[0]
            if if_id < len(ifaces) and caplen <= len(body) - 20 and caplen <= MAX_FRAME_LEN:
                yield ifaces[if_id], body[20:20 + caplen]
        elif btype == 3 and len(body) >= 4 and ifaces:  # simple packet
            origlen = struct.unpack_from(order + "I", body, 0)[0]
            if min(origlen, len(body) - 4) <= MAX_FRAME_LEN:
                yield ifaces[0], body[4:4 + min(origlen, len(body) - 4)]
        off += blen


def frames_of(path):
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError as e:
        print(f"make_seeds.py: skipping {path}: {e}", file=sys.stderr)
        return []
    if data[:4] == PCAPNG_SHB:
        return list(pcapng_frames(data))
    return list(pcap_frames(data))


def files_in(directory):
    if not os.path.isdir(directory):
        return []
    return sorted(os.path.join(directory, n) for n in os.listdir(directory)
                  if not n.startswith(".") and os.path.isfile(os.path.join(directory, n)))


def captures_in(directory):
    return [p for p in files_in(directory) if not p.endswith((".c", ".md", ".txt", ".sh"))]


def dpi_length(n):
    """The smallest length >= n at which fuzz_pcap.c runs nDPI (bit 2 clear)."""
    return n + 4 if n & 4 else n


def spread(items, n):
    """At most n items, evenly spaced, always including the first."""
    if len(items) <= n:
        return items
    return [items[i * len(items) // n] for i in range(n)]


class SeedDir:
    def __init__(self, path):
        self.path = path
        self.names = set()
        if os.path.isdir(path):
            shutil.rmtree(path)
        os.makedirs(path)

    def add(self, data):
        name = hashlib.sha1(data).hexdigest()
        if name in self.names:
            return False
        self.names.add(name)
        with open(os.path.join(self.path, name), "wb") as f:
            f.write(data)
        return True


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    here = os.path.dirname(os.path.abspath(__file__))
    ap.add_argument("--source", default=os.path.dirname(os.path.dirname(here)))
    ap.add_argument("--corpus", default=os.environ.get("SOCKSCOPE_CORPUS_DIR",
                                                       os.environ.get("CORPUS", "")))
    ap.add_argument("--out", required=True)
    args = ap.parse_args()

    selectors = selector_table(os.path.join(args.source, "tests", "fuzz", "fuzz_frame.c"))
    samples = captures_in(os.path.join(args.source, "samples"))
    corpus = []
    if args.corpus and os.path.isdir(os.path.join(args.corpus, "good")):
        for sub in ("good", "malformed"):
            corpus += captures_in(os.path.join(args.corpus, sub))
    else:
        print(f"make_seeds.py: no corpus at '{args.corpus}', seeding from samples/ only")
    regressions = os.path.join(args.source, "tests", "fuzz", "regressions")

    # fuzz_frame
    frame = SeedDir(os.path.join(args.out, "frame"))
    skipped = 0

    def frame_seeds(path):
        nonlocal skipped
        out = []
        for lt, fr in frames_of(path):
            sel = selectors.get(lt)
            if sel is None:
                skipped += 1
            else:
                out.append(bytes([sel]) + fr)
        return out

    for path in samples:
        for seed in frame_seeds(path):
            frame.add(seed)
    queues = [spread(frame_seeds(p), FRAMES_PER_FILE) for p in corpus]
    depth = 0
    while len(frame.names) < MAX_FRAME_SEEDS and any(depth < len(q) for q in queues):
        for q in queues:
            if depth < len(q) and len(frame.names) < MAX_FRAME_SEEDS:
                frame.add(q[depth])
        depth += 1
    for path in files_in(os.path.join(regressions, "frame")):
        with open(path, "rb") as f:
            frame.add(f.read())

    # fuzz_pcap
    pcap = SeedDir(os.path.join(args.out, "pcap"))
    for path in samples + corpus + files_in(os.path.join(regressions, "pcap")):
        if os.path.getsize(path) < MAX_PCAP_SEED:
            with open(path, "rb") as f:
                pcap.add(f.read())
    good = [p for p in corpus if os.path.basename(os.path.dirname(p)) == "good"
            and os.path.getsize(p) < MAX_PCAP_SEED]
    for path in samples + spread(good, DPI_SEEDS):
        with open(path, "rb") as f:
            data = f.read()
        if len(data) < MAX_PCAP_SEED:
            pcap.add(data + bytes(dpi_length(len(data)) - len(data)))
    zstd = shutil.which("zstd")
    lz4 = shutil.which("lz4")
    for path in samples:
        with open(path, "rb") as f:
            raw = f.read()
        packed = [gzip.compress(raw, compresslevel=6, mtime=0)]
        if zstd is not None:
            packed.append(subprocess.run([zstd, "-q", "-c", "-3"], input=raw,
                                         stdout=subprocess.PIPE, check=True).stdout)
        if lz4 is not None:
            framed = subprocess.run([lz4, "-q", "-c", "-B4", "-BD", "-BX", "--content-size"],
                                    input=raw, stdout=subprocess.PIPE, check=True).stdout
            # and after a skippable frame (5X 2a 4d 18, a length, its bytes), which
            # the sniff looks past to tell lz4 from zstd
            packed += [framed, bytes([0x5a, 0x2a, 0x4d, 0x18, 2, 0, 0, 0]) + b"sk" + framed]
        for data in packed:
            if len(data) < MAX_PCAP_SEED:
                pcap.add(data)
    # a zstd frame that claims 26 bytes of content (single segment, with a
    # checksum) and has one empty last block: read whole, libzstd finds the
    # size wrong; fed piece by piece, the checksum (the two readers' words
    # differ, found by fuzz_pcap in session 18)
    pcap.add(bytes([0x28, 0xB5, 0x2F, 0xFD, 0x24, 0x1A, 0x01, 0x00, 0x00, 0, 0, 0, 0]))

    print(f"make_seeds.py: {len(frame.names)} frame seeds ({skipped} frames without a "
          f"selector skipped), {len(pcap.names)} capture seeds, from {len(samples)} "
          f"samples and {len(corpus)} corpus files, in {args.out}")
    if not frame.names or not pcap.names:
        sys.exit("make_seeds.py: no seeds written")


if __name__ == "__main__":
    main()
