/* SPDX-License-Identifier: GPL-2.0-only */
/* Boot sequence pieces called from core/main.c. */
#ifndef HV_SETUP_H
#define HV_SETUP_H

#include <stdint.h>
#include "hv/boot.h"

/* Starts every other CPU listed in the MADT; returns how many CPUs are up in total. */
unsigned smp_boot(void);
/* Lets the other CPUs leave their wait and start scheduling. */
void smp_release(void);
void bootdom_start_all(const struct boot_info *bi);
/* hv's command line options. */
struct hv_options {
    char console[8];  /* com1, com2, e9 */
    char selftest[16]; /* "fault": an exception in hv after boot */
    uint64_t dom0_mem; /* bytes of RAM for dom0 */
};
extern struct hv_options hv_opts;

#endif
