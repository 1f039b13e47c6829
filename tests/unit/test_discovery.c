/* Tests of image discovery: the meta-tag tokenizer, template rendering, and
 * the walk against a fake transport serving the reference's test pages. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "discovery/discovery.h"
#include "fetch/auth.h"
#include "util/mem.h"
#include "util/strv.h"

/* ---- tokenizer ----------------------------------------------------------- */

typedef struct parsed {
    orb_meta_tag *tags;
    size_t n;
} parsed;

static parsed parse(const char *html)
{
    parsed p = {0};
    orb_error *e = NULL;

    assert_int_equal(orb_meta_parse(html, strlen(html), &p.tags, &p.n, &e), 0);
    assert_null(e);
    return p;
}

static void assert_tag(const parsed *p, size_t i, const char *name, const char *prefix,
                       const char *uri)
{
    assert_true(i < p->n);
    assert_string_equal(p->tags[i].name, name);
    assert_string_equal(p->tags[i].prefix, prefix);
    assert_string_equal(p->tags[i].uri, uri);
}

/* Parses html and expects exactly one tag. */
static void expect_one(const char *html, const char *name, const char *prefix, const char *uri)
{
    parsed p = parse(html);
    assert_int_equal(p.n, 1);
    assert_tag(&p, 0, name, prefix, uri);
    orb_meta_tags_free(p.tags, p.n);
}

static void expect_none(const char *html)
{
    parsed p = parse(html);
    assert_int_equal(p.n, 0);
    orb_meta_tags_free(p.tags, p.n);
}

static void test_meta_attribute_order(void **state)
{
    (void)state;
    expect_one("<meta name=\"ac-discovery\" content=\"example.com https://x/{name}.{ext}\">",
               "ac-discovery", "example.com", "https://x/{name}.{ext}");
    expect_one("<meta content=\"example.com https://x/a\" name=\"ac-discovery\">", "ac-discovery",
               "example.com", "https://x/a");
    expect_one("<meta charset=utf-8 content=\"p u\" lang=en name=ac-discovery-pubkeys>",
               "ac-discovery-pubkeys", "p", "u");
}

static void test_meta_quotes(void **state)
{
    (void)state;
    expect_one("<meta name='ac-discovery' content='a.com https://a.com/x'>", "ac-discovery",
               "a.com", "https://a.com/x");
    expect_one("<meta name=ac-discovery content=\"a.com https://a.com/x\">", "ac-discovery",
               "a.com", "https://a.com/x");
    /* a quote of the other kind is part of the value */
    expect_one("<meta name=\"ac-discovery\" content='a.com https://a.com/\"x\"'>", "ac-discovery",
               "a.com", "https://a.com/\"x\"");
    /* spaces around '=' */
    expect_one("<meta name = \"ac-discovery\" content =\n'a.com u'>", "ac-discovery", "a.com", "u");
    /* unquoted values cannot hold a space: the content has no URI part */
    expect_none("<meta name=ac-discovery content=a.com>");
    expect_one("<meta name=ac-discovery content=a.com&#32;u>", "ac-discovery", "a.com", "u");
}

static void test_meta_entities(void **state)
{
    (void)state;
    expect_one("<meta name=\"ac-discovery\" content=\"a.com https://a.com/x?a=1&amp;b=2\">",
               "ac-discovery", "a.com", "https://a.com/x?a=1&b=2");
    expect_one(
        "<meta name=\"ac-discovery\" content=\"a.com &lt;&gt;&quot;&#39;&#x27;&#65;&apos;\">",
        "ac-discovery", "a.com", "<>\"''A'");
    expect_one("<meta name=\"ac-&#100;iscovery\" content=\"a.com&#x20;u&nbsp;\">", "ac-discovery",
               "a.com", "u"); /* the trailing no-break space is trimmed, as Go's TrimSpace does */
    /* unknown and incomplete references are kept literally */
    expect_one("<meta name=\"ac-discovery\" content=\"a.com u&bogus;&#;&#x;&\">", "ac-discovery",
               "a.com", "u&bogus;&#;&#x;&");
    /* legacy names without ';' are decoded, but not before '=' or a letter */
    expect_one("<meta name=\"ac-discovery\" content=\"a.com u?x=&amp&ampy=1&lt=2\">",
               "ac-discovery", "a.com", "u?x=&&ampy=1&lt=2");
    /* out-of-range and NUL code points become U+FFFD */
    expect_one("<meta name=\"ac-discovery\" content=\"a.com u&#0;&#x110000;\">", "ac-discovery",
               "a.com", "u\xEF\xBF\xBD\xEF\xBF\xBD");
}

static void test_meta_comments_and_raw_text(void **state)
{
    (void)state;
    expect_none("<!-- <meta name=\"ac-discovery\" content=\"a.com u\"> -->");
    expect_none("<script>var s = '<meta name=\"ac-discovery\" content=\"a.com u\">';</script>");
    expect_none("<STYLE>/* <meta name=\"ac-discovery\" content=\"a.com u\"> */</STYLE >");
    expect_none("<![CDATA[ <meta name=\"ac-discovery\" content=\"a.com u\"> ]]>");
    expect_none("<textarea><meta name=\"ac-discovery\" content=\"a.com u\"></textarea>");
    /* a fake end tag inside the script does not end it */
    expect_none("<script>'</scripts><meta name=ac-discovery content=\"a.com u\">'</script>");
    const char *html = "<!DOCTYPE html><!-- c --><!--><!--->"
                       "<script type=\"text/javascript\">if (a < b) x();</SCRIPT>"
                       "<?xml stuff?><meta name=\"ac-discovery\" content=\"a.com u1\">"
                       "<!-- <meta name=\"ac-discovery\" content=\"a.com fake\"> -->"
                       "<meta name=\"ac-discovery\" content=\"a.com u2\">";
    parsed p = parse(html);
    assert_int_equal(p.n, 2);
    assert_tag(&p, 0, "ac-discovery", "a.com", "u1");
    assert_tag(&p, 1, "ac-discovery", "a.com", "u2");
    orb_meta_tags_free(p.tags, p.n);
}

static void test_meta_case_and_self_closing(void **state)
{
    (void)state;
    expect_one("<META NAME=\"ac-discovery\" CONTENT=\"a.com u\"/>", "ac-discovery", "a.com", "u");
    expect_one("<MeTa Name='ac-discovery' content='a.com u' />", "ac-discovery", "a.com", "u");
    /* the name's value is case-sensitive */
    expect_none("<meta name=\"AC-discovery\" content=\"a.com u\">");
    /* other tags and end tags are not meta tags */
    expect_none("<metadata name=\"ac-discovery\" content=\"a.com u\">");
    expect_none("</meta name=\"ac-discovery\" content=\"a.com u\">");
    /* a '>' inside a quoted value does not end the tag */
    expect_one("<meta content=\"a.com u>v\" name=\"ac-discovery\">", "ac-discovery", "a.com",
               "u>v");
}

static void test_meta_content_split(void **state)
{
    (void)state;
    expect_one("<meta name=\"ac-discovery\" content=\"  a.com   https://u  \">", "ac-discovery",
               "a.com", "https://u");
    expect_one("<meta name=\"ac-x\" content=\"a.com u v\">", "ac-x", "a.com", "u v");
    /* only an ASCII space separates the prefix */
    expect_none("<meta name=\"ac-discovery\" content=\"a.com\tu\">");
    expect_none("<meta name=\"ac-discovery\" content=\"a.com\">");
    expect_none("<meta name=\"ac-discovery\" content=\"\">");
    expect_none("<meta name=\"ac-discovery\">");
    expect_none("<meta content=\"a.com u\">");
    expect_none("<meta name=\"discovery\" content=\"a.com u\">");
    /* the last of a repeated attribute wins, as in the reference tokenizer */
    expect_one("<meta name=x name=ac-discovery content=\"a u\" content=\"b v\">", "ac-discovery",
               "b", "v");
}

static void test_meta_broken_html(void **state)
{
    static const char *const broken[] = {
        "<",
        "<meta",
        "<meta name=",
        "<meta name=\"ac-discovery",
        "<!--",
        "<!-- unfinished",
        "<script>",
        "<script><meta",
        "</",
        "</>",
        "<![CDATA[",
        "<meta name='ac-x' content='a b",
        "&#x",
        "<a href=\"&#99999999999999999999;\">",
        "<meta =x =y>",
        "<<<>>>",
    };
    (void)state;
    for (size_t i = 0; i < ARRAY_SIZE(broken); i++) {
        parsed p = parse(broken[i]);
        orb_meta_tags_free(p.tags, p.n);
    }
    /* a tag cut off by the end of the page is dropped, as the reference does */
    expect_none("<meta name='ac-x' content='a b'");
    expect_none("<meta name='ac-x' content='a b' /");
    /* embedded NULs do not cut the scan short */
    static const char nul[] = "<p>\0</p><meta name=\"ac-x\" content=\"a b\">";
    orb_meta_tag *tags = NULL;
    size_t n = 0;
    assert_int_equal(orb_meta_parse(nul, sizeof(nul) - 1, &tags, &n, NULL), 0);
    assert_int_equal(n, 1);
    orb_meta_tags_free(tags, n);
}

static void test_meta_size_limit(void **state)
{
    size_t n = ORB_DISCOVERY_PAGE_MAX + 1, count = 7;
    char *big = xmalloc(n);
    orb_meta_tag *tags = (orb_meta_tag *)&count;
    orb_error *e = NULL;

    (void)state;
    memset(big, ' ', n);
    assert_int_equal(orb_meta_parse(big, n, &tags, &count, &e), -1);
    assert_null(tags);
    assert_int_equal(count, 0);
    assert_string_equal(e->msg,
                        "discovery page: 1048577 bytes is larger than the limit of 1048576 bytes");
    orb_error_free(e);
    assert_int_equal(orb_meta_parse(big, n - 1, &tags, &count, NULL), 0);
    assert_int_equal(count, 0);
    free(big);
}

/* ---- templates ------------------------------------------------------------------ */

static void expect_render(const char *tmpl, const orb_kv_list *labels, const char *ext,
                          const char *want)
{
    char *got = orb_discovery_render(tmpl, "example.com/myapp", labels, ext);
    if (!want) {
        assert_null(got);
        return;
    }
    assert_non_null(got);
    assert_string_equal(got, want);
    free(got);
}

static void test_render(void **state)
{
    orb_kv_list l = {0};
    (void)state;
    orb_kv_set(&l, "version", "1.0.0");
    orb_kv_set(&l, "os", "linux");
    orb_kv_set(&l, "arch", "amd64");
    expect_render("https://s/{name}-{version}-{os}-{arch}.{ext}", &l, "aci",
                  "https://s/example.com/myapp-1.0.0-linux-amd64.aci");
    expect_render("https://s/{name}-{version}-{os}-{arch}.{ext}", &l, "aci.asc",
                  "https://s/example.com/myapp-1.0.0-linux-amd64.aci.asc");
    /* every occurrence, and text without placeholders as it is */
    expect_render("{name}/{name}.{ext}", &l, "aci", "example.com/myapp/example.com/myapp.aci");
    expect_render("https://s/fixed.aci", &l, "aci", "https://s/fixed.aci");
    /* a placeholder left over: the endpoint is skipped */
    expect_render("https://s/{name}-{channel}.{ext}", &l, "aci", NULL);
    expect_render("https://s/{name}-{}.{ext}", &l, "aci", NULL);
    expect_render("https://s/{{name}}.{ext}", &l, "aci", NULL);
    /* lone braces, or a pair split by a newline, are not placeholders */
    expect_render("https://s/{x/{name}.{ext}", &l, "aci", "https://s/{x/example.com/myapp.aci");
    expect_render("https://s/}{name}.{ext}", &l, "aci", "https://s/}example.com/myapp.aci");
    expect_render("https://s/{{name}.{ext}", &l, "aci", "https://s/{example.com/myapp.aci");
    expect_render("a{\n}{ext}", &l, "aci", "a{\n}aci");
    /* a label named "name" never applies: {name} is rendered first */
    orb_kv_set(&l, "name", "labelcalledname");
    expect_render("https://s/{name}-{version}.{ext}", &l, "aci",
                  "https://s/example.com/myapp-1.0.0.aci");
    /* a label named "ext" pre-empts {ext} */
    orb_kv_set(&l, "ext", "tgz");
    expect_render("https://s/{name}.{ext}", &l, "aci", "https://s/example.com/myapp.tgz");
    /* no labels */
    expect_render("https://s/{name}.{ext}", NULL, "aci", "https://s/example.com/myapp.aci");
    expect_render("https://s/{name}-{version}.{ext}", NULL, "aci", NULL);
    orb_kv_list_clear(&l);
}

/* ---- the walk: a fake transport ---------------------------------------------------- */

#define META_HEAD "<!DOCTYPE html>\n<html>\n<head>\n  <title>My app</title>\n"
#define META_TAIL "</head>\n<body><h1>My App</h1></body>\n</html>\n"
#define TAG_ARCH                                                                                   \
    "  <meta name=\"ac-discovery\" content=\"example.com "                                         \
    "https://storage.example.com/{name}-{version}-{os}-{arch}.{ext}\">\n"
#define TAG_ARCH_04                                                                                \
    "  <meta name=\"ac-discovery\" content=\"example.com "                                         \
    "https://another.storage.example.com/{name}-{version}-{os}-{arch}.{ext}\">\n"
#define TAG_VERSION                                                                                \
    "  <meta name=\"ac-discovery\" content=\"example.com "                                         \
    "https://storage.example.com/{name}-{version}.{ext}\">\n"
#define TAG_HDFS                                                                                   \
    "  <meta name=\"ac-discovery\" content=\"example.com "                                         \
    "hdfs://storage.example.com/{name}-{version}-{os}-{arch}.{ext}\">\n"
#define TAG_KEYS                                                                                   \
    "  <meta name=\"ac-discovery-pubkeys\" content=\"example.com "                                 \
    "https://example.com/pubkeys.gpg\">\n"

static const char meta01[] = META_HEAD TAG_ARCH TAG_KEYS META_TAIL;
static const char meta02[] = META_HEAD TAG_ARCH META_TAIL;
static const char meta03[] = META_HEAD TAG_KEYS META_TAIL;
static const char meta04[] = META_HEAD TAG_ARCH_04 TAG_KEYS META_TAIL;
static const char meta05[] = META_HEAD TAG_ARCH TAG_VERSION TAG_KEYS META_TAIL;
static const char meta06[] = META_HEAD TAG_ARCH TAG_VERSION TAG_HDFS TAG_KEYS META_TAIL;

#define STORAGE "https://storage.example.com/example.com"
#define KEY     "https://example.com/pubkeys.gpg"

typedef struct served {
    const char *url;
    const char *body; /* NULL: this URL answers 500 */
} served;

typedef struct fake {
    const served *pages;
    size_t n;
    bool https_down; /* every https:// request fails at the transport */
    char **requested;
} fake;

static int fake_get(void *ctx, const char *url, char **ret_body, size_t *ret_len, orb_error **err)
{
    fake *f = ctx;

    strv_push(&f->requested, url);
    if (f->https_down && strncmp(url, "https://", 8) == 0)
        return orb_err(err, 0, "%s: connection refused", url);
    for (size_t i = 0; i < f->n; i++) {
        if (strcmp(f->pages[i].url, url) != 0)
            continue;
        if (!f->pages[i].body)
            return orb_err(err, 0, "%s: HTTP 500 Internal Server Error", url);
        *ret_body = xstrdup(f->pages[i].body);
        *ret_len = strlen(f->pages[i].body);
        return 0;
    }
    return orb_err(err, 0, "%s: HTTP 404 Not Found", url);
}

#define PAGE(path, body)                                                                           \
    {                                                                                              \
        "https://example.com" path "?ac-discovery=1", body                                         \
    }

/* The reference's default app: example.com/myapp, version 1.0.0, linux, amd64. */
static orb_kv_list default_labels(void)
{
    orb_kv_list l = {0};
    orb_kv_set(&l, "version", "1.0.0");
    orb_kv_set(&l, "os", "linux");
    orb_kv_set(&l, "arch", "amd64");
    return l;
}

typedef struct expect {
    const char *aci[4]; /* NULL-terminated; all NULL: the endpoint walk fails */
    const char *key;    /* NULL: the pubkey walk fails */
} expect;

static void check_walk(fake *f, const char *name, const orb_kv_list *labels, unsigned walk,
                       bool insecure_http, bool insecure_tls, const expect *want)
{
    orb_discovery_options o = {.walks = walk,
                               .insecure_http = insecure_http,
                               .insecure_tls = insecure_tls,
                               .get = fake_get,
                               .get_ctx = f};
    orb_discovery_result r;
    orb_error *e = NULL;
    bool should_work = walk == ORB_DISCOVER_ENDPOINTS ? want->aci[0] != NULL : want->key != NULL;

    int ret = orb_discover(name, labels, &o, &r, &e);
    if (!should_work) {
        assert_int_equal(ret, -1);
        assert_non_null(e);
        assert_non_null(strstr(e->msg, "discovery failed for "));
        assert_null(r.endpoints);
        orb_error_free(e);
        return;
    }
    assert_int_equal(ret, 0);
    if (walk == ORB_DISCOVER_ENDPOINTS) {
        size_t n = 0;
        while (want->aci[n])
            n++;
        assert_int_equal(r.n_endpoints, n);
        for (size_t i = 0; i < n; i++) {
            _cleanup_free_ char *asc = xasprintf("%s.asc", want->aci[i]);
            assert_string_equal(r.endpoints[i].aci, want->aci[i]);
            assert_string_equal(r.endpoints[i].asc, asc);
        }
        assert_null(r.pubkeys);
    } else {
        assert_int_equal(strv_length(r.pubkeys), 1);
        assert_string_equal(r.pubkeys[0], want->key);
        assert_string_equal(r.pubkeys_prefix, "example.com");
        assert_int_equal(r.n_endpoints, 0);
    }
    orb_discovery_result_clear(&r);
}

/* Runs both walks with the 4 insecure-flag combinations, as the reference does. */
static void run_case(const served *pages, size_t n, const char *name, const orb_kv_list *labels,
                     const expect *want)
{
    for (int flags = 0; flags < 4; flags++) {
        for (unsigned walk = ORB_DISCOVER_ENDPOINTS; walk <= ORB_DISCOVER_PUBKEYS; walk <<= 1) {
            fake f = {.pages = pages, .n = n};
            check_walk(&f, name, labels, walk, flags & 1, flags & 2, want);
            strv_free(f.requested);
        }
    }
}

/* ---- discovery test cases 1-8 of the reference -------------------------------------- */

static void test_case1_app_page(void **state)
{
    static const served pages[] = {PAGE("/myapp", meta01)};
    orb_kv_list l = default_labels();
    expect want = {{STORAGE "/myapp-1.0.0-linux-amd64.aci"}, KEY};
    (void)state;
    run_case(pages, ARRAY_SIZE(pages), "example.com/myapp", &l, &want);
    orb_kv_list_clear(&l);
}

static void test_case2_root_page(void **state)
{
    static const served pages[] = {PAGE("", meta01)};
    orb_kv_list l = default_labels();
    expect want = {{STORAGE "/myapp/foobar-1.0.0-linux-amd64.aci"}, KEY};
    (void)state;
    run_case(pages, ARRAY_SIZE(pages), "example.com/myapp/foobar", &l, &want);
    orb_kv_list_clear(&l);
}

static void test_case3_page_out_of_the_path(void **state)
{
    static const served pages[] = {PAGE("/path/out/of/myapp", meta01)};
    orb_kv_list l = default_labels();
    expect want = {{NULL}, NULL};
    (void)state;
    run_case(pages, ARRAY_SIZE(pages), "example.com/myapp/foobar/bazzer", &l, &want);
    orb_kv_list_clear(&l);
}

static void test_case4_independent_walks(void **state)
{
    static const served pages[] = {PAGE("", meta02), PAGE("/myapp", meta03)};
    static const served swapped[] = {PAGE("", meta03), PAGE("/myapp", meta02)};
    orb_kv_list l = default_labels();
    expect want = {{STORAGE "/myapp-1.0.0-linux-amd64.aci"}, KEY};
    (void)state;
    run_case(pages, ARRAY_SIZE(pages), "example.com/myapp", &l, &want);
    run_case(swapped, ARRAY_SIZE(swapped), "example.com/myapp", &l, &want);
    orb_kv_list_clear(&l);
}

static void test_case5_one_walk_fails(void **state)
{
    static const served only02[] = {PAGE("", meta02)};
    static const served only03[] = {PAGE("", meta03)};
    orb_kv_list l = default_labels();
    expect no_key = {{STORAGE "/myapp-1.0.0-linux-amd64.aci"}, NULL};
    expect no_aci = {{NULL}, KEY};
    (void)state;
    run_case(only02, ARRAY_SIZE(only02), "example.com/myapp", &l, &no_key);
    run_case(only03, ARRAY_SIZE(only03), "example.com/myapp", &l, &no_aci);
    orb_kv_list_clear(&l);
}

static void test_case6_deeper_page_wins(void **state)
{
    static const served pages[] = {PAGE("", meta04), PAGE("/myapp", meta02)};
    orb_kv_list l = default_labels();
    expect want = {{STORAGE "/myapp-1.0.0-linux-amd64.aci"}, KEY};
    (void)state;
    run_case(pages, ARRAY_SIZE(pages), "example.com/myapp", &l, &want);
    orb_kv_list_clear(&l);
}

static void test_case7_labels(void **state)
{
    static const served pages[] = {PAGE("/myapp", meta05)};
    orb_kv_list l = {0};
    expect version_only = {{STORAGE "/myapp-1.0.0.aci"}, KEY};
    expect latest = {{STORAGE "/myapp-latest.aci"}, KEY};
    (void)state;
    orb_kv_set(&l, "version", "1.0.0");
    run_case(pages, ARRAY_SIZE(pages), "example.com/myapp", &l, &version_only);
    run_case(pages, ARRAY_SIZE(pages), "example.com/myapp", NULL, &latest);
    orb_kv_list_clear(&l);
    /* an empty version is defaulted too */
    orb_kv_set(&l, "version", "");
    run_case(pages, ARRAY_SIZE(pages), "example.com/myapp", &l, &latest);
    orb_kv_list_clear(&l);
    orb_kv_set(&l, "name", "labelcalledname");
    orb_kv_set(&l, "version", "1.0.0");
    run_case(pages, ARRAY_SIZE(pages), "example.com/myapp", &l, &version_only);
    orb_kv_list_clear(&l);
}

/* The reference returns the hdfs endpoint too; orbit skips schemes it cannot
 * fetch and says so in the attempts. */
static void test_case8_document_order_and_schemes(void **state)
{
    static const served pages[] = {PAGE("/myapp", meta06)};
    orb_kv_list l = default_labels();
    expect want = {{STORAGE "/myapp-1.0.0-linux-amd64.aci", STORAGE "/myapp-1.0.0.aci"}, KEY};
    fake f = {.pages = pages, .n = ARRAY_SIZE(pages)};
    orb_discovery_options o = {.walks = ORB_DISCOVER_ENDPOINTS, .get = fake_get, .get_ctx = &f};
    orb_discovery_result r;
    (void)state;
    run_case(pages, ARRAY_SIZE(pages), "example.com/myapp", &l, &want);
    assert_int_equal(orb_discover("example.com/myapp", &l, &o, &r, NULL), 0);
    assert_int_equal(strv_length(r.attempts), 1);
    assert_string_equal(
        r.attempts[0],
        "hdfs://storage.example.com/example.com/myapp-1.0.0-linux-amd64.aci: unsupported scheme, "
        "skipped");
    orb_discovery_result_clear(&r);
    strv_free(f.requested);
    orb_kv_list_clear(&l);
}

/* ---- HTTPS first, HTTP only with insecure_http -------------------------------------- */

#define SERVER_PAGE(host)                                                                          \
    "<meta name=\"ac-discovery\" content=\"" host " https://" host "/{name}.{ext}\">"

typedef struct http_run {
    int ret;
    char **requested;
    orb_discovery_result r;
    orb_error *e;
} http_run;

static http_run discover_server(const served *pages, size_t n, bool https_down, const char *name,
                                bool insecure_http, bool insecure_tls)
{
    fake f = {.pages = pages, .n = n, .https_down = https_down};
    orb_discovery_options o = {.walks = ORB_DISCOVER_ENDPOINTS,
                               .insecure_http = insecure_http,
                               .insecure_tls = insecure_tls,
                               .get = fake_get,
                               .get_ctx = &f};
    http_run run = {0};

    run.ret = orb_discover(name, NULL, &o, &run.r, &run.e);
    run.requested = f.requested;
    return run;
}

static void http_run_clear(http_run *run)
{
    strv_free(run->requested);
    orb_discovery_result_clear(&run->r);
    orb_error_free(run->e);
}

static void assert_requested(char **got, const char *a, const char *b)
{
    assert_int_equal(strv_length(got), b ? 2 : 1);
    assert_string_equal(got[0], a);
    if (b)
        assert_string_equal(got[1], b);
}

static void test_http_good_server(void **state)
{
    static const served pages[] = {
        {"https://good-server?ac-discovery=1", SERVER_PAGE("good-server")}};
    (void)state;
    for (int tls = 0; tls < 2; tls++) {
        for (int http = 0; http < 2; http++) {
            http_run run = discover_server(pages, 1, false, "good-server", http, tls);
            assert_int_equal(run.ret, 0);
            assert_requested(run.requested, "https://good-server?ac-discovery=1", NULL);
            assert_string_equal(run.r.endpoints[0].aci, "https://good-server/good-server.aci");
            http_run_clear(&run);
        }
    }
}

static void test_http_file_only_on_http(void **state)
{
    static const served pages[] = {
        {"http://file-only-on-http?ac-discovery=1", SERVER_PAGE("file-only-on-http")}};
    http_run run;
    (void)state;
    run = discover_server(pages, 1, false, "file-only-on-http", false, false);
    assert_int_equal(run.ret, -1);
    assert_requested(run.requested, "https://file-only-on-http?ac-discovery=1", NULL);
    assert_string_equal(run.e->msg, "discovery failed for file-only-on-http: "
                                    "https://file-only-on-http?ac-discovery=1: HTTP 404 Not Found");
    http_run_clear(&run);

    run = discover_server(pages, 1, false, "file-only-on-http", true, false);
    assert_int_equal(run.ret, 0);
    assert_requested(run.requested, "https://file-only-on-http?ac-discovery=1",
                     "http://file-only-on-http?ac-discovery=1");
    assert_string_equal(run.r.endpoints[0].aci, "https://file-only-on-http/file-only-on-http.aci");
    assert_null(run.r.attempts); /* the https failure is not kept once http answered */
    http_run_clear(&run);
}

static void test_http_https_down(void **state)
{
    static const served pages[] = {{"http://down?ac-discovery=1", SERVER_PAGE("down")}};
    http_run run;
    (void)state;
    run = discover_server(pages, 1, true, "down", true, false);
    assert_int_equal(run.ret, 0);
    assert_requested(run.requested, "https://down?ac-discovery=1", "http://down?ac-discovery=1");
    http_run_clear(&run);

    run = discover_server(pages, 1, true, "down", false, true);
    assert_int_equal(run.ret, -1);
    assert_requested(run.requested, "https://down?ac-discovery=1", NULL);
    assert_string_equal(
        run.e->msg, "discovery failed for down: https://down?ac-discovery=1: connection refused");
    http_run_clear(&run);
}

static void test_http_404_on_both(void **state)
{
    http_run run;
    (void)state;
    run = discover_server(NULL, 0, false, "example.com/app", true, false);
    assert_int_equal(run.ret, -1);
    assert_int_equal(strv_length(run.requested), 4);
    assert_string_equal(run.requested[0], "https://example.com/app?ac-discovery=1");
    assert_string_equal(run.requested[1], "http://example.com/app?ac-discovery=1");
    assert_string_equal(run.requested[2], "https://example.com?ac-discovery=1");
    assert_string_equal(run.requested[3], "http://example.com?ac-discovery=1");
    assert_string_equal(run.e->msg, "discovery failed for example.com/app: "
                                    "http://example.com/app?ac-discovery=1: HTTP 404 Not Found; "
                                    "http://example.com?ac-discovery=1: HTTP 404 Not Found");
    http_run_clear(&run);
}

/* ---- the walk's details ---------------------------------------------------------------- */

static void test_walk_fetches_each_page_once(void **state)
{
    static const served pages[] = {PAGE("", meta02), PAGE("/myapp", meta03)};
    fake f = {.pages = pages, .n = ARRAY_SIZE(pages)};
    orb_discovery_options o = {
        .walks = ORB_DISCOVER_ENDPOINTS | ORB_DISCOVER_PUBKEYS, .get = fake_get, .get_ctx = &f};
    orb_discovery_result r;
    orb_kv_list l = default_labels();
    (void)state;
    assert_int_equal(orb_discover("example.com/myapp", &l, &o, &r, NULL), 0);
    assert_requested(f.requested, "https://example.com/myapp?ac-discovery=1",
                     "https://example.com?ac-discovery=1");
    assert_int_equal(r.n_endpoints, 1);
    assert_string_equal(r.endpoints[0].aci, STORAGE "/myapp-1.0.0-linux-amd64.aci");
    assert_string_equal(r.pubkeys[0], KEY);
    orb_discovery_result_clear(&r);
    strv_free(f.requested);
    orb_kv_list_clear(&l);
}

static void test_walk_port_and_failures(void **state)
{
    static const served pages[] = {{"https://127.0.0.1:8443?ac-discovery=1",
                                    "<meta name=ac-discovery-pubkeys "
                                    "content=\"127.0.0.1:8443/ https://k\">"},
                                   {"https://127.0.0.1:8443/app?ac-discovery=1", NULL}};
    fake f = {.pages = pages, .n = ARRAY_SIZE(pages)};
    orb_discovery_options o = {.walks = ORB_DISCOVER_PUBKEYS, .get = fake_get, .get_ctx = &f};
    orb_discovery_result r;
    (void)state;
    assert_int_equal(orb_discover("127.0.0.1:8443/app", NULL, &o, &r, NULL), 0);
    assert_requested(f.requested, "https://127.0.0.1:8443/app?ac-discovery=1",
                     "https://127.0.0.1:8443?ac-discovery=1");
    assert_string_equal(r.pubkeys[0], "https://k");
    assert_string_equal(r.pubkeys_prefix, "127.0.0.1:8443/");
    assert_int_equal(strv_length(r.attempts), 1);
    assert_string_equal(
        r.attempts[0], "https://127.0.0.1:8443/app?ac-discovery=1: HTTP 500 Internal Server Error");
    orb_discovery_result_clear(&r);
    strv_free(f.requested);
}

static void test_walk_prefix_is_a_raw_string(void **state)
{
    static const served pages[] = {
        PAGE("/myapp", "<meta name=ac-discovery content=\"example.com/my https://a/{name}.{ext}\">"
                       "<meta name=ac-discovery content=\"example.com/other https://b/{ext}\">"
                       "<meta name=ac-discovery content=\"example.com/myapp/x https://c/{ext}\">")};
    orb_kv_list l = {0};
    expect want = {{"https://a/example.com/myapp.aci"}, NULL};
    (void)state;
    run_case(pages, ARRAY_SIZE(pages), "example.com/myapp", &l, &want);
}

static void test_walk_no_tags_and_bad_pages(void **state)
{
    char *big = xmalloc(ORB_DISCOVERY_PAGE_MAX + 2);
    memset(big, ' ', ORB_DISCOVERY_PAGE_MAX + 1);
    big[ORB_DISCOVERY_PAGE_MAX + 1] = '\0';
    served pages[] = {PAGE("/app", big), PAGE("", "<html>nothing here</html>")};
    http_run run;
    (void)state;
    run = discover_server(pages, 2, false, "example.com/app", false, false);
    assert_int_equal(run.ret, -1);
    assert_string_equal(
        run.e->msg, "discovery failed for example.com/app: https://example.com/app?ac-discovery=1: "
                    "discovery page: 1048577 bytes is larger than the limit of 1048576 bytes; "
                    "no ac-discovery tag for it on the other pages");
    http_run_clear(&run);
    run = discover_server(pages + 1, 1, false, "example.com", false, false);
    assert_int_equal(run.ret, -1);
    assert_string_equal(run.e->msg,
                        "discovery failed for example.com: no ac-discovery tag for it on any page");
    http_run_clear(&run);
    free(big);
}

static void test_walk_unusable_names(void **state)
{
    static const char *const bad[] = {"", "/abs", "a b", "a?b", "a#b", "user@host/app", "a\\b"};
    (void)state;
    for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
        http_run run = discover_server(NULL, 0, false, bad[i], true, true);
        assert_int_equal(run.ret, -1);
        assert_null(run.requested);
        assert_non_null(strstr(run.e->msg, "not a usable image name"));
        http_run_clear(&run);
    }
}

/* The default transport: a closed local port fails at https and the walk says so. */
static void test_walk_default_transport(void **state)
{
    orb_discovery_options o = {.walks = ORB_DISCOVER_ENDPOINTS};
    orb_discovery_result r;
    orb_error *e = NULL;
    (void)state;
    assert_int_equal(orb_discover("127.0.0.1:1/app", NULL, &o, &r, &e), -1);
    assert_non_null(strstr(e->msg, "discovery failed for 127.0.0.1:1/app: "));
    assert_non_null(strstr(e->msg, "https://127.0.0.1:1/app?ac-discovery=1"));
    orb_error_free(e);
}

/* ---- the real transport against tests/integration/httpd.py ------------------------- */

#ifndef SOURCE_ROOT
#define SOURCE_ROOT "."
#endif

static void write_file(const char *dir, const char *name, const char *text)
{
    _cleanup_free_ char *path = xasprintf("%s/%s", dir, name);
    FILE *f = fopen(path, "we");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

/* Starts a plain-HTTP httpd.py on dir; returns its port, or -1. */
static int spawn_httpd(const char *dir, pid_t *pid)
{
    int p[2], port = -1;
    char line[64] = "";
    FILE *f;

    if (pipe2(p, O_CLOEXEC) < 0)
        return -1;
    *pid = fork();
    if (*pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGTERM);
        dup2(p[1], STDOUT_FILENO);
        execl("/usr/bin/python3", "python3", SOURCE_ROOT "/tests/integration/httpd.py", dir,
              (char *)NULL);
        _exit(127);
    }
    close(p[1]);
    f = fdopen(p[0], "r");
    if (!f || !fgets(line, sizeof(line), f) || sscanf(line, "PORT %d", &port) != 1)
        port = -1;
    if (f)
        fclose(f);
    return port;
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st, (void)flag, (void)ftw;
    return remove(path);
}

/* https:// fails against a plain server; http:// is used only with
 * insecure_http, and the Authorization header reaches it unchanged. */
static void test_http_transport_fallback_and_auth(void **state)
{
    char tmpl[] = "/tmp/orbit-test-discovery-XXXXXX";
    char *dir = mkdtemp(tmpl);
    pid_t pid = -1;
    int port;
    (void)state;
    assert_non_null(dir);
    write_file(dir, "app.discovery.html",
               "<meta name=ac-discovery content=\"127.0.0.1 "
               "https://h/{name}.{ext}\">");
    write_file(dir, "app.discovery.html.headers", "{\"basic_auth\": \"bar:baz\"}");
    port = spawn_httpd(dir, &pid);
    assert_true(port > 0);

    _cleanup_free_ char *name = xasprintf("127.0.0.1:%d/app", port);
    _cleanup_free_ char *domain = xasprintf("127.0.0.1:%d", port);
    char *domains[] = {domain, NULL};
    orb_auth_entry entry = {.domains = domains, .header = "Authorization: Basic YmFyOmJheg=="};
    orb_auth auth = {.entries = &entry, .n = 1};
    orb_discovery_options o = {.walks = ORB_DISCOVER_ENDPOINTS, .auth = &auth};
    orb_discovery_result r;
    orb_error *e = NULL;

    assert_int_equal(orb_discover(name, NULL, &o, &r, &e), -1);
    assert_non_null(strstr(e->msg, "discovery failed for 127.0.0.1:"));
    orb_error_free(e);

    o.insecure_http = true;
    assert_int_equal(orb_discover(name, NULL, &o, &r, NULL), 0);
    assert_int_equal(r.n_endpoints, 1);
    _cleanup_free_ char *want = xasprintf("https://h/%s.aci", name);
    assert_string_equal(r.endpoints[0].aci, want);
    orb_discovery_result_clear(&r);

    _cleanup_free_ char *log_path = xasprintf("%s/.requests.log", dir);
    char *log = NULL;
    size_t len = 0;
    FILE *f = fopen(log_path, "re");
    assert_non_null(f);
    assert_true(getdelim(&log, &len, '\0', f) > 0);
    fclose(f);
    assert_non_null(strstr(log, "\"Authorization\": \"Basic YmFyOmJheg==\""));
    free(log);

    kill(pid, SIGTERM);
    waitpid(pid, NULL, 0);
    nftw(dir, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_meta_attribute_order),
        cmocka_unit_test(test_meta_quotes),
        cmocka_unit_test(test_meta_entities),
        cmocka_unit_test(test_meta_comments_and_raw_text),
        cmocka_unit_test(test_meta_case_and_self_closing),
        cmocka_unit_test(test_meta_content_split),
        cmocka_unit_test(test_meta_broken_html),
        cmocka_unit_test(test_meta_size_limit),
        cmocka_unit_test(test_render),
        cmocka_unit_test(test_case1_app_page),
        cmocka_unit_test(test_case2_root_page),
        cmocka_unit_test(test_case3_page_out_of_the_path),
        cmocka_unit_test(test_case4_independent_walks),
        cmocka_unit_test(test_case5_one_walk_fails),
        cmocka_unit_test(test_case6_deeper_page_wins),
        cmocka_unit_test(test_case7_labels),
        cmocka_unit_test(test_case8_document_order_and_schemes),
        cmocka_unit_test(test_http_good_server),
        cmocka_unit_test(test_http_file_only_on_http),
        cmocka_unit_test(test_http_https_down),
        cmocka_unit_test(test_http_404_on_both),
        cmocka_unit_test(test_walk_fetches_each_page_once),
        cmocka_unit_test(test_walk_port_and_failures),
        cmocka_unit_test(test_walk_prefix_is_a_raw_string),
        cmocka_unit_test(test_walk_no_tags_and_bad_pages),
        cmocka_unit_test(test_walk_unusable_names),
        cmocka_unit_test(test_walk_default_transport),
        cmocka_unit_test(test_http_transport_fallback_and_auth),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
