#include "exec/sink.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/clock.h"
#include "util/fs.h"
#include "util/mem.h"

void orb_sink_open(orb_sink *k, int fd)
{
    struct stat st;
    char path[32];

    *k = (orb_sink){.fd = fd};
    if (fstat(fd, &st) < 0 || !(S_ISFIFO(st.st_mode) || S_ISCHR(st.st_mode)))
        return;
    /* a new open file description: the pipe or terminal itself, opened
     * again (a FIFO without a reader, or a socket, refuses: kept as is) */
    snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
    int own = open(path, O_WRONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
    if (own >= 0)
        k->fd = own, k->own = k->nonblock = true;
}

void orb_sink_attach(orb_sink *k, int fd)
{
    *k = (orb_sink){.fd = fd, .nonblock = true};
}

bool orb_sink_has_room(const orb_sink *k, size_t max)
{
    return ORB_SINK_MAX - k->len >= max;
}

/* Bytes written at once; a reader that went away takes everything (as
 * a write to a closed pipe always did, the bytes just go nowhere). */
static size_t write_now(orb_sink *k, const char *data, size_t n)
{
    size_t done = 0;

    while (done < n && !k->gone) {
        ssize_t w = write(k->fd, data + done, n - done);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0 && errno == EAGAIN)
            break;
        if (w <= 0)
            k->gone = true;
        else
            done += (size_t)w;
    }
    return k->gone ? n : done;
}

static void keep(orb_sink *k, const char *data, size_t n)
{
    size_t room = ORB_SINK_MAX - k->len;
    size_t take = n < room ? n : room;

    if (take > 0) {
        if (!k->buf)
            k->buf = xmalloc(ORB_SINK_MAX);
        memcpy(k->buf + k->len, data, take);
        k->len += take;
    }
    k->dropped += n - take;
}

void orb_sink_write(orb_sink *k, const void *data, size_t n)
{
    if (!k->nonblock) {
        orb_write_all(k->fd, data, n);
        return;
    }
    orb_sink_flush(k);
    size_t done = k->len == 0 ? write_now(k, data, n) : 0;
    keep(k, (const char *)data + done, n - done);
}

bool orb_sink_pending(const orb_sink *k)
{
    return k->len > 0;
}

void orb_sink_flush(orb_sink *k)
{
    size_t done;

    if (k->len == 0)
        return;
    done = write_now(k, k->buf, k->len);
    memmove(k->buf, k->buf + done, k->len - done);
    k->len -= done;
}

uint64_t orb_sink_close(orb_sink *k, int timeout_ms)
{
    int64_t deadline = orb_monotonic_ms() + timeout_ms;
    uint64_t dropped;

    for (orb_sink_flush(k); k->len > 0; orb_sink_flush(k)) {
        int64_t left = deadline - orb_monotonic_ms();
        struct pollfd pfd = {.fd = k->fd, .events = POLLOUT};
        if (left <= 0 || poll(&pfd, 1, (int)left) <= 0)
            break;
    }
    k->dropped += k->len;
    dropped = k->dropped;
    free(k->buf);
    if (k->own)
        close(k->fd);
    *k = (orb_sink){.fd = -1};
    return dropped;
}
