/* output_text.c - text tables. */
#include "output_text.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

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
    if (st->input_error[0] != '\0')
        fprintf(out, "  %-28s %s\n", "input ended early", st->input_error);
    if (st->n_inputs > 0)
        fprintf(out, "Files\n");
    for (size_t i = 0; i < st->n_inputs; i++) {
        const struct capture_input *in = &st->inputs[i];
        if (in->format == NULL) {
            fprintf(out, "  %s: did not open\n", in->path);
            continue;
        }
        fprintf(out, "  %s: %s%s%s%s, snaplen %" PRIu32 ", %" PRIu64 " frame%s", in->path, in->format,
                in->compression != NULL ? ", " : "", in->compression != NULL ? in->compression : "",
                in->compression != NULL ? "-compressed" : "", in->snaplen, in->frames,
                in->frames == 1 ? "" : "s");
        if (in->frames_filtered_out > 0)
            fprintf(out, " (%" PRIu64 " filtered out)", in->frames_filtered_out);
        if (in->frames_over_snaplen > 0)
            fprintf(out, ", %" PRIu64 " longer than the snaplen (read whole)", in->frames_over_snaplen);
        if (in->frames_bad_ts > 0)
            fprintf(out, ", %" PRIu64 " with a bad timestamp (adjusted)", in->frames_bad_ts);
        if (in->error != NULL) /* the message is above, under "input ended early" */
            fprintf(out, ", ended early");
        fputc('\n', out);
    }
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
    row(out, "peak tracked (+TIME_WAIT)", st->peak_tracked);
    if (st->after_close_records != 0)
        row(out, "after-close records", st->after_close_records);
    if (st->clock_steps_back != 0)
        row(out, "clock steps back", st->clock_steps_back);
    row(out, "timed out", st->flows_timed_out);
    row(out, "evicted (--max-flows)", st->flows_evicted);
    row(out, "ICMP errors attached", st->icmp_errors_attached);
    row(out, "ICMP errors unmatched", st->icmp_errors_unmatched);
}

/* The tunnel column of a connection: the context it lives in (and the
 * sibling tunnel the other direction came through) and, for a carrier, how
 * many inner connections it carried ("" when none of these). */
static void conn_tunnel_text(const struct conn *c, char *buf, size_t len)
{
    views_tunnel_text(c->tunnel, c->ctx, buf, len);
    if (c->sibling_tunnel != NULL) { /* (snprintf and views_tunnel_text cut to fit) */
        size_t used = strlen(buf);
        snprintf(buf + used, len - used, "; other direction: ");
        used = strlen(buf);
        views_tunnel_text(c->sibling_tunnel, c->sibling_tunnel->ctx, buf + used, len - used);
    }
    if (c->carried_conns > 0) {
        size_t used = strlen(buf);
        snprintf(buf + used, len - used, "%scarried %u inner %s", used ? "; " : "",
                 (unsigned)c->carried_conns, c->carried_conns == 1 ? "connection" : "connections");
    }
}

/* An endpoint column's width so far (width, which starts at the column's
 * usual width) widened to this row's endpoint: as wide as the longest of the
 * rows shown (an IPv6 endpoint takes up to 47 characters). */
static int endpoint_width(int width, uint8_t ip_version, const struct ip_addr *addr,
                          uint16_t port)
{
    int len = (int)views_endpoint_len(ip_version, addr, port);
    return len > width ? len : width;
}

void output_text_conns(FILE *out, const struct conn *conns, size_t n, size_t top)
{
    size_t lim = top != 0 && top < n ? top : n;
    bool tunnels = false; /* the tunnel column only when a row has something in it */
    int wo = 40, wr = 40, wh = 12; /* endpoints and history: as wide as their longest */
    for (size_t i = 0; i < lim; i++) {
        const struct conn *c = &conns[i];
        tunnels = tunnels || c->ctx != 0 || c->carried_conns > 0;
        wo = endpoint_width(wo, c->ip_version, &c->orig_addr, c->orig_port);
        wr = endpoint_width(wr, c->ip_version, &c->resp_addr, c->resp_port);
        if ((int)strlen(c->zeek.history) > wh)
            wh = (int)strlen(c->zeek.history);
    }
    fprintf(out, "%-18s %-5s %-*s %-*s %-6s %-*s %7s %7s %9s %9s%s\n", "uid", "proto", wo,
            "originator", wr, "responder", "state", wh, "history", "o_pkts", "r_pkts", "o_bytes",
            "r_bytes", tunnels ? "  tunnel" : "");
    for (size_t i = 0; i < lim; i++) {
        const struct conn *c = &conns[i];
        char uid[24], o[80], r[80], ob[16], rb[16];
        conn_uid(c, uid, sizeof(uid));
        views_format_endpoint(c->ip_version, &c->orig_addr, c->orig_port, o, sizeof(o));
        views_format_endpoint(c->ip_version, &c->resp_addr, c->resp_port, r, sizeof(r));
        humanfmt_bytes(c->dir[0].payload_bytes, ob, sizeof(ob));
        humanfmt_bytes(c->dir[1].payload_bytes, rb, sizeof(rb));
        char tt[320] = "";
        if (tunnels)
            conn_tunnel_text(c, tt, sizeof(tt));
        fprintf(out, "%-18s %-5s %-*s %-*s %-6s %-*s %7u %7u %9s %9s%s%s\n", uid,
                services_zeek_proto(c->proto), wo, o, wr, r, zeek_conn_state(&c->zeek), wh,
                c->zeek.history[0] ? c->zeek.history : "-", c->dir[0].pkts, c->dir[1].pkts, ob, rb,
                tunnels ? "  " : "", tunnels ? (tt[0] ? tt : "-") : "");
    }
    if (lim < n)
        fprintf(out, "... %zu more (--top)\n", n - lim);
}

/* ---- views ---- */

#define C_RESET  "\033[0m"
#define C_GREEN  "\033[32m"
#define C_RED    "\033[31m"
#define C_YELLOW "\033[33m"
#define C_BOLD   "\033[1m"

static const char *status_color(enum port_status s)
{
    switch (s) {
    case PORT_OPEN: return C_GREEN;
    case PORT_CLOSED: return C_RED;
    case PORT_FILTERED: return C_YELLOW;
    case PORT_UNKNOWN: return "";
    }
    return "";
}

/* Prints s left-aligned in width w, wrapped in color when asked. */
static void put_col(FILE *out, const struct text_opts *o, const char *color, const char *s, int w)
{
    if (o->color && color[0] != '\0')
        fprintf(out, "%s%-*s%s", color, w, s, C_RESET);
    else
        fprintf(out, "%-*s", w, s);
}

static void heading(FILE *out, const struct text_opts *o, const char *title)
{
    if (o->color)
        fprintf(out, C_BOLD "%s" C_RESET "\n", title);
    else
        fprintf(out, "%s\n", title);
}

struct order_key {
    uint64_t key;
    size_t idx;
};

static int order_cmp(const void *a, const void *b)
{
    const struct order_key *x = a, *y = b;
    if (x->key != y->key)
        return x->key > y->key ? -1 : 1;
    return x->idx < y->idx ? -1 : x->idx > y->idx;
}

/* Row order for view: sorted by o->sort when it applies, else natural. NULL
 * on allocation failure (then the caller prints in natural order). */
static size_t *row_order(const struct views *v, const char *view, size_t n,
                         const struct text_opts *o, bool *sorted)
{
    *sorted = false;
    size_t *ord = malloc((n ? n : 1) * sizeof(*ord));
    if (ord == NULL)
        return NULL;
    for (size_t i = 0; i < n; i++)
        ord[i] = i;
    if (o->sort == NULL || !views_sort_key(NULL, view, o->sort, 0, NULL) || n == 0)
        return ord;
    struct order_key *k = malloc(n * sizeof(*k));
    if (k == NULL)
        return ord;
    for (size_t i = 0; i < n; i++) {
        k[i].idx = i;
        views_sort_key(v, view, o->sort, i, &k[i].key);
    }
    qsort(k, n, sizeof(*k), order_cmp);
    for (size_t i = 0; i < n; i++)
        ord[i] = k[i].idx;
    free(k);
    *sorted = true;
    return ord;
}

static size_t row_limit(const struct text_opts *o, size_t n)
{
    return o->top != 0 && o->top < n ? o->top : n;
}

void output_text_summary(FILE *out, const struct capture_stats *st, const struct views *v)
{
    char hb[HUMANFMT_SIZE], a[TIMEFMT_ISO_SIZE], b[TIMEFMT_ISO_SIZE], d[TIMEFMT_DURATION_SIZE];
    humanfmt_bytes(st->bytes, hb, sizeof(hb));
    fprintf(out, "sockscope: %" PRIu64 " frame%s (%s)", st->frames, st->frames == 1 ? "" : "s", hb);
    if (st->frames > 0) {
        timefmt_iso(st->first_ts, a, sizeof(a));
        timefmt_iso(st->last_ts, b, sizeof(b));
        timefmt_duration(st->last_ts - st->first_ts, d, sizeof(d));
        fprintf(out, " from %s to %s (%s)", a, b, d);
    }
    uint64_t by[4] = {0, 0, 0, 0};
    for (size_t i = 0; i < v->n_ports; i++)
        if (v->ports[i].status < 4)
            by[v->ports[i].status]++;
    fprintf(out, "\n%zu %s, %zu %s (%" PRIu64 " open, %" PRIu64 " closed, %" PRIu64
                 " filtered, %" PRIu64 " unknown), %zu %s, %zu %s\n",
            v->n_conns, v->n_conns == 1 ? "connection" : "connections", v->n_ports,
            v->n_ports == 1 ? "port" : "ports", by[PORT_OPEN], by[PORT_CLOSED], by[PORT_FILTERED],
            by[PORT_UNKNOWN], v->n_socks, v->n_socks == 1 ? "socket" : "sockets", v->n_hosts,
            v->n_hosts == 1 ? "host" : "hosts");
}

/* The tunnel column of a port: the context it lives in and, for a tunnel
 * endpoint, the inner sockets its connections carried ("" when neither). */
static void port_tunnel_text(const struct view_port *p, char *buf, size_t len)
{
    views_tunnel_text(p->tunnel, p->ctx, buf, len);
    if (p->carried_sockets > 0 || p->carried_conns > 0) {
        size_t used = strlen(buf);
        snprintf(buf + used, len - used, "%scarrying %" PRIu64 " inner %s", used ? "; " : "",
                 p->carried_sockets, p->carried_sockets == 1 ? "socket" : "sockets");
    }
}

/* The detected protocols of a port, "!" when one is not the IANA service of
 * the port ("" when none). */
static void port_detected_text(const struct view_port *p, char *det, size_t len)
{
    det[0] = '\0';
    for (unsigned k = 0; k < p->n_detected; k++)
        snprintf(det + strlen(det), len - strlen(det), "%s%s", k ? "," : "", p->detected[k]);
    if (p->detected_more)
        snprintf(det + strlen(det), len - strlen(det), ",...");
    if (p->mismatch)
        snprintf(det + strlen(det), len - strlen(det), " !");
}

void output_text_ports(FILE *out, const struct views *v, const struct text_opts *o)
{
    bool tunnels = false; /* the tunnel column only when a port has something in it */
    for (size_t i = 0; i < v->n_ports && !tunnels; i++)
        tunnels = v->ports[i].ctx != 0 || v->ports[i].carried_sockets > 0 ||
                  v->ports[i].carried_conns > 0;
    heading(out, o, "Ports (service endpoints)");
    bool sorted;
    size_t *ord = row_order(v, "ports", v->n_ports, o, &sorted);
    size_t lim = row_limit(o, v->n_ports);
    int wa = 30, ws = 12, wd = 16; /* address, service and detected: as wide as their longest */
    for (size_t r = 0; r < lim; r++) {
        const struct view_port *p = &v->ports[ord ? ord[r] : r];
        char det[96];
        wa = endpoint_width(wa, p->ip_version, &p->addr, p->port);
        if (p->service != NULL && (int)strlen(p->service) > ws)
            ws = (int)strlen(p->service);
        port_detected_text(p, det, sizeof(det));
        if ((int)strlen(det) > wd)
            wd = (int)strlen(det);
    }
    fprintf(out, "%-5s %-*s %-*s %-*s %-9s %-22s %6s %5s %5s %5s %5s %7s %5s %9s %9s %s%s\n",
            "proto", wa, "address:port", ws, "service", wd, "detected", "status", "evidence", "conns", "done", "rej", "rst",
            "peak", "remotes", "hosts", "bytes_in", "bytes_out", tunnels ? "listener  " : "listener",
            tunnels ? "tunnel" : "");
    for (size_t r = 0; r < lim; r++) {
        const struct view_port *p = &v->ports[ord ? ord[r] : r];
        char ep[80], bi[HUMANFMT_SIZE], bo[HUMANFMT_SIZE], l[64];
        views_format_endpoint(p->ip_version, &p->addr, p->port, ep, sizeof(ep));
        humanfmt_bytes(p->bytes_in, bi, sizeof(bi));
        humanfmt_bytes(p->bytes_out, bo, sizeof(bo));
        if (p->has_listener)
            snprintf(l, sizeof(l), "LISTEN");
        else
            snprintf(l, sizeof(l), "-");
        if (p->syn_recv_peak >= VIEWS_SYN_RECV_PILEUP)
            snprintf(l + strlen(l), sizeof(l) - strlen(l), ", SYN_RECV pile-up %" PRIu64,
                     p->syn_recv_peak);
        char tt[320] = "";
        if (tunnels) {
            port_tunnel_text(p, tt, sizeof(tt));
            size_t ll = strlen(l);
            snprintf(l + ll, sizeof(l) - ll, "%*s", ll < 8 ? (int)(8 - ll) : 0, "");
        }
        char det[96];
        port_detected_text(p, det, sizeof(det));
        fprintf(out, "%-5s %-*s %-*s %-*s ", services_proto_name(p->proto), wa, ep, ws,
                p->service ? p->service : "-", wd, det[0] ? det : "-");
        put_col(out, o, status_color((enum port_status)p->status),
                views_status_name((enum port_status)p->status), 9);
        fprintf(out, " %-22s %6" PRIu64 " %5" PRIu64 " %5" PRIu64 " %5" PRIu64 " %5" PRIu64
                     " %7" PRIu64 " %5" PRIu64 " %9s %9s %s%s%s\n",
                views_evidence_name((enum port_evidence)p->evidence), p->n_conns, p->n_completed,
                p->n_rejected, p->n_reset, p->peak_concurrent, p->remote_sockets, p->remote_hosts,
                bi, bo, l, tunnels ? "  " : "", tunnels ? (tt[0] ? tt : "-") : "");
    }
    if (lim < v->n_ports)
        fprintf(out, "... %zu more (--top)\n", v->n_ports - lim);
    free(ord);
}

/* "SYN_SENT+0s ESTABLISHED+0.000s ..." for side's transitions, relative to the connection start */
static void transitions_text(const struct view_socket *s, char *buf, size_t len)
{
    const struct conn *c = s->conn;
    size_t used = 0;
    buf[0] = '\0';
    for (unsigned i = 0; i < c->n_transitions && i < CONN_MAX_TRANSITIONS; i++) {
        const struct conn_transition *t = &c->transitions[i];
        if (t->side != s->side)
            continue;
        char d[TIMEFMT_DURATION_SIZE];
        timefmt_duration(t->dt_ns, d, sizeof(d));
        int w = snprintf(buf + used, len - used, "%s%s@%s", used ? " " : "",
                         tcp_state_name((enum tcp_state)t->to), d);
        if (w < 0 || (size_t)w >= len - used)
            return;
        used += (size_t)w;
    }
    if (s->time_wait_end_ts > c->first_ts) { /* the end of TIME_WAIT the views applied */
        char d[TIMEFMT_DURATION_SIZE];
        timefmt_duration(s->time_wait_end_ts - c->first_ts, d, sizeof(d));
        snprintf(buf + used, len - used, "%s%s@%s", used ? " " : "",
                 tcp_state_name(TCP_ST_CLOSED), d);
    }
}

static void diag_text(const struct view_socket *s, char *buf, size_t len)
{
    const struct conn *c = s->conn;
    size_t used = 0;
    buf[0] = '\0';
    struct view_refusal r;
    if ((s->diag & SOCK_D_REFUSED) && views_conn_refusal(c, &r)) {
        char from[64];
        ip_addr_format(&r.from, r.ip_version, from, sizeof(from));
        if (strcmp(r.kind, "icmp") == 0)
            used += (size_t)snprintf(buf, len, "refused_by=icmp %u/%u from %s", r.icmp_type,
                                     r.icmp_code, from);
        else
            used += (size_t)snprintf(buf, len, "refused_by=%s from %s", r.kind, from);
    }
    for (uint32_t bit = SOCK_D_REFUSED << 1; bit <= SOCK_D_LAST; bit <<= 1) {
        if (!(s->diag & bit) || used >= len)
            continue;
        int w = snprintf(buf + used, len - used, "%s%s", used ? "," : "", views_diag_name(bit));
        if (w < 0)
            break;
        used += (size_t)w;
    }
    if (used == 0)
        snprintf(buf, len, "-");
}

/* Prints one socket row; with_tunnel appends the tunnel it is in (for sorted
 * output, where no group heading says it). */
static void socket_row(FILE *out, const struct view_socket *s, const struct text_opts *o,
                       bool with_tunnel, int wl, int wr)
{
    char loc[80], rem[80], uid[24], sb[HUMANFMT_SIZE], rb[HUMANFMT_SIZE], pk[32], tr[512],
        dg[160];
    views_format_endpoint(s->ip_version, &s->local_addr, s->local_port, loc, sizeof(loc));
    views_format_endpoint(s->ip_version, &s->remote_addr, s->remote_port, rem, sizeof(rem));
    conn_uid(s->conn, uid, sizeof(uid));
    humanfmt_bytes(s->bytes_sent, sb, sizeof(sb));
    humanfmt_bytes(s->bytes_recv, rb, sizeof(rb));
    snprintf(pk, sizeof(pk), "%u/%u", s->pkts_sent, s->pkts_recv);
    transitions_text(s, tr, sizeof(tr));
    diag_text(s, dg, sizeof(dg));
    const char *st = views_socket_state_text(s);
    fprintf(out, "  %-5s %-*s %-*s %-7s %-18s ", services_proto_name(s->proto), wl, loc, wr, rem,
            views_role_name((enum sock_role)s->role), uid);
    put_col(out, o, s->diag & (SOCK_D_CLOSE_WAIT_AT_END | SOCK_D_FIN_WAIT_2_AT_END) ? C_YELLOW : "",
            st, 12);
    fprintf(out, " %9s %9s %9s  %-s  %s", sb, rb, pk, dg, tr[0] ? tr : "-");
    if (with_tunnel && s->conn->ctx != 0) {
        char tt[256];
        views_tunnel_text(s->conn->tunnel, s->conn->ctx, tt, sizeof(tt));
        fprintf(out, "  [in %s]", tt);
    }
    fputc('\n', out);
}

/* Same local endpoint and tunnel context: one group of the sockets view. */
static bool same_local(const struct view_socket *a, const struct view_socket *b)
{
    return a->proto == b->proto && a->local_port == b->local_port &&
           a->ip_version == b->ip_version && a->conn->ctx == b->conn->ctx &&
           memcmp(a->local_addr.b, b->local_addr.b, 16) == 0;
}

void output_text_sockets(FILE *out, const struct views *v, const struct text_opts *o)
{
    heading(out, o, "Sockets (one per end of each connection)");
    bool sorted;
    size_t *ord = row_order(v, "sockets", v->n_socks, o, &sorted);
    size_t lim = row_limit(o, v->n_socks);
    int wl = 26, wr = 26;
    for (size_t r = 0; r < lim; r++) {
        const struct view_socket *s = &v->socks[ord ? ord[r] : r];
        wl = endpoint_width(wl, s->ip_version, &s->local_addr, s->local_port);
        wr = endpoint_width(wr, s->ip_version, &s->remote_addr, s->remote_port);
    }
    fprintf(out, "  %-5s %-*s %-*s %-7s %-18s %-12s %9s %9s %9s  %s  %s\n", "proto", wl, "local",
            wr, "remote", "role", "uid", "state", "sent", "recv", "pkts s/r", "diagnostics",
            "transitions (since connection start)");
    for (size_t r = 0; r < lim; r++) {
        size_t i = ord ? ord[r] : r;
        const struct view_socket *s = &v->socks[i];
        bool new_group = r == 0 || sorted;
        if (!sorted && r > 0) {
            const struct view_socket *prev = &v->socks[ord ? ord[r - 1] : r - 1];
            new_group = !same_local(prev, s);
        }
        if (new_group && !sorted) {
            char ep[80], tt[320] = "";
            views_format_endpoint(s->ip_version, &s->local_addr, s->local_port, ep, sizeof(ep));
            size_t n = 1;
            while (i + n < v->n_socks && same_local(&v->socks[i + n], s))
                n++;
            if (s->conn->ctx != 0) {
                strcpy(tt, ", in ");
                views_tunnel_text(s->conn->tunnel, s->conn->ctx, tt + 5, sizeof(tt) - 5);
            }
            if (s->port_index >= 0) {
                const struct view_port *p = &v->ports[s->port_index];
                size_t used = strlen(tt);
                if (p->carried_sockets > 0)
                    snprintf(tt + used, sizeof(tt) - used, ", carrying %" PRIu64 " inner %s",
                             p->carried_sockets, p->carried_sockets == 1 ? "socket" : "sockets");
                const char *group = addr_group_name((enum addr_group)p->group);
                fprintf(out, "%s %s: %s%sport, %s%s, %zu %s%s\n", services_proto_name(s->proto),
                        ep, group ? group : "", group ? " group " : "",
                        views_status_name((enum port_status)p->status),
                        p->has_listener ? ", listener in LISTEN" : "", n,
                        n == 1 ? "socket" : "sockets", tt);
            } else {
                fprintf(out, "%s %s: %s endpoint, %zu %s%s\n", services_proto_name(s->proto), ep,
                        s->role == ROLE_CLIENT ? "client" : "local", n,
                        n == 1 ? "socket" : "sockets", tt);
            }
        }
        socket_row(out, s, o, sorted, wl, wr);
    }
    if (lim < v->n_socks)
        fprintf(out, "... %zu more (--top)\n", v->n_socks - lim);
    free(ord);
}

void output_text_hosts(FILE *out, const struct views *v, const struct text_opts *o)
{
    bool tunnels = false; /* the tunnel column only when a host is inside a tunnel */
    for (size_t i = 0; i < v->n_hosts && !tunnels; i++)
        tunnels = v->hosts[i].ctx != 0;
    heading(out, o, "Hosts");
    fprintf(out, "%-40s %5s %5s %6s %6s %7s %-13s %8s %6s %9s  ", "address", "ports", "open",
            "client", "server", "unknown", "ephemeral", "distinct", "reuses", "in_tw");
    if (tunnels)
        fprintf(out, "%-20s  %s\n", "listening", "tunnel");
    else
        fprintf(out, "%s\n", "listening");
    bool sorted;
    size_t *ord = row_order(v, "hosts", v->n_hosts, o, &sorted);
    size_t lim = row_limit(o, v->n_hosts);
    for (size_t r = 0; r < lim; r++) {
        const struct view_host *h = &v->hosts[ord ? ord[r] : r];
        char a[64], eph[24], lp[256];
        ip_addr_format(&h->addr, h->ip_version, a, sizeof(a));
        if (h->has_ephemeral)
            snprintf(eph, sizeof(eph), "%u-%u", h->eph_min, h->eph_max);
        else
            snprintf(eph, sizeof(eph), "-");
        size_t used = 0, first, end;
        lp[0] = '\0';
        views_host_port_range(v, h, &first, &end);
        for (size_t i = first; i < end && used < sizeof(lp); i++) {
            const struct view_port *p = &v->ports[i];
            if (p->status != PORT_OPEN || p->ctx != h->ctx || p->ip_version != h->ip_version ||
                memcmp(p->addr.b, h->addr.b, 16) != 0)
                continue;
            int w = snprintf(lp + used, sizeof(lp) - used, "%s%s/%u", used ? " " : "",
                             services_proto_name(p->proto), p->port);
            if (w < 0)
                break;
            used += (size_t)w;
        }
        fprintf(out, "%-40s %5" PRIu64 " %5" PRIu64 " %6" PRIu64 " %6" PRIu64 " %7" PRIu64
                     " %-13s %8" PRIu64 " %6" PRIu64 " %9" PRIu64 "  ",
                a, h->n_ports, h->n_listening, h->n_client, h->n_server, h->n_unknown, eph,
                h->eph_distinct, h->tuple_reuses, h->reuse_in_time_wait);
        if (tunnels) {
            char tt[256];
            views_tunnel_text(h->tunnel, h->ctx, tt, sizeof(tt));
            fprintf(out, "%-20s  %s\n", lp[0] ? lp : "-", tt[0] ? tt : "-");
        } else {
            fprintf(out, "%s\n", lp[0] ? lp : "-");
        }
    }
    if (lim < v->n_hosts)
        fprintf(out, "... %zu more (--top)\n", v->n_hosts - lim);
    free(ord);
}

void output_text_conn_view(FILE *out, const struct views *v, const struct text_opts *o)
{
    heading(out, o, "Connections");
    bool sorted;
    size_t *ord = row_order(v, "conns", v->n_conns, o, &sorted);
    if (!sorted || ord == NULL) {
        free(ord);
        output_text_conns(out, v->conns, v->n_conns, o->top);
        return;
    }
    struct conn *tmp = malloc((v->n_conns ? v->n_conns : 1) * sizeof(*tmp));
    if (tmp == NULL) {
        output_text_conns(out, v->conns, v->n_conns, o->top);
    } else {
        for (size_t i = 0; i < v->n_conns; i++)
            tmp[i] = v->conns[ord[i]];
        output_text_conns(out, tmp, v->n_conns, o->top);
        free(tmp);
    }
    free(ord);
}
