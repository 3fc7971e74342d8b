// SPDX-License-Identifier: GPL-2.0
/* ksm-loader stats start|stop|show */
#include "loader.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <bpf/libbpf.h>

#include "json_out.h"
#include "ksm_stats.skel.h"
#include "pin.h"
#include "stats_load.h"
#include "stats_read.h"

/* Pinned, the links keep the programs attached after we exit; unpinning
 * them (stats stop) detaches. */
static int pin_all(const struct stats_prog *p, const char *dir)
{
	const struct bpf_object_skeleton *s = p->skel->skeleton;
	char name[PATH_MAX], why[PATH_MAX + 128];
	struct bpf_map *map;
	int i, err;

	bpf_object__for_each_map(map, p->skel->obj) {
		err = pin_map(map, dir, bpf_map__name(map), why, sizeof(why));
		if (err)
			goto fail;
	}
	for (i = 0; i < s->prog_cnt; i++) {
		if (!*s->progs[i].link)	/* not loaded: no such tracepoint */
			continue;
		snprintf(name, sizeof(name), "link_%s", s->progs[i].name);
		err = pin_link(*s->progs[i].link, dir, name, why, sizeof(why));
		if (err)
			goto fail;
	}
	return 0;
fail:
	fprintf(stderr, "ksm-loader: %s\n", why);
	return err;
}

int cmd_stats_start(const struct loader_opts *o)
{
	struct stats_prog p = { 0 };
	char why[PATH_MAX + 128];
	int err, ret = EXIT_FAIL;

	if (require_root())
		return EXIT_FAIL;
	if (pin_dir_parents(o->pin_dir, why, sizeof(why))) {
		fprintf(stderr, "ksm-loader: %s\n", why);
		return EXIT_FAIL;
	}
	if (mkdir(o->pin_dir, 0700)) {
		if (errno == EEXIST)
			fprintf(stderr, "ksm-loader: stats are already running (pinned at %s); 'ksm-loader stats stop' first\n",
				o->pin_dir);
		else
			fprintf(stderr, "ksm-loader: cannot create %s: %s\n",
				o->pin_dir, strerror(errno));
		return EXIT_FAIL;
	}

	err = stats_prog_load(&p, why, sizeof(why));
	if (err == -EOPNOTSUPP)
		fprintf(stderr, "ksm-loader: %s: BPF stats are unavailable; sysfs counters and tuning still work\n",
			why);
	else if (err)
		fprintf(stderr, "ksm-loader: %s (run with -v for the verifier log)\n", why);
	if (err || pin_all(&p, o->pin_dir))
		goto cleanup;
	if (!o->json)
		printf("ksm-loader: stats running, pinned at %s%s\n", o->pin_dir,
		       p.has_advisor ? "" : " (no ksm_advisor tracepoint on this kernel)");
	ret = EXIT_OK;
cleanup:
	if (ret != EXIT_OK)
		pin_dir_remove(o->pin_dir);
	stats_prog_destroy(&p);
	return ret;
}

int cmd_stats_stop(const struct loader_opts *o)
{
	int err;

	if (require_root())
		return EXIT_FAIL;
	if (!path_exists(o->pin_dir)) {
		fprintf(stderr, "ksm-loader: stats are not running (nothing pinned at %s)\n", o->pin_dir);
		return EXIT_FAIL;
	}
	err = pin_dir_remove(o->pin_dir);
	if (err) {
		fprintf(stderr, "ksm-loader: removing %s: %s\n", o->pin_dir, strerror(-err));
		return EXIT_FAIL;
	}
	return EXIT_OK;
}

static void show_text(const struct ksm_ext_counters *c, const struct ksm_ext_scan *scans,
		      int nscans, int want, struct stats_proc_row *procs, int nprocs,
		      struct stats_cgroup_row *cgs, int ncgs)
{
	struct scan_rates r;
	int i;

	printf("merges        pair %" PRIu64 "  stable %" PRIu64 "  zero %" PRIu64 "\n",
	       (uint64_t)c->v[KSM_EXT_MERGE_PAIR], (uint64_t)c->v[KSM_EXT_MERGE_STABLE],
	       (uint64_t)c->v[KSM_EXT_MERGE_ZERO]);
	printf("merge fails   pair %" PRIu64 "  stable %" PRIu64 "  zero %" PRIu64 "\n",
	       (uint64_t)c->v[KSM_EXT_MERGE_FAIL_PAIR], (uint64_t)c->v[KSM_EXT_MERGE_FAIL_STABLE],
	       (uint64_t)c->v[KSM_EXT_MERGE_FAIL_ZERO]);
	printf("unmerged      %" PRIu64 " sharers with %" PRIu64 " KSM pages removed\n",
	       (uint64_t)c->v[KSM_EXT_UNMERGE_RMAP], (uint64_t)c->v[KSM_EXT_KSM_PAGE_REMOVED]);
	printf("mm            enter %" PRIu64 "  exit %" PRIu64 "\n",
	       (uint64_t)c->v[KSM_EXT_MM_ENTER], (uint64_t)c->v[KSM_EXT_MM_EXIT]);
	printf("full scans    started %" PRIu64 "  completed %" PRIu64 "  advisor decisions %" PRIu64 "\n",
	       (uint64_t)c->v[KSM_EXT_SCAN_START], (uint64_t)c->v[KSM_EXT_SCAN_END],
	       (uint64_t)c->v[KSM_EXT_ADVISOR]);

	printf("\n%8s %10s %10s %8s %8s %7s %9s\n", "scan", "duration_s", "rmap_items",
	       "merges", "cpu_ms", "cpu%", "merges/1k");
	for (i = nscans > want ? nscans - want : 0; i < nscans; i++) {
		stats_scan_rates(&scans[i], &r);
		printf("%8" PRIu64 " %10.3f %10" PRIu64 " %8" PRIu64 " %8.1f %7.1f %9.2f\n",
		       (uint64_t)scans[i].seq, r.duration_s, (uint64_t)scans[i].rmap_items_end,
		       (uint64_t)scans[i].merges, scans[i].ksmd_cpu_ns / 1e6,
		       r.ksmd_cpu_pct, r.merges_per_kpage);
	}
	if (!nscans)
		printf("%8s (no full scan completed since the stats started)\n", "-");

	printf("\n%8s %-16s %10s %8s %8s %s\n", "pid", "comm", "merges", "unmerges",
	       "fails", "cgroup");
	for (i = 0; i < nprocs; i++)
		printf("%8u %-16.16s %10" PRIu64 " %8" PRIu64 " %8" PRIu64 " %" PRIu64 "%s\n",
		       procs[i].tgid, procs[i].v.comm, (uint64_t)procs[i].v.merges,
		       (uint64_t)procs[i].v.unmerges, (uint64_t)procs[i].v.merge_fails,
		       (uint64_t)procs[i].v.cgroup_id, procs[i].v.exited ? " (exited)" : "");

	printf("\n%12s %10s %8s %8s\n", "cgroup_id", "merges", "unmerges", "fails");
	for (i = 0; i < ncgs; i++)
		printf("%12" PRIu64 " %10" PRIu64 " %8" PRIu64 " %8" PRIu64 "\n",
		       (uint64_t)cgs[i].id, (uint64_t)cgs[i].v.merges,
		       (uint64_t)cgs[i].v.unmerges, (uint64_t)cgs[i].v.merge_fails);
}

static void show_json(const struct ksm_ext_counters *c, const struct ksm_ext_scan *scans,
		      int nscans, int want, struct stats_proc_row *procs, int nprocs,
		      struct stats_cgroup_row *cgs, int ncgs)
{
	struct json_out j;
	struct scan_rates r;
	int i;

	json_start(&j, stdout);
	json_obj(&j, NULL);
	json_obj(&j, "counters");
	for (i = 0; i < KSM_EXT_NR_COUNTERS; i++)
		json_u64(&j, stats_counter_name(i), c->v[i], true);
	json_obj_end(&j);
	json_arr(&j, "scans");
	for (i = nscans > want ? nscans - want : 0; i < nscans; i++) {
		const struct ksm_ext_scan *s = &scans[i];

		stats_scan_rates(s, &r);
		json_obj(&j, NULL);
		json_u64(&j, "seq", s->seq, true);
		json_u64(&j, "start_ns", s->start_ns, true);
		json_u64(&j, "end_ns", s->end_ns, true);
		json_num(&j, "duration_s", r.duration_s);
		json_u64(&j, "rmap_items_end", s->rmap_items_end, true);
		json_u64(&j, "merges", s->merges, true);
		json_u64(&j, "merge_fails", s->merge_fails, true);
		json_u64(&j, "ksmd_cpu_ns", s->ksmd_cpu_ns, true);
		json_num(&j, "ksmd_cpu_pct", r.ksmd_cpu_pct);
		json_num(&j, "merges_per_kpage", r.merges_per_kpage);
		json_obj_end(&j);
	}
	json_arr_end(&j);
	json_arr(&j, "procs");
	for (i = 0; i < nprocs; i++) {
		json_obj(&j, NULL);
		json_u64(&j, "pid", procs[i].tgid, true);
		json_str(&j, "comm", procs[i].v.comm);
		json_u64(&j, "merges", procs[i].v.merges, true);
		json_u64(&j, "unmerges", procs[i].v.unmerges, true);
		json_u64(&j, "merge_fails", procs[i].v.merge_fails, true);
		json_u64(&j, "cgroup_id", procs[i].v.cgroup_id, true);
		json_bool(&j, "exited", procs[i].v.exited);
		json_obj_end(&j);
	}
	json_arr_end(&j);
	json_arr(&j, "cgroups");
	for (i = 0; i < ncgs; i++) {
		json_obj(&j, NULL);
		json_u64(&j, "cgroup_id", cgs[i].id, true);
		json_u64(&j, "merges", cgs[i].v.merges, true);
		json_u64(&j, "unmerges", cgs[i].v.unmerges, true);
		json_u64(&j, "merge_fails", cgs[i].v.merge_fails, true);
		json_obj_end(&j);
	}
	json_arr_end(&j);
	json_obj_end(&j);
	putchar('\n');
}

int cmd_stats_show(const struct loader_opts *o)
{
	struct ksm_ext_scan scans[KSM_EXT_SCAN_RING];
	struct stats_cgroup_row *cgs = NULL;
	struct stats_proc_row *procs = NULL;
	struct ksm_ext_counters c;
	struct stats_maps m;
	int nscans = 0, nprocs = 0, ncgs = 0, err, ret = EXIT_FAIL;

	err = stats_open(o->pin_dir, &m);
	if (err) {
		if (err == -ENOENT)
			fprintf(stderr, "ksm-loader: stats are not running (nothing pinned at %s); 'ksm-loader stats start' first\n",
				o->pin_dir);
		else if (err == -EACCES || err == -EPERM)
			fprintf(stderr, "ksm-loader: reading the stats pinned at %s needs root (%s)\n",
				o->pin_dir, strerror(-err));
		else
			fprintf(stderr, "ksm-loader: opening the stats maps at %s: %s\n",
				o->pin_dir, stats_open_strerror(err));
		return EXIT_FAIL;
	}
	err = stats_read_counters(&m, &c);
	if (!err)
		err = nscans = stats_read_scans(&m, scans);
	if (err >= 0)
		err = nprocs = stats_read_procs(&m, &procs);
	if (err >= 0)
		err = ncgs = stats_read_cgroups(&m, &cgs);
	if (err < 0) {
		fprintf(stderr, "ksm-loader: reading the stats maps: %s\n", strerror(-err));
		goto cleanup;
	}
	stats_sort_procs(procs, nprocs);
	if (o->json)
		show_json(&c, scans, nscans, o->scans, procs, nprocs, cgs, ncgs);
	else
		show_text(&c, scans, nscans, o->scans, procs, nprocs, cgs, ncgs);
	ret = EXIT_OK;
cleanup:
	free(procs);
	free(cgs);
	stats_close(&m);
	return ret;
}
