#!/bin/bash
# A policy must not hide KSM pages from ksmd: a forked child inherits its
# parent's KSM pages, and once the parent exits only rmap_items of the
# child's own can make them reachable for reclaim and migration.  With
# the child skipped by skip_tgid, ksmd must still give it those items:
# its ksm_merging_pages equals the pages that really share a frame.  The
# first series skipped the child whole and left it at 0.
set -euo pipefail
. "$(dirname "$0")/../../lib/host.sh"
. "$(dirname "$0")/../../lib/vm.sh"
# settle leaves ksmd fast: 5000 pages every 10 ms.
ksm_ext_setup settle
pages=2048

probe_start $pages
probe_wait_merged $pages
probe_fork_skipped
child=$PROBE_PID
wait_scans 3
truth=$(probe_shared)
merging=$(merging_pages "$child")
log "child $child (skipped): $truth of $pages pages share a frame, ksm_merging_pages=$merging, mms skipped=$(ksm_get ext_mms_skipped)"
[ "$truth" -eq $pages ] || fail "only $truth of the child's $pages pages share a frame"
[ "$merging" -eq "$truth" ] || fail "the skipped child has rmap_items for $merging of its $truth KSM pages"
[ "$(ksm_get ext_mms_skipped)" -gt 0 ] || fail "skip_tgid skipped no mm"
detach skip_tgid
probe_stop
echo ok
