// SPDX-License-Identifier: GPL-2.0
/*
 * ksm-top: reading the system.  The only file that touches /sys, /proc and
 * the BPF maps.  A source that cannot be read is recorded in the sample
 * (as -errno) and shown as missing; sampling itself fails only when memory
 * runs out.
 */
#include "top.h"

#include "pin.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

void top_sampler_init(struct top_sampler *sp, const char *sysfs_dir,
		      const char *pin_dir, bool all_procs)
{
	memset(sp, 0, sizeof(*sp));
	sp->sysfs_dir = sysfs_dir;
	sp->pin_dir = pin_dir;
	sp->policy_pin_dir = KSM_EXT_POLICY_PIN_DIR;
	sp->all_procs = all_procs;
	/* Every process has the file on >= 6.1, so our own tells. */
	if (access("/proc/self/ksm_stat", R_OK))
		sp->ksm_stat_err = -errno;
}

void top_sample_free(struct top_sample *s)
{
	free(s->procs);
	s->procs = NULL;
	s->nprocs = 0;
}

static double clock_s(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void sample_ksmd(struct top_sampler *sp, struct top_sample *s)
{
	int err;

	/* Look ksmd up once; again only if its pid stops answering. */
	if (sp->ksmd_pid > 0 &&
	    !procfs_task_cpu_ns(sp->ksmd_pid, &s->ksmd_cpu_ns, NULL)) {
		s->ksmd_pid = sp->ksmd_pid;
		return;
	}
	sp->ksmd_pid = procfs_find_ksmd();
	if (sp->ksmd_pid < 0) {
		s->ksmd_err = sp->ksmd_pid;
		sp->ksmd_pid = 0;
		return;
	}
	err = procfs_task_cpu_ns(sp->ksmd_pid, &s->ksmd_cpu_ns, NULL);
	s->ksmd_err = err;
	s->ksmd_pid = err ? 0 : sp->ksmd_pid;
}

/*
 * The BPF stats, opened afresh for each sample: held open, our descriptors
 * would keep the maps of a stopped (or stopped and restarted) `ksm-loader
 * stats` alive and frozen.  Returns the number of process rows or -errno.
 */
static int sample_bpf(struct top_sampler *sp, struct top_sample *s,
		      struct stats_proc_row **rows)
{
	struct ksm_ext_scan ring[KSM_EXT_SCAN_RING];
	struct stats_maps maps;
	int n, err;

	*rows = NULL;
	err = stats_open(sp->pin_dir, &maps);
	if (err)
		return err;
	err = stats_read_counters(&maps, &s->bpf);
	if (err)
		goto out;
	n = stats_read_scans(&maps, ring);
	if (n < 0) {
		err = n;
		goto out;
	}
	s->nscans = n < TOP_SCANS ? (size_t)n : TOP_SCANS;
	memcpy(s->scans, ring + n - s->nscans, s->nscans * sizeof(*ring));
	err = stats_read_procs(&maps, rows);
out:
	stats_close(&maps);
	return err;
}

/*
 * Who attached the policy ext_policy names and, if ksm-loader did, what its
 * pins hold, read afresh each sample like the stats (src/lib/policy.c).
 */
static void sample_policy(const struct top_sampler *sp, struct top_sample *s)
{
	static struct policy_status st;	/* 10 KiB: not on the stack */
	struct top_policy *p = &s->policy;
	char why[POLICY_WHY_LEN];
	size_t i;

	p->nstats = -1;
	p->attached = !s->ksm_err && !(s->ksm.missing & KSM_STAT_EXT_POLICY) &&
		      s->ksm.ext_policy[0] && strcmp(s->ksm.ext_policy, "none");
	if (!p->attached)
		return;
	p->owner = policy_owner_of(s->ksm.ext_policy, policy_link_attached(sp->policy_pin_dir),
				   path_exists(sp->policy_pin_dir));
	if (p->owner != POLICY_PINNED)
		return;
	memset(&st, 0, sizeof(st));
	p->err = policy_pins_read(sp->policy_pin_dir, &st, why, sizeof(why));
	if (p->err)
		return;
	for (i = 0; i < (size_t)st.ntun && i < TOP_POLICY_ITEMS; i++) {
		snprintf(p->tun[i].name, sizeof(p->tun[i].name), "%s", st.tun[i].name);
		p->tun[i].is_signed = st.tun[i].is_signed;
		p->tun[i].v = pol_tunable_get(&st.tun[i], st.rodata);
	}
	p->ntun = i;
	if (st.nstats >= 0) {
		p->nstats = st.nstats < TOP_POLICY_ITEMS ? st.nstats : TOP_POLICY_ITEMS;
		memcpy(p->stats, st.stats, p->nstats * sizeof(*p->stats));
	}
	for (i = 0; i < (size_t)st.nlists; i++) {
		snprintf(p->lists[i].name, sizeof(p->lists[i].name), "%s", st.lists[i].name);
		p->lists[i].n = st.lists[i].n;
	}
	p->nlists = i;
	policy_status_free(&st);
}

/*
 * Does @pid belong in the table?  Processes KSM knows of, or ones BPF saw
 * merge (they may have unmerged everything since); with --all, every one.
 */
static bool wanted(const struct top_sampler *sp, const struct proc_ksm_stat *k,
		   const struct stats_proc_row *bpf, size_t nbpf, pid_t pid)
{
	const struct stats_proc_row *b;

	if (sp->all_procs || k->rmap_items || k->merging_pages || k->zero_pages ||
	    k->mergeable || k->merge_any)
		return true;
	/* An exited row's pid may name another process by now. */
	b = top_bpf_find(bpf, nbpf, pid);
	return b && b->v.merges && !b->v.exited;
}

static int push_row(struct top_sample *s, size_t *cap, const struct top_row *r)
{
	struct top_row *tmp;

	if (s->nprocs == *cap) {
		*cap = *cap ? *cap * 2 : 64;
		tmp = realloc(s->procs, *cap * sizeof(*tmp));
		if (!tmp)
			return -ENOMEM;
		s->procs = tmp;
	}
	s->procs[s->nprocs++] = *r;
	return 0;
}

/* One process into @r: 0, or 1 when it is not shown. */
static int read_proc(struct top_sampler *sp, struct top_sample *s, pid_t pid,
		     const struct stats_proc_row *bpf, size_t nbpf, struct top_row *r)
{
	struct proc_ksm_stat k;
	int err;

	err = procfs_read_ksm_stat(pid, &k);
	if (err == -EACCES || err == -EPERM)
		s->procs_denied++;
	/* Kernel threads have no mm: their file is empty (-EINVAL). */
	if (err || !wanted(sp, &k, bpf, nbpf, pid))
		return 1;
	*r = (struct top_row){
		.pid = pid, .nprocs = 1,
		.rmap_items = k.rmap_items, .merging_pages = k.merging_pages,
		.zero_pages = k.zero_pages, .profit_bytes = k.process_profit,
		.mergeable = k.mergeable, .merge_any = k.merge_any,
		.mergeable_known = k.has_mergeable,
	};
	memcpy(r->domain, k.merge_domain, sizeof(r->domain));
	/* Gone between two reads: drop it rather than show half a row. */
	if (procfs_read_comm(pid, r->comm, sizeof(r->comm)))
		return 1;
	if (procfs_read_cgroup_v2(pid, r->cgroup, sizeof(r->cgroup)))
		r->cgroup[0] = '\0';
	return 0;
}

static int sample_procs(struct top_sampler *sp, struct top_sample *s,
			struct stats_proc_row *bpf, size_t nbpf)
{
	struct top_row r;
	struct dirent *de;
	size_t cap = 0;
	int err = 0;
	DIR *d;

	s->ksm_stat_err = sp->ksm_stat_err;
	if (sp->ksm_stat_err)
		return 0;
	top_bpf_sort(bpf, nbpf);
	d = opendir("/proc");
	if (!d) {
		s->ksm_stat_err = -errno;
		return 0;
	}
	while (!err && (de = readdir(d))) {
		char *end;
		long pid = strtol(de->d_name, &end, 10);

		if (*end || pid <= 0 || pid > INT_MAX)
			continue;
		if (read_proc(sp, s, (pid_t)pid, bpf, nbpf, &r))
			continue;
		err = push_row(s, &cap, &r);
	}
	closedir(d);
	if (err)
		return err;
	top_rows_sort_by_pid(s->procs, s->nprocs);
	top_rows_join_bpf(s->procs, s->nprocs, bpf, nbpf);
	return 0;
}

int top_sample_read(struct top_sampler *sp, struct top_sample *s)
{
	struct stats_proc_row *bpf = NULL;
	int nbpf, err;

	memset(s, 0, sizeof(*s));
	s->t_s = clock_s(CLOCK_MONOTONIC);
	s->wall_s = clock_s(CLOCK_REALTIME);
	s->page_size = sysconf(_SC_PAGESIZE);
	s->is_root = geteuid() == 0;
	s->ksm_err = ksm_sysfs_read_stats(sp->sysfs_dir, &s->ksm);
	s->domains_err = ksm_sysfs_read_domains(sp->sysfs_dir, s->domains,
						 KSM_DOMAINS_MAX, &s->ndomains,
						 &s->domains_line);
	if (s->domains_err == -ENOMEM)
		return -ENOMEM;
	s->cow_err = procfs_read_vmstat_u64("cow_ksm", &s->cow_ksm);
	s->psi_err = procfs_read_psi_memory(&s->psi);
	sample_ksmd(sp, s);
	sample_policy(sp, s);
	nbpf = sample_bpf(sp, s, &bpf);
	if (nbpf == -ENOMEM)
		return -ENOMEM;
	if (nbpf < 0) {
		s->bpf_err = nbpf;
		nbpf = 0;
	}
	err = sample_procs(sp, s, bpf, (size_t)nbpf);
	free(bpf);
	if (err)
		top_sample_free(s);
	return err;
}
