#!/bin/bash
# Bad input and missing prerequisites get one clear line and the right exit
# status (2: usage, 1: runtime), never a crash or a half-done state.
set -euo pipefail
. "$(dirname "$0")/../lib/host.sh"

EXPECT_LINES=2	# ksm-workload's error line and its usage hint

L=$BIN/ksm-loader W=$BIN/ksm-workload
expect 2 "missing command" "$L"
expect 2 "unknown command 'frob'" "$L" frob start
expect 2 "unknown stats command 'go'" "$L" stats go
expect 2 "too many" "$L" stats show extra
expect 2 "1 to 64" "$L" -n 0 stats show
expect 2 "1 to 64" "$L" --scans 12x stats show
expect 2 "below /sys/fs/bpf" "$L" --pin-dir /tmp/x stats show
expect 2 "^ksm-loader: unknown option '--frobnicate' .see --help.$" "$L" --frobnicate stats show
expect 2 "sum" "$W" --dup 0.5 --zero 0.5 --unique 0.5 --volatile 0
expect 2 "procs" "$W" -p 0
expect 2 "mib" "$W" -m 12abc
expect 2 "mode" "$W" --mode sometimes

[ "$(id -u)" -eq 0 ] || skip "the usage checks passed; the runtime checks need root"
nobody=(setpriv --reuid=65534 --regid=65534 --clear-groups)
expect 1 "must run as root" "${nobody[@]}" "$L" --pin-dir "$PIN" stats start
[ -e "$PIN" ] && fail "a failed start left $PIN behind"
expect 1 "not running" "$L" --pin-dir "$PIN" stats stop
expect 1 "not running" "$L" --pin-dir "$PIN" stats show
if ksm_tracepoints; then
	"$L" --pin-dir "$PIN" stats start >/dev/null || fail "stats start"
	expect 1 "already running" "$L" --pin-dir "$PIN" stats start
	"$L" --pin-dir "$PIN" stats stop || fail "stats stop"
	[ -e "$PIN" ] && fail "stats stop left $PIN behind"
else
	log "no KSM tracepoints: the already-running check is not exercised"
fi
# Maps of another layout (pinned by another version) are refused, not read
# into buffers of this build's sizes.
mkdir -p "$PIN"
"$BPFTOOL" map create "$PIN/counters" type percpu_array key 4 value 8 entries 1 \
	name counters || fail "bpftool map create $PIN/counters"
expect 1 "another version of ksm-loader" "$L" --pin-dir "$PIN" stats show
rm -rf "$PIN"
echo ok
