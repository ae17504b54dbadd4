// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The transferred zones' copies kept on disk: written and read back as
 * the same zone (a signed one: every RRset, TTL and signature), stamped
 * with the refresh that last found them current, named so that no label
 * makes a path of its own, and not taken from where others may write;
 * the temporary files of writes cut short removed, nothing else.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "temp_name.h"
#include "zone_copies.h"

static char top[PATH_MAX];
static struct zone_copies copies;

static int setup(void **state)
{
	char state_file[PATH_MAX + 16], err[512];

	(void)state;
	if (!mkdtemp(temp_name(top, sizeof(top), "xdpcast-copies-XXXXXX")))
		return -1;
	snprintf(state_file, sizeof(state_file), "%s/state.json", top);
	return zone_copies_open(&copies, state_file, err, sizeof(err));
}

static int teardown(void **state)
{
	char command[PATH_MAX + 16];

	(void)state;
	snprintf(command, sizeof(command), "rm -rf %s", top);
	return system(command);
}

/* Zone text parsed; the test fails with the parser's reason. */
static struct zone *parsed(const char *text, size_t len)
{
	char err[512];
	struct zone *zone = zone_parse("text", text, len, err, sizeof(err));

	if (!zone)
		fail_msg("%s", err);
	return zone;
}

/* zone kept as a copy refreshed at 1700000000, then read back as a start
 * reads it; the test fails with the reason either step gives. */
static struct zone *saved_and_read_back(const struct zone *zone)
{
	char err[512];
	time_t refreshed_at;
	struct zone *back;

	if (zone_copy_save(&copies, zone, 1700000000, err, sizeof(err)))
		fail_msg("saving: %s", err);
	if (!(back = zone_copy_load(&copies, zone->origin, &refreshed_at, err, sizeof(err))))
		fail_msg("reading back: %s", err);
	assert_int_equal(refreshed_at, 1700000000);
	return back;
}

static void test_a_signed_zone_comes_back_whole(void **state)
{
	char err[512];
	/* Signed with NSEC: RRSIGs, DNSKEYs and the chain (signed.test.zone is
	 * signed only by the e2e tests, at run time). */
	struct zone *zone = zone_load("tests/zones/denial.test.signed", err, sizeof(err)), *back;
	char dir[PATH_MAX + 16];
	time_t refreshed_at = 0;
	struct stat st;

	(void)state;
	assert_non_null(zone);
	assert_true(zone->is_signed);
	snprintf(dir, sizeof(dir), "%s/zones", top);
	assert_int_equal(stat(dir, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0700);
	back = saved_and_read_back(zone);
	assert_int_equal(back->serial, zone->serial);
	assert_int_equal(back->rrset_count, zone->rrset_count);
	for (size_t i = 0; i < zone->rrset_count; i++)
		assert_true(knot_rrset_equal(&back->rrsets[i], &zone->rrsets[i], true));
	/* A refresh that found it current moves its time, not its bytes. */
	zone_copy_refreshed(&copies, zone->origin, 1700003600);
	zone_free(back);
	back = zone_copy_load(&copies, zone->origin, &refreshed_at, err, sizeof(err));
	assert_non_null(back);
	assert_int_equal(refreshed_at, 1700003600);
	zone_free(back);
	zone_copy_forget(&copies, zone->origin);
	assert_null(zone_copy_load(&copies, zone->origin, &refreshed_at, err, sizeof(err)));
	assert_string_equal(err, "");
	zone_free(zone);
}

/* A '/' in a label made the copy's name a path into a directory. */
static void test_names_stay_in_the_directory(void **state)
{
	static const char text[] = "$ORIGIN a/b.test.\n@ 60 SOA ns hm 1 2 3 4 5\n@ 60 NS ns\nns 60 A 192.0.2.1\n";
	char path[PATH_MAX + 64];
	struct zone *zone = parsed(text, strlen(text)), *back = saved_and_read_back(zone);

	(void)state;
	snprintf(path, sizeof(path), "%s/zones/a\\047b.test.zone", top);
	assert_int_equal(access(path, F_OK), 0);
	assert_int_equal(back->rrset_count, zone->rrset_count);
	zone_free(back);
	zone_free(zone);
}

/* Every record comes back as it was served: whatever libknot writes, our
 * zone parser reads back the same (escapes, case, unknown types, odd bytes). */
static void test_odd_records_come_back_the_same(void **state)
{
	static const char text[] =
		"$ORIGIN Odd.Test.\n$TTL 300\n"
		"@ 60 SOA ns hm 1 2 3 4 5\n@ 60 NS ns\nns 60 A 192.0.2.1\n"
		"Mixed.Case 60 A 192.0.2.2\n"
		"a\\.dot 60 A 192.0.2.3\n"
		"sp\\032ace 60 A 192.0.2.4\n"
		"byte\\255x 60 A 192.0.2.5\n"
		"semi\\;colon 60 A 192.0.2.6\n"
		"q\\\"uote 60 A 192.0.2.7\n"
		"txt 60 TXT \"a\\\"b\" \"c\\\\d\" \"\\000\\255\\010x\" \"semi;colon (paren)\" \"\"\n"
		"unknown 60 TYPE65000 \\# 3 010203\n"
		"empty 60 TYPE65001 \\# 0\n"
		"caa 60 CAA 0 issue \"ca.example.net; x=\\\"y\\\"\"\n"
		"*.wild 60 A 192.0.2.8\n"
		"at\\@ 60 A 192.0.2.9\n"
		"dollar\\$ 60 A 192.0.2.10\n"
		"hinfo 60 HINFO \"a b\" \"\"\n"
		"svc 60 SVCB 1 . alpn=\"h2,h3\" port=853 key65000=\"\\001x\"\n"
		"ds 60 DS 1 8 2 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\n"
		"nsec 60 NSEC next.odd.test. A TYPE65000\n"
		"n3 60 NSEC3 1 1 0 - 0123456789abcdefghijklmnopqrstuv A RRSIG\n"
		"n3p 60 NSEC3PARAM 1 0 0 -\n"
		"sig 60 RRSIG A 8 3 60 20300101000000 20200101000000 1 odd.test. AAAA\n";
	struct zone *zone = parsed(text, strlen(text)), *back = saved_and_read_back(zone);

	(void)state;
	assert_int_equal(back->rrset_count, zone->rrset_count);
	for (size_t i = 0; i < zone->rrset_count; i++)
		if (!knot_rrset_equal(&back->rrsets[i], &zone->rrsets[i], true))
			fail_msg("RRset %zu differs", i);
	zone_free(back);
	zone_free(zone);
}

/* A name longer than a file name may be (with the temporary file's
 * suffix) was never written: it goes by its hash. */
static void test_a_long_name_is_kept_by_its_hash(void **state)
{
	char text[1024], label[64];
	struct zone *zone, *back;

	(void)state;
	memset(label, 'a', 60);
	label[60] = '\0';
	snprintf(text, sizeof(text), "$ORIGIN %s.%s.%s.%s.test.\n@ 60 SOA ns hm 1 2 3 4 5\n", label, label, label,
		 label);
	zone = parsed(text, strlen(text));
	back = saved_and_read_back(zone);
	assert_true(knot_dname_is_equal(back->origin, zone->origin));
	zone_free(back);
	zone_free(zone);
}

/* Whoever else may write the directory could have us serve their answers. */
static void test_a_directory_others_may_write_is_refused(void **state)
{
	static const char text[] = "$ORIGIN c.test.\n@ 60 SOA ns hm 1 2 3 4 5\n";
	char err[512], dir[PATH_MAX + 16];
	struct zone *zone = parsed(text, strlen(text));
	time_t refreshed_at;

	(void)state;
	assert_int_equal(zone_copy_save(&copies, zone, 1700000000, err, sizeof(err)), 0);
	snprintf(dir, sizeof(dir), "%s/zones", top);
	assert_int_equal(chmod(dir, 0777), 0);
	assert_null(zone_copy_load(&copies, zone->origin, &refreshed_at, err, sizeof(err)));
	assert_non_null(strstr(err, "is writable by other users"));
	assert_int_equal(chmod(dir, 0700), 0);
	zone_free(zone);
}

/* limits.zone_file_mb bounds a transfer's messages, where names are
 * compressed; the copy holds the same records as text, names in full,
 * several times larger: a zone the limit let in comes back from its copy.
 * Its records are still bounded by limits.zone_records. */
static void test_a_copy_larger_than_zone_file_mb_comes_back(void **state)
{
	const struct zone_limits small = { .file_bytes = 1 << 20, .records = 100000 };
	const struct zone_limits fewer = { .file_bytes = 1 << 20, .records = 20000 };
	const struct zone_limits saved = *zone_limits_in_force();
	char err[512], path[PATH_MAX + 32], *text = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&text, &size);
	struct zone *zone, *back;
	time_t refreshed_at;
	struct stat st;

	(void)state;
	fprintf(f, "$ORIGIN big.test.\n@ 60 SOA ns hm 1 2 3 4 5\n@ 60 NS ns\n");
	for (int i = 0; i < 30000; i++)       /* ~0.8 MiB as AXFR messages */
		fprintf(f, "host-%05d.a-long-label-the-transfer-compressed 60 A 192.0.2.%d\n", i, i % 256);
	fclose(f);
	zone_set_limits(&small);
	zone = parsed(text, size);
	back = saved_and_read_back(zone);
	snprintf(path, sizeof(path), "%s/zones/big.test.zone", top);
	assert_int_equal(stat(path, &st), 0);
	assert_true(st.st_size > 2 << 20);     /* as text */
	assert_int_equal(back->record_count, zone->record_count);
	zone_free(back);
	zone_set_limits(&fewer);
	assert_null(zone_copy_load(&copies, zone->origin, &refreshed_at, err, sizeof(err)));
	assert_non_null(strstr(err, "limits.zone_records"));
	zone_set_limits(&saved);
	zone_copy_forget(&copies, zone->origin);
	zone_free(zone);
	free(text);
}

/* A kill during a write leaves its temporary file (as big as the copy):
 * the next start removes those, and only those. */
static void test_leftovers_of_cut_writes_are_removed(void **state)
{
	static const char *const leftover = "a.test.zone.Ab12Cd";
	static const char *const kept[] = { "a.test.zone", "b.test.zone.Ab12C", "b.test.zone.txt", "notes.Ab12Cd" };
	char path[PATH_MAX + 64];
	FILE *f;

	(void)state;
	for (size_t i = 0; i <= sizeof(kept) / sizeof(kept[0]); i++) {
		snprintf(path, sizeof(path), "%s/zones/%s", top, i ? kept[i - 1] : leftover);
		assert_non_null(f = fopen(path, "w"));
		fclose(f);
	}
	snprintf(path, sizeof(path), "%s/zones/d.test.zone.ABCDEF", top);      /* not a file: not ours */
	assert_int_equal(mkdir(path, 0700), 0);
	snprintf(path, sizeof(path), "%s/zones/l.test.zone.ABCDEF", top);
	assert_int_equal(symlink("/etc/hostname", path), 0);

	assert_int_equal(zone_copies_remove_leftovers(&copies), 1);
	snprintf(path, sizeof(path), "%s/zones/%s", top, leftover);
	assert_int_equal(access(path, F_OK), -1);
	for (size_t i = 0; i < sizeof(kept) / sizeof(kept[0]); i++) {
		snprintf(path, sizeof(path), "%s/zones/%s", top, kept[i]);
		assert_int_equal(access(path, F_OK), 0);
		assert_int_equal(unlink(path), 0);
	}
	snprintf(path, sizeof(path), "%s/zones/d.test.zone.ABCDEF", top);
	assert_int_equal(rmdir(path), 0);
	snprintf(path, sizeof(path), "%s/zones/l.test.zone.ABCDEF", top);
	assert_int_equal(unlink(path), 0);
	assert_int_equal(zone_copies_remove_leftovers(&copies), 0);
}

/* Beside a state file in a directory others may write: none kept (the
 * start goes on without them, saying why). */
static void test_copies_beside_a_shared_state_file_are_refused(void **state)
{
	char shared[PATH_MAX + 16], state_file[PATH_MAX + 32], err[512];
	struct zone_copies refused;

	(void)state;
	snprintf(shared, sizeof(shared), "%s/shared", top);
	assert_int_equal(mkdir(shared, 0777), 0);
	assert_int_equal(chmod(shared, 0777), 0);
	snprintf(state_file, sizeof(state_file), "%s/state.json", shared);
	assert_int_equal(zone_copies_open(&refused, state_file, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "is writable by other users"));
	assert_string_equal(refused.dir, "");
	snprintf(shared + strlen(shared), sizeof(shared) - strlen(shared), "/zones");
	assert_int_equal(access(shared, F_OK), -1);     /* nothing made there */
}

/* A second daemon with a state file in the same directory: refused the
 * copies while the first keeps them, as its lock says; given them once
 * the first is done. */
static void test_a_second_daemon_is_refused_the_copies(void **state)
{
	char state_file[PATH_MAX + 32], want[PATH_MAX + 128], err[512];
	struct zone_copies second;

	(void)state;
	snprintf(state_file, sizeof(state_file), "%s/other-state.json", top);
	assert_int_equal(zone_copies_open(&second, state_file, err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "%s/zones: another xdpcastd keeps its copies here (give each a state_file in a "
		 "directory of its own)", top);
	assert_string_equal(err, want);
	assert_string_equal(second.dir, "");
	zone_copies_close(&second);     /* nothing held: nothing given back */
	zone_copies_close(&copies);
	assert_int_equal(zone_copies_open(&second, state_file, err, sizeof(err)), 0);
	zone_copies_close(&second);
	assert_int_equal(zone_copies_open(&copies, state_file, err, sizeof(err)), 0);
}

/* The directory removed while running (to force fresh transfers, say):
 * the next write made it again as durable_file_write makes directories,
 * 0755, so the copies of zones a primary keeps from the world were
 * readable to all, and unlocked, for a second daemon to take. Made again
 * root's alone and locked; one left 0755 is made so at the start. */
static void test_a_removed_directory_is_made_again_private_and_locked(void **state)
{
	static const char text[] = "$ORIGIN kept.test.\n@ 300 IN SOA ns1 hostmaster 1 3600 600 86400 60\n"
				   "@ 300 IN NS ns1\nns1 300 IN A 192.0.2.53\n";
	char command[PATH_MAX + 32], state_file[PATH_MAX + 32], err[512];
	struct zone *zone = parsed(text, sizeof(text) - 1);
	struct zone_copies second;
	struct stat st;

	(void)state;
	snprintf(command, sizeof(command), "rm -rf %s", copies.dir);
	assert_int_equal(system(command), 0);
	zone_free(saved_and_read_back(zone));
	assert_int_equal(stat(copies.dir, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0700);
	snprintf(state_file, sizeof(state_file), "%s/other-state.json", top);
	assert_int_equal(zone_copies_open(&second, state_file, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "another xdpcastd keeps its copies here"));
	zone_copies_close(&copies);
	snprintf(command, sizeof(command), "%s/zones", top);
	assert_int_equal(chmod(command, 0755), 0);
	snprintf(state_file, sizeof(state_file), "%s/state.json", top);
	assert_int_equal(zone_copies_open(&copies, state_file, err, sizeof(err)), 0);
	assert_int_equal(stat(copies.dir, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0700);
	zone_free(zone);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_a_signed_zone_comes_back_whole),
		cmocka_unit_test(test_names_stay_in_the_directory),
		cmocka_unit_test(test_a_long_name_is_kept_by_its_hash),
		cmocka_unit_test(test_odd_records_come_back_the_same),
		cmocka_unit_test(test_a_directory_others_may_write_is_refused),
		cmocka_unit_test(test_copies_beside_a_shared_state_file_are_refused),
		cmocka_unit_test(test_leftovers_of_cut_writes_are_removed),
		cmocka_unit_test(test_a_second_daemon_is_refused_the_copies),
		cmocka_unit_test(test_a_removed_directory_is_made_again_private_and_locked),
		cmocka_unit_test(test_a_copy_larger_than_zone_file_mb_comes_back),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
