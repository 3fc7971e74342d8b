// SPDX-License-Identifier: GPL-2.0
/*
 * The JSON writer's escaping (src/lib/json_out.c): the input, any bytes up
 * to its first NUL, is written as a key and as a value.  Promises: each is
 * a valid JSON string literal (RFC 8259: no raw control character, only
 * the escapes JSON has, valid UTF-8 in between; checked here by decoding
 * code points, not by the writer's own tables), and the members around it
 * keep their commas.
 */
#include "fuzz.h"
#include "json_out.h"

/* The code point of the UTF-8 sequence at @s, its length in @n; -1 if not
 * well-formed (overlong, a surrogate, above U+10FFFF, cut short). */
static long decode(const unsigned char *s, size_t left, size_t *n)
{
	static const long min[] = { 0, 0, 0x80, 0x800, 0x10000 };
	long cp;
	size_t i;

	if (s[0] < 0x80) {
		*n = 1;
		return s[0];
	}
	*n = s[0] >= 0xf0 ? 4 : s[0] >= 0xe0 ? 3 : s[0] >= 0xc0 ? 2 : 0;
	if (!*n || s[0] >= 0xf8 || *n > left)
		return -1;
	cp = s[0] & (0x7f >> *n);
	for (i = 1; i < *n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return -1;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if (cp < min[*n] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return -1;
	return cp;
}

/* A JSON string literal at @s; its length. */
static size_t check_literal(const char *str, size_t len)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 1, n;
	int k;

	fuzz_assert(len >= 2 && s[0] == '"');
	while (i < len && s[i] != '"') {
		fuzz_assert(s[i] >= 0x20);
		if (s[i] == '\\') {
			fuzz_assert(i + 1 < len && strchr("\"\\/bfnrtu", s[i + 1]));
			if (s[i + 1] == 'u') {
				for (k = 2; k < 6; k++)
					fuzz_assert(i + k < len && strchr("0123456789abcdefABCDEF", s[i + k]));
				i += 6;
			} else {
				i += 2;
			}
			continue;
		}
		fuzz_assert(decode(s + i, len - i, &n) >= 0);
		i += n;
	}
	fuzz_assert(i < len && s[i] == '"');
	return i + 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *in = fuzz_str(data, size), *out = NULL;
	size_t len = 0, at;
	struct json_out j;
	FILE *f = open_memstream(&out, &len);

	if (!f)
		abort();
	json_start(&j, f);
	json_obj(&j, NULL);
	json_str(&j, in, in);
	json_arr(&j, "a");
	json_str(&j, NULL, in);
	json_null(&j, NULL);
	json_arr_end(&j);
	json_obj_end(&j);
	fclose(f);

	/* {KEY:VALUE,"a":[VALUE,null]} */
	fuzz_assert(out[0] == '{');
	at = 1 + check_literal(out + 1, len - 1);
	fuzz_assert(at < len && out[at] == ':');
	at += 1 + check_literal(out + at + 1, len - at - 1);
	fuzz_assert(!strncmp(out + at, ",\"a\":[", 6));
	at += 6;
	at += check_literal(out + at, len - at);
	fuzz_assert(!strcmp(out + at, ",null]}"));
	free(out);
	free(in);
	return 0;
}
