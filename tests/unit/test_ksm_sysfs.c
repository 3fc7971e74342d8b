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

	cr_assert_eq(ksm_sysfs_write_str(dir, "pages_to_scan", "1234"), 0);
	cr_assert_eq(ksm_sysfs_read_u64(dir, "pages_to_scan", &v), 0);
	cr_assert_eq(v, 1234);
	cr_assert_eq(ksm_sysfs_read_u64(dir, "no_such_knob", &v), -ENOENT);
}

/* ---- ext_domains ---- */

static const char domains_text[] =
	"domain mms pages_shared pages_sharing\n"
	"0 12 30 45\n"
	"4242 2 64 64\n"
	"18446744073709551615 1 0 18446744073709551615\n"
	"none 3 0 0\n";

Test(ksm_domains, parses_every_line)
{
	struct ksm_domain d[8];
	size_t n, line;

	cr_assert_eq(ksm_parse_domains(domains_text, d, 8, &n, &line), 0);
	cr_assert_eq(n, 4);
	cr_assert_eq(d[0].id, 0);
	cr_assert_not(d[0].none);
	cr_assert_eq(d[0].mms, 12);
	cr_assert_eq(d[0].pages_shared, 30);
	cr_assert_eq(d[0].pages_sharing, 45);
	cr_assert_eq(d[1].id, 4242);
	cr_assert_eq(d[2].id, UINT64_MAX);
	cr_assert_eq(d[2].pages_sharing, UINT64_MAX);
	cr_assert(d[3].none);
	cr_assert_eq(d[3].mms, 3);
	/* Exactly as many rows as there is room for. */
	cr_assert_eq(ksm_parse_domains(domains_text, d, 4, &n, &line), 0);
	cr_assert_eq(n, 4);
}

Test(ksm_domains, header_only_and_no_final_newline)
{
	struct ksm_domain d[2];
	size_t n = 9, line;

	cr_assert_eq(ksm_parse_domains("domain mms pages_shared pages_sharing\n", d, 2,
				       &n, &line), 0);
	cr_assert_eq(n, 0);
	cr_assert_eq(ksm_parse_domains("domain mms pages_shared pages_sharing", d, 2,
				       &n, &line), 0);
	cr_assert_eq(n, 0);
	cr_assert_eq(ksm_parse_domains("domain mms pages_shared pages_sharing\n0 1 2 3",
				       d, 2, &n, &line), 0);
	cr_assert_eq(n, 1);
	cr_assert_eq(d[0].pages_sharing, 3);
}

Test(ksm_domains, malformed_says_which_line)
{
	static const struct {
		const char *text;
		size_t line;
	} cases[] = {
		{ "", 1 },
		{ "0 12 30 45\n", 1 },				/* no header */
		{ "domain mms pages_shared\n0 1 2\n", 1 },	/* other columns */
		{ "domain mms pages_shared pages_sharing extra\n", 1 },
		{ "domain mms pages_shared pages_sharing\n0 1 x 3\n", 2 },
		{ "domain mms pages_shared pages_sharing\n0 1 2\n", 2 },
		{ "domain mms pages_shared pages_sharing\n0 1 2 3 4\n", 2 },
		{ "domain mms pages_shared pages_sharing\n0 1 2 3x\n", 2 },
		{ "domain mms pages_shared pages_sharing\n-1 1 2 3\n", 2 },
		{ "domain mms pages_shared pages_sharing\n0 -1 2 3\n", 2 },
		{ "domain mms pages_shared pages_sharing\n18446744073709551616 1 2 3\n", 2 },
		{ "domain mms pages_shared pages_sharing\n0 1 2 18446744073709551616\n", 2 },
		{ "domain mms pages_shared pages_sharing\nnone\n", 2 },
		{ "domain mms pages_shared pages_sharing\nNone 1 2 3\n", 2 },
		{ "domain mms pages_shared pages_sharing\n0 1 2 3\n\n4 1 2 3\n", 3 },
		{ "domain mms pages_shared pages_sharing\n0 1 2 3\n4242 \x1b[2J 1 2\n", 3 },
	};
	struct ksm_domain d[4];
	size_t i, n, line;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		n = 9;
		cr_assert_eq(ksm_parse_domains(cases[i].text, d, 4, &n, &line), -EINVAL,
			     "case %zu", i);
		cr_assert_eq(line, cases[i].line, "case %zu: line %zu", i, line);
		cr_assert_eq(n, 0, "case %zu", i);
	}
}

Test(ksm_domains, more_rows_than_room)
{
	struct ksm_domain d[2];
	size_t n, line;

	cr_assert_eq(ksm_parse_domains(domains_text, d, 2, &n, &line), -E2BIG);
	cr_assert_eq(line, 4, "the first row past the room");
	cr_assert_eq(n, 0);
	cr_assert_eq(ksm_parse_domains(domains_text, d, 0, &n, &line), -E2BIG);
	cr_assert_eq(line, 2);
}

Test(ksm_sysfs, reads_ext_domains_past_a_page, .init = setup_dir, .fini = teardown_dir)
{
	static struct ksm_domain d[KSM_DOMAINS_MAX];
	char *text = NULL;
	size_t len = 0, n, line, i;
	FILE *f = open_memstream(&text, &len);

	cr_assert_eq(ksm_sysfs_read_domains(dir, d, KSM_DOMAINS_MAX, &n, &line), -ENOENT);
	/* A full table: 256 domains and none, about 16 KiB. */
	cr_assert_not_null(f);
	fprintf(f, "domain mms pages_shared pages_sharing\n");
	for (i = 0; i < 256; i++)
		fprintf(f, "%zu 123456 1234567890123 1234567890123\n", 1000000000000 + i);
	fprintf(f, "none 7 0 0\n");
	fclose(f);
	cr_assert_gt(len, 4096 * 3);
	put("ext_domains", text);
	cr_assert_eq(ksm_sysfs_read_domains(dir, d, KSM_DOMAINS_MAX, &n, &line), 0);
	cr_assert_eq(n, KSM_DOMAINS_MAX);
	cr_assert_eq(d[255].id, 1000000000255);
	cr_assert_eq(d[255].pages_sharing, 1234567890123);
	cr_assert(d[256].none);
	cr_assert_eq(d[256].mms, 7);
	cr_assert_eq(ksm_sysfs_read_domains(dir, d, 100, &n, &line), -E2BIG);
	cr_assert_eq(line, 102);
	free(text);
}
