#!/bin/bash
# page_done reports every compared page's outcome, and the outcomes add up
# to what KSM counted: with nothing unmerging (and use_zero_pages=0),
# pages_shared + pages_sharing grow by 2 per PAIRED (a new KSM page from two
# pages) and 1 per MERGED.
# scan_begin/scan_end come in pairs, and merge_domain is asked for each mm
# ksmd enters.  The passthrough policy counts them.
set -euo pipefail
. "$(dirname "$0")/../../lib/host.sh"
. "$(dirname "$0")/../../lib/vm.sh"
ksm_ext_setup settle run=0 pages_to_scan=5000 sleep_millisecs=10
base=$(($(ksm_get pages_shared) + $(ksm_get pages_sharing)))
base_sharing=$(ksm_get pages_sharing)
attach passthrough
# -r 0: volatile pages are written once, so nothing unmerges.
start_workload -p 3 -m 16 --seed 11 -r 0
ksm_set run 1
got=$(wait_sharing "$base_sharing" 120 "$WL_EXPECT") || fail "only $got of $WL_EXPECT merged"
wait_scans 2
ksm_set run 0
counted=$(($(ksm_get pages_shared) + $(ksm_get pages_sharing) - base))
id=$(map_id passthro.bss)
[ -n "$id" ] || fail "no passthrough .bss map"
bss=$("$BPFTOOL" -j map dump id "$id")
val() { jq -r --arg k "$1" '[.. | objects | select(has($k)) | .[$k]][0]' <<<"$bss"; }
outcomes=$(val outcomes | jq -r 'join(" ")')
read -r shared merged paired zero no_partner changed failed _ <<<"$outcomes"
passes=$(val passes) unpaired=$(val unpaired) domains=$(val domains_asked)
log "outcomes: shared=$shared merged=$merged paired=$paired zero=$zero no_partner=$no_partner changed=$changed failed=$failed; passes=$passes unpaired=$unpaired domains_asked=$domains; shared+sharing=+$counted"
[ $((2 * paired + merged)) -eq "$counted" ] ||
	fail "2*paired + merged = $((2 * paired + merged)), but pages_shared+pages_sharing grew by $counted"
[ "$changed" -gt 0 ] || fail "no CHANGED outcome: first visits record checksums"
[ "$shared" -gt 0 ] || fail "no SHARED outcome although merged pages were rescanned"
[ "$passes" -ge 2 ] || fail "only $passes scan_begin/scan_end pairs"
[ "$unpaired" -eq 0 ] || fail "$unpaired scan_end calls without scan_begin"
# 3 workload processes, each entered at least once per pass.
[ "$domains" -ge $((3 * passes)) ] || fail "merge_domain asked $domains times in $passes passes of 3 mms"
# bpf_ksm_mm_id(): never 0 for an mm ksmd scans, the same in every pass,
# and one id per process (mm_ids: owner tgid -> first id seen).
ids=$("$BPFTOOL" -j map dump id "$(map_id mm_ids)" |
	jq -c '[.[] | (.formatted // .) | {tgid: .key, id: .value}]')
log "mm ids: $ids; ids_zero=$(val ids_zero) ids_changed=$(val ids_changed)"
[ "$(val ids_zero)" -eq 0 ] || fail "bpf_ksm_mm_id() returned 0 $(val ids_zero) times"
[ "$(val ids_changed)" -eq 0 ] || fail "bpf_ksm_mm_id() changed $(val ids_changed) times for one process"
for p in $WL_PIDS; do
	jq -e --argjson p "$p" 'any(.[]; .tgid == $p)' <<<"$ids" >/dev/null || fail "no mm id seen for workload process $p: $ids"
done
[ "$(jq '[.[].id] | unique | length' <<<"$ids")" -eq "$(jq length <<<"$ids")" ] ||
	fail "two processes share an mm id: $ids"
detach passthrough
stop_workload
echo ok
