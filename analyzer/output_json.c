/* output_json.c - capture summary and connection records as JSON. */
#include "output_json.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "encap.h"
#include "dpi.h"
#include "services.h"
#include "timefmt.h"
#include "zeek_conn.h"

void output_json_ndjson_line(FILE *fp, const char *type, json_t *body)
{
    json_t *rec = json_object();
    json_object_set_new(rec, "type", json_string(type));
    json_object_update(rec, body);
    json_decref(body);
    char *s = json_dumps(rec, OUTPUT_JSON_DUMP_FLAGS | JSON_COMPACT);
    if (s != NULL) {
        fprintf(fp, "%s\n", s);
        free(s);
    }
    json_decref(rec);
}

json_t *output_json_time(uint64_t ts_ns)
{
    /* round to microseconds first so that the printed decimal is exact */
    uint64_t us = (ts_ns + 500) / 1000;
    return json_real((double)(us / 1000000) + (double)(us % 1000000) / 1e6);
}

static json_t *duration_json(uint64_t ns)
{
    return json_real((double)ns / 1e9);
}

json_t *output_json_capture(const struct capture_stats *st)
{
    json_t *o = json_object();
    json_object_set_new(o, "schema", json_integer(SOCKSCOPE_SCHEMA_VERSION));
    json_object_set_new(o, "files", json_integer((json_int_t)st->files));
    json_object_set_new(o, "frames", json_integer((json_int_t)st->frames));
    json_object_set_new(o, "bytes", json_integer((json_int_t)st->bytes));
    json_object_set_new(o, "captured_bytes", json_integer((json_int_t)st->captured_bytes));
    json_object_set_new(o, "first_ts", st->frames ? output_json_time(st->first_ts) : json_null());
    json_object_set_new(o, "last_ts", st->frames ? output_json_time(st->last_ts) : json_null());
    json_object_set_new(o, "frames_filtered_out", json_integer((json_int_t)st->frames_filtered_out));

    json_t *lt = json_array();
    for (unsigned i = 0; i < st->n_linktypes; i++) {
        const struct linktype_count *l = &st->linktypes[i];
        json_t *e = json_object();
        json_object_set_new(e, "linktype", json_integer(l->linktype));
        const char *name = stats_linktype_name(l->linktype);
        json_object_set_new(e, "name", name ? json_string(name) : json_null());
        json_object_set_new(e, "frames", json_integer((json_int_t)l->frames));
        json_object_set_new(e, "bytes", json_integer((json_int_t)l->bytes));
        json_object_set_new(e, "decoded", json_boolean(name != NULL));
        json_array_append_new(lt, e);
    }
    json_object_set_new(o, "link_types", lt);

    json_t *layers = json_object();
    json_object_set_new(layers, "ipv4", json_integer((json_int_t)st->ipv4));
    json_object_set_new(layers, "ipv6", json_integer((json_int_t)st->ipv6));
    json_object_set_new(layers, "non_ip", json_integer((json_int_t)st->non_ip));
    json_object_set_new(layers, "vlan_tagged", json_integer((json_int_t)st->vlan_tagged));
    json_object_set_new(layers, "tcp", json_integer((json_int_t)st->tcp));
    json_object_set_new(layers, "udp", json_integer((json_int_t)st->udp));
    json_object_set_new(layers, "icmp", json_integer((json_int_t)st->icmp));
    json_object_set_new(layers, "icmpv6", json_integer((json_int_t)st->icmpv6));
    json_object_set_new(layers, "sctp", json_integer((json_int_t)st->sctp));
    json_object_set_new(layers, "other", json_integer((json_int_t)st->other_l4));
    json_object_set_new(layers, "fragments", json_integer((json_int_t)st->fragments));
    json_object_set_new(layers, "reassembled", json_integer((json_int_t)st->reassembled));
    json_object_set_new(o, "layers", layers);

    json_t *an = json_object();
    for (unsigned a = 0; a < ANOM_COUNT; a++)
        if (st->anomalies[a] != 0)
            json_object_set_new(an, anomaly_name((enum anomaly)a), json_integer((json_int_t)st->anomalies[a]));
    json_object_set_new(o, "anomalies", an);
    json_object_set_new(o, "truncated_frames", json_integer((json_int_t)st->truncated_frames));
    json_object_set_new(o, "malformed_frames", json_integer((json_int_t)st->malformed_frames));
    json_object_set_new(o, "unsupported_frames", json_integer((json_int_t)st->unsupported_frames));

    json_t *cn = json_object();
    json_object_set_new(cn, "total", json_integer((json_int_t)st->connections));
    json_object_set_new(cn, "peak_open", json_integer((json_int_t)st->peak_flows));
    json_object_set_new(cn, "peak_tracked", json_integer((json_int_t)st->peak_tracked));
    json_object_set_new(cn, "after_close", json_integer((json_int_t)st->after_close_records));
    json_object_set_new(cn, "evicted", json_integer((json_int_t)st->flows_evicted));
    json_object_set_new(cn, "timed_out", json_integer((json_int_t)st->flows_timed_out));
    json_object_set_new(cn, "icmp_errors_attached", json_integer((json_int_t)st->icmp_errors_attached));
    json_object_set_new(cn, "icmp_errors_unmatched", json_integer((json_int_t)st->icmp_errors_unmatched));
    json_object_set_new(cn, "dpi_peak_inspecting", json_integer((json_int_t)st->dpi_peak_inspecting));
    json_object_set_new(o, "connections", cn);
    return o;
}

static json_t *addr_json(const struct ip_addr *a, uint8_t v)
{
    char buf[64];
    ip_addr_format(a, v, buf, sizeof(buf));
    return json_string(buf);
}

static json_t *dir_tcp_json(const struct conn_dir *d, const struct conn_tcp_counts *n)
{
    json_t *o = json_object();
    json_object_set_new(o, "retransmissions", json_integer(n->retransmissions));
    json_object_set_new(o, "out_of_order", json_integer(n->out_of_order));
    json_object_set_new(o, "zero_window", json_integer(n->zero_window));
    json_object_set_new(o, "dup_acks", json_integer(n->dup_acks));
    json_object_set_new(o, "keepalives", json_integer(n->keepalives));
    json_object_set_new(o, "mss", d->mss ? json_integer(d->mss) : json_null());
    json_object_set_new(o, "wscale", d->wscale >= 0 ? json_integer(d->wscale) : json_null());
    return o;
}

/* The encapsulation chain, outermost first: type and carrier endpoints per level. */
static json_t *tunnel_json(const struct tunnel_desc *t)
{
    json_t *arr = json_array();
    for (unsigned i = 0; i < t->n_levels; i++) {
        const struct tunnel_level *l = &t->level[i];
        json_t *e = json_object();
        json_object_set_new(e, "type", json_string(encap_type_name((enum encap_type)l->type)));
        const char *zt = encap_zeek_type((enum encap_type)l->type);
        if (zt != NULL)
            json_object_set_new(e, "zeek_type", json_string(zt));
        if (l->ip_version != 0) {
            json_object_set_new(e, "proto", json_string(services_zeek_proto(l->proto)));
            json_object_set_new(e, "ip_proto", json_integer(l->proto));
            json_object_set_new(e, "src_addr", addr_json(&l->src, l->ip_version));
            json_object_set_new(e, "dst_addr", addr_json(&l->dst, l->ip_version));
            if (l->proto == IPPROTO_NUM_UDP) {
                json_object_set_new(e, "src_port", json_integer(l->sport));
                json_object_set_new(e, "dst_port", json_integer(l->dport));
            }
        }
        if (l->has_id)
            json_object_set_new(e, "id", json_integer(l->id));
        json_array_append_new(arr, e);
    }
    return arr;
}

json_t *output_json_conn(const struct conn *c)
{
    json_t *o = json_object();
    char uid[24], cid[64];
    conn_uid(c, uid, sizeof(uid));
    conn_community_id(c, cid, sizeof(cid));
    uint64_t duration = c->zeek_last_ts > c->first_ts ? c->zeek_last_ts - c->first_ts : 0;

    json_object_set_new(o, "ts", output_json_time(c->first_ts));
    json_object_set_new(o, "uid", json_string(uid));
    json_object_set_new(o, "id.orig_h", addr_json(&c->orig_addr, c->ip_version));
    json_object_set_new(o, "id.orig_p", json_integer(c->orig_port));
    json_object_set_new(o, "id.resp_h", addr_json(&c->resp_addr, c->ip_version));
    json_object_set_new(o, "id.resp_p", json_integer(c->resp_port));
    json_object_set_new(o, "proto", json_string(services_zeek_proto(c->proto)));
    if (c->service[0] != '\0')
        json_object_set_new(o, "service", json_string(c->service));
    json_object_set_new(o, "ip_proto", json_integer(c->proto));
    if (duration > 0) {
        json_object_set_new(o, "duration", duration_json(duration));
        json_object_set_new(o, "orig_bytes", json_integer((json_int_t)zeek_conn_orig_bytes(&c->zeek)));
        json_object_set_new(o, "resp_bytes", json_integer((json_int_t)zeek_conn_resp_bytes(&c->zeek)));
    }
    json_object_set_new(o, "conn_state", json_string(zeek_conn_state(&c->zeek)));
    json_object_set_new(o, "missed_bytes", json_integer((json_int_t)zeek_conn_missed_bytes(&c->zeek)));
    json_object_set_new(o, "history", json_string(c->zeek.history));
    json_object_set_new(o, "orig_pkts", json_integer(c->dir[0].pkts));
    json_object_set_new(o, "orig_ip_bytes", json_integer((json_int_t)c->dir[0].ip_bytes));
    json_object_set_new(o, "resp_pkts", json_integer(c->dir[1].pkts));
    json_object_set_new(o, "resp_ip_bytes", json_integer((json_int_t)c->dir[1].ip_bytes));
    if (cid[0] != '\0')
        json_object_set_new(o, "community_id", json_string(cid));
    if (c->n_tunnel_parents > 0) {
        json_t *tp = json_array();
        for (unsigned i = 0; i < c->n_tunnel_parents; i++) {
            char puid[24];
            conn_uid_of_id(c->tunnel_parents[i], puid, sizeof(puid));
            json_array_append_new(tp, json_string(puid));
        }
        json_object_set_new(o, "tunnel_parents", tp);
    }
    if (c->tunnel != NULL)
        json_object_set_new(o, "tunnel", tunnel_json(c->tunnel));
    if (c->carried_conns > 0)
        json_object_set_new(o, "carried_conns", json_integer(c->carried_conns));

    /* sockscope's own fields */
    json_object_set_new(o, "orig_wire_bytes", json_integer((json_int_t)c->dir[0].wire_bytes));
    json_object_set_new(o, "resp_wire_bytes", json_integer((json_int_t)c->dir[1].wire_bytes));
    json_object_set_new(o, "orig_payload_bytes", json_integer((json_int_t)c->dir[0].payload_bytes));
    json_object_set_new(o, "resp_payload_bytes", json_integer((json_int_t)c->dir[1].payload_bytes));
    json_object_set_new(o, "last_ts", output_json_time(c->last_ts));
    json_object_set_new(o, "end_reason", json_string(end_reason_name((enum end_reason)c->end_reason)));
    json_object_set_new(o, "orientation", json_string(orientation_name((enum orientation)c->orientation)));
    json_object_set_new(o, "direction_inferred", json_boolean(c->direction_inferred));
    json_object_set_new(o, "incarnation", json_integer(c->incarnation));
    if (c->incarnation > 1) {
        json_object_set_new(o, "prev_close_gap", duration_json(c->prev_close_gap_ns));
        json_object_set_new(o, "reuse_in_time_wait",
                            json_boolean((c->flags & CONN_F_REUSE_IN_TIME_WAIT) != 0));
    }
    if (c->dpi_done) { /* nDPI's answer (absent with --no-dpi) */
        json_object_set_new(o, "app_protocol", json_string(c->app_name));
        json_object_set_new(o, "app_category", json_string(c->app_category));
        json_object_set_new(o, "app_confidence", json_string(dpi_confidence_name(c->app_confidence)));
        if (c->app_host[0] != '\0')
            json_object_set_new(o, "app_host", json_string(c->app_host));
        if (c->app_host_truncated)
            json_object_set_new(o, "app_host_truncated", json_true());
        json_object_set_new(o, "app_port_mismatch", json_boolean(c->app_port_mismatch));
        json_object_set_new(o, "dpi_packets", json_integer(c->dpi_packets));
    }
    if (c->vlan != 0)
        json_object_set_new(o, "vlan", json_integer(c->vlan));
    if (c->vlan_inner != 0)
        json_object_set_new(o, "inner_vlan", json_integer(c->vlan_inner));

    json_t *flags = json_array();
    for (uint32_t bit = 1; bit != 0 && bit <= c->flags; bit <<= 1) {
        if ((c->flags & bit) && conn_flag_name(bit) != NULL)
            json_array_append_new(flags, json_string(conn_flag_name(bit)));
    }
    json_object_set_new(o, "flags", flags);

    if (c->proto == IPPROTO_NUM_TCP) {
        json_object_set_new(o, "handshake_validated", json_boolean(c->handshake_validated));
        json_object_set_new(o, "orig_state", json_string(tcp_state_name((enum tcp_state)c->dir[0].state)));
        json_object_set_new(o, "resp_state", json_string(tcp_state_name((enum tcp_state)c->dir[1].state)));
        json_t *tr = json_array();
        for (unsigned i = 0; i < c->n_transitions; i++) {
            const struct conn_transition *t = &c->transitions[i];
            json_t *e = json_object();
            json_object_set_new(e, "ts", output_json_time(c->first_ts + t->dt_ns));
            json_object_set_new(e, "side", json_string(t->side == 0 ? "orig" : "resp"));
            json_object_set_new(e, "from", json_string(tcp_state_name((enum tcp_state)t->from)));
            json_object_set_new(e, "to", json_string(tcp_state_name((enum tcp_state)t->to)));
            json_array_append_new(tr, e);
        }
        json_object_set_new(o, "transitions", tr);
        json_t *tcp = json_object();
        json_object_set_new(tcp, "orig", dir_tcp_json(&c->dir[0], &c->tcp_counts[0]));
        json_object_set_new(tcp, "resp", dir_tcp_json(&c->dir[1], &c->tcp_counts[1]));
        json_object_set_new(tcp, "rtt_syn_synack",
                            c->syn_ts && c->synack_ts >= c->syn_ts ? duration_json(c->synack_ts - c->syn_ts) : json_null());
        json_object_set_new(tcp, "rtt_synack_ack",
                            c->synack_ts && c->ack_ts >= c->synack_ts ? duration_json(c->ack_ts - c->synack_ts) : json_null());
        json_object_set_new(tcp, "out_of_window_rsts", json_integer(c->out_of_window_rsts));
        json_object_set_new(tcp, "refused_by_rst", json_boolean(c->refused_by_rst));
        json_object_set_new(o, "tcp", tcp);
    }
    if (c->has_icmp) {
        json_t *ic = json_object();
        json_object_set_new(ic, "type", json_integer(c->icmp.type));
        json_object_set_new(ic, "code", json_integer(c->icmp.code));
        json_object_set_new(ic, "from", addr_json(&c->icmp.from, c->icmp.ip_version));
        json_object_set_new(ic, "ts", output_json_time(c->icmp.ts_ns));
        if (c->icmp.mtu != 0)
            json_object_set_new(ic, "mtu", json_integer(c->icmp.mtu));
        json_object_set_new(o, "icmp_error", ic);
    }
    return o;
}
