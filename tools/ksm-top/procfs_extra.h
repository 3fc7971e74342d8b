/* SPDX-License-Identifier: GPL-2.0 */
/*
 * /proc readers ksm-top needs beyond src/lib/procfs.h: a /proc/vmstat
 * counter, a process's cgroup v2 path and its comm.  Generic: they belong
 * in src/lib/procfs.[ch] and live here until moved.
 */
#ifndef KSM_TOP_PROCFS_EXTRA_H
#define KSM_TOP_PROCFS_EXTRA_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Value of "@key N" in /proc/vmstat text; 0, -ENOENT or -EINVAL. */
int parse_vmstat_u64(const char *text, const char *key, uint64_t *out);
/* Path of the "0::PATH" line of /proc/PID/cgroup text; 0, -ENOENT (no
 * cgroup v2 line: a v1-only system), -EINVAL or -ENAMETOOLONG. */
int parse_cgroup_v2_path(const char *text, char *out, size_t len);

int procfs_read_vmstat_u64(const char *key, uint64_t *out);
int procfs_read_cgroup_v2(pid_t pid, char *out, size_t len);
/* /proc/PID/comm without its newline; 0 or -errno (-ENOENT: gone). */
int procfs_read_comm(pid_t pid, char *out, size_t len);

#endif /* KSM_TOP_PROCFS_EXTRA_H */
