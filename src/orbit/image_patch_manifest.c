/* `orbit image patch-manifest`: edit an ACI's manifest (actool's flags) or
 * replace it whole, writing a new ACI or replacing the input atomically. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "aci/aci.h"
#include "cli.h"
#include "schema/manifest.h"
#include "schema/patch.h"
#include "util/fs.h"
#include "util/mem.h"

enum {
    OPT_NAME,
    OPT_EXEC,
    OPT_USER,
    OPT_GROUP,
    OPT_SUPPLEMENTARY_GIDS,
    OPT_CAPABILITY,
    OPT_REVOKE_CAPABILITY,
    OPT_MOUNTS,
    OPT_PORTS,
    OPT_ISOLATORS,
    OPT_SECCOMP_MODE,
    OPT_SECCOMP_SET,
    OPT_MANIFEST,
    OPT_REPLACE,
    OPT_OVERWRITE,
};

static const cli_option options[] = {
    {OPT_NAME, "name", CLI_REQUIRED_ARG, "NAME", "set the image name"},
    {OPT_EXEC, "exec", CLI_REQUIRED_ARG, "CMD", "set the command to run, split at spaces"},
    {OPT_USER, "user", CLI_REQUIRED_ARG, "USER", "set the user (name, UID or /path)"},
    {OPT_GROUP, "group", CLI_REQUIRED_ARG, "GROUP", "set the group (name, GID or /path)"},
    {OPT_SUPPLEMENTARY_GIDS, "supplementary-gids", CLI_REQUIRED_ARG, "GID,...",
     "set the supplementary group IDs"},
    {OPT_SUPPLEMENTARY_GIDS, "supplementary-groups", CLI_REQUIRED_ARG, "GID,...",
     "the same (actool's spelling)"},
    {OPT_CAPABILITY, "capability", CLI_REQUIRED_ARG, "CAP,...",
     "set the capabilities to retain (os/linux/capabilities-retain-set)"},
    {OPT_REVOKE_CAPABILITY, "revoke-capability", CLI_REQUIRED_ARG, "CAP,...",
     "set the capabilities to remove (os/linux/capabilities-remove-set)"},
    {OPT_MOUNTS, "mounts", CLI_REQUIRED_ARG, "MOUNT:...",
     "set mount points, e.g. work,path=/opt,readOnly=true:logs,path=/var/log"},
    {OPT_PORTS, "ports", CLI_REQUIRED_ARG, "PORT:...",
     "set ports, e.g. www,protocol=tcp,port=80,count=1,socketActivated=false"},
    {OPT_ISOLATORS, "isolators", CLI_REQUIRED_ARG, "ISOLATOR:...",
     "set isolators, e.g. resource/cpu,request=50m,limit=100m:resource/memory,limit=1G"},
    {OPT_SECCOMP_MODE, "seccomp-mode", CLI_REQUIRED_ARG, "MODE[,errno=E]",
     "retain or remove the --seccomp-set syscalls"},
    {OPT_SECCOMP_SET, "seccomp-set", CLI_REQUIRED_ARG, "SYSCALL,...", "the seccomp syscall set"},
    {OPT_MANIFEST, "manifest", CLI_REQUIRED_ARG, "FILE",
     "replace the whole manifest with FILE (validated)"},
    {OPT_REPLACE, "replace", CLI_NO_ARG, NULL, "replace the input ACI in place, atomically"},
    {OPT_OVERWRITE, "overwrite", CLI_NO_ARG, NULL, "replace OUTPUT if it exists"},
    {0},
};

typedef struct patch_args {
    orb_manifest_patch patch;
    const char *manifest_file;
    bool replace, overwrite, edits;
} patch_args;

static int handle_option(void *ctx, int id, const char *value)
{
    patch_args *a = ctx;
    orb_manifest_patch *p = &a->patch;
    const char **fields[] = {
        [OPT_NAME] = &p->name,
        [OPT_EXEC] = &p->exec,
        [OPT_USER] = &p->user,
        [OPT_GROUP] = &p->group,
        [OPT_SUPPLEMENTARY_GIDS] = &p->supplementary_gids,
        [OPT_CAPABILITY] = &p->capability,
        [OPT_REVOKE_CAPABILITY] = &p->revoke_capability,
        [OPT_MOUNTS] = &p->mounts,
        [OPT_PORTS] = &p->ports,
        [OPT_ISOLATORS] = &p->isolators,
        [OPT_SECCOMP_MODE] = &p->seccomp_mode,
        [OPT_SECCOMP_SET] = &p->seccomp_set,
    };
    if (id == OPT_MANIFEST)
        a->manifest_file = value;
    else if (id == OPT_REPLACE)
        a->replace = true;
    else if (id == OPT_OVERWRITE)
        a->overwrite = true;
    else {
        *fields[id] = value;
        a->edits = true;
    }
    return 0;
}

/* The new manifest: FILE as given (after validation), or the old one edited. */
static int new_manifest(const patch_args *a, const char *input, char **ret, orb_error **err)
{
    _cleanup_free_ char *json = NULL;
    size_t len = 0;
    if (a->manifest_file) {
        if (orb_read_file(a->manifest_file, ORB_MANIFEST_MAX_SIZE, &json, &len, err) < 0)
            return -1;
    } else if (orb_aci_read_manifest(input, &json, &len, err) < 0)
        return -1;

    _cleanup_(orb_image_manifest_freep) orb_image_manifest *m = NULL;
    if (orb_image_manifest_load(json, len, &m, err) < 0)
        return orb_err_wrap(err, "%s", a->manifest_file ? a->manifest_file : input);
    if (a->manifest_file) {
        *ret = TAKE_PTR(json);
        return 0;
    }
    if (orb_image_manifest_apply_patch(m, &a->patch, err) < 0)
        return orb_err_wrap(err, "patch manifest of %s", input);
    *ret = orb_image_manifest_to_json(m, false);
    return 0;
}

static int run(const cli_command *self, int argc, char **argv)
{
    patch_args a = {0};
    int first = cli_parse(self, argc, argv, handle_option, &a);
    if (first < 0)
        return CLI_PARSE_EXIT(first);
    if (a.manifest_file && a.edits)
        return cli_usage_error(self, "--manifest replaces the whole manifest; it cannot be "
                                     "combined with options that edit it");
    if (!cli_expect_args(self, argc, argv, first, 1, a.replace ? 1 : 2))
        return EXIT_USAGE;
    if (!a.replace && argc - first != 2)
        return cli_usage_error(self, "missing OUTPUT (or use --replace)");
    const char *input = argv[first];
    const char *output = a.replace ? input : argv[first + 1];

    orb_error *err = NULL;
    _cleanup_free_ char *json = NULL;
    if (new_manifest(&a, input, &json, &err) < 0)
        return cli_error(err);
    if (orb_aci_replace_manifest(input, output, json, strlen(json), a.replace || a.overwrite,
                                 &err) < 0)
        return cli_error(err);
    return EXIT_OK;
}

const cli_command cmd_image_patch_manifest = {
    .name = "image patch-manifest",
    .args = "[OPTIONS] INPUT.aci [OUTPUT.aci]",
    .summary = "Edit the manifest of an ACI, writing a new ACI",
    .description = "Every entry is copied unchanged except the manifest; the compression of\n"
                   "INPUT is kept. The edited manifest is validated before anything is written.",
    .options = options,
    .run = run,
};
