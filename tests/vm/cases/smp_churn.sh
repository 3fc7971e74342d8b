#!/bin/bash
# The series' locking on two CPUs: while ksmd scans on one vCPU, the other
# attaches and detaches policies (tenants, skip_all, passthrough, yield and
# none, each through ksm-loader), moves a process between merge domains,
# forks and exits children of the merged probes, breaks and restores
# copy-on-write, and mprotect()s/mmap()s in them, for ROUNDS rounds.  Then
# tenants is attached again with every probe back in its own cgroup, and
# the ground truth must be as if nothing had happened: each tenant's pages
# in frames shared within it and none across (pagemap), every probe's
# content intact, and KSM's counters equal to the processes'.  lockdep,
# DEBUG_VM and vmtest.sh's splat check watch the console.
set -euo pipefail
. "$(dirname "$0")/../../lib/host.sh"
. "$(dirname "$0")/../../lib/vm.sh"
require_ksm_ext
[ "$(nproc)" -ge 2 ] || skip "one CPU: nothing runs beside ksmd"
N=256 ROUNDS=${KSM_EXT_SMP_ROUNDS:-10}
tenants_setup smp 2000

# Every probe named has all N pages in frames shared with the others
# named, within $1 seconds; else what each has (count, domain, ksm_stat).
wait_merged_with() {
	local end=$((SECONDS + $1)) p ok
	shift
	while ((SECONDS < end)); do
		ok=1
		for p in "$@"; do
			[ "$(field shared "$(mp "$p" count)")" -eq $N ] || { ok=0; break; }
		done
		[ $ok = 1 ] && [ "$(frames "$@" | wc -l)" -eq $N ] && return 0
		sleep 0.5
	done
	for p in "$@"; do
		echo "$p (pid ${MP_PID[$p]}): $(mp "$p" count), $(frames "$p" | wc -l) frames," \
			"$(tr '\n' ' ' </proc/"${MP_PID[$p]}"/ksm_stat)" >&2
	done
	echo "frames of $*: $(frames "$@" | wc -l)" >&2
	return 1
}

mp_start a1 "$A" $N
mp_start a2 "$A" $N
mp_start b1 "$B" $N
mp_start b2 "$B" $N
for p in a1 a2 b1 b2; do mp $p fill 7 >/dev/null; done
policies=(tenants skip_all passthrough yield none)
for ((r = 0; r < ROUNDS; r++)); do
	"$BIN/ksm-loader" policy unload >/dev/null 2>&1 || true
	pol=${policies[r % ${#policies[@]}]}
	[ "$pol" = none ] ||
		"$BIN/ksm-loader" policy load "$pol" >/dev/null || fail "round $r: ksm-loader policy load $pol failed"
	# b2 visits tenant A and comes back: a domain move each way under
	# tenants, a plain cgroup move under the others.
	echo "${MP_PID[b2]}" >"$A/cgroup.procs"
	# On the other CPU while ksmd scans: forks whose children rewrite
	# their copy (they exit with the probe), COW breaks and repairs,
	# mmap_lock writers in two processes at once.
	mp a1 spawn 2 >/dev/null
	mp b1 cow $((N / 2)) >/dev/null
	mp a2 lat 200 >/dev/null &
	lat_pid=$!
	mp b2 lat 200 >/dev/null
	wait "$lat_pid"
	mp b1 fill 7 >/dev/null
	echo "${MP_PID[b2]}" >"$B/cgroup.procs"
	sleep 0.$((RANDOM % 9 + 1))
done
"$BIN/ksm-loader" policy unload >/dev/null 2>&1 || true
"$BIN/ksm-loader" policy load tenants >/dev/null || fail "ksm-loader policy load tenants failed"
log "$ROUNDS rounds of policy swaps, domain moves, forks, COW and mprotect beside ksmd"

wait_merged_with 120 a1 a2 || fail "tenant A's probes never merged again ($(ksm_state))"
wait_merged_with 120 b1 b2 || fail "tenant B's probes never merged again ($(ksm_state))"
x=$(common "a1 a2" "b1 b2")
[ "$x" -eq 0 ] || fail "$x frames shared across tenants after the churn"
for p in a1 a2 b1 b2; do
	[ "$(field bad "$(mp $p verify)")" -eq 0 ] || fail "$p holds wrong data after the churn"
done
c=$(ksm_counts_vs_procs)
[ "${c% *}" -eq "${c#* }" ] ||
	fail "pages_shared+pages_sharing ${c% *}, processes' ksm_merging_pages ${c#* }"
log "after the churn: tenants isolated, contents intact, KSM counts $c (KSM, processes) agree"
for p in a1 a2 b1 b2; do mp_stop $p; done
echo ok
