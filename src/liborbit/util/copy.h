/* Copying files and trees with their metadata, relative to directory fds and
 * without ever following a symlink found in the source. */
#pragma once

#include <stdint.h>
#include <sys/stat.h>

#include "util/error.h"

/* Remembers where the first copy of a multiply-linked inode went, so later
 * names of the same inode become hard links of the copy. `tag` separates
 * inodes of distinct source trees that must not be linked together. */
typedef struct orb_inode_map orb_inode_map;

orb_inode_map *orb_inode_map_new(void);
void orb_inode_map_free(orb_inode_map *m);
/* The destination path recorded for the inode, NULL when none. */
const char *orb_inode_map_get(const orb_inode_map *m, uint64_t tag, const struct stat *st);
void orb_inode_map_put(orb_inode_map *m, uint64_t tag, const struct stat *st, const char *path);

/* Applies owner (only when running as root), mode and times of st to the
 * open file dst_fd (a directory or a regular file). */
int orb_copy_meta_fd(int dst_fd, const struct stat *st, const char *name, orb_error **err);
/* Copies extended attributes; attributes the destination refuses (EPERM,
 * ENOTSUP: trusted.* as non-root, a filesystem without xattrs) are skipped. */
int orb_copy_xattrs_fd(int src_fd, int dst_fd, const char *name, orb_error **err);

/* Copies the non-directory src_name (described by st, from fstatat without
 * following) to dst_name, which must not exist: regular files with their
 * content (copy_file_range), mode, owner, times and xattrs; symlinks
 * recreated with their owner and times; fifos recreated; device nodes
 * recreated only when running as root (skipped otherwise); sockets skipped. */
int orb_copy_node_at(int src_dirfd, const char *src_name, const struct stat *st, int dst_dirfd,
                     const char *dst_name, orb_error **err);
/* The same after an fstatat of src_name. */
int orb_copy_file_at(int src_dirfd, const char *src_name, int dst_dirfd, const char *dst_name,
                     orb_error **err);

/* The names in a directory (not "." or ".."), sorted bytewise; the caller
 * frees the vector. */
int orb_copy_list_dir(int dirfd, char ***ret, orb_error **err);

/* Copies everything inside src_dirfd into dst_dirfd (which should be empty),
 * recursively, preserving metadata as above and hard links within the tree.
 * The metadata of dst_dirfd itself is left alone. */
int orb_copy_tree(int src_dirfd, int dst_dirfd, orb_error **err);
