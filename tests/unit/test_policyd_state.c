// SPDX-License-Identifier: GPL-2.0
/* ksm-policyd's state file text and the restore rule. */
#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>

#include "../../src/policyd/policyd.h"

static void set(struct policyd_state_file *ks, enum policyd_knob k, const char *orig,
		const char *last, const char *prev)
{
	ks->k[k].saved = true;
	strcpy(ks->k[k].orig, orig);
	strcpy(ks->k[k].last, last);
	strcpy(ks->k[k].prev, prev);
}

Test(policyd_state, round_trip)
{
	struct policyd_state_file a = { .pid = 4242 }, b;
	char buf[1024];
	int n, i;

	set(&a, POLICYD_KNOB_PAGES, "100", "5000", "1250");
	set(&a, POLICYD_KNOB_SLEEP, "20", "", "");
	set(&a, POLICYD_KNOB_ADVISOR, "scan-time", "none", "");
	n = policyd_state_file_format(&a, buf, sizeof(buf));
	cr_assert_gt(n, 0);
	cr_assert_eq((size_t)n, strlen(buf));
	cr_assert(strstr(buf, "knob sleep_millisecs 20 - -\n"), "%s", buf);
	cr_assert(strstr(buf, "knob pages_to_scan 100 5000 1250\n"), "%s", buf);
	cr_assert_eq(policyd_state_file_parse(buf, &b), 0, "%s", buf);
	cr_assert_eq(b.pid, 4242);
	for (i = 0; i < POLICYD_NR_KNOBS; i++) {
		cr_assert_eq(b.k[i].saved, a.k[i].saved, "knob %d", i);
		cr_assert_str_eq(b.k[i].orig, a.k[i].orig);
		cr_assert_str_eq(b.k[i].last, a.k[i].last);
		cr_assert_str_eq(b.k[i].prev, a.k[i].prev);
	}
	cr_assert(!b.k[POLICYD_KNOB_RUN].saved);
}

Test(policyd_state, small_buffer_is_an_error)
{
	struct policyd_state_file a = { .pid = 1 };
	char buf[40];

	set(&a, POLICYD_KNOB_PAGES, "100", "5000", "");
	cr_assert_eq(policyd_state_file_format(&a, buf, sizeof(buf)), -ENOSPC);
}

Test(policyd_state, refuses_incomplete_or_foreign_text)
{
	struct policyd_state_file ks;

	/* Rewritten in place: text after "end" is a longer old version. */
	cr_assert_eq(policyd_state_file_parse("pid 1\nknob run 1 0\nend\nknob ru", &ks), 0);
	cr_assert(ks.k[POLICYD_KNOB_RUN].saved);
	cr_assert_eq(policyd_state_file_parse("pid 1\nknob run 1 0\n", &ks), -EINVAL);
	cr_assert_eq(policyd_state_file_parse("knob run 1 0\nend\n", &ks), -EINVAL);
	cr_assert_eq(policyd_state_file_parse("pid 1\nknob swappiness 60 10\nend\n", &ks), -EINVAL);
	cr_assert_eq(policyd_state_file_parse("pid 1\nknob run 1 0\nknob run 1 0\nend\n", &ks), -EINVAL);
	cr_assert_eq(policyd_state_file_parse("pid 1\nknob run 1 0 1 2\nend\n", &ks), -EINVAL);
	cr_assert_eq(policyd_state_file_parse("hello world\n", &ks), -EINVAL);
	cr_assert_eq(policyd_state_file_parse("", &ks), -EINVAL);
}

Test(policyd_state, older_file_without_the_write_before)
{
	struct policyd_state_file ks;

	cr_assert_eq(policyd_state_file_parse("pid 7\nknob pages_to_scan 100 5000\nend\n", &ks), 0);
	cr_assert_str_eq(ks.k[POLICYD_KNOB_PAGES].last, "5000");
	cr_assert_str_eq(ks.k[POLICYD_KNOB_PAGES].prev, "");
}

Test(policyd_state, restore_only_what_is_ours)
{
	/* Still what we wrote: put the original back. */
	cr_assert_eq(policyd_restore_action("100", "5000", "", "5000"), POLICYD_RESTORE_WRITE);
	/* Killed between recording 5000 and writing it: 1250 is ours too. */
	cr_assert_eq(policyd_restore_action("100", "5000", "1250", "1250"), POLICYD_RESTORE_WRITE);
	/* Already the original. */
	cr_assert_eq(policyd_restore_action("100", "5000", "1250", "100"), POLICYD_RESTORE_NOTHING);
	cr_assert_eq(policyd_restore_action("100", "", "", "100"), POLICYD_RESTORE_NOTHING);
	/* Someone else's value since: theirs to keep. */
	cr_assert_eq(policyd_restore_action("100", "5000", "1250", "300"), POLICYD_RESTORE_FOREIGN);
	cr_assert_eq(policyd_restore_action("100", "", "", "300"), POLICYD_RESTORE_FOREIGN);
}
