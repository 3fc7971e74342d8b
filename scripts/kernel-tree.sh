#!/bin/bash
# The kernel development tree: a git tree of the pristine linux-source-6.12
# with the kernel-patch/ series applied, in the cache (not in this repo).
#
#   scripts/kernel-tree.sh init     create it (once) and print its path
#   scripts/kernel-tree.sh export   re-export its commits on top of the
#                                   pristine base into kernel-patch/ and run
#                                   checkpatch.pl --strict on each
#
# Work in the tree with plain git (commit, rebase -i, --fixup), then export.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
cache=${KSM_EXT_CACHE:-${XDG_CACHE_HOME:-${HOME:-/root}/.cache}/ksm-ext}
tree=$cache/linux-dev
base_tag=pristine

init() {
	local src
	if [ -d "$tree/.git" ]; then
		echo "$tree"
		return
	fi
	src=$("$here/scripts/kernel-src.sh")
	echo "kernel-tree: creating $tree" >&2
	rm -rf "$tree"
	cp -a "$src" "$tree"
	rm -f "$tree/.extracted"
	# Debian's .gitignore ignores the whole top level; drop that stanza.
	sed -i '/^# Debian packaging/,/^!\/debian\//d' "$tree/.gitignore"
	git -C "$tree" init -q
	git -C "$tree" add -A
	git -C "$tree" -c user.name=ksm-ext -c user.email=ksm-ext@invalid \
		commit -q -m "Linux $(basename "$src" | sed 's/^linux-src-//') (Debian linux-source-6.12)"
	git -C "$tree" tag "$base_tag"
	if ls "$here"/kernel-patch/*.patch >/dev/null 2>&1; then
		git -C "$tree" -c user.name=ksm-ext -c user.email=ksm-ext@invalid \
			am -q "$here"/kernel-patch/*.patch
	fi
	echo "$tree"
}

export_series() {
	local p out=$here/kernel-patch
	[ -d "$tree/.git" ] || { echo "kernel-tree: no tree; run '$0 init'" >&2; exit 1; }
	rm -f "$out"/*.patch
	git -C "$tree" format-patch -q --no-signature -o "$out" "$base_tag"..HEAD
	(cd "$out" && ls -1 *.patch) >"$out/series"
	for p in "$out"/*.patch; do
		"$tree/scripts/checkpatch.pl" --strict --no-tree -q "$p" ||
			{ echo "kernel-tree: checkpatch complains about $(basename "$p")" >&2; exit 1; }
	done
	echo "kernel-tree: exported $(wc -l <"$out/series") patches, checkpatch --strict clean"
}

case ${1:-} in
init) init ;;
export) export_series ;;
*) echo "usage: $0 init|export" >&2; exit 2 ;;
esac
