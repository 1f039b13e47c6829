/* Signatures of fetched images: verified against the keys trusted for the
 * image's name before any byte of the image reaches the store. */
#include <errno.h>
#include <string.h>

#include "aci/aci.h"
#include "discovery/discovery.h"
#include "fetch/fetch.h"
#include "store/acquire.h"
#include "trust/trust.h"
#include "util/fs.h"
#include "util/fs_remove.h"
#include "util/mem.h"
#include "util/strv.h"

/* The name the image claims, to pick the keys with. Only the start of the
 * image is read: the import checks all of it, name included, afterwards. */
static int manifest_name(const char *data_path, char **ret, orb_error **err)
{
    _cleanup_free_ char *json = NULL;
    size_t len = 0;
    _cleanup_(orb_image_manifest_freep) orb_image_manifest *m = NULL;
    if (orb_aci_peek_manifest(data_path, &json, &len, err) < 0 ||
        orb_image_manifest_load(json, len, &m, err) < 0)
        return -1;
    *ret = xstrdup(m->name);
    return 0;
}

/* Fetches one discovered key over verified HTTPS and trusts it for prefix. */
static int trust_key_from(orb_acquisition *a, const char *url, const char *prefix, const char *tmp,
                          orb_error **err)
{
    if (strncmp(url, "https://", 8) != 0)
        return orb_err(err, EPERM, "%s: keys are trusted automatically only over https", url);
    orb_fetch_options f = {.tmp_dir = tmp,
                           .max_size = ORB_KEY_FILE_MAX,
                           .auth = a->o->auth,
                           .auth_config_dir = a->o->config_dir};
    orb_download d = {0};
    _cleanup_free_ char *data = NULL;
    _cleanup_strv_ char **fingerprints = NULL;
    size_t len = 0;
    int r = orb_fetch(url, &f, &d, err);
    if (r == 0)
        r = orb_read_file(d.path, ORB_KEY_FILE_MAX, &data, &len, err);
    if (r == 0)
        r = orb_keystore_add(a->o->keystore, data, len, url, prefix, &fingerprints, err);
    for (char **fpr = fingerprints; r == 0 && *fpr; fpr++)
        orb_acquire_notice(a, "trusting key %s for %s, fetched from %s (--trust-keys-from-https)",
                           *fpr, prefix, url);
    orb_download_clear(&d);
    return r;
}

/* --trust-keys-from-https: the keys discovery names for the image's prefix. */
static int trust_discovered_keys(orb_acquisition *a, const char *name, orb_error **err)
{
    orb_discovery_options o = {.walks = ORB_DISCOVER_PUBKEYS, .auth = a->o->auth};
    orb_kv_list no_labels = {0};
    orb_discovery_result found = {0};
    if (orb_discover(name, &no_labels, &o, &found, err) < 0)
        return orb_err_wrap(err, "find keys for %s", name);
    _cleanup_free_ char *tmp = NULL;
    int r = orb_store_mkdtemp(a->store, "keys", &tmp, err);
    for (char **url = found.pubkeys; r == 0 && url && *url; url++)
        r = trust_key_from(a, *url, found.pubkeys_prefix, tmp, err);
    orb_discovery_result_clear(&found);
    if (tmp) {
        _cleanup_error_ orb_error *ignored = NULL;
        orb_rm_rf(tmp, &ignored);
    }
    return r;
}

int orb_acquire_check_signature(orb_acquisition *a, const char *source, const char *name,
                                const char *data_path, const char *sig_path, orb_error **err)
{
    if (a->o->insecure & ORB_INSECURE_IMAGE) {
        orb_acquire_notice(a, "%s: signature not verified (--insecure-options=image)", source);
        return 0;
    }
    if (!sig_path)
        return orb_err(err, EPERM,
                       "%s: no signature found (use --insecure-options=image to accept unsigned "
                       "images)",
                       source);
    _cleanup_free_ char *own_name = NULL;
    if (!name && manifest_name(data_path, &own_name, err) < 0)
        return orb_err_wrap(err, "%s", source);
    name = name ? name : own_name;
    if (!a->o->keystore)
        return orb_err(err, EPERM, "%s: no keystore to verify the signature with", source);
    bool trusted = false;
    if (orb_keystore_has_keys_for(a->o->keystore, name, &trusted, err) < 0)
        return -1;
    if (!trusted && a->o->trust_keys_from_https && trust_discovered_keys(a, name, err) < 0)
        return orb_err_wrap(err, "%s", source);
    if (orb_verify_signature(a->o->keystore, name, data_path, sig_path, NULL, err) < 0)
        return orb_err_wrap(err, "%s", source);
    return 0;
}
