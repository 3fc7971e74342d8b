/* SPDX-License-Identifier: GPL-2.0 */
/* /proc parsers: per-process KSM figures, PSI, MemAvailable, task CPU time.
 * The parse_* functions are pure (text in, struct out) for unit tests. */
#ifndef KSM_EXT_PROCFS_H
#define KSM_EXT_PROCFS_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

/* A merge domain as text: a u64 in decimal, or "none", and the NUL. */
#define PROCFS_DOMAIN_LEN 24

/* /proc/PID/ksm_stat (Linux >= 6.1; later fields appeared one by one). */
struct proc_ksm_stat {
	uint64_t rmap_items;
	uint64_t zero_pages;
	uint64_t merging_pages;
	int64_t process_profit;
	bool merge_any;		/* prctl(PR_SET_MEMORY_MERGE) */
	bool mergeable;		/* has a VM_MERGEABLE area */
	bool has_mergeable;	/* the two lines above exist (Linux >= 6.8) */
	/*
	 * ksm_merge_domain (ksm_ext kernels): the id in canonical decimal,
	 * "none" (in no domain: the kernel's table was full, nothing merges),
	 * or "" when the line is absent (a stock kernel, or ksmd does not
	 * know the process).
	 */
	char merge_domain[PROCFS_DOMAIN_LEN];
};

/* /proc/pressure/memory: the "some" line's avg10, what ksm-policyd and
 * ksm-top use (% of the last 10 s some task stalled on memory). */
struct psi_memory {
	double some_avg10;
};

int parse_ksm_stat(const char *text, struct proc_ksm_stat *out);
int parse_psi_memory(const char *text, struct psi_memory *out);
/* MemAvailable from /proc/meminfo text, in bytes. */
int parse_meminfo_available(const char *text, uint64_t *bytes);
/* utime+stime from /proc/PID/stat text, in clock ticks; comm is copied. */
int parse_pid_stat_cpu(const char *text, uint64_t *ticks, char *comm,
		       size_t comm_len);
/* The first field of /proc/PID/schedstat: time on CPU in ns. */
int parse_schedstat_ns(const char *text, uint64_t *ns);

/* Where a task's CPU time was read from. */
enum procfs_cpu_source {
	PROCFS_CPU_NONE,	/* nowhere (yet) */
	PROCFS_CPU_SCHEDSTAT,	/* /proc/PID/schedstat, ns */
	PROCFS_CPU_STAT,	/* /proc/PID/stat, clock ticks */
};
/*
 * A task's CPU time in ns from its schedstat text, or from its stat text
 * (@hz ticks a second) when @schedstat is NULL; *@src says which.
 */
int parse_task_cpu_ns(const char *schedstat, const char *stat, long hz,
		      uint64_t *ns, enum procfs_cpu_source *src);

/* Read a whole small /proc file into buf (NUL-terminated); 0 or -errno. */
int procfs_read(const char *path, char *buf, size_t len);
int procfs_read_ksm_stat(pid_t pid, struct proc_ksm_stat *out);
int procfs_read_psi_memory(struct psi_memory *out);
int procfs_read_mem_available(uint64_t *bytes);
/*
 * A task's CPU time in ns, the one reader ksm-policyd and ksm-top share so
 * they show the same ksmd CPU: the first field of /proc/PID/schedstat
 * (exact), or where that file is absent (no CONFIG_SCHED_INFO) utime+stime
 * of /proc/PID/stat, to the clock tick.  @src (may be NULL): which one.
 */
int procfs_task_cpu_ns(pid_t pid, uint64_t *ns, enum procfs_cpu_source *src);
/* PID of the ksmd kernel thread, or -ESRCH. */
pid_t procfs_find_ksmd(void);

/* Value of "@key N" in /proc/vmstat text; 0, -ENOENT or -EINVAL. */
int parse_vmstat_u64(const char *text, const char *key, uint64_t *out);
/*
 * Path of the "0::PATH" line of /proc/PID/cgroup text; 0, -ENOENT (no
 * cgroup v2 line: a v1-only system), -EINVAL or -ENAMETOOLONG.
 */
int parse_cgroup_v2_path(const char *text, char *out, size_t len);

int procfs_read_vmstat_u64(const char *key, uint64_t *out);
int procfs_read_cgroup_v2(pid_t pid, char *out, size_t len);
/* /proc/PID/comm without its newline; 0 or -errno (-ENOENT: gone). */
int procfs_read_comm(pid_t pid, char *out, size_t len);

#endif /* KSM_EXT_PROCFS_H */
