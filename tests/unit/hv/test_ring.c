/* Byte rings (consoles, hv's log): stream positions, overwrite, reads that start late. */
#include <string.h>
#include "hv/ring.h"
#include "check.h"

int main(void)
{
    char store[8], out[16];
    struct byte_ring r = {store, sizeof(store), 0};
    uint64_t pos = 0;

    CHECK(ring_read(&r, &pos, out, sizeof(out)) == 0 && pos == 0);
    ring_put(&r, "abcde", 5);
    CHECK(ring_read(&r, &pos, out, sizeof(out)) == 5 && pos == 0 && !memcmp(out, "abcde", 5));
    pos = 3;
    CHECK(ring_read(&r, &pos, out, 1) == 1 && pos == 3 && out[0] == 'd');

    ring_put(&r, "fghijkl", 7); /* 12 bytes in an 8-byte ring: "abcd" are gone */
    CHECK(r.prod == 12);
    pos = 1;
    CHECK(ring_read(&r, &pos, out, sizeof(out)) == 8 && pos == 4 && !memcmp(out, "efghijkl", 8));
    pos = 10;
    CHECK(ring_read(&r, &pos, out, sizeof(out)) == 2 && pos == 10 && !memcmp(out, "kl", 2));
    pos = 99; /* past the end: nothing, at the end */
    CHECK(ring_read(&r, &pos, out, sizeof(out)) == 0 && pos == 12);
    return check_done("ring");
}
