/* SPDX-License-Identifier: GPL-2.0-only */
/* Options a test guest reads from its command line ("key=value" words). */
#include "guest.h"

const char *cmdline(const struct vireo_start_info *si)
{
    return si->cmdline_gpa ? (const char *)(uintptr_t)si->cmdline_gpa : "";
}

static const char *find_value(const char *line, const char *key)
{
    size_t key_len = strlen(key);
    const char *p = line;

    while (*p) {
        while (*p == ' ')
            p++;
        if (strncmp(p, key, key_len) == 0 && p[key_len] == '=')
            return p + key_len + 1;
        while (*p && *p != ' ')
            p++;
    }
    return NULL;
}

uint64_t cmdline_u64(const struct vireo_start_info *si, const char *key, uint64_t fallback)
{
    const char *value = find_value(cmdline(si), key);
    const char *end;
    uint64_t n;

    if (!value)
        return fallback;
    if (parse_u64(value, &n, &end, 1) != 0 || (*end && *end != ' '))
        guest_fail("command line option %s has a malformed number: '%s'", key, value);
    return n;
}
