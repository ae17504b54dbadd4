// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/if_link.h>

#include "attach.h"
#include "log.h"

#define KERNEL_MESSAGE "libbpf: Kernel error message: "

/* The kernel's own words on the last refused attach of this thread
 * (netlink's extack, which libbpf prints), "" if it gave none. */
static __thread char kernel_said[160];

void attach_note_libbpf_line(const char *line)
{
	if (!strncmp(line, KERNEL_MESSAGE, strlen(KERNEL_MESSAGE)))
		snprintf(kernel_said, sizeof(kernel_said), "%s", line + strlen(KERNEL_MESSAGE));
}

/* bpf_xdp_attach, keeping what the kernel says if it refuses. */
static int xdp_attach(int ifindex, int prog_fd, __u32 flags, const struct bpf_xdp_attach_opts *opts)
{
	kernel_said[0] = '\0';
	return bpf_xdp_attach(ifindex, prog_fd, flags, opts);
}

/* Why an attach failed: errno's text, and the kernel's words when it gave any
 * ("Numerical result out of range" alone does not say that the MTU is too large). */
static const char *refusal(int ret, char *out, size_t len)
{
	snprintf(out, len, "%s%s%s%s", strerror(-ret), kernel_said[0] ? " (the kernel: " : "", kernel_said,
		 kernel_said[0] ? ")" : "");
	return out;
}

const char *attach_mode_name(enum xdp_attach_mode mode)
{
	return mode == XDP_MODE_SKB ? "skb" : mode == XDP_MODE_HW ? "hw" : "native";
}

static __u32 mode_flag(enum xdp_attach_mode mode)
{
	return mode == XDP_MODE_SKB ? XDP_FLAGS_SKB_MODE : mode == XDP_MODE_HW ? XDP_FLAGS_HW_MODE :
										XDP_FLAGS_DRV_MODE;
}

static __u32 prog_id_of(int prog_fd)
{
	struct bpf_prog_info info = { 0 };
	__u32 len = sizeof(info);

	return bpf_obj_get_info_by_fd(prog_fd, &info, &len) ? 0 : info.id;
}

static void prog_name_of(__u32 id, char name[16])
{
	struct bpf_prog_info info = { 0 };
	__u32 len = sizeof(info);
	int fd = bpf_prog_get_fd_by_id(id);

	snprintf(name, 16, "?");
	if (fd < 0)
		return;
	if (!bpf_obj_get_info_by_fd(fd, &info, &len))
		snprintf(name, 16, "%s", info.name);
	close(fd);
}

/* The programs a libxdp dispatcher runs: the freplace links into it. */
static void list_dispatched(struct xdp_holder *h)
{
	__u32 link_id = 0;

	while (h->dispatched_count < ATTACH_DISPATCHED_MAX && !bpf_link_get_next_id(link_id, &link_id)) {
		struct bpf_link_info info = { 0 };
		__u32 len = sizeof(info);
		int fd = bpf_link_get_fd_by_id(link_id);

		if (fd < 0)
			continue;
		if (!bpf_obj_get_info_by_fd(fd, &info, &len) && info.type == BPF_LINK_TYPE_TRACING &&
		    info.tracing.target_obj_id == h->id) {
			h->dispatched[h->dispatched_count] = info.prog_id;
			prog_name_of(info.prog_id, h->dispatched_names[h->dispatched_count]);
			h->dispatched_count++;
		}
		close(fd);
	}
}

int attach_inspect(int ifindex, struct xdp_holder *out, char *err, size_t errlen)
{
	LIBBPF_OPTS(bpf_xdp_query_opts, q);
	int ret = bpf_xdp_query(ifindex, 0, &q);

	memset(out, 0, sizeof(*out));
	if (ret) {
		snprintf(err, errlen, "querying XDP on ifindex %d: %s", ifindex, strerror(-ret));
		return -1;
	}
	switch (q.attach_mode) {
	case XDP_ATTACHED_NONE:
		return 0;
	case XDP_ATTACHED_SKB:
		out->id = q.skb_prog_id;
		out->mode = XDP_MODE_SKB;
		break;
	case XDP_ATTACHED_HW:
		out->id = q.hw_prog_id;
		out->mode = XDP_MODE_HW;
		break;
	default:        /* native, or several modes at once: the native one runs first */
		out->id = q.drv_prog_id ? q.drv_prog_id : q.skb_prog_id;
		out->mode = q.drv_prog_id ? XDP_MODE_NATIVE : XDP_MODE_SKB;
		break;
	}
	prog_name_of(out->id, out->name);
	if (!strcmp(out->name, "xdp_dispatcher"))
		list_dispatched(out);
	return 0;
}

void attach_describe(const struct xdp_holder *h, char *out, size_t len)
{
	int n;

	if (!h->id) {
		snprintf(out, len, "no XDP program");
		return;
	}
	n = snprintf(out, len, "program %u '%s' in %s mode", h->id, h->name, attach_mode_name(h->mode));
	for (size_t i = 0; i < h->dispatched_count && n > 0 && (size_t)n < len; i++)
		n += snprintf(out + n, len - n, "%s%u '%s'", i ? ", " : " (libxdp's dispatcher, running ",
			      h->dispatched[i], h->dispatched_names[i]);
	if (h->dispatched_count && n > 0 && (size_t)n < len)
		snprintf(out + n, len - n, ")");
}

/* Atomically in `mode`: expected_fd out, new_fd in (-1: detach). The
 * kernel refuses (EEXIST) when something else runs there by now. */
static int swap(int ifindex, int new_fd, int expected_fd, enum xdp_attach_mode mode)
{
	LIBBPF_OPTS(bpf_xdp_attach_opts, opts, .old_prog_fd = expected_fd);

	return xdp_attach(ifindex, new_fd, XDP_FLAGS_REPLACE | mode_flag(mode), &opts);
}

/* The same, naming the expected program by id. */
static int swap_id(int ifindex, int new_fd, __u32 expected_id, enum xdp_attach_mode mode)
{
	int expected_fd = bpf_prog_get_fd_by_id(expected_id), ret;

	if (expected_fd < 0)
		return -errno;
	ret = swap(ifindex, new_fd, expected_fd, mode);
	close(expected_fd);
	return ret;
}

static int attach_fresh(struct attachment *a, int prog_fd, enum xdp_attach_mode mode, bool fallback,
			char *err, size_t errlen)
{
	int ret = xdp_attach(a->ifindex, prog_fd, XDP_FLAGS_UPDATE_IF_NOEXIST | mode_flag(mode), NULL);
	char why[256];

	/* Only a driver without native XDP falls back; "busy" means someone
	 * else holds the hook, which skb mode would not change. */
	if (ret == -EOPNOTSUPP && fallback && mode == XDP_MODE_NATIVE) {
		log_warn("%s: the driver has no native XDP; attaching in skb mode", a->ifname);
		mode = XDP_MODE_SKB;
		ret = xdp_attach(a->ifindex, prog_fd, XDP_FLAGS_UPDATE_IF_NOEXIST | mode_flag(mode), NULL);
	}
	if (ret) {
		snprintf(err, errlen, "%s: cannot attach the XDP program in %s mode: %s", a->ifname,
			 attach_mode_name(mode), refusal(ret, why, sizeof(why)));
		return -1;
	}
	a->mode = mode;
	return 0;
}

static int attach_one(struct attachment *a, int prog_fd, __u32 ours, enum xdp_attach_mode mode, bool fallback,
		      bool replace_foreign, char *err, size_t errlen)
{
	char what[256], why[256];
	int ret;

	if (attach_inspect(a->ifindex, &a->seen, err, errlen))
		return -1;
	if (!a->seen.id) {
		if (attach_fresh(a, prog_fd, mode, fallback, err, errlen))
			return -1;
		a->attached = true;
		return 0;
	}
	attach_describe(&a->seen, what, sizeof(what));
	if (a->seen.id != ours && !replace_foreign) {
		snprintf(err, errlen, "%s: %s holds the interface and is not %s; stop what runs it, or give "
			 "--replace-foreign to replace it", a->ifname, what, !strcmp(a->seen.name, "xdpcast") ?
			 "the program pinned in this --pin-dir (another xdpcastd's?)" : "xdpcast's");
		return -1;
	}
	ret = swap_id(a->ifindex, prog_fd, a->seen.id, a->seen.mode);
	if (ret) {
		snprintf(err, errlen, "%s: cannot replace %s: %s", a->ifname, what, refusal(ret, why, sizeof(why)));
		return -1;
	}
	log_info("%s: replaced %s%s", a->ifname, what, a->seen.id == ours ? " (the previous xdpcastd's)" : "");
	/* The swap keeps the program's mode: the kernel holds one mode at a
	 * time, so another would leave the interface without XDP meanwhile. */
	if (!fallback && a->seen.mode != mode)
		log_warn("%s: kept %s mode, not the %s mode asked: a handover keeps the mode of the program it takes "
			 "over; stop xdpcastd, then start it, to change it", a->ifname, attach_mode_name(a->seen.mode),
			 attach_mode_name(mode));
	a->mode = a->seen.mode;
	a->replaced = a->seen.id;
	a->attached = true;
	return 0;
}

/* Puts back what was there before attach_one. */
static void undo(struct attachment *a, int prog_fd)
{
	int old_fd, ret;

	if (!a->attached)
		return;
	a->attached = false;
	if (!a->replaced) {
		ret = swap(a->ifindex, -1, prog_fd, a->mode);
	} else {
		old_fd = bpf_prog_get_fd_by_id(a->replaced);
		ret = old_fd < 0 ? -errno : swap(a->ifindex, old_fd, prog_fd, a->mode);
		if (old_fd >= 0)
			close(old_fd);
	}
	if (ret)
		log_error("%s: could not undo the attachment: %s", a->ifname, strerror(-ret));
}

int attach_all(int prog_fd, __u32 ours, struct attachment *ifaces, size_t count, enum xdp_attach_mode mode,
	       bool fallback_to_skb, bool replace_foreign, char *err, size_t errlen)
{
	for (size_t i = 0; i < count; i++) {
		ifaces[i].wanted_mode = mode;
		ifaces[i].fallback_to_skb = fallback_to_skb;
		if (ifaces[i].gone)     /* attached once it appears (attach_check) */
			continue;
		if (attach_one(&ifaces[i], prog_fd, ours, mode, fallback_to_skb, replace_foreign, err, errlen)) {
			attach_undo_all(prog_fd, ifaces, i);
			return -1;
		}
	}
	return 0;
}

void attach_undo_all(int prog_fd, struct attachment *ifaces, size_t count)
{
	for (size_t i = count; i-- > 0;)
		undo(&ifaces[i], prog_fd);
}

void detach_elsewhere(__u32 id, const struct attachment *ifaces, size_t count)
{
	struct if_nameindex *all = if_nameindex(), *i;

	for (i = all; i && i->if_index; i++) {
		struct xdp_holder h;
		char err[256];
		bool ours = false;
		int fd, ret;

		for (size_t k = 0; k < count; k++)
			ours |= ifaces[k].ifindex == (int)i->if_index;
		if (ours || attach_inspect(i->if_index, &h, err, sizeof(err)) || h.id != id)
			continue;
		fd = bpf_prog_get_fd_by_id(id);
		ret = fd < 0 ? -errno : swap(i->if_index, -1, fd, h.mode);
		if (fd >= 0)
			close(fd);
		if (ret)
			log_warn("%s: the previous xdpcastd's program stays attached: %s", i->if_name, strerror(-ret));
		else
			log_info("%s: detached the previous xdpcastd's program (this configuration does not use %s)",
				 i->if_name, i->if_name);
	}
	if_freenameindex(all);
}

void detach_all(int prog_fd, struct attachment *ifaces, size_t count)
{
	for (size_t i = 0; i < count; i++) {
		struct attachment *a = &ifaces[i];
		int ret;

		if (!a->attached)
			continue;
		/* Only if it is still ours: never detach what replaced us. */
		ret = swap(a->ifindex, -1, prog_fd, a->mode);
		if (ret && ret != -EEXIST)
			log_warn("%s: detaching the XDP program: %s", a->ifname, strerror(-ret));
		a->attached = false;
	}
}

/*
 * Where a's interface is now: while its ifindex lives (renamed or not) it
 * is that one; once gone, an interface that has its name is the same one
 * made again (a driver reloaded, a veth or VLAN re-created), and a
 * follows it. 0: the same, 1: made again (a->ifindex is the new one),
 * -1: none (why in detail).
 */
static int follow_interface(struct attachment *a, char *detail, size_t len)
{
	char name[IF_NAMESIZE];
	int ifindex;

	a->gone = false;
	if (a->ifindex && if_indextoname(a->ifindex, name))
		return 0;
	if (a->ifindex && errno != ENXIO && errno != ENODEV) {    /* 0: none since the start */
		snprintf(detail, len, "%s: looking up ifindex %d: %s", a->ifname, a->ifindex, strerror(errno));
		return -1;
	}
	a->attached = false;
	memset(&a->seen, 0, sizeof(a->seen));
	ifindex = if_nametoindex(a->ifname);
	if (!ifindex) {
		a->gone = true;
		if (a->ifindex)
			snprintf(detail, len, "%s: no such interface (ifindex %d was deleted or moved to another "
				 "namespace); attached again once one of that name appears", a->ifname, a->ifindex);
		else
			snprintf(detail, len, "%s: no such interface since the start; attached once one of that "
				 "name appears", a->ifname);
		return -1;
	}
	if (a->ifindex)
		log_warn("%s: created again as ifindex %d (was %d); attaching the xdpcast program there", a->ifname,
			 ifindex, a->ifindex);
	else
		log_warn("%s: appeared as ifindex %d; attaching the xdpcast program there", a->ifname, ifindex);
	if (a->arrival != IFACE_APPEARED)     /* one that appeared is new until attached */
		a->arrival = a->ifindex ? IFACE_MADE_AGAIN : IFACE_APPEARED;
	a->ifindex = ifindex;
	return 1;
}

/* The ifindex sysfs gives for the device of `dir`; 0 if none. */
static int sysfs_ifindex(const char *dir)
{
	char path[PATH_MAX];
	FILE *f;
	int ifindex;

	snprintf(path, sizeof(path), "%s/ifindex", dir);
	f = fopen(path, "re");
	if (!f)
		return 0;
	if (fscanf(f, "%d", &ifindex) != 1 || ifindex < 0)
		ifindex = 0;
	fclose(f);
	return ifindex;
}

/* Whether ifindex is one of the interfaces (whose frames count under
 * their own slot whatever they are ports of). */
static bool listed(const struct attachment *ifaces, size_t count, int ifindex)
{
	for (size_t i = 0; i < count; i++)
		if (ifaces[i].ifindex == ifindex)
			return true;
	return false;
}

/* Appends the members of ifaces[slot] to the lists and to its names; false
 * when the lists were full with members of it left out. Only a bond in
 * native mode has any: the kernel runs its program on each member under
 * the member's ifindex (in skb mode it runs on the bond, and the lower
 * devices of a VLAN, macvlan, bridge or VRF never run it). */
static bool find_members(struct attachment *ifaces, size_t count, size_t slot, __u32 *ifindex, __u8 *slots,
			 size_t *n)
{
	struct attachment *a = &ifaces[slot];
	char dir[PATH_MAX], bonding[PATH_MAX + 16], name[IF_NAMESIZE];
	const struct dirent *e;
	bool room = true;
	DIR *listing;

	a->member_count = 0;
	if (a->gone || a->mode != XDP_MODE_NATIVE || !a->ifindex || !if_indextoname(a->ifindex, name))
		return true;
	snprintf(dir, sizeof(dir), "/sys/class/net/%s", name);
	snprintf(bonding, sizeof(bonding), "%s/bonding", dir);
	if (sysfs_ifindex(dir) != a->ifindex || access(bonding, F_OK))
		return true;
	listing = opendir(dir);
	if (!listing)
		return true;
	while ((e = readdir(listing))) {
		const char *member_name = e->d_name + strlen("lower_");
		char lower[sizeof(dir) + sizeof(e->d_name) + 1], seen[IF_NAMESIZE];
		int member;

		if (strncmp(e->d_name, "lower_", strlen("lower_")))
			continue;
		snprintf(lower, sizeof(lower), "%s/%s", dir, e->d_name);
		member = sysfs_ifindex(lower);
		/* This namespace's device of that name and ifindex: a /sys of
		 * another namespace can have the bond's name and ifindex too. */
		if (!member || !if_indextoname(member, seen) || strcmp(seen, member_name) ||
		    listed(ifaces, count, member))
			continue;
		if (*n == XDPCAST_MEMBERS_MAX) {
			room = false;
			continue;
		}
		ifindex[*n] = member;
		slots[(*n)++] = slot;
		snprintf(a->members[a->member_count++], IF_NAMESIZE, "%s", member_name);
	}
	closedir(listing);
	return room;
}

/* Interface `slot`'s members in the old lists are `now`, in that order? */
static bool same_members(const __u32 *old_ifindex, const __u8 *old_slot, __u8 slot, const __u32 *now,
			 size_t now_count)
{
	size_t k = 0;

	for (size_t j = 0; j < XDPCAST_MEMBERS_MAX && old_ifindex[j]; j++)
		if (old_slot[j] == slot && (k == now_count || old_ifindex[j] != now[k++]))
			return false;
	return k == now_count;
}

void attach_members(struct attachment *ifaces, size_t count, __u32 *member_ifindex, __u8 *member_slot)
{
	static bool room_said;
	__u32 ifindex[XDPCAST_MEMBERS_MAX] = { 0 };
	__u8 slots[XDPCAST_MEMBERS_MAX] = { 0 };
	size_t n = 0;

	for (size_t i = 0; i < count; i++) {
		struct attachment *a = &ifaces[i];
		size_t first = n;
		char names[XDPCAST_MEMBERS_MAX * (IF_NAMESIZE + 2)] = "";

		if (!find_members(ifaces, count, i, ifindex, slots, &n) && !room_said) {
			log_warn("%s: more member devices than the program has room for (%d in all): the others' "
				 "packets count in the test-run slot, which stats and /metrics leave out", a->ifname,
				 XDPCAST_MEMBERS_MAX);
			room_said = true;
		}
		if (same_members(member_ifindex, member_slot, i, ifindex + first, n - first))
			continue;
		for (size_t k = 0; k < a->member_count; k++)
			snprintf(names + strlen(names), sizeof(names) - strlen(names), "%s%s", k ? ", " : "",
				 a->members[k]);
		if (a->member_count)
			log_info("%s: the program also runs on its members %s; their packets count under %s",
				 a->ifname, names, a->ifname);
		else
			log_info("%s: no members any more", a->ifname);
	}
	/* Slot before ifindex: a packet racing the change is counted under
	 * one interface or another, or in the test-run slot. */
	for (size_t k = 0; k < XDPCAST_MEMBERS_MAX; k++) {
		member_slot[k] = slots[k];
		member_ifindex[k] = ifindex[k];
	}
}

/* What attach_check was doing, by the interface's arrival, when it failed. */
static const char *const attaching[] = {
	[IFACE_KNOWN] = "the xdpcast program was detached and re-attaching",
	[IFACE_MADE_AGAIN] = "attaching the xdpcast program to the interface made again",
	[IFACE_APPEARED] = "attaching the xdpcast program to the interface that appeared",
};

int attach_check(int prog_fd, struct attachment *ifaces, size_t count, __u32 *slot_ifindex, char *detail,
		 size_t len)
{
	__u32 ours = prog_id_of(prog_fd);
	int failed = 0;

	for (size_t i = 0; i < count; i++) {
		struct attachment *a = &ifaces[i];
		char err[256], what[256];
		int followed = follow_interface(a, detail, len);

		if (followed < 0) {
			failed = -1;
			continue;
		}
		/* Before the program runs there: its first packets count under a's slot. */
		if (followed && slot_ifindex)
			slot_ifindex[i] = a->ifindex;
		if (attach_inspect(a->ifindex, &a->seen, err, sizeof(err))) {
			snprintf(detail, len, "%s: %s", a->ifname, err);
			failed = -1;
			continue;
		}
		if (a->seen.id == ours) {
			a->attached = true;
			a->arrival = IFACE_KNOWN;
			continue;
		}
		a->attached = false;
		if (a->seen.id) {
			attach_describe(&a->seen, what, sizeof(what));
			snprintf(detail, len, "%s: replaced by %s; not taking it back", a->ifname, what);
			failed = -1;
			continue;
		}
		/* A new interface may have another driver: the mode is chosen as at the start. */
		if (a->arrival == IFACE_KNOWN ? attach_fresh(a, prog_fd, a->mode, false, err, sizeof(err)) :
		    attach_fresh(a, prog_fd, a->wanted_mode, a->fallback_to_skb, err, sizeof(err))) {
			snprintf(detail, len, "%s: %s failed: %s", a->ifname, attaching[a->arrival], err);
			failed = -1;
			continue;
		}
		a->attached = true;
		attach_inspect(a->ifindex, &a->seen, err, sizeof(err));
		if (a->arrival == IFACE_APPEARED) {
			log_info("%s: attached in %s mode", a->ifname, attach_mode_name(a->mode));
		} else {
			a->reattached++;
			if (a->arrival == IFACE_MADE_AGAIN)
				log_warn("%s: attached to the interface made again in %s mode (%u times so far)",
					 a->ifname, attach_mode_name(a->mode), a->reattached);
			else
				log_warn("%s: the xdpcast program had been detached by someone; attached again in %s "
					 "mode (%u times so far)", a->ifname, attach_mode_name(a->mode), a->reattached);
		}
		a->arrival = IFACE_KNOWN;
	}
	return failed;
}
