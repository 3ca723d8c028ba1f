/* output_text.c - text tables. */
#include "output_text.h"

#include <inttypes.h>

#include "humanfmt.h"
#include "services.h"
#include "timefmt.h"
#include "zeek_conn.h"

static void row(FILE *out, const char *label, uint64_t v)
{
    if (v != 0)
        fprintf(out, "  %-28s %" PRIu64 "\n", label, v);
}

void output_text_stats(FILE *out, const struct capture_stats *st)
{
    char a[64], b[64], hb[32];
    humanfmt_bytes(st->bytes, hb, sizeof(hb));
    fprintf(out, "Capture\n");
    fprintf(out, "  %-28s %" PRIu64 "\n", "frames", st->frames);
    fprintf(out, "  %-28s %" PRIu64 " (%s)\n", "bytes", st->bytes, hb);
    if (st->frames > 0) {
        timefmt_iso(st->first_ts, a, sizeof(a));
        timefmt_iso(st->last_ts, b, sizeof(b));
        fprintf(out, "  %-28s %s\n  %-28s %s\n", "first", a, "last", b);
    }
    row(out, "filtered out", st->frames_filtered_out);
    fprintf(out, "Link types\n");
    for (unsigned i = 0; i < st->n_linktypes; i++) {
        const char *name = stats_linktype_name(st->linktypes[i].linktype);
        char label[64];
        snprintf(label, sizeof(label), "%s (%u)%s", name ? name : "unsupported",
                 st->linktypes[i].linktype, name ? "" : " [not decoded]");
        fprintf(out, "  %-28s %" PRIu64 "\n", label, st->linktypes[i].frames);
    }
    fprintf(out, "Layers\n");
    row(out, "non-IP", st->non_ip);
    row(out, "VLAN-tagged", st->vlan_tagged);
    row(out, "IPv4", st->ipv4);
    row(out, "IPv6", st->ipv6);
    row(out, "fragments", st->fragments);
    row(out, "reassembled datagrams", st->reassembled);
    row(out, "TCP", st->tcp);
    row(out, "UDP", st->udp);
    row(out, "ICMP", st->icmp);
    row(out, "ICMPv6", st->icmpv6);
    row(out, "SCTP", st->sctp);
    row(out, "other IP protocols", st->other_l4);
    fprintf(out, "Anomalies\n");
    bool any = false;
    for (unsigned i = 0; i < ANOM_COUNT; i++) {
        if (st->anomalies[i] != 0) {
            row(out, anomaly_name((enum anomaly)i), st->anomalies[i]);
            any = true;
        }
    }
    if (!any)
        fprintf(out, "  none\n");
    fprintf(out, "Connections\n");
    fprintf(out, "  %-28s %" PRIu64 "\n", "total", st->connections);
    row(out, "peak open", st->peak_flows);
    row(out, "timed out", st->flows_timed_out);
    row(out, "evicted (--max-flows)", st->flows_evicted);
    row(out, "ICMP errors attached", st->icmp_errors_attached);
    row(out, "ICMP errors unmatched", st->icmp_errors_unmatched);
}

void output_text_conns(FILE *out, const struct conn *conns, size_t n, size_t top)
{
    fprintf(out, "%-18s %-5s %-40s %-40s %-6s %-12s %7s %7s %9s %9s\n", "uid", "proto",
            "originator", "responder", "state", "history", "o_pkts", "r_pkts", "o_bytes",
            "r_bytes");
    size_t lim = top != 0 && top < n ? top : n;
    for (size_t i = 0; i < lim; i++) {
        const struct conn *c = &conns[i];
        char uid[24], oa[64], ra[64], o[80], r[80], ob[16], rb[16];
        conn_uid(c, uid, sizeof(uid));
        ip_addr_format(&c->orig_addr, c->ip_version, oa, sizeof(oa));
        ip_addr_format(&c->resp_addr, c->ip_version, ra, sizeof(ra));
        snprintf(o, sizeof(o), c->ip_version == 6 ? "[%s]:%u" : "%s:%u", oa, c->orig_port);
        snprintf(r, sizeof(r), c->ip_version == 6 ? "[%s]:%u" : "%s:%u", ra, c->resp_port);
        humanfmt_bytes(c->dir[0].payload_bytes, ob, sizeof(ob));
        humanfmt_bytes(c->dir[1].payload_bytes, rb, sizeof(rb));
        fprintf(out, "%-18s %-5s %-40s %-40s %-6s %-12s %7u %7u %9s %9s\n", uid,
                services_zeek_proto(c->proto), o, r, zeek_conn_state(&c->zeek),
                c->zeek.history[0] ? c->zeek.history : "-", c->dir[0].pkts, c->dir[1].pkts, ob, rb);
    }
    if (lim < n)
        fprintf(out, "... %zu more (--top)\n", n - lim);
}
