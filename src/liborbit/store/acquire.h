/* Getting an image into the store from wherever it is: a file, a URL, or the
 * store itself, under a pull policy, with its signature and dependencies.
 * This is the library side of `orbit fetch` (and of `run` later). */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "schema/manifest.h"
#include "store/store.h"
#include "util/progress.h"

typedef enum orb_pull_policy {
    ORB_PULL_NEVER,  /* the store only */
    ORB_PULL_NEW,    /* the store first, fetch what is missing */
    ORB_PULL_UPDATE, /* ask the source again; reuse the stored copy if unchanged */
} orb_pull_policy;

int orb_pull_policy_from_name(const char *name, orb_pull_policy *ret);

/* What --insecure-options relaxes (rkt's names). */
enum {
    ORB_INSECURE_HTTP = 1 << 0,   /* plain http:// allowed */
    ORB_INSECURE_TLS = 1 << 1,    /* TLS certificates not checked */
    ORB_INSECURE_IMAGE = 1 << 2,  /* image signatures not verified */
    ORB_INSECURE_PUBKEY = 1 << 3, /* keys fetched without verification */
    ORB_INSECURE_ALL_FETCH =
        ORB_INSECURE_HTTP | ORB_INSECURE_TLS | ORB_INSECURE_IMAGE | ORB_INSECURE_PUBKEY,
};

/* "none", or a comma-separated list of http, tls, image, pubkey, all-fetch, all. */
int orb_insecure_from_string(const char *s, unsigned *ret, orb_error **err);

struct orb_keystore;
struct orb_auth;

typedef struct orb_acquire_options {
    orb_pull_policy pull;
    unsigned insecure;
    const struct orb_keystore *keystore; /* keys to verify signatures with */
    bool trust_keys_from_https;          /* trust discovered keys fetched over verified HTTPS */
    const struct orb_auth *auth;         /* credentials for HTTP servers; may be NULL */
    const char *config_dir;              /* where auth.d/ lives, for messages */
    char **dependency_dirs;              /* extra places to look for dependencies; may be NULL */
    uint64_t max_size;                   /* uncompressed size limit per image; 0 = default */
    const orb_progress *progress;
    /* Things the user must hear about (anything insecure that happened);
     * may be NULL. */
    void (*notice)(void *ctx, const char *message);
    void *notice_ctx;
} orb_acquire_options;

/* Gets the image named by source into the store and returns its ID:
 * - a full or prefix image ID: the store only;
 * - a path or file:// URL of an ACI (its signature is the sibling X.aci.asc);
 * - an http(s):// URL of an ACI (signature at URL.asc), with the HTTP cache;
 * - a name with labels ("example.com/app:1.0,channel=beta"): the store, or
 *   meta discovery over HTTPS (os and arch default to the host's, version to
 *   "latest"), the image checked to carry the name and labels asked for.
 * Unless o->insecure has ORB_INSECURE_IMAGE, the image's detached signature
 * must verify with a key trusted for its name before any byte is imported.
 * Then every dependency is found in the store by imageID or by name and
 * labels, else fetched from beside the image or from o->dependency_dirs,
 * checked against its imageID and size, recursively. */
int orb_acquire(orb_store *s, const char *source, const orb_acquire_options *o,
                char ret_id[ORB_IMAGE_ID_LEN + 1], orb_error **err);

/* ---- shared by acquire.c and acquire_deps.c ------------------------------ */

/* What an image being acquired must be (a dependency's declared identity). */
typedef struct orb_expectation {
    const char *id;            /* NULL or an image ID (possibly a loose prefix) */
    const char *name;          /* NULL or the manifest name */
    const orb_kv_list *labels; /* NULL or labels the manifest must match */
    bool has_size;
    uint64_t size; /* uncompressed tar bytes */
} orb_expectation;

/* One acquisition: the images it added, so a failure can take them back and
 * leave the store as it was. */
typedef struct orb_acquisition {
    orb_store *store;
    const orb_acquire_options *o;
    char **added; /* image IDs newly stored by this acquisition */
} orb_acquisition;

void orb_acquire_notice(const orb_acquisition *a, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Accepts a fetched file only with a good signature by a key trusted for
 * name (read from the image's manifest when NULL), or when the user allowed
 * unverified images. sig_path may be NULL (no signature found). */
int orb_acquire_check_signature(orb_acquisition *a, const char *source, const char *name,
                                const char *data_path, const char *sig_path, orb_error **err);
/* Fetches url (and its signature from sig_url, or url.asc when NULL) under the
 * pull policy and the HTTP cache: 1 and ret_id, 0 when optional and absent. */
int orb_acquire_url(orb_acquisition *a, const char *url, const char *sig_url, const char *name,
                    bool optional, const orb_expectation *exp, char ret_id[ORB_IMAGE_ID_LEN + 1],
                    orb_error **err);
/* Finds name (with the labels asked for) by meta discovery and fetches it
 * from the first endpoint that has it, checked against exp (may be NULL). */
int orb_acquire_discover(orb_acquisition *a, const char *name, const orb_kv_list *asked,
                         const orb_expectation *exp, char ret_id[ORB_IMAGE_ID_LEN + 1],
                         orb_error **err);
/* A name (with labels) from the store or by discovery. */
int orb_acquire_by_name(orb_acquisition *a, const char *ref, char ret_id[ORB_IMAGE_ID_LEN + 1],
                        orb_error **err);

/* Fetches a local file or URL into the store: 1 and ret_id when done, 0 when
 * an optional source does not exist (a dependency candidate), -1 on error. */
int orb_acquire_location(orb_acquisition *a, const char *location, bool optional,
                         const orb_expectation *exp, char ret_id[ORB_IMAGE_ID_LEN + 1],
                         orb_error **err);
/* Resolves (and fetches) the dependencies of a stored image, recursively.
 * origin is where the image came from (its file or URL), or NULL. */
int orb_acquire_dependencies(orb_acquisition *a, const char *id, const char *origin,
                             orb_error **err);
/* The parsed manifest of a stored image (from its tree). */
int orb_store_load_manifest(orb_store *s, const char *id, orb_image_manifest **ret,
                            orb_error **err);
