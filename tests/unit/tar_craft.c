#include "tar_craft.h"

/* cmocka.h needs these before it */
// clang-format off
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
// clang-format on

#include <archive.h>
#include <archive_entry.h>
#include <string.h>

void craft(const char *path, const spec *s, size_t n)
{
    struct archive *a = archive_write_new();
    archive_write_set_format_pax_restricted(a);
    assert_int_equal(archive_write_open_filename(a, path), ARCHIVE_OK);
    for (size_t i = 0; i < n; i++) {
        struct archive_entry *e = archive_entry_new();
        archive_entry_set_pathname(e, s[i].name);
        archive_entry_set_filetype(e, s[i].type ? s[i].type : AE_IFREG);
        archive_entry_set_perm(e, s[i].type == AE_IFDIR ? 0755 : 0644);
        if (s[i].type == AE_IFLNK)
            archive_entry_set_symlink(e, s[i].link);
        else if (s[i].link)
            archive_entry_set_hardlink(e, s[i].link);
        size_t len = s[i].data ? strlen(s[i].data) : 0;
        archive_entry_set_size(e, (la_int64_t)len);
        assert_true(archive_write_header(a, e) >= ARCHIVE_WARN);
        if (len)
            assert_int_equal(archive_write_data(a, s[i].data, len), (la_ssize_t)len);
        archive_entry_free(e);
    }
    archive_write_close(a);
    archive_write_free(a);
}
