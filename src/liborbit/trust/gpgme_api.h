/* gpgme, bound the first time a key or signature is handled (util/dlib.h):
 * it pulls in libassuan and libgpg-error, which a pod start never needs.
 * gpgme_err_code and gpg_err_code are inline functions of the headers and
 * need no binding; gpgme_check_version is a macro over
 * gpgme_check_version_internal, which the loader calls once. */
#pragma once

#include <gpgme.h>

#include "util/dlib.h"
#include "util/error.h"

/* Every gpgme function trust/ calls, expanded into the sym_ pointers, their
 * definitions and the table of names. */
#define ORB_GPGME_FUNCTIONS(X)                                                                     \
    X(gpgme_set_global_flag)                                                                       \
    X(gpgme_check_version_internal)                                                                \
    X(gpgme_engine_check_version)                                                                  \
    X(gpgme_strerror)                                                                              \
    X(gpgme_new)                                                                                   \
    X(gpgme_release)                                                                               \
    X(gpgme_set_protocol)                                                                          \
    X(gpgme_ctx_set_engine_info)                                                                   \
    X(gpgme_set_keylist_mode)                                                                      \
    X(gpgme_set_offline)                                                                           \
    X(gpgme_set_armor)                                                                             \
    X(gpgme_data_new)                                                                              \
    X(gpgme_data_new_from_mem)                                                                     \
    X(gpgme_data_new_from_fd)                                                                      \
    X(gpgme_data_release)                                                                          \
    X(gpgme_data_release_and_get_mem)                                                              \
    X(gpgme_free)                                                                                  \
    X(gpgme_op_import)                                                                             \
    X(gpgme_op_import_result)                                                                      \
    X(gpgme_op_keylist_start)                                                                      \
    X(gpgme_op_keylist_next)                                                                       \
    X(gpgme_op_keylist_end)                                                                        \
    X(gpgme_op_export)                                                                             \
    X(gpgme_get_key)                                                                               \
    X(gpgme_key_unref)                                                                             \
    X(gpgme_op_verify)                                                                             \
    X(gpgme_op_verify_result)

#define ORB_GPGME_DECLARE(f) ORB_DLIB_DECLARE(f);
ORB_GPGME_FUNCTIONS(ORB_GPGME_DECLARE)
#undef ORB_GPGME_DECLARE

/* Binds gpgme and initialises it the first time (without gpgconf: see
 * gpgme_api.c); later calls return the first outcome. orb_gpg_open calls
 * it, and every other sym_gpgme_ call needs an open context, so nothing
 * else has to. */
int orb_gpgme_load(orb_error **err);
