// glibc's posix_spawn extensions (2.29 and 2.34; Debian 12 has 2.36), which its header declares only under
// _GNU_SOURCE and Swift's Glibc module therefore hides: a child started in a folder, with none of the parent's
// descriptors beyond the three it is given.
#include <spawn.h>

extern int posix_spawn_file_actions_addchdir_np(posix_spawn_file_actions_t *actions, const char *path);
extern int posix_spawn_file_actions_addclosefrom_np(posix_spawn_file_actions_t *actions, int from);
