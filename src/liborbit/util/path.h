/* Opening paths inside a root directory so that nothing outside it is ever
 * reached, whatever symlinks or ".." the tree under the root holds (an
 * image being extracted is hostile input).
 *
 * openat2(2) with RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS does it in the
 * kernel. Where the system call does not exist (ENOSYS, found once and
 * remembered) a stricter walk is used: one openat(O_NOFOLLOW | O_DIRECTORY)
 * per component, refusing every symlink and "..". */
#pragma once

#include <stdbool.h>
#include <sys/types.h>

#include "util/error.h"

/* Extra resolve flags: ORB_RESOLVE_NO_SYMLINKS refuses symlinks anywhere in
 * the path (the fallback always does). */
#define ORB_RESOLVE_NO_SYMLINKS 1u

/* Opens path (relative to the root; "" or "." is the root itself) with
 * openat flags and mode; O_CLOEXEC is always added. Returns the fd. */
int orb_open_in_root(int rootfd, const char *path, int flags, mode_t mode, unsigned resolve,
                     orb_error **err);
/* Opens the directory holding path's last component, never through a
 * symlink, and gives that component in *ret_base ("a/b/c" -> fd of a/b, "c").
 * The last component may not be "", "." or "..". */
int orb_open_parent_in_root(int rootfd, const char *path, char **ret_base, orb_error **err);

/* Tests only: use the fallback walk even when openat2 exists. */
void orb_path_force_fallback(bool on);
