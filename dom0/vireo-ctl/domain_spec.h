/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What `vireo-ctl create` builds, read from an xl-style config file (`key = value`
 * lines) and from `key=value` arguments, which use the same keys and override the file.
 * Pure logic, unit-tested on the host.
 */
#ifndef CTL_DOMAIN_SPEC_H
#define CTL_DOMAIN_SPEC_H

#include <glib.h>
#include <stdint.h>

#define CTL_SPEC_ERROR (ctl_spec_error_quark())
GQuark ctl_spec_error_quark(void);

struct ctl_domain_spec {
    char *name;            /* required */
    char *kernel;          /* required: an ELF test guest or a Linux bzImage */
    char *ramdisk;         /* optional: the initrd of a bzImage kernel */
    char *cmdline;         /* optional: "cmdline" or xl's "extra" */
    uint64_t memory_bytes; /* required; "memory = 16" means 16 MiB, as in xl */
    uint64_t maxmem_bytes; /* 0 = same as memory */
    uint32_t vcpus;        /* default 1 */
    uint32_t weight;       /* default 256 */
    uint32_t cap;          /* default 0 (no cap) */
    uint32_t platform;     /* 1: an ELF test guest gets the guest platform's devices too */
};

void ctl_spec_init(struct ctl_domain_spec *spec);
void ctl_spec_clear(struct ctl_domain_spec *spec);

/* Sets one key from its (unquoted) value. Unknown keys and bad values are errors. */
gboolean ctl_spec_set(struct ctl_domain_spec *spec, const char *key, const char *value,
                      GError **error);
/* Parses a whole config text; origin names it in error messages ("file.cfg:3: ..."). */
gboolean ctl_spec_parse_text(struct ctl_domain_spec *spec, const char *text,
                             const char *origin, GError **error);
/* Parses one "key=value" command-line argument. */
gboolean ctl_spec_parse_assignment(struct ctl_domain_spec *spec, const char *arg,
                                   GError **error);
/* Checks that the required keys are there and the values fit together. */
gboolean ctl_spec_check(const struct ctl_domain_spec *spec, GError **error);

/*
 * "16" (MiB, xl's unit), "16M", "512K", "2G", "1048576B" -> bytes. Rejects 0, overflow,
 * and anything that is not a whole number of 4 KiB pages.
 */
gboolean ctl_parse_size(const char *text, uint64_t *bytes);
/* A decimal number in [min, max]. */
gboolean ctl_parse_u32(const char *text, uint32_t min, uint32_t max, uint32_t *out);

#endif /* CTL_DOMAIN_SPEC_H */
