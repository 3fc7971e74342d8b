// SPDX-License-Identifier: GPL-2.0
#include "cli.h"

#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <bpf/libbpf.h>

#define BPFFS "/sys/fs/bpf/"

static bool libbpf_verbose;

static int print_libbpf(enum libbpf_print_level level, const char *fmt,
			va_list ap)
{
	/* Its debug trace is hundreds of lines a load: never. */
	if (!libbpf_verbose || level == LIBBPF_DEBUG)
		return 0;
	return vfprintf(stderr, fmt, ap);
}

void cli_libbpf_print(bool verbose)
{
	libbpf_verbose = verbose;
	libbpf_set_print(print_libbpf);
}

const char *cli_bpf_strerror(int err, char *buf, size_t len)
{
	/* Unknown codes get libbpf's "Unknown libbpf error N" line. */
	libbpf_strerror(err, buf, len);
	return buf;
}

int cli_check_pin_dir(const char *dir, char *err, size_t err_len)
{
	size_t n = strlen(BPFFS);

	/* Not bpffs' root itself: 'stats stop' empties the directory. */
	if (strncmp(dir, BPFFS, n) || !dir[n + strspn(dir + n, "/")] ||
	    strstr(dir, "..")) {
		snprintf(err, err_len, "--pin-dir must be below %s, not '%s'",
			 BPFFS, dir);
		cli_one_line(err);
		return -EINVAL;
	}
	return 0;
}

int cli_getopt_error(int c, char **argv, char *err, size_t err_len)
{
	/* A long option's optopt is its value, not what was typed. */
	if (c == ':')
		snprintf(err, err_len, "option '%s' needs an argument (see --help)",
			 argv[optind - 1]);
	else if (optopt)
		snprintf(err, err_len, "unknown option '-%c' (see --help)", optopt);
	else
		snprintf(err, err_len, "unknown option '%s' (see --help)", argv[optind - 1]);
	cli_one_line(err);
	return EXIT_USAGE;
}

void cli_one_line(char *msg)
{
	for (; *msg; msg++)
		if ((unsigned char)*msg < 0x20 || *msg == 0x7f)
			*msg = '?';
}
