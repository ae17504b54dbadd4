// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "cancel.h"
#include "start_watch.h"

static void *watch(void *arg)
{
	struct start_watch *w = arg;
	struct pollfd fds[] = { { .fd = w->signal_fd, .events = POLLIN }, { .fd = w->over_fd, .events = POLLIN } };
	struct signalfd_siginfo si;

	/* Every signal is blocked in every thread: poll is never interrupted. */
	while (poll(fds, 2, -1) > 0 && !fds[1].revents) {
		if (read(w->signal_fd, &si, sizeof(si)) == sizeof(si)) {
			__atomic_store_n(&w->signo, si.ssi_signo, __ATOMIC_RELEASE);
			cancel_request();
			break;
		}
	}
	return NULL;
}

int start_watch_begin(struct start_watch *w, char *err, size_t errlen)
{
	sigset_t mask;
	int ret;

	memset(w, 0, sizeof(*w));
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGUSR1);
	w->signal_fd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	w->over_fd = eventfd(0, EFD_CLOEXEC);
	if (w->signal_fd < 0 || w->over_fd < 0) {
		snprintf(err, errlen, "watching for signals during the start: %s", strerror(errno));
		ret = -1;
	} else if ((ret = pthread_create(&w->thread, NULL, watch, w))) {
		snprintf(err, errlen, "watching for signals during the start: %s", strerror(ret));
	}
	w->running = ret == 0;
	if (!w->running) {
		if (w->signal_fd >= 0)
			close(w->signal_fd);
		if (w->over_fd >= 0)
			close(w->over_fd);
		return -1;
	}
	return 0;
}

unsigned start_watch_end(struct start_watch *w)
{
	if (w->running) {
		eventfd_write(w->over_fd, 1);
		pthread_join(w->thread, NULL);
		close(w->signal_fd);
		close(w->over_fd);
		w->running = false;
	}
	return __atomic_load_n(&w->signo, __ATOMIC_ACQUIRE);
}
