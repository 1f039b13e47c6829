#include "trust/gpgme_api.h"

#include <stddef.h>

#include "util/mem.h"

#define ORB_GPGME_DEFINE(f) ORB_DLIB_DEFINE(f);
ORB_GPGME_FUNCTIONS(ORB_GPGME_DEFINE)
#undef ORB_GPGME_DEFINE

#define ORB_GPGME_SYMBOL(f) ORB_DLIB_SYMBOL(f),
static const orb_dlib_symbol symbols[] = {ORB_GPGME_FUNCTIONS(ORB_GPGME_SYMBOL)};
#undef ORB_GPGME_SYMBOL

static char *init(void)
{
    /* Every key operation runs in its own home directory, so gpgconf has
     * nothing to tell us; asking it would cost a process start or three per
     * operation (gpg is then found in PATH). Must precede the version check,
     * which initialises the library. */
    sym_gpgme_set_global_flag("disable-gpgconf", "1");
    /* What the gpgme_check_version macro expands to: the offset lets the
     * library check that our idea of its structures matches its own. */
    if (!sym_gpgme_check_version_internal(NULL, offsetof(struct _gpgme_signature, validity)))
        return xstrdup("gpgme: cannot initialise the library");
    return NULL;
}

static orb_dlib lib = {
    .soname = "libgpgme.so.11",
    .what = "gpgme",
    .symbols = symbols,
    .n_symbols = ARRAY_SIZE(symbols),
    .init = init,
};

int orb_gpgme_load(orb_error **err)
{
    return orb_dlib_load(&lib, err);
}
