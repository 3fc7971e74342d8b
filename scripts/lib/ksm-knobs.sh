# KSM's sysfs knobs, for the scripts and the tests (sourced; no options
# set here, the caller's set -euo pipefail applies): read and set them,
# save them all, give back exactly what changed and say what still differs,
# let ksmd settle.
# Used by scripts/demo.sh and, through tests/lib/host.sh, by the tests and
# the benchmarks.  A knob that cannot be set is one line on stderr, exit 1.
KSM=/sys/kernel/mm/ksm

# Knobs a script may change; run is saved and restored last so ksmd
# resumes (or stays stopped) only once everything else is back.
KSM_KNOBS="pages_to_scan sleep_millisecs smart_scan use_zero_pages max_page_sharing
	merge_across_nodes stable_node_chains_prune_millisecs advisor_mode
	advisor_max_cpu advisor_target_scan_time advisor_min_pages_to_scan
	advisor_max_pages_to_scan"

ksm_get() { cat "$KSM/$1"; }

ksm_set() {	# knob value
	echo "$2" >"$KSM/$1" || { echo "${0##*/}: cannot set $KSM/$1 to $2" >&2; exit 1; }
}

# A knob's value as it is written: advisor_mode reads "[none] scan-time",
# the selected word is what to write back.
_ksm_value() {
	local v
	v=$(cat "$KSM/$1") || return 1
	case $v in *"["*) v=${v#*\[} v=${v%%\]*} ;; esac
	echo "$v"
}

_ksm_saved=()	# "knob value", in restore order
ksm_save() {
	local k v
	_ksm_saved=()
	for k in $KSM_KNOBS run; do
		[ -r "$KSM/$k" ] || continue	# older kernels lack some
		v=$(_ksm_value "$k") || continue
		_ksm_saved+=("$k $v")
	done
}

# Give back what ksm_save saw, writing only the knobs that changed: some
# refuse writes while pages are merged (merge_across_nodes, EBUSY), and an
# unchanged one needs none.  A refusal is a warning, the others go on.
ksm_restore() {
	local kv k v
	for kv in ${_ksm_saved[@]+"${_ksm_saved[@]}"}; do
		k=${kv%% *} v=${kv#* }
		[ "$(_ksm_value "$k" 2>/dev/null)" = "$v" ] && continue
		echo "$v" 2>/dev/null >"$KSM/$k" ||
			echo "warning: could not restore $KSM/$k to $v" >&2
	done
	return 0
}

# The knobs that differ from what ksm_save saw, one "knob=now (was saved)"
# a line; nothing once everything is back.
ksm_changed() {
	local kv k v now
	for kv in ${_ksm_saved[@]+"${_ksm_saved[@]}"}; do
		k=${kv%% *} v=${kv#* }
		now=$(_ksm_value "$k" 2>/dev/null) || now='?'
		[ "$now" = "$v" ] || echo "$k=$now (was $v)"
	done
	return 0
}

# Let ksmd drop what exited processes left behind.  KSM updates
# pages_shared/pages_sharing for an exited process only when ksmd next
# visits its mm, so a baseline taken over such leftovers (an earlier run's
# workload, with run=0 since) moves under the caller's feet.  Leaves ksmd
# running fast (5000 pages every 10 ms); set the knobs you want afterwards.
ksm_settle() {
	local fs0 i
	ksm_set pages_to_scan 5000
	ksm_set sleep_millisecs 10
	ksm_set run 1
	fs0=$(ksm_get full_scans)
	for ((i = 0; i < 100; i++)); do
		# Two passes visit every mm; an empty list makes no passes.
		[ $(($(ksm_get full_scans) - fs0)) -ge 2 ] && return 0
		[ $(($(ksm_get pages_shared) + $(ksm_get pages_sharing) +
		     $(ksm_get pages_unshared))) -eq 0 ] && return 0
		sleep 0.1
	done
	return 0	# best effort: a busy ksmd still got 10 s
}

# One line of KSM's state, for messages.
ksm_state() {
	local k out=
	for k in run pages_to_scan sleep_millisecs full_scans pages_scanned \
		 pages_shared pages_sharing pages_unshared pages_volatile; do
		out="$out $k=$(cat "$KSM/$k" 2>/dev/null || echo -)"
	done
	echo "${out# }"
}
