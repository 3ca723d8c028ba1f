#!/bin/sh
# check-samples.sh - checks the committed sample captures in samples/.
#
#   check-samples.sh match  GEN_SAMPLES SAMPLES_DIR
#       regenerates every capture into a temporary directory and compares it
#       byte for byte with the committed one (the generator is deterministic).
#   check-samples.sh tshark SAMPLES_DIR
#       every capture must read cleanly with tshark: exit 0, no malformed
#       packet, no bad IP/TCP/UDP/ICMP checksum, no bad Ethernet FCS, and the
#       number of TCP and UDP conversations the generator scripted.
#       Exits 77 (skipped) when tshark is not installed.
set -u

die() {
    echo "check-samples: $*" >&2
    exit 1
}

captures() {
    # prints the capture file names (no directory) found in $1
    for f in "$1"/*.pcap "$1"/*.pcapng; do
        [ -f "$f" ] && basename "$f"
    done
}

mode=${1:-}
case "$mode" in
match)
    [ $# -eq 3 ] || die "usage: $0 match GEN_SAMPLES SAMPLES_DIR"
    gen=$2
    samples=$3
    [ -x "$gen" ] || die "generator not executable: $gen"
    tmp=$(mktemp -d) || die "mktemp failed"
    trap 'rm -rf "$tmp"' EXIT
    "$gen" "$tmp" || die "$gen $tmp failed"
    fail=0
    n=0
    for name in $(captures "$tmp"); do
        n=$((n + 1))
        if [ ! -f "$samples/$name" ]; then
            echo "check-samples: samples/$name is generated but not committed;" \
                "rerun \`build/gen_samples samples/\` and commit it" >&2
            fail=1
        elif ! cmp -s "$tmp/$name" "$samples/$name"; then
            echo "check-samples: samples/$name differs from what gen_samples writes" \
                "($(cmp "$tmp/$name" "$samples/$name" 2>&1 | head -n 1));" \
                "rerun \`build/gen_samples samples/\` and commit the result" >&2
            fail=1
        else
            echo "ok   $name"
        fi
    done
    for name in $(captures "$samples"); do
        if [ ! -f "$tmp/$name" ]; then
            echo "check-samples: samples/$name is committed but gen_samples no longer" \
                "writes it; delete it or restore its script" >&2
            fail=1
        fi
    done
    [ "$n" -gt 0 ] || die "gen_samples wrote no capture"
    exit $fail
    ;;
tshark)
    [ $# -eq 2 ] || die "usage: $0 tshark SAMPLES_DIR"
    samples=$2
    if ! command -v tshark >/dev/null 2>&1; then
        echo "check-samples: tshark not installed; skipping (apt-get install tshark)"
        exit 77
    fi
    # name  expected TCP conversations  expected UDP conversations
    expected='port-vs-socket-client.pcap 4 0
port-vs-socket-server.pcap 6 0
synthetic.pcap 4 1
lifecycle.pcap 14 0
mixed-link.pcapng 1 2
udp-services.pcap 0 7
tunnels.pcap 5 4'
    fail=0
    n=0
    for name in $(captures "$samples"); do
        n=$((n + 1))
        f=$samples/$name
        if ! tshark -n -r "$f" >/dev/null 2>&1; then
            echo "check-samples: tshark -r samples/$name failed" >&2
            fail=1
            continue
        fi
        bad=$(tshark -n -r "$f" -o tcp.check_checksum:TRUE -o udp.check_checksum:TRUE \
            -o ip.check_checksum:TRUE -V 2>/dev/null |
            grep -E 'Malformed|ETHERNET FRAME CHECK SEQUENCE INCORRECT|Bad checksum|Checksum Status: Bad|checksum status: Bad')
        if [ -n "$bad" ]; then
            echo "check-samples: samples/$name: tshark reports:" >&2
            echo "$bad" | sort | uniq -c >&2
            fail=1
            continue
        fi
        want=$(echo "$expected" | awk -v n="$name" '$1 == n { print $2, $3 }')
        if [ -z "$want" ]; then
            echo "check-samples: samples/$name has no expected conversation counts in $0" >&2
            fail=1
            continue
        fi
        # conversation rows are the lines holding "<->"
        tcp=$(tshark -n -r "$f" -q -z conv,tcp 2>/dev/null | grep -c -- '<->')
        udp=$(tshark -n -r "$f" -q -z conv,udp 2>/dev/null | grep -c -- '<->')
        if [ "$tcp $udp" != "$want" ]; then
            echo "check-samples: samples/$name: tshark sees $tcp TCP and $udp UDP" \
                "conversations, expected $want" >&2
            fail=1
            continue
        fi
        echo "ok   $name ($tcp TCP, $udp UDP conversations)"
    done
    [ "$n" -gt 0 ] || die "no capture in $samples"
    exit $fail
    ;;
*)
    die "usage: $0 match GEN_SAMPLES SAMPLES_DIR | $0 tshark SAMPLES_DIR"
    ;;
esac
