/* App Container image discovery (spec/discovery.md): a name such as
 * example.com/app resolves through <meta name="ac-discovery"> and
 * <meta name="ac-discovery-pubkeys"> tags served at https://example.com/app?ac-discovery=1,
 * walking up the name's path when a page has nothing for it. The exact rules
 * (template rendering, the independent walks, the HTTPS->HTTP rule) are in
 * docs/conformance.md "Discovery". */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "schema/types.h"
#include "util/error.h"

/* Discovery pages are small; bigger ones are refused before they are read. */
#define ORB_DISCOVERY_PAGE_MAX (1024 * 1024)

/* ---- meta tags ---------------------------------------------------------- */

typedef struct orb_meta_tag {
    char *name;   /* "ac-discovery" or "ac-discovery-pubkeys" */
    char *prefix; /* the name prefix the tag is for */
    char *uri;    /* a template (endpoints) or a key URL */
} orb_meta_tag;

/* Every <meta name="ac-..." content="PREFIX URI"> in an HTML page, in
 * document order. A real tokenizer: attributes in any order, either quote
 * or none, entities decoded, comments, scripts and self-closing tags handled.
 * Pages over ORB_DISCOVERY_PAGE_MAX are refused. */
int orb_meta_parse(const char *html, size_t len, orb_meta_tag **ret, size_t *ret_n,
                   orb_error **err);
void orb_meta_tags_free(orb_meta_tag *tags, size_t n);

/* ---- templates -------------------------------------------------------------- */

/* Renders {name}, each {label} and {ext}; NULL when a placeholder is left
 * (the endpoint is then skipped). labels must already hold version. */
char *orb_discovery_render(const char *tmpl, const char *name, const orb_kv_list *labels,
                           const char *ext);

/* ---- the walk ------------------------------------------------------------------- */

typedef struct orb_discovery_endpoint {
    char *aci; /* the image URL */
    char *asc; /* its signature URL */
} orb_discovery_endpoint;

typedef struct orb_discovery_result {
    orb_discovery_endpoint *endpoints; /* document order, from the deepest page with any */
    size_t n_endpoints;
    char **pubkeys;       /* key URLs, from the deepest page with any; NULL-terminated */
    char *pubkeys_prefix; /* the prefix the pubkeys tags were for */
    char **attempts;      /* what failed or was skipped, for messages; NULL-terminated or NULL */
} orb_discovery_result;

enum {
    ORB_DISCOVER_ENDPOINTS = 1 << 0,
    ORB_DISCOVER_PUBKEYS = 1 << 1,
};

/* Fetches one discovery page: 0 and the body, or -1 with an error naming
 * the URL (HTTP status, transport failure). Tests substitute their own. */
typedef int (*orb_discovery_get)(void *ctx, const char *url, char **ret_body, size_t *ret_len,
                                 orb_error **err);

typedef struct orb_discovery_options {
    unsigned walks;              /* ORB_DISCOVER_* */
    bool insecure_http;          /* fall back to http:// when https:// fails */
    bool insecure_tls;           /* do not check certificates */
    const char *ca_file;         /* NULL: $CURL_CA_BUNDLE or the system's */
    const struct orb_auth *auth; /* credentials (fetch/auth.h); may be NULL */
    orb_discovery_get get;       /* NULL: the HTTP transport */
    void *get_ctx;
} orb_discovery_options;

/* Runs the walks asked for (walks 0: both). The app's labels are used as
 * given, except that a missing or empty version becomes "latest" (callers
 * add os and arch). Each page is fetched at most once per call. Endpoints
 * whose rendered URL is not http://, https:// or file:// are skipped and
 * noted in attempts. A walk that finds nothing is an error listing the
 * attempts ("discovery failed for example.com/app:
 * https://example.com/app?ac-discovery=1: HTTP 404; ..."); *ret is then
 * left cleared. A name that would change the URL's shape (empty, leading
 * '/', white space, '?', '#', '@', '\\') is refused before any request. */
int orb_discover(const char *name, const orb_kv_list *labels, const orb_discovery_options *o,
                 orb_discovery_result *ret, orb_error **err);
void orb_discovery_result_clear(orb_discovery_result *r);
