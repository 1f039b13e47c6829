/* Where pid 1 copies the apps' output: orbit's stdout or stderr. A reader
 * that stops reading (a paused pager, a stuck log collector) must not stop
 * pid 1, or it would no longer reap, stop the pod or keep the logs: writes
 * go through a non-blocking open of the same pipe or terminal, what the
 * reader has not taken yet waits in a bounded buffer, and what does not fit
 * is dropped from the copy and counted (the apps' logs keep all of it). */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* What may wait for a slow reader, per output. */
#define ORB_SINK_MAX (1024 * 1024)

typedef struct orb_sink {
    int fd;        /* where writes go */
    bool nonblock; /* fd is non-blocking: what it cannot take now waits in buf */
    bool own;      /* fd is our own open of it, to close */
    char *buf;
    size_t len;       /* bytes waiting in buf */
    uint64_t dropped; /* bytes not copied because buf was full */
    bool gone;        /* the reader went away (EPIPE, ...): writes are discarded */
} orb_sink;

/* A pipe, FIFO or terminal on fd gets a non-blocking open of its own (the
 * O_NONBLOCK flag of fd itself would change the caller's too); anything
 * else (a file, a socket) is written as it is. */
void orb_sink_open(orb_sink *k, int fd);
/* A sink on fd, already non-blocking (a pty's master), used as it is and
 * never closed here. */
void orb_sink_attach(orb_sink *k, int fd);
/* Whether buf has room for another chunk of max bytes. */
bool orb_sink_has_room(const orb_sink *k, size_t max);
void orb_sink_write(orb_sink *k, const void *data, size_t n);
/* Whether bytes wait for the reader (poll fd for POLLOUT then). */
bool orb_sink_pending(const orb_sink *k);
/* Writes what the reader takes now. */
void orb_sink_flush(orb_sink *k);
/* At the end: gives the reader up to timeout_ms for what waits, then drops
 * the rest. Returns the bytes dropped over the sink's life. */
uint64_t orb_sink_close(orb_sink *k, int timeout_ms);
