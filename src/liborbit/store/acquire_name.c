/* Images by name: from the store, or found by meta discovery and fetched
 * from the first endpoint that has them. */
#include <errno.h>
#include <string.h>

#include "discovery/discovery.h"
#include "store/acquire.h"
#include "util/mem.h"
#include "util/strv.h"

/* The labels discovery renders templates with: the user's, and the host's
 * os and arch where the user gave none. */
static void discovery_labels(const orb_kv_list *asked, orb_kv_list *ret)
{
    orb_kv_list_copy(ret, asked);
    if (!orb_kv_get(ret, "os"))
        orb_kv_set(ret, "os", orb_host_os());
    if (!orb_kv_get(ret, "arch"))
        orb_kv_set(ret, "arch", orb_host_arch());
}

/* The labels the image must carry: those the user asked for. "latest" is a
 * name for whatever the server has, not a label value to check. */
static void required_labels(const orb_kv_list *asked, orb_kv_list *ret)
{
    orb_kv_list_copy(ret, asked);
    const char *version = orb_kv_get(ret, "version");
    if (version && strcmp(version, "latest") == 0)
        orb_kv_remove(ret, "version");
}

static int fetch_discovered(orb_acquisition *a, const char *name, const orb_kv_list *asked,
                            const orb_expectation *given, const orb_discovery_result *found,
                            char ret_id[ORB_IMAGE_ID_LEN + 1], orb_error **err)
{
    orb_kv_list required = {0};
    required_labels(asked, &required);
    orb_expectation exp = given ? *given : (orb_expectation){0};
    exp.name = name;
    exp.labels = &required;
    int r = 0;
    for (size_t i = 0; r == 0 && i < found->n_endpoints; i++)
        r = orb_acquire_url(a, found->endpoints[i].aci, found->endpoints[i].asc, name, true, &exp,
                            ret_id, err);
    orb_kv_list_clear(&required);
    if (r == 0) {
        _cleanup_strv_ char **urls = NULL;
        for (size_t i = 0; i < found->n_endpoints; i++)
            strv_push(&urls, found->endpoints[i].aci);
        _cleanup_free_ char *tried = strv_join(urls, ", ");
        return orb_err(err, ENOENT, "%s: no image at any discovered location (%s)", name, tried);
    }
    return r;
}

int orb_acquire_discover(orb_acquisition *a, const char *name, const orb_kv_list *asked,
                         const orb_expectation *exp, char ret_id[ORB_IMAGE_ID_LEN + 1],
                         orb_error **err)
{
    orb_kv_list labels = {0};
    discovery_labels(asked, &labels);
    orb_discovery_options o = {
        .walks = ORB_DISCOVER_ENDPOINTS,
        .insecure_http = a->o->insecure & ORB_INSECURE_HTTP,
        .insecure_tls = a->o->insecure & ORB_INSECURE_TLS,
        .auth = a->o->auth,
    };
    orb_discovery_result found = {0};
    int r = orb_discover(name, &labels, &o, &found, err);
    if (r == 0)
        r = fetch_discovered(a, name, asked, exp, &found, ret_id, err);
    orb_discovery_result_clear(&found);
    orb_kv_list_clear(&labels);
    return r < 0 ? -1 : 1;
}

int orb_acquire_by_name(orb_acquisition *a, const char *ref, char ret_id[ORB_IMAGE_ID_LEN + 1],
                        orb_error **err)
{
    orb_app_ref app = {0};
    if (orb_app_ref_parse(ref, &app, err) < 0)
        return -1;
    int r = 0;
    if (a->o->pull != ORB_PULL_UPDATE)
        r = orb_store_find(a->store, app.name, &app.labels, ret_id, err);
    if (r == 0 && a->o->pull == ORB_PULL_NEVER)
        r = orb_err(err, ENOENT, "%s: not in the store (pull policy never)", ref);
    if (r == 0)
        r = orb_acquire_discover(a, app.name, &app.labels, NULL, ret_id, err);
    orb_app_ref_clear(&app);
    return r;
}
