/*
 * server: see server.h.
 */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <sys/socket.h>
#include <civetweb.h>
#include "handlers.h"
#include "log.h"
#include "script.h"
#include "server.h"
#include "text.h"

#define KEEP_ALIVE_MS "500"
#define REQUEST_TIMEOUT_MS "10000"
#define BODY_DEADLINE_MS 10000  /* a whole body must come in this time */
#define STALL_MS 30000          /* a stall without its own delay */
#define DRAIN_POLL_MS 5         /* how often a stop looks for idleness */
/* civetweb's own limit (MG_MAX_HEADERS): it drops the headers after. */
#define MS_REQUEST_HEADERS_MAX 64

/* The requests a worker thread is in the middle of (0 or 1), on a cache
 * line of its own, so that counting them writes nothing another thread
 * writes. */
struct busy {
	_Alignas(64) atomic_int n;
};

struct ms_http {
	struct mg_context *ctx;
	struct ms_server *srv;
	struct sockaddr_in addr;   /* where we listen, for poke() */
	/*
	 * Requests between on_request's start and end: a slot per worker
	 * thread (civetweb's thread pointer), and one more shared by any
	 * thread past those. ms_http_stop() raises stopping, then waits
	 * for every slot to be 0 before it stops civetweb, which writes
	 * nothing once stopped. All sequentially consistent: a request
	 * either counts itself before the stop looks, or sees stopping
	 * and closes its connection.
	 */
	struct busy *slots;        /* nslots + 1 */
	int nslots;
	atomic_int handed;         /* slots given to threads so far */
	atomic_bool stopping;
	int stop_wait_s;
};


static bool is_loopback(const char *addr)
{
	return strncmp(addr, "127.", 4) == 0 || strcmp(addr, "::1") == 0 ||
	       strncmp(addr, "::ffff:127.", 11) == 0;
}


/* What the body's reading and the answer need of the request's headers,
 * found in one pass over them. */
struct framing {
	const char *refusal;      /* why the framing cannot be trusted */
	int lengths;              /* Content-Length headers */
	int hosts;                /* Host headers */
	bool transfer_encoding;   /* a Transfer-Encoding header came */
	bool expect_continue;     /* Expect: 100-continue */
	const char *connection;   /* the first Connection header, or NULL */
	bool close_asked;         /* a Connection header names close or
				   * holds upgrade (civetweb then closes) */
};


enum body_read {
	BODY_OK,
	BODY_TOO_LARGE,   /* over --max-body */
	BODY_SHORT,       /* the connection ended before Content-Length */
	BODY_BROKEN,      /* a chunked body malformed or cut short */
	BODY_SLOW,        /* not all there within BODY_DEADLINE_MS */
	BODY_NO_MEMORY
};


/* Grow a chunked body's buffer, never past max + 1 (enough to tell that
 * it is too large). Returns 0, or -1 when there is no memory. */
static int body_grow(char **buf, size_t *cap, size_t max)
{
	size_t want = *cap * 2 > max + 1 ? max + 1 : *cap * 2;
	char *grown = realloc(*buf, want + 1);

	if (!grown)
		return -1;
	*buf = grown;
	*cap = want;
	return 0;
}


/* Why a read of the body failed: civetweb's own wait for more ran out
 * past our deadline (too slow), or the body broke off (a bad chunk, a
 * reset) before its length, or before its last chunk. */
static enum body_read read_failed(bool sized, int64_t deadline)
{
	if (ms_mono_us() > deadline)
		return BODY_SLOW;
	return sized ? BODY_SHORT : BODY_BROKEN;
}


/*
 * Read the body, sized or chunked, into a new NUL-terminated buffer
 * (*body, *len; the caller frees it). A body that is too large, cut
 * short, or slower in all than BODY_DEADLINE_MS is refused, so that no
 * request acts on half its input and a trickling client cannot hold a
 * worker thread for long.
 */
static enum body_read read_body(struct mg_connection *conn,
				const struct framing *fr, size_t max,
				char **body, size_t *len)
{
	const struct mg_request_info *ri = mg_get_request_info(conn);
	bool sized = ri->content_length >= 0;
	int64_t deadline;
	size_t cap = sized ? (size_t)ri->content_length : 4096, n = 0;
	enum body_read rc = BODY_OK;
	char *buf;
	int got;

	*body = NULL;
	*len = 0;
	if (ri->content_length > (long long)max)
		return BODY_TOO_LARGE;
	/* No length and not chunked: no body (most GETs), nothing to read. */
	if (ri->content_length == 0 ||
	    (!sized && !fr->transfer_encoding))
		return BODY_OK;
	if (!(buf = malloc(cap + 1)))
		return BODY_NO_MEMORY;
	/* A client that asked waits for this before it sends the body
	 * (civetweb sends one only for files and CGI). */
	if (fr->expect_continue && ri->http_version &&
	    strcmp(ri->http_version, "1.1") == 0)
		mg_write(conn, "HTTP/1.1 100 Continue\r\n\r\n", 25);
	deadline = ms_mono_us() + BODY_DEADLINE_MS * 1000LL;
	while (rc == BODY_OK && !(sized && n == cap)) {
		if (n == cap && (cap > max || body_grow(&buf, &cap, max) < 0)) {
			rc = cap > max ? BODY_TOO_LARGE : BODY_NO_MEMORY;
			break;
		}
		if ((got = mg_read(conn, buf + n, cap - n)) < 0)
			rc = read_failed(sized, deadline);
		if (got <= 0)
			break;
		n += (size_t)got;
		if (ms_mono_us() > deadline)
			rc = BODY_SLOW;
	}
	/* Short of its length: civetweb's read ends with 0 bytes both
	 * when the client closes and when its wait for more runs out. */
	if (rc == BODY_OK && sized && n < cap)
		rc = read_failed(true, deadline);
	if (rc == BODY_OK && n > max)
		rc = BODY_TOO_LARGE;
	if (rc != BODY_OK) {
		free(buf);
		return rc;
	}
	buf[n] = '\0';
	*body = buf;
	*len = n;
	return BODY_OK;
}


/* Answer a body that could not be taken. */
static void body_refused(struct ms_response *resp, enum body_read rc,
			 size_t max)
{
	/* What is left of the body is unread: the connection cannot go on. */
	ms_reply_header(resp, "Connection", "close");
	if (rc == BODY_TOO_LARGE)
		ms_fail(resp, 413, "body_too_large", NULL,
			"The request body is over the limit of %zu bytes "
			"(--max-body)", max);
	else if (rc == BODY_SLOW)
		ms_fail(resp, 408, "validation_failed", NULL,
			"The request body took longer than %d ms to arrive",
			BODY_DEADLINE_MS);
	else if (rc == BODY_BROKEN)
		ms_fail(resp, 400, "validation_failed", NULL,
			"The chunked request body is malformed or ended "
			"before its last chunk; nothing was done");
	else
		ms_fail(resp, 400, "validation_failed", NULL,
			"The request body ended before its Content-Length; "
			"nothing was done");
}


static void add_header(struct mg_connection *conn, const char *name,
		       const char *value)
{
	if (value && *value)
		mg_response_header_add(conn, name, value, -1);
}


/* Does the answer close the connection: a refusal of what could not be
 * read, or a rule's "Connection: close"? */
static bool answer_closes(const struct ms_response *resp)
{
	for (int i = 0; i < resp->nheaders; i++) {
		if (strcasecmp(resp->headers[i].name, "Connection") == 0 &&
		    strcasecmp(resp->headers[i].value, "close") == 0)
			return true;
	}
	return false;
}


/* Does a Connection header's value, a comma-separated list, name the
 * option (in any case)? */
static bool has_option(const char *list, const char *option)
{
	size_t n = strlen(option);

	for (const char *p = list; *p;) {
		size_t len, end;

		p += strspn(p, " \t,");
		len = strcspn(p, ",");
		for (end = len; end > 0 && (p[end - 1] == ' ' ||
					    p[end - 1] == '\t'); end--)
			;
		if (end == n && strncasecmp(p, option, n) == 0)
			return true;
		p += len;
	}
	return false;
}


/* Would civetweb keep this connection open after the answer? Its own
 * rule (should_keep_alive): the request's Connection header (c, may be
 * NULL) naming keep-alive, else HTTP/1.1; and ours: no close asked by
 * the answer (on_request adds one when the request asks to close). Our
 * answer says the same, since we write it whole. */
static bool keeps_alive(const struct mg_connection *conn,
			const struct ms_response *resp, const char *c)
{
	const struct mg_request_info *ri = mg_get_request_info(conn);

	if (answer_closes(resp))
		return false;
	if (c)
		return has_option(c, "keep-alive");
	return ri->http_version && strcmp(ri->http_version, "1.1") == 0;
}


/*
 * Have civetweb close the connection after this answer, so that nothing
 * after a request we refused to read is taken for another request. Its
 * API has no call for that: it decides by the request's first
 * Connection header, else by its HTTP version. The request is made to
 * say "Connection: close", as a client asking to close would have (the
 * struct is the connection's own, handed out read-only); only when it
 * has no room for one more header does its version become 1.0.
 */
static void force_close(struct mg_connection *conn)
{
	struct mg_request_info *ri =
		(struct mg_request_info *)mg_get_request_info(conn);

	for (int i = 0; i < ri->num_headers; i++) {
		if (strcasecmp(ri->http_headers[i].name, "Connection") == 0) {
			ri->http_headers[i].value = "close";
			return;
		}
	}
	if (ri->num_headers < MG_MAX_HEADERS) {
		ri->http_headers[ri->num_headers].name = "Connection";
		ri->http_headers[ri->num_headers].value = "close";
		ri->num_headers++;
	} else {
		ri->http_version = "1.0";
	}
}


/* An answer being written into a fixed buffer; full once something did
 * not fit, and then nothing more is added. */
struct out {
	char *buf;
	size_t len;
	size_t cap;
	bool full;
};

static void put(struct out *o, const char *s, size_t n)
{
	if (o->full || n > o->cap - o->len) {
		o->full = true;
		return;
	}
	memcpy(o->buf + o->len, s, n);
	o->len += n;
}

static void put_str(struct out *o, const char *s)
{
	put(o, s, strlen(s));
}

/* v in decimal: the status and the length are written on every answer,
 * where snprintf's format parsing showed in profiles. */
static void put_uint(struct out *o, unsigned long long v)
{
	char digits[20], *p = digits + sizeof(digits);

	do
		*--p = (char)('0' + v % 10);
	while ((v /= 10) != 0);
	put(o, p, (size_t)(digits + sizeof(digits) - p));
}

/* "Name: value\r\n" when value is set; name is n bytes (MS_LIT). */
static void put_header(struct out *o, const char *name, size_t n,
		       const char *value)
{
	if (!value || !*value)
		return;
	put(o, name, n);
	put(o, ": ", 2);
	put_str(o, value);
	put(o, "\r\n", 2);
}


/* The status line and headers of resp, with the blank line after. */
static void head_text(struct mg_connection *conn,
		      const struct ms_response *resp, const char *connection,
		      size_t body_len, bool has_body, struct out *o)
{
	const struct mg_request_info *ri = mg_get_request_info(conn);
	char date[MS_HTTP_DATE_BUFSZ];

	/* Never the client's text: civetweb takes whatever follows the
	 * path as the version ("GET /x a HTTP/1.1<CR><LF>Host: ..."), and
	 * echoing it would let a client write our status line and headers. */
	if (ri->http_version && strcmp(ri->http_version, "1.0") == 0)
		put(o, MS_LIT("HTTP/1.0 "));
	else
		put(o, MS_LIT("HTTP/1.1 "));
	put_uint(o, (unsigned)resp->status);
	put(o, " ", 1);
	put_str(o, mg_get_response_code_text(conn, resp->status));
	put(o, "\r\n", 2);
	ms_time_http_date(resp->has_date ? resp->date : ms_wall_now(), date);
	put_header(o, MS_LIT("Date"), date);
	put_header(o, MS_LIT("Content-Type"),
		   has_body ? "application/json" : NULL);
	put(o, MS_LIT("Content-Length: "));
	put_uint(o, body_len);
	put(o, "\r\n", 2);
	put_header(o, MS_LIT("X-Mock-Reason"), resp->reason);
	put_header(o, MS_LIT("X-Mock-Missing-Permission"),
		   resp->missing_permission);
	put_header(o, MS_LIT("Allow"), resp->allow);
	for (int i = 0; i < resp->nheaders; i++)
		put_header(o, resp->headers[i].name,
			   strlen(resp->headers[i].name),
			   resp->headers[i].value);
	/* Said either way: a client must know the connection ends. */
	if (keeps_alive(conn, resp, connection))
		put_header(o, MS_LIT("Connection"), "keep-alive");
	else if (!answer_closes(resp))
		put_header(o, MS_LIT("Connection"), "close");
	put(o, "\r\n", 2);
}


/* Room for the status line and headers: MS_RESP_HEADERS_MAX headers of
 * the sizes struct ms_response allows, and ours, fit. */
#define HEAD_MAX 4096
/* Most answers fit here whole, so that writing one takes no memory. */
#define ANSWER_MAX 16384

/*
 * Write the whole answer with one mg_write: status line, headers, blank
 * line, body (none for HEAD). One write is one packet under tcp_nodelay,
 * where civetweb's header calls send a line at a time. A cJSON body is
 * printed after room for the head and moved up to meet it; one printed
 * already (resp->text) is copied there. Returns 0,
 * or -1 when out of memory or the peer is gone.
 */
static int write_response(struct mg_connection *conn,
			  const struct ms_response *resp,
			  const char *connection, bool head)
{
	char stack[ANSWER_MAX], *buf = stack, *printed = NULL;
	const char *text = NULL;
	size_t body = 0;
	struct out o;
	int rc = -1;

	if (resp->text) {
		text = resp->text;
		body = resp->text_len;
	} else if (resp->body) {
		char *at = stack + HEAD_MAX;
		if (cJSON_PrintPreallocated(resp->body, at,
					    ANSWER_MAX - HEAD_MAX, false))
			text = at;
		else if (!(text = printed = cJSON_PrintUnformatted(resp->body)))
			return -1;
		body = strlen(text);
	}
	if (body > ANSWER_MAX - HEAD_MAX && !(buf = malloc(HEAD_MAX + body))) {
		cJSON_free(printed);
		return -1;
	}
	o = (struct out){buf, 0, HEAD_MAX, false};
	head_text(conn, resp, connection, body, text != NULL, &o);
	if (!o.full) {   /* never full with MS_RESP_HEADERS_MAX headers */
		if (text && !head)       /* HEAD: the headers alone */
			memmove(buf + o.len, text, body);
		o.len += text && !head ? body : 0;
		rc = mg_write(conn, buf, o.len) == (int)o.len ? 0 : -1;
	}
	if (buf != stack)
		free(buf);
	cJSON_free(printed);
	return rc;
}


/*
 * Break the connection as a rule's fault says: "reset" and "truncate"
 * send nothing more, and the caller has civetweb close the connection
 * (force_close), so the client sees it end with no (or half an) answer.
 * "stall" first holds it silent, until a stop. An answer to HEAD is
 * never given a body, not even half of one.
 */
static void write_fault(struct mg_connection *conn,
			const struct ms_response *resp, bool head,
			const atomic_bool *stopping)
{
	static const char body[] = "{\"errorMessages\":[\"This answer was "
				   "cut short by the mock\"],\"errors\":{}}";
	char date[MS_HTTP_DATE_BUFSZ];
	char clen[24];

	/* A stall never answers: a stop need not wait for its end. */
	if (resp->fault == MS_FAULT_STALL)
		ms_sleep_ms(resp->fault_ms ? resp->fault_ms : STALL_MS,
			    stopping);
	if (resp->fault != MS_FAULT_EMPTY && resp->fault != MS_FAULT_TRUNCATE)
		return;
	snprintf(clen, sizeof(clen), "%zu",
		 resp->fault == MS_FAULT_EMPTY ? 0 : sizeof(body) - 1);
	ms_time_http_date(resp->has_date ? resp->date : ms_wall_now(), date);
	mg_response_header_start(conn, 200);
	add_header(conn, "Date", date);
	add_header(conn, "Content-Type", "application/json");
	add_header(conn, "Content-Length", clen);
	add_header(conn, "X-Mock-Reason", "rule");
	mg_response_header_send(conn);
	if (resp->fault == MS_FAULT_TRUNCATE && !head)
		mg_write(conn, body, sizeof(body) / 2);
}


/*
 * Was the head sent as RFC 9112 has it, as far as civetweb's parse lets
 * us see? It parses in place, and more leniently: it takes a line ended
 * by LF alone, skips white space that starts the first header line,
 * drops spaces between a name and its colon, and stops at the first
 * line it cannot take as a header (one that starts with white space or
 * ':', a NUL in a value), dropping the rest without a word, a
 * Content-Length among them. A proxy in front may read any of these
 * otherwise, and then a body becomes a request of its own. What it
 * overwrote with NULs tells what was sent:
 * - the request line's CR LF are two NULs, and the first name follows;
 * - a name ends at one NUL (its colon), then spaces, then the value;
 * - each value's CR LF are two NULs, and the next name follows;
 * - past the last value, of "CR LF CR LF" the first LF and the last
 *   became NULs: NUL NUL CR NUL (the head holds these bytes whatever it
 *   is).
 * (A bare CR, or LF and a space, right after the request line also
 * leave two NULs: civetweb's parse hides those two.) A head without
 * headers has nothing to check.
 */
static bool head_well_formed(const struct mg_request_info *ri)
{
	const char *end;

	if (ri->num_headers == 0)
		return true;
	end = ri->http_version + strlen(ri->http_version);
	for (int i = 0; i < ri->num_headers; i++) {
		const char *name = ri->http_headers[i].name;
		const char *value = ri->http_headers[i].value;
		const char *p;

		if (name != end + 2 || end[1] != '\0')
			return false;
		p = name + strlen(name) + 1;     /* past its colon */
		while (p < value && *p == ' ')
			p++;
		if (p != value)
			return false;
		end = value + strlen(value);
	}
	return end[1] == '\0' && end[2] == '\r' && end[3] == '\0';
}


/* Is v a Content-Length: digits, then white space at most (a header's
 * value sheds it)? */
static bool length_ok(const char *v)
{
	size_t digits = strspn(v, "0123456789");

	return digits > 0 && v[digits + strspn(v + digits, " \t")] == '\0';
}


/*
 * One pass over the request's headers for what the body and the answer
 * need, and whether the framing can be trusted: at most one
 * Content-Length, all digits, and not beside a Transfer-Encoding. A
 * second length, junk after the number, or both headers at once is how
 * requests get smuggled (civetweb would pick one and go on), and a
 * request at civetweb's limit of headers may have lost some, its
 * Content-Length among them. Host must come once (RFC 9110 7.2), and
 * HTTP/1.1 must have it.
 */
static void read_framing(const struct mg_request_info *ri,
			 struct framing *fr)
{
	*fr = (struct framing){0};
	for (int i = 0; i < ri->num_headers; i++) {
		const char *name = ri->http_headers[i].name;
		const char *v = ri->http_headers[i].value;
		if ((*name | 0x20) == 't') {
			if (strcasecmp(name, "Transfer-Encoding") != 0)
				continue;
			/* Only chunked is read: any other coding, or two
			 * headers, would leave the body's end unknown. */
			if (fr->transfer_encoding ||
			    strcasecmp(v, "chunked") != 0)
				fr->refusal = "Transfer-Encoding may only be "
					      "chunked, given once";
			fr->transfer_encoding = true;
		} else if ((*name | 0x20) == 'h') {
			fr->hosts += strcasecmp(name, "Host") == 0;
		} else if ((*name | 0x20) == 'e') {
			if (strcasecmp(name, "Expect") == 0 &&
			    strcasecmp(v, "100-continue") == 0)
				fr->expect_continue = true;
		} else if ((*name | 0x20) != 'c') {
			continue;
		} else if (strcasecmp(name, "Content-Length") == 0) {
			if (++fr->lengths > 1 || !length_ok(v))
				fr->refusal = "Content-Length must be given "
					      "once, as digits only";
		} else if (strcasecmp(name, "Connection") == 0) {
			/* civetweb reads the first; the lines are one
			 * list, and a close anywhere in it closes. Where
			 * "upgrade" appears, even inside a word, civetweb
			 * closes whatever else it says (the mock upgrades
			 * to nothing). */
			if (!fr->connection)
				fr->connection = v;
			if (has_option(v, "close") || strcasestr(v, "upgrade"))
				fr->close_asked = true;
		}
	}
	if (fr->lengths && fr->transfer_encoding)
		fr->refusal = "Content-Length and Transfer-Encoding must not "
			      "come together";
	if (fr->transfer_encoding && ri->http_version &&
	    strcmp(ri->http_version, "1.1") != 0)
		fr->refusal = "Transfer-Encoding needs HTTP/1.1";
	if (ri->num_headers >= MS_REQUEST_HEADERS_MAX)
		fr->refusal = "A request may carry at most 63 headers";
	else if (!head_well_formed(ri))
		fr->refusal = "Each line of the head must end in CR LF, and "
			      "each header line be a name, ':' and a value (no "
			      "white space before the colon or at the start of "
			      "a line, no empty name, no NUL)";
	else if (fr->hosts > 1 || (fr->hosts == 0 && ri->http_version &&
				   strcmp(ri->http_version, "1.1") == 0))
		fr->refusal = "A request must carry Host once (HTTP/1.0: at "
			      "most once)";
}


/* Fill req from what civetweb parsed; headers point into ri. */
static void request_from(const struct mg_request_info *ri,
			 struct ms_request *req, struct ms_header *headers)
{
	for (int i = 0; i < ri->num_headers; i++) {
		headers[i].name = ri->http_headers[i].name;
		headers[i].value = ri->http_headers[i].value;
	}
	req->method = ri->request_method;
	/* Not local_uri: civetweb folds "/t/../x" into "/x" there, which
	 * would move a request to another tenant or plane unseen. Dispatch
	 * decodes it, once the tenant's name is taken as sent. */
	req->path = ri->local_uri_raw ? ri->local_uri_raw : "/";
	req->query = ri->query_string;
	req->headers = headers;
	req->nheaders = ri->num_headers;
	req->loopback = is_loopback(ri->remote_addr);
}


/* civetweb's begin_request: every request comes through here. */
static int on_request(struct mg_connection *conn)
{
	const struct mg_request_info *ri = mg_get_request_info(conn);
	struct ms_http *h = ri->user_data;
	struct busy *busy = mg_get_thread_pointer(conn);
	struct ms_header headers[MS_REQUEST_HEADERS_MAX];
	struct ms_response resp;
	struct ms_request req;
	/* Only the log line uses it: no clock read when it is not kept. */
	int64_t started = ms_log_enabled(MS_LOG_INFO) ? ms_mono_us() : 0;
	char *body = NULL;
	bool dispatched = false;
	struct framing fr;
	enum body_read rc;
	bool closing, unsent = false;

	if (!busy)             /* a thread civetweb did not announce */
		busy = &h->slots[h->nslots];
	atomic_fetch_add(&busy->n, 1);
	memset(&req, 0, sizeof(req));
	ms_response_init(&resp);
	request_from(ri, &req, headers);
	read_framing(ri, &fr);
	if (fr.refusal) {
		ms_fail(&resp, 400, "validation_failed", NULL, "%s",
			fr.refusal);
		ms_reply_header(&resp, "Connection", "close");
	} else if ((rc = read_body(conn, &fr, h->srv->max_body, &body,
				   &req.body_len)) != BODY_OK) {
		body_refused(&resp, rc, h->srv->max_body);
	} else if (body && memchr(body, '\0', req.body_len)) {
		/* No route takes one, and civetweb hands over NULs of its own
		 * when it framed the head wrong: after empty lines before the
		 * request line it parses the request that follows them, but
		 * takes the head to end at the first, so the "body" is the
		 * head it wrote NULs into, and what follows may be a request
		 * hidden in the real body. */
		ms_fail(&resp, 400, "invalid_json", NULL,
			"The request body holds a NUL byte, which no JSON "
			"text does; the request may be framed wrong, so the "
			"connection is closed");
		ms_reply_header(&resp, "Connection", "close");
	} else {
		req.body = body;
		ms_dispatch(h->srv, &req, &resp);
		dispatched = true;
	}
	/* Refused before dispatch, which dates its own answers: by the
	 * clock of the tenant the path names, if it exists. */
	if (!dispatched)
		resp.has_date = ms_dispatch_tenant_now(h->srv, req.path,
						       &resp.date);
	/* A fault but "empty" breaks the connection: it ends here too (set
	 * before civetweb writes the fault's head, so that it says so). */
	closing = answer_closes(&resp) ||
		  (resp.fault && resp.fault != MS_FAULT_EMPTY);
	/* The client asked to close ("keep-alive, close", or the two on
	 * two lines: civetweb would keep it, seeing keep-alive first), or
	 * a stop is asked: no connection waits for another request. */
	if (!closing && (fr.close_asked || atomic_load(&h->stopping))) {
		ms_reply_header(&resp, "Connection", "close");
		closing = true;
	}
	if (resp.fault) {
		if (closing)
			force_close(conn);
		write_fault(conn, &resp, strcmp(req.method, "HEAD") == 0,
			    &h->stopping);
	} else {
		unsent = write_response(conn, &resp, fr.connection,
					strcmp(req.method, "HEAD") == 0) < 0;
		if (closing)
			force_close(conn);
	}
	if (ms_log_enabled(MS_LOG_INFO))
		ms_log(MS_LOG_INFO, "%s %s %d %s%s%s %lldus%s", req.method,
		       req.path, resp.status, resp.reason ? resp.reason : "-",
		       resp.fault ? " fault=" : "",
		       resp.fault ? ms_fault_name(resp.fault) : "",
		       (long long)(ms_mono_us() - started),
		       unsent ? " (not sent)" : "");
	ms_response_release(&resp);
	free(body);
	atomic_fetch_sub(&busy->n, 1);
	return resp.status;
}


/* The reason a civetweb-made error stands for. */
static const char *error_reason(int status)
{
	switch (status) {
	case 404: return "not_found";
	case 405: return "method_not_allowed";
	case 413: return "body_too_large";
	default: return "validation_failed";
	}
}


/*
 * civetweb's http_error: requests it refuses before we see them
 * (malformed, headers too large) still get the JSON envelope. Returns 0
 * when answered here, 1 to let civetweb answer.
 */
static int on_http_error(struct mg_connection *conn, int status,
			 const char *errmsg)
{
	struct ms_response resp;
	int rc;

	ms_response_init(&resp);
	/* Malformed input never earns a 5xx, whatever civetweb thought. */
	if (status >= 500)
		status = 400;
	ms_fail(&resp, status, error_reason(status), NULL, "%s",
		errmsg && *errmsg ? errmsg : "Bad request");
	/* civetweb closes the connection after an error of its own. */
	ms_reply_header(&resp, "Connection", "close");
	rc = write_response(conn, &resp, NULL, false);
	ms_log(MS_LOG_INFO, "- - %d %s (refused by civetweb)", status,
	       resp.reason);
	ms_response_release(&resp);
	return rc == 0 ? 0 : 1;
}


static int on_log(const struct mg_connection *conn, const char *message)
{
	(void)conn;
	ms_log(MS_LOG_WARN, "civetweb: %s", message);
	return 1;
}


/* civetweb's init_thread: a worker thread's slot of struct busy. */
static void *on_init_thread(const struct mg_context *ctx, int type)
{
	struct ms_http *h = mg_get_user_data(ctx);
	int i;

	if (type != 1)          /* not a worker: serves no request */
		return NULL;
	i = atomic_fetch_add(&h->handed, 1);
	return &h->slots[i < h->nslots ? i : h->nslots];
}


static void http_free(struct ms_http *h)
{
	free(h->slots);
	free(h);
}


int ms_http_start(struct ms_server *srv, const struct ms_http_opts *opts,
		  struct ms_http **out, char *url, size_t url_len)
{
	struct ms_http *h = calloc(1, sizeof(*h));
	struct mg_callbacks cb = {0};
	struct mg_server_port port;
	char listen[80], threads[16];
	const char *options[] = {
		"listening_ports", listen,
		"num_threads", threads,
		"enable_keep_alive", "yes",
		"keep_alive_timeout_ms", KEEP_ALIVE_MS,
		"request_timeout_ms", REQUEST_TIMEOUT_MS,
		"tcp_nodelay", "1",
		"decode_url", "no",
		NULL,
	};

	if (!h)
		return -1;
	h->nslots = opts->threads > 0 ? opts->threads : 1;
	h->stop_wait_s = opts->stop_wait_s;
	h->slots = aligned_alloc(_Alignof(struct busy),
				 (size_t)(h->nslots + 1) * sizeof(struct busy));
	if (!h->slots) {
		free(h);
		return -1;
	}
	for (int i = 0; i <= h->nslots; i++)
		atomic_init(&h->slots[i].n, 0);
	snprintf(listen, sizeof(listen), "%s:%d", opts->bind, opts->port);
	snprintf(threads, sizeof(threads), "%d", opts->threads);
	cb.begin_request = on_request;
	cb.log_message = on_log;
	cb.http_error = on_http_error;
	cb.init_thread = on_init_thread;
	h->srv = srv;
	h->ctx = mg_start(&cb, h, options);
	if (!h->ctx || mg_get_server_ports(h->ctx, 1, &port) != 1) {
		ms_log(MS_LOG_ERROR, "cannot listen on %s", listen);
		if (h->ctx)
			mg_stop(h->ctx);
		http_free(h);
		return -1;
	}
	snprintf(url, url_len, "http://%s:%d", opts->bind, port.port);
	h->addr.sin_family = AF_INET;
	h->addr.sin_port = htons((uint16_t)port.port);
	if (strcmp(opts->bind, "0.0.0.0") == 0 ||
	    inet_pton(AF_INET, opts->bind, &h->addr.sin_addr) != 1)
		h->addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	*out = h;
	return 0;
}


/*
 * civetweb's master thread notices mg_stop() only when its poll on the
 * listening socket times out, two seconds at worst. A connection of our
 * own wakes it at once; a few tries cover the moment before the stop flag
 * is raised. Connections refused once it has stopped are harmless.
 */
static void *poke(void *arg)
{
	const struct ms_http *h = arg;
	struct timespec pause = {0, 50 * 1000000L};

	for (int i = 0; i < 4; i++) {
		int fd = socket(AF_INET, SOCK_STREAM, 0);
		nanosleep(&pause, NULL);
		if (fd < 0)
			continue;
		if (connect(fd, (const struct sockaddr *)&h->addr,
			    sizeof(h->addr)) < 0) {
			close(fd);
			break;
		}
		close(fd);
	}
	return NULL;
}


/* Requests between on_request's start and end, over all slots. */
static int in_flight(struct ms_http *h)
{
	int n = 0;

	for (int i = 0; i <= h->nslots; i++)
		n += atomic_load(&h->slots[i].n);
	return n;
}

/*
 * Let the requests in flight finish: none for two looks in a row (one
 * whose head civetweb has just read may not have counted itself at the
 * first), or stop_wait_s at most, or until a signal of interrupt; then
 * rule delays are cut short, so that mg_stop(), which waits for every
 * worker, need not wait for them. New requests are still served
 * meanwhile, each closing its connection.
 */
static void drain(struct ms_http *h, const sigset_t *interrupt)
{
	int64_t deadline = ms_mono_us() + h->stop_wait_s * 1000000LL;
	struct timespec pause = {0, DRAIN_POLL_MS * 1000000L};
	bool again = false;
	int idle = 0;

	atomic_store(&h->stopping, true);
	while (idle < 2 && !again && ms_mono_us() < deadline) {
		idle = in_flight(h) == 0 ? idle + 1 : 0;
		if (interrupt)
			again = sigtimedwait(interrupt, NULL, &pause) > 0;
		else
			nanosleep(&pause, NULL);
	}
	if (idle < 2) {
		int left = in_flight(h);

		if (left > 0)
			ms_log(MS_LOG_WARN, "stopping with requests in flight "
			       "(%d), without their answers: %s", left,
			       again ? "a second signal"
				     : "--stop-wait ran out");
		atomic_store(&h->srv->cut_delays, true);
	}
}


void ms_http_stop(struct ms_http *h, const sigset_t *interrupt)
{
	pthread_t t;
	bool poking;

	drain(h, interrupt);
	poking = pthread_create(&t, NULL, poke, h) == 0;
	mg_stop(h->ctx);
	if (poking)
		pthread_join(t, NULL);
	http_free(h);
}
