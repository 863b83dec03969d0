/* Puts bytes right before an inaccessible page, so a decoder that reads one byte past what
 * it was given crashes the test instead of passing by luck. */
#ifndef TEST_GUARD_H
#define TEST_GUARD_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static uint8_t *guard_page_end;

/* Returns a copy of n bytes of src that ends where the PROT_NONE page starts. */
static inline const uint8_t *guarded_copy(const uint8_t *src, size_t n)
{
    size_t page = (size_t)sysconf(_SC_PAGESIZE);

    if (!guard_page_end) {
        uint8_t *map =
            mmap(NULL, 2 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (map == MAP_FAILED || mprotect(map + page, page, PROT_NONE)) {
            perror("guard page");
            exit(2);
        }
        guard_page_end = map + page;
    }
    memcpy(guard_page_end - n, src, n);
    return guard_page_end - n;
}

#endif
