/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The test-guest runtime: what a guest under hv is given (its start state as a
 * struct guest_vcpu), and the few services every guest uses: console printf, the
 * paravirtual clock, command-line options, and the ways a guest ends.
 */
#ifndef GUEST_GUEST_H
#define GUEST_GUEST_H

#include <stddef.h>
#include <stdint.h>
#include "fmt.h"
#include "hypercall.h"

/* One vCPU's view of the domain; lives on that vCPU's stack for the guest's lifetime. */
struct guest_vcpu {
    unsigned index;                       /* vCPU index, from RSI at entry */
    const struct vireo_start_info *start; /* from RDI at entry; shared by every vCPU */
    struct vireo_time_info *time;         /* this vCPU's pvclock, registered on first use */
};

/* Provided by each guest: runs on vCPU 0; returning powers the domain off. */
void guest_main(struct guest_vcpu *v);
/* Optionally provided: runs on every other vCPU; the default parks them. */
void guest_secondary(struct guest_vcpu *v);

/* Output: one console line per call is the convention (hv prefixes each line). */
void console_write(const char *s, size_t len);
int guest_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Ends the domain in an orderly way. */
_Noreturn void guest_poweroff(void);
/* Shuts the domain down asking the toolstack to start it again. */
_Noreturn void guest_reboot(void);
/* Prints "FAIL: <text>" (what tests look for) and asks hv to crash the domain. */
_Noreturn void guest_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Blocks this vCPU for good (used by vCPUs with nothing left to do). */
_Noreturn void guest_park(void);

/*
 * Takes the toolstack's pending requests (rt/control.c) and obeys them: POWEROFF and
 * REBOOT end the domain (no return); a new memory target (and, on the first call, the
 * target the domain was built with) is reached with the balloon. Returns the requests.
 */
unsigned guest_control_service(struct guest_vcpu *v);
/* Gives back or takes frames until the guest holds `target` 4 KiB frames, or as close as
 * it can; prints and returns what it holds (rt/balloon.c). */
uint64_t balloon_reach(const struct vireo_start_info *si, uint64_t target);
uint64_t balloon_held_frames(void);

/* hv system time in ns read from the pvclock; no hypercall after the first call. */
uint64_t time_now_ns(struct guest_vcpu *v);
/* Blocks (SCHED_BLOCK with a deadline) until hv time reaches now + ms. */
void time_sleep_ms(struct guest_vcpu *v, uint64_t ms);

/* The command line after " -- " in the module2 line, "" if none. */
const char *cmdline(const struct vireo_start_info *si);
/* Value of "key=<number>" on the command line (K/M/G suffixes allowed), or `fallback`. */
uint64_t cmdline_u64(const struct vireo_start_info *si, const char *key, uint64_t fallback);

/* The guest's own IDT (rt/idt.c): interrupt gates in the current code segment. */
void idt_set_gate(unsigned vector, void *handler);
void idt_load(void);

static inline uint64_t rdtsc(void)
{
    uint32_t lo, hi;

    /* LFENCE keeps the read from drifting across the measured code. */
    __asm__ volatile("lfence; rdtsc" : "=a"(lo), "=d"(hi) : : "memory");
    return ((uint64_t)hi << 32) | lo;
}

/* Port I/O, 1, 2 and 4 bytes. */
static inline uint32_t port_in(uint16_t port, unsigned size)
{
    uint32_t v = 0;

    if (size == 1)
        __asm__ volatile("inb %1, %b0" : "+a"(v) : "Nd"(port));
    else if (size == 2)
        __asm__ volatile("inw %1, %w0" : "+a"(v) : "Nd"(port));
    else
        __asm__ volatile("inl %1, %0" : "=a"(v) : "Nd"(port));
    return v;
}

static inline void port_out(uint16_t port, unsigned size, uint32_t v)
{
    if (size == 1)
        __asm__ volatile("outb %b0, %1" : : "a"(v), "Nd"(port));
    else if (size == 2)
        __asm__ volatile("outw %w0, %1" : : "a"(v), "Nd"(port));
    else
        __asm__ volatile("outl %0, %1" : : "a"(v), "Nd"(port));
}

static inline uint64_t rdmsr(uint32_t msr)
{
    uint32_t lo, hi;

    __asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
    return ((uint64_t)hi << 32) | lo;
}

static inline void wrmsr(uint32_t msr, uint64_t v)
{
    __asm__ volatile("wrmsr" : : "c"(msr), "a"((uint32_t)v), "d"((uint32_t)(v >> 32)) : "memory");
}

static inline void outb(uint16_t port, uint8_t v)
{
    __asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port));
}

static inline uint8_t inb(uint16_t port)
{
    uint8_t v;

    __asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
    return v;
}

static inline void cpu_relax(void)
{
    __asm__ volatile("pause" : : : "memory");
}

#endif
