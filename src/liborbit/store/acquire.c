#include "store/acquire.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "fetch/fetch.h"
#include "store/import.h"
#include "util/clock.h"
#include "util/fs.h"
#include "util/fs_remove.h"
#include "util/mem.h"
#include "util/strv.h"

int orb_pull_policy_from_name(const char *name, orb_pull_policy *ret)
{
    static const char *const names[] = {
        [ORB_PULL_NEVER] = "never", [ORB_PULL_NEW] = "new", [ORB_PULL_UPDATE] = "update"};
    for (size_t i = 0; i < ARRAY_SIZE(names); i++)
        if (strcmp(name, names[i]) == 0) {
            *ret = (orb_pull_policy)i;
            return 0;
        }
    return -1;
}

int orb_insecure_from_string(const char *s, unsigned *ret, orb_error **err)
{
    static const struct {
        const char *name;
        unsigned bits;
    } options[] = {
        {"none", 0},
        {"http", ORB_INSECURE_HTTP},
        {"tls", ORB_INSECURE_TLS},
        {"image", ORB_INSECURE_IMAGE},
        {"pubkey", ORB_INSECURE_PUBKEY},
        {"all-fetch", ORB_INSECURE_ALL_FETCH},
        {"all", ORB_INSECURE_ALL_FETCH},
    };
    _cleanup_strv_ char **words = strv_split(s, ',');
    unsigned bits = 0;
    for (char **w = words; *w; w++) {
        size_t i = 0;
        while (i < ARRAY_SIZE(options) && strcmp(*w, options[i].name) != 0)
            i++;
        if (i == ARRAY_SIZE(options))
            return orb_err(err, EINVAL,
                           "insecure option \"%s\": unknown (use none, http, tls, image, pubkey, "
                           "all-fetch or all)",
                           *w);
        bits |= options[i].bits;
    }
    *ret = bits;
    return 0;
}

void orb_acquire_notice(const orb_acquisition *a, const char *fmt, ...)
{
    if (!a->o->notice)
        return;
    va_list ap;
    va_start(ap, fmt);
    _cleanup_free_ char *msg = xvasprintf(fmt, ap);
    va_end(ap);
    a->o->notice(a->o->notice_ctx, msg);
}

static int import_checked(orb_acquisition *a, const char *path, const char *source, const char *sig,
                          bool take_file, const orb_expectation *exp,
                          char ret_id[ORB_IMAGE_ID_LEN + 1], orb_error **err)
{
    orb_import_options io = {
        .expected_id = exp ? exp->id : NULL,
        .expected_name = exp ? exp->name : NULL,
        .expected_labels = exp ? exp->labels : NULL,
        .has_expected_size = exp && exp->has_size,
        .expected_size = exp ? exp->size : 0,
        .max_size = a->o->max_size,
        .source = source,
        .signature_path = sig,
        .take_file = take_file,
        .progress = a->o->progress,
    };
    int r = orb_store_import(a->store, path, &io, ret_id, err);
    if (r == 1)
        strv_push(&a->added, ret_id);
    return r < 0 ? -1 : 0;
}

static int remember_source(orb_acquisition *a, const char *source, const char *id, const char *etag,
                           int64_t max_age, orb_error **err)
{
    orb_remote r = {.url = (char *)source,
                    .etag = (char *)etag,
                    .max_age = max_age,
                    .download_time = orb_now_us()};
    snprintf(r.id, sizeof(r.id), "%s", id);
    return orb_store_put_remote(a->store, &r, err);
}

/* The image a source was last seen to hold, if it is still stored. */
static bool known_source(orb_acquisition *a, const char *source, orb_remote *ret)
{
    _cleanup_error_ orb_error *ignored = NULL;
    if (orb_store_get_remote(a->store, source, ret, &ignored) != 1)
        return false;
    orb_image_record rec = {0};
    int found = orb_store_get(a->store, ret->id, &rec, &ignored);
    orb_image_record_clear(&rec);
    if (found != 1)
        orb_remote_clear(ret);
    return found == 1;
}

static int acquire_file(orb_acquisition *a, const char *path, bool optional,
                        const orb_expectation *exp, char ret_id[ORB_IMAGE_ID_LEN + 1],
                        orb_error **err)
{
    _cleanup_free_ char *abs = realpath(path, NULL);
    if (!abs)
        return optional && errno == ENOENT ? 0 : orb_err_sys(err, errno, "%s", path);
    orb_remote known = {0};
    if (a->o->pull == ORB_PULL_NEVER) {
        if (!known_source(a, abs, &known))
            return orb_err(err, ENOENT, "%s: not in the store (pull policy never)", path);
        memcpy(ret_id, known.id, sizeof(known.id));
        orb_remote_clear(&known);
        return 1;
    }
    _cleanup_free_ char *sig = xasprintf("%s.asc", abs);
    if (access(sig, F_OK) < 0)
        free(TAKE_PTR(sig));
    if (orb_acquire_check_signature(a, path, NULL, abs, sig, err) < 0 ||
        import_checked(a, abs, abs, sig, false, exp, ret_id, err) < 0 ||
        remember_source(a, abs, ret_id, NULL, -1, err) < 0)
        return -1;
    return 1;
}

static void init_fetch_options(const orb_acquisition *a, const char *tmp_dir, orb_fetch_options *f)
{
    *f = (orb_fetch_options){
        .tmp_dir = tmp_dir,
        .max_size = a->o->max_size,
        .allow_http = a->o->insecure & ORB_INSECURE_HTTP,
        .insecure_tls = a->o->insecure & ORB_INSECURE_TLS,
        .auth = a->o->auth,
        .auth_config_dir = a->o->config_dir,
        .progress = a->o->progress,
    };
}

/* The signature beside an image URL. A 202 means the server is still
 * producing it: ask again a few times, backing off. */
static int fetch_signature(const orb_acquisition *a, const char *sig_url, const char *tmp_dir,
                           orb_download *ret, orb_error **err)
{
    orb_fetch_options f;
    init_fetch_options(a, tmp_dir, &f);
    f.progress = NULL;
    f.max_size = 1024 * 1024; /* a detached signature is a few hundred bytes */
    for (int attempt = 0;; attempt++) {
        if (orb_fetch_optional(sig_url, &f, ret, err) < 0)
            return -1;
        if (!ret->accepted || attempt == 5)
            break;
        orb_download_clear(ret);
        usleep(100000u << attempt);
    }
    if (ret->accepted)
        return orb_err(err, EAGAIN, "%s: the server kept answering 202 Accepted", sig_url);
    return 0;
}

/* What one URL fetch is about: where the image and its signature are, the
 * name it must be verified for (NULL: its manifest's), what it must be. */
typedef struct url_fetch {
    const char *url, *sig_url, *name;
    bool optional;
    const orb_expectation *exp;
} url_fetch;

static int verify_and_import(orb_acquisition *a, const url_fetch *u, const char *tmp,
                             const orb_download *image, char ret_id[ORB_IMAGE_ID_LEN + 1],
                             orb_error **err)
{
    if (strncmp(u->url, "http://", 7) == 0)
        orb_acquire_notice(a, "%s: fetched over plain HTTP (--insecure-options=http)", u->url);
    orb_download sig = {0};
    int r = fetch_signature(a, u->sig_url, tmp, &sig, err);
    if (r == 0)
        r = orb_acquire_check_signature(a, u->url, u->name, image->path, sig.path, err);
    if (r == 0)
        r = import_checked(a, image->path, u->url, sig.path, true, u->exp, ret_id, err);
    if (r == 0)
        r = remember_source(a, u->url, ret_id, image->etag, image->max_age, err) < 0 ? -1 : 1;
    orb_download_clear(&sig);
    return r;
}

static int download_and_import(orb_acquisition *a, const url_fetch *u, const orb_remote *cached,
                               char ret_id[ORB_IMAGE_ID_LEN + 1], orb_error **err)
{
    const char *url = u->url;
    _cleanup_free_ char *tmp = NULL;
    if (orb_store_mkdtemp(a->store, "fetch", &tmp, err) < 0)
        return -1;
    orb_download image = {0};
    orb_fetch_options f;
    init_fetch_options(a, tmp, &f);
    f.if_none_match = cached ? cached->etag : NULL;
    int r =
        u->optional ? orb_fetch_optional(url, &f, &image, err) : orb_fetch(url, &f, &image, err);
    if (r == 0 && image.not_found)
        r = 0;
    else if (r == 0 && image.not_modified) {
        memcpy(ret_id, cached->id, sizeof(cached->id));
        r = remember_source(a, url, ret_id, image.etag, image.max_age, err) < 0 ? -1 : 1;
    } else if (r == 0)
        r = verify_and_import(a, u, tmp, &image, ret_id, err);
    orb_download_clear(&image);
    _cleanup_error_ orb_error *ignored = NULL;
    orb_rm_rf(tmp, &ignored);
    return r;
}

static bool still_fresh(const orb_remote *cached)
{
    return cached->max_age > 0 && orb_now_us() < cached->download_time + cached->max_age * 1000000;
}

int orb_acquire_url(orb_acquisition *a, const char *url, const char *sig_url, const char *name,
                    bool optional, const orb_expectation *exp, char ret_id[ORB_IMAGE_ID_LEN + 1],
                    orb_error **err)
{
    _cleanup_free_ char *default_sig_url = sig_url ? NULL : xasprintf("%s.asc", url);
    url_fetch u = {.url = url,
                   .sig_url = sig_url ? sig_url : default_sig_url,
                   .name = name,
                   .optional = optional,
                   .exp = exp};
    orb_remote cached = {0};
    bool have = known_source(a, url, &cached);
    int r;
    if (have && (a->o->pull != ORB_PULL_UPDATE || still_fresh(&cached))) {
        memcpy(ret_id, cached.id, sizeof(cached.id));
        r = 1;
    } else if (a->o->pull == ORB_PULL_NEVER)
        r = optional ? 0 : orb_err(err, ENOENT, "%s: not in the store (pull policy never)", url);
    else
        r = download_and_import(a, &u, have ? &cached : NULL, ret_id, err);
    orb_remote_clear(&cached);
    return r;
}

int orb_acquire_location(orb_acquisition *a, const char *location, bool optional,
                         const orb_expectation *exp, char ret_id[ORB_IMAGE_ID_LEN + 1],
                         orb_error **err)
{
    if (orb_url_is_remote(location))
        return orb_acquire_url(a, location, NULL, NULL, optional, exp, ret_id, err);
    _cleanup_free_ char *path = orb_url_local_path(location);
    if (!path)
        return orb_err(err, EINVAL, "%s: unsupported URL scheme (use http, https or file)",
                       location);
    return acquire_file(a, path, optional, exp, ret_id, err);
}

/* A source that is not a file or URL: an image ID, or a name. */
static int acquire_from_store(orb_acquisition *a, const char *ref,
                              char ret_id[ORB_IMAGE_ID_LEN + 1], orb_error **err)
{
    if (strncmp(ref, "sha512-", 7) == 0)
        return orb_store_resolve(a->store, ref, ret_id, err);
    return orb_acquire_by_name(a, ref, ret_id, err) < 0 ? -1 : 0;
}

static bool is_location(const char *source)
{
    struct stat st;
    return strstr(source, "://") || stat(source, &st) == 0 || strchr(source, '/') == source ||
           strncmp(source, "./", 2) == 0 || strstr(source, ".aci");
}

/* On failure, the images this acquisition added go again, newest first. */
static void take_back(orb_acquisition *a)
{
    for (size_t i = strv_length(a->added); i > 0; i--) {
        _cleanup_error_ orb_error *ignored = NULL;
        orb_store_remove(a->store, a->added[i - 1], &ignored);
    }
}

int orb_acquire(orb_store *s, const char *source, const orb_acquire_options *o,
                char ret_id[ORB_IMAGE_ID_LEN + 1], orb_error **err)
{
    orb_acquisition a = {.store = s, .o = o};
    int r;
    if (is_location(source))
        r = orb_acquire_location(&a, source, false, NULL, ret_id, err) < 0 ? -1 : 0;
    else
        r = acquire_from_store(&a, source, ret_id, err);
    if (r == 0)
        r = orb_acquire_dependencies(&a, ret_id, is_location(source) ? source : NULL, err);
    if (r < 0)
        take_back(&a);
    strv_free(a.added);
    return r;
}
