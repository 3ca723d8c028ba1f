#!/bin/sh
# update-golden.sh NAME [SOCKSCOPE] - regenerates the expected output of one
# TESTLIST entry (or of every entry with NAME "all"); review the diff like code.
# SOCKSCOPE defaults to build/sockscope under the source tree.
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
name=$1
sockscope=${2:-$src/build/sockscope}
if [ -z "$name" ]; then
    echo "usage: update-golden.sh NAME|all [SOCKSCOPE]" >&2
    exit 2
fi
if [ ! -x "$sockscope" ]; then
    echo "update-golden.sh: $sockscope is not an executable (give SOCKSCOPE)" >&2
    exit 2
fi
if [ "$name" = all ]; then
    names=$(grep -v '^#' "$here/TESTLIST" | awk 'NF { print $1 }')
else
    names=$name
fi
for n in $names; do
    UPDATE=1 sh "$here/run-golden.sh" "$sockscope" "$src" "$n" || exit 1
done
