/* libcurl, loaded when the first URL is fetched rather than when orbit
 * starts: libcurl brings some thirty libraries (TLS, Kerberos, LDAP, ...)
 * whose loading and constructors cost every command about 2.5 ms, pod
 * starts included, although most commands never fetch anything. */
#pragma once

#include <curl/curl.h>

#include "util/error.h"

typedef struct orb_curl_api {
    CURLcode (*global_init)(long flags);
    CURL *(*easy_init)(void);
    CURLcode (*easy_setopt)(CURL *curl, CURLoption option, ...);
    CURLcode (*easy_perform)(CURL *curl);
    CURLcode (*easy_getinfo)(CURL *curl, CURLINFO info, ...);
    void (*easy_cleanup)(CURL *curl);
    const char *(*easy_strerror)(CURLcode code);
    struct curl_slist *(*slist_append)(struct curl_slist *list, const char *string);
    void (*slist_free_all)(struct curl_slist *list);
} orb_curl_api;

/* The loaded library, initialised once (curl_global_init); NULL with an
 * error naming what is missing when it cannot be loaded. */
const orb_curl_api *orb_curl(orb_error **err);
