/* SPDX-License-Identifier: GPL-2.0-only */
/* Defaults, the key file and the directory layout under the daemon's root. */
#include "vd-config.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <string.h>

vd_config *vd_config_new(const char *root)
{
    vd_config *cfg = g_new0(vd_config, 1);
    cfg->root = g_strdup(root ? root : "");
    const char *r = cfg->root;
    cfg->config_file = g_strconcat(r, "/etc/vireo/virtvireod.conf", NULL);
    cfg->domains_dir = g_strconcat(r, "/etc/vireo/domains", NULL);
    cfg->autostart_dir = g_strconcat(r, "/etc/vireo/autostart", NULL);
    cfg->state_dir = g_strconcat(r, "/run/vireo", NULL);
    cfg->sock_rw = g_strconcat(r, "/run/libvirt/virtvireod-sock", NULL);
    cfg->sock_ro = g_strconcat(r, "/run/libvirt/virtvireod-sock-ro", NULL);
    cfg->sock_rw_perms = 0700;
    cfg->auth_polkit = true;
    cfg->tcp_address = g_strdup("127.0.0.1");
    cfg->tcp_port = 16509;
    cfg->tls_address = g_strdup("0.0.0.0");
    cfg->tls_port = 16514;
    cfg->tls_ca_file = g_strconcat(r, "/etc/pki/CA/cacert.pem", NULL);
    cfg->tls_cert_file = g_strconcat(r, "/etc/pki/libvirt/servercert.pem", NULL);
    cfg->tls_key_file = g_strconcat(r, "/etc/pki/libvirt/private/serverkey.pem", NULL);
    cfg->tls_handshake_timeout = 30;
    cfg->keepalive_interval = 5;
    cfg->keepalive_count = 5;
    cfg->job_wait_ms = 30000; /* libvirt's QEMU driver waits 30 s for a domain's job */
    cfg->hv_device = g_strdup("/dev/vireo");
    cfg->emulator = g_strdup("/usr/libexec/vireo/vireo-dm");
    cfg->bootloader = g_strdup("/usr/libexec/vireo/vireo-bootloader");
    cfg->uri = g_strdup("vireo:///system");
    /* Only the real system gets libvirt's default network unasked: a private --root
     * instance (a test, a user's) must not touch the host's virbr0 and firewall. */
    cfg->network_default = cfg->root[0] == '\0';
    return cfg;
}

void vd_config_free(vd_config *cfg)
{
    if (!cfg)
        return;
    g_free(cfg->root);
    g_free(cfg->config_file);
    g_free(cfg->domains_dir);
    g_free(cfg->autostart_dir);
    g_free(cfg->state_dir);
    g_free(cfg->sock_rw);
    g_free(cfg->sock_ro);
    g_free(cfg->tcp_address);
    g_free(cfg->tls_address);
    g_free(cfg->tls_ca_file);
    g_free(cfg->tls_crl_file);
    g_free(cfg->tls_cert_file);
    g_free(cfg->tls_key_file);
    g_free(cfg->tls_priority);
    g_free(cfg->hv_device);
    g_free(cfg->emulator);
    g_free(cfg->bootloader);
    g_free(cfg->host_uuid);
    g_free(cfg->uri);
    g_free(cfg);
}

/* Key-file readers that leave the current value alone when the key is absent. */
static bool read_string(GKeyFile *kf, const char *group, const char *key, char **out, GError **err)
{
    if (!g_key_file_has_key(kf, group, key, NULL))
        return true;
    char *v = g_key_file_get_string(kf, group, key, err);
    if (!v)
        return false;
    g_free(*out);
    *out = v;
    return true;
}

static bool read_uint(GKeyFile *kf, const char *group, const char *key, unsigned max, unsigned *out,
                      GError **err)
{
    if (!g_key_file_has_key(kf, group, key, NULL))
        return true;
    g_autofree char *v = g_key_file_get_string(kf, group, key, err);
    guint64 n;
    if (!v)
        return false;
    /* A leading 0 means octal, as in libvirtd.conf's unix_sock_rw_perms = "0700". */
    if (!g_ascii_string_to_unsigned(v, v[0] == '0' && v[1] ? 8 : 10, 0, max, &n, NULL)) {
        g_set_error(err, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
                    "[%s] %s: '%s' is not a number in 0..%u", group, key, v, max);
        return false;
    }
    *out = n;
    return true;
}

static bool read_bool(GKeyFile *kf, const char *group, const char *key, bool *out, GError **err)
{
    if (!g_key_file_has_key(kf, group, key, NULL))
        return true;
    GError *local = NULL;
    gboolean v = g_key_file_get_boolean(kf, group, key, &local);
    if (local) {
        g_propagate_error(err, local);
        return false;
    }
    *out = v;
    return true;
}

bool vd_config_load(vd_config *cfg, const char *path, bool required, GError **err)
{
    g_autoptr(GKeyFile) kf = g_key_file_new();
    GError *local = NULL;
    if (!g_key_file_load_from_file(kf, path, G_KEY_FILE_NONE, &local)) {
        if (!required && g_error_matches(local, G_FILE_ERROR, G_FILE_ERROR_NOENT)) {
            g_error_free(local);
            return true;
        }
        g_propagate_prefixed_error(err, local, "%s: ", path);
        return false;
    }
    g_autofree char *auth = NULL;
    unsigned interval = cfg->keepalive_interval > 0 ? cfg->keepalive_interval : 0;
    bool ro_socket = cfg->sock_ro != NULL;
    bool ok =
        read_uint(kf, "daemon", "timeout", G_MAXINT, &cfg->timeout, err) &&
        read_uint(kf, "daemon", "job_wait_ms", G_MAXINT, &cfg->job_wait_ms, err) &&
        read_string(kf, "daemon", "hv_device", &cfg->hv_device, err) &&
        read_string(kf, "daemon", "emulator", &cfg->emulator, err) &&
        read_string(kf, "daemon", "bootloader", &cfg->bootloader, err) &&
        read_string(kf, "daemon", "host_uuid", &cfg->host_uuid, err) &&
        read_string(kf, "daemon", "uri", &cfg->uri, err) &&
        read_uint(kf, "daemon", "max_clients", G_MAXINT, &cfg->max_clients, err) &&
        read_uint(kf, "unix", "rw_perms", 0777, &cfg->sock_rw_perms, err) &&
        read_bool(kf, "unix", "ro_socket", &ro_socket, err) &&
        read_string(kf, "unix", "auth_rw", &auth, err) &&
        read_bool(kf, "tcp", "listen", &cfg->listen_tcp, err) &&
        read_string(kf, "tcp", "address", &cfg->tcp_address, err) &&
        read_uint(kf, "tcp", "port", 65535, &cfg->tcp_port, err) &&
        read_bool(kf, "tls", "listen", &cfg->listen_tls, err) &&
        read_string(kf, "tls", "address", &cfg->tls_address, err) &&
        read_uint(kf, "tls", "port", 65535, &cfg->tls_port, err) &&
        read_string(kf, "tls", "ca_file", &cfg->tls_ca_file, err) &&
        read_string(kf, "tls", "crl_file", &cfg->tls_crl_file, err) &&
        read_string(kf, "tls", "cert_file", &cfg->tls_cert_file, err) &&
        read_string(kf, "tls", "key_file", &cfg->tls_key_file, err) &&
        read_string(kf, "tls", "priority", &cfg->tls_priority, err) &&
        read_bool(kf, "tls", "no_verify_certificate", &cfg->tls_no_verify_certificate, err) &&
        read_uint(kf, "tls", "handshake_timeout", G_MAXINT, &cfg->tls_handshake_timeout, err) &&
        read_uint(kf, "keepalive", "interval", G_MAXINT, &interval, err) &&
        read_uint(kf, "keepalive", "count", G_MAXINT, &cfg->keepalive_count, err) &&
        read_bool(kf, "network", "default", &cfg->network_default, err);
    if (!ok) {
        g_prefix_error(err, "%s: ", path);
        return false;
    }
    if (auth && strcmp(auth, "polkit") != 0 && strcmp(auth, "none") != 0) {
        g_set_error(err, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
                    "%s: [unix] auth_rw must be 'polkit' or 'none', not '%s'", path, auth);
        return false;
    }
    if (auth)
        cfg->auth_polkit = strcmp(auth, "polkit") == 0;
    cfg->keepalive_interval = interval ? (int)interval : -1;
    if (!ro_socket)
        g_clear_pointer(&cfg->sock_ro, g_free);
    return true;
}

static bool make_dir(const char *path, int mode, GError **err)
{
    if (g_mkdir_with_parents(path, mode) == 0)
        return true;
    int e = errno;
    g_set_error(err, G_FILE_ERROR, g_file_error_from_errno(e), "cannot create %s: %s", path,
                g_strerror(e));
    return false;
}

bool vd_config_make_dirs(const vd_config *cfg, GError **err)
{
    g_autofree char *sock_dir = g_path_get_dirname(cfg->sock_rw);
    return make_dir(cfg->domains_dir, 0755, err) && make_dir(cfg->autostart_dir, 0755, err) &&
           make_dir(cfg->state_dir, 0755, err) && make_dir(sock_dir, 0755, err);
}
