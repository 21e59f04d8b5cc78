#include <sqlite3.h>

// sqlite3_config is variadic, which Swift cannot call; these wrap the settings Darkroom makes.

// Without memory statistics SQLite takes no global mutex on every allocation, which otherwise
// serializes connections used from different threads. Must run before the first connection opens.
static inline int darkroom_sqlite_disable_memory_statistics(void) {
    return sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}
