// SPDX-License-Identifier: MIT
/*
 * The traced command and its descendants, under ptrace. Only exit, fork,
 * vfork, clone and exec events stop a tracee; every stop is resumed at
 * once, with the signal re-injected for signal-delivery stops. Group-stops
 * (Ctrl-Z, SIGSTOP) are left in force with PTRACE_LISTEN, as without us.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "uktrace/vec.h"
#include "launch.h"
#include "meta.h"

int launch_prepare(struct launch *l, char *const argv[],
		   const void *sigmask, struct ukt_buf *err)
{
	int gate[2], report[2];
	pid_t pid;
	char c;
	int e = 0;
	ssize_t n;

	memset(l, 0, sizeof(*l));
	l->pid = -1;
	l->gate = -1;
	l->report = -1;
	if (pipe2(gate, O_CLOEXEC) < 0) {
		e = -errno;
		ukt_buf_addf(err, "cannot create a pipe: %s", strerror(-e));
		return e;
	}
	if (pipe2(report, O_CLOEXEC) < 0) {
		e = -errno;
		close(gate[0]);
		close(gate[1]);
		ukt_buf_addf(err, "cannot create a pipe: %s", strerror(-e));
		return e;
	}
	pid = fork();
	if (pid < 0) {
		e = -errno;
		close(gate[0]);
		close(gate[1]);
		close(report[0]);
		close(report[1]);
		ukt_buf_addf(err, "cannot fork: %s", strerror(-e));
		return e;
	}
	if (pid == 0) {
		struct sigaction sa = { .sa_handler = SIG_DFL };

		close(gate[1]);
		close(report[0]);
		sigaction(SIGINT, &sa, NULL);
		sigaction(SIGTERM, &sa, NULL);
		sigaction(SIGHUP, &sa, NULL);
		sigaction(SIGPIPE, &sa, NULL);
		sigprocmask(SIG_SETMASK, sigmask, NULL);
		/* wait until tracing is ready (EOF without a byte: give up) */
		do {
			n = read(gate[0], &c, 1);
		} while (n < 0 && errno == EINTR);
		if (n != 1)
			_exit(127);
		execvp(argv[0], argv);
		e = errno;
		if (write(report[1], &e, sizeof(e)) < 0)
			_exit(127);
		_exit(127);
	}
	close(gate[0]);
	close(report[1]);
	l->pid = pid;
	l->gate = gate[1];
	l->report = report[0];
	return 0;
}

int launch_go(struct launch *l, struct ukt_buf *warn)
{
	long opts = PTRACE_O_TRACEEXIT | PTRACE_O_TRACEFORK |
		    PTRACE_O_TRACEVFORK | PTRACE_O_TRACECLONE |
		    PTRACE_O_TRACEEXEC;
	int e = 0;
	ssize_t n;

	if (ptrace(PTRACE_SEIZE, l->pid, 0, opts) == 0)
		l->traced = true;
	else if (warn)
		ukt_buf_addf(warn, "cannot follow the command with ptrace (%s): maps of processes that exit are read only periodically\n",
			     strerror(errno));
	if (write(l->gate, "g", 1) != 1)
		e = -errno;
	close(l->gate);
	l->gate = -1;
	/* the exec either succeeds (EOF, close-on-exec) or reports errno */
	do {
		n = read(l->report, &e, sizeof(e));
	} while (n < 0 && errno == EINTR);
	close(l->report);
	l->report = -1;
	if (n == (ssize_t)sizeof(e))
		return -e;	/* the child exits with 127; reaped later */
	return 0;
}

/* Descendant processes, for the signal at the end (best effort). */
static void track(struct launch *l, pid_t pid)
{
	if (ukt_grow_counted(&l->procs, l->nprocs, sizeof(*l->procs)))
		return;
	l->procs[l->nprocs++] = pid;
}

static void untrack(struct launch *l, pid_t pid)
{
	for (size_t i = 0; i < l->nprocs; i++) {
		if (l->procs[i] == pid) {
			l->procs[i] = l->procs[--l->nprocs];
			return;
		}
	}
}

static int encode_status(int st)
{
	if (WIFEXITED(st))
		return WEXITSTATUS(st);
	if (WIFSIGNALED(st))
		return 128 + WTERMSIG(st);
	return 1;
}

int launch_reap(struct launch *l, struct meta *m)
{
	int st;
	pid_t pid;

	while ((pid = waitpid(-1, &st, WNOHANG | __WALL)) > 0) {
		int sig = 0;

		if (WIFEXITED(st) || WIFSIGNALED(st)) {
			if (pid == l->pid) {
				l->exited = true;
				l->status = encode_status(st);
			} else {
				untrack(l, pid);
			}
			continue;
		}
		if (!WIFSTOPPED(st))
			continue;
		switch (st >> 8) {
		case SIGTRAP | (PTRACE_EVENT_EXIT << 8):
			/* still has its memory map: the last chance to read it */
			if (m)
				meta_snapshot_pid(m, pid);
			break;
		case SIGTRAP | (PTRACE_EVENT_FORK << 8):
		case SIGTRAP | (PTRACE_EVENT_VFORK << 8): {
			unsigned long child;

			if (ptrace(PTRACE_GETEVENTMSG, pid, 0, &child) == 0) {
				track(l, (pid_t)child);
				if (m)
					meta_follow(m, (pid_t)child);
			}
			break;
		}
		case SIGTRAP | (PTRACE_EVENT_CLONE << 8):
		case SIGTRAP | (PTRACE_EVENT_EXEC << 8):
			break;
		default:
			if ((st >> 16) == PTRACE_EVENT_STOP) {
				int s = WSTOPSIG(st);

				/* a group-stop keeps the process stopped until
				 * SIGCONT; a new tracee's stop (SIGTRAP) ends */
				if (s == SIGSTOP || s == SIGTSTP ||
				    s == SIGTTIN || s == SIGTTOU) {
					ptrace(PTRACE_LISTEN, pid, 0, 0);
					continue;
				}
				break;
			}
			sig = WSTOPSIG(st);
			break;
		}
		ptrace(PTRACE_CONT, pid, 0, (void *)(long)sig);
	}
	return 0;
}

void launch_stop(struct launch *l, int sig, unsigned int grace_ms)
{
	uint64_t until = meta_clock_now("mono") / 1000000 + grace_ms;

	if (l->pid <= 0 || l->exited || l->gate >= 0) {
		launch_abort(l);
		return;
	}
	/* like a service manager: the whole tree, not just its root */
	for (size_t i = 0; i <= l->nprocs; i++) {
		pid_t p = i < l->nprocs ? l->procs[i] : l->pid;

		if (sig)
			kill(p, sig);
		kill(p, SIGCONT);	/* a stopped process cannot act on it */
	}
	for (;;) {
		struct timespec ts = { 0, 10 * 1000000 };

		launch_reap(l, NULL);
		if ((l->exited && !l->nprocs) || meta_clock_now("mono") / 1000000 >= until)
			break;
		nanosleep(&ts, NULL);
	}
	for (size_t i = 0; i < l->nprocs; i++)
		kill(l->procs[i], SIGKILL);
	launch_abort(l);
}

void launch_release(struct launch *l)
{
	free(l->procs);
	l->procs = NULL;
	l->nprocs = 0;
}

void launch_abort(struct launch *l)
{
	int st;

	if (l->pid <= 0)
		return;
	if (l->gate >= 0) {
		close(l->gate);		/* the child sees EOF and exits */
		l->gate = -1;
	}
	if (l->report >= 0) {
		close(l->report);
		l->report = -1;
	}
	if (!l->exited)
		kill(l->pid, SIGKILL);
	while (!l->exited && waitpid(l->pid, &st, __WALL) == l->pid) {
		if (WIFEXITED(st) || WIFSIGNALED(st)) {
			l->exited = true;
			l->status = encode_status(st);
		} else if (WIFSTOPPED(st)) {
			ptrace(PTRACE_CONT, l->pid, 0, 0);
		}
	}
}
