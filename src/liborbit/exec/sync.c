/* The setup report from the supervisor to `orbit run`, and the start time
 * that identifies a pod's supervisor. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "exec/supervisor.h"
#include "util/fs.h"
#include "util/mem.h"

size_t orb_sync_encode(const orb_error *e, char *buf)
{
    int32_t errnum = e ? (e->errnum > 0 ? e->errnum : 0) : 0;
    const char *msg = e ? (e->msg && e->msg[0] ? e->msg : "pod setup failed") : "";
    uint32_t len = (uint32_t)strnlen(msg, ORB_SYNC_MSG_MAX);

    memset(buf, 0, ORB_SYNC_BUF_SIZE);
    memcpy(buf, &errnum, 4);
    memcpy(buf + 4, &len, 4);
    memcpy(buf + 8, msg, len);
    return 8 + (size_t)len;
}

int orb_sync_decode(const char *buf, size_t len, orb_error **ret, orb_error **err)
{
    int32_t errnum;
    uint32_t mlen;

    *ret = NULL;
    if (len < 8)
        return orb_err(err, EPROTO, "pod supervisor: short setup report (%zu bytes)", len);
    memcpy(&errnum, buf, 4);
    memcpy(&mlen, buf + 4, 4);
    if (mlen > ORB_SYNC_MSG_MAX || len != 8 + (size_t)mlen || errnum < 0)
        return orb_err(err, EPROTO, "pod supervisor: malformed setup report");
    if (errnum == 0 && mlen == 0)
        return 0;
    _cleanup_free_ char *msg = xstrndup(buf + 8, mlen);
    orb_err(ret, errnum, "%s", msg);
    return 1;
}

int orb_sync_send(int fd, const orb_error *e)
{
    char buf[ORB_SYNC_BUF_SIZE];
    size_t n = orb_sync_encode(e, buf);

    return orb_write_all(fd, buf, n);
}
