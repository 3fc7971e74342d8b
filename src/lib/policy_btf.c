// SPDX-License-Identifier: GPL-2.0
/*
 * Reading a policy object's conventions through BTF: the same code serves
 * an opened object (policy list, load) and the kernel's copy of a pinned
 * map's BTF (policy status).  No BPF syscalls here.
 */
#include "policy_btf.h"

#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <linux/bpf.h>
#include <bpf/btf.h>

#ifndef CGROUP2_SUPER_MAGIC
#define CGROUP2_SUPER_MAGIC 0x63677270
#endif
#define CGROUP2_MOUNT "/sys/fs/cgroup"

/* Skip typedefs and qualifiers; note whether one was volatile. */
static const struct btf_type *resolve(const struct btf *btf, __u32 id, bool *is_volatile)
{
	const struct btf_type *t = btf__type_by_id(btf, id);

	while (t) {
		switch (btf_kind(t)) {
		case BTF_KIND_VOLATILE:
			if (is_volatile)
				*is_volatile = true;
			/* fallthrough */
		case BTF_KIND_TYPEDEF:
		case BTF_KIND_CONST:
		case BTF_KIND_RESTRICT:
		case BTF_KIND_TYPE_TAG:
			t = btf__type_by_id(btf, t->type);
			break;
		default:
			return t;
		}
	}
	return NULL;
}

/* An integer (or enum) of 1, 2, 4 or 8 bytes: its signedness and boolness. */
static bool int_type(const struct btf_type *t, bool *is_signed, bool *is_bool)
{
	*is_signed = *is_bool = false;
	if (!t)
		return false;
	if (btf_is_int(t)) {
		__u8 enc = btf_int_encoding(t);

		if (btf_int_offset(t) || btf_int_bits(t) != t->size * 8)
			return false;
		*is_signed = enc & BTF_INT_SIGNED;
		*is_bool = enc & BTF_INT_BOOL;
	} else if (btf_is_enum(t) || btf_is_enum64(t)) {
		*is_signed = btf_kflag(t);
	} else {
		return false;
	}
	return t->size == 1 || t->size == 2 || t->size == 4 || t->size == 8;
}

int pol_rodata_sec(const struct btf *btf)
{
	int id = btf__find_by_name_kind(btf, ".rodata", BTF_KIND_DATASEC);

	return id < 0 ? -ENOENT : id;
}

int pol_tunables(const struct btf *btf, int sec_id, struct pol_tunable *out, int max)
{
	const struct btf_type *sec = btf__type_by_id(btf, sec_id), *var;
	const struct btf_var_secinfo *vsi;
	bool vol, sgn, isbool;
	int i, n = 0;

	if (!sec || !btf_is_datasec(sec))
		return 0;
	vsi = btf_var_secinfos(sec);
	for (i = 0; i < btf_vlen(sec) && n < max; i++, vsi++) {
		var = btf__type_by_id(btf, vsi->type);
		if (!var || !btf_is_var(var))
			continue;
		vol = false;
		if (!int_type(resolve(btf, var->type, &vol), &sgn, &isbool) || !vol)
			continue;
		out[n++] = (struct pol_tunable){
			.name = btf__name_by_offset(btf, var->name_off),
			.off = vsi->offset, .size = vsi->size,
			.is_signed = sgn, .is_bool = isbool,
		};
	}
	return n;
}

const struct pol_tunable *pol_tunable_find(const struct pol_tunable *t, int n,
					   const char *name)
{
	int i;

	for (i = 0; i < n; i++)
		if (!strcmp(t[i].name, name))
			return &t[i];
	return NULL;
}

const char *pol_doc(const struct btf *btf, int sec_id, const void *data, size_t size)
{
	const struct btf_type *sec = btf__type_by_id(btf, sec_id), *var;
	const struct btf_var_secinfo *vsi;
	const char *s;
	int i;

	if (!sec || !btf_is_datasec(sec) || !data)
		return NULL;
	vsi = btf_var_secinfos(sec);
	for (i = 0; i < btf_vlen(sec); i++, vsi++) {
		var = btf__type_by_id(btf, vsi->type);
		if (!var || !btf_is_var(var) ||
		    strcmp(btf__name_by_offset(btf, var->name_off), "policy_doc"))
			continue;
		if ((size_t)vsi->offset + vsi->size > size || !vsi->size)
			return NULL;
		s = (const char *)data + vsi->offset;
		return memchr(s, '\0', vsi->size) ? s : NULL;
	}
	return NULL;
}

static __u64 get_u(const struct pol_tunable *t, const void *data)
{
	const unsigned char *p = (const unsigned char *)data + t->off;
	__u8 u8; __u16 u16; __u32 u32; __u64 u64;

	switch (t->size) {
	case 1: memcpy(&u8, p, 1); return u8;
	case 2: memcpy(&u16, p, 2); return u16;
	case 4: memcpy(&u32, p, 4); return u32;
	default: memcpy(&u64, p, 8); return u64;
	}
}

__u64 pol_tunable_get(const struct pol_tunable *t, const void *data)
{
	__u64 u = get_u(t, data);
	unsigned int bits = t->size * 8;

	/* Sign-extend from the variable's width. */
	if (t->is_signed && bits < 64)
		return (__u64)((__s64)(u << (64 - bits)) >> (64 - bits));
	return u;
}

void pol_tunable_format(const struct pol_tunable *t, const void *data, char *buf,
			size_t len)
{
	__u64 u = pol_tunable_get(t, data);

	if (t->is_signed)
		snprintf(buf, len, "%lld", (long long)(__s64)u);
	else
		snprintf(buf, len, "%llu", (unsigned long long)u);
}

void pol_tunable_type(const struct pol_tunable *t, char *buf, size_t len)
{
	if (t->is_bool)
		snprintf(buf, len, "bool");
	else
		snprintf(buf, len, "%c%u", t->is_signed ? 's' : 'u', t->size * 8);
}

int pol_tunable_set(const struct pol_tunable *t, void *data, const char *text)
{
	static const char *const yes[] = { "true", "yes", "on" }, *const no[] = { "false", "no", "off" };
	unsigned char *p = (unsigned char *)data + t->off;
	unsigned int bits = t->size * 8;
	bool neg = false, hex;
	unsigned long long v;
	const char *s = text;
	char *end;
	size_t i;
	__u64 max, u;

	if (t->is_bool || t->size == 1) {
		for (i = 0; i < 3; i++) {
			if (!strcasecmp(text, yes[i]) || !strcasecmp(text, no[i])) {
				u = !strcasecmp(text, yes[i]);
				memcpy(p, &(__u8){ (__u8)u }, 1);
				return 0;
			}
		}
	}
	if (*s == '-' || *s == '+')
		neg = *s++ == '-';
	hex = s[0] == '0' && (s[1] == 'x' || s[1] == 'X');
	/* Digits only: strtoull would take blanks and a second sign. */
	if (!*s || (hex ? !s[2] || strspn(s + 2, "0123456789abcdefABCDEF") != strlen(s + 2)
		       : strspn(s, "0123456789") != strlen(s)))
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, hex ? 16 : 10);
	if (errno)
		return -ERANGE;
	if (t->is_bool)
		max = 1;
	else if (t->is_signed)
		max = (1ULL << (bits - 1)) - 1 + neg;	/* |min| is max + 1 */
	else
		max = bits == 64 ? UINT64_MAX : (1ULL << bits) - 1;
	if (neg && !t->is_signed && v)
		return -ERANGE;
	if (v > max)
		return -ERANGE;
	u = neg ? -(__u64)v : v;
	switch (t->size) {
	case 1: memcpy(p, &(__u8){ (__u8)u }, 1); break;
	case 2: memcpy(p, &(__u16){ (__u16)u }, 2); break;
	case 4: memcpy(p, &(__u32){ (__u32)u }, 4); break;
	default: memcpy(p, &u, 8); break;
	}
	return 0;
}

enum pol_list_kind pol_list_kind(const struct btf *btf, __u32 map_type,
				 __u32 key_type_id, __u32 key_size, __u32 value_size)
{
	const struct btf_type *t, *elem;
	bool sgn, isbool;

	if (map_type != BPF_MAP_TYPE_HASH || value_size != 1)
		return POL_LIST_NONE;
	if (key_size != 8 && key_size != 16)
		return POL_LIST_NONE;
	/* Without BTF the key's size has to do. */
	t = btf && key_type_id ? resolve(btf, key_type_id, NULL) : NULL;
	if (key_size == 8)
		return !t || int_type(t, &sgn, &isbool) ? POL_LIST_CGROUP : POL_LIST_NONE;
	if (!t)
		return POL_LIST_COMM;
	if (!btf_is_array(t))
		return POL_LIST_NONE;
	elem = resolve(btf, btf_array(t)->type, NULL);
	return elem && btf_is_int(elem) && elem->size == 1 ? POL_LIST_COMM : POL_LIST_NONE;
}

const char *pol_list_what(enum pol_list_kind k)
{
	return k == POL_LIST_CGROUP ? "cgroup v2 path or id" :
	       k == POL_LIST_COMM ? "command name" : "?";
}

/* A cgroup v2 directory: its id is its inode number (64-bit kernfs). */
static int cgroup_dir_id(const char *path, __u64 *id)
{
	struct statfs sfs;
	struct stat st;

	if (stat(path, &st) || statfs(path, &sfs))
		return -errno;
	if (!S_ISDIR(st.st_mode) || sfs.f_type != CGROUP2_SUPER_MAGIC)
		return -ENOTDIR;
	*id = st.st_ino;
	return 0;
}

int pol_list_key(enum pol_list_kind kind, const char *text, void *key,
		 char *why, size_t whylen)
{
	char path[PATH_MAX];
	size_t n = strlen(text);
	__u64 id;
	int err;

	memset(key, 0, 16);
	if (kind == POL_LIST_COMM) {
		if (!n || n > 15) {
			snprintf(why, whylen, "a command name has 1 to 15 bytes");
			return -EINVAL;
		}
		memcpy(key, text, n);
		return 0;
	}
	if (n && strspn(text, "0123456789") == n) {
		errno = 0;
		id = strtoull(text, NULL, 10);
		if (errno || !id) {
			snprintf(why, whylen, "not a cgroup id");
			return -EINVAL;
		}
		memcpy(key, &id, 8);
		return 0;
	}
	if (!n) {
		snprintf(why, whylen, "empty cgroup path");
		return -EINVAL;
	}
	/* /sys/fs/cgroup/a/b, /a/b (as /proc/PID/cgroup says) or a/b. */
	if (text[0] == '/') {
		err = cgroup_dir_id(text, &id);
		if (err) {
			snprintf(path, sizeof(path), CGROUP2_MOUNT "%s", text);
			if (!cgroup_dir_id(path, &id))
				err = 0;
		}
	} else {
		snprintf(path, sizeof(path), CGROUP2_MOUNT "/%s", text);
		err = cgroup_dir_id(path, &id);
	}
	if (err) {
		snprintf(why, whylen, "%s", err == -ENOTDIR ?
			 "not a cgroup v2 directory (cgroup2 is mounted at " CGROUP2_MOUNT ")" :
			 "no such cgroup (paths are absolute or relative to " CGROUP2_MOUNT ")");
		return -EINVAL;
	}
	memcpy(key, &id, 8);
	return 0;
}

static __s64 read_int(const void *p, __u32 size, bool is_signed)
{
	__s8 s8; __s16 s16; __s32 s32; __s64 s64;

	switch (size) {
	case 1: memcpy(&s8, p, 1); return is_signed ? s8 : (__u8)s8;
	case 2: memcpy(&s16, p, 2); return is_signed ? s16 : (__u16)s16;
	case 4: memcpy(&s32, p, 4); return is_signed ? (__s64)s32 : (__s64)(__u32)s32;
	default: memcpy(&s64, p, 8); return s64;
	}
}

static void sum_field(struct pol_stat *st, const void *vals, int ncpu, size_t stride,
		      size_t off, __u32 size, bool is_signed)
{
	int cpu;

	st->v = 0;
	st->is_signed = is_signed;
	for (cpu = 0; cpu < ncpu; cpu++)
		st->v += (__u64)read_int((const char *)vals + cpu * stride + off, size,
					 is_signed);
}

int pol_stats_sum(const struct btf *btf, __u32 type_id, const void *vals, int ncpu,
		  size_t stride, struct pol_stat *out, int max)
{
	const struct btf_type *t = resolve(btf, type_id, NULL), *mt, *et;
	const struct btf_member *m;
	const struct btf_array *a;
	bool sgn, isbool;
	const char *name;
	int i, n = 0;
	__u32 j;

	if (!t || !btf_is_struct(t))
		return 0;
	m = btf_members(t);
	for (i = 0; i < btf_vlen(t); i++, m++) {
		size_t off = btf_member_bit_offset(t, i) / 8;

		if (btf_member_bitfield_size(t, i))
			continue;
		name = btf__name_by_offset(btf, m->name_off);
		mt = resolve(btf, m->type, NULL);
		if (int_type(mt, &sgn, &isbool)) {
			if (n >= max)
				break;
			snprintf(out[n].name, sizeof(out[n].name), "%s", name);
			sum_field(&out[n++], vals, ncpu, stride, off, mt->size, sgn);
		} else if (mt && btf_is_array(mt)) {
			a = btf_array(mt);
			et = resolve(btf, a->type, NULL);
			if (!int_type(et, &sgn, &isbool))
				continue;
			for (j = 0; j < a->nelems && n < max; j++) {
				snprintf(out[n].name, sizeof(out[n].name), "%s[%u]", name, j);
				sum_field(&out[n++], vals, ncpu, stride, off + j * et->size,
					  et->size, sgn);
			}
		}
	}
	return n;
}
