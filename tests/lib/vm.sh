# Helpers for the in-VM tests (sourced after tests/lib/host.sh): they need
# the ksm_ext kernel, and attach policies with bpftool as an operator would.
POLICIES=$BUILD/bpf/policies
LINKDIR=/sys/fs/bpf/ksm_ext_test-$$

require_ksm_ext() {
	require_root_ksm
	[ -e $KSM/ext_policy ] || skip "not a ksm_ext kernel (no $KSM/ext_policy)"
	[ -f "$POLICIES/passthrough.bpf.o" ] || skip "policies not built (make vm)"
}

# ksm_ext_setup [settle] [KNOB=VALUE]...: how a case that drives ksmd
# begins.  It skips unless this is the ksm_ext kernel with the policies
# built (require_ksm_ext) and saves every KSM knob for the exit
# (ksm_prepare); then, in the order given, "settle" lets ksmd drop what
# earlier tests left (ksm_settle, which leaves ksmd running, 5000 pages
# every 10 ms) and KNOB=VALUE sets a knob (ksm_set).
ksm_ext_setup() {
	local a
	require_ksm_ext
	ksm_prepare
	for a in "$@"; do
		case $a in
		settle) ksm_settle ;;
		?*=*) ksm_set "${a%%=*}" "${a#*=}" ;;
		*) fail "ksm_ext_setup: '$a' is neither settle nor KNOB=VALUE" ;;
		esac
	done
}

# policy_stat NAME: the attached policy's counter NAME, summed over CPUs
# (ksm-loader policy status).
policy_stat() { "$BIN/ksm-loader" policy status --json | jq -r ".stats.$1"; }

# attach NAME: bpftool struct_ops register, link pinned under $LINKDIR.
attach() {
	"$BPFTOOL" struct_ops register "$POLICIES/$1.bpf.o" "$LINKDIR" >/dev/null ||
		fail "bpftool struct_ops register $1.bpf.o failed"
	[ "$(ksm_get ext_policy)" = "$1" ] ||
		fail "ext_policy says '$(ksm_get ext_policy)' after attaching $1"
}

# detach NAME: remove the pinned link (named after the struct_ops map:
# NAME, or NAME_policy where NAME is a C keyword); the kernel detaches it.
detach() {
	rm -f "$LINKDIR/$1" "$LINKDIR/${1}_policy"
	# The link is released asynchronously; give it a moment.
	for _ in $(seq 50); do
		[ "$(ksm_get ext_policy)" = none ] && return 0
		sleep 0.1
	done
	fail "ext_policy still says '$(ksm_get ext_policy)' after unpinning $1"
}

# The kernel's policy skip counters as "MMS VMAS PAGES" (ext_mms_skipped,
# ext_vmas_skipped, ext_pages_skipped).  They move only while a policy is
# attached and says skip: a delta proves its hooks ran.
skip_counters() {
	echo "$(ksm_get ext_mms_skipped) $(ksm_get ext_vmas_skipped) $(ksm_get ext_pages_skipped)"
}

# Newest map called $1 (several policies may have had one of that name).
map_id() {
	"$BPFTOOL" -j map show | jq -r --arg n "$1" '[.[] | select(.name == $n) | .id] | max // empty'
}

# skip_pid MAP PID...: put PIDs into a policy's tgid map.
skip_pids() {
	local id p
	id=$(map_id "$1")
	[ -n "$id" ] || fail "no map $1"
	for p in "${@:2}"; do
		"$BPFTOOL" map update id "$id" key $((p & 255)) $((p >> 8 & 255)) \
			$((p >> 16 & 255)) $((p >> 24 & 255)) value 1 || fail "map update $1 $p"
	done
}

_vm_cleanup() {
	[ -e $KSM/ext_policy ] && echo none >$KSM/ext_policy 2>/dev/null
	rm -rf "$LINKDIR"
}
at_exit _vm_cleanup

# merge-probe (tests/vm/merge_probe.c) as a coprocess: probe_start PAGES,
# then probe CMD prints its one-line answer.  PROBE_PID follows a "fork".
probe_start() {
	[ -x "$BIN/merge-probe" ] || skip "merge-probe not built (make)"
	# bash unsets a coprocess's NAME_PID when it exits: ours is PROBE_PID.
	coproc _probe_co { exec "$BIN/merge-probe" "$1" 2>&1; }
	_pids+=("$_probe_co_PID")
	local line
	read -r -t 120 line <&"${_probe_co[0]}" || fail "merge-probe did not start"
	[[ $line == "READY pid="* ]] || fail "merge-probe: $line"
	PROBE_PID=${line#READY pid=}
	# Dup the pipes: bash closes the coproc's fds once its process exits,
	# and after a "fork" the child goes on serving them.
	exec {PROBE_IN}<&"${_probe_co[0]}" {PROBE_OUT}>&"${_probe_co[1]}"
}

probe() {
	local line
	echo "$*" >&"$PROBE_OUT" || fail "merge-probe is gone (command '$*')"
	read -r -t 300 line <&"$PROBE_IN" || fail "merge-probe did not answer '$*'"
	case $line in
	"FORKED pid="*) PROBE_PID=${line#FORKED pid=}; _pids+=("$PROBE_PID") ;;
	COUNT* | OK | LAT* | SPAWNED* | VERIFY*) ;;
	*) fail "merge-probe: $line" ;;
	esac
	echo "$line"
}

# The probe forks a child that skip_tgid (attached here) skips, and exits:
# the child's inherited KSM pages have no rmap_items of its own.  ksmd is
# stopped meanwhile, so that it cannot visit the child before the policy
# knows it, and runs again at the end.  PROBE_PID is the child.
probe_fork_skipped() {
	local parent=$PROBE_PID
	ksm_set run 0
	attach skip_tgid
	probe fork >/dev/null
	skip_pids skip_tgids "$PROBE_PID"
	for _ in $(seq 50); do [ -d /proc/$parent ] || break; sleep 0.1; done
	[ -d /proc/$parent ] && fail "the parent $parent did not exit"
	ksm_set run 1
}

# Ask the probe to exit and wait until it has.
probe_stop() {
	local i
	echo exit >&"$PROBE_OUT" 2>/dev/null || true	# gone already: fine
	for ((i = 0; i < 100; i++)); do
		# Gone, or a zombie nobody reaped yet (a forked probe's parent exited).
		proc_state "$PROBE_PID" && [ "$PROC_STATE" != Z ] || return 0
		sleep 0.1
	done
	fail "merge-probe $PROBE_PID did not exit"
}

# The pages of the probe that really share a frame (ground truth).
probe_shared() { field shared "$(probe count)"; }

# Wait until all N pages of the probe are merged, by ground truth and by
# the kernel's count for the process.
probe_wait_merged() {
	local n=$1 i truth=0 merging=0
	# KSM's count first (cheap), then the ground truth.
	for ((i = 0; i < 1200; i++)); do
		merging=$(merging_pages "$PROBE_PID")
		[ "$merging" -eq "$n" ] && truth=$(probe_shared) && [ "$truth" -eq "$n" ] && return 0
		sleep 0.2
	done
	fail "probe not merged: $truth of $n pages share a frame, ksm_merging_pages=$merging ($(ksm_state))"
}

# Several merge-probes at once, each in a cgroup (bash has one coprocess,
# probe_start's): mp_start NAME CGROUP PAGES, then mp NAME CMD prints its
# answer; MP_PID[NAME] is its pid.  Served through two FIFOs each.
declare -A MP_IN MP_OUT MP_PID
mp_start() {
	local fin=$TMP/$1.in fout=$TMP/$1.out line
	mkfifo "$fin" "$fout"
	spawn sh -c 'echo $$ >"$1/cgroup.procs" && exec "$2" "$3" <"$4" >"$5"' \
		sh "$2" "$BIN/merge-probe" "$3" "$fin" "$fout"
	exec {MP_IN[$1]}>"$fin" {MP_OUT[$1]}<"$fout"
	read -r -t 120 line <&"${MP_OUT[$1]}" || fail "merge-probe $1 did not start"
	[[ $line == "READY pid="* ]] || fail "merge-probe $1: $line"
	MP_PID[$1]=${line#READY pid=}
}
mp() {
	local line
	echo "${*:2}" >&"${MP_IN[$1]}" || fail "merge-probe $1 is gone"
	if ! read -r -t 300 line <&"${MP_OUT[$1]}"; then
		task_report $(pids_named merge-probe) $(pids_named ksmd) >&2
		fail "merge-probe $1 did not answer '${*:2}'"
	fi
	echo "$line"
}
# What tasks wait on, for a test that timed out: each PID's state, wait
# channel and kernel stack (stderr), and the kernel's list of blocked tasks
# (sysrq w, on the console).  Shell builtins and /proc only: a stuck task's
# mmap_lock must not stop the report.
pids_named() {
	local d c
	for d in /proc/[0-9]*; do
		read -r c <"$d/comm" 2>/dev/null && [ "$c" = "$1" ] && echo "${d#/proc/}"
	done
}
task_report() {
	local p l
	for p in "$@"; do
		[ -d /proc/"$p" ] || { echo "task $p: gone"; continue; }
		read -r l </proc/"$p"/stat || true
		echo "task $p: stat ${l:0:120}"
		read -r l </proc/"$p"/wchan || true
		echo "task $p: wchan $l"
		while read -r l; do echo "task $p:   $l"; done </proc/"$p"/stack || true
	done
	echo w >/proc/sysrq-trigger 2>/dev/null || true
}
mp_stop() { echo exit >&"${MP_IN[$1]}" 2>/dev/null || true; }
# The distinct page frames of probes, one per line (pagemap: ground truth).
frames() {
	local p
	for p in "$@"; do
		mp "$p" frames | cut -d' ' -f3- | tr ' ' '\n'
	done | sort -u
}
# Frames two groups of probes have in common: common "a1 a2" "b1".
common() { comm -12 <(frames $1) <(frames $2) | wc -l; }
# tenants_setup NAME PAGES: for a test of the tenants policy, two fresh
# cgroups $A and $B (ksm-NAME-a/b-PID, removed at exit; the policy is
# unloaded at exit), and ksmd started over from nothing, scanning PAGES
# every 20 ms with smart scan off, so every pass compares every page.
tenants_setup() {
	[ -f "$POLICIES/tenants.bpf.o" ] || skip "tenants not built (make vm)"
	[ -w /sys/fs/cgroup/cgroup.procs ] || skip "no cgroup v2 at /sys/fs/cgroup"
	ksm_prepare
	ksm_set run 2
	ksm_set smart_scan 0
	ksm_set pages_to_scan "$2"
	ksm_set sleep_millisecs 20
	ksm_set run 1
	A=/sys/fs/cgroup/ksm-$1-a-$$ B=/sys/fs/cgroup/ksm-$1-b-$$
	mkdir "$A" "$B"
	at_exit _tenants_cleanup
}
_tenants_cleanup() {
	"$BIN/ksm-loader" policy unload >/dev/null 2>&1 || true
	rmdir "$A" "$B" 2>/dev/null || true
}

# A probe's merge domain (/proc/PID/ksm_stat), and a cgroup's id, which is
# the domain tenants gives it (kernfs id = inode number on 64-bit).
domain_of() { awk '$1 == "ksm_merge_domain" {print $2}' /proc/"${MP_PID[$1]}"/ksm_stat; }
cg_id() { stat -c %i "$1"; }

# ksmd's CPU time in ns (schedstat, not jiffy-granular).
ksmd_cpu_ns() { awk '{print $1}' /proc/"$(pgrep -x ksmd)"/schedstat; }

# KSM's counters against the processes: every merged mapping is an
# rmap_item in the stable tree, counted once in pages_shared +
# pages_sharing and once in its process's ksm_merging_pages.  Two full
# scans first (ksmd removes what exited processes left when it passes),
# then ksmd is stopped while both sides are read.  Prints "KSM PROCS".
ksm_counts_vs_procs() {
	local f procs=0 n
	wait_scans 2
	ksm_set run 0
	for f in /proc/[0-9]*/ksm_stat; do
		n=$(awk '/^ksm_merging_pages/ {print $2}' "$f" 2>/dev/null) || continue
		procs=$((procs + ${n:-0}))
	done
	echo "$(($(ksm_get pages_shared) + $(ksm_get pages_sharing))) $procs"
	ksm_set run 1
}
