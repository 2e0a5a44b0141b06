/*
 * Unit tests of text: appending to a bounded buffer, cleaning
 * text to valid UTF-8, screening JSON, and whole decimal counts.
 */
#include "testutil.h"

#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "text.h"


static void test_text_append(void **state)
{
	char buf[8];
	size_t n = 0;

	(void)state;
	ms_append(buf, sizeof(buf), &n, MS_LIT("ab"));
	ms_append(buf, sizeof(buf), &n, MS_LIT(""));
	ms_append(buf, sizeof(buf), &n, MS_LIT("cd"));
	assert_int_equal(n, 4);
	assert_string_equal(buf, "abcd");
	/* Cut to fit, as snprintf would, whatever follows. */
	ms_append(buf, sizeof(buf), &n, MS_LIT("efghij"));
	ms_append(buf, sizeof(buf), &n, MS_LIT("klm"));
	assert_int_equal(n, 7);
	assert_string_equal(buf, "abcdefg");
	n = 0;
	ms_append(buf, 1, &n, MS_LIT("abc"));
	assert_int_equal(n, 0);
	assert_string_equal(buf, "");
	assert_string_equal(ms_copy(buf, 2, "abc"), "a");
	assert_string_equal(ms_copy(buf, sizeof(buf), "abcdefgh"), "abcdefg");
	assert_string_equal(ms_copy(buf, sizeof(buf), ""), "");
}


/* What cJSON prints for s as a JSON string: ms_json_quote must match it
 * byte for byte. */
static void assert_quoted_as_cjson(const char *s)
{
	cJSON *item = cJSON_CreateString(s);
	char *want = cJSON_PrintUnformatted(item);
	char *got = malloc(MS_JSON_QUOTED_MAX(strlen(s)));

	assert_non_null(want);
	assert_non_null(got);
	assert_int_equal(ms_json_quote(got, s, strlen(s)), strlen(want));
	assert_string_equal(got, want);
	free(got);
	cJSON_free(want);
	cJSON_Delete(item);
}


static void test_text_json_quote(void **state)
{
	char one[2] = {0}, mixed[3 * 255 + 1];
	size_t n = 0;

	(void)state;
	assert_quoted_as_cjson("");
	assert_quoted_as_cjson("5b6c1e2a-3f4d-4e8b-9a7c-0d1e2f3a4b5c");
	assert_quoted_as_cjson("say \"hi\" \\ back/slash \xc3\xa9");
	/* Every byte alone, and all of them between plain runs: each
	 * control byte is the worst case, six bytes out for one in. */
	for (int c = 1; c < 256; c++) {
		one[0] = (char)c;
		assert_quoted_as_cjson(one);
		mixed[n++] = 'a';
		mixed[n++] = (char)c;
		mixed[n++] = (char)c;
	}
	mixed[n] = '\0';
	assert_quoted_as_cjson(mixed);
}


/* Plain bytes are skipped eight at a time: an escape at every place of
 * a word, and in a long string's tail, must still be found; bytes next
 * to the escaped ones in value must not be escaped. */
static void test_text_json_quote_words(void **state)
{
	static const char specials[] = {'"', '\\', '\n', 0x1f, 0x01};
	static const unsigned char plain[] = {0x20, 0x21, 0x23, 0x5b, 0x5d,
					      0x7f, 0x80, 0xa2, 0xdc, 0xff};
	char s[40];

	(void)state;
	for (size_t len = 1; len < sizeof(s); len++) {
		for (size_t at = 0; at < len; at++) {
			for (size_t k = 0; k < sizeof(specials); k++) {
				memset(s, 'x', len);
				s[len] = '\0';
				s[at] = specials[k];
				assert_quoted_as_cjson(s);
			}
		}
		for (size_t k = 0; k < sizeof(plain); k++) {
			memset(s, plain[k], len);
			s[len] = '\0';
			assert_quoted_as_cjson(s);
		}
	}
}


static void test_text_utf8_valid(void **state)
{
	(void)state;
	assert_true(ms_utf8_valid("", 0));
	assert_true(ms_utf8_valid("job \xc3\xa9\xe2\x82\xac", 9));
	assert_false(ms_utf8_valid("\xe9", 1));
	assert_false(ms_utf8_valid("a\xc3", 2));          /* cut short */
	assert_false(ms_utf8_valid("\xc0\xaf", 2));       /* overlong */
	assert_false(ms_utf8_valid("\xed\xa0\x80", 3));   /* surrogate */
}


static void test_text_clean(void **state)
{
	bool cut;
	char *s;

	(void)state;
	s = ms_text_clean("a\xff\x01\n\xc3\xa9", 6, 64, true, &cut);
	assert_string_equal(s, "a\xef\xbf\xbd?\n\xc3\xa9");
	assert_false(cut);
	free(s);
	s = ms_text_clean("a\n", 2, 64, false, &cut);
	assert_string_equal(s, "a?");
	free(s);
	/* The cut never splits a character. */
	s = ms_text_clean("ab\xc3\xa9", 4, 3, true, &cut);
	assert_string_equal(s, "ab");
	assert_true(cut);
	free(s);
}


static void test_text_screen(void **state)
{
	const char *why = NULL;
	char deep[2 * MS_JSON_DEPTH_MAX + 8];
	size_t at = 0;

	(void)state;
	assert_int_equal(ms_json_screen("{\"a\":[1]}", 9, &why, NULL), 0);
	/* The offset given is the byte at fault: the backslash. */
	assert_int_equal(ms_json_screen("[\"x\\u0000\"]", 11, &why, &at),
			 -1);
	assert_non_null(why);
	assert_int_equal(at, 3);
	assert_int_equal(ms_json_screen("\"a\nb\"", 5, &why, &at), -1);
	assert_int_equal(at, 2);
	memset(deep, '[', MS_JSON_DEPTH_MAX);
	memset(deep + MS_JSON_DEPTH_MAX, ']', MS_JSON_DEPTH_MAX);
	assert_int_equal(ms_json_screen(deep, 2 * MS_JSON_DEPTH_MAX, &why,
					NULL), 0);
	memset(deep, '[', MS_JSON_DEPTH_MAX + 1);
	memset(deep + MS_JSON_DEPTH_MAX + 1, ']', MS_JSON_DEPTH_MAX + 1);
	assert_int_equal(ms_json_screen(deep, 2 * MS_JSON_DEPTH_MAX + 2,
					&why, &at), -1);
	assert_int_equal(at, MS_JSON_DEPTH_MAX);
}


static void test_text_count(void **state)
{
	unsigned long long v = 0;

	(void)state;
	assert_int_equal(ms_parse_count("42", 0, 100, &v), 0);
	assert_int_equal(v, 42);
	assert_int_equal(ms_parse_count("101", 0, 100, &v), -1);
	assert_int_equal(ms_parse_count("-1", 0, 100, &v), -1);
	assert_int_equal(ms_parse_count(" 1", 0, 100, &v), -1);
	assert_int_equal(ms_parse_count("1x", 0, 100, &v), -1);
	assert_int_equal(ms_parse_count("", 0, 100, &v), -1);
	assert_int_equal(ms_parse_count("99999999999999999999999", 0,
					 ~0ULL, &v), -1);
}


int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_text_append),
		cmocka_unit_test(test_text_json_quote),
		cmocka_unit_test(test_text_json_quote_words),
		cmocka_unit_test(test_text_utf8_valid),
		cmocka_unit_test(test_text_clean),
		cmocka_unit_test(test_text_screen),
		cmocka_unit_test(test_text_count),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
