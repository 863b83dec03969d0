/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The messages between test_dm_main (playing hv and the guest) and a vireo-dm linked with
 * fake_vctl.c instead of libvireoctl: one struct per SOCK_SEQPACKET datagram.
 */
#ifndef FAKE_HV_PROTO_H
#define FAKE_HV_PROTO_H

#include <stdint.h>

enum fake_op {
    /* test -> vireo-dm */
    FAKE_READ = 1,     /* addr, size: answer FAKE_READ_REPLY */
    FAKE_WRITE,        /* addr, size, value: answer FAKE_WRITE_DONE */
    FAKE_DOORBELL,     /* value: doorbell index rung */
    FAKE_STATE,        /* value: the domain's VIREO_DOMSTATE_* from now on */
    /* vireo-dm -> test */
    FAKE_READ_REPLY,   /* value */
    FAKE_WRITE_DONE,
    FAKE_IRQ,          /* addr: gsi, value: level */
    FAKE_DOORBELL_SET, /* size: index, addr, value: the match value */
    FAKE_ATTACHED,     /* addr: domid */
};

struct fake_msg {
    uint32_t op;
    uint32_t size;
    uint64_t addr;
    uint64_t value;
};

/* vireo-dm finds the socket's fd and the guest RAM file in these variables. */
#define FAKE_HV_FD_ENV "VDM_FAKE_HV_FD"
#define FAKE_HV_RAM_ENV "VDM_FAKE_HV_RAM"

#endif /* FAKE_HV_PROTO_H */
