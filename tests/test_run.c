/*
 * test_run: `dm-mockserver run`, the conformance runner, against the
 * sample clients of tests/clients.
 *
 * Each test runs the real binary (DM_MOCKSERVER_BIN, default
 * build/dm-mockserver) as `run -s SCENARIO --seed 1 --timeout T --json
 * FILE --report FILE.xml -- CLIENT`, waits for it, and checks its exit
 * status, the exact set of checks that failed in the JSON report, and
 * that the JUnit XML agrees with the JSON. good.sh passes; each other
 * client misbehaves in one way and fails exactly the check meant to catch
 * it. Run it from the top of the tree; the runner's output is shown only
 * when its exit status is not the one expected.
 */
#include "testutil.h"

#include <cjson/cJSON.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define CONFORMANCE "tests/clients/conformance.json"
#define MUST_FAIL "tests/clients/must-fail.json"
#define SLOW_503 CLIENTS "slow-503.json"
#define CLIENTS "tests/clients/"
#define EXEC_FAILED 99

/* One run: its temporary files and what came of it. */
struct run {
	char json[32];
	char xml[32];
	char log[32];
	int status;             /* the runner's exit status */
	cJSON *report;          /* the parsed --json report, or NULL */
};


static const char *mock_bin(void)
{
	const char *bin = getenv("DM_MOCKSERVER_BIN");

	return bin && *bin ? bin : "build/dm-mockserver";
}


/* A new empty temporary file named from tmpl into buf; 0 or -1. */
static int temp_file(char *buf, size_t len, const char *tmpl)
{
	int fd;

	snprintf(buf, len, "%s", tmpl);
	fd = mkstemp(buf);
	if (fd < 0)
		return -1;
	close(fd);
	return 0;
}


/* The whole of a file, NUL-terminated (caller frees), or NULL. */
static char *slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *text = NULL;
	long n;

	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 &&
	    fseek(f, 0, SEEK_SET) == 0 && (text = malloc((size_t)n + 1))) {
		text[fread(text, 1, (size_t)n, f)] = '\0';
	}
	fclose(f);
	return text;
}


/* Run the binary with args (NULL ended), its output into log; returns
 * its exit status, or -1 when it did not exit. */
static int spawn(const char *const *args, const char *log)
{
	const char *argv[24] = {mock_bin()};
	int n = 1, status, fd;
	pid_t pid;

	while (args[n - 1] && n < 23) {
		argv[n] = args[n - 1];
		n++;
	}
	pid = fork();
	if (pid == 0) {
		fd = open(log, O_WRONLY | O_TRUNC);
		if (fd >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
		}
		execv(argv[0], (char *const *)argv);
		_exit(EXEC_FAILED);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}


/* Show the runner's output (on stderr) after an unexpected result. */
static void show_log(const struct run *r)
{
	char *text = slurp(r->log);

	fprintf(stderr, "---- dm-mockserver run output ----\n%s"
		"---- end ----\n", text ? text : "(none)\n");
	free(text);
}


/*
 * Run client (argv, NULL ended) against scenario with --timeout
 * timeout_s and check that the runner exits want_status. r gets the
 * status and the parsed JSON report.
 */
static void run_client(struct run *r, const char *scenario,
		       const char *timeout_s, const char *const *client,
		       int want_status)
{
	const char *args[24] = {"run", "-s", scenario, "--seed", "1",
		"--timeout", timeout_s, "--json", r->json, "--report", r->xml,
		"--"};
	char *text;
	int n = 12;

	for (int i = 0; client[i] && n < 23; i++)
		args[n++] = client[i];
	r->status = spawn(args, r->log);
	if (r->status != want_status)
		show_log(r);
	assert_int_equal(r->status, want_status);
	text = slurp(r->json);
	assert_non_null(text);
	r->report = cJSON_Parse(text);
	free(text);
	assert_non_null(r->report);
}


static int run_setup(void **state)
{
	struct run *r = calloc(1, sizeof(*r));

	if (!r || temp_file(r->json, sizeof(r->json),
			    "/tmp/dm-run-json-XXXXXX") < 0 ||
	    temp_file(r->xml, sizeof(r->xml), "/tmp/dm-run-xml-XXXXXX") < 0 ||
	    temp_file(r->log, sizeof(r->log), "/tmp/dm-run-log-XXXXXX") < 0)
		return -1;
	*state = r;
	return 0;
}


static int run_teardown(void **state)
{
	struct run *r = *state;

	unlink(r->json);
	unlink(r->xml);
	unlink(r->log);
	cJSON_Delete(r->report);
	free(r);
	return 0;
}


static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}


/* The names of the failed checks, sorted, joined by '|' into buf. */
static void failed_names(const cJSON *report, char *buf, size_t len)
{
	const char *names[64];
	const cJSON *c;
	size_t n = 0, used = 0;

	cJSON_ArrayForEach(c, cJSON_GetObjectItem(report, "checks")) {
		if (!cJSON_IsTrue(cJSON_GetObjectItem(c, "passed")) && n < 64)
			names[n++] = cJSON_GetStringValue(
				cJSON_GetObjectItem(c, "name"));
	}
	qsort(names, n, sizeof(*names), by_name);
	buf[0] = '\0';
	for (size_t i = 0; i < n; i++)
		used += (size_t)snprintf(buf + used, len - used, "%s%s",
					 i ? "|" : "", names[i] ? names[i]
					 : "(unnamed)");
}


static int number(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItem(o, key);

	assert_true(cJSON_IsNumber(v));
	return v->valueint;
}


/* The count of needle in text. */
static int occurrences(const char *text, const char *needle)
{
	int n = 0;

	for (const char *p = text; (p = strstr(p, needle)) != NULL; p++)
		n++;
	return n;
}


/* The whole number in attribute name="N" of tag, or -1. */
static int attribute(const char *tag, const char *name)
{
	char key[32];
	const char *p;

	snprintf(key, sizeof(key), " %s=\"", name);
	p = strstr(tag, key);
	return p ? atoi(p + strlen(key)) : -1;
}


/* The JSON report counts its own checks right. */
static void check_json(const cJSON *report)
{
	const cJSON *c, *checks = cJSON_GetObjectItem(report, "checks");
	int failed = 0, skipped = 0;

	cJSON_ArrayForEach(c, checks) {
		const cJSON *req = cJSON_GetObjectItem(c, "requests");
		int n = cJSON_GetArraySize(req);
		failed += !cJSON_IsTrue(cJSON_GetObjectItem(c, "passed"));
		skipped += cJSON_IsTrue(cJSON_GetObjectItem(c, "skipped"));
		/* Each request a check cites, cited once. */
		for (int i = 0; i < n; i++)
			for (int k = i + 1; k < n; k++)
				assert_false(cJSON_Compare(
					cJSON_GetArrayItem(req, i),
					cJSON_GetArrayItem(req, k), true));
	}
	assert_int_equal(number(report, "total"), cJSON_GetArraySize(checks));
	assert_int_equal(number(report, "failed"), failed);
	assert_int_equal(number(report, "skipped"), skipped);
	assert_true(cJSON_IsBool(cJSON_GetObjectItem(report, "passed")));
	assert_int_equal(cJSON_IsTrue(cJSON_GetObjectItem(report, "passed")),
			 failed == 0);
}


/* The JUnit XML says what the JSON report says. */
static void check_junit(const struct run *r)
{
	char *xml = slurp(r->xml);
	const char *suite;
	char *end;

	assert_non_null(xml);
	assert_int_equal(strncmp(xml, "<?xml", 5), 0);
	suite = strstr(xml, "<testsuite ");
	assert_non_null(suite);
	end = strchr(suite, '>');
	assert_non_null(end);
	*end = '\0';
	assert_int_equal(attribute(suite, "tests"),
			 number(r->report, "total"));
	assert_int_equal(attribute(suite, "failures"),
			 number(r->report, "failed"));
	assert_int_equal(attribute(suite, "skipped"),
			 number(r->report, "skipped"));
	end++;
	assert_int_equal(occurrences(end, "<testcase "),
			 number(r->report, "total"));
	assert_int_equal(occurrences(end, "<failure "),
			 number(r->report, "failed"));
	assert_int_equal(occurrences(end, "<skipped "),
			 number(r->report, "skipped"));
	free(xml);
}


/*
 * Run a sample client against scenario and check it all: the runner's
 * exit status, the failed checks (sorted names joined by '|', "" for
 * none), the client's own exit status, and the two reports agreeing.
 */
static void expect_run(struct run *r, const char *scenario,
		       const char *client, int want_status,
		       const char *want_failed, int want_client_status)
{
	char path[128], failed[1024];
	const char *argv[] = {path, NULL};
	const cJSON *c;

	snprintf(path, sizeof(path), "%s%s", CLIENTS, client);
	run_client(r, scenario, "60", argv, want_status);
	failed_names(r->report, failed, sizeof(failed));
	if (strcmp(failed, want_failed) != 0)
		show_log(r);
	assert_string_equal(failed, want_failed);
	c = cJSON_GetObjectItem(r->report, "client");
	assert_int_equal(number(c, "exitStatus"), want_client_status);
	assert_true(cJSON_IsFalse(cJSON_GetObjectItem(c, "timedOut")));
	check_json(r->report);
	check_junit(r);
}


static void test_run_good_client_passes(void **state)
{
	expect_run(*state, CONFORMANCE, "good.sh", 0, "", 0);
	assert_int_equal(number(((struct run *)*state)->report, "total"), 9);
}


/* must-fail.json: the client must exit non-zero, and good.sh does. */
static void test_run_good_client_fails_loudly(void **state)
{
	expect_run(*state, MUST_FAIL, "good.sh", 0, "", 1);
}


static void test_run_ignores_retry_after(void **state)
{
	expect_run(*state, CONFORMANCE, "ignores-retry-after.sh", 1,
		   "waits", 0);
}


static void test_run_reuses_after_401(void **state)
{
	expect_run(*state, CONFORMANCE, "reuses-after-401.sh", 1,
		   "stops on 401", 0);
}


static void test_run_wrong_token_type(void **state)
{
	expect_run(*state, CONFORMANCE, "wrong-token-type.sh", 1, "no 403",
		   0);
}


static void test_run_never_validates(void **state)
{
	expect_run(*state, CONFORMANCE, "never-validates.sh", 1,
		   "validates first", 0);
}


static void test_run_unknown_route(void **state)
{
	expect_run(*state, CONFORMANCE, "unknown-route.sh", 1,
		   "known routes", 0);
}


/* A delayed 503 with Retry-After: the delay counts once. Waiting passes;
 * retrying at once fails. (The delay was counted twice once.) */
static void test_run_delayed_retry_after(void **state)
{
	expect_run(*state, SLOW_503, "good.sh", 0, "", 0);
}


static void test_run_delayed_retry_after_ignored(void **state)
{
	expect_run(*state, SLOW_503, "ignores-retry-after.sh", 1, "waits",
		   0);
}


/* Nothing fails in conformance.json, so only must-fail.json tells. */
static void test_run_exits_0_after_failure(void **state)
{
	expect_run(*state, MUST_FAIL, "exits-0-after-failure.sh", 1,
		   "fails loudly", 0);
}


static void test_run_exits_0_when_nothing_fails(void **state)
{
	expect_run(*state, CONFORMANCE, "exits-0-after-failure.sh", 0, "",
		   0);
}


/* A client that does not exist exits 127, and exitStatus says so. */
/* A client that cannot be started is bad usage: exit 2, and the run
 * says so instead of judging a client that never ran. */
static void test_run_missing_client(void **state)
{
	struct run *r = *state;
	const char *args[] = {"run", "-s", CONFORMANCE, "--",
			      CLIENTS "no-such-client.sh", NULL};
	char *log;

	r->status = spawn(args, r->log);
	assert_int_equal(r->status, 2);
	log = slurp(r->log);
	assert_non_null(log);
	assert_non_null(strstr(log, "cannot run"));
	free(log);
}


/* Labels that give the same variable: the first token keeps it, with a
 * warning; a character of several bytes becomes one _. */
static void test_run_token_variables(void **state)
{
	struct run *r = *state;
	const char *args[] = {"run", "-s", CLIENTS "label-clash.json", "--",
			      "sh", "-c", "env | grep '^DM_MOCK_TOKEN_'",
			      NULL};
	char *log;

	r->status = spawn(args, r->log);
	log = slurp(r->log);
	assert_non_null(log);
	if (r->status != 0)
		show_log(r);
	assert_int_equal(r->status, 0);
	assert_non_null(strstr(log, "DM_MOCK_TOKEN_A_B="
				    "dmac_firstFirstFirstFirstFirst01\n"));
	assert_null(strstr(log, "dmac_secondSecondSecondSecond02"));
	assert_int_equal(occurrences(log, "DM_MOCK_TOKEN_A_B="), 1);
	assert_non_null(strstr(log, "token 'a_b' gives DM_MOCK_TOKEN_A_B, "
				    "as 'a-b' does"));
	assert_non_null(strstr(log, "DM_MOCK_TOKEN_CAF___="
				    "dmac_thirdThirdThirdThirdThird03\n"));
	free(log);
}


/* With no expectation of the exit status, a failing client fails the
 * run through the implicit "client exits 0" check. */
static void test_run_implicit_exit_check(void **state)
{
	struct run *r = *state;
	const char *argv[] = {"sh", "-c", "exit 3", NULL};
	char failed[256];

	run_client(r, "scenarios/default.json", "60", argv, 1);
	failed_names(r->report, failed, sizeof(failed));
	assert_string_equal(failed, "client exits 0");
}


/* Stopped at --timeout: a failed check of its own; exitStatus skipped. */
static void test_run_client_past_timeout(void **state)
{
	struct run *r = *state;
	const char *argv[] = {"sh", "-c", "sleep 30", NULL};
	char failed[1024];
	time_t started = time(NULL);

	run_client(r, CONFORMANCE, "1", argv, 1);
	assert_true(time(NULL) - started < 15);
	failed_names(r->report, failed, sizeof(failed));
	assert_string_equal(failed, "client finishes in time|few calls|"
			    "starts one run");
	assert_true(cJSON_IsTrue(cJSON_GetObjectItem(
		cJSON_GetObjectItem(r->report, "client"), "timedOut")));
	/* The whole second: never stopped at the wall clock's next one. */
	assert_in_range(number(cJSON_GetObjectItem(r->report, "client"),
			       "durationMs"), 1000, 14000);
	assert_int_equal(number(r->report, "skipped"), 1);
	check_json(r->report);
	check_junit(r);
}


static void test_run_without_client(void **state)
{
	struct run *r = *state;
	const char *args[] = {"run", "-s", CONFORMANCE, NULL};
	const char *dashes[] = {"run", "-s", CONFORMANCE, "--", NULL};

	assert_int_equal(spawn(args, r->log), 2);
	assert_int_equal(spawn(dashes, r->log), 2);
}


static void test_run_invalid_scenario(void **state)
{
	struct run *r = *state;
	const char *bad[] = {"run", "-s", r->json, "--", "true", NULL};
	const char *absent[] = {"run", "-s", "tests/clients/absent.json",
		"--", "true", NULL};
	FILE *f = fopen(r->json, "w");

	assert_non_null(f);
	fputs("{\"users\": [{\"accountId\": 7}]}\n", f);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(spawn(bad, r->log), 2);
	assert_int_equal(spawn(absent, r->log), 2);
}


/* A run that stops before the client (exit 2) leaves no empty report
 * where there was none. */
static void test_run_invalid_scenario_no_report(void **state)
{
	struct run *r = *state;
	char xml[PATH_MAX];
	const char *bad[] = {"run", "-s", r->json, "--report", xml, "--",
		"true", NULL};
	FILE *f = fopen(r->json, "w");

	assert_non_null(f);
	fputs("{\"users\": [{\"accountId\": 7}]}\n", f);
	assert_int_equal(fclose(f), 0);
	snprintf(xml, sizeof(xml), "%s.absent.xml", r->xml);
	unlink(xml);
	assert_int_equal(spawn(bad, r->log), 2);
	assert_int_equal(access(xml, F_OK), -1);
}


/* --report and --json naming one file: refused before the client runs
 * (exit 2), rather than one report written over the other. */
static void test_run_same_report_twice(void **state)
{
	struct run *r = *state;
	const char *same[] = {"run", "--report", r->xml, "--json", r->xml,
		"--", "true", NULL};

	unlink(r->xml);
	assert_int_equal(spawn(same, r->log), 2);
	assert_int_equal(access(r->xml, F_OK), -1);
}


#define RUN_TEST(fn) \
	cmocka_unit_test_setup_teardown(fn, run_setup, run_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		RUN_TEST(test_run_good_client_passes),
		RUN_TEST(test_run_good_client_fails_loudly),
		RUN_TEST(test_run_ignores_retry_after),
		RUN_TEST(test_run_reuses_after_401),
		RUN_TEST(test_run_wrong_token_type),
		RUN_TEST(test_run_never_validates),
		RUN_TEST(test_run_unknown_route),
		RUN_TEST(test_run_delayed_retry_after),
		RUN_TEST(test_run_delayed_retry_after_ignored),
		RUN_TEST(test_run_exits_0_after_failure),
		RUN_TEST(test_run_exits_0_when_nothing_fails),
		RUN_TEST(test_run_token_variables),
		RUN_TEST(test_run_missing_client),
		RUN_TEST(test_run_implicit_exit_check),
		RUN_TEST(test_run_client_past_timeout),
		RUN_TEST(test_run_without_client),
		RUN_TEST(test_run_invalid_scenario),
		RUN_TEST(test_run_invalid_scenario_no_report),
		RUN_TEST(test_run_same_report_twice),
	};

	return cmocka_run_group_tests_name("run", tests, NULL, NULL);
}
