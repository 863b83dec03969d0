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
static const char *code_prefix(int code)
{
    switch (code) {
    case VIR_ERR_INTERNAL_ERROR: return "internal error: ";
    case VIR_ERR_NO_SUPPORT: return "this function is not supported by the connection driver: ";
    case VIR_ERR_INVALID_ARG: return "invalid argument: ";
    case VIR_ERR_OPERATION_FAILED: return "operation failed: ";
    case VIR_ERR_XML_ERROR: return "XML error: ";
    case VIR_ERR_XML_DETAIL: return "XML error: ";
    case VIR_ERR_DOM_EXIST: return "";
    case VIR_ERR_OPERATION_DENIED: return "operation forbidden: ";
    case VIR_ERR_NO_DOMAIN: return "Domain not found: ";
    case VIR_ERR_OPERATION_INVALID: return "Requested operation is not valid: ";
    case VIR_ERR_CONFIG_UNSUPPORTED: return "unsupported configuration: ";
    case VIR_ERR_ARGUMENT_UNSUPPORTED: return "argument unsupported: ";
    case VIR_ERR_OPERATION_UNSUPPORTED: return "Operation not supported: ";
    case VIR_ERR_XML_INVALID_SCHEMA: return "XML document failed to validate against schema: ";
    default: return "";
    }
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
