/* Trusted keys and signature verification. Keys are made here with gpgme in
 * a private home (its agent is killed at the end); the store under test uses
 * its own temporary local and system dirs. */
// clang-format off
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
// clang-format on

#include <errno.h>
#include <gpgme.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "trust/trust.h"
#include "util/fs.h"
#include "util/fs_remove.h"
#include "util/mem.h"

enum { K_GOOD, K_OTHER, K_APP, K_ROOT, K_SYS, K_EXPIRED, K_REVOKED, K_SUBKEY, K_COUNT };
static const char *const key_uids[K_COUNT] = {
    "Good Signer <good@example.com>",   "Other Signer <other@example.org>",
    "App Signer <app@example.com>",     "Root Signer <root@example.net>",
    "System Signer <sys@example.com>",  "Expired Signer <old@example.com>",
    "Revoked Signer <rev@example.com>", "Subkey Signer <sub@example.com>",
};

/* Made once for the whole group. */
static struct {
    char *home; /* key-generation home, also holds the files below */
    gpgme_ctx_t ctx;
    char *fpr[K_COUNT];
    char *pub[K_COUNT]; /* armored public key */
    size_t pub_len[K_COUNT];
    char *image, *tampered, *revoked_pub; /* paths */
} g;

typedef struct fixture {
    char *dir;
    orb_keystore ks;
} fixture;

static char *path_in(const char *dir, const char *name)
{
    return xasprintf("%s/%s", dir, name);
}

static void write_file(const char *path, const char *data, size_t len)
{
    FILE *f = fopen(path, "we");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, len, f), len);
    assert_int_equal(fclose(f), 0);
}

static void write_conf(const char *extra)
{
    _cleanup_free_ char *p = path_in(g.home, "gpg.conf");
    _cleanup_free_ char *text = xasprintf("no-greeting\ntrust-model always\n%s", extra);
    write_file(p, text, strlen(text));
}

static char *take_data(gpgme_data_t d, size_t *ret_len)
{
    size_t len = 0;
    char *mem = gpgme_data_release_and_get_mem(d, &len);
    char *r = xmalloc(len + 1); /* binary signatures hold NULs */
    memcpy(r, mem, len);
    r[len] = '\0';
    gpgme_free(mem);
    if (ret_len)
        *ret_len = len;
    return r;
}

static void export_pub(int k)
{
    free(g.pub[k]);
    gpgme_data_t out;
    assert_int_equal(gpgme_data_new(&out), 0);
    gpgme_set_armor(g.ctx, 1);
    assert_int_equal(gpgme_op_export(g.ctx, g.fpr[k], 0, out), 0);
    g.pub[k] = take_data(out, &g.pub_len[k]);
}

/* Gives key k a signing subkey, which gpg then signs with. */
static void add_signing_subkey(int k)
{
    gpgme_key_t key;
    assert_int_equal(gpgme_get_key(g.ctx, g.fpr[k], &key, 1), 0);
    unsigned flags = GPGME_CREATE_NOPASSWD | GPGME_CREATE_SIGN | GPGME_CREATE_NOEXPIRE;
    assert_int_equal(gpgme_op_createsubkey(g.ctx, key, "ed25519", 0, 0, flags), 0);
    gpgme_key_unref(key);
    export_pub(k);
}

static void create_key(int k, unsigned long expires)
{
    unsigned flags = GPGME_CREATE_NOPASSWD | GPGME_CREATE_SIGN | GPGME_CREATE_FORCE;
    if (!expires)
        flags |= GPGME_CREATE_NOEXPIRE;
    assert_int_equal(gpgme_op_createkey(g.ctx, key_uids[k], "ed25519", 0, expires, NULL, flags), 0);
    g.fpr[k] = xstrdup(gpgme_op_genkey_result(g.ctx)->fpr);
    for (char *p = g.fpr[k]; *p; p++)
        *p = (char)(*p >= 'A' && *p <= 'F' ? *p - 'A' + 'a' : *p);
    export_pub(k);
}

/* Writes <home>/<key>.<asc|sig>, a detached signature of file. */
static char *sign(int k, const char *file, bool armor, const char *out_name)
{
    gpgme_key_t key;
    assert_int_equal(gpgme_get_key(g.ctx, g.fpr[k], &key, 1), 0);
    gpgme_signers_clear(g.ctx);
    gpgme_signers_add(g.ctx, key);
    gpgme_key_unref(key);
    gpgme_set_armor(g.ctx, armor);
    gpgme_data_t in, out;
    assert_int_equal(gpgme_data_new_from_file(&in, file, 1), 0);
    assert_int_equal(gpgme_data_new(&out), 0);
    assert_int_equal(gpgme_op_sign(g.ctx, in, out, GPGME_SIG_MODE_DETACH), 0);
    gpgme_data_release(in);
    size_t len;
    _cleanup_free_ char *sig = take_data(out, &len);
    char *path = path_in(g.home, out_name);
    write_file(path, sig, len);
    return path;
}

static char *sig_path(const char *name)
{
    return path_in(g.home, name);
}

/* gpg writes a revocation certificate for each new key, its armor line
 * guarded by a ':'; the key plus that certificate is a revoked key. */
static void make_revoked_pub(void)
{
    _cleanup_free_ char *upper = xstrdup(g.fpr[K_REVOKED]);
    for (char *p = upper; *p; p++)
        *p = (char)(*p >= 'a' && *p <= 'f' ? *p - 'a' + 'A' : *p);
    _cleanup_free_ char *rev_path = xasprintf("%s/openpgp-revocs.d/%s.rev", g.home, upper);
    _cleanup_free_ char *rev = NULL;
    size_t len = 0;
    _cleanup_error_ orb_error *err = NULL;
    assert_int_equal(orb_read_file(rev_path, 65536, &rev, &len, &err), 0);
    char *begin = strstr(rev, ":-----BEGIN");
    assert_non_null(begin);
    begin++;
    gpgme_data_t in;
    assert_int_equal(gpgme_data_new_from_mem(&in, begin, strlen(begin), 0), 0);
    assert_int_equal(gpgme_op_import(g.ctx, in), 0);
    gpgme_data_release(in);
    gpgme_data_t out;
    assert_int_equal(gpgme_data_new(&out), 0);
    gpgme_set_armor(g.ctx, 1);
    assert_int_equal(gpgme_op_export(g.ctx, g.fpr[K_REVOKED], 0, out), 0);
    size_t plen;
    _cleanup_free_ char *pub = take_data(out, &plen);
    g.revoked_pub = path_in(g.home, "revoked.pub");
    write_file(g.revoked_pub, pub, plen);
}

static int group_setup(void **state)
{
    (void)state;
    /* The gpg-agent that key generation and signing start daemonises; as a
     * subreaper this process gets it as a child and can reap it at the end,
     * so no agent (not even a zombie) is left behind. */
    assert_int_equal(prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0), 0);
    gpgme_check_version(NULL);
    char tmpl[] = "/tmp/orbit-tt-XXXXXX";
    assert_non_null(mkdtemp(tmpl));
    g.home = xstrdup(tmpl);
    assert_int_equal(gpgme_new(&g.ctx), 0);
    assert_int_equal(gpgme_ctx_set_engine_info(g.ctx, GPGME_PROTOCOL_OpenPGP, NULL, g.home), 0);
    gpgme_set_pinentry_mode(g.ctx, GPGME_PINENTRY_MODE_LOOPBACK);
    g.image = path_in(g.home, "image.aci");
    g.tampered = path_in(g.home, "tampered.aci");
    write_file(g.image, "the image\n", 10);
    write_file(g.tampered, "the imagE\n", 10);

    /* The expired key lives in 2020: made and used then, expired since. */
    write_conf("faked-system-time 1577836800\n");
    create_key(K_EXPIRED, 86400);
    free(sign(K_EXPIRED, g.image, true, "expired.asc"));
    write_conf("");
    for (int k = 0; k < K_COUNT; k++)
        if (k != K_EXPIRED)
            create_key(k, 0);
    free(sign(K_GOOD, g.image, true, "good.asc"));
    free(sign(K_GOOD, g.image, false, "good.sig"));
    free(sign(K_GOOD, g.tampered, true, "good-other-file.asc"));
    free(sign(K_OTHER, g.image, true, "other.asc"));
    free(sign(K_APP, g.image, true, "app.asc"));
    free(sign(K_ROOT, g.image, false, "root.sig"));
    free(sign(K_SYS, g.image, true, "sys.asc"));
    free(sign(K_REVOKED, g.image, true, "revoked.asc"));
    add_signing_subkey(K_SUBKEY);
    free(sign(K_SUBKEY, g.image, true, "subkey.asc"));
    make_revoked_pub();
    return 0;
}

/* Waits (up to 5 s) for every child, the killed agent included, to exit. */
static void reap_children(void)
{
    for (int i = 0; i < 500; i++) {
        pid_t pid = waitpid(-1, NULL, WNOHANG);
        if (pid < 0)
            return; /* ECHILD: none left */
        if (pid == 0)
            nanosleep(&(struct timespec){.tv_nsec = 10 * 1000 * 1000}, NULL);
    }
    fail_msg("a child process (gpg-agent?) did not exit");
}

static int group_teardown(void **state)
{
    (void)state;
    gpgme_release(g.ctx);
    _cleanup_free_ char *cmd =
        xasprintf("gpgconf --homedir '%s' --kill all >/dev/null 2>&1", g.home);
    assert_int_equal(system(cmd), 0);
    reap_children();
    _cleanup_error_ orb_error *err = NULL;
    assert_int_equal(orb_rm_rf(g.home, &err), 0);
    for (int k = 0; k < K_COUNT; k++) {
        free(g.fpr[k]);
        free(g.pub[k]);
    }
    free(g.home);
    free(g.image);
    free(g.tampered);
    free(g.revoked_pub);
    return 0;
}

static int setup(void **state)
{
    fixture *f = xcalloc(1, sizeof(*f));
    char tmpl[] = "/tmp/orbit-ks-XXXXXX";
    assert_non_null(mkdtemp(tmpl));
    f->dir = xstrdup(tmpl);
    f->ks.local_dir = path_in(f->dir, "etc");
    f->ks.system_dir = path_in(f->dir, "lib");
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    _cleanup_error_ orb_error *err = NULL;
    assert_int_equal(orb_rm_rf(f->dir, &err), 0);
    free(f->dir);
    free(f->ks.local_dir);
    free(f->ks.system_dir);
    free(f);
    return 0;
}

/* Trusts key k for prefix (NULL: root) in the local dir, or the system dir. */
static void trust(fixture *f, int k, const char *prefix, bool system)
{
    orb_keystore ks = f->ks;
    if (system)
        ks.local_dir = f->ks.system_dir;
    _cleanup_strv_ char **fprs = NULL;
    _cleanup_error_ orb_error *err = NULL;
    int r = orb_keystore_add(&ks, g.pub[k], g.pub_len[k], "key.asc", prefix, &fprs, &err);
    if (r < 0)
        fail_msg("add: %s", err->msg);
    assert_int_equal(strv_length(fprs), 1);
    assert_string_equal(fprs[0], g.fpr[k]);
}

/* Verifies sig over file for name; returns the error text ("" when it verified). */
static char *verify(fixture *f, const char *name, const char *file, const char *sig)
{
    _cleanup_free_ char *sp = sig_path(sig);
    _cleanup_free_ char *fpr = NULL;
    _cleanup_error_ orb_error *err = NULL;
    if (orb_verify_signature(&f->ks, name, file, sp, &fpr, &err) == 0) {
        assert_non_null(fpr);
        return xstrdup("");
    }
    assert_non_null(err);
    return xstrdup(err->msg);
}

static void assert_verifies(fixture *f, const char *name, const char *sig)
{
    _cleanup_free_ char *msg = verify(f, name, g.image, sig);
    assert_string_equal(msg, "");
}

static void assert_fails(fixture *f, const char *name, const char *file, const char *sig,
                         const char *want1, const char *want2)
{
    _cleanup_free_ char *msg = verify(f, name, file, sig);
    if (!strstr(msg, want1) || (want2 && !strstr(msg, want2)))
        fail_msg("want \"%s\" and \"%s\" in \"%s\"", want1, want2 ? want2 : "", msg);
}

static void test_inspect(void **state)
{
    (void)state;
    orb_key_info *k = NULL;
    size_t n = 0;
    _cleanup_error_ orb_error *err = NULL;
    assert_int_equal(orb_key_inspect(g.pub[K_GOOD], g.pub_len[K_GOOD], "good.asc", &k, &n, &err),
                     0);
    assert_int_equal(n, 1);
    assert_string_equal(k[0].fingerprint, g.fpr[K_GOOD]);
    assert_int_equal(strlen(k[0].fingerprint), 40);
    assert_string_equal(k[0].uids[0], key_uids[K_GOOD]);
    assert_null(k[0].uids[1]);
    assert_true(k[0].created > 0);
    assert_int_equal(k[0].expires, 0);
    assert_false(k[0].revoked);
    assert_false(k[0].expired);
    orb_key_infos_free(k, n);
}

static void test_inspect_expired_and_revoked(void **state)
{
    (void)state;
    orb_key_info *k = NULL;
    size_t n = 0;
    _cleanup_error_ orb_error *err = NULL;
    assert_int_equal(orb_key_inspect(g.pub[K_EXPIRED], g.pub_len[K_EXPIRED], "x", &k, &n, &err), 0);
    assert_true(k[0].expired);
    assert_int_equal(k[0].expires, 1577836800 + 86400);
    orb_key_infos_free(k, n);
    _cleanup_free_ char *data = NULL;
    size_t len = 0;
    assert_int_equal(orb_read_file(g.revoked_pub, ORB_KEY_FILE_MAX, &data, &len, &err), 0);
    assert_int_equal(orb_key_inspect(data, len, "x", &k, &n, &err), 0);
    assert_true(k[0].revoked);
    orb_key_infos_free(k, n);
}

static void assert_not_a_key(const char *data, size_t len)
{
    orb_key_info *k = NULL;
    size_t n = 0;
    _cleanup_error_ orb_error *err = NULL;
    assert_int_equal(orb_key_inspect(data, len, "junk.gpg", &k, &n, &err), -1);
    assert_non_null(strstr(err->msg, "junk.gpg: not an OpenPGP public key"));
}

static void test_inspect_rejects_non_keys(void **state)
{
    (void)state;
    assert_not_a_key("hello, world\n", 13);
    assert_not_a_key("", 0);
    _cleanup_free_ char *sp = sig_path("good.asc");
    _cleanup_free_ char *sig = NULL;
    size_t len = 0;
    _cleanup_error_ orb_error *err = NULL;
    assert_int_equal(orb_read_file(sp, 65536, &sig, &len, &err), 0);
    assert_not_a_key(sig, len);
    /* a secret key is not what a trust store takes */
    gpgme_data_t out;
    assert_int_equal(gpgme_data_new(&out), 0);
    gpgme_set_armor(g.ctx, 1);
    assert_int_equal(gpgme_op_export(g.ctx, g.fpr[K_OTHER], GPGME_EXPORT_MODE_SECRET, out), 0);
    _cleanup_free_ char *secret = take_data(out, &len);
    assert_non_null(strstr(secret, "PRIVATE KEY"));
    assert_not_a_key(secret, len);
    char *big = xcalloc(ORB_KEY_FILE_MAX + 2, 1);
    orb_key_info *k = NULL;
    size_t n = 0;
    assert_int_equal(orb_key_inspect(big, ORB_KEY_FILE_MAX + 1, "big", &k, &n, &err), -1);
    assert_non_null(strstr(err->msg, "big: too big"));
    free(big);
}

static void test_add_list_has_keys(void **state)
{
    fixture *f = *state;
    trust(f, K_GOOD, "example.com", false);
    trust(f, K_GOOD, "example.com", false); /* again: overwritten, still one */
    trust(f, K_ROOT, NULL, false);
    _cleanup_free_ char *p =
        xasprintf("%s/trustedkeys/prefix.d/example.com/%s", f->ks.local_dir, g.fpr[K_GOOD]);
    struct stat st;
    assert_int_equal(stat(p, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0644);
    orb_key_info *k = NULL;
    size_t n = 0;
    _cleanup_error_ orb_error *err = NULL;
    assert_int_equal(orb_keystore_list(&f->ks, &k, &n, &err), 0);
    assert_int_equal(n, 2);
    assert_null(k[0].prefix); /* root keys first */
    assert_string_equal(k[0].fingerprint, g.fpr[K_ROOT]);
    assert_string_equal(k[1].prefix, "example.com");
    assert_string_equal(k[1].path, p);
    assert_string_equal(k[1].uids[0], key_uids[K_GOOD]);
    assert_false(k[1].system);
    orb_key_infos_free(k, n);
}

static void test_add_two_keys_in_one_file(void **state)
{
    fixture *f = *state;
    _cleanup_free_ char *both = xasprintf("%s%s", g.pub[K_GOOD], g.pub[K_OTHER]);
    _cleanup_strv_ char **fprs = NULL;
    _cleanup_error_ orb_error *err = NULL;
    assert_int_equal(
        orb_keystore_add(&f->ks, both, strlen(both), "both.asc", "example.com/app", &fprs, &err),
        0);
    assert_int_equal(strv_length(fprs), 2);
    assert_true(strv_contains(fprs, g.fpr[K_GOOD]) && strv_contains(fprs, g.fpr[K_OTHER]));
    orb_key_info *k = NULL;
    size_t n = 0;
    assert_int_equal(orb_keystore_list(&f->ks, &k, &n, &err), 0);
    assert_int_equal(n, 2);
    for (size_t i = 0; i < n; i++) {
        assert_string_equal(k[i].prefix, "example.com/app");
        /* each file holds its own key only */
        _cleanup_free_ char *data = NULL;
        size_t len = 0;
        orb_key_info *one = NULL;
        size_t one_n = 0;
        assert_int_equal(orb_read_file(k[i].path, ORB_KEY_FILE_MAX, &data, &len, &err), 0);
        assert_non_null(strstr(data, "-----BEGIN PGP PUBLIC KEY BLOCK-----"));
        assert_int_equal(orb_key_inspect(data, len, k[i].path, &one, &one_n, &err), 0);
        assert_int_equal(one_n, 1);
        assert_string_equal(one[0].fingerprint, k[i].fingerprint);
        orb_key_infos_free(one, one_n);
    }
    orb_key_infos_free(k, n);
    assert_verifies(f, "example.com/app", "other.asc");
}

static void test_has_keys_for(void **state)
{
    fixture *f = *state;
    bool has = true;
    _cleanup_error_ orb_error *err = NULL;
    assert_int_equal(orb_keystore_has_keys_for(&f->ks, "example.com/app", &has, &err), 0);
    assert_false(has);
    trust(f, K_GOOD, "example.com", false);
    assert_int_equal(orb_keystore_has_keys_for(&f->ks, "example.com/app", &has, &err), 0);
    assert_true(has);
    assert_int_equal(orb_keystore_has_keys_for(&f->ks, "example.com", &has, &err), 0);
    assert_true(has);
    assert_int_equal(orb_keystore_has_keys_for(&f->ks, "other.org/x", &has, &err), 0);
    assert_false(has);
    /* segments, not characters */
    assert_int_equal(orb_keystore_has_keys_for(&f->ks, "example.community/x", &has, &err), 0);
    assert_false(has);
}

static void test_add_rejects(void **state)
{
    fixture *f = *state;
    _cleanup_error_ orb_error *err = NULL;
    char **fprs = NULL;
    const char *bad_prefixes[] = {"Example.com", "example.com/../../x", "a//b", "/abs", ""};
    for (size_t i = 0; i < ARRAY_SIZE(bad_prefixes); i++) {
        assert_int_equal(orb_keystore_add(&f->ks, g.pub[K_GOOD], g.pub_len[K_GOOD], "k.asc",
                                          bad_prefixes[i], &fprs, &err),
                         -1);
        assert_non_null(strstr(err->msg, "prefix"));
        orb_error_free(TAKE_PTR(err));
    }
    assert_int_equal(orb_keystore_add(&f->ks, g.pub[K_EXPIRED], g.pub_len[K_EXPIRED], "old.asc",
                                      "example.com", &fprs, &err),
                     -1);
    _cleanup_free_ char *want = xasprintf("old.asc: key %s has expired", g.fpr[K_EXPIRED]);
    assert_string_equal(err->msg, want);
    orb_error_free(TAKE_PTR(err));
    _cleanup_free_ char *data = NULL;
    size_t len = 0;
    assert_int_equal(orb_read_file(g.revoked_pub, ORB_KEY_FILE_MAX, &data, &len, &err), 0);
    assert_int_equal(orb_keystore_add(&f->ks, data, len, "rev.asc", NULL, &fprs, &err), -1);
    _cleanup_free_ char *want2 = xasprintf("rev.asc: key %s is revoked", g.fpr[K_REVOKED]);
    assert_string_equal(err->msg, want2);
    orb_error_free(TAKE_PTR(err));
    assert_int_equal(orb_keystore_add(&f->ks, "junk", 4, "junk.txt", NULL, &fprs, &err), -1);
    assert_string_equal(err->msg, "junk.txt: not an OpenPGP public key");
    assert_null(fprs);
}

static void test_verify_good(void **state)
{
    fixture *f = *state;
    trust(f, K_GOOD, "example.com", false);
    assert_verifies(f, "example.com/app", "good.asc");
    assert_verifies(f, "example.com/app", "good.sig");
    assert_verifies(f, "example.com", "good.asc");
    _cleanup_free_ char *sp = sig_path("good.asc");
    _cleanup_free_ char *fpr = NULL;
    _cleanup_error_ orb_error *err = NULL;
    assert_int_equal(orb_verify_signature(&f->ks, "example.com/app", g.image, sp, &fpr, &err), 0);
    assert_string_equal(fpr, g.fpr[K_GOOD]);
}

static void test_verify_subkey_signature(void **state)
{
    fixture *f = *state;
    trust(f, K_SUBKEY, "example.com", false);
    _cleanup_free_ char *sp = sig_path("subkey.asc");
    _cleanup_free_ char *fpr = NULL;
    _cleanup_error_ orb_error *err = NULL;
    assert_int_equal(orb_verify_signature(&f->ks, "example.com/app", g.image, sp, &fpr, &err), 0);
    assert_string_equal(fpr, g.fpr[K_SUBKEY]); /* the primary key's, not the subkey's */
    /* the signature really is by the subkey */
    gpgme_data_t sig, data;
    assert_int_equal(gpgme_data_new_from_file(&sig, sp, 1), 0);
    assert_int_equal(gpgme_data_new_from_file(&data, g.image, 1), 0);
    assert_int_equal(gpgme_op_verify(g.ctx, sig, data, NULL), 0);
    const char *signer = gpgme_op_verify_result(g.ctx)->signatures->fpr;
    assert_true(strcasecmp(signer, g.fpr[K_SUBKEY]) != 0);
    gpgme_data_release(sig);
    gpgme_data_release(data);
}

static void test_verify_no_keys(void **state)
{
    fixture *f = *state;
    assert_fails(f, "example.com/app", g.image, "good.asc",
                 "no keys are trusted for example.com/app", "orbit trust --prefix=");
    trust(f, K_GOOD, "example.com", false);
    assert_fails(f, "other.org/x", g.image, "good.asc", "no keys are trusted for other.org/x",
                 NULL);
    assert_fails(f, "example.community/x", g.image, "good.asc", "no keys are trusted", NULL);
}

static void test_verify_untrusted_signer(void **state)
{
    fixture *f = *state;
    trust(f, K_GOOD, "example.com", false);
    _cleanup_free_ char *want = xasprintf("signed by %s", g.fpr[K_OTHER]);
    assert_fails(f, "example.com/app", g.image, "other.asc", want,
                 "which is not trusted for example.com/app");
}

static void test_verify_bad_signature(void **state)
{
    fixture *f = *state;
    trust(f, K_GOOD, "example.com", false);
    _cleanup_free_ char *want = xasprintf("bad signature by %s", g.fpr[K_GOOD]);
    assert_fails(f, "example.com/app", g.tampered, "good.asc", want,
                 "the image does not match its signature");
    assert_fails(f, "example.com/app", g.image, "good-other-file.asc", want, NULL);
}

static void test_verify_not_a_signature(void **state)
{
    fixture *f = *state;
    trust(f, K_GOOD, "example.com", false);
    assert_fails(f, "example.com/app", g.image, "image.aci", "not an OpenPGP signature", NULL);
    assert_fails(f, "example.com/app", g.image, "missing.asc", "missing.asc", NULL);
}

static void test_verify_expired(void **state)
{
    fixture *f = *state;
    /* add refuses expired keys, so the file is put in place by hand */
    trust(f, K_GOOD, "example.com", false);
    _cleanup_free_ char *p =
        xasprintf("%s/trustedkeys/prefix.d/example.com/%s", f->ks.local_dir, g.fpr[K_EXPIRED]);
    write_file(p, g.pub[K_EXPIRED], g.pub_len[K_EXPIRED]);
    _cleanup_free_ char *want = xasprintf("signature by %s: the key has expired", g.fpr[K_EXPIRED]);
    assert_fails(f, "example.com/app", g.image, "expired.asc", want, NULL);
}

static void test_verify_revoked(void **state)
{
    fixture *f = *state;
    trust(f, K_REVOKED, "example.com", false); /* trusted, then revoked: */
    _cleanup_free_ char *data = NULL;
    size_t len = 0;
    _cleanup_error_ orb_error *err = NULL;
    assert_int_equal(orb_read_file(g.revoked_pub, ORB_KEY_FILE_MAX, &data, &len, &err), 0);
    _cleanup_free_ char *p =
        xasprintf("%s/trustedkeys/prefix.d/example.com/%s", f->ks.local_dir, g.fpr[K_REVOKED]);
    assert_verifies(f, "example.com/app", "revoked.asc");
    write_file(p, data, len);
    _cleanup_free_ char *want =
        xasprintf("signature by %s: the key has been revoked", g.fpr[K_REVOKED]);
    assert_fails(f, "example.com/app", g.image, "revoked.asc", want, NULL);
}

static void test_longest_prefix(void **state)
{
    fixture *f = *state;
    trust(f, K_GOOD, "example.com", false);
    trust(f, K_APP, "example.com/app", false);
    assert_verifies(f, "example.com/app/x", "app.asc");
    assert_verifies(f, "example.com/app", "app.asc");
    assert_fails(f, "example.com/app/x", g.image, "good.asc", "not trusted for example.com/app/x",
                 g.fpr[K_GOOD]);
    /* outside example.com/app the shorter prefix still rules */
    assert_verifies(f, "example.com/web", "good.asc");
    assert_fails(f, "example.com/web", g.image, "app.asc", "not trusted", NULL);
    assert_fails(f, "example.com/application", g.image, "app.asc", "not trusted", NULL);
}

static void test_root_keys(void **state)
{
    fixture *f = *state;
    trust(f, K_ROOT, NULL, false);
    assert_verifies(f, "anything.org/at/all", "root.sig");
    trust(f, K_APP, "example.com/app", false);
    assert_verifies(f, "example.com/app", "root.sig"); /* root keys join any prefix's keys */
    assert_verifies(f, "example.com/app", "app.asc");
}

static void test_system_keys_and_masking(void **state)
{
    fixture *f = *state;
    trust(f, K_SYS, "example.com", true);
    assert_verifies(f, "example.com/app", "sys.asc");
    orb_key_info *k = NULL;
    size_t n = 0;
    _cleanup_error_ orb_error *err = NULL;
    assert_int_equal(orb_keystore_list(&f->ks, &k, &n, &err), 0);
    assert_int_equal(n, 1);
    assert_true(k[0].system);
    orb_key_infos_free(k, n);

    assert_int_equal(orb_keystore_remove(&f->ks, g.fpr[K_SYS], &err), 0);
    _cleanup_free_ char *mask =
        xasprintf("%s/trustedkeys/prefix.d/example.com/%s", f->ks.local_dir, g.fpr[K_SYS]);
    struct stat st;
    assert_int_equal(stat(mask, &st), 0);
    assert_int_equal(st.st_size, 0);
    assert_int_equal(orb_keystore_list(&f->ks, &k, &n, &err), 0);
    assert_int_equal(n, 0);
    orb_key_infos_free(k, n);
    assert_fails(f, "example.com/app", g.image, "sys.asc", "no keys are trusted", NULL);
    /* a masked key does not count for the longest prefix either */
    trust(f, K_GOOD, "example.com", false);
    trust(f, K_SYS, "example.com/app", true);
    assert_int_equal(orb_keystore_remove(&f->ks, g.fpr[K_SYS], &err), 0);
    assert_verifies(f, "example.com/app", "good.asc");
}

static void test_remove(void **state)
{
    fixture *f = *state;
    trust(f, K_GOOD, "example.com", false);
    trust(f, K_GOOD, "example.org/x", false);
    trust(f, K_OTHER, NULL, false);
    _cleanup_error_ orb_error *err = NULL;
    /* upper case, spaces, 0x: all the same fingerprint */
    _cleanup_free_ char *spaced = xasprintf("0x%.20s %s", g.fpr[K_GOOD], g.fpr[K_GOOD] + 20);
    for (char *p = spaced + 2; *p; p++)
        *p = (char)(*p >= 'a' && *p <= 'f' ? *p - 'a' + 'A' : *p);
    assert_int_equal(orb_keystore_remove(&f->ks, spaced, &err), 0);
    orb_key_info *k = NULL;
    size_t n = 0;
    assert_int_equal(orb_keystore_list(&f->ks, &k, &n, &err), 0);
    assert_int_equal(n, 1);
    assert_string_equal(k[0].fingerprint, g.fpr[K_OTHER]);
    orb_key_infos_free(k, n);
    /* a long key ID */
    assert_int_equal(orb_keystore_remove(&f->ks, g.fpr[K_OTHER] + 24, &err), 0);
    assert_int_equal(orb_keystore_remove(&f->ks, g.fpr[K_OTHER], &err), -1);
    assert_int_equal(err->errnum, ENOENT);
    _cleanup_free_ char *want = xasprintf("no trusted key has fingerprint %s", g.fpr[K_OTHER]);
    assert_string_equal(err->msg, want);
    orb_error_free(TAKE_PTR(err));
    assert_int_equal(orb_keystore_remove(&f->ks, "not-hex", &err), -1);
    assert_non_null(strstr(err->msg, "not a key fingerprint"));
}

static void test_extra_key_in_file_not_trusted(void **state)
{
    /* A file named after one key but holding two: only the named key counts. */
    fixture *f = *state;
    trust(f, K_GOOD, "example.com", false);
    _cleanup_free_ char *p =
        xasprintf("%s/trustedkeys/prefix.d/example.com/%s", f->ks.local_dir, g.fpr[K_GOOD]);
    _cleanup_free_ char *both = xasprintf("%s%s", g.pub[K_GOOD], g.pub[K_OTHER]);
    write_file(p, both, strlen(both));
    assert_verifies(f, "example.com/app", "good.asc");
    assert_fails(f, "example.com/app", g.image, "other.asc", "not trusted", g.fpr[K_OTHER]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_inspect),
        cmocka_unit_test(test_inspect_expired_and_revoked),
        cmocka_unit_test(test_inspect_rejects_non_keys),
        cmocka_unit_test_setup_teardown(test_add_list_has_keys, setup, teardown),
        cmocka_unit_test_setup_teardown(test_add_two_keys_in_one_file, setup, teardown),
        cmocka_unit_test_setup_teardown(test_has_keys_for, setup, teardown),
        cmocka_unit_test_setup_teardown(test_add_rejects, setup, teardown),
        cmocka_unit_test_setup_teardown(test_verify_good, setup, teardown),
        cmocka_unit_test_setup_teardown(test_verify_subkey_signature, setup, teardown),
        cmocka_unit_test_setup_teardown(test_verify_no_keys, setup, teardown),
        cmocka_unit_test_setup_teardown(test_verify_untrusted_signer, setup, teardown),
        cmocka_unit_test_setup_teardown(test_verify_bad_signature, setup, teardown),
        cmocka_unit_test_setup_teardown(test_verify_not_a_signature, setup, teardown),
        cmocka_unit_test_setup_teardown(test_verify_expired, setup, teardown),
        cmocka_unit_test_setup_teardown(test_verify_revoked, setup, teardown),
        cmocka_unit_test_setup_teardown(test_longest_prefix, setup, teardown),
        cmocka_unit_test_setup_teardown(test_root_keys, setup, teardown),
        cmocka_unit_test_setup_teardown(test_system_keys_and_masking, setup, teardown),
        cmocka_unit_test_setup_teardown(test_remove, setup, teardown),
        cmocka_unit_test_setup_teardown(test_extra_key_in_file_not_trusted, setup, teardown),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
