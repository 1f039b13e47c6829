/* Unmounting a pod's mounts from what /proc/self/mountinfo says is there, so
 * it works whatever state a crash or a reboot left: the deepest first,
 * detached (lazy) so a busy mount does not stop the rest. Stacked mounts
 * show up again after the top one goes, hence the passes. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>

#include "exec/mounts.h"
#include "util/mem.h"
#include "util/strv.h"

#define MAX_PASSES 64

/* mountinfo escapes space, tab, newline and backslash as \ooo. */
static void unescape(char *s)
{
    char *out = s;
    for (char *in = s; *in;) {
        if (in[0] == '\\' && in[1] >= '0' && in[1] <= '3' && in[2] >= '0' && in[2] <= '7' &&
            in[3] >= '0' && in[3] <= '7') {
            *out++ = (char)((in[1] - '0') * 64 + (in[2] - '0') * 8 + (in[3] - '0'));
            in += 4;
        } else {
            *out++ = *in++;
        }
    }
    *out = '\0';
}

/* The 5th field of a mountinfo line, unescaped, or NULL. */
static char *mount_point_of(const char *line)
{
    const char *s = line;
    for (int field = 1; field < 5; field++) {
        s = strchr(s, ' ');
        if (!s)
            return NULL;
        s++;
    }
    char *mp = xstrndup(s, strcspn(s, " \n"));
    unescape(mp);
    return mp;
}

static bool under(const char *mp, const char *dir)
{
    size_t n = strlen(dir);
    if (n == 1 && dir[0] == '/')
        return true;
    return strncmp(mp, dir, n) == 0 && (mp[n] == '\0' || mp[n] == '/');
}

static int read_mounts_under(const char *dir, char ***ret, size_t *ret_n, orb_error **err)
{
    _cleanup_fclose_ FILE *f = fopen("/proc/self/mountinfo", "re");
    if (!f)
        return orb_err_sys(err, errno, "/proc/self/mountinfo");
    _cleanup_free_ char *line = NULL;
    size_t cap = 0;
    char **list = NULL;
    size_t n = 0;
    while (getline(&line, &cap, f) > 0) {
        char *mp = mount_point_of(line);
        if (mp && under(mp, dir)) {
            char **slot = xgrow(&list, &n, sizeof(char *));
            *slot = mp;
        } else {
            free(mp);
        }
    }
    *ret = list;
    *ret_n = n;
    return 0;
}

/* Deepest (longest) first; a parent is always a prefix, so shorter. */
static int by_length_desc(const void *a, const void *b)
{
    size_t la = strlen(*(char *const *)a), lb = strlen(*(char *const *)b);
    return la < lb ? 1 : la > lb ? -1 : 0;
}

static int unmount_pass(const char *dir, size_t *ret_found, orb_error **err)
{
    char **list = NULL;
    size_t n = 0;
    if (read_mounts_under(dir, &list, &n, err) < 0)
        return -1;
    if (n > 1)
        qsort(list, n, sizeof(char *), by_length_desc);
    int r = 0;
    for (size_t i = 0; i < n; i++) {
        /* EINVAL/ENOENT: already gone with a parent detached before it */
        if (umount2(list[i], MNT_DETACH | UMOUNT_NOFOLLOW) < 0 && errno != EINVAL &&
            errno != ENOENT && r == 0)
            r = orb_err_sys(err, errno, "unmount %s", list[i]);
        free(list[i]);
    }
    free(list);
    *ret_found = n;
    return r;
}

int orb_unmount_under(const char *dir, orb_error **err)
{
    /* mountinfo names mounts by their real path */
    char real[PATH_MAX];
    const char *d = realpath(dir, real) ? real : dir;
    _cleanup_free_ char *trimmed = xstrdup(d);
    size_t len = strlen(trimmed);
    while (len > 1 && trimmed[len - 1] == '/')
        trimmed[--len] = '\0';
    for (int pass = 0; pass < MAX_PASSES; pass++) {
        size_t found = 0;
        if (unmount_pass(trimmed, &found, err) < 0)
            return -1;
        if (found == 0)
            return 0;
    }
    return orb_err(err, EBUSY, "%s: mounts remain after %d passes", trimmed, MAX_PASSES);
}
