#include "aci/archive_api.h"

#include <stdatomic.h>

#include "util/mem.h"

#define ORB_ARCHIVE_DEFINE_(f) ORB_DLIB_DEFINE(f);
ORB_ARCHIVE_FUNCTIONS(ORB_ARCHIVE_DEFINE_)
#undef ORB_ARCHIVE_DEFINE_

#define ORB_ARCHIVE_SYMBOL_(f) ORB_DLIB_SYMBOL(f),
static const orb_dlib_symbol symbols[] = {ORB_ARCHIVE_FUNCTIONS(ORB_ARCHIVE_SYMBOL_)};
#undef ORB_ARCHIVE_SYMBOL_

static orb_dlib libarchive = {
    .soname = "libarchive.so.13",
    .what = "libarchive",
    .symbols = symbols,
    .n_symbols = ARRAY_SIZE(symbols),
};

/* Checked before orb_dlib_load's mutex: the extractor and the validator
 * call this once per entry, and an image can hold a million entries. */
static atomic_bool bound;

int orb_archive_load(orb_error **err)
{
    if (atomic_load_explicit(&bound, memory_order_acquire))
        return 0;
    if (orb_dlib_load(&libarchive, err) < 0)
        return -1;
    atomic_store_explicit(&bound, true, memory_order_release);
    return 0;
}
