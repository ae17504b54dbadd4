// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "attach.h"
#include "log.h"

static struct xdp_program *program;

const char *attach_mode_name(enum xdp_attach_mode mode)
{
	return mode == XDP_MODE_SKB ? "skb" : mode == XDP_MODE_HW ? "hw" : "native";
}

static int attach_one(struct attachment *a, enum xdp_attach_mode mode, bool fallback,
		      char *err, size_t errlen)
{
	char why[128];
	int ret = xdp_program__attach(program, a->ifindex, mode, 0);

	if (ret && fallback && mode == XDP_MODE_NATIVE) {
		libxdp_strerror(ret, why, sizeof(why));
		log_warn("%s: native XDP failed (%s); falling back to skb mode", a->ifname, why);
		mode = XDP_MODE_SKB;
		ret = xdp_program__attach(program, a->ifindex, mode, 0);
	}
	if (ret) {
		libxdp_strerror(ret, why, sizeof(why));
		snprintf(err, errlen, "%s: cannot attach the XDP program in %s mode: %s%s", a->ifname,
			 attach_mode_name(mode), why,
			 ret == -EEXIST || ret == -EBUSY ? " (another XDP program is attached)" : "");
		return -1;
	}
	a->mode = mode;
	a->attached = true;
	return 0;
}

int attach_all(int prog_fd, struct attachment *ifaces, size_t count,
	       enum xdp_attach_mode mode, bool fallback_to_skb, char *err, size_t errlen)
{
	program = xdp_program__from_fd(prog_fd);
	if (libxdp_get_error(program)) {
		snprintf(err, errlen, "libxdp cannot use the loaded program");
		program = NULL;
		return -1;
	}
	for (size_t i = 0; i < count; i++) {
		if (attach_one(&ifaces[i], mode, fallback_to_skb, err, errlen)) {
			detach_all(ifaces, count);
			return -1;
		}
	}
	return 0;
}

/* Whether the interface runs our program: alone (libxdp's single-program
 * mode) or as one of the dispatcher's. */
static bool runs_ours(int ifindex)
{
	struct xdp_multiprog *mp = xdp_multiprog__get_from_ifindex(ifindex);
	uint32_t ours = xdp_program__id(program);
	bool found = false;

	if (libxdp_get_error(mp) || !mp)
		return false;
	if (xdp_multiprog__is_legacy(mp)) {
		found = xdp_multiprog__main_prog(mp) && xdp_program__id(xdp_multiprog__main_prog(mp)) == ours;
	} else {
		for (struct xdp_program *p = xdp_multiprog__next_prog(NULL, mp); p && !found;
		     p = xdp_multiprog__next_prog(p, mp))
			found = xdp_program__id(p) == ours;
	}
	xdp_multiprog__close(mp);
	return found;
}

int attach_check(const struct attachment *ifaces, size_t count, char *detail, size_t len)
{
	for (size_t i = 0; i < count; i++) {
		if (!program || !runs_ours(ifaces[i].ifindex)) {
			snprintf(detail, len, "%s: the xdpcast program is no longer attached", ifaces[i].ifname);
			return -1;
		}
	}
	return 0;
}

void detach_all(struct attachment *ifaces, size_t count)
{
	for (size_t i = 0; i < count; i++) {
		if (!ifaces[i].attached)
			continue;
		if (xdp_program__detach(program, ifaces[i].ifindex, ifaces[i].mode, 0))
			log_warn("%s: detaching the XDP program failed", ifaces[i].ifname);
		ifaces[i].attached = false;
	}
	if (program) {
		xdp_program__close(program);
		program = NULL;
	}
}
