#!/bin/sh
# cli-errors.sh SOCKSCOPE SAMPLES_DIR - bad command lines and bad inputs give a
# one-line error and a non-zero exit; results read before a fault are reported.
set -u
bin=$1
samples=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
passed=0

# expect RC PATTERN -- ARGS...: exit code RC, stderr exactly one line matching PATTERN
expect() {
    rc_want=$1 pattern=$2
    shift 3
    "$bin" "$@" >"$tmp/out" 2>"$tmp/err"
    rc=$?
    lines=$(wc -l <"$tmp/err")
    if [ "$rc" -ne "$rc_want" ] || [ "$lines" -ne 1 ] || ! grep -q -- "$pattern" "$tmp/err"; then
        echo "FAIL: sockscope $*: exit $rc (want $rc_want), stderr:"
        sed 's/^/    /' "$tmp/err"
        fail=$((fail + 1))
    else
        passed=$((passed + 1))
    fi
}

expect 2 'no input' -- 
expect 2 'unknown option' -- -r x --bogus
expect 2 'invalid number' -- -r x --max-flows abc
expect 2 'needs an argument' -- -r
expect 2 "invalid duration 'soon' for --close-delay" -- -r x --close-delay soon
expect 2 "invalid thread count '3' for --threads" -- -r x --threads 3
# a timeout of 0 is none (as Zeek's "0 secs"); one above 0 that would round to
# 0 ns is refused rather than turning the timeout off
"$bin" -r "$samples/synthetic.pcap" --tcp-timeout 0 --udp-timeout 0s --icmp-timeout 0.0ms --json >/dev/null 2>"$tmp/err" &&
    [ ! -s "$tmp/err" ] && passed=$((passed + 1)) || { echo "FAIL: timeouts of 0"; fail=$((fail + 1)); }
expect 2 "^sockscope: invalid duration '0.5ns' for --tcp-timeout: more than 0 but less than 1 ns\$" -- -r "$samples/synthetic.pcap" --tcp-timeout 0.5ns
expect 2 "^sockscope: invalid duration '0.0000000001' for --udp-timeout: more than 0 but less than 1 ns\$" -- -r "$samples/synthetic.pcap" --udp-timeout 0.0000000001
expect 2 "^sockscope: invalid duration '0.0001us' for --icmp-timeout: more than 0 but less than 1 ns\$" -- -r "$samples/synthetic.pcap" --icmp-timeout 0.0001us
expect 2 '--threads applies to -r files' -- -i lo --threads 2
# an option with a value (but -r) given twice: the same text is one request,
# another is refused, whichever option it is, not the last one taken
for args in '-c 5 6' '--at +1 +2' "-o $tmp/a.json $tmp/b.json" '--sort bytes port' '--top 1 2' \
    '--tcp-timeout 1 2' '--udp-timeout 1 2' '--icmp-timeout 1 2' '--msl 1 2' '--close-delay 1 1s' \
    '--max-flows 1 2' '--seed 1 2' '--dpi-packets 1 2' '--threads 1 2' '--view ports hosts' \
    '--netstat 10.0.0.1 10.0.0.2' '--explain 10.0.0.1 10.0.0.2' \
    '-s 100 200' '-B 1 2' "-w $tmp/a.pcap $tmp/b.pcap" '-Z a b' '-i a b' '--interval 1 2' '--interim 1 2'; do
    # shellcheck disable=SC2086 # word splitting wanted: the option and its two values
    set -- $args
    expect 2 "^sockscope: $1 $2 and $1 $3 cannot be combined: one at a time\$" -- -r "$samples/synthetic.pcap" "$1" "$2" "$1" "$3"
done
"$bin" -r "$samples/synthetic.pcap" -c 5 --tcp-timeout 1m -c 5 --tcp-timeout 1m --stats --json >"$tmp/out" 2>"$tmp/err" &&
    [ ! -s "$tmp/err" ] && python3 -c 'import json,sys; assert json.load(open(sys.argv[1]))["capture"]["frames"] == 5' "$tmp/out" &&
    passed=$((passed + 1)) || { echo "FAIL: -c 5 -c 5 (the same value twice)"; fail=$((fail + 1)); }
# --dpi-packets bounds the detection --no-dpi turns off: refused, not ignored
expect 2 '^sockscope: --no-dpi and --dpi-packets cannot be combined: --dpi-packets bounds the detection --no-dpi turns off$' -- -r "$samples/synthetic.pcap" --dpi-packets 5 --no-dpi
expect 2 '^sockscope: --no-dpi and --dpi-packets cannot be combined' -- -r "$samples/synthetic.pcap" --no-dpi --dpi-packets 5
# counts and ports are decimal digits: no blank, no sign (strtoll would take them)
expect 2 "^sockscope: invalid packet count ' 5' for -c\$" -- -r "$samples/synthetic.pcap" -c ' 5'
expect 2 "^sockscope: invalid packet count '+5' for -c\$" -- -r "$samples/synthetic.pcap" -c +5
expect 2 "^sockscope: invalid number '+3' for --top\$" -- -r "$samples/synthetic.pcap" --top +3
expect 2 "^sockscope: invalid seed ' 1'\$" -- -r "$samples/synthetic.pcap" --seed ' 1'
# a seed is 64 bits: 2^64-1 is taken (the same uids each run), 2^64 is not
"$bin" -r "$samples/synthetic.pcap" --json --seed 18446744073709551615 >"$tmp/seed-a.json" 2>"$tmp/err" &&
    "$bin" -r "$samples/synthetic.pcap" --json --seed 18446744073709551615 >"$tmp/seed-b.json" 2>>"$tmp/err" &&
    [ ! -s "$tmp/err" ] && cmp -s "$tmp/seed-a.json" "$tmp/seed-b.json" &&
    passed=$((passed + 1)) || { echo "FAIL: --seed 2^64-1"; fail=$((fail + 1)); }
expect 2 "^sockscope: invalid seed '18446744073709551616'\$" -- -r "$samples/synthetic.pcap" --seed 18446744073709551616
expect 2 "^sockscope: invalid port in '10.0.0.2: 80'\$" -- -r "$samples/synthetic.pcap" --explain '10.0.0.2: 80'
expect 2 "^sockscope: invalid port in '10.0.0.2:+80'\$" -- -r "$samples/synthetic.pcap" --explain 10.0.0.2:+80
expect 2 "^sockscope: invalid port in '\[fd00::1\]:-0'\$" -- -r "$samples/synthetic.pcap" --explain '[fd00::1]:-0'
# two reports, or two formats: refused before anything is read, not one dropped
expect 2 '^sockscope: --json and --conn-log cannot be combined: pick one output format$' -- -r "$samples/synthetic.pcap" --json --conn-log
expect 2 '^sockscope: --explain and --netstat cannot be combined: they ask for two reports$' -- -r "$samples/synthetic.pcap" --explain 10.0.0.1 --netstat 10.0.0.1
expect 2 '^sockscope: --view ports writes text: it cannot be combined with --ndjson$' -- -r "$samples/synthetic.pcap" --ndjson --view ports
expect 2 '^sockscope: --top applies to the text tables (ports, sockets, conns, hosts), not to --netstat$' -- -r "$samples/synthetic.pcap" --netstat 10.0.0.1 --top 2
expect 2 '^sockscope: --stats cannot be combined with --conn-log, which holds connection records only$' -- -i lo --conn-log --stats
expect 2 "^sockscope: unknown --sort field 'bytes' for --view hosts (conns, peak, sockets, port)\$" -- -r "$samples/synthetic.pcap" --view hosts --sort bytes
# --netstat --at outside the capture: a note, the table still written
expect 0 "^sockscope: note: --at 2020-09-13T12:26:40.000000000Z is before the capture's first packet (2023-11-14T22:13:20.000000000Z): no socket was seen yet\$" -- -r "$samples/lifecycle.pcap" --netstat 10.0.0.2 --at 1600000000
grep -q '^Proto Recv-Q' "$tmp/out" && passed=$((passed + 1)) || { echo "FAIL: --at before the capture: no table"; fail=$((fail + 1)); }
expect 0 "^sockscope: note: --at 2033-05-18T03:33:20.000000000Z is after the capture's last packet (2023-11-14T22:14:24.418300000Z): the states shown are the last it saw (TIME_WAIT ends on its timer)\$" -- -r "$samples/lifecycle.pcap" --netstat 10.0.0.2 --at 2000000000 --json
"$bin" -r "$samples/lifecycle.pcap" --netstat 10.0.0.2 --at +1s >/dev/null 2>"$tmp/err" && [ ! -s "$tmp/err" ] &&
    passed=$((passed + 1)) || { echo "FAIL: --at inside the capture: stderr not empty"; fail=$((fail + 1)); }
# --netstat for a host the capture never saw: the empty table, and a note saying why
expect 0 "^sockscope: note: 10.0.0.99 has no TCP, UDP or SCTP traffic in the capture: the table is empty\$" -- -r "$samples/lifecycle.pcap" --netstat 10.0.0.99
grep -q '^Proto Recv-Q' "$tmp/out" && passed=$((passed + 1)) || { echo "FAIL: --netstat unseen host: no table"; fail=$((fail + 1)); }
# --netstat of a group address: the table (no socket is on a group's own address), and
# a note that it is no host
expect 0 "^sockscope: note: 224.0.0.251 is a multicast address, not a host: the sockets that received its datagrams are its members', under their own addresses\$" -- -r "$samples/lifecycle.pcap" --netstat 224.0.0.251
grep -q '^Proto Recv-Q' "$tmp/out" && passed=$((passed + 1)) || { echo "FAIL: --netstat group: no table"; fail=$((fail + 1)); }
expect 0 "^sockscope: note: ff02::fb is a multicast address, not a host" -- -r "$samples/lifecycle.pcap" --netstat ff02::fb
expect 0 "^sockscope: note: 255.255.255.255 is a broadcast address, not a host" -- -r "$samples/lifecycle.pcap" --netstat 255.255.255.255 --json
"$bin" -r "$samples/tunnels.pcap" --netstat 192.168.50.10 >/dev/null 2>"$tmp/err" && [ ! -s "$tmp/err" ] &&
    passed=$((passed + 1)) || { echo "FAIL: --netstat of a host seen only in a tunnel: stderr not empty"; fail=$((fail + 1)); }
# --conn-log of a capture without packets: #open and #close are the time of the run
# (there is no packet time to take), not 1970
printf '\324\303\262\241\002\000\004\000\000\000\000\000\000\000\000\000\377\377\000\000\001\000\000\000' >"$tmp/empty.pcap"
day1=$(date -u +%Y-%m-%d)
"$bin" -r "$tmp/empty.pcap" --conn-log >"$tmp/out" 2>"$tmp/err"
day2=$(date -u +%Y-%m-%d)
if [ "$(grep -c "^#\(open\|close\)	\($day1\|$day2\)-" "$tmp/out")" = 2 ] && ! grep -q '^[^#]' "$tmp/out"; then
    passed=$((passed + 1))
else
    echo "FAIL: --conn-log of an empty capture:"; sed 's/^/    /' "$tmp/out" "$tmp/err"; fail=$((fail + 1))
fi
# --netstat of a capture without packets: no time to name ("at" null, as
# capture.last_ts), and an offset from its first packet refused
"$bin" -r "$tmp/empty.pcap" --json --netstat 10.0.0.1 >"$tmp/out" 2>/dev/null
if python3 -c 'import json, sys; d = json.load(open(sys.argv[1])); sys.exit(d["netstat"]["at"] is not None)' "$tmp/out"; then
    passed=$((passed + 1))
else
    echo "FAIL: --netstat of an empty capture: at is not null"; fail=$((fail + 1))
fi
expect 2 '^sockscope: --at +5s: the capture has no packet to count from$' -- -r "$tmp/empty.pcap" --netstat 10.0.0.1 --at +5s
expect 0 'has no TCP, UDP or SCTP traffic in the capture' -- -r "$tmp/empty.pcap" --netstat 10.0.0.1 --at 1700000000
# -o onto a capture the run reads (or the -w file): refused, the capture intact
cp "$samples/synthetic.pcap" "$tmp/mine.pcap"
ln -s "$tmp/mine.pcap" "$tmp/mine-link.pcap"
expect 2 "^sockscope: -o $tmp/mine.pcap is the capture $tmp/mine.pcap reads: the report would replace it\$" -- -r "$tmp/mine.pcap" -o "$tmp/mine.pcap"
expect 2 "^sockscope: -o $tmp/mine.pcap is the capture $tmp/mine-link.pcap reads" -- -r "$samples/lifecycle.pcap" -r "$tmp/mine-link.pcap" -o "$tmp/mine.pcap"
"$bin" -r - -o "$tmp/mine.pcap" <"$tmp/mine.pcap" >/dev/null 2>"$tmp/err"
rc=$?
[ "$rc" -eq 2 ] && grep -q 'capture standard input (-r -) reads' "$tmp/err" && cmp -s "$samples/synthetic.pcap" "$tmp/mine.pcap" &&
    passed=$((passed + 1)) || { echo "FAIL: -o onto the file -r - reads: exit $rc, or the capture changed"; fail=$((fail + 1)); }
expect 2 "^sockscope: -o $tmp/./w.pcap and -w $tmp/w.pcap name the same file\$" -- -i lo -w "$tmp/w.pcap" -o "$tmp/./w.pcap"
# -o '': a command-line error, not a file-system one
expect 2 "^sockscope: empty file name for -o ('-' is standard output)\$" -- -r "$samples/synthetic.pcap" -o ''
expect 2 "^sockscope: empty interface name for -i ('any' is every interface)\$" -- -i ''
expect 2 '^sockscope: empty file name for -w$' -- -i lo -w ''
expect 2 '^sockscope: empty user name for -Z$' -- -i lo -Z ''
# -o onto a file the user may not write, in a directory they may: refused as
# a shell redirection refuses it (exit 3), not replaced through the rename.
# root may write anything, so as root the run is made as nobody (setpriv)
mkdir "$tmp/ro"
chmod 777 "$tmp/ro"
printf 'keep\n' >"$tmp/ro/report.json"
chmod 444 "$tmp/ro/report.json"
as_user=
if [ "$(id -u)" -eq 0 ]; then
    as_user="setpriv --reuid=nobody --regid=$(id -g nobody 2>/dev/null) --clear-groups"
    chmod 711 "$tmp" # nobody goes through to $tmp/ro
    # shellcheck disable=SC2086 # word splitting wanted: a command and its options
    $as_user "$bin" --version >/dev/null 2>&1 || as_user=skip
fi
if [ "$as_user" = skip ]; then
    echo "skipped: -o onto a file the user may not write (cannot run as nobody with setpriv)"
else
    # shellcheck disable=SC2086
    $as_user "$bin" -r "$samples/synthetic.pcap" --json -o "$tmp/ro/report.json" >"$tmp/out" 2>"$tmp/err"
    rc=$?
    [ "$rc" -eq 3 ] && [ "$(wc -l <"$tmp/err")" -eq 1 ] &&
        grep -qx "sockscope: $tmp/ro/report.json: Permission denied" "$tmp/err" &&
        [ "$(cat "$tmp/ro/report.json")" = keep ] && [ "$(ls "$tmp/ro")" = report.json ] &&
        passed=$((passed + 1)) || { echo "FAIL: -o onto a file the user may not write: exit $rc"; sed 's/^/    /' "$tmp/err"; fail=$((fail + 1)); }
fi
# no_report WHAT: the last command wrote nothing on stdout
no_report() {
    if [ -s "$tmp/out" ]; then
        echo "FAIL: $1: a report although nothing was read:"
        head -n 3 "$tmp/out" | sed 's/^/    /'
        fail=$((fail + 1))
    else
        passed=$((passed + 1))
    fi
}
# same_report PLAIN OTHER COMPRESSION...: each OTHER JSON report is PLAIN's but
# for capture.inputs, which names one file read with the COMPRESSION given
# (null: none) in the same place; OTHER and COMPRESSION in pairs
same_report() {
    python3 - "$@" <<'PY'
import json, sys
plain = json.load(open(sys.argv[1]))
want = plain["capture"].pop("inputs")
assert len(want) == 1 and want[0]["compression"] is None, want
args = sys.argv[2:]
for other, packed in zip(args[0::2], args[1::2]):
    doc = json.load(open(other))
    got = doc["capture"].pop("inputs")
    assert len(got) == 1, (other, got)
    assert got[0]["compression"] == (None if packed == "null" else packed), (other, got)
    for k in ("format", "snaplen", "frames", "frames_filtered_out"):
        assert got[0][k] == want[0][k], (other, k, got, want)
    assert doc == plain, other
PY
}
expect 1 'missing.pcap: No such file' -- -r "$tmp/missing.pcap"
no_report missing.pcap
expect 1 'missing.pcap: No such file' -- -r "$tmp/missing.pcap" --json
no_report 'missing.pcap --json'
printf 'hello, this is not a capture file\n' >"$tmp/text.pcap"
expect 1 'text.pcap: not a pcap or pcapng' -- -r "$tmp/text.pcap"
no_report text.pcap
: >"$tmp/empty.pcap"
expect 1 'empty.pcap' -- -r "$tmp/empty.pcap"
no_report empty.pcap
# -o's file is not made when nothing was read
expect 1 'missing.pcap: No such file' -- -r "$tmp/missing.pcap" -o "$tmp/report.txt"
if [ -e "$tmp/report.txt" ]; then
    echo "FAIL: -o wrote a report although nothing was read"
    fail=$((fail + 1))
else
    passed=$((passed + 1))
fi
# a second file that does not open: the first one's results are reported
expect 1 'missing.pcap: No such file' -- -r "$samples/synthetic.pcap" -r "$tmp/missing.pcap" --json
if ! python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert d["capture"]["files"] == 1 and len(d["connections"]) > 0
i = d["capture"]["inputs"]
assert [(x["path"], x["format"], x["frames"]) for x in i] == [(sys.argv[2], "pcap", 20), (sys.argv[3], None, 0)], i
' "$tmp/out" "$samples/synthetic.pcap" "$tmp/missing.pcap"; then
    echo "FAIL: the first file's results were not reported when the second did not open"
    fail=$((fail + 1))
else
    passed=$((passed + 1))
fi
# input_error: what stderr said, in the document (null when read to the end)
# check_input_error WHAT: the last command's JSON capture.input_error is its
# stderr line without "sockscope: "
check_input_error() {
    if python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
c = d.get("capture", d)
err = open(sys.argv[2]).read().strip()
assert err.startswith("sockscope: ") and c["input_error"] == err[len("sockscope: "):], (c["input_error"], err)
# the file it ended is the last one listed, with the same message; none before it has one
errors = [i["error"] for i in c.get("inputs", [])]
assert "inputs" not in c or errors == [None] * (len(errors) - 1) + [c["input_error"]], errors
' "$tmp/out" "$tmp/err"; then
        passed=$((passed + 1))
    else
        echo "FAIL: $1: capture.input_error is not what stderr said"
        fail=$((fail + 1))
    fi
}
check_input_error 'a second file that does not open'

expect 1 'bad filter expression' -- -r "$samples/synthetic.pcap" 'tcp and and'
no_report 'a bad filter expression'
# the filter is compiled per link type as each file is read: one that a later
# file's link type has not ends the run there (exit 1), the first file reported
expect 1 "mixed-link.pcapng: record 1: cannot apply the filter to link type 276" -- -r "$samples/synthetic.pcap" -r "$samples/mixed-link.pcapng" --stats --json 'ether host 00:11:22:33:44:55 or ip'
python3 -c 'import json,sys; c=json.load(open(sys.argv[1]))["capture"]; assert c["frames"] == 20 and c["inputs"][0]["frames"] == 20 and c["inputs"][1]["error"] is not None, c["inputs"]' "$tmp/out" &&
    passed=$((passed + 1)) || { echo "FAIL: a filter the second file's link type has not"; fail=$((fail + 1)); }
# a glob after -r: the other files became the filter's words, and the error says so
expect 1 "bad filter expression: .* ('$samples/lifecycle.pcap' is a file: give each file its own -r, as in -r a.pcap -r b.pcap)" -- -r "$samples/synthetic.pcap" "$samples/lifecycle.pcap" "$samples/udp-services.pcap"
expect 1 "is a file: give each file its own -r" -- -r "$samples/synthetic.pcap" --merge "$samples/lifecycle.pcap"
# more -r files than any fixed table would hold: read one after another
set --
for i in $(seq 1 70); do set -- "$@" -r "$samples/synthetic.pcap"; done
"$bin" "$@" --stats --json >"$tmp/many.json" 2>"$tmp/err" &&
    python3 -c 'import json,sys; c=json.load(open(sys.argv[1]))["capture"]; assert c["files"] == 70 and c["frames"] == 70 * 20, c' "$tmp/many.json" &&
    passed=$((passed + 1)) || { echo "FAIL: 70 -r files"; fail=$((fail + 1)); }

# a capture cut inside its last record: error naming the record, earlier results kept
size=$(wc -c <"$samples/synthetic.pcap")
head -c $((size - 10)) "$samples/synthetic.pcap" >"$tmp/cut.pcap"
expect 1 'cut.pcap: record 20' -- -r "$tmp/cut.pcap" --json
cp "$tmp/out" "$tmp/cut-default.json"
expect 1 'cut.pcap: record 20' -- -r "$tmp/cut.pcap" --json --threads 1 --seed 1
cp "$tmp/out" "$tmp/cut-1.json"
expect 1 'cut.pcap: record 20' -- -r "$tmp/cut.pcap" --json --threads 2 --seed 1
cmp -s "$tmp/out" "$tmp/cut-1.json" && passed=$((passed + 1)) ||
    { echo "FAIL: --threads 1 and 2 differ on a cut capture"; fail=$((fail + 1)); }
cp "$tmp/cut-default.json" "$tmp/out"
check_input_error 'a capture cut inside its last record'
if ! python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["capture"]["frames"] == 19 and len(d["connections"]) >= 5' "$tmp/out"; then
    echo "FAIL: results before the damaged record were not all reported"
    fail=$((fail + 1))
else
    passed=$((passed + 1))
fi
# a file name that is not UTF-8: the message is still in the document, scrubbed
bad_name=$(printf 'cut\377.pcap')
cp "$tmp/cut.pcap" "$tmp/$bad_name"
"$bin" -r "$tmp/$bad_name" --stats --json >"$tmp/out" 2>"$tmp/err"
python3 -c 'import json,sys; e=json.load(open(sys.argv[1]))["capture"]["input_error"]; assert e is not None and e.endswith("cut?.pcap: record 20: truncated record (captured length 66, 56 bytes left)"), e' "$tmp/out" &&
    passed=$((passed + 1)) || { echo "FAIL: input_error of a file name that is not UTF-8"; fail=$((fail + 1)); }

# the same capture on stdin, and a BPF filter
"$bin" -r - --stats --json <"$samples/synthetic.pcap" >"$tmp/stdin.json" 2>"$tmp/err" &&
    python3 -c 'import json,sys; c=json.load(open(sys.argv[1]))["capture"]; assert c["frames"] == 20 and c["input_error"] is None' "$tmp/stdin.json" &&
    passed=$((passed + 1)) || { echo "FAIL: -r - (stdin)"; fail=$((fail + 1)); }
"$bin" -r "$samples/synthetic.pcap" --stats --json udp >"$tmp/bpf.json" 2>"$tmp/err" &&
    python3 -c 'import json,sys; c=json.load(open(sys.argv[1]))["capture"]; i=c["inputs"][0]; assert c["frames"] == 1 and c["frames_filtered_out"] == 19 and (i["frames"], i["frames_filtered_out"]) == (1, 19), c' "$tmp/bpf.json" &&
    passed=$((passed + 1)) || { echo "FAIL: BPF filter 'udp'"; fail=$((fail + 1)); }

# check_packed TOOL REPACK...: each sample (a pcap, a pcapng) compressed by
# TOOL (TOOL -c), read as a file named without a suffix (the format is told by
# its magic), from standard input, and from a pipe that decompresses it and
# compresses it again with the command REPACK, gives the plain sample's
# report, capture.inputs naming TOOL; $tmp/lifecycle.pcap.TOOL is left
check_packed() {
    tool=$1
    shift
    for s in lifecycle.pcap mixed-link.pcapng; do
        "$bin" -r "$samples/$s" --json --seed 3 >"$tmp/plain.json" 2>&1
        "$tool" -q -c "$samples/$s" >"$tmp/$s.$tool"
        cp "$tmp/$s.$tool" "$tmp/named-anything"
        "$bin" -r "$tmp/named-anything" --json --seed 3 >"$tmp/packed.json" 2>&1
        "$bin" -r - --json --seed 3 <"$tmp/$s.$tool" >"$tmp/packed-stdin.json" 2>&1
        "$tool" -q -dc "$tmp/$s.$tool" | "$@" | "$bin" -r - --json --seed 3 >"$tmp/packed-pipe.json" 2>&1
        if [ -s "$tmp/plain.json" ] && same_report "$tmp/plain.json" "$tmp/packed.json" "$tool" \
            "$tmp/packed-stdin.json" "$tool" "$tmp/packed-pipe.json" "$tool"; then
            passed=$((passed + 1))
        else
            echo "FAIL: $tool-compressed $s differs from $s"
            fail=$((fail + 1))
        fi
    done
}
# gzip; zstd and lz4 from their packages, which the test set-up installs (lz4
# again in 64 KiB linked blocks with the content size). A zstd or lz4 sample is
# one block: cut, not even its file header comes out, so nothing is reported
# (test_filebuf and test_capture check the frames before the damage of a
# larger one); gzip's cut below keeps what came before.
check_packed gzip gzip -1
for tool in zstd lz4; do
    if ! command -v $tool >/dev/null 2>&1; then
        echo "skipped: $tool checks (no $tool(1))"
        continue
    fi
    if [ $tool = zstd ]; then
        check_packed zstd zstd -q -1 -c
    else
        check_packed lz4 lz4 -q -1 -B4 -BD --content-size -c
    fi
    size=$(wc -c <"$tmp/lifecycle.pcap.$tool")
    head -c $((size - 100)) "$tmp/lifecycle.pcap.$tool" >"$tmp/cut.pcap.$tool"
    expect 1 "cut.pcap.$tool: $tool: truncated compressed data" -- -r "$tmp/cut.pcap.$tool" --stats --json
    no_report "a $tool capture cut inside its only block"
done
# lz4's legacy format is refused with the command that reads it
if command -v lz4 >/dev/null 2>&1; then
    lz4 -q -l -c "$samples/synthetic.pcap" >"$tmp/legacy.lz4"
    expect 1 'legacy.lz4: lz4-compressed in the legacy format (lz4 -l), which sockscope does not decompress: decompress it first, as in lz4 -dc FILE | sockscope -r -' -- -r "$tmp/legacy.lz4"
    no_report 'an lz4 legacy-format file'
fi
# -c stops in the first file: the second is not read, nor listed
"$bin" -r "$samples/synthetic.pcap" -r "$samples/lifecycle.pcap" -c 5 --stats --json >"$tmp/out" 2>"$tmp/err" &&
    python3 -c 'import json,sys; i=json.load(open(sys.argv[1]))["capture"]["inputs"]; assert [(x["path"], x["frames"]) for x in i] == [(sys.argv[2], 5)], i' "$tmp/out" "$samples/synthetic.pcap" &&
    passed=$((passed + 1)) || { echo "FAIL: capture.inputs after -c"; fail=$((fail + 1)); }
# --stats text: a Files section, a line a file
"$bin" -r "$samples/synthetic.pcap" -r "$samples/mixed-link.pcapng" --stats >"$tmp/out" 2>"$tmp/err" &&
    grep -qx "  $samples/synthetic.pcap: pcap, snaplen 262144, 20 frames" "$tmp/out" &&
    grep -qx "  $samples/mixed-link.pcapng: pcapng, snaplen 262144, 14 frames" "$tmp/out" &&
    passed=$((passed + 1)) || { echo "FAIL: --stats Files section"; fail=$((fail + 1)); }
gz_size=$(wc -c <"$tmp/lifecycle.pcap.gzip")
head -c $((gz_size - 200)) "$tmp/lifecycle.pcap.gzip" >"$tmp/cut.pcap.gz"
expect 1 'cut.pcap.gz: gzip: truncated compressed data' -- -r "$tmp/cut.pcap.gz" --stats --json
check_input_error 'gzip data cut short'
python3 -c 'import json,sys; assert json.load(open(sys.argv[1]))["capture"]["frames"] > 90' "$tmp/out" &&
    passed=$((passed + 1)) || { echo "FAIL: frames before the gzip damage were not reported"; fail=$((fail + 1)); }
printf 'hello world\n' | gzip -c >"$tmp/notes.gz"
expect 1 'notes.gz: not a pcap or pcapng capture (gzip-compressed, magic 0x68656c6c)' -- -r "$tmp/notes.gz"

# --merge: a capture split into two files frame by frame (odd and even records)
# and merged again gives the capture's own report (but for capture.files),
# with either thread count and with -c; a file that does not open stops it
# before anything is read; it is for -r files, standard input once at most
expect 2 '--merge applies to -r files' -- -i lo --merge
expect 2 "--merge reads standard input ('-') once at most" -- -r - -r - --merge
# and without --merge: a file on stdin would be read twice (its frames counted twice)
"$bin" -r - -r - --json <"$samples/synthetic.pcap" >"$tmp/out" 2>"$tmp/err"
rc=$?
[ "$rc" -eq 2 ] && [ "$(wc -l <"$tmp/err")" -eq 1 ] && grep -qx "sockscope: -r reads standard input ('-') once at most" "$tmp/err" &&
    passed=$((passed + 1)) || { echo "FAIL: -r - -r - with a file on stdin: exit $rc"; fail=$((fail + 1)); }
expect 2 "^sockscope: -r reads standard input ('-') once at most\$" -- -r "$samples/synthetic.pcap" -r - -r -
for s in lifecycle.pcap tunnels.pcap; do
    python3 - "$samples/$s" "$tmp/even.pcap" "$tmp/odd.pcap" <<'PY'
import struct, sys
data = open(sys.argv[1], "rb").read()
order = "<" if data[:4] in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1") else ">"
outs, off, i = [bytearray(data[:24]), bytearray(data[:24])], 24, 0
while off + 16 <= len(data):
    n = struct.unpack_from(order + "I", data, off + 8)[0]
    outs[i % 2] += data[off:off + 16 + n]
    off, i = off + 16 + n, i + 1
for path, out in zip(sys.argv[2:], outs):
    open(path, "wb").write(out)
PY
    for c in "" "-c 40"; do
        # shellcheck disable=SC2086 # $c: no option, or -c and its count
        "$bin" -r "$samples/$s" $c --json --seed 4 >"$tmp/whole.json" 2>&1
        # shellcheck disable=SC2086
        "$bin" -r "$tmp/odd.pcap" -r "$tmp/even.pcap" --merge $c --json --seed 4 --threads 1 >"$tmp/m1.json" 2>&1
        # shellcheck disable=SC2086
        "$bin" -r "$tmp/odd.pcap" -r "$tmp/even.pcap" --merge $c --json --seed 4 --threads 2 >"$tmp/m2.json" 2>&1
        if cmp -s "$tmp/m1.json" "$tmp/m2.json" && python3 -c '
import json, sys
whole, merged = (json.load(open(p)) for p in sys.argv[1:3])
assert whole["capture"]["files"] == 1 and merged["capture"]["files"] == 2
merged["capture"]["files"] = 1
# each file as far as the merge handed its frames out: odd.pcap the 2nd, 4th,
# ... of the frames read, even.pcap the 1st, 3rd, ...
frames = [i["frames"] for i in merged["capture"].pop("inputs")]
k = whole["capture"]["inputs"][0]["frames"]
assert frames == [k // 2, k - k // 2], (frames, k)
whole["capture"].pop("inputs")
assert whole == merged
' "$tmp/whole.json" "$tmp/m1.json"; then
            passed=$((passed + 1))
        else
            echo "FAIL: --merge of $s split in two ($c) differs from $s"
            fail=$((fail + 1))
        fi
    done
done
expect 1 'missing.pcap: No such file' -- -r "$tmp/odd.pcap" -r "$tmp/missing.pcap" --merge --json
no_report 'a --merge whose second file does not open'
# a merge whose second file is cut: the merge ends there; capture.inputs says
# which file, and each file's frames are those handed on
"$bin" -r "$tmp/odd.pcap" -r "$tmp/cut.pcap" --merge --stats --json >"$tmp/out" 2>"$tmp/err"
python3 -c '
import json, sys
c = json.load(open(sys.argv[1]))["capture"]
i = c["inputs"]
assert [x["error"] for x in i] == [None, c["input_error"]] and c["input_error"].startswith(sys.argv[2]), i
assert sum(x["frames"] for x in i) == c["frames"] and all(x["frames"] > 0 for x in i), (c["frames"], i)
' "$tmp/out" "$tmp/cut.pcap" && passed=$((passed + 1)) ||
    { echo "FAIL: capture.inputs of a merge cut in its second file"; fail=$((fail + 1)); }
# a snaplen in the file header below what was captured (a tool's or an edit's
# mistake): libpcap cuts such records and tshark reads them whole; sockscope
# reads them whole too, exit 0, counts them per file and names the first in
# one note. synthetic.pcap with snaplen 100: records 4, 5, 6 and 19 are longer
python3 - "$samples/synthetic.pcap" "$tmp/oversnap.pcap" <<'PY'
import struct, sys
data = bytearray(open(sys.argv[1], "rb").read())
order = "<" if data[:4] in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1") else ">"
struct.pack_into(order + "I", data, 16, 100)
open(sys.argv[2], "wb").write(data)
PY
expect 0 "^sockscope: note: $tmp/oversnap.pcap: 4 records longer than the snaplen, read whole as Wireshark reads them (the first: record 4)\$" -- -r "$tmp/oversnap.pcap" --stats --json --seed 1
cp "$tmp/out" "$tmp/oversnap.json"
"$bin" -r "$samples/synthetic.pcap" --stats --json --seed 1 >"$tmp/plain.json" 2>/dev/null
python3 -c '
import json, sys
over, plain = (json.load(open(p)) for p in sys.argv[1:3])
i = over["capture"].pop("inputs")
assert [(x["snaplen"], x["frames"], x["frames_over_snaplen"]) for x in i] == [(100, 20, 4)], i
assert [x["frames_over_snaplen"] for x in plain["capture"].pop("inputs")] == [0]
assert over == plain  # every byte of every record read, as in the plain file
' "$tmp/oversnap.json" "$tmp/plain.json" && passed=$((passed + 1)) ||
    { echo "FAIL: a capture whose records exceed its snaplen"; fail=$((fail + 1)); }
"$bin" -r "$tmp/oversnap.pcap" --stats 2>/dev/null | grep -q ': pcap, snaplen 100, 20 frames, 4 longer than the snaplen (read whole)$' &&
    passed=$((passed + 1)) || { echo "FAIL: --stats Files: records over the snaplen"; fail=$((fail + 1)); }
expect 0 '^sockscope: note: stdin: 4 records longer than the snaplen' -- -r - --json <"$tmp/oversnap.pcap"
# merged with itself and stopped by -c 7: the first file handed records 1-4
# (one over), the second 1-3; its record 4, read ahead to compare times, is not
# counted, so only the first file has a note
expect 0 "^sockscope: note: $tmp/oversnap.pcap: 1 record longer than the snaplen, read whole as Wireshark reads them (the first: record 4)\$" -- -r "$tmp/oversnap.pcap" -r "$tmp/oversnap.pcap" --merge -c 7 --stats --json
python3 -c '
import json, sys
i = json.load(open(sys.argv[1]))["capture"]["inputs"]
assert [(x["frames"], x["frames_over_snaplen"]) for x in i] == [(4, 1), (3, 0)], i
' "$tmp/out" && passed=$((passed + 1)) ||
    { echo "FAIL: --merge -c: records over the snaplen per file"; fail=$((fail + 1)); }
# files side by side read one after another: the clock steps back in the
# second, and a note says --merge reads them as one (exit 0); with it, no note
python3 - "$samples/lifecycle.pcap" "$tmp/later.pcap" <<'PY'
import struct, sys
data = open(sys.argv[1], "rb").read()
out, off = bytearray(data[:24]), 24
while off + 16 <= len(data):
    sec, frac, n, wire = struct.unpack_from("<IIII", data, off)
    out += struct.pack("<IIII", sec + 400, frac, n, wire) + data[off + 16:off + 16 + n]
    off += 16 + n
open(sys.argv[2], "wb").write(out)
PY
expect 0 "^sockscope: note: the clock stepped back in $samples/lifecycle.pcap, a later -r file; files captured side by side are read as one with --merge\$" -- -r "$tmp/later.pcap" -r "$samples/lifecycle.pcap" --stats
"$bin" -r "$tmp/later.pcap" -r "$samples/lifecycle.pcap" --merge --stats >/dev/null 2>"$tmp/err" && [ ! -s "$tmp/err" ] &&
    passed=$((passed + 1)) || { echo "FAIL: a note with --merge"; fail=$((fail + 1)); }
# one file whose own clock steps back (a clock reset): no note, there is nothing to merge
cat "$tmp/later.pcap" >"$tmp/reset.pcap"
tail -c +25 "$samples/lifecycle.pcap" >>"$tmp/reset.pcap"
"$bin" -r "$tmp/reset.pcap" --stats >"$tmp/out" 2>"$tmp/err" && [ ! -s "$tmp/err" ] &&
    grep -q 'clock steps back' "$tmp/out" &&
    passed=$((passed + 1)) || { echo "FAIL: a note for one file whose clock steps back"; fail=$((fail + 1)); }

# --threads 1 and 2 (the reader thread) write the same bytes, with -c too,
# and across several -r files
for args in "-r $samples/lifecycle.pcap --ndjson" "-r $samples/tunnels.pcap --json -c 17" \
    "-r $samples/synthetic.pcap -r $samples/lifecycle.pcap -c 50 --conn-log" \
    "-r $samples/port-vs-socket-server.pcap --view sockets"; do
    # shellcheck disable=SC2086 # word splitting wanted: args is an argument list
    "$bin" $args --seed 5 --threads 1 >"$tmp/t1" 2>&1
    rc1=$?
    # shellcheck disable=SC2086
    "$bin" $args --seed 5 --threads 2 >"$tmp/t2" 2>&1
    rc2=$?
    if [ "$rc1" -eq 0 ] && [ "$rc2" -eq 0 ] && [ -s "$tmp/t1" ] && cmp -s "$tmp/t1" "$tmp/t2"; then
        passed=$((passed + 1))
    else
        echo "FAIL: --threads 1 and 2 differ (exit $rc1 / $rc2): $args"
        fail=$((fail + 1))
    fi
done

# --close-delay: a closed connection's record is written that long after its
# last packet (default 5 s); at 2*MSL or more it stays whole until reused
"$bin" -r "$samples/synthetic.pcap" --json --no-dpi >"$tmp/cd5.json" 2>"$tmp/err" &&
    "$bin" -r "$samples/synthetic.pcap" --json --no-dpi --close-delay 600 >"$tmp/cd600.json" 2>"$tmp/err" &&
    python3 -c '
import json, sys
def first_http(p):
    cs = [c for c in json.load(open(p))["connections"] if c["id.resp_p"] == 80 and c["incarnation"] == 1]
    return cs[0]["end_reason"]
assert first_http(sys.argv[1]) == "closed", first_http(sys.argv[1])
assert first_http(sys.argv[2]) == "reuse", first_http(sys.argv[2])' "$tmp/cd5.json" "$tmp/cd600.json" &&
    passed=$((passed + 1)) || { echo "FAIL: --close-delay"; fail=$((fail + 1)); }

# -o writes atomically: the file appears whole, no temporary is left behind
"$bin" -r "$samples/synthetic.pcap" --json -o "$tmp/out.json" &&
    python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$tmp/out.json" &&
    [ "$(ls "$tmp" | grep -c tmp)" -eq 0 ] &&
    passed=$((passed + 1)) || { echo "FAIL: -o FILE"; fail=$((fail + 1)); }

# -o keeps an existing file's permissions (replacing a private file must not
# make it world-readable) and gives a new one 0666 less the umask
: >"$tmp/private.json"
chmod 600 "$tmp/private.json"
"$bin" -r "$samples/synthetic.pcap" --json -o "$tmp/private.json" &&
    [ "$(stat -c %a "$tmp/private.json")" = 600 ] && [ -s "$tmp/private.json" ] &&
    (umask 027 && "$bin" -r "$samples/synthetic.pcap" --json -o "$tmp/new027.json") &&
    [ "$(stat -c %a "$tmp/new027.json")" = 640 ] &&
    (umask 022 && "$bin" -r "$samples/synthetic.pcap" --json -o "$tmp/new022.json") &&
    [ "$(stat -c %a "$tmp/new022.json")" = 644 ] &&
    passed=$((passed + 1)) || { echo "FAIL: -o permissions"; fail=$((fail + 1)); }

# -o through a symbolic link writes its target and leaves the link (relative
# links too, and a link to a file not there yet creates it)
mkdir "$tmp/d"
: >"$tmp/d/real.json"
ln -s d/real.json "$tmp/link.json"
ln -s d/later.json "$tmp/dangling.json"
"$bin" -r "$samples/synthetic.pcap" --json --seed 1 -o "$tmp/link.ref" &&
    "$bin" -r "$samples/synthetic.pcap" --json --seed 1 -o "$tmp/link.json" &&
    "$bin" -r "$samples/synthetic.pcap" --json --seed 1 -o "$tmp/dangling.json" &&
    [ -L "$tmp/link.json" ] && [ -L "$tmp/dangling.json" ] &&
    cmp -s "$tmp/d/real.json" "$tmp/link.ref" && cmp -s "$tmp/d/later.json" "$tmp/link.ref" &&
    [ "$(ls "$tmp" | grep -c '\.tmp')" -eq 0 ] && [ "$(ls "$tmp/d" | grep -c '\.tmp')" -eq 0 ] &&
    passed=$((passed + 1)) || { echo "FAIL: -o through a symbolic link"; fail=$((fail + 1)); }

# -o onto something that is not a regular file is written in place, never
# replaced by a renamed temporary: a FIFO stays a FIFO and its reader gets the
# document; as root, a device too (a private /dev/null and /dev/full here)
mkfifo "$tmp/fifo"
timeout 20 cat "$tmp/fifo" >"$tmp/from-fifo" & # bounded: a FIFO replaced would leave it waiting
reader=$!
"$bin" -r "$samples/synthetic.pcap" --json --seed 1 -o "$tmp/fifo" && wait "$reader" &&
    "$bin" -r "$samples/synthetic.pcap" --json --seed 1 -o "$tmp/seeded.json" &&
    [ -p "$tmp/fifo" ] && cmp -s "$tmp/from-fifo" "$tmp/seeded.json" &&
    passed=$((passed + 1)) || { echo "FAIL: -o FIFO"; fail=$((fail + 1)); }
if [ "$(id -u)" -eq 0 ] && mknod "$tmp/null" c 1 3 2>/dev/null && mknod "$tmp/full" c 1 7 2>/dev/null; then
    "$bin" -r "$samples/synthetic.pcap" --json --seed 1 -o "$tmp/null" && [ -c "$tmp/null" ] &&
        passed=$((passed + 1)) || { echo "FAIL: -o onto a device"; fail=$((fail + 1)); }
    expect 3 'full: write failed' -- -r "$samples/synthetic.pcap" --json -o "$tmp/full"
    [ -c "$tmp/full" ] && passed=$((passed + 1)) ||
        { echo "FAIL: -o onto a full device replaced it"; fail=$((fail + 1)); }
    # stdout on a full device: one line, exit 3 (the document is written piece by piece)
    "$bin" -r "$samples/synthetic.pcap" --json >"$tmp/full" 2>"$tmp/err"
    rc=$?
    [ "$rc" -eq 3 ] && [ "$(wc -l <"$tmp/err")" -eq 1 ] && grep -q 'No space left' "$tmp/err" &&
        passed=$((passed + 1)) || { echo "FAIL: --json on a full stdout: exit $rc"; cat "$tmp/err"; fail=$((fail + 1)); }
fi

# color only on a terminal, and never with NO_COLOR (script(1) gives a terminal)
if command -v script >/dev/null 2>&1; then
    esc=$(printf '\033[')
    script -qec "'$bin' -r '$samples/udp-services.pcap' --view ports" /dev/null </dev/null >"$tmp/tty.out" 2>&1
    NO_COLOR=1 script -qec "'$bin' -r '$samples/udp-services.pcap' --view ports" /dev/null </dev/null >"$tmp/tty-nc.out" 2>&1
    "$bin" -r "$samples/udp-services.pcap" --view ports >"$tmp/pipe.out" 2>&1
    if grep -qF "$esc" "$tmp/tty.out" && ! grep -qF "$esc" "$tmp/tty-nc.out" && ! grep -qF "$esc" "$tmp/pipe.out"; then
        passed=$((passed + 1))
    else
        echo "FAIL: color must be used on a terminal only, and not with NO_COLOR"
        fail=$((fail + 1))
    fi
fi

# SIGINT or SIGTERM during a read: the report of the records before it, exit 1;
# a second signal ends the process; ignored at start (a background job), it
# stays ignored. The capture arrives through a FIFO in two parts, 2 s apart:
# the signal lands while the read waits for the second, and the read stops at
# the record after the one the second part completes.
if python3 - "$bin" "$samples/synthetic.pcap" "$tmp" <<'PY'
import json, os, signal, subprocess, sys, threading, time
binary, sample, tmp = sys.argv[1:4]
data = open(sample, "rb").read()
fails = []

def run(name, signals, ignore=False, rest=True):
    fifo = os.path.join(tmp, name + ".fifo")
    os.mkfifo(fifo)
    def writer():
        with open(fifo, "wb") as w:
            w.write(data[: len(data) // 2])
            w.flush()
            time.sleep(2.0)
            if rest:
                w.write(data[len(data) // 2 :])
                w.flush()
            time.sleep(1.0)
    t = threading.Thread(target=writer)
    t.start()
    pre = (lambda: signal.signal(signal.SIGINT, signal.SIG_IGN)) if ignore else None
    p = subprocess.Popen([binary, "-r", fifo, "--json", "--seed", "1"], stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, preexec_fn=pre)
    time.sleep(1.0)
    for sig in signals:
        p.send_signal(sig)
        time.sleep(0.3)
    out, err = p.communicate(timeout=30)
    t.join()
    return p.returncode, out.decode(), err.decode()

for sig, sname in ((signal.SIGINT, "SIGINT"), (signal.SIGTERM, "SIGTERM")):
    rc, out, err = run(sname, [sig])
    lines = err.splitlines()
    ok = rc == 1 and len(lines) == 1 and (" interrupted by %s before record " % sname) in lines[0]
    if ok:
        nxt = int(lines[0].split(" before record ")[1].split(";")[0])
        cap = json.loads(out)["capture"]
        ok = (0 < nxt - 1 < 20 and cap["frames"] == nxt - 1 and
              cap["input_error"] == lines[0][len("sockscope: "):] and
              cap["inputs"][0]["error"] == cap["input_error"])
    if not ok:
        fails.append("%s during a read: exit %s, stderr %r" % (sname, rc, err))
# a second SIGINT while the read waits: the process ends by the signal
rc, out, err = run("twice", [signal.SIGINT, signal.SIGINT], rest=False)
if rc != -signal.SIGINT or out:
    fails.append("a second SIGINT: exit %s, stdout %r" % (rc, out[:80]))
# SIGINT ignored at start: the whole capture, exit 0
rc, out, err = run("ignored", [signal.SIGINT], ignore=True)
if rc != 0 or err or json.loads(out)["capture"]["frames"] != 20:
    fails.append("SIGINT ignored at start: exit %s, stderr %r" % (rc, err))
for f in fails:
    print("FAIL: " + f)
sys.exit(1 if fails else 0)
PY
then
    passed=$((passed + 1))
else
    fail=$((fail + 1))
fi

echo "cli: $passed passed, $fail failed"
[ "$fail" -eq 0 ]
