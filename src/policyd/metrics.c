// SPDX-License-Identifier: GPL-2.0
/*
 * ksm-policyd's Prometheus textfile (node_exporter's textfile collector):
 * ksm_policyd_* metrics in base units (seconds, ratios, pages), formatted
 * purely and written with an atomic rename so a scrape never reads half a
 * file.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "policyd.h"

struct out {
	char *buf;
	size_t len, n;
	bool full;
};

__attribute__((format(printf, 2, 3)))
static void put(struct out *o, const char *fmt, ...)
{
	va_list ap;
	int r;

	if (o->full)
		return;
	va_start(ap, fmt);
	r = vsnprintf(o->buf + o->n, o->len - o->n, fmt, ap);
	va_end(ap);
	if (r < 0 || (size_t)r >= o->len - o->n)
		o->full = true;
	else
		o->n += r;
}

static void metric(struct out *o, const char *name, const char *type,
		   const char *help, double v)
{
	put(o, "# HELP ksm_policyd_%s %s\n# TYPE ksm_policyd_%s %s\nksm_policyd_%s %.17g\n",
	    name, help, name, type, name, v);
}

int policyd_metrics_format(const struct policyd_metrics *m, char *buf,
			   size_t len)
{
	const struct policyd_state *st = m->st;
	const struct policyd_config *cfg = m->cfg;
	struct out o = { .buf = buf, .len = len };
	int p;

	metric(&o, "pages_to_scan", "gauge", "pages_to_scan last written",
	       (double)st->pages_to_scan);
	metric(&o, "sleep_seconds", "gauge", "sleep_millisecs last written, in seconds",
	       (double)st->sleep_ms / 1000.0);
	metric(&o, "scan_rate_pages_per_second", "gauge",
	       "commanded scan rate: pages_to_scan per second of sleep", st->rate);
	metric(&o, "yield_ratio", "gauge",
	       "smoothed merges per page scanned", st->yield_ewma / 1000.0);
	metric(&o, "ksmd_cpu_ratio", "gauge",
	       "smoothed ksmd CPU time per second (1 = one CPU)", st->cpu_pct / 100.0);
	metric(&o, "cpu_budget_ratio", "gauge",
	       "the most of one CPU ksmd may use", cfg->cpu_budget_pct / 100.0);
	metric(&o, "cost_seconds_per_page", "gauge",
	       "learned ksmd CPU time per page scanned", st->cost_ns_per_page / 1e9);
	metric(&o, "memory_pressure", "gauge",
	       "1 while memory pressure raises the scan floor", st->pressure ? 1 : 0);
	put(&o, "# HELP ksm_policyd_phase The controller's phase (1 for the current one)\n"
		"# TYPE ksm_policyd_phase gauge\n");
	for (p = POLICYD_BOOST; p <= POLICYD_HOLD; p++)
		put(&o, "ksm_policyd_phase{phase=\"%s\"} %d\n",
		    policyd_phase_name(p), st->phase == (enum policyd_phase)p);
	metric(&o, "bpf_stats", "gauge",
	       "1 when the inputs come from the BPF stats maps", m->bpf ? 1 : 0);
	metric(&o, "ticks_total", "counter", "observations made", (double)m->ticks);
	metric(&o, "changes_total", "counter", "writes of new knob values",
	       (double)m->changes);
	metric(&o, "foreign_writes_total", "counter",
	       "times another writer changed the knobs", (double)m->foreign_writes);
	metric(&o, "pages_scanned_total", "counter",
	       "pages ksmd scanned while ksm-policyd ran", (double)m->pages_scanned);
	metric(&o, "merges_total", "counter",
	       "pages merged while ksm-policyd ran", (double)m->merges);
	metric(&o, "full_scans_total", "counter",
	       "full scans completed while ksm-policyd ran", (double)m->full_scans);
	metric(&o, "ksmd_cpu_seconds_total", "counter",
	       "ksmd CPU time while ksm-policyd ran", (double)m->ksmd_cpu_ns / 1e9);
	return o.full ? -ENOSPC : (int)o.n;
}

/* Write @len bytes to @path through a temporary file and rename(2). */
int metrics_write(const char *path, const char *buf, size_t len)
{
	char tmp[POLICYD_PATH_MAX + 32];
	FILE *f;
	int fd, err = 0;

	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	/*
	 * 0644 exactly: readable by the exporter that collects it, writable
	 * by nobody else, whatever the umask (fopen's 0666 & ~umask is
	 * world-writable under umask 000) or a stale .tmp's mode.
	 */
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0)
		return -errno;
	if (fchmod(fd, 0644)) {
		err = -errno;
		close(fd);
		unlink(tmp);
		return err;
	}
	f = fdopen(fd, "w");
	if (!f) {
		err = -errno;
		close(fd);
		unlink(tmp);
		return err;
	}
	if (fwrite(buf, 1, len, f) != len)
		err = -EIO;
	if (fclose(f) && !err)
		err = -errno;
	if (!err && rename(tmp, path))
		err = -errno;
	if (err)
		unlink(tmp);
	return err;
}
