/*
 * text: see text.h.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "text.h"


size_t ms_utf8_seq_len(const unsigned char *p, size_t avail)
{
	uint32_t cp;
	size_t n;

	if (avail == 0)
		return 0;
	if (p[0] < 0x80)
		return 1;
	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		n = 2, cp = p[0] & 0x1f;
	else if (p[0] >= 0xe0 && p[0] <= 0xef)
		n = 3, cp = p[0] & 0x0f;
	else if (p[0] >= 0xf0 && p[0] <= 0xf4)
		n = 4, cp = p[0] & 0x07;
	else
		return 0;
	if (n > avail)
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (p[i] & 0x3f);
	}
	/* Overlong forms, surrogates and values past U+10FFFF. */
	if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		return 0;
	return n;
}


/* Is the escape at t[i] (a backslash in a string) \u0000? */
static bool nul_escape(const char *t, size_t len, size_t i)
{
	return i + 5 < len && t[i + 1] == 'u' && t[i + 2] == '0' &&
	       t[i + 3] == '0' && t[i + 4] == '0' && t[i + 5] == '0';
}


/* ms_json_screen's refusal: the offset of the byte at fault, if asked. */
static int refused_at(size_t *at, size_t i)
{
	if (at)
		*at = i;
	return -1;
}


int ms_json_screen(const char *text, size_t len, const char **why,
		   size_t *at)
{
	bool in_string = false;
	int depth = 0;

	for (size_t i = 0; i < len; i++) {
		char c = text[i];
		if (c == '\0') {
			*why = "it holds a NUL byte";
			return refused_at(at, i);
		}
		if (in_string && (unsigned char)c < 0x20) {
			*why = "a string holds a raw control character";
			return refused_at(at, i);
		}
		if (in_string) {
			if (c == '\\' && nul_escape(text, len, i)) {
				*why = "strings must not contain \\u0000";
				return refused_at(at, i);
			}
			if (c == '\\')
				i++;
			else if (c == '"')
				in_string = false;
		} else if (c == '"') {
			in_string = true;
		} else if (c == '[' || c == '{') {
			if (++depth > MS_JSON_DEPTH_MAX) {
				*why = "nested more than 64 levels deep";
				return refused_at(at, i);
			}
		} else if (c == ']' || c == '}') {
			depth--;
		}
	}
	return 0;
}


bool ms_utf8_valid(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;

	for (size_t i = 0; i < len;) {
		size_t n = p[i] < 0x80 ? 1 : ms_utf8_seq_len(p + i, len - i);
		if (n == 0)
			return false;
		i += n;
	}
	return true;
}


char *ms_text_clean(const char *s, size_t len, size_t max,
		    bool keep_newlines, bool *cut)
{
	const unsigned char *p = (const unsigned char *)s;
	char *out = malloc(len * 3 + 1);   /* U+FFFD is 3 bytes */
	size_t o = 0, i = 0;

	if (!out)
		return NULL;
	*cut = false;
	while (i < len) {
		size_t n = ms_utf8_seq_len(p + i, len - i);
		size_t need = n ? n : 3;
		if (o + need > max) {
			*cut = true;
			break;
		}
		if (n == 0) {
			memcpy(out + o, "\xef\xbf\xbd", 3);
			o += 3;
			i++;
			continue;
		}
		if (n == 1 && (p[i] < 0x20 || p[i] == 0x7f) &&
		    !(keep_newlines && p[i] && strchr("\n\r\t", p[i]))) {
			out[o++] = '?';
		} else {
			memcpy(out + o, p + i, n);
			o += n;
		}
		i += n;
	}
	out[o] = '\0';
	return out;
}


/* Must c be escaped in a JSON string? */
static bool byte_needs_escape(unsigned char c)
{
	return c < 0x20 || c == '"' || c == '\\';
}


/*
 * Must any of the eight bytes of w be escaped? The well-known tests for
 * "some byte below n" (a zero byte is one below 1), which are exact
 * about whether there is one though not about where: bytes of 0x80 and
 * up never count, as ~w clears their top bit.
 */
static bool word_needs_escape(uint64_t w)
{
	const uint64_t ones = 0x0101010101010101u, tops = ones * 0x80;
	uint64_t quote = w ^ (ones * '"'), slash = w ^ (ones * '\\');

	return ((((w - ones * 0x20) & ~w) | ((quote - ones) & ~quote) |
		 ((slash - ones) & ~slash)) & tops) != 0;
}


/* Write the escape of c (which needs one) at out; returns its length. */
static size_t put_escape(char *out, unsigned char c)
{
	static const char hex[] = "0123456789abcdef";
	char letter;

	switch (c) {
	case '"': letter = '"'; break;
	case '\\': letter = '\\'; break;
	case '\b': letter = 'b'; break;
	case '\f': letter = 'f'; break;
	case '\n': letter = 'n'; break;
	case '\r': letter = 'r'; break;
	case '\t': letter = 't'; break;
	default:
		memcpy(out, "\\u00", 4);
		out[4] = hex[c >> 4];
		out[5] = hex[c & 15];
		return 6;
	}
	out[0] = '\\';
	out[1] = letter;
	return 2;
}


size_t ms_json_quote(char *out, const char *s, size_t len)
{
	size_t n = 0, i = 0;

	out[n++] = '"';
	for (;;) {
		const size_t run = i;
		uint64_t w;

		/* Plain bytes, eight at a time and then one at a time, are
		 * copied as one run: ids and times are a single run. */
		while (i + 8 <= len && (memcpy(&w, s + i, 8),
					!word_needs_escape(w)))
			i += 8;
		while (i < len && !byte_needs_escape((unsigned char)s[i]))
			i++;
		memcpy(out + n, s + run, i - run);
		n += i - run;
		if (i == len)
			break;
		n += put_escape(out + n, (unsigned char)s[i++]);
	}
	out[n++] = '"';
	out[n] = '\0';
	return n;
}


/* Fold w into h: a multiply by an odd constant, the high half folded
 * back down so that the low bits (a table's index) depend on all. */
static uint64_t mix(uint64_t h, uint64_t w)
{
	h = (h ^ w) * 0x9e3779b97f4a7c15ULL;
	return h ^ (h >> 32);
}


uint64_t ms_text_hash(const char *s)
{
	size_t len = strlen(s), i = 0;
	uint64_t h = len, w;

	for (; i + 8 <= len; i += 8) {
		memcpy(&w, s + i, 8);
		h = mix(h, w);
	}
	if (i < len) {
		w = 0;
		memcpy(&w, s + i, len - i);
		h = mix(h, w);
	}
	return mix(h, 0);
}


int ms_parse_count(const char *text, unsigned long long min,
		   unsigned long long max, unsigned long long *out)
{
	unsigned long long v;
	char *end;

	if (!text || *text < '0' || *text > '9')
		return -1;
	errno = 0;
	v = strtoull(text, &end, 10);
	if (*end || errno || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}
