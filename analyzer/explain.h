/* explain.h - a short plain-English account of one endpoint (ADDR:PORT) or
 * host (ADDR): port or not, listener, the sockets sharing it, 4-tuple reuse,
 * and where RFC 793's "socket" and the socket API's "socket" part ways. */
#ifndef SOCKSCOPE_EXPLAIN_H
#define SOCKSCOPE_EXPLAIN_H

#include <stdio.h>

#include "err.h"
#include "views.h"

/* Writes the account of target ("A.B.C.D:PORT", "[V6]:PORT", or an address
 * alone) to out. Returns 0, or -1 with err set when target does not parse
 * (nothing is written then). An endpoint absent from the capture is reported
 * as such (return 0). */
int explain_print(FILE *out, const struct views *v, const char *target, struct ss_err *err);

#endif
