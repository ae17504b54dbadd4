/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * RFC 5155 appendix A: the owner hashes of the example zone (SHA-1, salt
 * aabbccdd, 12 extra iterations), for the unit and program tiers of
 * bpf/sha1.h, and base32hex (RFC 4648 section 7) to print a digest the
 * way an NSEC3 owner label spells it.
 */
#ifndef XDPCAST_NSEC3_VECTORS_H
#define XDPCAST_NSEC3_VECTORS_H

#include "sha1.h"

#define NSEC3_VECTOR_ITERATIONS 12

static const __u8 nsec3_vector_salt[] = { 0xaa, 0xbb, 0xcc, 0xdd };

static const struct nsec3_vector {
	const char *name, *hash;
} nsec3_vectors[] = {
	{ "example.", "0p9mhaveqvm6t7vbl5lop2u3t2rp3tom" },
	{ "a.example.", "35mthgpgcu1qg68fab165klnsnk3dpvl" },
	{ "ai.example.", "gjeqe526plbf1g8mklp59enfd789njgi" },
	{ "ns1.example.", "2t7b4g4vsa5smi47k61mv5bv1a22bojr" },
	{ "ns2.example.", "q04jkcevqvmu85r014c7dkba38o0ji5r" },
	{ "w.example.", "k8udemvp1j2f7eg6jebps17vp3n8i58h" },
	{ "*.w.example.", "r53bq7cc2uvmubfu5ocmm6pers9tk9en" },
	{ "x.w.example.", "b4um86eghhds6nea196smvmlo4ors995" },
	{ "y.w.example.", "ji6neoaepv8b5o6k4ev33abha8ht9fgc" },
	{ "x.y.w.example.", "2vptu5timamqttgl4luu9kg21e0aor3s" },
	{ "xx.example.", "t644ebqk9bibcna874givr6joj62mlhv" },
	{ "X.Y.W.Example.", "2vptu5timamqttgl4luu9kg21e0aor3s" },  /* hashed lowercased */
};

static inline void nsec3_base32hex(const __u8 in[SHA1_DIGEST_LEN], char out[33])
{
	static const char alphabet[] = "0123456789abcdefghijklmnopqrstuv";

	for (int i = 0; i < 32; i++) {
		int bit = 5 * i, byte = bit / 8, shift = bit % 8;
		unsigned v = (unsigned)in[byte] << 8 | (byte + 1 < SHA1_DIGEST_LEN ? in[byte + 1] : 0);

		out[i] = alphabet[(v >> (11 - shift)) & 31];
	}
	out[32] = 0;
}

#endif /* XDPCAST_NSEC3_VECTORS_H */
