/* Shared by the files of exec/app.h. */
#pragma once

/* An O_PATH fd of path inside the root, symlinks followed inside it (never
 * out of it); -1 with the cause in errno. */
int orb_app_open_path(int rootfd, const char *path);
