#!/bin/bash
# The kernel development tree: a git tree of the pristine linux-source-6.12
# with the kernel-patch/ series applied, in the cache (not in this repo).
#
#   scripts/kernel-tree.sh init     create it (once) and print its path
#   scripts/kernel-tree.sh export   re-export its commits on top of the
#                                   pristine base into kernel-patch/ and run
#                                   checkpatch.pl --strict on each
#   scripts/kernel-tree.sh build    build it incrementally (the VM's config)
#                                   and print the directory to boot with
#                                   KSM_EXT_KERNEL=DIR ./vmtest.sh
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
	if [ -s "$here/kernel-patch/series" ]; then
		git -C "$tree" -c user.name=ksm-ext -c user.email=ksm-ext@invalid \
			am -q $(sed "s|^|$here/kernel-patch/|" "$here/kernel-patch/series")
	fi
	echo "$tree"
}

# The cover letter's subject and text are kernel-patch/cover-letter.txt
# (first line, then the rest); format-patch adds the shortlog and diffstat.
export_series() {
	local p out=$here/kernel-patch cover=$here/kernel-patch/cover-letter.txt
	[ -d "$tree/.git" ] || { echo "kernel-tree: no tree; run '$0 init'" >&2; exit 1; }
	[ -f "$cover" ] || { echo "kernel-tree: $cover is missing" >&2; exit 1; }
	rm -f "$out"/*.patch
	git -C "$tree" format-patch -q --no-signature --cover-letter -o "$out" "$base_tag"..HEAD
	python3 - "$out/0000-cover-letter.patch" "$cover" <<'PY'
import sys
letter, cover = sys.argv[1], open(sys.argv[2]).read().split('\n', 1)
s = open(letter).read()
s = s.replace('*** SUBJECT HERE ***', cover[0].strip()).replace('*** BLURB HERE ***', cover[1].strip())
open(letter, 'w').write(s)
PY
	# The series file lists what vmtest.sh applies: not the cover letter.
	(cd "$out" && ls -1 *.patch | grep -v '^0000-cover-letter') >"$out/series"
	# UNKNOWN_COMMIT_ID: checkpatch looks a Fixes: id up in git, and no
	# tree here has upstream's history (tests/host/kernel_patches.sh too).
	for p in "$out"/*.patch; do
		case $p in */0000-cover-letter.patch) continue ;; esac
		"$tree/scripts/checkpatch.pl" --strict --no-tree -q \
			--ignore UNKNOWN_COMMIT_ID "$p" ||
			{ echo "kernel-tree: checkpatch complains about $(basename "$p")" >&2; exit 1; }
	done
	echo "kernel-tree: exported $(wc -l <"$out/series") patches, checkpatch --strict clean"
}

# Same recipe as vmtest.sh's build_kernel(), but in place, so a change
# rebuilds in about a minute.
build() {
	local out=$cache/linux-dev-build fragment=$here/kernel-patch/ksm-ext.config
	[ -d "$tree/.git" ] || { echo "kernel-tree: no tree; run '$0 init'" >&2; exit 1; }
	mkdir -p "$out/obj"
	if [ ! -f "$out/obj/.config" ] || [ "$fragment" -nt "$out/obj/.config" ]; then
		make -C "$tree" -s O="$out/obj" tinyconfig
		"$tree/scripts/kconfig/merge_config.sh" -m -O "$out/obj" \
			"$out/obj/.config" "$fragment" >/dev/null
		make -C "$tree" -s O="$out/obj" olddefconfig
	fi
	make -C "$tree" -s -j"$(nproc)" O="$out/obj" bzImage >&2
	ln -sfn "$out/obj/arch/x86/boot/bzImage" "$out/bzImage"
	ln -sfn "$tree" "$out/src"
	echo "$out"
}

case ${1:-} in
init) init ;;
export) export_series ;;
build) build ;;
*) echo "usage: $0 init|export|build" >&2; exit 2 ;;
esac
