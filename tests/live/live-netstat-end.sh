#!/bin/sh
# live-netstat-end.sh - the final --netstat of a live capture shows the sockets
# when it stopped, as the snapshots do: a TIME_WAIT (2*MSL, here 1 s) over
# before SIGINT is gone. It showed them as at the last packet, TIME_WAIT
# included, however long ago that was. One TCP connection on the loopback of
# a namespace of its own. Exit 77 (skipped) where namespaces cannot be created.
# usage: live-netstat-end.sh SOCKSCOPE SRCDIR
set -u
bin=$1
src=$2
. "$src/tests/live/netns-lib.sh"
netns_setup_lo
d=$TMP
ip netns exec "$NS_A" "$bin" -i lo --msl 0.5 --close-delay 0.2 --netstat 127.0.0.1 tcp \
    >"$d/out" 2>"$d/err" &
pid=$!
PIDS=$pid
wait_for "$d/err" "listening on" 10
# the server closes first: its socket goes to TIME_WAIT
ip netns exec "$NS_A" python3 -c 'import socket
s = socket.socket(); s.bind(("127.0.0.1", 7000)); s.listen()
c = socket.create_connection(("127.0.0.1", 7000))
a, _ = s.accept()
a.sendall(b"hello"); a.close()
c.recv(64); c.recv(64); c.close()'
sleep 2.5 # TIME_WAIT (1 s) is over
kill -INT "$pid"
wait "$pid"
rc=$?
PIDS=
if [ "$rc" != 0 ] || grep -q TIME_WAIT "$d/out" || ! grep -q "127.0.0.1:7000 .*LISTEN" "$d/out"; then
    echo "FAIL: -i lo --msl 0.5 --netstat 127.0.0.1, SIGINT 2.5 s after the close: exit $rc, expected the listener and no TIME_WAIT:"
    cat "$d/out" "$d/err"
    exit 1
fi
echo "live.netstat_end: ok"
