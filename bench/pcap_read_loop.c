/* pcap_read_loop.c - the benchmark's baseline: a bare libpcap read loop
 * (pcap_open_offline + pcap_next_ex) that touches each packet's first byte.
 * With --reader sockscope, the same loop over sockscope's own classic pcap
 * reader (analyzer/pcap_reader.c), which sockscope reads files with: the
 * floor of its reading thread. */
#include <fcntl.h>
#include <pcap/pcap.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "pcap_reader.h"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void report(uint64_t packets, uint64_t bytes, double t0, unsigned sum)
{
    double secs = now_s() - t0;
    if (secs <= 0)
        secs = 1e-9;
    printf("packets=%llu bytes=%llu seconds=%.3f packets_per_s=%.0f MB_per_s=%.1f first_byte_sum=%u\n",
           (unsigned long long)packets, (unsigned long long)bytes, secs, (double)packets / secs,
           (double)bytes / 1e6 / secs, sum);
}

static int own_reader_loop(const char *path)
{
    double t0 = now_s();
    int fd = open(path, O_RDONLY);
    if (fd < 0) {
        perror(path);
        return 1;
    }
    struct pcap_reader *r;
    struct ss_err err;
    struct filebuf in;
    filebuf_init(&in, fd, NULL, path);
    if (pcap_reader_open(&r, &in, &err) != 0) {
        fprintf(stderr, "pcap_read_loop: %s\n", err.msg);
        close(fd);
        return 1;
    }
    struct pcap_record rec;
    uint64_t packets = 0, bytes = 0;
    unsigned sum = 0;
    int rc;
    while ((rc = pcap_reader_next(r, &rec, &err)) == 1) {
        packets++;
        bytes += rec.cap_len;
        if (rec.cap_len > 0)
            sum += rec.data[0];
    }
    pcap_reader_close(r);
    close(fd);
    if (rc < 0) {
        fprintf(stderr, "pcap_read_loop: %s\n", err.msg);
        return 1;
    }
    report(packets, bytes, t0, sum);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 4 && strcmp(argv[1], "--reader") == 0 && strcmp(argv[2], "sockscope") == 0)
        return own_reader_loop(argv[3]);
    if (argc == 4 && strcmp(argv[1], "--reader") == 0 && strcmp(argv[2], "libpcap") == 0) {
        argv[1] = argv[3];
        argc = 2;
    }
    if (argc != 2) {
        fprintf(stderr, "usage: pcap_read_loop [--reader libpcap|sockscope] FILE\n");
        return 2;
    }
    char errbuf[PCAP_ERRBUF_SIZE];
    double t0 = now_s();
    pcap_t *p = pcap_open_offline(argv[1], errbuf);
    if (p == NULL) {
        fprintf(stderr, "pcap_read_loop: %s\n", errbuf);
        return 1;
    }
    struct pcap_pkthdr *h;
    const u_char *data;
    uint64_t packets = 0, bytes = 0;
    unsigned sum = 0; /* printed, so the compiler cannot drop the byte reads */
    int r;
    while ((r = pcap_next_ex(p, &h, &data)) == 1) {
        packets++;
        bytes += h->caplen;
        if (h->caplen > 0)
            sum += data[0];
    }
    if (r == PCAP_ERROR) {
        fprintf(stderr, "pcap_read_loop: %s: %s\n", argv[1], pcap_geterr(p));
        pcap_close(p);
        return 1;
    }
    pcap_close(p);
    report(packets, bytes, t0, sum);
    return 0;
}
