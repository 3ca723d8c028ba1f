/* packet.c - stable names of the anomalies declared in packet.h. */
#include "packet.h"

#include <stddef.h>

_Static_assert(ANOM_COUNT <= 64, "packet.anomalies is a 64-bit set");

static const char *const anomaly_names[ANOM_COUNT] = {
#define ANOMALY_NAME(id, name) [ANOM_##id] = name,
    ANOMALY_LIST(ANOMALY_NAME)
#undef ANOMALY_NAME
};

const char *anomaly_name(enum anomaly a)
{
    if ((unsigned)a >= (unsigned)ANOM_COUNT)
        return "?";
    return anomaly_names[a];
}
