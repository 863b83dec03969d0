/* SPDX-License-Identifier: GPL-2.0-only */
/* Symbol lookup for backtraces: binary search in the generated, sorted table. */
#include "hv/symbols.h"
#include <stddef.h>

const char *symbol_lookup(uint64_t addr, uint64_t *offset)
{
    unsigned lo = 0, hi = hv_nr_symbols;

    if (!hv_nr_symbols || addr < hv_symbols[0].addr)
        return NULL;
    while (hi - lo > 1) { /* largest entry with addr <= the address */
        unsigned mid = lo + (hi - lo) / 2;
        if (hv_symbols[mid].addr <= addr)
            lo = mid;
        else
            hi = mid;
    }
    *offset = addr - hv_symbols[lo].addr;
    return hv_symbol_names + hv_symbols[lo].name;
}
