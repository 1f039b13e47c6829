/* gpgme plumbing and key inspection.
 *
 * Every operation runs in a fresh GNUPGHOME made with mkdtemp and removed
 * afterwards; the engine is pointed at it per context
 * (gpgme_ctx_set_engine_info), never through the process environment. Its
 * gpg.conf says "no-autostart": importing, listing, exporting public keys and
 * verifying never need gpg-agent or dirmngr, so none is ever spawned and
 * nothing outlives the directory. "trust-model always" keeps gpg from
 * building a trust database: which keys are trusted is decided by us, by
 * choosing which keys go into the keyring at all. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "trust/gpg.h"
#include "util/fs_remove.h"
#include "util/mem.h"

static const char gpg_conf[] = "no-autostart\n"
                               "trust-model always\n"
                               "no-auto-key-retrieve\n"
                               "no-greeting\n"
                               "no-permission-warning\n";

void orb_key_infos_free(orb_key_info *k, size_t n)
{
    for (size_t i = 0; k && i < n; i++) {
        free(k[i].fingerprint);
        strv_free(k[i].uids);
        free(k[i].prefix);
        free(k[i].path);
    }
    free(k);
}

int orb_gpg_err(orb_error **err, gpgme_error_t e, const char *what)
{
    return orb_err(err, EIO, "%s: %s", what, sym_gpgme_strerror(e));
}

static int engine_init(orb_error **err)
{
    if (orb_gpgme_load(err) < 0)
        return -1;
    gpgme_error_t e = sym_gpgme_engine_check_version(GPGME_PROTOCOL_OpenPGP);
    if (e)
        return orb_gpg_err(err, e, "gpgme: no usable gpg engine");
    return 0;
}

static int write_conf(const char *home, orb_error **err)
{
    _cleanup_free_ char *path = xasprintf("%s/gpg.conf", home);
    FILE *f = fopen(path, "we");
    if (!f)
        return orb_err_sys(err, errno, "create %s", path);
    bool ok = fputs(gpg_conf, f) >= 0;
    ok = (fclose(f) == 0) && ok;
    return ok ? 0 : orb_err_sys(err, errno, "write %s", path);
}

static int new_ctx(orb_gpg *g, orb_error **err)
{
    gpgme_error_t e = sym_gpgme_new(&g->ctx);
    if (e)
        return orb_gpg_err(err, e, "gpgme: create context");
    e = sym_gpgme_set_protocol(g->ctx, GPGME_PROTOCOL_OpenPGP);
    if (!e)
        e = sym_gpgme_ctx_set_engine_info(g->ctx, GPGME_PROTOCOL_OpenPGP, NULL, g->home);
    if (!e)
        e = sym_gpgme_set_keylist_mode(g->ctx, GPGME_KEYLIST_MODE_LOCAL);
    if (e)
        return orb_gpg_err(err, e, "gpgme: set up context");
    sym_gpgme_set_offline(g->ctx, 1);
    sym_gpgme_set_armor(g->ctx, 1);
    return 0;
}

int orb_gpg_open(orb_gpg *g, orb_error **err)
{
    *g = (orb_gpg){0};
    if (engine_init(err) < 0)
        return -1;
    char tmpl[] = "/tmp/orbit-gpg-XXXXXX"; /* short: gpg puts sockets in it */
    if (!mkdtemp(tmpl))
        return orb_err_sys(err, errno, "create temporary gpg home");
    g->home = xstrdup(tmpl); /* mkdtemp makes it 0700 */
    if (write_conf(g->home, err) < 0 || new_ctx(g, err) < 0) {
        orb_gpg_close(g);
        return -1;
    }
    return 0;
}

void orb_gpg_close(orb_gpg *g)
{
    if (g->ctx)
        sym_gpgme_release(g->ctx);
    g->ctx = NULL;
    if (g->home) {
        _cleanup_error_ orb_error *ignored = NULL;
        orb_rm_rf(g->home, &ignored);
    }
    free(g->home);
    g->home = NULL;
}

int orb_gpg_import(orb_gpg *g, const char *data, size_t len, const char *source, bool *ret_secret,
                   orb_error **err)
{
    gpgme_data_t d = NULL;
    gpgme_error_t e = sym_gpgme_data_new_from_mem(&d, data, len, 0);
    if (e)
        return orb_gpg_err(err, e, source);
    e = sym_gpgme_op_import(g->ctx, d);
    sym_gpgme_data_release(d);
    gpgme_import_result_t r = e ? NULL : sym_gpgme_op_import_result(g->ctx);
    if (ret_secret)
        *ret_secret = r && r->secret_read > 0;
    /* Data that is no key at all is not an error for gpg, just nothing
     * imported; callers tell that from an empty key list. */
    if (e && gpgme_err_code(e) != GPG_ERR_NO_DATA)
        return orb_gpg_err(err, e, source);
    return 0;
}

static char *lower_dup(const char *s)
{
    char *r = xstrdup(s ? s : "");
    for (char *p = r; *p; p++)
        *p = (char)tolower((unsigned char)*p);
    return r;
}

static void fill_info(orb_key_info *k, gpgme_key_t key)
{
    k->fingerprint = lower_dup(key->subkeys ? key->subkeys->fpr : key->fpr);
    k->uids = xcalloc(1, sizeof(char *));
    for (gpgme_user_id_t u = key->uids; u; u = u->next)
        if (u->uid)
            strv_push(&k->uids, u->uid);
    k->created = key->subkeys ? key->subkeys->timestamp : 0;
    k->expires = key->subkeys ? key->subkeys->expires : 0;
    k->revoked = key->revoked;
    k->expired = key->expired;
}

int orb_gpg_list(orb_gpg *g, orb_key_info **ret, size_t *ret_n, orb_error **err)
{
    orb_key_info *v = NULL;
    size_t n = 0;
    gpgme_error_t e = sym_gpgme_op_keylist_start(g->ctx, NULL, 0);
    gpgme_key_t key;
    while (!e && !(e = sym_gpgme_op_keylist_next(g->ctx, &key))) {
        fill_info(xgrow(&v, &n, sizeof(*v)), key);
        sym_gpgme_key_unref(key);
    }
    sym_gpgme_op_keylist_end(g->ctx);
    if (gpgme_err_code(e) != GPG_ERR_EOF) {
        orb_key_infos_free(v, n);
        return orb_gpg_err(err, e, "gpgme: list keys");
    }
    *ret = v;
    *ret_n = n;
    return 0;
}

int orb_gpg_export(orb_gpg *g, const char *fingerprint, char **ret, size_t *ret_len,
                   orb_error **err)
{
    gpgme_data_t out = NULL;
    gpgme_error_t e = sym_gpgme_data_new(&out);
    if (!e)
        e = sym_gpgme_op_export(g->ctx, fingerprint, 0, out);
    if (e) {
        sym_gpgme_data_release(out);
        return orb_gpg_err(err, e, "gpgme: export key");
    }
    size_t len = 0;
    char *mem = sym_gpgme_data_release_and_get_mem(out, &len);
    if (!mem || len == 0) {
        sym_gpgme_free(mem);
        return orb_err(err, ENOENT, "gpgme: export key %s: nothing exported", fingerprint);
    }
    *ret = xstrndup(mem, len);
    *ret_len = len;
    sym_gpgme_free(mem);
    return 0;
}

int orb_gpg_load_keys(orb_gpg *g, const char *data, size_t len, const char *source,
                      orb_key_info **ret, size_t *ret_n, orb_error **err)
{
    if (len > ORB_KEY_FILE_MAX)
        return orb_err(err, EFBIG, "%s: too big for a key file (more than %d bytes)", source,
                       ORB_KEY_FILE_MAX);
    bool secret = false;
    orb_key_info *v = NULL;
    size_t n = 0;
    if (orb_gpg_import(g, data, len, source, &secret, err) < 0 || orb_gpg_list(g, &v, &n, err) < 0)
        return -1;
    if (secret || n == 0) {
        orb_key_infos_free(v, n);
        /* A secret key file is refused too: trusting one is almost always
         * the wrong file, and it should not be copied around. */
        return orb_err(err, EINVAL, "%s: not an OpenPGP public key%s", source,
                       secret ? " (it holds a secret key)" : "");
    }
    *ret = v;
    *ret_n = n;
    return 0;
}

int orb_key_inspect(const char *data, size_t len, const char *source, orb_key_info **ret,
                    size_t *ret_n, orb_error **err)
{
    orb_gpg g;
    if (orb_gpg_open(&g, err) < 0)
        return -1;
    int r = orb_gpg_load_keys(&g, data, len, source, ret, ret_n, err);
    orb_gpg_close(&g);
    return r;
}
