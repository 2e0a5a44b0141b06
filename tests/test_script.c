/*
 * Unit tests of script's path globs: what they match, checked against a
 * table and against a plain recursive matcher (the one the server used
 * before, exponential in "**" but simple) on every small pattern and
 * path; and patterns that took the old one forever finish at once.
 */
#include "testutil.h"

#include <fnmatch.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "script.h"


static void test_glob_table(void **state)
{
	static const struct {
		const char *pattern, *path;
		bool match;
	} rows[] = {
		{"/**", "/", true},
		{"/**", "/a/b/c", true},
		{"/a/**", "/a", true},          /* a trailing ** may be none */
		{"/a/**", "/a/b/c", true},
		{"/a/**/c", "/a/c", true},
		{"/a/**/c", "/a/b/x/c", true},
		{"/a/**/c", "/a/b/x/d", false},
		{"/a/**/c", "/a", false},
		{"/a/*/c", "/a/b/c", true},
		{"/a/*/c", "/a/b/x/c", false},
		{"/a/*", "/a", false},
		{"/a/b", "/a/b/", false},
		{"/a/b/", "/a/b/", true},
		{"/jsm/assets/workspace/*/v1/**",
		 "/jsm/assets/workspace/ws-1/v1/datamanager/client/info", true},
		{"/rest/*/1.0/tok*", "/rest/datamanager/1.0/tokens", true},
		{"/rest/*/1.0/tok*", "/rest/datamanager/1.0/roles", false},
		{"*", "/x", true},
		{"**", "/x/y", true},
	};
	char path[600];

	(void)state;
	for (size_t i = 0; i < sizeof(rows) / sizeof(*rows); i++) {
		if (ms_glob_match(rows[i].pattern, rows[i].path) !=
		    rows[i].match)
			fail_msg("%s against %s: want %s", rows[i].pattern,
				 rows[i].path, rows[i].match ? "a match"
							     : "none");
	}
	/* More segments than fit on the stack. */
	strcpy(path, "");
	for (int i = 0; i < 100; i++)
		strcat(path, "/s");
	strcat(path, "/end");
	assert_true(ms_glob_match("/**/end", path));
	assert_true(ms_glob_match("/s/**/s/end", path));
	assert_false(ms_glob_match("/**/nope", path));
}


/* ---- the old matcher, as a reference ------------------------------- */

static bool ref_segment(const char *pat, size_t plen, const char *seg,
			size_t slen)
{
	char p[64], s[64];

	snprintf(p, sizeof(p), "%.*s", (int)plen, pat);
	snprintf(s, sizeof(s), "%.*s", (int)slen, seg);
	return fnmatch(p, s, 0) == 0;
}


static bool ref_glob(const char *pat, const char *path)
{
	size_t plen = strcspn(pat, "/");
	size_t slen = strcspn(path, "/");

	if (plen == 2 && strncmp(pat, "**", 2) == 0) {
		const char *rest = pat[2] ? pat + 3 : NULL;
		if (!rest)
			return true;
		for (const char *p = path;; p += strcspn(p, "/") + 1) {
			if (ref_glob(rest, p))
				return true;
			if (!strchr(p, '/'))
				return false;
		}
	}
	if (!ref_segment(pat, plen, path, slen))
		return false;
	if (!path[slen] && pat[plen] && strcmp(pat + plen + 1, "**") == 0)
		return true;
	if (!pat[plen] || !path[slen])
		return !pat[plen] && !path[slen];
	return ref_glob(pat + plen + 1, path + slen + 1);
}


/* Every pattern of up to 4 segments from {a, b, *, **, ""} against
 * every path of up to 4 segments from {a, b, ""}. */
static void test_glob_agrees_with_reference(void **state)
{
	static const char *const pseg[] = {"a", "b", "*", "**", ""};
	static const char *const sseg[] = {"a", "b", ""};
	char pat[64], path[64];
	size_t checked = 0;

	(void)state;
	for (int pn = 1; pn <= 4; pn++) {
		int pcount = 1;
		for (int k = 0; k < pn; k++)
			pcount *= 5;
		for (int pc = 0; pc < pcount; pc++) {
			pat[0] = '\0';
			for (int k = 0, c = pc; k < pn; k++, c /= 5) {
				strcat(pat, "/");
				strcat(pat, pseg[c % 5]);
			}
			for (int sn = 1; sn <= 4; sn++) {
				int scount = 1;
				for (int k = 0; k < sn; k++)
					scount *= 3;
				for (int sc = 0; sc < scount; sc++) {
					path[0] = '\0';
					for (int k = 0, c = sc; k < sn;
					     k++, c /= 3) {
						strcat(path, "/");
						strcat(path, sseg[c % 3]);
					}
					if (ms_glob_match(pat, path) !=
					    ref_glob(pat + 1, path + 1))
						fail_msg("%s against %s", pat,
							 path);
					checked++;
				}
			}
		}
	}
	assert_true(checked > 50000);
}


static void on_alarm(int sig)
{
	(void)sig;
	/* The matcher is stuck: fail loudly rather than hang the suite. */
	static const char msg[] = "glob matching took over 10 s\n";
	if (write(2, msg, sizeof(msg) - 1) < 0)
		_exit(1);
	_exit(1);
}


/* Ten "**" against forty segments: the old matcher never finished. */
static void test_glob_many_any_is_fast(void **state)
{
	char pat[128] = "", path[256] = "";

	(void)state;
	for (int i = 0; i < 10; i++)
		strcat(pat, "/**");
	strcat(pat, "/zz");
	for (int i = 0; i < 40; i++)
		strcat(path, "/a");
	signal(SIGALRM, on_alarm);
	alarm(10);
	assert_false(ms_glob_match(pat, path));
	strcat(path, "/zz");
	assert_true(ms_glob_match(pat, path));
	alarm(0);
}


int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_glob_table),
		cmocka_unit_test(test_glob_agrees_with_reference),
		cmocka_unit_test(test_glob_many_any_is_fast),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
