// SPDX-License-Identifier: GPL-2.0
/*
 * ksm-policyd's settings: the file (-c, /etc/ksm-policyd.conf) and one
 * `-s KEY=VALUE` override.  Promises: an error is one line that names the
 * problem, and a configuration accepted passes the cross-field checks.
 */
#include "fuzz.h"
#include "../../src/policyd/policyd.h"

static void check_error(int ret, const char *err)
{
	if (!ret)
		return;
	fuzz_assert(ret == -22);	/* -EINVAL, the only error */
	fuzz_assert(err[0] != '\0');
	fuzz_assert(!strchr(err, '\n'));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct policyd_config cfg;
	char err[256], *text = fuzz_str(data, size), *eq;
	int ret;

	/* The whole input as a settings file. */
	policyd_config_defaults(&cfg);
	err[0] = '\0';
	ret = policyd_config_parse("fuzz.conf", text, &cfg, err, sizeof(err));
	check_error(ret, err);
	if (!ret)
		fuzz_assert(!policyd_config_check(&cfg, "fuzz.conf", err, sizeof(err)));

	/* Its first line as -s KEY=VALUE, split where ksm-policyd splits it. */
	text[strcspn(text, "\n")] = '\0';
	eq = strchr(text, '=');
	if (eq) {
		*eq = '\0';
		policyd_config_defaults(&cfg);
		err[0] = '\0';
		ret = policyd_config_set(&cfg, text, eq + 1, "option", 0, err,
					 sizeof(err));
		check_error(ret, err);
	}
	free(text);
	return 0;
}
