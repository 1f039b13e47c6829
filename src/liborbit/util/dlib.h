/* Libraries loaded when first needed rather than when orbit starts.
 *
 * Every library linked into orbit is loaded, relocated and initialised by
 * every command, a pod start included, whether or not the command uses it:
 * libarchive (with libxml2, ICU and libstdc++), gpgme, libcrypto and libcurl
 * together cost several milliseconds per process. Each is instead bound here
 * the first time a module needs it: the module lists the functions it calls
 * (ORB_DLIB_SYMBOL) and calls them through pointers named sym_<function>,
 * typed from the library's own header. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "util/error.h"

/* Declares (in a header) or defines (in the module's .c) the pointer through
 * which a library function is called: `sym_archive_read_new()`. */
#define ORB_DLIB_DECLARE(f) extern __typeof__(f) *sym_##f
#define ORB_DLIB_DEFINE(f)  __typeof__(f) *sym_##f

typedef struct orb_dlib_symbol {
    const char *name;
    void **slot;
} orb_dlib_symbol;

#define ORB_DLIB_SYMBOL(f)                                                                         \
    {                                                                                              \
#f, (void **)&sym_##f                                                                      \
    }

typedef struct orb_dlib {
    const char *soname; /* "libarchive.so.13" */
    const char *what;   /* for messages: "libarchive" */
    const orb_dlib_symbol *symbols;
    size_t n_symbols;
    /* Optional, run once after binding (a library's global init); returns
     * NULL or an allocated message. */
    char *(*init)(void);
    /* state, zero-initialised */
    bool tried;
    char *error;
} orb_dlib;

/* Loads the library and binds its symbols the first time it is called
 * (thread-safe); later calls return the first outcome. -1 with an error
 * naming the library and what is missing. */
int orb_dlib_load(orb_dlib *lib, orb_error **err);
