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
# beside it, a conn.log of the same traffic, written as connections end
ip netns exec "$NS_A" "$bin" -i veth-a --conn-log --msl 0.2 --close-delay 0.2 \
    -o "$TMP/conn.log" >"$TMP/stdout-log" 2>"$TMP/stderr-log" &
log_pid=$!
PIDS="$PIDS $log_pid"
wait_for "$TMP/stderr-log" "listening on veth-a" 10

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
cp "$TMP/conn.log" "$TMP/before-sigint.log"
kill -INT "$ss_pid" "$log_pid"
wait "$ss_pid"
rc=$?
wait "$log_pid"
log_rc=$?
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

# the conn.log: records of the closed connections written before SIGINT, then
# every connection of the NDJSON stream (the same packets), and #close
if [ "$log_rc" != 0 ]; then
    echo "FAIL: sockscope --conn-log exited $log_rc after SIGINT"; cat "$TMP/stderr-log"; exit 1
fi
python3 - "$TMP/before-sigint.log" "$TMP/conn.log" "$TMP/out.ndjson" <<'EOF' || exit 1
import json, sys
def log(path):
    lines = open(path).read().split("\n")
    fields = [l for l in lines if l.startswith("#fields")][0].split("\t")[1:]
    recs = [dict(zip(fields, l.split("\t"))) for l in lines if l and not l.startswith("#")]
    bad = [l for l in lines if l and not l.startswith("#") and l.count("\t") != len(fields) - 1]
    if bad:
        sys.exit("FAIL: conn.log line of the wrong width: %r" % bad[0][:200])
    # the test's TCP and UDP traffic (IPv6 neighbour discovery may come before
    # the second capture starts)
    return lines, {(r["proto"], r["id.orig_h"], int(r["id.orig_p"]), r["id.resp_h"], int(r["id.resp_p"]))
                   for r in recs if r["proto"] in ("tcp", "udp")}
before_lines, before = log(sys.argv[1])
lines, after = log(sys.argv[2])
if not before or any(l.startswith("#close") for l in before_lines):
    sys.exit("FAIL: conn.log before SIGINT: %d records (closed connections must be written as they end)" % len(before))
if not lines[-2].startswith("#close") or lines[-1] != "":
    sys.exit("FAIL: conn.log does not end with #close")
nd = {(r["proto"], r["id.orig_h"], r["id.orig_p"], r["id.resp_h"], r["id.resp_p"])
      for r in map(json.loads, open(sys.argv[3]))
      if r["type"] == "connection" and r["proto"] in ("tcp", "udp")}
if after != nd:
    sys.exit("FAIL: conn.log and NDJSON differ: log only %s, NDJSON only %s" % (after - nd, nd - after))
print("conn.log: %d TCP/UDP records before SIGINT, %d in all, as the NDJSON stream" % (len(before), len(after)))
EOF

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
