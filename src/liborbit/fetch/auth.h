/* Credentials for HTTP servers, from the .json files of auth.d/ in the config dirs:
 *
 *   {"rktKind": "auth", "rktVersion": "v1",
 *    "domains": ["example.com", "registry.example.com:8443"],
 *    "type": "basic", "credentials": {"user": "u", "password": "p"}}
 *   {"rktKind": "auth", "rktVersion": "v1", "domains": ["example.com"],
 *    "type": "oauth", "credentials": {"token": "t"}}
 *
 * (rkt's format; "orbitKind"/"orbitVersion" are accepted too). Files of the
 * local dir override those of the system dir with the same name. A header
 * is sent only to a matching host (and port, when the domain names one), and
 * only over https unless plain http was allowed. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "util/error.h"

/* A config file holds a few credentials; bigger ones are refused. */
#define ORB_AUTH_FILE_MAX (64 * 1024)

typedef struct orb_auth_entry {
    char **domains; /* "example.com" or "example.com:8443" */
    char *header;   /* "Authorization: Basic ..." / "Authorization: Bearer ..." */
    char *source;   /* the file it came from, for messages */
} orb_auth_entry;

typedef struct orb_auth {
    orb_auth_entry *entries;
    size_t n;
} orb_auth;

/* Reads <local_dir>/auth.d/ *.json and <system_dir>/auth.d/ *.json (missing
 * dirs are fine). A malformed file is an error naming it and the field. */
int orb_auth_load(const char *local_dir, const char *system_dir, orb_auth *ret, orb_error **err);
void orb_auth_clear(orb_auth *a);

/* The header line to send to url, or NULL. allow_http: plain http allowed. */
const char *orb_auth_header_for(const orb_auth *a, const char *url, bool allow_http);
/* The entry that would match url's host, even over http (for messages). */
const orb_auth_entry *orb_auth_entry_for_host(const orb_auth *a, const char *url);
