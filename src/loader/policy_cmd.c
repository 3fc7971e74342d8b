// SPDX-License-Identifier: GPL-2.0
/*
 * ksm-loader policy list|load|status|unload: a ksm_ext scan policy from
 * an object file, attached through a pinned struct_ops link so that it
 * outlives the loader.  Everything about a policy (its doc line, tunables,
 * lists, statistics) is found by BTF; no policy is known by name here.
 */
#include "loader.h"
#include "policy.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "json_out.h"
#include "ksm_sysfs.h"

#define EXT_POLICY	KSM_SYSFS_DIR "/ext_policy"
#define PIN		KSM_EXT_POLICY_PIN_DIR
#define SUFFIX		".bpf.o"
#define MAX_LISTS	16

static const char *const skip_files[] = {
	"ext_mms_skipped", "ext_vmas_skipped", "ext_pages_skipped",
};

static int no_ksm_ext(void)
{
	if (path_exists(EXT_POLICY))
		return 0;
	fprintf(stderr, "ksm-loader: this kernel has no ksm_ext support; stats and tuning still work\n");
	return -1;
}

/* The attached policy's name, "none", or "" when unreadable. */
static void read_ext_policy(char *buf, size_t len)
{
	if (ksm_sysfs_read_str(KSM_SYSFS_DIR, "ext_policy", buf, len))
		buf[0] = '\0';
}

/* ---- where the built-in policies live ----------------------------------- */

static bool is_dir(const char *p)
{
	struct stat st;

	return !stat(p, &st) && S_ISDIR(st.st_mode);
}

/* @dir without its "..", for the messages. */
static const char *canonical(char *dir)
{
	char real[PATH_MAX];

	if (realpath(dir, real))
		snprintf(dir, PATH_MAX, "%s", real);
	return dir;
}

/*
 * $KSM_EXT_POLICY_DIR, then next to the executable (installed:
 * PREFIX/sbin/../lib/ksm-ext/policies; in the tree: build/bin/../bpf/policies),
 * then /usr/local and /usr.  The first directory that exists; NULL if none.
 */
static const char *policy_dir(void)
{
	static char dir[PATH_MAX];
	char exe[PATH_MAX - 64], *slash;
	const char *env = getenv("KSM_EXT_POLICY_DIR");
	ssize_t n;

	if (env && *env) {
		snprintf(dir, sizeof(dir), "%s", env);
		return is_dir(dir) ? dir : NULL;
	}
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n > 0) {
		exe[n] = '\0';
		slash = strrchr(exe, '/');
		if (slash) {
			*slash = '\0';
			snprintf(dir, sizeof(dir), "%s/../lib/ksm-ext/policies", exe);
			if (is_dir(dir))
				return canonical(dir);
			snprintf(dir, sizeof(dir), "%s/../bpf/policies", exe);
			if (is_dir(dir))
				return canonical(dir);
		}
	}
	snprintf(dir, sizeof(dir), "/usr/local/lib/ksm-ext/policies");
	if (is_dir(dir))
		return dir;
	snprintf(dir, sizeof(dir), "/usr/lib/ksm-ext/policies");
	return is_dir(dir) ? dir : NULL;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The policy names in @dir, sorted (malloc'ed; free with free_names). */
static int policy_names(const char *dir, char ***names)
{
	struct dirent *de;
	char **v = NULL, **nv;
	size_t len;
	int n = 0;
	DIR *d;

	*names = NULL;
	d = dir ? opendir(dir) : NULL;
	if (!d)
		return 0;
	while ((de = readdir(d))) {
		len = strlen(de->d_name);
		if (len <= strlen(SUFFIX) || strcmp(de->d_name + len - strlen(SUFFIX), SUFFIX))
			continue;
		nv = realloc(v, (n + 1) * sizeof(*v));
		if (!nv)
			break;
		v = nv;
		v[n] = strndup(de->d_name, len - strlen(SUFFIX));
		if (v[n])
			n++;
	}
	closedir(d);
	if (n)	/* qsort(NULL, 0, ...) is undefined, and v is NULL then */
		qsort(v, n, sizeof(*v), cmp_str);
	*names = v;
	return n;
}

static void free_names(char **names, int n)
{
	while (n--)
		free(names[n]);
	free(names);
}

/* NAME or FILE.bpf.o to a path; prints the usage error itself. */
static int resolve_policy(const char *arg, char *path, size_t len)
{
	size_t n = strlen(arg);
	const char *dir;
	char **names;
	int i, count;

	if (strchr(arg, '/') || (n > strlen(SUFFIX) && !strcmp(arg + n - strlen(SUFFIX), SUFFIX))) {
		if (!path_exists(arg)) {
			fprintf(stderr, "ksm-loader: %s: %s\n", arg, strerror(errno));
			return -1;
		}
		snprintf(path, len, "%s", arg);
		return 0;
	}
	dir = policy_dir();
	if (dir) {
		snprintf(path, len, "%s/%s" SUFFIX, dir, arg);
		if (path_exists(path))
			return 0;
	}
	count = policy_names(dir, &names);
	fprintf(stderr, "ksm-loader: no policy '%s'", arg);
	if (!dir)
		fprintf(stderr, ": no policy directory found (set KSM_EXT_POLICY_DIR; make vm builds them)\n");
	else if (!count)
		fprintf(stderr, " (%s has no policies)\n", dir);
	else
		for (i = 0; i < count; i++)
			fprintf(stderr, "%s%s%s", i ? ", " : "; there are: ", names[i],
				i == count - 1 ? "\n" : "");
	free_names(names, count);
	return -1;
}

/* ---- an opened object: its .rodata, tunables and lists ------------------ */

struct pol_obj {
	struct bpf_object *obj;
	const char *name;		/* of the object */
	struct bpf_map *ops;		/* the struct_ops map */
	struct bpf_map *rodata, *stats;
	void *rodata_data;		/* libbpf's copy, written before load */
	size_t rodata_size;
	const struct btf *btf;
	int sec_id;			/* .rodata's DATASEC, or < 0 */
	struct pol_tunable tun[POL_MAX_TUNABLES];
	int ntun;
	struct bpf_map *lists[MAX_LISTS];
	enum pol_list_kind list_kind[MAX_LISTS];
	int nlists;
};

static bool is_rodata(const struct bpf_map *m)
{
	const char *n = bpf_map__name(m);
	size_t len = strlen(n);

	return bpf_map__is_internal(m) && len >= 7 && !strcmp(n + len - 7, ".rodata");
}

/* 0, or -errno with nothing printed (the caller says what failed). */
static int pol_open(const char *path, struct pol_obj *p)
{
	struct bpf_map *m;
	enum pol_list_kind k;
	int err;

	memset(p, 0, sizeof(*p));
	p->sec_id = -1;
	p->obj = bpf_object__open_file(path, NULL);
	if (!p->obj) {
		err = -errno;
		return err ? err : -EINVAL;
	}
	p->name = bpf_object__name(p->obj);
	p->btf = bpf_object__btf(p->obj);
	bpf_object__for_each_map(m, p->obj) {
		if (bpf_map__type(m) == BPF_MAP_TYPE_STRUCT_OPS) {
			if (!p->ops)
				p->ops = m;
		} else if (is_rodata(m)) {
			p->rodata = m;
		} else if (!strcmp(bpf_map__name(m), "stats")) {
			p->stats = m;
		} else if (p->nlists < MAX_LISTS) {
			k = pol_list_kind(p->btf, bpf_map__type(m), bpf_map__btf_key_type_id(m),
					  bpf_map__key_size(m), bpf_map__value_size(m));
			if (k != POL_LIST_NONE) {
				p->lists[p->nlists] = m;
				p->list_kind[p->nlists++] = k;
			}
		}
	}
	if (p->rodata && p->btf) {
		p->rodata_data = bpf_map__initial_value(p->rodata, &p->rodata_size);
		p->sec_id = pol_rodata_sec(p->btf);
		if (p->sec_id >= 0 && p->rodata_data)
			p->ntun = pol_tunables(p->btf, p->sec_id, p->tun, POL_MAX_TUNABLES);
	}
	return 0;
}

static void pol_close(struct pol_obj *p)
{
	bpf_object__close(p->obj);
	p->obj = NULL;
}

static const char *pol_doc_of(const struct pol_obj *p)
{
	if (p->sec_id < 0 || !p->rodata_data)
		return NULL;
	return pol_doc(p->btf, p->sec_id, p->rodata_data, p->rodata_size);
}

static struct bpf_map *pol_list(const struct pol_obj *p, const char *name, int *idx)
{
	int i;

	for (i = 0; i < p->nlists; i++)
		if (!strcmp(bpf_map__name(p->lists[i]), name)) {
			*idx = i;
			return p->lists[i];
		}
	return NULL;
}

/* ---- policy list ---------------------------------------------------------- */

int cmd_policy_list(const struct loader_opts *o)
{
	const char *dir = policy_dir(), *doc;
	char path[PATH_MAX], v[32], **names;
	struct pol_obj p;
	int i, j, n, err;

	if (!dir) {
		fprintf(stderr, "ksm-loader: no policy directory found (KSM_EXT_POLICY_DIR, <exe>/../lib/ksm-ext/policies, <exe>/../bpf/policies, /usr/local/lib/ksm-ext/policies, /usr/lib/ksm-ext/policies); make vm builds them\n");
		return EXIT_FAIL;
	}
	n = policy_names(dir, &names);
	printf("policies in %s:\n", dir);
	if (!n)
		printf("  (none)\n");
	for (i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s/%s" SUFFIX, dir, names[i]);
		err = pol_open(path, &p);
		if (err) {
			printf("%-14s (cannot open: %s)\n", names[i], strerror(-err));
			continue;
		}
		doc = pol_doc_of(&p);
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
		pol_close(&p);
	}
	free_names(names, n);
	return EXIT_OK;
}

/* ---- policy load ---------------------------------------------------------- */

struct list_add {
	struct bpf_map *map;
	unsigned char key[16];
};

/* Apply --set KEY=VALUE to the opened object; 0, or EXIT_USAGE (printed). */
static int apply_sets(struct pol_obj *p, const struct loader_opts *o,
		      struct list_add *adds, int *nadds)
{
	const struct pol_tunable *t;
	struct bpf_map *m;
	char key[128], why[160], type[16];
	const char *eq, *val;
	int i, j, idx, err;

	*nadds = 0;
	for (i = 0; i < o->nsets; i++) {
		eq = strchr(o->sets[i], '=');
		if (!eq || eq == o->sets[i] || (size_t)(eq - o->sets[i]) >= sizeof(key)) {
			fprintf(stderr, "ksm-loader: --set wants KEY=VALUE, not '%s'\n", o->sets[i]);
			return EXIT_USAGE;
		}
		snprintf(key, sizeof(key), "%.*s", (int)(eq - o->sets[i]), o->sets[i]);
		val = eq + 1;
		t = pol_tunable_find(p->tun, p->ntun, key);
		if (t) {
			err = pol_tunable_set(t, p->rodata_data, val);
			if (err) {
				pol_tunable_type(t, type, sizeof(type));
				fprintf(stderr, "ksm-loader: --set %s=%s: %s for %s (a %s)\n", key, val,
					err == -ERANGE ? "out of range" : "not a number", key, type);
				return EXIT_USAGE;
			}
			continue;
		}
		m = pol_list(p, key, &idx);
		if (m) {
			if (pol_list_key(p->list_kind[idx], val, adds[*nadds].key, why, sizeof(why))) {
				fprintf(stderr, "ksm-loader: --set %s=%s: %s\n", key, val, why);
				return EXIT_USAGE;
			}
			adds[(*nadds)++].map = m;
			continue;
		}
		fprintf(stderr, "ksm-loader: policy %s has no tunable or list '%s' (", p->name, key);
		if (!p->ntun && !p->nlists)
			fprintf(stderr, "it has none");
		for (j = 0; j < p->ntun; j++)
			fprintf(stderr, "%s%s", j ? ", " : "tunables: ", p->tun[j].name);
		for (j = 0; j < p->nlists; j++)
			fprintf(stderr, "%s%s", j ? ", " : p->ntun ? "; lists: " : "lists: ",
				bpf_map__name(p->lists[j]));
		fprintf(stderr, ")\n");
		return EXIT_USAGE;
	}
	return 0;
}

static int pin_map(struct bpf_map *m, const char *name)
{
	char path[PATH_MAX];
	int err;

	snprintf(path, sizeof(path), PIN "/%s", name);
	err = bpf_map__pin(m, path);
	if (err)
		fprintf(stderr, "ksm-loader: pinning map %s at %s: %s\n", bpf_map__name(m),
			path, strerror(-err));
	return err;
}

static int pin_link(struct bpf_link *link, const char *name)
{
	char path[PATH_MAX];
	int err;

	snprintf(path, sizeof(path), PIN "/%s", name);
	err = bpf_link__pin(link, path);
	if (err)
		fprintf(stderr, "ksm-loader: pinning link at %s: %s\n", path, strerror(-err));
	return err;
}

static void say_attached(const char *name)
{
	fprintf(stderr, "ksm-loader: policy '%s' is already attached; 'ksm-loader policy unload' (or echo none > " EXT_POLICY ") first\n",
		name);
}

/* Pin what status reads, attach the policy, then any other program. */
static int attach_and_pin(struct pol_obj *p, const struct list_add *adds, int nadds)
{
	char name[PATH_MAX], cur[64];
	struct bpf_program *prog;
	struct bpf_link *link;
	__u8 one = 1;
	int i, err;

	for (i = 0; i < nadds; i++) {
		err = bpf_map__update_elem(adds[i].map, adds[i].key, bpf_map__key_size(adds[i].map),
					   &one, sizeof(one), BPF_ANY);
		if (err) {
			fprintf(stderr, "ksm-loader: adding to list %s: %s\n",
				bpf_map__name(adds[i].map), strerror(-err));
			return err;
		}
	}
	if (p->stats && pin_map(p->stats, "stats"))
		return -1;
	if (p->rodata && pin_map(p->rodata, "rodata"))
		return -1;
	for (i = 0; i < p->nlists; i++) {
		snprintf(name, sizeof(name), "list_%s", bpf_map__name(p->lists[i]));
		if (pin_map(p->lists[i], name))
			return -1;
	}

	link = bpf_map__attach_struct_ops(p->ops);
	if (!link) {
		err = -errno;
		read_ext_policy(cur, sizeof(cur));
		if (err == -EBUSY && cur[0] && strcmp(cur, "none"))
			say_attached(cur);
		else
			fprintf(stderr, "ksm-loader: attaching policy %s: %s%s\n", p->name,
				strerror(-err), err == -EPROTO ? " (its init callback failed)" : "");
		return err;
	}
	err = pin_link(link, "link");
	bpf_link__destroy(link);	/* the pin holds it now */
	if (err)
		return err;

	/* E.g. an LSM program that enrols processes at exec. */
	bpf_object__for_each_program(prog, p->obj) {
		if (!bpf_program__autoload(prog) ||
		    bpf_program__type(prog) == BPF_PROG_TYPE_STRUCT_OPS)
			continue;
		link = bpf_program__attach(prog);
		if (!link) {
			err = -errno;
			fprintf(stderr, "ksm-loader: attaching %s: %s\n", bpf_program__name(prog),
				strerror(-err));
			return err;
		}
		snprintf(name, sizeof(name), "link_%s", bpf_program__name(prog));
		err = pin_link(link, name);
		bpf_link__destroy(link);
		if (err)
			return err;
	}
	return 0;
}

/*
 * One load or unload at a time: "is anything attached?", dropping stale
 * pins and pinning ours must be one step, or a second loader could unpin
 * (and so detach) the policy a first one just attached.  Held until exit.
 */
#define POLICY_LOCK "/run/ksm-loader-policy.lock"

static int policy_lock(void)
{
	int fd = open(POLICY_LOCK, O_RDWR | O_CREAT | O_CLOEXEC, 0600);

	if (fd < 0 || flock(fd, LOCK_EX)) {
		fprintf(stderr, "ksm-loader: cannot lock %s: %s\n", POLICY_LOCK, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

int cmd_policy_load(const struct loader_opts *o, const char *arg)
{
	char path[PATH_MAX], cur[64];
	struct list_add *adds = NULL;
	bool made_dir = false;
	struct pol_obj p = {};
	int err, nadds = 0, ret = EXIT_FAIL;

	if (resolve_policy(arg, path, sizeof(path)))
		return EXIT_USAGE;
	err = pol_open(path, &p);
	if (err) {
		fprintf(stderr, "ksm-loader: cannot open %s as a BPF object: %s\n", path,
			strerror(-err));
		return EXIT_FAIL;
	}
	if (!p.ops) {
		fprintf(stderr, "ksm-loader: %s is not a ksm_ext policy (no struct_ops map)\n", path);
		goto out;
	}
	adds = calloc(o->nsets ? o->nsets : 1, sizeof(*adds));
	if (!adds) {
		fprintf(stderr, "ksm-loader: out of memory\n");
		goto out;
	}
	err = apply_sets(&p, o, adds, &nadds);
	if (err) {
		ret = err;
		goto out;
	}
	if (require_root() || no_ksm_ext() || policy_lock() < 0)
		goto out;
	read_ext_policy(cur, sizeof(cur));
	if (cur[0] && strcmp(cur, "none")) {
		say_attached(cur);
		goto out;
	}
	if (ensure_bpffs(PIN))
		goto out;
	/*
	 * Nothing is attached, so pins left here belong to a policy that was
	 * detached (echo none): its link cannot attach again.  Drop them,
	 * which also detaches its other programs.
	 */
	if (path_exists(PIN)) {
		err = remove_pin_dir(PIN);
		if (err) {
			fprintf(stderr, "ksm-loader: removing the stale %s: %s\n", PIN, strerror(-err));
			goto out;
		}
		if (ensure_bpffs(PIN))
			goto out;
	}
	if (mkdir(PIN, 0700)) {
		fprintf(stderr, "ksm-loader: cannot create %s: %s%s\n", PIN, strerror(errno),
			errno == EEXIST ? " (another ksm-loader is loading a policy?)" : "");
		goto out;
	}
	made_dir = true;
	err = bpf_object__load(p.obj);
	if (err) {
		fprintf(stderr, "ksm-loader: loading %s: %s (run with -v for the verifier log)\n",
			path, strerror(-err));
		goto out;
	}
	if (attach_and_pin(&p, adds, nadds))
		goto out;
	read_ext_policy(cur, sizeof(cur));
	printf("ksm-loader: policy %s attached (%s), pinned at %s\n", cur, path, PIN);
	ret = EXIT_OK;
out:
	if (ret != EXIT_OK && made_dir)
		remove_pin_dir(PIN);
	free(adds);
	pol_close(&p);
	return ret;
}

/* ---- what is pinned ------------------------------------------------------- */

/*
 * Is the pinned link attached?  A struct_ops link that was detached (echo
 * none, or its policy replaced) reports no map.  0/1, or -errno.
 */
static int pinned_link_attached(void)
{
	struct bpf_link_info info;
	__u32 len = sizeof(info), map_id;
	int fd, err;

	fd = bpf_obj_get(PIN "/link");
	if (fd < 0)
		return -errno;
	memset(&info, 0, sizeof(info));
	err = bpf_link_get_info_by_fd(fd, &info, &len);
	err = err ? -errno : 0;
	close(fd);
	if (err)
		return err;
	/* info.struct_ops.map_id (Linux >= 6.4), the union's first word; the
	 * system's UAPI header may predate it. */
	memcpy(&map_id, &info.raw_tracepoint, sizeof(map_id));
	return map_id != 0;
}

struct pinned_map {
	int fd;
	struct bpf_map_info info;
	struct btf *btf;
};

static int open_pinned(const char *name, struct pinned_map *pm)
{
	char path[PATH_MAX];
	__u32 len = sizeof(pm->info);

	memset(pm, 0, sizeof(*pm));
	snprintf(path, sizeof(path), PIN "/%s", name);
	pm->fd = bpf_obj_get(path);
	if (pm->fd < 0)
		return -errno;
	if (bpf_map_get_info_by_fd(pm->fd, &pm->info, &len))
		goto fail;
	if (pm->info.btf_id) {
		pm->btf = btf__load_from_kernel_by_id(pm->info.btf_id);
		if (!pm->btf)
			goto fail;
	}
	return 0;
fail:
	len = -errno;
	close(pm->fd);
	pm->fd = -1;
	return (int)len;
}

static void close_pinned(struct pinned_map *pm)
{
	if (pm->fd >= 0)
		close(pm->fd);
	btf__free(pm->btf);
	pm->fd = -1;
	pm->btf = NULL;
}

/* ---- policy status -------------------------------------------------------- */

/* A pinned list map's keys: cgroup ids, or command names. */
struct pinned_list {
	char name[BPF_OBJ_NAME_LEN];
	bool comm;
	int n;
	char (*keys)[16];
};

struct status {
	char policy[64];
	bool have_skip[3];
	uint64_t skip[3];
	bool ours;			/* the pinned link is the attached policy */
	bool stale;			/* pins of a detached policy */
	const char *note;		/* why there are no statistics */
	struct pol_stat stats[POL_MAX_STATS];
	int nstats;			/* -1: no stats map */
	struct pol_tunable tun[POL_MAX_TUNABLES];
	int ntun;
	void *rodata;
	struct pinned_map rod;
	struct pinned_list lists[MAX_LISTS];
	int nlists;
};

static int read_stats(struct status *st)
{
	struct pinned_map pm;
	size_t stride;
	void *vals;
	int ncpu = 1, err;
	__u32 zero = 0;

	st->nstats = -1;
	err = open_pinned("stats", &pm);
	if (err)
		return err == -ENOENT ? 0 : err;
	if (pm.info.type == BPF_MAP_TYPE_PERCPU_ARRAY || pm.info.type == BPF_MAP_TYPE_PERCPU_HASH) {
		ncpu = libbpf_num_possible_cpus();
		if (ncpu < 1)
			ncpu = 1;
	}
	stride = (pm.info.value_size + 7) & ~7u;
	vals = calloc(ncpu, stride);
	err = !vals ? -ENOMEM : bpf_map_lookup_elem(pm.fd, &zero, vals) ? -errno : 0;
	if (!err && pm.btf)
		st->nstats = pol_stats_sum(pm.btf, pm.info.btf_value_type_id, vals, ncpu, stride,
					   st->stats, POL_MAX_STATS);
	free(vals);
	close_pinned(&pm);
	return err;
}

static int read_tunables(struct status *st)
{
	struct pinned_map *pm = &st->rod;
	__u32 zero = 0;
	int err;

	err = open_pinned("rodata", pm);
	if (err)
		return err == -ENOENT ? 0 : err;
	st->rodata = calloc(1, pm->info.value_size);
	if (!st->rodata)
		return -ENOMEM;
	if (bpf_map_lookup_elem(pm->fd, &zero, st->rodata))
		return -errno;
	if (pm->btf)
		st->ntun = pol_tunables(pm->btf, pm->info.btf_value_type_id, st->tun,
					POL_MAX_TUNABLES);
	return 0;
}

static int read_lists(struct status *st)
{
	unsigned char key[16], next[16];
	struct pinned_map pm;
	struct dirent *de;
	void *nk;
	int err = 0;
	DIR *d;

	d = opendir(PIN);
	if (!d)
		return -errno;
	while ((de = readdir(d)) && st->nlists < MAX_LISTS) {
		if (strncmp(de->d_name, "list_", 5))
			continue;
		err = open_pinned(de->d_name, &pm);
		if (err)
			break;
		if (pm.info.key_size == 8 || pm.info.key_size == 16) {
			struct pinned_list *l = &st->lists[st->nlists++];

			snprintf(l->name, sizeof(l->name), "%s", de->d_name + 5);
			l->comm = pm.info.key_size == 16;
			memset(key, 0, sizeof(key));
			for (nk = NULL; !bpf_map_get_next_key(pm.fd, nk, next); nk = key) {
				char (*k)[16] = realloc(l->keys, (l->n + 1) * sizeof(*k));

				if (!k)
					break;
				l->keys = k;
				memset(l->keys[l->n], 0, 16);
				memcpy(l->keys[l->n++], next, pm.info.key_size);
				memcpy(key, next, pm.info.key_size);
			}
		}
		close_pinned(&pm);
	}
	closedir(d);
	return err;
}

static void free_status(struct status *st)
{
	int i;

	for (i = 0; i < st->nlists; i++)
		free(st->lists[i].keys);
	free(st->rodata);
	close_pinned(&st->rod);
}

static void list_key(const struct pinned_list *l, int i, char *buf, size_t len)
{
	uint64_t id;

	if (l->comm) {
		snprintf(buf, len, "%.15s", l->keys[i]);
	} else {
		memcpy(&id, l->keys[i], 8);
		snprintf(buf, len, "%" PRIu64, id);
	}
}

static void status_text(const struct status *st)
{
	char v[32];
	int i, j;

	printf("%-20s %s\n", "ext_policy", st->policy);
	for (i = 0; i < 3; i++)
		if (st->have_skip[i])
			printf("%-20s %" PRIu64 "\n", skip_files[i], st->skip[i]);
	if (st->note) {
		printf("%s\n", st->note);
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
			list_key(&st->lists[i], j, v, sizeof(v));
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

static void status_json(const struct status *st)
{
	bool attached = strcmp(st->policy, "none") != 0;
	char v[32];
	int i, j;

	printf("{\"ext_policy\":");
	json_print_str(stdout, st->policy);
	printf(",\"attached\":%s", attached ? "true" : "false");
	for (i = 0; i < 3; i++) {
		if (st->have_skip[i])
			printf(",\"%s\":%" PRIu64, skip_files[i], st->skip[i]);
		else
			printf(",\"%s\":null", skip_files[i]);
	}
	printf(",\"loaded_by_ksm_loader\":%s,\"pin_dir\":", st->ours ? "true" : "false");
	if (st->ours)
		json_print_str(stdout, PIN);
	else
		printf("null");
	printf(",\"note\":");
	if (st->note)
		json_print_str(stdout, st->note);
	else
		printf("null");
	if (!st->ours) {
		printf(",\"tunables\":null,\"lists\":null,\"stats\":null}\n");
		return;
	}
	printf(",\"tunables\":{");
	for (i = 0; i < st->ntun; i++) {
		pol_tunable_format(&st->tun[i], st->rodata, v, sizeof(v));
		printf("%s", i ? "," : "");
		json_print_str(stdout, st->tun[i].name);
		printf(":%s", v);
	}
	printf("},\"lists\":{");
	for (i = 0; i < st->nlists; i++) {
		printf("%s", i ? "," : "");
		json_print_str(stdout, st->lists[i].name);
		printf(":[");
		for (j = 0; j < st->lists[i].n; j++) {
			list_key(&st->lists[i], j, v, sizeof(v));
			printf("%s", j ? "," : "");
			if (st->lists[i].comm)
				json_print_str(stdout, v);
			else
				printf("%s", v);
		}
		printf("]");
	}
	printf("},\"stats\":");
	if (st->nstats < 0) {
		printf("null}\n");
		return;
	}
	printf("{");
	for (i = 0; i < st->nstats; i++) {
		printf("%s", i ? "," : "");
		json_print_str(stdout, st->stats[i].name);
		if (st->stats[i].is_signed)
			printf(":%" PRId64, (int64_t)st->stats[i].v);
		else
			printf(":%" PRIu64, (uint64_t)st->stats[i].v);
	}
	printf("}}\n");
}

int cmd_policy_status(const struct loader_opts *o)
{
	static struct status st;
	int i, att, err;

	if (no_ksm_ext())
		return EXIT_FAIL;
	memset(&st, 0, sizeof(st));
	st.rod.fd = -1;
	st.nstats = -1;
	read_ext_policy(st.policy, sizeof(st.policy));
	for (i = 0; i < 3; i++)
		st.have_skip[i] = !ksm_sysfs_read_u64(KSM_SYSFS_DIR, skip_files[i], &st.skip[i]);

	att = pinned_link_attached();
	if (!strcmp(st.policy, "none")) {
		st.note = att >= 0 || path_exists(PIN) ?
			"no policy is attached (what is pinned at " PIN " was detached: 'ksm-loader policy unload' removes it)" :
			"no policy is attached";
	} else if (att == -EACCES || att == -EPERM) {
		st.note = "statistics are not available: reading the pinned policy needs root";
	} else if (att <= 0) {
		st.note = "statistics are not available: the policy was not loaded by ksm-loader";
	} else {
		st.ours = true;
		err = read_stats(&st);
		if (!err)
			err = read_tunables(&st);
		if (!err)
			err = read_lists(&st);
		if (err) {
			fprintf(stderr, "ksm-loader: reading the pinned policy at %s: %s\n", PIN,
				strerror(-err));
			free_status(&st);
			return EXIT_FAIL;
		}
	}
	if (o->json)
		status_json(&st);
	else
		status_text(&st);
	free_status(&st);
	return EXIT_OK;
}

/* ---- policy unload -------------------------------------------------------- */

int cmd_policy_unload(const struct loader_opts *o)
{
	char before[64], now[64];
	bool pinned;
	int att, err, i;

	if (require_root() || no_ksm_ext() || policy_lock() < 0)
		return EXIT_FAIL;
	read_ext_policy(before, sizeof(before));
	att = pinned_link_attached();
	pinned = path_exists(PIN);
	if (pinned) {
		err = remove_pin_dir(PIN);
		if (err) {
			fprintf(stderr, "ksm-loader: removing %s: %s\n", PIN, strerror(-err));
			return EXIT_FAIL;
		}
	}
	/* The last reference to a link goes asynchronously. */
	for (i = 0; i < 50; i++) {
		read_ext_policy(now, sizeof(now));
		if (att <= 0 || !strcmp(now, "none"))
			break;
		usleep(100 * 1000);
	}
	if (strcmp(now, "none")) {
		if (att > 0)
			fprintf(stderr, "ksm-loader: policy '%s' is still attached after its pins were removed\n",
				now);
		else
			fprintf(stderr, "ksm-loader: policy '%s' was not loaded by ksm-loader; detach it with 'echo none > " EXT_POLICY "'\n",
				now);
		return EXIT_FAIL;
	}
	if (att > 0) {
		if (!o->json)
			printf("ksm-loader: policy %s detached\n", before);
		return EXIT_OK;
	}
	if (pinned) {
		if (!o->json)
			printf("ksm-loader: no policy was attached; removed the pins of a detached one at %s\n",
			       PIN);
		return EXIT_OK;
	}
	fprintf(stderr, "ksm-loader: no policy is attached\n");
	return EXIT_FAIL;
}
