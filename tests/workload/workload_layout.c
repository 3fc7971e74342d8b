// SPDX-License-Identifier: GPL-2.0
/*
 * workload_layout.c - pure arithmetic behind ksm-workload
 *
 * No I/O here: errors are returned as text for the caller to print, so the
 * unit tests can check every path without spawning the program.
 */
#include "workload_layout.h"

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define GOLDEN_GAMMA	0x9e3779b97f4a7c15ull

/* splitmix64's finalizer: a cheap bijective 64-bit mixer. */
/* fabs() without a libm dependency; isfinite() is a macro and needs none. */
static inline double abs_double(double x)
{
	return x < 0 ? -x : x;
}

static inline uint64_t mix64(uint64_t z)
{
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* ------------------------------------------------------------------------ */
/* Number parsing                                                            */

/*
 * strtoull() happily accepts leading blanks and a minus sign ("-1" becomes
 * UINT64_MAX), so insist on a leading digit and reject anything else.
 */
int wl_parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	unsigned long long v;
	char *end;

	if (!s || *s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *end || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

int wl_parse_double(const char *s, double min, double max, double *out)
{
	double v;
	char *end;

	if (!s || !((*s >= '0' && *s <= '9') || *s == '.'))
		return -1;
	errno = 0;
	v = strtod(s, &end);
	if (errno || *end || end == s || !isfinite(v) || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

/* ------------------------------------------------------------------------ */
/* Options                                                                   */

enum {
	OPT_DUP = 256,
	OPT_ZERO,
	OPT_UNIQUE,
	OPT_VOLATILE,
	OPT_FIRST_PROC,
	OPT_MODE,
	OPT_JSON,
	OPT_MPS,
	OPT_VOLATILE_SHARED,
	OPT_STRUCTURED,
};

static const struct option wl_longopts[] = {
	{ "procs",		required_argument, NULL, 'p' },
	{ "mib",		required_argument, NULL, 'm' },
	{ "dup",		required_argument, NULL, OPT_DUP },
	{ "zero",		required_argument, NULL, OPT_ZERO },
	{ "unique",		required_argument, NULL, OPT_UNIQUE },
	{ "volatile",		required_argument, NULL, OPT_VOLATILE },
	{ "seed",		required_argument, NULL, 's' },
	{ "duration",		required_argument, NULL, 'd' },
	{ "volatile-rate",	required_argument, NULL, 'r' },
	{ "first-proc",		required_argument, NULL, OPT_FIRST_PROC },
	{ "mode",		required_argument, NULL, OPT_MODE },
	{ "max-page-sharing",	required_argument, NULL, OPT_MPS },
	{ "volatile-shared",	no_argument,	   NULL, OPT_VOLATILE_SHARED },
	{ "structured",		no_argument,	   NULL, OPT_STRUCTURED },
	{ "json",		no_argument,	   NULL, OPT_JSON },
	{ "quiet",		no_argument,	   NULL, 'q' },
	{ "help",		no_argument,	   NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

/* Leading ':' makes getopt report a missing argument as ':' not '?'. */
static const char wl_shortopts[] = ":p:m:s:d:r:qh";

void wl_options_init(struct wl_options *o)
{
	memset(o, 0, sizeof(*o));
	o->procs = WL_DEF_PROCS;
	o->mib = WL_DEF_MIB;
	o->frac.dup = WL_DEF_DUP;
	o->frac.zero = WL_DEF_ZERO;
	o->frac.unique = WL_DEF_UNIQUE;
	o->frac.volatil = WL_DEF_VOLATILE;
	o->seed = WL_DEF_SEED;
	o->volatile_rate = WL_DEF_RATE;
	o->mode = WL_MODE_MADVISE;
}

static const char *opt_name(int val, char buf[3])
{
	const struct option *lo;

	for (lo = wl_longopts; lo->name; lo++)
		if (lo->val == val)
			return lo->name;
	buf[0] = '-';
	buf[1] = (char)val;
	buf[2] = '\0';
	return buf;
}

static int bad_value(char *err, size_t errlen, int val, const char *arg,
		     const char *expect)
{
	char buf[3];

	snprintf(err, errlen, "invalid --%s value '%s' (expected %s)",
		 opt_name(val, buf), arg, expect);
	return -1;
}

static int parse_uint_opt(char *err, size_t errlen, int val, const char *arg,
			  uint64_t min, uint64_t max, uint64_t *out)
{
	char expect[96];

	if (!wl_parse_u64(arg, min, max, out))
		return 0;
	snprintf(expect, sizeof(expect), "an integer in %llu..%llu",
		 (unsigned long long)min, (unsigned long long)max);
	return bad_value(err, errlen, val, arg, expect);
}

static int parse_frac_opt(char *err, size_t errlen, int val, const char *arg,
			  double *out)
{
	if (!wl_parse_double(arg, 0.0, 1.0, out))
		return 0;
	return bad_value(err, errlen, val, arg, "a fraction in [0,1]");
}

/* Apply one option; returns 0 or -1 with err filled in. */
static int apply_opt(struct wl_options *o, int c, const char *arg, char *err,
		     size_t errlen)
{
	uint64_t v;

	switch (c) {
	case 'p':
		if (parse_uint_opt(err, errlen, c, arg, WL_PROCS_MIN,
				   WL_PROCS_MAX, &v))
			return -1;
		o->procs = (unsigned int)v;
		return 0;
	case 'm':
		return parse_uint_opt(err, errlen, c, arg, WL_MIB_MIN,
				      WL_MIB_MAX, &o->mib);
	case OPT_DUP:
		return parse_frac_opt(err, errlen, c, arg, &o->frac.dup);
	case OPT_ZERO:
		return parse_frac_opt(err, errlen, c, arg, &o->frac.zero);
	case OPT_UNIQUE:
		return parse_frac_opt(err, errlen, c, arg, &o->frac.unique);
	case OPT_VOLATILE:
		return parse_frac_opt(err, errlen, c, arg, &o->frac.volatil);
	case 's':
		return parse_uint_opt(err, errlen, c, arg, 0, UINT64_MAX,
				      &o->seed);
	case 'd':
		if (!wl_parse_double(arg, 0.0, WL_DURATION_MAX, &o->duration))
			return 0;
		return bad_value(err, errlen, c, arg,
				 "a number of seconds in 0..8640000");
	case 'r':
		return parse_uint_opt(err, errlen, c, arg, 0, WL_RATE_MAX,
				      &o->volatile_rate);
	case OPT_FIRST_PROC:
		return parse_uint_opt(err, errlen, c, arg, 0,
				      WL_FIRST_PROC_MAX, &o->first_proc);
	case OPT_MPS:
		if (parse_uint_opt(err, errlen, c, arg, WL_MPS_MIN,
				   WL_MPS_MAX, &v))
			return -1;
		o->max_page_sharing = (unsigned int)v;
		return 0;
	case OPT_MODE:
		if (!strcmp(arg, "madvise"))
			o->mode = WL_MODE_MADVISE;
		else if (!strcmp(arg, "prctl"))
			o->mode = WL_MODE_PRCTL;
		else if (!strcmp(arg, "none"))
			o->mode = WL_MODE_NONE;
		else
			return bad_value(err, errlen, c, arg,
					 "'madvise', 'prctl' or 'none'");
		return 0;
	case OPT_JSON:
		o->json = true;
		return 0;
	case OPT_VOLATILE_SHARED:
		o->volatile_shared = true;
		return 0;
	case OPT_STRUCTURED:
		o->structured = true;
		return 0;
	case 'q':
		o->quiet = true;
		return 0;
	case 'h':
		o->help = true;
		return 0;
	}
	snprintf(err, errlen, "internal error: unhandled option %d", c);
	return -1;
}

/* Turn getopt's '?' / ':' into a message; argv[optind - 1] is the culprit. */
static void getopt_error(int c, int argc, char *const argv[], char *err,
			 size_t errlen)
{
	const char *word = optind > 0 && optind <= argc ? argv[optind - 1] : "?";
	const struct option *lo;
	char buf[3];

	if (c == ':') {
		if (optopt >= 256 || !strncmp(word, "--", 2))
			snprintf(err, errlen,
				 "option '--%s' requires an argument",
				 opt_name(optopt, buf));
		else
			snprintf(err, errlen,
				 "option requires an argument -- '%c'", optopt);
		return;
	}
	for (lo = wl_longopts; lo->name; lo++) {
		if (optopt && lo->val == optopt && !strncmp(word, "--", 2)) {
			snprintf(err, errlen,
				 "option '--%s' doesn't allow an argument",
				 lo->name);
			return;
		}
	}
	if (optopt && optopt < 256)
		snprintf(err, errlen, "invalid option -- '%c'", optopt);
	else
		snprintf(err, errlen, "unrecognized or ambiguous option '%s'",
			 word);
}

enum wl_parse_result wl_parse_args(struct wl_options *o, int argc,
				   char *const argv[], char *err,
				   size_t errlen)
{
	double sum;
	int c;

	wl_options_init(o);
	err[0] = '\0';
	/* optind = 0 makes glibc fully reinitialise, so tests can re-parse. */
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, wl_shortopts, wl_longopts,
				NULL)) != -1) {
		if (c == '?' || c == ':') {
			getopt_error(c, argc, argv, err, errlen);
			return WL_PARSE_USAGE;
		}
		if (apply_opt(o, c, optarg, err, errlen))
			return WL_PARSE_USAGE;
	}
	if (optind < argc) {
		snprintf(err, errlen, "unexpected argument '%s'", argv[optind]);
		return WL_PARSE_USAGE;
	}
	if (o->help)
		return WL_PARSE_HELP;
	sum = wl_fractions_sum(&o->frac);
	if (abs_double(sum - 1.0) > WL_FRAC_EPSILON) {
		snprintf(err, errlen,
			 "fractions must sum to 1: dup %g + zero %g + unique %g + volatile %g = %.9g",
			 o->frac.dup, o->frac.zero, o->frac.unique,
			 o->frac.volatil, sum);
		return WL_PARSE_USAGE;
	}
	return WL_PARSE_OK;
}

/* ------------------------------------------------------------------------ */
/* Layout and expected KSM figures                                           */

double wl_fractions_sum(const struct wl_fractions *f)
{
	return f->dup + f->zero + f->unique + f->volatil;
}

/*
 * KSM groups identical pages on KSM pages carrying at most max_page_sharing
 * mappings each; each KSM page counts once in pages_shared and its other
 * mappings in pages_sharing.  A lone leftover mapping (n % mps == 1) is never
 * merged: once every existing KSM page of that content is full, the kernel
 * waits for a second candidate in the unstable tree to start a new one
 * (stable_tree_search() in mm/ksm.c).  pages_sharing equals n - ceil(n / mps)
 * either way; only pages_shared differs from the naive ceil() count.
 */
void wl_ksm_expect(uint64_t n, unsigned int max_page_sharing,
		   uint64_t *shared, uint64_t *sharing)
{
	uint64_t full, rem;

	if (n < 2 || max_page_sharing < 2) {
		*shared = 0;
		*sharing = 0;
		return;
	}
	full = n / max_page_sharing;
	rem = n % max_page_sharing;
	*shared = full + (rem >= 2);
	*sharing = n - *shared - (rem == 1);
}

/*
 * floor(frac * n), but forgive binary rounding: 0.3 * 10 is 2.9999999999999996
 * in doubles and the user clearly meant 3.
 */
static uint64_t frac_pages(double frac, uint64_t n)
{
	double x = frac * (double)n;
	uint64_t fl = (uint64_t)x;	/* x >= 0: truncation is floor */
	double tol = 1e-9 * (x > 1.0 ? x : 1.0);

	return (double)(fl + 1) - x <= tol ? fl + 1 : fl;
}

static uint64_t min_u64(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

int wl_layout_compute(struct wl_layout *l, unsigned int procs,
		      uint64_t pages_per_proc, const struct wl_fractions *f,
		      unsigned int max_page_sharing)
{
	uint64_t n = pages_per_proc, left = pages_per_proc;
	uint64_t shared, sharing;

	memset(l, 0, sizeof(*l));
	if (procs < 1 || !pages_per_proc || max_page_sharing < 2)
		return -1;
	if (!(f->dup >= 0 && f->dup <= 1 && f->zero >= 0 && f->zero <= 1 &&
	      f->unique >= 0 && f->unique <= 1 && f->volatil >= 0 &&
	      f->volatil <= 1) ||
	    abs_double(wl_fractions_sum(f) - 1.0) > WL_FRAC_EPSILON)
		return -1;

	l->procs = procs;
	l->pages_per_proc = n;
	l->max_page_sharing = max_page_sharing;
	/*
	 * The sum may exceed 1 by up to the tolerance, so clamp each floor
	 * to what is left; unique takes the remainder so counts sum to n.
	 */
	l->count[WL_DUP] = min_u64(frac_pages(f->dup, n), left);
	left -= l->count[WL_DUP];
	l->count[WL_ZERO] = min_u64(frac_pages(f->zero, n), left);
	left -= l->count[WL_ZERO];
	l->count[WL_VOLATILE] = min_u64(frac_pages(f->volatil, n), left);
	left -= l->count[WL_VOLATILE];
	l->count[WL_UNIQUE] = left;

	/* Each dup content is mapped once per process. */
	wl_ksm_expect(procs, max_page_sharing, &shared, &sharing);
	l->expected_pages_shared = l->count[WL_DUP] * shared;
	l->expected_pages_sharing = l->count[WL_DUP] * sharing;
	/* All zero pages of all processes are one content. */
	wl_ksm_expect(l->count[WL_ZERO] * procs, max_page_sharing, &shared,
		      &sharing);
	l->expected_pages_shared += shared;
	l->expected_pages_sharing += sharing;
	return 0;
}

/* ------------------------------------------------------------------------ */
/* Page placement                                                            */

#define FEISTEL_ROUNDS	4

/* One keyed Feistel pass over a domain of 2 * half bits. */
static uint64_t feistel(uint64_t x, unsigned int half, uint64_t seed,
			uint64_t n)
{
	uint64_t mask = (1ull << half) - 1;
	uint64_t left = x >> half, right = x & mask, tmp;
	unsigned int r;

	for (r = 0; r < FEISTEL_ROUNDS; r++) {
		tmp = right;
		right = left ^ (mix64(right ^ mix64(seed + n * GOLDEN_GAMMA +
						    r)) & mask);
		left = tmp;
	}
	return (left << half) | right;
}

/*
 * A keyed permutation of [0, n) without a table: a Feistel network is a
 * bijection on [0, 4^half), and cycle-walking (re-applying it until the value
 * lands inside [0, n)) restricts it to a bijection on [0, n).  The domain is
 * less than 4n, so the walk is short on average.
 */
uint64_t wl_permute(uint64_t i, uint64_t n, uint64_t seed)
{
	unsigned int bits = 0, half;
	uint64_t x = i;

	if (n < 2)
		return 0;
	while (bits < 64 && ((n - 1) >> bits))
		bits++;
	half = (bits + 1) / 2;
	do
		x = feistel(x, half, seed, n);
	while (x >= n);
	return x;
}

/*
 * Rank the pages with a seed-keyed permutation and cut the ranks into class
 * ranges: classes come out interleaved over the area, with exact counts, and
 * identical in every process using the same seed and size.
 */
/* The class of the page of rank @rank when classes are laid out in order. */
struct wl_slot wl_classify_in_order(const struct wl_layout *l, uint64_t rank)
{
	struct wl_slot s = { .class = WL_DUP, .index = rank };
	int c;

	for (c = 0; c < WL_NR_CLASSES; c++) {
		if (s.index < l->count[c] || c == WL_NR_CLASSES - 1) {
			s.class = (enum wl_class)c;
			return s;
		}
		s.index -= l->count[c];
	}
	return s;
}

struct wl_slot wl_classify(const struct wl_layout *l, uint64_t seed,
			   uint64_t page)
{
	return wl_classify_in_order(l, wl_permute(page, l->pages_per_proc, seed));
}

const char *wl_class_name(enum wl_class c)
{
	static const char *const names[WL_NR_CLASSES] = {
		[WL_DUP] = "dup",
		[WL_ZERO] = "zero",
		[WL_UNIQUE] = "unique",
		[WL_VOLATILE] = "volatile",
	};

	return (unsigned int)c < WL_NR_CLASSES ? names[c] : "?";
}

/* ------------------------------------------------------------------------ */
/* Page content                                                              */

/*
 * Non-zero pages start with their identity in clear, so distinct identities
 * give distinct pages (no reliance on hash luck) and a corrupted page can be
 * traced to the page whose content it holds.  The rest is a splitmix64
 * stream keyed by the identity.  Zero pages are all zeros.
 */
static void page_header(uint64_t hdr[WL_HDR_WORDS], const struct wl_page_id *id)
{
	hdr[0] = (WL_MAGIC << 32) | (uint64_t)id->class;
	hdr[1] = id->seed;
	hdr[2] = id->proc;
	hdr[3] = id->page;
	hdr[4] = id->gen;
}

static uint64_t header_hash(const uint64_t hdr[WL_HDR_WORDS])
{
	uint64_t h = 0;
	int k;

	for (k = 0; k < WL_HDR_WORDS; k++)
		h = mix64(h ^ (hdr[k] + GOLDEN_GAMMA * (k + 1)));
	return h;
}

void wl_page_fill(uint64_t *page, size_t words, const struct wl_page_id *id)
{
	uint64_t hdr[WL_HDR_WORDS], h;
	size_t w;

	if (id->class == WL_ZERO) {
		memset(page, 0, words * sizeof(*page));
		return;
	}
	page_header(hdr, id);
	for (w = 0; w < WL_HDR_WORDS && w < words; w++)
		page[w] = hdr[w];
	h = header_hash(hdr);
	for (; w < words; w++)
		page[w] = mix64(h + w * GOLDEN_GAMMA);
}

long wl_page_check(const uint64_t *page, size_t words,
		   const struct wl_page_id *id)
{
	uint64_t hdr[WL_HDR_WORDS], h;
	size_t w;

	if (id->class == WL_ZERO) {
		for (w = 0; w < words; w++)
			if (page[w])
				return (long)w;
		return -1;
	}
	page_header(hdr, id);
	for (w = 0; w < WL_HDR_WORDS && w < words; w++)
		if (page[w] != hdr[w])
			return (long)w;
	h = header_hash(hdr);
	for (; w < words; w++)
		if (page[w] != mix64(h + w * GOLDEN_GAMMA))
			return (long)w;
	return -1;
}

bool wl_page_id_decode(const uint64_t hdr[WL_HDR_WORDS],
		       struct wl_page_id *id)
{
	uint64_t cls = hdr[0] & 0xffffffffull;
	int k;

	memset(id, 0, sizeof(*id));
	for (k = 0; k < WL_HDR_WORDS && !hdr[k]; k++)
		;
	if (k == WL_HDR_WORDS) {
		id->class = WL_ZERO;
		return true;
	}
	if (hdr[0] >> 32 != WL_MAGIC || cls >= WL_NR_CLASSES ||
	    cls == WL_ZERO)
		return false;
	id->class = (enum wl_class)cls;
	id->seed = hdr[1];
	id->proc = hdr[2];
	id->page = hdr[3];
	id->gen = hdr[4];
	return true;
}
