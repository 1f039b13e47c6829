#include "fetch/curl_api.h"

#include "util/dlib.h"
#include "util/mem.h"

static orb_curl_api api;

static const orb_dlib_symbol symbols[] = {
    {"curl_global_init", (void **)&api.global_init},
    {"curl_easy_init", (void **)&api.easy_init},
    {"curl_easy_setopt", (void **)&api.easy_setopt},
    {"curl_easy_perform", (void **)&api.easy_perform},
    {"curl_easy_getinfo", (void **)&api.easy_getinfo},
    {"curl_easy_cleanup", (void **)&api.easy_cleanup},
    {"curl_easy_strerror", (void **)&api.easy_strerror},
    {"curl_slist_append", (void **)&api.slist_append},
    {"curl_slist_free_all", (void **)&api.slist_free_all},
};

static char *init(void)
{
    CURLcode r = api.global_init(CURL_GLOBAL_DEFAULT);
    return r == CURLE_OK ? NULL : xasprintf("initialise libcurl: %s", api.easy_strerror(r));
}

static orb_dlib libcurl = {
    .soname = "libcurl.so.4",
    .what = "libcurl",
    .symbols = symbols,
    .n_symbols = ARRAY_SIZE(symbols),
    .init = init,
};

const orb_curl_api *orb_curl(orb_error **err)
{
    return orb_dlib_load(&libcurl, err) < 0 ? NULL : &api;
}
