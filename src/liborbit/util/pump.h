/* A producer on a second thread: it calls `source` for blocks of bytes
 * (decompressing an image, say) and queues copies of them in a ring buffer,
 * while the caller consumes them (parsing and extracting the tar). Each side
 * keeps one core busy. The thread lives between start and stop only. */
#pragma once

#include <stddef.h>
#include <sys/types.h>

/* >0: a block of that many bytes in *ret_buf; 0: the end; <0: failure (the
 * source keeps its own error, read by the caller after orb_pump_read says -1). */
typedef ssize_t (*orb_pump_source)(void *ctx, const void **ret_buf);

typedef struct orb_pump orb_pump;

/* NULL when no thread can be made: the caller then reads the source itself. */
orb_pump *orb_pump_start(orb_pump_source source, void *ctx);
/* The next bytes: >0 and a pointer valid until the next call, 0 at the end,
 * -1 when the source failed. */
ssize_t orb_pump_read(orb_pump *p, const void **ret_buf);
/* Stops the producer (even mid-stream) and frees the pump. */
void orb_pump_stop(orb_pump *p);
