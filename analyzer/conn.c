/* conn.c - names and formatting for connection records. */
#include "conn.h"

#include "community_id.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const tcp_state_names[TCP_ST_COUNT] = {
    [TCP_ST_CLOSED] = "CLOSED",           [TCP_ST_LISTEN] = "LISTEN",
    [TCP_ST_SYN_SENT] = "SYN_SENT",       [TCP_ST_SYN_RECEIVED] = "SYN_RECEIVED",
    [TCP_ST_ESTABLISHED] = "ESTABLISHED", [TCP_ST_FIN_WAIT_1] = "FIN_WAIT_1",
    [TCP_ST_FIN_WAIT_2] = "FIN_WAIT_2",   [TCP_ST_CLOSE_WAIT] = "CLOSE_WAIT",
    [TCP_ST_CLOSING] = "CLOSING",         [TCP_ST_LAST_ACK] = "LAST_ACK",
    [TCP_ST_TIME_WAIT] = "TIME_WAIT",
};

/* netstat -an (net-tools) spellings */
static const char *const tcp_state_netstat_names[TCP_ST_COUNT] = {
    [TCP_ST_CLOSED] = "CLOSE",            [TCP_ST_LISTEN] = "LISTEN",
    [TCP_ST_SYN_SENT] = "SYN_SENT",       [TCP_ST_SYN_RECEIVED] = "SYN_RECV",
    [TCP_ST_ESTABLISHED] = "ESTABLISHED", [TCP_ST_FIN_WAIT_1] = "FIN_WAIT1",
    [TCP_ST_FIN_WAIT_2] = "FIN_WAIT2",    [TCP_ST_CLOSE_WAIT] = "CLOSE_WAIT",
    [TCP_ST_CLOSING] = "CLOSING",         [TCP_ST_LAST_ACK] = "LAST_ACK",
    [TCP_ST_TIME_WAIT] = "TIME_WAIT",
};

const char *tcp_state_name(enum tcp_state s)
{
    return (unsigned)s < TCP_ST_COUNT ? tcp_state_names[s] : "?";
}

const char *tcp_state_netstat_name(enum tcp_state s)
{
    return (unsigned)s < TCP_ST_COUNT ? tcp_state_netstat_names[s] : "?";
}

const char *end_reason_name(enum end_reason r)
{
    switch (r) {
    case END_NONE: return "open";
    case END_TIMEOUT: return "timeout";
    case END_EVICTED: return "evicted";
    case END_END_OF_CAPTURE: return "end_of_capture";
    case END_CLOCK_STEP: return "clock_step";
    case END_REUSE: return "reuse";
    case END_CLOSED: return "closed";
    case END_SHUTDOWN: return "shutdown";
    }
    return "?";
}

const char *orientation_name(enum orientation o)
{
    switch (o) {
    case ORIENT_HANDSHAKE: return "handshake";
    case ORIENT_SYN_ACK: return "syn-ack";
    case ORIENT_SERVER_PORT: return "server-port";
    case ORIENT_FIRST_PACKET: return "first-packet";
    }
    return "?";
}

const char *conn_flag_name(uint32_t f)
{
    switch (f) {
    case CONN_F_ORIG_NOT_SEEN: return "orig_not_seen";
    case CONN_F_RESP_NOT_SEEN: return "resp_not_seen";
    case CONN_F_HEADERS_TRUNCATED: return "headers_truncated";
    case CONN_F_SEQ_GAP: return "seq_gap";
    case CONN_F_CAPTURE_DROPS: return "capture_drops";
    case CONN_F_SIMULTANEOUS_OPEN: return "simultaneous_open";
    case CONN_F_SIMULTANEOUS_CLOSE: return "simultaneous_close";
    case CONN_F_DATA_AFTER_FIN: return "data_after_fin";
    case CONN_F_PAYLOAD_TRUNCATED: return "payload_truncated";
    case CONN_F_TRANSITIONS_FULL: return "transitions_truncated";
    case CONN_F_FLIPPED: return "flipped";
    case CONN_F_REUSE_IN_TIME_WAIT: return "reuse_in_time_wait";
    case CONN_F_BAD_CHECKSUM: return "bad_checksum";
    case CONN_F_AFTER_CLOSE: return "after_close";
    case CONN_F_SIBLING_TUNNELS: return "sibling_tunnels";
    default: return NULL;
    }
}

void conn_uid(const struct conn *c, char *buf, size_t len)
{
    conn_uid_of_id(c->id, buf, len);
}

void conn_uid_of_id(uint64_t id, char *buf, size_t len)
{
    static const char b62[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    char tmp[20];
    size_t n = 0;
    tmp[n++] = 'C';
    /* 17 base62 digits, as Zeek's uids have: 64 bits of id, then a mix of it */
    uint64_t v = id, w = id * 0x9e3779b97f4a7c15ull + 0x632be59bd9b4e019ull;
    for (int i = 0; i < 11; i++) {
        tmp[n++] = b62[v % 62];
        v /= 62;
    }
    for (int i = 0; i < 6; i++) {
        tmp[n++] = b62[w % 62];
        w /= 62;
    }
    tmp[n] = '\0';
    if (len == 0)
        return;
    if (n > len - 1) /* cut to fit, as snprintf would */
        n = len - 1;
    memcpy(buf, tmp, n); /* (not snprintf: three uids a connection in NDJSON) */
    buf[n] = '\0';
}

/* An IPv4 address in dotted decimal into buf (at least INET_ADDRSTRLEN
 * bytes), as inet_ntop writes it: glibc's goes through sprintf, and NDJSON
 * writes six addresses a connection. */
static void ip4_format(const uint8_t *b, char *buf)
{
    size_t n = 0;
    for (int i = 0; i < 4; i++) {
        unsigned v = b[i];
        if (i > 0)
            buf[n++] = '.';
        if (v >= 100)
            buf[n++] = (char)('0' + v / 100);
        if (v >= 10)
            buf[n++] = (char)('0' + v / 10 % 10);
        buf[n++] = (char)('0' + v % 10);
    }
    buf[n] = '\0';
}

void ip_addr_format(const struct ip_addr *a, uint8_t ip_version, char *buf, size_t len)
{
    if (ip_version == 6) {
        if (inet_ntop(AF_INET6, a->b, buf, (socklen_t)len) == NULL)
            snprintf(buf, len, "?");
    } else if (ip_version == 4) {
        char tmp[INET_ADDRSTRLEN];
        ip4_format(a->b, tmp);
        size_t n = strlen(tmp);
        if (n < len) /* inet_ntop refuses a buffer too small */
            memcpy(buf, tmp, n + 1);
        else
            snprintf(buf, len, "?");
    } else {
        snprintf(buf, len, "-");
    }
}

enum addr_group ip_addr_group(uint8_t ip_version, const uint8_t addr[16])
{
    if (ip_version == 6)
        return addr[0] == 0xff ? GROUP_MULTICAST : GROUP_NONE;
    if (addr[0] >= 224 && addr[0] <= 239)
        return GROUP_MULTICAST;
    if (addr[0] == 255 && addr[1] == 255 && addr[2] == 255 && addr[3] == 255)
        return GROUP_BROADCAST;
    return GROUP_NONE;
}

const char *addr_group_name(enum addr_group g)
{
    switch (g) {
    case GROUP_MULTICAST: return "multicast";
    case GROUP_BROADCAST: return "broadcast";
    case GROUP_NONE: break;
    }
    return NULL;
}

void conn_community_id(const struct conn *c, char *out, size_t len)
{
    struct community_id_input in;
    memset(&in, 0, sizeof(in));
    in.ip_version = c->ip_version;
    memcpy(in.saddr, c->orig_addr.b, 16);
    memcpy(in.daddr, c->resp_addr.b, 16);
    in.proto = c->proto;
    in.sport = c->orig_port; /* ICMP: type; community_id_v1 maps the counterpart */
    in.dport = c->resp_port;
    if (len > 0 && community_id_v1(&in, 0, out, len) != 0)
        out[0] = '\0';
}

void conn_vec_push(struct conn_vec *v, const struct conn *c)
{
    if (v->n == v->cap) {
        size_t ncap = v->cap ? v->cap * 2 : 1024;
        struct conn *nv = realloc(v->v, ncap * sizeof(*nv));
        if (nv == NULL) {
            v->oom = true;
            return;
        }
        v->v = nv;
        v->cap = ncap;
    }
    v->v[v->n++] = *c;
}

struct conn_cold *conn_cold_get(struct conn *c)
{
    if (c->cold == NULL)
        c->cold = calloc(1, sizeof(*c->cold));
    return c->cold;
}

void conn_cold_free(struct conn *c)
{
    free(c->cold);
    c->cold = NULL;
}

void conn_materialize(const struct conn *c, struct conn *rec)
{
    memcpy(rec, c, CONN_OPEN_SIZE);
    memset((char *)rec + CONN_OPEN_SIZE, 0, sizeof(*rec) - CONN_OPEN_SIZE);
    rec->cold = NULL;
    const struct conn_cold *k = c->cold;
    if (k == NULL)
        return;
    rec->tunnel = k->tunnel;
    rec->sibling_tunnel = k->sibling_tunnel;
    rec->prev_close_gap_ns = k->prev_close_gap_ns;
    rec->carried_conns = k->carried_conns;
    rec->out_of_window_rsts = k->out_of_window_rsts;
    rec->has_icmp = k->has_icmp;
    rec->icmp = k->icmp;
    rec->n_tunnel_parents = k->n_tunnel_parents;
    memcpy(rec->tunnel_parents, k->tunnel_parents, sizeof(rec->tunnel_parents));
    memcpy(rec->tcp_counts, k->tcp_counts, sizeof(rec->tcp_counts));
    rec->app_host_truncated = k->app_host_truncated;
    memcpy(rec->app_host, k->app_host, sizeof(rec->app_host));
}

bool conn_icmp_is_refusal(const struct conn_icmp_evidence *ic, bool orig_is_lo)
{
    if (ic->quoted_src_is_lo != orig_is_lo)
        return false; /* the responder's packet: about the originator's port */
    if (ic->ip_version == 6)
        return ic->type == 1;
    return ic->type == 3 && ic->code != 4;
}

int conn_icmp_rank(const struct conn_icmp_evidence *ic, bool orig_is_lo)
{
    if (conn_icmp_is_refusal(ic, orig_is_lo))
        return 3;
    if (ic->ip_version == 6 ? ic->type == 2 : ic->type == 3 && ic->code == 4)
        return 2;
    return 1;
}
