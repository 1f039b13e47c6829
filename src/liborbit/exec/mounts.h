/* The apps' filesystems, set up by the supervisor in the pod's mount
 * namespace (a private copy of the host's, propagation slave, so nothing
 * leaks back to the host) before any app starts. Every target inside an
 * app's root is resolved inside that root (util/path.h), never following a
 * symlink out of it, and mounted through its file descriptor. */
#pragma once

#include <stdbool.h>

#include "pod/pod.h"
#include "schema/manifest.h"
#include "util/error.h"

/* Makes the calling process's mount namespace (already unshared) a slave of
 * the host's, so mounts made in it never propagate to the host. */
int orb_mounts_make_private(orb_error **err);

/* Sets up app `ra`'s root at apps/<name>/rootfs:
 *  - the root: an overlay (lower = the rendered rootfs named in
 *    apps/<name>/tree, upper/work in the pod dir), or a bind of the copy made
 *    at prepare time (--no-overlay);
 *  - /proc (a new proc for the pod's PID namespace: call from pid 1), /sys
 *    (read-only), /dev (tmpfs with null, zero, full, random, urandom, tty,
 *    console (when given a pty), ptmx + a new devpts instance, shm);
 *  - /etc/hostname, /etc/hosts, /etc/resolv.conf from the pod dir (when the
 *    pod has them);
 *  - the app's mounts: host volumes (bind, read-only and recursive as the
 *    volume says) and empty volumes (volumes/<name> of the pod dir); a host
 *    source that is missing or has a symlink anywhere in its path is an error;
 *    targets are created inside the root (directories, or files for a file
 *    source) without following symlinks;
 *  - read-only remount of the root when readOnlyRootFS.
 * Errors name the app and the mount. */
int orb_app_mount_root(const orb_pod *p, const orb_pod_manifest *pm, const orb_runtime_app *ra,
                       orb_error **err);

/* The rendered tree an app's overlay is made from, as recorded in
 * apps/<app>/tree: an absolute path without ',' or ':' (which overlayfs's
 * options cannot carry), else EINVAL naming the file. */
int orb_app_read_tree(const orb_pod *p, const char *app, char **ret, orb_error **err);

/* Interactive pods on a terminal: binds the pod's pty (`pty`: a path to its
 * app side, /proc/self/fd/N of the peer fd) over the app's /dev/console,
 * which orb_app_mount_root made a bind of /dev/null. Call after
 * orb_app_mount_root. */
int orb_app_mount_console(const char *rootfs, const char *pty, orb_error **err);

/* Unmounts every mount at or under dir (from /proc/self/mountinfo, deepest
 * first, lazily when busy): for rm and gc, also after a reboot or a crash. */
int orb_unmount_under(const char *dir, orb_error **err);
