// SPDX-License-Identifier: GPL-2.0
/*
 * ksm-top: a live terminal dashboard for KSM.
 *
 * main() parses the options, installs the signal handlers (they only set
 * top_quit) and runs either the ncurses screen (ui.c) or the batch loop
 * below.  Each refresh takes a sample and rebuilds the frame that both
 * print; see top.h for how the pieces fit.
 */
#include "top.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

volatile sig_atomic_t top_quit;

static void on_signal(int sig)
{
	top_quit = 1;
}

/*
 * No SA_RESTART: a signal interrupts the sleep or getch() at once, so the
 * loop sees top_quit and leaves through its one exit path (endwin()).
 * Installed before ncurses starts, which then leaves these signals alone.
 */
static void install_signals(void)
{
	struct sigaction sa = { .sa_handler = on_signal };

	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
}

double top_now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
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

/* Sleep @s seconds unless a signal comes first. */
static void sleep_s(double s)
{
	struct timespec ts = { (time_t)s, (long)((s - (double)(time_t)s) * 1e9) };

	if (!top_quit)
		nanosleep(&ts, NULL);
}

static int batch_width(void)
{
	const char *c = getenv("COLUMNS");
	long w = c ? strtol(c, NULL, 10) : 0;

	return w >= 40 && w <= 1000 ? (int)w : 100;
}

/*
 * Batch mode: a first sample to measure against, then one frame per
 * interval, so every rate in every frame is measured.
 */
static int run_batch(struct top_app *a, bool json)
{
	int width = batch_width();
	long i;

	if (top_app_tick(a))
		goto nomem;
	for (i = 0; !a->iterations || i < a->iterations; i++) {
		sleep_s(a->view.interval_s);
		if (top_quit)
			break;
		if (top_app_tick(a))
			goto nomem;
		if (json)
			top_print_json(stdout, &a->frame);
		else
			top_print_text(stdout, &a->frame, width);
		if (fflush(stdout) == EOF) {
			fprintf(stderr, "ksm-top: writing the output: %s\n", strerror(errno));
			return EXIT_FAIL;
		}
	}
	return EXIT_OK;
nomem:
	fprintf(stderr, "ksm-top: out of memory\n");
	return EXIT_FAIL;
}

static void app_init(struct top_app *a, const struct top_opts *o)
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

static void app_free(struct top_app *a)
{
	top_sample_free(&a->samples[0]);
	top_sample_free(&a->samples[1]);
	free(a->procs);
	free(a->cgroups);
	free(a->domains);
}

int main(int argc, char **argv)
{
	struct top_opts o;
	struct top_app a;
	char err[160];
	int ret;

	ret = top_parse_args(argc, argv, &o, err, sizeof(err));
	if (ret) {
		fprintf(stderr, "ksm-top: %s\n", err);
		return ret;
	}
	if (o.help) {
		fputs(top_usage, stdout);
		return EXIT_OK;
	}
	if (!o.batch && (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO))) {
		fprintf(stderr, "ksm-top: not a terminal; use -b (text) or --json for batch output\n");
		return EXIT_FAIL;
	}
	/* libbpf would write over the screen; our n/a line says more. */
	cli_libbpf_print(false);
	install_signals();
	app_init(&a, &o);
	ret = o.batch ? run_batch(&a, o.json) : top_ui_run(&a);
	app_free(&a);
	return ret;
}
