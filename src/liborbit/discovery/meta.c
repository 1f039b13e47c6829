/* A small HTML tokenizer, just enough to find <meta> start tags the way a
 * browser would: markup inside comments, raw-text elements (script, style,
 * ...), doctypes and CDATA sections is never mistaken for a tag. */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "discovery/discovery.h"
#include "util/mem.h"

typedef struct scanner {
    const char *s;
    size_t len;
    size_t pos;
} scanner;

/* A growable byte buffer for decoded attribute values. */
typedef struct buf {
    char *data;
    size_t len, cap;
} buf;

static void buf_put(buf *b, const char *p, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        b->cap = (b->len + n + 1) * 2;
        b->data = xrealloc(b->data, b->cap);
    }
    memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = '\0';
}

static void buf_put_utf8(buf *b, uint32_t c)
{
    char out[4];
    size_t n;

    if (c == 0 || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
        c = 0xFFFD;
    if (c < 0x80) {
        out[0] = (char)c;
        n = 1;
    } else if (c < 0x800) {
        out[0] = (char)(0xC0 | (c >> 6));
        out[1] = (char)(0x80 | (c & 0x3F));
        n = 2;
    } else if (c < 0x10000) {
        out[0] = (char)(0xE0 | (c >> 12));
        out[1] = (char)(0x80 | ((c >> 6) & 0x3F));
        out[2] = (char)(0x80 | (c & 0x3F));
        n = 3;
    } else {
        out[0] = (char)(0xF0 | (c >> 18));
        out[1] = (char)(0x80 | ((c >> 12) & 0x3F));
        out[2] = (char)(0x80 | ((c >> 6) & 0x3F));
        out[3] = (char)(0x80 | (c & 0x3F));
        n = 4;
    }
    buf_put(b, out, n);
}

static bool is_html_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\f' || c == '\r';
}

static bool is_alpha(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool is_alnum(char c)
{
    return is_alpha(c) || (c >= '0' && c <= '9');
}

/* strchr() that does not match the terminating NUL. */
static bool is_one_of(char c, const char *set)
{
    return c != '\0' && strchr(set, c) != NULL;
}

static char lower(char c)
{
    return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

/* Case-insensitive search for needle (lowercase) from pos; len if absent. */
static size_t find_ci(const scanner *sc, size_t pos, const char *needle)
{
    size_t n = strlen(needle);

    for (size_t i = pos; i + n <= sc->len; i++) {
        size_t k = 0;
        while (k < n && lower(sc->s[i + k]) == needle[k])
            k++;
        if (k == n)
            return i;
    }
    return sc->len;
}

/* ---- character references ------------------------------------------------ */

static const struct {
    const char *name;
    uint32_t code;
    bool legacy; /* recognised without the ';' too, as browsers do */
} named_refs[] = {
    {"amp", '&', true},       {"lt", '<', true},         {"gt", '>', true},
    {"quot", '"', true},      {"apos", '\'', false},     {"nbsp", 0xA0, true},
    {"copy", 0xA9, true},     {"reg", 0xAE, true},       {"tab", '\t', false},
    {"newline", '\n', false}, {"sol", '/', false},       {"colon", ':', false},
    {"equals", '=', false},   {"quest", '?', false},     {"num", '#', false},
    {"lbrace", '{', false},   {"rbrace", '}', false},    {"percnt", '%', false},
    {"lowbar", '_', false},   {"hyphen", 0x2010, false},
};

/* Decodes "&#NNN;" / "&#xHH;" at p[0..n); returns bytes used or 0. */
static size_t numeric_ref(const char *p, size_t n, buf *b)
{
    bool hex = n > 2 && (p[2] == 'x' || p[2] == 'X');
    size_t i = hex ? 3 : 2, start = i;
    uint32_t c = 0;

    for (; i < n; i++) {
        int d;
        if (p[i] >= '0' && p[i] <= '9')
            d = p[i] - '0';
        else if (hex && lower(p[i]) >= 'a' && lower(p[i]) <= 'f')
            d = lower(p[i]) - 'a' + 10;
        else
            break;
        c = c > 0x10FFFF ? c : c * (hex ? 16 : 10) + (uint32_t)d;
    }
    if (i == start)
        return 0;
    if (i < n && p[i] == ';')
        i++;
    buf_put_utf8(b, c);
    return i;
}

/* Decodes the reference at p (p[0] == '&'); returns bytes used, 0 if none. */
static size_t char_ref(const char *p, size_t n, buf *b)
{
    if (n > 1 && p[1] == '#')
        return numeric_ref(p, n, b);
    for (size_t k = 0; k < ARRAY_SIZE(named_refs); k++) {
        size_t m = strlen(named_refs[k].name);
        if (n < 1 + m || memcmp(p + 1, named_refs[k].name, m) != 0)
            continue;
        if (n > 1 + m && p[1 + m] == ';') {
            buf_put_utf8(b, named_refs[k].code);
            return m + 2;
        }
        /* In attribute values a legacy name followed by [A-Za-z0-9=] stays literal. */
        if (named_refs[k].legacy && (n == 1 + m || !(is_alnum(p[1 + m]) || p[1 + m] == '='))) {
            buf_put_utf8(b, named_refs[k].code);
            return m + 1;
        }
    }
    return 0;
}

static char *decode_value(const char *p, size_t n)
{
    buf b = {0};

    buf_put(&b, "", 0);
    for (size_t i = 0; i < n;) {
        size_t used = p[i] == '&' ? char_ref(p + i, n - i, &b) : 0;
        if (used) {
            i += used;
        } else if (p[i] == '\0') {
            buf_put_utf8(&b, 0xFFFD); /* as browsers do; keeps the C string whole */
            i++;
        } else {
            buf_put(&b, p + i, 1);
            i++;
        }
    }
    return b.data;
}

/* ---- tags ------------------------------------------------------------------------ */

typedef struct meta_attrs {
    char *name;
    char *content;
} meta_attrs;

/* Reads one attribute at sc->pos; returns false at the end of the tag. */
static bool read_attr(scanner *sc, char **ret_key, char **ret_val)
{
    const char *s = sc->s;
    size_t k0, v0, v1;

    *ret_key = *ret_val = NULL;
    while (sc->pos < sc->len && (is_html_space(s[sc->pos]) || s[sc->pos] == '/'))
        sc->pos++;
    if (sc->pos >= sc->len || s[sc->pos] == '>')
        return false;
    k0 = sc->pos++; /* the first character may be '=' */
    while (sc->pos < sc->len && !is_html_space(s[sc->pos]) && !is_one_of(s[sc->pos], "/>="))
        sc->pos++;
    *ret_key = xstrndup(s + k0, sc->pos - k0);
    for (char *c = *ret_key; *c; c++)
        *c = lower(*c);
    while (sc->pos < sc->len && is_html_space(s[sc->pos]))
        sc->pos++;
    if (sc->pos >= sc->len || s[sc->pos] != '=')
        return true;
    sc->pos++;
    while (sc->pos < sc->len && is_html_space(s[sc->pos]))
        sc->pos++;
    if (sc->pos < sc->len && (s[sc->pos] == '"' || s[sc->pos] == '\'')) {
        char q = s[sc->pos++];
        const char *end = memchr(s + sc->pos, q, sc->len - sc->pos);
        v0 = sc->pos;
        v1 = end ? (size_t)(end - s) : sc->len;
        sc->pos = end ? v1 + 1 : sc->len;
    } else {
        v0 = sc->pos;
        while (sc->pos < sc->len && !is_html_space(s[sc->pos]) && s[sc->pos] != '>')
            sc->pos++;
        v1 = sc->pos;
    }
    *ret_val = decode_value(s + v0, v1 - v0);
    return true;
}

/* Reads the attributes of a tag up to and past its '>'; keeps name and
 * content (the last of each, as the reference tokenizer does). False when
 * the input ends first: such a tag is dropped, as the reference does. */
static bool read_attrs(scanner *sc, meta_attrs *m)
{
    char *key, *val;

    while (read_attr(sc, &key, &val)) {
        char **slot = strcmp(key, "name") == 0      ? &m->name
                      : strcmp(key, "content") == 0 ? &m->content
                                                    : NULL;
        if (slot) {
            free(*slot);
            *slot = val ? val : xstrdup("");
        } else {
            free(val);
        }
        free(key);
    }
    if (sc->pos >= sc->len)
        return false;
    sc->pos++; /* '>' */
    return true;
}

/* ---- content: "PREFIX URI" ------------------------------------------------------ */

/* Length of the white-space character at p (Go's unicode.IsSpace), else 0. */
static size_t space_len(const unsigned char *p, size_t n)
{
    static const unsigned char spaces3[][3] = {
        {0xE1, 0x9A, 0x80}, {0xE2, 0x80, 0xA8}, {0xE2, 0x80, 0xA9},
        {0xE2, 0x80, 0xAF}, {0xE2, 0x81, 0x9F}, {0xE3, 0x80, 0x80},
    };

    if (p[0] == ' ' || (p[0] >= '\t' && p[0] <= '\r'))
        return 1;
    if (n >= 2 && p[0] == 0xC2 && (p[1] == 0x85 || p[1] == 0xA0))
        return 2;
    if (n < 3)
        return 0;
    if (p[0] == 0xE2 && p[1] == 0x80 && p[2] >= 0x80 && p[2] <= 0x8A)
        return 3;
    for (size_t i = 0; i < ARRAY_SIZE(spaces3); i++)
        if (memcmp(p, spaces3[i], 3) == 0)
            return 3;
    return 0;
}

/* The trimmed part of s[0..n) as [*start, *end). */
static void trim(const char *s, size_t n, size_t *start, size_t *end)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t i = 0, sp;

    while (i < n && (sp = space_len(u + i, n - i)) > 0)
        i += sp;
    *start = *end = i;
    while (i < n) {
        sp = space_len(u + i, n - i);
        if (sp == 0)
            *end = ++i;
        else
            i += sp;
    }
}

static void add_tag(meta_attrs *m, orb_meta_tag **tags, size_t *n)
{
    size_t a, b, c, d;
    const char *sp;
    orb_meta_tag *t;

    if (!m->name || strncmp(m->name, "ac-", 3) != 0 || !m->content)
        return;
    trim(m->content, strlen(m->content), &a, &b);
    sp = memchr(m->content + a, ' ', b - a);
    if (!sp)
        return;
    trim(sp + 1, (size_t)(m->content + b - (sp + 1)), &c, &d);
    if ((size_t)(sp - m->content) == a || c == d)
        return;
    t = xgrow(tags, n, sizeof(**tags));
    t->name = xstrdup(m->name);
    t->prefix = xstrndup(m->content + a, (size_t)(sp - m->content) - a);
    t->uri = xstrndup(sp + 1 + c, d - c);
}

/* ---- the tokenizer ---------------------------------------------------------------- */

static bool is_raw_text(const char *tag)
{
    static const char *const raw[] = {"script", "style",   "textarea", "title",    "xmp",
                                      "iframe", "noembed", "noframes", "noscript", "plaintext"};
    for (size_t i = 0; i < ARRAY_SIZE(raw); i++)
        if (strcmp(tag, raw[i]) == 0)
            return true;
    return false;
}

/* Skips the raw text of <tag> up to (not past) its end tag. */
static void skip_raw_text(scanner *sc, const char *tag)
{
    _cleanup_free_ char *end = xasprintf("</%s", tag);
    size_t n = strlen(end);

    if (strcmp(tag, "plaintext") == 0) {
        sc->pos = sc->len;
        return;
    }
    for (size_t p = sc->pos;; p++) {
        p = find_ci(sc, p, end);
        if (p + n >= sc->len || is_html_space(sc->s[p + n]) || is_one_of(sc->s[p + n], "/>")) {
            sc->pos = p;
            return;
        }
    }
}

/* Skips past `terminator`, or to the end of input. */
static void skip_past(scanner *sc, size_t from, const char *terminator)
{
    size_t p = find_ci(sc, from, terminator);
    sc->pos = p < sc->len ? p + strlen(terminator) : sc->len;
}

/* At "<!": a comment, CDATA section, doctype or bogus comment. */
static void skip_markup_decl(scanner *sc)
{
    size_t p = sc->pos + 2;
    const char *s = sc->s;

    if (p + 2 <= sc->len && s[p] == '-' && s[p + 1] == '-') {
        p += 2;
        /* "<!-->" and "<!--->" are (empty) comments too */
        if (p < sc->len && s[p] == '>')
            sc->pos = p + 1;
        else if (p + 1 < sc->len && s[p] == '-' && s[p + 1] == '>')
            sc->pos = p + 2;
        else
            skip_past(sc, p, "-->");
    } else if (sc->len - p >= 7 && memcmp(s + p, "[CDATA[", 7) == 0) {
        skip_past(sc, p + 7, "]]>");
    } else {
        skip_past(sc, p, ">");
    }
}

/* At "<" + letter: reads the tag; records it when it is a <meta>. */
static void read_start_tag(scanner *sc, orb_meta_tag **tags, size_t *n)
{
    size_t t0 = ++sc->pos;
    _cleanup_free_ char *tag = NULL;
    meta_attrs m = {0};

    while (sc->pos < sc->len && !is_html_space(sc->s[sc->pos]) && !is_one_of(sc->s[sc->pos], "/>"))
        sc->pos++;
    tag = xstrndup(sc->s + t0, sc->pos - t0);
    for (char *c = tag; *c; c++)
        *c = lower(*c);
    if (read_attrs(sc, &m) && strcmp(tag, "meta") == 0)
        add_tag(&m, tags, n);
    free(m.name);
    free(m.content);
    if (is_raw_text(tag))
        skip_raw_text(sc, tag);
}

static void tokenize(scanner *sc, orb_meta_tag **tags, size_t *n)
{
    while (sc->pos < sc->len) {
        const char *lt = memchr(sc->s + sc->pos, '<', sc->len - sc->pos);
        char next;

        if (!lt)
            return;
        sc->pos = (size_t)(lt - sc->s);
        next = sc->pos + 1 < sc->len ? sc->s[sc->pos + 1] : '\0';
        if (next == '!') {
            skip_markup_decl(sc);
        } else if (next == '?') {
            skip_past(sc, sc->pos + 1, ">");
        } else if (next == '/' && sc->pos + 2 < sc->len && is_alpha(sc->s[sc->pos + 2])) {
            meta_attrs ignored = {0};
            sc->pos += 2; /* end tags may carry (ignored) quoted attributes */
            read_attrs(sc, &ignored);
            free(ignored.name);
            free(ignored.content);
        } else if (next == '/') {
            skip_past(sc, sc->pos + 2, ">"); /* "</>" or "</ bogus>" */
        } else if (is_alpha(next)) {
            read_start_tag(sc, tags, n);
        } else {
            sc->pos++; /* a literal '<' */
        }
    }
}

int orb_meta_parse(const char *html, size_t len, orb_meta_tag **ret, size_t *ret_n, orb_error **err)
{
    scanner sc = {.s = html, .len = len};
    orb_meta_tag *tags = NULL;
    size_t n = 0;

    *ret = NULL;
    *ret_n = 0;
    if (len > ORB_DISCOVERY_PAGE_MAX)
        return orb_err(err, EFBIG, "discovery page: %zu bytes is larger than the limit of %d bytes",
                       len, ORB_DISCOVERY_PAGE_MAX);
    tokenize(&sc, &tags, &n);
    *ret = tags;
    *ret_n = n;
    return 0;
}

void orb_meta_tags_free(orb_meta_tag *tags, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(tags[i].name);
        free(tags[i].prefix);
        free(tags[i].uri);
    }
    free(tags);
}
