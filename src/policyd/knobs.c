// SPDX-License-Identifier: GPL-2.0
/*
 * ksm-policyd owns a few KSM knobs while it runs and gives them back when
 * it stops.  The state file (default /run/ksm-policyd.state) records each
 * knob's value at start and the last two values written; it is rewritten
 * before every write (so the value before that write is ours too), and
 * holds an flock() for as long as the daemon lives, so:
 *  - a second ksm-policyd finds the lock taken and refuses to start;
 *  - a start that finds the file unlocked knows its writer was killed, and
 *    restores the knobs it recorded before doing anything else;
 *  - a knob someone else changed since our last write is theirs: restoring
 *    leaves it alone (policyd_restore_action()).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "daemon.h"

static int read_knob(const char *dir, enum policyd_knob which, char *out,
		     size_t len)
{
	char buf[128];
	int err;

	err = ksm_sysfs_read_str(dir, policyd_knob_names[which], buf, sizeof(buf));
	if (err)
		return err;
	/* advisor_mode reads "[none] scan-time": keep the selected word. */
	if (strchr(buf, '['))
		return ksm_parse_selector(buf, out, len);
	buf[strcspn(buf, "\n")] = '\0';
	if (strlen(buf) >= len)
		return -EINVAL;
	strcpy(out, buf);
	return 0;
}

static int save_state(struct policyd_knob_io *k)
{
	char buf[1024];
	int n;

	if (k->state_fd < 0)
		return 0;
	n = policyd_state_file_format(&k->ks, buf, sizeof(buf));
	if (n < 0)
		return n;
	if (pwrite(k->state_fd, buf, n, 0) != n || ftruncate(k->state_fd, n))
		return -errno ? -errno : -EIO;
	return 0;
}

/* Undo @ks (a state file's knobs) on @dir; logs each knob it touches. */
static int restore(const char *dir, const struct policyd_state_file *ks)
{
	char now[POLICYD_NR_KNOBS][POLICYD_KNOB_VAL];
	enum policyd_restore act[POLICYD_NR_KNOBS];
	int i, err, ret = 0;

	/* Decide from the values before any write: restoring advisor_mode
	 * resets pages_to_scan, which would look like a foreign write. */
	for (i = 0; i < POLICYD_NR_KNOBS; i++) {
		act[i] = POLICYD_RESTORE_NOTHING;
		if (!ks->k[i].saved)
			continue;
		err = read_knob(dir, i, now[i], sizeof(now[i]));
		if (err) {
			policyd_log("cannot read %s to restore it: %s",
				    policyd_knob_names[i], strerror(-err));
			ret = err;
			continue;
		}
		act[i] = policyd_restore_action(ks->k[i].orig, ks->k[i].last,
						ks->k[i].prev, now[i]);
	}
	for (i = 0; i < POLICYD_NR_KNOBS; i++) {
		if (act[i] == POLICYD_RESTORE_FOREIGN) {
			policyd_log("%s is %s, not the %s ksm-policyd wrote: someone else set it, left as is",
				    policyd_knob_names[i], now[i],
				    ks->k[i].last[0] ? ks->k[i].last : "(nothing)");
		} else if (act[i] == POLICYD_RESTORE_WRITE) {
			err = ksm_sysfs_write_str(dir, policyd_knob_names[i],
						  ks->k[i].orig);
			if (err) {
				policyd_log("cannot restore %s=%s: %s",
					    policyd_knob_names[i], ks->k[i].orig,
					    strerror(-err));
				ret = err;
			} else {
				policyd_log("restored %s %s -> %s",
					    policyd_knob_names[i], now[i],
					    ks->k[i].orig);
			}
		}
	}
	return ret;
}

/* A predecessor's file, unlocked: it was killed.  Undo its writes. */
static int recover(struct policyd_knob_io *k)
{
	struct policyd_state_file old;
	char buf[1024];
	ssize_t n;

	n = pread(k->state_fd, buf, sizeof(buf) - 1, 0);
	if (n < 0)
		return -errno;
	if (n == 0)
		return 0;
	buf[n] = '\0';
	if (policyd_state_file_parse(buf, &old)) {
		policyd_log("%s is not a ksm-policyd state file: refusing to overwrite it",
			    k->state_path);
		return -EINVAL;
	}
	policyd_log("ksm-policyd (pid %d) did not exit cleanly: restoring the knobs it recorded in %s",
		    old.pid, k->state_path);
	return restore(k->sysfs_dir, &old);
}

int knobs_open(struct policyd_knob_io *k, const char *sysfs_dir,
	       const char *state_path, bool dry_run, bool save_run,
	       bool save_advisor)
{
	int i, err;

	memset(k, 0, sizeof(*k));
	k->sysfs_dir = sysfs_dir;
	k->state_path = state_path;
	k->dry_run = dry_run;
	k->state_fd = -1;
	k->ks.pid = getpid();

	if (!dry_run && state_path) {
		/* Only this daemon reads it back: 0600, whatever the umask
		 * or the mode of a file an older version left. */
		k->state_fd = open(state_path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
		if (k->state_fd >= 0 && fchmod(k->state_fd, 0600)) {
			close(k->state_fd);
			k->state_fd = -1;
		}
		if (k->state_fd < 0) {
			err = -errno;
			policyd_log("cannot open the state file %s: %s",
				    state_path, strerror(errno));
			return err;
		}
		if (flock(k->state_fd, LOCK_EX | LOCK_NB)) {
			err = errno == EWOULDBLOCK ? -EBUSY : -errno;
			policyd_log(err == -EBUSY ?
				    "another ksm-policyd is running (it holds %s)" :
				    "cannot lock %s: %s", state_path, strerror(errno));
			close(k->state_fd);
			k->state_fd = -1;
			return err;
		}
		/* Not recovered: keep the file, the only record of what to undo. */
		err = recover(k);
		if (err) {
			close(k->state_fd);
			k->state_fd = -1;
			return err;
		}
	}

	for (i = 0; i < POLICYD_NR_KNOBS; i++) {
		if ((i == POLICYD_KNOB_RUN && !save_run) ||
		    (i == POLICYD_KNOB_ADVISOR && !save_advisor))
			continue;
		err = read_knob(sysfs_dir, i, k->ks.k[i].orig,
				sizeof(k->ks.k[i].orig));
		if (err) {
			policyd_log("cannot read %s/%s: %s", sysfs_dir,
				    policyd_knob_names[i], strerror(-err));
			return err;
		}
		k->ks.k[i].saved = true;
	}
	err = save_state(k);
	if (err)
		policyd_log("cannot write the state file %s: %s", state_path,
			    strerror(-err));
	return err;
}

int knobs_write(struct policyd_knob_io *k, enum policyd_knob which,
		const char *val)
{
	int err;

	if (k->dry_run)
		return 0;
	if (strlen(val) >= POLICYD_KNOB_VAL)
		return -EINVAL;
	/* Killed before the write below, the knob still holds the last one. */
	strcpy(k->ks.k[which].prev, k->ks.k[which].last);
	strcpy(k->ks.k[which].last, val);
	err = save_state(k);
	if (err) {
		policyd_log("cannot update the state file %s: %s",
			    k->state_path, strerror(-err));
		return err;
	}
	err = ksm_sysfs_write_str(k->sysfs_dir, policyd_knob_names[which], val);
	if (err)
		policyd_log("cannot write %s=%s: %s", policyd_knob_names[which], val,
			    strerror(-err));
	return err;
}

int knobs_write_u64(struct policyd_knob_io *k, enum policyd_knob which,
		    uint64_t val)
{
	char buf[24];

	snprintf(buf, sizeof(buf), "%llu", (unsigned long long)val);
	return knobs_write(k, which, buf);
}

int knobs_restore(struct policyd_knob_io *k)
{
	int err;

	if (k->state_fd < 0)
		return 0;
	err = restore(k->sysfs_dir, &k->ks);
	/* Only a complete restore may drop the record of what to undo. */
	if (!err)
		unlink(k->state_path);
	close(k->state_fd);
	k->state_fd = -1;
	return err;
}
