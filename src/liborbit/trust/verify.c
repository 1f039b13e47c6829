/* Detached-signature verification against the keys trusted for a name.
 *
 * The keyring gpg checks against is built fresh for each verification and
 * holds only the keys chosen for the name, so "gpg knows the key" already
 * means "we trust the key". gpg itself rates such keys of unknown validity
 * (there is no ownertrust in a throw-away keyring), so GPGME_SIGSUM_VALID
 * is never looked at: a signature is accepted when its status is
 * GPG_ERR_NO_ERROR, no summary bit says bad, expired or revoked, and the
 * signer's primary key is one of the chosen keys by fingerprint (a key
 * file might hold more keys than the one it is named after). */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "trust/gpg.h"
#include "util/fs.h"
#include "util/mem.h"

#define SIGNATURE_MAX (1024 * 1024)

static char *lower_dup(const char *s)
{
    char *r = xstrdup(s ? s : "(unknown key)");
    for (char *p = r; *p; p++)
        *p = (char)tolower((unsigned char)*p);
    return r;
}

static int import_keys(orb_gpg *g, const orb_key_info *keys, size_t n, orb_error **err)
{
    for (size_t i = 0; i < n; i++) {
        _cleanup_free_ char *data = NULL;
        size_t len = 0;
        if (orb_read_file(keys[i].path, ORB_KEY_FILE_MAX, &data, &len, err) < 0 ||
            orb_gpg_import(g, data, len, keys[i].path, NULL, err) < 0)
            return orb_err_wrap(err, "trusted key %s", keys[i].fingerprint);
    }
    return 0;
}

static bool is_chosen(const orb_key_info *keys, size_t n, const char *fpr)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(keys[i].fingerprint, fpr) == 0)
            return true;
    return false;
}

/* The signer's primary key fingerprint when the keyring has the key (a
 * signature may name a subkey), else what the signature says (a
 * fingerprint or a long key ID). */
static char *signer_of(orb_gpg *g, const char *sig_fpr)
{
    gpgme_key_t key = NULL;
    if (sig_fpr && sym_gpgme_get_key(g->ctx, sig_fpr, &key, 0) == 0 && key && key->subkeys) {
        char *r = lower_dup(key->subkeys->fpr);
        sym_gpgme_key_unref(key);
        return r;
    }
    return lower_dup(sig_fpr);
}

static int check_sig(orb_gpg *g, gpgme_signature_t sig, const orb_key_info *keys, size_t n,
                     const char *name, char **ret_fpr, orb_error **err)
{
    _cleanup_free_ char *fpr = signer_of(g, sig->fpr);
    gpgme_err_code_t code = gpgme_err_code(sig->status);
    gpgme_sigsum_t sum = sig->summary;
    if (code == GPG_ERR_NO_PUBKEY || (sum & GPGME_SIGSUM_KEY_MISSING))
        return orb_err(err, ENOKEY, "signed by %s, which is not trusted for %s", fpr, name);
    if (code == GPG_ERR_BAD_SIGNATURE)
        return orb_err(err, EBADMSG, "bad signature by %s: the image does not match its signature",
                       fpr);
    if (code == GPG_ERR_CERT_REVOKED || (sum & GPGME_SIGSUM_KEY_REVOKED))
        return orb_err(err, EKEYREVOKED, "signature by %s: the key has been revoked", fpr);
    if (code == GPG_ERR_KEY_EXPIRED || (sum & GPGME_SIGSUM_KEY_EXPIRED))
        return orb_err(err, EKEYEXPIRED, "signature by %s: the key has expired", fpr);
    if (code == GPG_ERR_SIG_EXPIRED || (sum & GPGME_SIGSUM_SIG_EXPIRED))
        return orb_err(err, EKEYEXPIRED, "signature by %s has expired", fpr);
    if (code != GPG_ERR_NO_ERROR || (sum & GPGME_SIGSUM_RED))
        return orb_err(err, EBADMSG, "signature by %s is not valid: %s", fpr,
                       sym_gpgme_strerror(sig->status));
    if (!is_chosen(keys, n, fpr))
        return orb_err(err, ENOKEY, "signed by %s, which is not trusted for %s", fpr, name);
    *ret_fpr = TAKE_PTR(fpr);
    return 0;
}

/* Any one good signature by a chosen key will do; otherwise the first
 * signature's failure is the answer. */
static int check_result(orb_gpg *g, const orb_key_info *keys, size_t n, const char *name,
                        const char *signature_path, char **ret_fpr, orb_error **err)
{
    gpgme_verify_result_t res = sym_gpgme_op_verify_result(g->ctx);
    if (!res || !res->signatures)
        return orb_err(err, EBADMSG, "%s: holds no OpenPGP signature", signature_path);
    _cleanup_error_ orb_error *first = NULL;
    for (gpgme_signature_t s = res->signatures; s; s = s->next) {
        orb_error *e = NULL;
        if (check_sig(g, s, keys, n, name, ret_fpr, &e) == 0)
            return 0;
        if (!first)
            first = e;
        else
            orb_error_free(e);
    }
    if (err && !*err)
        *err = TAKE_PTR(first);
    return -1;
}

static int run_verify(orb_gpg *g, const char *data_path, const char *signature_path,
                      orb_error **err)
{
    _cleanup_free_ char *sig = NULL;
    size_t sig_len = 0;
    if (orb_read_file(signature_path, SIGNATURE_MAX, &sig, &sig_len, err) < 0)
        return -1;
    _cleanup_close_ int fd = open(data_path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return orb_err_sys(err, errno, "open %s", data_path);
    gpgme_data_t sig_d = NULL, data_d = NULL;
    gpgme_error_t e = sym_gpgme_data_new_from_mem(&sig_d, sig, sig_len, 0);
    if (!e)
        e = sym_gpgme_data_new_from_fd(&data_d, fd);
    if (!e)
        e = sym_gpgme_op_verify(g->ctx, sig_d, data_d, NULL);
    sym_gpgme_data_release(sig_d);
    sym_gpgme_data_release(data_d);
    if (gpgme_err_code(e) == GPG_ERR_NO_DATA)
        return orb_err(err, EBADMSG, "%s: not an OpenPGP signature", signature_path);
    return e ? orb_gpg_err(err, e, "verify signature") : 0;
}

int orb_verify_signature(const orb_keystore *ks, const char *name, const char *data_path,
                         const char *signature_path, char **ret_fingerprint, orb_error **err)
{
    orb_key_info *keys = NULL;
    size_t n = 0;
    if (orb_keystore_select(ks, name, &keys, &n, err) < 0)
        return -1;
    if (n == 0) {
        orb_key_infos_free(keys, n);
        return orb_err(err, ENOKEY,
                       "no keys are trusted for %s (add one with `orbit trust --prefix=%s`)", name,
                       name);
    }
    orb_gpg g;
    _cleanup_free_ char *fpr = NULL;
    int r = orb_gpg_open(&g, err);
    if (r == 0)
        r = import_keys(&g, keys, n, err);
    if (r == 0)
        r = run_verify(&g, data_path, signature_path, err);
    if (r == 0)
        r = check_result(&g, keys, n, name, signature_path, &fpr, err);
    orb_gpg_close(&g);
    orb_key_infos_free(keys, n);
    if (r == 0 && ret_fingerprint)
        *ret_fingerprint = TAKE_PTR(fpr);
    return r;
}
