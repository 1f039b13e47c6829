/* The apps as the set-up process resolved them, handed to orbit-init through
 * a memfd across the exec: a flat little-endian record of fixed-size numbers
 * and length-prefixed strings, in the order of orb_sv's fields. Written and
 * read by the same build of orbit, so there is no versioning; it is still
 * read defensively (bounded, every length checked) because it crosses an
 * exec. */
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "exec/supervisor.h"
#include "util/fs.h"
#include "util/mem.h"

#define HANDOFF_MAX (64u << 20)
#define NO_STRING   UINT32_MAX

typedef struct packer {
    char *buf;
    size_t len, cap;
} packer;

static void put(packer *pk, const void *data, size_t n)
{
    if (pk->len + n > pk->cap) {
        pk->cap = (pk->len + n) * 2;
        pk->buf = xrealloc(pk->buf, pk->cap);
    }
    memcpy(pk->buf + pk->len, data, n);
    pk->len += n;
}

static void put_u32(packer *pk, uint32_t v)
{
    put(pk, &v, sizeof(v));
}

static void put_u64(packer *pk, uint64_t v)
{
    put(pk, &v, sizeof(v));
}

static void put_str(packer *pk, const char *s)
{
    if (!s)
        return put_u32(pk, NO_STRING);
    put_u32(pk, (uint32_t)strlen(s));
    put(pk, s, strlen(s));
}

static void put_strv(packer *pk, char *const *v)
{
    size_t n = 0;

    while (v && v[n])
        n++;
    put_u32(pk, v ? (uint32_t)n : NO_STRING);
    for (size_t i = 0; i < n; i++)
        put_str(pk, v[i]);
}

static void put_exec(packer *pk, const orb_sv_exec *x)
{
    put_str(pk, x->program);
    put_strv(pk, x->argv);
}

static void put_app(packer *pk, const orb_sv_app *a)
{
    put_str(pk, a->name);
    put_str(pk, a->rootfs);
    put_str(pk, a->dir);
    put_u32(pk, a->id.uid);
    put_u32(pk, a->id.gid);
    put_u32(pk, (uint32_t)a->id.n_groups);
    for (size_t i = 0; i < a->id.n_groups; i++)
        put_u32(pk, a->id.groups[i]);
    put_u64(pk, a->caps);
    put_u32(pk, a->no_new_privileges);
    put_strv(pk, a->env);
    put_str(pk, a->workdir);
    put_exec(pk, &a->main);
    put_exec(pk, &a->pre_start);
    put_exec(pk, &a->post_stop);
    put_u32(pk, (uint32_t)a->log.fd);
    put_str(pk, a->log.path);
    put_u64(pk, a->log.size);
    put_u64(pk, a->log.max);
}

int orb_sv_handoff_write(const orb_sv *s, int fd, orb_error **err)
{
    packer pk = {0};
    int r = 0;

    put_str(&pk, s->p->uuid);
    put_str(&pk, s->p->dir);
    put_u32(&pk, s->interactive | s->stop_on_failure << 1 | s->prefix_output << 2);
    put_u32(&pk, (uint32_t)s->console_fd);
    put_u32(&pk, (uint32_t)s->console_peer_fd);
    put_u32(&pk, (uint32_t)s->n);
    for (size_t i = 0; i < s->n; i++)
        put_app(&pk, &s->apps[i]);
    if (orb_write_all(fd, pk.buf, pk.len) < 0 || lseek(fd, 0, SEEK_SET) < 0)
        r = orb_err_sys(err, errno, "hand the apps over to orbit-init");
    free(pk.buf);
    return r;
}

typedef struct unpacker {
    const char *buf;
    size_t len, pos;
    bool bad; /* truncated or inconsistent: every later read yields zero */
} unpacker;

static bool take(unpacker *u, void *out, size_t n)
{
    if (u->bad || n > u->len - u->pos) {
        u->bad = true;
        memset(out, 0, n);
        return false;
    }
    memcpy(out, u->buf + u->pos, n);
    u->pos += n;
    return true;
}

static uint32_t get_u32(unpacker *u)
{
    uint32_t v;
    take(u, &v, sizeof(v));
    return v;
}

static uint64_t get_u64(unpacker *u)
{
    uint64_t v;
    take(u, &v, sizeof(v));
    return v;
}

static char *get_str(unpacker *u)
{
    uint32_t n = get_u32(u);

    if (u->bad || n == NO_STRING)
        return NULL;
    if (n > u->len - u->pos) {
        u->bad = true;
        return NULL;
    }
    char *s = xstrndup(u->buf + u->pos, n);
    u->pos += n;
    return s;
}

/* A count of items each at least `min_size` bytes long must fit in what is
 * left, so a corrupt count cannot make us allocate without bound. */
static bool count_fits(unpacker *u, uint32_t n, size_t min_size)
{
    if (!u->bad && n <= (u->len - u->pos) / min_size)
        return true;
    u->bad = true;
    return false;
}

static char **get_strv(unpacker *u)
{
    uint32_t n = get_u32(u);

    if (u->bad || n == NO_STRING || !count_fits(u, n, sizeof(uint32_t)))
        return NULL;
    char **v = xcalloc((size_t)n + 1, sizeof(char *));
    for (uint32_t i = 0; i < n && !u->bad; i++)
        if (!(v[i] = get_str(u)))
            u->bad = true; /* a hole would end the vector early */
    return v;
}

static void get_exec(unpacker *u, orb_sv_exec *x)
{
    x->program = get_str(u);
    x->argv = get_strv(u);
}

static void get_app(unpacker *u, orb_sv_app *a)
{
    a->name = get_str(u);
    a->rootfs = get_str(u);
    a->dir = get_str(u);
    a->id.uid = get_u32(u);
    a->id.gid = get_u32(u);
    uint32_t n_groups = get_u32(u);
    if (count_fits(u, n_groups, sizeof(uint32_t)) && n_groups > 0) {
        a->id.groups = xcalloc(n_groups, sizeof(gid_t));
        for (uint32_t i = 0; i < n_groups; i++)
            a->id.groups[i] = get_u32(u);
        a->id.n_groups = n_groups;
    }
    a->caps = get_u64(u);
    a->no_new_privileges = get_u32(u) != 0;
    a->env = get_strv(u);
    a->workdir = get_str(u);
    get_exec(u, &a->main);
    get_exec(u, &a->pre_start);
    get_exec(u, &a->post_stop);
    a->log.fd = (int)get_u32(u);
    a->log.path = get_str(u);
    a->log.size = get_u64(u);
    a->log.max = get_u64(u);
    a->prefix = xasprintf("%s: ", a->name ? a->name : "");
}

static bool app_complete(const orb_sv_app *a)
{
    return a->name && a->rootfs && a->dir && a->env && a->workdir && a->main.program &&
           a->main.argv && a->main.argv[0];
}

static int unpack(unpacker *u, orb_sv *s, orb_error **err)
{
    _cleanup_free_ char *uuid = get_str(u);
    uint32_t flags, n;

    s->p = xcalloc(1, sizeof(*s->p));
    s->p->lock_fd = s->p->dir_fd = -1;
    s->p->dir = get_str(u);
    if (uuid && strlen(uuid) < sizeof(s->p->uuid))
        strcpy(s->p->uuid, uuid);
    flags = get_u32(u);
    s->interactive = flags & 1, s->stop_on_failure = flags & 2, s->prefix_output = flags & 4;
    s->console_fd = (int)get_u32(u);
    s->console_peer_fd = (int)get_u32(u);
    n = get_u32(u);
    if (!count_fits(u, n, 64) || n == 0 || !s->p->dir)
        return orb_err(err, EINVAL, "orbit-init: the apps handed over are malformed");
    s->apps = xcalloc(n, sizeof(*s->apps));
    s->n = n;
    for (size_t i = 0; i < s->n; i++) {
        get_app(u, &s->apps[i]);
        if (u->bad || !app_complete(&s->apps[i]))
            return orb_err(err, EINVAL, "orbit-init: app %zu handed over is malformed", i);
    }
    if (u->pos != u->len)
        return orb_err(err, EINVAL, "orbit-init: trailing bytes after the apps handed over");
    return 0;
}

int orb_sv_handoff_read(int fd, orb_sv *s, orb_error **err)
{
    _cleanup_free_ char *buf = NULL;
    size_t len;

    *s = (orb_sv){.sigfd = -1, .console_fd = -1, .console_peer_fd = -1, .deadline_ms = -1};
    if (orb_read_fd(fd, "the apps handed over", HANDOFF_MAX, &buf, &len, err) < 0)
        return -1;
    unpacker u = {.buf = buf, .len = len};
    if (unpack(&u, s, err) < 0) {
        /* fd numbers read from a damaged record may be anyone's */
        for (size_t i = 0; i < s->n; i++)
            s->apps[i].log.fd = -1;
        s->console_fd = s->console_peer_fd = -1;
        orb_pod_free(s->p);
        orb_sv_free(s);
        return -1;
    }
    return 0;
}
