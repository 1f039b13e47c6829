#include "util/clock.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util/fs.h"
#include "util/mem.h"

int64_t orb_now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

int64_t orb_monotonic_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int orb_proc_starttime(pid_t pid, uint64_t *ret, orb_error **err)
{
    _cleanup_free_ char *path = xasprintf("/proc/%d/stat", (int)pid);
    _cleanup_free_ char *buf = NULL;
    _cleanup_error_ orb_error *e = NULL;
    size_t len;

    if (orb_read_file(path, 4096, &buf, &len, &e) < 0)
        return orb_err(err, e->errnum, "process %d: %s", (int)pid, e->msg);
    /* The command name may hold spaces and parentheses: fields start after
     * the last ')'. Field 3 (the state) follows it; starttime is field 22. */
    const char *s = strrchr(buf, ')');
    if (!s)
        return orb_err(err, EPROTO, "%s: malformed", path);
    s++;
    for (int field = 3; field < 22; field++) {
        s = strchr(s + 1, ' ');
        if (!s)
            return orb_err(err, EPROTO, "%s: malformed", path);
    }
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s + 1, &end, 10);
    if (errno || end == s + 1)
        return orb_err(err, EPROTO, "%s: malformed start time", path);
    *ret = v;
    return 0;
}
