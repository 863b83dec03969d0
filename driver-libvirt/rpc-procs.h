/* SPDX-License-Identifier: GPL-2.0-only */
/* Handlers of the remote procedures served; the table mapping numbers to them is rpc-procs.c. */
#ifndef VD_RPC_PROCS_H
#define VD_RPC_PROCS_H

#include "rpc-internal.h"

#define VD_RPC_HANDLER(name)                                                                       \
    bool vd_rpc_##name(vd_rpc_call *call, void *args, void *ret, vd_error **err)

/* rpc-procs-connect.c */
VD_RPC_HANDLER(connect_open);
VD_RPC_HANDLER(connect_close);
VD_RPC_HANDLER(connect_supports_feature);
VD_RPC_HANDLER(auth_list);
VD_RPC_HANDLER(auth_polkit);
VD_RPC_HANDLER(connect_get_type);
VD_RPC_HANDLER(connect_get_version);
VD_RPC_HANDLER(connect_get_lib_version);
VD_RPC_HANDLER(connect_get_hostname);
VD_RPC_HANDLER(connect_get_uri);
VD_RPC_HANDLER(connect_is_secure);
VD_RPC_HANDLER(connect_close_callback);
VD_RPC_HANDLER(node_get_info);
VD_RPC_HANDLER(connect_get_capabilities);
VD_RPC_HANDLER(connect_get_sysinfo);
VD_RPC_HANDLER(connect_get_domain_capabilities);
VD_RPC_HANDLER(node_get_security_model);
VD_RPC_HANDLER(connect_get_max_vcpus);
VD_RPC_HANDLER(node_get_free_memory);
VD_RPC_HANDLER(node_get_cells_free_memory);
VD_RPC_HANDLER(node_get_memory_stats);
VD_RPC_HANDLER(node_get_cpu_map);

/* rpc-procs-domain.c */
VD_RPC_HANDLER(domain_lookup_by_name);
VD_RPC_HANDLER(domain_lookup_by_uuid);
VD_RPC_HANDLER(domain_lookup_by_id);
VD_RPC_HANDLER(connect_list_all_domains);
VD_RPC_HANDLER(connect_num_of_domains);
VD_RPC_HANDLER(connect_num_of_defined_domains);
VD_RPC_HANDLER(connect_list_domains);
VD_RPC_HANDLER(connect_list_defined_domains);
VD_RPC_HANDLER(domain_define_xml);
VD_RPC_HANDLER(domain_define_xml_flags);
VD_RPC_HANDLER(domain_create_xml);
VD_RPC_HANDLER(domain_undefine);
VD_RPC_HANDLER(domain_undefine_flags);
VD_RPC_HANDLER(domain_get_xml_desc);
VD_RPC_HANDLER(domain_get_autostart);
VD_RPC_HANDLER(domain_set_autostart);
VD_RPC_HANDLER(domain_is_active);
VD_RPC_HANDLER(domain_is_persistent);
VD_RPC_HANDLER(domain_get_os_type);
VD_RPC_HANDLER(domain_create);
VD_RPC_HANDLER(domain_create_with_flags);
VD_RPC_HANDLER(domain_destroy);
VD_RPC_HANDLER(domain_destroy_flags);
VD_RPC_HANDLER(domain_shutdown);
VD_RPC_HANDLER(domain_shutdown_flags);
VD_RPC_HANDLER(domain_reboot);
VD_RPC_HANDLER(domain_reset);
VD_RPC_HANDLER(domain_suspend);
VD_RPC_HANDLER(domain_save);
VD_RPC_HANDLER(domain_save_flags);
VD_RPC_HANDLER(domain_restore);
VD_RPC_HANDLER(domain_restore_flags);
VD_RPC_HANDLER(domain_save_image_get_xml_desc);
VD_RPC_HANDLER(domain_save_image_define_xml);
VD_RPC_HANDLER(domain_managed_save);
VD_RPC_HANDLER(domain_has_managed_save_image);
VD_RPC_HANDLER(domain_managed_save_remove);
VD_RPC_HANDLER(domain_abort_job);
VD_RPC_HANDLER(domain_migrate_begin3_params);
VD_RPC_HANDLER(domain_migrate_prepare3_params);
VD_RPC_HANDLER(domain_migrate_perform3_params);
VD_RPC_HANDLER(domain_migrate_finish3_params);
VD_RPC_HANDLER(domain_migrate_confirm3_params);
VD_RPC_HANDLER(domain_migrate_set_max_downtime);
VD_RPC_HANDLER(domain_migrate_set_max_speed);
VD_RPC_HANDLER(domain_migrate_get_max_speed);
VD_RPC_HANDLER(domain_migrate_get_max_downtime);
VD_RPC_HANDLER(domain_resume);
VD_RPC_HANDLER(domain_get_info);
VD_RPC_HANDLER(domain_get_max_memory);
VD_RPC_HANDLER(domain_get_state);
VD_RPC_HANDLER(domain_set_max_memory);
VD_RPC_HANDLER(domain_set_memory);
VD_RPC_HANDLER(domain_set_memory_flags);
VD_RPC_HANDLER(domain_set_memory_stats_period);
VD_RPC_HANDLER(domain_attach_device_flags);
VD_RPC_HANDLER(domain_detach_device_flags);
VD_RPC_HANDLER(domain_set_vcpus);
VD_RPC_HANDLER(domain_set_vcpus_flags);
VD_RPC_HANDLER(domain_get_vcpus_flags);
VD_RPC_HANDLER(domain_get_scheduler_type);
VD_RPC_HANDLER(domain_get_scheduler_parameters);
VD_RPC_HANDLER(domain_get_scheduler_parameters_flags);
VD_RPC_HANDLER(domain_set_scheduler_parameters);
VD_RPC_HANDLER(domain_set_scheduler_parameters_flags);
VD_RPC_HANDLER(connect_get_all_domain_stats);
VD_RPC_HANDLER(domain_get_max_vcpus);
VD_RPC_HANDLER(domain_get_vcpus);
VD_RPC_HANDLER(domain_get_vcpu_pin_info);
VD_RPC_HANDLER(domain_memory_stats);
VD_RPC_HANDLER(domain_get_block_info);
VD_RPC_HANDLER(domain_block_stats);
VD_RPC_HANDLER(domain_block_stats_flags);
VD_RPC_HANDLER(domain_interface_stats);
VD_RPC_HANDLER(domain_get_metadata);
VD_RPC_HANDLER(domain_set_metadata);
VD_RPC_HANDLER(domain_rename);

/* rpc-procs-domain-info.c */
VD_RPC_HANDLER(domain_get_job_info);
VD_RPC_HANDLER(domain_get_job_stats);

/* rpc-procs-pool.c */
VD_RPC_HANDLER(list_all_pools);
VD_RPC_HANDLER(list_defined_pools);
VD_RPC_HANDLER(list_pools);
VD_RPC_HANDLER(num_of_defined_pools);
VD_RPC_HANDLER(num_of_pools);
VD_RPC_HANDLER(pool_build);
VD_RPC_HANDLER(pool_create);
VD_RPC_HANDLER(pool_create_xml);
VD_RPC_HANDLER(pool_define_xml);
VD_RPC_HANDLER(pool_delete);
VD_RPC_HANDLER(pool_destroy);
VD_RPC_HANDLER(pool_get_autostart);
VD_RPC_HANDLER(pool_get_info);
VD_RPC_HANDLER(pool_get_xml_desc);
VD_RPC_HANDLER(pool_is_active);
VD_RPC_HANDLER(pool_is_persistent);
VD_RPC_HANDLER(pool_lookup_by_name);
VD_RPC_HANDLER(pool_lookup_by_uuid);
VD_RPC_HANDLER(pool_lookup_by_volume);
VD_RPC_HANDLER(pool_lookup_by_target_path);
VD_RPC_HANDLER(pool_refresh);
VD_RPC_HANDLER(pool_set_autostart);
VD_RPC_HANDLER(pool_undefine);

/* rpc-procs-volume.c (streams: rpc-stream-volume.h) */
VD_RPC_HANDLER(pool_list_all_volumes);
VD_RPC_HANDLER(pool_list_volumes);
VD_RPC_HANDLER(pool_num_of_volumes);
VD_RPC_HANDLER(vol_create_xml);
VD_RPC_HANDLER(vol_create_xml_from);
VD_RPC_HANDLER(vol_delete);
VD_RPC_HANDLER(vol_get_info);
VD_RPC_HANDLER(vol_get_info_flags);
VD_RPC_HANDLER(vol_get_path);
VD_RPC_HANDLER(vol_get_xml_desc);
VD_RPC_HANDLER(vol_lookup_by_key);
VD_RPC_HANDLER(vol_lookup_by_name);
VD_RPC_HANDLER(vol_lookup_by_path);
VD_RPC_HANDLER(vol_resize);
VD_RPC_HANDLER(vol_wipe);
VD_RPC_HANDLER(vol_wipe_pattern);

/* rpc-procs-absent.c */
VD_RPC_HANDLER(list_all_absent);
VD_RPC_HANDLER(node_list_devices);
VD_RPC_HANDLER(node_num_of_devices);
VD_RPC_HANDLER(node_device_event_register);
VD_RPC_HANDLER(node_device_event_deregister);
/* rpc-procs-network.c */
VD_RPC_HANDLER(network_lookup_by_name);
VD_RPC_HANDLER(network_lookup_by_uuid);
VD_RPC_HANDLER(connect_list_all_networks);
VD_RPC_HANDLER(connect_num_of_networks);
VD_RPC_HANDLER(connect_num_of_defined_networks);
VD_RPC_HANDLER(connect_list_networks);
VD_RPC_HANDLER(connect_list_defined_networks);
VD_RPC_HANDLER(network_define_xml);
VD_RPC_HANDLER(network_create_xml);
VD_RPC_HANDLER(network_create);
VD_RPC_HANDLER(network_destroy);
VD_RPC_HANDLER(network_undefine);
VD_RPC_HANDLER(network_get_xml_desc);
VD_RPC_HANDLER(network_get_bridge_name);
VD_RPC_HANDLER(network_get_autostart);
VD_RPC_HANDLER(network_set_autostart);
VD_RPC_HANDLER(network_is_active);
VD_RPC_HANDLER(network_is_persistent);
VD_RPC_HANDLER(network_update);
VD_RPC_HANDLER(network_get_dhcp_leases);

/* rpc-events-network.c */
VD_RPC_HANDLER(network_event_register_any);
VD_RPC_HANDLER(network_event_deregister_any);

#endif /* VD_RPC_PROCS_H */
