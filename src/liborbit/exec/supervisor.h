/* The executor's internals shared by run.c (the `orbit run` process), pid 1
 * of the pod (setup.c, then init.c, supervisor.c, spawn.c, output.c once it
 * is orbit-init) and enter.c. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "exec/app.h"
#include "exec/exec.h"
#include "exec/logs.h"
#include "exec/sink.h"
#include "pod/pod.h"
#include "schema/manifest.h"
#include "util/clock.h"
#include "util/error.h"

/* The setup report the supervisor sends its parent over a pipe before any
 * app starts (crun's sync socket): one message, written in a single write
 * (at most PIPE_BUF bytes, so it is never torn): a 4-byte errno, a 4-byte
 * length and the message; errno 0 with an empty message means "set up, apps
 * starting". Messages longer than ORB_SYNC_MSG_MAX are cut. */
#define ORB_SYNC_MSG_MAX  3000
#define ORB_SYNC_BUF_SIZE (8 + ORB_SYNC_MSG_MAX)

/* e NULL: success. Returns the length written to buf (ORB_SYNC_BUF_SIZE). */
size_t orb_sync_encode(const orb_error *e, char *buf);
/* 0: success; 1: a setup error, in *ret; -1: malformed (err set). */
int orb_sync_decode(const char *buf, size_t len, orb_error **ret, orb_error **err);
int orb_sync_send(int fd, const orb_error *e);

/* One program an app runs: the app itself or one of its handlers. */
typedef struct orb_sv_exec {
    char *program; /* resolved inside the root */
    char **argv;
} orb_sv_exec;

typedef enum orb_sv_phase {
    ORB_SV_WAITING,
    ORB_SV_PRE_START,
    ORB_SV_RUNNING,
    ORB_SV_POST_STOP,
    ORB_SV_DONE,
} orb_sv_phase;

/* An app as the supervisor runs it, everything resolved before anything
 * starts. */
typedef struct orb_sv_app {
    char *name;
    char *prefix; /* "<name>: " */
    char *rootfs; /* apps/<name>/rootfs, absolute */
    char *dir;    /* apps/<name>, relative to the pod */
    orb_app_identity id;
    uint64_t caps;          /* the bounding set (exec/caps.h) */
    bool no_new_privileges; /* os/linux/no-new-privileges */
    char **env;
    char *workdir;
    orb_sv_exec main, pre_start, post_stop; /* handlers: program NULL when absent */
    orb_sv_phase phase;
    pid_t pid; /* the process of the current phase, or 0 */
    bool started, failed;
    int status;         /* the app's wait status, once it ended */
    int code;           /* its exit code, 128+signal when killed */
    bool ended_in_stop; /* it ended after the pod began stopping */
    orb_app_log log;
} orb_sv_app;

/* Resolves app i's identity, environment, program, handlers and working
 * directory inside its mounted root. Errors name the app. */
int orb_sv_app_resolve(const orb_pod *p, const orb_runtime_app *ra, orb_sv_app *a, orb_error **err);
void orb_sv_app_clear(orb_sv_app *a);

/* In an app's first process: a new mount namespace, pivot_root into the
 * app's root (already fully mounted), the old root detached. */
int orb_app_enter_root(const char *rootfs, orb_error **err);

/* Where a process of an app reads and writes. */
typedef enum orb_sv_io {
    ORB_SV_IO_PIPES,   /* stdin /dev/null, stdout/stderr to out_fd/err_fd */
    ORB_SV_IO_INHERIT, /* orbit's own stdin/stdout/stderr (interactive, no terminal) */
    ORB_SV_IO_CONSOLE, /* the pod's pty, opened as /dev/console inside the root */
} orb_sv_io;

/* Forks a process of the app (in its root, as its user) with its standard
 * streams as io says (out_fd/err_fd for ORB_SV_IO_PIPES). Returns the pid. */
pid_t orb_sv_spawn(const orb_sv_app *a, const orb_sv_exec *x, orb_sv_io io, int out_fd, int err_fd,
                   orb_error **err);
/* Child side helpers shared with enter.c: drop every signal setting, become
 * the identity, close every fd above 2. They report failures by errno. */
void orb_sv_reset_signals(void);
/* Becomes the app: its capabilities (exec/caps.h), groups, gid and uid. */
int orb_sv_become(const orb_sv_app *a, orb_error **err);
void orb_sv_close_fds(void);

/* An output pipe of one of an app's processes, read by the supervisor. */
typedef struct orb_sv_stream {
    unsigned id;
    int fd;
    size_t app;
    int out;    /* where the copy goes: STDOUT_FILENO or STDERR_FILENO, or the
                 * pty's master for the terminal's input */
    bool input; /* the terminal's input: copied as is, never logged, never
                 * made non-blocking (that would be our caller's terminal too) */
    pid_t pid;
    orb_line_prefixer lp;
} orb_sv_stream;

typedef struct orb_sv {
    orb_pod *p;
    bool interactive;     /* one app attached to the terminal: no pipes, no log */
    int console_fd;       /* interactive on a terminal: the master of the pod's pty, or -1 */
    int console_peer_fd;  /* its app side, held so the pty outlives each process, or -1 */
    bool stop_on_failure; /* stop the pod when an app fails */
    bool prefix_output;   /* tag each line with the app's name */
    orb_sv_app *apps;
    size_t n;
    orb_sv_stream *streams;
    size_t n_streams;
    unsigned next_stream_id;
    unsigned mid_line_owner[3]; /* per output fd: the stream whose line is unfinished, or 0 */
    orb_sink sinks[3];          /* [1], [2]: our stdout and stderr (exec/sink.h) */
    orb_sink console_in;        /* the terminal's input on its way to the pty */
    int sigfd;
    bool stopping, forced, ready;
    int stop_signal; /* the signal that stopped the pod, or 0 */
    int kill_stage;
    int64_t deadline_ms; /* of the current stop stage, or -1 */
} orb_sv;

/* The apps and streams (not the pod). */
void orb_sv_free(orb_sv *s);
/* Blocks the signals pid 1 handles (they stay blocked, and pending ones stay
 * pending, across the exec into orbit-init) and opens s->sigfd for them. */
int orb_sv_signals(orb_sv *s, orb_error **err);
void orb_sv_stop(orb_sv *s, bool force);
void orb_sv_process_ended(orb_sv *s, orb_sv_app *a, int status);

/* output.c: starts a process of app a with its output piped to us (or, when
 * interactive, the terminal); -1 when it could not be started. */
pid_t orb_sv_start(orb_sv *s, orb_sv_app *a, const orb_sv_exec *x);
#define ORB_SV_POLL_SIGNAL 1
/* Interactive on a terminal: copies the terminal's input to the pod's pty
 * and the pty's output to the terminal, from now until the end. */
void orb_sv_attach_console(orb_sv *s);
/* The terminal's window size onto the pod's pty (at start and on SIGWINCH). */
void orb_sv_resize_console(const orb_sv *s);
/* One round of the main loop's poll: copies output; says whether the signal
 * fd is readable. */
int orb_sv_poll(orb_sv *s, int timeout_ms);
/* Reads pid's pipes until EOF (bounded), so its output is complete before
 * its status is recorded. */
void orb_sv_drain(orb_sv *s, pid_t pid);
/* Opens our stdout and stderr for copies that never block us. */
void orb_sv_open_sinks(orb_sv *s);
/* At the end: whatever is left in the pipes, then close them; what the
 * readers of our stdout/stderr took too long for is dropped, and said. */
void orb_sv_flush(orb_sv *s);

/* pid 1 of the pod, a fork of orbit: sets the pod up, then execs orbit-init
 * (init_fd, from orb_init_program_open) with the apps handed over; orbit-init
 * reports on sync_fd. Returns only on failure, after reporting it. */
int orb_supervisor_main(orb_pod *p, const orb_pod_manifest *pm, const orb_run_options *o,
                        int sync_fd, int init_fd);
/* orbit-init's side: runs the set-up apps to the end; returns the pod's exit
 * code. */
int orb_supervisor_run(orb_sv *s);

/* handoff.c: the set-up apps written to fd (a memfd, left at offset 0) and
 * read back in orbit-init, which then owns s->p. */
int orb_sv_handoff_write(const orb_sv *s, int fd, orb_error **err);
int orb_sv_handoff_read(int fd, orb_sv *s, orb_error **err);
