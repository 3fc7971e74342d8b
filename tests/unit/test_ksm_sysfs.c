// SPDX-License-Identifier: GPL-2.0
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ksm_sysfs.h"

Test(ksm_parse, u64_accepts_sysfs_text)
{
	uint64_t v;

	cr_assert_eq(ksm_parse_u64("100\n", &v), 0);
	cr_assert_eq(v, 100);
	cr_assert_eq(ksm_parse_u64("18446744073709551615", &v), 0);
	cr_assert_eq(v, UINT64_MAX);
}

Test(ksm_parse, u64_rejects_junk)
{
	uint64_t v;

	cr_assert_eq(ksm_parse_u64("", &v), -EINVAL);
	cr_assert_eq(ksm_parse_u64("-1", &v), -EINVAL);
	cr_assert_eq(ksm_parse_u64("12x", &v), -EINVAL);
	cr_assert_eq(ksm_parse_u64("18446744073709551616", &v), -EINVAL);
	cr_assert_eq(ksm_parse_u64("[none] scan-time", &v), -EINVAL);
}

Test(ksm_parse, s64_general_profit_can_be_negative)
{
	int64_t v;

	cr_assert_eq(ksm_parse_s64("-123456\n", &v), 0);
	cr_assert_eq(v, -123456);
	cr_assert_eq(ksm_parse_s64("\n", &v), -EINVAL);
	cr_assert_eq(ksm_parse_s64("1 2", &v), -EINVAL);
}

Test(ksm_parse, selector)
{
	char out[32];

	cr_assert_eq(ksm_parse_selector("[none] scan-time\n", out, sizeof(out)), 0);
	cr_assert_str_eq(out, "none");
	cr_assert_eq(ksm_parse_selector("none [scan-time]", out, sizeof(out)), 0);
	cr_assert_str_eq(out, "scan-time");
	cr_assert_eq(ksm_parse_selector("none scan-time", out, sizeof(out)), -EINVAL);
	cr_assert_eq(ksm_parse_selector("[]", out, sizeof(out)), -EINVAL);
	cr_assert_eq(ksm_parse_selector("[scan-time]", out, 4), -EINVAL);
}

/* A fixture directory that looks like /sys/kernel/mm/ksm. */
static char dir[] = "/tmp/ksm-sysfs-test-XXXXXX";

static void put(const char *name, const char *text)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	cr_assert_not_null(f);
	fputs(text, f);
	fclose(f);
}

static void setup_dir(void)
{
	cr_assert_not_null(mkdtemp(dir));
	put("run", "1\n");
	put("pages_to_scan", "5000\n");
	put("sleep_millisecs", "10\n");
	put("pages_shared", "7\n");
	put("pages_sharing", "42\n");
	put("pages_unshared", "3\n");
	put("pages_volatile", "1\n");
	put("full_scans", "9\n");
	put("stable_node_chains", "0\n");
	put("stable_node_dups", "0\n");
	put("general_profit", "-4096\n");
	put("advisor_mode", "[none] scan-time\n");
}

static void teardown_dir(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	cr_assert_eq(system(cmd), 0);
	strcpy(dir, "/tmp/ksm-sysfs-test-XXXXXX");
}

Test(ksm_sysfs, reads_stats_and_marks_missing_files, .init = setup_dir, .fini = teardown_dir)
{
	struct ksm_sysfs_stats st;

	cr_assert_eq(ksm_sysfs_read_stats(dir, &st), 0);
	cr_assert_eq(st.run, 1);
	cr_assert_eq(st.pages_to_scan, 5000);
	cr_assert_eq(st.pages_sharing, 42);
	cr_assert_eq(st.general_profit, -4096);
	cr_assert_str_eq(st.advisor_mode, "none");
	/* A 6.1-era kernel: no pages_scanned/pages_skipped/zero pages/ext. */
	cr_assert(st.missing & KSM_STAT_PAGES_SCANNED);
	cr_assert(st.missing & KSM_STAT_PAGES_SKIPPED);
	cr_assert(st.missing & KSM_STAT_ZERO_PAGES);
	cr_assert(st.missing & KSM_STAT_EXT_POLICY);
	cr_assert(st.missing & KSM_STAT_EXT_SKIPPED);
	cr_assert_not(st.missing & KSM_STAT_ADVISOR);
	cr_assert_not(st.missing & KSM_STAT_GENERAL_PROFIT);
}

Test(ksm_sysfs, reads_the_ksm_ext_files, .init = setup_dir, .fini = teardown_dir)
{
	struct ksm_sysfs_stats st;

	put("ext_policy", "yield\n");
	put("ext_mms_skipped", "3\n");
	put("ext_vmas_skipped", "40\n");
	put("ext_pages_skipped", "12345\n");
	cr_assert_eq(ksm_sysfs_read_stats(dir, &st), 0);
	cr_assert_str_eq(st.ext_policy, "yield");
	cr_assert_eq(st.ext_mms_skipped, 3);
	cr_assert_eq(st.ext_vmas_skipped, 40);
	cr_assert_eq(st.ext_pages_skipped, 12345);
	cr_assert_not(st.missing & (KSM_STAT_EXT_POLICY | KSM_STAT_EXT_SKIPPED));
}

Test(ksm_sysfs, required_file_missing_is_an_error, .init = setup_dir, .fini = teardown_dir)
{
	struct ksm_sysfs_stats st;
	char path[256];

	snprintf(path, sizeof(path), "%s/pages_sharing", dir);
	cr_assert_eq(unlink(path), 0);
	cr_assert_eq(ksm_sysfs_read_stats(dir, &st), -ENOENT);
}

Test(ksm_sysfs, write_then_read_back, .init = setup_dir, .fini = teardown_dir)
{
	uint64_t v;

	cr_assert_eq(ksm_sysfs_write_u64(dir, "pages_to_scan", 1234), 0);
	cr_assert_eq(ksm_sysfs_read_u64(dir, "pages_to_scan", &v), 0);
	cr_assert_eq(v, 1234);
	cr_assert_eq(ksm_sysfs_read_u64(dir, "no_such_knob", &v), -ENOENT);
}
