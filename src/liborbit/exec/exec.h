/* Running a pod: pid 1 of the pod's new PID namespace is orbit's supervisor,
 * which sets up every app's root, starts the apps (pre-start handler first),
 * reaps every process, records each app's exit status, runs post-stop
 * handlers, forwards signals, keeps each app's output in the pod directory,
 * and ends the pod when every app is done (or, if asked, when one fails). */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "pod/pod.h"
#include "util/error.h"

/* Each app's output is kept in apps/<name>/log; when it reaches this size it
 * becomes log.1 (replacing the previous one) and a new log starts. */
#define ORB_APP_LOG_MAX (4 * 1024 * 1024)
/* How long apps get between SIGTERM and SIGKILL when the pod stops. */
#define ORB_STOP_TIMEOUT_MS 10000

typedef enum orb_net_mode {
    ORB_NET_HOST, /* the host's network namespace */
    ORB_NET_NONE, /* a new network namespace with loopback only */
} orb_net_mode;

typedef struct orb_run_options {
    orb_net_mode net;
    const char *hostname; /* NULL: "orbit-<first 8 of uuid>" */
    char **dns;           /* --dns: servers, or "host" (the host's resolv.conf), "none" */
    char **dns_search;    /* --dns-search */
    char **dns_opt;       /* --dns-opt */
    char **hosts_entries; /* --hosts-entry: "IP=HOSTNAME" or "host" (the host's /etc/hosts) */
    bool interactive;     /* one app, attached to the terminal (no prefix, no log) */
    bool stop_on_failure; /* end the pod as soon as an app fails */
    bool prefix_output;   /* prefix each output line with the app name */
} orb_run_options;

/* Writes the pod's hostname, hosts and resolv.conf files with rkt's
 * precedence: --dns/--hosts-entry given > the image's own file (left alone
 * when the pod has nothing to say) > defaults (hosts: localhost and the pod's
 * hostname; resolv.conf: none). Files in the pod directory, and how the
 * mounts layer binds them into each app's root:
 *   hostname       "<name>\n"; bound on /etc/hostname (strip the newline for
 *                  sethostname)
 *   hosts          only with --hosts-entry: the host's /etc/hosts ("host"), or
 *                  the localhost lines, the hostname on 127.0.0.1, then the
 *                  entries (names of one IP merged on one line); bound on
 *                  /etc/hosts in every app
 *   hosts.default  always written (localhost lines and the hostname); bound
 *                  on /etc/hosts only when `hosts` is absent AND the app's
 *                  image has no /etc/hosts
 *   resolv.conf    with --dns host (a copy of the host's), or servers,
 *                  --dns-search, --dns-opt ("nameserver", "search",
 *                  "options" lines); absent with --dns none or nothing given
 *                  (the image's own file stays); bound on /etc/resolv.conf
 *                  when present
 * Stale hosts / resolv.conf files are removed. EINVAL for a bad hostname,
 * entry, server, or "host"/"none" combined with other values. */
int orb_pod_write_etc(orb_pod *p, const orb_run_options *o, orb_error **err);

/* Runs a prepared pod in the foreground. The pod must be in run/ with its
 * lock held by the caller (the lock is inherited by the supervisor, so the
 * pod stays "running" for as long as any of its processes lives). Output of
 * the apps goes to this process's stdout/stderr and to the logs. SIGINT and
 * SIGTERM stop the pod cleanly (post-stop handlers run); a second one kills
 * it. Returns the pod's exit code in *ret_code: the first failed app's exit
 * code (apps that failed on their own before those ended by a stop), 128+signal
 * for a killed app, else 0; 128+signal too when the supervisor itself was
 * killed. A setup failure (namespaces, mounts, an app's user, group, program
 * or working directory) is returned as an error with nothing started.
 * The pod lives and dies with this process: killing it (even with -9) kills
 * the pod (the supervisor has PR_SET_PDEATHSIG=SIGKILL), as a task runner
 * expects. Call from a single-threaded process (checked: EINVAL). */
int orb_pod_run(orb_pod *p, const orb_run_options *o, int *ret_code, orb_error **err);

/* Runs argv (default: the image's shell, /bin/sh) in a running pod, inside an
 * app's namespaces and root (app may be NULL when the pod has one app), with
 * that app's environment, user and working directory. The entering process
 * is confined like the app (same namespaces, root; its capabilities and
 * seccomp once the executor enforces them), never leaks fds into the pod,
 * and cannot be reached through /proc/<pid>/exe. Returns argv's exit code. */
int orb_pod_enter(orb_pod *p, const char *app, char **argv, int *ret_code, orb_error **err);
