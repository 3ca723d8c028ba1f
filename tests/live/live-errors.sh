#!/bin/sh
# live-errors.sh - the live-capture command-line contract: one-line errors for
# a missing interface, a missing capability (naming CAP_NET_RAW and setcap),
# an unknown -Z user, capture options without -i; -Z really drops privileges
# (the -w file is created by the -Z user). Parts that need root or namespaces
# are skipped with a message; exit 77 only when nothing could be checked.
# usage: live-errors.sh SOCKSCOPE SRCDIR
set -u
bin=$1
src=$2
. "$src/tests/live/netns-lib.sh" # udp_ping_pong (nothing set up)
fail=0
checked=0

expect() { # expect CODE 'stderr line' command...
    want_rc=$1
    want_msg=$2
    shift 2
    "$@" >/dev/null 2>"$TMPE"
    rc=$?
    got=$(grep -v "listening on" "$TMPE" | head -1)
    checked=$((checked + 1))
    if [ "$rc" != "$want_rc" ] || [ "$got" != "$want_msg" ]; then
        echo "FAIL: $*: exit $rc, stderr '$got' (expected $want_rc, '$want_msg')"
        fail=1
    fi
}

TMPE=$(mktemp)
nobody_dir=
trap 'rm -f "$TMPE"; [ -n "$nobody_dir" ] && rm -rf "$nobody_dir"' EXIT

expect 2 "sockscope: -w needs -i IFACE (live capture)" "$bin" -r "$src/samples/synthetic.pcap" -w /tmp/x.pcap
expect 2 "sockscope: -Z needs -i IFACE (live capture)" "$bin" -r "$src/samples/synthetic.pcap" -Z nobody
expect 2 "sockscope: --interval needs -i IFACE (live capture)" "$bin" -r "$src/samples/synthetic.pcap" --interval 1
expect 2 "sockscope: --interim needs --ndjson (it writes update records)" "$bin" -i lo --interim 5
expect 2 "sockscope: --interval needs text or --ndjson output" "$bin" -i lo --json --interval 5

if [ "$(id -u)" = 0 ]; then
    expect 1 "sockscope: ss-nosuch0: no such interface" "$bin" -i ss-nosuch0
    expect 1 "sockscope: -Z ss-no-such-user: no such user" "$bin" -i lo -Z ss-no-such-user
    # without the capability: run as nobody (uid/gid 65534), from a copy in a
    # directory nobody can reach (the build tree may sit under a private home)
    nobody_dir=$(mktemp -d /tmp/ss-nobody.XXXXXX)
    chmod 755 "$nobody_dir"
    cp "$bin" "$nobody_dir/sockscope"
    chmod 755 "$nobody_dir/sockscope"
    exe="$nobody_dir/sockscope"
    expect 1 "sockscope: lo: permission denied: capturing needs CAP_NET_RAW (run as root, or: setcap cap_net_raw,cap_net_admin=eip $exe)" \
        python3 -c 'import os, sys; os.setgroups([]); os.setgid(65534); os.setuid(65534); os.execv(sys.argv[1], sys.argv[1:])' \
        "$exe" -i lo

    # -Z: capture opened as root, then the -w file is created as nobody
    ns="ss-z-$$"
    if ip netns add "$ns" 2>/dev/null; then
        d=$(mktemp -d)
        chmod 1777 "$d"
        ip -n "$ns" link set lo up
        ip netns exec "$ns" "$bin" -i lo -Z nobody -c 2 -w "$d/z.pcap" --ndjson >"$d/out" 2>"$d/err" &
        pid=$!
        i=0
        while ! grep -q "listening on" "$d/err" 2>/dev/null && [ $i -lt 200 ]; do sleep 0.05; i=$((i + 1)); done
        # two datagrams, one each way: 2 frames, 1 connection
        udp_ping_pong "$ns"
        i=0
        while kill -0 "$pid" 2>/dev/null && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
        kill -INT "$pid" 2>/dev/null
        wait "$pid"
        rc=$?
        owner=$(stat -c %U "$d/z.pcap" 2>/dev/null)
        checked=$((checked + 1))
        if [ "$rc" != 0 ] || [ "$owner" != nobody ] || ! grep -q '"end_reason":"end_of_capture"' "$d/out"; then
            echo "FAIL: -Z nobody -c 2: exit $rc, -w file owned by '$owner', output:"
            cat "$d/out" "$d/err"
            fail=1
        elif [ "$("$bin" -r "$d/z.pcap" --ndjson | grep -c '"type":"connection"')" != 1 ]; then
            echo "FAIL: the -w file of -Z nobody -c 2 does not replay to one connection"
            fail=1
        fi
        ip netns del "$ns"
        rm -rf "$d"
    else
        echo "skipped: -Z check (cannot create a network namespace)"
    fi

    # the interface removed while capturing: a one-line error, exit 1, and the
    # report still written, its capture.input_error saying why it ended
    ns="ss-gone-$$"
    if ip netns add "$ns" 2>/dev/null; then
        d=$(mktemp -d)
        ip -n "$ns" link add ssa0 type veth peer name ssb0 &&
            ip -n "$ns" link set ssa0 up && ip -n "$ns" link set ssb0 up
        ip netns exec "$ns" timeout 20 "$bin" -i ssa0 --json >"$d/out" 2>"$d/err" &
        pid=$!
        i=0
        while ! grep -q "listening on" "$d/err" 2>/dev/null && [ $i -lt 200 ]; do sleep 0.05; i=$((i + 1)); done
        ip -n "$ns" link del ssa0
        wait "$pid"
        rc=$?
        checked=$((checked + 1))
        msg=$(grep -v "listening on\|packets captured" "$d/err")
        if [ "$rc" != 1 ] || [ "$msg" != "sockscope: ssa0: The interface disappeared" ] ||
            ! python3 -c 'import json,sys; assert json.load(open(sys.argv[1]))["capture"]["input_error"] == "ssa0: The interface disappeared"' "$d/out"; then
            echo "FAIL: interface removed while capturing: exit $rc, output:"
            cat "$d/out" "$d/err"
            fail=1
        fi
        ip netns del "$ns"
        rm -rf "$d"
    else
        echo "skipped: removed-interface check (cannot create a network namespace)"
    fi
else
    echo "skipped: interface and privilege checks (need root; CI runs as root)"
fi
echo "live.errors: $checked checks"
exit $fail
