// SPDX-License-Identifier: GPL-2.0
#include "ksm_sysfs.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *skip_ws(const char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	return s;
}

/* Only trailing whitespace/newline may follow a number in sysfs. */
static bool only_ws(const char *s)
{
	while (*s == ' ' || *s == '\t' || *s == '\n')
		s++;
	return *s == '\0';
}

int ksm_parse_u64(const char *text, uint64_t *out)
{
	unsigned long long v;
	char *end;

	text = skip_ws(text);
	if (*text < '0' || *text > '9')
		return -EINVAL;
	errno = 0;
	v = strtoull(text, &end, 10);
	if (errno || !only_ws(end))
		return -EINVAL;
	*out = v;
	return 0;
}

int ksm_parse_s64(const char *text, int64_t *out)
{
	long long v;
	char *end;

	text = skip_ws(text);
	if (!*text || only_ws(text))
		return -EINVAL;
	errno = 0;
	v = strtoll(text, &end, 10);
	if (errno || end == text || !only_ws(end))
		return -EINVAL;
	*out = v;
	return 0;
}

int ksm_parse_selector(const char *text, char *out, size_t out_len)
{
	const char *open = strchr(text, '['), *close;
	size_t n;

	if (!open)
		return -EINVAL;
	close = strchr(open, ']');
	if (!close || close == open + 1)
		return -EINVAL;
	n = close - open - 1;
	if (n >= out_len)
		return -EINVAL;
	memcpy(out, open + 1, n);
	out[n] = '\0';
	return 0;
}

static int path_of(char *path, size_t len, const char *dir, const char *name)
{
	int n = snprintf(path, len, "%s/%s", dir, name);

	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

int ksm_sysfs_read_str(const char *dir, const char *name, char *buf, size_t len)
{
	char path[PATH_MAX];
	ssize_t n;
	int fd, err;

	if (len < 2)
		return -EINVAL;
	err = path_of(path, sizeof(path), dir, name);
	if (err)
		return err;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	err = n < 0 ? -errno : 0;
	close(fd);
	if (err)
		return err;
	buf[n] = '\0';
	/* Drop the trailing newline so callers can print or compare it. */
	if (n > 0 && buf[n - 1] == '\n')
		buf[n - 1] = '\0';
	return 0;
}

int ksm_sysfs_read_u64(const char *dir, const char *name, uint64_t *out)
{
	char buf[64];
	int err = ksm_sysfs_read_str(dir, name, buf, sizeof(buf));

	return err ? err : ksm_parse_u64(buf, out);
}

int ksm_sysfs_write_str(const char *dir, const char *name, const char *val)
{
	char path[PATH_MAX];
	size_t len = strlen(val);
	ssize_t n;
	int fd, err;

	err = path_of(path, sizeof(path), dir, name);
	if (err)
		return err;
	fd = open(path, O_WRONLY | O_CLOEXEC | O_TRUNC);
	if (fd < 0)
		return -errno;
	n = write(fd, val, len);
	err = n < 0 ? -errno : (size_t)n != len ? -EIO : 0;
	if (close(fd) && !err)
		err = -errno;
	return err;
}

int ksm_sysfs_read_stats(const char *dir, struct ksm_sysfs_stats *st)
{
	static const struct {
		const char *name;
		size_t off;
		uint32_t missing_bit;	/* 0: required */
	} u64s[] = {
#define F(n, bit) { #n, offsetof(struct ksm_sysfs_stats, n), bit }
		F(run, 0), F(pages_to_scan, 0), F(sleep_millisecs, 0),
		F(pages_shared, 0), F(pages_sharing, 0), F(pages_unshared, 0),
		F(pages_volatile, 0), F(full_scans, 0),
		F(stable_node_chains, 0), F(stable_node_dups, 0),
		F(pages_scanned, KSM_STAT_PAGES_SCANNED),
		F(pages_skipped, KSM_STAT_PAGES_SKIPPED),
		F(ksm_zero_pages, KSM_STAT_ZERO_PAGES),
		F(ext_mms_skipped, KSM_STAT_EXT_SKIPPED),
		F(ext_vmas_skipped, KSM_STAT_EXT_SKIPPED),
		F(ext_pages_skipped, KSM_STAT_EXT_SKIPPED),
#undef F
	};
	char buf[128];
	size_t i;
	int err;

	memset(st, 0, sizeof(*st));
	for (i = 0; i < sizeof(u64s) / sizeof(u64s[0]); i++) {
		uint64_t *v = (uint64_t *)((char *)st + u64s[i].off);

		err = ksm_sysfs_read_u64(dir, u64s[i].name, v);
		if (!err)
			continue;
		if (!u64s[i].missing_bit)
			return err;
		st->missing |= u64s[i].missing_bit;
	}
	if (ksm_sysfs_read_str(dir, "general_profit", buf, sizeof(buf)) ||
	    ksm_parse_s64(buf, &st->general_profit))
		st->missing |= KSM_STAT_GENERAL_PROFIT;
	if (ksm_sysfs_read_str(dir, "advisor_mode", buf, sizeof(buf)) ||
	    ksm_parse_selector(buf, st->advisor_mode, sizeof(st->advisor_mode)))
		st->missing |= KSM_STAT_ADVISOR;
	if (ksm_sysfs_read_str(dir, "ext_policy", st->ext_policy,
			       sizeof(st->ext_policy)))
		st->missing |= KSM_STAT_EXT_POLICY;
	return 0;
}

static const char domains_header[] = "domain mms pages_shared pages_sharing";

/* A number of an ext_domains line, ending at a blank, a newline or the end;
 * what follows it, or NULL. */
static const char *domain_u64(const char *p, uint64_t *out)
{
	unsigned long long v;
	char *end;

	if (*p < '0' || *p > '9')
		return NULL;
	errno = 0;
	v = strtoull(p, &end, 10);
	if (errno || (*end && *end != ' ' && *end != '\t' && *end != '\n'))
		return NULL;
	*out = v;
	return end;
}

/* "ID MMS SHARED SHARING" (ID a number or "none"); what follows the line,
 * or NULL when it is malformed. */
static const char *domain_line(const char *p, struct ksm_domain *d)
{
	uint64_t *v[] = { &d->mms, &d->pages_shared, &d->pages_sharing };
	size_t i;

	memset(d, 0, sizeof(*d));
	if (!strncmp(p, "none", 4) && (p[4] == ' ' || p[4] == '\t')) {
		d->none = true;
		p += 4;
	} else if (!(p = domain_u64(p, &d->id))) {
		return NULL;
	}
	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		if (*p != ' ' && *p != '\t')
			return NULL;
		p = domain_u64(skip_ws(p), v[i]);
		if (!p)
			return NULL;
	}
	p = skip_ws(p);
	if (*p == '\n')
		return p + 1;
	return *p ? NULL : p;
}

int ksm_parse_domains(const char *text, struct ksm_domain *out, size_t max,
		      size_t *n, size_t *line)
{
	size_t hlen = sizeof(domains_header) - 1;
	const char *p = text;
	struct ksm_domain d;
	int err;

	*n = 0;
	*line = 1;
	/* Other columns than these would be misread: better none at all. */
	if (strncmp(p, domains_header, hlen) || (p[hlen] && p[hlen] != '\n'))
		return -EINVAL;
	p += hlen + !!p[hlen];
	while (*p) {
		(*line)++;
		p = domain_line(p, &d);
		err = !p ? -EINVAL : *n == max ? -E2BIG : 0;
		if (err) {
			*n = 0;
			return err;
		}
		out[(*n)++] = d;
	}
	return 0;
}

/* ext_domains can pass a page, as KSM's other files cannot; never this. */
#define DOMAINS_FILE_MAX (1u << 20)

int ksm_sysfs_read_domains(const char *dir, struct ksm_domain *out, size_t max,
			   size_t *n, size_t *line)
{
	char path[PATH_MAX], *buf = NULL, *tmp;
	size_t used = 0, cap = 0;
	ssize_t r;
	int fd, err;

	*n = 0;
	*line = 0;
	err = path_of(path, sizeof(path), dir, "ext_domains");
	if (err)
		return err;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	for (;;) {
		if (used + 1 >= cap) {
			if (cap >= DOMAINS_FILE_MAX) {
				err = -EFBIG;
				break;
			}
			cap = cap ? cap * 2 : 16384;
			tmp = realloc(buf, cap);
			if (!tmp) {
				err = -ENOMEM;
				break;
			}
			buf = tmp;
		}
		r = read(fd, buf + used, cap - 1 - used);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			err = r < 0 ? -errno : 0;
			break;
		}
		used += r;
	}
	close(fd);
	if (!err) {
		buf[used] = '\0';
		err = ksm_parse_domains(buf, out, max, n, line);
	}
	free(buf);
	return err;
}
