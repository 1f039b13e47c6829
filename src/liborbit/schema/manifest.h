/* ImageManifest and PodManifest of appc 0.8.11 (spec/aci.md, spec/pods.md):
 * parse from JSON (duplicate keys rejected, every problem recorded with its
 * field path), validate, and serialise back to JSON. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "schema/isolator.h"
#include "schema/types.h"
#include "util/error.h"
#include "util/problems.h"

/* Manifests are small; anything bigger than this is refused before parsing. */
#define ORB_MANIFEST_MAX_SIZE (1024 * 1024)

typedef struct orb_event_handler {
    char *name; /* "pre-start" or "post-stop" */
    char **exec;
} orb_event_handler;

typedef struct orb_app {
    char **exec; /* NULL when absent */
    char *user;
    char *group;
    int64_t *supplementary_gids;
    size_t n_supplementary_gids;
    char *working_directory; /* NULL when absent */
    orb_event_handler *event_handlers;
    size_t n_event_handlers;
    orb_kv_list environment;
    orb_isolator_list isolators;
    orb_mount_point *mount_points;
    size_t n_mount_points;
    orb_port *ports;
    size_t n_ports;
    orb_kv_list user_annotations;
    orb_kv_list user_labels;
} orb_app;

typedef struct orb_dependency {
    char *image_name;
    char *image_id; /* NULL when absent */
    orb_kv_list labels;
    bool has_size;
    uint64_t size;
} orb_dependency;

typedef struct orb_image_manifest {
    char *ac_version;
    char *name;
    orb_kv_list labels;
    orb_app *app; /* NULL when absent */
    orb_kv_list annotations;
    orb_dependency *dependencies;
    size_t n_dependencies;
    char **path_whitelist; /* NULL when absent */
} orb_image_manifest;

typedef struct orb_runtime_image {
    char *name; /* NULL when absent */
    char *id;   /* NULL when absent */
    orb_kv_list labels;
} orb_runtime_image;

typedef struct orb_mount {
    char *volume;
    char *path;
    orb_volume *app_volume; /* NULL when absent */
} orb_mount;

typedef struct orb_runtime_app {
    char *name;
    orb_runtime_image image;
    orb_app *app; /* NULL when absent */
    bool read_only_rootfs;
    orb_mount *mounts;
    size_t n_mounts;
    orb_kv_list annotations;
} orb_runtime_app;

typedef struct orb_exposed_port {
    char *name;
    unsigned host_port;
    char *host_ip;      /* NULL when absent */
    orb_port *pod_port; /* NULL when absent */
} orb_exposed_port;

typedef struct orb_pod_manifest {
    char *ac_version; /* NULL when absent */
    orb_runtime_app *apps;
    size_t n_apps;
    orb_volume *volumes;
    size_t n_volumes;
    orb_isolator_list isolators;
    orb_kv_list annotations;
    orb_exposed_port *ports;
    size_t n_ports;
    orb_kv_list user_annotations;
    orb_kv_list user_labels;
} orb_pod_manifest;

/* Parsing: on failure every problem found is appended to *problems (which may
 * be NULL), one per field ("app.ports[1].count: must be at least 1", "line 3,
 * column 14: duplicate object key") and -1 is returned with *ret NULL.
 * Keys are matched case-sensitively and unknown keys are ignored. Inputs
 * larger than ORB_MANIFEST_MAX_SIZE are refused before decoding. */
int orb_image_manifest_parse(const char *json, size_t len, orb_image_manifest **ret,
                             orb_problems *problems);
int orb_pod_manifest_parse(const char *json, size_t len, orb_pod_manifest **ret,
                           orb_problems *problems);
/* The same with the problems folded into one error "manifest: a; b". */
int orb_image_manifest_load(const char *json, size_t len, orb_image_manifest **ret,
                            orb_error **err);
int orb_pod_manifest_load(const char *json, size_t len, orb_pod_manifest **ret, orb_error **err);

/* Re-checks a manifest built or edited in memory (the same rules as parsing,
 * except the acKind, which the structures do not hold). problems may be NULL. */
int orb_image_manifest_validate(const orb_image_manifest *m, orb_problems *problems);
int orb_pod_manifest_validate(const orb_pod_manifest *m, orb_problems *problems);

/* Serialisation: compact (one line) or pretty (4-space indent); keys in the
 * spec's order; optional fields omitted when absent or empty (a pod's apps,
 * volumes, isolators, annotations and ports are always written, [] if empty). Isolator values are
 * written from their raw JSON. Always ends without a newline; free() the result. */
char *orb_image_manifest_to_json(const orb_image_manifest *m, bool pretty);
char *orb_pod_manifest_to_json(const orb_pod_manifest *m, bool pretty);

orb_app *orb_app_new(void);
void orb_app_free(orb_app *a);
void orb_image_manifest_free(orb_image_manifest *m);
void orb_pod_manifest_free(orb_pod_manifest *m);
void orb_image_manifest_freep(orb_image_manifest **m);
void orb_pod_manifest_freep(orb_pod_manifest **m);
