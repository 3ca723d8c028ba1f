/* pcapng.c - pcapng block reader (draft-ietf-opsawg-pcapng-02): sections in
 * either byte order, interfaces with their own link type, time resolution and
 * offset, EPB/SPB/PB packets; other block types are skipped by their length. */
#include "pcapng.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "filebuf.h"

#define BT_SHB 0x0A0D0D0Au
#define BT_IDB 0x00000001u
#define BT_PB  0x00000002u /* obsolete Packet Block */
#define BT_SPB 0x00000003u
#define BT_EPB 0x00000006u

#define IDB_MIN_LEN 20u /* header 8, linktype 2, reserved 2, snaplen 4, trailer 4 */
#define EPB_MIN_LEN 32u /* header 8, fixed fields 20, trailer 4 (PB has the same size) */
#define SPB_MIN_LEN 16u /* header 8, original length 4, trailer 4 */

#define OPT_ENDOFOPT   0
#define OPT_IF_TSRESOL 9
#define OPT_IF_TSOFFSET 14

#define NS_PER_SEC 1000000000ull

struct pcapng_reader {
    struct filebuf in; /* in.name prefixes messages */
    const uint8_t *buf; /* the current block, whole, where it lies in `in` */
    uint64_t offset;      /* file offset of the next block */
    bool big_endian;      /* of the current section */
    bool first_big_endian;
    struct pcapng_interface *ifs; /* interfaces of the current section */
    size_t n_ifs, ifs_cap;
    bool have_first;
    struct pcapng_interface first;
    uint64_t n_records; /* packet records seen so far */
    uint64_t last_ts_ns;
    bool pending; /* buf holds a packet block read by pcapng_open, not yet returned */
    uint32_t blk_type, blk_len;
    uint64_t blk_off;
    bool failed;
    struct ss_err fail; /* repeated by every call after a failure */
};

static uint64_t rd64(const uint8_t *p, bool be)
{
    uint64_t a = filebuf_rd32(p, be), b = filebuf_rd32(p + 4, be);
    return be ? (a << 32 | b) : (b << 32 | a);
}

/* Records the failure so that later calls repeat it; always returns -1. */
static int fail(struct pcapng_reader *r, struct ss_err *err)
{
    r->failed = true;
    r->fail = *err;
    return -1;
}

/* Reads one whole block (r->buf points at it) and validates its framing.
 * Returns 1, 0 at a clean end of file, or -1 with err set. first: this must be
 * the file's opening SHB (short reads become "truncated file header"). */
static int read_block(struct pcapng_reader *r, bool first, struct ss_err *err)
{
    uint64_t off = r->offset;
    if (filebuf_fill(&r->in, 8, err) != 0)
        return -1;
    size_t present = filebuf_avail(&r->in);
    if (present == 0 && !first)
        return 0;
    if (present < 8)
        goto truncated_header;
    const uint8_t *hdr = filebuf_data(&r->in);

    bool is_shb = filebuf_rd32(hdr, false) == BT_SHB; /* palindrome: either order */
    if (first && !is_shb) {
        ss_err_set(err, "%s: not a pcapng file (first block type 0x%08" PRIx32 ")", r->in.name,
                   filebuf_rd32(hdr, false));
        return -1;
    }
    if (is_shb) {
        /* the byte-order magic decides how the length (and the section) reads */
        if (filebuf_fill(&r->in, 12, err) != 0)
            return -1;
        present = filebuf_avail(&r->in);
        hdr = filebuf_data(&r->in);
        if (present < 12)
            goto truncated_header;
        uint32_t bom = filebuf_rd32(hdr + 8, true);
        if (bom == 0x1A2B3C4Du) {
            r->big_endian = true;
        } else if (bom == 0x4D3C2B1Au) {
            r->big_endian = false;
        } else {
            ss_err_set(err, "%s: block at offset %" PRIu64 ": bad byte-order magic 0x%08" PRIx32,
                       r->in.name, off, bom);
            return -1;
        }
    }
    uint32_t type = filebuf_rd32(hdr, r->big_endian);
    uint32_t len = filebuf_rd32(hdr + 4, r->big_endian);
    uint32_t min_len = is_shb ? PCAPNG_SHB_MIN_LEN : 12u;
    if (len < min_len || len % 4 != 0 || len > PCAPNG_MAX_BLOCK_LEN) {
        ss_err_set(err,
                   "%s: block at offset %" PRIu64 ": bad block total length %" PRIu32
                   " (type 0x%08" PRIx32 "; must be >= %" PRIu32 ", a multiple of 4, <= %u)",
                   r->in.name, off, len, type, min_len, PCAPNG_MAX_BLOCK_LEN);
        return -1;
    }
    /* the buffer grows with the bytes actually present (filebuf.h), so a short
     * hostile file cannot make us allocate the full claimed length */
    if (filebuf_fill(&r->in, len, err) != 0)
        return -1;
    size_t have = filebuf_avail(&r->in);
    if (have < len) {
        if (first) {
            ss_err_set(err, "%s: truncated file header", r->in.name);
            return -1;
        }
        ss_err_set(err,
                   "%s: record %" PRIu64 ": truncated block (type 0x%08" PRIx32 " at offset %" PRIu64
                   ": %zu of %" PRIu32 " bytes present)",
                   r->in.name, r->n_records + 1, type, off, have, len);
        return -1;
    }
    r->buf = filebuf_data(&r->in);
    filebuf_consume(&r->in, len); /* the block stays where it is until the next fill */
    uint32_t trail = filebuf_rd32(r->buf + len - 4, r->big_endian);
    if (trail != len) {
        ss_err_set(err,
                   "%s: block at offset %" PRIu64 ": trailing length %" PRIu32
                   " does not match leading length %" PRIu32 " (type 0x%08" PRIx32 ")",
                   r->in.name, off, trail, len, type);
        return -1;
    }
    r->blk_type = type;
    r->blk_len = len;
    r->blk_off = off;
    r->offset += len;
    return 1;

truncated_header:
    if (first)
        ss_err_set(err, "%s: truncated file header", r->in.name);
    else
        ss_err_set(err,
                   "%s: record %" PRIu64 ": truncated block header at offset %" PRIu64
                   " (%zu of at least 8 bytes present)",
                   r->in.name, r->n_records + 1, off, present);
    return -1;
}

static int parse_shb(struct pcapng_reader *r, struct ss_err *err)
{
    const uint8_t *b = r->buf;
    uint16_t major = filebuf_rd16(b + 12, r->big_endian);
    uint16_t minor = filebuf_rd16(b + 14, r->big_endian);
    /* 1.2 was written by some old tools for 1.0 files; libpcap accepts it too */
    if (major != 1 || (minor != 0 && minor != 2)) {
        ss_err_set(err, "%s: block at offset %" PRIu64 ": unsupported pcapng version %u.%u",
                   r->in.name, r->blk_off, major, minor);
        return -1;
    }
    /* section length (b + 16) is advisory, -1 = unknown: we read sequentially */
    r->n_ifs = 0; /* interface ids restart in every section */
    return 0;
}

/* Sets units_per_sec from an if_tsresol byte; returns -1 if unrepresentable. */
static int set_tsresol(struct pcapng_interface *ifc, uint8_t v)
{
    unsigned exp = v & 0x7fu;
    uint64_t units = 1;
    if (v & 0x80u) {
        if (exp > 63)
            return -1;
        units <<= exp;
    } else {
        if (exp > 19) /* 10^19 is the largest power of ten in 64 bits */
            return -1;
        for (unsigned i = 0; i < exp; i++)
            units *= 10;
    }
    ifc->tsresol = v;
    ifc->units_per_sec = units;
    return 0;
}

static int parse_idb(struct pcapng_reader *r, struct ss_err *err)
{
    const uint8_t *b = r->buf;
    bool be = r->big_endian;
    if (r->blk_len < IDB_MIN_LEN) {
        ss_err_set(err, "%s: block at offset %" PRIu64 ": interface description block too short (%" PRIu32 " bytes)",
                   r->in.name, r->blk_off, r->blk_len);
        return -1;
    }
    struct pcapng_interface ifc = {
        .linktype = filebuf_rd16(b + 8, be),
        .snaplen = filebuf_rd32(b + 12, be),
        .units_per_sec = 1000000,
        .tsresol = 6,
        .tsoffset_s = 0,
    };
    const uint8_t *p = b + 16;
    size_t n = r->blk_len - IDB_MIN_LEN;
    /* each may appear once (the draft's MUST NOT appear more than once); a
     * second is ignored, as tshark ignores it */
    bool have_tsresol = false, have_tsoffset = false;
    while (n >= 4) {
        uint16_t code = filebuf_rd16(p, be), olen = filebuf_rd16(p + 2, be);
        p += 4;
        n -= 4;
        if (code == OPT_ENDOFOPT)
            break;
        if (olen > n) {
            ss_err_set(err, "%s: block at offset %" PRIu64 ": IDB option %u (%u bytes) overruns the block",
                       r->in.name, r->blk_off, code, olen);
            return -1;
        }
        if (code == OPT_IF_TSRESOL && olen >= 1 && !have_tsresol) {
            have_tsresol = true;
            if (set_tsresol(&ifc, p[0]) != 0) {
                ss_err_set(err, "%s: block at offset %" PRIu64 ": unsupported if_tsresol 0x%02x",
                           r->in.name, r->blk_off, p[0]);
                return -1;
            }
        } else if (code == OPT_IF_TSOFFSET && olen >= 8 && !have_tsoffset) {
            have_tsoffset = true;
            ifc.tsoffset_s = (int64_t)rd64(p, be);
        }
        size_t padded = ((size_t)olen + 3u) & ~(size_t)3u;
        if (padded > n) /* missing padding after the last option: tolerate */
            padded = n;
        p += padded;
        n -= padded;
    }
    if (r->n_ifs == r->ifs_cap) {
        size_t cap = r->ifs_cap ? r->ifs_cap * 2 : 8;
        struct pcapng_interface *ni = realloc(r->ifs, cap * sizeof(*ni));
        if (ni == NULL) {
            ss_err_set(err, "%s: out of memory for interface %zu", r->in.name, r->n_ifs);
            return -1;
        }
        r->ifs = ni;
        r->ifs_cap = cap;
    }
    r->ifs[r->n_ifs++] = ifc;
    if (!r->have_first) {
        r->have_first = true;
        r->first = ifc;
    }
    return 0;
}

uint64_t pcapng_ts_to_ns(const struct pcapng_interface *ifc, uint64_t ts, bool *clamped)
{
    uint64_t units = ifc->units_per_sec ? ifc->units_per_sec : 1000000;
    uint64_t sec = ts / units, frac = ts % units, frac_ns;
    unsigned exp = ifc->tsresol & 0x7fu;
    if (ifc->tsresol & 0x80u) {
        /* frac < 2^exp; frac * 10^9 fits in 64 bits while exp <= 34 */
        if (exp <= 34)
            frac_ns = (frac * NS_PER_SEC) >> exp;
        else
            frac_ns = ((frac >> (exp - 34)) * NS_PER_SEC) >> 34;
    } else if (exp <= 9) {
        frac_ns = frac * (NS_PER_SEC / units);
    } else {
        frac_ns = frac / (units / NS_PER_SEC);
    }
    /* sec + tsoffset_s, then * 10^9 + frac_ns, each step checked: a time
     * outside the range is clamped to its nearer end, never wrapped */
    *clamped = true;
    int64_t off = ifc->tsoffset_s;
    if (off < 0 && sec < (uint64_t)0 - (uint64_t)off)
        return 0; /* before 1970 (a legal pcapng time, not a sockscope one) */
    uint64_t s = sec + (uint64_t)off, ns; /* wraps back into range when off < 0 */
    if ((off > 0 && s < sec) || __builtin_mul_overflow(s, NS_PER_SEC, &ns) ||
        __builtin_add_overflow(ns, frac_ns, &ns))
        return UINT64_MAX;
    *clamped = false;
    return ns;
}

/* Fills pkt from the packet block in r->buf. Returns 1 or -1. */
static int parse_packet(struct pcapng_reader *r, struct pcapng_packet *pkt, struct ss_err *err)
{
    const uint8_t *b = r->buf;
    bool be = r->big_endian;
    uint64_t rec = ++r->n_records;
    uint32_t if_id, cap_len, wire_len;
    size_t room;
    const uint8_t *data;
    uint64_t ts_ns;
    bool over_snaplen = false; /* an SPB's captured length is its snaplen at most */
    bool bad_ts = false;       /* an SPB's is the packet's before it, counted there */

    if (r->blk_type == BT_SPB) {
        if (r->blk_len < SPB_MIN_LEN) {
            ss_err_set(err, "%s: record %" PRIu64 ": simple packet block at offset %" PRIu64 " too short (%" PRIu32 " bytes)",
                       r->in.name, rec, r->blk_off, r->blk_len);
            return -1;
        }
        if (r->n_ifs == 0) {
            ss_err_set(err, "%s: record %" PRIu64 ": simple packet block but no interface in this section",
                       r->in.name, rec);
            return -1;
        }
        if_id = 0;
        wire_len = filebuf_rd32(b + 8, be);
        room = r->blk_len - SPB_MIN_LEN;
        /* its packet's captured length is the smaller of its original length
         * and the snaplen; a block too short for it is damage, as libpcap and
         * Wireshark judge it (its last bytes would be padding or nothing) */
        cap_len = wire_len;
        if (r->ifs[0].snaplen != 0 && cap_len > r->ifs[0].snaplen)
            cap_len = r->ifs[0].snaplen;
        if (cap_len > room) {
            ss_err_set(err, "%s: record %" PRIu64 ": simple packet block at offset %" PRIu64 " holds %zu bytes, fewer than its packet's %" PRIu32,
                       r->in.name, rec, r->blk_off, room, cap_len);
            return -1;
        }
        data = b + 12;
        ts_ns = r->last_ts_ns; /* an SPB has no timestamp */
    } else {
        bool is_pb = r->blk_type == BT_PB;
        if (r->blk_len < EPB_MIN_LEN) {
            ss_err_set(err, "%s: record %" PRIu64 ": packet block at offset %" PRIu64 " too short (%" PRIu32 " bytes)",
                       r->in.name, rec, r->blk_off, r->blk_len);
            return -1;
        }
        if_id = is_pb ? filebuf_rd16(b + 8, be) : filebuf_rd32(b + 8, be);
        if (if_id >= r->n_ifs) {
            ss_err_set(err, "%s: record %" PRIu64 ": interface id %" PRIu32 " is not defined (%zu interface%s in this section)",
                       r->in.name, rec, if_id, r->n_ifs, r->n_ifs == 1 ? "" : "s");
            return -1;
        }
        uint64_t ts = (uint64_t)filebuf_rd32(b + 12, be) << 32 | filebuf_rd32(b + 16, be);
        cap_len = filebuf_rd32(b + 20, be);
        wire_len = filebuf_rd32(b + 24, be);
        room = r->blk_len - EPB_MIN_LEN;
        if (cap_len > room) {
            ss_err_set(err, "%s: record %" PRIu64 ": captured length %" PRIu32 " exceeds its block at offset %" PRIu64 " (%zu bytes of room)",
                       r->in.name, rec, cap_len, r->blk_off, room);
            return -1;
        }
        const struct pcapng_interface *ifc = &r->ifs[if_id];
        over_snaplen = ifc->snaplen != 0 && cap_len > ifc->snaplen;
        data = b + 28;
        ts_ns = pcapng_ts_to_ns(ifc, ts, &bad_ts);
        r->last_ts_ns = ts_ns;
    }
    pkt->data = data;
    pkt->cap_len = cap_len;
    pkt->wire_len = wire_len;
    pkt->linktype = r->ifs[if_id].linktype;
    pkt->if_index = if_id;
    pkt->over_snaplen = over_snaplen;
    pkt->bad_ts = bad_ts;
    pkt->ts_ns = ts_ns;
    pkt->record_no = rec;
    return 1;
}

static bool is_packet_block(uint32_t type)
{
    return type == BT_EPB || type == BT_SPB || type == BT_PB;
}

/* Handles a non-packet block in r->buf. Returns 0 or -1. */
static int process_other(struct pcapng_reader *r, struct ss_err *err)
{
    switch (r->blk_type) {
    case BT_SHB:
        return parse_shb(r, err);
    case BT_IDB:
        return parse_idb(r, err);
    default: /* NRB, ISB, DSB, custom, unknown: skipped by length */
        return 0;
    }
}

int pcapng_open(struct pcapng_reader **out, struct filebuf *in, struct ss_err *err)
{
    *out = NULL;
    const char *name = in->name;
    struct pcapng_reader *r = calloc(1, sizeof(*r));
    if (r == NULL) {
        ss_err_set(err, "%s: out of memory", name);
        filebuf_free(in);
        return -1;
    }
    filebuf_move(&r->in, in);
    if (read_block(r, true, err) != 1 || parse_shb(r, err) != 0)
        goto fail;
    r->first_big_endian = r->big_endian;
    /* read ahead to the first IDB so the caller learns the first link type */
    for (;;) {
        int rc = read_block(r, false, err);
        if (rc < 0)
            goto fail;
        if (rc == 0)
            break;
        if (is_packet_block(r->blk_type)) {
            r->pending = true;
            break;
        }
        if (process_other(r, err) != 0)
            goto fail;
        if (r->blk_type == BT_IDB)
            break;
    }
    if (!r->have_first && !r->pending) {
        /* nothing to read; libpcap refuses such files too */
        ss_err_set(err, "%s: no interface description block in the file", name);
        goto fail;
    }
    *out = r;
    return 0;
fail:
    pcapng_close(r);
    return -1;
}

int pcapng_next(struct pcapng_reader *r, struct pcapng_packet *pkt, struct ss_err *err)
{
    if (r->failed) {
        *err = r->fail;
        return -1;
    }
    for (;;) {
        if (r->pending) {
            r->pending = false;
        } else {
            int rc = read_block(r, false, err);
            if (rc < 0)
                return fail(r, err);
            if (rc == 0)
                return 0;
        }
        if (is_packet_block(r->blk_type)) {
            if (parse_packet(r, pkt, err) < 0)
                return fail(r, err);
            return 1;
        }
        if (process_other(r, err) != 0)
            return fail(r, err);
    }
}

const struct pcapng_interface *pcapng_first_interface(const struct pcapng_reader *r)
{
    return r->have_first ? &r->first : NULL;
}

bool pcapng_big_endian(const struct pcapng_reader *r)
{
    return r->first_big_endian;
}

void pcapng_close(struct pcapng_reader *r)
{
    if (r == NULL)
        return;
    filebuf_free(&r->in);
    free(r->ifs);
    free(r);
}
