/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Attaching the loaded program to interfaces with libxdp: through its
 * multi-program dispatcher where the kernel allows it, else libxdp's
 * single-program mode. Native mode falls back to skb mode, logged.
 */
#ifndef XDPCAST_ATTACH_H
#define XDPCAST_ATTACH_H

#include <stdbool.h>
#include <stddef.h>
#include <xdp/libxdp.h>

struct attachment {
	char ifname[32];
	int ifindex;
	enum xdp_attach_mode mode;      /* as attached */
	bool attached;
};

/* Attaches prog_fd to every interface, or to none: on failure the ones
 * already attached are detached again. */
int attach_all(int prog_fd, struct attachment *ifaces, size_t count,
	       enum xdp_attach_mode mode, bool fallback_to_skb, char *err, size_t errlen);
void detach_all(struct attachment *ifaces, size_t count);

/* 0 when every interface still runs the attached program; else -1 and
 * which one does not (someone detached or replaced it). */
int attach_check(const struct attachment *ifaces, size_t count, char *detail, size_t len);

const char *attach_mode_name(enum xdp_attach_mode mode);

#endif
