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

Test(json_out, writer_places_commas_and_nulls)
{
	struct json_out j;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	cr_assert(f);
	json_start(&j, f);
	json_obj(&j, NULL);
	json_u64(&j, "n", 3, true);
	json_u64(&j, "unknown", 3, false);
	json_s64(&j, "s", -2, true);
	json_num(&j, "half", 0.5);
	json_num(&j, "whole", 4.0);
	json_num(&j, "nan", 0.0 / 0.0);
	json_str(&j, "none", NULL);
	json_bool(&j, "b", true);
	json_arr(&j, "a\"rr");
	json_num(&j, NULL, 1);
	json_obj(&j, NULL);
	json_null(&j, "x");
	json_obj_end(&j);
	json_str(&j, NULL, "\n");
	json_arr_end(&j);
	json_obj(&j, "empty");
	json_obj_end(&j);
	json_obj_end(&j);
	fclose(f);
	cr_assert_str_eq(buf, "{\"n\":3,\"unknown\":null,\"s\":-2,\"half\":0.5,\"whole\":4,"
			 "\"nan\":null,\"none\":null,\"b\":true,\"a\\\"rr\":[1,{\"x\":null},"
			 "\"\\u000a\"],\"empty\":{}}");
	free(buf);
}
