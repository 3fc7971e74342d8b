// SPDX-License-Identifier: GPL-2.0
/*
 * ksm-workload - a KSM test load with known merge potential and an integrity
 * check.
 *
 * The parent forks P children.  Each child maps M MiB of private anonymous
 * memory, marks it mergeable (madvise or prctl), fills it with a seeded,
 * reproducible mix of page classes (dup, zero, unique, volatile; see
 * workload_layout.c), then keeps rewriting the volatile pages until told to
 * stop.  On stop every child regenerates the expected content of every page
 * and compares, so any page KSM merged wrongly or failed to un-share on write
 * shows up as corruption.
 *
 * Parent <-> child plumbing:
 *  - stop pipe: the parent holds the only write end; closing it (or dying)
 *    gives every child EOF, which means "stop, verify, report".
 *  - report pipe: children send fixed-size messages, each written atomically
 *    (<= PIPE_BUF), so one pipe serves up to 1024 children within the
 *    default fd limit.
 *  - signals: the parent takes SIGINT/SIGTERM/SIGHUP/SIGCHLD via signalfd;
 *    children treat SIGINT/SIGTERM/SIGHUP as a stop request too, so a signal
 *    sent to the whole process group (Ctrl-C, timeout(1)) still ends with a
 *    verification instead of dead children.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "workload_layout.h"

#ifndef PR_SET_MEMORY_MERGE
#define PR_SET_MEMORY_MERGE	67
#endif

#define PROG			"ksm-workload"
#define KSM_SYSFS		"/sys/kernel/mm/ksm/"
#define TICK_MS			10	/* volatile rewrite batch period */
#define NSEC_PER_SEC		1000000000ull
#define MAX_CORRUPT_REPORTS	8	/* per child, details on stderr */

/* ------------------------------------------------------------------------ */
/* Messages child -> parent                                                 */

enum msg_type {
	MSG_READY = 1,
	MSG_ERROR,
	MSG_CORRUPT,
	MSG_RESULT,
};

struct wl_msg {
	uint32_t type;
	uint32_t child;			/* local child index */
	int32_t err;			/* MSG_ERROR: errno */
	uint32_t class;			/* MSG_CORRUPT: expected class */
	uint64_t a, b, c, d;		/* see send_*() */
	uint64_t found[WL_HDR_WORDS];	/* MSG_CORRUPT: header found */
	char what[64];			/* MSG_ERROR: what failed */
};

_Static_assert(sizeof(struct wl_msg) <= PIPE_BUF,
	       "report messages must be written atomically");

/* ------------------------------------------------------------------------ */
/* Usage                                                                    */

static void usage(FILE *f)
{
	fprintf(f,
"Usage: " PROG " [OPTION]...\n"
"Run P processes with private anonymous memory of known KSM merge potential,\n"
"keep part of it changing, and verify every page when stopped.\n"
"\n"
"Options:\n"
"  -p, --procs N            number of processes (default %u, 1..%u)\n"
"  -m, --mib N              MiB of memory per process (default %u, 1..%u)\n"
"      --dup F              fraction of pages identical across processes (%.2f)\n"
"      --zero F             fraction of zero-filled (faulted-in) pages (%.2f)\n"
"      --unique F           fraction of pages unique everywhere (%.2f)\n"
"      --volatile F         fraction of pages rewritten continuously (%.2f)\n"
"                           the four fractions must sum to 1 (within 1e-6)\n"
"  -s, --seed N             content seed (default %u)\n"
"  -d, --duration SECS      stop this long after READY, verify and exit;\n"
"                           fractions allowed (default 0 = until signalled)\n"
"  -r, --volatile-rate N    volatile page rewrites per second per process\n"
"                           (default %u, 0 = write volatile pages once)\n"
"      --first-proc K       global index of the first process (default 0);\n"
"                           runs with the same seed share dup content, and\n"
"                           distinct K ranges keep unique content distinct\n"
"      --mode MODE          madvise: madvise(MADV_MERGEABLE) on the area\n"
"                           prctl: prctl(PR_SET_MEMORY_MERGE) before mmap\n"
"                           none: neither, for a process enrolled from\n"
"                           outside (ksm-loader enroll PID)\n"
"                           (default madvise)\n"
"      --max-page-sharing N KSM max_page_sharing assumed for the expected\n"
"                           figures (default: " KSM_SYSFS "max_page_sharing,\n"
"                           or %u if unreadable)\n"
"      --volatile-shared    volatile content depends on (slot, generation)\n"
"                           only: copies in step across processes merge and\n"
"                           the next rewrite breaks the copy-on-write\n"
"      --structured         each class in its own area, in class order\n"
"                           (dup, zero, unique, volatile; separate VMAs with\n"
"                           a PROT_NONE guard page between them), as a heap,\n"
"                           zeroed buffers, shared data and scratch would be\n"
"      --json               print the result as one JSON object\n"
"  -q, --quiet              print only the result (no LAYOUT/READY lines, no\n"
"                           notices or per-page corruption details)\n"
"  -h, --help               show this help and exit\n"
"\n"
"Unless --structured, page classes are interleaved over each process's one\n"
"area by a seeded permutation.  Counts are floor(fraction * pages) for dup,\n"
"zero and volatile; unique takes the rest.\n"
"dup page k holds the same content in every process (and every run with the\n"
"same seed); unique and volatile content is distinct per (seed, global process,\n"
"page[, generation]).  Transparent huge pages are disabled on the areas\n"
"(MADV_NOHUGEPAGE) so KSM sees plain 4 KiB pages.\n"
"\n"
"Output (stdout, one line each):\n"
"  LAYOUT procs=P pages_per_proc=N dup=D zero=Z unique=U volatile=V\n"
"         expected_pages_sharing=S expected_pages_shared=H   (one line)\n"
"  READY pids=PID1,PID2,...       all areas populated and mergeable\n"
"  RESULT procs=P pages=T checked=C corrupted=X volatile_writes=W\n"
"         expected_pages_sharing=S                            (one line)\n"
"  With --json the RESULT line is {\"procs\":P,\"pages\":T,...} (same keys).\n"
"Expected figures are the maximum KSM can reach for this mix with\n"
"use_zero_pages=0: a content mapped n times needs ceil(n/max_page_sharing)\n"
"KSM pages (pages_shared; a lone leftover mapping is not merged) and saves the\n"
"rest (pages_sharing).\n"
"\n"
"SIGINT, SIGTERM or SIGHUP (to the parent or the process group) stops the run:\n"
"children verify their memory and report.  A second signal to the parent\n"
"kills the children without verification.  Children die with the parent.\n"
"\n"
"Exit status: 0 all pages verified intact, 1 runtime failure or corruption,\n"
"2 bad usage.\n",
		WL_DEF_PROCS, WL_PROCS_MAX, WL_DEF_MIB, WL_MIB_MAX, WL_DEF_DUP,
		WL_DEF_ZERO, WL_DEF_UNIQUE, WL_DEF_VOLATILE, WL_DEF_SEED,
		WL_DEF_RATE, WL_DEF_MPS);
}

/* One line: "ksm-workload: <what>: <strerror>". */
static void errmsg(int err, const char *fmt, ...)
{
	char buf[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (err)
		fprintf(stderr, PROG ": %s: %s\n", buf, strerror(err));
	else
		fprintf(stderr, PROG ": %s\n", buf);
}

/* ------------------------------------------------------------------------ */
/* Child                                                                    */

struct child_ctx {
	const struct wl_options *opt;
	const struct wl_layout *lay;
	unsigned int idx;
	uint64_t gproc;
	int stop_fd;
	int report_fd;
	size_t page_size;
	size_t words;
	uint8_t *area;
	uint32_t *vpage;	/* volatile slot -> page index */
	uint32_t *vgen;		/* volatile slot -> generation last written */
	uint64_t vwrites;
	sigset_t run_mask;	/* mask to sleep with: stop signals unblocked */
};

static volatile sig_atomic_t child_stop;

static void child_stop_handler(int sig)
{
	(void)sig;
	child_stop = 1;
}

static void child_send(struct child_ctx *c, struct wl_msg *m)
{
	ssize_t n;

	m->child = c->idx;
	do
		n = write(c->report_fd, m, sizeof(*m));
	while (n < 0 && errno == EINTR);
	if (n != (ssize_t)sizeof(*m)) {
		/* Parent gone or pipe broken: nobody to report to. */
		_exit(1);
	}
}

static __attribute__((noreturn)) void child_fail(struct child_ctx *c, int err,
						 const char *what)
{
	struct wl_msg m = { .type = MSG_ERROR, .err = err };

	snprintf(m.what, sizeof(m.what), "%s", what);
	child_send(c, &m);
	_exit(1);
}

/* Page number @page of the layout; --structured areas skip the guards. */
static struct wl_slot classify(const struct child_ctx *c, uint64_t page)
{
	if (c->opt->structured)
		return wl_classify_in_order(c->lay, page);
	return wl_classify(c->lay, c->opt->seed, page);
}

static uint64_t *page_ptr(struct child_ctx *c, uint64_t page)
{
	uint64_t guards = c->opt->structured ? classify(c, page).class : 0;

	return (uint64_t *)(c->area + (page + guards) * c->page_size);
}

static struct wl_page_id page_id(const struct child_ctx *c, uint64_t page,
				 struct wl_slot s)
{
	struct wl_page_id id = { .class = s.class, .seed = c->opt->seed };

	switch (s.class) {
	case WL_DUP:
		/* Only (seed, dup index): same in every process and run. */
		id.page = s.index;
		break;
	case WL_ZERO:
		break;
	case WL_UNIQUE:
		id.proc = c->gproc;
		id.page = page;
		break;
	case WL_VOLATILE:
		if (c->opt->volatile_shared) {
			id.page = s.index;
		} else {
			id.proc = c->gproc;
			id.page = page;
		}
		id.gen = c->vgen[s.index];
		break;
	default:
		break;
	}
	return id;
}

/*
 * Stop signals stay blocked except while sleeping in ppoll(), so a stop
 * request can never slip in between the flag test and the sleep.
 */
static void child_setup_signals(struct child_ctx *c)
{
	struct sigaction sa = { .sa_handler = child_stop_handler };
	sigset_t stop;

	sigemptyset(&sa.sa_mask);
	sigemptyset(&stop);
	sigaddset(&stop, SIGINT);
	sigaddset(&stop, SIGTERM);
	sigaddset(&stop, SIGHUP);
	sigprocmask(SIG_BLOCK, &stop, NULL);
	if (sigaction(SIGINT, &sa, NULL) || sigaction(SIGTERM, &sa, NULL) ||
	    sigaction(SIGHUP, &sa, NULL))
		child_fail(c, errno, "sigaction");
	/* The mask inherited from the parent blocks SIGCHLD too: clear all. */
	sigemptyset(&c->run_mask);
}

/*
 * --structured: a PROT_NONE page after each class's range splits the area
 * into one VMA per class (adjacent areas with equal flags would be one).
 */
static void child_guards(struct child_ctx *c)
{
	uint64_t end = 0;
	int k;

	for (k = 0; k < WL_NR_CLASSES - 1; k++) {
		end += c->lay->count[k];
		if (mprotect(c->area + (end + k) * c->page_size, c->page_size,
			     PROT_NONE))
			child_fail(c, errno, "mprotect of a guard page");
	}
}

static void child_map(struct child_ctx *c)
{
	size_t len = (c->lay->pages_per_proc +
		      (c->opt->structured ? WL_NR_CLASSES - 1 : 0)) * c->page_size;
	void *p;

	if (c->opt->mode == WL_MODE_PRCTL &&
	    prctl(PR_SET_MEMORY_MERGE, 1, 0, 0, 0))
		child_fail(c, errno, "prctl(PR_SET_MEMORY_MERGE)");
	p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		child_fail(c, errno, "mmap");
	c->area = p;
	if (c->opt->structured)
		child_guards(c);
	/*
	 * Keep KSM's view at 4 KiB pages so the expected figures hold even
	 * with THP "always"; EINVAL just means no THP support.
	 */
	if (madvise(p, len, MADV_NOHUGEPAGE) && errno != EINVAL)
		child_fail(c, errno, "madvise(MADV_NOHUGEPAGE)");
	if (c->opt->mode == WL_MODE_MADVISE &&
	    madvise(p, len, MADV_MERGEABLE))
		child_fail(c, errno, "madvise(MADV_MERGEABLE)");
}

/*
 * With PR_SET_MEMORY_MERGE every private anonymous page of the process is
 * mergeable, and these tables (the same in every child) would add merges the
 * expected figures do not count.  KSM never merges shared mappings.
 */
static void *alloc_unmergeable(struct child_ctx *c, size_t size)
{
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		child_fail(c, errno, "mmap of volatile page tables");
	return p;
}

/*
 * Write every page once.  Zero pages are written too (memset), so each is a
 * real anonymous page rather than a mapping of the shared zero page.
 */
static void child_populate(struct child_ctx *c)
{
	const struct wl_layout *l = c->lay;
	uint64_t nvol = l->count[WL_VOLATILE], page;
	struct wl_page_id id;
	struct wl_slot s;

	c->vpage = alloc_unmergeable(c, (nvol ? nvol : 1) * sizeof(*c->vpage));
	c->vgen = alloc_unmergeable(c, (nvol ? nvol : 1) * sizeof(*c->vgen));
	for (page = 0; page < l->pages_per_proc; page++) {
		s = classify(c, page);
		if (s.class == WL_VOLATILE)
			c->vpage[s.index] = (uint32_t)page;
		id = page_id(c, page, s);
		wl_page_fill(page_ptr(c, page), c->words, &id);
	}
}

static void rewrite_volatile(struct child_ctx *c, uint64_t slot)
{
	struct wl_slot s = { .class = WL_VOLATILE, .index = slot };
	uint64_t page = c->vpage[slot];
	struct wl_page_id id;

	c->vgen[slot]++;
	id = page_id(c, page, s);
	wl_page_fill(page_ptr(c, page), c->words, &id);
	c->vwrites++;
}

static uint64_t elapsed_ns(struct timespec *last)
{
	struct timespec now;
	int64_t ns;

	clock_gettime(CLOCK_MONOTONIC, &now);
	ns = (int64_t)(now.tv_sec - last->tv_sec) * (int64_t)NSEC_PER_SEC +
	     (now.tv_nsec - last->tv_nsec);
	*last = now;
	return ns > 0 ? (uint64_t)ns : 0;
}

/*
 * Rewrite volatile pages round-robin at opt->volatile_rate per second,
 * in batches every TICK_MS.  The batch size follows the time actually
 * elapsed, so oversleeping does not lower the rate; a stall of more than a
 * second (e.g. SIGSTOP) is not caught up.  Returns when stop is requested.
 */
static void child_run(struct child_ctx *c)
{
	uint64_t nvol = c->lay->count[WL_VOLATILE];
	uint64_t rate = c->opt->volatile_rate;
	struct pollfd pfd = { .fd = c->stop_fd, .events = POLLIN };
	struct timespec tick = { 0, TICK_MS * 1000000L }, last;
	uint64_t acc = 0, cursor = 0, ns, n;
	bool active = nvol && rate;
	int r;

	clock_gettime(CLOCK_MONOTONIC, &last);
	while (!child_stop) {
		r = ppoll(&pfd, 1, active ? &tick : NULL, &c->run_mask);
		if (r < 0 && errno != EINTR)
			child_fail(c, errno, "ppoll on stop pipe");
		/* Readable means EOF (or anything): the parent said stop. */
		if (r > 0)
			return;
		if (!active)
			continue;
		ns = elapsed_ns(&last);
		acc += rate * (ns < NSEC_PER_SEC ? ns : NSEC_PER_SEC);
		for (n = acc / NSEC_PER_SEC; n; n--) {
			rewrite_volatile(c, cursor);
			cursor = cursor + 1 < nvol ? cursor + 1 : 0;
		}
		acc %= NSEC_PER_SEC;
	}
}

static void report_corrupt(struct child_ctx *c, uint64_t page,
			   struct wl_slot s, const struct wl_page_id *id,
			   long word)
{
	struct wl_msg m = {
		.type = MSG_CORRUPT,
		.class = s.class,
		.a = page,
		.b = s.index,
		.c = id->gen,
		.d = (uint64_t)word * sizeof(uint64_t),
	};

	memcpy(m.found, page_ptr(c, page), sizeof(m.found));
	child_send(c, &m);
}

static void child_verify(struct child_ctx *c)
{
	const struct wl_layout *l = c->lay;
	struct wl_msg m = { .type = MSG_RESULT };
	uint64_t page, corrupted = 0;
	struct wl_page_id id;
	struct wl_slot s;
	long bad;

	for (page = 0; page < l->pages_per_proc; page++) {
		s = classify(c, page);
		id = page_id(c, page, s);
		bad = wl_page_check(page_ptr(c, page), c->words, &id);
		if (bad < 0)
			continue;
		if (corrupted++ < MAX_CORRUPT_REPORTS)
			report_corrupt(c, page, s, &id, bad);
	}
	m.a = l->pages_per_proc;
	m.b = corrupted;
	m.c = c->vwrites;
	child_send(c, &m);
}

static __attribute__((noreturn)) void child_main(struct child_ctx *c,
						 pid_t parent)
{
	struct wl_msg ready = { .type = MSG_READY };

	/* Never outlive the parent; it may have died before prctl(). */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) || getppid() != parent)
		_exit(1);
	child_setup_signals(c);
	child_map(c);
	child_populate(c);
	child_send(c, &ready);
	child_run(c);
	child_verify(c);
	_exit(0);
}

/* ------------------------------------------------------------------------ */
/* Parent                                                                   */

struct child {
	pid_t pid;
	bool ready;
	bool reported;		/* MSG_RESULT received */
	bool reaped;
	bool failed;		/* failure already reported on stderr */
	uint64_t checked;
	uint64_t corrupted;
	uint64_t vwrites;
};

struct parent {
	const struct wl_options *opt;
	const struct wl_layout *lay;
	struct child *kids;
	unsigned int nkids;	/* forked so far */
	unsigned int nready;
	unsigned int nreaped;
	int stop_wr;
	int report_rd;
	int sfd;
	bool stopping;
	bool killed;
	bool failed;
	bool pipe_eof;
	bool have_deadline;
	struct timespec deadline;
	size_t rlen;
	struct wl_msg rbuf;
};

static void kill_children(struct parent *p)
{
	unsigned int i;

	for (i = 0; i < p->nkids; i++)
		if (!p->kids[i].reaped && p->kids[i].pid > 0)
			kill(p->kids[i].pid, SIGKILL);
	p->killed = true;
}

/* Blocking reap of every child still around, by PID. */
static void reap_all(struct parent *p)
{
	unsigned int i;

	for (i = 0; i < p->nkids; i++) {
		if (p->kids[i].reaped || p->kids[i].pid <= 0)
			continue;
		while (waitpid(p->kids[i].pid, NULL, 0) < 0 && errno == EINTR)
			;
		p->kids[i].reaped = true;
		p->nreaped++;
	}
}

static __attribute__((noreturn)) void parent_abort(struct parent *p)
{
	kill_children(p);
	reap_all(p);
	exit(1);
}

static void request_stop(struct parent *p)
{
	if (p->stopping)
		return;
	p->stopping = true;
	/* EOF on the stop pipe tells every child to verify and report. */
	if (p->stop_wr >= 0)
		close(p->stop_wr);
	p->stop_wr = -1;
}

static void child_failed(struct parent *p, struct child *k)
{
	k->failed = true;
	p->failed = true;
	request_stop(p);
}

static void note_exit(struct parent *p, unsigned int i, int status)
{
	struct child *k = &p->kids[i];

	k->reaped = true;
	p->nreaped++;
	if (WIFSIGNALED(status)) {
		/* SIGKILLs we sent ourselves were already accounted for. */
		if (!p->killed)
			errmsg(0, "child %u (pid %d) killed by signal %d (%s)",
			       i, k->pid, WTERMSIG(status),
			       strsignal(WTERMSIG(status)));
		child_failed(p, k);
	} else if (WIFEXITED(status) && WEXITSTATUS(status)) {
		if (!k->failed)
			errmsg(0, "child %u (pid %d) exited with status %d",
			       i, k->pid, WEXITSTATUS(status));
		child_failed(p, k);
	}
}

static void reap_children(struct parent *p)
{
	unsigned int i;
	pid_t r;
	int st;

	for (i = 0; i < p->nkids; i++) {
		if (p->kids[i].reaped)
			continue;
		r = waitpid(p->kids[i].pid, &st, WNOHANG);
		if (r == p->kids[i].pid)
			note_exit(p, i, st);
		else if (r < 0 && errno != EINTR) {
			errmsg(errno, "waitpid %d", p->kids[i].pid);
			parent_abort(p);
		}
	}
}

static void print_ready(struct parent *p)
{
	unsigned int i;

	if (p->opt->quiet)
		return;
	printf("READY pids=");
	for (i = 0; i < p->nkids; i++)
		printf("%s%d", i ? "," : "", p->kids[i].pid);
	printf("\n");
}

static void all_ready(struct parent *p)
{
	struct timespec *d = &p->deadline;
	double secs = p->opt->duration;

	print_ready(p);
	if (secs <= 0)
		return;
	clock_gettime(CLOCK_MONOTONIC, d);
	d->tv_sec += (time_t)secs;
	d->tv_nsec += (long)((secs - (double)(time_t)secs) * 1e9);
	if (d->tv_nsec >= (long)NSEC_PER_SEC) {
		d->tv_sec++;
		d->tv_nsec -= (long)NSEC_PER_SEC;
	}
	p->have_deadline = true;
}

/* Describe what a corrupted page holds instead, from its first words. */
static void describe_found(const uint64_t *hdr, char *buf, size_t len)
{
	struct wl_page_id id;

	if (!wl_page_id_decode(hdr, &id))
		snprintf(buf, len, "holds foreign data (first word %#llx)",
			 (unsigned long long)hdr[0]);
	else if (id.class == WL_ZERO)
		snprintf(buf, len, "holds a zero header");
	else if (id.class == WL_DUP)
		snprintf(buf, len, "holds dup #%llu (seed %llu)",
			 (unsigned long long)id.page,
			 (unsigned long long)id.seed);
	else
		snprintf(buf, len,
			 "holds %s proc %llu page %llu gen %llu (seed %llu)",
			 wl_class_name(id.class), (unsigned long long)id.proc,
			 (unsigned long long)id.page,
			 (unsigned long long)id.gen,
			 (unsigned long long)id.seed);
}

static void handle_corrupt(struct parent *p, const struct wl_msg *m)
{
	char found[128];

	if (p->opt->quiet)
		return;
	/* A bad header tells which page's content sits there instead. */
	if (m->d >= WL_HDR_WORDS * sizeof(uint64_t))
		snprintf(found, sizeof(found), "header intact");
	else
		describe_found(m->found, found, sizeof(found));
	errmsg(0, "child %u (pid %d): page %llu (%s #%llu gen %llu) corrupted at byte %llu; %s",
	       m->child, p->kids[m->child].pid, (unsigned long long)m->a,
	       wl_class_name((enum wl_class)m->class),
	       (unsigned long long)m->b, (unsigned long long)m->c,
	       (unsigned long long)m->d, found);
}

static void handle_msg(struct parent *p, const struct wl_msg *m)
{
	struct child *k;

	if (m->child >= p->nkids) {
		errmsg(0, "bad report from a child (index %u)", m->child);
		parent_abort(p);
	}
	k = &p->kids[m->child];
	switch (m->type) {
	case MSG_READY:
		k->ready = true;
		if (++p->nready == p->opt->procs && !p->stopping)
			all_ready(p);
		break;
	case MSG_ERROR:
		errmsg(m->err, "child %u (pid %d): %.*s", m->child, k->pid,
		       (int)sizeof(m->what), m->what);
		child_failed(p, k);
		break;
	case MSG_CORRUPT:
		handle_corrupt(p, m);
		break;
	case MSG_RESULT:
		k->reported = true;
		k->checked = m->a;
		k->corrupted = m->b;
		k->vwrites = m->c;
		if (k->corrupted) {
			errmsg(0, "child %u (pid %d): %llu of %llu pages corrupted",
			       m->child, k->pid,
			       (unsigned long long)k->corrupted,
			       (unsigned long long)k->checked);
			p->failed = true;
		}
		/* A child stopped by a signal of its own: stop them all. */
		request_stop(p);
		break;
	default:
		errmsg(0, "bad report from child %u (type %u)", m->child,
		       m->type);
		parent_abort(p);
	}
}

static void read_reports(struct parent *p)
{
	uint8_t *buf = (uint8_t *)&p->rbuf;
	ssize_t n;

	for (;;) {
		n = read(p->report_rd, buf + p->rlen,
			 sizeof(p->rbuf) - p->rlen);
		if (n == 0) {
			p->pipe_eof = true;
			return;
		}
		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR)
				return;
			errmsg(errno, "reading child reports");
			parent_abort(p);
		}
		p->rlen += (size_t)n;
		if (p->rlen == sizeof(p->rbuf)) {
			p->rlen = 0;
			handle_msg(p, &p->rbuf);
		}
	}
}

static void handle_signal(struct parent *p)
{
	struct signalfd_siginfo si;
	ssize_t n;

	n = read(p->sfd, &si, sizeof(si));
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n != sizeof(si)) {
		errmsg(n < 0 ? errno : EIO, "reading signalfd");
		parent_abort(p);
	}
	if (si.ssi_signo == SIGCHLD) {
		reap_children(p);
		return;
	}
	if (!p->stopping) {
		request_stop(p);
		return;
	}
	if (!p->killed) {
		errmsg(0, "%s again while stopping: killing children",
		       strsignal((int)si.ssi_signo));
		p->failed = true;
		kill_children(p);
	}
}

static int poll_timeout_ms(const struct parent *p)
{
	struct timespec now;
	int64_t ms;

	if (!p->have_deadline || p->stopping)
		return -1;
	clock_gettime(CLOCK_MONOTONIC, &now);
	ms = (int64_t)(p->deadline.tv_sec - now.tv_sec) * 1000 +
	     (p->deadline.tv_nsec - now.tv_nsec + 999999) / 1000000;
	return ms < 0 ? 0 : ms > 3600000 ? 3600000 : (int)ms;
}

/* Run until every child has exited and the report pipe is drained. */
static void event_loop(struct parent *p)
{
	struct pollfd pfd[2];
	int timeout, r;

	while (!p->pipe_eof || p->nreaped < p->nkids) {
		pfd[0] = (struct pollfd){ .fd = p->sfd, .events = POLLIN };
		pfd[1] = (struct pollfd){ .fd = p->report_rd,
					  .events = POLLIN };
		timeout = poll_timeout_ms(p);
		r = poll(pfd, p->pipe_eof ? 1 : 2, timeout);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			errmsg(errno, "poll");
			parent_abort(p);
		}
		if (r == 0 && timeout >= 0 && !poll_timeout_ms(p))
			request_stop(p);
		if (!p->pipe_eof && pfd[1].revents)
			read_reports(p);
		if (pfd[0].revents)
			handle_signal(p);
	}
}

static void print_result(const struct parent *p)
{
	unsigned long long checked = 0, corrupted = 0, vwrites = 0, pages;
	unsigned long long expected = p->lay->expected_pages_sharing;
	unsigned int i;

	for (i = 0; i < p->nkids; i++) {
		checked += p->kids[i].checked;
		corrupted += p->kids[i].corrupted;
		vwrites += p->kids[i].vwrites;
	}
	pages = p->lay->pages_per_proc * p->lay->procs;
	if (p->opt->json)
		printf("{\"procs\":%u,\"pages\":%llu,\"checked\":%llu,\"corrupted\":%llu,\"volatile_writes\":%llu,\"expected_pages_sharing\":%llu}\n",
		       p->lay->procs, pages, checked, corrupted, vwrites,
		       expected);
	else
		printf("RESULT procs=%u pages=%llu checked=%llu corrupted=%llu volatile_writes=%llu expected_pages_sharing=%llu\n",
		       p->lay->procs, pages, checked, corrupted, vwrites,
		       expected);
}

/* Children that exited 0 without a result would silently shrink "checked". */
static void check_results(struct parent *p)
{
	unsigned int i;

	for (i = 0; i < p->nkids; i++) {
		struct child *k = &p->kids[i];

		if (k->reported || k->failed)
			continue;
		errmsg(0, "child %u (pid %d) exited without reporting a result",
		       i, k->pid);
		k->failed = true;
		p->failed = true;
	}
}

static void setup_ipc(struct parent *p, int stop_pipe[2], int report_pipe[2])
{
	sigset_t set;

	if (pipe2(stop_pipe, O_CLOEXEC) || pipe2(report_pipe, O_CLOEXEC)) {
		errmsg(errno, "pipe2");
		exit(1);
	}
	/* Only the parent's read end is non-blocking; children block. */
	if (fcntl(report_pipe[0], F_SETFL, O_NONBLOCK)) {
		errmsg(errno, "fcntl(O_NONBLOCK)");
		exit(1);
	}
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGCHLD);
	if (sigprocmask(SIG_BLOCK, &set, NULL)) {
		errmsg(errno, "sigprocmask");
		exit(1);
	}
	p->sfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	if (p->sfd < 0) {
		errmsg(errno, "signalfd");
		exit(1);
	}
}

static void spawn_children(struct parent *p, int stop_pipe[2],
			   int report_pipe[2], size_t page_size)
{
	struct child_ctx c = {
		.opt = p->opt,
		.lay = p->lay,
		.stop_fd = stop_pipe[0],
		.report_fd = report_pipe[1],
		.page_size = page_size,
		.words = page_size / sizeof(uint64_t),
	};
	pid_t self = getpid(), pid;
	unsigned int i;

	/* Don't let children inherit unflushed stdio buffers. */
	fflush(stdout);
	fflush(stderr);
	for (i = 0; i < p->opt->procs; i++) {
		pid = fork();
		if (pid < 0) {
			errmsg(errno, "fork (child %u)", i);
			parent_abort(p);
		}
		if (pid == 0) {
			close(stop_pipe[1]);
			close(report_pipe[0]);
			close(p->sfd);
			c.idx = i;
			c.gproc = p->opt->first_proc + i;
			child_main(&c, self);
		}
		p->kids[i].pid = pid;
		p->nkids++;
	}
	close(stop_pipe[0]);
	close(report_pipe[1]);
	p->stop_wr = stop_pipe[1];
	p->report_rd = report_pipe[0];
}

/* ------------------------------------------------------------------------ */
/* Setup                                                                    */

static int read_ksm_uint(const char *name, unsigned long *val)
{
	char path[128];
	FILE *f;
	int ok;

	snprintf(path, sizeof(path), KSM_SYSFS "%s", name);
	f = fopen(path, "r");
	if (!f)
		return -1;
	ok = fscanf(f, "%lu", val) == 1;
	fclose(f);
	return ok ? 0 : -1;
}

static unsigned int pick_max_page_sharing(const struct wl_options *opt)
{
	unsigned long v;

	if (opt->max_page_sharing)
		return opt->max_page_sharing;
	if (!read_ksm_uint("max_page_sharing", &v) && v >= WL_MPS_MIN &&
	    v <= WL_MPS_MAX)
		return (unsigned int)v;
	return WL_DEF_MPS;
}

static void print_layout(const struct wl_layout *l)
{
	printf("LAYOUT procs=%u pages_per_proc=%llu dup=%llu zero=%llu unique=%llu volatile=%llu expected_pages_sharing=%llu expected_pages_shared=%llu\n",
	       l->procs, (unsigned long long)l->pages_per_proc,
	       (unsigned long long)l->count[WL_DUP],
	       (unsigned long long)l->count[WL_ZERO],
	       (unsigned long long)l->count[WL_UNIQUE],
	       (unsigned long long)l->count[WL_VOLATILE],
	       (unsigned long long)l->expected_pages_sharing,
	       (unsigned long long)l->expected_pages_shared);
}

static int parse_or_exit(struct wl_options *opt, int argc, char **argv)
{
	char err[256];

	switch (wl_parse_args(opt, argc, argv, err, sizeof(err))) {
	case WL_PARSE_OK:
		return 0;
	case WL_PARSE_HELP:
		usage(stdout);
		exit(0);
	default:
		fprintf(stderr, PROG ": %s\n", err);
		fprintf(stderr, "Try '" PROG " --help' for more information.\n");
		exit(2);
	}
}

int main(int argc, char **argv)
{
	struct wl_options opt;
	struct wl_layout lay;
	struct parent p = { .stop_wr = -1, .report_rd = -1, .sfd = -1 };
	int stop_pipe[2], report_pipe[2];
	unsigned long zero_pages;
	long page_size;

	/* Same comm whatever the binary is called; children inherit it. */
	prctl(PR_SET_NAME, PROG, 0, 0, 0);
	setvbuf(stdout, NULL, _IOLBF, 0);
	parse_or_exit(&opt, argc, argv);

	page_size = sysconf(_SC_PAGESIZE);
	if (page_size <= 0 || page_size > (1 << 20) ||
	    page_size % (long)sizeof(uint64_t)) {
		errmsg(page_size < 0 ? errno : EINVAL, "sysconf(_SC_PAGESIZE)");
		return 1;
	}
	if (wl_layout_compute(&lay, opt.procs,
			      (opt.mib << 20) / (uint64_t)page_size, &opt.frac,
			      pick_max_page_sharing(&opt))) {
		errmsg(EINVAL, "computing the page layout");
		return 1;
	}
	if (!opt.quiet && !read_ksm_uint("use_zero_pages", &zero_pages) &&
	    zero_pages)
		errmsg(0, "note: use_zero_pages=1, zero pages will count in ksm_zero_pages, not pages_sharing");
	if (!opt.quiet)
		print_layout(&lay);

	p.opt = &opt;
	p.lay = &lay;
	p.kids = calloc(opt.procs, sizeof(*p.kids));
	if (!p.kids) {
		errmsg(errno, "calloc");
		return 1;
	}
	setup_ipc(&p, stop_pipe, report_pipe);
	spawn_children(&p, stop_pipe, report_pipe, (size_t)page_size);
	event_loop(&p);
	check_results(&p);
	print_result(&p);
	free(p.kids);
	if (fflush(stdout) || ferror(stdout)) {
		errmsg(errno, "writing to stdout");
		return 1;
	}
	return p.failed ? 1 : 0;
}
