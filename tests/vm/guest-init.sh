#!/bin/bash
# PID 1 of the vmtest.sh guest.  The root is the host's, read-only over 9p:
# give the guest its own /proc, /sys, /dev and a writable tmpfs on /run, run
# the command vmtest.sh left in the "share" 9p mount, report its status
# there, and power off (reboot + qemu -no-reboot).  The host's /tmp stays
# visible (read-only): the repository or the cache may live there, so
# scratch space is TMPDIR=/run/tmp.  A step that fails stops it with a
# line naming the step; PID 1 exiting panics the kernel, which vmtest.sh
# reports with the console.
set -euo pipefail
trap 'echo "guest-init: line $LINENO failed: $BASH_COMMAND"' ERR
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/run/tmp TERM=${TERM:-linux}
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
# What udev would add: bash's <(...) and /dev/stdin need /dev/fd.
ln -sfn /proc/self/fd /dev/fd
ln -sf /proc/self/fd/0 /dev/stdin
ln -sf /proc/self/fd/1 /dev/stdout
ln -sf /proc/self/fd/2 /dev/stderr
mkdir -p /dev/pts
mount -t devpts -o ptmxmode=0666 devpts /dev/pts
mount -t tmpfs run /run
mkdir -p /run/tmp /run/share
chmod 1777 /run/tmp
export TMPDIR=/run/tmp TMUX_TMPDIR=/run/tmp
# qemu TCG and a debug kernel: ksmd spends ~80 us a page; tests size down.
export KSM_EXT_SLOW=1
mount -t bpf bpf /sys/fs/bpf
mount -t cgroup2 cgroup2 /sys/fs/cgroup
# Optional, for a look with -s: no test needs tracefs.
mount -t tracefs tracefs /sys/kernel/tracing 2>/dev/null || true
# The debug kernel's kmemleak (tests/vm/run.sh); absent elsewhere.
mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null || true
mount -t 9p -o trans=virtio,version=9p2000.L share /run/share || {
	echo "guest-init: cannot mount the share"; echo b >/proc/sysrq-trigger; }

# vmtest.sh -w DIR: DIR writable at its own path, over the read-only root.
if [ -f /run/share/rw ]; then
	mount -t 9p -o trans=virtio,version=9p2000.L,msize=1048576 rw "$(cat /run/share/rw)" ||
		echo "guest-init: cannot mount $(cat /run/share/rw) writable"
fi
cd "$(cat /run/share/cwd)" || echo "guest-init: no repository directory"
echo "guest-init: $(uname -r), running: $(cat /run/share/cmd.sh)"
# The command's status is the result, not an error of ours.
rc=0
if [ -f /run/share/interactive ]; then
	setsid -c bash /run/share/cmd.sh </dev/ttyS0 >/dev/ttyS0 2>&1 || rc=$?
else
	bash /run/share/cmd.sh || rc=$?
fi
echo "guest-init: exit status $rc"
echo "$rc" >/run/share/exit
sync
echo b >/proc/sysrq-trigger
