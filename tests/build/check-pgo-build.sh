#!/bin/sh
# check-pgo-build.sh SOURCE_DIR WORK_DIR REFERENCE_SOCKSCOPE
#
# The default build of the README's first command (GCC, RelWithDebInfo, with
# link-time and profile-guided optimisation: scripts/pgo.cmake) configures,
# trains and builds from nothing, its sockscope was compiled with the
# training's profiles, and it prints exactly what REFERENCE_SOCKSCOPE (the test
# build's, without either optimisation) prints for every sample. Exits 77
# (skipped) when gcc is not installed.
set -u

die() {
    echo "check-pgo-build: $*" >&2
    exit 1
}

[ $# -eq 3 ] || die "usage: $0 SOURCE_DIR WORK_DIR REFERENCE_SOCKSCOPE"
src=$1 work=$2 ref=$3
if ! command -v gcc >/dev/null 2>&1; then
    echo "check-pgo-build: gcc not installed, skipped"
    exit 77
fi
rm -rf "$work"
mkdir -p "$work" || die "cannot create $work"
if ! CC=gcc cmake -S "$src" -B "$work/build" >"$work/configure.log" 2>&1; then
    cat "$work/configure.log" >&2
    die "configure failed"
fi
if ! cmake --build "$work/build" --target sockscope -j"$(nproc)" >"$work/build.log" 2>&1; then
    tail -40 "$work/build.log" >&2
    die "build failed"
fi
grep -q "Training run for profile-guided optimisation" "$work/build.log" ||
    die "the build ran no training"
[ -f "$work/build/pgo/profile.stamp" ] || die "no training stamp"
[ -f "$work/build/CMakeFiles/sockscope_core.dir/analyzer/analyzer.c.gcda" ] ||
    die "no profile next to the optimised analyzer.c object"
grep -q -- "-fprofile-use" "$work/build/CMakeFiles/sockscope_core.dir/flags.make" ||
    die "the core is not compiled with -fprofile-use"

bin=$work/build/sockscope
n=0
for f in "$src"/samples/*.pcap "$src"/samples/*.pcapng; do
    [ -f "$f" ] || continue
    for opts in "--seed 3 --ndjson" "--seed 3 --view stats" "--seed 3 --threads 1 --json"; do
        # shellcheck disable=SC2086
        "$ref" -r "$f" $opts >"$work/ref.out" 2>&1
        r1=$?
        # shellcheck disable=SC2086
        "$bin" -r "$f" $opts >"$work/pgo.out" 2>&1
        r2=$?
        [ "$r1" = "$r2" ] || die "$f $opts: exit $r2, the reference's $r1"
        cmp -s "$work/ref.out" "$work/pgo.out" ||
            die "$f $opts: output differs from the reference's ($work/ref.out, $work/pgo.out)"
        n=$((n + 1))
    done
done
[ "$n" -gt 0 ] || die "no sample captures in $src/samples"
echo "check-pgo-build: $n runs identical to the reference"
rm -rf "$work"
