#!/bin/sh
# live-signal-pipe.sh - SIGUSR1 (a summary, the capture goes on) and SIGINT
# while the NDJSON output waits on a full pipe (a reader that is behind): the
# write goes on once the reader catches up, so that every line is a whole
# record and the run ends with exit 0. Without SA_RESTART the signal failed
# the write half done: a cut record, "cannot write the output", exit 3.
# 300 UDP datagrams on the loopback of a namespace of its own, with an update
# record for each every 0.2 s (--interim), so that the pipe fills. Exit 77
# (skipped) where namespaces cannot be created.
# usage: live-signal-pipe.sh SOCKSCOPE SRCDIR
set -u
bin=$1
[ "$(id -u)" = 0 ] || { echo "SKIP: network namespaces need root" >&2; exit 77; }
command -v python3 >/dev/null 2>&1 || { echo "SKIP: python3 not installed" >&2; exit 77; }
ns="ss-sp-$$"
ip netns add "$ns" 2>/dev/null || { echo "SKIP: cannot create a network namespace" >&2; exit 77; }
d=$(mktemp -d)
trap 'pid=$(cat "$d/pid" 2>/dev/null); [ -n "$pid" ] && kill "$pid" 2>/dev/null; ip netns del "$ns" 2>/dev/null; rm -rf "$d"' EXIT
ip -n "$ns" link set lo up
# the reader starts reading after 5 s; sockscope's exit code goes to a file
(ip netns exec "$ns" sh -c 'echo $$ >"$1/pid"; exec "$2" -i lo --ndjson --interim 0.2 udp 2>"$1/err"' \
    sh "$d" "$bin"; echo $? >"$d/rc") | (sleep 5; cat >"$d/out") &
pipeline=$!
i=0
while ! grep -q "listening on" "$d/err" 2>/dev/null && [ $i -lt 200 ]; do sleep 0.05; i=$((i + 1)); done
pid=$(cat "$d/pid")
# bounded: whatever happens, sockscope is stopped after 30 s (the watchdog
# ends with it, holding no sleep that would keep the test's output open)
(i=0; while kill -0 "$pid" 2>/dev/null && [ $i -lt 300 ]; do sleep 0.1; i=$((i + 1)); done
 [ $i -ge 300 ] && kill -KILL "$pid" 2>/dev/null) >/dev/null 2>&1 &
watchdog=$!
ip netns exec "$ns" python3 -c 'import socket
r = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); r.bind(("127.0.0.1", 9100))
s = [socket.socket(socket.AF_INET, socket.SOCK_DGRAM) for i in range(300)]
for u in s:
    u.sendto(b"m" * 10, ("127.0.0.1", 9100))'
sleep 1.5 # the pipe is full by now
for n in 1 2 3 4; do
    kill -USR1 "$pid"
    sleep 0.2
done
kill -INT "$pid"
wait "$pipeline"
wait "$watchdog"
rc=$(cat "$d/rc")
python3 - "$d/out" "$rc" <<'PY' || { cat "$d/err"; exit 1; }
import json, sys
bad, types = 0, {}
for line in open(sys.argv[1]):
    try:
        t = json.loads(line)["type"]
        types[t] = types.get(t, 0) + 1
    except ValueError:
        bad += 1
if sys.argv[2] != "0" or bad or types.get("connection") != 300 or types.get("capture") != 1:
    sys.exit("FAIL: signals while the output pipe was full: exit %s, %d lines that are not "
             "JSON, records %r (expected exit 0, 300 connections)" % (sys.argv[2], bad, types))
PY
grep -q "cannot write" "$d/err" && { echo "FAIL: $(cat "$d/err")"; exit 1; }
echo "live.signal_pipe: ok"
