// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Log lines a peer can repeat at will: one line per interval and kind,
 * with the count of what was left out, on explicit times; and a NOTIFY
 * flood through the real message check gives one line, not one per message.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <arpa/inet.h>
#include <cmocka.h>
#include <libknot/libknot.h>

#include "log.h"
#include "notify.h"

static FILE *out;

static int setup(void **state)
{
	(void)state;
	out = tmpfile();
	log_set_output(out);
	return out ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	log_set_output(NULL);
	fclose(out);
	return 0;
}

/* The lines logged since the last call, NUL-separated into buf; their count. */
static int take_lines(char *buf, size_t size)
{
	size_t len;
	int lines = 0;

	fflush(out);
	rewind(out);
	len = fread(buf, 1, size - 1, out);
	buf[len] = '\0';
	for (size_t i = 0; i < len; i++)
		if (buf[i] == '\n') {
			buf[i] = '\0';
			lines++;
		}
	rewind(out);
	if (ftruncate(fileno(out), 0))
		fail_msg("cannot empty the log file");
	return lines;
}

static void test_once_per_interval_with_a_count(void **state)
{
	struct log_every refusals = LOG_EVERY_INIT(10), other = LOG_EVERY_INIT(10);
	char buf[1024];

	(void)state;
	log_msg_every_at(&refusals, 100.0, LOG_LEVEL_WARN, "refused %d", 1);
	for (int i = 2; i <= 6; i++)
		log_msg_every_at(&refusals, 100.0 + i, LOG_LEVEL_WARN, "refused %d", i);
	log_msg_every_at(&other, 101.0, LOG_LEVEL_WARN, "another kind");
	assert_int_equal(take_lines(buf, sizeof(buf)), 2);
	assert_string_equal(buf, "xdpcastd: warning: refused 1");
	assert_string_equal(buf + strlen(buf) + 1, "xdpcastd: warning: another kind");

	log_msg_every_at(&refusals, 110.0, LOG_LEVEL_WARN, "refused %d", 7);
	log_msg_every_at(&refusals, 110.5, LOG_LEVEL_WARN, "refused %d", 8);
	assert_int_equal(take_lines(buf, sizeof(buf)), 1);
	assert_string_equal(buf, "xdpcastd: warning: refused 7 (5 more like this in the last 10 s)");

	log_msg_every_at(&refusals, 125.0, LOG_LEVEL_WARN, "refused %d", 9);
	log_msg_every_at(&refusals, 140.0, LOG_LEVEL_WARN, "refused %d", 10);
	assert_int_equal(take_lines(buf, sizeof(buf)), 2);
	assert_string_equal(buf, "xdpcastd: warning: refused 9 (1 more like this in the last 10 s)");
	assert_string_equal(buf + strlen(buf) + 1, "xdpcastd: warning: refused 10");
}

static void test_below_the_level_nothing(void **state)
{
	struct log_every every = LOG_EVERY_INIT(10);
	char buf[256];

	(void)state;
	log_msg_every_at(&every, 1.0, LOG_LEVEL_DEBUG, "not at info");
	assert_int_equal(take_lines(buf, sizeof(buf)), 0);
	log_msg_every_at(&every, 1.0, LOG_LEVEL_WARN, "shown");
	assert_int_equal(take_lines(buf, sizeof(buf)), 1);
}

/* A retry that fails again for the same reason is counted, not logged; a
 * new reason is logged at once; the end of the failures gives their number.
 * Transfer retries, BIRD reconnects and health checks logged every try. */
static void test_by_reason(void **state)
{
	struct log_every failures = LOG_EVERY_BY_REASON(600);
	char buf[1024];

	(void)state;
	log_reason_at(&failures, 10.0, "timeout", LOG_LEVEL_ERROR, "zone a: %s; next try in %d s", "timeout", 5);
	log_reason_at(&failures, 15.0, "timeout", LOG_LEVEL_ERROR, "zone a: %s; next try in %d s", "timeout", 10);
	log_reason_at(&failures, 25.0, "timeout", LOG_LEVEL_ERROR, "zone a: %s; next try in %d s", "timeout", 20);
	assert_int_equal(take_lines(buf, sizeof(buf)), 1);
	assert_string_equal(buf, "xdpcastd: error: zone a: timeout; next try in 5 s");
	log_reason_at(&failures, 45.0, "refused", LOG_LEVEL_ERROR, "zone a: %s", "refused");
	assert_int_equal(take_lines(buf, sizeof(buf)), 1);
	assert_string_equal(buf, "xdpcastd: error: zone a: refused (after 2 more like the line before)");
	log_reason_at(&failures, 700.0, "refused", LOG_LEVEL_ERROR, "zone a: %s", "refused");
	log_reason_at(&failures, 705.0, "refused", LOG_LEVEL_ERROR, "zone a: %s", "refused");
	assert_int_equal(take_lines(buf, sizeof(buf)), 1);
	assert_string_equal(buf, "xdpcastd: error: zone a: refused");
	assert_int_equal(log_every_end(&failures), 6);
	log_reason_at(&failures, 706.0, "refused", LOG_LEVEL_ERROR, "zone a: %s", "refused");
	assert_int_equal(take_lines(buf, sizeof(buf)), 1);      /* a new run of failures is told again */
	assert_int_equal(log_every_end(&failures), 1);
}

/* Under systemd, stderr is the journal's: a syslog priority per line, no
 * time (the journal keeps it); anywhere else a UTC time first. */
static void test_styles(void **state)
{
	char buf[1024], stream[64];
	struct stat st;

	(void)state;
	log_init(LOG_STYLE_JOURNAL, LOG_LEVEL_INFO);
	log_error("bad %d", 1);
	log_warn("odd");
	log_info("fine");
	log_debug("not shown");
	assert_int_equal(take_lines(buf, sizeof(buf)), 3);
	assert_string_equal(buf, "<3>bad 1");
	assert_string_equal(buf + strlen(buf) + 1, "<4>odd");
	assert_string_equal(buf + strlen(buf) + 1 + strlen("<4>odd") + 1, "<6>fine");
	log_init(LOG_STYLE_TIMESTAMP, LOG_LEVEL_INFO);
	log_info("ready");
	assert_int_equal(take_lines(buf, sizeof(buf)), 1);
	assert_int_equal(strlen(buf), strlen("2026-11-30T19:20:01.123Z xdpcastd: info: ready"));
	assert_true(buf[4] == '-' && buf[10] == 'T' && buf[19] == '.' && buf[23] == 'Z');
	assert_string_equal(buf + 24, " xdpcastd: info: ready");
	log_init(LOG_STYLE_PLAIN, LOG_LEVEL_INFO);

	assert_int_equal(fstat(2, &st), 0);
	snprintf(stream, sizeof(stream), "%llu:%llu", (unsigned long long)st.st_dev, (unsigned long long)st.st_ino);
	setenv("JOURNAL_STREAM", stream, 1);
	assert_int_equal(log_style_for_stderr(), LOG_STYLE_JOURNAL);
	setenv("JOURNAL_STREAM", "1:2", 1);     /* inherited, but stderr was redirected since */
	assert_int_equal(log_style_for_stderr(), LOG_STYLE_TIMESTAMP);
	unsetenv("JOURNAL_STREAM");
	assert_int_equal(log_style_for_stderr(), LOG_STYLE_TIMESTAMP);
}

/* 20,000 unsigned NOTIFYs for a zone we do not transfer, as an attacker
 * sends them: each answered NOTAUTH, one warning line in all. */
static void test_notify_flood_is_one_line(void **state)
{
	struct sockaddr_storage from = { 0 };
	struct sockaddr_in *sin = (struct sockaddr_in *)&from;
	uint8_t wire[512] = { 0 }, reply[NOTIFY_MESSAGE_MAX];    /* knot_pkt_new keeps what the buffer holds */
	knot_pkt_t *pkt = knot_pkt_new(wire, sizeof(wire), NULL);
	knot_dname_t *zone = knot_dname_from_str_alloc("example.test.");
	char buf[4096];
	size_t size, reply_len;

	(void)state;
	sin->sin_family = AF_INET;
	inet_pton(AF_INET, "203.0.113.9", &sin->sin_addr);
	knot_wire_set_opcode(pkt->wire, KNOT_OPCODE_NOTIFY);
	assert_int_equal(knot_pkt_put_question(pkt, zone, KNOT_CLASS_IN, KNOT_RRTYPE_SOA), KNOT_EOK);
	size = pkt->size;
	for (int i = 0; i < 20000; i++) {
		uint8_t copy[512];

		memcpy(copy, wire, size);
		knot_wire_set_id(copy, i);
		assert_int_equal(notify_handle(copy, size, &from, NULL, 0, reply, &reply_len), -1);
		assert_true(reply_len >= KNOT_WIRE_HEADER_SIZE);
		assert_int_equal(knot_wire_get_rcode(reply), KNOT_RCODE_NOTAUTH);
		assert_int_equal(knot_wire_get_id(reply), i);
	}
	assert_int_equal(take_lines(buf, sizeof(buf)), 1);
	assert_string_equal(buf, "xdpcastd: warning: NOTIFY for example.test. from 203.0.113.9 refused: "
				 "not a zone we transfer");
	knot_pkt_free(pkt);
	knot_dname_free(zone, NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_once_per_interval_with_a_count),
		cmocka_unit_test(test_below_the_level_nothing),
		cmocka_unit_test(test_by_reason),
		cmocka_unit_test(test_styles),
		cmocka_unit_test(test_notify_flood_is_one_line),
	};

	return cmocka_run_group_tests_name("log", tests, setup, teardown);
}
