/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What ksm-loader, ksm-policyd and ksm-top do alike on the command line:
 * their exit statuses, what libbpf may print, and which --pin-dir they
 * accept.
 */
#ifndef KSM_EXT_CLI_H
#define KSM_EXT_CLI_H

#include <stdbool.h>
#include <stddef.h>

/* The exit statuses of all three programs, as their manuals say. */
enum { EXIT_OK = 0, EXIT_FAIL = 1, EXIT_USAGE = 2 };

/*
 * libbpf's warnings and notes (a verifier log among them) go to stderr only
 * when @verbose, its debug trace never; otherwise our own one-line errors
 * say what failed, and ksm-top's screen stays whole.
 */
void cli_libbpf_print(bool verbose);

/*
 * The text for an error libbpf returned (negative or not): libbpf's own
 * codes (4000 and up: "BPF object format invalid", ...), which strerror()
 * calls "Unknown error 4001", and errno values alike.  BPF_STRERROR()
 * gives a buffer that lives until the end of the enclosing block, e.g. a
 * printf() call's arguments.
 */
const char *cli_bpf_strerror(int err, char *buf, size_t len);
#define BPF_STRERROR(err) cli_bpf_strerror((err), (char[128]){ 0 }, 128)

/*
 * Pure: 0 when @dir may be a pin directory (a path below /sys/fs/bpf/,
 * without ".."); otherwise -EINVAL and the one line to print in @err.
 */
int cli_check_pin_dir(const char *dir, char *err, size_t err_len);

/*
 * getopt_long()'s complaint @c (':' an option without its argument, '?'
 * an unknown one; the optstring starts with ':' and opterr is 0) in the
 * one wording of the three programs, one line in @err: EXIT_USAGE.
 */
int cli_getopt_error(int c, char **argv, char *err, size_t err_len);

/*
 * Make an error message that quotes the user's input one line and inert on
 * a terminal: control characters (a newline, an escape sequence's ESC)
 * become '?'.
 */
void cli_one_line(char *msg);

#endif /* KSM_EXT_CLI_H */
