/* SHA-512, the digest of image IDs, computed by libcrypto. libcrypto is bound
 * the first time a digest is started (util/dlib.h): relocating it costs every
 * process about 0.6 ms, and starting a pod hashes nothing. */
#pragma once

#include <stddef.h>

#include "util/error.h"

#define ORB_SHA512_LEN     64
#define ORB_SHA512_HEX_LEN (2 * ORB_SHA512_LEN)

/* libcrypto's EVP_MD_CTX, named without its header so users need none. */
struct evp_md_ctx_st;

typedef struct orb_sha512 {
    struct evp_md_ctx_st *md;
} orb_sha512;

/* Binds libcrypto the first time; later calls return the first outcome.
 * orb_sha512_init calls it: an entry point may call it first anyway to fail
 * early with the reason. */
int orb_sha512_load(orb_error **err);

/* Starts a digest; -1 when libcrypto cannot be loaded (ELIBACC) or the
 * context cannot be made (ENOMEM). */
int orb_sha512_init(orb_sha512 *s, orb_error **err);
void orb_sha512_update(orb_sha512 *s, const void *buf, size_t len);
/* Writes the digest and releases the context. */
void orb_sha512_final(orb_sha512 *s, unsigned char out[ORB_SHA512_LEN]);
/* The same as lowercase hex (NUL-terminated). */
void orb_sha512_final_hex(orb_sha512 *s, char out[ORB_SHA512_HEX_LEN + 1]);
/* Releases an unfinished digest; safe on a zeroed or finished one. */
void orb_sha512_free(orb_sha512 *s);

/* Lowercase hex of a digest (NUL-terminated). */
void orb_sha512_hex(const unsigned char digest[ORB_SHA512_LEN], char out[ORB_SHA512_HEX_LEN + 1]);
