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

#define ARGS(t) (xdrproc_t) xdr_##t, sizeof(t)
#define RET(t) (xdrproc_t) xdr_##t, sizeof(t)
#define NONE (xdrproc_t) xdr_nothing, 0

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
/* Reads of the domain table (its read lock for microseconds, at most one hv info call):
 * served by the reader itself, which spares a call two thread hand-offs. Lookups stay in
 * the pool: the protocol tests' driver makes one slow to prove the reader never waits. */
#define RD VD_RPC_PROC_INLINE

static const vd_rpc_proc procs[] = {
    {VD_PROC_CONNECT_OPEN, "virConnectOpen", ARGS(vd_wire_connect_open_args), NONE,
     vd_rpc_connect_open, VD_RPC_PROC_BEFORE_OPEN | INL},
    {VD_PROC_CONNECT_CLOSE, "virConnectClose", NONE, NONE, vd_rpc_connect_close, INL},
    {VD_PROC_CONNECT_GET_TYPE, "virConnectGetType", NONE, RET(vd_wire_string_ret),
     vd_rpc_connect_get_type, 0},
    {VD_PROC_CONNECT_GET_VERSION, "virConnectGetVersion", NONE, RET(vd_wire_uhyper_ret),
     vd_rpc_connect_get_version, 0},
    {VD_PROC_CONNECT_GET_MAX_VCPUS, "virConnectGetMaxVcpus", ARGS(vd_wire_opt_string_arg),
     RET(vd_wire_int_ret), vd_rpc_connect_get_max_vcpus, 0},
    {VD_PROC_NODE_GET_INFO, "virNodeGetInfo", NONE, RET(vd_wire_node_get_info_ret),
     vd_rpc_node_get_info, 0},
    {VD_PROC_CONNECT_GET_CAPABILITIES, "virConnectGetCapabilities", NONE, RET(vd_wire_string_ret),
     vd_rpc_connect_get_capabilities, 0},
    {VD_PROC_DOMAIN_CREATE, "virDomainCreate", ARGS(vd_wire_dom_arg), NONE, vd_rpc_domain_create,
     CHG},
    {VD_PROC_DOMAIN_CREATE_XML, "virDomainCreateXML", ARGS(vd_wire_xml_flags_arg),
     RET(vd_wire_dom_ret), vd_rpc_domain_create_xml, CHG},
    {VD_PROC_DOMAIN_DEFINE_XML, "virDomainDefineXML", ARGS(vd_wire_string_arg),
     RET(vd_wire_dom_ret), vd_rpc_domain_define_xml, CHG},
    {VD_PROC_DOMAIN_DESTROY, "virDomainDestroy", ARGS(vd_wire_dom_arg), NONE, vd_rpc_domain_destroy,
     CHG},
    {VD_PROC_DOMAIN_GET_XML_DESC, "virDomainGetXMLDesc", ARGS(vd_wire_dom_flags_arg),
     RET(vd_wire_string_ret), vd_rpc_domain_get_xml_desc, 0},
    {VD_PROC_DOMAIN_GET_AUTOSTART, "virDomainGetAutostart", ARGS(vd_wire_dom_arg),
     RET(vd_wire_int_ret), vd_rpc_domain_get_autostart, RD},
    {VD_PROC_DOMAIN_GET_INFO, "virDomainGetInfo", ARGS(vd_wire_dom_arg),
     RET(vd_wire_domain_get_info_ret), vd_rpc_domain_get_info, RD},
    {VD_PROC_DOMAIN_GET_MAX_MEMORY, "virDomainGetMaxMemory", ARGS(vd_wire_dom_arg),
     RET(vd_wire_uhyper_ret), vd_rpc_domain_get_max_memory, 0},
    {VD_PROC_DOMAIN_GET_MAX_VCPUS, "virDomainGetMaxVcpus", ARGS(vd_wire_dom_arg),
     RET(vd_wire_int_ret), vd_rpc_domain_get_max_vcpus, 0},
    {VD_PROC_DOMAIN_GET_OS_TYPE, "virDomainGetOSType", ARGS(vd_wire_dom_arg),
     RET(vd_wire_string_ret), vd_rpc_domain_get_os_type, 0},
    {VD_PROC_DOMAIN_GET_VCPUS, "virDomainGetVcpus", ARGS(vd_wire_domain_get_vcpus_args),
     RET(vd_wire_domain_get_vcpus_ret), vd_rpc_domain_get_vcpus, 0},
    {VD_PROC_CONNECT_LIST_DEFINED_DOMAINS, "virConnectListDefinedDomains", ARGS(vd_wire_int_arg),
     RET(vd_wire_list_names_ret), vd_rpc_connect_list_defined_domains, RD},
    {VD_PROC_DOMAIN_LOOKUP_BY_ID, "virDomainLookupByID", ARGS(vd_wire_int_arg),
     RET(vd_wire_dom_ret), vd_rpc_domain_lookup_by_id, 0},
    {VD_PROC_DOMAIN_LOOKUP_BY_NAME, "virDomainLookupByName", ARGS(vd_wire_string_arg),
     RET(vd_wire_dom_ret), vd_rpc_domain_lookup_by_name, 0},
    {VD_PROC_DOMAIN_LOOKUP_BY_UUID, "virDomainLookupByUUID", ARGS(vd_wire_uuid_arg),
     RET(vd_wire_dom_ret), vd_rpc_domain_lookup_by_uuid, 0},
    {VD_PROC_CONNECT_NUM_OF_DEFINED_DOMAINS, "virConnectNumOfDefinedDomains", NONE,
     RET(vd_wire_int_ret), vd_rpc_connect_num_of_defined_domains, RD},
    {VD_PROC_DOMAIN_REBOOT, "virDomainReboot", ARGS(vd_wire_dom_flags_arg), NONE,
     vd_rpc_domain_reboot, CHG},
    {VD_PROC_DOMAIN_RESUME, "virDomainResume", ARGS(vd_wire_dom_arg), NONE, vd_rpc_domain_resume,
     CHG},
    {VD_PROC_DOMAIN_SET_AUTOSTART, "virDomainSetAutostart", ARGS(vd_wire_dom_int_arg), NONE,
     vd_rpc_domain_set_autostart, CHG},
    {VD_PROC_DOMAIN_SET_MAX_MEMORY, "virDomainSetMaxMemory", ARGS(vd_wire_dom_uhyper_arg), NONE,
     vd_rpc_domain_set_max_memory, CHG},
    {VD_PROC_DOMAIN_SET_MEMORY, "virDomainSetMemory", ARGS(vd_wire_dom_uhyper_arg), NONE,
     vd_rpc_domain_set_memory, CHG},
    {VD_PROC_DOMAIN_SET_VCPUS, "virDomainSetVcpus", ARGS(vd_wire_dom_uint_arg), NONE,
     vd_rpc_domain_set_vcpus, CHG},
    {VD_PROC_DOMAIN_SHUTDOWN, "virDomainShutdown", ARGS(vd_wire_dom_arg), NONE,
     vd_rpc_domain_shutdown, CHG},
    {VD_PROC_DOMAIN_SUSPEND, "virDomainSuspend", ARGS(vd_wire_dom_arg), NONE, vd_rpc_domain_suspend,
     CHG},
    {VD_PROC_DOMAIN_UNDEFINE, "virDomainUndefine", ARGS(vd_wire_dom_arg), NONE,
     vd_rpc_domain_undefine, CHG},
    {VD_PROC_CONNECT_LIST_DOMAINS, "virConnectListDomains", ARGS(vd_wire_int_arg),
     RET(vd_wire_list_ids_ret), vd_rpc_connect_list_domains, RD},
    {VD_PROC_CONNECT_NUM_OF_DOMAINS, "virConnectNumOfDomains", NONE, RET(vd_wire_int_ret),
     vd_rpc_connect_num_of_domains, RD},
    {VD_PROC_DOMAIN_GET_SCHEDULER_TYPE, "virDomainGetSchedulerType", ARGS(vd_wire_dom_arg),
     RET(vd_wire_domain_get_scheduler_type_ret), vd_rpc_domain_get_scheduler_type, 0},
    {VD_PROC_DOMAIN_GET_SCHEDULER_PARAMETERS, "virDomainGetSchedulerParameters",
     ARGS(vd_wire_domain_get_scheduler_parameters_args), RET(vd_wire_sched_params_ret),
     vd_rpc_domain_get_scheduler_parameters, 0},
    {VD_PROC_DOMAIN_SET_SCHEDULER_PARAMETERS, "virDomainSetSchedulerParameters",
     ARGS(vd_wire_domain_set_scheduler_parameters_args), NONE,
     vd_rpc_domain_set_scheduler_parameters, CHG},
    {VD_PROC_CONNECT_GET_HOSTNAME, "virConnectGetHostname", NONE, RET(vd_wire_string_ret),
     vd_rpc_connect_get_hostname, 0},
    {VD_PROC_CONNECT_SUPPORTS_FEATURE, "virConnectSupportsFeature", ARGS(vd_wire_int_arg),
     RET(vd_wire_int_ret), vd_rpc_connect_supports_feature, VD_RPC_PROC_BEFORE_OPEN | INL},
    {VD_PROC_AUTH_LIST, "virConnectAuthList", NONE, RET(vd_wire_auth_list_ret), vd_rpc_auth_list,
     EARLY},
    {VD_PROC_AUTH_POLKIT, "virConnectAuthPolkit", NONE, RET(vd_wire_int_ret), vd_rpc_auth_polkit,
     VD_RPC_PROC_BEFORE_OPEN | VD_RPC_PROC_BEFORE_AUTH},
    {VD_PROC_NODE_GET_CELLS_FREE_MEMORY, "virNodeGetCellsFreeMemory",
     ARGS(vd_wire_node_get_cells_free_memory_args), RET(vd_wire_node_get_cells_free_memory_ret),
     vd_rpc_node_get_cells_free_memory, 0},
    {VD_PROC_NODE_GET_FREE_MEMORY, "virNodeGetFreeMemory", NONE, RET(vd_wire_uhyper_ret),
     vd_rpc_node_get_free_memory, 0},
    {VD_PROC_CONNECT_DOMAIN_EVENT_REGISTER, "virConnectDomainEventRegister", NONE,
     RET(vd_wire_int_ret), vd_rpc_event_register, INL},
    {VD_PROC_CONNECT_DOMAIN_EVENT_DEREGISTER, "virConnectDomainEventDeregister", NONE,
     RET(vd_wire_int_ret), vd_rpc_event_deregister, INL},
    {VD_PROC_CONNECT_GET_URI, "virConnectGetURI", NONE, RET(vd_wire_string_ret),
     vd_rpc_connect_get_uri, INL},
    {VD_PROC_NODE_GET_SECURITY_MODEL, "virNodeGetSecurityModel", NONE,
     RET(vd_wire_node_get_security_model_ret), vd_rpc_node_get_security_model, INL},
    {VD_PROC_CONNECT_IS_SECURE, "virConnectIsSecure", NONE, RET(vd_wire_int_ret),
     vd_rpc_connect_is_secure, INL},
    {VD_PROC_DOMAIN_IS_ACTIVE, "virDomainIsActive", ARGS(vd_wire_dom_arg), RET(vd_wire_int_ret),
     vd_rpc_domain_is_active, RD},
    {VD_PROC_DOMAIN_IS_PERSISTENT, "virDomainIsPersistent", ARGS(vd_wire_dom_arg),
     RET(vd_wire_int_ret), vd_rpc_domain_is_persistent, RD},
    {VD_PROC_CONNECT_GET_LIB_VERSION, "virConnectGetLibVersion", NONE, RET(vd_wire_uhyper_ret),
     vd_rpc_connect_get_lib_version, INL},
    {VD_PROC_DOMAIN_MEMORY_STATS, "virDomainMemoryStats", ARGS(vd_wire_domain_memory_stats_args),
     RET(vd_wire_domain_memory_stats_ret), vd_rpc_domain_memory_stats, 0},
    {VD_PROC_DOMAIN_GET_JOB_INFO, "virDomainGetJobInfo", ARGS(vd_wire_dom_arg),
     RET(vd_wire_domain_get_job_info_ret), vd_rpc_domain_get_job_info, 0},
    {VD_PROC_CONNECT_DOMAIN_EVENT_REGISTER_ANY, "virConnectDomainEventRegisterAny",
     ARGS(vd_wire_int_arg), NONE, vd_rpc_event_register_any, INL},
    {VD_PROC_CONNECT_DOMAIN_EVENT_DEREGISTER_ANY, "virConnectDomainEventDeregisterAny",
     ARGS(vd_wire_int_arg), NONE, vd_rpc_event_deregister_any, INL},
    {VD_PROC_DOMAIN_CREATE_WITH_FLAGS, "virDomainCreateWithFlags", ARGS(vd_wire_dom_flags_arg),
     RET(vd_wire_dom_ret), vd_rpc_domain_create_with_flags, CHG},
    {VD_PROC_DOMAIN_SET_VCPUS_FLAGS, "virDomainSetVcpusFlags", ARGS(vd_wire_dom_uint_flags_arg),
     NONE, vd_rpc_domain_set_vcpus_flags, CHG},
    {VD_PROC_DOMAIN_GET_VCPUS_FLAGS, "virDomainGetVcpusFlags", ARGS(vd_wire_dom_flags_arg),
     RET(vd_wire_int_ret), vd_rpc_domain_get_vcpus_flags, 0},
    {VD_PROC_DOMAIN_OPEN_CONSOLE, "virDomainOpenConsole", ARGS(vd_wire_domain_open_console_args),
     NONE, vd_rpc_domain_open_console, CHG},
    {VD_PROC_CONNECT_GET_SYSINFO, "virConnectGetSysinfo", ARGS(vd_wire_flags_arg),
     RET(vd_wire_string_ret), vd_rpc_connect_get_sysinfo, 0},
    {VD_PROC_DOMAIN_SET_MEMORY_FLAGS, "virDomainSetMemoryFlags", ARGS(vd_wire_dom_uhyper_flags_arg),
     NONE, vd_rpc_domain_set_memory_flags, CHG},
    {VD_PROC_DOMAIN_GET_STATE, "virDomainGetState", ARGS(vd_wire_dom_flags_arg),
     RET(vd_wire_domain_get_state_ret), vd_rpc_domain_get_state, RD},
    {VD_PROC_DOMAIN_SET_SCHEDULER_PARAMETERS_FLAGS, "virDomainSetSchedulerParametersFlags",
     ARGS(vd_wire_domain_set_scheduler_parameters_flags_args), NONE,
     vd_rpc_domain_set_scheduler_parameters_flags, CHG},
    {VD_PROC_DOMAIN_GET_SCHEDULER_PARAMETERS_FLAGS, "virDomainGetSchedulerParametersFlags",
     ARGS(vd_wire_domain_get_scheduler_parameters_flags_args), RET(vd_wire_sched_params_ret),
     vd_rpc_domain_get_scheduler_parameters_flags, 0},
    {VD_PROC_NODE_GET_MEMORY_STATS, "virNodeGetMemoryStats",
     ARGS(vd_wire_node_get_memory_stats_args), RET(vd_wire_node_get_memory_stats_ret),
     vd_rpc_node_get_memory_stats, 0},
    {VD_PROC_DOMAIN_GET_VCPU_PIN_INFO, "virDomainGetVcpuPinInfo",
     ARGS(vd_wire_domain_get_vcpu_pin_info_args), RET(vd_wire_domain_get_vcpu_pin_info_ret),
     vd_rpc_domain_get_vcpu_pin_info, 0},
    {VD_PROC_DOMAIN_UNDEFINE_FLAGS, "virDomainUndefineFlags", ARGS(vd_wire_dom_flags_arg), NONE,
     vd_rpc_domain_undefine_flags, CHG},
    {VD_PROC_DOMAIN_DESTROY_FLAGS, "virDomainDestroyFlags", ARGS(vd_wire_dom_flags_arg), NONE,
     vd_rpc_domain_destroy_flags, CHG},
    {VD_PROC_DOMAIN_RESET, "virDomainReset", ARGS(vd_wire_dom_flags_arg), NONE, vd_rpc_domain_reset,
     CHG},
    {VD_PROC_DOMAIN_SHUTDOWN_FLAGS, "virDomainShutdownFlags", ARGS(vd_wire_dom_flags_arg), NONE,
     vd_rpc_domain_shutdown_flags, CHG},
    {VD_PROC_DOMAIN_SET_METADATA, "virDomainSetMetadata", ARGS(vd_wire_domain_set_metadata_args),
     NONE, vd_rpc_domain_set_metadata, CHG},
    {VD_PROC_DOMAIN_GET_METADATA, "virDomainGetMetadata", ARGS(vd_wire_domain_get_metadata_args),
     RET(vd_wire_string_ret), vd_rpc_domain_get_metadata, 0},
    {VD_PROC_CONNECT_LIST_ALL_DOMAINS, "virConnectListAllDomains", ARGS(vd_wire_list_all_args),
     RET(vd_wire_list_all_domains_ret), vd_rpc_connect_list_all_domains, RD},
    {VD_PROC_NODE_GET_CPU_MAP, "virNodeGetCPUMap", ARGS(vd_wire_node_get_cpu_map_args),
     RET(vd_wire_node_get_cpu_map_ret), vd_rpc_node_get_cpu_map, 0},
    {VD_PROC_DOMAIN_GET_JOB_STATS, "virDomainGetJobStats", ARGS(vd_wire_dom_flags_arg),
     RET(vd_wire_domain_get_job_stats_ret), vd_rpc_domain_get_job_stats, 0},
    {VD_PROC_CONNECT_DOMAIN_EVENT_CALLBACK_REGISTER_ANY, "virConnectDomainEventRegisterAny",
     ARGS(vd_wire_event_callback_register_args), RET(vd_wire_int_ret),
     vd_rpc_event_callback_register, INL},
    {VD_PROC_CONNECT_DOMAIN_EVENT_CALLBACK_DEREGISTER_ANY, "virConnectDomainEventDeregisterAny",
     ARGS(vd_wire_int_arg), NONE, vd_rpc_event_callback_deregister, INL},
    {VD_PROC_CONNECT_GET_DOMAIN_CAPABILITIES, "virConnectGetDomainCapabilities",
     ARGS(vd_wire_connect_get_domain_capabilities_args), RET(vd_wire_string_ret),
     vd_rpc_connect_get_domain_capabilities, 0},
    {VD_PROC_CONNECT_GET_ALL_DOMAIN_STATS, "virConnectGetAllDomainStats",
     ARGS(vd_wire_get_all_domain_stats_args), RET(vd_wire_get_all_domain_stats_ret),
     vd_rpc_connect_get_all_domain_stats, 0},
    {VD_PROC_DOMAIN_DEFINE_XML_FLAGS, "virDomainDefineXMLFlags", ARGS(vd_wire_xml_flags_arg),
     RET(vd_wire_dom_ret), vd_rpc_domain_define_xml_flags, CHG},
    {VD_PROC_DOMAIN_RENAME, "virDomainRename", ARGS(vd_wire_domain_rename_args),
     RET(vd_wire_int_ret), vd_rpc_domain_rename, CHG},
    {VD_PROC_CONNECT_REGISTER_CLOSE_CALLBACK, "virConnectRegisterCloseCallback", NONE, NONE,
     vd_rpc_connect_close_callback, INL},
    {VD_PROC_CONNECT_UNREGISTER_CLOSE_CALLBACK, "virConnectUnregisterCloseCallback", NONE, NONE,
     vd_rpc_connect_close_callback, INL},
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
