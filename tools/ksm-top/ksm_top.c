// SPDX-License-Identifier: GPL-2.0
/*
 * ksm-top: a live terminal dashboard for KSM.
 *
 * main() parses the options, installs the signal handlers (they only set
 * top_quit) and runs either the ncurses screen (ui.c) or the batch loop
 * below.  Each refresh takes a sample and rebuilds the frame that both
 * print (app.c); see top.h for how the pieces fit.
 */
#include "top.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

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
	top_app_init(&a, &o);
	ret = o.batch ? run_batch(&a, o.json) : top_ui_run(&a);
	top_app_free(&a);
	return ret;
}
