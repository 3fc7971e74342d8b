/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The JSON writer of ksm-top --json and ksm-loader --json: objects and
 * arrays on one line, commas placed for the caller.  A member has a key;
 * an array element is written with key NULL.  Strings (keys too: a
 * policy's BTF names them) are escaped and always valid UTF-8, numbers
 * that are unknown or not finite are null.
 */
#ifndef KSM_EXT_JSON_OUT_H
#define KSM_EXT_JSON_OUT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

struct json_out {
	FILE *f;
	bool first;		/* no comma before the next member or element */
};

static inline void json_start(struct json_out *j, FILE *f)
{
	j->f = f;
	j->first = true;
}

void json_obj(struct json_out *j, const char *key);	/* { */
void json_obj_end(struct json_out *j);			/* } */
void json_arr(struct json_out *j, const char *key);	/* [ */
void json_arr_end(struct json_out *j);			/* ] */
/* An integral double prints as one ("3", not "3.0"). */
void json_num(struct json_out *j, const char *key, double v);
/* null unless @known. */
void json_u64(struct json_out *j, const char *key, uint64_t v, bool known);
void json_s64(struct json_out *j, const char *key, int64_t v, bool known);
/* @v NULL: null. */
void json_str(struct json_out *j, const char *key, const char *v);
void json_bool(struct json_out *j, const char *key, bool v);
void json_null(struct json_out *j, const char *key);

/* Print @s as a JSON string literal, escaping quotes, backslashes and
 * control characters, and writing each byte that is not well-formed UTF-8
 * as U+FFFD (process names can hold anything; JSON text is UTF-8). */
void json_print_str(FILE *f, const char *s);

#endif
