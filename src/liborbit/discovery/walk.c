/* The discovery walk: the name's prefixes are tried from the longest to the
 * host alone. The endpoint walk and the pubkey walk are independent (each
 * stops at the first page with something for it), but each page is fetched
 * at most once per orb_discover call. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "discovery/discovery.h"
#include "fetch/fetch.h"
#include "util/mem.h"
#include "util/strv.h"

typedef struct page {
    bool fetched;
    bool ok;
    orb_meta_tag *tags;
    size_t n_tags;
} page;

typedef struct walk {
    const char *name;
    orb_kv_list labels; /* the app's, version defaulted */
    const orb_discovery_options *o;
    orb_discovery_get get;
    void *get_ctx;
    char **prefixes; /* longest first */
    size_t n;
    page *pages;
    bool any_page_ok;
    char **attempts;
} walk;

/* ---- the default transport -------------------------------------------------- */

/* Redirects are followed by the transport; the Authorization header only
 * goes where the auth config says, and over http only on the fallback. */
static int discovery_http_get(void *ctx, const char *url, char **ret_body, size_t *ret_len,
                              orb_error **err)
{
    const orb_discovery_options *o = ctx;
    orb_fetch_options fo = {
        .retries = -1, /* a page is small: a dropped one is just a failed attempt */
        .allow_http = strncmp(url, "http://", 7) == 0, /* only the insecure fallback */
        .insecure_tls = o->insecure_tls,
        .ca_file = o->ca_file,
        .auth = o->auth,
    };

    return orb_fetch_buffer(url, &fo, ORB_DISCOVERY_PAGE_MAX, ret_body, ret_len, err);
}

/* ---- pages -------------------------------------------------------------------------- */

static void add_attempt(walk *w, const char *url, const char *msg)
{
    if (strstr(msg, url))
        strv_push(&w->attempts, msg);
    else
        strv_push_take(&w->attempts, xasprintf("%s: %s", url, msg));
}

/* GETs url; on failure records the attempt unless `quiet`. */
static int get_one(walk *w, const char *url, bool quiet, char **body, size_t *len)
{
    _cleanup_error_ orb_error *e = NULL;

    *body = NULL;
    if (w->get(w->get_ctx, url, body, len, &e) >= 0)
        return 0;
    free(TAKE_PTR(*body));
    if (!quiet)
        add_attempt(w, url, e && e->msg ? e->msg : "fetch failed");
    return -1;
}

/* https:// first; on any failure http:// too, but only with insecure_http
 * (then only the http:// failure is recorded, as the reference reports it). */
static void fetch_page(walk *w, page *pg, const char *prefix)
{
    _cleanup_free_ char *https = xasprintf("https://%s?ac-discovery=1", prefix);
    _cleanup_free_ char *http = xasprintf("http://%s?ac-discovery=1", prefix);
    _cleanup_free_ char *body = NULL;
    _cleanup_error_ orb_error *e = NULL;
    const char *url = https;
    size_t len = 0;

    pg->fetched = true;
    if (get_one(w, https, w->o->insecure_http, &body, &len) < 0) {
        if (!w->o->insecure_http)
            return;
        url = http;
        if (get_one(w, http, false, &body, &len) < 0)
            return;
    }
    if (orb_meta_parse(body, len, &pg->tags, &pg->n_tags, &e) < 0) {
        add_attempt(w, url, e->msg);
        return;
    }
    pg->ok = true;
    w->any_page_ok = true;
}

static page *get_page(walk *w, size_t i)
{
    if (!w->pages[i].fetched)
        fetch_page(w, &w->pages[i], w->prefixes[i]);
    return w->pages[i].ok ? &w->pages[i] : NULL;
}

/* ---- the two walks ------------------------------------------------------------------ */

static bool applies(const walk *w, const orb_meta_tag *t, const char *tag_name)
{
    return strcmp(t->name, tag_name) == 0 && strncmp(w->name, t->prefix, strlen(t->prefix)) == 0;
}

static bool fetchable_scheme(const char *url)
{
    return strncasecmp(url, "https://", 8) == 0 || strncasecmp(url, "http://", 7) == 0 ||
           strncasecmp(url, "file://", 7) == 0;
}

static void page_endpoints(walk *w, const page *pg, orb_discovery_result *r)
{
    for (size_t i = 0; i < pg->n_tags; i++) {
        char *aci, *asc;
        orb_discovery_endpoint *ep;

        if (!applies(w, &pg->tags[i], "ac-discovery"))
            continue;
        asc = orb_discovery_render(pg->tags[i].uri, w->name, &w->labels, "aci.asc");
        aci = orb_discovery_render(pg->tags[i].uri, w->name, &w->labels, "aci");
        if (aci && asc && !fetchable_scheme(aci)) {
            strv_push_take(&w->attempts, xasprintf("%s: unsupported scheme, skipped", aci));
        } else if (aci && asc) {
            ep = xgrow(&r->endpoints, &r->n_endpoints, sizeof(*r->endpoints));
            ep->aci = TAKE_PTR(aci);
            ep->asc = TAKE_PTR(asc);
        }
        free(aci);
        free(asc);
    }
}

static void page_pubkeys(walk *w, const page *pg, orb_discovery_result *r)
{
    for (size_t i = 0; i < pg->n_tags; i++) {
        if (!applies(w, &pg->tags[i], "ac-discovery-pubkeys"))
            continue;
        if (!r->pubkeys_prefix)
            r->pubkeys_prefix = xstrdup(pg->tags[i].prefix);
        strv_push(&r->pubkeys, pg->tags[i].uri);
    }
}

static int run_walk(walk *w, orb_discovery_result *r, bool pubkeys, orb_error **err)
{
    const char *tag = pubkeys ? "ac-discovery-pubkeys" : "ac-discovery";
    _cleanup_free_ char *why = NULL;

    for (size_t i = 0; i < w->n; i++) {
        page *pg = get_page(w, i);
        if (!pg)
            continue;
        if (pubkeys)
            page_pubkeys(w, pg, r);
        else
            page_endpoints(w, pg, r);
        if (pubkeys ? r->pubkeys != NULL : r->n_endpoints > 0)
            return 0;
    }
    if (!w->attempts)
        return orb_err(err, ENOENT, "discovery failed for %s: no %s tag for it on any page",
                       w->name, tag);
    why = strv_join(w->attempts, "; ");
    return orb_err(err, ENOENT, "discovery failed for %s: %s%s%s%s", w->name, why,
                   w->any_page_ok ? "; no " : "", w->any_page_ok ? tag : "",
                   w->any_page_ok ? " tag for it on the other pages" : "");
}

/* ---- entry points ---------------------------------------------------------------- */

/* Names go into URLs as they are: refuse what would change the URL's shape. */
static bool name_is_usable(const char *name)
{
    if (!name || !*name || *name == '/')
        return false;
    for (const char *c = name; *c; c++)
        if ((unsigned char)*c <= ' ' || *c == 0x7f || strchr("?#\\@", *c))
            return false;
    return true;
}

static void walk_clear(walk *w)
{
    for (size_t i = 0; i < w->n; i++)
        orb_meta_tags_free(w->pages[i].tags, w->pages[i].n_tags);
    free(w->pages);
    strv_free(w->prefixes);
    strv_free(w->attempts);
    orb_kv_list_clear(&w->labels);
}

static void walk_init(walk *w, const char *name, const orb_kv_list *labels,
                      const orb_discovery_options *o)
{
    _cleanup_strv_ char **parts = strv_split(name, '/');
    const char *version;

    *w = (walk){.name = name, .o = o, .get = o->get, .get_ctx = o->get_ctx};
    if (!w->get) {
        w->get = discovery_http_get;
        w->get_ctx = (void *)o;
    }
    if (labels)
        orb_kv_list_copy(&w->labels, labels);
    version = orb_kv_get(&w->labels, "version");
    if (!version || !*version)
        orb_kv_set(&w->labels, "version", "latest");
    w->n = strv_length(parts);
    w->pages = xcalloc(w->n, sizeof(*w->pages));
    for (size_t end = w->n; end > 0; end--) {
        char *saved = parts[end];
        parts[end] = NULL;
        strv_push_take(&w->prefixes, strv_join(parts, "/"));
        parts[end] = saved;
    }
}

int orb_discover(const char *name, const orb_kv_list *labels, const orb_discovery_options *o,
                 orb_discovery_result *ret, orb_error **err)
{
    unsigned walks = o->walks ? o->walks : ORB_DISCOVER_ENDPOINTS | ORB_DISCOVER_PUBKEYS;
    walk w;
    int r = 0;

    *ret = (orb_discovery_result){0};
    if (!name_is_usable(name))
        return orb_err(err, EINVAL, "discovery: %s: not a usable image name", name ? name : "");
    walk_init(&w, name, labels, o);
    if (walks & ORB_DISCOVER_ENDPOINTS)
        r = run_walk(&w, ret, false, err);
    if (r >= 0 && (walks & ORB_DISCOVER_PUBKEYS))
        r = run_walk(&w, ret, true, err);
    ret->attempts = TAKE_PTR(w.attempts);
    walk_clear(&w);
    if (r < 0)
        orb_discovery_result_clear(ret);
    return r;
}

void orb_discovery_result_clear(orb_discovery_result *r)
{
    for (size_t i = 0; i < r->n_endpoints; i++) {
        free(r->endpoints[i].aci);
        free(r->endpoints[i].asc);
    }
    free(r->endpoints);
    strv_free(r->pubkeys);
    free(r->pubkeys_prefix);
    strv_free(r->attempts);
    *r = (orb_discovery_result){0};
}
