#!/bin/bash
# vmtest.sh: build the ksm-ext kernel (Debian's linux-source-6.12 + the
# kernel-patch/ series + its config fragment), boot it under qemu (TCG) with
# the host root shared read-only over 9p, and run a command or the in-VM
# suite inside.  The guest console is kept and checked for kernel splats.
set -euo pipefail
# Our own make -jN runs below; don't inherit a caller's jobserver.
unset MAKEFLAGS MFLAGS MAKELEVEL
here=$(cd "$(dirname "$0")" && pwd)
usage() {
	cat <<'TXT'
Usage: ./vmtest.sh [OPTIONS] [-- CMD [ARG]...]

  (no CMD)     run the default in-VM suite (tests/vm/run.sh)
  -- CMD ...   run CMD inside the VM from the repository directory; the
               exit status of CMD is vmtest.sh's
  -s           open an interactive shell in the VM (needs a terminal)
  -d, --debug  use the debug kernel: the series' fragment plus
               kernel-patch/ksm-ext-debug.config (KASAN, UBSAN, KFENCE,
               kmemleak); a separate cache entry, 3 GiB and 10800 s
               by default
  -b           only build (or reuse) the kernel and print its directory
  -t SECS      kill the VM after SECS seconds (default 1200)
  -m MIB       guest memory (default 2048)
  -o DIR       keep this run's console log and share directory in DIR
               (default build/vmtest; emptied first), so that two VMs can
               run side by side
  -w DIR       share the host directory DIR writable, at the same path
               in the guest (the rest of the host's root is read-only)
  -h           this text

The kernel is built once per (series, fragment, source) into
$KSM_EXT_CACHE/kernel-<hash>/ (default ~/.cache/ksm-ext) and reused.
KSM_EXT_KERNEL=DIR boots DIR/bzImage instead (DIR/obj, DIR/src: a kernel
you build yourself, e.g. scripts/kernel-tree.sh build while developing).
KSM_EXT_GDB=PORT opens qemu's gdb stub on 127.0.0.1:PORT, to look at a
guest that stopped from the host: gdb -ex 'target remote :PORT' -ex bt
KDIR/obj/vmlinux (KDIR: vmtest.sh -b).
KSM_EXT_SRC=DIR builds from DIR, an extracted linux-source tree such as
another cache's, instead of extracting one (scripts/kernel-src.sh).
A build step that fails (a patch that does not apply, a fragment option
that olddefconfig dropped, the compiler) stops it with one line naming
the step and the tail of the build log.
Each run keeps its console log in build/vmtest/console.log (-o).  A kernel
splat on the console (BUG:, WARNING:, Oops, lockdep, RCU stall, soft
lockup, hung task, panic) fails the run even if CMD succeeded.
Exit status: CMD's status; 1 on splat or VM failure; 2 bad usage;
124 timeout.
TXT
}

timeout_s= mem= shell= build_only= debug= run= rw=
# getopts knows no long options: --debug is -d.
args=()
for a in "$@"; do
	[ "$a" = --debug ] && a=-d
	args+=("$a")
	[ "$a" = -- ] && break
done
set -- "${args[@]}" "${@:${#args[@]}+1}"
while getopts "sdbt:m:o:w:h" opt; do
	case $opt in
	s) shell=1 ;;
	d) debug=1 ;;
	b) build_only=1 ;;
	t) timeout_s=$OPTARG ;;
	m) mem=$OPTARG ;;
	o) run=$OPTARG ;;
	w) rw=$OPTARG ;;
	h) usage; exit 0 ;;
	*) echo "Try './vmtest.sh -h'." >&2; exit 2 ;;
	esac
done
shift $((OPTIND - 1))
[ "${1:-}" = "--" ] && shift
# KASAN's shadow takes an eighth of the memory, and everything runs 2-3x
# slower under TCG.
timeout_s=${timeout_s:-${debug:+10800}} mem=${mem:-${debug:+3072}}
timeout_s=${timeout_s:-1200} mem=${mem:-2048}
for n in "$timeout_s" "$mem"; do
	[[ $n =~ ^[1-9][0-9]*$ ]] || { echo "vmtest.sh: '$n' is not a positive number" >&2; exit 2; }
done
if [ -n "$rw" ]; then
	[ -d "$rw" ] || { echo "vmtest.sh: -w $rw: no such directory" >&2; exit 2; }
	rw=$(cd "$rw" && pwd)
fi
if [ -n "$shell" ] && [ ! -t 0 ]; then
	echo "vmtest.sh: -s needs an interactive terminal" >&2
	exit 2
fi

cache=${KSM_EXT_CACHE:-${XDG_CACHE_HOME:-${HOME:-/root}/.cache}/ksm-ext}
series_dir=$here/kernel-patch
fragment=$series_dir/ksm-ext.config
if [ -n "$debug" ]; then
	# One fragment file, so the debug kernel's key differs by its content
	# and build_kernel (whose text is in the key) stays the same.
	mkdir -p "$cache"
	cat "$fragment" "$series_dir/ksm-ext-debug.config" >"$cache/ksm-ext+debug.config"
	fragment=$cache/ksm-ext+debug.config
fi

# --- build -----------------------------------------------------------------

patches() {	# the series, in order, as absolute paths
	[ -f "$series_dir/series" ] || return 0
	grep -v -e '^#' -e '^[[:space:]]*$' "$series_dir/series" | sed "s|^|$series_dir/|" || true
}

# One step of the kernel build, its output appended to the build log.  A
# failure stops the build with one line naming the step, then the log's
# tail.  Each step checks itself, not errexit: errexit is off in a
# function called as `f || ...` and a pipeline's `exit` leaves only its
# subshell, which is how a broken patch once let the build go on.
build_fail() {
	echo "vmtest.sh: kernel build failed: $1 (log: $build_log)" >&2
	tail -n 30 "$build_log" >&2
	exit 1
}
build_step() {	# what cmd [arg]...
	echo "== $1" >>"$build_log"
	"${@:2}" >>"$build_log" 2>&1 || build_fail "$1"
}

build_kernel() {	# sets kdir
	local src key dir p opt series
	src=$("$here/scripts/kernel-src.sh")
	mapfile -t series < <(patches)
	for p in ${series[@]+"${series[@]}"}; do
		[ -f "$p" ] || { echo "vmtest.sh: kernel-patch/series lists $(basename "$p"), which does not exist" >&2; exit 1; }
	done
	# The recipe below is part of the key: change it and kernels rebuild.
	key=$( (basename "$src"; sed -n '/^build_kernel()/,/^}/p' "$0"; cat "$fragment"
		[ ${#series[@]} -eq 0 ] || cat "${series[@]}") | sha256sum | cut -c1-16)
	dir=$cache/kernel-$key
	if [ -f "$dir/bzImage" ]; then
		kdir=$dir
		return
	fi
	build_log=$dir/build.log
	mkdir -p "$dir"
	: >"$build_log"
	echo "vmtest.sh: building kernel $key (log: $build_log)" >&2
	rm -rf "$dir/src"
	# Hard links share the pristine tree; patch(1) replaces the files it
	# changes, so the pristine copy stays intact.
	build_step "copying $src" cp -al "$src" "$dir/src"
	for p in ${series[@]+"${series[@]}"}; do
		# --forward --batch: a hunk that does not apply fails, patch
		# never asks (whether it is reversed, which file to patch).
		build_step "applying $(basename "$p")" patch -d "$dir/src" -p1 -s \
			--forward --batch --no-backup-if-mismatch -i "$p"
	done
	build_step "make tinyconfig" make -C "$dir/src" -s O="$dir/obj" tinyconfig
	build_step "merging $(basename "$fragment")" \
		"$dir/src/scripts/kconfig/merge_config.sh" -m -O "$dir/obj" \
		"$dir/obj/.config" "$fragment"
	build_step "make olddefconfig" make -C "$dir/src" -s O="$dir/obj" olddefconfig
	# olddefconfig drops an option whose dependencies are not met: every
	# one of the fragment must be there as written.
	while read -r opt; do
		grep -qxF "$opt" "$dir/obj/.config" ||
			build_fail "config option did not stick: $opt ($(basename "$fragment"))"
	done < <(grep '^CONFIG_' "$fragment")
	build_step "make bzImage" make -C "$dir/src" -s -j"$(nproc)" O="$dir/obj" bzImage
	build_step "copying bzImage" cp "$dir/obj/arch/x86/boot/bzImage" "$dir/bzImage.tmp"
	mv "$dir/bzImage.tmp" "$dir/bzImage"
	# Keep the three newest builds.
	ls -1dt "$cache"/kernel-* | tail -n +4 | xargs -r rm -rf
	kdir=$dir
}

if [ -n "${KSM_EXT_KERNEL:-}" ]; then
	[ -f "$KSM_EXT_KERNEL/bzImage" ] ||
		{ echo "vmtest.sh: no bzImage in KSM_EXT_KERNEL=$KSM_EXT_KERNEL" >&2; exit 2; }
	kdir=$(cd "$KSM_EXT_KERNEL" && pwd)
else
	build_kernel
fi
if [ -n "$build_only" ]; then
	echo "$kdir"
	exit 0
fi

# --- boot ------------------------------------------------------------------

run=${run:-$here/build/vmtest}
case $run in /*) ;; *) run=$PWD/$run ;; esac
# Emptied below: only a directory an earlier run made, or an empty one.
if [ -d "$run" ] && [ -n "$(ls -A "$run")" ] && [ ! -d "$run/share" ]; then
	echo "vmtest.sh: -o $run: not empty and not a vmtest.sh run directory" >&2
	exit 2
fi
rm -rf "$run"
mkdir -p "$run/share"
console=$run/console.log
if [ -n "$shell" ]; then
	echo "exec bash -i" >"$run/share/cmd.sh"
elif [ $# -gt 0 ]; then
	printf '%q ' "$@" >"$run/share/cmd.sh"
	echo >>"$run/share/cmd.sh"
else
	echo "exec tests/vm/run.sh" >"$run/share/cmd.sh"
fi
echo "$here" >"$run/share/cwd"
[ -n "$shell" ] && touch "$run/share/interactive"
[ -n "$rw" ] && echo "$rw" >"$run/share/rw"

# Two vCPUs (the fragment's ACPI lists them), interleaved by one TCG
# thread: tests/run.sh runs one guest per host CPU, and multi-threaded TCG
# with two such guests on two host CPUs took twice as long for the same
# tests.  The guest kernel is SMP all the same: IPIs, per-CPU state, and a
# vCPU switch can fall between any two instructions of a critical section.
qemu=(qemu-system-x86_64 -accel tcg,thread=single -cpu max -smp 2 -m "$mem"
	-kernel "$kdir/bzImage" -no-reboot -display none -vga none
	-fsdev "local,id=root,path=/,readonly=on,security_model=none,multidevs=remap"
	-device "virtio-9p-pci,fsdev=root,mount_tag=hostroot"
	-fsdev "local,id=share,path=$run/share,security_model=none"
	-device "virtio-9p-pci,fsdev=share,mount_tag=share"
	${rw:+-fsdev "local,id=rw,path=$rw,security_model=none"}
	${rw:+-device "virtio-9p-pci,fsdev=rw,mount_tag=rw"}
	${KSM_EXT_GDB:+-gdb "tcp:127.0.0.1:$KSM_EXT_GDB"}
	-append "console=ttyS0 printk.time=1 panic=-1 watchdog_thresh=60 numa=fake=2 root=hostroot rootfstype=9p rootflags=trans=virtio,version=9p2000.L,msize=1048576 ro init=$here/tests/vm/guest-init.sh")

set +e
if [ -n "$shell" ]; then
	"${qemu[@]}" -serial mon:stdio 2>&1 | tee "$console"
	rc=${PIPESTATUS[0]}
else
	timeout -k 5 "$timeout_s" "${qemu[@]}" -serial stdio -monitor none \
		</dev/null 2>&1 | tee "$console"
	rc=${PIPESTATUS[0]}
fi
set -e
if [ "$rc" -eq 124 ]; then
	echo "vmtest.sh: timed out after ${timeout_s}s (console: $console)" >&2
	exit 124
fi

# Kernel messages carry a [seconds] stamp (printk.time=1); user output
# printed by the tests does not, so only kernel reports match.
splat='^\[ *[0-9]+\.[0-9]+\] .*(BUG:|WARNING:|Oops|general protection fault|Kernel panic|kernel BUG at|possible circular locking|possible recursive locking|inconsistent lock state|suspicious RCU usage|rcu_.* detected stalls|rcu: INFO:|soft lockup|hung_task|blocked for more than|UBSAN:|DEBUG_LOCKS_WARN_ON)'
if grep -Eq "$splat" "$console"; then
	echo "vmtest.sh: kernel splat on the guest console ($console):" >&2
	grep -En -A3 "$splat" "$console" | head -n 40 >&2 || true	# grep's SIGPIPE
	exit 1
fi
if [ ! -f "$run/share/exit" ]; then
	echo "vmtest.sh: the guest did not report an exit status (console: $console)" >&2
	exit 1
fi
exit "$(cat "$run/share/exit")"
