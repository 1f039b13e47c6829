/* `orbit export`: an exited app's root filesystem, as the app left it, made
 * into a new ACI with the app's image manifest. */
#pragma once

#include <stdbool.h>

#include "aci/aci.h"
#include "pod/pod.h"

/* app may be NULL when the pod has one app. The pod must not be running.
 * The root is seen read-only: for an overlay, its upper layer over the
 * rendered tree (whiteouts honoured), mounted in a private mount namespace
 * that disappears with the export. */
int orb_pod_export_app(const orb_pod *p, const char *app, const char *out,
                       const orb_build_options *opts, orb_error **err);
