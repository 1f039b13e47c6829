/* Preparing a pod: the images fetched (pull policy `new`), one pod manifest
 * reified from the command line (or given whole), every app's image rendered
 * (store trees shared read-only), and the pod directory filled, so that
 * running it needs nothing from the network or the store's writers. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "pod/pod.h"
#include "schema/manifest.h"
#include "store/acquire.h"
#include "store/store.h"

/* One app as `orbit run IMAGE [app flags] [-- ARGS]` describes it. Every
 * string is as the user typed it; NULL/empty means "as the image says". */
typedef struct orb_app_request {
    char *image;              /* ID, name with labels, path or URL */
    char *name;               /* --name; default: the image name's last segment, as an AC Name */
    char *exec;               /* --exec: the program (its args from args, else none) */
    char **args;              /* after --: replace the image's arguments (exec[1..]) */
    bool has_args;            /* `--` was given (possibly with no args) */
    char *user, *group;       /* --user, --group */
    char *supplementary_gids; /* --supplementary-gids=1,2 */
    char *working_dir;        /* --working-dir */
    bool readonly_rootfs;     /* --readonly-rootfs */
    orb_kv_list environment;  /* --environment=K=V (highest precedence) */
    orb_kv_list annotations;  /* --annotation=K=V */
    orb_kv_list user_annotations, user_labels;
    char **mounts; /* --mount=volume=NAME,target=PATH */
    /* isolators, recorded now and enforced by the executor later */
    char *memory;        /* --memory=512M or bytes */
    char *cpu;           /* --cpu=500m or cores */
    char *cpu_shares;    /* --cpu-shares=N */
    char *oom_score_adj; /* --oom-score-adj=N */
    char *caps_retain;   /* --caps-retain=CAP_A,CAP_B */
    char *caps_remove;   /* --caps-remove=... */
    char *seccomp;       /* --seccomp=mode=retain|remove[,errno=E],SYSCALL,... */
} orb_app_request;

typedef struct orb_pod_request {
    orb_app_request *apps;
    size_t n_apps;
    const char *pod_manifest_path; /* --pod-manifest: this manifest instead of apps */
    char **volumes;                /* --volume=NAME,kind=...,... */
    char **ports;                  /* --port=NAME:HOSTPORT (exposed ports) */
    orb_kv_list set_env;           /* --set-env=K=V */
    char **set_env_files;          /* --set-env-file=FILE (K=V lines) */
    bool inherit_env;              /* --inherit-env: the environment of the preparing process */
    bool no_overlay;               /* --no-overlay: copy each rendered tree instead */
    orb_kv_list annotations;       /* pod annotations */
    orb_acquire_options acquire;   /* how images are fetched (pull policy default `new`);
                                    * its pointers are not owned by the request */
} orb_pod_request;

/* Free every string and list of the request (not what r->acquire points to). */
void orb_app_request_clear(orb_app_request *r);
/* The default app name of an image: the last segment of its name as an AC
 * Name ("example.com/my_app" -> "my-app"); may be empty. Allocated. */
char *orb_app_name_from_image(const char *image_name);
void orb_pod_request_clear(orb_pod_request *r);

/* Builds the pod manifest from a request and the images' manifests (ids[i]
 * and images[i] for apps[i]): app names unique (default from image names),
 * every override applied over the image's app, environment in rkt's order
 * (--inherit-env < image < --set-env-file < --set-env < --environment: the
 * host's variables only fill what the image leaves unset, as rkt documents), volumes
 * and mounts checked (a mount naming an unknown volume is an error; a mount
 * point without a volume gets an implicit empty volume), isolator flags as
 * isolators (--memory/--cpu accept 512M / 500m and raw numbers). Errors name
 * the app and the field. */
int orb_pod_manifest_reify(const orb_pod_request *r, char *const *ids,
                           orb_image_manifest *const *images, orb_pod_manifest **ret,
                           orb_error **err);

/* Prepares a pod. On success *ret is the pod in prepared/ with its lock still
 * held (so `run` can go on with it; close it to let others have it). On
 * failure nothing is left but garbage that `gc` removes. */
int orb_pod_prepare(orb_store *s, const char *data_dir, const orb_pod_request *r, orb_pod **ret,
                    orb_error **err);
