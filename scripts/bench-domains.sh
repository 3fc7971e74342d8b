#!/bin/bash
# What merge domains (the tenants policy) cost, side by side in one run on
# one kernel, in the VM (make bench-domains).
#
# 1. Memory saved.  Two tenants (cgroups), each TPROCS processes of
#    ksm-workload x MIB with the same seed: the duplicate and zero pages are
#    the same content in both tenants, the rest differs.  Merged to a steady
#    state with no policy (everyone in one domain) and with tenants (one
#    domain per tenant): pages_shared, pages_sharing, MiB saved
#    (pages_sharing x 4 KiB), and by ground truth (/proc/PID/pagemap and
#    /proc/kpagecount) the frames the processes map more than once, the
#    pages mapping them, and the frames both tenants map.
# 2. ksmd CPU per page scanned with 1, 16 and 255 active domains.  One
#    workload of DPROCS processes (1 MiB each), spread round-robin over N
#    cgroups with tenants attached (N = 1: every process in one non-root
#    domain), and with no policy (domain 0) as the baseline.  Each
#    configuration settles SETTLE full scans after its move (the moved
#    processes unmerge and merge again in their new domain), then
#    STEADY_SCANS are measured: ksmd's CPU (schedstat) over pages_scanned.
#    ROUNDS rounds, order reversed every other round.  tenants scans with
#    idle_scans=1000 here, so every configuration compares every page
#    (yield's backoff would otherwise make the figure about yield).
# Prints markdown tables, as bench-policies.sh does.
set -euo pipefail
cd "$(dirname "$0")/.."
. tests/lib/host.sh
. tests/lib/vm.sh
require_ksm_ext
[ -f "$POLICIES/tenants.bpf.o" ] || skip "tenants not built (make vm)"
CG=/sys/fs/cgroup
[ -w $CG/cgroup.procs ] || skip "no cgroup v2 at $CG"
. scripts/lib/bench.sh

TPROCS=${TPROCS:-4} MIB=${MIB:-8}
# 255: KSM_EXT_DOMAINS (256) counts domain 0, which the root cgroup keeps.
DPROCS=${DPROCS:-255} DOMAINS=${DOMAINS:-"1 16 255"}
PAGES=${PAGES:-4000} SLEEP=${SLEEP:-10}
SETTLE=${SETTLE:-6} STEADY_SCANS=${STEADY_SCANS:-6} ROUNDS=${ROUNDS:-2}
TIMEOUT=${TIMEOUT:-300}

ksm_prepare
ksm_set smart_scan 0	# every page, every scan: the same work in each configuration
PREFIX=$CG/ksm-bench-$$
mkdir "$PREFIX-a" "$PREFIX-b"
_rm_cgroups() {
	local d
	for d in "$PREFIX"-*; do
		[ -d "$d" ] || continue
		# Processes still in it go back to the root first.
		while read -r p; do echo "$p" >$CG/cgroup.procs 2>/dev/null || true; done <"$d/cgroup.procs"
		rmdir "$d" 2>/dev/null || true
	done
}
at_exit _rm_cgroups
_unload() { "$BIN/ksm-loader" policy unload >/dev/null 2>&1 || true; }
at_exit _unload

# Until pages_sharing has not moved for 3 full scans: merged as far as it
# will go.
until_steady() {
	local last=-1 same=0 f
	while ((same < 3)); do
		f=$(rd full_scans)
		until_scans $((f + 1))
		if [ "$(rd pages_sharing)" -eq "$last" ]; then
			same=$((same + 1))
		else
			same=0 last=$(rd pages_sharing)
		fi
	done
}

move() {	# cgroup pid...
	local p
	for p in "${@:2}"; do echo "$p" >"$1/cgroup.procs"; done
}

# Every configuration starts from nothing: all unmerged, every mm
# forgotten, KSM stopped at this benchmark's speed.
ksm_from_nothing() {
	ksm_clean 0
	ksm_set pages_to_scan "$PAGES"
	ksm_set sleep_millisecs "$SLEEP"
}

# --- 1. memory saved -------------------------------------------------------

declare -A R
saved_run() {	# none|tenants
	local a b pa pb f
	ksm_from_nothing
	[ "$1" = tenants ] && { "$BIN/ksm-loader" policy load tenants >/dev/null || fail "load tenants"; }
	start_workload -p "$TPROCS" -m "$MIB" --seed 11 -r 0 --first-proc 0
	a=$WL_PID pa=$WL_PIDS
	move "$PREFIX-a" $pa
	local out_a=$WL_OUT
	start_workload -p "$TPROCS" -m "$MIB" --seed 11 -r 0 --first-proc "$TPROCS"
	b=$WL_PID pb=$WL_PIDS
	move "$PREFIX-b" $pb
	ksm_set run 1
	until_steady
	R[$1,shared]=$(rd pages_shared) R[$1,sharing]=$(rd pages_sharing)
	f=$(pagemap_frames $pa $pb)
	R[$1,frames]=${f% *} R[$1,mapped]=${f#* }
	R[$1,cross]=$(cross_frames "$pa" "$pb")
	log "$1: shared ${R[$1,shared]} sharing ${R[$1,sharing]} frames ${R[$1,frames]} mapped ${R[$1,mapped]} cross ${R[$1,cross]}"
	stop_workload
	WL_PID=$a WL_OUT=$out_a
	stop_workload
	[ "$1" = tenants ] && { "$BIN/ksm-loader" policy unload >/dev/null || fail "unload tenants"; }
	return 0
}

# Shared frames of PIDs (pagemap + kpagecount): "DISTINCT MAPPED".
pagemap_frames() {
	local p
	for p in "$@"; do shared_pfns "$p"; done | sort -n | uniq -c |
		awk '{ n++; m += $1 } END { printf "%d %d\n", n, m }'
}

# Frames mapped by both tenants' processes: 0 means isolated.
cross_frames() {	# "pids of a" "pids of b"
	local p
	comm -12 <(for p in $1; do shared_pfns "$p"; done | sort -u) \
		<(for p in $2; do shared_pfns "$p"; done | sort -u) | wc -l
}

# The frames a process maps that are mapped more than once (KSM merged
# them: the workload's processes share nothing else), one per page.
shared_pfns() {
	python3 - "$1" <<'PY'
import struct, sys
pid = sys.argv[1]
with open(f"/proc/{pid}/maps") as maps, open(f"/proc/{pid}/pagemap", "rb") as pm, \
     open("/proc/kpagecount", "rb") as kc:
    for line in maps:
        f = line.split()
        if len(f) > 5 or "rw" not in f[1]:
            continue	# named mappings and read-only areas hold no workload pages
        lo, hi = (int(x, 16) for x in f[0].split("-"))
        pm.seek(lo // 4096 * 8)
        data = pm.read((hi - lo) // 4096 * 8)
        for (e,) in struct.iter_unpack("<Q", data):
            if not e >> 63 & 1:
                continue
            pfn = e & ((1 << 55) - 1)
            kc.seek(pfn * 8)
            (count,) = struct.unpack("<Q", kc.read(8))
            if count > 1:
                print(pfn)
PY
}

# --- 2. ksmd CPU per page scanned, by number of domains -------------------

# The workload's processes spread round-robin over N cgroups (0: the root
# cgroup, with no policy).
spread() {	# n
	local i=0 p d
	for ((d = 0; d < $1; d++)); do [ -d "$PREFIX-d$d" ] || mkdir "$PREFIX-d$d"; done
	for p in $WL_PIDS; do
		if [ "$1" -eq 0 ]; then
			echo "$p" >$CG/cgroup.procs
		else
			echo "$p" >"$PREFIX-d$((i % $1))/cgroup.procs"
		fi
		i=$((i + 1))
	done
}

configure() {	# none|N
	if [ "$1" = none ]; then
		[ "$(ksm_get ext_policy)" = none ] || "$BIN/ksm-loader" policy unload >/dev/null ||
			fail "unload tenants"
		spread 0
		return
	fi
	[ "$(ksm_get ext_policy)" = tenants ] ||
		"$BIN/ksm-loader" policy load tenants --set idle_scans=1000 >/dev/null ||
		fail "load tenants"
	spread "$1"
}

domains_in_use() {	# rows of ext_domains with mms, domain 0 and "none" aside
	awk '$1 ~ /^[0-9]+$/ && $1 != 0 && $2 > 0 { n++ } END { print n + 0 }' $KSM/ext_domains
}

steady_rounds() {
	local r cfg order f0 c s key want
	ksm_from_nothing
	start_workload -p "$DPROCS" -m 1 --seed 13 -r 0
	ksm_set run 1
	# The first merge of the workload is not steady state: out of every
	# configuration's measurement (in the first published run it made
	# round 0's first configuration 35% dearer than in round 1).
	until_steady
	for ((r = 0; r < ROUNDS; r++)); do
		order="none $DOMAINS"
		((r % 2)) && order=$(tr ' ' '\n' <<<"$order" | tac | tr '\n' ' ')
		for cfg in $order; do
			key=cpu/$cfg
			configure "$cfg"
			f0=$(rd full_scans)
			until_scans $((f0 + SETTLE))
			if [ "$cfg" != none ]; then
				want=$cfg
				[ "$cfg" -gt "$DPROCS" ] && want=$DPROCS
				[ "$(domains_in_use)" -eq "$want" ] ||
					fail "$cfg domains wanted, ext_domains shows $(domains_in_use)"
			fi
			f0=$(rd full_scans) c=$(cpu_ns) s=$(rd pages_scanned)
			until_scans $((f0 + STEADY_SCANS))
			R[$key,cpu]=$((${R[$key,cpu]:-0} + $(cpu_ns) - c))
			R[$key,pages]=$((${R[$key,pages]:-0} + $(rd pages_scanned) - s))
			R[$key,sharing]=$(rd pages_sharing)
			log "$key round $r: $((R[$key,cpu] / 1000)) us over ${R[$key,pages]} pages"
		done
	done
	configure none
	stop_workload
}

PARTS=${PARTS:-"saved cpu"}
if [[ " $PARTS " == *" saved "* ]]; then
	saved_run none
	saved_run tenants
fi
[[ " $PARTS " == *" cpu "* ]] && steady_rounds

mib() { awk -v p="$1" 'BEGIN { printf "%.1f", p * 4 / 1024 }'; }
echo
echo "BENCH-DOMAINS RESULTS"
if [[ " $PARTS " == *" saved "* ]]; then
echo
echo "Two tenants x $TPROCS processes x $MIB MiB, the same seed (duplicate and zero"
echo "pages alike across tenants), merged until pages_sharing held for 3 full scans."
echo
echo "| configuration | pages_shared | pages_sharing | saved | frames mapped twice or more (pagemap) | pages on them | frames both tenants map |"
echo "|---|---|---|---|---|---|---|"
for k in none tenants; do
	echo "| $k | ${R[$k,shared]} | ${R[$k,sharing]} | $(mib "${R[$k,sharing]}") MiB | ${R[$k,frames]} | ${R[$k,mapped]} | ${R[$k,cross]} |"
done
echo
echo "tenants keeps $(awk -v a="${R[tenants,sharing]}" -v b="${R[none,sharing]}" 'BEGIN { printf "%.1f", 100 * a / b }')% of the memory no policy saves."
fi
[[ " $PARTS " == *" cpu "* ]] || exit 0
echo
echo "ksmd CPU per page scanned, $DPROCS processes x 1 MiB over N tenants (cgroups),"
echo "$ROUNDS rounds x $STEADY_SCANS full scans each, after $SETTLE to settle."
echo
echo "| configuration | pages scanned | ksmd CPU | ns per page | vs one domain | pages_sharing |"
echo "|---|---|---|---|---|---|"
one=$((R[cpu/1,cpu] * 1000 / R[cpu/1,pages]))
for cfg in none $DOMAINS; do
	k=cpu/$cfg
	ns=$((R[$k,cpu] / R[$k,pages]))
	label="tenants, $cfg domain$([ "$cfg" = 1 ] || echo s)"
	[ "$cfg" = none ] && label="no policy (domain 0)"
	echo "| $label | ${R[$k,pages]} | $((R[$k,cpu] / 1000000)) ms | $ns | $(awk -v a="$((R[$k,cpu] * 1000 / R[$k,pages]))" -v b="$one" 'BEGIN { printf "%.2f", a / b }') | ${R[$k,sharing]} |"
done
