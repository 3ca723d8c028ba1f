/* netstat.c - netstat -an at a moment, from the views (net-tools column layout). */
#include "netstat.h"

#include <stdlib.h>
#include <string.h>

#include "analyzer.h"

const char *netstat_proto_name(const struct netstat_row *r)
{
    if (r->proto == IPPROTO_NUM_TCP)
        return r->ip_version == 6 ? "tcp6" : "tcp";
    return r->ip_version == 6 ? "udp6" : "udp";
}

static void fmt_addr(uint8_t ip_version, const struct ip_addr *a, uint16_t port, bool any,
                     char *buf, size_t len)
{
    char s[64];
    if (any) {
        snprintf(buf, len, "%s:*", ip_version == 6 ? "::" : "0.0.0.0");
        return;
    }
    ip_addr_format(a, ip_version, s, sizeof(s));
    snprintf(buf, len, "%s:%u", s, port); /* net-tools puts no brackets around IPv6 */
}

void netstat_format_local(const struct netstat_row *r, char *buf, size_t len)
{
    fmt_addr(r->ip_version, &r->local_addr, r->local_port, false, buf, len);
}

void netstat_format_remote(const struct netstat_row *r, char *buf, size_t len)
{
    fmt_addr(r->ip_version, &r->remote_addr, r->remote_port, r->remote_any, buf, len);
}

static int table_of(const struct netstat_row *r)
{
    return (r->proto == IPPROTO_NUM_TCP ? 0 : 2) + (r->ip_version == 6 ? 1 : 0);
}

static int row_cmp(const void *a, const void *b)
{
    const struct netstat_row *x = a, *y = b;
    if (x->ctx != y->ctx)
        return x->ctx < y->ctx ? -1 : 1;
    int tx = table_of(x), ty = table_of(y);
    if (tx != ty)
        return tx < ty ? -1 : 1;
    bool lx = x->sock == NULL, ly = y->sock == NULL;
    if (lx != ly)
        return lx ? -1 : 1;
    if (lx)
        return x->port_index < y->port_index ? -1 : x->port_index > y->port_index;
    const struct conn *cx = x->sock->conn, *cy = y->sock->conn;
    if (cx->first_ts != cy->first_ts)
        return cx->first_ts < cy->first_ts ? -1 : 1;
    if (cx->incarnation != cy->incarnation)
        return cx->incarnation < cy->incarnation ? -1 : 1;
    if (cx->id != cy->id)
        return cx->id < cy->id ? -1 : 1;
    return x->sock->side < y->sock->side ? -1 : x->sock->side > y->sock->side;
}

static bool same_host(uint8_t va, const struct ip_addr *a, uint8_t vb, const struct ip_addr *b)
{
    return va == vb && memcmp(a->b, b->b, va == 6 ? 16 : 4) == 0;
}

int netstat_rows(const struct views *v, uint8_t ip_version, const struct ip_addr *host,
                 uint64_t ts_ns, struct netstat_row **rows, size_t *n, struct ss_err *err)
{
    *rows = NULL;
    *n = 0;
    ts_ns = analyzer_track_ts(ts_ns); /* the epoch itself: as its frames were tracked */
    size_t cap = v->n_ports + v->n_socks;
    if (cap == 0)
        return 0;
    struct netstat_row *r = calloc(cap, sizeof(*r));
    if (r == NULL) {
        ss_err_set(err, "out of memory");
        return -1;
    }
    size_t k = 0;
    for (size_t i = 0; i < v->n_ports; i++) {
        const struct view_port *p = &v->ports[i];
        if (!same_host(p->ip_version, &p->addr, ip_version, host))
            continue;
        bool listening;
        if (p->proto == IPPROTO_NUM_TCP)
            listening = p->has_listener && p->listener_since_ts <= ts_ns;
        else if (p->proto == IPPROTO_NUM_UDP)
            listening = p->status == PORT_OPEN && p->evidence_ts <= ts_ns;
        else
            listening = false;
        if (!listening)
            continue;
        struct netstat_row *w = &r[k++];
        w->proto = p->proto;
        w->ip_version = p->ip_version;
        w->local_addr = p->addr;
        w->local_port = p->port;
        w->remote_any = true;
        w->has_state = p->proto == IPPROTO_NUM_TCP;
        w->state = TCP_ST_LISTEN;
        w->port_index = (long)i;
        w->ctx = p->ctx;
        w->tunnel = p->tunnel;
    }
    for (size_t i = 0; i < v->n_socks; i++) {
        const struct view_socket *s = &v->socks[i];
        if (!same_host(s->ip_version, &s->local_addr, ip_version, host))
            continue;
        if (s->proto != IPPROTO_NUM_TCP && s->proto != IPPROTO_NUM_UDP)
            continue;
        enum tcp_state st;
        if (s->superseded_ts != 0 && ts_ns >= s->superseded_ts)
            continue; /* the 5-tuple's next incarnation replaced it */
        if (!views_socket_state_at(s->conn, s->side, ts_ns, v->end_ts, v->two_msl_ns, &st))
            continue;
        if (s->proto == IPPROTO_NUM_TCP && st == TCP_ST_CLOSED)
            continue;
        /* a UDP server answers from its one unconnected socket: the LISTEN-like row */
        if (s->proto == IPPROTO_NUM_UDP && s->port_index >= 0 &&
            v->ports[s->port_index].status == PORT_OPEN)
            continue;
        struct netstat_row *w = &r[k++];
        w->proto = s->proto;
        w->ip_version = s->ip_version;
        w->local_addr = s->local_addr;
        w->local_port = s->local_port;
        w->remote_addr = s->remote_addr;
        w->remote_port = s->remote_port;
        w->has_state = s->proto == IPPROTO_NUM_TCP;
        w->state = (uint8_t)st;
        w->port_index = -1;
        w->sock = s;
        w->ctx = s->conn->ctx;
        w->tunnel = s->conn->tunnel;
    }
    if (k == 0) {
        free(r);
        return 0;
    }
    qsort(r, k, sizeof(*r), row_cmp);
    *rows = r;
    *n = k;
    return 0;
}

/* One netstat block: the two header lines and rows[0..n). */
static void print_block(FILE *out, const struct netstat_row *rows, size_t n)
{
    fprintf(out, "Active Internet connections (servers and established)\n");
    fprintf(out, "Proto Recv-Q Send-Q Local Address           Foreign Address         State      \n");
    for (size_t i = 0; i < n; i++) {
        char la[80], ra[80];
        netstat_format_local(&rows[i], la, sizeof(la));
        netstat_format_remote(&rows[i], ra, sizeof(ra));
        int lw = strlen(la) > 23 ? (int)strlen(la) : 23;
        int rw = strlen(ra) > 23 ? (int)strlen(ra) : 23;
        fprintf(out, "%-4s  %6d %6d %-*s %-*s %-11s\n", netstat_proto_name(&rows[i]), 0, 0, lw,
                la, rw, ra,
                rows[i].has_state ? tcp_state_netstat_name((enum tcp_state)rows[i].state) : "");
    }
}

void netstat_print(FILE *out, const struct netstat_row *rows, size_t n)
{
    bool tunnelled = false;
    for (size_t i = 0; i < n && !tunnelled; i++)
        tunnelled = rows[i].ctx != 0;
    if (!tunnelled) { /* the plain net-tools output */
        print_block(out, rows, n);
        return;
    }
    for (size_t i = 0; i < n;) {
        size_t j = i + 1;
        while (j < n && rows[j].ctx == rows[i].ctx)
            j++;
        if (i > 0)
            fputc('\n', out);
        if (rows[i].ctx == 0) {
            fprintf(out, "Not tunnelled:\n");
        } else {
            char tt[256];
            views_tunnel_text(rows[i].tunnel, rows[i].ctx, tt, sizeof(tt));
            fprintf(out, "Tunnel: %s\n", tt);
        }
        print_block(out, rows + i, j - i);
        i = j;
    }
}

json_t *netstat_row_json(const struct views *v, const struct netstat_row *r)
{
    char a[64];
    json_t *o = json_object();
    json_object_set_new(o, "proto", json_string(netstat_proto_name(r)));
    ip_addr_format(&r->local_addr, r->ip_version, a, sizeof(a));
    json_object_set_new(o, "local_addr", json_string(a));
    json_object_set_new(o, "local_port", json_integer(r->local_port));
    if (r->remote_any) {
        json_object_set_new(o, "remote_addr", json_string(r->ip_version == 6 ? "::" : "0.0.0.0"));
        json_object_set_new(o, "remote_port", json_null());
    } else {
        ip_addr_format(&r->remote_addr, r->ip_version, a, sizeof(a));
        json_object_set_new(o, "remote_addr", json_string(a));
        json_object_set_new(o, "remote_port", json_integer(r->remote_port));
    }
    json_object_set_new(o, "state", r->has_state
                                        ? json_string(tcp_state_netstat_name((enum tcp_state)r->state))
                                        : json_null());
    char uid[24];
    if (r->sock != NULL) {
        conn_uid(r->sock->conn, uid, sizeof(uid));
        json_object_set_new(o, "uid", json_string(uid));
    } else {
        json_object_set_new(o, "uid", json_null());
    }
    if (r->ctx != 0) {
        char tt[256];
        views_tunnel_text(r->tunnel, r->ctx, tt, sizeof(tt));
        json_object_set_new(o, "tunnel", json_string(tt));
    }
    (void)v;
    return o;
}
