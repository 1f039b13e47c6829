/* Constructors and destructors of the manifest structures. */
#include <string.h>

#include "schema/manifest_internal.h"
#include "util/mem.h"

orb_app *orb_app_new(void)
{
    return xcalloc(1, sizeof(orb_app));
}

void orb_app_free(orb_app *a)
{
    if (!a)
        return;
    strv_free(a->exec);
    free(a->user);
    free(a->group);
    free(a->supplementary_gids);
    free(a->working_directory);
    for (size_t i = 0; i < a->n_event_handlers; i++) {
        free(a->event_handlers[i].name);
        strv_free(a->event_handlers[i].exec);
    }
    free(a->event_handlers);
    orb_kv_list_clear(&a->environment);
    orb_isolator_list_clear(&a->isolators);
    for (size_t i = 0; i < a->n_mount_points; i++)
        orb_mount_point_clear(&a->mount_points[i]);
    free(a->mount_points);
    for (size_t i = 0; i < a->n_ports; i++)
        orb_port_clear(&a->ports[i]);
    free(a->ports);
    orb_kv_list_clear(&a->user_annotations);
    orb_kv_list_clear(&a->user_labels);
    free(a);
}

void orb_image_manifest_free(orb_image_manifest *m)
{
    if (!m)
        return;
    free(m->ac_version);
    free(m->name);
    orb_kv_list_clear(&m->labels);
    orb_app_free(m->app);
    orb_kv_list_clear(&m->annotations);
    for (size_t i = 0; i < m->n_dependencies; i++) {
        free(m->dependencies[i].image_name);
        free(m->dependencies[i].image_id);
        orb_kv_list_clear(&m->dependencies[i].labels);
    }
    free(m->dependencies);
    strv_free(m->path_whitelist);
    free(m);
}

void mf_runtime_app_clear(orb_runtime_app *ra)
{
    free(ra->name);
    free(ra->image.name);
    free(ra->image.id);
    orb_kv_list_clear(&ra->image.labels);
    orb_app_free(ra->app);
    for (size_t j = 0; j < ra->n_mounts; j++) {
        free(ra->mounts[j].volume);
        free(ra->mounts[j].path);
        if (ra->mounts[j].app_volume)
            orb_volume_clear(ra->mounts[j].app_volume);
        free(ra->mounts[j].app_volume);
    }
    free(ra->mounts);
    orb_kv_list_clear(&ra->annotations);
    memset(ra, 0, sizeof(*ra));
}

void orb_pod_manifest_free(orb_pod_manifest *m)
{
    if (!m)
        return;
    free(m->ac_version);
    for (size_t i = 0; i < m->n_apps; i++)
        mf_runtime_app_clear(&m->apps[i]);
    free(m->apps);
    for (size_t i = 0; i < m->n_volumes; i++)
        orb_volume_clear(&m->volumes[i]);
    free(m->volumes);
    orb_isolator_list_clear(&m->isolators);
    orb_kv_list_clear(&m->annotations);
    for (size_t i = 0; i < m->n_ports; i++) {
        free(m->ports[i].name);
        free(m->ports[i].host_ip);
        if (m->ports[i].pod_port)
            orb_port_clear(m->ports[i].pod_port);
        free(m->ports[i].pod_port);
    }
    free(m->ports);
    orb_kv_list_clear(&m->user_annotations);
    orb_kv_list_clear(&m->user_labels);
    free(m);
}

void orb_image_manifest_freep(orb_image_manifest **m)
{
    orb_image_manifest_free(*m);
}

void orb_pod_manifest_freep(orb_pod_manifest **m)
{
    orb_pod_manifest_free(*m);
}
