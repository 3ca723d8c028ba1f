#!/bin/sh
# run-golden.sh - runs one TESTLIST entry and compares with its expected file.
# usage: run-golden.sh SOCKSCOPE SRCDIR NAME
# With UPDATE=1 in the environment, writes the expected file instead.
sockscope=$1 src=$2 name=$3
dir="$src/tests/golden"
line=$(grep -v '^#' "$dir/TESTLIST" | awk -v n="$name" '$1 == n { print; exit }')
if [ -z "$line" ]; then
    echo "run-golden.sh: no test '$name' in $dir/TESTLIST" >&2
    exit 2
fi
set -f # options are plain words; no globbing
set -- $line
capture=$2 expected=$3
shift 3
tmp=$(mktemp) || exit 1
trap 'rm -f "$tmp"' EXIT
case $sockscope in /*) ;; *) sockscope=$PWD/$sockscope ;; esac
# NO_COLOR and a pipe: never colored. Run from the source tree so that the
# capture's path, which the report names, is the same on every machine.
(cd "$src" && NO_COLOR=1 "$sockscope" --seed 1 -r "$capture" "$@") > "$tmp"
rc=$?
if [ $rc -ne 0 ]; then
    echo "golden $name: sockscope exited $rc" >&2
    exit 1
fi
if [ "${UPDATE:-0}" = 1 ]; then
    cp "$tmp" "$dir/$expected"
    echo "updated $dir/$expected"
    exit 0
fi
if ! diff -u "$dir/$expected" "$tmp"; then
    echo "golden $name: output differs from $expected (tests/golden/update-golden.sh $name to accept)" >&2
    exit 1
fi
