// SPDX-License-Identifier: GPL-2.0
/*
 * ksm-loader policy list|load|status|unload: the command line's side of a
 * policy's life cycle (src/lib/policy.c does it): what to do, in which
 * order, and what to print.
 */
#include "loader.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/libbpf.h>

#include "json_out.h"
#include "ksm_sysfs.h"
#include "pin.h"
#include "policy.h"

#define PIN		KSM_EXT_POLICY_PIN_DIR
#define EXT_POLICY	KSM_SYSFS_DIR "/ext_policy"

static int no_ksm_ext(void)
{
	if (policy_kernel_supported())
		return 0;
	fprintf(stderr, "ksm-loader: this kernel has no ksm_ext support; stats and tuning still work\n");
	return -1;
}

/* ---- policy list ---------------------------------------------------------- */

int cmd_policy_list(const struct loader_opts *o)
{
	const char *dir = policy_dir(), *doc;
	char path[PATH_MAX], v[32], why[POLICY_WHY_LEN], **names;
	struct policy p;
	int i, j, n;

	if (!dir) {
		fprintf(stderr, "ksm-loader: no policy directory found (KSM_EXT_POLICY_DIR, <exe>/../lib/ksm-ext/policies, <exe>/../bpf/policies, /usr/local/lib/ksm-ext/policies, /usr/lib/ksm-ext/policies); make vm builds them\n");
		return EXIT_FAIL;
	}
	n = policy_names(dir, &names);
	printf("policies in %s:\n", dir);
	if (!n)
		printf("  (none)\n");
	for (i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s/%s" POLICY_SUFFIX, dir, names[i]);
		if (policy_open(&p, path, why, sizeof(why))) {
			printf("%-14s (%s)\n", names[i], why);
			policy_close(&p);
			continue;
		}
		doc = policy_doc(&p);
		printf("%-14s %s\n", names[i], doc ? doc : "(no description)");
		if (p.ntun) {
			printf("%-14s tunables:", "");
			for (j = 0; j < p.ntun; j++) {
				pol_tunable_format(&p.tun[j], p.rodata_data, v, sizeof(v));
				printf(" %s=%s", p.tun[j].name, v);
			}
			printf("\n");
		}
		if (p.nlists) {
			printf("%-14s lists:", "");
			for (j = 0; j < p.nlists; j++)
				printf("%s %s (%s)", j ? "," : "", bpf_map__name(p.lists[j]),
				       pol_list_what(p.list_kind[j]));
			printf("\n");
		}
		if (!p.ops)
			printf("%-14s (not a policy: no struct_ops map)\n", "");
		policy_close(&p);
	}
	policy_names_free(names, n);
	return EXIT_OK;
}

/* ---- policy load ---------------------------------------------------------- */

static void say_busy(const char *why)
{
	fprintf(stderr, "ksm-loader: %s; 'ksm-loader policy unload' (or echo none > " EXT_POLICY ") first\n",
		why);
}

/* --set KEY=VALUE, each; 0, or EXIT_USAGE (printed). */
static int apply_sets(struct policy *p, const struct loader_opts *o)
{
	char key[128], why[POLICY_WHY_LEN];
	const char *eq;
	int i;

	for (i = 0; i < o->nsets; i++) {
		eq = strchr(o->sets[i], '=');
		if (!eq || eq == o->sets[i] || (size_t)(eq - o->sets[i]) >= sizeof(key)) {
			fprintf(stderr, "ksm-loader: --set wants KEY=VALUE, not '%s'\n", o->sets[i]);
			return EXIT_USAGE;
		}
		snprintf(key, sizeof(key), "%.*s", (int)(eq - o->sets[i]), o->sets[i]);
		if (policy_set(p, key, eq + 1, why, sizeof(why))) {
			fprintf(stderr, "ksm-loader: --set %s: %s\n", o->sets[i], why);
			return EXIT_USAGE;
		}
	}
	return 0;
}

int cmd_policy_load(const struct loader_opts *o, const char *arg)
{
	char path[PATH_MAX], cur[64], why[POLICY_WHY_LEN];
	struct policy p = {};
	int err, lock = -1, ret = EXIT_FAIL;

	if (policy_resolve(arg, path, sizeof(path), why, sizeof(why))) {
		fprintf(stderr, "ksm-loader: %s\n", why);
		return EXIT_USAGE;
	}
	if (policy_open(&p, path, why, sizeof(why)) || policy_check(&p, why, sizeof(why))) {
		fprintf(stderr, "ksm-loader: %s\n", why);
		goto out;
	}
	ret = apply_sets(&p, o);
	if (ret)
		goto out;
	ret = EXIT_FAIL;
	if (require_root() || no_ksm_ext())
		goto out;
	lock = policy_claim(PIN, why, sizeof(why));
	if (lock < 0) {
		if (lock == -EBUSY)
			say_busy(why);
		else
			fprintf(stderr, "ksm-loader: %s\n", why);
		goto out;
	}
	err = policy_load(&p, why, sizeof(why));
	if (err) {
		fprintf(stderr, "ksm-loader: %s (run with -v for the verifier log)\n", why);
		goto unpin;
	}
	err = policy_attach(&p, PIN, why, sizeof(why));
	if (err) {
		if (err == -EBUSY)
			say_busy(why);
		else
			fprintf(stderr, "ksm-loader: %s\n", why);
		goto unpin;
	}
	policy_attached(cur, sizeof(cur));
	printf("ksm-loader: policy %s attached (%s), pinned at %s\n", cur, path, PIN);
	ret = EXIT_OK;
unpin:
	if (ret != EXIT_OK)
		pin_dir_remove(PIN);
out:
	if (lock >= 0)
		close(lock);
	policy_close(&p);
	return ret;
}

/* ---- policy status -------------------------------------------------------- */

static void status_text(const struct policy_status *st, const char *note)
{
	char v[32];
	int i, j;

	printf("%-20s %s\n", "ext_policy", st->attached);
	for (i = 0; i < POLICY_NR_SKIP; i++)
		if (st->have_skip[i])
			printf("%-20s %" PRIu64 "\n", policy_skip_files[i], st->skip[i]);
	if (note) {
		printf("%s\n", note);
		return;
	}
	printf("%-20s ksm-loader (pinned at %s)\n", "loaded by", PIN);
	printf("%-20s", "tunables");
	for (i = 0; i < st->ntun; i++) {
		pol_tunable_format(&st->tun[i], st->rodata, v, sizeof(v));
		printf(" %s=%s", st->tun[i].name, v);
	}
	printf("%s\n", st->ntun ? "" : " (none)");
	for (i = 0; i < st->nlists; i++) {
		printf("list %-15s", st->lists[i].name);
		for (j = 0; j < st->lists[i].n; j++) {
			policy_list_key_text(&st->lists[i], j, v, sizeof(v));
			printf(" %s", v);
		}
		printf("%s\n", st->lists[i].n ? "" : " (empty)");
	}
	if (st->nstats < 0) {
		printf("%-20s (the policy has no stats map)\n", "stats");
		return;
	}
	printf("stats (summed over CPUs)\n");
	for (i = 0; i < st->nstats; i++) {
		if (st->stats[i].is_signed)
			printf("  %-18s %" PRId64 "\n", st->stats[i].name, (int64_t)st->stats[i].v);
		else
			printf("  %-18s %" PRIu64 "\n", st->stats[i].name, (uint64_t)st->stats[i].v);
	}
}

static void status_json(const struct policy_status *st, const char *note)
{
	bool ours = st->owner == POLICY_PINNED;
	const struct policy_pinned_list *l;
	struct json_out j;
	char v[32];
	__u64 t, id;
	int i, k;

	json_start(&j, stdout);
	json_obj(&j, NULL);
	json_str(&j, "ext_policy", st->attached);
	json_bool(&j, "attached", strcmp(st->attached, "none") != 0);
	for (i = 0; i < POLICY_NR_SKIP; i++)
		json_u64(&j, policy_skip_files[i], st->skip[i], st->have_skip[i]);
	json_bool(&j, "loaded_by_ksm_loader", ours);
	json_str(&j, "pin_dir", ours ? PIN : NULL);
	json_str(&j, "note", note);
	if (!ours) {
		json_null(&j, "tunables");
		json_null(&j, "lists");
		json_null(&j, "stats");
		goto out;
	}
	json_obj(&j, "tunables");
	for (i = 0; i < st->ntun; i++) {
		t = pol_tunable_get(&st->tun[i], st->rodata);
		if (st->tun[i].is_signed)
			json_s64(&j, st->tun[i].name, (int64_t)t, true);
		else
			json_u64(&j, st->tun[i].name, t, true);
	}
	json_obj_end(&j);
	json_obj(&j, "lists");
	for (i = 0; i < st->nlists; i++) {
		l = &st->lists[i];
		json_arr(&j, l->name);
		for (k = 0; k < l->n; k++) {
			policy_list_key_text(l, k, v, sizeof(v));
			if (l->comm) {
				json_str(&j, NULL, v);
			} else {
				memcpy(&id, l->keys[k], sizeof(id));
				json_u64(&j, NULL, id, true);
			}
		}
		json_arr_end(&j);
	}
	json_obj_end(&j);
	if (st->nstats < 0) {
		json_null(&j, "stats");
		goto out;
	}
	json_obj(&j, "stats");
	for (i = 0; i < st->nstats; i++) {
		if (st->stats[i].is_signed)
			json_s64(&j, st->stats[i].name, (int64_t)st->stats[i].v, true);
		else
			json_u64(&j, st->stats[i].name, st->stats[i].v, true);
	}
	json_obj_end(&j);
out:
	json_obj_end(&j);
	putchar('\n');
}

/* Why there are no statistics to show, or NULL. */
static const char *status_note(enum policy_owner owner)
{
	switch (owner) {
	case POLICY_NONE:
		return "no policy is attached";
	case POLICY_DETACHED:
		return "no policy is attached (what is pinned at " PIN " was detached: 'ksm-loader policy unload' removes it)";
	case POLICY_UNREADABLE:
		return "statistics are not available: reading the pinned policy needs root";
	case POLICY_FOREIGN:
		return "statistics are not available: the policy was not loaded by ksm-loader";
	case POLICY_PINNED:
		break;
	}
	return NULL;
}

int cmd_policy_status(const struct loader_opts *o)
{
	static struct policy_status st;
	char why[POLICY_WHY_LEN];

	if (no_ksm_ext())
		return EXIT_FAIL;
	if (policy_status_read(PIN, &st, why, sizeof(why))) {
		fprintf(stderr, "ksm-loader: %s\n", why);
		return EXIT_FAIL;
	}
	if (o->json)
		status_json(&st, status_note(st.owner));
	else
		status_text(&st, status_note(st.owner));
	policy_status_free(&st);
	return EXIT_OK;
}

/* ---- policy unload -------------------------------------------------------- */

int cmd_policy_unload(const struct loader_opts *o)
{
	enum policy_detached what;
	char name[64], why[POLICY_WHY_LEN];

	if (require_root() || no_ksm_ext())
		return EXIT_FAIL;
	if (policy_detach(PIN, &what, name, sizeof(name), why, sizeof(why))) {
		fprintf(stderr, "ksm-loader: %s\n", why);
		return EXIT_FAIL;
	}
	if (o->json)
		return EXIT_OK;
	if (what == POLICY_WAS_ATTACHED)
		printf("ksm-loader: policy %s detached\n", name);
	else
		printf("ksm-loader: no policy was attached; removed the pins of a detached one at %s\n",
		       PIN);
	return EXIT_OK;
}
