/* SPDX-License-Identifier: GPL-2.0-only */
/* Basic macros and types every hv file uses. */
#ifndef HV_HV_H
#define HV_HV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "fmt.h"

#define HV_VERSION "0.1.0"
#define HV_MAX_CPUS 64

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define ALIGN_UP(x, a) (((x) + ((a)-1)) & ~((__typeof__(x))(a)-1))
#define ALIGN_DOWN(x, a) ((x) & ~((__typeof__(x))(a)-1))
#define IS_ALIGNED(x, a) (((x) & ((__typeof__(x))(a)-1)) == 0)
#define MIN(a, b) ((a) < (b) ? (a) : (b))
#define MAX(a, b) ((a) > (b) ? (a) : (b))
#define container_of(p, type, member) ((type *)((char *)(p)-offsetof(type, member)))
#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)
#define READ_ONCE(x) (*(const volatile __typeof__(x) *)&(x))
#define WRITE_ONCE(x, v) (*(volatile __typeof__(x) *)&(x) = (v))
#define barrier() __asm__ volatile("" ::: "memory")
#define NORETURN __attribute__((noreturn))
#define PRINTF(a, b) __attribute__((format(printf, a, b)))

#define KiB(x) ((uint64_t)(x) << 10)
#define MiB(x) ((uint64_t)(x) << 20)
#define GiB(x) ((uint64_t)(x) << 30)

/* Diagnostics: the log goes to the console port chosen on the command line. */
void hv_log(const char *fmt, ...) PRINTF(1, 2);
/* Writes raw text (no prefix) under the log lock. */
void hv_log_write(const char *s, size_t len);
/* Copies the log's newest VIREO_HV_LOG_SIZE bytes from stream position *pos (see
 * ring_read); *prod gets the bytes ever logged. For VIREO_HC_HV_LOG_READ. */
size_t hv_log_read(uint64_t *pos, char *buf, size_t len, uint64_t *prod);
NORETURN void hv_panic(const char *fmt, ...) PRINTF(1, 2);
/* Stops hv after a fatal configuration problem (no register dump). */
NORETURN void hv_fatal(const char *fmt, ...) PRINTF(1, 2);

#define HV_ASSERT(c)                                                                           \
    do {                                                                                       \
        if (unlikely(!(c)))                                                                    \
            hv_panic("assertion '%s' failed at %s:%d", #c, __FILE__, __LINE__);               \
    } while (0)

#endif
