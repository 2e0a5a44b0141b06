/*
 * main: the command line (SPEC.md section 7). Parses options, loads the
 * scenario, starts the server, prints the ready line and the summary,
 * and waits for SIGINT or SIGTERM; or, for `check`, validates scenario
 * files without serving.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <civetweb.h>
#include "log.h"
#include "text.h"
#include "runner.h"
#include "server.h"

#define THREADS_DEFAULT 32
#define THREADS_MAX 512
#define MAX_BODY_MAX (64 * 1024 * 1024)
#define TENANTS_MAX 100000
#define DEFAULT_SCENARIO "scenarios/default.json"

struct options {
	struct ms_http_opts http;
	const char *scenario;
	const char *ready_file;
	const char *admin_key;
	bool seeded;
	uint64_t seed;
	size_t journal_limit;
	size_t max_body;
	size_t max_tenants;
	enum ms_log_level log_level;
	enum ms_log_format log_format;
};

static const char usage[] =
"usage: dm-mockserver [-p PORT] [-b ADDR] [-s SCENARIO] [--seed N]\n"
"                     [--ready-file PATH] [--log-level LEVEL]\n"
"                     [--log-format text|json] [--journal-limit N]\n"
"                     [--max-body BYTES] [--threads N]\n"
"                     [--admin-key KEY] [--max-tenants N]\n"
"                     [--stop-wait SECONDS]\n"
"       dm-mockserver check [--] SCENARIO...\n"
"       dm-mockserver run [-s SCENARIO] [--report FILE.xml] [--json FILE]\n"
"                         [--timeout SECONDS] [--seed N]\n"
"                         [--log-level LEVEL] -- CLIENT ARGS...\n"
"       dm-mockserver --help | --version\n"
"\n"
"A mock of Atlassian Assets Data Manager for offline client tests.\n"
"\n"
"  -p, --port PORT        port to listen on; 0 picks a free one "
"(default 8080)\n"
"  -b, --bind ADDR        IPv4 address to bind (default 127.0.0.1)\n"
"  -s, --scenario FILE    scenario to load (default "
DEFAULT_SCENARIO ",\n"
"                         else the installed one)\n"
"      --seed N           make secrets and ids reproducible\n"
"      --ready-file PATH  write the URL there once listening\n"
"      --log-level L      debug, info, warn or error (default info)\n"
"      --log-format F     text or json (default text)\n"
"      --journal-limit N  requests kept per tenant, 0 to 1000000 "
"(default 10000)\n"
"      --max-body BYTES   largest request body, 1 to 67108864 "
"(default 1048576)\n"
"      --threads N        worker threads, 1 to 512 (default 32)\n"
"      --admin-key KEY    require X-Mock-Admin-Key on /__mock; opens\n"
"                         it to clients beyond loopback\n"
"      --max-tenants N    tenants alive at once, 1 to 100000 "
"(default 1024)\n"
"      --stop-wait S      on SIGINT or SIGTERM, wait up to S seconds, 0 to\n"
"                         3600, for the requests in flight (default 80)\n"
"  -h, --help             this text\n"
"  -V, --version          the version\n"
"\n"
"check validates scenario files without serving: exit 0 when all pass.\n"
"run serves the scenario on a free port, runs the client with DM_MOCK_URL,\n"
"DM_MOCK_WORKSPACE_ID and DM_MOCK_TOKEN_<LABEL> set, checks the\n"
"scenario's expectations, writes the reports, and exits 0 only if all\n"
"passed (1 if a check failed, 2 on bad usage); run --help for more.\n";

static const struct option long_opts[] = {
	{"port", required_argument, NULL, 'p'},
	{"bind", required_argument, NULL, 'b'},
	{"scenario", required_argument, NULL, 's'},
	{"seed", required_argument, NULL, 'S'},
	{"ready-file", required_argument, NULL, 'r'},
	{"log-level", required_argument, NULL, 'l'},
	{"log-format", required_argument, NULL, 'f'},
	{"journal-limit", required_argument, NULL, 'j'},
	{"max-body", required_argument, NULL, 'm'},
	{"threads", required_argument, NULL, 't'},
	{"admin-key", required_argument, NULL, 'k'},
	{"max-tenants", required_argument, NULL, 'T'},
	{"stop-wait", required_argument, NULL, 'w'},
	{"help", no_argument, NULL, 'h'},
	{"version", no_argument, NULL, 'V'},
	{NULL, 0, NULL, 0},
};


/* A whole number in [min, max] from text; 0, or -1 after saying why. */
static int parse_number(const char *opt, const char *text,
			unsigned long long min, unsigned long long max,
			unsigned long long *out)
{
	if (ms_parse_count(text, min, max, out) < 0) {
		fprintf(stderr, "dm-mockserver: %s wants a whole number from "
			"%llu to %llu, not '%s'\n", opt, min, max, text);
		return -1;
	}
	return 0;
}


/* Apply one option that takes a number; 0, or -1 after saying why. */
static int numeric_option(struct options *o, int c, const char *arg)
{
	unsigned long long v;

	switch (c) {
	case 'p':
		if (parse_number("--port", arg, 0, 65535, &v) < 0)
			return -1;
		o->http.port = (int)v;
		return 0;
	case 'S':
		if (parse_number("--seed", arg, 0, ULLONG_MAX, &v) < 0)
			return -1;
		o->seeded = true;
		o->seed = v;
		return 0;
	case 'j':
		if (parse_number("--journal-limit", arg, 0,
				 MS_JOURNAL_LIMIT_MAX, &v) < 0)
			return -1;
		o->journal_limit = (size_t)v;
		return 0;
	case 'm':
		if (parse_number("--max-body", arg, 1, MAX_BODY_MAX, &v) < 0)
			return -1;
		o->max_body = (size_t)v;
		return 0;
	case 't':
		if (parse_number("--threads", arg, 1, THREADS_MAX, &v) < 0)
			return -1;
		o->http.threads = (int)v;
		return 0;
	case 'w':
		if (parse_number("--stop-wait", arg, 0, MS_STOP_WAIT_MAX_S,
				 &v) < 0)
			return -1;
		o->http.stop_wait_s = (int)v;
		return 0;
	default:
		if (parse_number("--max-tenants", arg, 1, TENANTS_MAX, &v) < 0)
			return -1;
		o->max_tenants = (size_t)v;
		return 0;
	}
}


/* Could a client send key back as a header's value? Not with a control
 * character, nor with white space at either end, which a header's
 * value sheds (RFC 9110). */
static bool admin_key_sendable(const char *key)
{
	size_t n = strlen(key);

	if (n == 0 || strchr(" \t", key[0]) || strchr(" \t", key[n - 1]))
		return false;
	for (const unsigned char *p = (const unsigned char *)key; *p; p++) {
		if (*p < 0x20 || *p == 0x7f)
			return false;
	}
	return true;
}


/* Apply one option; 0, 1 when the program should exit 0 (help,
 * version), or -1 after saying why it is wrong. */
static int apply_option(struct options *o, int c, const char *arg)
{
	struct in_addr addr;

	switch (c) {
	case 'b':
		if (inet_pton(AF_INET, arg, &addr) != 1) {
			fprintf(stderr, "dm-mockserver: --bind wants an IPv4 "
				"address such as 127.0.0.1, not '%s'\n", arg);
			return -1;
		}
		o->http.bind = arg;
		return 0;
	case 's': o->scenario = arg; return 0;
	case 'r': o->ready_file = arg; return 0;
	case 'k':
		if (!admin_key_sendable(arg)) {
			fprintf(stderr, "dm-mockserver: --admin-key must not "
				"be empty, hold a control character or start "
				"or end with white space: a client could not "
				"send it back in X-Mock-Admin-Key\n");
			return -1;
		}
		o->admin_key = arg;
		return 0;
	case 'l':
		if (ms_log_level_parse(arg, &o->log_level) == 0)
			return 0;
		fprintf(stderr, "dm-mockserver: --log-level wants debug, "
			"info, warn or error, not '%s'\n", arg);
		return -1;
	case 'f':
		if (strcmp(arg, "text") == 0 || strcmp(arg, "json") == 0) {
			o->log_format = arg[0] == 'j' ? MS_LOG_JSON
						      : MS_LOG_TEXT;
			return 0;
		}
		fprintf(stderr, "dm-mockserver: --log-format wants text or "
			"json, not '%s'\n", arg);
		return -1;
	case 'h': fputs(usage, stdout); return 1;
	case 'V': printf("dm-mockserver %s\n", MS_VERSION); return 1;
	case 'p': case 'S': case 'j': case 'm': case 't': case 'T': case 'w':
		return numeric_option(o, c, arg);
	default:
		fputs(usage, stderr);
		return -1;
	}
}


static int parse_options(int argc, char **argv, struct options *o)
{
	int c, rc;

	*o = (struct options){
		.http = {"127.0.0.1", 8080, THREADS_DEFAULT,
			 MS_STOP_WAIT_DEFAULT_S},
		.scenario = ms_scenario_default_path(),
		.journal_limit = MS_JOURNAL_LIMIT_DEFAULT,
		.max_body = MS_MAX_BODY_DEFAULT,
		.max_tenants = MS_TENANTS_DEFAULT_MAX,
		.log_level = MS_LOG_INFO,
		.log_format = MS_LOG_TEXT,
	};
	while ((c = getopt_long(argc, argv, "p:b:s:hV", long_opts, NULL)) !=
	       -1) {
		rc = apply_option(o, c, optarg);
		if (rc != 0)
			return rc;
	}
	if (optind < argc) {
		fprintf(stderr, "dm-mockserver: unexpected argument '%s'\n",
			argv[optind]);
		return -1;
	}
	return 0;
}


/* `check FILE...`: load each, say what is wrong; 0 when all pass. */
static int cmd_check(int argc, char **argv)
{
	struct ms_scenario_error err;
	char msg[1536];
	int failed = 0;

	if (argc == 1 && (strcmp(argv[0], "--help") == 0 ||
			  strcmp(argv[0], "-h") == 0)) {
		printf("usage: dm-mockserver check [--] SCENARIO...\n"
		       "Load each scenario file as the server would and say "
		       "what is wrong, at its\nline and column. Exit 0 when "
		       "all are valid, 1 when one is not, 2 on misuse\n"
		       "(an unknown option; \"--\" ends the options).\n");
		return 0;
	}
	/* An option it does not know is misuse, not a file name; "--"
	 * ends the options, for a file whose name starts with '-'. */
	for (int i = 0; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0) {
			memmove(&argv[i], &argv[i + 1],
				(size_t)(argc - i - 1) * sizeof(*argv));
			argc--;
			break;
		}
		if (argv[i][0] == '-' && argv[i][1] != '\0') {
			fprintf(stderr, "dm-mockserver check: unknown option "
				"'%s'\n", argv[i]);
			argc = 0;
		}
	}
	if (argc < 1) {
		fprintf(stderr, "usage: dm-mockserver check "
			"[--] SCENARIO...\n");
		return 2;
	}
	for (int i = 0; i < argc; i++) {
		cJSON *doc = ms_scenario_load(argv[i], &err);
		if (!doc) {
			ms_scenario_error_format(&err, msg, sizeof(msg));
			fprintf(stderr, "%s\n", msg);
			failed++;
			continue;
		}
		printf("%s: ok\n", argv[i]);
		cJSON_Delete(doc);
	}
	return failed ? 1 : 0;
}


/* Write url and a newline to path through a temporary file and a
 * rename, so a watcher never reads half of it. */
static int write_ready_file(const char *path, const char *url)
{
	char tmp[PATH_MAX];
	FILE *f;

	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp", path) >=
	    sizeof(tmp))
		return -1;
	f = fopen(tmp, "w");
	if (!f) {
		ms_log(MS_LOG_ERROR, "cannot write '%s': %s", tmp,
		       strerror(errno));
		return -1;
	}
	fprintf(f, "%s\n", url);
	if (fclose(f) != 0 || rename(tmp, path) != 0) {
		ms_log(MS_LOG_ERROR, "cannot write '%s': %s", path,
		       strerror(errno));
		return -1;
	}
	return 0;
}


/* The scenario's tokens, with their secrets when the file gives them. */
static void print_tokens(const cJSON *doc)
{
	const cJSON *tok;

	cJSON_ArrayForEach(tok, cJSON_GetObjectItem(doc, "tokens")) {
		const char *secret = cJSON_GetStringValue(
			cJSON_GetObjectItem(tok, "secret"));
		printf("  token %-18s %-18s %s\n",
		       cJSON_GetStringValue(cJSON_GetObjectItem(tok, "label")),
		       cJSON_GetStringValue(cJSON_GetObjectItem(tok, "type")),
		       secret ? secret : "(made at start: GET /__mock/state)");
	}
}


/*
 * The summary after the ready line: who can sign in, with what, and which
 * tokens exist, from the registry's template (tenants are made on first
 * use only; the template is only read). Fixture credentials are test
 * data.
 */
static void print_summary(const struct ms_state *st, const cJSON *doc)
{
	printf("scenario %s: Data Manager %s, workspace %s\n",
	       st->scenario_name ? st->scenario_name : "(unnamed)",
	       st->initialized ? "initialized" : "not initialized",
	       st->workspace_id);
	for (size_t i = 0; i < st->nusers; i++) {
		const struct ms_user *u = &st->users[i];
		printf("  user  %-12s %s:%s\n", u->account_id,
		       u->email ? u->email : "-",
		       u->api_token ? u->api_token : "-");
	}
	print_tokens(doc);
	fflush(stdout);
}


/* Block the stop signals in every thread, then wait for one here. */
static void wait_for_stop(const sigset_t *set)
{
	int sig = 0;

	while (sigwait(set, &sig) != 0)
		;
	ms_log(MS_LOG_INFO, "signal %d: finishing requests in flight", sig);
}


static int serve(const struct options *o, cJSON *doc)
{
	struct ms_scenario_opts sopts = {o->seeded, o->seed, NULL};
	struct ms_server srv = {0};
	struct ms_http *http;
	char url[128];
	sigset_t set;
	const cJSON *name = cJSON_GetObjectItemCaseSensitive(doc, "name");

	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);

	srv.scenario_name = cJSON_IsString(name) ? name->valuestring
						 : o->scenario;
	srv.admin_key = o->admin_key;
	srv.max_body = o->max_body;
	if (ms_registry_init(&srv.registry, doc, &sopts, o->max_tenants,
			     o->journal_limit) < 0)
		return 1;
	if (ms_http_start(&srv, &o->http, &http, url, sizeof(url)) < 0) {
		ms_registry_release(&srv.registry);
		return 1;
	}
	if (o->ready_file && write_ready_file(o->ready_file, url) < 0) {
		ms_http_stop(http, NULL);
		ms_registry_release(&srv.registry);
		return 1;
	}
	printf("dm-mockserver listening on %s\n", url);
	fflush(stdout);
	print_summary(&srv.registry.template.state, doc);
	wait_for_stop(&set);
	ms_http_stop(http, &set);
	ms_registry_release(&srv.registry);
	ms_log(MS_LOG_INFO, "stopped");
	return 0;
}


int main(int argc, char **argv)
{
	struct ms_scenario_error err;
	struct options o;
	char msg[1536];
	cJSON *doc;
	int rc;

	if (argc > 1 && strcmp(argv[1], "check") == 0)
		return cmd_check(argc - 2, argv + 2);
	if (argc > 1 && strcmp(argv[1], "run") == 0)
		return ms_run_main(argc - 1, argv + 1);
	rc = parse_options(argc, argv, &o);
	if (rc != 0)
		return rc > 0 ? 0 : 2;
	ms_log_setup(o.log_level, o.log_format);
	mg_init_library(0);
	doc = ms_scenario_load(o.scenario, &err);
	if (!doc) {
		ms_scenario_error_format(&err, msg, sizeof(msg));
		fprintf(stderr, "dm-mockserver: invalid scenario: %s\n", msg);
		return 2;
	}
	rc = serve(&o, doc);
	cJSON_Delete(doc);
	mg_exit_library();
	return rc;
}
