/* Isolators (spec/ace.md "Isolators"): each known name has its value decoded
 * and checked; unknown names keep their raw JSON (allowed in pods only). */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "schema/types.h"
#include "util/problems.h"

typedef enum orb_isolator_kind {
    ORB_ISOLATOR_UNKNOWN,
    ORB_ISOLATOR_RESOURCE_CPU,               /* resource/cpu */
    ORB_ISOLATOR_RESOURCE_MEMORY,            /* resource/memory */
    ORB_ISOLATOR_RESOURCE_BLOCK_BANDWIDTH,   /* resource/block-bandwidth */
    ORB_ISOLATOR_RESOURCE_BLOCK_IOPS,        /* resource/block-iops */
    ORB_ISOLATOR_RESOURCE_NETWORK_BANDWIDTH, /* resource/network-bandwidth */
    ORB_ISOLATOR_CPU_SHARES,                 /* os/linux/cpu-shares */
    ORB_ISOLATOR_OOM_SCORE_ADJ,              /* os/linux/oom-score-adj */
    ORB_ISOLATOR_NO_NEW_PRIVILEGES,          /* os/linux/no-new-privileges */
    ORB_ISOLATOR_CAPABILITIES_RETAIN,        /* os/linux/capabilities-retain-set */
    ORB_ISOLATOR_CAPABILITIES_REMOVE,        /* os/linux/capabilities-remove-set */
    ORB_ISOLATOR_SECCOMP_RETAIN,             /* os/linux/seccomp-retain-set */
    ORB_ISOLATOR_SECCOMP_REMOVE,             /* os/linux/seccomp-remove-set */
    ORB_ISOLATOR_SELINUX_CONTEXT,            /* os/linux/selinux-context */
    ORB_ISOLATOR_APPARMOR_PROFILE,           /* os/linux/apparmor-profile */
    ORB_ISOLATOR_SYSCTL,                     /* os/unix/sysctl */
    _ORB_ISOLATOR_KIND_MAX,
} orb_isolator_kind;

typedef struct orb_isolator {
    char *name;
    orb_isolator_kind kind;
    char *raw; /* the value as compact JSON text, kept for serialisation */
    union {
        struct {
            bool has_default, default_value;
            bool has_request, has_limit;
            orb_quantity request, limit;
        } resource;
        int64_t integer; /* cpu-shares, oom-score-adj */
        bool flag;       /* no-new-privileges */
        struct {
            char **set;
            char *errno_name; /* seccomp only; NULL when absent */
        } set;                /* capabilities and seccomp sets */
        struct {
            char *user, *role, *type, *level;
        } selinux;
        char *apparmor_profile;
        orb_kv_list sysctl;
    } u;
} orb_isolator;

typedef struct orb_isolator_list {
    orb_isolator *items;
    size_t n;
} orb_isolator_list;

orb_isolator_kind orb_isolator_kind_from_name(const char *name);
const char *orb_isolator_kind_name(orb_isolator_kind kind);

/* Decodes and checks one isolator value given as JSON text (NULL or "null"
 * is a problem: the value is required). `path` is the isolator's own path;
 * problems go under path.value ("app.isolators[2].value.limit: ...").
 * problems may be NULL. On failure *ret is cleared and -1 returned. The
 * name is not checked here; unknown names keep their raw value. */
int orb_isolator_from_json(const char *name, const char *value_json, const char *path,
                           orb_isolator *ret, orb_problems *problems);
/* App-level rules: every name known, multiplicity, seccomp sets exclusive. */
void orb_isolators_check_app(const orb_isolator_list *l, const char *path, orb_problems *problems);
void orb_isolator_list_copy(orb_isolator_list *dst, const orb_isolator_list *src);
void orb_isolator_clear(orb_isolator *iso);
void orb_isolator_list_clear(orb_isolator_list *l);
