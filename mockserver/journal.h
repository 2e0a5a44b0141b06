/*
 * journal: a tenant's record of the requests it answered.
 *
 * A ring of entries, bounded by a limit set at start (--journal-limit;
 * 0 records nothing). An entry is kept as its JSON text, one allocation:
 * freeing a tree of a few dozen nodes for every eviction, cold in the
 * cache, cost more than half the server's time under load; reads, rare,
 * parse the text back. When full, the oldest entry is evicted and counted:
 * the count is reported with every read, and the first eviction is logged.
 * Entries get increasing sequence numbers that survive evictions, so a
 * reader can page with "since". Entries never hold a credential: the
 * caller describes it before appending (see dispatch.c).
 *
 * Nothing here locks: the owning tenant serialises access.
 */
#ifndef MS_JOURNAL_H
#define MS_JOURNAL_H

#include <stddef.h>
#include <stdint.h>
#include <cjson/cJSON.h>

#define MS_JOURNAL_LIMIT_DEFAULT 10000
#define MS_JOURNAL_LIMIT_MAX 1000000
#define MS_JOURNAL_BODY_MAX 4096

struct ms_journal_entry {
	uint64_t seq;
	char *text;        /* the entry as JSON, "seq" included */
};

struct ms_journal {
	struct ms_journal_entry *ring;
	size_t limit;      /* capacity; 0 disables the journal */
	size_t start;      /* index of the oldest entry */
	size_t count;
	uint64_t next_seq; /* the number the next entry gets */
	uint64_t evicted;
};

/* Returns 0, or -1 when the ring cannot be allocated. */
int ms_journal_init(struct ms_journal *j, size_t limit);
void ms_journal_release(struct ms_journal *j);
void ms_journal_clear(struct ms_journal *j);

/* Take ownership of entry, stamp it with "seq" and keep it (as text; the
 * tree is freed); evicts the oldest when full. Returns the sequence
 * number given. entry must not hold "seq" already. */
uint64_t ms_journal_append(struct ms_journal *j, cJSON *entry);

/* Keep a copy of text, the JSON of an object without "seq", stamped
 * with the next sequence number (as its first member). Returns it. */
uint64_t ms_journal_append_text(struct ms_journal *j, const char *text);

/* A new array of up to limit entries with seq > since, oldest first. */
cJSON *ms_journal_query(const struct ms_journal *j, uint64_t since,
			size_t limit);

/* The JSON text of the entry at position i (0 = oldest); NULL past the
 * end. */
const char *ms_journal_text(const struct ms_journal *j, size_t i);

#endif /* MS_JOURNAL_H */
