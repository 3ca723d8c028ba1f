/* test_zeek_conn.c - Zeek connection semantics: conn_state, history, flips,
 * sizes and missed bytes, driven by hand-built packets. */
#include <stdio.h>
#include <string.h>

#include <CUnit/CUnit.h>

#include "cunit_main.h"
#include "zeek_conn.h"

#define SYN TCP_SYN
#define ACK TCP_ACK
#define FIN TCP_FIN
#define RST TCP_RST
#define PSH TCP_PSH

/* A TCP packet with len payload bytes, all captured, good checksum. */
static struct packet mk_tcp(uint16_t flags, uint32_t seq, uint32_t ack, uint32_t len,
                            uint16_t win)
{
    struct packet p;
    memset(&p, 0, sizeof(p));
    p.proto = IPPROTO_NUM_TCP;
    p.layer = LAYER_L4;
    p.tcp.flags = flags;
    p.tcp.seq = seq;
    p.tcp.ack = ack;
    p.tcp.window = win;
    p.l4_payload_len = len;
    p.payload.len = len; /* never dereferenced */
    p.l4_csum = CSUM_GOOD;
    return p;
}

static struct packet mk_dgram(uint8_t proto, uint32_t len)
{
    struct packet p;
    memset(&p, 0, sizeof(p));
    p.proto = proto;
    p.layer = LAYER_L4;
    p.l4_payload_len = len;
    p.payload.len = len;
    p.l4_csum = CSUM_GOOD;
    return p;
}

/* Feeds one TCP packet (window 8192); returns zeek_conn_update's result. */
static int tx(struct zeek_conn *z, bool from_orig, uint16_t flags, uint32_t seq, uint32_t ack,
              uint32_t len)
{
    struct packet p = mk_tcp(flags, seq, ack, len, 8192);
    return zeek_conn_update(z, &p, from_orig);
}

static void tcp_new(struct zeek_conn *z)
{
    zeek_conn_init(z, IPPROTO_NUM_TCP);
}

/* Client ISN 1000, server ISN 5000: SYN, SYN-ACK, ACK. */
static void handshake(struct zeek_conn *z)
{
    tcp_new(z);
    tx(z, true, SYN, 1000, 0, 0);
    tx(z, false, SYN | ACK, 5000, 1001, 0);
    tx(z, true, ACK, 1001, 5001, 0);
}

static int count_char(const char *s, char c)
{
    int n = 0;
    for (; *s != '\0'; s++)
        n += *s == c;
    return n;
}

/* ---- DESIGN.md worked examples ---------------------------------------- */

static void test_example_http_sf_with_retransmission(void)
{
    struct zeek_conn z;
    handshake(&z);
    tx(&z, true, PSH | ACK, 1001, 5001, 100);  /* request */
    tx(&z, false, PSH | ACK, 5001, 1101, 500); /* response */
    tx(&z, false, PSH | ACK, 5001, 1101, 500); /* retransmitted response */
    tx(&z, true, ACK, 1101, 5501, 0);
    tx(&z, true, FIN | ACK, 1101, 5501, 0);
    tx(&z, false, FIN | ACK, 5501, 1102, 0);
    int r = tx(&z, true, ACK, 1102, 5502, 0); /* final ACK */

    CU_ASSERT_STRING_EQUAL(zeek_conn_history(&z), "ShADdtFf");
    CU_ASSERT_STRING_EQUAL(zeek_conn_state(&z), "SF");
    CU_ASSERT_EQUAL(zeek_conn_orig_bytes(&z), 100);
    CU_ASSERT_EQUAL(zeek_conn_resp_bytes(&z), 500);
    CU_ASSERT_EQUAL(zeek_conn_missed_bytes(&z), 0);
    CU_ASSERT(zeek_conn_is_closed(&z));
    /* both sides closed before it: Zeek's last_time does not move */
    CU_ASSERT_EQUAL(r & ZEEK_UPD_TOUCH_TIME, 0);
    CU_ASSERT_EQUAL(r & ZEEK_UPD_FLIPPED, 0);
}

static void test_example_rsto(void)
{
    struct zeek_conn z;
    handshake(&z);
    tx(&z, true, RST, 1001, 0, 0);
    CU_ASSERT_STRING_EQUAL(zeek_conn_history(&z), "ShAR");
    CU_ASSERT_STRING_EQUAL(zeek_conn_state(&z), "RSTO");
    CU_ASSERT_EQUAL(zeek_conn_orig_bytes(&z), 0);
    CU_ASSERT_EQUAL(zeek_conn_resp_bytes(&z), 0);
}

static void test_example_rej(void)
{
    struct zeek_conn z;
    tcp_new(&z);
    tx(&z, true, SYN, 1000, 0, 0);
    tx(&z, false, RST | ACK, 0, 1001, 0);
    CU_ASSERT_STRING_EQUAL(zeek_conn_history(&z), "Sr");
    CU_ASSERT_STRING_EQUAL(zeek_conn_state(&z), "REJ");
    CU_ASSERT_EQUAL(zeek_conn_orig_bytes(&z), 0);
    CU_ASSERT_EQUAL(zeek_conn_resp_bytes(&z), 0);
}

/* zeek_conn_init_zeroed on zero bytes gives the state zeek_conn_init gives on
 * any bytes, for each protocol. */
static void test_init_zeroed_same_as_init(void)
{
    const uint8_t protos[] = {IPPROTO_NUM_TCP, IPPROTO_NUM_UDP, IPPROTO_NUM_ICMP, 132};
    for (size_t i = 0; i < sizeof(protos); i++) {
        struct zeek_conn a, b;
        memset(&a, 0xA5, sizeof(a));
        zeek_conn_init(&a, protos[i]);
        memset(&b, 0, sizeof(b));
        zeek_conn_init_zeroed(&b, protos[i]);
        CU_ASSERT_EQUAL(memcmp(&a, &b, sizeof(a)), 0);
    }
}

static void test_example_udp_s0(void)
{
    struct zeek_conn z;
    zeek_conn_init(&z, IPPROTO_NUM_UDP);
    struct packet p = mk_dgram(IPPROTO_NUM_UDP, 30);
    CU_ASSERT_EQUAL(zeek_conn_update(&z, &p, true), ZEEK_UPD_TOUCH_TIME);
    CU_ASSERT_STRING_EQUAL(zeek_conn_history(&z), "D");
    CU_ASSERT_STRING_EQUAL(zeek_conn_state(&z), "S0");
    CU_ASSERT_EQUAL(zeek_conn_orig_bytes(&z), 30);
    CU_ASSERT_EQUAL(zeek_conn_resp_bytes(&z), 0);
}

static void test_example_midstream_ssh(void)
{
    /* server 22 -> client 50123 carries data first */
    struct packet first = mk_tcp(PSH | ACK, 70000, 30000, 40, 500);
    first.sport = 22;
    first.dport = 50123;
    bool flip = zeek_should_flip_at_creation(IPPROTO_NUM_TCP, &first, true, false, false);
    CU_ASSERT_TRUE(flip);

    struct zeek_conn z;
    tcp_new(&z);
    zeek_conn_mark_flipped(&z);
    zeek_conn_update(&z, &first, false); /* the sender is now the responder */
    tx(&z, true, ACK, 30000, 70040, 0);
    CU_ASSERT_STRING_EQUAL(zeek_conn_history(&z), "^dA");
    CU_ASSERT_STRING_EQUAL(zeek_conn_state(&z), "OTH");
    CU_ASSERT_EQUAL(z.u.tcp.orig.state, ZEEK_TCP_PARTIAL);
    CU_ASSERT_EQUAL(z.u.tcp.resp.state, ZEEK_TCP_PARTIAL);
    CU_ASSERT_EQUAL(zeek_conn_resp_bytes(&z), 40);
    CU_ASSERT_EQUAL(zeek_conn_orig_bytes(&z), 0);
}

/* ---- one test per conn_state code -------------------------------------- */

static void test_state_s0(void)
{
    struct zeek_conn z;
    tcp_new(&z);
    tx(&z, true, SYN, 1000, 0, 0);
    CU_ASSERT_STRING_EQUAL(zeek_conn_state(&z), "S0");
    CU_ASSERT_EQUAL(zeek_conn_orig_bytes(&z), 0);
}

static void test_state_s1_without_final_ack(void)
{
    struct zeek_conn z;
    tcp_new(&z);
    tx(&z, true, SYN, 1000, 0, 0);
    tx(&z, false, SYN | ACK, 5000, 1001, 0);
    CU_ASSERT_STRING_EQUAL(zeek_conn_history(&z), "Sh");
    CU_ASSERT_EQUAL(z.u.tcp.orig.state, ZEEK_TCP_ESTABLISHED);
    CU_ASSERT_STRING_EQUAL(zeek_conn_state(&z), "S1");
}

static void test_state_sf_without_final_ack(void)
{
    struct zeek_conn z;
    tcp_new(&z);
    tx(&z, true, SYN, 1000, 0, 0);
    tx(&z, false, SYN | ACK, 5000, 1001, 0);
    tx(&z, true, FIN | ACK, 1001, 5001, 0);
    tx(&z, false, FIN | ACK, 5001, 1002, 0);
    CU_ASSERT_STRING_EQUAL(zeek_conn_history(&z), "ShFf");
    CU_ASSERT_STRING_EQUAL(zeek_conn_state(&z), "SF");
}

static void test_state_sf_fin_then_rst(void)
{
    /* orig FINs then RSTs; the responder's FIN turns orig back into CLOSED */
    struct zeek_conn z;
    handshake(&z);
    tx(&z, true, FIN | ACK, 1001, 5001, 0);
    tx(&z, true, RST, 1002, 0, 0);
    CU_ASSERT_EQUAL(z.u.tcp.orig.state, ZEEK_TCP_RESET);
    CU_ASSERT_STRING_EQUAL(zeek_conn_state(&z), "RSTO");
    tx(&z, false, FIN | ACK, 5001, 1002, 0);
    CU_ASSERT_EQUAL(z.u.tcp.orig.state, ZEEK_TCP_CLOSED);
    CU_ASSERT_STRING_EQUAL(zeek_conn_history(&z), "ShAFRf");
    CU_ASSERT_STRING_EQUAL(zeek_conn_state(&z), "SF");
}

static void test_state_rstos0(void)
{
    struct zeek_conn z;
    tcp_new(&z);
    tx(&z, true, SYN, 1000, 0, 0);
    tx(&z, true, RST, 1001, 0, 0);
    CU_ASSERT_STRING_EQUAL(zeek_conn_history(&z), "SR");
    CU_ASSERT_EQUAL(z.u.tcp.resp.state, ZEEK_TCP_INACTIVE);
    CU_ASSERT_STRING_EQUAL(zeek_conn_state(&z), "RSTOS0");
    CU_ASSERT_EQUAL(zeek_conn_orig_bytes(&z), 0);
}

static void test_state_lone_rst_is_oth(void)
{
    struct zeek_conn z;
    tcp_new(&z);
    tx(&z, true, RST, 1000, 0, 0);
    CU_ASSERT_STRING_EQUAL(zeek_conn_history(&z), "R");
    CU_ASSERT_STRING_EQUAL(zeek_conn_state(&z), "OTH");
}

static void test_state_rstos0_regex(void)
{
    /* lowercase letters between S and R are allowed; H/A/F/G/I/Q are not */
    struct zeek_conn z;
    tcp_new(&z);
    tx(&z, true, SYN, 1000, 0, 0);
    tx(&z, true, PSH, 1001, 0, 10); /* D is allowed between S and R */
    tx(&z, true, RST, 1011, 0, 0);
    CU_ASSERT_STRING_EQUAL(zeek_conn_history(&z), "SDR");
    CU_ASSERT_STRING_EQUAL(zeek_conn_state(&z), "RSTOS0");

    tcp_new(&z);
    tx(&z, true, SYN, 1000, 0, 0);
    tx(&z, true, ACK, 1001, 1, 0); /* A: not an RSTOS0 history */
    tx(&z, true, RST, 1001, 0, 0);
    CU_ASSERT_STRING_EQUAL(zeek_conn_history(&z), "SAR");
    CU_ASSERT_STRING_EQUAL(zeek_conn_state(&z), "OTH");
}

static void test_state_rstr(void)
{
    struct zeek_conn z;
    handshake(&z);
    tx(&z, false, RST, 5001, 0, 0);
    CU_ASSERT_STRING_EQUAL(zeek_conn_history(&z), "ShAr");
    CU_ASSERT_STRING_EQUAL(zeek_conn_state(&z), "RSTR");
}

static void test_state_rstrh(void)
{
    /* SYN-ACK first from a likely server port: flipped at creation */
    struct zeek_conn z;
    tcp_new(&z);
    zeek_conn_mark_flipped(&z);
    tx(&z, false, SYN | ACK, 5000, 1001, 0);
    tx(&z, false, RST, 5001, 0, 0);
    CU_ASSERT_STRING_EQUAL(zeek_conn_history(&z), "^hr");
    CU_ASSERT_STRING_EQUAL(zeek_conn_state(&z), "RSTRH");
}

static void test_state_sh(void)
{
    struct zeek_conn z;
    tcp_new(&z);
    tx(&z, true, SYN, 1000, 0, 0);
    tx(&z, true, FIN, 1001, 0, 0);
    CU_ASSERT_STRING_EQUAL(zeek_conn_history(&z), "SF");
    CU_ASSERT_STRING_EQUAL(zeek_conn_state(&z), "SH");
}

static void test_state_shr(void)
{
    struct zeek_conn z;
    tcp_new(&z);
    zeek_conn_mark_flipped(&z);
    tx(&z, false, SYN | ACK, 5000, 1001, 0);
    tx(&z, false, FIN | ACK, 5001, 1001, 0);
    CU_ASSERT_STRING_EQUAL(zeek_conn_history(&z), "^hf");
    CU_ASSERT_STRING_EQUAL(zeek_conn_state(&z), "SHR");
}

static void test_state_s2(void)
{
    struct zeek_conn z;
    handshake(&z);
    tx(&z, true, FIN | ACK, 1001, 5001, 0);
    CU_ASSERT_STRING_EQUAL(zeek_conn_state(&z), "S2");
}

static void test_state_s3(void)
{
    struct zeek_conn z;
    handshake(&z);
    tx(&z, false, FIN | ACK, 5001, 1001, 0);
    CU_ASSERT_STRING_EQUAL(zeek_conn_history(&z), "ShAf");
    CU_ASSERT_STRING_EQUAL(zeek_conn_state(&z), "S3");
}

static void test_state_oth(void)
{
    struct zeek_conn z;
    tcp_new(&z);
    tx(&z, true, ACK, 1000, 2000, 0);
    CU_ASSERT_STRING_EQUAL(zeek_conn_history(&z), "A");
    CU_ASSERT_STRING_EQUAL(zeek_conn_state(&z), "OTH");
}

/* ---- history rules ----------------------------------------------------- */

static void test_hist_repeated_syn(void)
{
    struct zeek_conn z;
    tcp_new(&z);
    tx(&z, true, SYN, 1000, 0, 0);
    tx(&z, true, SYN, 1000, 0, 0);
    tx(&z, true, SYN, 1000, 0, 0);
    CU_ASSERT_STRING_EQUAL(zeek_conn_history(&z), "S");
    CU_ASSERT_STRING_EQUAL(zeek_conn_state(&z), "S0");
}

static void test_hist_new_isn(void)
{
    /* On an open connection a new ISN is reuse (a new incarnation) ... */
    struct zeek_conn z;
    tcp_new(&z);
    tx(&z, true, SYN, 1000, 0, 0);
    struct packet syn2 = mk_tcp(SYN, 7777, 0, 0, 8192);
    CU_ASSERT_TRUE(zeek_conn_is_reuse(&z, &syn2, true));

    /* ... and where Zeek keeps the connection (a side already closed and its
     * sequence space not restarted), the new ISN adds another S. */
    handshake(&z);
    tx(&z, true, FIN | ACK, 1001, 5001, 0);
    tx(&z, true, SYN, 9000, 0, 0);
    CU_ASSERT_STRING_EQUAL(zeek_conn_history(&z), "ShAFS");
    tx(&z, true, SYN, 9000, 0, 0); /* its retransmission adds nothing */
    CU_ASSERT_STRING_EQUAL(zeek_conn_history(&z), "ShAFS");
}

static void test_hist_fin_retransmission(void)
{
    struct zeek_conn z;
    handshake(&z);
    tx(&z, true, FIN | ACK, 1001, 5001, 0);
    tx(&z, true, FIN | ACK, 1001, 5001, 0); /* same end: nothing */
    CU_ASSERT_STRING_EQUAL(zeek_conn_history(&z), "ShAF");
    tx(&z, true, FIN | ACK | PSH, 1001, 5001, 20); /* a FIN at a new end */
    CU_ASSERT_STRING_EQUAL(zeek_conn_history(&z), "ShAFF");
}

static void test_hist_rst_seq_rule(void)
{
    struct zeek_conn z;
    handshake(&z);
    tx(&z, false, RST, 5001, 0, 0);
    tx(&z, false, RST, 5001, 0, 0);
    CU_ASSERT_STRING_EQUAL(zeek_conn_history(&z), "ShAr");
    tx(&z, false, RST, 6001, 0, 0);
    CU_ASSERT_STRING_EQUAL(zeek_conn_history(&z), "ShArr");
}

static void test_hist_i_and_q(void)
{
    struct zeek_conn z;
    handshake(&z);
    tx(&z, true, FIN | RST, 1001, 0, 0);
    tx(&z, true, FIN | RST, 1001, 0, 0);
    tx(&z, false, SYN | FIN, 5001, 0, 0);
    tx(&z, false, SYN | RST, 5001, 0, 0);
    tx(&z, false, SYN | FIN | RST, 5001, 0, 0); /* all three count as I */
    CU_ASSERT_STRING_EQUAL(zeek_conn_history(&z), "ShAIqi");
}

static void test_hist_d_once_per_direction(void)
{
    struct zeek_conn z;
    handshake(&z);
    tx(&z, true, PSH | ACK, 1001, 5001, 10);
    tx(&z, true, PSH | ACK, 1011, 5001, 10);
    tx(&z, false, PSH | ACK, 5001, 1021, 10);
    tx(&z, false, PSH | ACK, 5011, 1021, 10);
    tx(&z, true, ACK, 1021, 5021, 0);
    CU_ASSERT_STRING_EQUAL(zeek_conn_history(&z), "ShADd");
    CU_ASSERT_EQUAL(zeek_conn_orig_bytes(&z), 20);
    CU_ASSERT_EQUAL(zeek_conn_resp_bytes(&z), 20);
}

static void test_hist_syn_with_data_is_not_d(void)
{
    struct zeek_conn z;
    tcp_new(&z);
    tx(&z, true, SYN, 1000, 0, 50); /* TCP Fast Open style */
    /* no D; but Zeek's init_endpoint already puts last_seq past this SYN's
     * data, so update_last_seq sees no advance and counts a retransmission */
    CU_ASSERT_STRING_EQUAL(zeek_conn_history(&z), "ST");
    CU_ASSERT_EQUAL(zeek_conn_orig_bytes(&z), 50);
}

/* k retransmissions of one segment give floor(log10(k)) + 1 T letters. */
static void test_hist_t_log_scaled(void)
{
    static const struct {
        int rexmits, letters;
    } cases[] = { { 1, 1 }, { 9, 1 }, { 10, 2 }, { 99, 2 }, { 100, 3 } };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct zeek_conn z;
        handshake(&z);
        tx(&z, true, PSH | ACK, 1001, 5001, 100);
        for (int k = 0; k < cases[i].rexmits; k++)
            tx(&z, true, PSH | ACK, 1001, 5001, 100);
        CU_ASSERT_EQUAL(count_char(zeek_conn_history(&z), 'T'), cases[i].letters);
        CU_ASSERT_EQUAL(zeek_conn_orig_bytes(&z), 100);
    }
}

static void test_hist_t_late_out_of_order(void)
{
    /* a late segment below last_seq counts as a retransmission too */
    struct zeek_conn z;
    handshake(&z);
    tx(&z, true, PSH | ACK, 1101, 5001, 100);
    tx(&z, true, PSH | ACK, 1001, 5001, 100);
    CU_ASSERT_STRING_EQUAL(zeek_conn_history(&z), "ShADT");
    CU_ASSERT_EQUAL(zeek_conn_orig_bytes(&z), 200);
}

static void test_hist_w_rules(void)
{
    struct zeek_conn z;
    handshake(&z);
    struct packet p = mk_tcp(ACK, 5001, 1001, 0, 0);
    zeek_conn_update(&z, &p, false);
    CU_ASSERT_STRING_EQUAL(zeek_conn_history(&z), "ShAaw");
    for (int k = 1; k < 10; k++)
        zeek_conn_update(&z, &p, false);
    CU_ASSERT_STRING_EQUAL(zeek_conn_history(&z), "ShAaww");

    /* not with a RST */
    handshake(&z);
    p = mk_tcp(RST | ACK, 1001, 5001, 0, 0);
    zeek_conn_update(&z, &p, true);
    CU_ASSERT_EQUAL(count_char(zeek_conn_history(&z), 'W'), 0);
    /* not once the sender is RESET */
    p = mk_tcp(ACK, 1001, 5001, 0, 0);
    zeek_conn_update(&z, &p, true);
    CU_ASSERT_EQUAL(count_char(zeek_conn_history(&z), 'W'), 0);

    /* not when the peer is CLOSED; but a side that sent its own FIN may */
    handshake(&z);
    tx(&z, false, FIN | ACK, 5001, 1001, 0);
    p = mk_tcp(ACK, 1001, 5002, 0, 0);
    zeek_conn_update(&z, &p, true);
    CU_ASSERT_EQUAL(count_char(zeek_conn_history(&z), 'W'), 0);
    p = mk_tcp(ACK, 5002, 1001, 0, 0);
    zeek_conn_update(&z, &p, false);
    CU_ASSERT_STRING_EQUAL(zeek_conn_history(&z), "ShAfaw");

    /* a zero-window SYN counts (Zeek does not exempt SYNs) */
    tcp_new(&z);
    p = mk_tcp(SYN, 1000, 0, 0, 0);
    zeek_conn_update(&z, &p, true);
    CU_ASSERT_STRING_EQUAL(zeek_conn_history(&z), "SW");
}

static void test_hist_bad_checksum(void)
{
    struct zeek_conn z;
    tcp_new(&z);
    struct packet p = mk_tcp(SYN, 1000, 0, 0, 8192);
    p.l4_csum = CSUM_BAD;
    CU_ASSERT_EQUAL(zeek_conn_update(&z, &p, true), 0); /* no last_time update */
    CU_ASSERT_STRING_EQUAL(zeek_conn_history(&z), "C");
    CU_ASSERT_EQUAL(z.u.tcp.orig.state, ZEEK_TCP_INACTIVE); /* otherwise ignored */
    for (int k = 1; k < 10; k++)
        zeek_conn_update(&z, &p, true);
    CU_ASSERT_STRING_EQUAL(zeek_conn_history(&z), "CC");
    p.l4_csum = CSUM_GOOD;
    zeek_conn_update(&z, &p, true);
    struct packet q = mk_tcp(SYN | ACK, 5000, 1001, 0, 8192);
    q.l4_csum = CSUM_BAD;
    zeek_conn_update(&z, &q, false);
    CU_ASSERT_STRING_EQUAL(zeek_conn_history(&z), "CCSc");
    CU_ASSERT_STRING_EQUAL(zeek_conn_state(&z), "S0");

    /* UDP: C/c too, and a bad datagram does not make its side active */
    zeek_conn_init(&z, IPPROTO_NUM_UDP);
    struct packet u = mk_dgram(IPPROTO_NUM_UDP, 12);
    u.l4_csum = CSUM_BAD;
    CU_ASSERT_EQUAL(zeek_conn_update(&z, &u, true), 0);
    CU_ASSERT_STRING_EQUAL(zeek_conn_history(&z), "C");
    CU_ASSERT_STRING_EQUAL(zeek_conn_state(&z), "OTH");
    CU_ASSERT_EQUAL(zeek_conn_orig_bytes(&z), 0);
}

static void test_hist_truncation(void)
{
    struct zeek_conn z;
    handshake(&z);
    /* every FIN at a new end adds an F: more letters than fit */
    for (uint32_t k = 0; k < 30; k++)
        tx(&z, true, FIN | ACK, 1001, 5001, k + 1);
    CU_ASSERT_EQUAL(strlen(zeek_conn_history(&z)), ZEEK_HISTORY_MAX);
    CU_ASSERT_TRUE(z.hist_truncated);
    CU_ASSERT_EQUAL(strncmp(zeek_conn_history(&z), "ShAFFF", 6), 0);
}

/* ---- flips -------------------------------------------------------------- */

static void test_flip_syn_synack_reversal(void)
{
    /* B's SYN-ACK is seen before A's SYN (two interfaces, coalescing) */
    struct zeek_conn z;
    tcp_new(&z);
    tx(&z, true, SYN | ACK, 9000, 2001, 0); /* B, first packet: originator */
    CU_ASSERT_EQUAL(z.u.tcp.orig.state, ZEEK_TCP_SYN_ACK_SENT);
    struct packet syn = mk_tcp(SYN, 2000, 0, 0, 8192);
    CU_ASSERT_FALSE(zeek_conn_is_reuse(&z, &syn, false));
    int r = zeek_conn_update(&z, &syn, false);
    CU_ASSERT(r & ZEEK_UPD_FLIPPED);
    CU_ASSERT_TRUE(z.flipped);
    CU_ASSERT_STRING_EQUAL(zeek_conn_history(&z), "Hs^");
    CU_ASSERT_EQUAL(z.u.tcp.orig.state, ZEEK_TCP_ESTABLISHED);
    CU_ASSERT_EQUAL(z.u.tcp.resp.state, ZEEK_TCP_ESTABLISHED);
    CU_ASSERT_EQUAL(z.u.tcp.orig.start_seq, 2000); /* A now originates */
    tx(&z, true, ACK, 2001, 9001, 0);
    tx(&z, true, PSH | ACK, 2001, 9001, 30);
    CU_ASSERT_STRING_EQUAL(zeek_conn_history(&z), "Hs^AD");
    CU_ASSERT_STRING_EQUAL(zeek_conn_state(&z), "S1");
    CU_ASSERT_EQUAL(zeek_conn_orig_bytes(&z), 30);
}

static void test_flip_synack_then_ack(void)
{
    /* missed SYN; SYN-ACK then the client's ACK: "^hA" */
    struct zeek_conn z;
    tcp_new(&z);
    tx(&z, true, SYN | ACK, 5000, 1001, 0); /* server, first packet */
    CU_ASSERT_STRING_EQUAL(zeek_conn_history(&z), "H");
    int r = tx(&z, false, ACK, 1001, 5001, 0); /* client */
    CU_ASSERT(r & ZEEK_UPD_FLIPPED);
    CU_ASSERT_STRING_EQUAL(zeek_conn_history(&z), "^hA");
    CU_ASSERT_EQUAL(z.u.tcp.resp.start_seq, 5000); /* the server responds now */
    CU_ASSERT_EQUAL(z.u.tcp.resp.state, ZEEK_TCP_SYN_ACK_SENT);
    CU_ASSERT_EQUAL(z.u.tcp.orig.state, ZEEK_TCP_PARTIAL);
    /* the server's retransmitted SYN-ACK adds nothing */
    tx(&z, false, SYN | ACK, 5000, 1001, 0);
    CU_ASSERT_STRING_EQUAL(zeek_conn_history(&z), "^hA");
    tx(&z, true, PSH | ACK, 1001, 5001, 10);
    tx(&z, false, PSH | ACK, 5001, 1011, 20);
    CU_ASSERT_STRING_EQUAL(zeek_conn_history(&z), "^hADd");
    CU_ASSERT_EQUAL(zeek_conn_orig_bytes(&z), 10);
    CU_ASSERT_EQUAL(zeek_conn_resp_bytes(&z), 20);

    /* the SYN-ACK sender's own ACK flips too: "^ha" */
    tcp_new(&z);
    tx(&z, true, SYN | ACK, 5000, 1001, 0);
    r = tx(&z, true, ACK, 5001, 1001, 0);
    CU_ASSERT(r & ZEEK_UPD_FLIPPED);
    CU_ASSERT_STRING_EQUAL(zeek_conn_history(&z), "^ha");
}

static void test_flip_at_creation_rules(void)
{
    struct packet p = mk_tcp(SYN, 1, 0, 0, 1);
    p.sport = 80;
    p.dport = 40000;
    /* a bare SYN never flips */
    CU_ASSERT_FALSE(zeek_should_flip_at_creation(IPPROTO_NUM_TCP, &p, true, false, false));
    p.tcp.flags = SYN | ACK;
    CU_ASSERT_TRUE(zeek_should_flip_at_creation(IPPROTO_NUM_TCP, &p, true, false, false));
    CU_ASSERT_FALSE(zeek_should_flip_at_creation(IPPROTO_NUM_TCP, &p, false, true, false));
    CU_ASSERT_FALSE(zeek_should_flip_at_creation(IPPROTO_NUM_TCP, &p, true, false, true));
    /* both likely: never for a SYN-ACK; otherwise iff sport < dport */
    p.sport = 53;
    p.dport = 80;
    CU_ASSERT_FALSE(zeek_should_flip_at_creation(IPPROTO_NUM_TCP, &p, true, true, false));
    p.tcp.flags = ACK;
    CU_ASSERT_TRUE(zeek_should_flip_at_creation(IPPROTO_NUM_TCP, &p, true, true, false));
    p.sport = 443;
    CU_ASSERT_FALSE(zeek_should_flip_at_creation(IPPROTO_NUM_TCP, &p, true, true, false));

    struct packet u = mk_dgram(IPPROTO_NUM_UDP, 10);
    CU_ASSERT_TRUE(zeek_should_flip_at_creation(IPPROTO_NUM_UDP, &u, true, false, false));
    CU_ASSERT_FALSE(zeek_should_flip_at_creation(IPPROTO_NUM_UDP, &u, true, true, false));
    CU_ASSERT_FALSE(zeek_should_flip_at_creation(IPPROTO_NUM_UDP, &u, true, false, true));
    struct packet i = mk_dgram(IPPROTO_NUM_ICMP, 10);
    CU_ASSERT_FALSE(zeek_should_flip_at_creation(IPPROTO_NUM_ICMP, &i, true, false, false));
}

/* ---- reuse -------------------------------------------------------------- */

static void test_reuse(void)
{
    struct zeek_conn z;
    tcp_new(&z);
    tx(&z, true, SYN, 1000, 0, 0);
    struct packet p = mk_tcp(SYN, 1000, 0, 0, 8192);
    CU_ASSERT_FALSE(zeek_conn_is_reuse(&z, &p, true)); /* retransmitted SYN */
    p = mk_tcp(ACK, 1001, 1, 0, 8192);
    CU_ASSERT_FALSE(zeek_conn_is_reuse(&z, &p, true)); /* no SYN */
    p = mk_tcp(SYN | ACK, 4444, 1001, 0, 8192);
    CU_ASSERT_FALSE(zeek_conn_is_reuse(&z, &p, false)); /* orig not INACTIVE */

    handshake(&z);
    tx(&z, true, FIN | ACK, 1001, 5001, 0);
    tx(&z, false, FIN | ACK, 5001, 1002, 0);
    p = mk_tcp(SYN, 1000, 0, 0, 8192);
    CU_ASSERT_TRUE(zeek_conn_is_reuse(&z, &p, true)); /* closed: any SYN */

    /* half connection: a SYN-ACK with a new ISN starts over */
    tcp_new(&z);
    zeek_conn_mark_flipped(&z);
    tx(&z, false, SYN | ACK, 5000, 1001, 0);
    p = mk_tcp(SYN | ACK, 5000, 1001, 0, 8192);
    CU_ASSERT_FALSE(zeek_conn_is_reuse(&z, &p, false));
    p = mk_tcp(SYN | ACK, 6000, 2001, 0, 8192);
    CU_ASSERT_TRUE(zeek_conn_is_reuse(&z, &p, false));

    zeek_conn_init(&z, IPPROTO_NUM_UDP);
    CU_ASSERT_FALSE(zeek_conn_is_reuse(&z, &p, true));
}

/* ---- sizes and gaps ---------------------------------------------------- */

static void test_size_sequence_wrap(void)
{
    /* ISN just below 2^32: the data crosses zero */
    struct zeek_conn z;
    tcp_new(&z);
    uint32_t isn = 0xFFFFFF00u;
    tx(&z, true, SYN, isn, 0, 0);
    tx(&z, false, SYN | ACK, 7, isn + 1, 0);
    uint32_t s = isn + 1;
    for (int k = 0; k < 5; k++, s += 1000)
        tx(&z, true, PSH | ACK, s, 8, 1000);
    tx(&z, false, ACK, 8, s, 0);
    CU_ASSERT_EQUAL(zeek_conn_orig_bytes(&z), 5000);
    CU_ASSERT_EQUAL(zeek_conn_missed_bytes(&z), 0);

    /* more than 4 GiB in one direction: five 1 GiB segments, each acked */
    tcp_new(&z);
    tx(&z, true, SYN, 100, 0, 0);
    tx(&z, false, SYN | ACK, 7, 101, 0);
    s = 101;
    for (int k = 0; k < 5; k++) {
        tx(&z, true, PSH | ACK, s, 8, 0x40000000u);
        s += 0x40000000u;
        tx(&z, false, ACK, 8, s, 0);
    }
    tx(&z, true, FIN | ACK, s, 8, 0);
    tx(&z, false, FIN | ACK, 8, s + 1, 0);
    CU_ASSERT_EQUAL(zeek_conn_orig_bytes(&z), 5ull << 30);
    CU_ASSERT_EQUAL(zeek_conn_resp_bytes(&z), 0);
    CU_ASSERT_STRING_EQUAL(zeek_conn_state(&z), "SF");
}

/* The worked HTTP example with payload captured or not. */
static void http_exchange(struct zeek_conn *z, bool captured)
{
    struct packet p;
    handshake(z);
    p = mk_tcp(PSH | ACK, 1001, 5001, 100, 8192);
    if (!captured)
        p.payload.len = 0;
    zeek_conn_update(z, &p, true);
    p = mk_tcp(PSH | ACK, 5001, 1101, 500, 8192);
    if (!captured)
        p.payload.len = 0;
    zeek_conn_update(z, &p, false);
    tx(z, true, ACK, 1101, 5501, 0);
    tx(z, true, FIN | ACK, 1101, 5501, 0);
    tx(z, false, FIN | ACK, 5501, 1102, 0);
    tx(z, true, ACK, 1102, 5502, 0);
}

static void test_size_headers_only(void)
{
    struct zeek_conn full, hdr;
    http_exchange(&full, true);
    http_exchange(&hdr, false);
    CU_ASSERT_EQUAL(zeek_conn_orig_bytes(&full), 100);
    CU_ASSERT_EQUAL(zeek_conn_resp_bytes(&full), 500);
    CU_ASSERT_EQUAL(zeek_conn_orig_bytes(&hdr), zeek_conn_orig_bytes(&full));
    CU_ASSERT_EQUAL(zeek_conn_resp_bytes(&hdr), zeek_conn_resp_bytes(&full));
    CU_ASSERT_STRING_EQUAL(zeek_conn_state(&hdr), "SF");
    /* content Zeek never saw but saw acknowledged is missed, as in Zeek */
    CU_ASSERT_EQUAL(zeek_conn_missed_bytes(&full), 0);
    CU_ASSERT_EQUAL(zeek_conn_missed_bytes(&hdr), 600);
    CU_ASSERT_STRING_EQUAL(zeek_conn_history(&full), "ShADdFf");
    CU_ASSERT_STRING_EQUAL(zeek_conn_history(&hdr), "ShADdGgFf");
}

static void test_missed_bytes_gap(void)
{
    /* segment [1001,1101) never captured, [1101,1201) seen, both acked */
    struct zeek_conn z;
    handshake(&z);
    tx(&z, true, PSH | ACK, 1101, 5001, 100);
    tx(&z, false, ACK, 5001, 1201, 0);
    CU_ASSERT_EQUAL(zeek_conn_missed_bytes(&z), 100);
    CU_ASSERT_STRING_EQUAL(zeek_conn_history(&z), "ShADaG");
    CU_ASSERT_EQUAL(zeek_conn_orig_bytes(&z), 200);

    /* the same segments out of order but before the ACK: nothing missed */
    handshake(&z);
    tx(&z, true, PSH | ACK, 1101, 5001, 100);
    tx(&z, true, PSH | ACK, 1001, 5001, 100);
    tx(&z, false, ACK, 5001, 1201, 0);
    CU_ASSERT_EQUAL(zeek_conn_missed_bytes(&z), 0);

    /* an ACK beyond everything seen, e.g. the last segment lost */
    handshake(&z);
    tx(&z, true, PSH | ACK, 1001, 5001, 100);
    tx(&z, false, ACK, 5001, 1151, 0);
    CU_ASSERT_EQUAL(zeek_conn_missed_bytes(&z), 50);
    /* acknowledging the FIN octet is no gap */
    tx(&z, true, FIN | ACK, 1151, 5001, 0);
    tx(&z, false, ACK, 5001, 1152, 0);
    CU_ASSERT_EQUAL(zeek_conn_missed_bytes(&z), 50);

    /* acks after a RST are not trusted for gaps */
    handshake(&z);
    tx(&z, true, RST | ACK, 1001, 5001, 0);
    tx(&z, false, ACK, 5001, 9001, 0);
    CU_ASSERT_EQUAL(zeek_conn_missed_bytes(&z), 0);
}

/* ---- UDP and ICMP ------------------------------------------------------- */

static void test_udp_states(void)
{
    struct zeek_conn z;
    struct packet p = mk_dgram(IPPROTO_NUM_UDP, 20);
    struct packet e = mk_dgram(IPPROTO_NUM_UDP, 0);

    zeek_conn_init(&z, IPPROTO_NUM_UDP);
    zeek_conn_update(&z, &p, true);
    zeek_conn_update(&z, &p, true);
    zeek_conn_update(&z, &e, false); /* empty datagrams count */
    zeek_conn_update(&z, &p, false);
    CU_ASSERT_STRING_EQUAL(zeek_conn_history(&z), "Dd");
    CU_ASSERT_STRING_EQUAL(zeek_conn_state(&z), "SF");
    CU_ASSERT_EQUAL(zeek_conn_orig_bytes(&z), 40);
    CU_ASSERT_EQUAL(zeek_conn_resp_bytes(&z), 20);
    CU_ASSERT_FALSE(zeek_conn_is_closed(&z));

    zeek_conn_init(&z, IPPROTO_NUM_UDP);
    zeek_conn_mark_flipped(&z);
    zeek_conn_update(&z, &e, false);
    CU_ASSERT_STRING_EQUAL(zeek_conn_history(&z), "^d");
    CU_ASSERT_STRING_EQUAL(zeek_conn_state(&z), "SHR");

    zeek_conn_init(&z, IPPROTO_NUM_UDP);
    CU_ASSERT_STRING_EQUAL(zeek_conn_state(&z), "OTH");
}

static void test_icmp(void)
{
    struct zeek_conn z;
    zeek_conn_init(&z, IPPROTO_NUM_ICMP);
    struct packet p = mk_dgram(IPPROTO_NUM_ICMP, 56);
    p.icmp.type = 8;
    CU_ASSERT_EQUAL(zeek_conn_update(&z, &p, true), ZEEK_UPD_TOUCH_TIME);
    p.icmp.type = 0;
    zeek_conn_update(&z, &p, false);
    p.l4_csum = CSUM_BAD;
    CU_ASSERT_EQUAL(zeek_conn_update(&z, &p, false), 0);
    CU_ASSERT_STRING_EQUAL(zeek_conn_history(&z), "");
    CU_ASSERT_STRING_EQUAL(zeek_conn_state(&z), "OTH");
    CU_ASSERT_EQUAL(zeek_conn_orig_bytes(&z), 56);
    CU_ASSERT_EQUAL(zeek_conn_resp_bytes(&z), 56);
    CU_ASSERT_EQUAL(zeek_conn_missed_bytes(&z), 0);
}

static void test_closed_and_touch(void)
{
    struct zeek_conn z;
    handshake(&z);
    CU_ASSERT_FALSE(zeek_conn_any_closed(&z));
    CU_ASSERT_EQUAL(tx(&z, true, FIN | ACK, 1001, 5001, 0), ZEEK_UPD_TOUCH_TIME);
    CU_ASSERT_TRUE(zeek_conn_any_closed(&z));
    CU_ASSERT_FALSE(zeek_conn_is_closed(&z));
    /* the packet that closes the second side still counts */
    CU_ASSERT_EQUAL(tx(&z, false, RST, 5001, 0, 0), ZEEK_UPD_TOUCH_TIME);
    CU_ASSERT_TRUE(zeek_conn_is_closed(&z));
    CU_ASSERT_EQUAL(tx(&z, false, RST, 5001, 0, 0), 0);
    CU_ASSERT_STRING_EQUAL(zeek_conn_state(&z), "RSTR");
}

static void test_struct_size(void)
{
    printf("\n    sizeof(struct zeek_conn) = %zu, sizeof(struct zeek_endpoint) = %zu\n",
           sizeof(struct zeek_conn), sizeof(struct zeek_endpoint));
    CU_ASSERT(sizeof(struct zeek_conn) <= 160);
}

static const struct test_entry tests[] = {
    { "example: HTTP SF with a retransmission", test_example_http_sf_with_retransmission },
    { "example: ShAR RSTO", test_example_rsto },
    { "example: Sr REJ", test_example_rej },
    { "example: UDP D S0", test_example_udp_s0 },
    { "zeek_conn_init_zeroed on zero bytes is zeek_conn_init", test_init_zeroed_same_as_init },
    { "example: midstream SSH ^dA OTH", test_example_midstream_ssh },
    { "state S0", test_state_s0 },
    { "state S1 without final ACK", test_state_s1_without_final_ack },
    { "state SF without final ACK", test_state_sf_without_final_ack },
    { "state SF after FIN then RST", test_state_sf_fin_then_rst },
    { "state RSTOS0", test_state_rstos0 },
    { "state lone R is OTH", test_state_lone_rst_is_oth },
    { "state RSTOS0 regex", test_state_rstos0_regex },
    { "state RSTR", test_state_rstr },
    { "state RSTRH", test_state_rstrh },
    { "state SH", test_state_sh },
    { "state SHR", test_state_shr },
    { "state S2", test_state_s2 },
    { "state S3", test_state_s3 },
    { "state OTH", test_state_oth },
    { "history repeated SYN", test_hist_repeated_syn },
    { "history new ISN", test_hist_new_isn },
    { "history FIN retransmission", test_hist_fin_retransmission },
    { "history RST seq rule", test_hist_rst_seq_rule },
    { "history I and Q", test_hist_i_and_q },
    { "history D once per direction", test_hist_d_once_per_direction },
    { "history SYN with data", test_hist_syn_with_data_is_not_d },
    { "history T log-scaled", test_hist_t_log_scaled },
    { "history T late out-of-order", test_hist_t_late_out_of_order },
    { "history W rules", test_hist_w_rules },
    { "history C bad checksum", test_hist_bad_checksum },
    { "history truncation", test_hist_truncation },
    { "flip SYN/SYN-ACK reversal", test_flip_syn_synack_reversal },
    { "flip SYN-ACK then ACK", test_flip_synack_then_ack },
    { "flip at creation rules", test_flip_at_creation_rules },
    { "reuse", test_reuse },
    { "size sequence wrap", test_size_sequence_wrap },
    { "size headers-only", test_size_headers_only },
    { "missed bytes", test_missed_bytes_gap },
    { "UDP states", test_udp_states },
    { "ICMP", test_icmp },
    { "closed and last_time", test_closed_and_touch },
    { "struct size", test_struct_size },
    { NULL, NULL },
};

int register_tests(void)
{
    return add_suite("zeek_conn", tests);
}
