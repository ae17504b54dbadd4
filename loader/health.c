// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <grp.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <linux/bpf.h>
#include <linux/capability.h>

#include "cancel.h"
#include "clock.h"
#include "dns_tcp.h"
#include "health.h"
#include "log.h"
#include "lookup.h"
#include "reasons.h"

void health_init(struct health *h, unsigned rise, unsigned fall)
{
	memset(h, 0, sizeof(*h));
	h->rise = rise;
	h->fall = fall;
}

size_t health_add(struct health *h, const char *name, enum check_action action, uint64_t gates)
{
	struct check *c = &h->checks[h->count];

	snprintf(c->name, sizeof(c->name), "%s", name);
	snprintf(c->detail, sizeof(c->detail), "not run yet");
	c->failure_log = (struct log_every)LOG_EVERY_BY_REASON(HEALTH_FAILURE_REMINDER_S);
	c->action = action;
	c->gates = gates;
	return h->count++;
}

void health_record(struct health *h, size_t i, bool passed, const char *detail)
{
	struct check *c = &h->checks[i];

	snprintf(c->detail, sizeof(c->detail), "%s", passed ? "" : detail);
	if (passed) {
		if (c->failures)
			log_info("health check %s passes again after %lu failures", c->name,
				 log_every_end(&c->failure_log));
		c->failures = 0;
		c->passes++;
		c->passes_here++;
		if (!c->up && c->passes >= h->rise) {
			c->up = true;
			log_info("health check %s: up (%u passes in a row)", c->name, c->passes);
		}
		return;
	}
	log_reason(&c->failure_log, detail, LOG_LEVEL_ERROR, "health check %s failed: %s", c->name, detail);
	c->passes = c->passes_here = 0;
	c->failures++;
	if (c->up && c->failures >= h->fall) {
		c->up = false;
		log_error("health check %s: down (%u failures in a row)", c->name, c->failures);
	}
}

bool health_all_up(const struct health *h)
{
	for (size_t i = 0; i < h->count; i++)
		if (!h->checks[i].up)
			return false;
	return true;
}

void health_assume_up(struct health *h)
{
	for (size_t i = 0; i < h->count; i++) {
		h->checks[i].up = true;
		h->checks[i].passes = h->rise;
		h->checks[i].detail[0] = '\0';
	}
}

void health_start_down(struct health *h, size_t i, const char *detail)
{
	h->checks[i].up = false;
	h->checks[i].passes = 0;
	snprintf(h->checks[i].detail, sizeof(h->checks[i].detail), "%s", detail);
}

enum soa_verdict health_soa_answer(const uint8_t *wire, size_t len, const struct health_zone *z, const char *who,
				   bool newer_is_ours, char *detail, size_t dlen)
{
	char name[KNOT_DNAME_TXT_MAXLEN];
	knot_pkt_t *pkt = knot_pkt_new((uint8_t *)wire, len, NULL);
	const knot_pktsection_t *answer;
	enum soa_verdict ret = SOA_WRONG;

	knot_dname_to_str(name, z->origin, sizeof(name));
	if (!pkt || knot_pkt_parse(pkt, 0) != KNOT_EOK) {
		snprintf(detail, dlen, "%s: unparsable response to %s SOA", who, name);
		goto out;
	}
	if (knot_wire_get_rcode(pkt->wire) != KNOT_RCODE_NOERROR) {
		const knot_lookup_t *rcode = knot_lookup_by_id(knot_rcode_names, knot_wire_get_rcode(pkt->wire));

		if (rcode)
			snprintf(detail, dlen, "%s: %s to %s SOA", who, rcode->name, name);
		else
			snprintf(detail, dlen, "%s: rcode %u to %s SOA", who, knot_wire_get_rcode(pkt->wire), name);
		goto out;
	}
	if (!knot_wire_get_aa(pkt->wire)) {
		/* A resolver in the server's place answers from its cache: the
		 * serial may match while no server of ours is checked. */
		snprintf(detail, dlen, "%s: not authoritative for %s (AA=0): a resolver, not the zone's server?", who,
			 name);
		goto out;
	}
	answer = knot_pkt_section(pkt, KNOT_ANSWER);
	for (uint16_t i = 0; i < answer->count; i++) {
		const knot_rrset_t *rr = knot_pkt_rr(answer, i);
		uint32_t serial;
		bool later;

		/* Class IN alone: libknot takes others without rdata (RFC 2136). */
		if (rr->type != KNOT_RRTYPE_SOA || rr->rclass != KNOT_CLASS_IN ||
		    !knot_dname_is_case_equal(rr->owner, z->origin))
			continue;
		serial = knot_soa_serial(rr->rrs.rdata);
		later = (int32_t)(serial - z->serial) > 0;      /* RFC 1982: after ours by less than 2^31 */
		if (serial == z->serial || (later && newer_is_ours)) {
			ret = SOA_OURS;
			goto out;
		}
		snprintf(detail, dlen, "%s: %s serial %u, ours %u", who, name, serial, z->serial);
		ret = later ? SOA_LATER : SOA_WRONG;
		goto out;
	}
	snprintf(detail, dlen, "%s: no SOA in the answer to %s SOA%s", who, name,
		 knot_wire_get_tc(pkt->wire) ? " (truncated: TC=1)" : "");
out:
	knot_pkt_free(pkt);
	return ret;
}

int health_fast_path(const char *pin_dir, const struct health_zone *zones, size_t count, size_t *passed,
		     char *detail, size_t len)
{
	struct lookup_pins pins;
	int ret = -1;

	*passed = 0;
	if (lookup_open(pin_dir, &pins, detail, len))
		return -1;
	for (size_t i = 0; i < count; i++, ++*passed) {
		char name[KNOT_DNAME_TXT_MAXLEN], err[256];
		struct lookup_result res;

		knot_dname_to_str(name, zones[i].origin, sizeof(name));
		if (lookup_query(&pins, name, KNOT_RRTYPE_SOA, false, &res, err, sizeof(err))) {
			snprintf(detail, len, "%s", err);
			goto out;
		}
		if (res.verdict != XDP_TX) {
			snprintf(detail, len, "the program %s %s SOA instead of answering it (%s)",
				 res.verdict == XDP_PASS ? "passes" : res.verdict == XDP_DROP ? "drops" : "aborts on",
				 name, res.reason < XDPCAST_REASON_MAX ? reason_names[res.reason] : "its reason lost among other test runs");
			goto out;
		}
		/* The zones lane writes in place while a round runs, and the
		 * serial the round was given (the loop's view, updated once a
		 * write is done) follows the cache, never leads it: a newer one
		 * is ours, written meanwhile. An older one is stale data. */
		if (health_soa_answer(res.dns, res.dns_len, &zones[i], "the program", true, detail, len) != SOA_OURS)
			goto out;
	}
	ret = 0;
out:
	lookup_close(&pins);
	return ret;
}

/* One SOA query over UDP on fd (connected to the server); the response's
 * length, or -1. */
static ssize_t query_soa(int fd, const struct address *server, const struct health_zone *z, unsigned timeout_ms,
			 uint8_t *buf, size_t size, char *detail, size_t dlen)
{
	knot_pkt_t *query = knot_pkt_new(NULL, KNOT_WIRE_MIN_PKTSIZE, NULL);
	/* One deadline for the answer: datagrams that are not it (another
	 * ID) must not put it off, or a server sending them froze the check
	 * in its last state. */
	double deadline = clock_monotonic() + timeout_ms / 1000.0;
	ssize_t n = -1;
	uint16_t id;

	if (!query || knot_pkt_put_question(query, z->origin, KNOT_CLASS_IN, KNOT_RRTYPE_SOA)) {
		snprintf(detail, dlen, "backend %s: out of memory", server->text);
		goto out;
	}
	id = knot_wire_get_id(query->wire);
	if (send(fd, query->wire, query->size, 0) < 0) {
		snprintf(detail, dlen, "backend %s: %s", server->text, strerror(errno));
		goto out;
	}
	for (;;) {
		char why[128];

		if (dns_tcp_wait(fd, POLLIN, deadline, why, sizeof(why))) {
			snprintf(detail, dlen, "backend %s: %s", server->text, errno == ETIMEDOUT ? "no answer in time" :
				 why);
			n = -1;
			goto out;
		}
		n = recv(fd, buf, size, 0);
		if (n < 0) {
			snprintf(detail, dlen, "backend %s: %s", server->text, strerror(errno));
			goto out;
		}
		if (n >= KNOT_WIRE_HEADER_SIZE && knot_wire_get_id(buf) == id)
			break;
	}
out:
	knot_pkt_free(query);
	return n;
}

/* One socket for the round: a socket, connect and close for each zone
 * were half the cost of a round (thousands of zones, every second). */
int health_backend(const struct address *backend, unsigned timeout_ms, const struct health_zone *zones,
		   size_t count, size_t *passed, bool *server_later, char *detail, size_t len)
{
	int fd = socket(backend->ss.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	char who[96];
	int ret = -1;

	*passed = 0;
	*server_later = false;
	snprintf(who, sizeof(who), "backend %s", backend->text);
	if (fd < 0 || connect(fd, (const struct sockaddr *)&backend->ss, backend->len)) {
		snprintf(detail, len, "%s: %s", who, strerror(errno));
		goto out;
	}
	for (size_t i = 0; i < count; i++, ++*passed) {
		uint8_t buf[4096];
		ssize_t n = query_soa(fd, backend, &zones[i], timeout_ms, buf, sizeof(buf), detail, len);
		enum soa_verdict verdict = n < 0 ? SOA_WRONG : health_soa_answer(buf, n, &zones[i], who, false, detail,
										  len);

		if (verdict != SOA_OURS) {
			*server_later = verdict == SOA_LATER;
			goto out;
		}
	}
	ret = 0;
out:
	if (fd >= 0)
		close(fd);
	return ret;
}

/* What the child reports when it could not run the command: one write,
 * shorter than a pipe's atomic size. */
struct exec_failure {
	int error;
	char step[60];
};

/* In the forked child, before exec: nothing of the daemon's privilege
 * passes to the command. Capabilities are the forking worker's (CAP_BPF,
 * CAP_NET_ADMIN, CAP_SYS_ADMIN, CAP_SETUID, CAP_SETGID: caps.h); as uid 0
 * exec would give them back from the bounding set, which only CAP_SETPCAP
 * may empty, so no_new_privs instead: exec then grants no more than the
 * empty sets left here, whatever the uid, setuid bit or file
 * capabilities. Raw capset: libcap is not async-signal-safe. The failing
 * step, or NULL. */
static const char *drop_privileges(const struct run_as *as)
{
	struct __user_cap_header_struct header = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct none[2] = { 0 };

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
		return "no_new_privs";
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0))
		return "clearing ambient capabilities";
	if (as->name) {
		if (setgroups(as->group_count, as->groups))
			return "setgroups";
		if (setresgid(as->gid, as->gid, as->gid))
			return "setgid";
		if (setresuid(as->uid, as->uid, as->uid))
			return "setuid";
	}
	if (syscall(SYS_capset, &header, none))
		return "dropping capabilities";
	return NULL;
}

/* In the forked child: the command under /bin/sh as if started from a
 * clean shell, as health.user. Signal masks and ignored signals survive
 * exec, and the daemon blocks signals (for its signalfd) and ignores
 * SIGPIPE: a pipeline whose reader quits early (`producer | head -1`)
 * would then run on until the timeout. Its descriptors (maps, sockets,
 * whatever it inherited itself) are none of the command's business but
 * report, close-on-exec, which says what failed before the shell ran. */
static void __attribute__((noreturn)) exec_command(const char *run, const struct run_as *as, int report)
{
	int null = open("/dev/null", O_RDWR);
	const char *failed = drop_privileges(as);
	struct exec_failure why = { .error = errno };        /* before the calls below change it */
	sigset_t none;

	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	for (int sig = 1; sig < NSIG; sig++)
		signal(sig, SIG_DFL);
	setpgid(0, 0);
	dup2(null, 0);
	dup2(null, 1);
	dup2(null, 2);
	if (report != 3)
		dup3(report, 3, O_CLOEXEC);
	close_range(4, ~0U, 0);
	if (!failed) {
		execl("/bin/sh", "sh", "-c", run, (char *)NULL);
		failed = "exec /bin/sh";
		why.error = errno;
	}
	/* write(2) is all a forked child of a threaded process may rely on:
	 * strerror is the parent's to call. */
	strncpy(why.step, failed, sizeof(why.step) - 1);
	(void)!write(3, &why, sizeof(why));
	_exit(127);
}

/* What the shell's own statuses mean (POSIX): its stderr, which would say,
 * goes to /dev/null. */
static const char *shell_status_meaning(int status)
{
	return status == 127 ? " (command not found)" : status == 126 ? " (command not executable)" : "";
}

/* The command runs in a process group of its own, killed whole when the
 * command ends, times out or the daemon stops: nothing it started (curl
 * under a shell, a `sleep &` left behind) outlives its run, so a round
 * cannot leave one more process behind, and a command that hangs does not
 * hold up the exit for its timeout. */
int health_command(const struct command_check *command, const struct run_as *as, char *detail, size_t len)
{
	double deadline = clock_monotonic() + command->timeout_ms / 1000.0;
	bool stopping = false, timed_out = false;
	int status, wait_error = 0, report[2];
	struct exec_failure failed = { 0 };
	pid_t pid;

	if (pipe2(report, O_CLOEXEC | O_NONBLOCK)) {
		snprintf(detail, len, "pipe: %s", strerror(errno));
		return -1;
	}
	pid = fork();
	if (pid < 0) {
		snprintf(detail, len, "fork: %s", strerror(errno));
		close(report[0]);
		close(report[1]);
		return -1;
	}
	if (pid == 0)
		exec_command(command->run, as, report[1]);
	close(report[1]);
	setpgid(pid, pid);
	for (;;) {
		siginfo_t ended = { 0 };

		/* WNOWAIT: the command stays a zombie until the group is killed,
		 * so the group's id cannot be taken by another in the meantime. */
		if (waitid(P_PID, pid, &ended, WEXITED | WNOHANG | WNOWAIT) && errno != EINTR) {
			wait_error = errno;     /* reaped elsewhere: what it started must still go */
			break;
		}
		if (ended.si_pid == pid)
			break;
		stopping = cancel_requested();
		timed_out = !stopping && clock_monotonic() >= deadline;
		if (stopping || timed_out)
			break;
		usleep(10000);
	}
	kill(-pid, SIGKILL);
	if (waitpid(pid, &status, 0) < 0 && !wait_error)
		wait_error = errno;
	/* Written before the child's exit: all there by now, or nothing (the
	 * shell ran). */
	if (read(report[0], &failed, sizeof(failed)) != sizeof(failed))
		failed.step[0] = '\0';
	close(report[0]);
	if (failed.step[0] && !stopping && !timed_out)
		snprintf(detail, len, "'%s' not run%s%s: %s: %s", command->run, as->name ? " as " : "",
			 as->name ? as->name : "", failed.step, strerror(failed.error));
	else if (wait_error)
		snprintf(detail, len, "'%s': its status is lost: %s", command->run, strerror(wait_error));
	else if (stopping)
		snprintf(detail, len, "'%s' killed: xdpcastd is stopping", command->run);
	else if (timed_out)
		snprintf(detail, len, "'%s' did not finish within %u ms", command->run, command->timeout_ms);
	else if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	else if (WIFEXITED(status))
		snprintf(detail, len, "'%s' exited with status %d%s", command->run, WEXITSTATUS(status),
			 shell_status_meaning(WEXITSTATUS(status)));
	else
		snprintf(detail, len, "'%s' died of signal %d", command->run, WTERMSIG(status));
	return -1;
}
