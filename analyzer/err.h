/* err.h - the program's own errors: a message buffer, libpcap's errbuf given a name. */
#ifndef SOCKSCOPE_ERR_H
#define SOCKSCOPE_ERR_H

struct ss_err {
    char msg[512];
};

/* printf-style; always NUL-terminates, truncating if needed. */
void ss_err_set(struct ss_err *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
