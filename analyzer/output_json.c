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

/* Epoch seconds: rounded to microseconds first so that the printed decimal is exact. */
static double time_value(uint64_t ts_ns)
{
    uint64_t us = timefmt_round_us(ts_ns);
    return (double)(us / 1000000) + (double)(us % 1000000) / 1e6;
}

json_t *output_json_time(uint64_t ts_ns)
{
    return json_real(time_value(ts_ns));
}

void output_json_time_member(struct jout *o, const char *key, uint64_t ts_ns)
{
    jout_epoch_us(o, key, timefmt_round_us(ts_ns)); /* the value time_value makes */
}

static void duration_member(struct jout *o, const char *key, uint64_t ns)
{
    jout_real(o, key, (double)ns / 1e9);
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
    json_object_set_new(o, "input_error",
                        st->input_error[0] != '\0' ? json_string(st->input_error) : json_null());
    json_t *inputs = json_array();
    for (size_t i = 0; i < st->n_inputs; i++) {
        const struct capture_input *in = &st->inputs[i];
        json_t *e = json_object();
        char *path = strdup(in->path); /* a name that is not UTF-8 still has its entry */
        if (path != NULL)
            jout_utf8_scrub(path);
        json_object_set_new(e, "path", path != NULL ? json_string(path) : json_null());
        free(path);
        json_object_set_new(e, "format", in->format != NULL ? json_string(in->format) : json_null());
        json_object_set_new(e, "compression",
                            in->compression != NULL ? json_string(in->compression) : json_null());
        json_object_set_new(e, "snaplen", json_integer((json_int_t)in->snaplen));
        json_object_set_new(e, "frames", json_integer((json_int_t)in->frames));
        json_object_set_new(e, "frames_filtered_out", json_integer((json_int_t)in->frames_filtered_out));
        json_object_set_new(e, "frames_over_snaplen", json_integer((json_int_t)in->frames_over_snaplen));
        json_object_set_new(e, "frames_bad_ts", json_integer((json_int_t)in->frames_bad_ts));
        json_object_set_new(e, "error", in->error != NULL ? json_string(in->error) : json_null());
        json_array_append_new(inputs, e);
    }
    json_object_set_new(o, "inputs", inputs);

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
    json_object_set_new(cn, "clock_steps_back", json_integer((json_int_t)st->clock_steps_back));
    json_object_set_new(cn, "evicted", json_integer((json_int_t)st->flows_evicted));
    json_object_set_new(cn, "timed_out", json_integer((json_int_t)st->flows_timed_out));
    json_object_set_new(cn, "icmp_errors_attached", json_integer((json_int_t)st->icmp_errors_attached));
    json_object_set_new(cn, "icmp_errors_unmatched", json_integer((json_int_t)st->icmp_errors_unmatched));
    json_object_set_new(cn, "dpi_peak_inspecting", json_integer((json_int_t)st->dpi_peak_inspecting));
    json_object_set_new(o, "connections", cn);
    return o;
}

void output_json_addr_member(struct jout *o, const char *key, const struct ip_addr *a, uint8_t v)
{
    char buf[64];
    ip_addr_format(a, v, buf, sizeof(buf));
    jout_str(o, key, buf);
}

static void dir_tcp_member(struct jout *o, const char *key, const struct conn_dir *d,
                           const struct conn_tcp_counts *n)
{
    jout_object(o, key);
    jout_int(o, "missed_bytes", (json_int_t)n->missed_bytes);
    jout_int(o, "retransmissions", n->retransmissions);
    jout_int(o, "out_of_order", n->out_of_order);
    jout_int(o, "zero_window", n->zero_window);
    jout_int(o, "dup_acks", n->dup_acks);
    jout_int(o, "keepalives", n->keepalives);
    if (d->mss)
        jout_int(o, "mss", d->mss);
    else
        jout_null(o, "mss");
    if (d->wscale >= 0)
        jout_int(o, "wscale", d->wscale);
    else
        jout_null(o, "wscale");
    jout_end(o);
}

/* The encapsulation chain, outermost first: type and carrier endpoints per level. */
static void tunnel_member(struct jout *o, const char *key, const struct tunnel_desc *t)
{
    jout_array(o, key);
    for (unsigned i = 0; i < t->n_levels; i++) {
        const struct tunnel_level *l = &t->level[i];
        jout_object(o, NULL);
        jout_str(o, "type", encap_type_name((enum encap_type)l->type));
        const char *zt = encap_zeek_type((enum encap_type)l->type);
        if (zt != NULL)
            jout_str(o, "zeek_type", zt);
        if (l->ip_version != 0) {
            jout_str(o, "proto", services_zeek_proto(l->proto));
            jout_int(o, "ip_proto", l->proto);
            output_json_addr_member(o, "src_addr", &l->src, l->ip_version);
            output_json_addr_member(o, "dst_addr", &l->dst, l->ip_version);
            if (l->proto == IPPROTO_NUM_UDP) {
                jout_int(o, "src_port", l->sport);
                jout_int(o, "dst_port", l->dport);
            }
        }
        if (l->has_id)
            jout_int(o, "id", l->id);
        jout_end(o);
    }
    jout_end(o);
}

void output_json_conn_members(struct jout *o, const struct conn *c)
{
    char uid[24], cid[64];
    conn_uid(c, uid, sizeof(uid));
    conn_community_id(c, cid, sizeof(cid));
    uint64_t duration = c->zeek_last_ts > c->first_ts ? c->zeek_last_ts - c->first_ts : 0;

    output_json_time_member(o, "ts", c->first_ts);
    jout_str(o, "uid", uid);
    output_json_addr_member(o, "id.orig_h", &c->orig_addr, c->ip_version);
    jout_int(o, "id.orig_p", c->orig_port);
    output_json_addr_member(o, "id.resp_h", &c->resp_addr, c->ip_version);
    jout_int(o, "id.resp_p", c->resp_port);
    jout_str(o, "proto", services_zeek_proto(c->proto));
    if (c->service[0] != '\0')
        jout_str(o, "service", c->service);
    jout_int(o, "ip_proto", c->proto);
    if (duration > 0) {
        duration_member(o, "duration", duration);
        jout_int(o, "orig_bytes", (json_int_t)zeek_conn_orig_bytes(&c->zeek));
        jout_int(o, "resp_bytes", (json_int_t)zeek_conn_resp_bytes(&c->zeek));
    }
    jout_str(o, "conn_state", zeek_conn_state(&c->zeek));
    jout_int(o, "missed_bytes", (json_int_t)zeek_conn_missed_bytes(&c->zeek));
    jout_str(o, "history", c->zeek.history);
    jout_int(o, "orig_pkts", c->dir[0].pkts);
    jout_int(o, "orig_ip_bytes", (json_int_t)c->dir[0].ip_bytes);
    jout_int(o, "resp_pkts", c->dir[1].pkts);
    jout_int(o, "resp_ip_bytes", (json_int_t)c->dir[1].ip_bytes);
    if (cid[0] != '\0')
        jout_str(o, "community_id", cid);
    if (c->n_tunnel_parents > 0) {
        jout_array(o, "tunnel_parents");
        for (unsigned i = 0; i < c->n_tunnel_parents; i++) {
            char puid[24];
            conn_uid_of_id(c->tunnel_parents[i], puid, sizeof(puid));
            jout_str(o, NULL, puid);
        }
        jout_end(o);
    }
    if (c->tunnel != NULL)
        tunnel_member(o, "tunnel", c->tunnel);
    if (c->sibling_tunnel != NULL)
        tunnel_member(o, "sibling_tunnel", c->sibling_tunnel);
    if (c->carried_conns > 0)
        jout_int(o, "carried_conns", c->carried_conns);

    /* sockscope's own fields */
    jout_int(o, "orig_wire_bytes", (json_int_t)c->dir[0].wire_bytes);
    jout_int(o, "resp_wire_bytes", (json_int_t)c->dir[1].wire_bytes);
    jout_int(o, "orig_payload_bytes", (json_int_t)c->dir[0].payload_bytes);
    jout_int(o, "resp_payload_bytes", (json_int_t)c->dir[1].payload_bytes);
    output_json_time_member(o, "last_ts", c->last_ts);
    jout_str(o, "end_reason", end_reason_name((enum end_reason)c->end_reason));
    jout_str(o, "orientation", orientation_name((enum orientation)c->orientation));
    jout_bool(o, "direction_inferred", c->direction_inferred);
    jout_int(o, "incarnation", c->incarnation);
    if (c->incarnation > 1) {
        duration_member(o, "prev_close_gap", c->prev_close_gap_ns);
        jout_bool(o, "reuse_in_time_wait", (c->flags & CONN_F_REUSE_IN_TIME_WAIT) != 0);
    }
    if (c->dpi_done) { /* nDPI's answer (absent with --no-dpi) */
        jout_str(o, "app_protocol", c->app_name);
        jout_str(o, "app_category", c->app_category);
        jout_str(o, "app_confidence", dpi_confidence_name(c->app_confidence));
        if (c->app_host[0] != '\0')
            jout_str(o, "app_host", c->app_host);
        if (c->app_host_truncated)
            jout_bool(o, "app_host_truncated", true);
        jout_bool(o, "app_port_mismatch", c->app_port_mismatch);
        jout_int(o, "dpi_packets", c->dpi_packets);
    }
    if (c->vlan != 0)
        jout_int(o, "vlan", c->vlan);
    if (c->vlan_inner != 0)
        jout_int(o, "inner_vlan", c->vlan_inner);

    jout_array(o, "flags");
    for (uint32_t bit = 1; bit != 0 && bit <= c->flags; bit <<= 1) {
        if ((c->flags & bit) && conn_flag_name(bit) != NULL)
            jout_str(o, NULL, conn_flag_name(bit));
    }
    jout_end(o);

    if (c->proto == IPPROTO_NUM_TCP) {
        jout_bool(o, "handshake_validated", c->handshake_validated);
        jout_str(o, "orig_state", tcp_state_name((enum tcp_state)c->dir[0].state));
        jout_str(o, "resp_state", tcp_state_name((enum tcp_state)c->dir[1].state));
        jout_array(o, "transitions");
        for (unsigned i = 0; i < c->n_transitions; i++) {
            const struct conn_transition *t = &c->transitions[i];
            jout_object(o, NULL);
            output_json_time_member(o, "ts", c->first_ts + t->dt_ns);
            jout_str(o, "side", t->side == 0 ? "orig" : "resp");
            jout_str(o, "from", tcp_state_name((enum tcp_state)t->from));
            jout_str(o, "to", tcp_state_name((enum tcp_state)t->to));
            jout_end(o);
        }
        jout_end(o);
        jout_object(o, "tcp");
        dir_tcp_member(o, "orig", &c->dir[0], &c->tcp_counts[0]);
        dir_tcp_member(o, "resp", &c->dir[1], &c->tcp_counts[1]);
        if (c->syn_ts && c->synack_ts >= c->syn_ts)
            duration_member(o, "rtt_syn_synack", c->synack_ts - c->syn_ts);
        else
            jout_null(o, "rtt_syn_synack");
        if (c->synack_ts && c->ack_ts >= c->synack_ts)
            duration_member(o, "rtt_synack_ack", c->ack_ts - c->synack_ts);
        else
            jout_null(o, "rtt_synack_ack");
        jout_int(o, "out_of_window_rsts", c->out_of_window_rsts);
        jout_bool(o, "refused_by_rst", c->refused_by_rst);
        jout_end(o);
    }
    if (c->has_icmp) {
        jout_object(o, "icmp_error");
        jout_int(o, "type", c->icmp.type);
        jout_int(o, "code", c->icmp.code);
        output_json_addr_member(o, "from", &c->icmp.from, c->icmp.ip_version);
        output_json_time_member(o, "ts", c->icmp.ts_ns);
        if (c->icmp.mtu != 0)
            jout_int(o, "mtu", c->icmp.mtu);
        jout_end(o);
    }
}

json_t *output_json_conn(const struct conn *c)
{
    struct jout o;
    jout_tree_object(&o);
    output_json_conn_members(&o, c);
    return jout_tree_done(&o);
}

void output_json_ndjson_text_line(FILE *fp, struct jout *o)
{
    size_t len;
    const char *s = jout_text_get(o, &len);
    if (s == NULL)
        return; /* out of memory: the line is dropped, as output_json_ndjson_line does */
    fwrite(s, 1, len, fp);
    fputc('\n', fp);
}
