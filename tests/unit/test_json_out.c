// SPDX-License-Identifier: GPL-2.0
/* JSON strings from untrusted text: escaped, and always valid UTF-8. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>

#include "json_out.h"

static char *json(const char *s)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	cr_assert(f);
	json_print_str(f, s);
	fclose(f);
	return buf;
}

#define EXPECT_JSON(in, want) do {					\
	char *got = json(in);						\
	cr_assert_str_eq(got, want);					\
	free(got);							\
} while (0)

Test(json_out, escapes)
{
	EXPECT_JSON("plain", "\"plain\"");
	EXPECT_JSON("a\"b\\c", "\"a\\\"b\\\\c\"");
	EXPECT_JSON("\x1b[2J\n\x7f", "\"\\u001b[2J\\u000a\\u007f\"");
}

Test(json_out, utf8_kept_invalid_replaced)
{
	EXPECT_JSON("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"");
	/* Stray continuation, truncated sequence, overlong '/', a UTF-16
	 * surrogate, beyond U+10FFFF, 0xff. */
	EXPECT_JSON("\x80", "\"\\ufffd\"");
	EXPECT_JSON("\xe2\x82", "\"\\ufffd\\ufffd\"");
	EXPECT_JSON("\xc0\xaf", "\"\\ufffd\\ufffd\"");
	EXPECT_JSON("\xed\xa0\x80", "\"\\ufffd\\ufffd\\ufffd\"");
	EXPECT_JSON("\xf4\x90\x80\x80", "\"\\ufffd\\ufffd\\ufffd\\ufffd\"");
	EXPECT_JSON("a\xff" "b", "\"a\\ufffdb\"");
}
