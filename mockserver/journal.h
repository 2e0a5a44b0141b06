/*
 * journal: a tenant's record of the requests it answered.
 *
 * A ring of entries, bounded by a limit set at start (--journal-limit;
 * 0 records nothing). Writes are hot and reads are rare, so an entry is
 * kept as the caller's fields copied into one block, each string capped,
 * and turned into JSON only when read: building and printing a JSON tree
 * for every request cost more than the rest of the request. The block is
 * made with no lock held, and the append under the journal's lock only
 * moves pointers; the block it evicts goes back to the recording thread
 * for its next entry, so a journal that has gone round allocates
 * nothing. What a reader gets is as if each string had been cleaned when
 * recorded: valid UTF-8 (see ms_text_clean), at most its cap in bytes.
 *
 * When full, the oldest entry is evicted and counted: the count is
 * reported with every read, and the first eviction is logged. Entries
 * get increasing sequence numbers that survive evictions, so a reader
 * can page with "since". Entries never hold a credential: the caller
 * describes it before recording (see record.c).
 *
 * Nothing here locks: the owning tenant serialises access to a journal.
 * Making and freeing an entry touches no journal and needs no lock.
 */
#ifndef MS_JOURNAL_H
#define MS_JOURNAL_H

#include <stddef.h>
#include <stdint.h>
#include <cjson/cJSON.h>
#include "mstime.h"

#define MS_JOURNAL_LIMIT_DEFAULT 10000
#define MS_JOURNAL_LIMIT_MAX 1000000
#define MS_JOURNAL_BODY_MAX 4096     /* bytes of a body kept */
#define MS_JOURNAL_PATH_MAX 2048     /* bytes of the path, of the query */
#define MS_JOURNAL_TEXT_MAX 1024     /* bytes of any other string */
#define MS_JOURNAL_HEADERS_MAX 64    /* request headers kept (civetweb's
					own limit) */

struct ms_journal_header {
	const char *name;
	const char *value;
};

/*
 * What an entry says. Strings may be NULL (JSON null; for the caller
 * fields an empty string is null too) and need not be valid UTF-8.
 */
struct ms_journal_fields {
	const char *tenant;
	ms_time_t time;              /* the tenant's virtual time */
	ms_time_t wall_time;
	const char *plane;
	const char *method;
	const char *path;
	const char *query;
	const struct ms_journal_header *headers;
	int nheaders;
	const char *body;            /* body_len bytes, NUL allowed */
	size_t body_len;             /* 0: no body (null) */
	int status;
	const char *fault;
	const char *reason;
	const char *rule;
	int64_t duration_us;
	const char *credential_id;
	const char *token;
	const char *token_id;
	const char *user;
	const char *route;
	int64_t retry_after;         /* seconds; -1 for null */
};

struct ms_journal_entry;             /* opaque: one block */

struct ms_journal {
	struct ms_journal_entry **ring;
	size_t limit;      /* capacity; 0 disables the journal */
	size_t start;      /* index of the oldest entry */
	size_t count;
	uint64_t next_seq; /* the number the next entry gets */
	uint64_t evicted;
};

/* Returns 0, or -1 when the ring cannot be allocated. */
int ms_journal_init(struct ms_journal *j, size_t limit);
void ms_journal_release(struct ms_journal *j);
/* Drop every entry; numbers go on. */
void ms_journal_clear(struct ms_journal *j);

/*
 * A new entry holding copies of f's strings, each cut to its cap (a few
 * bytes more, so that the cut can fall between characters when read);
 * NULL when out of memory. It may reuse a block this thread let go.
 */
struct ms_journal_entry *ms_journal_entry_new(
	const struct ms_journal_fields *f);

/* Let e (may be NULL) go: kept for this thread's next entry, or freed. */
void ms_journal_entry_free(struct ms_journal_entry *e);

/*
 * Stamp e with the next sequence number and keep it. When full, the
 * oldest is evicted into *evicted, for the caller to let go once the
 * journal's lock is released (so does e itself when the journal keeps
 * nothing). e may be NULL (out of memory): the entry is lost, its number
 * spent. Returns the number given.
 */
uint64_t ms_journal_append(struct ms_journal *j, struct ms_journal_entry *e,
			   struct ms_journal_entry **evicted);

/* The entry at position i (0 = oldest) as a new JSON object, "seq"
 * first; NULL past the end or when out of memory. */
cJSON *ms_journal_json(const struct ms_journal *j, size_t i);

/* A new array of up to limit entries with seq > since, oldest first. */
cJSON *ms_journal_query(const struct ms_journal *j, uint64_t since,
			size_t limit);

#endif /* MS_JOURNAL_H */
