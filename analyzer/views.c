/* views.c - ports, sockets and hosts from connection records (DESIGN.md
 * vocabulary; port status per its evidence ladder, RFC 9293 socket states). */
#include "views.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "encap.h"
#include "output_json.h"
#include "services.h"
#include "tcp_endpoint.h"

const char *views_status_name(enum port_status s)
{
    switch (s) {
    case PORT_OPEN: return "open";
    case PORT_CLOSED: return "closed";
    case PORT_FILTERED: return "filtered";
    case PORT_UNKNOWN: return "unknown";
    }
    return "?";
}

const char *views_evidence_name(enum port_evidence e)
{
    switch (e) {
    case PEV_SYN_ACK: return "syn_ack";
    case PEV_SIMULTANEOUS: return "simultaneous_open";
    case PEV_UDP_REPLY: return "reply";
    case PEV_RST: return "rst";
    case PEV_SCTP_ABORT: return "abort";
    case PEV_ICMP_PORT_UNREACH: return "icmp_port_unreachable";
    case PEV_ICMP_PROHIBITED: return "icmp_admin_prohibited";
    case PEV_SYN_UNANSWERED: return "syn_unanswered";
    case PEV_ICMP_OTHER: return "icmp_unreachable";
    case PEV_MIDSTREAM: return "midstream";
    case PEV_UDP_UNANSWERED: return "unanswered";
    case PEV_GROUP: return "group";
    }
    return "?";
}

const char *views_role_name(enum sock_role r)
{
    switch (r) {
    case ROLE_CLIENT: return "client";
    case ROLE_SERVER: return "server";
    case ROLE_UNKNOWN: return "unknown";
    }
    return "?";
}

const char *views_diag_name(uint32_t d)
{
    switch (d) {
    case SOCK_D_REFUSED: return "refused";
    case SOCK_D_CLOSE_WAIT_AT_END: return "close_wait_at_end";
    case SOCK_D_FIN_WAIT_2_AT_END: return "fin_wait_2_at_end";
    case SOCK_D_SIMULTANEOUS_OPEN: return "simultaneous_open";
    case SOCK_D_SIMULTANEOUS_CLOSE: return "simultaneous_close";
    case SOCK_D_REUSE_IN_TIME_WAIT: return "reuse_in_time_wait";
    case SOCK_D_AFTER_CLOSE: return "after_close";
    default: return NULL;
    }
}

static enum port_status evidence_status(enum port_evidence e)
{
    switch (e) {
    case PEV_SYN_ACK:
    case PEV_SIMULTANEOUS:
    case PEV_UDP_REPLY:
        return PORT_OPEN;
    case PEV_RST:
    case PEV_SCTP_ABORT:
    case PEV_ICMP_PORT_UNREACH:
        return PORT_CLOSED;
    case PEV_ICMP_PROHIBITED:
    case PEV_SYN_UNANSWERED:
        return PORT_FILTERED;
    case PEV_ICMP_OTHER:
    case PEV_MIDSTREAM:
    case PEV_UDP_UNANSWERED:
    case PEV_GROUP:
        return PORT_UNKNOWN;
    }
    return PORT_UNKNOWN;
}

bool views_conn_has_ports(const struct conn *c)
{
    return c->proto == IPPROTO_NUM_TCP || c->proto == IPPROTO_NUM_UDP ||
           c->proto == IPPROTO_NUM_SCTP;
}

/* The evidence kinds that refuse a connection (port view's `rejected`, a
 * client socket's refused_by). */
static bool evidence_refuses(enum port_evidence e)
{
    return e == PEV_RST || e == PEV_SCTP_ABORT || e == PEV_ICMP_PORT_UNREACH ||
           e == PEV_ICMP_PROHIBITED || e == PEV_ICMP_OTHER;
}

#define SCTP_CHUNK_BIT(t) ((uint32_t)1 << (t))
#define SCTP_CHUNK_ABORT  6

/* SCTP: the responder sent a chunk other than ABORT (INIT ACK, data, ...): an
 * endpoint took the association. */
static bool sctp_answered(const struct conn *c)
{
    return (c->dir[1].sctp_chunks & ~SCTP_CHUNK_BIT(SCTP_CHUNK_ABORT)) != 0;
}

/* Classifies an attached ICMP error; false unless it refuses the responder
 * (conn_icmp_is_refusal: not fragmentation-needed, not about the originator). */
static bool icmp_evidence(const struct conn *c, enum port_evidence *ev)
{
    if (!c->has_icmp || !conn_icmp_is_refusal(&c->icmp, c->orig_is_lo))
        return false;
    const struct conn_icmp_evidence *ic = &c->icmp;
    if (ic->ip_version == 6) {
        if (ic->type != 1)
            return false;
        *ev = ic->code == 4 ? PEV_ICMP_PORT_UNREACH : ic->code == 1 ? PEV_ICMP_PROHIBITED
                                                                    : PEV_ICMP_OTHER;
        return true;
    }
    if (ic->type != 3)
        return false;
    if (ic->code == 3)
        *ev = PEV_ICMP_PORT_UNREACH;
    else if (ic->code == 9 || ic->code == 10 || ic->code == 13)
        *ev = PEV_ICMP_PROHIBITED;
    else
        *ev = PEV_ICMP_OTHER;
    return true;
}

/* What c alone says about its responder's port, and when. */
static enum port_evidence conn_evidence(const struct conn *c, uint64_t *ts)
{
    enum port_evidence ev;
    *ts = c->first_ts;
    /* Datagrams to a group reach every member's socket; the members answer from
     * their own addresses, and no packet comes from a group address (nor may an
     * ICMP error answer one: RFC 1122 3.2.2): whatever else the connection
     * holds says nothing of one listener. */
    if (ip_addr_group(c->ip_version, c->resp_addr.b) != GROUP_NONE)
        return PEV_GROUP;
    if (c->proto == IPPROTO_NUM_TCP) {
        if (c->flags & CONN_F_SIMULTANEOUS_OPEN) {
            if (c->synack_ts != 0)
                *ts = c->synack_ts;
            return PEV_SIMULTANEOUS;
        }
        if (c->synack_ts != 0 &&
            (c->orientation == ORIENT_HANDSHAKE || c->orientation == ORIENT_SYN_ACK)) {
            *ts = c->synack_ts;
            return PEV_SYN_ACK;
        }
        if (c->refused_by_rst) {
            *ts = c->dir[1].last_ts;
            return PEV_RST;
        }
        if (icmp_evidence(c, &ev)) {
            *ts = c->icmp.ts_ns;
            return ev;
        }
        if (c->orientation == ORIENT_HANDSHAKE && c->dir[1].pkts == 0)
            return PEV_SYN_UNANSWERED;
        return PEV_MIDSTREAM;
    }
    /* an answer outweighs a refusal of the same connection, as it does one of
     * another connection to the port (open > closed) */
    if (c->proto == IPPROTO_NUM_SCTP ? sctp_answered(c) : c->dir[1].pkts > 0)
        return PEV_UDP_REPLY;
    if (c->proto == IPPROTO_NUM_SCTP && (c->dir[1].sctp_chunks & SCTP_CHUNK_BIT(SCTP_CHUNK_ABORT))) {
        *ts = c->dir[1].last_ts;
        return PEV_SCTP_ABORT;
    }
    if (icmp_evidence(c, &ev)) {
        *ts = c->icmp.ts_ns;
        return ev;
    }
    return PEV_UDP_UNANSWERED;
}

/* When a connection stops counting as open: its close, else the capture end
 * for records flushed at the end, else its last packet. */
static uint64_t conn_end_of(uint64_t close_ts, uint64_t last_ts, uint8_t end_reason,
                            uint64_t end_ts)
{
    if (close_ts != 0)
        return close_ts;
    if (end_reason == END_END_OF_CAPTURE || end_reason == END_SHUTDOWN || end_reason == END_NONE)
        return end_ts > last_ts ? end_ts : last_ts;
    return last_ts;
}

void views_socket_of_conn(const struct conn *c, int side, struct view_socket *s)
{
    memset(s, 0, sizeof(*s));
    const struct conn_dir *me = &c->dir[side], *peer = &c->dir[1 - side];
    s->proto = c->proto;
    s->ip_version = c->ip_version;
    s->local_addr = side == 0 ? c->orig_addr : c->resp_addr;
    s->remote_addr = side == 0 ? c->resp_addr : c->orig_addr;
    s->local_port = side == 0 ? c->orig_port : c->resp_port;
    s->remote_port = side == 0 ? c->resp_port : c->orig_port;
    s->side = (uint8_t)side;
    s->state = me->state;
    s->seen = me->pkts > 0;
    s->conn = c;
    s->bytes_sent = me->payload_bytes;
    s->bytes_recv = peer->payload_bytes;
    s->pkts_sent = me->pkts;
    s->pkts_recv = peer->pkts;
    s->port_index = -1;

    uint64_t ts;
    enum port_evidence ev = conn_evidence(c, &ts);
    if (ev == PEV_SIMULTANEOUS)
        s->role = ROLE_CLIENT; /* both sides actively opened */
    else if ((c->proto == IPPROTO_NUM_TCP &&
              (c->orientation == ORIENT_HANDSHAKE || c->orientation == ORIENT_SYN_ACK)) ||
             evidence_status(ev) == PORT_OPEN)
        s->role = side == 0 ? ROLE_CLIENT : ROLE_SERVER;
    else
        s->role = ROLE_UNKNOWN;

    if (side == 0 && evidence_refuses(ev))
        s->diag |= SOCK_D_REFUSED;
    if (c->proto == IPPROTO_NUM_TCP) {
        if (me->state == TCP_ST_CLOSE_WAIT)
            s->diag |= SOCK_D_CLOSE_WAIT_AT_END;
        if (me->state == TCP_ST_FIN_WAIT_2)
            s->diag |= SOCK_D_FIN_WAIT_2_AT_END;
    }
    if (c->flags & CONN_F_SIMULTANEOUS_OPEN)
        s->diag |= SOCK_D_SIMULTANEOUS_OPEN;
    if (c->flags & CONN_F_SIMULTANEOUS_CLOSE)
        s->diag |= SOCK_D_SIMULTANEOUS_CLOSE;
    if (c->flags & CONN_F_REUSE_IN_TIME_WAIT)
        s->diag |= SOCK_D_REUSE_IN_TIME_WAIT;
    if (c->flags & CONN_F_AFTER_CLOSE)
        s->diag |= SOCK_D_AFTER_CLOSE;
}

bool views_conn_refusal(const struct conn *c, struct view_refusal *r)
{
    memset(r, 0, sizeof(*r));
    enum port_evidence ev = conn_evidence(c, &r->ts);
    if (!evidence_refuses(ev))
        return false;
    if (ev == PEV_RST || ev == PEV_SCTP_ABORT) {
        r->kind = ev == PEV_RST ? "rst" : "abort";
        r->from = c->resp_addr;
        r->ip_version = c->ip_version;
    } else {
        r->kind = "icmp";
        r->from = c->icmp.from;
        r->ip_version = c->icmp.ip_version;
        r->icmp_type = c->icmp.type;
        r->icmp_code = c->icmp.code;
    }
    return true;
}

bool views_socket_state_at(const struct conn *c, int side, uint64_t ts_ns, uint64_t end_ts,
                           uint64_t two_msl_ns, enum tcp_state *st)
{
    if (c->proto == IPPROTO_NUM_TCP) {
        bool exists = false;
        *st = tcp_endpoint_state_at(c, side, ts_ns, &exists);
        if (*st == TCP_ST_TIME_WAIT && two_msl_ns != 0) {
            uint64_t since = tcp_endpoint_time_wait_since(c, side, ts_ns);
            if (since != 0 && ts_ns - since >= two_msl_ns)
                *st = TCP_ST_CLOSED; /* its 2*MSL ran out */
        }
        return exists;
    }
    *st = TCP_ST_ESTABLISHED; /* "exists" for sockets without TCP states */
    if (c->dir[side].pkts == 0)
        return false;
    return ts_ns >= c->first_ts &&
           ts_ns <= conn_end_of(c->close_ts, c->last_ts, c->end_reason, end_ts);
}

bool views_socket_existed(const struct view_socket *s)
{
    const struct conn *c = s->conn;
    if (c->proto != IPPROTO_NUM_TCP)
        return s->seen;
    for (unsigned i = 0; i < c->n_transitions && i < CONN_MAX_TRANSITIONS; i++)
        if (c->transitions[i].side == s->side)
            return true;
    return false;
}

const char *views_socket_state_text(const struct view_socket *s)
{
    if (s->proto != IPPROTO_NUM_TCP)
        return "-";
    if (!views_socket_existed(s))
        return "(none)";
    return tcp_state_name((enum tcp_state)s->state);
}

/* ---- ordering ---- */

static int cmp_u64(uint64_t a, uint64_t b)
{
    return a < b ? -1 : a > b;
}

/* Endpoint order: IP version, address, port, protocol. */
static int endpoint_cmp(uint8_t va, const struct ip_addr *aa, uint16_t pa, uint8_t pra,
                        uint8_t vb, const struct ip_addr *ab, uint16_t pb, uint8_t prb)
{
    if (va != vb)
        return va < vb ? -1 : 1;
    int r = memcmp(aa->b, ab->b, va == 6 ? 16 : 4);
    if (r != 0)
        return r < 0 ? -1 : 1;
    if (pa != pb)
        return pa < pb ? -1 : 1;
    return pra < prb ? -1 : pra > prb;
}

static int conn_time_cmp(const struct conn *x, const struct conn *y)
{
    int r = cmp_u64(x->first_ts, y->first_ts);
    if (r == 0)
        r = cmp_u64(x->incarnation, y->incarnation);
    if (r == 0)
        r = cmp_u64(x->id, y->id);
    return r;
}

/* connections by responder endpoint, tunnel context, time: port groups */
static int conn_resp_cmp(const void *a, const void *b)
{
    const struct conn *x = *(const struct conn *const *)a, *y = *(const struct conn *const *)b;
    int r = endpoint_cmp(x->ip_version, &x->resp_addr, x->resp_port, x->proto, y->ip_version,
                         &y->resp_addr, y->resp_port, y->proto);
    if (r == 0)
        r = cmp_u64(x->ctx, y->ctx);
    return r != 0 ? r : conn_time_cmp(x, y);
}

static bool same_port_group(const struct conn *x, const struct conn *y)
{
    return x->ctx == y->ctx && endpoint_cmp(x->ip_version, &x->resp_addr, x->resp_port, x->proto,
                                            y->ip_version, &y->resp_addr, y->resp_port,
                                            y->proto) == 0;
}

/* sockets: those on a port first (port order), then by local endpoint, then time */
static int sock_cmp(const void *a, const void *b)
{
    const struct view_socket *x = a, *y = b;
    bool xp = x->port_index >= 0, yp = y->port_index >= 0;
    if (xp != yp)
        return xp ? -1 : 1;
    if (xp && x->port_index != y->port_index)
        return x->port_index < y->port_index ? -1 : 1;
    int r = endpoint_cmp(x->ip_version, &x->local_addr, x->local_port, x->proto, y->ip_version,
                         &y->local_addr, y->local_port, y->proto);
    if (r == 0)
        r = cmp_u64(x->conn->ctx, y->conn->ctx);
    if (r == 0)
        r = conn_time_cmp(x->conn, y->conn);
    if (r == 0)
        r = x->side < y->side ? -1 : x->side > y->side;
    return r;
}

struct remote {
    struct ip_addr addr;
    uint16_t port;
};

static int remote_cmp(const void *a, const void *b)
{
    const struct remote *x = a, *y = b;
    int r = memcmp(x->addr.b, y->addr.b, 16);
    if (r != 0)
        return r;
    return x->port < y->port ? -1 : x->port > y->port;
}

struct event {
    uint64_t ts;
    int delta;
};

static int event_cmp(const void *a, const void *b)
{
    const struct event *x = a, *y = b;
    int r = cmp_u64(x->ts, y->ts);
    if (r != 0)
        return r;
    return x->delta < y->delta ? -1 : x->delta > y->delta; /* ends before starts */
}

/* Peak of open intervals in ev[0..n) (sorted here); *peak_ts = first moment of the peak. */
static uint64_t sweep_peak(struct event *ev, size_t n, uint64_t *peak_ts)
{
    qsort(ev, n, sizeof(*ev), event_cmp);
    long long cur = 0, peak = 0;
    *peak_ts = 0;
    for (size_t i = 0; i < n; i++) {
        cur += ev[i].delta;
        if (cur > peak) {
            peak = cur;
            *peak_ts = ev[i].ts;
        }
    }
    return (uint64_t)peak;
}

/* When the responder socket of c entered SYN_RECEIVED (*from) and left it
 * (*to; *open when it was still in it at the record). False if it never was. */
static bool syn_recv_interval(const struct conn *c, uint64_t *from, uint64_t *to, bool *open)
{
    bool in = false;
    *open = false;
    for (unsigned i = 0; i < c->n_transitions && i < CONN_MAX_TRANSITIONS; i++) {
        const struct conn_transition *t = &c->transitions[i];
        if (t->side != 1)
            continue;
        if (!in && t->to == TCP_ST_SYN_RECEIVED) {
            in = true;
            *from = c->first_ts + t->dt_ns;
        } else if (in) {
            *to = c->first_ts + t->dt_ns;
            return true;
        }
    }
    *open = in;
    *to = 0;
    return in;
}

static bool conn_completed(const struct conn *c)
{
    if (c->proto == IPPROTO_NUM_SCTP)
        return c->dir[0].pkts > 0 && sctp_answered(c);
    if (c->proto != IPPROTO_NUM_TCP)
        return c->dir[0].pkts > 0 && c->dir[1].pkts > 0;
    bool est[2] = {false, false};
    for (unsigned i = 0; i < c->n_transitions && i < CONN_MAX_TRANSITIONS; i++)
        if (c->transitions[i].to == TCP_ST_ESTABLISHED)
            est[c->transitions[i].side] = true; /* a 1-bit field: 0 or 1 */
    return est[0] && est[1];
}

void views_port_fact_of_conn(const struct conn *c, struct view_port_fact *f)
{
    memset(f, 0, sizeof(*f));
    f->id = c->id;
    f->first_ts = c->first_ts;
    f->last_ts = c->last_ts;
    f->close_ts = c->close_ts;
    f->incarnation = c->incarnation;
    f->ctx = c->ctx;
    f->tunnel = c->tunnel;
    f->orig_addr = c->orig_addr;
    f->resp_addr = c->resp_addr;
    f->orig_port = c->orig_port;
    f->resp_port = c->resp_port;
    f->proto = c->proto;
    f->ip_version = c->ip_version;
    f->end_reason = c->end_reason;
    f->bytes_in = c->dir[0].payload_bytes;
    f->bytes_out = c->dir[1].payload_bytes;
    f->after_close = (c->flags & CONN_F_AFTER_CLOSE) != 0;
    enum port_evidence ev = conn_evidence(c, &f->evidence_ts);
    f->evidence = (uint8_t)ev;
    f->icmp_type = c->icmp.type;
    f->icmp_code = c->icmp.code;
    f->icmp_from = c->icmp.from;
    f->icmp_ip_version = c->icmp.ip_version;
    if (ev == PEV_SYN_ACK)
        f->listener_since_ts = c->syn_ts != 0 ? c->syn_ts : c->synack_ts;
    f->completed = conn_completed(c);
    f->rejected = evidence_refuses(ev);
    if (c->proto == IPPROTO_NUM_TCP)
        f->reset = c->dir[0].rst_sent || c->dir[1].rst_sent;
    else if (c->proto == IPPROTO_NUM_SCTP) /* an association aborted */
        f->reset = ((c->dir[0].sctp_chunks | c->dir[1].sctp_chunks) &
                    SCTP_CHUNK_BIT(SCTP_CHUNK_ABORT)) != 0;
    /* only what nDPI saw in the payload (service is set then), not a port guess */
    if (c->dpi_done && c->service[0] != '\0' && strcmp(c->app_name, "Unknown") != 0)
        memcpy(f->detected, c->app_name, sizeof(f->detected));
    f->app_port_mismatch = c->app_port_mismatch;
    f->carried_conns = c->carried_conns;
    if (c->proto == IPPROTO_NUM_TCP) {
        f->has_syn_recv =
            syn_recv_interval(c, &f->syn_recv_from, &f->syn_recv_to, &f->syn_recv_open);
        f->syn_recv_at_end = c->dir[1].state == TCP_ST_SYN_RECEIVED;
    }
    f->n_tunnel_parents = c->n_tunnel_parents < CONN_MAX_TUNNEL_PARENTS
                              ? c->n_tunnel_parents
                              : CONN_MAX_TUNNEL_PARENTS;
    memcpy(f->tunnel_parents, c->tunnel_parents, sizeof(f->tunnel_parents));
}

void views_port_facts_push(struct view_port_facts *fs, const struct conn *c)
{
    if (fs->n == fs->cap) {
        size_t ncap = fs->cap ? fs->cap * 2 : 1024;
        struct view_port_fact *nv = realloc(fs->v, ncap * sizeof(*nv));
        if (nv == NULL) {
            fs->oom = true;
            return;
        }
        fs->v = nv;
        fs->cap = ncap;
    }
    views_port_fact_of_conn(c, &fs->v[fs->n++]);
}

/* A port's connections, one at a time as facts: records made into facts as
 * they are read (views_build), or facts kept (views_build_ports). */
struct fact_source {
    const struct conn *const *conns;
    const struct view_port_fact *const *facts;
};

static const struct view_port_fact *fact_at(const struct fact_source *src, size_t i,
                                            struct view_port_fact *tmp)
{
    if (src->facts != NULL)
        return src->facts[i];
    views_port_fact_of_conn(src->conns[i], tmp);
    return tmp;
}

/* The name nDPI detected on the i-th connection, where it outlives the views
 * (the record's, or the kept fact's): the port borrows it. */
static const char *detected_name(const struct fact_source *src, size_t i)
{
    return src->facts != NULL ? src->facts[i]->detected : src->conns[i]->app_name;
}

/* Fills p from the n connections of src that share its responder endpoint.
 * rbuf has room for n remotes, ebuf and sbuf for 2n events each. */
static void build_port(struct view_port *p, const struct fact_source *src, size_t n,
                       uint64_t end_ts, struct remote *rbuf, struct event *ebuf, struct event *sbuf)
{
    struct view_port_fact tmp;
    const struct view_port_fact *f0 = fact_at(src, 0, &tmp);
    memset(p, 0, sizeof(*p));
    p->proto = f0->proto;
    p->ip_version = f0->ip_version;
    p->addr = f0->resp_addr;
    p->port = f0->resp_port;
    p->ctx = f0->ctx;
    p->tunnel = f0->tunnel;
    p->group = (uint8_t)ip_addr_group(p->ip_version, p->addr.b);
    p->service = services_name(p->proto, p->port);
    enum port_evidence best = PEV_UDP_UNANSWERED;
    bool have = false;
    size_t ne = 0, ns = 0;
    for (size_t i = 0; i < n; i++) {
        const struct view_port_fact *f = fact_at(src, i, &tmp);
        rbuf[i].addr = f->orig_addr;
        rbuf[i].port = f->orig_port;
        p->bytes_in += f->bytes_in;
        p->bytes_out += f->bytes_out;
        if (f->after_close)
            continue; /* late packets of a connection counted already: bytes only */
        p->n_conns++;
        uint64_t ts = f->evidence_ts;
        enum port_evidence ev = (enum port_evidence)f->evidence;
        enum port_status st = evidence_status(ev);
        enum port_status bst = evidence_status(best);
        if (!have || st < bst || (st == bst && ev < best) ||
            (st == bst && ev == best && ts < p->evidence_ts)) {
            have = true;
            best = ev;
            p->evidence_ts = ts;
            if (ev == PEV_ICMP_PORT_UNREACH || ev == PEV_ICMP_PROHIBITED || ev == PEV_ICMP_OTHER) {
                p->icmp_type = f->icmp_type;
                p->icmp_code = f->icmp_code;
                p->icmp_from = f->icmp_from;
                p->icmp_ip_version = f->icmp_ip_version;
            }
        }
        if (ev == PEV_SYN_ACK) {
            if (!p->has_listener || f->listener_since_ts < p->listener_since_ts)
                p->listener_since_ts = f->listener_since_ts;
            p->has_listener = true;
        }
        if (f->completed)
            p->n_completed++;
        if (f->rejected)
            p->n_rejected++;
        else if (f->reset)
            p->n_reset++;
        if (f->detected[0] != '\0') {
            const char *name = detected_name(src, i);
            bool known = false;
            for (unsigned k = 0; k < p->n_detected; k++)
                known = known || strcmp(p->detected[k], name) == 0;
            if (!known && p->n_detected < VIEW_PORT_MAX_DETECTED)
                p->detected[p->n_detected++] = name;
            else if (!known)
                p->detected_more = true;
            if (f->app_port_mismatch)
                p->mismatch = true;
        }
        p->carried_conns += f->carried_conns;
        ebuf[ne++] = (struct event){f->first_ts, +1};
        /* a one-packet connection still counts for an instant */
        uint64_t until = conn_end_of(f->close_ts, f->last_ts, f->end_reason, end_ts);
        ebuf[ne++] = (struct event){until > f->first_ts ? until : f->first_ts + 1, -1};
        if (f->syn_recv_at_end)
            p->syn_recv_at_end++;
        if (f->has_syn_recv) {
            uint64_t from = f->syn_recv_from, to = f->syn_recv_to;
            if (f->syn_recv_open)
                to = end_ts > f->last_ts ? end_ts : f->last_ts;
            sbuf[ns++] = (struct event){from, +1};
            sbuf[ns++] = (struct event){to > from ? to : from + 1, -1};
        }
    }
    p->evidence = (uint8_t)best;
    p->status = (uint8_t)evidence_status(best);
    p->peak_concurrent = sweep_peak(ebuf, ne, &p->peak_ts);
    p->syn_recv_peak = sweep_peak(sbuf, ns, &p->syn_recv_peak_ts);

    qsort(rbuf, n, sizeof(*rbuf), remote_cmp);
    for (size_t i = 0; i < n; i++) {
        if (i == 0 || remote_cmp(&rbuf[i], &rbuf[i - 1]) != 0)
            p->remote_sockets++;
        if (i == 0 || memcmp(rbuf[i].addr.b, rbuf[i - 1].addr.b, 16) != 0)
            p->remote_hosts++;
    }
}

/* Binary search over the ports (endpoint, then ctx order): the first port of
 * the endpoint whose ctx is >= ctx, or -1 when the endpoint has none. */
static long port_lower_bound(const struct views *v, uint32_t ctx, uint8_t proto,
                             uint8_t ip_version, const struct ip_addr *addr, uint16_t port)
{
    size_t lo = 0, hi = v->n_ports;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        const struct view_port *p = &v->ports[mid];
        int r = endpoint_cmp(p->ip_version, &p->addr, p->port, p->proto, ip_version, addr, port,
                             proto);
        if (r == 0)
            r = cmp_u64(p->ctx, ctx);
        if (r < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo == v->n_ports)
        return -1;
    const struct view_port *p = &v->ports[lo];
    if (endpoint_cmp(p->ip_version, &p->addr, p->port, p->proto, ip_version, addr, port, proto) != 0)
        return -1;
    return (long)lo;
}

long views_find_port(const struct views *v, uint8_t proto, uint8_t ip_version,
                     const struct ip_addr *addr, uint16_t port)
{
    return port_lower_bound(v, 0, proto, ip_version, addr, port);
}

long views_find_port_ctx(const struct views *v, uint32_t ctx, uint8_t proto, uint8_t ip_version,
                         const struct ip_addr *addr, uint16_t port)
{
    long i = port_lower_bound(v, ctx, proto, ip_version, addr, port);
    return i >= 0 && v->ports[i].ctx == ctx ? i : -1;
}

/* Name of the id of an encapsulation in text ("vni", "key", ...). */
static const char *tunnel_id_name(enum encap_type t)
{
    switch (t) {
    case ENCAP_VXLAN:
    case ENCAP_VXLAN_GPE:
    case ENCAP_GENEVE: return "vni";
    case ENCAP_GRE: return "key";
    case ENCAP_MPLS: return "label";
    case ENCAP_GTPU: return "teid";
    case ENCAP_PPPOE:
    case ENCAP_ERSPAN: return "session";
    default: return "id";
    }
}

void views_tunnel_text(const struct tunnel_desc *t, uint32_t ctx, char *buf, size_t len)
{
    if (len == 0)
        return;
    buf[0] = '\0';
    if (ctx == 0)
        return;
    if (t == NULL) {
        snprintf(buf, len, "tunnel context 0x%08x", (unsigned)ctx);
        return;
    }
    size_t used = 0;
    for (unsigned i = 0; i < t->n_levels && i < PACKET_MAX_ENCAP && used < len; i++) {
        const struct tunnel_level *l = &t->level[i];
        char id[32] = "", via[112] = "";
        if (l->has_id)
            snprintf(id, sizeof(id), " %s %u", tunnel_id_name((enum encap_type)l->type),
                     (unsigned)l->id);
        if (l->ip_version != 0) {
            char a[INET6_ADDRSTRLEN], b[INET6_ADDRSTRLEN];
            ip_addr_format(&l->src, l->ip_version, a, sizeof(a));
            ip_addr_format(&l->dst, l->ip_version, b, sizeof(b));
            snprintf(via, sizeof(via), " via %s->%s", a, b);
        }
        int w = snprintf(buf + used, len - used, "%s%s%s%s", i ? " / " : "",
                         encap_type_name((enum encap_type)l->type), id, via);
        if (w < 0)
            break;
        used += (size_t)w;
    }
}

/* Binary search over the hosts (address, then ctx order): the first host of
 * the address whose ctx is >= ctx, or -1 when the address has none. */
static long host_lower_bound(const struct views *v, uint32_t ctx, uint8_t ip_version,
                             const struct ip_addr *addr)
{
    size_t lo = 0, hi = v->n_hosts;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        const struct view_host *h = &v->hosts[mid];
        int r = endpoint_cmp(h->ip_version, &h->addr, 0, 0, ip_version, addr, 0, 0);
        if (r == 0)
            r = cmp_u64(h->ctx, ctx);
        if (r < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo == v->n_hosts)
        return -1;
    const struct view_host *h = &v->hosts[lo];
    if (endpoint_cmp(h->ip_version, &h->addr, 0, 0, ip_version, addr, 0, 0) != 0)
        return -1;
    return (long)lo;
}

long views_find_host(const struct views *v, uint8_t ip_version, const struct ip_addr *addr)
{
    return host_lower_bound(v, 0, ip_version, addr);
}

long views_find_host_ctx(const struct views *v, uint32_t ctx, uint8_t ip_version,
                         const struct ip_addr *addr)
{
    long i = host_lower_bound(v, ctx, ip_version, addr);
    return i >= 0 && v->hosts[i].ctx == ctx ? i : -1;
}

struct hostkey {
    uint8_t ip_version;
    struct ip_addr addr;
    uint32_t ctx;                     /* tunnel context of the socket */
    const struct tunnel_desc *tunnel; /* its chain */
    uint16_t port; /* client local port (for distinct counts) */
    bool client;
};

/* Same address in the same tunnel context: one host. */
static bool same_host_key(const struct hostkey *x, const struct hostkey *y)
{
    return x->ctx == y->ctx &&
           endpoint_cmp(x->ip_version, &x->addr, 0, 0, y->ip_version, &y->addr, 0, 0) == 0;
}

static int hostkey_cmp(const void *a, const void *b)
{
    const struct hostkey *x = a, *y = b;
    int r = endpoint_cmp(x->ip_version, &x->addr, 0, 0, y->ip_version, &y->addr, 0, 0);
    if (r == 0)
        r = cmp_u64(x->ctx, y->ctx);
    if (r != 0)
        return r;
    if (x->client != y->client)
        return x->client ? 1 : -1;
    return x->port < y->port ? -1 : x->port > y->port;
}

static int build_hosts(struct views *v)
{
    if (v->n_socks == 0)
        return 0;
    struct hostkey *k = malloc(v->n_socks * sizeof(*k));
    if (k == NULL)
        return -1;
    for (size_t i = 0; i < v->n_socks; i++) {
        const struct view_socket *s = &v->socks[i];
        k[i] = (struct hostkey){s->ip_version, s->local_addr, s->conn->ctx, s->conn->tunnel,
                                s->local_port, s->role == ROLE_CLIENT};
    }
    qsort(k, v->n_socks, sizeof(*k), hostkey_cmp);
    size_t nh = 0;
    for (size_t i = 0; i < v->n_socks; i++)
        if (i == 0 || !same_host_key(&k[i], &k[i - 1]))
            nh++;
    v->hosts = calloc(nh, sizeof(*v->hosts));
    if (v->hosts == NULL) {
        free(k);
        return -1;
    }
    for (size_t i = 0; i < v->n_socks; i++) {
        bool new_host = i == 0 || !same_host_key(&k[i], &k[i - 1]);
        if (new_host) {
            struct view_host *h = &v->hosts[v->n_hosts++];
            h->ip_version = k[i].ip_version;
            h->addr = k[i].addr;
            h->group = (uint8_t)ip_addr_group(h->ip_version, h->addr.b);
            h->ctx = k[i].ctx;
            h->tunnel = k[i].tunnel;
        }
        struct view_host *h = &v->hosts[v->n_hosts - 1];
        if (k[i].client) {
            bool new_port = new_host || !k[i - 1].client || k[i - 1].port != k[i].port;
            if (!h->has_ephemeral || k[i].port < h->eph_min)
                h->eph_min = k[i].port;
            if (!h->has_ephemeral || k[i].port > h->eph_max)
                h->eph_max = k[i].port;
            h->has_ephemeral = true;
            if (new_port)
                h->eph_distinct++;
        }
    }
    free(k);
    for (size_t i = 0; i < v->n_socks; i++) {
        const struct view_socket *s = &v->socks[i];
        long hi = views_find_host_ctx(v, s->conn->ctx, s->ip_version, &s->local_addr);
        if (hi < 0)
            continue;
        struct view_host *h = &v->hosts[hi];
        if (s->conn->flags & CONN_F_AFTER_CLOSE) {
            /* the same socket as the connection's own record */
        } else if (s->role == ROLE_CLIENT) {
            h->n_client++;
            if (s->conn->incarnation > 1 && !(s->conn->flags & CONN_F_AFTER_CLOSE)) {
                h->tuple_reuses++;
                if (s->conn->flags & CONN_F_REUSE_IN_TIME_WAIT)
                    h->reuse_in_time_wait++;
            }
        } else if (s->role == ROLE_SERVER) {
            h->n_server++;
        } else {
            h->n_unknown++;
        }
    }
    for (size_t i = 0; i < v->n_ports; i++) {
        long hi = views_find_host_ctx(v, v->ports[i].ctx, v->ports[i].ip_version,
                                      &v->ports[i].addr);
        if (hi < 0)
            continue;
        v->hosts[hi].n_ports++;
        if (v->ports[i].status == PORT_OPEN)
            v->hosts[hi].n_listening++;
    }
    return 0;
}

/* socket order by 5-tuple, side, incarnation (for mark_superseded) */
static int tuple_cmp(const void *a, const void *b)
{
    const struct view_socket *x = *(const struct view_socket *const *)a;
    const struct view_socket *y = *(const struct view_socket *const *)b;
    int r = endpoint_cmp(x->ip_version, &x->local_addr, x->local_port, x->proto, y->ip_version,
                         &y->local_addr, y->local_port, y->proto);
    if (r == 0)
        r = endpoint_cmp(x->ip_version, &x->remote_addr, x->remote_port, x->proto,
                         y->ip_version, &y->remote_addr, y->remote_port, y->proto);
    if (r == 0)
        r = cmp_u64(x->conn->ctx, y->conn->ctx);
    if (r == 0) /* the VLANs are the flow key's too: another VLAN's 5-tuple is another's */
        r = cmp_u64((uint64_t)x->conn->vlan << 16 | x->conn->vlan_inner,
                    (uint64_t)y->conn->vlan << 16 | y->conn->vlan_inner);
    if (r == 0)
        r = x->side < y->side ? -1 : x->side > y->side;
    if (r == 0)
        r = conn_time_cmp(x->conn, y->conn);
    return r;
}

/* Sets superseded_ts on every socket whose 5-tuple was used again later (in
 * the same tunnel context and VLANs: a new incarnation). */
static int mark_superseded(struct views *v)
{
    if (v->n_socks < 2)
        return 0;
    struct view_socket **t = malloc(v->n_socks * sizeof(*t));
    if (t == NULL)
        return -1;
    for (size_t i = 0; i < v->n_socks; i++)
        t[i] = &v->socks[i];
    qsort(t, v->n_socks, sizeof(*t), tuple_cmp);
    /* from the last: the next socket of the same 5-tuple and side, skipping
     * after_close records (late packets of the same incarnation, not a new one) */
    const struct view_socket *next = NULL;
    for (size_t i = v->n_socks; i-- > 0;) {
        struct view_socket *x = t[i];
        const struct view_socket *y = next;
        if (y != NULL && x->side == y->side && x->conn->ctx == y->conn->ctx &&
            x->conn->vlan == y->conn->vlan && x->conn->vlan_inner == y->conn->vlan_inner &&
            x->proto == y->proto && x->local_port == y->local_port &&
            x->remote_port == y->remote_port && x->ip_version == y->ip_version &&
            memcmp(x->local_addr.b, y->local_addr.b, 16) == 0 &&
            memcmp(x->remote_addr.b, y->remote_addr.b, 16) == 0)
            x->superseded_ts = y->conn->first_ts;
        else
            y = NULL;
        if (!(x->conn->flags & CONN_F_AFTER_CLOSE))
            next = x;
        else if (y == NULL)
            next = NULL; /* a group's last record is late packets: nothing supersedes */
    }
    free(t);
    return 0;
}

static int conn_id_cmp(const void *a, const void *b)
{
    const struct conn *x = *(const struct conn *const *)a, *y = *(const struct conn *const *)b;
    return cmp_u64(x->id, y->id);
}

/* bsearch: a uint64_t id against a connection pointer */
static int id_conn_cmp(const void *key, const void *elem)
{
    const struct conn *c = *(const struct conn *const *)elem;
    return cmp_u64(*(const uint64_t *)key, c->id);
}

/* Adds every socket of an inner connection to carried_sockets of the port of
 * each carrier in its tunnel_parents (carriers with ports: UDP tunnels). conns
 * is the ported connections idx[0..n), reordered here. */
static void count_carried(struct views *v, const struct conn **conns, size_t n)
{
    bool any = false;
    for (size_t i = 0; i < v->n_socks && !any; i++)
        any = v->socks[i].conn->n_tunnel_parents > 0;
    if (!any)
        return;
    qsort(conns, n, sizeof(*conns), conn_id_cmp);
    for (size_t i = 0; i < v->n_socks; i++) {
        const struct conn *c = v->socks[i].conn;
        for (unsigned k = 0; k < c->n_tunnel_parents && k < CONN_MAX_TUNNEL_PARENTS; k++) {
            const struct conn **hit =
                bsearch(&c->tunnel_parents[k], conns, n, sizeof(*conns), id_conn_cmp);
            if (hit == NULL)
                continue; /* the carrier has no ports (GRE, IP-in-IP) */
            const struct conn *t = *hit;
            long pi = views_find_port_ctx(v, t->ctx, t->proto, t->ip_version, &t->resp_addr,
                                          t->resp_port);
            if (pi >= 0)
                v->ports[pi].carried_sockets++;
        }
    }
}

void views_free(struct views *v)
{
    if (v == NULL)
        return;
    free(v->ports);
    free(v->socks);
    free(v->hosts);
    memset(v, 0, sizeof(*v));
}

int views_build(struct views *v, const struct conn *conns, size_t n, uint64_t end_ts,
                uint64_t two_msl_ns, struct ss_err *err)
{
    memset(v, 0, sizeof(*v));
    v->conns = conns;
    v->n_conns = n;
    v->end_ts = end_ts;
    v->two_msl_ns = two_msl_ns;
    size_t np = 0;
    for (size_t i = 0; i < n; i++)
        if (views_conn_has_ports(&conns[i]))
            np++;
    if (np == 0)
        return 0;
    const struct conn **idx = malloc(np * sizeof(*idx));
    struct remote *rbuf = malloc(np * sizeof(*rbuf));
    struct event *ebuf = malloc(4 * np * sizeof(*ebuf)), *sbuf = ebuf + 2 * np;
    v->ports = malloc(np * sizeof(*v->ports));
    v->socks = malloc(2 * np * sizeof(*v->socks));
    if (idx == NULL || rbuf == NULL || ebuf == NULL || v->ports == NULL || v->socks == NULL)
        goto oom;
    np = 0;
    for (size_t i = 0; i < n; i++)
        if (views_conn_has_ports(&conns[i]))
            idx[np++] = &conns[i];
    qsort(idx, np, sizeof(*idx), conn_resp_cmp);
    for (size_t i = 0; i < np;) {
        size_t j = i + 1;
        while (j < np && same_port_group(idx[i], idx[j]))
            j++;
        struct fact_source src = {.conns = idx + i};
        build_port(&v->ports[v->n_ports++], &src, j - i, end_ts, rbuf, ebuf, sbuf);
        i = j;
    }
    for (size_t i = 0; i < np; i++) {
        for (int side = 0; side < 2; side++) {
            struct view_socket *s = &v->socks[v->n_socks++];
            views_socket_of_conn(idx[i], side, s);
            /* a record written during TIME_WAIT: its final state is the one
             * at the capture end */
            enum tcp_state st;
            if (s->proto == IPPROTO_NUM_TCP && s->state == TCP_ST_TIME_WAIT &&
                views_socket_state_at(idx[i], side, end_ts, end_ts, two_msl_ns, &st) &&
                st == TCP_ST_CLOSED) {
                s->state = (uint8_t)st;
                s->time_wait_end_ts = tcp_endpoint_time_wait_end(idx[i], side, two_msl_ns);
            }
            s->port_index = views_find_port_ctx(v, idx[i]->ctx, s->proto, s->ip_version,
                                                &s->local_addr, s->local_port);
            if (s->role == ROLE_UNKNOWN) {
                long pi = views_find_port_ctx(v, idx[i]->ctx, idx[i]->proto, idx[i]->ip_version,
                                              &idx[i]->resp_addr, idx[i]->resp_port);
                if (pi >= 0 && v->ports[pi].status == PORT_OPEN)
                    s->role = side == 0 ? ROLE_CLIENT : ROLE_SERVER;
            }
        }
    }
    qsort(v->socks, v->n_socks, sizeof(*v->socks), sock_cmp);
    for (size_t i = 0; i < v->n_socks; i++) {
        long pi = v->socks[i].port_index;
        if (pi < 0)
            continue;
        if (v->ports[pi].n_socks == 0)
            v->ports[pi].first_sock = i;
        v->ports[pi].n_socks++;
    }
    count_carried(v, idx, np);
    if (mark_superseded(v) != 0 || build_hosts(v) != 0)
        goto oom;
    free(idx);
    free(rbuf);
    free(ebuf);
    return 0;
oom:
    free(idx);
    free(rbuf);
    free(ebuf);
    views_free(v);
    ss_err_set(err, "out of memory building views");
    return -1;
}

/* facts by responder endpoint, tunnel context, time: as conn_resp_cmp */
static int fact_resp_cmp(const void *a, const void *b)
{
    const struct view_port_fact *x = *(const struct view_port_fact *const *)a;
    const struct view_port_fact *y = *(const struct view_port_fact *const *)b;
    int r = endpoint_cmp(x->ip_version, &x->resp_addr, x->resp_port, x->proto, y->ip_version,
                         &y->resp_addr, y->resp_port, y->proto);
    if (r == 0)
        r = cmp_u64(x->ctx, y->ctx);
    if (r == 0)
        r = cmp_u64(x->first_ts, y->first_ts);
    if (r == 0)
        r = cmp_u64(x->incarnation, y->incarnation);
    if (r == 0)
        r = cmp_u64(x->id, y->id);
    return r;
}

static int fact_id_cmp(const void *a, const void *b)
{
    const struct view_port_fact *x = *(const struct view_port_fact *const *)a;
    const struct view_port_fact *y = *(const struct view_port_fact *const *)b;
    return cmp_u64(x->id, y->id);
}

/* bsearch: a uint64_t id against a fact pointer */
static int id_fact_cmp(const void *key, const void *elem)
{
    const struct view_port_fact *f = *(const struct view_port_fact *const *)elem;
    return cmp_u64(*(const uint64_t *)key, f->id);
}

/* The sockets views_build would list on each port, counted: every
 * connection's responder socket is on its port, its originator socket on a
 * port when its local endpoint is one; and carried_sockets as count_carried
 * counts them (both sockets of an inner connection, per carrier with a port).
 * byid has room for n pointers. */
static void count_port_sockets(struct views *v, const struct view_port_fact *const *idx, size_t n,
                               const struct view_port_fact **byid)
{
    bool any_parents = false;
    for (size_t i = 0; i < n; i++) {
        const struct view_port_fact *f = idx[i];
        long pi = views_find_port_ctx(v, f->ctx, f->proto, f->ip_version, &f->resp_addr,
                                      f->resp_port);
        if (pi >= 0)
            v->ports[pi].n_socks++;
        pi = views_find_port_ctx(v, f->ctx, f->proto, f->ip_version, &f->orig_addr, f->orig_port);
        if (pi >= 0)
            v->ports[pi].n_socks++;
        any_parents = any_parents || f->n_tunnel_parents > 0;
    }
    if (!any_parents)
        return;
    memcpy(byid, idx, n * sizeof(*byid));
    qsort(byid, n, sizeof(*byid), fact_id_cmp);
    for (size_t i = 0; i < n; i++) {
        const struct view_port_fact *f = idx[i];
        for (unsigned k = 0; k < f->n_tunnel_parents; k++) {
            const struct view_port_fact **hit =
                bsearch(&f->tunnel_parents[k], byid, n, sizeof(*byid), id_fact_cmp);
            if (hit == NULL)
                continue; /* the carrier has no ports (GRE, IP-in-IP) */
            const struct view_port_fact *t = *hit;
            long pi = views_find_port_ctx(v, t->ctx, t->proto, t->ip_version, &t->resp_addr,
                                          t->resp_port);
            if (pi >= 0)
                v->ports[pi].carried_sockets += 2; /* the inner connection's two sockets */
        }
    }
}

int views_build_ports(struct views *v, const struct view_port_fact *facts, size_t n,
                      uint64_t end_ts, struct ss_err *err)
{
    memset(v, 0, sizeof(*v));
    v->end_ts = end_ts;
    if (n == 0)
        return 0;
    const struct view_port_fact **idx = malloc(2 * n * sizeof(*idx));
    struct remote *rbuf = malloc(n * sizeof(*rbuf));
    struct event *ebuf = malloc(4 * n * sizeof(*ebuf));
    v->ports = malloc(n * sizeof(*v->ports));
    if (idx == NULL || rbuf == NULL || ebuf == NULL || v->ports == NULL) {
        free(idx);
        free(rbuf);
        free(ebuf);
        views_free(v);
        ss_err_set(err, "out of memory building views");
        return -1;
    }
    for (size_t i = 0; i < n; i++)
        idx[i] = &facts[i];
    qsort(idx, n, sizeof(*idx), fact_resp_cmp);
    for (size_t i = 0; i < n;) {
        size_t j = i + 1;
        while (j < n && idx[i]->ctx == idx[j]->ctx &&
               endpoint_cmp(idx[i]->ip_version, &idx[i]->resp_addr, idx[i]->resp_port,
                            idx[i]->proto, idx[j]->ip_version, &idx[j]->resp_addr,
                            idx[j]->resp_port, idx[j]->proto) == 0)
            j++;
        struct fact_source src = {.facts = idx + i};
        build_port(&v->ports[v->n_ports++], &src, j - i, end_ts, rbuf, ebuf, ebuf + 2 * n);
        i = j;
    }
    count_port_sockets(v, idx, n, idx + n);
    free(idx);
    free(rbuf);
    free(ebuf);
    return 0;
}

int views_parse_endpoint(const char *s, uint8_t *ip_version, struct ip_addr *addr,
                         uint16_t *port, bool *has_port, struct ss_err *err)
{
    char buf[128];
    const char *host = s, *portstr = NULL;
    size_t len = strlen(s);
    if (len == 0 || len >= sizeof(buf)) {
        ss_err_set(err, "invalid address '%s'", s);
        return -1;
    }
    memcpy(buf, s, len + 1);
    if (buf[0] == '[') {
        char *close = strchr(buf, ']');
        if (close == NULL || (close[1] != '\0' && close[1] != ':')) {
            ss_err_set(err, "invalid address '%s'", s);
            return -1;
        }
        *close = '\0';
        host = buf + 1;
        portstr = close[1] == ':' ? close + 2 : NULL;
    } else {
        char *first = strchr(buf, ':'), *last = strrchr(buf, ':');
        host = buf;
        if (first != NULL && first == last) { /* one colon: IPv4:port */
            *first = '\0';
            portstr = first + 1;
        }
    }
    memset(addr, 0, sizeof(*addr));
    if (inet_pton(AF_INET, host, addr->b) == 1) {
        *ip_version = 4;
    } else if (inet_pton(AF_INET6, host, addr->b) == 1) {
        *ip_version = 6;
    } else {
        ss_err_set(err, "invalid address '%s'", s);
        return -1;
    }
    *has_port = portstr != NULL;
    *port = 0;
    if (portstr != NULL) {
        /* digits only: strtoul alone would skip blanks and take a sign */
        size_t digits = strspn(portstr, "0123456789");
        unsigned long p = strtoul(portstr, NULL, 10);
        if (digits == 0 || portstr[digits] != '\0' || p > 65535) {
            ss_err_set(err, "invalid port in '%s'", s);
            return -1;
        }
        *port = (uint16_t)p;
    }
    return 0;
}

void views_format_endpoint(uint8_t ip_version, const struct ip_addr *addr, uint16_t port,
                           char *buf, size_t len)
{
    char a[64];
    ip_addr_format(addr, ip_version, a, sizeof(a));
    snprintf(buf, len, ip_version == 6 ? "[%s]:%u" : "%s:%u", a, port);
}

size_t views_endpoint_len(uint8_t ip_version, const struct ip_addr *addr, uint16_t port)
{
    char ep[80];
    views_format_endpoint(ip_version, addr, port, ep, sizeof(ep));
    return strlen(ep);
}

/* ---- JSON ---- */

static json_t *addr_json(uint8_t ip_version, const struct ip_addr *a)
{
    char buf[64];
    ip_addr_format(a, ip_version, buf, sizeof(buf));
    return json_string(buf);
}

static const char *proto_json_name(uint8_t proto)
{
    const char *n = services_proto_name(proto);
    return n != NULL ? n : "unknown_transport";
}

static json_t *proto_json(uint8_t proto)
{
    return json_string(proto_json_name(proto));
}

json_t *views_json_port(const struct views *v, const struct view_port *p)
{
    json_t *o = json_object();
    json_object_set_new(o, "proto", proto_json(p->proto));
    json_object_set_new(o, "addr", addr_json(p->ip_version, &p->addr));
    json_object_set_new(o, "port", json_integer(p->port));
    json_object_set_new(o, "service", p->service ? json_string(p->service) : json_null());
    json_t *det = json_array();
    for (unsigned k = 0; k < p->n_detected; k++)
        json_array_append_new(det, json_string(p->detected[k]));
    json_object_set_new(o, "detected", det);
    json_object_set_new(o, "mismatch", json_boolean(p->mismatch));
    const char *group = addr_group_name((enum addr_group)p->group);
    json_object_set_new(o, "group", group ? json_string(group) : json_null());
    json_object_set_new(o, "status", json_string(views_status_name((enum port_status)p->status)));
    json_t *ev = json_object();
    json_object_set_new(ev, "kind", json_string(views_evidence_name((enum port_evidence)p->evidence)));
    json_object_set_new(ev, "ts", output_json_time(p->evidence_ts));
    if (p->evidence == PEV_ICMP_PORT_UNREACH || p->evidence == PEV_ICMP_PROHIBITED ||
        p->evidence == PEV_ICMP_OTHER) {
        json_object_set_new(ev, "icmp_type", json_integer(p->icmp_type));
        json_object_set_new(ev, "icmp_code", json_integer(p->icmp_code));
        json_object_set_new(ev, "icmp_from", addr_json(p->icmp_ip_version, &p->icmp_from));
    }
    json_object_set_new(o, "evidence", ev);
    json_t *l = json_null();
    if (p->has_listener) {
        l = json_object();
        json_object_set_new(l, "state", json_string("LISTEN"));
        json_object_set_new(l, "since", output_json_time(p->listener_since_ts));
    }
    json_object_set_new(o, "listener", l);
    json_t *c = json_object();
    json_object_set_new(c, "total", json_integer((json_int_t)p->n_conns));
    json_object_set_new(c, "completed", json_integer((json_int_t)p->n_completed));
    json_object_set_new(c, "rejected", json_integer((json_int_t)p->n_rejected));
    json_object_set_new(c, "reset", json_integer((json_int_t)p->n_reset));
    json_object_set_new(o, "connections", c);
    json_object_set_new(o, "peak_concurrent", json_integer((json_int_t)p->peak_concurrent));
    json_object_set_new(o, "peak_ts", p->peak_concurrent ? output_json_time(p->peak_ts) : json_null());
    json_object_set_new(o, "remote_sockets", json_integer((json_int_t)p->remote_sockets));
    json_object_set_new(o, "remote_hosts", json_integer((json_int_t)p->remote_hosts));
    json_object_set_new(o, "bytes_in", json_integer((json_int_t)p->bytes_in));
    json_object_set_new(o, "bytes_out", json_integer((json_int_t)p->bytes_out));
    json_object_set_new(o, "sockets", json_integer((json_int_t)p->n_socks));
    if (p->ctx != 0) {
        char tt[256];
        views_tunnel_text(p->tunnel, p->ctx, tt, sizeof(tt));
        json_object_set_new(o, "tunnel", json_string(tt));
    }
    if (p->carried_conns > 0 || p->carried_sockets > 0) {
        json_object_set_new(o, "carried_conns", json_integer((json_int_t)p->carried_conns));
        json_object_set_new(o, "carried_sockets", json_integer((json_int_t)p->carried_sockets));
    }
    if (p->proto == IPPROTO_NUM_TCP) {
        json_t *sr = json_object();
        json_object_set_new(sr, "peak", json_integer((json_int_t)p->syn_recv_peak));
        json_object_set_new(sr, "peak_ts", p->syn_recv_peak ? output_json_time(p->syn_recv_peak_ts) : json_null());
        json_object_set_new(sr, "at_end", json_integer((json_int_t)p->syn_recv_at_end));
        json_object_set_new(sr, "pileup", json_boolean(p->syn_recv_peak >= VIEWS_SYN_RECV_PILEUP));
        json_object_set_new(o, "syn_recv", sr);
    }
    (void)v;
    return o;
}

void views_json_socket_members(struct jout *o, const struct view_socket *s, int local_is_port)
{
    const struct conn *c = s->conn;
    char uid[24];
    conn_uid(c, uid, sizeof(uid));
    jout_str(o, "proto", proto_json_name(s->proto));
    output_json_addr_member(o, "local_addr", &s->local_addr, s->ip_version);
    jout_int(o, "local_port", s->local_port);
    output_json_addr_member(o, "remote_addr", &s->remote_addr, s->ip_version);
    jout_int(o, "remote_port", s->remote_port);
    jout_str(o, "role", views_role_name((enum sock_role)s->role));
    jout_str(o, "side", s->side == 0 ? "orig" : "resp");
    jout_str(o, "uid", uid);
    jout_int(o, "incarnation", c->incarnation);
    if (c->ctx != 0) {
        char tt[256];
        views_tunnel_text(c->tunnel, c->ctx, tt, sizeof(tt));
        jout_str(o, "tunnel", tt);
    }
    jout_bool(o, "local_is_port", local_is_port >= 0 ? local_is_port != 0 : s->port_index >= 0);
    jout_bool(o, "seen", s->seen);
    bool tcp = s->proto == IPPROTO_NUM_TCP;
    if (tcp && views_socket_existed(s))
        jout_str(o, "state", tcp_state_name((enum tcp_state)s->state));
    else
        jout_null(o, "state");
    jout_array(o, "transitions");
    for (unsigned i = 0; tcp && i < c->n_transitions && i < CONN_MAX_TRANSITIONS; i++) {
        const struct conn_transition *t = &c->transitions[i];
        if (t->side != s->side)
            continue;
        jout_object(o, NULL);
        output_json_time_member(o, "ts", c->first_ts + t->dt_ns);
        jout_str(o, "from", tcp_state_name((enum tcp_state)t->from));
        jout_str(o, "to", tcp_state_name((enum tcp_state)t->to));
        jout_end(o);
    }
    if (tcp && s->time_wait_end_ts != 0) { /* the end of TIME_WAIT the views applied */
        jout_object(o, NULL);
        output_json_time_member(o, "ts", s->time_wait_end_ts);
        jout_str(o, "from", tcp_state_name(TCP_ST_TIME_WAIT));
        jout_str(o, "to", tcp_state_name(TCP_ST_CLOSED));
        jout_end(o);
    }
    jout_end(o);
    jout_int(o, "bytes_sent", (json_int_t)s->bytes_sent);
    jout_int(o, "bytes_recv", (json_int_t)s->bytes_recv);
    jout_int(o, "pkts_sent", s->pkts_sent);
    jout_int(o, "pkts_recv", s->pkts_recv);
    struct view_refusal r;
    if ((s->diag & SOCK_D_REFUSED) && views_conn_refusal(c, &r)) {
        jout_object(o, "refused_by");
        jout_str(o, "kind", r.kind);
        output_json_addr_member(o, "from", &r.from, r.ip_version);
        output_json_time_member(o, "ts", r.ts);
        if (strcmp(r.kind, "icmp") == 0) {
            jout_int(o, "icmp_type", r.icmp_type);
            jout_int(o, "icmp_code", r.icmp_code);
        }
        jout_end(o);
    } else {
        jout_null(o, "refused_by");
    }
    jout_array(o, "diagnostics");
    for (uint32_t bit = 1; bit <= SOCK_D_LAST; bit <<= 1)
        if ((s->diag & bit) && bit != SOCK_D_REFUSED)
            jout_str(o, NULL, views_diag_name(bit));
    jout_end(o);
}

json_t *views_json_socket(const struct view_socket *s)
{
    struct jout o;
    jout_tree_object(&o);
    views_json_socket_members(&o, s, -1);
    return jout_tree_done(&o);
}

/* The first port on address addr, whatever its number, protocol and context:
 * ports are in endpoint order (port_lower_bound), so an address's ports lie
 * together from there. */
static size_t first_port_on_addr(const struct views *v, uint8_t ip_version,
                                 const struct ip_addr *addr)
{
    size_t lo = 0, hi = v->n_ports;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        const struct view_port *p = &v->ports[mid];
        if (endpoint_cmp(p->ip_version, &p->addr, 0, 0, ip_version, addr, 0, 0) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

void views_host_port_range(const struct views *v, const struct view_host *h, size_t *first,
                           size_t *end)
{
    size_t i = first_port_on_addr(v, h->ip_version, &h->addr);
    *first = i;
    while (i < v->n_ports && endpoint_cmp(v->ports[i].ip_version, &v->ports[i].addr, 0, 0,
                                          h->ip_version, &h->addr, 0, 0) == 0)
        i++;
    *end = i;
}

json_t *views_json_host(const struct views *v, const struct view_host *h)
{
    json_t *o = json_object();
    json_object_set_new(o, "addr", addr_json(h->ip_version, &h->addr));
    json_object_set_new(o, "ip_version", json_integer(h->ip_version));
    const char *group = addr_group_name((enum addr_group)h->group);
    json_object_set_new(o, "group", group ? json_string(group) : json_null());
    json_t *lp = json_array();
    size_t first, end;
    views_host_port_range(v, h, &first, &end);
    for (size_t i = first; i < end; i++) {
        const struct view_port *p = &v->ports[i];
        if (p->status != PORT_OPEN || p->ctx != h->ctx || p->ip_version != h->ip_version ||
            memcmp(p->addr.b, h->addr.b, 16) != 0)
            continue;
        json_t *e = json_object();
        json_object_set_new(e, "proto", proto_json(p->proto));
        json_object_set_new(e, "port", json_integer(p->port));
        json_object_set_new(e, "service", p->service ? json_string(p->service) : json_null());
        json_object_set_new(e, "listener", json_boolean(p->has_listener));
        json_array_append_new(lp, e);
    }
    json_object_set_new(o, "listening_ports", lp);
    json_object_set_new(o, "ports", json_integer((json_int_t)h->n_ports));
    json_object_set_new(o, "client_sockets", json_integer((json_int_t)h->n_client));
    json_object_set_new(o, "server_sockets", json_integer((json_int_t)h->n_server));
    json_object_set_new(o, "unknown_sockets", json_integer((json_int_t)h->n_unknown));
    json_t *e = json_null();
    if (h->has_ephemeral) {
        e = json_object();
        json_object_set_new(e, "min_port", json_integer(h->eph_min));
        json_object_set_new(e, "max_port", json_integer(h->eph_max));
        json_object_set_new(e, "distinct_ports", json_integer((json_int_t)h->eph_distinct));
        json_object_set_new(e, "tuple_reuses", json_integer((json_int_t)h->tuple_reuses));
        json_object_set_new(e, "reuse_in_time_wait", json_integer((json_int_t)h->reuse_in_time_wait));
    }
    json_object_set_new(o, "ephemeral", e);
    if (h->ctx != 0) {
        char tt[256];
        views_tunnel_text(h->tunnel, h->ctx, tt, sizeof(tt));
        json_object_set_new(o, "tunnel", json_string(tt));
    }
    return o;
}

/* ---- --sort ---- */

const char *views_sort_field(size_t i)
{
    static const char *const fields[] = {"conns",   "bytes",    "pkts", "peak", "remotes",
                                         "sockets", "duration", "port", "time"};
    return i < sizeof(fields) / sizeof(fields[0]) ? fields[i] : NULL;
}

bool views_sort_key(const struct views *v, const char *view, const char *field, size_t i,
                    uint64_t *key)
{
    uint64_t k = 0;
    bool ok = true;
    if (strcmp(view, "ports") == 0) {
        const struct view_port *p = v ? &v->ports[i] : NULL;
        if (strcmp(field, "conns") == 0)
            k = p ? p->n_conns : 0;
        else if (strcmp(field, "bytes") == 0)
            k = p ? p->bytes_in + p->bytes_out : 0;
        else if (strcmp(field, "peak") == 0)
            k = p ? p->peak_concurrent : 0;
        else if (strcmp(field, "remotes") == 0)
            k = p ? p->remote_sockets : 0;
        else if (strcmp(field, "sockets") == 0)
            k = p ? p->n_socks : 0;
        else if (strcmp(field, "port") == 0)
            k = p ? UINT64_MAX - p->port : 0;
        else
            ok = false;
    } else if (strcmp(view, "sockets") == 0) {
        const struct view_socket *s = v ? &v->socks[i] : NULL;
        if (strcmp(field, "bytes") == 0)
            k = s ? s->bytes_sent + s->bytes_recv : 0;
        else if (strcmp(field, "pkts") == 0)
            k = s ? (uint64_t)s->pkts_sent + s->pkts_recv : 0;
        else if (strcmp(field, "time") == 0)
            k = s ? UINT64_MAX - s->conn->first_ts : 0;
        else if (strcmp(field, "duration") == 0)
            k = s ? s->conn->last_ts - s->conn->first_ts : 0;
        else if (strcmp(field, "port") == 0)
            k = s ? UINT64_MAX - s->local_port : 0;
        else
            ok = false;
    } else if (strcmp(view, "conns") == 0) {
        const struct conn *c = v ? &v->conns[i] : NULL;
        if (strcmp(field, "bytes") == 0)
            k = c ? c->dir[0].payload_bytes + c->dir[1].payload_bytes : 0;
        else if (strcmp(field, "pkts") == 0)
            k = c ? (uint64_t)c->dir[0].pkts + c->dir[1].pkts : 0;
        else if (strcmp(field, "time") == 0)
            k = c ? UINT64_MAX - c->first_ts : 0;
        else if (strcmp(field, "duration") == 0)
            k = c ? c->last_ts - c->first_ts : 0;
        else if (strcmp(field, "port") == 0)
            k = c ? UINT64_MAX - c->resp_port : 0;
        else
            ok = false;
    } else if (strcmp(view, "hosts") == 0) {
        const struct view_host *h = v ? &v->hosts[i] : NULL;
        if (strcmp(field, "sockets") == 0 || strcmp(field, "conns") == 0)
            k = h ? h->n_client + h->n_server + h->n_unknown : 0;
        else if (strcmp(field, "port") == 0 || strcmp(field, "peak") == 0)
            k = h ? h->n_ports : 0;
        else
            ok = false;
    } else {
        ok = false;
    }
    if (key != NULL)
        *key = k;
    return ok;
}
