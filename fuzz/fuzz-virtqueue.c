/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Fuzz target for vireo-dm's split virtqueue (dom0/vireo-dm/vdm_virtqueue.c), the parser
 * every hostile guest feeds: an input is a small header (queue size, features, where the
 * rings lie) and then the guest's memory. Every chain popped must lie inside guest RAM and
 * add up to the lengths it claims; a malformed ring must be refused, never read past.
 * With --random N (fuzz-virtqueue-run, suite unit) it runs N seeded random inputs.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vdm_virtqueue.h"

#define RAM_GPA 0x100000ull
#define RAM_SIZE 0x10000u
#define HEADER 8u

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint8_t ram[RAM_SIZE];
static uint8_t scratch[RAM_SIZE];

/* Each buffer of the chain is inside the guest's RAM, and the lengths add up. */
static void check_chain(const struct vdm_chain *c)
{
    size_t out = 0, in = 0;
    for (unsigned i = 0; i < c->nr_out + c->nr_in; i++) {
        const uint8_t *b = c->iov[i].iov_base;
        if (b < ram || b + c->iov[i].iov_len > ram + RAM_SIZE)
            abort();
        *(i < c->nr_out ? &out : &in) += c->iov[i].iov_len;
    }
    if (out != c->out_len || in != c->in_len)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct vdm_guest_mem mem;
    static struct vdm_vq vq;

    if (size < HEADER)
        return 0;
    memset(ram, 0, sizeof(ram));
    memcpy(ram, data + HEADER, size - HEADER < RAM_SIZE ? size - HEADER : RAM_SIZE);
    vdm_guest_mem_init(&mem);
    if (vdm_guest_mem_add(&mem, RAM_GPA, RAM_SIZE, ram))
        abort();
    vdm_vq_reset(&vq);
    vq.num = (uint16_t)(1u << (data[0] % 11));
    /* Ring addresses: mostly inside RAM, sometimes anywhere. */
    uint64_t base = data[1] & 0x80 ? (uint64_t)data[2] << 24 : RAM_GPA;
    vq.desc_gpa = base + ((uint64_t)data[3] << 8) + (data[1] & 0x0f);
    vq.avail_gpa = RAM_GPA + ((uint64_t)data[4] << 8) + (data[1] & 0x10 ? 1 : 0);
    vq.used_gpa = RAM_GPA + ((uint64_t)data[5] << 8) + (data[1] & 0x20 ? 2 : 0);
    /* The dirty log on for some: its marks follow the same hostile chains. */
    if ((data[6] & 4) != 0 && vdm_dirty_log_start(&mem.dirty, vdm_guest_mem_frames(&mem)) < 0)
        abort();
    if (vdm_vq_enable(&vq, &mem, data[6] & 1, data[6] & 2)) {
        vdm_dirty_log_free(&mem.dirty);
        return 0;
    }
    for (unsigned n = 0; n < 2 * VDM_VQ_NUM_MAX; n++) {
        struct vdm_chain *c = NULL;
        int rc = vdm_vq_pop(&vq, &c);
        if (rc <= 0)
            break;
        check_chain(c);
        size_t got = vdm_chain_gather(c, data[7] % 16, scratch, sizeof(scratch));
        size_t put = vdm_chain_scatter(c, 0, scratch, got);
        vdm_vq_push(&vq, c, (uint32_t)put);
        (void)vdm_vq_should_interrupt(&vq);
    }
    vdm_dirty_log_free(&mem.dirty);
    return 0;
}

#ifdef VDM_FUZZ_STANDALONE
/* Seeded random inputs biased towards rings that parse: most bytes small. */
int main(int argc, char **argv)
{
    unsigned long n = argc == 3 && !strcmp(argv[1], "--random") ? strtoul(argv[2], NULL, 0) : 0;
    static uint8_t in[HEADER + RAM_SIZE];
    uint64_t x = 0x9e3779b97f4a7c15ull;

    if (!n) {
        fprintf(stderr, "usage: fuzz-virtqueue-run --random N\n");
        return 2;
    }
    for (unsigned long i = 0; i < n; i++) {
        size_t len = HEADER + (i % 64) * 64 + 64;
        for (size_t j = 0; j < len; j++) {
            x ^= x << 13, x ^= x >> 7, x ^= x << 17;
            in[j] = (uint8_t)(x % 5 == 0 ? x >> 8 : x % 8);
        }
        LLVMFuzzerTestOneInput(in, len);
    }
    printf("fuzz-virtqueue: %lu random inputs, no chain outside guest RAM\n", n);
    return 0;
}
#endif
