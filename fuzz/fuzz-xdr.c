/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Fuzz target for the untrusted parsers of the protocol layer: the length word, the
 * header, and the XDR arguments of every procedure served. An input is one packet; its
 * header's procedure picks the argument decoder (an unknown one picks by the first
 * payload byte), so one corpus reaches all of them. A decoded argument must re-encode in
 * no more bytes than it was decoded from (fewer when a string carried NUL bytes, which
 * C strings drop, as in libvirt).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "rpc-internal.h"
#include "rpc-packet.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    vd_wire_header hdr;
    const vd_rpc_proc *proc, *table;
    size_t nprocs;
    guint32 len;
    void *args;

    if (size < VD_WIRE_HEADER_SIZE)
        return 0;
    if (vd_rpc_packet_check_length(data, &len) != VD_RPC_PACKET_OK)
        return 0;
    if (!vd_rpc_packet_decode_header(data, size, &hdr))
        return 0;
    table = vd_rpc_proc_table(&nprocs);
    proc = vd_rpc_proc_find(hdr.proc);
    if (!proc)
        proc = &table[size > VD_WIRE_HEADER_SIZE ? data[VD_WIRE_HEADER_SIZE] % nprocs : 0];
    args = calloc(1, proc->args_size ? proc->args_size : 1);
    if (vd_rpc_packet_decode_payload(data, size, proc->args_filter, args)) {
        unsigned long again = xdr_sizeof(proc->args_filter, args);

        if (again > size - VD_WIRE_HEADER_SIZE)
        {
            fprintf(stderr, "proc %d: decoded %zu payload bytes, re-encodes to %lu\n",
                    proc->number, size - VD_WIRE_HEADER_SIZE, again);
            abort(); /* decoder accepted bytes the encoder would not produce */
        }
        xdr_free(proc->args_filter, args);
    }
    free(args);
    return 0;
}
