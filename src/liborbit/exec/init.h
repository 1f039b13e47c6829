/* orbit-init, the program a pod's pid 1 becomes once set up (init.c). */
#pragma once

#include "util/error.h"

int orb_init_main(int argc, char **argv);

/* Opens orbit-init for the exec that turns a set-up pod's pid 1 into it:
 * the one beside the running orbit (a build tree, or an install that keeps
 * them together), else the one in ORBIT_LIBEXECDIR. It must be a regular
 * file owned by root or by us and writable by no one else (root's group
 * aside), since pid 1 of every pod runs it. Returns an O_PATH|O_CLOEXEC fd, or -1 with an error
 * naming where it looked. */
int orb_init_program_open(orb_error **err);
