/*
 * test_hostile: hostile and malformed requests, sent as raw bytes over
 * TCP so that broken HTTP reaches the server exactly as written.
 *
 * One real server (scenarios/default.json, --seed 1, --max-body 4096,
 * --max-tenants 8) serves the group; test_hostile_deep_nesting starts a
 * second one with a larger --max-body. tests/hostile/requests.json
 * is the table, an array of
 *
 *   {"name": "...", "note": "why (optional)",
 *    "raw": "the bytes to send",
 *    "halfClose": true,            (optional: shut down our write side
 *                                   once everything is sent)
 *    "expect": {"status": 400, "reason": "invalid_json"}
 *            | {"status": 201, "reason": null}    (no X-Mock-Reason)
 *            | {"noAnswer": true}}  (closed without a byte)
 *
 * Placeholders in raw: ${ADA} (Ada's Basic credentials), ${NIGHTLY}
 * (Bearer and the adapters-nightly secret), ${WS} (the workspace id),
 * ${REPEAT:n:text} (text n times; text may hold placeholders, so a
 * literal '}' in it is written ${BYTE:7d}), ${BYTE:hh} (one raw byte,
 * for NUL and invalid UTF-8) and ${CL} (in the head: the decimal length
 * of everything after the first blank line).
 *
 * Each entry goes over a new connection to 127.0.0.1; the answer is read
 * for at most 15 s. Whatever the entry expects, an answer must also be
 * no 5xx, an error must carry X-Mock-Reason and a JSON body, any body
 * must parse as JSON, and a 405 must carry Allow. After each entry the
 * server must still be alive and answer GET /__mock/health. Every
 * failing entry is reported (name, expected, actual) before the test
 * fails, so one run lists them all.
 *
 * test_hostile_state_unchanged then compares the tokens, the virtual
 * clock and the tenant count with what they were before the table: the
 * only new tokens may be those of entries that expected 201. The other
 * tests fill the tenants to --max-tenants (the default tenant counts),
 * check the Date of answers to bodies that cannot be read (the tenant's
 * virtual clock, or the wall clock when there is no such tenant), stall
 * two clients while others are served, and send 100000 levels of
 * nesting. Every server must exit 0 on SIGTERM with no sanitizer report
 * in its log.
 *
 * Run it from the top of the tree.
 */
#include <arpa/inet.h>
#include <cjson/cJSON.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdbool.h>
#include <strings.h>
#include <sys/socket.h>
#include "testutil.h"
#include "testserver.h"

#define TABLE_FILE "tests/hostile/requests.json"
#define SCENARIO "scenarios/default.json"
#define MAX_BODY "4096"
#define MAX_TENANTS 8
#define MAX_TENANTS_ARG "8"
#define ANSWER_TIMEOUT_MS 15000
#define ANSWER_MAX (1u << 20)   /* bytes of an answer kept */
#define RAW_MAX (1u << 22)      /* bytes of an expanded request */
#define REPEAT_MAX 1000000
#define NEST_MAX 4              /* REPEAT inside REPEAT */
#define TABLE_MAX 1000
#define HEALTH_WITHIN_MS 1000
#define STALL_CLOSE_MS 16000    /* civetweb allows 10 s for the head */
#define CLOCK_SLACK_MS 2000
#define DATED_AT "2031-02-03T04:05:06.000Z"   /* a tenant's frozen now */
#define DATED_HTTP "Mon, 03 Feb 2031 04:05:06 GMT"
#define DEEP_LEVELS "100000"
#define DEEP_HEAD " HTTP/1.1\r\nHost: 127.0.0.1\r\n"
#define DEEP_BODY "Content-Length: ${CL}\r\n\r\n"
#define DEEP_ARRAYS "${REPEAT:" DEEP_LEVELS ":[}${REPEAT:" DEEP_LEVELS ":]}"

#define ADA "Basic YWRhQGV4YW1wbGUuY29tOmFkYS1hcGktdG9rZW4="
#define NIGHTLY "Bearer dmac_Xmb0KsV17YWy3J_feoiZ_0qgOhuGgXsIiRhYUptaN9Y"
#define WS "5b6c1e2a-3f4d-4e8b-9a7c-0d1e2f3a4b5c"
#define TOKENS "/rest/datamanager/1.0/tokens"


/* ------------------------------------------------------------------ */
/* Growable bytes, always NUL-terminated; allocation failure aborts.   */

struct bytes {
	char *buf;
	size_t len, cap;
};


static void bytes_addn(struct bytes *b, const void *p, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 256;
		char *grown;

		while (cap < b->len + n + 1)
			cap *= 2;
		grown = realloc(b->buf, cap);
		if (!grown)
			abort();
		b->buf = grown;
		b->cap = cap;
	}
	memcpy(b->buf + b->len, p, n);
	b->len += n;
	b->buf[b->len] = '\0';
}


static void bytes_adds(struct bytes *b, const char *s)
{
	bytes_addn(b, s, strlen(s));
}


static void bytes_addf(struct bytes *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void bytes_addf(struct bytes *b, const char *fmt, ...)
{
	char line[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	bytes_adds(b, line);
}


static void bytes_release(struct bytes *b)
{
	free(b->buf);
	memset(b, 0, sizeof(*b));
}


/* ------------------------------------------------------------------ */
/* Placeholders.                                                       */

static int expand(const char **pp, struct bytes *out, int depth,
		  bool nested);


/* ${BYTE:hh}: one raw byte. Returns 0, or -1 when malformed. */
static int expand_byte(const char **pp, struct bytes *out)
{
	const char *p = *pp + strlen("${BYTE:");
	char hex[3] = {0};
	unsigned char c;

	if (!isxdigit((unsigned char)p[0]) ||
	    !isxdigit((unsigned char)p[1]) || p[2] != '}')
		return -1;
	memcpy(hex, p, 2);
	c = (unsigned char)strtoul(hex, NULL, 16);
	bytes_addn(out, &c, 1);
	*pp = p + 3;
	return 0;
}


/* ${REPEAT:n:text}: text (expanded once) n times. Returns 0, or -1. */
static int expand_repeat(const char **pp, struct bytes *out, int depth)
{
	const char *p = *pp + strlen("${REPEAT:");
	struct bytes text = {0};
	unsigned long n;
	char *end;
	int rc = -1;

	if (!isdigit((unsigned char)*p) || depth >= NEST_MAX)
		return -1;
	n = strtoul(p, &end, 10);
	if (*end != ':' || n > REPEAT_MAX)
		return -1;
	p = end + 1;
	if (expand(&p, &text, depth + 1, true) < 0)
		goto out;
	if (text.len * n + out->len > RAW_MAX)
		goto out;
	for (unsigned long i = 0; i < n; i++)
		bytes_addn(out, text.buf ? text.buf : "", text.len);
	*pp = p;
	rc = 0;
out:
	bytes_release(&text);
	return rc;
}


/* One placeholder at *pp. Returns 0, or -1 when unknown or malformed. */
static int expand_one(const char **pp, struct bytes *out, int depth)
{
	static const struct {
		const char *name, *value;
	} fixed[] = {
		{"${ADA}", ADA}, {"${NIGHTLY}", NIGHTLY}, {"${WS}", WS},
		{"${CL}", "${CL}"},     /* filled in by fill_lengths() */
	};

	for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++) {
		size_t n = strlen(fixed[i].name);

		if (strncmp(*pp, fixed[i].name, n) == 0) {
			bytes_adds(out, fixed[i].value);
			*pp += n;
			return 0;
		}
	}
	if (strncmp(*pp, "${BYTE:", 7) == 0)
		return expand_byte(pp, out);
	if (strncmp(*pp, "${REPEAT:", 9) == 0)
		return expand_repeat(pp, out, depth);
	return -1;
}


/*
 * Expand the text at *pp into out. Nested (a REPEAT's text), it ends at
 * the first '}' outside a placeholder, which it consumes. Returns 0, or
 * -1 for a bad placeholder, an unclosed REPEAT or too large a result.
 */
static int expand(const char **pp, struct bytes *out, int depth,
		  bool nested)
{
	const char *p = *pp;

	while (*p) {
		if (nested && *p == '}') {
			*pp = p + 1;
			return 0;
		}
		if (strncmp(p, "${", 2) != 0) {
			bytes_addn(out, p++, 1);
			continue;
		}
		if (expand_one(&p, out, depth) < 0 || out->len > RAW_MAX)
			return -1;
	}
	*pp = p;
	return nested ? -1 : 0;
}


/* Replace each ${CL} of the head by the body's length. Returns 0, or -1
 * when there is a ${CL} but no blank line. */
static int fill_lengths(struct bytes *raw)
{
	const char *end = memmem(raw->buf, raw->len, "\r\n\r\n", 4);
	struct bytes out = {0};
	char num[24];
	size_t head, i = 0;

	if (!end)
		return memmem(raw->buf, raw->len, "${CL}", 5) ? -1 : 0;
	head = (size_t)(end - raw->buf) + 4;
	snprintf(num, sizeof(num), "%zu", raw->len - head);
	while (i < head) {
		if (i + 5 <= head && memcmp(raw->buf + i, "${CL}", 5) == 0) {
			bytes_adds(&out, num);
			i += 5;
		} else {
			bytes_addn(&out, raw->buf + i++, 1);
		}
	}
	bytes_addn(&out, raw->buf + head, raw->len - head);
	bytes_release(raw);
	*raw = out;
	return 0;
}


/* The bytes an entry's raw text stands for, in *raw. 0, or -1. */
static int build_raw(const char *text, struct bytes *raw)
{
	const char *p = text;

	memset(raw, 0, sizeof(*raw));
	bytes_adds(raw, "");
	if (expand(&p, raw, 0, false) < 0 || fill_lengths(raw) < 0) {
		bytes_release(raw);
		return -1;
	}
	return 0;
}


/* ------------------------------------------------------------------ */
/* One exchange over a raw socket.                                     */

struct answer {
	struct bytes data;      /* everything after any 1xx answers */
	bool closed;            /* the server closed (or reset) */
	bool timed_out;
	bool complete;          /* a whole answer, by Content-Length */
	int status;             /* 0 when there is no status line */
	char reason[64];        /* X-Mock-Reason, "" when absent */
	bool has_allow;
	int connections;        /* Connection headers */
	char date[64];          /* the Date header, "" when absent */
	bool head_only;         /* the answer to HEAD: no body may come */
	size_t head_len;
	long long content_length;       /* -1 when absent */
};


static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}


/* Copy header line's value (after "name:") if its name is name. */
static bool header_is(const char *line, size_t len, const char *name,
		      char *value, size_t value_len)
{
	size_t n = strlen(name), v;

	if (len <= n || strncasecmp(line, name, n) != 0 || line[n] != ':')
		return false;
	line += n + 1;
	len -= n + 1;
	while (len > 0 && (*line == ' ' || *line == '\t')) {
		line++;
		len--;
	}
	v = len < value_len - 1 ? len : value_len - 1;
	memcpy(value, line, v);
	value[v] = '\0';
	return true;
}


/* Read the status line and the headers we check from a head of
 * head_len bytes, which ends with a blank line. */
static void parse_head(struct answer *a, size_t head_len)
{
	const char *end = a->data.buf + head_len;
	const char *line = memmem(a->data.buf, head_len, "\r\n", 2) + 2;
	char value[64];

	a->head_len = head_len;
	a->content_length = -1;
	a->reason[0] = '\0';
	a->date[0] = '\0';
	a->has_allow = false;
	a->connections = 0;
	if (sscanf(a->data.buf, "HTTP/%*d.%*d %3d", &a->status) != 1)
		a->status = 0;
	while (line < end - 2) {
		const char *eol = memmem(line, (size_t)(end - line), "\r\n",
					 2);
		size_t len = (size_t)(eol - line);

		if (header_is(line, len, "Content-Length", value,
			      sizeof(value)))
			a->content_length = strtoll(value, NULL, 10);
		header_is(line, len, "X-Mock-Reason", a->reason,
			  sizeof(a->reason));
		header_is(line, len, "Date", a->date, sizeof(a->date));
		if (header_is(line, len, "Allow", value, sizeof(value)))
			a->has_allow = true;
		if (header_is(line, len, "Connection", value, sizeof(value)))
			a->connections++;
		line = eol + 2;
	}
}


/* Drop interim 1xx answers; note when the answer is whole. */
static void answer_update(struct answer *a)
{
	const char *end;

	while (!a->head_len &&
	       (end = memmem(a->data.buf, a->data.len, "\r\n\r\n", 4))) {
		size_t head = (size_t)(end - a->data.buf) + 4;

		parse_head(a, head);
		if (a->status < 100 || a->status > 199)
			break;
		memmove(a->data.buf, a->data.buf + head,
			a->data.len - head + 1);
		a->data.len -= head;
		a->head_len = 0;
		a->status = 0;
	}
	if (!a->head_len)
		return;
	if (a->head_only || a->status == 204 || a->status == 304)
		a->complete = true;
	else if (a->content_length >= 0)
		a->complete = a->data.len - a->head_len >=
			      (size_t)a->content_length;
}


struct conn {
	int fd;
	const char *out;        /* what is left to send */
	size_t out_len;
	bool half_close;
	bool until_close;       /* read on after a whole answer */
	struct answer a;
};


/* Connect to 127.0.0.1:port, non-blocking. Returns the socket or -1. */
static int connect_local(int port)
{
	struct sockaddr_in sa = {.sin_family = AF_INET};
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	if (fd < 0)
		return -1;
	sa.sin_port = htons((uint16_t)port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    fcntl(fd, F_SETFL, O_NONBLOCK) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}


/* Send what the socket takes now. A refused send ends the sending: the
 * server may answer early and stop reading. */
static void conn_send(struct conn *c)
{
	ssize_t n = send(c->fd, c->out, c->out_len, MSG_NOSIGNAL);

	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n < 0)
		n = (ssize_t)c->out_len;
	c->out += n;
	c->out_len -= (size_t)n;
	if (c->out_len == 0 && c->half_close)
		shutdown(c->fd, SHUT_WR);
}


/* Take what has arrived; a reset counts as the end. */
static void conn_recv(struct conn *c)
{
	char buf[16384];
	ssize_t n = recv(c->fd, buf, sizeof(buf), 0);

	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		c->a.closed = true;
		return;
	}
	if (c->a.data.len + (size_t)n <= ANSWER_MAX)
		bytes_addn(&c->a.data, buf, (size_t)n);
	answer_update(&c->a);
}


/*
 * Send c's bytes and read the answer until it is whole, the server
 * closes, or the deadline (CLOCK_MONOTONIC ms) passes. Reads while it
 * sends, so an early answer is not lost.
 */
static void conn_run(struct conn *c, int64_t deadline)
{
	bytes_adds(&c->a.data, "");
	while (!c->a.closed && (c->until_close || !c->a.complete)) {
		struct pollfd pfd = {.fd = c->fd, .events = POLLIN};
		int64_t left = deadline - now_ms();

		if (left <= 0) {
			c->a.timed_out = true;
			return;
		}
		if (c->out_len > 0)
			pfd.events |= POLLOUT;
		if (poll(&pfd, 1, (int)left) < 0 && errno != EINTR)
			return;
		if (pfd.revents & (POLLIN | POLLHUP | POLLERR))
			conn_recv(c);
		else if (pfd.revents & POLLOUT)
			conn_send(c);
	}
}


/* ------------------------------------------------------------------ */
/* The table and its checks.                                           */

struct entry {
	const char *name;
	const char *raw;
	bool half_close;
	bool no_answer;
	int status;
	const char *reason;     /* NULL: no X-Mock-Reason expected */
};


struct fixture {
	struct ts_server srv;
	int port;
	CURL *curl;
	cJSON *table;
	struct entry entries[TABLE_MAX];
	int nentries;
	cJSON *tokens_before;   /* the list's values before the table */
	int64_t clock_before, wall_before;
	bool frozen_before;
	int tenants_before;
	cJSON *made;            /* labels the 201 entries made */
	int expected_new;       /* entries that expect 201 */
	bool table_ran;
};


/* Fill e from a table item. Returns 0, or -1 when the item is bad. */
static int entry_from(const cJSON *item, struct entry *e)
{
	const cJSON *expect = cJSON_GetObjectItem(item, "expect");
	const cJSON *status = cJSON_GetObjectItem(expect, "status");
	const cJSON *reason = cJSON_GetObjectItem(expect, "reason");

	memset(e, 0, sizeof(*e));
	e->name = cJSON_GetStringValue(cJSON_GetObjectItem(item, "name"));
	e->raw = cJSON_GetStringValue(cJSON_GetObjectItem(item, "raw"));
	e->half_close = cJSON_IsTrue(cJSON_GetObjectItem(item, "halfClose"));
	e->no_answer = cJSON_IsTrue(cJSON_GetObjectItem(expect, "noAnswer"));
	if (!e->name || !e->raw || !cJSON_IsObject(expect))
		return -1;
	if (e->no_answer)
		return 0;
	if (!cJSON_IsNumber(status) || !(cJSON_IsNull(reason) ||
					 cJSON_IsString(reason)))
		return -1;
	e->status = status->valueint;
	e->reason = cJSON_GetStringValue(reason);
	return 0;
}


/* Load TABLE_FILE into fx. Returns 0, or -1 with a message. */
static int table_load(struct fixture *fx)
{
	FILE *f = fopen(TABLE_FILE, "rb");
	struct bytes text = {0};
	char buf[8192];
	size_t n;

	if (!f) {
		fprintf(stderr, "test_hostile: no %s (run from the top of "
			"the tree)\n", TABLE_FILE);
		return -1;
	}
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		bytes_addn(&text, buf, n);
	fclose(f);
	fx->table = cJSON_ParseWithLength(text.buf, text.len);
	bytes_release(&text);
	if (!cJSON_IsArray(fx->table) ||
	    cJSON_GetArraySize(fx->table) > TABLE_MAX) {
		fprintf(stderr, "test_hostile: %s is not an array of at "
			"most %d entries\n", TABLE_FILE, TABLE_MAX);
		return -1;
	}
	for (const cJSON *it = fx->table->child; it; it = it->next) {
		if (entry_from(it, &fx->entries[fx->nentries]) < 0) {
			fprintf(stderr, "test_hostile: %s: entry %d is "
				"malformed\n", TABLE_FILE, fx->nentries);
			return -1;
		}
		fx->nentries++;
	}
	return 0;
}


/* Describe what came back, for a report. */
static void describe(const struct answer *a, struct bytes *out)
{
	if (a->status)
		bytes_addf(out, "%d %s", a->status,
			   a->reason[0] ? a->reason : "(no X-Mock-Reason)");
	else if (a->data.len)
		bytes_addf(out, "an unreadable answer (%zu bytes)",
			   a->data.len);
	else if (a->timed_out)
		bytes_adds(out, "no answer within 15 s, still open");
	else
		bytes_adds(out, "the connection closed without an answer");
	if (a->timed_out && a->status && !a->complete)
		bytes_adds(out, ", then the answer stalled");
}


/* The body of a whole answer, or NULL (with *len 0) when there is none. */
static const char *answer_body(const struct answer *a, size_t *len)
{
	*len = a->head_len && a->data.len > a->head_len
		       ? a->data.len - a->head_len : 0;
	return *len ? a->data.buf + a->head_len : NULL;
}


/* What every answer must be, whatever the entry expects (SPEC 2). */
static void check_invariants(const struct answer *a, struct bytes *why)
{
	size_t len;
	const char *body = answer_body(a, &len);
	cJSON *doc = body ? cJSON_ParseWithLength(body, len) : NULL;

	if (a->status >= 500)
		bytes_adds(why, "; a 5xx");
	if (a->status >= 400 && !a->reason[0])
		bytes_adds(why, "; an error without X-Mock-Reason");
	if (a->status == 405 && !a->has_allow)
		bytes_adds(why, "; a 405 without Allow");
	if (a->connections > 1)
		bytes_adds(why, "; Connection given twice");
	if (a->head_only) {
		if (body)
			bytes_adds(why, "; a body on the answer to HEAD");
		cJSON_Delete(doc);
		return;
	}
	if (a->status >= 400 && !body)
		bytes_adds(why, "; an error without a body");
	if (body && !doc)
		bytes_adds(why, "; the body is not JSON");
	if (a->head_len && !a->complete && a->content_length >= 0)
		bytes_adds(why, "; the body is shorter than Content-Length");
	cJSON_Delete(doc);
}


/*
 * Check one answer against its entry. Returns true when the status and
 * reason are those expected; what else is wrong goes to why.
 */
static bool check_answer(const struct entry *e, const struct answer *a,
			 struct bytes *why)
{
	if (e->no_answer)
		return !a->data.len && !a->timed_out;
	if (a->status)
		check_invariants(a, why);
	if (a->status != e->status)
		return false;
	if (e->reason)
		return strcmp(a->reason, e->reason) == 0;
	return !a->reason[0];
}


/* Send e to the server on port; *a gets the answer. -1: bad raw text. */
static int exchange(int port, const struct entry *e, struct answer *a)
{
	struct conn c = {.half_close = e->half_close};
	struct bytes raw;

	memset(a, 0, sizeof(*a));
	if (build_raw(e->raw, &raw) < 0)
		return -1;
	c.out = raw.buf;
	c.out_len = raw.len;
	c.a.head_only = strncmp(raw.buf, "HEAD ", 5) == 0;
	c.until_close = c.a.head_only;  /* to see a body that must not be */
	c.fd = connect_local(port);
	if (c.fd >= 0) {
		conn_run(&c, now_ms() + ANSWER_TIMEOUT_MS);
		close(c.fd);
	}
	*a = c.a;
	bytes_release(&raw);
	return 0;
}


/* ------------------------------------------------------------------ */
/* The server's health and state.                                      */

/* GET path on the server as auth; the parsed body, or NULL. */
static cJSON *get_json(struct fixture *fx, const struct ts_server *srv,
		       const char *path, const char *auth, long *status)
{
	struct ts_reply r;
	cJSON *doc = NULL;

	*status = 0;
	if (ts_request(fx->curl, srv, "GET", path, auth, NULL, &r) == 0) {
		*status = r.status;
		doc = r.body ? cJSON_Parse(r.body) : NULL;
	}
	free(r.body);
	return doc;
}


/* Is the server alive and answering its health check? A dead one is
 * reaped and forgotten, so that nothing signals its pid later. */
static bool server_well(struct fixture *fx, struct ts_server *srv)
{
	long status;
	cJSON *doc;

	if (srv->pid <= 0)
		return false;
	if (waitpid(srv->pid, NULL, WNOHANG) != 0) {
		srv->pid = 0;
		return false;
	}
	doc = get_json(fx, srv, "/__mock/health", NULL, &status);
	cJSON_Delete(doc);
	return status == 200;
}


static int health_tenants(struct fixture *fx)
{
	long status;
	cJSON *doc = get_json(fx, &fx->srv, "/__mock/health", NULL, &status);
	const cJSON *n = cJSON_GetObjectItem(doc, "tenants");
	int tenants = cJSON_IsNumber(n) ? n->valueint : -1;

	cJSON_Delete(doc);
	return tenants;
}


/* An ISO-8601 UTC time with milliseconds as ms since the epoch; -1. */
static int64_t iso_ms(const char *s)
{
	struct tm tm = {0};
	int ms;

	if (!s || sscanf(s, "%d-%d-%dT%d:%d:%d.%3dZ", &tm.tm_year,
			 &tm.tm_mon, &tm.tm_mday, &tm.tm_hour, &tm.tm_min,
			 &tm.tm_sec, &ms) != 7)
		return -1;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	return (int64_t)timegm(&tm) * 1000 + ms;
}


/* The tokens list (values), the clock and the tenants; 0 or -1. */
static int snapshot(struct fixture *fx, cJSON **tokens, int64_t *clock,
		    bool *frozen)
{
	long st_tokens, st_clock;
	cJSON *list = get_json(fx, &fx->srv, TOKENS "?limit=1000", ADA,
			       &st_tokens);
	cJSON *ck = get_json(fx, &fx->srv, "/__mock/clock", NULL, &st_clock);
	const cJSON *now = cJSON_GetObjectItem(ck, "now");

	*clock = iso_ms(cJSON_GetStringValue(now));
	*frozen = cJSON_IsTrue(cJSON_GetObjectItem(ck, "frozen"));
	*tokens = cJSON_DetachItemFromObject(list, "values");
	cJSON_Delete(list);
	cJSON_Delete(ck);
	if (st_tokens != 200 || st_clock != 200 || !cJSON_IsArray(*tokens) ||
	    *clock < 0) {
		cJSON_Delete(*tokens);
		*tokens = NULL;
		return -1;
	}
	return 0;
}


/* Count (and print) the sanitizer reports in a server's log. */
static int sanitizer_reports(const char *log)
{
	FILE *f = fopen(log, "r");
	char line[512];
	int n = 0;

	while (f && fgets(line, sizeof(line), f)) {
		if (strstr(line, "runtime error:") ||
		    strstr(line, "Sanitizer")) {
			fprintf(stderr, "server: %s", line);
			n++;
		}
	}
	if (f)
		fclose(f);
	return n;
}


/*
 * SIGTERM the server and wait for it (10 s), then read its log for
 * sanitizer reports (UBSan goes on after one, and leaks show at exit).
 * Returns 0 when it exited 0 with a clean log, else -1 (log shown).
 */
static int server_finish(struct ts_server *srv)
{
	int status = 0, rc = -1, reports;

	if (srv->pid > 0) {
		kill(srv->pid, SIGTERM);
		for (int i = 0; i < 1000 && rc == -1; i++) {
			if (waitpid(srv->pid, &status, WNOHANG) == srv->pid)
				rc = WIFEXITED(status) ? WEXITSTATUS(status)
						       : -2;
			else
				ts_sleep_ms(10);
		}
		if (rc == -1) {
			kill(srv->pid, SIGKILL);
			waitpid(srv->pid, NULL, 0);
		}
		srv->pid = 0;
	}
	reports = sanitizer_reports(srv->log);
	if (rc != 0)
		fprintf(stderr, "test_hostile: the server did not exit 0 "
			"on SIGTERM (%d)\n", rc);
	ts_server_stop(srv, rc != 0 || reports > 0);
	return rc == 0 && reports == 0 ? 0 : -1;
}


/* ------------------------------------------------------------------ */
/* Setup and teardown.                                                 */

static int setup(void **state)
{
	static struct fixture fx;
	const char *args[] = {"--seed", "1", "--max-body", MAX_BODY,
			      "--max-tenants", MAX_TENANTS_ARG, NULL};

	curl_global_init(CURL_GLOBAL_DEFAULT);
	fx.curl = curl_easy_init();
	fx.made = cJSON_CreateArray();
	if (!fx.curl || table_load(&fx) < 0)
		return -1;
	if (ts_server_start(&fx.srv, SCENARIO, args) < 0) {
		fprintf(stderr, "test_hostile: the server did not start\n");
		ts_server_stop(&fx.srv, 1);
		return -1;
	}
	fx.port = atoi(strrchr(fx.srv.url, ':') + 1);
	if (snapshot(&fx, &fx.tokens_before, &fx.clock_before,
		     &fx.frozen_before) < 0 ||
	    (fx.tenants_before = health_tenants(&fx)) < 0) {
		fprintf(stderr, "test_hostile: no state before the table\n");
		ts_server_stop(&fx.srv, 1);
		return -1;
	}
	fx.wall_before = now_ms();
	*state = &fx;
	return 0;
}


static int teardown(void **state)
{
	struct fixture *fx = *state;
	int rc = 0;

	if (fx) {
		rc = server_finish(&fx->srv);
		cJSON_Delete(fx->table);
		cJSON_Delete(fx->tokens_before);
		cJSON_Delete(fx->made);
		curl_easy_cleanup(fx->curl);
	}
	curl_global_cleanup();
	return rc == 0 ? 0 : -1;
}


/* ------------------------------------------------------------------ */
/* The tests.                                                          */

/* Remember the label a 201 entry made. */
static void note_made(struct fixture *fx, const struct answer *a)
{
	size_t len;
	const char *body = answer_body(a, &len);
	cJSON *doc = body ? cJSON_ParseWithLength(body, len) : NULL;
	const char *label = cJSON_GetStringValue(
		cJSON_GetObjectItem(doc, "label"));

	if (label)
		cJSON_AddItemToArray(fx->made, cJSON_CreateString(label));
	cJSON_Delete(doc);
}


/* Run entry i; append a report line to report when it fails. Returns
 * false when the server is gone or sick, which ends the table. */
static bool run_entry(struct fixture *fx, int i, struct bytes *report,
		      int *failed)
{
	const struct entry *e = &fx->entries[i];
	struct bytes why = {0};
	struct answer a;
	bool well, as_expected = false;

	bytes_adds(&why, "");
	if (exchange(fx->port, e, &a) < 0)
		bytes_adds(&why, "; its raw text has a bad placeholder");
	else
		as_expected = check_answer(e, &a, &why);
	if (!e->no_answer && e->status == 201 && a.status == 201)
		note_made(fx, &a);
	well = server_well(fx, &fx->srv);
	if (!well)
		bytes_adds(&why, "; afterwards the server is dead or its "
			   "health check fails");
	if (!as_expected || why.len) {
		bytes_addf(report, "  %s: expected ", e->name);
		if (e->no_answer)
			bytes_adds(report, "no answer");
		else
			bytes_addf(report, "%d %s", e->status,
				   e->reason ? e->reason : "(no reason)");
		bytes_adds(report, ", got ");
		describe(&a, report);
		bytes_addf(report, "%s\n", why.buf);
		(*failed)++;
	}
	bytes_release(&a.data);
	bytes_release(&why);
	return well;
}


/* Every entry of the table, each on a new connection. */
static void test_hostile_table(void **state)
{
	struct fixture *fx = *state;
	struct bytes report = {0};
	int failed = 0;

	assert_true(fx->nentries >= 45);
	for (int i = 0; i < fx->nentries && i < TABLE_MAX; i++) {
		if (!fx->entries[i].no_answer && fx->entries[i].status == 201)
			fx->expected_new++;
		if (!run_entry(fx, i, &report, &failed)) {
			bytes_addf(&report, "  (the table stopped at %s)\n",
				   fx->entries[i].name);
			break;
		}
	}
	fx->table_ran = true;
	if (failed) {
		fprintf(stderr, "test_hostile: %d of %d entries failed:\n%s",
			failed, fx->nentries, report.buf);
		bytes_release(&report);
		fail_msg("%d hostile requests answered wrongly", failed);
	}
	bytes_release(&report);
}


/* Take label out of the made list; false when it is not there. */
static bool take_made(struct fixture *fx, const char *label)
{
	int i = 0;

	for (const cJSON *it = fx->made->child; it; it = it->next, i++) {
		if (strcmp(it->valuestring, label) == 0) {
			cJSON_DeleteItemFromArray(fx->made, i);
			return true;
		}
	}
	return false;
}


static const cJSON *token_by_id(const cJSON *list, const char *id)
{
	for (const cJSON *t = list ? list->child : NULL; t; t = t->next) {
		const char *tid = cJSON_GetStringValue(
			cJSON_GetObjectItem(t, "id"));

		if (tid && id && strcmp(tid, id) == 0)
			return t;
	}
	return NULL;
}


/* Compare the tokens with those before; append what changed to why. */
static void compare_tokens(struct fixture *fx, const cJSON *after,
			   struct bytes *why)
{
	int fresh = 0;

	for (const cJSON *t = after->child; t; t = t->next) {
		const char *id = cJSON_GetStringValue(
			cJSON_GetObjectItem(t, "id"));
		const char *label = cJSON_GetStringValue(
			cJSON_GetObjectItem(t, "label"));
		const cJSON *old = token_by_id(fx->tokens_before, id);
		const char *was = cJSON_GetStringValue(
			cJSON_GetObjectItem(old, "status"));
		const char *is = cJSON_GetStringValue(
			cJSON_GetObjectItem(t, "status"));

		if (old && (!was || !is || strcmp(was, is) != 0))
			bytes_addf(why, "  token '%.40s' went from %s to %s\n",
				   label ? label : "?", was ? was : "?",
				   is ? is : "?");
		if (old)
			continue;
		fresh++;
		if (!label || !take_made(fx, label))
			bytes_addf(why, "  token '%.40s' was made by an entry "
				   "that did not expect 201\n",
				   label ? label : "?");
	}
	if (fresh != fx->expected_new)
		bytes_addf(why, "  %d new tokens, expected %d (the entries "
			   "that expect 201)\n", fresh, fx->expected_new);
	if (cJSON_GetArraySize(after) < cJSON_GetArraySize(fx->tokens_before))
		bytes_adds(why, "  tokens went missing\n");
}


/* After the table: only the 201 entries' tokens are new; the clock and
 * the tenants are as they were. */
static void test_hostile_state_unchanged(void **state)
{
	struct fixture *fx = *state;
	struct bytes why = {0};
	cJSON *tokens;
	int64_t clock, walked;
	bool frozen;

	if (!fx->table_ran)
		skip();
	walked = now_ms() - fx->wall_before;
	assert_int_equal(snapshot(fx, &tokens, &clock, &frozen), 0);
	bytes_adds(&why, "");
	compare_tokens(fx, tokens, &why);
	if (frozen != fx->frozen_before)
		bytes_adds(&why, "  the clock's frozen flag changed\n");
	if (clock < fx->clock_before ||
	    clock - fx->clock_before > walked + CLOCK_SLACK_MS)
		bytes_addf(&why, "  the clock moved %lld ms in %lld ms\n",
			   (long long)(clock - fx->clock_before),
			   (long long)walked);
	if (health_tenants(fx) != fx->tenants_before)
		bytes_adds(&why, "  the number of tenants changed\n");
	cJSON_Delete(tokens);
	if (why.len) {
		fprintf(stderr, "test_hostile: state changed:\n%s", why.buf);
		bytes_release(&why);
		fail_msg("the table changed the server's state");
	}
	bytes_release(&why);
}


/* One request by libcurl; its status, X-Mock-Reason in reason. */
static long request(struct fixture *fx, const char *method,
		    const char *path, const char *auth, char *reason)
{
	struct ts_reply r;
	long status = -1;

	reason[0] = '\0';
	if (ts_request(fx->curl, &fx->srv, method, path, auth, NULL,
		       &r) == 0) {
		cJSON *doc = r.len ? cJSON_Parse(r.body) : NULL;

		status = r.status;
		snprintf(reason, 64, "%s", r.reason);
		if (r.len && !cJSON_IsObject(doc))
			status = -2;    /* a body that is not JSON */
		cJSON_Delete(doc);
	}
	free(r.body);
	return status;
}


/* The tenant that no longer fits is refused with 503 tenant_limit, and
 * dropping one makes room. The default tenant counts among them. */
static void test_hostile_tenant_limit(void **state)
{
	struct fixture *fx = *state;
	int room = MAX_TENANTS - health_tenants(fx);
	char path[96], reason[64];

	assert_in_range(room, 1, MAX_TENANTS);
	for (int i = 0; i < room && i < MAX_TENANTS; i++) {
		snprintf(path, sizeof(path), "/t/hostile-%d/__mock/clock", i);
		assert_int_equal(request(fx, "GET", path, NULL, reason), 200);
	}
	assert_int_equal(request(fx, "GET", "/t/hostile-x/__mock/clock",
				 NULL, reason), 503);
	assert_string_equal(reason, "tenant_limit");
	assert_int_equal(request(fx, "GET",
				 "/t/hostile-x/rest/datamanager/1.0/state",
				 ADA, reason), 503);
	assert_string_equal(reason, "tenant_limit");
	assert_int_equal(health_tenants(fx), MAX_TENANTS);
	assert_int_equal(request(fx, "DELETE", "/t/hostile-0/__mock/tenant",
				 NULL, reason), 204);
	assert_int_equal(request(fx, "GET", "/t/hostile-x/__mock/clock",
				 NULL, reason), 200);
	assert_int_equal(request(fx, "DELETE", "/t/hostile-x/__mock/tenant",
				 NULL, reason), 204);
	for (int i = 1; i < room && i < MAX_TENANTS; i++) {
		snprintf(path, sizeof(path), "/t/hostile-%d/__mock/tenant",
			 i);
		assert_int_equal(request(fx, "DELETE", path, NULL, reason),
				 204);
	}
	assert_int_equal(health_tenants(fx), fx->tenants_before);
}


/* Freeze the clock of tenant name (made if need be) at DATED_AT. */
static void tenant_freeze(struct fixture *fx, const char *name)
{
	char path[96];
	struct ts_reply r;

	snprintf(path, sizeof(path), "/t/%s/__mock/clock", name);
	assert_int_equal(ts_request(fx->curl, &fx->srv, "POST", path, NULL,
				    "{\"set\": \"" DATED_AT "\", "
				    "\"freeze\": true}", &r), 0);
	free(r.body);
	assert_int_equal(r.status, 200);
}


static void tenant_drop(struct fixture *fx, const char *name)
{
	char path[96], reason[64];

	snprintf(path, sizeof(path), "/t/%s/__mock/tenant", name);
	assert_int_equal(request(fx, "DELETE", path, NULL, reason), 204);
}


/* Is the HTTP date text within a day of the wall clock? */
static bool date_is_wall(const char *text)
{
	struct tm tm = {0};
	const char *end = strptime(text, "%a, %d %b %Y %H:%M:%S GMT", &tm);
	time_t t = end && !*end ? timegm(&tm) : (time_t)-1;

	return t != (time_t)-1 && llabs((long long)(t - time(NULL))) < 86400;
}


/*
 * Refusals made before dispatch, when the body cannot be read, carry
 * the Date of the tenant the path names when it exists (its clock is
 * frozen at DATED_AT, far from the wall clock); for a tenant that does
 * not exist, or a name that is no name, the wall clock's, and no tenant
 * is made. (The slow body's 408 is in test_hostile_stalled_client.)
 */
static void test_hostile_refusal_date(void **state)
{
#define CLOSE_HEAD " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
	static const struct {
		struct entry e;
		bool virtual_date;
	} dated[] = {
		{{"two lengths", "POST /t/dated/__mock/rules" CLOSE_HEAD
		  "Content-Length: 2\r\nContent-Length: 2\r\n\r\n{}", false,
		  false, 400, "validation_failed"}, true},
		{{"length not digits", "POST /t/dated/__mock/rules"
		  CLOSE_HEAD "Content-Length: 2x\r\n\r\n{}", false, false,
		  400, "validation_failed"}, true},
		{{"over --max-body", "POST /t/dated/__mock/rules" CLOSE_HEAD
		  "Content-Length: 5000\r\n\r\n{}", false, false, 413,
		  "body_too_large"}, true},
		{{"cut short", "POST /t/dated/rest/datamanager/1.0/tokens"
		  CLOSE_HEAD "Content-Length: 100\r\n\r\n{\"label\"", true,
		  false, 400, "validation_failed"}, true},
		{{"bad chunk", "POST /t/dated/__mock/rules" CLOSE_HEAD
		  "Transfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n",
		  true, false, 400, "validation_failed"}, true},
		{{"no such tenant", "POST /t/never-made/__mock/rules"
		  CLOSE_HEAD "Content-Length: 2\r\nContent-Length: 2\r\n\r\n"
		  "{}", false, false, 400, "validation_failed"}, false},
		{{"no tenant name", "POST /t/b@d/__mock/rules" CLOSE_HEAD
		  "Content-Length: 5000\r\n\r\n{}", false, false, 413,
		  "body_too_large"}, false},
	};
	struct fixture *fx = *state;
	int tenants = health_tenants(fx);
	struct bytes why = {0};

	tenant_freeze(fx, "dated");
	bytes_adds(&why, "");
	for (size_t i = 0; i < sizeof(dated) / sizeof(dated[0]); i++) {
		const struct entry *e = &dated[i].e;
		struct answer a;
		bool ok;

		assert_int_equal(exchange(fx->port, e, &a), 0);
		ok = check_answer(e, &a, &why);
		if (dated[i].virtual_date)
			ok = ok && strcmp(a.date, DATED_HTTP) == 0;
		else
			ok = ok && date_is_wall(a.date);
		if (!ok)
			bytes_addf(&why, "  %s: got %d %s, Date '%s'; "
				   "expected %d %s, Date %s\n", e->name,
				   a.status, a.reason, a.date, e->status,
				   e->reason, dated[i].virtual_date
				   ? DATED_HTTP : "of the wall clock");
		bytes_release(&a.data);
	}
	tenant_drop(fx, "dated");
	assert_int_equal(health_tenants(fx), tenants);
	if (why.len)
		fprintf(stderr, "test_hostile: refusal dates:\n%s", why.buf);
	assert_int_equal(why.len, 0);
	bytes_release(&why);
#undef CLOSE_HEAD
}


/* Open a connection and send text; the socket, or -1. */
static int open_stalled(int port, const char *text)
{
	int fd = connect_local(port);

	if (fd >= 0 && send(fd, text, strlen(text), MSG_NOSIGNAL) !=
	    (ssize_t)strlen(text)) {
		close(fd);
		return -1;
	}
	return fd;
}


/*
 * Half a request line, and heads whose bodies never come (sized, and
 * chunked): the server still answers others at once, answers the slow
 * bodies (408, dated by their tenant's clock) and closes the half line
 * within STALL_CLOSE_MS, each with a JSON error.
 */
static void test_hostile_stalled_client(void **state)
{
	struct fixture *fx = *state;
	int64_t start, took;
	struct conn line, body, chunked, none;
	struct bytes why = {0};

	tenant_freeze(fx, "stalled");
	start = now_ms();
	line = (struct conn){.fd = open_stalled(fx->port, "GET /__mock/hea")};
	body = (struct conn){.fd = open_stalled(fx->port,
		"POST /t/stalled/__mock/clock HTTP/1.1\r\n"
		"Host: 127.0.0.1\r\nContent-Length: 100\r\n\r\n{\"adv")};
	chunked = (struct conn){.fd = open_stalled(fx->port,
		"POST /t/stalled/__mock/clock HTTP/1.1\r\n"
		"Host: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\n"
		"10\r\n{\"adv")};
	none = (struct conn){.fd = open_stalled(fx->port,
		"POST /t/stalled/__mock/clock HTTP/1.1\r\n"
		"Host: 127.0.0.1\r\nContent-Length: 10\r\n"
		"Expect: 100-continue\r\n\r\n")};
	assert_true(line.fd >= 0 && body.fd >= 0 && chunked.fd >= 0 &&
		    none.fd >= 0);
	ts_sleep_ms(200);
	assert_true(server_well(fx, &fx->srv));
	took = now_ms() - start - 200;
	assert_in_range(took, 0, HEALTH_WITHIN_MS);
	line.until_close = true;
	conn_run(&line, start + STALL_CLOSE_MS);
	conn_run(&body, start + STALL_CLOSE_MS);
	conn_run(&chunked, start + 2 * STALL_CLOSE_MS);
	conn_run(&none, start + 2 * STALL_CLOSE_MS);
	bytes_adds(&why, "");
	assert_false(line.a.timed_out);
	if (line.a.data.len)
		check_invariants(&line.a, &why);
	assert_int_equal(body.a.status, 408);
	assert_string_equal(body.a.reason, "validation_failed");
	assert_string_equal(body.a.date, DATED_HTTP);
	check_invariants(&body.a, &why);
	assert_int_equal(chunked.a.status, 408);
	assert_string_equal(chunked.a.reason, "validation_failed");
	check_invariants(&chunked.a, &why);
	/* No byte of the body at all (the client waits for a 100 that
	 * civetweb does not send): slow too, not cut short. */
	assert_int_equal(none.a.status, 408);
	check_invariants(&none.a, &why);
	assert_string_equal(why.buf, "");
	close(line.fd);
	close(body.fd);
	close(chunked.fd);
	close(none.fd);
	tenant_drop(fx, "stalled");
	bytes_release(&line.a.data);
	bytes_release(&body.a.data);
	bytes_release(&chunked.a.data);
	bytes_release(&none.a.data);
	bytes_release(&why);
}


/*
 * A rule's reset and truncate faults end the connection as soon as they
 * have sent what they send (nothing, or half an answer), well before
 * civetweb's keep-alive wait of 500 ms, which ended them before.
 */
static void test_hostile_faults_close(void **state)
{
	static const char *const faults[] = {"reset", "truncate"};
	static const char text[] = "GET /t/faults/x HTTP/1.1\r\n"
				   "Host: 127.0.0.1\r\n\r\n";
	struct fixture *fx = *state;
	char rule[128];

	for (size_t i = 0; i < sizeof(faults) / sizeof(faults[0]); i++) {
		struct conn c = {.out = text, .out_len = sizeof(text) - 1,
				 .until_close = true};
		struct ts_reply r;
		int64_t start;

		snprintf(rule, sizeof(rule), "{\"name\": \"f\", \"match\": "
			 "{\"path\": \"/x\"}, \"fault\": \"%s\"}", faults[i]);
		assert_int_equal(ts_request(fx->curl, &fx->srv, "POST",
					    "/t/faults/__mock/rules", NULL,
					    rule, &r), 0);
		free(r.body);
		assert_in_range(r.status, 200, 201);
		c.fd = connect_local(fx->port);
		assert_true(c.fd >= 0);
		start = now_ms();
		conn_run(&c, start + ANSWER_TIMEOUT_MS);
		close(c.fd);
		assert_true(c.a.closed);
		assert_in_range(now_ms() - start, 0, 300);
		if (strcmp(faults[i], "reset") == 0)
			assert_int_equal(c.a.data.len, 0);
		else
			assert_false(c.a.complete);
		bytes_release(&c.a.data);
	}
	tenant_drop(fx, "faults");
}


/*
 * HEAD, then GET, on one kept-alive connection: the answer to HEAD
 * announces GET's Content-Length but sends no body, so the next bytes
 * are the GET's status line, and its body is whole.
 */
static void test_hostile_head_keep_alive(void **state)
{
	static const char text[] =
		"HEAD /__mock/health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
		"GET /__mock/health HTTP/1.1\r\nHost: 127.0.0.1\r\n"
		"Connection: close\r\n\r\n";
	struct fixture *fx = *state;
	struct conn c = {.out = text, .out_len = sizeof(text) - 1,
			 .until_close = true};
	const char *second, *body;
	long long head_length;
	cJSON *doc;

	c.fd = connect_local(fx->port);
	assert_true(c.fd >= 0);
	c.a.head_only = true;     /* the first answer: no body of its own */
	conn_run(&c, now_ms() + ANSWER_TIMEOUT_MS);
	close(c.fd);
	assert_false(c.a.timed_out);
	assert_int_equal(c.a.status, 200);
	head_length = c.a.content_length;
	assert_true(head_length > 0);
	second = c.a.data.buf + c.a.head_len;
	if (strncmp(second, "HTTP/1.1 200 ", 13) != 0)
		fail_msg("after the answer to HEAD came '%.40s', not the "
			 "answer to GET", second);
	body = strstr(second, "\r\n\r\n");
	assert_non_null(body);
	body += 4;
	assert_int_equal((long long)strlen(body), head_length);
	doc = cJSON_Parse(body);
	assert_string_equal(cJSON_GetStringValue(
		cJSON_GetObjectItem(doc, "status")), "ready");
	cJSON_Delete(doc);
	bytes_release(&c.a.data);
}


/*
 * 100000 levels of nesting need more than --max-body 4096: a second
 * server with a 1 MiB limit must refuse them (400 invalid_json) on every
 * route that reads JSON, and stay up.
 */
static void test_hostile_deep_nesting(void **state)
{
	static const struct entry deep[] = {
		{"tokens", "POST " TOKENS DEEP_HEAD "Authorization: ${ADA}\r\n"
		 DEEP_BODY DEEP_ARRAYS, false, false, 400, "invalid_json"},
		{"tokens, objects", "POST " TOKENS DEEP_HEAD
		 "Authorization: ${ADA}\r\n" DEEP_BODY
		 "${REPEAT:" DEEP_LEVELS ":{\"a\":}1"
		 "${REPEAT:" DEEP_LEVELS ":${BYTE:7d}}",
		 false, false, 400, "invalid_json"},
		{"state", "PUT /__mock/state" DEEP_HEAD DEEP_BODY
		 "{\"users\":" DEEP_ARRAYS "${BYTE:7d}",
		 false, false, 400, "invalid_json"},
		{"rules", "POST /__mock/rules" DEEP_HEAD DEEP_BODY
		 "${REPEAT:" DEEP_LEVELS ":[}", false, false, 400,
		 "invalid_json"},
		{"runs", "POST /jsm/assets/workspace/${WS}/v1/datamanager/"
		 "adapters/runs" DEEP_HEAD "Authorization: ${NIGHTLY}\r\n"
		 DEEP_BODY DEEP_ARRAYS, false, false, 400, "invalid_json"},
	};
	const char *args[] = {"--seed", "1", "--max-body", "1048576", NULL};
	struct fixture *fx = *state;
	struct ts_server big = {0};
	struct bytes why = {0};

	assert_int_equal(ts_server_start(&big, SCENARIO, args), 0);
	bytes_adds(&why, "");
	for (size_t i = 0; i < sizeof(deep) / sizeof(deep[0]); i++) {
		struct answer a;
		size_t before = why.len;

		assert_int_equal(exchange(atoi(strrchr(big.url, ':') + 1),
					  &deep[i], &a), 0);
		if (!check_answer(&deep[i], &a, &why))
			bytes_adds(&why, "; not the answer expected");
		if (!server_well(fx, &big))
			bytes_adds(&why, "; the server is gone");
		if (why.len > before)
			bytes_addf(&why, " (%s, got %d %s)\n", deep[i].name,
				   a.status, a.reason);
		bytes_release(&a.data);
	}
	assert_int_equal(server_finish(&big), 0);
	if (why.len)
		fprintf(stderr, "test_hostile: deep nesting:\n%s", why.buf);
	assert_int_equal(why.len, 0);
	bytes_release(&why);
}


/*
 * SIGTERM while requests are in flight: one waiting in a rule's delay,
 * one whose body has not all come. Each still gets its whole answer,
 * and the server exits 0. (civetweb writes nothing once it is told to
 * stop, so stopping at once lost both answers.) A stall, which never
 * answers, does not hold the stop for its 30 s: server_finish() gives
 * it 10 s.
 */
static void test_hostile_stop_finishes_in_flight(void **state)
{
	static const char rule[] = "{\"name\": \"slow\", \"match\": "
		"{\"path\": \"/rest/**\"}, \"delay\": \"PT1S\"}";
	static const char slow[] = "GET /t/stop/rest/datamanager/1.0/state "
		"HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
	static const char half[] = "POST /__mock/clock HTTP/1.1\r\n"
		"Host: 127.0.0.1\r\nContent-Length: 2\r\n\r\n";
	static const char stall_rule[] = "{\"name\": \"mute\", \"match\": "
		"{\"path\": \"/x\"}, \"fault\": \"stall\"}";
	static const char stall[] = "GET /t/mute/x HTTP/1.1\r\n"
		"Host: 127.0.0.1\r\n\r\n";
	static const char twice[] = "POST /__mock/clock HTTP/1.1\r\n"
		"Host: 127.0.0.1\r\nContent-Length: 2\r\n"
		"Content-Length: 2\r\n\r\n{}";
	const char *args[] = {"--seed", "1", NULL};
	struct fixture *fx = *state;
	struct ts_server srv = {0};
	struct conn delayed = {.out = slow, .out_len = sizeof(slow) - 1};
	struct conn body = {.out = half, .out_len = sizeof(half) - 1};
	struct conn mute = {.out = stall, .out_len = sizeof(stall) - 1};
	struct conn late = {.out = twice, .out_len = sizeof(twice) - 1};
	struct bytes why = {0};
	struct ts_reply r;
	int port;

	assert_int_equal(ts_server_start(&srv, SCENARIO, args), 0);
	port = atoi(strrchr(srv.url, ':') + 1);
	assert_int_equal(ts_request(fx->curl, &srv, "POST",
				    "/t/stop/__mock/rules", NULL, rule, &r),
			 0);
	free(r.body);
	assert_in_range(r.status, 200, 201);
	assert_int_equal(ts_request(fx->curl, &srv, "POST",
				    "/t/mute/__mock/rules", NULL, stall_rule,
				    &r), 0);
	free(r.body);
	assert_in_range(r.status, 200, 201);
	delayed.fd = connect_local(port);
	body.fd = connect_local(port);
	mute.fd = connect_local(port);
	assert_true(delayed.fd >= 0 && body.fd >= 0 && mute.fd >= 0);
	conn_send(&delayed);
	conn_send(&body);
	conn_send(&mute);
	assert_int_equal(delayed.out_len + body.out_len + mute.out_len, 0);
	ts_sleep_ms(300);
	kill(srv.pid, SIGTERM);
	ts_sleep_ms(300);
	/* A refusal that closes anyway, made while the stop waits: one
	 * Connection header, not one more for the stop. */
	late.fd = connect_local(port);
	assert_true(late.fd >= 0);
	conn_run(&late, now_ms() + ANSWER_TIMEOUT_MS);
	close(late.fd);
	assert_int_equal(late.a.status, 400);
	bytes_adds(&why, "");
	check_invariants(&late.a, &why);
	assert_string_equal(why.buf, "");
	body.out = "{}";
	body.out_len = 2;
	conn_run(&delayed, now_ms() + ANSWER_TIMEOUT_MS);
	conn_run(&body, now_ms() + ANSWER_TIMEOUT_MS);
	close(delayed.fd);
	close(body.fd);
	if (!delayed.a.complete || delayed.a.status != 401)
		fail_msg("the delayed request got %d (%zu bytes, %s), not "
			 "its whole 401", delayed.a.status,
			 delayed.a.data.len, delayed.a.complete ? "whole"
								 : "cut");
	if (!body.a.complete || body.a.status != 400)
		fail_msg("the request whose body came after SIGTERM got %d "
			 "(%zu bytes), not its whole 400", body.a.status,
			 body.a.data.len);
	assert_string_equal(body.a.reason, "validation_failed");
	assert_int_equal(server_finish(&srv), 0);
	close(mute.fd);
	bytes_release(&late.a.data);
	bytes_release(&why);
	bytes_release(&delayed.a.data);
	bytes_release(&body.a.data);
}


/* Start srv with args, give the tenant of rules_path (".../__mock/rules")
 * the rules, and send held's request, which they hold in a delay. */
static void start_held(struct fixture *fx, struct ts_server *srv,
		       const char **args, const char *rules_path,
		       const char *rules, struct conn *held)
{
	struct ts_reply r;

	assert_int_equal(ts_server_start(srv, SCENARIO, args), 0);
	assert_int_equal(ts_request(fx->curl, srv, "POST", rules_path, NULL,
				    rules, &r), 0);
	free(r.body);
	assert_in_range(r.status, 200, 201);
	held->fd = connect_local(atoi(strrchr(srv->url, ':') + 1));
	assert_true(held->fd >= 0);
	conn_send(held);
	assert_int_equal(held->out_len, 0);
	ts_sleep_ms(200);
}


/*
 * --stop-wait bounds a stop: a request held by delays that add up to
 * 240 s is let go after 1 s (its answer lost), and the server exits 0
 * at once after, rather than when the delays end.
 */
static void test_hostile_stop_wait_limit(void **state)
{
	static const char rules[] = "["
		"{\"name\": \"a\", \"delay\": \"PT60S\"},"
		"{\"name\": \"b\", \"delay\": \"PT60S\"},"
		"{\"name\": \"c\", \"delay\": \"PT60S\"},"
		"{\"name\": \"d\", \"delay\": \"PT60S\"}]";
	static const char slow[] = "GET /t/held/rest/datamanager/1.0/state "
		"HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
	const char *args[] = {"--seed", "1", "--stop-wait", "1", NULL};
	struct fixture *fx = *state;
	struct ts_server srv = {0};
	struct conn held = {.out = slow, .out_len = sizeof(slow) - 1};
	int64_t start;

	start_held(fx, &srv, args, "/t/held/__mock/rules", rules, &held);
	start = now_ms();
	assert_int_equal(server_finish(&srv), 0);
	assert_in_range(now_ms() - start, 900, 3000);
	held.until_close = true;
	conn_run(&held, now_ms() + ANSWER_TIMEOUT_MS);
	close(held.fd);
	assert_true(held.a.closed);
	assert_false(held.a.complete);
	bytes_release(&held.a.data);
}


/*
 * Expect: 100-continue gets its interim 100 before the body is sent
 * (civetweb sends one only for files and CGI), and then the answer to
 * the body; curl waits a second for it otherwise.
 */
static void test_hostile_expect_continue(void **state)
{
	static const char head[] = "POST /t/expect/__mock/clock HTTP/1.1\r\n"
		"Host: 127.0.0.1\r\nContent-Length: 17\r\n"
		"Expect: 100-continue\r\nConnection: close\r\n\r\n";
	static const char interim[] = "HTTP/1.1 100 Continue\r\n\r\n";
	struct fixture *fx = *state;
	struct conn c = {.out = head, .out_len = sizeof(head) - 1};
	char got[sizeof(interim)] = "";
	size_t n = 0;
	int64_t deadline = now_ms() + 1000;

	c.fd = connect_local(fx->port);
	assert_true(c.fd >= 0);
	conn_send(&c);
	assert_int_equal(c.out_len, 0);
	while (n < sizeof(interim) - 1 && now_ms() < deadline) {
		struct pollfd pfd = {.fd = c.fd, .events = POLLIN};
		ssize_t r;

		if (poll(&pfd, 1, 100) <= 0)
			continue;
		r = recv(c.fd, got + n, sizeof(interim) - 1 - n, 0);
		if (r <= 0)
			break;
		n += (size_t)r;
	}
	assert_string_equal(got, interim);
	c.out = "{\"advance\":\"P1D\"}";
	c.out_len = 17;
	conn_run(&c, now_ms() + ANSWER_TIMEOUT_MS);
	close(c.fd);
	assert_int_equal(c.a.status, 200);
	assert_true(c.a.complete);
	tenant_drop(fx, "expect");
	bytes_release(&c.a.data);
}


/*
 * A second signal ends the wait of a stop at once: a request held by a
 * 60 s delay (within --stop-wait's 80) loses its answer, the server
 * exits 0 within a second, and its log says why, marking the answer it
 * could not send.
 */
static void test_hostile_second_signal(void **state)
{
	static const char rule[] = "{\"name\": \"long\", \"match\": "
		"{\"path\": \"/rest/**\"}, \"delay\": \"PT60S\"}";
	static const char slow[] = "GET /t/again/rest/datamanager/1.0/state "
		"HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
	const char *args[] = {"--seed", "1", NULL};
	struct fixture *fx = *state;
	struct ts_server srv = {0};
	struct conn held = {.out = slow, .out_len = sizeof(slow) - 1};
	char log[16384] = "";
	int status = -1;
	int64_t start;
	FILE *f;

	start_held(fx, &srv, args, "/t/again/__mock/rules", rule, &held);
	kill(srv.pid, SIGTERM);
	ts_sleep_ms(300);
	start = now_ms();
	kill(srv.pid, SIGINT);
	for (int i = 0; i < 500 && waitpid(srv.pid, &status, WNOHANG) == 0;
	     i++)
		ts_sleep_ms(10);
	assert_in_range(now_ms() - start, 0, 1000);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	srv.pid = 0;
	f = fopen(srv.log, "r");
	assert_non_null(f);
	log[fread(log, 1, sizeof(log) - 1, f)] = '\0';
	fclose(f);
	ts_server_stop(&srv, 0);
	if (!strstr(log, "a second signal") || !strstr(log, "(not sent)"))
		fail_msg("the log does not say why, or which answer was "
			 "lost:\n%s", log);
	held.until_close = true;
	conn_run(&held, now_ms() + ANSWER_TIMEOUT_MS);
	close(held.fd);
	assert_false(held.a.complete);
	bytes_release(&held.a.data);
}


/*
 * civetweb closes a connection whose Connection header names upgrade,
 * keep-alive beside it or not (the mock upgrades to nothing): the answer
 * must say close, so that a client does not send the next request on a
 * socket about to end.
 */
static void test_hostile_connection_upgrade_closes(void **state)
{
	static const char *const heads[] = {
		"GET /__mock/health HTTP/1.1\r\nHost: 127.0.0.1\r\n"
		"Connection: keep-alive, Upgrade\r\n\r\n",
		"GET /__mock/health HTTP/1.1\r\nHost: 127.0.0.1\r\n"
		"Connection: Upgrade\r\nConnection: keep-alive\r\n\r\n",
		/* civetweb looks for the word anywhere in the value */
		"GET /__mock/health HTTP/1.1\r\nHost: 127.0.0.1\r\n"
		"Connection: keep-alive, upgrade-insecure-requests\r\n\r\n",
	};
	struct fixture *fx = *state;

	for (size_t i = 0; i < sizeof(heads) / sizeof(heads[0]); i++) {
		struct conn c = {.out = heads[i], .out_len = strlen(heads[i]),
				 .until_close = true};

		c.fd = connect_local(fx->port);
		assert_true(c.fd >= 0);
		conn_run(&c, now_ms() + ANSWER_TIMEOUT_MS);
		close(c.fd);
		assert_int_equal(c.a.status, 200);
		if (!c.a.closed || !memmem(c.a.data.buf, c.a.head_len,
					   "Connection: close\r\n", 19))
			fail_msg("head %zu: the answer does not say close, or "
				 "the connection stayed open:\n%.*s", i,
				 (int)c.a.head_len, c.a.data.buf);
		bytes_release(&c.a.data);
	}
}


int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hostile_table),
		cmocka_unit_test(test_hostile_state_unchanged),
		cmocka_unit_test(test_hostile_tenant_limit),
		cmocka_unit_test(test_hostile_refusal_date),
		cmocka_unit_test(test_hostile_head_keep_alive),
		cmocka_unit_test(test_hostile_stalled_client),
		cmocka_unit_test(test_hostile_expect_continue),
		cmocka_unit_test(test_hostile_connection_upgrade_closes),
		cmocka_unit_test(test_hostile_faults_close),
		cmocka_unit_test(test_hostile_deep_nesting),
		cmocka_unit_test(test_hostile_stop_finishes_in_flight),
		cmocka_unit_test(test_hostile_stop_wait_limit),
		cmocka_unit_test(test_hostile_second_signal),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
