#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "aci/aci_internal.h"
#include "util/mem.h"
#include "util/strv.h"

char **aci_list_dir(int fd)
{
    /* A duplicate, so closedir() leaves the caller's descriptor open; it
     * shares the position, hence the rewind. */
    int dfd = fcntl(fd, F_DUPFD_CLOEXEC, 3);
    DIR *d = dfd < 0 ? NULL : fdopendir(dfd);
    if (!d) {
        int e = errno;
        if (dfd >= 0)
            close(dfd);
        errno = e;
        return NULL;
    }
    rewinddir(d);
    size_t n = 0;
    char **names = NULL;
    struct dirent *de;
    while ((errno = 0, de = readdir(d))) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        /* xgrow, not strv_push: that one walks the vector on every call */
        *(char **)xgrow(&names, &n, sizeof(char *)) = xstrdup(de->d_name);
    }
    int e = errno;
    closedir(d);
    *(char **)xgrow(&names, &n, sizeof(char *)) = NULL;
    if (e) {
        strv_free(names);
        errno = e;
        return NULL;
    }
    strv_sort(names);
    return names;
}
