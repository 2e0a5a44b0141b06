/*
 * text: checks and repairs of untrusted text, shared by every module that
 * takes it from a request or a file.
 *
 * cJSON parses recursively on the caller's stack and keeps strings as C
 * strings, so JSON from a client is screened first: nesting deeper than
 * MS_JSON_DEPTH_MAX would overflow a worker thread's stack, and a \u0000
 * escape would cut a string short without a word. Text that goes into
 * the journal, the log or a message is made valid UTF-8 first, so that
 * what the mock prints is always readable JSON. Pure functions, no state.
 */
#ifndef MS_TEXT_H
#define MS_TEXT_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <stddef.h>

#define MS_JSON_DEPTH_MAX 64

/* Length of the valid UTF-8 sequence at p (1-4; p may hold fewer than 4
 * bytes if NUL-terminated), or 0 when p does not start one. */
size_t ms_utf8_seq_len(const unsigned char *p, size_t avail);

/*
 * Screen JSON text before it is parsed: nesting at most
 * MS_JSON_DEPTH_MAX, no NUL byte, no \u0000 escape, no raw control
 * character in a string (JSON forbids them; cJSON would take them).
 * Returns 0, or -1 with *why (a static message) and, when at is not
 * NULL, *at the offset of the byte at fault. Says nothing else of the
 * text's validity.
 */
int ms_json_screen(const char *text, size_t len, const char **why,
		   size_t *at);

/* Is s (len bytes) valid UTF-8 throughout? */
bool ms_utf8_valid(const char *s, size_t len);

/*
 * A copy of at most max bytes of s (len bytes) that is valid UTF-8: each
 * invalid byte becomes U+FFFD, control characters become '?' unless
 * keep_newlines and they are \n, \r or \t, and the cut never splits a
 * character. Sets *cut when bytes were left out. The caller frees;
 * NULL only when out of memory.
 */
char *ms_text_clean(const char *s, size_t len, size_t max,
		    bool keep_newlines, bool *cut);

/* A string literal and its length, as two arguments or initializers. */
#define MS_LIT(literal) (literal), sizeof(literal) - 1

/* Append the n bytes at s to the text in buf (cap bytes, at least 1;
 * *len of them used): cut to fit and NUL-terminated, as snprintf with
 * "%s%s..." would, without reading a format on a hot path. */
static inline void ms_append(char *buf, size_t cap, size_t *len,
			     const char *s, size_t n)
{
	size_t room = cap - 1 - *len;

	if (n > room)
		n = room;
	memcpy(buf + *len, s, n);
	*len += n;
	buf[*len] = '\0';
}

/* buf (cap bytes) made a copy of s, cut to fit. Returns buf. */
static inline char *ms_copy(char *buf, size_t cap, const char *s)
{
	size_t len = 0;

	ms_append(buf, cap, &len, s, strnlen(s, cap));
	return buf;
}

/* Room ms_json_quote needs for a string of n bytes: every byte may take
 * six ("\u001f"), and the quotes and a NUL. */
#define MS_JSON_QUOTED_MAX(n) (6 * (n) + 3)

/* Write the len bytes of s as a JSON string, quotes included, into out
 * (which holds MS_JSON_QUOTED_MAX(len) bytes), escaped as cJSON escapes
 * it, so that the bytes are the same as cJSON would print: \" \\ \b \f
 * \n \r \t, other control characters as \u00xx, all else as it is. A
 * NUL among the len bytes is \u0000 (cJSON would stop there). Returns
 * the length written, NUL not counted. */
size_t ms_json_quote(char *out, const char *s, size_t len);

/* A hash of s, eight bytes at a time: the token indexes' (a reset
 * indexes a thousand ids and secrets, and a byte at a time was a sixth
 * of it) and the journal's credential fingerprint. Not a defence against
 * chosen keys: secrets are random, and a request only looks one up. */
uint64_t ms_text_hash(const char *s);

/* A whole decimal number from text in [min, max], nothing else around
 * it (no sign, no space). Returns 0 and *out, or -1. */
int ms_parse_count(const char *text, unsigned long long min,
		   unsigned long long max, unsigned long long *out);

#endif /* MS_TEXT_H */
