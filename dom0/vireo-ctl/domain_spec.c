/* SPDX-License-Identifier: GPL-2.0-only */
/* vireo-ctl: parsing of domain config files and key=value arguments (see domain_spec.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "domain_spec.h"
#include "public/vireo.h"

G_DEFINE_QUARK(ctl-spec-error-quark, ctl_spec_error)

void ctl_spec_init(struct ctl_domain_spec *spec)
{
    *spec = (struct ctl_domain_spec){ .vcpus = 1, .weight = 256 };
}

void ctl_spec_clear(struct ctl_domain_spec *spec)
{
    g_free(spec->name);
    g_free(spec->kernel);
    g_free(spec->ramdisk);
    g_free(spec->cmdline);
    ctl_spec_init(spec);
}

gboolean ctl_parse_u32(const char *text, uint32_t min, uint32_t max, uint32_t *out)
{
    char *end;
    if (!g_ascii_isdigit(text[0]))
        return FALSE;
    errno = 0;
    unsigned long long v = strtoull(text, &end, 10);
    if (*end || errno || v < min || v > max)
        return FALSE;
    *out = (uint32_t)v;
    return TRUE;
}

gboolean ctl_parse_size(const char *text, uint64_t *bytes)
{
    char *end;
    if (!g_ascii_isdigit(text[0]))
        return FALSE;
    errno = 0;
    unsigned long long v = strtoull(text, &end, 10);
    if (errno || v == 0)
        return FALSE;
    unsigned shift;
    switch (g_ascii_toupper(*end)) {
    case '\0':
    case 'M': shift = 20; break;
    case 'K': shift = 10; break;
    case 'G': shift = 30; break;
    case 'B': shift = 0; break;
    default: return FALSE;
    }
    if (*end && end[1])
        return FALSE;
    if (v > (UINT64_MAX >> shift))
        return FALSE;
    v <<= shift;
    if (v % VIREO_PAGE_SIZE)
        return FALSE;
    *bytes = v;
    return TRUE;
}

static gboolean fail(GError **error, const char *key, const char *value, const char *want)
{
    g_set_error(error, CTL_SPEC_ERROR, 0, "%s = \"%s\": %s", key, value, want);
    return FALSE;
}

gboolean ctl_spec_set(struct ctl_domain_spec *spec, const char *key, const char *value,
                      GError **error)
{
    if (!strcmp(key, "name")) {
        g_free(spec->name);
        spec->name = g_strdup(value);
    } else if (!strcmp(key, "kernel")) {
        g_free(spec->kernel);
        spec->kernel = g_strdup(value);
    } else if (!strcmp(key, "ramdisk")) {
        g_free(spec->ramdisk);
        spec->ramdisk = g_strdup(value);
    } else if (!strcmp(key, "cmdline") || !strcmp(key, "extra")) {
        g_free(spec->cmdline);
        spec->cmdline = g_strdup(value);
    } else if (!strcmp(key, "memory")) {
        if (!ctl_parse_size(value, &spec->memory_bytes))
            return fail(error, key, value, "want a size (MiB, or with K/M/G)");
    } else if (!strcmp(key, "maxmem")) {
        if (!ctl_parse_size(value, &spec->maxmem_bytes))
            return fail(error, key, value, "want a size (MiB, or with K/M/G)");
    } else if (!strcmp(key, "vcpus")) {
        if (!ctl_parse_u32(value, 1, VIREO_MAX_VCPUS, &spec->vcpus))
            return fail(error, key, value, "want 1.." G_STRINGIFY(VIREO_MAX_VCPUS));
    } else if (!strcmp(key, "weight")) {
        if (!ctl_parse_u32(value, 1, 65535, &spec->weight))
            return fail(error, key, value, "want 1..65535");
    } else if (!strcmp(key, "cap")) {
        if (!ctl_parse_u32(value, 0, 100 * VIREO_MAX_VCPUS, &spec->cap))
            return fail(error, key, value, "want a percentage of one CPU, 0 = none");
    } else if (!strcmp(key, "platform")) {
        if (!ctl_parse_u32(value, 0, 1, &spec->platform))
            return fail(error, key, value, "want 0 or 1");
    } else {
        g_set_error(error, CTL_SPEC_ERROR, 0, "unknown key \"%s\"", key);
        return FALSE;
    }
    return TRUE;
}

/* A value is a "double-quoted string" (\" and \\ escapes) or a bare word. */
static char *parse_value(const char *p, const char **rest, const char **why)
{
    if (*p != '"') {
        const char *start = p;
        while (*p && !g_ascii_isspace(*p) && *p != '#')
            p++;
        *rest = p;
        if (p == start)
            *why = "missing value";
        return p == start ? NULL : g_strndup(start, p - start);
    }
    GString *s = g_string_new(NULL);
    for (p++; *p && *p != '"'; p++) {
        if (*p == '\\' && (p[1] == '"' || p[1] == '\\'))
            p++;
        g_string_append_c(s, *p);
    }
    if (*p != '"') {
        *why = "unterminated string";
        g_string_free(s, TRUE);
        return NULL;
    }
    *rest = p + 1;
    return g_string_free(s, FALSE);
}

/* "key = value [# comment]"; empty and comment-only lines are fine. */
static gboolean parse_line(struct ctl_domain_spec *spec, const char *line, const char *origin,
                           unsigned lineno, GError **error)
{
    const char *why = NULL, *p = line;
    g_autofree char *key = NULL, *value = NULL;

    while (g_ascii_isspace(*p))
        p++;
    if (!*p || *p == '#')
        return TRUE;
    const char *kstart = p;
    while (g_ascii_isalnum(*p) || *p == '_')
        p++;
    key = g_strndup(kstart, p - kstart);
    while (g_ascii_isspace(*p))
        p++;
    if (!*key || *p != '=') {
        why = "expected key = value";
    } else {
        p++;
        while (g_ascii_isspace(*p))
            p++;
        value = parse_value(p, &p, &why);
        while (value && g_ascii_isspace(*p))
            p++;
        if (value && *p && *p != '#')
            why = "trailing characters after the value";
    }
    if (why) {
        g_set_error(error, CTL_SPEC_ERROR, 0, "%s:%u: %s", origin, lineno, why);
        return FALSE;
    }
    GError *inner = NULL;
    if (!ctl_spec_set(spec, key, value, &inner)) {
        g_set_error(error, CTL_SPEC_ERROR, 0, "%s:%u: %s", origin, lineno, inner->message);
        g_error_free(inner);
        return FALSE;
    }
    return TRUE;
}

gboolean ctl_spec_parse_text(struct ctl_domain_spec *spec, const char *text,
                             const char *origin, GError **error)
{
    g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
    for (unsigned i = 0; lines[i]; i++) {
        g_strchomp(lines[i]); /* also drops a CR of CRLF files */
        if (!parse_line(spec, lines[i], origin, i + 1, error))
            return FALSE;
    }
    return TRUE;
}

gboolean ctl_spec_parse_assignment(struct ctl_domain_spec *spec, const char *arg,
                                   GError **error)
{
    const char *eq = strchr(arg, '=');
    if (!eq || eq == arg) {
        g_set_error(error, CTL_SPEC_ERROR, 0, "\"%s\": expected key=value", arg);
        return FALSE;
    }
    g_autofree char *key = g_strndup(arg, eq - arg);
    return ctl_spec_set(spec, key, eq + 1, error);
}

gboolean ctl_spec_check(const struct ctl_domain_spec *spec, GError **error)
{
    const char *missing = !spec->name ? "name" : !spec->kernel ? "kernel"
                        : !spec->memory_bytes ? "memory" : NULL;
    if (missing) {
        g_set_error(error, CTL_SPEC_ERROR, 0, "%s is not set", missing);
        return FALSE;
    }
    if (spec->memory_bytes % (2u << 20)) {
        g_set_error(error, CTL_SPEC_ERROR, 0, "memory must be a multiple of 2 MiB");
        return FALSE;
    }
    if (spec->maxmem_bytes && spec->maxmem_bytes < spec->memory_bytes) {
        g_set_error(error, CTL_SPEC_ERROR, 0, "maxmem is below memory");
        return FALSE;
    }
    if (spec->cmdline && strlen(spec->cmdline) >= VIREO_CMDLINE_MAX) {
        g_set_error(error, CTL_SPEC_ERROR, 0, "cmdline longer than %d bytes",
                    VIREO_CMDLINE_MAX - 1);
        return FALSE;
    }
    return TRUE;
}
