/* SPDX-License-Identifier: GPL-2.0-only */
/* The empty symbol table of hv's first link (the final link gets the generated one). */
#include "hv/symbols.h"

const unsigned hv_nr_symbols = 0;
const struct hv_symbol hv_symbols[] = {{0, 0}};
const char hv_symbol_names[] = "";
