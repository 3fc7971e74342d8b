// SPDX-License-Identifier: GPL-2.0
/*
 * ksm-policyd's observations: deltas of KSM's counters, ksmd's CPU time
 * and memory pressure, one struct policyd_obs a tick.
 *
 * Merges and new processes come from the BPF stats (the maps `ksm-loader
 * stats start` pinned, or the program loaded by us): exact, and a new mm
 * is seen the moment it enters KSM.  Without them (no BTF, no KSM
 * tracepoints, not root) merges are the growth of pages_sharing plus
 * ksm_zero_pages, and new memory is the growth of rmap_items, which only
 * shows once ksmd has scanned it.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "daemon.h"
#include "procfs.h"

int inputs_open(struct policyd_inputs *in, const char *sysfs_dir,
		const char *pin_dir, bool may_load_bpf, char *desc,
		size_t desc_len)
{
	struct psi_memory psi;
	char why[160] = "";
	uint64_t v;
	int err;

	memset(in, 0, sizeof(*in));
	in->sysfs_dir = sysfs_dir;
	in->maps.counters = in->maps.scans = -1;
	in->maps.procs = in->maps.cgroups = -1;

	/* A fake sysfs (tests) is not what the BPF stats and ksmd measure. */
	if (strcmp(sysfs_dir, KSM_SYSFS_DIR)) {
		snprintf(why, sizeof(why), "sysfs at %s", sysfs_dir);
	} else if (!(err = stats_open(pin_dir, &in->maps))) {
		in->bpf = true;
	} else if (err != -ENOENT) {
		snprintf(why, sizeof(why), "opening %s: %s", pin_dir,
			 stats_open_strerror(err));
	} else if (!may_load_bpf) {
		snprintf(why, sizeof(why), "nothing pinned at %s", pin_dir);
	} else if (!stats_prog_load(&in->prog, why, sizeof(why))) {
		/* Its links live as long as we do. */
		in->maps = in->prog.maps;
		in->bpf = in->bpf_loaded = true;
	}

	if (!strcmp(sysfs_dir, KSM_SYSFS_DIR))
		in->ksmd = procfs_find_ksmd();
	if (in->ksmd <= 0 || procfs_task_cpu_ns(in->ksmd, &v, &in->cpu))
		in->cpu = PROCFS_CPU_NONE;
	in->psi = !procfs_read_psi_memory(&psi);
	in->meminfo = !procfs_read_mem_available(&v);

	snprintf(desc, desc_len,
		 "inputs: %s%s%s; ksmd CPU: %s; PSI memory: %s; MemAvailable: %s",
		 !in->bpf ? "sysfs deltas (no BPF stats: " :
		 in->bpf_loaded ? "BPF stats (loaded by ksm-policyd)" :
		 "BPF stats (pinned by ksm-loader)",
		 why, !in->bpf ? ")" : "",
		 in->cpu == PROCFS_CPU_SCHEDSTAT ? "schedstat (ns)" :
		 in->cpu == PROCFS_CPU_STAT ? "/proc stat (clock ticks)" : "none",
		 in->psi ? "yes" : "no", in->meminfo ? "yes" : "no");
	return 0;
}

void inputs_close(struct policyd_inputs *in)
{
	if (in->bpf_loaded)
		stats_prog_destroy(&in->prog);	/* closes the map fds too */
	else if (in->bpf)
		stats_close(&in->maps);
	in->bpf = in->bpf_loaded = false;
}

static uint64_t delta(uint64_t now, uint64_t prev)
{
	return now > prev ? now - prev : 0;
}

static uint64_t rmap_items(const struct ksm_sysfs_stats *s)
{
	return s->pages_shared + s->pages_sharing + s->pages_unshared +
	       s->pages_volatile;
}

/*
 * Pages a ksm_ext scan policy skipped: each costs ksmd a step of
 * pages_to_scan, as a scanned page does, but less CPU.  Counted with the
 * scanned ones, the cost per step and the rate the knobs give stay true,
 * and a policy that skips makes steps cheaper, so the budget buys more.
 */
static uint64_t policy_skips(const struct ksm_sysfs_stats *now,
			     const struct ksm_sysfs_stats *prev)
{
	if ((now->missing | prev->missing) & KSM_STAT_EXT_SKIPPED)
		return 0;
	return delta(now->ext_pages_skipped, prev->ext_pages_skipped);
}

bool inputs_new_mm(struct policyd_inputs *in)
{
	struct ksm_ext_counters c;

	return in->bpf && in->primed && !stats_read_counters(&in->maps, &c) &&
	       c.v[KSM_EXT_MM_ENTER] > in->prev_enters;
}

/*
 * Full scans from the BPF ring since the last call.  A pass's pages are its
 * rmap_items_end: what KSM tracks, not what the pass compared
 * (include/ksm_ext/stats.h).  They include the pages smart scan stepped
 * over and every rmap_item of the areas a policy skips, which the ticks'
 * pages_scanned never counts, and their policy skips only when a pass
 * steps over the items.
 */
static int bpf_scans(struct policyd_inputs *in, struct policyd_obs *obs)
{
	struct ksm_ext_scan ring[KSM_EXT_SCAN_RING];
	int n, i;

	n = stats_read_scans(&in->maps, ring);
	if (n < 0)
		return n;
	for (i = 0; i < n; i++) {
		if (ring[i].seq <= in->last_seq)
			continue;
		if (in->primed) {
			obs->full_scans++;
			obs->scan_pages = ring[i].rmap_items_end;
			obs->scan_merges = ring[i].merges;
		}
		in->last_seq = ring[i].seq;
	}
	return 0;
}

int inputs_sample(struct policyd_inputs *in, struct policyd_obs *obs,
		  struct ksm_sysfs_stats *now)
{
	struct ksm_ext_counters c;
	struct psi_memory psi;
	uint64_t t = policyd_mono_ns(), cpu = 0, merges, enters = 0, scans;
	int err;

	memset(obs, 0, sizeof(*obs));
	err = ksm_sysfs_read_stats(in->sysfs_dir, now);
	if (err)
		return err;
	if (in->cpu != PROCFS_CPU_NONE) {
		err = procfs_task_cpu_ns(in->ksmd, &cpu, NULL);
		if (err)
			return err;
	}

	if (in->bpf) {
		err = stats_read_counters(&in->maps, &c);
		if (!err)
			err = bpf_scans(in, obs);
		if (err)
			return err;
		merges = c.v[KSM_EXT_MERGE_PAIR] + c.v[KSM_EXT_MERGE_STABLE] +
			 c.v[KSM_EXT_MERGE_ZERO];
		enters = c.v[KSM_EXT_MM_ENTER];
	} else {
		merges = now->pages_sharing + now->ksm_zero_pages;
	}

	if (in->primed) {
		obs->wall_ns = delta(t, in->prev_ns);
		obs->merges = delta(merges, in->prev_merges);
		obs->mm_enters = delta(enters, in->prev_enters);
		obs->ksmd_cpu_ns = delta(cpu, in->prev_cpu_ns);
		obs->cpu_valid = in->cpu != PROCFS_CPU_NONE;
		/* Read now, after the interval: what ksmd ran with (the
		 * previous tick's write, or someone else's) - if it ran all
		 * along: a duty cycle measured over part of the interval
		 * would make the cost look small. */
		if (in->prev.run == 1 && now->run == 1) {
			obs->knob_pages = now->pages_to_scan;
			obs->knob_sleep_ms = now->sleep_millisecs;
		}
		if (!(now->missing & KSM_STAT_PAGES_SCANNED))
			obs->pages_scanned = delta(now->pages_scanned,
						   in->prev.pages_scanned) +
					     policy_skips(now, &in->prev);
		else	/* < 6.7: estimate from the knobs ksmd ran with */
			obs->pages_scanned = in->prev.run ?
				in->prev.pages_to_scan * obs->wall_ns /
				((in->prev.sleep_millisecs + 1) * 1000000ull) : 0;
		obs->new_mergeable_pages = delta(rmap_items(now),
						 rmap_items(&in->prev));
		scans = delta(now->full_scans, in->prev.full_scans);
		if (!in->bpf) {
			/* Add up the pass ourselves; report whole passes only. */
			in->pass_pages += obs->pages_scanned;
			in->pass_merges += obs->merges;
			if (scans) {
				obs->full_scans = scans;
				if (in->pass_whole && scans == 1) {
					obs->scan_pages = in->pass_pages;
					obs->scan_merges = in->pass_merges;
				}
				in->pass_pages = in->pass_merges = 0;
				in->pass_whole = true;
			}
		}
		in->tot_pages += obs->pages_scanned;
		in->tot_merges += obs->merges;
		in->tot_scans += obs->full_scans;
		in->tot_cpu_ns += obs->ksmd_cpu_ns;
	}
	if (in->psi && !procfs_read_psi_memory(&psi))
		obs->psi_some_avg10 = psi.some_avg10;
	obs->mem_valid = in->meminfo &&
			 !procfs_read_mem_available(&obs->mem_available_bytes);

	in->prev = *now;
	in->prev_ns = t;
	in->prev_cpu_ns = cpu;
	in->prev_merges = merges;
	in->prev_enters = enters;
	in->primed = true;
	return 0;
}
