/* SPDX-License-Identifier: Apache-2.0 */
/* common: confining a helper process of brig's for the rest of its life
 * (brig-monitor's log relay, the port proxy of engine/net).  Not included
 * by common/common.h: a caller links libseccomp. */
#ifndef BRIG_COMMON_CONFINE_H
#define BRIG_COMMON_CONFINE_H

#include <seccomp.h>
#include <stddef.h>

/* Empties every capability set (effective, permitted, inheritable,
 * ambient, bounding).  Without CAP_SETPCAP (a rootless brig) the bounding
 * set cannot be changed: no_new_privs, set next by the caller, then keeps
 * anything from being gained through it.  0 or a negative errno. */
int brig_caps_drop_all(void);

/* Adds to ctx: mmap and mprotect allowed only without PROT_EXEC (memory,
 * never executable: no code is loaded after the filter).  0 or a negative
 * errno (libseccomp's). */
int brig_seccomp_allow_noexec_memory(scmp_filter_ctx ctx);

/* Adds to ctx what a sanitizer's runtime calls on its own (in an
 * AddressSanitizer build: sigaltstack; otherwise nothing).  0 or a
 * negative errno (libseccomp's). */
int brig_seccomp_allow_sanitizer(scmp_filter_ctx ctx);

/* A seccomp filter on the calling process: the calls of calls[] (libseccomp
 * numbers, SCMP_SYS) allowed, mmap and mprotect only without PROT_EXEC (no
 * code is loaded after it), socket only for the domain sock_domain (not at
 * all when it is negative); anything else fails with EPERM.  Needs
 * no_new_privs.  0 or a negative errno. */
int brig_seccomp_allow(const int *calls, size_t n, int sock_domain);

#endif
