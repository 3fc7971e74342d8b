/* SPDX-License-Identifier: GPL-2.0 */
/* Minimal JSON writing helpers for --json outputs. */
#ifndef KSM_EXT_JSON_OUT_H
#define KSM_EXT_JSON_OUT_H

#include <stdio.h>

/* Print @s as a JSON string literal, escaping quotes, backslashes and
 * control characters (process names can hold anything). */
void json_print_str(FILE *f, const char *s);

#endif
