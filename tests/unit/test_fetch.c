/* Tests of the HTTP transport: the pure header parsers and URL helpers, then
 * real transfers against tests/integration/httpd.py started for the group. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "fetch/auth.h"
#include "fetch/fetch.h"
#include "fetch/http_internal.h"
#include "util/fs.h"
#include "util/mem.h"

#ifndef SOURCE_ROOT
#define SOURCE_ROOT "."
#endif
#define HTTPD SOURCE_ROOT "/tests/integration/httpd.py"

/* ---- pure parsers -------------------------------------------------------- */

static void test_max_age(void **state)
{
    (void)state;
    assert_int_equal(orb_http_max_age("max-age=60"), 60);
    assert_int_equal(orb_http_max_age("public, MAX-AGE=3600"), 3600);
    assert_int_equal(orb_http_max_age("  max-age = 5 ,private"), 5);
    assert_int_equal(orb_http_max_age("max-age=\"7\""), 7);
    assert_int_equal(orb_http_max_age("max-age=0"), 0);
    assert_int_equal(orb_http_max_age("no-cache"), 0);
    assert_int_equal(orb_http_max_age("max-age=60, No-Store"), 0);
    assert_int_equal(orb_http_max_age("no-cache=\"Set-Cookie\", max-age=60"), 0);
    /* reject vectors: nothing about freshness, or malformed */
    assert_int_equal(orb_http_max_age(NULL), -1);
    assert_int_equal(orb_http_max_age(""), -1);
    assert_int_equal(orb_http_max_age("public"), -1);
    assert_int_equal(orb_http_max_age("s-maxage=60"), -1);
    assert_int_equal(orb_http_max_age("max-age=abc"), -1);
    assert_int_equal(orb_http_max_age("max-age=-5"), -1);
    assert_int_equal(orb_http_max_age("max-age"), -1);
    assert_int_equal(orb_http_max_age("max-ages=5"), -1);
}

static void test_header_value(void **state)
{
    (void)state;
    const char *l = "ETag:  \"abc\" \r\n";
    _cleanup_free_ char *v = orb_http_header_value(l, strlen(l), "etag");
    assert_string_equal(v, "\"abc\"");
    const char *e = "ETag:\r\n";
    _cleanup_free_ char *empty = orb_http_header_value(e, strlen(e), "ETag");
    assert_string_equal(empty, "");
    const char *other = "ETagX: 1\r\n";
    assert_null(orb_http_header_value(other, strlen(other), "ETag"));
    const char *pre = "X-ETag: 1\r\n";
    assert_null(orb_http_header_value(pre, strlen(pre), "ETag"));
    assert_null(orb_http_header_value("ETag", 4, "ETag"));
}

static void test_status_line(void **state)
{
    (void)state;
    int status = 0;
    char *reason = NULL;
    const char *l = "HTTP/1.1 404 Not Found\r\n";
    assert_true(orb_http_status_line(l, strlen(l), &status, &reason));
    assert_int_equal(status, 404);
    assert_string_equal(reason, "Not Found");
    free(reason);
    const char *h2 = "HTTP/2 200 \r\n";
    assert_true(orb_http_status_line(h2, strlen(h2), &status, &reason));
    assert_int_equal(status, 200);
    assert_string_equal(reason, "");
    free(reason);
    const char *bad[] = {"Content-Length: 5\r\n", "HTTP/1.1 20\r\n", "HTTP/1.1 abc OK\r\n",
                         "HTTP/1.1 2000 OK\r\n", "HTTP/1.1 099 X\r\n"};
    for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
        assert_false(orb_http_status_line(bad[i], strlen(bad[i]), &status, &reason));
    assert_string_equal(orb_http_reason(500), "Internal Server Error");
    assert_string_equal(orb_http_reason(299), "");
}

static void test_content_range(void **state)
{
    (void)state;
    uint64_t s, e;
    int64_t t;
    assert_true(orb_http_content_range("bytes 100-199/200", &s, &e, &t));
    assert_int_equal(s, 100);
    assert_int_equal(e, 199);
    assert_int_equal(t, 200);
    assert_true(orb_http_content_range("bytes 0-9/*", &s, &e, &t));
    assert_int_equal(t, -1);
    assert_false(orb_http_content_range("bytes */200", &s, &e, &t));
    assert_false(orb_http_content_range("bytes 10-5/200", &s, &e, &t));
    assert_false(orb_http_content_range("bytes 0-200/200", &s, &e, &t));
    assert_false(orb_http_content_range("items 0-1/2", &s, &e, &t));
    assert_false(orb_http_content_range("bytes 0-1/2x", &s, &e, &t));
    assert_int_equal(orb_http_content_length(" 42 "), 42);
    assert_int_equal(orb_http_content_length("4x"), -1);
    assert_int_equal(orb_http_content_length(""), -1);
}

/* ---- URL helpers --------------------------------------------------------- */

static void test_url_is_remote(void **state)
{
    (void)state;
    assert_true(orb_url_is_remote("https://example.com/a.aci"));
    assert_true(orb_url_is_remote("HTTP://example.com/a.aci"));
    assert_false(orb_url_is_remote("file:///a.aci"));
    assert_false(orb_url_is_remote("ftp://example.com/a.aci"));
    assert_false(orb_url_is_remote("/srv/a.aci"));
    assert_false(orb_url_is_remote("example.com/app"));
    assert_false(orb_url_is_remote(NULL));
}

static void check_local(const char *in, const char *want)
{
    _cleanup_free_ char *got = orb_url_local_path(in);
    if (want)
        assert_string_equal(got, want);
    else
        assert_null(got);
}

static void test_url_local_path(void **state)
{
    (void)state;
    check_local("file:///a/b.aci", "/a/b.aci");
    check_local("file://localhost/a/b.aci", "/a/b.aci");
    check_local("file:///a%20dir/b%2Bc.aci", "/a dir/b+c.aci");
    check_local("file:///a/b.aci?x=1", "/a/b.aci");
    check_local("/srv/a.aci", "/srv/a.aci");
    check_local("rel/a.aci", "rel/a.aci");
    check_local("https://h/a.aci", NULL);
    check_local("ftp://h/a.aci", NULL);
    check_local("file://otherhost/a.aci", NULL);
    check_local("file:///a%2", NULL);
    check_local("file:///a%zz", NULL);
    check_local("file:///a%00b", NULL);
    check_local("", NULL);
}

static void check_sibling(const char *url, const char *name, const char *want)
{
    _cleanup_free_ char *got = orb_url_sibling(url, name);
    assert_string_equal(got, want);
}

static void test_url_sibling(void **state)
{
    (void)state;
    check_sibling("https://h/d/a.aci", "b.aci", "https://h/d/b.aci");
    check_sibling("https://h/d/a.aci?sig=1#frag", "a.aci.asc", "https://h/d/a.aci.asc");
    check_sibling("https://h", "b.aci", "https://h/b.aci");
    check_sibling("https://h/", "b.aci", "https://h/b.aci");
    check_sibling("file:///srv/a.aci", "a.asc", "file:///srv/a.asc");
    check_sibling("/srv/images/a.aci", "a.aci.asc", "/srv/images/a.aci.asc");
    check_sibling("a.aci", "a.aci.asc", "a.aci.asc");
}

/* ---- the test server ----------------------------------------------------- */

static char *serve_dir;
static pid_t server_pid = -1;
static int server_port;
static char *other_dir; /* a second plain server: "another host" for redirects */
static pid_t other_pid = -1;
static int other_port;
static pid_t tls_pid = -1;
static int tls_port;
static char *cert_path, *key_path;
static char *tmp_dir;

static void write_file(const char *name, const void *data, size_t len)
{
    _cleanup_free_ char *path = xasprintf("%s/%s", serve_dir, name);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    assert_true(fd >= 0);
    assert_int_equal(orb_write_all(fd, data, len), 0);
    close(fd);
}

static void write_text(const char *name, const char *text)
{
    write_file(name, text, strlen(text));
}

/* Deterministic, incompressible-looking content for the big files. */
static char *pattern(size_t len)
{
    char *buf = xmalloc(len);
    uint32_t x = 2463534242u;
    for (size_t i = 0; i < len; i++) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        buf[i] = (char)x;
    }
    return buf;
}

static void populate(void)
{
    write_text("plain.txt", "plain body\n");
    write_text("etag.txt", "cached body\n");
    write_text("etag.txt.headers", "{\"Cache-Control\": \"public, max-age=60\"}");
    write_text("fail.headers", "{\"status\": 500}");
    write_text("later.txt", "later\n");
    write_text("later.txt.headers", "{\"status_sequence\": [202, 200]}");
    write_text("gone.headers", "{\"status\": 410}");
    _cleanup_free_ char *big = pattern(300000);
    write_file("drop.bin", big, 300000);
    write_text("drop.bin.headers", "{\"drop_after\": 100000}");
    write_file("big.bin", big, 50000);
    write_file("always.bin", big, 300000);
    write_text("always.bin.headers", "{\"drop_after\": 1000, \"drop_every_time\": true}");
    write_text("extra.txt", "exact\n");
    write_text("extra.txt.headers", "{\"extra_bytes\": 7}");
    write_text("redir.headers", "{\"redirect\": \"/plain.txt\"}");
    write_text("loop.headers", "{\"redirect\": \"/loop\"}");
    write_text("auth.txt", "secret\n");
    write_text("auth.txt.headers", "{\"basic_auth\": \"user:pass\"}");
    write_text("bearer.txt", "token body\n");
    write_text("bearer.txt.headers", "{\"bearer\": \"s3cret-token\"}");
    write_text("authredir.headers", "{\"basic_auth\": \"user:pass\", \"redirect\": \"/auth.txt\"}");
}

static void exec_server(int out_fd, const char *dir, bool tls)
{
    prctl(PR_SET_PDEATHSIG, SIGTERM);
    dup2(out_fd, STDOUT_FILENO);
    if (tls)
        execl("/usr/bin/python3", "python3", HTTPD, dir, "--cert", cert_path, "--key", key_path,
              (char *)NULL);
    else
        execl("/usr/bin/python3", "python3", HTTPD, dir, (char *)NULL);
    _exit(127);
}

/* Starts httpd.py on dir; returns its port, or -1. */
static int spawn_server(const char *dir, bool tls, pid_t *pid)
{
    int p[2], port = -1;
    if (pipe2(p, O_CLOEXEC) < 0)
        return -1;
    *pid = fork();
    if (*pid == 0)
        exec_server(p[1], dir, tls);
    close(p[1]);
    FILE *f = fdopen(p[0], "r");
    char line[64] = "";
    if (!f || !fgets(line, sizeof(line), f) || sscanf(line, "PORT %d", &port) != 1)
        port = -1;
    if (f)
        fclose(f);
    return port;
}

/* A self-signed certificate for 127.0.0.1, made with the openssl tool. */
static int make_cert(void)
{
    cert_path = xasprintf("%s/cert.pem", serve_dir);
    key_path = xasprintf("%s/key.pem", serve_dir);
    _cleanup_free_ char *cmd = xasprintf(
        "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 "
        "-subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 -keyout %s -out %s "
        ">/dev/null 2>&1",
        key_path, cert_path);
    return system(cmd) == 0 ? 0 : -1;
}

static int stop_server(void **state);

static int start_server(void **state)
{
    char tmpl[] = "/tmp/orbit-test-fetch-XXXXXX";
    serve_dir = xstrdup(mkdtemp(tmpl));
    populate();
    char other_tmpl[] = "/tmp/orbit-test-fetch-other-XXXXXX";
    other_dir = xstrdup(mkdtemp(other_tmpl));
    server_port = spawn_server(serve_dir, false, &server_pid);
    if (server_port >= 0 && make_cert() == 0)
        tls_port = spawn_server(serve_dir, true, &tls_pid);
    if (tls_port > 0)
        other_port = spawn_server(other_dir, false, &other_pid);
    if (server_port < 0 || tls_port <= 0 || other_port <= 0) {
        stop_server(state); /* cmocka skips the teardown of a failed setup */
        return -1;
    }
    _cleanup_free_ char *side =
        xasprintf("{\"redirect\": \"http://127.0.0.1:%d/plain.txt\"}", server_port);
    write_text("tohttp.headers", side);
    _cleanup_free_ char *away =
        xasprintf("{\"redirect\": \"http://127.0.0.1:%d/plain.txt\"}", other_port);
    write_text("away.headers", away);
    _cleanup_free_ char *other_plain = xasprintf("%s/plain.txt", other_dir);
    FILE *f = fopen(other_plain, "we");
    if (!f)
        return -1;
    fputs("other body\n", f);
    fclose(f);
    return 0;
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static int stop_server(void **state)
{
    (void)state;
    pid_t *pids[] = {&server_pid, &tls_pid, &other_pid};
    for (size_t i = 0; i < ARRAY_SIZE(pids); i++) {
        if (*pids[i] > 0) {
            kill(*pids[i], SIGTERM);
            waitpid(*pids[i], NULL, 0);
            *pids[i] = -1;
        }
    }
    free(cert_path);
    free(key_path);
    cert_path = key_path = NULL;
    if (serve_dir)
        nftw(serve_dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
    free(serve_dir);
    serve_dir = NULL;
    if (other_dir)
        nftw(other_dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
    free(other_dir);
    other_dir = NULL;
    return 0;
}

static int make_tmp(void **state)
{
    (void)state;
    char tmpl[] = "/tmp/orbit-test-dl-XXXXXX";
    tmp_dir = xstrdup(mkdtemp(tmpl));
    return 0;
}

static int remove_tmp(void **state)
{
    (void)state;
    nftw(tmp_dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
    free(tmp_dir);
    tmp_dir = NULL;
    return 0;
}

static size_t tmp_entries(void)
{
    size_t n = 0;
    DIR *d = opendir(tmp_dir);
    assert_non_null(d);
    for (struct dirent *de; (de = readdir(d));)
        n += de->d_name[0] != '.';
    closedir(d);
    return n;
}

static char *url_of(const char *path)
{
    return xasprintf("http://127.0.0.1:%d/%s", server_port, path);
}

static orb_fetch_options opts(void)
{
    return (orb_fetch_options){.tmp_dir = tmp_dir, .allow_http = true};
}

static char *request_log(void)
{
    _cleanup_free_ char *path = xasprintf("%s/.requests.log", serve_dir);
    char *buf = NULL;
    size_t len;
    assert_int_equal(orb_read_file(path, 1 << 20, &buf, &len, NULL), 0);
    return buf;
}

static void assert_file_equals(const char *path, const void *want, size_t want_len)
{
    _cleanup_free_ char *got = NULL;
    size_t len;
    assert_int_equal(orb_read_file(path, 1 << 24, &got, &len, NULL), 0);
    assert_int_equal(len, want_len);
    assert_memory_equal(got, want, len);
}

/* Fetches path expecting failure; returns the message (allocated). */
/* Fetches path, which must succeed. */
static void fetch_ok(const char *path, const orb_fetch_options *o, orb_download *d)
{
    _cleanup_free_ char *url = url_of(path);
    _cleanup_error_ orb_error *err = NULL;
    if (orb_fetch(url, o, d, &err) < 0)
        fail_msg("fetch %s: %s", url, err->msg);
}

static char *fetch_error(const char *path, const orb_fetch_options *o)
{
    _cleanup_free_ char *url = url_of(path);
    orb_download d;
    orb_error *err = NULL;
    assert_int_equal(orb_fetch(url, o, &d, &err), -1);
    assert_non_null(err);
    assert_null(d.path);
    char *msg = xstrdup(err->msg);
    orb_error_free(err);
    assert_int_equal(tmp_entries(), 0); /* nothing left behind */
    return msg;
}

/* ---- transfers ----------------------------------------------------------- */

static void test_fetch_ok_etag_max_age(void **state)
{
    (void)state;
    _cleanup_free_ char *url = url_of("etag.txt");
    orb_fetch_options o = opts();
    orb_download d;
    _cleanup_error_ orb_error *err = NULL;
    assert_int_equal(orb_fetch(url, &o, &d, &err), 0);
    assert_int_equal(d.status, 200);
    assert_string_equal(d.url, url);
    assert_non_null(d.etag);
    assert_int_equal(d.etag[0], '"');
    assert_int_equal(d.max_age, 60);
    assert_int_equal(d.size, 12);
    assert_non_null(strstr(d.path, "/download-"));
    assert_file_equals(d.path, "cached body\n", 12);
    _cleanup_free_ char *path = xstrdup(d.path);
    orb_download_clear(&d);
    assert_int_equal(access(path, F_OK), -1); /* clear removes the file */
}

static void test_fetch_no_cache_headers(void **state)
{
    (void)state;
    orb_fetch_options o = opts();
    orb_download d;
    fetch_ok("plain.txt", &o, &d);
    assert_int_equal(d.max_age, -1);
    assert_file_equals(d.path, "plain body\n", 11);
    orb_download_clear(&d);
}

static void test_fetch_not_modified(void **state)
{
    (void)state;
    _cleanup_free_ char *url = url_of("etag.txt");
    orb_fetch_options o = opts();
    orb_download first, d;
    _cleanup_error_ orb_error *err = NULL;
    assert_int_equal(orb_fetch(url, &o, &first, &err), 0);
    o.if_none_match = first.etag;
    assert_int_equal(orb_fetch(url, &o, &d, &err), 0);
    assert_true(d.not_modified);
    assert_int_equal(d.status, 304);
    assert_null(d.path);
    assert_string_equal(d.etag, first.etag);
    assert_int_equal(d.max_age, 60);
    _cleanup_free_ char *log = request_log();
    _cleanup_free_ char *want = xasprintf("\"If-None-Match\": \"\\\"%s", first.etag + 1);
    want[strlen(want) - 1] = '\0'; /* the closing quote is escaped too */
    assert_non_null(strstr(log, want));
    orb_download_clear(&first);
    orb_download_clear(&d);
    assert_int_equal(tmp_entries(), 0);
}

static void test_fetch_404(void **state)
{
    (void)state;
    orb_fetch_options o = opts();
    _cleanup_free_ char *msg = fetch_error("missing.aci", &o);
    _cleanup_free_ char *want =
        xasprintf("http://127.0.0.1:%d/missing.aci: HTTP 404 Not Found", server_port);
    assert_string_equal(msg, want);
}

static void test_fetch_500(void **state)
{
    (void)state;
    orb_fetch_options o = opts();
    _cleanup_free_ char *msg = fetch_error("fail", &o);
    assert_non_null(strstr(msg, "/fail: HTTP 500 Internal Server Error"));
}

static void test_optional_not_found(void **state)
{
    (void)state;
    const char *paths[] = {"missing.asc", "gone"};
    for (size_t i = 0; i < ARRAY_SIZE(paths); i++) {
        _cleanup_free_ char *url = url_of(paths[i]);
        orb_fetch_options o = opts();
        orb_download d;
        _cleanup_error_ orb_error *err = NULL;
        assert_int_equal(orb_fetch_optional(url, &o, &d, &err), 0);
        assert_true(d.not_found);
        assert_false(d.accepted);
        assert_null(d.path);
        orb_download_clear(&d);
    }
    assert_int_equal(tmp_entries(), 0);
}

static void test_optional_accepted(void **state)
{
    (void)state;
    _cleanup_free_ char *url = url_of("later.txt");
    orb_fetch_options o = opts();
    orb_download d;
    _cleanup_error_ orb_error *err = NULL;
    assert_int_equal(orb_fetch_optional(url, &o, &d, &err), 0);
    assert_true(d.accepted);
    assert_int_equal(d.status, 202);
    assert_null(d.path);
    orb_download_clear(&d);
    assert_int_equal(orb_fetch_optional(url, &o, &d, &err), 0); /* the second time: 200 */
    assert_false(d.accepted);
    assert_file_equals(d.path, "later\n", 6);
    orb_download_clear(&d);
}

static void test_fetch_resumes_dropped(void **state)
{
    (void)state;
    orb_fetch_options o = opts();
    orb_download d;
    fetch_ok("drop.bin", &o, &d);
    assert_int_equal(d.size, 300000);
    _cleanup_free_ char *want = pattern(300000);
    assert_file_equals(d.path, want, 300000);
    _cleanup_free_ char *log = request_log();
    assert_non_null(strstr(log, "\"Range\": \"bytes=100000-\""));
    assert_non_null(strstr(log, "\"If-Range\": \"\\\""));
    orb_download_clear(&d);
}

static size_t count_requests(const char *path)
{
    _cleanup_free_ char *log = request_log();
    _cleanup_free_ char *needle = xasprintf("\"path\": \"%s\"", path);
    size_t n = 0;
    for (const char *p = log; (p = strstr(p, needle)); p++)
        n++;
    return n;
}

static void test_fetch_retries_exhausted(void **state)
{
    (void)state;
    orb_fetch_options o = opts();
    o.retries = 2;
    _cleanup_free_ char *msg = fetch_error("always.bin", &o);
    assert_non_null(strstr(msg, "/always.bin: "));
    assert_int_equal(count_requests("/always.bin"), 3);
    o.retries = -1; /* none */
    _cleanup_free_ char *msg2 = fetch_error("always.bin", &o);
    assert_int_equal(count_requests("/always.bin"), 4);
}

static void test_fetch_extra_bytes(void **state)
{
    (void)state;
    orb_fetch_options o = opts();
    _cleanup_free_ char *msg = fetch_error("extra.txt", &o);
    assert_non_null(strstr(msg, "/extra.txt: server sent more than its Content-Length of 6 bytes"));
}

static void test_fetch_max_size(void **state)
{
    (void)state;
    orb_fetch_options o = opts();
    o.max_size = 1000;
    _cleanup_free_ char *msg = fetch_error("big.bin", &o);
    assert_non_null(strstr(msg, "/big.bin: larger than the limit of 1000 bytes"));
    o.max_size = 50000; /* exactly the size is fine */
    orb_download d;
    fetch_ok("big.bin", &o, &d);
    assert_int_equal(d.size, 50000);
    orb_download_clear(&d);
}

static void test_fetch_redirect(void **state)
{
    (void)state;
    _cleanup_free_ char *url = url_of("redir");
    _cleanup_free_ char *target = url_of("plain.txt");
    orb_fetch_options o = opts();
    orb_download d;
    _cleanup_error_ orb_error *err = NULL;
    assert_int_equal(orb_fetch(url, &o, &d, &err), 0);
    assert_string_equal(d.url, target);
    assert_file_equals(d.path, "plain body\n", 11);
    orb_download_clear(&d);
}

static void test_fetch_redirect_loop(void **state)
{
    (void)state;
    orb_fetch_options o = opts();
    _cleanup_free_ char *msg = fetch_error("loop", &o);
    assert_non_null(strstr(msg, "/loop: too many redirects"));
}

static void test_fetch_plain_http_refused(void **state)
{
    (void)state;
    orb_fetch_options o = opts();
    o.allow_http = false;
    _cleanup_free_ char *msg = fetch_error("plain.txt", &o);
    _cleanup_free_ char *want = xasprintf(
        "http://127.0.0.1:%d/plain.txt: plain HTTP is not allowed (use --insecure-options=http)",
        server_port);
    assert_string_equal(msg, want);
}

static void test_fetch_not_remote(void **state)
{
    (void)state;
    orb_fetch_options o = opts();
    orb_download d;
    _cleanup_error_ orb_error *err = NULL;
    assert_int_equal(orb_fetch("file:///etc/hostname", &o, &d, &err), -1);
    assert_string_equal(err->msg,
                        "file:///etc/hostname: only http:// and https:// URLs can be fetched");
}

static void test_fetch_connection_refused(void **state)
{
    (void)state;
    int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t alen = sizeof(a);
    assert_int_equal(bind(s, (struct sockaddr *)&a, sizeof(a)), 0);
    assert_int_equal(getsockname(s, (struct sockaddr *)&a, &alen), 0);
    close(s); /* a port nobody listens on */
    _cleanup_free_ char *url = xasprintf("http://127.0.0.1:%d/a.aci", ntohs(a.sin_port));
    orb_fetch_options o = opts();
    orb_download d;
    _cleanup_error_ orb_error *err = NULL;
    assert_int_equal(orb_fetch(url, &o, &d, &err), -1);
    _cleanup_free_ char *want = xasprintf("%s: connection refused", url);
    assert_string_equal(err->msg, want);
    assert_int_equal(tmp_entries(), 0);
}

static void test_fetch_basic_auth_in_url(void **state)
{
    (void)state;
    orb_fetch_options o = opts();
    _cleanup_free_ char *msg = fetch_error("auth.txt", &o);
    assert_non_null(strstr(msg, "/auth.txt: HTTP 401 Unauthorized"));
    _cleanup_free_ char *url = xasprintf("http://user:pass@127.0.0.1:%d/auth.txt", server_port);
    orb_download d;
    _cleanup_error_ orb_error *err = NULL;
    assert_int_equal(orb_fetch(url, &o, &d, &err), 0);
    assert_file_equals(d.path, "secret\n", 7);
    orb_download_clear(&d);
}

struct progress_log {
    int updates, finishes;
    uint64_t done, total;
};

static void on_update(void *ctx, const char *phase, const char *what, uint64_t done, uint64_t total)
{
    struct progress_log *p = ctx;
    assert_string_equal(phase, "download");
    assert_non_null(strstr(what, "/big.bin"));
    p->updates++;
    p->done = done;
    p->total = total;
}

static void on_finish(void *ctx)
{
    ((struct progress_log *)ctx)->finishes++;
}

static void test_fetch_progress(void **state)
{
    (void)state;
    struct progress_log log = {0};
    orb_progress p = {.update = on_update, .finish = on_finish, .ctx = &log};
    _cleanup_free_ char *url = url_of("big.bin");
    orb_fetch_options o = opts();
    o.progress = &p;
    orb_download d;
    _cleanup_error_ orb_error *err = NULL;
    assert_int_equal(orb_fetch(url, &o, &d, &err), 0);
    assert_true(log.updates > 0);
    assert_int_equal(log.finishes, 1);
    assert_int_equal(log.done, 50000);
    assert_int_equal(log.total, 50000);
    orb_download_clear(&d);
}

/* ---- TLS ------------------------------------------------------------------ */

static int fetch_tls(const char *path, const orb_fetch_options *o, orb_download *d, orb_error **err)
{
    _cleanup_free_ char *url = xasprintf("https://127.0.0.1:%d/%s", tls_port, path);
    return orb_fetch(url, o, d, err);
}

static void test_tls_untrusted(void **state)
{
    (void)state;
    orb_fetch_options o = opts();
    orb_download d;
    _cleanup_error_ orb_error *err = NULL;
    assert_int_equal(fetch_tls("plain.txt", &o, &d, &err), -1);
    _cleanup_free_ char *want =
        xasprintf("https://127.0.0.1:%d/plain.txt: SSL certificate problem: ", tls_port);
    assert_memory_equal(err->msg, want, strlen(want));
    assert_int_equal(tmp_entries(), 0);
}

static void test_tls_ca_file(void **state)
{
    (void)state;
    orb_fetch_options o = opts();
    o.allow_http = false;
    o.ca_file = cert_path;
    orb_download d;
    _cleanup_error_ orb_error *err = NULL;
    assert_int_equal(fetch_tls("plain.txt", &o, &d, &err), 0);
    assert_file_equals(d.path, "plain body\n", 11);
    orb_download_clear(&d);
}

static void test_tls_ca_bundle_env(void **state)
{
    (void)state;
    orb_fetch_options o = opts();
    orb_download d;
    _cleanup_error_ orb_error *err = NULL;
    setenv("CURL_CA_BUNDLE", cert_path, 1);
    int r = fetch_tls("plain.txt", &o, &d, &err);
    unsetenv("CURL_CA_BUNDLE");
    assert_int_equal(r, 0);
    orb_download_clear(&d);
}

static void test_tls_insecure(void **state)
{
    (void)state;
    orb_fetch_options o = opts();
    o.insecure_tls = true;
    orb_download d;
    _cleanup_error_ orb_error *err = NULL;
    assert_int_equal(fetch_tls("etag.txt", &o, &d, &err), 0);
    assert_int_equal(d.max_age, 60);
    orb_download_clear(&d);
}

static void test_tls_redirect_to_http_refused(void **state)
{
    (void)state;
    orb_fetch_options o = opts();
    o.ca_file = cert_path;
    orb_download d;
    _cleanup_error_ orb_error *err = NULL;
    o.allow_http = false;
    assert_int_equal(fetch_tls("tohttp", &o, &d, &err), -1);
    assert_non_null(strstr(err->msg, "/tohttp: redirected to plain HTTP"));
    assert_int_equal(tmp_entries(), 0);
    o.allow_http = true;
    orb_error_free(TAKE_PTR(err));
    assert_int_equal(fetch_tls("tohttp", &o, &d, &err), 0);
    assert_file_equals(d.path, "plain body\n", 11);
    orb_download_clear(&d);
}

/* ---- credentials ---------------------------------------------------------- */

/* Loads one auth.d file with the given JSON (the directory is removed again:
 * the entries keep their source path for messages). */
static void load_auth(orb_auth *a, const char *json)
{
    char tmpl[] = "/tmp/orbit-test-fetch-auth-XXXXXX";
    assert_non_null(mkdtemp(tmpl));
    _cleanup_free_ char *sub = xasprintf("%s/auth.d", tmpl);
    _cleanup_free_ char *file = xasprintf("%s/auth.d/creds.json", tmpl);
    assert_int_equal(mkdir(sub, 0700), 0);
    int fd = open(file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    assert_true(fd >= 0);
    assert_int_equal(orb_write_all(fd, json, strlen(json)), 0);
    close(fd);
    _cleanup_error_ orb_error *err = NULL;
    int r = orb_auth_load(tmpl, NULL, a, &err);
    nftw(tmpl, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
    assert_int_equal(r, 0);
}

static void load_basic(orb_auth *a, const char *domain, const char *userpass)
{
    const char *colon = strchr(userpass, ':');
    _cleanup_free_ char *json = xasprintf(
        "{\"rktKind\": \"auth\", \"rktVersion\": \"v1\", \"domains\": [\"%s\"], \"type\": "
        "\"basic\", \"credentials\": {\"user\": \"%.*s\", \"password\": \"%s\"}}",
        domain, (int)(colon - userpass), userpass, colon + 1);
    load_auth(a, json);
}

static void clear_log(const char *dir)
{
    _cleanup_free_ char *path = xasprintf("%s/.requests.log", dir);
    unlink(path);
}

static char *log_of(const char *dir)
{
    _cleanup_free_ char *path = xasprintf("%s/.requests.log", dir);
    char *buf = NULL;
    size_t len;
    if (orb_read_file(path, 1 << 20, &buf, &len, NULL) < 0)
        return xstrdup("");
    return buf;
}

#define BASIC_USER_PASS "\"Authorization\": \"Basic dXNlcjpwYXNz\""

static void test_auth_basic_accepted(void **state)
{
    (void)state;
    orb_auth a;
    _cleanup_free_ char *domain = xasprintf("127.0.0.1:%d", server_port);
    load_basic(&a, domain, "user:pass");
    clear_log(serve_dir);
    orb_fetch_options o = opts();
    o.auth = &a;
    orb_download d;
    fetch_ok("auth.txt", &o, &d);
    assert_file_equals(d.path, "secret\n", 7);
    orb_download_clear(&d);
    _cleanup_free_ char *log = log_of(serve_dir);
    assert_non_null(strstr(log, BASIC_USER_PASS));
    orb_auth_clear(&a);
}

static void test_auth_bearer_accepted(void **state)
{
    (void)state;
    orb_auth a;
    load_auth(&a,
              "{\"orbitKind\": \"auth\", \"orbitVersion\": \"v1\", \"domains\": [\"127.0.0.1\"], "
              "\"type\": \"oauth\", \"credentials\": {\"token\": \"s3cret-token\"}}");
    orb_fetch_options o = opts();
    o.auth = &a;
    orb_download d;
    fetch_ok("bearer.txt", &o, &d);
    assert_file_equals(d.path, "token body\n", 11);
    orb_download_clear(&d);
    orb_auth_clear(&a);
}

static void test_auth_401_without_credentials(void **state)
{
    (void)state;
    orb_auth a;
    load_basic(&a, "example.com", "user:pass"); /* credentials, but for another host */
    orb_fetch_options o = opts();
    o.auth = &a;
    o.auth_config_dir = "/etc/orbit";
    _cleanup_free_ char *msg = fetch_error("auth.txt", &o);
    _cleanup_free_ char *want = xasprintf(
        "http://127.0.0.1:%d/auth.txt: HTTP 401 Unauthorized: the server at 127.0.0.1:%d needs "
        "credentials: add them to /etc/orbit/auth.d/127.0.0.1.json (see `orbit help fetch`)",
        server_port, server_port);
    assert_string_equal(msg, want);
    o.auth = NULL; /* no credentials at all: the same */
    _cleanup_free_ char *msg2 = fetch_error("auth.txt", &o);
    assert_string_equal(msg2, want);
    orb_auth_clear(&a);
}

static void test_auth_401_wrong_credentials(void **state)
{
    (void)state;
    orb_auth a;
    load_basic(&a, "127.0.0.1", "user:wrong");
    orb_fetch_options o = opts();
    o.auth = &a;
    o.auth_config_dir = "/etc/orbit";
    _cleanup_free_ char *msg = fetch_error("auth.txt", &o);
    _cleanup_free_ char *want =
        xasprintf("http://127.0.0.1:%d/auth.txt: HTTP 401 Unauthorized: the credentials from %s "
                  "were refused",
                  server_port, a.entries[0].source);
    assert_string_equal(msg, want);
    assert_non_null(strstr(msg, "/auth.d/creds.json were refused"));
    orb_auth_clear(&a);
}

/* Over https the header goes with allow_http off; over plain http only when
 * plain http was allowed (the only way a plain http fetch happens at all). */
static void test_auth_https_and_http(void **state)
{
    (void)state;
    orb_auth a;
    load_basic(&a, "127.0.0.1", "user:pass");
    orb_fetch_options o = opts();
    o.auth = &a;
    o.allow_http = false;
    o.ca_file = cert_path;
    clear_log(serve_dir);
    orb_download d;
    _cleanup_error_ orb_error *err = NULL;
    assert_int_equal(fetch_tls("auth.txt", &o, &d, &err), 0);
    assert_file_equals(d.path, "secret\n", 7);
    orb_download_clear(&d);
    _cleanup_free_ char *log = log_of(serve_dir);
    assert_non_null(strstr(log, BASIC_USER_PASS));
    /* refused before anything is sent */
    clear_log(serve_dir);
    _cleanup_free_ char *msg = fetch_error("auth.txt", &o);
    assert_non_null(strstr(msg, "plain HTTP is not allowed"));
    _cleanup_free_ char *log2 = log_of(serve_dir);
    assert_string_equal(log2, "");
    orb_auth_clear(&a);
}

/* The credentials of 127.0.0.1:<port> go to /away but not to the other
 * server it redirects to. */
static void test_auth_not_sent_to_other_host(void **state)
{
    (void)state;
    orb_auth a;
    _cleanup_free_ char *domain = xasprintf("127.0.0.1:%d", server_port);
    load_basic(&a, domain, "user:pass");
    clear_log(serve_dir);
    clear_log(other_dir);
    _cleanup_free_ char *url = url_of("away");
    _cleanup_free_ char *target = xasprintf("http://127.0.0.1:%d/plain.txt", other_port);
    orb_fetch_options o = opts();
    o.auth = &a;
    orb_download d;
    _cleanup_error_ orb_error *err = NULL;
    assert_int_equal(orb_fetch(url, &o, &d, &err), 0);
    assert_string_equal(d.url, target);
    assert_file_equals(d.path, "other body\n", 11);
    orb_download_clear(&d);
    _cleanup_free_ char *first = log_of(serve_dir);
    _cleanup_free_ char *second = log_of(other_dir);
    assert_non_null(strstr(first, BASIC_USER_PASS));
    assert_non_null(strstr(second, "\"path\": \"/plain.txt\""));
    assert_null(strstr(second, "Authorization"));
    orb_auth_clear(&a);
}

/* Another host's own credentials are used on the hop to it. */
static void test_auth_per_hop_credentials(void **state)
{
    (void)state;
    orb_auth a;
    _cleanup_free_ char *json = xasprintf(
        "{\"rktKind\": \"auth\", \"rktVersion\": \"v1\", \"domains\": [\"127.0.0.1:%d\"], "
        "\"type\": \"oauth\", \"credentials\": {\"token\": \"other-token\"}}",
        other_port);
    load_auth(&a, json);
    clear_log(serve_dir);
    clear_log(other_dir);
    orb_fetch_options o = opts();
    o.auth = &a;
    orb_download d;
    fetch_ok("away", &o, &d);
    orb_download_clear(&d);
    _cleanup_free_ char *first = log_of(serve_dir);
    _cleanup_free_ char *second = log_of(other_dir);
    assert_null(strstr(first, "Authorization"));
    assert_non_null(strstr(second, "\"Authorization\": \"Bearer other-token\""));
    orb_auth_clear(&a);
}

/* A redirect on the same host keeps the credentials (both hops need them). */
static void test_auth_same_host_redirect(void **state)
{
    (void)state;
    orb_auth a;
    load_basic(&a, "127.0.0.1", "user:pass");
    clear_log(serve_dir);
    orb_fetch_options o = opts();
    o.auth = &a;
    orb_download d;
    fetch_ok("authredir", &o, &d);
    assert_file_equals(d.path, "secret\n", 7);
    orb_download_clear(&d);
    _cleanup_free_ char *log = log_of(serve_dir);
    const char *hop2 = strstr(log, "\"path\": \"/auth.txt\"");
    assert_non_null(hop2);
    assert_non_null(strstr(hop2, BASIC_USER_PASS));
    orb_auth_clear(&a);
}

/* ---- orb_fetch_buffer ----------------------------------------------------- */

static void test_buffer_ok(void **state)
{
    (void)state;
    _cleanup_free_ char *url = url_of("redir"); /* redirects are followed */
    orb_fetch_options o = {.allow_http = true};
    _cleanup_free_ char *body = NULL;
    size_t len = 0;
    _cleanup_error_ orb_error *err = NULL;
    assert_int_equal(orb_fetch_buffer(url, &o, 1000, &body, &len, &err), 0);
    assert_int_equal(len, 11);
    assert_string_equal(body, "plain body\n");
    free(body);
    body = NULL;
    _cleanup_free_ char *big = url_of("big.bin");
    assert_int_equal(orb_fetch_buffer(big, &o, 50000, &body, &len, &err), 0); /* exactly */
    _cleanup_free_ char *want = pattern(50000);
    assert_int_equal(len, 50000);
    assert_memory_equal(body, want, 50000);
}

static void test_buffer_404(void **state)
{
    (void)state;
    _cleanup_free_ char *url = url_of("missing.json");
    orb_fetch_options o = {.allow_http = true};
    char *body = (char *)1;
    size_t len = 1;
    _cleanup_error_ orb_error *err = NULL;
    assert_int_equal(orb_fetch_buffer(url, &o, 1000, &body, &len, &err), -1);
    assert_null(body);
    assert_int_equal(len, 0);
    _cleanup_free_ char *want = xasprintf("%s: HTTP 404 Not Found", url);
    assert_string_equal(err->msg, want);
    orb_error_free(TAKE_PTR(err));
    _cleanup_free_ char *later = url_of("gone"); /* 410 too */
    assert_int_equal(orb_fetch_buffer(later, &o, 1000, &body, &len, &err), -1);
    assert_non_null(strstr(err->msg, "/gone: HTTP 410 Gone"));
}

static void test_buffer_too_big(void **state)
{
    (void)state;
    _cleanup_free_ char *url = url_of("big.bin");
    orb_fetch_options o = {.allow_http = true};
    char *body = NULL;
    size_t len = 0;
    _cleanup_error_ orb_error *err = NULL;
    assert_int_equal(orb_fetch_buffer(url, &o, 1000, &body, &len, &err), -1);
    assert_null(body);
    _cleanup_free_ char *want = xasprintf("%s: larger than the limit of 1000 bytes", url);
    assert_string_equal(err->msg, want);
}

static void test_buffer_auth(void **state)
{
    (void)state;
    orb_auth a;
    load_basic(&a, "127.0.0.1", "user:pass");
    _cleanup_free_ char *url = url_of("auth.txt");
    orb_fetch_options o = {.allow_http = true, .auth_config_dir = "/etc/orbit"};
    _cleanup_free_ char *body = NULL;
    size_t len = 0;
    _cleanup_error_ orb_error *err = NULL;
    assert_int_equal(orb_fetch_buffer(url, &o, 1000, &body, &len, &err), -1);
    assert_non_null(strstr(err->msg, "needs credentials: add them to /etc/orbit/auth.d/"));
    orb_error_free(TAKE_PTR(err));
    o.auth = &a;
    assert_int_equal(orb_fetch_buffer(url, &o, 1000, &body, &len, &err), 0);
    assert_string_equal(body, "secret\n");
    orb_auth_clear(&a);
}

#define T(f) cmocka_unit_test_setup_teardown(f, make_tmp, remove_tmp)

int main(void)
{
    const struct CMUnitTest pure[] = {
        cmocka_unit_test(test_max_age),       cmocka_unit_test(test_header_value),
        cmocka_unit_test(test_status_line),   cmocka_unit_test(test_content_range),
        cmocka_unit_test(test_url_is_remote), cmocka_unit_test(test_url_local_path),
        cmocka_unit_test(test_url_sibling),
    };
    const struct CMUnitTest transfers[] = {
        T(test_fetch_ok_etag_max_age),
        T(test_fetch_no_cache_headers),
        T(test_fetch_not_modified),
        T(test_fetch_404),
        T(test_fetch_500),
        T(test_optional_not_found),
        T(test_optional_accepted),
        T(test_fetch_resumes_dropped),
        T(test_fetch_extra_bytes),
        T(test_fetch_retries_exhausted),
        T(test_fetch_max_size),
        T(test_fetch_redirect),
        T(test_fetch_redirect_loop),
        T(test_fetch_plain_http_refused),
        T(test_fetch_not_remote),
        T(test_fetch_connection_refused),
        T(test_fetch_basic_auth_in_url),
        T(test_fetch_progress),
        T(test_tls_untrusted),
        T(test_tls_ca_file),
        T(test_tls_ca_bundle_env),
        T(test_tls_insecure),
        T(test_tls_redirect_to_http_refused),
        T(test_auth_basic_accepted),
        T(test_auth_bearer_accepted),
        T(test_auth_401_without_credentials),
        T(test_auth_401_wrong_credentials),
        T(test_auth_https_and_http),
        T(test_auth_not_sent_to_other_host),
        T(test_auth_per_hop_credentials),
        T(test_auth_same_host_redirect),
        T(test_buffer_ok),
        T(test_buffer_404),
        T(test_buffer_too_big),
        T(test_buffer_auth),
    };
    int failed = cmocka_run_group_tests_name("fetch parsing", pure, NULL, NULL);
    failed += cmocka_run_group_tests_name("fetch transfers", transfers, start_server, stop_server);
    return failed ? 1 : 0;
}
