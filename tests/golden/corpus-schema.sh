#!/bin/sh
# corpus-schema.sh - every capture in CORPUS/good gives --json output (and
# --ndjson output) that validates against docs/schema.json.
# usage: corpus-schema.sh SOCKSCOPE SRCDIR CORPUS_DIR
# exit 77 (skipped) when CORPUS_DIR/good is absent.
sockscope=$1 src=$2 corpus=$3
if [ ! -d "$corpus/good" ]; then
    echo "corpus.schema: $corpus/good not found, skipping (set SOCKSCOPE_CORPUS_DIR)"
    exit 77
fi
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
n=0 fail=0
for f in "$corpus"/good/*; do
    [ -f "$f" ] || continue
    case "$f" in *.pcap|*.pcapng|*.cap|*.pcap.gz) ;; *) continue ;; esac
    n=$((n + 1))
    out="$tmp/$n.json"
    "$sockscope" --seed 1 -r "$f" --json > "$out" 2> "$tmp/err"
    rc=$?
    # 1 = input ended early (results so far still written); anything else is a failure
    if [ $rc -ne 0 ] && [ $rc -ne 1 ]; then
        echo "FAIL $f: exit $rc: $(head -c 300 "$tmp/err")"
        fail=$((fail + 1))
        continue
    fi
    echo "$out" >> "$tmp/list"
    echo "$f" >> "$tmp/names"
done
if [ "$n" -eq 0 ]; then
    echo "corpus.schema: no captures in $corpus/good"
    exit 1
fi
# one validator run over every output (python startup once)
if ! python3 "$src/tests/golden/validate_json.py" "$src/docs/schema.json" $(cat "$tmp/list"); then
    echo "FAIL: schema validation (outputs numbered in this order):"
    nl "$tmp/names" | head -300
    fail=$((fail + 1))
fi
echo "corpus.schema: $n captures, $fail failure(s)"
[ "$fail" -eq 0 ]
