/* explain.c - plain-English accounts of endpoints and hosts (DESIGN.md vocabulary). */
#include "explain.h"

#include <inttypes.h>
#include <string.h>

#include "services.h"
#include "timefmt.h"

static bool same_addr(uint8_t va, const struct ip_addr *a, uint8_t vb, const struct ip_addr *b)
{
    return va == vb && memcmp(a->b, b->b, va == 6 ? 16 : 4) == 0;
}

static const char *plural(uint64_t n, const char *one, const char *many)
{
    return n == 1 ? one : many;
}

static const char *evidence_text(enum port_evidence e)
{
    switch (e) {
    case PEV_SYN_ACK: return "it answered a SYN with SYN-ACK";
    case PEV_SIMULTANEOUS: return "a simultaneous open completed on it (both ends sent SYNs)";
    case PEV_UDP_REPLY: return "it answered a datagram";
    case PEV_RST: return "it answered a SYN with RST";
    case PEV_SCTP_ABORT: return "it answered an INIT with ABORT";
    case PEV_ICMP_PORT_UNREACH: return "an ICMP port unreachable came back";
    case PEV_ICMP_PROHIBITED: return "an ICMP administratively-prohibited came back";
    case PEV_SYN_UNANSWERED: return "SYNs to it were never answered";
    case PEV_ICMP_OTHER: return "an ICMP destination unreachable came back";
    case PEV_MIDSTREAM: return "only mid-stream traffic was seen";
    case PEV_UDP_UNANSWERED: return "datagrams to it were never answered";
    case PEV_GROUP:
        return "it is on a group address: datagrams to it reach a socket on every member "
               "host, and the members answer from their own addresses";
    }
    return "?";
}

/* The remote endpoint column's width for socks[0..n): 28, or the longest. */
static int remote_width(const struct view_socket *const *socks, size_t n)
{
    int w = 28;
    for (size_t i = 0; i < n; i++) {
        int len = (int)views_endpoint_len(socks[i]->ip_version, &socks[i]->remote_addr,
                                          socks[i]->remote_port);
        if (len > w)
            w = len;
    }
    return w;
}

static void print_socket_line(FILE *out, const struct view_socket *s, int width)
{
    char rem[80], uid[24];
    views_format_endpoint(s->ip_version, &s->remote_addr, s->remote_port, rem, sizeof(rem));
    conn_uid(s->conn, uid, sizeof(uid));
    fprintf(out, "    -> %-*s %-8s %-12s %s", width, rem, views_role_name((enum sock_role)s->role),
            views_socket_state_text(s), uid);
    if (s->conn->incarnation > 1)
        fprintf(out, " (incarnation %" PRIu32 ")", s->conn->incarnation);
    fputc('\n', out);
}

/* Reports 4-tuples among socks[0..n) (same local endpoint) used more than once. */
static void print_reuse(FILE *out, const struct view_socket *const *socks, size_t n)
{
    bool any = false;
    for (size_t i = 0; i < n; i++) {
        const struct conn *c = socks[i]->conn;
        if (c->incarnation < 2)
            continue;
        char loc[80], rem[80], uid[24], gap[TIMEFMT_DURATION_SIZE];
        views_format_endpoint(socks[i]->ip_version, &socks[i]->local_addr, socks[i]->local_port,
                              loc, sizeof(loc));
        views_format_endpoint(socks[i]->ip_version, &socks[i]->remote_addr,
                              socks[i]->remote_port, rem, sizeof(rem));
        conn_uid(c, uid, sizeof(uid));
        timefmt_duration(c->prev_close_gap_ns, gap, sizeof(gap));
        fprintf(out, "  4-tuple reuse: %s %s <-> %s is incarnation %" PRIu32 " (%s), started %s after the previous one closed%s.\n",
                services_proto_name(c->proto), loc, rem, c->incarnation, uid, gap,
                (c->flags & CONN_F_REUSE_IN_TIME_WAIT) ? ", before TIME_WAIT ran out" : "");
        any = true;
    }
    if (!any)
        fprintf(out, "  4-tuple reuse: none (every connection here has its own 4-tuple).\n");
}

/* The next tunnel context after *ctx (or the first, when first) in which the
 * endpoint (proto, addr, port) has a port or a socket; false when none is left. */
static bool next_ctx(const struct views *v, uint8_t proto, uint8_t ipv, const struct ip_addr *addr,
                     uint16_t port, bool first, uint32_t *ctx)
{
    bool found = false;
    uint32_t best = 0;
    for (size_t i = 0; i < v->n_socks; i++) {
        const struct view_socket *s = &v->socks[i];
        uint32_t c = s->conn->ctx;
        if (s->proto != proto || s->local_port != port ||
            !same_addr(s->ip_version, &s->local_addr, ipv, addr) || (!first && c <= *ctx))
            continue;
        if (!found || c < best)
            best = c;
        found = true;
    }
    /* a port always has sockets, so the sockets above cover every port's context */
    if (found)
        *ctx = best;
    return found;
}

/* The tunnel lines of an endpoint in context ctx: which tunnel it is inside,
 * and what a tunnel endpoint carried. */
static void print_tunnel(FILE *out, const struct views *v, long pi,
                         const struct view_socket *const *socks, size_t n)
{
    if (n > 0 && socks[0]->conn->ctx != 0) {
        char tt[320];
        views_tunnel_text(socks[0]->conn->tunnel, socks[0]->conn->ctx, tt, sizeof(tt));
        fprintf(out, "  Inside tunnel %s (its connections name the carriers in tunnel_parents):\n",
                tt);
    }
    if (pi >= 0 && (v->ports[pi].carried_conns > 0 || v->ports[pi].carried_sockets > 0)) {
        const struct view_port *p = &v->ports[pi];
        fprintf(out, "  Tunnel endpoint: its connections carried %" PRIu64 " inner %s (%" PRIu64
                     " inner %s); those are reported on their own, inside the tunnel.\n",
                p->carried_conns, plural(p->carried_conns, "connection", "connections"),
                p->carried_sockets, plural(p->carried_sockets, "socket", "sockets"));
    }
}

/* The account of endpoint (proto, addr, port) in tunnel context ctx; false
 * (nothing printed) when it has neither a port nor a socket there. */
static bool explain_endpoint_ctx(FILE *out, const struct views *v, uint8_t proto, uint32_t ctx,
                                 uint8_t ipv, const struct ip_addr *addr, uint16_t port)
{
    char ep[80], host[64], ts[TIMEFMT_ISO_SIZE];
    views_format_endpoint(ipv, addr, port, ep, sizeof(ep));
    ip_addr_format(addr, ipv, host, sizeof(host));
    const char *pn = services_proto_name(proto);
    long pi = views_find_port_ctx(v, ctx, proto, ipv, addr, port);
    /* the sockets on this endpoint (n_all: one per connection, the first 64
     * kept), n of them that existed; of the sides that had none, those that
     * still sent a packet: a TCP host's RST for a closed port */
    size_t n_all = 0, n = 0, n_refused = 0;
    const struct view_socket *socks[64];
    for (size_t i = 0; i < v->n_socks; i++) {
        const struct view_socket *s = &v->socks[i];
        if (s->proto != proto || s->local_port != port || s->conn->ctx != ctx ||
            !same_addr(s->ip_version, &s->local_addr, ipv, addr))
            continue;
        if (n_all < sizeof(socks) / sizeof(socks[0]))
            socks[n_all] = s;
        n_all++;
        if (views_socket_existed(s))
            n++;
        else if (s->pkts_sent > 0)
            n_refused++;
    }
    if (pi < 0 && n_all == 0)
        return false;
    size_t shown = n_all < 64 ? n_all : 64;
    print_tunnel(out, v, pi, socks, shown);
    if (pi >= 0) {
        const struct view_port *p = &v->ports[pi];
        const char *group = addr_group_name((enum addr_group)p->group);
        char owner[192];
        if (group != NULL)
            snprintf(owner, sizeof(owner), "the %s address %s, not of one host: every member host"
                                           " has a socket of its own on it", group, host);
        else
            snprintf(owner, sizeof(owner), "host %s", host);
        fprintf(out, "  %s %s is a port (service endpoint) of %s; IANA service: %s.\n", pn, ep,
                owner, p->service ? p->service : "none registered in sockscope's table");
        timefmt_iso(p->evidence_ts, ts, sizeof(ts));
        fprintf(out, "  Status: %s: %s (first seen %s).\n",
                views_status_name((enum port_status)p->status),
                evidence_text((enum port_evidence)p->evidence), ts);
        if (p->has_listener) {
            timefmt_iso(p->listener_since_ts, ts, sizeof(ts));
            fprintf(out, "  A listener accepted on it: a socket in LISTEN on %s, inferred from the SYN-ACKs (from %s).\n",
                    ep, ts);
        } else if (proto == IPPROTO_NUM_TCP) {
            fprintf(out, "  No listener was seen accepting on it.\n");
        }
        timefmt_iso(p->peak_ts, ts, sizeof(ts));
        fprintf(out, "  %" PRIu64 " %s (%" PRIu64 " completed, %" PRIu64 " rejected, %" PRIu64
                     " reset), at most %" PRIu64 " at once (%s), from %" PRIu64
                     " remote %s on %" PRIu64 " %s.\n",
                p->n_conns, plural(p->n_conns, "connection", "connections"), p->n_completed,
                p->n_rejected, p->n_reset, p->peak_concurrent, ts, p->remote_sockets,
                plural(p->remote_sockets, "socket", "sockets"), p->remote_hosts,
                plural(p->remote_hosts, "host", "hosts"));
        if (p->syn_recv_peak >= VIEWS_SYN_RECV_PILEUP)
            fprintf(out, "  Backlog pressure: up to %" PRIu64 " sockets sat in SYN_RECV at once (%" PRIu64 " still at the end).\n",
                    p->syn_recv_peak, p->syn_recv_at_end);
        if (n > 0 && n == n_all)
            fprintf(out, "  %zu %s %s, one per connection, with these remote sockets:\n", n,
                    plural(n, "socket has local endpoint", "sockets share local endpoint"), ep);
        else if (n > 0) /* attempts it never answered, or refused, have no socket here */
            fprintf(out, "  %zu %s %s, one per connection it accepted; %zu more %s no socket on it"
                         " (%zu unanswered, %zu refused with RST by the host's TCP). The remote"
                         " sockets of all %zu:\n",
                    n, plural(n, "socket has local endpoint", "sockets share local endpoint"), ep,
                    n_all - n, plural(n_all - n, "attempt got", "attempts got"),
                    n_all - n - n_refused, n_refused, n_all);
        else if (n_refused == n_all) /* a closed port: the host answers, no socket does */
            fprintf(out, "  No socket on %s existed: the host's TCP refused the %zu connection %s"
                         " with RST (a closed port has no socket to answer); %s from:\n",
                    ep, n_all, plural(n_all, "attempt", "attempts"),
                    plural(n_all, "it came", "they came"));
        else if (n_refused > 0)
            fprintf(out, "  No socket on %s existed: the host's TCP refused %zu of the %zu connection"
                         " attempts with RST (a closed port has no socket to answer), the others got"
                         " no answer; they came from:\n",
                    ep, n_refused, n_all);
        else
            fprintf(out, "  No socket on %s ever sent a packet; the %zu connection %s came from:\n",
                    ep, n_all, plural(n_all, "attempt", "attempts"));
    } else {
        fprintf(out, "  %s %s is not a port that served anyone here: host %s used it as a client (ephemeral) port.\n",
                pn, ep, host);
        fprintf(out, "  %zu %s on it:\n", n_all, plural(n_all, "socket", "sockets"));
    }
    int width = remote_width(socks, shown);
    for (size_t i = 0; i < shown; i++)
        print_socket_line(out, socks[i], width);
    if (shown < n_all)
        fprintf(out, "    ... %zu more\n", n_all - shown);
    print_reuse(out, socks, shown);
    if (pi >= 0 && v->ports[pi].has_listener) {
        fprintf(out, "  \"Socket\": in RFC 793 a socket is an address and a port, so %s is one socket shared by all %" PRIu64 " connections.\n"
                     "  In the socket API (and in sockscope's sockets view) the server holds one listening socket on it\n"
                     "  plus one connected socket per accepted connection: %zu + 1 sockets on one port%s.\n",
                ep, v->ports[pi].n_conns, n,
                n < n_all ? " (the attempts it never accepted had none on it)" : "");
    } else if (n == 0) {
        fprintf(out, "  \"Socket\": in RFC 793 %s is one socket (an address and a port) whether or not anything listens;\n"
                     "  in the socket API no socket on it was seen.\n",
                ep);
    } else if (n > 1) {
        fprintf(out, "  \"Socket\": in RFC 793 %s is one socket; in the socket API each of the %zu connections above had its own socket on it.\n",
                ep, n);
    } else {
        fprintf(out, "  \"Socket\": here both meanings agree: RFC 793's socket %s and the socket API's one socket are the same endpoint.\n",
                ep);
    }
    return true;
}

static void explain_endpoint(FILE *out, const struct views *v, uint8_t ipv,
                             const struct ip_addr *addr, uint16_t port)
{
    char ep[80];
    views_format_endpoint(ipv, addr, port, ep, sizeof(ep));
    fprintf(out, "%s\n", ep);
    bool found = false;
    static const uint8_t protos[] = {IPPROTO_NUM_TCP, IPPROTO_NUM_UDP, IPPROTO_NUM_SCTP};
    for (size_t k = 0; k < sizeof(protos); k++) {
        /* one account per tunnel context the endpoint lives in (0 = no tunnel first) */
        uint32_t ctx = 0;
        for (bool first = true; next_ctx(v, protos[k], ipv, addr, port, first, &ctx); first = false)
            found = explain_endpoint_ctx(out, v, protos[k], ctx, ipv, addr, port) || found;
    }
    if (!found)
        fprintf(out, "  no TCP, UDP or SCTP traffic to or from it in the capture.\n");
}

/* The per-context lines of a host seen in several tunnel contexts. */
static void print_host_context(FILE *out, const struct view_host *h)
{
    char tt[320];
    if (h->ctx == 0)
        snprintf(tt, sizeof(tt), "not tunnelled");
    else
        views_tunnel_text(h->tunnel, h->ctx, tt, sizeof(tt));
    fprintf(out, "    %s: %" PRIu64 " %s (%" PRIu64 " open); sockets %" PRIu64 " client, %" PRIu64
                 " server, %" PRIu64 " unknown role\n",
            tt, h->n_ports, plural(h->n_ports, "port", "ports"), h->n_listening, h->n_client,
            h->n_server, h->n_unknown);
}

static void explain_host(FILE *out, const struct views *v, uint8_t ipv, const struct ip_addr *addr)
{
    char host[64];
    ip_addr_format(addr, ipv, host, sizeof(host));
    fprintf(out, "Host %s\n", host);
    long first = views_find_host(v, ipv, addr);
    if (first < 0) {
        fprintf(out, "  no TCP, UDP or SCTP traffic to or from it in the capture.\n");
        return;
    }
    /* the address in every tunnel context it was seen in (each a network of its
     * own): the figures summed, and context by context at the end */
    size_t end = (size_t)first;
    struct view_host h = {0};
    while (end < v->n_hosts && same_addr(v->hosts[end].ip_version, &v->hosts[end].addr, ipv, addr)) {
        const struct view_host *c = &v->hosts[end++];
        h.n_ports += c->n_ports;
        h.n_listening += c->n_listening;
        h.n_client += c->n_client;
        h.n_server += c->n_server;
        h.n_unknown += c->n_unknown;
        if (c->has_ephemeral) {
            if (!h.has_ephemeral || c->eph_min < h.eph_min)
                h.eph_min = c->eph_min;
            if (!h.has_ephemeral || c->eph_max > h.eph_max)
                h.eph_max = c->eph_max;
            h.has_ephemeral = true;
            h.eph_distinct += c->eph_distinct; /* distinct within each context */
        }
        h.tuple_reuses += c->tuple_reuses;
        h.reuse_in_time_wait += c->reuse_in_time_wait;
    }
    fprintf(out, "  Ports (service endpoints) on it: %" PRIu64 " (%" PRIu64 " open).\n", h.n_ports,
            h.n_listening);
    for (size_t i = 0; i < v->n_ports; i++) {
        const struct view_port *p = &v->ports[i];
        if (!same_addr(p->ip_version, &p->addr, ipv, addr))
            continue;
        char tt[320] = "";
        if (p->ctx != 0) {
            strcpy(tt, ", in ");
            views_tunnel_text(p->tunnel, p->ctx, tt + 5, sizeof(tt) - 5);
        }
        fprintf(out, "    %s %u%s%s%s: %s (%s), %" PRIu64 " %s, %zu %s%s%s\n",
                services_proto_name(p->proto), p->port, p->service ? " (" : "",
                p->service ? p->service : "", p->service ? ")" : "",
                views_status_name((enum port_status)p->status),
                views_evidence_name((enum port_evidence)p->evidence), p->n_conns,
                plural(p->n_conns, "connection", "connections"), p->n_socks,
                plural(p->n_socks, "socket", "sockets"), p->has_listener ? ", listener inferred" : "", tt);
    }
    fprintf(out, "  Sockets: %" PRIu64 " client, %" PRIu64 " server, %" PRIu64 " unknown role.\n",
            h.n_client, h.n_server, h.n_unknown);
    if (h.has_ephemeral && h.eph_min == h.eph_max)
        fprintf(out, "  As a client it used local port %u; %" PRIu64 " 4-tuple %s, %" PRIu64
                     " before TIME_WAIT ran out.\n",
                h.eph_min, h.tuple_reuses, plural(h.tuple_reuses, "reuse", "reuses"),
                h.reuse_in_time_wait);
    else if (h.has_ephemeral)
        fprintf(out, "  As a client it used local ports %u-%u (%" PRIu64 " distinct); %" PRIu64
                     " 4-tuple %s, %" PRIu64 " before TIME_WAIT ran out.\n",
                h.eph_min, h.eph_max, h.eph_distinct, h.tuple_reuses,
                plural(h.tuple_reuses, "reuse", "reuses"), h.reuse_in_time_wait);
    for (size_t i = 0; i < v->n_socks; i++) {
        const struct view_socket *s = &v->socks[i];
        if (s->role != ROLE_CLIENT || !same_addr(s->ip_version, &s->local_addr, ipv, addr))
            continue;
        char loc[80];
        views_format_endpoint(s->ip_version, &s->local_addr, s->local_port, loc, sizeof(loc));
        fprintf(out, "    %s %s", services_proto_name(s->proto), loc);
        print_socket_line(out, s, 28);
        if (s->conn->ctx != 0) {
            char tt[320];
            views_tunnel_text(s->conn->tunnel, s->conn->ctx, tt, sizeof(tt));
            fprintf(out, "      in %s\n", tt);
        }
    }
    if (end - (size_t)first > 1) {
        fprintf(out, "  Seen in %zu tunnel contexts (separate networks that reuse the address):\n",
                end - (size_t)first);
        for (size_t j = (size_t)first; j < end; j++)
            print_host_context(out, &v->hosts[j]);
    }
}

int explain_print(FILE *out, const struct views *v, const char *target, struct ss_err *err)
{
    uint8_t ipv;
    struct ip_addr addr;
    uint16_t port;
    bool has_port;
    if (views_parse_endpoint(target, &ipv, &addr, &port, &has_port, err) != 0)
        return -1;
    if (has_port)
        explain_endpoint(out, v, ipv, &addr, port);
    else
        explain_host(out, v, ipv, &addr);
    return 0;
}
