#include "exec/caps.h"

#include <errno.h>
#include <linux/capability.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "util/mem.h"

static const char *const cap_names[] = {
    "CAP_CHOWN",
    "CAP_DAC_OVERRIDE",
    "CAP_DAC_READ_SEARCH",
    "CAP_FOWNER",
    "CAP_FSETID",
    "CAP_KILL",
    "CAP_SETGID",
    "CAP_SETUID",
    "CAP_SETPCAP",
    "CAP_LINUX_IMMUTABLE",
    "CAP_NET_BIND_SERVICE",
    "CAP_NET_BROADCAST",
    "CAP_NET_ADMIN",
    "CAP_NET_RAW",
    "CAP_IPC_LOCK",
    "CAP_IPC_OWNER",
    "CAP_SYS_MODULE",
    "CAP_SYS_RAWIO",
    "CAP_SYS_CHROOT",
    "CAP_SYS_PTRACE",
    "CAP_SYS_PACCT",
    "CAP_SYS_ADMIN",
    "CAP_SYS_BOOT",
    "CAP_SYS_NICE",
    "CAP_SYS_RESOURCE",
    "CAP_SYS_TIME",
    "CAP_SYS_TTY_CONFIG",
    "CAP_MKNOD",
    "CAP_LEASE",
    "CAP_AUDIT_WRITE",
    "CAP_AUDIT_CONTROL",
    "CAP_SETFCAP",
    "CAP_MAC_OVERRIDE",
    "CAP_MAC_ADMIN",
    "CAP_SYSLOG",
    "CAP_WAKE_ALARM",
    "CAP_BLOCK_SUSPEND",
    "CAP_AUDIT_READ",
    "CAP_PERFMON",
    "CAP_BPF",
    "CAP_CHECKPOINT_RESTORE",
};

/* spec/ace.md: "The default set is defined by the following 14 capabilities". */
static const char *const default_caps[] = {
    "CAP_AUDIT_WRITE", "CAP_CHOWN",   "CAP_DAC_OVERRIDE", "CAP_FSETID",           "CAP_FOWNER",
    "CAP_KILL",        "CAP_MKNOD",   "CAP_NET_RAW",      "CAP_NET_BIND_SERVICE", "CAP_SETUID",
    "CAP_SETGID",      "CAP_SETPCAP", "CAP_SETFCAP",      "CAP_SYS_CHROOT",
};

int orb_capability_from_name(const char *name)
{
    for (size_t i = 0; i < ARRAY_SIZE(cap_names); i++)
        if (strcmp(name, cap_names[i]) == 0)
            return (int)i;
    return -1;
}

static int mask_of(char *const *names, const char *isolator, uint64_t *ret, orb_error **err)
{
    uint64_t mask = 0;
    for (char *const *n = names; n && *n; n++) {
        int cap = orb_capability_from_name(*n);
        if (cap < 0)
            return orb_err(err, EINVAL, "%s: unknown capability %s", isolator, *n);
        mask |= UINT64_C(1) << cap;
    }
    *ret = mask;
    return 0;
}

int orb_app_capabilities(const orb_app *app, uint64_t *ret, orb_error **err)
{
    uint64_t set = 0, retain = 0, remove = 0;
    bool retained = false;
    for (size_t i = 0; i < ARRAY_SIZE(default_caps); i++)
        set |= UINT64_C(1) << orb_capability_from_name(default_caps[i]);
    for (size_t i = 0; app && i < app->isolators.n; i++) {
        const orb_isolator *iso = &app->isolators.items[i];
        uint64_t mask = 0;
        if (iso->kind != ORB_ISOLATOR_CAPABILITIES_RETAIN &&
            iso->kind != ORB_ISOLATOR_CAPABILITIES_REMOVE)
            continue;
        if (mask_of(iso->u.set.set, iso->name, &mask, err) < 0)
            return -1;
        if (iso->kind == ORB_ISOLATOR_CAPABILITIES_RETAIN) {
            retain |= mask;
            retained = true;
        } else
            remove |= mask;
    }
    *ret = (retained ? retain : set) & ~remove;
    return 0;
}

bool orb_app_no_new_privileges(const orb_app *app)
{
    bool on = false;
    for (size_t i = 0; app && i < app->isolators.n; i++)
        if (app->isolators.items[i].kind == ORB_ISOLATOR_NO_NEW_PRIVILEGES)
            on = app->isolators.items[i].u.flag;
    return on;
}

static int last_capability(void)
{
    int last = CAP_LAST_CAP;
    FILE *f = fopen("/proc/sys/kernel/cap_last_cap", "re");
    if (f) {
        if (fscanf(f, "%d", &last) != 1)
            last = CAP_LAST_CAP;
        fclose(f);
    }
    return last < 63 ? last : 63;
}

int orb_caps_limit(uint64_t set, orb_error **err)
{
    int last = last_capability();
    for (int cap = 0; cap <= last; cap++)
        if (!(set & (UINT64_C(1) << cap)) && prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0 &&
            errno != EINVAL)
            return orb_err_sys(err, errno, "drop capability %d from the bounding set", cap);
    if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
        return orb_err_sys(err, errno, "clear the ambient capabilities");
    return 0;
}

int orb_caps_apply(uint64_t set, bool no_new_privileges, orb_error **err)
{
    struct __user_cap_header_struct header = {.version = _LINUX_CAPABILITY_VERSION_3};
    struct __user_cap_data_struct data[2];
    if (syscall(SYS_capget, &header, data) < 0)
        return orb_err_sys(err, errno, "capget");
    for (int i = 0; i < 2; i++) {
        uint32_t keep = (uint32_t)(set >> (32 * i));
        data[i].permitted &= keep;
        data[i].effective &= keep;
        data[i].inheritable &= keep;
    }
    if (syscall(SYS_capset, &header, data) < 0)
        return orb_err_sys(err, errno, "capset");
    if (no_new_privileges && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
        return orb_err_sys(err, errno, "no_new_privs");
    return 0;
}
