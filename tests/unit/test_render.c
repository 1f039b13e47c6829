/* Rendering: the dependency list, the file-selection rules (the reference's
 * test scenarios, appc-rules.md §5) and laying trees down by link or copy,
 * over a fake image source made of plain temporary directories. */
// clang-format off
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
// clang-format on

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "render/render.h"
#include "util/copy.h"
#include "util/mem.h"
#include "util/strv.h"

/* ---- fake source ---------------------------------------------------------- */

#define MAX_IMGS 12
#define MAX_DEPS 4

typedef struct fake_dep {
    size_t target;
    bool by_id;
    const char *name_override; /* a wrong name with by_id */
} fake_dep;

typedef struct fake_image {
    const char *name;
    const char *version; /* NULL: no label */
    char id[ORB_IMAGE_ID_LEN + 1];
    char **wl;
    fake_dep deps[MAX_DEPS];
    size_t n_deps;
    char *tree;
} fake_image;

typedef struct fixture {
    char *base;
    char *out;
    fake_image img[MAX_IMGS];
    size_t n;
    size_t n_missing; /* extra declared dependencies that are not stored */
    orb_render_source src;
} fixture;

static fake_image *by_id(fixture *fx, const char *id)
{
    for (size_t i = 0; i < fx->n; i++)
        if (strcmp(fx->img[i].id, id) == 0)
            return &fx->img[i];
    return NULL;
}

static void add_dep(orb_image_manifest *m, const char *name, const char *id, const char *version)
{
    orb_dependency *d = xgrow(&m->dependencies, &m->n_dependencies, sizeof(*d));
    d->image_name = xstrdup(name);
    d->image_id = id ? xstrdup(id) : NULL;
    if (version)
        orb_kv_set(&d->labels, "version", version);
}

static int fake_manifest(void *ctx, const char *id, orb_image_manifest **ret, orb_error **err)
{
    fixture *fx = ctx;
    fake_image *img = by_id(fx, id);
    if (!img)
        return orb_err(err, ENOENT, "image %s: not stored", id);
    orb_image_manifest *m = xcalloc(1, sizeof(*m));
    m->name = xstrdup(img->name);
    m->path_whitelist = strv_copy(img->wl);
    for (size_t i = 0; i < img->n_deps; i++) {
        fake_image *t = &fx->img[img->deps[i].target];
        const char *name = img->deps[i].name_override ? img->deps[i].name_override : t->name;
        add_dep(m, name, img->deps[i].by_id ? t->id : NULL, t->version);
    }
    if (fx->n_missing && img == &fx->img[0])
        add_dep(m, "example.com/b", NULL, "1.0");
    *ret = m;
    return 0;
}

static int fake_find(void *ctx, const char *name, const orb_kv_list *labels,
                     char ret_id[ORB_IMAGE_ID_LEN + 1], orb_error **err)
{
    (void)err;
    fixture *fx = ctx;
    const char *version = orb_kv_get(labels, "version");
    for (size_t i = 0; i < fx->n; i++) {
        fake_image *img = &fx->img[i];
        if (strcmp(img->name, name) != 0)
            continue;
        if (version && (!img->version || strcmp(version, img->version) != 0))
            continue;
        strcpy(ret_id, img->id);
        return 1;
    }
    return 0;
}

static char *fake_tree(void *ctx, const char *id)
{
    fake_image *img = by_id(ctx, id);
    return img ? xstrdup(img->tree) : NULL;
}

/* ---- fixture -------------------------------------------------------------- */

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)ftw;
    return flag == FTW_DP ? rmdir(path) : unlink(path);
}

/* Read-only test directories would block the removal when not root. */
static int make_writable(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)ftw;
    if (flag == FTW_D)
        chmod(path, (st->st_mode & 07777) | 0700);
    return 0;
}

static int setup(void **state)
{
    fixture *fx = xcalloc(1, sizeof(*fx));
    fx->base = xstrdup("/tmp/orb-test-render-XXXXXX");
    assert_non_null(mkdtemp(fx->base));
    fx->out = xasprintf("%s/out", fx->base);
    assert_int_equal(mkdir(fx->out, 0755), 0);
    fx->src = (orb_render_source){fake_manifest, fake_find, fake_tree, fx};
    *state = fx;
    return 0;
}

static int teardown(void **state)
{
    fixture *fx = *state;
    nftw(fx->base, make_writable, 16, FTW_PHYS);
    nftw(fx->base, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
    for (size_t i = 0; i < fx->n; i++) {
        strv_free(fx->img[i].wl);
        free(fx->img[i].tree);
    }
    free(fx->out);
    free(fx->base);
    free(fx);
    return 0;
}

/* A new image; wl is a space-separated whitelist or NULL. */
static size_t image(fixture *fx, const char *name, const char *wl)
{
    size_t k = fx->n++;
    fake_image *img = &fx->img[k];
    img->name = name;
    snprintf(img->id, sizeof(img->id), "sha512-");
    memset(img->id + 7, (int)('1' + k), 128);
    img->id[135] = '\0';
    if (wl) {
        _cleanup_strv_ char **parts = strv_split(wl, ' ');
        img->wl = strv_copy(parts);
    }
    img->tree = xasprintf("%s/img%zu", fx->base, k);
    assert_int_equal(mkdir(img->tree, 0755), 0);
    _cleanup_free_ char *rootfs = xasprintf("%s/rootfs", img->tree);
    assert_int_equal(mkdir(rootfs, 0755), 0);
    return k;
}

static void dep(fixture *fx, size_t from, size_t to, bool use_id)
{
    fake_image *img = &fx->img[from];
    img->deps[img->n_deps++] = (fake_dep){.target = to, .by_id = use_id};
}

static char *img_path(fixture *fx, size_t k, const char *rel)
{
    return xasprintf("%s/rootfs/%s", fx->img[k].tree, rel);
}

static void mkparents(const char *path)
{
    _cleanup_free_ char *p = xstrdup(path);
    for (char *s = strchr(p + 1, '/'); s; s = strchr(s + 1, '/')) {
        *s = '\0';
        mkdir(p, 0755);
        *s = '/';
    }
}

static void mk_file(fixture *fx, size_t k, const char *rel, size_t size)
{
    _cleanup_free_ char *p = img_path(fx, k, rel);
    mkparents(p);
    FILE *f = fopen(p, "we");
    assert_non_null(f);
    for (size_t i = 0; i < size; i++)
        fputc('a' + (int)(i % 5), f);
    fclose(f);
}

static void mk_dir(fixture *fx, size_t k, const char *rel, mode_t mode)
{
    _cleanup_free_ char *p = img_path(fx, k, rel);
    mkparents(p);
    mkdir(p, mode);
    assert_int_equal(chmod(p, mode), 0);
}

static void mk_link(fixture *fx, size_t k, const char *rel, const char *target)
{
    _cleanup_free_ char *p = img_path(fx, k, rel);
    mkparents(p);
    assert_int_equal(symlink(target, p), 0);
}

static void render_mode(fixture *fx, size_t top, orb_render_mode mode)
{
    orb_render_image *l = NULL;
    size_t n = 0;
    _cleanup_error_ orb_error *err = NULL;
    int r = orb_render_list(&fx->src, fx->img[top].id, &l, &n, &err);
    if (r == 0)
        r = orb_render_into(&fx->src, l, n, fx->out, mode, &err);
    if (r < 0)
        fail_msg("render: %s", err->msg);
    orb_render_list_free(l, n);
}

static void render(fixture *fx, size_t top)
{
    render_mode(fx, top, ORB_RENDER_LINK);
}

/* ---- checking the output -------------------------------------------------- */

static void list_tree(const char *dir, const char *prefix, char ***out)
{
    _cleanup_close_ int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    assert_true(fd >= 0);
    _cleanup_strv_ char **names = NULL;
    assert_int_equal(orb_copy_list_dir(fd, &names, NULL), 0);
    for (size_t i = 0; names[i]; i++) {
        _cleanup_free_ char *path = xasprintf("%s/%s", dir, names[i]);
        _cleanup_free_ char *rel = xasprintf("%s%s", prefix, names[i]);
        struct stat st;
        assert_int_equal(lstat(path, &st), 0);
        if (S_ISDIR(st.st_mode)) {
            strv_push_take(out, xasprintf("%s/", rel));
            _cleanup_free_ char *sub = xasprintf("%s/", rel);
            list_tree(path, sub, out);
        } else if (S_ISLNK(st.st_mode)) {
            strv_push_take(out, xasprintf("%s@", rel));
        } else {
            strv_push_take(out, xasprintf("%s:%lld", rel, (long long)st.st_size));
        }
    }
}

/* expected: space-separated "dir/", "file:size", "symlink@", sorted. */
static void assert_tree(fixture *fx, const char *expected)
{
    _cleanup_free_ char *root = xasprintf("%s/rootfs", fx->out);
    _cleanup_strv_ char **got = NULL;
    list_tree(root, "", &got);
    _cleanup_strv_ char **want = expected[0] ? strv_split(expected, ' ') : NULL;
    _cleanup_free_ char *g = got ? strv_join(got, " ") : xstrdup("");
    _cleanup_free_ char *w = want ? strv_join(want, " ") : xstrdup("");
    assert_string_equal(g, w);
}

static mode_t out_mode(fixture *fx, const char *rel)
{
    _cleanup_free_ char *p = xasprintf("%s/rootfs/%s", fx->out, rel);
    struct stat st;
    assert_int_equal(lstat(p, &st), 0);
    return st.st_mode & 07777;
}

/* ---- upper whitelist (getUpperPWLM) --------------------------------------- */

static char *pwl0[] = {"/a", NULL};
static char *pwl1[] = {"/b", NULL};

static void test_upper_wl_top_gets_none(void **state)
{
    (void)state;
    orb_render_image l[] = {{.level = 0, .path_whitelist = pwl0}};
    assert_int_equal(orb_render_upper_whitelist(l, 1, 0), -1);
}

static void test_upper_wl_nearest_top_wins(void **state)
{
    (void)state;
    orb_render_image l[] = {
        {.level = 0, .path_whitelist = pwl0}, {.level = 1, .path_whitelist = pwl1}, {.level = 2}};
    assert_int_equal(orb_render_upper_whitelist(l, 3, 2), 0);
    assert_int_equal(orb_render_upper_whitelist(l, 3, 1), 0);
}

static void test_upper_wl_other_branch_ignored(void **state)
{
    (void)state;
    orb_render_image l[] = {
        {.level = 0}, {.level = 1, .path_whitelist = pwl0}, {.level = 0}, {.level = 2}};
    assert_int_equal(orb_render_upper_whitelist(l, 4, 3), -1);
}

/* The reference would take C for D's ancestor here (its sibling-subtree
 * quirk); D's real ancestors are B and A, without whitelists. */
static void test_upper_wl_sibling_subtree_not_ancestor(void **state)
{
    (void)state;
    orb_render_image l[] = {{.level = 0},
                            {.level = 1, .path_whitelist = pwl0},
                            {.level = 2},
                            {.level = 1},
                            {.level = 2}};
    assert_int_equal(orb_render_upper_whitelist(l, 5, 4), -1);
    assert_int_equal(orb_render_upper_whitelist(l, 5, 2), 1);
    assert_int_equal(orb_render_upper_whitelist(l, 5, 3), -1);
}

/* ---- directories and files ------------------------------------------------ */

static void test_dir_only_in_dep(void **state)
{
    fixture *fx = *state;
    size_t top = image(fx, "example.com/top", NULL), d = image(fx, "example.com/dep", NULL);
    dep(fx, top, d, false);
    mk_dir(fx, d, "a", 0755);
    render(fx, top);
    assert_tree(fx, "a/");
}

static void test_dir_only_in_top(void **state)
{
    fixture *fx = *state;
    size_t top = image(fx, "example.com/top", NULL), d = image(fx, "example.com/dep", NULL);
    dep(fx, top, d, false);
    mk_dir(fx, top, "a", 0755);
    render(fx, top);
    assert_tree(fx, "a/");
}

static void test_dir_in_both_top_mode_wins(void **state)
{
    fixture *fx = *state;
    size_t top = image(fx, "example.com/top", NULL), d = image(fx, "example.com/dep", NULL);
    dep(fx, top, d, false);
    mk_dir(fx, top, "a", 0700);
    mk_dir(fx, d, "a", 0755);
    render(fx, top);
    assert_tree(fx, "a/");
    assert_int_equal(out_mode(fx, "a"), 0700);
}

static void test_file_only_in_dep(void **state)
{
    fixture *fx = *state;
    size_t top = image(fx, "example.com/top", NULL), d = image(fx, "example.com/dep", NULL);
    dep(fx, top, d, false);
    mk_file(fx, d, "a/file01.txt", 5);
    render(fx, top);
    assert_tree(fx, "a/ a/file01.txt:5");
}

static void test_file_only_in_top(void **state)
{
    fixture *fx = *state;
    size_t top = image(fx, "example.com/top", NULL), d = image(fx, "example.com/dep", NULL);
    dep(fx, top, d, false);
    mk_file(fx, top, "a/file01.txt", 10);
    render(fx, top);
    assert_tree(fx, "a/ a/file01.txt:10");
}

static void test_file_in_both_top_wins(void **state)
{
    fixture *fx = *state;
    size_t top = image(fx, "example.com/top", NULL), d = image(fx, "example.com/dep", NULL);
    dep(fx, top, d, false);
    mk_file(fx, top, "a/file01.txt", 10);
    mk_file(fx, d, "a/file01.txt", 5);
    render(fx, top);
    assert_tree(fx, "a/ a/file01.txt:10");
}

static void test_top_file_hides_dep_dirs(void **state)
{
    fixture *fx = *state;
    size_t top = image(fx, "example.com/top", NULL), d = image(fx, "example.com/dep", NULL);
    dep(fx, top, d, false);
    mk_dir(fx, d, "a/b/c", 0755);
    mk_file(fx, d, "a/b/c/file01.txt", 5);
    mk_file(fx, top, "a/b", 10);
    render(fx, top);
    assert_tree(fx, "a/ a/b:10");
}

/* The dependency of PWLOnlyParent / PWLOnlyImage. */
static void pwl_dep_tree(fixture *fx, size_t d)
{
    mk_file(fx, d, "a/file01.txt", 5);
    mk_file(fx, d, "a/file02.txt", 5);
    mk_file(fx, d, "a/file03.txt", 5);
    mk_dir(fx, d, "b", 0711);
    mk_link(fx, d, "b/link01.txt", "file01.txt");
    mk_dir(fx, d, "c", 0700);
    mk_file(fx, d, "c/file01.txt", 5);
    mk_dir(fx, d, "d", 0700);
    mk_file(fx, d, "d/file01.txt", 5);
    mk_file(fx, d, "e/file01.txt", 5);
}

static void test_pwl_only_parent(void **state)
{
    fixture *fx = *state;
    size_t top = image(fx, "example.com/top", NULL);
    size_t d = image(fx, "example.com/dep", "/a/file01.txt /a/file02.txt /b/link01.txt /c/ /d/");
    dep(fx, top, d, false);
    pwl_dep_tree(fx, d);
    mk_file(fx, top, "b/file01.txt", 10);
    mk_file(fx, top, "c/file02.txt", 5);
    render(fx, top);
    /* The own whitelist filters files only: dirs a, b, e stay. */
    assert_tree(fx, "a/ a/file01.txt:5 a/file02.txt:5 b/ b/file01.txt:10 b/link01.txt@ "
                    "c/ c/file02.txt:5 d/ e/");
    assert_int_equal(out_mode(fx, "d"), 0700);
}

static void test_pwl_only_image(void **state)
{
    fixture *fx = *state;
    size_t top = image(fx, "example.com/top",
                       "/a/file01.txt /a/file02.txt /b/link01.txt "
                       "/b/file01.txt /c/file02.txt /d/");
    size_t d = image(fx, "example.com/dep", NULL);
    dep(fx, top, d, false);
    pwl_dep_tree(fx, d);
    mk_file(fx, top, "a/file01.txt", 10);
    mk_file(fx, top, "c/file02.txt", 5);
    render(fx, top);
    assert_tree(fx, "a/ a/file01.txt:10 a/file02.txt:5 b/ b/link01.txt@ c/ c/file02.txt:5 d/");
    /* The dependency's dirs b (0711) and c (0700) are dropped by the upper
     * whitelist: b is only an implicit parent, c is the top's own. */
    assert_int_equal(out_mode(fx, "b"), 0755);
    assert_int_equal(out_mode(fx, "c"), 0755);
    assert_int_equal(out_mode(fx, "d"), 0700);
}

#define TOP_WL                                                                                     \
    "/a/file01.txt /a/file02.txt /a/file03.txt /b/link01.txt /b/file01.txt /b/file02.txt "         \
    "/c/file01.txt"
#define B_WL "/a/file01.txt /a/file02.txt /a/file03.txt /a/file04.txt /b/link01.txt /b/file01.txt"
#define DEPS_RESULT                                                                                \
    "a/ a/file01.txt:15 a/file02.txt:10 a/file03.txt:5 b/ b/file01.txt:5 b/file02.txt:5 "          \
    "b/link01.txt@ c/ c/file01.txt:5"

static void fill_b(fixture *fx, size_t b)
{
    mk_file(fx, b, "a/file01.txt", 5);
    mk_file(fx, b, "a/file02.txt", 5);
    mk_file(fx, b, "a/file03.txt", 5);
    mk_file(fx, b, "a/file04.txt", 5);
    mk_link(fx, b, "b/link01.txt", "file01.txt");
}

static void fill_c(fixture *fx, size_t c)
{
    mk_file(fx, c, "a/file01.txt", 10);
    mk_file(fx, c, "a/file02.txt", 10);
    mk_file(fx, c, "b/file01.txt", 5);
}

static void fill_a(fixture *fx, size_t a)
{
    mk_file(fx, a, "a/file01.txt", 15);
    mk_file(fx, a, "b/file02.txt", 5);
    mk_file(fx, a, "c/file01.txt", 5);
}

static void two_deps(fixture *fx, bool wl_on_b)
{
    size_t a = image(fx, "example.com/a", TOP_WL);
    size_t b = image(fx, "example.com/b", wl_on_b ? B_WL : NULL);
    size_t c =
        image(fx, "example.com/c", wl_on_b ? NULL : "/a/file01.txt /a/file02.txt /b/file01.txt");
    dep(fx, a, b, false);
    dep(fx, a, c, false);
    fill_a(fx, a);
    fill_b(fx, b);
    fill_c(fx, c);
    render(fx, a);
    assert_tree(fx, DEPS_RESULT);
}

static void test_2deps1(void **state)
{
    two_deps(*state, true);
}

static void test_2deps2(void **state)
{
    two_deps(*state, false);
}

static void test_3deps(void **state)
{
    fixture *fx = *state;
    size_t a = image(fx, "example.com/a", TOP_WL);
    size_t b = image(fx, "example.com/b", B_WL);
    size_t c = image(fx, "example.com/c", NULL);
    size_t d = image(fx, "example.com/d", NULL);
    dep(fx, a, b, false);
    dep(fx, a, c, false);
    dep(fx, c, d, false);
    fill_a(fx, a);
    fill_b(fx, b);
    fill_c(fx, c);
    mk_file(fx, d, "a/file02.txt", 5);
    mk_file(fx, d, "b/file01.txt", 5);
    mk_dir(fx, d, "d", 0755);
    mk_file(fx, d, "d/file01.txt", 5);
    render(fx, a);
    assert_tree(fx, DEPS_RESULT);
}

static void rootfs_only(fixture *fx, const char *wl)
{
    size_t a = image(fx, "example.com/a", wl);
    _cleanup_free_ char *p = img_path(fx, a, "");
    assert_int_equal(chmod(p, 0700), 0);
    render(fx, a);
    assert_tree(fx, "");
    assert_int_equal(out_mode(fx, ""), 0700);
}

static void test_rootfs_only(void **state)
{
    rootfs_only(*state, NULL);
}

static void test_rootfs_only_with_whitelist(void **state)
{
    rootfs_only(*state, "foo");
}

static void test_whitelist_spellings_match(void **state)
{
    fixture *fx = *state;
    size_t a = image(fx, "example.com/a", "a /b/ /c/./x ../d");
    mk_file(fx, a, "a", 1);
    mk_file(fx, a, "b", 2);
    mk_file(fx, a, "c/x", 3);
    mk_file(fx, a, "d", 4);
    mk_file(fx, a, "e", 5);
    render(fx, a);
    assert_tree(fx, "a:1 b:2 c/ c/x:3");
}

/* ---- the dependency list -------------------------------------------------- */

static void list_of(fixture *fx, size_t top, orb_render_image **l, size_t *n)
{
    _cleanup_error_ orb_error *err = NULL;
    if (orb_render_list(&fx->src, fx->img[top].id, l, n, &err) < 0)
        fail_msg("list: %s", err->msg);
}

static void test_list_order(void **state)
{
    fixture *fx = *state;
    size_t a = image(fx, "example.com/a", NULL), b = image(fx, "example.com/b", NULL);
    size_t c = image(fx, "example.com/c", NULL), d = image(fx, "example.com/d", NULL);
    dep(fx, a, b, false);
    dep(fx, a, c, true);
    dep(fx, c, d, false);
    orb_render_image *l = NULL;
    size_t n = 0;
    list_of(fx, a, &l, &n);
    assert_int_equal(n, 4);
    size_t want[] = {a, c, d, b};
    int levels[] = {0, 1, 2, 1};
    for (size_t i = 0; i < 4; i++) {
        assert_string_equal(l[i].id, fx->img[want[i]].id);
        assert_int_equal(l[i].level, levels[i]);
    }
    orb_render_list_free(l, n);
}

static void test_shared_dependency(void **state)
{
    fixture *fx = *state;
    size_t a = image(fx, "example.com/a", NULL), b = image(fx, "example.com/b", NULL);
    size_t c = image(fx, "example.com/c", "/d1 /c1 /x");
    size_t d = image(fx, "example.com/d", NULL);
    dep(fx, a, b, false);
    dep(fx, a, c, false);
    dep(fx, b, d, false);
    dep(fx, c, d, false);
    mk_file(fx, d, "d1", 1);
    mk_file(fx, d, "d2", 2);
    mk_file(fx, d, "x", 3);
    mk_file(fx, b, "x", 4);
    mk_file(fx, c, "c1", 5);
    orb_render_image *l = NULL;
    size_t n = 0;
    list_of(fx, a, &l, &n);
    assert_int_equal(n, 5); /* [A, C, D, B, D] */
    assert_string_equal(l[2].id, fx->img[d].id);
    assert_string_equal(l[4].id, fx->img[d].id);
    orb_render_list_free(l, n);
    render(fx, a);
    /* D under C is filtered by C's whitelist; D under B is not, so d2 comes
     * from the second pass; x from D beats B's since C's branch comes first. */
    assert_tree(fx, "c1:5 d1:1 d2:2 x:3");
}

static void test_dependency_by_id_wrong_name(void **state)
{
    fixture *fx = *state;
    size_t a = image(fx, "example.com/a", NULL), b = image(fx, "example.com/b", NULL);
    fx->img[a].deps[fx->img[a].n_deps++] =
        (fake_dep){.target = b, .by_id = true, .name_override = "example.com/other"};
    orb_render_image *l = NULL;
    size_t n = 0;
    _cleanup_error_ orb_error *err = NULL;
    assert_int_equal(orb_render_list(&fx->src, fx->img[a].id, &l, &n, &err), -1);
    assert_int_equal(err->errnum, EINVAL);
    assert_non_null(strstr(err->msg, "is named example.com/b"));
}

static void test_cycle(void **state)
{
    fixture *fx = *state;
    size_t a = image(fx, "example.com/a", NULL), b = image(fx, "example.com/b", NULL);
    dep(fx, a, b, false);
    dep(fx, b, a, true);
    orb_render_image *l = NULL;
    size_t n = 0;
    _cleanup_error_ orb_error *err = NULL;
    assert_int_equal(orb_render_list(&fx->src, fx->img[a].id, &l, &n, &err), -1);
    assert_int_equal(err->errnum, ELOOP);
    assert_non_null(strstr(err->msg, "example.com/a -> example.com/b -> example.com/a"));
}

static void test_missing_dependency(void **state)
{
    fixture *fx = *state;
    image(fx, "example.com/a", NULL);
    fx->n_missing = 1;
    orb_render_image *l = NULL;
    size_t n = 0;
    _cleanup_error_ orb_error *err = NULL;
    assert_int_equal(orb_render_list(&fx->src, fx->img[0].id, &l, &n, &err), -1);
    assert_int_equal(err->errnum, ENOENT);
    assert_string_equal(
        err->msg, "dependency example.com/b (version=1.0) of example.com/a: not in the store");
}

static void test_version_label_lookup(void **state)
{
    fixture *fx = *state;
    size_t a = image(fx, "example.com/a", NULL);
    size_t b1 = image(fx, "example.com/b", NULL), b2 = image(fx, "example.com/b", NULL);
    fx->img[b1].version = "0.9";
    fx->img[b2].version = "1.0";
    dep(fx, a, b2, false);
    orb_render_image *l = NULL;
    size_t n = 0;
    list_of(fx, a, &l, &n);
    assert_int_equal(n, 2);
    assert_string_equal(l[1].id, fx->img[b2].id);
    orb_render_list_free(l, n);
}

/* Each image depends twice on the next: 2^10 - 1 list entries. */
static void test_list_too_large(void **state)
{
    fixture *fx = *state;
    static const char *names[] = {
        "example.com/i0", "example.com/i1", "example.com/i2", "example.com/i3", "example.com/i4",
        "example.com/i5", "example.com/i6", "example.com/i7", "example.com/i8", "example.com/i9"};
    for (size_t i = 0; i < 10; i++)
        image(fx, names[i], NULL);
    for (size_t i = 0; i + 1 < 10; i++) {
        dep(fx, i, i + 1, true);
        dep(fx, i, i + 1, false);
    }
    orb_render_image *l = NULL;
    size_t n = 0;
    _cleanup_error_ orb_error *err = NULL;
    assert_int_equal(orb_render_list(&fx->src, fx->img[0].id, &l, &n, &err), -1);
    assert_int_equal(err->errnum, E2BIG);
    assert_non_null(strstr(err->msg, "more than 256 images"));
}

static void test_render_id_and_trivial(void **state)
{
    fixture *fx = *state;
    size_t a = image(fx, "example.com/a", NULL), b = image(fx, "example.com/b", NULL);
    orb_render_image l[2] = {{.level = 0}, {.level = 1}};
    strcpy(l[0].id, fx->img[a].id);
    strcpy(l[1].id, fx->img[b].id);
    _cleanup_free_ char *id = orb_render_id(l, 2);
    assert_string_equal(id, "deps-2238df06b6d5ae4aed2d49d3b87d0316d6e9113642138f7a7df291e2eec1720"
                            "a6b7f379adf85969e1f4cbd1a86724dab63df9b80315883bf44d309fc6edc2ea4");
    assert_false(orb_render_is_trivial(l, 2));
    assert_true(orb_render_is_trivial(l, 1));
    char *empty[] = {NULL};
    l[0].path_whitelist = empty;
    assert_true(orb_render_is_trivial(l, 1));
    l[0].path_whitelist = pwl0;
    assert_false(orb_render_is_trivial(l, 1));
}

/* ---- link and copy modes -------------------------------------------------- */

static ino_t ino_of(const char *path)
{
    struct stat st;
    assert_int_equal(lstat(path, &st), 0);
    return st.st_ino;
}

static size_t modes_image(fixture *fx)
{
    size_t a = image(fx, "example.com/a", NULL);
    mk_file(fx, a, "bin/tool", 7);
    _cleanup_free_ char *f = img_path(fx, a, "bin/tool");
    _cleanup_free_ char *h = img_path(fx, a, "bin/tool-link");
    assert_int_equal(chmod(f, 0751), 0);
    assert_int_equal(link(f, h), 0);
    mk_link(fx, a, "etc/abs", "/etc/passwd");
    _cleanup_free_ char *fifo = img_path(fx, a, "run/fifo");
    mkparents(fifo);
    assert_int_equal(mkfifo(fifo, 0640), 0);
    mk_file(fx, a, "ro/file", 3);
    mk_dir(fx, a, "ro", 0555);
    return a;
}

static void test_link_mode_shares_inodes(void **state)
{
    fixture *fx = *state;
    size_t a = modes_image(fx);
    render_mode(fx, a, ORB_RENDER_LINK);
    assert_tree(fx, "bin/ bin/tool:7 bin/tool-link:7 etc/ etc/abs@ ro/ ro/file:3 run/ run/fifo:0");
    _cleanup_free_ char *src = img_path(fx, a, "bin/tool");
    _cleanup_free_ char *dst = xasprintf("%s/rootfs/bin/tool", fx->out);
    assert_int_equal(ino_of(src), ino_of(dst));
    _cleanup_free_ char *ssrc = img_path(fx, a, "etc/abs");
    _cleanup_free_ char *sdst = xasprintf("%s/rootfs/etc/abs", fx->out);
    assert_int_equal(ino_of(ssrc), ino_of(sdst));
    assert_int_equal(out_mode(fx, "ro"), 0555);
}

static void test_copy_mode_independent(void **state)
{
    fixture *fx = *state;
    size_t a = modes_image(fx);
    render_mode(fx, a, ORB_RENDER_COPY);
    assert_tree(fx, "bin/ bin/tool:7 bin/tool-link:7 etc/ etc/abs@ ro/ ro/file:3 run/ run/fifo:0");
    _cleanup_free_ char *src = img_path(fx, a, "bin/tool");
    _cleanup_free_ char *dst = xasprintf("%s/rootfs/bin/tool", fx->out);
    _cleanup_free_ char *dst2 = xasprintf("%s/rootfs/bin/tool-link", fx->out);
    assert_int_not_equal(ino_of(src), ino_of(dst));
    assert_int_equal(ino_of(dst), ino_of(dst2)); /* hard link kept */
    assert_int_equal(out_mode(fx, "bin/tool"), 0751);
    assert_int_equal(out_mode(fx, "run/fifo"), 0640);
    assert_int_equal(out_mode(fx, "ro"), 0555);
    _cleanup_free_ char *l = xasprintf("%s/rootfs/etc/abs", fx->out);
    char target[64] = {0};
    assert_int_equal(readlink(l, target, sizeof(target) - 1), 11);
    assert_string_equal(target, "/etc/passwd");
    struct stat ss, ds;
    assert_int_equal(stat(src, &ss), 0);
    assert_int_equal(stat(dst, &ds), 0);
    assert_int_equal(ss.st_mtim.tv_sec, ds.st_mtim.tv_sec);
    assert_int_equal(ss.st_mtim.tv_nsec, ds.st_mtim.tv_nsec);
}

static void test_symlink_dir_in_dep_not_followed(void **state)
{
    fixture *fx = *state;
    size_t top = image(fx, "example.com/top", NULL), d = image(fx, "example.com/dep", NULL);
    dep(fx, top, d, false);
    /* The top's symlink "lib" wins; the dependency's lib/ content, which
     * would otherwise land through the link, is dropped. */
    mk_link(fx, top, "lib", "/tmp");
    mk_file(fx, d, "lib/evil", 1);
    render(fx, top);
    assert_tree(fx, "lib@");
}

static void test_copy_tree(void **state)
{
    fixture *fx = *state;
    size_t a = modes_image(fx);
    _cleanup_free_ char *from = xasprintf("%s/rootfs", fx->img[a].tree);
    _cleanup_free_ char *to = xasprintf("%s/rootfs", fx->out);
    assert_int_equal(mkdir(to, 0755), 0);
    _cleanup_close_ int sfd = open(from, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    _cleanup_close_ int dfd = open(to, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    _cleanup_error_ orb_error *err = NULL;
    if (orb_copy_tree(sfd, dfd, &err) < 0)
        fail_msg("copy: %s", err->msg);
    assert_tree(fx, "bin/ bin/tool:7 bin/tool-link:7 etc/ etc/abs@ ro/ ro/file:3 run/ run/fifo:0");
    _cleanup_free_ char *d1 = xasprintf("%s/bin/tool", to);
    _cleanup_free_ char *d2 = xasprintf("%s/bin/tool-link", to);
    assert_int_equal(ino_of(d1), ino_of(d2));
    assert_int_equal(out_mode(fx, "ro"), 0555);
}

static void test_copy_file_at_refuses_dir(void **state)
{
    fixture *fx = *state;
    size_t a = image(fx, "example.com/a", NULL);
    mk_dir(fx, a, "x", 0755);
    _cleanup_free_ char *from = xasprintf("%s/rootfs", fx->img[a].tree);
    _cleanup_close_ int sfd = open(from, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    _cleanup_close_ int dfd = open(fx->out, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    _cleanup_error_ orb_error *err = NULL;
    assert_int_equal(orb_copy_file_at(sfd, "x", dfd, "x", &err), -1);
    assert_int_equal(err->errnum, EISDIR);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_upper_wl_top_gets_none),
        cmocka_unit_test(test_upper_wl_nearest_top_wins),
        cmocka_unit_test(test_upper_wl_other_branch_ignored),
        cmocka_unit_test(test_upper_wl_sibling_subtree_not_ancestor),
        T(test_dir_only_in_dep),
        T(test_dir_only_in_top),
        T(test_dir_in_both_top_mode_wins),
        T(test_file_only_in_dep),
        T(test_file_only_in_top),
        T(test_file_in_both_top_wins),
        T(test_top_file_hides_dep_dirs),
        T(test_pwl_only_parent),
        T(test_pwl_only_image),
        T(test_2deps1),
        T(test_2deps2),
        T(test_3deps),
        T(test_rootfs_only),
        T(test_rootfs_only_with_whitelist),
        T(test_whitelist_spellings_match),
        T(test_list_order),
        T(test_shared_dependency),
        T(test_dependency_by_id_wrong_name),
        T(test_cycle),
        T(test_missing_dependency),
        T(test_version_label_lookup),
        T(test_list_too_large),
        T(test_render_id_and_trivial),
        T(test_link_mode_shares_inodes),
        T(test_copy_mode_independent),
        T(test_symlink_dir_in_dep_not_followed),
        T(test_copy_tree),
        T(test_copy_file_at_refuses_dir),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
