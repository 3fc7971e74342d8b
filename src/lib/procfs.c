// SPDX-License-Identifier: GPL-2.0
#include "procfs.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Find "key" at the start of a line and return what follows it. */
static const char *line_value(const char *text, const char *key)
{
	size_t klen = strlen(key);
	const char *p = text;

	while (p && *p) {
		if (!strncmp(p, key, klen))
			return p + klen;
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	return NULL;
}

static int value_u64(const char *text, const char *key, uint64_t *out)
{
	const char *v = line_value(text, key);
	char *end;

	if (!v)
		return -ENOENT;
	while (*v == ' ' || *v == '\t')
		v++;
	if (!isdigit((unsigned char)*v))
		return -EINVAL;
	errno = 0;
	*out = strtoull(v, &end, 10);
	if (errno || (*end && !isspace((unsigned char)*end)))
		return -EINVAL;
	return 0;
}

static int value_bool(const char *text, const char *key, bool *out)
{
	const char *v = line_value(text, key);

	if (!v)
		return -ENOENT;
	while (*v == ' ')
		v++;
	if (!strncmp(v, "yes", 3))
		*out = true;
	else if (!strncmp(v, "no", 2))
		*out = false;
	else
		return -EINVAL;
	return 0;
}

/* "@key N" or "@key none" into @out (PROCFS_DOMAIN_LEN), N rewritten in
 * canonical decimal so it compares equal to the same id from ext_domains. */
static int value_domain(const char *text, const char *key, char *out)
{
	const char *v = line_value(text, key);
	uint64_t id;
	char *end;

	if (!v)
		return -ENOENT;
	while (*v == ' ' || *v == '\t')
		v++;
	if (!strncmp(v, "none", 4) && (!v[4] || isspace((unsigned char)v[4]))) {
		strcpy(out, "none");
		return 0;
	}
	if (!isdigit((unsigned char)*v))
		return -EINVAL;
	errno = 0;
	id = strtoull(v, &end, 10);
	if (errno || (*end && !isspace((unsigned char)*end)))
		return -EINVAL;
	snprintf(out, PROCFS_DOMAIN_LEN, "%" PRIu64, id);
	return 0;
}

int parse_ksm_stat(const char *text, struct proc_ksm_stat *out)
{
	const char *v;
	char *end;
	int err;

	memset(out, 0, sizeof(*out));
	/* ksm_rmap_items is the one field every kernel with the file has. */
	err = value_u64(text, "ksm_rmap_items ", &out->rmap_items);
	if (err)
		return err == -ENOENT ? -EINVAL : err;
	if ((err = value_u64(text, "ksm_zero_pages ", &out->zero_pages)) && err != -ENOENT)
		return err;
	if ((err = value_u64(text, "ksm_merging_pages ", &out->merging_pages)) && err != -ENOENT)
		return err;
	v = line_value(text, "ksm_process_profit ");
	if (v) {
		errno = 0;
		out->process_profit = strtoll(v, &end, 10);
		if (errno || end == v || (*end && !isspace((unsigned char)*end)))
			return -EINVAL;
	}
	if ((err = value_bool(text, "ksm_merge_any:", &out->merge_any)) && err != -ENOENT)
		return err;
	err = value_bool(text, "ksm_mergeable:", &out->mergeable);
	if (err && err != -ENOENT)
		return err;
	out->has_mergeable = !err;
	err = value_domain(text, "ksm_merge_domain ", out->merge_domain);
	return err == -ENOENT ? 0 : err;
}

int parse_psi_memory(const char *text, struct psi_memory *out)
{
	const char *line = line_value(text, "some");
	int end = 0;

	memset(out, 0, sizeof(*out));
	/* The whole "some" line, though only avg10 is kept. */
	if (!line ||
	    sscanf(line, " avg10=%lf avg60=%*f avg300=%*f total=%*[0-9]%n",
		   &out->some_avg10, &end) != 1 || !end)
		return -EINVAL;
	return 0;
}

int parse_meminfo_available(const char *text, uint64_t *bytes)
{
	const char *v = line_value(text, "MemAvailable:");
	uint64_t kb;
	char *end;

	if (!v)
		return -ENOENT;
	while (*v == ' ')
		v++;
	if (!isdigit((unsigned char)*v))
		return -EINVAL;
	errno = 0;
	kb = strtoull(v, &end, 10);
	if (errno || strncmp(end, " kB", 3))
		return -EINVAL;
	*bytes = kb * 1024;
	return 0;
}

int parse_pid_stat_cpu(const char *text, uint64_t *ticks, char *comm,
		       size_t comm_len)
{
	/* comm may hold spaces and ')': it ends at the last ')'. */
	const char *open = strchr(text, '('), *close = strrchr(text, ')');
	unsigned long long utime, stime;
	size_t n;

	if (!open || !close || close < open)
		return -EINVAL;
	if (comm && comm_len) {
		n = close - open - 1;
		if (n >= comm_len)
			n = comm_len - 1;
		memcpy(comm, open + 1, n);
		comm[n] = '\0';
	}
	/* After ") " come fields 3..: state ppid pgrp session tty_nr tpgid
	 * flags minflt cminflt majflt cmajflt utime stime. */
	if (sscanf(close + 1, " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu",
		   &utime, &stime) != 2)
		return -EINVAL;
	*ticks = utime + stime;
	return 0;
}

int parse_schedstat_ns(const char *text, uint64_t *ns)
{
	unsigned long long v;
	char *end;

	if (!isdigit((unsigned char)*text))
		return -EINVAL;
	errno = 0;
	v = strtoull(text, &end, 10);
	if (errno || (*end != ' ' && *end != '\n'))
		return -EINVAL;
	*ns = v;
	return 0;
}

int parse_task_cpu_ns(const char *schedstat, const char *stat, long hz,
		      uint64_t *ns, enum procfs_cpu_source *src)
{
	uint64_t ticks;
	int err;

	if (schedstat) {
		err = parse_schedstat_ns(schedstat, ns);
		if (!err && src)
			*src = PROCFS_CPU_SCHEDSTAT;
		return err;
	}
	if (hz <= 0)
		return -EINVAL;
	err = parse_pid_stat_cpu(stat, &ticks, NULL, 0);
	if (err)
		return err;
	*ns = ticks * (1000000000ull / (uint64_t)hz);
	if (src)
		*src = PROCFS_CPU_STAT;
	return 0;
}

int procfs_read(const char *path, char *buf, size_t len)
{
	size_t used = 0;
	ssize_t n;
	int fd, err = 0;

	if (len < 1)
		return -EINVAL;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	while (used < len - 1) {
		n = read(fd, buf + used, len - 1 - used);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			err = -errno;
			break;
		}
		if (n == 0)
			break;
		used += n;
	}
	close(fd);
	buf[used] = '\0';
	return err;
}

int procfs_read_ksm_stat(pid_t pid, struct proc_ksm_stat *out)
{
	char path[64], buf[512];
	int err;

	snprintf(path, sizeof(path), "/proc/%d/ksm_stat", (int)pid);
	err = procfs_read(path, buf, sizeof(buf));
	return err ? err : parse_ksm_stat(buf, out);
}

int procfs_read_psi_memory(struct psi_memory *out)
{
	char buf[256];
	int err = procfs_read("/proc/pressure/memory", buf, sizeof(buf));

	return err ? err : parse_psi_memory(buf, out);
}

int procfs_read_mem_available(uint64_t *bytes)
{
	char buf[4096];
	int err = procfs_read("/proc/meminfo", buf, sizeof(buf));

	return err ? err : parse_meminfo_available(buf, bytes);
}

int procfs_task_cpu_ns(pid_t pid, uint64_t *ns, enum procfs_cpu_source *src)
{
	char path[64], buf[1024];
	int err;

	snprintf(path, sizeof(path), "/proc/%d/schedstat", (int)pid);
	err = procfs_read(path, buf, sizeof(buf));
	if (!err)
		return parse_task_cpu_ns(buf, NULL, 0, ns, src);
	/* A gone task has no stat either: the error comes from there. */
	if (err != -ENOENT)
		return err;
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	err = procfs_read(path, buf, sizeof(buf));
	return err ? err : parse_task_cpu_ns(NULL, buf, sysconf(_SC_CLK_TCK),
					     ns, src);
}

static long stat_ppid(const char *stat_text)
{
	const char *close = strrchr(stat_text, ')');
	long ppid;

	if (!close || sscanf(close + 1, " %*c %ld", &ppid) != 1)
		return -1;
	return ppid;
}

pid_t procfs_find_ksmd(void)
{
	char path[64], buf[512], comm[32];
	struct dirent *de;
	pid_t found = -ESRCH;
	uint64_t ticks;
	DIR *d;

	d = opendir("/proc");
	if (!d)
		return -errno;
	/* Kernel threads are started early: ksmd has a small PID. */
	while ((de = readdir(d))) {
		char *end;
		long pid = strtol(de->d_name, &end, 10);

		if (*end || pid <= 0)
			continue;
		snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
		if (procfs_read(path, buf, sizeof(buf)) ||
		    parse_pid_stat_cpu(buf, &ticks, comm, sizeof(comm)))
			continue;
		/* A user process may call itself ksmd; kthreadd (2) is
		 * the parent of every kernel thread. */
		if (!strcmp(comm, "ksmd") && stat_ppid(buf) == 2) {
			found = pid;
			break;
		}
	}
	closedir(d);
	return found;
}

int parse_vmstat_u64(const char *text, const char *key, uint64_t *out)
{
	char prefix[64];

	/* "cow_ksm " must not match a longer key such as "cow_ksm_x ". */
	if (snprintf(prefix, sizeof(prefix), "%s ", key) >= (int)sizeof(prefix))
		return -EINVAL;
	return value_u64(text, prefix, out);
}

int parse_cgroup_v2_path(const char *text, char *out, size_t len)
{
	const char *v = line_value(text, "0::"), *eol;
	size_t n;

	if (!v)
		return -ENOENT;
	eol = strchr(v, '\n');
	n = eol ? (size_t)(eol - v) : strlen(v);
	if (!n || *v != '/')
		return -EINVAL;
	if (n >= len)
		return -ENAMETOOLONG;
	memcpy(out, v, n);
	out[n] = '\0';
	return 0;
}

int procfs_read_vmstat_u64(const char *key, uint64_t *out)
{
	/* /proc/vmstat is about 8 KiB on 6.x kernels with every event. */
	char buf[32768];
	int err = procfs_read("/proc/vmstat", buf, sizeof(buf));

	return err ? err : parse_vmstat_u64(buf, key, out);
}

int procfs_read_cgroup_v2(pid_t pid, char *out, size_t len)
{
	char path[64], buf[4096];
	int err;

	snprintf(path, sizeof(path), "/proc/%d/cgroup", (int)pid);
	err = procfs_read(path, buf, sizeof(buf));
	return err ? err : parse_cgroup_v2_path(buf, out, len);
}

int procfs_read_comm(pid_t pid, char *out, size_t len)
{
	char path[64];
	size_t n;
	int err;

	snprintf(path, sizeof(path), "/proc/%d/comm", (int)pid);
	err = procfs_read(path, out, len);
	if (err)
		return err;
	n = strlen(out);
	if (n && out[n - 1] == '\n')
		out[n - 1] = '\0';
	return 0;
}
