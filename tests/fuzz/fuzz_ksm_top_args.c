// SPDX-License-Identifier: GPL-2.0
/*
 * ksm-top's command line: the input, split at NUL bytes, is argv[1..].
 * Promises: exit status 0 (run), 1 (--help) or 2 (bad usage) and, for 2,
 * a one-line message; options accepted are within their documented
 * ranges.
 */
#include <math.h>

#include "fuzz.h"
#include "../../tools/ksm-top/top.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *argv[FUZZ_MAX_ARGS + 2], *text, err[256];
	struct top_opts o;
	int argc, ret;

	text = fuzz_argv(data, size, "ksm-top", argv, &argc);
	err[0] = '\0';
	ret = top_parse_args(argc, argv, &o, err, sizeof(err));
	fuzz_assert(ret >= 0 && ret <= 2);
	if (ret == 2) {
		fuzz_assert(err[0] != '\0');
		fuzz_assert(!strchr(err, '\n'));
	}
	if (ret == 0) {
		fuzz_assert(isfinite(o.delay_s));
		fuzz_assert(o.delay_s >= TOP_DELAY_MIN_S && o.delay_s <= TOP_DELAY_MAX_S);
		fuzz_assert(o.iterations >= 0);
		fuzz_assert(memchr(o.filter, '\0', sizeof(o.filter)));
	}
	free(text);
	return 0;
}
