#!/bin/bash
# The exported kernel series is what upstream would review: every patch in
# kernel-patch/series exists and every patch is listed (the cover letter
# aside), each has a subject, a Signed-off-by matching its author and is
# clean under checkpatch.pl --strict, and the cover letter is filled in.
# Needs the extracted kernel source (make vm extracts it); no root.
set -euo pipefail
cd "$(dirname "$0")/../.."
repo=$PWD
fail() { echo "FAIL: $*" >&2; exit 1; }
[ -e /sys/kernel/mm/ksm/ext_policy ] && { echo "checked on the host, not in the VM (read-only cache)"; exit 77; }
src=$(scripts/kernel-src.sh 2>/dev/null) || { echo "no kernel source (make deps)"; exit 77; }
dir=kernel-patch
[ -s $dir/series ] || fail "$dir/series is empty"
while read -r p; do
	[ -f "$dir/$p" ] || fail "series lists $p, which does not exist"
done <$dir/series
for p in $dir/*.patch; do
	b=$(basename "$p")
	[ "$b" = 0000-cover-letter.patch ] && continue
	grep -qxF "$b" $dir/series || fail "$b is not in the series"
	# The From: header may be folded onto a second line.
	author=$(sed -n '/^From: /{N;s/\n / /;s/^From: //;s/\n.*//;p;q}' "$p")
	grep -qxF "Signed-off-by: $author" "$p" || fail "$b: no Signed-off-by for its author '$author'"
	# From the kernel tree, with an absolute path: run inside this git
	# repository on a relative path, checkpatch misreads the patch file.
	# It cannot look a Fixes: id up without upstream's git history.
	out=$(cd "$src" && perl scripts/checkpatch.pl --strict --no-tree -q \
		--ignore UNKNOWN_COMMIT_ID "$repo/$p" 2>&1) ||
		fail "$b: checkpatch.pl --strict: $(head -n 5 <<<"$out")"
	echo "$b: checkpatch --strict clean"
done
c=$dir/0000-cover-letter.patch
[ -f $c ] || fail "no cover letter ($c)"
grep -q '\*\*\* \(SUBJECT\|BLURB\) HERE \*\*\*' $c && fail "the cover letter is not filled in"
echo ok
