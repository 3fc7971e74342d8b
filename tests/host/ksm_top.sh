#!/bin/bash
# ksm-top on the host's real KSM, driven through tmux like a user would.
#
# With ksm-workload merging on a fast ksmd it checks that
#  - the screen lists the workload's processes with non-zero merging pages
#    (and, when the BPF stats can run, a measured MERGE/s for them);
#  - a sort key changes the row order (sort by PID, then reverse it);
#  - resizing keeps the layout: header, table heading and status line are
#    there once each, and the screen after the resize is exactly what a
#    full redraw (Ctrl-L) paints, so no stale characters are left behind;
#  - q exits with status 0, the process is gone and the terminal is back
#    (alternate screen off, cursor visible).
# Batch mode first (it needs no terminal): -b prints N text frames, every
# --json line parses with jq and carries the figures; without root, with
# KSM files missing or no KSM at all it still runs and says what is
# missing; merge domains from a fake ext_domains show in -b -D and --json,
# a malformed one is n/a; bad options exit 2 with one line.
# KSM_TOP overrides the binary (default build/bin/ksm-top).
set -euo pipefail
. "$(dirname "$0")/../lib/host.sh"

TOP=${KSM_TOP:-$BIN/ksm-top}
[ "$(id -u)" -eq 0 ] || skip "needs root"
[ -w $KSM/run ] || skip "no KSM on this kernel ($KSM/run missing)"
[ -r /proc/self/ksm_stat ] || skip "no /proc/PID/ksm_stat (Linux < 6.1)"
command -v jq >/dev/null || skip "jq not installed (make deps)"
[ -x "$TOP" ] || fail "$TOP not built (run make)"
TOP=$(realpath "$TOP")

# Our own tmux server, killed at exit.
tmux_server ksmtop-test-$$

ksm_prepare
ksm_set run 0
ksm_set pages_to_scan 5000
ksm_set sleep_millisecs 10

# The BPF stats, when this kernel can run them, started before the workload
# so its merges are counted per process.
bpf=0 pin_args=(--pin-dir "$PIN")
if [ -x "$BIN/ksm-loader" ] && ksm_tracepoints; then
	"$BIN/ksm-loader" --pin-dir "$PIN" stats start >/dev/null || fail "stats start"
	bpf=1
else
	log "no BPF stats on this kernel: MERGE/s is not checked"
fi

out=$TMP/workload.out
spawn "$BIN/ksm-workload" -p 3 -m 16 -r 0 >"$out" 2>&1
ready=$(wait_line "$out" 60 '^READY') || fail "workload never got READY: $(cat "$out")"
pids=$(field pids "$ready" | tr , ' ')
log "workload ready, pids $pids"
ksm_set run 1

merging() { sed -n 's/^ksm_merging_pages //p' "/proc/$1/ksm_stat" 2>/dev/null; }
t0=$SECONDS
for p in $pids; do
	until [ "$(merging "$p")" -gt 0 ] 2>/dev/null; do
		[ $((SECONDS - t0)) -lt 120 ] || fail "pid $p has no merged page after 120 s"
		sleep 0.5
	done
done
log "every workload process has merged pages after $((SECONDS - t0)) s"

# --- batch mode --------------------------------------------------------------

"$TOP" -b -n 2 -d 0.3 "${pin_args[@]}" >"$TMP/text" || fail "-b exited $?"
n=$(grep -c '^ksm-top [0-9-]* [0-9:]*  interval' "$TMP/text") || true	# 0: below
[ "$n" -eq 2 ] || fail "-b -n 2 printed $n frames"
for p in $pids; do
	grep -qE "^ +$p ksm-workload " "$TMP/text" || fail "-b: pid $p missing"
done

"$TOP" --json -n 3 -d 0.3 "${pin_args[@]}" >"$TMP/json" || fail "--json exited $?"
[ "$(wc -l <"$TMP/json")" -eq 3 ] || fail "--json -n 3 printed $(wc -l <"$TMP/json") lines"
i=0
while IFS= read -r line; do
	i=$((i + 1))
	jq -e . >/dev/null <<<"$line" || fail "--json line $i does not parse: $line"
	jq -e --arg pids "$pids" --argjson bpf "$bpf" '
		($pids | split(" ") | map(tonumber)) as $want
		| .ksm.run == 1 and .ksm.run_state == "running"
		and .ksm.pages_to_scan == 5000 and .ksm.sleep_millisecs == 10
		and (.system.saved_bytes > 0) and (.system.scan_pages_per_s >= 0)
		and (.system | has("full_scan_period_s") and has("general_profit_bytes")
		     and has("ksmd_cpu_pct") and has("merges_per_s")
		     and has("cow_breaks_per_s") and has("psi_memory_some_avg10"))
		and ([.processes[] | select(.pid as $p | $want | index($p))
		      | select(.comm == "ksm-workload" and .merging_pages > 0
			       and .rmap_items > 0 and .mergeable != false)] | length) == ($want | length)
		and (.cgroups | length) >= 1
		and (.history.saved_bytes | length) >= 1
		and (.missing | type) == "array"
		and (if $bpf == 1 then .bpf.available and .system.merges_per_s != null
		     and ([.processes[] | select(.pid as $p | $want | index($p))
			   | select(.bpf_merges > 0)] | length) == ($want | length)
		     else true end)' >/dev/null <<<"$line" ||
		fail "--json line $i lacks figures: $(jq -c '{ksm, system, bpf: .bpf.available}' <<<"$line")"
done <"$TMP/json"
log "--json: 3 lines, each parses and carries the figures"

# Without root: it runs, lists no one else's process and says why.
nobody=(setpriv --reuid=65534 --regid=65534 --clear-groups)
j=$("${nobody[@]}" "$TOP" --json -n 1 -d 0.2 "${pin_args[@]}") || fail "ksm-top as nobody exited $?"
jq -e '.ksm.available and ([.missing[].what] | index("processes"))
	and ([.processes[] | select(.comm == "ksm-workload")] | length) == 0' >/dev/null <<<"$j" ||
	fail "as nobody: $(jq -c '{missing, n: (.processes | length)}' <<<"$j")"
log "as nobody: runs, says '$(jq -r '.missing[] | select(.what == "processes") | .why' <<<"$j")'"

# A kernel without some files: a copy of KSM's sysfs with files removed.
fake=$TMP/fake-ksm
mkdir "$fake"
# A file that cannot be read stays empty, as a kernel's odd file would be.
for f in $KSM/*; do cat "$f" >"$fake/${f##*/}" 2>/dev/null || true; done
rm -f "$fake/pages_scanned" "$fake/general_profit" "$fake/ksm_zero_pages"
# Merge domains as a ksm_ext kernel lists them, whatever this one has.
printf '%s\n' 'domain mms pages_shared pages_sharing' '0 3 10 20' '4242 2 64 64' \
	'none 1 0 0' >"$fake/ext_domains"
j=$(KSM_TOP_SYSFS_DIR=$fake "$TOP" --json -n 1 -d 0.2) || fail "ksm-top on a partial sysfs exited $?"
jq -e '.ksm.available and .ksm.pages_scanned == null and .system.general_profit_bytes == null
	and ([.missing[].what] | index("pages_scanned") and index("general_profit")
	     and (index("domains") | not))
	and [.domains[].id] == ["4242", "0", "none"]
	and .domains[0].mms == 2 and .domains[0].pages_sharing == 64
	and (.processes | all(has("domain")))' \
	>/dev/null <<<"$j" || fail "partial sysfs: $(jq -c '{ksm, domains, missing}' <<<"$j")"
KSM_TOP_SYSFS_DIR=$fake "$TOP" -b -D -n 1 -d 0.2 >"$TMP/domains" || fail "-b -D exited $?"
grep -qE '^ +DOMAIN +PROCS +SHARED +SHARING +SAVED +CGROUP' "$TMP/domains" &&
	grep -qE '^ +4242 +2 +64 +64 +256K ' "$TMP/domains" ||
	fail "-b -D: no domain table: $(cat "$TMP/domains")"
printf 'domain mms pages_shared pages_sharing\n0 1 2\n' >"$fake/ext_domains"
j=$(KSM_TOP_SYSFS_DIR=$fake "$TOP" --json -n 1 -d 0.2) || fail "ksm-top on a bad ext_domains exited $?"
jq -e '.domains == null and ([.missing[] | select(.what == "domains") | .why]
	== ["ext_domains line 2 malformed: no domain view"])' >/dev/null <<<"$j" ||
	fail "bad ext_domains: $(jq -c '{domains, missing}' <<<"$j")"
j=$(KSM_TOP_SYSFS_DIR=$TMP/none "$TOP" --json -n 1 -d 0.2) || fail "ksm-top without KSM exited $?"
jq -e '(.ksm.available | not) and .system.saved_bytes == null and .domains == null
	and ([.missing[].what] | index("ksm"))' >/dev/null <<<"$j" ||
	fail "no KSM: $(jq -c '{ksm, missing}' <<<"$j")"
log "degrades: partial sysfs, bad ext_domains and no KSM all run and say what is missing"

# Bad options: one line, exit 2.
for args in "-d 0" "-n x" "--sort nope" "--frobnicate" "stray"; do
	rc=0
	err=$("$TOP" $args 2>&1 >/dev/null) || rc=$?
	[ "$rc" -eq 2 ] || fail "'ksm-top $args' exited $rc, want 2"
	[ "$(wc -l <<<"$err")" -eq 1 ] || fail "'ksm-top $args' printed: $err"
done
log "bad options: exit 2 with one line"
command -v tmux >/dev/null || skip "batch checks passed; the screen checks need tmux (make deps)"
# tmux needs pseudo-terminals: the vmtest.sh guest mounts no devpts.
[ -e /dev/pts/ptmx ] ||
	skip "batch checks passed; the screen checks need pseudo-terminals (no devpts at /dev/pts)"

# --- the screen --------------------------------------------------------------

# ksm-top runs in the foreground of the pane (it needs the terminal); the
# wrapper records its pid and exit status, then keeps the pane open so the
# terminal state after the exit can be inspected.
cat >"$TMP/run-top.sh" <<EOF
#!/bin/sh
sh -c 'echo \$\$ >"$TMP/top.pid"; exec "\$0" "\$@"' "$TOP" -d 0.5 ${pin_args[*]}
echo \$? >"$TMP/top.rc"
exec sleep 600
EOF
chmod +x "$TMP/run-top.sh"
tm -f /dev/null new-session -d -s top -x 100 -y 30 -c "$PWD" "$TMP/run-top.sh" ||
	fail "tmux new-session"

screen() { tm capture-pane -p -t top >"$TMP/screen" 2>/dev/null; }
# Capture the screen until "$@" holds on it, for up to $1 seconds.
wait_for() {
	local t=$1 i
	shift
	for ((i = 0; i < t * 10; i++)); do
		screen && "$@" && return 0
		sleep 0.1
	done
	return 1
}
dump() { echo "--- screen:"; cat "$TMP/screen"; echo "---"; }
shows() { grep -qE "$1" "$TMP/screen"; }
# PIDs of our workload's rows, top to bottom.
row_order() {
	awk -v want=" $pids " 'index(want, " " $1 " ") && $2 == "ksm-workload" { printf "%s ", $1 }' \
		"$TMP/screen"
}
order_is() { [ "$(row_order)" = "$1" ]; }
nrows() { wc -w <<<"$pids"; }
# Every workload row (PID COMM RMAP MERGING ZERO PROFIT MRG MERGE/s DOMAIN
# CGROUP) has merging pages, and a measured MERGE/s when the BPF stats run.
rows_ok() {
	awk -v pids="$pids" -v bpf="$bpf" '
		BEGIN { n = split(pids, want, " "); for (i = 1; i <= n; i++) need[want[i]] = 1 }
		$2 == "ksm-workload" && ($1 in need) && $4 != "0" && (!bpf || $8 != "-") { delete need[$1] }
		END { for (p in need) exit 1 }' "$TMP/screen"
}

wait_for 30 rows_ok || { dump; fail "the workload's rows with merging pages never showed"; }
shows '^ksm-top [0-9:]+  KSM running' || { dump; fail "no header"; }
log "screen lists pids $pids with merging pages$([ $bpf = 1 ] && echo " and merges/s")"

# Only the workload's rows, then sort by PID (column 1) and reverse.
tm send-keys -t top / ksm-workload Enter
wait_for 10 shows 'filter "ksm-workload"' || { dump; fail "filter not applied"; }
asc=$(printf '%s ' $(tr ' ' '\n' <<<"$pids" | sort -n))
desc=$(printf '%s ' $(tr ' ' '\n' <<<"$pids" | sort -rn))
tm send-keys -t top 1
wait_for 10 order_is "$asc" || { dump; fail "sort by PID: rows '$(row_order)', want '$asc'"; }
tm send-keys -t top r
wait_for 10 order_is "$desc" || { dump; fail "reversed sort: rows '$(row_order)', want '$desc'"; }
log "sort: PID ascending '$asc', reversed '$desc'"

# Layout after a resize, paused so the figures hold still: one header, one
# table heading, every workload row, the status line last; and the screen
# must equal what a full redraw paints.
resized() {	# lines: the status line has moved to the new bottom
	[ "$(wc -l <"$TMP/screen")" -eq "$1" ] && tail -n 1 "$TMP/screen" | grep -q '^PAUSED '
}
# Capture until two captures 0.2 s apart agree (no redraw in flight).
stable() {
	local i
	for ((i = 0; i < 50; i++)); do
		screen
		cp "$TMP/screen" "$TMP/prev"
		sleep 0.2
		screen
		cmp -s "$TMP/screen" "$TMP/prev" && return 0
	done
	return 1
}
same_as_before() { cmp -s "$TMP/screen" "$TMP/before-redraw"; }
layout_ok() {	# cols lines
	local cols=$1 lines=$2 n
	stable || { dump; fail "${cols}x$lines: the screen never settled"; }
	n=$(LC_ALL=C.UTF-8 wc -L <"$TMP/screen")	# display width, not bytes
	[ "$n" -le "$cols" ] || { dump; fail "${cols}x$lines: a line is $n wide"; }
	n=$(grep -c '^ksm-top [0-9][0-9]:' "$TMP/screen") || true	# 0: below
	[ "$n" -eq 1 ] || { dump; fail "${cols}x$lines: $n header lines"; }
	n=$(grep -cE '^ +PID COMM +RMAP +MERGING' "$TMP/screen") || true
	[ "$n" -eq 1 ] || { dump; fail "${cols}x$lines: $n table headings"; }
	tail -n 1 "$TMP/screen" | grep -q '^PAUSED .*q quit' || { dump; fail "${cols}x$lines: no status line at the bottom"; }
	[ "$(wc -w <<<"$(row_order)")" -eq "$(nrows)" ] || { dump; fail "${cols}x$lines: workload rows missing"; }
	cp "$TMP/screen" "$TMP/before-redraw"
	# Ctrl-L repaints every cell; give it time to land, then compare.
	tm send-keys -t top C-l
	sleep 1
	stable && same_as_before ||
		{ diff "$TMP/before-redraw" "$TMP/screen"; fail "${cols}x$lines: stale characters after the resize"; }
}
tm send-keys -t top p
wait_for 10 shows '^PAUSED' || { dump; fail "pause not shown"; }
for size in 80x24 60x20 120x40 100x30; do
	tm resize-window -t top -x "${size%x*}" -y "${size#*x}" || fail "resize-window $size"
	wait_for 10 resized "${size#*x}" || { dump; fail "$size: not redrawn at the new size"; }
	layout_ok "${size%x*}" "${size#*x}"
	log "layout intact at $size"
done
tm send-keys -t top p

# A 80x24 capture for the log (and the README).
tm send-keys -t top / C-u Enter 4
tm resize-window -t top -x 80 -y 24
sleep 1.5
screen || fail "tmux capture-pane failed"
log "80x24:"
sed 's/^/    | /' "$TMP/screen"

# q: exit status 0, process gone, terminal restored.
toppid=$(cat "$TMP/top.pid")
tm send-keys -t top q
for ((i = 0; i < 100; i++)); do [ -s "$TMP/top.rc" ] && break; sleep 0.1; done
[ -s "$TMP/top.rc" ] || fail "ksm-top did not exit on q"
[ "$(cat "$TMP/top.rc")" = 0 ] || fail "ksm-top exited $(cat "$TMP/top.rc") on q"
kill -0 "$toppid" 2>/dev/null && fail "ksm-top (pid $toppid) still running after q"
state=$(tm display-message -p -t top '#{alternate_on} #{cursor_flag}')
[ "$state" = "0 1" ] || fail "terminal not restored after q (alternate_on cursor_flag: $state)"
log "q: exit 0, process gone, terminal restored"

echo ok
