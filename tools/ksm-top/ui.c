// SPDX-License-Identifier: GPL-2.0
/*
 * ksm-top: the ncurses screen.
 *
 *   header     three lines of figures (four with a policy attached: its
 *              own), a line of what is n/a and why
 *   sparklines saved bytes, scan rate, ksmd cpu (when the screen has room)
 *   table      processes, cgroups or merge domains, the sorted column
 *              underlined
 *   status     key hints, or the filter / interval being typed
 *
 * Everything is drawn from the frame that batch mode prints, so both show
 * the same figures.  The loop wakes for the next sample or a key, whichever
 * comes first, and leaves through one exit path that calls endwin(): on q,
 * on a signal (top_quit), and on error.
 */
#include "top.h"

#include <curses.h>
#include <errno.h>
#include <langinfo.h>
#include <locale.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MIN_COLS	40
#define MIN_LINES	8
#define MAX_WAIT_MS	250	/* signals are noticed within this */
#define KEY_CTRL(c)	((c) & 0x1f)
#define KEY_ESC		27

enum ui_mode { UI_NORMAL, UI_HELP, UI_EDIT_FILTER, UI_EDIT_DELAY };

enum ui_pair { P_TITLE = 1, P_NA, P_HEAD, P_SPARK, P_STATUS };

struct ui {
	bool colour;
	bool utf8;
	enum ui_mode mode;
	char edit[TOP_FILTER_LEN];
	char saved_filter[TOP_FILTER_LEN];	/* restored by Esc */
	char msg[128];				/* shown once on the status line */
	int scroll;
	double next_t;				/* next sample, CLOCK_MONOTONIC */
};

enum { KEY_DONE, KEY_QUIT, KEY_NOMEM };

static attr_t attr_of(const struct ui *u, enum ui_pair p)
{
	if (u->colour)
		return COLOR_PAIR(p) | (p == P_TITLE ? A_BOLD : 0);
	switch (p) {
	case P_TITLE:	return A_BOLD;
	case P_NA:	return A_DIM;
	case P_HEAD:
	case P_STATUS:	return A_REVERSE;
	default:
		return A_NORMAL;
	}
}

/* Write @s at (y, x) in @attr, clipped to the screen; returns the new x. */
static int put(int y, int x, attr_t attr, const char *s)
{
	int room = COLS - x, n = (int)strlen(s);

	if (y < 0 || y >= LINES || room <= 0)
		return x;
	/* Leave the bottom-right cell alone: writing it scrolls some terms. */
	if (y == LINES - 1)
		room--;
	if (n > room)
		n = room;
	attrset(attr);
	mvaddnstr(y, x, s, n);
	attrset(A_NORMAL);
	return x + n;
}

/* Header fields from (y, x), wrapping at the screen edge; next free line. */
static int draw_fields(const struct ui *u, int y, int x, const struct top_field *f,
		       size_t n)
{
	size_t i;
	int w;

	for (i = 0; i < n; i++) {
		w = (int)(strlen(f[i].label) + 1 + strlen(f[i].value));
		if (x && x + 2 + w > COLS) {
			y++;
			x = 0;
		}
		if (x)
			x += 2;
		x = put(y, x, A_NORMAL, f[i].label) + 1;
		x = put(y, x, f[i].na ? attr_of(u, P_NA) : A_BOLD, f[i].value);
	}
	return y + 1;
}

static int draw_header(struct top_app *a, const struct ui *u)
{
	struct top_missing m[TOP_MAX_MISSING];
	struct top_field f[TOP_MAX_FIELDS];
	char line[512], when[16];
	time_t t = (time_t)a->frame.s->wall_s;
	size_t i, n, used = 0;
	struct tm tm;
	int y = 0, x;

	localtime_r(&t, &tm);
	strftime(when, sizeof(when), "%H:%M:%S", &tm);
	x = put(0, 0, attr_of(u, P_TITLE), "ksm-top");
	x = put(0, x + 1, A_NORMAL, when);
	for (i = 0; i < TOP_HEADER_LINES; i++) {
		n = top_header_fields(&a->frame, (int)i, f, TOP_MAX_FIELDS);
		if (n)
			y = draw_fields(u, y, i ? 0 : x, f, n);
	}
	/* What is missing, most important first, as much as fits. */
	n = top_missing_list(a->frame.s, a->frame.pin_dir, m, TOP_MAX_MISSING);
	line[0] = '\0';
	for (i = 0; i < n && used < sizeof(line); i++)
		used += snprintf(line + used, sizeof(line) - used, "%s%s",
				 i ? "; " : "n/a: ", m[i].why);
	if (strlen(line) > (size_t)COLS && COLS > 4)
		memcpy(line + COLS - 4, "...", 4);
	put(y, 0, attr_of(u, P_NA), line);
	return y + 1;
}

static void draw_spark(struct top_app *a, const struct ui *u, int y, int idx,
		       const char *label, const char *value)
{
	char spark[TOP_HISTORY * 3 + 1];
	double v[TOP_HISTORY];
	int w = COLS - 11 - 13;
	size_t n;

	if (w < 4)
		return;
	n = top_history_last(&a->hist[idx], v, TOP_HISTORY);
	top_sparkline(v, n, (size_t)w, u->utf8, spark, sizeof(spark));
	put(y, 0, A_NORMAL, label);
	/* Multi-byte glyphs: put() clips by bytes, so draw it whole. */
	attrset(attr_of(u, P_SPARK));
	mvaddstr(y, 11, spark);
	attrset(A_NORMAL);
	snprintf(spark, sizeof(spark), "%12s", value);
	put(y, 11 + w + 1, A_BOLD, spark);
}

static int draw_sparks(struct top_app *a, const struct ui *u, int y)
{
	const struct top_rates *r = &a->frame.r;
	char v[40];

	top_fmt_bytes(r->saved_bytes, v, sizeof(v));
	draw_spark(a, u, y, TOP_HIST_SAVED, "saved", v);
	top_fmt_rate(r->scan_pages_per_s, " pages/s", v, sizeof(v));
	draw_spark(a, u, y + 1, TOP_HIST_SCAN, "scan rate", v);
	top_fmt_pct(r->ksmd_cpu_pct, v, sizeof(v));
	draw_spark(a, u, y + 2, TOP_HIST_CPU, "ksmd cpu", v);
	return y + 3;
}

static size_t sort_index(const struct top_view *v)
{
	enum top_col col = top_view_sort_col(v, v->table);
	const enum top_col *cols;
	size_t i, n;

	top_table_cols(v->table, &cols, &n);
	for (i = 0; i < n; i++)
		if (cols[i] == col)
			return i;
	return 0;
}

static void draw_table(struct top_app *a, struct ui *u, int y, int height)
{
	const struct top_row *rows;
	size_t nrows, ncols;
	const enum top_col *cols;
	int i, start, w, visible = height - 1;
	char line[1024];

	if (height < 1)
		return;
	top_frame_rows(&a->frame, &rows, &nrows);
	top_table_cols(a->view.table, &cols, &ncols);
	top_format_table_head(cols, ncols, COLS, line, sizeof(line));
	put(y, 0, attr_of(u, P_HEAD), line);
	top_col_span(cols, ncols, sort_index(&a->view), COLS, &start, &w);
	if (start < COLS)
		mvchgat(y, start, w < COLS - start ? w : COLS - start,
			attr_of(u, P_HEAD) | A_BOLD | A_UNDERLINE,
			u->colour ? P_HEAD : 0, NULL);
	if (u->scroll > (int)nrows - visible)
		u->scroll = (int)nrows - visible;
	if (u->scroll < 0)
		u->scroll = 0;
	for (i = 0; i < visible && u->scroll + i < (int)nrows; i++) {
		top_format_row(&rows[u->scroll + i], cols, ncols, COLS, line, sizeof(line));
		put(y + 1 + i, 0, A_NORMAL, line);
	}
	if (!nrows && visible > 0 && a->view.table == TOP_TABLE_DOMAINS)
		put(y + 1, 0, attr_of(u, P_NA), "(no merge domains: see n/a above)");
	else if (!nrows && visible > 0)
		put(y + 1, 0, attr_of(u, P_NA), a->view.filter[0] ?
		    "(no process matches the filter; / to change it)" :
		    "(no process has KSM pages: none is mergeable yet)");
}

static void draw_status(struct top_app *a, struct ui *u)
{
	enum top_table t = a->view.table;
	char line[512], bar[512], ival[16], filter[TOP_FILTER_LEN];
	const struct top_row *rows;
	size_t n;

	top_frame_rows(&a->frame, &rows, &n);
	top_fmt_duration(a->view.interval_s, ival, sizeof(ival));
	top_sanitize(a->view.filter, filter, sizeof(filter));
	if (u->mode == UI_EDIT_FILTER)
		snprintf(line, sizeof(line), "filter: %s_   (Enter apply, Esc cancel)", u->edit);
	else if (u->mode == UI_EDIT_DELAY)
		snprintf(line, sizeof(line), "refresh interval in seconds: %s_   (Enter apply, Esc cancel)",
			 u->edit);
	else if (u->msg[0])
		snprintf(line, sizeof(line), "%s", u->msg);
	else
		snprintf(line, sizeof(line), "%s%zu %s%s%s%s  q quit  h help  <> sort  r rev  / filter  c %s  D %s  p pause  +- %s",
			 a->view.paused ? "PAUSED  " : "", n,
			 t == TOP_TABLE_PROCS ? "procs" : top_table_name(t),
			 filter[0] ? " filter \"" : "", filter, filter[0] ? "\"" : "",
			 t == TOP_TABLE_CGROUPS ? "procs" : "cgroups",
			 t == TOP_TABLE_DOMAINS ? "procs" : "domains", ival);
	u->msg[0] = '\0';
	/* Padded, so the bar spans the line. */
	snprintf(bar, sizeof(bar), "%-*s", COLS < (int)sizeof(bar) ? COLS : 0, line);
	put(LINES - 1, 0, attr_of(u, P_STATUS), bar);
}

static void draw_help(struct top_app *a, const struct ui *u)
{
	static const char *const keys[] = {
		"q            quit",
		"h ?          this help (any key returns)",
		"< > Lt Rt    sort by the previous / next column; 1..9: the Nth",
		"r            reverse the sort order",
		"/            filter by command or cgroup (Enter, Esc, empty clears)",
		"c            per-process / per-cgroup view",
		"D            per-process / merge-domain view (memory saved per domain)",
		"p Space      pause / resume",
		"+ - d        refresh interval: up, down, type it",
		"Up Dn PgUp PgDn Home End   scroll;  Ctrl-L redraw",
	};
	struct top_missing m[TOP_MAX_MISSING];
	char line[256];
	size_t i, n;
	int y = 0;

	put(y++, 0, attr_of(u, P_TITLE), "ksm-top help");
	for (i = 0; i < ARRAY_SIZE(keys); i++)
		put(y++, 2, A_NORMAL, keys[i]);
	y++;
	snprintf(line, sizeof(line), "%s sorted by %s%s, filter \"%s\"",
		 top_table_name(a->view.table),
		 top_cols[top_view_sort_col(&a->view, a->view.table)].name,
		 a->view.reverse ? " (reversed)" : "", a->view.filter);
	put(y++, 0, A_NORMAL, line);
	n = top_missing_list(a->frame.s, a->frame.pin_dir, m, TOP_MAX_MISSING);
	put(y++, 0, A_BOLD, n ? "Not available here:" : "Every source is available.");
	for (i = 0; i < n && y < LINES - 2; i++)
		put(y++, 2, attr_of(u, P_NA), m[i].why);
	put(LINES - 1, 0, A_NORMAL, "Every figure and column: ksm-top --help, man ksm-top");
}

static void draw(struct top_app *a, struct ui *u)
{
	int y;

	erase();
	if (COLS < MIN_COLS || LINES < MIN_LINES) {
		put(0, 0, A_BOLD, "ksm-top: terminal too small");
		put(1, 0, A_NORMAL, "need 40x8; q quits");
		refresh();
		return;
	}
	if (u->mode == UI_HELP) {
		draw_help(a, u);
		refresh();
		return;
	}
	y = draw_header(a, u);
	/* Sparklines only when the table keeps at least five rows. */
	if (LINES - y - 2 >= 3 + 6)
		y = draw_sparks(a, u, y);
	draw_table(a, u, y, LINES - 1 - y);
	draw_status(a, u);
	refresh();
}

/* ---- keys ---- */

static const double intervals[] = {
	0.1, 0.2, 0.5, 1, 2, 3, 5, 10, 30, 60, 300, 600, 1800, 3600,
};

static void step_interval(struct top_app *a, struct ui *u, int dir)
{
	size_t i, n = ARRAY_SIZE(intervals);
	double cur = a->view.interval_s, pick = cur;

	for (i = 0; i < n; i++) {
		if (dir > 0 && intervals[i] > cur + 1e-9) {
			pick = intervals[i];
			break;
		}
		if (dir < 0 && intervals[n - 1 - i] < cur - 1e-9) {
			pick = intervals[n - 1 - i];
			break;
		}
	}
	u->next_t += pick - cur;
	a->view.interval_s = pick;
}

static int set_sort(struct top_app *a, struct ui *u, long idx)
{
	const enum top_col *cols;
	size_t n;

	top_table_cols(a->view.table, &cols, &n);
	idx = (idx % (long)n + (long)n) % (long)n;
	a->view.sort = cols[idx];
	a->view.reverse = false;
	return top_app_rebuild(a) ? KEY_NOMEM : KEY_DONE;
}

static void start_edit(struct ui *u, enum ui_mode mode, const char *text)
{
	u->mode = mode;
	snprintf(u->edit, sizeof(u->edit), "%s", text);
}

/* Filter edits apply as they are typed; Esc puts the old filter back. */
static int edit_key(struct top_app *a, struct ui *u, int ch)
{
	size_t len = strlen(u->edit);
	double d;

	if (ch == KEY_ESC) {
		if (u->mode == UI_EDIT_FILTER)
			snprintf(a->view.filter, sizeof(a->view.filter), "%s", u->saved_filter);
		u->mode = UI_NORMAL;
	} else if (ch == '\n' || ch == '\r' || ch == KEY_ENTER) {
		if (u->mode == UI_EDIT_DELAY) {
			if (top_parse_delay(u->edit, &d))
				snprintf(u->msg, sizeof(u->msg), "invalid interval '%s' (%g to %g s)",
					 u->edit, TOP_DELAY_MIN_S, TOP_DELAY_MAX_S);
			else {
				u->next_t += d - a->view.interval_s;
				a->view.interval_s = d;
			}
		}
		u->mode = UI_NORMAL;
	} else if (ch == KEY_BACKSPACE || ch == 127 || ch == '\b') {
		if (len)
			u->edit[len - 1] = '\0';
	} else if (ch == KEY_CTRL('u')) {
		u->edit[0] = '\0';
	} else if (ch >= 32 && ch < 127 && len + 1 < sizeof(u->edit)) {
		u->edit[len] = (char)ch;
		u->edit[len + 1] = '\0';
	} else {
		return KEY_DONE;
	}
	if (u->mode == UI_EDIT_FILTER)
		snprintf(a->view.filter, sizeof(a->view.filter), "%s", u->edit);
	u->scroll = 0;
	return top_app_rebuild(a) ? KEY_NOMEM : KEY_DONE;
}

static int table_page(void)
{
	return LINES > 12 ? LINES - 12 : 1;
}

static int normal_key(struct top_app *a, struct ui *u, int ch)
{
	switch (ch) {
	case 'q': case 'Q':
		return KEY_QUIT;
	case 'h': case '?':
		u->mode = UI_HELP;
		break;
	case '<': case KEY_LEFT:
		return set_sort(a, u, (long)sort_index(&a->view) - 1);
	case '>': case KEY_RIGHT:
		return set_sort(a, u, (long)sort_index(&a->view) + 1);
	case '1' ... '9': {
		const enum top_col *cols;
		size_t n;

		top_table_cols(a->view.table, &cols, &n);
		if ((size_t)(ch - '1') < n)
			return set_sort(a, u, ch - '1');
		break;
	}
	case 'r':
		a->view.reverse = !a->view.reverse;
		return top_app_rebuild(a) ? KEY_NOMEM : KEY_DONE;
	case '/':
		snprintf(u->saved_filter, sizeof(u->saved_filter), "%s", a->view.filter);
		start_edit(u, UI_EDIT_FILTER, a->view.filter);
		break;
	case 'c':
		a->view.table = a->view.table == TOP_TABLE_CGROUPS ?
				TOP_TABLE_PROCS : TOP_TABLE_CGROUPS;
		u->scroll = 0;
		break;
	case 'D':
		a->view.table = a->view.table == TOP_TABLE_DOMAINS ?
				TOP_TABLE_PROCS : TOP_TABLE_DOMAINS;
		u->scroll = 0;
		break;
	case 'p': case ' ':
		a->view.paused = !a->view.paused;
		/* Resuming samples at once; the rates span the pause. */
		if (!a->view.paused)
			u->next_t = top_now_s();
		break;
	case '+': case '=':
		step_interval(a, u, 1);
		break;
	case '-':
		step_interval(a, u, -1);
		break;
	case 'd':
		start_edit(u, UI_EDIT_DELAY, "");
		break;
	case KEY_UP:
		u->scroll--;
		break;
	case KEY_DOWN:
		u->scroll++;
		break;
	case KEY_PPAGE:
		u->scroll -= table_page();
		break;
	case KEY_NPAGE:
		u->scroll += table_page();
		break;
	case KEY_HOME:
		u->scroll = 0;
		break;
	case KEY_END:
		u->scroll = 1 << 30; /* clamped when drawn */
		break;
	case KEY_CTRL('l'):
		clearok(curscr, TRUE);
		break;
	default:
		break;
	}
	return KEY_DONE;
}

static int on_key(struct top_app *a, struct ui *u, int ch)
{
	if (ch == KEY_RESIZE)
		return KEY_DONE;	/* ncurses has resized; the redraw follows */
	if (u->mode == UI_HELP) {
		u->mode = UI_NORMAL;
		return KEY_DONE;
	}
	if (u->mode == UI_EDIT_FILTER || u->mode == UI_EDIT_DELAY)
		return edit_key(a, u, ch);
	return normal_key(a, u, ch);
}

/* ---- the loop ---- */

static int wait_ms(const struct top_app *a, const struct ui *u)
{
	double ms = (u->next_t - top_now_s()) * 1000;

	if (a->view.paused || ms > MAX_WAIT_MS)
		return MAX_WAIT_MS;
	return ms < 0 ? 0 : (int)ms;
}

/* 0 when the user quit or a signal came, -ENOMEM. */
static int ui_loop(struct top_app *a, struct ui *u)
{
	bool dirty = true;
	long frames = 0;
	int ch, r;

	u->next_t = top_now_s();
	while (!top_quit) {
		if (!a->view.paused && top_now_s() >= u->next_t) {
			/* -n: the last frame stays up for one interval. */
			if (a->iterations && frames >= a->iterations)
				break;
			if (top_app_tick(a))
				return -ENOMEM;
			frames++;
			u->next_t = top_now_s() + a->view.interval_s;
			dirty = true;
		}
		if (dirty)
			draw(a, u);
		dirty = false;
		timeout(wait_ms(a, u));
		ch = getch();
		if (ch == ERR)
			continue;
		r = on_key(a, u, ch);
		if (r == KEY_QUIT)
			break;
		if (r == KEY_NOMEM)
			return -ENOMEM;
		dirty = true;
	}
	return 0;
}

static void ui_colours(struct ui *u, bool mono)
{
	u->colour = !mono && has_colors() && start_color() == OK;
	if (!u->colour)
		return;
	/* -1: the terminal's own background, where it has one. */
	if (use_default_colors() != OK)
		assume_default_colors(COLOR_WHITE, COLOR_BLACK);
	init_pair(P_TITLE, COLOR_CYAN, -1);
	init_pair(P_NA, COLOR_YELLOW, -1);
	init_pair(P_HEAD, COLOR_BLACK, COLOR_CYAN);
	init_pair(P_SPARK, COLOR_GREEN, -1);
	init_pair(P_STATUS, COLOR_BLACK, COLOR_WHITE);
}

int top_ui_run(struct top_app *a)
{
	struct ui u = { 0 };
	const char *term = getenv("TERM");
	SCREEN *scr;
	int err;

	setlocale(LC_ALL, "");
	u.utf8 = !strcmp(nl_langinfo(CODESET), "UTF-8");
	/* newterm(), unlike initscr(), returns an error instead of exiting. */
	scr = newterm(NULL, stdout, stdin);
	if (!scr) {
		fprintf(stderr, "ksm-top: cannot drive this terminal (TERM=%s); try -b\n",
			term ? term : "unset");
		return EXIT_FAIL;
	}
	set_escdelay(25);
	cbreak();
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	curs_set(0);
	ui_colours(&u, a->mono);

	err = ui_loop(a, &u);

	/* The one exit path: q, a signal and an error all come here. */
	endwin();
	delscreen(scr);
	if (err) {
		fprintf(stderr, "ksm-top: out of memory\n");
		return EXIT_FAIL;
	}
	return EXIT_OK;
}
