#!/bin/bash
# PID 1 of the vmtest.sh guest.  The root is the host's, read-only over 9p:
# give the guest its own /proc, /sys, /dev and writable tmpfs places, run
# the command vmtest.sh left in the "share" 9p mount, report its status
# there, and power off (reboot + qemu -no-reboot).
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/tmp TERM=${TERM:-linux}
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
mount -t tmpfs -o mode=1777 tmp /tmp
mount -t tmpfs run /run
mount -t bpf bpf /sys/fs/bpf
mount -t cgroup2 cgroup2 /sys/fs/cgroup
mount -t tracefs tracefs /sys/kernel/tracing 2>/dev/null
mkdir -p /tmp/share
mount -t 9p -o trans=virtio,version=9p2000.L share /tmp/share || {
	echo "guest-init: cannot mount the share"; echo b >/proc/sysrq-trigger; }

cd "$(cat /tmp/share/cwd)" || echo "guest-init: no repository directory"
echo "guest-init: $(uname -r), running: $(cat /tmp/share/cmd.sh)"
if [ -f /tmp/share/interactive ]; then
	setsid -c bash /tmp/share/cmd.sh </dev/ttyS0 >/dev/ttyS0 2>&1
else
	bash /tmp/share/cmd.sh
fi
rc=$?
echo "guest-init: exit status $rc"
echo "$rc" >/tmp/share/exit
sync
echo b >/proc/sysrq-trigger
