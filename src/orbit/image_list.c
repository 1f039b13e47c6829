/* `orbit image list`: the images in the store, as a table or JSON. */
#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "store/store.h"
#include "table.h"
#include "util/mem.h"
#include "util/strv.h"

enum { OPT_FORMAT, OPT_FIELDS, OPT_NO_LEGEND, OPT_FULL };

static const cli_option options[] = {
    {OPT_FORMAT, "format", CLI_REQUIRED_ARG, "FORMAT", "table (default), json or json-pretty"},
    {OPT_FIELDS, "fields", CLI_REQUIRED_ARG, "LIST",
     "columns: id,name,version,labels,size,importtime,lastused,source,signed"},
    {OPT_NO_LEGEND, "no-legend", CLI_NO_ARG, NULL, "leave out the header line"},
    {OPT_FULL, "full", CLI_NO_ARG, NULL, "full image IDs and exact sizes"},
    {0},
};

typedef enum field {
    F_ID,
    F_NAME,
    F_VERSION,
    F_LABELS,
    F_SIZE,
    F_IMPORT_TIME,
    F_LAST_USED,
    F_SOURCE,
    F_SIGNED,
    _F_MAX,
} field;

static const char *const field_names[_F_MAX] = {
    "id", "name", "version", "labels", "size", "importtime", "lastused", "source", "signed"};
static const char *const legends[_F_MAX] = {"ID",          "NAME",      "VERSION", "LABELS", "SIZE",
                                            "IMPORT TIME", "LAST USED", "SOURCE",  "SIGNED"};

typedef struct list_args {
    const char *format;
    field fields[_F_MAX];
    size_t n_fields;
    bool no_legend, full;
} list_args;

static int parse_fields(list_args *a, const char *value)
{
    _cleanup_strv_ char **names = strv_split(value, ',');
    a->n_fields = 0;
    for (char **n = names; *n; n++) {
        size_t f = 0;
        while (f < _F_MAX && strcmp(*n, field_names[f]) != 0)
            f++;
        if (f == _F_MAX || a->n_fields == _F_MAX) {
            cli_usage_error(&cmd_image_list, "unknown field \"%s\"", *n);
            return -1;
        }
        a->fields[a->n_fields++] = (field)f;
    }
    return 0;
}

static int handle_option(void *ctx, int id, const char *value)
{
    list_args *a = ctx;
    switch (id) {
    case OPT_FORMAT:
        if (strcmp(value, "table") && strcmp(value, "json") && strcmp(value, "json-pretty")) {
            cli_usage_error(&cmd_image_list, "unknown format \"%s\"", value);
            return -1;
        }
        a->format = value;
        return 0;
    case OPT_FIELDS:
        return parse_fields(a, value);
    case OPT_NO_LEGEND:
        a->no_legend = true;
        return 0;
    case OPT_FULL:
        a->full = true;
        return 0;
    }
    return 0;
}

static char *format_time(int64_t us, bool utc)
{
    time_t t = (time_t)(us / 1000000);
    struct tm tm;
    char buf[64];
    if (utc)
        strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&t, &tm));
    else
        strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M:%S", localtime_r(&t, &tm));
    return xstrdup(buf);
}

static char *format_size(uint64_t bytes, bool exact)
{
    if (exact || bytes < 1024)
        return xasprintf("%llu", (unsigned long long)bytes);
    static const char *const units[] = {"KiB", "MiB", "GiB", "TiB"};
    double v = (double)bytes / 1024;
    size_t i = 0;
    while (v >= 1024 && i + 1 < ARRAY_SIZE(units)) {
        v /= 1024;
        i++;
    }
    return xasprintf("%.1f %s", v, units[i]);
}

/* Every label but version, which has its own column: "os=linux,arch=amd64". */
static char *other_labels(const orb_image_record *r)
{
    char **parts = NULL;
    for (size_t i = 0; i < r->labels.n; i++)
        if (strcmp(r->labels.items[i].name, "version") != 0)
            strv_push_take(&parts,
                           xasprintf("%s=%s", r->labels.items[i].name, r->labels.items[i].value));
    char *joined = strv_join(parts, ",");
    strv_free(parts);
    return joined;
}

static char *cell(const orb_image_record *r, field f, bool full)
{
    const char *version = orb_kv_get(&r->labels, "version");
    switch (f) {
    case F_ID:
        return full ? xstrdup(r->id) : xstrndup(r->id, 7 + 12);
    case F_NAME:
        return xstrdup(r->name);
    case F_VERSION:
        return xstrdup(version ? version : "");
    case F_LABELS:
        return other_labels(r);
    case F_SIZE:
        return format_size(r->blob_size + r->tree_size, full);
    case F_IMPORT_TIME:
        return format_time(r->import_time, false);
    case F_LAST_USED:
        return format_time(r->last_used, false);
    case F_SOURCE:
        return xstrdup(r->source ? r->source : "");
    case F_SIGNED:
        return xstrdup(r->has_signature ? "yes" : "no");
    default:
        return xstrdup("");
    }
}

static void print_table(const list_args *a, const orb_image_record *r, size_t n)
{
    cli_table t;
    cli_table_init(&t, a->n_fields);
    for (size_t f = 0; f < a->n_fields; f++)
        cli_table_add(&t, legends[a->fields[f]]);
    for (size_t i = 0; i < n; i++)
        for (size_t f = 0; f < a->n_fields; f++) {
            _cleanup_free_ char *c = cell(&r[i], a->fields[f], a->full);
            cli_table_add(&t, c);
        }
    cli_table_print(&t, !a->no_legend);
}

/* rkt's api/v1 ImageListEntry fields (id, name, import_time and
 * last_used_time in nanoseconds, size), which rktlet-style tools parse, and
 * what orbit knows besides. */
static json_t *record_json(const orb_image_record *r)
{
    json_t *labels = json_object();
    for (size_t i = 0; i < r->labels.n; i++)
        json_object_set_new(labels, r->labels.items[i].name, json_string(r->labels.items[i].value));
    return json_pack("{s:s, s:s, s:I, s:I, s:I, s:o, s:I, s:I, s:s?, s:b, s:s}", "id", r->id,
                     "name", r->name, "import_time", (json_int_t)r->import_time * 1000,
                     "last_used_time", (json_int_t)r->last_used * 1000, "size",
                     (json_int_t)(r->blob_size + r->tree_size), "labels", labels,
                     "uncompressed_size", (json_int_t)r->tar_size, "tree_size",
                     (json_int_t)r->tree_size, "source", r->source, "signed", r->has_signature,
                     "compression", orb_compression_name(r->compression));
}

static void print_json(const orb_image_record *r, size_t n, bool pretty)
{
    json_t *array = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(array, record_json(&r[i]));
    char *text = json_dumps(array, JSON_PRESERVE_ORDER | (pretty ? JSON_INDENT(4) : JSON_COMPACT));
    puts(text);
    free(text);
    json_decref(array);
}

static int run(const cli_command *self, int argc, char **argv)
{
    list_args a = {.format = "table",
                   .fields = {F_ID, F_NAME, F_VERSION, F_SIZE, F_IMPORT_TIME, F_LAST_USED},
                   .n_fields = 6};
    int first = cli_parse(self, argc, argv, handle_option, &a);
    if (first < 0)
        return CLI_PARSE_EXIT(first);
    if (!cli_expect_args(self, argc, argv, first, 0, 0))
        return EXIT_USAGE;
    _cleanup_(orb_store_closep) orb_store *store = NULL;
    if (cli_open_store(&store) != EXIT_OK)
        return EXIT_FAIL;
    orb_image_record *records = NULL;
    size_t n = 0;
    orb_error *err = NULL;
    if (orb_store_list(store, &records, &n, &err) < 0)
        return cli_error(err);
    if (strcmp(a.format, "table") == 0)
        print_table(&a, records, n);
    else
        print_json(records, n, strcmp(a.format, "json-pretty") == 0);
    orb_image_records_free(records, n);
    return EXIT_OK;
}

const cli_command cmd_image_list = {
    .name = "image list",
    .args = "[OPTIONS]",
    .summary = "List the images in the store",
    .options = options,
    .run = run,
};
