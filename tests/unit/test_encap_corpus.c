/* test_encap_corpus.c - decapsulation over the public corpus ($SOCKSCOPE_CORPUS_DIR):
 * every tunnel capture decapsulates (frames with the expected encapsulation), and
 * the set of conversations it yields - the innermost TCP/UDP/SCTP 5-tuples plus the
 * UDP carriers - equals the keys of tshark's conversation tables (tshark lists every
 * TCP/UDP/SCTP layer of a frame, so both the carriers and the inner flows). */
#include <arpa/inet.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capture.h"
#include "cunit_main.h"
#include "encap.h"
#include "frame.h"
#include "ip_reasm.h"

struct tunnel_file {
    const char *name;         /* under good/ */
    enum encap_type type;     /* an encapsulation some frame must show */
    unsigned min_decap;       /* frames with n_encap > 0, at least */
    bool compare_tshark;      /* conversation keys must equal tshark's */
};

static const struct tunnel_file files[] = {
    { "ndpi__4in4tunnel.pcap", ENCAP_IPIP, 5, true },
    { "ndpi__4in6tunnel.pcap", ENCAP_IPIP, 4, true },
    { "ndpi__6in4tunnel.pcap", ENCAP_IPIP, 100, true },
    { "ndpi__gre.pcapng", ENCAP_GRE, 1, true },
    { "ndpi__ipv6_in_gtp.pcap", ENCAP_GTPU, 2, true },
    { "ndpi__teredo.pcap", ENCAP_TEREDO, 10, true },
    { "ndpi__vxlan.pcap", ENCAP_VXLAN, 127, true },
    { "tcpdump__erspan-type-ii-3.pcap", ENCAP_ERSPAN, 100, true },
    { "tcpdump__erspan-type-iii-ft-7.pcap", ENCAP_ERSPAN, 50, true },
    { "tcpdump__geneve.pcap", ENCAP_GENEVE, 30, true },
    { "tcpdump__gso-ipv4-vxlan-ipv4.pcap", ENCAP_VXLAN, 1, true },
    { "tcpdump__mpls-over-udp.pcap", ENCAP_MPLS, 2, true },
    { "tcpdump__nsh-over-vxlan-gpe.pcap", ENCAP_VXLAN_GPE, 1, true },
    { "tcpdump__pppoes.pcap", ENCAP_PPPOE, 2, true },
    { "tcpdump__pptp.pcap", ENCAP_GRE, 1, true },
    { "tcpdump__various_gre.pcap", ENCAP_GRE, 30, true },
    { "tcpdump__vxlan.pcap", ENCAP_VXLAN, 10, true },
    { "zeek__erspan.pcap", ENCAP_GRE, 200, true }, /* in fact GRE TEB */
    { "zeek__tunnels_4in4.pcap", ENCAP_IPIP, 1, true },
    { "zeek__tunnels_4in6.pcap", ENCAP_IPIP, 1, true },
    { "zeek__tunnels_6in4.pcap", ENCAP_IPIP, 1, true },
    { "zeek__tunnels_6in6-tunnel-change.pcap", ENCAP_IPIP, 2, true },
    { "zeek__tunnels_6in6.pcap", ENCAP_IPIP, 1, true },
    { "zeek__tunnels_6in6in6.pcap", ENCAP_IPIP, 1, true },
    { "zeek__tunnels_geneve-tagged-udp-packet.pcap", ENCAP_GENEVE, 4, true },
    { "zeek__tunnels_gre-aruba.pcap", ENCAP_GRE, 1000, true },
    { "zeek__tunnels_gtp_gtp4_udp_2152_inside.pcap", ENCAP_GTPU, 1, true },
    { "zeek__tunnels_gtp_gtp9_unknown_or_too_short_payload.pcap", ENCAP_GTPU, 10, true },
    { "zeek__tunnels_gtp_gtp_ext_header.pcap", ENCAP_GTPU, 1, true }, /* 1st: a fragment */
    { "zeek__tunnels_ping6-in-ipv4.pcap", ENCAP_IPIP, 10, true },
    /* not Teredo for tshark either: UDP 25977 -> 25964 over IPv6 */
    { "zeek__tunnels_teredo-udp-in-udp.pcap", ENCAP_NONE, 0, true },
    { "zeek__tunnels_vxlan-triple-v2.pcap", ENCAP_VXLAN_GPE, 1, true }, /* P flag on 4789 */
};

static const char *corpus_dir(void)
{
    const char *d = getenv("SOCKSCOPE_CORPUS_DIR");
    return d != NULL && d[0] != '\0' ? d : NULL;
}

/* A set of conversation keys "proto lo-addr lo-port hi-addr hi-port" (sorted strings). */
struct keyset {
    char **v;
    size_t n, cap;
};

static void keyset_add(struct keyset *s, const char *key)
{
    for (size_t i = 0; i < s->n; i++)
        if (strcmp(s->v[i], key) == 0)
            return;
    if (s->n == s->cap) {
        s->cap = s->cap ? s->cap * 2 : 64;
        s->v = realloc(s->v, s->cap * sizeof(*s->v));
        CU_ASSERT_PTR_NOT_NULL_FATAL(s->v);
    }
    size_t len = strlen(key) + 1;
    s->v[s->n] = malloc(len);
    CU_ASSERT_PTR_NOT_NULL_FATAL(s->v[s->n]);
    memcpy(s->v[s->n], key, len);
    s->n++;
}

static bool keyset_has(const struct keyset *s, const char *key)
{
    for (size_t i = 0; i < s->n; i++)
        if (strcmp(s->v[i], key) == 0)
            return true;
    return false;
}

static void keyset_free(struct keyset *s)
{
    for (size_t i = 0; i < s->n; i++)
        free(s->v[i]);
    free(s->v);
    memset(s, 0, sizeof(*s));
}

/* Canonical key from two textual endpoints (addresses re-printed by inet_ntop). */
static void make_key(char *out, size_t cap, const char *proto, const char *a, unsigned pa,
                     const char *b, unsigned pb)
{
    char ea[80], eb[80];
    snprintf(ea, sizeof(ea), "%s %u", a, pa);
    snprintf(eb, sizeof(eb), "%s %u", b, pb);
    bool swap = strcmp(ea, eb) > 0;
    snprintf(out, cap, "%s %s %s", proto, swap ? eb : ea, swap ? ea : eb);
}

static const char *proto_name(uint8_t proto)
{
    return proto == IPPROTO_NUM_TCP ? "tcp" : proto == IPPROTO_NUM_UDP ? "udp" : "sctp";
}

static void addr_text(uint8_t version, const struct ip_addr *a, char *out, size_t cap)
{
    inet_ntop(version == 4 ? AF_INET : AF_INET6, a->b, out, (socklen_t)cap);
}

static void add_tuple(struct keyset *s, uint8_t version, uint8_t proto, const struct ip_addr *src,
                      uint16_t sport, const struct ip_addr *dst, uint16_t dport)
{
    char a[64], b[64], key[200];
    addr_text(version, src, a, sizeof(a));
    addr_text(version, dst, b, sizeof(b));
    make_key(key, sizeof(key), proto_name(proto), a, sport, b, dport);
    keyset_add(s, key);
}

struct file_result {
    unsigned frames, decap_frames;
    bool saw_type;
    struct keyset keys;
};

static void dissect_file(const char *path, enum encap_type want, struct file_result *res)
{
    memset(res, 0, sizeof(*res));
    struct capture *cap;
    struct ss_err err;
    if (capture_open_file(&cap, path, NULL, &err) != 0) {
        printf("\n  %s\n", err.msg);
        CU_FAIL("capture_open_file");
        return;
    }
    struct ip_reasm *r = ip_reasm_create(IP_REASM_DEFAULT_MEMCAP, IP_REASM_DEFAULT_TIMEOUT_NS);
    CU_ASSERT_PTR_NOT_NULL_FATAL(r);
    struct frame_ctx ctx = { r, false, true };
    struct capture_frame f;
    while (capture_next(cap, &f, &err) == 1) {
        struct frame_in in = { f.data, f.cap_len, f.wire_len, f.linktype, f.ts_ns };
        struct packet pkt;
        frame_dissect(&ctx, &in, &pkt);
        res->frames++;
        if (pkt.n_encap > 0)
            res->decap_frames++;
        for (unsigned i = 0; i < pkt.n_encap; i++) {
            const struct encap_layer *l = &pkt.encap[i];
            if (l->type == want)
                res->saw_type = true;
            if (l->proto == IPPROTO_NUM_UDP)
                add_tuple(&res->keys, l->ip_version, l->proto, &l->src, l->sport, &l->dst,
                          l->dport);
        }
        bool ported = pkt.proto == IPPROTO_NUM_TCP || pkt.proto == IPPROTO_NUM_UDP ||
                      pkt.proto == IPPROTO_NUM_SCTP;
        if (pkt.ip_version != 0 && ported && pkt.layer >= LAYER_L4 &&
            !(pkt.is_fragment && !pkt.reassembled))
            add_tuple(&res->keys, pkt.ip_version, pkt.proto, &pkt.src, pkt.sport, &pkt.dst,
                      pkt.dport);
    }
    capture_close(cap);
    ip_reasm_destroy(r);
}

/* Splits "addr:port" at the last colon; false if it does not look like one. */
static bool split_endpoint(const char *tok, char *addr, size_t cap, unsigned *port)
{
    const char *c = strrchr(tok, ':');
    if (c == NULL || (size_t)(c - tok) >= cap)
        return false;
    memcpy(addr, tok, (size_t)(c - tok));
    addr[c - tok] = '\0';
    char *end;
    unsigned long p = strtoul(c + 1, &end, 10);
    if (*end != '\0' || p > 65535)
        return false;
    *port = (unsigned)p;
    /* normalise the address text through inet_pton/inet_ntop */
    uint8_t bin[16];
    int af = strchr(addr, ':') != NULL ? AF_INET6 : AF_INET;
    if (inet_pton(af, addr, bin) != 1)
        return false;
    inet_ntop(af, bin, addr, (socklen_t)cap);
    return true;
}

/* Reads tshark's conversation keys; returns -1 when the file is missing. */
static int read_tshark(const char *path, struct keyset *keys)
{
    FILE *fp = fopen(path, "r");
    if (fp == NULL)
        return -1;
    char line[1024];
    const char *proto = NULL;
    while (fgets(line, sizeof(line), fp) != NULL) {
        if (strncmp(line, "TCP Conversations", 17) == 0)
            proto = "tcp";
        else if (strncmp(line, "UDP Conversations", 17) == 0)
            proto = "udp";
        else if (strncmp(line, "SCTP Conversations", 18) == 0)
            proto = "sctp";
        char a[128], arrow[8], b[128];
        if (proto == NULL || sscanf(line, "%127s %7s %127s", a, arrow, b) != 3 ||
            strcmp(arrow, "<->") != 0)
            continue;
        char aa[64], bb[64], key[200];
        unsigned pa, pb;
        if (!split_endpoint(a, aa, sizeof(aa), &pa) || !split_endpoint(b, bb, sizeof(bb), &pb)) {
            CU_FAIL("unparsable tshark conversation line");
            continue;
        }
        make_key(key, sizeof(key), proto, aa, pa, bb, pb);
        keyset_add(keys, key);
    }
    fclose(fp);
    return 0;
}

static void test_tunnel_files(void)
{
    const char *dir = corpus_dir();
    if (dir == NULL)
        return;
    for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
        const struct tunnel_file *tf = &files[i];
        char path[4096];
        snprintf(path, sizeof(path), "%s/good/%s", dir, tf->name);
        struct file_result res;
        dissect_file(path, tf->type, &res);
        if (tf->type == ENCAP_NONE)
            res.saw_type = true;
        if (res.decap_frames < tf->min_decap || !res.saw_type) {
            printf("\n  %s: %u of %u frames decapsulated (want >= %u), %s %s\n", tf->name,
                   res.decap_frames, res.frames, tf->min_decap, encap_type_name(tf->type),
                   res.saw_type ? "seen" : "never seen");
            CU_FAIL("tunnel file not decapsulated");
        }
        if (tf->compare_tshark) {
            struct keyset ref = { 0 };
            snprintf(path, sizeof(path), "%s/reference/tshark/good/%s.conv.txt", dir, tf->name);
            if (read_tshark(path, &ref) != 0) {
                CU_FAIL("tshark reference missing");
            } else {
                bool same = ref.n == res.keys.n;
                for (size_t k = 0; k < ref.n; k++) {
                    if (!keyset_has(&res.keys, ref.v[k])) {
                        printf("\n  %s: tshark has %s, sockscope not", tf->name, ref.v[k]);
                        same = false;
                    }
                }
                for (size_t k = 0; k < res.keys.n; k++) {
                    if (!keyset_has(&ref, res.keys.v[k])) {
                        printf("\n  %s: sockscope has %s, tshark not", tf->name, res.keys.v[k]);
                        same = false;
                    }
                }
                CU_ASSERT(same);
            }
            keyset_free(&ref);
        }
        keyset_free(&res.keys);
    }
}

/* Without decap the same files give no tunnel layers at all. */
static void test_no_decap(void)
{
    const char *dir = corpus_dir();
    if (dir == NULL)
        return;
    char path[4096];
    snprintf(path, sizeof(path), "%s/good/ndpi__vxlan.pcap", dir);
    struct capture *cap;
    struct ss_err err;
    CU_ASSERT_EQUAL_FATAL(capture_open_file(&cap, path, NULL, &err), 0);
    struct frame_ctx ctx = { NULL, false, false };
    struct capture_frame f;
    unsigned frames = 0, outer_udp = 0;
    while (capture_next(cap, &f, &err) == 1) {
        struct frame_in in = { f.data, f.cap_len, f.wire_len, f.linktype, f.ts_ns };
        struct packet pkt;
        frame_dissect(&ctx, &in, &pkt);
        frames++;
        CU_ASSERT_EQUAL(pkt.n_encap, 0);
        if (pkt.proto == IPPROTO_NUM_UDP && (pkt.dport == 4789 || pkt.sport == 4789))
            outer_udp++;
    }
    capture_close(cap);
    CU_ASSERT_EQUAL(frames, 127);
    CU_ASSERT_EQUAL(outer_udp, frames);
}

/* Every malformed/ file through frame_dissect with decap (ASan/UBSan watch); the
 * crafted deep nesting hits the depth limit. */
static void test_malformed_files(void)
{
    const char *dir = corpus_dir();
    if (dir == NULL)
        return;
    char path[4096];
    snprintf(path, sizeof(path), "%s/malformed", dir);
    DIR *d = opendir(path);
    CU_ASSERT_PTR_NOT_NULL_FATAL(d);
    struct dirent *e;
    unsigned n_files = 0, depth_hits = 0;
    struct ip_reasm *r = ip_reasm_create(IP_REASM_DEFAULT_MEMCAP, IP_REASM_DEFAULT_TIMEOUT_NS);
    CU_ASSERT_PTR_NOT_NULL_FATAL(r);
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        snprintf(path, sizeof(path), "%s/malformed/%s", dir, e->d_name);
        struct capture *cap;
        struct ss_err err;
        if (capture_open_file(&cap, path, NULL, &err) != 0)
            continue;
        n_files++;
        struct frame_ctx ctx = { r, true, true };
        struct capture_frame f;
        while (capture_next(cap, &f, &err) == 1) {
            struct frame_in in = { f.data, f.cap_len, f.wire_len, f.linktype, f.ts_ns };
            struct packet pkt;
            frame_dissect(&ctx, &in, &pkt);
            CU_ASSERT(pkt.n_encap <= PACKET_MAX_ENCAP);
            if ((pkt.anomalies & ANOM_BIT(ANOM_ENCAP_DEPTH)) &&
                strstr(e->d_name, "tunnel-nesting-deep") != NULL)
                depth_hits++;
        }
        capture_close(cap);
    }
    closedir(d);
    ip_reasm_destroy(r);
    CU_ASSERT(n_files > 100);
    CU_ASSERT_EQUAL(depth_hits, 2); /* IPv4-in-IPv4 and GRE-in-GRE */
}

int register_tests(void)
{
    const char *dir = corpus_dir();
    char path[4096];
    snprintf(path, sizeof(path), "%s/MANIFEST.tsv", dir != NULL ? dir : ".");
    FILE *m = dir != NULL ? fopen(path, "r") : NULL;
    if (m == NULL) {
        printf("test_encap_corpus: skipped, no $SOCKSCOPE_CORPUS_DIR/MANIFEST.tsv (%s)\n",
               dir != NULL ? dir : "SOCKSCOPE_CORPUS_DIR unset");
        tests_skipped = 1;
        return 0;
    }
    fclose(m);
    static const struct test_entry tests[] = {
        { "tunnel files decapsulate, conversations match tshark", test_tunnel_files },
        { "no decap: outer flows only", test_no_decap },
        { "malformed files decapsulate safely", test_malformed_files },
        { NULL, NULL },
    };
    return add_suite("encap_corpus", tests);
}
