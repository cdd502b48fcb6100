#!/bin/bash
# seccomp-profile.sh: print a Docker-like default seccomp profile as the OCI
# runtime spec's linux.seccomp object: everything not listed fails with EPERM;
# the list allows what ordinary programs use and leaves out what changes the
# kernel or the system (mount, reboot, modules, kexec, bpf, perf, keyrings,
# namespaces, clock setting, swap, accounting, ptrace, userfaultfd, ...).
# clone3 fails with ENOSYS so that C libraries fall back to clone.
set -euo pipefail

allow=(
	# files and descriptors
	access faccessat faccessat2 open openat openat2 creat close close_range
	read readv pread64 preadv preadv2 write writev pwrite64 pwritev pwritev2
	lseek dup dup2 dup3 fcntl flock ioctl pipe pipe2 sendfile splice tee
	vmsplice copy_file_range fadvise64 readahead fallocate ftruncate truncate
	fsync fdatasync sync syncfs sync_file_range
	stat fstat lstat newfstatat statx statfs fstatfs
	getdents getdents64 getcwd chdir fchdir chroot
	mkdir mkdirat rmdir rename renameat renameat2 link linkat unlink unlinkat
	symlink symlinkat readlink readlinkat mknod mknodat
	chmod fchmod fchmodat chown fchown fchownat lchown umask
	utime utimes utimensat futimesat
	getxattr lgetxattr fgetxattr setxattr lsetxattr fsetxattr
	listxattr llistxattr flistxattr removexattr lremovexattr fremovexattr
	inotify_init inotify_init1 inotify_add_watch inotify_rm_watch fanotify_mark
	memfd_create eventfd eventfd2 signalfd signalfd4
	timerfd_create timerfd_settime timerfd_gettime
	# waiting and polling
	select pselect6 poll ppoll epoll_create epoll_create1 epoll_ctl
	epoll_wait epoll_pwait epoll_pwait2
	io_setup io_destroy io_submit io_cancel io_getevents io_pgetevents
	# memory
	brk mmap munmap mremap mprotect madvise mincore msync mlock mlock2 munlock
	mlockall munlockall remap_file_pages membarrier
	# processes and threads
	clone fork vfork execve execveat exit exit_group wait4 waitid
	kill tkill tgkill rt_sigaction rt_sigprocmask rt_sigreturn rt_sigpending
	rt_sigsuspend rt_sigtimedwait rt_sigqueueinfo rt_tgsigqueueinfo sigaltstack
	pause restart_syscall pidfd_open pidfd_send_signal
	futex futex_waitv set_robust_list get_robust_list set_tid_address rseq
	arch_prctl set_thread_area get_thread_area prctl seccomp
	sched_yield sched_getaffinity sched_setaffinity sched_getparam sched_setparam
	sched_getscheduler sched_setscheduler sched_get_priority_max
	sched_get_priority_min sched_rr_get_interval sched_getattr sched_setattr
	getpriority setpriority ioprio_get ioprio_set getcpu
	# identity and limits
	getpid getppid gettid getpgid setpgid getpgrp getsid setsid
	getuid geteuid getgid getegid getresuid getresgid getgroups
	setuid setgid setreuid setregid setresuid setresgid setfsuid setfsgid
	setgroups capget capset getrlimit setrlimit prlimit64 getrusage times
	uname sysinfo getrandom
	# time
	time gettimeofday clock_gettime clock_getres clock_nanosleep nanosleep
	alarm getitimer setitimer timer_create timer_delete timer_settime
	timer_gettime timer_getoverrun
	# IPC
	shmget shmat shmdt shmctl semget semop semtimedop semctl
	msgget msgsnd msgrcv msgctl
	mq_open mq_unlink mq_timedsend mq_timedreceive mq_notify mq_getsetattr
	# sockets
	socket socketpair bind listen accept accept4 connect shutdown
	getsockname getpeername getsockopt setsockopt sendto recvfrom
	sendmsg recvmsg sendmmsg recvmmsg
)

printf '%s\n' "${allow[@]}" | grep -v '^#' | sort -u | jq -R . | jq -s '{
	defaultAction: "SCMP_ACT_ERRNO",
	defaultErrnoRet: 1,
	architectures: ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"],
	syscalls: [
		{names: ., action: "SCMP_ACT_ALLOW"},
		{names: ["clone3"], action: "SCMP_ACT_ERRNO", errnoRet: 38}
	]}'
