// SPDX-License-Identifier: GPL-2.0
/*
 * ksm-top's application state: the two newest samples, the history, the
 * rows and the frame that the screen (ui.c) and the batch loop (ksm_top.c)
 * print.  Both call down into this file, never into each other.
 */
#include "top.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

volatile sig_atomic_t top_quit;

double top_now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

void top_app_init(struct top_app *a, const struct top_opts *o)
{
	const char *sysfs = getenv("KSM_TOP_SYSFS_DIR");
	const char *no_color = getenv("NO_COLOR");

	memset(a, 0, sizeof(*a));
	a->view.table = o->domains ? TOP_TABLE_DOMAINS :
			o->cgroups ? TOP_TABLE_CGROUPS : TOP_TABLE_PROCS;
	a->view.sort = o->sort;
	a->view.reverse = o->reverse;
	a->view.interval_s = o->delay_s;
	snprintf(a->view.filter, sizeof(a->view.filter), "%s", o->filter);
	a->iterations = o->iterations;
	a->mono = o->mono || (no_color && *no_color);
	top_sampler_init(&a->sampler, sysfs && *sysfs ? sysfs : KSM_SYSFS_DIR,
			 o->pin_dir, o->all);
	a->frame.hist = a->hist;
	a->frame.view = &a->view;
	a->frame.pin_dir = o->pin_dir;
}

void top_app_free(struct top_app *a)
{
	top_sample_free(&a->samples[0]);
	top_sample_free(&a->samples[1]);
	free(a->procs);
	free(a->cgroups);
	free(a->domains);
}

int top_app_rebuild(struct top_app *a)
{
	struct top_sample *cur = &a->samples[a->cur];
	struct top_sample *prev = a->nsamples > 1 ? &a->samples[!a->cur] : NULL;
	int err;

	free(a->procs);
	free(a->cgroups);
	free(a->domains);
	a->procs = a->cgroups = a->domains = NULL;
	a->nprocs = a->ncgroups = a->ndomains = 0;
	err = top_build_rows(prev, cur, &a->view, &a->procs, &a->nprocs,
			     &a->cgroups, &a->ncgroups);
	if (!err)
		err = top_build_domain_rows(cur, &a->view, &a->domains, &a->ndomains);
	a->frame.procs = a->procs;
	a->frame.nprocs = a->nprocs;
	a->frame.cgroups = a->cgroups;
	a->frame.ncgroups = a->ncgroups;
	a->frame.domains = a->domains;
	a->frame.ndomains = a->ndomains;
	return err;
}

int top_app_tick(struct top_app *a)
{
	int next = a->nsamples ? !a->cur : a->cur;
	struct top_sample *prev;
	int err;

	top_sample_free(&a->samples[next]);
	err = top_sample_read(&a->sampler, &a->samples[next]);
	if (err)
		return err;
	a->cur = next;
	a->nsamples++;
	prev = a->nsamples > 1 ? &a->samples[!a->cur] : NULL;
	a->frame.s = &a->samples[a->cur];
	top_compute_rates(prev, a->frame.s, &a->period, &a->frame.r);
	top_history_push(&a->hist[TOP_HIST_SAVED], a->frame.r.saved_bytes);
	top_history_push(&a->hist[TOP_HIST_SCAN], a->frame.r.scan_pages_per_s);
	top_history_push(&a->hist[TOP_HIST_CPU], a->frame.r.ksmd_cpu_pct);
	return top_app_rebuild(a);
}
