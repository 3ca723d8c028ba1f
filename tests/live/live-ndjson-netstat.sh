#!/bin/sh
# live-ndjson-netstat.sh - `-i IFACE --ndjson --netstat HOST` streams the
# connection and socket records, as a file read does, and adds the netstat
# lines at the end (they once replaced every connection record). Two UDP
# datagrams on the loopback of a namespace of its own, -c 2. Exit 77 (skipped)
# where namespaces cannot be created.
# usage: live-ndjson-netstat.sh SOCKSCOPE SRCDIR
set -u
bin=$1
[ "$(id -u)" = 0 ] || { echo "SKIP: network namespaces need root" >&2; exit 77; }
command -v python3 >/dev/null 2>&1 || { echo "SKIP: python3 not installed" >&2; exit 77; }
ns="ss-nn-$$"
ip netns add "$ns" 2>/dev/null || { echo "SKIP: cannot create a network namespace" >&2; exit 77; }
d=$(mktemp -d)
pid=
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; ip netns del "$ns" 2>/dev/null; rm -rf "$d"' EXIT
ip -n "$ns" link set lo up
ip netns exec "$ns" timeout 30 "$bin" -i lo -c 2 --ndjson --netstat 127.0.0.1 udp >"$d/out" 2>"$d/err" &
pid=$!
i=0
while ! grep -q "listening on" "$d/err" 2>/dev/null && [ $i -lt 200 ]; do sleep 0.05; i=$((i + 1)); done
ip netns exec "$ns" python3 -c 'import socket
a = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); a.bind(("127.0.0.1", 5001))
b = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); b.bind(("127.0.0.1", 5002))
a.sendto(b"ping", ("127.0.0.1", 5002)); b.recvfrom(64)
b.sendto(b"pong", ("127.0.0.1", 5001)); a.recvfrom(64)'
wait "$pid"
rc=$?
pid=
types=$(python3 -c 'import json, sys
print(" ".join(json.loads(l)["type"] for l in open(sys.argv[1])))' "$d/out")
want="connection socket socket port netstat netstat capture"
if [ "$rc" != 0 ] || [ "$types" != "$want" ]; then
    echo "FAIL: -i lo -c 2 --ndjson --netstat 127.0.0.1: exit $rc, record types '$types' (expected '$want')"
    cat "$d/out" "$d/err"
    exit 1
fi
echo "live.ndjson_netstat: ok"
