/* Decodes an instruction written as hex bytes ("48 0f b6 00"), failing the test if the
 * decoder does not take exactly those bytes. For the host unit tests of hv's decoder. */
#ifndef TEST_DECODE_HEX_H
#define TEST_DECODE_HEX_H

#include <stdio.h>
#include <stdlib.h>
#include "arch/decode.h"
#include "check.h"

static inline struct insn decode(const char *text, enum cpu_mode mode)
{
    uint8_t bytes[INSN_MAX_LEN];
    const char *hex = text;
    size_t n = 0;
    struct insn in;

    while (*hex && n < sizeof(bytes)) {
        char *end;
        bytes[n++] = (uint8_t)strtoul(hex, &end, 16);
        hex = end;
    }
    if (insn_decode(bytes, n, mode, &in) != (int)n) {
        printf("FAIL: '%s' does not decode\n", text);
        check_failures++;
    }
    return in;
}

#endif
