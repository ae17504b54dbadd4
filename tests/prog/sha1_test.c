// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The program tier of bpf/sha1.h: the kernel's verifier accepts it and its
 * JITed code computes the NSEC3 hashes of RFC 5155 appendix A (salt
 * aabbccdd, 12 iterations), the single hash xdpcast uses for names from
 * one to 255 octets (against libdnssec), through BPF_PROG_TEST_RUN of
 * tests/prog/sha1_vectors.bpf.c.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <libdnssec/nsec.h>
#include <libknot/libknot.h>

#include "nsec3_vectors.h"
#include "sha1.h"
#include "sha1_vectors.skel.h"

static struct sha1_vectors_bpf *skel;

/* IH(salt, name, iterations) as the kernel computes it. */
static void kernel_hash(const __u8 *wire, __u8 wire_len, const __u8 *salt, __u8 salt_len, __u8 iterations,
			__u8 out[SHA1_DIGEST_LEN])
{
	__u8 in[512] = { iterations, salt_len, wire_len }, result[512];
	__u32 len = 3;
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = in, .data_out = result, .data_size_out = sizeof(result),
		    .repeat = 1);

	if (salt_len)           /* no salt may be NULL: memcpy takes none */
		memcpy(in + len, salt, salt_len);
	len += salt_len;
	memcpy(in + len, wire, wire_len);
	len += wire_len;
	opts.data_size_in = len < 64 ? 64 : len;        /* at least an Ethernet frame */
	assert_int_equal(bpf_prog_test_run_opts(bpf_program__fd(skel->progs.sha1_iterated), &opts), 0);
	assert_int_equal(opts.retval, XDP_TX);
	memcpy(out, result, SHA1_DIGEST_LEN);
}

static void test_rfc5155_appendix_a(void **state)
{
	__u8 wire[KNOT_DNAME_MAXLEN], digest[SHA1_DIGEST_LEN];
	char text[33];

	(void)state;
	for (size_t i = 0; i < sizeof(nsec3_vectors) / sizeof(nsec3_vectors[0]); i++) {
		assert_non_null(knot_dname_from_str(wire, nsec3_vectors[i].name, sizeof(wire)));
		knot_dname_to_lower(wire);      /* as the program's walk of the qname does */
		kernel_hash(wire, knot_dname_size(wire), nsec3_vector_salt, sizeof(nsec3_vector_salt), NSEC3_VECTOR_ITERATIONS, digest);
		nsec3_base32hex(digest, text);
		assert_string_equal(text, nsec3_vectors[i].hash);
	}
}

/* Names of 1 to 255 octets: every padding case the program meets. */
static void test_every_name_length(void **state)
{
	dnssec_nsec3_params_t params = { .algorithm = DNSSEC_NSEC3_ALGORITHM_SHA1 };
	__u8 wire[KNOT_DNAME_MAXLEN], digest[SHA1_DIGEST_LEN];

	(void)state;
	for (int len = 1; len <= KNOT_DNAME_MAXLEN; len++) {
		dnssec_binary_t data = { .data = wire, .size = len }, hash = { 0 };

		for (int i = 0; i < len; i++)
			wire[i] = 'a' + (i * 7 + len) % 26;
		kernel_hash(wire, len, NULL, 0, 0, digest);
		assert_int_equal(dnssec_nsec3_hash(&data, &params, &hash), 0);
		assert_memory_equal(digest, hash.data, SHA1_DIGEST_LEN);
		dnssec_binary_free(&hash);
	}
}

static int setup(void **state)
{
	(void)state;
	skel = sha1_vectors_bpf__open_and_load();
	return skel ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	sha1_vectors_bpf__destroy(skel);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rfc5155_appendix_a),
		cmocka_unit_test(test_every_name_length),
	};

	return cmocka_run_group_tests_name("SHA-1 in the kernel", tests, setup, teardown);
}
