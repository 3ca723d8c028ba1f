#!/bin/sh
# live-ndjson-netstat.sh - `-i IFACE --ndjson --netstat HOST` streams the
# connection and socket records, as a file read does, and adds the netstat
# lines at the end (they once replaced every connection record). Two UDP
# datagrams on the loopback of a namespace of its own, -c 2. Exit 77 (skipped)
# where namespaces cannot be created.
# usage: live-ndjson-netstat.sh SOCKSCOPE SRCDIR
set -u
bin=$1
src=$2
. "$src/tests/live/netns-lib.sh"
netns_setup_lo
d=$TMP
ip netns exec "$NS_A" timeout 30 "$bin" -i lo -c 2 --ndjson --netstat 127.0.0.1 udp >"$d/out" 2>"$d/err" &
pid=$!
PIDS=$pid
wait_for "$d/err" "listening on" 10
udp_ping_pong "$NS_A"
wait "$pid"
rc=$?
PIDS=
types=$(python3 -c 'import json, sys
print(" ".join(json.loads(l)["type"] for l in open(sys.argv[1])))' "$d/out")
want="connection socket socket port netstat netstat capture"
if [ "$rc" != 0 ] || [ "$types" != "$want" ]; then
    echo "FAIL: -i lo -c 2 --ndjson --netstat 127.0.0.1: exit $rc, record types '$types' (expected '$want')"
    cat "$d/out" "$d/err"
    exit 1
fi
echo "live.ndjson_netstat: ok"
