/* conn_log.c - Zeek ASCII writer format for conn.log (logging/writers/Ascii).
 *
 * One table of columns: each has its name, its Zeek type and the function that
 * writes its value, so the #fields and #types lines and every record line come
 * from the same place. Zeek's columns first, in conn.log's order; then
 * sockscope's, named as in the JSON records (docs/json.md), nested JSON members
 * flattened (tcp.orig.retransmissions -> orig_retransmissions). An unset value
 * is "-", an empty set or vector "(empty)", as Zeek writes them. */
#include "conn_log.h"

#include <inttypes.h>
#include <string.h>

#include "dpi.h"
#include "services.h"
#include "timefmt.h"
#include "zeek_conn.h"

static void unset(FILE *out)
{
    fputc('-', out);
}

/* Zeek's time and interval: seconds with six decimals (microseconds rounded
 * half up) */
static void put_seconds(FILE *out, uint64_t ns)
{
    uint64_t us = (ns + 500) / 1000;
    fprintf(out, "%" PRIu64 ".%06" PRIu64, us / 1000000, us % 1000000);
}

static void put_count(FILE *out, uint64_t n)
{
    fprintf(out, "%" PRIu64, n);
}

static void put_bool(FILE *out, bool b)
{
    fputc(b ? 'T' : 'F', out);
}

/* A string as Zeek's ASCII writer escapes it: bytes outside printable ASCII,
 * the backslash, the field separator and, inside a set or vector, its
 * separator as \xNN; an empty string is "(empty)", a string that reads as the
 * unset mark "-" is escaped. */
static void put_string(FILE *out, const char *s, bool in_container)
{
    if (s[0] == '\0') {
        fputs("(empty)", out);
        return;
    }
    if (strcmp(s, "-") == 0) {
        fputs("\\x2d", out);
        return;
    }
    for (const unsigned char *p = (const unsigned char *)s; *p != '\0'; p++) {
        if (*p < 0x20 || *p >= 0x7f || *p == '\\' || (in_container && *p == ','))
            fprintf(out, "\\x%02x", *p);
        else
            fputc(*p, out);
    }
}

static bool is_tcp(const struct conn *c)
{
    return c->proto == IPPROTO_NUM_TCP;
}

static uint64_t zeek_duration(const struct conn *c)
{
    return c->zeek_last_ts > c->first_ts ? c->zeek_last_ts - c->first_ts : 0;
}

/* ---- Zeek's columns ---- */

static void col_ts(FILE *out, const struct conn *c)
{
    put_seconds(out, c->first_ts);
}

static void col_uid(FILE *out, const struct conn *c)
{
    char uid[24];
    conn_uid(c, uid, sizeof(uid));
    fputs(uid, out);
}

static void put_addr(FILE *out, const struct ip_addr *a, uint8_t ip_version)
{
    char buf[64];
    ip_addr_format(a, ip_version, buf, sizeof(buf));
    fputs(buf, out);
}

static void col_orig_h(FILE *out, const struct conn *c)
{
    put_addr(out, &c->orig_addr, c->ip_version);
}

static void col_orig_p(FILE *out, const struct conn *c)
{
    put_count(out, c->orig_port);
}

static void col_resp_h(FILE *out, const struct conn *c)
{
    put_addr(out, &c->resp_addr, c->ip_version);
}

static void col_resp_p(FILE *out, const struct conn *c)
{
    put_count(out, c->resp_port);
}

static void col_proto(FILE *out, const struct conn *c)
{
    fputs(services_zeek_proto(c->proto), out);
}

static void col_service(FILE *out, const struct conn *c)
{
    if (c->service[0] != '\0')
        put_string(out, c->service, true); /* Zeek's service is a set */
    else
        unset(out);
}

/* duration and the two byte counts: unset when the duration is 0, as Zeek */
static void col_duration(FILE *out, const struct conn *c)
{
    if (zeek_duration(c) > 0)
        put_seconds(out, zeek_duration(c));
    else
        unset(out);
}

static void col_orig_bytes(FILE *out, const struct conn *c)
{
    if (zeek_duration(c) > 0)
        put_count(out, zeek_conn_orig_bytes(&c->zeek));
    else
        unset(out);
}

static void col_resp_bytes(FILE *out, const struct conn *c)
{
    if (zeek_duration(c) > 0)
        put_count(out, zeek_conn_resp_bytes(&c->zeek));
    else
        unset(out);
}

static void col_conn_state(FILE *out, const struct conn *c)
{
    fputs(zeek_conn_state(&c->zeek), out);
}

/* local_orig, local_resp: Site::local_nets is not known here */
static void col_unset(FILE *out, const struct conn *c)
{
    (void)c;
    unset(out);
}

static void col_missed_bytes(FILE *out, const struct conn *c)
{
    put_count(out, zeek_conn_missed_bytes(&c->zeek));
}

static void col_history(FILE *out, const struct conn *c)
{
    if (c->zeek.history[0] != '\0')
        fputs(c->zeek.history, out);
    else
        unset(out);
}

static void col_orig_pkts(FILE *out, const struct conn *c)
{
    put_count(out, c->dir[0].pkts);
}

static void col_orig_ip_bytes(FILE *out, const struct conn *c)
{
    put_count(out, c->dir[0].ip_bytes);
}

static void col_resp_pkts(FILE *out, const struct conn *c)
{
    put_count(out, c->dir[1].pkts);
}

static void col_resp_ip_bytes(FILE *out, const struct conn *c)
{
    put_count(out, c->dir[1].ip_bytes);
}

static void col_tunnel_parents(FILE *out, const struct conn *c)
{
    if (c->n_tunnel_parents == 0)
        fputs("(empty)", out);
    for (unsigned i = 0; i < c->n_tunnel_parents && i < CONN_MAX_TUNNEL_PARENTS; i++) {
        char puid[24];
        conn_uid_of_id(c->tunnel_parents[i], puid, sizeof(puid));
        fprintf(out, "%s%s", i ? "," : "", puid);
    }
}

static void col_community_id(FILE *out, const struct conn *c)
{
    char cid[64];
    conn_community_id(c, cid, sizeof(cid));
    if (cid[0] != '\0')
        fputs(cid, out);
    else
        unset(out);
}

/* ---- sockscope's columns ---- */

static void col_orig_wire_bytes(FILE *out, const struct conn *c)
{
    put_count(out, c->dir[0].wire_bytes);
}

static void col_resp_wire_bytes(FILE *out, const struct conn *c)
{
    put_count(out, c->dir[1].wire_bytes);
}

static void col_end_reason(FILE *out, const struct conn *c)
{
    fputs(end_reason_name((enum end_reason)c->end_reason), out);
}

static void col_incarnation(FILE *out, const struct conn *c)
{
    put_count(out, c->incarnation);
}

static void col_orig_state(FILE *out, const struct conn *c)
{
    if (is_tcp(c))
        fputs(tcp_state_name((enum tcp_state)c->dir[0].state), out);
    else
        unset(out);
}

static void col_resp_state(FILE *out, const struct conn *c)
{
    if (is_tcp(c))
        fputs(tcp_state_name((enum tcp_state)c->dir[1].state), out);
    else
        unset(out);
}

static void col_ip_proto(FILE *out, const struct conn *c)
{
    put_count(out, c->proto);
}

static void col_orig_payload_bytes(FILE *out, const struct conn *c)
{
    put_count(out, c->dir[0].payload_bytes);
}

static void col_resp_payload_bytes(FILE *out, const struct conn *c)
{
    put_count(out, c->dir[1].payload_bytes);
}

static void col_last_ts(FILE *out, const struct conn *c)
{
    put_seconds(out, c->last_ts);
}

static void col_orientation(FILE *out, const struct conn *c)
{
    fputs(orientation_name((enum orientation)c->orientation), out);
}

static void col_direction_inferred(FILE *out, const struct conn *c)
{
    put_bool(out, c->direction_inferred);
}

/* prev_close_gap and reuse_in_time_wait: only for a later incarnation */
static void col_prev_close_gap(FILE *out, const struct conn *c)
{
    if (c->incarnation > 1)
        put_seconds(out, c->prev_close_gap_ns);
    else
        unset(out);
}

static void col_reuse_in_time_wait(FILE *out, const struct conn *c)
{
    if (c->incarnation > 1)
        put_bool(out, (c->flags & CONN_F_REUSE_IN_TIME_WAIT) != 0);
    else
        unset(out);
}

/* vlan and inner_vlan: Zeek's names (policy/protocols/conn/vlan-logging) */
static void col_vlan(FILE *out, const struct conn *c)
{
    if (c->vlan != 0)
        put_count(out, c->vlan);
    else
        unset(out);
}

static void col_inner_vlan(FILE *out, const struct conn *c)
{
    if (c->vlan_inner != 0)
        put_count(out, c->vlan_inner);
    else
        unset(out);
}

static void col_flags(FILE *out, const struct conn *c)
{
    bool any = false;
    for (uint32_t bit = 1; bit != 0 && bit <= c->flags; bit <<= 1) {
        if ((c->flags & bit) && conn_flag_name(bit) != NULL) {
            fprintf(out, "%s%s", any ? "," : "", conn_flag_name(bit));
            any = true;
        }
    }
    if (!any)
        fputs("(empty)", out);
}

static void col_handshake_validated(FILE *out, const struct conn *c)
{
    if (is_tcp(c))
        put_bool(out, c->handshake_validated);
    else
        unset(out);
}

/* Each transition as one vector element "TS SIDE FROM->TO"
 * ("1700000000.000800 resp LISTEN->SYN_RECEIVED"). */
static void col_transitions(FILE *out, const struct conn *c)
{
    if (!is_tcp(c)) {
        unset(out);
        return;
    }
    if (c->n_transitions == 0)
        fputs("(empty)", out);
    for (unsigned i = 0; i < c->n_transitions && i < CONN_MAX_TRANSITIONS; i++) {
        const struct conn_transition *t = &c->transitions[i];
        if (i > 0)
            fputc(',', out);
        put_seconds(out, c->first_ts + t->dt_ns);
        fprintf(out, " %s %s->%s", t->side == 0 ? "orig" : "resp",
                tcp_state_name((enum tcp_state)t->from), tcp_state_name((enum tcp_state)t->to));
    }
}

/* The TCP counters per direction (JSON: tcp.orig.*, tcp.resp.*); unset for
 * other protocols. */
#define TCP_COUNT_COLUMNS(field)                                                   \
    static void col_orig_##field(FILE *out, const struct conn *c)                 \
    {                                                                              \
        if (is_tcp(c))                                                             \
            put_count(out, c->tcp_counts[0].field);                                \
        else                                                                       \
            unset(out);                                                            \
    }                                                                              \
    static void col_resp_##field(FILE *out, const struct conn *c)                 \
    {                                                                              \
        if (is_tcp(c))                                                             \
            put_count(out, c->tcp_counts[1].field);                                \
        else                                                                       \
            unset(out);                                                            \
    }
TCP_COUNT_COLUMNS(retransmissions)
TCP_COUNT_COLUMNS(out_of_order)
TCP_COUNT_COLUMNS(zero_window)
TCP_COUNT_COLUMNS(dup_acks)
TCP_COUNT_COLUMNS(keepalives)

static void put_mss(FILE *out, const struct conn *c, unsigned side)
{
    if (is_tcp(c) && c->dir[side].mss != 0)
        put_count(out, c->dir[side].mss);
    else
        unset(out);
}

static void col_orig_mss(FILE *out, const struct conn *c)
{
    put_mss(out, c, 0);
}

static void col_resp_mss(FILE *out, const struct conn *c)
{
    put_mss(out, c, 1);
}

static void put_wscale(FILE *out, const struct conn *c, unsigned side)
{
    if (is_tcp(c) && c->dir[side].wscale >= 0)
        put_count(out, (uint64_t)c->dir[side].wscale);
    else
        unset(out);
}

static void col_orig_wscale(FILE *out, const struct conn *c)
{
    put_wscale(out, c, 0);
}

static void col_resp_wscale(FILE *out, const struct conn *c)
{
    put_wscale(out, c, 1);
}

static void col_rtt_syn_synack(FILE *out, const struct conn *c)
{
    if (is_tcp(c) && c->syn_ts && c->synack_ts >= c->syn_ts)
        put_seconds(out, c->synack_ts - c->syn_ts);
    else
        unset(out);
}

static void col_rtt_synack_ack(FILE *out, const struct conn *c)
{
    if (is_tcp(c) && c->synack_ts && c->ack_ts >= c->synack_ts)
        put_seconds(out, c->ack_ts - c->synack_ts);
    else
        unset(out);
}

static void col_out_of_window_rsts(FILE *out, const struct conn *c)
{
    if (is_tcp(c))
        put_count(out, c->out_of_window_rsts);
    else
        unset(out);
}

static void col_refused_by_rst(FILE *out, const struct conn *c)
{
    if (is_tcp(c))
        put_bool(out, c->refused_by_rst);
    else
        unset(out);
}

/* The ICMP error that quoted the connection (JSON: icmp_error.*). */
static void col_icmp_error_type(FILE *out, const struct conn *c)
{
    if (c->has_icmp)
        put_count(out, c->icmp.type);
    else
        unset(out);
}

static void col_icmp_error_code(FILE *out, const struct conn *c)
{
    if (c->has_icmp)
        put_count(out, c->icmp.code);
    else
        unset(out);
}

static void col_icmp_error_from(FILE *out, const struct conn *c)
{
    if (c->has_icmp)
        put_addr(out, &c->icmp.from, c->icmp.ip_version);
    else
        unset(out);
}

static void col_icmp_error_ts(FILE *out, const struct conn *c)
{
    if (c->has_icmp)
        put_seconds(out, c->icmp.ts_ns);
    else
        unset(out);
}

static void col_icmp_error_mtu(FILE *out, const struct conn *c)
{
    if (c->has_icmp && c->icmp.mtu != 0)
        put_count(out, c->icmp.mtu);
    else
        unset(out);
}

static void col_carried_conns(FILE *out, const struct conn *c)
{
    if (c->carried_conns > 0)
        put_count(out, c->carried_conns);
    else
        unset(out);
}

/* nDPI's answer: unset with --no-dpi or before detection ended */
static void col_app_protocol(FILE *out, const struct conn *c)
{
    if (c->dpi_done)
        put_string(out, c->app_name, false);
    else
        unset(out);
}

static void col_app_category(FILE *out, const struct conn *c)
{
    if (c->dpi_done)
        put_string(out, c->app_category, false);
    else
        unset(out);
}

static void col_app_confidence(FILE *out, const struct conn *c)
{
    if (c->dpi_done)
        put_string(out, dpi_confidence_name(c->app_confidence), false);
    else
        unset(out);
}

/* from the traffic (TLS SNI, HTTP Host, DNS name): escaped */
static void col_app_host(FILE *out, const struct conn *c)
{
    if (c->dpi_done && c->app_host[0] != '\0')
        put_string(out, c->app_host, false);
    else
        unset(out);
}

static void col_app_host_truncated(FILE *out, const struct conn *c)
{
    if (c->dpi_done && c->app_host_truncated) /* as the JSON member: present when true */
        put_bool(out, true);
    else
        unset(out);
}

static void col_app_port_mismatch(FILE *out, const struct conn *c)
{
    if (c->dpi_done)
        put_bool(out, c->app_port_mismatch);
    else
        unset(out);
}

static void col_dpi_packets(FILE *out, const struct conn *c)
{
    if (c->dpi_done)
        put_count(out, c->dpi_packets);
    else
        unset(out);
}

struct column {
    const char *name;
    const char *type; /* Zeek's */
    void (*put)(FILE *out, const struct conn *c);
};

static const struct column columns[] = {
    {"ts", "time", col_ts},
    {"uid", "string", col_uid},
    {"id.orig_h", "addr", col_orig_h},
    {"id.orig_p", "port", col_orig_p},
    {"id.resp_h", "addr", col_resp_h},
    {"id.resp_p", "port", col_resp_p},
    {"proto", "enum", col_proto},
    {"service", "string", col_service},
    {"duration", "interval", col_duration},
    {"orig_bytes", "count", col_orig_bytes},
    {"resp_bytes", "count", col_resp_bytes},
    {"conn_state", "string", col_conn_state},
    {"local_orig", "bool", col_unset},
    {"local_resp", "bool", col_unset},
    {"missed_bytes", "count", col_missed_bytes},
    {"history", "string", col_history},
    {"orig_pkts", "count", col_orig_pkts},
    {"orig_ip_bytes", "count", col_orig_ip_bytes},
    {"resp_pkts", "count", col_resp_pkts},
    {"resp_ip_bytes", "count", col_resp_ip_bytes},
    {"tunnel_parents", "set[string]", col_tunnel_parents},
    {"community_id", "string", col_community_id},
    {"orig_wire_bytes", "count", col_orig_wire_bytes},
    {"resp_wire_bytes", "count", col_resp_wire_bytes},
    {"end_reason", "string", col_end_reason},
    {"incarnation", "count", col_incarnation},
    {"orig_state", "string", col_orig_state},
    {"resp_state", "string", col_resp_state},
    {"ip_proto", "count", col_ip_proto},
    {"orig_payload_bytes", "count", col_orig_payload_bytes},
    {"resp_payload_bytes", "count", col_resp_payload_bytes},
    {"last_ts", "time", col_last_ts},
    {"orientation", "string", col_orientation},
    {"direction_inferred", "bool", col_direction_inferred},
    {"prev_close_gap", "interval", col_prev_close_gap},
    {"reuse_in_time_wait", "bool", col_reuse_in_time_wait},
    {"vlan", "int", col_vlan},
    {"inner_vlan", "int", col_inner_vlan},
    {"flags", "set[string]", col_flags},
    {"handshake_validated", "bool", col_handshake_validated},
    {"transitions", "vector[string]", col_transitions},
    {"orig_retransmissions", "count", col_orig_retransmissions},
    {"resp_retransmissions", "count", col_resp_retransmissions},
    {"orig_out_of_order", "count", col_orig_out_of_order},
    {"resp_out_of_order", "count", col_resp_out_of_order},
    {"orig_zero_window", "count", col_orig_zero_window},
    {"resp_zero_window", "count", col_resp_zero_window},
    {"orig_dup_acks", "count", col_orig_dup_acks},
    {"resp_dup_acks", "count", col_resp_dup_acks},
    {"orig_keepalives", "count", col_orig_keepalives},
    {"resp_keepalives", "count", col_resp_keepalives},
    {"orig_mss", "count", col_orig_mss},
    {"resp_mss", "count", col_resp_mss},
    {"orig_wscale", "count", col_orig_wscale},
    {"resp_wscale", "count", col_resp_wscale},
    {"rtt_syn_synack", "interval", col_rtt_syn_synack},
    {"rtt_synack_ack", "interval", col_rtt_synack_ack},
    {"out_of_window_rsts", "count", col_out_of_window_rsts},
    {"refused_by_rst", "bool", col_refused_by_rst},
    {"icmp_error_type", "count", col_icmp_error_type},
    {"icmp_error_code", "count", col_icmp_error_code},
    {"icmp_error_from", "addr", col_icmp_error_from},
    {"icmp_error_ts", "time", col_icmp_error_ts},
    {"icmp_error_mtu", "count", col_icmp_error_mtu},
    {"carried_conns", "count", col_carried_conns},
    {"app_protocol", "string", col_app_protocol},
    {"app_category", "string", col_app_category},
    {"app_confidence", "string", col_app_confidence},
    {"app_host", "string", col_app_host},
    {"app_host_truncated", "bool", col_app_host_truncated},
    {"app_port_mismatch", "bool", col_app_port_mismatch},
    {"dpi_packets", "count", col_dpi_packets},
};
#define N_COLUMNS (sizeof(columns) / sizeof(columns[0]))

size_t conn_log_column_count(void)
{
    return N_COLUMNS;
}

void conn_log_header(FILE *out, uint64_t open_ts_ns)
{
    /* Zeek writes its wall clock in local time; these are packet times in
     * UTC, the same on every machine */
    char date[TIMEFMT_ZEEK_DATE_SIZE];
    timefmt_zeek_date(open_ts_ns, date, sizeof(date));
    fprintf(out, "#separator \\x09\n#set_separator\t,\n#empty_field\t(empty)\n#unset_field\t-\n");
    fprintf(out, "#path\tconn\n#open\t%s\n#fields", date);
    for (size_t i = 0; i < N_COLUMNS; i++)
        fprintf(out, "\t%s", columns[i].name);
    fprintf(out, "\n#types");
    for (size_t i = 0; i < N_COLUMNS; i++)
        fprintf(out, "\t%s", columns[i].type);
    fputc('\n', out);
}

void conn_log_footer(FILE *out, uint64_t close_ts_ns)
{
    char date[TIMEFMT_ZEEK_DATE_SIZE];
    timefmt_zeek_date(close_ts_ns, date, sizeof(date));
    fprintf(out, "#close\t%s\n", date);
}

void conn_log_record(FILE *out, const struct conn *c)
{
    for (size_t i = 0; i < N_COLUMNS; i++) {
        if (i > 0)
            fputc('\t', out);
        columns[i].put(out, c);
    }
    fputc('\n', out);
}
