// SPDX-License-Identifier: GPL-2.0
#include "json_out.h"

#include <inttypes.h>
#include <math.h>
#include <stddef.h>

/*
 * Length of the well-formed UTF-8 sequence at @s (RFC 3629: no overlong
 * forms, no surrogates, nothing above U+10FFFF), or 0.
 */
static size_t utf8_len(const unsigned char *s)
{
	unsigned char c = s[0];
	size_t n, i;
	unsigned char lo = 0x80, hi = 0xbf;	/* range of the second byte */

	if (c >= 0xc2 && c <= 0xdf)
		n = 2;
	else if (c >= 0xe0 && c <= 0xef)
		n = 3, lo = c == 0xe0 ? 0xa0 : 0x80, hi = c == 0xed ? 0x9f : 0xbf;
	else if (c >= 0xf0 && c <= 0xf4)
		n = 4, lo = c == 0xf0 ? 0x90 : 0x80, hi = c == 0xf4 ? 0x8f : 0xbf;
	else
		return 0;
	if (s[1] < lo || s[1] > hi)
		return 0;
	for (i = 2; i < n; i++)
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
	return n;
}

void json_print_str(FILE *f, const char *str)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t n;

	fputc('"', f);
	while (*s) {
		if (*s == '"' || *s == '\\') {
			fprintf(f, "\\%c", *s++);
		} else if (*s < 0x20 || *s == 0x7f) {
			fprintf(f, "\\u%04x", *s++);
		} else if (*s < 0x80) {
			fputc(*s++, f);
		} else if ((n = utf8_len(s))) {
			fwrite(s, 1, n, f);
			s += n;
		} else {
			/* Not UTF-8 (a process may name itself anything):
			 * JSON text must be, so the replacement character. */
			fputs("\\ufffd", f);
			s++;
		}
	}
	fputc('"', f);
}

/* The comma and the key, if any, of what comes next. */
static void member(struct json_out *j, const char *key)
{
	if (!j->first)
		fputc(',', j->f);
	j->first = false;
	if (key) {
		json_print_str(j->f, key);
		fputc(':', j->f);
	}
}

void json_obj(struct json_out *j, const char *key)
{
	member(j, key);
	fputc('{', j->f);
	j->first = true;
}

void json_obj_end(struct json_out *j)
{
	fputc('}', j->f);
	j->first = false;
}

void json_arr(struct json_out *j, const char *key)
{
	member(j, key);
	fputc('[', j->f);
	j->first = true;
}

void json_arr_end(struct json_out *j)
{
	fputc(']', j->f);
	j->first = false;
}

void json_num(struct json_out *j, const char *key, double v)
{
	member(j, key);
	/* JSON has no NaN or infinity: an unknown figure is null. */
	if (!isfinite(v))
		fputs("null", j->f);
	else if (v > -1e15 && v < 1e15 && v == (double)(long long)v)
		fprintf(j->f, "%.0f", v);
	else
		fprintf(j->f, "%.15g", v);
}

void json_u64(struct json_out *j, const char *key, uint64_t v, bool known)
{
	member(j, key);
	if (known)
		fprintf(j->f, "%" PRIu64, v);
	else
		fputs("null", j->f);
}

void json_s64(struct json_out *j, const char *key, int64_t v, bool known)
{
	member(j, key);
	if (known)
		fprintf(j->f, "%" PRId64, v);
	else
		fputs("null", j->f);
}

void json_str(struct json_out *j, const char *key, const char *v)
{
	member(j, key);
	if (v)
		json_print_str(j->f, v);
	else
		fputs("null", j->f);
}

void json_bool(struct json_out *j, const char *key, bool v)
{
	member(j, key);
	fputs(v ? "true" : "false", j->f);
}

void json_null(struct json_out *j, const char *key)
{
	member(j, key);
	fputs("null", j->f);
}
