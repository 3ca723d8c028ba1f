# netns-lib.sh - sourced by the live tests: a namespace pair ss-a-PID / ss-b-PID
# joined by a veth pair (veth-a 10.99.0.1/24 fd99::1/64, veth-b 10.99.0.2/24
# fd99::2/64). Nothing touches the host's own interfaces: both ends of the veth
# are created inside the namespaces. Exit 77 (skipped) when that is impossible.

NS_A="ss-a-$$"
NS_B="ss-b-$$"
TMP=""
PIDS=""

netns_cleanup() {
    for p in $PIDS; do
        kill "$p" 2>/dev/null
    done
    ip netns del "$NS_A" 2>/dev/null
    ip netns del "$NS_B" 2>/dev/null
    [ -n "$TMP" ] && rm -rf "$TMP"
}

netns_skip() {
    echo "SKIP: $1" >&2
    netns_cleanup
    exit 77
}

# netns_setup: the pair, each end's loopback up, and TMP
netns_setup() {
    netns_setup_lo
    ip netns add "$NS_B" 2>/dev/null || netns_skip "cannot create a second network namespace"
    ip -n "$NS_A" link add veth-a type veth peer name veth-b netns "$NS_B" 2>/dev/null ||
        netns_skip "cannot create a veth pair between namespaces"
    ip -n "$NS_A" addr add 10.99.0.1/24 dev veth-a
    ip -n "$NS_B" addr add 10.99.0.2/24 dev veth-b
    ip -n "$NS_A" addr add fd99::1/64 dev veth-a nodad
    ip -n "$NS_B" addr add fd99::2/64 dev veth-b nodad
    ip -n "$NS_B" link set lo up
    ip -n "$NS_A" link set veth-a up
    ip -n "$NS_B" link set veth-b up
}

# netns_setup_lo: one namespace, NS_A, with only its loopback up (tests whose
# traffic never leaves a host), and TMP; netns_setup starts with it
netns_setup_lo() {
    trap netns_cleanup EXIT
    trap 'exit 1' INT TERM
    command -v ip >/dev/null 2>&1 || netns_skip "iproute2 (ip) not installed"
    command -v python3 >/dev/null 2>&1 || netns_skip "python3 not installed"
    [ "$(id -u)" = 0 ] || netns_skip "network namespaces need root (CI runs as root)"
    ip netns add "$NS_A" 2>/dev/null || netns_skip "cannot create network namespaces here (ip netns add failed)"
    ip -n "$NS_A" link set lo up
    TMP=$(mktemp -d)
}

# udp_ping_pong NS: in namespace NS, 127.0.0.1:5001 sends "ping" to :5002,
# which answers "pong": two frames on lo, one UDP connection
udp_ping_pong() {
    ip netns exec "$1" python3 -c 'import socket
a = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); a.bind(("127.0.0.1", 5001))
b = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); b.bind(("127.0.0.1", 5002))
a.sendto(b"ping", ("127.0.0.1", 5002)); b.recvfrom(64)
b.sendto(b"pong", ("127.0.0.1", 5001)); a.recvfrom(64)'
}

# wait_for FILE PATTERN SECONDS: until FILE contains PATTERN (grep -q), else fail
wait_for() {
    i=0
    while ! grep -q "$2" "$1" 2>/dev/null; do
        i=$((i + 1))
        if [ "$i" -gt $(($3 * 20)) ]; then
            echo "FAIL: timed out waiting for '$2' in $1" >&2
            cat "$1" >&2 2>/dev/null
            exit 1
        fi
        sleep 0.05
    done
}

# wait_file FILE SECONDS
wait_file() {
    i=0
    while [ ! -e "$1" ]; do
        i=$((i + 1))
        if [ "$i" -gt $(($2 * 20)) ]; then
            echo "FAIL: timed out waiting for $1" >&2
            exit 1
        fi
        sleep 0.05
    done
}
