/* What every command that fetches images sets up the same way: the global
 * options, the keystore, credentials, a progress bar and warnings. */
#pragma once

#include "fetch/auth.h"
#include "progress.h"
#include "store/acquire.h"
#include "trust/trust.h"

typedef struct cli_acquire {
    orb_keystore keystore;
    orb_auth auth;
    cli_progress progress;
} cli_acquire;

/* Fills o (keeping its pull policy and dependency dirs) from the global
 * options; on failure reports it and returns EXIT_FAIL. */
int cli_acquire_init(cli_acquire *c, orb_acquire_options *o);
void cli_acquire_done(cli_acquire *c);
