#include <sqlite3.h>

// sqlite3_config is variadic, which Swift cannot call; these wrap the settings Darkroom makes.

// Without memory statistics SQLite takes no global mutex on every allocation, which otherwise
// serializes connections used from different threads. Must run before the first connection opens.
static inline int darkroom_sqlite_disable_memory_statistics(void) {
    return sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

// Records the WAL's size in pages after each commit, in place of SQLite's automatic checkpoint (which would run inside
// the committing writer); Darkroom's checkpointer runs it on a thread of its own instead.
static int darkroom_sqlite_record_wal_pages(void *pages, sqlite3 *db, const char *name, int count) {
    (void)db; (void)name;
    *(int *)pages = count;
    return SQLITE_OK;
}

static inline void darkroom_sqlite_track_wal_pages(sqlite3 *db, int *pages) {
    sqlite3_wal_hook(db, darkroom_sqlite_record_wal_pages, pages);
}
