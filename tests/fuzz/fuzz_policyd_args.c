// SPDX-License-Identifier: GPL-2.0
/*
 * ksm-policyd's command line: the input, split at NUL bytes, is argv[1..].
 * Promises: EXIT_OK or EXIT_USAGE and, for EXIT_USAGE, a one-line message
 * with no control character; accepted, at most POLICYD_MAX_OVERRIDES
 * overrides (their KEY=VALUE is the config parser's to check, fuzzed in
 * fuzz_policyd_config) and a --pin-dir below /sys/fs/bpf/.
 */
#include "fuzz.h"
#include "cli.h"
#include "../../src/policyd/policyd.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct policyd_args a;
	char *argv[FUZZ_MAX_ARGS + 2], *text, err[256];
	int argc, ret, i;

	text = fuzz_argv(data, size, "ksm-policyd", argv, &argc);
	err[0] = '\0';
	ret = policyd_parse_args(argc, argv, &a, err, sizeof(err));
	fuzz_assert(ret == EXIT_OK || ret == EXIT_USAGE);
	if (ret == EXIT_USAGE) {
		fuzz_assert(err[0] != '\0');
		for (i = 0; err[i]; i++)
			fuzz_assert((unsigned char)err[i] >= 0x20 && err[i] != 0x7f);
	} else {
		fuzz_assert(a.n_overrides >= 0 && a.n_overrides <= POLICYD_MAX_OVERRIDES);
		for (i = 0; i < a.n_overrides; i++)
			fuzz_assert(a.overrides[i]);
		fuzz_assert(a.help || !strncmp(a.pin_dir, "/sys/fs/bpf/", 12));
		fuzz_assert(a.config && a.sysfs_dir);
	}
	free(text);
	return 0;
}
