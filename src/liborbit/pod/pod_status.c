/* A pod's status from its directory, and stopping a running pod. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "pod/pod.h"
#include "pod/pod_internal.h"
#include "schema/manifest.h"
#include "util/clock.h"
#include "util/fs.h"
#include "util/mem.h"

/* The supervisor's pid, if the process recorded in `pid` is still that one. */
static int read_pid(const orb_pod *p)
{
    _cleanup_error_ orb_error *e = NULL;
    _cleanup_free_ char *text = orb_pod_read_file(p, ORB_POD_PID, &e);
    int pid;
    unsigned long long start;
    uint64_t now = 0;
    if (!text || sscanf(text, "%d %llu", &pid, &start) != 2 || pid <= 0)
        return 0;
    return orb_proc_starttime(pid, &now, NULL) == 0 && now == start ? pid : 0;
}

static void parse_app_status(const char *text, orb_app_status *a)
{
    int v;
    if (sscanf(text, "exited %d", &v) == 1) {
        a->exited = true;
        a->exit_code = v;
    } else if (sscanf(text, "signaled %d", &v) == 1) {
        a->exited = true;
        a->signal = v;
        a->exit_code = 128 + v;
    }
}

static int read_app(const orb_pod *p, const orb_runtime_app *ra, orb_app_status *a, orb_error **err)
{
    a->name = xstrdup(ra->name);
    a->image_id = ra->image.id ? xstrdup(ra->image.id) : NULL;
    _cleanup_free_ char *status_path = xasprintf("apps/%s/status", ra->name);
    _cleanup_free_ char *started = xasprintf("apps/%s/started", ra->name);
    _cleanup_free_ char *finished = xasprintf("apps/%s/finished", ra->name);
    _cleanup_free_ char *text = orb_pod_read_file(p, status_path, err);
    if (!text && *err)
        return -1;
    if (text)
        parse_app_status(text, a);
    a->started_at = orb_pod_read_time(p, started);
    a->finished_at = orb_pod_read_time(p, finished);
    a->started = a->started_at > 0 || a->exited;
    return 0;
}

static int read_apps(const orb_pod *p, orb_pod_status *s, orb_error **err)
{
    _cleanup_free_ char *json = orb_pod_read_file(p, ORB_POD_MANIFEST, err);
    if (!json)
        return *err ? -1 : 0; /* not reified yet */
    _cleanup_(orb_pod_manifest_freep) orb_pod_manifest *pm = NULL;
    if (orb_pod_manifest_load(json, strlen(json), &pm, err) < 0)
        return orb_err_wrap(err, "pod %s", p->uuid);
    s->apps = xcalloc(pm->n_apps ? pm->n_apps : 1, sizeof(*s->apps));
    for (size_t i = 0; i < pm->n_apps; i++) {
        s->n_apps++;
        if (read_app(p, &pm->apps[i], &s->apps[i], err) < 0)
            return -1;
        if (!s->exit_code && s->apps[i].exited && s->apps[i].exit_code)
            s->exit_code = s->apps[i].exit_code;
    }
    return 0;
}

int orb_pod_read_status(const orb_pod *p, orb_pod_status *ret, orb_error **err)
{
    orb_pod copy = *p; /* pod_probe updates the state it is given */
    *ret = (orb_pod_status){.state = pod_probe(&copy)};
    if (ret->state == ORB_POD_RUNNING)
        ret->pid = read_pid(p);
    ret->created = orb_pod_read_time(p, ORB_POD_CREATED);
    ret->started = orb_pod_read_time(p, ORB_POD_STARTED);
    ret->finished = orb_pod_read_time(p, ORB_POD_FINISHED);
    _cleanup_free_ char *ready = orb_pod_path(p, ORB_POD_READY);
    ret->ready = access(ready, F_OK) == 0;
    orb_error *e = NULL; /* read_apps looks at it: err may be NULL */
    if (read_apps(p, ret, &e) < 0) {
        orb_pod_status_clear(ret);
        orb_err_wrap(&e, "status of pod %s", p->uuid);
        if (err && !*err)
            *err = e;
        else
            orb_error_free(e);
        return -1;
    }
    return 0;
}

void orb_pod_status_clear(orb_pod_status *s)
{
    for (size_t i = 0; i < s->n_apps; i++) {
        free(s->apps[i].name);
        free(s->apps[i].image_id);
    }
    free(s->apps);
    *s = (orb_pod_status){0};
}

int orb_pod_stop(orb_pod *p, bool force, orb_error **err)
{
    orb_pod_state s = pod_probe(p);
    if (s != ORB_POD_RUNNING)
        return orb_err(err, EINVAL, "pod %s is not running (%s)", p->uuid, orb_pod_state_name(s));
    int pid = read_pid(p);
    if (!pid)
        return orb_err(err, ESRCH, "stop pod %s: its supervisor's pid is unknown", p->uuid);
    if (orb_pod_write_file(p, ORB_POD_STOP, force ? "force\n" : "graceful\n", err) < 0)
        return orb_err_wrap(err, "stop pod %s", p->uuid);
    /* SIGKILL to pid 1 of the pod tears its PID namespace down with every app */
    if (kill(pid, force ? SIGKILL : SIGTERM) < 0 && errno != ESRCH)
        return orb_err_sys(err, errno, "stop pod %s: signal its supervisor %d", p->uuid, pid);
    return 0;
}
