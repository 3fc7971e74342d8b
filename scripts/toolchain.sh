#!/bin/bash
# Build libbpf 1.5 (static) and bpftool 7.5 from the linux-source-6.12 tree
# into the cache, once per (source version, this script).  Debian's own
# libbpf 1.1 / bpftool 7.1 cannot create struct_ops links.
# Prints the toolchain prefix: $prefix/{lib/libbpf.a,include/bpf/,sbin/bpftool}.
set -euo pipefail
# Our own make -jN runs below; don't inherit a caller's jobserver.
unset MAKEFLAGS MFLAGS MAKELEVEL
here=$(cd "$(dirname "$0")" && pwd)
cache=${KSM_EXT_CACHE:-${XDG_CACHE_HOME:-${HOME:-/root}/.cache}/ksm-ext}
src=$("$here/kernel-src.sh")
key=$( (basename "$src"; cat "$0") | sha256sum | cut -c1-12)
prefix=$cache/toolchain-$key
if [ ! -x "$prefix/sbin/bpftool" ] || [ ! -f "$prefix/lib/libbpf.a" ]; then
	echo "toolchain: building libbpf and bpftool from $src" >&2
	rm -rf "$prefix" "$prefix.tmp"
	obj=$prefix.tmp/obj
	mkdir -p "$obj/libbpf" "$obj/bpftool"
	jobs=$(nproc)
	make -s -j"$jobs" -C "$src/tools/lib/bpf" OUTPUT="$obj/libbpf/" \
		EXTRA_CFLAGS='-g -O2 -fPIC' DESTDIR="$prefix.tmp" prefix= \
		all install_headers >&2
	# bpftool links its own private libbpf; CLANG lets it build its BPF
	# skeletons (pid iterators, profiler) with the same clang we use;
	# feature-llvm=0 keeps it from linking whichever libLLVM llvm-config
	# names (the base image has 14): no disassembler, no extra runtime dep.
	make -s -j"$jobs" -C "$src/tools/bpf/bpftool" ARCH= CROSS_COMPILE= \
		CLANG=clang-19 LLVM_STRIP=llvm-strip-19 feature-llvm=0 \
		EXTRA_CFLAGS='-g -O2' OUTPUT="$obj/bpftool/" \
		LIBBPF_OUTPUT="$obj/bpftool/libbpf/" \
		LIBBPF_DESTDIR="$obj/bpftool/" \
		prefix= DESTDIR="$prefix.tmp" install-bin >&2
	cp "$obj/libbpf/libbpf.a" "$prefix.tmp/lib/" 2>/dev/null || {
		mkdir -p "$prefix.tmp/lib"; cp "$obj/libbpf/libbpf.a" "$prefix.tmp/lib/"; }
	rm -rf "$obj"
	mv "$prefix.tmp" "$prefix"
fi
echo "$prefix"
