#!/bin/bash
# Run every test tier and end with one line "N passed, N failed, N skipped".
#
#   unit  Criterion, no root, no KSM              build/tests/unit
#   fuzz  each libFuzzer target, FUZZ_SMOKE_SECONDS (5) build/fuzz/fuzz_*
#   san   unit + host again, built with ASan+UBSan  build/san/; any
#         sanitizer report fails it
#   host  root + a KSM kernel with tracepoints    tests/host/*.sh
#   vm    the 6.12 kernel under qemu (vmtest.sh)  tests/vm/run.sh, which
#         runs the host tier and the guest tier (tests/vm/cases/*.sh) inside
#
# A host test exits 0 (pass), 77 (skip: it prints the reason last) or
# anything else (fail).  Logs: build/test-logs/ (TEST_LOGS overrides).
# Usage: tests/run.sh [unit|fuzz|san|host|guest|vm]... [NAME]...
#   (default tiers: unit fuzz san host vm); a NAME (e.g. misbehaving) runs only the
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

PREFIX=	# before every test's name: "san/" in the sanitizer tier
TOOK=	# " (N s)" after a script's PASS: where CI's time goes
report() {	# status name [reason]
	case $1 in
	pass) pass=$((pass + 1)); printf 'PASS  %s%s\n' "$PREFIX$2" "$TOOK" ;;
	skip) skip=$((skip + 1)); printf 'SKIP  %s: %s\n' "$PREFIX$2" "$3" ;;
	*)    fail=$((fail + 1)); printf 'FAIL  %s%s\n' "$PREFIX$2" "${3:+: $3}" ;;
	esac
}

run_unit() {
	local tap=$LOGS/unit.tap line
	if [ ! -x "$BUILD/tests/unit" ]; then
		report fail unit "$BUILD/tests/unit not built (run 'make tests')"
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
	local t name rc log t0 took
	for t in "$1"/*.sh; do
		[ -e "$t" ] || continue
		selected "$(basename "$t" .sh)" || continue
		# The sanitizer tier skips the tests of the kernel series,
		# vmtest.sh and `make install`: they exercise none of our C.
		case $PREFIX$(basename "$t" .sh) in
		san/kernel_patches | san/vmtest_build | san/policyd_service) continue ;;
		esac
		name=$2/$(basename "$t" .sh)
		log=$LOGS/$2-$(basename "$t" .sh).log
		rc=0 t0=$SECONDS
		BUILD=$BUILD timeout -k 10 "$HOST_TIMEOUT" bash "$t" >"$log" 2>&1 || rc=$?
		took=$((SECONDS - t0))
		TOOK=" ($took s)"
		case $rc in
		0) report pass "$name" ;;
		77) report skip "$name" "$(tail -n 1 "$log")" ;;
		124) report fail "$name" "timed out after ${HOST_TIMEOUT}s, log: $log" ;;
		*) report fail "$name" "exit $rc after $took s, log: $log"; sed 's/^/    | /' "$log" | tail -n 25 ;;
		esac
		TOOK=
	done
}

# A few seconds of each fuzz target: replays tests/fuzz/corpus and tries
# new inputs (make fuzz runs them longer).
run_fuzz() {
	local f n=0
	for f in "$BUILD"/fuzz/fuzz_*; do
		[ -f "$f" ] && [ -x "$f" ] || continue
		n=$((n + 1))
		if tests/fuzz/run.sh "${FUZZ_SMOKE_SECONDS:-5}" "$f" >"$LOGS/fuzz-${f##*/}.log" 2>&1; then
			report pass "fuzz/${f##*/}"
		else
			report fail "fuzz/${f##*/}" "log: $LOGS/fuzz-${f##*/}.log"
			sed 's/^/    | /' "$LOGS/fuzz-${f##*/}.log" | tail -n 8
		fi
	done
	[ "$n" -gt 0 ] || report fail fuzz "no targets in $BUILD/fuzz (run 'make fuzzers')"
}

# The unit and host tiers on the sanitizer build.  Reports go to files, so
# one cannot hide behind a test that does not check an exit status.
run_san() {
	local dir=$LOGS/san f
	if [ ! -x "$BUILD/san/tests/unit" ]; then
		report fail san "$BUILD/san not built (make check builds it)"
		return
	fi
	rm -rf "$dir"
	mkdir -p "$dir"
	chmod 1777 "$dir"	# a test may run a program as another user
	ASAN_OPTIONS=log_path=$dir/asan:detect_leaks=1 \
	UBSAN_OPTIONS=log_path=$dir/ubsan:print_stacktrace=1:halt_on_error=1 \
	LOGS=$LOGS/san BUILD=$BUILD/san PREFIX=san/ run_san_tiers
	for f in "$dir"/asan.* "$dir"/ubsan.*; do
		[ -e "$f" ] || continue
		report fail san "sanitizer report $f"
		awk 'NR <= 15 { print "    | " $0 }' "$f"
	done
}

run_san_tiers() {
	export ASAN_OPTIONS UBSAN_OPTIONS
	if [ ${#names[@]} -eq 0 ]; then
		run_unit
	fi
	run_scripts tests/host host
}

# The VM suite prints the same PASS/SKIP/FAIL lines; count them as vm/...
run_vm() {
	local log=$LOGS/vm.log rc=0 line before=$fail
	# The suite takes about 20 minutes under TCG; 40 leaves room on a slow host.
	./vmtest.sh -t 2400 -- tests/vm/run.sh ${names[@]+"${names[@]}"} >"$log" 2>&1 || rc=$?
	while IFS= read -r line; do
		line=${line%$'\r'}
		case $line in
		"PASS  "*)
			line=${line#PASS  }
			[[ $line =~ ^(.*)(\ \([0-9]+\ s\))$ ]] && line=${BASH_REMATCH[1]} TOOK=${BASH_REMATCH[2]}
			report pass "vm/$line"
			TOOK= ;;
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
	unit | fuzz | san | host | guest | vm) tiers+=("$arg") ;;
	*)
		[ -f "tests/host/$arg.sh" ] || [ -f "tests/vm/cases/$arg.sh" ] || {
			echo "tests/run.sh: no tier or test '$arg' (tiers: unit, fuzz, san, host, guest, vm; tests: tests/host/, tests/vm/cases/)" >&2
			exit 2
		}
		names+=("$arg") ;;
	esac
done
[ ${#tiers[@]} -gt 0 ] || tiers=(unit fuzz san host vm)
for tier in "${tiers[@]}"; do
	t0=$SECONDS
	case $tier in
	unit) [ ${#names[@]} -eq 0 ] && run_unit ;;
	fuzz) [ ${#names[@]} -eq 0 ] && run_fuzz ;;
	san) run_san ;;
	host) run_scripts tests/host host ;;
	guest) run_scripts tests/vm/cases guest ;;
	vm) run_vm ;;
	esac
	echo "----  tier $tier: $((SECONDS - t0)) s"
done
echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
