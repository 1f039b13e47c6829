/* Recursive removal that never follows symbolic links and copes with
 * read-only directories (extracted image trees are made read-only). */
#pragma once

#include "util/error.h"

/* Removes path (a file, a symlink or a whole directory tree); a missing path
 * is not an error. Symlinks are removed, never followed. */
int orb_rm_rf(const char *path, orb_error **err);
/* The same for name relative to dirfd (AT_FDCWD allowed). */
int orb_rm_rf_at(int dirfd, const char *name, orb_error **err);
