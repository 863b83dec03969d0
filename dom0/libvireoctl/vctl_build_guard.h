/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libvireoctl internals: markers for domains under construction (vctl_build_guard.c). */
#ifndef VCTL_BUILD_GUARD_H
#define VCTL_BUILD_GUARD_H

/* Claims the marker for a domain name; fails with -EEXIST if one exists. */
int vctl_build_marker_create(const char *name);
void vctl_build_marker_remove(const char *name);

#endif /* VCTL_BUILD_GUARD_H */
