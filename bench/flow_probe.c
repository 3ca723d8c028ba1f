/* flow_probe.c - the flow-tracking path alone: capture_next + analyzer_feed with a
 * record callback that only counts, so no output and no record store weigh in.
 * Prints the time, the connections emitted, the peak of open flows and the
 * peak bytes of the flow table and remembered 5-tuples per tracked flow
 * (analyzer_peak_flow_memory). DPI is off unless --dpi is given. --threads 2 reads on a second thread as sockscope
 * does by default (reader_thread.c); the default here is 1, the one-thread path. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "analyzer.h"
#include "capture.h"
#include "flow_table.h"
#include "reader_thread.h"

struct probe {
    uint64_t records, tcp_records;
};

static void on_conn(void *user, const struct conn *c)
{
    struct probe *p = user;
    p->records++;
    if (c->proto == 6)
        p->tcp_records++;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
    bool dpi = false;
    int threads = 1, i;
    for (i = 1; i < argc - 1; i++) {
        if (strcmp(argv[i], "--dpi") == 0)
            dpi = true;
        else if (strcmp(argv[i], "--threads") == 0 && i + 1 < argc - 1 &&
                 (strcmp(argv[i + 1], "1") == 0 || strcmp(argv[i + 1], "2") == 0))
            threads = argv[++i][0] - '0';
        else
            break;
    }
    if (i != argc - 1) {
        fprintf(stderr, "usage: flow_probe [--dpi] [--threads 1|2] FILE\n");
        return 2;
    }
    const char *path = argv[argc - 1];
    struct ss_err err = {{0}};
    struct probe pr = {0, 0};
    struct analyzer_config cfg;
    analyzer_config_defaults(&cfg);
    cfg.have_seed = true; /* deterministic hashing: runs compare */
    memset(cfg.seed, 0x5a, sizeof(cfg.seed));
    cfg.dpi = dpi;
    cfg.on_conn = on_conn;
    cfg.user = &pr;
    double t0 = now_s();
    struct analyzer *an = analyzer_create(&cfg, &err);
    if (an == NULL) {
        fprintf(stderr, "flow_probe: %s\n", err.msg);
        return 1;
    }
    struct capture *cap = NULL;
    if (capture_open_file(&cap, path, NULL, &err) != 0) {
        fprintf(stderr, "flow_probe: %s\n", err.msg);
        analyzer_destroy(an);
        return 1;
    }
    uint64_t packets = 0;
    int r = threads == 2 ? reader_thread_run(an, cap, 0, &packets, &err)
                         : reader_single_run(an, cap, 0, &packets, &err);
    capture_close(cap);
    if (r < 0) {
        fprintf(stderr, "flow_probe: %s\n", err.msg);
        analyzer_destroy(an);
        return 1;
    }
    uint64_t bytes = analyzer_stats(an)->captured_bytes;
    size_t peak_mem = analyzer_peak_flow_memory(an);
    uint64_t peak_open = analyzer_stats(an)->peak_flows;
    uint64_t peak_tracked = analyzer_stats(an)->peak_tracked;
    double t_feed = now_s() - t0;
    analyzer_flush(an, END_END_OF_CAPTURE);
    double secs = now_s() - t0;
    analyzer_destroy(an);
    if (secs <= 0)
        secs = 1e-9;
    printf("packets=%llu bytes=%llu seconds=%.3f feed_seconds=%.3f packets_per_s=%.0f "
           "MB_per_s=%.1f dpi=%d threads=%d connections=%llu tcp_connections=%llu peak_open=%llu "
           "peak_tracked=%llu table_bytes=%zu table_bytes_per_tracked_flow=%.1f sizeof_conn=%zu "
           "sizeof_flow_key=%zu\n",
           (unsigned long long)packets, (unsigned long long)bytes, secs, t_feed,
           (double)packets / secs, (double)bytes / 1e6 / secs, dpi ? 1 : 0, threads,
           (unsigned long long)pr.records,
           (unsigned long long)pr.tcp_records, (unsigned long long)peak_open,
           (unsigned long long)peak_tracked, peak_mem,
           peak_tracked ? (double)peak_mem / (double)peak_tracked : 0.0, sizeof(struct conn),
           sizeof(struct flow_key));
    return 0;
}
