/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * vireo-platctx DOMID: the platform context of a running Linux domU through /dev/vireo.
 * It pauses the domain, reads the context (VIREO_HC_PLATFORM_GET_CONTEXT) and checks its
 * layout, writes it back unchanged, offers hostile variants that hv must refuse whole
 * (bad magic, an unknown section, a vCPU that does not exist, a reserved IOAPIC bit, a
 * short section, too long), checks that the refusals changed nothing, that SET needs the
 * domain paused, and unpauses it. Prints "platctx: ok N sections" or "platctx: FAIL ...".
 */
#define _GNU_SOURCE /* O_CLOEXEC */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "public/vireo.h"
#include "vireo-dev.h"

static int fd;
static uint32_t domid;

static int64_t call(uint64_t nr, void *buf, uint32_t len, int flags, uint64_t arg2)
{
    struct vireo_dev_hypercall hc = {.nr = nr, .args = {domid, 0, arg2}};

    if (buf) {
        hc.nr_buffers = 1;
        hc.buffers[0] = (struct vireo_dev_buffer){.uaddr = (uintptr_t)buf, .size = len,
                                                  .flags = (uint32_t)flags,
                                                  .target_buf = VIREO_DEV_TARGET_ARG,
                                                  .target_arg = 1};
    }
    if (ioctl(fd, VIREO_DEV_IOC_HYPERCALL, &hc) < 0) {
        printf("platctx: FAIL ioctl for call 0x%llx: %s\n", (unsigned long long)nr,
               strerror(errno));
        exit(1);
    }
    return hc.result;
}

static void fail(const char *fmt, ...)
{
    va_list ap;

    printf("platctx: FAIL ");
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    printf("\n");
    call(VIREO_HC_DOMAIN_UNPAUSE, NULL, 0, 0, 0);
    exit(1);
}

static uint8_t ctx[VIREO_PLAT_CTX_MAX + 64], bad[VIREO_PLAT_CTX_MAX + 64];

/* Byte offset of the payload of the n-th section of type `type`, or 0. */
static size_t find_section(const uint8_t *c, uint32_t type, unsigned n)
{
    const struct vireo_plat_ctx *h = (const void *)c;
    size_t off = sizeof(*h);

    for (uint32_t i = 0; i < h->nr_sections; i++) {
        const struct vireo_plat_ctx_section *s = (const void *)(c + off);
        if (s->type == type && n-- == 0)
            return off + sizeof(*s);
        off += sizeof(*s) + s->length;
    }
    return 0;
}

static void refused(const char *what, uint32_t len, int64_t want)
{
    int64_t rc = call(VIREO_HC_PLATFORM_SET_CONTEXT, bad, len, VIREO_DEV_BUF_IN, len);
    if (rc != want)
        fail("%s: SET returned %lld, want %lld", what, (long long)rc, (long long)want);
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: vireo-platctx DOMID\n");
        return 2;
    }
    domid = (uint32_t)strtoul(argv[1], NULL, 0);
    fd = open(VIREO_DEV_PATH, O_RDWR | O_CLOEXEC);
    if (fd < 0) {
        perror(VIREO_DEV_PATH);
        return 1;
    }
    if (call(VIREO_HC_PLATFORM_GET_CONTEXT, NULL, 0, 0, 0) != -VIREO_EBUSY)
        fail("GET of a running domain is not refused with EBUSY");
    if (call(VIREO_HC_DOMAIN_PAUSE, NULL, 0, 0, 0))
        fail("pause");

    int64_t size = call(VIREO_HC_PLATFORM_GET_CONTEXT, NULL, 0, 0, 0);
    if (size <= 0 || size > VIREO_PLAT_CTX_MAX)
        fail("size query returned %lld", (long long)size);
    uint32_t len = (uint32_t)size;
    if (call(VIREO_HC_PLATFORM_GET_CONTEXT, ctx, len - 1, VIREO_DEV_BUF_OUT, len - 1) !=
        -VIREO_ENOSPC)
        fail("GET into a short buffer is not refused with ENOSPC");
    int64_t got = call(VIREO_HC_PLATFORM_GET_CONTEXT, ctx, len, VIREO_DEV_BUF_OUT, len);
    const struct vireo_plat_ctx *h = (const void *)ctx;
    if (got != size || h->magic != VIREO_PLAT_CTX_MAGIC || h->version != VIREO_PLAT_CTX_VERSION ||
        h->size != len)
        fail("GET returned %lld, magic 0x%x version %u size %u", (long long)got, h->magic,
             h->version, h->size);
    size_t lapic1 = find_section(ctx, VIREO_PLAT_CTX_LAPIC, 1);
    size_t ioapic = find_section(ctx, VIREO_PLAT_CTX_IOAPIC, 0);
    if (!lapic1 || !ioapic || !find_section(ctx, VIREO_PLAT_CTX_UART, 0) ||
        !find_section(ctx, VIREO_PLAT_CTX_CLOCK, 0))
        fail("sections missing: want clock, IOAPIC, UART and a LAPIC per vCPU");
    const struct vireo_plat_lapic *l1 = (const void *)(ctx + lapic1);
    if (l1->vcpu != 1 || !(l1->svr & 0x100) || !l1->kvm_system_time)
        fail("vCPU 1's LAPIC: vcpu %u svr 0x%x kvmclock 0x%llx: not a running Linux AP",
             l1->vcpu, l1->svr, (unsigned long long)l1->kvm_system_time);

    memcpy(bad, ctx, len);
    ((struct vireo_plat_ctx *)bad)->magic ^= 1;
    refused("bad magic", len, -VIREO_EINVAL);
    memcpy(bad, ctx, len);
    ((struct vireo_plat_lapic *)(bad + lapic1))->vcpu = 64;
    refused("LAPIC of vCPU 64", len, -VIREO_EINVAL);
    memcpy(bad, ctx, len);
    ((struct vireo_plat_ioapic *)(bad + ioapic))->redir[3] |= 1ull << 40;
    refused("reserved IOAPIC bit", len, -VIREO_EINVAL);
    memcpy(bad, ctx, len);
    ((struct vireo_plat_ctx_section *)(bad + ioapic - 8))->type = 0x77;
    refused("unknown section type", len, -VIREO_EINVAL);
    memcpy(bad, ctx, len);
    ((struct vireo_plat_ctx_section *)(bad + ioapic - 8))->length -= 8;
    refused("short IOAPIC section", len, -VIREO_EINVAL);
    memcpy(bad, ctx, len);
    refused("truncated context", len - 8, -VIREO_EINVAL);
    refused("too long", VIREO_PLAT_CTX_MAX + 1, -VIREO_E2BIG);

    /* The refusals changed nothing: the context reads as before (timers run on). */
    memset(bad, 0, len);
    call(VIREO_HC_PLATFORM_GET_CONTEXT, bad, len, VIREO_DEV_BUF_OUT, len);
    if (memcmp(bad + ioapic, ctx + ioapic, sizeof(struct vireo_plat_ioapic)) ||
        memcmp(bad + lapic1, ctx + lapic1, offsetof(struct vireo_plat_lapic, timer_left_ns)))
        fail("a refused SET changed the context");

    int64_t rc = call(VIREO_HC_PLATFORM_SET_CONTEXT, ctx, len, VIREO_DEV_BUF_IN, len);
    if (rc)
        fail("SET of the context just read returned %lld", (long long)rc);
    if (call(VIREO_HC_DOMAIN_UNPAUSE, NULL, 0, 0, 0))
        fail("unpause");
    memcpy(bad, ctx, len);
    refused("SET while running", len, -VIREO_EBUSY);
    printf("platctx: ok %u sections, %u bytes\n", h->nr_sections, len);
    close(fd);
    return 0;
}
