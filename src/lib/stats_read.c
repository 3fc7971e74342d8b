// SPDX-License-Identifier: GPL-2.0
#include "stats_read.h"

#include <errno.h>
#include <limits.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

static const char *const counter_names[KSM_EXT_NR_COUNTERS] = {
	[KSM_EXT_MERGE_PAIR] = "merge_pair",
	[KSM_EXT_MERGE_STABLE] = "merge_stable",
	[KSM_EXT_MERGE_ZERO] = "merge_zero",
	[KSM_EXT_MERGE_FAIL_PAIR] = "merge_fail_pair",
	[KSM_EXT_MERGE_FAIL_STABLE] = "merge_fail_stable",
	[KSM_EXT_MERGE_FAIL_ZERO] = "merge_fail_zero",
	[KSM_EXT_UNMERGE_RMAP] = "unmerge_rmap",
	[KSM_EXT_KSM_PAGE_REMOVED] = "ksm_page_removed",
	[KSM_EXT_MM_ENTER] = "mm_enter",
	[KSM_EXT_MM_EXIT] = "mm_exit",
	[KSM_EXT_SCAN_START] = "scan_start",
	[KSM_EXT_SCAN_END] = "scan_end",
	[KSM_EXT_ADVISOR] = "advisor",
};

const char *stats_counter_name(enum ksm_ext_counter idx)
{
	return (unsigned int)idx < KSM_EXT_NR_COUNTERS ? counter_names[idx] : "?";
}

/*
 * The maps a reader opens, with the sizes this build reads them with: a
 * map pinned by another version may have other layouts, and a lookup
 * copies the map's value size into our buffer.
 */
#define STATS_MAP(field, name, key, value) \
	{ offsetof(struct stats_maps, field), name, sizeof(key), sizeof(value) }
static const struct {
	size_t off;
	const char *name;
	__u32 key_size, value_size;
} stats_maps_info[] = {
	STATS_MAP(counters, "counters", __u32, struct ksm_ext_counters),
	STATS_MAP(scans, "scans", __u32, struct ksm_ext_scan),
	STATS_MAP(procs, "procs", __u32, struct ksm_ext_proc),
	STATS_MAP(cgroups, "cgroups", __u64, struct ksm_ext_cgroup),
};
#define NR_STATS_MAPS (sizeof(stats_maps_info) / sizeof(stats_maps_info[0]))

static int *map_fd(struct stats_maps *m, size_t i)
{
	return (int *)((char *)m + stats_maps_info[i].off);
}

static int open_map(const char *dir, size_t i)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);
	char path[PATH_MAX];
	int fd, err;

	snprintf(path, sizeof(path), "%s/%s", dir, stats_maps_info[i].name);
	fd = bpf_obj_get(path);
	if (fd < 0)
		return -errno;
	if (bpf_map_get_info_by_fd(fd, &info, &len)) {
		err = -errno;
		close(fd);
		return err;
	}
	if (info.key_size != stats_maps_info[i].key_size ||
	    info.value_size != stats_maps_info[i].value_size) {
		close(fd);
		return -EPROTO;
	}
	return fd;
}

int stats_open(const char *dir, struct stats_maps *m)
{
	size_t i;
	int fd;

	for (i = 0; i < NR_STATS_MAPS; i++)
		*map_fd(m, i) = -1;
	for (i = 0; i < NR_STATS_MAPS; i++) {
		fd = open_map(dir, i);
		if (fd < 0) {
			stats_close(m);
			return fd;
		}
		*map_fd(m, i) = fd;
	}
	return 0;
}

const char *stats_open_strerror(int err)
{
	if (err == -EPROTO)
		return "pinned by another version of ksm-loader: run 'ksm-loader stats stop', then 'stats start'";
	return strerror(-err);
}

void stats_close(struct stats_maps *m)
{
	size_t i;

	for (i = 0; i < NR_STATS_MAPS; i++) {
		if (*map_fd(m, i) >= 0)
			close(*map_fd(m, i));
		*map_fd(m, i) = -1;
	}
}

void stats_sum_percpu(const struct ksm_ext_counters *percpu, int ncpus,
		      struct ksm_ext_counters *out)
{
	int cpu, i;

	memset(out, 0, sizeof(*out));
	for (cpu = 0; cpu < ncpus; cpu++)
		for (i = 0; i < KSM_EXT_NR_COUNTERS; i++)
			out->v[i] += percpu[cpu].v[i];
}

int stats_read_counters(const struct stats_maps *m, struct ksm_ext_counters *out)
{
	int ncpus = libbpf_num_possible_cpus();
	struct ksm_ext_counters *percpu;
	__u32 key = 0;
	int err = 0;

	if (ncpus <= 0)
		return ncpus ? ncpus : -EINVAL;
	percpu = calloc(ncpus, sizeof(*percpu));
	if (!percpu)
		return -ENOMEM;
	if (bpf_map_lookup_elem(m->counters, &key, percpu))
		err = -errno;
	else
		stats_sum_percpu(percpu, ncpus, out);
	free(percpu);
	return err;
}

static int scan_cmp(const void *a, const void *b)
{
	const struct ksm_ext_scan *x = a, *y = b;

	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

size_t stats_order_scans(struct ksm_ext_scan *slots, size_t n)
{
	size_t i, kept = 0;

	for (i = 0; i < n; i++) {
		/* A slot being rewritten has seq 0; one left from a reader's
		 * torn copy would sit in the wrong slot. */
		if (!slots[i].seq || slots[i].seq % KSM_EXT_SCAN_RING != i % KSM_EXT_SCAN_RING)
			continue;
		if (slots[i].end_ns < slots[i].start_ns)
			continue;
		slots[kept++] = slots[i];
	}
	qsort(slots, kept, sizeof(*slots), scan_cmp);
	return kept;
}

/*
 * The reader's half of the ring's seqlock (the writer is ksmd running
 * bpf/ksm_stats.bpf.c): the kernel copies a slot with a plain memcpy, whose
 * loads of seq and payload have no order among themselves, so seq is read
 * in a copy of its own before and after the payload's copy, with a full
 * fence between the copies (it orders the kernel's loads on our behalf:
 * a barrier orders all of a CPU's accesses, and a migration between the
 * syscalls is a full barrier too).  A slot whose seq changed meanwhile is
 * being rewritten: it is left out as seq 0.
 */
static int read_slot(int fd, __u32 i, struct ksm_ext_scan *out)
{
	struct ksm_ext_scan before, after;

	if (bpf_map_lookup_elem(fd, &i, &before))
		return -errno;
	atomic_thread_fence(memory_order_seq_cst);
	if (bpf_map_lookup_elem(fd, &i, out))
		return -errno;
	atomic_thread_fence(memory_order_seq_cst);
	if (bpf_map_lookup_elem(fd, &i, &after))
		return -errno;
	if (before.seq != after.seq || out->seq != after.seq)
		out->seq = 0;
	return 0;
}

int stats_read_scans(const struct stats_maps *m, struct ksm_ext_scan *out)
{
	__u32 i;
	int err;

	for (i = 0; i < KSM_EXT_SCAN_RING; i++) {
		err = read_slot(m->scans, i, &out[i]);
		if (err)
			return err;
	}
	return (int)stats_order_scans(out, KSM_EXT_SCAN_RING);
}

void stats_scan_rates(const struct ksm_ext_scan *s, struct scan_rates *out)
{
	uint64_t dur_ns = s->end_ns - s->start_ns;

	memset(out, 0, sizeof(*out));
	out->duration_s = dur_ns / 1e9;
	if (dur_ns)
		out->ksmd_cpu_pct = 100.0 * s->ksmd_cpu_ns / dur_ns;
	if (s->rmap_items_end)
		out->merges_per_kpage = 1000.0 * s->merges / s->rmap_items_end;
}

/*
 * Walk a hash map with get_next_key into an array of rows of @stride bytes,
 * the key at offset 0 and the value at @val_off.  Returns the row count.
 */
static int read_rows(int fd, size_t key_size, size_t val_off, size_t stride,
		     void **out)
{
	size_t n = 0, cap = 64;
	char key[8], next[8];
	char *rows, *tmp;
	void *prev = NULL;

	rows = calloc(cap, stride);
	if (!rows)
		return -ENOMEM;
	while (!bpf_map_get_next_key(fd, prev, next)) {
		memcpy(key, next, key_size);
		prev = key;
		if (n == cap) {
			cap *= 2;
			tmp = realloc(rows, cap * stride);
			if (!tmp) {
				free(rows);
				return -ENOMEM;
			}
			rows = tmp;
		}
		/* A row evicted between the two calls is simply skipped. */
		if (bpf_map_lookup_elem(fd, key, rows + n * stride + val_off))
			continue;
		memcpy(rows + n * stride, key, key_size);
		n++;
	}
	*out = rows;
	return (int)n;
}

int stats_read_procs(const struct stats_maps *m, struct stats_proc_row **rows)
{
	return read_rows(m->procs, sizeof(rows[0]->tgid),
			 offsetof(struct stats_proc_row, v), sizeof(**rows),
			 (void **)rows);
}

int stats_read_cgroups(const struct stats_maps *m, struct stats_cgroup_row **rows)
{
	return read_rows(m->cgroups, sizeof(rows[0]->id),
			 offsetof(struct stats_cgroup_row, v), sizeof(**rows),
			 (void **)rows);
}

static int proc_cmp(const void *a, const void *b)
{
	const struct stats_proc_row *x = a, *y = b;

	if (x->v.merges != y->v.merges)
		return x->v.merges > y->v.merges ? -1 : 1;
	return x->tgid < y->tgid ? -1 : x->tgid > y->tgid;
}

void stats_sort_procs(struct stats_proc_row *rows, size_t n)
{
	qsort(rows, n, sizeof(*rows), proc_cmp);
}
