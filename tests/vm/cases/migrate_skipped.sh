#!/bin/bash
# KSM pages in areas a policy skips stay reachable by rmap walks: page
# migration (migrate_pages(2) between the guest's two fake NUMA nodes)
# must move every one of them, with their sharing intact.  A KSM page is
# migrated through its rmap_items (rmap_walk_ksm()); a mapping with no
# item cannot be unmapped, and the page stays where it was.
#  1. skip_all on a merged probe: ksmd steps over its area without
#     walking it, checking its stable items against the PTEs; migrating
#     it must move all its pages, and the next checks keep them merged.
#  2. a fork child skipped by skip_tgid, its parent gone: ksmd must walk
#     it once (MMF_KSM_UNTRACKED) to give its inherited KSM pages items
#     of its own; then migrating the child moves them all back.
# Ground truth: the node of each page (/proc/PID/numa_maps), the frames
# that really share (pagemap), the content (verify).
set -euo pipefail
. "$(dirname "$0")/../../lib/host.sh"
. "$(dirname "$0")/../../lib/vm.sh"
[ -r /sys/devices/system/node/node1/meminfo ] || skip "one NUMA node: nothing to migrate to"
ksm_ext_setup settle
pages=2048

# migrate PID FROM TO: migrate_pages(2) of PID from node FROM to node TO;
# prints what it returned, the mappings it did not move: a KSM page with
# 256 mappings moves once and counts 255 there, so numa_maps decides.
migrate() {
	python3 - "$@" <<'PY'
import ctypes, os, sys
pid, src, dst = (int(a) for a in sys.argv[1:])
libc = ctypes.CDLL(None, use_errno=True)
old = (ctypes.c_ulong * 1)(1 << src)
new = (ctypes.c_ulong * 1)(1 << dst)
n = libc.syscall(256, pid, 64, old, new)	# __NR_migrate_pages, x86_64
if n < 0:
    sys.exit("migrate_pages: " + os.strerror(ctypes.get_errno()))
print(n)
PY
}
# on_node PID NODE: pages of PID's largest anonymous mapping (the probe's
# area) on NODE, from numa_maps.
on_node() {
	awk -v n="N$2=" '/ anon=/ {
		a = 0; c = 0
		for (i = 1; i <= NF; i++) {
			if ($i ~ /^anon=/) a = substr($i, 6) + 0
			if (index($i, n) == 1) c = substr($i, length(n) + 1) + 0
		}
		if (a > best) { best = a; cnt = c }
	} END { print cnt + 0 }' /proc/"$1"/numa_maps
}
check_moved() {	# PID NODE what
	local on truth merging bad
	on=$(on_node "$1" "$2") truth=$(probe_shared) merging=$(merging_pages "$1")
	bad=$(field bad "$(probe verify)")
	log "$3: $on of $pages pages on node $2, $truth share a frame, ksm_merging_pages=$merging, $bad corrupted"
	[ "$on" -eq $pages ] || fail "$3: only $on of $pages pages moved to node $2"
	[ "$truth" -eq $pages ] || fail "$3: only $truth of $pages pages share a frame after migration"
	[ "$merging" -eq $pages ] || fail "$3: ksm_merging_pages=$merging, $truth share a frame"
	[ "$bad" -eq 0 ] || fail "$3: $bad pages corrupted"
}

probe_start $pages
probe_wait_merged $pages
parent=$PROBE_PID
[ "$(on_node "$parent" 0)" -eq $pages ] || migrate "$parent" 1 0 >/dev/null
[ "$(on_node "$parent" 0)" -eq $pages ] || fail "the probe's pages are not on node 0 to begin with"

# --- 1. a skipped area ------------------------------------------------------
attach skip_all
wait_scans 3
left=$(migrate "$parent" 0 1)
log "skip_all: migrate_pages returned $left"
check_moved "$parent" 1 "skip_all"
# The stable checks of the next passes (every 2 s) see the new frames.
sleep 3
wait_scans 3
check_moved "$parent" 1 "skip_all, 3 s and 3 passes later"
detach skip_all

# --- 2. a skipped fork child whose parent has gone ---------------------------
probe_fork_skipped
child=$PROBE_PID
wait_scans 3
left=$(migrate "$child" 1 0)
log "skip_tgid child: migrate_pages returned $left, mms skipped=$(ksm_get ext_mms_skipped)"
check_moved "$child" 0 "skipped fork child"
[ "$(ksm_get ext_mms_skipped)" -gt 0 ] || fail "skip_tgid skipped no mm"
detach skip_tgid
probe_stop
echo ok
