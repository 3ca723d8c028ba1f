/* conn_fixture.h - helpers for tests that build connection records by hand:
 * addresses from text and scripted socket state transitions. */
#ifndef SOCKSCOPE_CONN_FIXTURE_H
#define SOCKSCOPE_CONN_FIXTURE_H

#include <arpa/inet.h>
#include <string.h>

#include <CUnit/CUnit.h>

#include "conn.h"

/* An IPv4 or IPv6 address from text (a bad one fails the test). */
static inline struct ip_addr fixture_addr(int family, const char *s)
{
    struct ip_addr a;
    memset(&a, 0, sizeof(a));
    if (inet_pton(family, s, a.b) != 1)
        CU_FAIL("bad test address");
    return a;
}

static inline struct ip_addr ip4(const char *s)
{
    return fixture_addr(AF_INET, s);
}

static inline struct ip_addr ip6(const char *s)
{
    return fixture_addr(AF_INET6, s);
}

/* Appends a transition of side's socket dt nanoseconds after c->first_ts and
 * sets its state. */
static inline void tr(struct conn *c, int side, enum tcp_state from, enum tcp_state to, uint64_t dt)
{
    struct conn_transition *t = &c->transitions[c->n_transitions++];
    t->side = (unsigned)side & 1u;
    t->from = (unsigned)from & 0xFu;
    t->to = (unsigned)to & 0xFu;
    t->dt_ns = dt & CONN_TRANSITION_MAX_DT_NS;
    c->dir[side].state = (uint8_t)to;
}

#endif
