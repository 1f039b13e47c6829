/* Capabilities of an app (spec/ace.md, os/linux/capabilities-*-set): the
 * bounding set is the spec's 14 default capabilities, or what the app's
 * isolators make of it; a root app keeps exactly those, a non-root app none
 * but what its program's file capabilities grant within them. Applied in the
 * app's process before its program runs (and for `enter`), so no app holds
 * CAP_SYS_ADMIN, CAP_SYS_PTRACE and the like unless it asked for them. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "schema/manifest.h"
#include "util/error.h"

/* The bounding set of an app as a bit mask (bit n = capability n): the
 * default set, replaced by a retain set, minus a remove set. An unknown
 * capability name is an error naming it. */
int orb_app_capabilities(const orb_app *app, uint64_t *ret, orb_error **err);
/* os/linux/no-new-privileges. */
bool orb_app_no_new_privileges(const orb_app *app);

/* Before the identity change (needs CAP_SETPCAP): drops every capability
 * outside set from the bounding set and clears the ambient set. */
int orb_caps_limit(uint64_t set, orb_error **err);
/* After it: permitted, effective and inheritable limited to set. */
int orb_caps_apply(uint64_t set, bool no_new_privileges, orb_error **err);

/* "CAP_CHOWN" -> 0; -1 when unknown. */
int orb_capability_from_name(const char *name);
