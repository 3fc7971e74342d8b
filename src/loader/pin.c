// SPDX-License-Identifier: GPL-2.0
/* bpffs mounting, pin directories and the root check. */
#include "loader.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#ifndef BPF_FS_MAGIC
#define BPF_FS_MAGIC 0xcafe4a11
#endif

bool path_exists(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0;
}

/*
 * Create the parents of @dir below the bpffs mount, mounting bpffs at
 * /sys/fs/bpf first if nothing is mounted there.  @dir itself is left to
 * the caller, whose mkdir() tells whether someone else got there first.
 * A bpffs mounted without mode= is world-writable (1777): a parent that
 * another user made, or may write to, could swap our pins for theirs, so
 * it is refused.
 */
int ensure_bpffs(const char *dir)
{
	char path[PATH_MAX], *p;
	struct statfs sfs;
	struct stat st;

	if (statfs("/sys/fs/bpf", &sfs) || sfs.f_type != BPF_FS_MAGIC) {
		if (mount("bpf", "/sys/fs/bpf", "bpf", 0, "mode=0700")) {
			fprintf(stderr, "ksm-loader: bpffs is not mounted at /sys/fs/bpf and mounting it failed: %s\n",
				strerror(errno));
			return -1;
		}
	}
	snprintf(path, sizeof(path), "%s", dir);
	for (p = path + strlen("/sys/fs/bpf/"); (p = strchr(p, '/')); p++) {
		*p = '\0';
		if (mkdir(path, 0700) && errno != EEXIST)
			goto fail;
		if (lstat(path, &st))
			goto fail;
		if (!S_ISDIR(st.st_mode) || st.st_uid != geteuid() ||
		    (st.st_mode & (S_IWGRP | S_IWOTH))) {
			fprintf(stderr, "ksm-loader: %s is not a directory of ours (uid %u, mode %04o): refusing to pin below it; remove it\n",
				path, (unsigned int)st.st_uid,
				(unsigned int)(st.st_mode & 07777));
			return -1;
		}
		*p = '/';
	}
	return 0;
fail:
	fprintf(stderr, "ksm-loader: cannot create %s: %s\n", path, strerror(errno));
	return -1;
}

/* Unpin everything in @dir and remove it; its parent too if now empty. */
int remove_pin_dir(const char *dir)
{
	char path[PATH_MAX], parent[PATH_MAX], *slash;
	struct dirent *de;
	int err = 0;
	DIR *d;

	d = opendir(dir);
	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if (unlink(path) && !err)
			err = -errno;
	}
	closedir(d);
	if (rmdir(dir) && !err)
		err = -errno;
	snprintf(parent, sizeof(parent), "%s", dir);
	slash = strrchr(parent, '/');
	if (slash && slash != parent) {
		*slash = '\0';
		rmdir(parent);	/* fails harmlessly while other pins live there */
	}
	return err;
}

int require_root(void)
{
	if (geteuid() == 0)
		return 0;
	fprintf(stderr, "ksm-loader: must run as root (loading and pinning BPF programs needs CAP_BPF, CAP_PERFMON and CAP_SYS_ADMIN)\n");
	return -1;
}
