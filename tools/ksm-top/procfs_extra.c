// SPDX-License-Identifier: GPL-2.0
#include "procfs_extra.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "procfs.h"

/* Start of the line that begins with @prefix, or NULL. */
static const char *find_line(const char *text, const char *prefix)
{
	size_t plen = strlen(prefix);
	const char *p = text;

	while (p && *p) {
		if (!strncmp(p, prefix, plen))
			return p;
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	return NULL;
}

int parse_vmstat_u64(const char *text, const char *key, uint64_t *out)
{
	char prefix[64];
	const char *v;
	char *end;

	/* "cow_ksm " must not match a longer key such as "cow_ksm_x ". */
	if (snprintf(prefix, sizeof(prefix), "%s ", key) >= (int)sizeof(prefix))
		return -EINVAL;
	v = find_line(text, prefix);
	if (!v)
		return -ENOENT;
	v += strlen(prefix);
	if (!isdigit((unsigned char)*v))
		return -EINVAL;
	errno = 0;
	*out = strtoull(v, &end, 10);
	if (errno || (*end && *end != '\n'))
		return -EINVAL;
	return 0;
}

int parse_cgroup_v2_path(const char *text, char *out, size_t len)
{
	const char *v = find_line(text, "0::"), *eol;
	size_t n;

	if (!v)
		return -ENOENT;
	v += 3;
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
