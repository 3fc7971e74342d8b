/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the libFuzzer targets share.  Each target feeds one parser of text
 * that comes from outside the program (files, the command line, the
 * kernel) and checks the parser's own promises, so a broken invariant
 * crashes like a memory error does.
 */
#ifndef KSM_EXT_FUZZ_H
#define KSM_EXT_FUZZ_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The input as a NUL-terminated string (the parsers take C strings: an
 * embedded NUL just ends the text early, as it would for a file read). */
static inline char *fuzz_str(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	if (!s)
		abort();
	memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

/*
 * A command line from the input: argv[0] = @argv0, then the input's
 * NUL-separated pieces, at most FUZZ_MAX_ARGS; argv[argc] = NULL.  The
 * pieces point into the returned buffer, which the caller frees.
 */
#define FUZZ_MAX_ARGS 16

static inline char *fuzz_argv(const uint8_t *data, size_t size, char *argv0,
			      char *argv[FUZZ_MAX_ARGS + 2], int *argc)
{
	char *text = fuzz_str(data, size), *p = text, *end = text + size;

	*argc = 0;
	argv[(*argc)++] = argv0;
	while (*argc <= FUZZ_MAX_ARGS && p < end) {
		argv[(*argc)++] = p;
		p += strlen(p) + 1;
	}
	argv[*argc] = NULL;
	return text;
}

#define fuzz_assert(cond) do {						\
	if (!(cond)) {							\
		fprintf(stderr, "%s:%d: broken promise: %s\n",		\
			__FILE__, __LINE__, #cond);			\
		abort();						\
	}								\
} while (0)

#endif /* KSM_EXT_FUZZ_H */
