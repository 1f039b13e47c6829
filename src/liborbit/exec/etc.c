/* The pod's hostname, hosts and resolv.conf files, written into the pod
 * directory before the supervisor starts; the mounts layer binds them into
 * every app's root. rkt's precedence (reference/rkt.md §5): what the user
 * asked for (--hosts-entry, --dns*) wins; otherwise the image's own file is
 * kept, and only an image without /etc/hosts gets the generated default.
 *
 * Files (relative to the pod directory):
 *   hostname       the pod's hostname, one line
 *   hosts          only with --hosts-entry: the host's /etc/hosts ("host"),
 *                  or localhost lines, the hostname and the entries
 *   hosts.default  always: localhost lines and the hostname; bound only where
 *                  `hosts` is absent and the app's image has no /etc/hosts
 *   resolv.conf    only with --dns (servers or "host"), --dns-search or
 *                  --dns-opt; absent with --dns none or nothing given, so the
 *                  image's own file stays */
#include <arpa/inet.h>
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "exec/exec.h"
#include "util/fs.h"
#include "util/mem.h"
#include "util/strv.h"

#define HOST_FILE_MAX (1024 * 1024)

static bool valid_ip(const char *s)
{
    unsigned char buf[16];
    return inet_pton(AF_INET, s, buf) == 1 || inet_pton(AF_INET6, s, buf) == 1;
}

/* RFC 1123 names: letters, digits, '-' and '.', 1..253 characters, labels
 * of at most 63 (sethostname takes 64). */
static bool valid_hostname(const char *s)
{
    size_t len = strlen(s), label = 0;
    if (len == 0 || len > 253 || s[0] == '-' || s[0] == '.')
        return false;
    for (const char *c = s; *c; c++) {
        bool alnum =
            (*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9');
        if (!alnum && *c != '-' && *c != '.')
            return false;
        label = *c == '.' ? 0 : label + 1;
        if (label > 63)
            return false;
    }
    return true;
}

/* A word that can stand in resolv.conf: no blanks, no control characters. */
static bool valid_word(const char *s)
{
    if (!s[0])
        return false;
    for (const unsigned char *c = (const unsigned char *)s; *c; c++)
        if (*c <= ' ' || *c == 0x7f || *c == '#' || *c == ';')
            return false;
    return true;
}

static int copy_host_file(const orb_pod *p, const char *host_path, const char *name,
                          orb_error **err)
{
    _cleanup_free_ char *buf = NULL;
    size_t len;
    if (orb_read_file(host_path, HOST_FILE_MAX, &buf, &len, err) < 0)
        return orb_err_wrap(err, "host's %s", host_path);
    return orb_pod_write_state(p, name, buf, err);
}

static void remove_pod_file(const orb_pod *p, const char *name)
{
    _cleanup_free_ char *path = orb_pod_path(p, name);
    (void)unlink(path);
}

static int write_hostname(const orb_pod *p, const char *hostname, orb_error **err)
{
    if (!valid_hostname(hostname))
        return orb_err(err, EINVAL, "hostname \"%s\": not a valid host name", hostname);
    _cleanup_free_ char *text = xasprintf("%s\n", hostname);
    return orb_pod_write_state(p, "hostname", text, err);
}

static char *hosts_base(const char *hostname)
{
    return xasprintf("127.0.0.1\tlocalhost localhost.localdomain %s\n"
                     "::1\tlocalhost localhost.localdomain ip6-localhost ip6-loopback\n",
                     hostname);
}

typedef struct host_line {
    char *ip;
    char *names; /* space separated */
} host_line;

static void host_lines_free(host_line *lines, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(lines[i].ip);
        free(lines[i].names);
    }
    free(lines);
}

/* Adds "IP=NAME" to lines, merging names of the same IP onto one line. */
static int add_host_entry(host_line **lines, size_t *n, const char *entry, orb_error **err)
{
    const char *eq = strchr(entry, '=');
    _cleanup_free_ char *ip = eq ? xstrndup(entry, (size_t)(eq - entry)) : NULL;
    if (!eq || !valid_ip(ip) || !valid_hostname(eq + 1))
        return orb_err(err, EINVAL, "hosts entry \"%s\": want IP=HOSTNAME (or \"host\")", entry);
    for (size_t i = 0; i < *n; i++) {
        if (strcmp((*lines)[i].ip, ip) == 0) {
            char *names = xasprintf("%s %s", (*lines)[i].names, eq + 1);
            free((*lines)[i].names);
            (*lines)[i].names = names;
            return 0;
        }
    }
    host_line *l = xgrow(lines, n, sizeof(**lines));
    l->ip = TAKE_PTR(ip);
    l->names = xstrdup(eq + 1);
    return 0;
}

/* --hosts-entry values, each "IP=NAME[,IP=NAME...]". */
static int write_hosts_entries(const orb_pod *p, char **entries, const char *hostname,
                               orb_error **err)
{
    host_line *lines = NULL;
    size_t n = 0;
    int r = 0;
    for (char **e = entries; r == 0 && *e; e++) {
        _cleanup_strv_ char **parts = strv_split(*e, ',');
        for (char **part = parts; r == 0 && *part; part++)
            r = add_host_entry(&lines, &n, *part, err);
    }
    if (r == 0) {
        _cleanup_free_ char *text = hosts_base(hostname);
        for (size_t i = 0; i < n; i++) {
            char *more = xasprintf("%s%s\t%s\n", text, lines[i].ip, lines[i].names);
            free(text);
            text = more;
        }
        r = orb_pod_write_state(p, "hosts", text, err);
    }
    host_lines_free(lines, n);
    return r;
}

static int write_hosts(const orb_pod *p, char **entries, const char *hostname, orb_error **err)
{
    _cleanup_free_ char *def = hosts_base(hostname);
    if (orb_pod_write_state(p, "hosts.default", def, err) < 0)
        return -1;
    if (strv_length(entries) == 0) {
        remove_pod_file(p, "hosts");
        return 0;
    }
    if (strv_contains(entries, "host")) {
        if (strv_length(entries) > 1)
            return orb_err(err, EINVAL,
                           "--hosts-entry host: cannot be combined with other entries");
        return copy_host_file(p, "/etc/hosts", "hosts", err);
    }
    return write_hosts_entries(p, entries, hostname, err);
}

/* Appends "<keyword> w1 w2 ...\n" to *text when words is non-empty. */
static int append_words(char **text, const char *keyword, char **words, const char *flag,
                        orb_error **err)
{
    if (strv_length(words) == 0)
        return 0;
    for (char **w = words; *w; w++)
        if (!valid_word(*w))
            return orb_err(err, EINVAL, "%s \"%s\": not a single word", flag, *w);
    _cleanup_free_ char *joined = strv_join(words, " ");
    char *more = xasprintf("%s%s %s\n", *text, keyword, joined);
    free(*text);
    *text = more;
    return 0;
}

static int write_resolv_conf(const orb_pod *p, const orb_run_options *o, orb_error **err)
{
    bool special = strv_contains(o->dns, "host") || strv_contains(o->dns, "none");
    bool extras = strv_length(o->dns_search) > 0 || strv_length(o->dns_opt) > 0;
    if (special && (strv_length(o->dns) > 1 || extras))
        return orb_err(err, EINVAL, "--dns %s: cannot be combined with other --dns* options",
                       strv_contains(o->dns, "host") ? "host" : "none");
    remove_pod_file(p, "resolv.conf");
    if (strv_contains(o->dns, "host"))
        return copy_host_file(p, "/etc/resolv.conf", "resolv.conf", err);
    if (special || (strv_length(o->dns) == 0 && !extras))
        return 0; /* the image's own file, if any, stays */
    _cleanup_free_ char *text = xstrdup("");
    for (char **s = o->dns; s && *s; s++) {
        if (!valid_ip(*s))
            return orb_err(err, EINVAL, "--dns \"%s\": not an IP address", *s);
        char *more = xasprintf("%snameserver %s\n", text, *s);
        free(text);
        text = more;
    }
    if (append_words(&text, "search", o->dns_search, "--dns-search", err) < 0 ||
        append_words(&text, "options", o->dns_opt, "--dns-opt", err) < 0)
        return -1;
    return orb_pod_write_state(p, "resolv.conf", text, err);
}

int orb_pod_write_etc(orb_pod *p, const orb_run_options *o, orb_error **err)
{
    static const orb_run_options none = {0};
    if (!o)
        o = &none;
    _cleanup_free_ char *hostname = NULL;
    if (o->hostname && o->hostname[0])
        hostname = xstrdup(o->hostname);
    else
        hostname = xasprintf("orbit-%.8s", p->uuid);
    /* orb_pod_write_file names the pod in its errors; ours name the flag */
    if (write_hostname(p, hostname, err) < 0 ||
        write_hosts(p, o->hosts_entries, hostname, err) < 0 || write_resolv_conf(p, o, err) < 0)
        return -1;
    return 0;
}
