// SPDX-License-Identifier: GPL-2.0
/*
 * ksm-policyd's state file under /run: whatever a crashed or foreign
 * writer left there is parsed at start.  Promises: a file accepted
 * formats back to text that parses to the same knobs.
 */
#include "fuzz.h"
#include "../../src/policyd/policyd.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct policyd_state_file a, b;
	char *text = fuzz_str(data, size), buf[4096];
	int n, i;

	memset(&a, 0, sizeof(a));
	if (policyd_state_file_parse(text, &a) == 0) {
		n = policyd_state_file_format(&a, buf, sizeof(buf));
		fuzz_assert(n > 0 && (size_t)n == strlen(buf));
		memset(&b, 0, sizeof(b));
		fuzz_assert(policyd_state_file_parse(buf, &b) == 0);
		fuzz_assert(a.pid == b.pid);
		for (i = 0; i < POLICYD_NR_KNOBS; i++) {
			fuzz_assert(a.k[i].saved == b.k[i].saved);
			fuzz_assert(!strcmp(a.k[i].orig, b.k[i].orig));
			fuzz_assert(!strcmp(a.k[i].last, b.k[i].last));
			fuzz_assert(!strcmp(a.k[i].prev, b.k[i].prev));
		}
	}
	free(text);
	return 0;
}
