#!/bin/bash
# ksm-policyd on the ksm_ext kernel: it reads the stats that `ksm-loader
# stats start` pinned, tunes ksmd while a policy decides what ksmd scans
# (skip_tgid keeps workload A out), merges everything the policy allows,
# and gives the knobs back on SIGTERM with the policy still attached.
set -euo pipefail
. "$(dirname "$0")/../../lib/host.sh"
. "$(dirname "$0")/../../lib/vm.sh"
ksm_ext_setup run=0 pages_to_scan=100 sleep_millisecs=20
"$BIN/ksm-loader" --pin-dir "$PIN" stats start >/dev/null || fail "stats start"

start_workload -p 2 -m 4 --seed 101 -r 0
a_out=$WL_OUT a_pid=$WL_PID a_pids=$WL_PIDS
start_workload -p 2 -m 4 --seed 202 -r 0 --first-proc 2
b_pids=$WL_PIDS b_expect=$WL_EXPECT
attach skip_tgid
skip_pids skip_tgids $a_pids

spawn "$BIN/ksm-policyd" --pin-dir "$PIN" --state-file "$TMP/state" 2>"$TMP/pd.log"
pd=${_pids[-1]}
wait_line "$TMP/pd.log" 20 started >/dev/null || fail "no start: $(cat "$TMP/pd.log")"
grep -q 'inputs: BPF stats (pinned by ksm-loader)' "$TMP/pd.log" ||
	fail "pinned stats not used: $(head -3 "$TMP/pd.log")"
ksm_set run 1
for ((i = 0; i < 600; i++)); do
	b=$(merging_pages $b_pids)
	[ "$b" -ge $((b_expect * 95 / 100)) ] && break
	sleep 0.2
done
a=$(merging_pages $a_pids)
log "B merging_pages=$b (achievable $b_expect), skipped A=$a"
[ "$b" -ge $((b_expect * 95 / 100)) ] || fail "B merged $b of $b_expect: $(tail -5 "$TMP/pd.log")"
[ "$a" -eq 0 ] || fail "the skipped process merged $a pages"
grep -q 'pages_to_scan 100 -> ' "$TMP/pd.log" || fail "no decision logged: $(cat "$TMP/pd.log")"

stop_pid "$pd" || fail "exit $? after SIGTERM: $(cat "$TMP/pd.log")"
[ "$(ksm_get pages_to_scan) $(ksm_get sleep_millisecs)" = "100 20" ] ||
	fail "not restored: $(ksm_state)"
[ "$(ksm_get ext_policy)" = skip_tgid ] || fail "the policy was detached: $(ksm_get ext_policy)"
detach skip_tgid
stop_workload
WL_OUT=$a_out WL_PID=$a_pid stop_workload
echo ok
