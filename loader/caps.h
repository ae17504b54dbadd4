/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Least privilege once running (docs/SECURITY.md): after the program is
 * loaded and attached and the listeners bound, xdpcastd keeps CAP_BPF (new
 * inner maps on every reload), CAP_NET_ADMIN (re-attach, detach) and
 * CAP_SYS_ADMIN (programs by id, the fast_path check's test runs) and drops
 * the rest, CAP_PERFMON and CAP_NET_BIND_SERVICE among them, from the
 * bounding set too so that health commands run with no more. Capabilities
 * are per thread: the loop's workers (which never load or bind) drop them
 * as they start, the main thread once attached. With health.user, workers
 * keep CAP_SETUID and CAP_SETGID too, to switch the commands they fork to
 * that user (health.c drops every capability in the child before exec).
 */
#ifndef XDPCAST_CAPS_H
#define XDPCAST_CAPS_H

#include <stdbool.h>

/* For the calling thread; logs (debug) what it could not drop. */
void caps_drop_to_running(void);

/* The same, keeping CAP_SETUID and CAP_SETGID: workers with health.user. */
void caps_drop_to_switch_users(void);

/* CAP_BPF alone: the metrics server's thread, which parses what anyone who
 * reaches --metrics sends and only reads maps by the descriptors it was
 * given (kernels before 6.5 refuse any bpf() call without CAP_BPF where
 * unprivileged BPF is off, as Debian has it). */
void caps_drop_to_reading(void);

/* Whether the calling thread holds cap in its effective set. */
bool caps_effective(int cap);

#endif
