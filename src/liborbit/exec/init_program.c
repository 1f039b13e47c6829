#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "exec/init.h"
#include "util/mem.h"

#ifndef ORBIT_LIBEXECDIR
#define ORBIT_LIBEXECDIR "/usr/local/libexec/orbit"
#endif

#define INIT_NAME "orbit-init"

static char *beside_self(void)
{
    char self[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);

    if (n <= 0)
        return NULL;
    self[n] = '\0';
    char *slash = strrchr(self, '/');
    if (!slash)
        return NULL;
    *slash = '\0';
    return xasprintf("%s/" INIT_NAME, self);
}

/* 1: usable; 0: absent; -1: present but refused (err set). */
static int try_open(const char *path, int *ret, orb_error **err)
{
    _cleanup_close_ int fd = open(path, O_PATH | O_CLOEXEC);
    struct stat st;

    if (fd < 0)
        return errno == ENOENT ? 0 : orb_err_sys(err, errno, "%s", path);
    if (fstat(fd, &st) < 0)
        return orb_err_sys(err, errno, "%s", path);
    if (!S_ISREG(st.st_mode) || !(st.st_mode & S_IXUSR))
        return orb_err(err, EACCES, "%s: not an executable file", path);
    /* writable by root's group is allowed: a umask of 002 gives that to
     * every build made as root */
    if ((st.st_uid != 0 && st.st_uid != geteuid()) || (st.st_mode & S_IWOTH) ||
        ((st.st_mode & S_IWGRP) && st.st_gid != 0))
        return orb_err(err, EACCES,
                       "%s: must be owned by root (or us) and writable by no one else but "
                       "root's group (every pod's pid 1 runs it)",
                       path);
    *ret = TAKE_FD(fd);
    return 1;
}

int orb_init_program_open(orb_error **err)
{
    _cleanup_free_ char *local = beside_self();
    const char *candidates[] = {local, ORBIT_LIBEXECDIR "/" INIT_NAME};
    int fd = -1;

    for (size_t i = 0; i < ARRAY_SIZE(candidates); i++) {
        if (!candidates[i])
            continue;
        int r = try_open(candidates[i], &fd, err);
        if (r != 0)
            return r < 0 ? -1 : fd;
    }
    return orb_err(err, ENOENT, INIT_NAME " not found beside orbit (%s) nor in %s",
                   local ? local : "?", ORBIT_LIBEXECDIR);
}
