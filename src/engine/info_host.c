/* SPDX-License-Identifier: Apache-2.0 */
/*
 * brig info: the host's security features, probed (docs/rootless.md):
 * overlay mountable inside a user namespace, idmapped mounts, the Landlock
 * ABI, the LSMs the kernel runs, and whether the cgroup brig runs in is
 * delegated to it.
 */
#include "engine/engine-internal.h"

#include <fcntl.h>
#include <linux/landlock.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

/* In a child: a user namespace of our own (our uid as its root) and a
 * mount namespace, then overlay over directories in dir. */
static int overlay_child(const char *dir)
{
	char map[64], lower[4096], upper[4096], work[4096];
	uid_t uid = getuid();
	gid_t gid = getgid();
	if (unshare(CLONE_NEWUSER | CLONE_NEWNS) < 0)
		return 2;
	(void)snprintf(map, sizeof(map), "0 %u 1", (unsigned)uid);
	_cleanup_err_ struct brig_err e = { 0 };
	if (brig_write_file(AT_FDCWD, "/proc/self/setgroups", "deny", &e) < 0 ||
	    brig_write_file(AT_FDCWD, "/proc/self/uid_map", map, &e) < 0)
		return 3;
	(void)snprintf(map, sizeof(map), "0 %u 1", (unsigned)gid);
	if (brig_write_file(AT_FDCWD, "/proc/self/gid_map", map, &e) < 0)
		return 3;
	if (brig_snprintf(lower, sizeof(lower), "%s/l", dir) < 0 ||
	    brig_snprintf(upper, sizeof(upper), "%s/u", dir) < 0 ||
	    brig_snprintf(work, sizeof(work), "%s/w", dir) < 0)
		return 4;
	int fs = (int)syscall(SYS_fsopen, "overlay", FSOPEN_CLOEXEC);
	if (fs < 0)
		return 5;
	if (syscall(SYS_fsconfig, fs, FSCONFIG_SET_STRING, "lowerdir", lower, 0) < 0 ||
	    syscall(SYS_fsconfig, fs, FSCONFIG_SET_STRING, "upperdir", upper, 0) < 0 ||
	    syscall(SYS_fsconfig, fs, FSCONFIG_SET_STRING, "workdir", work, 0) < 0 ||
	    syscall(SYS_fsconfig, fs, FSCONFIG_SET_FLAG, "userxattr", NULL, 0) < 0 ||
	    syscall(SYS_fsconfig, fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
		return 6;
	return 0;
}

/* Can overlayfs be mounted inside a user namespace (Linux 5.11+)? */
static bool overlay_in_userns(void)
{
	const char *tmp = getenv("TMPDIR");
	char dir[4096], sub[4100];
	if (brig_snprintf(dir, sizeof(dir), "%s/brig-info-XXXXXX",
			  tmp && tmp[0] == '/' ? tmp : "/tmp") < 0 ||
	    !mkdtemp(dir))
		return false;
	static const char *const subs[] = { "l", "u", "w" };
	bool ok = true;
	for (size_t i = 0; i < BRIG_ARRAY_SIZE(subs) && ok; i++)
		ok = brig_snprintf(sub, sizeof(sub), "%s/%s", dir, subs[i]) >= 0 &&
			mkdir(sub, 0700) == 0;
	pid_t pid = ok ? fork() : -1;
	if (pid == 0)
		_exit(overlay_child(dir));
	int st = -1;
	if (pid > 0 && BRIG_RETRY(waitpid(pid, &st, 0)) < 0)
		st = -1;
	/* What overlayfs made in its work directory, then ours. */
	static const char *const made[] = { "w/work/work", "w/work", "w/index", "l", "u", "w" };
	for (size_t i = 0; i < BRIG_ARRAY_SIZE(made); i++)
		if (brig_snprintf(sub, sizeof(sub), "%s/%s", dir, made[i]) >= 0)
			(void)rmdir(sub);
	(void)rmdir(dir);
	return pid > 0 && st != -1 && WIFEXITED(st) && WEXITSTATUS(st) == 0;
}

/* mount_setattr(2) exists (Linux 5.12): idmapped mounts, where the file
 * system and the caller's privileges allow (root, not rootless). */
static bool has_mount_setattr(void)
{
	long r = syscall(SYS_mount_setattr, -1, "", 0, NULL, 0);
	return r == 0 || errno != ENOSYS;
}

static int landlock_abi(void)
{
	long v = syscall(SYS_landlock_create_ruleset, NULL, 0, LANDLOCK_CREATE_RULESET_VERSION);
	return v < 0 ? 0 : (int)v;
}

/* /sys/kernel/security/lsm: "lockdown,capability,landlock,yama,..."; where
 * securityfs is not mounted, the LSMs that show themselves elsewhere. */
static json_t *lsms(void)
{
	json_t *a = json_array();
	_cleanup_free_ char *buf = NULL;
	size_t len = 0;
	char *save = NULL;
	_cleanup_err_ struct brig_err e = { 0 };
	if (a && brig_read_file(AT_FDCWD, "/sys/kernel/security/lsm", 4096, &buf, &len, &e) == 0) {
		for (char *w = strtok_r(buf, ",\n", &save); w; w = strtok_r(NULL, ",\n", &save))
			(void)json_array_append_new(a, json_string(w));
		return a;
	}
	static const struct {
		const char *name, *path;
	} shows[] = { { "selinux", "/sys/fs/selinux/enforce" },
		      { "apparmor", "/sys/kernel/security/apparmor" },
		      { "yama", "/proc/sys/kernel/yama/ptrace_scope" } };
	for (size_t i = 0; a && i < BRIG_ARRAY_SIZE(shows); i++)
		if (access(shows[i].path, F_OK) == 0)
			(void)json_array_append_new(a, json_string(shows[i].name));
	if (a && landlock_abi() > 0)
		(void)json_array_append_new(a, json_string("landlock"));
	return a;
}

int eng_info_host_features(json_t *features, struct brig_err *e)
{
	bool idmap = has_mount_setattr();
	json_t *lsm = lsms();
	if (!lsm ||
	    json_object_set_new(features, "OverlayInUserns", json_boolean(overlay_in_userns())) <
		    0 ||
	    json_object_set_new(features, "IdmappedMounts", json_boolean(idmap)) < 0 ||
	    json_object_set_new(features, "IdmappedMountsUsable",
				json_boolean(idmap && !eng_rootless())) < 0 ||
	    json_object_set_new(features, "LandlockABI", json_integer(landlock_abi())) < 0 ||
	    json_object_set_new(features, "LSMs", lsm) < 0)
		return brig_err_oom(e);
	return 0;
}
