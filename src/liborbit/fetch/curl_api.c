#include "fetch/curl_api.h"

#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>

#include "util/mem.h"

static orb_curl_api api;
static char *load_error; /* why loading failed, or NULL */
static pthread_once_t once = PTHREAD_ONCE_INIT;

static bool bind_symbol(void *lib, const char *name, void *slot)
{
    void *sym = dlsym(lib, name);
    if (!sym) {
        load_error = xasprintf("libcurl.so.4 has no %s", name);
        return false;
    }
    *(void **)slot = sym;
    return true;
}

static void load(void)
{
    void *lib = dlopen("libcurl.so.4", RTLD_NOW | RTLD_LOCAL);
    if (!lib) {
        load_error = xasprintf("cannot load libcurl: %s", dlerror());
        return;
    }
    if (!bind_symbol(lib, "curl_global_init", &api.global_init) ||
        !bind_symbol(lib, "curl_easy_init", &api.easy_init) ||
        !bind_symbol(lib, "curl_easy_setopt", &api.easy_setopt) ||
        !bind_symbol(lib, "curl_easy_perform", &api.easy_perform) ||
        !bind_symbol(lib, "curl_easy_getinfo", &api.easy_getinfo) ||
        !bind_symbol(lib, "curl_easy_cleanup", &api.easy_cleanup) ||
        !bind_symbol(lib, "curl_easy_strerror", &api.easy_strerror) ||
        !bind_symbol(lib, "curl_slist_append", &api.slist_append) ||
        !bind_symbol(lib, "curl_slist_free_all", &api.slist_free_all))
        return;
    CURLcode r = api.global_init(CURL_GLOBAL_DEFAULT);
    if (r != CURLE_OK)
        load_error = xasprintf("initialise libcurl: %s", api.easy_strerror(r));
}

const orb_curl_api *orb_curl(orb_error **err)
{
    pthread_once(&once, load);
    if (load_error) {
        orb_err(err, ELIBACC, "%s", load_error);
        return NULL;
    }
    return &api;
}
