/* SPDX-License-Identifier: GPL-2.0-only */
/* vireo-ctl: the command table and helpers every command shares. */
#ifndef CTL_H
#define CTL_H

#include <glib.h>

#include "vireoctl.h"

/* A command gets its own argv (argv[0] is the command name); returns the exit status. */
typedef int (*ctl_command_fn)(int argc, char **argv);

/* Opens /dev/vireo or exits with a message saying why. */
vctl_t *ctl_open(void);
/* Looks a domain up by name or id, or exits with a message. */
void ctl_lookup(vctl_t *h, const char *dom, struct vireo_domain_info *out);
/*
 * For commands of the shape "vireo-ctl CMD [OPTIONS] DOMAIN" (options already parsed):
 * checks the argument count (else prints "usage: vireo-ctl CMD <usage>"), opens hv and
 * looks the domU up. Returns 0 with *h and *info set, or the exit status to return.
 */
int ctl_domu_command(int argc, char **argv, const char *usage, vctl_t **h,
                     struct vireo_domain_info *info);
/* Prints "vireo-ctl: <what>: <strerror(-err)>" and returns 1 when err < 0, else 0. */
int ctl_check(int err, const char *what, ...) G_GNUC_PRINTF(2, 3);
/* Parses a command's options; prints usage and exits 2 on error. */
void ctl_parse_options(int *argc, char ***argv, const GOptionEntry *entries,
                       const char *params, const char *summary);

int cmd_info(int argc, char **argv);
int cmd_dmesg(int argc, char **argv);
int cmd_list(int argc, char **argv);
int cmd_top(int argc, char **argv);
int cmd_create(int argc, char **argv);
int cmd_destroy(int argc, char **argv);
int cmd_pause(int argc, char **argv);
int cmd_unpause(int argc, char **argv);
int cmd_sched_credit(int argc, char **argv);
int cmd_shutdown(int argc, char **argv);
int cmd_reboot(int argc, char **argv);
int cmd_mem_set(int argc, char **argv);
int cmd_vcpu_set(int argc, char **argv);
int cmd_vcpu_list(int argc, char **argv);
int cmd_console(int argc, char **argv);
int cmd_exits(int argc, char **argv);
int cmd_log_dirty(int argc, char **argv);

/* The console client, also used by `create -c`. */
int ctl_console_attach(const char *dom);

#endif /* CTL_H */
