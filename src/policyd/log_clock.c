// SPDX-License-Identifier: GPL-2.0
/*
 * ksm-policyd's log lines and its clock, below everything else in the
 * daemon (daemon.h), so that inputs.c and knobs.c need not call up into
 * the main loop's file.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "daemon.h"

bool policyd_verbose;

void policyd_log(const char *fmt, ...)
{
	static int journal = -1;
	char ts[32] = "";
	va_list ap;

	if (journal < 0)
		journal = getenv("JOURNAL_STREAM") != NULL;
	if (!journal) {
		struct timespec t;
		struct tm tm;

		clock_gettime(CLOCK_REALTIME, &t);
		localtime_r(&t.tv_sec, &tm);
		strftime(ts, sizeof(ts), "%H:%M:%S", &tm);
		snprintf(ts + strlen(ts), sizeof(ts) - strlen(ts), ".%03ld ",
			 t.tv_nsec / 1000000);
	}
	va_start(ap, fmt);
	fprintf(stderr, "%sksm-policyd: ", ts);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

uint64_t policyd_mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}
