/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What a policy object says about itself, read by BTF (pure: no BPF
 * syscalls), for policy.c.  The conventions are in bpf/policies/policy.bpf.h:
 * policy_doc, const volatile integer tunables in .rodata, list maps (hash
 * maps with __u8 values), a per-CPU "stats" map of integer counters.
 */
#ifndef KSM_EXT_POLICY_BTF_H
#define KSM_EXT_POLICY_BTF_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

struct btf;

#define POL_MAX_TUNABLES 64
#define POL_MAX_STATS	 128

/* A const volatile integer global of .rodata. */
struct pol_tunable {
	const char *name;	/* in the BTF's strings */
	__u32 off, size;
	bool is_signed, is_bool;
};

/* The DATASEC ".rodata" of @btf: its type id, or -ENOENT. */
int pol_rodata_sec(const struct btf *btf);
/* The tunables of DATASEC @sec_id, in section order; their count. */
int pol_tunables(const struct btf *btf, int sec_id, struct pol_tunable *t, int max);
const struct pol_tunable *pol_tunable_find(const struct pol_tunable *t, int n,
					   const char *name);
/* The string policy_doc in @data (the section's bytes), or NULL. */
const char *pol_doc(const struct btf *btf, int sec_id, const void *data, size_t size);
/* The value of @t in @data, sign-extended when t->is_signed (an __s64 then). */
__u64 pol_tunable_get(const struct pol_tunable *t, const void *data);
/* The value of @t in @data, as text ("3", "-1"). */
void pol_tunable_format(const struct pol_tunable *t, const void *data, char *buf,
			size_t len);
/* Its type, for messages: "u32", "s8", "bool". */
void pol_tunable_type(const struct pol_tunable *t, char *buf, size_t len);
/*
 * Parse @text (decimal, 0x hex, or true/false/yes/no/on/off for a bool or
 * a one-byte flag) into @t's bytes in @data: 0, or -EINVAL / -ERANGE.
 */
int pol_tunable_set(const struct pol_tunable *t, void *data, const char *text);

/* A list map: a hash map with __u8 values keyed by cgroup id or comm. */
enum pol_list_kind { POL_LIST_NONE, POL_LIST_CGROUP, POL_LIST_COMM };

enum pol_list_kind pol_list_kind(const struct btf *btf, __u32 map_type,
				 __u32 key_type_id, __u32 key_size, __u32 value_size);
const char *pol_list_what(enum pol_list_kind k);
/* Parse @text into a key of @kind (@key holds 16 bytes): 0, or -EINVAL
 * with @why saying what is wrong. */
int pol_list_key(enum pol_list_kind kind, const char *text, void *key,
		 char *why, size_t whylen);

/* One field of the stats struct, summed over CPUs. */
struct pol_stat {
	char name[64];
	bool is_signed;
	__u64 v;		/* an __s64 when is_signed */
};

/*
 * Sum the integer fields (and integer array elements, as name[i]) of
 * struct @type_id over @ncpu copies @stride bytes apart; their count.
 */
int pol_stats_sum(const struct btf *btf, __u32 type_id, const void *vals, int ncpu,
		  size_t stride, struct pol_stat *out, int max);

#endif /* KSM_EXT_POLICY_BTF_H */
