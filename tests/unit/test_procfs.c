// SPDX-License-Identifier: GPL-2.0
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <unistd.h>

#include "procfs.h"

Test(procfs, ksm_stat_6_12)
{
	static const char text[] =
		"ksm_rmap_items 16384\n"
		"ksm_zero_pages 0\n"
		"ksm_merging_pages 4096\n"
		"ksm_process_profit 15728640\n"
		"ksm_merge_any: no\n"
		"ksm_mergeable: yes\n";
	struct proc_ksm_stat s;

	cr_assert_eq(parse_ksm_stat(text, &s), 0);
	cr_assert_eq(s.rmap_items, 16384);
	cr_assert_eq(s.merging_pages, 4096);
	cr_assert_eq(s.process_profit, 15728640);
	cr_assert_not(s.merge_any);
	cr_assert(s.mergeable);
	cr_assert(s.has_mergeable);
}

Test(procfs, ksm_stat_old_kernel_and_negative_profit)
{
	struct proc_ksm_stat s;

	cr_assert_eq(parse_ksm_stat("ksm_rmap_items 3\n", &s), 0);
	cr_assert_eq(s.rmap_items, 3);
	/* 6.12 has no ksm_merge_any/ksm_mergeable lines: unknown, not "no". */
	cr_assert_not(s.has_mergeable);
	cr_assert_eq(parse_ksm_stat("ksm_rmap_items 3\nksm_process_profit -192\n", &s), 0);
	cr_assert_eq(s.process_profit, -192);
}

Test(procfs, ksm_stat_rejects_garbage)
{
	struct proc_ksm_stat s;

	cr_assert_eq(parse_ksm_stat("", &s), -EINVAL);
	cr_assert_eq(parse_ksm_stat("ksm_rmap_items x\n", &s), -EINVAL);
	cr_assert_eq(parse_ksm_stat("ksm_rmap_items 1\nksm_mergeable: maybe\n", &s), -EINVAL);
}

Test(procfs, ksm_stat_merge_domain)
{
	struct proc_ksm_stat s;

	cr_assert_eq(parse_ksm_stat("ksm_rmap_items 3\nksm_mergeable: yes\n"
				    "ksm_merge_domain 4242\n", &s), 0);
	cr_assert_str_eq(s.merge_domain, "4242");
	cr_assert(s.mergeable);
	cr_assert_eq(parse_ksm_stat("ksm_rmap_items 3\nksm_merge_domain 0\n", &s), 0);
	cr_assert_str_eq(s.merge_domain, "0");
	cr_assert_eq(parse_ksm_stat("ksm_rmap_items 3\nksm_merge_domain 18446744073709551615",
				    &s), 0);
	cr_assert_str_eq(s.merge_domain, "18446744073709551615");
	/* Canonical, so it matches the id ext_domains prints. */
	cr_assert_eq(parse_ksm_stat("ksm_rmap_items 3\nksm_merge_domain 007\n", &s), 0);
	cr_assert_str_eq(s.merge_domain, "7");
	cr_assert_eq(parse_ksm_stat("ksm_rmap_items 3\nksm_merge_domain none\n", &s), 0);
	cr_assert_str_eq(s.merge_domain, "none");
	/* Absent: a stock kernel, or ksmd does not know the process. */
	cr_assert_eq(parse_ksm_stat("ksm_rmap_items 3\nksm_mergeable: yes\n", &s), 0);
	cr_assert_str_eq(s.merge_domain, "");
}

Test(procfs, ksm_stat_merge_domain_rejects_garbage)
{
	static const char *const bad[] = {
		"", "x", "-1", "+5", "12x", "0x10", "none2", "nonesuch", "None",
		"18446744073709551616", "99999999999999999999999",
	};
	struct proc_ksm_stat s;
	char text[128];
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(text, sizeof(text), "ksm_rmap_items 3\nksm_merge_domain %s\n", bad[i]);
		cr_assert_eq(parse_ksm_stat(text, &s), -EINVAL, "'%s'", bad[i]);
	}
}

Test(procfs, psi_memory)
{
	static const char text[] =
		"some avg10=1.50 avg60=0.25 avg300=0.00 total=123456\n"
		"full avg10=0.75 avg60=0.10 avg300=0.00 total=6543\n";
	struct psi_memory p;

	cr_assert_eq(parse_psi_memory(text, &p), 0);
	cr_assert_float_eq(p.some_avg10, 1.50, 1e-9);
	cr_assert_eq(parse_psi_memory("some avg10=1.50 avg60=0.25\n", &p), -EINVAL);
	cr_assert_eq(parse_psi_memory("bogus\n", &p), -EINVAL);
}

Test(procfs, meminfo_available)
{
	static const char text[] =
		"MemTotal:       24589688 kB\n"
		"MemFree:        24000000 kB\n"
		"MemAvailable:   24341960 kB\n";
	uint64_t b;

	cr_assert_eq(parse_meminfo_available(text, &b), 0);
	cr_assert_eq(b, 24341960ull * 1024);
	cr_assert_eq(parse_meminfo_available("MemTotal: 1 kB\n", &b), -ENOENT);
}

Test(procfs, pid_stat_cpu_with_hostile_comm)
{
	/* comm "a) b (c" must not shift the fields. */
	static const char text[] =
		"1234 (a) b (c) R 1 1234 1234 0 -1 4194304 100 0 0 0 250 30 0 0 20 0 1 0 5 0 0";
	char comm[16];
	uint64_t ticks;

	cr_assert_eq(parse_pid_stat_cpu(text, &ticks, comm, sizeof(comm)), 0);
	cr_assert_eq(ticks, 280);
	cr_assert_str_eq(comm, "a) b (c");
	cr_assert_eq(parse_pid_stat_cpu("1234 (x", &ticks, NULL, 0), -EINVAL);
}

Test(procfs, reads_own_cpu_time)
{
	enum procfs_cpu_source src = PROCFS_CPU_NONE;
	uint64_t ns;

	cr_assert_eq(procfs_task_cpu_ns(getpid(), &ns, &src), 0);
	cr_assert_neq(src, PROCFS_CPU_NONE);
	cr_assert_eq(procfs_task_cpu_ns(getpid(), &ns, NULL), 0);
}

Test(procfs, schedstat)
{
	uint64_t ns;

	cr_assert_eq(parse_schedstat_ns("238276816280 75301402148 160776\n", &ns), 0);
	cr_assert_eq(ns, 238276816280ull);
	cr_assert_eq(parse_schedstat_ns("", &ns), -EINVAL);
	cr_assert_eq(parse_schedstat_ns("-1 2 3\n", &ns), -EINVAL);
	cr_assert_eq(parse_schedstat_ns("12x 2 3\n", &ns), -EINVAL);
}

Test(procfs, task_cpu_prefers_schedstat)
{
	static const char stat[] =
		"42 (ksmd) S 2 0 0 0 -1 2097216 0 0 0 0 250 30 0 0 25 5 1 0 5 0 0";
	enum procfs_cpu_source src = PROCFS_CPU_NONE;
	uint64_t ns;

	/* Both given: schedstat's nanoseconds, not the stat's ticks. */
	cr_assert_eq(parse_task_cpu_ns("2800000123 5 7\n", stat, 100, &ns, &src), 0);
	cr_assert_eq(ns, 2800000123ull);
	cr_assert_eq(src, PROCFS_CPU_SCHEDSTAT);
	/* A bad schedstat is an error, not a silent switch of units. */
	src = PROCFS_CPU_NONE;
	cr_assert_eq(parse_task_cpu_ns("x 5 7\n", stat, 100, &ns, &src), -EINVAL);
	cr_assert_eq(src, PROCFS_CPU_NONE);
}

Test(procfs, task_cpu_falls_back_to_stat)
{
	static const char stat[] =
		"42 (ksmd) S 2 0 0 0 -1 2097216 0 0 0 0 250 30 0 0 25 5 1 0 5 0 0";
	enum procfs_cpu_source src = PROCFS_CPU_NONE;
	uint64_t ns;

	/* 280 ticks at 100 Hz, at 250 Hz. */
	cr_assert_eq(parse_task_cpu_ns(NULL, stat, 100, &ns, &src), 0);
	cr_assert_eq(ns, 2800000000ull);
	cr_assert_eq(src, PROCFS_CPU_STAT);
	cr_assert_eq(parse_task_cpu_ns(NULL, stat, 250, &ns, NULL), 0);
	cr_assert_eq(ns, 1120000000ull);
	cr_assert_eq(parse_task_cpu_ns(NULL, stat, 0, &ns, NULL), -EINVAL);
	cr_assert_eq(parse_task_cpu_ns(NULL, "42 (ksmd", 100, &ns, NULL), -EINVAL);
}
