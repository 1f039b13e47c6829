/* The trusted-key directories: adding, removing, listing, and choosing the
 * keys for a name.
 *
 * A key is a file named by its fingerprint under trustedkeys/root.d or
 * trustedkeys/prefix.d/<prefix> (a prefix's '/' are directories). A local
 * file shadows the system file at the same relative place; an empty local
 * file is a mask: neither it nor the system key it shadows is trusted.
 *
 * Prefixes match a name by path segments: "example.com" covers
 * "example.com" and "example.com/app", never "example.community". */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "schema/types.h"
#include "trust/gpg.h"
#include "util/fs.h"
#include "util/mem.h"

#define FPR_LEN   40
#define MAX_DEPTH 64

/* One file found under a trustedkeys tree. */
typedef struct entry {
    char *rel;    /* "root.d/<fpr>" or "prefix.d/<prefix>/<fpr>" */
    char *path;   /* full path */
    char *prefix; /* NULL under root.d */
    char *fpr;
    bool empty, system;
} entry;

typedef struct entries {
    entry *v;
    size_t n;
} entries;

static void entries_clear(entries *e)
{
    for (size_t i = 0; i < e->n; i++) {
        free(e->v[i].rel);
        free(e->v[i].path);
        free(e->v[i].prefix);
        free(e->v[i].fpr);
    }
    free(e->v);
    *e = (entries){0};
}

static bool is_fpr(const char *s)
{
    size_t n = 0;
    for (; s[n]; n++)
        if (!isxdigit((unsigned char)s[n]) || isupper((unsigned char)s[n]))
            return false;
    return n == FPR_LEN;
}

static void add_entry(entries *e, const char *dir, const char *prefix, const char *name,
                      const struct stat *st, bool system)
{
    entry *x = xgrow(&e->v, &e->n, sizeof(*x));
    x->path = xasprintf("%s/%s", dir, name);
    x->rel = prefix ? xasprintf("prefix.d/%s/%s", prefix, name) : xasprintf("root.d/%s", name);
    x->prefix = prefix ? xstrdup(prefix) : NULL;
    x->fpr = xstrdup(name);
    x->empty = st->st_size == 0;
    x->system = system;
}

/* Collects the key files of dir; with recurse, subdirectories are longer
 * prefixes (prefix is then dir's prefix, "" at the top of prefix.d). */
static int scan_dir(const char *dir, const char *prefix, bool recurse, bool system, int depth,
                    entries *e, orb_error **err)
{
    _cleanup_dir_ DIR *d = opendir(dir);
    if (!d)
        return errno == ENOENT || errno == ENOTDIR ? 0 : orb_err_sys(err, errno, "open %s", dir);
    struct dirent *de;
    while ((de = readdir(d))) {
        if (de->d_name[0] == '.')
            continue; /* ".", "..", and temporaries of an unfinished write */
        _cleanup_free_ char *path = xasprintf("%s/%s", dir, de->d_name);
        struct stat st;
        /* Key files may be symlinks (packaged keys); directories are not
         * followed through links, so a link loop cannot recurse forever. */
        if (lstat(path, &st) < 0)
            continue; /* vanished */
        bool link = S_ISLNK(st.st_mode);
        if (link && stat(path, &st) < 0)
            continue; /* dangling: not a key */
        if (S_ISREG(st.st_mode) && is_fpr(de->d_name) && (!recurse || *prefix))
            add_entry(e, dir, recurse ? prefix : NULL, de->d_name, &st, system);
        else if (S_ISDIR(st.st_mode) && !link && recurse && depth < MAX_DEPTH) {
            _cleanup_free_ char *sub =
                *prefix ? xasprintf("%s/%s", prefix, de->d_name) : xstrdup(de->d_name);
            if (scan_dir(path, sub, true, system, depth + 1, e, err) < 0)
                return -1;
        }
    }
    return 0;
}

static int scan_tree(const char *config_dir, bool system, entries *e, orb_error **err)
{
    if (!config_dir)
        return 0;
    _cleanup_free_ char *root = xasprintf("%s/trustedkeys/root.d", config_dir);
    _cleanup_free_ char *pfx = xasprintf("%s/trustedkeys/prefix.d", config_dir);
    if (scan_dir(root, NULL, false, system, 0, e, err) < 0)
        return -1;
    return scan_dir(pfx, "", true, system, 0, e, err);
}

static bool has_rel(const entries *e, const char *rel)
{
    for (size_t i = 0; i < e->n; i++)
        if (strcmp(e->v[i].rel, rel) == 0)
            return true;
    return false;
}

/* Moves entry i of from into to. */
static void take_entry(entries *to, entries *from, size_t i)
{
    *(entry *)xgrow(&to->v, &to->n, sizeof(entry)) = from->v[i];
    from->v[i] = (entry){0};
}

/* The keys in effect: local non-empty files, and system files no local
 * file shadows or masks. */
static int scan_effective(const orb_keystore *ks, entries *ret, orb_error **err)
{
    entries local = {0}, sys = {0};
    if (scan_tree(ks->local_dir, false, &local, err) < 0 ||
        scan_tree(ks->system_dir, true, &sys, err) < 0) {
        entries_clear(&local);
        entries_clear(&sys);
        return -1;
    }
    *ret = (entries){0};
    for (size_t i = 0; i < sys.n; i++)
        if (!has_rel(&local, sys.v[i].rel))
            take_entry(ret, &sys, i);
    for (size_t i = 0; i < local.n; i++)
        if (!local.v[i].empty)
            take_entry(ret, &local, i);
    entries_clear(&local);
    entries_clear(&sys);
    return 0;
}

static void to_infos(entries *e, orb_key_info **ret, size_t *ret_n)
{
    orb_key_info *v = xcalloc(e->n ? e->n : 1, sizeof(*v));
    for (size_t i = 0; i < e->n; i++) {
        v[i].fingerprint = TAKE_PTR(e->v[i].fpr);
        v[i].prefix = TAKE_PTR(e->v[i].prefix);
        v[i].path = TAKE_PTR(e->v[i].path);
        v[i].system = e->v[i].system;
    }
    *ret = v;
    *ret_n = e->n;
    entries_clear(e);
}

/* Whether prefix covers name, segment by segment. */
static bool prefix_matches(const char *prefix, const char *name)
{
    size_t n = strlen(prefix);
    return strncmp(prefix, name, n) == 0 && (name[n] == '\0' || name[n] == '/');
}

int orb_keystore_select(const orb_keystore *ks, const char *name, orb_key_info **ret, size_t *ret_n,
                        orb_error **err)
{
    entries all = {0}, chosen = {0};
    if (scan_effective(ks, &all, err) < 0)
        return -1;
    size_t best = 0;
    for (size_t i = 0; i < all.n; i++) {
        const char *p = all.v[i].prefix;
        if (p && prefix_matches(p, name) && strlen(p) > best)
            best = strlen(p);
    }
    for (size_t i = 0; i < all.n; i++) {
        const char *p = all.v[i].prefix;
        if (!p || (strlen(p) == best && prefix_matches(p, name)))
            take_entry(&chosen, &all, i);
    }
    entries_clear(&all);
    to_infos(&chosen, ret, ret_n);
    return 0;
}

int orb_keystore_has_keys_for(const orb_keystore *ks, const char *name, bool *ret, orb_error **err)
{
    orb_key_info *v = NULL;
    size_t n = 0;
    if (orb_keystore_select(ks, name, &v, &n, err) < 0)
        return -1;
    orb_key_infos_free(v, n);
    *ret = n > 0;
    return 0;
}

/* Fills in what the key files say about their keys, read all in one
 * keyring; a file gpg cannot read keeps only its name and place. */
static void describe(orb_key_info *v, size_t n)
{
    orb_gpg g;
    _cleanup_error_ orb_error *ignored = NULL;
    if (orb_gpg_open(&g, &ignored) < 0)
        return;
    for (size_t i = 0; i < n; i++) {
        _cleanup_free_ char *data = NULL;
        size_t len = 0;
        if (orb_read_file(v[i].path, ORB_KEY_FILE_MAX, &data, &len, &ignored) == 0)
            orb_gpg_import(&g, data, len, v[i].path, NULL, &ignored);
        orb_error_free(TAKE_PTR(ignored));
    }
    orb_key_info *k = NULL;
    size_t kn = 0;
    if (orb_gpg_list(&g, &k, &kn, &ignored) == 0)
        for (size_t i = 0; i < n; i++)
            for (size_t j = 0; j < kn; j++)
                if (strcmp(v[i].fingerprint, k[j].fingerprint) == 0) {
                    v[i].uids = strv_copy(k[j].uids);
                    v[i].created = k[j].created;
                    v[i].expires = k[j].expires;
                    v[i].revoked = k[j].revoked;
                    v[i].expired = k[j].expired;
                }
    orb_key_infos_free(k, kn);
    orb_gpg_close(&g);
}

/* Root keys first, then by prefix, fingerprint, local before system. */
static int info_cmp(const void *pa, const void *pb)
{
    const orb_key_info *a = pa, *b = pb;
    if (!a->prefix != !b->prefix)
        return a->prefix ? 1 : -1;
    int c = a->prefix ? strcmp(a->prefix, b->prefix) : 0;
    if (c == 0)
        c = strcmp(a->fingerprint, b->fingerprint);
    return c ? c : (int)a->system - (int)b->system;
}

int orb_keystore_list(const orb_keystore *ks, orb_key_info **ret, size_t *ret_n, orb_error **err)
{
    entries all = {0};
    if (scan_effective(ks, &all, err) < 0)
        return -1;
    to_infos(&all, ret, ret_n);
    if (*ret_n > 1)
        qsort(*ret, *ret_n, sizeof(**ret), info_cmp);
    describe(*ret, *ret_n);
    for (size_t i = 0; i < *ret_n; i++)
        if (!(*ret)[i].uids)
            (*ret)[i].uids = xcalloc(1, sizeof(char *));
    return 0;
}

static int mkdir_p(const char *path, orb_error **err)
{
    _cleanup_free_ char *p = xstrdup(path);
    for (char *s = p + 1;; s++) {
        if (*s != '/' && *s != '\0')
            continue;
        char c = *s;
        *s = '\0';
        if (mkdir(p, 0755) < 0 && errno != EEXIST)
            return orb_err_sys(err, errno, "create directory %s", p);
        *s = c;
        if (c == '\0')
            return 0;
    }
}

/* An AC Identifier may still hold "a/../b" or "a//b", which would leave or
 * blur the prefix.d tree. */
static int check_prefix(const char *prefix, orb_error **err)
{
    const char *why = orb_check_ac_identifier(prefix);
    if (why)
        return orb_err(err, EINVAL, "prefix %s: %s", prefix, why);
    _cleanup_strv_ char **segs = strv_split(prefix, '/');
    for (char **s = segs; *s; s++)
        if (!**s || strcmp(*s, ".") == 0 || strcmp(*s, "..") == 0)
            return orb_err(err, EINVAL, "prefix %s: must not hold empty, '.' or '..' segments",
                           prefix);
    return 0;
}

static int check_usable(const orb_key_info *v, size_t n, const char *source, orb_error **err)
{
    for (size_t i = 0; i < n; i++) {
        if (v[i].revoked)
            return orb_err(err, EKEYREVOKED, "%s: key %s is revoked", source, v[i].fingerprint);
        if (v[i].expired)
            return orb_err(err, EKEYEXPIRED, "%s: key %s has expired", source, v[i].fingerprint);
    }
    return 0;
}

static int write_key(orb_gpg *g, const char *dir, const char *fpr, orb_error **err)
{
    _cleanup_free_ char *armored = NULL;
    size_t len = 0;
    if (orb_gpg_export(g, fpr, &armored, &len, err) < 0)
        return -1;
    _cleanup_free_ char *path = xasprintf("%s/%s", dir, fpr);
    orb_output out;
    if (orb_output_open(&out, path, true, 0644, err) < 0)
        return -1;
    if (orb_write_all(out.fd, armored, len) < 0) {
        int e = errno;
        orb_output_discard(&out);
        return orb_err_sys(err, e, "write %s", path);
    }
    int r = orb_output_commit(&out, err);
    orb_output_discard(&out);
    return r;
}

static int add_keys(orb_gpg *g, const orb_keystore *ks, const char *data, size_t len,
                    const char *source, const char *prefix, char ***ret, orb_error **err)
{
    orb_key_info *v = NULL;
    size_t n = 0;
    if (orb_gpg_load_keys(g, data, len, source, &v, &n, err) < 0)
        return -1;
    _cleanup_free_ char *dir = prefix
                                   ? xasprintf("%s/trustedkeys/prefix.d/%s", ks->local_dir, prefix)
                                   : xasprintf("%s/trustedkeys/root.d", ks->local_dir);
    int r = check_usable(v, n, source, err);
    if (r == 0)
        r = mkdir_p(dir, err);
    _cleanup_strv_ char **fprs = xcalloc(1, sizeof(char *));
    for (size_t i = 0; r == 0 && i < n; i++) {
        r = write_key(g, dir, v[i].fingerprint, err);
        strv_push(&fprs, v[i].fingerprint);
    }
    orb_key_infos_free(v, n);
    if (r == 0 && ret)
        *ret = TAKE_PTR(fprs);
    return r;
}

int orb_keystore_add(const orb_keystore *ks, const char *data, size_t len, const char *source,
                     const char *prefix, char ***ret_fingerprints, orb_error **err)
{
    if (prefix && check_prefix(prefix, err) < 0)
        return -1;
    orb_gpg g;
    if (orb_gpg_open(&g, err) < 0)
        return -1;
    int r = add_keys(&g, ks, data, len, source, prefix, ret_fingerprints, err);
    orb_gpg_close(&g);
    return r;
}

/* Lower-case hex without spaces or "0x": a fingerprint (40 digits) or a
 * long key ID (16). */
static int normalise_fpr(const char *in, char **ret, orb_error **err)
{
    const char *s = in;
    if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
        s += 2;
    _cleanup_free_ char *out = xcalloc(strlen(s) + 1, 1);
    size_t n = 0;
    for (; *s; s++) {
        if (*s == ' ')
            continue;
        if (!isxdigit((unsigned char)*s))
            break;
        out[n++] = (char)tolower((unsigned char)*s);
    }
    if (*s || (n != FPR_LEN && n != 16))
        return orb_err(err, EINVAL, "%s: not a key fingerprint (40 hex digits) or long key ID", in);
    *ret = TAKE_PTR(out);
    return 0;
}

static bool fpr_matches(const char *fpr, const char *want)
{
    size_t n = strlen(want);
    return strlen(fpr) == FPR_LEN && strcmp(fpr + FPR_LEN - n, want) == 0;
}

/* The full fingerprint of the one trusted key want names. */
static int resolve_fpr(const orb_keystore *ks, const char *want, char **ret, orb_error **err)
{
    entries all = {0};
    if (scan_effective(ks, &all, err) < 0)
        return -1;
    int r = 0;
    *ret = NULL;
    for (size_t i = 0; i < all.n && r == 0; i++) {
        if (!fpr_matches(all.v[i].fpr, want))
            continue;
        if (*ret && strcmp(*ret, all.v[i].fpr) != 0)
            r = orb_err(err, EINVAL, "key ID %s is ambiguous: give the whole fingerprint", want);
        else if (!*ret)
            *ret = xstrdup(all.v[i].fpr);
    }
    entries_clear(&all);
    if (r == 0 && !*ret)
        r = orb_err(err, ENOENT, "no trusted key has fingerprint %s", want);
    if (r < 0) {
        free(*ret);
        *ret = NULL;
    }
    return r;
}

static int write_mask(const char *local_dir, const char *rel, orb_error **err)
{
    _cleanup_free_ char *path = xasprintf("%s/trustedkeys/%s", local_dir, rel);
    _cleanup_free_ char *dir = xstrndup(path, (size_t)(strrchr(path, '/') - path));
    orb_output out;
    if (mkdir_p(dir, err) < 0 || orb_output_open(&out, path, true, 0644, err) < 0)
        return -1;
    int r = orb_output_commit(&out, err);
    orb_output_discard(&out);
    return r;
}

static int remove_files(const orb_keystore *ks, const char *fpr, entries *local, entries *sys,
                        orb_error **err)
{
    for (size_t i = 0; i < local->n; i++) {
        entry *x = &local->v[i];
        if (!x->empty && strcmp(x->fpr, fpr) == 0 && unlink(x->path) < 0 && errno != ENOENT)
            return orb_err_sys(err, errno, "remove %s", x->path);
    }
    for (size_t i = 0; i < sys->n; i++)
        if (strcmp(sys->v[i].fpr, fpr) == 0 && write_mask(ks->local_dir, sys->v[i].rel, err) < 0)
            return -1;
    return 0;
}

int orb_keystore_remove(const orb_keystore *ks, const char *fingerprint, orb_error **err)
{
    _cleanup_free_ char *want = NULL, *fpr = NULL;
    if (normalise_fpr(fingerprint, &want, err) < 0 || resolve_fpr(ks, want, &fpr, err) < 0)
        return -1;
    entries local = {0}, sys = {0};
    int r = scan_tree(ks->local_dir, false, &local, err);
    if (r == 0)
        r = scan_tree(ks->system_dir, true, &sys, err);
    if (r == 0)
        r = remove_files(ks, fpr, &local, &sys, err);
    entries_clear(&local);
    entries_clear(&sys);
    return r;
}
