#!/bin/bash
# Merged pages that a policy skips must still leave KSM's counts when their
# copy-on-write is broken: the pages that really share a frame (ground
# truth from pagemap + kpagecount) equal the process's ksm_merging_pages,
# and pages_shared + pages_sharing follow, under skip_tgid (mm skipped) and
# skip_vma (area skipped).  With the first series the counts stayed at
# 4096 for as long as the policy skipped.  ksmd steps over skipped areas
# without walking them and checks their stable rmap_items every 2 s
# (SCAN_EXT_VERIFY_INTERVAL in mm/ksm.c), so the counts follow within
# 2 s and a pass.
set -euo pipefail
. "$(dirname "$0")/../../lib/host.sh"
. "$(dirname "$0")/../../lib/vm.sh"
# settle leaves ksmd fast: 5000 pages every 10 ms.
ksm_ext_setup settle
pages=4096 broken=2048

for policy in skip_tgid skip_vma; do
	base=$(($(ksm_get pages_shared) + $(ksm_get pages_sharing)))
	probe_start $pages
	probe_wait_merged $pages
	attach $policy
	skip_pids skip_tgids "$PROBE_PID"
	skipped0=$(ksm_get ext_pages_skipped)
	wait_scans 1
	probe "cow $broken" >/dev/null
	sleep 2.5
	wait_scans 2
	truth=$(probe_shared)
	merging=$(merging_pages "$PROBE_PID")
	counted=$(($(ksm_get pages_shared) + $(ksm_get pages_sharing) - base))
	skipped=$(($(ksm_get ext_pages_skipped) - skipped0))
	log "$policy: $broken of $pages COW-broken: $truth share a frame, ksm_merging_pages=$merging, shared+sharing=+$counted, pages skipped=$skipped"
	[ "$truth" -eq $((pages - broken)) ] || fail "$policy: $truth pages share a frame, expected $((pages - broken))"
	[ "$merging" -eq "$truth" ] || fail "$policy: ksm_merging_pages=$merging but $truth pages are merged"
	[ "$counted" -eq "$truth" ] || fail "$policy: pages_shared+pages_sharing grew by $counted but $truth pages are merged"
	[ "$skipped" -gt 0 ] || fail "$policy: skipped no page (the COW-broken ones are not KSM pages)"
	detach $policy
	probe_stop
	ksm_settle
done
echo ok
