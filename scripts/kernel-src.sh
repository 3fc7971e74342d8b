#!/bin/bash
# Print the path of a pristine, extracted linux-source-6.12 tree in the cache,
# extracting /usr/src/linux-source-6.12.tar.xz the first time.  The directory
# is keyed by the Debian package version so an upgraded package re-extracts.
# KSM_EXT_SRC=DIR names an extracted tree to use as it is, e.g. another
# cache's: a scratch KSM_EXT_CACHE then extracts nothing of its own.
set -euo pipefail
if [ -n "${KSM_EXT_SRC:-}" ]; then
	[ -f "$KSM_EXT_SRC/.extracted" ] ||
		{ echo "kernel-src: KSM_EXT_SRC=$KSM_EXT_SRC is not an extracted tree (no .extracted)" >&2; exit 1; }
	cd "$KSM_EXT_SRC" && pwd
	exit 0
fi
cache=${KSM_EXT_CACHE:-${XDG_CACHE_HOME:-${HOME:-/root}/.cache}/ksm-ext}
tarball=/usr/src/linux-source-6.12.tar.xz
[ -r "$tarball" ] || { echo "kernel-src: $tarball missing (run 'make deps')" >&2; exit 1; }
ver=$(dpkg-query -W -f='${Version}' linux-source-6.12 2>/dev/null || stat -c %Y "$tarball")
ver=${ver//[~:+]/_}
dir=$cache/linux-src-$ver
if [ ! -f "$dir/.extracted" ]; then
	rm -rf "$dir" "$dir.tmp"
	mkdir -p "$dir.tmp"
	echo "kernel-src: extracting $tarball into $dir" >&2
	tar -xJf "$tarball" -C "$dir.tmp" --strip-components=1
	touch "$dir.tmp/.extracted"
	mv "$dir.tmp" "$dir"
fi
echo "$dir"
