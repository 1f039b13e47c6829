/* Shared by the pod/ files: where each state lives and how a pod found on
 * disk is loaded. Not part of the public contract. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "pod/pod.h"

/* The directory name under <data>/pods/ of a state ("run" for running and exited). */
const char *pod_state_dir(orb_pod_state s);
/* "<data>/pods/<state dir>" (allocated). */
char *pod_state_path(const char *data_dir, orb_pod_state s);
/* The distinct state directories, in lifecycle order, as their base state
 * (the unlocked meaning is refined by pod_probe). */
extern const orb_pod_state pod_dir_states[6];
/* Creates <data>/pods/ and every state directory (0700) when missing. */
int pod_ensure_dirs(const char *data_dir, orb_error **err);
bool pod_uuid_valid(const char *s);
/* Loads pod `uuid` found in the directory of `dir_state`; ENOENT when gone. */
int pod_load(const char *data_dir, orb_pod_state dir_state, const char *uuid, orb_pod **ret,
             orb_error **err);
/* Loads pod `uuid` wherever it is now (retrying when it moves under us). */
int pod_find(const char *data_dir, const char *uuid, orb_pod **ret, orb_error **err);
/* The pod's state now: for prepare/ and run/, whether anyone holds its lock
 * (the calling process included). Updates p->state. */
orb_pod_state pod_probe(orb_pod *p);
/* Renames the pod into `to`'s directory, without checking the transition. */
int pod_rename(orb_pod *p, orb_pod_state to, orb_error **err);
