#!/usr/bin/env bash
# run-bench.sh - sockscope benchmark: builds the Release tools, generates the
# capture if missing, then times every reader on the same file in one run and
# prints a Markdown table (also saved as BUILD/bench-results.md).
#
# usage: bench/run-bench.sh [BUILD_DIR]          (default: build-bench beside bench/)
# environment:
#   FLOWS=1000000 WINDOW=100000   capture shape (gen_bench -n / -w)
#   FILE=path                     capture to use (default BUILD/bench-FLOWS-WINDOW.pcap)
#   REPEAT=3                      rounds (each runs every reader once); medians reported
#   SKIP_NDPI=1                   leave ndpiReader out
#   PGO=OFF                       build without profile-guided optimisation (the
#                                 default build has it with GCC: scripts/pgo.cmake)
set -euo pipefail

SRC=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${1:-$SRC/build-bench}
FLOWS=${FLOWS:-1000000}
WINDOW=${WINDOW:-100000}
REPEAT=${REPEAT:-3}
FILE=${FILE:-$BUILD/bench-$FLOWS-$WINDOW.pcap}
TIME=/usr/bin/time
if [ ! -x "$TIME" ]; then
    echo "run-bench.sh: $TIME missing: apt-get install time" >&2
    exit 1
fi

PGO=${PGO:-ON}
cmake -S "$SRC" -B "$BUILD" -DCMAKE_BUILD_TYPE=Release -DSOCKSCOPE_PGO="$PGO" >/dev/null
cmake --build "$BUILD" -j2 --target sockscope gen_bench pcap_read_loop flow_probe >/dev/null
GEN=$BUILD/bench/gen_bench
LOOP=$BUILD/bench/pcap_read_loop
PROBE=$BUILD/bench/flow_probe
SS=$BUILD/sockscope

if [ ! -s "$FILE" ]; then
    "$GEN" -n "$FLOWS" -w "$WINDOW" -o "$FILE"
fi
TINY=$BUILD/bench-tiny.pcap
"$GEN" -n 100 -w 10 -o "$TINY" 2>/dev/null

# DPI is there when the binary calls nDPI's per-packet entry point. (No grep -q:
# under pipefail an early exit would fail the pipeline with nm's SIGPIPE.)
HAVE_DPI=0
if { nm -D --undefined-only "$SS"; nm "$SS"; } 2>/dev/null | grep ndpi_detection_process_packet >/dev/null; then
    HAVE_DPI=1
fi
HAVE_NDPI=0
if [ "${SKIP_NDPI:-0}" != 1 ] && command -v ndpiReader >/dev/null; then
    HAVE_NDPI=1
fi

TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

# reader NAME CMD...: a command to time. measure then runs REPEAT rounds, each
# running every reader once in turn, so that a busy moment of a shared host
# falls on all readers alike instead of on one reader's block of runs.
READERS=()
reader() {
    local name=$1
    shift
    READERS+=("$name")
    printf '%q ' "$@" >"$TMP/$name.cmd"
    : >"$TMP/$name.runs"
}
measure() {
    local i name
    for ((i = 0; i < REPEAT; i++)); do
        for name in "${READERS[@]}"; do
            # the command was written with printf %q: eval gives back its words
            if ! eval "\"\$TIME\" -f '%e %M %x %U %S' -o \"\$TMP/\$name.\$i.time\" $(cat "$TMP/$name.cmd")" \
                >"$TMP/$name.$i.out" 2>"$TMP/$name.$i.err"; then
                echo "run-bench.sh: $name failed: $(cat "$TMP/$name.cmd")" >&2
                cat "$TMP/$name.$i.err" >&2
                exit 1
            fi
            echo "$(tail -n 1 "$TMP/$name.$i.time") $i" >>"$TMP/$name.runs"
        done
    done
}
# summary NAME: sets WALL (median seconds), RSS_KB and CPU (user + system
# seconds, all threads) of that run, OUT (its standard output file) and SPREAD
# (every run's seconds, sorted).
summary() {
    local name=$1 mid
    mid=$(sort -n "$TMP/$name.runs" | sed -n "$(((REPEAT + 1) / 2))p")
    WALL=$(echo "$mid" | cut -d' ' -f1)
    RSS_KB=$(echo "$mid" | cut -d' ' -f2)
    OUT=$TMP/$name.$(echo "$mid" | cut -d' ' -f6).out
    CPU=$(echo "$mid" | awk '{ printf "%.2f", $4 + $5 }')
    SPREAD=$(sort -n "$TMP/$name.runs" | cut -d' ' -f1 | paste -sd/ -)
}

# paired NAME: the median, lowest and highest over the rounds of NAME's wall time
# divided by the read loop's in the same round ("2.41x (2.05-3.02)"). A shared
# host's speed drifts within minutes; the loop and the reader of one round ran
# seconds apart, so their ratio drifts less than the ratio of the two medians.
paired() {
    join <(awk '{ print $6, $1 }' "$TMP/loop.runs" | sort) <(awk '{ print $6, $1 }' "$TMP/$1.runs" | sort) |
        awk '$2 > 0 { print $3 / $2 }' | sort -g |
        awk '{ r[NR] = $1 } END { if (NR) printf "%.2fx (%.2f-%.2f)", r[int((NR + 1) / 2)], r[1], r[NR]; else print "n/a" }'
}

# tiny-file resident size (KiB) of a command: what it costs before any flow
tiny_rss() {
    "$TIME" -f '%M' -o "$TMP/tiny.time" "$@" >/dev/null 2>&1
    tail -n 1 "$TMP/tiny.time"
}

# per_flow RSS_KB TINY_KB N: bytes of resident memory per flow beyond a tiny run
per_flow() {
    awk -v r="$1" -v t="$2" -v n="${3:-0}" 'BEGIN { printf "%.0f", n ? (r - t) * 1024 / n : 0 }'
}

# peak open flows from sockscope's text statistics ("peak open  N")
peak_open() {
    sed -n 's/^ *peak open *\([0-9][0-9]*\).*/\1/p' "$1" | head -n 1
}
# peak tracked flows: open + closed 5-tuples remembered ("peak tracked (+TIME_WAIT)  N")
peak_tracked() {
    sed -n 's/^ *peak tracked[^0-9]*\([0-9][0-9]*\).*/\1/p' "$1" | head -n 1
}

FILE_BYTES=$(stat -c %s "$FILE")
"$LOOP" "$FILE" >/dev/null # warm the page cache: every reader then reads from memory
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)

reader loop "$LOOP" "$FILE"
reader ownloop "$LOOP" --reader sockscope "$FILE"
reader probe1 "$PROBE" --threads 1 "$FILE"
reader probe "$PROBE" --threads 2 "$FILE"
reader nodpi1 "$SS" -r "$FILE" --view stats --no-dpi --threads 1
reader nodpi "$SS" -r "$FILE" --view stats --no-dpi --threads 2
[ "$HAVE_DPI" = 1 ] && reader dpi "$SS" -r "$FILE" --view stats
[ "$HAVE_NDPI" = 1 ] && reader ndpi ndpiReader -i "$FILE" -q
measure

summary loop
BASE_WALL=$WALL
PACKETS=$(sed -n 's/.*packets=\([0-9]*\) .*/\1/p' "$OUT")
ROWS=()
# row LABEL WALL RSS_KB FLOWS BYTES_PER_FLOW (CPU and SPREAD: of the last summary)
row() {
    ROWS+=("$(awk -v l="$1" -v w="$2" -v r="$3" -v f="$4" -v b="$5" -v p="$PACKETS" \
        -v fb="$FILE_BYTES" -v bw="$BASE_WALL" -v sp="$SPREAD" -v cpu="$CPU" 'BEGIN {
        if (w <= 0) w = 0.01
        printf "| %s | %.2f | %s | %s | %.0f | %.1f | %.1f | %.2fx | %s | %s |", l, w, sp, cpu,
               p / w, fb / 1e6 / w, r / 1024, w / (bw > 0 ? bw : 0.01), f, b }')")
}
row "pcap_read_loop (baseline)" "$BASE_WALL" "$RSS_KB" "" ""

# the same loop over sockscope's own pcap reader: what its reading thread cannot go below
summary ownloop
OWN_WALL=$WALL
row "pcap_read_loop --reader sockscope (sockscope's reader alone)" "$WALL" "$RSS_KB" "" ""

summary probe1
P1_OPEN=$(sed -n 's/.*peak_open=\([0-9]*\).*/\1/p' "$OUT")
P1_TRACKED=$(sed -n 's/.*peak_tracked=\([0-9]*\).*/\1/p' "$OUT")
P1_TINY=$(tiny_rss "$PROBE" --threads 1 "$TINY")
PROBE1_WALL=$WALL
row "flow_probe --threads 1 (analyzer only, one thread)" "$WALL" "$RSS_KB" "$P1_OPEN / $P1_TRACKED" \
    "$(per_flow "$RSS_KB" "$P1_TINY" "$P1_TRACKED") ($(per_flow "$RSS_KB" "$P1_TINY" "$P1_OPEN"))"

summary probe
PROBE_LINE=$(cat "$OUT")
P_OPEN=$(sed -n 's/.*peak_open=\([0-9]*\).*/\1/p' "$OUT")
P_TRACKED=$(sed -n 's/.*peak_tracked=\([0-9]*\).*/\1/p' "$OUT")
P_TINY=$(tiny_rss "$PROBE" --threads 2 "$TINY")
PROBE_WALL=$WALL
P_BPF=$(per_flow "$RSS_KB" "$P_TINY" "$P_TRACKED")
row "flow_probe --threads 2 (analyzer only, reader thread)" "$WALL" "$RSS_KB" "$P_OPEN / $P_TRACKED" \
    "$P_BPF ($(per_flow "$RSS_KB" "$P_TINY" "$P_OPEN"))"

summary nodpi1
NODPI1_WALL=$WALL
row "sockscope --view stats --no-dpi --threads 1" "$WALL" "$RSS_KB" "$(peak_open "$OUT") / $(peak_tracked "$OUT")" ""

summary nodpi
NODPI_WALL=$WALL
S_OPEN=$(peak_open "$OUT")
S_TRACKED=$(peak_tracked "$OUT")
S_TINY=$(tiny_rss "$SS" -r "$TINY" --view stats --no-dpi --threads 2)
S_BPF=$(per_flow "$RSS_KB" "$S_TINY" "$S_TRACKED")
row "sockscope --view stats --no-dpi (--threads 2, the default)" "$WALL" "$RSS_KB" "${S_OPEN:-?} / ${S_TRACKED:-?}" \
    "$S_BPF ($(per_flow "$RSS_KB" "$S_TINY" "$S_OPEN"))"

DPI_WALL=
if [ "$HAVE_DPI" = 1 ]; then
    summary dpi
    DPI_WALL=$WALL
    D_OPEN=$(peak_open "$OUT")
    D_TRACKED=$(peak_tracked "$OUT")
    D_TINY=$(tiny_rss "$SS" -r "$TINY" --view stats)
    D_BPF=$(per_flow "$RSS_KB" "$D_TINY" "$D_TRACKED")
    row "sockscope --view stats (DPI, --threads 2)" "$WALL" "$RSS_KB" "${D_OPEN:-?} / ${D_TRACKED:-?}" \
        "$D_BPF ($(per_flow "$RSS_KB" "$D_TINY" "$D_OPEN"))"
else
    ROWS+=("| sockscope --view stats (DPI) | not available: this build does not call nDPI | | | | | | | | |")
fi

NDPI_WALL=
if [ "$HAVE_NDPI" = 1 ]; then
    summary ndpi
    NDPI_WALL=$WALL
    row "ndpiReader -i FILE -q ($(ndpiReader -h 2>&1 | sed -n 's/.*nDPI \([0-9.]*\).*/\1/p' | head -n 1))" \
        "$WALL" "$RSS_KB" "" ""
fi
LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)

verdict() { # verdict OK? TEXT
    if [ "$1" = 1 ]; then echo "- MET: $2"; else echo "- MISSED: $2"; fi
}

{
    pgo_used=no
    grep -q -- "-fprofile-use" "$BUILD/CMakeFiles/sockscope_core.dir/flags.make" 2>/dev/null &&
        pgo_used=yes
    echo "sockscope benchmark, $(date -u +%Y-%m-%dT%H:%M:%SZ), $(nproc) cores, $(uname -m)," \
         "Release build, profile-guided: $pgo_used," \
         "commit $(git -C "$SRC" rev-parse --short HEAD 2>/dev/null || echo '?')$(git -C "$SRC" diff --quiet HEAD -- analyzer dissectors 2>/dev/null || echo ' (with uncommitted analyzer/dissector changes)')"
    echo
    echo "capture: $FILE ($FILE_BYTES bytes, $PACKETS packets, $FLOWS flows, window $WINDOW);" \
         "median of $REPEAT rounds (each runs every reader once); load average $LOAD_BEFORE before, $LOAD_AFTER after"
    echo
    echo "| reader | wall s (median) | all runs s | CPU s (user+sys) | packets/s | MB/s (file) | peak RSS MiB | x baseline | peak open / tracked | B per tracked flow (per open) |"
    echo "|---|---|---|---|---|---|---|---|---|---|"
    printf '%s\n' "${ROWS[@]}"
    echo
    echo "B per tracked flow = (peak RSS - peak RSS on a 100-flow capture) / peak tracked flows (open"
    echo "connections + closed TCP 5-tuples remembered for their TIME_WAIT); per open: / peak open."
    echo "flow_probe: $PROBE_LINE"
    echo "The baseline is libpcap's read loop (the issue's measure); sockscope reads classic pcap"
    echo "with its own reader (analyzer/pcap_reader.c), whose bare loop took $OWN_WALL s."
    echo
    ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.1fx", a / b; else print "n/a (baseline under 10 ms)" }'; }
    verdict "$(awk -v a="$NODPI_WALL" -v b="$BASE_WALL" 'BEGIN { print (b > 0 && a <= 2 * b) ? 1 : 0 }')" \
        "flow tracking within 2x of the read loop (ratio of the medians): sockscope --no-dpi $(ratio "$NODPI_WALL" "$BASE_WALL") (one thread: $(ratio "$NODPI1_WALL" "$BASE_WALL")), flow_probe $(ratio "$PROBE_WALL" "$BASE_WALL") (one thread: $(ratio "$PROBE1_WALL" "$BASE_WALL")); per round (median, range): sockscope --no-dpi $(paired nodpi), flow_probe $(paired probe)"
    verdict "$(awk -v s="$S_BPF" 'BEGIN { print (s > 0 && s <= 256) ? 1 : 0 }')" \
        "<= 256 B per tracked connection: sockscope $S_BPF B, flow_probe $P_BPF B"
    if [ -n "$DPI_WALL" ] && [ -n "$NDPI_WALL" ]; then
        verdict "$(awk -v a="$DPI_WALL" -v b="$NDPI_WALL" 'BEGIN { print (a < b) ? 1 : 0 }')" \
            "with DPI faster than ndpiReader: $DPI_WALL s vs $NDPI_WALL s"
    else
        echo "- NOT MEASURED: with DPI faster than ndpiReader (DPI in build: $HAVE_DPI, ndpiReader run: $HAVE_NDPI)"
    fi
} | tee "$BUILD/bench-results.md"
