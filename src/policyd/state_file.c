// SPDX-License-Identifier: GPL-2.0
/*
 * The state file's text (pure).  One line per knob ksm-policyd saved:
 *
 *   # ksm-policyd: KSM knobs as found at start, and the last two writes
 *   pid 1234
 *   knob pages_to_scan 100 2692 1250
 *   knob sleep_millisecs 20 10 -
 *   end
 *
 * "-" stands for a write that never happened.  A write is recorded before
 * it is made, so a daemon killed in between left the one before it: both
 * are ours.  A file without the last column (an older ksm-policyd) is read
 * as having no write before the last.  The file is rewritten in place
 * (it carries the daemon's lock), so "end" marks where the current text
 * stops; a file without it is incomplete and is refused.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "policyd.h"

const char *const policyd_knob_names[POLICYD_NR_KNOBS] = {
	[POLICYD_KNOB_ADVISOR] = "advisor_mode",
	[POLICYD_KNOB_RUN] = "run",
	[POLICYD_KNOB_SLEEP] = "sleep_millisecs",
	[POLICYD_KNOB_PAGES] = "pages_to_scan",
};

int policyd_state_file_format(const struct policyd_state_file *ks, char *buf,
			      size_t len)
{
	size_t n = 0;
	int i, r;

	r = snprintf(buf, len,
		     "# ksm-policyd: KSM knobs as found at start, and the last two writes\npid %d\n",
		     ks->pid);
	if (r < 0 || (size_t)r >= len)
		return -ENOSPC;
	n = r;
	for (i = 0; i < POLICYD_NR_KNOBS; i++) {
		if (!ks->k[i].saved)
			continue;
		r = snprintf(buf + n, len - n, "knob %s %s %s %s\n",
			     policyd_knob_names[i], ks->k[i].orig,
			     ks->k[i].last[0] ? ks->k[i].last : "-",
			     ks->k[i].prev[0] ? ks->k[i].prev : "-");
		if (r < 0 || (size_t)r >= len - n)
			return -ENOSPC;
		n += r;
	}
	r = snprintf(buf + n, len - n, "end\n");
	if (r < 0 || (size_t)r >= len - n)
		return -ENOSPC;
	return (int)(n + r);
}

static int knob_index(const char *name)
{
	int i;

	for (i = 0; i < POLICYD_NR_KNOBS; i++)
		if (!strcmp(name, policyd_knob_names[i]))
			return i;
	return -1;
}

int policyd_state_file_parse(const char *text, struct policyd_state_file *ks)
{
	char line[256], name[64], orig[64], last[64], prev[64];
	const char *p = text;
	bool ended = false, have_pid = false;

	memset(ks, 0, sizeof(*ks));
	while (*p && !ended) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);
		char extra;
		int i, f;

		if (n >= sizeof(line))
			return -EINVAL;
		memcpy(line, p, n);
		line[n] = '\0';
		p += n + (nl ? 1 : 0);
		if (!line[0] || line[0] == '#')
			continue;
		if (!strcmp(line, "end")) {
			ended = true;
		} else if (sscanf(line, "pid %d", &ks->pid) == 1) {
			have_pid = true;
		} else if ((f = sscanf(line, "knob %63s %63s %63s %63s %c", name,
				      orig, last, prev, &extra)) == 3 || f == 4) {
			i = knob_index(name);
			if (f == 3)
				strcpy(prev, "-");
			if (i < 0 || strlen(orig) >= POLICYD_KNOB_VAL ||
			    strlen(last) >= POLICYD_KNOB_VAL ||
			    strlen(prev) >= POLICYD_KNOB_VAL || ks->k[i].saved)
				return -EINVAL;
			ks->k[i].saved = true;
			strcpy(ks->k[i].orig, orig);
			strcpy(ks->k[i].last, strcmp(last, "-") ? last : "");
			strcpy(ks->k[i].prev, strcmp(prev, "-") ? prev : "");
		} else {
			return -EINVAL;
		}
	}
	return ended && have_pid ? 0 : -EINVAL;
}

enum policyd_restore policyd_restore_action(const char *orig, const char *last,
					    const char *prev, const char *now)
{
	if (!strcmp(now, orig))
		return POLICYD_RESTORE_NOTHING;
	/* Only a value we wrote is ours to undo. */
	if ((last[0] && !strcmp(now, last)) || (prev[0] && !strcmp(now, prev)))
		return POLICYD_RESTORE_WRITE;
	return POLICYD_RESTORE_FOREIGN;
}
