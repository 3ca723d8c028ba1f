/* dissect_dump.c - fuzz_frame_dump: replays fuzz_frame inputs and writes every field
 * of each dissected struct packet, so that two builds of the dissectors can be
 * compared packet by packet (a differential check: same inputs, same records).
 *
 *   fuzz_frame_dump [--prefixes] [--sha1] PATH...
 *
 * A directory stands for its regular files in name order. Each input is replayed
 * as fuzz_frame replays it (one reassembly table for the whole run), four times:
 * as it is, then with the selector's flags for checksum verification (0x40),
 * without decapsulation (0x20) and with a wire length beyond the captured one
 * (0x80) added. --prefixes replays, for each of those, every prefix of the frame
 * (frame lengths 0 .. all), so every truncation point is recorded. Output: one
 * line of named fields and one of the record's raw bytes (padding included; view
 * pointers as offsets into the frame) per dissection; --sha1 prints only the
 * SHA-1 of that text. tests/fuzz/tests.cmake compares the digest over the samples'
 * frames with tests/fuzz/dissect_digest.txt; after an intended change of the
 * dissectors' results, regenerate that file as its comment says. */
#include "dissect_dump.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "input_files.h"
#include "sha1.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool to_sha1;
static struct sha1_ctx digest;
static uint64_t n_records;

static void out(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void out(const char *fmt, ...)
{
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= sizeof(buf)) {
        fprintf(stderr, "dissect_dump: record field too long\n");
        exit(2);
    }
    if (to_sha1)
        sha1_update(&digest, buf, (size_t)n);
    else
        fwrite(buf, 1, (size_t)n, stdout);
}

/* A view as its offset into the frame and its length ("-" when p is NULL). */
static void out_view(const char *name, struct view v, const uint8_t *base)
{
    if (v.p == NULL)
        out(" %s=-/%zu", name, v.len);
    else
        out(" %s=%td/%zu", name, v.p - base, v.len);
}

static void out_addr(const char *name, const struct ip_addr *a)
{
    out(" %s=", name);
    for (size_t i = 0; i < sizeof(a->b); i++)
        out("%02x", a->b[i]);
}

static void out_raw(const void *p, size_t len)
{
    const uint8_t *b = p;
    for (size_t i = 0; i < len; i++)
        out("%02x", b[i]);
}

static void dump_tcp(const struct tcp_info_copy *t)
{
    out(" tcp.seq=%" PRIu32 " tcp.ack=%" PRIu32 " tcp.flags=%#x tcp.window=%u tcp.data_off=%u",
        t->seq, t->ack, t->flags, t->window, t->data_off_bytes);
    out(" tcp.has_mss=%d tcp.has_wscale=%d tcp.sack_permitted=%d tcp.has_ts=%d", t->has_mss,
        t->has_wscale, t->sack_permitted, t->has_ts);
    out(" tcp.mss=%u tcp.wscale=%u tcp.n_sack=%u tcp.ts_val=%" PRIu32 " tcp.ts_ecr=%" PRIu32,
        t->mss, t->wscale, t->n_sack, t->ts_val, t->ts_ecr);
    for (size_t i = 0; i < PACKET_MAX_SACK; i++)
        out(" tcp.sack%zu=%" PRIu32 "-%" PRIu32, i, t->sack[i][0], t->sack[i][1]);
}

static void dump_icmp(const struct icmp_info_copy *c)
{
    const struct icmp_quote *q = &c->quote;
    out(" icmp.type=%u icmp.code=%u icmp.is_error=%d icmp.is_v6=%d icmp.echo=%u/%u"
        " icmp.mtu=%" PRIu32,
        c->type, c->code, c->is_error, c->is_v6, c->echo_id, c->echo_seq, c->mtu);
    out(" quote.valid=%d quote.has_ports=%d quote.ip_version=%u quote.proto=%u", q->valid,
        q->has_ports, q->ip_version, q->proto);
    out_addr("quote.src", &q->src);
    out_addr("quote.dst", &q->dst);
    out(" quote.ports=%u/%u quote.tcp_seq=%" PRIu32, q->sport, q->dport, q->tcp_seq);
}

static void dump_encap(const struct encap_layer *l, size_t i, const uint8_t *base)
{
    out(" encap%zu: type=%d ip_version=%u proto=%u inner_ip_version=%u ttl=%u", i, (int)l->type,
        l->ip_version, l->proto, l->inner_ip_version, l->ttl);
    out_addr("src", &l->src);
    out_addr("dst", &l->dst);
    out(" ports=%u/%u ip_len=%" PRIu32 " ip_hdr_len=%u udp_len=%u l4_payload_len=%" PRIu32,
        l->sport, l->dport, l->ip_len, l->ip_hdr_len, l->udp_len, l->l4_payload_len);
    out(" ip_csum=%d l4_csum=%d reassembled=%d n_vlan=%u vlan=%u,%u,%u ethertype=%#x",
        (int)l->ip_csum, (int)l->l4_csum, l->reassembled, l->n_vlan, l->vlan[0], l->vlan[1],
        l->vlan[2], l->ethertype);
    out_view("l3", l->l3, base);
    out(" hdr_len=%" PRIu32 " id=%" PRIu32 " has_id=%d id_symmetric=%d", l->hdr_len, l->id,
        l->has_id, l->id_symmetric);
}

/* The record's bytes as stored, with each view's pointer replaced by its offset
 * into the frame (+1, so that NULL stays 0): padding and all, nothing left out. */
static void dump_raw(const struct packet *pkt, const uint8_t *base)
{
    struct packet c;
    memcpy(&c, pkt, offsetof(struct packet, encap));
    size_t n_encap = pkt->n_encap < PACKET_MAX_ENCAP ? pkt->n_encap : PACKET_MAX_ENCAP;
    memcpy(c.encap, pkt->encap, n_encap * sizeof(c.encap[0]));
    struct view *views[2 + PACKET_MAX_ENCAP] = { &c.l3, &c.payload };
    for (size_t i = 0; i < n_encap; i++)
        views[2 + i] = &c.encap[i].l3;
    for (size_t i = 0; i < 2 + n_encap; i++) {
        uintptr_t off = views[i]->p == NULL ? 0 : (uintptr_t)(views[i]->p - base) + 1;
        memcpy(&views[i]->p, &off, sizeof(off));
    }
    out("raw ");
    out_raw(&c, offsetof(struct packet, encap));
    for (size_t i = 0; i < n_encap; i++) {
        out(" ");
        out_raw(&c.encap[i], sizeof(c.encap[i]));
    }
    out("\n");
}

void dissect_dump_packet(const struct frame_in *f, const struct packet *pkt)
{
    const uint8_t *base = f->data;
    n_records++;
    out("cap_len=%" PRIu32 " wire_len=%" PRIu32 " linktype=%" PRIu32 " ts=%" PRIu64, f->cap_len,
        f->wire_len, f->linktype, f->ts_ns);
    out(" | ts_ns=%" PRIu64 " wire_len=%" PRIu32 " cap_len=%" PRIu32 " linktype=%" PRIu32,
        pkt->ts_ns, pkt->wire_len, pkt->cap_len, pkt->linktype);
    out(" status=%d layer=%d truncated_at=%d anomalies=%#" PRIx64, (int)pkt->status,
        (int)pkt->layer, (int)pkt->truncated_at, pkt->anomalies);
    out(" n_vlan=%u vlan=%u,%u,%u ethertype=%#x verify=%d", pkt->n_vlan, pkt->vlan[0],
        pkt->vlan[1], pkt->vlan[2], pkt->ethertype, pkt->verify_checksums);
    out_view("l3", pkt->l3, base);
    out(" ip_version=%u ttl=%u proto=%u is_fragment=%d reassembled=%d more_frags=%d"
        " frag_offset=%u frag_id=%" PRIu32,
        pkt->ip_version, pkt->ttl, pkt->proto, pkt->is_fragment, pkt->reassembled,
        pkt->more_frags, pkt->frag_offset_bytes, pkt->frag_id);
    out_addr("src", &pkt->src);
    out_addr("dst", &pkt->dst);
    out(" ip_len=%" PRIu32 " ip_hdr_len=%u ip_csum=%d", pkt->ip_len, pkt->ip_hdr_len,
        (int)pkt->ip_csum);
    out(" ports=%u/%u l4_payload_len=%" PRIu32 " l4_csum=%d udp_len=%u", pkt->sport, pkt->dport,
        pkt->l4_payload_len, (int)pkt->l4_csum, pkt->udp_len);
    dump_tcp(&pkt->tcp);
    out_view("payload", pkt->payload, base);
    dump_icmp(&pkt->icmp);
    out(" sctp.vtag=%" PRIu32 " sctp.n_chunks=%u sctp.chunk_types=%#" PRIx32, pkt->sctp.vtag,
        pkt->sctp.n_chunks, pkt->sctp.chunk_types);
    out(" n_encap=%u", pkt->n_encap);
    for (size_t i = 0; i < pkt->n_encap && i < PACKET_MAX_ENCAP; i++)
        dump_encap(&pkt->encap[i], i, base);
    out("\n");
    dump_raw(pkt, base);
}

/* Replays one input as the usage above says. */
static void replay(const uint8_t *data, size_t size, bool prefixes)
{
    static const uint8_t variants[] = { 0x00, 0x40, 0x20, 0x80 };
    if (size == 0)
        return;
    for (size_t k = 0; k < sizeof(variants); k++) {
        size_t from = prefixes ? 1 : size;
        for (size_t len = from; len <= size; len++) {
            /* an exact-size copy, as fuzz_frame's own */
            uint8_t *in = malloc(len);
            if (in == NULL) {
                fprintf(stderr, "dissect_dump: out of memory\n");
                exit(2);
            }
            memcpy(in, data, len);
            in[0] = (uint8_t)(in[0] | variants[k]);
            LLVMFuzzerTestOneInput(in, len);
            free(in);
        }
    }
}

static int replay_file(const char *path, bool prefixes)
{
    size_t len;
    uint8_t *data = input_file_read(path, &len);
    if (data == NULL)
        return -1;
    replay(data, len, prefixes);
    free(data);
    return 0;
}

/* The regular files in dir in name order, or a single file. */
static int replay_path(const char *path, bool prefixes)
{
    struct stat st;
    if (stat(path, &st) != 0 || !S_ISDIR(st.st_mode))
        return replay_file(path, prefixes);
    size_t n;
    char **names = input_files_list(path, &n);
    if (names == NULL) {
        perror(path);
        return -1;
    }
    int rc = 0;
    for (size_t i = 0; i < n; i++) {
        if (rc == 0 && replay_file(names[i], prefixes) != 0)
            rc = -1;
        free(names[i]);
    }
    free(names);
    return rc;
}

int main(int argc, char **argv)
{
    bool prefixes = false;
    int i = 1;
    for (; i < argc && argv[i][0] == '-'; i++) {
        if (strcmp(argv[i], "--prefixes") == 0) {
            prefixes = true;
        } else if (strcmp(argv[i], "--sha1") == 0) {
            to_sha1 = true;
        } else {
            fprintf(stderr, "usage: fuzz_frame_dump [--prefixes] [--sha1] PATH...\n");
            return 2;
        }
    }
    if (i == argc) {
        fprintf(stderr, "usage: fuzz_frame_dump [--prefixes] [--sha1] PATH...\n");
        return 2;
    }
    sha1_init(&digest);
    for (; i < argc; i++)
        if (replay_path(argv[i], prefixes) != 0)
            return 1;
    if (n_records == 0) {
        fprintf(stderr, "fuzz_frame_dump: nothing replayed\n");
        return 1;
    }
    if (to_sha1) {
        uint8_t d[SHA1_DIGEST_LEN];
        sha1_final(&digest, d);
        for (size_t k = 0; k < sizeof(d); k++)
            printf("%02x", d[k]);
        printf("\n");
    }
    fprintf(stderr, "fuzz_frame_dump: %" PRIu64 " records\n", n_records);
    return 0;
}
