/* The HTTP(S) transport (libcurl): fetch a URL into a local file, with the
 * HTTP cache (ETag / If-None-Match, Cache-Control max-age), resumption of
 * interrupted downloads with Range, retries, and size limits. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/error.h"
#include "util/progress.h"

struct orb_auth;

typedef struct orb_fetch_options {
    const char *tmp_dir;       /* where downloads go (same fs as the store); NULL: $TMPDIR|/tmp */
    const char *if_none_match; /* an ETag from the cache, or NULL */
    uint64_t max_size;         /* refuse bodies larger than this; 0 = no limit */
    int retries;               /* extra attempts after a dropped body: 0 = 3, < 0 = none */
    bool allow_http;           /* plain http:// allowed (--insecure-options=http) */
    bool insecure_tls;         /* skip certificate checks (--insecure-options=tls) */
    const char *ca_file;       /* CA bundle; NULL = $CURL_CA_BUNDLE or the system's */
    const orb_progress *progress;
    /* Credentials (fetch/auth.h), or NULL. The matching Authorization header
     * is recomputed for every hop of a redirect: it never follows the request
     * to another host (or to plain http unless allow_http). */
    const struct orb_auth *auth;
    const char *auth_config_dir; /* named in the 401 message, e.g. "/etc/orbit"; NULL: not named */
} orb_fetch_options;

typedef struct orb_download {
    char *url;         /* the URL finally fetched (after redirects) */
    char *path;        /* the body in a file under tmp_dir; NULL if not_modified or absent */
    bool not_modified; /* 304: the cached copy (if_none_match) is current */
    bool not_found;    /* 404/410 on an optional fetch */
    bool accepted;     /* 202 on an optional fetch: try again later */
    int status;        /* final HTTP status */
    char *etag;        /* NULL when none */
    int64_t max_age;   /* Cache-Control max-age seconds; 0 no-cache/no-store; -1 none */
    uint64_t size;     /* bytes in path */
} orb_download;

/* Fetches url into a new file under o->tmp_dir. http(s) errors name the URL
 * and the status ("https://x/a.aci: HTTP 404 Not Found"); a body larger than
 * max_size or longer than its Content-Length is refused; a connection dropped
 * mid-way is resumed with Range (If-Range on the ETag) up to o->retries times.
 * Only http:// and https:// are fetched here: local files (paths, file://)
 * are read in place by their callers. Redirects are followed (10 at most,
 * never from https to http unless allow_http). On failure *ret is cleared and
 * no file is left behind. The request carries "Connection: close". A 401
 * says which credentials file to write, or which one was refused. */
int orb_fetch(const char *url, const orb_fetch_options *o, orb_download *ret, orb_error **err);
/* The same, but 404/410 and 202 are not errors: they set not_found/accepted. */
int orb_fetch_optional(const char *url, const orb_fetch_options *o, orb_download *ret,
                       orb_error **err);
/* Fetches url into memory (NUL-terminated; *ret_len excludes the NUL): a
 * final 200 (or 206 of a resumed transfer) only, any other status is an error
 * naming the URL and status, as orb_fetch. A body over max bytes is refused
 * ("<url>: larger than the limit of N bytes") before it is all read; max 0
 * means o->max_size. o->tmp_dir and o->if_none_match are not used. */
int orb_fetch_buffer(const char *url, const orb_fetch_options *o, size_t max, char **ret_body,
                     size_t *ret_len, orb_error **err);
/* Removes the downloaded file (if any) and frees the fields. */
void orb_download_clear(orb_download *d);

/* URL helpers. */
bool orb_url_is_remote(const char *s); /* http:// or https:// */
/* The local path of a file:// URL or a plain path (allocated); NULL for others. */
char *orb_url_local_path(const char *s);
/* The URL or path of a sibling: "https://h/d/a.aci" + "b.aci" -> "https://h/d/b.aci". */
char *orb_url_sibling(const char *url, const char *name);
