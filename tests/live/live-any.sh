#!/bin/sh
# live-any.sh - `-i any` (Linux cooked capture) with the default buffer takes
# a burst of 200 datagrams without a kernel drop. In libpcap's immediate mode
# every ring slot of a link other than Ethernet is as large as the snapshot
# length (262144), so the default 2 MiB buffer held 7 packets and a burst of
# more was dropped while sockscope was not looking. Exit 77 (skipped) where
# namespaces cannot be created.
# usage: live-any.sh SOCKSCOPE SRCDIR
set -u
bin=$1
src=$2
. "$src/tests/live/netns-lib.sh"
netns_setup

# -c 200: it stops by itself once every datagram is in; SIGINT after 20 s if not
ip netns exec "$NS_A" "$bin" -i any -c 200 --ndjson 'udp and dst port 5300' \
    -o "$TMP/out.ndjson" >"$TMP/stdout" 2>"$TMP/stderr" &
ss_pid=$!
PIDS="$ss_pid"
wait_for "$TMP/stderr" "listening on any" 10
ip netns exec "$NS_A" python3 -c 'import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("10.99.0.1", 40000))
for i in range(200):
    s.sendto(b"x" * 100, ("10.99.0.2", 5300))'
i=0
while kill -0 "$ss_pid" 2>/dev/null && [ $i -lt 400 ]; do sleep 0.05; i=$((i + 1)); done
kill -INT "$ss_pid" 2>/dev/null
wait "$ss_pid"
rc=$?
PIDS=""
python3 - "$TMP/out.ndjson" "$rc" <<'PY' || { cat "$TMP/stderr"; exit 1; }
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
cap = [r for r in recs if r["type"] == "capture"][0]
conns = [r for r in recs if r["type"] == "connection"]
got = (int(sys.argv[2]), cap["frames"], cap["live"]["dropped_kernel"],
       [(c["id.orig_p"], c["id.resp_p"], c["orig_pkts"], c["end_reason"]) for c in conns])
want = (0, 200, 0, [(40000, 5300, 200, "end_of_capture")])
if got != want:
    sys.exit("FAIL: -i any, a burst of 200 datagrams: (exit, frames, dropped_kernel, "
             "connections) %r, expected %r" % (got, want))
PY
echo "live.any: ok"
