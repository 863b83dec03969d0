/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Runs the fuzz target without libFuzzer: on each file named on the command line, or
 * with --random N on N packets built from valid calls of every procedure with random
 * bytes flipped, truncated or appended (seeded, so a failure repeats).
 */
#include <glib.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "rpc-internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A plausible packet for proc: a header and a payload of small integers and strings. */
static GByteArray *seed_packet(GRand *rnd, int proc)
{
    GByteArray *p = g_byte_array_new();
    guint32 words[7] = { 0, VD_WIRE_REMOTE_PROGRAM, 1, (guint32)proc, 0, 1, 0 };
    int n = g_rand_int_range(rnd, 0, 24);

    for (int i = 0; i < 7; i++) {
        guint32 be = GUINT32_TO_BE(words[i]);
        g_byte_array_append(p, (guint8 *)&be, 4);
    }
    for (int i = 0; i < n; i++) {
        guint32 v = g_rand_boolean(rnd) ? (guint32)g_rand_int_range(rnd, 0, 40) : g_rand_int(rnd);
        guint32 be = GUINT32_TO_BE(v);
        g_byte_array_append(p, (guint8 *)&be, 4);
    }
    return p;
}

static void mutate(GRand *rnd, GByteArray *p)
{
    int flips = g_rand_int_range(rnd, 0, 6);

    for (int i = 0; i < flips && p->len > 28; i++)
        p->data[g_rand_int_range(rnd, 28, p->len)] ^= 1u << g_rand_int_range(rnd, 0, 8);
    if (g_rand_int_range(rnd, 0, 4) == 0 && p->len > 28)
        g_byte_array_set_size(p, g_rand_int_range(rnd, 28, p->len + 1));
    guint32 be = GUINT32_TO_BE(p->len);
    memcpy(p->data, &be, 4);
}

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "--random") == 0) {
        long n = strtol(argv[2], NULL, 10);
        size_t nprocs;
        const vd_rpc_proc *table = vd_rpc_proc_table(&nprocs);
        g_autoptr(GRand) rnd = g_rand_new_with_seed(20261122);

        for (long i = 0; i < n; i++) {
            GByteArray *p = seed_packet(rnd, table[g_rand_int_range(rnd, 0, nprocs)].number);

            mutate(rnd, p);
            LLVMFuzzerTestOneInput(p->data, p->len);
            g_byte_array_unref(p);
        }
        printf("fuzz-xdr: %ld random packets decoded without fault\n", n);
        return 0;
    }
    for (int i = 1; i < argc; i++) {
        g_autofree char *data = NULL;
        gsize len;

        if (!g_file_get_contents(argv[i], &data, &len, NULL)) {
            fprintf(stderr, "fuzz-xdr: cannot read %s\n", argv[i]);
            return 1;
        }
        LLVMFuzzerTestOneInput((const uint8_t *)data, len);
    }
    return 0;
}
