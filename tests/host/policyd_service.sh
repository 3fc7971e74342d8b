#!/bin/bash
# The service as shipped: `make install` into a staging root lays out the
# binary, unit, settings and man page; systemd accepts the unit (verify)
# and rates its hardening OK; the unit's command line starts the daemon.
set -euo pipefail
cd "$(dirname "$0")/../.."
. tests/lib/host.sh
command -v systemd-analyze >/dev/null || skip "systemd-analyze not installed"
[ -w . ] || skip "the repository is read-only here (the VM guest): make install needs it"
ROOT=$TMP/root
make -s install DESTDIR="$ROOT" >"$TMP/install.log" 2>&1 || fail "make install: $(cat "$TMP/install.log")"
for f in usr/local/sbin/ksm-policyd usr/local/sbin/ksm-loader usr/local/bin/ksm-top \
	 etc/systemd/system/ksm-policyd.service etc/ksm-policyd.conf \
	 usr/local/share/man/man8/ksm-policyd.8; do
	[ -e "$ROOT/$f" ] || fail "make install did not install /$f"
done
# An operator's settings survive a reinstall.
echo "cpu_budget_pct = 20" >"$ROOT/etc/ksm-policyd.conf"
make -s install DESTDIR="$ROOT" >/dev/null 2>&1 || fail "second make install"
grep -q "cpu_budget_pct = 20" "$ROOT/etc/ksm-policyd.conf" || fail "make install overwrote the settings"

unit=$ROOT/etc/systemd/system/ksm-policyd.service
# verify runs ExecStart's binary check and man: point both at the staging root.
sed "s|/usr/local/sbin/|$ROOT/usr/local/sbin/|" "$unit" >"$TMP/ksm-policyd.service"
out=$(MANPATH=$ROOT/usr/local/share/man systemd-analyze verify "$TMP/ksm-policyd.service" 2>&1) ||
	fail "systemd-analyze verify: $out"
# Its exit status is not the verdict: the level it prints is (checked below).
level=$(systemd-analyze security --offline=true "$TMP/ksm-policyd.service" 2>/dev/null |
	sed -n 's/.*Overall exposure level for .*: \([0-9.]*\) .*/\1/p') || true
log "systemd exposure level: $level"
[ -n "$level" ] || fail "no exposure level from systemd-analyze security"
awk -v l="$level" 'BEGIN { exit !(l <= 3.0) }' || fail "exposure level $level (want <= 3.0, 'OK')"
grep -q '^Type=notify$' "$unit" || fail "not Type=notify"
grep -q '^WatchdogSec=' "$unit" || fail "no watchdog"

# ExecStart, as systemd would run it, against a fake KSM: starts, exits 0.
exec_start=$(sed -n 's/^ExecStart=//p' "$unit")
mkdir -p "$TMP/ksm" && for k in run pages_sharing pages_shared pages_unshared pages_volatile full_scans \
	stable_node_chains stable_node_dups; do
	echo 0 >"$TMP/ksm/$k"; done
echo 100 >"$TMP/ksm/pages_to_scan"; echo 20 >"$TMP/ksm/sleep_millisecs"
cmd=${exec_start/\/usr\/local\/sbin\//$ROOT/usr/local/sbin/}
cmd=${cmd/\/run\/ksm-policyd\/state/$TMP/state}
spawn $cmd -c "$ROOT/etc/ksm-policyd.conf" --sysfs-dir "$TMP/ksm" 2>"$TMP/pd.log"
pd=${_pids[-1]}
wait_line "$TMP/pd.log" 10 'budget 20.0%' >/dev/null || fail "ExecStart did not start: $(cat "$TMP/pd.log")"
stop_pid "$pd" || fail "exit $? on SIGTERM"
log "ok"
