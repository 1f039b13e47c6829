/* SHA-512 on a second thread: the caller hands over bytes as it reads them
 * (they are copied into a ring buffer) and goes on with its own work —
 * decompressing and extracting an image — while the digest is computed on
 * the other core. The thread lives only between new and final/free, so a
 * process that forks later (pods) is single-threaded again by then. */
#pragma once

#include <stddef.h>

typedef struct orb_hasher orb_hasher;

/* NULL when libcrypto cannot be loaded (orb_sha512_load tells why) or the
 * digest cannot be set up. */
orb_hasher *orb_hasher_new(void);
void orb_hasher_update(orb_hasher *h, const void *buf, size_t len);
/* Waits for the thread to hash everything and ends it; out gets the 64-byte
 * digest. */
void orb_hasher_final(orb_hasher *h, unsigned char out[64]);
/* Ends the thread (if still running) and frees everything. */
void orb_hasher_free(orb_hasher *h);
