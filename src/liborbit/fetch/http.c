/* The HTTP(S) transport on libcurl's easy interface. The body goes to a
 * private temporary file; our own header and write callbacks enforce the
 * size limits and Content-Length, and a dropped connection is resumed with
 * Range / If-Range.
 *
 * curl stops reading at Content-Length and silently drops whatever a server
 * sends past it, so we ask for "Connection: close", tell curl to ignore
 * Content-Length (it then reads to the end of the connection) and check the
 * byte count against Content-Length ourselves: short is a dropped transfer
 * (resumed), long is an error.
 *
 * Redirects are followed here, not by curl: the Authorization header from the
 * credentials is a custom header, which curl would send again to wherever a
 * redirect points; we work out the header afresh for every hop instead. */
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "fetch/auth.h"
#include "fetch/curl_api.h"
#include "fetch/fetch.h"
#include "fetch/http_internal.h"
#include "util/fs.h"
#include "util/mem.h"

#define DEFAULT_RETRIES     3
#define MAX_REDIRECTS       10
#define MAX_DISCARDED_BODY  (1024 * 1024)
#define CONNECT_TIMEOUT_S   20L
#define LOW_SPEED_LIMIT_BPS 1L
#define LOW_SPEED_TIME_S    30L

enum xfer_failure { FAIL_NONE, FAIL_TOO_BIG, FAIL_TOO_LONG, FAIL_WRITE, FAIL_RANGE };

typedef struct xfer {
    const char *url; /* as asked for: named in messages */
    char *cur_url;   /* the hop being fetched; the final URL at the end */
    int redirects;
    const char *auth_source; /* credentials file of the last request, or NULL */
    const orb_fetch_options *o;
    uint64_t max_size; /* 0: no limit */
    int fd;            /* the body goes to fd, or to mem when fd < 0 */
    char *mem;
    size_t mem_cap;
    uint64_t have;      /* bytes in the file before this response's body */
    uint64_t got;       /* body bytes of this response written so far */
    uint64_t discarded; /* body bytes of non-2xx responses dropped */
    char *validator;    /* If-Range value for a resume: strong ETag or Last-Modified */
    /* Per response; reset at each status line (redirects have their own). */
    int status;
    char *reason;
    int64_t content_length;
    char *etag;
    char *last_modified;
    int64_t max_age;
    bool has_range;
    uint64_t range_start;
    enum xfer_failure fail;
    int sys_errno;
    char errbuf[CURL_ERROR_SIZE];
} xfer;

/* libcurl's functions (fetch/curl_api.h); set before the first transfer. */
static const orb_curl_api *curl;

static void reset_response(xfer *x)
{
    x->status = 0;
    x->content_length = -1;
    x->max_age = -1;
    x->has_range = false;
    free(x->reason);
    free(x->etag);
    free(x->last_modified);
    x->reason = x->etag = x->last_modified = NULL;
}

static bool body_status(int status)
{
    return status == 200 || status == 206;
}

static bool restart_file(xfer *x)
{
    x->have = 0;
    if (x->fd < 0)
        return true;
    if (ftruncate(x->fd, 0) < 0 || lseek(x->fd, 0, SEEK_SET) < 0) {
        x->fail = FAIL_WRITE;
        x->sys_errno = errno;
        return false;
    }
    return true;
}

/* At the end of a 200/206 response's headers: decide append or restart and
 * refuse an oversized body before reading it. */
static bool headers_done(xfer *x)
{
    if (x->status == 206 && (!x->has_range || x->range_start != x->have)) {
        x->fail = FAIL_RANGE;
        return false;
    }
    if (x->status == 200 && x->have > 0 && !restart_file(x))
        return false;
    uint64_t max = x->max_size;
    if (max && x->content_length >= 0 && x->have + (uint64_t)x->content_length > max) {
        x->fail = FAIL_TOO_BIG;
        return false;
    }
    free(x->validator);
    x->validator = NULL;
    if (x->etag && strncmp(x->etag, "W/", 2) != 0)
        x->validator = xstrdup(x->etag); /* weak tags cannot validate a range */
    else if (x->last_modified)
        x->validator = xstrdup(x->last_modified);
    return true;
}

static void store_header(char **field, char *value)
{
    free(*field);
    *field = value;
}

static size_t header_cb(char *buf, size_t size, size_t n, void *ud)
{
    xfer *x = ud;
    size_t len = size * n;
    char *v;
    if (orb_http_status_line(buf, len, &(int){0}, &v)) {
        reset_response(x);
        free(v);
        orb_http_status_line(buf, len, &x->status, &x->reason);
    } else if (len <= 2 && (buf[0] == '\r' || buf[0] == '\n')) {
        if (body_status(x->status) && !headers_done(x))
            return 0;
    } else if ((v = orb_http_header_value(buf, len, "Content-Length"))) {
        x->content_length = orb_http_content_length(v);
        free(v);
    } else if ((v = orb_http_header_value(buf, len, "ETag"))) {
        store_header(&x->etag, v);
    } else if ((v = orb_http_header_value(buf, len, "Last-Modified"))) {
        store_header(&x->last_modified, v);
    } else if ((v = orb_http_header_value(buf, len, "Cache-Control"))) {
        x->max_age = orb_http_max_age(v);
        free(v);
    } else if ((v = orb_http_header_value(buf, len, "Content-Range"))) {
        uint64_t end;
        int64_t total;
        x->has_range = orb_http_content_range(v, &x->range_start, &end, &total);
        free(v);
    }
    return len;
}

static int sink_write(xfer *x, const char *buf, size_t len)
{
    if (x->fd >= 0)
        return orb_write_all(x->fd, buf, len);
    size_t at = (size_t)(x->have + x->got);
    if (at + len + 1 > x->mem_cap) {
        x->mem_cap = at + len + 1 > 2 * x->mem_cap ? at + len + 1 : 2 * x->mem_cap;
        x->mem = xrealloc(x->mem, x->mem_cap);
    }
    memcpy(x->mem + at, buf, len);
    return 0;
}

static size_t write_cb(char *buf, size_t size, size_t n, void *ud)
{
    xfer *x = ud;
    size_t len = size * n;
    if (!body_status(x->status)) {
        x->discarded += len;
        return x->discarded > MAX_DISCARDED_BODY ? 0 : len;
    }
    if (x->content_length >= 0 && x->got + len > (uint64_t)x->content_length) {
        x->fail = FAIL_TOO_LONG;
        return 0;
    }
    if (x->max_size && x->have + x->got + len > x->max_size) {
        x->fail = FAIL_TOO_BIG;
        return 0;
    }
    if (sink_write(x, buf, len) < 0) {
        x->fail = FAIL_WRITE;
        x->sys_errno = errno;
        return 0;
    }
    x->got += len;
    return len;
}

static int xferinfo_cb(void *ud, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
                       curl_off_t ulnow)
{
    (void)dltotal; /* unknown to curl: it ignores Content-Length for us */
    (void)dlnow;
    (void)ultotal;
    (void)ulnow;
    xfer *x = ud;
    if (body_status(x->status))
        orb_progress_update(x->o->progress, "download", x->url, x->have + x->got,
                            x->content_length >= 0 ? x->have + (uint64_t)x->content_length : 0);
    return 0;
}

static void set_protocols(CURL *h, bool allow_http)
{
#if LIBCURL_VERSION_NUM >= 0x075500
    curl->easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    curl->easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, allow_http ? "http,https" : "https");
#else
    curl->easy_setopt(h, CURLOPT_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
    curl->easy_setopt(h, CURLOPT_REDIR_PROTOCOLS,
                      (long)(allow_http ? CURLPROTO_HTTP | CURLPROTO_HTTPS : CURLPROTO_HTTPS));
#endif
}

static void set_tls(CURL *h, const orb_fetch_options *o)
{
    const char *ca = o->ca_file ? o->ca_file : getenv("CURL_CA_BUNDLE");
    if (ca && *ca)
        curl->easy_setopt(h, CURLOPT_CAINFO, ca);
    curl->easy_setopt(h, CURLOPT_SSL_VERIFYPEER, o->insecure_tls ? 0L : 1L);
    curl->easy_setopt(h, CURLOPT_SSL_VERIFYHOST, o->insecure_tls ? 0L : 2L);
}

static void set_options(CURL *h, xfer *x)
{
    curl->easy_setopt(h, CURLOPT_URL, x->cur_url);
    curl->easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl->easy_setopt(h, CURLOPT_USERAGENT, "orbit/" ORBIT_VERSION);
    curl->easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);                   /* see follow() */
    curl->easy_setopt(h, CURLOPT_HEADEROPT, (long)CURLHEADER_SEPARATE); /* none to a proxy */
    set_protocols(h, x->o->allow_http);
    set_tls(h, x->o);
    curl->easy_setopt(h, CURLOPT_CONNECTTIMEOUT, CONNECT_TIMEOUT_S);
    curl->easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, LOW_SPEED_LIMIT_BPS);
    curl->easy_setopt(h, CURLOPT_LOW_SPEED_TIME, LOW_SPEED_TIME_S);
    curl->easy_setopt(h, CURLOPT_ERRORBUFFER, x->errbuf);
    curl->easy_setopt(h, CURLOPT_HEADERFUNCTION, header_cb);
    curl->easy_setopt(h, CURLOPT_HEADERDATA, x);
    curl->easy_setopt(h, CURLOPT_WRITEFUNCTION, write_cb);
    curl->easy_setopt(h, CURLOPT_WRITEDATA, x);
    curl->easy_setopt(h, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_1_1);
    curl->easy_setopt(h, CURLOPT_IGNORE_CONTENT_LENGTH, 1L);
    curl->easy_setopt(h, CURLOPT_XFERINFOFUNCTION, xferinfo_cb);
    curl->easy_setopt(h, CURLOPT_XFERINFODATA, x);
    curl->easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
}

/* The error for a failed curl_easy_perform: "url: reason". */
static int curl_failure(CURL *h, xfer *x, CURLcode rc, orb_error **err)
{
    long os_errno = 0;
    if (rc == CURLE_TOO_MANY_REDIRECTS)
        return orb_err(err, 0, "%s: too many redirects", x->url);
    if (rc == CURLE_UNSUPPORTED_PROTOCOL && !x->o->allow_http)
        return orb_err(err, EPERM,
                       "%s: redirected to plain HTTP or another protocol, which is not allowed "
                       "(use --insecure-options=http)",
                       x->url);
    if (rc == CURLE_COULDNT_CONNECT &&
        curl->easy_getinfo(h, CURLINFO_OS_ERRNO, &os_errno) == CURLE_OK && os_errno == ECONNREFUSED)
        return orb_err(err, ECONNREFUSED, "%s: connection refused", x->url);
    _cleanup_free_ char *msg = xstrdup(x->errbuf[0] ? x->errbuf : curl->easy_strerror(rc));
    size_t len = strlen(msg);
    while (len > 0 && (msg[len - 1] == '\n' || msg[len - 1] == '.'))
        msg[--len] = '\0';
    if (msg[0] >= 'A' && msg[0] <= 'Z' && msg[1] >= 'a' && msg[1] <= 'z')
        msg[0] = (char)(msg[0] - 'A' + 'a'); /* keeps "SSL ..." as it is */
    return orb_err(err, os_errno > 0 ? (int)os_errno : EIO, "%s: %s", x->url, msg);
}

static int failure_error(xfer *x, orb_error **err)
{
    switch (x->fail) {
    case FAIL_TOO_BIG:
        return orb_err(err, EFBIG, "%s: larger than the limit of %" PRIu64 " bytes", x->url,
                       x->max_size);
    case FAIL_TOO_LONG:
        return orb_err(err, EPROTO,
                       "%s: server sent more than its Content-Length of %" PRId64 " bytes", x->url,
                       x->content_length);
    case FAIL_WRITE:
        return orb_err_sys(err, x->sys_errno, "%s: write the download", x->url);
    case FAIL_RANGE:
        return orb_err(err, EPROTO,
                       "%s: server resumed at the wrong offset (wanted byte %" PRIu64 ")", x->url,
                       x->have);
    case FAIL_NONE:
        break;
    }
    return orb_err(err, EIO, "%s: transfer failed", x->url);
}

enum attempt_result { ATTEMPT_DONE, ATTEMPT_RETRY, ATTEMPT_FAILED };

static bool resumable(CURLcode rc)
{
    return rc == CURLE_PARTIAL_FILE || rc == CURLE_RECV_ERROR || rc == CURLE_OPERATION_TIMEDOUT;
}

static struct curl_slist *request_headers(xfer *x, char *range, size_t range_size)
{
    struct curl_slist *list = curl->slist_append(NULL, "Connection: close");
    const orb_auth *auth = x->o->auth;
    const char *cred = auth ? orb_auth_header_for(auth, x->cur_url, x->o->allow_http) : NULL;
    x->auth_source = cred ? orb_auth_entry_for_host(auth, x->cur_url)->source : NULL;
    if (cred)
        list = curl->slist_append(list, cred);
    range[0] = '\0';
    if (x->have > 0) {
        snprintf(range, range_size, "%" PRIu64 "-", x->have);
        _cleanup_free_ char *h = xasprintf("If-Range: %s", x->validator);
        list = curl->slist_append(list, h);
    } else if (x->o->if_none_match) {
        _cleanup_free_ char *h = xasprintf("If-None-Match: %s", x->o->if_none_match);
        list = curl->slist_append(list, h);
    }
    return list;
}

/* One request to x->cur_url, with the headers for that URL. */
static CURLcode perform(CURL *h, xfer *x)
{
    char range[32];
    struct curl_slist *headers = request_headers(x, range, sizeof(range));
    curl->easy_setopt(h, CURLOPT_HTTPHEADER, headers);
    curl->easy_setopt(h, CURLOPT_RANGE, range[0] ? range : NULL);
    x->got = x->discarded = 0;
    x->errbuf[0] = '\0';
    x->fail = FAIL_NONE;
    CURLcode rc = curl->easy_perform(h);
    curl->easy_setopt(h, CURLOPT_HTTPHEADER, NULL);
    curl->slist_free_all(headers);
    return rc;
}

static bool redirect_status(int status)
{
    return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

/* After a complete response: moves x to its Location when it is a redirect.
 * 1 when there is a hop to make, 0 when not a redirect, -1 on error. */
static int follow(CURL *h, xfer *x, orb_error **err)
{
    char *loc = NULL;
    if (!redirect_status(x->status) ||
        curl->easy_getinfo(h, CURLINFO_REDIRECT_URL, &loc) != CURLE_OK || !loc)
        return 0;
    if (++x->redirects > MAX_REDIRECTS)
        return orb_err(err, 0, "%s: too many redirects", x->url);
    if (strncasecmp(loc, "http://", 7) == 0 && !x->o->allow_http)
        return orb_err(err, EPERM,
                       "%s: redirected to plain HTTP or another protocol, which is not allowed "
                       "(use --insecure-options=http)",
                       x->url);
    if (!orb_url_is_remote(loc))
        return orb_err(err, EPERM, "%s: redirected to %s, which is not an http(s) URL", x->url,
                       loc);
    free(x->cur_url);
    x->cur_url = xstrdup(loc);
    curl->easy_setopt(h, CURLOPT_URL, x->cur_url);
    return 1;
}

/* One request and its redirects. A dropped body is kept for the next attempt
 * when the server gave a validator to resume against; otherwise the next
 * attempt restarts. */
static enum attempt_result attempt(CURL *h, xfer *x, orb_error **err)
{
    CURLcode rc;
    int hop;
    do {
        rc = perform(h, x);
        hop = rc == CURLE_OK && x->fail == FAIL_NONE ? follow(h, x, err) : 0;
        if (hop < 0)
            return ATTEMPT_FAILED;
    } while (hop > 0);
    if (x->fail != FAIL_NONE)
        return failure_error(x, err), ATTEMPT_FAILED;
    bool short_body = rc == CURLE_OK && body_status(x->status) && x->content_length >= 0 &&
                      x->got < (uint64_t)x->content_length;
    if (rc == CURLE_OK && x->status == 416 && x->have > 0) {
        if (!restart_file(x))
            return failure_error(x, err), ATTEMPT_FAILED;
        orb_err(err, 0, "%s: HTTP 416 Range Not Satisfiable", x->url);
        return ATTEMPT_RETRY; /* the file changed under us: start again */
    }
    if (rc == CURLE_OK && !short_body) {
        x->have += x->got;
        return ATTEMPT_DONE;
    }
    if ((short_body || resumable(rc)) && body_status(x->status)) {
        if (short_body)
            orb_err(err, EPIPE, "%s: connection closed after %" PRIu64 " of %" PRId64 " bytes",
                    x->url, x->got, x->content_length);
        else
            curl_failure(h, x, rc, err);
        x->have += x->got;
        if (!x->validator && !restart_file(x))
            return failure_error(x, err), ATTEMPT_FAILED;
        return ATTEMPT_RETRY;
    }
    return curl_failure(h, x, rc, err), ATTEMPT_FAILED;
}

static void backoff(int attempt_no)
{
    long ms = 100L << (attempt_no < 5 ? attempt_no : 5);
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
        ;
}

static int transfer(CURL *h, xfer *x, orb_error **err)
{
    int retries = x->o->retries < 0 ? 0 : x->o->retries == 0 ? DEFAULT_RETRIES : x->o->retries;
    for (int i = 0;; i++) {
        _cleanup_error_ orb_error *e = NULL;
        enum attempt_result r = attempt(h, x, &e);
        if (r == ATTEMPT_DONE)
            return 0;
        if (r == ATTEMPT_FAILED || i >= retries) {
            if (!e)
                return orb_err(err, EIO, "%s: transfer failed", x->url);
            *err = TAKE_PTR(e);
            return -1;
        }
        backoff(i);
    }
}

/* "<url>: HTTP 401 Unauthorized: ..." saying which credentials to write, or
 * which were refused. */
static int unauthorized(xfer *x, orb_error **err)
{
    if (x->auth_source)
        return orb_err(err, EACCES,
                       "%s: HTTP 401 Unauthorized: the credentials from %s were refused", x->url,
                       x->auth_source);
    _cleanup_free_ char *host = NULL;
    bool https;
    int port = 0;
    if (orb_url_authority(x->cur_url, &https, &host, &port) < 0)
        host = xstrdup("?");
    _cleanup_free_ char *server = port ? xasprintf("%s:%d", host, port) : xstrdup(host);
    const char *dir = x->o->auth_config_dir;
    _cleanup_free_ char *file =
        dir ? xasprintf("%s/auth.d/%s.json", dir, host)
            : xasprintf("auth.d/%s.json in the configuration directory", host);
    return orb_err(err, EACCES,
                   "%s: HTTP 401 Unauthorized: the server at %s needs credentials: add them to %s "
                   "(see `orbit help fetch`)",
                   x->url, server, file);
}

static int status_error(xfer *x, orb_error **err)
{
    if (x->status == 401)
        return unauthorized(x, err);
    return orb_err(err, 0, "%s: HTTP %d %s", x->url, x->status,
                   x->reason && *x->reason ? x->reason : orb_http_reason(x->status));
}

/* The outcome of a completed exchange, by status. */
static int classify(xfer *x, bool optional, orb_download *ret, orb_error **err)
{
    ret->status = x->status;
    ret->etag = x->etag ? xstrdup(x->etag) : NULL;
    ret->max_age = x->max_age;
    if (body_status(x->status))
        return 0;
    if (x->status == 304 && x->o->if_none_match)
        ret->not_modified = true;
    else if (optional && (x->status == 404 || x->status == 410))
        ret->not_found = true;
    else if (optional && x->status == 202)
        ret->accepted = true;
    else
        return status_error(x, err);
    return 1; /* no body */
}

static int open_download(const char *tmp_dir, char **ret_path, orb_error **err)
{
    if (!tmp_dir)
        tmp_dir = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
    _cleanup_free_ char *path = xasprintf("%s/download-XXXXXX", tmp_dir);
    int fd = mkostemp(path, O_CLOEXEC);
    if (fd < 0)
        return orb_err_sys(err, errno, "create a download file in %s", tmp_dir);
    *ret_path = TAKE_PTR(path);
    return fd;
}

static int check_url(const char *url, const orb_fetch_options *o, orb_error **err)
{
    if (!orb_url_is_remote(url))
        return orb_err(err, EINVAL, "%s: only http:// and https:// URLs can be fetched", url);
    if (strncasecmp(url, "http://", 7) == 0 && !o->allow_http)
        return orb_err(err, EPERM, "%s: plain HTTP is not allowed (use --insecure-options=http)",
                       url);
    curl = orb_curl(err);
    return curl ? 0 : orb_err_wrap(err, "%s", url);
}

static xfer xfer_new(const char *url, const orb_fetch_options *o, uint64_t max_size)
{
    return (xfer){.url = url,
                  .cur_url = xstrdup(url),
                  .o = o,
                  .max_size = max_size,
                  .fd = -1,
                  .content_length = -1,
                  .max_age = -1};
}

static void xfer_free(xfer *x)
{
    reset_response(x);
    free(x->validator);
    free(x->cur_url);
    free(x->mem);
    if (x->fd >= 0)
        close(x->fd);
}

/* The whole exchange, redirects and retries included. */
static int run(xfer *x, orb_error **err)
{
    CURL *h = curl->easy_init();
    if (!h)
        return orb_err(err, ENOMEM, "%s: curl_easy_init failed", x->url);
    set_options(h, x);
    int r = transfer(h, x, err);
    curl->easy_cleanup(h);
    return r;
}

static int fetch(const char *url, const orb_fetch_options *o, bool optional, orb_download *ret,
                 orb_error **err)
{
    *ret = (orb_download){.max_age = -1};
    if (check_url(url, o, err) < 0)
        return -1;
    _cleanup_free_ char *path = NULL;
    int fd = open_download(o->tmp_dir, &path, err);
    if (fd < 0)
        return -1;
    xfer x = xfer_new(url, o, o->max_size);
    x.fd = fd;
    int r = run(&x, err);
    if (r == 0) {
        ret->url = xstrdup(x.cur_url);
        r = classify(&x, optional, ret, err);
    }
    if (r == 0) {
        ret->path = TAKE_PTR(path);
        ret->size = x.have;
    } else {
        unlink(path);
    }
    xfer_free(&x);
    orb_progress_finish(o->progress);
    if (r < 0)
        orb_download_clear(ret);
    return r < 0 ? -1 : 0;
}

int orb_fetch(const char *url, const orb_fetch_options *o, orb_download *ret, orb_error **err)
{
    return fetch(url, o, false, ret, err);
}

int orb_fetch_optional(const char *url, const orb_fetch_options *o, orb_download *ret,
                       orb_error **err)
{
    return fetch(url, o, true, ret, err);
}

int orb_fetch_buffer(const char *url, const orb_fetch_options *o, size_t max, char **ret_body,
                     size_t *ret_len, orb_error **err)
{
    *ret_body = NULL;
    *ret_len = 0;
    if (check_url(url, o, err) < 0)
        return -1;
    orb_fetch_options mo = *o;
    mo.if_none_match = NULL; /* a 304 would leave us nothing to return */
    xfer x = xfer_new(url, &mo, max ? (uint64_t)max : o->max_size);
    x.mem_cap = 1;
    x.mem = xmalloc(x.mem_cap);
    int r = run(&x, err);
    if (r == 0 && !body_status(x.status))
        r = status_error(&x, err);
    if (r == 0) {
        x.mem[x.have] = '\0';
        *ret_body = TAKE_PTR(x.mem);
        *ret_len = (size_t)x.have;
    }
    xfer_free(&x);
    orb_progress_finish(o->progress);
    return r;
}

void orb_download_clear(orb_download *d)
{
    if (d->path)
        unlink(d->path);
    free(d->path);
    free(d->url);
    free(d->etag);
    *d = (orb_download){.max_age = -1};
}
