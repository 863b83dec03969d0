/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The procedures virtvireod serves: number, libvirt API name, argument and result shapes,
 * handler, and when the call is allowed. Sorted by number (a unit test checks).
 * Every number not listed is answered "not supported" by rpc-dispatch.c.
 */
#include <stdlib.h>

#include "rpc-events.h"
#include "rpc-procs.h"
#include "rpc-stream.h"

#define ARGS(t) (xdrproc_t)xdr_##t, sizeof(t)
#define RET(t) (xdrproc_t)xdr_##t, sizeof(t)
#define NONE (xdrproc_t)xdr_nothing, 0

/* libtirpc declares xdr_void without parameters; this one has xdrproc_t's shape. */
static bool_t xdr_nothing(XDR *xdr, void *obj)
{
    (void)xdr;
    (void)obj;
    return TRUE;
}

/* Shorthands for the flags column. */
#define EARLY (VD_RPC_PROC_BEFORE_OPEN | VD_RPC_PROC_BEFORE_AUTH | VD_RPC_PROC_INLINE)
#define INL VD_RPC_PROC_INLINE
#define CHG VD_RPC_PROC_CHANGES

static const vd_rpc_proc procs[] = {
    { 1, "virConnectOpen", ARGS(vd_wire_connect_open_args), NONE, vd_rpc_connect_open,
      VD_RPC_PROC_BEFORE_OPEN | INL },
    { 2, "virConnectClose", NONE, NONE, vd_rpc_connect_close, INL },
    { 3, "virConnectGetType", NONE, RET(vd_wire_string_ret), vd_rpc_connect_get_type, 0 },
    { 4, "virConnectGetVersion", NONE, RET(vd_wire_uhyper_ret), vd_rpc_connect_get_version,
      0 },
    { 5, "virConnectGetMaxVcpus", ARGS(vd_wire_opt_string_arg), RET(vd_wire_int_ret),
      vd_rpc_connect_get_max_vcpus, 0 },
    { 6, "virNodeGetInfo", NONE, RET(vd_wire_node_get_info_ret), vd_rpc_node_get_info, 0 },
    { 7, "virConnectGetCapabilities", NONE, RET(vd_wire_string_ret),
      vd_rpc_connect_get_capabilities, 0 },
    { 9, "virDomainCreate", ARGS(vd_wire_dom_arg), NONE, vd_rpc_domain_create, CHG },
    { 10, "virDomainCreateXML", ARGS(vd_wire_xml_flags_arg), RET(vd_wire_dom_ret),
      vd_rpc_domain_create_xml, CHG },
    { 11, "virDomainDefineXML", ARGS(vd_wire_string_arg), RET(vd_wire_dom_ret),
      vd_rpc_domain_define_xml, CHG },
    { 12, "virDomainDestroy", ARGS(vd_wire_dom_arg), NONE, vd_rpc_domain_destroy, CHG },
    { 14, "virDomainGetXMLDesc", ARGS(vd_wire_dom_flags_arg), RET(vd_wire_string_ret),
      vd_rpc_domain_get_xml_desc, 0 },
    { 15, "virDomainGetAutostart", ARGS(vd_wire_dom_arg), RET(vd_wire_int_ret),
      vd_rpc_domain_get_autostart, 0 },
    { 16, "virDomainGetInfo", ARGS(vd_wire_dom_arg), RET(vd_wire_domain_get_info_ret),
      vd_rpc_domain_get_info, 0 },
    { 17, "virDomainGetMaxMemory", ARGS(vd_wire_dom_arg), RET(vd_wire_uhyper_ret),
      vd_rpc_domain_get_max_memory, 0 },
    { 18, "virDomainGetMaxVcpus", ARGS(vd_wire_dom_arg), RET(vd_wire_int_ret),
      vd_rpc_domain_get_max_vcpus, 0 },
    { 19, "virDomainGetOSType", ARGS(vd_wire_dom_arg), RET(vd_wire_string_ret),
      vd_rpc_domain_get_os_type, 0 },
    { 20, "virDomainGetVcpus", ARGS(vd_wire_domain_get_vcpus_args),
      RET(vd_wire_domain_get_vcpus_ret), vd_rpc_domain_get_vcpus, 0 },
    { 21, "virConnectListDefinedDomains", ARGS(vd_wire_int_arg), RET(vd_wire_list_names_ret),
      vd_rpc_connect_list_defined_domains, 0 },
    { 22, "virDomainLookupByID", ARGS(vd_wire_int_arg), RET(vd_wire_dom_ret),
      vd_rpc_domain_lookup_by_id, 0 },
    { 23, "virDomainLookupByName", ARGS(vd_wire_string_arg), RET(vd_wire_dom_ret),
      vd_rpc_domain_lookup_by_name, 0 },
    { 24, "virDomainLookupByUUID", ARGS(vd_wire_uuid_arg), RET(vd_wire_dom_ret),
      vd_rpc_domain_lookup_by_uuid, 0 },
    { 25, "virConnectNumOfDefinedDomains", NONE, RET(vd_wire_int_ret),
      vd_rpc_connect_num_of_defined_domains, 0 },
    { 27, "virDomainReboot", ARGS(vd_wire_dom_flags_arg), NONE, vd_rpc_domain_reboot, CHG },
    { 28, "virDomainResume", ARGS(vd_wire_dom_arg), NONE, vd_rpc_domain_resume, CHG },
    { 29, "virDomainSetAutostart", ARGS(vd_wire_dom_int_arg), NONE, vd_rpc_domain_set_autostart,
      CHG },
    { 30, "virDomainSetMaxMemory", ARGS(vd_wire_dom_uhyper_arg), NONE,
      vd_rpc_domain_set_max_memory, CHG },
    { 31, "virDomainSetMemory", ARGS(vd_wire_dom_uhyper_arg), NONE, vd_rpc_domain_set_memory,
      CHG },
    { 32, "virDomainSetVcpus", ARGS(vd_wire_dom_uint_arg), NONE, vd_rpc_domain_set_vcpus, CHG },
    { 33, "virDomainShutdown", ARGS(vd_wire_dom_arg), NONE, vd_rpc_domain_shutdown, CHG },
    { 34, "virDomainSuspend", ARGS(vd_wire_dom_arg), NONE, vd_rpc_domain_suspend, CHG },
    { 35, "virDomainUndefine", ARGS(vd_wire_dom_arg), NONE, vd_rpc_domain_undefine, CHG },
    { 37, "virConnectListDomains", ARGS(vd_wire_int_arg), RET(vd_wire_list_ids_ret),
      vd_rpc_connect_list_domains, 0 },
    { 51, "virConnectNumOfDomains", NONE, RET(vd_wire_int_ret), vd_rpc_connect_num_of_domains,
      0 },
    { 56, "virDomainGetSchedulerType", ARGS(vd_wire_dom_arg),
      RET(vd_wire_domain_get_scheduler_type_ret), vd_rpc_domain_get_scheduler_type, 0 },
    { 57, "virDomainGetSchedulerParameters", ARGS(vd_wire_domain_get_scheduler_parameters_args),
      RET(vd_wire_sched_params_ret), vd_rpc_domain_get_scheduler_parameters, 0 },
    { 58, "virDomainSetSchedulerParameters", ARGS(vd_wire_domain_set_scheduler_parameters_args),
      NONE, vd_rpc_domain_set_scheduler_parameters, CHG },
    { 59, "virConnectGetHostname", NONE, RET(vd_wire_string_ret), vd_rpc_connect_get_hostname,
      0 },
    { 60, "virConnectSupportsFeature", ARGS(vd_wire_int_arg), RET(vd_wire_int_ret),
      vd_rpc_connect_supports_feature, VD_RPC_PROC_BEFORE_OPEN | INL },
    { 66, "virConnectAuthList", NONE, RET(vd_wire_auth_list_ret), vd_rpc_auth_list, EARLY },
    { 70, "virConnectAuthPolkit", NONE, RET(vd_wire_int_ret), vd_rpc_auth_polkit,
      VD_RPC_PROC_BEFORE_OPEN | VD_RPC_PROC_BEFORE_AUTH },
    { 101, "virNodeGetCellsFreeMemory", ARGS(vd_wire_node_get_cells_free_memory_args),
      RET(vd_wire_node_get_cells_free_memory_ret), vd_rpc_node_get_cells_free_memory, 0 },
    { 102, "virNodeGetFreeMemory", NONE, RET(vd_wire_uhyper_ret), vd_rpc_node_get_free_memory,
      0 },
    { 105, "virConnectDomainEventRegister", NONE, RET(vd_wire_int_ret), vd_rpc_event_register,
      INL },
    { 106, "virConnectDomainEventDeregister", NONE, RET(vd_wire_int_ret),
      vd_rpc_event_deregister, INL },
    { 110, "virConnectGetURI", NONE, RET(vd_wire_string_ret), vd_rpc_connect_get_uri, INL },
    { 122, "virNodeGetSecurityModel", NONE, RET(vd_wire_node_get_security_model_ret),
      vd_rpc_node_get_security_model, INL },
    { 149, "virConnectIsSecure", NONE, RET(vd_wire_int_ret), vd_rpc_connect_is_secure, INL },
    { 150, "virDomainIsActive", ARGS(vd_wire_dom_arg), RET(vd_wire_int_ret),
      vd_rpc_domain_is_active, 0 },
    { 151, "virDomainIsPersistent", ARGS(vd_wire_dom_arg), RET(vd_wire_int_ret),
      vd_rpc_domain_is_persistent, 0 },
    { 157, "virConnectGetLibVersion", NONE, RET(vd_wire_uhyper_ret),
      vd_rpc_connect_get_lib_version, INL },
    { 159, "virDomainMemoryStats", ARGS(vd_wire_domain_memory_stats_args),
      RET(vd_wire_domain_memory_stats_ret), vd_rpc_domain_memory_stats, 0 },
    { 167, "virConnectDomainEventRegisterAny", ARGS(vd_wire_int_arg), NONE,
      vd_rpc_event_register_any, INL },
    { 168, "virConnectDomainEventDeregisterAny", ARGS(vd_wire_int_arg), NONE,
      vd_rpc_event_deregister_any, INL },
    { 196, "virDomainCreateWithFlags", ARGS(vd_wire_dom_flags_arg), RET(vd_wire_dom_ret),
      vd_rpc_domain_create_with_flags, CHG },
    { 199, "virDomainSetVcpusFlags", ARGS(vd_wire_dom_uint_flags_arg), NONE,
      vd_rpc_domain_set_vcpus_flags, CHG },
    { 200, "virDomainGetVcpusFlags", ARGS(vd_wire_dom_flags_arg), RET(vd_wire_int_ret),
      vd_rpc_domain_get_vcpus_flags, 0 },
    { 201, "virDomainOpenConsole", ARGS(vd_wire_domain_open_console_args), NONE,
      vd_rpc_domain_open_console, CHG },
    { 204, "virDomainSetMemoryFlags", ARGS(vd_wire_dom_uhyper_flags_arg), NONE,
      vd_rpc_domain_set_memory_flags, CHG },
    { 212, "virDomainGetState", ARGS(vd_wire_dom_flags_arg), RET(vd_wire_domain_get_state_ret),
      vd_rpc_domain_get_state, 0 },
    { 219, "virDomainSetSchedulerParametersFlags",
      ARGS(vd_wire_domain_set_scheduler_parameters_flags_args), NONE,
      vd_rpc_domain_set_scheduler_parameters_flags, CHG },
    { 223, "virDomainGetSchedulerParametersFlags",
      ARGS(vd_wire_domain_get_scheduler_parameters_flags_args), RET(vd_wire_sched_params_ret),
      vd_rpc_domain_get_scheduler_parameters_flags, 0 },
    { 228, "virNodeGetMemoryStats", ARGS(vd_wire_node_get_memory_stats_args),
      RET(vd_wire_node_get_memory_stats_ret), vd_rpc_node_get_memory_stats, 0 },
    { 230, "virDomainGetVcpuPinInfo", ARGS(vd_wire_domain_get_vcpu_pin_info_args),
      RET(vd_wire_domain_get_vcpu_pin_info_ret), vd_rpc_domain_get_vcpu_pin_info, 0 },
    { 231, "virDomainUndefineFlags", ARGS(vd_wire_dom_flags_arg), NONE,
      vd_rpc_domain_undefine_flags, CHG },
    { 234, "virDomainDestroyFlags", ARGS(vd_wire_dom_flags_arg), NONE,
      vd_rpc_domain_destroy_flags, CHG },
    { 245, "virDomainReset", ARGS(vd_wire_dom_flags_arg), NONE, vd_rpc_domain_reset, CHG },
    { 258, "virDomainShutdownFlags", ARGS(vd_wire_dom_flags_arg), NONE,
      vd_rpc_domain_shutdown_flags, CHG },
    { 264, "virDomainSetMetadata", ARGS(vd_wire_domain_set_metadata_args), NONE,
      vd_rpc_domain_set_metadata, CHG },
    { 265, "virDomainGetMetadata", ARGS(vd_wire_domain_get_metadata_args),
      RET(vd_wire_string_ret), vd_rpc_domain_get_metadata, 0 },
    { 273, "virConnectListAllDomains", ARGS(vd_wire_list_all_args),
      RET(vd_wire_list_all_domains_ret), vd_rpc_connect_list_all_domains, 0 },
    { 293, "virNodeGetCPUMap", ARGS(vd_wire_node_get_cpu_map_args),
      RET(vd_wire_node_get_cpu_map_ret), vd_rpc_node_get_cpu_map, 0 },
    { 316, "virConnectDomainEventRegisterAny", ARGS(vd_wire_event_callback_register_args),
      RET(vd_wire_int_ret), vd_rpc_event_callback_register, INL },
    { 317, "virConnectDomainEventDeregisterAny", ARGS(vd_wire_int_arg), NONE,
      vd_rpc_event_callback_deregister, INL },
    { 342, "virConnectGetDomainCapabilities",
      ARGS(vd_wire_connect_get_domain_capabilities_args), RET(vd_wire_string_ret),
      vd_rpc_connect_get_domain_capabilities, 0 },
    { 344, "virConnectGetAllDomainStats", ARGS(vd_wire_get_all_domain_stats_args),
      RET(vd_wire_get_all_domain_stats_ret), vd_rpc_connect_get_all_domain_stats, 0 },
    { 350, "virDomainDefineXMLFlags", ARGS(vd_wire_xml_flags_arg), RET(vd_wire_dom_ret),
      vd_rpc_domain_define_xml_flags, CHG },
    { 358, "virDomainRename", ARGS(vd_wire_domain_rename_args), RET(vd_wire_int_ret),
      vd_rpc_domain_rename, CHG },
    { 360, "virConnectRegisterCloseCallback", NONE, NONE, vd_rpc_connect_close_callback, INL },
    { 361, "virConnectUnregisterCloseCallback", NONE, NONE, vd_rpc_connect_close_callback,
      INL },
};

static int compare_number(const void *key, const void *elem)
{
    int n = *(const int *)key;
    const vd_rpc_proc *p = elem;

    return (n > p->number) - (n < p->number);
}

const vd_rpc_proc *vd_rpc_proc_find(int number)
{
    return bsearch(&number, procs, G_N_ELEMENTS(procs), sizeof(procs[0]), compare_number);
}

const vd_rpc_proc *vd_rpc_proc_table(size_t *n)
{
    *n = G_N_ELEMENTS(procs);
    return procs;
}
