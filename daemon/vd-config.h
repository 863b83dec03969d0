/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * virtvireod's settings: built-in defaults, then the config file (GKeyFile, documented in
 * virtvireod.conf), then the command line. Every path hangs off one root directory so a
 * test or an unprivileged user can run a private instance (--root DIR).
 */
#ifndef VD_CONFIG_H
#define VD_CONFIG_H

#include <glib.h>
#include <stdbool.h>

typedef struct vd_config {
    char *root;          /* "" for the real system, else the private root */
    char *config_file;   /* ROOT/etc/vireo/virtvireod.conf unless --config */
    char *domains_dir;   /* ROOT/etc/vireo/domains: persistent definitions */
    char *autostart_dir; /* ROOT/etc/vireo/autostart: links to autostarted definitions */
    char *state_dir;     /* ROOT/run/vireo: one status file per running domain */
    char *sock_rw;       /* ROOT/run/libvirt/virtvireod-sock */
    char *sock_ro;       /* ROOT/run/libvirt/virtvireod-sock-ro, NULL when disabled */
    unsigned sock_rw_perms;
    bool auth_polkit; /* non-root clients on the rw socket need polkit */
    bool listen_tcp;
    char *tcp_address;
    unsigned tcp_port;
    bool listen_tls; /* [tls]: vireo+tls://, see driver-libvirt/vd-rpc.h */
    char *tls_address;
    unsigned tls_port;
    char *tls_ca_file;   /* ROOT/etc/pki/CA/cacert.pem, libvirt's layout */
    char *tls_crl_file;  /* NULL = none */
    char *tls_cert_file; /* ROOT/etc/pki/libvirt/servercert.pem */
    char *tls_key_file;  /* ROOT/etc/pki/libvirt/private/serverkey.pem */
    char *tls_priority;  /* NULL = GnuTLS "NORMAL" */
    bool tls_no_verify_certificate;
    unsigned tls_handshake_timeout; /* seconds; 0 = no limit */
    unsigned max_clients;
    int keepalive_interval;
    unsigned keepalive_count;
    unsigned timeout;     /* seconds idle before exiting, 0 = never */
    unsigned job_wait_ms; /* how long a change waits for another's job on its domain */
    char *hv_device;      /* /dev/vireo */
    char *emulator;       /* the device model advertised in capabilities */
    char *bootloader;     /* vireo-bootloader: a domain without <kernel> boots its disk's */
    char *host_uuid;      /* NULL: SMBIOS, /etc/machine-id or kept (vd-host.h) */
    char *uri;            /* what CONNECT_GET_URI answers */
    bool network_default; /* [network] default: a fresh daemon defines 'default' (virbr0);
                             defaults to on only without --root */
} vd_config;

/* Defaults for `root` (NULL or "" = the real system). */
vd_config *vd_config_new(const char *root);
void vd_config_free(vd_config *cfg);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(vd_config, vd_config_free)

/* Reads `path` over the current values. A missing file is fine when !required. */
bool vd_config_load(vd_config *cfg, const char *path, bool required, GError **err);

/* Creates the directories the daemon writes into. */
bool vd_config_make_dirs(const vd_config *cfg, GError **err);

#endif /* VD_CONFIG_H */
