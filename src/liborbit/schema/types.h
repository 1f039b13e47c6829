/* appc 0.8.11 value types (spec/types.md) and their command-line string forms.
 *
 * Checkers return NULL when the value is valid, else a static reason phrase
 * ("must not start with '-'") that callers prefix with the field path.
 * Parsers that build a value take an orb_error and return 0 or -1. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/error.h"

/* ---- identifiers and scalars ------------------------------------------ */

const char *orb_check_ac_identifier(const char *s); /* image names, label names */
const char *orb_check_ac_name(const char *s);       /* app, volume, mount, port names */
/* expected is "ImageManifest" or "PodManifest" */
const char *orb_check_ac_kind(const char *s, const char *expected);
/* Image ID / Hash in its loose form ("sha512-" + non-empty value) */
const char *orb_check_hash(const char *s);
/* A full image ID: "sha512-" + 128 lowercase hex digits */
bool orb_is_full_image_id(const char *s);
const char *orb_check_date(const char *s); /* RFC 3339 */
const char *orb_check_http_url(const char *s);
const char *orb_check_env_name(const char *s);
/* The os/arch table; arch may be NULL (then only os is checked). */
const char *orb_check_os_arch(const char *os, const char *arch);
/* The host's appc os and arch values ("linux", "amd64", "aarch64", ...). */
const char *orb_host_os(void);
const char *orb_host_arch(void);

/* ---- semantic versions ------------------------------------------------ */

typedef struct orb_semver {
    int64_t major, minor, patch;
    char *prerelease; /* NULL when absent */
    char *metadata;   /* NULL when absent */
} orb_semver;

const char *orb_semver_parse(const char *s, orb_semver *ret); /* ret may be NULL */
void orb_semver_clear(orb_semver *v);

/* ---- UUIDs ------------------------------------------------------------ */

/* Accepts any case, with or without dashes; writes the canonical lowercase
 * 8-4-4-4-12 form (36 chars + NUL) to out when out is non-NULL. */
const char *orb_uuid_parse(const char *s, char out[37]);

/* ---- resource quantities ---------------------------------------------- */

/* A Kubernetes-style quantity ("500m", "1.5Gi", "1e3"). The text is kept for
 * serialisation; the numbers are ceilings saturated at INT64_MAX/INT64_MIN. */
typedef struct orb_quantity {
    char *text;
    int64_t value; /* ceil(quantity) */
    int64_t milli; /* ceil(quantity * 1000) */
} orb_quantity;

const char *orb_quantity_parse(const char *s, orb_quantity *ret); /* ret may be NULL */
void orb_quantity_clear(orb_quantity *q);

/* ---- name/value lists: labels, annotations, environment ----------------- */

typedef struct orb_kv {
    char *name;
    char *value;
} orb_kv;

typedef struct orb_kv_list {
    orb_kv *items;
    size_t n;
} orb_kv_list;

void orb_kv_set(orb_kv_list *l, const char *name, const char *value); /* replace or append */
const char *orb_kv_get(const orb_kv_list *l, const char *name);
bool orb_kv_remove(orb_kv_list *l, const char *name);
void orb_kv_list_copy(orb_kv_list *dst, const orb_kv_list *src);
void orb_kv_list_clear(orb_kv_list *l);

/* ---- string forms used on command lines --------------------------------- */

/* Splits "NAME,k=v,k=v" into ordered key/value pairs, the first one being
 * name=NAME. A part without '=' or a repeated key is an error. */
int orb_parse_kv_string(const char *s, orb_kv_list *ret, orb_error **err);
/* Go's strconv.ParseBool spellings. */
const char *orb_parse_bool(const char *s, bool *ret);

typedef enum orb_volume_kind { ORB_VOLUME_HOST, ORB_VOLUME_EMPTY } orb_volume_kind;

typedef struct orb_volume {
    char *name;
    orb_volume_kind kind;
    char *source;  /* host only */
    int read_only; /* -1 unset, 0, 1 */
    int recursive; /* -1 unset, 0, 1 */
    char *mode;    /* empty only; NULL when unset ("0755" when applied) */
    bool has_uid, has_gid;
    int64_t uid, gid;
} orb_volume;

/* "NAME,kind=host,source=/x,readOnly=true,recursive=false"
 * "NAME,kind=empty,mode=0755,uid=0,gid=0" */
int orb_volume_parse_string(const char *s, orb_volume *ret, orb_error **err);
char *orb_volume_to_string(const orb_volume *v);
/* The volume rules (name, kind-specific fields): NULL when valid, else a
 * static "field: reason" text ("source: must be an absolute path"). */
const char *orb_volume_check(const orb_volume *v);
void orb_volume_clear(orb_volume *v);
void orb_volume_copy(orb_volume *dst, const orb_volume *src);

typedef struct orb_mount_point {
    char *name;
    char *path;
    bool read_only;
} orb_mount_point;

/* "NAME,path=/x,readOnly=true" */
int orb_mount_point_parse_string(const char *s, orb_mount_point *ret, orb_error **err);
char *orb_mount_point_to_string(const orb_mount_point *m);
void orb_mount_point_clear(orb_mount_point *m);
void orb_mount_point_copy(orb_mount_point *dst, const orb_mount_point *src);

typedef struct orb_port {
    char *name;
    char *protocol;
    unsigned port;  /* 1..65535 */
    unsigned count; /* >= 1 once validated from JSON; may be 0 in the string form */
    bool socket_activated;
} orb_port;

/* "NAME,protocol=tcp,port=8080,count=1,socketActivated=false" */
int orb_port_parse_string(const char *s, orb_port *ret, orb_error **err);
char *orb_port_to_string(const orb_port *p);
/* port range rule: 1 <= port <= 65535, port + count <= 65536 */
const char *orb_port_check_range(int64_t port, int64_t count);
void orb_port_clear(orb_port *p);
void orb_port_copy(orb_port *dst, const orb_port *src);

/* ---- app strings ("example.com/app:1.0,channel=beta") -------------------- */

typedef struct orb_app_ref {
    char *name;
    orb_kv_list labels; /* version from ":V" first, then k=v pairs in order */
} orb_app_ref;

int orb_app_ref_parse(const char *s, orb_app_ref *ret, orb_error **err);
void orb_app_ref_clear(orb_app_ref *r);
