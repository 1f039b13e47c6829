#include "util/pump.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util/mem.h"

#define RING_SIZE (8u << 20)

struct orb_pump {
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t changed;
    unsigned char *ring;
    uint64_t written, read; /* bytes ever queued / released */
    size_t held;            /* bytes handed to the consumer, released at its next read */
    int end;                /* 0 running, 1 the source ended, -1 it failed */
    bool stopping;
    orb_pump_source source;
    void *ctx;
};

/* Copies a block into the ring, waiting for room; false when stopping. */
static bool queue(orb_pump *p, const unsigned char *buf, size_t len)
{
    while (len > 0) {
        pthread_mutex_lock(&p->lock);
        while (p->written - p->read == RING_SIZE && !p->stopping)
            pthread_cond_wait(&p->changed, &p->lock);
        bool stopping = p->stopping;
        size_t start = (size_t)(p->written % RING_SIZE);
        size_t room = RING_SIZE - (size_t)(p->written - p->read);
        pthread_mutex_unlock(&p->lock);
        if (stopping)
            return false;
        size_t n = len < room ? len : room;
        if (n > RING_SIZE - start)
            n = RING_SIZE - start;
        memcpy(p->ring + start, buf, n);
        pthread_mutex_lock(&p->lock);
        p->written += n;
        pthread_cond_broadcast(&p->changed);
        pthread_mutex_unlock(&p->lock);
        buf += n;
        len -= n;
    }
    return true;
}

static void *produce(void *arg)
{
    orb_pump *p = arg;
    ssize_t n;
    do {
        const void *buf = NULL;
        n = p->source(p->ctx, &buf);
        if (n > 0 && !queue(p, buf, (size_t)n))
            return NULL;
    } while (n > 0);
    pthread_mutex_lock(&p->lock);
    p->end = n < 0 ? -1 : 1;
    pthread_cond_broadcast(&p->changed);
    pthread_mutex_unlock(&p->lock);
    return NULL;
}

orb_pump *orb_pump_start(orb_pump_source source, void *ctx)
{
    orb_pump *p = xcalloc(1, sizeof(*p));
    p->ring = xmalloc(RING_SIZE);
    p->source = source;
    p->ctx = ctx;
    pthread_mutex_init(&p->lock, NULL);
    pthread_cond_init(&p->changed, NULL);
    if (pthread_create(&p->thread, NULL, produce, p) != 0) {
        pthread_cond_destroy(&p->changed);
        pthread_mutex_destroy(&p->lock);
        free(p->ring);
        free(p);
        return NULL;
    }
    return p;
}

ssize_t orb_pump_read(orb_pump *p, const void **ret_buf)
{
    pthread_mutex_lock(&p->lock);
    p->read += p->held; /* the consumer is done with the last block */
    p->held = 0;
    pthread_cond_broadcast(&p->changed);
    while (p->written == p->read && p->end == 0)
        pthread_cond_wait(&p->changed, &p->lock);
    size_t avail = (size_t)(p->written - p->read);
    size_t start = (size_t)(p->read % RING_SIZE);
    int end = p->end;
    pthread_mutex_unlock(&p->lock);
    if (avail == 0)
        return end < 0 ? -1 : 0;
    size_t n = avail < RING_SIZE - start ? avail : RING_SIZE - start;
    p->held = n;
    *ret_buf = p->ring + start;
    return (ssize_t)n;
}

void orb_pump_stop(orb_pump *p)
{
    if (!p)
        return;
    pthread_mutex_lock(&p->lock);
    p->stopping = true;
    pthread_cond_broadcast(&p->changed);
    pthread_mutex_unlock(&p->lock);
    pthread_join(p->thread, NULL);
    pthread_cond_destroy(&p->changed);
    pthread_mutex_destroy(&p->lock);
    free(p->ring);
    free(p);
}
