/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Pinning on bpffs, for the stats and the policies alike: the directories
 * (bpffs mounted, parents that are ours alone), a map or link pinned by
 * name in one, and a directory's pins removed, which detaches what only
 * they held.  Errors are -errno with one line in @why; nothing prints.
 */
#ifndef KSM_EXT_PIN_H
#define KSM_EXT_PIN_H

#include <stdbool.h>
#include <stddef.h>

struct bpf_link;
struct bpf_map;

bool path_exists(const char *path);

/*
 * Create the parents of @dir (a path below /sys/fs/bpf/), mounting bpffs
 * first if nothing is mounted there; @dir itself is left to the caller,
 * whose mkdir() tells whether someone else got there first.
 */
int pin_dir_parents(const char *dir, char *why, size_t why_len);

/* Pin @m or @link at @dir/@name. */
int pin_map(struct bpf_map *m, const char *dir, const char *name, char *why,
	    size_t why_len);
int pin_link(struct bpf_link *link, const char *dir, const char *name,
	     char *why, size_t why_len);

/* Unpin everything in @dir and remove it; its parent too if now empty. */
int pin_dir_remove(const char *dir);

#endif /* KSM_EXT_PIN_H */
