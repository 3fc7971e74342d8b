// SPDX-License-Identifier: GPL-2.0
#include "pin.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>
#include <bpf/libbpf.h>

#include "cli.h"

#ifndef BPF_FS_MAGIC
#define BPF_FS_MAGIC 0xcafe4a11
#endif

bool path_exists(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0;
}

/*
 * A bpffs mounted without mode= is world-writable (1777): a parent that
 * another user made, or may write to, could swap our pins for theirs, so
 * it is refused.
 */
int pin_dir_parents(const char *dir, char *why, size_t why_len)
{
	char path[PATH_MAX], *p;
	struct statfs sfs;
	struct stat st;
	int err;

	if (statfs("/sys/fs/bpf", &sfs) || sfs.f_type != BPF_FS_MAGIC) {
		if (mount("bpf", "/sys/fs/bpf", "bpf", 0, "mode=0700")) {
			err = -errno;
			snprintf(why, why_len, "bpffs is not mounted at /sys/fs/bpf and mounting it failed: %s",
				 strerror(-err));
			return err;
		}
	}
	snprintf(path, sizeof(path), "%s", dir);
	for (p = path + strlen("/sys/fs/bpf/"); (p = strchr(p, '/')); p++) {
		*p = '\0';
		if ((mkdir(path, 0700) && errno != EEXIST) || lstat(path, &st)) {
			err = -errno;
			snprintf(why, why_len, "cannot create %s: %s", path, strerror(-err));
			return err;
		}
		if (!S_ISDIR(st.st_mode) || st.st_uid != geteuid() ||
		    (st.st_mode & (S_IWGRP | S_IWOTH))) {
			snprintf(why, why_len, "%s is not a directory of ours (uid %u, mode %04o): refusing to pin below it; remove it",
				 path, (unsigned int)st.st_uid,
				 (unsigned int)(st.st_mode & 07777));
			return -EPERM;
		}
		*p = '/';
	}
	return 0;
}

int pin_map(struct bpf_map *m, const char *dir, const char *name, char *why,
	    size_t why_len)
{
	char path[PATH_MAX];
	int err;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	err = bpf_map__pin(m, path);
	if (err)
		snprintf(why, why_len, "pinning map %s at %s: %s", bpf_map__name(m),
			 path, BPF_STRERROR(err));
	return err;
}

int pin_link(struct bpf_link *link, const char *dir, const char *name,
	     char *why, size_t why_len)
{
	char path[PATH_MAX];
	int err;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	err = bpf_link__pin(link, path);
	if (err)
		snprintf(why, why_len, "pinning link at %s: %s", path, BPF_STRERROR(err));
	return err;
}

int pin_dir_remove(const char *dir)
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
