/* SHA-512 (util/sha512, libcrypto bound on first use), the threaded hasher
 * over it, and base64 (util/base64): what orbit used to take from libcrypto
 * directly. */
// clang-format off
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
// clang-format on

#include <stdlib.h>
#include <string.h>

#include "util/base64.h"
#include "util/hasher.h"
#include "util/mem.h"
#include "util/sha512.h"

/* FIPS 180-2 appendix C and the well-known digest of "". */
static const char sha512_empty[] =
    "cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce"
    "47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e";
static const char sha512_abc[] = "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a"
                                 "2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f";
static const char sha512_two_blocks_in[] =
    "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqr"
    "lmnopqrsmnopqrstnopqrstu";
static const char sha512_two_blocks[] =
    "8e959b75dae313da8cf4f72814fc143f8f7779c6eb9f7fa17299aeadb6889018"
    "501d289e4900f7e4331b99dec4b5433ac7d329eeb6dd26545e96e55b874be909";

static void digest_hex(const char *text, char out[ORB_SHA512_HEX_LEN + 1])
{
    orb_sha512 s;
    orb_error *err = NULL;
    assert_int_equal(orb_sha512_init(&s, &err), 0);
    assert_null(err);
    orb_sha512_update(&s, text, strlen(text));
    orb_sha512_final_hex(&s, out);
    assert_null(s.md);
}

static void sha512_known_vectors(void **state)
{
    (void)state;
    char hex[ORB_SHA512_HEX_LEN + 1];
    digest_hex("", hex);
    assert_string_equal(hex, sha512_empty);
    digest_hex("abc", hex);
    assert_string_equal(hex, sha512_abc);
    digest_hex(sha512_two_blocks_in, hex);
    assert_string_equal(hex, sha512_two_blocks);
}

static void sha512_updates_in_pieces_match_one(void **state)
{
    (void)state;
    orb_sha512 s;
    assert_int_equal(orb_sha512_init(&s, NULL), 0);
    for (const char *p = sha512_two_blocks_in; *p; p++)
        orb_sha512_update(&s, p, 1);
    orb_sha512_update(&s, "", 0);
    unsigned char digest[ORB_SHA512_LEN];
    orb_sha512_final(&s, digest);
    char hex[ORB_SHA512_HEX_LEN + 1];
    orb_sha512_hex(digest, hex);
    assert_string_equal(hex, sha512_two_blocks);
}

static void sha512_free_is_safe_unfinished_and_twice(void **state)
{
    (void)state;
    orb_sha512 s;
    assert_int_equal(orb_sha512_init(&s, NULL), 0);
    orb_sha512_update(&s, "abc", 3);
    orb_sha512_free(&s);
    orb_sha512_free(&s);
    assert_null(s.md);
    assert_int_equal(orb_sha512_load(NULL), 0);
}

static void hasher_matches_sha512(void **state)
{
    (void)state;
    orb_hasher *h = orb_hasher_new();
    assert_non_null(h);
    orb_hasher_update(h, "a", 1);
    orb_hasher_update(h, "bc", 2);
    unsigned char digest[ORB_SHA512_LEN];
    orb_hasher_final(h, digest);
    orb_hasher_free(h);
    char hex[ORB_SHA512_HEX_LEN + 1];
    orb_sha512_hex(digest, hex);
    assert_string_equal(hex, sha512_abc);
}

static void expect_base64_n(const char *in, size_t n, const char *want)
{
    assert_int_equal(ORB_BASE64_LEN(n), strlen(want));
    char *out = xmalloc(ORB_BASE64_LEN(n) + 1);
    assert_ptr_equal(orb_base64_encode(in, n, out), out);
    assert_string_equal(out, want);
    free(out);
}

static void expect_base64(const char *in, const char *want)
{
    expect_base64_n(in, strlen(in), want);
}

/* RFC 4648 section 10. */
static void base64_rfc4648_vectors(void **state)
{
    (void)state;
    expect_base64("", "");
    expect_base64("f", "Zg==");
    expect_base64("fo", "Zm8=");
    expect_base64("foo", "Zm9v");
    expect_base64("foob", "Zm9vYg==");
    expect_base64("fooba", "Zm9vYmE=");
    expect_base64("foobar", "Zm9vYmFy");
}

static void base64_uses_whole_alphabet_and_high_bytes(void **state)
{
    (void)state;
    /* 0xfb 0xff: the last two alphabet characters; "user:pass" as Basic
     * authentication sends it */
    expect_base64("\xfb\xff\xbf", "+/+/");
    expect_base64_n("\x00\x10\x83", 3, "ABCD");
    expect_base64_n("\0", 1, "AA==");
    expect_base64("user:p@ss", "dXNlcjpwQHNz");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(sha512_known_vectors),
        cmocka_unit_test(sha512_updates_in_pieces_match_one),
        cmocka_unit_test(sha512_free_is_safe_unfinished_and_twice),
        cmocka_unit_test(hasher_matches_sha512),
        cmocka_unit_test(base64_rfc4648_vectors),
        cmocka_unit_test(base64_uses_whole_alphabet_and_high_bytes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
