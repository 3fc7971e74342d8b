// SPDX-License-Identifier: GPL-2.0
/*
 * The /proc and sysfs parsers: the first byte picks one, the rest is the
 * file's text.  The kernel writes these files, but an old or new kernel,
 * a container's /proc or a process's own name (comm, in stat) can put
 * anything in them.  Promises: no parser reads or writes out of bounds,
 * and what they return is within what the text can say.
 */
#include "fuzz.h"
#include "procfs.h"
#include "ksm_sysfs.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ksm_domain dom[4];
	struct proc_ksm_stat ks;
	struct psi_memory psi;
	enum procfs_cpu_source src;
	uint64_t u;
	int64_t s;
	char *text, comm[16], path[64], word[8];
	size_t n, line;

	if (size < 1)
		return 0;
	text = fuzz_str(data + 1, size - 1);
	switch (data[0] % 12) {
	case 0:
		memset(ks.merge_domain, 'x', sizeof(ks.merge_domain));
		/* A domain is an id in canonical decimal, "none" or "". */
		if (!parse_ksm_stat(text, &ks))
			fuzz_assert(!strcmp(ks.merge_domain, "none") ||
				    strspn(ks.merge_domain, "0123456789") ==
				    strlen(ks.merge_domain));
		break;
	case 1:
		if (!parse_psi_memory(text, &psi))
			fuzz_assert(psi.some_avg10 == psi.some_avg10);	/* no NaN */
		break;
	case 2:
		parse_meminfo_available(text, &u);
		break;
	case 3:
		memset(comm, 'x', sizeof(comm));
		if (!parse_pid_stat_cpu(text, &u, comm, sizeof(comm)))
			fuzz_assert(memchr(comm, '\0', sizeof(comm)));
		break;
	case 4:
		parse_schedstat_ns(text, &u);
		break;
	case 5:
		parse_task_cpu_ns(text, text, 100, &u, &src);
		parse_task_cpu_ns(NULL, text, 250, &u, &src);
		break;
	case 6:
		parse_vmstat_u64(text, "cow_ksm", &u);
		break;
	case 7:
		memset(path, 'x', sizeof(path));
		if (!parse_cgroup_v2_path(text, path, sizeof(path)))
			fuzz_assert(memchr(path, '\0', sizeof(path)));
		break;
	case 8:
		ksm_parse_u64(text, &u);
		break;
	case 9:
		ksm_parse_s64(text, &s);
		break;
	case 10:
		memset(word, 'x', sizeof(word));
		if (!ksm_parse_selector(text, word, sizeof(word)))
			fuzz_assert(memchr(word, '\0', sizeof(word)));
		break;
	case 11:
		/* No more rows than room; an error names a line of the text. */
		if (!ksm_parse_domains(text, dom, 4, &n, &line))
			fuzz_assert(n <= 4);
		else
			fuzz_assert(n == 0 && line >= 1 && line <= size);
		break;
	}
	free(text);
	return 0;
}
