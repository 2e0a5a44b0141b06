/*
 * test_secrets: no secret reaches the log or the journal.
 *
 * Each test starts the real server on scenarios/default.json with
 * --log-level debug and --admin-key (once with text logs, once with JSON
 * logs) and drives a full run over HTTP: every site route as Ada, each
 * fixture user with their own API token, tokens made, regenerated and
 * revoked at run time, every token presented on every gateway route as
 * Bearer and as the Basic password, credentials that are nearly right,
 * credential headers the mock does not use, a rule added at run time and
 * the control plane. Then it stops the server and searches its stderr
 * (the log) and the journal for every secret in play: fixture token
 * secrets, users' API tokens, secrets made at run time (new and
 * retired), the admin key, and the cut-short copies sent as bad
 * credentials. A hit fails the test, naming the secret and where it was.
 *
 * The start-up summary on stdout prints fixture credentials on purpose
 * (documented test data), so stdout is kept apart and not searched. The
 * journal must still describe the credentials ("Bearer <token ... id=")
 * and the log must hold the debug lines, so that a run that journaled or
 * logged nothing cannot pass.
 */
#include <stdarg.h>
#include <cjson/cJSON.h>
#include "testutil.h"
#include "testserver.h"

#define SCENARIO "scenarios/default.json"
#define TOKENS_FILE "fixtures/tokens.json"
#define PEOPLE_FILE "fixtures/people.json"
#define ADMIN_KEY "test-admin-key-SECRET9"
#define ADMIN "X-Mock-Admin-Key: " ADMIN_KEY
#define ADA_EMAIL "ada@example.com"
#define ADA_TOKEN "ada-api-token"
#define DM "/rest/datamanager/1.0"
#define WORKSPACE "/rest/servicedeskapi/assets/workspace"
#define ROLE "{\"users\":[\"acc-ada\"],\"groups\":[]}"
#define MAX_SECRETS 64
#define AUTH_MAX 512

static cJSON *fixture_tokens;    /* the "tokens" array of TOKENS_FILE */
static cJSON *fixture_people;    /* the "users" array of PEOPLE_FILE */
static cJSON *tokens_doc, *people_doc;

struct secret {
	char what[160];
	char value[256];
};

struct run {
	struct ts_server srv;
	CURL *curl;
	char ada[AUTH_MAX];          /* Ada's Authorization value */
	char gw[160];                /* gateway prefix, workspace included */
	struct secret secrets[MAX_SECRETS];
	int nsecrets;
	char *journal;               /* GET /__mock/journal, as sent */
	char *log;                   /* the server's stderr */
	int leaks;
};

/* One request: the whole Authorization value and one more header line
 * are optional (NULL). */
struct req {
	const char *method;
	const char *path;
	const char *auth;
	const char *header;
	const char *body;
};

static const struct req gateway_routes[] = {
	{"GET", "/client/info", NULL, NULL, NULL},
	{"POST", "/adapters/runs", NULL, NULL, "{\"job\":\"leak-check\"}"},
	{"POST", "/cleanse-import/operations", NULL, NULL,
	 "{\"run\":\"full\"}"},
};


/* The whole file at path, NUL-terminated; NULL when it cannot be read.
 * The caller frees it. */
static char *slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *text = NULL;
	size_t len = 0, got;
	char buf[4096];

	if (!f)
		return NULL;
	while ((got = fread(buf, 1, sizeof(buf), f)) > 0) {
		char *grown = realloc(text, len + got + 1);
		if (!grown)
			break;
		text = grown;
		memcpy(text + len, buf, got);
		len += got;
	}
	fclose(f);
	if (!text)
		text = calloc(1, 1);
	else
		text[len] = '\0';
	return text;
}


static cJSON *load_json(const char *path)
{
	char *text = slurp(path);
	cJSON *doc = text ? cJSON_Parse(text) : NULL;

	free(text);
	return doc;
}


/* "Basic " and base64 of user:password into out. */
static void basic_auth(char *out, size_t len, const char *user,
		       const char *password)
{
	static const char abc[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
				  "abcdefghijklmnopqrstuvwxyz0123456789+/";
	char plain[AUTH_MAX];
	size_t n, o;

	n = (size_t)snprintf(plain, sizeof(plain), "%s:%s", user, password);
	o = (size_t)snprintf(out, len, "Basic ");
	for (size_t i = 0; i < n && o + 5 < len; i += 3) {
		unsigned v = (unsigned)(unsigned char)plain[i] << 16;

		if (i + 1 < n)
			v |= (unsigned)(unsigned char)plain[i + 1] << 8;
		if (i + 2 < n)
			v |= (unsigned char)plain[i + 2];
		out[o++] = abc[v >> 18 & 63];
		out[o++] = abc[v >> 12 & 63];
		out[o++] = i + 1 < n ? abc[v >> 6 & 63] : '=';
		out[o++] = i + 2 < n ? abc[v & 63] : '=';
	}
	out[o] = '\0';
}


/* Keep value as a secret to search for, what naming it in reports. */
static void remember(struct run *run, const char *value,
		     const char *fmt, ...)
{
	struct secret *s;
	va_list ap;

	assert_true(run->nsecrets < MAX_SECRETS);
	assert_true(value && strlen(value) >= 8);
	s = &run->secrets[run->nsecrets++];
	snprintf(s->value, sizeof(s->value), "%s", value);
	va_start(ap, fmt);
	vsnprintf(s->what, sizeof(s->what), fmt, ap);
	va_end(ap);
}


/*
 * Send q; returns the status, or 0 when no answer came. When reply is
 * not NULL, *reply is the body (the caller frees it; NULL when none).
 */
static long http(struct run *run, const struct req *q, char **reply)
{
	struct ts_reply r;
	long status = 0;

	if (ts_request_hdr(run->curl, &run->srv, q->method, q->path, q->auth,
			   q->header, q->body, &r) == 0)
		status = r.status;
	if (reply)
		*reply = r.body;
	else
		free(r.body);
	return status;
}


/* A string member of a JSON text; copied into out (len bytes). */
static void json_string(const char *text, const char *key, char *out,
			size_t len)
{
	cJSON *doc = cJSON_Parse(text ? text : "");
	const char *v = cJSON_GetStringValue(cJSON_GetObjectItem(doc, key));

	assert_non_null(v);
	snprintf(out, len, "%s", v);
	cJSON_Delete(doc);
}


static const char *field(const cJSON *o, const char *key)
{
	return cJSON_GetStringValue(cJSON_GetObjectItem(o, key));
}


/* Fixture token secrets, users' API tokens and the admin key. */
static void remember_fixtures(struct run *run)
{
	const cJSON *t, *u;

	cJSON_ArrayForEach(t, fixture_tokens) {
		remember(run, field(t, "secret"), "fixture token %s (%s)",
			 field(t, "label"), TOKENS_FILE);
	}
	cJSON_ArrayForEach(u, fixture_people) {
		remember(run, field(u, "apiToken"), "API token of %s (%s)",
			 field(u, "email"), PEOPLE_FILE);
	}
	remember(run, ADMIN_KEY, "the admin key");
}


static int start(void **state, int json_log)
{
	const char *args[] = {"--log-level", "debug", "--admin-key",
			      ADMIN_KEY, json_log ? "--log-format" : NULL,
			      "json", NULL};
	struct run *run = calloc(1, sizeof(*run));

	if (!run)
		return -1;
	*state = run;
	run->curl = curl_easy_init();
	basic_auth(run->ada, sizeof(run->ada), ADA_EMAIL, ADA_TOKEN);
	remember_fixtures(run);
	return ts_server_spawn(&run->srv, SCENARIO, args, 1);
}


static int setup_text(void **state)
{
	return start(state, 0);
}


static int setup_json(void **state)
{
	return start(state, 1);
}


/* After a failure the server may still run: stop it and show its log. */
static int teardown(void **state)
{
	struct run *run = *state;
	char cmd[128];

	if (!run)
		return 0;
	if (run->srv.pid > 0) {
		ts_server_stop(&run->srv, 0);
		snprintf(cmd, sizeof(cmd), "tail -n 40 %s >&2", run->srv.err);
		if (system(cmd) != 0)
			fprintf(stderr, "(no server log)\n");
	}
	if (run->srv.err[0])
		unlink(run->srv.err);
	curl_easy_cleanup(run->curl);
	free(run->journal);
	free(run->log);
	free(run);
	return 0;
}


/* Find the workspace id as a client does; fills run->gw. */
static void find_gateway(struct run *run)
{
	char *body = NULL;
	cJSON *page;
	const char *ws;

	assert_int_equal(http(run, &(struct req){"GET", WORKSPACE, run->ada,
						NULL, NULL}, &body), 200);
	page = cJSON_Parse(body);
	ws = field(cJSON_GetArrayItem(cJSON_GetObjectItem(page, "values"),
				      0), "workspaceId");
	assert_non_null(ws);
	snprintf(run->gw, sizeof(run->gw),
		 "/jsm/assets/workspace/%s/v1/datamanager", ws);
	cJSON_Delete(page);
	free(body);
}


/* Each fixture user with their own API token, and Dmitri updating a
 * role (Ada may not). */
static void drive_people(struct run *run)
{
	char auth[AUTH_MAX];
	const cJSON *u;

	cJSON_ArrayForEach(u, fixture_people) {
		basic_auth(auth, sizeof(auth), field(u, "email"),
			   field(u, "apiToken"));
		http(run, &(struct req){"GET", DM "/state", auth, NULL, NULL},
		     NULL);
		http(run, &(struct req){"GET", DM "/tokens", auth, NULL, NULL},
		     NULL);
	}
	basic_auth(auth, sizeof(auth), "dmitri@example.com",
		   "dmitri-api-token");
	assert_int_equal(http(run, &(struct req){"PUT", DM "/roles/"
						"ADAPTERS_ADMIN", auth, NULL,
						ROLE}, NULL), 200);
}


/* Every site route as Ada, then as each fixture user. */
static void drive_site(struct run *run)
{
	const char *id = field(cJSON_GetArrayItem(fixture_tokens, 0), "id");
	char path[256];
	static const struct {
		struct req q;
		long status;
	} ada_routes[] = {
		{{"POST", DM "/initialize", NULL, NULL, NULL}, 200},
		{{"GET", DM "/state", NULL, NULL, NULL}, 200},
		{{"GET", DM "/token-types", NULL, NULL, NULL}, 200},
		{{"GET", DM "/tokens?limit=1000", NULL, NULL, NULL}, 200},
		{{"GET", DM "/tokens?type=BASIC_AUTH&status=ACTIVE", NULL,
		  NULL, NULL}, 200},
		{{"GET", DM "/roles", NULL, NULL, NULL}, 200},
		{{"PUT", DM "/roles/ADAPTERS_ADMIN", NULL, NULL, ROLE}, 403},
	};

	for (size_t i = 0; i < sizeof(ada_routes) / sizeof(*ada_routes);
	     i++) {
		struct req q = ada_routes[i].q;
		q.auth = run->ada;
		assert_int_equal(http(run, &q, NULL), ada_routes[i].status);
	}
	snprintf(path, sizeof(path), DM "/tokens/%s", id);
	assert_int_equal(http(run, &(struct req){"GET", path, run->ada, NULL,
						NULL}, NULL), 200);
	drive_people(run);
}


/* Present secret on every gateway route, as Bearer and as the Basic
 * password (Ada's email as the user). */
static void present(struct run *run, const char *secret)
{
	char bearer[AUTH_MAX], basic[AUTH_MAX], path[512];

	snprintf(bearer, sizeof(bearer), "Bearer %s", secret);
	basic_auth(basic, sizeof(basic), ADA_EMAIL, secret);
	for (size_t i = 0;
	     i < sizeof(gateway_routes) / sizeof(*gateway_routes); i++) {
		struct req q = gateway_routes[i];
		snprintf(path, sizeof(path), "%s%s", run->gw, q.path);
		q.path = path;
		q.auth = bearer;
		http(run, &q, NULL);
		q.auth = basic;
		http(run, &q, NULL);
	}
}


/* GET client/info with secret as Bearer, or as the Basic password. */
static long client_info(struct run *run, const char *secret, int basic)
{
	char auth[AUTH_MAX], path[512];

	if (basic)
		basic_auth(auth, sizeof(auth), ADA_EMAIL, secret);
	else
		snprintf(auth, sizeof(auth), "Bearer %s", secret);
	snprintf(path, sizeof(path), "%s/client/info", run->gw);
	return http(run, &(struct req){"GET", path, auth, NULL, NULL}, NULL);
}


/* Every fixture token on every route; each works the way it should. */
static void drive_fixture_gateway(struct run *run)
{
	const cJSON *t;

	cJSON_ArrayForEach(t, fixture_tokens) {
		const char *type = field(t, "type");
		present(run, field(t, "secret"));
		assert_int_equal(client_info(run, field(t, "secret"),
					     strcmp(type, "BASIC_AUTH") == 0),
				 200);
	}
}


/* POST a token of type as Ada; fills secret and id and remembers it. */
static void make_token(struct run *run, const char *type, char *secret,
		       char *id)
{
	char body[128], *reply = NULL;

	snprintf(body, sizeof(body),
		 "{\"label\":\"leak-%s\",\"type\":\"%s\"}", type, type);
	assert_int_equal(http(run, &(struct req){"POST", DM "/tokens",
						run->ada, NULL, body},
			      &reply), 201);
	json_string(reply, "token", secret, 128);
	json_string(reply, "id", id, 64);
	free(reply);
	remember(run, secret, "token leak-%s made at run time", type);
}


/* Tokens of each type made, the first regenerated, the second revoked;
 * every secret, new and retired, presented on the gateway. */
static void drive_made_tokens(struct run *run)
{
	static const char *const types[] = {"ADAPTERS_CLIENT",
					    "CLEANSE_AND_IMPORT",
					    "BASIC_AUTH"};
	char secret[3][128], id[3][64], again[128], path[256];
	char *reply = NULL;

	for (int i = 0; i < 3; i++) {
		make_token(run, types[i], secret[i], id[i]);
		present(run, secret[i]);
	}
	snprintf(path, sizeof(path), DM "/tokens/%s/regenerate", id[0]);
	assert_int_equal(http(run, &(struct req){"POST", path, run->ada,
						NULL, NULL}, &reply), 200);
	json_string(reply, "token", again, sizeof(again));
	free(reply);
	remember(run, again, "token leak-%s regenerated at run time",
		 types[0]);

	snprintf(path, sizeof(path), DM "/tokens/%s", id[1]);
	assert_int_equal(http(run, &(struct req){"GET", path, run->ada, NULL,
						NULL}, NULL), 200);
	assert_int_equal(http(run, &(struct req){"DELETE", path, run->ada,
						NULL, NULL}, NULL), 204);
	for (int i = 0; i < 3; i++)
		present(run, secret[i]);
	present(run, again);
	assert_int_equal(client_info(run, again, 0), 200);
	assert_int_equal(client_info(run, secret[0], 0), 401);
	assert_int_equal(client_info(run, secret[1], 0), 401);
}


/* Send auth on a site route and a gateway route. */
static void send_both(struct run *run, const char *auth, const char *hdr)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/client/info", run->gw);
	http(run, &(struct req){"GET", path, auth, hdr, NULL}, NULL);
	http(run, &(struct req){"GET", DM "/state", auth, hdr, NULL}, NULL);
}


/* Token secrets nearly right: cut short, lengthened, one character
 * changed, schemes misspelt or missing, in the wrong header. */
static void near_miss_secret(struct run *run, const char *label,
			     const char *secret)
{
	char cut[256], other[256], auth[AUTH_MAX], hdr[AUTH_MAX];
	size_t n = strlen(secret);
	static const char *const forms[][2] = {
		{"Bearer ", ""}, {"Bearer ", "x"}, {"bearer ", ""},
		{"Bearer  ", ""}, {"Token ", ""}, {"", ""},
		{"Bearer ", " extra"}, {"BEARER ", ""},
	};

	snprintf(cut, sizeof(cut), "%.*s", (int)n - 1, secret);
	remember(run, cut, "a cut-short copy of %s, sent as a bad "
		 "credential", label);
	snprintf(other, sizeof(other), "%s", secret);
	other[n - 1] = other[n - 1] == 'A' ? 'B' : 'A';
	snprintf(auth, sizeof(auth), "Bearer %s", cut);
	send_both(run, auth, NULL);
	snprintf(auth, sizeof(auth), "Bearer %s", other);
	send_both(run, auth, NULL);
	for (size_t i = 0; i < sizeof(forms) / sizeof(*forms); i++) {
		snprintf(auth, sizeof(auth), "%s%s%s", forms[i][0], secret,
			 forms[i][1]);
		send_both(run, auth, NULL);
	}
	basic_auth(auth, sizeof(auth), "nobody@example.com", cut);
	send_both(run, auth, NULL);
	basic_auth(auth, sizeof(auth), secret, "");
	send_both(run, auth, NULL);
	snprintf(hdr, sizeof(hdr), "X-Api-Token: %s", secret);
	send_both(run, NULL, hdr);
	snprintf(hdr, sizeof(hdr), "Cookie: session=%s", secret);
	send_both(run, run->ada, hdr);
}


/* Users' credentials nearly right, and the admin key where it does not
 * belong or slightly wrong. */
static void near_miss_people(struct run *run)
{
	char auth[AUTH_MAX], bearer[AUTH_MAX];
	const char *nightly = field(cJSON_GetArrayItem(fixture_tokens, 0),
				    "secret");

	remember(run, "ada-api-toke", "a cut-short copy of Ada's API token, "
		 "sent as a bad credential");
	basic_auth(auth, sizeof(auth), ADA_EMAIL, ADA_TOKEN "x");
	send_both(run, auth, NULL);
	basic_auth(auth, sizeof(auth), ADA_EMAIL, "ada-api-toke");
	send_both(run, auth, NULL);
	basic_auth(auth, sizeof(auth), "dmitri@example.com", ADA_TOKEN);
	send_both(run, auth, NULL);
	basic_auth(auth, sizeof(auth), ADA_EMAIL, nightly);
	send_both(run, auth, NULL);
	send_both(run, "Bearer " ADA_TOKEN, NULL);
	send_both(run, "Bearer " ADMIN_KEY, NULL);
	send_both(run, run->ada, ADMIN);
	snprintf(bearer, sizeof(bearer), "Bearer %s", nightly);
	send_both(run, bearer, ADMIN);
	assert_int_not_equal(http(run, &(struct req){"GET", "/__mock/health",
						    NULL, ADMIN "x", NULL},
				  NULL), 200);
	assert_int_not_equal(http(run, &(struct req){"GET", "/__mock/health",
						    NULL, NULL, NULL},
				  NULL), 200);
}


static void drive_near_misses(struct run *run)
{
	const cJSON *t;

	cJSON_ArrayForEach(t, fixture_tokens) {
		near_miss_secret(run, field(t, "label"), field(t, "secret"));
	}
	near_miss_people(run);
}


/* A rule added at run time and answering; the control plane's reads,
 * secrets-bearing state included; last, the journal. */
static void drive_control(struct run *run)
{
	const char *nightly = field(cJSON_GetArrayItem(fixture_tokens, 0),
				    "secret");
	char path[512], auth[AUTH_MAX];
	static const char *const reads[] = {
		"/__mock/health", "/__mock/clock", "/__mock/state",
		"/__mock/rules", "/__mock/verify",
	};

	assert_int_equal(http(run, &(struct req){
		"POST", "/__mock/rules", NULL, ADMIN,
		"{\"name\":\"leak-rule\",\"match\":{\"path\":"
		"\"**/adapters/runs\",\"token\":\"adapters-nightly\","
		"\"times\":1},\"respond\":{\"status\":503}}"}, NULL), 201);
	snprintf(path, sizeof(path), "%s/adapters/runs", run->gw);
	snprintf(auth, sizeof(auth), "Bearer %s", nightly);
	assert_int_equal(http(run, &(struct req){"POST", path, auth, NULL,
						"{\"job\":\"ruled\"}"},
			      NULL), 503);
	for (size_t i = 0; i < sizeof(reads) / sizeof(*reads); i++) {
		assert_int_equal(http(run, &(struct req){"GET", reads[i], auth,
							ADMIN, NULL}, NULL),
				 200);
	}
	assert_int_equal(http(run, &(struct req){
		"POST", "/__mock/clock", NULL, ADMIN,
		"{\"advance\":\"P1D\"}"}, NULL), 200);
	assert_int_equal(http(run, &(struct req){
		"GET", "/__mock/journal?limit=100000", NULL, ADMIN, NULL},
		&run->journal), 200);
	assert_non_null(run->journal);
}


/* Stop the server (it must exit 0) and read its stderr. */
static void stop(struct run *run)
{
	int rc = ts_server_stop(&run->srv, 0);

	run->srv.pid = 0;
	run->log = slurp(run->srv.err);
	if (rc != 0 && run->log)
		fprintf(stderr, "%s", run->log);
	assert_int_equal(rc, 0);
	assert_non_null(run->log);
}


/* Where value is in the journal: the first entry holding it, by seq,
 * method and path. */
static void journal_where(const struct run *run, const char *value,
			  char *out, size_t len)
{
	cJSON *doc = cJSON_Parse(run->journal);
	const cJSON *e;

	snprintf(out, len, "the journal, outside its entries");
	cJSON_ArrayForEach(e, cJSON_GetObjectItem(doc, "entries")) {
		char *text = cJSON_PrintUnformatted(e);
		int in = text && strstr(text, value);

		free(text);
		if (!in)
			continue;
		snprintf(out, len, "journal entry seq %.0f (%s %s)",
			 cJSON_GetNumberValue(cJSON_GetObjectItem(e, "seq")),
			 field(e, "method"), field(e, "path"));
		break;
	}
	cJSON_Delete(doc);
}


/* Report every remembered secret found in the log or the journal. */
static void find_leaks(struct run *run)
{
	char where[512];

	for (int i = 0; i < run->nsecrets; i++) {
		const struct secret *s = &run->secrets[i];
		const char *hit = strstr(run->log, s->value);
		if (hit) {
			int line = 1;
			for (const char *p = run->log; p < hit; p++)
				line += *p == '\n';
			print_error("leak: %s: in the server log (stderr), "
				    "line %d\n", s->what, line);
			run->leaks++;
		}
		if (strstr(run->journal, s->value)) {
			journal_where(run, s->value, where, sizeof(where));
			print_error("leak: %s: in %s\n", s->what, where);
			run->leaks++;
		}
	}
}


/* Fail unless text (named what in the message) holds want. */
static void want_in(const char *text, const char *what, const char *want)
{
	if (!strstr(text, want))
		fail_msg("%s lacks %s", what, want);
}


/* What must be there: descriptions in the journal, debug and request
 * lines in the log. */
static void check_present(const struct run *run)
{
	static const char *const journal_has[] = {
		"Basic <user acc-ada>", "retired secret>",
		"<unknown token>", "<malformed credentials>",
		"<rejected credentials>", "<redacted>",
		"Bearer <token leak-ADAPTERS_CLIENT id=",
		"Basic <token leak-BASIC_AUTH id=", "\"rule\":\"leak-rule\"",
	};
	char want[256];
	const cJSON *t;

	cJSON_ArrayForEach(t, fixture_tokens) {
		snprintf(want, sizeof(want), "Bearer <token %s id=%s>",
			 field(t, "label"), field(t, "id"));
		want_in(run->journal, "the journal", want);
		snprintf(want, sizeof(want), "Basic <token %s id=%s>",
			 field(t, "label"), field(t, "id"));
		want_in(run->journal, "the journal", want);
	}
	for (size_t i = 0; i < sizeof(journal_has) / sizeof(*journal_has);
	     i++)
		want_in(run->journal, "the journal", journal_has[i]);
	want_in(run->log, "the log", "tenant default created");
	want_in(run->log, "the log", "POST " DM "/tokens 201");
	want_in(run->log, "the log", "GET /__mock/journal 200");
}


static void full_run(struct run *run)
{
	find_gateway(run);
	drive_site(run);
	drive_fixture_gateway(run);
	drive_made_tokens(run);
	drive_near_misses(run);
	drive_control(run);
	stop(run);
	find_leaks(run);
	if (run->leaks)
		fail_msg("%d leaks (above)", run->leaks);
	check_present(run);
}


static void test_secrets_text_log(void **state)
{
	full_run(*state);
}


static void test_secrets_json_log(void **state)
{
	struct run *run = *state;

	full_run(run);
	want_in(run->log, "the log", "{\"level\":\"debug\"");
}


static int group_setup(void **state)
{
	(void)state;
	curl_global_init(CURL_GLOBAL_DEFAULT);
	tokens_doc = load_json(TOKENS_FILE);
	people_doc = load_json(PEOPLE_FILE);
	fixture_tokens = cJSON_GetObjectItem(tokens_doc, "tokens");
	fixture_people = cJSON_GetObjectItem(people_doc, "users");
	if (cJSON_GetArraySize(fixture_tokens) < 1 ||
	    cJSON_GetArraySize(fixture_people) < 1) {
		fprintf(stderr, "cannot read %s and %s: run from the top of "
			"the tree\n", TOKENS_FILE, PEOPLE_FILE);
		return -1;
	}
	return 0;
}


static int group_teardown(void **state)
{
	(void)state;
	cJSON_Delete(tokens_doc);
	cJSON_Delete(people_doc);
	curl_global_cleanup();
	return 0;
}


int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_secrets_text_log,
						setup_text, teardown),
		cmocka_unit_test_setup_teardown(test_secrets_json_log,
						setup_json, teardown),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
