/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The program on the interfaces' XDP hooks, through the kernel's netlink
 * API (libbpf): what holds an interface, attaching where nothing does,
 * replacing a program atomically (XDP_FLAGS_REPLACE: no packet meets an
 * interface without a program), detaching only what is still ours.
 *
 * The program runs alone on each interface (single-program mode). It must:
 * the fast_path check and `xdpcastctl lookup` run the attached program
 * itself with BPF_PROG_TEST_RUN, and libxdp's dispatcher can only hold
 * programs it loads as freplace extensions, which cannot be test-run. An
 * interface held by a libxdp dispatcher is reported with the programs it
 * runs, like any other program that is not ours.
 */
#ifndef XDPCAST_ATTACH_H
#define XDPCAST_ATTACH_H

#include <stdbool.h>
#include <stddef.h>
#include <net/if.h>
#include <linux/types.h>
#include <xdp/libxdp.h>

#include "xdpcast.h"

#define ATTACH_DISPATCHED_MAX 10        /* programs a libxdp dispatcher runs */

/* What runs on one interface's XDP hook. */
struct xdp_holder {
	__u32 id;                       /* 0: nothing */
	enum xdp_attach_mode mode;
	char name[16];                  /* BPF_OBJ_NAME_LEN */
	size_t dispatched_count;        /* a libxdp dispatcher: the programs in it */
	__u32 dispatched[ATTACH_DISPATCHED_MAX];
	char dispatched_names[ATTACH_DISPATCHED_MAX][16];
};

struct attachment {
	char ifname[32];
	int ifindex;
	enum xdp_attach_mode mode;      /* as attached */
	enum xdp_attach_mode wanted_mode; /* as asked of attach_all, for an interface made again */
	bool fallback_to_skb;           /* likewise */
	enum {
		IFACE_KNOWN,            /* attached to at least once, or taken over */
		IFACE_MADE_AGAIN,       /* ifindex is an interface made again under ifname, not attached to yet */
		IFACE_APPEARED,         /* likewise, one missing since the start: not counted in reattached */
	} arrival;
	bool gone;                      /* no interface of ifindex nor of ifname at the last check */
	bool attached;                  /* by us, and still there at the last check */
	__u32 replaced;                 /* the program we replaced here, 0: none */
	struct xdp_holder seen;         /* the last check's view */
	unsigned reattached;            /* times we put it back after someone detached it or made it again */
	char members[XDPCAST_MEMBERS_MAX][IF_NAMESIZE]; /* the devices counted under it (attach_members) */
	size_t member_count;
};

/* What holds ifindex now. */
int attach_inspect(int ifindex, struct xdp_holder *out, char *err, size_t errlen);

/* "program 42 'name' in native mode" (with a dispatcher's programs). */
void attach_describe(const struct xdp_holder *h, char *out, size_t len);

/*
 * Puts prog_fd on every interface, or on none (what was done is undone on
 * failure). An interface running program `ours` (a previous xdpcastd's,
 * 0: none) has it replaced atomically in its mode; one running anything
 * else is refused unless replace_foreign, which replaces it atomically too.
 * Where nothing runs: `mode`, falling back to skb only where the driver
 * has no native XDP (never after "busy").
 */
int attach_all(int prog_fd, __u32 ours, struct attachment *ifaces, size_t count, enum xdp_attach_mode mode,
	       bool fallback_to_skb, bool replace_foreign, char *err, size_t errlen);

/* Puts back what attach_all found on each interface (a failed start after
 * attaching); the interfaces are then as before it. */
void attach_undo_all(int prog_fd, struct attachment *ifaces, size_t count);

/* Detaches prog_fd where it still runs; leaves anything else alone. */
void detach_all(int prog_fd, struct attachment *ifaces, size_t count);

/* Detaches program `id` from every interface of the namespace but those
 * in ifaces: a previous xdpcastd's, on interfaces this one does not use. */
void detach_elsewhere(__u32 id, const struct attachment *ifaces, size_t count);

/*
 * Each interface still runs prog_fd? Where nothing runs any more (someone
 * detached it), puts it back, counted and logged. Where another program
 * replaced it, leaves that alone. An interface deleted fails the check
 * until one of its name appears (a new ifindex: a driver reloaded, a veth
 * re-created), which gets the program as attach_all would attach it, its
 * new ifindex in ifaces and in slot_ifindex (the program's iface_ifindex,
 * the interface of each stats slot, index i for ifaces[i]; NULL: none).
 * A renamed interface is still the same one. 0 when every interface runs
 * ours, else -1 and why in detail.
 */
int attach_check(int prog_fd, struct attachment *ifaces, size_t count, __u32 *slot_ifindex, char *detail,
		 size_t len);

/*
 * The devices the kernel runs the program on for an interface of ifaces
 * under an ifindex of their own: the members of a bond attached in native
 * mode (sysfs's lower devices of a bond; listed interfaces left out, their
 * frames counting under their own slot). Up to XDPCAST_MEMBERS_MAX in all
 * go to member_ifindex (0 after the last) and member_slot (i for
 * ifaces[i]: the program counts their frames there), and their names to
 * each one's `members`; a change is logged.
 */
void attach_members(struct attachment *ifaces, size_t count, __u32 *member_ifindex, __u8 *member_slot);

const char *attach_mode_name(enum xdp_attach_mode mode);

/* Each line libbpf prints: the kernel's reason for a refused attach
 * (e.g. "veth: Peer MTU is too large to set XDP") is kept for the error
 * that names the interface, which errno alone would leave cryptic. */
void attach_note_libbpf_line(const char *line);

#endif
