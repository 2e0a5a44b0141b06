/*
 * runner: see runner.h. The steps of a run, each a function: options,
 * server, client environment, client, verdict, reports.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/wait.h>
#include <civetweb.h>
#include "log.h"
#include "mstime.h"
#include "runner.h"
#include "server.h"
#include "text.h"
#include "verify.h"

#define TIMEOUT_DEFAULT_S 300
#define TIMEOUT_MAX_S 86400
#define RUN_THREADS 16

struct run_options {
	const char *scenario;
	const char *report_xml;
	const char *report_json;
	unsigned timeout_s;
	bool seeded;
	unsigned long long seed;
	enum ms_log_level log_level;
	char **client;          /* argv of the client, NULL-terminated */
};

struct client_result {
	int status;             /* exit status, or 128 + signal */
	bool timed_out;
	bool started;
	int64_t duration_ms;    /* from its start to its end */
};

static const char run_usage[] =
"usage: dm-mockserver run [-s SCENARIO] [--report FILE.xml] [--json FILE]\n"
"                         [--timeout SECONDS] [--seed N]\n"
"                         [--log-level LEVEL] -- CLIENT ARGS...\n"
"\n"
"Serve SCENARIO on a free loopback port, run CLIENT with DM_MOCK_URL,\n"
"DM_MOCK_WORKSPACE_ID and DM_MOCK_TOKEN_<LABEL> (the label upper-cased,\n"
"each other character as _; of two labels giving one name, the first\n"
"token's) for each scenario token, then check the\n"
"scenario's \"expect\" list against what the client did (the default\n"
"tenant's journal) and its exit status.\n"
"\n"
"  -s, --scenario FILE   scenario (default scenarios/default.json, else\n"
"                        the installed one)\n"
"      --report FILE     write a JUnit XML report\n"
"      --json FILE       write a JSON report\n"
"      --timeout SECONDS stop the client after this long (default 300)\n"
"      --seed N          reproducible secrets and ids\n"
"      --log-level L     the server's log on stderr (default warn)\n"
"\n"
"Exit status: 0 every check passed, 1 a check failed or the client timed\n"
"out, 2 bad usage, scenario or report file.\n";

static const struct option run_opts[] = {
	{"scenario", required_argument, NULL, 's'},
	{"report", required_argument, NULL, 'r'},
	{"json", required_argument, NULL, 'j'},
	{"timeout", required_argument, NULL, 't'},
	{"seed", required_argument, NULL, 'S'},
	{"log-level", required_argument, NULL, 'l'},
	{"help", no_argument, NULL, 'h'},
	{NULL, 0, NULL, 0},
};


/* A whole number from text in [min, max]; 0, or -1 after saying why. */
static int number(const char *opt, const char *text,
		  unsigned long long min, unsigned long long max,
		  unsigned long long *out)
{
	if (ms_parse_count(text, min, max, out) == 0)
		return 0;
	fprintf(stderr, "dm-mockserver run: %s wants a whole number from "
		"%llu to %llu, not '%s'\n", opt, min, max, text);
	return -1;
}


static int run_option(struct run_options *o, int c, const char *arg)
{
	unsigned long long v;

	switch (c) {
	case 's': o->scenario = arg; return 0;
	case 'r': o->report_xml = arg; return 0;
	case 'j': o->report_json = arg; return 0;
	case 't':
		if (number("--timeout", arg, 1, TIMEOUT_MAX_S, &v) < 0)
			return -1;
		o->timeout_s = (unsigned)v;
		return 0;
	case 'S':
		o->seeded = true;
		return number("--seed", arg, 0, ~0ULL, &o->seed);
	case 'l':
		if (ms_log_level_parse(arg, &o->log_level) == 0)
			return 0;
		fprintf(stderr, "dm-mockserver run: --log-level wants debug, "
			"info, warn or error\n");
		return -1;
	default:
		fputs(run_usage, c == 'h' ? stdout : stderr);
		return c == 'h' ? 1 : -1;
	}
}


/* Can the reports be written? Checked before the client runs, so that a
 * typo does not cost a whole run. 0, or -1 after saying why. */
static int reports_writable(const struct run_options *o)
{
	const char *paths[] = {o->report_xml, o->report_json};

	if (paths[0] && paths[1] && strcmp(paths[0], paths[1]) == 0) {
		fprintf(stderr, "dm-mockserver run: --report and --json both "
			"name '%s'; one would write over the other\n",
			paths[0]);
		return -1;
	}
	for (size_t i = 0; i < 2; i++) {
		bool existed = paths[i] && access(paths[i], F_OK) == 0;
		FILE *f = paths[i] ? fopen(paths[i], "a") : NULL;
		if (paths[i] && !f) {
			fprintf(stderr, "dm-mockserver run: cannot write "
				"'%s': %s\n", paths[i], strerror(errno));
			return -1;
		}
		if (f)
			fclose(f);
		/* The check leaves no empty report behind, should the run
		 * stop before writing one (exit 2). */
		if (f && !existed)
			unlink(paths[i]);
	}
	return 0;
}


/* 0 with o filled, 1 after --help, -1 after saying what is wrong. */
static int parse_run(int argc, char **argv, struct run_options *o)
{
	int c, rc;

	*o = (struct run_options){
		.scenario = ms_scenario_default_path(),
		.timeout_s = TIMEOUT_DEFAULT_S,
		.log_level = MS_LOG_WARN,
	};
	optind = 1;
	while ((c = getopt_long(argc, argv, "+s:h", run_opts, NULL)) != -1) {
		rc = run_option(o, c, optarg);
		if (rc != 0)
			return rc;
	}
	if (optind >= argc) {
		fprintf(stderr, "dm-mockserver run: no client to run: give "
			"it after --\n%s", run_usage);
		return -1;
	}
	o->client = argv + optind;
	return reports_writable(o);
}


/* "DM_MOCK_TOKEN_" and the label upper-cased, every other character
 * (not byte: labels are UTF-8) as one _. */
static char *token_env(const char *label, const char *secret)
{
	size_t n = strlen(label);
	char *s = malloc(strlen("DM_MOCK_TOKEN_") + n + strlen(secret) + 2);
	char *p;

	if (!s)
		return NULL;
	p = s + sprintf(s, "DM_MOCK_TOKEN_");
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)label[i];
		if ((c & 0xc0) == 0x80)      /* the rest of a character */
			continue;
		*p++ = isalnum(c) && c < 0x80 ? (char)toupper(c) : '_';
	}
	sprintf(p, "=%s", secret);
	return s;
}


/* The length of the name in "NAME=value". */
static size_t env_name_len(const char *pair)
{
	return strcspn(pair, "=");
}


/* Order slots of an array of "NAME=value" by NAME, then by where the
 * slot stands in the array. */
static int env_slot_cmp(const void *a, const void *b)
{
	char *const *x = *(char **const *)a, *const *y = *(char **const *)b;
	size_t nx = env_name_len(*x), ny = env_name_len(*y);
	int c = memcmp(*x, *y, nx < ny ? nx : ny);

	if (c == 0 && nx != ny)
		c = nx < ny ? -1 : 1;
	return c ? c : (x < y ? -1 : x > y);
}


/*
 * Labels that give the same variable ("a-b" and "a_b"): the first token
 * in the state's order keeps it; the others are dropped (freed, their
 * slot set to NULL), each with a warning naming both labels. vars holds
 * n token variables, none NULL, in the order of the state's tokens.
 */
static void drop_clashes(char **vars, size_t n, const struct ms_state *st)
{
	char ***order = malloc(n * sizeof(*order));
	size_t first = 0;

	if (!order)
		return;
	for (size_t i = 0; i < n; i++)
		order[i] = &vars[i];
	qsort(order, n, sizeof(*order), env_slot_cmp);
	for (size_t i = 1; i < n; i++) {
		const char *kept = *order[first];
		size_t len = env_name_len(kept);
		if (env_name_len(*order[i]) != len ||
		    memcmp(kept, *order[i], len) != 0) {
			first = i;
			continue;
		}
		fprintf(stderr, "dm-mockserver run: token '%s' gives %.*s, "
			"as '%s' does, which comes first and keeps it\n",
			st->tokens.items[order[i] - vars]->label, (int)len,
			kept, st->tokens.items[order[first] - vars]->label);
		free(*order[i]);
		*order[i] = NULL;
	}
	free(order);
}


static char *env_pair(const char *name, const char *value)
{
	char *s = malloc(strlen(name) + strlen(value) + 2);

	if (s)
		sprintf(s, "%s=%s", name, value);
	return s;
}


static void free_env(char **env)
{
	for (size_t i = 0; env && env[i]; i++)
		free(env[i]);
	free(env);
}


/*
 * The client's environment: ours, then DM_MOCK_URL, DM_MOCK_WORKSPACE_ID
 * and a DM_MOCK_TOKEN_<LABEL> per token of the tenant's state. Built
 * before fork, so the child only execs. Free with free_env().
 */
static char **client_env(const char *url, const struct ms_state *st)
{
	extern char **environ;
	size_t n = 0, k = 0;
	char **env, **vars;

	while (environ[n])
		n++;
	env = calloc(n + st->tokens.count + 3, sizeof(*env));
	if (!env)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		if (strncmp(environ[i], "DM_MOCK_", 8) != 0)
			env[k++] = strdup(environ[i]);
	}
	env[k++] = env_pair("DM_MOCK_URL", url);
	env[k++] = env_pair("DM_MOCK_WORKSPACE_ID", st->workspace_id);
	vars = env + k;
	for (size_t i = 0; i < st->tokens.count; i++) {
		if (!(vars[i] = token_env(st->tokens.items[i]->label,
					  st->tokens.items[i]->secret))) {
			free_env(env);
			return NULL;
		}
	}
	drop_clashes(vars, st->tokens.count, st);
	/* Close the gaps the dropped ones left. */
	for (size_t i = 0; i < st->tokens.count; i++) {
		if (vars[i])
			env[k++] = vars[i];
	}
	env[k] = NULL;
	return env;
}


/* Stop the client's whole process group: TERM, then KILL after 2 s. */
static int stop_client(pid_t pid)
{
	int status = 0;

	kill(-pid, SIGTERM);
	for (int i = 0; i < 200; i++) {
		if (waitpid(pid, &status, WNOHANG) == pid)
			return status;
		usleep(10000);
	}
	kill(-pid, SIGKILL);
	waitpid(pid, &status, 0);
	return status;
}


/*
 * Run the client in a process group of its own and wait for it, at most
 * timeout_s seconds; a SIGINT or SIGTERM to us (blocked, see ms_run_main)
 * stops it too.
 */
static void run_client(char **argv, char **env, unsigned timeout_s,
		       const sigset_t *stop, struct client_result *res)
{
	struct timespec tick = {0, 10 * 1000000L};
	int64_t started, deadline;
	int status = 0;
	pid_t pid;

	int err = 0, fds[2];

	memset(res, 0, sizeof(*res));
	/* The child tells an exec failure through a pipe that a successful
	 * exec closes: "cannot run the client" is bad usage, not a verdict. */
	if (pipe2(fds, O_CLOEXEC) < 0)
		return;
	pid = fork();
	if (pid == 0) {
		close(fds[0]);
		setpgid(0, 0);
		sigprocmask(SIG_UNBLOCK, stop, NULL);
		execvpe(argv[0], argv, env);
		err = errno;
		if (write(fds[1], &err, sizeof(err)) < 0)
			_exit(127);
		_exit(127);
	}
	close(fds[1]);
	if (pid < 0 || read(fds[0], &err, sizeof(err)) > 0) {
		if (pid > 0)
			waitpid(pid, NULL, 0);
		fprintf(stderr, "dm-mockserver run: cannot run '%s': %s\n",
			argv[0], strerror(pid < 0 ? errno : err));
		close(fds[0]);
		return;
	}
	close(fds[0]);
	setpgid(pid, pid);
	res->started = true;
	/* Monotonic microseconds: whole seconds of the wall clock gave the
	 * client between timeout_s - 1 and timeout_s. */
	started = ms_mono_us();
	deadline = started + (int64_t)timeout_s * 1000000;
	for (;;) {
		if (waitpid(pid, &status, WNOHANG) == pid)
			break;
		if (ms_mono_us() >= deadline ||
		    sigtimedwait(stop, NULL, &tick) > 0) {
			res->timed_out = ms_mono_us() >= deadline;
			status = stop_client(pid);
			break;
		}
	}
	res->duration_ms = (ms_mono_us() - started) / 1000;
	res->status = WIFEXITED(status) ? WEXITSTATUS(status)
		      : 128 + WTERMSIG(status);
}


/* Write s with the five XML specials escaped; control bytes become '?'
 * (XML 1.0 cannot carry them). */
static void xml_text(FILE *f, const char *s)
{
	for (; s && *s; s++) {
		switch (*s) {
		case '&': fputs("&amp;", f); break;
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '"': fputs("&quot;", f); break;
		case '\'': fputs("&apos;", f); break;
		default:
			fputc((unsigned char)*s < 0x20 && *s != '\n' &&
			      *s != '\t' ? '?' : *s, f);
		}
	}
}


static double num(const cJSON *o, const char *key)
{
	return cJSON_GetNumberValue(cJSON_GetObjectItem(o, key));
}


static const char *str(const cJSON *o, const char *key)
{
	const char *s = cJSON_GetStringValue(cJSON_GetObjectItem(o, key));

	return s ? s : "";
}


/* "#3, #7" from a check's request numbers into buf. */
static void seq_list(const cJSON *check, char *buf, size_t len)
{
	const cJSON *n;
	size_t used = 0;

	buf[0] = '\0';
	cJSON_ArrayForEach(n, cJSON_GetObjectItem(check, "requests")) {
		if (used + 24 >= len)
			break;
		used += (size_t)snprintf(buf + used, len - used, "%s#%.0f",
					 used ? ", " : "", n->valuedouble);
	}
}


static void junit_case(FILE *f, const char *suite, const cJSON *check)
{
	char seqs[256];

	seq_list(check, seqs, sizeof(seqs));
	fputs("    <testcase classname=\"", f);
	xml_text(f, suite);
	fputs("\" name=\"", f);
	xml_text(f, str(check, "name"));
	fputs("\" time=\"0\">\n", f);
	if (cJSON_IsTrue(cJSON_GetObjectItem(check, "skipped"))) {
		fputs("      <skipped message=\"", f);
		xml_text(f, str(check, "message"));
		fputs("\"/>\n", f);
	} else if (!cJSON_IsTrue(cJSON_GetObjectItem(check, "passed"))) {
		fputs("      <failure type=\"", f);
		xml_text(f, str(check, "kind"));
		fputs("\" message=\"", f);
		xml_text(f, str(check, "message"));
		fputs("\">", f);
		xml_text(f, str(check, "message"));
		if (seqs[0]) {
			fputs("\nrequests (journal seq): ", f);
			xml_text(f, seqs);
		}
		fputs("</failure>\n", f);
	}
	fputs("    </testcase>\n", f);
}


/* JUnit XML that CI parsers accept: one testcase a check. */
static int write_junit(const char *path, const char *suite,
		       const cJSON *verdict)
{
	FILE *f = fopen(path, "w");
	const cJSON *check;

	if (!f) {
		fprintf(stderr, "dm-mockserver run: cannot write '%s': %s\n",
			path, strerror(errno));
		return -1;
	}
	fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		"<testsuites>\n  <testsuite name=\"");
	xml_text(f, suite);
	fprintf(f, "\" tests=\"%.0f\" failures=\"%.0f\" skipped=\"%.0f\" "
		"errors=\"0\">\n",
		cJSON_GetNumberValue(cJSON_GetObjectItem(verdict, "total")),
		cJSON_GetNumberValue(cJSON_GetObjectItem(verdict, "failed")),
		cJSON_GetNumberValue(cJSON_GetObjectItem(verdict,
							 "skipped")));
	cJSON_ArrayForEach(check, cJSON_GetObjectItem(verdict, "checks"))
		junit_case(f, suite, check);
	fputs("  </testsuite>\n</testsuites>\n", f);
	return fclose(f) == 0 ? 0 : -1;
}


static int write_json(const char *path, const cJSON *report)
{
	char *text = cJSON_Print(report);
	FILE *f = fopen(path, "w");
	int rc = 0;

	if (!f || !text || fputs(text, f) < 0 || fputc('\n', f) < 0)
		rc = -1;
	if (f && fclose(f) != 0)
		rc = -1;
	if (rc < 0)
		fprintf(stderr, "dm-mockserver run: cannot write '%s'\n",
			path);
	cJSON_free(text);
	return rc;
}


/* The human summary, on stdout: a line a check, then the totals. */
static void print_summary(const char *suite, const cJSON *verdict,
			  const struct client_result *res)
{
	const cJSON *check;
	char seqs[256];

	printf("\n%s\n", suite);
	if (res->timed_out)
		printf("  the client did not finish in time and was stopped\n");
	cJSON_ArrayForEach(check, cJSON_GetObjectItem(verdict, "checks")) {
		bool skipped = cJSON_IsTrue(cJSON_GetObjectItem(check,
								"skipped"));
		bool passed = cJSON_IsTrue(cJSON_GetObjectItem(check,
							       "passed"));
		seq_list(check, seqs, sizeof(seqs));
		printf("  %s %s: %s%s%s%s\n",
		       skipped ? "SKIP" : passed ? "PASS" : "FAIL",
		       str(check, "name"), str(check, "message"),
		       !passed && seqs[0] ? " (requests " : "",
		       !passed ? seqs : "", !passed && seqs[0] ? ")" : "");
	}
	printf("%.0f passed, %.0f failed, %.0f skipped\n",
	       num(verdict, "total") - num(verdict, "failed") -
	       num(verdict, "skipped"),
	       num(verdict, "failed"), num(verdict, "skipped"));
	fflush(stdout);
}


/* A failed check for a client stopped at the deadline. */
static void add_timeout_check(cJSON *verdict, unsigned timeout_s)
{
	cJSON *c = cJSON_CreateObject();
	char msg[96];

	snprintf(msg, sizeof(msg), "the client ran past --timeout %u s and "
		 "was stopped", timeout_s);
	cJSON_AddStringToObject(c, "name", "client finishes in time");
	cJSON_AddStringToObject(c, "kind", "timeout");
	cJSON_AddBoolToObject(c, "passed", false);
	cJSON_AddBoolToObject(c, "skipped", false);
	cJSON_AddStringToObject(c, "message", msg);
	cJSON_AddItemToObject(c, "requests", cJSON_CreateArray());
	cJSON_AddItemToArray(cJSON_GetObjectItem(verdict, "checks"), c);
	cJSON_ReplaceItemInObject(verdict, "passed", cJSON_CreateFalse());
	cJSON_ReplaceItemInObject(verdict, "total", cJSON_CreateNumber(
		cJSON_GetNumberValue(cJSON_GetObjectItem(verdict, "total")) +
		1));
	cJSON_ReplaceItemInObject(verdict, "failed", cJSON_CreateNumber(
		cJSON_GetNumberValue(cJSON_GetObjectItem(verdict, "failed")) +
		1));
}


/*
 * The expectations a run weighs: the scenario's, plus "client exits 0"
 * when none of them speaks of the exit status, so that a client that
 * fails never passes a run unnoticed. A new array; the caller frees it.
 */
static cJSON *run_expectations(const cJSON *expect)
{
	cJSON *all = expect ? cJSON_Duplicate(expect, true)
			    : cJSON_CreateArray();
	const cJSON *c;
	cJSON *implicit;

	cJSON_ArrayForEach(c, all) {
		if (strcmp(str(c, "kind"), "exitStatus") == 0)
			return all;
	}
	implicit = cJSON_CreateObject();
	cJSON_AddStringToObject(implicit, "name", "client exits 0");
	cJSON_AddStringToObject(implicit, "kind", "exitStatus");
	cJSON_AddBoolToObject(implicit, "zero", true);
	cJSON_AddItemToArray(all, implicit);
	return all;
}


/* The verdict on the default tenant, with the client's part added. */
static cJSON *judge(struct ms_tenant *t, const struct run_options *o,
		    const struct client_result *res, const char *suite)
{
	cJSON *verdict, *client, *expect;

	pthread_rwlock_wrlock(&t->lock);
	pthread_mutex_lock(&t->journal_lock);
	expect = run_expectations(t->state.expect);
	verdict = ms_verify(expect, &t->journal,
			    res->timed_out ? MS_VERIFY_NO_EXIT : res->status);
	pthread_mutex_unlock(&t->journal_lock);
	pthread_rwlock_unlock(&t->lock);
	cJSON_Delete(expect);
	if (res->timed_out)
		add_timeout_check(verdict, o->timeout_s);
	client = cJSON_CreateObject();
	cJSON_AddItemToObject(client, "argv", cJSON_CreateArray());
	for (char **a = o->client; *a; a++)
		cJSON_AddItemToArray(cJSON_GetObjectItem(client, "argv"),
				     cJSON_CreateString(*a));
	cJSON_AddNumberToObject(client, "exitStatus", res->status);
	cJSON_AddBoolToObject(client, "timedOut", res->timed_out);
	cJSON_AddNumberToObject(client, "durationMs",
				(double)res->duration_ms);
	cJSON_AddItemToObject(verdict, "client", client);
	cJSON_AddStringToObject(verdict, "suite", suite);
	return verdict;
}


/* Serve, run the client, judge: the part of a run with a server up. */
static int run_served(const struct run_options *o, struct ms_server *srv,
		      const char *url, const sigset_t *stop,
		      const char *suite)
{
	struct client_result res;
	struct ms_tenant *t;
	cJSON *verdict;
	char **env;
	int rc = 0;

	if (ms_registry_acquire(&srv->registry, MS_TENANT_DEFAULT, true,
				&t) != MS_ACQUIRE_OK)
		return 2;
	pthread_rwlock_wrlock(&t->lock);
	env = client_env(url, &t->state);
	pthread_rwlock_unlock(&t->lock);
	run_client(o->client, env, o->timeout_s, stop, &res);
	free_env(env);
	if (!res.started) {
		ms_registry_put(&srv->registry, t);
		return 2;
	}
	verdict = judge(t, o, &res, suite);
	ms_registry_put(&srv->registry, t);
	if (o->report_xml && write_junit(o->report_xml, suite, verdict) < 0)
		rc = 2;
	if (o->report_json && write_json(o->report_json, verdict) < 0)
		rc = 2;
	print_summary(suite, verdict, &res);
	if (rc == 0 && !cJSON_IsTrue(cJSON_GetObjectItem(verdict, "passed")))
		rc = 1;
	cJSON_Delete(verdict);
	return rc;
}


int ms_run_main(int argc, char **argv)
{
	struct ms_http_opts http = {"127.0.0.1", 0, RUN_THREADS,
				    MS_STOP_WAIT_DEFAULT_S};
	struct ms_scenario_error err;
	struct ms_scenario_opts sopts;
	struct ms_server srv = {0};
	struct run_options o;
	struct ms_http *h;
	char url[128], suite[256], msg[1536];
	sigset_t stop;
	cJSON *doc;
	int rc = parse_run(argc, argv, &o);

	if (rc != 0)
		return rc > 0 ? 0 : 2;
	ms_log_setup(o.log_level, MS_LOG_TEXT);
	doc = ms_scenario_load(o.scenario, &err);
	if (!doc) {
		ms_scenario_error_format(&err, msg, sizeof(msg));
		fprintf(stderr, "dm-mockserver run: invalid scenario: %s\n",
			msg);
		return 2;
	}
	sigemptyset(&stop);
	sigaddset(&stop, SIGINT);
	sigaddset(&stop, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &stop, NULL);
	signal(SIGPIPE, SIG_IGN);
	mg_init_library(0);
	sopts = (struct ms_scenario_opts){o.seeded, o.seed, NULL};
	snprintf(suite, sizeof(suite), "dm-mockserver %s",
		 cJSON_GetStringValue(cJSON_GetObjectItem(doc, "name"))
			 ? cJSON_GetStringValue(cJSON_GetObjectItem(doc,
								    "name"))
			 : o.scenario);
	srv.scenario_name = suite + strlen("dm-mockserver ");
	srv.max_body = MS_MAX_BODY_DEFAULT;
	rc = 2;
	if (ms_registry_init(&srv.registry, doc, &sopts,
			     MS_TENANTS_DEFAULT_MAX,
			     MS_JOURNAL_LIMIT_DEFAULT) == 0) {
		if (ms_http_start(&srv, &http, &h, url, sizeof(url)) == 0) {
			rc = run_served(&o, &srv, url, &stop, suite);
			ms_http_stop(h, &stop);
		}
		ms_registry_release(&srv.registry);
	}
	cJSON_Delete(doc);
	mg_exit_library();
	return rc;
}
