/* fuzz_frame.c - libFuzzer target: one raw frame through frame_dissect. The first
 * byte picks the link type (linktypes[byte % N]; tests/fuzz/make_seeds.py reads
 * the table) and flags: 0x80 makes the wire length exceed the captured length,
 * 0x40 verifies checksums, 0x20 turns tunnel decapsulation off. The rest is the
 * frame. Built with -DFUZZ_FRAME_DUMP (fuzz_frame_dump), each packet is written out
 * by dissect_dump.c. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "frame.h"
#include "ip_reasm.h"
#ifdef FUZZ_FRAME_DUMP
#include "dissect_dump.h"
#endif

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint32_t linktypes[] = {
    1 /* Ethernet */, 113 /* SLL */, 276 /* SLL2 */, 101 /* raw */, 12, 14,
    228 /* IPv4 */, 229 /* IPv6 */, 0 /* BSD NULL */, 108 /* LOOP */, 147 /* unknown */,
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* one table for the whole run, so fragments from different inputs meet; a small
     * memcap exercises the eviction path */
    static struct ip_reasm *reasm;
    static uint64_t clock_ns;
    if (reasm == NULL) {
        reasm = ip_reasm_create(1u << 20, 1000000000ull);
        if (reasm == NULL)
            abort();
    }
    if (size < 1)
        return 0;
    uint32_t linktype = linktypes[data[0] % (sizeof(linktypes) / sizeof(linktypes[0]))];
    size_t len = size - 1;
    /* an exact-size copy, so any overread past the frame is caught */
    uint8_t *copy = malloc(len > 0 ? len : 1);
    if (copy == NULL)
        return 0;
    if (len > 0)
        memcpy(copy, data + 1, len);
    clock_ns += 1000000; /* 1 ms per input: stale datagrams expire now and then */
    struct frame_in f = { copy, (uint32_t)len, (uint32_t)len + (data[0] & 0x80u), linktype,
                          clock_ns };
    struct frame_ctx ctx = { .reasm = reasm,
                             .verify_checksums = (data[0] & 0x40u) != 0,
                             .decap = (data[0] & 0x20u) == 0 };
    struct packet pkt;
    (void)frame_dissect(&ctx, &f, &pkt);
#ifdef FUZZ_FRAME_DUMP
    dissect_dump_packet(&f, &pkt); /* fuzz_frame_dump: the differential check's record */
#endif
    /* touch what downstream code reads, so a bad view is noticed */
    volatile uint8_t sink = 0;
    for (size_t i = 0; i < pkt.payload.len; i++)
        sink = (uint8_t)(sink ^ pkt.payload.p[i]);
    for (size_t i = 0; i < pkt.l3.len; i++)
        sink = (uint8_t)(sink ^ pkt.l3.p[i]);
    (void)sink;
    free(copy);
    return 0;
}
