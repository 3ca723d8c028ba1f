/* conn_log.c - Zeek ASCII writer format for conn.log (logging/writers/Ascii).
 *
 * One table of columns: each has its name, its Zeek type and the function that
 * writes its value, so the #fields and #types lines and every record line come
 * from the same place. Zeek's columns first, in conn.log's order; then
 * sockscope's, named as in the JSON records (docs/json.md), nested JSON members
 * flattened (tcp.orig.retransmissions -> orig_retransmissions). An unset value
 * is "-", an empty set or vector "(empty)", as Zeek writes them. */
#include "conn_log.h"

#include <string.h>

#include "dpi.h"
#include "services.h"
#include "timefmt.h"
#include "zeek_conn.h"

/* A record line being built, written to the file when full and at its end:
 * one fwrite per record (a call per field was a third of the time of a
 * large capture's conn.log), never cut, whatever its length. */
struct line {
    FILE *f;
    size_t len;
    char buf[4096];
};

static void line_write(struct line *l, const char *s, size_t n)
{
    while (n > 0) {
        if (l->len == sizeof(l->buf)) {
            fwrite(l->buf, 1, l->len, l->f);
            l->len = 0;
        }
        size_t k = sizeof(l->buf) - l->len;
        if (k > n)
            k = n;
        memcpy(l->buf + l->len, s, k);
        l->len += k;
        s += k;
        n -= k;
    }
}

static void line_putc(struct line *l, char ch)
{
    line_write(l, &ch, 1);
}

static void line_puts(struct line *l, const char *s)
{
    line_write(l, s, strlen(s));
}

static void unset(struct line *out)
{
    line_putc(out, '-');
}

static void put_count(struct line *out, uint64_t n)
{
    char digits[20];
    size_t i = sizeof(digits);
    do {
        digits[--i] = (char)('0' + n % 10);
        n /= 10;
    } while (n != 0);
    line_write(out, digits + i, sizeof(digits) - i);
}

/* Zeek's time and interval: seconds with six decimals (microseconds rounded
 * half up) */
static void put_seconds(struct line *out, uint64_t ns)
{
    uint64_t us = timefmt_round_us(ns);
    put_count(out, us / 1000000);
    char frac[7] = {'.'};
    uint64_t f = us % 1000000;
    for (int i = 6; i >= 1; i--, f /= 10)
        frac[i] = (char)('0' + f % 10);
    line_write(out, frac, sizeof(frac));
}

static void put_bool(struct line *out, bool b)
{
    line_putc(out, b ? 'T' : 'F');
}

/* A string as Zeek's ASCII writer escapes it: bytes outside printable ASCII,
 * the backslash and the field separator as \xNN; an empty string is
 * "(empty)", and a string that reads as one of the two marks, the unset "-"
 * or the empty "(empty)", has its first byte escaped (Zeek's
 * escapeReservedContent), so that a reader takes it for the text it is. (The
 * sets and vectors written here hold names of sockscope's own, flags, uids and
 * states, which need no escaping.) */
static void put_text(struct line *out, const char *s)
{
    static const char hex[] = "0123456789abcdef";
    if (s[0] == '\0') {
        line_puts(out, "(empty)");
        return;
    }
    if (strcmp(s, "-") == 0 || strcmp(s, "(empty)") == 0) {
        char esc[4] = {'\\', 'x', hex[(unsigned char)s[0] >> 4], hex[s[0] & 15]};
        line_write(out, esc, sizeof(esc));
        line_puts(out, s + 1);
        return;
    }
    for (const unsigned char *p = (const unsigned char *)s; *p != '\0'; p++) {
        if (*p < 0x20 || *p >= 0x7f || *p == '\\') {
            char esc[4] = {'\\', 'x', hex[*p >> 4], hex[*p & 15]};
            line_write(out, esc, sizeof(esc));
        } else {
            line_putc(out, (char)*p);
        }
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

/* Column writers that differ only in the value and when it is set: col_NAME
 * writes EXPR of the record c, or "-" (unset) when COND does not hold. */
#define COUNT_COLUMN(name, expr)                                               \
    static void col_##name(struct line *out, const struct conn *c)             \
    {                                                                          \
        put_count(out, (uint64_t)(expr));                                      \
    }
#define OPTIONAL_COLUMN(name, put, cond, expr)                                 \
    static void col_##name(struct line *out, const struct conn *c)             \
    {                                                                          \
        if (cond)                                                              \
            put(out, expr);                                                    \
        else                                                                   \
            unset(out);                                                        \
    }
/* put_count of a value of any unsigned or checked-non-negative type */
#define PUT_COUNT(out, v) put_count((out), (uint64_t)(v))

static void put_addr(struct line *out, const struct ip_addr *a, uint8_t ip_version)
{
    char buf[64];
    ip_addr_format(a, ip_version, buf, sizeof(buf));
    line_puts(out, buf);
}

/* ---- Zeek's columns ---- */

static void col_ts(struct line *out, const struct conn *c)
{
    put_seconds(out, c->first_ts);
}

static void col_uid(struct line *out, const struct conn *c)
{
    char uid[24];
    conn_uid(c, uid, sizeof(uid));
    line_puts(out, uid);
}

static void col_orig_h(struct line *out, const struct conn *c)
{
    put_addr(out, &c->orig_addr, c->ip_version);
}

static void col_resp_h(struct line *out, const struct conn *c)
{
    put_addr(out, &c->resp_addr, c->ip_version);
}

COUNT_COLUMN(orig_p, c->orig_port)
COUNT_COLUMN(resp_p, c->resp_port)

static void col_proto(struct line *out, const struct conn *c)
{
    line_puts(out, services_zeek_proto(c->proto));
}

/* Zeek's service is its analyzers' names joined with commas into a string
 * ("netbios,smb"), written with the commas as they are */
OPTIONAL_COLUMN(service, put_text, c->service[0] != '\0', c->service)

/* duration and the two byte counts: unset when the duration is 0, as Zeek */
OPTIONAL_COLUMN(duration, put_seconds, zeek_duration(c) > 0, zeek_duration(c))
OPTIONAL_COLUMN(orig_bytes, PUT_COUNT, zeek_duration(c) > 0, zeek_conn_orig_bytes(&c->zeek))
OPTIONAL_COLUMN(resp_bytes, PUT_COUNT, zeek_duration(c) > 0, zeek_conn_resp_bytes(&c->zeek))

static void col_conn_state(struct line *out, const struct conn *c)
{
    line_puts(out, zeek_conn_state(&c->zeek));
}

/* local_orig, local_resp: Site::local_nets is not known here */
static void col_unset(struct line *out, const struct conn *c)
{
    (void)c;
    unset(out);
}

COUNT_COLUMN(missed_bytes, zeek_conn_missed_bytes(&c->zeek))

static void put_plain(struct line *out, const char *s)
{
    line_puts(out, s);
}
OPTIONAL_COLUMN(history, put_plain, c->zeek.history[0] != '\0', c->zeek.history)

COUNT_COLUMN(orig_pkts, c->dir[0].pkts)
COUNT_COLUMN(orig_ip_bytes, c->dir[0].ip_bytes)
COUNT_COLUMN(resp_pkts, c->dir[1].pkts)
COUNT_COLUMN(resp_ip_bytes, c->dir[1].ip_bytes)

static void col_tunnel_parents(struct line *out, const struct conn *c)
{
    if (c->n_tunnel_parents == 0)
        line_puts(out, "(empty)");
    for (unsigned i = 0; i < c->n_tunnel_parents && i < CONN_MAX_TUNNEL_PARENTS; i++) {
        char puid[24];
        conn_uid_of_id(c->tunnel_parents[i], puid, sizeof(puid));
        if (i > 0)
            line_putc(out, ',');
        line_puts(out, puid);
    }
}

static void col_community_id(struct line *out, const struct conn *c)
{
    char cid[64];
    conn_community_id(c, cid, sizeof(cid));
    if (cid[0] != '\0')
        line_puts(out, cid);
    else
        unset(out);
}

/* ---- sockscope's columns ---- */

COUNT_COLUMN(orig_wire_bytes, c->dir[0].wire_bytes)
COUNT_COLUMN(resp_wire_bytes, c->dir[1].wire_bytes)

static void col_end_reason(struct line *out, const struct conn *c)
{
    line_puts(out, end_reason_name((enum end_reason)c->end_reason));
}

COUNT_COLUMN(incarnation, c->incarnation)
OPTIONAL_COLUMN(orig_state, put_plain, is_tcp(c), tcp_state_name((enum tcp_state)c->dir[0].state))
OPTIONAL_COLUMN(resp_state, put_plain, is_tcp(c), tcp_state_name((enum tcp_state)c->dir[1].state))
COUNT_COLUMN(ip_proto, c->proto)
COUNT_COLUMN(orig_payload_bytes, c->dir[0].payload_bytes)
COUNT_COLUMN(resp_payload_bytes, c->dir[1].payload_bytes)

static void col_last_ts(struct line *out, const struct conn *c)
{
    put_seconds(out, c->last_ts);
}

static void col_orientation(struct line *out, const struct conn *c)
{
    line_puts(out, orientation_name((enum orientation)c->orientation));
}

static void col_direction_inferred(struct line *out, const struct conn *c)
{
    put_bool(out, c->direction_inferred);
}

/* prev_close_gap and reuse_in_time_wait: only for a later incarnation */
OPTIONAL_COLUMN(prev_close_gap, put_seconds, c->incarnation > 1, c->prev_close_gap_ns)
OPTIONAL_COLUMN(reuse_in_time_wait, put_bool, c->incarnation > 1,
                (c->flags & CONN_F_REUSE_IN_TIME_WAIT) != 0)
/* vlan and inner_vlan: Zeek's names (policy/protocols/conn/vlan-logging) */
OPTIONAL_COLUMN(vlan, PUT_COUNT, c->vlan != 0, c->vlan)
OPTIONAL_COLUMN(inner_vlan, PUT_COUNT, c->vlan_inner != 0, c->vlan_inner)

static void col_flags(struct line *out, const struct conn *c)
{
    bool any = false;
    for (uint32_t bit = 1; bit != 0 && bit <= c->flags; bit <<= 1) {
        if ((c->flags & bit) && conn_flag_name(bit) != NULL) {
            if (any)
                line_putc(out, ',');
            line_puts(out, conn_flag_name(bit));
            any = true;
        }
    }
    if (!any)
        line_puts(out, "(empty)");
}

OPTIONAL_COLUMN(handshake_validated, put_bool, is_tcp(c), c->handshake_validated)

/* Each transition as one vector element "TS SIDE FROM->TO"
 * ("1700000000.000800 resp LISTEN->SYN_RECEIVED"). */
static void col_transitions(struct line *out, const struct conn *c)
{
    if (!is_tcp(c)) {
        unset(out);
        return;
    }
    if (c->n_transitions == 0)
        line_puts(out, "(empty)");
    for (unsigned i = 0; i < c->n_transitions && i < CONN_MAX_TRANSITIONS; i++) {
        const struct conn_transition *t = &c->transitions[i];
        if (i > 0)
            line_putc(out, ',');
        put_seconds(out, c->first_ts + t->dt_ns);
        line_puts(out, t->side == 0 ? " orig " : " resp ");
        line_puts(out, tcp_state_name((enum tcp_state)t->from));
        line_puts(out, "->");
        line_puts(out, tcp_state_name((enum tcp_state)t->to));
    }
}

/* The TCP counters per direction (JSON: tcp.orig.*, tcp.resp.*), unset for
 * other protocols; MSS and window scale also when the SYN had none. */
#define TCP_DIR_COLUMNS(field)                                                 \
    OPTIONAL_COLUMN(orig_##field, PUT_COUNT, is_tcp(c), c->tcp_counts[0].field) \
    OPTIONAL_COLUMN(resp_##field, PUT_COUNT, is_tcp(c), c->tcp_counts[1].field)
TCP_DIR_COLUMNS(missed_bytes)
TCP_DIR_COLUMNS(retransmissions)
TCP_DIR_COLUMNS(out_of_order)
TCP_DIR_COLUMNS(zero_window)
TCP_DIR_COLUMNS(dup_acks)
TCP_DIR_COLUMNS(keepalives)
OPTIONAL_COLUMN(orig_mss, PUT_COUNT, is_tcp(c) && c->dir[0].mss != 0, c->dir[0].mss)
OPTIONAL_COLUMN(resp_mss, PUT_COUNT, is_tcp(c) && c->dir[1].mss != 0, c->dir[1].mss)
OPTIONAL_COLUMN(orig_wscale, PUT_COUNT, is_tcp(c) && c->dir[0].wscale >= 0, c->dir[0].wscale)
OPTIONAL_COLUMN(resp_wscale, PUT_COUNT, is_tcp(c) && c->dir[1].wscale >= 0, c->dir[1].wscale)
OPTIONAL_COLUMN(rtt_syn_synack, put_seconds, is_tcp(c) && c->syn_ts && c->synack_ts >= c->syn_ts,
                c->synack_ts - c->syn_ts)
OPTIONAL_COLUMN(rtt_synack_ack, put_seconds,
                is_tcp(c) && c->synack_ts && c->ack_ts >= c->synack_ts, c->ack_ts - c->synack_ts)
OPTIONAL_COLUMN(out_of_window_rsts, PUT_COUNT, is_tcp(c), c->out_of_window_rsts)
OPTIONAL_COLUMN(refused_by_rst, put_bool, is_tcp(c), c->refused_by_rst)

/* The ICMP error that quoted the connection (JSON: icmp_error.*). */
OPTIONAL_COLUMN(icmp_error_type, PUT_COUNT, c->has_icmp, c->icmp.type)
OPTIONAL_COLUMN(icmp_error_code, PUT_COUNT, c->has_icmp, c->icmp.code)

static void col_icmp_error_from(struct line *out, const struct conn *c)
{
    if (c->has_icmp)
        put_addr(out, &c->icmp.from, c->icmp.ip_version);
    else
        unset(out);
}

OPTIONAL_COLUMN(icmp_error_ts, put_seconds, c->has_icmp, c->icmp.ts_ns)
OPTIONAL_COLUMN(icmp_error_mtu, PUT_COUNT, c->has_icmp && c->icmp.mtu != 0, c->icmp.mtu)
OPTIONAL_COLUMN(carried_conns, PUT_COUNT, c->carried_conns > 0, c->carried_conns)

/* nDPI's answer: unset with --no-dpi or before detection ended; app_host
 * comes from the traffic (TLS SNI, HTTP Host, DNS name), escaped */
OPTIONAL_COLUMN(app_protocol, put_text, c->dpi_done, c->app_name)
OPTIONAL_COLUMN(app_category, put_text, c->dpi_done, c->app_category)
OPTIONAL_COLUMN(app_confidence, put_text, c->dpi_done, dpi_confidence_name(c->app_confidence))
OPTIONAL_COLUMN(app_host, put_text, c->dpi_done && c->app_host[0] != '\0', c->app_host)
/* as the JSON member: present when true */
OPTIONAL_COLUMN(app_host_truncated, put_bool, c->dpi_done && c->app_host_truncated, true)
OPTIONAL_COLUMN(app_port_mismatch, put_bool, c->dpi_done, c->app_port_mismatch)
OPTIONAL_COLUMN(dpi_packets, PUT_COUNT, c->dpi_done, c->dpi_packets)

struct column {
    const char *name;
    const char *type; /* Zeek's */
    void (*put)(struct line *out, const struct conn *c);
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
    {"orig_missed_bytes", "count", col_orig_missed_bytes},
    {"resp_missed_bytes", "count", col_resp_missed_bytes},
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
    struct line l;
    l.f = out;
    l.len = 0;
    for (size_t i = 0; i < N_COLUMNS; i++) {
        if (i > 0)
            line_putc(&l, '\t');
        columns[i].put(&l, c);
    }
    line_putc(&l, '\n');
    fwrite(l.buf, 1, l.len, out);
}

/* The header lines, once. */
static void stream_start(struct conn_log_stream *s, uint64_t open_ts_ns)
{
    if (!s->started) {
        conn_log_header(s->out, open_ts_ns);
        s->started = true;
    }
}

void conn_log_stream_record(struct conn_log_stream *s, const struct conn *c,
                            uint64_t open_ts_ns)
{
    stream_start(s, open_ts_ns);
    conn_log_record(s->out, c);
    if (s->flush_each)
        fflush(s->out);
}

void conn_log_stream_finish(struct conn_log_stream *s, uint64_t open_ts_ns,
                            uint64_t close_ts_ns)
{
    stream_start(s, open_ts_ns);
    conn_log_footer(s->out, close_ts_ns);
}
