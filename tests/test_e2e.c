/*
 * test_e2e: the end-to-end suite, one cmocka test per case file.
 *
 * Every JSON file in tests/cases (sorted) is one test named after it. The
 * test starts a real server (DM_MOCKSERVER_BIN, default
 * build/dm-mockserver) on 127.0.0.1 port 0 with the case's scenario and
 * --seed 42, waits for its --ready-file, sends the steps with libcurl,
 * checks each answer, then stops the server with SIGTERM and wants it to
 * exit 0. Run it from the top of the tree; an argument is a cmocka name
 * filter ("token*.json").
 *
 * A case file:
 *
 *   {"description": "...", "scenario": "scenarios/default.json",
 *    "args": ["--max-body", "1024"],          (optional, added last)
 *    "steps": [STEP, ...]}
 *
 * A step:
 *
 *   {"name": "...", "method": "GET", "path": "/rest/...",
 *    "query": "a=b",                                        (optional)
 *    "auth": {"basic": "user:password"} | {"bearer": "secret"}
 *          | {"header": "raw Authorization value"},        (optional)
 *    "headers": {"X-Foo": "v"},     ("" sends an empty header; optional)
 *    "body": <any JSON, sent as application/json>  or
 *    "rawBody": "text sent as is (no substitution)",        (optional)
 *    "repeat": N,                   (send and check N times; default 1)
 *    "expect": {
 *      "status": 200,                                       (required)
 *      "reason": "token_expired",   (X-Mock-Reason; when status >= 400
 *                                    and no reason is given, some reason
 *                                    must still be there)
 *      "headers": {"Allow": "GET, POST"},
 *      "body": {"dotted.path[0].x": EXPECTED, ...},  (a path may end
 *                                    in " #note": several checks of one
 *                                    path)
 *      "bodyExact": EXPECTED},      (the whole body)
 *    "save": {"var": "dotted.path"}}  (from the response body)
 *
 * A dotted path walks objects by key and arrays by [N]; [key=value]
 * picks the first array element whose key is the string value; "" is the
 * whole body. EXPECTED is JSON compared exactly (objects must have the
 * same keys), except that a string of the form <...> is a matcher:
 * <string> <number> <bool> <null> <array> <object> <absent> <present>
 * <uuid> <time> (ISO-8601 UTC with milliseconds) <length:N>
 * <regex:ERE> <contains:X> (array holding the string X, string holding
 * X, object with key X or whose text holds X) <excludes:X> (the value's
 * text does not hold X) <ne:X> (the value's text is not X). Header and
 * reason expectations take the same strings.
 *
 * ${var} is replaced, from earlier saves, in the path, query, auth,
 * headers, body strings and every expected string; a string that is
 * exactly "${var}" stands for the saved JSON value itself.
 *
 * Every answer is also checked against SPEC section 2 whatever the case
 * says: a body means Content-Type application/json; 204 has no body; an
 * error has a JSON body, the gateway's exact 401 body on the gateway and
 * the errorMessages/errors collection elsewhere; a 403 names the missing
 * permission or a token/permission reason; a 405 carries Allow.
 */
#include "testutil.h"

#include <curl/curl.h>
#include <cjson/cJSON.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <regex.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define DEFAULT_BIN "build/dm-mockserver"
#define CASES_GLOB "tests/cases/*.json"
#define SEED "42"
#define READY_TIMEOUT_MS 5000
#define STOP_TIMEOUT_MS 5000
#define POLL_MS 20
#define HTTP_TIMEOUT_S 10
#define LOG_TAIL_LINES 30
#define SHOW_MAX 4096         /* bytes of a body shown in a report */


/* ------------------------------------------------------------------ */
/* Growable text, always NUL-terminated; allocation failure aborts.    */

struct sbuf {
	char *buf;
	size_t len, cap;
};


static void sbuf_grow(struct sbuf *s, size_t more)
{
	size_t want = s->len + more + 1;
	char *p;

	if (want <= s->cap)
		return;
	s->cap = s->cap ? s->cap : 64;
	while (s->cap < want)
		s->cap *= 2;
	p = realloc(s->buf, s->cap);
	if (!p)
		abort();
	s->buf = p;
}


static void sbuf_addn(struct sbuf *s, const char *p, size_t n)
{
	sbuf_grow(s, n);
	memcpy(s->buf + s->len, p, n);
	s->len += n;
	s->buf[s->len] = '\0';
}


static void sbuf_adds(struct sbuf *s, const char *p)
{
	sbuf_addn(s, p, strlen(p));
}


static void sbuf_vaddf(struct sbuf *s, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));

static void sbuf_vaddf(struct sbuf *s, const char *fmt, va_list ap)
{
	va_list again;
	int n;

	va_copy(again, ap);
	n = vsnprintf(NULL, 0, fmt, ap);
	if (n >= 0) {
		sbuf_grow(s, (size_t)n);
		vsnprintf(s->buf + s->len, (size_t)n + 1, fmt, again);
		s->len += (size_t)n;
	}
	va_end(again);
}


static void sbuf_addf(struct sbuf *s, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void sbuf_addf(struct sbuf *s, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	sbuf_vaddf(s, fmt, ap);
	va_end(ap);
}


/* The text so far; "" before anything was added. */
static const char *sbuf_str(const struct sbuf *s)
{
	return s->buf ? s->buf : "";
}


/* Empty s, keeping its memory. */
static void sbuf_reset(struct sbuf *s)
{
	s->len = 0;
	if (s->buf)
		s->buf[0] = '\0';
}


static void sbuf_release(struct sbuf *s)
{
	free(s->buf);
	s->buf = NULL;
	s->len = s->cap = 0;
}


/* Append at most SHOW_MAX bytes of p, noting what was cut. */
static void sbuf_add_clipped(struct sbuf *s, const char *p, size_t n)
{
	sbuf_addn(s, p, n < SHOW_MAX ? n : SHOW_MAX);
	if (n > SHOW_MAX)
		sbuf_addf(s, "... (%zu bytes in all)", n);
}


/* Append the compact text of a JSON value (absent when NULL). */
static void sbuf_add_json(struct sbuf *s, const cJSON *v)
{
	char *text;

	if (!v) {
		sbuf_adds(s, "absent");
		return;
	}
	text = cJSON_PrintUnformatted(v);
	if (!text)
		abort();
	sbuf_add_clipped(s, text, strlen(text));
	free(text);
}


static int64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}


static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}


/* Append the whole of a file to out. 0, or -1 with errno (out may then
 * hold part of it; the caller still owns and releases out). */
static int read_file(const char *path, struct sbuf *out)
{
	char chunk[4096];
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -1;
	while ((n = read(fd, chunk, sizeof(chunk))) > 0)
		sbuf_addn(out, chunk, (size_t)n);
	close(fd);
	return n < 0 ? -1 : 0;
}


/* ------------------------------------------------------------------ */
/* The server under test: start, wait until ready, stop.               */

struct server {
	pid_t pid;            /* 0 when not running */
	char dir[256];        /* temporary folder of the two files below */
	char ready[300];
	char log[300];
	char url[64];         /* "http://127.0.0.1:PORT" once ready */
};


/* argv for the server: fixed options then the case's extra args. The
 * strings are borrowed; the caller frees the array. */
static char **server_argv(const char *bin, const struct server *srv,
			  const char *scenario, const cJSON *args)
{
	static const char *const fixed[] = { "-p", "0", "-b", "127.0.0.1",
					     "--seed", SEED };
	size_t nfixed = sizeof(fixed) / sizeof(fixed[0]);
	int nargs = cJSON_GetArraySize(args);
	/* the binary, fixed, ready file and scenario pairs, args, NULL */
	char **argv = calloc(1 + nfixed + 4 + (size_t)nargs + 1,
			     sizeof(*argv));
	size_t n = 0;
	const cJSON *a;

	if (!argv)
		abort();
	argv[n++] = (char *)bin;
	for (size_t i = 0; i < nfixed; i++)
		argv[n++] = (char *)fixed[i];
	argv[n++] = "--ready-file";
	argv[n++] = (char *)srv->ready;
	argv[n++] = "-s";
	argv[n++] = (char *)scenario;
	cJSON_ArrayForEach(a, args)
		argv[n++] = a->valuestring;
	return argv;
}


/* In the child: output to the log file, then become the server. */
static void server_exec(const struct server *srv, char **argv)
{
	int log_fd = open(srv->log, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	int null_fd = open("/dev/null", O_RDONLY);

	if (log_fd < 0 || null_fd < 0)
		_exit(126);
	dup2(null_fd, 0);
	dup2(log_fd, 1);
	dup2(log_fd, 2);
	execv(argv[0], argv);
	dprintf(2, "test_e2e: cannot run %s: %s\n", argv[0],
		strerror(errno));
	_exit(127);
}


/*
 * Fork and exec the server on a fresh temporary folder. Returns 0 with
 * srv->pid set, or -1 with why. args (strings) may be NULL.
 */
static int server_start(struct server *srv, const char *bin,
			const char *scenario, const cJSON *args,
			struct sbuf *why)
{
	const char *tmp = getenv("TMPDIR");
	char **argv;

	snprintf(srv->dir, sizeof(srv->dir), "%s/dm-e2e-XXXXXX",
		 tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(srv->dir)) {
		sbuf_addf(why, "mkdtemp: %s", strerror(errno));
		srv->dir[0] = '\0';
		return -1;
	}
	snprintf(srv->ready, sizeof(srv->ready), "%s/ready", srv->dir);
	snprintf(srv->log, sizeof(srv->log), "%s/server.log", srv->dir);
	argv = server_argv(bin, srv, scenario, args);
	fflush(NULL);
	srv->pid = fork();
	if (srv->pid == 0)
		server_exec(srv, argv);
	free(argv);
	if (srv->pid < 0) {
		sbuf_addf(why, "fork: %s", strerror(errno));
		srv->pid = 0;
		return -1;
	}
	return 0;
}


/* Describe how a child ended, from its wait status. */
static void describe_exit(int status, struct sbuf *out)
{
	if (WIFEXITED(status))
		sbuf_addf(out, "exited with status %d", WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		sbuf_addf(out, "was killed by signal %d (%s)",
			  WTERMSIG(status), strsignal(WTERMSIG(status)));
	else
		sbuf_addf(out, "ended with wait status %#x", status);
}


/* Has the server ended? If so, reap it into *status and clear pid. */
static bool server_ended(struct server *srv, int *status)
{
	pid_t r = waitpid(srv->pid, status, WNOHANG);

	if (r < 0 && errno == ECHILD)
		*status = 0;          /* reaped elsewhere: nothing to tell */
	if (r == srv->pid || (r < 0 && errno == ECHILD)) {
		srv->pid = 0;
		return true;
	}
	return false;
}


/* Does text read "http://127.0.0.1:PORT" with an optional newline? */
static bool ready_url_ok(const char *text)
{
	static const char prefix[] = "http://127.0.0.1:";
	const char *p;

	if (strncmp(text, prefix, sizeof(prefix) - 1) != 0)
		return false;
	p = text + sizeof(prefix) - 1;
	if (!isdigit((unsigned char)*p))
		return false;
	while (isdigit((unsigned char)*p))
		p++;
	return *p == '\0' || strcmp(p, "\n") == 0;
}


/*
 * Wait, at most READY_TIMEOUT_MS, until the ready file holds the URL (the
 * same text twice in a row, so a half-written file is not taken). Returns
 * 0 with srv->url set, or -1 with why.
 */
static int server_wait_ready(struct server *srv, struct sbuf *why)
{
	int64_t deadline = mono_ms() + READY_TIMEOUT_MS;
	struct sbuf seen = { 0 }, now = { 0 };
	int status, rc = -1;

	while (mono_ms() < deadline) {
		if (server_ended(srv, &status)) {
			sbuf_adds(why, "the server ");
			describe_exit(status, why);
			sbuf_adds(why, " before it was ready");
			goto out;
		}
		sbuf_reset(&now);
		if (read_file(srv->ready, &now) == 0 &&
		    ready_url_ok(sbuf_str(&now)) &&
		    strcmp(sbuf_str(&now), sbuf_str(&seen)) == 0) {
			snprintf(srv->url, sizeof(srv->url), "%.*s",
				 (int)strcspn(now.buf, "\n"), now.buf);
			rc = 0;
			goto out;
		}
		sbuf_reset(&seen);
		sbuf_adds(&seen, sbuf_str(&now));
		sleep_ms(POLL_MS);
	}
	sbuf_addf(why, "no URL in %s within %d ms (it holds \"%s\")",
		  srv->ready, READY_TIMEOUT_MS, sbuf_str(&now));
out:
	sbuf_release(&seen);
	sbuf_release(&now);
	return rc;
}


/*
 * SIGTERM the server and wait at most STOP_TIMEOUT_MS for it to exit 0.
 * Returns 0, or -1 with why (a server that does not stop is killed).
 */
static int server_stop(struct server *srv, struct sbuf *why)
{
	int64_t deadline = mono_ms() + STOP_TIMEOUT_MS;
	int status = 0;

	if (srv->pid <= 0)
		return 0;
	kill(srv->pid, SIGTERM);
	while (!server_ended(srv, &status)) {
		if (mono_ms() >= deadline) {
			kill(srv->pid, SIGKILL);
			waitpid(srv->pid, NULL, 0);
			srv->pid = 0;
			sbuf_addf(why, "the server did not exit within %d ms "
				  "of SIGTERM", STOP_TIMEOUT_MS);
			return -1;
		}
		sleep_ms(POLL_MS);
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	sbuf_adds(why, "after SIGTERM the server ");
	describe_exit(status, why);
	sbuf_adds(why, ", want exit status 0");
	return -1;
}


/* Append the last LOG_TAIL_LINES lines of the server's log. */
static void server_log_tail(const struct server *srv, struct sbuf *out)
{
	struct sbuf log = { 0 };
	const char *start;
	int lines = 0;

	if (read_file(srv->log, &log) != 0) {
		sbuf_addf(out, "  (cannot read %s)\n", srv->log);
		sbuf_release(&log);
		return;
	}
	start = log.buf ? log.buf + log.len : "";
	while (start > sbuf_str(&log) && lines <= LOG_TAIL_LINES) {
		start--;
		if (*start == '\n' && start[1] != '\0')
			lines++;
	}
	if (lines > LOG_TAIL_LINES)
		start++;
	sbuf_adds(out, start);
	sbuf_release(&log);
}


/* Kill a server still running and remove its temporary files. */
static void server_cleanup(struct server *srv)
{
	if (srv->pid > 0) {
		kill(srv->pid, SIGKILL);
		waitpid(srv->pid, NULL, 0);
		srv->pid = 0;
	}
	if (srv->dir[0]) {
		unlink(srv->ready);
		unlink(srv->log);
		rmdir(srv->dir);
		srv->dir[0] = '\0';
	}
}


/* ------------------------------------------------------------------ */
/* One HTTP exchange with libcurl.                                     */

struct http_header {
	char *name, *value;
};

struct http_request {
	const char *method;
	struct sbuf url;
	struct sbuf path;             /* path and query, as sent */
	struct curl_slist *headers;
	struct sbuf body;
	bool has_body;
};

struct http_response {
	long status;
	struct http_header *headers;
	size_t nheaders, cap;
	struct sbuf body;
	cJSON *json;                  /* the body parsed, or NULL */
};


static void http_request_release(struct http_request *req)
{
	sbuf_release(&req->url);
	sbuf_release(&req->path);
	curl_slist_free_all(req->headers);
	req->headers = NULL;
	sbuf_release(&req->body);
}


/* Forget the headers kept so far. */
static void http_headers_clear(struct http_response *resp)
{
	for (size_t i = 0; i < resp->nheaders; i++) {
		free(resp->headers[i].name);
		free(resp->headers[i].value);
	}
	resp->nheaders = 0;
}


static void http_response_release(struct http_response *resp)
{
	http_headers_clear(resp);
	free(resp->headers);
	sbuf_release(&resp->body);
	cJSON_Delete(resp->json);
	memset(resp, 0, sizeof(*resp));
}


/* The first header named name (any case), or NULL. */
static const char *http_header(const struct http_response *resp,
			       const char *name)
{
	for (size_t i = 0; i < resp->nheaders; i++)
		if (strcasecmp(resp->headers[i].name, name) == 0)
			return resp->headers[i].value;
	return NULL;
}


static void http_header_add(struct http_response *resp, const char *name,
			    size_t nlen, const char *value, size_t vlen)
{
	struct http_header *h;

	if (resp->nheaders == resp->cap) {
		resp->cap = resp->cap ? resp->cap * 2 : 16;
		h = realloc(resp->headers, resp->cap * sizeof(*h));
		if (!h)
			abort();
		resp->headers = h;
	}
	h = &resp->headers[resp->nheaders++];
	h->name = strndup(name, nlen);
	h->value = strndup(value, vlen);
	if (!h->name || !h->value)
		abort();
}


/* libcurl's header callback: keep "Name: value" lines of the last
 * response (a status line starts the list afresh). */
static size_t on_header(char *line, size_t size, size_t n, void *arg)
{
	struct http_response *resp = arg;
	size_t len = size * n, nlen, vstart;
	const char *colon = memchr(line, ':', len);

	if (len >= 5 && strncmp(line, "HTTP/", 5) == 0) {
		http_headers_clear(resp);
		return len;
	}
	if (!colon)
		return len;
	nlen = (size_t)(colon - line);
	vstart = nlen + 1;
	while (vstart < len && (line[vstart] == ' ' || line[vstart] == '\t'))
		vstart++;
	while (len > vstart && isspace((unsigned char)line[len - 1]))
		len--;
	http_header_add(resp, line, nlen, line + vstart, len - vstart);
	return size * n;
}


static size_t on_body(char *data, size_t size, size_t n, void *arg)
{
	sbuf_addn(arg, data, size * n);
	return size * n;
}


/*
 * Send req and fill resp (status, headers, body and, when the body is
 * JSON, json). Returns 0, or -1 with why on a transport failure.
 */
static int http_perform(const struct http_request *req,
			struct http_response *resp, struct sbuf *why)
{
	CURL *curl = curl_easy_init();
	CURLcode cc;

	if (!curl)
		abort();
	curl_easy_setopt(curl, CURLOPT_URL, sbuf_str(&req->url));
	curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, req->method);
	curl_easy_setopt(curl, CURLOPT_NOPROXY, "*");
	curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(curl, CURLOPT_PATH_AS_IS, 1L);
	curl_easy_setopt(curl, CURLOPT_TIMEOUT, (long)HTTP_TIMEOUT_S);
	curl_easy_setopt(curl, CURLOPT_HTTPHEADER, req->headers);
	curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(curl, CURLOPT_HEADERDATA, resp);
	curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(curl, CURLOPT_WRITEDATA, &resp->body);
	if (strcmp(req->method, "HEAD") == 0)
		curl_easy_setopt(curl, CURLOPT_NOBODY, 1L);
	if (req->has_body) {
		curl_easy_setopt(curl, CURLOPT_POSTFIELDS,
				 sbuf_str(&req->body));
		curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE,
				 (curl_off_t)req->body.len);
	}
	cc = curl_easy_perform(curl);
	if (cc == CURLE_OK)
		curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &resp->status);
	else
		sbuf_addf(why, "%s", curl_easy_strerror(cc));
	curl_easy_cleanup(curl);
	if (cc != CURLE_OK)
		return -1;
	resp->json = cJSON_ParseWithLength(sbuf_str(&resp->body),
					   resp->body.len);
	return 0;
}


/* ------------------------------------------------------------------ */
/* ${var} substitution.                                                */

/* Append a variable's value as text: a string as is, else its JSON. */
static void add_var_text(struct sbuf *out, const cJSON *v)
{
	char *text;

	if (cJSON_IsString(v)) {
		sbuf_adds(out, v->valuestring);
		return;
	}
	text = cJSON_PrintUnformatted(v);
	if (!text)
		abort();
	sbuf_adds(out, text);
	free(text);
}


/* The variable named by the n bytes at name, or NULL. */
static const cJSON *find_var(const cJSON *vars, const char *name, size_t n)
{
	for (const cJSON *v = vars ? vars->child : NULL; v; v = v->next)
		if (strlen(v->string) == n && strncmp(v->string, name, n) == 0)
			return v;
	return NULL;
}


/*
 * Append text to out with every ${name} replaced by the variable's value.
 * Returns 0, or -1 with why naming an unknown or unclosed variable.
 */
static int subst_text(const cJSON *vars, const char *text,
		      struct sbuf *out, struct sbuf *why)
{
	const char *p = text, *open, *close;
	const cJSON *v;

	while ((open = strstr(p, "${")) != NULL) {
		sbuf_addn(out, p, (size_t)(open - p));
		close = strchr(open, '}');
		if (!close) {
			sbuf_addf(why, "unclosed ${ in \"%s\"", text);
			return -1;
		}
		v = find_var(vars, open + 2, (size_t)(close - open - 2));
		if (!v) {
			sbuf_addf(why, "unknown variable %.*s in \"%s\"",
				  (int)(close - open + 1), open, text);
			return -1;
		}
		add_var_text(out, v);
		p = close + 1;
	}
	sbuf_adds(out, p);
	return 0;
}


/* The variable that a string of exactly "${name}" names, or NULL. */
static const cJSON *whole_var(const cJSON *vars, const char *text)
{
	size_t n = strlen(text);

	if (n < 4 || strncmp(text, "${", 2) != 0 || text[n - 1] != '}' ||
	    memchr(text + 2, '}', n - 3))
		return NULL;
	return find_var(vars, text + 2, n - 3);
}


/*
 * A deep copy of tmpl (the caller owns it) with every string
 * substituted; a string of exactly "${name}" becomes a copy of that
 * variable's JSON value. NULL with why on an unknown variable.
 */
static cJSON *subst_json(const cJSON *vars, const cJSON *tmpl,
			 struct sbuf *why)
{
	struct sbuf text = { 0 };
	const cJSON *v;
	cJSON *copy, *item;

	if (cJSON_IsString(tmpl)) {
		if ((v = whole_var(vars, tmpl->valuestring)) != NULL)
			return cJSON_Duplicate(v, true);
		if (subst_text(vars, tmpl->valuestring, &text, why) != 0)
			return NULL;
		copy = cJSON_CreateString(sbuf_str(&text));
		sbuf_release(&text);
		return copy;
	}
	if (!cJSON_IsArray(tmpl) && !cJSON_IsObject(tmpl))
		return cJSON_Duplicate(tmpl, false);
	copy = cJSON_IsArray(tmpl) ? cJSON_CreateArray()
				   : cJSON_CreateObject();
	cJSON_ArrayForEach(v, tmpl) {
		if (!(item = subst_json(vars, v, why))) {
			cJSON_Delete(copy);
			return NULL;
		}
		if (cJSON_IsArray(copy))
			cJSON_AddItemToArray(copy, item);
		else
			cJSON_AddItemToObject(copy, v->string, item);
	}
	return copy;
}


/* ------------------------------------------------------------------ */
/* Dotted paths into JSON.                                             */

/* The array element that "[...]" (inside, n bytes) picks: an index or
 * key=value. NULL when absent; *bad on a malformed selector. */
static const cJSON *path_select(const cJSON *node, const char *inside,
				size_t n, bool *bad)
{
	const char *eq = memchr(inside, '=', n), *want;
	const cJSON *el;
	char key[128], *end;
	size_t wlen;
	long idx;

	if (!cJSON_IsArray(node))
		return NULL;
	if (!eq) {
		idx = strtol(inside, &end, 10);
		if (end != inside + n || n == 0 || idx < 0) {
			*bad = true;
			return NULL;
		}
		return cJSON_GetArrayItem(node, (int)idx);
	}
	snprintf(key, sizeof(key), "%.*s", (int)(eq - inside), inside);
	want = eq + 1;
	wlen = (size_t)(inside + n - want);
	cJSON_ArrayForEach(el, node) {
		const cJSON *k = cJSON_GetObjectItemCaseSensitive(el, key);

		if (cJSON_IsString(k) && strlen(k->valuestring) == wlen &&
		    strncmp(k->valuestring, want, wlen) == 0)
			return el;
	}
	return NULL;
}


/*
 * Follow a dotted path ("values[0].id", "[role=X].users", "" for the
 * root) from root. Returns the item, or NULL when absent; a malformed
 * path also sets *bad.
 */
static const cJSON *json_path(const cJSON *root, const char *path,
			      bool *bad)
{
	const cJSON *node = root;
	const char *p = path, *end;
	char key[256];

	*bad = false;
	while (node && *p) {
		if (*p == '[') {
			end = strchr(p, ']');
			if (!end) {
				*bad = true;
				return NULL;
			}
			node = path_select(node, p + 1, (size_t)(end - p - 1),
					   bad);
			p = end + 1;
			continue;
		}
		if (*p == '.' && p != path)
			p++;
		end = p + strcspn(p, ".[");
		snprintf(key, sizeof(key), "%.*s", (int)(end - p), p);
		node = cJSON_IsObject(node)
		       ? cJSON_GetObjectItemCaseSensitive(node, key) : NULL;
		p = end;
	}
	return *bad ? NULL : node;
}


/* ------------------------------------------------------------------ */
/* Matching a value against what a case expects.                       */

/* Does text follow shape, where 'h' is a hex digit, '9' a digit and any
 * other character itself? */
static bool shaped(const char *text, const char *shape)
{
	for (; *shape; shape++, text++) {
		if (*shape == 'h' && !isxdigit((unsigned char)*text))
			return false;
		if (*shape == '9' && !isdigit((unsigned char)*text))
			return false;
		if (*shape != 'h' && *shape != '9' && *text != *shape)
			return false;
	}
	return *text == '\0';
}


/* The text of a value for <ne:>, <contains:> and <excludes:>: a
 * string as is, anything else its compact JSON. Caller frees. */
static char *value_text(const cJSON *got)
{
	char *text = cJSON_IsString(got) ? strdup(got->valuestring)
					 : cJSON_PrintUnformatted(got);

	if (!text)
		abort();
	return text;
}


static bool is_uuid(const cJSON *got, const char *arg)
{
	(void)arg;
	return cJSON_IsString(got) &&
	       shaped(got->valuestring,
		      "hhhhhhhh-hhhh-hhhh-hhhh-hhhhhhhhhhhh");
}


static bool is_time(const cJSON *got, const char *arg)
{
	(void)arg;
	return cJSON_IsString(got) &&
	       shaped(got->valuestring, "9999-99-99T99:99:99.999Z");
}


static bool is_string(const cJSON *got, const char *arg)
{
	(void)arg;
	return cJSON_IsString(got);
}


static bool is_number(const cJSON *got, const char *arg)
{
	(void)arg;
	return cJSON_IsNumber(got);
}


static bool is_bool(const cJSON *got, const char *arg)
{
	(void)arg;
	return cJSON_IsBool(got);
}


static bool is_null(const cJSON *got, const char *arg)
{
	(void)arg;
	return cJSON_IsNull(got);
}


static bool is_array(const cJSON *got, const char *arg)
{
	(void)arg;
	return cJSON_IsArray(got);
}


static bool is_object(const cJSON *got, const char *arg)
{
	(void)arg;
	return cJSON_IsObject(got);
}


static bool is_present(const cJSON *got, const char *arg)
{
	(void)arg;
	return got != NULL;
}


static bool has_length(const cJSON *got, const char *arg)
{
	char *end;
	long want = strtol(arg, &end, 10);

	if (*end || !(cJSON_IsArray(got) || cJSON_IsObject(got)))
		return false;
	return cJSON_GetArraySize(got) == want;
}


static bool matches_regex(const cJSON *got, const char *arg)
{
	regex_t re;
	bool ok;

	if (!cJSON_IsString(got) ||
	    regcomp(&re, arg, REG_EXTENDED | REG_NOSUB) != 0)
		return false;
	ok = regexec(&re, got->valuestring, 0, NULL, 0) == 0;
	regfree(&re);
	return ok;
}


static bool contains(const cJSON *got, const char *arg)
{
	const cJSON *el;
	char *text;
	bool ok;

	if (cJSON_IsArray(got)) {
		cJSON_ArrayForEach(el, got)
			if (cJSON_IsString(el) &&
			    strcmp(el->valuestring, arg) == 0)
				return true;
		return false;
	}
	if (cJSON_IsObject(got) && cJSON_GetObjectItemCaseSensitive(got, arg))
		return true;
	text = value_text(got);
	ok = strstr(text, arg) != NULL;
	free(text);
	return ok;
}


static bool excludes(const cJSON *got, const char *arg)
{
	char *text = value_text(got);
	bool ok = strstr(text, arg) == NULL;

	free(text);
	return ok;
}


static bool differs(const cJSON *got, const char *arg)
{
	char *text = value_text(got);
	bool ok = strcmp(text, arg) != 0;

	free(text);
	return ok;
}


/* The matchers a case may write as "<name>" or "<name:arg>". */
static const struct matcher {
	const char *name;
	bool takes_arg;
	bool (*test)(const cJSON *got, const char *arg);
} matchers[] = {
	{ "string", false, is_string },   { "number", false, is_number },
	{ "bool", false, is_bool },       { "null", false, is_null },
	{ "array", false, is_array },     { "object", false, is_object },
	{ "present", false, is_present }, { "uuid", false, is_uuid },
	{ "time", false, is_time },       { "length", true, has_length },
	{ "regex", true, matches_regex }, { "contains", true, contains },
	{ "excludes", true, excludes },   { "ne", true, differs },
};


/* The matcher text ("<...>") names, with its argument, or NULL. */
static const struct matcher *find_matcher(const char *text, char *arg,
					  size_t argsz)
{
	size_t n = strlen(text), nlen;
	const char *colon;

	if (n < 3 || text[0] != '<' || text[n - 1] != '>')
		return NULL;
	colon = memchr(text, ':', n);
	nlen = (colon ? (size_t)(colon - text) : n - 1) - 1;
	for (size_t i = 0; i < sizeof(matchers) / sizeof(matchers[0]); i++) {
		if (strlen(matchers[i].name) != nlen ||
		    strncmp(matchers[i].name, text + 1, nlen) != 0 ||
		    matchers[i].takes_arg != (colon != NULL))
			continue;
		snprintf(arg, argsz, "%.*s",
			 colon ? (int)(text + n - 1 - colon - 1) : 0,
			 colon ? colon + 1 : "");
		return &matchers[i];
	}
	return NULL;
}


static bool match_value(const cJSON *got, const cJSON *want);


/* Objects match when they have the same keys with matching values. */
static bool match_object(const cJSON *got, const cJSON *want)
{
	const cJSON *w;

	if (!cJSON_IsObject(got) ||
	    cJSON_GetArraySize(got) != cJSON_GetArraySize(want))
		return false;
	cJSON_ArrayForEach(w, want)
		if (!match_value(cJSON_GetObjectItemCaseSensitive(got,
								  w->string),
				 w))
			return false;
	return true;
}


static bool match_array(const cJSON *got, const cJSON *want)
{
	const cJSON *g, *w;

	if (!cJSON_IsArray(got) ||
	    cJSON_GetArraySize(got) != cJSON_GetArraySize(want))
		return false;
	for (g = got->child, w = want->child; w; g = g->next, w = w->next)
		if (!match_value(g, w))
			return false;
	return true;
}


/*
 * Does got (NULL when absent) satisfy want (already substituted)? A
 * "<...>" string is a matcher; anything else must be equal, objects and
 * arrays element by element so that matchers may sit inside.
 */
static bool match_value(const cJSON *got, const cJSON *want)
{
	const struct matcher *m;
	char arg[1024];

	if (cJSON_IsString(want) && strcmp(want->valuestring, "<absent>") == 0)
		return got == NULL;
	if (cJSON_IsString(want) &&
	    (m = find_matcher(want->valuestring, arg, sizeof(arg))) != NULL)
		return got && m->test(got, arg);
	if (!got)
		return false;
	if (cJSON_IsObject(want))
		return match_object(got, want);
	if (cJSON_IsArray(want))
		return match_array(got, want);
	return cJSON_Compare(got, want, true);
}


/* ------------------------------------------------------------------ */
/* A case: its file, variables, server and failure report.            */

struct e2e_case {
	const char *file;     /* tests/cases/NAME.json, owned by main */
	const char *bin;
	cJSON *doc;
	cJSON *vars;          /* name to saved JSON value */
	struct server srv;
	struct sbuf report;   /* the message of a failure */
};

/* One exchange of a step, with what went wrong in it. */
struct exchange {
	const cJSON *step;
	int index, iteration, repeat;
	struct http_request req;
	struct http_response resp;
	cJSON *expect;        /* the step's expect, substituted */
	struct sbuf problems; /* one "  - ..." line per problem */
};


static void problem(struct exchange *x, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void problem(struct exchange *x, const char *fmt, ...)
{
	va_list ap;

	sbuf_adds(&x->problems, "  - ");
	va_start(ap, fmt);
	sbuf_vaddf(&x->problems, fmt, ap);
	va_end(ap);
	sbuf_adds(&x->problems, "\n");
}


/* A problem "what: want W, got G" with both sides as JSON text. */
static void mismatch(struct exchange *x, const char *what,
		     const cJSON *want, const cJSON *got)
{
	struct sbuf w = { 0 }, g = { 0 };

	sbuf_add_json(&w, want);
	sbuf_add_json(&g, got);
	problem(x, "%s: want %s, got %s", what, sbuf_str(&w), sbuf_str(&g));
	sbuf_release(&w);
	sbuf_release(&g);
}


/* ------------------------------------------------------------------ */
/* Building the request of a step.                                     */

static const char b64_alphabet[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";


static void base64_add(struct sbuf *out, const char *in)
{
	size_t n = strlen(in);
	const unsigned char *s = (const unsigned char *)in;

	for (size_t i = 0; i < n; i += 3) {
		unsigned v = (unsigned)s[i] << 16;

		if (i + 1 < n)
			v |= (unsigned)s[i + 1] << 8;
		if (i + 2 < n)
			v |= s[i + 2];
		sbuf_addn(out, &b64_alphabet[(v >> 18) & 63], 1);
		sbuf_addn(out, &b64_alphabet[(v >> 12) & 63], 1);
		sbuf_addn(out, i + 1 < n ? &b64_alphabet[(v >> 6) & 63] : "=",
			  1);
		sbuf_addn(out, i + 2 < n ? &b64_alphabet[v & 63] : "=", 1);
	}
}


/* Add a header line in libcurl's syntax to the request. */
static void add_header_line(struct http_request *req, const char *line)
{
	struct curl_slist *l = curl_slist_append(req->headers, line);

	if (!l)
		abort();
	req->headers = l;
}


/* Add "name: value" to the request; an empty value is sent as such. */
static void add_header(struct http_request *req, const char *name,
		       const char *value)
{
	struct sbuf line = { 0 };

	if (*value)
		sbuf_addf(&line, "%s: %s", name, value);
	else
		sbuf_addf(&line, "%s;", name);
	add_header_line(req, sbuf_str(&line));
	sbuf_release(&line);
}


/* The Authorization header of a step's "auth". 0, or -1 with why. */
static int add_auth(struct e2e_case *c, const cJSON *auth,
		    struct http_request *req, struct sbuf *why)
{
	const cJSON *a = auth ? auth->child : NULL;
	struct sbuf value = { 0 }, text = { 0 };
	int rc = -1;

	if (!a)
		return 0;
	if (!cJSON_IsString(a) || a->next) {
		sbuf_adds(why, "auth wants one string member");
		return -1;
	}
	if (subst_text(c->vars, a->valuestring, &text, why) != 0)
		goto out;
	if (strcmp(a->string, "basic") == 0) {
		sbuf_adds(&value, "Basic ");
		base64_add(&value, sbuf_str(&text));
	} else if (strcmp(a->string, "bearer") == 0) {
		sbuf_addf(&value, "Bearer %s", sbuf_str(&text));
	} else if (strcmp(a->string, "header") == 0) {
		sbuf_adds(&value, sbuf_str(&text));
	} else {
		sbuf_addf(why, "auth \"%s\": want basic, bearer or header",
			  a->string);
		goto out;
	}
	add_header(req, "Authorization", sbuf_str(&value));
	rc = 0;
out:
	sbuf_release(&value);
	sbuf_release(&text);
	return rc;
}


/* The step's "headers", substituted. 0, or -1 with why. */
static int add_step_headers(struct e2e_case *c, const cJSON *headers,
			    struct http_request *req, struct sbuf *why)
{
	const cJSON *h;
	struct sbuf text = { 0 };

	cJSON_ArrayForEach(h, headers) {
		if (!cJSON_IsString(h)) {
			sbuf_addf(why, "header %s: want a string", h->string);
			return -1;
		}
		sbuf_reset(&text);
		if (subst_text(c->vars, h->valuestring, &text, why) != 0) {
			sbuf_release(&text);
			return -1;
		}
		add_header(req, h->string, sbuf_str(&text));
	}
	sbuf_release(&text);
	return 0;
}


/* The step's "body" (JSON, substituted) or "rawBody" (as is), with a
 * JSON Content-Type unless the step sets one. 0, or -1 with why. */
static int add_body(struct e2e_case *c, const cJSON *step,
		    struct http_request *req, struct sbuf *why)
{
	const cJSON *body = cJSON_GetObjectItemCaseSensitive(step, "body");
	const cJSON *raw = cJSON_GetObjectItemCaseSensitive(step, "rawBody");
	const cJSON *hdrs = cJSON_GetObjectItemCaseSensitive(step, "headers");
	cJSON *json;
	char *text;

	if (raw && !cJSON_IsString(raw)) {
		sbuf_adds(why, "rawBody wants a string");
		return -1;
	}
	if (raw) {
		sbuf_adds(&req->body, raw->valuestring);
	} else if (body) {
		if (!(json = subst_json(c->vars, body, why)))
			return -1;
		text = cJSON_PrintUnformatted(json);
		cJSON_Delete(json);
		if (!text)
			abort();
		sbuf_adds(&req->body, text);
		free(text);
	} else {
		return 0;
	}
	req->has_body = true;
	if (!cJSON_GetObjectItem(hdrs, "Content-Type"))
		add_header(req, "Content-Type", "application/json");
	return 0;
}


/* Method, URL, headers and body of a step. 0, or -1 with why. */
static int build_request(struct e2e_case *c, const cJSON *step,
			 struct http_request *req, struct sbuf *why)
{
	const cJSON *method = cJSON_GetObjectItemCaseSensitive(step, "method");
	const cJSON *path = cJSON_GetObjectItemCaseSensitive(step, "path");
	const cJSON *query = cJSON_GetObjectItemCaseSensitive(step, "query");

	if (!cJSON_IsString(method) || !cJSON_IsString(path)) {
		sbuf_adds(why, "a step wants \"method\" and \"path\" strings");
		return -1;
	}
	req->method = method->valuestring;
	if (subst_text(c->vars, path->valuestring, &req->path, why) != 0)
		return -1;
	if (cJSON_IsString(query)) {
		sbuf_adds(&req->path, "?");
		if (subst_text(c->vars, query->valuestring, &req->path,
			       why) != 0)
			return -1;
	}
	sbuf_addf(&req->url, "%s%s", c->srv.url, sbuf_str(&req->path));
	/* No "Expect: 100-continue": send big bodies at once. */
	add_header_line(req, "Expect:");
	if (add_auth(c, cJSON_GetObjectItemCaseSensitive(step, "auth"), req,
		     why) != 0 ||
	    add_step_headers(c, cJSON_GetObjectItemCaseSensitive(step,
								 "headers"),
			     req, why) != 0)
		return -1;
	return add_body(c, step, req, why);
}


/* ------------------------------------------------------------------ */
/* Checking an answer.                                                 */

/* Is the request on the gateway plane (after any /t/{tenant})? */
static bool is_gateway(const struct http_request *req)
{
	const char *p = sbuf_str(&req->path);

	if (strncmp(p, "/t/", 3) == 0) {
		p = strchr(p + 3, '/');
		if (!p)
			return false;
	}
	return strncmp(p, "/jsm/", 5) == 0;
}


/* Is json the Atlassian error collection, errors holding strings? */
static bool is_error_collection(const cJSON *json)
{
	const cJSON *msgs = cJSON_GetObjectItemCaseSensitive(json,
							     "errorMessages");
	const cJSON *errs = cJSON_GetObjectItemCaseSensitive(json, "errors");
	const cJSON *e;

	if (!cJSON_IsObject(json) || !cJSON_IsArray(msgs) ||
	    !cJSON_IsObject(errs) || cJSON_GetArraySize(json) != 2)
		return false;
	cJSON_ArrayForEach(e, msgs)
		if (!cJSON_IsString(e))
			return false;
	cJSON_ArrayForEach(e, errs)
		if (!cJSON_IsString(e))
			return false;
	return true;
}


/* The body an error must have (SPEC section 2). */
static void check_error_body(struct exchange *x)
{
	const struct http_response *r = &x->resp;
	cJSON *gw;

	if (!r->json) {
		problem(x, "an error (%ld) must have a JSON body", r->status);
		return;
	}
	if (r->status == 401 && is_gateway(&x->req)) {
		gw = cJSON_Parse("{\"code\":401,\"message\":\"Unauthorized\"}");
		if (!cJSON_Compare(r->json, gw, true))
			mismatch(x, "gateway 401 body", gw, r->json);
		cJSON_Delete(gw);
		return;
	}
	if (!is_error_collection(r->json))
		problem(x, "an error body must be exactly "
			"{\"errorMessages\":[strings],\"errors\":{strings}}");
}


/* Does a 403 say why: a missing permission, or a token reason? */
static bool explains_403(const struct http_response *r)
{
	static const char *const reasons[] = {
		"token_wrong_type", "token_wrong_workspace",
		"permission_denied",
	};
	const char *reason = http_header(r, "X-Mock-Reason");

	if (http_header(r, "X-Mock-Missing-Permission"))
		return true;
	for (size_t i = 0; reason && i < sizeof(reasons) / sizeof(*reasons);
	     i++)
		if (strcmp(reason, reasons[i]) == 0)
			return true;
	return false;
}


/* Is ctype application/json, maybe with parameters? */
static bool is_json_type(const char *ctype)
{
	static const char json[] = "application/json";
	size_t n = sizeof(json) - 1;

	return ctype && strncasecmp(ctype, json, n) == 0 &&
	       (ctype[n] == '\0' || ctype[n] == ';');
}


/* The answer to HEAD has no body to check (libcurl reads none), but its
 * head must still describe the one GET would get. */
static void check_head_answer(struct exchange *x)
{
	const struct http_response *r = &x->resp;
	const char *ctype = http_header(r, "Content-Type");

	if (r->status != 204 && !is_json_type(ctype))
		problem(x, "the answer to HEAD needs Content-Type "
			"application/json, got %s", ctype ? ctype : "none");
	if (r->status != 204 && !http_header(r, "Content-Length"))
		problem(x, "the answer to HEAD needs the Content-Length "
			"of GET's body");
}


/* What SPEC section 2 wants of every answer, whatever the case says. */
static void check_invariants(struct exchange *x)
{
	const struct http_response *r = &x->resp;
	const char *ctype = http_header(r, "Content-Type");
	bool head = strcmp(x->req.method, "HEAD") == 0;

	if (head)
		check_head_answer(x);
	if (r->body.len > 0 && !is_json_type(ctype))
		problem(x, "a body needs Content-Type application/json, "
			"got %s", ctype ? ctype : "none");
	if (r->status == 204 && r->body.len > 0)
		problem(x, "a 204 must have no body");
	if (r->status >= 400 && !head)
		check_error_body(x);
	if (r->status == 403 && !explains_403(r))
		problem(x, "a 403 needs X-Mock-Missing-Permission or reason "
			"token_wrong_type, token_wrong_workspace or "
			"permission_denied");
	if (r->status == 405 && !http_header(r, "Allow"))
		problem(x, "a 405 needs an Allow header");
}


/* Compare a header (NULL when absent) with an expected string. */
static void check_header(struct exchange *x, const char *name,
			 const cJSON *want)
{
	const char *value = http_header(&x->resp, name);
	cJSON *got = value ? cJSON_CreateString(value) : NULL;
	char what[160];

	if (!match_value(got, want)) {
		snprintf(what, sizeof(what), "header %s", name);
		mismatch(x, what, want, got);
	}
	cJSON_Delete(got);
}


static void check_status_and_reason(struct exchange *x)
{
	const cJSON *status = cJSON_GetObjectItem(x->expect, "status");
	const cJSON *reason = cJSON_GetObjectItem(x->expect, "reason");
	cJSON *present;

	if (!cJSON_IsNumber(status)) {
		problem(x, "the case gives no expect.status");
		return;
	}
	if (x->resp.status != (long)status->valuedouble)
		problem(x, "status: want %d, got %ld", status->valueint,
			x->resp.status);
	if (reason) {
		check_header(x, "X-Mock-Reason", reason);
	} else if (status->valuedouble >= 400) {
		present = cJSON_CreateString("<present>");
		check_header(x, "X-Mock-Reason", present);
		cJSON_Delete(present);
	}
}


/* expect.body: each dotted path against its expected value. A path may
 * end in " #note", so that one path can carry several checks. */
static void check_body_paths(struct exchange *x, const cJSON *paths)
{
	const cJSON *want, *got;
	char what[300], path[256];
	const char *note;
	bool bad;

	cJSON_ArrayForEach(want, paths) {
		note = strstr(want->string, " #");
		snprintf(path, sizeof(path), "%.*s",
			 note ? (int)(note - want->string)
			      : (int)strlen(want->string), want->string);
		got = json_path(x->resp.json, path, &bad);
		snprintf(what, sizeof(what), "body \"%s\"", want->string);
		if (bad)
			problem(x, "%s: malformed path", what);
		else if (!match_value(got, want))
			mismatch(x, what, want, got);
	}
}


/* Everything expect asks of the answer. */
static void check_expect(struct exchange *x)
{
	const cJSON *e = x->expect, *h;
	const cJSON *body = cJSON_GetObjectItem(e, "body");
	const cJSON *exact = cJSON_GetObjectItem(e, "bodyExact");

	check_status_and_reason(x);
	cJSON_ArrayForEach(h, cJSON_GetObjectItem(e, "headers"))
		check_header(x, h->string, h);
	if ((body || exact) && !x->resp.json) {
		problem(x, "the body is not JSON");
		return;
	}
	check_body_paths(x, body);
	if (exact && !match_value(x->resp.json, exact))
		mismatch(x, "whole body", exact, x->resp.json);
}


/* Keep what "save" names from the body, as variables. */
static void save_vars(struct e2e_case *c, struct exchange *x)
{
	const cJSON *s, *got;
	bool bad;

	cJSON_ArrayForEach(s, cJSON_GetObjectItem(x->step, "save")) {
		got = cJSON_IsString(s)
		      ? json_path(x->resp.json, s->valuestring, &bad) : NULL;
		if (!got) {
			problem(x, "save %s: nothing at \"%s\"", s->string,
				cJSON_IsString(s) ? s->valuestring : "?");
			continue;
		}
		cJSON_DeleteItemFromObjectCaseSensitive(c->vars, s->string);
		cJSON_AddItemToObject(c->vars, s->string,
				      cJSON_Duplicate(got, true));
	}
}


/* ------------------------------------------------------------------ */
/* Running steps and reporting their failures.                        */

static void report_request(struct sbuf *out, const struct http_request *r)
{
	sbuf_addf(out, "request:\n  %s %s\n", r->method, sbuf_str(&r->url));
	for (const struct curl_slist *l = r->headers; l; l = l->next)
		if (strcmp(l->data, "Expect:") != 0)
			sbuf_addf(out, "  %s\n", l->data);
	if (r->has_body) {
		sbuf_adds(out, "  body: ");
		sbuf_add_clipped(out, sbuf_str(&r->body), r->body.len);
		sbuf_adds(out, "\n");
	}
}


static void report_response(struct sbuf *out, const struct http_response *r)
{
	sbuf_addf(out, "response:\n  HTTP %ld\n", r->status);
	for (size_t i = 0; i < r->nheaders; i++)
		sbuf_addf(out, "  %s: %s\n", r->headers[i].name,
			  r->headers[i].value);
	sbuf_adds(out, "  body: ");
	sbuf_add_clipped(out, sbuf_str(&r->body), r->body.len);
	sbuf_adds(out, "\n");
}


/* The whole story of a failed exchange into the case's report. */
static void report_failure(struct e2e_case *c, const struct exchange *x,
			   bool answered)
{
	const cJSON *name = cJSON_GetObjectItem(x->step, "name");
	struct sbuf *out = &c->report;

	sbuf_addf(out, "%s: step %d \"%s\"", c->file, x->index + 1,
		  cJSON_IsString(name) ? name->valuestring : "?");
	if (x->repeat > 1)
		sbuf_addf(out, " (time %d of %d)", x->iteration + 1,
			  x->repeat);
	sbuf_addf(out, " failed:\n%s", sbuf_str(&x->problems));
	report_request(out, &x->req);
	sbuf_adds(out, "expected:\n  ");
	sbuf_add_json(out, cJSON_GetObjectItem(x->step, "expect"));
	sbuf_adds(out, "\n");
	if (answered)
		report_response(out, &x->resp);
	sbuf_addf(out, "server log (last %d lines):\n", LOG_TAIL_LINES);
	server_log_tail(&c->srv, out);
}


static void exchange_release(struct exchange *x)
{
	http_request_release(&x->req);
	http_response_release(&x->resp);
	cJSON_Delete(x->expect);
	sbuf_release(&x->problems);
}


/*
 * Send one step once and check the answer. Returns 0, or -1 with the
 * failure in c->report.
 */
static int run_exchange(struct e2e_case *c, struct exchange *x)
{
	const cJSON *expect = cJSON_GetObjectItem(x->step, "expect");
	bool answered = false;
	struct sbuf why = { 0 };

	if (build_request(c, x->step, &x->req, &why) != 0 ||
	    !(x->expect = subst_json(c->vars, expect ? expect : x->step,
				     &why))) {
		problem(x, "bad step: %s", sbuf_str(&why));
	} else if (http_perform(&x->req, &x->resp, &why) != 0) {
		problem(x, "no answer: %s", sbuf_str(&why));
	} else {
		answered = true;
		check_invariants(x);
		check_expect(x);
		if (x->problems.len == 0)
			save_vars(c, x);
	}
	sbuf_release(&why);
	if (x->problems.len == 0)
		return 0;
	report_failure(c, x, answered);
	return -1;
}


/* Run step number index, repeat times. 0, or -1 with c->report. */
static int run_step(struct e2e_case *c, const cJSON *step, int index)
{
	const cJSON *repeat = cJSON_GetObjectItem(step, "repeat");
	int times = cJSON_IsNumber(repeat) ? repeat->valueint : 1;
	int rc = 0;

	for (int i = 0; i < times && rc == 0; i++) {
		struct exchange x = { .step = step, .index = index,
				      .iteration = i, .repeat = times };

		rc = run_exchange(c, &x);
		exchange_release(&x);
	}
	return rc;
}


/* Read and check the case file. 0, or -1 with c->report. */
static int case_load(struct e2e_case *c)
{
	struct sbuf text = { 0 };
	const cJSON *scenario, *steps, *args, *a;

	if (read_file(c->file, &text) != 0) {
		sbuf_addf(&c->report, "%s: %s", c->file, strerror(errno));
		sbuf_release(&text);
		return -1;
	}
	c->doc = cJSON_ParseWithLength(sbuf_str(&text), text.len);
	sbuf_release(&text);
	scenario = cJSON_GetObjectItem(c->doc, "scenario");
	steps = cJSON_GetObjectItem(c->doc, "steps");
	args = cJSON_GetObjectItem(c->doc, "args");
	if (!cJSON_IsString(scenario) || !cJSON_IsArray(steps) ||
	    (args && !cJSON_IsArray(args))) {
		sbuf_addf(&c->report, "%s: want JSON with \"scenario\", "
			  "\"steps\" and maybe \"args\"", c->file);
		return -1;
	}
	cJSON_ArrayForEach(a, args)
		if (!cJSON_IsString(a)) {
			sbuf_addf(&c->report, "%s: args are strings",
				  c->file);
			return -1;
		}
	return 0;
}


/* Start the case's server and wait for it. 0, or -1 with c->report. */
static int case_serve(struct e2e_case *c)
{
	const char *scenario =
		cJSON_GetObjectItem(c->doc, "scenario")->valuestring;
	struct sbuf why = { 0 };
	int rc;

	rc = server_start(&c->srv, c->bin, scenario,
			  cJSON_GetObjectItem(c->doc, "args"), &why);
	if (rc == 0)
		rc = server_wait_ready(&c->srv, &why);
	if (rc != 0) {
		sbuf_addf(&c->report, "%s: cannot start %s: %s\n"
			  "server log (last %d lines):\n", c->file, c->bin,
			  sbuf_str(&why), LOG_TAIL_LINES);
		server_log_tail(&c->srv, &c->report);
	}
	sbuf_release(&why);
	return rc;
}


/* Fail the test with the case's report: written whole to stderr, since
 * cmocka cuts long messages, then a one-line failure for cmocka. */
static void case_fail(struct e2e_case *c)
{
	fprintf(stderr, "%s", sbuf_str(&c->report));
	if (c->report.len && c->report.buf[c->report.len - 1] != '\n')
		fputc('\n', stderr);
	fail_msg("%s failed (report above)", c->file);
}


/* The cmocka test of one case file. */
static void test_e2e_case(void **state)
{
	struct e2e_case *c = *state;
	const cJSON *step;
	struct sbuf why = { 0 };
	int i = 0;

	if (case_load(c) != 0 || case_serve(c) != 0)
		case_fail(c);
	cJSON_ArrayForEach(step, cJSON_GetObjectItem(c->doc, "steps"))
		if (run_step(c, step, i++) != 0)
			case_fail(c);
	if (server_stop(&c->srv, &why) != 0) {
		sbuf_addf(&c->report, "%s: %s\nserver log (last %d lines):\n",
			  c->file, sbuf_str(&why), LOG_TAIL_LINES);
		sbuf_release(&why);
		server_log_tail(&c->srv, &c->report);
		case_fail(c);
	}
}


static int case_setup(void **state)
{
	struct e2e_case *c = *state;

	c->vars = cJSON_CreateObject();
	return c->vars ? 0 : -1;
}


/* Runs after the test, failed or not: no server outlives its case. */
static int case_teardown(void **state)
{
	struct e2e_case *c = *state;

	server_cleanup(&c->srv);
	cJSON_Delete(c->doc);
	cJSON_Delete(c->vars);
	sbuf_release(&c->report);
	c->doc = c->vars = NULL;
	return 0;
}


int main(int argc, char **argv)
{
	const char *bin = getenv("DM_MOCKSERVER_BIN");
	struct CMUnitTest *tests;
	struct e2e_case *cases;
	glob_t g;
	int rc;

	if (glob(CASES_GLOB, 0, NULL, &g) != 0 || g.gl_pathc == 0) {
		fprintf(stderr, "test_e2e: no %s (run from the top of the "
			"tree)\n", CASES_GLOB);
		return 1;
	}
	tests = calloc(g.gl_pathc, sizeof(*tests));
	cases = calloc(g.gl_pathc, sizeof(*cases));
	if (!tests || !cases)
		abort();
	for (size_t i = 0; i < g.gl_pathc; i++) {
		cases[i].file = g.gl_pathv[i];
		cases[i].bin = bin && *bin ? bin : DEFAULT_BIN;
		tests[i] = (struct CMUnitTest){
			.name = strrchr(g.gl_pathv[i], '/') + 1,
			.test_func = test_e2e_case,
			.setup_func = case_setup,
			.teardown_func = case_teardown,
			.initial_state = &cases[i],
		};
	}
	if (argc > 1)
		cmocka_set_test_filter(argv[1]);
	curl_global_init(CURL_GLOBAL_DEFAULT);
	rc = _cmocka_run_group_tests("e2e", tests, g.gl_pathc, NULL, NULL);
	curl_global_cleanup();
	free(tests);
	free(cases);
	globfree(&g);
	return rc;
}
