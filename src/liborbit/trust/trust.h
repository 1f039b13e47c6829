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
 * keyring gpgme checks against. Prefixes match by path segments:
 * "example.com" covers "example.com" and "example.com/app", never
 * "example.community". (rkt instead trusts the keys of every ancestor
 * prefix together.)
 *
 * Every gpg operation runs in a private temporary GNUPGHOME that is removed
 * afterwards; no gpg-agent or dirmngr is ever started, and the user's
 * ~/.gnupg is never read. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/error.h"

#define ORB_DEFAULT_LOCAL_CONFIG  "/etc/orbit"
#define ORB_DEFAULT_SYSTEM_CONFIG "/usr/lib/orbit"
/* Key files are small; bigger ones are refused before they are read. */
#define ORB_KEY_FILE_MAX (1024 * 1024)

typedef struct orb_key_info {
    char *fingerprint; /* 40 lowercase hex digits */
    char **uids;       /* "Name <email>", NULL-terminated */
    int64_t created;   /* unix seconds */
    int64_t expires;   /* unix seconds, 0 = never */
    bool revoked, expired;
    char *prefix; /* NULL for a root key */
    bool system;  /* from the system dir */
    char *path;   /* the file (NULL for a key not yet stored) */
} orb_key_info;

void orb_key_infos_free(orb_key_info *k, size_t n);

/* The keys in an OpenPGP key file (armored or binary). Anything that is not
 * a public key (a signature, random bytes, a secret key) is an error naming
 * `source` ("x.gpg: not an OpenPGP public key"); more than ORB_KEY_FILE_MAX
 * bytes is EFBIG. */
int orb_key_inspect(const char *data, size_t len, const char *source, orb_key_info **ret,
                    size_t *ret_n, orb_error **err);

typedef struct orb_keystore {
    char *local_dir;  /* /etc/orbit */
    char *system_dir; /* /usr/lib/orbit */
} orb_keystore;

/* Trusts every key in data for prefix (NULL: as root keys), each written
 * atomically to the local dir (its ASCII-armored export, alone in its file;
 * adding a key again overwrites it). Returns the fingerprints added
 * (ret_fingerprints may be NULL). A prefix must be an AC Identifier with no
 * empty, "." or ".." segment. Expired or revoked keys are refused, all of
 * the file's keys then ("k.asc: key <fpr> is revoked" / "... has expired"). */
int orb_keystore_add(const orb_keystore *ks, const char *data, size_t len, const char *source,
                     const char *prefix, char ***ret_fingerprints, orb_error **err);
/* Stops trusting a key, under every prefix and as a root key: its local
 * files are removed, and a system key is masked by an empty local file.
 * The fingerprint may have any case, spaces and a "0x"; a 16-digit long key
 * ID is accepted when one trusted key ends with it. ENOENT ("no trusted key
 * has fingerprint X") when no key matches. */
int orb_keystore_remove(const orb_keystore *ks, const char *fingerprint, orb_error **err);
/* Every trusted key, local and system (masked and shadowed ones left out),
 * root keys first, then by prefix and fingerprint. uids and dates come from
 * the files (left empty for a file gpg cannot read). */
int orb_keystore_list(const orb_keystore *ks, orb_key_info **ret, size_t *ret_n, orb_error **err);
/* Whether any key is trusted for name (by a prefix of it, or as root). */
int orb_keystore_has_keys_for(const orb_keystore *ks, const char *name, bool *ret, orb_error **err);

/* Verifies a detached signature (armored or binary) of the file at
 * data_path, made by a key trusted for name. The error names the key's
 * primary fingerprint when it is known (else the key ID the signature gives):
 *   "no keys are trusted for N (add one with `orbit trust --prefix=N`)" ENOKEY
 *   "signed by <fpr>, which is not trusted for N"                       ENOKEY
 *   "bad signature by <fpr>: the image does not match its signature"    EBADMSG
 *   "signature by <fpr>: the key has expired"                           EKEYEXPIRED
 *   "signature by <fpr>: the key has been revoked"                      EKEYREVOKED
 *   "<sig>: not an OpenPGP signature"                                   EBADMSG
 * With several signatures in the file, one good one suffices.
 * ret_fingerprint (may be NULL) gets the signer's primary key fingerprint. */
int orb_verify_signature(const orb_keystore *ks, const char *name, const char *data_path,
                         const char *signature_path, char **ret_fingerprint, orb_error **err);
