#include "util/sha512.h"

#include <errno.h>
#include <openssl/evp.h>

#include "util/dlib.h"
#include "util/mem.h"

#define SHA512_FUNCTIONS(X)                                                                        \
    X(EVP_MD_CTX_new)                                                                              \
    X(EVP_MD_CTX_free)                                                                             \
    X(EVP_sha512)                                                                                  \
    X(EVP_DigestInit_ex)                                                                           \
    X(EVP_DigestUpdate)                                                                            \
    X(EVP_DigestFinal_ex)

#define SHA512_DEFINE(f) static ORB_DLIB_DEFINE(f);
SHA512_FUNCTIONS(SHA512_DEFINE)
#undef SHA512_DEFINE

#define SHA512_SYMBOL(f) ORB_DLIB_SYMBOL(f),
static const orb_dlib_symbol symbols[] = {SHA512_FUNCTIONS(SHA512_SYMBOL)};
#undef SHA512_SYMBOL

static orb_dlib libcrypto = {
    .soname = "libcrypto.so.3",
    .what = "libcrypto",
    .symbols = symbols,
    .n_symbols = ARRAY_SIZE(symbols),
};

int orb_sha512_load(orb_error **err)
{
    return orb_dlib_load(&libcrypto, err);
}

int orb_sha512_init(orb_sha512 *s, orb_error **err)
{
    s->md = NULL;
    if (orb_sha512_load(err) < 0)
        return -1;
    s->md = sym_EVP_MD_CTX_new();
    if (!s->md || sym_EVP_DigestInit_ex(s->md, sym_EVP_sha512(), NULL) != 1) {
        orb_sha512_free(s);
        return orb_err(err, ENOMEM, "cannot set up a SHA-512 digest");
    }
    return 0;
}

void orb_sha512_update(orb_sha512 *s, const void *buf, size_t len)
{
    sym_EVP_DigestUpdate(s->md, buf, len);
}

void orb_sha512_final(orb_sha512 *s, unsigned char out[ORB_SHA512_LEN])
{
    unsigned int len = 0;
    sym_EVP_DigestFinal_ex(s->md, out, &len);
    orb_sha512_free(s);
}

void orb_sha512_final_hex(orb_sha512 *s, char out[ORB_SHA512_HEX_LEN + 1])
{
    unsigned char digest[ORB_SHA512_LEN];
    orb_sha512_final(s, digest);
    orb_sha512_hex(digest, out);
}

void orb_sha512_free(orb_sha512 *s)
{
    /* a non-NULL context means libcrypto is bound */
    if (s->md)
        sym_EVP_MD_CTX_free(s->md);
    s->md = NULL;
}

void orb_sha512_hex(const unsigned char digest[ORB_SHA512_LEN], char out[ORB_SHA512_HEX_LEN + 1])
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < ORB_SHA512_LEN; i++) {
        out[2 * i] = digits[digest[i] >> 4];
        out[2 * i + 1] = digits[digest[i] & 0xf];
    }
    out[ORB_SHA512_HEX_LEN] = '\0';
}
