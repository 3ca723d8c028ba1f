#!/bin/sh
# run-tests.sh - the whole test suite: installs what is missing, builds with
# -Werror, AddressSanitizer and UndefinedBehaviorSanitizer (clang, so that the
# libFuzzer targets build too), and runs every test through ctest.
set -eu
cd "$(dirname "$0")/.."
sh scripts/install-deps.sh --test
CC=clang cmake -S . -B build-test -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DSOCKSCOPE_WERROR=ON -DSOCKSCOPE_SANITIZE=address,undefined -DSOCKSCOPE_FUZZ=ON >/dev/null
cmake --build build-test -j"$(nproc)"
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
ctest --test-dir build-test -j"$(nproc)" --output-on-failure --timeout 1500
