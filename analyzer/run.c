/* run.c - offline run: every -r input through one analyzer, then the output. */
#include "run.h"

#include <stdlib.h>
#include <string.h>

#include "capture.h"
#include "conn_log.h"
#include "outfile.h"
#include "output_json.h"
#include "output_text.h"

struct conn_store {
    struct conn *v;
    size_t n, cap;
    bool oom;
};

struct run_ctx {
    const struct cli_options *opt;
    struct conn_store store;
    struct outfile *out;
};

static void store_conn(struct run_ctx *rc, const struct conn *c)
{
    struct conn_store *s = &rc->store;
    if (s->n == s->cap) {
        size_t ncap = s->cap ? s->cap * 2 : 1024;
        struct conn *nv = realloc(s->v, ncap * sizeof(*nv));
        if (nv == NULL) {
            s->oom = true;
            return;
        }
        s->v = nv;
        s->cap = ncap;
    }
    s->v[s->n++] = *c;
}

static void on_conn(void *user, const struct conn *c)
{
    struct run_ctx *rc = user;
    if (rc->opt->format == FMT_NDJSON && !rc->opt->stats) {
        json_t *o = output_json_conn(c);
        json_t *rec = json_object();
        json_object_set_new(rec, "type", json_string("connection"));
        json_object_update(rec, o);
        json_decref(o);
        char *s = json_dumps(rec, OUTPUT_JSON_DUMP_FLAGS | JSON_COMPACT);
        if (s != NULL) {
            fprintf(rc->out->fp, "%s\n", s);
            free(s);
        }
        json_decref(rec);
        fflush(rc->out->fp);
        return;
    }
    store_conn(rc, c);
}

static int by_ts(const void *a, const void *b)
{
    const struct conn *x = a, *y = b;
    if (x->first_ts != y->first_ts)
        return x->first_ts < y->first_ts ? -1 : 1;
    if (x->incarnation != y->incarnation)
        return x->incarnation < y->incarnation ? -1 : 1;
    return x->id < y->id ? -1 : x->id > y->id;
}

static void write_json_doc(struct run_ctx *rc, struct capture_stats *st)
{
    json_t *root = json_object();
    json_object_set_new(root, "capture", output_json_capture(st));
    if (!rc->opt->stats) {
        json_t *arr = json_array();
        for (size_t i = 0; i < rc->store.n; i++)
            json_array_append_new(arr, output_json_conn(&rc->store.v[i]));
        json_object_set_new(root, "connections", arr);
    }
    json_dumpf(root, rc->out->fp, OUTPUT_JSON_DUMP_FLAGS | JSON_INDENT(2));
    fputc('\n', rc->out->fp);
    json_decref(root);
}

static void write_output(struct run_ctx *rc, struct capture_stats *st)
{
    const struct cli_options *opt = rc->opt;
    FILE *fp = rc->out->fp;
    if (rc->store.n > 1)
        qsort(rc->store.v, rc->store.n, sizeof(*rc->store.v), by_ts);
    switch (opt->format) {
    case FMT_JSON:
        write_json_doc(rc, st);
        break;
    case FMT_NDJSON: {
        json_t *rec = json_object();
        json_object_set_new(rec, "type", json_string("capture"));
        json_t *cap = output_json_capture(st);
        json_object_update(rec, cap);
        json_decref(cap);
        char *s = json_dumps(rec, OUTPUT_JSON_DUMP_FLAGS | JSON_COMPACT);
        if (s != NULL)
            fprintf(fp, "%s\n", s);
        free(s);
        json_decref(rec);
        break;
    }
    case FMT_CONN_LOG:
        if (opt->stats) {
            output_text_stats(fp, st);
            break;
        }
        conn_log_header(fp, st->first_ts);
        for (size_t i = 0; i < rc->store.n; i++)
            conn_log_record(fp, &rc->store.v[i]);
        conn_log_footer(fp, st->last_ts);
        break;
    case FMT_TEXT:
        output_text_stats(fp, st);
        if (!opt->stats) {
            fputc('\n', fp);
            output_text_conns(fp, rc->store.v, rc->store.n, (size_t)opt->top);
        }
        break;
    }
}

int run_offline(const struct cli_options *opt)
{
    struct ss_err err = {{0}};
    struct outfile out;
    if (outfile_open(&out, opt->out_file, &err) != 0) {
        fprintf(stderr, "sockscope: %s\n", err.msg);
        return EXIT_OUTPUT;
    }
    struct run_ctx rc = {.opt = opt, .out = &out};
    struct analyzer_config cfg = opt->acfg;
    cfg.on_conn = on_conn;
    cfg.user = &rc;
    struct analyzer *an = analyzer_create(&cfg, &err);
    if (an == NULL) {
        fprintf(stderr, "sockscope: %s\n", err.msg);
        outfile_abort(&out);
        return EXIT_INPUT_FAIL;
    }
    int rc_code = EXIT_OK;
    long long remaining = opt->count;
    struct capture_stats *st = analyzer_stats(an);
    for (size_t i = 0; i < opt->n_files && rc_code == EXIT_OK; i++) {
        struct capture *cap = NULL;
        if (capture_open_file(&cap, opt->files[i], opt->bpf, &err) != 0) {
            fprintf(stderr, "sockscope: %s\n", err.msg);
            rc_code = EXIT_INPUT_FAIL;
            break;
        }
        st->files++;
        struct capture_frame f;
        int r = 0;
        while ((opt->count == 0 || remaining > 0) && (r = capture_next(cap, &f, &err)) == 1) {
            analyzer_feed(an, &f);
            if (opt->count != 0)
                remaining--;
        }
        if (opt->count == 0 || remaining > 0) {
            if (r < 0) {
                fprintf(stderr, "sockscope: %s\n", err.msg);
                rc_code = EXIT_INPUT_FAIL;
            }
        }
        st->frames_filtered_out += capture_get_info(cap)->frames_filtered_out;
        capture_close(cap);
        if (opt->count != 0 && remaining == 0)
            break;
    }
    analyzer_flush(an, END_END_OF_CAPTURE);
    if (rc.store.oom)
        fprintf(stderr, "sockscope: out of memory keeping connection records; output incomplete\n");
    write_output(&rc, st);
    analyzer_destroy(an);
    free(rc.store.v);
    if (outfile_commit(&out, &err) != 0) {
        fprintf(stderr, "sockscope: %s\n", err.msg);
        return EXIT_OUTPUT;
    }
    return rc_code;
}
