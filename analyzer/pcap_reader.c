/* pcap_reader.c - classic pcap files read in place (see pcap_reader.h). */
#include "pcap_reader.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "filebuf.h"

#define MAGIC_USEC 0xa1b2c3d4u
#define MAGIC_NSEC 0xa1b23c4du
/* Alexey Kuznetzov's modified pcap (libpcap's KUZNETZOV_TCPDUMP_MAGIC):
 * microseconds, each record header 8 bytes longer (ifindex 4, protocol 2,
 * pkt_type 1, pad 1), which libpcap skips and so does this reader */
#define MAGIC_KUZNETZOV 0xa1b2cd34u
#define KUZNETZOV_EXTRA 8u
#define NS_PER_SEC 1000000000ull

/* which record field holds the captured length (pcap_reader.h) */
enum lengths { LENGTHS_AS_IS, LENGTHS_SWAPPED, LENGTHS_MAYBE_SWAPPED };

struct pcap_reader {
    struct pcap_file_info info;
    struct filebuf in; /* in.name prefixes messages */
    uint8_t lengths; /* enum lengths */
    uint32_t limit;  /* largest captured length accepted */
    uint32_t hdr_len; /* of a record header: 16, or 24 in Kuznetzov's format */
    uint64_t snaplen; /* beyond which a record is over_snaplen (0: none) */
    uint64_t records;
    bool failed;
    struct ss_err fail;
};

uint32_t pcap_max_caplen(uint32_t linktype)
{
    switch (linktype) {
    case 231: return 128u << 20; /* LINKTYPE_DBUS */
    case 249: return 1u << 20;   /* LINKTYPE_USBPCAP */
    case 279: return 8u << 20;   /* LINKTYPE_EBHSCR */
    default: return 262144u;
    }
}

size_t pcap_reader_buffer_size(const struct pcap_reader *r)
{
    return r->in.cap;
}

int pcap_reader_open(struct pcap_reader **out, struct filebuf *in, struct ss_err *err)
{
    *out = NULL;
    const char *name = in->name;
    struct pcap_reader *r = calloc(1, sizeof(*r));
    if (r == NULL) {
        ss_err_set(err, "%s: out of memory", name);
        filebuf_free(in);
        return -1;
    }
    filebuf_move(&r->in, in);
    if (filebuf_fill(&r->in, PCAP_FILE_HDR_LEN, err) != 0)
        goto fail;
    if (filebuf_avail(&r->in) < PCAP_FILE_HDR_LEN) {
        ss_err_set(err, "%s: truncated file header", name);
        goto fail;
    }
    const uint8_t *h = filebuf_data(&r->in);
    uint32_t magic = filebuf_rd32(h, true); /* the bytes in file order */
    struct pcap_file_info *fi = &r->info;
    uint32_t swapped = filebuf_rd32(h, false);
    if (magic == MAGIC_USEC || magic == MAGIC_NSEC || magic == MAGIC_KUZNETZOV) {
        fi->big_endian = true;
    } else if (swapped == MAGIC_USEC || swapped == MAGIC_NSEC || swapped == MAGIC_KUZNETZOV) {
        fi->big_endian = false;
    } else {
        ss_err_set(err, "%s: not a classic pcap file (magic 0x%08" PRIx32 ")", name, magic);
        goto fail;
    }
    bool be = fi->big_endian;
    fi->nanosecond = filebuf_rd32(h, be) == MAGIC_NSEC;
    fi->kuznetzov = filebuf_rd32(h, be) == MAGIC_KUZNETZOV;
    r->hdr_len = PCAP_REC_HDR_LEN + (fi->kuznetzov ? KUZNETZOV_EXTRA : 0);
    fi->version_major = filebuf_rd16(h + 4, be);
    fi->version_minor = filebuf_rd16(h + 6, be);
    fi->snaplen = filebuf_rd32(h + 16, be);
    fi->linktype = filebuf_rd32(h + 20, be) & PCAP_LINKTYPE_MASK;
    filebuf_consume(&r->in, PCAP_FILE_HDR_LEN);
    if (fi->version_major == 2 && fi->version_minor <= 4)
        r->lengths = fi->version_minor < 3    ? LENGTHS_SWAPPED
                     : fi->version_minor == 3 ? LENGTHS_MAYBE_SWAPPED
                                              : LENGTHS_AS_IS;
    else if (fi->version_major == 543 && fi->version_minor == 0)
        r->lengths = LENGTHS_SWAPPED;
    else {
        ss_err_set(err, "%s: pcap format version %u.%u is not supported (2.0-2.4 and 543.0 are)",
                   name, fi->version_major, fi->version_minor);
        goto fail;
    }
    r->limit = pcap_max_caplen(fi->linktype);
    /* Kuznetzov's Ethernet captures may hold a faked 14-byte header beyond
     * the snaplen (cooked mode): libpcap allows for it, and so does this */
    r->snaplen = fi->snaplen + (fi->kuznetzov && fi->linktype == 1 && fi->snaplen != 0 ? 14u : 0u);
    *out = r;
    return 0;
fail:
    pcap_reader_close(r);
    return -1;
}

const struct pcap_file_info *pcap_reader_info(const struct pcap_reader *r)
{
    return &r->info;
}

/* The record's fraction of a second in nanoseconds, read unsigned, as the
 * seconds are (as Wireshark reads them, so that times after 2038 stay times).
 * A fraction of a second or more is damage with no one right reading (libpcap
 * reads the field signed in a file of the machine's byte order, unsigned in a
 * byte-swapped one; Wireshark keeps it unnormalised): *bad says so, and it is
 * carried into the seconds, which cannot overflow 64 bits (at most
 * (2^32 - 1) * (10^9 + 1000) ns). */
static uint64_t frac_ns(uint32_t raw, bool nanosecond, bool *bad)
{
    *bad = raw >= (nanosecond ? NS_PER_SEC : 1000000u);
    return nanosecond ? raw : (uint64_t)raw * 1000;
}

static int fail_with(struct pcap_reader *r, struct ss_err *err)
{
    r->failed = true;
    r->fail = *err;
    return -1;
}

int pcap_reader_next(struct pcap_reader *r, struct pcap_record *rec, struct ss_err *err)
{
    if (r->failed) {
        *err = r->fail;
        return -1;
    }
    if (filebuf_fill(&r->in, r->hdr_len, err) != 0)
        return fail_with(r, err);
    size_t have = filebuf_avail(&r->in);
    if (have == 0)
        return 0;
    uint64_t no = r->records + 1;
    if (have < r->hdr_len) {
        ss_err_set(err, "%s: record %" PRIu64 ": truncated record header (%zu of %u bytes)",
                   r->in.name, no, have, r->hdr_len);
        return fail_with(r, err);
    }
    const struct pcap_file_info *fi = &r->info;
    const uint8_t *h = filebuf_data(&r->in);
    uint32_t caplen = filebuf_rd32(h + 8, fi->big_endian);
    uint32_t len = filebuf_rd32(h + 12, fi->big_endian);
    if (r->lengths == LENGTHS_SWAPPED || (r->lengths == LENGTHS_MAYBE_SWAPPED && caplen > len)) {
        uint32_t t = caplen;
        caplen = len;
        len = t;
    }
    /* libpcap refuses a record beyond its limit, and cuts one beyond the
     * snaplen (when the snaplen is set and within that limit) to the snaplen,
     * reading on; Wireshark reads that one whole, and so does this reader:
     * its bytes are in the file */
    if (caplen > r->limit) {
        ss_err_set(err, "%s: record %" PRIu64 ": captured length %" PRIu32
                   " exceeds the largest record of link type %" PRIu32 " (%" PRIu32 " bytes)",
                   r->in.name, no, caplen, fi->linktype, r->limit);
        return fail_with(r, err);
    }
    size_t size = r->hdr_len + (size_t)caplen;
    if (filebuf_fill(&r->in, size, err) != 0)
        return fail_with(r, err);
    have = filebuf_avail(&r->in);
    if (have < size) {
        ss_err_set(err, "%s: record %" PRIu64 ": truncated record (captured length %" PRIu32
                   ", %zu bytes left)", r->in.name, no, caplen, have - r->hdr_len);
        return fail_with(r, err);
    }
    h = filebuf_data(&r->in); /* filling may have moved the bytes */
    rec->data = h + r->hdr_len;
    rec->cap_len = caplen;
    rec->wire_len = len;
    rec->ts_ns = (uint64_t)filebuf_rd32(h, fi->big_endian) * NS_PER_SEC +
                 frac_ns(filebuf_rd32(h + 4, fi->big_endian), fi->nanosecond, &rec->bad_ts);
    rec->record_no = no;
    /* (a snaplen above the limit marks nothing: the limit was checked above) */
    rec->over_snaplen = r->snaplen != 0 && caplen > r->snaplen;
    r->records = no;
    filebuf_consume(&r->in, size);
    return 1;
}

void pcap_reader_close(struct pcap_reader *r)
{
    if (r == NULL)
        return;
    filebuf_free(&r->in);
    free(r);
}
