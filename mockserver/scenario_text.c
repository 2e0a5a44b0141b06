/*
 * scenario_text: a scenario's raw text, and errors placed in it. See
 * scenario_int.h for how the scenario modules share the work.
 *
 * cJSON keeps no source positions, so each merged item remembers the
 * file and the index it came from, and an error walks that file's raw
 * text along the key path to find its line and column (scn_locate()).
 * When cJSON refuses a text, a scan of it names the first syntax fault
 * and its place (scn_syntax_error()); a text that is not all UTF-8 is
 * refused before cJSON sees it (scn_utf8_check()).
 *
 * The texts belong to the loader (struct source); this module reads a
 * file into a new buffer for it and otherwise only reads them. Errors go
 * into the one struct ms_scenario_error the loader points at. It parses
 * nothing into a document, and knows nothing of what a scenario means.
 */
#include "scenario_int.h"
#include "text.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>


/* ---- Where a value sits in the source text ------------------------------ */

/* White space as cJSON skips it: every byte up to the space. */
static bool is_ws(char c)
{
	return (unsigned char)c <= ' ';
}


/* Past the white space at t[i], never past len. */
size_t scn_skip_ws(const char *t, size_t len, size_t i)
{
	while (i < len && is_ws(t[i]))
		i++;
	return i;
}


/* Past the string whose opening quote is at t[i]; len if unterminated. */
static size_t skip_string(const char *t, size_t len, size_t i)
{
	for (i++; i < len && t[i] != '"'; i++)
		if (t[i] == '\\')
			i++;
	return i < len ? i + 1 : len;
}


/*
 * Past the value at t[i]: a string, a container with whatever it holds,
 * or a scalar. Stops early, never past len, on text that is not JSON.
 */
static size_t skip_value(const char *t, size_t len, size_t i)
{
	size_t depth = 0;

	while (i < len) {
		char c = t[i];

		if (c == '"') {
			i = skip_string(t, len, i);
			if (depth == 0)
				return i;
			continue;
		}
		if (c == '{' || c == '[') {
			depth++;
		} else if (c == '}' || c == ']') {
			if (depth == 0)     /* the enclosing one's end */
				return i;
			if (--depth == 0)
				return i + 1;
		} else if (depth == 0 && (c == ',' || is_ws(c))) {
			return i;
		}
		i++;
	}
	return len;
}


/*
 * Does the JSON string whose quote is at t[i] spell key? A key holding
 * escapes is decoded by cJSON itself, so both agree on what it says.
 */
static bool key_equals(const char *t, size_t len, size_t i, const char *key)
{
	size_t end = skip_string(t, len, i);
	size_t n;
	cJSON *s;
	bool eq;

	if (end < i + 2 || t[end - 1] != '"')
		return false;
	n = end - i - 2;
	if (!memchr(t + i + 1, '\\', n))
		return strlen(key) == n && memcmp(t + i + 1, key, n) == 0;
	s = cJSON_ParseWithLength(t + i, end - i);
	eq = cJSON_IsString(s) && strcmp(s->valuestring, key) == 0;
	cJSON_Delete(s);
	return eq;
}


/*
 * With *ip at an object's '{', move it to the value of the member named
 * key (the first, as cJSON finds it), or to the key itself when at_key.
 * Returns 0, or -1 if there is none.
 */
static int find_member(const char *t, size_t len, size_t *ip,
		       const char *key, bool at_key)
{
	size_t i = *ip;

	if (i >= len || t[i] != '{')
		return -1;
	for (i = scn_skip_ws(t, len, i + 1); i < len && t[i] == '"';) {
		bool match = key_equals(t, len, i, key);

		if (match && at_key) {
			*ip = i;
			return 0;
		}

		i = scn_skip_ws(t, len, skip_string(t, len, i));
		if (i >= len || t[i] != ':')
			return -1;
		i = scn_skip_ws(t, len, i + 1);
		if (match) {
			*ip = i;
			return 0;
		}
		i = scn_skip_ws(t, len, skip_value(t, len, i));
		if (i >= len || t[i] != ',')
			return -1;
		i = scn_skip_ws(t, len, i + 1);
	}
	return -1;
}


/* With *ip at an array's '[', move it to element n. 0, or -1. */
static int find_element(const char *t, size_t len, size_t *ip, int n)
{
	size_t i = *ip;

	if (i >= len || t[i] != '[' || n < 0)
		return -1;
	i = scn_skip_ws(t, len, i + 1);
	for (; n > 0; n--) {
		i = scn_skip_ws(t, len, skip_value(t, len, i));
		if (i >= len || t[i] != ',')
			return -1;
		i = scn_skip_ws(t, len, i + 1);
	}
	if (i >= len || t[i] == ']')
		return -1;
	*ip = i;
	return 0;
}


/*
 * Offset in t of the value at the end of the key path (of the last key
 * itself when at_key), or of the deepest value along it that exists: an
 * object missing a key is itself named.
 */
size_t scn_locate(const char *t, size_t len, const struct step *path,
		  int n, bool at_key)
{
	size_t i = len >= 3 && memcmp(t, "\xef\xbb\xbf", 3) == 0 ? 3 : 0;

	i = scn_skip_ws(t, len, i);     /* past the byte order mark, if any */
	for (int k = 0; k < n; k++) {
		size_t at = i;
		int rc = path[k].key
			 ? find_member(t, len, &at, path[k].key,
				       at_key && k == n - 1)
			 : find_element(t, len, &at, path[k].index);
		if (rc)
			break;
		i = at;
	}
	return i;
}


/* 1-based line and column (in characters, not bytes) of offset off. */
void scn_line_column(const char *t, size_t len, size_t off, int *line,
		     int *column)
{
	int l = 1, c = 1;

	for (size_t i = 0; i < off && i < len; i++) {
		if (t[i] == '\n') {
			l++;
			c = 1;
		} else if (((unsigned char)t[i] & 0xc0) != 0x80) {
			c++;
		}
	}
	*line = l;
	*column = c;
}


/* "users[2].email" from a key path, cut to fit len. */
void scn_path_format(const struct step *path, int n, char *buf,
		     size_t len)
{
	size_t used = 0;

	buf[0] = '\0';
	for (int k = 0; k < n && used < len; k++) {
		int w = path[k].key
			? snprintf(buf + used, len - used, "%s%s",
				   k ? "." : "", path[k].key)
			: snprintf(buf + used, len - used, "[%d]",
				   path[k].index);
		if (w < 0)
			break;
		used += (size_t)w;
	}
}


/* ---- Errors ------------------------------------------------------------- */

/* Clear *err and name the file; no position yet. */
void scn_error_start(struct ms_scenario_error *err, const char *file)
{
	memset(err, 0, sizeof(*err));
	snprintf(err->file, sizeof(err->file), "%s", file ? file : "");
}


/*
 * Fill ld->err for the value at path in source src (for its last key
 * when at_key), or at byte offset off when path is NULL. Returns -1, for
 * the caller to pass on.
 */
int PRINTF_LIKE(7, 8)
scn_error_at(struct loader *ld, int src, const struct step *path, int n,
	     bool at_key, size_t off, const char *fmt, ...)
{
	const struct source *s = &ld->src[src];
	struct ms_scenario_error *err = ld->err;
	va_list ap;

	scn_error_start(err, s->file);
	if (path)
		off = scn_locate(s->text, s->len, path, n, at_key);
	scn_line_column(s->text, s->len, off, &err->line, &err->column);
	if (path)
		scn_path_format(path, n, err->path, sizeof(err->path));
	va_start(ap, fmt);
	vsnprintf(err->message, sizeof(err->message), fmt, ap);
	va_end(ap);
	return -1;
}


/* An error about a whole file, or (file NULL) about no file at all. */
int PRINTF_LIKE(3, 4)
scn_error_file(struct ms_scenario_error *err, const char *file,
	       const char *fmt, ...)
{
	va_list ap;

	scn_error_start(err, file);
	va_start(ap, fmt);
	vsnprintf(err->message, sizeof(err->message), fmt, ap);
	va_end(ap);
	return -1;
}


/* ---- Reading a file ----------------------------------------------------- */

/* errno as text, thread-safe (GNU strerror_r may return its own). */
void scn_errno_text(int e, char *buf, size_t len)
{
	const char *s = strerror_r(e, buf, len);

	if (s != buf)
		snprintf(buf, len, "%s", s);
}


/* Give *buf room for more: double it, up to one byte past the limit. */
static int grow(char **buf, size_t *cap)
{
	size_t want = *cap ? *cap * 2 : 64 * 1024;
	char *b;

	if (want > (size_t)MS_SCENARIO_MAX_BYTES + 2)
		want = (size_t)MS_SCENARIO_MAX_BYTES + 2;
	b = realloc(*buf, want);
	if (!b)
		return -1;
	*buf = b;
	*cap = want;
	return 0;
}


/*
 * Read all of file into *text (NUL-terminated; the caller frees) and its
 * length into *len. Returns 0, or -1 with the reason in why.
 */
int scn_read_text(const char *file, char **text, size_t *len, char *why,
		  size_t whylen)
{
	/* Not blocking in open(): a FIFO would wait there for a writer. */
	int fd = open(file, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	struct stat st;
	char *buf = NULL;
	size_t n = 0, cap = 0;
	int rc = -1;
	FILE *f;

	if (fd < 0 || fstat(fd, &st) < 0) {
		scn_errno_text(errno, why, whylen);
		if (fd >= 0)
			close(fd);
		return -1;
	}
	/* A FIFO, a device or a folder could hang the read or never end. */
	if (!S_ISREG(st.st_mode)) {
		snprintf(why, whylen, "not a regular file");
		close(fd);
		return -1;
	}
	if (!(f = fdopen(fd, "rb"))) {
		scn_errno_text(errno, why, whylen);
		close(fd);
		return -1;
	}
	while (!feof(f) && !ferror(f)) {
		if (cap - n < 2 && grow(&buf, &cap)) {
			snprintf(why, whylen, "out of memory");
			goto out;
		}
		n += fread(buf + n, 1, cap - n - 1, f);
		if (n > MS_SCENARIO_MAX_BYTES) {
			snprintf(why, whylen, "larger than %d bytes",
				 MS_SCENARIO_MAX_BYTES);
			goto out;
		}
	}
	if (ferror(f)) {
		scn_errno_text(errno, why, whylen);
		goto out;
	}
	buf[n] = '\0';
	*text = buf;
	*len = n;
	buf = NULL;
	rc = 0;
out:
	free(buf);
	fclose(f);
	return rc;
}


/* ---- Syntax faults ------------------------------------------------------ */

/*
 * Finding a syntax fault. cJSON says where it stopped, but not why, and
 * one byte late when an object key does not start with a quote; so once
 * cJSON has refused a text, this scan walks it again to name the first
 * fault and its place. It accepts what cJSON accepts (numbers are read
 * loosely, as cJSON does); what it finds no fault in is left to cJSON's
 * own position.
 */
struct scan {
	const char *t;
	size_t len;
	size_t i;           /* where the scan is; the fault, once found */
	const char *why;    /* what was expected there */
};


/* Note the fault at offset at and what was expected. Returns -1. */
static int scan_fault(struct scan *s, size_t at, const char *why)
{
	s->i = at;
	s->why = why;
	return -1;
}


/* A string whose quote is at s->i: escapes known, then its end. */
static int scan_string(struct scan *s)
{
	size_t i = s->i + 1;

	while (i < s->len && s->t[i] != '"') {
		size_t n = 1;

		if (s->t[i] == '\\' && i + 1 < s->len) {
			char e = s->t[i + 1];

			n = e == 'u' ? 6 : 2;
			if (e == 'u' && (i + 6 > s->len ||
			    strspn(s->t + i + 2, "0123456789abcdefABCDEF") < 4))
				return scan_fault(s, i, "expected four hex "
						  "digits after \\u");
			if (e != 'u' && (!e || !strchr("\"\\/bfnrt", e)))
				return scan_fault(s, i, "unknown escape");
		}
		i += n;
	}
	if (i >= s->len)
		return scan_fault(s, s->len, "the text ends inside a string");
	s->i = i + 1;
	return 0;
}


/* true, false, null or a number (a run of its characters) at s->i. */
static int scan_scalar(struct scan *s)
{
	static const char *const words[] = { "true", "false", "null" };
	const char *t = s->t + s->i;
	size_t left = s->len - s->i, n = 0;

	for (size_t w = 0; w < sizeof(words) / sizeof(words[0]); w++) {
		n = strlen(words[w]);
		if (left >= n && memcmp(t, words[w], n) == 0) {
			s->i += n;
			return 0;
		}
	}
	if (*t == '-' || (*t >= '0' && *t <= '9')) {
		for (n = 0; n < left && strchr("0123456789+-eE.", t[n]) &&
			    t[n]; n++)
			;
		s->i += n;
		return 0;
	}
	return scan_fault(s, s->i, "expected a value: an object, an array, "
			  "a string, a number, true, false or null");
}


/* A key and its colon, at s->i within an object. */
static int scan_key(struct scan *s)
{
	s->i = scn_skip_ws(s->t, s->len, s->i);
	if (s->i >= s->len)
		return scan_fault(s, s->len, "the text ends too early");
	if (s->t[s->i] != '"')
		return scan_fault(s, s->i, "expected a key in double quotes");
	if (scan_string(s))
		return -1;
	s->i = scn_skip_ws(s->t, s->len, s->i);
	if (s->i >= s->len || s->t[s->i] != ':')
		return scan_fault(s, s->i, "expected ':' after the key");
	s->i++;
	return 0;
}


/* A container opens at s->i: push it; an empty one closes at once. */
static int scan_open(struct scan *s, char *stack, int *depth, bool *value)
{
	char c = s->t[s->i];
	size_t i;

	if (*depth >= CJSON_NESTING_LIMIT)
		return scan_fault(s, s->i, "nested too deep");
	stack[(*depth)++] = c;
	i = scn_skip_ws(s->t, s->len, s->i + 1);
	if (i < s->len && s->t[i] == (c == '{' ? '}' : ']')) {
		(*depth)--;
		s->i = i + 1;
		*value = false;
		return 0;
	}
	s->i++;
	return c == '{' ? scan_key(s) : 0;
}


/* After a value inside a container: a comma or the container's end. */
static int scan_next(struct scan *s, const char *stack, int *depth,
		     bool *value)
{
	bool object = stack[*depth - 1] == '{';
	char c = s->t[s->i];

	if (c == ',') {
		s->i++;
		*value = true;
		return object ? scan_key(s) : 0;
	}
	if (c == (object ? '}' : ']')) {
		(*depth)--;
		s->i++;
		return 0;
	}
	return scan_fault(s, s->i, object ? "expected ',' or '}'"
				  : "expected ',' or ']'");
}


/* Scan one JSON value. 0 when no fault is found, else -1 with it. */
static int scan_json(struct scan *s)
{
	char stack[CJSON_NESTING_LIMIT];
	int depth = 0, rc = 0;
	bool value = true;      /* a value is due, else what follows one */

	while (rc == 0) {
		s->i = scn_skip_ws(s->t, s->len, s->i);
		if (!value && depth == 0)
			return 0;
		if (s->i >= s->len)
			return scan_fault(s, s->len, "the text ends too early");
		if (!value) {
			rc = scan_next(s, stack, &depth, &value);
		} else if (s->t[s->i] == '{' || s->t[s->i] == '[') {
			rc = scan_open(s, stack, &depth, &value);
		} else {
			rc = s->t[s->i] == '"' ? scan_string(s)
					       : scan_scalar(s);
			value = false;
		}
	}
	return rc;
}


/*
 * JSON text is UTF-8, but cJSON takes any byte in a string, and what a
 * scenario says ends up in headers, the journal and reports. So the
 * whole text is walked once, and its first byte that starts no valid
 * character (a stray continuation, a cut or overlong sequence, a
 * surrogate, past U+10FFFF) is refused as a syntax fault.
 */
int scn_utf8_check(struct loader *ld, int si)
{
	const struct source *s = &ld->src[si];
	const unsigned char *t = (const unsigned char *)s->text;
	size_t i = 0, n;

	while (i < s->len) {
		n = t[i] < 0x80 ? 1 : ms_utf8_seq_len(t + i, s->len - i);
		if (n == 0) {
			scn_error_at(ld, si, NULL, 0, false, i,
				     "invalid UTF-8: expected a UTF-8 "
				     "character, found the byte 0x%02X",
				     t[i]);
			ld->err->syntax = true;
			return -1;
		}
		i += n;
	}
	return 0;
}


/* Report the syntax fault of source si; off is where cJSON stopped. */
int scn_syntax_error(struct loader *ld, int si, size_t off)
{
	const struct source *s = &ld->src[si];
	struct scan sc = { s->text, s->len, 0, NULL };
	int rc;

	if (s->len >= 3 && memcmp(s->text, "\xef\xbb\xbf", 3) == 0)
		sc.i = 3;
	if (scan_json(&sc))
		rc = scn_error_at(ld, si, NULL, 0, false, sc.i,
				  "invalid JSON: %s", sc.why);
	else
		rc = scn_error_at(ld, si, NULL, 0, false, off, "invalid JSON");
	ld->err->syntax = true;
	return rc;
}
