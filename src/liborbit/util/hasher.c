#include "util/hasher.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util/mem.h"
#include "util/sha512.h"

/* Large enough that neither side waits for the other on a steady stream. */
#define RING_SIZE (8u << 20)

struct orb_hasher {
    pthread_t thread;
    bool running;
    pthread_mutex_t lock;
    pthread_cond_t changed;
    unsigned char *ring;
    uint64_t written, hashed; /* bytes ever put in / taken out */
    bool closing;
    orb_sha512 md;
};

/* The next contiguous run of unhashed bytes (0 once closing and empty). */
static size_t wait_for_data(orb_hasher *h, size_t *ret_start)
{
    pthread_mutex_lock(&h->lock);
    while (h->written == h->hashed && !h->closing)
        pthread_cond_wait(&h->changed, &h->lock);
    size_t avail = (size_t)(h->written - h->hashed);
    size_t start = (size_t)(h->hashed % RING_SIZE);
    pthread_mutex_unlock(&h->lock);
    *ret_start = start;
    return avail < RING_SIZE - start ? avail : RING_SIZE - start;
}

static void *hash_loop(void *arg)
{
    orb_hasher *h = arg;
    for (;;) {
        size_t start;
        size_t n = wait_for_data(h, &start);
        if (n == 0)
            return NULL;
        orb_sha512_update(&h->md, h->ring + start, n);
        pthread_mutex_lock(&h->lock);
        h->hashed += n;
        pthread_cond_broadcast(&h->changed);
        pthread_mutex_unlock(&h->lock);
    }
}

orb_hasher *orb_hasher_new(void)
{
    orb_hasher *h = xcalloc(1, sizeof(*h));
    _cleanup_error_ orb_error *ignored = NULL;
    if (orb_sha512_init(&h->md, &ignored) < 0) {
        free(h);
        return NULL;
    }
    h->ring = xmalloc(RING_SIZE);
    pthread_mutex_init(&h->lock, NULL);
    pthread_cond_init(&h->changed, NULL);
    h->running = pthread_create(&h->thread, NULL, hash_loop, h) == 0;
    return h;
}

void orb_hasher_update(orb_hasher *h, const void *buf, size_t len)
{
    if (!h->running) { /* no thread could be made: hash here */
        orb_sha512_update(&h->md, buf, len);
        return;
    }
    const unsigned char *p = buf;
    while (len > 0) {
        pthread_mutex_lock(&h->lock);
        while (h->written - h->hashed == RING_SIZE)
            pthread_cond_wait(&h->changed, &h->lock);
        size_t start = (size_t)(h->written % RING_SIZE);
        size_t room = RING_SIZE - (size_t)(h->written - h->hashed);
        pthread_mutex_unlock(&h->lock);
        size_t n = len < room ? len : room;
        if (n > RING_SIZE - start)
            n = RING_SIZE - start;
        memcpy(h->ring + start, p, n);
        pthread_mutex_lock(&h->lock);
        h->written += n;
        pthread_cond_broadcast(&h->changed);
        pthread_mutex_unlock(&h->lock);
        p += n;
        len -= n;
    }
}

static void stop(orb_hasher *h)
{
    if (!h->running)
        return;
    pthread_mutex_lock(&h->lock);
    h->closing = true;
    pthread_cond_broadcast(&h->changed);
    pthread_mutex_unlock(&h->lock);
    pthread_join(h->thread, NULL);
    h->running = false;
}

void orb_hasher_final(orb_hasher *h, unsigned char out[64])
{
    stop(h);
    orb_sha512_final(&h->md, out);
}

void orb_hasher_free(orb_hasher *h)
{
    if (!h)
        return;
    stop(h);
    orb_sha512_free(&h->md);
    pthread_cond_destroy(&h->changed);
    pthread_mutex_destroy(&h->lock);
    free(h->ring);
    free(h);
}
