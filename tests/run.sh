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

# Guests that share a list (run_vm) take these first, longest first, so
# that no guest starts a long test when the others are nearly done.
SLOW_FIRST="kselftests stress_ng policyd_pressure ksm_top misbehaving ksm_top_hostile domains skip_budget"

run_scripts() {	# dir tier
	local t name rc log t0 took list=() s
	if [ -n "${TEST_CLAIMS:-}" ]; then
		for s in $SLOW_FIRST; do
			[ -e "$1/$s.sh" ] && list+=("$1/$s.sh")
		done
	fi
	for t in "$1"/*.sh; do
		[[ " ${list[*]} " == *" $t "* ]] || list+=("$t")
	done
	for t in "${list[@]}"; do
		[ -e "$t" ] || continue
		selected "$(basename "$t" .sh)" || continue
		# The sanitizer tier skips the tests of the kernel series,
		# vmtest.sh and `make install`: they exercise none of our C.
		case $PREFIX$(basename "$t" .sh) in
		san/kernel_patches | san/vmtest_build | san/policyd_service) continue ;;
		esac
		# Guests side by side (run_vm) walk the same list: the first to
		# claim a test runs it (mkdir is atomic on the shared directory).
		if [ -n "${TEST_CLAIMS:-}" ]; then
			mkdir "$TEST_CLAIMS/$2-$(basename "$t" .sh)" 2>/dev/null || continue
		fi
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
# Each guest has two vCPUs; VM_SHARDS guests (default: one per
# host CPU, at most 4) run side by side, each claiming the next test from
# one list in a directory they all mount writable (vmtest.sh -w), where
# each also leaves its tests' logs ($LOGS/vm/logs-N).
# VM_DEBUG=1: on the debug kernel (make check-debug).
run_vm() {
	local n=${VM_SHARDS:-$(nproc)} i shared line rc before
	local args=(-t "${VM_TIMEOUT:-2400}") pids=() rcs=()
	[ -n "${VM_DEBUG:-}" ] && args=(--debug -t "${VM_TIMEOUT:-10800}")
	[[ $n =~ ^[1-9][0-9]*$ ]] || n=1
	((n > 4)) && n=4
	((${#names[@]} > 0 && n > ${#names[@]})) && n=${#names[@]}
	# Build (or find) the kernel once, before the guests start.
	if ! ./vmtest.sh "${args[@]}" -b >"$LOGS/vm-kernel.log" 2>&1; then
		report fail vm "kernel build failed, log: $LOGS/vm-kernel.log"
		tail -n 15 "$LOGS/vm-kernel.log" | sed 's/^/    | /'
		return
	fi
	shared=$(cd "$LOGS" && pwd)/vm
	rm -rf "$shared"
	mkdir -p "$shared/claims"
	for ((i = 1; i <= n; i++)); do
		./vmtest.sh "${args[@]}" -o "$BUILD/vmtest-$i" -w "$shared" -- \
			env TEST_CLAIMS="$shared/claims" TEST_LOGS="$shared/logs-$i" \
			tests/vm/run.sh ${names[@]+"${names[@]}"} >"$LOGS/vm-$i.log" 2>&1 &
		pids+=($!)
	done
	for ((i = 1; i <= n; i++)); do
		rc=0
		wait "${pids[i - 1]}" || rc=$?
		rcs+=("$rc")
	done
	for ((i = 1; i <= n; i++)); do
		before=$fail
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
		done <"$LOGS/vm-$i.log"
		rc=${rcs[i - 1]}
		if [ "$rc" -ne 0 ] && [ "$fail" -eq "$before" ]; then
			report fail "vm-$i" "vmtest.sh exited $rc, log: $LOGS/vm-$i.log"
			# No such line is fine; awk reads to the end (no SIGPIPE).
			awk '/vmtest.sh:|splat|BUG:|WARNING:/ && ++k <= 20 { print "    | " $0 }' "$LOGS/vm-$i.log"
		fi
	done
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
