#!/bin/bash
# Run every test tier and end with one line "N passed, N failed, N skipped".
#
#   unit  Criterion, no root, no KSM              build/tests/unit
#   host  root + a KSM kernel with tracepoints    tests/host/*.sh
#   vm    the 6.12 kernel under qemu (vmtest.sh)  tests/vm/run.sh, which
#         runs the host tier and the guest tier (tests/vm/cases/*.sh) inside
#
# A host test exits 0 (pass), 77 (skip: it prints the reason last) or
# anything else (fail).  Logs: build/test-logs/ (TEST_LOGS overrides).
# Usage: tests/run.sh [unit|host|guest|vm]... [NAME]...
#   (default tiers: unit host vm); a NAME (e.g. misbehaving) runs only the
#   host and guest tests of that name, the vm tier passing it on.
# A failing test is counted, never fatal: every status below is caught.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
LOGS=${TEST_LOGS:-$BUILD/test-logs}
HOST_TIMEOUT=${HOST_TIMEOUT:-600}
# A read-only repository: a directory of our own under $TMPDIR (a fixed
# name in /tmp is one another user could have put a symlink at).
{ mkdir -p "$LOGS" && [ -w "$LOGS" ]; } 2>/dev/null ||
	LOGS=$(mktemp -d "${TMPDIR:-/tmp}/ksm-ext-test-logs.XXXXXX")
pass=0 fail=0 skip=0

report() {	# status name [reason]
	case $1 in
	pass) pass=$((pass + 1)); printf 'PASS  %s\n' "$2" ;;
	skip) skip=$((skip + 1)); printf 'SKIP  %s: %s\n' "$2" "$3" ;;
	*)    fail=$((fail + 1)); printf 'FAIL  %s%s\n' "$2" "${3:+: $3}" ;;
	esac
}

run_unit() {
	local tap=$LOGS/unit.tap line
	if [ ! -x "$BUILD/tests/unit" ]; then
		report fail unit "$BUILD/tests/unit not built (run 'make')"
		return
	fi
	rm -f "$tap"
	# Failures show in the TAP and the summary below: not an error here.
	"$BUILD/tests/unit" --tap="$tap" >"$LOGS/unit.log" 2>&1 || true
	[ -f "$tap" ] || : >"$tap"	# a crash before any TAP: the summary says
	# TAP: "ok N - suite::test ..." / "not ok N - ..." / "... # SKIP ..."
	while IFS= read -r line; do
		case $line in
		"not ok "*) report fail "unit/$(tap_name "$line")" ;;
		"ok "*"# SKIP"*) report skip "unit/$(tap_name "$line")" "${line##*# SKIP}" ;;
		"ok "*) report pass "unit/$(tap_name "$line")" ;;
		esac
	done <"$tap"
	# A crash can leave no TAP line for its test; the summary still counts it.
	if ! grep -q 'Crashing: 0' "$LOGS/unit.log" || ! grep -q 'Failing: 0' "$LOGS/unit.log"; then
		grep -q '^not ok' "$tap" || report fail unit "see $LOGS/unit.log"
	fi
}

tap_name() {
	local s=${1#*- }
	echo "${s%% *}"
}

run_scripts() {	# dir tier
	local t name rc log
	for t in "$1"/*.sh; do
		[ -e "$t" ] || continue
		selected "$(basename "$t" .sh)" || continue
		name=$2/$(basename "$t" .sh)
		log=$LOGS/$2-$(basename "$t" .sh).log
		rc=0
		BUILD=$BUILD timeout -k 10 "$HOST_TIMEOUT" bash "$t" >"$log" 2>&1 || rc=$?
		case $rc in
		0) report pass "$name" ;;
		77) report skip "$name" "$(tail -n 1 "$log")" ;;
		124) report fail "$name" "timed out after ${HOST_TIMEOUT}s, log: $log" ;;
		*) report fail "$name" "exit $rc, log: $log"; sed 's/^/    | /' "$log" | tail -n 25 ;;
		esac
	done
}

# The VM suite prints the same PASS/SKIP/FAIL lines; count them as vm/...
run_vm() {
	local log=$LOGS/vm.log rc=0 line before=$fail
	# The suite takes about 20 minutes under TCG; 40 leaves room on a slow host.
	./vmtest.sh -t 2400 -- tests/vm/run.sh ${names[@]+"${names[@]}"} >"$log" 2>&1 || rc=$?
	while IFS= read -r line; do
		line=${line%$'\r'}
		case $line in
		"PASS  "*) report pass "vm/${line#PASS  }" ;;
		"SKIP  "*) line=${line#SKIP  }; report skip "vm/${line%%: *}" "${line#*: }" ;;
		"FAIL  "*) report fail "vm/${line#FAIL  }" ;;
		"    | "*) echo "$line" ;;
		esac
	done <"$log"
	if [ "$rc" -ne 0 ] && [ "$fail" -eq "$before" ]; then
		report fail vm "vmtest.sh exited $rc, log: $log"
		# No such line is fine; awk reads to the end (no SIGPIPE).
		awk '/vmtest.sh:|splat|BUG:|WARNING:/ && ++n <= 20 { print "    | " $0 }' "$log"
	fi
}

selected() {	# name: whether the command line asks for it
	local n
	[ ${#names[@]} -eq 0 ] && return 0
	for n in "${names[@]}"; do
		[ "$n" = "$1" ] && return 0
	done
	return 1
}

tiers=() names=()
for arg; do
	case $arg in
	unit | host | guest | vm) tiers+=("$arg") ;;
	*)
		[ -f "tests/host/$arg.sh" ] || [ -f "tests/vm/cases/$arg.sh" ] || {
			echo "tests/run.sh: no tier or test '$arg' (tiers: unit, host, guest, vm; tests: tests/host/, tests/vm/cases/)" >&2
			exit 2
		}
		names+=("$arg") ;;
	esac
done
[ ${#tiers[@]} -gt 0 ] || tiers=(unit host vm)
for tier in "${tiers[@]}"; do
	case $tier in
	unit) [ ${#names[@]} -eq 0 ] && run_unit ;;
	host) run_scripts tests/host host ;;
	guest) run_scripts tests/vm/cases guest ;;
	vm) run_vm ;;
	esac
done
echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
