/* SPDX-License-Identifier: GPL-2.0-only */
/* hv's own text symbols, for naming backtrace entries (generated at build time). */
#ifndef HV_SYMBOLS_H
#define HV_SYMBOLS_H

#include <stdint.h>

struct hv_symbol {
    uint64_t addr;
    uint32_t name; /* offset in hv_symbol_names */
};

extern const unsigned hv_nr_symbols;
extern const struct hv_symbol hv_symbols[];
extern const char hv_symbol_names[];

/* The function containing addr and the offset into it; NULL if unknown. */
const char *symbol_lookup(uint64_t addr, uint64_t *offset);

#endif
