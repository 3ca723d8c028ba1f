#!/bin/sh
# install-deps.sh - installs what sockscope needs on Debian 12 (as root), only
# what is missing. With --test, also what the test suite uses.
set -eu
pkgs="build-essential cmake pkg-config libpcap-dev libjansson-dev libndpi-dev libcunit1-dev zlib1g-dev libzstd-dev liblz4-dev"
if [ "${1:-}" = "--test" ]; then
    # clang + libclang-rt-14-dev (only recommended by clang, holds the ASan/UBSan and
    # libFuzzer runtimes); python3: corpus/golden/schema scripts; tshark, libndpi-bin:
    # reference peers; iproute2, iputils-ping, netcat-openbsd: live-capture tests;
    # zstd, lz4: compressed-capture CLI tests
    pkgs="$pkgs clang libclang-rt-14-dev python3 tshark libndpi-bin iproute2 netcat-openbsd time zstd lz4"
fi
missing=""
for p in $pkgs; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
    if [ "$(id -u)" != 0 ]; then
        echo "install-deps.sh: missing packages:$missing (run as root, or: sudo apt-get install$missing)" >&2
        exit 1
    fi
    echo "install-deps.sh: installing$missing"
    export DEBIAN_FRONTEND=noninteractive
    # tshark asks whether non-root users may capture: answer no
    echo "wireshark-common wireshark-common/install-setuid boolean false" | debconf-set-selections
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi
