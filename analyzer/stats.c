/* stats.c - per-layer counters. */
#include "stats.h"

#include "dissect.h"

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

void stats_count_linktype(struct capture_stats *st, uint32_t linktype, uint32_t wire_len)
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
    if (pkt->is_fragment)
        st->fragments++;
    if (pkt->reassembled)
        st->reassembled++;
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
