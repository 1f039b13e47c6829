/* Trusted keys and signature verification.
 *
 * Keys are trusted for a name prefix or as root keys, as files named by their
 * lowercase hex fingerprint:
 *   <config>/trustedkeys/prefix.d/<prefix>/<fingerprint>
 *   <config>/trustedkeys/root.d/<fingerprint>
 * in the local config dir (/etc/orbit, written by `orbit trust`) and the
 * system config dir (/usr/lib/orbit, read only). An empty file in the local
 * dir masks the system key of that fingerprint (at the same place).
 *
 * An image named N is verified against the keys trusted for the longest
 * prefix of N that has any, plus the root keys; nothing else is in the
 * keyring gpgme checks against. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/error.h"

#define ORB_DEFAULT_LOCAL_CONFIG "/etc/orbit"
#define ORB_DEFAULT_SYSTEM_CONFIG "/usr/lib/orbit"
/* Key files are small; bigger ones are refused before they are read. */
#define ORB_KEY_FILE_MAX (1024 * 1024)

typedef struct orb_key_info {
    char *fingerprint; /* 40 lowercase hex digits */
    char **uids;       /* "Name <email>", NULL-terminated */
    int64_t created;   /* unix seconds */
    int64_t expires;   /* unix seconds, 0 = never */
    bool revoked, expired;
    char *prefix;      /* NULL for a root key */
    bool system;       /* from the system dir */
    char *path;        /* the file (NULL for a key not yet stored) */
} orb_key_info;

void orb_key_infos_free(orb_key_info *k, size_t n);

/* The keys in an OpenPGP key file (armored or binary). Anything that is not
 * a public key is an error naming `source` ("x.gpg: not an OpenPGP public
 * key"). */
int orb_key_inspect(const char *data, size_t len, const char *source, orb_key_info **ret,
                    size_t *ret_n, orb_error **err);

typedef struct orb_keystore {
    char *local_dir;  /* /etc/orbit */
    char *system_dir; /* /usr/lib/orbit */
} orb_keystore;

/* Trusts every key in data for prefix (NULL: as root keys), each written
 * atomically to the local dir. Returns the fingerprints added. A prefix must
 * be an AC Identifier. */
int orb_keystore_add(const orb_keystore *ks, const char *data, size_t len, const char *source,
                     const char *prefix, char ***ret_fingerprints, orb_error **err);
/* Stops trusting a key: its local files are removed, and a system key is
 * masked by an empty local file. ENOENT when no key has that fingerprint. */
int orb_keystore_remove(const orb_keystore *ks, const char *fingerprint, orb_error **err);
/* Every trusted key, local and system (masked ones left out). */
int orb_keystore_list(const orb_keystore *ks, orb_key_info **ret, size_t *ret_n, orb_error **err);
/* Whether any key is trusted for name (by a prefix of it, or as root). */
int orb_keystore_has_keys_for(const orb_keystore *ks, const char *name, bool *ret, orb_error **err);

/* Verifies a detached signature (armored or binary) of the file at
 * data_path, made by a key trusted for name. The error names the key's
 * fingerprint when it is known: "signature by 0123… : key expired", "…: key
 * revoked", "bad signature by …", "signed by 0123…, which is not trusted for
 * example.com/app". ret_fingerprint (may be NULL) gets the signer's. */
int orb_verify_signature(const orb_keystore *ks, const char *name, const char *data_path,
                         const char *signature_path, char **ret_fingerprint, orb_error **err);
