/* Helpers shared by the mount files of exec/ (mounts.c, devices.c,
 * volumes.c); not part of the library's API. Every mount onto a target
 * inside an app's root goes through an O_PATH fd of the target
 * (/proc/self/fd/N), opened without following symlinks, so nothing swapped
 * in between the check and the mount can redirect it. */
#pragma once

#include <stdbool.h>
#include <sys/types.h>

#include "pod/pod.h"
#include "schema/manifest.h"
#include "util/error.h"

typedef enum orb_target_kind {
    ORB_TARGET_DIR,
    ORB_TARGET_FILE,
} orb_target_kind;

/* Opens path (relative to rootfd) with O_PATH, creating missing components
 * as directories of mode 0755 (and the last one as an empty file of mode
 * 0644 for ORB_TARGET_FILE), never following a symlink: a symlink anywhere
 * is an error naming it. A directory target that exists as a file is
 * replaced by a directory. */
int orb_mkpath_in_root(int rootfd, const char *path, orb_target_kind kind, orb_error **err);

/* mount(2) with the target given by an fd ("/proc/self/fd/N"); source may
 * also be an fd (>= 0) instead of a path. Errors name what (e.g. "dev/pts"). */
int orb_mount_fd(const char *source, int source_fd, int target_fd, const char *fstype,
                 unsigned long flags, const char *data, const char *what, orb_error **err);

/* Makes the mount whose root is fd read-only (only that mount, or every
 * mount under it with recursive). */
int orb_mount_set_readonly(int fd, bool recursive, const char *what, orb_error **err);

/* /dev of an app's root (devices.c); /dev/console is a bind of /dev/null
 * until orb_app_mount_console puts a pty there. */
int orb_mount_dev(int rootfd, orb_error **err);

/* The app's volumes (volumes.c). */
int orb_mount_volumes(const orb_pod *p, const orb_pod_manifest *pm, const orb_runtime_app *ra,
                      int rootfd, orb_error **err);
