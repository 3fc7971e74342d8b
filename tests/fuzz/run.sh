#!/bin/bash
# tests/fuzz/run.sh SECONDS FUZZER...: run each libFuzzer target for SECONDS,
# starting from its seeds and past crash inputs in tests/fuzz/corpus/NAME/
# (read only: what the run finds goes to BUILD/fuzz/corpus/NAME/).  A
# crash leaves its input in BUILD/fuzz/crashes/ and fails the run: fix the
# code, then copy the input into tests/fuzz/corpus/NAME/ so that every later
# run replays it.  Exit 0 when every target ran clean, 1 otherwise.
set -euo pipefail
cd "$(dirname "$0")/../.."

[ $# -ge 2 ] || { echo "usage: $0 SECONDS FUZZER..." >&2; exit 2; }
secs=$1
shift
[[ $secs =~ ^[1-9][0-9]*$ ]] || { echo "$0: SECONDS must be a whole number above 0, not '$secs'" >&2; exit 2; }

failed=0
for f in "$@"; do
	name=$(basename "$f")
	out=$(dirname "$f")
	seeds=tests/fuzz/corpus/$name
	work=$out/corpus/$name
	crashes=$out/crashes
	log=$out/logs/$name.log
	mkdir -p "$work" "$crashes" "$seeds" "$out/logs"
	# -rss_limit_mb: the parsers read small files; a target that needs
	# more is a leak.  -timeout: any input slower than 10 s is a hang.
	if "$f" -max_total_time="$secs" -timeout=10 -rss_limit_mb=512 \
		-artifact_prefix="$crashes/$name-" -print_final_stats=1 \
		"$work" "$seeds" >"$log" 2>&1; then
		execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
		echo "fuzz $name: ${execs:-?} inputs in ${secs}s, no crash"
	else
		failed=1
		echo "fuzz $name: FAILED, log $log"
		{ grep -E 'ERROR:|broken promise|runtime error|Test unit written' "$log" || tail -n 5 "$log"; } |
			head -n 5 | sed 's/^/    | /'
	fi
done
exit "$failed"
