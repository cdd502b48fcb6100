/* SPDX-License-Identifier: Apache-2.0 */
/*
 * seccomp_learn.bats' workload, built static by the test.
 *   learnprobe work      threads, a forked child, sockets: each of them
 *                        makes a call only it makes (recorded?)
 *   learnprobe probe6    socket(AF_INET6): "probe6 errno N"
 *   learnprobe hostile   tries to get out of the learning: its own filter
 *                        that allows everything, a listener of its own,
 *                        io_uring, then 16 threads and a child that make
 *                        calls only they make
 */
#include <errno.h>
#include <stddef.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static void *in_thread(void *arg)
{
	(void)arg;
	(void)syscall(SYS_getpriority, 0, 0); /* only threads make this call */
	return NULL;
}

static int threads_and_child(int n)
{
	pthread_t t[16];
	for (int i = 0; i < n; i++)
		if (pthread_create(&t[i], NULL, in_thread, NULL) != 0)
			return 1;
	for (int i = 0; i < n; i++)
		(void)pthread_join(t[i], NULL);
	pid_t c = fork();
	if (c == 0) {
		(void)syscall(SYS_sysinfo, NULL); /* only the child (EFAULT is fine) */
		_exit(0);
	}
	int st;
	return c < 0 || waitpid(c, &st, 0) < 0 || st != 0;
}

static int own_filter(void)
{
	struct sock_filter allow[] = { BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW) };
	struct sock_fprog prog = { 1, allow };
	if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) != 0)
		printf("own filter errno %d\n", errno);
	else
		printf("own filter installed\n");
	/* A listener of its own, for getppid only (so that, where the
	 * kernel grants it, nothing else waits on it). */
	struct sock_filter notif[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_getppid, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_USER_NOTIF),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog p2 = { 4, notif };
	long r = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_NEW_LISTENER,
			 &p2);
	printf("own listener %s %d\n", r < 0 ? "errno" : "fd", r < 0 ? errno : (int)r);
	r = syscall(SYS_io_uring_setup, 4, NULL);
	printf("io_uring errno %d\n", r < 0 ? errno : 0);
	return 0;
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "work";
	if (strcmp(mode, "probe6") == 0) {
		int s = socket(AF_INET6, SOCK_STREAM, 0);
		printf("probe6 errno %d\n", s < 0 ? errno : 0);
		return 0;
	}
	if (strcmp(mode, "hostile") == 0 && own_filter() != 0)
		return 1;
	int sv[2];
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0 || socket(AF_INET, SOCK_DGRAM, 0) < 0) {
		perror("socket");
		return 1;
	}
	if (threads_and_child(strcmp(mode, "hostile") == 0 ? 16 : 2) != 0)
		return 1;
	printf("%s done\n", mode);
	return 0;
}
