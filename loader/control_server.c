// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The control socket, served from the event loop without ever waiting on
 * a client: every connection is non-blocking, has a deadline to send its
 * command line and to take the answer, and at most CONTROL_CONNS_MAX are
 * served at once (more are told so and closed). `reload` answers when the
 * load it asked for has ended, which can take a while for large zones:
 * meanwhile the connection only holds its slot. `status` is encoded on a
 * worker from the snapshot in force (at 100,000 zones that took the loop
 * ~0.6 s a reply). drain and withdraw take effect at once, undrain once
 * the state file keeps it; each is answered once the state file's write
 * of it ended (on a worker too), or after CONTROL_MAINTENANCE_WAIT_S
 * saying it is not kept yet (a disk hung as it fails). A stop tells
 * every client still waiting why it gets no answer.
 *
 * Served from the start's first step on (the zone files read, then the
 * first transfers, which take minutes from a distant primary, then the
 * first load): `status` then says phase starting, the step and how far the
 * transfers are. The other commands are refused until started, not queued:
 * a reload's answer (or a drain's) would wait for the whole start, past
 * xdpcastctl's timeout, and what they change is not running yet (no load
 * in force to replace, no announcement made).
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "clock.h"
#include "control.h"
#include "daemon.h"
#include "log.h"
#include "utf8.h"

#define CONTROL_CONNS_MAX   16
#define CONTROL_DEADLINE_S  2.0     /* to send the command, and to read the answer */
#define CONTROL_READ_RATE   (1 << 20)  /* bytes a second a reader must take beyond that:
				       * a status of 100,000 zones is 25 MB */
#define COMMAND_MAX         CONTROL_LINE_MAX
#define CONTROL_MAINTENANCE_WAIT_S 20.0 /* within xdpcastctl's default --timeout, 30 */

struct control_conn {
	struct control_server *server;
	int fd;                         /* -1: a free slot */
	char in[COMMAND_MAX + 2];       /* a whole line, its newline and a NUL */
	size_t in_len;
	char *out;
	size_t out_len, out_sent;
	unsigned waiting_for;           /* reload: the number of the load job; 0: none */
	struct control_command maintenance;     /* drain, undrain, withdraw: asked, */
	unsigned maintenance_version;           /* answered once it is written; 0: none */
	unsigned incarnation;           /* which client holds the slot, for late replies */
	struct loop_timer deadline;
};

/* A status reply encoded on the replies lane. */
struct status_job {
	struct loop_job job;            /* first: the job is the struct */
	struct daemon *d;
	struct control_conn *conn;
	unsigned incarnation;
	struct pop_state *state;        /* a reference */
	double longest_turn;
	char *text;                     /* the reply; NULL: not encodable */
};

struct control_server {
	struct daemon *d;
	struct loop_listener listener;  /* its fd, from the start on */
	struct control_conn conns[CONTROL_CONNS_MAX];
};

static void conn_close(struct control_conn *c)
{
	struct loop *loop = c->server->d->loop;

	loop_unwatch(loop, c->fd);
	loop_timer_cancel(loop, &c->deadline);
	close(c->fd);
	free(c->out);
	c->fd = -1;
	c->out = NULL;
	c->in_len = c->out_len = c->out_sent = 0;
	c->waiting_for = 0;
	c->maintenance_version = 0;
}

static void conn_ready(void *arg, short revents);

static void conn_write(struct control_conn *c)
{
	while (c->out_sent < c->out_len) {
		ssize_t n = send(c->fd, c->out + c->out_sent, c->out_len - c->out_sent, MSG_NOSIGNAL | MSG_DONTWAIT);

		if (n > 0) {
			c->out_sent += n;
			continue;
		}
		if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
			loop_watch_events(c->server->d->loop, c->fd, POLLOUT);
			return;
		}
		break;          /* the client left: nothing more to say to it */
	}
	conn_close(c);
}

/* Sends `text` (taken) and closes once it is sent. A reply that could not
 * be built or encoded (NULL) is still answered, with an error: closing
 * without a word reads as "no answer from xdpcastd". */
static void conn_send(struct control_conn *c, char *text)
{
	static const char not_encodable[] = "{\"ok\":false,\"error\":\"internal: reply not encodable\"}";

	c->waiting_for = 0;
	if (!text) {
		log_error("control socket: a reply could not be encoded; answered with an error");
		text = strdup(not_encodable);
	}
	if (!text) {
		conn_close(c);
		return;
	}
	c->out_len = strlen(text) + 1;
	c->out = realloc(text, c->out_len + 1);
	if (!c->out) {
		free(text);
		conn_close(c);
		return;
	}
	c->out[c->out_len - 1] = '\n';
	loop_timer_arm(c->server->d->loop, &c->deadline,
		       clock_monotonic() + CONTROL_DEADLINE_S + (double)c->out_len / CONTROL_READ_RATE);
	conn_write(c);
}

static json_t *error_reply(const char *error)
{
	return json_pack("{s:b, s:o}", "ok", 0, "error", json_text(error));
}

/* An error reply to a client never served, then the close: one send that
 * does not wait (a fresh socket's buffer holds the line), a client gone
 * already only logged. */
static void turn_away(int fd, const char *error)
{
	json_t *reply = error_reply(error);
	char *text = reply ? json_dumps(reply, JSON_COMPACT) : NULL;
	struct iovec line[2] = { { text, text ? strlen(text) : 0 }, { "\n", 1 } };

	json_decref(reply);
	if (text && sendmsg(fd, &(struct msghdr){ .msg_iov = line, .msg_iovlen = 2 }, MSG_NOSIGNAL | MSG_DONTWAIT) < 0)
		log_debug("control socket: a client turned away (%s) left early", error);
	free(text);
	close(fd);
}

static void conn_reply(struct control_conn *c, json_t *reply)
{
	char *text = reply ? json_dumps(reply, JSON_COMPACT) : NULL;

	json_decref(reply);
	conn_send(c, text);
}

/* A connection waits for a reply made elsewhere: no deadline, no events
 * meanwhile; conn_resume gives it both back before the reply goes out. */
static void conn_hold(struct control_conn *c)
{
	loop_unwatch(c->server->d->loop, c->fd);
	loop_timer_cancel(c->server->d->loop, &c->deadline);
}

static void conn_resume(struct control_conn *c)
{
	loop_watch(c->server->d->loop, c->fd, 0, conn_ready, c);
}

static void status_run(struct loop_job *job)
{
	struct status_job *j = (struct status_job *)job;

	j->text = state_json_text(j->state, json_pack("{s:f}", "loop_longest_turn_ms", j->longest_turn * 1000));
}

/* The client may have left and its slot gone to another, or the server
 * stopped, while the reply was encoded: then it goes nowhere. */
static void status_done(struct loop_job *job)
{
	struct status_job *j = (struct status_job *)job;

	state_unref(j->state);
	if (j->d->control && j->conn->fd >= 0 && j->conn->incarnation == j->incarnation) {
		conn_resume(j->conn);
		conn_send(j->conn, j->text);
	} else {
		free(j->text);
	}
	free(j);
}

static void reply_status(struct control_conn *c)
{
	struct daemon *d = c->server->d;
	struct status_job *j = calloc(1, sizeof(*j));

	if (!j) {
		conn_reply(c, error_reply("out of memory"));
		return;
	}
	*j = (struct status_job){
		.job = { .lane = LANE_REPLIES, .run = status_run, .done = status_done },
		.d = d, .conn = c, .incarnation = c->incarnation,
		.state = state_ref((struct pop_state *)daemon_state(d)), .longest_turn = d->longest_turn,
	};
	conn_hold(c);
	loop_submit(d->loop, &j->job);
}

static enum maintenance_action maintenance_action(const struct control_command *cmd)
{
	return cmd->verb == CONTROL_DRAIN ? MAINT_DRAIN : cmd->verb == CONTROL_WITHDRAW ? MAINT_WITHDRAW : MAINT_NONE;
}

/* drain, undrain, withdraw: refused at once (an unknown prefix, a drain
 * the config cannot express), else answered once written. */
static void maintain(struct control_conn *c, const struct control_command *cmd)
{
	struct daemon *d = c->server->d;
	char err[512];
	unsigned version = announce_maintain(d, cmd->prefix[0] ? cmd->prefix : NULL, maintenance_action(cmd),
					     cmd->prepend < 0 ? d->opts.drain.prepend : (unsigned)cmd->prepend, err,
					     sizeof(err));

	if (!version) {
		conn_reply(c, error_reply(err));
		return;
	}
	c->maintenance = *cmd;
	c->maintenance_version = version;
	conn_hold(c);
	loop_timer_arm(d->loop, &c->deadline, clock_monotonic() + CONTROL_MAINTENANCE_WAIT_S);
}

/* With every prefix's state; write_err: the write of it failed. Its
 * write neither said kept nor refused yet: a drain or withdraw is answered
 * with `unwritten_warning`, an undrain refused with `unwritten_error`
 * (both NULL: it ended). */
static void maintenance_answer(struct control_conn *c, const char *write_err, const char *unwritten_warning,
			       const char *unwritten_error)
{
	struct daemon *d = c->server->d;
	const struct control_command *cmd = &c->maintenance;
	enum maintenance_action action = maintenance_action(cmd);
	char not_kept[600], err[600];
	json_t *reply;

	c->maintenance_version = 0;
	conn_resume(c);
	if (unwritten_error && action == MAINT_NONE) {
		conn_reply(c, error_reply(unwritten_error));
		return;
	}
	if (unwritten_warning)
		snprintf(not_kept, sizeof(not_kept), "%s", unwritten_warning);
	else if (announce_maintained(d, cmd->prefix[0] ? cmd->prefix : NULL, action, write_err, not_kept,
				     sizeof(not_kept), err, sizeof(err))) {
		conn_reply(c, error_reply(err));
		return;
	}
	reply = json_pack("{s:b, s:o}", "ok", 1, "prefixes", state_prefixes_json(daemon_state(d)));
	if (reply && not_kept[0])
		json_object_set_new(reply, "warning", json_text(not_kept));
	conn_reply(c, reply);
}

void control_server_maintained(struct control_server *server, unsigned version, const char *write_err)
{
	if (!server)
		return;
	for (size_t i = 0; i < CONTROL_CONNS_MAX; i++) {
		struct control_conn *c = &server->conns[i];

		if (c->fd >= 0 && c->maintenance_version && (int)(version - c->maintenance_version) >= 0)
			maintenance_answer(c, write_err, NULL, NULL);
	}
}

static void run_command(struct control_conn *c, const char *line)
{
	struct daemon *d = c->server->d;
	struct control_command cmd;
	char err[256];

	if (control_parse(line, &cmd, err, sizeof(err))) {
		conn_reply(c, error_reply(err));
		return;
	}
	if (d->phase == PHASE_STARTING && cmd.verb != CONTROL_STATUS) {
		conn_reply(c, error_reply(cmd.verb == CONTROL_WITHDRAW ?
					  "starting: try again once started (to withdraw now, stop xdpcastd: "
					  "the unit's stop hook withdraws)" : "starting: try again once started"));
		return;
	}
	switch (cmd.verb) {
	case CONTROL_STATUS:
		reply_status(c);
		break;
	case CONTROL_RELOAD:
		/* Answered by control_server_reloaded, when that load ends. */
		c->waiting_for = zones_request_reload(d, "xdpcastctl reload", true);
		conn_hold(c);
		break;
	default:
		maintain(c, &cmd);
	}
}

static void conn_ready(void *arg, short revents)
{
	struct control_conn *c = arg;
	size_t line = 0;
	ssize_t n;

	/* With a reply on its way, any event is the write's: a client that shut
	 * its socket down (POLLHUP, no POLLOUT while the reply fills its queue)
	 * was read again, and the answer to what it read replaced the reply
	 * being sent, which leaked. */
	if (revents & POLLOUT || c->out) {
		conn_write(c);
		return;
	}
	n = recv(c->fd, c->in + c->in_len, COMMAND_MAX + 1 - c->in_len, MSG_DONTWAIT);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n > 0)
		c->in_len += n;
	/* Up to its newline, over a NUL byte too (which would end it unseen). */
	while (line < c->in_len && c->in[line] != '\n' && c->in[line] != '\r')
		line++;
	if (line == c->in_len && n > 0 && c->in_len <= COMMAND_MAX)
		return;         /* the rest of the line is still coming */
	if (line == c->in_len && n < 0) {
		conn_close(c);
		return;
	}
	loop_watch_events(c->server->d->loop, c->fd, 0);
	/* Refused whole: a line cut to its first bytes would run as another command. */
	if (line > COMMAND_MAX) {
		char error[64];

		snprintf(error, sizeof(error), "a command line is at most %d bytes", COMMAND_MAX);
		conn_reply(c, error_reply(error));
		return;
	}
	if (memchr(c->in, '\0', line)) {
		conn_reply(c, error_reply("a NUL byte in the command line"));
		return;
	}
	c->in[line] = '\0';
	run_command(c, c->in);
}

static void conn_expired(struct loop_timer *timer)
{
	struct control_conn *c = timer->arg;

	if (c->maintenance_version) {
		char warning[128], error[160];

		snprintf(warning, sizeof(warning), "in force, not kept across restarts yet: the state file's write "
			 "has not ended after %.0f s", CONTROL_MAINTENANCE_WAIT_S);
		snprintf(error, sizeof(error), "the state file's write has not ended after %.0f s: the undrain takes "
			 "effect if it is written (xdpcastctl status says when)", CONTROL_MAINTENANCE_WAIT_S);
		maintenance_answer(c, NULL, warning, error);
		return;
	}
	log_debug("control socket: a client took longer than %.0f s (and 1 s a MiB of its answer); closed",
		  CONTROL_DEADLINE_S);
	conn_close(c);
}

static void accept_ready(void *arg, short revents)
{
	struct control_server *server = arg;

	(void)revents;
	for (;;) {
		int fd = loop_accept(&server->listener, NULL, NULL);
		struct control_conn *c = NULL;

		if (fd < 0)
			return;
		for (size_t i = 0; i < CONTROL_CONNS_MAX && !c; i++)
			if (server->conns[i].fd < 0)
				c = &server->conns[i];
		if (!c) {
			turn_away(fd, "busy: too many control connections");
			continue;
		}
		c->fd = fd;
		c->incarnation++;
		if (loop_watch(server->d->loop, fd, POLLIN, conn_ready, c)) {
			close(fd);
			c->fd = -1;
			continue;
		}
		loop_timer_arm(server->d->loop, &c->deadline, clock_monotonic() + CONTROL_DEADLINE_S);
	}
}

int control_server_start(struct daemon *d, char *err, size_t errlen)
{
	struct control_server *server = calloc(1, sizeof(*server));
	char why[ERR_LEN / 2];

	if (!server) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	server->d = d;
	server->listener.fd = control_listen(d->opts.control_socket, why, sizeof(why));
	if (server->listener.fd < 0) {
		options_value_error(&d->opts, "control_socket", err, errlen, "%s", why);
		free(server);
		return -1;
	}
	for (size_t i = 0; i < CONTROL_CONNS_MAX; i++) {
		server->conns[i].fd = -1;
		server->conns[i].server = server;
		loop_timer_init(&server->conns[i].deadline, "control client", conn_expired, &server->conns[i]);
	}
	d->control = server;
	return 0;
}

/* Watched from the start's first step on (the loop turns while the zone
 * files are read, the first transfers run and the zones load); clients
 * that come between those steps, or while the program is attached after
 * them, wait in the backlog. */
void control_server_run(struct control_server *c)
{
	loop_listen(&c->listener, c->d->loop, c->listener.fd, "control socket", accept_ready, c);
}

void control_server_reloaded(struct control_server *c, unsigned job, bool ok, const char *err,
			     unsigned generation, const char *const *restart_keys, size_t restart_key_count,
			     const char *restart_advice)
{
	if (!c)
		return;
	for (size_t i = 0; i < CONTROL_CONNS_MAX; i++) {
		struct control_conn *conn = &c->conns[i];
		json_t *keys;

		if (conn->fd < 0 || !conn->waiting_for || conn->waiting_for > job)
			continue;
		conn_resume(conn);
		if (ok) {
			keys = json_array();
			for (size_t k = 0; keys && k < restart_key_count; k++)
				json_array_append_new(keys, json_text(restart_keys[k]));
			conn_reply(conn, json_pack("{s:b, s:I, s:o*, s:s}", "ok", 1, "generation",
						   (json_int_t)generation, "restart_keys", keys, "restart_advice",
						   restart_advice));
		} else
			conn_reply(conn, json_pack("{s:b, s:o, s:I}", "ok", 0, "error", json_text(err),
						   "generation", (json_int_t)generation));
	}
}

/* At a stop, a client still waiting is told why it gets no answer (closed
 * without a word, it read "no answer from xdpcastd", and a drain's as if
 * refused); a reply under way is cut. The loop leaves its last turn
 * without running the done of jobs that ended in it, so a write seen
 * unfinished may have ended. */
static void stop_answer(struct control_conn *c, const char *why)
{
	char warning[256], error[256];

	if (c->maintenance_version) {
		/* loop_free waits for that write, and makes the next */
		snprintf(warning, sizeof(warning), "%s before it saw the state file's write end: kept across "
			 "restarts if it is written as xdpcastd exits", why);
		snprintf(error, sizeof(error), "%s before it saw the state file's write end: the undrain takes "
			 "effect at the next start if it is written as xdpcastd exits", why);
		maintenance_answer(c, NULL, warning, error);
		return;
	}
	snprintf(error, sizeof(error), "%s before %s", why, c->waiting_for ? "the reload ended" : "answering");
	conn_reply(c, error_reply(error));
}

/* Those still in the listener's queue (closing it resets them unread),
 * as many as it holds: a client connecting again and again would hold
 * the stop. */
static void stop_answer_queued(struct control_server *c, const char *why)
{
	char error[256];

	snprintf(error, sizeof(error), "%s before answering", why);
	for (int n = 0; n < 2 * CONTROL_BACKLOG; n++) {
		int fd = loop_accept(&c->listener, NULL, NULL);

		if (fd < 0 && (errno == EINTR || errno == ECONNABORTED))
			continue;
		if (fd < 0)
			return;
		turn_away(fd, error);
	}
}

void control_server_stop(struct control_server *c, const char *why)
{
	if (!c)
		return;
	for (size_t i = 0; i < CONTROL_CONNS_MAX; i++) {
		if (c->conns[i].fd >= 0 && !c->conns[i].out)
			stop_answer(&c->conns[i], why);
		if (c->conns[i].fd >= 0)
			conn_close(&c->conns[i]);
	}
	stop_answer_queued(c, why);
	loop_unlisten(&c->listener);
	control_close(c->listener.fd, c->d->opts.control_socket);
	c->d->control = NULL;   /* replies still being encoded go nowhere */
	free(c);
}
