#!/bin/bash
# vmtest.sh's kernel build stops at the first step that fails, with one
# line naming it: a patch of the series that does not apply (not the last
# one: that one used to stop the build only by luck) and a fragment option
# that olddefconfig drops.  Runs a copy of vmtest.sh and kernel-patch/ with
# a scratch KSM_EXT_CACHE, so the broken series gets its own kernel key and
# the real cache is neither used nor touched; KSM_EXT_SRC lends it the
# cache's extracted source (hard-linked, as vmtest.sh does, never written).
# Cheap: each case stops before compiling the kernel (~15 s in all).
set -euo pipefail
cd "$(dirname "$0")/../.."
. tests/lib/host.sh
[ -e $KSM/ext_policy ] && skip "checked on the host, not in the VM (no extracted source there)"
command -v patch >/dev/null || skip "no patch(1) (make deps)"
src=$(scripts/kernel-src.sh 2>/dev/null) || skip "no kernel source (make deps)"
[ "$(stat -c %d "$src")" = "$(stat -c %d "$TMP")" ] ||
	skip "$src and $TMP are on different filesystems: vmtest.sh hard-links the tree"
real_cache=${KSM_EXT_CACHE:-${XDG_CACHE_HOME:-${HOME:-/root}/.cache}/ksm-ext}
mapfile -t series < <(grep -v -e '^#' -e '^[[:space:]]*$' kernel-patch/series)
[ ${#series[@]} -ge 2 ] || skip "the series has fewer than 2 patches: no non-last patch to break"

# What must not change: the real cache's entries, and the pristine files
# the series patches (a hard link written through would change them).
real_before=$(ls -1 "$real_cache")
files=$(sed -n 's|^+++ b/||p' kernel-patch/*.patch | sort -u |
	while read -r f; do [ -f "$src/$f" ] && echo "$f"; done || true)
[ -n "$files" ] || fail "the series patches no file of $src"
pristine() { (cd "$src" && sha256sum $files); }
pristine_before=$(pristine)

# copy DIR: vmtest.sh and what its build reads, nothing of the real cache.
copy() {
	mkdir -p "$1/scripts"
	cp vmtest.sh "$1/"
	cp scripts/kernel-src.sh "$1/scripts/"
	cp -r kernel-patch "$1/"
}

# build DIR NAME: ./vmtest.sh -b in the copy, a scratch cache; sets rc,
# err (its stderr) and blog (the scratch build log).
build() {
	rc=0
	# Not a prebuilt kernel of the caller's (KSM_EXT_KERNEL): build.
	err=$(cd "$1" && KSM_EXT_CACHE=$TMP/cache-$2 KSM_EXT_SRC=$src \
		env -u KSM_EXT_KERNEL ./vmtest.sh -b 2>&1 >/dev/null) || rc=$?
	blog=$(ls "$TMP/cache-$2"/kernel-*/build.log 2>/dev/null || true)
	[ -n "$blog" ] || fail "$2: no build log in the scratch cache: $err"
	! compgen -G "$TMP/cache-$2/linux-src-*" >/dev/null ||
		fail "$2: the scratch cache extracted a source tree of its own"
}

# after_step LOG STEP: the step the build went on to after STEP, if any.
after_step() {
	awk -v s="== $2" 'found && /^== / { print substr($0, 4); exit } $0 == s { found = 1 }' "$1"
}

# 1. A hunk of a non-last patch whose context is not in the source: every
# context line of its first hunk on an existing file is replaced (fuzz
# forgives a few context lines, not all).
broken=${series[1]}
copy "$TMP/patch"
awk '/^@@ -0,0 / { hunk = 0; print; next }
	/^@@ / { hunk = !done; done = 1; print; next }
	hunk && /^ / { print " ksm-ext test: this line is not in the source"; next }
	{ print }' "kernel-patch/$broken" >"$TMP/patch/kernel-patch/$broken"
cmp -s "kernel-patch/$broken" "$TMP/patch/kernel-patch/$broken" &&
	fail "$broken has no hunk on an existing file to break"
build "$TMP/patch" patch
log "broken $broken: exit $rc, $(grep "build failed" <<<"$err" || true)"
[ "$rc" -ne 0 ] || fail "./vmtest.sh -b succeeded with $broken broken"
grep -qxF "vmtest.sh: kernel build failed: applying $broken (log: $blog)" <<<"$err" ||
	fail "no one-line message naming $broken: $err"
next=$(after_step "$blog" "applying $broken")
[ -z "$next" ] || fail "the build went on to '$next' after $broken failed"
[ -e "$(dirname "$blog")/bzImage" ] && fail "a bzImage was built"

# 2. A fragment option olddefconfig drops (no such symbol): the series
# applies, the configuration is made, and the check stops the build.
copy "$TMP/config"
echo "CONFIG_KSM_EXT_TEST_NO_SUCH_OPTION=y" >>"$TMP/config/kernel-patch/ksm-ext.config"
build "$TMP/config" config
log "bogus option: exit $rc, $(grep "build failed" <<<"$err" || true)"
[ "$rc" -ne 0 ] || fail "./vmtest.sh -b succeeded with an option that cannot stick"
grep -qxF "vmtest.sh: kernel build failed: config option did not stick: CONFIG_KSM_EXT_TEST_NO_SUCH_OPTION=y (ksm-ext.config) (log: $blog)" <<<"$err" ||
	fail "no one-line message naming the option: $err"
next=$(after_step "$blog" "make olddefconfig")
[ -z "$next" ] || fail "the build went on to '$next' after the check"

[ "$(ls -1 "$real_cache")" = "$real_before" ] || fail "the real cache $real_cache changed"
[ "$(pristine)" = "$pristine_before" ] || fail "the pristine source $src changed"
log "the real cache and the pristine source are untouched"
echo ok
