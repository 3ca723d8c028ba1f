#!/bin/sh
# live-netns.sh - sockscope -i on one end of a veth pair between two network
# namespaces, real TCP/UDP/IPv6 traffic (tests/live/traffic.py), stopped with
# SIGINT; check_netns.py checks the NDJSON against the traffic and against
# `ss -tan` in both namespaces. Exit 77 (skipped) where namespaces cannot be made.
# usage: live-netns.sh SOCKSCOPE SRCDIR
set -u
bin=$1
src=$2
here=$src/tests/live
. "$here/netns-lib.sh"
netns_setup

# quarantine kept small so an ASan build does not hold freed memory for long
export ASAN_OPTIONS="${ASAN_OPTIONS:-}:quarantine_size_mb=16"

# --msl 0.2: a closed connection lingers 0.4 s, so it must be expired by the
# timer while no packet arrives (analyzer_tick), before SIGINT
ip netns exec "$NS_A" "$bin" -i veth-a -B 16384 --ndjson --interim 1 --interval 1 --msl 0.2 \
    -w "$TMP/live.pcap" -o "$TMP/out.ndjson" >"$TMP/stdout" 2>"$TMP/stderr" &
ss_pid=$!
PIDS="$ss_pid"
wait_for "$TMP/stderr" "listening on veth-a" 10

ip netns exec "$NS_B" python3 "$here/traffic.py" server "$TMP" &
PIDS="$PIDS $!"
wait_file "$TMP/server-ready" 10
ip netns exec "$NS_A" python3 "$here/traffic.py" client "$TMP" 4 &
client_pid=$!
PIDS="$PIDS $client_pid"
wait_file "$TMP/clients-ready" 20
sleep 0.3
ip netns exec "$NS_A" ss -tan >"$TMP/ss-a.txt"
ip netns exec "$NS_B" ss -tan >"$TMP/ss-b.txt"

touch "$TMP/close-some"
wait_file "$TMP/closed" 10
sleep 1.6 # TIME_WAIT (0.4 s) runs out, an --interim and an --interval pass
cp "$TMP/out.ndjson" "$TMP/before-sigint.ndjson"
kill -INT "$ss_pid"
wait "$ss_pid"
rc=$?
touch "$TMP/stop"
wait "$client_pid"
PIDS=""

echo "--- sockscope stderr"
cat "$TMP/stderr"
if [ "$rc" != 0 ]; then
    echo "FAIL: sockscope exited $rc after SIGINT"
    exit 1
fi
python3 "$src/tests/golden/validate_json.py" --ndjson "$src/docs/schema.json" "$TMP/out.ndjson" ||
    { echo "FAIL: NDJSON does not validate against docs/schema.json"; exit 1; }
python3 "$here/check_netns.py" "$TMP" || exit 1

# the -w file replays offline to the same connections
"$bin" -r "$TMP/live.pcap" --ndjson --msl 0.2 >"$TMP/replay.ndjson" ||
    { echo "FAIL: -r of the -w file"; exit 1; }
python3 - "$TMP/out.ndjson" "$TMP/replay.ndjson" <<'EOF' || exit 1
import json, sys
def keys(path):
    out = set()
    for line in open(path):
        r = json.loads(line)
        if r["type"] == "connection":
            out.add((r["proto"], r["id.orig_h"], r["id.orig_p"], r["id.resp_h"], r["id.resp_p"],
                     r["conn_state"], r["orig_pkts"], r["resp_pkts"]))
    return out
live, replay = keys(sys.argv[1]), keys(sys.argv[2])
if live != replay:
    sys.exit("FAIL: -w replay differs: live only %s, replay only %s" % (live - replay, replay - live))
print("replay of -w: %d connections, same 5-tuples, states and packet counts" % len(live))
EOF
echo "live.netns: ok"
