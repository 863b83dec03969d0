/* hv's freestanding vsnprintf and string helpers agree with the host libc. */
#include <stdio.h>
#include <string.h>
#include <stdint.h>

/* hv's versions, built with renamed symbols (see meson.build). */
int lib_snprintf(char *buf, size_t size, const char *fmt, ...);
size_t lib_strlcpy(char *dst, const char *src, size_t size);
void *lib_memmove(void *dst, const void *src, size_t n);
int parse_u64(const char *s, uint64_t *out, const char **end, int allow_suffix);

static int failures;

#define CHECK_FMT(...)                                                                  \
    do {                                                                                \
        char want[128], got[128];                                                       \
        int wn = snprintf(want, sizeof(want), __VA_ARGS__);                             \
        int gn = lib_snprintf(got, sizeof(got), __VA_ARGS__);                           \
        if (wn != gn || strcmp(want, got) != 0) {                                       \
            printf("FAIL %s: want '%s' (%d) got '%s' (%d)\n", #__VA_ARGS__, want, wn,   \
                   got, gn);                                                            \
            failures++;                                                                 \
        }                                                                               \
    } while (0)

static void check(int cond, const char *what)
{
    if (!cond) {
        printf("FAIL %s\n", what);
        failures++;
    }
}

int main(void)
{
    CHECK_FMT("plain");
    CHECK_FMT("%d %i %u", -42, 17, 3000000000u);
    CHECK_FMT("%x %X %o", 0xbeefu, 0xbeefu, 8u);
    CHECK_FMT("%lx %llu %lld", 0xffffffffffffffffUL, 18446744073709551615ULL, -9223372036854775807LL - 1);
    CHECK_FMT("%zu", (size_t)12345);
    CHECK_FMT("[%5d] [%-5d] [%05d] [%.3d]", 42, 42, -42, 7);
    CHECK_FMT("[%016lx] [%8s] [%-8s] [%.2s]", 0x1234UL, "ab", "cd", "efgh");
    CHECK_FMT("[%*d] [%.*s]", 6, 9, 3, "abcdef");
    CHECK_FMT("%c%c %% %s", 'o', 'k', "end");
    CHECK_FMT("%hhu %hd", 300, 70000);
    CHECK_FMT("|%-3c|%3c|", (int)0x41, (int)0x42);

    /* Truncation: the return value is the full length; the buffer stays terminated. */
    char small[5];
    int n = lib_snprintf(small, sizeof(small), "%s", "abcdefgh");
    check(n == 8 && strcmp(small, "abcd") == 0, "truncation keeps NUL and full length");

    uint64_t v;
    const char *end;
    check(parse_u64("16M", &v, &end, 1) == 0 && v == 16u << 20 && *end == '\0', "16M");
    check(parse_u64("0x1000", &v, NULL, 0) == 0 && v == 0x1000, "hex");
    check(parse_u64("2G", &v, NULL, 1) == 0 && v == 2ull << 30, "2G");
    check(parse_u64("99999999999999999999", &v, NULL, 0) == -1, "overflow refused");
    check(parse_u64("x", &v, NULL, 0) == -1, "no digits refused");
    check(parse_u64("17179869184G", &v, NULL, 1) == -1, "suffix overflow refused");

    char buf[8];
    check(lib_strlcpy(buf, "abcdefghij", sizeof(buf)) == 10 && strcmp(buf, "abcdefg") == 0,
          "strlcpy truncates");
    char mm[] = "abcdef";
    lib_memmove(mm + 2, mm, 4);
    check(memcmp(mm, "ababcd", 6) == 0, "memmove overlapping forward");

    printf("%s\n", failures ? "FAILED" : "ok");
    return failures ? 1 : 0;
}
