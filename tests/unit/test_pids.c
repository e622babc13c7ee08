// SPDX-License-Identifier: MIT
/* Unit tests of the pid filter's task list (record/pids.c), on this test
 * process: its threads and its children must be in it, others not. */
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "test.h"
#include "../../record/pids.h"

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
static pid_t thread_tid;
static int done;

static void *thread_main(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&lock);
	thread_tid = (pid_t)syscall(SYS_gettid);
	pthread_cond_broadcast(&cond);
	while (!done)
		pthread_cond_wait(&cond, &lock);
	pthread_mutex_unlock(&lock);
	return NULL;
}

static bool has(const struct pid_set *s, pid_t p)
{
	for (size_t i = 0; i < s->n; i++)
		if (s->v[i] == p)
			return true;
	return false;
}

static void test_threads_and_children(void)
{
	struct pid_set s = { 0 };
	pid_t self = getpid(), child, grandchild_holder;
	pthread_t th;
	int fd[2], ready[2];
	char c;

	CHECK_EQ(pipe(fd), 0);
	CHECK_EQ(pipe(ready), 0);
	pthread_create(&th, NULL, thread_main, NULL);
	pthread_mutex_lock(&lock);
	while (!thread_tid)
		pthread_cond_wait(&cond, &lock);
	pthread_mutex_unlock(&lock);
	/* a child that forks a grandchild, both waiting for EOF on the pipe */
	child = fork();
	if (child == 0) {
		close(fd[1]);
		close(ready[0]);
		if (fork() == 0) {
			if (write(ready[1], "g", 1) != 1 || read(fd[0], &c, 1) < 0)
				_exit(1);
			_exit(0);
		}
		close(ready[1]);
		if (read(fd[0], &c, 1) < 0)
			_exit(1);
		wait(NULL);
		_exit(0);
	}
	close(fd[0]);
	close(ready[1]);
	grandchild_holder = child;
	CHECK_EQ(read(ready[0], &c, 1), 1);	/* the grandchild is there */
	close(ready[0]);

	CHECK_EQ(pids_expand(&self, 1, &s), 0);
	CHECK(has(&s, self));
	CHECK(has(&s, thread_tid));
	CHECK(has(&s, child));
	CHECK(s.n >= 4);	/* self, thread, child, grandchild */
	CHECK(!has(&s, getppid()));
	CHECK(!has(&s, 1));
	for (size_t i = 1; i < s.n; i++)
		CHECK(s.v[i - 1] < s.v[i]);

	/* the child alone: itself and its child, not us */
	CHECK_EQ(pids_expand(&grandchild_holder, 1, &s), 0);
	CHECK_EQ(s.n, 2);
	CHECK(has(&s, child));
	CHECK(!has(&s, self));

	/* a process that is gone: just its pid */
	close(fd[1]);
	waitpid(child, NULL, 0);
	CHECK_EQ(pids_expand(&child, 1, &s), 0);
	CHECK_EQ(s.n, 1);

	pthread_mutex_lock(&lock);
	done = 1;
	pthread_cond_broadcast(&cond);
	pthread_mutex_unlock(&lock);
	pthread_join(th, NULL);
	pid_set_release(&s);
}

static void test_within(void)
{
	pid_t a[] = { 3, 5, 9 }, b[] = { 1, 3, 5, 9, 12 };
	struct pid_set sa = { a, 3, 3 }, sb = { b, 5, 5 }, empty = { 0 };

	CHECK(pid_set_within(&sa, &sb));
	CHECK(!pid_set_within(&sb, &sa));
	CHECK(pid_set_within(&empty, &sa));
	CHECK(!pid_set_within(&sa, &empty));
}

int main(void)
{
	RUN(test_threads_and_children);
	RUN(test_within);
	return TEST_EXIT();
}
