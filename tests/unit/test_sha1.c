// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The SHA-1 the XDP program hashes NSEC3 owner names with (bpf/sha1.h),
 * run here against FIPS 180 examples at every padding boundary, RFC 5155
 * appendix A (12 iterations over a salt, built from the single hash the
 * program computes) and libdnssec's NSEC3 hash of names up to 255 octets.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <libdnssec/nsec.h>
#include <libknot/libknot.h>

#include "nsec3_vectors.h"
#include "sha1.h"

static void digest_of(const void *data, __u32 len, __u8 out[SHA1_DIGEST_LEN])
{
	struct sha1 c;

	assert_true(len <= SHA1_INPUT_MAX);
	memset(&c, 0xa5, sizeof(c));    /* the padding must not rely on zeroed memory */
	memcpy(c.msg, data, len);
	assert_int_equal(sha1_digest(&c, len), 0);
	sha1_output(&c, out);
}

static void assert_digest(const char *hex, const __u8 digest[SHA1_DIGEST_LEN])
{
	char text[2 * SHA1_DIGEST_LEN + 1];

	for (int i = 0; i < SHA1_DIGEST_LEN; i++)
		snprintf(text + 2 * i, 3, "%02x", digest[i]);
	assert_string_equal(text, hex);
}

/* FIPS 180 examples and the lengths around each block boundary: 55 octets
 * pad into one block, 56 into two, 64 into two, 255 into five. */
static void test_fips_vectors(void **state)
{
	static const struct { __u32 len; char fill; const char *hex; } filled[] = {
		{ 55, 'a', "c1c8bbdc22796e28c0e15163d20899b65621d65a" },
		{ 56, 'a', "c2db330f6083854c99d4b5bfb6e8f29f201be699" },
		{ 64, 'a', "0098ba824b5c16427bd7a1122a5a442a25ec644d" },
	};
	__u8 digest[SHA1_DIGEST_LEN], msg[255];

	(void)state;
	digest_of("", 0, digest);
	assert_digest("da39a3ee5e6b4b0d3255bfef95601890afd80709", digest);
	digest_of("abc", 3, digest);
	assert_digest("a9993e364706816aba3e25717850c26c9cd0d89d", digest);
	digest_of("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", 56, digest);
	assert_digest("84983e441c3bd26ebaae4aa1f95129e5e54670f1", digest);
	for (size_t i = 0; i < sizeof(filled) / sizeof(filled[0]); i++) {
		memset(msg, filled[i].fill, filled[i].len);
		digest_of(msg, filled[i].len, digest);
		assert_digest(filled[i].hex, digest);
	}
	for (int i = 0; i < 255; i++)
		msg[i] = i + 1;
	digest_of(msg, 255, digest);
	assert_digest("8760d3807fb0c8ce8fd426f4cf72632edf8789f6", digest);
}

static void test_too_long(void **state)
{
	struct sha1 c;

	(void)state;
	assert_int_equal(sha1_digest(&c, SHA1_INPUT_MAX + 1), -1);
}

/* RFC 5155 section 5: IH(salt, x, 0) = H(x || salt), IH(salt, x, k) =
 * H(IH(salt, x, k-1) || salt). */
static void nsec3_hash(const char *name, const __u8 *salt, __u32 salt_len, int iterations,
		       __u8 out[SHA1_DIGEST_LEN])
{
	__u8 wire[KNOT_DNAME_MAXLEN], msg[KNOT_DNAME_MAXLEN + 255];
	size_t len;

	assert_non_null(knot_dname_from_str(wire, name, sizeof(wire)));
	len = knot_dname_size(wire);
	assert_in_range(len, 1, KNOT_DNAME_MAXLEN);
	knot_dname_to_lower(wire);
	memcpy(msg, wire, len);
	memcpy(msg + len, salt, salt_len);
	digest_of(msg, len + salt_len, out);
	for (int i = 0; i < iterations; i++) {
		memcpy(msg, out, SHA1_DIGEST_LEN);
		memcpy(msg + SHA1_DIGEST_LEN, salt, salt_len);
		digest_of(msg, SHA1_DIGEST_LEN + salt_len, out);
	}
}

static void test_rfc5155_appendix_a(void **state)
{
	__u8 digest[SHA1_DIGEST_LEN];
	char text[33];

	(void)state;
	for (size_t i = 0; i < sizeof(nsec3_vectors) / sizeof(nsec3_vectors[0]); i++) {
		nsec3_hash(nsec3_vectors[i].name, nsec3_vector_salt, sizeof(nsec3_vector_salt), NSEC3_VECTOR_ITERATIONS, digest);
		nsec3_base32hex(digest, text);
		assert_string_equal(text, nsec3_vectors[i].hash);
	}
}

/* RFC 9276 parameters (no salt, no extra iteration) on names of every
 * length up to 255 octets, against libdnssec. */
static void test_matches_libdnssec(void **state)
{
	dnssec_nsec3_params_t params = { .algorithm = DNSSEC_NSEC3_ALGORITHM_SHA1 };
	__u8 wire[KNOT_DNAME_MAXLEN], digest[SHA1_DIGEST_LEN];
	unsigned seed = 5155;

	(void)state;
	for (int round = 0; round < 2000; round++) {
		dnssec_binary_t data, hash = { 0 };
		int len = 0;

		/* Labels of random lengths and octets until the name is full. */
		for (;;) {
			int label = 1 + rand_r(&seed) % 63;

			if (len + 1 + label + 1 > KNOT_DNAME_MAXLEN || (round % 7 == 0 && len > 20))
				break;
			wire[len] = label;
			for (int i = 1; i <= label; i++)
				wire[len + i] = 'a' + rand_r(&seed) % 26;
			len += 1 + label;
		}
		wire[len++] = 0;
		data = (dnssec_binary_t){ .data = wire, .size = len };
		assert_int_equal(dnssec_nsec3_hash(&data, &params, &hash), 0);
		assert_int_equal(hash.size, SHA1_DIGEST_LEN);
		digest_of(wire, len, digest);
		assert_memory_equal(digest, hash.data, SHA1_DIGEST_LEN);
		dnssec_binary_free(&hash);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fips_vectors),
		cmocka_unit_test(test_too_long),
		cmocka_unit_test(test_rfc5155_appendix_a),
		cmocka_unit_test(test_matches_libdnssec),
	};

	return cmocka_run_group_tests_name("SHA-1 for NSEC3", tests, NULL, NULL);
}
