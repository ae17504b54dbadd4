// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <libknot/libknot.h>

#include "checksum.h"
#include "packet.h"

static const uint8_t client_mac[6] = { 0x02, 0, 0, 0, 0, 0x02 };
static const uint8_t server_mac[6] = { 0x02, 0, 0, 0, 0, 0x01 };

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v & 0xff;
}

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)p[0] << 8 | p[1];
}

static size_t build_dns(const struct query_spec *spec, uint8_t *p)
{
	size_t len = 12, qlen;
	uint8_t *name = p + 12;

	memset(p, 0, 12);
	put16(p, 0xbeef);
	put16(p + 2, spec->flags ? spec->flags : 0x0100);
	put16(p + 4, spec->qdcount < 0 ? 0 : spec->qdcount ? spec->qdcount : 1);
	put16(p + 10, spec->edns_size ? 1 : 0);
	if (spec->raw_qname) {
		qlen = spec->raw_qname_len;
		memcpy(name, spec->qname, qlen);
	} else {
		knot_dname_from_str(name, spec->qname, KNOT_DNAME_MAXLEN);
		qlen = knot_dname_size(name);
		/* knot keeps the case of the text: the 0x20 tests rely on it */
	}
	len += qlen;
	put16(p + len, spec->qtype ? spec->qtype : KNOT_RRTYPE_A);
	put16(p + len + 2, spec->qclass ? spec->qclass : KNOT_CLASS_IN);
	len += 4;
	if (spec->edns_size) {
		uint8_t *opt = p + len;

		memset(opt, 0, 11);
		put16(opt + 1, KNOT_RRTYPE_OPT);
		put16(opt + 3, spec->edns_size);
		opt[6] = spec->edns_version;
		opt[7] = spec->edns_do ? 0x80 : 0;
		len += 11;
		if (spec->edns_nsid) {
			put16(p + len, 3);      /* NSID, empty */
			put16(p + len + 2, 0);
			len += 4;
		}
		if (spec->cookie_len) {
			put16(p + len, 10);     /* COOKIE */
			put16(p + len + 2, spec->cookie_len);
			memcpy(p + len + 4, spec->cookie, spec->cookie_len);
			len += 4 + spec->cookie_len;
		}
		if (spec->options_len)
			memcpy(p + len, spec->options, spec->options_len);
		len += spec->options_len;
		put16(opt + 9, len - (opt - p) - 11);
	}
	return len;
}

static size_t from_hex(const char *hex, uint8_t *frame)
{
	size_t len = 0;

	for (; hex[0] && hex[1] && len < FRAME_MAX; hex += 2) {
		unsigned byte;

		sscanf(hex, "%2x", &byte);
		frame[len++] = byte;
	}
	return len;
}

static void set_ip_checksum(uint8_t *ip)
{
	put16(ip + 10, 0);
	put16(ip + 10, checksum_finish(checksum_add(0, ip, (ip[0] & 0xf) * 4)));
}

static void set_udp_checksum(uint8_t *ip, int v6, uint8_t *udp)
{
	uint16_t len = get16(udp + 4);
	uint32_t sum = checksum_add(0, v6 ? ip + 8 : ip + 12, v6 ? 32 : 8) + IPPROTO_UDP + len;

	put16(udp + 6, 0);
	put16(udp + 6, checksum_finish(checksum_add(sum, udp, len)) ?: 0xffff);
}

/* What the spec asks to break in a built frame whose lengths and checksums
 * are right. */
static void damage(const struct query_spec *spec, uint8_t *ip, int v6, uint8_t *udp)
{
	if (spec->udp_len_delta) {
		put16(udp + 4, get16(udp + 4) + spec->udp_len_delta);
		set_udp_checksum(ip, v6, udp);
	}
	if (spec->flip_dns_byte)
		udp[8 + spec->flip_dns_byte - 1] ^= 0x20;
	if (spec->udp_checksum == UDP_CHECKSUM_ZERO)
		put16(udp + 6, 0);
	if (spec->udp_checksum == UDP_CHECKSUM_BAD)
		put16(udp + 6, get16(udp + 6) == 0x1234 ? 0x4321 : 0x1234);
	if (spec->ip_len_delta)
		put16(ip + (v6 ? 4 : 2), get16(ip + (v6 ? 4 : 2)) + spec->ip_len_delta);
	if (spec->ip_version)
		ip[0] = spec->ip_version << 4 | (ip[0] & 0xf);
	if (!v6 && (spec->ip_len_delta || spec->ip_version))
		set_ip_checksum(ip);
	if (spec->bad_ip_checksum)
		put16(ip + 10, get16(ip + 10) + 1);
}

size_t build_query(const struct query_spec *spec, uint8_t *frame)
{
	int v6 = spec->family == 6;
	const char *dst = spec->dst ? spec->dst : v6 ? "2001:db8:53::53" : "192.0.2.53";
	const char *src = spec->src ? spec->src : v6 ? "2001:db8:1::2" : "198.51.100.2";
	uint16_t sport = spec->sport < 0 ? 0 : spec->sport ? spec->sport : 40000;
	uint8_t proto = spec->proto ? spec->proto : IPPROTO_UDP;
	size_t off = 12, ip_off, l4_off, dns_len, l4_len, len;
	uint8_t *ip, *l4;

	if (spec->hex)
		return from_hex(spec->hex, frame);
	memcpy(frame, server_mac, 6);
	if (spec->dst_mac)
		sscanf(spec->dst_mac, "%hhx:%hhx:%hhx:%hhx:%hhx:%hhx", &frame[0], &frame[1], &frame[2], &frame[3],
		       &frame[4], &frame[5]);
	memcpy(frame + 6, client_mac, 6);
	for (int i = 0; i < spec->vlan_tags; i++, off += 4) {
		put16(frame + off, i == 0 && spec->vlan_tags == 2 ? 0x88a8 : 0x8100);
		put16(frame + off + 2, 100 + i);
	}
	put16(frame + off, v6 ? 0x86dd : 0x0800);
	ip_off = off + 2;
	ip = frame + ip_off;

	if (v6) {
		memset(ip, 0, 40);
		put16(ip, 0x6000 | spec->traffic_class << 4 | (spec->flow_label >> 16 & 0xf));
		put16(ip + 2, spec->flow_label & 0xffff);
		ip[6] = spec->ipv6_ext_headers ? 0 /* hop-by-hop */ : spec->ipv6_dst_headers ? 60 :
			spec->fragment ? 44 : proto;
		ip[7] = spec->hop_limit ? spec->hop_limit : 64;
		inet_pton(AF_INET6, src, ip + 8);
		inet_pton(AF_INET6, dst, ip + 24);
		l4_off = ip_off + 40;
		if (spec->fragment) {
			uint8_t *frag = frame + l4_off;

			memset(frag, 0, 8);
			frag[0] = proto;
			frag[3] = 1;            /* offset 0, more fragments */
			l4_off += 8;
		}
		for (int i = 0; i < spec->ipv6_dst_headers; i++, l4_off += 8) {
			uint8_t *ext = frame + l4_off;

			memset(ext, 0, 8);
			ext[0] = i + 1 < spec->ipv6_dst_headers ? 60 : proto;
			ext[2] = 1;             /* PadN over the other 6 bytes */
			ext[3] = 4;
		}
		if (spec->ipv6_ext_headers) {
			uint8_t *ext = frame + l4_off;

			memset(ext, 0, 24);
			ext[0] = 60;            /* next: destination options */
			ext[1] = 0;             /* 8 bytes: PadN fills it */
			ext[2] = 1;
			ext[3] = 4;
			ext[8] = proto;
			ext[9] = 1;             /* 16 bytes */
			ext[10] = 1;
			ext[11] = 12;
			l4_off += 24;
		}
	} else {
		int ihl = 5 + spec->ipv4_option_bytes / 4;

		memset(ip, 0, ihl * 4);
		ip[0] = 0x40 | ihl;
		ip[1] = spec->traffic_class;
		put16(ip + 4, spec->ip_id);
		put16(ip + 6, spec->fragment ? 0x2000 : 0x4000);
		ip[8] = 64;
		ip[9] = proto;
		inet_pton(AF_INET, src, ip + 12);
		inet_pton(AF_INET, dst, ip + 16);
		for (int i = 20; i < ihl * 4; i++)
			ip[i] = 1;      /* NOP options */
		if (spec->ipv4_record_route && ihl >= 7)
			memcpy(ip + 20, (const uint8_t[]){ 7, 7, 4, 0, 0, 0, 0 }, 7);
		l4_off = ip_off + ihl * 4;
	}

	l4 = frame + l4_off;
	if (proto == IPPROTO_TCP) {
		memset(l4, 0, 20);
		put16(l4, sport);
		put16(l4 + 2, spec->dport ? spec->dport : 53);
		l4[12] = 5 << 4;
		l4[13] = spec->tcp_flags ? spec->tcp_flags : 0x02;     /* SYN */
		l4_len = 20;
	} else if (proto == IPPROTO_ICMP || proto == IPPROTO_ICMPV6) {
		memset(l4, 0, 8);       /* the checksum is not the filter's business */
		l4[0] = spec->icmp_type;
		l4[1] = spec->icmp_code;
		l4_len = 8;
	} else {
		dns_len = build_dns(spec, l4 + 8);
		if (spec->dns_len)
			dns_len = spec->dns_len;
		l4_len = 8 + dns_len;
		put16(l4, sport);
		put16(l4 + 2, spec->dport ? spec->dport : 53);
		put16(l4 + 4, l4_len);
		put16(l4 + 6, 0);
	}
	len = l4_off + l4_len;

	if (v6) {
		put16(ip + 4, len - ip_off - 40);
	} else {
		put16(ip + 2, len - ip_off);
		set_ip_checksum(ip);
	}
	if (proto == IPPROTO_UDP) {
		set_udp_checksum(ip, v6, l4);
		damage(spec, ip, v6, l4);
	}
	memset(frame + len, 0, spec->padding);
	len += spec->padding;
	return spec->frame_len ? spec->frame_len : len;
}

const char *check_frame(const uint8_t *frame, size_t len, enum frame_kind kind, struct frame_info *info)
{
	size_t off = 12, ip_total, udp_len;
	const uint8_t *ip;
	uint16_t proto;
	uint32_t sum;

	memset(info, 0, sizeof(*info));
	if (len < 14)
		return "shorter than an Ethernet header";
	proto = get16(frame + off);
	for (int tags = 0; (proto == 0x8100 || proto == 0x88a8) && tags < 2; tags++) {
		off += 4;
		if (off + 2 > len)
			return "cut inside a VLAN tag";
		proto = get16(frame + off);
	}
	info->l2_len = off + 2;
	ip = frame + info->l2_len;
	len -= info->l2_len;
	if (proto == 0x0800) {
		info->family = 4;
		if (len < 20 || ip[0] >> 4 != 4 || (ip[0] & 0xf) < 5 || (size_t)(ip[0] & 0xf) * 4 > len)
			return "not an IPv4 header";
		info->ip_len = (ip[0] & 0xf) * 4;
		ip_total = get16(ip + 2);
		if (checksum_finish(checksum_add(0, ip, info->ip_len)) != 0)
			return "bad IPv4 header checksum";
		if (get16(ip + 6) & 0x3fff)
			return "an IPv4 fragment";
		if (ip[9] != IPPROTO_UDP)
			return "not UDP";
		sum = checksum_add(0, ip + 12, 8);
	} else if (proto == 0x86dd) {
		uint8_t next;

		info->family = 6;
		if (len < 40 || ip[0] >> 4 != 6)
			return "not an IPv6 header";
		ip_total = 40 + get16(ip + 4);
		next = ip[6];
		info->ip_len = 40;
		while (next == 0 || next == 60) {       /* hop-by-hop, destination options */
			if (info->ip_len + 8 > ip_total || info->ip_len + 8 > len)
				return "IPv6 extension header past the datagram";
			next = ip[info->ip_len];
			info->ip_len += (ip[info->ip_len + 1] + 1) * 8;
		}
		if (next != IPPROTO_UDP)
			return "IPv6 next header is not UDP";
		sum = checksum_add(0, ip + 8, 32);
	} else {
		return "not IP";
	}
	if (ip_total > len || (kind == FRAME_AS_SENT && ip_total != len))
		return "IP length does not match the frame";
	if (info->ip_len + 8 > ip_total)
		return "no room for the UDP header";
	info->udp = ip + info->ip_len;
	udp_len = get16(info->udp + 4);
	if (udp_len < 8 || udp_len > ip_total - info->ip_len ||
	    (kind == FRAME_AS_SENT && udp_len != ip_total - info->ip_len))
		return "UDP length does not match the IP length";
	if (info->family == 6 && get16(info->udp + 6) == 0)
		return "UDP checksum missing over IPv6";
	if (get16(info->udp + 6) && checksum_finish(checksum_add(sum + IPPROTO_UDP + udp_len, info->udp, udp_len)) != 0)
		return "bad UDP checksum";
	info->dns = info->udp + 8;
	info->dns_len = udp_len - 8;
	return NULL;
}
