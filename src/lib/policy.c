// SPDX-License-Identifier: GPL-2.0
/*
 * A ksm_ext scan policy's life cycle (policy.h).  Everything about a policy
 * (its doc line, tunables, lists, statistics) is found by BTF
 * (policy_btf.c); no policy is known by name here.
 */
#include "policy.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "cli.h"
#include "ksm_sysfs.h"
#include "pin.h"

#define EXT_POLICY	KSM_SYSFS_DIR "/ext_policy"

const char *const policy_skip_files[POLICY_NR_SKIP] = {
	"ext_mms_skipped", "ext_vmas_skipped", "ext_pages_skipped",
};

/* snprintf at the end of @buf, which holds a string. */
static void append(char *buf, size_t len, const char *fmt, ...)
{
	size_t n = strlen(buf);
	va_list ap;

	if (n + 1 >= len)
		return;
	va_start(ap, fmt);
	vsnprintf(buf + n, len - n, fmt, ap);
	va_end(ap);
}

bool policy_kernel_supported(void)
{
	return path_exists(EXT_POLICY);
}

void policy_attached(char *name, size_t len)
{
	if (ksm_sysfs_read_str(KSM_SYSFS_DIR, "ext_policy", name, len))
		name[0] = '\0';
}

static bool is_attached(const char *name)
{
	return name[0] && strcmp(name, "none");
}

/* ---- finding a policy object ---------------------------------------------- */

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

const char *policy_dir(void)
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

static bool has_suffix(const char *s, size_t len)
{
	size_t n = strlen(POLICY_SUFFIX);

	return len > n && !strcmp(s + len - n, POLICY_SUFFIX);
}

int policy_names(const char *dir, char ***names)
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
		if (!has_suffix(de->d_name, len))
			continue;
		nv = realloc(v, (n + 1) * sizeof(*v));
		if (!nv)
			break;
		v = nv;
		v[n] = strndup(de->d_name, len - strlen(POLICY_SUFFIX));
		if (v[n])
			n++;
	}
	closedir(d);
	if (n)	/* qsort(NULL, 0, ...) is undefined, and v is NULL then */
		qsort(v, n, sizeof(*v), cmp_str);
	*names = v;
	return n;
}

void policy_names_free(char **names, int n)
{
	while (n--)
		free(names[n]);
	free(names);
}

int policy_resolve(const char *arg, char *path, size_t len, char *why, size_t why_len)
{
	const char *dir;
	char **names;
	int i, count;

	if (strchr(arg, '/') || has_suffix(arg, strlen(arg))) {
		if (!path_exists(arg)) {
			snprintf(why, why_len, "%s: %s", arg, strerror(errno));
			return -ENOENT;
		}
		snprintf(path, len, "%s", arg);
		return 0;
	}
	dir = policy_dir();
	if (dir) {
		snprintf(path, len, "%s/%s" POLICY_SUFFIX, dir, arg);
		if (path_exists(path))
			return 0;
	}
	count = policy_names(dir, &names);
	snprintf(why, why_len, "no policy '%s'", arg);
	if (!dir)
		append(why, why_len, ": no policy directory found (set KSM_EXT_POLICY_DIR; make vm builds them)");
	else if (!count)
		append(why, why_len, " (%s has no policies)", dir);
	for (i = 0; i < count; i++)
		append(why, why_len, "%s%s", i ? ", " : "; there are: ", names[i]);
	policy_names_free(names, count);
	return -ENOENT;
}

/* ---- an opened object ------------------------------------------------------ */

static bool is_rodata(const struct bpf_map *m)
{
	const char *n = bpf_map__name(m);
	size_t len = strlen(n);

	return bpf_map__is_internal(m) && len >= 7 && !strcmp(n + len - 7, ".rodata");
}

int policy_open(struct policy *p, const char *path, char *why, size_t why_len)
{
	struct bpf_map *m;
	enum pol_list_kind k;
	int err;

	memset(p, 0, sizeof(*p));
	p->sec_id = -1;
	snprintf(p->path, sizeof(p->path), "%s", path);
	p->obj = bpf_object__open_file(path, NULL);
	if (!p->obj) {
		err = errno ? -errno : -EINVAL;
		snprintf(why, why_len, "cannot open %s as a BPF object: %s", path,
			 BPF_STRERROR(err));
		return err;
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
		} else if (p->nlists < POLICY_MAX_LISTS) {
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

void policy_close(struct policy *p)
{
	bpf_object__close(p->obj);
	free(p->adds);
	p->obj = NULL;
	p->adds = NULL;
	p->nadds = 0;
}

const char *policy_doc(const struct policy *p)
{
	if (p->sec_id < 0 || !p->rodata_data)
		return NULL;
	return pol_doc(p->btf, p->sec_id, p->rodata_data, p->rodata_size);
}

static int list_index(const struct policy *p, const char *name)
{
	int i;

	for (i = 0; i < p->nlists; i++)
		if (!strcmp(bpf_map__name(p->lists[i]), name))
			return i;
	return -1;
}

/* Add @key to list @idx, once: a hash map holds a key once too. */
static int add_to_list(struct policy *p, int idx, const unsigned char *key,
		       const char *name, char *why, size_t why_len)
{
	struct bpf_map *m = p->lists[idx];
	struct policy_list_add *na;
	__u32 n = 0, max = bpf_map__max_entries(m);
	int i;

	for (i = 0; i < p->nadds; i++) {
		if (p->adds[i].map != m)
			continue;
		if (!memcmp(p->adds[i].key, key, sizeof(p->adds[i].key)))
			return 0;
		n++;
	}
	if (n >= max) {
		snprintf(why, why_len, "list %s holds at most %u entries", name, max);
		return -E2BIG;
	}
	na = realloc(p->adds, (p->nadds + 1) * sizeof(*na));
	if (!na) {
		snprintf(why, why_len, "out of memory");
		return -ENOMEM;
	}
	p->adds = na;
	na[p->nadds].map = m;
	memcpy(na[p->nadds++].key, key, sizeof(na->key));
	return 0;
}

int policy_set(struct policy *p, const char *key, const char *value, char *why,
	       size_t why_len)
{
	const struct pol_tunable *t;
	unsigned char k[16] = { 0 };
	char type[16];
	int i, idx, err;

	t = pol_tunable_find(p->tun, p->ntun, key);
	if (t) {
		err = pol_tunable_set(t, p->rodata_data, value);
		if (err) {
			pol_tunable_type(t, type, sizeof(type));
			snprintf(why, why_len, "%s for %s (a %s)",
				 err == -ERANGE ? "out of range" : "not a number", key, type);
		}
		return err;
	}
	idx = list_index(p, key);
	if (idx >= 0) {
		if (pol_list_key(p->list_kind[idx], value, k, why, why_len))
			return -EINVAL;
		return add_to_list(p, idx, k, key, why, why_len);
	}
	snprintf(why, why_len, "policy %s has no tunable or list '%s' (", p->name, key);
	if (!p->ntun && !p->nlists)
		append(why, why_len, "it has none");
	for (i = 0; i < p->ntun; i++)
		append(why, why_len, "%s%s", i ? ", " : "tunables: ", p->tun[i].name);
	for (i = 0; i < p->nlists; i++)
		append(why, why_len, "%s%s", i ? ", " : p->ntun ? "; lists: " : "lists: ",
		       bpf_map__name(p->lists[i]));
	append(why, why_len, ")");
	return -ENOENT;
}

/* ---- attaching -------------------------------------------------------------- */

/*
 * One load or unload at a time: "is anything attached?", dropping stale
 * pins and pinning ours must be one step, or a second loader could unpin
 * (and so detach) the policy a first one just attached.
 */
#define POLICY_LOCK "/run/ksm-loader-policy.lock"

static int policy_lock(char *why, size_t why_len)
{
	int fd = open(POLICY_LOCK, O_RDWR | O_CREAT | O_CLOEXEC, 0600), err;

	if (fd < 0 || flock(fd, LOCK_EX)) {
		err = -errno;
		snprintf(why, why_len, "cannot lock %s: %s", POLICY_LOCK, strerror(-err));
		if (fd >= 0)
			close(fd);
		return err;
	}
	return fd;
}

static int say_busy(const char *name, char *why, size_t why_len)
{
	snprintf(why, why_len, "policy '%s' is already attached", name);
	return -EBUSY;
}

int policy_claim(const char *pin_dir, char *why, size_t why_len)
{
	char cur[64];
	int fd, err;

	fd = policy_lock(why, why_len);
	if (fd < 0)
		return fd;
	policy_attached(cur, sizeof(cur));
	if (is_attached(cur)) {
		err = say_busy(cur, why, why_len);
		goto fail;
	}
	err = pin_dir_parents(pin_dir, why, why_len);
	if (err)
		goto fail;
	/*
	 * Nothing is attached, so pins left here belong to a policy that was
	 * detached (echo none): its link cannot attach again.  Drop them,
	 * which also detaches its other programs.
	 */
	if (path_exists(pin_dir)) {
		err = pin_dir_remove(pin_dir);
		if (err) {
			snprintf(why, why_len, "removing the stale %s: %s", pin_dir, strerror(-err));
			goto fail;
		}
		err = pin_dir_parents(pin_dir, why, why_len);
		if (err)
			goto fail;
	}
	if (mkdir(pin_dir, 0700)) {
		err = -errno;
		snprintf(why, why_len, "cannot create %s: %s%s", pin_dir, strerror(-err),
			 err == -EEXIST ? " (another program is loading a policy?)" : "");
		goto fail;
	}
	return fd;
fail:
	close(fd);
	return err;
}

int policy_check(const struct policy *p, char *why, size_t why_len)
{
	if (p->ops)
		return 0;
	snprintf(why, why_len, "%s is not a ksm_ext policy (no struct_ops map)", p->path);
	return -EINVAL;
}

int policy_load(struct policy *p, char *why, size_t why_len)
{
	int err = policy_check(p, why, why_len);

	if (err)
		return err;
	err = bpf_object__load(p->obj);
	if (err)
		snprintf(why, why_len, "loading %s: %s", p->path, BPF_STRERROR(err));
	return err;
}

/* Attach every program but the struct_ops ones, e.g. an LSM program that
 * enrols processes at exec, and pin their links. */
static int attach_others(struct policy *p, const char *pin_dir, char *why, size_t why_len)
{
	char name[PATH_MAX];
	struct bpf_program *prog;
	struct bpf_link *link;
	int err;

	bpf_object__for_each_program(prog, p->obj) {
		if (!bpf_program__autoload(prog) ||
		    bpf_program__type(prog) == BPF_PROG_TYPE_STRUCT_OPS)
			continue;
		link = bpf_program__attach(prog);
		if (!link) {
			err = -errno;
			snprintf(why, why_len, "attaching %s: %s", bpf_program__name(prog),
				 BPF_STRERROR(err));
			return err;
		}
		snprintf(name, sizeof(name), "link_%s", bpf_program__name(prog));
		err = pin_link(link, pin_dir, name, why, why_len);
		bpf_link__destroy(link);	/* the pin holds it now */
		if (err)
			return err;
	}
	return 0;
}

int policy_attach(struct policy *p, const char *pin_dir, char *why, size_t why_len)
{
	char name[PATH_MAX], cur[64];
	struct bpf_link *link;
	__u8 one = 1;
	int i, err;

	for (i = 0; i < p->nadds; i++) {
		err = bpf_map__update_elem(p->adds[i].map, p->adds[i].key,
					   bpf_map__key_size(p->adds[i].map), &one, sizeof(one),
					   BPF_ANY);
		if (err) {
			snprintf(why, why_len, "adding to list %s: %s",
				 bpf_map__name(p->adds[i].map), BPF_STRERROR(err));
			return err;
		}
	}
	if (p->stats && (err = pin_map(p->stats, pin_dir, "stats", why, why_len)))
		return err;
	if (p->rodata && (err = pin_map(p->rodata, pin_dir, "rodata", why, why_len)))
		return err;
	for (i = 0; i < p->nlists; i++) {
		snprintf(name, sizeof(name), "list_%s", bpf_map__name(p->lists[i]));
		err = pin_map(p->lists[i], pin_dir, name, why, why_len);
		if (err)
			return err;
	}

	link = bpf_map__attach_struct_ops(p->ops);
	if (!link) {
		err = -errno;
		policy_attached(cur, sizeof(cur));
		if (err == -EBUSY && is_attached(cur))
			return say_busy(cur, why, why_len);
		snprintf(why, why_len, "attaching policy %s: %s%s", p->name, BPF_STRERROR(err),
			 err == -EPROTO ? " (its init callback failed)" : "");
		return err;
	}
	err = pin_link(link, pin_dir, "link", why, why_len);
	bpf_link__destroy(link);	/* the pin holds it now */
	if (err)
		return err;
	return attach_others(p, pin_dir, why, why_len);
}

/* ---- what is attached, and whose it is ------------------------------------- */

enum policy_owner policy_owner_of(const char *attached, int link, bool pins_exist)
{
	if (!strcmp(attached, "none"))
		return link >= 0 || pins_exist ? POLICY_DETACHED : POLICY_NONE;
	if (link == -EACCES || link == -EPERM)
		return POLICY_UNREADABLE;
	return link > 0 ? POLICY_PINNED : POLICY_FOREIGN;
}

/*
 * A struct_ops link that was detached (echo none, or its policy replaced)
 * reports no map.
 */
int policy_link_attached(const char *pin_dir)
{
	struct bpf_link_info info;
	__u32 len = sizeof(info), map_id;
	char path[PATH_MAX];
	int fd, err;

	snprintf(path, sizeof(path), "%s/link", pin_dir);
	fd = bpf_obj_get(path);
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

enum policy_owner policy_owner_read(const char *pin_dir, char *attached, size_t len)
{
	int link;

	policy_attached(attached, len);
	link = policy_link_attached(pin_dir);
	return policy_owner_of(attached, link, path_exists(pin_dir));
}

/* ---- status ------------------------------------------------------------------ */

struct pinned_map {
	int fd;
	struct bpf_map_info info;
	struct btf *btf;
};

static int open_pinned(const char *pin_dir, const char *name, struct pinned_map *pm)
{
	char path[PATH_MAX];
	__u32 len = sizeof(pm->info);
	int err;

	memset(pm, 0, sizeof(*pm));
	snprintf(path, sizeof(path), "%s/%s", pin_dir, name);
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
	err = -errno;
	close(pm->fd);
	pm->fd = -1;
	return err;
}

static void close_pinned(struct pinned_map *pm)
{
	if (pm->fd >= 0)
		close(pm->fd);
	btf__free(pm->btf);
	pm->fd = -1;
	pm->btf = NULL;
}

static int read_stats(const char *pin_dir, struct policy_status *st)
{
	struct pinned_map pm;
	size_t stride;
	void *vals;
	int ncpu = 1, err;
	__u32 zero = 0;

	err = open_pinned(pin_dir, "stats", &pm);
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

static int read_tunables(const char *pin_dir, struct policy_status *st)
{
	struct pinned_map pm;
	__u32 zero = 0;
	int err;

	err = open_pinned(pin_dir, "rodata", &pm);
	if (err)
		return err == -ENOENT ? 0 : err;
	/* The tunables' names live in the BTF: it stays with @st. */
	st->rodata_btf = pm.btf;
	pm.btf = NULL;
	st->rodata = calloc(1, pm.info.value_size);
	if (!st->rodata)
		err = -ENOMEM;
	else if (bpf_map_lookup_elem(pm.fd, &zero, st->rodata))
		err = -errno;
	else if (st->rodata_btf)
		st->ntun = pol_tunables(st->rodata_btf, pm.info.btf_value_type_id, st->tun,
					POL_MAX_TUNABLES);
	close_pinned(&pm);
	return err;
}

static void read_keys(int fd, __u32 key_size, struct policy_pinned_list *l)
{
	unsigned char key[16] = { 0 }, next[16];
	char (*k)[16];
	void *prev;

	for (prev = NULL; !bpf_map_get_next_key(fd, prev, next); prev = key) {
		k = realloc(l->keys, (l->n + 1) * sizeof(*k));
		if (!k)
			break;
		l->keys = k;
		memset(l->keys[l->n], 0, 16);
		memcpy(l->keys[l->n++], next, key_size);
		memcpy(key, next, key_size);
	}
}

static int read_lists(const char *pin_dir, struct policy_status *st)
{
	struct policy_pinned_list *l;
	struct pinned_map pm;
	struct dirent *de;
	int err = 0;
	DIR *d;

	d = opendir(pin_dir);
	if (!d)
		return -errno;
	while ((de = readdir(d)) && st->nlists < POLICY_MAX_LISTS) {
		if (strncmp(de->d_name, "list_", 5))
			continue;
		err = open_pinned(pin_dir, de->d_name, &pm);
		if (err)
			break;
		if (pm.info.key_size == 8 || pm.info.key_size == 16) {
			l = &st->lists[st->nlists++];
			snprintf(l->name, sizeof(l->name), "%s", de->d_name + 5);
			l->comm = pm.info.key_size == 16;
			read_keys(pm.fd, pm.info.key_size, l);
		}
		close_pinned(&pm);
	}
	closedir(d);
	return err;
}

int policy_status_read(const char *pin_dir, struct policy_status *st, char *why,
		       size_t why_len)
{
	int i;

	memset(st, 0, sizeof(*st));
	st->nstats = -1;
	st->owner = policy_owner_read(pin_dir, st->attached, sizeof(st->attached));
	for (i = 0; i < POLICY_NR_SKIP; i++)
		st->have_skip[i] = !ksm_sysfs_read_u64(KSM_SYSFS_DIR, policy_skip_files[i],
						       &st->skip[i]);
	if (st->owner != POLICY_PINNED)
		return 0;
	return policy_pins_read(pin_dir, st, why, why_len);
}

int policy_pins_read(const char *pin_dir, struct policy_status *st, char *why,
		     size_t why_len)
{
	int err;

	st->nstats = -1;
	err = read_stats(pin_dir, st);
	if (!err)
		err = read_tunables(pin_dir, st);
	if (!err)
		err = read_lists(pin_dir, st);
	if (err) {
		snprintf(why, why_len, "reading the pinned policy at %s: %s", pin_dir,
			 strerror(-err));
		policy_status_free(st);
	}
	return err;
}

void policy_status_free(struct policy_status *st)
{
	int i;

	for (i = 0; i < st->nlists; i++)
		free(st->lists[i].keys);
	st->nlists = 0;
	free(st->rodata);
	st->rodata = NULL;
	btf__free(st->rodata_btf);
	st->rodata_btf = NULL;
}

void policy_list_key_text(const struct policy_pinned_list *l, int i, char *buf,
			  size_t len)
{
	uint64_t id;

	if (l->comm) {
		snprintf(buf, len, "%.15s", l->keys[i]);
	} else {
		memcpy(&id, l->keys[i], 8);
		snprintf(buf, len, "%" PRIu64, id);
	}
}

/* ---- detaching ----------------------------------------------------------------- */

int policy_detach(const char *pin_dir, enum policy_detached *what, char *name,
		  size_t name_len, char *why, size_t why_len)
{
	char now[64] = "";
	bool pinned;
	int fd, link, err, i;

	fd = policy_lock(why, why_len);
	if (fd < 0)
		return fd;
	policy_attached(name, name_len);
	link = policy_link_attached(pin_dir);
	pinned = path_exists(pin_dir);
	if (pinned) {
		err = pin_dir_remove(pin_dir);
		if (err) {
			snprintf(why, why_len, "removing %s: %s", pin_dir, strerror(-err));
			goto out;
		}
	}
	/* The last reference to a link goes asynchronously. */
	for (i = 0; i < 50; i++) {
		policy_attached(now, sizeof(now));
		if (link <= 0 || !strcmp(now, "none"))
			break;
		usleep(100 * 1000);
	}
	err = 0;
	if (strcmp(now, "none")) {
		err = -EBUSY;
		if (link > 0)
			snprintf(why, why_len, "policy '%s' is still attached after its pins were removed",
				 now);
		else
			snprintf(why, why_len, "policy '%s' was not attached through %s; detach it with 'echo none > " EXT_POLICY "'",
				 now, pin_dir);
	} else if (link > 0) {
		*what = POLICY_WAS_ATTACHED;
	} else if (pinned) {
		*what = POLICY_WAS_STALE;
	} else {
		err = -ENOENT;
		snprintf(why, why_len, "no policy is attached");
	}
out:
	close(fd);
	return err;
}
