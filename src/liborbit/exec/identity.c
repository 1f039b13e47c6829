/* Resolving an app's user and group inside its own root (spec/aci.md, the
 * app's user and group): the image's /etc/passwd or /etc/group first, then
 * a number, then the owner of a path inside the root. The image is hostile
 * input: files are read through orb_open_in_root (symlinks resolve inside
 * the root), bounded in size, and malformed lines are skipped. */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "exec/app.h"
#include "exec/app_internal.h"
#include "util/fs.h"
#include "util/mem.h"
#include "util/path.h"

#define ID_DB_MAX (4 * 1024 * 1024)
#define ID_MAX    ((uint64_t)UINT32_MAX - 1) /* (uid_t)-1 means "unchanged" */

/* A decimal id: all digits, at most ID_MAX. */
static bool parse_id(const char *s, size_t len, uint32_t *ret)
{
    if (len == 0 || len > 10)
        return false;
    uint64_t v = 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        v = v * 10 + (uint64_t)(s[i] - '0');
    }
    if (v > ID_MAX)
        return false;
    *ret = (uint32_t)v;
    return true;
}

/* Reads the image's etc/passwd or etc/group; *ret_buf NULL when the image
 * has none (or has something other than a regular file there). */
static int read_db(int rootfd, const char *path, char **ret_buf, orb_error **err)
{
    *ret_buf = NULL;
    _cleanup_close_ int fd =
        orb_open_in_root(rootfd, path, O_RDONLY | O_NOCTTY | O_NONBLOCK, 0, 0, NULL);
    if (fd < 0)
        return 0;
    struct stat st;
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
        return 0;
    size_t len;
    if (orb_read_fd(fd, path, ID_DB_MAX, ret_buf, &len, err) < 0)
        return -1;
    return 0;
}

/* Looks name up in a passwd-style buffer ("name:x:id:..."): the id is field
 * id_field; lines with fewer than min_fields fields, comments and lines with
 * a bad id are skipped. Returns 1 when found. */
static int db_lookup(const char *buf, const char *name, int id_field, int min_fields,
                     uint32_t *ret_id)
{
    size_t name_len = strlen(name);
    for (const char *line = buf; *line;) {
        const char *end = strchrnul(line, '\n');
        const char *fields[8] = {0};
        size_t lens[8] = {0};
        int n = 0;
        for (const char *f = line; n < 8;) {
            const char *sep = memchr(f, ':', (size_t)(end - f));
            fields[n] = f;
            lens[n] = (size_t)((sep ? sep : end) - f);
            n++;
            if (!sep)
                break;
            f = sep + 1;
        }
        uint32_t id;
        bool ok = line[0] != '#' && n >= min_fields && lens[0] == name_len &&
                  memcmp(fields[0], name, name_len) == 0 &&
                  parse_id(fields[id_field], lens[id_field], &id);
        if (ok) {
            *ret_id = id;
            return 1;
        }
        line = *end ? end + 1 : end;
    }
    return 0;
}

/* The owner (uid, or gid when want_gid) of an absolute path inside the root. */
static int path_owner(int rootfd, const char *path, bool want_gid, uint32_t *ret, int *ret_errno)
{
    _cleanup_close_ int fd = orb_app_open_path(rootfd, path);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) < 0) {
        *ret_errno = errno;
        return -1;
    }
    *ret = want_gid ? st.st_gid : st.st_uid;
    return 0;
}

/* what: "user" or "group"; db: "etc/passwd" or "etc/group". */
static int resolve_one(int rootfd, const char *what, const char *value, uint32_t *ret,
                       orb_error **err)
{
    bool is_user = strcmp(what, "user") == 0;
    const char *db = is_user ? "etc/passwd" : "etc/group";
    if (!value || !value[0])
        return orb_err(err, EINVAL, "%s: must not be empty", what);
    _cleanup_free_ char *buf = NULL;
    if (read_db(rootfd, db, &buf, err) < 0)
        return orb_err_wrap(err, "%s \"%s\"", what, value);
    if (buf && db_lookup(buf, value, 2, is_user ? 4 : 3, ret))
        return 0;
    if (parse_id(value, strlen(value), ret))
        return 0;
    if (value[0] == '/') {
        int e = 0;
        if (path_owner(rootfd, value, !is_user, ret, &e) == 0)
            return 0;
        return orb_err_sys(
            err, e, "%s \"%s\": not in the image's /%s, not a number, not a path in the image",
            what, value, db);
    }
    return orb_err(err, ENOENT, "%s \"%s\": not in the image's /%s, not a number, not a path", what,
                   value, db);
}

int orb_app_resolve_identity(int rootfd, const orb_app *app, orb_app_identity *ret, orb_error **err)
{
    *ret = (orb_app_identity){0};
    if (!app)
        return orb_err(err, EINVAL, "the image has no app");
    uint32_t uid, gid;
    if (resolve_one(rootfd, "user", app->user, &uid, err) < 0 ||
        resolve_one(rootfd, "group", app->group, &gid, err) < 0)
        return -1;
    _cleanup_free_ gid_t *groups = NULL;
    if (app->n_supplementary_gids > 0)
        groups = xcalloc(app->n_supplementary_gids, sizeof(*groups));
    for (size_t i = 0; i < app->n_supplementary_gids; i++) {
        int64_t g = app->supplementary_gids[i];
        if (g < 0 || (uint64_t)g > ID_MAX)
            return orb_err(err, ERANGE, "supplementaryGIDs[%zu]: %lld is not a valid group id", i,
                           (long long)g);
        groups[i] = (gid_t)g;
    }
    ret->uid = uid;
    ret->gid = gid;
    ret->groups = TAKE_PTR(groups);
    ret->n_groups = app->n_supplementary_gids;
    return 0;
}
