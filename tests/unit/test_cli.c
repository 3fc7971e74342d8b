// SPDX-License-Identifier: GPL-2.0
#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>
#include <bpf/libbpf.h>

#include "cli.h"

Test(cli, libbpf_errors_in_words)
{
	cr_assert_str_eq(BPF_STRERROR(-LIBBPF_ERRNO__FORMAT), "BPF object format invalid");
	cr_assert_str_eq(BPF_STRERROR(-ENOENT), "No such file or directory");
	cr_assert_str_eq(BPF_STRERROR(ENOENT), "No such file or directory");
}

Test(cli, pin_dir_below_bpffs)
{
	char err[128] = "";

	cr_assert_eq(cli_check_pin_dir("/sys/fs/bpf/ksm_ext/stats", err, sizeof(err)), 0);
	cr_assert_eq(cli_check_pin_dir("/sys/fs/bpf/x", err, sizeof(err)), 0);
	cr_assert_str_empty(err);
}

Test(cli, pin_dir_rejected_in_one_line)
{
	static const char *const bad[] = {
		"", "/tmp/x", "sys/fs/bpf/x", "/sys/fs/bpf", "/sys/fs/bpf/",
		"/sys/fs/bpf//", "/sys/fs/bpf/../x", "/sys/fs/bpfx/y",
	};
	char err[128];
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		cr_assert_eq(cli_check_pin_dir(bad[i], err, sizeof(err)), -EINVAL,
			     "'%s' accepted", bad[i]);
		cr_assert(strstr(err, "--pin-dir must be below /sys/fs/bpf/"),
			  "'%s': said '%s'", bad[i], err);
		cr_assert_null(strchr(err, '\n'));
	}
}

Test(cli, exit_statuses)
{
	/* The manuals document these numbers. */
	cr_assert_eq(EXIT_OK, 0);
	cr_assert_eq(EXIT_FAIL, 1);
	cr_assert_eq(EXIT_USAGE, 2);
}
