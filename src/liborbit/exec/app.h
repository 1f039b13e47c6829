/* What an app runs as, resolved inside its own root: user and group (from
 * the image's /etc/passwd and /etc/group, else numeric, else the owner of a
 * path when the value starts with '/'), supplementary groups, the program
 * (looked up in PATH inside the root), the working directory (must exist),
 * and the environment (spec/ace.md "Execution Environment"). Nothing here
 * follows a symlink out of the root. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>
#include <sys/types.h>

#include "schema/manifest.h"
#include "util/error.h"

/* The PATH the spec fixes when the image does not set one. */
#define ORB_DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

typedef struct orb_app_identity {
    uid_t uid;
    gid_t gid;
    gid_t *groups; /* supplementary */
    size_t n_groups;
} orb_app_identity;

/* rootfd: an O_PATH|O_DIRECTORY fd of the app's root. The image's
 * etc/passwd / etc/group (read inside the root, at most 4 MiB; comments and
 * malformed lines skipped) first, then all digits (at most 4294967294), then
 * a value starting with '/': that path's owner uid / group gid. Errors name
 * the value and why ("user \"nobody2\": not in the image's /etc/passwd, not a
 * number, not a path"; "user: must not be empty"; "supplementaryGIDs[1]: -1
 * is not a valid group id"); callers add the app's name. */
int orb_app_resolve_identity(int rootfd, const orb_app *app, orb_app_identity *ret,
                             orb_error **err);
/* inline: orbit-init frees identities without the resolving code */
static inline void orb_app_identity_clear(orb_app_identity *id)
{
    if (!id)
        return;
    free(id->groups);
    *id = (orb_app_identity){0};
}

/* The environment of an app, NULL-terminated "K=V" strings in order: PATH
 * (the image's, else ORB_DEFAULT_PATH), AC_APP_NAME, AC_METADATA_URL (when
 * metadata_url is non-NULL), container=orbit, then the app's environment
 * (already reified with overrides), later entries replacing earlier ones. */
char **orb_app_environment(const char *app_name, const orb_app *app, const char *metadata_url);

/* exec[0] resolved inside the root: an absolute path must be a regular file
 * with an execute bit (symlinks resolved inside the root); a bare name is
 * looked up in each absolute directory of env's PATH= (ORB_DEFAULT_PATH when
 * env has none); a relative name with a '/' is refused (EINVAL). Returns the
 * path inside the root as found ("/bin/sh", not its link target).
 * ENOENT: "program \"foo\": not found in <PATH>" or "program \"/x\": does not
 * exist in the image"; EACCES: "\"/bin/x\": not executable". */
int orb_app_find_program(int rootfd, const char *program, char *const *env, char **ret,
                         orb_error **err);

/* The working directory (NULL or "": "/") must be absolute and resolve to a
 * directory inside the root: "working directory /nope: does not exist in the
 * image" (ENOENT), "...: not a directory" (ENOTDIR). */
int orb_app_check_working_dir(int rootfd, const char *dir, orb_error **err);
