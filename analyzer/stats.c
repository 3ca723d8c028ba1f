/* stats.c - per-layer counters. */
#include "stats.h"

#include <stdio.h>
#include <string.h>

#include "dissect.h"
#include "json_out.h"

const char *stats_linktype_name(uint32_t linktype)
{
    switch (linktype) {
    case LINKTYPE_NULL: return "NULL";
    case LINKTYPE_ETHERNET: return "EN10MB";
    case LINKTYPE_RAW_BSD12: return "RAW(12)";
    case LINKTYPE_RAW_BSD14: return "RAW(14)";
    case LINKTYPE_RAW: return "RAW";
    case LINKTYPE_LOOP: return "LOOP";
    case LINKTYPE_LINUX_SLL: return "LINUX_SLL";
    case LINKTYPE_IPV4: return "IPV4";
    case LINKTYPE_IPV6: return "IPV6";
    case LINKTYPE_LINUX_SLL2: return "LINUX_SLL2";
    default: return NULL;
    }
}

static void count_linktype(struct capture_stats *st, uint32_t linktype, uint32_t wire_len)
{
    for (unsigned i = 0; i < st->n_linktypes; i++) {
        if (st->linktypes[i].linktype == linktype) {
            st->linktypes[i].frames++;
            st->linktypes[i].bytes += wire_len;
            return;
        }
    }
    if (st->n_linktypes == STATS_MAX_LINKTYPES) {
        st->linktypes_overflow++;
        return;
    }
    struct linktype_count *lc = &st->linktypes[st->n_linktypes++];
    lc->linktype = linktype;
    lc->frames = 1;
    lc->bytes = wire_len;
}

void stats_count_frame(struct capture_stats *st, uint32_t linktype, uint32_t wire_len,
                       uint32_t cap_len, uint64_t ts_ns)
{
    st->frames++;
    st->bytes += wire_len;
    st->captured_bytes += cap_len;
    /* a frame stamped at the epoch (a clock never set) has time 0: the flag,
     * not the value, says whether a first time was seen */
    if (!st->have_ts || ts_ns < st->first_ts)
        st->first_ts = ts_ns;
    if (!st->have_ts || ts_ns > st->last_ts)
        st->last_ts = ts_ns;
    st->have_ts = true;
    count_linktype(st, linktype, wire_len);
}

/* fragments: the frames that carried an IP fragment at any level, the one that
 * completed a datagram included (once per frame); reassembled: the datagrams
 * completed, a tunnel carrier's too (two when a frame completed a carrier and
 * the datagram inside it). */
static void count_fragments(struct capture_stats *st, const struct packet *pkt)
{
    if (packet_met_fragment(pkt))
        st->fragments++;
    st->reassembled += pkt->reassembled;
    for (unsigned i = 0; i < pkt->n_encap && i < PACKET_MAX_ENCAP; i++)
        st->reassembled += pkt->encap[i].reassembled;
}

void stats_count_packet(struct capture_stats *st, const struct packet *pkt)
{
    if (pkt->n_vlan > 0)
        st->vlan_tagged++;
    if (pkt->ip_version == 4)
        st->ipv4++;
    else if (pkt->ip_version == 6)
        st->ipv6++;
    else if (pkt->layer >= LAYER_LINK)
        st->non_ip++;
    if (SS_UNLIKELY(pkt->is_fragment || pkt->reassembled || pkt->n_encap > 0))
        count_fragments(st, pkt);
    if (pkt->ip_version != 0 && !(pkt->is_fragment && !pkt->reassembled) && pkt->layer >= LAYER_L3) {
        switch (pkt->proto) {
        case IPPROTO_NUM_TCP: st->tcp++; break;
        case IPPROTO_NUM_UDP: st->udp++; break;
        case IPPROTO_NUM_ICMP: st->icmp++; break;
        case IPPROTO_NUM_ICMPV6: st->icmpv6++; break;
        case IPPROTO_NUM_SCTP: st->sctp++; break;
        default: st->other_l4++; break;
        }
    }
    switch (pkt->status) {
    case DISSECT_TRUNCATED: st->truncated_frames++; break;
    case DISSECT_MALFORMED: st->malformed_frames++; break;
    case DISSECT_UNSUPPORTED: st->unsupported_frames++; break;
    default: break;
    }
    /* only the bits that are set: most packets have none */
    for (uint64_t bits = pkt->anomalies; bits != 0; bits &= bits - 1) {
        unsigned a = (unsigned)__builtin_ctzll(bits);
        if (a < ANOM_COUNT)
            st->anomalies[a]++;
    }
}

/* The frame counters: what stats_count_frame changes. */
static void copy_frame_counters(struct capture_stats *to, const struct capture_stats *from)
{
    to->frames = from->frames;
    to->bytes = from->bytes;
    to->captured_bytes = from->captured_bytes;
    to->first_ts = from->first_ts;
    to->last_ts = from->last_ts;
    to->have_ts = from->have_ts;
    to->n_linktypes = from->n_linktypes;
    memcpy(to->linktypes, from->linktypes, sizeof(to->linktypes));
    to->linktypes_overflow = from->linktypes_overflow;
}

void stats_set_input_error(struct capture_stats *st, const char *msg)
{
    if (st->input_error[0] != '\0')
        return;
    snprintf(st->input_error, sizeof(st->input_error), "%s", msg[0] != '\0' ? msg : "error");
    jout_utf8_scrub(st->input_error); /* JSON carries it whatever the file's name */
}

void stats_split(struct capture_stats *part, const struct capture_stats *whole)
{
    memset(part, 0, sizeof(*part));
    copy_frame_counters(part, whole);
}

void stats_join(struct capture_stats *whole, const struct capture_stats *part)
{
    copy_frame_counters(whole, part);
    /* the packet counters: what stats_count_packet changes */
    whole->vlan_tagged += part->vlan_tagged;
    whole->ipv4 += part->ipv4;
    whole->ipv6 += part->ipv6;
    whole->non_ip += part->non_ip;
    whole->fragments += part->fragments;
    whole->reassembled += part->reassembled;
    whole->tcp += part->tcp;
    whole->udp += part->udp;
    whole->icmp += part->icmp;
    whole->icmpv6 += part->icmpv6;
    whole->sctp += part->sctp;
    whole->other_l4 += part->other_l4;
    whole->truncated_frames += part->truncated_frames;
    whole->malformed_frames += part->malformed_frames;
    whole->unsupported_frames += part->unsupported_frames;
    for (unsigned a = 0; a < ANOM_COUNT; a++)
        whole->anomalies[a] += part->anomalies[a];
}
