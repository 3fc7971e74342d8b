// SPDX-License-Identifier: GPL-2.0
/*
 * The policy life cycle's library unit (src/lib/policy.c) without a kernel:
 * finding and opening objects (and the failures), tunables that do not
 * exist or are out of range, lists that overflow, and whose the pins are,
 * which decides whether a policy an earlier (perhaps killed) run pinned is
 * adopted or its pins dropped.  Attaching needs the ksm_ext kernel:
 * tests/vm/cases/loader_policy.sh.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "policy.h"

/* Built by the Makefile beside the unit tests. */
#define FIXTURE_DIR UNIT_BUILD_DIR "/tests"
#define FIXTURE FIXTURE_DIR "/policy_fixture.bpf.o"
#define NOT_A_POLICY UNIT_BUILD_DIR "/bpf/enroll.bpf.o"

static char why[POLICY_WHY_LEN];

/* libbpf's own warnings about the bad objects are expected. */
static void quiet(void)
{
	cli_libbpf_print(false);
}

TestSuite(policy, .init = quiet);

static void open_fixture(struct policy *p)
{
	cr_assert_eq(policy_open(p, FIXTURE, why, sizeof(why)), 0, "%s", why);
	cr_assert_eq(policy_check(p, why, sizeof(why)), 0, "%s", why);
}

Test(policy, opens_the_fixture)
{
	struct policy p;
	char v[32];

	open_fixture(&p);
	cr_assert_str_eq(policy_doc(&p), "a fixture for the unit tests");
	cr_assert_eq(p.ntun, 3);
	cr_assert_str_eq(p.tun[0].name, "small");
	pol_tunable_format(&p.tun[1], p.rodata_data, v, sizeof(v));
	cr_assert_str_eq(v, "-7");
	cr_assert_eq(p.nlists, 1);
	cr_assert_eq(p.list_kind[0], POL_LIST_COMM);
	policy_close(&p);
}

Test(policy, open_failures)
{
	char path[] = "/tmp/ksm-ext-unit-XXXXXX";
	struct policy p;
	FILE *f;
	int fd;

	cr_assert_eq(policy_open(&p, "/nonexistent/x.bpf.o", why, sizeof(why)), -ENOENT);
	cr_assert(strstr(why, "cannot open /nonexistent/x.bpf.o as a BPF object: "), "%s", why);
	policy_close(&p);

	fd = mkstemp(path);
	cr_assert(fd >= 0);
	f = fdopen(fd, "w");
	fputs("not an ELF file\n", f);
	fclose(f);
	cr_assert_lt(policy_open(&p, path, why, sizeof(why)), 0);
	/* libbpf's own code, in words (strerror says "Unknown error 4001"). */
	cr_assert(strstr(why, "as a BPF object: BPF object format invalid"), "%s", why);
	policy_close(&p);
	unlink(path);

	/* A BPF object, but no struct_ops map. */
	cr_assert_eq(policy_open(&p, NOT_A_POLICY, why, sizeof(why)), 0, "%s", why);
	cr_assert_eq(policy_check(&p, why, sizeof(why)), -EINVAL);
	cr_assert(strstr(why, "is not a ksm_ext policy (no struct_ops map)"), "%s", why);
	cr_assert_eq(policy_load(&p, why, sizeof(why)), -EINVAL);
	policy_close(&p);
}

Test(policy, tunables)
{
	struct policy p;
	char v[32];

	open_fixture(&p);
	cr_assert_eq(policy_set(&p, "small", "255", why, sizeof(why)), 0, "%s", why);
	pol_tunable_format(&p.tun[0], p.rodata_data, v, sizeof(v));
	cr_assert_str_eq(v, "255");
	cr_assert_eq(policy_set(&p, "small", "256", why, sizeof(why)), -ERANGE);
	cr_assert_str_eq(why, "out of range for small (a u8)");
	cr_assert_eq(policy_set(&p, "big", "-2147483649", why, sizeof(why)), -ERANGE);
	cr_assert_eq(policy_set(&p, "big", "lots", why, sizeof(why)), -EINVAL);
	cr_assert_str_eq(why, "not a number for big (a s32)");
	cr_assert_eq(policy_set(&p, "flag", "off", why, sizeof(why)), 0, "%s", why);
	/* A rejected value leaves the last good one. */
	pol_tunable_format(&p.tun[0], p.rodata_data, v, sizeof(v));
	cr_assert_str_eq(v, "255");
	cr_assert_eq(policy_set(&p, "nosuch", "1", why, sizeof(why)), -ENOENT);
	cr_assert_str_eq(why, "policy policy_fixture has no tunable or list 'nosuch' (tunables: small, big, flag; lists: comm)");
	policy_close(&p);
}

Test(policy, list_overflow)
{
	struct policy p;

	open_fixture(&p);
	cr_assert_eq(policy_set(&p, "comm", "a", why, sizeof(why)), 0, "%s", why);
	cr_assert_eq(policy_set(&p, "comm", "b", why, sizeof(why)), 0, "%s", why);
	/* Again: the map would hold it once. */
	cr_assert_eq(policy_set(&p, "comm", "a", why, sizeof(why)), 0, "%s", why);
	cr_assert_eq(p.nadds, 2);
	cr_assert_eq(policy_set(&p, "comm", "c", why, sizeof(why)), -E2BIG);
	cr_assert_str_eq(why, "list comm holds at most 2 entries");
	cr_assert_eq(policy_set(&p, "comm", "", why, sizeof(why)), -EINVAL);
	cr_assert(strstr(why, "1 to 15 bytes"), "%s", why);
	policy_close(&p);
}

Test(policy, resolve)
{
	char path[PATH_MAX];
	char **names;
	int n;

	setenv("KSM_EXT_POLICY_DIR", FIXTURE_DIR, 1);
	cr_assert_eq(policy_resolve("policy_fixture", path, sizeof(path), why, sizeof(why)), 0,
		     "%s", why);
	cr_assert_str_eq(path, FIXTURE);
	cr_assert_eq(policy_resolve("nosuch", path, sizeof(path), why, sizeof(why)), -ENOENT);
	cr_assert(strstr(why, "no policy 'nosuch'; there are: policy_fixture"), "%s", why);
	n = policy_names(FIXTURE_DIR, &names);
	cr_assert_eq(n, 1);
	cr_assert_str_eq(names[0], "policy_fixture");
	policy_names_free(names, n);
	/* A path is taken as it is, and must exist. */
	cr_assert_eq(policy_resolve("./nosuch.bpf.o", path, sizeof(path), why, sizeof(why)),
		     -ENOENT);
	cr_assert_str_eq(why, "./nosuch.bpf.o: No such file or directory");
	setenv("KSM_EXT_POLICY_DIR", "/nonexistent", 1);
	cr_assert_eq(policy_resolve("yield", path, sizeof(path), why, sizeof(why)), -ENOENT);
	cr_assert(strstr(why, "no policy directory found"), "%s", why);
	unsetenv("KSM_EXT_POLICY_DIR");
}

Test(policy, whose_the_pins_are)
{
	/* Nothing attached or pinned. */
	cr_assert_eq(policy_owner_of("none", -ENOENT, false), POLICY_NONE);
	/* Detached (echo none) after a load: its pins are stale, a load drops them. */
	cr_assert_eq(policy_owner_of("none", 0, true), POLICY_DETACHED);
	/* A loader killed after pinning the maps, before the link: stale too. */
	cr_assert_eq(policy_owner_of("none", -ENOENT, true), POLICY_DETACHED);
	/* A loader killed after pinning the link: the policy runs on, and its
	 * pins are adopted (status reads them, unload removes them). */
	cr_assert_eq(policy_owner_of("yield", 1, true), POLICY_PINNED);
	/* Attached by bpftool, or pinned elsewhere. */
	cr_assert_eq(policy_owner_of("yield", -ENOENT, false), POLICY_FOREIGN);
	cr_assert_eq(policy_owner_of("yield", 0, true), POLICY_FOREIGN);
	cr_assert_eq(policy_owner_of("yield", -EACCES, true), POLICY_UNREADABLE);
	cr_assert_eq(policy_owner_of("yield", -EPERM, true), POLICY_UNREADABLE);
}
