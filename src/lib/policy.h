/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A ksm_ext scan policy's life cycle, for every program that runs one
 * (ksm-loader's `policy` commands print what these return):
 *
 *   policy_resolve()      a name in the policy directory, or a path
 *   policy_open()         the object: its doc line, tunables and lists (BTF)
 *   policy_set()          a tunable's value or a list entry, before load
 *   policy_claim()        the pin directory, once nothing is attached
 *   policy_load()         into the kernel (the verifier runs here)
 *   policy_attach()       the struct_ops link, pinned with what status reads
 *   policy_owner_read()   whose the attached policy and the pins are: a
 *                         policy an earlier run pinned (even one killed
 *                         since) is adopted by reading and unpinning them
 *   policy_status_read()  the attached policy's statistics, tunables, lists
 *   policy_detach()       unpin, which detaches, and wait until it is gone
 *
 * The kernel detaches a policy when its link goes, so the link is pinned:
 * PIN_DIR/link (the struct_ops link), link_PROG (any other program's, e.g.
 * an LSM one), stats, rodata and list_MAP.  Errors are -errno with one line
 * in @why (no program name, no newline); nothing here prints.
 */
#ifndef KSM_EXT_POLICY_H
#define KSM_EXT_POLICY_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <ksm_ext/stats.h>

#include "policy_btf.h"

struct bpf_map;
struct bpf_object;

/* Where ksm-loader pins a policy, and where the other programs look. */
#define KSM_EXT_POLICY_PIN_DIR	KSM_EXT_PIN_ROOT "/policy"
#define POLICY_SUFFIX		".bpf.o"
#define POLICY_MAX_LISTS	16
/* Room for any @why here: a path and what is wrong with it. */
#define POLICY_WHY_LEN		(PATH_MAX + 512)

/* ---- finding a policy object ---- */

/*
 * The directory of the built-in policies: $KSM_EXT_POLICY_DIR, else next
 * to the executable (installed: PREFIX/sbin/../lib/ksm-ext/policies; in the
 * tree: build/bin/../bpf/policies), /usr/local/lib/ksm-ext/policies,
 * /usr/lib/ksm-ext/policies.  The first that exists (a static buffer), or
 * NULL.
 */
const char *policy_dir(void);
/* The policy names (NAME.bpf.o) in @dir, sorted; free with policy_names_free. */
int policy_names(const char *dir, char ***names);
void policy_names_free(char **names, int n);
/* NAME (in policy_dir()) or a path (with a '/' or ending .bpf.o) to a file. */
int policy_resolve(const char *arg, char *path, size_t len, char *why, size_t why_len);

/* ---- an opened object ---- */

struct policy_list_add {
	struct bpf_map *map;
	unsigned char key[16];
};

struct policy {
	struct bpf_object *obj;
	char path[PATH_MAX];		/* what was opened */
	const char *name;		/* of the object */
	struct bpf_map *ops;		/* the struct_ops map; NULL: not a policy */
	struct bpf_map *rodata, *stats;
	void *rodata_data;		/* libbpf's copy, written before load */
	size_t rodata_size;
	const struct btf *btf;
	int sec_id;			/* .rodata's DATASEC, or < 0 */
	struct pol_tunable tun[POL_MAX_TUNABLES];
	int ntun;
	struct bpf_map *lists[POLICY_MAX_LISTS];
	enum pol_list_kind list_kind[POLICY_MAX_LISTS];
	int nlists;
	struct policy_list_add *adds;	/* policy_set()'s list entries, added at attach */
	int nadds;
};

/* Open @path (nothing is loaded); policy_close() it even on error. */
int policy_open(struct policy *p, const char *path, char *why, size_t why_len);
void policy_close(struct policy *p);
/* -EINVAL when @p has no struct_ops map: not a policy. */
int policy_check(const struct policy *p, char *why, size_t why_len);
/* Its KSM_EXT_POLICY_DOC line, or NULL. */
const char *policy_doc(const struct policy *p);
/*
 * Set tunable @key to @value, or add @value to list @key.  -ENOENT no such
 * tunable or list, -EINVAL / -ERANGE a bad value, -E2BIG more entries than
 * the list holds; @why says which, naming the key and, for -ENOENT, what
 * there is.
 */
int policy_set(struct policy *p, const char *key, const char *value, char *why,
	       size_t why_len);

/* ---- attaching ---- */

/* Is this a ksm_ext kernel (/sys/kernel/mm/ksm/ext_policy exists)? */
bool policy_kernel_supported(void);
/* The attached policy's name, "none", or "" when unreadable. */
void policy_attached(char *name, size_t len);

/*
 * Take the policy lock (one load or unload at a time, across programs),
 * check that no policy is attached (-EBUSY: "policy 'NAME' is already
 * attached"), drop the pins of a detached one at @pin_dir and create it.
 * The lock's fd (close it when done), or -errno.
 */
int policy_claim(const char *pin_dir, char *why, size_t why_len);
/* Load @p into the kernel; its tunables are fixed from here on. */
int policy_load(struct policy *p, char *why, size_t why_len);
/*
 * Fill @p's lists, pin its stats, .rodata and lists at @pin_dir, attach it
 * and pin its link, then attach and pin any other program.  -EBUSY when
 * another policy got attached meanwhile; on error the caller removes
 * @pin_dir (pin_dir_remove()).
 */
int policy_attach(struct policy *p, const char *pin_dir, char *why, size_t why_len);

/* ---- what is attached, and whose it is ---- */

enum policy_owner {
	POLICY_NONE,		/* nothing attached, nothing pinned */
	POLICY_DETACHED,	/* nothing attached; the pins are a detached policy's */
	POLICY_PINNED,		/* attached through the link pinned at the pin dir */
	POLICY_FOREIGN,		/* attached by something else (bpftool, ...) */
	POLICY_UNREADABLE,	/* attached; reading the pins needs root */
};

/*
 * Pure: whose is the policy, from ext_policy's @attached ("none" for none),
 * policy_link_attached()'s answer @link and whether the pin dir exists.
 */
enum policy_owner policy_owner_of(const char *attached, int link, bool pins_exist);
/* Is the link pinned at @pin_dir attached?  1/0, or -errno (-ENOENT: none). */
int policy_link_attached(const char *pin_dir);
/* The two above for @pin_dir, with the attached policy's name in @attached. */
enum policy_owner policy_owner_read(const char *pin_dir, char *attached, size_t len);

/* A pinned list map's keys: cgroup ids, or command names. */
struct policy_pinned_list {
	char name[16];			/* BPF_OBJ_NAME_LEN */
	bool comm;
	int n;
	char (*keys)[16];
};

/* The ext_*_skipped counters, in this order. */
#define POLICY_NR_SKIP 3
extern const char *const policy_skip_files[POLICY_NR_SKIP];

struct policy_status {
	char attached[64];		/* ext_policy */
	bool have_skip[POLICY_NR_SKIP];
	uint64_t skip[POLICY_NR_SKIP];
	enum policy_owner owner;
	/* Only for POLICY_PINNED: */
	struct pol_stat stats[POL_MAX_STATS];
	int nstats;			/* -1: no stats map */
	struct pol_tunable tun[POL_MAX_TUNABLES];
	int ntun;
	void *rodata;			/* the tunables' values */
	struct btf *rodata_btf;		/* their names */
	struct policy_pinned_list lists[POLICY_MAX_LISTS];
	int nlists;
};

/* ext_policy, its counters and, for POLICY_PINNED, what its pins hold. */
int policy_status_read(const char *pin_dir, struct policy_status *st, char *why,
		       size_t why_len);
/* Only what the pins at @pin_dir hold: stats, tunables, lists (in a zeroed @st). */
int policy_pins_read(const char *pin_dir, struct policy_status *st, char *why,
		     size_t why_len);
void policy_status_free(struct policy_status *st);
/* Key @i of @l as text: a cgroup id, or a command name. */
void policy_list_key_text(const struct policy_pinned_list *l, int i, char *buf,
			  size_t len);

/* ---- detaching ---- */

enum policy_detached {
	POLICY_WAS_ATTACHED,	/* ours: detached */
	POLICY_WAS_STALE,	/* nothing attached; a detached one's pins removed */
};

/*
 * Under the policy lock, unpin @pin_dir, which detaches the policy whose
 * link it holds, and wait (up to 5 s) until ext_policy says none.  0 with
 * what it was in *@what and its name in @name; -EBUSY when a policy stays
 * attached (a foreign one, or ours not going), -ENOENT when there was
 * nothing to detach.
 */
int policy_detach(const char *pin_dir, enum policy_detached *what, char *name,
		  size_t name_len, char *why, size_t why_len);

#endif /* KSM_EXT_POLICY_H */
