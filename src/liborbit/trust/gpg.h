/* Private to trust/: a throw-away gpgme context and the key-file scan shared
 * by the keystore and verification. */
#pragma once

#include <gpgme.h>
#include <stdbool.h>
#include <stddef.h>

#include "trust/gpgme_api.h"
#include "trust/trust.h"
#include "util/error.h"

/* A gpgme context whose engine home is a fresh private directory, so no
 * operation ever sees (or changes) the user's ~/.gnupg. */
typedef struct orb_gpg {
    char *home;
    gpgme_ctx_t ctx;
} orb_gpg;

int orb_gpg_open(orb_gpg *g, orb_error **err);
/* Releases the context and removes the home; safe on a zeroed or closed g. */
void orb_gpg_close(orb_gpg *g);
/* Imports key data; *ret_secret tells whether it held secret keys. */
int orb_gpg_import(orb_gpg *g, const char *data, size_t len, const char *source, bool *ret_secret,
                   orb_error **err);
/* Imports data into an empty keyring and lists its keys; anything but
 * public keys is "<source>: not an OpenPGP public key". */
int orb_gpg_load_keys(orb_gpg *g, const char *data, size_t len, const char *source,
                      orb_key_info **ret, size_t *ret_n, orb_error **err);
/* Every public key in the keyring (only the key fields of orb_key_info). */
int orb_gpg_list(orb_gpg *g, orb_key_info **ret, size_t *ret_n, orb_error **err);
/* The ASCII-armored export of one key. */
int orb_gpg_export(orb_gpg *g, const char *fingerprint, char **ret, size_t *ret_len,
                   orb_error **err);
/* Sets *err from a gpgme error: "<what>: <gpgme's reason>". */
int orb_gpg_err(orb_error **err, gpgme_error_t e, const char *what);

/* The keys trusted for name: those of the longest prefix with any, plus
 * the root keys (only fingerprint, prefix, system and path are set). */
int orb_keystore_select(const orb_keystore *ks, const char *name, orb_key_info **ret, size_t *ret_n,
                        orb_error **err);
