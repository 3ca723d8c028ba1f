/* conn_log.c - Zeek ASCII writer format for conn.log (logging/writers/Ascii). */
#include "conn_log.h"

#include <inttypes.h>
#include <string.h>

#include "services.h"
#include "zeek_conn.h"

static const char *const fields[] = {
    "ts", "uid", "id.orig_h", "id.orig_p", "id.resp_h", "id.resp_p", "proto", "service",
    "duration", "orig_bytes", "resp_bytes", "conn_state", "local_orig", "local_resp",
    "missed_bytes", "history", "orig_pkts", "orig_ip_bytes", "resp_pkts", "resp_ip_bytes",
    "tunnel_parents", "community_id", "orig_wire_bytes", "resp_wire_bytes", "end_reason",
    "incarnation", "orig_state", "resp_state",
};
static const char *const types[] = {
    "time", "string", "addr", "port", "addr", "port", "enum", "string",
    "interval", "count", "count", "string", "bool", "bool",
    "count", "string", "count", "count", "count", "count",
    "set[string]", "string", "count", "count", "string",
    "count", "string", "string",
};

/* #open/#close in Zeek's "%Y-%m-%d-%H-%M-%S" (Zeek formats its wall clock in local
 * time; these are packet times, in UTC: the same on every machine) */
static void zeek_date(uint64_t ts_ns, char *buf, size_t len)
{
    int64_t secs = (int64_t)(ts_ns / 1000000000ull);
    int64_t days = secs / 86400, rem = secs % 86400;
    /* civil from days (proleptic Gregorian) */
    int64_t z = days + 719468, era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t y = yoe + era * 400, doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153, d = doy - (153 * mp + 2) / 5 + 1;
    int64_t m = mp < 10 ? mp + 3 : mp - 9;
    if (m <= 2)
        y++;
    snprintf(buf, len, "%04" PRId64 "-%02" PRId64 "-%02" PRId64 "-%02" PRId64 "-%02" PRId64
                       "-%02" PRId64,
             y, m, d, rem / 3600, rem / 60 % 60, rem % 60);
}

void conn_log_header(FILE *out, uint64_t open_ts_ns)
{
    char date[32];
    zeek_date(open_ts_ns, date, sizeof(date));
    fprintf(out, "#separator \\x09\n#set_separator\t,\n#empty_field\t(empty)\n#unset_field\t-\n");
    fprintf(out, "#path\tconn\n#open\t%s\n#fields", date);
    for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
        fprintf(out, "\t%s", fields[i]);
    fprintf(out, "\n#types");
    for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
        fprintf(out, "\t%s", types[i]);
    fputc('\n', out);
}

void conn_log_footer(FILE *out, uint64_t close_ts_ns)
{
    char date[32];
    zeek_date(close_ts_ns, date, sizeof(date));
    fprintf(out, "#close\t%s\n", date);
}

static void time_field(FILE *out, uint64_t ns)
{
    uint64_t us = (ns + 500) / 1000;
    fprintf(out, "%" PRIu64 ".%06" PRIu64, us / 1000000, us % 1000000);
}

void conn_log_record(FILE *out, const struct conn *c)
{
    char uid[24], orig[64], resp[64], cid[64];
    conn_uid(c, uid, sizeof(uid));
    ip_addr_format(&c->orig_addr, c->ip_version, orig, sizeof(orig));
    ip_addr_format(&c->resp_addr, c->ip_version, resp, sizeof(resp));
    conn_community_id(c, cid, sizeof(cid));
    if (cid[0] == '\0')
        snprintf(cid, sizeof(cid), "-");
    uint64_t duration = c->zeek_last_ts > c->first_ts ? c->zeek_last_ts - c->first_ts : 0;

    time_field(out, c->first_ts);
    fprintf(out, "\t%s\t%s\t%u\t%s\t%u\t%s\t%s\t", uid, orig, c->orig_port, resp, c->resp_port,
            services_zeek_proto(c->proto), c->service[0] ? c->service : "-");
    if (duration > 0) {
        time_field(out, duration);
        fprintf(out, "\t%" PRIu64 "\t%" PRIu64, zeek_conn_orig_bytes(&c->zeek),
                zeek_conn_resp_bytes(&c->zeek));
    } else {
        fprintf(out, "-\t-\t-");
    }
    fprintf(out, "\t%s\t-\t-\t%" PRIu64 "\t%s\t%u\t%" PRIu64 "\t%u\t%" PRIu64 "\t",
            zeek_conn_state(&c->zeek), zeek_conn_missed_bytes(&c->zeek),
            c->zeek.history[0] ? c->zeek.history : "-", c->dir[0].pkts, c->dir[0].ip_bytes,
            c->dir[1].pkts, c->dir[1].ip_bytes);
    if (c->n_tunnel_parents == 0)
        fputs("(empty)", out);
    for (unsigned i = 0; i < c->n_tunnel_parents; i++) {
        char puid[24];
        conn_uid_of_id(c->tunnel_parents[i], puid, sizeof(puid));
        fprintf(out, "%s%s", i ? "," : "", puid);
    }
    fprintf(out, "\t%s", cid);
    fprintf(out, "\t%" PRIu64 "\t%" PRIu64 "\t%s\t%u", c->dir[0].wire_bytes, c->dir[1].wire_bytes,
            end_reason_name((enum end_reason)c->end_reason), c->incarnation);
    if (c->proto == IPPROTO_NUM_TCP)
        fprintf(out, "\t%s\t%s\n", tcp_state_name((enum tcp_state)c->dir[0].state),
                tcp_state_name((enum tcp_state)c->dir[1].state));
    else
        fprintf(out, "\t-\t-\n");
}
