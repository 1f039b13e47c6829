/* libarchive, bound on first use (util/dlib.h): a pod start never needs it,
 * and loading it drags in libxml2, ICU, libstdc++ and more. The aci/ sources
 * call it only through the sym_archive_* pointers declared here. */
#pragma once

#include <archive.h>
#include <archive_entry.h>

#include "util/dlib.h"
#include "util/error.h"

/* Every libarchive function the aci/ sources call; one list, expanded into
 * the declarations here and the definitions and symbol table in archive_api.c. */
#define ORB_ARCHIVE_FUNCTIONS(X)                                                                   \
    X(archive_entry_clear)                                                                         \
    X(archive_entry_clone)                                                                         \
    X(archive_entry_copy_gname)                                                                    \
    X(archive_entry_copy_uname)                                                                    \
    X(archive_entry_filetype)                                                                      \
    X(archive_entry_free)                                                                          \
    X(archive_entry_gid)                                                                           \
    X(archive_entry_gname)                                                                         \
    X(archive_entry_hardlink)                                                                      \
    X(archive_entry_mtime)                                                                         \
    X(archive_entry_mtime_is_set)                                                                  \
    X(archive_entry_mtime_nsec)                                                                    \
    X(archive_entry_new)                                                                           \
    X(archive_entry_pathname)                                                                      \
    X(archive_entry_perm)                                                                          \
    X(archive_entry_rdevmajor)                                                                     \
    X(archive_entry_rdevminor)                                                                     \
    X(archive_entry_set_gid)                                                                       \
    X(archive_entry_set_hardlink)                                                                  \
    X(archive_entry_set_mode)                                                                      \
    X(archive_entry_set_mtime)                                                                     \
    X(archive_entry_set_pathname)                                                                  \
    X(archive_entry_set_rdev)                                                                      \
    X(archive_entry_set_size)                                                                      \
    X(archive_entry_set_symlink)                                                                   \
    X(archive_entry_set_uid)                                                                       \
    X(archive_entry_size)                                                                          \
    X(archive_entry_size_is_set)                                                                   \
    X(archive_entry_sparse_clear)                                                                  \
    X(archive_entry_symlink)                                                                       \
    X(archive_entry_uid)                                                                           \
    X(archive_entry_uname)                                                                         \
    X(archive_entry_xattr_add_entry)                                                               \
    X(archive_entry_xattr_count)                                                                   \
    X(archive_entry_xattr_next)                                                                    \
    X(archive_entry_xattr_reset)                                                                   \
    X(archive_errno)                                                                               \
    X(archive_error_string)                                                                        \
    X(archive_read_data)                                                                           \
    X(archive_read_data_block)                                                                     \
    X(archive_read_free)                                                                           \
    X(archive_read_new)                                                                            \
    X(archive_read_next_header)                                                                    \
    X(archive_read_open)                                                                           \
    X(archive_read_open_fd)                                                                        \
    X(archive_read_support_filter_bzip2)                                                           \
    X(archive_read_support_filter_gzip)                                                            \
    X(archive_read_support_filter_xz)                                                              \
    X(archive_read_support_filter_zstd)                                                            \
    X(archive_read_support_format_raw)                                                             \
    X(archive_read_support_format_tar)                                                             \
    X(archive_set_error)                                                                           \
    X(archive_write_add_filter_bzip2)                                                              \
    X(archive_write_add_filter_gzip)                                                               \
    X(archive_write_add_filter_none)                                                               \
    X(archive_write_add_filter_xz)                                                                 \
    X(archive_write_add_filter_zstd)                                                               \
    X(archive_write_close)                                                                         \
    X(archive_write_data)                                                                          \
    X(archive_write_fail)                                                                          \
    X(archive_write_free)                                                                          \
    X(archive_write_header)                                                                        \
    X(archive_write_new)                                                                           \
    X(archive_write_open_fd)                                                                       \
    X(archive_write_set_filter_option)                                                             \
    X(archive_write_set_format_pax_restricted)

#define ORB_ARCHIVE_DECLARE_(f) ORB_DLIB_DECLARE(f);
ORB_ARCHIVE_FUNCTIONS(ORB_ARCHIVE_DECLARE_)
#undef ORB_ARCHIVE_DECLARE_

/* Binds libarchive the first time (cheap once bound). Every public entry
 * point of aci/ that can reach a sym_archive_* call calls this first and
 * fails with its error: an unbound pointer would crash. */
int orb_archive_load(orb_error **err);
