/* SPDX-License-Identifier: MIT */
/*
 * The console service's socket protocol (vireo-consoled <-> vireo-ctl console).
 * The client sends one line, "ATTACH <domain name or id>\n". The service answers
 * "OK <domid> <name>\n" or "ERR <message>\n". After OK the connection is raw: the service
 * sends the tail of the domain's log and then its output as it arrives; bytes the client
 * sends are queued as the domain's console input. The service closes the connection when
 * the domain goes away.
 * "SYNC\n" asks the service to copy every domain's console ring into its log now; it
 * answers "OK\n" once that is written and closes. Toolstacks send it before destroying a
 * domain, whose ring goes with it.
 */
#ifndef VIREO_CONSOLE_H
#define VIREO_CONSOLE_H

#define VIREO_CONSOLE_SOCKET "/run/vireo/console.sock"
#define VIREO_CONSOLE_LOG_DIR "/var/log/vireo/console"
#define VIREO_CONSOLE_BACKLOG 4096 /* bytes of log replayed to a new client */
#define VIREO_CONSOLE_ESCAPE 0x1d  /* Ctrl-]: the client leaves */

#endif /* VIREO_CONSOLE_H */
