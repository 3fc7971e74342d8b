// SPDX-License-Identifier: GPL-2.0
/*
 * merge-probe: a process with PAGES identical, mergeable pages that the
 * in-VM tests steer from stdin and that reports the ground truth of its
 * memory: which of its pages really share a frame, read from
 * /proc/self/pagemap and /proc/kpagecount (root), not from KSM's counters.
 *
 *   merge-probe PAGES        prints "READY pid=PID", then serves commands:
 *
 *   count      "COUNT shared=N present=N": pages whose frame is mapped more
 *              than once, pages present
 *   frames     "FRAMES n=N PFN...": the distinct frames of the present pages
 *              (merge domains: two tenants' frames must not meet)
 *   fill SEED  give page i content of its own, the same in every probe
 *              filled with SEED (0: the common content back); "OK"
 *   verify     "VERIFY bad=N": pages not holding what this probe last wrote
 *   timing     write one byte into each page, as it is, and time each
 *              write: "TIMING n=N p10=T p50=T p90=T max=T" in TSC cycles
 *              on x86 (an attacker's clock; the guest's clocksource can
 *              be jiffies), else ns (a write to a merged page takes a
 *              copy-on-write fault: the side channel merge domains close)
 *   cow N      write distinct content into the first N pages (copy-on-write
 *              breaks merged ones); "OK"
 *   same N     write the common content back into the first N pages; "OK"
 *   lat N      N rounds of mprotect() on one page of the area and of
 *              mmap()+munmap() of one page (both take the mmap_lock for
 *              writing); "LAT p50=US p99=US max=US" over all 2N calls
 *   fork       fork; the parent prints "FORKED pid=CHILD" and exits, the
 *              child (which inherited the area) serves the next commands
 *   name HEX   set the process's name (comm) to the bytes HEX spells, any
 *              byte but NUL (ksm-top's hostile-name test); "OK"
 *   spawn N    fork N children that rewrite the area (so they get their own
 *              mergeable copies) and sleep until the probe exits; "SPAWNED
 *              pid=LAST n=N"
 *   exit       exit
 *
 * Errors go to stderr with exit status 1.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>

#define PAGE 4096UL

static void die(const char *what)
{
	fprintf(stderr, "merge-probe: %s: %s\n", what, strerror(errno));
	exit(1);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/* The finest clock there is: the TSC on x86. */
static uint64_t ticks(void)
{
#if defined(__x86_64__) || defined(__i386__)
	unsigned int lo, hi;

	__asm__ __volatile__("lfence; rdtsc; lfence" : "=a"(lo), "=d"(hi));
	return (uint64_t)hi << 32 | lo;
#else
	return now_ns();
#endif
}

static int cmp_pfn(const void *a, const void *b)
{
	return cmp_u64(a, b);
}

/*
 * Pages whose frame is mapped more than once: pagemap in one read, then
 * kpagecount once per distinct frame (merged pages share few frames).
 */
static void count(char *area, unsigned long pages)
{
	int pm = open("/proc/self/pagemap", O_RDONLY);
	int kc = open("/proc/kpagecount", O_RDONLY);
	uint64_t *ent = calloc(pages, sizeof(*ent)), *pfn = calloc(pages, sizeof(*pfn));
	unsigned long i, j, shared = 0, present = 0;
	size_t want = pages * sizeof(*ent), got = 0;
	off_t off = (uintptr_t)area / PAGE * 8;

	if (pm < 0 || kc < 0)
		die("opening pagemap/kpagecount (needs root)");
	if (!ent || !pfn)
		die("calloc");
	while (got < want) {
		ssize_t n = pread(pm, (char *)ent + got, want - got, off + got);

		if (n <= 0)
			die("reading pagemap");
		got += n;
	}
	for (i = 0; i < pages; i++) {
		if (!(ent[i] >> 63))
			continue;
		pfn[present] = ent[i] & ((1ULL << 55) - 1);
		if (!pfn[present])
			die("pagemap shows no PFNs (needs root)");
		present++;
	}
	qsort(pfn, present, sizeof(*pfn), cmp_pfn);
	for (i = 0; i < present; i = j) {
		uint64_t mapcount;

		for (j = i; j < present && pfn[j] == pfn[i]; j++)
			;
		if (pread(kc, &mapcount, 8, pfn[i] * 8) != 8)
			die("reading kpagecount");
		if (mapcount > 1)
			shared += j - i;
	}
	free(ent);
	free(pfn);
	close(pm);
	close(kc);
	printf("COUNT shared=%lu present=%lu\n", shared, present);
}

/*
 * A hash of what each page should hold, taken after each write: small and
 * unlike any page, so that it never merges itself.
 */
static uint64_t *sums;

static uint64_t page_sum(const char *page)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	unsigned long i;

	for (i = 0; i < PAGE; i++)
		h = (h ^ (unsigned char)page[i]) * 0x100000001b3ULL;
	return h;
}

static void note(char *area, unsigned long from, unsigned long to)
{
	for (; from < to; from++)
		sums[from] = page_sum(area + from * PAGE);
}

static void fill(char *area, unsigned long pages, uint64_t seed)
{
	unsigned long i, w;

	for (i = 0; i < pages; i++) {
		uint64_t *p = (uint64_t *)(area + i * PAGE);
		uint64_t v = (seed * 0x9e3779b97f4a7c15ULL) ^ (i + 1);

		for (w = 0; w < PAGE / 8; w++)
			p[w] = seed ? v : 0x5a5a5a5a5a5a5a5aULL;
	}
	note(area, 0, pages);
}

static void frames(char *area, unsigned long pages)
{
	int pm = open("/proc/self/pagemap", O_RDONLY);
	uint64_t *pfn = calloc(pages, sizeof(*pfn)), ent;
	unsigned long i, n = 0;

	if (pm < 0 || !pfn)
		die("opening pagemap (needs root)");
	for (i = 0; i < pages; i++) {
		if (pread(pm, &ent, 8, ((uintptr_t)area / PAGE + i) * 8) != 8)
			die("reading pagemap");
		if (ent >> 63)
			pfn[n++] = ent & ((1ULL << 55) - 1);
	}
	qsort(pfn, n, sizeof(*pfn), cmp_pfn);
	printf("FRAMES n=%lu", n);
	for (i = 0; i < n; i++)
		if (!i || pfn[i] != pfn[i - 1])
			printf(" %llu", (unsigned long long)pfn[i]);
	printf("\n");
	free(pfn);
	close(pm);
}

static void timing(char *area, unsigned long pages)
{
	uint64_t *t = calloc(pages, sizeof(*t));
	unsigned long i;

	if (!t)
		die("calloc");
	for (i = 0; i < pages; i++) {
		volatile char *b = area + i * PAGE + 8;
		uint64_t t0 = ticks();

		*b = *b;
		t[i] = ticks() - t0;
	}
	qsort(t, pages, sizeof(*t), cmp_u64);
	printf("TIMING n=%lu p10=%llu p50=%llu p90=%llu max=%llu\n", pages,
	       (unsigned long long)t[pages / 10], (unsigned long long)t[pages / 2],
	       (unsigned long long)t[pages * 9 / 10], (unsigned long long)t[pages - 1]);
	free(t);
}

static void latency(char *area, unsigned long n)
{
	uint64_t *lat = calloc(2 * n, sizeof(*lat));
	unsigned long i;

	if (!lat)
		die("calloc");
	for (i = 0; i < n; i++) {
		uint64_t t = now_ns();
		void *p;

		if (mprotect(area, PAGE, PROT_READ) || mprotect(area, PAGE, PROT_READ | PROT_WRITE))
			die("mprotect");
		lat[2 * i] = now_ns() - t;
		t = now_ns();
		p = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED || munmap(p, PAGE))
			die("mmap/munmap");
		lat[2 * i + 1] = now_ns() - t;
		usleep(1000);
	}
	qsort(lat, 2 * n, sizeof(*lat), cmp_u64);
	printf("LAT p50=%lu p99=%lu max=%lu\n", (unsigned long)(lat[n] / 1000),
	       (unsigned long)(lat[2 * n * 99 / 100] / 1000),
	       (unsigned long)(lat[2 * n - 1] / 1000));
	free(lat);
}

static int set_name(const char *hex)
{
	char name[16] = "";
	unsigned int b;
	size_t i;

	for (i = 0; i < sizeof(name) - 1 && sscanf(hex + 2 * i, "%2x", &b) == 1 && b; i++)
		name[i] = (char)b;
	return prctl(PR_SET_NAME, name, 0, 0, 0);
}

/* Children that die with the probe (SIGKILL on the parent's exit). */
static pid_t spawn(char *area, unsigned long pages, unsigned long n)
{
	pid_t pid = 0, parent = getpid();
	unsigned long i;

	for (i = 0; i < n; i++) {
		pid = fork();
		if (pid < 0)
			die("fork");
		if (pid == 0) {
			if (prctl(PR_SET_PDEATHSIG, SIGKILL) || getppid() != parent)
				_exit(0);
			memset(area, 0x5a, pages * PAGE);
			for (;;)
				pause();
		}
	}
	return pid;
}

int main(int argc, char **argv)
{
	unsigned long pages, i, n;
	char line[128], *area, *end;

	signal(SIGCHLD, SIG_IGN);	/* spawned children reap themselves */

	if (argc != 2 || (pages = strtoul(argv[1], &end, 10)) == 0 || *end) {
		fprintf(stderr, "usage: merge-probe PAGES\n");
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	area = mmap(NULL, pages * PAGE, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (area == MAP_FAILED)
		die("mmap");
	/* Small pages only: KSM merges base pages. */
	madvise(area, pages * PAGE, MADV_NOHUGEPAGE);
	sums = calloc(pages, sizeof(*sums));
	if (!sums)
		die("calloc");
	fill(area, pages, 0);
	if (madvise(area, pages * PAGE, MADV_MERGEABLE))
		die("madvise(MADV_MERGEABLE)");
	printf("READY pid=%d\n", getpid());

	while (fgets(line, sizeof(line), stdin)) {
		if (!strcmp(line, "count\n")) {
			count(area, pages);
		} else if (sscanf(line, "cow %lu", &n) == 1) {
			for (i = 0; i < n && i < pages; i++) {
				memcpy(area + i * PAGE, &i, sizeof(i));
				note(area, i, i + 1);
			}
			printf("OK\n");
		} else if (sscanf(line, "same %lu", &n) == 1) {
			memset(area, 0x5a, (n < pages ? n : pages) * PAGE);
			note(area, 0, n < pages ? n : pages);
			printf("OK\n");
		} else if (!strcmp(line, "frames\n")) {
			frames(area, pages);
		} else if (sscanf(line, "fill %lu", &n) == 1) {
			fill(area, pages, n);
			printf("OK\n");
		} else if (!strcmp(line, "verify\n")) {
			for (i = n = 0; i < pages; i++)
				n += page_sum(area + i * PAGE) != sums[i];
			printf("VERIFY bad=%lu\n", n);
		} else if (!strcmp(line, "timing\n")) {
			timing(area, pages);
		} else if (sscanf(line, "lat %lu", &n) == 1 && n > 0) {
			latency(area, n);
		} else if (!strcmp(line, "fork\n")) {
			pid_t pid = fork();

			if (pid < 0)
				die("fork");
			if (pid > 0) {
				printf("FORKED pid=%d\n", pid);
				return 0;
			}
		} else if (!strncmp(line, "name ", 5)) {
			if (set_name(line + 5))
				die("prctl(PR_SET_NAME)");
			printf("OK\n");
		} else if (sscanf(line, "spawn %lu", &n) == 1 && n > 0) {
			printf("SPAWNED pid=%d n=%lu\n", spawn(area, pages, n), n);
		} else if (!strcmp(line, "exit\n")) {
			return 0;
		} else {
			fprintf(stderr, "merge-probe: unknown command: %s", line);
			return 1;
		}
	}
	return 0;
}
