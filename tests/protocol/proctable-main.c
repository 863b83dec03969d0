/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Prints the served procedure table, one "number api flags" line each, flags a subset of
 * "early" (before open), "changes" (refused read-only), "inline". Tests read it to cover
 * every procedure; docs/protocol.md lists the same table.
 */
#include <stdio.h>

#include "rpc-internal.h"

int main(void)
{
    size_t n;
    const vd_rpc_proc *p = vd_rpc_proc_table(&n);

    for (size_t i = 0; i < n; i++)
        printf("%d %s%s%s%s\n", p[i].number, p[i].api,
               p[i].flags & VD_RPC_PROC_BEFORE_OPEN ? " early" : "",
               p[i].flags & VD_RPC_PROC_CHANGES ? " changes" : "",
               p[i].flags & VD_RPC_PROC_INLINE ? " inline" : "");
    return 0;
}
