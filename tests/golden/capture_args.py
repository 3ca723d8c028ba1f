"""capture_args.py - what the comparison scripts of tests/golden share: their
command line (SOCKSCOPE CAPTURE... or SOCKSCOPE --dir DIR, every capture in
it) and their report (one line per difference, then a summary line)."""
import os
import sys

CAPTURE_SUFFIXES = (".pcap", ".pcapng", ".cap", ".pcap.gz")


def parse(prog, doc):
    """(sockscope, captures), or an exit code: 2 for a bad command line, 77
    when --dir names a directory that is absent (the corpus is optional)."""
    args = sys.argv[1:]
    if len(args) < 2:
        print(doc, file=sys.stderr)
        return 2
    if args[1] != "--dir":
        return args[0], args[1:]
    if len(args) != 3:
        print(doc, file=sys.stderr)
        return 2
    d = args[2]
    if not os.path.isdir(d):
        print("%s: %s not found, skipping (set SOCKSCOPE_CORPUS_DIR)" % (prog, d))
        return 77
    return args[0], sorted(os.path.join(d, f) for f in os.listdir(d)
                           if f.endswith(CAPTURE_SUFFIXES))


def run(prog, doc, check, what):
    """Calls check(sockscope, capture, problems) for every capture of the
    command line (it returns how many `what` it compared), prints the
    problems and a summary; returns the exit code: 1 when a problem was found
    or nothing was compared."""
    parsed = parse(prog, doc)
    if isinstance(parsed, int):
        return parsed
    sockscope, captures = parsed
    problems = []
    n = 0
    for c in captures:
        n += check(sockscope, c, problems)
    for p in problems[:200]:
        print(p)
    print("%s: %d captures, %d %s compared, %d difference(s)" %
          (prog, len(captures), n, what, len(problems)))
    return 1 if problems or n == 0 else 0
