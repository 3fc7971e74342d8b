// SPDX-License-Identifier: GPL-2.0
/*
 * ksm-loader's command line (argv[1..] split at NUL bytes) and the values
 * of its --set KEY=VALUE: each value is also parsed as every kind of
 * tunable and as list keys.  Promises: usage errors are one line; a value
 * accepted for a tunable formats back to text that sets the same bytes.
 */
#include <errno.h>
#include <ksm_ext/stats.h>

#include "fuzz.h"
#include "../../src/loader/loader.h"
#include "policy_btf.h"

static const struct pol_tunable kinds[] = {
	{ "u8", 0, 1, false, false },	{ "s8", 0, 1, true, false },
	{ "flag", 0, 1, false, true },	{ "u16", 0, 2, false, false },
	{ "s16", 0, 2, true, false },	{ "u32", 0, 4, false, false },
	{ "s32", 0, 4, true, false },	{ "u64", 0, 8, false, false },
	{ "s64", 0, 8, true, false },
};

static void check_value(const char *val)
{
	unsigned char a[8], b[8], key[16];
	char text[32], why[128];
	size_t i;
	int ret;

	for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		memset(a, 0xa5, sizeof(a));
		ret = pol_tunable_set(&kinds[i], a, val);
		fuzz_assert(ret == 0 || ret == -EINVAL || ret == -ERANGE);
		if (ret)
			continue;
		pol_tunable_format(&kinds[i], a, text, sizeof(text));
		memset(b, 0xa5, sizeof(b));
		fuzz_assert(pol_tunable_set(&kinds[i], b, text) == 0);
		fuzz_assert(!memcmp(a, b, kinds[i].size));
	}
	why[0] = '\0';
	if (pol_list_key(POL_LIST_COMM, val, key, why, sizeof(why)))
		fuzz_assert(why[0]);
	/* Ids only: a path would have the fuzzer probe the file system. */
	if (strspn(val, "0123456789") == strlen(val))
		pol_list_key(POL_LIST_CGROUP, val, key, why, sizeof(why));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *argv[FUZZ_MAX_ARGS + 2], *text, err[256];
	struct loader_args a;
	int argc, ret, i;

	text = fuzz_argv(data, size, "ksm-loader", argv, &argc);
	err[0] = '\0';
	ret = loader_parse_args(argc, argv, &a, err, sizeof(err));
	fuzz_assert(ret == EXIT_OK || ret == EXIT_USAGE);
	if (ret == EXIT_USAGE) {
		fuzz_assert(err[0] != '\0');
		fuzz_assert(!strchr(err, '\n'));
	} else {
		fuzz_assert(a.o.scans >= 1 && a.o.scans <= KSM_EXT_SCAN_RING);
		fuzz_assert(a.cmd != LOADER_ENROLL || a.pid > 0);
		fuzz_assert(!a.o.nsets || a.cmd == LOADER_POLICY_LOAD ||
			    a.cmd == LOADER_HELP);
		for (i = 0; i < a.o.nsets; i++) {
			const char *eq = strchr(a.o.sets[i], '=');

			if (eq)
				check_value(eq + 1);
		}
	}
	free(text);
	return 0;
}
