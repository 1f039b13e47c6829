/* Wall-clock time and process start times, as orbit records them. */
#pragma once

#include <stdint.h>
#include <sys/types.h>

#include "util/error.h"

/* Microseconds since the epoch (CLOCK_REALTIME): the unit of every time
 * orbit writes to disk. */
int64_t orb_now_us(void);
/* Milliseconds of CLOCK_MONOTONIC: for deadlines and intervals. */
int64_t orb_monotonic_ms(void);

/* Field 22 of /proc/<pid>/stat (clock ticks since boot): with the pid, it
 * names a process for good, since pids are reused. */
int orb_proc_starttime(pid_t pid, uint64_t *ret, orb_error **err);
