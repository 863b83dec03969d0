/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Running LVM for logical pools: one `lvm` program with the command as its first argument,
 * always told not to wait for udev (dom0 runs none), and its reports read as JSON.
 */
#include <json-glib/json-glib.h>
#include <string.h>

#include "vd-command.h"
#include "vd-error.h"
#include "vd-lvm.h"

/* No udev in dom0: LVM scans /dev itself and makes its own device nodes; no devices file
 * (a fresh dom0 has none and would hide every PV). */
#define LVM_CONFIG                                                                                 \
    "devices { obtain_device_list_from_udev = 0 use_devicesfile = 0 } "                            \
    "activation { udev_sync = 0 udev_rules = 0 }"

#define REPORT_ARGS "--reportformat", "json", "--units", "b", "--nosuffix"

GPtrArray *vd_lvm_argv(const char *cmd, const char *const *args)
{
    const char *program = g_getenv("VIREO_LVM");
    GPtrArray *argv = g_ptr_array_new_with_free_func(g_free);
    g_ptr_array_add(argv, g_strdup(program && *program ? program : "lvm"));
    g_ptr_array_add(argv, g_strdup(cmd));
    g_ptr_array_add(argv, g_strdup("--config"));
    g_ptr_array_add(argv, g_strdup(LVM_CONFIG));
    for (const char *const *a = args; a && *a; a++)
        g_ptr_array_add(argv, g_strdup(*a));
    g_ptr_array_add(argv, NULL);
    return argv;
}

bool vd_lvm_run(const char *cmd, const char *const *args, const char *what, char **out,
                vd_error **err)
{
    g_autoptr(GPtrArray) argv = vd_lvm_argv(cmd, args);
    g_autofree char *text = NULL;
    g_autoptr(vd_error) failed = NULL;
    if (vd_command_output((const char *const *)argv->pdata, VIR_FROM_STORAGE, &text, &failed)) {
        if (out)
            *out = g_steal_pointer(&text);
        return true;
    }
    /* failed reads "internal error: lvm failed: <stderr>": say which command and object. */
    const char *why = strstr(failed->message, "lvm failed: ");
    vd_fail(err, VIR_ERR_INTERNAL_ERROR, VIR_FROM_STORAGE, "lvm %s for %s failed: %s", cmd, what,
            why ? why + strlen("lvm failed: ") : failed->message);
    return false;
}

bool vd_lvm_check_name(const char *name, const char *what, vd_error **err)
{
    bool ok = name && *name && name[0] != '-' && strcmp(name, ".") != 0 && strcmp(name, "..") != 0;
    for (const char *c = name; ok && *c; c++)
        ok = g_ascii_isalnum(*c) || strchr("+_.-", *c);
    if (!ok)
        vd_fail(err, VIR_ERR_XML_ERROR, VIR_FROM_STORAGE,
                "%s name '%s' is not a name LVM takes (letters, digits, '+_.-', no leading '-')",
                what, name ? name : "");
    return ok;
}

/* ---- reports ------------------------------------------------------------------------------ */

static JsonArray *member_array(JsonNode *node, const char *name)
{
    JsonObject *o = node && JSON_NODE_HOLDS_OBJECT(node) ? json_node_get_object(node) : NULL;
    JsonNode *m = o ? json_object_get_member(o, name) : NULL;
    return m && JSON_NODE_HOLDS_ARRAY(m) ? json_node_get_array(m) : NULL;
}

/* Row i of a report, or NULL when it is not an object. */
static JsonObject *row_at(JsonArray *rows, unsigned i)
{
    JsonNode *n = json_array_get_element(rows, i);
    return JSON_NODE_HOLDS_OBJECT(n) ? json_node_get_object(n) : NULL;
}

/* The rows of a report: {"report": [{"vg": [ {...}, ... ]}]}. */
static JsonArray *report_rows(JsonParser *parser, const char *json, const char *kind,
                              vd_error **err)
{
    JsonArray *reports = NULL, *rows = NULL;
    if (json_parser_load_from_data(parser, json ? json : "", -1, NULL))
        reports = member_array(json_parser_get_root(parser), "report");
    if (reports && json_array_get_length(reports) > 0)
        rows = member_array(json_array_get_element(reports, 0), kind);
    if (!rows)
        vd_fail(err, VIR_ERR_INTERNAL_ERROR, VIR_FROM_STORAGE,
                "cannot read lvm's %ss report: %.80s", kind, json ? json : "");
    return rows;
}

/* LVM writes numbers as strings ("4194304"); json_std as numbers. Either is taken. */
static bool field_bytes(JsonObject *row, const char *name, uint64_t *out)
{
    JsonNode *n = json_object_get_member(row, name);
    if (!n || !JSON_NODE_HOLDS_VALUE(n))
        return false;
    if (json_node_get_value_type(n) == G_TYPE_INT64) {
        *out = json_node_get_int(n);
        return json_node_get_int(n) >= 0;
    }
    const char *text = json_node_get_string(n);
    return text && g_ascii_string_to_unsigned(text, 10, 0, G_MAXUINT64, out, NULL);
}

static const char *field_text(JsonObject *row, const char *name)
{
    JsonNode *n = json_object_get_member(row, name);
    return n && JSON_NODE_HOLDS_VALUE(n) ? json_node_get_string(n) : NULL;
}

static bool bad_row(const char *kind, vd_error **err)
{
    vd_fail(err, VIR_ERR_INTERNAL_ERROR, VIR_FROM_STORAGE, "malformed row in lvm's %ss report",
            kind);
    return false;
}

bool vd_lvm_parse_vg(const char *json, vd_lvm_vg *out, vd_error **err)
{
    g_autoptr(JsonParser) parser = json_parser_new();
    JsonArray *rows = report_rows(parser, json, "vg", err);
    if (!rows)
        return false;
    JsonObject *row = json_array_get_length(rows) == 1 ? row_at(rows, 0) : NULL;
    if (!row || !field_bytes(row, "vg_size", &out->size) ||
        !field_bytes(row, "vg_free", &out->free) ||
        !field_bytes(row, "vg_extent_size", &out->extent))
        return bad_row("vg", err);
    return true;
}

/* Each row of a report read by row_read (NULL: a malformed row fails the whole report). */
static GPtrArray *read_rows(const char *json, const char *kind, void *(*row_read)(JsonObject *),
                            GDestroyNotify row_free, vd_error **err)
{
    g_autoptr(JsonParser) parser = json_parser_new();
    JsonArray *rows = report_rows(parser, json, kind, err);
    if (!rows)
        return NULL;
    g_autoptr(GPtrArray) out = g_ptr_array_new_with_free_func(row_free);
    for (unsigned i = 0; i < json_array_get_length(rows); i++) {
        JsonObject *row = row_at(rows, i);
        void *item = row ? row_read(row) : NULL;
        if (!item) {
            bad_row(kind, err);
            return NULL;
        }
        g_ptr_array_add(out, item);
    }
    return g_steal_pointer(&out);
}

static void lv_free(vd_lvm_lv *lv)
{
    g_free(lv->name);
    g_free(lv);
}

static void *lv_read(JsonObject *row)
{
    const char *name = field_text(row, "lv_name");
    uint64_t size;
    if (!name || !*name || !field_bytes(row, "lv_size", &size))
        return NULL;
    vd_lvm_lv *lv = g_new0(vd_lvm_lv, 1);
    lv->name = g_strdup(name);
    lv->size = size;
    return lv;
}

GPtrArray *vd_lvm_parse_lvs(const char *json, vd_error **err)
{
    return read_rows(json, "lv", lv_read, (GDestroyNotify)lv_free, err);
}

static void pv_free(vd_lvm_pv *pv)
{
    g_free(pv->device);
    g_free(pv->vg);
    g_free(pv);
}

static void *pv_read(JsonObject *row)
{
    const char *device = field_text(row, "pv_name");
    const char *vg = field_text(row, "vg_name");
    if (!device || !*device)
        return NULL;
    vd_lvm_pv *pv = g_new0(vd_lvm_pv, 1);
    pv->device = g_strdup(device);
    pv->vg = g_strdup(vg ? vg : "");
    return pv;
}

GPtrArray *vd_lvm_parse_pvs(const char *json, vd_error **err)
{
    return read_rows(json, "pv", pv_read, (GDestroyNotify)pv_free, err);
}

bool vd_lvm_vg_info(const char *vg, vd_lvm_vg *out, vd_error **err)
{
    const char *args[] = {REPORT_ARGS, "-o", "vg_name,vg_size,vg_free,vg_extent_size", vg, NULL};
    g_autofree char *json = NULL;
    g_autofree char *what = g_strdup_printf("volume group '%s'", vg);
    return vd_lvm_run("vgs", args, what, &json, err) && vd_lvm_parse_vg(json, out, err);
}

GPtrArray *vd_lvm_lv_list(const char *vg, const char *lv, vd_error **err)
{
    g_autofree char *name = lv ? g_strdup_printf("%s/%s", vg, lv) : g_strdup(vg);
    const char *args[] = {REPORT_ARGS, "-o", "lv_name,lv_size", name, NULL};
    g_autofree char *json = NULL;
    g_autofree char *what = g_strdup_printf("%s '%s'", lv ? "volume" : "volume group", name);
    return vd_lvm_run("lvs", args, what, &json, err) ? vd_lvm_parse_lvs(json, err) : NULL;
}

GPtrArray *vd_lvm_pv_list(vd_error **err)
{
    const char *args[] = {REPORT_ARGS, "-o", "pv_name,vg_name", NULL};
    g_autofree char *json = NULL;
    return vd_lvm_run("pvs", args, "the physical volumes", &json, err) ? vd_lvm_parse_pvs(json, err)
                                                                       : NULL;
}
