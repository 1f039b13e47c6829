/* orbit-init: what pid 1 of a pod becomes once setup.c has made the pod's
 * namespaces and every app's root. A small static program, so that each
 * running pod costs well under a megabyte of its own and /proc/1/exe inside
 * the pod is not the orbit binary. It takes the resolved apps from the
 * memfd named by argv[1], tells `orbit run` on the pipe named by argv[2]
 * that the pod is set up, and runs the apps (supervisor.c). */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "exec/init.h"
#include "exec/supervisor.h"
#include "util/mem.h"

static int parse_fd(const char *s)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);

    if (errno || end == s || *end || v < 3 || v > INT_MAX)
        return -1;
    return (int)v;
}

static int take_apps(int state_fd, orb_sv *s, orb_error **err)
{
    int r = orb_sv_handoff_read(state_fd, s, err);

    close(state_fd);
    /* everything inherited (the pod's lock, the logs) stays open here and
     * must reach no app: spawn.c marks fds again in each child, this covers
     * our own execs-to-be and makes the rule hold from the start */
    orb_sv_close_fds();
    if (r < 0)
        return -1;
    return orb_sv_signals(s, err);
}

int orb_init_main(int argc, char **argv)
{
    _cleanup_error_ orb_error *e = NULL;
    orb_sv s;
    int state_fd, sync_fd, code;

    /* execve made us dumpable again: nothing in the pod may ptrace pid 1 or
     * open its /proc files */
    prctl(PR_SET_DUMPABLE, 0);
    if (argc != 3 || (state_fd = parse_fd(argv[1])) < 0 || (sync_fd = parse_fd(argv[2])) < 0) {
        fprintf(stderr, "orbit-init: the pid 1 of orbit's pods; started by orbit, not by hand\n");
        return 2;
    }
    if (take_apps(state_fd, &s, &e) < 0) {
        orb_sync_send(sync_fd, e);
        return 1;
    }
    /* EPIPE here: `orbit run` died before it could see us (our death signal
     * was set after the fork), so nobody would stop the pod. */
    if (orb_sync_send(sync_fd, NULL) < 0)
        return 1;
    close(sync_fd);
    code = orb_supervisor_run(&s);
    orb_pod_free(s.p);
    orb_sv_free(&s);
    return code;
}
