/* An app's environment (spec/ace.md "Execution Environment"): the variables
 * the executor must set, then the app's own, a later name replacing an
 * earlier one where it stands so the order stays predictable. */
#include <string.h>

#include "exec/app.h"
#include "schema/types.h"
#include "util/mem.h"
#include "util/strv.h"

/* Sets name=value in env: replaces an entry with the same name in place,
 * else appends. */
static void env_set(char ***env, const char *name, const char *value)
{
    size_t len = strlen(name);
    for (char **e = *env; e && *e; e++) {
        if (strncmp(*e, name, len) == 0 && (*e)[len] == '=') {
            free(*e);
            *e = xasprintf("%s=%s", name, value);
            return;
        }
    }
    strv_push_take(env, xasprintf("%s=%s", name, value));
}

char **orb_app_environment(const char *app_name, const orb_app *app, const char *metadata_url)
{
    char **env = NULL;
    const char *path = app ? orb_kv_get(&app->environment, "PATH") : NULL;
    env_set(&env, "PATH", path ? path : ORB_DEFAULT_PATH);
    env_set(&env, "AC_APP_NAME", app_name ? app_name : "");
    if (metadata_url)
        env_set(&env, "AC_METADATA_URL", metadata_url);
    env_set(&env, "container", "orbit");
    for (size_t i = 0; app && i < app->environment.n; i++)
        env_set(&env, app->environment.items[i].name, app->environment.items[i].value);
    return env;
}
