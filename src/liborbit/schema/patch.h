/* Editing an ImageManifest with actool patch-manifest's flags. Every field is
 * optional (NULL = leave alone); the string forms are actool's. */
#pragma once

#include "schema/manifest.h"
#include "util/error.h"

typedef struct orb_manifest_patch {
    const char *name; /* AC Identifier */
    const char *exec; /* split on spaces */
    const char *user, *group;
    const char *supplementary_gids; /* comma-separated ints */
    const char *capability;         /* comma-separated: capabilities-retain-set */
    const char *revoke_capability;  /* comma-separated: capabilities-remove-set */
    const char *mounts;             /* ':'-separated "NAME,path=/x,readOnly=B" */
    const char *ports;              /* ':'-separated "NAME,protocol=tcp,port=N,..." */
    /* ':'-separated isolators: "resource/cpu,request=50m,limit=100m" (the k=v
     * pairs become string members of the value) or, for no-new-privileges
     * and oom-score-adj, "NAME,JSON-VALUE" */
    const char *isolators;
    const char *seccomp_mode; /* "retain" or "remove", optionally ",errno=EXXX" */
    const char *seccomp_set;  /* comma-separated syscalls */
} orb_manifest_patch;

/* Applies the edits (creating the app object when an app field is edited and
 * there is none), then validates; fails with every problem found. Mount
 * points, ports and --isolators entries are appended; an isolator of the
 * same name as a new one is replaced, as are both capability (resp. seccomp)
 * sets by a new capability (resp. seccomp) set. */
int orb_image_manifest_apply_patch(orb_image_manifest *m, const orb_manifest_patch *p,
                                   orb_error **err);
