/* capture_live.c - live capture from a network interface with libpcap
 * (pcap_create/pcap_activate, buffered, non-blocking dispatch), and the
 * -w dump of what was captured. */
#include "capture.h"

#include <limits.h>
#include <pcap/pcap.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define LIVE_DEFAULT_SNAPLEN 262144 /* tcpdump's default, also for -s 0 */
#define LINKTYPE_RAW_VALUE   101

struct capture_live {
    pcap_t *p;
    pcap_dumper_t *dump;
    char iface[64];
    uint32_t linktype;
    bool nanosecond; /* timestamps are in ns (else us) */
    uint64_t record_no;
    /* for the dispatch callback */
    capture_live_cb fn;
    void *user;
};

/* libpcap hands out DLT_* values; the dissectors and pcap files use LINKTYPE_*.
 * They differ only for a few historical values; the one Linux uses live is
 * DLT_RAW (12, 14 on OpenBSD). */
static uint32_t dlt_to_linktype(int dlt)
{
    if (dlt == DLT_RAW || dlt == 14)
        return LINKTYPE_RAW_VALUE;
    return dlt < 0 ? 0 : (uint32_t)dlt;
}

/* The path of this program for the setcap hint (falls back to "sockscope"). */
static void self_path(char *buf, size_t len)
{
    ssize_t n = readlink("/proc/self/exe", buf, len - 1);
    if (n <= 0) {
        snprintf(buf, len, "sockscope");
        return;
    }
    buf[n] = '\0';
}

static void set_activate_error(struct ss_err *err, const char *iface, int rc, pcap_t *p)
{
    char exe[PATH_MAX];
    switch (rc) {
    case PCAP_ERROR_NO_SUCH_DEVICE:
        ss_err_set(err, "%s: no such interface", iface);
        break;
    case PCAP_ERROR_PERM_DENIED:
        self_path(exe, sizeof(exe));
        ss_err_set(err,
                   "%s: permission denied: capturing needs CAP_NET_RAW (run as root, or: setcap "
                   "cap_net_raw,cap_net_admin=eip %s)",
                   iface, exe);
        break;
    case PCAP_ERROR_PROMISC_PERM_DENIED:
        ss_err_set(err, "%s: permission denied for promiscuous mode (capture without it: -p)",
                   iface);
        break;
    case PCAP_ERROR_IFACE_NOT_UP:
        ss_err_set(err, "%s: interface is down", iface);
        break;
    case PCAP_ERROR_RFMON_NOTSUP:
        ss_err_set(err, "%s: monitor mode not supported", iface);
        break;
    default:
        ss_err_set(err, "%s: %s", iface, pcap_geterr(p));
        break;
    }
}

void capture_live_close(struct capture_live *lc)
{
    if (lc == NULL)
        return;
    if (lc->dump != NULL) {
        pcap_dump_flush(lc->dump);
        pcap_dump_close(lc->dump);
    }
    if (lc->p != NULL)
        pcap_close(lc->p);
    free(lc);
}

int capture_live_open(struct capture_live **out, const struct capture_live_options *o,
                      struct ss_err *err)
{
    *out = NULL;
    char ebuf[PCAP_ERRBUF_SIZE] = {0};
    struct capture_live *lc = calloc(1, sizeof(*lc));
    if (lc == NULL) {
        ss_err_set(err, "out of memory");
        return -1;
    }
    snprintf(lc->iface, sizeof(lc->iface), "%s", o->iface);
    lc->p = pcap_create(o->iface, ebuf);
    if (lc->p == NULL) {
        ss_err_set(err, "%s: %s", o->iface, ebuf);
        capture_live_close(lc);
        return -1;
    }
    int snaplen = o->snaplen > 0 ? o->snaplen : LIVE_DEFAULT_SNAPLEN;
    /* Not immediate mode: there libpcap on Linux takes a ring of fixed slots
     * (TPACKET_V2), each as large as the snapshot length on any link but
     * Ethernet, so the default 2 MiB held 7 packets of -i any and a burst of
     * more was dropped. Buffered (TPACKET_V3), packets lie end to end in the
     * ring and are handed over at the latest after the timeout. */
    if (pcap_set_snaplen(lc->p, snaplen) != 0 || pcap_set_promisc(lc->p, o->promisc ? 1 : 0) != 0 ||
        pcap_set_immediate_mode(lc->p, 0) != 0 ||
        pcap_set_timeout(lc->p, o->timeout_ms > 0 ? o->timeout_ms : 100) != 0 ||
        (o->buffer_kib > 0 && pcap_set_buffer_size(lc->p, o->buffer_kib * 1024) != 0)) {
        ss_err_set(err, "%s: cannot configure the capture: %s", o->iface, pcap_geterr(lc->p));
        capture_live_close(lc);
        return -1;
    }
    /* nanosecond timestamps where the platform has them; microseconds otherwise */
    (void)pcap_set_tstamp_precision(lc->p, PCAP_TSTAMP_PRECISION_NANO);
    int rc = pcap_activate(lc->p);
    if (rc < 0) {
        set_activate_error(err, o->iface, rc, lc->p);
        capture_live_close(lc);
        return -1;
    }
    /* rc > 0 is a warning (promiscuous mode or timestamp type unsupported): go on */
    lc->nanosecond = pcap_get_tstamp_precision(lc->p) == PCAP_TSTAMP_PRECISION_NANO;
    lc->linktype = dlt_to_linktype(pcap_datalink(lc->p));
    if (o->bpf != NULL && o->bpf[0] != '\0') {
        struct bpf_program prog;
        if (pcap_compile(lc->p, &prog, o->bpf, 1, PCAP_NETMASK_UNKNOWN) != 0) {
            ss_err_set(err, "bad filter expression: %s", pcap_geterr(lc->p));
            capture_live_close(lc);
            return -1;
        }
        int fr = pcap_setfilter(lc->p, &prog);
        pcap_freecode(&prog);
        if (fr != 0) {
            ss_err_set(err, "%s: cannot set the filter: %s", o->iface, pcap_geterr(lc->p));
            capture_live_close(lc);
            return -1;
        }
    }
    if (pcap_setnonblock(lc->p, 1, ebuf) != 0) {
        ss_err_set(err, "%s: %s", o->iface, ebuf);
        capture_live_close(lc);
        return -1;
    }
    *out = lc;
    return 0;
}

int capture_live_fd(const struct capture_live *lc)
{
    return pcap_get_selectable_fd(lc->p);
}

uint32_t capture_live_linktype(const struct capture_live *lc)
{
    return lc->linktype;
}

static void on_packet(u_char *user, const struct pcap_pkthdr *h, const u_char *bytes)
{
    struct capture_live *lc = (struct capture_live *)user;
    if (lc->dump != NULL)
        pcap_dump((u_char *)lc->dump, h, bytes);
    uint64_t frac = (uint64_t)h->ts.tv_usec * (lc->nanosecond ? 1u : 1000u);
    struct capture_frame f = {
        .data = bytes,
        .cap_len = h->caplen,
        .wire_len = h->len,
        .linktype = lc->linktype,
        .ts_ns = (uint64_t)h->ts.tv_sec * 1000000000ull + frac,
        .if_index = 0,
        .record_no = ++lc->record_no,
    };
    lc->fn(lc->user, &f);
}

int capture_live_dispatch(struct capture_live *lc, int max_frames, capture_live_cb fn,
                          void *user, struct ss_err *err)
{
    lc->fn = fn;
    lc->user = user;
    int n = pcap_dispatch(lc->p, max_frames, on_packet, (u_char *)lc);
    if (n == PCAP_ERROR_BREAK)
        return 0;
    if (n < 0) {
        ss_err_set(err, "%s: %s", lc->iface, pcap_geterr(lc->p));
        return -1;
    }
    return n;
}

int capture_live_stats(struct capture_live *lc, struct capture_live_stats *st, struct ss_err *err)
{
    struct pcap_stat ps;
    memset(&ps, 0, sizeof(ps));
    memset(st, 0, sizeof(*st));
    if (pcap_stats(lc->p, &ps) != 0) {
        ss_err_set(err, "%s: %s", lc->iface, pcap_geterr(lc->p));
        return -1;
    }
    st->received = ps.ps_recv;
    st->dropped_kernel = ps.ps_drop;
    st->dropped_interface = ps.ps_ifdrop;
    return 0;
}

int capture_live_dump_open(struct capture_live *lc, const char *path, struct ss_err *err)
{
    lc->dump = pcap_dump_open(lc->p, path);
    if (lc->dump == NULL) {
        ss_err_set(err, "%s", pcap_geterr(lc->p));
        return -1;
    }
    return 0;
}

int capture_live_dump_flush(struct capture_live *lc, struct ss_err *err)
{
    if (lc->dump != NULL && pcap_dump_flush(lc->dump) != 0) {
        ss_err_set(err, "cannot write the -w file");
        return -1;
    }
    return 0;
}
