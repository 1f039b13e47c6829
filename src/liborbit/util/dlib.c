#include "util/dlib.h"

#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>

#include "util/mem.h"

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

static char *bind_all(orb_dlib *lib)
{
    /* RTLD_LOCAL: the library's symbols stay out of the global scope, so a
     * later library cannot bind to them by accident */
    void *handle = dlopen(lib->soname, RTLD_NOW | RTLD_LOCAL);

    if (!handle)
        return xasprintf("cannot load %s: %s", lib->what, dlerror());
    for (size_t i = 0; i < lib->n_symbols; i++) {
        void *sym = dlsym(handle, lib->symbols[i].name);
        if (!sym)
            return xasprintf("%s has no %s", lib->soname, lib->symbols[i].name);
        *lib->symbols[i].slot = sym;
    }
    /* never dlclose'd: the pointers stay valid for the process's life */
    return lib->init ? lib->init() : NULL;
}

int orb_dlib_load(orb_dlib *lib, orb_error **err)
{
    pthread_mutex_lock(&lock);
    if (!lib->tried) {
        lib->error = bind_all(lib);
        lib->tried = true;
    }
    pthread_mutex_unlock(&lock);
    if (lib->error)
        return orb_err(err, ELIBACC, "%s", lib->error);
    return 0;
}
