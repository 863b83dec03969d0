/* SPDX-License-Identifier: GPL-2.0-only */
/* GnuTLS credentials for the TLS listener and the per-client sessions over them, and the
 * daemon's own client sessions to other daemons. */
#define G_LOG_DOMAIN "vd-rpc"
#include "rpc-tls.h"

#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <string.h>

struct vd_rpc_tls_context {
    gnutls_certificate_credentials_t cred;
    gnutls_priority_t priority;
    bool verify_clients;
};

struct vd_rpc_tls_session {
    vd_rpc_tls_context *ctx; /* the server's, or the session's own (client side) */
    bool owns_ctx;
    gnutls_session_t session;
    char *peer_dn;
};

/* ---- the server's credentials ---------------------------------------------------------- */

static bool tls_failed(GError **err, int rc, const char *what, const char *path)
{
    g_set_error(err, G_IO_ERROR, G_IO_ERROR_FAILED, "TLS: %s %s: %s", what, path,
                gnutls_strerror(rc));
    return false;
}

/* A PEM file as a GnuTLS datum; the caller frees data with g_free. */
static bool read_pem(const char *path, const char *what, gnutls_datum_t *out, GError **err)
{
    g_autoptr(GError) local = NULL;
    char *text = NULL;
    gsize len = 0;

    if (!path || !*path) {
        g_set_error(err, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "TLS: no %s file configured",
                    what);
        return false;
    }
    if (!g_file_get_contents(path, &text, &len, &local)) {
        g_set_error(err, G_IO_ERROR, G_IO_ERROR_FAILED, "TLS: cannot read the %s: %s", what,
                    local->message);
        return false;
    }
    out->data = (unsigned char *)text;
    out->size = len;
    return true;
}

/* libvirt's start-up sanity check: the server's own certificate must chain to the CA it
 * will ask clients to chain to, and be valid now. Catches swapped or stale files before a
 * client sees a vague handshake failure. */
static bool check_server_certificate(const gnutls_datum_t *ca, const gnutls_datum_t *cert,
                                     const char *cert_path, GError **err)
{
    gnutls_x509_trust_list_t trust = NULL;
    gnutls_x509_crt_t *chain = NULL;
    unsigned chain_len = 0, status = 0;
    gnutls_datum_t why = {NULL, 0};
    bool ok = false;
    int rc;

    rc = gnutls_x509_crt_list_import2(&chain, &chain_len, cert, GNUTLS_X509_FMT_PEM, 0);
    if (rc < 0)
        return tls_failed(err, rc, "cannot parse the certificate", cert_path);
    if (gnutls_x509_trust_list_init(&trust, 0) < 0 ||
        gnutls_x509_trust_list_add_trust_mem(trust, ca, NULL, GNUTLS_X509_FMT_PEM, 0, 0) <= 0)
        goto out;
    rc = gnutls_x509_trust_list_verify_crt(trust, chain, chain_len, 0, &status, NULL);
    if (rc < 0) {
        tls_failed(err, rc, "cannot verify the certificate", cert_path);
        goto out;
    }
    if (status) {
        gnutls_certificate_verification_status_print(status, GNUTLS_CRT_X509, &why, 0);
        g_set_error(err, G_IO_ERROR, G_IO_ERROR_FAILED,
                    "TLS: the server certificate %s does not verify against the CA: %s", cert_path,
                    why.data ? (const char *)why.data : "unknown reason");
        gnutls_free(why.data);
        goto out;
    }
    ok = true;
out:
    if (!ok && err && !*err)
        g_set_error(err, G_IO_ERROR, G_IO_ERROR_FAILED, "TLS: cannot check %s", cert_path);
    if (trust)
        gnutls_x509_trust_list_deinit(trust, 1);
    for (unsigned i = 0; i < chain_len; i++)
        gnutls_x509_crt_deinit(chain[i]);
    gnutls_free(chain);
    return ok;
}

/* The CA (and CRL) to check the peer's certificate against, and our certificate and key.
 * role names them in errors: "server" or "client". */
static bool load_credentials(vd_rpc_tls_context *t, const char *role, const char *ca_file,
                             const char *crl_file, const char *cert_file, const char *key_file,
                             GError **err)
{
    gnutls_datum_t ca = {NULL, 0}, crl = {NULL, 0}, cert = {NULL, 0}, key = {NULL, 0};
    g_autofree char *cert_what = g_strdup_printf("%s certificate", role);
    g_autofree char *key_what = g_strdup_printf("%s key", role);
    bool ok = false;
    int rc;

    if (!read_pem(ca_file, "CA certificate", &ca, err) ||
        (crl_file && !read_pem(crl_file, "revocation list", &crl, err)) ||
        !read_pem(cert_file, cert_what, &cert, err) || !read_pem(key_file, key_what, &key, err))
        goto out;
    rc = gnutls_certificate_set_x509_trust_mem(t->cred, &ca, GNUTLS_X509_FMT_PEM);
    if (rc <= 0) {
        tls_failed(err, rc ? rc : GNUTLS_E_NO_CERTIFICATE_FOUND, "no usable CA certificate in",
                   ca_file);
        goto out;
    }
    if (crl.data) {
        rc = gnutls_certificate_set_x509_crl_mem(t->cred, &crl, GNUTLS_X509_FMT_PEM);
        if (rc < 0) {
            tls_failed(err, rc, "cannot use the revocation list", crl_file);
            goto out;
        }
    }
    rc = gnutls_certificate_set_x509_key_mem(t->cred, &cert, &key, GNUTLS_X509_FMT_PEM);
    if (rc < 0) {
        g_set_error(err, G_IO_ERROR, G_IO_ERROR_FAILED,
                    "TLS: cannot use the %s %s with the key %s: %s", cert_what, cert_file, key_file,
                    gnutls_strerror(rc));
        goto out;
    }
    ok = strcmp(role, "server") != 0 || check_server_certificate(&ca, &cert, cert_file, err);
out:
    g_free(ca.data);
    g_free(crl.data);
    g_free(cert.data);
    if (key.data)
        memset(key.data, 0, key.size); /* the private key does not linger in freed memory */
    g_free(key.data);
    return ok;
}

/* Credentials and a priority string: a server's (from cfg) or a client's. */
static vd_rpc_tls_context *context_new(const char *role, const char *ca_file, const char *crl_file,
                                       const char *cert_file, const char *key_file,
                                       const char *priority, GError **err)
{
    vd_rpc_tls_context *t = g_new0(vd_rpc_tls_context, 1);
    const char *bad = NULL;
    int rc;

    rc = gnutls_certificate_allocate_credentials(&t->cred);
    if (rc < 0) {
        tls_failed(err, rc, "cannot allocate", "credentials");
        goto fail;
    }
    if (!load_credentials(t, role, ca_file, crl_file, cert_file, key_file, err))
        goto fail;
    /* Finite-field DHE stays usable for old clients without generating parameters. */
    gnutls_certificate_set_known_dh_params(t->cred, GNUTLS_SEC_PARAM_MEDIUM);
    rc = gnutls_priority_init(&t->priority, priority, &bad);
    if (rc < 0) {
        g_set_error(err, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                    "TLS: invalid priority string '%s' at '%s': %s", priority, bad ? bad : "",
                    gnutls_strerror(rc));
        goto fail;
    }
    return t;

fail:
    vd_rpc_tls_context_free(t);
    return NULL;
}

vd_rpc_tls_context *vd_rpc_tls_context_new(const vd_rpc_tls_config *cfg, GError **err)
{
    vd_rpc_tls_context *t =
        context_new("server", cfg->ca_file, cfg->crl_file, cfg->cert_file, cfg->key_file,
                    cfg->priority && *cfg->priority ? cfg->priority : "NORMAL", err);
    if (t)
        t->verify_clients = !cfg->no_verify_certificate;
    return t;
}

void vd_rpc_tls_context_free(vd_rpc_tls_context *t)
{
    if (!t)
        return;
    if (t->priority)
        gnutls_priority_deinit(t->priority);
    if (t->cred)
        gnutls_certificate_free_credentials(t->cred);
    g_free(t);
}

/* ---- sessions ---------------------------------------------------------------------------- */

vd_rpc_tls_session *vd_rpc_tls_session_new(vd_rpc_tls_context *t, int fd, GError **err)
{
    vd_rpc_tls_session *s = g_new0(vd_rpc_tls_session, 1);
    int rc;

    s->ctx = t;
    rc = gnutls_init(&s->session, GNUTLS_SERVER | GNUTLS_NONBLOCK);
    if (rc < 0) {
        s->session = NULL;
        goto fail;
    }
    rc = gnutls_priority_set(s->session, t->priority);
    if (rc >= 0)
        rc = gnutls_credentials_set(s->session, GNUTLS_CRD_CERTIFICATE, t->cred);
    if (rc < 0)
        goto fail;
    /* REQUIRE makes GnuTLS end the handshake when a client offers no certificate; the
     * certificate itself is checked in check_client() once the handshake is done. */
    gnutls_certificate_server_set_request(s->session, t->verify_clients ? GNUTLS_CERT_REQUIRE
                                                                        : GNUTLS_CERT_REQUEST);
    gnutls_transport_set_int(s->session, fd);
    return s;

fail:
    tls_failed(err, rc, "cannot start a session:", "server");
    vd_rpc_tls_session_free(s);
    return NULL;
}

void vd_rpc_tls_session_free(vd_rpc_tls_session *s)
{
    if (!s)
        return;
    if (s->session)
        gnutls_deinit(s->session);
    if (s->owns_ctx)
        vd_rpc_tls_context_free(s->ctx);
    g_free(s->peer_dn);
    g_free(s);
}

static char *first_peer_dn(gnutls_session_t session)
{
    unsigned n = 0;
    const gnutls_datum_t *certs = gnutls_certificate_get_peers(session, &n);
    gnutls_x509_crt_t crt = NULL;
    gnutls_datum_t dn = {NULL, 0};
    char *out = NULL;

    if (!certs || !n || gnutls_x509_crt_init(&crt) < 0)
        return NULL;
    if (gnutls_x509_crt_import(crt, &certs[0], GNUTLS_X509_FMT_DER) >= 0 &&
        gnutls_x509_crt_get_dn3(crt, &dn, 0) >= 0)
        out = g_strndup((const char *)dn.data, dn.size);
    gnutls_free(dn.data);
    gnutls_x509_crt_deinit(crt);
    return out;
}

/* The certificate the client presented: signed by our CA (and not revoked), valid now. */
static bool check_client(vd_rpc_tls_session *s, char **failure)
{
    unsigned status = 0;
    gnutls_datum_t why = {NULL, 0};
    int rc;

    s->peer_dn = first_peer_dn(s->session);
    if (!s->ctx->verify_clients)
        return true;
    rc = gnutls_certificate_verify_peers2(s->session, &status);
    if (rc == GNUTLS_E_NO_CERTIFICATE_FOUND || (rc >= 0 && !s->peer_dn)) {
        *failure = g_strdup("TLS: the client presented no certificate");
        return false;
    }
    if (rc < 0) {
        *failure =
            g_strdup_printf("TLS: cannot verify the client certificate: %s", gnutls_strerror(rc));
        return false;
    }
    if (status) {
        gnutls_certificate_verification_status_print(status, GNUTLS_CRT_X509, &why, 0);
        *failure = g_strdup_printf("TLS: client certificate '%s' rejected: %s", s->peer_dn,
                                   why.data ? (const char *)why.data : "not trusted");
        gnutls_free(why.data);
        return false;
    }
    return true;
}

vd_rpc_tls_step vd_rpc_tls_handshake(vd_rpc_tls_session *s, char **failure)
{
    int rc;

    do {
        rc = gnutls_handshake(s->session);
        /* Warning alerts are not fatal: the handshake goes on. */
    } while (rc < 0 && rc != GNUTLS_E_AGAIN && !gnutls_error_is_fatal(rc));
    if (rc == GNUTLS_E_AGAIN)
        return gnutls_record_get_direction(s->session) ? VD_RPC_TLS_WANT_WRITE
                                                       : VD_RPC_TLS_WANT_READ;
    if (rc < 0) {
        *failure = g_strdup_printf("TLS handshake failed: %s", gnutls_strerror(rc));
        return VD_RPC_TLS_FAILED;
    }
    return check_client(s, failure) ? VD_RPC_TLS_DONE : VD_RPC_TLS_FAILED;
}

/* ---- the client side ------------------------------------------------------------------- */

/* The handshake failed: say why, naming what did not verify. */
static void client_handshake_failed(gnutls_session_t session, int rc, const char *host,
                                    GError **err)
{
    gnutls_datum_t why = {NULL, 0};

    if (rc != GNUTLS_E_CERTIFICATE_VERIFICATION_ERROR) {
        g_set_error(err, G_IO_ERROR, G_IO_ERROR_FAILED, "TLS handshake with %s failed: %s", host,
                    gnutls_strerror(rc));
        return;
    }
    gnutls_certificate_verification_status_print(gnutls_session_get_verify_cert_status(session),
                                                 GNUTLS_CRT_X509, &why, 0);
    g_set_error(err, G_IO_ERROR, G_IO_ERROR_FAILED, "TLS: the certificate of %s is not trusted: %s",
                host, why.data ? (const char *)why.data : "unknown reason");
    gnutls_free(why.data);
}

vd_rpc_tls_session *vd_rpc_tls_client_new(int fd, const char *host, const char *pkipath,
                                          bool no_verify, GError **err)
{
    g_autofree char *ca = pkipath ? g_build_filename(pkipath, "cacert.pem", NULL)
                                  : g_strdup("/etc/pki/CA/cacert.pem");
    g_autofree char *cert = pkipath ? g_build_filename(pkipath, "clientcert.pem", NULL)
                                    : g_strdup("/etc/pki/libvirt/clientcert.pem");
    g_autofree char *key = pkipath ? g_build_filename(pkipath, "clientkey.pem", NULL)
                                   : g_strdup("/etc/pki/libvirt/private/clientkey.pem");
    vd_rpc_tls_context *t = context_new("client", ca, NULL, cert, key, "NORMAL", err);
    if (!t)
        return NULL;
    vd_rpc_tls_session *s = g_new0(vd_rpc_tls_session, 1);
    s->ctx = t;
    s->owns_ctx = true;
    int rc = gnutls_init(&s->session, GNUTLS_CLIENT);
    if (rc < 0) {
        s->session = NULL;
        tls_failed(err, rc, "cannot start a session:", "client");
        goto fail;
    }
    rc = gnutls_priority_set(s->session, t->priority);
    if (rc >= 0)
        rc = gnutls_credentials_set(s->session, GNUTLS_CRD_CERTIFICATE, t->cred);
    if (rc >= 0 && !g_hostname_is_ip_address(host))
        rc = gnutls_server_name_set(s->session, GNUTLS_NAME_DNS, host, strlen(host));
    if (rc < 0) {
        tls_failed(err, rc, "cannot start a session:", "client");
        goto fail;
    }
    /* The name (or IP address) must be in the server's certificate, as libvirt checks. */
    if (!no_verify)
        gnutls_session_set_verify_cert(s->session, host, 0);
    gnutls_transport_set_int(s->session, fd);
    do
        rc = gnutls_handshake(s->session);
    while (rc < 0 && !gnutls_error_is_fatal(rc));
    if (rc < 0) {
        client_handshake_failed(s->session, rc, host, err);
        goto fail;
    }
    guint8 verdict = 0;
    ssize_t n;
    do
        n = gnutls_record_recv(s->session, &verdict, 1);
    while (n == GNUTLS_E_INTERRUPTED || n == GNUTLS_E_AGAIN);
    if (n != 1 || verdict != 1) {
        g_set_error(err, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED,
                    "TLS: %s did not accept this host's client certificate %s", host, cert);
        goto fail;
    }
    return s;

fail:
    vd_rpc_tls_session_free(s);
    return NULL;
}

static gssize io_result(ssize_t n, GError **err)
{
    if (n >= 0)
        return n;
    if (n == GNUTLS_E_AGAIN) {
        g_set_error_literal(err, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK, "TLS: would block");
        return -1;
    }
    g_set_error(err, G_IO_ERROR, G_IO_ERROR_FAILED, "TLS: %s", gnutls_strerror(n));
    return -1;
}

gssize vd_rpc_tls_recv(vd_rpc_tls_session *s, void *buf, gsize len, GError **err)
{
    ssize_t n;

    do {
        n = gnutls_record_recv(s->session, buf, len);
    } while (n == GNUTLS_E_INTERRUPTED);
    /* Clients close the socket without close_notify: that is their end of stream. */
    if (n == GNUTLS_E_PREMATURE_TERMINATION)
        return 0;
    return io_result(n, err);
}

gssize vd_rpc_tls_send(vd_rpc_tls_session *s, const void *buf, gsize len, GError **err)
{
    ssize_t n;

    do {
        n = gnutls_record_send(s->session, buf, len);
    } while (n == GNUTLS_E_INTERRUPTED);
    return io_result(n, err);
}

bool vd_rpc_tls_pending(vd_rpc_tls_session *s)
{
    return gnutls_record_check_pending(s->session) > 0;
}

const char *vd_rpc_tls_peer_dn(vd_rpc_tls_session *s)
{
    return s->peer_dn;
}

void vd_rpc_tls_bye(vd_rpc_tls_session *s)
{
    (void)gnutls_bye(s->session, GNUTLS_SHUT_WR);
}
