/* SPDX-License-Identifier: GPL-2.0-only */
/* vd_error: libvirt-numbered errors with libvirt's message prefixes. */
#include "vd-error.h"

#include <string.h>

void vd_error_free(vd_error *err)
{
    if (!err)
        return;
    g_free(err->message);
    g_free(err);
}

static void error_set_message(vd_error **err, int code, int domain, char *message)
{
    if (!err) {
        g_free(message);
        return;
    }
    if (*err) {
        /* The first failure explains the call best; keep it. */
        g_warning("error overwritten: %s (keeping %s)", message, (*err)->message);
        g_free(message);
        return;
    }
    vd_error *e = g_new0(vd_error, 1);
    e->code = code;
    e->domain = domain;
    e->message = message;
    *err = e;
}

void vd_error_set(vd_error **err, int code, int domain, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *message = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    error_set_message(err, code, domain, message);
}

/* The prefixes libvirt's virErrorMsg() puts before the detail, per code. */
static const struct {
    int code;
    const char *prefix;
} code_prefixes[] = {
    {VIR_ERR_INTERNAL_ERROR, "internal error: "},
    {VIR_ERR_NO_SUPPORT, "this function is not supported by the connection driver: "},
    {VIR_ERR_INVALID_ARG, "invalid argument: "},
    {VIR_ERR_OPERATION_FAILED, "operation failed: "},
    {VIR_ERR_XML_ERROR, "XML error: "},
    {VIR_ERR_XML_DETAIL, "XML error: "},
    {VIR_ERR_OPERATION_DENIED, "operation forbidden: "},
    {VIR_ERR_NO_DOMAIN, "Domain not found: "},
    {VIR_ERR_NO_STORAGE_POOL, "Storage pool not found: "},
    {VIR_ERR_NO_STORAGE_VOL, "Storage volume not found: "},
    {VIR_ERR_NO_NETWORK, "Network not found: "},
    {VIR_ERR_OPERATION_INVALID, "Requested operation is not valid: "},
    {VIR_ERR_CONFIG_UNSUPPORTED, "unsupported configuration: "},
    {VIR_ERR_OPERATION_TIMEOUT, "Timed out during operation: "},
    {VIR_ERR_ARGUMENT_UNSUPPORTED, "argument unsupported: "},
    {VIR_ERR_OPERATION_UNSUPPORTED, "Operation not supported: "},
    {VIR_ERR_STORAGE_VOL_EXIST, "storage volume already exists: "},
    {VIR_ERR_STORAGE_POOL_BUILT, "storage pool already built: "},
    {VIR_ERR_XML_INVALID_SCHEMA, "XML document failed to validate against schema: "},
    {VIR_ERR_DEVICE_MISSING, "device not found: "},
};

static const char *code_prefix(int code)
{
    for (unsigned i = 0; i < G_N_ELEMENTS(code_prefixes); i++)
        if (code_prefixes[i].code == code)
            return code_prefixes[i].prefix;
    return "";
}

void vd_fail(vd_error **err, int code, int domain, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    g_autofree char *detail = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    error_set_message(err, code, domain, g_strconcat(code_prefix(code), detail, NULL));
}

void vd_fail_errno(vd_error **err, int errnum, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    g_autofree char *what = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    error_set_message(err, VIR_ERR_SYSTEM_ERROR, VIR_FROM_NONE,
                      g_strdup_printf("%s: %s", what, g_strerror(errnum)));
}

void vd_error_propagate(vd_error **dest, vd_error *src)
{
    if (!src)
        return;
    if (dest && !*dest) {
        *dest = src;
        return;
    }
    vd_error_free(src);
}
