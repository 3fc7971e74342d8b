/* SPDX-License-Identifier: GPL-2.0 */
/* Minimal JSON writing helpers for --json outputs. */
#ifndef KSM_EXT_JSON_OUT_H
#define KSM_EXT_JSON_OUT_H

#include <stdio.h>

/* Print @s as a JSON string literal, escaping quotes, backslashes and
 * control characters, and writing each byte that is not well-formed UTF-8
 * as U+FFFD (process names can hold anything; JSON text is UTF-8). */
void json_print_str(FILE *f, const char *s);

#endif
