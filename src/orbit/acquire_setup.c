#include "acquire_setup.h"

#include <stdio.h>

#include "cli.h"

static void print_notice(void *ctx, const char *message)
{
    (void)ctx;
    fprintf(stderr, "%s: warning: %s\n", cli_program_name, message);
}

int cli_acquire_init(cli_acquire *c, orb_acquire_options *o)
{
    *c = (cli_acquire){.keystore = cli_keystore()};
    orb_error *err = NULL;
    if (orb_auth_load(cli_global.local_config, cli_global.system_config, &c->auth, &err) < 0)
        return cli_error(err);
    cli_progress_init(&c->progress);
    o->progress = &c->progress.hooks;
    o->insecure = cli_global.insecure;
    o->keystore = &c->keystore;
    o->trust_keys_from_https = cli_global.trust_keys_from_https;
    o->auth = &c->auth;
    o->config_dir = cli_global.local_config;
    o->notice = print_notice;
    cli_notice_insecure(cli_global.insecure);
    return EXIT_OK;
}

void cli_acquire_done(cli_acquire *c)
{
    cli_progress_done(&c->progress);
    orb_auth_clear(&c->auth);
}
