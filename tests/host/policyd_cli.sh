#!/bin/bash
# ksm-policyd's lifecycle against a fake KSM sysfs directory (--sysfs-dir),
# so every path is exercised without touching the real knobs: bad
# configuration and options, the advisor refusal and take-over, dry run,
# restore on SIGTERM, recovery after SIGKILL, one instance at a time,
# a foreign writer, SIGHUP reload, metrics, sd_notify, manage_run, file
# modes under a permissive umask, --once.
set -euo pipefail
cd "$(dirname "$0")/../.."
. tests/lib/host.sh
PD=$BIN/ksm-policyd
[ -x "$PD" ] || fail "$PD not built"
command -v python3 >/dev/null || skip "python3 is needed for the sd_notify listener"

FAKE=$TMP/ksm
fake_ksm() {	# a KSM that never scans: the controller only boosts at start
	rm -rf "$FAKE"; mkdir -p "$FAKE"
	local k
	for k in pages_shared pages_sharing pages_unshared pages_volatile \
		 pages_scanned pages_skipped full_scans ksm_zero_pages \
		 stable_node_chains stable_node_dups general_profit; do
		echo 0 >"$FAKE/$k"
	done
	echo 1 >"$FAKE/run"
	echo 100 >"$FAKE/pages_to_scan"
	echo 20 >"$FAKE/sleep_millisecs"
	echo "[none] scan-time" >"$FAKE/advisor_mode"
}
STATE=$TMP/policyd.state
pd() { "$PD" --sysfs-dir "$FAKE" --state-file "$STATE" "$@"; }
knobs() { echo "$(cat "$FAKE/pages_to_scan") $(cat "$FAKE/sleep_millisecs")"; }

# expect_err RC REGEX ARGS...: exit code and one-line message.
expect_err() {
	local rc=$1 re=$2 out got=0
	shift 2
	out=$(pd "$@" 2>&1 </dev/null) || got=$?
	[ "$got" -eq "$rc" ] || fail "ksm-policyd $*: exit $got, want $rc: $out"
	[ "$(wc -l <<<"$out")" -eq 1 ] || fail "ksm-policyd $*: not one line: $out"
	grep -qE "$re" <<<"$out" || fail "ksm-policyd $*: '$out' does not match '$re'"
}

PD_PID=
start_pd() {	# args...; waits until the first decision is written
	local log=$TMP/pd.$RANDOM
	spawn "$PD" --sysfs-dir "$FAKE" --state-file "$STATE" "$@" 2>"$log"
	PD_PID=${_pids[-1]} PD_LOG=$log
	wait_line "$PD_LOG" 10 'started' >/dev/null || fail "did not start: $(cat "$PD_LOG")"
	sleep 0.2
}
stop_pd() {	# signal [expected rc]
	local rc=0
	stop_pid "$PD_PID" "$1" || rc=$?
	[ "$rc" -eq "${2:-0}" ] || fail "exit $rc after SIG$1, want ${2:-0}: $(cat "$PD_LOG")"
}

fake_ksm
log "usage and configuration errors: one line, exit 2"
expect_err 2 "unknown option '--bogus'" --bogus
expect_err 2 "option '--config' needs an argument" --config
expect_err 2 "unexpected argument 'extra'" extra
expect_err 2 "nonexistent.conf: No such file" -c "$TMP/nonexistent.conf"
printf '[policyd]\ncpu_budget_pct = 20\nbogus_key = 1\n' >"$TMP/bad.conf"
expect_err 2 "bad.conf:3: unknown key 'bogus_key'" -c "$TMP/bad.conf"
printf 'interval_ms = fast\n' >"$TMP/bad.conf"
expect_err 2 "bad.conf:1: interval_ms: 'fast' is not a non-negative integer" -c "$TMP/bad.conf"
expect_err 2 "option: cpu_budget_pct: out of range" -s cpu_budget_pct=400
expect_err 2 "option: 'nonsense' is not KEY=VALUE" -s nonsense
head -c 100 /dev/urandom >"$TMP/binary.conf"
rc=0
out=$(pd -c "$TMP/binary.conf" 2>&1) || rc=$?
[ "$rc" -eq 2 ] || fail "binary config accepted: $out"
grep -q -- '--dry-run' <<<"$("$PD" --help)" || fail "--help lacks --dry-run"
expect_err 1 "no KSM at $TMP/none" --sysfs-dir "$TMP/none"
[ "$(knobs)" = "100 20" ] || fail "knobs changed by failed starts: $(knobs)"

log "the kernel's advisor: refused unless --take-over"
echo "none [scan-time]" >"$FAKE/advisor_mode"
expect_err 1 "advisor_mode=scan-time.*--take-over"
start_pd --take-over
grep -q '^none$' "$FAKE/advisor_mode" || fail "take-over left advisor_mode $(cat "$FAKE/advisor_mode")"
stop_pd TERM
[ "$(cat "$FAKE/advisor_mode")" = scan-time ] || fail "advisor_mode not restored: $(cat "$FAKE/advisor_mode")"
[ "$(knobs)" = "100 20" ] || fail "knobs not restored after take-over: $(knobs)"

fake_ksm
log "dry run writes nothing"
start_pd --dry-run
grep -q '(dry run) pages_to_scan 100 ->' "$PD_LOG" || fail "dry run did not log its decision: $(cat "$PD_LOG")"
[ "$(knobs)" = "100 20" ] || fail "dry run wrote: $(knobs)"
[ ! -e "$STATE" ] || fail "dry run wrote a state file"
stop_pd INT

log "SIGTERM restores; the state file records the originals meanwhile"
start_pd
[ "$(knobs)" != "100 20" ] || fail "the start boost wrote nothing: $(cat "$PD_LOG")"
grep -q '^knob pages_to_scan 100 ' "$STATE" || fail "state file: $(cat "$STATE")"
expect_err 1 "another ksm-policyd is running"
stop_pd TERM
[ "$(knobs)" = "100 20" ] || fail "not restored after SIGTERM: $(knobs)"
[ ! -e "$STATE" ] || fail "state file left after a clean exit"

log "SIGKILL: the next start restores first"
start_pd
boosted=$(knobs)
stop_pd KILL 137
[ "$(knobs)" = "$boosted" ] || fail "knobs moved after SIGKILL"
[ -s "$STATE" ] || fail "no state file after SIGKILL"
start_pd
grep -q 'did not exit cleanly' "$PD_LOG" || fail "no recovery message: $(cat "$PD_LOG")"
stop_pd TERM
[ "$(knobs)" = "100 20" ] || fail "not restored after SIGKILL + restart: $(knobs)"
# Killed after recording a write but before making it: the knob still
# holds the write before, which is ours too.
echo 1250 >"$FAKE/pages_to_scan"
echo 10 >"$FAKE/sleep_millisecs"
printf 'pid 1\nknob sleep_millisecs 20 10 -\nknob pages_to_scan 100 5000 1250\nend\n' >"$STATE"
start_pd
grep -q 'restored pages_to_scan 1250 -> 100' "$PD_LOG" || fail "the write before the last not restored: $(cat "$PD_LOG")"
stop_pd TERM
[ "$(knobs)" = "100 20" ] || fail "not restored from a write-ahead record: $(knobs)"
# Recovery alone, with a bad file in the way: refused, file kept.
echo "not a state file" >"$STATE"
expect_err 1 "not a ksm-policyd state file"
grep -q "not a state file" "$STATE" || fail "a foreign state file was overwritten"
rm -f "$STATE"

log "a foreign writer: hands off, and its value survives our exit"
start_pd -s holdoff_ms=60000 -s interval_ms=100 -s watch_ms=0
# Atomically, as a real sysfs write is: `echo >` truncates first, and a
# read between the truncate and the write sees "" (seen in CI).
echo 333 >"$FAKE/.pages_to_scan" && mv "$FAKE/.pages_to_scan" "$FAKE/pages_to_scan"
wait_line "$PD_LOG" 5 'set by someone else.*hands off' >/dev/null ||
	fail "foreign write not noticed: $(cat "$PD_LOG")"
sleep 0.5
[ "$(cat "$FAKE/pages_to_scan")" = 333 ] || fail "fought the foreign writer"
stop_pd TERM
[ "$(cat "$FAKE/pages_to_scan")" = 333 ] || fail "restore overwrote the foreign value"
[ "$(cat "$FAKE/sleep_millisecs")" = 20 ] || fail "sleep_millisecs not restored"
grep -q 'pages_to_scan is 333.*left as is' "$PD_LOG" || fail "no 'left as is': $(cat "$PD_LOG")"

fake_ksm
log "SIGHUP reload: a good file applies, a bad one keeps the settings"
printf 'cpu_budget_pct = 30\n' >"$TMP/good.conf"
start_pd -c "$TMP/good.conf"
printf 'cpu_budget_pct = 12\n' >"$TMP/good.conf"
kill -HUP "$PD_PID"
wait_line "$PD_LOG" 5 'reload: settings from .*good.conf applied \(budget 12.0%' >/dev/null ||
	fail "reload not applied: $(cat "$PD_LOG")"
printf 'cpu_budget_pct = lots\n' >"$TMP/good.conf"
kill -HUP "$PD_PID"
wait_line "$PD_LOG" 5 "reload: .*good.conf:1: .*keeping the running settings" >/dev/null ||
	fail "bad reload not reported: $(cat "$PD_LOG")"
kill -0 "$PD_PID" || fail "died on a bad reload"
stop_pd TERM

log "Prometheus textfile: atomic, removed at exit"
start_pd --metrics-file "$TMP/ksm_policyd.prom" -s interval_ms=100
wait_line "$TMP/ksm_policyd.prom" 5 '^ksm_policyd_ticks_total [1-9]' >/dev/null ||
	fail "no metrics: $(cat "$TMP/ksm_policyd.prom" 2>&1)"
grep -q '^ksm_policyd_phase{phase="boost"} 1$' "$TMP/ksm_policyd.prom" || fail "no phase"
grep -qEv '^(#|ksm_policyd_)' "$TMP/ksm_policyd.prom" && fail "a metric without the prefix"
stop_pd TERM
[ ! -e "$TMP/ksm_policyd.prom" ] || fail "stale metrics left after exit"

log "sd_notify: READY, STATUS, WATCHDOG, STOPPING"
python3 - "$TMP/notify.sock" "$TMP/notify.log" <<'EOF' &
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
s.settimeout(20)
with open(sys.argv[2], "w", buffering=1) as out:
    try:
        while True:
            msg = s.recv(4096).decode()
            out.write(msg + "\n")
            if msg.startswith("STOPPING"):
                break
    except socket.timeout:
        pass
EOF
_pids+=($!)
listener=$!
for _ in $(seq 50); do [ -S "$TMP/notify.sock" ] && break; sleep 0.1; done
NOTIFY_SOCKET=$TMP/notify.sock WATCHDOG_USEC=2000000 start_pd -s interval_ms=100
sleep 0.5
stop_pd TERM
wait "$listener" || fail "the sd_notify listener exited $?"
forget_pid "$listener"
for m in READY=1 'STATUS=boost: ' WATCHDOG=1 STOPPING=1; do
	grep -q "^$m" "$TMP/notify.log" || fail "no $m sent: $(cat "$TMP/notify.log")"
done

log "manage_run: run=1 under memory pressure, run=0 without; restored at exit"
fake_ksm
echo 0 >"$FAKE/run"
# MemAvailable is always below a 1 PiB floor: pressure.
start_pd -s manage_run=yes -s mem_low_mib=1000000000
wait_line "$PD_LOG" 5 'run 0 -> 1: memory pressure' >/dev/null || fail "KSM not started: $(cat "$PD_LOG")"
[ "$(cat "$FAKE/run")" = 1 ] || fail "run is $(cat "$FAKE/run")"
stop_pd TERM
[ "$(cat "$FAKE/run")" = 0 ] || fail "run not restored to 0"
echo 1 >"$FAKE/run"
start_pd -s manage_run=yes -s psi_high=100 -s psi_low=100
wait_line "$PD_LOG" 5 'run 1 -> 0: no memory pressure' >/dev/null || fail "KSM not stopped: $(cat "$PD_LOG")"
stop_pd TERM
[ "$(cat "$FAKE/run")" = 1 ] || fail "run not restored to 1"

log "file modes under umask 000: state 0600, metrics 0644"
# A stale state file another version left world-writable is tightened too.
: >"$STATE"
chmod 0666 "$STATE"
old_umask=$(umask)
umask 000
start_pd --metrics-file "$TMP/modes.prom" -s interval_ms=100
umask "$old_umask"
wait_line "$TMP/modes.prom" 5 '^ksm_policyd_ticks_total' >/dev/null || fail "no metrics file"
[ "$(stat -c %a "$STATE")" = 600 ] || fail "state file mode $(stat -c %a "$STATE"), want 600"
[ "$(stat -c %a "$TMP/modes.prom")" = 644 ] ||
	fail "metrics file mode $(stat -c %a "$TMP/modes.prom"), want 644"
stop_pd TERM

log "--once: one decision printed, written, nothing to restore"
out=$(pd --once -s interval_ms=100 2>"$TMP/once.err") || fail "--once failed: $(cat "$TMP/once.err")"
grep -q '^pages_to_scan=[0-9]* sleep_millisecs=[0-9]* phase=boost' <<<"$out" || fail "--once printed '$out'"
[ "$(cat "$FAKE/pages_to_scan")" = "$(field pages_to_scan "$out")" ] || fail "--once did not write"
[ ! -e "$STATE" ] || fail "--once left a state file"
log "ok"
